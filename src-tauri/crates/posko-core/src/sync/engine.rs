//! The effectful half of sync: carry out the planner's steps through the
//! [`LaporApi`], writing every outcome so that a crash at any moment leaves
//! the outbox telling the truth.
//!
//! The one rule that prevents duplicates: an item is marked `sending` and
//! committed durably *before* its request leaves; whoever finds it `sending`
//! or `unknown` later must reconcile (look it up) before sending it again.
//!
//! How the work is cut (throughput: benches/sync.rs, docs/benchmarks.md):
//!
//! - When the server can be searched by reference tag, due creates are marked
//!   `sending` in chunks, one durable commit per chunk, and their requests go
//!   out one after another on a second thread while this thread writes the
//!   answers and marks the next chunk. The requests are the same as when
//!   sending item by item, in the same order, one at a time, and none follows
//!   a 401. A crash leaves at most 240 creates `sending` (up to 160 marked
//!   ahead of the sender, up to 80 answered but not yet written): each costs
//!   a lookup, never a duplicate. Items marked but not sent when a run stops
//!   (cancel, 401, an error) go back to `pending` in one transaction.
//! - Answers are written in batches, not fsynced one by one (`sync_run_with`):
//!   a batch lost in a crash leaves its items `sending`, reconciled the same way.
//! - Everything else goes one item at a time, its own durable mark before the
//!   request and its answer in its own transaction: follow-ups (no lookup:
//!   a crash-left mark waits for the pull or a person), creates with
//!   attachments to upload (each document id kept at once), reconciles, and
//!   every create when the server has no lookup.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::api::*;
use super::config::LaporSettings;
use super::outbox::{self, Attempt};
use super::plan::{self, OutboxOp, OutboxState, Outcome, Reconciled, Step};
use super::{StopReason, SyncSummary};
use crate::Posko;
use crate::app::{now_text, parse_date};
use crate::complaints::{NewEvent, add_event};
use crate::error::{CoreError, CoreResult};
use crate::model::Actor;

/// `PRAGMA synchronous` value of FULL (db::connect).
const SYNCHRONOUS_FULL: i64 = 2;
/// Creates marked `sending` in one durable commit. A commit's cost is
/// mostly its pages (each encrypted and authenticated into the WAL), many
/// of them shared by the reports of a batch: 64 rather than 32 per commit
/// (here, for the answers and for the pulled reports) took about 0.03 ms of
/// CPU per report (docs/benchmarks.md); 128 hardly more.
const MARK_CHUNK: usize = 64;
/// The next chunk is marked when fewer than this many marked creates wait
/// for their answer, so the sender does not wait for a mark's fsync.
const REFILL_BELOW: usize = 96;
/// Answers the sender hands back at once.
const ANSWER_GROUP: usize = 16;
/// Answers written per transaction…
const WRITE_BATCH: usize = 64;
/// …or fewer, when no answer came for this long.
const WRITE_WITHIN: std::time::Duration = std::time::Duration::from_millis(250);
/// Prepared statements kept per connection during a run (rusqlite keeps 16).
const STATEMENT_CACHE: usize = 96;
/// Page cache during a run (KiB): a page read once is decrypted once.
const RUN_CACHE_KIB: i64 = 32 * 1024;

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

fn cancelled(cancel: Option<&AtomicBool>) -> bool {
    cancel.is_some_and(|c| c.load(Ordering::Relaxed))
}

/// What else an outcome changes besides its outbox item.
enum Effect {
    None,
    /// A report is on LAPOR!: its national ids, and the timeline says so.
    Created {
        complaint_id: i64,
        ids: RemoteIds,
    },
    /// A follow-up is on LAPOR! (with the id the server gave, if any).
    FollowUpSent {
        follow_up_id: i64,
        remote: Option<String>,
    },
}

/// How one step ends for its outbox item: written with its attempt row and
/// its effect in one transaction, alone or with other outcomes.
struct Settled {
    id: i64,
    at: DateTime<Utc>,
    state: OutboxState,
    next: Option<DateTime<Utc>>,
    action: &'static str,
    outcome: &'static str,
    http_status: Option<u16>,
    error: Option<(&'static str, String)>,
    duration_ms: i64,
    effect: Effect,
}

impl Settled {
    fn new(
        id: i64,
        at: DateTime<Utc>,
        state: OutboxState,
        action: &'static str,
        outcome: &'static str,
    ) -> Self {
        Settled {
            id,
            at,
            state,
            next: None,
            action,
            outcome,
            http_status: None,
            error: None,
            duration_ms: 0,
            effect: Effect::None,
        }
    }
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// Write outcomes in the caller's transaction: each with its attempt row
/// and its effect.
fn write_settled(tx: &Transaction<'_>, run_id: i64, done: &[Settled]) -> CoreResult<()> {
    for st in done {
        write_one(tx, run_id, st)?;
    }
    Ok(())
}

/// One outcome in the caller's transaction.
fn write_one(tx: &Transaction<'_>, run_id: i64, st: &Settled) -> CoreResult<()> {
    match &st.effect {
        Effect::None => {}
        Effect::Created { complaint_id, ids } => {
            tx.prepare_cached(
                "UPDATE complaints SET lapor_complaint_id = ?2, lapor_tracking_id = COALESCE(?3, lapor_tracking_id) WHERE id = ?1",
            )?
            .execute(params![complaint_id, ids.complaint_id, ids.tracking_id])?;
            let note = format!(
                "complaint_id {} · Tracking ID {}",
                ids.complaint_id,
                ids.tracking_id.as_deref().unwrap_or("-")
            );
            add_event(
                tx,
                &system(),
                NewEvent {
                    note: Some(&note),
                    ..NewEvent::new(*complaint_id, st.at, "lapor_sent")
                },
            )?;
        }
        Effect::FollowUpSent {
            follow_up_id,
            remote,
        } => {
            tx.prepare_cached("UPDATE follow_ups SET lapor_followup_id = ?2 WHERE id = ?1")?
                .execute(params![follow_up_id, remote])?;
        }
    }
    let error = st.error.as_ref().map(|(code, msg)| (*code, msg.as_str()));
    outbox::set_state(tx, st.id, st.state, st.next, error, st.at)?;
    outbox::log_attempt(
        tx,
        &Attempt {
            outbox_id: st.id,
            run_id: Some(run_id),
            at: st.at,
            action: st.action,
            outcome: st.outcome,
            http_status: st.http_status,
            error_code: error.map(|e| e.0),
            message: error.map(|e| e.1),
            duration_ms: st.duration_ms,
        },
    )?;
    Ok(())
}

/// A create marked `sending`, on its way to the sender thread.
struct Job {
    id: i64,
    complaint_id: i64,
    attempts: u32,
    out: OutgoingComplaint,
}

enum Answer {
    Sent(RemoteIds),
    Failed(ApiError),
    /// Never sent: the run stopped or was cancelled first.
    NotTried,
}

struct Done {
    id: i64,
    complaint_id: i64,
    attempts: u32,
    answer: Answer,
    duration_ms: i64,
}

/// The sender thread: the creates' requests, one at a time, in order. After
/// a 401, a cancel or `halt`, the remaining jobs come back `NotTried`.
/// Answers go back in groups (one wake-up of the engine thread per group):
/// a group leaves when full, when its oldest answer is [`WRITE_WITHIN`] old,
/// after a 401, and before the sender waits for more jobs.
fn send_jobs(
    api: &dyn LaporApi,
    cancel: Option<&AtomicBool>,
    halt: &AtomicBool,
    jobs: mpsc::Receiver<Job>,
    done: mpsc::Sender<Vec<Done>>,
) {
    let mut stopped = false;
    let mut group: Vec<Done> = Vec::with_capacity(ANSWER_GROUP);
    let mut oldest = Instant::now();
    loop {
        let job = match jobs.try_recv() {
            Ok(job) => job,
            Err(mpsc::TryRecvError::Empty) => {
                if !group.is_empty() && done.send(std::mem::take(&mut group)).is_err() {
                    return;
                }
                match jobs.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
            Err(mpsc::TryRecvError::Disconnected) => break,
        };
        let started = Instant::now();
        let answer = if stopped || halt.load(Ordering::Relaxed) || cancelled(cancel) {
            Answer::NotTried
        } else {
            match api.create_complaint(&job.out) {
                Ok(ids) => Answer::Sent(ids),
                Err(e) => {
                    stopped = plan::stops_run(&e);
                    Answer::Failed(e)
                }
            }
        };
        if group.is_empty() {
            oldest = started;
        }
        group.push(Done {
            id: job.id,
            complaint_id: job.complaint_id,
            attempts: job.attempts,
            answer,
            duration_ms: elapsed_ms(started),
        });
        if (group.len() >= ANSWER_GROUP || stopped || oldest.elapsed() >= WRITE_WITHIN)
            && done.send(std::mem::take(&mut group)).is_err()
        {
            return;
        }
    }
    if !group.is_empty() {
        let _ = done.send(group);
    }
}

/// The engine side of a pipelined run of creates.
struct Pipe {
    jobs: Option<mpsc::Sender<Job>>,
    /// Marked and handed to the sender, answer not yet taken.
    in_flight: usize,
    /// Answers not yet written…
    outcomes: Vec<Settled>,
    /// …since then.
    since: Instant,
    /// Marked, never sent: back to `pending`.
    unsent: Vec<i64>,
    /// More items may be marked and handed over.
    feeding: bool,
    /// The item with attachments that ended this run of the pipeline.
    inline: Option<outbox::Row>,
    flow: Flow,
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
        // Durability inside a run: only the "sending" marks must be on disk
        // before their requests leave (they commit with FULL). Every other
        // commit of the run (answers, pulled statuses) may wait for the next
        // fsync: an answer lost in a power cut leaves its item `sending`,
        // which is reconciled (a report is looked up by its tag; a follow-up
        // is settled by the pull or a person), never sent again blindly; a
        // lost pull is pulled again. The run's last commit is FULL again.
        let conn = &self.db.conn;
        let store_mode: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
        let store_cache: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{RUN_CACHE_KIB};"
        ))?;
        let run = self.sync_run_steps(api, cancel, opts);
        // Back to the store's settings (FULL, or stricter), even after a run
        // that was interrupted and left this connection relaxed.
        let conn = &self.db.conn;
        conn.pragma_update(None, "cache_size", store_cache)?;
        conn.pragma_update(None, "synchronous", store_mode.max(SYNCHRONOUS_FULL))?;
        let s = match run {
            Ok(s) => s,
            Err(e) => {
                // Make what the run wrote durable before giving up (the
                // checkpoint syncs the WAL).
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                return Err(e);
            }
        };
        // The run's record, committed with FULL: its fsync makes every
        // earlier commit of the run durable with it (they share the WAL).
        self.finish_run(&s)?;
        Ok(s)
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
        // Creates may go out in marked chunks only when a crash-left mark can
        // be settled by a lookup.
        let chunked = api.can_find_by_tag();

        // Follow-ups wait for their report's tracking id, so a report sent in
        // this run unblocks more work: plan again until a pass finds nothing
        // new. Each item is tried at most once per run.
        let mut tried = std::collections::HashSet::new();
        'passes: loop {
            let items = outbox::work_items(&self.db.conn)?;
            let creates: std::collections::HashSet<i64> = items
                .iter()
                .filter(|i| i.op == OutboxOp::CreateComplaint)
                .map(|i| i.id)
                .collect();
            let steps: Vec<Step> = plan::plan_with(&items, self.now(), opts)
                .into_iter()
                .filter(|st| tried.insert(st.item_id()))
                .collect();
            if steps.is_empty() {
                break;
            }
            let mut i = 0;
            while i < steps.len() {
                if cancelled(cancel) {
                    s.cancelled = true;
                    break 'passes;
                }
                let is_create_send =
                    |st: &Step| matches!(st, Step::Send(id) if creates.contains(id));
                let flow = if chunked && is_create_send(&steps[i]) {
                    // The run of creates due next, in order.
                    let ids: Vec<i64> = steps[i..]
                        .iter()
                        .take_while(|st| is_create_send(st))
                        .map(|st| st.item_id())
                        .collect();
                    i += ids.len();
                    self.send_creates(api, &settings, run_id, &ids, cancel, &mut s)?
                } else {
                    let step = steps[i];
                    i += 1;
                    match step {
                        Step::Send(id) => self.send_item(api, &settings, run_id, id, &mut s)?,
                        Step::Reconcile(id) => {
                            self.reconcile_item(api, &settings, run_id, id, &mut s)?
                        }
                    }
                };
                if let Flow::Stop(why) = flow {
                    s.stopped = Some(why);
                    break 'passes;
                }
                if s.cancelled {
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
        Ok(s)
    }

    /// The run's record (after the store's FULL mode is back).
    fn finish_run(&mut self, s: &SyncSummary) -> CoreResult<()> {
        self.db.conn.execute(
            "UPDATE sync_runs SET finished_at = ?2, sent = ?3, retried = ?4, unknown = ?5, quarantined = ?6,
                adopted = ?7, pulled = ?8, clock_skew_secs = ?9, error_code = ?10, cancelled = ?11,
                pull_failed = ?12, remote_follow_ups = ?13, conflicts = ?14 WHERE id = ?1",
            params![
                s.run_id,
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
        Ok(())
    }

    /// Write outcomes (and put marked but unsent items back to `pending`) in
    /// one transaction.
    fn write_outcomes(&mut self, run_id: i64, done: &[Settled], unsent: &[i64]) -> CoreResult<()> {
        if done.is_empty() && unsent.is_empty() {
            return Ok(());
        }
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        for id in unsent {
            // The attempt never happened: its count is taken back.
            tx.prepare_cached(
                "UPDATE outbox SET state = 'pending', attempts = MAX(attempts - 1, 0), updated_at = ?2
                 WHERE id = ?1 AND state = 'sending'",
            )?
            .execute(params![id, now])?;
        }
        write_settled(&tx, run_id, done)?;
        tx.commit()?;
        Ok(())
    }

    fn settle(&mut self, run_id: i64, st: Settled) -> CoreResult<()> {
        self.write_outcomes(run_id, std::slice::from_ref(&st), &[])
    }

    fn jitter(&self, id: i64) -> f64 {
        // Deterministic per item and attempt time: reproducible, yet spread.
        let n = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.now().timestamp() as u64;
        (n % 1000) as f64 / 1000.0
    }

    /// The commits of a run that must reach the disk before their requests
    /// leave: lost in a power cut, they would make a sent item look unsent.
    /// `before` (answers gathered so far) goes in the same commit.
    fn mark_sending(&mut self, run_id: i64, ids: &[i64], before: &[Settled]) -> CoreResult<()> {
        let now = now_text(self.now());
        self.db.conn.execute_batch("PRAGMA synchronous = FULL")?;
        let marked = (|| -> CoreResult<()> {
            let tx = self.db.conn.transaction()?;
            for id in ids {
                tx.prepare_cached(
                    "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
                )?
                .execute(params![id, now])?;
            }
            write_settled(&tx, run_id, before)?;
            tx.commit()?;
            Ok(())
        })();
        self.db.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        marked
    }

    /// What a failed request means for its item, and for the run.
    #[allow(clippy::too_many_arguments)]
    fn failed(
        &self,
        id: i64,
        action: &'static str,
        err: &ApiError,
        non_idempotent: bool,
        attempts: u32,
        duration_ms: i64,
        s: &mut SyncSummary,
    ) -> (Settled, Flow) {
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
        let st = Settled {
            next,
            http_status: err.http_status,
            error: Some((err.kind.code(), err.message.clone())),
            duration_ms,
            ..Settled::new(id, now, state, action, label)
        };
        (st, flow)
    }

    /// Record a failed request now and decide the item's next state.
    #[allow(clippy::too_many_arguments)]
    fn fail(
        &mut self,
        run_id: i64,
        id: i64,
        action: &'static str,
        err: &ApiError,
        non_idempotent: bool,
        attempts: u32,
        started: Instant,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let (st, flow) = self.failed(
            id,
            action,
            err,
            non_idempotent,
            attempts,
            elapsed_ms(started),
            s,
        );
        self.settle(run_id, st)?;
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
    fn parked(
        &self,
        id: i64,
        code: &'static str,
        why: String,
        skip: bool,
        s: &mut SyncSummary,
    ) -> Settled {
        let state = if skip {
            OutboxState::Skipped
        } else {
            OutboxState::Quarantined
        };
        if !skip {
            s.quarantined += 1;
        }
        Settled {
            error: Some((code, why)),
            ..Settled::new(id, self.now(), state, "send", state.code())
        }
    }

    /// A run of due creates, in order, through the pipeline; a create with
    /// attachments to upload goes inline when its turn comes.
    fn send_creates(
        &mut self,
        api: &dyn LaporApi,
        settings: &LaporSettings,
        run_id: i64,
        ids: &[i64],
        cancel: Option<&AtomicBool>,
        s: &mut SyncSummary,
    ) -> CoreResult<Flow> {
        let mut next = 0;
        while next < ids.len() {
            let (flow, inline) =
                self.pipeline_creates(api, settings, run_id, ids, &mut next, cancel, s)?;
            if matches!(flow, Flow::Stop(_)) || s.cancelled {
                return Ok(flow);
            }
            if let Some(row) = inline {
                if cancelled(cancel) {
                    s.cancelled = true;
                    return Ok(Flow::Go);
                }
                if let Flow::Stop(why) = self.send_create(api, settings, run_id, &row, s)? {
                    return Ok(Flow::Stop(why));
                }
            }
        }
        Ok(Flow::Go)
    }

    /// Mark creates `sending` a chunk at a time and hand them to the sender
    /// thread; write the answers as they come. Returns when `ids` are done,
    /// the run stops, or an item with attachments is next (returned, unmarked).
    #[allow(clippy::too_many_arguments)]
    fn pipeline_creates(
        &mut self,
        api: &dyn LaporApi,
        settings: &LaporSettings,
        run_id: i64,
        ids: &[i64],
        next: &mut usize,
        cancel: Option<&AtomicBool>,
        s: &mut SyncSummary,
    ) -> CoreResult<(Flow, Option<outbox::Row>)> {
        let halt = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (job_tx, job_rx) = mpsc::channel::<Job>();
            let (done_tx, done_rx) = mpsc::channel::<Vec<Done>>();
            let halt = &halt;
            scope.spawn(move || send_jobs(api, cancel, halt, job_rx, done_tx));
            let mut p = Pipe {
                jobs: Some(job_tx),
                in_flight: 0,
                outcomes: Vec::new(),
                since: Instant::now(),
                unsent: Vec::new(),
                feeding: true,
                inline: None,
                flow: Flow::Go,
            };
            let run = self.drive_creates(settings, run_id, ids, next, cancel, s, &mut p, &done_rx);
            if run.is_err() {
                // Whatever is queued comes back unsent; what is in flight is answered.
                halt.store(true, Ordering::Relaxed);
            }
            drop(p.jobs.take());
            for group in done_rx.iter() {
                for d in group {
                    self.take_answer(d, cancel, s, &mut p);
                }
            }
            let written = self.write_outcomes(run_id, &p.outcomes, &p.unsent);
            run?;
            written?;
            Ok((p.flow, p.inline))
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn drive_creates(
        &mut self,
        settings: &LaporSettings,
        run_id: i64,
        ids: &[i64],
        next: &mut usize,
        cancel: Option<&AtomicBool>,
        s: &mut SyncSummary,
        p: &mut Pipe,
        done: &mpsc::Receiver<Vec<Done>>,
    ) -> CoreResult<()> {
        loop {
            if p.feeding && p.in_flight < REFILL_BELOW {
                if cancelled(cancel) {
                    s.cancelled = true;
                    p.feeding = false;
                    continue;
                }
                let mut chunk = Vec::with_capacity(MARK_CHUNK);
                while chunk.len() < MARK_CHUNK && *next < ids.len() {
                    let id = ids[*next];
                    let Some((row, attached)) = outbox::row_with_attachments(&self.db.conn, id)?
                    else {
                        *next += 1;
                        continue;
                    };
                    let docs = if attached {
                        self.attachment_documents(row.complaint_id)?
                    } else {
                        Vec::new()
                    };
                    if docs.iter().any(Option::is_none) {
                        // Uploads go one by one, each document id kept at
                        // once: the pipeline drains, this item goes inline.
                        *next += 1;
                        p.inline = Some(row);
                        p.feeding = false;
                        break;
                    }
                    *next += 1;
                    match self.outgoing_complaint(settings, row.complaint_id)? {
                        Ok(mut out) => {
                            out.document_ids = docs.into_iter().flatten().collect();
                            chunk.push(Job {
                                id,
                                complaint_id: row.complaint_id,
                                attempts: row.attempts + 1,
                                out,
                            });
                        }
                        Err((code, why, skip)) => {
                            let st = self.parked(id, code, why, skip, s);
                            p.outcomes.push(st);
                        }
                    }
                }
                if *next >= ids.len() {
                    p.feeding = false;
                }
                if !chunk.is_empty() {
                    let ids: Vec<i64> = chunk.iter().map(|j| j.id).collect();
                    self.mark_sending(run_id, &ids, &p.outcomes)?;
                    p.outcomes.clear();
                    let jobs = p.jobs.as_ref().ok_or_else(sender_gone)?;
                    for job in chunk {
                        jobs.send(job).map_err(|_| sender_gone())?;
                        p.in_flight += 1;
                    }
                }
                continue;
            }
            if p.in_flight == 0 {
                return Ok(());
            }
            let had = p.outcomes.len();
            match done.recv_timeout(WRITE_WITHIN) {
                Ok(group) => {
                    for d in group {
                        self.take_answer(d, cancel, s, p);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(sender_gone()),
            }
            if had == 0 && !p.outcomes.is_empty() {
                p.since = Instant::now();
            }
            // A full batch of answers is written; so is a partial one when
            // the server is slow (what the clerk sees stays fresh).
            if p.outcomes.len() >= WRITE_BATCH
                || (!p.outcomes.is_empty() && p.since.elapsed() >= WRITE_WITHIN)
            {
                self.write_outcomes(run_id, &p.outcomes, &[])?;
                p.outcomes.clear();
            }
        }
    }

    fn take_answer(&self, d: Done, cancel: Option<&AtomicBool>, s: &mut SyncSummary, p: &mut Pipe) {
        p.in_flight = p.in_flight.saturating_sub(1);
        match d.answer {
            Answer::Sent(ids) => {
                let st = self.accepted(d.id, d.complaint_id, ids, "send", "sent", d.duration_ms, s);
                p.outcomes.push(st);
            }
            Answer::Failed(e) => {
                let (st, flow) = self.failed(d.id, "send", &e, true, d.attempts, d.duration_ms, s);
                p.outcomes.push(st);
                if let Flow::Stop(why) = flow {
                    p.flow = Flow::Stop(why);
                    p.feeding = false;
                }
            }
            Answer::NotTried => {
                p.unsent.push(d.id);
                if cancelled(cancel) {
                    s.cancelled = true;
                }
            }
        }
    }

    /// One create, alone: its own durable mark, uploads first.
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
            Err((code, why, skip)) => {
                let st = self.parked(row.id, code, why, skip, s);
                self.settle(run_id, st)?;
                return Ok(Flow::Go);
            }
        };
        self.mark_sending(run_id, &[row.id], &[])?;
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
        out.document_ids = self
            .attachment_documents(row.complaint_id)?
            .into_iter()
            .flatten()
            .collect();
        match api.create_complaint(&out) {
            Ok(ids) => {
                let st = self.accepted(
                    row.id,
                    row.complaint_id,
                    ids,
                    "send",
                    "sent",
                    elapsed_ms(started),
                    s,
                );
                self.settle(run_id, st)?;
                Ok(Flow::Go)
            }
            Err(e) => self.fail(run_id, row.id, "send", &e, true, attempts, started, s),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn accepted(
        &self,
        id: i64,
        complaint_id: i64,
        ids: RemoteIds,
        action: &'static str,
        outcome: &'static str,
        duration_ms: i64,
        s: &mut SyncSummary,
    ) -> Settled {
        if outcome == "sent" {
            s.sent += 1;
        } else {
            s.adopted += 1;
        }
        Settled {
            duration_ms,
            effect: Effect::Created { complaint_id, ids },
            ..Settled::new(id, self.now(), OutboxState::Sent, action, outcome)
        }
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
            Err(e) => {
                let st = self.parked(id, "BAD_REFERENCE", e.to_string(), false, s);
                self.settle(run_id, st)?;
                return Ok(Flow::Go);
            }
        };
        match api.find_by_tag(&tag) {
            Ok(None) => self.needs_operator(run_id, id, s),
            Ok(Some(found)) => {
                let times: Vec<Option<DateTime<Utc>>> =
                    found.iter().map(|m| m.created_at).collect();
                match plan::reconcile(&times) {
                    Reconciled::Resend => {
                        let st = Settled {
                            duration_ms: elapsed_ms(started),
                            ..Settled::new(
                                id,
                                self.now(),
                                OutboxState::Pending,
                                "reconcile",
                                "resend",
                            )
                        };
                        self.settle(run_id, st)?;
                        let row = outbox::row(&self.db.conn, id)?.unwrap_or(row);
                        self.send_create(api, settings, run_id, &row, s)
                    }
                    Reconciled::Adopt(i) | Reconciled::AdoptOldestOfMany(i) => {
                        let ids = found[i].ids.clone();
                        let st = self.accepted(
                            id,
                            row.complaint_id,
                            ids,
                            "reconcile",
                            "adopted",
                            elapsed_ms(started),
                            s,
                        );
                        self.settle(run_id, st)?;
                        Ok(Flow::Go)
                    }
                }
            }
            Err(e) => self.fail(run_id, id, "reconcile", &e, false, row.attempts, started, s),
        }
    }

    fn needs_operator(&mut self, run_id: i64, id: i64, s: &mut SyncSummary) -> CoreResult<Flow> {
        s.unknown += 1;
        let st = Settled {
            error: Some((
                "NEEDS_CHECK",
                "outcome unknown; no lookup available".to_owned(),
            )),
            ..Settled::new(id, self.now(), OutboxState::Unknown, "reconcile", "unknown")
        };
        self.settle(run_id, st)?;
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
            .prepare_cached(
                "SELECT f.content, f.template_code, c.lapor_complaint_id, c.is_secret
                 FROM follow_ups f JOIN complaints c ON c.id = f.complaint_id WHERE f.id = ?1",
            )?
            .query_row([fu_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((content, template_code, Some(remote_id), is_secret)) = found else {
            return Ok(Flow::Go);
        };
        self.mark_sending(run_id, &[row.id], &[])?;
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
                let st = Settled {
                    duration_ms: elapsed_ms(started),
                    effect: Effect::FollowUpSent {
                        follow_up_id: fu_id,
                        remote,
                    },
                    ..Settled::new(row.id, self.now(), OutboxState::Sent, "send", "sent")
                };
                self.settle(run_id, st)?;
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
            Option<i64>,
        );
        let r: Row = self.db.conn.prepare_cached(
            "SELECT c.title, c.description, c.channel, c.kind, c.topic_id, c.incident_date, c.is_anonymous,
                    c.is_secret, c.reporter_name, c.reporter_phone, c.reporter_email, c.uid, t.parent_id
             FROM complaints c LEFT JOIN topics t ON t.id = c.topic_id WHERE c.id = ?1",
        )?.query_row(
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
                    r.get(12)?,
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
            parent,
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
        let category = topic_id
            .and_then(|t| {
                m.category
                    .get(&t)
                    .or_else(|| parent.and_then(|p| m.category.get(&p)))
            })
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
        let mut st = self.db.conn.prepare_cached(
            "SELECT id, file_name, mime FROM attachments WHERE complaint_id = ?1 AND lapor_document_id IS NULL ORDER BY id",
        )?;
        let v = st
            .query_map([complaint_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(v)
    }

    /// The report's attachments in order: the LAPOR! document id of each,
    /// `None` for one not uploaded yet.
    fn attachment_documents(&self, complaint_id: i64) -> CoreResult<Vec<Option<String>>> {
        let mut st = self.db.conn.prepare_cached(
            "SELECT lapor_document_id FROM attachments WHERE complaint_id = ?1 ORDER BY id",
        )?;
        let v = st
            .query_map([complaint_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(v)
    }
}

/// The sender thread ended without answering (it panicked): the run stops;
/// what it had not answered stays `sending` and is reconciled next run.
fn sender_gone() -> CoreError {
    CoreError::Io {
        detail: "sync: the request thread stopped".into(),
    }
}
