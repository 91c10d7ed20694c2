//! Undo of the last import ("Urungkan impor terakhir").
//!
//! Only the most recent batch (`import_batches`, migration 0007) can be
//! undone, once, and only while it is exactly as the import left it:
//!
//! - none of its complaints changed since: no timeline event but the intake's
//!   `created` (so no status step, follow-up, edit note or erasure), version
//!   1 (no edit), no follow-up, no attachment, no remote (SP4N-LAPOR!) id or
//!   pulled data, its outbox entry still `pending` with no attempt (not yet
//!   sent), every row's fingerprint still there (an erasure removes some);
//! - its register numbers are the last ones issued: register numbers are
//!   gap-free per unit and year (`register_counters`, moved in the intake's
//!   transaction), so removing numbers with later numbers after them would
//!   leave a hole. For every (unit, year) the batch numbered in, the counter
//!   must stand at the batch's highest number and no complaint outside the
//!   batch may have a number from the batch's lowest on; the counter is then
//!   set back to just before the batch's lowest number, and the next intake
//!   issues the same numbers again. Once a clerk records one complaint of that
//!   year after the import, the import can no longer be undone.
//!
//! Otherwise the undo is refused with a typed error and nothing is removed.
//! Whoever may import (`CreateComplaint`) may undo the last import, theirs or
//! another user's: what it can remove is only what nobody worked on yet, and
//! the audit row says who removed it.
//! The undo removes, in one transaction, the complaints with their timeline,
//! deadlines, kept monev facts, outbox entry, search-index rows (word,
//! identifier and tracking indexes) and the batch's import fingerprints (so
//! the same file imports again), sets the counters back, and appends an audit
//! `delete` row on the `import_batch` (removed register numbers and ids).
//! That row is also what marks the batch as undone: a second undo finds it
//! and answers that there is nothing to undo. The batch row itself stays (who
//! imported which file when). The vocabulary of the search suggestions
//! (`search_terms`, words without a link to a complaint) is left as it is.
//!
//! The timeline is append-only (a trigger refuses DELETE on
//! `complaint_events`): the undo drops that trigger and re-creates it from its
//! stored definition inside its own transaction, so no committed state is ever
//! without it. This is the only place timeline rows are removed.

use chrono::{DateTime, Utc};
use posko_domain::role::Permission;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::FileFormat;
use crate::app::{Posko, now_text, parse_instant, require};
use crate::audit::{AuditAction, AuditEvent};
use crate::error::{CoreError, CoreResult, ErrorPayload};
use crate::model::Actor;

/// One import run.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportBatchView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub file_name: String,
    pub format: FileFormat,
    /// Data rows of the file.
    pub rows: u32,
    /// Complaints the import recorded.
    pub created: u32,
    /// Rows skipped as imported before.
    pub skipped: u32,
}

/// The last import that can be undone, or why it cannot.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LastImport {
    pub batch: ImportBatchView,
    /// Why an undo would be refused now (the error it would answer);
    /// absent when it can be undone.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<ErrorPayload>,
}

/// A register counter after the undo.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RegisterCounter {
    pub unit_id: i64,
    pub year: i32,
    /// The last number issued (0: none that year).
    pub last: i64,
}

/// What the undo removed.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportUndoReport {
    pub batch: ImportBatchView,
    /// Complaints removed.
    pub removed: u32,
    /// Their register numbers (issued again by the next intakes).
    pub register_nos: Vec<String>,
    pub counters: Vec<RegisterCounter>,
}

/// What the undo would remove.
struct Plan {
    batch: ImportBatchView,
    ids: Vec<i64>,
    register_nos: Vec<String>,
    /// (unit, year, lowest number of the batch).
    counters: Vec<(i64, i32, i64)>,
}

const UNDONE: &str = "undo_import";

/// The last batch, unless there is none, it recorded nothing, or it was undone.
fn last_batch(conn: &rusqlite::Connection) -> CoreResult<Option<ImportBatchView>> {
    let row = conn
        .query_row(
            "SELECT id, at, actor_name, file_name, format, rows, created, skipped
             FROM import_batches ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                let format: String = r.get(4)?;
                Ok(ImportBatchView {
                    id: r.get(0)?,
                    at: parse_instant(&r.get::<_, String>(1)?),
                    actor_name: r.get(2)?,
                    file_name: r.get(3)?,
                    format: if format == "xlsx" {
                        FileFormat::Xlsx
                    } else {
                        FileFormat::Csv
                    },
                    rows: r.get(5)?,
                    created: r.get(6)?,
                    skipped: r.get(7)?,
                })
            },
        )
        .optional()?;
    let Some(batch) = row else {
        return Ok(None);
    };
    if batch.created == 0 {
        return Ok(None);
    }
    let undone: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'delete' AND entity = 'import_batch'
                        AND entity_id = ?1 AND json_extract(detail, '$.what') = ?2)",
        params![batch.id.to_string(), UNDONE],
        |r| r.get(0),
    )?;
    Ok((!undone).then_some(batch))
}

/// The batch's complaints that changed since the import (see the module).
const TOUCHED: &str = "SELECT count(*) FROM complaints c
    WHERE c.id IN (SELECT complaint_id FROM import_rows WHERE batch_id = ?1)
      AND (c.version > 1
        OR c.status <> 'received'
        OR c.lapor_complaint_id IS NOT NULL
        OR c.lapor_tracking_id IS NOT NULL
        OR EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id AND e.kind <> 'created')
        OR (SELECT count(*) FROM complaint_events e WHERE e.complaint_id = c.id) > 1
        OR EXISTS (SELECT 1 FROM follow_ups f WHERE f.complaint_id = c.id)
        OR EXISTS (SELECT 1 FROM attachments a WHERE a.complaint_id = c.id)
        OR EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.id
                   AND (o.op <> 'create_complaint' OR o.state <> 'pending' OR o.attempts > 0))
        OR EXISTS (SELECT 1 FROM lapor_pull_state p WHERE p.complaint_id = c.id)
        OR EXISTS (SELECT 1 FROM remote_status_logs s WHERE s.complaint_id = c.id)
        OR EXISTS (SELECT 1 FROM remote_follow_ups s WHERE s.complaint_id = c.id)
        OR EXISTS (SELECT 1 FROM sync_conflicts s WHERE s.complaint_id = c.id)
        OR EXISTS (SELECT 1 FROM sync_pull_log s WHERE s.complaint_id = c.id))";

fn plan(conn: &rusqlite::Connection) -> CoreResult<Plan> {
    let Some(batch) = last_batch(conn)? else {
        return Err(CoreError::ImportUndoNothing);
    };
    let mut ids = Vec::new();
    let mut register_nos = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT c.id, c.register_no FROM import_rows i JOIN complaints c ON c.id = i.complaint_id
             WHERE i.batch_id = ?1 ORDER BY c.id",
        )?;
        let rows = stmt.query_map([batch.id], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
        for row in rows {
            let (id, reg): (i64, String) = row?;
            ids.push(id);
            register_nos.push(reg);
        }
    }
    // A fingerprint gone (an erasure removes those hashed from an identity)
    // is a complaint changed since.
    let gone = batch.created.saturating_sub(ids.len() as u32);
    let touched: u32 = conn.query_row(TOUCHED, [batch.id], |r| r.get(0))?;
    if touched + gone > 0 {
        return Err(CoreError::ImportUndoTouched {
            touched: touched + gone,
            total: batch.created,
        });
    }
    let mut counters = Vec::new();
    let mut later = 0u32;
    {
        let mut stmt = conn.prepare(
            "SELECT c.unit_id, c.register_year, min(c.register_seq), max(c.register_seq), count(*)
             FROM complaints c WHERE c.id IN (SELECT complaint_id FROM import_rows WHERE batch_id = ?1)
             GROUP BY c.unit_id, c.register_year ORDER BY c.unit_id, c.register_year",
        )?;
        let groups = stmt
            .query_map([batch.id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i32>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (unit, year, low, high, n) in groups {
            let from_low: i64 = conn.query_row(
                "SELECT count(*) FROM complaints WHERE unit_id = ?1 AND register_year = ?2 AND register_seq >= ?3",
                params![unit, year, low],
                |r| r.get(0),
            )?;
            let last: i64 = conn
                .query_row(
                    "SELECT last FROM register_counters WHERE unit_id = ?1 AND year = ?2",
                    params![unit, year],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            // Numbers after the batch's, or a counter past them: issued since.
            let others = (from_low - n).max(last - high).max(0);
            later += others as u32;
            counters.push((unit, year, low));
        }
    }
    if later > 0 {
        return Err(CoreError::ImportUndoNumbersUsed { later });
    }
    Ok(Plan {
        batch,
        ids,
        register_nos,
        counters,
    })
}

impl Posko {
    /// The last import, if it recorded complaints and was not undone, with
    /// the reason an undo would be refused now.
    pub fn last_import(&self, actor: &Actor) -> CoreResult<Option<LastImport>> {
        require(actor, Permission::CreateComplaint)?;
        let conn = &self.db.conn;
        let Some(batch) = last_batch(conn)? else {
            return Ok(None);
        };
        let refused = match plan(conn) {
            Ok(_) => None,
            Err(e) => Some(e.payload(self.lang())),
        };
        Ok(Some(LastImport { batch, refused }))
    }

    /// Undo the last import (see the module): everything or nothing, one
    /// transaction; refused with `IMPORT_UNDO_NOTHING`,
    /// `IMPORT_UNDO_TOUCHED` or `IMPORT_UNDO_NUMBERS_USED`.
    pub fn undo_last_import(&mut self, actor: &Actor) -> CoreResult<ImportUndoReport> {
        require(actor, Permission::CreateComplaint)?;
        let now = self.now();
        // Immediate: the background sync cannot send one of these between
        // the checks and the removal.
        let tx = self
            .db
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let plan = plan(&tx)?;
        let batch_id = plan.batch.id;
        let in_batch = "(SELECT complaint_id FROM import_rows WHERE batch_id = ?1)";
        for &id in &plan.ids {
            let key = crate::search::fts_rowid(id);
            tx.execute("DELETE FROM complaints_fts WHERE rowid = ?1", [key])?;
            tx.execute("DELETE FROM complaints_ids WHERE rowid = ?1", [key])?;
            tx.execute("DELETE FROM complaints_tracking WHERE rowid = ?1", [key])?;
        }
        tx.execute(
            &format!(
                "DELETE FROM sync_attempts WHERE outbox_id IN (SELECT id FROM outbox WHERE complaint_id IN {in_batch})"
            ),
            [batch_id],
        )?;
        for table in ["outbox", "deadlines", "complaint_facts"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE complaint_id IN {in_batch}"),
                [batch_id],
            )?;
        }
        let guard: String = tx.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'complaint_events_no_delete'",
            [],
            |r| r.get(0),
        )?;
        tx.execute_batch("DROP TRIGGER complaint_events_no_delete")?;
        tx.execute(
            &format!("DELETE FROM complaint_events WHERE complaint_id IN {in_batch}"),
            [batch_id],
        )?;
        tx.execute_batch(&guard)?;
        // The ids, then the fingerprints that named them.
        let ids_json = serde_json::to_string(&plan.ids).unwrap_or_default();
        tx.execute("DELETE FROM import_rows WHERE batch_id = ?1", [batch_id])?;
        let removed = tx.execute(
            "DELETE FROM complaints WHERE id IN (SELECT value FROM json_each(?1))",
            [&ids_json],
        )? as u32;
        let mut counters = Vec::new();
        for &(unit_id, year, low) in &plan.counters {
            let last = low - 1;
            if last == 0 {
                tx.execute(
                    "DELETE FROM register_counters WHERE unit_id = ?1 AND year = ?2",
                    params![unit_id, year],
                )?;
            } else {
                tx.execute(
                    "UPDATE register_counters SET last = ?3 WHERE unit_id = ?1 AND year = ?2",
                    params![unit_id, year, last],
                )?;
            }
            counters.push(RegisterCounter {
                unit_id,
                year,
                last,
            });
        }
        crate::audit::append(
            &tx,
            actor,
            now,
            &AuditEvent::new(AuditAction::Delete)
                .on("import_batch", batch_id)
                .detail(serde_json::json!({
                    "what": UNDONE,
                    "at": now_text(now),
                    "file_name": plan.batch.file_name,
                    "removed": removed,
                    "complaint_ids": plan.ids,
                    "register_nos": plan.register_nos,
                    "counters": counters.iter().map(|c| serde_json::json!({
                        "unit_id": c.unit_id, "year": c.year, "last": c.last
                    })).collect::<Vec<_>>(),
                })),
        )?;
        tx.commit()?;
        Ok(ImportUndoReport {
            batch: plan.batch,
            removed,
            register_nos: plan.register_nos,
            counters,
        })
    }
}
