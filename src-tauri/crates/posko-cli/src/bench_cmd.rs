//! `posko bench` (issue 7): the whole-app benchmark. Fills a throw-away store
//! with the demo generator up to each size, runs each measurement of
//! `posko_core::bench` several times and prints one table (figure, target,
//! the value at each size, the reference measured in the same run, the ratio,
//! how the figure grows). `--json` prints the same as data; `--write FILE`
//! puts the table and the machine's description into a marked section of
//! FILE (docs/benchmarks.md), leaving the rest of it as it was.
//!
//! `posko bench report` (and any other `BenchCmd`) stays a subcommand.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use posko_core::bench::{self as b, Measured};
use posko_core::clock::SystemClock;
use posko_core::keychain::{OsKeychain, SecretStore};
use posko_core::{Actor, CoreError, Posko};
use serde::Serialize;

use crate::monev_cmd::{self, BenchCmd, Failed};

/// `posko bench` stopped by Ctrl-C (the conventional 128 + SIGINT).
pub const EXIT_CANCELLED: u8 = 130;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub sub: Option<BenchCmd>,
    #[command(flatten)]
    pub suite: SuiteArgs,
}

#[derive(Args)]
pub struct SuiteArgs {
    /// Store sizes (complaints) to fill up to and measure, ascending.
    #[arg(long, value_delimiter = ',', default_value = "2000,10000")]
    pub sizes: Vec<u64>,
    /// Times each measurement is repeated (intake: 40 complaints per run).
    #[arg(long, default_value_t = 5)]
    pub runs: u32,
    /// Keep the filled store in DIR (reused by the next run) instead of a
    /// throw-away one in the temporary folder.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Seed of the demo generator.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Write the table and the machine description into FILE's
    /// `posko bench` section (docs/benchmarks.md).
    #[arg(long, value_name = "FILE.md")]
    pub write: Option<PathBuf>,
    /// Measure only these figures (ids as in `--json`: intake, register,
    /// search, indicators, indicators_cold, deadlines, report, db_size).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub only: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

/// One figure's value at one size.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub size: u64,
    /// Complaints in the store when measured (the size plus earlier intakes).
    pub complaints: u64,
    pub value: f64,
    pub reference: Option<f64>,
    /// value / reference.
    pub ratio: Option<f64>,
    pub detail: serde_json::Value,
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: &'static str,
    pub figure: &'static str,
    pub target: &'static str,
    /// The target as a number in `unit` (None: report only).
    pub limit: Option<f64>,
    pub unit: &'static str,
    /// What the reference is (None: no reference).
    pub reference: Option<&'static str>,
    pub points: Vec<Point>,
    /// Slope of log(total) over log(size): 1 = linear (see `posko_core::bench::growth`).
    pub growth: Option<f64>,
    pub super_linear: bool,
    /// The target is met at the largest size measured (None: no target).
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub ram_gb: f64,
    pub disk: String,
    pub os: String,
    pub profile: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct FillOut {
    pub size: u64,
    pub added: u64,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchOut {
    pub date: String,
    pub machine: Machine,
    pub sizes: Vec<u64>,
    pub runs: u32,
    pub fills: Vec<FillOut>,
    pub rows: Vec<Row>,
}

struct Spec {
    id: &'static str,
    figure: &'static str,
    target: &'static str,
    limit: Option<f64>,
    unit: &'static str,
    reference: Option<&'static str>,
}

const SPECS: &[Spec] = &[
    Spec {
        id: "intake",
        figure: "intake of one complaint through the core, p99",
        target: "p99 < 5 ms",
        limit: Some(5.0),
        unit: "ms",
        reference: Some("bare SQLite insert of the same row, p99"),
    },
    Spec {
        id: "register",
        figure: "register first page, two filters, p95",
        target: "p95 < 20 ms (at 1 M)",
        limit: Some(20.0),
        unit: "ms",
        reference: None,
    },
    Spec {
        id: "register_due",
        figure: "register from Today's links (all overdue, all open), most urgent first, first page, p95",
        target: "–",
        limit: None,
        unit: "ms",
        reference: None,
    },
    Spec {
        id: "first_screens",
        figure: "Today screen and the unfiltered register page after sign-in, p95",
        target: "–",
        limit: None,
        unit: "ms",
        reference: None,
    },
    Spec {
        id: "search",
        figure: "full-text search, first page, p95",
        target: "p95 < 30 ms (at 1 M)",
        limit: Some(30.0),
        unit: "ms",
        reference: Some("LIKE '%word%' scan of title and description, p95"),
    },
    Spec {
        id: "indicators",
        figure: "dashboard indicators for a year, median (month cache filled)",
        target: "< 200 ms (at 1 M)",
        limit: Some(200.0),
        unit: "ms",
        reference: None,
    },
    Spec {
        id: "indicators_cold",
        figure: "the same, first query (month cache empty, filled by it), median",
        target: "–",
        limit: None,
        unit: "ms",
        reference: None,
    },
    Spec {
        id: "deadlines",
        figure: "recompute open deadlines after a holiday edit, median",
        target: "< 2 s (at 100 000 open)",
        limit: Some(2000.0),
        unit: "ms",
        reference: None,
    },
    Spec {
        id: "report",
        figure: "monev period report PDF for a year, median",
        target: "< 0.5 s (from 100 000)",
        limit: Some(500.0),
        unit: "ms",
        reference: None,
    },
    Spec {
        id: "db_size",
        figure: "database size per 100 000 complaints",
        target: "report it",
        limit: None,
        unit: "MB",
        reference: Some("the same data as CSV, per 100 000"),
    },
];

/// Below this a growth exponent is noise (timer, cache), never a finding.
const NOISE_FLOOR_MS: f64 = 1.0;

pub fn run(actor: &Actor, args: BenchArgs) -> Result<u8, Failed> {
    match args.sub {
        Some(cmd) => monev_cmd::bench(actor, cmd),
        None => suite(actor, args.suite),
    }
}

fn bad(json: bool, detail: String) -> Failed {
    (CoreError::BadRequest { detail }, json)
}

fn suite(actor: &Actor, a: SuiteArgs) -> Result<u8, Failed> {
    let json = a.json;
    let mut sizes = a.sizes.clone();
    if sizes.is_empty() || sizes.contains(&0) {
        return Err(bad(
            json,
            "--sizes: positive numbers, e.g. 10000,100000".into(),
        ));
    }
    sizes.sort_unstable();
    sizes.dedup();
    if let Some(id) = a.only.iter().find(|id| !SPECS.iter().any(|s| s.id == *id)) {
        let ids: Vec<&str> = SPECS.iter().map(|s| s.id).collect();
        return Err(bad(
            json,
            format!("--only: unknown figure {id:?} (one of {})", ids.join(", ")),
        ));
    }
    let cancel = Arc::new(AtomicBool::new(false));
    // A second Ctrl-C while the first is being honoured ends the process.
    let _ = signal_hook::flag::register_conditional_shutdown(
        signal_hook::consts::SIGINT,
        EXIT_CANCELLED as i32,
        cancel.clone(),
    );
    let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, cancel.clone());

    let throwaway = a.store.is_none();
    let dir = a.store.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("posko-bench-{}", std::process::id()))
    });
    let mut p = Posko::open(&dir, &OsKeychain::new(), Arc::new(SystemClock), true)
        .map_err(|e| (e, json))?;
    let store_id = p.store_id().to_owned();
    let out = measure_all(&mut p, actor, &a, &sizes, &dir, &cancel);
    drop(p);
    if throwaway {
        let _ = std::fs::remove_dir_all(&dir);
        let _ = OsKeychain::new().delete(&posko_core::db::key_account(&store_id));
    }
    let out = match out.map_err(|e| (e, json))? {
        Some(out) => out,
        None => {
            eprintln!("posko bench: dibatalkan (Ctrl-C); toko uji dihapus.");
            return Ok(EXIT_CANCELLED);
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("output types serialise")
        );
    } else {
        print!("{}", render(&out));
    }
    if let Some(file) = &a.write {
        write_section(file, &render(&out)).map_err(|e| {
            (
                CoreError::Io {
                    detail: format!("{}: {e}", file.display()),
                },
                json,
            )
        })?;
        if !json {
            eprintln!("ditulis ke {}", file.display());
        }
    }
    Ok(0)
}

/// Fill and measure every size; `None` when cancelled.
fn measure_all(
    p: &mut Posko,
    actor: &Actor,
    a: &SuiteArgs,
    sizes: &[u64],
    dir: &Path,
    cancel: &AtomicBool,
) -> Result<Option<BenchOut>, CoreError> {
    if p.setup_state()?.office.is_none() {
        p.init_office(
            "Puskesmas Sendana",
            "PKM-SENDANA",
            posko_domain::OfficeZone::Wib,
        )?;
    }
    let specs: Vec<&Spec> = SPECS
        .iter()
        .filter(|s| a.only.is_empty() || a.only.iter().any(|id| id == s.id))
        .collect();
    let mut rows: Vec<Row> = specs
        .iter()
        .map(|s| Row {
            id: s.id,
            figure: s.figure,
            target: s.target,
            limit: s.limit,
            unit: s.unit,
            reference: s.reference,
            points: vec![],
            growth: None,
            super_linear: false,
            met: None,
        })
        .collect();
    let mut fills = Vec::new();
    let runs = a.runs.max(1);
    for &size in sizes {
        eprintln!("posko bench: mengisi sampai {size} laporan…");
        let f = b::fill(p, size, a.seed, cancel, |n, of| {
            eprint!("\r  {n}/{of}");
        })?;
        eprintln!();
        if f.cancelled {
            return Ok(None);
        }
        fills.push(FillOut {
            size,
            added: f.added,
            seconds: f.seconds,
        });
        let open = b::open_deadlines(p)?;
        for (k, spec) in specs.iter().enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
            eprintln!("  {size}: {}", spec.figure);
            let complaints = b::complaint_count(p)?;
            let point = match spec.id {
                "intake" => pick(b::intake(p, actor, runs, 40)?, |s| s.p99),
                "register" => pick(b::register_page(p, actor, runs)?, |s| s.p95),
                "first_screens" => pick(b::first_screens(p, actor, runs)?, |s| s.p95),
                "register_due" => pick(b::register_due(p, actor, runs)?, |s| s.p95),
                "search" => pick(b::search(p, actor, runs)?, |s| s.p95),
                "indicators" => pick(b::indicators(p, actor, runs, false)?, |s| s.p50),
                "indicators_cold" => pick(b::indicators(p, actor, runs, true)?, |s| s.p50),
                "deadlines" => {
                    let mut m = b::holiday_recompute(p, actor, runs)?;
                    m.detail["open_deadlines"] = open.into();
                    pick(m, |s| s.p50)
                }
                "report" => pick(b::report(p, actor, runs)?, |s| s.p50),
                "db_size" => {
                    let s = b::size_on_disk(p)?;
                    let per =
                        |bytes: u64| bytes as f64 * 100_000.0 / complaints.max(1) as f64 / 1e6;
                    let (v, r) = (per(s.db_bytes), per(s.csv_bytes));
                    (v, Some(r), serde_json::to_value(&s).expect("serialises"))
                }
                other => unreachable!("{other}"),
            };
            let (value, reference, detail) = point;
            rows[k].points.push(Point {
                size,
                complaints,
                value,
                reference,
                ratio: reference.filter(|r| *r > 0.0).map(|r| value / r),
                detail,
            });
        }
    }
    for r in &mut rows {
        finish_row(r);
    }
    Ok(Some(BenchOut {
        date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        machine: machine(&std::fs::canonicalize(dir).unwrap_or_default()),
        sizes: sizes.to_vec(),
        runs,
        fills,
        rows,
    }))
}

fn pick(m: Measured, f: impl Fn(&b::Stats) -> f64) -> (f64, Option<f64>, serde_json::Value) {
    let mut detail = m.detail;
    detail["samples"] = m.stats.n.into();
    detail["max"] = m.stats.max.into();
    (f(&m.stats), m.reference.as_ref().map(f), detail)
}

/// Growth (of the total for a per-100 000 figure), the super-linear flag and
/// the target verdict at the largest size.
pub fn finish_row(r: &mut Row) {
    let per_100k = r.unit == "MB";
    let pts: Vec<(u64, f64)> = r
        .points
        .iter()
        .map(|p| {
            let v = if per_100k {
                p.value * p.complaints as f64 / 100_000.0
            } else {
                p.value
            };
            (p.complaints, v)
        })
        .collect();
    r.growth = b::growth(&pts);
    let last = r.points.last().map(|p| p.value).unwrap_or(0.0);
    r.super_linear = r
        .growth
        .is_some_and(|g| b::super_linear(g) && (per_100k || last >= NOISE_FLOOR_MS));
    r.met = r.limit.map(|l| last < l);
}

fn num(v: f64, unit: &str) -> String {
    let s = if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    format!("{s} {unit}")
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The table (Markdown) and the machine description, as printed and written.
pub fn render(o: &BenchOut) -> String {
    let mut s = String::new();
    let m = &o.machine;
    s.push_str(&format!(
        "Run of {}: `posko bench --sizes {} --runs {}` ({} build).\n\n",
        o.date,
        o.sizes
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        o.runs,
        m.profile
    ));
    s.push_str(&format!(
        "Machine: {} cores ({}), {:.1} GB RAM, disk {}, {}.\n\n",
        m.cores, m.cpu, m.ram_gb, m.disk, m.os
    ));
    s.push_str("| figure | target |");
    for n in &o.sizes {
        s.push_str(&format!(" {} |", thousands(*n)));
    }
    s.push_str(" reference (largest size) | ratio | growth | target met |\n|---|---|");
    for _ in &o.sizes {
        s.push_str("---|");
    }
    s.push_str("---|---|---|---|\n");
    for r in &o.rows {
        s.push_str(&format!("| {} | {} |", r.figure, r.target));
        for p in &r.points {
            s.push_str(&format!(" {} |", num(p.value, r.unit)));
        }
        let last = r.points.last();
        let reference = match (r.reference, last.and_then(|p| p.reference)) {
            (Some(what), Some(v)) => format!("{what}: {}", num(v, r.unit)),
            _ => "–".into(),
        };
        let ratio = last
            .and_then(|p| p.ratio)
            .map(|x| format!("{x:.2}×"))
            .unwrap_or_else(|| "–".into());
        let growth = match r.growth {
            Some(g) if r.super_linear => format!("n^{g:.2} **super-linear**"),
            Some(g) => format!("n^{g:.2}"),
            None => "–".into(),
        };
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        s.push_str(&format!(" {reference} | {ratio} | {growth} | {met} |\n"));
    }
    s.push('\n');
    for r in &o.rows {
        if let Some(p) = r.points.last() {
            let d = match r.id {
                "deadlines" => Some(format!(
                    "{} open deadlines recomputed per edit, {} due dates moved",
                    p.detail["open_deadlines"], p.detail["recomputed_deadlines"]
                )),
                "report" => Some(format!(
                    "{} pages, {} bytes",
                    p.detail["pages"], p.detail["bytes"]
                )),
                _ => None,
            };
            if let Some(d) = d {
                s.push_str(&format!("- {} at {}: {d}.\n", r.id, thousands(p.size)));
            }
        }
    }
    s.push_str(&format!(
        "- Fill (demo generator, every complaint through the core, commits not waiting for the disk): {}.\n",
        o.fills
            .iter()
            .map(|f| format!("{} added in {:.0} s", thousands(f.added), f.seconds))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s
}

pub const BEGIN: &str = "<!-- posko bench: begin (written by `posko bench --write`) -->";
pub const END: &str = "<!-- posko bench: end -->";

/// `doc` with its marked section replaced by `body`; without markers the
/// section is appended under its own heading. Nothing else changes.
pub fn splice(doc: &str, body: &str) -> String {
    let block = format!("{BEGIN}\n{}\n{END}", body.trim_end());
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(i), Some(j)) if j > i => format!("{}{block}{}", &doc[..i], &doc[j + END.len()..]),
        _ => {
            let mut out = doc.trim_end().to_owned();
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str("## Whole-app benchmark (`posko bench`)\n\n");
            out.push_str(&block);
            out.push('\n');
            out
        }
    }
}

fn write_section(file: &Path, body: &str) -> std::io::Result<()> {
    let doc = match std::fs::read_to_string(file) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let tmp = file.with_extension("md.part");
    std::fs::write(&tmp, splice(&doc, body))?;
    std::fs::rename(&tmp, file)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn machine(store: &Path) -> Machine {
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let ram_kb: f64 = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    // The mount holding the store: the longest mount point that prefixes it.
    let mounts = read("/proc/mounts");
    let disk = mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && store.starts_with(f[1])).then(|| (f[1].len(), f[0], f[2]))
        })
        .max_by_key(|m| m.0)
        .map(|(_, dev, fs)| {
            let name = dev.rsplit('/').next().unwrap_or(dev);
            // The kernel's rotational flag (virtual disks often say 1).
            let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
            let base = base
                .strip_suffix('p')
                .filter(|b| b.starts_with("nvme"))
                .unwrap_or(base);
            let kind = match read(&format!("/sys/block/{base}/queue/rotational")).trim() {
                "0" => ", SSD",
                "1" => ", rotational",
                _ => "",
            };
            format!("{fs} on {dev}{kind}")
        })
        .unwrap_or_else(|| "unknown".into());
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|s| s.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    Machine {
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        cpu,
        ram_gb: ram_kb / 1024.0 / 1024.0,
        disk,
        os,
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_marked_section() {
        let doc = format!(
            "# B\n\n## Sync\n\nkept\n\n## H\n\n{BEGIN}\nold\n{END}\n\n### Notes\n\nkept too\n"
        );
        let out = splice(&doc, "new table\n");
        assert_eq!(
            out,
            format!(
                "# B\n\n## Sync\n\nkept\n\n## H\n\n{BEGIN}\nnew table\n{END}\n\n### Notes\n\nkept too\n"
            )
        );
        assert_eq!(splice(&out, "new table"), out, "idempotent");
    }

    #[test]
    fn splice_appends_a_section_when_there_is_none() {
        let out = splice("# B\n\n## Sync\n\nkept\n", "t");
        assert!(out.starts_with("# B\n\n## Sync\n\nkept\n\n## Whole-app benchmark"));
        assert!(out.ends_with(&format!("{BEGIN}\nt\n{END}\n")));
        assert_eq!(splice(&out, "u").matches(BEGIN).count(), 1);
    }

    fn row(unit: &'static str, limit: Option<f64>, pts: &[(u64, f64)]) -> Row {
        let mut r = Row {
            id: "x",
            figure: "x",
            target: "x",
            limit,
            unit,
            reference: None,
            points: pts
                .iter()
                .map(|(n, v)| Point {
                    size: *n,
                    complaints: *n,
                    value: *v,
                    reference: None,
                    ratio: None,
                    detail: serde_json::json!({}),
                })
                .collect(),
            growth: None,
            super_linear: false,
            met: None,
        };
        finish_row(&mut r);
        r
    }

    #[test]
    fn rows_flag_super_linear_growth_and_missed_targets() {
        let r = row("ms", Some(20.0), &[(10_000, 2.0), (100_000, 60.0)]);
        assert!(r.super_linear);
        assert_eq!(r.met, Some(false));
        let r = row("ms", Some(20.0), &[(10_000, 2.0), (100_000, 15.0)]);
        assert!(!r.super_linear);
        assert_eq!(r.met, Some(true));
        // Sub-millisecond figures: an exponent there is timer noise.
        let r = row("ms", Some(5.0), &[(10_000, 0.01), (100_000, 0.5)]);
        assert!(!r.super_linear);
        // Per 100 000: constant size per complaint is linear growth of the total.
        let r = row("MB", None, &[(10_000, 80.0), (100_000, 80.0)]);
        assert!((r.growth.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(r.met, None);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(300), "300");
        assert_eq!(thousands(10_000), "10 000");
        assert_eq!(thousands(1_000_000), "1 000 000");
    }
}
