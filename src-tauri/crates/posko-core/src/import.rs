//! Bulk import of complaints from CSV or Excel, export of the register to
//! CSV or Excel, and the import template.
//!
//! Reading a file is split in two: the cells (CSV text in
//! `posko_domain::import`, a spreadsheet's first sheet here with calamine),
//! then one pure parser for both (`posko_domain::import::parse_table`). Every
//! row is also put through the intake's own validation (`validate::complaint`).
//! An import is all or nothing: one bad row and nothing is stored, and the
//! answer lists every bad row. Applying records every new row through the
//! intake's path (`complaints::insert_complaint`) in ONE transaction, with a
//! fingerprint per row (`import_rows`, migration 0007) so the same rows
//! imported again are recognised and skipped.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::{NaiveDate, TimeZone};
use posko_domain::import::{
    self as dom, Column, FieldMapping, ImportProblem, ImportRow, MatchKind, RowError, RowErrorKind,
};
use posko_domain::mask::{mask_name, mask_nik, mask_phone};
use posko_domain::phone::display_phone;
use posko_domain::role::Permission;
use posko_domain::validation::FieldError;
use posko_domain::{Channel, Kind};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::app::{Posko, now_text, require};
use crate::complaints::{Intake, insert_complaint};
use crate::error::{CoreError, CoreResult};
use crate::export::{ExportControl, TextSheet, deliver};
use crate::i18n::{Lang, t, t_with};
use crate::model::*;
use crate::validate;

mod undo;
pub use undo::{ImportBatchView, ImportUndoReport, LastImport, RegisterCounter};

/// Files over 10 MiB are refused before they are read.
pub const MAX_FILE_BYTES: usize = 10 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    pub fn code(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    /// By the file name's extension (`.csv`, `.xlsx`), for exports.
    pub fn from_name(name: &str) -> Option<FileFormat> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(FileFormat::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(FileFormat::Xlsx)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Read and check, store nothing (the preview).
    Check,
    /// Store every new row, in one transaction, or nothing.
    Apply,
}

/// Which column of the file feeds which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportMapping {
    /// The header read by name (the template's headers and their synonyms);
    /// an unknown or repeated header is refused. The CLI without `--map`.
    ByName,
    /// The proposal ([`dom::propose_mapping`]) taken as the user's: a
    /// header no field matched is not imported. The app's first preview.
    Proposed,
    /// The user's mapping: each field from the 0-based column given, a
    /// field absent or without a column is not imported.
    Explicit(Vec<FieldMapping>),
}

/// One column of the file in the mapping table.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MappedColumn {
    /// 0-based position in the file (the CLI's `--map` numbers from 1).
    pub index: u32,
    /// The header cell as written (one line, at most 40 characters).
    pub header: String,
    /// Up to 3 of the first non-empty values under it (at most 60 characters each).
    pub samples: Vec<String>,
    /// The field it is read into, `None` when not imported.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Column>,
    /// The field the proposal gave it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<Column>,
    /// How the proposal matched the header.
    pub how: MatchKind,
}

/// A field a column can be mapped to.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportField {
    pub field: Column,
    /// The template's header for it (`tanggal diterima`).
    pub header: String,
    pub required: bool,
}

/// Every field, in the template's order.
pub fn import_fields() -> Vec<ImportField> {
    Column::ALL
        .into_iter()
        .map(|c| ImportField {
            field: c,
            header: c.header().to_owned(),
            required: c.required(),
        })
        .collect()
}

/// One problem of the file, as a sentence ("Baris 3, kolom "nik": NIK harus 16 digit.").
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportProblemView {
    pub row: u32,
    /// The column's header (as written in the file for an unknown one).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

/// One good row of the file.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportItem {
    pub row: u32,
    pub received_date: NaiveDate,
    pub channel: Channel,
    pub kind: Kind,
    pub title: String,
    /// Imported before: the register number it got then (not imported again).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub already: Option<String>,
    /// Recorded by this import (apply).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_no: Option<String>,
    /// Open complaints of the last 30 days that may be the same case.
    pub duplicates: Vec<DuplicateHint>,
}

/// What an import found (check) or did (apply).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportReport {
    pub file_name: String,
    pub format: FileFormat,
    pub mode: ImportMode,
    /// Data rows read (blank rows not counted).
    pub rows: u32,
    /// Rows that are (check) or were (apply) recorded as new complaints.
    pub new: u32,
    /// Rows imported before, skipped.
    pub already_imported: u32,
    /// New rows with at least one duplicate hint.
    pub with_duplicates: u32,
    /// True when this call stored the new rows.
    pub applied: bool,
    pub items: Vec<ImportItem>,
    /// Every problem; when not empty nothing was (or would be) stored.
    pub errors: Vec<ImportProblemView>,
    /// The file's columns and the field each one is read into (empty when
    /// the file could not be read).
    pub mapping: Vec<MappedColumn>,
    /// The fields a column can be mapped to.
    pub fields: Vec<ImportField>,
}

/// A file written for the user (export, template).
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub format: FileFormat,
    pub bytes: Vec<u8>,
    pub rows: u64,
    /// Identities were written unmasked.
    pub identities: bool,
    /// The file's size when the export wrote it itself (through
    /// [`crate::export::export_to_path`]); `bytes` is empty then.
    pub saved: Option<u64>,
}

impl ExportFile {
    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.saved.unwrap_or(self.bytes.len() as u64)
    }
}

/// The import's errors as sentences.
pub fn problem_views(errors: &[RowError], lang: Lang) -> Vec<ImportProblemView> {
    errors.iter().map(|e| problem_view(e, lang)).collect()
}

fn problem_view(e: &RowError, lang: Lang) -> ImportProblemView {
    let column = (!e.header.is_empty()).then(|| e.header.clone());
    let field = match &column {
        Some(h) => t_with(lang, "import.column", &[("name", h)]),
        None => t(lang, "import.the_row"),
    };
    let limit = e.limit.map(|l| l.to_string()).unwrap_or_default();
    let text = t_with(
        lang,
        &e.kind.catalog_key(),
        &[("field", &field), ("limit", &limit)],
    );
    ImportProblemView {
        row: e.row as u32,
        column,
        code: e.kind.code().to_owned(),
        message: t_with(
            lang,
            "import.row_message",
            &[("row", &e.row.to_string()), ("text", &text)],
        ),
    }
}

fn file_problem(p: ImportProblem, limit: Option<u64>) -> RowError {
    RowError {
        row: 1,
        column: None,
        header: String::new(),
        kind: RowErrorKind::File(p),
        limit,
    }
}

fn looks_like_spreadsheet(bytes: &[u8], name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || [".xlsx", ".xlsm", ".xls", ".ods"]
            .iter()
            .any(|e| lower.ends_with(e))
}

/// The cells of a file: a spreadsheet's first sheet, or CSV text (UTF-8;
/// a file that is not UTF-8 is read as Windows-1252/Latin-1, as older Excel
/// writes CSV).
pub fn read_table(bytes: &[u8], name: &str) -> Result<(FileFormat, dom::Table), RowError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_problem(
            ImportProblem::FileTooLarge,
            Some((MAX_FILE_BYTES >> 20) as u64),
        ));
    }
    if looks_like_spreadsheet(bytes, name) {
        return read_sheet(bytes).map(|rows| (FileFormat::Xlsx, rows));
    }
    if bytes.contains(&0) {
        return Err(file_problem(ImportProblem::Unreadable, None));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    };
    dom::split_csv(&text).map(|rows| (FileFormat::Csv, rows))
}

fn read_sheet(bytes: &[u8]) -> Result<dom::Table, RowError> {
    use calamine::{Data, Reader};
    let unreadable = || file_problem(ImportProblem::Unreadable, None);
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(unreadable)?
        .map_err(|_| unreadable())?;
    let Some((first_row, first_col)) = range.start() else {
        return Ok(Vec::new());
    };
    let serial_text = |v: f64| -> String {
        // A date cell: its serial day, read by the parser as an Excel date.
        format!("{}", v.floor() as i64)
    };
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let mut out: Vec<String> = vec![String::new(); first_col as usize];
        for c in cells {
            out.push(match c {
                Data::Empty => String::new(),
                Data::String(s) => s.replace("\r\n", "\n"),
                Data::Int(n) => n.to_string(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => {
                    format!("{}", *f as i64)
                }
                Data::Float(f) => f.to_string(),
                Data::Bool(b) => if *b { "ya" } else { "tidak" }.to_owned(),
                Data::DateTime(d) => serial_text(d.as_f64()),
                Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
                Data::DurationIso(s) => s.clone(),
                Data::Error(_) => "#ERROR".to_owned(),
            });
        }
        rows.push((first_row as usize + i + 1, out));
    }
    Ok(rows)
}

/// The header row of a file (its first non-blank row), for naming columns.
pub fn file_header(bytes: &[u8], name: &str) -> CoreResult<Vec<String>> {
    let (_, table) =
        read_table(bytes, name).map_err(|e| CoreError::ImportInvalid { errors: vec![e] })?;
    Ok(dom::header_of(&table)
        .map(|(_, h)| h.to_vec())
        .unwrap_or_default())
}

/// The CLI's `--map FIELD=COLUMN` on top of the proposal for `header`.
/// FIELD: a field's code (`received_date`), its template header or a
/// synonym (`"no hp"`); COLUMN: the header text, a 1-based number, or `-`
/// (not imported). An unknown FIELD or COLUMN is `IMPORT_INVALID` naming it.
pub fn mapping_from_args(header: &[String], args: &[String]) -> CoreResult<ImportMapping> {
    let mut mapping = dom::proposed_mapping(header);
    let mut errors = Vec::new();
    for arg in args {
        let (field, column) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
        let Some(field) = Column::from_code(field.trim()).or_else(|| Column::from_header(field))
        else {
            errors.push(RowError {
                row: 1,
                column: None,
                header: one_line(field, 40),
                kind: RowErrorKind::File(ImportProblem::UnknownColumn),
                limit: None,
            });
            continue;
        };
        let column = match column.trim() {
            "" | "-" => None,
            c => match dom::find_column(header, c) {
                Some(i) => Some(i),
                None => {
                    errors.push(RowError {
                        row: 1,
                        column: Some(field),
                        header: field.header().to_owned(),
                        kind: RowErrorKind::File(ImportProblem::NoSuchColumn),
                        limit: None,
                    });
                    continue;
                }
            },
        };
        mapping.retain(|m| m.field != field);
        mapping.push(FieldMapping { field, column });
    }
    if errors.is_empty() {
        Ok(ImportMapping::Explicit(mapping))
    } else {
        Err(CoreError::ImportInvalid { errors })
    }
}

/// The catalog's column name of a core validation field.
fn column_of(field: &str) -> Option<Column> {
    Some(match field {
        "title" => Column::Title,
        "description" => Column::Description,
        "reporter_name" => Column::ReporterName,
        "reporter_address" => Column::Address,
        "reporter_nik" => Column::Nik,
        "reporter_phone" => Column::Phone,
        "received_at" => Column::ReceivedDate,
        "topic_id" => Column::Topic,
        _ => return None,
    })
}

fn fingerprint(row: &ImportRow) -> String {
    hex::encode(Sha256::digest(row.fingerprint_text().as_bytes()))
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Active topics by folded name: the child's name alone and
/// "parent › child" (also with `>` or `/`).
fn topic_names(conn: &rusqlite::Connection) -> CoreResult<HashMap<String, i64>> {
    let mut stmt = conn.prepare(
        "SELECT t.id, t.name, p.name FROM topics t LEFT JOIN topics p ON p.id = t.parent_id
         WHERE t.active = 1 ORDER BY t.parent_id IS NOT NULL, t.id",
    )?;
    let mut map = HashMap::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    for row in rows {
        let (id, name, parent) = row?;
        map.entry(fold(&name)).or_insert(id);
        if let Some(p) = parent {
            for sep in ["›", ">", "/"] {
                map.entry(fold(&format!("{p} {sep} {name}"))).or_insert(id);
            }
        }
    }
    Ok(map)
}

fn topic_key(s: &str) -> String {
    let spaced = s
        .replace('›', " › ")
        .replace('>', " > ")
        .replace('/', " / ");
    fold(&spaced)
}

/// A row as the intake's input.
fn input_of(
    row: &ImportRow,
    topic_id: Option<i64>,
    zone: posko_domain::OfficeZone,
) -> ComplaintInput {
    // Received at the start of that day in the office's zone: the register
    // date is the row's date, and today's rows are never "in the future".
    let start = zone
        .offset()
        .from_local_datetime(&row.received_date.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .map(|d| d.with_timezone(&chrono::Utc));
    ComplaintInput {
        received_at: start,
        channel: row.channel,
        kind: row.kind,
        topic_id,
        title: row.title.clone(),
        description: row.description.clone(),
        incident_place: None,
        incident_date: None,
        reporter: ReporterInput {
            name: row.reporter_name.clone(),
            nik: row.nik.clone(),
            phone: row.phone.clone(),
            email: None,
            address: row.address.clone(),
        },
        is_secret: row.is_secret,
        is_anonymous: row.is_anonymous,
        assigned_to: None,
    }
}

struct Checked {
    format: FileFormat,
    rows: Vec<(ImportRow, validate::CleanComplaint, String)>,
    errors: Vec<RowError>,
    file_sha256: String,
    columns: Vec<MappedColumn>,
}

/// A cell shown in the mapping table: one line, at most `max` characters.
fn one_line(cell: &str, max: usize) -> String {
    cell.trim_start_matches('\u{feff}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// The mapping table of a file and the mapping to parse it with (`None`:
/// by name).
fn mapping_of(
    table: &dom::Table,
    mapping: &ImportMapping,
) -> (Vec<MappedColumn>, Option<Vec<FieldMapping>>) {
    let Some((header_row, header)) = dom::header_of(table) else {
        return (
            Vec::new(),
            match mapping {
                ImportMapping::ByName => None,
                ImportMapping::Proposed => Some(Vec::new()),
                ImportMapping::Explicit(m) => Some(m.clone()),
            },
        );
    };
    let proposal = dom::propose_mapping(header);
    let used = match mapping {
        ImportMapping::ByName => None,
        ImportMapping::Proposed => Some(dom::proposed_mapping(header)),
        ImportMapping::Explicit(m) => Some(m.clone()),
    };
    let columns = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let samples = table
                .iter()
                .filter(|(n, _)| *n > header_row)
                .filter_map(|(_, cells)| cells.get(i).map(|c| c.trim()))
                .filter(|c| !c.is_empty())
                .take(3)
                .map(|c| one_line(c, 60))
                .collect();
            let field = match &used {
                // By name: what the header names (a repeated name is refused).
                None => proposal[i].0,
                // The last entry of a field wins, as in the parser.
                Some(m) => Column::ALL.into_iter().find(|c| {
                    m.iter()
                        .rev()
                        .find(|f| f.field == *c)
                        .and_then(|f| f.column)
                        == Some(i as u32)
                }),
            };
            MappedColumn {
                index: i as u32,
                header: one_line(h, 40),
                samples,
                field,
                proposed: proposal[i].0,
                how: proposal[i].1,
            }
        })
        .collect();
    (columns, used)
}

impl Posko {
    fn check_import_file(
        &self,
        bytes: &[u8],
        name: &str,
        mapping: &ImportMapping,
    ) -> CoreResult<Checked> {
        let file_sha256 = hex::encode(Sha256::digest(bytes));
        let now = self.now();
        let zone = self.zone();
        let today = zone.local_date(now);
        let (format, table) = match read_table(bytes, name) {
            Ok(t) => t,
            Err(e) => {
                let format = if looks_like_spreadsheet(bytes, name) {
                    FileFormat::Xlsx
                } else {
                    FileFormat::Csv
                };
                return Ok(Checked {
                    format,
                    rows: Vec::new(),
                    errors: vec![e],
                    file_sha256,
                    columns: Vec::new(),
                });
            }
        };
        let (columns, used) = mapping_of(&table, mapping);
        let parsed = match dom::parse_table_mapped(&table, used.as_deref(), today) {
            Ok(rows) => rows,
            Err(errors) => {
                return Ok(Checked {
                    format,
                    rows: Vec::new(),
                    errors,
                    file_sha256,
                    columns,
                });
            }
        };
        let topics = topic_names(&self.db.conn)?;
        let mut errors = Vec::new();
        let mut rows = Vec::with_capacity(parsed.len());
        for row in parsed {
            let topic_id = match row.topic.as_deref() {
                None => None,
                Some(name) => match topics.get(&topic_key(name)) {
                    Some(id) => Some(*id),
                    None => {
                        errors.push(RowError {
                            row: row.row,
                            column: Some(Column::Topic),
                            header: Column::Topic.header().to_owned(),
                            kind: RowErrorKind::Field(
                                posko_domain::validation::FieldErrorCode::InvalidChoice,
                            ),
                            limit: None,
                        });
                        continue;
                    }
                },
            };
            match validate::complaint(input_of(&row, topic_id, zone), now, today) {
                Ok(clean) => {
                    let fp = fingerprint(&row);
                    rows.push((row, clean, fp));
                }
                Err(field_errors) => {
                    errors.extend(field_errors.into_iter().map(|e: FieldError| {
                        let column = column_of(&e.field);
                        RowError {
                            row: row.row,
                            column,
                            header: column.map(|c| c.header().to_owned()).unwrap_or_default(),
                            kind: RowErrorKind::Field(e.code),
                            limit: e.limit,
                        }
                    }))
                }
            }
        }
        Ok(Checked {
            format,
            rows,
            errors,
            file_sha256,
            columns,
        })
    }

    /// Import complaints from a CSV or Excel file (`bytes`, with its `name`
    /// for the format). `Check` stores nothing and answers what `Apply`
    /// would do: counts of new and already imported rows, duplicate hints,
    /// and every problem. `Apply` with a problem stores nothing and is
    /// refused with `IMPORT_INVALID` (every bad row); otherwise every new
    /// row is recorded as at intake, in one transaction. The header is read
    /// by name ([`ImportMapping::ByName`]).
    pub fn import_complaints(
        &mut self,
        actor: &Actor,
        bytes: &[u8],
        name: &str,
        mode: ImportMode,
    ) -> CoreResult<ImportReport> {
        self.import_complaints_mapped(actor, bytes, name, mode, &ImportMapping::ByName)
    }

    /// [`Self::import_complaints`] with the columns chosen by `mapping`. The
    /// report carries the mapping table (each column of the file, three
    /// sample values, the field it feeds and the one proposed), also when
    /// the file has problems, so the user can correct the mapping.
    pub fn import_complaints_mapped(
        &mut self,
        actor: &Actor,
        bytes: &[u8],
        name: &str,
        mode: ImportMode,
        mapping: &ImportMapping,
    ) -> CoreResult<ImportReport> {
        require(actor, Permission::CreateComplaint)?;
        let lang = self.lang();
        let checked = self.check_import_file(bytes, name, mapping)?;
        let file_name: String = std::path::Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        if !checked.errors.is_empty() {
            if mode == ImportMode::Apply {
                return Err(CoreError::ImportInvalid {
                    errors: checked.errors,
                });
            }
            return Ok(ImportReport {
                file_name,
                format: checked.format,
                mode,
                rows: checked.rows.len() as u32,
                new: 0,
                already_imported: 0,
                with_duplicates: 0,
                applied: false,
                items: Vec::new(),
                errors: problem_views(&checked.errors, lang),
                mapping: checked.columns,
                fields: import_fields(),
            });
        }
        // Rows imported before.
        let mut already: HashMap<String, String> = HashMap::new();
        {
            let mut stmt = self.db.conn.prepare_cached(
                "SELECT c.register_no FROM import_rows i JOIN complaints c ON c.id = i.complaint_id
                 WHERE i.fingerprint = ?1",
            )?;
            for (_, _, fp) in &checked.rows {
                if let Some(reg) = stmt.query_row([fp], |r| r.get::<_, String>(0)).optional()? {
                    already.insert(fp.clone(), reg);
                }
            }
        }
        let vis = crate::search::Visibility::of(actor);
        let mut items = Vec::with_capacity(checked.rows.len());
        for (row, clean, fp) in &checked.rows {
            let prior = already.get(fp).cloned();
            let duplicates = if prior.is_none() {
                crate::search::duplicate_hints(self, vis, &clean.input, None)?
            } else {
                Vec::new()
            };
            items.push(ImportItem {
                row: row.row as u32,
                received_date: row.received_date,
                channel: row.channel,
                kind: row.kind,
                title: clean.input.title.clone(),
                already: prior,
                register_no: None,
                duplicates,
            });
        }
        let new = items.iter().filter(|i| i.already.is_none()).count() as u32;
        let with_duplicates = items
            .iter()
            .filter(|i| i.already.is_none() && !i.duplicates.is_empty())
            .count() as u32;
        let mut report = ImportReport {
            file_name,
            format: checked.format,
            mode,
            rows: checked.rows.len() as u32,
            new,
            already_imported: checked.rows.len() as u32 - new,
            with_duplicates,
            applied: false,
            items,
            errors: Vec::new(),
            mapping: checked.columns.clone(),
            fields: import_fields(),
        };
        if mode == ImportMode::Check {
            return Ok(report);
        }

        let now = self.now();
        let zone = self.zone();
        let unit_id = self.home_unit()?;
        let prefix = self.office()?.register_prefix.clone();
        let tx = self.db.conn.transaction()?;
        let batch_id: i64 = tx.query_row(
            "INSERT INTO import_batches (at, actor_id, actor_name, file_name, file_sha256, format, rows, created, skipped)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            params![
                now_text(now),
                actor.user_id,
                actor.display_name,
                report.file_name,
                checked.file_sha256,
                checked.format.code(),
                report.rows,
                report.new,
                report.already_imported,
            ],
            |r| r.get(0),
        )?;
        for ((row, clean, fp), item) in checked.rows.iter().zip(report.items.iter_mut()) {
            if item.already.is_some() {
                continue;
            }
            let created = insert_complaint(
                &tx,
                &self.cache,
                zone,
                Intake {
                    actor,
                    unit_id,
                    prefix: &prefix,
                    now,
                },
                clean,
            )?;
            tx.execute(
                "INSERT INTO import_rows (fingerprint, batch_id, row_no, complaint_id, reference) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![fp, batch_id, row.row as i64, created.id, row.reference],
            )?;
            item.register_no = Some(created.register_no);
        }
        crate::audit::append(
            &tx,
            actor,
            now,
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::ComplaintImport)
                .on("import_batch", batch_id)
                .detail(serde_json::json!({
                    "file_sha256": checked.file_sha256,
                    "format": checked.format.code(),
                    "rows": report.rows,
                    "created": report.new,
                    "skipped": report.already_imported,
                })),
        )?;
        tx.commit()?;
        report.applied = true;
        Ok(report)
    }

    /// The register (same filters and order as the list, every page) as CSV
    /// or Excel, one row per complaint with the import's columns first, so
    /// an export can be imported elsewhere. Identities are masked unless
    /// the actor may see them; anonim reports never carry one; rahasia
    /// reports are left out for roles that may not see them. An audit
    /// `export` row says how many rows and whether identities were in it.
    pub fn export_register(
        &self,
        actor: &Actor,
        filter: &ComplaintFilter,
        format: FileFormat,
    ) -> CoreResult<ExportFile> {
        self.export_register_with(actor, filter, format, &mut ExportControl::none())
    }

    /// [`Posko::export_register`] with progress (rows of the register made)
    /// and a cancel flag read every `PROGRESS_EVERY` rows. The ids come from
    /// one query in the register's order ([`Posko::register_ids`]), the rows
    /// one by one; they are streamed into the file when
    /// [`crate::export::export_to_path`] runs it (CSV through a buffered
    /// writer, .xlsx in constant-memory mode), and the audit row is written
    /// only once the file is complete and renamed.
    pub fn export_register_with(
        &self,
        actor: &Actor,
        filter: &ComplaintFilter,
        format: FileFormat,
        ctl: &mut ExportControl<'_>,
    ) -> CoreResult<ExportFile> {
        require(actor, Permission::ViewRegister)?;
        let ids = self.register_ids(actor, filter)?;
        ctl.check()?;
        let can_identity = actor.role.can(Permission::ViewIdentity);
        let write = |dest, ctl: &mut ExportControl<'_>| -> CoreResult<(u64, Vec<u8>)> {
            let mut sheet = TextSheet::create(format, dest, "Register", &export_header())?;
            self.register_rows(actor, &ids, ctl, |cells| sheet.row(cells))?;
            sheet.finish()
        };
        let record = |rows| {
            self.record_export(
                actor,
                &format!("register.{}", format.code()),
                rows,
                can_identity,
            )
        };
        deliver(ctl, format, can_identity, write, record)
    }

    /// The export's cells of the complaints `ids`, in that order, each
    /// handed to `row`; progress and the cancel flag through `ctl`.
    fn register_rows(
        &self,
        actor: &Actor,
        ids: &[i64],
        ctl: &mut ExportControl<'_>,
        mut row: impl FnMut(&[String]) -> CoreResult<()>,
    ) -> CoreResult<()> {
        let total = ids.len() as u64;
        ctl.tick(0, total)?;
        let can_identity = actor.role.can(Permission::ViewIdentity);
        let can_secret = actor.role.can(Permission::ViewSecret);
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT c.register_no, c.received_date, c.channel, c.kind, t.name, p.name, c.title, c.description,
                    c.reporter_name, c.reporter_nik, c.reporter_phone, c.reporter_address,
                    c.is_anonymous, c.is_secret, c.status, c.lapor_tracking_id,
                    (SELECT i.reference FROM import_rows i WHERE i.complaint_id = c.id),
                    c.next_due
             FROM complaints c LEFT JOIN topics t ON t.id = c.topic_id LEFT JOIN topics p ON p.id = t.parent_id
             WHERE c.id = ?1",
        )?;
        let lang = self.lang();
        for (done, id) in ids.iter().enumerate() {
            ctl.tick(done as u64, total)?;
            let found = stmt
                .query_row([id], |r| {
                    let is_anonymous: bool = r.get(12)?;
                    let is_secret: bool = r.get(13)?;
                    let show = can_identity && !is_anonymous;
                    let ident = |v: Option<String>, mask: fn(&str) -> String| -> String {
                        match v {
                            None => String::new(),
                            Some(_) if is_anonymous => String::new(),
                            Some(s) if show => s,
                            Some(s) => mask(&s),
                        }
                    };
                    let topic = match (
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ) {
                        (Some(name), Some(parent)) => format!("{parent} › {name}"),
                        (Some(name), None) => name,
                        _ => String::new(),
                    };
                    let yes = |b: bool| if b { "ya" } else { "tidak" }.to_owned();
                    let status: String = r.get(14)?;
                    let next_due = r
                        .get::<_, Option<String>>(17)?
                        .map(|s| crate::app::parse_date(&s).to_string());
                    Ok((
                        is_secret,
                        vec![
                            r.get::<_, String>(1)?,
                            channel_label(&r.get::<_, String>(2)?),
                            kind_label(&r.get::<_, String>(3)?),
                            topic,
                            r.get::<_, String>(6)?,
                            r.get::<_, String>(7)?,
                            ident(r.get(8)?, mask_name),
                            ident(r.get(9)?, mask_nik),
                            match r.get::<_, Option<String>>(10)? {
                                Some(p) if !is_anonymous => {
                                    if show {
                                        display_phone(&p)
                                    } else {
                                        mask_phone(&p)
                                    }
                                }
                                _ => String::new(),
                            },
                            ident(r.get(11)?, |_| "••••".to_owned()),
                            yes(is_anonymous),
                            yes(is_secret),
                            r.get::<_, Option<String>>(16)?.unwrap_or_default(),
                            r.get::<_, String>(0)?,
                            t(lang, &format!("status.{status}")),
                            next_due.unwrap_or_default(),
                            r.get::<_, Option<String>>(15)?.unwrap_or_default(),
                        ],
                    ))
                })
                .optional()?;
            match found {
                // Gone since the ids were read (erased meanwhile): not in the file.
                None => continue,
                // The ids already leave these out; never in a file either.
                Some((true, _)) if !can_secret => continue,
                Some((_, cells)) => row(&cells)?,
            }
        }
        ctl.tick(total, total)?;
        Ok(())
    }

    /// The import template: the header row and one example row.
    pub fn import_template(&self, format: FileFormat) -> CoreResult<ExportFile> {
        let today = self.today();
        let header: Vec<String> = Column::ALL.iter().map(|c| c.header().to_owned()).collect();
        let example: Vec<String> = Column::ALL
            .iter()
            .map(|c| match c {
                Column::ReceivedDate => today.to_string(),
                Column::Channel => "tatap muka".into(),
                Column::Kind => "pengaduan".into(),
                Column::Topic => String::new(),
                Column::Title => "Antrean pendaftaran terlalu lama".into(),
                Column::Description => {
                    "Pelapor menunggu lebih dari 3 jam di loket pendaftaran.".into()
                }
                Column::ReporterName => "Siti Aminah".into(),
                Column::Nik => "3201014508900003".into(),
                Column::Phone => "0812-3456-7890".into(),
                Column::Address => "Jl. Merdeka No. 1".into(),
                Column::Anonymous => "tidak".into(),
                Column::Secret => "tidak".into(),
                Column::Reference => "BUKU-2026-001".into(),
            })
            .collect();
        let table = vec![header, example];
        let bytes = match format {
            FileFormat::Csv => csv_bytes(&table),
            FileFormat::Xlsx => xlsx_bytes(&table, "Impor")?,
        };
        Ok(ExportFile {
            format,
            bytes,
            rows: 1,
            identities: false,
            saved: None,
        })
    }
}

fn export_header() -> Vec<String> {
    let mut h: Vec<String> = Column::ALL.iter().map(|c| c.header().to_owned()).collect();
    h.extend(dom::EXPORT_ONLY_COLUMNS.iter().map(|s| (*s).to_owned()));
    h
}

fn channel_label(code: &str) -> String {
    code.replace('_', " ")
}

fn kind_label(code: &str) -> String {
    code.replace('_', " ")
}

/// CSV as Indonesian Excel opens it: UTF-8 with BOM, `;` between cells,
/// CRLF, every cell that needs it quoted. A cell starting with `= + - @`
/// gets a leading `'` so a spreadsheet never runs it as a formula.
pub fn csv_bytes(table: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for row in table {
        out.push_str(&csv_line(row));
    }
    out.into_bytes()
}

/// One row of [`csv_bytes`], with its CRLF.
pub(crate) fn csv_line(row: &[String]) -> String {
    let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
    let mut line = cells.join(";");
    line.push_str("\r\n");
    line
}

fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@']) && !is_phone_like(c) {
        format!("'{c}")
    } else {
        c.to_owned()
    };
    if c.contains([';', ',', '"', '\n', '\r']) || c.starts_with(' ') || c.ends_with(' ') {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

/// `+62 812-…` is a phone number, not a formula.
fn is_phone_like(c: &str) -> bool {
    c.starts_with('+')
        && c.chars()
            .all(|ch| ch.is_ascii_digit() || matches!(ch, '+' | '-' | ' ' | '(' | ')' | '*'))
}

/// An .xlsx with one sheet: bold header, every cell as text (NIK and phone
/// numbers keep their digits and leading zero), first row frozen.
pub fn xlsx_bytes(table: &[Vec<String>], sheet: &str) -> CoreResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| CoreError::Io {
        detail: e.to_string(),
    };
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(err)?;
    let bold = Format::new().set_bold();
    for (r, row) in table.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // Excel's limit per cell is 32 767 characters.
            let text: String = cell.chars().take(32_767).collect();
            if r == 0 {
                ws.write_string_with_format(r as u32, c as u16, &text, &bold)
                    .map_err(err)?;
            } else {
                ws.write_string(r as u32, c as u16, &text).map_err(err)?;
            }
        }
    }
    if let Some(h) = table.first() {
        for c in 0..h.len() {
            ws.set_column_width(c as u16, 18).map_err(err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+62 812-3456"), "+62 812-3456");
        assert_eq!(csv_cell("baris\ndua"), "\"baris\ndua\"");
    }

    #[test]
    fn csv_export_reads_back_through_the_import_parser() {
        let table = vec![
            vec![
                "tanggal diterima".into(),
                "saluran".into(),
                "jenis".into(),
                "judul".into(),
                "isi".into(),
            ],
            vec![
                "2026-01-05".into(),
                "tatap muka".into(),
                "aspirasi".into(),
                "A; b".into(),
                "baris\n\"dua\"".into(),
            ],
        ];
        let bytes = csv_bytes(&table);
        let (format, rows) = read_table(&bytes, "x.csv").unwrap();
        assert_eq!(format, FileFormat::Csv);
        assert_eq!(rows[1].1[3], "A; b");
        assert_eq!(rows[1].1[4], "baris\n\"dua\"");
    }

    #[test]
    fn xlsx_reads_back_through_calamine() {
        let table = vec![
            vec!["judul".into(), "nik".into()],
            vec!["Obat".into(), "3201014508900003".into()],
        ];
        let bytes = xlsx_bytes(&table, "Uji").unwrap();
        let (format, rows) = read_table(&bytes, "apa saja").unwrap();
        assert_eq!(format, FileFormat::Xlsx);
        assert_eq!(rows, vec![(1, table[0].clone()), (2, table[1].clone())]);
    }

    #[test]
    fn junk_and_huge_files_are_refused() {
        let e = read_table(b"PK\x03\x04 bukan zip", "a.xlsx").unwrap_err();
        assert_eq!(e.kind, RowErrorKind::File(ImportProblem::Unreadable));
        let e = read_table(b"a\0b", "a.csv").unwrap_err();
        assert_eq!(e.kind, RowErrorKind::File(ImportProblem::Unreadable));
        let e = read_table(&vec![b'a'; MAX_FILE_BYTES + 1], "a.csv").unwrap_err();
        assert_eq!(e.kind, RowErrorKind::File(ImportProblem::FileTooLarge));
    }

    #[test]
    fn latin1_csv_is_read() {
        let (_, rows) = read_table(b"judul\nCaf\xe9\n", "a.csv").unwrap();
        assert_eq!(rows[1].1[0], "Café");
    }
}
