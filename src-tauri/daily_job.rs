//! The daily encrypted backup and the identity retention period, in the
//! background on a connection of their own: checked at start, every hour
//! and right after each sign-in (`Posko::backup_if_due` takes one when the
//! office day has none yet; `Posko::apply_retention` does nothing when the
//! period is 0, the default). On its own connection because a copy of a big
//! store takes long (about a minute at a million complaints) and must not
//! hold the app's store lock meanwhile: the copy is one read snapshot
//! (SQLite's backup API in one step), so clerks go on writing. A restore
//! started during a copy is refused as "store in use" and can be retried.

use std::sync::OnceLock;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use posko_core::Actor;

use crate::state::Shared;

const EVERY: Duration = Duration::from_secs(3600);

static WAKE: OnceLock<Sender<()>> = OnceLock::new();

/// Start the job (once, at app start): a first check now.
pub fn spawn(shared: Shared) {
    let (tx, rx) = mpsc::channel::<()>();
    if WAKE.set(tx).is_err() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("posko-daily".into())
        .spawn(move || {
            loop {
                run_once(&shared);
                crate::memory::after_work();
                match rx.recv_timeout(EVERY) {
                    Ok(()) | Err(RecvTimeoutError::Timeout) => {
                        // Several wake-ups while a copy ran: one more check.
                        while rx.try_recv().is_ok() {}
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        });
}

/// Check now (after a sign-in: the machine may have been off when the day's
/// backup was due). Returns at once.
pub fn wake() {
    if let Some(tx) = WAKE.get() {
        let _ = tx.send(());
    }
}

/// One check. Nothing when the store is not set up or cannot be opened (the
/// app shows why); a failure is logged without the data and retried in an
/// hour.
pub fn run_once(shared: &Shared) {
    let Ok(mut p) = shared.open_own() else {
        return;
    };
    if let Err(e) = p.backup_if_due() {
        eprintln!("posko: daily backup failed: {}", e.code());
    }
    if let Err(e) = p.apply_retention(&Actor::system()) {
        eprintln!("posko: retention failed: {}", e.code());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use posko_core::backup::BackupKind;

    fn dailies(shared: &Shared) -> usize {
        let g = shared.store();
        let p = g.as_ref().unwrap();
        p.backups()
            .unwrap()
            .iter()
            .filter(|b| b.kind == BackupKind::Daily)
            .count()
    }

    /// The day's copy is taken on a connection of its own while the app
    /// holds its store (as a command would), once a day.
    #[test]
    fn the_daily_backup_runs_without_the_apps_store_lock() {
        let dir = tempfile::tempdir().unwrap();
        let shared = Shared::open(dir.path().to_path_buf());
        // Not set up yet: nothing, no error.
        run_once(&shared);
        assert_eq!(dailies(&shared), 0);
        shared.set_up_with(20);
        {
            // The app's lock held during the whole run.
            let _held = shared.store();
            run_once(&shared);
        }
        assert_eq!(dailies(&shared), 1);
        run_once(&shared);
        assert_eq!(dailies(&shared), 1, "one a day");
    }
}
