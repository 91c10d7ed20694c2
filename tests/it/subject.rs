//! Data-subject rights: everything about one person exported (JSON with
//! attachments, PDF), unmasked, and recorded; the identity erased from closed
//! complaints on request or after the retention period, recorded, with the
//! monev numbers and an earlier report's verification unchanged.

use chrono::Duration;
use posko_core::audit::{AuditAction, AuditFilter};
use posko_core::model::*;
use posko_core::reports::MonevReportInput;
use posko_core::security::SecuritySettings;
use posko_core::subject::*;
use posko_domain::Action;
use posko_domain::role::Role;

use crate::support::*;

const NIK: &str = "3201014101900003";

fn by_nik() -> SubjectQuery {
    SubjectQuery {
        nik: Some(NIK.into()),
        phone: None,
    }
}

fn close(s: &mut Store, id: i64) {
    s.p.transition(
        &admin(),
        &TransitionInput {
            complaint_id: id,
            action: Action::Archive,
            note: Some("Tidak dapat ditindaklanjuti".into()),
            assigned_to: None,
        },
    )
    .unwrap();
}

fn other_person(title: &str) -> ComplaintInput {
    let mut c = complaint(title);
    c.reporter = ReporterInput {
        name: Some("Budi Hartono".into()),
        nik: Some("3201011203850001".into()),
        phone: Some("0813-1111-2222".into()),
        email: None,
        address: None,
    };
    c
}

fn audit_rows(s: &Store, action: AuditAction) -> Vec<posko_core::audit::AuditEntry> {
    s.p.audit_log(
        &admin(),
        &AuditFilter {
            action: Some(action),
            ..Default::default()
        },
    )
    .unwrap()
    .rows
}

#[test]
fn everything_about_one_person_is_exported_unmasked_and_recorded() {
    use base64::Engine;
    let mut s = new_store();
    let mut mine = complaint("Siti menunggu obat tiga jam");
    mine.reporter.email = Some("siti.nurhaliza@example.id".into());
    mine.reporter.address = Some("Jl. Melati 5, Sendana".into());
    let a = s.p.create_complaint(&clerk(), mine).unwrap().id;
    s.p.add_attachment(
        &clerk(),
        &AttachmentInput {
            complaint_id: a,
            file_name: "resep.png".into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(crate::monev::png_1x1()),
        },
    )
    .unwrap();
    let b =
        s.p.create_complaint(&clerk(), complaint("Loket tutup lebih awal"))
            .unwrap()
            .id;
    close(&mut s, b);
    s.p.create_complaint(&clerk(), other_person("Parkir penuh"))
        .unwrap();

    // Found by NIK and by phone (any written form): the same two.
    let l = s.p.subject_lookup(&admin(), &by_nik()).unwrap();
    assert_eq!(l.cases.len(), 2);
    assert_eq!(l.erasable, 1);
    let by_phone = SubjectQuery {
        nik: None,
        phone: Some("+62 812 3456 7890".into()),
    };
    assert_eq!(
        s.p.subject_lookup(&admin(), &by_phone).unwrap().cases.len(),
        2
    );

    // JSON: unmasked, with the attachment's bytes; the other person absent.
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("data.json");
    let r =
        s.p.export_subject(
            &admin(),
            &SubjectExportInput {
                query: by_nik(),
                format: SubjectFormat::Json,
            },
            &json_path,
        )
        .unwrap();
    assert_eq!(r.complaints, 2);
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let cs = j["complaints"].as_array().unwrap();
    assert_eq!(cs[0]["reporter_nik"], NIK);
    assert_eq!(cs[0]["reporter_name"], "Siti Nurhaliza");
    assert_eq!(cs[0]["reporter_email"], "siti.nurhaliza@example.id");
    assert_eq!(cs[0]["reporter_address"], "Jl. Melati 5, Sendana");
    assert_eq!(cs[0]["attachments"][0]["file_name"], "resep.png");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(cs[0]["attachments"][0]["data_base64"].as_str().unwrap())
            .unwrap(),
        crate::monev::png_1x1().to_vec()
    );
    assert!(
        cs[1]["events"].as_array().unwrap().len() >= 2,
        "timeline: {}",
        cs[1]
    );
    let text = std::fs::read_to_string(&json_path).unwrap();
    assert!(
        !text.contains("Budi") && !text.contains("Parkir"),
        "another person's data"
    );

    // PDF: the same, readable.
    let pdf_path = dir.path().join("data.pdf");
    s.p.export_subject(
        &admin(),
        &SubjectExportInput {
            query: by_nik(),
            format: SubjectFormat::Pdf,
        },
        &pdf_path,
    )
    .unwrap();
    let text = crate::xss::pdf_text(&std::fs::read(&pdf_path).unwrap());
    for needle in [
        NIK,
        "Siti Nurhaliza",
        "Siti menunggu obat tiga jam",
        "Loket tutup lebih awal",
        "resep.png",
        "siti.nurhaliza@example.id",
        "UU No. 27 Tahun 2022",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF:\n{text}"
        );
    }
    assert!(!text.contains("Budi"));

    // Both exports in the audit log, without the identity itself.
    let rows = audit_rows(&s, AuditAction::Export);
    let exports: Vec<_> = rows
        .iter()
        .filter(|e| e.entity.as_deref() == Some("data_subject"))
        .collect();
    assert_eq!(exports.len(), 2);
    for e in &exports {
        assert_eq!(e.entity_id.as_deref(), Some("3201********0003"));
        assert!(
            !e.detail.contains(NIK) && !e.detail.contains("Siti"),
            "{}",
            e.detail
        );
    }
    assert!(s.p.audit_verify(&admin()).unwrap().ok);

    // Only the admin; a bad query is refused with the field named.
    for role in [Role::Petugas, Role::Kepala, Role::Pemantau] {
        let e = s.p.subject_lookup(&actor(role), &by_nik()).unwrap_err();
        assert_eq!(e.code(), "FORBIDDEN", "{role:?}");
    }
    let e =
        s.p.subject_lookup(&admin(), &SubjectQuery::default())
            .unwrap_err();
    assert_eq!(e.code(), "VALIDATION");
    let e =
        s.p.subject_lookup(
            &admin(),
            &SubjectQuery {
                nik: Some("1234".into()),
                phone: None,
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "VALIDATION");
}

#[test]
fn erasing_a_person_leaves_open_complaints_and_every_count_as_it_was() {
    let mut ds = crate::monev::dataset();
    let monitor = ds.people.monitor.clone();
    let march = crate::monev::march();
    let before = serde_json::to_value(ds.s.p.monev_indicators(&monitor, &march).unwrap()).unwrap();
    let input = MonevReportInput {
        from: march.from,
        to: march.to,
        units: vec![],
        doc_date: Some(chrono::NaiveDate::from_ymd_opt(2026, 4, 2).unwrap()),
        place: Some("Majene".into()),
    };
    let (_, pdf) = ds.s.p.monev_report(&monitor, &input).unwrap();
    let open_before: Vec<String> =
        ds.s.p
            .subject_lookup(&admin(), &by_nik())
            .unwrap()
            .cases
            .into_iter()
            .filter(|c| c.is_open)
            .map(|c| c.register_no)
            .collect();

    let r =
        ds.s.p
            .erase_subject(
                &admin(),
                &SubjectEraseInput {
                    query: by_nik(),
                    reason: "Permintaan pemilik data, surat 12/2026".into(),
                },
            )
            .unwrap();
    assert!(!r.erased.is_empty());
    assert_eq!(r.still_open, open_before, "open complaints are left alone");

    // The numbers of March, and the report made before, are unchanged.
    let after = serde_json::to_value(ds.s.p.monev_indicators(&monitor, &march).unwrap()).unwrap();
    assert_eq!(before, after);
    let v = ds.s.p.verify_report_bytes(&monitor, &pdf).unwrap();
    assert!(
        v.matches,
        "a report made before the erasure still verifies: {v:?}"
    );

    // Closed ones hold no identity any more, in the row or the search index.
    let c = ds.s.p.connection();
    let still: i64 = c
        .query_row(
            "SELECT count(*) FROM complaints WHERE reporter_nik = ?1 AND is_open = 0",
            [NIK],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(still, 0);
    let indexed: i64 = c
        .query_row(
            "SELECT count(*) FROM complaints_fts WHERE complaints_fts MATCH 'reporter : nurhaliza'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        indexed as usize,
        r.still_open.len(),
        "only open complaints are found by the name"
    );
    // The timeline says so, with the reason; the audit log too.
    let id: i64 = c
        .query_row(
            "SELECT id FROM complaints WHERE register_no = ?1",
            [&r.erased[0]],
            |r| r.get(0),
        )
        .unwrap();
    let d = ds.s.p.complaint_detail(&admin(), id, true).unwrap();
    assert!(d.reporter.name.is_none() && d.reporter.nik.is_none() && d.reporter.phone.is_none());
    let ev = d
        .events
        .iter()
        .find(|e| e.kind == ERASED_EVENT)
        .expect("timeline line");
    assert_eq!(
        ev.note.as_deref(),
        Some("Permintaan pemilik data, surat 12/2026")
    );
    let rows = audit_rows(&ds.s, AuditAction::IdentityErase);
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].detail.contains(NIK));
    assert!(rows[0].detail.contains(&r.erased[0]));
    assert!(ds.s.p.audit_verify(&admin()).unwrap().ok);
    // Asked again: nothing left to erase among the closed ones.
    let again =
        ds.s.p
            .erase_subject(
                &admin(),
                &SubjectEraseInput {
                    query: by_nik(),
                    reason: "Ulang".into(),
                },
            )
            .unwrap();
    assert!(again.erased.is_empty());
    // A reason is required.
    let e =
        ds.s.p
            .erase_subject(
                &admin(),
                &SubjectEraseInput {
                    query: by_nik(),
                    reason: "  ".into(),
                },
            )
            .unwrap_err();
    assert_eq!(e.code(), "VALIDATION");
}

#[test]
fn the_retention_period_erases_identities_of_complaints_closed_long_enough_ago() {
    let mut s = new_store();
    let old =
        s.p.create_complaint(&clerk(), complaint("Ditutup lama"))
            .unwrap()
            .id;
    close(&mut s, old);
    s.clock.advance(Duration::days(20));
    let recent =
        s.p.create_complaint(&clerk(), other_person("Ditutup baru"))
            .unwrap()
            .id;
    close(&mut s, recent);
    let open =
        s.p.create_complaint(&clerk(), complaint("Masih terbuka"))
            .unwrap()
            .id;
    s.clock.advance(Duration::days(15));

    // 0 (the default) keeps everything.
    assert!(s.p.apply_retention(&admin()).unwrap().erased.is_empty());
    // Out of range is refused.
    let bad = SecuritySettings {
        identity_retention_days: 7,
        ..s.p.security_settings().unwrap()
    };
    assert_eq!(
        s.p.update_security_settings(&admin(), &bad)
            .unwrap_err()
            .code(),
        "VALIDATION"
    );
    let mut set = s.p.security_settings().unwrap();
    set.identity_retention_days = 30;
    s.p.update_security_settings(&admin(), &set).unwrap();
    let r = s.p.apply_retention(&posko_core::Actor::system()).unwrap();
    let nik_of = |s: &Store, id: i64| -> Option<String> {
        s.p.connection()
            .query_row(
                "SELECT reporter_nik FROM complaints WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(r.erased.len(), 1, "{r:?}");
    assert_eq!(nik_of(&s, old), None, "closed 35 days ago");
    assert!(nik_of(&s, recent).is_some(), "closed 15 days ago");
    assert!(nik_of(&s, open).is_some(), "still open");
    let rows = audit_rows(&s, AuditAction::IdentityErase);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_name, "system");
    assert!(
        rows[0].detail.contains("\"retention_days\":30"),
        "{}",
        rows[0].detail
    );
    // Later runs do nothing more until the next one is due.
    assert!(s.p.apply_retention(&admin()).unwrap().erased.is_empty());
    s.clock.advance(Duration::days(20));
    assert_eq!(s.p.apply_retention(&admin()).unwrap().erased.len(), 1);
    assert_eq!(nik_of(&s, recent), None);
}
