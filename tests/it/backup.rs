//! Backups: before a sync run that may change local data, an encrypted online
//! copy of the store is taken (SQLite backup API, the store's own key), and
//! only the newest few of that kind are kept.

use std::path::Path;
use std::time::Duration;

use lapor_sim::{Sim, SimConfig, SimHandle};
use posko_core::backup::{BackupKind, DEFAULT_KEEP};
use posko_core::db;
use posko_core::keychain::{OsKeychain, SecretStore};
use posko_core::sync::http::{Credentials, HttpLapor};
use rusqlite::{Connection, OpenFlags};
use zeroize::Zeroizing;

use crate::support::*;

const KEY: &str = "kunci-cadangan-1";
const TOKEN: &str = "6a1d2c3b-4e5f-4a7b-8c9d-0e1f2a3b4c5d";

/// Tables whose rows a sync run may add or change.
const TABLES: &[&str] = &[
    "complaints",
    "complaint_events",
    "follow_ups",
    "outbox",
    "sync_attempts",
    "sync_runs",
];

fn client(sim: &SimHandle) -> HttpLapor {
    HttpLapor::new(
        sim.base_url(),
        lapor_wire::DEFAULT_AUTH_HEADER,
        Credentials {
            key: Zeroizing::new(KEY.into()),
            token: Zeroizing::new(TOKEN.into()),
        },
        Duration::from_secs(5),
        true,
    )
    .unwrap()
}

fn counts(c: &Connection) -> Vec<(String, i64)> {
    TABLES
        .iter()
        .map(|t| {
            let n = c
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t.to_string(), n)
        })
        .collect()
}

fn open_backup(path: &Path, hex_key: &str) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    c.execute_batch(&format!("PRAGMA key = \"x'{hex_key}'\";"))?;
    c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(c)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_sync_run_that_changes_data_is_preceded_by_an_encrypted_backup() {
    let sim = Sim::start(SimConfig::new(KEY, TOKEN)).unwrap();
    let api = client(&sim);
    let mut s = new_store();

    // Nothing to send and nothing to pull: the run cannot change data, no copy.
    s.p.sync_run(&api, None).unwrap();
    assert!(s.p.backups().unwrap().is_empty());
    assert!(!s.dir.path().join("backups").exists());

    let marker = "PENANDA-CADANGAN-41c9e7";
    let mut c = complaint(&format!("Antrean {marker}"));
    c.reporter.nik = Some("3201014101900003".into());
    s.p.create_complaint(&clerk(), c).unwrap();
    let before = counts(s.p.connection());

    let r = s.p.sync_run(&api, None).unwrap();
    assert_eq!(r.sent, 1);
    let after = counts(s.p.connection());
    assert_ne!(before, after, "the run changed the store");

    let backups = s.p.backups().unwrap();
    assert_eq!(backups.len(), 1, "{backups:#?}");
    let b = &backups[0];
    assert_eq!(b.kind, BackupKind::PreSync);
    assert_eq!(b.path.parent().unwrap(), s.dir.path().join("backups"));
    let name = b.path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("pre-sync-20260302T020000000Z") && name.ends_with(".db"),
        "{name}"
    );
    assert_eq!(b.taken_at, s.p.now());

    // One self-contained file, nothing readable in it.
    let files: Vec<String> = std::fs::read_dir(s.dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        vec![name.to_owned()],
        "no -wal, -shm or .partial left"
    );
    let bytes = std::fs::read(&b.path).unwrap();
    assert_eq!(bytes.len() as u64, b.bytes);
    for needle in [
        marker.as_bytes(),
        b"Antrean".as_slice(),
        b"3201014101900003",
        b"SQLite format 3",
        b"Sendana",
    ] {
        assert!(
            !contains(&bytes, needle),
            "backup contains plaintext {:?}",
            String::from_utf8_lossy(needle)
        );
    }

    // It opens with the store's key (and only with it), is sound, and holds
    // the state from before the run.
    let key = OsKeychain::new()
        .get(&db::key_account(s.p.store_id()))
        .unwrap()
        .unwrap();
    let wrong = "00".repeat(32);
    assert!(open_backup(&b.path, &wrong).is_err(), "wrong key refused");
    let copy = open_backup(&b.path, &key).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(counts(&copy), before, "the copy is the pre-sync state");
    let (title, state, remote): (String, String, Option<String>) = copy
        .query_row(
            "SELECT c.title, o.state, c.lapor_complaint_id FROM complaints c JOIN outbox o ON o.complaint_id = c.id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(title, format!("Antrean {marker}"));
    assert_eq!((state.as_str(), remote), ("pending", None));
    let version: i64 = copy
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, db::schema_version());
}

#[test]
fn only_the_newest_pre_sync_backups_are_kept() {
    let sim = Sim::start(SimConfig::new(KEY, TOKEN)).unwrap();
    let api = client(&sim);
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Laporan untuk cadangan"))
        .unwrap();
    // Three runs in the same millisecond (a fixed clock), then four a minute apart.
    // The report stays open after it is sent, so every run may pull a status.
    let mut taken = Vec::new();
    for i in 0..7 {
        if i >= 3 {
            s.clock.advance(chrono::Duration::minutes(1));
        }
        s.p.sync_run(&api, None).unwrap();
        let newest = s.p.backups().unwrap()[0].clone();
        taken.push((newest.taken_at, newest.seq));
    }
    let t0 = monday_morning();
    assert_eq!(&taken[..3], &[(t0, 0), (t0, 1), (t0, 2)]);
    let kept: Vec<_> =
        s.p.backups()
            .unwrap()
            .iter()
            .map(|b| (b.taken_at, b.seq))
            .collect();
    assert_eq!(kept.len(), DEFAULT_KEEP);
    let mut newest_first = taken.clone();
    newest_first.reverse();
    assert_eq!(kept, newest_first[..DEFAULT_KEEP]);
    let files = std::fs::read_dir(s.dir.path().join("backups"))
        .unwrap()
        .count();
    assert_eq!(files, DEFAULT_KEEP);
    // Another kind is counted on its own.
    s.p.take_backup(BackupKind::Daily, 2).unwrap();
    let all = s.p.backups().unwrap();
    assert_eq!(all.len(), DEFAULT_KEEP + 1);
    assert_eq!(
        all.iter().filter(|b| b.kind == BackupKind::PreSync).count(),
        DEFAULT_KEEP
    );
}

fn titles(s: &Store) -> Vec<String> {
    let c = s.p.connection();
    let mut st = c
        .prepare("SELECT title FROM complaints ORDER BY id")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn raw(s: &Store) -> Connection {
    let key = OsKeychain::new()
        .get(&db::key_account(s.p.store_id()))
        .unwrap()
        .unwrap();
    let c = Connection::open(s.dir.path().join(db::DB_FILE)).unwrap();
    c.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
        .unwrap();
    c
}

/// Make the store look like one written by the previous release (schema 4),
/// so that opening it has a migration to apply.
/// Undo migrations 0005 (audit log), 0006 (search indexes; it rebuilds
/// complaints_fts itself), 0007 (import) and 0010 (the monev cache's lists
/// column; 0008 and 0009 are written to run again), so the store is a
/// schema-4 store to migrate.
fn downgrade_to_schema_4(s: &mut Store) {
    let c = raw(s);
    c.execute_batch(
        "DROP TABLE IF EXISTS import_rows;
         DROP TABLE IF EXISTS import_batches;
         DROP TABLE audit_log;
         DROP TRIGGER IF EXISTS complaints_tracking_set;
         DROP TABLE IF EXISTS complaints_ids;
         DROP TABLE IF EXISTS complaints_tracking;
         DROP TABLE IF EXISTS search_terms;
         DROP INDEX IF EXISTS complaints_search_meta;
         ALTER TABLE monev_month_cache DROP COLUMN lists;
         PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(c);
    s.reopen();
}

fn newest(s: &Store, kind: BackupKind) -> posko_core::backup::BackupInfo {
    s.p.backups()
        .unwrap()
        .into_iter()
        .find(|b| b.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} backup"))
}

#[test]
fn the_daily_backup_is_taken_once_per_office_day_and_kept_as_configured() {
    let mut s = new_store();
    s.p.update_security_settings(
        &admin(),
        &posko_core::security::SecuritySettings {
            backup_keep: 3,
            ..Default::default()
        },
    )
    .unwrap();
    let first =
        s.p.backup_if_due()
            .unwrap()
            .expect("due on the first start");
    assert_eq!(first.kind, BackupKind::Daily);
    assert!(first.name.starts_with("daily-"));
    // Hourly calls the same day do nothing.
    for _ in 0..5 {
        s.clock.advance(chrono::Duration::hours(1));
        assert!(s.p.backup_if_due().unwrap().is_none());
    }
    // 09:00 WIB + 5 h = 14:00; the next office day starts at 17:00 UTC.
    for day in 1..=5 {
        s.clock.advance(chrono::Duration::hours(24));
        let b = s.p.backup_if_due().unwrap();
        assert!(b.is_some(), "day {day}");
    }
    let daily =
        s.p.backups()
            .unwrap()
            .into_iter()
            .filter(|b| b.kind == BackupKind::Daily)
            .count();
    assert_eq!(daily, 3, "backup_keep");
    // A store that is not set up has nothing to keep.
    let dir = tempfile::tempdir().unwrap();
    let empty = posko_core::Posko::open(
        dir.path(),
        &OsKeychain::new(),
        std::sync::Arc::new(posko_core::clock::SystemClock),
        true,
    )
    .unwrap();
    assert!(empty.backup_if_due().unwrap().is_none());
}

#[test]
fn a_pending_migration_is_preceded_by_an_encrypted_backup() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Sebelum migrasi"))
        .unwrap();
    // Opening a store that is up to date takes no copy.
    s.reopen();
    assert!(s.p.backups().unwrap().is_empty());
    downgrade_to_schema_4(&mut s);
    let b = newest(&s, BackupKind::PreMigration);
    assert!(b.name.starts_with("pre-migration-"), "{}", b.name);
    let key = OsKeychain::new()
        .get(&db::key_account(s.p.store_id()))
        .unwrap()
        .unwrap();
    let copy = open_backup(&b.path, &key).unwrap();
    let v: i64 = copy
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 4, "the copy is the store before the migration");
    let t: String = copy
        .query_row("SELECT title FROM complaints", [], |r| r.get(0))
        .unwrap();
    assert_eq!(t, "Sebelum migrasi");
    // The live store was migrated.
    let v: i64 =
        s.p.connection()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
    assert_eq!(v, db::schema_version());
}

#[test]
fn every_kind_of_backup_restores_after_an_integrity_check() {
    let mut s = new_store();
    let add = |s: &mut Store, t: &str| {
        s.p.create_complaint(&clerk(), complaint(t)).unwrap();
    };
    add(&mut s, "A");
    let daily = s.p.backup_if_due().unwrap().unwrap();
    add(&mut s, "B");
    let pre_sync = s.p.take_backup(BackupKind::PreSync, 5).unwrap();
    add(&mut s, "C");
    downgrade_to_schema_4(&mut s);
    let pre_migration = newest(&s, BackupKind::PreMigration);
    add(&mut s, "D");

    let cases = [
        (daily.name.clone(), vec!["A"]),
        (pre_sync.name.clone(), vec!["A", "B"]),
        (pre_migration.name.clone(), vec!["A", "B", "C"]),
    ];
    let mut safety = Vec::new();
    for (name, want) in cases {
        let before = titles(&s);
        let path = s.p.backup_path(&name).unwrap();
        let r = s.p.restore_backup(&admin(), &path).unwrap();
        assert_eq!(titles(&s), want, "{name}");
        assert_eq!(r.restored, name);
        assert_eq!(r.complaints as usize, want.len());
        assert_eq!(r.safety_copy.kind, BackupKind::PreRestore);
        safety.push((r.safety_copy.name.clone(), before));
        let check: String =
            s.p.connection()
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
        assert_eq!(check, "ok");
        // Restored schema 4 is migrated; the restore is in the restored log.
        let log =
            s.p.audit_log(&admin(), &posko_core::audit::AuditFilter::default())
                .unwrap();
        assert_eq!(
            log.rows[0].action,
            posko_core::audit::AuditAction::BackupRestore
        );
        assert_eq!(log.rows[0].entity_id.as_deref(), Some(name.as_str()));
        // It survives closing and reopening (the file on disk is the restored one).
        s.reopen();
        assert_eq!(titles(&s), want);
        // Nothing is left beside the store.
        for leftover in ["posko.db.restore-old", "posko.db.restore-new"] {
            assert!(!s.dir.path().join(leftover).exists());
        }
        // New work goes on after a restore (register numbers, FTS).
        add(&mut s, "E");
        let e_title = titles(&s).pop().unwrap();
        assert_eq!(e_title, "E");
    }
    // The fourth kind: the state a restore replaced.
    let (name, mut want) = safety.pop().unwrap();
    let path = s.p.backup_path(&name).unwrap();
    s.p.restore_backup(&admin(), &path).unwrap();
    want.sort();
    let mut got = titles(&s);
    got.sort();
    assert_eq!(got, want);
    assert!(s.p.audit_verify(&admin()).unwrap().ok);
}

#[test]
fn a_bad_backup_is_refused_and_the_store_is_untouched() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Tetap ada"))
        .unwrap();
    let good = s.p.take_backup(BackupKind::Daily, 5).unwrap();
    let dir = s.dir.path().to_owned();

    // Damaged in the middle.
    let mut bytes = std::fs::read(&good.path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let damaged = dir.join("backups/daily-20260101T000000000Z.db");
    std::fs::write(&damaged, &bytes).unwrap();
    // Another store's backup (another key).
    let other = new_store();
    let foreign = other.p.take_backup(BackupKind::Daily, 5).unwrap();
    // Not a database at all.
    let text = dir.join("catatan.db");
    std::fs::write(&text, b"bukan basis data").unwrap();

    let before = s.fingerprint();
    for (what, path, code) in [
        ("damaged", damaged.clone(), "BACKUP_INVALID"),
        ("foreign", foreign.path.clone(), "BACKUP_INVALID"),
        ("text", text.clone(), "BACKUP_INVALID"),
        (
            "missing",
            dir.join("backups/daily-20990101T000000000Z.db"),
            "NOT_FOUND",
        ),
    ] {
        let e = s.p.restore_backup(&admin(), &path).unwrap_err();
        assert_eq!(e.code(), code, "{what}: {e:?}");
        let msg = e.message(posko_core::Lang::Id);
        assert!(msg.contains("tidak"), "{what}: {msg}");
        assert_eq!(s.fingerprint(), before, "{what}");
    }
    assert_eq!(
        s.p.restore_backup(&clerk(), &good.path).unwrap_err().code(),
        "FORBIDDEN"
    );
    assert_eq!(
        s.p.backup_path("../posko.db").unwrap_err().code(),
        "NOT_FOUND"
    );
    // Written by a newer Posko.
    let key = OsKeychain::new()
        .get(&db::key_account(s.p.store_id()))
        .unwrap()
        .unwrap();
    let newer = dir.join("backups/daily-20260201T000000000Z.db");
    std::fs::copy(&good.path, &newer).unwrap();
    let c = Connection::open(&newer).unwrap();
    c.execute_batch(&format!(
        "PRAGMA key = \"x'{key}'\"; PRAGMA user_version = 999;"
    ))
    .unwrap();
    drop(c);
    let e = s.p.restore_backup(&admin(), &newer).unwrap_err();
    assert_eq!(e.code(), "STORE_TOO_NEW");
    assert_eq!(s.fingerprint(), before);
    s.reopen();
    assert_eq!(titles(&s), vec!["Tetap ada"]);
}

#[test]
fn a_restore_interrupted_after_moving_the_store_aside_is_undone_on_open() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Jangan hilang"))
        .unwrap();
    let dir = s.dir.path().to_owned();
    // The state a crash between "move aside" and "copy in" leaves behind.
    let c = raw(&s);
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(c);
    let fresh = posko_core::Posko::open(
        tempfile::tempdir().unwrap().path(),
        &OsKeychain::new(),
        s.clock.clone(),
        true,
    )
    .unwrap();
    s.p = fresh; // close the store's connection
    std::fs::rename(dir.join("posko.db"), dir.join("posko.db.restore-old")).unwrap();
    std::fs::write(dir.join("posko.db.restore-new"), b"half a copy").unwrap();
    s.reopen();
    assert_eq!(titles(&s), vec!["Jangan hilang"]);
    assert!(!dir.join("posko.db.restore-old").exists());
    assert!(!dir.join("posko.db.restore-new").exists());
}

/// The check the app shows before "Pulihkan": what a restore would check,
/// with nothing changed; a name that is not one of this store's backups is
/// refused, and so is a role other than admin.
#[test]
fn a_backup_is_checked_before_the_restore_is_confirmed() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Satu")).unwrap();
    let b = s.p.take_backup(BackupKind::Daily, 5).unwrap();
    s.p.create_complaint(&clerk(), complaint("Dua")).unwrap();
    let before = s.fingerprint();
    let c = s.p.check_backup(&admin(), &b.name).unwrap();
    assert_eq!(c.backup.name, b.name);
    assert_eq!(c.backup.kind, BackupKind::Daily);
    assert_eq!(c.complaints, 1, "what is in the backup, not in the store");
    assert_eq!(c.schema_version, posko_core::db::schema_version());
    assert_eq!(s.fingerprint(), before, "checking changes nothing");
    for bad in ["../posko.db", "posko.db", "daily-x.db"] {
        assert_eq!(
            s.p.check_backup(&admin(), bad).unwrap_err().code(),
            "NOT_FOUND",
            "{bad}"
        );
    }
    let e = s.p.check_backup(&head(), &b.name).unwrap_err();
    assert_eq!(e.code(), "FORBIDDEN");
    // A damaged file fails the check (and so would the restore).
    let mut bytes = std::fs::read(&b.path).unwrap();
    let mid = bytes.len() / 2;
    for x in &mut bytes[mid..mid + 4096] {
        *x ^= 0x5a;
    }
    std::fs::write(&b.path, bytes).unwrap();
    assert_eq!(
        s.p.check_backup(&admin(), &b.name).unwrap_err().code(),
        "BACKUP_INVALID"
    );
}
