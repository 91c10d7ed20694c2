//! The monev part of the `posko` CLI: `monev indicators`, `visit …`,
//! `report monev|visit|verify` with their `--json` output and exit codes
//! (verify: 0 match, 4 mismatch, 2 not a report). Real binary, real store,
//! real keychain (scripts/with-keyring.sh).

use std::process::Output;

use crate::common::{ok_json, posko, posko_stdin};
use serde_json::{Value, json};

fn err_code(out: &Output) -> String {
    let v: Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["error"]["code"].as_str().unwrap().to_owned()
}

#[test]
fn monev_indicators_visits_reports_and_verify() {
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
    ));
    for (kind, secret) in [
        ("aspirasi", false),
        ("pengaduan_tidak_berkadar_pengawasan", true),
    ] {
        let c = json!({
            "channel": "whatsapp", "kind": kind, "title": "Antrean panjang",
            "description": "Antrean pagi terlalu panjang.", "is_secret": secret,
            "reporter": {"name": "Siti Nurhaliza", "nik": "3201014101900003"}
        });
        ok_json(posko_stdin(
            d,
            &["complaint", "add", "--json", "-"],
            &c.to_string(),
        ));
    }
    let today = chrono::Local::now().date_naive();
    let from = (today - chrono::Duration::days(30)).to_string();
    let to = (today + chrono::Duration::days(1)).to_string();
    let ind = ok_json(posko(
        d,
        &[
            "monev",
            "indicators",
            "--from",
            &from,
            "--to",
            &to,
            "--json",
        ],
    ));
    assert_eq!(ind["complaints"]["received"]["value"], 2);
    assert_eq!(ind["complaints"]["secret"]["value"], 1);
    let list = ok_json(posko(
        d,
        &[
            "monev",
            "complaints",
            "--from",
            &from,
            "--to",
            &to,
            "--cell",
            r#"{"metric":"kind","key":"aspirasi"}"#,
            "--json",
        ],
    ));
    assert_eq!(list["total"], 1);

    // A visit to a second unit, from JSON, finished.
    ok_json(posko(
        d,
        &[
            "visit",
            "unit",
            "--code",
            "PKM-TANDUNG",
            "--name",
            "Puskesmas Tandung",
            "--json",
        ],
    ));
    let instruments = ok_json(posko(d, &["visit", "instruments", "--json"]));
    assert_eq!(instruments["instruments"].as_array().unwrap().len(), 2);
    let yes = |id: &str| json!({"item_id": id, "answer": {"type": "yes"}});
    let answers: Vec<Value> = [
        "maklumat-ada",
        "maklumat-ditandatangani",
        "maklumat-dipajang",
    ]
    .iter()
    .map(|i| yes(i))
    .chain(
        [
            "dasar-hukum",
            "persyaratan",
            "prosedur",
            "jangka-waktu",
            "biaya",
            "produk",
            "sarana",
            "kompetensi",
            "pengawasan-internal",
            "penanganan-pengaduan",
            "jumlah-pelaksana",
            "jaminan-pelayanan",
            "jaminan-keamanan",
            "evaluasi-kinerja",
        ]
        .iter()
        .map(|i| json!({"item_id": i, "answer": {"type": "score", "value": 3}})),
    )
    .chain([
        json!({"item_id": "media-informasi", "answer": {"type": "choice", "value": "keduanya"}}),
    ])
    .collect();
    let visit = json!({
        "unit_code": "PKM-TANDUNG",
        "instrument": {"id": "kepatuhan-standar-pelayanan"},
        "visit_date": today.to_string(),
        "answers": answers,
        "findings": ["Maklumat sudah dipajang."],
        "team": [{"name": "dr. Ayu Lestari", "nip": "198001012005012001", "position": "Kepala Seksi"}],
        "head": {"name": "dr. Rahmat", "position": "Kepala Puskesmas Tandung"}
    });
    let v = ok_json(posko_stdin(
        d,
        &["visit", "save", "--json", "-"],
        &visit.to_string(),
    ));
    let id = v["id"].as_i64().unwrap().to_string();
    assert_eq!(v["state"], "draft");
    let v = ok_json(posko(d, &["visit", "finish", &id, "--json"]));
    assert_eq!(v["score"]["total"], 100.0);
    assert_eq!(v["score"]["zone"]["code"], "hijau");
    let rank = ok_json(posko(
        d,
        &[
            "visit",
            "ranking",
            "--from",
            &from,
            "--to",
            &to,
            "--instrument",
            "kepatuhan-standar-pelayanan",
            "--json",
        ],
    ));
    assert_eq!(rank["units"][0]["unit_code"], "PKM-TANDUNG");
    // Saving a finished visit is refused with a clear code.
    let mut again = visit.clone();
    again["id"] = json!(v["id"]);
    let out = posko_stdin(d, &["visit", "save", "--json", "-"], &again.to_string());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err_code(&out), "VISIT_LOCKED");

    // The reports.
    let pdf = d.join("monev.pdf");
    let r = ok_json(posko(
        d,
        &[
            "report",
            "monev",
            "--from",
            &from,
            "--to",
            &to,
            "--out",
            pdf.to_str().unwrap(),
            "--date",
            &today.to_string(),
            "--json",
        ],
    ));
    assert!(
        r["doc_no"]
            .as_str()
            .unwrap()
            .starts_with("MONEV/PKM-SENDANA/")
    );
    assert_eq!(r["out"], pdf.to_str().unwrap());
    assert!(r["pages"].as_u64().unwrap() >= 8);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let vpdf = d.join("visit.pdf");
    let r = ok_json(posko(
        d,
        &[
            "report",
            "visit",
            "--id",
            &id,
            "--out",
            vpdf.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(r["kind"], "visit");
    let ok = ok_json(posko(
        d,
        &["report", "verify", pdf.to_str().unwrap(), "--json"],
    ));
    assert_eq!(ok["matches"], true);
    let ok = posko(d, &["report", "verify", vpdf.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("COCOK"));
    // The data changes (an SK tim is recorded): the period report no longer matches.
    ok_json(posko(
        d,
        &[
            "monev",
            "decree",
            "--unit",
            "PKM-SENDANA",
            "--number",
            "800/1/2026",
            "--date",
            &today.to_string(),
            "--json",
        ],
    ));
    let out = posko(d, &["report", "verify", pdf.to_str().unwrap(), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"], false);
    // Not a report; a bad instrument.
    let junk = d.join("junk.pdf");
    std::fs::write(&junk, b"%PDF-1.4 nothing").unwrap();
    let out = posko(d, &["report", "verify", junk.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err_code(&out), "NOT_A_REPORT");
    let bad = d.join("bad.toml");
    std::fs::write(&bad, "id = \"x\"\nversion = 1\ntitle = \"X\"\n[[section]]\nid = \"s\"\ntitle = \"S\"\n[[section.item]]\nid = \"a\"\ntext = \"a\"\ntype = \"bintang\"\n").unwrap();
    let out = posko(
        d,
        &[
            "--lang",
            "en",
            "visit",
            "import",
            bad.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err_code(&out), "INVALID_INSTRUMENT");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown answer type"));
}
