//! The pull half of sync: what the national service says about the reports
//! Posko sent (status, status history, follow-ups, replies of the reporter),
//! conflicts a person must decide, and the daily master lists.
//!
//! Two rules:
//!
//! 1. **An answer Posko could not understand changes nothing local.** Every
//!    answer is decoded and checked completely (in `http.rs`, through
//!    `lapor-wire`) before anything is written; a failure is recorded with its
//!    stable code and readable reason (`sync_pull_log`, `lapor_pull_state`,
//!    `lapor_masters`) and counted in `SyncSummary::pull_failed`.
//! 2. **A remote change never overwrites local state.** The remote status is
//!    stored verbatim beside the local one; when it disagrees in a way a person
//!    must decide, a conflict row is recorded (see [`conflict_kind`]).
//!
//! ## What a conflict is
//!
//! Local and national workflows legitimately run at different paces (the
//! clerk may route and answer before LAPOR! verifies, or the reverse), so a
//! plain difference between the two statuses is *not* a conflict: it is shown
//! verbatim and on the timeline. A conflict is recorded when a newly pulled
//! remote status is a **decision** the local report has not taken:
//!
//! - the remote status means *Selesai*, *Diarsipkan*, *Ditolak*, *Bukan
//!   Wewenang* or *Ditunda* and the local status is different
//!   (`remote_decision`), or the report has local work not yet delivered, an
//!   outbox item `pending`/`sending`/`unknown`/`quarantined`
//!   (`unsent_local_change`: the decision may make that work moot or refused);
//! - the local report is closed and the remote one is open again (LAPOR!
//!   reopened it: `remote_decision`);
//! - the remote status is one Posko does not know (`unknown_status`, "perlu
//!   dicek", docs/lapor-contract.md §5.4).
//!
//! A person resolves it: **keep local** closes the conflict and changes
//! nothing else; **accept remote** applies the workflow action that leads
//! from the local status to the remote one (`complaints::apply_transition`,
//! so the state machine, deadlines and timeline rules hold) or is refused when
//! no legal action exists. Unsent outbox items are left as they are (the sync
//! page decides on them). A newer remote status supersedes an open conflict;
//! a conflict closes itself ("converged") once the local status equals what
//! the remote one means.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use chrono::{DateTime, Duration, Utc};
use posko_domain::Status;
use posko_domain::role::Permission;
use posko_domain::workflow::{self, Action};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::api::*;
use super::config::LaporSettings;
use super::plan::OutboxState;
use super::{StopReason, SyncSummary};
use crate::Posko;
use crate::app::{now_text, parse_instant, require};
use crate::complaints::{NewEvent, add_event, apply_transition, status_of};
use crate::error::{CoreError, CoreResult};
use crate::model::Actor;

/// Follow-up pages read per report in one run (a server that pages forever
/// cannot hold the run; the next run continues where this one stopped).
const MAX_FOLLOW_UP_PAGES_PER_RUN: u32 = 20;
/// Master lists are fetched at most once a day…
const MASTERS_MAX_AGE: Duration = Duration::hours(24);
/// …and after a failure not before an hour has passed.
const MASTERS_RETRY_AFTER_FAILURE: Duration = Duration::hours(1);
/// A report closed locally is still pulled this long after its last local
/// change while the national one is open (a late reply, a reopening).
const KEEP_PULLING_CLOSED: Duration = Duration::days(30);
/// Longest text put on the timeline (the full text stays in its own table).
const MAX_EVENT_NOTE_CHARS: usize = 2000;

// ------------------------------------------------------------------ pure rules

/// What a remote status means locally, by the configured mapping
/// (`LaporMapping.status`, defaults from docs/lapor-contract.md §5.4): the
/// code first, then a known name (case- and space-insensitive) through its
/// code. `verified` becomes `routed` once the disposition is this unit's own
/// institution. `None`: a status Posko does not know; the local state is
/// never guessed from it.
pub fn remote_maps_to(
    mapping: &std::collections::BTreeMap<String, Status>,
    code: &str,
    name: &str,
    disposition_id: Option<&str>,
    own_institution: Option<&str>,
) -> Option<Status> {
    let by_code = mapping.get(code.trim()).copied();
    let mapped = by_code.or_else(|| {
        lapor_wire::status::known(None, Some(name)).and_then(|k| mapping.get(k.code).copied())
    })?;
    let ours =
        matches!((disposition_id, own_institution), (Some(d), Some(o)) if d.trim() == o.trim());
    Some(if mapped == Status::Verified && ours {
        Status::Routed
    } else {
        mapped
    })
}

/// The kinds of conflict (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// LAPOR! decided (finished, archived, rejected, forwarded, postponed,
    /// reopened) what the local report has not.
    RemoteDecision,
    /// Such a decision while local work for the report is not yet delivered.
    UnsentLocalChange,
    /// A remote status Posko does not know ("perlu dicek").
    UnknownStatus,
}

impl ConflictKind {
    pub fn code(self) -> &'static str {
        match self {
            ConflictKind::RemoteDecision => "remote_decision",
            ConflictKind::UnsentLocalChange => "unsent_local_change",
            ConflictKind::UnknownStatus => "unknown_status",
        }
    }

    pub fn from_code(s: &str) -> Option<ConflictKind> {
        [
            ConflictKind::RemoteDecision,
            ConflictKind::UnsentLocalChange,
            ConflictKind::UnknownStatus,
        ]
        .into_iter()
        .find(|k| k.code() == s)
    }
}

/// Remote statuses that are decisions about the report, not progress.
fn is_decision(s: Status) -> bool {
    matches!(
        s,
        Status::Finished
            | Status::Archived
            | Status::Rejected
            | Status::Forwarded
            | Status::Postponed
    )
}

/// Whether a *newly pulled* remote status is a conflict for a local report in
/// `local` with `unsent` undelivered outbox items. Pure; see the module docs.
pub fn conflict_kind(local: Status, remote: Option<Status>, unsent: u32) -> Option<ConflictKind> {
    let Some(remote) = remote else {
        return Some(ConflictKind::UnknownStatus);
    };
    if remote == local {
        return None;
    }
    let decision = is_decision(remote) || (!local.is_open() && remote.is_open());
    match (decision, unsent > 0) {
        (false, _) => None,
        (true, true) => Some(ConflictKind::UnsentLocalChange),
        (true, false) => Some(ConflictKind::RemoteDecision),
    }
}

/// The manual workflow action that takes a report from `local` to `target`,
/// if the state machine allows one.
pub fn accept_action(local: Status, target: Status) -> Option<Action> {
    Action::ALL
        .into_iter()
        .find(|a| a.is_manual() && workflow::next(local, *a) == Some(target))
}

/// The action one would expect to reach `target` (for a clear refusal).
fn natural_action(target: Status) -> Action {
    match target {
        Status::Received => Action::Resume,
        Status::Verified => Action::Verify,
        Status::Routed => Action::Route,
        Status::InFollowUp => Action::Reopen,
        Status::WaitingReporter => Action::FollowUpGiven,
        Status::Finished => Action::Finish,
        Status::Postponed => Action::Postpone,
        Status::Forwarded => Action::Forward,
        Status::Archived => Action::Archive,
        Status::Rejected => Action::Reject,
    }
}

/// Same text, ignoring how whitespace was re-flowed by the server.
fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n).collect();
        out.push('…');
        out
    }
}

// ------------------------------------------------------------------ views

/// Which side a person keeps in a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// Nothing changes; the conflict is closed.
    Local,
    /// Apply the workflow action that matches the remote status.
    Remote,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ResolveConflictInput {
    pub id: i64,
    pub keep: Keep,
}

/// An open conflict, for the sync page and the report's detail.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncConflictView {
    pub id: i64,
    pub complaint_id: i64,
    pub register_no: String,
    pub kind: ConflictKind,
    /// The local status now.
    pub local_status: Status,
    /// The local status when the conflict was found.
    pub local_status_at_detection: Status,
    pub remote_status_code: String,
    pub remote_status_name: String,
    /// What the remote status means locally; `None` when unknown.
    pub remote_maps_to: Option<Status>,
    /// Undelivered outbox items of the report when the conflict was found.
    pub unsent: u32,
    pub detected_at: DateTime<Utc>,
    /// The action "accept remote" would apply now; `None` when no legal
    /// action leads there (or nothing needs doing: see `can_accept_remote`).
    pub accept_remote_action: Option<Action>,
    pub can_accept_remote: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteInstitutionView {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteStatusLogView {
    pub status_code: Option<String>,
    pub status_name: Option<String>,
    pub note: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RemoteAttachmentView {
    pub id: Option<String>,
    pub file_name: Option<String>,
    pub url: Option<String>,
}

/// A follow-up written on LAPOR! by an institution, the admin or the reporter.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteFollowUpView {
    pub id: i64,
    pub complaint_id: i64,
    pub lapor_followup_id: String,
    /// `reporter`: "pelapor membalas".
    pub from_reporter: bool,
    pub institution_from: Option<RemoteInstitutionView>,
    pub institution_to: Option<RemoteInstitutionView>,
    pub content: String,
    pub template_code: Option<String>,
    pub rating: Option<u32>,
    pub is_secret: Option<bool>,
    pub attachments: Vec<RemoteAttachmentView>,
    pub created_at: DateTime<Utc>,
    pub fetched_at: DateTime<Utc>,
    /// A reply of the reporter nobody has marked as seen yet.
    pub unseen: bool,
}

/// Everything pulled about one report, for its detail screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LaporRemoteView {
    pub complaint_id: i64,
    pub lapor_complaint_id: Option<String>,
    pub status_code: Option<String>,
    pub status_name: Option<String>,
    pub remote_maps_to: Option<Status>,
    pub disposition: Option<RemoteInstitutionView>,
    pub status_logs: Vec<RemoteStatusLogView>,
    pub follow_ups: Vec<RemoteFollowUpView>,
    pub pulled_at: Option<DateTime<Utc>>,
    /// Why the last pull of this report failed (`ApiErrorKind` code), if it did.
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub open_conflict: Option<SyncConflictView>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LaporInstitution {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LaporTemplate {
    pub template_code: String,
    pub title: Option<String>,
    pub kind: Option<String>,
    pub content: Option<String>,
}

/// The cached master lists (for settings and the follow-up form).
#[derive(Debug, Clone, Serialize, TS)]
pub struct LaporMasters {
    pub institutions: Vec<LaporInstitution>,
    pub templates: Vec<LaporTemplate>,
    pub institutions_fetched_at: Option<DateTime<Utc>>,
    pub templates_fetched_at: Option<DateTime<Utc>>,
    /// The last failure of either list (`ApiErrorKind` code and reason).
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
}

// ------------------------------------------------------------------ engine

/// Keep pulling, or stop pulling in this run.
#[derive(PartialEq, Eq)]
enum Go {
    On,
    Halt,
}

#[derive(Clone, Copy)]
enum What {
    Status,
    FollowUps,
    Institutions,
    Templates,
}

impl What {
    fn code(self) -> &'static str {
        match self {
            What::Status => "status",
            What::FollowUps => "follow_ups",
            What::Institutions => "institutions",
            What::Templates => "templates",
        }
    }
}

struct Target {
    id: i64,
    remote: String,
    /// The follow-up page this run starts from (`lapor_pull_state`).
    follow_up_page: u32,
}

/// Reports the fetcher hands over at once (one wake-up of the writing thread)…
const FETCH_GROUP: usize = 8;
/// …and groups fetched ahead of the writes (bounded: the writes keep up).
const PULL_AHEAD: usize = 8;
/// Pulled reports written per transaction…
const PULL_WRITE_BATCH: usize = 64;
/// …or fewer, when no answer came for this long.
const WRITE_WITHIN: std::time::Duration = std::time::Duration::from_millis(250);

/// What the fetcher brought back about one report: everything understood,
/// or the failure that ended it. Nothing of it is written yet.
struct Fetched {
    id: i64,
    /// The follow-up page pointer as stored when the fetch began.
    start_page: u32,
    status: ApiResult<RemoteStatus>,
    /// Understood follow-up pages, in order, each with where the next run
    /// starts once it is stored.
    pages: Vec<(RemoteFollowUpPage, u32)>,
    follow_up_error: Option<ApiError>,
}

/// How the fetcher ended.
#[derive(PartialEq, Eq)]
enum FetchEnd {
    Done,
    Cancelled,
    /// A failure that the rest would share (see [`halts`]), or the writes stopped.
    Halted,
}

/// A pull failure after which the rest of the pull would fail the same way.
fn halts(kind: ApiErrorKind) -> bool {
    matches!(
        kind,
        ApiErrorKind::Unauthorized | ApiErrorKind::NotSent | ApiErrorKind::RateLimited
    )
}

/// Reads in flight at once during a pull. Each report's reads are
/// independent of every other report's, so they need not wait for each
/// other: against a service far away a pull is bound by round trips (two per
/// report), and on a machine with two CPUs the writes and the reads share
/// them. Four is what a browser would open to one host, polite enough for the
/// national service; a 429 or a 401 still halts every reader at once.
pub const PULL_READERS: usize = 4;

/// The fetchers: up to [`PULL_READERS`] threads, each taking the next report
/// not yet taken, reading its detail and then its follow-ups page by page from
/// where the last run stopped. Reports go to the writing thread in groups of
/// [`FETCH_GROUP`] (or fewer when the oldest waited [`WRITE_WITHIN`]), one
/// wake-up per group. Which reader takes a report does not matter: each
/// report's answers are written whole, with its own page pointer.
fn fetch_all(
    api: &dyn LaporApi,
    targets: &[Target],
    cancel: Option<&AtomicBool>,
    halt: &AtomicBool,
    out: mpsc::SyncSender<Vec<Fetched>>,
) -> FetchEnd {
    let next = AtomicUsize::new(0);
    let readers = PULL_READERS.min(targets.len()).max(1);
    let ends: Vec<FetchEnd> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                let (out, next) = (out.clone(), &next);
                scope.spawn(move || {
                    let end = fetch_group(api, targets, next, cancel, halt, out);
                    // The others stop too: what ended this reader (a 401, a
                    // 429, the writes gone) would end theirs.
                    if end == FetchEnd::Halted {
                        halt.store(true, Ordering::Relaxed);
                    }
                    end
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if ends.contains(&FetchEnd::Halted) {
        FetchEnd::Halted
    } else if ends.contains(&FetchEnd::Cancelled) {
        FetchEnd::Cancelled
    } else {
        FetchEnd::Done
    }
}

/// One reader of [`fetch_all`]: its reports handed over in groups.
fn fetch_group(
    api: &dyn LaporApi,
    targets: &[Target],
    next: &AtomicUsize,
    cancel: Option<&AtomicBool>,
    halt: &AtomicBool,
    out: mpsc::SyncSender<Vec<Fetched>>,
) -> FetchEnd {
    let mut group = Vec::with_capacity(FETCH_GROUP);
    let mut oldest = std::time::Instant::now();
    let end = fetch_each(api, targets, next, cancel, halt, |f| {
        if group.is_empty() {
            oldest = std::time::Instant::now();
        }
        group.push(f);
        if group.len() >= FETCH_GROUP || oldest.elapsed() >= WRITE_WITHIN {
            return out.send(std::mem::take(&mut group)).is_ok();
        }
        true
    });
    if !group.is_empty() && out.send(group).is_err() {
        return FetchEnd::Halted;
    }
    end
}

/// [`fetch_group`] one report at a time, each the next one no reader took:
/// `hand` takes each report's answers and says whether to go on.
fn fetch_each(
    api: &dyn LaporApi,
    targets: &[Target],
    next: &AtomicUsize,
    cancel: Option<&AtomicBool>,
    halt: &AtomicBool,
    mut hand: impl FnMut(Fetched) -> bool,
) -> FetchEnd {
    let cancelled = || cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    loop {
        if halt.load(Ordering::Relaxed) {
            return FetchEnd::Halted;
        }
        if cancelled() {
            return FetchEnd::Cancelled;
        }
        let Some(t) = targets.get(next.fetch_add(1, Ordering::Relaxed)) else {
            return FetchEnd::Done;
        };
        let mut f = Fetched {
            id: t.id,
            start_page: t.follow_up_page,
            status: api.complaint_status(&t.remote),
            pages: Vec::new(),
            follow_up_error: None,
        };
        let mut end = None;
        match &f.status {
            Err(e) => {
                if halts(e.kind) {
                    end = Some(FetchEnd::Halted);
                }
            }
            Ok(_) => {
                let mut page = t.follow_up_page.max(1);
                for _ in 0..MAX_FOLLOW_UP_PAGES_PER_RUN {
                    if cancelled() {
                        end = Some(FetchEnd::Cancelled);
                        break;
                    }
                    let p = match api.follow_ups_page(&t.remote, page) {
                        Ok(p) => p,
                        Err(e) => {
                            if halts(e.kind) {
                                end = Some(FetchEnd::Halted);
                            }
                            f.follow_up_error = Some(e);
                            break;
                        }
                    };
                    // Where the next run starts: past this page only when it
                    // is full (a next page exists); a last page is read again
                    // as it may grow.
                    let next_start = match p.next_page {
                        Some(n) if !p.items.is_empty() => n,
                        _ if p.items.is_empty() && page > 1 => {
                            p.last_page.unwrap_or(1).clamp(1, page)
                        }
                        _ => page,
                    };
                    let more = match p.next_page {
                        Some(n) if !p.items.is_empty() => Some(n),
                        _ => None,
                    };
                    f.pages.push((p, next_start));
                    match more {
                        Some(n) => page = n,
                        None => break,
                    }
                }
            }
        }
        if !hand(f) {
            return FetchEnd::Halted;
        }
        if let Some(end) = end {
            return end;
        }
    }
}

/// A master-list entry: key, then up to three texts (name; or title, kind, content).
type MasterRow = (String, Option<String>, Option<String>, Option<String>);
/// complaint, resolved_at, remote code, remote name, what it maps to.
type ConflictRow = (i64, Option<String>, String, String, Option<String>);

fn unsent_items(tx: &Transaction<'_>, complaint_id: i64) -> CoreResult<u32> {
    Ok(tx
        .prepare_cached(
            "SELECT COUNT(*) FROM outbox WHERE complaint_id = ?1
             AND state IN ('pending', 'sending', 'unknown', 'quarantined')",
        )?
        .query_row([complaint_id], |r| r.get(0))?)
}

fn ensure_state(tx: &Transaction<'_>, complaint_id: i64) -> CoreResult<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO lapor_pull_state (complaint_id) VALUES (?1)")?
        .execute([complaint_id])?;
    Ok(())
}

impl Posko {
    /// Everything pulled in one run: each sent report's status, history and
    /// new follow-ups, then the master lists when a day old.
    ///
    /// The requests go out on [`PULL_READERS`] other threads; this
    /// thread writes what came back, [`PULL_WRITE_BATCH`] reports per
    /// transaction (each report's answers whole, with its page pointer). A
    /// crash loses at most the answers not yet written: they are pulled
    /// again, and nothing is stored twice.
    pub(super) fn pull(
        &mut self,
        api: &dyn LaporApi,
        settings: &LaporSettings,
        run_id: i64,
        s: &mut SyncSummary,
        cancel: Option<&AtomicBool>,
    ) -> CoreResult<()> {
        let cancelled = || cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let targets = self.pull_targets()?;
        let halt = AtomicBool::new(false);
        let end = std::thread::scope(|scope| -> CoreResult<FetchEnd> {
            let (tx, rx) = mpsc::sync_channel::<Vec<Fetched>>(PULL_AHEAD);
            let (targets, halt) = (&targets, &halt);
            let fetcher = scope.spawn(move || fetch_all(api, targets, cancel, halt, tx));
            let mut batch = Vec::with_capacity(PULL_WRITE_BATCH);
            let mut written = Ok(());
            loop {
                // A full batch is written; so is a partial one when the
                // server is slow (what the clerk sees stays fresh).
                let (more, write) = match rx.recv_timeout(WRITE_WITHIN) {
                    Ok(group) => {
                        batch.extend(group);
                        (true, batch.len() >= PULL_WRITE_BATCH)
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => (true, true),
                    Err(mpsc::RecvTimeoutError::Disconnected) => (false, true),
                };
                if write {
                    written = self.store_pulled(settings, run_id, &batch, s);
                    batch.clear();
                }
                if !more || written.is_err() {
                    break;
                }
            }
            // Stop the fetcher if the writes failed (it is past its last send otherwise).
            halt.store(true, Ordering::Relaxed);
            drop(rx);
            let end = fetcher
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            written?;
            Ok(end)
        })?;
        match end {
            FetchEnd::Halted => return Ok(()),
            FetchEnd::Cancelled => {
                s.cancelled = true;
                return Ok(());
            }
            FetchEnd::Done => {}
        }
        if cancelled() {
            s.cancelled = true;
            return Ok(());
        }
        self.pull_masters(api, Some(run_id), s, false)?;
        Ok(())
    }

    /// Write what was fetched about some reports, in one transaction.
    fn store_pulled(
        &mut self,
        settings: &LaporSettings,
        run_id: i64,
        batch: &[Fetched],
        s: &mut SyncSummary,
    ) -> CoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        for f in batch {
            let status = match &f.status {
                Ok(st) => st,
                Err(e) => {
                    log_pull_failure(&tx, Some(run_id), Some(f.id), What::Status, e, now, s)?;
                    continue;
                }
            };
            let mut news = apply_status(&tx, settings, run_id, f.id, status, now, s)?;
            let mut stored = f.start_page;
            for (page, next_start) in &f.pages {
                news |=
                    store_follow_up_page(&tx, settings, f.id, page, stored, *next_start, now, s)?;
                stored = (*next_start).max(1);
            }
            if let Some(e) = &f.follow_up_error {
                log_pull_failure(&tx, Some(run_id), Some(f.id), What::FollowUps, e, now, s)?;
            }
            if news {
                s.pulled += 1;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Sent reports that are open, or closed here lately while LAPOR! may
    /// still move (late replies, reopening), or with an undecided conflict.
    fn pull_targets(&self) -> CoreResult<Vec<Target>> {
        let cutoff = now_text(self.now() - KEEP_PULLING_CLOSED);
        let settings = self.lapor_settings()?;
        let mut st = self.db.conn.prepare(
            "SELECT c.id, c.lapor_complaint_id, c.is_open, c.lapor_status_code, c.lapor_status_name,
                    p.disposition_id, COALESCE(p.follow_up_page, 1),
                    EXISTS (SELECT 1 FROM sync_conflicts k WHERE k.complaint_id = c.id AND k.resolved_at IS NULL)
             FROM complaints c LEFT JOIN lapor_pull_state p ON p.complaint_id = c.id
             WHERE c.lapor_complaint_id IS NOT NULL AND (c.is_open = 1 OR c.updated_at >= ?1
                OR EXISTS (SELECT 1 FROM sync_conflicts k WHERE k.complaint_id = c.id AND k.resolved_at IS NULL))
             ORDER BY c.id",
        )?;
        let rows = st.query_map([cutoff], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, u32>(6)?,
                r.get::<_, bool>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, remote, open, code, name, disp, follow_up_page, conflict) = row?;
            let remote_closed = match (&code, &name) {
                (Some(c), Some(n)) => remote_maps_to(
                    &settings.mapping.status,
                    c,
                    n,
                    disp.as_deref(),
                    settings.institution_id.as_deref(),
                )
                .is_some_and(|m| !m.is_open()),
                _ => false,
            };
            // An open conflict is watched until it is decided or converges.
            if open || conflict || !remote_closed {
                out.push(Target {
                    id,
                    remote,
                    follow_up_page,
                });
            }
        }
        Ok(out)
    }

    /// Record a pull that failed: the reason is kept, nothing else changes.
    fn pull_failed(
        &mut self,
        run_id: Option<i64>,
        complaint_id: Option<i64>,
        what: What,
        e: &ApiError,
        s: &mut SyncSummary,
    ) -> CoreResult<Go> {
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        log_pull_failure(&tx, run_id, complaint_id, what, e, now, s)?;
        tx.commit()?;
        Ok(if halts(e.kind) { Go::Halt } else { Go::On })
    }
}

/// A pull that failed, in the caller's transaction: the reason is kept,
/// nothing else changes. A 401 stops the run.
fn log_pull_failure(
    tx: &Transaction<'_>,
    run_id: Option<i64>,
    complaint_id: Option<i64>,
    what: What,
    e: &ApiError,
    now: DateTime<Utc>,
    s: &mut SyncSummary,
) -> CoreResult<()> {
    s.pull_failed += 1;
    if e.kind == ApiErrorKind::Unauthorized {
        s.stopped = Some(StopReason::Unauthorized);
    }
    let now = now_text(now);
    tx.prepare_cached(
        "INSERT INTO sync_pull_log (run_id, complaint_id, what, at, http_status, error_code, detail_code, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        run_id,
        complaint_id,
        what.code(),
        now,
        e.http_status,
        e.kind.code(),
        e.detail_code(),
        e.message
    ])?;
    if let Some(cid) = complaint_id {
        ensure_state(tx, cid)?;
        tx.prepare_cached(
            "UPDATE lapor_pull_state SET last_error_code = ?2, last_error = ?3, last_error_at = ?4
             WHERE complaint_id = ?1",
        )?
        .execute(params![cid, e.kind.code(), e.message, now])?;
    }
    Ok(())
}

/// Write one understood status answer, in the caller's transaction:
/// verbatim status, new history, disposition, conflicts.
fn apply_status(
    tx: &Transaction<'_>,
    settings: &LaporSettings,
    run_id: i64,
    id: i64,
    st: &RemoteStatus,
    now: DateTime<Utc>,
    s: &mut SyncSummary,
) -> CoreResult<bool> {
    let actor = super::engine::system();
    let (old_code, old_name, local): (Option<String>, Option<String>, String) = tx
        .prepare_cached(
            "SELECT lapor_status_code, lapor_status_name, status FROM complaints WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let local = status_of(&local);
    // The report's pull state, created on its first pull, in one statement.
    let (seen, old_disp, pulled_before): (i64, Option<String>, bool) = tx
        .prepare_cached(
            "INSERT INTO lapor_pull_state (complaint_id) VALUES (?1)
             ON CONFLICT (complaint_id) DO UPDATE SET complaint_id = excluded.complaint_id
             RETURNING status_logs_seen, disposition_id, pulled_at IS NOT NULL",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    // History: the usual case appends; a shorter list (rewritten history)
    // is compared whole. Each entry is stored once, matched on content.
    let seen = usize::try_from(seen).unwrap_or(0);
    let from = if st.status_logs.len() >= seen {
        seen
    } else {
        0
    };
    let mut new_logs = 0;
    // Never pulled before: none of its history is stored yet; only what this
    // answer repeats is known.
    let mut stored_now = Vec::new();
    for (seq, l) in st.status_logs.iter().enumerate().skip(from) {
        let at = l.created_at.map(now_text);
        let entry = (&l.status_code, &l.status_name, &l.note, at.clone());
        let known: bool = if pulled_before {
            tx.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM remote_status_logs WHERE complaint_id = ?1
                   AND status_code IS ?2 AND status_name IS ?3 AND note IS ?4 AND created_at IS ?5)",
            )?
            .query_row(params![id, l.status_code, l.status_name, l.note, at], |r| r.get(0))?
        } else {
            stored_now.contains(&entry)
        };
        if !known {
            stored_now.push(entry);
            tx.prepare_cached(
                    "INSERT INTO remote_status_logs (complaint_id, seq, status_code, status_name, note, created_at, fetched_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![id, seq as i64, l.status_code, l.status_name, l.note, at, now_text(now)])?;
            new_logs += 1;
        }
    }
    let disp_id = st.disposition.as_ref().and_then(|d| d.id.clone());
    let disp_name = st.disposition.as_ref().and_then(|d| d.name.clone());
    tx.prepare_cached(
            "UPDATE lapor_pull_state SET status_logs_seen = ?2,
                disposition_id = COALESCE(?3, disposition_id), disposition_name = COALESCE(?4, disposition_name),
                pulled_at = ?5, last_error_code = NULL, last_error = NULL, last_error_at = NULL
             WHERE complaint_id = ?1",
        )?
        .execute(params![id, st.status_logs.len() as i64, disp_id, disp_name, now_text(now)])?;
    let changed = old_code.as_deref() != Some(st.status_code.as_str())
        || old_name.as_deref() != Some(st.status_name.as_str());
    // What the UPDATE above kept (COALESCE).
    let disp_now = disp_id.clone().or(old_disp);
    let maps_to = remote_maps_to(
        &settings.mapping.status,
        &st.status_code,
        &st.status_name,
        disp_now.as_deref(),
        settings.institution_id.as_deref(),
    );
    if changed {
        tx.prepare_cached(
            "UPDATE complaints SET lapor_status_code = ?2, lapor_status_name = ?3,
                    lapor_tracking_id = COALESCE(lapor_tracking_id, ?4) WHERE id = ?1",
        )?
        .execute(params![id, st.status_code, st.status_name, st.tracking_id])?;
        // The newest history entry for this status usually says why.
        let why = st
            .status_logs
            .iter()
            .rev()
            .find(|l| l.status_code.as_deref() == Some(st.status_code.as_str()))
            .and_then(|l| l.note.as_deref())
            .filter(|n| !n.trim().is_empty());
        let note = match why {
            Some(w) => format!("{} ({}): {}", st.status_name, st.status_code, clip(w, 500)),
            None => format!("{} ({})", st.status_name, st.status_code),
        };
        add_event(
            tx,
            &actor,
            NewEvent {
                note: Some(&note),
                ..NewEvent::new(id, now, "lapor_status")
            },
        )?;
        // Re-evaluate: an open conflict is about an older remote status.
        tx.prepare_cached(
                "UPDATE sync_conflicts SET resolved_at = ?2, resolution = 'superseded', resolved_by_name = ?3
                 WHERE complaint_id = ?1 AND resolved_at IS NULL",
            )?
            .execute(params![id, now_text(now), actor.display_name])?;
        // Undelivered local work is counted only when there is a conflict.
        let unsent = match conflict_kind(local, maps_to, 0) {
            Some(_) => unsent_items(tx, id)?,
            None => 0,
        };
        if let Some(kind) = conflict_kind(local, maps_to, unsent) {
            tx.execute(
                    "INSERT INTO sync_conflicts (complaint_id, kind, local_value, remote_value, remote_name,
                        remote_maps_to, unsent, run_id, detected_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        id,
                        kind.code(),
                        local.code(),
                        st.status_code,
                        st.status_name,
                        maps_to.map(Status::code),
                        unsent,
                        run_id,
                        now_text(now)
                    ],
                )?;
            let note = format!("{}: {} ({})", kind.code(), st.status_name, st.status_code);
            add_event(
                tx,
                &actor,
                NewEvent {
                    note: Some(&note),
                    ..NewEvent::new(id, now, "lapor_conflict")
                },
            )?;
            s.conflicts += 1;
        }
    } else if maps_to == Some(local) {
        // The clerk took the same decision by hand: nothing is left to decide.
        tx.prepare_cached(
                "UPDATE sync_conflicts SET resolved_at = ?2, resolution = 'converged', resolved_by_name = ?3
                 WHERE complaint_id = ?1 AND resolved_at IS NULL AND remote_maps_to = ?4",
            )?
            .execute(params![id, now_text(now), actor.display_name, local.code()])?;
    }
    Ok(changed || new_logs > 0)
}

/// One understood follow-up page, with the page pointer, in the caller's
/// transaction: an interrupted run loses nothing and stores nothing twice.
#[allow(clippy::too_many_arguments)]
fn store_follow_up_page(
    tx: &Transaction<'_>,
    settings: &LaporSettings,
    id: i64,
    p: &RemoteFollowUpPage,
    stored: u32,
    next_start: u32,
    now: DateTime<Utc>,
    s: &mut SyncSummary,
) -> CoreResult<bool> {
    let mut news = false;
    let mut last_id: Option<&str> = None;
    for f in &p.items {
        last_id = Some(&f.id);
        let known: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM remote_follow_ups WHERE complaint_id = ?1 AND lapor_followup_id = ?2)
                     OR EXISTS (SELECT 1 FROM follow_ups WHERE complaint_id = ?1 AND lapor_followup_id = ?2)",
                )?
                .query_row(params![id, f.id], |r| r.get(0))?;
        if known {
            continue;
        }
        if f.sender == RemoteSender::Institution && own_follow_up(tx, settings, id, f)? {
            continue;
        }
        let attachments = serde_json::to_string(&f.attachments).unwrap_or_else(|_| "[]".into());
        let from = f.institution_from.as_ref();
        let to = f.institution_to.as_ref();
        tx.execute(
                "INSERT INTO remote_follow_ups (complaint_id, lapor_followup_id, sender, institution_from_id,
                    institution_from_name, institution_to_id, institution_to_name, content, template_code,
                    rating, is_secret, attachments, created_at, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    id,
                    f.id,
                    f.sender.code(),
                    from.and_then(|i| i.id.clone()),
                    from.and_then(|i| i.name.clone()),
                    to.and_then(|i| i.id.clone()),
                    to.and_then(|i| i.name.clone()),
                    f.content,
                    f.template_code,
                    f.rating,
                    f.is_secret,
                    attachments,
                    now_text(f.created_at),
                    now_text(now)
                ],
            )?;
        let (kind, who) = match f.sender {
            RemoteSender::Reporter => {
                s.reporter_replies += 1;
                ("lapor_reporter_reply", "Pelapor (SP4N-LAPOR!)".to_owned())
            }
            RemoteSender::Institution => (
                "lapor_follow_up",
                from.and_then(|i| i.name.clone())
                    .map(|n| format!("{n} (SP4N-LAPOR!)"))
                    .unwrap_or_else(|| "SP4N-LAPOR!".to_owned()),
            ),
        };
        let actor = Actor {
            display_name: who,
            ..super::engine::system()
        };
        let note = clip(&f.content, MAX_EVENT_NOTE_CHARS);
        add_event(
            tx,
            &actor,
            NewEvent {
                note: Some(&note),
                ..NewEvent::new(id, f.created_at, kind)
            },
        )?;
        s.remote_follow_ups += 1;
        news = true;
    }
    // The page pointer, unless it stays as it is (an empty or unchanged last page).
    if next_start.max(1) != stored || last_id.is_some() {
        tx.prepare_cached(
            "UPDATE lapor_pull_state SET follow_up_page = ?2,
                last_follow_up_id = COALESCE(?3, last_follow_up_id) WHERE complaint_id = ?1",
        )?
        .execute(params![id, next_start.max(1), last_id])?;
    }
    Ok(news)
}

impl Posko {
    // -------------------------------------------------------------- masters

    /// The institution and template lists, when older than a day (or `force`).
    /// An empty list never replaces a non-empty cache: that is a broken
    /// server, not a decision to have no institutions.
    pub(super) fn pull_masters(
        &mut self,
        api: &dyn LaporApi,
        run_id: Option<i64>,
        s: &mut SyncSummary,
        force: bool,
    ) -> CoreResult<()> {
        for what in [What::Institutions, What::Templates] {
            if s.stopped.is_some() {
                break;
            }
            if !force && !self.master_due(what)? {
                continue;
            }
            let now = self.now();
            self.db.conn.execute(
                "INSERT INTO lapor_masters (what, attempted_at) VALUES (?1, ?2)
                 ON CONFLICT (what) DO UPDATE SET attempted_at = excluded.attempted_at",
                params![what.code(), now_text(now)],
            )?;
            let got: ApiResult<Vec<MasterRow>> = match what {
                What::Institutions => api.institutions().map(|v| {
                    v.into_iter()
                        .map(|i| (i.id, Some(i.name), None, None))
                        .collect()
                }),
                _ => api.templates().map(|v| {
                    v.into_iter()
                        .map(|t| (t.template_code, t.title, t.kind, t.content))
                        .collect()
                }),
            };
            let (table, key) = match what {
                What::Institutions => ("lapor_institutions", "id"),
                _ => ("lapor_templates", "template_code"),
            };
            let cached: i64 =
                self.db
                    .conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            let got = got.and_then(|v| {
                if v.is_empty() && cached > 0 {
                    Err(ApiError::bad_response(
                        Some(200),
                        "LAPOR_UNEXPECTED_SHAPE",
                        format!(
                            "empty {} list; the {cached} cached entries are kept",
                            what.code()
                        ),
                    ))
                } else {
                    Ok(v)
                }
            });
            match got {
                Ok(list) => {
                    let tx = self.db.conn.transaction()?;
                    tx.execute(&format!("DELETE FROM {table}"), [])?;
                    for (k, a, b, c) in &list {
                        match what {
                            What::Institutions => tx.execute(
                                "INSERT OR REPLACE INTO lapor_institutions (id, name, fetched_at) VALUES (?1, ?2, ?3)",
                                params![k, a.clone().unwrap_or_default(), now_text(now)],
                            )?,
                            _ => tx.execute(
                                "INSERT OR REPLACE INTO lapor_templates (template_code, title, kind, content, fetched_at)
                                 VALUES (?1, ?2, ?3, ?4, ?5)",
                                params![k, a, b, c, now_text(now)],
                            )?,
                        };
                    }
                    let count: i64 = tx.query_row(
                        &format!("SELECT COUNT(DISTINCT {key}) FROM {table}"),
                        [],
                        |r| r.get(0),
                    )?;
                    tx.execute(
                        "UPDATE lapor_masters SET fetched_at = ?2, count = ?3, last_error_code = NULL, last_error = NULL
                         WHERE what = ?1",
                        params![what.code(), now_text(now), count],
                    )?;
                    tx.commit()?;
                }
                Err(e) => {
                    self.db.conn.execute(
                        "UPDATE lapor_masters SET last_error_code = ?2, last_error = ?3 WHERE what = ?1",
                        params![what.code(), e.kind.code(), e.message],
                    )?;
                    if self.pull_failed(run_id, None, what, &e, s)? == Go::Halt {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    fn master_due(&self, what: What) -> CoreResult<bool> {
        let row: Option<(Option<String>, Option<String>)> = self
            .db
            .conn
            .query_row(
                "SELECT fetched_at, attempted_at FROM lapor_masters WHERE what = ?1",
                [what.code()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let now = self.now();
        Ok(match row {
            None => true,
            Some((fetched, attempted)) => {
                let fresh = fetched
                    .as_deref()
                    .is_some_and(|f| now - parse_instant(f) < MASTERS_MAX_AGE);
                let failed_lately = attempted.as_deref().is_some_and(|a| {
                    fetched.as_deref() != Some(a)
                        && now - parse_instant(a) < MASTERS_RETRY_AFTER_FAILURE
                });
                !fresh && !failed_lately
            }
        })
    }
}

/// A follow-up listed back by the server that Posko itself sent: matched on
/// the id the server returned, or, when the server answered without an id,
/// on the content of an approved local follow-up whose send was accepted
/// (the id is then kept, so the next run matches by id). A follow-up whose
/// send outcome was unknown is settled here: the server lists it, so it
/// arrived and is marked sent (attempt `reconcile`/`adopted`), never resent.
fn own_follow_up(
    tx: &Transaction<'_>,
    settings: &LaporSettings,
    complaint_id: i64,
    f: &RemoteFollowUp,
) -> CoreResult<bool> {
    let from_id = f.institution_from.as_ref().and_then(|i| i.id.as_deref());
    if let (Some(ours), Some(from)) = (settings.institution_id.as_deref(), from_id)
        && ours.trim() != from.trim()
    {
        return Ok(false);
    }
    let mut st = tx.prepare(
        "SELECT f.id, f.content, o.state, o.id FROM follow_ups f
         JOIN outbox o ON o.follow_up_id = f.id
         WHERE f.complaint_id = ?1 AND f.state = 'approved' AND f.lapor_followup_id IS NULL
           AND o.state IN ('sent', 'sending', 'unknown')
         ORDER BY f.id",
    )?;
    let candidates: Vec<(i64, String, String, i64)> = st
        .query_map([complaint_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    for (fid, content, state, outbox_id) in candidates {
        if same_text(&content, &f.content) {
            tx.execute(
                "UPDATE follow_ups SET lapor_followup_id = ?2 WHERE id = ?1",
                params![fid, f.id],
            )?;
            if state != "sent" {
                // An uncertain send is proven by the server's own list: it
                // arrived, so it is never sent again.
                let now = f.created_at;
                super::outbox::set_state(tx, outbox_id, OutboxState::Sent, None, None, now)?;
                super::outbox::log_attempt(
                    tx,
                    &super::outbox::Attempt {
                        outbox_id,
                        run_id: None,
                        at: now,
                        action: "reconcile",
                        outcome: "adopted",
                        http_status: None,
                        error_code: None,
                        message: Some(f.id.as_str()),
                        duration_ms: 0,
                    },
                )?;
            }
            return Ok(true);
        }
    }
    Ok(false)
}

// ------------------------------------------------------------------ user-facing

impl Posko {
    fn complaint_visible(&self, actor: &Actor, complaint_id: i64) -> CoreResult<()> {
        let secret: Option<bool> = self
            .db
            .conn
            .query_row(
                "SELECT is_secret FROM complaints WHERE id = ?1",
                [complaint_id],
                |r| r.get(0),
            )
            .optional()?;
        match secret {
            // Rahasia reports are absent, not forbidden, for roles that may not see them.
            Some(true) if !actor.role.can(Permission::ViewSecret) => {
                Err(not_found("complaint", complaint_id))
            }
            Some(_) => Ok(()),
            None => Err(not_found("complaint", complaint_id)),
        }
    }

    /// Open conflicts, oldest first (rahasia reports only for roles that may see them).
    pub fn sync_conflicts(&self, actor: &Actor) -> CoreResult<Vec<SyncConflictView>> {
        require(actor, Permission::ViewRegister)?;
        self.conflict_views(actor, None)
    }

    fn conflict_views(
        &self,
        actor: &Actor,
        complaint_id: Option<i64>,
    ) -> CoreResult<Vec<SyncConflictView>> {
        let secret_ok = actor.role.can(Permission::ViewSecret);
        let mut st = self.db.conn.prepare(
            "SELECT k.id, k.complaint_id, c.register_no, k.kind, c.status, k.local_value, k.remote_value,
                    k.remote_name, k.remote_maps_to, k.unsent, k.detected_at
             FROM sync_conflicts k JOIN complaints c ON c.id = k.complaint_id
             WHERE k.resolved_at IS NULL AND (?1 OR c.is_secret = 0) AND (?2 IS NULL OR k.complaint_id = ?2)
             ORDER BY k.id",
        )?;
        let rows = st.query_map(params![secret_ok, complaint_id], |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ),
                (
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ),
                (
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, i64>(9)?,
                    r.get::<_, String>(10)?,
                ),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                (id, complaint_id, register_no, kind),
                (local, at_detection, code, name),
                (maps, unsent, at),
            ) = row?;
            let Some(kind) = ConflictKind::from_code(&kind) else {
                continue;
            };
            let local = status_of(&local);
            let maps_to = maps.as_deref().and_then(Status::from_code);
            let action = maps_to.and_then(|m| accept_action(local, m));
            out.push(SyncConflictView {
                id,
                complaint_id,
                register_no,
                kind,
                local_status: local,
                local_status_at_detection: status_of(&at_detection),
                remote_status_code: code,
                remote_status_name: name,
                remote_maps_to: maps_to,
                unsent: unsent.max(0) as u32,
                detected_at: parse_instant(&at),
                accept_remote_action: action,
                can_accept_remote: maps_to.is_some_and(|m| m == local || action.is_some()),
            });
        }
        Ok(out)
    }

    /// A person decides a conflict. `Keep::Local` closes it and changes nothing
    /// else; `Keep::Remote` applies the workflow action that matches the remote
    /// status (refused when the state machine has none). One transaction.
    pub fn resolve_conflict(&mut self, actor: &Actor, id: i64, keep: Keep) -> CoreResult<()> {
        require(actor, Permission::TransitionComplaint)?;
        let row: Option<ConflictRow> = self
            .db
            .conn
            .query_row(
                "SELECT complaint_id, resolved_at, remote_value, remote_name, remote_maps_to
                 FROM sync_conflicts WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((cid, resolved, code, name, maps)) = row else {
            return Err(not_found("sync_conflict", id));
        };
        if self.complaint_visible(actor, cid).is_err() {
            return Err(not_found("sync_conflict", id));
        }
        if resolved.is_some() {
            // Someone else decided first (or a newer remote status replaced it).
            return Err(CoreError::Conflict);
        }
        let now = self.now();
        let today = self.zone().local_date(now);
        let why: Option<String> = self
            .db
            .conn
            .query_row(
                "SELECT note FROM remote_status_logs WHERE complaint_id = ?1 AND status_code = ?2
                   AND note IS NOT NULL AND trim(note) <> '' ORDER BY id DESC LIMIT 1",
                params![cid, code],
                |r| r.get(0),
            )
            .optional()?;
        let tx = self.db.conn.transaction()?;
        let resolution = match keep {
            Keep::Local => "keep_local",
            Keep::Remote => {
                let Some(target) = maps.as_deref().and_then(Status::from_code) else {
                    return Err(CoreError::BadRequest {
                        detail: format!("the remote status {name} ({code}) has no local meaning"),
                    });
                };
                let local: String =
                    tx.query_row("SELECT status FROM complaints WHERE id = ?1", [cid], |r| {
                        r.get(0)
                    })?;
                let local = status_of(&local);
                if local != target {
                    let action =
                        accept_action(local, target).ok_or(workflow::IllegalTransition {
                            from: local,
                            action: natural_action(target),
                        })?;
                    require(actor, action.permission())?;
                    let note = match &why {
                        Some(w) => format!("SP4N-LAPOR!: {name} ({code}): {}", clip(w, 500)),
                        None => format!("SP4N-LAPOR!: {name} ({code})"),
                    };
                    apply_transition(
                        &tx,
                        &self.cache,
                        actor,
                        cid,
                        action,
                        Some(&note),
                        now,
                        today,
                    )?;
                }
                "accept_remote"
            }
        };
        let changed = tx.execute(
            "UPDATE sync_conflicts SET resolved_at = ?2, resolution = ?3, resolved_by_name = ?4
             WHERE id = ?1 AND resolved_at IS NULL",
            params![id, now_text(now), resolution, actor.display_name],
        )?;
        if changed != 1 {
            return Err(CoreError::Conflict);
        }
        let note = format!("{resolution}: {name} ({code})");
        add_event(
            &tx,
            actor,
            NewEvent {
                note: Some(&note),
                ..NewEvent::new(cid, now, "lapor_conflict_resolved")
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Everything pulled about one report, for its detail screen.
    pub fn lapor_remote(&self, actor: &Actor, complaint_id: i64) -> CoreResult<LaporRemoteView> {
        require(actor, Permission::ViewRegister)?;
        self.complaint_visible(actor, complaint_id)?;
        let settings = self.lapor_settings()?;
        let conn = &self.db.conn;
        let (lapor_id, code, name): (Option<String>, Option<String>, Option<String>) = conn.query_row(
            "SELECT lapor_complaint_id, lapor_status_code, lapor_status_name FROM complaints WHERE id = ?1",
            [complaint_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        type State = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let state: Option<State> = conn
            .query_row(
                "SELECT disposition_id, disposition_name, pulled_at, last_error_code, last_error, last_error_at
                 FROM lapor_pull_state WHERE complaint_id = ?1",
                [complaint_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let (disp_id, disp_name, pulled_at, err_code, err, err_at) = state.unwrap_or_default();
        let mut st = conn.prepare(
            "SELECT status_code, status_name, note, created_at FROM remote_status_logs
             WHERE complaint_id = ?1 ORDER BY id",
        )?;
        let status_logs = st
            .query_map([complaint_id], |r| {
                Ok(RemoteStatusLogView {
                    status_code: r.get(0)?,
                    status_name: r.get(1)?,
                    note: r.get(2)?,
                    created_at: r.get::<_, Option<String>>(3)?.as_deref().map(parse_instant),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(LaporRemoteView {
            complaint_id,
            lapor_complaint_id: lapor_id,
            remote_maps_to: match (&code, &name) {
                (Some(c), Some(n)) => remote_maps_to(
                    &settings.mapping.status,
                    c,
                    n,
                    disp_id.as_deref(),
                    settings.institution_id.as_deref(),
                ),
                _ => None,
            },
            status_code: code,
            status_name: name,
            disposition: (disp_id.is_some() || disp_name.is_some()).then_some(
                RemoteInstitutionView {
                    id: disp_id,
                    name: disp_name,
                },
            ),
            status_logs,
            follow_ups: self.remote_follow_up_views(Some(complaint_id), false, true)?,
            pulled_at: pulled_at.as_deref().map(parse_instant),
            last_error_code: err_code,
            last_error: err,
            last_error_at: err_at.as_deref().map(parse_instant),
            open_conflict: self
                .conflict_views(actor, Some(complaint_id))?
                .into_iter()
                .next(),
        })
    }

    /// Replies of reporters nobody has marked as seen ("pelapor membalas"),
    /// oldest first, for the clerk's list.
    pub fn unseen_reporter_replies(&self, actor: &Actor) -> CoreResult<Vec<RemoteFollowUpView>> {
        require(actor, Permission::ViewRegister)?;
        self.remote_follow_up_views(None, true, actor.role.can(Permission::ViewSecret))
    }

    /// A clerk has read a reply of the reporter.
    pub fn mark_remote_follow_up_seen(&mut self, actor: &Actor, id: i64) -> CoreResult<()> {
        require(actor, Permission::ViewRegister)?;
        let cid: Option<i64> = self
            .db
            .conn
            .query_row(
                "SELECT complaint_id FROM remote_follow_ups WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(cid) = cid else {
            return Err(not_found("follow_up", id));
        };
        if self.complaint_visible(actor, cid).is_err() {
            return Err(not_found("follow_up", id));
        }
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "UPDATE remote_follow_ups SET seen_at = ?2, seen_by_name = ?3 WHERE id = ?1 AND seen_at IS NULL",
            params![id, now, actor.display_name],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn remote_follow_up_views(
        &self,
        complaint_id: Option<i64>,
        unseen_replies_only: bool,
        secret_ok: bool,
    ) -> CoreResult<Vec<RemoteFollowUpView>> {
        let mut st = self.db.conn.prepare(
            "SELECT f.id, f.complaint_id, f.lapor_followup_id, f.sender, f.institution_from_id,
                    f.institution_from_name, f.institution_to_id, f.institution_to_name, f.content,
                    f.template_code, f.rating, f.is_secret, f.attachments, f.created_at, f.fetched_at, f.seen_at
             FROM remote_follow_ups f JOIN complaints c ON c.id = f.complaint_id
             WHERE (?1 IS NULL OR f.complaint_id = ?1)
               AND (NOT ?2 OR (f.sender = 'reporter' AND f.seen_at IS NULL))
               AND (?3 OR c.is_secret = 0)
             ORDER BY f.created_at, f.id",
        )?;
        let inst = |id: Option<String>, name: Option<String>| {
            (id.is_some() || name.is_some()).then_some(RemoteInstitutionView { id, name })
        };
        let rows = st.query_map(params![complaint_id, unseen_replies_only, secret_ok], |r| {
            let sender: String = r.get(3)?;
            let attachments: String = r.get(12)?;
            let from_reporter = sender == RemoteSender::Reporter.code();
            Ok(RemoteFollowUpView {
                id: r.get(0)?,
                complaint_id: r.get(1)?,
                lapor_followup_id: r.get(2)?,
                from_reporter,
                institution_from: inst(r.get(4)?, r.get(5)?),
                institution_to: inst(r.get(6)?, r.get(7)?),
                content: r.get(8)?,
                template_code: r.get(9)?,
                rating: r.get(10)?,
                is_secret: r.get(11)?,
                attachments: serde_json::from_str(&attachments).unwrap_or_default(),
                created_at: parse_instant(&r.get::<_, String>(13)?),
                fetched_at: parse_instant(&r.get::<_, String>(14)?),
                unseen: from_reporter && r.get::<_, Option<String>>(15)?.is_none(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The cached master lists (institutions for routing, templates for answers).
    pub fn lapor_masters(&self, actor: &Actor) -> CoreResult<LaporMasters> {
        require(actor, Permission::ViewRegister)?;
        let conn = &self.db.conn;
        let mut st = conn.prepare("SELECT id, name FROM lapor_institutions ORDER BY name, id")?;
        let institutions = st
            .query_map([], |r| {
                Ok(LaporInstitution {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT template_code, title, kind, content FROM lapor_templates ORDER BY template_code",
        )?;
        let templates = st
            .query_map([], |r| {
                Ok(LaporTemplate {
                    template_code: r.get(0)?,
                    title: r.get(1)?,
                    kind: r.get(2)?,
                    content: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let meta = |what: What| -> CoreResult<(Option<String>, Option<String>, Option<String>)> {
            Ok(conn
                .query_row(
                    "SELECT fetched_at, last_error_code, last_error FROM lapor_masters WHERE what = ?1",
                    [what.code()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?
                .unwrap_or_default())
        };
        let (i_at, i_code, i_err) = meta(What::Institutions)?;
        let (t_at, t_code, t_err) = meta(What::Templates)?;
        Ok(LaporMasters {
            institutions,
            templates,
            institutions_fetched_at: i_at.as_deref().map(parse_instant),
            templates_fetched_at: t_at.as_deref().map(parse_instant),
            last_error_code: i_code.or(t_code),
            last_error: i_err.or(t_err),
        })
    }

    /// Fetch both master lists now ("Perbarui daftar" in settings), whatever
    /// their age. Failures are recorded in the lists' state, never thrown: the
    /// cached lists stay as they were.
    pub fn refresh_lapor_masters(
        &mut self,
        actor: &Actor,
        api: &dyn LaporApi,
    ) -> CoreResult<LaporMasters> {
        require(actor, Permission::EditSettings)?;
        let mut s = SyncSummary::default();
        self.pull_masters(api, None, &mut s, true)?;
        self.lapor_masters(actor)
    }
}

fn not_found(entity: &'static str, id: i64) -> CoreError {
    CoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_statuses_map_by_code_then_name() {
        let m = super::super::LaporMapping::default().status;
        assert_eq!(
            remote_maps_to(&m, "4", "Selesai", None, None),
            Some(Status::Finished)
        );
        assert_eq!(
            remote_maps_to(&m, "x", " selesai ", None, None),
            Some(Status::Finished)
        );
        assert_eq!(
            remote_maps_to(&m, "7", "?", None, None),
            Some(Status::Forwarded)
        );
        assert_eq!(
            remote_maps_to(&m, "2", "Terverifikasi", Some("103"), Some("101")),
            Some(Status::Verified)
        );
        assert_eq!(
            remote_maps_to(&m, "2", "Terverifikasi", Some("101"), Some("101")),
            Some(Status::Routed)
        );
        assert_eq!(
            remote_maps_to(&m, "99", "Menunggu Verifikasi Ulang", None, None),
            None
        );
        // The mapping is configuration: a status this deployment knows.
        let mut custom = m.clone();
        custom.insert("99".into(), Status::Postponed);
        assert_eq!(
            remote_maps_to(&custom, "99", "Menunggu Verifikasi Ulang", None, None),
            Some(Status::Postponed)
        );
    }

    #[test]
    fn conflicts_are_decisions_not_pace() {
        use ConflictKind::*;
        use Status as S;
        // Progress at a different pace is not a conflict, even with unsent work.
        assert_eq!(conflict_kind(S::InFollowUp, Some(S::Verified), 0), None);
        assert_eq!(
            conflict_kind(S::WaitingReporter, Some(S::InFollowUp), 2),
            None
        );
        assert_eq!(conflict_kind(S::Finished, Some(S::Finished), 1), None);
        // Decisions are.
        assert_eq!(
            conflict_kind(S::InFollowUp, Some(S::Finished), 0),
            Some(RemoteDecision)
        );
        assert_eq!(
            conflict_kind(S::WaitingReporter, Some(S::Rejected), 1),
            Some(UnsentLocalChange)
        );
        assert_eq!(
            conflict_kind(S::Finished, Some(S::Forwarded), 0),
            Some(RemoteDecision)
        );
        assert_eq!(
            conflict_kind(S::Received, Some(S::Postponed), 0),
            Some(RemoteDecision)
        );
        // Reopened remotely while closed here.
        assert_eq!(
            conflict_kind(S::Finished, Some(S::InFollowUp), 0),
            Some(RemoteDecision)
        );
        // Unknown statuses always ask a person.
        assert_eq!(conflict_kind(S::Received, None, 0), Some(UnknownStatus));
        for k in [RemoteDecision, UnsentLocalChange, UnknownStatus] {
            assert_eq!(ConflictKind::from_code(k.code()), Some(k));
        }
    }

    #[test]
    fn accepting_remote_uses_a_legal_action() {
        assert_eq!(
            accept_action(Status::WaitingReporter, Status::Finished),
            Some(Action::Finish)
        );
        assert_eq!(
            accept_action(Status::Received, Status::Rejected),
            Some(Action::Reject)
        );
        assert_eq!(
            accept_action(Status::Routed, Status::Forwarded),
            Some(Action::Forward)
        );
        assert_eq!(
            accept_action(Status::Finished, Status::InFollowUp),
            Some(Action::Reopen)
        );
        assert_eq!(accept_action(Status::InFollowUp, Status::Rejected), None);
        assert_eq!(accept_action(Status::Archived, Status::Finished), None);
    }

    #[test]
    fn texts_match_across_reflowed_whitespace() {
        assert!(same_text(
            "Obat  sudah\r\ntersedia. ",
            "Obat sudah tersedia."
        ));
        assert!(!same_text("Obat sudah tersedia", "Obat belum tersedia"));
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
