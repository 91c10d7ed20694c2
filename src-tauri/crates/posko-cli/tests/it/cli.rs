//! The `posko` CLI is a public interface: these tests pin its commands, flags,
//! `--json` output and exit codes. They run the real binary on a real store
//! with the real keychain (use scripts/with-keyring.sh).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{ok_json, posko, posko_stdin};
use serde_json::Value;

fn init() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = posko(
        dir.path(),
        &[
            "init",
            "--unit-name",
            "Puskesmas Sendana",
            "--unit-code",
            "PKM-SENDANA",
            "--zone",
            "WITA",
            "--json",
        ],
    );
    let v = ok_json(out);
    assert_eq!(v["office"]["unit_code"], "PKM-SENDANA");
    assert_eq!(v["office"]["zone"], "WITA");
    dir
}

#[test]
fn init_add_list_search_show() {
    let dir = init();
    let file = dir.path().join("in.json");
    std::fs::write(
        &file,
        r#"{"channel":"whatsapp","kind":"pengaduan_tidak_berkadar_pengawasan","title":"Antrean loket panjang",
            "description":"Menunggu tiga jam di loket pendaftaran.","reporter":{"name":"Siti Aminah","phone":"0812 3456 7890"},
            "received_at":"2026-03-02T01:00:00Z"}"#,
    )
    .unwrap();
    let created = ok_json(posko(
        dir.path(),
        &["complaint", "add", "--json", file.to_str().unwrap()],
    ));
    assert_eq!(created["register_no"], "PKM-SENDANA/2026/0001");
    let id = created["id"].as_i64().unwrap();

    // From standard input too.
    let mut child = Command::new(env!("CARGO_BIN_EXE_posko"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["complaint", "add", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"channel":"surat","kind":"aspirasi","title":"Usul kursi tambahan","description":"Ruang tunggu kurang kursi."}"#)
        .unwrap();
    let second = ok_json(child.wait_with_output().unwrap());
    assert_eq!(second["register_no"], "PKM-SENDANA/2026/0002");

    let list = ok_json(posko(
        dir.path(),
        &["complaint", "list", "--json", "--kind", "aspirasi"],
    ));
    assert_eq!(list["total"], 1);
    assert_eq!(list["rows"][0]["title"], "Usul kursi tambahan");
    let list = ok_json(posko(
        dir.path(),
        &[
            "complaint",
            "list",
            "--json",
            "--status",
            "received",
            "--channel",
            "whatsapp",
        ],
    ));
    assert_eq!(list["total"], 1);

    let found = ok_json(posko(dir.path(), &["search", "antre", "--json"]));
    assert_eq!(found["total"], 1);
    assert_eq!(found["rows"][0]["id"], id);

    let shown = ok_json(posko(
        dir.path(),
        &["complaint", "show", &id.to_string(), "--json"],
    ));
    assert_eq!(shown["reporter"]["masked"], true);
    assert_eq!(shown["status"], "received");
    let moved = ok_json(posko(
        dir.path(),
        &[
            "complaint",
            "transition",
            &id.to_string(),
            "verify",
            "--json",
        ],
    ));
    assert_eq!(moved["status"], "verified");
}

#[test]
fn deadline_uses_the_store_calendar() {
    let dir = init();
    // 14 working days from Monday 2 March 2026 skip Nyepi, Idul Fitri and cuti bersama.
    let out = posko(
        dir.path(),
        &["deadline", "--from", "2026-03-02", "--working-days", "14"],
    );
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2026-03-27");
    let v = ok_json(posko(
        dir.path(),
        &[
            "deadline",
            "--from",
            "2026-03-02",
            "--working-days",
            "14",
            "--json",
        ],
    ));
    assert_eq!(v["due"], "2026-03-27");
    // After a regional holiday is imported the answer moves.
    let csv = dir.path().join("libur.csv");
    std::fs::write(
        &csv,
        "tanggal;nama;jenis;sumber\n10/03/2026;Hari Jadi Kabupaten;libur daerah;Perbup\n",
    )
    .unwrap();
    let r = ok_json(posko(
        dir.path(),
        &["holidays", "import", csv.to_str().unwrap(), "--json"],
    ));
    assert_eq!(r["added"], 1);
    let out = posko(
        dir.path(),
        &["deadline", "--from", "2026-03-02", "--working-days", "14"],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2026-03-30");
}

#[test]
fn demo_fills_the_register() {
    let dir = init();
    let v = ok_json(posko(
        dir.path(),
        &["demo", "--count", "40", "--seed", "3", "--json"],
    ));
    assert_eq!(v["created"], 40);
    let list = ok_json(posko(
        dir.path(),
        &["complaint", "list", "--json", "--limit", "5"],
    ));
    assert_eq!(list["total"], 40);
    assert_eq!(list["rows"].as_array().unwrap().len(), 5);
}

#[test]
fn errors_are_coded_and_exit_2() {
    let dir = init();
    let file = dir.path().join("bad.json");
    std::fs::write(&file, r#"{"channel":"whatsapp","kind":"aspirasi","title":"","description":"x","reporter":{"nik":"123"}}"#).unwrap();
    let out = posko(
        dir.path(),
        &["complaint", "add", "--json", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "VALIDATION");
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "reporter_nik"]);
    // Unknown JSON fields and wrong types are refused, not ignored.
    std::fs::write(
        &file,
        r#"{"channel":"fax","kind":"aspirasi","title":"x","description":"x"}"#,
    )
    .unwrap();
    let out = posko(
        dir.path(),
        &["complaint", "add", "--json", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "BAD_REQUEST");
    // A store that does not exist is not created by reading commands.
    let empty = tempfile::tempdir().unwrap();
    let out = posko(empty.path(), &["complaint", "list", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "NOT_INITIALIZED");
    assert!(!empty.path().join("posko.db").exists());
    // Messages in English on request.
    let out = posko(empty.path(), &["--lang", "en", "complaint", "list"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not set up"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sync_sends_to_the_simulator_and_reports_its_state() {
    const KEY: &str = "kunci-cli-uji";
    const TOKEN: &str = "0c9a7b1e-2d3f-4a5b-8c6d-7e8f9a0b1c2d";
    let sim = lapor_sim::Sim::start(lapor_sim::SimConfig::new(KEY, TOKEN)).unwrap();
    let dir = init();
    ok_json(posko(
        dir.path(),
        &["demo", "--count", "7", "--seed", "5", "--json"],
    ));

    // Not configured yet: a coded error, exit 2.
    let out = posko(dir.path(), &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "SYNC_NOT_CONFIGURED");

    let v = ok_json(posko(
        dir.path(),
        &[
            "lapor",
            "configure",
            "--base-url",
            sim.base_url(),
            "--timeout-secs",
            "5",
            "--json",
        ],
    ));
    assert_eq!(v["base_url"], sim.base_url());
    // Plain http to a remote host is refused (secrets would travel in clear).
    let out = posko(
        dir.path(),
        &[
            "lapor",
            "configure",
            "--base-url",
            "http://lapor.go.id/api",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));

    // Credentials missing: coded error, nothing sent.
    let out = posko(dir.path(), &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "SYNC_CREDENTIALS_MISSING");

    let out = posko_stdin(
        dir.path(),
        &["lapor", "credentials"],
        &format!("{KEY}\n{TOKEN}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The secrets never reach the output or the store directory.
    assert!(!String::from_utf8_lossy(&out.stdout).contains(KEY));

    let status = ok_json(posko(dir.path(), &["sync", "status", "--json"]));
    assert_eq!(status["configured"], true);
    // Demo reports come with follow-ups: one outbox entry per report and per follow-up.
    let queued = status["counts"]["pending"].as_u64().unwrap();
    assert!(queued >= 7, "{status}");

    let run = ok_json(posko(dir.path(), &["sync", "--json"]));
    let status = ok_json(posko(dir.path(), &["sync", "status", "--json"]));
    let c = &status["counts"];
    let n = |k: &str| c[k].as_u64().unwrap();
    assert_eq!(n("sent"), run["sent"].as_u64().unwrap(), "{run} {status}");
    // Reports that came from LAPOR! are not sent back; their follow-ups wait
    // for a national id, visibly, and nothing else is left.
    assert_eq!(n("sent") + n("skipped") + n("pending"), queued, "{status}");
    assert!(
        status["queue"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["waiting_for_report"] == true),
        "{status}"
    );
    assert_eq!(
        sim.admin().complaints().unwrap().len() as u64,
        7 - n("skipped")
    );
    let sent_before = n("sent");

    // Server down: the run ends with exit 3 and the report waits in the outbox.
    ok_json(posko(
        dir.path(),
        &["demo", "--count", "1", "--seed", "6", "--json"],
    ));
    let base = sim.base_url().to_owned();
    drop(sim);
    let out = posko(dir.path(), &["sync", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(run["retried"].as_u64().unwrap() >= 1, "{run}");
    let status = ok_json(posko(dir.path(), &["sync", "status", "--json"]));
    assert_eq!(status["base_url"], base);
    assert!(status["counts"]["pending"].as_u64().unwrap() >= 1);
    assert_eq!(status["counts"]["sent"].as_u64(), Some(sent_before));
}
