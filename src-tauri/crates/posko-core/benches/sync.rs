//! Sync throughput: how many reports per second go through the engine
//! (outbox, plan, one transaction per step, pull of statuses), against a
//! minimal client that makes the same HTTP calls with the same bodies and
//! keeps nothing. The difference is what the engine costs.
//!
//! ```sh
//! scripts/with-keyring.sh cargo bench -p posko-core --bench sync                   # 10 000 reports
//! scripts/with-keyring.sh cargo bench -p posko-core --bench sync -- --reports 2000 --json
//! scripts/with-keyring.sh cargo bench -p posko-core --bench sync -- --reports 500 --latency-ms 20
//! ```
//!
//! Real pieces: an encrypted store in a temporary directory with its key in
//! the OS keychain (hence `with-keyring.sh`), the demo generator for the
//! reports, and the reference simulator over loopback HTTP, without faults.
//! Each side gets a fresh simulator so both talk to a server in the same state.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lapor_sim::{Sim, SimConfig, SimHandle};
use lapor_wire as wire;
use posko_core::Posko;
use posko_core::clock::SystemClock;
use posko_core::db;
use posko_core::keychain::{OsKeychain, SecretStore};
use posko_core::sync::http::{Credentials, HttpLapor};
use posko_domain::OfficeZone;
use reqwest::blocking::Client;
use zeroize::Zeroizing;

const KEY: &str = "kunci-bench";
const TOKEN: &str = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b";
const TIMEOUT: Duration = Duration::from_secs(30);

struct Measured {
    secs: f64,
    reports: u64,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.reports as f64 / self.secs
    }
}

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn sim(latency_ms: u64) -> SimHandle {
    let mut cfg = SimConfig::new(KEY, TOKEN);
    if latency_ms > 0 {
        cfg.faults = vec![lapor_sim::FaultRule::parse(&format!("*:latency={latency_ms}")).unwrap()];
    }
    Sim::start(cfg).expect("simulator starts on loopback")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = arg_value(&args, "--reports")
        .map(|v| v.parse().expect("--reports N"))
        .unwrap_or(10_000);
    let json = args.iter().any(|a| a == "--json");
    // Server-side delay per request on both sides, to see the overhead
    // against a service far away rather than on this machine.
    let latency_ms: u64 = arg_value(&args, "--latency-ms")
        .map(|v| v.parse().expect("--latency-ms N"))
        .unwrap_or(0);

    // ---- A store with n synthetic reports (setup, not measured).
    let dir = tempfile::tempdir().unwrap();
    let secrets = OsKeychain::new();
    let mut p = Posko::open(dir.path(), &secrets, Arc::new(SystemClock), true)
        .expect("store opens (is a Secret Service keyring running? use scripts/with-keyring.sh)");
    p.init_office("Puskesmas Bench", "PKM-BENCH", OfficeZone::Wib)
        .unwrap();
    let setup = Instant::now();
    let sync_mode: i64 = p
        .connection()
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    // Filling the store is not what is measured: no fsync per demo report.
    p.connection()
        .execute_batch("PRAGMA synchronous = OFF")
        .unwrap();
    // One day of receipts: reports stay `received`, so the work is one create each.
    posko_core::demo::generate(&mut p, n, 1, 1, |_| {}).unwrap();
    p.connection()
        .execute_batch(&format!(
            "PRAGMA synchronous = {sync_mode}; PRAGMA wal_checkpoint(TRUNCATE);"
        ))
        .unwrap();
    let setup_secs = setup.elapsed().as_secs_f64();

    let db_bytes = std::fs::metadata(db::db_path(dir.path())).unwrap().len();

    // ---- Through the engine.
    let sim_engine = sim(latency_ms);
    let api = HttpLapor::new(
        sim_engine.base_url(),
        wire::DEFAULT_AUTH_HEADER,
        Credentials {
            key: Zeroizing::new(KEY.into()),
            token: Zeroizing::new(TOKEN.into()),
        },
        TIMEOUT,
        true,
    )
    .unwrap();
    let t = Instant::now();
    let summary = p.sync_run(&api, None).unwrap();
    let engine_secs = t.elapsed().as_secs_f64();
    assert!(
        !summary.has_failures(),
        "a clean run against a simulator without faults: {summary:?}"
    );
    let sent = u64::from(summary.sent);
    let requests = sim_engine.stats().unwrap().requests;
    let bodies: Vec<serde_json::Value> = sim_engine
        .admin()
        .complaints()
        .unwrap()
        .into_iter()
        .map(|c| c.payload)
        .collect();
    assert_eq!(bodies.len() as u64, sent);
    drop(sim_engine);
    let engine = Measured {
        secs: engine_secs,
        reports: sent,
    };

    // ---- The same HTTP calls with a bare client: no store, no engine.
    let sim_raw = sim(latency_ms);
    let raw = raw_client(&sim_raw, &bodies, &requests);
    let raw_requests = sim_raw.stats().unwrap().requests;
    drop(sim_raw);
    assert_eq!(
        raw_requests, requests,
        "the bare client makes the same calls"
    );

    let overhead = (engine.secs / raw.secs - 1.0) * 100.0;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "reports": n,
                "sent": sent,
                "skipped": n - sent,
                "requests": requests,
                "db_bytes": db_bytes,
                "setup_secs": setup_secs,
                "engine_secs": engine.secs,
                "engine_reports_per_sec": engine.rate(),
                "raw_secs": raw.secs,
                "raw_reports_per_sec": raw.rate(),
                "engine_overhead_pct": overhead,
                "latency_ms": latency_ms,
            })
        );
    } else {
        println!(
            "sync bench: {n} reports ({sent} sent, {} never sent: channel lapor), store {:.1} MB, setup {setup_secs:.1} s, server latency {latency_ms} ms",
            n - sent,
            db_bytes as f64 / 1e6
        );
        println!("  requests per side: {requests:?}");
        println!(
            "  engine: {:>7.2} s  {:>8.0} reports/s",
            engine.secs,
            engine.rate()
        );
        println!(
            "  raw:    {:>7.2} s  {:>8.0} reports/s",
            raw.secs,
            raw.rate()
        );
        println!("  engine overhead: {overhead:.0} %");
    }
    // Leave no key behind in the keychain.
    let _ = secrets.delete(&db::key_account(p.store_id()));
}

/// POST every create body, then the reads the engine made (status and
/// follow-ups of each report, master lists), counted from the simulator.
fn raw_client(
    sim: &SimHandle,
    bodies: &[serde_json::Value],
    engine_requests: &BTreeMap<String, u64>,
) -> Measured {
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    let base = sim.base_url();
    let call = |method: reqwest::Method, path: &str| {
        client
            .request(method, wire::join_url(base, path))
            .header(
                wire::DEFAULT_AUTH_HEADER,
                format!("{}{KEY}", wire::BEARER_PREFIX),
            )
            .header(wire::HEADER_TOKEN, TOKEN)
            .header(wire::HEADER_ACCEPT, wire::ACCEPT_JSON)
    };
    let count = |k: &str| engine_requests.get(k).copied().unwrap_or(0);
    let t = Instant::now();
    let mut ids = Vec::with_capacity(bodies.len());
    for b in bodies {
        let r = call(reqwest::Method::POST, &wire::create_complaint_path())
            .json(b)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body = r.bytes().unwrap();
        let created: wire::CreateComplaintResponse =
            wire::decode(status, Some(wire::ACCEPT_JSON), &body).unwrap();
        ids.push(created.complaint_id);
    }
    let get = |path: &str| {
        let r = call(reqwest::Method::GET, path).send().unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.bytes().unwrap();
    };
    for id in ids.iter().take(count("get_complaint") as usize) {
        get(&wire::complaint_path(id));
    }
    for id in ids.iter().take(count("list_followups") as usize) {
        get(&wire::followups_path(id, 1));
    }
    if count("templates") > 0 {
        get(&wire::templates_path());
    }
    for page in 1..=count("institutions") as u32 {
        get(&wire::institutions_page_path(100, page));
    }
    Measured {
        secs: t.elapsed().as_secs_f64(),
        reports: bodies.len() as u64,
    }
}
