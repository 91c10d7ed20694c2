//! The complaint sheet (lembar pengaduan): one complaint as a PDF to sign and
//! file. Checked through pdftotext/pdfinfo (poppler-utils): the register
//! number, title, history, follow-up and signature labels are printed; the
//! reporter is masked for a role without identity permission, absent for
//! anonim; a rahasia complaint is absent for a monitor; a short history is
//! one page, a long one continues and keeps its last event; the sheet is
//! kept in the reports folder, opened and saved through the same calls as
//! the monev reports, recorded in the audit log and verifies.

use std::process::Command;

use posko_core::model::{FollowUpDecision, FollowUpInput, TransitionInput};
use posko_core::reports::{ComplaintSheetInput, ReportRef};
use posko_domain::Action;
use posko_domain::role::Role;

use crate::support::*;
use crate::xss::pdf_text;

fn pages(pdf: &[u8]) -> u32 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .expect("Pages: line")
        .trim()
        .parse()
        .unwrap()
}

fn step(s: &mut Store, id: i64, action: Action, note: Option<&str>) {
    s.p.transition(
        &head(),
        &TransitionInput {
            complaint_id: id,
            action,
            note: note.map(Into::into),
            assigned_to: None,
        },
    )
    .unwrap();
}

fn office(s: &mut Store) {
    let mut o = s.p.office_settings().unwrap();
    o.address = "Jl. Poros Majene–Mamuju Km 12, Sendana, Majene".into();
    o.head_name = "dr. Hendra Saputra".into();
    o.head_title = "Kepala Puskesmas Sendana".into();
    o.head_nip = "197505052003121002".into();
    s.p.update_office_settings(&admin(), o).unwrap();
}

fn sheet(
    s: &Store,
    who: &posko_core::Actor,
    id: i64,
) -> (posko_core::reports::ReportFile, Vec<u8>) {
    s.p.complaint_sheet(
        who,
        &ComplaintSheetInput {
            id,
            doc_date: None,
            place: None,
        },
    )
    .unwrap()
}

/// A complaint verified, routed, followed up (approved) with notes.
fn handled(s: &mut Store) -> (i64, String) {
    let c =
        s.p.create_complaint(
            &clerk(),
            complaint("Antrean loket pendaftaran terlalu lama"),
        )
        .unwrap();
    step(s, c.id, Action::Verify, Some("Laporan lengkap"));
    step(s, c.id, Action::Route, None);
    step(
        s,
        c.id,
        Action::StartFollowUp,
        Some("Diteruskan ke kepala TU"),
    );
    let fu =
        s.p.add_follow_up(
            &clerk(),
            &FollowUpInput {
                complaint_id: c.id,
                content: "Loket pendaftaran kedua dibuka setiap Senin mulai 9 Maret 2026.".into(),
                template_code: None,
            },
        )
        .unwrap();
    s.p.decide_follow_up(
        &head(),
        &FollowUpDecision {
            follow_up_id: fu,
            approve: true,
            note: None,
        },
    )
    .unwrap();
    (c.id, c.register_no)
}

#[test]
fn the_sheet_prints_the_complaint_its_history_and_the_signatures_on_one_page() {
    let mut s = new_store();
    office(&mut s);
    let (id, register_no) = handled(&mut s);
    let (file, pdf) = sheet(&s, &clerk(), id);
    assert_eq!(file.kind, "complaint");
    assert_eq!(file.pages, 1);
    assert_eq!(pages(&pdf), 1);
    let text = pdf_text(&pdf);
    let squeezed: String = text.split_whitespace().collect();
    for want in [
        register_no.as_str(),
        "LEMBAR PENGADUAN",
        "Antrean loket pendaftaran terlalu lama",
        "Laporan dicatat",
        "Status: Terverifikasi",
        "Laporan lengkap",
        "Diteruskan ke kepala TU",
        "Tindak lanjut disetujui",
        "Loket pendaftaran kedua dibuka setiap Senin mulai 9 Maret 2026.",
        "Disetujui",
        "Petugas penerima",
        "Kepala Puskesmas Sendana",
        "dr. Hendra Saputra",
        "NIP. 197505052003121002",
        "batas 05/03/2026 · terpenuhi 02/03/2026",
        "Siti Nurhaliza",
        "3201014101900003",
        file.doc_no.as_str(),
    ] {
        let w: String = want.split_whitespace().collect();
        assert!(squeezed.contains(&w), "missing {want:?} in {text}");
    }
    // The clerk may see identities: printed in full, and that view is logged.
    let views: i64 =
        s.p.connection()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'identity_view'",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert!(views >= 1);
    // Made, kept, opened, saved, verified like the monev reports.
    let kept =
        s.p.complaint_sheet_pdf(
            &clerk(),
            &ComplaintSheetInput {
                id,
                doc_date: None,
                place: None,
            },
        )
        .unwrap();
    assert!(kept.path.ends_with(".pdf") && std::path::Path::new(&kept.path).exists());
    let r = ReportRef {
        file_name: kept.file.file_name.clone(),
        doc_no: kept.file.doc_no.clone(),
    };
    let mut opened = None;
    s.p.open_report(&clerk(), &r, |p| {
        opened = Some(p.to_path_buf());
        Ok(())
    })
    .unwrap();
    assert!(opened.is_some());
    let dest = s.dir.path().join("salinan");
    let saved = s.p.save_report_copy(&clerk(), &r, &dest).unwrap();
    assert!(saved.extension().is_some_and(|e| e == "pdf"));
    // A monitor may not open a sheet that holds an identity in full.
    assert_eq!(
        s.p.kept_report(&actor(Role::Pemantau), &r)
            .unwrap_err()
            .code(),
        "FORBIDDEN"
    );
    let prints: i64 =
        s.p.connection()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'print' AND entity_id = ?1",
                [&file.doc_no],
                |r| r.get(0),
            )
            .unwrap();
    assert!(prints >= 2, "issue + open: {prints}");
    let v = s.p.verify_report_bytes(&admin(), &pdf).unwrap();
    assert!(v.matches, "{v:?}");
    // The kept sheet (a plain PDF with the identity) does not outlive the
    // session: the app's start removes it; the saved copy stays.
    s.reopen();
    assert!(
        std::path::Path::new(&kept.path).exists(),
        "a second connection (the background sync) leaves it"
    );
    s.p.purge_complaint_sheets();
    assert!(
        !std::path::Path::new(&kept.path).exists(),
        "the kept sheet is removed at the next open"
    );
    assert!(saved.exists(), "the user's own copy is theirs");
}

#[test]
fn a_monitor_gets_the_reporter_masked_anonim_has_no_identity_rahasia_is_absent() {
    let mut s = new_store();
    let (id, _) = handled(&mut s);
    let monitor = actor(Role::Pemantau);
    let (_, pdf) = sheet(&s, &monitor, id);
    let text = pdf_text(&pdf);
    assert!(!text.contains("Siti Nurhaliza"), "{text}");
    assert!(!text.contains("3201014101900003"), "{text}");
    assert!(
        !text.contains("3456-7890") && !text.contains("34567890"),
        "{text}"
    );
    assert!(text.contains("Identitas disamarkan"), "{text}");

    let mut anon = complaint("Petugas tidak ramah");
    anon.is_anonymous = true;
    let anon = s.p.create_complaint(&clerk(), anon).unwrap();
    let (_, pdf) = sheet(&s, &admin(), anon.id);
    let text = pdf_text(&pdf);
    assert!(text.contains("Pelapor anonim"), "{text}");
    assert!(
        !text.contains("Siti") && !text.contains("3201014101900003"),
        "{text}"
    );

    let mut secret = complaint("Dugaan pungutan liar");
    secret.is_secret = true;
    let secret = s.p.create_complaint(&clerk(), secret).unwrap();
    let err =
        s.p.complaint_sheet(
            &monitor,
            &ComplaintSheetInput {
                id: secret.id,
                doc_date: None,
                place: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "NOT_FOUND");
    let (_, pdf) = sheet(&s, &head(), secret.id);
    assert!(pdf_text(&pdf).contains("RAHASIA"));
}

#[test]
fn a_long_history_continues_on_further_pages_and_keeps_its_last_event() {
    let mut s = new_store();
    let c =
        s.p.create_complaint(&clerk(), complaint("Obat kosong di apotek"))
            .unwrap();
    for i in 0..40 {
        step(
            &mut s,
            c.id,
            Action::Postpone,
            Some(&format!("Menunggu kiriman obat ke-{i}")),
        );
        step(
            &mut s,
            c.id,
            Action::Resume,
            Some(&format!("Dilanjutkan ke-{i}")),
        );
    }
    step(&mut s, c.id, Action::Verify, Some("CATATAN-TERAKHIR-80"));
    let (file, pdf) = sheet(&s, &clerk(), c.id);
    let n = pages(&pdf);
    assert!(n > 1, "{n}");
    assert_eq!(file.pages, n);
    let text = pdf_text(&pdf);
    assert!(text.contains("CATATAN-TERAKHIR-80"), "{text}");
    assert!(text.contains("Menunggu kiriman obat ke-0"));
    assert!(text.contains("Dilanjutkan ke-39"));
    assert!(text.contains("(lanjutan, halaman 2 dari"), "{text}");
    assert!(text.contains("Petugas penerima"));
}
