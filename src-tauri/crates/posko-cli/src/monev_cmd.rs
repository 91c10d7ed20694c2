//! `posko report …`, `posko monev …`, `posko visit …` and `posko bench report`:
//! the monev part of the CLI (issue 5). Same conventions as the rest of the
//! CLI: `--json` output is a public interface, errors exit 2 (with
//! `{"error": {...}}` on stderr under `--json`), and `posko report verify`
//! exits 4 when the report does not match the data.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use chrono::NaiveDate;
use clap::Subcommand;
use posko_core::clock::SystemClock;
use posko_core::keychain::OsKeychain;
use posko_core::model::IdInput;
use posko_core::monev::{ActionItemInput, DrilldownInput, MonevQuery, TeamDecreeInput};
use posko_core::reports::{ComplaintSheetInput, MonevReportInput, ReportFile, VisitReportInput};
use posko_core::visits::{
    InstrumentImport, RankingQuery, UnitInput, VisitCorrection, VisitFilter, VisitInput,
    VisitPhotoInput,
};
use posko_core::{Actor, CoreError, Posko};
use serde::Serialize;

/// `posko report verify`: the report does not match the data in this store.
pub const EXIT_REPORT_MISMATCH: u8 = 4;

pub type Failed = (CoreError, bool);

#[derive(Subcommand)]
pub enum ReportCmd {
    /// The period monev report (PDF) for all units, or those named with --unit.
    Monev {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Unit code; repeat for several (default: every unit).
        #[arg(long = "unit", value_name = "CODE")]
        units: Vec<String>,
        /// Date printed and signed (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
        /// Place of signing (default: from the office address).
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The visit report (berita acara kunjungan) of one visit (PDF).
    Visit {
        #[arg(long)]
        id: i64,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Date printed and signed (default: the visit's date).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The complaint sheet (lembar pengaduan) of one complaint (PDF): facts,
    /// deadlines, reporter (the CLI acts as admin: in full, none for anonim),
    /// the whole history, follow-ups, signature blocks.
    Complaint {
        /// The complaint's id (as `posko complaint list` shows it).
        id: i64,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Date printed and signed (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
        /// Place of signing (default: from the office address).
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check a report made by Posko against this store's data: exit 0 when it
    /// matches, 4 when it does not (the data changed or the file is not that report).
    Verify {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum MonevCmd {
    /// The indicators of a period (the dashboard's numbers).
    Indicators {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        #[arg(long = "unit", value_name = "CODE")]
        units: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The indicators of a period as Excel (.xlsx: one sheet per table) or
    /// CSV (one section per table): counts only, labels in the store's language.
    Export {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        #[arg(long = "unit", value_name = "CODE")]
        units: Vec<String>,
        #[arg(long, value_name = "FILE.xlsx|FILE.csv")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The complaints behind one number: --cell is a cell as JSON, e.g.
    /// '{"metric":"late","key":"penyelesaian"}' or '{"metric":"kind","key":"aspirasi"}'.
    Complaints {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        #[arg(long = "unit", value_name = "CODE")]
        units: Vec<String>,
        #[arg(long, value_name = "JSON")]
        cell: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Record the decree (SK) forming a unit's complaint team.
    Decree {
        #[arg(long = "unit", value_name = "CODE")]
        unit: String,
        #[arg(long)]
        number: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
        #[arg(long, default_value = "")]
        title: String,
        #[arg(long)]
        json: bool,
    },
    /// Add (or with --id update) an item of a unit's action plan (rencana aksi).
    Action {
        #[arg(long)]
        id: Option<i64>,
        #[arg(long = "unit", value_name = "CODE")]
        unit: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        action: String,
        #[arg(long, default_value = "")]
        owner: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<NaiveDate>,
        /// 0–100 percent.
        #[arg(long, default_value_t = 0)]
        progress: u8,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum VisitCmd {
    /// The instruments this store knows (shipped and imported).
    Instruments {
        #[arg(long)]
        json: bool,
    },
    /// Import an instrument (TOML); a bad one is refused with the reason.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Register a unit to visit (or rename one).
    Unit {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Create or save a draft visit from a JSON `VisitInput` (FILE or - for stdin). Prints the visit.
    Save {
        #[arg(long, value_name = "FILE|-")]
        json: String,
    },
    /// Finish a visit: locks it and stores its score.
    Finish {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Correct a finished visit from a JSON `VisitInput` with a reason (recorded).
    Correct {
        #[arg(long, value_name = "FILE|-")]
        json: String,
        #[arg(long)]
        reason: String,
    },
    /// Add a photo (JPEG, PNG, WebP) as evidence, for an item or the whole visit.
    Photo {
        id: i64,
        file: PathBuf,
        #[arg(long)]
        item: Option<String>,
        #[arg(long, default_value = "")]
        caption: String,
        /// Needed when the visit is finished.
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One visit with answers, scores, zone and corrections.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Visits, newest first.
    List {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<NaiveDate>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<NaiveDate>,
        #[arg(long = "unit", value_name = "CODE")]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The visits of a period (drafts and finished) as Excel or CSV: one row
    /// per visit (scores per section, zone, team) and one per answer.
    Export {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        #[arg(long = "unit", value_name = "CODE")]
        unit: Option<String>,
        #[arg(long, value_name = "FILE.xlsx|FILE.csv")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Units ranked by their latest finished visit with an instrument in a period.
    Ranking {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        #[arg(long)]
        instrument: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Time the period report: fills a fresh store in DIR with N demo complaints
    /// (once; kept for the next run), then makes the report over all of them.
    Report {
        /// The store to fill and use (it is created when missing).
        #[arg(long)]
        store: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        complaints: u64,
        /// Runs to time (the best and the median are printed).
        #[arg(long, default_value_t = 5)]
        runs: u32,
        /// Also write the report there.
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Time the register search: fills a store in DIR with N complaints
    /// (rows and search index, once; kept for the next run), then times
    /// typical searches (stemming on) and prints p50/p95, the indexing cost
    /// per complaint and a LIKE scan of the same text for comparison.
    Search {
        #[arg(long)]
        store: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        complaints: u64,
        /// Times each query is run.
        #[arg(long, default_value_t = 10)]
        runs: u32,
        /// Skip the LIKE scans (slow at a million rows).
        #[arg(long)]
        no_like: bool,
        /// Full intakes to time after the searches (they stay in the store).
        #[arg(long, default_value_t = 20)]
        intakes: u32,
        #[arg(long)]
        json: bool,
    },
}

fn open(dir: &Path, create: bool) -> Result<Posko, CoreError> {
    Posko::open(dir, &OsKeychain::new(), Arc::new(SystemClock), create)
}

fn print_json(v: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("output types serialise")
    );
}

fn bad(detail: impl Into<String>) -> CoreError {
    CoreError::BadRequest {
        detail: detail.into(),
    }
}

fn read_input(file: &str) -> Result<String, CoreError> {
    if file == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(CoreError::io)?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).map_err(CoreError::io)
    }
}

/// Write atomically: a half-written PDF never replaces a good one.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes).map_err(CoreError::io)?;
    std::fs::rename(&tmp, path).map_err(CoreError::io)
}

#[derive(Serialize)]
struct Written<'a> {
    out: String,
    #[serde(flatten)]
    file: &'a ReportFile,
}

fn written(out: &Path, file: &ReportFile, json: bool) {
    if json {
        print_json(&Written {
            out: out.display().to_string(),
            file,
        });
    } else {
        println!(
            "{}: {} halaman, nomor {}, SHA-256 data {}",
            out.display(),
            file.pages,
            file.doc_no,
            file.sha256
        );
        for w in &file.warnings {
            println!("  peringatan: {w}");
        }
    }
}

/// Open the store, make one PDF with `make`, write it to `out` whole, print
/// what was written (the three PDF subcommands differ only in `make`).
fn save_pdf(
    dir: &Path,
    out: &Path,
    json: bool,
    make: impl FnOnce(&Posko) -> Result<(ReportFile, Vec<u8>), CoreError>,
) -> Result<(), Failed> {
    let wrap = |e| (e, json);
    let p = open(dir, false).map_err(wrap)?;
    let (file, bytes) = make(&p).map_err(wrap)?;
    write_file(out, &bytes).map_err(wrap)?;
    written(out, &file, json);
    Ok(())
}

pub fn report(dir: &Path, actor: &Actor, cmd: ReportCmd) -> Result<u8, Failed> {
    match cmd {
        ReportCmd::Monev {
            from,
            to,
            out,
            units,
            date,
            place,
            json,
        } => {
            let input = MonevReportInput {
                from,
                to,
                units,
                doc_date: date,
                place,
            };
            save_pdf(dir, &out, json, |p| p.monev_report(actor, &input))?;
        }
        ReportCmd::Visit {
            id,
            out,
            date,
            place,
            json,
        } => {
            let input = VisitReportInput {
                id,
                doc_date: date,
                place,
            };
            save_pdf(dir, &out, json, |p| p.visit_report(actor, &input))?;
        }
        ReportCmd::Complaint {
            id,
            out,
            date,
            place,
            json,
        } => {
            let input = ComplaintSheetInput {
                id,
                doc_date: date,
                place,
            };
            save_pdf(dir, &out, json, |p| p.complaint_sheet(actor, &input))?;
        }
        ReportCmd::Verify { file, json } => {
            let wrap = |e| (e, json);
            let bytes = std::fs::read(&file).map_err(|e| wrap(CoreError::io(e)))?;
            let p = open(dir, false).map_err(wrap)?;
            let v = p.verify_report_bytes(actor, &bytes).map_err(wrap)?;
            if json {
                print_json(&v);
            } else if v.matches {
                println!(
                    "COCOK: {} sesuai dengan data (SHA-256 {}).",
                    v.doc_no, v.actual_sha256
                );
            } else {
                println!(
                    "TIDAK COCOK: {} dibuat dari data dengan SHA-256 {}, data sekarang {}.",
                    v.doc_no, v.claimed_sha256, v.actual_sha256
                );
            }
            if !v.matches {
                return Ok(EXIT_REPORT_MISMATCH);
            }
        }
    }
    Ok(0)
}

pub fn monev(dir: &Path, actor: &Actor, cmd: MonevCmd) -> Result<u8, Failed> {
    match cmd {
        MonevCmd::Indicators {
            from,
            to,
            units,
            json,
        } => {
            let wrap = |e| (e, json);
            let p = open(dir, false).map_err(wrap)?;
            let i = p
                .monev_indicators(actor, &MonevQuery { from, to, units })
                .map_err(wrap)?;
            if json {
                print_json(&i);
            } else {
                let c = &i.complaints;
                println!("Periode {from} s.d. {to}, {} unit", i.units.len());
                for (label, n) in [
                    ("diterima", &c.received),
                    ("terverifikasi", &c.verified),
                    ("didisposisikan", &c.routed),
                    ("ditindaklanjuti", &c.followed_up),
                    ("selesai", &c.finished),
                    ("dalam proses", &c.in_process),
                    ("diarsipkan", &c.archived),
                    ("anonim", &c.anonymous),
                    ("rahasia", &c.secret),
                ] {
                    println!(
                        "  {label:<16} {:>8}  {}",
                        n.value,
                        n.pct.map(|p| format!("{p}%")).unwrap_or_default()
                    );
                }
                for d in &c.deadlines {
                    println!(
                        "  {:<22} tepat waktu {:>6}, terlambat {:>6}, belum jatuh tempo {:>6}",
                        d.step.code(),
                        d.on_time.value,
                        d.late.value,
                        d.pending.value
                    );
                }
                println!(
                    "  hari kerja ke tindak lanjut pertama: median {:?}, p90 {:?}; ke penutupan: median {:?}, p90 {:?}",
                    c.days_to_first_follow_up.median,
                    c.days_to_first_follow_up.p90,
                    c.days_to_close.median,
                    c.days_to_close.p90
                );
                println!(
                    "  petugas aktif {} dari {} akun",
                    i.staff.active, i.staff.accounts
                );
            }
        }
        MonevCmd::Export {
            from,
            to,
            units,
            out,
            json,
        } => {
            return crate::export_cmd::monev_export(
                dir,
                actor,
                MonevQuery { from, to, units },
                out,
                json,
            );
        }
        MonevCmd::Complaints {
            from,
            to,
            units,
            cell,
            limit,
            json,
        } => {
            let wrap = |e| (e, json);
            let cell =
                serde_json::from_str(&cell).map_err(|e| wrap(bad(format!("--cell: {e}"))))?;
            let p = open(dir, false).map_err(wrap)?;
            let d = p
                .monev_drilldown(
                    actor,
                    &DrilldownInput {
                        query: MonevQuery { from, to, units },
                        cell,
                        offset: 0,
                        limit,
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&d);
            } else {
                for r in &d.rows {
                    println!(
                        "{:>6}  {:<24} {}  {}",
                        r.id, r.register_no, r.received_date, r.title
                    );
                }
                println!(
                    "({} dari {}; {} rahasia tidak ditampilkan)",
                    d.rows.len(),
                    d.total,
                    d.hidden_secret
                );
            }
        }
        MonevCmd::Decree {
            unit,
            number,
            date,
            title,
            json,
        } => {
            let wrap = |e| (e, json);
            let mut p = open(dir, false).map_err(wrap)?;
            let g = p
                .save_team_decree(
                    actor,
                    &TeamDecreeInput {
                        unit_code: unit,
                        number,
                        date,
                        title,
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&g);
            } else {
                println!("{}: SK tim tersimpan", g.unit.code);
            }
        }
        MonevCmd::Action {
            id,
            unit,
            year,
            action,
            owner,
            due,
            progress,
            json,
        } => {
            let wrap = |e| (e, json);
            let mut p = open(dir, false).map_err(wrap)?;
            let a = p
                .save_action_item(
                    actor,
                    &ActionItemInput {
                        id,
                        unit_code: unit,
                        year,
                        action,
                        owner,
                        due_date: due,
                        progress,
                        note: String::new(),
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&a);
            } else {
                println!("rencana aksi {}: {} ({}%)", a.id, a.action, a.progress);
            }
        }
    }
    Ok(0)
}

pub fn visit(dir: &Path, actor: &Actor, cmd: VisitCmd) -> Result<u8, Failed> {
    match cmd {
        VisitCmd::Instruments { json } => {
            let wrap = |e| (e, json);
            let p = open(dir, false).map_err(wrap)?;
            let list = p.instruments(actor).map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({ "instruments": list }));
            } else {
                for i in &list {
                    println!(
                        "{:<30} v{:<3} {:>3} butir  {}",
                        i.id, i.version, i.items, i.title
                    );
                }
            }
        }
        VisitCmd::Import { file, json } => {
            let wrap = |e| (e, json);
            let source = std::fs::read_to_string(&file).map_err(|e| wrap(CoreError::io(e)))?;
            let mut p = open(dir, false).map_err(wrap)?;
            let i = p
                .import_instrument(actor, &InstrumentImport { source })
                .map_err(wrap)?;
            if json {
                print_json(&i);
            } else {
                println!("instrumen {} v{} tersimpan", i.id, i.version);
            }
        }
        VisitCmd::Unit { code, name, json } => {
            let wrap = |e| (e, json);
            let mut p = open(dir, false).map_err(wrap)?;
            let u = p
                .save_unit(actor, &UnitInput { code, name })
                .map_err(wrap)?;
            if json {
                print_json(&u);
            } else {
                println!("{}: {}", u.code, u.name);
            }
        }
        VisitCmd::Save { json: file } => {
            let wrap = |e| (e, true);
            let input: VisitInput = serde_json::from_str(&read_input(&file).map_err(wrap)?)
                .map_err(|e| wrap(bad(e.to_string())))?;
            let mut p = open(dir, false).map_err(wrap)?;
            let v = p.save_visit(actor, &input).map_err(wrap)?;
            print_json(&v);
        }
        VisitCmd::Finish { id, json } => {
            let wrap = |e| (e, json);
            let mut p = open(dir, false).map_err(wrap)?;
            let v = p.finish_visit(actor, &IdInput { id }).map_err(wrap)?;
            if json {
                print_json(&v);
            } else {
                println!(
                    "kunjungan {}: selesai, nilai {:?} ({})",
                    v.id,
                    v.score.total,
                    v.score.zone.map(|z| z.label).unwrap_or_default()
                );
            }
        }
        VisitCmd::Correct { json: file, reason } => {
            let wrap = |e| (e, true);
            let visit: VisitInput = serde_json::from_str(&read_input(&file).map_err(wrap)?)
                .map_err(|e| wrap(bad(e.to_string())))?;
            let mut p = open(dir, false).map_err(wrap)?;
            let v = p
                .correct_visit(actor, &VisitCorrection { visit, reason })
                .map_err(wrap)?;
            print_json(&v);
        }
        VisitCmd::Photo {
            id,
            file,
            item,
            caption,
            reason,
            json,
        } => {
            let wrap = |e| (e, json);
            let data = std::fs::read(&file).map_err(|e| wrap(CoreError::io(e)))?;
            let file_name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut p = open(dir, false).map_err(wrap)?;
            let m = p
                .add_visit_photo(
                    actor,
                    &VisitPhotoInput {
                        visit_id: id,
                        item_id: item,
                        file_name,
                        caption,
                        data_base64: base64::engine::general_purpose::STANDARD.encode(&data),
                        reason,
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&m);
            } else {
                println!("kunjungan {id}: foto {}", m.id);
            }
        }
        VisitCmd::Show { id, json } => {
            let wrap = |e| (e, json);
            let p = open(dir, false).map_err(wrap)?;
            let v = p.visit(actor, &IdInput { id }).map_err(wrap)?;
            if json {
                print_json(&v);
            } else {
                println!(
                    "{} {}  {} v{}  [{}]  nilai {:?} {}",
                    v.unit.code,
                    v.visit_date,
                    v.instrument.id,
                    v.instrument.version,
                    v.state.code(),
                    v.score.total,
                    v.score.zone.map(|z| z.label).unwrap_or_default()
                );
                for s in &v.score.sections {
                    println!("  {:<30} {:?}", s.title, s.score);
                }
                for c in &v.corrections {
                    println!(
                        "  koreksi {} {}: {} → {} ({})",
                        c.at, c.field, c.old_value, c.new_value, c.reason
                    );
                }
            }
        }
        VisitCmd::Export {
            from,
            to,
            unit,
            out,
            json,
        } => {
            return crate::export_cmd::visits_export(dir, actor, from, to, unit, out, json);
        }
        VisitCmd::List {
            from,
            to,
            unit,
            json,
        } => {
            let wrap = |e| (e, json);
            let p = open(dir, false).map_err(wrap)?;
            let rows = p
                .list_visits(
                    actor,
                    &VisitFilter {
                        from,
                        to,
                        unit_code: unit,
                        ..Default::default()
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({ "visits": rows }));
            } else {
                for r in &rows {
                    println!(
                        "{:>5}  {}  {:<16} {:<28} {:<6} {:?}",
                        r.id,
                        r.visit_date,
                        r.unit_code,
                        r.instrument_id,
                        r.state.code(),
                        r.score_total
                    );
                }
            }
        }
        VisitCmd::Ranking {
            from,
            to,
            instrument,
            json,
        } => {
            let wrap = |e| (e, json);
            let p = open(dir, false).map_err(wrap)?;
            let r = p
                .unit_ranking(
                    actor,
                    &RankingQuery {
                        from,
                        to,
                        instrument_id: instrument,
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                for u in &r.units {
                    println!(
                        "{:>3}. {:<16} {:>6.2}  {:<12} {}",
                        u.rank, u.unit_code, u.total, u.zone_label, u.category
                    );
                }
            }
        }
    }
    Ok(0)
}

#[derive(Serialize)]
struct BenchResult {
    complaints: u64,
    pages: u32,
    bytes: u64,
    runs: u32,
    /// Indicators alone (the dashboard), milliseconds.
    indicators_ms_best: f64,
    /// The whole report: indicators, layout and PDF, milliseconds.
    report_ms_best: f64,
    report_ms_median: f64,
}

pub fn bench(actor: &Actor, cmd: BenchCmd) -> Result<u8, Failed> {
    let (store, complaints, runs, out, json) = match cmd {
        BenchCmd::Report {
            store,
            complaints,
            runs,
            out,
            json,
        } => (store, complaints, runs, out, json),
        BenchCmd::Search {
            store,
            complaints,
            runs,
            no_like,
            intakes,
            json,
        } => return bench_search(&store, complaints, runs, !no_like, intakes, json),
    };
    let wrap = |e| (e, json);
    let mut p = open(&store, true).map_err(wrap)?;
    if p.setup_state().map_err(wrap)?.office.is_none() {
        p.init_office(
            "Puskesmas Sendana",
            "PKM-SENDANA",
            posko_domain::OfficeZone::Wib,
        )
        .map_err(wrap)?;
    }
    let have: i64 = p
        .connection()
        .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))
        .map_err(|e| wrap(CoreError::from(e)))?;
    if (have as u64) < complaints {
        let missing = complaints - have as u64;
        if !json {
            eprintln!("mengisi {missing} laporan contoh (sekali saja)…");
        }
        posko_core::demo::generate(&mut p, missing, 7, 365, |n| {
            if !json && n % 5000 == 0 {
                eprint!("\r{n}/{missing}");
            }
        })
        .map_err(wrap)?;
        if !json {
            eprintln!();
        }
    }
    let today = p.today();
    let input = MonevReportInput {
        from: today - chrono::Duration::days(366),
        to: today,
        units: vec![],
        doc_date: Some(today),
        place: None,
    };
    posko_core::reports::warm_up();
    let q = MonevQuery {
        from: input.from,
        to: input.to,
        units: vec![],
    };
    let mut ind_best = f64::MAX;
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let i = p.monev_indicators(actor, &q).map_err(wrap)?;
        ind_best = ind_best.min(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(i);
        let t = Instant::now();
        let r = p.monev_report(actor, &input).map_err(wrap)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let (file, bytes) = last.expect("at least one run");
    if let Some(out) = &out {
        write_file(out, &bytes).map_err(wrap)?;
    }
    let res = BenchResult {
        complaints: p
            .connection()
            .query_row("SELECT count(*) FROM complaints", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| wrap(CoreError::from(e)))? as u64,
        pages: file.pages,
        bytes: bytes.len() as u64,
        runs: times.len() as u32,
        indicators_ms_best: ind_best,
        report_ms_best: times[0],
        report_ms_median: times[times.len() / 2],
    };
    if json {
        print_json(&res);
    } else {
        println!(
            "laporan monev: {} laporan, {} halaman, {} bita; indikator {:.0} ms, laporan penuh terbaik {:.0} ms, median {:.0} ms ({} kali)",
            res.complaints,
            res.pages,
            res.bytes,
            res.indicators_ms_best,
            res.report_ms_best,
            res.report_ms_median,
            res.runs
        );
    }
    Ok(0)
}

#[derive(Serialize)]
struct SearchBenchOut {
    #[serde(flatten)]
    bench: posko_core::search_bench::SearchBench,
    /// Indexing cost per complaint, measured while filling (µs), when this run filled.
    index_us_per_complaint: Option<f64>,
    fill_seconds: Option<f64>,
}

/// `posko bench search` (docs/benchmarks.md).
fn bench_search(
    store: &Path,
    complaints: u64,
    runs: u32,
    like: bool,
    intakes: u32,
    json: bool,
) -> Result<u8, Failed> {
    let wrap = |e| (e, json);
    let mut p = open(store, true).map_err(wrap)?;
    if p.setup_state().map_err(wrap)?.office.is_none() {
        p.init_office(
            "Puskesmas Sendana",
            "PKM-SENDANA",
            posko_domain::OfficeZone::Wib,
        )
        .map_err(wrap)?;
    }
    let have: i64 = p
        .connection()
        .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))
        .map_err(|e| wrap(CoreError::from(e)))?;
    let mut fill = None;
    if (have as u64) < complaints {
        let missing = complaints - have as u64;
        if !json {
            eprintln!("mengisi {missing} laporan (sekali saja)…");
        }
        let r = posko_core::search_bench::fill(&mut p, missing, 11, 365, |n| {
            if !json && n % 50_000 == 0 {
                eprint!("\r{n}/{missing}");
            }
        })
        .map_err(wrap)?;
        if !json {
            eprintln!();
        }
        fill = Some(r);
    }
    let bench = posko_core::search_bench::run(&mut p, runs, like, intakes).map_err(wrap)?;
    let res = SearchBenchOut {
        index_us_per_complaint: fill.as_ref().map(|f| f.index_us_per_complaint),
        fill_seconds: fill.as_ref().map(|f| f.seconds),
        bench,
    };
    if json {
        print_json(&res);
    } else {
        let b = &res.bench;
        for q in &b.queries {
            println!(
                "{:<28} {:>6} hasil{} {:>8.2} ms (maks {:.2}){}{}",
                q.query,
                q.total,
                if q.more { "+" } else { " " },
                q.ms_median,
                q.ms_max,
                q.like_ms
                    .map(|l| format!("; LIKE {l:.0} ms"))
                    .unwrap_or_default(),
                q.did_you_mean
                    .as_deref()
                    .map(|d| format!("; maksud Anda: {d}"))
                    .unwrap_or_default(),
            );
        }
        println!(
            "pencarian: {} laporan, {} kali per kueri; p50 {:.2} ms, p95 {:.2} ms, maks {:.2} ms; masukan penuh median {:.2} ms{}",
            b.complaints,
            b.runs,
            b.p50_ms,
            b.p95_ms,
            b.max_ms,
            b.intake_ms_median,
            res.index_us_per_complaint
                .map(|u| format!("; pengindeksan {u:.0} µs per laporan"))
                .unwrap_or_default()
        );
    }
    Ok(0)
}
