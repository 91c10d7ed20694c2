//! Monev indicators from the store: the facts of each complaint as of the end
//! of the period (replayed from the append-only timeline), the pure math of
//! `posko_domain::monev`, staff activity, each unit's complaint-team decree
//! (SK tim) and action plan (rencana aksi), the visits' rankings, and the
//! editable texts of the report's sections.
//!
//! [`Posko::monev_indicators`] is the one function behind both the dashboard
//! and the period report (PDF), so the two can never disagree; the dashboard's
//! drill-down uses the same predicate (`posko_domain::monev::in_cell`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use posko_domain::deadline::DeadlineStep;
use posko_domain::monev::{
    self, Cell, ComplaintFact, ComplaintIndicators, DeadlineFact, Partial, Period, TimelineStep,
};
use posko_domain::monev_lists::{ListCaps, Lists, Picked, pick_from_facts};
use posko_domain::role::{Permission, Role};
use posko_domain::validation::{FieldError, FieldErrorCode};
use posko_domain::{Channel, Kind, Status};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::app::{Posko, now_text, parse_date, parse_instant, require};
use crate::error::{CoreError, CoreResult};
use crate::model::{Actor, ComplaintRow, IdInput};
use crate::validate;
use crate::visits::{InstrumentRef, MONEV, Ranking, UnitView, unit_by_code};

/// The longest period a report covers.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

/// A period and the units to report on (empty = every unit of the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MonevQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub units: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TeamDecree {
    pub number: String,
    pub date: NaiveDate,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TeamDecreeInput {
    pub unit_code: String,
    pub number: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ActionItemInput {
    /// None adds an item.
    #[serde(default)]
    #[ts(optional)]
    pub id: Option<i64>,
    pub unit_code: String,
    pub year: i32,
    pub action: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    #[ts(optional)]
    pub due_date: Option<NaiveDate>,
    /// 0..=100 percent.
    pub progress: u8,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ActionItemView {
    pub id: i64,
    pub unit_code: String,
    pub year: i32,
    pub action: String,
    pub owner: String,
    pub due_date: Option<NaiveDate>,
    pub progress: u8,
    pub note: String,
    pub updated_by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ActionPlanQuery {
    #[ts(optional)]
    pub unit_code: Option<String>,
    #[ts(optional)]
    pub year: Option<i32>,
}

/// What KemenPANRB asks of a unit: its team decree and its action plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct UnitGovernance {
    pub unit: UnitView,
    pub decree: Option<TeamDecree>,
    /// Items of the years the period touches.
    pub action_plan: Vec<ActionItemView>,
    /// Mean progress of the items, percent (two decimals).
    pub action_progress: Option<f64>,
    pub action_done: u32,
    /// Not finished and past their due date at the end of the period.
    pub action_overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoleActivity {
    pub role: Role,
    pub accounts: u32,
    pub active: u32,
}

/// Users with a sign-in or a recorded action in the last month of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StaffActivity {
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub accounts: u32,
    pub active: u32,
    pub by_role: Vec<RoleActivity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TopicLabel {
    pub id: i64,
    /// "Parent › Child".
    pub label: String,
}

/// Everything the monev dashboard and the period report show.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MonevIndicators {
    pub query: MonevQuery,
    pub units: Vec<UnitView>,
    pub complaints: ComplaintIndicators,
    /// Names of the topic ids in `complaints.by_topic`.
    pub topics: Vec<TopicLabel>,
    pub staff: StaffActivity,
    pub governance: Vec<UnitGovernance>,
    /// One ranking per instrument with finished visits in the period.
    pub rankings: Vec<Ranking>,
    /// Deadline rule versions the complaints of the period were measured with.
    pub rule_versions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DrilldownInput {
    pub query: MonevQuery,
    pub cell: Cell,
    #[serde(default)]
    pub offset: u32,
    /// 1..=500; 0 = 50.
    #[serde(default)]
    pub limit: u32,
}

/// The complaints behind one number of the dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Drilldown {
    pub cell: Cell,
    /// The number on the dashboard (rahasia complaints included).
    pub total: u64,
    /// Rahasia complaints counted in `total` but not listed for this viewer.
    pub hidden_secret: u64,
    pub rows: Vec<ComplaintRow>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportTemplateView {
    pub key: String,
    pub title: String,
    pub body: String,
    pub default_body: String,
    pub customized: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReportTemplateInput {
    pub key: String,
    /// An empty body returns the section to its default text.
    pub body: String,
}

pub const TEMPLATE_MAX: usize = 20_000;

#[derive(Deserialize)]
struct DefaultSection {
    title: String,
    body: String,
}

/// The default section texts, in report order.
pub fn default_sections() -> Vec<(String, String, String)> {
    const TEXT: &str = include_str!("../templates/report_sections.toml");
    const ORDER: [&str; 9] = [
        "kop_surat",
        "kata_pengantar",
        "latar_belakang",
        "dasar_hukum",
        "maksud_tujuan",
        "ruang_lingkup",
        "metode",
        "rekomendasi_umum",
        "penutup",
    ];
    let map: BTreeMap<String, DefaultSection> =
        toml::from_str(TEXT).expect("bundled templates/report_sections.toml is valid");
    ORDER
        .iter()
        .filter_map(|k| {
            map.get(*k)
                .map(|s| (k.to_string(), s.title.clone(), s.body.trim().to_owned()))
        })
        .collect()
}

/// `parse_date` without chrono's format parser for the usual `YYYY-MM-DD`
/// (the indicators read several dates per complaint); anything else goes
/// through `parse_date`, so the result is the same.
fn date_of(s: &str) -> NaiveDate {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
        && let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d)
    {
        return date;
    }
    parse_date(s)
}

/// The office-local date of an instant as the core writes it
/// (`now_text`: `YYYY-MM-DDTHH:MM:SS.mmmZ`) without chrono's RFC 3339
/// parser (the indicators read several instants per complaint): the zones
/// are whole hours east of UTC, so the date moves on when the hour plus the
/// offset reaches 24. Anything else goes through `parse_instant`, so the
/// result is the same.
fn local_date_of(s: &str, zone: posko_domain::OfficeZone) -> NaiveDate {
    let b = s.as_bytes();
    if b.len() == 24
        && b[10] == b'T'
        && b[13] == b':'
        && b[23] == b'Z'
        && is_plain_date(&s[..10])
        && b[11].is_ascii_digit()
        && b[12].is_ascii_digit()
    {
        let hour = i32::from(b[11] - b'0') * 10 + i32::from(b[12] - b'0');
        let date = date_of(&s[..10]);
        if hour < 24 && date != NaiveDate::default() {
            return if hour + zone.offset_hours() >= 24 {
                date.succ_opt().unwrap_or(date)
            } else {
                date
            };
        }
    }
    zone.local_date(parse_instant(s))
}

/// `YYYY-MM-DD` with digits, as the core writes dates (what `date_of`
/// reads without chrono's parser).
fn is_plain_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// A text column without copying it.
fn text<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'a str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A text column or NULL, without copying it.
fn text_or_null<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'a str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// What [`Posko::load_facts_at`] read.
struct Loaded {
    facts: Vec<ComplaintFact>,
    /// The rule versions of all their deadlines.
    versions: BTreeSet<String>,
    /// Per fact: the latest of its date received, status steps (office-local
    /// date of `last_at`), deadline starts and deadline met dates. Only with
    /// the kept facts.
    changed: Vec<NaiveDate>,
    /// The versions seen, and per fact the bits of its deadlines' versions.
    version_list: Vec<String>,
    version_bits: Vec<u64>,
}

/// A row of `monev_month_cache` (migration 0009): the counts of one unit's
/// complaints received in one month or on one day, and their deadlines'
/// rule versions.
#[derive(Serialize, Deserialize, Default)]
struct CachedMonth {
    partial: Partial,
    versions: BTreeSet<String>,
    /// `Posko::calendar_mark` when it was made.
    calendar: String,
}

/// How long the report's lists are (the month cache keeps candidates for
/// these); a test shortens them so that the cuts are exercised.
fn list_caps() -> ListCaps {
    #[cfg(test)]
    if let Some(caps) = TEST_CAPS.with(|c| c.get()) {
        return caps;
    }
    ListCaps {
        cases: crate::reports::CASES_MAX,
        late: crate::reports::APPENDIX_MAX,
    }
}

#[cfg(test)]
thread_local! {
    static TEST_CAPS: std::cell::Cell<Option<ListCaps>> = const { std::cell::Cell::new(None) };
    /// Reports whose lists were made from every complaint of the period.
    static REPORT_READS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The lists of the period report, with the facts of the complaints listed
/// (as of the period's end).
pub(crate) struct ReportLists {
    /// The latest finished complaints (not rahasia), the latest first.
    pub cases: Vec<ComplaintFact>,
    /// The most late (not rahasia), with their lateness in working days.
    pub late: Vec<(ComplaintFact, i64)>,
    /// How many complaints (not rahasia) are late.
    pub overdue_total: u64,
}

/// The report's lists: the facts `picked` names (among `facts`), in its order.
fn listed(picked: &Picked, facts: Vec<ComplaintFact>) -> ReportLists {
    let facts: HashMap<i64, ComplaintFact> = facts.into_iter().map(|f| (f.id, f)).collect();
    // A complaint in both lists is cloned for each.
    let take = |id: &i64| facts.get(id).cloned();
    let cases = picked.cases.iter().filter_map(take).collect();
    let late = picked
        .late
        .iter()
        .filter_map(|(id, l)| Some((take(id)?, *l)))
        .collect();
    ReportLists {
        cases,
        late,
        overdue_total: picked.overdue_total,
    }
}

/// Which complaints [`Posko::load_facts_in`] reads.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// Received in a period (both days included), by the units given.
    Period { from: NaiveDate, to: NaiveDate },
    /// These complaints.
    Ids(&'a [i64]),
}

/// How the indicators count: through the month cache, or row by row.
#[derive(Clone, Copy)]
enum Counting {
    Cached {
        with_lists: bool,
    },
    #[cfg_attr(not(test), allow(dead_code))]
    Rows,
}

/// A part of a period the month cache keeps apart: a month lying wholly
/// inside it (key `YYYY-MM`), or one day of a month it only partly covers
/// (key `YYYY-MM-DD`).
struct Bucket {
    key: String,
    first: NaiveDate,
    last: NaiveDate,
}

/// The period cut into buckets, in date order: every day in exactly one.
fn buckets(from: NaiveDate, to: NaiveDate) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let month_first = d.with_day(1).unwrap_or(d);
        let month_last = month_first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|n| n.pred_opt())
            .unwrap_or(d);
        if d == month_first && month_last <= to {
            out.push(Bucket {
                key: monev::month_key(d),
                first: d,
                last: month_last,
            });
            d = month_last;
        } else {
            out.push(Bucket {
                key: d.to_string(),
                first: d,
                last: d,
            });
        }
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

fn invalid(field: &str, code: FieldErrorCode) -> CoreError {
    CoreError::validation(vec![FieldError::new(field, code)])
}

impl Posko {
    /// The end of the period as an instant: the start of the next office-local day.
    pub(crate) fn end_instant(&self, to: NaiveDate) -> String {
        let next = to
            .succ_opt()
            .unwrap_or(to)
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists");
        let local = self
            .zone()
            .offset()
            .from_local_datetime(&next)
            .single()
            .expect("fixed offsets are unambiguous");
        now_text(local.with_timezone(&Utc))
    }

    /// Check a query and resolve its units (all units when none are named).
    pub(crate) fn monev_units(&self, q: &MonevQuery) -> CoreResult<Vec<UnitView>> {
        if q.to < q.from {
            return Err(invalid("to", FieldErrorCode::DateFormat));
        }
        if (q.to - q.from).num_days() > MAX_PERIOD_DAYS {
            return Err(CoreError::validation(vec![FieldError::with_limit(
                "to",
                FieldErrorCode::TooLong,
                MAX_PERIOD_DAYS as u64,
            )]));
        }
        if q.units.is_empty() {
            return self.all_units();
        }
        let mut out = Vec::new();
        for code in &q.units {
            match unit_by_code(&self.db.conn, code, self.cache.home_unit_id)? {
                Some(u) if !out.contains(&u) => out.push(u),
                Some(_) => {}
                None => return Err(invalid("units", FieldErrorCode::InvalidChoice)),
            }
        }
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    fn all_units(&self) -> CoreResult<Vec<UnitView>> {
        let home = self.cache.home_unit_id;
        let mut stmt = self
            .db
            .conn
            .prepare_cached("SELECT id, code, name FROM units ORDER BY code")?;
        let rows = stmt.query_map([], |r| {
            let id: i64 = r.get(0)?;
            Ok(UnitView {
                id,
                code: r.get(1)?,
                name: r.get(2)?,
                is_home: Some(id) == home,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The facts of every complaint received in the period by the units, as of its end.
    ///
    /// Read from the kept facts (`complaint_facts`, migration 0008): a
    /// complaint whose every status step is before the end of the period is
    /// now what it was then. Only the complaints that moved after the end are
    /// replayed from their timeline. Gives exactly what
    /// [`Self::complaint_facts_replayed`] gives (a test compares them).
    ///
    /// Three reads, none of them per complaint in received-date order (that
    /// order made every facts and deadline lookup a random page of a table
    /// larger than the page cache, so each page was read and decrypted many
    /// times: super-linear, n^1.29): the period's complaints from the covering
    /// index, then their facts and deadlines in id order (docs/benchmarks.md).
    pub(crate) fn complaint_facts(
        &self,
        q: &MonevQuery,
        units: &[UnitView],
    ) -> CoreResult<(Vec<ComplaintFact>, BTreeSet<String>)> {
        self.load_facts(q, units, true)
    }

    /// The facts by replaying every complaint's timeline (the reference the
    /// kept facts are checked against).
    #[cfg(test)]
    pub(crate) fn complaint_facts_replayed(
        &self,
        q: &MonevQuery,
        units: &[UnitView],
    ) -> CoreResult<(Vec<ComplaintFact>, BTreeSet<String>)> {
        self.load_facts(q, units, false)
    }

    fn load_facts(
        &self,
        q: &MonevQuery,
        units: &[UnitView],
        kept: bool,
    ) -> CoreResult<(Vec<ComplaintFact>, BTreeSet<String>)> {
        let l = self.load_facts_at(q.from, q.to, q.to, units, kept)?;
        Ok((l.facts, l.versions))
    }

    /// The facts of the complaints received from `from` to `to` by the
    /// units, as of the end of the day `as_of`, with (kept facts only) the
    /// date each last changed and the rule versions of its deadlines.
    fn load_facts_at(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        as_of: NaiveDate,
        units: &[UnitView],
        kept: bool,
    ) -> CoreResult<Loaded> {
        self.load_facts_in(Scope::Period { from, to }, as_of, units, kept)
    }

    /// [`Self::load_facts_at`] of the complaints received in a period, or
    /// of a few complaints by id (the report's lists; `units` names their
    /// units).
    fn load_facts_in(
        &self,
        scope: Scope<'_>,
        as_of: NaiveDate,
        units: &[UnitView],
        kept: bool,
    ) -> CoreResult<Loaded> {
        let conn = &self.db.conn;
        let (args, filter) = match scope {
            Scope::Period { from, to } => {
                let mut args: Vec<Value> =
                    vec![Value::Text(from.to_string()), Value::Text(to.to_string())];
                args.extend(units.iter().map(|u| Value::Integer(u.id)));
                if units.is_empty() {
                    args.push(Value::Integer(-1));
                }
                let marks = vec!["?"; args.len() - 2].join(",");
                // From the covering index `complaints_monev`.
                (
                    args,
                    format!("c.received_date BETWEEN ?1 AND ?2 AND c.unit_id IN ({marks})"),
                )
            }
            Scope::Ids(ids) => {
                let mut args: Vec<Value> = ids.iter().map(|id| Value::Integer(*id)).collect();
                if args.is_empty() {
                    args.push(Value::Integer(-1));
                }
                let marks = vec!["?"; args.len()].join(",");
                (args, format!("c.id IN ({marks})"))
            }
        };
        let scope = format!("SELECT c.id FROM complaints c WHERE {filter}");
        let zone = self.zone();
        let end = self.end_instant(as_of);
        let local = |s: &str| local_date_of(s, zone);
        let code_of: HashMap<i64, &str> = units.iter().map(|u| (u.id, u.code.as_str())).collect();
        let mut facts = Vec::new();
        let mut odd: Vec<i64> = Vec::new();
        {
            let mut stmt = conn.prepare(&format!(
                "SELECT c.id, c.unit_id, c.received_date, c.kind, c.channel, c.topic_id, c.is_secret, c.is_anonymous
                 FROM complaints c WHERE {filter}"
            ))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
            while let Some(r) = rows.next()? {
                let unit_id: i64 = r.get(1)?;
                if !is_plain_date(text(r, 2)?) {
                    // Its cache key (`substr(received_date, 1, 7)` in the
                    // triggers) might not be its month: never cached.
                    odd.push(r.get(0)?);
                }
                facts.push(ComplaintFact {
                    id: r.get(0)?,
                    unit_code: code_of
                        .get(&unit_id)
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    received_date: date_of(text(r, 2)?),
                    kind: Kind::from_code(text(r, 3)?).unwrap_or(Kind::Aspirasi),
                    channel: Channel::from_code(text(r, 4)?).unwrap_or(Channel::TatapMuka),
                    topic_id: r.get(5)?,
                    is_secret: r.get(6)?,
                    is_anonymous: r.get(7)?,
                    status: Status::Received,
                    verified_on: None,
                    routed_on: None,
                    first_follow_up_on: None,
                    closed_on: None,
                    reopened: false,
                    deadlines: Vec::new(),
                });
            }
        }
        // In id order (sorted here, not by a temporary B-tree in SQLite): a
        // complaint's place is a binary search.
        facts.sort_unstable_by_key(|f| f.id);
        let place =
            |facts: &[ComplaintFact], id: i64| facts.binary_search_by_key(&id, |f| f.id).ok();
        // The kept facts, looked up in id order (`IN (…)` is a sorted list):
        // every page of `complaint_facts` is read (and decrypted) at most
        // once, not once per complaint in received-date order.
        let mut moved = vec![!kept; facts.len()];
        // The latest date anything the facts hold happened (kept facts only).
        let mut changed: Vec<NaiveDate> = facts.iter().map(|f| f.received_date).collect();
        for id in odd {
            if let Some(i) = place(&facts, id) {
                changed[i] = NaiveDate::MAX;
            }
        }
        if kept {
            let mut stmt = conn.prepare(&format!(
                "SELECT f.complaint_id, f.last_at, f.status, f.status_at, f.verified_at, f.routed_at,
                        f.first_follow_up_at, f.reopened_at
                 FROM complaint_facts f WHERE f.complaint_id IN ({scope})"
            ))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
            while let Some(r) = rows.next()? {
                let Some(i) = place(&facts, r.get(0)?) else {
                    continue;
                };
                let last: &str = text(r, 1)?;
                changed[i] = changed[i].max(local(last));
                if last >= end.as_str() {
                    // Moved after the end of the period: replayed below.
                    moved[i] = true;
                    continue;
                }
                let at = |i: usize| -> rusqlite::Result<Option<NaiveDate>> {
                    Ok(text_or_null(r, i)?.map(local))
                };
                let status = Status::from_code(text(r, 2)?);
                let f = &mut facts[i];
                f.status = status.unwrap_or(Status::Received);
                f.closed_on = match status {
                    Some(s) if !s.is_open() => at(3)?,
                    _ => None,
                };
                f.verified_on = at(4)?;
                f.routed_on = at(5)?;
                f.first_follow_up_on = at(6)?;
                f.reopened = text_or_null(r, 7)?.is_some();
            }
            // No facts row: no status step at all, received (as the replay of nothing says).
        }
        if moved.iter().any(|m| *m) {
            let mut stmt = conn.prepare_cached(
                "SELECT at, from_status, to_status FROM complaint_events
                 WHERE complaint_id = ?1 AND to_status IS NOT NULL AND at < ?2 ORDER BY id",
            )?;
            let mut steps: Vec<TimelineStep> = Vec::new();
            for (f, _) in facts.iter_mut().zip(&moved).filter(|(_, m)| **m) {
                steps.clear();
                let mut rows = stmt.query(params![f.id, end])?;
                while let Some(r) = rows.next()? {
                    let Some(to) = Status::from_code(&r.get::<_, String>(2)?) else {
                        continue;
                    };
                    steps.push(TimelineStep {
                        on: local(&r.get::<_, String>(0)?),
                        from: r
                            .get::<_, Option<String>>(1)?
                            .and_then(|s| Status::from_code(&s)),
                        to,
                    });
                }
                let r = monev::replay(&steps);
                f.status = r.status;
                f.verified_on = r.verified_on;
                f.routed_on = r.routed_on;
                f.first_follow_up_on = r.first_follow_up_on;
                f.closed_on = r.closed_on;
                f.reopened = r.reopened;
            }
        }
        // The deadlines. A period holding most of the store's complaints (the
        // dashboard's year) reads the table straight through in storage
        // order; a smaller one looks its complaints' deadlines up in id order
        // (`IN (…)` is a sorted list), so no page is read twice either way.
        let mut versions = BTreeSet::new();
        // Each fact's rule versions, as bits of `version_list`.
        let mut version_list: Vec<String> = Vec::new();
        let mut version_bits = vec![0u64; facts.len()];
        {
            let in_store: i64 =
                conn.query_row("SELECT coalesce(max(id), 0) FROM complaints", [], |r| {
                    r.get(0)
                })?;
            let mut stmt;
            let mut rows = if facts.len() as i64 * 2 >= in_store {
                stmt = conn.prepare_cached(
                    "SELECT d.complaint_id, d.step, d.due_date, d.met_date, d.rule_version, d.start_date
                     FROM deadlines d NOT INDEXED",
                )?;
                stmt.query([])?
            } else {
                stmt = conn.prepare_cached(&format!(
                    "SELECT d.complaint_id, d.step, d.due_date, d.met_date, d.rule_version, d.start_date
                     FROM deadlines d WHERE d.complaint_id IN ({scope})"
                ))?;
                stmt.query(rusqlite::params_from_iter(args.iter()))?
            };
            while let Some(r) = rows.next()? {
                let Some(i) = place(&facts, r.get(0)?) else {
                    continue;
                };
                let Some(step) = DeadlineStep::from_code(text(r, 1)?) else {
                    continue;
                };
                let d = DeadlineFact {
                    step,
                    start: date_of(text(r, 5)?),
                    due: date_of(text(r, 2)?),
                    met: text_or_null(r, 3)?.map(date_of),
                };
                changed[i] = changed[i].max(d.start).max(d.met.unwrap_or(d.start));
                facts[i].deadlines.push(d);
                let version = text(r, 4)?;
                if !versions.contains(version) {
                    versions.insert(version.to_owned());
                }
                let bit = match version_list.iter().position(|v| v == version) {
                    Some(b) => b,
                    None => {
                        version_list.push(version.to_owned());
                        version_list.len() - 1
                    }
                };
                // More than 64 versions: the bits say nothing (never cached).
                version_bits[i] |= 1u64.checked_shl(bit as u32).unwrap_or(0);
            }
        }
        for f in &mut facts {
            f.deadlines.sort_by_key(|d| d.step);
        }
        Ok(Loaded {
            facts,
            versions,
            changed,
            version_list,
            version_bits,
        })
    }

    fn topic_labels(&self, ids: impl Iterator<Item = i64>) -> CoreResult<Vec<TopicLabel>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT t.name, p.name FROM topics t LEFT JOIN topics p ON p.id = t.parent_id WHERE t.id = ?1",
        )?;
        let mut out = Vec::new();
        for id in ids {
            if let Some((name, parent)) = stmt
                .query_row([id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })
                .optional()?
            {
                out.push(TopicLabel {
                    id,
                    label: match parent {
                        Some(p) => format!("{p} › {name}"),
                        None => name,
                    },
                });
            }
        }
        Ok(out)
    }

    fn staff_activity(&self, to: NaiveDate) -> CoreResult<StaffActivity> {
        let window_from = to - Duration::days(29);
        let end = self.end_instant(to);
        let start = self.end_instant(window_from - Duration::days(1));
        let conn = &self.db.conn;
        let mut active: BTreeSet<i64> = BTreeSet::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT user_id FROM user_activity WHERE day BETWEEN ?1 AND ?2",
            )?;
            for id in stmt.query_map(params![window_from.to_string(), to.to_string()], |r| {
                r.get(0)
            })? {
                active.insert(id?);
            }
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT actor_id FROM complaint_events WHERE actor_id IS NOT NULL AND at >= ?1 AND at < ?2",
            )?;
            for id in stmt.query_map(params![start, end], |r| r.get(0))? {
                active.insert(id?);
            }
        }
        let mut by_role: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        let mut stmt = conn.prepare_cached("SELECT id, role FROM users WHERE created_at < ?1")?;
        let rows = stmt.query_map([&end], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (id, role) = row?;
            let e = by_role.entry(role).or_default();
            e.0 += 1;
            if active.contains(&id) {
                e.1 += 1;
            }
        }
        let by_role: Vec<RoleActivity> = Role::ALL
            .into_iter()
            .map(|r| {
                let (accounts, active) = by_role.get(r.code()).copied().unwrap_or_default();
                RoleActivity {
                    role: r,
                    accounts,
                    active,
                }
            })
            .collect();
        Ok(StaffActivity {
            window_from,
            window_to: to,
            accounts: by_role.iter().map(|r| r.accounts).sum(),
            active: by_role.iter().map(|r| r.active).sum(),
            by_role,
        })
    }

    fn governance(&self, units: &[UnitView], period: Period) -> CoreResult<Vec<UnitGovernance>> {
        let conn = &self.db.conn;
        let mut out = Vec::new();
        for u in units {
            let decree = conn
                .query_row(
                    "SELECT number, decree_date, title FROM unit_team_decrees WHERE unit_id = ?1",
                    [u.id],
                    |r| {
                        Ok(TeamDecree {
                            number: r.get(0)?,
                            date: parse_date(&r.get::<_, String>(1)?),
                            title: r.get(2)?,
                        })
                    },
                )
                .optional()?;
            let items =
                self.action_items(Some(u.id), Some((period.from.year(), period.to.year())))?;
            let n = items.len() as f64;
            let done = items.iter().filter(|i| i.progress >= 100).count() as u32;
            let overdue = items
                .iter()
                .filter(|i| i.progress < 100 && i.due_date.is_some_and(|d| d < period.to))
                .count() as u32;
            out.push(UnitGovernance {
                unit: u.clone(),
                decree,
                action_progress: (!items.is_empty()).then(|| {
                    posko_domain::instrument::round2(
                        items.iter().map(|i| f64::from(i.progress)).sum::<f64>() / n,
                    )
                }),
                action_done: done,
                action_overdue: overdue,
                action_plan: items,
            });
        }
        Ok(out)
    }

    fn action_items(
        &self,
        unit_id: Option<i64>,
        years: Option<(i32, i32)>,
    ) -> CoreResult<Vec<ActionItemView>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT a.id, u.code, a.year, a.action, a.owner, a.due_date, a.progress, a.note, a.updated_by_name
             FROM action_plan_items a JOIN units u ON u.id = a.unit_id
             WHERE (?1 IS NULL OR a.unit_id = ?1) AND (?2 IS NULL OR a.year BETWEEN ?2 AND ?3)
             ORDER BY u.code, a.year, coalesce(a.due_date, '9999'), a.id",
        )?;
        let rows = stmt.query_map(
            params![unit_id, years.map(|y| y.0), years.map(|y| y.1)],
            |r| {
                Ok(ActionItemView {
                    id: r.get(0)?,
                    unit_code: r.get(1)?,
                    year: r.get(2)?,
                    action: r.get(3)?,
                    owner: r.get(4)?,
                    due_date: r.get::<_, Option<String>>(5)?.map(|s| parse_date(&s)),
                    progress: r.get::<_, i64>(6)?.clamp(0, 100) as u8,
                    note: r.get(7)?,
                    updated_by: r.get(8)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The monev indicators of a period for one unit or several: the dashboard,
    /// and the numbers of the period report.
    pub fn monev_indicators(&self, actor: &Actor, q: &MonevQuery) -> CoreResult<MonevIndicators> {
        require(actor, Permission::RunReports)?;
        Ok(self.monev_compute(q, false)?.0)
    }

    /// The indicators, and with `with_lists` the candidates of the period
    /// report's lists (its examples and its appendix). Both come from the
    /// month cache where it can ([`Self::cached_partial`]).
    pub(crate) fn monev_compute(
        &self,
        q: &MonevQuery,
        with_lists: bool,
    ) -> CoreResult<(MonevIndicators, Option<Lists>)> {
        self.monev_compute_by(q, Counting::Cached { with_lists })
    }

    /// Fill the month cache for the usual periods: the current calendar
    /// year (its months hold the dashboard's semester) with the report's
    /// lists, every unit. Run in the background after the app starts and
    /// after a calendar change (which drops every row), so the first
    /// dashboard or report does not read every complaint. Shows nothing to
    /// anyone, so it needs no permission.
    pub fn warm_monev_cache(&self) -> CoreResult<()> {
        let year = self.today().year();
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Ok(());
        };
        let q = MonevQuery {
            from,
            to,
            units: vec![],
        };
        let units = self.monev_units(&q)?;
        self.cached_partial(&q, &units, true)?;
        Ok(())
    }

    /// The indicators and the lists of the period report: the candidates
    /// kept with the month cache are picked from ([`Lists::pick`]) and only
    /// the complaints listed are read; when the candidates cannot decide
    /// (a complaint left out of a cached row could tie), every complaint of
    /// the period is read, as the lists were always made.
    pub(crate) fn monev_report_data(
        &self,
        q: &MonevQuery,
    ) -> CoreResult<(MonevIndicators, ReportLists)> {
        let (ind, lists) = self.monev_compute(q, true)?;
        let cal = &self.cache.calendar;
        let caps = list_caps();
        let lists = match lists.and_then(|l| l.pick(cal, q.to, caps)) {
            Some(picked) => self.picked_facts(&picked, q.to, &ind.units)?,
            None => {
                #[cfg(test)]
                REPORT_READS.with(|n| n.set(n.get() + 1));
                let (facts, _) = self.complaint_facts(q, &ind.units)?;
                let picked = pick_from_facts(&facts, cal, q.to, caps);
                listed(&picked, facts)
            }
        };
        Ok((ind, lists))
    }

    /// The facts of the complaints `picked` lists, read by id, in its order.
    fn picked_facts(
        &self,
        picked: &Picked,
        as_of: NaiveDate,
        units: &[UnitView],
    ) -> CoreResult<ReportLists> {
        let mut ids: Vec<i64> = picked
            .cases
            .iter()
            .copied()
            .chain(picked.late.iter().map(|(id, _)| *id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let facts = self
            .load_facts_in(Scope::Ids(&ids), as_of, units, true)?
            .facts;
        Ok(listed(picked, facts))
    }

    /// The indicators counted row by row, without the month cache (the
    /// reference the cache is checked against).
    #[cfg(test)]
    pub(crate) fn monev_compute_rows(&self, q: &MonevQuery) -> CoreResult<MonevIndicators> {
        Ok(self.monev_compute_by(q, Counting::Rows)?.0)
    }

    fn monev_compute_by(
        &self,
        q: &MonevQuery,
        how: Counting,
    ) -> CoreResult<(MonevIndicators, Option<Lists>)> {
        let units = self.monev_units(q)?;
        let cal = &self.cache.calendar;
        let (partial, versions, lists) = match how {
            Counting::Rows => {
                let (facts, versions) = self.complaint_facts(q, &units)?;
                (Partial::from_facts(&facts, cal, q.to), versions, None)
            }
            Counting::Cached { with_lists } => self.cached_partial(q, &units, with_lists)?,
        };
        let period = Period {
            from: q.from,
            to: q.to,
        };
        let codes: Vec<String> = units.iter().map(|u| u.code.clone()).collect();
        let complaints = monev::finish(&partial, period, &codes);
        let topic_ids: BTreeSet<i64> = partial.by_topic.keys().filter_map(|t| *t).collect();
        let topics = self.topic_labels(topic_ids.into_iter())?;
        let mut rankings = Vec::new();
        let mut instrument_ids: BTreeSet<String> = BTreeSet::new();
        {
            let mut stmt = self.db.conn.prepare_cached(
                "SELECT DISTINCT instrument_id FROM monev_visits WHERE state = 'final' AND visit_date BETWEEN ?1 AND ?2",
            )?;
            for id in stmt.query_map(params![q.from.to_string(), q.to.to_string()], |r| r.get(0))? {
                instrument_ids.insert(id?);
            }
        }
        for iid in instrument_ids {
            let Ok((inst, _)) = self.resolve_instrument(&InstrumentRef {
                id: iid.clone(),
                version: None,
            }) else {
                continue;
            };
            let results = self.unit_results(q.from, q.to, &iid, Some(&codes))?;
            if results.is_empty() {
                continue;
            }
            rankings.push(Ranking {
                instrument_id: inst.id.clone(),
                instrument_title: inst.title.clone(),
                units: posko_domain::instrument::rank_units(&results, &inst.scoring.zones),
                zones: inst.scoring.zones,
            });
        }
        let indicators = MonevIndicators {
            query: MonevQuery {
                from: q.from,
                to: q.to,
                units: codes,
            },
            complaints,
            topics,
            staff: self.staff_activity(q.to)?,
            governance: self.governance(&units, period)?,
            rankings,
            rule_versions: versions.into_iter().collect(),
            units,
        };
        Ok((indicators, lists))
    }

    /// A fingerprint of what the cached counts depend on beyond the
    /// complaints: the calendar (durations in working days) and the zone
    /// (office-local dates). A row made under another calendar is not used,
    /// even if this connection's calendar is older than the store's.
    fn calendar_mark(&self) -> String {
        use sha2::Digest;
        let text = format!("{:?}|{:?}", self.cache.calendar, self.zone());
        hex::encode(&sha2::Sha256::digest(text.as_bytes())[..8])
    }

    /// The partial counts of the period's complaints, as of its end, from
    /// `monev_month_cache` (migration 0009) where it can. Rows are kept per
    /// unit and day, and per unit and month: a month lying wholly inside the
    /// period ([`buckets`]) is taken from its month row; without one, from
    /// its days' rows; a day without a row (and the days at the period's
    /// edges without one) is read row by row (`load_facts_at`, the same
    /// facts the dashboard always used; runs of consecutive days missing for
    /// the same units are one read). A row is used only when made under this
    /// calendar and its complaints last changed on or before the period's
    /// end. What was read row by row is kept, day by day, when its
    /// complaints all last changed by the period's end (its counts are then
    /// what they are now, for any later end), and a month made again from
    /// its days is kept as a month. So a write to one old complaint costs
    /// the next query one day read row by row, not its month.
    ///
    /// The cache rows and the complaints are read in one transaction, and the
    /// new rows written in it: if another connection wrote in between, the
    /// write fails (WAL: a stale snapshot cannot become a writer) and nothing
    /// is kept, so a row can never hold counts older than the triggers'
    /// last drop. The result is the same whether the write succeeds or not.
    fn cached_partial(
        &self,
        q: &MonevQuery,
        units: &[UnitView],
        with_lists: bool,
    ) -> CoreResult<(Partial, BTreeSet<String>, Option<Lists>)> {
        let conn = &self.db.conn;
        let cal = &self.cache.calendar;
        let mark = self.calendar_mark();
        // None inside a caller's transaction: read there, keep nothing.
        let tx = conn.unchecked_transaction().ok();
        let buckets = buckets(q.from, q.to);
        let whole_months: std::collections::HashSet<NaiveDate> = buckets
            .iter()
            .filter(|b| b.key.len() == 7)
            .map(|b| b.first)
            .collect();
        let month_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        // Kept rows by unit and first day: whole months (`month`) and days
        // (`day`: the edge days, and the days of whole months, used when
        // the month's own row is missing).
        // With the rows' report lists (migration 0010) where they are
        // needed: for the report (a row without them is not used), and for
        // a month made again from its days.
        let mut month_rows: HashMap<(i64, NaiveDate), (CachedMonth, Option<Lists>)> =
            HashMap::new();
        let mut day_rows: HashMap<(i64, NaiveDate), (CachedMonth, NaiveDate, Option<Lists>)> =
            HashMap::new();
        if let (Some(first), Some(last)) = (buckets.first(), buckets.last())
            && !units.is_empty()
        {
            let marks = vec!["?"; units.len()].join(",");
            let mut stmt = conn.prepare(&format!(
                "SELECT unit_id, month, partial, last_change_date, lists FROM monev_month_cache
                 WHERE month BETWEEN ?1 AND ?2 AND last_change_date <= ?3 AND unit_id IN ({marks})"
            ))?;
            let mut args: Vec<Value> = vec![
                Value::Text(first.key.clone()),
                Value::Text(last.last.to_string()),
                Value::Text(q.to.to_string()),
            ];
            args.extend(units.iter().map(|u| Value::Integer(u.id)));
            // The rows' text first; a day's JSON is parsed only when its
            // month has no row.
            type Raw = (i64, bool, NaiveDate, String, NaiveDate, Option<String>);
            let mut raw: Vec<Raw> = Vec::new();
            let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
            while let Some(r) = rows.next()? {
                let unit_id: i64 = r.get(0)?;
                let key = text(r, 1)?;
                let (is_month, first) = match key.len() {
                    7 => (true, date_of(&format!("{key}-01"))),
                    _ if is_plain_date(key) => (false, date_of(key)),
                    _ => continue,
                };
                let wanted = if is_month {
                    whole_months.contains(&first)
                } else {
                    q.from <= first && first <= q.to
                };
                if wanted {
                    let changed = date_of(text(r, 3)?);
                    raw.push((
                        unit_id,
                        is_month,
                        first,
                        text(r, 2)?.to_owned(),
                        changed,
                        text_or_null(r, 4)?.map(str::to_owned),
                    ));
                }
            }
            let parse = |unit_id: i64, json: &str| -> Option<CachedMonth> {
                let unit = units.iter().find(|u| u.id == unit_id)?;
                let mut c = serde_json::from_str::<CachedMonth>(json).ok()?;
                if c.calendar != mark {
                    return None;
                }
                // One unit's counts: keyed by its code of today.
                let statuses = std::mem::take(&mut c.partial.by_unit_status);
                for (_, by_status) in statuses {
                    let mine = c
                        .partial
                        .by_unit_status
                        .entry(unit.code.clone())
                        .or_default();
                    for (s, n) in by_status {
                        *mine.entry(s).or_default() += n;
                    }
                }
                Some(c)
            };
            let lists_of = |json: &Option<String>| -> Option<Lists> {
                serde_json::from_str(json.as_deref()?).ok()
            };
            for (unit_id, is_month, first, json, _, lists) in &raw {
                if !*is_month {
                    continue;
                }
                let lists = if with_lists {
                    match lists_of(lists) {
                        Some(l) => Some(l),
                        None => continue,
                    }
                } else {
                    None
                };
                if let Some(c) = parse(*unit_id, json) {
                    month_rows.insert((*unit_id, *first), (c, lists));
                }
            }
            for (unit_id, is_month, first, json, changed, lists) in &raw {
                if *is_month || month_rows.contains_key(&(*unit_id, month_of(*first))) {
                    continue;
                }
                let lists = if with_lists || whole_months.contains(&month_of(*first)) {
                    lists_of(lists)
                } else {
                    None
                };
                if with_lists && lists.is_none() {
                    continue;
                }
                if let Some(c) = parse(*unit_id, json) {
                    day_rows.insert((*unit_id, *first), (c, *changed, lists));
                }
            }
        }
        // What each (unit, day) comes from: its whole month's row, its own
        // row, or the complaints (row by row).
        let covered = |unit_id: i64, day: NaiveDate| {
            let month = month_of(day);
            (whole_months.contains(&month) && month_rows.contains_key(&(unit_id, month)))
                || day_rows.contains_key(&(unit_id, day))
        };
        let days: Vec<NaiveDate> = q.from.iter_days().take_while(|d| *d <= q.to).collect();
        // The days read row by row, for the units whose rows are missing:
        // consecutive days missing for the same units are one read.
        let mut loads: Vec<Loaded> = Vec::new();
        {
            let mut run: Option<(NaiveDate, NaiveDate, Vec<i64>)> = None;
            for &d in &days {
                let missing: Vec<i64> = units
                    .iter()
                    .filter(|u| !covered(u.id, d))
                    .map(|u| u.id)
                    .collect();
                match &mut run {
                    Some((_, last, ids)) if *ids == missing => *last = d,
                    _ => {
                        if let Some((from, to, ids)) = run.take()
                            && !ids.is_empty()
                        {
                            let us: Vec<UnitView> = units
                                .iter()
                                .filter(|u| ids.contains(&u.id))
                                .cloned()
                                .collect();
                            loads.push(self.load_facts_at(from, to, q.to, &us, true)?);
                        }
                        run = Some((d, d, missing));
                    }
                }
            }
            if let Some((from, to, ids)) = run
                && !ids.is_empty()
            {
                let us: Vec<UnitView> = units
                    .iter()
                    .filter(|u| ids.contains(&u.id))
                    .cloned()
                    .collect();
                loads.push(self.load_facts_at(from, to, q.to, &us, true)?);
            }
        }
        // The unit-days read row by row (also those without a complaint).
        struct Group {
            partial: Partial,
            lists: Lists,
            changed: NaiveDate,
            bits: u64,
            load: Option<usize>,
        }
        let mut groups: HashMap<(i64, NaiveDate), Group> = HashMap::new();
        for u in units {
            for &d in &days {
                if !covered(u.id, d) {
                    groups.insert(
                        (u.id, d),
                        Group {
                            partial: Partial::default(),
                            lists: Lists::default(),
                            changed: d,
                            bits: 0,
                            load: None,
                        },
                    );
                }
            }
        }
        let id_of: HashMap<&str, i64> = units.iter().map(|u| (u.code.as_str(), u.id)).collect();
        let mut total = Partial::default();
        let mut lists = Lists::default();
        let mut versions: BTreeSet<String> = BTreeSet::new();
        for (li, l) in loads.iter().enumerate() {
            versions.extend(l.versions.iter().cloned());
            for (i, f) in l.facts.iter().enumerate() {
                let Some(&unit_id) = id_of.get(f.unit_code.as_str()) else {
                    total.add(f, cal, q.to);
                    lists.add(f, cal, q.to);
                    continue;
                };
                if covered(unit_id, f.received_date) {
                    continue;
                }
                let Some(g) = groups.get_mut(&(unit_id, f.received_date)) else {
                    // Outside the period's days (cannot be): counted, not kept.
                    total.add(f, cal, q.to);
                    lists.add(f, cal, q.to);
                    continue;
                };
                g.partial.add(f, cal, q.to);
                g.lists.add(f, cal, q.to);
                g.changed = g.changed.max(l.changed[i]);
                g.bits |= l.version_bits[i];
                g.load = Some(li);
            }
        }
        // What is merged: the month rows; the day rows not inside a month
        // row; the days read now. A whole month without its row is made
        // again from its days' rows and the days read now, and kept.
        for (c, l) in month_rows.values() {
            total.merge(&c.partial);
            if let Some(l) = l {
                lists.merge(l);
            }
            versions.extend(c.versions.iter().cloned());
        }
        struct Assembled {
            partial: Partial,
            /// None when a day row had no lists.
            lists: Option<Lists>,
            versions: BTreeSet<String>,
            changed: NaiveDate,
            complete: bool,
        }
        let mut assembled: HashMap<(i64, NaiveDate), Assembled> = HashMap::new();
        for u in units {
            for &m in &whole_months {
                if !month_rows.contains_key(&(u.id, m)) {
                    assembled.insert(
                        (u.id, m),
                        Assembled {
                            partial: Partial::default(),
                            lists: Some(Lists::default()),
                            versions: BTreeSet::new(),
                            changed: m,
                            complete: true,
                        },
                    );
                }
            }
        }
        for (&(unit_id, day), (c, changed, l)) in &day_rows {
            if whole_months.contains(&month_of(day))
                && month_rows.contains_key(&(unit_id, month_of(day)))
            {
                continue;
            }
            total.merge(&c.partial);
            if let Some(l) = l {
                lists.merge(l);
            }
            versions.extend(c.versions.iter().cloned());
            if let Some(a) = assembled.get_mut(&(unit_id, month_of(day))) {
                a.partial.merge(&c.partial);
                match (&mut a.lists, l) {
                    (Some(mine), Some(l)) => mine.merge(l),
                    (mine, _) => *mine = None,
                }
                a.versions.extend(c.versions.iter().cloned());
                a.changed = a.changed.max(*changed);
            }
        }
        let caps = list_caps();
        let lists_json = |mut l: Lists| {
            l.trim(caps);
            serde_json::to_string(&l).ok()
        };
        let mut keep: Vec<(i64, String, NaiveDate, String, Option<String>)> = Vec::new();
        for ((unit_id, day), g) in groups {
            total.merge(&g.partial);
            lists.merge(&g.lists);
            let versions = match g.load {
                None => Some(BTreeSet::new()),
                Some(li) if loads[li].version_list.len() <= 64 => Some(
                    loads[li]
                        .version_list
                        .iter()
                        .enumerate()
                        .filter(|(b, _)| g.bits >> b & 1 == 1)
                        .map(|(_, v)| v.clone())
                        .collect::<BTreeSet<String>>(),
                ),
                Some(_) => None,
            };
            let keepable = g.changed <= q.to && versions.is_some();
            let versions = versions.unwrap_or_default();
            if let Some(a) = assembled.get_mut(&(unit_id, month_of(day))) {
                a.partial.merge(&g.partial);
                if let Some(l) = &mut a.lists {
                    l.merge(&g.lists);
                }
                a.versions.extend(versions.iter().cloned());
                a.changed = a.changed.max(g.changed);
                a.complete &= keepable;
            }
            if !keepable {
                continue;
            }
            let row = CachedMonth {
                partial: g.partial,
                versions,
                calendar: mark.clone(),
            };
            if let Ok(json) = serde_json::to_string(&row) {
                keep.push((
                    unit_id,
                    day.to_string(),
                    g.changed,
                    json,
                    lists_json(g.lists),
                ));
            }
        }
        for ((unit_id, month), a) in assembled {
            if !a.complete || a.changed > q.to {
                continue;
            }
            let row = CachedMonth {
                partial: a.partial,
                versions: a.versions,
                calendar: mark.clone(),
            };
            if let Ok(json) = serde_json::to_string(&row) {
                let l = a.lists.and_then(lists_json);
                keep.push((unit_id, monev::month_key(month), a.changed, json, l));
            }
        }
        if let Some(tx) = tx
            && !keep.is_empty()
        {
            let written = (|| -> rusqlite::Result<()> {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR REPLACE INTO monev_month_cache (unit_id, month, last_change_date, partial, lists)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (unit_id, month, changed, json, lists) in &keep {
                    stmt.execute(params![unit_id, month, changed.to_string(), json, lists])?;
                }
                Ok(())
            })();
            // A failed write (another writer came first, a read-only store)
            // keeps nothing; the counts above do not depend on it.
            if written.is_ok() {
                let _ = tx.commit();
            }
        }
        let lists = with_lists.then(|| {
            lists.trim(caps);
            lists
        });
        Ok((total, versions, lists))
    }

    /// The complaints behind one number of the dashboard. Rahasia complaints
    /// are counted but listed only for roles that may see them.
    pub fn monev_drilldown(&self, actor: &Actor, input: &DrilldownInput) -> CoreResult<Drilldown> {
        require(actor, Permission::RunReports)?;
        require(actor, Permission::ViewRegister)?;
        let units = self.monev_units(&input.query)?;
        let (facts, _) = self.complaint_facts(&input.query, &units)?;
        let as_of = input.query.to;
        let matching: Vec<&ComplaintFact> = facts
            .iter()
            .filter(|f| monev::in_cell(f, &input.cell, as_of))
            .collect();
        let can_secret = actor.role.can(Permission::ViewSecret);
        let visible: Vec<i64> = matching
            .iter()
            .filter(|f| can_secret || !f.is_secret)
            .map(|f| f.id)
            .collect();
        let limit = match input.limit {
            0 => 50,
            n => n.min(500),
        };
        let page: Vec<i64> = visible
            .iter()
            .skip(input.offset as usize)
            .take(limit as usize)
            .copied()
            .collect();
        let mut rows = Vec::with_capacity(page.len());
        if !page.is_empty() {
            let marks = vec!["?"; page.len()].join(",");
            let sql = format!(
                "SELECT {} FROM complaints c LEFT JOIN topics t ON t.id = c.topic_id WHERE c.id IN ({marks})
                 ORDER BY c.received_date, c.id",
                crate::complaints::ROW_COLUMNS
            );
            let mut stmt = self.db.conn.prepare(&sql)?;
            let today = self.today();
            let can_identity = actor.role.can(Permission::ViewIdentity);
            let found = stmt.query_map(rusqlite::params_from_iter(page.iter()), |r| {
                self.row_from(r, today, can_identity)
            })?;
            for row in found {
                rows.push(row?);
            }
        }
        Ok(Drilldown {
            cell: input.cell.clone(),
            total: matching.len() as u64,
            hidden_secret: (matching.len() - visible.len()) as u64,
            rows,
            offset: input.offset,
            limit,
        })
    }

    /// Record the decree (SK) that forms a unit's complaint team.
    pub fn save_team_decree(
        &mut self,
        actor: &Actor,
        input: &TeamDecreeInput,
    ) -> CoreResult<UnitGovernance> {
        require(actor, MONEV)?;
        let mut errors = Vec::new();
        validate::text_field(&mut errors, "number", Some(&input.number), true, 120, false);
        validate::text_field(&mut errors, "title", Some(&input.title), false, 300, false);
        let unit = unit_by_code(&self.db.conn, &input.unit_code, self.cache.home_unit_id)?;
        if unit.is_none() {
            errors.push(FieldError::new("unit_code", FieldErrorCode::InvalidChoice));
        }
        if input.date > self.today() {
            errors.push(FieldError::new("decree_date", FieldErrorCode::DateInFuture));
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let unit = unit.expect("checked above");
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "INSERT INTO unit_team_decrees (unit_id, number, decree_date, title, updated_at, updated_by_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (unit_id) DO UPDATE SET number = excluded.number, decree_date = excluded.decree_date,
                title = excluded.title, updated_at = excluded.updated_at, updated_by_name = excluded.updated_by_name",
            params![unit.id, input.number.trim(), input.date.to_string(), input.title.trim(), now, actor.display_name],
        )?;
        tx.commit()?;
        let today = self.today();
        Ok(self
            .governance(
                std::slice::from_ref(&unit),
                Period {
                    from: today,
                    to: today,
                },
            )?
            .remove(0))
    }

    /// Add or update an item of a unit's action plan (rencana aksi).
    pub fn save_action_item(
        &mut self,
        actor: &Actor,
        input: &ActionItemInput,
    ) -> CoreResult<ActionItemView> {
        require(actor, MONEV)?;
        let mut errors = Vec::new();
        validate::text_field(
            &mut errors,
            "action",
            Some(&input.action),
            true,
            LINE_MAX,
            true,
        );
        validate::text_field(&mut errors, "owner", Some(&input.owner), false, 200, false);
        validate::text_field(
            &mut errors,
            "note",
            Some(&input.note),
            false,
            LINE_MAX,
            true,
        );
        if input.progress > 100 {
            errors.push(FieldError::with_limit(
                "progress",
                FieldErrorCode::TooLong,
                100,
            ));
        }
        if !(2000..=2100).contains(&input.year) {
            errors.push(FieldError::new("year", FieldErrorCode::InvalidChoice));
        }
        let unit = unit_by_code(&self.db.conn, &input.unit_code, self.cache.home_unit_id)?;
        if unit.is_none() {
            errors.push(FieldError::new("unit_code", FieldErrorCode::InvalidChoice));
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let unit = unit.expect("checked above");
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        let id = match input.id {
            None => {
                tx.execute(
                    "INSERT INTO action_plan_items (unit_id, year, action, owner, due_date, progress, note, updated_at, updated_by_name)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![unit.id, input.year, input.action.trim(), input.owner.trim(), input.due_date.map(|d| d.to_string()), input.progress, input.note.trim(), now, actor.display_name],
                )?;
                tx.last_insert_rowid()
            }
            Some(id) => {
                let n = tx.execute(
                    "UPDATE action_plan_items SET unit_id = ?1, year = ?2, action = ?3, owner = ?4, due_date = ?5,
                        progress = ?6, note = ?7, updated_at = ?8, updated_by_name = ?9 WHERE id = ?10",
                    params![unit.id, input.year, input.action.trim(), input.owner.trim(), input.due_date.map(|d| d.to_string()), input.progress, input.note.trim(), now, actor.display_name, id],
                )?;
                if n == 0 {
                    return Err(CoreError::NotFound {
                        entity: "action_item",
                        id: id.to_string(),
                    });
                }
                id
            }
        };
        tx.commit()?;
        self.action_items(None, None)?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(CoreError::NotFound {
                entity: "action_item",
                id: id.to_string(),
            })
    }

    pub fn delete_action_item(&mut self, actor: &Actor, input: &IdInput) -> CoreResult<()> {
        require(actor, MONEV)?;
        let tx = self.db.conn.transaction()?;
        let n = tx.execute("DELETE FROM action_plan_items WHERE id = ?1", [input.id])?;
        if n == 0 {
            return Err(CoreError::NotFound {
                entity: "action_item",
                id: input.id.to_string(),
            });
        }
        crate::audit::append(
            &tx,
            actor,
            self.clock.now(),
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::Delete)
                .on("action_item", input.id),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn action_plan(
        &self,
        actor: &Actor,
        q: &ActionPlanQuery,
    ) -> CoreResult<Vec<ActionItemView>> {
        require(actor, MONEV)?;
        let unit_id = match &q.unit_code {
            Some(code) => Some(
                unit_by_code(&self.db.conn, code, self.cache.home_unit_id)?
                    .ok_or_else(|| invalid("unit_code", FieldErrorCode::InvalidChoice))?
                    .id,
            ),
            None => None,
        };
        self.action_items(unit_id, q.year.map(|y| (y, y)))
    }

    /// The report's section texts: the edited ones and the defaults.
    pub fn report_templates(&self, actor: &Actor) -> CoreResult<Vec<ReportTemplateView>> {
        require(actor, MONEV)?;
        let mut stmt = self
            .db
            .conn
            .prepare_cached("SELECT body FROM report_templates WHERE key = ?1")?;
        let mut out = Vec::new();
        for (key, title, default_body) in default_sections() {
            let body: Option<String> = stmt.query_row([&key], |r| r.get(0)).optional()?;
            out.push(ReportTemplateView {
                customized: body.is_some(),
                body: body.unwrap_or_else(|| default_body.clone()),
                key,
                title,
                default_body,
            });
        }
        Ok(out)
    }

    /// Edit a section text; an empty text returns it to the default.
    pub fn save_report_template(
        &mut self,
        actor: &Actor,
        input: &ReportTemplateInput,
    ) -> CoreResult<ReportTemplateView> {
        require(actor, MONEV)?;
        if !default_sections().iter().any(|(k, _, _)| *k == input.key) {
            return Err(invalid("key", FieldErrorCode::InvalidChoice));
        }
        let mut errors = Vec::new();
        validate::text_field(
            &mut errors,
            "body",
            Some(&input.body),
            false,
            TEMPLATE_MAX,
            true,
        );
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        if input.body.trim().is_empty() {
            tx.execute("DELETE FROM report_templates WHERE key = ?1", [&input.key])?;
        } else {
            tx.execute(
                "INSERT INTO report_templates (key, body, updated_at, updated_by_name) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at,
                    updated_by_name = excluded.updated_by_name",
                params![input.key, input.body.trim(), now, actor.display_name],
            )?;
        }
        tx.commit()?;
        self.report_templates(actor)?
            .into_iter()
            .find(|t| t.key == input.key)
            .ok_or_else(|| invalid("key", FieldErrorCode::InvalidChoice))
    }
}

use crate::visits::LINE_MAX;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn codes_in(sql: &str, after: &str) -> BTreeSet<String> {
        let rest = &sql[sql.find(after).expect(after) + after.len()..];
        let list = &rest[rest.find('(').unwrap() + 1..rest.find(')').unwrap()];
        list.split(',')
            .map(|c| c.trim().trim_matches('\'').to_owned())
            .collect()
    }

    /// The trigger of migration 0008 knows exactly the workflow's statuses,
    /// and which of them are open.
    #[test]
    fn the_facts_trigger_knows_every_status() {
        let sql = include_str!("../migrations/0008_performance.sql");
        let all: BTreeSet<String> = Status::ALL.iter().map(|s| s.code().to_owned()).collect();
        let open: BTreeSet<String> = Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.code().to_owned())
            .collect();
        assert_eq!(codes_in(sql, "WHEN NEW.to_status IN"), all);
        assert_eq!(
            codes_in(sql, "NEW.from_status = 'finished' AND NEW.to_status IN"),
            open
        );
        assert_eq!(
            codes_in(sql, "FROM complaint_events\nWHERE to_status IN"),
            all
        );
        assert_eq!(
            codes_in(sql, "iif(from_status = 'finished' AND to_status IN"),
            open
        );
    }

    #[test]
    fn local_dates_of_instants_match_chrono() {
        use posko_domain::OfficeZone;
        for s in [
            "2026-03-05T15:59:59.999Z",
            "2026-03-05T16:00:00.000Z",
            "2026-03-05T17:00:00.000Z",
            "2026-12-31T23:30:00.000Z",
            "2026-02-28T20:00:00.000Z",
            "2024-02-28T20:00:00.000Z",
            "2026-03-05T00:00:00.000Z",
            "2026-03-05T14:59:00.000Z",
            "2026-03-05T15:00:00+00:00",
            "2026-03-05T15:00:00Z",
            "2026-13-05T15:00:00.000Z",
            "garbage",
        ] {
            for z in [OfficeZone::Wib, OfficeZone::Wita, OfficeZone::Wit] {
                assert_eq!(
                    local_date_of(s, z),
                    z.local_date(parse_instant(s)),
                    "{s} {z:?}"
                );
            }
        }
    }

    /// The kept facts (fast path) give the same facts and the same numbers as
    /// replaying every timeline, on a demo store, for periods ending before,
    /// during and after the complaints moved, and for one unit or several.
    #[test]
    fn kept_facts_give_what_the_timeline_replay_gives() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = crate::keychain::MemorySecrets::default();
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 3, 0, 0).unwrap();
        let clock = Arc::new(crate::clock::FixedClock::new(now));
        let mut p = Posko::open(dir.path(), &secrets, clock, true).unwrap();
        p.init_office("Puskesmas Uji", "PKM-UJI", posko_domain::OfficeZone::Wita)
            .unwrap();
        crate::demo::generate(&mut p, 700, 11, 200, |_| {}).unwrap();
        // A second unit holding a third of the complaints.
        p.connection()
            .execute_batch(
                "INSERT INTO units (code, name, register_prefix, created_at)
                 VALUES ('PKM-DUA', 'Puskesmas Dua', 'PKM-DUA', '2026-01-01T00:00:00.000Z');
                 UPDATE complaints SET unit_id = (SELECT id FROM units WHERE code = 'PKM-DUA')
                 WHERE id % 3 = 0;",
            )
            .unwrap();
        let kept: i64 = p
            .connection()
            .query_row("SELECT count(*) FROM complaint_facts", [], |r| r.get(0))
            .unwrap();
        assert!(kept >= 700, "every complaint has its facts row: {kept}");
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let today = p.today();
        let periods = [
            (today - Duration::days(365), today),
            (d(2026, 1, 1), d(2026, 3, 31)),
            (d(2026, 4, 1), d(2026, 4, 30)),
            (d(2026, 5, 4), d(2026, 5, 10)),
            (d(2026, 6, 1), d(2026, 6, 14)),
        ];
        let unit_sets: [Vec<String>; 3] = [
            vec![],
            vec!["PKM-UJI".into()],
            vec!["PKM-DUA".into(), "PKM-UJI".into()],
        ];
        let mut compared = 0;
        let mut moved_after = 0;
        for (from, to) in periods {
            for units in &unit_sets {
                let q = MonevQuery {
                    from,
                    to,
                    units: units.clone(),
                };
                let us = p.monev_units(&q).unwrap();
                let (fast, v1) = p.complaint_facts(&q, &us).unwrap();
                let (slow, v2) = p.complaint_facts_replayed(&q, &us).unwrap();
                assert_eq!(fast, slow, "{from}..{to} {units:?}");
                assert_eq!(v1, v2);
                let codes: Vec<String> = us.iter().map(|u| u.code.clone()).collect();
                let period = Period { from, to };
                let cal = &p.cache.calendar;
                assert_eq!(
                    monev::compute(&fast, cal, period, &codes),
                    monev::compute(&slow, cal, period, &codes)
                );
                compared += fast.len();
                let end = p.end_instant(to);
                moved_after += p
                    .connection()
                    .query_row(
                        "SELECT count(*) FROM complaint_facts f JOIN complaints c ON c.id = f.complaint_id
                         WHERE c.received_date BETWEEN ?1 AND ?2 AND f.last_at >= ?3",
                        params![from.to_string(), to.to_string(), end],
                        |r| r.get::<_, i64>(0),
                    )
                    .unwrap();
            }
        }
        assert!(compared > 1000, "{compared}");
        // Both ways are exercised: complaints read from the kept facts and
        // complaints that moved after the end of a period (replayed).
        assert!(moved_after > 10, "{moved_after}");
    }

    fn cache_rows(p: &Posko) -> i64 {
        p.connection()
            .query_row("SELECT count(*) FROM monev_month_cache", [], |r| r.get(0))
            .unwrap()
    }

    /// Compare the indicators through the month cache (first query, and
    /// again from the rows it kept, with and without the report's facts)
    /// with the row-by-row count; the facts given with them must be the
    /// period's. Counts the disagreements (the test without triggers expects
    /// some) in `wrong`, or panics when `strict`.
    fn checked(p: &Posko, q: &MonevQuery, what: &str, strict: bool, wrong: &mut usize) {
        let rows = serde_json::to_string(&p.monev_compute_rows(q).unwrap()).unwrap();
        let (first, none) = p.monev_compute(q, false).unwrap();
        assert!(none.is_none());
        let again = p.monev_compute(q, false).unwrap().0;
        let (with, lists) = p.monev_report_data(q).unwrap();
        for (how, got) in [("first", first), ("again", again), ("with lists", with)] {
            let got = serde_json::to_string(&got).unwrap();
            if got != rows {
                assert!(
                    !strict,
                    "{what} ({how}): {}..{} {:?}\n{got}\n{rows}",
                    q.from, q.to, q.units
                );
                *wrong += 1;
            }
        }
        // The report's lists, from the candidates kept with the cache (or
        // every complaint when they cannot decide), are those of every fact.
        let units = p.monev_units(q).unwrap();
        let facts = p.complaint_facts(q, &units).unwrap().0;
        let want = pick_from_facts(&facts, &p.cache.calendar, q.to, list_caps());
        let want = listed(&want, facts);
        let ids = |l: &ReportLists| {
            (
                l.cases.iter().map(|f| f.id).collect::<Vec<_>>(),
                l.late.iter().map(|(f, d)| (f.id, *d)).collect::<Vec<_>>(),
                l.overdue_total,
            )
        };
        if ids(&lists) != ids(&want) {
            assert!(
                !strict,
                "{what} (lists): {}..{} {:?}\n{:?}\n{:?}",
                q.from,
                q.to,
                q.units,
                ids(&lists),
                ids(&want)
            );
            *wrong += 1;
            return;
        }
        assert_eq!(lists.cases, want.cases, "{what} (example facts)");
        let late = |l: &ReportLists| l.late.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>();
        assert_eq!(late(&lists), late(&want), "{what} (late facts)");
    }

    fn monev_store(
        now: chrono::DateTime<Utc>,
    ) -> (tempfile::TempDir, Posko, Arc<crate::clock::FixedClock>) {
        let dir = tempfile::tempdir().unwrap();
        let secrets = crate::keychain::MemorySecrets::default();
        let clock = Arc::new(crate::clock::FixedClock::new(now));
        let mut p = Posko::open(dir.path(), &secrets, clock.clone(), true).unwrap();
        p.init_office("Puskesmas Uji", "PKM-UJI", posko_domain::OfficeZone::Wita)
            .unwrap();
        p.connection()
            .execute_batch(
                "INSERT INTO units (code, name, register_prefix, created_at)
                 VALUES ('PKM-DUA', 'Puskesmas Dua', 'PKM-DUA', '2026-01-01T00:00:00.000Z');",
            )
            .unwrap();
        (dir, p, clock)
    }

    /// The month cache (migration 0009) gives exactly the row-by-row
    /// indicators through random operations on a real store: intake and
    /// workflow steps (demo generator, transitions of old complaints, so
    /// past periods' complaints move later), holidays added and removed, the
    /// work week and the zone changed, edits of the vocabulary, flags, unit
    /// and date received, deadlines and kept facts removed; queried for whole
    /// years, single months, mid-month to mid-month and past periods.
    #[test]
    fn the_month_cache_gives_what_the_rows_give() {
        assert_eq!(random_operations(&[]), 0);
    }

    /// The comparison above can fail: without the triggers that drop rows
    /// on a status step or a deadline change, the kept rows go stale and it
    /// finds them. (A calendar change is guarded twice: its triggers, and
    /// the calendar mark each row carries.)
    #[test]
    fn without_its_triggers_the_month_cache_goes_stale() {
        let wrong = random_operations(&[
            "monev_cache_facts_insert",
            "monev_cache_facts_update",
            "monev_cache_deadline_update",
        ]);
        assert!(wrong > 0);
    }

    /// The status counts (migration 0011) go through the same random
    /// operations: compared with a GROUP BY of the rows each round, for a
    /// role that sees secret reports and one that does not.
    #[test]
    fn without_its_triggers_the_status_counts_go_stale() {
        let wrong = random_operations(&[
            "complaint_status_counts_insert",
            "complaint_status_counts_update",
        ]);
        assert!(wrong > 0);
    }

    /// Disagreements between the kept status counts and the rows, and
    /// between the register's totals read from them and a count of the rows
    /// under the same filter.
    fn status_counts_disagree(p: &Posko, at: &str) -> usize {
        use crate::model::ComplaintFilter;
        let mut wrong = 0;
        for role in [Role::Admin, Role::Pemantau] {
            let actor = Actor {
                user_id: None,
                username: "uji".into(),
                display_name: "Uji".into(),
                role,
            };
            let with_secret = role.can(posko_domain::role::Permission::ViewSecret);
            let kept = crate::complaints::status_counts(p.connection(), with_secret).unwrap();
            let rows: Vec<(Status, u64)> = p
                .connection()
                .prepare(&format!(
                    "SELECT status, count(*) FROM complaints {} GROUP BY status ORDER BY status",
                    if with_secret {
                        ""
                    } else {
                        "WHERE is_secret = 0"
                    }
                ))
                .unwrap()
                .query_map([], |r| {
                    Ok((
                        Status::from_code(&r.get::<_, String>(0)?).unwrap(),
                        r.get::<_, i64>(1)? as u64,
                    ))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            if kept != rows {
                eprintln!("{at}, {role:?}: kept {kept:?}, rows {rows:?}");
                wrong += 1;
            }
            let filters = [
                ComplaintFilter::default(),
                ComplaintFilter {
                    open_only: true,
                    ..Default::default()
                },
                ComplaintFilter {
                    statuses: vec![Status::Received, Status::Finished],
                    ..Default::default()
                },
                ComplaintFilter {
                    statuses: vec![Status::Received, Status::Finished],
                    open_only: true,
                    ..Default::default()
                },
            ];
            for f in filters {
                let total = p.list_complaints(&actor, &f).unwrap().total;
                let (wh, args) = p.register_where(&actor, &f);
                let counted: i64 = p
                    .connection()
                    .query_row(
                        &format!(
                            "SELECT count(*) FROM complaints c {}",
                            crate::complaints::where_sql(&wh)
                        ),
                        rusqlite::params_from_iter(args.iter()),
                        |r| r.get(0),
                    )
                    .unwrap();
                if total != counted as u64 {
                    eprintln!("{at}, {role:?}, {f:?}: total {total}, rows {counted}");
                    wrong += 1;
                }
            }
        }
        wrong
    }

    /// Random operations interleaved with queries compared by [`checked`];
    /// with `drop_triggers` dropped first, the disagreements found.
    fn random_operations(drop_triggers: &[&str]) -> usize {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let now = Utc.with_ymd_and_hms(2026, 3, 20, 3, 0, 0).unwrap();
        let (_dir, mut p, clock) = monev_store(now);
        for t in drop_triggers {
            p.connection()
                .execute_batch(&format!("DROP TRIGGER {t}"))
                .unwrap();
        }
        let strict = drop_triggers.is_empty();
        let mut wrong = 0;
        // Short lists: the cuts of the report's candidates are exercised.
        TEST_CAPS.with(|c| c.set(Some(ListCaps { cases: 3, late: 4 })));
        REPORT_READS.with(|n| n.set(0));
        crate::demo::generate(&mut p, 300, 5, 420, |_| {}).unwrap();
        p.connection()
            .execute_batch(
                "UPDATE complaints SET unit_id = (SELECT id FROM units WHERE code = 'PKM-DUA')
                 WHERE id % 3 = 0;",
            )
            .unwrap();
        let admin = Actor {
            user_id: None,
            username: "uji-admin".into(),
            display_name: "Admin Uji".into(),
            role: Role::Admin,
        };
        let mut rng = StdRng::seed_from_u64(2026);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let mut queries = 0;
        let mut hits_checked = 0;
        for round in 0..14 {
            // Queries: the fixed periods and some random ones.
            let today = p.today();
            let mut periods = vec![
                (d(2025, 1, 1), d(2025, 12, 31)),
                (d(2026, 1, 1), d(2026, 12, 31)),
                (today - Duration::days(365), today),
                (d(2025, 11, 1), d(2025, 11, 30)),
                (d(2025, 10, 15), d(2026, 1, 14)),
                (d(2026, 2, 1), d(2026, 2, 28)),
            ];
            for _ in 0..3 {
                let from = d(2025, 1, 1) + Duration::days(rng.random_range(0..500));
                periods.push((from, from + Duration::days(rng.random_range(0..200))));
            }
            let unit_sets: [Vec<String>; 3] =
                [vec![], vec!["PKM-UJI".into()], vec!["PKM-DUA".into()]];
            for (from, to) in periods {
                let units = unit_sets[rng.random_range(0..3)].clone();
                let q = MonevQuery { from, to, units };
                checked(&p, &q, &format!("round {round}"), strict, &mut wrong);
                queries += 1;
            }
            if cache_rows(&p) > 0 {
                hits_checked += 1;
            }
            wrong += status_counts_disagree(&p, &format!("round {round}"));
            // Operations, each through its own path.
            clock.advance(Duration::days(rng.random_range(1..25)));
            match round % 7 {
                0 => {
                    crate::demo::generate(&mut p, 25, 100 + round, 60, |_| {}).unwrap();
                }
                1 => {
                    // Old complaints move on (after the end of past periods).
                    let open: Vec<i64> = {
                        let mut stmt = p
                            .connection()
                            .prepare("SELECT id FROM complaints WHERE is_open = 1 ORDER BY id")
                            .unwrap();
                        stmt.query_map([], |r| r.get(0))
                            .unwrap()
                            .collect::<Result<_, _>>()
                            .unwrap()
                    };
                    for id in &open {
                        if !rng.random_bool(0.3) {
                            continue;
                        }
                        let status: String = p
                            .connection()
                            .query_row("SELECT status FROM complaints WHERE id = ?1", [id], |r| {
                                r.get(0)
                            })
                            .unwrap();
                        let acts = posko_domain::workflow::available_actions(
                            Status::from_code(&status).unwrap(),
                        );
                        if acts.is_empty() {
                            continue;
                        }
                        let action = acts[rng.random_range(0..acts.len())];
                        let _ = p.transition(
                            &admin,
                            &crate::model::TransitionInput {
                                complaint_id: *id,
                                action,
                                note: Some("Ditindaklanjuti oleh tim.".into()),
                                assigned_to: Some("Tim Pengaduan".into()),
                            },
                        );
                    }
                }
                2 => {
                    let date = p.today() - Duration::days(rng.random_range(0..300));
                    let h = posko_domain::calendar::Holiday {
                        date,
                        name: "Libur uji".into(),
                        kind: posko_domain::calendar::HolidayKind::Daerah,
                        source: String::new(),
                    };
                    p.edit_holidays(&admin, std::slice::from_ref(&h), &[])
                        .unwrap();
                    checked(
                        &p,
                        &MonevQuery {
                            from: d(2025, 1, 1),
                            to: d(2025, 12, 31),
                            units: vec![],
                        },
                        "holiday added",
                        strict,
                        &mut wrong,
                    );
                    p.edit_holidays(&admin, &[], &[date]).unwrap();
                }
                3 => {
                    let mut s = p.office_settings().unwrap();
                    s.work_week = match s.work_week {
                        posko_domain::calendar::WorkWeek::FiveDay => {
                            posko_domain::calendar::WorkWeek::SixDay
                        }
                        posko_domain::calendar::WorkWeek::SixDay => {
                            posko_domain::calendar::WorkWeek::FiveDay
                        }
                    };
                    if rng.random_bool(0.5) {
                        s.zone = match s.zone {
                            posko_domain::OfficeZone::Wita => posko_domain::OfficeZone::Wib,
                            _ => posko_domain::OfficeZone::Wita,
                        };
                    }
                    p.update_office_settings(&admin, s).unwrap();
                }
                4 => {
                    // Edits no screen makes yet: the triggers still see them.
                    let c = p.connection();
                    for sql in [
                        "UPDATE complaints SET kind = 'aspirasi' WHERE id % 17 = ?1",
                        "UPDATE complaints SET channel = 'email' WHERE id % 19 = ?1",
                        "UPDATE complaints SET topic_id = NULL WHERE id % 23 = ?1",
                        "UPDATE complaints SET is_secret = 1 - is_secret WHERE id % 29 = ?1",
                        "UPDATE complaints SET is_anonymous = 1 - is_anonymous WHERE id % 31 = ?1",
                        "UPDATE complaints SET unit_id = (SELECT id FROM units WHERE code = 'PKM-DUA') WHERE id % 37 = ?1",
                        "UPDATE complaints SET received_date = date(received_date, '-40 days') WHERE id % 41 = ?1",
                    ] {
                        c.execute(sql, [rng.random_range(0..17i64)]).unwrap();
                    }
                }
                5 => {
                    let c = p.connection();
                    c.execute(
                        "DELETE FROM deadlines WHERE complaint_id % 43 = ?1",
                        [rng.random_range(0..43i64)],
                    )
                    .unwrap();
                    c.execute(
                        "UPDATE deadlines SET met_date = NULL WHERE complaint_id % 47 = ?1",
                        [rng.random_range(0..47i64)],
                    )
                    .unwrap();
                    c.execute(
                        "DELETE FROM complaint_facts WHERE complaint_id % 53 = ?1",
                        [rng.random_range(0..53i64)],
                    )
                    .unwrap();
                    // Complaints removed (as undoing an import does; the
                    // rows that name them are left, the reads skip them).
                    c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
                    c.execute(
                        "DELETE FROM complaints WHERE id % 59 = ?1",
                        [rng.random_range(0..59i64)],
                    )
                    .unwrap();
                    c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
                }
                _ => {
                    // A unit renamed.
                    p.connection()
                        .execute(
                            "UPDATE units SET code = CASE code WHEN 'PKM-DUA' THEN 'PKM-DUO' ELSE 'PKM-DUA' END
                             WHERE code IN ('PKM-DUA', 'PKM-DUO')",
                            [],
                        )
                        .unwrap();
                    p.connection()
                        .execute(
                            "UPDATE units SET code = 'PKM-DUA' WHERE code = 'PKM-DUO'",
                            [],
                        )
                        .unwrap();
                }
            }
        }
        assert!(queries > 100, "{queries}");
        assert!(hits_checked > 5, "{hits_checked}");
        // Most reports listed from the candidates alone.
        let read_all = REPORT_READS.with(|n| n.get());
        assert!(read_all * 4 < queries, "{read_all} of {queries}");
        wrong
    }

    /// A second query reads the kept rows (a doctored row shows through),
    /// a write to one of its complaints drops exactly that row, and a
    /// holiday edit drops them all.
    #[test]
    fn the_month_cache_is_read_and_dropped_by_the_triggers() {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 3, 0, 0).unwrap();
        let (_dir, mut p, _clock) = monev_store(now);
        crate::demo::generate(&mut p, 200, 3, 300, |_| {}).unwrap();
        let q = MonevQuery {
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: p.today(),
            units: vec![],
        };
        assert_eq!(cache_rows(&p), 0);
        let first = p.monev_compute(&q, false).unwrap().0;
        // Every day (166) and the five whole months, × two units (also the
        // unit without a complaint).
        let kept = 2 * (166 + 5);
        assert_eq!(cache_rows(&p), kept);
        p.connection()
            .execute(
                "UPDATE monev_month_cache SET partial = replace(partial, '\"received\":', '\"received\":1000+')
                 WHERE month = '2026-03'",
                [],
            )
            .unwrap();
        // Not valid JSON any more: read as missing, made again.
        let again = p.monev_compute(&q, false).unwrap().0;
        assert_eq!(again.complaints, first.complaints);
        let doctored: String = p
            .connection()
            .query_row(
                "SELECT partial FROM monev_month_cache m JOIN units u ON u.id = m.unit_id
                 WHERE m.month = '2026-03' AND u.code = 'PKM-UJI'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let mut row: serde_json::Value = serde_json::from_str(&doctored).unwrap();
        let n = row["partial"]["received"].as_u64().unwrap();
        row["partial"]["received"] = (n + 1000).into();
        p.connection()
            .execute(
                "UPDATE monev_month_cache SET partial = ?1 WHERE month = '2026-03'
                 AND unit_id = (SELECT id FROM units WHERE code = 'PKM-UJI')",
                [row.to_string()],
            )
            .unwrap();
        let read = p.monev_compute(&q, false).unwrap().0;
        assert_eq!(
            read.complaints.received.value,
            first.complaints.received.value + 1000
        );
        // A later end uses the row too; an end before its last change does not.
        let id: i64 = p
            .connection()
            .query_row(
                "SELECT id FROM complaints WHERE received_date LIKE '2026-03%' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        p.connection()
            .execute("UPDATE complaints SET kind = kind WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(
            cache_rows(&p),
            kept - 2,
            "the rows of its unit and month and of its unit and day are dropped"
        );
        // The month made again from its other days' rows and that day.
        assert_eq!(
            p.monev_compute(&q, false).unwrap().0.complaints,
            first.complaints
        );
        assert_eq!(cache_rows(&p), kept);
        // A day at the period's edge is dropped the same way.
        let id: i64 = p
            .connection()
            .query_row(
                "SELECT id FROM complaints WHERE received_date LIKE '2026-06%' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        p.connection()
            .execute("UPDATE complaints SET topic_id = NULL WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(
            cache_rows(&p),
            kept - 1,
            "the row of its unit and day is dropped"
        );
        let rows = p.monev_compute_rows(&q).unwrap();
        assert_eq!(
            p.monev_compute(&q, false).unwrap().0.complaints,
            rows.complaints
        );
        assert_eq!(cache_rows(&p), kept);
        let admin = Actor {
            user_id: None,
            username: "uji-admin".into(),
            display_name: "Admin Uji".into(),
            role: Role::Admin,
        };
        let h = posko_domain::calendar::Holiday {
            date: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            name: "Libur uji".into(),
            kind: posko_domain::calendar::HolidayKind::Daerah,
            source: String::new(),
        };
        p.edit_holidays(&admin, std::slice::from_ref(&h), &[])
            .unwrap();
        assert_eq!(cache_rows(&p), 0, "a holiday drops every row");
    }
}
