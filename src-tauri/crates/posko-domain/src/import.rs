//! Bulk import of complaints from a table (CSV text, or the cells of an Excel
//! sheet read by posko-core): pure parsing and checking, no I/O.
//!
//! The table's first non-blank row is the header. Columns are found by name,
//! case-, space- and punctuation-insensitive (`Tanggal Diterima`,
//! `tanggal_diterima` and `TANGGAL  DITERIMA` are one column). Names and
//! aliases (first one is the template's):
//!
//! | column | also accepted | required |
//! |---|---|---|
//! | `tanggal diterima` | `tanggal`, `tgl diterima`, `tgl`, `tanggal terima`, `received date`, `date` | yes |
//! | `saluran` | `kanal`, `channel`, `media` | yes |
//! | `jenis` | `klasifikasi`, `jenis laporan`, `kind` | yes |
//! | `topik` | `kategori`, `topic` | no |
//! | `judul` | `perihal`, `title` | yes |
//! | `isi` | `uraian`, `isi laporan`, `isi pengaduan`, `description` | yes |
//! | `nama pelapor` | `nama`, `pelapor`, `reporter name` | no |
//! | `nik` | `nik pelapor` | no |
//! | `telepon` | `telp`, `no hp`, `nomor hp`, `hp`, `no telepon`, `nomor telepon`, `phone` | no |
//! | `alamat` | `alamat pelapor`, `address` | no |
//! | `anonim` | `anonymous` | no (`ya`/`tidak`, empty = tidak) |
//! | `rahasia` | `secret` | no (`ya`/`tidak`, empty = tidak) |
//! | `nomor referensi` | `referensi`, `no referensi`, `nomor eksternal`, `no eksternal`, `reference` | no |
//!
//! An unknown or repeated column name is refused (a mistyped header would
//! otherwise drop a column silently). Values: dates `YYYY-MM-DD` or
//! `DD/MM/YYYY`; channels and kinds by their codes or Indonesian names
//! (`tatap muka`, `WA`, `kotak saran`, `pengaduan` = pengaduan tidak berkadar
//! pengawasan...); yes/no as `ya`/`tidak`, `y`/`t`, `yes`/`no`, `1`/`0`.
//!
//! Row numbers are the spreadsheet's: the header is row 1, a CSV record with
//! a quoted line break is still one row. Blank rows are skipped. Every
//! problem of every row is collected (not just the first).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::complaint::{Channel, Kind};
use crate::nik::validate_nik;
use crate::phone::normalize_phone;
use crate::validation::FieldErrorCode;

/// Columns the register export adds after the import's: read back, they are
/// ignored (so an export can be imported into another store).
pub const EXPORT_ONLY_COLUMNS: [&str; 4] =
    ["nomor register", "status", "batas waktu", "tracking id"];

/// Rows of cells, each with its spreadsheet row number (the header is row 1).
pub type Table = Vec<(usize, Vec<String>)>;

/// At most this many data rows in one file.
pub const MAX_ROWS: usize = 5_000;
/// At most this many characters in one cell (the longest field, the
/// description, allows 20 000; longer is refused by the full check anyway).
pub const MAX_CELL: usize = 40_000;

/// A column of the import table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    ReceivedDate,
    Channel,
    Kind,
    Topic,
    Title,
    Description,
    ReporterName,
    Nik,
    Phone,
    Address,
    Anonymous,
    Secret,
    Reference,
}

impl Column {
    pub const ALL: [Column; 13] = [
        Column::ReceivedDate,
        Column::Channel,
        Column::Kind,
        Column::Topic,
        Column::Title,
        Column::Description,
        Column::ReporterName,
        Column::Nik,
        Column::Phone,
        Column::Address,
        Column::Anonymous,
        Column::Secret,
        Column::Reference,
    ];

    /// The header the template writes (and the register export uses).
    pub fn header(self) -> &'static str {
        match self {
            Column::ReceivedDate => "tanggal diterima",
            Column::Channel => "saluran",
            Column::Kind => "jenis",
            Column::Topic => "topik",
            Column::Title => "judul",
            Column::Description => "isi",
            Column::ReporterName => "nama pelapor",
            Column::Nik => "nik",
            Column::Phone => "telepon",
            Column::Address => "alamat",
            Column::Anonymous => "anonim",
            Column::Secret => "rahasia",
            Column::Reference => "nomor referensi",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::ReceivedDate => &[
                "tanggal",
                "tgl diterima",
                "tgl",
                "tanggal terima",
                "tgl terima",
                "tanggal masuk",
                "tanggal pengaduan",
                "tanggal laporan",
                "received date",
                "received",
                "date",
            ],
            Column::Channel => &["kanal", "channel", "media"],
            Column::Kind => &["klasifikasi", "jenis laporan", "kind"],
            Column::Topic => &["kategori", "topic"],
            Column::Title => &[
                "perihal",
                "judul laporan",
                "judul pengaduan",
                "title",
                "subject",
            ],
            Column::Description => &["uraian", "isi laporan", "isi pengaduan", "description"],
            Column::ReporterName => &[
                "nama",
                "pelapor",
                "nama lengkap",
                "nama pengadu",
                "reporter name",
                "reporter",
                "name",
            ],
            Column::Nik => &[
                "nik pelapor",
                "no nik",
                "nomor nik",
                "nomor induk kependudukan",
            ],
            Column::Phone => &[
                "telp",
                "no hp",
                "nomor hp",
                "hp",
                "no telepon",
                "nomor telepon",
                "no telp",
                "nomor telp",
                "telepon pelapor",
                "hp pelapor",
                "no hp pelapor",
                "no wa",
                "phone",
                "phone number",
            ],
            Column::Address => &["alamat pelapor", "address"],
            Column::Anonymous => &["anonymous"],
            Column::Secret => &["secret", "confidential"],
            Column::Reference => &[
                "referensi",
                "no referensi",
                "nomor eksternal",
                "no eksternal",
                "reference",
            ],
        }
    }

    pub fn required(self) -> bool {
        matches!(
            self,
            Column::ReceivedDate
                | Column::Channel
                | Column::Kind
                | Column::Title
                | Column::Description
        )
    }

    /// The column a header cell names, if any.
    pub fn from_header(cell: &str) -> Option<Column> {
        let key = key(cell);
        Column::ALL
            .into_iter()
            .find(|c| c.header() == key || c.aliases().contains(&key.as_str()))
    }

    /// The column of a stable code (`received_date`...).
    pub fn from_code(code: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Stable code (catalog keys `column.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Column::ReceivedDate => "received_date",
            Column::Channel => "channel",
            Column::Kind => "kind",
            Column::Topic => "topic",
            Column::Title => "title",
            Column::Description => "description",
            Column::ReporterName => "reporter_name",
            Column::Nik => "nik",
            Column::Phone => "phone",
            Column::Address => "address",
            Column::Anonymous => "anonymous",
            Column::Secret => "secret",
            Column::Reference => "reference",
        }
    }
}

/// A problem of the file as a whole or of a cell that the field checks do
/// not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportProblem {
    /// The file is empty or has only a header.
    NoRows,
    /// More than [`MAX_ROWS`] data rows.
    TooManyRows,
    /// A header cell names no known column.
    UnknownColumn,
    /// Two header cells name the same column.
    DuplicateColumn,
    /// A required column is absent from the header.
    MissingColumn,
    /// A quoted CSV cell is never closed.
    UnterminatedQuote,
    /// A row has a value under no header cell.
    ExtraCells,
    /// A cell longer than [`MAX_CELL`].
    CellTooLong,
    /// Not `ya`/`tidak`.
    YesNo,
    /// The same complaint twice in the file (`limit`: the earlier row).
    DuplicateInFile,
    /// Not text the parser can read (not UTF-8, not a spreadsheet).
    Unreadable,
    /// Over the size limit (`limit`: MiB).
    FileTooLarge,
    /// A required field is mapped to no column of the file (explicit mapping).
    Unmapped,
    /// A mapping names a column the file does not have (`limit`: its 1-based number).
    NoSuchColumn,
    /// One column of the file is mapped to two fields.
    MappedTwice,
}

impl ImportProblem {
    pub fn code(self) -> &'static str {
        match self {
            ImportProblem::NoRows => "no_rows",
            ImportProblem::TooManyRows => "too_many_rows",
            ImportProblem::UnknownColumn => "unknown_column",
            ImportProblem::DuplicateColumn => "duplicate_column",
            ImportProblem::MissingColumn => "missing_column",
            ImportProblem::UnterminatedQuote => "unterminated_quote",
            ImportProblem::ExtraCells => "extra_cells",
            ImportProblem::CellTooLong => "cell_too_long",
            ImportProblem::YesNo => "yes_no",
            ImportProblem::DuplicateInFile => "duplicate_in_file",
            ImportProblem::Unreadable => "unreadable",
            ImportProblem::FileTooLarge => "file_too_large",
            ImportProblem::Unmapped => "unmapped",
            ImportProblem::NoSuchColumn => "no_such_column",
            ImportProblem::MappedTwice => "mapped_twice",
        }
    }
}

/// What is wrong: a field check's code or an import problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowErrorKind {
    Field(FieldErrorCode),
    File(ImportProblem),
}

impl RowErrorKind {
    /// `field_error.<code>` or `import_error.<code>` in the catalogs.
    pub fn catalog_key(self) -> String {
        match self {
            RowErrorKind::Field(c) => format!("field_error.{}", c.code()),
            RowErrorKind::File(p) => format!("import_error.{}", p.code()),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            RowErrorKind::Field(c) => c.code(),
            RowErrorKind::File(p) => p.code(),
        }
    }
}

/// One problem: row (1 = header), the column (`None` for the whole row or
/// file), the header text as written in the file when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: Option<Column>,
    /// The header cell as the file wrote it (for an unknown column), else
    /// the column's template name.
    pub header: String,
    pub kind: RowErrorKind,
    pub limit: Option<u64>,
}

impl RowError {
    fn new(row: usize, column: Option<Column>, kind: RowErrorKind) -> Self {
        RowError {
            row,
            column,
            header: column.map(|c| c.header().to_owned()).unwrap_or_default(),
            kind,
            limit: None,
        }
    }

    fn field(row: usize, column: Column, code: FieldErrorCode) -> Self {
        RowError::new(row, Some(column), RowErrorKind::Field(code))
    }

    fn problem(row: usize, column: Option<Column>, p: ImportProblem) -> Self {
        RowError::new(row, column, RowErrorKind::File(p))
    }
}

/// One complaint read from the table, parsed and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Spreadsheet row number (the header is row 1).
    pub row: usize,
    pub received_date: NaiveDate,
    pub channel: Channel,
    pub kind: Kind,
    pub topic: Option<String>,
    pub title: String,
    pub description: String,
    pub reporter_name: Option<String>,
    /// 16 digits.
    pub nik: Option<String>,
    /// E.164 (`+62…`).
    pub phone: Option<String>,
    pub address: Option<String>,
    pub is_anonymous: bool,
    pub is_secret: bool,
    pub reference: Option<String>,
}

impl ImportRow {
    /// The text a re-import is recognised by: the reference number when the
    /// file has one, else every normalised field (whitespace collapsed, case
    /// folded), so the same line read again from CSV or Excel is the same.
    pub fn fingerprint_text(&self) -> String {
        if let Some(r) = &self.reference {
            return format!("ref\u{1f}{}", fold(r));
        }
        let opt = |s: &Option<String>| s.as_deref().map(fold).unwrap_or_default();
        [
            "row".to_owned(),
            self.received_date.to_string(),
            self.channel.code().to_owned(),
            self.kind.code().to_owned(),
            opt(&self.topic),
            fold(&self.title),
            fold(&self.description),
            opt(&self.reporter_name),
            opt(&self.nik),
            opt(&self.phone),
            opt(&self.address),
            self.is_anonymous.to_string(),
            self.is_secret.to_string(),
        ]
        .join("\u{1f}")
    }
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Header or value key: lower case, accents dropped (`Télépon` = `telepon`),
/// `_ - . / : ! ( ) #` and runs of spaces as one space.
fn key(cell: &str) -> String {
    cell.trim_start_matches('\u{feff}')
        .chars()
        .map(|c| {
            if matches!(c, '_' | '-' | '.' | '/' | ':' | '!' | '(' | ')' | '#') {
                ' '
            } else {
                unaccent(c)
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// How the proposal matched a header cell to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The template's header as written (`tanggal diterima`).
    Exact,
    /// The template's header but for case, spaces, punctuation or accents
    /// (`Tanggal_Diterima`, `TANGGAL  DITERIMA`).
    Normalized,
    /// A known Indonesian or English synonym (`Tgl diterima`, `No HP`, `phone`).
    Synonym,
    /// A column the register export adds (`nomor register`, `status`...): never imported.
    ExportOnly,
    /// No field: not imported unless the user maps it.
    None,
}

/// One field of the mapping: the 0-based column of the file it is read
/// from, `None` for "not imported". A field absent from a mapping is not
/// imported either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldMapping {
    pub field: Column,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// The proposed field of each header cell (same order as the header), in
/// three passes: the template's exact header, then the header up to case,
/// spacing, punctuation and accents, then the synonyms. A field goes to the
/// first column that claims it in the earliest pass; a later column that
/// names the same field gets none.
pub fn propose_mapping(header: &[String]) -> Vec<(Option<Column>, MatchKind)> {
    let mut out: Vec<(Option<Column>, MatchKind)> = vec![(None, MatchKind::None); header.len()];
    let keys: Vec<String> = header.iter().map(|h| key(h)).collect();
    for (i, k) in keys.iter().enumerate() {
        if EXPORT_ONLY_COLUMNS.contains(&k.as_str()) {
            out[i].1 = MatchKind::ExportOnly;
        }
    }
    let matches = |how: MatchKind, i: usize, c: Column| match how {
        MatchKind::Exact => header[i].trim_start_matches('\u{feff}').trim() == c.header(),
        MatchKind::Normalized => keys[i] == c.header(),
        _ => c.aliases().contains(&keys[i].as_str()),
    };
    for how in [MatchKind::Exact, MatchKind::Normalized, MatchKind::Synonym] {
        for i in 0..header.len() {
            if out[i].0.is_some() || out[i].1 == MatchKind::ExportOnly {
                continue;
            }
            let taken: Vec<Column> = out.iter().filter_map(|o| o.0).collect();
            if let Some(c) = Column::ALL
                .into_iter()
                .find(|c| !taken.contains(c) && matches(how, i, *c))
            {
                out[i] = (Some(c), how);
            }
        }
    }
    out
}

/// The proposal as a mapping (every field, `None` where no column matched).
pub fn proposed_mapping(header: &[String]) -> Vec<FieldMapping> {
    let proposal = propose_mapping(header);
    Column::ALL
        .into_iter()
        .map(|field| FieldMapping {
            field,
            column: proposal
                .iter()
                .position(|(c, _)| *c == Some(field))
                .map(|i| i as u32),
        })
        .collect()
}

/// The header row (the first non-blank row) and its row number.
pub fn header_of(rows: &[(usize, Vec<String>)]) -> Option<(usize, &[String])> {
    rows.iter()
        .find(|(_, cells)| !cells.iter().all(|c| c.trim().is_empty()))
        .map(|(n, cells)| (*n, cells.as_slice()))
}

/// The 0-based column a user names: a 1-based number (`3`), or the header
/// cell's text (case, spacing, punctuation and accents ignored). `None` when
/// the file has no such column.
pub fn find_column(header: &[String], name: &str) -> Option<u32> {
    let name = name.trim();
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        let n: usize = name.parse().ok()?;
        return (1..=header.len()).contains(&n).then(|| (n - 1) as u32);
    }
    let k = key(name);
    header.iter().position(|h| key(h) == k).map(|i| i as u32)
}

/// Split CSV text into rows of cells. UTF-8 with or without BOM; the
/// delimiter is `;` when the header line (up to its first line break outside
/// quotes) has more `;` than `,`, else `,`. Quoted cells may hold the
/// delimiter, `""` and line breaks. Each row comes with its spreadsheet row
/// number. Cells are not trimmed here.
pub fn split_csv(text: &str) -> Result<Table, RowError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = detect_delimiter(text);
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut row_no = 1usize;
    let mut started_at = 1usize;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                // A line break inside a cell is kept as one '\n' (Windows writes CRLF).
                '\r' if chars.peek() == Some(&'\n') => {}
                '\r' => cell.push('\n'),
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.trim().is_empty() => {
                cell.clear();
                quoted = true;
            }
            c if c == sep => row.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                row.push(std::mem::take(&mut cell));
                rows.push((row_no, std::mem::take(&mut row)));
                row_no += 1;
                started_at = row_no;
                any = false;
            }
            c => cell.push(c),
        }
    }
    if quoted {
        return Err(RowError::problem(
            started_at,
            None,
            ImportProblem::UnterminatedQuote,
        ));
    }
    if any {
        row.push(cell);
        rows.push((row_no, row));
    }
    Ok(rows)
}

/// The letter without its accent, for the Latin letters a header may carry
/// (`é` -> `e`); any other character as it is.
fn unaccent(c: char) -> char {
    const FROM: &str = "àáâãäåāăąÀÁÂÃÄÅĀĂĄèéêëēĕėęěÈÉÊËĒĔĖĘĚìíîïĩīĭįÌÍÎÏĨĪĬĮòóôõöøōŏőÒÓÔÕÖØŌŎŐùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲñÑçÇýÿÝ";
    const TO: &str = "aaaaaaaaaAAAAAAAAAeeeeeeeeeEEEEEEEEEiiiiiiiiIIIIIIIIoooooooooOOOOOOOOOuuuuuuuuuuUUUUUUUUUUnNcCyyY";
    match FROM.chars().position(|f| f == c) {
        Some(i) => TO.chars().nth(i).unwrap_or(c),
        None => c,
    }
}

fn detect_delimiter(text: &str) -> char {
    let (mut commas, mut semis, mut quoted) = (0usize, 0usize, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { ';' } else { ',' }
}

/// Parse CSV text into complaints (see the module's documentation).
pub fn parse_csv(text: &str, today: NaiveDate) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let rows = split_csv(text).map_err(|e| vec![e])?;
    parse_table(&rows, today)
}

/// Parse a table (rows of cells with their spreadsheet row numbers; the
/// first non-blank row is the header) into complaints. Either every row is
/// good, or every problem of every row comes back.
pub fn parse_table(
    rows: &[(usize, Vec<String>)],
    today: NaiveDate,
) -> Result<Vec<ImportRow>, Vec<RowError>> {
    parse_table_mapped(rows, None, today)
}

/// [`parse_table`] with the columns chosen by `mapping` when there is one:
/// a header cell mapped to no field is not imported (no "unknown column"
/// problem), a required field mapped to no column is [`ImportProblem::Unmapped`].
/// Without a mapping the header is read by name and an unknown or repeated
/// name is refused.
pub fn parse_table_mapped(
    rows: &[(usize, Vec<String>)],
    mapping: Option<&[FieldMapping]>,
    today: NaiveDate,
) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let blank = |cells: &[String]| cells.iter().all(|c| c.trim().is_empty());
    let mut it = rows.iter().filter(|(_, cells)| !blank(cells));
    let Some((header_row, header)) = it.next() else {
        return Err(vec![RowError::problem(1, None, ImportProblem::NoRows)]);
    };
    let mut errors = Vec::new();
    let columns = match mapping {
        None => slots_by_name(*header_row, header, &mut errors),
        Some(m) => slots_by_mapping(*header_row, header, m, &mut errors),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    parse_data(*header_row, it.collect(), &columns, today)
}

fn slots_by_mapping(
    header_row: usize,
    header: &[String],
    mapping: &[FieldMapping],
    errors: &mut Vec<RowError>,
) -> Vec<Slot> {
    // Last entry of a field wins.
    let mut chosen: Vec<(Column, Option<u32>)> = Vec::new();
    for m in mapping {
        chosen.retain(|(f, _)| *f != m.field);
        chosen.push((m.field, m.column));
    }
    let mut columns = vec![Slot::Ignore; header.len()];
    for c in Column::ALL {
        let Some((_, Some(i))) = chosen.iter().find(|(f, _)| *f == c).copied() else {
            if c.required() {
                errors.push(RowError::problem(
                    header_row,
                    Some(c),
                    ImportProblem::Unmapped,
                ));
            }
            continue;
        };
        let i = i as usize;
        match columns.get(i).copied() {
            None => {
                let mut e = RowError::problem(header_row, Some(c), ImportProblem::NoSuchColumn);
                e.limit = Some(i as u64 + 1);
                errors.push(e);
            }
            Some(Slot::Use(_)) => {
                let mut e = RowError::problem(header_row, Some(c), ImportProblem::MappedTwice);
                e.header = short(&header[i]);
                errors.push(e);
            }
            Some(_) => columns[i] = Slot::Use(c),
        }
    }
    columns
}

fn slots_by_name(header_row: usize, header: &[String], errors: &mut Vec<RowError>) -> Vec<Slot> {
    let mut columns: Vec<Slot> = Vec::with_capacity(header.len());
    for cell in header {
        if cell.trim().is_empty() {
            columns.push(Slot::Nothing);
            continue;
        }
        if EXPORT_ONLY_COLUMNS.contains(&key(cell).as_str()) {
            columns.push(Slot::Ignore);
            continue;
        }
        match Column::from_header(cell) {
            Some(c) if columns.contains(&Slot::Use(c)) => {
                let mut e = RowError::problem(header_row, Some(c), ImportProblem::DuplicateColumn);
                e.header = short(cell);
                errors.push(e);
                columns.push(Slot::Nothing);
            }
            Some(c) => columns.push(Slot::Use(c)),
            None => {
                let mut e = RowError::problem(header_row, None, ImportProblem::UnknownColumn);
                e.header = short(cell);
                errors.push(e);
                columns.push(Slot::Nothing);
            }
        }
    }
    for c in Column::ALL.into_iter().filter(|c| c.required()) {
        if !columns.contains(&Slot::Use(c)) {
            errors.push(RowError::problem(
                header_row,
                Some(c),
                ImportProblem::MissingColumn,
            ));
        }
    }
    columns
}

fn parse_data(
    header_row: usize,
    data: Vec<&(usize, Vec<String>)>,
    columns: &[Slot],
    today: NaiveDate,
) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let mut errors = Vec::new();
    if data.is_empty() {
        return Err(vec![RowError::problem(
            header_row,
            None,
            ImportProblem::NoRows,
        )]);
    }
    if data.len() > MAX_ROWS {
        let mut e = RowError::problem(data[MAX_ROWS].0, None, ImportProblem::TooManyRows);
        e.limit = Some(MAX_ROWS as u64);
        return Err(vec![e]);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (row_no, cells) in data {
        match parse_row(*row_no, columns, cells, today) {
            Ok(r) => {
                let fp = r.fingerprint_text();
                if let Some(first) = seen.get(&fp) {
                    let col = r.reference.as_ref().map(|_| Column::Reference);
                    let mut e = RowError::problem(*row_no, col, ImportProblem::DuplicateInFile);
                    e.limit = Some(*first as u64);
                    errors.push(e);
                } else {
                    seen.insert(fp, *row_no);
                    out.push(r);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What a position of the header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Use(Column),
    /// A register-export column, read and ignored.
    Ignore,
    /// No header: a value under it is an extra cell.
    Nothing,
}

/// A header cell shown back in a message: at most 40 characters, one line.
fn short(cell: &str) -> String {
    let one_line: String = cell
        .trim_start_matches('\u{feff}')
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(40)
        .collect();
    one_line
}

fn parse_row(
    row: usize,
    columns: &[Slot],
    cells: &[String],
    today: NaiveDate,
) -> Result<ImportRow, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut values: [Option<String>; 13] = Default::default();
    for (i, cell) in cells.iter().enumerate() {
        let v = cell.trim();
        if v.is_empty() {
            continue;
        }
        match columns.get(i).copied().unwrap_or(Slot::Nothing) {
            Slot::Ignore => {}
            Slot::Use(c) if v.chars().count() > MAX_CELL => {
                let mut e = RowError::problem(row, Some(c), ImportProblem::CellTooLong);
                e.limit = Some(MAX_CELL as u64);
                errors.push(e);
            }
            Slot::Use(c) => values[c as usize] = Some(v.to_owned()),
            Slot::Nothing => {
                if !errors
                    .iter()
                    .any(|e: &RowError| e.kind == RowErrorKind::File(ImportProblem::ExtraCells))
                {
                    errors.push(RowError::problem(row, None, ImportProblem::ExtraCells));
                }
            }
        }
    }
    let take = |c: Column| values[c as usize].clone();
    let required = |c: Column, errors: &mut Vec<RowError>| {
        let v = take(c);
        if v.is_none() {
            errors.push(RowError::field(row, c, FieldErrorCode::Required));
        }
        v
    };

    let received_date =
        required(Column::ReceivedDate, &mut errors).and_then(|v| match parse_date(&v) {
            None => {
                errors.push(RowError::field(
                    row,
                    Column::ReceivedDate,
                    FieldErrorCode::DateFormat,
                ));
                None
            }
            Some(d) if d > today => {
                errors.push(RowError::field(
                    row,
                    Column::ReceivedDate,
                    FieldErrorCode::DateInFuture,
                ));
                None
            }
            Some(d) if d.year() < today.year() - 10 => {
                errors.push(RowError::field(
                    row,
                    Column::ReceivedDate,
                    FieldErrorCode::DateTooOld,
                ));
                None
            }
            Some(d) => Some(d),
        });
    let channel = required(Column::Channel, &mut errors).and_then(|v| {
        let c = parse_channel(&v);
        if c.is_none() {
            errors.push(RowError::field(
                row,
                Column::Channel,
                FieldErrorCode::InvalidChoice,
            ));
        }
        c
    });
    let kind = required(Column::Kind, &mut errors).and_then(|v| {
        let k = parse_kind(&v);
        if k.is_none() {
            errors.push(RowError::field(
                row,
                Column::Kind,
                FieldErrorCode::InvalidChoice,
            ));
        }
        k
    });
    let title = required(Column::Title, &mut errors);
    let description = required(Column::Description, &mut errors);
    let nik = take(Column::Nik).and_then(|v| match validate_nik(&v, today.year()) {
        Ok((n, _, _)) => Some(n),
        Err(e) => {
            errors.push(RowError::field(row, Column::Nik, e.code));
            None
        }
    });
    let phone = take(Column::Phone).and_then(|v| match normalize_phone(&excel_phone(&v)) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(RowError::field(row, Column::Phone, e.code));
            None
        }
    });
    let mut yes_no = |c: Column| match take(c).as_deref().map(parse_yes_no) {
        None => false,
        Some(Some(b)) => b,
        Some(None) => {
            errors.push(RowError::problem(row, Some(c), ImportProblem::YesNo));
            false
        }
    };
    let is_anonymous = yes_no(Column::Anonymous);
    let is_secret = yes_no(Column::Secret);
    match (received_date, channel, kind, title, description) {
        (Some(received_date), Some(channel), Some(kind), Some(title), Some(description))
            if errors.is_empty() =>
        {
            Ok(ImportRow {
                row,
                received_date,
                channel,
                kind,
                topic: take(Column::Topic),
                title,
                description,
                reporter_name: take(Column::ReporterName),
                nik,
                phone,
                address: take(Column::Address),
                is_anonymous,
                is_secret,
                reference: take(Column::Reference),
            })
        }
        _ => Err(errors),
    }
}

/// `YYYY-MM-DD` or `DD/MM/YYYY` (one-digit day and month accepted; `-` and
/// `.` as separators of the day-first form too).
/// A whole number from 20000 to 99999 is an Excel date serial (1900 date
/// system: day 1 is 1900-01-01, counted from 1899-12-30 past the leap-year
/// bug), as a spreadsheet gives a date cell whose format was lost.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() > 20 {
        return None;
    }
    if s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()) {
        let serial: i64 = s.parse().ok()?;
        if serial >= 20_000 {
            return NaiveDate::from_ymd_opt(1899, 12, 30)?
                .checked_add_signed(chrono::Duration::days(serial));
        }
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
        .filter(|d| d.year() >= 1900)
}

/// A sheet that keeps phone numbers as numbers drops the leading 0
/// (`81234567890`): put it back for a mobile number.
fn excel_phone(v: &str) -> String {
    let v = v.trim();
    if v.starts_with('8') && (9..=12).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{v}")
    } else {
        v.to_owned()
    }
}

pub fn parse_yes_no(v: &str) -> Option<bool> {
    match key(v).as_str() {
        "" | "tidak" | "t" | "no" | "n" | "0" | "false" | "bukan" => Some(false),
        "ya" | "y" | "yes" | "1" | "true" | "iya" => Some(true),
        _ => None,
    }
}

pub fn parse_channel(v: &str) -> Option<Channel> {
    let k = key(v);
    if let Some(c) = Channel::from_code(&k.replace(' ', "_")) {
        return Some(c);
    }
    Some(match k.as_str() {
        "langsung" | "loket" | "datang langsung" | "tatap muka langsung" => Channel::TatapMuka,
        "telp" | "telpon" | "phone" => Channel::Telepon,
        "sms 1708" | "1708" => Channel::Sms,
        "wa" | "whats app" => Channel::Whatsapp,
        "surat tertulis" | "letter" => Channel::Surat,
        "kotak pengaduan" | "kotak" => Channel::KotakSaran,
        "e mail" | "surel" => Channel::Email,
        "medsos" | "media social" | "sosial media" | "social media" => Channel::MediaSosial,
        "sp4n lapor" | "lapor web" | "sp4n" => Channel::Lapor,
        _ => return None,
    })
}

pub fn parse_kind(v: &str) -> Option<Kind> {
    let k = key(v);
    if let Some(c) = Kind::from_code(&k.replace(' ', "_")) {
        return Some(c);
    }
    Some(match k.as_str() {
        "pengaduan" | "keluhan" => Kind::PengaduanTidakBerkadarPengawasan,
        "pengaduan berkadar" => Kind::PengaduanBerkadarPengawasan,
        "informasi" | "permintaan info" | "permohonan informasi" => Kind::PermintaanInformasi,
        "saran" | "usulan" => Kind::Aspirasi,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    const HEADER: &str =
        "tanggal diterima,saluran,jenis,judul,isi,nama pelapor,nik,telepon,anonim,rahasia";

    fn errs(text: &str) -> Vec<(usize, Option<Column>, &'static str)> {
        parse_csv(text, today())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.row, e.column, e.kind.code()))
            .collect()
    }

    #[test]
    fn comma_file_with_every_column() {
        let text = format!(
            "{HEADER}\n2026-02-10,tatap muka,pengaduan,Antrean lama,Menunggu 3 jam,Siti Aminah,3201014508900003,0812-3456-7890,tidak,ya\n"
        );
        let rows = parse_csv(&text, today()).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.row, 2);
        assert_eq!(
            r.received_date,
            NaiveDate::from_ymd_opt(2026, 2, 10).unwrap()
        );
        assert_eq!(r.channel, Channel::TatapMuka);
        assert_eq!(r.kind, Kind::PengaduanTidakBerkadarPengawasan);
        assert_eq!(r.nik.as_deref(), Some("3201014508900003"));
        assert_eq!(r.phone.as_deref(), Some("+6281234567890"));
        assert!(!r.is_anonymous && r.is_secret);
    }

    #[test]
    fn semicolon_bom_crlf_and_day_first_dates() {
        let text = "\u{feff}Tanggal Diterima;Saluran;Jenis;Judul;Isi\r\n10/02/2026;WA;Aspirasi;Parkir;Parkir, sempit\r\n";
        let rows = parse_csv(text, today()).unwrap();
        assert_eq!(rows[0].channel, Channel::Whatsapp);
        assert_eq!(rows[0].description, "Parkir, sempit");
        assert_eq!(rows[0].received_date.to_string(), "2026-02-10");
    }

    #[test]
    fn quoted_cells_with_newlines_delimiters_and_quotes() {
        let text = "judul,isi,tanggal,kanal,jenis\n\"Obat \"\"habis\"\"\",\"baris satu\r\nbaris dua, tiga\",2026-01-05,surat,informasi\nB,c,2026-01-06,email,aspirasi\n";
        let rows = parse_csv(text, today()).unwrap();
        assert_eq!(rows[0].title, "Obat \"habis\"");
        assert_eq!(rows[0].description, "baris satu\nbaris dua, tiga");
        // The second record starts on line 4 of the file but is row 3.
        assert_eq!(rows[1].row, 3);
        assert_eq!(rows[1].kind, Kind::Aspirasi);
    }

    #[test]
    fn headers_are_case_space_and_punctuation_insensitive() {
        for h in [
            "TANGGAL  DITERIMA",
            "tanggal_diterima",
            "Tgl. Diterima",
            "Tanggal",
        ] {
            assert_eq!(Column::from_header(h), Some(Column::ReceivedDate), "{h}");
        }
        assert_eq!(Column::from_header("No. HP"), Some(Column::Phone));
        assert_eq!(
            Column::from_header("Nomor Referensi"),
            Some(Column::Reference)
        );
        assert_eq!(Column::from_header("warna"), None);
    }

    #[test]
    fn unknown_duplicate_and_missing_columns() {
        let e = errs("tanggal,saluran,jenis,judul,judul,warna\n");
        assert_eq!(
            e,
            vec![
                (1, Some(Column::Title), "duplicate_column"),
                (1, None, "unknown_column"),
                (1, Some(Column::Description), "missing_column"),
            ]
        );
    }

    #[test]
    fn empty_and_header_only_files() {
        assert_eq!(errs(""), vec![(1, None, "no_rows")]);
        assert_eq!(errs("\u{feff}\n\n"), vec![(1, None, "no_rows")]);
        assert_eq!(
            errs("tanggal,saluran,jenis,judul,isi\n,,,,\n"),
            vec![(1, None, "no_rows")]
        );
    }

    #[test]
    fn unterminated_quote_names_its_row() {
        assert_eq!(
            errs(
                "tanggal,saluran,jenis,judul,isi\n2026-01-01,sms,aspirasi,a,b\n2026-01-01,sms,aspirasi,\"a,b\n"
            ),
            vec![(3, None, "unterminated_quote")]
        );
    }

    #[test]
    fn each_bad_field_is_named_with_its_row() {
        let text = format!(
            "{HEADER}\n\
             2026-02-10,tatap muka,aspirasi,Baik,Isi,,,,,\n\
             2026-13-40,merpati,keluhan berat,,,,12345,12ab,mungkin,x\n\
             2026-03-03,sms,aspirasi,A,B,,,,,\n\
             02/01/2001,sms,aspirasi,A,B,,3201014508900003,0812345,,\n"
        );
        assert_eq!(
            errs(&text),
            vec![
                (3, Some(Column::ReceivedDate), "date_format"),
                (3, Some(Column::Channel), "invalid_choice"),
                (3, Some(Column::Kind), "invalid_choice"),
                (3, Some(Column::Title), "required"),
                (3, Some(Column::Description), "required"),
                (3, Some(Column::Nik), "nik_length"),
                (3, Some(Column::Phone), "phone_format"),
                (3, Some(Column::Anonymous), "yes_no"),
                (3, Some(Column::Secret), "yes_no"),
                (4, Some(Column::ReceivedDate), "date_in_future"),
                (5, Some(Column::ReceivedDate), "date_too_old"),
                (5, Some(Column::Phone), "phone_format"),
            ]
        );
    }

    #[test]
    fn extra_cells_and_duplicate_rows() {
        let text = "tanggal,saluran,jenis,judul,isi\n\
                    2026-01-01,sms,aspirasi,A,B,lebih\n\
                    2026-01-02,sms,aspirasi,Sama,Sama\n\
                    2026-01-02,SMS,Aspirasi,sama,  sama \n";
        let e = parse_csv(text, today()).unwrap_err();
        assert_eq!(e[0].kind, RowErrorKind::File(ImportProblem::ExtraCells));
        assert_eq!(e[0].row, 2);
        assert_eq!(
            e[1].kind,
            RowErrorKind::File(ImportProblem::DuplicateInFile)
        );
        assert_eq!((e[1].row, e[1].limit), (4, Some(3)));
    }

    #[test]
    fn excel_numbers_for_phones_and_blank_rows() {
        let text = "tanggal,saluran,jenis,judul,isi,telepon\n\n2026-01-01,sms,aspirasi,A,B,81234567890\n,,,,,\n";
        let rows = parse_csv(text, today()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].phone.as_deref(), Some("+6281234567890"));
        assert_eq!(rows[0].row, 3);
    }

    #[test]
    fn fingerprint_prefers_the_reference_and_ignores_spacing() {
        let a = parse_csv(
            "tanggal,saluran,jenis,judul,isi\n2026-01-01,sms,aspirasi,A  b,C\n",
            today(),
        )
        .unwrap();
        let b = parse_csv(
            "tanggal;saluran;jenis;judul;isi\n01/01/2026;SMS;aspirasi;a b;c\n",
            today(),
        )
        .unwrap();
        assert_eq!(a[0].fingerprint_text(), b[0].fingerprint_text());
        let r = parse_csv(
            "tanggal,saluran,jenis,judul,isi,referensi\n2026-01-01,sms,aspirasi,A,B,BK-7\n",
            today(),
        )
        .unwrap();
        assert_eq!(r[0].fingerprint_text(), "ref\u{1f}bk-7");
    }

    #[test]
    fn too_many_rows_is_refused() {
        let mut text = String::from("tanggal,saluran,jenis,judul,isi\n");
        for i in 0..=MAX_ROWS {
            text.push_str(&format!("2026-01-01,sms,aspirasi,T{i},B\n"));
        }
        assert_eq!(errs(&text), vec![(MAX_ROWS + 2, None, "too_many_rows")]);
    }

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn proposal_exact_then_normalised_then_synonyms() {
        let header = cells(&[
            "\u{feff} Nama Pelapor ",
            "No  HP",
            "Tgl. Diterima",
            "judul",
            "ISI",
            "Kanal",
            "Jénis",
            "Keterangan",
            "nama",
            "Status",
            "tanggal diterima",
        ]);
        let p = propose_mapping(&header);
        use MatchKind as M;
        assert_eq!(
            p,
            vec![
                (Some(Column::ReporterName), M::Normalized),
                (Some(Column::Phone), M::Synonym),
                (None, M::None),
                (Some(Column::Title), M::Exact),
                (Some(Column::Description), M::Normalized),
                (Some(Column::Channel), M::Synonym),
                (Some(Column::Kind), M::Normalized),
                (None, M::None),
                (None, M::None),
                (None, M::ExportOnly),
                (Some(Column::ReceivedDate), M::Exact),
            ]
        );
        // "Tgl. Diterima" lost to the exact header; without it, it is the date.
        let p = propose_mapping(&cells(&["Tgl. Diterima", "reporter name", "Phone"]));
        assert_eq!(p[0], (Some(Column::ReceivedDate), MatchKind::Synonym));
        assert_eq!(p[1], (Some(Column::ReporterName), MatchKind::Synonym));
        assert_eq!(p[2], (Some(Column::Phone), MatchKind::Synonym));
        let m = proposed_mapping(&cells(&["Tanggal", "telepon"]));
        assert_eq!(m.len(), Column::ALL.len());
        assert_eq!(m[0].column, Some(0));
        assert_eq!(
            m.iter().find(|f| f.field == Column::Phone).unwrap().column,
            Some(1)
        );
        assert_eq!(
            m.iter().find(|f| f.field == Column::Title).unwrap().column,
            None
        );
    }

    #[test]
    fn columns_are_found_by_number_or_header() {
        let header = cells(&["Tanggal", "Perihal Laporan", "Uraian"]);
        assert_eq!(find_column(&header, "2"), Some(1));
        assert_eq!(find_column(&header, "4"), None);
        assert_eq!(find_column(&header, "0"), None);
        assert_eq!(find_column(&header, "perihal_laporan"), Some(1));
        assert_eq!(find_column(&header, "warna"), None);
    }

    fn table(text: &str) -> Table {
        split_csv(text).unwrap()
    }

    #[test]
    fn a_mapping_reads_any_header_and_ignores_unmapped_columns() {
        let t = table(
            "Kapan,Lewat,Macam,Perihal Laporan,Cerita,Keterangan\n2026-01-05,sms,aspirasi,Parkir,Sempit,catatan\n",
        );
        // By name: every unknown header is refused.
        assert!(parse_table(&t, today()).is_err());
        let map = |pairs: &[(Column, Option<u32>)]| -> Vec<FieldMapping> {
            pairs
                .iter()
                .map(|(field, column)| FieldMapping {
                    field: *field,
                    column: *column,
                })
                .collect()
        };
        let m = map(&[
            (Column::ReceivedDate, Some(0)),
            (Column::Channel, Some(1)),
            (Column::Kind, Some(2)),
            (Column::Title, Some(3)),
            (Column::Description, Some(4)),
            (Column::Topic, None),
        ]);
        let rows = parse_table_mapped(&t, Some(&m), today()).unwrap();
        assert_eq!(rows[0].title, "Parkir");
        assert_eq!(rows[0].description, "Sempit");
        assert_eq!(rows[0].channel, Channel::Sms);

        // Required fields unmapped, a column out of range, one column twice.
        let m = map(&[
            (Column::ReceivedDate, Some(0)),
            (Column::Channel, Some(9)),
            (Column::Title, Some(3)),
            (Column::Description, Some(3)),
        ]);
        let e: Vec<_> = parse_table_mapped(&t, Some(&m), today())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.row, e.column, e.kind.code(), e.limit, e.header))
            .collect();
        assert_eq!(
            e,
            vec![
                (
                    1,
                    Some(Column::Channel),
                    "no_such_column",
                    Some(10),
                    "saluran".to_owned()
                ),
                (1, Some(Column::Kind), "unmapped", None, "jenis".to_owned()),
                (
                    1,
                    Some(Column::Description),
                    "mapped_twice",
                    None,
                    "Perihal Laporan".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn vocabulary_names_and_codes() {
        assert_eq!(parse_channel("Kotak Saran"), Some(Channel::KotakSaran));
        assert_eq!(parse_channel("media_sosial"), Some(Channel::MediaSosial));
        assert_eq!(parse_channel("LAPOR!"), Some(Channel::Lapor));
        assert_eq!(
            parse_kind("Pengaduan Berkadar Pengawasan"),
            Some(Kind::PengaduanBerkadarPengawasan)
        );
        assert_eq!(
            parse_kind("Permintaan Informasi"),
            Some(Kind::PermintaanInformasi)
        );
        assert_eq!(parse_yes_no("YA"), Some(true));
        assert_eq!(parse_yes_no("tidak"), Some(false));
        assert_eq!(parse_yes_no("mungkin"), None);
        assert_eq!(parse_date("46063").unwrap().to_string(), "2026-02-10");
        assert_eq!(parse_date("5/2/2026").unwrap().to_string(), "2026-02-05");
        assert_eq!(parse_date("2026-02-30"), None);
    }
}
