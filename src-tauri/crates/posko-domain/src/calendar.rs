//! The working-day calendar (hari kerja).
//!
//! Every LAPOR! deadline is counted in working days (domain.md §3), so the
//! calendar is the base of all due dates. Holidays are data, not code: Islamic
//! holidays move by government decision and published lists disagree, so the
//! table is shipped as an editable CSV and can be re-imported per year.
//!
//! Counting is pure date arithmetic on [`NaiveDate`]: a deadline is a local
//! calendar date in the office's zone (see [`crate::tz`]).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which weekdays the office serves. Some puskesmas also serve on Saturday,
/// so the work week is a setting rather than a constant.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum WorkWeek {
    /// Monday to Friday (the national default).
    #[default]
    FiveDay,
    /// Monday to Saturday.
    SixDay,
}

impl WorkWeek {
    /// Number of working weekdays per week; weekdays are counted from Monday,
    /// so day `i` of the week (Monday = 0) works when `i < days_per_week()`.
    pub fn days_per_week(self) -> u32 {
        match self {
            WorkWeek::FiveDay => 5,
            WorkWeek::SixDay => 6,
        }
    }
}

/// The kind of a day off. Kept apart because whether cuti bersama stops the
/// LAPOR! clock is not settled (domain.md §3), and regional holidays apply
/// only to one region.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Hari libur nasional.
    Nasional,
    /// Cuti bersama (collective leave fixed by the SKB 3 Menteri).
    CutiBersama,
    /// Libur daerah (regional holiday).
    Daerah,
}

impl HolidayKind {
    pub const ALL: [HolidayKind; 3] = [
        HolidayKind::Nasional,
        HolidayKind::CutiBersama,
        HolidayKind::Daerah,
    ];

    /// Stable code used in the database, CSV and JSON (same as serde).
    pub fn code(self) -> &'static str {
        match self {
            HolidayKind::Nasional => "nasional",
            HolidayKind::CutiBersama => "cuti_bersama",
            HolidayKind::Daerah => "daerah",
        }
    }

    pub fn from_code(s: &str) -> Option<HolidayKind> {
        HolidayKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// One day off, with the decree it comes from so an auditor can check it.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayKind,
    /// The decree or document the date comes from; may be empty.
    pub source: String,
}

/// The office's calendar settings.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarSettings {
    pub work_week: WorkWeek,
    /// Whether cuti bersama days are days off for deadline counting. Unsure in
    /// the rules (domain.md §3), so a setting; on by default because the
    /// office is in fact closed.
    pub cuti_bersama_stops_clock: bool,
}

impl Default for CalendarSettings {
    fn default() -> Self {
        CalendarSettings {
            work_week: WorkWeek::FiveDay,
            cuti_bersama_stops_clock: true,
        }
    }
}

/// A working-day calendar: a work week plus the days off that fall on it.
///
/// Only holidays that land on a working weekday are kept, sorted, so counting
/// the working days of any span is O(log h) (weekdays by arithmetic, minus a
/// binary-searched slice of holidays), and a membership test is one binary
/// search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    settings: CalendarSettings,
    /// Sorted, deduplicated days off that fall on a working weekday.
    closed: Vec<NaiveDate>,
}

impl Calendar {
    /// Builds the calendar. With `cuti_bersama_stops_clock == false`, cuti
    /// bersama entries are ignored (those days are working days).
    pub fn new(settings: CalendarSettings, holidays: &[Holiday]) -> Calendar {
        let days = settings.work_week.days_per_week();
        let mut closed: Vec<NaiveDate> = holidays
            .iter()
            .filter(|h| settings.cuti_bersama_stops_clock || h.kind != HolidayKind::CutiBersama)
            .map(|h| h.date)
            .filter(|d| is_working_weekday(days, *d))
            .collect();
        closed.sort_unstable();
        closed.dedup();
        Calendar { settings, closed }
    }

    pub fn settings(&self) -> CalendarSettings {
        self.settings
    }

    /// True when `d` is a working weekday and not a day off.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        is_working_weekday(self.settings.work_week.days_per_week(), d)
            && self.closed.binary_search(&d).is_err()
    }

    /// The `n`-th working day strictly after `start` (the start day is not
    /// counted, as in "3 hari kerja sejak diterima"). For `n == 0`: `start`
    /// itself if it is a working day, else the next working day.
    ///
    /// Walks day by day: a 60-working-day deadline touches at most ~90 days,
    /// each a weekday check and a binary search, so recomputing 100 000
    /// deadlines after a holiday edit stays in the milliseconds. Saturates at
    /// [`NaiveDate::MAX`] rather than panicking.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            let mut d = start;
            while !self.is_working_day(d) {
                match d.succ_opt() {
                    Some(next) => d = next,
                    None => return d,
                }
            }
            return d;
        }
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]` when `to >= from`; minus the working days
    /// in `(to, from]` when `to < from`. So `working_days_between(today, due)`
    /// is positive for days left, 0 on the due day and negative when late.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to >= from {
            self.count_in(from, to)
        } else {
            -self.count_in(to, from)
        }
    }

    /// Working days in `(a, b]`, `a <= b`.
    fn count_in(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        let w = self.settings.work_week.days_per_week();
        let weekdays = weekday_count(w, b) - weekday_count(w, a);
        // Holidays in (a, b]: those > a and <= b.
        let lo = self.closed.partition_point(|d| *d <= a);
        let hi = self.closed.partition_point(|d| *d <= b);
        weekdays - (hi - lo) as i64
    }
}

/// Monday = 0 … Sunday = 6; the day works when its index is below `days`.
fn is_working_weekday(days: u32, d: NaiveDate) -> bool {
    d.weekday().num_days_from_monday() < days
}

/// Number of working weekdays in `(0, t]` on the day-number axis where day 1
/// is 0001-01-01 (a Monday). Floor arithmetic keeps differences right for
/// dates before the common era as well.
fn weekday_count(days: u32, d: NaiveDate) -> i64 {
    let t = i64::from(d.num_days_from_ce());
    let full = t.div_euclid(7);
    let rem = t.rem_euclid(7);
    full * i64::from(days) + rem.min(i64::from(days))
}

/// Most data rows a holiday CSV may hold: a year has at most a few dozen
/// holidays, so more means the wrong file was chosen.
pub const MAX_HOLIDAY_ROWS: usize = 1000;

/// A problem in a holiday CSV, with the 1-based line it is on.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[error("line {line}: {kind}")]
pub struct HolidayCsvError {
    pub line: usize,
    pub kind: HolidayCsvErrorKind,
}

/// What is wrong with a holiday CSV row. A code plus the offending value (cut
/// to 60 characters) so the UI can say which cell to fix.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum HolidayCsvErrorKind {
    /// A required column (`date`, `name` or `kind`) is absent or blank.
    #[error("missing column {column}")]
    MissingColumn { column: String },
    #[error("bad date {value:?} (use YYYY-MM-DD or DD/MM/YYYY)")]
    BadDate { value: String },
    #[error("unknown holiday kind {value:?}")]
    UnknownKind { value: String },
    #[error("empty name")]
    EmptyName,
    #[error("date {date} appears twice")]
    DuplicateDate { date: NaiveDate },
    #[error("more than {limit} rows")]
    TooManyRows { limit: usize },
}

fn csv_err(line: usize, kind: HolidayCsvErrorKind) -> HolidayCsvError {
    HolidayCsvError { line, kind }
}

/// Cuts an offending cell for an error message (by chars, never mid-char).
fn excerpt(s: &str) -> String {
    s.chars().take(60).collect()
}

/// Column positions of one CSV layout.
#[derive(Clone, Copy, Debug)]
struct Columns {
    date: usize,
    name: usize,
    kind: usize,
    source: Option<usize>,
}

const POSITIONAL: Columns = Columns {
    date: 0,
    name: 1,
    kind: 2,
    source: Some(3),
};

/// Parses a holiday table: `date,name,kind,source`, one holiday a line.
///
/// Forgiving because the file is edited by hand in a spreadsheet:
/// - `;` or `,` separator, detected on the first non-empty line (Excel in the
///   Indonesian locale writes `;`); double quotes protect separators inside a
///   cell (`""` is a quote);
/// - an optional header line; when its cells are recognised names (`date` /
///   `tanggal`, `name` / `nama` / `keterangan`, `kind` / `jenis`, `source` /
///   `sumber` …) columns are taken by name, else by position;
/// - dates as `YYYY-MM-DD` or `DD/MM/YYYY`;
/// - kinds as codes or words (`libur nasional`, `cuti bersama`,
///   `libur daerah`), any case;
/// - blank lines skipped, cells trimmed, a UTF-8 BOM ignored; `source` optional.
///
/// Never panics; at most [`MAX_HOLIDAY_ROWS`] rows; a date may appear once.
pub fn parse_holiday_csv(text: &str) -> Result<Vec<Holiday>, HolidayCsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sep: Option<char> = None;
    let mut columns = POSITIONAL;
    let mut first = true;
    let mut out: Vec<Holiday> = Vec::new();
    let mut seen: std::collections::HashSet<NaiveDate> = std::collections::HashSet::new();

    for (idx, raw_line) in text.lines().enumerate() {
        let line_no = idx + 1;
        if raw_line.trim().is_empty() {
            continue;
        }
        let sep = *sep.get_or_insert_with(|| detect_separator(raw_line));
        let cells = split_csv_line(raw_line, sep);

        if first {
            first = false;
            if is_header(&cells) {
                columns = header_columns(&cells).map_err(|column| {
                    csv_err(line_no, HolidayCsvErrorKind::MissingColumn { column })
                })?;
                continue;
            }
        }

        if out.len() >= MAX_HOLIDAY_ROWS {
            return Err(csv_err(
                line_no,
                HolidayCsvErrorKind::TooManyRows {
                    limit: MAX_HOLIDAY_ROWS,
                },
            ));
        }

        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
        let missing = |column: &str| {
            csv_err(
                line_no,
                HolidayCsvErrorKind::MissingColumn {
                    column: column.to_string(),
                },
            )
        };

        let date_cell = cell(columns.date);
        if date_cell.is_empty() {
            return Err(missing("date"));
        }
        let date = parse_date(date_cell).ok_or_else(|| {
            csv_err(
                line_no,
                HolidayCsvErrorKind::BadDate {
                    value: excerpt(date_cell),
                },
            )
        })?;

        if cells.len() <= columns.name {
            return Err(missing("name"));
        }
        let name = cell(columns.name);
        if name.is_empty() {
            return Err(csv_err(line_no, HolidayCsvErrorKind::EmptyName));
        }

        let kind_cell = cell(columns.kind);
        if kind_cell.is_empty() {
            return Err(missing("kind"));
        }
        let kind = parse_kind(kind_cell).ok_or_else(|| {
            csv_err(
                line_no,
                HolidayCsvErrorKind::UnknownKind {
                    value: excerpt(kind_cell),
                },
            )
        })?;

        let source = columns.source.map(cell).unwrap_or("");

        if !seen.insert(date) {
            return Err(csv_err(
                line_no,
                HolidayCsvErrorKind::DuplicateDate { date },
            ));
        }
        out.push(Holiday {
            date,
            name: name.to_string(),
            kind,
            source: source.to_string(),
        });
    }
    Ok(out)
}

/// `;` when the line has one outside quotes, else `,`.
fn detect_separator(line: &str) -> char {
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return ';',
            _ => {}
        }
    }
    ','
}

/// Splits one line into trimmed cells. Quotes may wrap a cell; `""` inside a
/// quoted cell is one quote; an unclosed quote runs to the end of the line.
fn split_csv_line(line: &str, sep: char) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c == sep {
            cells.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

fn header_key(cell: &str) -> String {
    cell.trim().to_lowercase().replace([' ', '-'], "_")
}

fn header_role(cell: &str) -> Option<&'static str> {
    match header_key(cell).as_str() {
        "date" | "tanggal" | "tgl" => Some("date"),
        "name" | "nama" | "keterangan" | "nama_libur" | "description" => Some("name"),
        "kind" | "jenis" | "type" | "tipe" | "jenis_libur" => Some("kind"),
        "source" | "sumber" | "dasar" | "dasar_hukum" => Some("source"),
        _ => None,
    }
}

/// The first line is a header when no cell in it is a date and at least one
/// cell is a known column name.
fn is_header(cells: &[String]) -> bool {
    cells.iter().all(|c| parse_date(c).is_none()) && cells.iter().any(|c| header_role(c).is_some())
}

/// Columns by header name; `Err(column)` names the first required one absent.
fn header_columns(cells: &[String]) -> Result<Columns, String> {
    let find = |role: &str| cells.iter().position(|c| header_role(c) == Some(role));
    let date = find("date").ok_or_else(|| "date".to_string())?;
    let name = find("name").ok_or_else(|| "name".to_string())?;
    let kind = find("kind").ok_or_else(|| "kind".to_string())?;
    Ok(Columns {
        date,
        name,
        kind,
        source: find("source"),
    })
}

/// `YYYY-MM-DD` or `DD/MM/YYYY` (one-digit day and month accepted).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() > 20 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// Holiday kind from a code or an Indonesian phrase, any case.
fn parse_kind(s: &str) -> Option<HolidayKind> {
    let words: Vec<String> = s
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    match words.join(" ").as_str() {
        "nasional" | "libur nasional" | "hari libur nasional" => Some(HolidayKind::Nasional),
        "cuti bersama" => Some(HolidayKind::CutiBersama),
        "daerah" | "libur daerah" | "hari libur daerah" => Some(HolidayKind::Daerah),
        _ => None,
    }
}

impl fmt::Display for HolidayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

const HOLIDAYS_2026_CSV: &str = include_str!("../data/holidays_2026.csv");

/// The 2026 national holidays (17) and cuti bersama (8) of the SKB 3 Menteri,
/// shipped as seed data. Offices may edit or re-import the table.
pub fn holidays_2026() -> Vec<Holiday> {
    parse_holiday_csv(HOLIDAYS_2026_CSV).expect("bundled data/holidays_2026.csv is valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal2026(settings: CalendarSettings) -> Calendar {
        Calendar::new(settings, &holidays_2026())
    }

    fn five_day() -> Calendar {
        cal2026(CalendarSettings::default())
    }

    #[test]
    fn seed_2026_has_17_national_and_8_cuti_bersama() {
        let h = holidays_2026();
        let count = |k| h.iter().filter(|x| x.kind == k).count();
        assert_eq!(count(HolidayKind::Nasional), 17);
        assert_eq!(count(HolidayKind::CutiBersama), 8);
        assert_eq!(count(HolidayKind::Daerah), 0);
        assert!(h.iter().all(|x| x.date.year() == 2026));
        assert!(h.iter().all(|x| {
            x.source
                .starts_with("SKB Menteri Agama, Menteri Ketenagakerjaan")
        }));
        let cuti: Vec<NaiveDate> = h
            .iter()
            .filter(|x| x.kind == HolidayKind::CutiBersama)
            .map(|x| x.date)
            .collect();
        assert_eq!(
            cuti,
            vec![
                d(2026, 2, 16),
                d(2026, 3, 18),
                d(2026, 3, 20),
                d(2026, 3, 23),
                d(2026, 3, 24),
                d(2026, 5, 15),
                d(2026, 5, 28),
                d(2026, 12, 24),
            ]
        );
        let idul_fitri = h.iter().find(|x| x.date == d(2026, 3, 21)).unwrap();
        assert_eq!(idul_fitri.name, "Idul Fitri 1447 H");
        assert_eq!(idul_fitri.kind, HolidayKind::Nasional);
    }

    #[test]
    fn kind_codes_round_trip_and_match_serde() {
        for k in HolidayKind::ALL {
            assert_eq!(HolidayKind::from_code(k.code()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
        assert_eq!(HolidayKind::from_code("libur"), None);
        assert_eq!(serde_json::to_value(WorkWeek::SixDay).unwrap(), "six_day");
        let s: CalendarSettings =
            serde_json::from_str(r#"{"work_week":"five_day","cuti_bersama_stops_clock":false}"#)
                .unwrap();
        assert_eq!(s.work_week, WorkWeek::FiveDay);
        assert!(!s.cuti_bersama_stops_clock);
    }

    #[test]
    fn weekends_holidays_and_cuti_bersama() {
        let c = five_day();
        assert!(c.is_working_day(d(2026, 3, 17))); // Tuesday
        assert!(!c.is_working_day(d(2026, 3, 18))); // cuti bersama Nyepi
        assert!(!c.is_working_day(d(2026, 3, 19))); // Nyepi
        assert!(!c.is_working_day(d(2026, 3, 21))); // Saturday, Idul Fitri
        assert!(!c.is_working_day(d(2026, 3, 28))); // Saturday
        assert!(c.is_working_day(d(2026, 3, 25)));

        let open = cal2026(CalendarSettings {
            work_week: WorkWeek::FiveDay,
            cuti_bersama_stops_clock: false,
        });
        assert!(open.is_working_day(d(2026, 3, 18)));
        assert!(!open.is_working_day(d(2026, 3, 19)));

        let six = cal2026(CalendarSettings {
            work_week: WorkWeek::SixDay,
            cuti_bersama_stops_clock: true,
        });
        assert!(six.is_working_day(d(2026, 3, 28))); // ordinary Saturday
        assert!(!six.is_working_day(d(2026, 3, 21))); // Saturday, Idul Fitri
        assert!(!six.is_working_day(d(2026, 3, 29))); // Sunday
    }

    #[test]
    fn add_working_days_across_idul_fitri() {
        let c = five_day();
        // Tue 17 Mar; 18 cuti, 19 Nyepi, 20 cuti, 21–22 weekend/Idul Fitri,
        // 23–24 cuti: first working day is Wed 25 Mar.
        assert_eq!(c.add_working_days(d(2026, 3, 17), 1), d(2026, 3, 25));
        assert_eq!(c.add_working_days(d(2026, 3, 17), 3), d(2026, 3, 27));
        assert_eq!(c.add_working_days(d(2026, 3, 17), 4), d(2026, 3, 30));
        // n == 0: the day itself when it works, else the next working day.
        assert_eq!(c.add_working_days(d(2026, 3, 17), 0), d(2026, 3, 17));
        assert_eq!(c.add_working_days(d(2026, 3, 18), 0), d(2026, 3, 25));
        // Friday + 1 = Monday.
        assert_eq!(c.add_working_days(d(2026, 1, 9), 1), d(2026, 1, 12));
        // Over New Year 2026 (Thursday holiday).
        assert_eq!(c.add_working_days(d(2025, 12, 31), 1), d(2026, 1, 2));
    }

    #[test]
    fn working_days_between_signs() {
        let c = five_day();
        assert_eq!(c.working_days_between(d(2026, 3, 26), d(2026, 3, 27)), 1);
        assert_eq!(c.working_days_between(d(2026, 3, 27), d(2026, 3, 27)), 0);
        assert_eq!(c.working_days_between(d(2026, 3, 30), d(2026, 3, 27)), -1);
        assert_eq!(c.working_days_between(d(2026, 3, 17), d(2026, 3, 25)), 1);
        // The whole of 2026: 261 weekdays minus the 21 days off on weekdays
        // (Idul Fitri 21–22 Mar and Paskah 5 Apr and Waisak 31 May fall on weekends).
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
            261 - 21
        );
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let c = five_day();
        let _ = c.add_working_days(NaiveDate::MAX, 5);
        let _ = c.add_working_days(NaiveDate::MAX, 0);
        let _ = c.add_working_days(NaiveDate::MIN, 5);
        let between = c.working_days_between(NaiveDate::MIN, NaiveDate::MAX);
        assert!(between > 0);
        assert_eq!(
            c.working_days_between(NaiveDate::MAX, NaiveDate::MIN),
            -between
        );
    }

    #[test]
    fn csv_semicolon_slash_dates_words_and_header_by_name() {
        let text = "\u{feff}Tanggal;Jenis;Keterangan\r\n\
                    \r\n\
                    17/08/2026 ; Libur Nasional ; Proklamasi\r\n\
                    24/12/2026;CUTI BERSAMA;Natal\r\n\
                    1/9/2026;libur daerah;Hari Jadi Kabupaten\r\n";
        let h = parse_holiday_csv(text).unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h[0].date, d(2026, 8, 17));
        assert_eq!(h[0].name, "Proklamasi");
        assert_eq!(h[0].kind, HolidayKind::Nasional);
        assert_eq!(h[0].source, "");
        assert_eq!(h[1].kind, HolidayKind::CutiBersama);
        assert_eq!(h[2].date, d(2026, 9, 1));
        assert_eq!(h[2].kind, HolidayKind::Daerah);
    }

    #[test]
    fn csv_without_header_and_quoted_cells() {
        let text = "2026-01-01,\"Tahun Baru, Masehi\",nasional,\"SKB \"\"3 Menteri\"\"\"\n2026-02-16,Imlek,cuti_bersama";
        let h = parse_holiday_csv(text).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].name, "Tahun Baru, Masehi");
        assert_eq!(h[0].source, "SKB \"3 Menteri\"");
        assert_eq!(h[1].source, "");
        assert_eq!(parse_holiday_csv("").unwrap(), vec![]);
        assert_eq!(parse_holiday_csv("date,name,kind\n").unwrap(), vec![]);
    }

    #[test]
    fn csv_errors_carry_line_and_kind() {
        let e = |t: &str| parse_holiday_csv(t).unwrap_err();
        assert_eq!(
            e("date,name,kind\n\n2026-13-01,X,nasional"),
            HolidayCsvError {
                line: 3,
                kind: HolidayCsvErrorKind::BadDate {
                    value: "2026-13-01".into()
                }
            }
        );
        assert_eq!(
            e("2026-01-01,X,libur").kind,
            HolidayCsvErrorKind::UnknownKind {
                value: "libur".into()
            }
        );
        assert_eq!(
            e("2026-01-01, ,nasional").kind,
            HolidayCsvErrorKind::EmptyName
        );
        assert_eq!(
            e("2026-01-01").kind,
            HolidayCsvErrorKind::MissingColumn {
                column: "name".into()
            }
        );
        assert_eq!(
            e("2026-01-01,X").kind,
            HolidayCsvErrorKind::MissingColumn {
                column: "kind".into()
            }
        );
        assert_eq!(
            e(",X,nasional").kind,
            HolidayCsvErrorKind::MissingColumn {
                column: "date".into()
            }
        );
        assert_eq!(
            e("tanggal;nama\n2026-01-01;X"),
            HolidayCsvError {
                line: 1,
                kind: HolidayCsvErrorKind::MissingColumn {
                    column: "kind".into()
                }
            }
        );
        assert_eq!(
            e("2026-01-01,A,nasional\n01/01/2026,B,daerah"),
            HolidayCsvError {
                line: 2,
                kind: HolidayCsvErrorKind::DuplicateDate {
                    date: d(2026, 1, 1)
                }
            }
        );
        let err = e("29/02/2026,X,nasional");
        assert!(matches!(err.kind, HolidayCsvErrorKind::BadDate { .. }));
        assert_eq!(
            err.to_string(),
            "line 1: bad date \"29/02/2026\" (use YYYY-MM-DD or DD/MM/YYYY)"
        );
    }

    #[test]
    fn csv_row_limit() {
        let start = d(2000, 1, 1);
        let rows = |n: usize| {
            let mut s = String::from("date,name,kind\n");
            for i in 0..n {
                let day = start + chrono::Days::new(i as u64);
                s.push_str(&format!("{day},H{i},daerah\n"));
            }
            s
        };
        assert_eq!(
            parse_holiday_csv(&rows(MAX_HOLIDAY_ROWS)).unwrap().len(),
            MAX_HOLIDAY_ROWS
        );
        assert_eq!(
            parse_holiday_csv(&rows(MAX_HOLIDAY_ROWS + 1)).unwrap_err(),
            HolidayCsvError {
                line: MAX_HOLIDAY_ROWS + 2,
                kind: HolidayCsvErrorKind::TooManyRows {
                    limit: MAX_HOLIDAY_ROWS
                }
            }
        );
    }

    #[test]
    fn error_serializes_with_a_code() {
        let err = HolidayCsvError {
            line: 4,
            kind: HolidayCsvErrorKind::EmptyName,
        };
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"line": 4, "kind": {"code": "empty_name"}})
        );
    }

    // ---- property tests -------------------------------------------------

    fn base() -> NaiveDate {
        d(2025, 1, 1)
    }

    fn arb_kind() -> impl Strategy<Value = HolidayKind> {
        prop_oneof![
            Just(HolidayKind::Nasional),
            Just(HolidayKind::CutiBersama),
            Just(HolidayKind::Daerah),
        ]
    }

    fn arb_settings() -> impl Strategy<Value = CalendarSettings> {
        (any::<bool>(), any::<bool>()).prop_map(|(six, stops)| CalendarSettings {
            work_week: if six {
                WorkWeek::SixDay
            } else {
                WorkWeek::FiveDay
            },
            cuti_bersama_stops_clock: stops,
        })
    }

    /// Up to 120 holidays over four years, duplicates allowed (Calendar::new
    /// must cope with a list that did not go through the CSV checks).
    fn arb_holidays() -> impl Strategy<Value = Vec<Holiday>> {
        prop::collection::vec((0u64..1460, arb_kind()), 0..120).prop_map(|v| {
            v.into_iter()
                .map(|(off, kind)| Holiday {
                    date: base() + chrono::Days::new(off),
                    name: "h".into(),
                    kind,
                    source: String::new(),
                })
                .collect()
        })
    }

    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        (0u64..1460).prop_map(|off| base() + chrono::Days::new(off))
    }

    /// Reference implementation: count day by day.
    fn slow_between(c: &Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut n = 0;
        let mut x = a;
        while x < b {
            x = x.succ_opt().unwrap();
            if c.is_working_day(x) {
                n += 1;
            }
        }
        sign * n
    }

    proptest! {
        #[test]
        fn result_is_a_working_day_strictly_after_start(
            s in arb_settings(), h in arb_holidays(), start in arb_date(), n in 1u32..=120
        ) {
            let c = Calendar::new(s, &h);
            let due = c.add_working_days(start, n);
            prop_assert!(c.is_working_day(due));
            prop_assert!(due > start);
        }

        #[test]
        fn zero_days_gives_a_working_day_not_before_start(
            s in arb_settings(), h in arb_holidays(), start in arb_date()
        ) {
            let c = Calendar::new(s, &h);
            let due = c.add_working_days(start, 0);
            prop_assert!(c.is_working_day(due));
            prop_assert!(due >= start);
            prop_assert_eq!(due == start, c.is_working_day(start));
        }

        #[test]
        fn monotone_in_n_and_in_start(
            s in arb_settings(), h in arb_holidays(), a in arb_date(), b in arb_date(),
            n in 0u32..=90, m in 0u32..=90
        ) {
            let c = Calendar::new(s, &h);
            let (n1, n2) = (n.min(m), n.max(m));
            prop_assert!(c.add_working_days(a, n1) <= c.add_working_days(a, n2));
            let (s1, s2) = (a.min(b), a.max(b));
            prop_assert!(c.add_working_days(s1, n) <= c.add_working_days(s2, n));
        }

        #[test]
        fn between_inverts_add(
            s in arb_settings(), h in arb_holidays(), start in arb_date(), n in 1u32..=120
        ) {
            let c = Calendar::new(s, &h);
            let due = c.add_working_days(start, n);
            prop_assert_eq!(c.working_days_between(start, due), i64::from(n));
        }

        #[test]
        fn between_is_antisymmetric_and_matches_slow_count(
            s in arb_settings(), h in arb_holidays(), a in arb_date(), b in arb_date()
        ) {
            let c = Calendar::new(s, &h);
            prop_assert_eq!(c.working_days_between(a, b), -c.working_days_between(b, a));
            prop_assert_eq!(c.working_days_between(a, b), slow_between(&c, a, b));
        }

        #[test]
        fn six_day_week_is_never_later(
            stops in any::<bool>(), h in arb_holidays(), start in arb_date(), n in 0u32..=120
        ) {
            let five = Calendar::new(CalendarSettings { work_week: WorkWeek::FiveDay, cuti_bersama_stops_clock: stops }, &h);
            let six = Calendar::new(CalendarSettings { work_week: WorkWeek::SixDay, cuti_bersama_stops_clock: stops }, &h);
            prop_assert!(six.add_working_days(start, n) <= five.add_working_days(start, n));
        }

        #[test]
        fn csv_parser_never_panics(text in "\\PC*") {
            let _ = parse_holiday_csv(&text);
        }

        #[test]
        fn csv_parser_never_panics_on_csv_like_text(
            text in "([0-9/;,\\-\" a-zA-Z_]{0,40}\r?\n){0,8}"
        ) {
            let _ = parse_holiday_csv(&text);
        }

        #[test]
        fn csv_round_trips_generated_rows(h in arb_holidays()) {
            let mut seen = std::collections::HashSet::new();
            let h: Vec<Holiday> = h.into_iter().filter(|x| seen.insert(x.date)).collect();
            let mut text = String::from("date;name;kind;source\n");
            for x in &h {
                text.push_str(&format!("{};{};{};\"a; b\"\n", x.date.format("%d/%m/%Y"), x.name, x.kind));
            }
            let back = parse_holiday_csv(&text).unwrap();
            prop_assert_eq!(back.len(), h.len());
            for (a, b) in back.iter().zip(&h) {
                prop_assert_eq!(a.date, b.date);
                prop_assert_eq!(a.kind, b.kind);
                prop_assert_eq!(&a.source, "a; b");
            }
        }
    }
}
