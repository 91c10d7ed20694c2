//! What a person does about sync: look at what would leave the machine
//! (preview), retry or skip an item, and the assisted mode for units without
//! API credentials (lay a report out as the LAPOR! web form asks, then record
//! the Tracking ID and later status changes by hand). Every action is one
//! transaction and leaves an attempt row, so the history stays complete.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::config::LaporSettings;
use super::outbox::{self, Attempt};
use super::plan::{OutboxOp, OutboxState};
use crate::Posko;
use crate::app::{now_text, parse_instant, put_setting, require};
use crate::complaints::{NewEvent, add_event};
use crate::error::{CoreError, CoreResult};
use crate::model::Actor;
use posko_domain::role::Permission;
use posko_domain::validation::{FieldError, FieldErrorCode};

/// One line of an item's history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AttemptView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `send` | `reconcile` | `manual`
    pub action: String,
    /// `sent` | `retry` | `unknown` | `quarantined` | `adopted` | `resend` | `skipped` | `requeued`
    pub outcome: String,
    pub http_status: Option<u16>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub duration_ms: i64,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct OutboxActionInput {
    pub outbox_id: i64,
    /// Why (kept in the history); required to skip.
    #[serde(default)]
    #[ts(optional)]
    pub note: Option<String>,
}

/// Assisted mode, or the answer to "perlu dicek": the report is on LAPOR!
/// (entered by hand, or found there by the operator) under this Tracking ID.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ManualSendInput {
    pub complaint_id: i64,
    pub tracking_id: String,
    #[serde(default)]
    #[ts(optional)]
    pub note: Option<String>,
}

/// A person checked LAPOR! for an uncertain follow-up: it is there (done) or
/// it is not (send it again).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UnknownResolution {
    pub outbox_id: i64,
    pub arrived: bool,
}

/// Assisted mode: a status seen on the LAPOR! site, recorded by hand.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RemoteStatusInput {
    pub complaint_id: i64,
    pub status_name: String,
}

/// Exactly what one report would send (the sync preview), or why it cannot.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PreviewItem {
    pub complaint_id: i64,
    pub register_no: String,
    /// Stable reason code when the report cannot be sent as it stands.
    pub blocked_code: Option<String>,
    pub blocked_detail: Option<String>,
    pub title: String,
    pub content: String,
    pub channel_id: String,
    pub classification_id: String,
    pub category_id: String,
    pub date_of_incident: Option<NaiveDate>,
    pub is_anonymous: bool,
    pub is_secret: bool,
    pub tags_raw: String,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub attachment_count: u32,
    /// Open complaints of the last 30 days that may be the same case
    /// (checked before the first send, so a case goes to LAPOR! once).
    pub duplicates: Vec<crate::model::DuplicateHint>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncPreview {
    /// Reports waiting for their first send (all of them, not only those shown).
    pub total: u32,
    pub items: Vec<PreviewItem>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A report laid out for the LAPOR! web form (assisted mode).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ManualForm {
    pub complaint_id: i64,
    pub register_no: String,
    pub title: String,
    pub content: String,
    pub kind: posko_domain::Kind,
    pub channel: posko_domain::Channel,
    /// Topic path as shown in Posko ("Kesehatan › Pelayanan Puskesmas").
    pub topic: Option<String>,
    pub incident_place: Option<String>,
    pub date_of_incident: Option<NaiveDate>,
    pub is_anonymous: bool,
    pub is_secret: bool,
    /// Empty when the report is anonymous: the form is filled without identity.
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub attachments: Vec<String>,
    pub lapor_tracking_id: Option<String>,
    pub lapor_status_name: Option<String>,
    pub outbox_state: Option<OutboxState>,
}

/// "Tes sambungan": one harmless read (the institutions list) with the
/// stored address and credentials.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConnectionCheck {
    pub ok: bool,
    /// `ApiErrorKind` code when not ok (`NOT_SENT`, `UNAUTHORIZED`, …).
    pub error_code: Option<String>,
    pub http_status: Option<u16>,
    /// The server's or the network's own words.
    pub message: Option<String>,
    pub institutions: u32,
    pub clock_skew_secs: Option<i64>,
    pub clock_warning: bool,
}

const PREVIEW_LIMIT: usize = 50;

/// The Tracking ID as LAPOR! shows it: digits (7 seen), allow a few more.
fn clean_tracking_id(raw: &str) -> Option<String> {
    let t: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.trim_start_matches('#').to_owned();
    (4..=20)
        .contains(&t.len())
        .then_some(())
        .filter(|_| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(|_| t)
}

fn note_of(note: &Option<String>) -> Option<&str> {
    note.as_deref().map(str::trim).filter(|n| !n.is_empty())
}

fn log_manual(
    tx: &Transaction<'_>,
    outbox_id: i64,
    outcome: &str,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    outbox::log_attempt(
        tx,
        &Attempt {
            outbox_id,
            run_id: None,
            at: now,
            action: "manual",
            outcome,
            http_status: None,
            error_code: None,
            message,
            duration_ms: 0,
        },
    )
}

impl Posko {
    /// The history of one outbox item, newest first.
    pub fn sync_attempts(&self, outbox_id: i64) -> CoreResult<Vec<AttemptView>> {
        let mut st = self.db.conn.prepare(
            "SELECT id, at, action, outcome, http_status, error_code, message, duration_ms
             FROM sync_attempts WHERE outbox_id = ?1 ORDER BY id DESC LIMIT 200",
        )?;
        let rows = st.query_map([outbox_id], |r| {
            Ok(AttemptView {
                id: r.get(0)?,
                at: parse_instant(&r.get::<_, String>(1)?),
                action: r.get(2)?,
                outcome: r.get(3)?,
                http_status: r.get(4)?,
                error_code: r.get(5)?,
                message: r.get(6)?,
                duration_ms: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn outbox_item(&self, id: i64) -> CoreResult<(i64, OutboxOp, OutboxState)> {
        let row: Option<(i64, String, String)> = self
            .db
            .conn
            .query_row(
                "SELECT complaint_id, op, state FROM outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (cid, op, state) = row.ok_or(CoreError::NotFound {
            entity: "outbox",
            id: id.to_string(),
        })?;
        match (OutboxOp::from_code(&op), OutboxState::from_code(&state)) {
            (Some(op), Some(state)) => Ok((cid, op, state)),
            _ => Err(CoreError::StoreUnreadable {
                detail: format!("outbox {id}: {op}/{state}"),
            }),
        }
    }

    /// "Kirim ulang": a quarantined, skipped or backed-off item goes back to
    /// the queue, due now. Never for an uncertain item (`sending`/`unknown`):
    /// that one must be checked first, or it could reach LAPOR! twice.
    pub fn sync_retry(&mut self, actor: &Actor, input: &OutboxActionInput) -> CoreResult<()> {
        require(actor, Permission::OperateSync)?;
        let (_, _, state) = self.outbox_item(input.outbox_id)?;
        if !matches!(
            state,
            OutboxState::Pending | OutboxState::Quarantined | OutboxState::Skipped
        ) {
            return Err(CoreError::SyncItemState {
                state: state.code().to_owned(),
            });
        }
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        outbox::set_state(&tx, input.outbox_id, OutboxState::Pending, None, None, now)?;
        let who = format!("{} ({})", actor.display_name, actor.username);
        let msg = match note_of(&input.note) {
            Some(n) => format!("{who}: {n}"),
            None => who,
        };
        log_manual(&tx, input.outbox_id, "requeued", Some(&msg), now)?;
        tx.commit()?;
        Ok(())
    }

    /// Settle an uncertain follow-up after looking at LAPOR! (reports are
    /// settled by their Tracking ID instead: `sync_record_manual_send`).
    pub fn sync_resolve_unknown(
        &mut self,
        actor: &Actor,
        input: &UnknownResolution,
    ) -> CoreResult<()> {
        require(actor, Permission::OperateSync)?;
        let (_, op, state) = self.outbox_item(input.outbox_id)?;
        if op != OutboxOp::AddFollowUp || state != OutboxState::Unknown {
            return Err(CoreError::SyncItemState {
                state: state.code().to_owned(),
            });
        }
        let now = self.now();
        let (to, outcome) = if input.arrived {
            (OutboxState::Sent, "sent")
        } else {
            (OutboxState::Pending, "requeued")
        };
        let msg = format!("{} ({})", actor.display_name, actor.username);
        let tx = self.db.conn.transaction()?;
        outbox::set_state(&tx, input.outbox_id, to, None, None, now)?;
        log_manual(&tx, input.outbox_id, outcome, Some(&msg), now)?;
        tx.commit()?;
        Ok(())
    }

    /// "Lewati": a person decides this item is never sent (with a reason).
    /// An uncertain create may be skipped too: the operator has checked.
    pub fn sync_skip(&mut self, actor: &Actor, input: &OutboxActionInput) -> CoreResult<()> {
        require(actor, Permission::OperateSync)?;
        let Some(note) = note_of(&input.note) else {
            return Err(CoreError::validation(vec![FieldError::new(
                "note",
                FieldErrorCode::Required,
            )]));
        };
        let (_, _, state) = self.outbox_item(input.outbox_id)?;
        if matches!(state, OutboxState::Sent | OutboxState::Sending) {
            return Err(CoreError::SyncItemState {
                state: state.code().to_owned(),
            });
        }
        let now = self.now();
        let msg = format!("{} ({}): {note}", actor.display_name, actor.username);
        let tx = self.db.conn.transaction()?;
        outbox::set_state(
            &tx,
            input.outbox_id,
            OutboxState::Skipped,
            None,
            Some(("SKIPPED_BY_USER", &msg)),
            now,
        )?;
        log_manual(&tx, input.outbox_id, "skipped", Some(&msg), now)?;
        tx.commit()?;
        Ok(())
    }

    /// The report is on LAPOR! under `tracking_id` (entered there by hand,
    /// or found there after an uncertain send). Its create item is done; the
    /// API complaint id stays unknown, so follow-ups go by hand as well.
    pub fn sync_record_manual_send(
        &mut self,
        actor: &Actor,
        input: &ManualSendInput,
    ) -> CoreResult<()> {
        require(actor, Permission::OperateSync)?;
        let Some(tracking) = clean_tracking_id(&input.tracking_id) else {
            return Err(CoreError::validation(vec![FieldError::new(
                "tracking_id",
                FieldErrorCode::TrackingIdFormat,
            )]));
        };
        let existing: Option<Option<String>> = self
            .db
            .conn
            .query_row(
                "SELECT lapor_tracking_id FROM complaints WHERE id = ?1",
                [input.complaint_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(existing) = existing else {
            return Err(CoreError::NotFound {
                entity: "complaint",
                id: input.complaint_id.to_string(),
            });
        };
        if existing.as_deref().is_some_and(|t| t != tracking) {
            // A second, different Tracking ID means two copies on LAPOR!: a person
            // must sort that out there, not overwrite the first here.
            return Err(CoreError::SyncItemState {
                state: "sent".into(),
            });
        }
        let item: Option<(i64, String)> = self
            .db
            .conn
            .query_row(
                "SELECT id, state FROM outbox WHERE complaint_id = ?1 AND op = 'create_complaint'",
                [input.complaint_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((_, state)) = &item
            && state == OutboxState::Sending.code()
        {
            // A sync run holds it right now.
            return Err(CoreError::SyncItemState {
                state: state.clone(),
            });
        }
        let now = self.now();
        let who = format!("{} ({})", actor.display_name, actor.username);
        let note = match note_of(&input.note) {
            Some(n) => format!("Tracking ID {tracking} · {who}: {n}"),
            None => format!("Tracking ID {tracking} · {who}"),
        };
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "UPDATE complaints SET lapor_tracking_id = ?2 WHERE id = ?1",
            params![input.complaint_id, tracking],
        )?;
        crate::search::reindex_ids(&tx, input.complaint_id)?;
        if let Some((oid, _)) = item {
            outbox::set_state(&tx, oid, OutboxState::Sent, None, None, now)?;
            log_manual(&tx, oid, "sent", Some(&note), now)?;
        }
        add_event(
            &tx,
            actor,
            NewEvent {
                note: Some(&note),
                ..NewEvent::new(input.complaint_id, now, "lapor_manual")
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Assisted mode: a status read on the LAPOR! site, kept verbatim beside
    /// the local status (which it never changes), with a timeline entry.
    pub fn sync_record_remote_status(
        &mut self,
        actor: &Actor,
        input: &RemoteStatusInput,
    ) -> CoreResult<()> {
        require(actor, Permission::OperateSync)?;
        let name = input.status_name.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(CoreError::validation(vec![FieldError::new(
                "status_name",
                if name.is_empty() {
                    FieldErrorCode::Required
                } else {
                    FieldErrorCode::TooLong
                },
            )]));
        }
        let found: Option<Option<String>> = self
            .db
            .conn
            .query_row(
                "SELECT lapor_tracking_id FROM complaints WHERE id = ?1",
                [input.complaint_id],
                |r| r.get(0),
            )
            .optional()?;
        match found {
            None => {
                return Err(CoreError::NotFound {
                    entity: "complaint",
                    id: input.complaint_id.to_string(),
                });
            }
            // A status belongs to a report that is on LAPOR!.
            Some(None) => {
                return Err(CoreError::SyncItemState {
                    state: "pending".into(),
                });
            }
            Some(Some(_)) => {}
        }
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "UPDATE complaints SET lapor_status_code = NULL, lapor_status_name = ?2 WHERE id = ?1",
            params![input.complaint_id, name],
        )?;
        add_event(
            &tx,
            actor,
            NewEvent {
                note: Some(name),
                ..NewEvent::new(input.complaint_id, now, "lapor_status")
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// What the next run would send for reports never sent yet (first
    /// `PREVIEW_LIMIT`), exactly as it would leave the machine.
    pub fn sync_preview(&self) -> CoreResult<SyncPreview> {
        let settings = self.lapor_settings()?;
        let ids: Vec<(i64, String)> = {
            let mut st = self.db.conn.prepare(
                "SELECT c.id, c.register_no FROM outbox o JOIN complaints c ON c.id = o.complaint_id
                 WHERE o.op = 'create_complaint' AND o.state = 'pending' ORDER BY o.id",
            )?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let total = ids.len() as u32;
        let mut items = Vec::new();
        for (cid, register_no) in ids.into_iter().take(PREVIEW_LIMIT) {
            items.push(self.preview_item(&settings, cid, register_no)?);
        }
        Ok(SyncPreview {
            total,
            items,
            confirmed_at: settings.preview_confirmed_at,
        })
    }

    fn preview_item(
        &self,
        settings: &LaporSettings,
        cid: i64,
        register_no: String,
    ) -> CoreResult<PreviewItem> {
        let attachment_count: u32 = self.db.conn.query_row(
            "SELECT COUNT(*) FROM attachments WHERE complaint_id = ?1",
            [cid],
            |r| r.get(0),
        )?;
        // Everyone who may see the preview (OperateSync) may see identities
        // and rahasia reports, so the hints are not narrowed.
        let duplicates = crate::search::duplicates_of(self, cid)?;
        Ok(match self.outgoing_complaint(settings, cid)? {
            Ok(c) => PreviewItem {
                complaint_id: cid,
                register_no,
                blocked_code: None,
                blocked_detail: None,
                title: c.title,
                content: c.content,
                channel_id: c.channel_id,
                classification_id: c.classification_id,
                category_id: c.category_id,
                date_of_incident: c.date_of_incident,
                is_anonymous: c.is_anonymous,
                is_secret: c.is_secret,
                tags_raw: c.tags_raw,
                reporter_name: c.reporter_name,
                reporter_phone: c.reporter_phone,
                reporter_email: c.reporter_email,
                attachment_count,
                duplicates,
            },
            Err((code, why, _)) => PreviewItem {
                complaint_id: cid,
                register_no,
                blocked_code: Some(code.to_owned()),
                blocked_detail: Some(why),
                title: String::new(),
                content: String::new(),
                channel_id: String::new(),
                classification_id: String::new(),
                category_id: String::new(),
                date_of_incident: None,
                is_anonymous: false,
                is_secret: false,
                tags_raw: String::new(),
                reporter_name: None,
                reporter_phone: None,
                reporter_email: None,
                attachment_count,
                duplicates,
            },
        })
    }

    /// The user has seen what leaves the machine; automatic sync may start.
    pub fn confirm_sync_preview(&mut self, actor: &Actor) -> CoreResult<()> {
        require(actor, Permission::EditSettings)?;
        let mut s = self.lapor_settings()?;
        s.preview_confirmed_at = Some(self.now());
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        put_setting(&tx, super::config::LAPOR_KEY, &s, &now)?;
        tx.commit()?;
        Ok(())
    }

    /// Try the connection without changing anything local.
    pub fn lapor_test_connection(
        &self,
        actor: &Actor,
        api: &dyn super::api::LaporApi,
    ) -> CoreResult<ConnectionCheck> {
        require(actor, Permission::EditSettings)?;
        let result = api.institutions();
        let skew = api
            .last_server_time()
            .map(|server| (self.now() - server).num_seconds());
        let mut check = ConnectionCheck {
            ok: false,
            error_code: None,
            http_status: None,
            message: None,
            institutions: 0,
            clock_skew_secs: skew,
            clock_warning: skew.is_some_and(|s| s.abs() > 300),
        };
        match result {
            Ok(list) => {
                check.ok = true;
                check.institutions = list.len() as u32;
            }
            Err(e) => {
                check.error_code = Some(e.kind.code().to_owned());
                check.http_status = e.http_status;
                check.message = Some(e.message);
            }
        }
        Ok(check)
    }

    /// Assisted mode: one report laid out as the LAPOR! web form asks for it.
    pub fn manual_form(&self, actor: &Actor, complaint_id: i64) -> CoreResult<ManualForm> {
        require(actor, Permission::OperateSync)?;
        let d = self.complaint_detail(actor, complaint_id, true)?;
        let state: Option<String> = self
            .db
            .conn
            .query_row(
                "SELECT state FROM outbox WHERE complaint_id = ?1 AND op = 'create_complaint'",
                [complaint_id],
                |r| r.get(0),
            )
            .optional()?;
        let anonymous = d.is_anonymous;
        let identity = |v: Option<String>| if anonymous { None } else { v };
        Ok(ManualForm {
            complaint_id,
            register_no: d.register_no,
            title: d.title,
            content: d.description,
            kind: d.kind,
            channel: d.channel,
            topic: d.topic,
            incident_place: d.incident_place,
            date_of_incident: d.incident_date,
            is_anonymous: d.is_anonymous,
            is_secret: d.is_secret,
            reporter_name: identity(d.reporter.name),
            reporter_phone: identity(d.reporter.phone),
            reporter_email: identity(d.reporter.email),
            attachments: d.attachments.into_iter().map(|a| a.file_name).collect(),
            lapor_tracking_id: d.lapor_tracking_id,
            lapor_status_name: d.lapor_status_name,
            outbox_state: state.as_deref().and_then(OutboxState::from_code),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::clean_tracking_id;

    #[test]
    fn tracking_ids_are_cleaned_or_refused() {
        assert_eq!(clean_tracking_id(" 1234 567 ").as_deref(), Some("1234567"));
        assert_eq!(clean_tracking_id("#7654321").as_deref(), Some("7654321"));
        assert_eq!(clean_tracking_id("12"), None);
        assert_eq!(clean_tracking_id("12345<script>"), None);
        assert_eq!(clean_tracking_id(""), None);
    }
}
