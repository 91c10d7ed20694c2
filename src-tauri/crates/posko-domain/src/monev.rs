//! Monev indicators (domain.md §5) computed from plain facts about complaints.
//!
//! The store turns each complaint of the period into a [`ComplaintFact`]: its
//! vocabulary, its privacy flags, its state *as of the end of the period*
//! (replayed from the append-only timeline, so a report about March says the
//! same thing in May) and its deadlines. Everything after that is pure.
//!
//! Every number is a [`Count`] of the facts that match a [`Cell`], and the same
//! [`in_cell`] predicate answers "which complaints are behind this number"
//! (the dashboard's drill-down), so a number and its list can never disagree.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::calendar::Calendar;
use crate::deadline::DeadlineStep;
use crate::{Channel, Kind, Status};

/// A reporting period, both days included (office-local dates).
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One deadline of a complaint, as stored (due date by its rule version).
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlineFact {
    pub step: DeadlineStep,
    /// The start event's date; a deadline started after the period is left out.
    pub start: NaiveDate,
    pub due: NaiveDate,
    /// When the step was done; a date after the period counts as not yet done.
    pub met: Option<NaiveDate>,
}

/// A complaint as the indicators see it.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct ComplaintFact {
    pub id: i64,
    pub unit_code: String,
    pub received_date: NaiveDate,
    pub kind: Kind,
    pub channel: Channel,
    pub topic_id: Option<i64>,
    pub is_secret: bool,
    pub is_anonymous: bool,
    /// Status at the end of the period.
    pub status: Status,
    pub verified_on: Option<NaiveDate>,
    pub routed_on: Option<NaiveDate>,
    /// The first approved follow-up (tindak lanjut) given to the reporter.
    pub first_follow_up_on: Option<NaiveDate>,
    /// When it reached its closed status (only when closed at the end of the period).
    pub closed_on: Option<NaiveDate>,
    /// Opened again after being finished (before the end of the period).
    pub reopened: bool,
    pub deadlines: Vec<DeadlineFact>,
}

/// One transition of the timeline: the office-local date and the status it led to.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineStep {
    pub on: NaiveDate,
    pub from: Option<Status>,
    pub to: Status,
}

/// Replay a complaint's timeline up to the end of the period: its status then,
/// and the dates of its milestones. `steps` are in timeline order and already
/// cut at the end of the period. With no step the complaint counts as received.
pub struct Replay {
    pub status: Status,
    pub verified_on: Option<NaiveDate>,
    pub routed_on: Option<NaiveDate>,
    pub first_follow_up_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub reopened: bool,
}

pub fn replay(steps: &[TimelineStep]) -> Replay {
    let first = |s: Status| steps.iter().find(|x| x.to == s).map(|x| x.on);
    let status = steps.last().map(|x| x.to).unwrap_or(Status::Received);
    Replay {
        status,
        verified_on: first(Status::Verified),
        routed_on: first(Status::Routed),
        first_follow_up_on: first(Status::WaitingReporter),
        // The closing that stands at the end of the period (after any reopening).
        closed_on: (!status.is_open())
            .then(|| steps.iter().rev().find(|x| x.to == status).map(|x| x.on))
            .flatten(),
        reopened: steps
            .iter()
            .any(|x| x.from == Some(Status::Finished) && x.to.is_open()),
    }
}

/// What a number counts. Serialised as `{"metric": ..., "key": ...}` so the
/// dashboard can send it back to ask for the complaints behind it.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(tag = "metric", content = "key", rename_all = "snake_case")]
pub enum Cell {
    /// Every complaint received in the period.
    Received,
    Kind(Kind),
    Channel(Channel),
    /// By topic id; `None` = without a topic.
    Topic(Option<i64>),
    /// `YYYY-MM` of the date received.
    Month(String),
    Unit(String),
    /// Status at the end of the period.
    Status(Status),
    /// Passed verification (terverifikasi) by the end of the period.
    Verified,
    /// Routed (didisposisikan) by the end of the period.
    Routed,
    /// Got at least one approved follow-up by the end of the period.
    FollowedUp,
    /// Finished (selesai) at the end of the period.
    Finished,
    /// Still open (in process) at the end of the period.
    InProcess,
    /// Archived at the end of the period.
    Archived,
    /// Closed in any way (finished, archived, rejected, forwarded).
    Closed,
    Reopened,
    Anonymous,
    Secret,
    /// The step was done by its due date.
    OnTime(DeadlineStep),
    /// The step was done late, or is still not done and its due date has passed.
    Late(DeadlineStep),
    /// Not done yet and not yet due at the end of the period.
    Pending(DeadlineStep),
    /// A unit's complaints with a status at the end of the period.
    UnitStatus(String, Status),
}

/// Whether the complaint behind `f` is counted in `cell` at the end of the period `as_of`.
pub fn in_cell(f: &ComplaintFact, cell: &Cell, as_of: NaiveDate) -> bool {
    let deadline = |step: DeadlineStep| {
        f.deadlines
            .iter()
            .find(|d| d.step == step && d.start <= as_of)
            .map(|d| (d.due, d.met.filter(|m| *m <= as_of)))
    };
    match cell {
        Cell::Received => true,
        Cell::Kind(k) => f.kind == *k,
        Cell::Channel(c) => f.channel == *c,
        Cell::Topic(t) => f.topic_id == *t,
        Cell::Month(m) => is_month_key(m, f.received_date),
        Cell::Unit(u) => f.unit_code == *u,
        Cell::Status(s) => f.status == *s,
        Cell::Verified => f.verified_on.is_some(),
        Cell::Routed => f.routed_on.is_some(),
        Cell::FollowedUp => f.first_follow_up_on.is_some(),
        Cell::Finished => f.status == Status::Finished,
        Cell::InProcess => f.status.is_open(),
        Cell::Archived => f.status == Status::Archived,
        Cell::Closed => !f.status.is_open(),
        Cell::Reopened => f.reopened,
        Cell::Anonymous => f.is_anonymous,
        Cell::Secret => f.is_secret,
        Cell::OnTime(step) => matches!(deadline(*step), Some((due, Some(met))) if met <= due),
        Cell::Late(step) => match deadline(*step) {
            Some((due, Some(met))) => met > due,
            Some((due, None)) => due < as_of,
            None => false,
        },
        Cell::Pending(step) => matches!(deadline(*step), Some((due, None)) if due >= as_of),
        Cell::UnitStatus(u, s) => f.unit_code == *u && f.status == *s,
    }
}

pub fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// `month_key(d) == key` without making the key (the indicators ask it of
/// every complaint for every month of the period).
fn is_month_key(key: &str, d: NaiveDate) -> bool {
    let b = key.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    (0..=9999).contains(&d.year())
        && b.len() == 7
        && b[4] == b'-'
        && digits(0..4) == Some(d.year() as u32)
        && digits(5..7) == Some(d.month())
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct Count {
    pub cell: Cell,
    pub value: u64,
    /// Share of the complaints received in the period, in percent (two decimals).
    pub pct: Option<f64>,
}

/// Working-day durations: how many, the median and the 90th percentile.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct DurationStats {
    /// The complaints the durations are measured on.
    pub cell: Cell,
    pub count: u64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<i64>,
}

/// One unit's complaints by status at the end of the period.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct UnitStatusCounts {
    pub unit_code: String,
    /// Every status, in workflow order.
    pub counts: Vec<Count>,
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct DeadlineCompliance {
    pub step: DeadlineStep,
    pub on_time: Count,
    pub late: Count,
    pub pending: Count,
    /// on_time / (on_time + late), in percent; None when nothing was due.
    pub on_time_pct: Option<f64>,
}

/// The complaint indicators of a period (for one unit or several).
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct ComplaintIndicators {
    pub period: Period,
    pub received: Count,
    pub verified: Count,
    pub routed: Count,
    pub followed_up: Count,
    pub finished: Count,
    pub in_process: Count,
    pub archived: Count,
    pub closed: Count,
    pub reopened: Count,
    pub anonymous: Count,
    pub secret: Count,
    pub by_kind: Vec<Count>,
    pub by_channel: Vec<Count>,
    /// Topics with at least one complaint, most frequent first.
    pub by_topic: Vec<Count>,
    /// Every month of the period, in order (also the empty ones).
    pub by_month: Vec<Count>,
    pub by_unit: Vec<Count>,
    /// Status at the end of the period, every status in workflow order.
    pub by_status: Vec<Count>,
    /// Unit × status at the end of the period.
    pub by_unit_status: Vec<UnitStatusCounts>,
    /// Per deadline step: done on time, late, not yet due.
    pub deadlines: Vec<DeadlineCompliance>,
    /// Working days from receipt to the first follow-up.
    pub days_to_first_follow_up: DurationStats,
    /// Working days from receipt to closing (for those closed at the end of the period).
    pub days_to_close: DurationStats,
}

fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| crate::instrument::round2(100.0 * part as f64 / whole as f64))
}

/// The `q`-quantile (0..=1) of sorted values, interpolating linearly between
/// the closest ranks (as Excel's PERCENTILE.INC and numpy's default): the
/// median of 1, 2, 3, 10 is 2.5; the 90th percentile of 1..=10 is 9.1.
pub fn quantile(sorted: &[i64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    let v = sorted[lo] as f64 + (sorted[hi] - sorted[lo]) as f64 * frac;
    Some(crate::instrument::round2(v))
}

/// Every month touched by the period, as `YYYY-MM`.
pub fn months_of(period: Period) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = period.from.with_day(1).unwrap_or(period.from);
    while d <= period.to && out.len() < 1200 {
        out.push(month_key(d));
        d = d
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    out
}

/// Compute the indicators. `units` lists the unit codes reported on (so a
/// unit without complaints still gets its row); `cal` is the office calendar.
///
/// The same as [`finish`] of [`Partial::from_facts`]: the partial counts can
/// be made per unit and month, kept, and merged (the store's month cache).
pub fn compute(
    facts: &[ComplaintFact],
    cal: &Calendar,
    period: Period,
    units: &[String],
) -> ComplaintIndicators {
    finish(&Partial::from_facts(facts, cal, period.to), period, units)
}

/// A map kept as a list of pairs in JSON (keys that are not strings, such
/// as `Option<i64>` or a date, cannot be JSON object keys).
pub(crate) mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// One deadline step's outcomes in a [`Partial`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct StepPartial {
    /// Done by the due date (as of the partial's end).
    pub on_time: u64,
    /// Done after the due date.
    pub late_met: u64,
    /// Not done (as of the partial's end), by due date: late when the due
    /// date is before the end of the period asked, pending otherwise.
    #[serde(with = "pairs")]
    pub unmet: BTreeMap<NaiveDate, u64>,
}

/// Mergeable counts behind [`ComplaintIndicators`]: what [`finish`] needs
/// and nothing per complaint. Built from facts as of a date `as_of`; the
/// only thing that still depends on the end of the period asked is whether
/// an unmet deadline is late or pending, so the unmet ones are kept by due
/// date. A partial of complaints whose every status step, deadline start and
/// deadline met date is on or before `as_of` is the same for any later
/// `as_of`: the store keeps such partials per unit and month.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Partial {
    pub received: u64,
    pub verified: u64,
    pub routed: u64,
    pub followed_up: u64,
    pub reopened: u64,
    pub anonymous: u64,
    pub secret: u64,
    #[serde(with = "pairs")]
    pub by_kind: BTreeMap<Kind, u64>,
    #[serde(with = "pairs")]
    pub by_channel: BTreeMap<Channel, u64>,
    #[serde(with = "pairs")]
    pub by_topic: BTreeMap<Option<i64>, u64>,
    /// By `YYYY-MM` of the date received.
    #[serde(with = "pairs")]
    pub by_month: BTreeMap<String, u64>,
    /// By unit code, then status at the end (the unit's total is the sum,
    /// the statuses' totals the sums over units).
    #[serde(with = "pairs")]
    pub by_unit_status: BTreeMap<String, BTreeMap<Status, u64>>,
    #[serde(with = "pairs")]
    pub deadlines: BTreeMap<DeadlineStep, StepPartial>,
    /// Working days to the first follow-up: value → how many complaints.
    #[serde(with = "pairs")]
    pub to_follow_up: BTreeMap<i64, u64>,
    /// Working days to closing: value → how many complaints.
    #[serde(with = "pairs")]
    pub to_close: BTreeMap<i64, u64>,
}

impl Partial {
    /// The counts of `facts` as of `as_of` (the end of the period they were
    /// read for).
    pub fn from_facts(facts: &[ComplaintFact], cal: &Calendar, as_of: NaiveDate) -> Partial {
        let mut p = Partial::default();
        for f in facts {
            p.add(f, cal, as_of);
        }
        p
    }

    /// Count one more complaint (as of `as_of`).
    pub fn add(&mut self, f: &ComplaintFact, cal: &Calendar, as_of: NaiveDate) {
        self.received += 1;
        self.verified += u64::from(f.verified_on.is_some());
        self.routed += u64::from(f.routed_on.is_some());
        self.followed_up += u64::from(f.first_follow_up_on.is_some());
        self.reopened += u64::from(f.reopened);
        self.anonymous += u64::from(f.is_anonymous);
        self.secret += u64::from(f.is_secret);
        *self.by_kind.entry(f.kind).or_default() += 1;
        *self.by_channel.entry(f.channel).or_default() += 1;
        *self.by_topic.entry(f.topic_id).or_default() += 1;
        // `Cell::Month` matches only four-digit years (`is_month_key`).
        if (0..=9999).contains(&f.received_date.year()) {
            let key = month_key(f.received_date);
            match self.by_month.get_mut(&key) {
                Some(n) => *n += 1,
                None => {
                    self.by_month.insert(key, 1);
                }
            }
        }
        let statuses = match self.by_unit_status.get_mut(&f.unit_code) {
            Some(s) => s,
            None => self.by_unit_status.entry(f.unit_code.clone()).or_default(),
        };
        *statuses.entry(f.status).or_default() += 1;
        for step in DeadlineStep::ALL {
            // As `in_cell`: the first deadline of the step started by the end.
            let Some(d) = f
                .deadlines
                .iter()
                .find(|d| d.step == step && d.start <= as_of)
            else {
                continue;
            };
            let s = self.deadlines.entry(step).or_default();
            match d.met.filter(|m| *m <= as_of) {
                Some(met) if met <= d.due => s.on_time += 1,
                Some(_) => s.late_met += 1,
                None => *s.unmet.entry(d.due).or_default() += 1,
            }
        }
        if let Some(d) = f.first_follow_up_on {
            *self
                .to_follow_up
                .entry(cal.working_days_between(f.received_date, d).max(0))
                .or_default() += 1;
        }
        if let Some(d) = f.closed_on {
            *self
                .to_close
                .entry(cal.working_days_between(f.received_date, d).max(0))
                .or_default() += 1;
        }
    }

    /// Add another partial's counts (of other complaints) to these.
    pub fn merge(&mut self, o: &Partial) {
        fn add_map<K: Ord + Clone>(a: &mut BTreeMap<K, u64>, b: &BTreeMap<K, u64>) {
            for (k, v) in b {
                *a.entry(k.clone()).or_default() += v;
            }
        }
        self.received += o.received;
        self.verified += o.verified;
        self.routed += o.routed;
        self.followed_up += o.followed_up;
        self.reopened += o.reopened;
        self.anonymous += o.anonymous;
        self.secret += o.secret;
        add_map(&mut self.by_kind, &o.by_kind);
        add_map(&mut self.by_channel, &o.by_channel);
        add_map(&mut self.by_topic, &o.by_topic);
        add_map(&mut self.by_month, &o.by_month);
        for (u, statuses) in &o.by_unit_status {
            add_map(self.by_unit_status.entry(u.clone()).or_default(), statuses);
        }
        for (step, s) in &o.deadlines {
            let mine = self.deadlines.entry(*step).or_default();
            mine.on_time += s.on_time;
            mine.late_met += s.late_met;
            add_map(&mut mine.unmet, &s.unmet);
        }
        add_map(&mut self.to_follow_up, &o.to_follow_up);
        add_map(&mut self.to_close, &o.to_close);
    }

    fn status_count(&self, keep: impl Fn(Status) -> bool) -> u64 {
        self.by_unit_status
            .values()
            .flat_map(|m| m.iter())
            .filter(|(s, _)| keep(**s))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The `q`-quantile of the values of a histogram (value → how many), the
/// same number as [`quantile`] of the values listed in order.
fn quantile_of(hist: &BTreeMap<i64, u64>, n: u64, q: f64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    // The value at rank `k` (0-based) of the sorted values.
    let at = |k: u64| -> i64 {
        let mut seen = 0;
        for (v, c) in hist {
            seen += c;
            if k < seen {
                return *v;
            }
        }
        *hist.keys().next_back().expect("n > 0")
    };
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as u64;
    let hi = pos.ceil() as u64;
    let frac = pos - lo as f64;
    let (a, b) = (at(lo), at(hi));
    let v = a as f64 + (b - a) as f64 * frac;
    Some(crate::instrument::round2(v))
}

fn stats_of(cell: Cell, hist: &BTreeMap<i64, u64>) -> DurationStats {
    let count = hist.values().sum();
    DurationStats {
        cell,
        count,
        median: quantile_of(hist, count, 0.5),
        p90: quantile_of(hist, count, 0.9),
        max: hist.keys().next_back().copied(),
    }
}

/// The indicators of the period from the partial counts of its complaints
/// (as of the period's end). `units` lists the unit codes reported on.
pub fn finish(p: &Partial, period: Period, units: &[String]) -> ComplaintIndicators {
    let as_of = period.to;
    let total = p.received;
    let count = |cell: Cell, value: u64| Count {
        pct: pct(value, total),
        cell,
        value,
    };
    let mut by_topic: Vec<Count> = p
        .by_topic
        .iter()
        .map(|(t, value)| count(Cell::Topic(*t), *value))
        .collect();
    by_topic.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.cell.cmp(&b.cell)));
    let deadlines = DeadlineStep::ALL
        .into_iter()
        .map(|step| {
            let s = p.deadlines.get(&step).cloned().unwrap_or_default();
            let late_unmet: u64 = s.unmet.range(..as_of).map(|(_, n)| n).sum();
            let pending: u64 = s.unmet.range(as_of..).map(|(_, n)| n).sum();
            let on_time = count(Cell::OnTime(step), s.on_time);
            let late = count(Cell::Late(step), s.late_met + late_unmet);
            DeadlineCompliance {
                step,
                on_time_pct: pct(on_time.value, on_time.value + late.value),
                pending: count(Cell::Pending(step), pending),
                on_time,
                late,
            }
        })
        .collect();
    let of_status = |s: Status| p.status_count(|x| x == s);
    let no_statuses = BTreeMap::new();
    let unit_statuses = |u: &str| p.by_unit_status.get(u).unwrap_or(&no_statuses);
    ComplaintIndicators {
        period,
        received: count(Cell::Received, total),
        verified: count(Cell::Verified, p.verified),
        routed: count(Cell::Routed, p.routed),
        followed_up: count(Cell::FollowedUp, p.followed_up),
        finished: count(Cell::Finished, of_status(Status::Finished)),
        in_process: count(Cell::InProcess, p.status_count(|s| s.is_open())),
        archived: count(Cell::Archived, of_status(Status::Archived)),
        closed: count(Cell::Closed, p.status_count(|s| !s.is_open())),
        reopened: count(Cell::Reopened, p.reopened),
        anonymous: count(Cell::Anonymous, p.anonymous),
        secret: count(Cell::Secret, p.secret),
        by_kind: Kind::ALL
            .into_iter()
            .map(|k| count(Cell::Kind(k), p.by_kind.get(&k).copied().unwrap_or(0)))
            .collect(),
        by_channel: Channel::ALL
            .into_iter()
            .map(|c| count(Cell::Channel(c), p.by_channel.get(&c).copied().unwrap_or(0)))
            .collect(),
        by_topic,
        by_month: months_of(period)
            .into_iter()
            .map(|m| {
                let n = p.by_month.get(&m).copied().unwrap_or(0);
                count(Cell::Month(m), n)
            })
            .collect(),
        by_unit: units
            .iter()
            .map(|u| count(Cell::Unit(u.clone()), unit_statuses(u).values().sum()))
            .collect(),
        by_status: Status::ALL
            .into_iter()
            .map(|s| count(Cell::Status(s), of_status(s)))
            .collect(),
        by_unit_status: units
            .iter()
            .map(|u| UnitStatusCounts {
                unit_code: u.clone(),
                counts: Status::ALL
                    .into_iter()
                    .map(|s| {
                        let n = unit_statuses(u).get(&s).copied().unwrap_or(0);
                        count(Cell::UnitStatus(u.clone(), s), n)
                    })
                    .collect(),
            })
            .collect(),
        deadlines,
        days_to_first_follow_up: stats_of(Cell::FollowedUp, &p.to_follow_up),
        days_to_close: stats_of(Cell::Closed, &p.to_close),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarSettings, holidays_2026};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_keys_match_as_the_formatted_key() {
        for (key, date) in [
            ("2026-03", d(2026, 3, 31)),
            ("2026-3", d(2026, 3, 1)),
            ("2026-04", d(2026, 3, 1)),
            ("2025-03", d(2026, 3, 1)),
            ("2026-12", d(2026, 12, 1)),
            ("0999-01", d(999, 1, 1)),
            ("2026_03", d(2026, 3, 1)),
            ("", d(2026, 3, 1)),
        ] {
            assert_eq!(is_month_key(key, date), month_key(date) == key, "{key}");
        }
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7], 0.9), Some(7.0));
        assert_eq!(quantile(&[1, 2, 3, 10], 0.5), Some(2.5));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(quantile(&v, 0.9), Some(9.1));
        assert_eq!(quantile(&v, 0.5), Some(5.5));
    }

    #[test]
    fn replay_finds_the_state_at_the_end_and_the_milestones() {
        use Status as S;
        let st = |on, from, to| TimelineStep { on, from, to };
        let steps = [
            st(d(2026, 3, 2), None, S::Received),
            st(d(2026, 3, 3), Some(S::Received), S::Verified),
            st(d(2026, 3, 3), Some(S::Verified), S::Routed),
            st(d(2026, 3, 4), Some(S::Routed), S::InFollowUp),
            st(d(2026, 3, 9), Some(S::InFollowUp), S::WaitingReporter),
            st(d(2026, 3, 10), Some(S::WaitingReporter), S::Finished),
            st(d(2026, 3, 12), Some(S::Finished), S::InFollowUp),
            st(d(2026, 3, 16), Some(S::InFollowUp), S::Finished),
        ];
        let r = replay(&steps);
        assert_eq!(r.status, S::Finished);
        assert_eq!(r.verified_on, Some(d(2026, 3, 3)));
        assert_eq!(r.first_follow_up_on, Some(d(2026, 3, 9)));
        assert_eq!(r.closed_on, Some(d(2026, 3, 16)));
        assert!(r.reopened);
        // Cut before the reopening: finished on the 10th, not reopened.
        let r = replay(&steps[..6]);
        assert_eq!(r.closed_on, Some(d(2026, 3, 10)));
        assert!(!r.reopened);
        // Cut while reopened: open, no closing date.
        let r = replay(&steps[..7]);
        assert_eq!(r.status, S::InFollowUp);
        assert_eq!(r.closed_on, None);
        assert!(replay(&[]).status == S::Received);
    }

    #[test]
    fn deadline_cells_at_the_end_of_the_period() {
        let f = |due, met| ComplaintFact {
            id: 1,
            unit_code: "U".into(),
            received_date: d(2026, 3, 2),
            kind: Kind::Aspirasi,
            channel: Channel::Email,
            topic_id: None,
            is_secret: false,
            is_anonymous: false,
            status: Status::Received,
            verified_on: None,
            routed_on: None,
            first_follow_up_on: None,
            closed_on: None,
            reopened: false,
            deadlines: vec![DeadlineFact {
                step: DeadlineStep::Verifikasi,
                start: d(2026, 3, 2),
                due,
                met,
            }],
        };
        let end = d(2026, 3, 31);
        let v = DeadlineStep::Verifikasi;
        let cells = |fact: &ComplaintFact| {
            [Cell::OnTime(v), Cell::Late(v), Cell::Pending(v)].map(|c| in_cell(fact, &c, end))
        };
        assert_eq!(
            cells(&f(d(2026, 3, 5), Some(d(2026, 3, 5)))),
            [true, false, false]
        );
        assert_eq!(
            cells(&f(d(2026, 3, 5), Some(d(2026, 3, 6)))),
            [false, true, false]
        );
        assert_eq!(cells(&f(d(2026, 3, 5), None)), [false, true, false]);
        // Due on the last day and not done: still pending.
        assert_eq!(cells(&f(d(2026, 3, 31), None)), [false, false, true]);
        // Done after the period: as of the end, it was not done yet.
        assert_eq!(
            cells(&f(d(2026, 4, 2), Some(d(2026, 4, 1)))),
            [false, false, true]
        );
        assert_eq!(
            cells(&f(d(2026, 3, 20), Some(d(2026, 4, 1)))),
            [false, true, false]
        );
    }

    fn stats_by_cells(cell: Cell, mut values: Vec<i64>) -> DurationStats {
        values.sort_unstable();
        DurationStats {
            cell,
            count: values.len() as u64,
            median: quantile(&values, 0.5),
            p90: quantile(&values, 0.9),
            max: values.last().copied(),
        }
    }

    /// The indicators as `compute` made them before the partial counts (one
    /// pass over the facts per cell, `in_cell`): the reference.
    /// Compute the indicators. `units` lists the unit codes reported on (so a
    /// unit without complaints still gets its row); `cal` is the office calendar.
    fn compute_by_cells(
        facts: &[ComplaintFact],
        cal: &Calendar,
        period: Period,
        units: &[String],
    ) -> ComplaintIndicators {
        let as_of = period.to;
        let total = facts.len() as u64;
        let count = |cell: Cell| {
            let value = facts.iter().filter(|f| in_cell(f, &cell, as_of)).count() as u64;
            Count {
                pct: pct(value, total),
                cell,
                value,
            }
        };
        let mut topics: BTreeMap<Option<i64>, u64> = BTreeMap::new();
        for f in facts {
            *topics.entry(f.topic_id).or_default() += 1;
        }
        // The same numbers as `count(Cell::Topic(t))` (in_cell compares topic_id),
        // without a pass over the facts per topic.
        let mut by_topic: Vec<Count> = topics
            .into_iter()
            .map(|(t, value)| Count {
                cell: Cell::Topic(t),
                value,
                pct: pct(value, total),
            })
            .collect();
        by_topic.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.cell.cmp(&b.cell)));
        let deadlines = DeadlineStep::ALL
            .into_iter()
            .map(|step| {
                let on_time = count(Cell::OnTime(step));
                let late = count(Cell::Late(step));
                DeadlineCompliance {
                    step,
                    on_time_pct: pct(on_time.value, on_time.value + late.value),
                    pending: count(Cell::Pending(step)),
                    on_time,
                    late,
                }
            })
            .collect();
        let to_follow_up = facts
            .iter()
            .filter_map(|f| {
                f.first_follow_up_on
                    .map(|d| cal.working_days_between(f.received_date, d).max(0))
            })
            .collect();
        let to_close = facts
            .iter()
            .filter_map(|f| {
                f.closed_on
                    .map(|d| cal.working_days_between(f.received_date, d).max(0))
            })
            .collect();
        ComplaintIndicators {
            period,
            received: count(Cell::Received),
            verified: count(Cell::Verified),
            routed: count(Cell::Routed),
            followed_up: count(Cell::FollowedUp),
            finished: count(Cell::Finished),
            in_process: count(Cell::InProcess),
            archived: count(Cell::Archived),
            closed: count(Cell::Closed),
            reopened: count(Cell::Reopened),
            anonymous: count(Cell::Anonymous),
            secret: count(Cell::Secret),
            by_kind: Kind::ALL
                .into_iter()
                .map(|k| count(Cell::Kind(k)))
                .collect(),
            by_channel: Channel::ALL
                .into_iter()
                .map(|c| count(Cell::Channel(c)))
                .collect(),
            by_topic,
            by_month: months_of(period)
                .into_iter()
                .map(|m| count(Cell::Month(m)))
                .collect(),
            by_unit: units.iter().map(|u| count(Cell::Unit(u.clone()))).collect(),
            by_status: Status::ALL
                .into_iter()
                .map(|s| count(Cell::Status(s)))
                .collect(),
            by_unit_status: units
                .iter()
                .map(|u| UnitStatusCounts {
                    unit_code: u.clone(),
                    counts: Status::ALL
                        .into_iter()
                        .map(|s| count(Cell::UnitStatus(u.clone(), s)))
                        .collect(),
                })
                .collect(),
            deadlines,
            days_to_first_follow_up: stats_by_cells(Cell::FollowedUp, to_follow_up),
            days_to_close: stats_by_cells(Cell::Closed, to_close),
        }
    }

    #[test]
    fn histogram_quantiles_are_the_quantiles_of_the_values() {
        let mut seed = 7u64;
        for n in 0..60u64 {
            let mut values = Vec::new();
            let mut hist = BTreeMap::new();
            for _ in 0..n {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = ((seed >> 33) % 23) as i64;
                values.push(v);
                *hist.entry(v).or_default() += 1;
            }
            values.sort_unstable();
            for q in [0.0, 0.1, 0.5, 0.9, 0.95, 1.0] {
                assert_eq!(quantile_of(&hist, n, q), quantile(&values, q), "{n} {q}");
            }
        }
    }

    /// Facts split in any way, counted apart, merged (also through JSON)
    /// and finished give what `compute` gives of them all, for any end of
    /// the period (late vs pending is decided at the end).
    #[test]
    fn merged_partials_finish_as_the_whole() {
        let cal = Calendar::new(CalendarSettings::default(), &holidays_2026());
        let mut seed = 11u64;
        let mut next = move |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let base = d(2026, 1, 1);
        let days = |n: u64| chrono::Duration::days(n as i64);
        let mut facts: Vec<ComplaintFact> = Vec::new();
        for i in 0..400 {
            let received = base + days(next(120));
            let status = Status::ALL[next(Status::ALL.len() as u64) as usize];
            let mut later = || (next(3) > 0).then(|| received + days(next(40)));
            let (verified_on, routed_on, first_follow_up_on) = (later(), later(), later());
            let mut deadlines = Vec::new();
            for step in DeadlineStep::ALL {
                if next(4) == 0 {
                    continue;
                }
                let start = received + days(next(5));
                let due = start + days(next(20));
                let met = (next(2) == 0).then(|| start + days(next(30)));
                deadlines.push(DeadlineFact {
                    step,
                    start,
                    due,
                    met,
                });
            }
            facts.push(ComplaintFact {
                id: i,
                unit_code: ["A", "B", "C"][next(3) as usize].into(),
                received_date: received,
                kind: Kind::ALL[next(Kind::ALL.len() as u64) as usize],
                channel: Channel::ALL[next(Channel::ALL.len() as u64) as usize],
                topic_id: (next(4) > 0).then(|| next(6) as i64),
                is_secret: next(5) == 0,
                is_anonymous: next(4) == 0,
                status,
                verified_on,
                routed_on,
                first_follow_up_on,
                closed_on: (!status.is_open()).then(|| received + days(next(50))),
                reopened: next(7) == 0,
                deadlines,
            });
        }
        let units: Vec<String> = vec!["A".into(), "B".into(), "D".into()];
        for (from, to) in [
            (d(2026, 1, 1), d(2026, 6, 30)),
            (d(2026, 1, 15), d(2026, 3, 10)),
            (d(2026, 2, 1), d(2026, 2, 28)),
            (d(2025, 12, 1), d(2027, 1, 31)),
        ] {
            let period = Period { from, to };
            let whole = compute(&facts, &cal, period, &units);
            let mut merged = Partial::default();
            for chunk in facts.chunks(37) {
                let part = Partial::from_facts(chunk, &cal, to);
                let json = serde_json::to_string(&part).unwrap();
                let back: Partial = serde_json::from_str(&json).unwrap();
                assert_eq!(back, part);
                merged.merge(&back);
            }
            let split = finish(&merged, period, &units);
            assert_eq!(
                serde_json::to_string(&compute_by_cells(&facts, &cal, period, &units)).unwrap(),
                serde_json::to_string(&whole).unwrap(),
                "the same as before the partial counts"
            );
            assert_eq!(
                serde_json::to_string(&split).unwrap(),
                serde_json::to_string(&whole).unwrap()
            );
            // Every number is still the count of its cell's predicate.
            let cells = |c: &Cell| facts.iter().filter(|f| in_cell(f, c, to)).count() as u64;
            for x in whole
                .by_status
                .iter()
                .chain(&whole.by_kind)
                .chain(&whole.by_month)
            {
                assert_eq!(x.value, cells(&x.cell), "{:?}", x.cell);
            }
            for s in &whole.deadlines {
                for x in [&s.on_time, &s.late, &s.pending] {
                    assert_eq!(x.value, cells(&x.cell), "{:?}", x.cell);
                }
            }
            for x in whole.by_unit_status.iter().flat_map(|u| &u.counts) {
                assert_eq!(x.value, cells(&x.cell), "{:?}", x.cell);
            }
        }
    }

    #[test]
    fn empty_period_gives_zeros_and_no_percentages() {
        let cal = Calendar::new(CalendarSettings::default(), &holidays_2026());
        let p = Period {
            from: d(2026, 1, 1),
            to: d(2026, 3, 31),
        };
        let i = compute(&[], &cal, p, &["U".into()]);
        assert_eq!(i.received.value, 0);
        assert_eq!(i.received.pct, None);
        assert_eq!(i.by_month.len(), 3);
        assert_eq!(i.by_unit.len(), 1);
        assert_eq!(i.days_to_close.median, None);
        assert!(i.deadlines.iter().all(|x| x.on_time_pct.is_none()));
        let json = serde_json::to_value(&i.by_kind[0].cell).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"metric": "kind", "key": "aspirasi"})
        );
        let back: Cell = serde_json::from_value(serde_json::json!({"metric": "received"})).unwrap();
        assert_eq!(back, Cell::Received);
    }
}
