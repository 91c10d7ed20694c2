//! Exports to Excel and CSV from the CLI (issue 8): `posko monev export`,
//! `posko visit export`, and the progress and file writing shared with
//! `posko complaint export`. The file is written whole or not at all (a
//! temporary file next to it, renamed at the end); progress goes to stderr
//! when stderr is a terminal (never into `--json` output or error JSON).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use posko_core::clock::SystemClock;
use posko_core::export::{ExportControl, ExportProgress, VisitExportQuery, export_to_path};
use posko_core::import::{ExportFile, FileFormat};
use posko_core::keychain::OsKeychain;
use posko_core::monev::MonevQuery;
use posko_core::{Actor, CoreError, Posko};
use serde::Serialize;

use crate::monev_cmd::Failed;

/// What an export printed with `--json`.
#[derive(Serialize)]
pub struct Exported {
    pub out: String,
    pub format: FileFormat,
    pub rows: u64,
    pub bytes: u64,
    pub identities: bool,
}

/// Progress on stderr, at most five times a second, when it is a terminal.
pub fn stderr_progress(what: &'static str) -> impl FnMut(ExportProgress) {
    let tty = std::io::stderr().is_terminal();
    let mut last: Option<Instant> = None;
    move |p: ExportProgress| {
        if !tty {
            return;
        }
        let end = p.done >= p.total;
        if !end && last.is_some_and(|t| t.elapsed() < Duration::from_millis(200)) {
            return;
        }
        last = Some(Instant::now());
        let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
        let mut e = std::io::stderr();
        let _ = write!(e, "\r{what}: {} / {} baris ({pct}%)", p.done, p.total);
        if end {
            let _ = writeln!(e);
        }
        let _ = e.flush();
    }
}

/// The format named by `--out`'s extension.
pub fn format_of(out: &Path) -> Result<FileFormat, CoreError> {
    FileFormat::from_name(&out.to_string_lossy()).ok_or_else(|| CoreError::BadRequest {
        detail: "--out must end in .csv or .xlsx".into(),
    })
}

/// Build with progress on stderr and write `out` whole or not at all.
pub fn write_export(
    out: &Path,
    what: &'static str,
    build: impl FnOnce(&mut ExportControl<'_>) -> Result<ExportFile, CoreError>,
) -> Result<ExportFile, CoreError> {
    let mut ctl = ExportControl::new(stderr_progress(what), None);
    export_to_path(out, &mut ctl, build)
}

pub fn print_exported(out: &Path, file: &ExportFile, json: bool, what: &str) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Exported {
                out: out.display().to_string(),
                format: file.format,
                rows: file.rows,
                bytes: file.size(),
                identities: file.identities,
            })
            .expect("output types serialise")
        );
    } else {
        println!("{} {what} -> {}", file.rows, out.display());
    }
}

fn open(dir: &Path) -> Result<Posko, CoreError> {
    Posko::open(dir, &OsKeychain::new(), Arc::new(SystemClock), false)
}

/// `posko monev export`.
pub fn monev_export(
    dir: &Path,
    actor: &Actor,
    query: MonevQuery,
    out: PathBuf,
    json: bool,
) -> Result<u8, Failed> {
    let wrap = |e| (e, json);
    let format = format_of(&out).map_err(wrap)?;
    let p = open(dir).map_err(wrap)?;
    let file = write_export(&out, "Ekspor indikator", |ctl| {
        p.monev_export(actor, &query, format, ctl)
    })
    .map_err(wrap)?;
    print_exported(&out, &file, json, "baris indikator");
    Ok(0)
}

/// `posko visit export`.
pub fn visits_export(
    dir: &Path,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<String>,
    out: PathBuf,
    json: bool,
) -> Result<u8, Failed> {
    let wrap = |e| (e, json);
    let format = format_of(&out).map_err(wrap)?;
    let p = open(dir).map_err(wrap)?;
    let q = VisitExportQuery {
        from,
        to,
        unit_code: unit,
    };
    let file = write_export(&out, "Ekspor kunjungan", |ctl| {
        p.visits_export(actor, &q, format, ctl)
    })
    .map_err(wrap)?;
    print_exported(&out, &file, json, "kunjungan");
    Ok(0)
}
