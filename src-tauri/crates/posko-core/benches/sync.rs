//! Sync throughput: how many reports per second go through the engine
//! (outbox, plan, one transaction per step, pull of statuses), against a
//! minimal client that makes the same HTTP calls with the same bodies and
//! keeps nothing. The difference is what the engine costs.
//!
//! ```sh
//! scripts/with-keyring.sh cargo bench --workspace --bench sync                   # 10 000 reports, 3 runs
//! scripts/with-keyring.sh cargo bench --workspace --bench sync -- --reports 2000 --runs 5 --json
//! scripts/with-keyring.sh cargo bench --workspace --bench sync -- --reports 500 --latency-ms 20
//! ```
//!
//! Real pieces: an encrypted store in a temporary directory with its key in
//! the OS keychain (hence `with-keyring.sh`), the demo generator for the
//! reports, and the reference simulator over loopback HTTP, without faults.
//! Each side gets a fresh simulator so both talk to a server in the same state.
//! Engine and bare client take turns (`--runs`, default 3), each engine run
//! on a fresh copy of the same store; the headline compares the best run of
//! each side, and the spread is printed with it, then each pair of runs and
//! the medians. A second bare client reads the reports' statuses and
//! follow-ups as many at a time as the engine's pull (`PULL_READERS`); the
//! overhead against it is printed too. CPU time of the process (`getrusage`: every thread, the
//! in-process simulator included on both sides) is printed per report, with
//! the overhead it gives best against best and median against median: it
//! depends much less than wall time on what else a shared machine is doing.

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
use posko_core::sync::pull::PULL_READERS;
use posko_domain::OfficeZone;
use reqwest::blocking::Client;
use zeroize::Zeroizing;

const KEY: &str = "kunci-bench";
const TOKEN: &str = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b";
const TIMEOUT: Duration = Duration::from_secs(30);

struct Measured {
    secs: f64,
    cpu_secs: f64,
    reports: u64,
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

/// CPU time of the whole process (every thread, the in-process simulator
/// included, threads that already ended too), in seconds: `getrusage` (user +
/// system, microseconds) on 64-bit Linux, `/proc/self/stat` (clock ticks of
/// 1/100 s) otherwise.
fn process_cpu_secs() -> f64 {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        /// `struct rusage` of 64-bit Linux: two `timeval`s, then 14 `long`s.
        #[repr(C)]
        struct RUsage {
            utime: [i64; 2],
            stime: [i64; 2],
            rest: [i64; 14],
        }
        unsafe extern "C" {
            fn getrusage(who: i32, usage: *mut RUsage) -> i32;
        }
        let mut u = RUsage {
            utime: [0; 2],
            stime: [0; 2],
            rest: [0; 14],
        };
        // SAFETY: RUSAGE_SELF (0) with a struct of the kernel's layout, which
        // getrusage only writes.
        if unsafe { getrusage(0, &mut u) } == 0 {
            let secs = |t: [i64; 2]| t[0] as f64 + t[1] as f64 / 1e6;
            return secs(u.utime) + secs(u.stime);
        }
    }
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// A copy of the filled store (database and its id file; the key stays the
/// same keychain entry), so every run starts from the same state.
fn copy_store(from: &std::path::Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for name in [
        db::STORE_FILE.to_owned(),
        db::db_path(from)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
    ] {
        std::fs::copy(from.join(&name), to.path().join(&name)).unwrap();
    }
    to
}

fn best_and_spread(v: &[f64]) -> (f64, f64, f64) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sorted = v.to_vec();
    sorted.sort_by(f64::total_cmp);
    // The middle run; the mean of the two middle ones for an even count.
    let mid = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    (min, median, max)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = arg_value(&args, "--reports")
        .map(|v| v.parse().expect("--reports N"))
        .unwrap_or(10_000);
    // Engine and bare client take turns this many times, each engine run on a
    // fresh copy of the same store: a machine whose load changes during the
    // bench weighs on both sides alike.
    let runs: usize = arg_value(&args, "--runs")
        .map(|v| v.parse().expect("--runs N"))
        .unwrap_or(3)
        .max(1);
    let json = args.iter().any(|a| a == "--json");
    // CPUs the scheduler may give this process (follows `taskset`).
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    // Server-side delay per request on both sides, to see the overhead
    // against a service far away rather than on this machine.
    let latency_ms: u64 = arg_value(&args, "--latency-ms")
        .map(|v| v.parse().expect("--latency-ms N"))
        .unwrap_or(0);

    // ---- A store with n synthetic reports (setup, not measured).
    let template = tempfile::tempdir().unwrap();
    let secrets = OsKeychain::new();
    let mut p = Posko::open(template.path(), &secrets, Arc::new(SystemClock), true)
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
    let store_key = db::key_account(p.store_id());
    drop(p);
    let setup_secs = setup.elapsed().as_secs_f64();
    let db_bytes = std::fs::metadata(db::db_path(template.path()))
        .unwrap()
        .len();

    let mut engine_runs = Vec::new();
    let mut raw_runs = Vec::new();
    // A second reference: a bare client whose reads go PULL_READERS at a
    // time, as the engine's pull does (the minimal client reads one at a time).
    let mut par_runs = Vec::new();
    let (mut sent, mut requests) = (0, BTreeMap::new());
    for _ in 0..runs {
        // ---- Through the engine, on a fresh copy of the store.
        let work = copy_store(template.path());
        let mut p = Posko::open(work.path(), &secrets, Arc::new(SystemClock), false).unwrap();
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
        let cpu = process_cpu_secs();
        let t = Instant::now();
        let summary = p.sync_run(&api, None).unwrap();
        let engine_secs = t.elapsed().as_secs_f64();
        let engine_cpu = process_cpu_secs() - cpu;
        assert!(
            !summary.has_failures(),
            "a clean run against a simulator without faults: {summary:?}"
        );
        sent = u64::from(summary.sent);
        // Nothing left half-way: every report sent or skipped (channel "lapor").
        let left = p.sync_status().unwrap().counts;
        assert_eq!(
            (left.pending, left.sending, left.unknown, left.quarantined),
            (0, 0, 0, 0),
            "after the engine's run: {left:?}"
        );
        drop(p);
        requests = sim_engine.stats().unwrap().requests;
        let bodies: Vec<serde_json::Value> = sim_engine
            .admin()
            .complaints()
            .unwrap()
            .into_iter()
            .map(|c| c.payload)
            .collect();
        assert_eq!(bodies.len() as u64, sent);
        drop(sim_engine);
        engine_runs.push(Measured {
            secs: engine_secs,
            cpu_secs: engine_cpu,
            reports: sent,
        });

        // ---- The same HTTP calls with a bare client: no store, no engine.
        let sim_raw = sim(latency_ms);
        let raw = raw_client(&sim_raw, &bodies, &requests, 1);
        let raw_requests = sim_raw.stats().unwrap().requests;
        drop(sim_raw);
        assert_eq!(
            raw_requests, requests,
            "the bare client makes the same calls"
        );
        raw_runs.push(raw);

        // ---- The same, reading as many reports at a time as the engine's pull.
        let sim_par = sim(latency_ms);
        let par = raw_client(&sim_par, &bodies, &requests, PULL_READERS);
        assert_eq!(sim_par.stats().unwrap().requests, requests);
        drop(sim_par);
        par_runs.push(par);
    }

    // The pre-sync backup is part of every engine run; how long it takes alone.
    let backup_secs = {
        let work = copy_store(template.path());
        let p = Posko::open(work.path(), &secrets, Arc::new(SystemClock), false).unwrap();
        let t = Instant::now();
        p.take_backup(posko_core::backup::BackupKind::PreSync, 5)
            .unwrap();
        t.elapsed().as_secs_f64()
    };

    let secs = |v: &[Measured]| v.iter().map(|m| m.secs).collect::<Vec<_>>();
    let (e_best, e_median, e_worst) = best_and_spread(&secs(&engine_runs));
    let (r_best, r_median, r_worst) = best_and_spread(&secs(&raw_runs));
    let per_run: Vec<f64> = engine_runs
        .iter()
        .zip(&raw_runs)
        .map(|(e, r)| (e.secs / r.secs - 1.0) * 100.0)
        .collect();
    let (o_best, o_median, o_worst) = best_and_spread(&per_run);
    // The headline: best engine run against best bare-client run.
    let overhead = (e_best / r_best - 1.0) * 100.0;
    // CPU time per report of each run (process CPU, simulator included on
    // both sides): what the engine costs whatever else the machine is doing.
    let cpu_per_report = |v: &[Measured]| {
        v.iter()
            .map(|m| m.cpu_secs * 1000.0 / m.reports.max(1) as f64)
            .collect::<Vec<_>>()
    };
    let (e_cpu, r_cpu) = (cpu_per_report(&engine_runs), cpu_per_report(&raw_runs));
    let (e_cpu_best, e_cpu_median, _) = best_and_spread(&e_cpu);
    let (r_cpu_best, r_cpu_median, _) = best_and_spread(&r_cpu);
    let pct = |e: f64, r: f64| (e / r - 1.0) * 100.0;
    let overhead_median = pct(e_median, r_median);
    let cpu_overhead = pct(e_cpu_best, r_cpu_best);
    let cpu_overhead_median = pct(e_cpu_median, r_cpu_median);
    let cpu_per_run: Vec<f64> = e_cpu.iter().zip(&r_cpu).map(|(e, r)| pct(*e, *r)).collect();
    // For reading the figures: the part of an engine run that is its
    // pre-sync backup (measured alone, once, on the same store).
    let overhead_without_backup = pct(e_best - backup_secs, r_best);
    let (p_best, p_median, _) = best_and_spread(&secs(&par_runs));
    let overhead_vs_parallel = pct(e_best, p_best);
    let overhead_vs_parallel_median = pct(e_median, p_median);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "reports": n,
                "sent": sent,
                "skipped": n - sent,
                "requests": requests,
                "runs": runs,
                "db_bytes": db_bytes,
                "setup_secs": setup_secs,
                "backup_secs": backup_secs,
                "engine_secs": engine_runs.iter().map(|m| m.secs).collect::<Vec<_>>(),
                "raw_secs": raw_runs.iter().map(|m| m.secs).collect::<Vec<_>>(),
                "engine_cpu_secs": engine_runs.iter().map(|m| m.cpu_secs).collect::<Vec<_>>(),
                "raw_cpu_secs": raw_runs.iter().map(|m| m.cpu_secs).collect::<Vec<_>>(),
                "engine_secs_best": e_best,
                "raw_secs_best": r_best,
                "engine_reports_per_sec": sent as f64 / e_best,
                "raw_reports_per_sec": sent as f64 / r_best,
                "engine_overhead_pct": overhead,
                "engine_overhead_pct_per_run": per_run,
                "latency_ms": latency_ms,
                "engine_secs_median": e_median,
                "raw_secs_median": r_median,
                "engine_overhead_pct_median": overhead_median,
                "engine_overhead_pct_without_backup": overhead_without_backup,
                "engine_cpu_ms_per_report": e_cpu,
                "raw_cpu_ms_per_report": r_cpu,
                "cpu_overhead_pct": cpu_overhead,
                "cpu_overhead_pct_median": cpu_overhead_median,
                "cpu_overhead_pct_per_run": cpu_per_run,
                "cpus": cpus,
                "pull_readers": PULL_READERS,
                "raw_parallel_secs": par_runs.iter().map(|m| m.secs).collect::<Vec<_>>(),
                "raw_parallel_secs_best": p_best,
                "engine_overhead_pct_vs_parallel": overhead_vs_parallel,
                "engine_overhead_pct_vs_parallel_median": overhead_vs_parallel_median,
            })
        );
    } else {
        println!(
            "sync bench: {n} reports ({sent} sent, {} never sent: channel lapor), store {:.1} MB, setup {setup_secs:.1} s, server latency {latency_ms} ms, {runs} runs per side (taking turns)",
            n - sent,
            db_bytes as f64 / 1e6
        );
        println!("  requests per side and run: {requests:?}");
        println!(
            "  CPUs this process may use: {cpus} (taskset -c N: one CPU for both sides, the steadiest comparison on a shared machine)"
        );
        println!(
            "  engine: best {e_best:>6.2} s  {:>6.0} reports/s  (median {e_median:.2} s, worst {e_worst:.2} s; CPU {e_cpu_best:.2} ms per report, of which pre-sync backup {backup_secs:.2} s per run)",
            sent as f64 / e_best,
        );
        println!(
            "  raw:    best {r_best:>6.2} s  {:>6.0} reports/s  (median {r_median:.2} s, worst {r_worst:.2} s; CPU {r_cpu_best:.2} ms per report)",
            sent as f64 / r_best,
        );
        println!(
            "  raw, reads {PULL_READERS} at a time like the engine's pull: best {p_best:>6.2} s  {:>6.0} reports/s  (median {p_median:.2} s)",
            sent as f64 / p_best,
        );
        println!(
            "  engine overhead: {overhead:.0} % (best against best; per run: best {o_best:.0} %, median {o_median:.0} %, worst {o_worst:.0} %)"
        );
        println!(
            "  against the bare client reading {PULL_READERS} at a time: {overhead_vs_parallel:.0} % best against best, {overhead_vs_parallel_median:.0} % median against median"
        );
        for (i, (e, r)) in engine_runs.iter().zip(&raw_runs).enumerate() {
            println!(
                "    run {}: engine {:.2} s, CPU {:.3} ms per report | raw {:.2} s, CPU {:.3} ms per report | wall {:+.0} %, CPU {:+.0} %",
                i + 1,
                e.secs,
                e_cpu[i],
                r.secs,
                r_cpu[i],
                per_run[i],
                cpu_per_run[i],
            );
        }
        println!(
            "  wall: median against median {overhead_median:.0} %; without the pre-sync backup ({backup_secs:.2} s alone) best against best {overhead_without_backup:.0} %"
        );
        println!(
            "  CPU per report (process, simulator included): engine best {e_cpu_best:.3} ms, median {e_cpu_median:.3} ms; raw best {r_cpu_best:.3} ms, median {r_cpu_median:.3} ms; overhead {cpu_overhead:.0} % best against best, {cpu_overhead_median:.0} % median against median"
        );
    }
    // Leave no key behind in the keychain.
    let _ = secrets.delete(&store_key);
}

/// POST every create body, then the reads the engine made (status and
/// follow-ups of each report, master lists), counted from the simulator.
/// `readers` threads share the reports' reads (each takes the next report and
/// makes both its reads), as the engine's pull does; 1 is the minimal client.
fn raw_client(
    sim: &SimHandle,
    bodies: &[serde_json::Value],
    engine_requests: &BTreeMap<String, u64>,
    readers: usize,
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
    let cpu = process_cpu_secs();
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
    let (statuses, follow_ups) = (
        count("get_complaint") as usize,
        count("list_followups") as usize,
    );
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..readers.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(id) = ids.get(i) else { break };
                    if i < statuses {
                        get(&wire::complaint_path(id));
                    }
                    if i < follow_ups {
                        get(&wire::followups_path(id, 1));
                    }
                }
            });
        }
    });
    if count("templates") > 0 {
        get(&wire::templates_path());
    }
    for page in 1..=count("institutions") as u32 {
        get(&wire::institutions_page_path(100, page));
    }
    Measured {
        secs: t.elapsed().as_secs_f64(),
        cpu_secs: process_cpu_secs() - cpu,
        reports: bodies.len() as u64,
    }
}
