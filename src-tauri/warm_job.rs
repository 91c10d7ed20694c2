//! The monev cache is filled in the background: shortly after sign-in and after a
//! change of the calendar or the office settings (which drops every cached
//! row), a thread with its own connection counts the current year once
//! (`Posko::warm_monev_cache`), so the head of office opening the dashboard
//! or printing the period report does not wait for every complaint to be
//! read (seconds at a million complaints). One run at a time; a request
//! during a run makes one more run after it. A failure only leaves the cache
//! as it was: the dashboard then counts row by row, as it always can.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use posko_core::CoreResult;

use crate::state::Shared;

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
/// Running, and asked again meanwhile.
const AGAIN: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(IDLE);

/// After sign-in the first screens (Today, the register) get the disk and
/// the CPUs first: on a big store a run reads for seconds.
const AFTER_SIGN_IN: Duration = Duration::from_secs(15);

/// Ask for a run now (returns at once).
pub fn request(shared: &Shared) {
    start(shared, Duration::ZERO);
}

/// Ask for a run a little after a sign-in (returns at once).
pub fn request_after_sign_in(shared: &Shared) {
    start(shared, AFTER_SIGN_IN);
}

fn start(shared: &Shared, delay: Duration) {
    if STATE
        .compare_exchange(IDLE, RUNNING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        STATE.store(AGAIN, Ordering::Release);
        return;
    }
    let shared = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("posko-monev-cache".into())
        .spawn(move || {
            std::thread::sleep(delay);
            loop {
                let _ = run_once(&shared);
                crate::memory::after_work();
                // AGAIN → one more run; RUNNING → done.
                if STATE
                    .compare_exchange(AGAIN, RUNNING, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    STATE.store(IDLE, Ordering::Release);
                    break;
                }
            }
        });
    if spawned.is_err() {
        STATE.store(IDLE, Ordering::Release);
    }
}

/// One run on a connection of its own (the UI's stays free).
pub fn run_once(shared: &Shared) -> CoreResult<()> {
    let p = shared.open_own()?;
    p.warm_monev_cache()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_rows(shared: &Shared) -> i64 {
        let g = shared.store();
        let p = g.as_ref().unwrap();
        p.connection()
            .query_row("SELECT count(*) FROM monev_month_cache", [], |r| r.get(0))
            .unwrap()
    }

    /// A request fills the cache from a thread of its own while the app's
    /// connection stays usable, and requests during a run are not lost.
    #[test]
    fn a_request_fills_the_monev_cache_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let shared = Shared::open(dir.path().to_path_buf());
        shared.set_up_with(60);
        assert_eq!(cache_rows(&shared), 0);
        request(&shared);
        request(&shared);
        let t = std::time::Instant::now();
        while STATE.load(Ordering::Acquire) != IDLE {
            assert!(t.elapsed().as_secs() < 60, "the run never ended");
            // The app's own connection is free meanwhile.
            assert!(cache_rows(&shared) >= 0);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(cache_rows(&shared) > 0);
        // A run over a filled cache keeps it.
        run_once(&shared).unwrap();
        assert!(cache_rows(&shared) > 0);
    }
}
