//! WAL checkpoints off the commit path (posko-core `checkpoint.rs`): intakes
//! wake the background checkpoint, the log stays bounded, and what needs the
//! store to itself (restore, key rotation) still works while the background
//! connection is open.

use std::time::Duration;

use posko_core::checkpoint::{HARD_PAGES, SOFT_PAGES};
use posko_core::keychain::OsKeychain;

use crate::support::*;

fn intakes(s: &mut Store, n: usize, title: &str) {
    for i in 0..n {
        s.p.create_complaint(&clerk(), complaint(&format!("{title} {i}")))
            .unwrap();
    }
}

fn wal_bytes(s: &Store) -> u64 {
    std::fs::metadata(s.dir.path().join("posko.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

fn count(s: &Store) -> i64 {
    s.p.connection()
        .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))
        .unwrap()
}

/// Enough intakes to take the log past the soft limit a few times.
fn past_soft(s: &mut Store, title: &str) {
    let before = s.p.checkpoint_stats().background;
    let mut n = 0;
    while s.p.checkpoint_stats().background == before {
        intakes(s, 20, title);
        n += 20;
        assert!(s.p.wait_for_checkpoints(Duration::from_secs(30)));
        assert!(n < 2000, "no background checkpoint after {n} intakes");
    }
}

#[test]
fn intakes_are_checkpointed_in_the_background_and_the_wal_stays_bounded() {
    let mut s = new_store();
    for _ in 0..3 {
        past_soft(&mut s, "Antrean");
    }
    let st = s.p.checkpoint_stats();
    assert!(st.background >= 3, "{st:?}");
    assert_eq!(st.failed, 0, "{st:?}");
    // The log file never held much more than the soft limit (4 KiB pages,
    // 24-byte frame headers): the background thread keeps up with a clerk.
    let limit = (SOFT_PAGES as u64 + 1000) * (4096 + 24);
    assert!(wal_bytes(&s) < limit, "{} bytes", wal_bytes(&s));
    assert!((SOFT_PAGES as u64 + 1000) < HARD_PAGES as u64);
    let n = count(&s);
    s.reopen();
    assert_eq!(count(&s), n, "every intake is in the store after reopening");
}

#[test]
fn restore_and_key_rotation_work_while_the_background_checkpoint_is_open() {
    let mut s = new_store();
    past_soft(&mut s, "Sebelum cadangan");
    let kept = count(&s);
    let backup =
        s.p.take_backup(posko_core::backup::BackupKind::Daily, 5)
            .unwrap();
    past_soft(&mut s, "Sesudah cadangan");
    // The background connection is open now; the restore closes it first
    // (a second connection would leave the WAL behind: STORE_LOCKED).
    s.p.restore_backup(&admin(), &backup.path).unwrap();
    assert_eq!(count(&s), kept);
    past_soft(&mut s, "Sesudah pemulihan");
    // Re-keying switches the journal mode, refused while another
    // connection has the store open.
    s.p.rotate_key(&admin(), &OsKeychain::new()).unwrap();
    past_soft(&mut s, "Sesudah rotasi");
    assert_eq!(s.p.checkpoint_stats().failed, 0);
    let n = count(&s);
    s.reopen();
    assert_eq!(count(&s), n);
}
