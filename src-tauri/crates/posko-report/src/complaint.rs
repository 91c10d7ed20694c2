//! The complaint sheet (lembar pengaduan): one complaint on paper for the
//! clerk's file, to be signed. Letterhead, document number, the complaint's
//! facts, deadlines, description, reporter (as the caller decided: masked,
//! anonim or in full), the whole history and the follow-ups, then the
//! signature blocks and the verification QR. It fits one page when the
//! history is short; a long one continues on further pages, each with a
//! running header naming the register number (nothing is cut).

use crate::image::PdfImage;
use crate::layout::{
    Align, BODY, Draw, MM, Outline, Page, PageSetup, Rgb, Sign, Table, Writer, col, ellipsize, row,
};
use crate::model::*;
use crate::monev::{letterhead, logo, verification_caption};
use crate::{Rendered, fmt, pdf, qr};

/// Room above the content of continuation pages for the running header.
const RUNNING: f32 = 24.0;

fn sign(p: &Person, heading: Vec<String>) -> Sign {
    Sign::new(heading, &p.name, &p.nip)
}

type Composed = (Vec<Page>, PageSetup, Outline, Vec<char>);

fn compose(r: &ComplaintSheet, images: &mut Vec<PdfImage>, warnings: &mut Vec<String>) -> Composed {
    let b = &r.body;
    let logo = logo(&b.letterhead, images, warnings);
    let qr = qr::matrix(&r.stamp.encode());
    // An office sheet: the letter's binding margin at the left, a little
    // less at the top and bottom than the reports so a short case fits one page.
    let mut w = Writer::new(PageSetup {
        top: 14.0 * MM,
        bottom: 17.0 * MM,
        ..PageSetup::default()
    });
    let base = w.setup;
    // Pages after the first start lower: their top band holds the running header.
    w.setup.top += RUNNING;
    letterhead(&mut w, &b.letterhead, logo.as_ref());
    w.paragraph(&b.title.to_uppercase(), 13.0, true, Align::Center);
    // The verification QR sits under the title, beside the numbers, so the
    // signatures can close a one-page sheet.
    let mut caption = vec![format!("Nomor register: {}", b.register_no)];
    caption.extend(verification_caption(&r.stamp));
    match &qr {
        Some(m) => w.qr(m, 54.0, &caption),
        None => {
            for c in &caption {
                w.paragraph_in(c, 8.0, false, Align::Left, 0.0, Rgb::GRAY);
            }
        }
    }
    if b.secret {
        w.paragraph_in(
            "RAHASIA — isi laporan tidak untuk umum; simpan dalam berkas tertutup.",
            9.0,
            true,
            Align::Center,
            0.0,
            Rgb(0xC6, 0x28, 0x28),
        );
    }
    w.space(2.0);
    let mut facts = Table::new(vec![
        col("", 0.14, Align::Left),
        col("", 0.36, Align::Left),
        col("", 0.14, Align::Left),
        col("", 0.36, Align::Left),
    ]);
    facts.header = false;
    facts.zebra = false;
    facts.size = 8.0;
    let mut pairs: Vec<(&str, String)> = vec![
        ("Diterima", b.received.clone()),
        ("Saluran", b.channel.clone()),
        ("Jenis", b.kind.clone()),
        ("Topik", dash(&b.topic)),
        ("Status", b.status.clone()),
        ("Kejadian", dash(&b.incident)),
    ];
    if !b.lapor.is_empty() {
        pairs.push(("LAPOR!", b.lapor.clone()));
    }
    for pair in pairs.chunks(2) {
        let mut cells = Vec::new();
        for (k, v) in pair {
            cells.push(k.to_string());
            cells.push(v.clone());
        }
        let mut tr = row(cells);
        tr.cells[0].bold = true;
        if tr.cells.len() > 2 {
            tr.cells[2].bold = true;
        }
        facts.rows.push(tr);
    }
    // The deadlines in the same box, two per row: step, then
    // "batas <date> · <state>" (red when late).
    for pair in b.deadlines.chunks(2) {
        let mut cells = Vec::new();
        for d in pair {
            cells.push(d.step.clone());
            cells.push(format!("batas {} · {}", d.due.format("%d/%m/%Y"), d.state));
        }
        let mut tr = row(cells);
        for (i, d) in pair.iter().enumerate() {
            tr.cells[2 * i].bold = true;
            if d.late {
                tr.cells[2 * i + 1].color = Some(Rgb(0xC6, 0x28, 0x28));
                tr.cells[2 * i + 1].bold = true;
            }
        }
        while tr.cells.len() < 4 {
            tr.cells.push("".into());
        }
        facts.rows.push(tr);
    }
    w.table(&facts);

    label(&mut w, "Uraian pengaduan");
    w.paragraph(&b.complaint_title, BODY, true, Align::Left);
    w.paragraph(&b.description, 9.5, false, Align::Left);

    label(&mut w, "Pelapor");
    if b.reporter.is_empty() {
        w.paragraph(&b.reporter_note, 9.0, false, Align::Left);
    } else {
        let line: Vec<String> = b
            .reporter
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        w.paragraph(&line.join("  ·  "), 9.0, false, Align::Left);
        if !b.reporter_note.is_empty() {
            w.paragraph_in(&b.reporter_note, 8.0, false, Align::Left, 0.0, Rgb::GRAY);
        }
    }

    label(&mut w, "Riwayat penanganan");
    let mut t = Table::new(vec![
        col("No", 0.05, Align::Right),
        col("Waktu", 0.17, Align::Left),
        col("Oleh", 0.14, Align::Left),
        col("Tindakan", 0.31, Align::Left),
        col("Catatan", 0.33, Align::Left),
    ]);
    t.size = 8.0;
    for (i, e) in b.events.iter().enumerate() {
        t.rows.push(row([
            (i + 1).to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.note.clone(),
        ]));
    }
    w.table(&t);

    label(&mut w, "Tindak lanjut");
    if b.follow_ups.is_empty() {
        w.paragraph("Belum ada tindak lanjut.", 9.0, false, Align::Left);
    } else {
        let mut t = Table::new(vec![
            col("No", 0.05, Align::Right),
            col("Isi tindak lanjut", 0.47, Align::Left),
            col("Keadaan", 0.12, Align::Left),
            col("Disusun", 0.18, Align::Left),
            col("Diputuskan", 0.18, Align::Left),
        ]);
        t.size = 8.0;
        for (i, f) in b.follow_ups.iter().enumerate() {
            t.rows.push(row([
                (i + 1).to_string(),
                f.content.clone(),
                f.state.clone(),
                f.drafted.clone(),
                dash(&f.decided),
            ]));
        }
        w.table(&t);
    }

    w.space(4.0);
    let signs = vec![
        sign(&b.receiver, vec![String::new(), "Petugas penerima".into()]),
        sign(
            &b.head,
            vec![
                format!("{}, {}", b.sign_place, fmt::date(b.doc_date)),
                if b.head.position.trim().is_empty() {
                    format!("Kepala {}", b.unit_name)
                } else {
                    b.head.position.clone()
                },
            ],
        ),
    ];
    w.signatures(&signs);
    let (mut pages, missing, outline) = w.finish(&format!("{} · {}", r.stamp.doc_no, b.unit_name));
    let n = pages.len();
    for (i, p) in pages.iter_mut().enumerate().skip(1) {
        let mut lost = Vec::new();
        let text = crate::fonts::sanitize(
            &format!(
                "{} · {} (lanjutan, halaman {} dari {})",
                b.title,
                b.register_no,
                i + 1,
                n
            ),
            &mut lost,
        );
        let width = base.width - base.left - base.right;
        p.draws.push(Draw::Text {
            x: base.left,
            y: base.top + 6.0,
            size: 9.0,
            bold: true,
            color: Rgb::ACCENT,
            text: ellipsize(&text, 9.0, true, width),
        });
        p.draws.push(Draw::Line {
            x1: base.left,
            y1: base.top + 11.0,
            x2: base.width - base.right,
            y2: base.top + 11.0,
            color: Rgb::RULE,
            width: 0.6,
        });
    }
    (pages, base, outline, missing)
}

pub(crate) fn render(r: &ComplaintSheet) -> Rendered {
    let b = &r.body;
    let mut warnings = Vec::new();
    let mut images = Vec::new();
    let (pages, base, outline, missing) = compose(r, &mut images, &mut warnings);
    let payload = r.stamp.encode();
    warnings.extend(crate::missing_glyphs_warning(&missing));
    let meta = pdf::Meta {
        title: format!("{} {}", b.title, b.register_no),
        author: b.letterhead.name.clone(),
        subject: format!("{} {} — {}", b.title, b.register_no, b.unit_name),
        keywords: vec![
            "pengaduan".into(),
            format!("nomor {}", r.stamp.doc_no),
            format!("sha256 {}", r.stamp.sha256),
        ],
        date: b.doc_date,
        file_id: r.stamp.sha256[..32].to_owned(),
        stamp: payload,
    };
    let bytes = pdf::render(&pages, &base, &images, &outline, &meta);
    Rendered {
        bytes,
        pages: pages.len() as u32,
        warnings,
    }
}

/// A small section label (kept with what follows; no bookmark).
fn label(w: &mut Writer, text: &str) {
    w.ensure(48.0);
    w.space(2.0);
    w.paragraph_in(text, 9.5, true, Align::Left, 0.0, Rgb::ACCENT);
}

fn dash(s: &str) -> String {
    if s.trim().is_empty() {
        "–".into()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::inside_page;
    use chrono::NaiveDate;

    fn body(events: usize) -> ComplaintSheetBody {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        ComplaintSheetBody {
            title: "Lembar Pengaduan".into(),
            letterhead: Letterhead {
                lines: vec!["Pemerintah Kabupaten Majene".into()],
                name: "Puskesmas Sendana".into(),
                address: "Jl. Poros, Majene".into(),
                logo: None,
                logo_sha256: None,
            },
            unit_name: "Puskesmas Sendana".into(),
            register_no: "PKM-SENDANA/2026/000001".into(),
            received: "2 Maret 2026 09.15 WITA".into(),
            channel: "Tatap muka".into(),
            kind: "Aspirasi".into(),
            topic: "Kesehatan › Pelayanan".into(),
            status: "Diterima".into(),
            secret: false,
            incident: String::new(),
            lapor: String::new(),
            complaint_title: "Antrean panjang".into(),
            description: "Antrean di loket sangat panjang.".into(),
            reporter: vec![("Nama".into(), "Budi".into())],
            reporter_note: String::new(),
            deadlines: vec![SheetDeadline {
                step: "Penyelesaian".into(),
                start: d,
                due: d,
                state: "sisa 5 hari kerja".into(),
                late: false,
            }],
            events: (0..events)
                .map(|i| SheetEvent {
                    at: "2 Maret 2026 09.15".into(),
                    actor: "Petugas".into(),
                    action: "Catatan".into(),
                    note: format!("Peristiwa nomor {i}"),
                })
                .collect(),
            follow_ups: vec![],
            receiver: Person::default(),
            head: Person::default(),
            sign_place: "Majene".into(),
            doc_date: d,
        }
    }

    fn sheet(events: usize) -> ComplaintSheet {
        let body = body(events);
        let stamp = crate::seal("complaint", "LP", "PKM", "1", &body, "{}");
        ComplaintSheet { stamp, body }
    }

    #[test]
    fn a_short_sheet_is_one_page_and_a_long_history_continues() {
        assert_eq!(render(&sheet(3)).pages, 1);
        let long = render(&sheet(120));
        assert!(long.pages > 1, "{}", long.pages);
        let a = render(&sheet(120));
        assert_eq!(a.bytes, long.bytes, "same data, same bytes");
    }

    #[test]
    fn every_draw_stays_on_the_page_with_the_running_header() {
        let (pages, setup, _, _) = compose(&sheet(120), &mut Vec::new(), &mut Vec::new());
        assert!(pages.len() > 1);
        for (i, p) in pages.iter().enumerate() {
            for d in &p.draws {
                assert!(inside_page(&setup, d), "page {}: {d:?}", i + 1);
            }
            let header = p.draws.iter().any(
                |d| matches!(d, Draw::Text { text, .. } if text.contains("(lanjutan, halaman")),
            );
            assert_eq!(header, i > 0, "page {}", i + 1);
        }
    }
}
