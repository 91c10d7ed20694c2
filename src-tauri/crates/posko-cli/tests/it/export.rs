//! Excel and CSV exports (issue 8): `posko monev export` and `posko visit
//! export` on a demo store, the produced .xlsx opened with calamine: the
//! sheets and headers, every number equal to `posko monev indicators
//! --json`, one row per visit and per answer; the CSV's sections; no
//! temporary file left; a wrong extension refused.

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader};
use serde_json::{Value, json};

use crate::common::{ok_json, posko, posko_stdin};

type Sheet = Vec<Vec<Data>>;

fn open_xlsx(path: &Path) -> (Vec<String>, HashMap<String, Sheet>) {
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let names = book.sheet_names().to_vec();
    let mut sheets = HashMap::new();
    for n in &names {
        let range = book.worksheet_range(n).unwrap();
        sheets.insert(n.clone(), range.rows().map(|r| r.to_vec()).collect());
    }
    (names, sheets)
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn num(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::Empty => None,
        other => panic!("not a number: {other:?}"),
    }
}

fn header(s: &Sheet) -> Vec<String> {
    s[0].iter().map(text).collect()
}

/// The sheet's data rows by their first cell.
fn by_label(s: &Sheet) -> HashMap<String, Vec<Data>> {
    s[1..].iter().map(|r| (text(&r[0]), r.clone())).collect()
}

fn no_part_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".part"), "left behind: {name}");
    }
}

#[test]
fn monev_export_matches_the_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("store");
    let d = d.as_path();
    ok_json(posko(
        d,
        &[
            "init",
            "--unit-name",
            "Puskesmas Ekspor",
            "--unit-code",
            "PKM-EKSPOR",
            "--json",
        ],
    ));
    ok_json(posko(
        d,
        &[
            "demo", "--count", "400", "--seed", "8", "--days", "150", "--json",
        ],
    ));
    let today = chrono::Local::now().date_naive();
    let from = (today - chrono::Duration::days(120)).to_string();
    let to = today.to_string();
    let period = ["--from", from.as_str(), "--to", to.as_str()];
    let ind = ok_json(posko(
        d,
        &[&["monev", "indicators"][..], &period, &["--json"]].concat(),
    ));
    let c = &ind["complaints"];
    assert!(c["received"]["value"].as_u64().unwrap() > 100);

    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let xlsx = out_dir.join("indikator.xlsx");
    let xs = xlsx.to_str().unwrap();
    let r = ok_json(posko(
        d,
        &[&["monev", "export"][..], &period, &["--out", xs, "--json"]].concat(),
    ));
    assert_eq!(r["format"], "xlsx");
    assert_eq!(r["identities"], false);
    assert!(r["bytes"].as_u64().unwrap() > 1000);
    no_part_files(&out_dir);

    let (names, sheets) = open_xlsx(&xlsx);
    assert_eq!(
        names,
        [
            "Keterangan",
            "Ringkasan",
            "Jenis",
            "Saluran",
            "Topik",
            "Bulan",
            "Unit",
            "Status",
            "Unit x Status",
            "Batas waktu",
            "Durasi"
        ]
    );
    // Every table's rows are counted in the --json answer.
    let data_rows: usize = sheets.values().map(|s| s.len() - 1).sum();
    assert_eq!(r["rows"].as_u64().unwrap() as usize, data_rows);

    let sum = &sheets["Ringkasan"];
    assert_eq!(header(sum), ["Indikator", "Jumlah", "Persen (%)"]);
    let rows = by_label(sum);
    for (label, key) in [
        ("Laporan diterima", "received"),
        ("Terverifikasi", "verified"),
        ("Didisposisikan", "routed"),
        ("Sudah ditindaklanjuti", "followed_up"),
        ("Selesai", "finished"),
        ("Dalam proses", "in_process"),
        ("Diarsipkan", "archived"),
        ("Ditutup", "closed"),
        ("Dibuka kembali", "reopened"),
        ("Pelapor anonim", "anonymous"),
        ("Laporan rahasia", "secret"),
    ] {
        let row = &rows[label];
        assert_eq!(num(&row[1]), c[key]["value"].as_f64(), "{label}");
        assert_eq!(num(&row[2]), c[key]["pct"].as_f64(), "{label} %");
    }

    // By kind, channel, month, status: same order, same numbers.
    for (sheet, key) in [
        ("Jenis", "by_kind"),
        ("Saluran", "by_channel"),
        ("Bulan", "by_month"),
        ("Status", "by_status"),
    ] {
        let s = &sheets[sheet];
        let want = c[key].as_array().unwrap();
        assert_eq!(s.len() - 1, want.len(), "{sheet}");
        for (row, w) in s[1..].iter().zip(want) {
            assert_eq!(num(&row[1]), w["value"].as_f64(), "{sheet}");
            assert_eq!(num(&row[2]), w["pct"].as_f64(), "{sheet}");
        }
    }
    assert_eq!(header(&sheets["Jenis"])[0], "Jenis laporan");
    assert!(by_label(&sheets["Jenis"]).contains_key("Aspirasi"));
    assert!(by_label(&sheets["Saluran"]).contains_key("WhatsApp"));
    let months: Vec<String> = sheets["Bulan"][1..].iter().map(|r| text(&r[0])).collect();
    let want: Vec<String> = c["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["cell"]["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(months, want);

    // Topics by their labels, not ids.
    let labels: HashMap<i64, String> = ind["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_i64().unwrap(),
                t["label"].as_str().unwrap().into(),
            )
        })
        .collect();
    let topics = &sheets["Topik"];
    assert_eq!(topics.len() - 1, c["by_topic"].as_array().unwrap().len());
    for (row, w) in topics[1..].iter().zip(c["by_topic"].as_array().unwrap()) {
        let label = match w["cell"]["key"].as_i64() {
            Some(id) => labels[&id].clone(),
            None => "Tanpa topik".into(),
        };
        assert_eq!(text(&row[0]), label);
        assert_eq!(num(&row[1]), w["value"].as_f64());
    }

    // Units and unit x status.
    let units = &sheets["Unit"];
    assert_eq!(
        header(units),
        ["Kode unit", "Nama unit", "Jumlah", "Persen (%)"]
    );
    assert_eq!(text(&units[1][0]), "PKM-EKSPOR");
    assert_eq!(text(&units[1][1]), "Puskesmas Ekspor");
    assert_eq!(num(&units[1][2]), c["received"]["value"].as_f64());
    let us = &sheets["Unit x Status"];
    assert_eq!(header(us)[2], "Diterima");
    for (row, w) in us[1..].iter().zip(c["by_unit_status"].as_array().unwrap()) {
        assert_eq!(text(&row[0]), w["unit_code"].as_str().unwrap());
        let got: Vec<Option<f64>> = row[2..].iter().map(num).collect();
        let want: Vec<Option<f64>> = w["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["value"].as_f64())
            .collect();
        assert_eq!(got, want);
    }

    // Deadline compliance per step, durations.
    let dl = &sheets["Batas waktu"];
    assert_eq!(
        header(dl),
        [
            "Tahap",
            "Tepat waktu",
            "Terlambat",
            "Belum jatuh tempo",
            "Tepat waktu (%)"
        ]
    );
    let want = c["deadlines"].as_array().unwrap();
    assert_eq!(dl.len() - 1, want.len());
    for (row, w) in dl[1..].iter().zip(want) {
        assert_eq!(num(&row[1]), w["on_time"]["value"].as_f64());
        assert_eq!(num(&row[2]), w["late"]["value"].as_f64());
        assert_eq!(num(&row[3]), w["pending"]["value"].as_f64());
        assert_eq!(num(&row[4]), w["on_time_pct"].as_f64());
    }
    let du = by_label(&sheets["Durasi"]);
    for (label, key) in [
        ("Sampai tindak lanjut pertama", "days_to_first_follow_up"),
        ("Sampai ditutup", "days_to_close"),
    ] {
        let row = &du[label];
        assert_eq!(num(&row[1]), c[key]["count"].as_f64());
        assert_eq!(num(&row[2]), c[key]["median"].as_f64());
        assert_eq!(num(&row[3]), c[key]["p90"].as_f64());
        assert_eq!(num(&row[4]), c[key]["max"].as_f64());
    }

    // The period as dates.
    let info = by_label(&sheets["Keterangan"]);
    assert!(matches!(info["Periode dari"][1], Data::DateTime(_)));

    // CSV: one file, one section per table, same numbers.
    let csv = out_dir.join("indikator.csv");
    let r = ok_json(posko(
        d,
        &[
            &["monev", "export"][..],
            &period,
            &["--out", csv.to_str().unwrap(), "--json"],
        ]
        .concat(),
    ));
    assert_eq!(r["format"], "csv");
    let body = std::fs::read_to_string(&csv).unwrap();
    let body = body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = body.split("\r\n").collect();
    assert_eq!(lines[0], "Keterangan");
    let at = lines.iter().position(|l| *l == "Ringkasan").unwrap();
    assert_eq!(lines[at + 1], "Indikator;Jumlah;Persen (%)");
    let received = lines[at + 2];
    assert!(
        received.starts_with(&format!(
            "Laporan diterima;{};",
            c["received"]["value"].as_u64().unwrap()
        )),
        "{received}"
    );
    for name in ["Batas waktu", "Durasi", "Unit x Status"] {
        assert!(lines.contains(&name), "{name}");
    }
    no_part_files(&out_dir);

    // Only .xlsx and .csv; nothing written for the rest.
    let bad = out_dir.join("indikator.pdf");
    let o = posko(
        d,
        &[
            &["monev", "export"][..],
            &period,
            &["--out", bad.to_str().unwrap(), "--json"],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad.exists());

    // A folder that does not exist: refused, nothing written anywhere.
    let nowhere = out_dir.join("tidak-ada").join("indikator.xlsx");
    let o = posko(
        d,
        &[
            &["monev", "export"][..],
            &period,
            &["--out", nowhere.to_str().unwrap(), "--json"],
        ]
        .concat(),
    );
    assert!(!o.status.success());
    let e: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(e["error"]["code"], "IO", "{e}");
    assert!(!nowhere.parent().unwrap().exists());

    // The register export goes through the same path: whole file, no leftovers.
    let reg = out_dir.join("register.xlsx");
    let r = ok_json(posko(
        d,
        &[
            "complaint",
            "export",
            "--out",
            reg.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(r["rows"], 400);
    assert_eq!(
        std::fs::metadata(&reg).unwrap().len(),
        r["bytes"].as_u64().unwrap()
    );
    no_part_files(&out_dir);
}

#[test]
fn visit_export_has_a_row_per_visit_and_per_answer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("store");
    let d = d.as_path();
    ok_json(posko(
        d,
        &[
            "init",
            "--unit-name",
            "Dinas Kesehatan",
            "--unit-code",
            "DINKES",
            "--json",
        ],
    ));
    for (code, name) in [("PKM-SATU", "Puskesmas Satu"), ("PKM-DUA", "Puskesmas Dua")] {
        ok_json(posko(
            d,
            &["visit", "unit", "--code", code, "--name", name, "--json"],
        ));
    }
    let today = chrono::Local::now().date_naive();
    // The instrument's items, from the first visit's own copy.
    let draft = json!({
        "unit_code": "PKM-DUA",
        "instrument": {"id": "kepatuhan-standar-pelayanan"},
        "visit_date": (today - chrono::Duration::days(3)).to_string(),
        "answers": [{"item_id": "maklumat-ada", "answer": {"type": "no"}, "note": "Belum ada maklumat."}],
        "team": [{"name": "Budi Santoso"}]
    });
    let v1 = ok_json(posko_stdin(
        d,
        &["visit", "save", "--json", "-"],
        &draft.to_string(),
    ));
    let items: Vec<String> = v1["instrument"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().clone())
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let answers: Vec<Value> = items
        .iter()
        .map(|id| {
            let item = v1["instrument"]["sections"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["items"].as_array().unwrap().clone())
                .find(|i| i["id"] == id.as_str())
                .unwrap();
            match item["answer"].as_str().unwrap() {
                "yes_no" | "yes_partial_no" => json!({"item_id": id, "answer": {"type": "yes"}}),
                "score03" | "score_0_3" => {
                    json!({"item_id": id, "answer": {"type": "score", "value": 3}})
                }
                "choice" => json!({"item_id": id, "answer": {"type": "choice",
                    "value": item["options"][0]["value"]}}),
                "number" => json!({"item_id": id, "answer": {"type": "number",
                    "value": item["max"].as_f64().or(item["full_at"].as_f64()).unwrap_or(1.0)}}),
                _ => json!({"item_id": id, "answer": {"type": "text", "value": "Baik"}}),
            }
        })
        .collect();
    let finished = json!({
        "unit_code": "PKM-SATU",
        "instrument": {"id": "kepatuhan-standar-pelayanan"},
        "visit_date": (today - chrono::Duration::days(1)).to_string(),
        "answers": answers,
        "team": [{"name": "dr. Ayu Lestari"}, {"name": "Made Wirawan"}],
        "head": {"name": "dr. Rahmat"}
    });
    let v2 = ok_json(posko_stdin(
        d,
        &["visit", "save", "--json", "-"],
        &finished.to_string(),
    ));
    let id2 = v2["id"].as_i64().unwrap();
    let v2 = ok_json(posko(d, &["visit", "finish", &id2.to_string(), "--json"]));
    let total = v2["score"]["total"].as_f64().unwrap();
    let zone = v2["score"]["zone"]["label"].as_str().unwrap().to_owned();

    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let xlsx = out_dir.join("kunjungan.xlsx");
    let from = (today - chrono::Duration::days(30)).to_string();
    let to = today.to_string();
    let r = ok_json(posko(
        d,
        &[
            "visit",
            "export",
            "--from",
            &from,
            "--to",
            &to,
            "--out",
            xlsx.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(r["rows"], 2);
    no_part_files(&out_dir);
    let (names, sheets) = open_xlsx(&xlsx);
    assert_eq!(names, ["Kunjungan", "Jawaban"]);
    let visits = &sheets["Kunjungan"];
    let h = header(visits);
    assert_eq!(
        h[..10],
        [
            "ID kunjungan",
            "Kode unit",
            "Nama unit",
            "Instrumen",
            "Versi",
            "Tanggal kunjungan",
            "Status kunjungan",
            "Tim",
            "Skor total",
            "Zona"
        ]
    );
    let sections = v2["score"]["sections"].as_array().unwrap();
    let titles: Vec<&str> = sections
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(h[10..], titles[..]);
    assert_eq!(visits.len(), 3, "a header and two visits");
    // Oldest first: the draft, then the finished one.
    let (draft_row, done_row) = (&visits[1], &visits[2]);
    assert_eq!(text(&draft_row[1]), "PKM-DUA");
    assert_eq!(text(&draft_row[6]), "Draf");
    assert_eq!(text(&draft_row[7]), "Budi Santoso");
    assert_eq!(num(&done_row[0]), Some(id2 as f64));
    assert_eq!(text(&done_row[2]), "Puskesmas Satu");
    assert_eq!(text(&done_row[6]), "Selesai");
    assert_eq!(text(&done_row[7]), "dr. Ayu Lestari; Made Wirawan");
    assert_eq!(num(&done_row[8]), Some(total));
    assert_eq!(text(&done_row[9]), zone);
    assert!(matches!(done_row[5], Data::DateTime(_)));
    for (cell, s) in done_row[10..].iter().zip(sections) {
        assert_eq!(num(cell), s["score"].as_f64());
    }

    // Every item of both visits, answered or not.
    let ans = &sheets["Jawaban"];
    assert_eq!(
        header(ans),
        [
            "ID kunjungan",
            "Kode unit",
            "Tanggal kunjungan",
            "Bagian",
            "Kode butir",
            "Butir",
            "Jawaban",
            "Skor",
            "Bobot",
            "Catatan"
        ]
    );
    assert_eq!(ans.len() - 1, 2 * items.len());
    let draft_first = ans[1..]
        .iter()
        .find(|r| text(&r[4]) == "maklumat-ada" && text(&r[1]) == "PKM-DUA")
        .unwrap();
    assert_eq!(text(&draft_first[6]), "Tidak");
    assert_eq!(num(&draft_first[7]), Some(0.0));
    assert_eq!(text(&draft_first[9]), "Belum ada maklumat.");
    let done_first = ans[1..]
        .iter()
        .find(|r| text(&r[4]) == "maklumat-ada" && text(&r[1]) == "PKM-SATU")
        .unwrap();
    assert_eq!(text(&done_first[6]), "Ya");
    assert_eq!(num(&done_first[7]), num(&done_first[8]));

    // One unit only, as CSV.
    let csv = out_dir.join("kunjungan.csv");
    let r = ok_json(posko(
        d,
        &[
            "visit",
            "export",
            "--from",
            &from,
            "--to",
            &to,
            "--unit",
            "PKM-SATU",
            "--out",
            csv.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(r["rows"], 1);
    let body = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[0], "Kunjungan");
    assert!(
        lines[2].starts_with(&format!("{id2};PKM-SATU;Puskesmas Satu;")),
        "{}",
        lines[2]
    );
    let at = lines.iter().position(|l| *l == "Jawaban").unwrap();
    assert_eq!(
        lines.len() - at - 2,
        items.len() + 1,
        "answers and the final empty line"
    );
}
