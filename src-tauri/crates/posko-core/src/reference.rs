//! Reference data the office edits: topics, reply templates and holidays.

use chrono::NaiveDate;
use posko_domain::calendar::{Calendar, CalendarSettings, Holiday, parse_holiday_csv};
use posko_domain::role::Permission;
use posko_domain::validation::{FieldError, FieldErrorCode};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::app::{Posko, now_text, require};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::deadlines;
use crate::error::{CoreError, CoreResult};
use crate::model::*;
use crate::validate;

impl Posko {
    pub fn topics(&self) -> CoreResult<Vec<Topic>> {
        let mut stmt = self.db.conn.prepare(
            "SELECT t.id, t.parent_id, t.name, t.active FROM topics t
             LEFT JOIN topics p ON p.id = t.parent_id
             ORDER BY coalesce(p.sort, t.sort), coalesce(p.id, t.id), t.parent_id IS NOT NULL, t.sort, t.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Topic {
                id: r.get(0)?,
                parent_id: r.get(1)?,
                name: r.get(2)?,
                active: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Add or rename a topic. The tree has two levels; topics in use are
    /// deactivated, never deleted, so old complaints keep their label.
    pub fn save_topic(&self, actor: &Actor, input: &TopicInput) -> CoreResult<i64> {
        require(actor, Permission::EditSettings)?;
        let mut errors = Vec::new();
        validate::text_field(&mut errors, "name", Some(&input.name), true, 100, false);
        let conn = &self.db.conn;
        if let Some(pid) = input.parent_id {
            let parent_of_parent: Option<Option<i64>> = conn
                .query_row("SELECT parent_id FROM topics WHERE id = ?1", [pid], |r| {
                    r.get(0)
                })
                .optional()?;
            match parent_of_parent {
                Some(None) => {}
                _ => errors.push(FieldError::new("parent_id", FieldErrorCode::InvalidChoice)),
            }
            if input.id == Some(pid) {
                errors.push(FieldError::new("parent_id", FieldErrorCode::InvalidChoice));
            }
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let name = input.name.trim();
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let res = match input.id {
            Some(id) => tx
                .execute(
                    "UPDATE topics SET name = ?1, parent_id = ?2, active = ?3 WHERE id = ?4",
                    params![name, input.parent_id, input.active, id],
                )
                .map(|n| if n == 0 { None } else { Some(id) }),
            None => tx
                .execute(
                    "INSERT INTO topics (parent_id, name, sort) VALUES (?1, ?2, 999)",
                    params![input.parent_id, name],
                )
                .map(|_| Some(tx.last_insert_rowid())),
        };
        match res {
            Ok(Some(id)) => {
                audit::append(
                    &tx,
                    actor,
                    self.now(),
                    &AuditEvent::new(AuditAction::SettingChange).on("topic", id),
                )?;
                tx.commit()?;
                Ok(id)
            }
            Ok(None) => Err(CoreError::NotFound {
                entity: "topic",
                id: input.id.unwrap_or_default().to_string(),
            }),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Err(CoreError::validation(vec![FieldError::new(
                    "name",
                    FieldErrorCode::InvalidChoice,
                )]))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn templates(&self) -> CoreResult<Vec<ReplyTemplate>> {
        let mut stmt = self
            .db
            .conn
            .prepare("SELECT code, title, content FROM reply_templates ORDER BY title")?;
        let rows = stmt.query_map([], |r| {
            Ok(ReplyTemplate {
                code: r.get(0)?,
                title: r.get(1)?,
                content: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn save_template(&self, actor: &Actor, t: &ReplyTemplate) -> CoreResult<()> {
        require(actor, Permission::EditSettings)?;
        let mut errors = Vec::new();
        validate::text_field(&mut errors, "code", Some(&t.code), true, 40, false);
        if !t
            .code
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(FieldError::new("code", FieldErrorCode::InvalidChoice));
        }
        validate::text_field(&mut errors, "title", Some(&t.title), true, 120, false);
        validate::text_field(
            &mut errors,
            "content",
            Some(&t.content),
            true,
            validate::FOLLOW_UP_MAX,
            true,
        );
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let tx = Transaction::new_unchecked(&self.db.conn, TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO reply_templates (code, title, content, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO UPDATE SET title = excluded.title, content = excluded.content, updated_at = excluded.updated_at",
            params![t.code.trim(), t.title.trim(), t.content.trim(), now_text(self.now())],
        )?;
        audit::append(
            &tx,
            actor,
            self.now(),
            &AuditEvent::new(AuditAction::SettingChange).on("template", t.code.trim()),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn delete_template(&self, actor: &Actor, code: &str) -> CoreResult<()> {
        require(actor, Permission::EditSettings)?;
        let tx = Transaction::new_unchecked(&self.db.conn, TransactionBehavior::Immediate)?;
        if tx.execute("DELETE FROM reply_templates WHERE code = ?1", [code])? == 0 {
            return Err(CoreError::NotFound {
                entity: "template",
                id: code.to_owned(),
            });
        }
        audit::append(
            &tx,
            actor,
            self.now(),
            &AuditEvent::new(AuditAction::Delete).on("template", code),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn holidays(&self) -> CoreResult<HolidayList> {
        Ok(HolidayList {
            holidays: self.load_holidays()?,
        })
    }

    /// Replace the holiday table's entries for the given dates (add or edit)
    /// and remove `delete`, then recompute every open deadline. One transaction.
    pub fn edit_holidays(
        &mut self,
        actor: &Actor,
        upsert: &[Holiday],
        delete: &[NaiveDate],
    ) -> CoreResult<HolidayImportReport> {
        require(actor, Permission::EditSettings)?;
        let mut errors = Vec::new();
        for h in upsert {
            validate::text_field(&mut errors, "holiday_name", Some(&h.name), true, 120, false);
        }
        if upsert.len() > 1000 {
            errors.push(FieldError::with_limit(
                "holidays",
                FieldErrorCode::TooLong,
                1000,
            ));
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let office = self.office()?.clone();
        let tx = self.db.conn.transaction()?;
        let (mut added, mut replaced) = (0u32, 0u32);
        for d in delete {
            tx.execute("DELETE FROM holidays WHERE date = ?1", [d.to_string()])?;
        }
        for h in upsert {
            let existed: bool = tx
                .query_row(
                    "SELECT 1 FROM holidays WHERE date = ?1",
                    [h.date.to_string()],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            tx.execute(
                "INSERT INTO holidays (date, name, kind, source) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (date) DO UPDATE SET name = excluded.name, kind = excluded.kind, source = excluded.source",
                params![h.date.to_string(), h.name.trim(), h.kind.code(), h.source.trim()],
            )?;
            if existed { replaced += 1 } else { added += 1 }
        }
        let holidays: Vec<Holiday> = {
            let mut stmt = tx.prepare("SELECT date, name, kind, source FROM holidays")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut v = Vec::new();
            for row in rows {
                let (date, name, kind, source) = row?;
                if let (Ok(date), Some(kind)) = (
                    NaiveDate::parse_from_str(&date, "%Y-%m-%d"),
                    posko_domain::calendar::HolidayKind::from_code(&kind),
                ) {
                    v.push(Holiday {
                        date,
                        name,
                        kind,
                        source,
                    });
                }
            }
            v
        };
        let cal = Calendar::new(
            CalendarSettings {
                work_week: office.work_week,
                cuti_bersama_stops_clock: office.cuti_bersama_stops_clock,
            },
            &holidays,
        );
        // Only deadlines whose window holds an edited date can move.
        let edited = delete.iter().chain(upsert.iter().map(|h| &h.date));
        let window = edited.fold(None, |w: Option<(NaiveDate, NaiveDate)>, d| {
            Some(w.map_or((*d, *d), |(a, b)| (a.min(*d), b.max(*d))))
        });
        let recomputed = match window {
            Some(w) => deadlines::recompute_open(&tx, &cal, Some(w))?,
            None => 0,
        };
        let now = self.clock.now();
        audit::append(
            &tx,
            actor,
            now,
            &AuditEvent::new(AuditAction::SettingChange)
                .on("setting", "holidays")
                .detail(serde_json::json!({ "added": added, "replaced": replaced })),
        )?;
        if !delete.is_empty() {
            let dates: Vec<String> = delete.iter().map(NaiveDate::to_string).collect();
            audit::append(
                &tx,
                actor,
                now,
                &AuditEvent::new(AuditAction::Delete)
                    .on("holiday", dates.join(","))
                    .detail(serde_json::json!({ "count": dates.len() })),
            )?;
        }
        tx.commit()?;
        self.reload_cache()?;
        Ok(HolidayImportReport {
            added,
            replaced,
            recomputed_deadlines: recomputed,
        })
    }

    /// Import a year's holidays from CSV (date, name, kind, source).
    pub fn import_holidays_csv(
        &mut self,
        actor: &Actor,
        text: &str,
    ) -> CoreResult<HolidayImportReport> {
        require(actor, Permission::EditSettings)?;
        let hs = parse_holiday_csv(text).map_err(|e| CoreError::InvalidFile {
            line: e.line,
            detail: e.to_string(),
        })?;
        self.edit_holidays(actor, &hs, &[])
    }
}
