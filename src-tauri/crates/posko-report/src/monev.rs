//! The period monev report: cover with letterhead and logo, foreword,
//! contents, BAB I–V, appendices, signature block, verification QR.

use crate::fmt;
use crate::image::{self, PdfImage};
use crate::layout::{
    Align, BODY, Bar, BarChart, ColumnChart, Level, QrMatrix, Rgb, Sign, Table, Writer, col, row,
};
use crate::model::*;
use crate::{Rendered, Stamp, pdf, qr};

pub(crate) struct Logo {
    pub id: usize,
    pub w: f32,
    pub h: f32,
}

/// Load the letterhead logo, or say why it is left out.
pub(crate) fn logo(
    l: &Letterhead,
    images: &mut Vec<PdfImage>,
    warnings: &mut Vec<String>,
) -> Option<Logo> {
    let bytes = l.logo.as_ref()?;
    match image::load(bytes) {
        Ok(img) => {
            let h = 58.0f32;
            let w = (h * img.width as f32 / img.height as f32).clamp(20.0, 90.0);
            images.push(img);
            Some(Logo {
                id: images.len() - 1,
                w,
                h,
            })
        }
        Err(e) => {
            warnings.push(format!(
                "Logo tidak dimuat ({e}); kop surat dibuat tanpa logo."
            ));
            None
        }
    }
}

/// The kop surat: logo at the left, lines centred, a double rule under it.
pub(crate) fn letterhead(w: &mut Writer, l: &Letterhead, logo: Option<&Logo>) {
    let top = w.y();
    let lw = logo.map(|l| l.w + 8.0).unwrap_or(0.0);
    let x0 = w.setup.left + lw;
    let width = w.width() - 2.0 * lw;
    let mut lines: Vec<(String, f32, bool)> = l
        .lines
        .iter()
        .map(|s| (s.to_uppercase(), 11.0, true))
        .collect();
    lines.push((l.name.to_uppercase(), 14.0, true));
    if !l.address.trim().is_empty() {
        lines.push((l.address.clone(), 9.0, false));
    }
    let mut y = top;
    for (text, size, bold) in lines {
        let mut missing = Vec::new();
        let clean = crate::fonts::sanitize(&text, &mut missing);
        for m in missing {
            if !w.missing.contains(&m) {
                w.missing.push(m);
            }
        }
        for line in crate::layout::wrap(&clean, size, bold, width) {
            let lwid = crate::fonts::fonts().face(bold).width(&line, size);
            y += size * 1.3;
            w.text_at(
                x0 + (width - lwid).max(0.0) / 2.0,
                y - size * 0.3,
                size,
                bold,
                Rgb::BLACK,
                &line,
            );
        }
    }
    let text_bottom = y + 4.0;
    let bottom = match logo {
        Some(lg) => {
            let ly = top + 2.0;
            w.push(crate::layout::Draw::Image {
                id: lg.id,
                x: w.setup.left,
                y: ly,
                w: lg.w,
                h: lg.h,
            });
            text_bottom.max(ly + lg.h + 4.0)
        }
        None => text_bottom,
    };
    let (x1, x2) = (w.setup.left, w.setup.left + w.width());
    w.push(crate::layout::Draw::Line {
        x1,
        y1: bottom,
        x2,
        y2: bottom,
        color: Rgb::BLACK,
        width: 2.0,
    });
    w.push(crate::layout::Draw::Line {
        x1,
        y1: bottom + 3.0,
        x2,
        y2: bottom + 3.0,
        color: Rgb::BLACK,
        width: 0.6,
    });
    w.skip_to(bottom + 14.0);
}

fn no_data(w: &mut Writer) {
    w.paragraph_in(
        "(tidak ada data pada periode ini)",
        BODY,
        false,
        Align::Left,
        0.0,
        Rgb::GRAY,
    );
}

/// "Jumlah" and "%" columns for a list of counts, with a total row.
fn stat_table(w: &mut Writer, first: &str, rows: &[StatRow], total: Option<u64>) {
    if rows.is_empty() {
        no_data(w);
        return;
    }
    let mut t = Table::new(vec![
        col("No", 0.07, Align::Right),
        col(first, 0.63, Align::Left),
        col("Jumlah", 0.15, Align::Right),
        col("%", 0.15, Align::Right),
    ]);
    for (i, r) in rows.iter().enumerate() {
        t.rows.push(row([
            (i + 1).to_string(),
            r.label.clone(),
            fmt::int(r.value),
            fmt::pct(r.pct),
        ]));
    }
    if let Some(n) = total {
        let mut tr = row([String::new(), "Jumlah".into(), fmt::int(n), String::new()]);
        tr.bold = true;
        t.rows.push(tr);
    }
    w.table(&t);
}

fn bars(title: &str, rows: &[StatRow], color: Rgb) -> BarChart {
    BarChart {
        title: title.into(),
        bars: rows
            .iter()
            .map(|r| Bar {
                label: r.label.clone(),
                value: r.value as f64,
                display: fmt::int(r.value),
                color,
            })
            .collect(),
        max: None,
    }
}

fn case_table(w: &mut Writer, rows: &[CaseRow], days_title: &str) {
    if rows.is_empty() {
        no_data(w);
        return;
    }
    let mut t = Table::new(vec![
        col("No. register", 0.19, Align::Left),
        col("Tanggal", 0.12, Align::Left),
        col("Klasifikasi / topik", 0.24, Align::Left),
        col("Ringkasan", 0.25, Align::Left),
        col("Status", 0.11, Align::Left),
        col(days_title, 0.09, Align::Right),
    ]);
    t.size = 8.0;
    for c in rows {
        let summary = if c.anonymous {
            format!("{} (pelapor anonim)", c.summary)
        } else {
            c.summary.clone()
        };
        t.rows.push(row([
            c.register_no.clone(),
            fmt::date(c.date),
            if c.topic.is_empty() {
                c.kind.clone()
            } else {
                format!("{}; {}", c.kind, c.topic)
            },
            summary,
            c.status.clone(),
            c.days.map(fmt::signed).unwrap_or_else(|| "–".into()),
        ]));
    }
    w.table(&t);
}

fn section<'a>(b: &'a MonevBody, key: &str) -> Option<&'a Section> {
    b.sections.iter().find(|s| s.key == key)
}

fn sign(s: &Signer) -> Sign {
    Sign::new(
        vec![
            format!("{}, {}", s.place, fmt::date(s.date)),
            s.role.clone(),
        ],
        &s.name,
        &s.nip,
    )
}

pub(crate) fn verification_caption(stamp: &Stamp) -> Vec<String> {
    vec![
        format!("Nomor dokumen: {}", stamp.doc_no),
        format!("SHA-256 data: {}", stamp.sha256),
        "Keaslian laporan ini dapat diperiksa terhadap data Posko: pindai kode QR ini atau jalankan `posko report verify BERKAS.pdf`.".into(),
    ]
}

use crate::layout::Outline;

fn compose(
    b: &MonevBody,
    stamp: &Stamp,
    qr: Option<&QrMatrix>,
    logo: Option<&Logo>,
    toc: &Outline,
) -> Writer {
    let mut w = Writer::new(Default::default());
    // Cover.
    letterhead(&mut w, &b.letterhead, logo);
    w.space(50.0);
    w.paragraph(&b.title.to_uppercase(), 18.0, true, Align::Center);
    w.space(10.0);
    w.paragraph(&b.units_label, 14.0, true, Align::Center);
    w.space(6.0);
    w.paragraph("PERIODE", 11.0, false, Align::Center);
    w.paragraph(&fmt::period(b.from, b.to), 12.0, true, Align::Center);
    w.space(40.0);
    w.paragraph(
        &format!("Nomor: {}", stamp.doc_no),
        10.0,
        false,
        Align::Center,
    );
    w.paragraph(
        &format!("{}, {}", b.signer.place, fmt::date(b.signer.date)),
        10.0,
        false,
        Align::Center,
    );
    let bottom_room = w.limit() - 110.0;
    if w.y() < bottom_room {
        w.space(bottom_room - w.y());
    }
    if let Some(m) = qr {
        w.qr(m, 90.0, &verification_caption(stamp));
    }

    // Foreword.
    if let Some(s) = section(b, "kata_pengantar") {
        w.heading(Level::Chapter, &s.title.to_uppercase());
        w.rich(&s.body);
        w.space(10.0);
        w.signatures(&[sign(&b.signer)]);
    }
    // Contents (numbers from the previous pass).
    w.heading(Level::Chapter, "DAFTAR ISI");
    if toc.is_empty() {
        no_data(&mut w);
    } else {
        let mut t = Table::new(vec![
            col("", 0.88, Align::Left),
            col("", 0.12, Align::Right),
        ]);
        t.header = false;
        t.borders = false;
        t.zebra = false;
        t.size = BODY;
        for (level, title, page) in toc {
            let indent = if *level == Level::Chapter {
                ""
            } else {
                "      "
            };
            let mut r = row([format!("{indent}{title}"), (page + 1).to_string()]);
            r.bold = *level == Level::Chapter;
            t.rows.push(r);
        }
        w.table(&t);
    }

    // BAB I.
    w.heading(Level::Chapter, "BAB I\nPENDAHULUAN");
    for (letter, key) in [
        ("A", "latar_belakang"),
        ("B", "dasar_hukum"),
        ("C", "maksud_tujuan"),
        ("D", "ruang_lingkup"),
    ] {
        if let Some(s) = section(b, key) {
            w.heading(Level::Section, &format!("{letter}. {}", s.title));
            w.rich(&s.body);
        }
    }

    // BAB II.
    w.heading(Level::Chapter, "BAB II\nMETODE");
    if let Some(s) = section(b, "metode") {
        w.rich(&s.body);
    }
    w.heading(Level::Section, "A. Unit yang Dipantau");
    if b.unit_status.is_empty() {
        no_data(&mut w);
    } else {
        let units: Vec<String> = b.unit_status.iter().map(|u| u.unit.clone()).collect();
        w.bullets(&units, true);
    }
    w.heading(Level::Section, "B. Kunjungan Lapangan dan Instrumen");
    if b.visits.is_empty() {
        w.paragraph(
            "Tidak ada kunjungan lapangan yang diselesaikan pada periode ini.",
            BODY,
            false,
            Align::Left,
        );
    } else {
        let mut t = Table::new(vec![
            col("Tanggal", 0.16, Align::Left),
            col("Unit", 0.22, Align::Left),
            col("Instrumen", 0.3, Align::Left),
            col("Tim", 0.32, Align::Left),
        ]);
        t.size = 8.5;
        for v in &b.visits {
            t.rows.push(row([
                fmt::date(v.date),
                v.unit.clone(),
                v.instrument.clone(),
                v.team.clone(),
            ]));
        }
        w.table(&t);
    }
    w.heading(Level::Section, "C. Sumber Data dan Catatan Perhitungan");
    w.bullets(&b.method_notes, false);

    // BAB III.
    w.heading(Level::Chapter, "BAB III\nHASIL");
    let received = b.summary.first().map(|s| s.value).unwrap_or(0);
    w.heading(Level::Section, "A. Rekapitulasi Pengaduan");
    w.paragraph(
        &format!(
            "Selama periode {} diterima {} laporan (pengaduan, aspirasi, dan permintaan informasi). Status dihitung per {}.",
            fmt::period(b.from, b.to),
            fmt::int(received),
            fmt::date(b.to)
        ),
        BODY,
        false,
        Align::Left,
    );
    stat_table(&mut w, "Indikator", &b.summary, None);
    w.paragraph("Perlindungan identitas pelapor:", BODY, true, Align::Left);
    stat_table(&mut w, "Jenis", &b.privacy, None);
    w.heading(Level::Section, "B. Menurut Klasifikasi");
    stat_table(&mut w, "Klasifikasi", &b.by_kind, Some(received));
    w.bar_chart(&bars(
        "Grafik 1. Laporan menurut klasifikasi",
        &b.by_kind,
        Rgb::ACCENT,
    ));
    w.heading(Level::Section, "C. Menurut Kanal");
    stat_table(&mut w, "Kanal", &b.by_channel, Some(received));
    w.bar_chart(&bars(
        "Grafik 2. Laporan menurut kanal",
        &b.by_channel,
        Rgb(0x2E, 0x7D, 0x32),
    ));
    w.heading(Level::Section, "D. Menurut Topik");
    stat_table(&mut w, "Topik", &b.by_topic, Some(received));
    w.heading(Level::Section, "E. Menurut Bulan");
    let months: Vec<StatRow> = b
        .by_month
        .iter()
        .map(|m| StatRow {
            label: fmt::month_key_long(&m.label),
            ..m.clone()
        })
        .collect();
    stat_table(&mut w, "Bulan", &months, Some(received));
    w.column_chart(&ColumnChart {
        title: "Grafik 3. Laporan per bulan".into(),
        columns: b
            .by_month
            .iter()
            .map(|m| {
                (
                    fmt::month_key_short(&m.label),
                    m.value as f64,
                    fmt::int(m.value),
                )
            })
            .collect(),
        color: Rgb::ACCENT,
        height: 110.0,
    });
    w.heading(Level::Section, "F. Status per Unit");
    if b.unit_status.is_empty() {
        no_data(&mut w);
    } else {
        let n = b.statuses.len() as f32;
        let mut cols = vec![col("Unit", 0.24, Align::Left)];
        for s in &b.statuses {
            cols.push(col(s, 0.66 / n.max(1.0), Align::Right));
        }
        cols.push(col("Jumlah", 0.1, Align::Right));
        let mut t = Table::new(cols);
        t.size = 7.5;
        for u in &b.unit_status {
            let mut cells = vec![u.unit.clone()];
            cells.extend(u.counts.iter().map(|c| fmt::int(*c)));
            cells.push(fmt::int(u.total));
            t.rows.push(row(cells));
        }
        w.table(&t);
    }
    w.heading(Level::Section, "G. Kepatuhan terhadap Batas Waktu");
    w.paragraph(
        "Tepat waktu: tahap selesai paling lambat pada tanggal batasnya. Terlambat: selesai setelah batas, atau belum selesai padahal batasnya sudah lewat pada akhir periode. Belum jatuh tempo: belum selesai dan batasnya belum lewat.",
        9.0,
        false,
        Align::Left,
    );
    let mut t = Table::new(vec![
        col("Tahap", 0.34, Align::Left),
        col("Tepat waktu", 0.16, Align::Right),
        col("Terlambat", 0.16, Align::Right),
        col("Belum jatuh tempo", 0.18, Align::Right),
        col("% tepat waktu", 0.16, Align::Right),
    ]);
    for d in &b.deadlines {
        t.rows.push(row([
            d.step.clone(),
            fmt::int(d.on_time),
            fmt::int(d.late),
            fmt::int(d.pending),
            fmt::pct(d.on_time_pct),
        ]));
    }
    w.table(&t);
    w.bar_chart(&BarChart {
        title: "Grafik 4. Persentase tepat waktu per tahap".into(),
        bars: b
            .deadlines
            .iter()
            .map(|d| Bar {
                label: d.step.clone(),
                value: d.on_time_pct.unwrap_or(0.0),
                display: fmt::pct(d.on_time_pct),
                color: match d.on_time_pct {
                    Some(p) if p >= 81.0 => Rgb(0x2E, 0x7D, 0x32),
                    Some(p) if p >= 51.0 => Rgb(0xF9, 0xA8, 0x25),
                    Some(_) => Rgb(0xC6, 0x28, 0x28),
                    None => Rgb::RULE,
                },
            })
            .collect(),
        max: Some(100.0),
    });
    w.paragraph(
        "Lama penanganan (hari kerja sejak diterima):",
        BODY,
        true,
        Align::Left,
    );
    let mut t = Table::new(vec![
        col("Ukuran", 0.4, Align::Left),
        col("Jumlah laporan", 0.15, Align::Right),
        col("Median", 0.15, Align::Right),
        col("Persentil 90", 0.15, Align::Right),
        col("Terlama", 0.15, Align::Right),
    ]);
    for d in &b.durations {
        t.rows.push(row([
            d.label.clone(),
            fmt::int(d.count),
            fmt::opt_dec(d.median),
            fmt::opt_dec(d.p90),
            d.max.map(fmt::signed).unwrap_or_else(|| "–".into()),
        ]));
    }
    w.table(&t);
    w.heading(Level::Section, "H. Contoh Kasus");
    w.paragraph(
        "Identitas pelapor tidak ditampilkan; laporan rahasia hanya dihitung jumlahnya dan tidak dijadikan contoh.",
        9.0,
        false,
        Align::Left,
    );
    case_table(&mut w, &b.cases, "Hari kerja");
    w.heading(Level::Section, "I. Hasil Kunjungan Lapangan");
    if b.rankings.is_empty() {
        w.paragraph(
            "Belum ada kunjungan lapangan yang diselesaikan pada periode ini.",
            BODY,
            false,
            Align::Left,
        );
    }
    for (k, rb) in b.rankings.iter().enumerate() {
        w.paragraph(&rb.instrument, BODY, true, Align::Left);
        let legend: Vec<String> = rb
            .zones
            .iter()
            .map(|z| format!("{}: {} ({})", z.label, z.range, z.category))
            .collect();
        w.paragraph_in(&legend.join("; "), 8.5, false, Align::Left, 0.0, Rgb::GRAY);
        let mut t = Table::new(vec![
            col("Peringkat", 0.12, Align::Right),
            col("Unit", 0.28, Align::Left),
            col("Tanggal kunjungan", 0.18, Align::Left),
            col("Nilai", 0.1, Align::Right),
            col("Zona", 0.14, Align::Left),
            col("Kategori", 0.18, Align::Left),
        ]);
        for r in &rb.rows {
            let mut tr = row([
                r.rank.to_string(),
                r.unit.clone(),
                fmt::date(r.date),
                fmt::dec(r.score),
                r.zone.clone(),
                r.category.clone(),
            ]);
            if let Some(c) = Rgb::from_hex(&r.color) {
                tr.cells[4].fill = Some(c);
                tr.cells[4].color = Some(Rgb::WHITE);
                tr.cells[4].bold = true;
            }
            t.rows.push(tr);
        }
        w.table(&t);
        w.bar_chart(&BarChart {
            title: format!("Grafik {}. Nilai kepatuhan per unit", 5 + k),
            bars: rb
                .rows
                .iter()
                .map(|r| Bar {
                    label: r.unit.clone(),
                    value: r.score,
                    display: fmt::dec(r.score),
                    color: Rgb::from_hex(&r.color).unwrap_or(Rgb::ACCENT),
                })
                .collect(),
            max: Some(100.0),
        });
    }
    w.heading(
        Level::Section,
        "J. SK Tim Pengelola Pengaduan dan Rencana Aksi",
    );
    let mut t = Table::new(vec![
        col("Unit", 0.24, Align::Left),
        col("SK tim pengaduan", 0.3, Align::Left),
        col("Butir rencana aksi", 0.12, Align::Right),
        col("Progres rata-rata", 0.12, Align::Right),
        col("Selesai", 0.1, Align::Right),
        col("Lewat batas", 0.12, Align::Right),
    ]);
    for g in &b.governance {
        let mut tr = row([
            g.unit.clone(),
            g.decree.clone().unwrap_or_else(|| "Belum ada".into()),
            fmt::int(u64::from(g.items)),
            fmt::pct(g.progress),
            fmt::int(u64::from(g.done)),
            fmt::int(u64::from(g.overdue)),
        ]);
        if g.decree.is_none() {
            tr.cells[1].color = Some(Rgb(0xC6, 0x28, 0x28));
        }
        t.rows.push(tr);
    }
    w.table(&t);
    w.heading(Level::Section, "K. Keaktifan Petugas");
    w.paragraph(
        &format!(
            "Akun yang masuk ke Posko atau mencatat tindakan pada {}.",
            b.staff_window
        ),
        BODY,
        false,
        Align::Left,
    );
    let mut t = Table::new(vec![
        col("Peran", 0.4, Align::Left),
        col("Jumlah akun", 0.2, Align::Right),
        col("Aktif sebulan terakhir", 0.2, Align::Right),
        col("%", 0.2, Align::Right),
    ]);
    for s in &b.staff {
        t.rows.push(row([
            s.role.clone(),
            fmt::int(u64::from(s.accounts)),
            fmt::int(u64::from(s.active)),
            fmt::pct((s.accounts > 0).then(|| 100.0 * f64::from(s.active) / f64::from(s.accounts))),
        ]));
    }
    w.table(&t);

    // BAB IV.
    w.heading(Level::Chapter, "BAB IV\nANALISIS DAN REKOMENDASI");
    w.heading(Level::Section, "A. Analisis");
    if b.analysis.is_empty() {
        no_data(&mut w);
    } else {
        w.bullets(&b.analysis, true);
    }
    w.heading(Level::Section, "B. Rekomendasi");
    if let Some(s) = section(b, "rekomendasi_umum") {
        w.rich(&s.body);
    }
    w.heading(Level::Section, "C. Rencana Aksi");
    if b.action_plan.is_empty() {
        w.paragraph(
            "Rencana aksi belum diisi di aplikasi.",
            BODY,
            false,
            Align::Left,
        );
    } else {
        let mut t = Table::new(vec![
            col("No", 0.06, Align::Right),
            col("Unit", 0.18, Align::Left),
            col("Kegiatan", 0.36, Align::Left),
            col("Penanggung jawab", 0.16, Align::Left),
            col("Batas waktu", 0.14, Align::Left),
            col("Progres", 0.1, Align::Right),
        ]);
        t.size = 8.5;
        for (i, a) in b.action_plan.iter().enumerate() {
            t.rows.push(row([
                (i + 1).to_string(),
                a.unit.clone(),
                a.action.clone(),
                a.owner.clone(),
                a.due.map(fmt::date).unwrap_or_else(|| "–".into()),
                format!("{}%", a.progress),
            ]));
        }
        w.table(&t);
    }

    // BAB V.
    w.heading(Level::Chapter, "BAB V\nPENUTUP");
    if let Some(s) = section(b, "penutup") {
        w.rich(&s.body);
    }
    w.space(16.0);
    w.signatures(&[sign(&b.signer)]);

    // Appendices.
    w.heading(Level::Chapter, "LAMPIRAN");
    w.heading(
        Level::Section,
        "Lampiran 1. Laporan yang Melewati Batas Waktu",
    );
    if (b.overdue.len() as u64) < b.overdue_total {
        w.paragraph(
            &format!(
                "Ditampilkan {} dari {} laporan (yang paling lama terlambat lebih dahulu). Daftar lengkap tersedia di dasbor Posko.",
                fmt::int(b.overdue.len() as u64),
                fmt::int(b.overdue_total)
            ),
            9.0,
            false,
            Align::Left,
        );
    }
    case_table(&mut w, &b.overdue, "Terlambat (hari kerja)");
    w.heading(Level::Section, "Lampiran 2. Verifikasi Dokumen");
    w.key_values(
        &[
            ("Nomor dokumen".into(), stamp.doc_no.clone()),
            ("Jenis".into(), "Laporan monev periode".into()),
            ("Periode".into(), fmt::period(b.from, b.to)),
            ("SHA-256 data".into(), stamp.sha256.clone()),
        ],
        0.25,
    );
    if let Some(m) = qr {
        w.qr(m, 110.0, &verification_caption(stamp));
    }
    w
}

pub(crate) fn render(r: &MonevReport) -> Rendered {
    let mut warnings = Vec::new();
    let mut images = Vec::new();
    let logo = logo(&r.body.letterhead, &mut images, &mut warnings);
    let payload = r.stamp.encode();
    let qr = qr::matrix(&payload);
    if qr.is_none() {
        warnings.push("Kode QR tidak dapat dibuat (data terlalu panjang).".into());
    }
    // Contents need page numbers: lay out once to learn the headings, once
    // more with the contents in place to learn their pages, then for real.
    let entries = |o: &Outline| -> Outline {
        o.iter()
            .filter(|(l, t, _)| *l != Level::Sub && t != "DAFTAR ISI")
            .cloned()
            .collect()
    };
    let first = compose(&r.body, &r.stamp, qr.as_ref(), logo.as_ref(), &Vec::new());
    let toc = entries(&first.outline);
    let second = compose(&r.body, &r.stamp, qr.as_ref(), logo.as_ref(), &toc);
    let toc = entries(&second.outline);
    let w = compose(&r.body, &r.stamp, qr.as_ref(), logo.as_ref(), &toc);
    let setup = w.setup;
    let (pages, missing, outline) = w.finish(&format!("{} · {}", r.stamp.doc_no, r.body.title));
    warnings.extend(crate::missing_glyphs_warning(&missing));
    let meta = pdf::Meta {
        title: format!("{} — {}", r.body.title, r.body.units_label),
        author: r.body.letterhead.name.clone(),
        subject: format!(
            "Laporan monev periode {}",
            fmt::period(r.body.from, r.body.to)
        ),
        keywords: vec![
            "monev".into(),
            "pengaduan".into(),
            format!("nomor {}", r.stamp.doc_no),
            format!("sha256 {}", r.stamp.sha256),
        ],
        date: r.body.signer.date,
        file_id: r.stamp.sha256[..32].to_owned(),
        stamp: payload,
    };
    let bytes = pdf::render(&pages, &setup, &images, &outline, &meta);
    Rendered {
        bytes,
        pages: pages.len() as u32,
        warnings,
    }
}
