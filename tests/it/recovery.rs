//! The recovery key and key rotation with the real keychain: a lost
//! keychain entry is recovered (and filed again), a wrong or mistyped key is
//! told apart, a rotated key retires the old one while recovery keeps
//! working, and neither key is ever written in clear.

use posko_core::Posko;
use posko_core::db;
use posko_core::keychain::{OsKeychain, SecretStore};
use posko_core::recovery::{next_account, prev_account};
use posko_domain::role::Role;

use crate::support::*;

fn key_of(s: &Store) -> String {
    OsKeychain::new()
        .get(&db::key_account(s.p.store_id()))
        .unwrap()
        .unwrap()
}

fn opens(s: &Store, key: &str) -> bool {
    db::connect(&s.dir.path().join(db::DB_FILE), key).is_ok()
}

fn titles(p: &Posko) -> Vec<String> {
    let mut st = p
        .connection()
        .prepare("SELECT title FROM complaints ORDER BY id")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn recover(s: &Store, secret: &str) -> Result<Posko, posko_core::CoreError> {
    Posko::open_with_recovery_key(s.dir.path(), &OsKeychain::new(), s.clock.clone(), secret)
}

#[test]
fn a_lost_keychain_entry_is_recovered_with_the_recovery_key_and_filed_again() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Harus bisa dibuka lagi"))
        .unwrap();
    let status = s.p.recovery_status(&admin()).unwrap();
    assert!(!status.configured);
    let rk = s.p.create_recovery_key(&admin()).unwrap();
    assert_eq!(rk.secret.len(), 47, "{}", rk.secret.len());
    assert!(!format!("{rk:?}").contains(&rk.secret), "Debug redacts");
    let status = s.p.recovery_status(&admin()).unwrap();
    assert!(status.configured);
    assert_eq!(status.fingerprint.as_deref(), Some(rk.fingerprint.as_str()));
    let key = key_of(&s);

    // Neither key is in the files next to the database.
    let store_json = std::fs::read_to_string(s.dir.path().join(db::STORE_FILE)).unwrap();
    assert!(!store_json.contains(&key));
    assert!(!store_json.contains(&rk.secret));
    assert!(!store_json.contains(&rk.secret.replace('-', "")));
    assert!(store_json.contains("argon2id"));

    // The keychain entry is lost: the store cannot be opened...
    let id = s.p.store_id().to_owned();
    OsKeychain::new().delete(&db::key_account(&id)).unwrap();
    let e = Posko::open(s.dir.path(), &OsKeychain::new(), s.clock.clone(), false)
        .err()
        .unwrap();
    assert_eq!(e.code(), "KEY_MISSING");
    // ...a wrong or mistyped recovery key is told apart and changes nothing...
    let mut other = new_store();
    let other_rk = other.p.create_recovery_key(&admin()).unwrap();
    assert_eq!(
        recover(&s, &other_rk.secret).err().unwrap().code(),
        "RECOVERY_KEY_WRONG"
    );
    let mut typo = rk.secret.clone().into_bytes();
    typo[0] = if typo[0] == b'Q' { b'R' } else { b'Q' };
    let typo = String::from_utf8(typo).unwrap();
    let e = recover(&s, &typo).err().unwrap();
    assert_eq!(e.code(), "RECOVERY_KEY_INVALID");
    assert!(e.message(posko_core::Lang::Id).contains("salah ketik"));
    assert!(
        OsKeychain::new()
            .get(&db::key_account(&id))
            .unwrap()
            .is_none()
    );
    // ...and the right one, typed loosely, opens it and files the key again.
    let typed = rk.secret.to_lowercase().replace('-', " ");
    let p = recover(&s, &typed).unwrap();
    assert_eq!(titles(&p), vec!["Harus bisa dibuka lagi"]);
    assert_eq!(
        OsKeychain::new()
            .get(&db::key_account(&id))
            .unwrap()
            .unwrap(),
        key
    );
    drop(p);
    s.reopen();
    assert_eq!(titles(&s.p), vec!["Harus bisa dibuka lagi"]);
    let log =
        s.p.audit_log(&admin(), &posko_core::audit::AuditFilter::default())
            .unwrap();
    assert_eq!(
        log.rows[0].action,
        posko_core::audit::AuditAction::RecoveryOpen
    );
    assert_eq!(
        log.rows[1].action,
        posko_core::audit::AuditAction::RecoveryKeyCreate
    );

    // A store without a recovery key says so.
    let bare = new_store();
    assert_eq!(
        recover(&bare, &rk.secret).err().unwrap().code(),
        "RECOVERY_NOT_CONFIGURED"
    );
}

#[test]
fn a_rotated_key_retires_the_old_one_and_recovery_still_works() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Sebelum rotasi"))
        .unwrap();
    let rk = s.p.create_recovery_key(&admin()).unwrap();
    let backup =
        s.p.take_backup(posko_core::backup::BackupKind::Daily, 5)
            .unwrap();
    let old = key_of(&s);
    let r = s.p.rotate_key(&admin(), &OsKeychain::new()).unwrap();
    assert_eq!(r.backups_rekeyed, 1);
    assert!(r.recovery_rewrapped);
    let new = key_of(&s);
    assert_ne!(new, old);
    // The store keeps working in this session and after reopening.
    s.p.create_complaint(&clerk(), complaint("Sesudah rotasi"))
        .unwrap();
    assert!(!opens(&s, &old), "the old key no longer opens the store");
    assert!(opens(&s, &new));
    s.reopen();
    assert_eq!(titles(&s.p), vec!["Sebelum rotasi", "Sesudah rotasi"]);
    // The backup moved to the new key and still restores.
    assert!(posko_core::backup::check_file(&backup.path, &new).is_ok());
    assert!(posko_core::backup::check_file(&backup.path, &old).is_err());
    // No rotation key is left in the keychain.
    let id = s.p.store_id().to_owned();
    assert!(OsKeychain::new().get(&next_account(&id)).unwrap().is_none());
    assert!(OsKeychain::new().get(&prev_account(&id)).unwrap().is_none());
    // Recovery after the rotation opens with the new key.
    OsKeychain::new().delete(&db::key_account(&id)).unwrap();
    let p = recover(&s, &rk.secret).unwrap();
    assert_eq!(titles(&p).len(), 2);
    assert_eq!(
        OsKeychain::new()
            .get(&db::key_account(&id))
            .unwrap()
            .unwrap(),
        new
    );
    drop(p);
    s.reopen();
    let log =
        s.p.audit_log(&admin(), &posko_core::audit::AuditFilter::default())
            .unwrap();
    assert!(
        log.rows
            .iter()
            .any(|e| e.action == posko_core::audit::AuditAction::KeyRotate)
    );
}

#[test]
fn only_admins_manage_keys() {
    let mut s = new_store();
    for role in [Role::Petugas, Role::Kepala, Role::Pemantau] {
        let a = actor(role);
        assert_eq!(s.p.create_recovery_key(&a).unwrap_err().code(), "FORBIDDEN");
        assert_eq!(
            s.p.rotate_key(&a, &OsKeychain::new()).unwrap_err().code(),
            "FORBIDDEN"
        );
        assert_eq!(s.p.recovery_status(&a).unwrap_err().code(), "FORBIDDEN");
    }
}

#[test]
fn a_rotation_is_refused_while_another_connection_has_the_store_open() {
    let mut s = new_store();
    let old = key_of(&s);
    let other = db::connect(&s.dir.path().join(db::DB_FILE), &old).unwrap();
    let e = s.p.rotate_key(&admin(), &OsKeychain::new()).unwrap_err();
    assert_eq!(e.code(), "STORE_LOCKED", "{e:?}");
    drop(other);
    assert_eq!(key_of(&s), old);
    s.reopen();
    s.p.create_complaint(&clerk(), complaint("Masih jalan"))
        .unwrap();
}

/// The sheet the admin prints at setup: a PDF whose text (read back with
/// pdftotext, as a person would read the paper) opens the store after the
/// keychain entry is lost. Saving a new sheet retires the previous key.
#[test]
fn the_printed_recovery_sheet_opens_the_store_when_the_keychain_entry_is_lost() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Dari lembar cetak"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("lama.pdf");
    s.p.save_recovery_sheet(&admin(), &first).unwrap();
    let path = dir.path().join("kunci.pdf");
    let saved = s.p.save_recovery_sheet(&admin(), &path).unwrap();
    let text = crate::xss::pdf_text(&std::fs::read(&path).unwrap());
    assert!(text.contains("KUNCI PEMULIHAN POSKO"), "{text}");
    assert!(text.contains(&saved.fingerprint), "{text}");
    assert!(text.contains("Puskesmas Sendana"), "{text}");
    // The key as printed: 8 groups of 5 joined by dashes, on its own line.
    let secret = text
        .split_whitespace()
        .find(|w| w.len() == 47 && w.matches('-').count() == 7)
        .unwrap_or_else(|| panic!("no key on the sheet:\n{text}"))
        .to_owned();
    let old = crate::xss::pdf_text(&std::fs::read(&first).unwrap());
    let old_secret = old
        .split_whitespace()
        .find(|w| w.len() == 47 && w.matches('-').count() == 7)
        .unwrap()
        .to_owned();
    assert_ne!(old_secret, secret);
    let id = s.p.store_id().to_owned();
    OsKeychain::new().delete(&db::key_account(&id)).unwrap();
    assert_eq!(
        recover(&s, &old_secret).err().unwrap().code(),
        "RECOVERY_KEY_WRONG",
        "the earlier sheet no longer opens it"
    );
    let p = recover(&s, &secret).unwrap();
    assert_eq!(titles(&p), vec!["Dari lembar cetak"]);
    // Only admins.
    let e =
        s.p.save_recovery_sheet(&actor(Role::Kepala), &dir.path().join("x.pdf"))
            .unwrap_err();
    assert_eq!(e.code(), "FORBIDDEN");
}
