//! The pull half of sync, against the reference simulator and, for answers the
//! simulator cannot produce, against a tiny raw HTTP server on loopback that
//! answers canned bytes. Two promises are checked:
//!
//! - pulled data (status history, follow-ups, replies of the reporter, master
//!   lists) arrives incrementally and never twice, and a remote decision never
//!   overwrites the local report: it becomes a conflict a person resolves;
//! - an answer Posko cannot understand (unknown shapes, missing fields, HTML
//!   pages, huge bodies, wrong dates, wrong JSON types) is recorded with a
//!   stable code and a readable reason, and changes nothing local.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration as StdDuration;

use chrono::Duration;
use lapor_sim::{Sim, SimConfig, SimHandle};
use posko_core::keychain::OsKeychain;
use posko_core::model::{FollowUpDecision, FollowUpInput, TransitionInput};
use posko_core::sync::pull::{ConflictKind, Keep};
use posko_core::sync::{LaporSettings, SyncSummary};
use posko_domain::role::Role;
use posko_domain::{Action, Status};
use rusqlite::types::ValueRef;

use crate::support::*;

const KEY: &str = "kunci-uji-tarik";
const TOKEN: &str = "6a0e1c2d-3b4f-4a5e-8c7d-9e0f1a2b3c4d";

// ------------------------------------------------------------------ helpers

fn sim_with(per_page: u32) -> SimHandle {
    let mut cfg = SimConfig::new(KEY, TOKEN);
    cfg.followups_per_page = per_page;
    Sim::start(cfg).expect("simulator starts on loopback")
}

fn connect_to(s: &mut Store, base_url: &str) {
    let settings = LaporSettings {
        base_url: Some(base_url.to_owned()),
        timeout_secs: 5,
        ..LaporSettings::default()
    };
    s.p.set_lapor_settings(&admin(), &settings).unwrap();
    s.p.set_lapor_credentials(&admin(), &OsKeychain::new(), KEY, TOKEN)
        .unwrap();
}

fn run(s: &mut Store) -> SyncSummary {
    let api = s.p.lapor_client(&OsKeychain::new()).unwrap();
    s.p.sync_run(&api, None).unwrap()
}

fn one(s: &mut Store, title: &str) -> i64 {
    s.p.create_complaint(&clerk(), complaint(title)).unwrap().id
}

fn remote_id(s: &Store, id: i64) -> u64 {
    s.p.connection()
        .query_row(
            "SELECT lapor_complaint_id FROM complaints WHERE id = ?1",
            [id],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
        .parse()
        .unwrap()
}

fn count(s: &Store, sql: &str) -> i64 {
    s.p.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn act(s: &mut Store, id: i64, action: Action) {
    s.p.transition(
        &clerk(),
        &TransitionInput {
            complaint_id: id,
            action,
            note: None,
            assigned_to: None,
        },
    )
    .unwrap();
}

/// Local work: verify, route, draft and approve a follow-up (queued to send).
fn answer_locally(s: &mut Store, id: i64, text: &str) -> i64 {
    act(s, id, Action::Verify);
    act(s, id, Action::Route);
    let fid =
        s.p.add_follow_up(
            &clerk(),
            &FollowUpInput {
                complaint_id: id,
                content: text.to_owned(),
                template_code: None,
            },
        )
        .unwrap();
    s.p.decide_follow_up(
        &head(),
        &FollowUpDecision {
            follow_up_id: fid,
            approve: true,
            note: None,
        },
    )
    .unwrap();
    fid
}

fn local_status(s: &Store, id: i64) -> Status {
    s.p.complaint_detail(&clerk(), id, false).unwrap().status
}

/// Every row a pull could write as *data* (not its own bookkeeping: run
/// counters, pull log, fetch times, last errors), rendered as text.
fn local_data(s: &Store) -> String {
    let c = s.p.connection();
    let queries = [
        "SELECT * FROM complaints ORDER BY id",
        "SELECT * FROM complaint_events ORDER BY id",
        "SELECT * FROM deadlines ORDER BY complaint_id, step",
        "SELECT * FROM follow_ups ORDER BY id",
        "SELECT id, complaint_id, sha256, lapor_document_id FROM attachments ORDER BY id",
        "SELECT * FROM outbox ORDER BY id",
        "SELECT * FROM remote_follow_ups ORDER BY id",
        "SELECT * FROM remote_status_logs ORDER BY id",
        "SELECT * FROM sync_conflicts ORDER BY id",
        "SELECT id, name FROM lapor_institutions ORDER BY id",
        "SELECT template_code, title, kind, content FROM lapor_templates ORDER BY template_code",
        "SELECT complaint_id, status_logs_seen, follow_up_page, last_follow_up_id, disposition_id,
                disposition_name FROM lapor_pull_state ORDER BY complaint_id",
    ];
    let mut out = String::new();
    for q in queries {
        out.push_str(q);
        out.push('\n');
        let mut st = c.prepare(q).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                let v = match r.get_ref(i).unwrap() {
                    ValueRef::Null => "NULL".to_owned(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    ValueRef::Blob(b) => format!("blob:{}", b.len()),
                };
                out.push_str(&v);
                out.push('|');
            }
            out.push('\n');
        }
    }
    out
}

/// The newest pull failure: (what, error_code, detail_code, http_status, message).
fn last_pull_failure(s: &Store) -> (String, String, Option<String>, Option<u16>, String) {
    s.p.connection()
        .query_row(
            "SELECT what, error_code, detail_code, http_status, message FROM sync_pull_log ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
}

// ------------------------------------------------------------------ a raw server

#[derive(Clone)]
struct Canned {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

fn json(body: &str) -> Canned {
    Canned {
        status: 200,
        content_type: "application/json",
        body: body.as_bytes().to_vec(),
    }
}

fn html(status: u16, title: &str) -> Canned {
    Canned {
        status,
        content_type: "text/html; charset=utf-8",
        body: format!(
            "<!DOCTYPE html>\n<html><head><title>{title}</title></head><body><h1>{title}</h1><p>Silakan coba beberapa saat lagi.</p></body></html>"
        )
        .into_bytes(),
    }
}

/// A loopback HTTP/1.1 server that answers each request with the canned
/// answer of the longest matching path prefix, then closes the connection.
struct RawServer {
    addr: SocketAddr,
    routes: Arc<Mutex<BTreeMap<String, Canned>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    fn start() -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let routes: Arc<Mutex<BTreeMap<String, Canned>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, st) = (routes.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    serve(c, &r);
                }
            }
        });
        RawServer {
            addr,
            routes,
            stop,
            thread: Some(thread),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, prefix: &str, c: Canned) {
        self.routes.lock().unwrap().insert(prefix.to_owned(), c);
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut c: TcpStream, routes: &Mutex<BTreeMap<String, Canned>>) {
    let _ = c.set_read_timeout(Some(StdDuration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    // Drain the request body so the client sees our answer, not a reset.
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut have = buf.len() - head_end;
    while have < length {
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => have += n,
        }
    }
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let canned = {
        let routes = routes.lock().unwrap();
        routes
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, c)| c.clone())
    }
    .unwrap_or_else(|| Canned {
        status: 404,
        content_type: "application/json",
        body: br#"{"success":false,"message":"Not Found"}"#.to_vec(),
    });
    let head = format!(
        "HTTP/1.1 {} Canned\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        canned.status,
        canned.content_type,
        canned.body.len()
    );
    let _ = c.write_all(head.as_bytes());
    // A client that stops reading a huge body makes this fail: expected.
    for part in canned.body.chunks(64 * 1024) {
        if c.write_all(part).is_err() {
            break;
        }
    }
    let _ = c.flush();
    let _ = c.shutdown(Shutdown::Both);
}

const DETAIL: &str = "/complaints/700001/complaint";
const FOLLOWUPS: &str = "/complaints/700001/followups";
const INSTITUTIONS: &str = "/masters/institutions/external";
const TEMPLATES: &str = "/masters/templates";

fn good_detail() -> String {
    r#"{"success":true,"message":"OK","data":{
        "complaint_id":700001,"tracking_id":"4821937","title":"Antrean panjang",
        "status_code":2,"status_name":"Terverifikasi",
        "disposition":{"id":103,"name":"Puskesmas Cibinong"},
        "status_logs":[
          {"status_code":"1","status_name":"Belum Terverifikasi","note":null,"created_at":"02-03-2026 09:10:00"},
          {"status_code":2,"status_name":"Terverifikasi","note":"Diteruskan ke puskesmas","created_at":"02-03-2026 10:00:00"}
        ],
        "data_logs":[]}}"#
        .to_owned()
}

fn good_followups() -> String {
    r#"{"success":true,"data":{"current_page":1,"last_page":1,"per_page":10,"total":2,"data":[
        {"id":50001,"sender":"institution","institution_from":{"id":103,"name":"Puskesmas Cibinong"},
         "content":"Loket pendaftaran ditambah satu petugas mulai Senin.","template_code":"TL-01",
         "is_secret":"0","attachments":[{"id":9001,"file_name":"jadwal.pdf","url":"/files/9001"}],
         "created_at":"03-03-2026 08:00:00"},
        {"id":"50002","sender":"reporter","content":"Terima kasih, sudah lebih cepat.","attachments":null,
         "created_at":"04-03-2026 19:45:10"}
    ]}}"#
        .to_owned()
}

fn good_institutions() -> String {
    r#"{"success":true,"data":{"current_page":1,"last_page":1,"per_page":500,"total":2,"data":[
        {"id":101,"name":"Dinas Kesehatan Kabupaten Bogor"},{"id":"103","name":"Puskesmas Cibinong"}]}}"#
        .to_owned()
}

fn good_templates() -> String {
    r#"{"success":"1","data":[{"template_code":"TL-01","title":"Sedang ditindaklanjuti","type":"tindak_lanjut",
        "content":"Terima kasih atas laporan Anda."}]}"#
        .to_owned()
}

fn serve_good(raw: &RawServer) {
    raw.set(DETAIL, json(&good_detail()));
    raw.set(FOLLOWUPS, json(&good_followups()));
    raw.set(INSTITUTIONS, json(&good_institutions()));
    raw.set(TEMPLATES, json(&good_templates()));
}

/// (case, route, answer, what failed, error_code, detail_code, words the reason must hold)
type BadCase = (
    &'static str,
    &'static str,
    Canned,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
);

/// A store whose one report is already on "LAPOR!" as 700001 (the raw server).
fn store_with_sent_report(raw: &RawServer) -> (Store, i64) {
    let mut s = new_store();
    connect_to(&mut s, &raw.base_url());
    let id = one(&mut s, "Antrean panjang di loket pendaftaran");
    let c = s.p.connection();
    c.execute(
        "UPDATE complaints SET lapor_complaint_id = '700001', lapor_tracking_id = '4821937' WHERE id = ?1",
        [id],
    )
    .unwrap();
    c.execute("UPDATE outbox SET state = 'sent'", []).unwrap();
    (s, id)
}

// ------------------------------------------------------------------ pull, happy paths

#[test]
fn follow_ups_and_reporter_replies_arrive_page_by_page_and_never_twice() {
    let sim = sim_with(2);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let id = one(&mut s, "Obat hipertensi kosong");
    let first = run(&mut s);
    assert_eq!((first.sent, first.pull_failed), (1, 0));
    let rid = remote_id(&s, id);
    let admin = sim.admin();
    admin.verify(rid).unwrap();
    admin.dispose(rid, 103).unwrap();
    admin
        .followup(rid, "Stok obat dipesan ulang ke gudang farmasi.")
        .unwrap();
    admin
        .followup(rid, "Obat sudah tersedia sejak Kamis.")
        .unwrap();
    admin
        .reporter_reply(rid, "Terima kasih, obat sudah saya terima.")
        .unwrap();
    admin
        .followup(rid, "Laporan kami tutup. Terima kasih.")
        .unwrap();

    let before = sim
        .stats()
        .unwrap()
        .requests
        .get("list_followups")
        .copied()
        .unwrap_or(0);
    let r = run(&mut s);
    assert_eq!(
        (
            r.pulled,
            r.remote_follow_ups,
            r.reporter_replies,
            r.pull_failed
        ),
        (1, 4, 1, 0)
    );
    let pages = |sim: &SimHandle| {
        sim.stats()
            .unwrap()
            .requests
            .get("list_followups")
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(pages(&sim) - before, 2, "two full pages read");

    // Visible in the report: the timeline and the pulled view.
    let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
    let kinds: Vec<&str> = d.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "lapor_follow_up").count(), 3);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "lapor_reporter_reply")
            .count(),
        1
    );
    let reply = d
        .events
        .iter()
        .find(|e| e.kind == "lapor_reporter_reply")
        .unwrap();
    assert_eq!(
        reply.note.as_deref(),
        Some("Terima kasih, obat sudah saya terima.")
    );
    assert_eq!(d.lapor_status_name.as_deref(), Some("Terverifikasi"));
    let v = s.p.lapor_remote(&clerk(), id).unwrap();
    assert_eq!(v.follow_ups.len(), 4);
    assert_eq!(v.status_logs.len(), 2, "Belum Terverifikasi, Terverifikasi");
    assert_eq!(
        v.disposition.as_ref().and_then(|d| d.id.as_deref()),
        Some("103")
    );
    assert_eq!(v.remote_maps_to, Some(Status::Verified));
    assert!(v.last_error.is_none());

    // "Pelapor membalas" waits for a person until marked as seen.
    let unseen = s.p.unseen_reporter_replies(&clerk()).unwrap();
    assert_eq!(unseen.len(), 1);
    assert!(unseen[0].from_reporter && unseen[0].unseen);
    s.p.mark_remote_follow_up_seen(&clerk(), unseen[0].id)
        .unwrap();
    assert!(s.p.unseen_reporter_replies(&clerk()).unwrap().is_empty());

    // Nothing new: only the last page is asked again, nothing is stored twice.
    let before = pages(&sim);
    let r = run(&mut s);
    assert_eq!((r.pulled, r.remote_follow_ups), (0, 0));
    assert_eq!(
        pages(&sim) - before,
        1,
        "only the last, possibly growing page"
    );

    // One more: it lands on page 3; pages 1 is never read again.
    admin
        .reporter_reply(rid, "Mohon dicek lagi, stok habis lagi.")
        .unwrap();
    let before = pages(&sim);
    let r = run(&mut s);
    assert_eq!((r.remote_follow_ups, r.reporter_replies), (1, 1));
    assert_eq!(pages(&sim) - before, 2, "pages 2 and 3");
    assert_eq!(count(&s, "SELECT count(*) FROM remote_follow_ups"), 5);
    assert_eq!(
        count(
            &s,
            "SELECT count(DISTINCT lapor_followup_id) FROM remote_follow_ups"
        ),
        5
    );
    assert_eq!(s.p.unseen_reporter_replies(&clerk()).unwrap().len(), 1);
}

#[test]
fn follow_ups_posko_sent_itself_are_recognised_not_duplicated() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let id = one(&mut s, "Toilet ruang tunggu rusak");
    run(&mut s);
    let fid = answer_locally(&mut s, id, "Toilet sudah diperbaiki pada 3 Maret 2026.");
    let r = run(&mut s);
    assert_eq!(r.sent, 1, "the approved follow-up went out");
    assert_eq!(
        r.remote_follow_ups, 0,
        "and was recognised when listed back"
    );
    assert_eq!(sim.stats().unwrap().followups, 1);
    let own: Option<String> =
        s.p.connection()
            .query_row(
                "SELECT lapor_followup_id FROM follow_ups WHERE id = ?1",
                [fid],
                |r| r.get(0),
            )
            .unwrap();
    let own = own.expect("the server's id is kept");

    // A server that answered without an id: recognised by its content, the id adopted.
    s.p.connection()
        .execute(
            "UPDATE follow_ups SET lapor_followup_id = NULL WHERE id = ?1",
            [fid],
        )
        .unwrap();
    let rid = remote_id(&s, id);
    sim.admin()
        .followup_from(rid, 101, "Dinas memantau perbaikan.", None)
        .unwrap();
    let r = run(&mut s);
    assert_eq!(r.remote_follow_ups, 1, "only the Dinas follow-up is new");
    let adopted: Option<String> =
        s.p.connection()
            .query_row(
                "SELECT lapor_followup_id FROM follow_ups WHERE id = ?1",
                [fid],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(adopted.as_deref(), Some(own.as_str()));
    assert_eq!(count(&s, "SELECT count(*) FROM remote_follow_ups"), 1);
    let from: String =
        s.p.connection()
            .query_row(
                "SELECT institution_from_name FROM remote_follow_ups",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(from, "Dinas Kesehatan Kabupaten Bogor");
}

#[test]
fn a_remote_decision_with_unsent_local_work_is_a_conflict_the_user_decides() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let id = one(&mut s, "Petugas tidak ramah");
    run(&mut s);
    let rid = remote_id(&s, id);
    answer_locally(&mut s, id, "Petugas sudah dibina oleh kepala puskesmas.");
    assert_eq!(local_status(&s, id), Status::WaitingReporter);
    // The follow-up cannot be delivered yet, and LAPOR! closes the report.
    sim.admin()
        .set_fault_specs(&["add_followup:rate_limit=600"], Some(1))
        .unwrap();
    sim.admin().finish(rid).unwrap();
    let before = s.p.complaint_detail(&clerk(), id, false).unwrap();
    let r = run(&mut s);
    assert_eq!((r.retried, r.conflicts), (1, 1));

    // Stored verbatim beside the local state, which did not move.
    let after = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(after.status, Status::WaitingReporter);
    assert_eq!(after.version, before.version);
    assert_eq!(after.lapor_status_name.as_deref(), Some("Selesai"));
    assert!(after.events.iter().any(|e| e.kind == "lapor_conflict"));
    let open = s.p.sync_conflicts(&clerk()).unwrap();
    assert_eq!(open.len(), 1);
    let c = &open[0];
    assert_eq!(c.kind, ConflictKind::UnsentLocalChange);
    assert_eq!(
        (c.local_status, c.remote_maps_to),
        (Status::WaitingReporter, Some(Status::Finished))
    );
    assert_eq!(
        (c.remote_status_code.as_str(), c.remote_status_name.as_str()),
        ("4", "Selesai")
    );
    assert_eq!(c.unsent, 1);
    assert_eq!(
        (c.accept_remote_action, c.can_accept_remote),
        (Some(Action::Finish), true)
    );
    assert_eq!(
        s.p.lapor_remote(&clerk(), id)
            .unwrap()
            .open_conflict
            .map(|c| c.id),
        Some(c.id)
    );

    // The same remote status again is not a new conflict.
    s.clock.advance(Duration::hours(2));
    assert_eq!(run(&mut s).conflicts, 0);
    assert_eq!(s.p.sync_conflicts(&clerk()).unwrap().len(), 1);

    // Only roles that may move a report decide; then the workflow applies it.
    let monitor = actor(Role::Pemantau);
    assert_eq!(
        s.p.resolve_conflict(&monitor, c.id, Keep::Remote)
            .unwrap_err()
            .code(),
        "FORBIDDEN"
    );
    s.p.resolve_conflict(&clerk(), c.id, Keep::Remote).unwrap();
    let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(d.status, Status::Finished);
    let t = d
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "transition")
        .unwrap();
    assert_eq!(t.to_status, Some(Status::Finished));
    assert!(
        t.note.as_deref().unwrap_or("").contains("Selesai"),
        "{:?}",
        t.note
    );
    assert!(d.events.iter().any(|e| e.kind == "lapor_conflict_resolved"));
    assert!(s.p.sync_conflicts(&clerk()).unwrap().is_empty());
    assert_eq!(
        s.p.resolve_conflict(&clerk(), c.id, Keep::Local)
            .unwrap_err()
            .code(),
        "CONFLICT",
        "already decided"
    );
    // The unsent follow-up is still there for the sync page to decide.
    assert_eq!(s.p.sync_status().unwrap().counts.pending, 1);
}

#[test]
fn keep_local_changes_nothing_and_an_unknown_status_asks_a_person() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let id = one(&mut s, "Jadwal dokter gigi tidak jelas");
    run(&mut s);
    let rid = remote_id(&s, id);

    // A status no client knows: stored verbatim, local state untouched, flagged.
    sim.admin()
        .set_status(rid, "99", "Menunggu Verifikasi Ulang")
        .unwrap();
    let r = run(&mut s);
    assert_eq!((r.pull_failed, r.conflicts), (0, 1));
    let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(
        (
            d.lapor_status_code.as_deref(),
            d.lapor_status_name.as_deref()
        ),
        (Some("99"), Some("Menunggu Verifikasi Ulang"))
    );
    assert_eq!(d.status, Status::Received);
    let c = s.p.sync_conflicts(&clerk()).unwrap().remove(0);
    assert_eq!(c.kind, ConflictKind::UnknownStatus);
    assert!(!c.can_accept_remote);
    assert_eq!(
        s.p.resolve_conflict(&clerk(), c.id, Keep::Remote)
            .unwrap_err()
            .code(),
        "BAD_REQUEST",
        "an unknown status has no local meaning to accept"
    );
    let before = s.p.complaint_detail(&clerk(), id, false).unwrap();
    s.p.resolve_conflict(&clerk(), c.id, Keep::Local).unwrap();
    let after = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(
        (after.status, after.version),
        (before.status, before.version)
    );
    assert_eq!(
        after.events.len(),
        before.events.len() + 1,
        "only the decision is on the timeline"
    );

    // LAPOR! rejects it: a decision without unsent work; accepting applies "reject".
    sim.admin()
        .reject(rid, "Bukan kewenangan puskesmas")
        .unwrap();
    let r = run(&mut s);
    assert_eq!(r.conflicts, 1);
    let c = s.p.sync_conflicts(&clerk()).unwrap().remove(0);
    assert_eq!(
        (c.kind, c.accept_remote_action),
        (ConflictKind::RemoteDecision, Some(Action::Reject))
    );
    s.p.resolve_conflict(&head(), c.id, Keep::Remote).unwrap();
    let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(d.status, Status::Rejected);
    let t = d
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "transition")
        .unwrap();
    assert!(
        t.note
            .as_deref()
            .unwrap_or("")
            .contains("Bukan kewenangan puskesmas"),
        "{:?}",
        t.note
    );
}

#[test]
fn a_newer_remote_status_supersedes_and_a_manual_decision_converges() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let id = one(&mut s, "Ruang tunggu panas");
    run(&mut s);
    let rid = remote_id(&s, id);
    sim.admin()
        .postpone(rid, "Menunggu kelengkapan data")
        .unwrap();
    assert_eq!(run(&mut s).conflicts, 1);
    sim.admin().archive(rid, "Laporan tidak jelas").unwrap();
    assert_eq!(run(&mut s).conflicts, 1);
    let open = s.p.sync_conflicts(&clerk()).unwrap();
    assert_eq!(open.len(), 1, "one open conflict per report");
    assert_eq!(open[0].remote_maps_to, Some(Status::Archived));
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM sync_conflicts WHERE resolution = 'superseded'"
        ),
        1
    );
    // The clerk archives by hand: the next pull sees nothing left to decide.
    s.p.transition(
        &clerk(),
        &TransitionInput {
            complaint_id: id,
            action: Action::Archive,
            note: Some("Pelapor tidak dapat dihubungi".into()),
            assigned_to: None,
        },
    )
    .unwrap();
    run(&mut s);
    assert!(s.p.sync_conflicts(&clerk()).unwrap().is_empty());
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM sync_conflicts WHERE resolution = 'converged'"
        ),
        1
    );
}

#[test]
fn secret_reports_pull_but_stay_invisible_to_roles_without_access() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let mut input = complaint("Dugaan pungutan liar");
    input.is_secret = true;
    let id = s.p.create_complaint(&clerk(), input).unwrap().id;
    run(&mut s);
    let rid = remote_id(&s, id);
    sim.admin()
        .reporter_reply(rid, "Saya punya bukti tambahan.")
        .unwrap();
    sim.admin().finish(rid).unwrap();
    run(&mut s);
    let monitor = actor(Role::Pemantau);
    assert_eq!(
        s.p.lapor_remote(&monitor, id).unwrap_err().code(),
        "NOT_FOUND"
    );
    assert!(s.p.sync_conflicts(&monitor).unwrap().is_empty());
    assert!(s.p.unseen_reporter_replies(&monitor).unwrap().is_empty());
    assert_eq!(s.p.sync_conflicts(&clerk()).unwrap().len(), 1);
    assert_eq!(s.p.unseen_reporter_replies(&clerk()).unwrap().len(), 1);
}

#[test]
fn institution_and_template_lists_are_fetched_once_a_day_and_cached() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let asked =
        |sim: &SimHandle, e: &str| sim.stats().unwrap().requests.get(e).copied().unwrap_or(0);
    run(&mut s);
    let m = s.p.lapor_masters(&clerk()).unwrap();
    assert_eq!((m.institutions.len(), m.templates.len()), (16, 4));
    assert!(
        m.institutions
            .iter()
            .any(|i| i.id == "103" && i.name == "Puskesmas Cibinong")
    );
    assert!(m.institutions_fetched_at.is_some() && m.last_error.is_none());
    assert_eq!(
        (asked(&sim, "institutions"), asked(&sim, "templates")),
        (1, 1)
    );
    s.clock.advance(Duration::hours(23));
    run(&mut s);
    assert_eq!(
        (asked(&sim, "institutions"), asked(&sim, "templates")),
        (1, 1),
        "not twice a day"
    );
    s.clock.advance(Duration::hours(2));
    run(&mut s);
    assert_eq!(
        (asked(&sim, "institutions"), asked(&sim, "templates")),
        (2, 2)
    );

    // A broken answer keeps yesterday's lists and says why; a failure waits an hour.
    sim.admin()
        .set_fault_specs(&["institutions:html=200"], Some(1))
        .unwrap();
    s.clock.advance(Duration::hours(25));
    let r = run(&mut s);
    assert_eq!(r.pull_failed, 1);
    let m = s.p.lapor_masters(&clerk()).unwrap();
    assert_eq!(m.institutions.len(), 16);
    assert_eq!(m.last_error_code.as_deref(), Some("BAD_RESPONSE"));
    assert!(
        m.last_error
            .as_deref()
            .unwrap()
            .starts_with("LAPOR_HTML_PAGE"),
        "{:?}",
        m.last_error
    );
    s.clock.advance(Duration::minutes(30));
    assert_eq!(run(&mut s).pull_failed, 0, "no retry within the hour");
    // Settings may force a refresh; only roles that edit settings.
    sim.admin().clear_faults().unwrap();
    let api = s.p.lapor_client(&OsKeychain::new()).unwrap();
    assert_eq!(
        s.p.refresh_lapor_masters(&clerk(), &api)
            .unwrap_err()
            .code(),
        "FORBIDDEN"
    );
    let m = s.p.refresh_lapor_masters(&admin(), &api).unwrap();
    assert!(m.last_error.is_none());
    assert_eq!(m.institutions.len(), 16);
}

// ------------------------------------------------------------------ bad input from the server

/// Unknown status codes are normal: stored verbatim, nothing fails, a person is asked.
#[test]
fn unknown_status_codes_are_stored_verbatim() {
    let raw = RawServer::start();
    serve_good(&raw);
    let (mut s, id) = store_with_sent_report(&raw);
    for (code, name) in [
        ("ZX-9", "Diperiksa Inspektorat 🕵️"),
        ("0012", "  Menunggu   Verifikasi  "),
        ("99", "Menunggu Verifikasi Ulang"),
    ] {
        let body = format!(
            r#"{{"success":true,"data":{{"complaint_id":"700001","status_code":"{code}","status_name":"{name}"}}}}"#
        );
        raw.set(DETAIL, json(&body));
        s.clock.advance(Duration::hours(1));
        let r = run(&mut s);
        assert_eq!(r.pull_failed, 0, "{code}");
        let d = s.p.complaint_detail(&clerk(), id, false).unwrap();
        assert_eq!(d.lapor_status_code.as_deref(), Some(code));
        assert_eq!(d.lapor_status_name.as_deref(), Some(name), "kept verbatim");
        assert_eq!(d.status, Status::Received);
        let open = s.p.sync_conflicts(&clerk()).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].kind, ConflictKind::UnknownStatus);
        assert_eq!(open[0].remote_status_code, code);
    }
}

#[test]
fn answers_posko_cannot_understand_change_nothing_and_say_why() {
    let raw = RawServer::start();
    serve_good(&raw);
    let (mut s, id) = store_with_sent_report(&raw);
    let r = run(&mut s);
    assert_eq!(
        (
            r.pulled,
            r.remote_follow_ups,
            r.reporter_replies,
            r.pull_failed
        ),
        (1, 2, 1, 0),
        "the baseline pull"
    );
    assert_eq!(s.p.lapor_masters(&clerk()).unwrap().institutions.len(), 2);

    let huge = {
        let mut b = br#"{"success":true,"message":""#.to_vec();
        b.extend(std::iter::repeat_n(b'A', lapor_wire::MAX_BODY_BYTES + 10));
        b.extend_from_slice(br#"","data":null}"#);
        Canned {
            status: 200,
            content_type: "application/json",
            body: b,
        }
    };
    let detail_with = |patch: &str, with: &str| json(&good_detail().replace(patch, with));
    let page_with = |patch: &str, with: &str| json(&good_followups().replace(patch, with));
    let cases: Vec<BadCase> = vec![
        (
            "HTML page with 200",
            DETAIL,
            html(200, "Sedang Pemeliharaan"),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_HTML_PAGE"),
            "Sedang Pemeliharaan",
        ),
        (
            "HTML page with 502",
            DETAIL,
            html(502, "502 Bad Gateway"),
            "status",
            "SERVER_ERROR",
            Some("LAPOR_HTML_PAGE"),
            "502 Bad Gateway",
        ),
        (
            "HTML follow-ups page",
            FOLLOWUPS,
            html(200, "Login SSO"),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_HTML_PAGE"),
            "Login SSO",
        ),
        (
            "huge status answer",
            DETAIL,
            huge.clone(),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_BODY_TOO_LARGE"),
            "4194304",
        ),
        (
            "huge follow-ups answer",
            FOLLOWUPS,
            huge.clone(),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_BODY_TOO_LARGE"),
            "4194304",
        ),
        (
            "missing status_name",
            DETAIL,
            detail_with(r#""status_name":"Terverifikasi","#, ""),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_MISSING_FIELD"),
            "data.status_name",
        ),
        (
            "missing status_code",
            DETAIL,
            detail_with(r#""status_code":2,"#, ""),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_MISSING_FIELD"),
            "data.status_code",
        ),
        (
            "follow-up without content",
            FOLLOWUPS,
            page_with(r#""content":"Terima kasih, sudah lebih cepat.","#, ""),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_MISSING_FIELD"),
            "data.data[1].content",
        ),
        (
            "follow-up without id",
            FOLLOWUPS,
            page_with(r#"{"id":"50002","#, "{"),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_MISSING_FIELD"),
            "data.data[1].id",
        ),
        (
            "ISO date instead of d-m-Y",
            DETAIL,
            detail_with("02-03-2026 10:00:00", "2026-03-02 10:00:00"),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_BAD_DATE"),
            "data.status_logs[1].created_at",
        ),
        (
            "30 February",
            FOLLOWUPS,
            page_with("03-03-2026 08:00:00", "30-02-2026 08:00:00"),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_BAD_DATE"),
            "data.data[0].created_at",
        ),
        (
            "date as a number",
            FOLLOWUPS,
            page_with(r#""04-03-2026 19:45:10""#, "1772628310"),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_BAD_DATE"),
            "data.data[1].created_at",
        ),
        (
            "year 1970",
            FOLLOWUPS,
            page_with("03-03-2026 08:00:00", "01-01-1970 07:00:00"),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_BAD_DATE"),
            "implausible",
        ),
        (
            "year 2999",
            DETAIL,
            detail_with("02-03-2026 09:10:00", "02-03-2999 09:10:00"),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_BAD_DATE"),
            "implausible",
        ),
        (
            "status code as an object",
            DETAIL,
            detail_with(r#""status_code":2"#, r#""status_code":{"kode":2}"#),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "data.status_code",
        ),
        (
            "status logs as text",
            DETAIL,
            json(
                r#"{"success":true,"data":{"complaint_id":700001,"status_code":2,"status_name":"Terverifikasi","status_logs":"tidak ada"}}"#,
            ),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "data.status_logs",
        ),
        (
            "follow-ups data as text",
            FOLLOWUPS,
            json(r#"{"success":true,"data":"tidak ada"}"#),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "data",
        ),
        (
            "is_secret neither yes nor no",
            FOLLOWUPS,
            page_with(r#""is_secret":"0""#, r#""is_secret":"mungkin""#),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "data.data[0].is_secret",
        ),
        (
            "answer is an array",
            DETAIL,
            json("[1,2,3]"),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "not a JSON object",
        ),
        (
            "success is neither",
            DETAIL,
            json(r#"{"success":"perhaps","data":{}}"#),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "success",
        ),
        (
            "negative id",
            DETAIL,
            detail_with(r#""complaint_id":700001"#, r#""complaint_id":-700001"#),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_BAD_ID"),
            "data.complaint_id",
        ),
        (
            "another report's answer",
            DETAIL,
            detail_with(r#""complaint_id":700001"#, r#""complaint_id":700999"#),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "700999",
        ),
        (
            "truncated JSON",
            DETAIL,
            json(&good_detail()[..good_detail().len() / 2]),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_MALFORMED_JSON"),
            "malformed JSON",
        ),
        (
            "empty body",
            DETAIL,
            json(""),
            "status",
            "BAD_RESPONSE",
            Some("LAPOR_EMPTY_BODY"),
            "empty body",
        ),
        (
            "page 3 when page 1 was asked",
            FOLLOWUPS,
            page_with(r#""current_page":1"#, r#""current_page":3"#),
            "follow_ups",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "asked for page 1",
        ),
        (
            "institution with a negative id",
            INSTITUTIONS,
            json(&good_institutions().replace(r#""id":101"#, r#""id":-101"#)),
            "institutions",
            "BAD_RESPONSE",
            Some("LAPOR_BAD_ID"),
            "data.data[0].id",
        ),
        (
            "empty institution list",
            INSTITUTIONS,
            json(r#"{"success":true,"data":[]}"#),
            "institutions",
            "BAD_RESPONSE",
            Some("LAPOR_UNEXPECTED_SHAPE"),
            "cached entries are kept",
        ),
        (
            "template without a code",
            TEMPLATES,
            json(r#"{"success":true,"data":[{"title":"Tanpa kode"}]}"#),
            "templates",
            "BAD_RESPONSE",
            Some("LAPOR_MISSING_FIELD"),
            "data[0].template_code",
        ),
        (
            "templates: HTML 503",
            TEMPLATES,
            html(503, "503 Service Temporarily Unavailable"),
            "templates",
            "SERVER_ERROR",
            Some("LAPOR_HTML_PAGE"),
            "503 Service Temporarily Unavailable",
        ),
        (
            "clear refusal, 500",
            DETAIL,
            Canned {
                status: 500,
                content_type: "application/json",
                body: br#"{"success":false,"message":"Terjadi kesalahan pada server"}"#.to_vec(),
            },
            "status",
            "SERVER_ERROR",
            None,
            "Terjadi kesalahan pada server",
        ),
    ];
    for (case, route, answer, what, code, detail, words) in cases {
        serve_good(&raw);
        raw.set(route, answer);
        // A day later, so the master lists are due as well.
        s.clock.advance(Duration::hours(25));
        let before = local_data(&s);
        let r = run(&mut s);
        assert_eq!(r.pull_failed, 1, "{case}: one failure recorded");
        assert!(r.has_failures(), "{case}");
        assert_eq!(local_data(&s), before, "{case}: nothing local changed");
        let (w, c, d, _status, message) = last_pull_failure(&s);
        eprintln!("{case:32} {w:12} {c:13} {message}");
        assert_eq!(
            (w.as_str(), c.as_str(), d.as_deref()),
            (what, code, detail),
            "{case}: {message}"
        );
        assert!(
            message.contains(words),
            "{case}: the reason {message:?} should say {words:?}"
        );
        assert!(message.len() < 1000, "{case}: a reason, not a dump");
        let stored: i64 =
            s.p.connection()
                .query_row(
                    "SELECT pull_failed FROM sync_runs WHERE id = ?1",
                    [r.run_id],
                    |r| r.get(0),
                )
                .unwrap();
        assert_eq!(stored, 1, "{case}: the run remembers it");
        if what == "status" || what == "follow_ups" {
            let v = s.p.lapor_remote(&clerk(), id).unwrap();
            assert_eq!(v.last_error_code.as_deref(), Some(code), "{case}");
            assert_eq!(v.last_error.as_deref(), Some(message.as_str()), "{case}");
        } else {
            let m = s.p.lapor_masters(&clerk()).unwrap();
            assert_eq!(m.last_error_code.as_deref(), Some(code), "{case}");
        }
    }
    // Good answers again: the error goes, and nothing was lost or doubled.
    serve_good(&raw);
    s.clock.advance(Duration::hours(25));
    let r = run(&mut s);
    assert_eq!((r.pull_failed, r.remote_follow_ups), (0, 0));
    assert!(s.p.lapor_remote(&clerk(), id).unwrap().last_error.is_none());
    assert_eq!(count(&s, "SELECT count(*) FROM remote_follow_ups"), 2);
    assert_eq!(count(&s, "SELECT count(*) FROM remote_status_logs"), 2);
}

/// The simulator's own faults on every endpoint the pull reads.
#[test]
fn simulator_faults_on_pull_endpoints_change_nothing() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let id = one(&mut s, "Parkir puskesmas sempit");
    run(&mut s);
    let rid = remote_id(&s, id);
    sim.admin().verify(rid).unwrap();
    sim.admin()
        .followup(rid, "Lahan parkir diperluas bulan depan.")
        .unwrap();
    assert_eq!(run(&mut s).remote_follow_ups, 1);
    // Something new is waiting on the server while the answers are broken.
    sim.admin()
        .reporter_reply(rid, "Baik, terima kasih.")
        .unwrap();
    sim.admin().finish(rid).unwrap();
    let cases: [(&str, &str, Option<&str>); 12] = [
        (
            "get_complaint:html=200",
            "BAD_RESPONSE",
            Some("LAPOR_HTML_PAGE"),
        ),
        (
            "get_complaint:html",
            "SERVER_ERROR",
            Some("LAPOR_HTML_PAGE"),
        ),
        (
            "get_complaint:malformed",
            "BAD_RESPONSE",
            Some("LAPOR_MALFORMED_JSON"),
        ),
        (
            "get_complaint:huge",
            "BAD_RESPONSE",
            Some("LAPOR_BODY_TOO_LARGE"),
        ),
        ("get_complaint:503", "SERVER_ERROR", None),
        ("get_complaint:reset", "TRANSPORT", None),
        (
            "list_followups:html=200",
            "BAD_RESPONSE",
            Some("LAPOR_HTML_PAGE"),
        ),
        (
            "list_followups:malformed",
            "BAD_RESPONSE",
            Some("LAPOR_MALFORMED_JSON"),
        ),
        (
            "list_followups:huge",
            "BAD_RESPONSE",
            Some("LAPOR_BODY_TOO_LARGE"),
        ),
        ("list_followups:commit_drop", "TRANSPORT", None),
        (
            "institutions:malformed",
            "BAD_RESPONSE",
            Some("LAPOR_MALFORMED_JSON"),
        ),
        (
            "templates:huge",
            "BAD_RESPONSE",
            Some("LAPOR_BODY_TOO_LARGE"),
        ),
    ];
    for (spec, code, detail) in cases {
        sim.admin().set_fault_specs(&[spec], Some(3)).unwrap();
        s.clock.advance(Duration::hours(25));
        let before = local_data(&s);
        let r = run(&mut s);
        assert_eq!(r.pull_failed, 1, "{spec}");
        let (_, c, d, _, message) = last_pull_failure(&s);
        assert_eq!(
            (c.as_str(), d.as_deref()),
            (code, detail),
            "{spec}: {message}"
        );
        if spec.starts_with("list_followups") {
            // The status part of the pull was understood and is kept (it is
            // its own answer); only the follow-ups wait.
            assert_eq!(
                count(&s, "SELECT count(*) FROM remote_follow_ups"),
                1,
                "{spec}"
            );
        } else if spec.starts_with("get_complaint") {
            assert_eq!(local_data(&s), before, "{spec}: nothing local changed");
        }
    }
    // Once the server answers properly, what waited arrives exactly once.
    sim.admin().clear_faults().unwrap();
    s.clock.advance(Duration::hours(25));
    let r = run(&mut s);
    assert_eq!(r.pull_failed, 0);
    assert_eq!(count(&s, "SELECT count(*) FROM remote_follow_ups"), 2);
    assert_eq!(
        s.p.complaint_detail(&clerk(), id, false)
            .unwrap()
            .lapor_status_name
            .as_deref(),
        Some("Selesai")
    );
}

/// The create answer itself can be garbage: the report stays unsent locally,
/// the item waits for a lookup (never a blind resend), the reason is kept.
#[test]
fn a_create_answer_posko_cannot_understand_leaves_the_report_as_it_was() {
    let huge = {
        let mut b = br#"{"success":true,"data":{"complaint_id":700001,"pad":""#.to_vec();
        b.extend(std::iter::repeat_n(b'x', lapor_wire::MAX_BODY_BYTES));
        b.extend_from_slice(br#""}}"#);
        Canned {
            status: 200,
            content_type: "application/json",
            body: b,
        }
    };
    let cases: Vec<(&str, Canned, &str, &str)> = vec![
        (
            "HTML with 200",
            html(200, "Portal Masuk"),
            "BAD_RESPONSE",
            "LAPOR_HTML_PAGE",
        ),
        (
            "HTML with 502",
            html(502, "502 Bad Gateway"),
            "SERVER_ERROR",
            "LAPOR_HTML_PAGE",
        ),
        (
            "no complaint_id",
            json(r#"{"success":true,"data":{"tracking_id":"1234567"}}"#),
            "BAD_RESPONSE",
            "LAPOR_MISSING_FIELD",
        ),
        (
            "complaint_id as an object",
            json(r#"{"success":true,"data":{"complaint_id":{"id":1}}}"#),
            "BAD_RESPONSE",
            "LAPOR_UNEXPECTED_SHAPE",
        ),
        (
            "complaint_id 12.5",
            json(r#"{"success":true,"data":{"complaint_id":12.5}}"#),
            "BAD_RESPONSE",
            "LAPOR_BAD_ID",
        ),
        ("huge", huge, "BAD_RESPONSE", "LAPOR_BODY_TOO_LARGE"),
        ("empty", json("  "), "BAD_RESPONSE", "LAPOR_EMPTY_BODY"),
    ];
    for (case, answer, code, detail) in cases {
        let raw = RawServer::start();
        serve_good(&raw);
        raw.set("/complaints/complaint", answer);
        let mut s = new_store();
        connect_to(&mut s, &raw.base_url());
        let id = one(&mut s, "Antrean apotek lama");
        let before = s.p.complaint_detail(&clerk(), id, false).unwrap();
        let r = run(&mut s);
        assert_eq!((r.sent, r.unknown), (0, 1), "{case}");
        let after = s.p.complaint_detail(&clerk(), id, false).unwrap();
        assert_eq!(after.lapor_complaint_id, None, "{case}");
        assert_eq!(after.version, before.version, "{case}");
        assert_eq!(after.events.len(), before.events.len(), "{case}");
        let q = s.p.sync_status().unwrap().queue;
        assert_eq!(q.len(), 1, "{case}");
        assert_eq!(q[0].last_error_code.as_deref(), Some(code), "{case}");
        let reason = q[0].last_error.clone().unwrap_or_default();
        assert!(reason.starts_with(detail), "{case}: {reason}");
        assert!(reason.len() < 1000, "{case}: {reason}");
    }
}

#[test]
fn an_uncertain_follow_up_is_settled_by_the_servers_list_never_resent() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let id = one(&mut s, "Ruang tunggu panas");
    run(&mut s);
    let fid = answer_locally(&mut s, id, "Kipas angin sudah dipasang di ruang tunggu.");
    sim.admin()
        .set_fault_specs(&["add_followup:commit_drop@next=1"], Some(1))
        .unwrap();
    run(&mut s);
    assert_eq!(sim.stats().unwrap().followups, 1, "the server took it once");
    let state: String =
        s.p.connection()
            .query_row(
                "SELECT state FROM outbox WHERE follow_up_id = ?1",
                [fid],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(state, "sent", "the pull's list proves it arrived");
    let outcomes = count(
        &s,
        "SELECT count(*) FROM sync_attempts a JOIN outbox o ON o.id = a.outbox_id
         WHERE o.op = 'add_follow_up' AND a.outcome = 'adopted'",
    );
    assert_eq!(outcomes, 1);
    s.clock.advance(chrono::Duration::hours(3));
    let r = run(&mut s);
    assert_eq!(r.sent, 0);
    assert_eq!(sim.stats().unwrap().followups, 1, "never sent twice");
}

/// The pull reads several reports at a time (`PULL_READERS`): a 401 part-way
/// halts every reader, what was read before it is kept, and the next run
/// brings the rest — each follow-up, status and history entry exactly once.
#[test]
fn a_401_part_way_through_a_pull_halts_every_reader_and_nothing_arrives_twice() {
    let sim = sim_with(10);
    let mut s = new_store();
    connect_to(&mut s, sim.base_url());
    let ids: Vec<i64> = (0..24)
        .map(|i| one(&mut s, &format!("Antrean obat lama {i}")))
        .collect();
    run(&mut s);
    let before: String =
        s.p.connection()
            .query_row(
                "SELECT lapor_status_name FROM complaints WHERE id = ?1",
                [ids[0]],
                |r| r.get(0),
            )
            .unwrap();
    for &id in &ids {
        let rid = remote_id(&s, id);
        sim.admin().verify(rid).unwrap();
        sim.admin()
            .followup(rid, "Sedang ditindaklanjuti petugas.")
            .unwrap();
    }
    sim.admin()
        .set_fault_specs(&["get_complaint:401@every=9"], Some(1))
        .unwrap();
    s.clock.advance(Duration::hours(1));
    let r = run(&mut s);
    let got = count(&s, "SELECT count(*) FROM remote_follow_ups");
    assert!(
        got > 0 && got < 24,
        "{got} of 24 follow-ups before the 401 stopped the pull: {r:?}"
    );
    assert!(r.pull_failed >= 1, "{r:?}");
    let reads = sim.stats().unwrap().requests["get_complaint"];

    sim.admin().clear_faults().unwrap();
    s.clock.advance(Duration::hours(1));
    let r = run(&mut s);
    assert_eq!(r.pull_failed, 0, "{r:?}");
    // The halted run stopped its readers early: far fewer reads than reports
    // were made after the 401 (the first run read all 24, the second ≤ 9 + 4).
    assert!(reads < 24 + 9 + 4 + 1, "{reads}");
    assert_eq!(
        count(
            &s,
            "SELECT count(DISTINCT complaint_id) FROM remote_follow_ups"
        ),
        24
    );
    assert_eq!(count(&s, "SELECT count(*) FROM remote_follow_ups"), 24);
    for (what, sql) in [
        (
            "status events",
            "SELECT count(*) FROM (SELECT complaint_id, note FROM complaint_events
             WHERE kind = 'lapor_status' GROUP BY 1, 2 HAVING count(*) > 1)",
        ),
        (
            "history entries",
            "SELECT count(*) FROM (SELECT complaint_id, status_code, created_at FROM remote_status_logs
             GROUP BY 1, 2, 3 HAVING count(*) > 1)",
        ),
        (
            "follow-up events",
            "SELECT count(*) FROM (SELECT complaint_id, note FROM complaint_events
             WHERE kind = 'lapor_follow_up' GROUP BY 1, 2 HAVING count(*) > 1)",
        ),
    ] {
        assert_eq!(count(&s, sql), 0, "{what} stored twice");
    }
    // Every report shows the verification.
    let still: i64 = s
        .p
        .connection()
        .query_row(
            "SELECT count(*) FROM complaints WHERE lapor_status_name IS NULL OR lapor_status_name = ?1",
            [&before],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(still, 0, "reports still showing {before}");
}
