//! Deadline bookkeeping in the store: creating due dates when a start event
//! happens, marking steps met, keeping `complaints.next_due` current, and
//! recomputing every open deadline when the calendar changes.
//! The arithmetic itself is pure (posko_domain::deadline); this is the I/O around it.

use chrono::NaiveDate;
use posko_domain::Kind;
use posko_domain::calendar::Calendar;
use posko_domain::deadline::{DeadlineStep, RuleSet, StartEvent, compute_due, rule_set_for};
use rusqlite::{Transaction, params};

use crate::error::CoreResult;

/// The rule set a complaint follows: the one its earlier deadlines used, else
/// the one valid on the date it was received.
pub(crate) fn rule_set_of<'a>(
    tx: &Transaction<'_>,
    sets: &'a [RuleSet],
    complaint_id: i64,
    received: NaiveDate,
) -> CoreResult<Option<&'a RuleSet>> {
    let used: Option<String> = tx
        .query_row(
            "SELECT rule_version FROM deadlines WHERE complaint_id = ?1 LIMIT 1",
            [complaint_id],
            |r| r.get(0),
        )
        .ok();
    Ok(match used {
        Some(v) => sets
            .iter()
            .find(|s| s.version == v)
            .or_else(|| rule_set_for(sets, received)),
        None => rule_set_for(sets, received),
    })
}

/// Create (or restart) the deadlines that `event` starts.
pub(crate) fn start(
    tx: &Transaction<'_>,
    cal: &Calendar,
    set: &RuleSet,
    complaint_id: i64,
    kind: Kind,
    event: StartEvent,
    on: NaiveDate,
) -> CoreResult<()> {
    for d in compute_due(cal, set, kind, event, on) {
        tx.execute(
            "INSERT INTO deadlines (complaint_id, step, start_date, due_date, working_days, rule_version, met_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)
             ON CONFLICT (complaint_id, step) DO UPDATE SET start_date = excluded.start_date,
                due_date = excluded.due_date, working_days = excluded.working_days,
                rule_version = excluded.rule_version, met_date = NULL",
            params![complaint_id, d.step.code(), d.start.to_string(), d.due.to_string(), d.working_days, d.rule_version],
        )?;
    }
    Ok(())
}

/// Mark steps as done on `on` (only those not already met).
pub(crate) fn meet(
    tx: &Transaction<'_>,
    complaint_id: i64,
    steps: &[DeadlineStep],
    on: NaiveDate,
) -> CoreResult<()> {
    for s in steps {
        tx.execute(
            "UPDATE deadlines SET met_date = ?1 WHERE complaint_id = ?2 AND step = ?3 AND met_date IS NULL",
            params![on.to_string(), complaint_id, s.code()],
        )?;
    }
    Ok(())
}

/// Mark every unmet step as done (the complaint was closed).
pub(crate) fn meet_all(tx: &Transaction<'_>, complaint_id: i64, on: NaiveDate) -> CoreResult<()> {
    tx.execute(
        "UPDATE deadlines SET met_date = ?1 WHERE complaint_id = ?2 AND met_date IS NULL",
        params![on.to_string(), complaint_id],
    )?;
    Ok(())
}

/// Keep the denormalised nearest due date in step with the deadlines table.
pub(crate) fn refresh_next_due(tx: &Transaction<'_>, complaint_id: i64) -> CoreResult<()> {
    tx.prepare_cached(
        "UPDATE complaints SET next_due =
            (SELECT min(due_date) FROM deadlines WHERE complaint_id = ?1 AND met_date IS NULL)
         WHERE id = ?1",
    )?
    .execute([complaint_id])?;
    Ok(())
}

/// Recompute the due date of every unmet deadline of every open complaint
/// with `cal` (after a holiday or work-week edit). Start dates, step lengths
/// and rule versions stay; only the calendar arithmetic is redone.
///
/// `window`: the first and last date the edit touched (holidays added,
/// renamed or removed), or None when the whole calendar may have changed (the
/// work week). A due date is `start` plus working days, so only a deadline
/// whose `[start_date, due_date]` contains an edited date can move; the others
/// are not read. `next_due` is rewritten only for the complaints whose
/// deadlines moved. Returns how many due dates moved.
pub(crate) fn recompute_open(
    tx: &Transaction<'_>,
    cal: &Calendar,
    window: Option<(NaiveDate, NaiveDate)>,
) -> CoreResult<u32> {
    let mut moved: Vec<i64> = Vec::new();
    let mut changed = 0u32;
    {
        // The partial index deadlines_unmet (due_date) WHERE met_date IS NULL
        // gives the deadlines due on or after the first edited date.
        let (lo, hi) = match window {
            Some((a, b)) => (a.min(b).to_string(), a.max(b).to_string()),
            None => (String::new(), "9999-12-31".to_owned()),
        };
        let mut select = tx.prepare(
            "SELECT d.complaint_id, d.step, d.start_date, d.working_days, d.due_date
             FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
             WHERE d.met_date IS NULL AND d.due_date >= ?1 AND d.start_date <= ?2 AND c.is_open = 1",
        )?;
        let mut update =
            tx.prepare("UPDATE deadlines SET due_date = ?1 WHERE complaint_id = ?2 AND step = ?3")?;
        let rows = select.query_map(params![lo, hi], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (id, step, start, days, old_due) = row?;
            let Ok(start) = NaiveDate::parse_from_str(&start, "%Y-%m-%d") else {
                continue;
            };
            let due = cal.add_working_days(start, days).to_string();
            if due != old_due {
                update.execute(params![due, id, step])?;
                changed += 1;
                moved.push(id);
            }
        }
    }
    moved.sort_unstable();
    moved.dedup();
    for id in moved {
        refresh_next_due(tx, id)?;
    }
    Ok(changed)
}
