//! Exports to Excel and CSV (issue 8): the monev indicators of a period and
//! the field visits of a period, as typed tables (numbers stay numbers,
//! dates stay dates); and, for every export including the register's
//! (`import.rs`), progress, cancel and the file write.
//!
//! No Tauri here: a caller passes an [`ExportControl`] (a progress callback
//! and a cancel flag). The cancel flag is read every [`PROGRESS_EVERY`]
//! rows; a cancelled export returns [`CoreError::Cancelled`] and leaves no
//! file: [`export_to_path`] writes a temporary file next to the target and
//! renames it only when everything is written.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Datelike, NaiveDate};
use posko_domain::instrument::{Answer, AnswerType, answer_fraction};
use posko_domain::monev::{Cell, Count, DurationStats};
use posko_domain::role::Permission;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::app::{Posko, require};
use crate::error::{CoreError, CoreResult};
use crate::i18n::{Lang, t, t_with};
use crate::import::{ExportFile, FileFormat, csv_bytes};
use crate::model::{Actor, IdInput};
use crate::monev::{MonevIndicators, MonevQuery};
use crate::visits::{VisitFilter, VisitState, VisitView};

/// Progress is reported (and the cancel flag read) every this many rows.
pub const PROGRESS_EVERY: u64 = 200;

/// How far an export is: rows done of the rows to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportProgress {
    pub done: u64,
    pub total: u64,
}

/// What a caller hands an export: where progress goes, and a flag that
/// cancels it. [`ExportControl::none`] for neither.
pub struct ExportControl<'a> {
    on_progress: Option<Box<dyn FnMut(ExportProgress) + 'a>>,
    cancel: Option<&'a AtomicBool>,
    last: Option<u64>,
    /// Set by [`export_to_path`] while it builds: the file the export is
    /// for, so an export can stream into it instead of a buffer.
    target: Option<PathBuf>,
}

impl<'a> ExportControl<'a> {
    pub fn none() -> Self {
        ExportControl {
            on_progress: None,
            cancel: None,
            last: None,
            target: None,
        }
    }

    pub fn new(
        on_progress: impl FnMut(ExportProgress) + 'a,
        cancel: Option<&'a AtomicBool>,
    ) -> Self {
        ExportControl {
            on_progress: Some(Box::new(on_progress)),
            cancel,
            last: None,
            target: None,
        }
    }

    /// `Err(Cancelled)` once the flag is set.
    pub fn check(&self) -> CoreResult<()> {
        match self.cancel {
            Some(c) if c.load(Ordering::Relaxed) => Err(CoreError::Cancelled),
            _ => Ok(()),
        }
    }

    /// `done` rows of `total` are written: every [`PROGRESS_EVERY`] rows (and
    /// at the first and the last) the cancel flag is read and progress told.
    pub fn tick(&mut self, done: u64, total: u64) -> CoreResult<()> {
        let due = match self.last {
            None => true,
            Some(last) => done >= total || done >= last + PROGRESS_EVERY,
        };
        if !due || self.last == Some(done) {
            return Ok(());
        }
        self.check()?;
        self.last = Some(done);
        if let Some(f) = self.on_progress.as_mut() {
            f(ExportProgress { done, total });
        }
        Ok(())
    }
}

/// Build an export and write it to `path` so that a cancel or an error
/// never leaves a half-written file: the bytes go to a temporary file in
/// the same folder (`.NAME.part`), which is renamed onto `path` at the end
/// and removed on any failure. The cancel flag is read once more before
/// the rename.
///
/// While `build` runs, the control names `path`: the core's exports
/// (register, monev, visits) then write the file themselves (the register
/// streams its rows into `.NAME.part`, never the whole file in memory),
/// rename it, and only then write their audit `export` row; the
/// [`ExportFile`] they return has [`ExportFile::saved`] set and no bytes.
/// A `build` that returns bytes has them written here.
pub fn export_to_path(
    path: &Path,
    ctl: &mut ExportControl<'_>,
    build: impl FnOnce(&mut ExportControl<'_>) -> CoreResult<ExportFile>,
) -> CoreResult<ExportFile> {
    ctl.target = Some(path.to_path_buf());
    let built = build(ctl);
    ctl.target = None;
    let file = match built {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_file(partial_path(path));
            return Err(e);
        }
    };
    if file.saved.is_some() {
        return Ok(file);
    }
    ctl.check()?;
    let tmp = partial_path(path);
    let written = (|| -> CoreResult<()> {
        let mut f = std::fs::File::create(&tmp)?;
        for chunk in file.bytes.chunks(1 << 20) {
            f.write_all(chunk)?;
            ctl.check()?;
        }
        f.sync_all()?;
        drop(f);
        ctl.check()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(file)
}

/// Finish an export whose content is `write`'s: to the control's target
/// when [`export_to_path`] runs it (written to `.NAME.part`, the cancel
/// flag read, synced, renamed; then `record` writes the audit row, so a
/// cancelled or failed export records nothing, and a failed record removes
/// the file again), else into memory (then `record` runs before the caller
/// writes the bytes). `write` returns the rows it wrote.
pub(crate) fn deliver(
    ctl: &mut ExportControl<'_>,
    format: FileFormat,
    identities: bool,
    write: impl FnOnce(Dest, &mut ExportControl<'_>) -> CoreResult<(u64, Vec<u8>)>,
    record: impl FnOnce(u64) -> CoreResult<()>,
) -> CoreResult<ExportFile> {
    let Some(dest) = ctl.target.clone() else {
        let (rows, bytes) = write(Dest::Memory, ctl)?;
        record(rows)?;
        return Ok(ExportFile {
            format,
            bytes,
            rows,
            identities,
            saved: None,
        });
    };
    let tmp = partial_path(&dest);
    let written = (|| -> CoreResult<u64> {
        let (rows, _) = write(Dest::File(tmp.clone()), ctl)?;
        ctl.check()?;
        std::fs::File::open(&tmp)?.sync_all()?;
        ctl.check()?;
        std::fs::rename(&tmp, &dest)?;
        Ok(rows)
    })();
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let recorded = std::fs::metadata(&dest)
        .map_err(CoreError::from)
        .and_then(|m| record(rows).map(|()| m.len()));
    match recorded {
        Ok(size) => Ok(ExportFile {
            format,
            bytes: Vec::new(),
            rows,
            identities,
            saved: Some(size),
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&dest);
            Err(e)
        }
    }
}

/// Where [`deliver`]'s writer puts the file.
pub(crate) enum Dest {
    /// Return the bytes.
    Memory,
    /// Write this (temporary) file; return no bytes.
    File(PathBuf),
}

impl Dest {
    /// `bytes` made in memory (the small exports) to where they go.
    fn put(self, bytes: Vec<u8>) -> CoreResult<Vec<u8>> {
        match self {
            Dest::Memory => Ok(bytes),
            Dest::File(path) => {
                std::fs::write(path, &bytes)?;
                Ok(Vec::new())
            }
        }
    }
}

/// A sheet of text cells written row by row, never held whole: CSV
/// (UTF-8 BOM, `;`, CRLF, the cells quoted and defused as
/// [`crate::import::csv_bytes`]) through a buffered writer, or an .xlsx in
/// rust_xlsxwriter's constant-memory mode (each row goes to a temporary
/// file as it is written, in the export's own folder; the bold header,
/// column widths and frozen first row as [`crate::import::xlsx_bytes`];
/// every cell text, so NIK and phone numbers keep their digits and leading
/// zero).
pub(crate) struct TextSheet {
    out: SheetOut,
    dest: Dest,
    rows: u64,
}

enum SheetOut {
    CsvMemory(Vec<u8>),
    CsvFile(std::io::BufWriter<std::fs::File>),
    Xlsx {
        book: Box<rust_xlsxwriter::Workbook>,
        sheet: Box<rust_xlsxwriter::Worksheet>,
        next: u32,
    },
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> CoreError {
    CoreError::Io {
        detail: e.to_string(),
    }
}

impl TextSheet {
    pub(crate) fn create(
        format: FileFormat,
        dest: Dest,
        sheet_name: &str,
        header: &[String],
    ) -> CoreResult<TextSheet> {
        let out = match format {
            FileFormat::Csv => {
                let bom = "\u{feff}".as_bytes().to_vec();
                match &dest {
                    Dest::Memory => SheetOut::CsvMemory(bom),
                    Dest::File(path) => {
                        let mut w = std::io::BufWriter::with_capacity(
                            1 << 16,
                            std::fs::File::create(path)?,
                        );
                        w.write_all(&bom)?;
                        SheetOut::CsvFile(w)
                    }
                }
            }
            FileFormat::Xlsx => {
                let mut book = rust_xlsxwriter::Workbook::new();
                // The rows' temporary file next to the export (the folder the
                // user chose), not in the system's temp folder: a crash
                // leaves no copy of the register anywhere else.
                if let Dest::File(path) = &dest
                    && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                {
                    book.set_tempdir(dir).map_err(xlsx_err)?;
                }
                let mut sheet = book
                    .new_worksheet_with_constant_memory()
                    .map_err(xlsx_err)?;
                sheet.set_name(sheet_name).map_err(xlsx_err)?;
                for c in 0..header.len() {
                    sheet.set_column_width(c as u16, 18).map_err(xlsx_err)?;
                }
                sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
                SheetOut::Xlsx {
                    book: Box::new(book),
                    sheet: Box::new(sheet),
                    next: 0,
                }
            }
        };
        let mut s = TextSheet { out, dest, rows: 0 };
        s.write(header, true)?;
        Ok(s)
    }

    /// One row of cells.
    pub(crate) fn row(&mut self, cells: &[String]) -> CoreResult<()> {
        self.write(cells, false)?;
        self.rows += 1;
        Ok(())
    }

    fn write(&mut self, cells: &[String], header: bool) -> CoreResult<()> {
        match &mut self.out {
            SheetOut::CsvMemory(v) => {
                v.extend_from_slice(crate::import::csv_line(cells).as_bytes())
            }
            SheetOut::CsvFile(w) => w.write_all(crate::import::csv_line(cells).as_bytes())?,
            SheetOut::Xlsx { sheet, next, .. } => {
                let bold = header.then(|| rust_xlsxwriter::Format::new().set_bold());
                for (c, cell) in cells.iter().enumerate() {
                    // Excel's limit per cell is 32 767 characters.
                    let text: std::borrow::Cow<str> = if cell.len() > 32_767 {
                        cell.chars().take(32_767).collect::<String>().into()
                    } else {
                        cell.into()
                    };
                    if let Some(bold) = &bold {
                        sheet.write_string_with_format(*next, c as u16, text.as_ref(), bold)
                    } else {
                        sheet.write_string(*next, c as u16, text.as_ref())
                    }
                    .map_err(xlsx_err)?;
                }
                *next += 1;
            }
        }
        Ok(())
    }

    /// The rows written (the header not counted) and, in memory, the bytes.
    pub(crate) fn finish(self) -> CoreResult<(u64, Vec<u8>)> {
        let bytes = match self.out {
            SheetOut::CsvMemory(v) => v,
            SheetOut::CsvFile(w) => {
                w.into_inner().map_err(|e| e.into_error())?;
                Vec::new()
            }
            SheetOut::Xlsx {
                mut book, sheet, ..
            } => {
                book.push_worksheet(*sheet);
                match &self.dest {
                    Dest::Memory => book.save_to_buffer().map_err(xlsx_err)?,
                    Dest::File(path) => {
                        book.save(path).map_err(xlsx_err)?;
                        Vec::new()
                    }
                }
            }
        };
        Ok((self.rows, bytes))
    }
}

/// `.NAME.part` next to `path`.
pub fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    path.with_file_name(format!(".{name}.part"))
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// A number shown with two decimals.
    Num(f64),
    Date(NaiveDate),
    Empty,
}

impl Value {
    fn opt_num(v: Option<f64>) -> Value {
        v.map(Value::Num).unwrap_or(Value::Empty)
    }

    /// As text in a CSV for Indonesian Excel (`;` between cells): decimal
    /// comma, ISO dates.
    fn csv_text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Num(x) => {
                let s = format!("{x:.2}");
                let s = s.trim_end_matches('0').trim_end_matches('.');
                s.replace('.', ",")
            }
            Value::Date(d) => d.to_string(),
            Value::Empty => String::new(),
        }
    }

    fn width(&self) -> usize {
        match self {
            Value::Text(s) => s.chars().count(),
            Value::Int(_) | Value::Num(_) => 10,
            Value::Date(_) => 11,
            Value::Empty => 0,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

/// A table: one sheet of an .xlsx, one section of a CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Sheet name (at most 31 characters, no `[]:*?/\`).
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    fn new(name: String, header: Vec<String>) -> Table {
        Table {
            name,
            header,
            rows: Vec::new(),
        }
    }
}

fn rows_of(tables: &[Table]) -> u64 {
    tables.iter().map(|t| t.rows.len() as u64).sum()
}

/// Every table as one sheet: a bold header row on a light fill, frozen,
/// with a filter; integers and numbers as numbers (two decimals), dates as
/// Excel dates (`dd/mm/yyyy`); columns as wide as their content (at most 60).
pub fn tables_xlsx(tables: &[Table], ctl: &mut ExportControl<'_>) -> CoreResult<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| CoreError::Io {
        detail: e.to_string(),
    };
    let total = rows_of(tables);
    let mut done = 0u64;
    ctl.tick(0, total)?;
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(0xDDEBDA)
        .set_border_bottom(FormatBorder::Thin);
    let int = Format::new().set_num_format("#,##0");
    let num = Format::new().set_num_format("0.00");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for table in tables {
        let ws = book.add_worksheet();
        ws.set_name(&table.name).map_err(err)?;
        let mut widths: Vec<usize> = table.header.iter().map(|h| h.chars().count()).collect();
        for (c, h) in table.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &head)
                .map_err(err)?;
        }
        for (i, row) in table.rows.iter().enumerate() {
            let r = (i + 1) as u32;
            for (c, v) in row.iter().enumerate() {
                let col = c as u16;
                match v {
                    Value::Text(s) => {
                        let s: String = s.chars().take(32_767).collect();
                        ws.write_string(r, col, &s).map_err(err)?;
                    }
                    Value::Int(n) => {
                        ws.write_number_with_format(r, col, *n as f64, &int)
                            .map_err(err)?;
                    }
                    Value::Num(x) => {
                        ws.write_number_with_format(r, col, *x, &num).map_err(err)?;
                    }
                    Value::Date(d) => {
                        let dt = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .map_err(err)?;
                        ws.write_datetime_with_format(r, col, &dt, &date)
                            .map_err(err)?;
                    }
                    Value::Empty => {}
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(v.width());
                }
            }
            done += 1;
            ctl.tick(done, total)?;
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w).clamp(8, 60) as f64 + 2.0)
                .map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        if !table.header.is_empty() {
            ws.autofilter(
                0,
                0,
                table.rows.len() as u32,
                (table.header.len() - 1) as u16,
            )
            .map_err(err)?;
        }
    }
    ctl.check()?;
    book.save_to_buffer().map_err(err)
}

/// Every table as a section of one CSV (the register export's dialect:
/// UTF-8 with BOM, `;`, CRLF): a row with the table's name, its header,
/// its rows, an empty row. Numbers with a decimal comma, dates ISO.
pub fn tables_csv(tables: &[Table], ctl: &mut ExportControl<'_>) -> CoreResult<Vec<u8>> {
    let total = rows_of(tables);
    let mut done = 0u64;
    ctl.tick(0, total)?;
    let mut out: Vec<Vec<String>> = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            out.push(Vec::new());
        }
        out.push(vec![table.name.clone()]);
        out.push(table.header.clone());
        for row in &table.rows {
            out.push(row.iter().map(Value::csv_text).collect());
            done += 1;
            ctl.tick(done, total)?;
        }
    }
    Ok(csv_bytes(&out))
}

fn tables_file(
    tables: &[Table],
    format: FileFormat,
    ctl: &mut ExportControl<'_>,
) -> CoreResult<Vec<u8>> {
    match format {
        FileFormat::Csv => tables_csv(tables, ctl),
        FileFormat::Xlsx => tables_xlsx(tables, ctl),
    }
}

/// The period's visits to export.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitExportQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Only this unit (code); none = every unit.
    #[serde(default)]
    #[ts(optional)]
    pub unit_code: Option<String>,
}

fn count_row(label: String, c: &Count) -> Vec<Value> {
    vec![
        Value::Text(label),
        Value::Int(c.value as i64),
        Value::opt_num(c.pct),
    ]
}

fn duration_row(label: String, d: &DurationStats) -> Vec<Value> {
    vec![
        Value::Text(label),
        Value::Int(d.count as i64),
        Value::opt_num(d.median),
        Value::opt_num(d.p90),
        d.max.map(Value::Int).unwrap_or(Value::Empty),
    ]
}

/// The indicators as tables, labelled from the catalog: only counts, so no
/// identity can be in them.
pub fn indicator_tables(ind: &MonevIndicators, lang: Lang, made: NaiveDate) -> Vec<Table> {
    let tr = |k: &str| t(lang, k);
    let c = &ind.complaints;
    let unit_names: HashMap<&str, &str> = ind
        .units
        .iter()
        .map(|u| (u.code.as_str(), u.name.as_str()))
        .collect();
    let topics: HashMap<i64, &str> = ind
        .topics
        .iter()
        .map(|x| (x.id, x.label.as_str()))
        .collect();
    let count_header = |first: &str| vec![tr(first), tr("export.col.count"), tr("export.col.pct")];

    let mut info = Table::new(
        tr("export.sheet.info"),
        vec![tr("export.col.item"), tr("export.col.value")],
    );
    let units = if ind.query.units.is_empty() {
        tr("export.all_units")
    } else {
        ind.units
            .iter()
            .map(|u| format!("{} ({})", u.name, u.code))
            .collect::<Vec<_>>()
            .join(", ")
    };
    info.rows = vec![
        vec![tr("export.info.from").into(), Value::Date(ind.query.from)],
        vec![tr("export.info.to").into(), Value::Date(ind.query.to)],
        vec![tr("export.info.units").into(), units.into()],
        vec![tr("export.info.made").into(), Value::Date(made)],
        vec![
            tr("export.info.rule_versions").into(),
            ind.rule_versions.join(", ").into(),
        ],
    ];

    let mut summary = Table::new(
        tr("export.sheet.summary"),
        count_header("export.col.indicator"),
    );
    for (key, n) in [
        ("received", &c.received),
        ("verified", &c.verified),
        ("routed", &c.routed),
        ("followed_up", &c.followed_up),
        ("finished", &c.finished),
        ("in_process", &c.in_process),
        ("archived", &c.archived),
        ("closed", &c.closed),
        ("reopened", &c.reopened),
        ("anonymous", &c.anonymous),
        ("secret", &c.secret),
    ] {
        summary
            .rows
            .push(count_row(tr(&format!("export.ind.{key}")), n));
    }

    let label_of = |cell: &Cell| -> String {
        match cell {
            Cell::Kind(k) => tr(&format!("kind.{}", k.code())),
            Cell::Channel(ch) => tr(&format!("channel.{}", ch.code())),
            Cell::Topic(Some(id)) => topics
                .get(id)
                .map(|s| (*s).to_owned())
                .unwrap_or_else(|| t_with(lang, "export.topic_id", &[("id", &id.to_string())])),
            Cell::Topic(None) => tr("export.no_topic"),
            Cell::Month(m) => m.clone(),
            Cell::Status(s) => tr(&format!("status.{}", s.code())),
            other => format!("{other:?}"),
        }
    };
    let simple = |sheet: &str, first: &str, counts: &[Count]| {
        let mut tb = Table::new(tr(sheet), count_header(first));
        tb.rows = counts
            .iter()
            .map(|x| count_row(label_of(&x.cell), x))
            .collect();
        tb
    };
    let by_kind = simple("export.sheet.kind", "export.col.kind", &c.by_kind);
    let by_channel = simple("export.sheet.channel", "export.col.channel", &c.by_channel);
    let by_topic = simple("export.sheet.topic", "export.col.topic", &c.by_topic);
    let by_month = simple("export.sheet.month", "export.col.month", &c.by_month);
    let by_status = simple("export.sheet.status", "export.col.status", &c.by_status);

    let mut by_unit = Table::new(
        tr("export.sheet.unit"),
        vec![
            tr("export.col.unit_code"),
            tr("export.col.unit_name"),
            tr("export.col.count"),
            tr("export.col.pct"),
        ],
    );
    for x in &c.by_unit {
        let code = match &x.cell {
            Cell::Unit(u) => u.clone(),
            other => format!("{other:?}"),
        };
        let name = unit_names
            .get(code.as_str())
            .copied()
            .unwrap_or("")
            .to_owned();
        by_unit.rows.push(vec![
            code.into(),
            name.into(),
            Value::Int(x.value as i64),
            Value::opt_num(x.pct),
        ]);
    }

    let statuses: Vec<posko_domain::Status> = c
        .by_unit_status
        .first()
        .map(|u| {
            u.counts
                .iter()
                .filter_map(|x| match &x.cell {
                    Cell::UnitStatus(_, s) => Some(*s),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut header = vec![tr("export.col.unit_code"), tr("export.col.unit_name")];
    header.extend(statuses.iter().map(|s| tr(&format!("status.{}", s.code()))));
    let mut unit_status = Table::new(tr("export.sheet.unit_status"), header);
    for u in &c.by_unit_status {
        let mut row = vec![
            Value::Text(u.unit_code.clone()),
            Value::Text(
                unit_names
                    .get(u.unit_code.as_str())
                    .copied()
                    .unwrap_or("")
                    .to_owned(),
            ),
        ];
        row.extend(u.counts.iter().map(|x| Value::Int(x.value as i64)));
        unit_status.rows.push(row);
    }

    let mut deadlines = Table::new(
        tr("export.sheet.deadlines"),
        vec![
            tr("export.col.step"),
            tr("export.col.on_time"),
            tr("export.col.late"),
            tr("export.col.pending"),
            tr("export.col.on_time_pct"),
        ],
    );
    for d in &c.deadlines {
        deadlines.rows.push(vec![
            tr(&format!("deadline_step.{}", d.step.code())).into(),
            Value::Int(d.on_time.value as i64),
            Value::Int(d.late.value as i64),
            Value::Int(d.pending.value as i64),
            Value::opt_num(d.on_time_pct),
        ]);
    }

    let mut durations = Table::new(
        tr("export.sheet.durations"),
        vec![
            tr("export.col.measure"),
            tr("export.col.count"),
            tr("export.col.median"),
            tr("export.col.p90"),
            tr("export.col.max"),
        ],
    );
    durations.rows = vec![
        duration_row(tr("export.dur.first_follow_up"), &c.days_to_first_follow_up),
        duration_row(tr("export.dur.close"), &c.days_to_close),
    ];

    vec![
        info,
        summary,
        by_kind,
        by_channel,
        by_topic,
        by_month,
        by_unit,
        by_status,
        unit_status,
        deadlines,
        durations,
    ]
}

fn answer_label(lang: Lang, item: &posko_domain::instrument::Item, a: Option<&Answer>) -> String {
    match a {
        None => String::new(),
        Some(Answer::Yes) => t(lang, "export.answer.yes"),
        Some(Answer::No) => t(lang, "export.answer.no"),
        Some(Answer::Partial) => t(lang, "export.answer.partial"),
        Some(Answer::NotApplicable) => t(lang, "export.answer.na"),
        Some(Answer::Score(n)) => n.to_string(),
        Some(Answer::Choice(c)) => item
            .options
            .iter()
            .find(|o| o.value == *c)
            .map(|o| o.label.clone())
            .unwrap_or_else(|| c.clone()),
        Some(Answer::Number(n)) => format!("{n} {}", item.unit).trim().to_owned(),
        Some(Answer::Text(s)) => s.clone(),
    }
}

/// The visits as two tables: one row per visit (its section scores in
/// columns, one per instrument section met), and every answer.
pub fn visit_tables(visits: &[VisitView], lang: Lang) -> Vec<Table> {
    let tr = |k: &str| t(lang, k);
    // Section columns: (instrument, section) in order of first appearance.
    let mut columns: Vec<((String, String), String)> = Vec::new();
    for v in visits {
        for s in &v.instrument.sections {
            let key = (v.instrument.id.clone(), s.id.clone());
            if !columns.iter().any(|(k, _)| *k == key) {
                columns.push((key, s.title.clone()));
            }
        }
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (_, title) in &columns {
        *seen.entry(title.clone()).or_default() += 1;
    }
    let section_headers: Vec<String> = columns
        .iter()
        .map(|((inst, _), title)| {
            if seen.get(title).copied().unwrap_or(0) > 1 {
                format!("{title} ({inst})")
            } else {
                title.clone()
            }
        })
        .collect();
    let mut header = vec![
        tr("export.col.visit_id"),
        tr("export.col.unit_code"),
        tr("export.col.unit_name"),
        tr("export.col.instrument"),
        tr("export.col.version"),
        tr("export.col.visit_date"),
        tr("export.col.visit_state"),
        tr("export.col.team"),
        tr("export.col.total"),
        tr("export.col.zone"),
    ];
    header.extend(section_headers);
    let mut rows = Table::new(tr("export.sheet.visits"), header);
    let mut answers = Table::new(
        tr("export.sheet.answers"),
        vec![
            tr("export.col.visit_id"),
            tr("export.col.unit_code"),
            tr("export.col.visit_date"),
            tr("export.col.section"),
            tr("export.col.item_id"),
            tr("export.col.item_text"),
            tr("export.col.answer"),
            tr("export.col.score"),
            tr("export.col.weight"),
            tr("export.col.note"),
        ],
    );
    for v in visits {
        let state = match v.state {
            VisitState::Draft => tr("export.visit_state.draft"),
            VisitState::Final => tr("export.visit_state.final"),
        };
        let team = v
            .team
            .iter()
            .map(|m| m.name.trim())
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let mut row = vec![
            Value::Int(v.id),
            v.unit.code.clone().into(),
            v.unit.name.clone().into(),
            v.instrument.title.clone().into(),
            Value::Int(i64::from(v.instrument.version)),
            Value::Date(v.visit_date),
            state.into(),
            team.into(),
            Value::opt_num(v.score.total),
            v.score
                .zone
                .as_ref()
                .map(|z| Value::Text(z.label.clone()))
                .unwrap_or(Value::Empty),
        ];
        for ((inst, sec), _) in &columns {
            let score = (*inst == v.instrument.id)
                .then(|| v.score.sections.iter().find(|s| s.section_id == *sec))
                .flatten()
                .and_then(|s| s.score);
            row.push(Value::opt_num(score));
        }
        rows.rows.push(row);

        let given: HashMap<&str, &crate::visits::AnswerInput> =
            v.answers.iter().map(|a| (a.item_id.as_str(), a)).collect();
        for s in &v.instrument.sections {
            for item in &s.items {
                let a = given.get(item.id.as_str()).copied();
                let answer = a.and_then(|a| a.answer.as_ref());
                let scored = item.is_scored() && item.answer != AnswerType::Text;
                let score = match answer {
                    Some(Answer::NotApplicable) => Value::Empty,
                    Some(ans) if scored => {
                        Value::Num(answer_fraction(item, ans).unwrap_or(0.0) * item.weight)
                    }
                    None if scored => Value::Num(0.0),
                    _ => Value::Empty,
                };
                answers.rows.push(vec![
                    Value::Int(v.id),
                    v.unit.code.clone().into(),
                    Value::Date(v.visit_date),
                    s.title.clone().into(),
                    item.id.clone().into(),
                    item.text.clone().into(),
                    answer_label(lang, item, answer).into(),
                    score,
                    if scored {
                        Value::Num(item.weight)
                    } else {
                        Value::Empty
                    },
                    a.map(|a| a.note.clone()).unwrap_or_default().into(),
                ]);
            }
        }
    }
    vec![rows, answers]
}

impl Posko {
    /// The monev indicators of a period as .xlsx (one sheet per table) or
    /// CSV (one section per table): counts only, so no identity is in it;
    /// the same permission as the dashboard (`RunReports`). Recorded in the
    /// audit log as an export.
    pub fn monev_export(
        &self,
        actor: &Actor,
        q: &MonevQuery,
        format: FileFormat,
        ctl: &mut ExportControl<'_>,
    ) -> CoreResult<ExportFile> {
        require(actor, Permission::RunReports)?;
        ctl.check()?;
        let ind = self.monev_indicators(actor, q)?;
        let tables = indicator_tables(&ind, self.lang(), self.today());
        deliver(
            ctl,
            format,
            false,
            |dest, ctl| {
                Ok((
                    rows_of(&tables),
                    dest.put(tables_file(&tables, format, ctl)?)?,
                ))
            },
            |rows| self.record_export(actor, &format!("monev.{}", format.code()), rows, false),
        )
    }

    /// The field visits of a period (drafts and finished ones): a row per
    /// visit and a row per answer. The team's names are in it (as in the
    /// berita acara), no reporter. Permission as the visits (`RunReports`);
    /// recorded in the audit log. `rows` counts the visits.
    pub fn visits_export(
        &self,
        actor: &Actor,
        q: &VisitExportQuery,
        format: FileFormat,
        ctl: &mut ExportControl<'_>,
    ) -> CoreResult<ExportFile> {
        require(actor, Permission::RunReports)?;
        if q.to < q.from {
            return Err(CoreError::BadRequest {
                detail: "to < from".into(),
            });
        }
        let list = self.list_visits(
            actor,
            &VisitFilter {
                from: Some(q.from),
                to: Some(q.to),
                unit_code: q.unit_code.clone().filter(|u| !u.trim().is_empty()),
                ..Default::default()
            },
        )?;
        // Oldest first in the file.
        let total = list.len() as u64;
        let mut visits = Vec::with_capacity(list.len());
        for (i, r) in list.iter().rev().enumerate() {
            ctl.tick(i as u64, total)?;
            visits.push(self.visit(actor, &IdInput { id: r.id })?);
        }
        let tables = visit_tables(&visits, self.lang());
        deliver(
            ctl,
            format,
            false,
            |dest, ctl| Ok((total, dest.put(tables_file(&tables, format, ctl)?)?)),
            |rows| self.record_export(actor, &format!("visits.{}", format.code()), rows, false),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn table(n: usize) -> Vec<Table> {
        let mut t = Table::new("T".into(), vec!["a".into(), "b".into()]);
        t.rows = (0..n)
            .map(|i| vec![Value::Int(i as i64), Value::Num(i as f64 / 3.0)])
            .collect();
        vec![t]
    }

    #[test]
    fn progress_counts_increase_to_the_total() {
        let seen = RefCell::new(Vec::new());
        let mut ctl = ExportControl::new(|p| seen.borrow_mut().push(p), None);
        tables_xlsx(&table(2_000), &mut ctl).unwrap();
        drop(ctl);
        let seen = seen.into_inner();
        assert!(seen.len() >= 10, "{}", seen.len());
        assert_eq!(seen.first().unwrap().done, 0);
        assert_eq!(
            *seen.last().unwrap(),
            ExportProgress {
                done: 2_000,
                total: 2_000
            }
        );
        assert!(seen.windows(2).all(|w| w[0].done < w[1].done));
    }

    #[test]
    fn cancel_stops_the_export_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ekspor.xlsx");
        let flag = AtomicBool::new(false);
        let mut ctl = ExportControl::new(
            |p| {
                if p.done >= 600 {
                    flag.store(true, Ordering::Relaxed);
                }
            },
            Some(&flag),
        );
        let r = export_to_path(&out, &mut ctl, |ctl| {
            Ok(ExportFile {
                format: FileFormat::Xlsx,
                bytes: tables_xlsx(&table(2_000), ctl)?,
                rows: 2_000,
                identities: false,
                saved: None,
            })
        });
        assert!(matches!(r, Err(CoreError::Cancelled)), "{r:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        // Cancelled after the rows, while writing: the partial file is removed too.
        let flag = AtomicBool::new(false);
        let mut ctl = ExportControl::new(|_| {}, Some(&flag));
        let r = export_to_path(&out, &mut ctl, |_| {
            flag.store(true, Ordering::Relaxed);
            Ok(ExportFile {
                format: FileFormat::Csv,
                bytes: vec![b'x'; 3 << 20],
                rows: 1,
                identities: false,
                saved: None,
            })
        });
        assert!(matches!(r, Err(CoreError::Cancelled)), "{r:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        // Not cancelled: the file is there, nothing else.
        let mut ctl = ExportControl::none();
        export_to_path(&out, &mut ctl, |ctl| {
            Ok(ExportFile {
                format: FileFormat::Csv,
                bytes: tables_csv(&table(3), ctl)?,
                rows: 3,
                identities: false,
                saved: None,
            })
        })
        .unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("ekspor.xlsx")]);
    }

    /// The register export (the one that reaches 100 000 rows) tells its
    /// progress in increasing counts up to the rows it writes, and a cancel
    /// in the middle leaves no file.
    #[test]
    fn register_export_progress_and_cancel() {
        use chrono::TimeZone;
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap();
        let secrets = crate::keychain::MemorySecrets::default();
        let now = chrono::Utc.with_ymd_and_hms(2026, 6, 15, 3, 0, 0).unwrap();
        let clock = Arc::new(crate::clock::FixedClock::new(now));
        let mut p = Posko::open(&dir.path().join("store"), &secrets, clock, true).unwrap();
        p.init_office("Puskesmas Uji", "PKM-UJI", posko_domain::OfficeZone::Wib)
            .unwrap();
        crate::demo::generate(&mut p, 2_000, 7, 200, |_| {}).unwrap();
        let admin = Actor::system();
        let filter = crate::model::ComplaintFilter::default();

        let seen = RefCell::new(Vec::new());
        let mut ctl = ExportControl::new(|x| seen.borrow_mut().push(x), None);
        let file = p
            .export_register_with(&admin, &filter, FileFormat::Csv, &mut ctl)
            .unwrap();
        drop(ctl);
        let seen = seen.into_inner();
        assert_eq!(file.rows, 2_000);
        assert!(seen.len() >= 10, "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0].done < w[1].done), "{seen:?}");
        assert!(seen.iter().all(|x| x.total == 2_000));
        assert_eq!(seen.last().unwrap().done, 2_000);

        let out_dir = dir.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        let out = out_dir.join("register.xlsx");
        let flag = AtomicBool::new(false);
        let mut ctl = ExportControl::new(
            |x| {
                if x.done >= 1_000 {
                    flag.store(true, Ordering::Relaxed);
                }
            },
            Some(&flag),
        );
        let r = export_to_path(&out, &mut ctl, |ctl| {
            p.export_register_with(&admin, &filter, FileFormat::Xlsx, ctl)
        });
        assert!(matches!(r, Err(CoreError::Cancelled)), "{r:?}");
        assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
    }

    /// A demo register (seeded, fixed clock) of 2 000 complaints.
    fn demo_store(dir: &Path) -> Posko {
        use chrono::TimeZone;
        use std::sync::Arc;
        let secrets = crate::keychain::MemorySecrets::default();
        let now = chrono::Utc.with_ymd_and_hms(2026, 6, 15, 3, 0, 0).unwrap();
        let clock = Arc::new(crate::clock::FixedClock::new(now));
        let mut p = Posko::open(&dir.join("store"), &secrets, clock, true).unwrap();
        p.init_office("Puskesmas Uji", "PKM-UJI", posko_domain::OfficeZone::Wib)
            .unwrap();
        crate::demo::generate(&mut p, 2_000, 7, 200, |_| {}).unwrap();
        p
    }

    /// The cells of an exported file as read back by the import's reader
    /// (calamine for .xlsx): a digest and the row count.
    fn content_digest(bytes: &[u8], name: &str) -> (usize, String) {
        use sha2::{Digest, Sha256};
        let (_, table) = crate::import::read_table(bytes, name).unwrap();
        let mut h = Sha256::new();
        for (_, cells) in &table {
            for c in cells {
                h.update(c.as_bytes());
                h.update([0x1f]);
            }
            h.update([0x1e]);
        }
        (table.len(), hex::encode(h.finalize()))
    }

    /// Two filtered views of the register as made by the export before it
    /// streamed (ids in OFFSET pages, the whole workbook in memory): a
    /// monitor (identities masked, rahasia rows left out) with open
    /// complaints oldest first, and an admin with one channel by due date.
    fn views() -> Vec<(Actor, crate::model::ComplaintFilter, FileFormat)> {
        use crate::model::{ComplaintFilter, SortOrder};
        let monitor = Actor {
            user_id: None,
            username: "pemantau".into(),
            display_name: "Pemantau".into(),
            role: posko_domain::role::Role::Pemantau,
        };
        vec![
            (
                monitor,
                ComplaintFilter {
                    open_only: true,
                    sort: SortOrder::Oldest,
                    ..Default::default()
                },
                FileFormat::Xlsx,
            ),
            (
                Actor::system(),
                ComplaintFilter {
                    channel: Some(posko_domain::Channel::Whatsapp),
                    sort: SortOrder::DueSoonest,
                    ..Default::default()
                },
                FileFormat::Csv,
            ),
        ]
    }

    fn audit_exports(p: &Posko) -> i64 {
        p.connection()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'export'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// The streamed export (ids in one query, rows written to the file as
    /// they are made, .xlsx in constant-memory mode) has, read back cell by
    /// cell (calamine for the .xlsx), exactly the content the export had
    /// when it collected OFFSET pages and built the workbook in memory
    /// (digests taken from that version on the same seeded store), in the
    /// register view's order; the in-memory export gives the same.
    #[test]
    fn streamed_register_export_has_the_content_of_the_buffered_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = demo_store(dir.path());
        let golden = [
            (
                1_402,
                "a84854efef1158c251db6896818f9aea8a573357e6b9d2ac99dcb493c538cfb2",
            ),
            (
                241,
                "f52796cabfe7de90860c4126d1bb7035f4a05c2aa505def3154d92e24517be90",
            ),
        ];
        for ((actor, filter, format), (rows, digest)) in views().into_iter().zip(golden) {
            let name = format!("register.{}", format.code());
            let out = dir.path().join(&name);
            let before = audit_exports(&p);
            let mut ctl = ExportControl::none();
            let file = export_to_path(&out, &mut ctl, |ctl| {
                p.export_register_with(&actor, &filter, format, ctl)
            })
            .unwrap();
            let bytes = std::fs::read(&out).unwrap();
            assert_eq!(file.rows, rows);
            assert!(file.bytes.is_empty());
            assert_eq!(file.saved, Some(bytes.len() as u64));
            assert_eq!(audit_exports(&p), before + 1);
            assert_eq!(
                content_digest(&bytes, &name),
                (rows as usize + 1, digest.to_owned()),
                "{format:?}"
            );
            // In memory: the same content.
            let mem = p.export_register(&actor, &filter, format).unwrap();
            assert_eq!(content_digest(&mem.bytes, &name).1, digest);

            // In the register view's order, page by page as the list shows it.
            let mut f = filter.clone();
            f.limit = 500;
            let mut listed = Vec::new();
            loop {
                let page = p.list_complaints(&actor, &f).unwrap();
                let n = page.rows.len();
                listed.extend(page.rows.into_iter().map(|r| r.register_no));
                if n < 500 {
                    break;
                }
                f.offset += 500;
            }
            let (_, table) = crate::import::read_table(&bytes, &name).unwrap();
            let col = table[0]
                .1
                .iter()
                .position(|h| h == "nomor register")
                .unwrap();
            let exported: Vec<&str> = table[1..].iter().map(|(_, c)| c[col].as_str()).collect();
            assert_eq!(exported, listed);
        }
        // The .xlsx keeps its header bold row, frozen, and text cells.
        let xlsx = std::fs::read(dir.path().join("register.xlsx")).unwrap();
        let mut zip =
            calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(xlsx))
                .unwrap();
        use calamine::Reader;
        let range = zip.worksheet_range("Register").unwrap();
        assert!(
            range
                .rows()
                .skip(1)
                .flatten()
                .all(|c| matches!(c, calamine::Data::String(_) | calamine::Data::Empty)),
            "every cell is text"
        );
    }

    /// A cancelled register export leaves no file and no audit row, whether
    /// it is cancelled among the rows or after the last one (while the file
    /// is finished); a finished one writes its audit row once.
    #[test]
    fn cancelled_register_export_writes_no_audit_row() {
        let dir = tempfile::tempdir().unwrap();
        let p = demo_store(dir.path());
        let out_dir = dir.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        let admin = Actor::system();
        let filter = crate::model::ComplaintFilter::default();
        let before = audit_exports(&p);
        for format in [FileFormat::Xlsx, FileFormat::Csv] {
            let out = out_dir.join(format!("register.{}", format.code()));
            for at in [700, 2_000] {
                let flag = AtomicBool::new(false);
                let mut ctl = ExportControl::new(
                    |x| {
                        if x.done >= at {
                            flag.store(true, Ordering::Relaxed);
                        }
                    },
                    Some(&flag),
                );
                let r = export_to_path(&out, &mut ctl, |ctl| {
                    p.export_register_with(&admin, &filter, format, ctl)
                });
                assert!(matches!(r, Err(CoreError::Cancelled)), "{at}: {r:?}");
                assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0, "{at}");
                assert_eq!(audit_exports(&p), before, "{format:?} cancelled at {at}");
            }
        }
        let seen = RefCell::new(Vec::new());
        let mut ctl = ExportControl::new(|x| seen.borrow_mut().push(x), None);
        let out = out_dir.join("register.xlsx");
        let file = export_to_path(&out, &mut ctl, |ctl| {
            p.export_register_with(&admin, &filter, FileFormat::Xlsx, ctl)
        })
        .unwrap();
        drop(ctl);
        assert_eq!(audit_exports(&p), before + 1);
        assert_eq!(file.rows, 2_000);
        // The file alone: no partial file, no rows' temporary file left.
        let names: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("register.xlsx")]);
        // Progress of the streamed file: increasing, to the total.
        let seen = seen.into_inner();
        assert!(seen.len() >= 10, "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0].done < w[1].done), "{seen:?}");
        assert!(seen.iter().all(|x| x.total == 2_000));
        assert_eq!(seen.first().unwrap().done, 0);
        assert_eq!(seen.last().unwrap().done, 2_000);
    }

    #[test]
    fn csv_sections_and_numbers() {
        let mut ctl = ExportControl::none();
        let bytes = tables_csv(&table(2), &mut ctl).unwrap();
        let s = String::from_utf8(bytes).unwrap();
        assert_eq!(s, "\u{feff}T\r\na;b\r\n0;0\r\n1;\"0,33\"\r\n");
        assert_eq!(Value::Num(12.5).csv_text(), "12,5");
        assert_eq!(Value::Num(100.0).csv_text(), "100");
    }
}
