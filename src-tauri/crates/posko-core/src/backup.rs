//! Backups of the encrypted store, so a bad sync, a bad migration or a bad
//! day can be undone: before every sync run that may change data
//! (`backup_before_sync`), before every migration of an existing store
//! (`db::open`), once a day (`backup_if_due`, called by the shell at start
//! and hourly) and before a restore. Each kind keeps the newest
//! `SecuritySettings::backup_keep` copies.
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
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::Posko;
use crate::app::require;
use crate::error::{CoreError, CoreResult};
use crate::model::Actor;
use posko_domain::role::Permission;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// Before a sync run that may change local data (taken by `sync_run`).
    PreSync,
    /// The day's copy (`backup_if_due`).
    Daily,
    /// Before a schema migration of an existing store (`db::open`).
    PreMigration,
    /// The state just before a restore replaced it (`restore_backup`).
    PreRestore,
}

impl BackupKind {
    pub const ALL: [BackupKind; 4] = [
        BackupKind::PreSync,
        BackupKind::Daily,
        BackupKind::PreMigration,
        BackupKind::PreRestore,
    ];

    /// File name prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            BackupKind::PreSync => "pre-sync",
            BackupKind::Daily => "daily",
            BackupKind::PreMigration => "pre-migration",
            BackupKind::PreRestore => "pre-restore",
        }
    }
}

/// One backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupInfo {
    pub kind: BackupKind,
    #[ts(as = "String")]
    pub path: PathBuf,
    /// The file name, which is what the app sends back to restore it.
    pub name: String,
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
            name: name.to_string_lossy().into_owned(),
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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(BackupInfo {
        kind,
        path,
        name,
        taken_at: at,
        seq,
        bytes,
    })
}

pub(crate) fn partial_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(PARTIAL);
    PathBuf::from(s)
}

pub(crate) fn copy_into(src: &Connection, dest: &Path, hex_key: &str) -> CoreResult<()> {
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

/// Where a restore moves the live database aside, and where the copy it
/// puts in place is written first (both in the store directory).
pub const RESTORE_OLD: &str = "posko.db.restore-old";
pub const RESTORE_NEW: &str = "posko.db.restore-new";

/// What a restore did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RestoreReport {
    /// The file that was restored (its name).
    pub restored: String,
    /// Schema version of the backup (older ones were migrated on reopening).
    pub schema_version: i64,
    /// The copy of the state the restore replaced (a `pre-restore` backup).
    pub safety_copy: BackupInfo,
    pub complaints: u64,
}

/// What the app shows before asking "restore this?": the backup passed
/// the same check a restore makes first (key, integrity, schema).
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupCheck {
    pub backup: BackupInfo,
    pub schema_version: i64,
    /// Reports in the backup.
    pub complaints: u64,
}

/// The app names a backup by its file name; anything else (a path, a name
/// that is not a backup's) is refused.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BackupName {
    pub name: String,
}

fn invalid(detail: impl std::fmt::Display) -> CoreError {
    CoreError::BackupInvalid {
        detail: detail.to_string(),
    }
}

/// Open a backup with `hex_key` (read-only) and check that it can be put in
/// place: the key opens it, `PRAGMA integrity_check` is ok, it is a Posko
/// store, and its schema is not newer than this build. Its schema version.
pub fn check_file(path: &Path, hex_key: &str) -> CoreResult<i64> {
    if !path.is_file() {
        return Err(CoreError::NotFound {
            entity: "backup",
            id: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        });
    }
    let c = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(invalid)?;
    // A wrong key is an answer here, not something SQLCipher should log to stderr.
    let _ = c.execute_batch("PRAGMA cipher_log_level = NONE;");
    c.execute_batch(&Zeroizing::new(format!("PRAGMA key = \"x'{hex_key}'\";")))
        .map_err(invalid)?;
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('complaints', 'settings', 'units')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| invalid(format!("wrong key or not a database ({e})")))?;
    let check: Vec<String> = c
        .prepare("PRAGMA integrity_check")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .map_err(invalid)?;
    if check != ["ok"] {
        return Err(invalid(format!(
            "integrity_check: {}",
            check.into_iter().take(3).collect::<Vec<_>>().join("; ")
        )));
    }
    let version: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(invalid)?;
    if tables != 3 || version < 1 {
        return Err(invalid("not a Posko store"));
    }
    let known = crate::db::schema_version();
    if version > known {
        return Err(CoreError::StoreTooNew {
            found: version,
            known,
        });
    }
    Ok(version)
}

/// Finish or undo a restore a crash interrupted (called by `db::open`
/// before it looks at the database): the live file moved aside and nothing
/// in its place goes back; a finished one only loses its leftovers.
pub fn recover_interrupted_restore(store_dir: &Path) -> CoreResult<()> {
    let live = crate::db::db_path(store_dir);
    let old = store_dir.join(RESTORE_OLD);
    if old.exists() {
        if live.exists() {
            // The copy was renamed into place: the restore happened (the
            // state before it is in its pre-restore backup).
            fs::remove_file(&old)?;
        } else {
            fs::rename(&old, &live)?;
        }
        sync_dir(store_dir);
    }
    let new = store_dir.join(RESTORE_NEW);
    if new.exists() {
        fs::remove_file(&new)?;
    }
    Ok(())
}

fn remove_if_exists(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn side_file(live: &Path, suffix: &str) -> PathBuf {
    let mut s = live.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

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

    /// The backups screen.
    pub fn list_backups(&self, actor: &Actor) -> CoreResult<Vec<BackupInfo>> {
        require(actor, Permission::ManageStore)?;
        self.backups()
    }

    /// "Cadangkan sekarang": the day's copy, taken now.
    pub fn backup_now(&self, actor: &Actor) -> CoreResult<BackupInfo> {
        require(actor, Permission::ManageStore)?;
        let keep = self.security_settings()?.backup_keep as usize;
        self.take_backup(BackupKind::Daily, keep)
    }

    /// The daily copy, if there is none yet for today (office-local date).
    /// The shell calls it at start and every hour; `None` when not due or
    /// before setup (nothing to keep yet).
    pub fn backup_if_due(&self) -> CoreResult<Option<BackupInfo>> {
        if self.cache.home_unit_id.is_none() {
            return Ok(None);
        }
        let (zone, today) = (self.zone(), self.today());
        let done_today = self
            .backups()?
            .iter()
            .any(|b| b.kind == BackupKind::Daily && zone.local_date(b.taken_at) >= today);
        if done_today {
            return Ok(None);
        }
        let keep = self.security_settings()?.backup_keep as usize;
        self.take_backup(BackupKind::Daily, keep).map(Some)
    }

    /// A backup of this store named as the app lists it (`BackupInfo::name`).
    pub fn backup_path(&self, name: &str) -> CoreResult<PathBuf> {
        if parse_name(name).is_none() || name.contains(['/', '\\']) {
            return Err(CoreError::NotFound {
                entity: "backup",
                id: name.chars().take(80).collect(),
            });
        }
        Ok(backup_dir(&self.db.dir).join(name))
    }

    /// Check a backup (as a restore would, changing nothing) and say what
    /// is in it, for the confirmation before a restore.
    pub fn check_backup(&self, actor: &Actor, name: &str) -> CoreResult<BackupCheck> {
        require(actor, Permission::ManageStore)?;
        let path = self.backup_path(name)?;
        let schema_version = check_file(&path, &self.db.key)?;
        let backup = list(&self.db.dir)?
            .into_iter()
            .find(|b| b.name == name)
            .ok_or_else(|| CoreError::NotFound {
                entity: "backup",
                id: name.chars().take(80).collect(),
            })?;
        let c = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(invalid)?;
        c.execute_batch(&Zeroizing::new(format!(
            "PRAGMA key = \"x'{}'\";",
            self.db.key.as_str()
        )))
        .map_err(invalid)?;
        let complaints: i64 = c
            .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))
            .map_err(invalid)?;
        Ok(BackupCheck {
            backup,
            schema_version,
            complaints: complaints as u64,
        })
    }

    /// Put a backup in place of the live store, after checking it
    /// (`check_file`: key, integrity, schema not newer). The current state
    /// is kept first as a `pre-restore` backup. Sequence: copy the backup to
    /// `posko.db.restore-new` (fsync); close the store (a WAL left behind
    /// means another program has it open: refused); move `posko.db` aside to
    /// `posko.db.restore-old`; rename the copy to `posko.db`; reopen (an
    /// older schema is migrated). On any failure the moved-aside file goes
    /// back and the store is reopened as it was; after a crash, `db::open`
    /// does the same (`recover_interrupted_restore`).
    pub fn restore_backup(&mut self, actor: &Actor, path: &Path) -> CoreResult<RestoreReport> {
        require(actor, Permission::ManageStore)?;
        let version = check_file(path, &self.db.key)?;
        let dir = self.db.dir.clone();
        let live = crate::db::db_path(&dir);
        let (old, new) = (dir.join(RESTORE_OLD), dir.join(RESTORE_NEW));
        remove_if_exists(&new)?;
        fs::copy(path, &new)?;
        fs::File::open(&new)?.sync_all()?;
        let keep = self.security_settings()?.backup_keep as usize;
        let safety = match self.take_backup(BackupKind::PreRestore, keep) {
            Ok(b) => b,
            Err(e) => {
                let _ = fs::remove_file(&new);
                return Err(e);
            }
        };
        // Close the live connection (checkpointed, so the WAL goes away);
        // the background checkpoint connection first.
        self.db.pause_checkpoints();
        let _ = self
            .db
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        let conn = std::mem::replace(&mut self.db.conn, Connection::open_in_memory()?);
        if let Err((conn, e)) = conn.close() {
            self.db.use_conn(conn)?;
            let _ = fs::remove_file(&new);
            return Err(e.into());
        }
        let wal = side_file(&live, "-wal");
        if fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            let _ = fs::remove_file(&new);
            self.db.use_conn(crate::db::connect(&live, &self.db.key)?)?;
            return Err(CoreError::StoreLocked);
        }
        let swapped = (|| -> CoreResult<Connection> {
            remove_if_exists(&wal)?;
            remove_if_exists(&side_file(&live, "-shm"))?;
            fs::rename(&live, &old)?;
            fs::rename(&new, &live)?;
            sync_dir(&dir);
            let conn = crate::db::connect(&live, &self.db.key)?;
            crate::db::migrate_existing(&conn, &dir, &self.db.key)?;
            Ok(conn)
        })();
        match swapped {
            Ok(conn) => {
                self.db.use_conn(conn)?;
                remove_if_exists(&old)?;
                sync_dir(&dir);
            }
            Err(e) => {
                // Put the moved-aside store back and reopen it as it was.
                if old.exists() {
                    let _ = fs::remove_file(&live);
                    let _ = fs::remove_file(side_file(&live, "-wal"));
                    let _ = fs::remove_file(side_file(&live, "-shm"));
                    fs::rename(&old, &live)?;
                }
                let _ = fs::remove_file(&new);
                sync_dir(&dir);
                self.db.use_conn(crate::db::connect(&live, &self.db.key)?)?;
                return Err(e);
            }
        }
        let restored = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.reload_cache()?;
        crate::audit::record(
            &self.db.conn,
            actor,
            self.now(),
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::BackupRestore)
                .on("backup", &restored)
                .detail(serde_json::json!({
                    "schema_version": version,
                    "safety_copy": safety.name,
                })),
        )?;
        let complaints: i64 =
            self.db
                .conn
                .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))?;
        Ok(RestoreReport {
            restored,
            schema_version: version,
            safety_copy: safety,
            complaints: complaints as u64,
        })
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
        let keep = self.security_settings()?.backup_keep as usize;
        self.take_backup(BackupKind::PreSync, keep).map(Some)
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
