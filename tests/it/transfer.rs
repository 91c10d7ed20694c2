//! Moving a store to another machine: an encrypted export protected by a
//! passphrase, imported under a new store id and a new key in the keychain.
//! Wrong passphrase, a truncated or altered file and an occupied folder are
//! refused and leave nothing behind.

use posko_core::Posko;
use posko_core::db;
use posko_core::keychain::{OsKeychain, SecretStore};

use crate::support::*;

const PASS: &str = "kuda lumping makan rendang 2026";

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

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn import(
    s: &Store,
    dir: &std::path::Path,
    file: &std::path::Path,
    pass: &str,
) -> Result<(Posko, posko_core::transfer::ImportReport), posko_core::CoreError> {
    Posko::import_store(dir, file, pass, &OsKeychain::new(), s.clock.clone())
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn export_then_import_on_another_machine_round_trips() {
    let mut s = new_store();
    let marker = "PENANDA-EKSPOR-5d1f";
    for i in 0..3 {
        s.p.create_complaint(&clerk(), complaint(&format!("{marker} laporan {i}")))
            .unwrap();
    }
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("sendana.posko-export");
    let r = s.p.export_store(&admin(), &file, PASS).unwrap();
    assert_eq!(r.complaints, 3);
    assert_eq!(files_in(out_dir.path()), vec!["sendana.posko-export"]);
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(bytes.len() as u64, r.bytes);
    for needle in [
        marker.as_bytes(),
        b"3201014101900003".as_slice(),
        b"SQLite format 3",
        b"Sendana",
    ] {
        assert!(!contains(&bytes, needle), "plaintext in the export");
    }
    // No temporary copy is left in the store directory.
    assert!(
        !files_in(s.dir.path())
            .iter()
            .any(|f| f.starts_with("export-")),
        "{:?}",
        files_in(s.dir.path())
    );

    let target = tempfile::tempdir().unwrap();
    let (p, rep) = import(&s, target.path(), &file, PASS).unwrap();
    assert_ne!(rep.store_id, s.p.store_id());
    assert_eq!(rep.source_store, s.p.store_id());
    assert_eq!(rep.complaints, 3);
    assert_eq!(rep.unit_code, "PKM-SENDANA");
    assert!(rep.recovery_key_needed);
    assert_eq!(titles(&p), titles(&s.p));
    let d = p.complaint_detail(&clerk(), 1, true).unwrap();
    assert_eq!(d.reporter.nik.as_deref(), Some("3201014101900003"));
    // Its own key, in this machine's keychain.
    let kc = OsKeychain::new();
    let new_key = kc.get(&db::key_account(&rep.store_id)).unwrap().unwrap();
    let old_key = kc.get(&db::key_account(s.p.store_id())).unwrap().unwrap();
    assert_ne!(new_key, old_key);
    assert!(db::connect(&target.path().join(db::DB_FILE), &old_key).is_err());
    assert!(
        files_in(target.path())
            .iter()
            .all(|f| !f.contains("import"))
    );
    let log = p
        .audit_log(&admin(), &posko_core::audit::AuditFilter::default())
        .unwrap();
    // Newest first: the reveal above, then the import.
    assert_eq!(
        log.rows[0].action,
        posko_core::audit::AuditAction::IdentityView
    );
    assert_eq!(
        log.rows[1].action,
        posko_core::audit::AuditAction::StoreImport
    );
    assert!(p.audit_verify(&admin()).unwrap().ok);
    drop(p);
    // It opens again like any store, and the source recorded the export.
    let again = Posko::open(target.path(), &kc, s.clock.clone(), false).unwrap();
    assert_eq!(titles(&again).len(), 3);
    let src_log =
        s.p.audit_log(&admin(), &posko_core::audit::AuditFilter::default())
            .unwrap();
    assert_eq!(
        src_log.rows[0].action,
        posko_core::audit::AuditAction::Export
    );
    assert_eq!(src_log.rows[0].entity_id.as_deref(), Some("store"));

    // The empty store the app makes on first start may be replaced.
    let fresh = tempfile::tempdir().unwrap();
    let empty = Posko::open(fresh.path(), &kc, s.clock.clone(), true).unwrap();
    let empty_id = empty.store_id().to_owned();
    drop(empty);
    let (p2, rep2) = import(&s, fresh.path(), &file, PASS).unwrap();
    assert_eq!(titles(&p2).len(), 3);
    assert!(kc.get(&db::key_account(&empty_id)).unwrap().is_none());
    assert_ne!(rep2.store_id, empty_id);
}

#[test]
fn wrong_passphrase_truncated_or_altered_files_and_occupied_folders_are_refused() {
    let mut s = new_store();
    s.p.create_complaint(&clerk(), complaint("Isi ekspor"))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("x.posko-export");
    s.p.export_store(&admin(), &file, PASS).unwrap();
    let bytes = std::fs::read(&file).unwrap();

    let target = tempfile::tempdir().unwrap();
    let e = import(&s, target.path(), &file, "kuda lumping makan rendang 2025")
        .err()
        .unwrap();
    assert_eq!(e.code(), "PASSPHRASE_WRONG");
    assert!(
        e.message(posko_core::Lang::Id)
            .contains("Frasa sandi salah")
    );
    assert!(files_in(target.path()).is_empty());

    let cut = out.path().join("cut.posko-export");
    for (what, data) in [
        ("last byte cut", bytes[..bytes.len() - 1].to_vec()),
        ("half the file", bytes[..bytes.len() / 2].to_vec()),
        ("header only", bytes[..200.min(bytes.len())].to_vec()),
        ("altered byte", {
            let mut b = bytes.clone();
            let i = b.len() - 100;
            b[i] ^= 1;
            b
        }),
        ("appended bytes", {
            let mut b = bytes.clone();
            b.extend_from_slice(b"tambahan");
            b
        }),
        ("not an export", b"PK\x03\x04 a zip file".to_vec()),
    ] {
        std::fs::write(&cut, &data).unwrap();
        let e = import(&s, target.path(), &cut, PASS).err().unwrap();
        assert_eq!(e.code(), "EXPORT_DAMAGED", "{what}: {e:?}");
        assert!(e.message(posko_core::Lang::Id).contains("rusak"), "{what}");
        assert!(
            files_in(target.path()).is_empty(),
            "{what}: {:?}",
            files_in(target.path())
        );
    }

    // A folder with data is never overwritten.
    let e = import(&s, s.dir.path(), &file, PASS).err().unwrap();
    assert_eq!(e.code(), "STORE_EXISTS");
    assert_eq!(titles(&s.p), vec!["Isi ekspor"]);

    // Export needs an admin and a passphrase of 12 characters or more.
    let f2 = out.path().join("y.posko-export");
    assert_eq!(
        s.p.export_store(&clerk(), &f2, PASS).unwrap_err().code(),
        "FORBIDDEN"
    );
    let e = s.p.export_store(&admin(), &f2, "pendek").unwrap_err();
    assert_eq!(e.code(), "VALIDATION");
    assert_eq!(
        e.payload(posko_core::Lang::Id).fields[0].field,
        "passphrase"
    );
    assert!(!f2.exists());
}
