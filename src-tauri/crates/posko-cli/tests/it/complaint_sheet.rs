//! `posko report complaint ID --out FILE.pdf [--json]`: the complaint sheet
//! (lembar pengaduan) from the CLI, its `--json` output, `report verify` on it
//! (0 while the complaint is unchanged, 4 after a new step) and exit 2 with
//! NOT_FOUND for an unknown id. Real binary, real store, real keychain
//! (scripts/with-keyring.sh); pdftotext (poppler-utils) reads the PDF.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common::ok_json;
use serde_json::{Value, json};

fn posko(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_posko"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn report_complaint_writes_the_sheet_and_it_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok_json(posko(
        d,
        &[
            "init",
            "--unit-name",
            "Puskesmas Sendana",
            "--unit-code",
            "PKM-SENDANA",
            "--json",
        ],
        None,
    ));
    let c = json!({
        "channel": "telepon", "kind": "aspirasi", "title": "Ruang tunggu panas",
        "description": "Kipas angin di ruang tunggu rusak.",
        "reporter": {"name": "Siti Nurhaliza", "nik": "3201014101900003"}
    });
    let created = ok_json(posko(
        d,
        &["complaint", "add", "--json", "-"],
        Some(&c.to_string()),
    ));
    let id = created["id"].as_i64().unwrap().to_string();
    let register_no = created["register_no"].as_str().unwrap().to_owned();
    for (action, note) in [("verify", "Lengkap"), ("route", "Ke bagian umum")] {
        ok_json(posko(
            d,
            &[
                "complaint",
                "transition",
                &id,
                action,
                "--note",
                note,
                "--json",
            ],
            None,
        ));
    }
    ok_json(posko(
        d,
        &[
            "complaint",
            "follow-up",
            &id,
            "--content",
            "Kipas angin diganti pada 3 Maret.",
            "--approve",
            "--json",
        ],
        None,
    ));
    let pdf = d.join("lembar.pdf");
    let r = ok_json(posko(
        d,
        &[
            "report",
            "complaint",
            &id,
            "--out",
            pdf.to_str().unwrap(),
            "--json",
        ],
        None,
    ));
    assert_eq!(r["kind"], "complaint");
    assert_eq!(r["out"], pdf.to_str().unwrap());
    assert_eq!(r["pages"], 1);
    assert!(r["doc_no"].as_str().unwrap().starts_with("LP/PKM-SENDANA/"));
    let text = pdf_text(&pdf);
    for want in [
        register_no.as_str(),
        "LEMBAR PENGADUAN",
        "Ruang tunggu panas",
        "Ke bagian umum",
        "Kipas angin diganti pada 3 Maret.",
        "Petugas penerima",
        "Kepala Puskesmas Sendana",
        "Siti Nurhaliza",
    ] {
        assert!(text.contains(want), "missing {want:?}: {text}");
    }
    let ok = ok_json(posko(
        d,
        &["report", "verify", pdf.to_str().unwrap(), "--json"],
        None,
    ));
    assert_eq!(ok["kind"], "complaint");
    assert_eq!(ok["matches"], true);
    // The complaint moves on: the printed sheet no longer matches the store.
    ok_json(posko(
        d,
        &["complaint", "transition", &id, "finish", "--json"],
        None,
    ));
    let out = posko(d, &["report", "verify", pdf.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(4));
    // Plain output and an unknown id.
    let out = posko(
        d,
        &["report", "complaint", &id, "--out", pdf.to_str().unwrap()],
        None,
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 halaman"));
    let out = posko(
        d,
        &[
            "report",
            "complaint",
            "999",
            "--out",
            d.join("x.pdf").to_str().unwrap(),
            "--json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["error"]["code"], "NOT_FOUND");
    assert!(!d.join("x.pdf").exists());
}
