//! The outbox table: written in the same transaction as the change it carries.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::plan::{Item, OutboxOp, OutboxState};
use crate::app::{now_text, parse_instant};
use crate::error::CoreResult;

pub(crate) fn enqueue_create(
    tx: &Transaction<'_>,
    complaint_id: i64,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let now = now_text(now);
    tx.execute(
        "INSERT INTO outbox (complaint_id, op, state, created_at, updated_at)
         VALUES (?1, 'create_complaint', 'pending', ?2, ?2)",
        params![complaint_id, now],
    )?;
    Ok(())
}

pub(crate) fn enqueue_follow_up(
    tx: &Transaction<'_>,
    complaint_id: i64,
    follow_up_id: i64,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let now = now_text(now);
    tx.execute(
        "INSERT OR IGNORE INTO outbox (complaint_id, op, follow_up_id, state, created_at, updated_at)
         VALUES (?1, 'add_follow_up', ?2, 'pending', ?3, ?3)",
        params![complaint_id, follow_up_id, now],
    )?;
    Ok(())
}

/// Everything that may need work, oldest first.
pub(crate) fn work_items(conn: &Connection) -> CoreResult<Vec<Item>> {
    let mut st = conn.prepare(
        "SELECT o.id, o.complaint_id, o.op, o.state, o.attempts, o.next_attempt_at,
                c.lapor_complaint_id IS NOT NULL, o.last_error_code = 'RATE_LIMITED'
         FROM outbox o JOIN complaints c ON c.id = o.complaint_id
         WHERE o.state IN ('pending', 'sending', 'unknown')
         ORDER BY o.id",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, bool>(6)?,
            r.get::<_, Option<bool>>(7)?.unwrap_or(false),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, complaint_id, op, state, attempts, next, parent_sent, rate_limited) = row?;
        // A row this build cannot read is left alone rather than guessed at.
        let (Some(op), Some(state)) = (OutboxOp::from_code(&op), OutboxState::from_code(&state))
        else {
            continue;
        };
        out.push(Item {
            id,
            complaint_id,
            op,
            state,
            attempts: attempts.max(0) as u32,
            next_attempt_at: next.as_deref().map(parse_instant),
            parent_sent,
            rate_limited,
        });
    }
    Ok(out)
}

pub(crate) struct Row {
    pub id: i64,
    pub complaint_id: i64,
    pub op: OutboxOp,
    pub follow_up_id: Option<i64>,
    pub attempts: u32,
}

pub(crate) fn row(conn: &Connection, id: i64) -> CoreResult<Option<Row>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, complaint_id, op, follow_up_id, attempts FROM outbox WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()?
        .and_then(|(id, complaint_id, op, follow_up_id, attempts)| {
            Some(Row {
                id,
                complaint_id,
                op: OutboxOp::from_code(&op)?,
                follow_up_id,
                attempts: attempts.max(0) as u32,
            })
        }))
}

/// [`row`], and whether its report has attachments (one statement).
pub(crate) fn row_with_attachments(conn: &Connection, id: i64) -> CoreResult<Option<(Row, bool)>> {
    Ok(conn
        .prepare_cached(
            "SELECT o.id, o.complaint_id, o.op, o.follow_up_id, o.attempts,
                    EXISTS (SELECT 1 FROM attachments a WHERE a.complaint_id = o.complaint_id)
             FROM outbox o WHERE o.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })
        .optional()?
        .and_then(|(id, complaint_id, op, follow_up_id, attempts, attached)| {
            Some((
                Row {
                    id,
                    complaint_id,
                    op: OutboxOp::from_code(&op)?,
                    follow_up_id,
                    attempts: attempts.max(0) as u32,
                },
                attached,
            ))
        }))
}

/// Set an item's state (and error) in the caller's transaction.
pub(crate) fn set_state(
    tx: &Transaction<'_>,
    id: i64,
    state: OutboxState,
    next_attempt_at: Option<DateTime<Utc>>,
    error: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    tx.prepare_cached(
        "UPDATE outbox SET state = ?2, next_attempt_at = ?3, last_error_code = ?4, last_error = ?5, updated_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![
            id,
            state.code(),
            next_attempt_at.map(now_text),
            error.map(|e| e.0),
            error.map(|e| e.1),
            now_text(now)
        ])?;
    Ok(())
}

pub(crate) struct Attempt<'a> {
    pub outbox_id: i64,
    /// `None` for a person's action outside a run.
    pub run_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub action: &'a str,
    pub outcome: &'a str,
    pub http_status: Option<u16>,
    pub error_code: Option<&'a str>,
    pub message: Option<&'a str>,
    pub duration_ms: i64,
}

pub(crate) fn log_attempt(tx: &Transaction<'_>, a: &Attempt<'_>) -> CoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO sync_attempts (outbox_id, run_id, at, action, outcome, http_status, error_code, message, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
            a.outbox_id,
            a.run_id,
            now_text(a.at),
            a.action,
            a.outcome,
            a.http_status,
            a.error_code,
            a.message,
            a.duration_ms
        ])?;
    Ok(())
}
