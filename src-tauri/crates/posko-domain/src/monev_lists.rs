//! The lists of the monev period report: its case examples (the latest
//! finished complaints) and its appendix of late complaints (the most late
//! first), kept mergeable so that the store can cache them per unit and
//! day or month beside the counts ([`crate::monev::Partial`]) and a report
//! reads only the complaints it lists, not every complaint of the period.
//!
//! The case examples are a top-k by a key that never changes once a
//! complaint's steps are all before the period's end (its closing date), so
//! a top-k of the bucket tops is the top-k. The appendix's key, a
//! complaint's lateness, grows with the end of the period at its unmet
//! deadlines. It is the larger of a fixed part (its late met deadlines) and
//! a growing part that depends only on the earliest due date of its unmet
//! deadlines, later due dates never being more late. So each bucket keeps
//! its top-k by the fixed part and its top-k by that due date, and
//! [`Lists::pick`] takes the top-k of the union; it proves from the due date
//! of the first complaint left out whether one left out could still belong
//! there, and answers `None` (the caller then counts row by row) when it
//! could. [`pick_from_facts`] is the reference: the lists from every fact.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Status;
use crate::calendar::Calendar;
use crate::monev::{Cell, ComplaintFact, in_cell, pairs};

/// How long the lists are: examples, and late complaints in the appendix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListCaps {
    pub cases: usize,
    pub late: usize,
}

/// What the report lists: complaint ids, the appendix with each one's
/// lateness in working days, and how many complaints (not rahasia) are late.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picked {
    pub cases: Vec<i64>,
    pub late: Vec<(i64, i64)>,
    pub overdue_total: u64,
}

/// How late a complaint is at the end of the period `as_of`, in working
/// days past the due date of its latest step (at least 1 for a late step),
/// 0 when no step is late. Rahasia complaints are never listed, only counted.
pub fn lateness(f: &ComplaintFact, cal: &Calendar, as_of: NaiveDate) -> i64 {
    f.deadlines
        .iter()
        .filter(|d| d.start <= as_of && in_cell(f, &Cell::Late(d.step), as_of))
        .map(|d| {
            let end = d.met.filter(|m| *m <= as_of).unwrap_or(as_of);
            cal.working_days_between(d.due, end).max(1)
        })
        .max()
        .unwrap_or(0)
}

/// The report's lists from every fact of the period (as of its end).
pub fn pick_from_facts(
    facts: &[ComplaintFact],
    cal: &Calendar,
    as_of: NaiveDate,
    caps: ListCaps,
) -> Picked {
    let finished: Vec<(NaiveDate, i64)> = facts
        .iter()
        .filter(|f| !f.is_secret && in_cell(f, &Cell::Finished, as_of))
        .map(|f| (f.closed_on.unwrap_or(NaiveDate::MIN), f.id))
        .collect();
    let late: Vec<(i64, i64)> = facts
        .iter()
        .filter(|f| !f.is_secret)
        .map(|f| (f.id, lateness(f, cal, as_of)))
        .filter(|(_, l)| *l > 0)
        .collect();
    let overdue_total = late.len() as u64;
    Picked::top(finished, late, overdue_total, caps)
}

impl Picked {
    /// The latest of `finished` (date closed, id) and the most late of
    /// `late` (id, lateness), as many as `caps` says.
    fn top(
        mut finished: Vec<(NaiveDate, i64)>,
        mut late: Vec<(i64, i64)>,
        overdue_total: u64,
        caps: ListCaps,
    ) -> Picked {
        finished.sort_unstable_by(|a, b| b.cmp(a));
        late.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        late.truncate(caps.late);
        Picked {
            cases: finished
                .into_iter()
                .take(caps.cases)
                .map(|(_, id)| id)
                .collect(),
            late,
            overdue_total,
        }
    }
}

/// One complaint's lateness, split into what no later end of the period
/// changes and what grows with it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateKey {
    #[serde(rename = "i")]
    pub id: i64,
    /// The lateness at its met deadlines (0 when none was met late).
    #[serde(rename = "f")]
    pub fixed: i64,
    /// The earliest due date of its unmet deadlines.
    #[serde(rename = "d")]
    pub due: Option<NaiveDate>,
}

impl LateKey {
    /// As of `as_of`: deadlines started later are left out, met later are unmet.
    pub fn of(f: &ComplaintFact, cal: &Calendar, as_of: NaiveDate) -> LateKey {
        let mut key = LateKey {
            id: f.id,
            fixed: 0,
            due: None,
        };
        // One deadline per step (the store's key), so a step is late exactly
        // when its own deadline is (as `lateness` asks `in_cell`).
        for d in f.deadlines.iter().filter(|d| d.start <= as_of) {
            match d.met.filter(|m| *m <= as_of) {
                Some(met) if met > d.due => {
                    key.fixed = key.fixed.max(cal.working_days_between(d.due, met).max(1));
                }
                Some(_) => {}
                None => key.due = Some(key.due.map_or(d.due, |e| e.min(d.due))),
            }
        }
        key
    }

    /// [`lateness`] at `as_of` on or after the date the key was made for.
    pub fn lateness(&self, cal: &Calendar, as_of: NaiveDate) -> i64 {
        self.fixed.max(growing(self.due, cal, as_of))
    }
}

/// The lateness of an unmet deadline due on `due` at `as_of`.
fn growing(due: Option<NaiveDate>, cal: &Calendar, as_of: NaiveDate) -> i64 {
    match due {
        Some(e) if e < as_of => cal.working_days_between(e, as_of).max(1),
        _ => 0,
    }
}

/// The candidates of the report's lists among some complaints (a unit's
/// day or month), mergeable with those of others. Built with [`Lists::add`]
/// and [`Lists::merge`], then cut with [`Lists::trim`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Lists {
    /// Finished, not rahasia: (date closed, id), the latest first.
    pub finished: Vec<(NaiveDate, i64)>,
    /// Not rahasia and late at a met deadline: the most late first, then by id.
    pub late_met: Vec<LateKey>,
    /// How many complaints (not rahasia) are late at a met deadline.
    pub late_met_count: u64,
    /// Not rahasia with an unmet deadline: the earliest due first, then by id;
    /// those due on the same day as the last one kept are all kept.
    pub unmet: Vec<LateKey>,
    /// The earliest due date of those left out of `unmet`.
    pub unmet_rest: Option<NaiveDate>,
    /// Not late at a met deadline but with an unmet one: how many per
    /// earliest due date (each is late once its due date is before the end).
    #[serde(with = "pairs")]
    pub unmet_only: BTreeMap<NaiveDate, u64>,
}

impl Lists {
    /// One more complaint, as of `as_of` (the end of the period it was read for).
    pub fn add(&mut self, f: &ComplaintFact, cal: &Calendar, as_of: NaiveDate) {
        if f.is_secret {
            return;
        }
        if f.status == Status::Finished {
            self.finished
                .push((f.closed_on.unwrap_or(NaiveDate::MIN), f.id));
        }
        let key = LateKey::of(f, cal, as_of);
        if key.fixed > 0 {
            self.late_met.push(key);
            self.late_met_count += 1;
        } else if let Some(due) = key.due {
            *self.unmet_only.entry(due).or_default() += 1;
        }
        if key.due.is_some() {
            self.unmet.push(key);
        }
    }

    /// Add the candidates of other complaints.
    pub fn merge(&mut self, o: &Lists) {
        self.finished.extend_from_slice(&o.finished);
        self.late_met.extend_from_slice(&o.late_met);
        self.late_met_count += o.late_met_count;
        self.unmet.extend_from_slice(&o.unmet);
        self.unmet_rest = min_date(self.unmet_rest, o.unmet_rest);
        for (d, n) in &o.unmet_only {
            *self.unmet_only.entry(*d).or_default() += n;
        }
    }

    /// Keep only what the lists of `caps` can need.
    pub fn trim(&mut self, caps: ListCaps) {
        self.finished.sort_unstable_by(|a, b| b.cmp(a));
        self.finished.truncate(caps.cases);
        self.late_met
            .sort_unstable_by(|a, b| b.fixed.cmp(&a.fixed).then(a.id.cmp(&b.id)));
        self.late_met.truncate(caps.late);
        self.unmet
            .sort_unstable_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
        if caps.late == 0 {
            self.unmet_rest = min_date(self.unmet_rest, self.unmet.first().and_then(|k| k.due));
            self.unmet.clear();
        } else if self.unmet.len() > caps.late {
            let last = self.unmet[caps.late - 1].due;
            let keep = self.unmet.partition_point(|k| k.due <= last);
            self.unmet_rest = min_date(self.unmet_rest, self.unmet.get(keep).and_then(|k| k.due));
            self.unmet.truncate(keep);
        }
    }

    /// The report's lists at `as_of` (on or after the dates the candidates
    /// were made for), or `None` when a complaint left out by [`Self::trim`]
    /// could belong in the appendix.
    pub fn pick(&self, cal: &Calendar, as_of: NaiveDate, caps: ListCaps) -> Option<Picked> {
        let mut keys: BTreeMap<i64, LateKey> = BTreeMap::new();
        for k in self.late_met.iter().chain(&self.unmet) {
            keys.insert(k.id, *k);
        }
        let late: Vec<(i64, i64)> = keys
            .values()
            .map(|k| (k.id, k.lateness(cal, as_of)))
            .filter(|(_, l)| *l > 0)
            .collect();
        let overdue_total =
            self.late_met_count + self.unmet_only.range(..as_of).map(|(_, n)| n).sum::<u64>();
        let picked = Picked::top(self.finished.clone(), late, overdue_total, caps);
        // One left out is due on or after `unmet_rest`, so at most this late
        // at its unmet deadlines; at its met ones, the kept `late_met`
        // already holds every complaint that could outrank it.
        let left_out = growing(self.unmet_rest, cal, as_of);
        let cut =
            picked.late.len() < caps.late || picked.late.last().is_some_and(|l| l.1 <= left_out);
        (left_out == 0 || !cut).then_some(picked)
    }
}

fn min_date(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarSettings, holidays_2026};
    use crate::deadline::DeadlineStep;
    use crate::monev::DeadlineFact;
    use crate::{Channel, Kind};
    use chrono::Duration;
    use proptest::prelude::*;

    fn cal() -> Calendar {
        Calendar::new(CalendarSettings::default(), &holidays_2026())
    }

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(n)
    }

    /// A complaint whose every date is on or before day `last`.
    fn fact(
        id: i64,
        secret: bool,
        status: u8,
        closed: i64,
        steps: &[(i64, i64, Option<i64>)],
    ) -> ComplaintFact {
        let status = match status % 4 {
            0 => Status::Finished,
            1 => Status::Archived,
            2 => Status::Verified,
            _ => Status::Received,
        };
        ComplaintFact {
            id,
            unit_code: "U".into(),
            received_date: day(0),
            kind: Kind::Aspirasi,
            channel: Channel::TatapMuka,
            topic_id: None,
            is_secret: secret,
            is_anonymous: false,
            status,
            verified_on: None,
            routed_on: None,
            first_follow_up_on: None,
            closed_on: (!status.is_open()).then(|| day(closed)),
            reopened: false,
            deadlines: steps
                .iter()
                .zip(DeadlineStep::ALL)
                .map(|((start, due, met), step)| DeadlineFact {
                    step,
                    start: day(*start),
                    due: day(*start + *due),
                    met: met.map(|m| day(*start + m)),
                })
                .collect(),
        }
    }

    fn arb_fact(id: i64) -> impl Strategy<Value = ComplaintFact> {
        (
            prop::bool::weighted(0.1),
            0u8..4,
            0i64..60,
            prop::collection::vec((0i64..40, 0i64..20, prop::option::of(0i64..40)), 0..4),
        )
            .prop_map(move |(secret, status, closed, steps)| {
                fact(id, secret, status, closed, &steps)
            })
    }

    fn arb_case() -> impl Strategy<Value = (Vec<ComplaintFact>, Vec<usize>, i64, i64, usize)> {
        (1usize..120).prop_flat_map(|n| {
            (
                (0..n as i64)
                    .map(|i| arb_fact(i * 7 % 1000 + 1))
                    .collect::<Vec<_>>(),
                prop::collection::vec(0usize..6, n),
                40i64..90,
                0i64..30,
                1usize..12,
            )
        })
    }

    /// Buckets' lists, trimmed, merged in any grouping, trimmed again, give
    /// the lists of every fact, or say they cannot; made as of one end and
    /// picked as of a later one (the cache's case) they still do.
    fn check(
        facts: &[ComplaintFact],
        bucket_of: &[usize],
        made: NaiveDate,
        asked: NaiveDate,
        caps: ListCaps,
    ) -> bool {
        let cal = cal();
        let mut buckets: BTreeMap<usize, Lists> = BTreeMap::new();
        for (f, b) in facts.iter().zip(bucket_of) {
            buckets.entry(*b % 3).or_default().add(f, &cal, made);
        }
        let mut all = Lists::default();
        for (b, mut l) in buckets {
            l.trim(caps);
            // Every other bucket goes through one more merge level.
            if b % 2 == 1 {
                let mut outer = Lists::default();
                outer.merge(&l);
                outer.trim(caps);
                l = outer;
            }
            all.merge(&l);
        }
        all.trim(caps);
        let want = pick_from_facts(facts, &cal, asked, caps);
        match all.pick(&cal, asked, caps) {
            Some(got) => {
                assert_eq!(got, want);
                true
            }
            None => false,
        }
    }

    /// Random facts in random buckets (seeded): the candidates give exactly
    /// the lists of every fact whenever they answer, and answer for most.
    #[test]
    fn bucket_lists_give_the_lists_of_every_fact() {
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
        let mut runner = TestRunner::new_with_rng(
            Config::with_cases(400),
            TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
        );
        let answered = std::cell::Cell::new(0);
        runner
            .run(&arb_case(), |(facts, buckets, made, later, late)| {
                // A cached bucket's complaints changed last by the end it
                // was made for: clamp the later dates.
                let made = day(made);
                let facts: Vec<ComplaintFact> = facts
                    .into_iter()
                    .map(|mut f| {
                        f.deadlines.retain(|d| d.start <= made);
                        for d in &mut f.deadlines {
                            d.met = d.met.filter(|m| *m <= made);
                        }
                        f.closed_on = f.closed_on.map(|c| c.min(made));
                        f
                    })
                    .collect();
                let caps = ListCaps { cases: 3, late };
                for asked in [made, made + Duration::days(later)] {
                    if check(&facts, &buckets, made, asked, caps) {
                        answered.set(answered.get() + 1);
                    }
                }
                Ok(())
            })
            .unwrap();
        assert!(answered.get() > 600, "{}", answered.get());
    }

    fn trimmed(facts: &[ComplaintFact], cal: &Calendar, as_of: NaiveDate, caps: ListCaps) -> Lists {
        let mut l = Lists::default();
        for f in facts {
            l.add(f, cal, as_of);
        }
        l.trim(caps);
        l
    }

    /// Not always `None`: with small caps over many late complaints the
    /// candidates answer by themselves most of the time, and a tie at the
    /// cut is recognised.
    #[test]
    fn the_candidates_usually_answer_and_a_tie_is_seen() {
        let cal = cal();
        let as_of = day(120);
        let caps = ListCaps { cases: 2, late: 3 };
        // Ten complaints each due on its own working day: the cut is clear.
        let facts: Vec<ComplaintFact> = (0..10)
            .map(|i| fact(i + 1, false, 2, 0, &[(5 + i * 7, 0, None)]))
            .collect();
        let l = trimmed(&facts, &cal, as_of, caps);
        assert_eq!(l.unmet.len(), 3);
        assert_eq!(
            l.pick(&cal, as_of, caps),
            Some(pick_from_facts(&facts, &cal, as_of, caps))
        );
        // Five due the same day with the lowest ids left out after the cut
        // would tie: kept, so still answered exactly.
        let facts: Vec<ComplaintFact> = (0..5)
            .map(|i| fact(50 - i, false, 2, 0, &[(5, 0, None)]))
            .collect();
        let l = trimmed(&facts, &cal, as_of, caps);
        assert_eq!(l.unmet.len(), 5);
        assert_eq!(
            l.pick(&cal, as_of, caps),
            Some(pick_from_facts(&facts, &cal, as_of, caps))
        );
        // A Saturday and the Friday before are as late at the end: the one
        // due on Saturday left out could tie, so no answer.
        let fri = NaiveDate::from_ymd_opt(2026, 2, 6).unwrap();
        let sat = fri + Duration::days(1);
        let mk = |id: i64, due: NaiveDate| ComplaintFact {
            deadlines: vec![DeadlineFact {
                step: DeadlineStep::ALL[0],
                start: due,
                due,
                met: None,
            }],
            ..fact(id, false, 2, 0, &[])
        };
        let facts = vec![mk(9, fri), mk(8, fri), mk(7, fri), mk(1, sat)];
        let l = trimmed(&facts, &cal, as_of, caps);
        assert_eq!(l.unmet_rest, Some(sat));
        assert_eq!(l.pick(&cal, as_of, caps), None);
    }
}
