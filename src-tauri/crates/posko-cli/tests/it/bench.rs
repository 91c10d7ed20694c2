//! `posko bench` smoke run (issue 7): tiny sizes on whatever build runs the
//! tests, so the harness never rots. Checks the public `--json` shape and
//! that every row has a number at every size; targets are not checked here
//! (they live in the benchmark's output). Needs the keychain
//! (scripts/with-keyring.sh).

use std::process::Command;

use serde_json::Value;

fn posko(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_posko"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bench_smoke_gives_every_row_with_numbers_and_writes_its_section() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = tmp.path().join("benchmarks.md");
    std::fs::write(&doc, "# Benchmarks\n\n## Sync throughput\n\nkept as is\n").unwrap();
    let out = posko(&[
        "bench",
        "--sizes",
        "150,300",
        "--runs",
        "2",
        "--json",
        "--write",
        doc.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(v["sizes"], serde_json::json!([150, 300]));
    assert_eq!(v["runs"], 2);
    assert!(v["machine"]["cores"].as_u64().unwrap() >= 1);
    assert!(!v["machine"]["cpu"].as_str().unwrap().is_empty());
    let rows = v["rows"].as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "intake",
            "register",
            "register_due",
            "first_screens",
            "search",
            "indicators",
            "indicators_cold",
            "deadlines",
            "report",
            "db_size"
        ]
    );
    for r in rows {
        let pts = r["points"].as_array().unwrap();
        assert_eq!(pts.len(), 2, "{r}");
        for (p, size) in pts.iter().zip([150u64, 300]) {
            assert_eq!(p["size"], size);
            assert!(p["complaints"].as_u64().unwrap() >= size, "{p}");
            let value = p["value"].as_f64().unwrap_or(f64::NAN);
            assert!(
                value.is_finite() && value > 0.0,
                "{} at {size}: {p}",
                r["id"]
            );
            if r["reference"].is_string() {
                let re = p["reference"].as_f64().unwrap_or(f64::NAN);
                assert!(re.is_finite() && re > 0.0, "{} reference: {p}", r["id"]);
                let ratio = p["ratio"].as_f64().unwrap();
                assert!((ratio - value / re).abs() < 1e-9 * ratio.max(1.0));
            } else {
                assert!(p["reference"].is_null());
            }
        }
        assert!(r["growth"].as_f64().is_some_and(f64::is_finite), "{r}");
        assert!(r["super_linear"].is_boolean());
        assert_eq!(r["met"].is_null(), r["limit"].is_null(), "{r}");
    }
    // Each measured what it says: intakes stored, search found, pages made.
    let by = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap()["points"][1].clone();
    assert!(by("intake")["detail"]["samples"].as_u64().unwrap() >= 80);
    assert!(by("report")["detail"]["pages"].as_u64().unwrap() >= 1);
    assert!(
        by("deadlines")["detail"]["open_deadlines"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let found = &by("search")["detail"]["found_search_like"];
    assert!(found["antrean"][0].as_u64().unwrap() >= 1, "{found}");
    // The section went into the file, the rest kept.
    let written = std::fs::read_to_string(&doc).unwrap();
    assert!(written.starts_with("# Benchmarks\n\n## Sync throughput\n\nkept as is\n"));
    assert!(written.contains("| intake of one complaint through the core, p99 |"));
    assert!(written.contains("Machine: "));
}

#[test]
fn bench_refuses_bad_sizes_and_keeps_its_subcommands() {
    let out = posko(&["bench", "--sizes", "0", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["error"]["code"], "BAD_REQUEST");
    let out = posko(&["bench", "--sizes", "10", "--only", "intake,speed", "--json"]);
    assert_eq!(out.status.code(), Some(2), "an unknown figure is refused");
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(
        e["error"]["message"].as_str().unwrap().contains("speed"),
        "{e}"
    );
    let out = posko(&["bench", "report", "--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--complaints"));
}

#[test]
fn bench_only_measures_the_figures_asked_for() {
    let out = posko(&[
        "bench", "--sizes", "60", "--runs", "1", "--only", "intake", "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "intake");
    let d = &rows[0]["points"][0]["detail"];
    assert_eq!(d["samples"], 40);
    assert_eq!(d["slowest_ms"].as_array().unwrap().len(), 5, "{d}");
    assert!(d["checkpoints_background"].is_u64(), "{d}");
    assert!(d["checkpoints_inline"].is_u64(), "{d}");
}
