//! The crash campaign (issue 6): the `posko` process is killed with SIGKILL
//! at random moments during intake (`complaint add`), follow-up
//! (`complaint follow-up --approve`), import (`holidays import`, and
//! `complaint import` of a CSV register), backup
//! (`backup now`) and sync (`sync`, against the simulator), at least 200
//! times that land while the process runs. After every run, killed or not:
//!
//! - `PRAGMA integrity_check` is ok;
//! - every write that was acknowledged (exit 0 with its JSON) is there:
//!   complaints with their ids and titles, approved follow-ups, the latest
//!   holiday import, every complaint of an acknowledged register import, the
//!   backup file;
//! - no half-written record: a complaint always has its timeline event, its
//!   deadlines, its outbox item and its search entry; an approved follow-up
//!   its outbox item; a holiday import and a register import are all there or
//!   not at all; a title is
//!   never stored twice; every backup file under a real name opens with the
//!   store key and passes its integrity check.
//!
//! Seeded; where a kill lands depends on the machine's speed, which is the
//! point. Prints a `crash:` tally. Run alone:
//! `scripts/with-keyring.sh cargo test -p posko-cli --test it crash -- --nocapture`

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Datelike;
use lapor_sim::{Sim, SimConfig};
use posko_core::Posko;
use posko_core::clock::SystemClock;
use posko_core::keychain::{OsKeychain, SecretStore};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const SEED: u64 = 20_261_124;
/// Kills that must land while the process runs.
const MIN_KILLS: u32 = 200;
/// A bound on the whole campaign, whatever the machine.
const MAX_RUNS: u32 = 700;
const HOLIDAYS_PER_IMPORT: usize = 24;
const CHANNELS: [&str; 4] = ["tatap_muka", "whatsapp", "surat", "telepon"];
const KEY: &str = "kunci-crash-3";
const TOKEN: &str = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Intake,
    FollowUp,
    Import,
    /// `complaint import` of a CSV register (one transaction for every row).
    BulkImport,
    Backup,
    Sync,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::Intake,
        Op::FollowUp,
        Op::Import,
        Op::BulkImport,
        Op::Backup,
        Op::Sync,
    ];
    /// Share of runs (out of 100).
    fn weight(self) -> u32 {
        match self {
            Op::Intake => 25,
            Op::FollowUp => 20,
            Op::Import => 10,
            Op::BulkImport => 10,
            Op::Backup => 15,
            Op::Sync => 20,
        }
    }
}

#[derive(Default, Debug)]
struct Tally {
    runs: BTreeMap<Op, u32>,
    killed: BTreeMap<Op, u32>,
    finished_first: BTreeMap<Op, u32>,
    acknowledged: BTreeMap<Op, u32>,
    /// Killed runs whose write had committed (the kill landed between the
    /// commit and the exit): present whole, never half.
    committed_before_kill: BTreeMap<Op, u32>,
    checks: u32,
}

struct Ledger {
    /// Acknowledged complaints: id → title.
    complaints: BTreeMap<i64, String>,
    /// Acknowledged approved follow-ups.
    follow_ups: BTreeSet<i64>,
    /// Index of the newest acknowledged holiday import (0: none).
    import_acked: u32,
    /// Imports started so far (acknowledged or not).
    import_started: u32,
    /// Register imports started so far, and those acknowledged.
    bulk_started: u32,
    bulk_acked: BTreeSet<u32>,
    /// Backup files already checked (names).
    backups_checked: BTreeSet<String>,
}

fn posko(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_posko"));
    c.arg("--data-dir").arg(dir);
    c
}

fn run_ok(dir: &Path, args: &[&str]) -> Value {
    let out = posko(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Run `posko args` (with `stdin`), SIGKILL it after `kill_after` if it is
/// still running. `Some(json)` when it finished with exit 0 (acknowledged).
fn run_maybe_killed(
    dir: &Path,
    args: &[String],
    stdin: Option<&str>,
    kill_after: Duration,
) -> (bool, Option<Value>) {
    let mut child = posko(dir)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        // A kill may land before the child reads: ignore a broken pipe.
        let _ = child.stdin.take().unwrap().write_all(text.as_bytes());
    }
    let started = Instant::now();
    let mut killed = false;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() >= kill_after {
            // Child::kill is SIGKILL on Unix: no destructor, no flush, no rollback.
            let _ = child.kill();
            killed = true;
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let out = child.wait_with_output().unwrap();
    if out.status.signal() == Some(9) {
        return (killed, None);
    }
    let code = out.status.code().unwrap_or(-1);
    let ok = code == 0 || (code == 3 && args[0] == "sync");
    assert!(
        ok,
        "{args:?} exited {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        false,
        Some(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)),
    )
}

fn open(dir: &Path) -> Posko {
    Posko::open(dir, &OsKeychain::new(), Arc::new(SystemClock), false)
        .expect("the store opens after a kill")
}

fn count(p: &Posko, sql: &str) -> i64 {
    p.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Everything the campaign promises, checked after every run.
fn check(dir: &Path, ledger: &mut Ledger, what: &str) {
    let p = open(dir);
    let c = p.connection();
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "{what}");
    // Acknowledged writes are present.
    for (id, title) in &ledger.complaints {
        let t: Option<String> = c
            .query_row("SELECT title FROM complaints WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .ok();
        assert_eq!(
            t.as_deref(),
            Some(title.as_str()),
            "{what}: complaint {id} lost"
        );
    }
    for f in &ledger.follow_ups {
        let state: Option<String> = c
            .query_row("SELECT state FROM follow_ups WHERE id = ?1", [f], |r| {
                r.get(0)
            })
            .ok();
        assert_eq!(
            state.as_deref(),
            Some("approved"),
            "{what}: follow-up {f} lost"
        );
    }
    // No half-written record.
    for (name, sql) in [
        (
            "complaint without its timeline",
            "SELECT count(*) FROM complaints c WHERE NOT EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id)",
        ),
        (
            "complaint without deadlines",
            "SELECT count(*) FROM complaints c WHERE NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.complaint_id = c.id)",
        ),
        (
            "complaint without its outbox item",
            "SELECT count(*) FROM complaints c WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.id AND o.op = 'create_complaint')",
        ),
        (
            "complaint missing from search",
            "SELECT (SELECT count(*) FROM complaints) - (SELECT count(*) FROM complaints_fts)",
        ),
        (
            "approved follow-up without its outbox item",
            "SELECT count(*) FROM follow_ups f WHERE f.state = 'approved' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.follow_up_id = f.id)",
        ),
        (
            "title stored twice",
            "SELECT count(*) FROM (SELECT title FROM complaints WHERE title LIKE 'CRASH %' OR title LIKE 'BULK %' GROUP BY title HAVING count(*) > 1)",
        ),
        (
            "register number gap or overrun",
            "SELECT count(*) FROM register_counters rc WHERE rc.last < (SELECT count(*) FROM complaints)",
        ),
    ] {
        assert_eq!(count(&p, sql), 0, "{what}: {name}");
    }
    // A holiday import is all there or not at all, and not older than the last acknowledged.
    let mut st = c
        .prepare("SELECT name FROM holidays WHERE source = 'crash' ORDER BY date")
        .unwrap();
    let names: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    if ledger.import_started > 0 && !names.is_empty() {
        assert_eq!(names.len(), HOLIDAYS_PER_IMPORT, "{what}: holiday rows");
        let batches: BTreeSet<u32> = names
            .iter()
            .map(|n| n.split('-').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(
            batches.len(),
            1,
            "{what}: a holiday import half applied: {batches:?}"
        );
        let b = *batches.iter().next().unwrap();
        assert!(
            b >= ledger.import_acked && b <= ledger.import_started,
            "{what}: holidays of import {b}, acknowledged {}",
            ledger.import_acked
        );
    } else {
        assert_eq!(ledger.import_acked, 0, "{what}: acknowledged import lost");
    }
    // A register import is all there or not at all; every acknowledged one is there.
    let mut st = c
        .prepare("SELECT title FROM complaints WHERE title LIKE 'BULK %'")
        .unwrap();
    let mut per_batch: BTreeMap<u32, usize> = BTreeMap::new();
    for title in st.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        let title = title.unwrap();
        let batch = title[5..].split('-').next().unwrap().parse().unwrap();
        *per_batch.entry(batch).or_default() += 1;
    }
    for (b, n) in &per_batch {
        assert_eq!(
            *n, ROWS_PER_BULK,
            "{what}: register import {b} half applied"
        );
    }
    for b in &ledger.bulk_acked {
        assert!(
            per_batch.contains_key(b),
            "{what}: acknowledged register import {b} lost"
        );
    }
    // Every backup under a real name is whole.
    let key = OsKeychain::new()
        .get(&posko_core::db::key_account(p.store_id()))
        .unwrap()
        .unwrap();
    for b in p.backups().unwrap() {
        if ledger.backups_checked.insert(b.name.clone()) {
            posko_core::backup::check_file(&b.path, &key)
                .unwrap_or_else(|e| panic!("{what}: backup {} broken: {e:?}", b.name));
        }
    }
}

const ROWS_PER_BULK: usize = 6;

/// A register as a clerk keeps it in Excel, saved as CSV (';', DD/MM/YYYY),
/// received yesterday (UTC; in the past in every office zone, and in this
/// year's numbering but on 1 January).
fn register_csv(batch: u32) -> String {
    let day = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    let day = day.max(chrono::Utc::now().date_naive().with_ordinal(1).unwrap());
    let mut s = String::from("tanggal diterima;saluran;jenis;judul;isi;nama pelapor;telepon\n");
    for i in 0..ROWS_PER_BULK {
        s.push_str(&format!(
            "{};WA;pengaduan;BULK {batch}-{i};Uraian dari buku register, baris {i} impor {batch}.;Pelapor Buku;0812-1111-{:04}\n",
            day.format("%d/%m/%Y"),
            1000 + i
        ));
    }
    s
}

fn holidays_csv(batch: u32) -> String {
    let mut s = String::from("date,name,kind,source\n");
    for i in 0..HOLIDAYS_PER_IMPORT {
        // Two dates a month in 2027, the same dates every batch.
        let month = i / 2 + 1;
        let day = if i % 2 == 0 { 3 } else { 17 };
        s.push_str(&format!(
            "2027-{month:02}-{day:02},Libur-{batch}-{i},nasional,crash\n"
        ));
    }
    s
}

#[test]
fn sigkill_at_random_moments_loses_and_half_writes_nothing() {
    let started = Instant::now();
    let sim = Sim::start(SimConfig::new(KEY, TOKEN)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_ok(
        d,
        &[
            "init",
            "--unit-name",
            "Puskesmas Uji Crash",
            "--unit-code",
            "PKM-CRASH",
            "--json",
        ],
    );
    run_ok(
        d,
        &[
            "lapor",
            "configure",
            "--base-url",
            sim.base_url(),
            "--timeout-secs",
            "5",
            "--json",
        ],
    );
    let mut child = posko(d)
        .args(["lapor", "credentials"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{KEY}\n{TOKEN}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());

    let mut rng = StdRng::seed_from_u64(SEED);
    let mut ledger = Ledger {
        complaints: BTreeMap::new(),
        follow_ups: BTreeSet::new(),
        import_acked: 0,
        import_started: 0,
        bulk_started: 0,
        bulk_acked: BTreeSet::new(),
        backups_checked: BTreeSet::new(),
    };
    let mut t = Tally::default();
    // Complaints routed once (never killed) for follow-ups to be written on.
    let mut routed = Vec::new();
    for i in 0..8 {
        let input = serde_json::json!({
            "channel": "tatap_muka", "kind": "pengaduan_tidak_berkadar_pengawasan",
            "title": format!("CRASH dasar {i}"), "description": "Laporan dasar untuk tindak lanjut.",
            "reporter": {"name": "Pelapor Uji", "nik": "3201014101900003"}
        });
        let (_, v) = run_maybe_killed(
            d,
            &[
                "complaint".into(),
                "add".into(),
                "--json".into(),
                "-".into(),
            ],
            Some(&input.to_string()),
            Duration::from_secs(30),
        );
        let id = v.unwrap()["id"].as_i64().unwrap();
        ledger.complaints.insert(id, format!("CRASH dasar {i}"));
        for action in ["verify", "route"] {
            run_ok(
                d,
                &["complaint", "transition", &id.to_string(), action, "--json"],
            );
        }
        routed.push(id);
    }
    check(d, &mut ledger, "set-up");

    // Typical duration of each operation (unkilled), to spread kills over it.
    let mut typical: BTreeMap<Op, Duration> = BTreeMap::new();
    let mut seq = 0u32;
    let mut total_runs = 0u32;
    let mut kills = 0u32;
    while kills < MIN_KILLS && total_runs < MAX_RUNS {
        total_runs += 1;
        let roll = rng.random_range(0..100);
        let mut acc = 0;
        let op = *Op::ALL
            .iter()
            .find(|o| {
                acc += o.weight();
                roll < acc
            })
            .unwrap();
        // The first two runs of each kind measure it; then kill at a random
        // moment between the start and 1.2 × its typical duration.
        let measured = typical.get(&op).copied();
        let kill_after = match measured {
            Some(typ) if *t.runs.get(&op).unwrap_or(&0) >= 2 => {
                typ.mul_f64(rng.random_range(0.0..1.2))
            }
            _ => Duration::from_secs(60),
        };
        seq += 1;
        let (args, stdin): (Vec<String>, Option<String>) = match op {
            Op::Intake => (
                vec![
                    "complaint".into(),
                    "add".into(),
                    "--json".into(),
                    "-".into(),
                ],
                Some(
                    serde_json::json!({
                        "channel": CHANNELS[seq as usize % CHANNELS.len()],
                        "kind": "pengaduan_tidak_berkadar_pengawasan",
                        "title": format!("CRASH {seq}"),
                        "description": format!("Uraian laporan kampanye crash nomor {seq}."),
                        "reporter": {"name": "Pelapor Crash", "phone": "0812 3456 7890"}
                    })
                    .to_string(),
                ),
            ),
            Op::FollowUp => {
                let id = routed[rng.random_range(0..routed.len())];
                (
                    vec![
                        "complaint".into(),
                        "follow-up".into(),
                        id.to_string(),
                        "--content".into(),
                        format!("Tindak lanjut crash {seq}: sudah ditangani petugas."),
                        "--approve".into(),
                        "--json".into(),
                    ],
                    None,
                )
            }
            Op::Import => {
                ledger.import_started += 1;
                let file = d.join(format!("libur-{}.csv", ledger.import_started));
                std::fs::write(&file, holidays_csv(ledger.import_started)).unwrap();
                (
                    vec![
                        "holidays".into(),
                        "import".into(),
                        file.to_string_lossy().into_owned(),
                        "--json".into(),
                    ],
                    None,
                )
            }
            Op::BulkImport => {
                ledger.bulk_started += 1;
                let file = d.join(format!("register-{}.csv", ledger.bulk_started));
                std::fs::write(&file, register_csv(ledger.bulk_started)).unwrap();
                (
                    vec![
                        "complaint".into(),
                        "import".into(),
                        file.to_string_lossy().into_owned(),
                        "--json".into(),
                    ],
                    None,
                )
            }
            Op::Backup => (vec!["backup".into(), "now".into(), "--json".into()], None),
            Op::Sync => (
                vec!["sync".into(), "--ignore-backoff".into(), "--json".into()],
                None,
            ),
        };
        let t0 = Instant::now();
        let (killed, acked) = run_maybe_killed(d, &args, stdin.as_deref(), kill_after);
        let took = t0.elapsed();
        *t.runs.entry(op).or_default() += 1;
        if killed {
            kills += 1;
            *t.killed.entry(op).or_default() += 1;
            let p = open(d);
            let landed_after_commit = match op {
                Op::Intake => {
                    count(
                        &p,
                        &format!("SELECT count(*) FROM complaints WHERE title = 'CRASH {seq}'"),
                    ) == 1
                }
                Op::FollowUp => {
                    count(
                        &p,
                        &format!(
                            "SELECT count(*) FROM follow_ups WHERE content LIKE 'Tindak lanjut crash {seq}:%'"
                        ),
                    ) == 1
                }
                Op::Import => {
                    count(
                        &p,
                        &format!(
                            "SELECT count(*) FROM holidays WHERE name LIKE 'Libur-{}-%'",
                            ledger.import_started
                        ),
                    ) > 0
                }
                Op::BulkImport => {
                    count(
                        &p,
                        &format!(
                            "SELECT count(*) FROM complaints WHERE title LIKE 'BULK {}-%'",
                            ledger.bulk_started
                        ),
                    ) > 0
                }
                Op::Backup | Op::Sync => false,
            };
            if landed_after_commit {
                *t.committed_before_kill.entry(op).or_default() += 1;
            }
        } else if measured.is_some() && kill_after < Duration::from_secs(60) {
            *t.finished_first.entry(op).or_default() += 1;
        }
        if let Some(v) = acked {
            *t.acknowledged.entry(op).or_default() += 1;
            // Keep the typical duration current (the store grows).
            let typ = typical.entry(op).or_insert(took);
            *typ = (*typ * 3 + took) / 4;
            match op {
                Op::Intake => {
                    ledger
                        .complaints
                        .insert(v["id"].as_i64().unwrap(), format!("CRASH {seq}"));
                }
                Op::FollowUp => {
                    ledger
                        .follow_ups
                        .insert(v["follow_up_id"].as_i64().unwrap());
                }
                Op::Import => ledger.import_acked = ledger.import_started,
                Op::BulkImport => {
                    assert_eq!(v["new"], ROWS_PER_BULK, "register import answer: {v}");
                    ledger.bulk_acked.insert(ledger.bulk_started);
                }
                Op::Backup => {
                    let path = v["path"].as_str().unwrap();
                    assert!(Path::new(path).exists(), "acknowledged backup missing");
                }
                Op::Sync => {}
            }
        }
        check(
            d,
            &mut ledger,
            &format!("run {total_runs} ({op:?}, killed {killed})"),
        );
        t.checks += 1;
    }
    let wall = started.elapsed();
    let fmt = |m: &BTreeMap<Op, u32>| {
        Op::ALL
            .iter()
            .map(|o| format!("{o:?}={}", m.get(o).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "crash: seed {SEED}, {total_runs} runs, {kills} SIGKILLs landed, {} checks (integrity ok, nothing lost, nothing half-written), {:.1} s",
        t.checks,
        wall.as_secs_f64()
    );
    println!("crash: runs      {}", fmt(&t.runs));
    println!("crash: killed    {}", fmt(&t.killed));
    println!("crash: finished before the kill {}", fmt(&t.finished_first));
    println!("crash: acknowledged {}", fmt(&t.acknowledged));
    println!(
        "crash: killed after their commit (whole, never half) {}",
        fmt(&t.committed_before_kill)
    );
    println!(
        "crash: store holds {} acknowledged complaints, {} approved follow-ups, import {} of {} started, {} of {} register imports acknowledged, {} backups checked",
        ledger.complaints.len(),
        ledger.follow_ups.len(),
        ledger.import_acked,
        ledger.import_started,
        ledger.bulk_acked.len(),
        ledger.bulk_started,
        ledger.backups_checked.len()
    );
    assert!(
        kills >= MIN_KILLS,
        "only {kills} kills landed in {total_runs} runs"
    );
    for op in Op::ALL {
        assert!(
            t.killed.get(&op).copied().unwrap_or(0) > 0,
            "no kill landed during {op:?}"
        );
    }
}
