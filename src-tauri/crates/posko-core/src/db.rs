//! The database effect: opening the encrypted SQLite file, its pragmas and
//! migrations. Nothing else in the core opens a connection.
//!
//! Layout of a store directory:
//! - `posko.db` (+ `-wal`, `-shm`): SQLCipher-encrypted SQLite.
//! - `posko.store.json`: the store's id (not secret), which names its key in
//!   the OS keychain. The key itself is never written to disk.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::RngCore;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::checkpoint::Checkpointer;
use crate::error::{CoreError, CoreResult};
use crate::keychain::SecretStore;

pub const DB_FILE: &str = "posko.db";
pub const STORE_FILE: &str = "posko.store.json";

/// Numbered migrations, applied in order, each in its own transaction.
/// A test checks that every file in `migrations/` is listed here.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_initial.sql",
        include_str!("../migrations/0001_initial.sql"),
    ),
    (
        2,
        "0002_sync.sql",
        include_str!("../migrations/0002_sync.sql"),
    ),
    (
        3,
        "0003_pull.sql",
        include_str!("../migrations/0003_pull.sql"),
    ),
    (
        4,
        "0004_monev.sql",
        include_str!("../migrations/0004_monev.sql"),
    ),
    (
        5,
        "0005_audit.sql",
        include_str!("../migrations/0005_audit.sql"),
    ),
    (
        6,
        "0006_search.sql",
        include_str!("../migrations/0006_search.sql"),
    ),
    (
        7,
        "0007_import.sql",
        include_str!("../migrations/0007_import.sql"),
    ),
    (
        8,
        "0008_performance.sql",
        include_str!("../migrations/0008_performance.sql"),
    ),
    (
        9,
        "0009_monev_cache.sql",
        include_str!("../migrations/0009_monev_cache.sql"),
    ),
    (
        10,
        "0010_monev_lists.sql",
        include_str!("../migrations/0010_monev_lists.sql"),
    ),
    (
        11,
        "0011_status_counts.sql",
        include_str!("../migrations/0011_status_counts.sql"),
    ),
    (
        12,
        "0012_outbox_counts.sql",
        include_str!("../migrations/0012_outbox_counts.sql"),
    ),
];

pub fn schema_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// `posko.store.json`: the store id, and (issue 6) the recovery key's
/// public part with the wrapped store key, and a key rotation under way.
/// Nothing in it is secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoreFile {
    pub store_id: String,
    pub format: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<crate::recovery::RecoveryBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<crate::recovery::Rotation>,
}

/// The keychain account that holds a store's key.
pub fn key_account(store_id: &str) -> String {
    format!("store-key:{store_id}")
}

/// An open, unlocked, migrated store.
pub struct Db {
    pub conn: Connection,
    pub dir: PathBuf,
    pub store_id: String,
    /// The raw key (hex), kept for encrypted backups (`backup.rs`); wiped on drop.
    /// SQLCipher holds the same key in memory anyway while the store is open.
    pub(crate) key: Zeroizing<String>,
    /// WAL checkpoints off the commit path (`checkpoint.rs`).
    pub(crate) checkpoints: Checkpointer,
}

impl Db {
    fn new(
        mut conn: Connection,
        dir: &Path,
        store_id: String,
        key: Zeroizing<String>,
    ) -> CoreResult<Db> {
        let checkpoints = Checkpointer::attach(&mut conn, &db_path(dir), &key)?;
        Ok(Db {
            conn,
            dir: dir.to_owned(),
            store_id,
            key,
            checkpoints,
        })
    }

    /// Close the background checkpoint connection, for what needs the store
    /// to itself (restoring a backup, re-keying); `attach_checkpoints` after.
    pub(crate) fn pause_checkpoints(&self) {
        self.checkpoints.stop();
    }

    /// The store's connection from now on (after a restore swapped the
    /// file, or gave up), with its checkpoints attached.
    pub(crate) fn use_conn(&mut self, conn: Connection) -> CoreResult<()> {
        self.conn = conn;
        self.attach_checkpoints()
    }

    /// Checkpoints for `conn` as it is now (after it was replaced, or the key
    /// changed).
    pub(crate) fn attach_checkpoints(&mut self) -> CoreResult<()> {
        self.checkpoints = Checkpointer::attach(&mut self.conn, &db_path(&self.dir), &self.key)?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Fail with `NotInitialized` if there is no store yet.
    Existing,
    /// Create a new store (and key) if there is none.
    CreateIfMissing,
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

pub fn store_exists(dir: &Path) -> bool {
    db_path(dir).exists()
}

/// Open (or create) the store in `dir`, taking its key from `secrets`.
pub fn open(dir: &Path, secrets: &dyn SecretStore, mode: OpenMode) -> CoreResult<Db> {
    let path = db_path(dir);
    if dir.exists() {
        crate::backup::recover_interrupted_restore(dir)?;
    }
    if path.exists() {
        let store_id = read_store_id(dir)?;
        // A key rotation a crash interrupted is finished (or undone) first.
        crate::recovery::finish_rotation(dir, secrets)?;
        let key = secrets
            .get(&key_account(&store_id))?
            .ok_or(CoreError::KeyMissing)?;
        let key = Zeroizing::new(key);
        let conn = connect(&path, &key)?;
        migrate_existing(&conn, dir, &key)?;
        return Db::new(conn, dir, store_id, key);
    }
    if mode == OpenMode::Existing {
        return Err(CoreError::NotInitialized);
    }
    fs::create_dir_all(dir)?;
    let store_id = uuid::Uuid::new_v4().to_string();
    let mut raw = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(raw.as_mut());
    let key = Zeroizing::new(hex::encode(raw.as_ref()));
    // Keychain first: if it is unreachable we stop before any file exists, so
    // there is never an unencrypted or unopenable store left behind.
    secrets.set(&key_account(&store_id), &key)?;
    write_store_id(dir, &store_id)?;
    let conn = connect(&path, &key)?;
    migrate(&conn)?;
    Db::new(conn, dir, store_id, key)
}

pub(crate) fn read_store_file(dir: &Path) -> CoreResult<StoreFile> {
    let text = fs::read_to_string(dir.join(STORE_FILE)).map_err(|_| CoreError::KeyMissing)?;
    serde_json::from_str(&text).map_err(|e| CoreError::StoreUnreadable {
        detail: format!("{STORE_FILE}: {e}"),
    })
}

fn read_store_id(dir: &Path) -> CoreResult<String> {
    Ok(read_store_file(dir)?.store_id)
}

/// Replace `posko.store.json` atomically and durably (temp file, fsync, rename).
pub(crate) fn write_store_file(dir: &Path, f: &StoreFile) -> CoreResult<()> {
    let tmp = dir.join(format!("{STORE_FILE}.tmp"));
    {
        let mut file = fs::File::create(&tmp)?;
        std::io::Write::write_all(
            &mut file,
            &serde_json::to_vec_pretty(f).expect("plain struct serialises"),
        )?;
        file.sync_all()?;
    }
    fs::rename(&tmp, dir.join(STORE_FILE))?;
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_store_id(dir: &Path, store_id: &str) -> CoreResult<()> {
    write_store_file(
        dir,
        &StoreFile {
            store_id: store_id.to_owned(),
            format: 1,
            recovery: None,
            rotation: None,
        },
    )
}

/// Open a connection with the raw 256-bit key and the store's pragmas.
/// The page cache is 32 MiB (SQLite's default is 2 MiB): every page read
/// from the file is decrypted, and a search touches many index pages, so
/// keeping the hot ones decrypted makes repeated searches cheaper (it
/// grows only as pages are read).
pub fn connect(path: &Path, hex_key: &str) -> CoreResult<Connection> {
    let conn = Connection::open(path)?;
    // A raw key (x'..') skips SQLCipher's PBKDF2: the key is already random.
    conn.execute_batch(&format!("PRAGMA key = \"x'{hex_key}'\";"))?;
    // The first read proves the key; a wrong key or a damaged file fails here.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| match CoreError::from(e) {
        CoreError::Database { detail } => CoreError::StoreUnreadable { detail },
        other => other,
    })?;
    conn.busy_timeout(Duration::from_millis(busy_timeout_ms()))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32768;
         PRAGMA secure_delete = ON;",
    )?;
    Ok(conn)
}

fn busy_timeout_ms() -> u64 {
    std::env::var("POSKO_BUSY_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000)
}

/// Migrate a store that already holds data: when a migration is pending,
/// an encrypted `pre-migration` backup is taken first (`backup.rs`), so a
/// migration that goes wrong can be undone. A new (empty) store has nothing
/// to keep.
pub fn migrate_existing(conn: &Connection, dir: &Path, hex_key: &str) -> CoreResult<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > 0 && current < schema_version() {
        use crate::backup::{self, BackupKind};
        // The settings table exists since 0001; its value may be missing.
        let keep = conn
            .query_row(
                "SELECT json_extract(value, '$.backup_keep') FROM settings WHERE key = 'security'",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .ok()
            .flatten()
            .map(|k| k.clamp(1, 60) as usize)
            .unwrap_or(backup::DEFAULT_KEEP);
        backup::take(
            conn,
            dir,
            hex_key,
            BackupKind::PreMigration,
            chrono::Utc::now(),
        )?;
        backup::prune(dir, BackupKind::PreMigration, keep)?;
    }
    migrate(conn)
}

/// Apply every migration newer than the store's `user_version`.
pub fn migrate(conn: &Connection) -> CoreResult<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = schema_version();
    if current > known {
        return Err(CoreError::StoreTooNew {
            found: current,
            known,
        });
    }
    // Migrations may call the indexing code (0006 rebuilds the search index).
    crate::search::register_sql_functions(conn)?;
    for (version, _name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_contiguously_and_all_listed() {
        for (i, (v, name, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
            assert!(name.starts_with(&format!("{v:04}_")), "{name}");
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<_> = MIGRATIONS.iter().map(|m| m.1.to_owned()).collect();
        assert_eq!(
            files, listed,
            "every migration file must be listed in MIGRATIONS"
        );
    }

    #[test]
    fn migrations_apply_on_an_empty_database_and_are_idempotent() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        migrate(&conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
        let fk: Vec<(String, i64)> = conn
            .prepare("PRAGMA foreign_key_check")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(fk.is_empty());
    }

    #[test]
    fn a_newer_store_is_refused() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", schema_version() + 1)
            .unwrap();
        assert!(matches!(migrate(&conn), Err(CoreError::StoreTooNew { .. })));
    }

    #[test]
    fn keychain_failure_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = crate::keychain::MemorySecrets::default();
        secrets
            .broken
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let err = open(dir.path(), &secrets, OpenMode::CreateIfMissing)
            .err()
            .unwrap();
        assert_eq!(err.code(), "KEYCHAIN_UNAVAILABLE");
        assert!(!store_exists(dir.path()));
    }
}
