//! Sync against the reference simulator: a real HTTP server on loopback, with
//! faults injected. Every report ends on the server exactly once.

use chrono::Duration;
use lapor_sim::{Sim, SimConfig, SimHandle};
use posko_core::keychain::OsKeychain;
use posko_core::model::ComplaintInput;
use posko_core::sync::plan::OutboxState;
use posko_core::sync::{LaporSettings, SyncSummary};

use crate::support::*;

const KEY: &str = "kunci-uji-123";
const TOKEN: &str = "3f2c9a1e-7b6d-4c1a-9e2f-0a1b2c3d4e5f";

pub(crate) fn sim(search: bool) -> SimHandle {
    let mut cfg = SimConfig::new(KEY, TOKEN);
    cfg.search_supported = search;
    Sim::start(cfg).expect("simulator starts on loopback")
}

pub(crate) fn connect(s: &mut Store, sim: &SimHandle) {
    let settings = LaporSettings {
        base_url: Some(sim.base_url().to_owned()),
        timeout_secs: 5,
        ..LaporSettings::default()
    };
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    s.p.set_lapor_credentials(&admin(), &OsKeychain::new(), KEY, TOKEN)
        .unwrap();
}

pub(crate) fn run(s: &mut Store) -> SyncSummary {
    let api = s.p.lapor_client(&OsKeychain::new()).unwrap();
    s.p.sync_run(&api, None).unwrap()
}

/// Runs until nothing is left to do (advancing the clock past back-offs).
fn run_until_done(s: &mut Store, max_runs: usize) -> Vec<SyncSummary> {
    let mut runs = Vec::new();
    for _ in 0..max_runs {
        let r = run(s);
        runs.push(r);
        let c = s.p.sync_status().unwrap().counts;
        if c.pending + c.sending + c.unknown == 0 {
            break;
        }
        s.clock.advance(Duration::hours(2));
    }
    runs
}

pub(crate) fn add(s: &mut Store, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            s.p.create_complaint(&clerk(), complaint(&format!("Laporan uji sinkron {i}")))
                .unwrap()
                .register_no
        })
        .collect()
}

fn uids(s: &Store) -> Vec<String> {
    let c = s.p.connection();
    let mut st = c.prepare("SELECT uid FROM complaints ORDER BY id").unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Exactly one copy of every local report on the server, and every local
/// report knows its national ids.
fn assert_exactly_once(s: &Store, sim: &SimHandle) {
    let remote = sim.admin().complaints().unwrap();
    for uid in uids(s) {
        let tag = lapor_wire::reference_tag(&uid).unwrap();
        let copies = remote
            .iter()
            .filter(|c| lapor_wire::tags_contain(&c.tags_raw, &tag))
            .count();
        assert_eq!(copies, 1, "copies of {uid} on the server");
    }
    let c = s.p.connection();
    let missing: i64 = c
        .query_row(
            "SELECT count(*) FROM complaints WHERE lapor_complaint_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(missing, 0, "local reports without national ids");
}

#[test]
fn a_report_whose_uid_is_mostly_digits_is_still_sent() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 1);
    s.p.connection()
        .execute(
            "UPDATE complaints SET uid = '12345678-1234-1234-8234-123456789012'",
            [],
        )
        .unwrap();
    assert_eq!(run(&mut s).sent, 1);
    assert_exactly_once(&s, &sim);
}

#[test]
fn a_report_and_its_outbox_entry_are_written_together() {
    let mut s = new_store();
    add(&mut s, 3);
    let st = s.p.sync_status().unwrap();
    assert_eq!(st.counts.pending, 3);
    assert!(!st.configured);
    assert!(st.queue.iter().all(|q| q.state == OutboxState::Pending));
}

#[test]
fn clean_sync_sends_each_report_once_with_flags_and_no_nik() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 5);
    let mut secret = complaint("Laporan rahasia dan anonim");
    secret.is_secret = true;
    secret.is_anonymous = true;
    let secret_no = s.p.create_complaint(&clerk(), secret).unwrap().register_no;

    let r = run(&mut s);
    assert_eq!((r.sent, r.retried, r.unknown, r.quarantined), (6, 0, 0, 0));
    assert!(!r.has_failures());
    assert_exactly_once(&s, &sim);

    let remote = sim.admin().complaints().unwrap();
    let flagged = remote.iter().find(|c| c.is_secret).expect("secret report");
    assert!(flagged.is_anonymous);
    assert!(
        flagged.payload.get("reporter_name").is_none(),
        "anonim: no identity leaves the machine: {}",
        flagged.payload
    );
    let stats = sim.admin().stats().unwrap();
    assert_eq!(stats.nik_like_texts, 0, "no NIK in any text sent");
    for c in &remote {
        assert!(
            !c.payload.to_string().contains("3201014101900003"),
            "NIK never sent"
        );
    }
    // Ids are on the report and in its timeline.
    let rows =
        s.p.list_complaints(&clerk(), &Default::default())
            .unwrap()
            .rows;
    let row = rows.iter().find(|r| r.register_no == secret_no).unwrap();
    let d = s.p.complaint_detail(&clerk(), row.id, false).unwrap();
    assert!(d.lapor_complaint_id.is_some() && d.lapor_tracking_id.is_some());
    assert!(d.events.iter().any(|e| e.kind == "lapor_sent"));

    // A second run sends nothing again.
    let again = run(&mut s);
    assert_eq!(again.sent, 0);
    assert_eq!(sim.admin().complaints().unwrap().len(), 6);
}

#[test]
fn dropped_answers_and_server_errors_never_duplicate_a_report() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 24);
    sim.admin()
        .set_fault_specs(
            &[
                "create_complaint:commit_drop@every=3",
                "create_complaint:503@every=5",
                "create_complaint:reset@every=7",
                "create_complaint:malformed@every=11",
                "search:502@every=4",
            ],
            Some(42),
        )
        .unwrap();
    let runs = run_until_done(&mut s, 30);
    let total = |f: fn(&SyncSummary) -> u32| runs.iter().map(f).sum::<u32>();
    let left = s.p.sync_status().unwrap().queue;
    assert!(left.is_empty(), "left in the queue: {left:#?}");
    assert!(total(|r| r.unknown) > 0, "faults made outcomes unknown");
    assert!(total(|r| r.adopted) > 0, "some were adopted by lookup");
    assert_exactly_once(&s, &sim);
    let st = s.p.sync_status().unwrap();
    assert_eq!(st.counts.sent, 24);
    eprintln!(
        "runs {}, sent {}, adopted {}, unknown {}, retried {}",
        runs.len(),
        total(|r| r.sent),
        total(|r| r.adopted),
        total(|r| r.unknown),
        total(|r| r.retried)
    );
}

#[test]
fn without_a_lookup_an_unknown_outcome_waits_for_a_person() {
    let sim = sim(false);
    let mut s = new_store();
    connect(&mut s, &sim);
    let mut settings = s.p.lapor_settings().unwrap();
    settings.search_supported = false;
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    add(&mut s, 1);
    sim.admin()
        .set_fault_specs(&["create_complaint:commit_drop@next=1"], Some(1))
        .unwrap();
    let r = run(&mut s);
    assert_eq!(r.unknown, 1);
    s.clock.advance(Duration::hours(3));
    let r = run(&mut s);
    assert_eq!((r.sent, r.unknown), (0, 1), "never resent blindly");
    assert_eq!(sim.admin().complaints().unwrap().len(), 1);
    assert_eq!(s.p.sync_status().unwrap().counts.unknown, 1);
}

#[test]
fn expired_credentials_stop_the_run_and_rate_limits_wait() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 3);
    sim.admin()
        .set_fault_specs(&["create_complaint:unauthorized@next=1"], Some(1))
        .unwrap();
    let r = run(&mut s);
    assert!(r.stopped.is_some(), "stopped on 401");
    assert_eq!(r.sent, 0, "nothing else tried after a 401");

    sim.admin()
        .set_fault_specs(&["create_complaint:rate_limit=90@next=1"], Some(1))
        .unwrap();
    s.clock.advance(Duration::hours(2));
    let r = run(&mut s);
    assert_eq!((r.retried, r.sent), (1, 2));
    let waiting = s.p.sync_status().unwrap().queue;
    assert_eq!(waiting.len(), 1);
    let next = waiting[0].next_attempt_at.unwrap();
    assert_eq!((next - s.p.now()).num_seconds(), 90, "Retry-After honoured");
    s.clock.advance(Duration::seconds(91));
    assert_eq!(run(&mut s).sent, 1);
    assert_exactly_once(&s, &sim);
}

#[test]
fn wrong_credentials_and_missing_settings_are_explained() {
    let mut s = new_store();
    let err = s.p.lapor_client(&OsKeychain::new()).unwrap_err();
    assert_eq!(err.code(), "SYNC_NOT_CONFIGURED");
    let settings = LaporSettings {
        base_url: Some("https://lapor.example.invalid/3.0.0".into()),
        ..LaporSettings::default()
    };
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    let err = s.p.lapor_client(&OsKeychain::new()).unwrap_err();
    assert_eq!(err.code(), "SYNC_CREDENTIALS_MISSING");
    // Credentials never go to the database.
    s.p.set_lapor_credentials(&admin(), &OsKeychain::new(), KEY, TOKEN)
        .unwrap();
    let c = s.p.connection();
    let leaked: i64 = c
        .query_row(
            "SELECT count(*) FROM settings WHERE value LIKE ?1 OR value LIKE ?2",
            [format!("%{KEY}%"), format!("%{TOKEN}%")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0);
    // Plain HTTP to anything but this machine is refused.
    let bad = LaporSettings {
        base_url: Some("http://lapor.example.invalid".into()),
        ..LaporSettings::default()
    };
    assert_eq!(
        s.p.set_lapor_settings(&admin(), &bad).unwrap_err().code(),
        "VALIDATION"
    );
    let _ = ComplaintInput::clone;
}

#[test]
fn remote_status_is_pulled_and_kept_verbatim() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 1);
    run(&mut s);
    let remote = sim.admin().complaints().unwrap();
    sim.admin().verify(remote[0].complaint_id).unwrap();
    let r = run(&mut s);
    assert_eq!(r.pulled, 1);
    let id =
        s.p.list_complaints(&clerk(), &Default::default())
            .unwrap()
            .rows[0]
            .id;
    let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(d.lapor_status_name.as_deref(), Some("Terverifikasi"));
    assert!(d.events.iter().any(|e| e.kind == "lapor_status"));
    assert!(r.clock_warning, "the test clock is months off the server's");
}
