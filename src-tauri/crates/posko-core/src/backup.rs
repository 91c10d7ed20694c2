//! Backups of the encrypted store, so a bad sync (later: a bad migration, a
//! bad day) can be undone.
//!
//! A backup is an online copy made with SQLite's backup API from the open
//! connection — never a file copy of a live database, which could catch the
//! main file and its WAL out of step. The copy is a SQLCipher database under
//! the store's own key: it is as unreadable without the keychain as the store.
//!
//! Layout: `<store dir>/backups/<kind>-<UTC yyyymmddThhmmssmmmZ>[-<n>].db`,
//! e.g. `pre-sync-20261123T081500123Z.db`; `-<n>` only when two copies of one
//! kind are taken in the same millisecond. A copy is written under
//! `<name>.partial` and renamed when complete, so a crash never leaves half a
//! backup under a real name. Each kind keeps its newest few copies.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::Posko;
use crate::error::{CoreError, CoreResult};

/// Directory under the store directory.
pub const BACKUP_DIR: &str = "backups";
/// Copies kept per kind unless the caller says otherwise.
pub const DEFAULT_KEEP: usize = 5;

const EXT: &str = ".db";
const PARTIAL: &str = ".partial";
const STAMP: &str = "%Y%m%dT%H%M%S%3fZ";
/// A `.partial` older than this was left by a crash (no copy takes that long).
const STALE_PARTIAL: Duration = Duration::from_secs(15 * 60);

/// Why a copy was taken; each kind has its own name prefix and retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// Before a sync run that may change local data (taken by `sync_run`).
    PreSync,
    /// The day's copy (not taken automatically yet).
    Daily,
    /// Before a schema migration (not taken automatically yet).
    PreMigration,
}

impl BackupKind {
    pub const ALL: [BackupKind; 3] = [
        BackupKind::PreSync,
        BackupKind::Daily,
        BackupKind::PreMigration,
    ];

    /// File name prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            BackupKind::PreSync => "pre-sync",
            BackupKind::Daily => "daily",
            BackupKind::PreMigration => "pre-migration",
        }
    }
}

/// One backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub kind: BackupKind,
    pub path: PathBuf,
    /// The store's clock when the copy was taken (from the file name).
    pub taken_at: DateTime<Utc>,
    /// 0, or the tie-breaker of copies taken in the same millisecond.
    pub seq: u32,
    pub bytes: u64,
}

/// `<store dir>/backups`.
pub fn backup_dir(store_dir: &Path) -> PathBuf {
    store_dir.join(BACKUP_DIR)
}

fn file_name(kind: BackupKind, at: DateTime<Utc>, seq: u32) -> String {
    let stamp = at.format(STAMP);
    if seq == 0 {
        format!("{}-{stamp}{EXT}", kind.prefix())
    } else {
        format!("{}-{stamp}-{seq}{EXT}", kind.prefix())
    }
}

/// `(kind, taken_at, seq)` of a backup file name; `None` for anything else.
pub fn parse_name(name: &str) -> Option<(BackupKind, DateTime<Utc>, u32)> {
    let stem = name.strip_suffix(EXT)?;
    BackupKind::ALL.into_iter().find_map(|kind| {
        let rest = stem.strip_prefix(kind.prefix())?.strip_prefix('-')?;
        let (stamp, seq) = match rest.split_once('-') {
            Some((stamp, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                (stamp, n.parse().ok()?)
            }
            Some(_) => return None,
            None => (rest, 0),
        };
        let at = NaiveDateTime::parse_from_str(stamp, STAMP).ok()?.and_utc();
        Some((kind, at, seq))
    })
}

/// Every backup in the store directory, newest first (by time, then seq).
pub fn list(store_dir: &Path) -> CoreResult<Vec<BackupInfo>> {
    let dir = backup_dir(store_dir);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some((kind, taken_at, seq)) = name.to_str().and_then(parse_name) else {
            continue;
        };
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        out.push(BackupInfo {
            kind,
            path: entry.path(),
            taken_at,
            seq,
            bytes: meta.len(),
        });
    }
    out.sort_by_key(|b| std::cmp::Reverse((b.taken_at, b.seq)));
    Ok(out)
}

/// Delete all but the newest `keep` backups of `kind`; returns what was deleted.
pub fn prune(store_dir: &Path, kind: BackupKind, keep: usize) -> CoreResult<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for old in list(store_dir)?
        .into_iter()
        .filter(|b| b.kind == kind)
        .skip(keep)
    {
        fs::remove_file(&old.path)?;
        removed.push(old.path);
    }
    Ok(removed)
}

/// Copy the database open on `conn` into a new encrypted file under
/// `<store dir>/backups/`, keyed with `hex_key` (the store's raw key).
pub fn take(
    conn: &Connection,
    store_dir: &Path,
    hex_key: &str,
    kind: BackupKind,
    at: DateTime<Utc>,
) -> CoreResult<BackupInfo> {
    let dir = backup_dir(store_dir);
    fs::create_dir_all(&dir)?;
    remove_stale_partials(&dir);
    let (path, seq) = (0u32..)
        .map(|seq| (dir.join(file_name(kind, at, seq)), seq))
        .find(|(p, _)| !p.exists() && !partial_of(p).exists())
        .expect("an unused sequence number exists");
    let partial = partial_of(&path);
    if let Err(e) = copy_into(conn, &partial, hex_key) {
        let _ = fs::remove_file(&partial);
        return Err(e);
    }
    // Durable before it gets its real name, and the name durable after.
    fs::File::open(&partial)?.sync_all()?;
    fs::rename(&partial, &path)?;
    sync_dir(&dir);
    let bytes = fs::metadata(&path)?.len();
    Ok(BackupInfo {
        kind,
        path,
        taken_at: at,
        seq,
        bytes,
    })
}

fn partial_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(PARTIAL);
    PathBuf::from(s)
}

fn copy_into(src: &Connection, dest: &Path, hex_key: &str) -> CoreResult<()> {
    let mut dst = Connection::open(dest)?;
    // Same raw key as the store (see db::connect): the copy is encrypted the same way.
    let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{hex_key}'\";"));
    dst.execute_batch(&pragma)?;
    {
        let backup = Backup::new(src, &mut dst)?;
        // All pages in one step (one read snapshot of the source). Busy or
        // locked can only come from another process writing the schema; wait a little.
        let mut waits = 0;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked if waits < 100 => {
                    waits += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                StepResult::Busy | StepResult::Locked => {
                    return Err(CoreError::StoreLocked);
                }
                // StepResult is non-exhaustive; anything new: step again.
                _ => {}
            }
        }
    }
    // The copy inherits the store's WAL flag; one self-contained file is
    // easier to keep, move and restore.
    let _: String = dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    dst.close().map_err(|(_, e)| CoreError::from(e))?;
    Ok(())
}

/// A `.partial` left by a crash (or a killed process) is garbage; a fresh one
/// may belong to another process taking a copy right now, so it stays.
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_partial = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.ends_with(PARTIAL));
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_PARTIAL);
        if is_partial && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

impl Posko {
    /// Take a copy of the store now and keep the newest `keep` (at least 1)
    /// of its kind.
    pub fn take_backup(&self, kind: BackupKind, keep: usize) -> CoreResult<BackupInfo> {
        let info = take(&self.db.conn, &self.db.dir, &self.db.key, kind, self.now())?;
        prune(&self.db.dir, kind, keep.max(1))?;
        Ok(info)
    }

    /// The store's backups, newest first.
    pub fn backups(&self) -> CoreResult<Vec<BackupInfo>> {
        list(&self.db.dir)
    }

    /// Before a sync run: a copy if the run may change local data (the
    /// outbox has work, or sent reports are still open and their status may
    /// come back changed); `None` when there is nothing the run could change.
    pub(crate) fn backup_before_sync(&self) -> CoreResult<Option<BackupInfo>> {
        let may_change: bool = self.db.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE state IN ('pending', 'sending', 'unknown'))
                 OR EXISTS (SELECT 1 FROM complaints WHERE lapor_complaint_id IS NOT NULL AND is_open = 1)",
            [],
            |r| r.get(0),
        )?;
        if !may_change {
            return Ok(None);
        }
        self.take_backup(BackupKind::PreSync, DEFAULT_KEEP)
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_round_trip_and_order() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 15, 0).unwrap()
            + chrono::Duration::milliseconds(123);
        let n = file_name(BackupKind::PreSync, at, 0);
        assert_eq!(n, "pre-sync-20261123T081500123Z.db");
        assert_eq!(parse_name(&n), Some((BackupKind::PreSync, at, 0)));
        let n2 = file_name(BackupKind::PreMigration, at, 12);
        assert_eq!(n2, "pre-migration-20261123T081500123Z-12.db");
        assert_eq!(parse_name(&n2), Some((BackupKind::PreMigration, at, 12)));
        for bad in [
            "pre-sync-20261123T081500123Z.db.partial",
            "pre-sync-.db",
            "pre-sync-20261123T081500123Z-x.db",
            "posko.db",
            "daily-2026.db",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }
}
