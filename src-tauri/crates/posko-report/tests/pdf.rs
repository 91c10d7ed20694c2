//! The PDFs checked with real tools: `qpdf --check` passes, `pdffonts` shows
//! every font embedded (and subset), `pdftotext` finds the headings and the
//! numbers, `pdfinfo` the metadata, `pdftoppm` renders every page; the same
//! data gives the same bytes; bad input gives a sensible document.
//! Needs poppler-utils and qpdf (scripts/setup.sh installs them).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use posko_report::*;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is missing ({e}); run scripts/setup.sh"));
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The checks every document must pass; returns the extracted text.
fn check_pdf(path: &Path, pages: u32) -> String {
    let p = path.to_str().unwrap();
    let check = tool("qpdf", &["--check", p]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let fonts = tool("pdffonts", &[p]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "two fonts (regular, bold): {fonts}");
    for r in rows {
        // name type encoding emb sub uni object ID
        let cols: Vec<&str> = r.split_whitespace().collect();
        assert!(cols[0].contains("+NotoSans"), "subset Noto Sans: {r}");
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "embedded, subset, unicode: {r}"
        );
    }
    let info = tool("pdfinfo", &[p]);
    assert!(
        info.contains(&format!("Pages:           {pages}")),
        "{info}"
    );
    assert!(
        info.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{info}"
    );
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    tool(
        "pdftoppm",
        &["-r", "40", "-png", p, prefix.to_str().unwrap()],
    );
    let rendered = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(rendered as u32, pages, "one image per page");
    tool("pdftotext", &["-layout", p, "-"])
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn monev_report_passes_the_tools_and_says_what_the_data_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = monev_body(3, 30, 1234);
    body.letterhead.logo = Some(png(120, 120));
    let r = render_monev(&monev_report(body.clone()));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let path = write(dir.path(), "monev.pdf", &r.bytes);
    let text = check_pdf(&path, r.pages);
    let flat = squash(&text);
    for heading in [
        "LAPORAN MONITORING DAN EVALUASI PENGELOLAAN PENGADUAN",
        "KATA PENGANTAR",
        "DAFTAR ISI",
        "BAB I",
        "PENDAHULUAN",
        "A. Latar Belakang",
        "B. Dasar Hukum",
        "BAB II",
        "METODE",
        "BAB III",
        "HASIL",
        "BAB IV",
        "ANALISIS DAN REKOMENDASI",
        "BAB V",
        "PENUTUP",
        "LAMPIRAN",
        "1 Januari 2026 s.d. 31 Maret 2026",
        "Sendana, 2 April 2026",
        "NIP. 197505052003121002",
        "Laporan diterima 1.234 100%",
        "Penyelesaian 617 370 246 62,5%",
        "Sampai ditutup 863 8,5 14 58",
    ] {
        assert!(flat.contains(heading), "missing {heading:?}");
    }
    for i in 1..=r.pages {
        assert!(flat.contains(&format!("Halaman {i} dari {}", r.pages)));
    }
    let info = tool("pdfinfo", &[path.to_str().unwrap()]);
    assert!(
        info.contains(
            "Title:           Laporan Monitoring dan Evaluasi Pengelolaan Pengaduan — 3 unit"
        ),
        "{info}"
    );
    assert!(
        info.contains("Author:          Puskesmas Sendana"),
        "{info}"
    );
    assert!(
        info.contains("Subject:         Laporan monev periode 1 Januari 2026 s.d. 31 Maret 2026"),
        "{info}"
    );
    assert!(
        info.contains("CreationDate:    Thu Apr  2 00:00:00 2026"),
        "{info}"
    );
    // The stamp is in the file and matches the data.
    let stamp = read_stamp(&r.bytes).expect("stamp");
    assert_eq!(stamp.sha256, data_hash(&body));
    assert!(flat.contains(&stamp.doc_no));
    assert!(flat.contains(&stamp.sha256));
    // Reproducible: the same data, the same bytes (also within one process).
    let again = render_monev(&monev_report(body));
    assert!(again.bytes == r.bytes, "same data must give the same bytes");
    // Keep a copy to look at: target/report-samples/.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target/report-samples");
    std::fs::create_dir_all(&samples).unwrap();
    std::fs::write(samples.join("monev-sample.pdf"), &r.bytes).unwrap();
}

#[test]
fn visit_report_passes_the_tools() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = visit_body();
    body.photos = vec![PhotoRow {
        item: "kanal".into(),
        caption: "Papan informasi kanal pengaduan".into(),
        file: "papan.png".into(),
        sha256: "ab".repeat(32),
    }];
    body.photo_bytes = vec![Some(png(300, 200))];
    body.corrections = vec![CorrectionRow {
        at: "26 Maret 2026 10.00".into(),
        who: "Pemantau".into(),
        field: "answer:publikasi".into(),
        old: "Tidak".into(),
        new: "Ya".into(),
        reason: "Salah input".into(),
    }];
    let r = render_visit(&visit_report(body.clone()));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let path = write(dir.path(), "visit.pdf", &r.bytes);
    let flat = squash(&check_pdf(&path, r.pages));
    for s in [
        "BERITA ACARA KUNJUNGAN MONITORING DAN EVALUASI",
        "Pada hari ini, Selasa tanggal 24 Maret 2026",
        "A. Identitas",
        "B. Hasil Pemeriksaan",
        "Input — nilai 70",
        "C. Nilai dan Zona",
        "Nilai akhir 73,11",
        "Zona Kuning",
        "D. Temuan",
        "F. Rencana Tindak Lanjut",
        "G. Bukti Foto",
        "H. Riwayat Koreksi",
        "Mengetahui,",
        "dr. Hendra Saputra",
        "NIP. 198001012005012001",
    ] {
        assert!(flat.contains(s), "missing {s:?} in {flat}");
    }
    assert!(render_visit(&visit_report(body)).bytes == r.bytes);
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target/report-samples");
    std::fs::create_dir_all(&samples).unwrap();
    std::fs::write(samples.join("visit-sample.pdf"), &r.bytes).unwrap();
}

#[test]
fn bad_input_gives_a_sensible_document() {
    let dir = tempfile::tempdir().unwrap();
    // No complaints at all in the period.
    let mut empty = monev_body(1, 0, 0);
    empty.by_topic.clear();
    empty.cases.clear();
    empty.rankings.clear();
    empty.action_plan.clear();
    empty.analysis.clear();
    empty.visits.clear();
    let r = render_monev(&monev_report(empty));
    let flat = squash(&check_pdf(
        &write(dir.path(), "empty.pdf", &r.bytes),
        r.pages,
    ));
    assert!(flat.contains("Laporan diterima 0 –"), "{flat}");
    assert!(flat.contains("(tidak ada data pada periode ini)"));

    // A broken logo, a huge logo: left out with a warning.
    for (name, logo) in [
        ("broken", b"\x89PNG\r\n\x1a\nnot really".to_vec()),
        ("gif", b"GIF89a".to_vec()),
    ] {
        let mut b = monev_body(1, 0, 10);
        b.letterhead.logo = Some(logo);
        let r = render_monev(&monev_report(b));
        assert!(
            r.warnings.iter().any(|w| w.contains("Logo tidak dimuat")),
            "{name}: {:?}",
            r.warnings
        );
        check_pdf(
            &write(dir.path(), &format!("{name}.pdf"), &r.bytes),
            r.pages,
        );
    }
    let mut b = monev_body(1, 0, 10);
    b.letterhead.logo = Some(png(8000, 6000));
    let r = render_monev(&monev_report(b));
    assert!(
        r.warnings.iter().any(|w| w.contains("too large")),
        "{:?}",
        r.warnings
    );

    // Very long texts and characters outside the font.
    let mut b = monev_body(2, 5, 100);
    b.sections[1].body = "Paragraf yang sangat panjang tanpa jeda ".repeat(400) + &"x".repeat(3000);
    b.cases[0].summary = "Ringkasan ".repeat(1500);
    b.units_label = "Puskesmas 🙂 漢字 Ω".into();
    b.analysis
        .push("Catatan dengan tanda ≤ dan ≥ serta emoji 🚑".into());
    let r = render_monev(&monev_report(b));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("diganti dengan \"?\"")),
        "{:?}",
        r.warnings
    );
    let flat = squash(&check_pdf(
        &write(dir.path(), "long.pdf", &r.bytes),
        r.pages,
    ));
    assert!(flat.contains("Puskesmas ? ?? Ω"), "{}", &flat[..400]);
    assert!(r.pages > 20);
}
