//! EFFECT: the process's heap (glibc malloc). With 1 M complaints, idle
//! with the register shown, the app process held 120–220 MB of heap of
//! which ~42 MB was in use (the SQLCipher page cache, 32 MiB, most of it):
//! glibc gives each thread that allocates an arena of its own (up to 8 per
//! CPU), and what the threads of commands and background jobs (monev cache
//! warm-up, sync, checkpoints) freed stayed in theirs (docs/benchmarks.md,
//! fifth pass).
//! - `at_start` (first thing in `run`, before any thread) caps the arenas
//!   at `ARENA_MAX`, so freed memory is reused across threads.
//! - `after_work` is called when a command or a background job ends; once
//!   nothing has ended for `IDLE`, one `malloc_trim(0)` returns the free
//!   pages of every arena. Never on a command's path.
//!
//! Both are no-ops where the allocator is not glibc's.

use std::sync::OnceLock;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

/// Quiet time after the last piece of work before the heap is trimmed.
const IDLE: Duration = Duration::from_secs(2);
/// glibc malloc arenas (its default: 8 per CPU).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENA_MAX: i32 = 2;

/// Before any thread starts: at most `ARENA_MAX` malloc arenas.
pub fn at_start() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before the
    // app starts its threads.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX);
    }
}

static WORK: OnceLock<Sender<()>> = OnceLock::new();

/// A command or a background job has ended.
pub fn after_work() {
    let _ = WORK.get_or_init(|| spawn(IDLE, trim)).send(());
}

/// The thread: after each burst of `after_work` calls, once `idle` passed
/// without another, `release` once.
fn spawn(idle: Duration, mut release: impl FnMut() + Send + 'static) -> Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    let _ = std::thread::Builder::new()
        .name("posko-heap-trim".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                loop {
                    match rx.recv_timeout(idle) {
                        Ok(()) => continue,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                release();
            }
        });
    tx
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes no pointer; it only returns free pages of
    // the allocator's own arenas to the kernel, under the arenas' locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    #[test]
    fn the_heap_is_trimmed_once_after_a_quiet_moment_never_during_work() {
        let n = Arc::new(AtomicUsize::new(0));
        let seen = n.clone();
        let tx = spawn(Duration::from_millis(150), move || {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        let t = Instant::now();
        // Work keeps ending every 50 ms for 0.5 s: no trim meanwhile.
        while t.elapsed() < Duration::from_millis(500) {
            tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(n.load(Ordering::SeqCst), 0);
        }
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(n.load(Ordering::SeqCst), 1, "one trim after the burst");
        tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(n.load(Ordering::SeqCst), 2, "and one after the next");
    }

    #[test]
    fn trimming_the_real_heap_is_harmless() {
        let v: Vec<Vec<u8>> = (0..1000).map(|i| vec![i as u8; 10_000]).collect();
        drop(v);
        trim();
        after_work();
    }
}
