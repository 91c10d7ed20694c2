//! The `lapor-sim` binary: serve (base URL on stdout, faults and seed from
//! flags/env), the `admin` subcommand, refusal of bad input, clean stop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_lapor-sim");
const KEY: &str = "kunci-cli";
const TOKEN: &str = "0b7e2f5a-1111-4222-8333-944455556666";

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only the child this test started, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str], envs: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env_remove("LAPOR_SIM_FAULTS")
        .env_remove("LAPOR_SIM_SEED")
        .env("LAPOR_SIM_AUTH_KEY", KEY)
        .env("LAPOR_SIM_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn lapor-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    Server { child, url }
}

fn get(url: &str, path: &str) -> u16 {
    reqwest::blocking::Client::new()
        .get(format!("{url}{path}"))
        .header("Authorization", format!("Bearer {KEY}"))
        .header("token", TOKEN)
        .timeout(Duration::from_secs(10))
        .send()
        .expect("send")
        .status()
        .as_u16()
}

fn admin(url: &str, args: &[&str]) -> (bool, serde_json::Value, String) {
    let out = Command::new(BIN)
        .args(["admin", "--url", url])
        .args(args)
        .output()
        .expect("run admin");
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.success(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn serve_with_faults_and_drive_with_admin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.sqlite3");
    let s = serve(
        &[
            "--db",
            db.to_str().unwrap(),
            "--fault",
            "templates:503@next=1",
            "--seed",
            "11",
            "--quiet",
        ],
        &[(
            "LAPOR_SIM_FAULTS",
            "institutions:429=2@next=1,search:500@next=1",
        )],
    );
    assert_eq!(get(&s.url, "/masters/templates"), 503);
    assert_eq!(get(&s.url, "/masters/templates"), 200);
    // The command-line --fault wins over the env list (clap semantics).
    assert_eq!(
        get(&s.url, "/masters/institutions/external?page_size=3"),
        200
    );

    let (ok, v, _) = admin(&s.url, &["stats"]);
    assert!(ok);
    assert_eq!(v["requests"]["templates"], 2);
    assert_eq!(v["faults"]["status_503"], 1);
    assert_eq!(v["seed"], 11);

    // Create through the API, then walk it with the admin CLI.
    let created: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{}/complaints/complaint", s.url))
        .header("Authorization", format!("Bearer {KEY}"))
        .header("token", TOKEN)
        .json(&serde_json::json!({
            "title": "Petugas tidak ramah", "content": "Di loket pendaftaran.",
            "channel": 1, "classification_id": 2, "category_id": 301,
            "is_anonymous": true, "is_secret": false, "tags_raw": "posko-ref-cli0000001", "attachments": []
        }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = created["data"]["complaint_id"].to_string();
    for (args, status) in [
        (vec!["verify", &id], "Terverifikasi"),
        (vec!["dispose", &id, "103"], "Terverifikasi"),
        (vec!["process", &id], "Dalam Proses"),
        (
            vec![
                "followup",
                &id,
                "Sudah ditegur.",
                "--institution",
                "103",
                "--template",
                "TL-01",
            ],
            "Dalam Proses",
        ),
        (vec!["reporter-reply", &id, "Terima kasih."], "Dalam Proses"),
        (vec!["finish", &id], "Selesai"),
        (
            vec!["status", &id, "99", "Menunggu Verifikasi Ulang"],
            "Menunggu Verifikasi Ulang",
        ),
        (vec!["archive", &id, "Uji"], "Diarsipkan"),
        (vec!["reject", &id, "Uji"], "Ditolak"),
        (vec!["postpone", &id, "Uji"], "Ditunda"),
        (vec!["forward", &id, "112", "Uji"], "Bukan Wewenang"),
    ] {
        let (ok, v, err) = admin(&s.url, &args);
        assert!(ok, "{args:?}: {err}");
        assert_eq!(v["status_name"], status, "{args:?}");
    }
    let (ok, v, _) = admin(&s.url, &["complaints", "--tag", "posko-ref-cli0000001"]);
    assert!(ok);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["followups"], 2);

    let (ok, v, _) = admin(
        &s.url,
        &["set-faults", "get_complaint:reset", "--seed", "3"],
    );
    assert!(ok);
    assert_eq!(v["rules"].as_array().unwrap().len(), 1);
    let (ok, _, _) = admin(&s.url, &["add-fault", "templates:latency=1"]);
    assert!(ok);
    let (ok, v, _) = admin(&s.url, &["clear-faults"]);
    assert!(ok);
    assert!(v["rules"].as_array().unwrap().is_empty());
    let (ok, _, err) = admin(&s.url, &["add-fault", "templates:explode"]);
    assert!(!ok);
    assert!(err.contains("SIM_BAD_FAULT_SPEC"), "{err}");
    let (ok, _, err) = admin(&s.url, &["verify", "424242"]);
    assert!(!ok);
    assert!(err.contains("SIM_ADMIN_HTTP"), "{err}");
    let (ok, _, _) = admin(&s.url, &["reset"]);
    assert!(ok);
    let (_, v, _) = admin(&s.url, &["stats"]);
    assert_eq!(v["complaints"], 0);
}

#[test]
fn sigterm_stops_cleanly_and_state_persists() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.sqlite3");
    let mut s = serve(&["--db", db.to_str().unwrap()], &[]);
    let id = {
        let v: serde_json::Value = reqwest::blocking::Client::new()
            .post(format!("{}/complaints/complaint", s.url))
            .header("Authorization", format!("Bearer {KEY}"))
            .header("token", TOKEN)
            .json(&serde_json::json!({
                "title": "Obat kosong", "content": "Sudah seminggu.",
                "channel": 1, "classification_id": 2, "category_id": 301,
                "is_anonymous": false, "is_secret": false, "tags_raw": "", "attachments": []
            }))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v["data"]["complaint_id"].as_u64().unwrap()
    };
    // SIGTERM to our own child, by pid.
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");

    let s2 = serve(&["--db", db.to_str().unwrap(), "--quiet"], &[]);
    assert_eq!(get(&s2.url, &format!("/complaints/{id}/complaint")), 200);
}

#[test]
fn refuses_bad_input() {
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("LAPOR_SIM_AUTH_KEY", KEY)
            .env("LAPOR_SIM_TOKEN", TOKEN)
            .env_remove("LAPOR_SIM_FAULTS")
            .output()
            .unwrap()
    };
    let out = run(&["--listen", "127.0.0.1:0", "--fault", "nowhere:reset"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIM_BAD_FAULT_SPEC"));
    let out = run(&["--listen", "0.0.0.0:0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIM_NOT_LOOPBACK"));
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("LAPOR_SIM_AUTH_KEY")
        .env_remove("LAPOR_SIM_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIM_CONFIG"));
}
