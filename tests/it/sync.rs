//! Sync against the reference simulator: a real HTTP server on loopback, with
//! faults injected. Every report ends on the server exactly once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use base64::Engine;
use chrono::Duration;
use lapor_sim::{Sim, SimConfig, SimHandle};
use posko_core::keychain::OsKeychain;
use posko_core::model::{AttachmentInput, ComplaintInput};
use posko_core::sync::api::*;
use posko_core::sync::http::HttpLapor;
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
    // Every report holds the ids the server gave it (a batch of answers
    // writes them in one statement), and its Tracking ID finds it.
    for c in &remote {
        let filter = posko_core::model::ComplaintFilter {
            text: Some(c.tracking_id.clone()),
            ..Default::default()
        };
        let found = s.p.list_complaints(&clerk(), &filter).unwrap().rows;
        assert_eq!(found.len(), 1, "Tracking ID {}", c.tracking_id);
        let d = s.p.complaint_detail(&clerk(), found[0].id, false).unwrap();
        let remote_id = c.complaint_id.to_string();
        assert_eq!(d.lapor_complaint_id.as_deref(), Some(remote_id.as_str()));
        assert_eq!(d.lapor_tracking_id.as_deref(), Some(c.tracking_id.as_str()));
    }

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

// ---- Creates marked `sending` a chunk at a time (engine.rs): whatever stops
// a run, nothing stays falsely "sending", and nothing is sent twice.

/// The real adapter; raises `cancel` once `after` creates have been answered
/// (a clerk pressing "Batal" in the middle of a run).
struct CancelAfter<'a> {
    api: HttpLapor,
    after: usize,
    creates: AtomicUsize,
    cancel: &'a AtomicBool,
}

impl LaporApi for CancelAfter<'_> {
    fn upload_file(&self, file_name: &str, mime: &str, data: &[u8]) -> ApiResult<String> {
        self.api.upload_file(file_name, mime, data)
    }
    fn create_complaint(&self, c: &OutgoingComplaint) -> ApiResult<RemoteIds> {
        let r = self.api.create_complaint(c);
        if self.creates.fetch_add(1, Ordering::SeqCst) + 1 == self.after {
            self.cancel.store(true, Ordering::SeqCst);
        }
        r
    }
    fn find_by_tag(&self, tag: &str) -> ApiResult<Option<Vec<RemoteMatch>>> {
        self.api.find_by_tag(tag)
    }
    fn can_find_by_tag(&self) -> bool {
        self.api.can_find_by_tag()
    }
    fn complaint_status(&self, complaint_id: &str) -> ApiResult<RemoteStatus> {
        self.api.complaint_status(complaint_id)
    }
    fn follow_ups_page(&self, complaint_id: &str, page: u32) -> ApiResult<RemoteFollowUpPage> {
        self.api.follow_ups_page(complaint_id, page)
    }
    fn institutions(&self) -> ApiResult<Vec<RemoteInstitution>> {
        self.api.institutions()
    }
    fn templates(&self) -> ApiResult<Vec<RemoteTemplate>> {
        self.api.templates()
    }
    fn add_follow_up(&self, f: &OutgoingFollowUp) -> ApiResult<Option<String>> {
        self.api.add_follow_up(f)
    }
    fn last_server_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.api.last_server_time()
    }
}

/// `(state, attempts)` of every create item, in order.
fn create_items(s: &Store) -> Vec<(String, i64)> {
    let c = s.p.connection();
    let mut st = c
        .prepare("SELECT state, attempts FROM outbox WHERE op = 'create_complaint' ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The server received the reports in the local order (one request at a time).
fn assert_sent_in_order(s: &Store, sim: &SimHandle) {
    let local = uids(s);
    let mut remote = sim.admin().complaints().unwrap();
    remote.sort_by_key(|c| c.complaint_id);
    let positions: Vec<usize> = remote
        .iter()
        .map(|c| {
            local
                .iter()
                .position(|u| {
                    lapor_wire::tags_contain(&c.tags_raw, &lapor_wire::reference_tag(u).unwrap())
                })
                .expect("a local report")
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "server order {positions:?}"
    );
}

#[test]
fn a_cancelled_run_puts_marked_creates_back_and_a_later_run_sends_each_once() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 12);
    let cancel = AtomicBool::new(false);
    let api = CancelAfter {
        api: s.p.lapor_client(&OsKeychain::new()).unwrap(),
        after: 5,
        creates: AtomicUsize::new(0),
        cancel: &cancel,
    };
    let r = s.p.sync_run(&api, Some(&cancel)).unwrap();
    assert!(r.cancelled);
    assert_eq!(
        r.sent, 5,
        "the request under way is answered, no other leaves"
    );
    assert_eq!(sim.admin().complaints().unwrap().len(), 5);
    // All 12 were marked in one chunk; the 7 never sent are pending again,
    // their attempt taken back.
    let items = create_items(&s);
    assert_eq!(
        items.iter().filter(|(st, _)| st == "sent").count(),
        5,
        "{items:?}"
    );
    for (state, attempts) in &items[5..] {
        assert_eq!((state.as_str(), *attempts), ("pending", 0));
    }
    let c = s.p.sync_status().unwrap().counts;
    assert_eq!((c.sending, c.pending, c.unknown), (0, 7, 0));

    let r = run(&mut s);
    assert_eq!(
        (r.sent, r.adopted),
        (7, 0),
        "no lookups needed: nothing was uncertain"
    );
    assert_exactly_once(&s, &sim);
    assert_sent_in_order(&s, &sim);
}

#[test]
fn a_401_in_the_middle_of_a_chunk_stops_it_and_nothing_stays_sending() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 10);
    sim.admin()
        .set_fault_specs(&["create_complaint:unauthorized@every=4"], Some(1))
        .unwrap();
    let r = run(&mut s);
    assert_eq!(r.stopped, Some(posko_core::sync::StopReason::Unauthorized));
    assert_eq!(r.sent, 3);
    let stats = sim.admin().stats().unwrap();
    assert_eq!(
        stats.requests.get("create_complaint"),
        Some(&4),
        "no request after the 401"
    );
    let items = create_items(&s);
    assert_eq!(
        items[3],
        ("pending".into(), 1),
        "the refused one waits for its retry"
    );
    for (state, attempts) in &items[4..] {
        assert_eq!((state.as_str(), *attempts), ("pending", 0));
    }
    assert_eq!(s.p.sync_status().unwrap().counts.sending, 0);

    sim.admin().clear_faults().unwrap();
    s.clock.advance(Duration::hours(2));
    assert_eq!(run(&mut s).sent, 7);
    assert_exactly_once(&s, &sim);
    assert_sent_in_order(&s, &sim);
}

#[test]
fn reports_with_attachments_go_in_their_turn_between_chunked_ones() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 6);
    let ids: Vec<i64> =
        s.p.connection()
            .prepare("SELECT id FROM complaints ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    for &i in [1, 4].iter() {
        s.p.add_attachment(
            &clerk(),
            &AttachmentInput {
                complaint_id: ids[i],
                file_name: format!("foto-{i}.png"),
                data_base64: base64::engine::general_purpose::STANDARD
                    .encode(crate::monev::png_1x1()),
            },
        )
        .unwrap();
    }
    let r = run(&mut s);
    assert_eq!(r.sent, 6);
    assert_exactly_once(&s, &sim);
    assert_sent_in_order(&s, &sim);
    let mut remote = sim.admin().complaints().unwrap();
    remote.sort_by_key(|c| c.complaint_id);
    let with_docs: Vec<usize> = remote
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.payload["attachments"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(with_docs, vec![1, 4]);
    let unsent_docs: i64 =
        s.p.connection()
            .query_row(
                "SELECT count(*) FROM attachments WHERE lapor_document_id IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(unsent_docs, 0);
}

#[test]
fn a_crash_left_chunk_costs_lookups_never_a_duplicate() {
    let sim = sim(true);
    let mut s = new_store();
    connect(&mut s, &sim);
    add(&mut s, 5);
    // The first report reaches the server but its answer is lost…
    sim.admin()
        .set_fault_specs(&["create_complaint:commit_drop@next=1"], Some(1))
        .unwrap();
    let cancel = AtomicBool::new(false);
    let api = CancelAfter {
        api: s.p.lapor_client(&OsKeychain::new()).unwrap(),
        after: 1,
        creates: AtomicUsize::new(0),
        cancel: &cancel,
    };
    s.p.sync_run(&api, Some(&cancel)).unwrap();
    assert_eq!(sim.admin().complaints().unwrap().len(), 1);
    // …and the process dies before anything else is written: the whole
    // chunk is left as it was committed before the first request, `sending`.
    s.p.connection()
        .execute(
            "UPDATE outbox SET state = 'sending', attempts = 1, last_error_code = NULL, last_error = NULL",
            [],
        )
        .unwrap();
    s.reopen();
    let r = run(&mut s);
    assert_eq!(
        (r.adopted, r.sent),
        (1, 4),
        "looked up: one found, four absent and sent"
    );
    assert_exactly_once(&s, &sim);
    let lookups = sim.admin().stats().unwrap().requests.get("search").copied();
    assert_eq!(lookups, Some(5), "one lookup per crash-left mark");
}
