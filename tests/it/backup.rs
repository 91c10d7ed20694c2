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
