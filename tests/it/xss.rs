//! Markup typed by users is text in the PDFs too: a visit whose every free
//! text holds HTML and script prints them literally (not dropped, not
//! escaped into entities, not interpreted). The windows' side is the E2E test
//! `markup_in_every_field_stays_text_on_every_screen`; the CSP's block is
//! `the_csp_blocks_inline_and_remote_scripts`.
//! Needs poppler-utils (pdftotext).

use std::process::Command;

use posko_core::model::IdInput;
use posko_core::reports::VisitReportInput;
use posko_domain::instrument::Answer;
use posko_domain::role::Role;

use crate::monev::{full_answers, visit_input};
use crate::support::*;

pub const SCRIPT: &str = "<script>alert(1)</script>";
pub const IMG: &str = "<img src=x onerror=alert(2)>";

/// The text of a PDF, whitespace collapsed (lines wrap where the layout says).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (scripts/setup.sh installs poppler-utils)");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn marked(label: &str) -> String {
    format!("{label} {SCRIPT} {IMG} <b>tebal</b> &amp;")
}

#[test]
fn markup_in_a_visit_prints_as_text_in_its_report() {
    let mut s = new_store();
    let monitor = actor(Role::Pemantau);
    let mut answers = full_answers();
    for a in &mut answers {
        if a.item_id == "catatan-umum" {
            a.answer = Some(Answer::Text(marked("JAWABAN")));
        }
        if a.item_id == "sop" {
            a.note = marked("CATATAN");
        }
    }
    let mut input = visit_input("PKM-SENDANA", answers);
    input.place = marked("TEMPAT");
    input.findings = vec![marked("TEMUAN")];
    input.recommendations = vec![marked("SARAN")];
    input.plan[0].action = marked("RENCANA");
    input.team[0].name = marked("TIM");
    let v = s.p.save_visit(&monitor, &input).unwrap();
    let v = s.p.finish_visit(&monitor, &IdInput { id: v.id }).unwrap();
    let (_, pdf) =
        s.p.visit_report(
            &monitor,
            &VisitReportInput {
                id: v.id,
                doc_date: None,
                place: None,
            },
        )
        .unwrap();
    let text = pdf_text(&pdf);
    // Narrow table cells wrap inside long words: compare without whitespace.
    let squeezed: String = text.split_whitespace().collect();
    for label in ["JAWABAN", "CATATAN", "TEMUAN", "SARAN", "RENCANA", "TIM"] {
        let want = marked(label);
        let want_squeezed: String = want.split_whitespace().collect();
        assert!(
            squeezed.contains(&want_squeezed),
            "{label}: {want:?} not printed as typed in:\n{text}"
        );
    }
    assert!(!text.contains("&lt;"), "markup escaped into entities");
}

#[test]
fn markup_in_a_complaint_prints_as_text_in_the_personal_data_pdf() {
    use posko_core::subject::{SubjectExportInput, SubjectFormat, SubjectQuery};
    let mut s = new_store();
    let mut c = complaint(&marked("JUDUL"));
    c.description = marked("URAIAN");
    c.incident_place = Some(marked("TEMPAT"));
    c.reporter.name = Some(marked("NAMA"));
    c.reporter.address = Some(marked("ALAMAT"));
    c.assigned_to = Some(marked("PETUGAS"));
    s.p.create_complaint(&clerk(), c).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.pdf");
    s.p.export_subject(
        &admin(),
        &SubjectExportInput {
            query: SubjectQuery {
                nik: Some("3201014101900003".into()),
                phone: None,
            },
            format: SubjectFormat::Pdf,
        },
        &path,
    )
    .unwrap();
    let text = pdf_text(&std::fs::read(&path).unwrap());
    for label in ["JUDUL", "URAIAN", "TEMPAT", "NAMA", "ALAMAT"] {
        let want = marked(label);
        assert!(
            text.contains(&want),
            "{label}: {want:?} not printed as typed in:\n{text}"
        );
    }
}

#[test]
fn markup_in_a_complaint_prints_as_text_in_its_sheet() {
    use posko_core::model::{FollowUpInput, TransitionInput};
    use posko_core::reports::ComplaintSheetInput;
    use posko_domain::Action;
    let mut s = new_store();
    let mut c = complaint(&marked("JUDUL"));
    c.description = marked("ISI");
    c.incident_place = Some(marked("TEMPAT"));
    c.reporter.name = Some(marked("PELAPOR"));
    let c = s.p.create_complaint(&clerk(), c).unwrap();
    for (action, note) in [(Action::Verify, "VERIFIKASI"), (Action::Route, "RUTE")] {
        s.p.transition(
            &head(),
            &TransitionInput {
                complaint_id: c.id,
                action,
                note: Some(marked(note)),
                assigned_to: None,
            },
        )
        .unwrap();
    }
    s.p.add_follow_up(
        &clerk(),
        &FollowUpInput {
            complaint_id: c.id,
            content: marked("TINDAKLANJUT"),
            template_code: None,
        },
    )
    .unwrap();
    let (_, pdf) =
        s.p.complaint_sheet(
            &clerk(),
            &ComplaintSheetInput {
                id: c.id,
                doc_date: None,
                place: None,
            },
        )
        .unwrap();
    let squeezed: String = pdf_text(&pdf).split_whitespace().collect();
    for label in [
        "JUDUL",
        "ISI",
        "TEMPAT",
        "PELAPOR",
        "VERIFIKASI",
        "RUTE",
        "TINDAKLANJUT",
    ] {
        let want: String = marked(label).split_whitespace().collect();
        assert!(squeezed.contains(&want), "{label}: {squeezed}");
    }
    assert!(!squeezed.contains("&lt;"), "no entities: {squeezed}");
}
