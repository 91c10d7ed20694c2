//! `posko complaint import|export|template`: the public interface of the
//! bulk import and the register export (flags, `--json`, exit codes).

use crate::common::{ok_json, posko};
use serde_json::Value;

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

fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .pred_opt()
        .unwrap()
        .to_string()
}

#[test]
fn import_check_apply_again_export_and_template() {
    let dir = init();
    let d = dir.path();
    let csv = d.join("buku.csv");
    std::fs::write(
        &csv,
        format!(
            "tanggal diterima;saluran;jenis;judul;isi;nama pelapor;telepon\n\
             {t};WA;pengaduan;Obat habis;Obat hipertensi habis sejak Senin;Budi;0812-1111-2222\n\
             {t};kotak saran;aspirasi;Parkir;\"Parkir sempit;\nmotor berjejal\";;\n",
            t = today()
        ),
    )
    .unwrap();
    let file = csv.to_str().unwrap();

    let check = ok_json(posko(
        d,
        &["complaint", "import", file, "--check", "--json"],
    ));
    assert_eq!(check["mode"], "check");
    assert_eq!(check["rows"], 2);
    assert_eq!(check["new"], 2);
    assert_eq!(check["applied"], false);
    let list = ok_json(posko(d, &["complaint", "list", "--json"]));
    assert_eq!(list["total"], 0, "a check stores nothing");

    let applied = ok_json(posko(d, &["complaint", "import", file, "--json"]));
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["new"], 2);
    assert!(
        applied["items"][0]["register_no"]
            .as_str()
            .unwrap()
            .starts_with("PKM-SENDANA/")
    );
    let again = ok_json(posko(d, &["complaint", "import", file, "--json"]));
    assert_eq!(
        (again["new"].clone(), again["already_imported"].clone()),
        (0.into(), 2.into())
    );

    let out = d.join("register.xlsx");
    let exported = ok_json(posko(
        d,
        &[
            "complaint",
            "export",
            "--out",
            out.to_str().unwrap(),
            "--kind",
            "aspirasi",
            "--json",
        ],
    ));
    assert_eq!(exported["rows"], 1);
    assert_eq!(exported["format"], "xlsx");
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));

    let tpl = d.join("templat.csv");
    let o = posko(
        d,
        &["complaint", "template", "--out", tpl.to_str().unwrap()],
    );
    assert!(o.status.success());
    let text = std::fs::read_to_string(&tpl).unwrap();
    assert!(
        text.starts_with("\u{feff}tanggal diterima;saluran;jenis;"),
        "{text}"
    );
    let o = posko(d, &["complaint", "template", "--out", "templat.txt"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_bad_file_exits_2_with_every_row_error_and_stores_nothing() {
    let dir = init();
    let d = dir.path();
    let csv = d.join("buruk.csv");
    std::fs::write(
        &csv,
        format!(
            "tanggal,saluran,jenis,judul,isi,nik\n\
             {t},sms,aspirasi,Baik,Isi,\n\
             {t},merpati,aspirasi,Buruk,Isi,123\n",
            t = today()
        ),
    )
    .unwrap();
    let file = csv.to_str().unwrap();
    let out = posko(d, &["complaint", "import", file, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "IMPORT_INVALID");
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["3:channel", "3:nik"]);
    assert!(
        err["error"]["fields"][1]["message"]
            .as_str()
            .unwrap()
            .starts_with("Baris 3: "),
        "{err}"
    );

    let out = posko(d, &["complaint", "import", file, "--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Baris 3"));

    let list = ok_json(posko(d, &["complaint", "list", "--json"]));
    assert_eq!(list["total"], 0);
}

/// A register kept by hand: synonyms, odd spacing, a column the template
/// does not know, the title under a header no synonym matches.
fn hand_file(d: &std::path::Path) -> String {
    let csv = d.join("tangan.csv");
    std::fs::write(
        &csv,
        format!(
            "Tgl  Diterima;Kanal;Jenis Laporan;Pokok Masalah;Uraian;Nama;No. HP;Catatan\n\
             {t};WA;pengaduan;Obat habis;Obat hipertensi habis sejak Senin;Budi;0812-1111-2222;x\n\
             {t};sms;aspirasi;Parkir;Parkir sempit;;;\n",
            t = today()
        ),
    )
    .unwrap();
    csv.to_str().unwrap().to_owned()
}

#[test]
fn import_with_map_and_the_proposed_mapping_in_check_json() {
    let dir = init();
    let d = dir.path();
    let file = hand_file(d);

    // Without --map: read by name, the unknown headers are refused; the
    // --check --json answer still shows the proposed mapping.
    let out = posko(d, &["complaint", "import", &file, "--check", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mapping = check["mapping"].as_array().unwrap();
    assert_eq!(mapping.len(), 8);
    assert_eq!(mapping[0]["header"], "Tgl Diterima");
    assert_eq!(mapping[0]["field"], "received_date");
    assert_eq!(mapping[0]["how"], "synonym");
    assert_eq!(mapping[6]["field"], "phone");
    assert_eq!(mapping[3].get("field"), None);
    assert_eq!(mapping[3]["how"], "none");
    assert_eq!(
        mapping[3]["samples"],
        serde_json::json!(["Obat habis", "Parkir"])
    );
    let errors: Vec<&str> = check["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(errors.contains(&"unknown_column"), "{check}");
    assert_eq!(check["fields"].as_array().unwrap().len(), 13);

    // --map by header text and by number; a required field left out is named.
    let out = posko(
        d,
        &["complaint", "import", &file, "--map", "title=-", "--json"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "IMPORT_INVALID");
    assert_eq!(err["error"]["fields"][0]["field"], "1:title");
    assert_eq!(err["error"]["fields"][0]["code"], "unmapped");
    let out = posko(
        d,
        &[
            "complaint",
            "import",
            &file,
            "--map",
            "judul=Kolom Lain",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["fields"][0]["code"], "no_such_column");
    let out = posko(
        d,
        &["complaint", "import", &file, "--map", "warna=3", "--json"],
    );
    assert_eq!(out.status.code(), Some(2));

    let applied = ok_json(posko(
        d,
        &[
            "complaint",
            "import",
            &file,
            "--map",
            "title=pokok_masalah",
            "--map",
            "nama pelapor=6",
            "--json",
        ],
    ));
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["new"], 2);
    assert_eq!(applied["items"][0]["title"], "Obat habis");
    assert_eq!(applied["mapping"][3]["field"], "title");
    assert_eq!(applied["mapping"][7].get("field"), None);
}

#[test]
fn import_undo_removes_the_last_import_once() {
    let dir = init();
    let d = dir.path();
    let file = hand_file(d);
    let out = posko(d, &["complaint", "import-undo", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "IMPORT_UNDO_NOTHING");

    let applied = ok_json(posko(
        d,
        &["complaint", "import", &file, "--map", "title=4", "--json"],
    ));
    let regs: Vec<Value> = applied["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["register_no"].clone())
        .collect();
    let undo = ok_json(posko(d, &["complaint", "import-undo", "--json"]));
    assert_eq!(undo["removed"], 2);
    assert_eq!(undo["batch"]["file_name"], "tangan.csv");
    assert_eq!(undo["batch"]["created"], 2);
    assert_eq!(undo["register_nos"], Value::Array(regs.clone()));
    assert_eq!(undo["counters"][0]["last"], 0);
    let list = ok_json(posko(d, &["complaint", "list", "--json"]));
    assert_eq!(list["total"], 0);
    let out = posko(d, &["complaint", "import-undo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Tidak ada impor"));

    // Imported again: the same numbers.
    let again = ok_json(posko(
        d,
        &["complaint", "import", &file, "--map", "title=4", "--json"],
    ));
    assert_eq!(again["new"], 2);
    assert_eq!(again["items"][0]["register_no"], regs[0]);
    let text = posko(d, &["complaint", "import-undo"]);
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("2 laporan dihapus"));
}
