//! Sync runs in the background: one at a time, on a thread of its own with
//! its own connection to the store, so a clerk keeps working while reports go
//! out (SQLite WAL lets the UI read and write between the run's short
//! transactions). A timer starts runs automatically once a person has seen
//! the sync preview. The UI polls `sync_overview` for progress.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use posko_core::CoreResult;
use posko_core::error::ErrorPayload;
use posko_core::keychain::OsKeychain;
use posko_core::sync::SyncSummary;
use posko_core::sync::plan::PlanOptions;
use serde::Serialize;
use ts_rs::TS;

use crate::state::Shared;

/// The background job as the UI sees it.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct SyncJobView {
    pub running: bool,
    /// The running (or last) job was started by the timer, not a person.
    pub automatic: bool,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Outbox items waiting when the running job started (for a progress bar).
    pub queued_at_start: u32,
    pub last_summary: Option<SyncSummary>,
    pub last_error: Option<ErrorPayload>,
    /// Did the last run reach the server? `None` before the first run.
    pub reachable: Option<bool>,
}

#[derive(Default)]
pub struct SyncJobs {
    view: Mutex<SyncJobView>,
    cancel: Mutex<Option<Arc<AtomicBool>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A run that moved nothing and only met transport failures means "offline".
fn reached_server(s: &SyncSummary) -> bool {
    s.sent + s.adopted + s.pulled > 0 || (s.retried == 0 && s.pull_failed == 0 && s.unknown == 0)
}

impl SyncJobs {
    pub fn view(&self) -> SyncJobView {
        lock(&self.view).clone()
    }

    pub fn cancel(&self) {
        if let Some(c) = lock(&self.cancel).as_ref() {
            c.store(true, Ordering::Relaxed);
        }
    }

    /// Start a run unless one is going; returns the job as it now stands.
    pub fn start(shared: &Shared, automatic: bool, queued: u32) -> SyncJobView {
        let jobs = &shared.0.sync;
        {
            let mut v = lock(&jobs.view);
            if v.running {
                return v.clone();
            }
            v.running = true;
            v.automatic = automatic;
            v.started_at = Some(Utc::now());
            v.finished_at = None;
            v.queued_at_start = queued;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        *lock(&jobs.cancel) = Some(cancel.clone());
        let sh = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("posko-sync".into())
            .spawn(move || {
                let result = run_once(&sh, &cancel, !automatic);
                crate::memory::after_work();
                let lang = sh.lang();
                let jobs = &sh.0.sync;
                let mut v = lock(&jobs.view);
                v.running = false;
                v.finished_at = Some(Utc::now());
                match result {
                    Ok(summary) => {
                        v.reachable = Some(reached_server(&summary));
                        v.last_summary = Some(summary);
                        v.last_error = None;
                    }
                    Err(e) => {
                        v.reachable = Some(false);
                        v.last_error = Some(e.payload(lang));
                    }
                }
                *lock(&jobs.cancel) = None;
            });
        if spawned.is_err() {
            let mut v = lock(&jobs.view);
            v.running = false;
        }
        jobs.view()
    }
}

/// One run on a connection of its own. A person pressing "Sinkronkan
/// sekarang" means now: items waiting on their back-off go too.
fn run_once(shared: &Shared, cancel: &AtomicBool, retry_now: bool) -> CoreResult<SyncSummary> {
    let mut p = shared.open_own()?;
    let api = p.lapor_client(&OsKeychain::new())?;
    p.sync_run_with(&api, Some(cancel), PlanOptions { retry_now })
}

/// The timer: every minute, start a run when one is due. Due means: set up,
/// the preview was confirmed, automatic sync is on, and either the interval
/// has passed or the last run could not reach the server (so the queue goes
/// out soon after the connection returns).
pub fn spawn_timer(shared: Shared) {
    let _ = std::thread::Builder::new()
        .name("posko-sync-timer".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(60));
                if let Some(queued) = due(&shared) {
                    SyncJobs::start(&shared, true, queued);
                }
            }
        });
}

fn due(shared: &Shared) -> Option<u32> {
    let view = shared.0.sync.view();
    if view.running {
        return None;
    }
    let (settings, queued) = {
        let g = shared.store();
        let p = g.as_ref().ok()?;
        let c = p.outbox_counts().ok()?;
        (p.lapor_settings().ok()?, c.pending + c.sending + c.unknown)
    };
    settings.base_url.as_ref()?;
    settings.preview_confirmed_at?;
    if settings.auto_sync_minutes == 0 {
        return None;
    }
    let Some(last) = view.finished_at else {
        return Some(queued);
    };
    let since = Utc::now() - last;
    let interval = chrono::Duration::minutes(settings.auto_sync_minutes.into());
    let offline_with_work = view.reachable == Some(false) && queued > 0;
    (since >= interval || (offline_with_work && since >= chrono::Duration::minutes(1)))
        .then_some(queued)
}
