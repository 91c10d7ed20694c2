//! The CLI's security commands (issue 6) as a public interface: backups,
//! audit log, encrypted export/import, recovery key. Real binary, real store,
//! real keychain (scripts/with-keyring.sh).

use std::path::Path;
use std::process::Output;

use crate::common::{ok_json, posko, posko_stdin};
use serde_json::Value;

fn err_json(out: Output) -> Value {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["error"].clone()
}

fn init() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok_json(posko(
        dir.path(),
        &[
            "init",
            "--unit-name",
            "Puskesmas Sendana",
            "--unit-code",
            "PKM-SENDANA",
            "--json",
        ],
    ));
    dir
}

fn add(dir: &Path, title: &str) -> Value {
    let input = serde_json::json!({
        "channel": "tatap_muka",
        "kind": "pengaduan_tidak_berkadar_pengawasan",
        "title": title,
        "description": format!("{title}: uraian."),
    });
    ok_json(posko_stdin(
        dir,
        &["complaint", "add", "--json", "-"],
        &input.to_string(),
    ))
}

fn count(dir: &Path) -> u64 {
    ok_json(posko(dir, &["complaint", "list", "--json"]))["total"]
        .as_u64()
        .unwrap()
}

#[test]
fn backup_now_list_and_restore() {
    let dir = init();
    add(dir.path(), "Sebelum cadangan");
    let b = ok_json(posko(dir.path(), &["backup", "now", "--json"]));
    assert_eq!(b["kind"], "daily");
    let name = b["name"].as_str().unwrap().to_owned();
    add(dir.path(), "Sesudah cadangan");
    assert_eq!(count(dir.path()), 2);
    let list = ok_json(posko(dir.path(), &["backup", "list", "--json"]));
    assert_eq!(list["backups"][0]["name"], name.as_str());
    let r = ok_json(posko(dir.path(), &["backup", "restore", &name, "--json"]));
    assert_eq!(r["restored"], name.as_str());
    assert_eq!(r["complaints"], 1);
    assert_eq!(r["safety_copy"]["kind"], "pre_restore");
    assert_eq!(count(dir.path()), 1);
    // A file that is not a backup: refused with a code, store unchanged.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let e = err_json(posko(
        dir.path(),
        &["backup", "restore", junk.to_str().unwrap(), "--json"],
    ));
    assert_eq!(e["code"], "BACKUP_INVALID");
    assert_eq!(count(dir.path()), 1);
}

#[test]
fn init_prints_the_recovery_key_and_recovery_open_refiles_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let v = ok_json(posko(
        dir.path(),
        &[
            "init",
            "--unit-name",
            "Puskesmas Uji",
            "--unit-code",
            "PKM-UJI",
            "--json",
        ],
    ));
    let secret = v["recovery_key"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.split('-').count(), 8);
    add(dir.path(), "Laporan");
    // Lose the keychain entry.
    let store: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("posko.store.json")).unwrap())
            .unwrap();
    let id = store["store_id"].as_str().unwrap();
    use posko_core::keychain::{OsKeychain, SecretStore};
    OsKeychain::new()
        .delete(&posko_core::db::key_account(id))
        .unwrap();
    let e = err_json(posko(dir.path(), &["complaint", "list", "--json"]));
    assert_eq!(e["code"], "KEY_MISSING");
    let e = err_json(posko_stdin(
        dir.path(),
        &["recovery", "open", "--json"],
        "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\n",
    ));
    assert_eq!(e["code"], "RECOVERY_KEY_INVALID");
    ok_json(posko_stdin(
        dir.path(),
        &["recovery", "open", "--json"],
        &format!("{secret}\n"),
    ));
    assert_eq!(count(dir.path()), 1);
    // Rotation keeps everything readable.
    let r = ok_json(posko(dir.path(), &["key", "rotate", "--json"]));
    assert_eq!(r["recovery_rewrapped"], true);
    assert_eq!(count(dir.path()), 1);
}

#[test]
fn export_and_import_with_a_passphrase_from_stdin() {
    let dir = init();
    add(dir.path(), "Pindah komputer");
    let out = dir.path().join("pindah.posko-export");
    let pass = "frasa sandi yang cukup panjang\n";
    let r = ok_json(posko_stdin(
        dir.path(),
        &[
            "export",
            "--passphrase-stdin",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        pass,
    ));
    assert_eq!(r["complaints"], 1);
    let target = tempfile::tempdir().unwrap();
    let e = err_json(posko_stdin(
        target.path(),
        &[
            "import",
            out.to_str().unwrap(),
            "--passphrase-stdin",
            "--json",
        ],
        "frasa sandi yang salah sekali\n",
    ));
    assert_eq!(e["code"], "PASSPHRASE_WRONG");
    let r = ok_json(posko_stdin(
        target.path(),
        &[
            "import",
            out.to_str().unwrap(),
            "--passphrase-stdin",
            "--json",
        ],
        pass,
    ));
    assert_eq!(r["complaints"], 1);
    assert_eq!(r["recovery_key_needed"], true);
    assert_eq!(count(target.path()), 1);
    // Into a folder with data: refused.
    let e = err_json(posko_stdin(
        dir.path(),
        &[
            "import",
            out.to_str().unwrap(),
            "--passphrase-stdin",
            "--json",
        ],
        pass,
    ));
    assert_eq!(e["code"], "STORE_EXISTS");
    // The passphrase is never an argument.
    let out2 = posko(dir.path(), &["export", "--out", "x"]);
    assert_eq!(out2.status.code(), Some(2));
}

#[test]
fn audit_list_verify_and_export() {
    let dir = init();
    let v = add(dir.path(), "Lihat identitas");
    let id = v["id"].as_i64().unwrap().to_string();
    ok_json(posko(
        dir.path(),
        &["complaint", "show", &id, "--reveal", "--json"],
    ));
    let list = ok_json(posko(
        dir.path(),
        &["audit", "list", "--action", "identity_view", "--json"],
    ));
    assert_eq!(list["total"], 1);
    assert_eq!(list["rows"][0]["entity_id"], id.as_str());
    let v = ok_json(posko(dir.path(), &["audit", "verify", "--json"]));
    assert_eq!(v["ok"], true);
    let csv = posko(dir.path(), &["audit", "export", "--format", "csv"]);
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("id,at,actor_id"), "{text}");
    assert!(text.contains("identity_view"));
    let e = err_json(posko(
        dir.path(),
        &["audit", "list", "--action", "nope", "--json"],
    ));
    assert_eq!(e["code"], "BAD_REQUEST");
}

#[test]
fn subject_find_export_erase_and_retention() {
    let dir = init();
    let d = dir.path();
    let mine = |title: &str| {
        serde_json::json!({
            "channel": "telepon",
            "kind": "aspirasi",
            "title": title,
            "description": "Mohon dibantu.",
            "reporter": {"name": "Siti Aminah", "nik": "3201014101900003", "phone": "0812-3456-7890"},
        })
    };
    let a = ok_json(posko_stdin(
        d,
        &["complaint", "add", "--json", "-"],
        &mine("Siti menunggu lama").to_string(),
    ));
    ok_json(posko_stdin(
        d,
        &["complaint", "add", "--json", "-"],
        &mine("Loket tutup").to_string(),
    ));
    let id = a["id"].as_i64().unwrap().to_string();
    ok_json(posko(
        d,
        &[
            "complaint",
            "transition",
            &id,
            "archive",
            "--note",
            "Tidak dapat ditindaklanjuti",
            "--json",
        ],
    ));

    let found = ok_json(posko(
        d,
        &["subject", "find", "--phone", "+62 812-3456-7890", "--json"],
    ));
    assert_eq!(found["cases"].as_array().unwrap().len(), 2);
    assert_eq!(found["erasable"], 1);

    let out = d.join("siti.pdf");
    let r = ok_json(posko(
        d,
        &[
            "subject",
            "export",
            "--nik",
            "3201014101900003",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(r["complaints"], 2);
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF"));
    let bad = err_json(posko(
        d,
        &[
            "subject",
            "export",
            "--nik",
            "3201014101900003",
            "--out",
            "x.txt",
            "--json",
        ],
    ));
    assert_eq!(bad["code"], "BAD_REQUEST");
    let bad = err_json(posko(d, &["subject", "find", "--nik", "12", "--json"]));
    assert_eq!(bad["code"], "VALIDATION");

    let r = ok_json(posko(
        d,
        &[
            "subject",
            "erase",
            "--nik",
            "3201014101900003",
            "--reason",
            "Surat permintaan 3/2026",
            "--json",
        ],
    ));
    assert_eq!(r["erased"].as_array().unwrap().len(), 1);
    assert_eq!(r["still_open"].as_array().unwrap().len(), 1);
    let found = ok_json(posko(
        d,
        &["subject", "find", "--nik", "3201014101900003", "--json"],
    ));
    assert_eq!(
        found["cases"].as_array().unwrap().len(),
        1,
        "only the open one still holds it"
    );
    let log = ok_json(posko(
        d,
        &["audit", "list", "--action", "identity_erase", "--json"],
    ));
    assert_eq!(log["rows"].as_array().unwrap().len(), 1, "{log}");

    // Retention off (0): nothing.
    let r = ok_json(posko(d, &["subject", "retention", "--json"]));
    assert!(r["erased"].as_array().unwrap().is_empty());
}
