//! EFFECT: WAL checkpoints off the commit path (issue 7, intake p99).
//!
//! SQLite's automatic checkpoint runs *inside* the commit that takes the
//! write-ahead log past 1 000 pages: that user's call copies every page
//! changed since the last checkpoint into the database file and syncs it. At
//! 1 M complaints an intake writes ~100 pages, so about one intake in twelve
//! paid for a checkpoint (docs/benchmarks.md, fifth pass).
//!
//! Here the store's connection gets a WAL hook instead (it replaces the
//! automatic checkpoint): after each commit it only compares the log's size
//! with two limits.
//! - Past [`SOFT_PAGES`] it wakes a background thread that runs a PASSIVE
//!   checkpoint on a connection of its own (opened when first needed, with the
//!   store's key and pragmas). PASSIVE never waits for readers or writers, so
//!   the clerk's next write does not wait for it either.
//! - Past [`HARD_PAGES`] (the thread cannot open its connection, keeps
//!   failing, or a long write burst outruns it) the committing connection
//!   checkpoints itself, PASSIVE, as SQLite would have: the log stays bounded
//!   whatever happens to the thread.
//!
//! A checkpoint never fails a write: the hook always answers OK (its commit is
//! already durable), errors are counted in [`CheckpointStats`]. Durability is
//! unchanged: with `synchronous = FULL` a commit is on disk when its WAL frames
//! are synced; a checkpoint only copies committed pages into the database
//! file and syncs it before the log is reused. After the log is reset, a file
//! that grew past [`JOURNAL_SIZE_LIMIT`] is cut back to it.
//!
//! The background connection is a second connection to the store: code that
//! needs the store to itself (restoring a backup, re-keying) calls
//! [`Checkpointer::stop`] first (`Db::pause_checkpoints`), which closes it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, MAIN_DB};
use serde::Serialize;
use zeroize::Zeroizing;

/// WAL pages after which the background thread is woken (SQLite's own
/// automatic checkpoint threshold).
pub const SOFT_PAGES: i32 = 1000;
/// WAL pages after which the committing connection checkpoints itself
/// (~32 MiB of 4 KiB pages).
pub const HARD_PAGES: i32 = 8000;
/// Frames committed after a checkpoint began, too few to make the next one
/// due, are copied this long afterwards, so the end of a burst of writes is
/// in the database file too and the next write can start the log afresh.
const TAIL_DELAY: Duration = Duration::from_millis(100);
/// Bytes the WAL file is cut back to when the log is reset after it grew
/// larger (a bulk import in one transaction).
pub const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// What the checkpoints of one store connection did since it was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckpointStats {
    /// Checkpoints run by the background thread.
    pub background: u64,
    /// Checkpoints the committing connection ran itself (past `HARD_PAGES`).
    pub inline: u64,
    /// Checkpoints skipped because another one was running (not a failure).
    pub busy: u64,
    /// Checkpoints (or background connections) that failed.
    pub failed: u64,
    /// The last failure, for logs and tests.
    pub last_error: Option<String>,
}

#[derive(Default)]
struct State {
    /// The log passed `SOFT_PAGES` since the thread last started a checkpoint.
    due: bool,
    /// A checkpoint is running in the thread.
    busy: bool,
    /// Frames were committed after the last checkpoint began (too few to
    /// make one due): one more runs `TAIL_DELAY` later.
    tail: bool,
    /// WAL frames the last background checkpoint had copied (0 once the
    /// log is seen below the soft limit again: it was reset).
    backfilled: i32,
    stop: bool,
    thread: Option<JoinHandle<()>>,
    stats: CheckpointStats,
}

struct Inner {
    path: PathBuf,
    key: Zeroizing<String>,
    soft: i32,
    hard: i32,
    state: Mutex<State>,
    wake: Condvar,
}

/// The checkpoints of one store connection. Dropping it stops the thread
/// (and closes its connection).
pub struct Checkpointer {
    inner: Arc<Inner>,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Checkpointer {
    /// Install the hook on `conn` (the store at `path`, opened with `hex_key`).
    pub fn attach(conn: &mut Connection, path: &Path, hex_key: &str) -> rusqlite::Result<Self> {
        Self::attach_with(conn, path, hex_key, SOFT_PAGES, HARD_PAGES)
    }

    pub(crate) fn attach_with(
        conn: &mut Connection,
        path: &Path,
        hex_key: &str,
        soft: i32,
        hard: i32,
    ) -> rusqlite::Result<Self> {
        let inner = Arc::new(Inner {
            path: path.to_owned(),
            key: Zeroizing::new(hex_key.to_owned()),
            soft,
            hard,
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
        let hook = inner.clone();
        conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
            if pages >= hook.hard {
                // The committing call pays, as with SQLite's own checkpoint;
                // its result does not change the commit's.
                let r = wal.checkpoint_v2(CheckpointMode::PASSIVE);
                let mut s = lock(&hook.state);
                match r {
                    Ok(_) => s.stats.inline += 1,
                    Err(e) => note_error(&mut s, "inline", e),
                }
            } else {
                Inner::committed(&hook, pages);
            }
            Ok(())
        }))?;
        Ok(Checkpointer { inner })
    }

    pub fn stats(&self) -> CheckpointStats {
        lock(&self.inner.state).stats.clone()
    }

    /// Wait until no background checkpoint is due or running (tests, the
    /// bench); false when `timeout` passed first.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let mut s = lock(&self.inner.state);
        while (s.due || s.busy || s.tail) && s.thread.is_some() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            s = self
                .inner
                .wake
                .wait_timeout(s, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }

    /// Stop the thread and close its connection (a running checkpoint ends
    /// first). The hook stays: commits past `HARD_PAGES` still checkpoint.
    pub fn stop(&self) {
        let thread = {
            let mut s = lock(&self.inner.state);
            s.stop = true;
            s.due = false;
            s.tail = false;
            s.thread.take()
        };
        self.inner.wake.notify_all();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn note_error(s: &mut State, what: &str, e: rusqlite::Error) {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        s.stats.busy += 1;
    } else {
        note_failure(s, format!("{what}: {e}"));
    }
}

fn note_failure(s: &mut State, e: String) {
    s.stats.failed += 1;
    s.stats.last_error = Some(e);
}

impl Inner {
    /// Called by the hook after a commit that left `pages` frames in the
    /// log. Past the soft limit a checkpoint is due, unless the last one
    /// copied all but a few of them: while the writer keeps writing, the log
    /// cannot be reset (that needs a write that starts after a checkpoint
    /// copied everything), and checkpointing every commit would only add
    /// syncs. The writer's own checkpoint at the hard limit resets it then.
    fn committed(this: &Arc<Inner>, pages: i32) {
        let mut s = lock(&this.state);
        if pages < this.soft {
            s.backfilled = 0;
            return;
        }
        if s.stop || s.due {
            return;
        }
        if pages - s.backfilled < this.soft / 2 {
            if !s.tail && s.thread.is_some() {
                s.tail = true;
                drop(s);
                this.wake.notify_all();
            }
            return;
        }
        s.due = true;
        if s.thread.is_none() {
            let me = this.clone();
            match std::thread::Builder::new()
                .name("posko-checkpoint".into())
                .spawn(move || me.run())
            {
                Ok(t) => s.thread = Some(t),
                Err(e) => note_failure(&mut s, format!("thread: {e}")),
            }
        }
        drop(s);
        this.wake.notify_all();
    }

    fn open(&self) -> Result<Connection, String> {
        let conn = crate::db::connect(&self.path, &self.key).map_err(|e| e.to_string())?;
        // It reads no table: a small page cache is enough.
        conn.pragma_update(None, "cache_size", 16)
            .map_err(|e| e.to_string())?;
        Ok(conn)
    }

    fn run(&self) {
        let mut conn: Option<Connection> = None;
        loop {
            let before = {
                let mut s = lock(&self.state);
                loop {
                    if s.stop {
                        return;
                    }
                    if s.due {
                        break;
                    }
                    if s.tail {
                        let (g, waited) = self
                            .wake
                            .wait_timeout_while(s, TAIL_DELAY, |s| !s.stop && !s.due)
                            .unwrap_or_else(|p| p.into_inner());
                        s = g;
                        if waited.timed_out() {
                            break;
                        }
                        continue;
                    }
                    s = self.wake.wait(s).unwrap_or_else(|p| p.into_inner());
                }
                s.due = false;
                s.tail = false;
                s.busy = true;
                s.backfilled
            };
            if conn.is_none() {
                match self.open() {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        let mut s = lock(&self.state);
                        note_failure(&mut s, format!("background connection: {e}"));
                        s.busy = false;
                        drop(s);
                        self.wake.notify_all();
                        continue;
                    }
                }
            }
            let r = conn
                .as_ref()
                .map(|c| c.wal_checkpoint_v2(Some(MAIN_DB), CheckpointMode::PASSIVE));
            let mut s = lock(&self.state);
            match r {
                Some(Ok((log, copied))) => {
                    s.stats.background += 1;
                    s.backfilled = copied;
                    // Frames came in meanwhile: copy them later too, unless
                    // nothing could be copied (a reader holds them).
                    s.tail |= copied < log && copied > before;
                }
                Some(Err(e)) => note_error(&mut s, "background", e),
                None => {}
            }
            s.busy = false;
            drop(s);
            self.wake.notify_all();
        }
    }
}

impl crate::app::Posko {
    /// What the store's WAL checkpoints did since it was opened.
    pub fn checkpoint_stats(&self) -> CheckpointStats {
        self.db.checkpoints.stats()
    }

    /// Wait until no background checkpoint is due or running (tests, the
    /// bench); false when `timeout` passed first.
    pub fn wait_for_checkpoints(&self, timeout: Duration) -> bool {
        self.db.checkpoints.wait_idle(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        "11".repeat(32)
    }

    /// A store-like encrypted file with a table to write to.
    fn store(dir: &Path) -> Connection {
        let c = crate::db::connect(&dir.join("t.db"), &key()).unwrap();
        c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
            .unwrap();
        c
    }

    /// Each commit writes ~3 pages (a 8 KiB value).
    fn write(c: &Connection, n: usize) {
        for _ in 0..n {
            c.execute("INSERT INTO t (v) VALUES (zeroblob(8000))", [])
                .unwrap();
        }
    }

    fn wal_pages(dir: &Path) -> u64 {
        let len = std::fs::metadata(dir.join("t.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
        len.saturating_sub(32) / (4096 + 24)
    }

    #[test]
    fn the_background_thread_keeps_the_wal_near_the_soft_limit() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = store(dir.path());
        let ck =
            Checkpointer::attach_with(&mut c, &dir.path().join("t.db"), &key(), 100, 2000).unwrap();
        for _ in 0..20 {
            write(&c, 50);
            assert!(ck.wait_idle(Duration::from_secs(10)));
        }
        let s = ck.stats();
        assert!(s.background >= 5, "{s:?}");
        assert_eq!((s.inline, s.failed), (0, 0), "{s:?}");
        // Waiting between bursts, the log is reset each time: its file
        // never held much more than the soft limit and a burst.
        assert!(
            wal_pages(dir.path()) < 100 + 50 * 4,
            "{}",
            wal_pages(dir.path())
        );
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1000);
    }

    #[test]
    fn a_failing_background_checkpoint_fails_no_write_and_the_wal_stays_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = store(dir.path());
        // The thread's connection cannot open: wrong key.
        let ck =
            Checkpointer::attach_with(&mut c, &dir.path().join("t.db"), &"22".repeat(32), 100, 400)
                .unwrap();
        write(&c, 1500);
        assert!(ck.wait_idle(Duration::from_secs(10)));
        let s = ck.stats();
        assert!(s.failed > 0, "{s:?}");
        assert!(
            s.last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("background connection")),
            "{s:?}"
        );
        assert_eq!(s.background, 0);
        assert!(s.inline > 0, "the writer checkpointed itself: {s:?}");
        // Bounded near the hard limit (1 500 commits wrote ~4 500 pages).
        // Not to the page: each failing open reads the file and can hold
        // the log for a moment just when the writer checkpoints, so that
        // reset waits for the next commit (seen on a loaded machine).
        assert!(
            wal_pages(dir.path()) <= 2 * 400,
            "{}",
            wal_pages(dir.path())
        );
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1500, "every write committed");
    }

    #[test]
    fn a_reader_holding_the_log_fails_no_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = store(dir.path());
        let ck =
            Checkpointer::attach_with(&mut c, &dir.path().join("t.db"), &key(), 50, 200).unwrap();
        write(&c, 10);
        // A reader's snapshot keeps every later frame in the log.
        let reader = crate::db::connect(&dir.path().join("t.db"), &key()).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let _: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        write(&c, 200);
        assert!(ck.wait_idle(Duration::from_secs(10)));
        reader.execute_batch("COMMIT").unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 210);
        assert_eq!(ck.stats().failed, 0, "{:?}", ck.stats());
    }

    #[test]
    fn stop_closes_the_background_connection_and_the_hard_limit_still_holds() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = store(dir.path());
        let ck =
            Checkpointer::attach_with(&mut c, &dir.path().join("t.db"), &key(), 50, 300).unwrap();
        write(&c, 100);
        assert!(ck.wait_idle(Duration::from_secs(10)));
        assert!(lock(&ck.inner.state).thread.is_some());
        ck.stop();
        assert!(lock(&ck.inner.state).thread.is_none());
        // Only this connection is left: switching the journal mode (what a
        // key rotation does) works.
        let mode: String = c
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        let _: String = c
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        let before = ck.stats().inline;
        write(&c, 400);
        assert!(ck.stats().inline > before);
        assert!(wal_pages(dir.path()) <= 300 + 4);
    }
}
