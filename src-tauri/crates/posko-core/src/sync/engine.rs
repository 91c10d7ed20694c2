//! The effectful half of sync: carry out the planner's steps through the
//! [`LaporApi`], writing every outcome in its own transaction so a crash at
//! any moment leaves the outbox telling the truth.
//!
//! The one rule that prevents duplicates: an item is marked `sending` and
//! committed *before* its request leaves; whoever finds it `sending` or
//! `unknown` later must reconcile (look it up) before sending it again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::api::*;
use super::config::LaporSettings;
use super::outbox::{self, Attempt};
use super::plan::{self, OutboxOp, OutboxState, Outcome, Reconciled, Step};
use super::{StopReason, SyncSummary};
use crate::Posko;
use crate::app::{now_text, parse_date};
use crate::complaints::{NewEvent, add_event};
use crate::error::CoreResult;
use crate::model::Actor;

/// `PRAGMA synchronous` value of FULL (db::connect).
const SYNCHRONOUS_FULL: i64 = 2;

/// Keep going or stop the whole run (bad credentials: nothing else will pass).
enum Flow {
    Go,
    Stop(StopReason),
}

pub(super) fn system() -> Actor {
    Actor {
        user_id: None,
        username: "sync".into(),
        display_name: "Sinkronisasi LAPOR!".into(),
        role: posko_domain::role::Role::Admin,
    }
}

/// How one step ends for its outbox item: written with the attempt row (and
/// whatever else the step changes) in one transaction.
struct Settle<'a> {
    run_id: i64,
    id: i64,
    state: OutboxState,
    next: Option<DateTime<Utc>>,
    action: &'a str,
    outcome: &'a str,
    http_status: Option<u16>,
    error: Option<(&'a str, &'a str)>,
    started: Option<Instant>,
}

impl<'a> Settle<'a> {
    fn new(run_id: i64, id: i64, state: OutboxState, action: &'a str, outcome: &'a str) -> Self {
        Settle {
            run_id,
            id,
            state,
            next: None,
            action,
            outcome,
            http_status: None,
            error: None,
            started: None,
        }
    }
}

impl Posko {
    /// One sync run: send what is due, reconcile what is uncertain, pull the
    /// status of sent reports. `cancel` is checked between requests.
    pub fn sync_run(
        &mut self,
        api: &dyn LaporApi,
        cancel: Option<&AtomicBool>,
    ) -> CoreResult<SyncSummary> {
        self.sync_run_with(api, cancel, plan::PlanOptions::default())
    }

    /// [`Posko::sync_run`] with planner options (`retry_now`: "Sinkronkan
    /// sekarang" also sends items still waiting on their back-off). A run that
    /// may change local data first takes a backup (`backup.rs`).
    pub fn sync_run_with(
        &mut self,
        api: &dyn LaporApi,
        cancel: Option<&AtomicBool>,
        opts: plan::PlanOptions,
    ) -> CoreResult<SyncSummary> {
        self.backup_before_sync()?;
        // Durability inside a run: only the "sending" mark must be on disk
        // before its request leaves (`mark_sending` commits with FULL). Every
        // other commit of the run (outcomes, pulled statuses) may wait for the
        // next fsync: an outcome lost in a power cut leaves its item `sending`,
        // which is reconciled (a report is looked up by its tag; a follow-up
        // waits for a person), never sent again blindly; a lost pull is pulled
        // again. One fsync per sent item instead of three (benches/sync.rs).
        let store_mode: i64 = self
            .db
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))?;
        self.db.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        let run = self.sync_run_steps(api, cancel, opts);
        // Back to the store's mode (FULL, or stricter), even after a run that
        // was interrupted and left this connection relaxed.
        self.db
            .conn
            .pragma_update(None, "synchronous", store_mode.max(SYNCHRONOUS_FULL))?;
        // Make the run's last commits durable now (the checkpoint syncs the WAL).
        self.db
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        run
    }

    fn sync_run_steps(
        &mut self,
        api: &dyn LaporApi,
        cancel: Option<&AtomicBool>,
        opts: plan::PlanOptions,
    ) -> CoreResult<SyncSummary> {
        let started = self.now();
        self.db.conn.execute(
            "INSERT INTO sync_runs (started_at) VALUES (?1)",
            [now_text(started)],
        )?;
        let run_id = self.db.conn.last_insert_rowid();
        let settings = self.lapor_settings()?;
        let mut s = SyncSummary {
            run_id,
            ..SyncSummary::default()
        };

        // Follow-ups wait for their report's tracking id, so a report sent in
        // this run unblocks more work: plan again until a pass finds nothing
        // new. Each item is tried at most once per run.
        let mut tried = std::collections::HashSet::new();
        'passes: loop {
            let items = outbox::work_items(&self.db.conn)?;
            let steps: Vec<Step> = plan::plan_with(&items, self.now(), opts)
                .into_iter()
                .filter(|st| tried.insert(st.item_id()))
                .collect();
            if steps.is_empty() {
                break;
            }
            for step in steps {
                if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    s.cancelled = true;
                    break 'passes;
                }
                let flow = match step {
                    Step::Send(id) => self.send_item(api, &settings, run_id, id, &mut s)?,
                    Step::Reconcile(id) => {
                        self.reconcile_item(api, &settings, run_id, id, &mut s)?
                    }
                };
                if let Flow::Stop(why) = flow {
                    s.stopped = Some(why);
                    break 'passes;
                }
            }
        }
        if s.stopped.is_none() && !s.cancelled {
            self.pull(api, &settings, run_id, &mut s, cancel)?;
        }
        if let Some(server) = api.last_server_time() {
            let skew = (self.now() - server).num_seconds();
            s.clock_skew_secs = Some(skew);
            s.clock_warning = skew.abs() > 300;
        }
        self.db.conn.execute(
            "UPDATE sync_runs SET finished_at = ?2, sent = ?3, retried = ?4, unknown = ?5, quarantined = ?6,
                adopted = ?7, pulled = ?8, clock_skew_secs = ?9, error_code = ?10, cancelled = ?11,
                pull_failed = ?12, remote_follow_ups = ?13, conflicts = ?14 WHERE id = ?1",
            params![
                run_id,
                now_text(self.now()),
                s.sent,
                s.retried,
                s.unknown,
                s.quarantined,
                s.adopted,
                s.pulled,
                s.clock_skew_secs,
                s.stopped.map(StopReason::code),
                s.cancelled,
                s.pull_failed,
                s.remote_follow_ups,
                s.conflicts
            ],
        )?;
        Ok(s)
    }

    fn settle(
        &mut self,
        st: Settle<'_>,
        also: impl FnOnce(&rusqlite::Transaction<'_>, DateTime<Utc>) -> CoreResult<()>,
    ) -> CoreResult<()> {
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        also(&tx, now)?;
        outbox::set_state(&tx, st.id, st.state, st.next, st.error, now)?;
        outbox::log_attempt(
            &tx,
            &Attempt {
                outbox_id: st.id,
                run_id: Some(st.run_id),
                at: now,
                action: st.action,
                outcome: st.outcome,
                http_status: st.http_status,
                error_code: st.error.map(|e| e.0),
                message: st.error.map(|e| e.1),
                duration_ms: st.started.map_or(0, |t| t.elapsed().as_millis() as i64),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    fn jitter(&self, id: i64) -> f64 {
        // Deterministic per item and attempt time: reproducible, yet spread.
        let n = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.now().timestamp() as u64;
        (n % 1000) as f64 / 1000.0
    }

    /// The one commit of a run that must reach the disk before the request
    /// leaves: lost in a power cut, it would make a sent item look unsent.
    fn mark_sending(&mut self, id: i64) -> CoreResult<()> {
        let now = self.now();
        self.db.conn.execute_batch("PRAGMA synchronous = FULL")?;
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
            params![id, now_text(now)],
        )?;
        tx.commit()?;
        self.db.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        Ok(())
    }

    /// Record a failed request and decide the item's next state.
    #[allow(clippy::too_many_arguments)]
    fn fail(
        &mut self,
        run_id: i64,
        id: i64,
        action: &str,
        err: &ApiError,
        non_idempotent: bool,
        attempts: u32,
        started: Instant,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let now = self.now();
        let outcome = plan::classify(err, non_idempotent, attempts, now, self.jitter(id));
        let (state, next, label, flow) = match outcome {
            Outcome::Retry { at } => (OutboxState::Pending, Some(at), "retry", Flow::Go),
            Outcome::Unknown => (OutboxState::Unknown, None, "unknown", Flow::Go),
            Outcome::Quarantine => (OutboxState::Quarantined, None, "quarantined", Flow::Go),
            Outcome::StopRun { retry_at } => (
                OutboxState::Pending,
                Some(retry_at),
                "retry",
                Flow::Stop(StopReason::Unauthorized),
            ),
        };
        // A failed lookup leaves an uncertain item uncertain, never pending.
        let state = if action == "reconcile" && state == OutboxState::Pending {
            OutboxState::Unknown
        } else {
            state
        };
        match state {
            OutboxState::Pending => s.retried += 1,
            OutboxState::Unknown => s.unknown += 1,
            OutboxState::Quarantined => s.quarantined += 1,
            _ => {}
        }
        self.settle(
            Settle {
                next,
                http_status: err.http_status,
                error: Some((err.kind.code(), &err.message)),
                started: Some(started),
                ..Settle::new(run_id, id, state, action, label)
            },
            |_, _| Ok(()),
        )?;
        Ok(flow)
    }

    fn send_item(
        &mut self,
        api: &dyn LaporApi,
        settings: &LaporSettings,
        run_id: i64,
        id: i64,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let Some(row) = outbox::row(&self.db.conn, id)? else {
            return Ok(Flow::Go);
        };
        match row.op {
            OutboxOp::CreateComplaint => self.send_create(api, settings, run_id, &row, s),
            OutboxOp::AddFollowUp => self.send_follow_up(api, settings, run_id, &row, s),
        }
    }

    /// Not sendable as it stands (mapping missing, channel that came from
    /// LAPOR!): a person decides. `skip` for what must never be sent.
    fn park(
        &mut self,
        run_id: i64,
        id: i64,
        code: &str,
        why: &str,
        skip: bool,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let state = if skip {
            OutboxState::Skipped
        } else {
            OutboxState::Quarantined
        };
        if !skip {
            s.quarantined += 1;
        }
        self.settle(
            Settle {
                error: Some((code, why)),
                ..Settle::new(run_id, id, state, "send", state.code())
            },
            |_, _| Ok(()),
        )?;
        Ok(Flow::Go)
    }

    fn send_create(
        &mut self,
        api: &dyn LaporApi,
        settings: &LaporSettings,
        run_id: i64,
        row: &outbox::Row,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let started = Instant::now();
        let out = match self.outgoing_complaint(settings, row.complaint_id)? {
            Ok(c) => c,
            Err((code, why, skip)) => return self.park(run_id, row.id, code, &why, skip, s),
        };
        self.mark_sending(row.id)?;
        let attempts = row.attempts + 1;
        // Attachments first; each id is kept at once so an interrupted run resumes.
        let mut out = out;
        for (att_id, name, mime) in self.unsent_attachments(row.complaint_id)? {
            let data: Vec<u8> = self.db.conn.query_row(
                "SELECT data FROM attachments WHERE id = ?1",
                [att_id],
                |r| r.get(0),
            )?;
            match api.upload_file(&name, &mime, &data) {
                Ok(doc) => {
                    self.db.conn.execute(
                        "UPDATE attachments SET lapor_document_id = ?2 WHERE id = ?1",
                        params![att_id, doc],
                    )?;
                }
                // An upload is harmless to repeat (an orphan document at worst).
                Err(e) => {
                    return self.fail(run_id, row.id, "send", &e, false, attempts, started, s);
                }
            }
        }
        out.document_ids = self.document_ids(row.complaint_id)?;
        match api.create_complaint(&out) {
            Ok(ids) => self.accept_create(
                run_id,
                row.id,
                row.complaint_id,
                &ids,
                "send",
                "sent",
                started,
                s,
            ),
            Err(e) => self.fail(run_id, row.id, "send", &e, true, attempts, started, s),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn accept_create(
        &mut self,
        run_id: i64,
        id: i64,
        complaint_id: i64,
        ids: &RemoteIds,
        action: &str,
        outcome: &str,
        started: Instant,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        if outcome == "sent" {
            s.sent += 1;
        } else {
            s.adopted += 1;
        }
        let note = format!(
            "complaint_id {} · Tracking ID {}",
            ids.complaint_id,
            ids.tracking_id.as_deref().unwrap_or("-")
        );
        self.settle(
            Settle {
                started: Some(started),
                ..Settle::new(run_id, id, OutboxState::Sent, action, outcome)
            },
            |tx, now| {
                tx.execute(
                    "UPDATE complaints SET lapor_complaint_id = ?2, lapor_tracking_id = COALESCE(?3, lapor_tracking_id) WHERE id = ?1",
                    params![complaint_id, ids.complaint_id, ids.tracking_id],
                )?;
                add_event(
                    tx,
                    &system(),
                    NewEvent {
                        note: Some(&note),
                        ..NewEvent::new(complaint_id, now, "lapor_sent")
                    },
                )?;
                Ok(())
            },
        )?;
        Ok(Flow::Go)
    }

    fn reconcile_item(
        &mut self,
        api: &dyn LaporApi,
        settings: &LaporSettings,
        run_id: i64,
        id: i64,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let Some(row) = outbox::row(&self.db.conn, id)? else {
            return Ok(Flow::Go);
        };
        let started = Instant::now();
        if row.op == OutboxOp::AddFollowUp {
            // No lookup for follow-ups yet: a person confirms on the sync page.
            return self.needs_operator(run_id, id, s);
        }
        let uid: String = self.db.conn.query_row(
            "SELECT uid FROM complaints WHERE id = ?1",
            [row.complaint_id],
            |r| r.get(0),
        )?;
        let tag = match lapor_wire::reference_tag(&uid) {
            Ok(t) => t,
            Err(e) => return self.park(run_id, id, "BAD_REFERENCE", &e.to_string(), false, s),
        };
        match api.find_by_tag(&tag) {
            Ok(None) => self.needs_operator(run_id, id, s),
            Ok(Some(found)) => {
                let times: Vec<Option<DateTime<Utc>>> =
                    found.iter().map(|m| m.created_at).collect();
                match plan::reconcile(&times) {
                    Reconciled::Resend => {
                        self.settle(
                            Settle {
                                started: Some(started),
                                ..Settle::new(
                                    run_id,
                                    id,
                                    OutboxState::Pending,
                                    "reconcile",
                                    "resend",
                                )
                            },
                            |_, _| Ok(()),
                        )?;
                        let row = outbox::row(&self.db.conn, id)?.unwrap_or(row);
                        self.send_create(api, settings, run_id, &row, s)
                    }
                    Reconciled::Adopt(i) | Reconciled::AdoptOldestOfMany(i) => {
                        let ids = found[i].ids.clone();
                        self.accept_create(
                            run_id,
                            id,
                            row.complaint_id,
                            &ids,
                            "reconcile",
                            "adopted",
                            started,
                            s,
                        )
                    }
                }
            }
            Err(e) => self.fail(run_id, id, "reconcile", &e, false, row.attempts, started, s),
        }
    }

    fn needs_operator(&mut self, run_id: i64, id: i64, s: &mut SyncSummary) -> CoreResult<Flow> {
        s.unknown += 1;
        self.settle(
            Settle {
                error: Some(("NEEDS_CHECK", "outcome unknown; no lookup available")),
                ..Settle::new(run_id, id, OutboxState::Unknown, "reconcile", "unknown")
            },
            |_, _| Ok(()),
        )?;
        Ok(Flow::Go)
    }

    fn send_follow_up(
        &mut self,
        api: &dyn LaporApi,
        settings: &LaporSettings,
        run_id: i64,
        row: &outbox::Row,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let started = Instant::now();
        let Some(fu_id) = row.follow_up_id else {
            return Ok(Flow::Go);
        };
        let found: Option<(String, Option<String>, Option<String>, bool)> = self
            .db
            .conn
            .query_row(
                "SELECT f.content, f.template_code, c.lapor_complaint_id, c.is_secret
                 FROM follow_ups f JOIN complaints c ON c.id = f.complaint_id WHERE f.id = ?1",
                [fu_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((content, template_code, Some(remote_id), is_secret)) = found else {
            return Ok(Flow::Go);
        };
        self.mark_sending(row.id)?;
        let f = OutgoingFollowUp {
            complaint_id: remote_id,
            institution_from_id: settings.institution_id.clone(),
            content,
            template_code: template_code.and_then(|c| settings.mapping.template.get(&c).cloned()),
            is_secret,
        };
        match api.add_follow_up(&f) {
            Ok(remote) => {
                s.sent += 1;
                self.settle(
                    Settle {
                        started: Some(started),
                        ..Settle::new(run_id, row.id, OutboxState::Sent, "send", "sent")
                    },
                    |tx, _| {
                        tx.execute(
                            "UPDATE follow_ups SET lapor_followup_id = ?2 WHERE id = ?1",
                            params![fu_id, remote],
                        )?;
                        Ok(())
                    },
                )?;
                Ok(Flow::Go)
            }
            Err(e) => self.fail(
                run_id,
                row.id,
                "send",
                &e,
                true,
                row.attempts + 1,
                started,
                s,
            ),
        }
    }

    /// Build what leaves the machine; `Err((code, reason, skip))` when it cannot.
    #[allow(clippy::type_complexity)]
    pub(crate) fn outgoing_complaint(
        &self,
        settings: &LaporSettings,
        complaint_id: i64,
    ) -> CoreResult<Result<OutgoingComplaint, (&'static str, String, bool)>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
            bool,
            bool,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let r: Row = self.db.conn.query_row(
            "SELECT title, description, channel, kind, topic_id, incident_date, is_anonymous, is_secret,
                    reporter_name, reporter_phone, reporter_email, uid
             FROM complaints WHERE id = ?1",
            [complaint_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            },
        )?;
        let (
            title,
            description,
            channel,
            kind,
            topic_id,
            incident,
            anonymous,
            secret,
            name,
            phone,
            email,
            uid,
        ) = r;
        let Some(channel) = posko_domain::Channel::from_code(&channel) else {
            return Ok(Err(("NOT_MAPPED", format!("channel {channel}"), false)));
        };
        if channel == posko_domain::Channel::Lapor {
            return Ok(Err(("FROM_LAPOR", "came from SP4N-LAPOR!".into(), true)));
        }
        let m = &settings.mapping;
        let Some(channel_id) = m.channel.get(&channel) else {
            return Ok(Err((
                "NOT_MAPPED",
                format!("channel {}", channel.code()),
                false,
            )));
        };
        let Some(kind_id) =
            posko_domain::Kind::from_code(&kind).and_then(|k| m.classification.get(&k))
        else {
            return Ok(Err(("NOT_MAPPED", format!("kind {kind}"), false)));
        };
        let category = match topic_id {
            Some(t) => {
                let parent: Option<i64> = self
                    .db
                    .conn
                    .query_row("SELECT parent_id FROM topics WHERE id = ?1", [t], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .flatten();
                m.category
                    .get(&t)
                    .or_else(|| parent.and_then(|p| m.category.get(&p)))
            }
            None => None,
        }
        .or(m.default_category.as_ref());
        let Some(category_id) = category else {
            return Ok(Err(("NOT_MAPPED", "topic".into(), false)));
        };
        let tag = match lapor_wire::reference_tag(&uid) {
            Ok(t) => t,
            Err(e) => return Ok(Err(("BAD_REFERENCE", e.to_string(), false))),
        };
        let title: String = title.chars().take(lapor_wire::MAX_TITLE_CHARS).collect();
        Ok(Ok(OutgoingComplaint {
            title,
            content: description,
            channel_id: channel_id.clone(),
            classification_id: kind_id.clone(),
            category_id: category_id.clone(),
            date_of_incident: incident
                .as_deref()
                .map(parse_date)
                .filter(|d| *d > NaiveDate::MIN),
            is_anonymous: anonymous,
            is_secret: secret,
            tags_raw: tag,
            document_ids: Vec::new(),
            // Anonim: the identity stays on this machine.
            reporter_name: if anonymous { None } else { name },
            reporter_phone: if anonymous { None } else { phone },
            reporter_email: if anonymous { None } else { email },
        }))
    }

    fn unsent_attachments(&self, complaint_id: i64) -> CoreResult<Vec<(i64, String, String)>> {
        let mut st = self.db.conn.prepare(
            "SELECT id, file_name, mime FROM attachments WHERE complaint_id = ?1 AND lapor_document_id IS NULL ORDER BY id",
        )?;
        let v = st
            .query_map([complaint_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(v)
    }

    fn document_ids(&self, complaint_id: i64) -> CoreResult<Vec<String>> {
        let mut st = self.db.conn.prepare(
            "SELECT lapor_document_id FROM attachments WHERE complaint_id = ?1 AND lapor_document_id IS NOT NULL ORDER BY id",
        )?;
        let v = st
            .query_map([complaint_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(v)
    }
}
