//! What a person does about sync: preview, retry, skip, record a manual send
//! (assisted mode or after an uncertain send), record a remote status by hand.

use chrono::Duration;
use posko_core::sync::operator::{ManualSendInput, OutboxActionInput, RemoteStatusInput};
use posko_core::sync::plan::OutboxState;
use posko_domain::role::Role;

use crate::support::*;
use crate::sync::{add, connect, run, sim};

fn create_item(s: &Store, complaint_id: i64) -> (i64, OutboxState) {
    s.p.connection()
        .query_row(
            "SELECT id, state FROM outbox WHERE complaint_id = ?1 AND op = 'create_complaint'",
            [complaint_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    OutboxState::from_code(&r.get::<_, String>(1)?).unwrap(),
                ))
            },
        )
        .unwrap()
}

fn code(e: posko_core::CoreError) -> &'static str {
    e.code()
}

#[test]
fn an_uncertain_send_is_settled_by_the_tracking_id_not_by_a_resend() {
    let sim = sim(false);
    let mut s = new_store();
    connect(&mut s, &sim);
    let mut settings = s.p.lapor_settings().unwrap();
    settings.search_supported = false;
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    let id =
        s.p.create_complaint(&clerk(), complaint("Obat kosong"))
            .unwrap()
            .id;
    sim.admin()
        .set_fault_specs(&["create_complaint:commit_drop@next=1"], Some(1))
        .unwrap();
    assert_eq!(run(&mut s).unknown, 1);
    let (oid, state) = create_item(&s, id);
    assert_eq!(state, OutboxState::Unknown);

    // "Kirim ulang" is refused while the outcome is unknown.
    let retry = OutboxActionInput {
        outbox_id: oid,
        note: None,
    };
    assert_eq!(
        code(s.p.sync_retry(&clerk(), &retry).unwrap_err()),
        "SYNC_ITEM_STATE"
    );

    // The operator finds it on LAPOR! and enters its Tracking ID.
    let remote = sim.admin().complaints().unwrap();
    assert_eq!(remote.len(), 1);
    let bad = ManualSendInput {
        complaint_id: id,
        tracking_id: "<b>1</b>".into(),
        note: None,
    };
    assert_eq!(
        code(s.p.sync_record_manual_send(&clerk(), &bad).unwrap_err()),
        "VALIDATION"
    );
    let pemantau = actor(Role::Pemantau);
    let input = ManualSendInput {
        complaint_id: id,
        tracking_id: format!(" {} ", remote[0].tracking_id),
        note: Some("Dicek di situs LAPOR!".into()),
    };
    assert_eq!(
        code(s.p.sync_record_manual_send(&pemantau, &input).unwrap_err()),
        "FORBIDDEN"
    );
    s.p.sync_record_manual_send(&clerk(), &input).unwrap();
    assert_eq!(create_item(&s, id).1, OutboxState::Sent);
    let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(
        d.lapor_tracking_id.as_deref(),
        Some(remote[0].tracking_id.as_str())
    );
    assert!(d.events.iter().any(|e| e.kind == "lapor_manual"));
    let history = s.p.sync_attempts(oid).unwrap();
    assert_eq!(history[0].action, "manual");
    assert_eq!(history[0].outcome, "sent");

    // A different Tracking ID later would mean two copies: refused.
    let other = ManualSendInput {
        complaint_id: id,
        tracking_id: "9999999".into(),
        note: None,
    };
    assert_eq!(
        code(s.p.sync_record_manual_send(&clerk(), &other).unwrap_err()),
        "SYNC_ITEM_STATE"
    );
    s.clock.advance(Duration::hours(3));
    assert_eq!(run(&mut s).sent, 0);
    assert_eq!(sim.admin().complaints().unwrap().len(), 1, "still one copy");
}

#[test]
fn a_refused_report_is_fixed_and_sent_again_or_skipped_with_a_reason() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    // No category for any topic: not sendable as it stands.
    let mut settings = s.p.lapor_settings().unwrap();
    settings.mapping.default_category = None;
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    add(&mut s, 2);
    let r = run(&mut s);
    assert_eq!(r.quarantined, 2);
    let st = s.p.sync_status().unwrap();
    let ids: Vec<i64> = st.queue.iter().map(|q| q.id).collect();
    assert!(
        st.queue
            .iter()
            .all(|q| q.last_error_code.as_deref() == Some("NOT_MAPPED"))
    );

    // Skip needs a reason; then it is never sent.
    let no_reason = OutboxActionInput {
        outbox_id: ids[1],
        note: Some("  ".into()),
    };
    assert_eq!(
        code(s.p.sync_skip(&clerk(), &no_reason).unwrap_err()),
        "VALIDATION"
    );
    let skip = OutboxActionInput {
        outbox_id: ids[1],
        note: Some("Sudah masuk lewat aplikasi LAPOR! oleh pelapor".into()),
    };
    s.p.sync_skip(&clerk(), &skip).unwrap();

    // Fix the mapping, retry the other one: it goes.
    settings.mapping.default_category = Some("301".into());
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    let retry = OutboxActionInput {
        outbox_id: ids[0],
        note: Some("kategori diisi".into()),
    };
    s.p.sync_retry(&clerk(), &retry).unwrap();
    let r = run(&mut s);
    assert_eq!(r.sent, 1);
    let c = s.p.sync_status().unwrap().counts;
    assert_eq!((c.sent, c.skipped, c.quarantined), (1, 1, 0));
    assert_eq!(sim.admin().complaints().unwrap().len(), 1);
    let outcomes: Vec<String> =
        s.p.sync_attempts(ids[0])
            .unwrap()
            .into_iter()
            .map(|a| a.outcome)
            .collect();
    assert_eq!(outcomes, ["sent", "requeued", "quarantined"]);
}

#[test]
fn the_preview_shows_what_leaves_the_machine_and_never_a_nik() {
    let mut s = new_store();
    add(&mut s, 3);
    let mut anon = complaint("Petugas kasar");
    anon.is_anonymous = true;
    s.p.create_complaint(&clerk(), anon).unwrap();
    let p = s.p.sync_preview().unwrap();
    assert_eq!(p.total, 4);
    assert!(p.confirmed_at.is_none());
    for item in &p.items {
        assert!(item.blocked_code.is_none(), "{item:?}");
        let all = serde_json::to_string(item).unwrap();
        assert!(!all.contains("3201014101900003"), "no NIK leaves: {all}");
        assert!(!item.tags_raw.is_empty(), "the reference tag travels");
    }
    let a = p.items.iter().find(|i| i.title == "Petugas kasar").unwrap();
    assert!(a.is_anonymous);
    assert_eq!(a.reporter_name, None, "anonim: no name leaves");
    assert_eq!(
        code(s.p.confirm_sync_preview(&clerk()).unwrap_err()),
        "FORBIDDEN"
    );
    s.p.confirm_sync_preview(&admin()).unwrap();
    assert!(s.p.sync_preview().unwrap().confirmed_at.is_some());
}

/// Assisted mode: no API credentials at all. The report is laid out for the
/// web form, its Tracking ID recorded, later statuses typed in by hand.
#[test]
fn assisted_mode_without_credentials() {
    let mut s = new_store();
    let mut c = complaint("Antrean BPJS lama");
    c.is_secret = true;
    let id = s.p.create_complaint(&clerk(), c).unwrap().id;
    let form = s.p.manual_form(&clerk(), id).unwrap();
    assert_eq!(form.title, "Antrean BPJS lama");
    assert!(form.is_secret);
    assert_eq!(form.reporter_name.as_deref(), Some("Siti Nurhaliza"));
    assert_eq!(form.outbox_state, Some(OutboxState::Pending));
    assert_eq!(
        code(s.p.manual_form(&actor(Role::Pemantau), id).unwrap_err()),
        "FORBIDDEN"
    );

    // A status before the report is on LAPOR! makes no sense.
    let st = RemoteStatusInput {
        complaint_id: id,
        status_name: "Terverifikasi".into(),
    };
    assert_eq!(
        code(s.p.sync_record_remote_status(&clerk(), &st).unwrap_err()),
        "SYNC_ITEM_STATE"
    );

    s.p.sync_record_manual_send(
        &clerk(),
        &ManualSendInput {
            complaint_id: id,
            tracking_id: "1234567".into(),
            note: None,
        },
    )
    .unwrap();
    let before = s.p.complaint_detail(&clerk(), id, false).unwrap().status;
    s.p.sync_record_remote_status(&clerk(), &st).unwrap();
    let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(d.lapor_status_name.as_deref(), Some("Terverifikasi"));
    assert_eq!(
        d.status, before,
        "the local status is not changed by LAPOR!'s"
    );
    assert!(d.events.iter().any(|e| e.kind == "lapor_status"));
    assert_eq!(s.p.sync_status().unwrap().counts.sent, 1);
    let empty = RemoteStatusInput {
        complaint_id: id,
        status_name: " ".into(),
    };
    assert_eq!(
        code(s.p.sync_record_remote_status(&clerk(), &empty).unwrap_err()),
        "VALIDATION"
    );
}

#[test]
fn test_connection_tells_ok_wrong_credentials_and_unreachable_apart() {
    use posko_core::keychain::OsKeychain;
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    let api = s.p.lapor_client(&OsKeychain::new()).unwrap();
    let ok = s.p.lapor_test_connection(&admin(), &api).unwrap();
    assert!(ok.ok, "{ok:?}");
    assert!(ok.institutions > 0);
    assert_eq!(
        ok.clock_skew_secs.map(|_| ()),
        Some(()),
        "the server's Date was read"
    );
    assert_eq!(
        code(s.p.lapor_test_connection(&clerk(), &api).unwrap_err()),
        "FORBIDDEN"
    );

    s.p.set_lapor_credentials(&admin(), &OsKeychain::new(), "kunci-salah", "token-salah")
        .unwrap();
    let api = s.p.lapor_client(&OsKeychain::new()).unwrap();
    let bad = s.p.lapor_test_connection(&admin(), &api).unwrap();
    assert!(!bad.ok);
    assert_eq!(bad.error_code.as_deref(), Some("UNAUTHORIZED"));
    assert_eq!(bad.http_status, Some(401));

    let base = sim.base_url().to_owned();
    drop(sim);
    let mut settings = s.p.lapor_settings().unwrap();
    settings.base_url = Some(base);
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    let api = s.p.lapor_client(&OsKeychain::new()).unwrap();
    let down = s.p.lapor_test_connection(&admin(), &api).unwrap();
    assert!(!down.ok);
    assert_eq!(down.error_code.as_deref(), Some("NOT_SENT"));
}

#[test]
fn an_uncertain_follow_up_is_settled_by_a_person() {
    use posko_core::sync::operator::UnknownResolution;
    let mut s = new_store();
    let id =
        s.p.create_complaint(&clerk(), complaint("Air keran keruh"))
            .unwrap()
            .id;
    let (create_id, _) = create_item(&s, id);
    // A follow-up item left uncertain (as after a dropped answer, with no list to prove it).
    let c = s.p.connection();
    c.execute(
        "INSERT INTO follow_ups (complaint_id, content, state, drafted_by_name, drafted_at)
         VALUES (?1, 'Sudah dibersihkan.', 'approved', 'Uji', '2026-03-02T02:00:00Z')",
        [id],
    )
    .unwrap();
    let fu = c.last_insert_rowid();
    c.execute(
        "INSERT INTO outbox (complaint_id, op, follow_up_id, state, created_at, updated_at)
         VALUES (?1, 'add_follow_up', ?2, 'unknown', '2026-03-02T02:00:00Z', '2026-03-02T02:00:00Z')",
        rusqlite::params![id, fu],
    )
    .unwrap();
    let oid = c.last_insert_rowid();
    // Only follow-ups, only uncertain ones; reports go by Tracking ID.
    let wrong = UnknownResolution {
        outbox_id: create_id,
        arrived: true,
    };
    assert_eq!(
        code(s.p.sync_resolve_unknown(&clerk(), &wrong).unwrap_err()),
        "SYNC_ITEM_STATE"
    );
    let r = UnknownResolution {
        outbox_id: oid,
        arrived: false,
    };
    assert_eq!(
        code(
            s.p.sync_resolve_unknown(&actor(Role::Pemantau), &r)
                .unwrap_err()
        ),
        "FORBIDDEN"
    );
    s.p.sync_resolve_unknown(&clerk(), &r).unwrap();
    let state = |s: &Store| -> String {
        s.p.connection()
            .query_row("SELECT state FROM outbox WHERE id = ?1", [oid], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(state(&s), "pending");
    assert_eq!(
        code(s.p.sync_resolve_unknown(&clerk(), &r).unwrap_err()),
        "SYNC_ITEM_STATE"
    );
    s.p.connection()
        .execute("UPDATE outbox SET state = 'unknown' WHERE id = ?1", [oid])
        .unwrap();
    s.p.sync_resolve_unknown(
        &clerk(),
        &UnknownResolution {
            outbox_id: oid,
            arrived: true,
        },
    )
    .unwrap();
    assert_eq!(state(&s), "sent");
    assert_eq!(s.p.sync_attempts(oid).unwrap()[0].outcome, "sent");
}
