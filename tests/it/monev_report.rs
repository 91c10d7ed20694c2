//! The monev PDFs made from a real store: the period report says what the
//! dashboard says, never shows an identity or a rahasia case, is byte-identical
//! when made twice, and verifies against the store (and stops verifying when
//! the data it was made from changes). The visit report likewise.
//! Needs poppler-utils and qpdf (scripts/setup.sh).

use std::process::Command;

use chrono::NaiveDate;
use posko_core::model::*;
use posko_core::monev::ReportTemplateInput;
use posko_core::reports::*;
use posko_core::visits::*;
use posko_domain::role::Role;

use crate::monev::{dataset, full_answers, march, visit_input};
use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let p = path.to_str().unwrap();
    let check = Command::new("qpdf")
        .args(["--check", p])
        .output()
        .expect("qpdf (scripts/setup.sh)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let fonts = Command::new("pdffonts").arg(p).output().expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes yes yes ")),
        "{fonts}"
    );
    let out = Command::new("pdftotext")
        .args(["-layout", p, "-"])
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn input() -> MonevReportInput {
    MonevReportInput {
        from: d(2026, 3, 1),
        to: d(2026, 3, 31),
        units: vec![],
        doc_date: Some(d(2026, 4, 2)),
        place: Some("Majene".into()),
    }
}

fn office(s: &mut Store) {
    let mut o = s.p.office_settings().unwrap();
    o.address = "Jl. Poros Majene–Mamuju Km 12, Sendana, Majene".into();
    o.head_name = "dr. Hendra Saputra".into();
    o.head_title = "Kepala Puskesmas Sendana".into();
    o.head_nip = "197505052003121002".into();
    s.p.update_office_settings(&admin(), o).unwrap();
}

#[test]
fn period_report_matches_the_dashboard_and_hides_identities() {
    let mut ds = dataset();
    office(&mut ds.s);
    let monitor = ds.people.monitor.clone();
    let p = &ds.s.p;
    let dash = p.monev_indicators(&monitor, &march()).unwrap();
    let (file, pdf) = p.monev_report(&monitor, &input()).unwrap();
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    assert_eq!(file.file_name, "Monev-PKM-SENDANA-20260301-20260331.pdf");
    assert!(
        file.doc_no
            .starts_with("MONEV/PKM-SENDANA/20260301-20260331/")
    );
    let text = text_of(&pdf);
    // The dashboard's numbers, as the report prints them.
    let c = &dash.complaints;
    assert_eq!(c.received.value, 7);
    for needle in [
        "Laporan diterima 7 100%",
        "Terverifikasi 5 71,43%",
        "Didisposisikan 3 42,86%",
        "Sudah ditindaklanjuti 3 42,86%",
        "Selesai 2 28,57%",
        "Dalam proses 4 57,14%",
        "Diarsipkan 1 14,29%",
        "Dibuka kembali 1 14,29%",
        "Pelapor anonim 2 28,57%",
        "Laporan rahasia 2 28,57%",
        "Verifikasi 6 1 0 85,71%",
        "Tindak lanjut pertama 2 1 0 66,67%",
        "Penyelesaian 3 2 2 60%",
        "Tutup otomatis 2 0 1 100%",
        "Sampai tindak lanjut pertama 3 3 7 8",
        "Sampai ditutup 3 5 11,4 13",
        "Aspirasi 2 28,57%",
        "Pengaduan tidak berkadar pengawasan 3 42,86%",
        "Maret 2026 7 100%",
        "Puskesmas Sendana 1 1 1 2 1 1 7",
        "Majene, 2 April 2026",
        "Kepala Puskesmas Sendana",
        "NIP. 197505052003121002",
        "BAB III",
        "HASIL",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
    // No identity anywhere, no rahasia case shown (only counted).
    for secret in [
        "Siti",
        "Nurhaliza",
        "3201014101900003",
        "3201",
        "0812",
        "7890",
        "C rahasia",
        "I kotak saran",
    ] {
        assert!(!text.contains(secret), "{secret:?} leaked into the report");
    }
    // The late appendix lists E (not rahasia) with its register number.
    assert!(text.contains("E lewat tengah malam"));
    // Same data, same bytes.
    let (_, again) = p.monev_report(&monitor, &input()).unwrap();
    assert!(again == pdf, "the report must be byte-identical");
    let ok = p.verify_report_bytes(&monitor, &pdf).unwrap();
    assert!(ok.matches, "{ok:?}");
    assert_eq!(ok.kind, "monev");
    assert_eq!(ok.doc_no, file.doc_no);
    // Data it was made from changes: the check says so; changed back, it matches again.
    ds.s.p
        .save_report_template(
            &monitor,
            &ReportTemplateInput {
                key: "penutup".into(),
                body: "Teks penutup yang diubah.".into(),
            },
        )
        .unwrap();
    let changed = ds.s.p.verify_report_bytes(&monitor, &pdf).unwrap();
    assert!(!changed.matches);
    assert_ne!(changed.actual_sha256, changed.claimed_sha256);
    ds.s.p
        .save_report_template(
            &monitor,
            &ReportTemplateInput {
                key: "penutup".into(),
                body: String::new(),
            },
        )
        .unwrap();
    assert!(ds.s.p.verify_report_bytes(&monitor, &pdf).unwrap().matches);
    // Not a report at all.
    assert_eq!(
        ds.s.p
            .verify_report_bytes(&monitor, b"%PDF-1.4 hello")
            .unwrap_err()
            .code(),
        "NOT_A_REPORT"
    );
    // A petugas may not make reports.
    assert_eq!(
        ds.s.p.monev_report(&clerk(), &input()).unwrap_err().code(),
        "FORBIDDEN"
    );
}

#[test]
fn an_empty_period_still_gives_a_report() {
    let s = new_store();
    let (file, pdf) =
        s.p.monev_report(
            &actor(Role::Pemantau),
            &MonevReportInput {
                from: d(2025, 1, 1),
                to: d(2025, 12, 31),
                units: vec![],
                doc_date: Some(d(2026, 1, 5)),
                place: None,
            },
        )
        .unwrap();
    let text = text_of(&pdf);
    assert!(text.contains("Laporan diterima 0 –"));
    assert!(text.contains("Tidak ada laporan yang diterima pada periode ini"));
    assert!(file.pages >= 8);
}

#[test]
fn visit_report_verifies_until_the_visit_is_corrected() {
    use base64::Engine;
    let mut s = new_store();
    office(&mut s);
    let monitor = actor(Role::Pemantau);
    let v =
        s.p.save_visit(&monitor, &visit_input("PKM-SENDANA", full_answers()))
            .unwrap();
    s.p.add_visit_photo(
        &monitor,
        &VisitPhotoInput {
            visit_id: v.id,
            item_id: Some("kanal".into()),
            file_name: "papan.png".into(),
            caption: "Papan kanal pengaduan".into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(crate::monev::png_1x1()),
            reason: None,
        },
    )
    .unwrap();
    let v = s.p.finish_visit(&monitor, &IdInput { id: v.id }).unwrap();
    let (file, pdf) =
        s.p.visit_report(
            &monitor,
            &VisitReportInput {
                id: v.id,
                doc_date: None,
                place: None,
            },
        )
        .unwrap();
    assert_eq!(file.kind, "visit");
    let text = text_of(&pdf);
    for needle in [
        "BERITA ACARA KUNJUNGAN MONITORING DAN EVALUASI",
        "Pada hari ini, Selasa tanggal 24 Maret 2026",
        "Nilai akhir 73,11",
        "Zona Kuning",
        "Input — nilai 70",
        "Proses — nilai 82,78",
        "Output — nilai 62,5",
        "Ada SK kepala puskesmas tentang Ya",
        "Skor 2",
        "Tidak berlaku",
        "Register belum memuat tanggal tindak lanjut.",
        "Perbaiki format register Petugas pengaduan 30 April 2026",
        "Mengetahui,",
        "dr. Hendra Saputra",
        "NIP. 198001012005012001",
        "Sendana, 24 Maret 2026",
        "(1 foto bukti)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    assert!(s.p.verify_report_bytes(&monitor, &pdf).unwrap().matches);
    let (_, again) =
        s.p.visit_report(
            &monitor,
            &VisitReportInput {
                id: v.id,
                doc_date: None,
                place: None,
            },
        )
        .unwrap();
    assert!(again == pdf);
    // A correction changes the data the berita acara was made from.
    let mut corrected = visit_input("PKM-SENDANA", full_answers());
    corrected.id = Some(v.id);
    corrected
        .findings
        .push("Temuan tambahan setelah klarifikasi.".into());
    s.p.correct_visit(
        &monitor,
        &VisitCorrection {
            visit: corrected,
            reason: "Klarifikasi kepala puskesmas".into(),
        },
    )
    .unwrap();
    let after = s.p.verify_report_bytes(&monitor, &pdf).unwrap();
    assert!(!after.matches);
    let (_, fresh) =
        s.p.visit_report(
            &monitor,
            &VisitReportInput {
                id: v.id,
                doc_date: None,
                place: None,
            },
        )
        .unwrap();
    let fresh_text = text_of(&fresh);
    assert!(fresh_text.contains("Riwayat Koreksi"));
    assert!(fresh_text.contains("Klarifikasi kepala puskesmas"));
    assert!(s.p.verify_report_bytes(&monitor, &fresh).unwrap().matches);
}

/// What the app does with a report (src-tauri/commands.rs): the core makes
/// it, keeps it whole in `<store>/reports`, returns the same bytes for the
/// preview; opening it for printing and saving a copy reach only a kept
/// Posko report named by file name *and* document number; issuing, opening
/// and saving are in the audit log.
#[test]
fn app_reports_are_kept_opened_and_saved_with_an_audit_trail() {
    use base64::Engine;
    use posko_core::audit::{AuditAction, AuditFilter};
    let mut s = new_store();
    office(&mut s);
    let monitor = actor(Role::Pemantau);
    let v =
        s.p.save_visit(&monitor, &visit_input("PKM-SENDANA", full_answers()))
            .unwrap();
    let v = s.p.finish_visit(&monitor, &IdInput { id: v.id }).unwrap();
    let ask = VisitReportInput {
        id: v.id,
        doc_date: None,
        place: None,
    };
    let made = s.p.visit_report_pdf(&monitor, &ask).unwrap();
    let kept = s.p.reports_dir().join(&made.file.file_name);
    assert_eq!(made.path, kept.display().to_string());
    assert_eq!(made.file.file_name, "BA-Monev-PKM-SENDANA-20260324.pdf");
    let bytes = std::fs::read(&kept).unwrap();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&made.pdf_base64)
            .unwrap(),
        bytes,
        "the preview shows the kept file"
    );
    assert_eq!(made.file.size, bytes.len() as u64);
    assert!(s.p.verify_report_bytes(&monitor, &bytes).unwrap().matches);
    assert!(text_of(&bytes).contains("Nilai akhir 73,11"));
    let leftovers: Vec<_> = std::fs::read_dir(s.p.reports_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        leftovers,
        vec![made.file.file_name.clone()],
        "no .part left"
    );

    let r = ReportRef {
        file_name: made.file.file_name.clone(),
        doc_no: made.file.doc_no.clone(),
    };
    // Open for printing: the shell's opener gets exactly the kept file.
    let mut opened = None;
    let path =
        s.p.open_report(&monitor, &r, |p| {
            opened = Some(p.to_path_buf());
            Ok(())
        })
        .unwrap();
    assert_eq!(opened.as_deref(), Some(kept.as_path()));
    assert_eq!(path, kept);
    // A viewer that cannot start is an error, and no print is recorded.
    let err =
        s.p.open_report(&monitor, &r, |_| {
            Err(posko_core::CoreError::io("no viewer"))
        })
        .unwrap_err();
    assert_eq!(err.code(), "IO");

    // Save as: a copy where the user chose; a bare name gets ".pdf".
    let out = tempfile::tempdir().unwrap();
    let saved =
        s.p.save_report_copy(&monitor, &r, &out.path().join("berita-acara"))
            .unwrap();
    assert_eq!(saved, out.path().join("berita-acara.pdf"));
    assert_eq!(std::fs::read(&saved).unwrap(), bytes);

    // Nothing but a kept report with that number can be reached.
    let refused = |s: &Store, who: &posko_core::Actor, file_name: &str, doc_no: &str| {
        let r = ReportRef {
            file_name: file_name.into(),
            doc_no: doc_no.into(),
        };
        let opened = s.p.open_report(who, &r, |_| panic!("must not open"));
        let copied = s.p.save_report_copy(who, &r, &out.path().join("x.pdf"));
        let (a, b) = (opened.unwrap_err(), copied.unwrap_err());
        assert_eq!(a.code(), b.code());
        a.code()
    };
    let secret = s.dir.path().join("posko.store.json");
    assert!(secret.exists());
    for (name, doc) in [
        ("../posko.store.json", made.file.doc_no.as_str()),
        (secret.to_str().unwrap(), made.file.doc_no.as_str()),
        ("tidak-ada.pdf", made.file.doc_no.as_str()),
        (made.file.file_name.as_str(), "BA-MONEV/LAIN/1/0"),
    ] {
        assert_eq!(refused(&s, &monitor, name, doc), "NOT_FOUND", "{name}");
    }
    assert_eq!(
        refused(&s, &actor(Role::Petugas), &r.file_name, &r.doc_no),
        "FORBIDDEN"
    );
    assert!(!out.path().join("x.pdf").exists());

    // A correction changes the data: the report made again replaces the
    // kept file under another number, and the old number no longer opens.
    let mut corrected = visit_input("PKM-SENDANA", full_answers());
    corrected.id = Some(v.id);
    corrected.findings.push("Temuan tambahan.".into());
    s.p.correct_visit(
        &monitor,
        &VisitCorrection {
            visit: corrected,
            reason: "Klarifikasi".into(),
        },
    )
    .unwrap();
    let again = s.p.visit_report_pdf(&monitor, &ask).unwrap();
    assert_eq!(again.file.file_name, made.file.file_name);
    assert_ne!(again.file.doc_no, made.file.doc_no);
    assert_eq!(refused(&s, &monitor, &r.file_name, &r.doc_no), "NOT_FOUND");

    // The period report is kept the same way.
    let period = s.p.monev_report_pdf(&monitor, &input()).unwrap();
    assert_eq!(
        period.file.file_name,
        "Monev-PKM-SENDANA-20260301-20260331.pdf"
    );
    assert!(s.p.reports_dir().join(&period.file.file_name).is_file());

    // The audit trail: every issue and the one successful opening are
    // prints, the saved copy an export without identities.
    let log = |action| {
        s.p.audit_log(
            &admin(),
            &AuditFilter {
                action: Some(action),
                ..Default::default()
            },
        )
        .unwrap()
        .rows
    };
    let mut prints: Vec<(String, String)> = log(AuditAction::Print)
        .into_iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
            (
                e.entity_id.unwrap(),
                format!(
                    "{}:{}",
                    d["kind"].as_str().unwrap(),
                    d["via"].as_str().unwrap()
                ),
            )
        })
        .collect();
    prints.sort();
    let mut want = vec![
        (made.file.doc_no.clone(), "visit:issue".to_owned()),
        (made.file.doc_no.clone(), "visit:open".to_owned()),
        (again.file.doc_no.clone(), "visit:issue".to_owned()),
        (period.file.doc_no.clone(), "monev:issue".to_owned()),
    ];
    want.sort();
    assert_eq!(prints, want);
    let exports = log(AuditAction::Export);
    assert_eq!(exports.len(), 1);
    assert_eq!(
        exports[0].entity_id.as_deref(),
        Some(made.file.doc_no.as_str())
    );
    assert!(exports[0].detail.contains(r#""identities":false"#));
    assert!(s.p.audit_verify(&admin()).unwrap().ok);
}
