//! The field-visit report (berita acara / laporan kunjungan): identity,
//! answers with notes, scores and zone, findings, recommendations, follow-up
//! plan, evidence, corrections, signatures and the verification QR.

use crate::fmt;
use crate::image;
use crate::layout::{Align, BODY, Bar, BarChart, Level, Rgb, Sign, Table, Writer, col, row};
use crate::model::*;
use crate::monev::{letterhead, logo, verification_caption};
use crate::{Rendered, pdf, qr};

fn person(p: &Person, heading: Vec<String>) -> Sign {
    Sign::new(heading, &p.name, &p.nip)
}

pub(crate) fn render(r: &VisitReport) -> Rendered {
    let b = &r.body;
    let mut warnings = Vec::new();
    let mut images = Vec::new();
    let logo = logo(&b.letterhead, &mut images, &mut warnings);
    let mut thumbs: Vec<Option<(usize, f32, f32)>> = Vec::new();
    for (i, bytes) in b.photo_bytes.iter().enumerate() {
        let t = bytes.as_ref().and_then(|bytes| match image::load(bytes) {
            Ok(img) => {
                let (pw, ph) = (img.width as f32, img.height as f32);
                let h = 150.0f32.min(ph);
                let w = (h * pw / ph).min(300.0);
                let h = w * ph / pw;
                images.push(img);
                Some((images.len() - 1, w, h))
            }
            Err(e) => {
                let name = b.photos.get(i).map(|p| p.file.as_str()).unwrap_or("?");
                warnings.push(format!("Foto {name} tidak ditampilkan ({e})."));
                None
            }
        });
        thumbs.push(t);
    }
    let payload = r.stamp.encode();
    let qr = qr::matrix(&payload);
    let mut w = Writer::new(Default::default());
    letterhead(&mut w, &b.letterhead, logo.as_ref());
    w.heading(Level::Section, &b.title.to_uppercase());
    w.paragraph(
        &format!("Nomor: {}", r.stamp.doc_no),
        9.5,
        false,
        Align::Left,
    );
    if !b.finished {
        w.paragraph_in(
            "DRAF — kunjungan belum diselesaikan; isi dapat berubah.",
            BODY,
            true,
            Align::Left,
            0.0,
            Rgb(0xC6, 0x28, 0x28),
        );
    }
    let team_names: Vec<String> = b.team.iter().map(|p| p.name.clone()).collect();
    w.paragraph(
        &format!(
            "Pada hari ini, {} tanggal {}, tim monitoring dan evaluasi ({}) telah melakukan kunjungan ke {} untuk memantau pengelolaan pengaduan dengan instrumen \"{}\". Hasilnya adalah sebagai berikut.",
            fmt::weekday(b.visit_date),
            fmt::date(b.visit_date),
            if team_names.is_empty() { "–".to_owned() } else { team_names.join(", ") },
            b.unit_name,
            b.instrument
        ),
        BODY,
        false,
        Align::Left,
    );
    w.heading(Level::Section, "A. Identitas");
    let mut ident = vec![
        (
            "Unit yang dikunjungi".to_owned(),
            format!("{} ({})", b.unit_name, b.unit_code),
        ),
        (
            "Tanggal kunjungan".to_owned(),
            format!(
                "{}, {}",
                fmt::weekday(b.visit_date),
                fmt::date(b.visit_date)
            ),
        ),
        (
            "Tempat".to_owned(),
            if b.place.is_empty() {
                "–".into()
            } else {
                b.place.clone()
            },
        ),
        ("Instrumen".to_owned(), b.instrument.clone()),
        (
            "Kepala unit".to_owned(),
            [b.head.name.as_str(), b.head.position.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    if !b.head.nip.is_empty() {
        ident.push(("NIP kepala unit".into(), b.head.nip.clone()));
    }
    w.key_values(&ident, 0.3);
    w.paragraph("Tim monev:", BODY, true, Align::Left);
    let mut t = Table::new(vec![
        col("No", 0.07, Align::Right),
        col("Nama", 0.4, Align::Left),
        col("NIP", 0.25, Align::Left),
        col("Jabatan", 0.28, Align::Left),
    ]);
    for (i, p) in b.team.iter().enumerate() {
        t.rows.push(row([
            (i + 1).to_string(),
            p.name.clone(),
            p.nip.clone(),
            p.position.clone(),
        ]));
    }
    w.table(&t);

    w.heading(Level::Section, "B. Hasil Pemeriksaan");
    for s in &b.sections {
        let head = match s.score {
            Some(v) => format!("{} — nilai {}", s.title, fmt::dec(v)),
            None => s.title.clone(),
        };
        w.heading(Level::Sub, &head);
        let mut t = Table::new(vec![
            col("No", 0.06, Align::Right),
            col("Butir", 0.38, Align::Left),
            col("Jawaban", 0.16, Align::Left),
            col("Skor", 0.1, Align::Right),
            col("Catatan", 0.3, Align::Left),
        ]);
        t.size = 8.5;
        for it in &s.items {
            let note = if it.photos > 0 {
                let suffix = format!("({} foto bukti)", it.photos);
                if it.note.is_empty() {
                    suffix
                } else {
                    format!("{} {suffix}", it.note)
                }
            } else {
                it.note.clone()
            };
            t.rows.push(row([
                it.no.clone(),
                it.text.clone(),
                it.answer.clone(),
                it.score.clone(),
                note,
            ]));
        }
        w.table(&t);
    }

    w.heading(Level::Section, "C. Nilai dan Zona");
    let mut t = Table::new(vec![
        col("Bagian", 0.7, Align::Left),
        col("Nilai (0–100)", 0.3, Align::Right),
    ]);
    for s in b.sections.iter().filter(|s| s.score.is_some()) {
        t.rows.push(row([s.title.clone(), fmt::opt_dec(s.score)]));
    }
    let mut total = row(["Nilai akhir".to_owned(), fmt::opt_dec(b.total)]);
    total.bold = true;
    t.rows.push(total);
    w.table(&t);
    if let Some(z) = &b.zone {
        let color = Rgb::from_hex(&z.color).unwrap_or(Rgb::ACCENT);
        let mut zt = Table::new(vec![
            col("Zona", 0.4, Align::Left),
            col("Rentang", 0.3, Align::Left),
            col("Kategori", 0.3, Align::Left),
        ]);
        let mut zr = row([z.label.clone(), z.range.clone(), z.category.clone()]);
        zr.cells[0].fill = Some(color);
        zr.cells[0].color = Some(Rgb::WHITE);
        zr.bold = true;
        zt.rows.push(zr);
        w.table(&zt);
    }
    if !b.zones.is_empty() {
        let legend: Vec<String> = b
            .zones
            .iter()
            .map(|z| format!("{}: {}", z.label, z.range))
            .collect();
        w.paragraph_in(
            &format!("Skema zona: {}.", legend.join("; ")),
            8.5,
            false,
            Align::Left,
            0.0,
            Rgb::GRAY,
        );
    }
    w.bar_chart(&BarChart {
        title: "Nilai per bagian".into(),
        bars: b
            .sections
            .iter()
            .filter_map(|s| {
                s.score.map(|v| Bar {
                    label: s.title.clone(),
                    value: v,
                    display: fmt::dec(v),
                    color: b
                        .zones
                        .iter()
                        .rev()
                        .find(|z| v + 1e-9 >= z.min)
                        .and_then(|z| Rgb::from_hex(&z.color))
                        .unwrap_or(Rgb::ACCENT),
                })
            })
            .collect(),
        max: Some(100.0),
    });

    w.heading(Level::Section, "D. Temuan");
    if b.findings.is_empty() {
        w.paragraph("Tidak ada temuan.", BODY, false, Align::Left);
    } else {
        w.bullets(&b.findings, true);
    }
    w.heading(Level::Section, "E. Rekomendasi");
    if b.recommendations.is_empty() {
        w.paragraph("Tidak ada rekomendasi.", BODY, false, Align::Left);
    } else {
        w.bullets(&b.recommendations, true);
    }
    w.heading(Level::Section, "F. Rencana Tindak Lanjut");
    if b.plan.is_empty() {
        w.paragraph("Tidak ada rencana tindak lanjut.", BODY, false, Align::Left);
    } else {
        let mut t = Table::new(vec![
            col("No", 0.06, Align::Right),
            col("Kegiatan", 0.5, Align::Left),
            col("Penanggung jawab", 0.24, Align::Left),
            col("Batas waktu", 0.2, Align::Left),
        ]);
        for (i, p) in b.plan.iter().enumerate() {
            t.rows.push(row([
                (i + 1).to_string(),
                p.action.clone(),
                p.owner.clone(),
                p.due.map(fmt::date).unwrap_or_else(|| "–".into()),
            ]));
        }
        w.table(&t);
    }
    if !b.photos.is_empty() {
        w.heading(Level::Section, "G. Bukti Foto");
        for (i, p) in b.photos.iter().enumerate() {
            let caption = format!(
                "{}. {}{} — {} (SHA-256 {})",
                i + 1,
                if p.item.is_empty() {
                    String::new()
                } else {
                    format!("[{}] ", p.item)
                },
                if p.caption.is_empty() {
                    "tanpa keterangan"
                } else {
                    p.caption.as_str()
                },
                p.file,
                &p.sha256[..p.sha256.len().min(16)]
            );
            if let Some(Some((id, pw, ph))) = thumbs.get(i) {
                w.ensure(ph + 30.0);
                w.image(*id, *pw, *ph);
            }
            w.paragraph_in(&caption, 8.5, false, Align::Left, 0.0, Rgb::GRAY);
        }
    }
    if !b.corrections.is_empty() {
        w.heading(
            Level::Section,
            "H. Riwayat Koreksi setelah Kunjungan Diselesaikan",
        );
        let mut t = Table::new(vec![
            col("Waktu", 0.15, Align::Left),
            col("Oleh", 0.14, Align::Left),
            col("Isian", 0.15, Align::Left),
            col("Semula", 0.16, Align::Left),
            col("Menjadi", 0.16, Align::Left),
            col("Alasan", 0.24, Align::Left),
        ]);
        t.size = 7.5;
        for c in &b.corrections {
            t.rows.push(row([
                c.at.clone(),
                c.who.clone(),
                c.field.clone(),
                c.old.clone(),
                c.new.clone(),
                c.reason.clone(),
            ]));
        }
        w.table(&t);
    }
    w.space(10.0);
    w.paragraph(
        "Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya.",
        BODY,
        false,
        Align::Left,
    );
    w.space(6.0);
    let mut signs = vec![person(
        &b.head,
        vec![
            "Mengetahui,".into(),
            if b.head.position.is_empty() {
                format!("Kepala {}", b.unit_name)
            } else {
                b.head.position.clone()
            },
        ],
    )];
    for (i, p) in b.team.iter().enumerate() {
        let mut heading = Vec::new();
        if i == 0 {
            heading.push(format!("{}, {}", b.sign_place, fmt::date(b.doc_date)));
        } else {
            heading.push(String::new());
        }
        heading.push(format!(
            "Tim Monev{}",
            if p.position.is_empty() {
                String::new()
            } else {
                format!(" ({})", p.position)
            }
        ));
        signs.push(person(p, heading));
    }
    w.signatures(&signs);
    if let Some(m) = &qr {
        w.space(6.0);
        w.qr(m, 80.0, &verification_caption(&r.stamp));
    }
    let setup = w.setup;
    let (pages, missing, outline) = w.finish(&format!("{} · {}", r.stamp.doc_no, b.unit_name));
    warnings.extend(crate::missing_glyphs_warning(&missing));
    let meta = pdf::Meta {
        title: format!("{} — {}", b.title, b.unit_name),
        author: b.letterhead.name.clone(),
        subject: format!(
            "Kunjungan monev {} {}",
            b.unit_name,
            fmt::date(b.visit_date)
        ),
        keywords: vec![
            "monev".into(),
            "kunjungan".into(),
            format!("nomor {}", r.stamp.doc_no),
            format!("sha256 {}", r.stamp.sha256),
        ],
        date: b.doc_date,
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
