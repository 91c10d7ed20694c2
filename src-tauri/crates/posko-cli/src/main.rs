//! `posko`: the headless command line over posko-core. Its command names,
//! flags and `--json` output are a public interface (see README): keep them stable.
//!
//! Exit codes: 0 success; 2 the input or the store refused the request (the
//! error is printed, as `{"error": {code, message, fields}}` on stderr with
//! `--json`); 1 anything else.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use base64::Engine as _;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use posko_core::audit::{AuditAction, AuditFilter, AuditFormat};
use posko_core::clock::SystemClock;
use posko_core::import::{FileFormat, ImportMapping, ImportMode};
use posko_core::keychain::OsKeychain;
use posko_core::model::{
    AttachmentInput, ComplaintFilter, ComplaintInput, DeadlineQuery, FollowUpDecision,
    FollowUpInput, SortOrder, TransitionInput,
};
use posko_core::sync::plan::PlanOptions;
use posko_core::{Actor, CoreError, Lang, Posko};
use posko_domain::{Action, Channel, Kind, OfficeZone, Status};

mod bench_cmd;
mod export_cmd;
mod monev_cmd;

#[derive(Parser)]
#[command(name = "posko", version, about = "Posko: meja pengaduan luring (CLI)")]
struct Cli {
    /// Store directory (default: the user's data directory, or $POSKO_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Language of messages: id (default) or en.
    #[arg(long, global = true, value_name = "LANG")]
    lang: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create the encrypted store and the office (unit).
    Init {
        #[arg(long)]
        unit_name: String,
        #[arg(long)]
        unit_code: String,
        /// WIB, WITA or WIT.
        #[arg(long, default_value = "WIB")]
        zone: String,
        #[arg(long)]
        json: bool,
    },
    /// Record, list, show and move complaints.
    #[command(subcommand)]
    Complaint(ComplaintCmd),
    /// Full-text search of the register.
    Search {
        text: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// The due date N working days after a date, on this store's calendar.
    Deadline {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        #[arg(long)]
        working_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Fill the store with realistic synthetic complaints.
    Demo {
        #[arg(long, default_value_t = 200)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Spread receipts over this many days before today.
        #[arg(long, default_value_t = 365)]
        days: i64,
        #[arg(long)]
        json: bool,
    },
    /// Holiday table.
    #[command(subcommand)]
    Holidays(HolidaysCmd),
    /// PDF reports: the period monev report, the visit report, the complaint
    /// sheet (lembar pengaduan), verification.
    #[command(subcommand)]
    Report(monev_cmd::ReportCmd),
    /// Monev indicators (the dashboard's numbers), SK tim, rencana aksi.
    #[command(subcommand)]
    Monev(monev_cmd::MonevCmd),
    /// Field visits (kunjungan monev) with their checklists (instrumen).
    #[command(subcommand)]
    Visit(monev_cmd::VisitCmd),
    /// Benchmarks: without a subcommand the whole-app benchmark (one table,
    /// docs/benchmarks.md); `posko bench report` and the other subcommands.
    Bench(bench_cmd::BenchArgs),
    /// Send reports to SP4N-LAPOR! and bring back their status (one run).
    /// Exit code 3 when the run ended with reports still unsent or unchecked.
    Sync {
        #[command(subcommand)]
        cmd: Option<SyncCmd>,
        /// Retry now ("Sinkronkan sekarang"): also send reports waiting on their
        /// back-off after a failed attempt. A server's Retry-After (429) is still honoured.
        #[arg(long)]
        ignore_backoff: bool,
        #[arg(long)]
        json: bool,
    },
    /// Connection to SP4N-LAPOR!: address and credentials.
    #[command(subcommand)]
    Lapor(LaporCmd),
    /// Encrypted backups of the store: take one now, list, restore.
    #[command(subcommand)]
    Backup(BackupCmd),
    /// The whole store as one file encrypted with a passphrase (read from
    /// standard input), to move it to another machine.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Read the passphrase (at least 12 characters) from the first line of stdin.
        #[arg(long, required = true)]
        passphrase_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Create the store in --data-dir from an export file (a new key in this
    /// machine's keychain). Refused if the folder holds a store with data.
    Import {
        file: PathBuf,
        #[arg(long, required = true)]
        passphrase_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// The audit log: list, verify the hash chain, export.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The recovery key: make a new one, or open the store with it when the
    /// keychain entry is lost.
    #[command(subcommand)]
    Recovery(RecoveryCmd),
    /// The store key.
    #[command(subcommand)]
    Key(KeyCmd),
    /// A person's data (UU 27/2022): find it by NIK or phone, export it,
    /// erase the identity from closed complaints, apply the retention period.
    #[command(subcommand)]
    Subject(SubjectCmd),
}

#[derive(Args)]
struct WhoArgs {
    /// The person's NIK (16 digits).
    #[arg(long, conflicts_with = "phone", required_unless_present = "phone")]
    nik: Option<String>,
    /// The person's phone number (any usual form: 0812..., +62812...).
    #[arg(long)]
    phone: Option<String>,
}

impl WhoArgs {
    fn query(&self) -> posko_core::subject::SubjectQuery {
        posko_core::subject::SubjectQuery {
            nik: self.nik.clone(),
            phone: self.phone.clone(),
        }
    }
}

#[derive(Subcommand)]
enum SubjectCmd {
    /// The complaints that hold this person's identity.
    Find {
        #[command(flatten)]
        who: WhoArgs,
        #[arg(long)]
        json: bool,
    },
    /// Everything held about the person, unmasked, as JSON (attachments
    /// included) or PDF (by the extension of --out). Recorded in the audit log.
    Export {
        #[command(flatten)]
        who: WhoArgs,
        #[arg(long, value_name = "FILE.json|FILE.pdf")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Erase the person's identity from their closed complaints (open ones
    /// are listed and left). Recorded on each timeline and in the audit log.
    Erase {
        #[command(flatten)]
        who: WhoArgs,
        /// Why: the request, its letter number...
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Erase identities of complaints closed longer ago than the retention
    /// period (security settings: identity_retention_days; 0 = keep).
    Retention {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Newest first, with filters.
    List {
        /// sign_in, sign_in_failed, identity_view, export, print, setting_change, ...
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<NaiveDate>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<NaiveDate>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Walk the hash chain; exit 3 and the first broken row if it does not hold.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// The whole log, oldest first, as CSV or JSON (to stdout or --out).
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RecoveryCmd {
    /// Make a new recovery key (the old one stops working) and print it once.
    Create {
        #[arg(long)]
        json: bool,
    },
    /// Open the store with the recovery key read from stdin, and file the
    /// store key in this machine's keychain again.
    Open {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Re-encrypt the store (and its backups) under a new random key.
    Rotate {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BackupCmd {
    /// Take the day's encrypted copy now (kind daily).
    Now {
        #[arg(long)]
        json: bool,
    },
    /// Every backup, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Check a backup (key, integrity, schema) and put it in place of the
    /// store; the replaced state is kept as a pre-restore backup.
    Restore {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SyncCmd {
    /// The outbox: counts by state, last run, what is waiting and why.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum LaporCmd {
    /// Set the national service's base URL (https, or http on this machine for the simulator).
    Configure {
        #[arg(long, value_name = "URL")]
        base_url: String,
        /// Header that carries `Bearer <key>` (default Authorization).
        #[arg(long)]
        auth_header: Option<String>,
        /// This unit's institution id on LAPOR! (sender of follow-ups).
        #[arg(long)]
        institution_id: Option<String>,
        /// The server has no lookup by reference tag: uncertain sends wait for a person.
        #[arg(long)]
        no_search: bool,
        #[arg(long)]
        timeout_secs: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Read the API key (first line) and token (second line) from standard input
    /// into the OS keychain. They are never written to the store or a file.
    Credentials,
}

#[derive(Subcommand)]
enum ComplaintCmd {
    /// Record a complaint from a JSON file (or - for standard input). Prints {"id", "register_no"}.
    Add {
        #[arg(long, value_name = "FILE|-")]
        json: String,
    },
    /// List the register with the same filters as the app.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// One complaint with deadlines, timeline and follow-ups.
    Show {
        id: i64,
        /// Show identity numbers unmasked.
        #[arg(long)]
        reveal: bool,
        #[arg(long)]
        json: bool,
    },
    /// Apply a workflow action (verify, route, finish, ...).
    Transition {
        id: i64,
        action: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Draft a follow-up (tindak lanjut) of a routed or followed-up complaint;
    /// with --approve it is also approved (and queued for SP4N-LAPOR!).
    /// Prints {"follow_up_id", "complaint_id", "state"}.
    FollowUp {
        id: i64,
        #[arg(long)]
        content: String,
        /// Reply template code (e.g. terima-kasih).
        #[arg(long)]
        template: Option<String>,
        #[arg(long)]
        approve: bool,
        #[arg(long)]
        json: bool,
    },
    /// Approve a drafted follow-up (queued for SP4N-LAPOR!), or return it for
    /// rework with --return and a --note.
    Decide {
        follow_up_id: i64,
        #[arg(long = "return")]
        send_back: bool,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Attach a file (JPEG, PNG, WebP or PDF, recognised by content) to a complaint.
    Attach {
        id: i64,
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Import complaints from a CSV or Excel (.xlsx) file: all or nothing; rows
    /// imported before are skipped. --check only reads and reports.
    Import {
        file: PathBuf,
        /// Check the file and report what an import would do; store nothing.
        #[arg(long)]
        check: bool,
        /// Read FIELD from COLUMN (repeatable): FIELD is a field code
        /// (received_date, channel, kind, topic, title, description,
        /// reporter_name, nik, phone, address, anonymous, secret, reference)
        /// or its template header; COLUMN is the file's header text, its
        /// 1-based number, or - (not imported). Other fields keep the
        /// proposed mapping, and a column mapped to no field is not imported.
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Undo the last import: removes the complaints it recorded, only while
    /// none of them changed and no register number was issued after them.
    ImportUndo {
        #[arg(long)]
        json: bool,
    },
    /// Export the register (same filters as `list`, every page) to CSV or Excel.
    Export {
        /// FILE.csv or FILE.xlsx
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// Write the import template (header row and one example row).
    Template {
        /// FILE.csv or FILE.xlsx
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum HolidaysCmd {
    /// Import holidays from CSV (date,name,kind,source); recomputes open deadlines.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List the holiday table.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct FilterArgs {
    /// Status code; repeat for several (received, verified, routed, in_follow_up, ...).
    #[arg(long = "status")]
    statuses: Vec<String>,
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    topic: Option<i64>,
    #[arg(long)]
    overdue: bool,
    #[arg(long)]
    open: bool,
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<NaiveDate>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<NaiveDate>,
    #[arg(long)]
    text: Option<String>,
    /// newest, oldest, due_soonest, relevance
    #[arg(long, default_value = "newest")]
    sort: String,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long, default_value_t = 0)]
    offset: u32,
}

struct Failure {
    err: CoreError,
    json: bool,
}

impl From<CoreError> for Failure {
    fn from(err: CoreError) -> Self {
        Failure { err, json: false }
    }
}

fn bad(detail: impl Into<String>) -> CoreError {
    CoreError::BadRequest {
        detail: detail.into(),
    }
}

fn parse_code<T>(what: &str, s: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, CoreError> {
    f(s).ok_or_else(|| bad(format!("unknown {what} '{s}'")))
}

fn filter_from(a: FilterArgs) -> Result<ComplaintFilter, CoreError> {
    Ok(ComplaintFilter {
        statuses: a
            .statuses
            .iter()
            .map(|s| parse_code("status", s, Status::from_code))
            .collect::<Result<_, _>>()?,
        kind: a
            .kind
            .as_deref()
            .map(|k| parse_code("kind", k, Kind::from_code))
            .transpose()?,
        channel: a
            .channel
            .as_deref()
            .map(|c| parse_code("channel", c, Channel::from_code))
            .transpose()?,
        topic_id: a.topic,
        overdue_only: a.overdue,
        open_only: a.open,
        from: a.from,
        to: a.to,
        text: a.text,
        sort: serde_json::from_value(serde_json::Value::String(a.sort.clone()))
            .map_err(|_| bad(format!("unknown sort '{}'", a.sort)))?,
        offset: a.offset,
        limit: a.limit,
    })
}

fn print_json(v: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("output types serialise")
    );
}

/// `posko sync` ran, but some reports are still unsent or need checking.
const EXIT_SYNC_INCOMPLETE: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure { err, json }) => {
            if json {
                eprintln!("{}", serde_json::json!({ "error": err.payload(lang) }));
            } else {
                eprintln!("posko: {}", err.message(lang));
                for f in err.payload(lang).fields {
                    eprintln!("  - {}: {}", f.field, f.message);
                }
            }
            match err {
                CoreError::Database { .. } | CoreError::Io { .. } => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
    }
}

/// A passphrase or recovery key: the first line of stdin, never an argument
/// (arguments show in process lists and shell history).
fn read_secret_line() -> Result<zeroize::Zeroizing<String>, CoreError> {
    let mut input = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(CoreError::io)?;
    let line = input.lines().next().unwrap_or("");
    Ok(zeroize::Zeroizing::new(
        line.trim_end_matches('\r').to_owned(),
    ))
}

fn open(dir: &std::path::Path, create: bool) -> Result<Posko, CoreError> {
    Posko::open(dir, &OsKeychain::new(), Arc::new(SystemClock), create)
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let dir = cli
        .data_dir
        .unwrap_or_else(posko_core::paths::default_data_dir);
    let actor = Actor::system();
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default();
    let with_json = |json: bool| move |err: CoreError| Failure { err, json };
    let monev_failed = |(err, json)| Failure { err, json };
    match cli.cmd {
        Cmd::Report(c) => return monev_cmd::report(&dir, &actor, c).map_err(monev_failed),
        Cmd::Monev(c) => return monev_cmd::monev(&dir, &actor, c).map_err(monev_failed),
        Cmd::Visit(c) => return monev_cmd::visit(&dir, &actor, c).map_err(monev_failed),
        Cmd::Bench(c) => return bench_cmd::run(&actor, c).map_err(monev_failed),
        Cmd::Init {
            unit_name,
            unit_code,
            zone,
            json,
        } => {
            let wrap = with_json(json);
            let zone = parse_code("zone", &zone, OfficeZone::from_code).map_err(wrap)?;
            let mut p = open(&dir, true).map_err(wrap)?;
            p.init_office(&unit_name, &unit_code, zone).map_err(wrap)?;
            let office = p.office_settings().map_err(wrap)?;
            // At setup Posko makes the recovery key; this is the only time it is shown.
            let rk = p.create_recovery_key(&actor).map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({
                    "store_dir": dir,
                    "office": office,
                    "recovery_key": { "secret": rk.secret, "fingerprint": rk.fingerprint },
                }));
            } else {
                println!(
                    "Posko siap: {} ({}) di {}",
                    office.unit_name,
                    office.unit_code,
                    dir.display()
                );
                println!();
                for line in p.recovery_sheet(&rk, lang) {
                    println!("{line}");
                }
            }
        }
        Cmd::Complaint(ComplaintCmd::Add { json: file }) => {
            let wrap = with_json(true);
            let text = if file == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| wrap(CoreError::io(e)))?;
                s
            } else {
                std::fs::read_to_string(&file).map_err(|e| wrap(CoreError::io(e)))?
            };
            let input: ComplaintInput =
                serde_json::from_str(&text).map_err(|e| wrap(bad(e.to_string())))?;
            let mut p = open(&dir, false).map_err(wrap)?;
            let created = p.create_complaint(&actor, input).map_err(wrap)?;
            print_json(&created);
        }
        Cmd::Complaint(ComplaintCmd::List { filter, json }) => {
            let wrap = with_json(json);
            let f = filter_from(filter).map_err(wrap)?;
            let p = open(&dir, false).map_err(wrap)?;
            let page = p.list_complaints(&actor, &f).map_err(wrap)?;
            if json {
                print_json(&page);
            } else {
                for r in &page.rows {
                    println!(
                        "{:>6}  {:<24} {}  {:<18} {}",
                        r.id,
                        r.register_no,
                        r.received_date,
                        r.status.code(),
                        r.title
                    );
                }
                println!("({} dari {})", page.rows.len(), page.total);
            }
        }
        Cmd::Complaint(ComplaintCmd::Import {
            file,
            check,
            map,
            json,
        }) => {
            let wrap = with_json(json);
            let bytes = std::fs::read(&file).map_err(|e| wrap(CoreError::io(e)))?;
            let mut p = open(&dir, false).map_err(wrap)?;
            let mode = if check {
                ImportMode::Check
            } else {
                ImportMode::Apply
            };
            let name = file.to_string_lossy();
            let mapping = if map.is_empty() {
                ImportMapping::ByName
            } else {
                let header = posko_core::import::file_header(&bytes, &name).map_err(wrap)?;
                posko_core::import::mapping_from_args(&header, &map).map_err(wrap)?
            };
            let r = p
                .import_complaints_mapped(&actor, &bytes, &name, mode, &mapping)
                .map_err(wrap)?;
            if !json && (check || !r.errors.is_empty()) {
                for c in &r.mapping {
                    let field = c.field.map(|f| f.code()).unwrap_or("-");
                    println!(
                        "kolom {:>2}  {:<24} -> {:<14} {}",
                        c.index + 1,
                        c.header,
                        field,
                        c.samples.join(" | ")
                    );
                }
            }
            if json {
                print_json(&r);
            } else {
                for e in &r.errors {
                    eprintln!("  - {}", e.message);
                }
                for i in &r.items {
                    let what = match (&i.register_no, &i.already) {
                        (Some(reg), _) => format!("baru {reg}"),
                        (None, Some(reg)) => format!("sudah diimpor ({reg})"),
                        (None, None) => "baru".to_owned(),
                    };
                    let dup = if i.duplicates.is_empty() {
                        String::new()
                    } else {
                        let regs: Vec<&str> = i
                            .duplicates
                            .iter()
                            .map(|d| d.register_no.as_str())
                            .collect();
                        format!("  mirip: {}", regs.join(", "))
                    };
                    println!("baris {:>4}  {:<28} {}{dup}", i.row, what, i.title);
                }
                println!(
                    "{} baris: {} baru, {} sudah diimpor, {} dengan kemungkinan duplikat, {} masalah{}",
                    r.rows,
                    r.new,
                    r.already_imported,
                    r.with_duplicates,
                    r.errors.len(),
                    if r.applied {
                        "; disimpan"
                    } else {
                        "; tidak disimpan"
                    }
                );
            }
            if !r.errors.is_empty() {
                return Ok(2);
            }
        }
        Cmd::Complaint(ComplaintCmd::ImportUndo { json }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let r = p.undo_last_import(&actor).map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "Impor {} ({}) diurungkan: {} laporan dihapus: {}",
                    r.batch.file_name,
                    r.batch.at.format("%Y-%m-%d %H:%M UTC"),
                    r.removed,
                    r.register_nos.join(", ")
                );
                for c in &r.counters {
                    println!("nomor register {} kembali ke {}", c.year, c.last);
                }
            }
        }
        Cmd::Complaint(ComplaintCmd::Export { out, filter, json }) => {
            let wrap = with_json(json);
            let format = FileFormat::from_name(&out.to_string_lossy())
                .ok_or_else(|| wrap(bad("--out must end in .csv or .xlsx")))?;
            let f = filter_from(filter).map_err(wrap)?;
            let p = open(&dir, false).map_err(wrap)?;
            let file = export_cmd::write_export(&out, "Ekspor register", |ctl| {
                p.export_register_with(&actor, &f, format, ctl)
            })
            .map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({
                    "out": out,
                    "format": format,
                    "rows": file.rows,
                    "bytes": file.size(),
                    "identities": file.identities,
                }));
            } else {
                println!("{} laporan -> {}", file.rows, out.display());
            }
        }
        Cmd::Complaint(ComplaintCmd::Template { out }) => {
            let format = FileFormat::from_name(&out.to_string_lossy())
                .ok_or_else(|| bad("--out must end in .csv or .xlsx"))?;
            let p = open(&dir, false)?;
            let file = p.import_template(format)?;
            std::fs::write(&out, &file.bytes).map_err(CoreError::io)?;
            println!("{}", out.display());
        }
        Cmd::Complaint(ComplaintCmd::Show { id, reveal, json }) => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let d = p.complaint_detail(&actor, id, reveal).map_err(wrap)?;
            if json {
                print_json(&d);
            } else {
                println!("{}  {}  [{}]", d.register_no, d.title, d.status.code());
                for dl in &d.deadlines {
                    println!(
                        "  {:<24} {} ({} hari kerja) {:?}",
                        dl.step.code(),
                        dl.due_date,
                        dl.working_days,
                        dl.remaining_days
                    );
                }
                for e in &d.events {
                    println!("  {} {} {}", e.at, e.actor_name, e.kind);
                }
            }
        }
        Cmd::Complaint(ComplaintCmd::Transition {
            id,
            action,
            note,
            json,
        }) => {
            let wrap = with_json(json);
            let action = parse_code("action", &action, Action::from_code).map_err(wrap)?;
            let mut p = open(&dir, false).map_err(wrap)?;
            let to = p
                .transition(
                    &actor,
                    &TransitionInput {
                        complaint_id: id,
                        action,
                        note,
                        assigned_to: None,
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({ "id": id, "status": to }));
            } else {
                println!("{id}: {}", to.code());
            }
        }
        Cmd::Complaint(ComplaintCmd::FollowUp {
            id,
            content,
            template,
            approve,
            json,
        }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let fid = p
                .add_follow_up(
                    &actor,
                    &FollowUpInput {
                        complaint_id: id,
                        content,
                        template_code: template,
                    },
                )
                .map_err(wrap)?;
            if approve {
                p.decide_follow_up(
                    &actor,
                    &FollowUpDecision {
                        follow_up_id: fid,
                        approve: true,
                        note: None,
                    },
                )
                .map_err(wrap)?;
            }
            let state = if approve { "approved" } else { "draft" };
            if json {
                print_json(
                    &serde_json::json!({ "follow_up_id": fid, "complaint_id": id, "state": state }),
                );
            } else {
                println!("{id}: tindak lanjut {fid} ({state})");
            }
        }
        Cmd::Complaint(ComplaintCmd::Decide {
            follow_up_id,
            send_back,
            note,
            json,
        }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            p.decide_follow_up(
                &actor,
                &FollowUpDecision {
                    follow_up_id,
                    approve: !send_back,
                    note,
                },
            )
            .map_err(wrap)?;
            let state = if send_back { "returned" } else { "approved" };
            if json {
                print_json(&serde_json::json!({ "follow_up_id": follow_up_id, "state": state }));
            } else {
                println!("tindak lanjut {follow_up_id}: {state}");
            }
        }
        Cmd::Complaint(ComplaintCmd::Attach { id, file, json }) => {
            let wrap = with_json(json);
            let data = std::fs::read(&file).map_err(|e| wrap(CoreError::io(e)))?;
            let file_name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut p = open(&dir, false).map_err(wrap)?;
            let aid = p
                .add_attachment(
                    &actor,
                    &AttachmentInput {
                        complaint_id: id,
                        file_name,
                        data_base64: base64::engine::general_purpose::STANDARD.encode(&data),
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({ "attachment_id": aid, "complaint_id": id }));
            } else {
                println!("{id}: lampiran {aid}");
            }
        }
        Cmd::Search { text, limit, json } => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let f = ComplaintFilter {
                text: Some(text),
                sort: SortOrder::Relevance,
                limit,
                ..Default::default()
            };
            let page = p.list_complaints(&actor, &f).map_err(wrap)?;
            if json {
                print_json(&page);
            } else {
                for r in &page.rows {
                    println!("{:>6}  {:<24} {}", r.id, r.register_no, r.title);
                }
                println!("({} ditemukan)", page.total);
            }
        }
        Cmd::Deadline {
            from,
            working_days,
            json,
        } => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let a = p
                .deadline(DeadlineQuery { from, working_days })
                .map_err(wrap)?;
            if json {
                print_json(&a);
            } else {
                println!("{}", a.due);
            }
        }
        Cmd::Demo {
            count,
            seed,
            days,
            json,
        } => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let quiet = json || count < 1000;
            let r = posko_core::demo::generate(&mut p, count, seed, days, |n| {
                if !quiet {
                    eprint!("\r{n}/{count}");
                }
            })
            .map_err(wrap)?;
            if !quiet {
                eprintln!();
            }
            if json {
                print_json(
                    &serde_json::json!({ "created": r.created, "first": r.first_register_no, "last": r.last_register_no }),
                );
            } else {
                println!(
                    "{} laporan contoh dibuat ({} … {})",
                    r.created,
                    r.first_register_no.unwrap_or_default(),
                    r.last_register_no.unwrap_or_default()
                );
            }
        }
        Cmd::Holidays(HolidaysCmd::Import { file, json }) => {
            let wrap = with_json(json);
            let text = std::fs::read_to_string(&file).map_err(|e| wrap(CoreError::io(e)))?;
            let mut p = open(&dir, false).map_err(wrap)?;
            let r = p.import_holidays_csv(&actor, &text).map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "{} ditambahkan, {} diganti, {} tenggat dihitung ulang",
                    r.added, r.replaced, r.recomputed_deadlines
                );
            }
        }
        Cmd::Sync {
            cmd: None,
            ignore_backoff,
            json,
        } => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let api = p.lapor_client(&OsKeychain::new()).map_err(wrap)?;
            let opts = PlanOptions {
                retry_now: ignore_backoff,
            };
            let r = p.sync_run_with(&api, None, opts).map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "terkirim {}, dicocokkan {}, dicoba lagi nanti {}, perlu dicek {}, karantina {}, status diperbarui {}",
                    r.sent, r.adopted, r.retried, r.unknown, r.quarantined, r.pulled
                );
                if r.remote_follow_ups + r.reporter_replies + r.conflicts + r.pull_failed > 0 {
                    println!(
                        "dari LAPOR!: tindak lanjut {}, balasan pelapor {}, perbedaan perlu diputuskan {}, gagal dibaca {}",
                        r.remote_follow_ups, r.reporter_replies, r.conflicts, r.pull_failed
                    );
                }
                if r.stopped.is_some() {
                    println!("berhenti: kunci API atau token ditolak server (401)");
                }
                if r.clock_warning {
                    println!(
                        "peringatan: jam komputer berbeda {} detik dari jam server",
                        r.clock_skew_secs.unwrap_or_default()
                    );
                }
            }
            if r.has_failures() {
                return Ok(EXIT_SYNC_INCOMPLETE);
            }
        }
        Cmd::Sync {
            cmd: Some(SyncCmd::Status { json }),
            ..
        } => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let st = p.sync_status().map_err(wrap)?;
            if json {
                print_json(&st);
            } else {
                let c = &st.counts;
                println!(
                    "{}: belum terkirim {}, sedang dikirim {}, perlu dicek {}, terkirim {}, karantina {}, dilewati {}",
                    st.base_url.as_deref().unwrap_or("(LAPOR! belum diatur)"),
                    c.pending,
                    c.sending,
                    c.unknown,
                    c.sent,
                    c.quarantined,
                    c.skipped
                );
                for q in &st.queue {
                    let why = if q.waiting_for_report {
                        "menunggu laporannya terkirim ke LAPOR! (atau ID laporannya diisi)"
                    } else {
                        q.last_error.as_deref().unwrap_or("")
                    };
                    println!(
                        "  {}  {:<12} {} {}",
                        q.register_no,
                        q.state.code(),
                        q.last_error_code.as_deref().unwrap_or(""),
                        why
                    );
                }
            }
        }
        Cmd::Lapor(LaporCmd::Configure {
            base_url,
            auth_header,
            institution_id,
            no_search,
            timeout_secs,
            json,
        }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let mut s = p.lapor_settings().map_err(wrap)?;
            s.base_url = Some(base_url.trim().to_owned());
            if let Some(h) = auth_header {
                s.auth_header = h;
            }
            if institution_id.is_some() {
                s.institution_id = institution_id;
            }
            s.search_supported = !no_search;
            if let Some(t) = timeout_secs {
                s.timeout_secs = t;
            }
            p.set_lapor_settings(&actor, &s).map_err(wrap)?;
            if json {
                print_json(&s);
            } else {
                println!("LAPOR!: {}", s.base_url.as_deref().unwrap_or_default());
            }
        }
        Cmd::Lapor(LaporCmd::Credentials) => {
            let wrap = with_json(false);
            let p = open(&dir, false).map_err(wrap)?;
            let mut input = zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| wrap(CoreError::io(e)))?;
            let mut lines = input.lines().map(str::trim).filter(|l| !l.is_empty());
            let (key, token) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
            p.set_lapor_credentials(&actor, &OsKeychain::new(), key, token)
                .map_err(wrap)?;
            println!("Kunci API dan token tersimpan di brankas kunci sistem.");
        }
        Cmd::Export {
            out,
            passphrase_stdin: _,
            json,
        } => {
            let wrap = with_json(json);
            let pass = read_secret_line().map_err(wrap)?;
            let p = open(&dir, false).map_err(wrap)?;
            let r = p.export_store(&actor, &out, &pass).map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "{} ({} laporan, {} bita)",
                    r.path.display(),
                    r.complaints,
                    r.bytes
                );
            }
        }
        Cmd::Import {
            file,
            passphrase_stdin: _,
            json,
        } => {
            let wrap = with_json(json);
            let pass = read_secret_line().map_err(wrap)?;
            let (_p, r) = Posko::import_store(
                &dir,
                &file,
                &pass,
                &OsKeychain::new(),
                Arc::new(SystemClock),
            )
            .map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "Diimpor ke {} ({} laporan dari {}). Buat kunci pemulihan baru: posko recovery create",
                    dir.display(),
                    r.complaints,
                    r.unit_code
                );
            }
        }
        Cmd::Audit(AuditCmd::List {
            action,
            actor: who,
            from,
            to,
            limit,
            json,
        }) => {
            let wrap = with_json(json);
            let action = action
                .as_deref()
                .map(|a| parse_code("audit action", a, AuditAction::from_code))
                .transpose()
                .map_err(wrap)?;
            let p = open(&dir, false).map_err(wrap)?;
            let f = AuditFilter {
                from,
                to,
                action,
                actor: who,
                offset: 0,
                limit,
            };
            let page = p.audit_log(&actor, &f).map_err(wrap)?;
            if json {
                print_json(&page);
            } else {
                for e in &page.rows {
                    println!(
                        "{:>6}  {}  {:<16} {:<20} {}:{} {}",
                        e.id,
                        e.at,
                        e.actor_name,
                        e.action.code(),
                        e.entity.as_deref().unwrap_or("-"),
                        e.entity_id.as_deref().unwrap_or("-"),
                        e.detail
                    );
                }
                println!("({} dari {})", page.rows.len(), page.total);
            }
        }
        Cmd::Audit(AuditCmd::Verify { json }) => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let v = p.audit_verify(&actor).map_err(wrap)?;
            if json {
                print_json(&v);
            } else if v.ok {
                println!("Log audit utuh: {} baris.", v.rows);
            } else {
                println!(
                    "Log audit RUSAK mulai baris {} ({:?}).",
                    v.first_broken.unwrap_or_default(),
                    v.reason
                );
            }
            if !v.ok {
                return Ok(EXIT_SYNC_INCOMPLETE);
            }
        }
        Cmd::Audit(AuditCmd::Export { format, out }) => {
            let wrap = with_json(false);
            let format = match format.as_str() {
                "csv" => AuditFormat::Csv,
                "json" => AuditFormat::Json,
                other => return Err(wrap(bad(format!("unknown format '{other}'")))),
            };
            let p = open(&dir, false).map_err(wrap)?;
            let e = p
                .audit_export(&actor, format, &AuditFilter::default())
                .map_err(wrap)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &e.content).map_err(|x| wrap(CoreError::io(x)))?;
                    eprintln!("{} baris ke {}", e.rows, path.display());
                }
                None => print!("{}", e.content),
            }
        }
        Cmd::Recovery(RecoveryCmd::Create { json }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let rk = p.create_recovery_key(&actor).map_err(wrap)?;
            if json {
                print_json(
                    &serde_json::json!({ "secret": rk.secret, "fingerprint": rk.fingerprint }),
                );
            } else {
                for line in p.recovery_sheet(&rk, lang) {
                    println!("{line}");
                }
            }
        }
        Cmd::Recovery(RecoveryCmd::Open { json }) => {
            let wrap = with_json(json);
            let key = read_secret_line().map_err(wrap)?;
            let p = Posko::open_with_recovery_key(
                &dir,
                &OsKeychain::new(),
                Arc::new(SystemClock),
                &key,
            )
            .map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({ "store_id": p.store_id(), "reopened": true }));
            } else {
                println!(
                    "Data dibuka dengan kunci pemulihan; kuncinya tersimpan lagi di brankas kunci sistem."
                );
            }
        }
        Cmd::Key(KeyCmd::Rotate { json }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let r = p.rotate_key(&actor, &OsKeychain::new()).map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "Kunci basis data diganti; {} cadangan dienkripsi ulang.",
                    r.backups_rekeyed
                );
            }
        }
        Cmd::Backup(BackupCmd::Now { json }) => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let b = p.backup_now(&actor).map_err(wrap)?;
            if json {
                print_json(&b);
            } else {
                println!("{} ({} bita)", b.path.display(), b.bytes);
            }
        }
        Cmd::Backup(BackupCmd::List { json }) => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let list = p.list_backups(&actor).map_err(wrap)?;
            if json {
                print_json(&serde_json::json!({ "backups": list }));
            } else {
                for b in &list {
                    println!(
                        "{:<14} {}  {:>10}  {}",
                        b.kind.prefix(),
                        b.taken_at,
                        b.bytes,
                        b.name
                    );
                }
                println!("({} cadangan)", list.len());
            }
        }
        Cmd::Backup(BackupCmd::Restore { file, json }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            // A bare name is one of this store's backups.
            let path = if file.components().count() == 1 && !file.exists() {
                p.backup_path(&file.to_string_lossy()).map_err(wrap)?
            } else {
                file
            };
            let r = p.restore_backup(&actor, &path).map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "Dipulihkan dari {} ({} laporan). Keadaan sebelumnya disimpan di {}.",
                    r.restored, r.complaints, r.safety_copy.name
                );
            }
        }
        Cmd::Subject(SubjectCmd::Find { who, json }) => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let l = p.subject_lookup(&actor, &who.query()).map_err(wrap)?;
            if json {
                print_json(&l);
            } else {
                for c in &l.cases {
                    println!(
                        "{:<28} {}  {:<18} {}",
                        c.register_no,
                        c.received_date,
                        c.status.code(),
                        if c.is_open { "terbuka" } else { "ditutup" }
                    );
                }
                println!(
                    "({} laporan, {} dapat dihapus identitasnya)",
                    l.cases.len(),
                    l.erasable
                );
            }
        }
        Cmd::Subject(SubjectCmd::Export { who, out, json }) => {
            use posko_core::subject::{SubjectExportInput, SubjectFormat};
            let wrap = with_json(json);
            let format = match out.extension().and_then(|e| e.to_str()) {
                Some(e) if e.eq_ignore_ascii_case("pdf") => SubjectFormat::Pdf,
                Some(e) if e.eq_ignore_ascii_case("json") => SubjectFormat::Json,
                _ => return Err(wrap(bad("--out must end in .json or .pdf".to_owned()))),
            };
            let p = open(&dir, false).map_err(wrap)?;
            let r = p
                .export_subject(
                    &actor,
                    &SubjectExportInput {
                        query: who.query(),
                        format,
                    },
                    &out,
                )
                .map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "{} laporan ke {} ({} bita)",
                    r.complaints,
                    r.path.display(),
                    r.bytes
                );
            }
        }
        Cmd::Subject(SubjectCmd::Erase { who, reason, json }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let r = p
                .erase_subject(
                    &actor,
                    &posko_core::subject::SubjectEraseInput {
                        query: who.query(),
                        reason,
                    },
                )
                .map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "Identitas dihapus dari {} laporan: {}",
                    r.erased.len(),
                    r.erased.join(", ")
                );
                if !r.still_open.is_empty() {
                    println!("Masih terbuka, tidak diubah: {}", r.still_open.join(", "));
                }
            }
        }
        Cmd::Subject(SubjectCmd::Retention { json }) => {
            let wrap = with_json(json);
            let mut p = open(&dir, false).map_err(wrap)?;
            let r = p.apply_retention(&actor).map_err(wrap)?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "Identitas dihapus dari {} laporan (masa retensi).",
                    r.erased.len()
                );
            }
        }
        Cmd::Holidays(HolidaysCmd::List { json }) => {
            let wrap = with_json(json);
            let p = open(&dir, false).map_err(wrap)?;
            let h = p.holidays().map_err(wrap)?;
            if json {
                print_json(&h);
            } else {
                for x in h.holidays {
                    println!("{}  {:<13} {}", x.date, x.kind.code(), x.name);
                }
            }
        }
    }
    Ok(0)
}
