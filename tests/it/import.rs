//! Bulk import of complaints (CSV and Excel) and the register export:
//! the intake's path (register numbers, deadlines from the received date,
//! search), all or nothing, no duplicates on re-import, roles and masking.

use posko_core::CoreError;
use posko_core::Lang;
use posko_core::import::{FileFormat, ImportMode};
use posko_core::model::*;
use posko_domain::role::Role;

use crate::support::*;

const CSV: &str = "\u{feff}Tanggal Diterima;Saluran;Jenis;Topik;Judul;Isi;Nama Pelapor;NIK;No. HP;Alamat;Anonim;Rahasia\r\n\
10/02/2026;WA;pengaduan;;Obat hipertensi habis;\"Obat hipertensi habis sejak Senin;\r\npasien diminta kembali minggu depan.\";Budi Santoso;3201014508900003;0812-1111-2222;Jl. Melati 3;tidak;tidak\r\n\
2026-02-12;kotak saran;aspirasi;;Parkir motor sempit;Parkir motor di depan puskesmas sempit.;;;;;tidak;tidak\r\n\
2026-02-13;tatap muka;pengaduan berkadar pengawasan;;Pungutan di loket;Diminta membayar di loket pendaftaran.;Rina;;;;tidak;ya\r\n";

fn import(
    s: &mut Store,
    who: &Actor,
    bytes: &[u8],
    name: &str,
    mode: ImportMode,
) -> Result<posko_core::import::ImportReport, CoreError> {
    s.p.import_complaints(who, bytes, name, mode)
}

fn detail(s: &Store, reg: &str) -> ComplaintDetail {
    let page =
        s.p.list_complaints(
            &admin(),
            &ComplaintFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .unwrap();
    let row = page
        .rows
        .iter()
        .find(|r| r.register_no == reg)
        .unwrap_or_else(|| panic!("{reg} not in {:?}", page.rows));
    s.p.complaint_detail(&admin(), row.id, true).unwrap()
}

#[test]
fn a_csv_is_checked_then_recorded_as_at_intake_and_not_twice() {
    let mut s = new_store();
    let before = s.fingerprint();
    let check = import(
        &mut s,
        &clerk(),
        CSV.as_bytes(),
        "buku-februari.csv",
        ImportMode::Check,
    )
    .unwrap();
    assert!(check.errors.is_empty(), "{:?}", check.errors);
    assert_eq!((check.rows, check.new, check.already_imported), (3, 3, 0));
    assert!(!check.applied);
    assert_eq!(check.format, FileFormat::Csv);
    assert_eq!(s.fingerprint(), before, "a check stores nothing");

    let r = import(
        &mut s,
        &clerk(),
        CSV.as_bytes(),
        "buku-februari.csv",
        ImportMode::Apply,
    )
    .unwrap();
    assert!(r.applied);
    let regs: Vec<String> = r
        .items
        .iter()
        .map(|i| i.register_no.clone().unwrap())
        .collect();
    assert_eq!(
        regs,
        [
            "PKM-SENDANA/2026/0001",
            "PKM-SENDANA/2026/0002",
            "PKM-SENDANA/2026/0003"
        ]
    );

    // Same path as intake: a complaint typed in the form on the same day
    // gets the same deadlines.
    let d = detail(&s, &regs[0]);
    assert_eq!(d.received_date.to_string(), "2026-02-10");
    assert_eq!(
        d.description,
        "Obat hipertensi habis sejak Senin;\npasien diminta kembali minggu depan."
    );
    assert_eq!(d.reporter.nik.as_deref(), Some("3201014508900003"));
    let typed =
        s.p.create_complaint(
            &clerk(),
            ComplaintInput {
                received_at: Some(
                    chrono::DateTime::parse_from_rfc3339("2026-02-10T08:00:00+07:00")
                        .unwrap()
                        .into(),
                ),
                kind: posko_domain::Kind::PengaduanTidakBerkadarPengawasan,
                ..complaint("Pembanding")
            },
        )
        .unwrap();
    let t = detail(&s, &typed.register_no);
    let due = |d: &ComplaintDetail| {
        d.deadlines
            .iter()
            .map(|x| (x.step, x.start_date, x.due_date))
            .collect::<Vec<_>>()
    };
    assert!(!d.deadlines.is_empty());
    assert_eq!(due(&d), due(&t));
    assert!(!d.is_secret && detail(&s, &regs[2]).is_secret);
    // Timeline, outbox and search as for any complaint.
    assert!(d.events.iter().any(|e| e.kind == "created"));
    let outbox: i64 =
        s.p.connection()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
    assert_eq!(outbox, 4);
    let found =
        s.p.list_complaints(
            &clerk(),
            &ComplaintFilter {
                text: Some("hipertensi".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].register_no, regs[0]);
    // The import is in the audit log.
    let audit: i64 =
        s.p.connection()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'complaint_import'",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(audit, 1);

    // The same rows again (even saved with commas by another program): nothing new.
    let commas = CSV
        .replace(';', ",")
        .replace("Senin,\r\n", "Senin;\r\n")
        .replace(
            "\"Obat hipertensi habis sejak Senin,",
            "\"Obat hipertensi habis sejak Senin;",
        );
    let before = s.fingerprint();
    let again = import(
        &mut s,
        &clerk(),
        commas.as_bytes(),
        "lagi.csv",
        ImportMode::Apply,
    )
    .unwrap();
    assert_eq!(
        (again.new, again.already_imported),
        (0, 3),
        "{:?}",
        again.errors
    );
    assert_eq!(again.items[0].already.as_deref(), Some(regs[0].as_str()));
    assert_eq!(
        s.fingerprint()[..5],
        before[..5],
        "no complaint, event or deadline added"
    );
}

#[test]
fn an_xlsx_written_by_a_spreadsheet_imports_with_dates_and_numbers() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in [
        "tanggal diterima",
        "saluran",
        "jenis",
        "judul",
        "isi",
        "nik",
        "telepon",
        "rahasia",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // 46063 = 10 Feb 2026; numbers as a sheet keeps them (no leading zero).
    ws.write_number_with_format(1, 0, 46063.0, &date).unwrap();
    ws.write_string(1, 1, "Telepon").unwrap();
    ws.write_string(1, 2, "Permintaan Informasi").unwrap();
    ws.write_string(1, 3, "Jadwal imunisasi").unwrap();
    ws.write_string(1, 4, "Kapan jadwal imunisasi balita bulan ini?")
        .unwrap();
    ws.write_number(1, 5, 3201014508900003.0).unwrap();
    ws.write_number(1, 6, 81234567890.0).unwrap();
    ws.write_boolean(1, 7, false).unwrap();
    ws.write_string(2, 0, "11/02/2026").unwrap();
    ws.write_string(2, 1, "sms").unwrap();
    ws.write_string(2, 2, "aspirasi").unwrap();
    ws.write_string(2, 3, "Ruang tunggu panas").unwrap();
    ws.write_string(2, 4, "Kipas angin ruang tunggu rusak.")
        .unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let mut s = new_store();
    let r = import(
        &mut s,
        &clerk(),
        &bytes,
        "register-lama.xlsx",
        ImportMode::Apply,
    )
    .unwrap();
    assert_eq!(r.format, FileFormat::Xlsx);
    assert_eq!(r.new, 2);
    let d = detail(&s, r.items[0].register_no.as_deref().unwrap());
    assert_eq!(d.received_date.to_string(), "2026-02-10");
    assert_eq!(d.kind, posko_domain::Kind::PermintaanInformasi);
    assert_eq!(d.channel, posko_domain::Channel::Telepon);
    assert_eq!(d.reporter.nik.as_deref(), Some("3201014508900003"));
    assert_eq!(d.reporter.phone.as_deref(), Some("0812-3456-7890"));
    let again = import(
        &mut s,
        &clerk(),
        &bytes,
        "register-lama.xlsx",
        ImportMode::Check,
    )
    .unwrap();
    assert_eq!((again.new, again.already_imported), (0, 2));
}

#[test]
fn one_bad_row_stores_nothing_and_every_problem_names_its_row_and_column() {
    let mut s = new_store();
    let text = "tanggal diterima,saluran,jenis,judul,isi,nik,rahasia\n\
                2026-02-10,sms,aspirasi,Baik,Isi yang baik,,\n\
                2026-02-10,sms,aspirasi,Buruk,Isi,12345,mungkin\n\
                2026-02-11,merpati,aspirasi,,Isi,,\n";
    let before = s.fingerprint();
    let err = import(
        &mut s,
        &clerk(),
        text.as_bytes(),
        "buruk.csv",
        ImportMode::Apply,
    )
    .unwrap_err();
    assert_eq!(err.code(), "IMPORT_INVALID");
    assert_eq!(s.fingerprint(), before, "nothing stored");
    let payload = err.payload(Lang::Id);
    let fields: Vec<&str> = payload.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["3:nik", "3:secret", "4:channel", "4:title"]);
    assert!(payload.message.contains("Baris 3"), "{}", payload.message);
    assert!(
        payload.fields[0].message.starts_with("Baris 3: "),
        "{:?}",
        payload.fields
    );
    assert!(payload.fields[0].message.contains("NIK harus 16 digit"));
    let en = err.payload(Lang::En);
    assert!(
        en.fields[3]
            .message
            .starts_with("Row 4: column \"judul\" is required"),
        "{:?}",
        en.fields
    );

    // The check answers the same problems as data, for the preview.
    let check = import(
        &mut s,
        &clerk(),
        text.as_bytes(),
        "buruk.csv",
        ImportMode::Check,
    )
    .unwrap();
    assert_eq!(check.errors.len(), 4);
    assert_eq!(check.errors[0].row, 3);
    assert_eq!(check.errors[0].column.as_deref(), Some("nik"));
    assert_eq!(s.fingerprint(), before);
}

#[test]
fn roles_without_intake_cannot_import_and_exports_are_masked() {
    let mut s = new_store();
    import(
        &mut s,
        &clerk(),
        CSV.as_bytes(),
        "buku.csv",
        ImportMode::Apply,
    )
    .unwrap();
    let monitor = actor(Role::Pemantau);
    let before = s.fingerprint();
    let err = import(
        &mut s,
        &monitor,
        CSV.as_bytes(),
        "buku.csv",
        ImportMode::Check,
    )
    .unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
    assert_eq!(s.fingerprint(), before);

    // Staff who may see identities get them; rahasia rows are there for them.
    let full =
        s.p.export_register(&clerk(), &ComplaintFilter::default(), FileFormat::Csv)
            .unwrap();
    let text = String::from_utf8(full.bytes).unwrap();
    assert!(full.identities);
    assert_eq!(full.rows, 3);
    assert!(
        text.contains("3201014508900003") && text.contains("Budi Santoso"),
        "{text}"
    );
    assert!(text.contains("Pungutan di loket"));
    // A monitor: identities masked, rahasia rows absent.
    let masked =
        s.p.export_register(&monitor, &ComplaintFilter::default(), FileFormat::Csv)
            .unwrap();
    let text = String::from_utf8(masked.bytes).unwrap();
    assert!(!masked.identities);
    assert_eq!(masked.rows, 2);
    assert!(
        !text.contains("3201014508900003") && !text.contains("Budi Santoso"),
        "{text}"
    );
    assert!(text.contains("3201********0003"), "{text}");
    assert!(!text.contains("Pungutan"));
    // Filters as in the register list.
    let one =
        s.p.export_register(
            &clerk(),
            &ComplaintFilter {
                kind: Some(posko_domain::Kind::Aspirasi),
                ..Default::default()
            },
            FileFormat::Xlsx,
        )
        .unwrap();
    assert_eq!(one.rows, 1);
    assert!(one.bytes.starts_with(b"PK"));
    let exports: i64 =
        s.p.connection()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'export'",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(exports, 3);
}

#[test]
fn template_imports_and_its_export_imports_again_as_already_imported() {
    for format in [FileFormat::Csv, FileFormat::Xlsx] {
        let mut s = new_store();
        let tpl = s.p.import_template(format).unwrap();
        let name = format!("templat.{}", format.code());
        let r = import(&mut s, &clerk(), &tpl.bytes, &name, ImportMode::Apply).unwrap();
        assert_eq!(r.new, 1, "{:?}", r.errors);
        let out =
            s.p.export_register(&admin(), &ComplaintFilter::default(), format)
                .unwrap();
        let back = import(
            &mut s,
            &clerk(),
            &out.bytes,
            &format!("ekspor.{}", format.code()),
            ImportMode::Check,
        )
        .unwrap();
        assert!(back.errors.is_empty(), "{:?}", back.errors);
        assert_eq!((back.new, back.already_imported), (0, 1), "{format:?}");
    }
}

/// Erasing a person (UU 27/2022) also removes the fingerprints of their
/// imported rows that were hashed from every field, identity included (a
/// hash of a NIK can be matched, so it is personal data); a row keyed by the
/// file's own reference number keeps its key.
#[test]
fn erasing_a_person_removes_the_fingerprints_made_from_their_identity() {
    let mut s = new_store();
    let csv = "Tanggal Diterima;Saluran;Jenis;Judul;Isi;Nama Pelapor;NIK;No. Referensi\n\
               10/02/2026;WA;pengaduan;Obat habis;Obat hipertensi habis sejak Senin.;Budi Santoso;3201014508900003;\n\
               11/02/2026;WA;pengaduan;Antre lama;Antre tiga jam di loket.;Budi Santoso;3201014508900003;BK-77\n";
    let r = import(
        &mut s,
        &clerk(),
        csv.as_bytes(),
        "buku.csv",
        ImportMode::Apply,
    )
    .unwrap();
    assert_eq!(r.new, 2, "{:?}", r.errors);
    let ids: Vec<i64> = {
        let c = s.p.connection();
        let mut st = c
            .prepare("SELECT complaint_id FROM import_rows ORDER BY row_no")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(ids.len(), 2);
    for id in &ids {
        s.p.transition(
            &admin(),
            &TransitionInput {
                complaint_id: *id,
                action: posko_domain::Action::Archive,
                note: Some("Tidak dapat ditindaklanjuti".into()),
                assigned_to: None,
            },
        )
        .unwrap();
    }
    let erased =
        s.p.erase_subject(
            &admin(),
            &posko_core::subject::SubjectEraseInput {
                query: posko_core::subject::SubjectQuery {
                    nik: Some("3201014508900003".into()),
                    phone: None,
                },
                reason: "Permintaan pemilik data".into(),
            },
        )
        .unwrap();
    assert_eq!(erased.erased.len(), 2);
    let left: Vec<Option<String>> = {
        let c = s.p.connection();
        let mut st = c.prepare("SELECT reference FROM import_rows").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        left,
        vec![Some("BK-77".to_owned())],
        "only the row keyed by its reference number keeps a fingerprint"
    );
}

// ---- Column mapping -------------------------------------------------------

/// A register kept by hand: synonyms, odd spacing and case, accents, and a
/// column the template does not know.
const HAND: &str = "Tgl.  Diterima,KANAL,Jenis Laporan,Perihal,Uraian,Nama,No HP,Catatan\n\
2026-02-10,WA,pengaduan,Antrean panjang,Menunggu dua jam di loket.,Siti,0812-1111-2222,telepon balik\n\
2026-02-11,sms,aspirasi,Parkir sempit,Parkir motor penuh.,,,\n";

fn codes(r: &posko_core::import::ImportReport) -> Vec<String> {
    r.errors.iter().map(|e| e.code.clone()).collect()
}

#[test]
fn a_mapping_is_proposed_from_synonyms_and_can_be_edited() {
    use posko_core::import::ImportMapping;
    use posko_domain::import::{Column, FieldMapping, MatchKind};
    let mut s = new_store();
    let check = |s: &mut Store, m: &ImportMapping| {
        s.p.import_complaints_mapped(&clerk(), HAND.as_bytes(), "buku.csv", ImportMode::Check, m)
            .unwrap()
    };
    // By name (the CLI without --map): the unknown header is refused.
    let by_name = check(&mut s, &ImportMapping::ByName);
    assert_eq!(codes(&by_name), ["unknown_column"]);
    assert!(
        by_name.errors[0].message.contains("Catatan"),
        "{:?}",
        by_name.errors
    );
    // The table is there anyway, with the proposal.
    assert_eq!(by_name.mapping.len(), 8);

    // The proposal: every header but "Catatan" found, "Catatan" not imported.
    let r = check(&mut s, &ImportMapping::Proposed);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.rows, r.new), (2, 2));
    let fields: Vec<(Option<Column>, MatchKind)> =
        r.mapping.iter().map(|c| (c.field, c.how)).collect();
    assert_eq!(
        fields,
        [
            (Some(Column::ReceivedDate), MatchKind::Synonym),
            (Some(Column::Channel), MatchKind::Synonym),
            (Some(Column::Kind), MatchKind::Synonym),
            (Some(Column::Title), MatchKind::Synonym),
            (Some(Column::Description), MatchKind::Synonym),
            (Some(Column::ReporterName), MatchKind::Synonym),
            (Some(Column::Phone), MatchKind::Synonym),
            (None, MatchKind::None),
        ]
    );
    assert_eq!(r.mapping[0].header, "Tgl. Diterima");
    assert_eq!(r.mapping[3].samples, ["Antrean panjang", "Parkir sempit"]);
    assert_eq!(r.mapping[7].samples, ["telepon balik"]);
    assert_eq!(r.fields.len(), 13);
    assert!(
        r.fields
            .iter()
            .find(|f| f.field == Column::Title)
            .unwrap()
            .required
    );

    // The user's mapping: "Catatan" as the title, "Perihal" not imported.
    let mut m: Vec<FieldMapping> = posko_domain::import::proposed_mapping(
        &HAND
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect::<Vec<_>>(),
    );
    for f in &mut m {
        if f.field == Column::Title {
            f.column = Some(7);
        }
    }
    let r = check(&mut s, &ImportMapping::Explicit(m.clone()));
    // Row 3 has no "Catatan": its title is now missing.
    assert_eq!(codes(&r), ["required"]);
    assert_eq!(r.errors[0].row, 3);
    assert_eq!(r.mapping[7].field, Some(Column::Title));
    assert_eq!(r.mapping[3].field, None);

    // A required field mapped to nothing: named, in both languages, nothing stored.
    for f in &mut m {
        if matches!(f.field, Column::Title | Column::Channel) {
            f.column = None;
        }
    }
    let before = s.fingerprint();
    let e =
        s.p.import_complaints_mapped(
            &clerk(),
            HAND.as_bytes(),
            "buku.csv",
            ImportMode::Apply,
            &ImportMapping::Explicit(m),
        )
        .unwrap_err();
    assert_eq!(e.code(), "IMPORT_INVALID");
    let payload = e.payload(Lang::Id);
    let fields: Vec<&str> = payload.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["1:channel", "1:title"]);
    assert!(
        payload.fields[0].message.contains("\"saluran\""),
        "{payload:?}"
    );
    assert!(
        payload.fields[0].message.contains("pilih kolom"),
        "{payload:?}"
    );
    assert!(
        e.payload(Lang::En).fields[1]
            .message
            .contains("\"judul\" is required")
    );
    assert_eq!(s.fingerprint(), before);

    // Applied with the proposal: both rows, the extra column ignored.
    let r =
        s.p.import_complaints_mapped(
            &clerk(),
            HAND.as_bytes(),
            "buku.csv",
            ImportMode::Apply,
            &ImportMapping::Proposed,
        )
        .unwrap();
    assert_eq!(r.new, 2);
    let d = detail(&s, r.items[0].register_no.as_deref().unwrap());
    assert_eq!(d.title, "Antrean panjang");
    assert_eq!(d.reporter.phone.as_deref(), Some("0812-1111-2222"));
}

// ---- Undo of the last import ----------------------------------------------

fn count(s: &Store, sql: &str) -> i64 {
    s.p.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn found(s: &Store, text: &str) -> usize {
    s.p.list_complaints(
        &admin(),
        &ComplaintFilter {
            text: Some(text.into()),
            ..Default::default()
        },
    )
    .unwrap()
    .rows
    .len()
}

#[test]
fn undo_removes_exactly_the_last_import_and_sets_the_counter_back() {
    let mut s = new_store();
    let typed =
        s.p.create_complaint(&clerk(), complaint("Diketik di loket"))
            .unwrap();
    assert!(s.p.last_import(&admin()).unwrap().is_none());
    let e = s.p.undo_last_import(&admin()).unwrap_err();
    assert_eq!(e.code(), "IMPORT_UNDO_NOTHING");
    // The monev indicators of February (the file's month), before the import.
    let february = posko_core::monev::MonevQuery {
        from: chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
        units: vec![],
    };
    let indicators = |s: &Store| {
        serde_json::to_value(s.p.monev_indicators(&admin(), &february).unwrap()).unwrap()
    };
    let monev_before = indicators(&s);

    let r = import(
        &mut s,
        &clerk(),
        CSV.as_bytes(),
        "buku.csv",
        ImportMode::Apply,
    )
    .unwrap();
    let regs: Vec<String> = r
        .items
        .iter()
        .map(|i| i.register_no.clone().unwrap())
        .collect();
    assert_eq!(regs.len(), 3);
    assert_eq!(found(&s, "hipertensi"), 1);
    assert_ne!(indicators(&s), monev_before);
    let complaints = count(&s, "SELECT count(*) FROM complaints");
    assert_eq!(complaints, 4);

    let last = s.p.last_import(&admin()).unwrap().unwrap();
    assert_eq!(
        (last.batch.file_name.as_str(), last.batch.created),
        ("buku.csv", 3)
    );
    assert!(last.refused.is_none(), "{:?}", last.refused);
    // Roles that may not import may not undo either.
    assert_eq!(
        s.p.undo_last_import(&actor(Role::Pemantau))
            .unwrap_err()
            .code(),
        "FORBIDDEN"
    );

    let u = s.p.undo_last_import(&clerk()).unwrap();
    assert_eq!(u.removed, 3);
    assert_eq!(u.register_nos, regs);
    assert_eq!(u.counters.len(), 1);
    assert_eq!((u.counters[0].year, u.counters[0].last), (2026, 1));
    // Exactly the batch is gone, with everything the intake wrote for it.
    for (sql, n) in [
        ("SELECT count(*) FROM complaints", 1),
        (
            "SELECT count(DISTINCT complaint_id) FROM complaint_events",
            1,
        ),
        ("SELECT count(DISTINCT complaint_id) FROM deadlines", 1),
        ("SELECT count(*) FROM outbox", 1),
        ("SELECT count(*) FROM complaint_facts", 1),
        ("SELECT count(*) FROM import_rows", 0),
        ("SELECT count(*) FROM import_batches", 1),
        ("SELECT last FROM register_counters", 1),
    ] {
        assert_eq!(count(&s, sql), n, "{sql}");
    }
    assert_eq!(found(&s, "hipertensi"), 0);
    assert_eq!(found(&s, "Diketik"), 1);
    assert_eq!(indicators(&s), monev_before, "monev as before the import");
    assert_eq!(detail(&s, &typed.register_no).title, "Diketik di loket");
    // The audit row names what was removed.
    let detail_json: String =
        s.p.connection()
            .query_row(
                "SELECT detail FROM audit_log WHERE action = 'delete' AND entity = 'import_batch'",
                [],
                |r| r.get(0),
            )
            .unwrap();
    let v: serde_json::Value = serde_json::from_str(&detail_json).unwrap();
    assert_eq!(v["removed"], 3);
    assert_eq!(v["register_nos"][0], regs[0].as_str());
    assert!(s.p.audit_verify(&admin()).unwrap().ok);
    // The timeline is append-only again.
    assert!(
        s.p.connection()
            .execute("DELETE FROM complaint_events", [])
            .is_err()
    );

    // Nothing left to undo.
    assert!(s.p.last_import(&admin()).unwrap().is_none());
    let e = s.p.undo_last_import(&admin()).unwrap_err();
    assert_eq!(e.code(), "IMPORT_UNDO_NOTHING");
    assert!(e.message(Lang::Id).contains("diurungkan"));

    // The same file imports again, with the same numbers.
    let again = import(
        &mut s,
        &clerk(),
        CSV.as_bytes(),
        "buku.csv",
        ImportMode::Apply,
    )
    .unwrap();
    assert_eq!(again.new, 3);
    let regs2: Vec<String> = again
        .items
        .iter()
        .map(|i| i.register_no.clone().unwrap())
        .collect();
    assert_eq!(regs2, regs);
    assert_eq!(found(&s, "hipertensi"), 1);
}

#[test]
fn undo_is_refused_once_a_complaint_of_the_import_moved() {
    let mut s = new_store();
    let r = import(
        &mut s,
        &clerk(),
        CSV.as_bytes(),
        "buku.csv",
        ImportMode::Apply,
    )
    .unwrap();
    let reg = r.items[1].register_no.clone().unwrap();
    let id = detail(&s, &reg).id;
    s.p.transition(
        &head(),
        &TransitionInput {
            complaint_id: id,
            action: posko_domain::Action::Verify,
            note: None,
            assigned_to: None,
        },
    )
    .unwrap();
    let before = s.fingerprint();
    let e = s.p.undo_last_import(&admin()).unwrap_err();
    assert_eq!(e.code(), "IMPORT_UNDO_TOUCHED");
    assert!(matches!(
        e,
        CoreError::ImportUndoTouched {
            touched: 1,
            total: 3
        }
    ));
    assert!(
        e.message(Lang::Id).contains("1 dari 3"),
        "{}",
        e.message(Lang::Id)
    );
    assert!(e.message(Lang::En).contains("Nothing was removed"));
    assert_eq!(s.fingerprint(), before, "nothing removed");
    assert_eq!(found(&s, "hipertensi"), 1);
    let last = s.p.last_import(&admin()).unwrap().unwrap();
    assert_eq!(last.refused.unwrap().code, "IMPORT_UNDO_TOUCHED");
}

#[test]
fn undo_is_refused_once_a_later_register_number_was_issued() {
    let mut s = new_store();
    import(
        &mut s,
        &clerk(),
        CSV.as_bytes(),
        "buku.csv",
        ImportMode::Apply,
    )
    .unwrap();
    let typed =
        s.p.create_complaint(&clerk(), complaint("Sesudah impor"))
            .unwrap();
    assert_eq!(typed.register_no, "PKM-SENDANA/2026/0004");
    let before = s.fingerprint();
    let e = s.p.undo_last_import(&admin()).unwrap_err();
    assert_eq!(e.code(), "IMPORT_UNDO_NUMBERS_USED");
    assert!(matches!(e, CoreError::ImportUndoNumbersUsed { later: 1 }));
    assert_eq!(s.fingerprint(), before);
}

#[test]
fn undo_sets_back_the_counter_of_each_year_and_counts_a_sent_report_as_changed() {
    let mut s = new_store();
    let two_years = "tanggal;saluran;jenis;judul;isi\n\
        2025-12-30;sms;aspirasi;Akhir tahun;Antrean akhir tahun.\n\
        2026-01-02;sms;aspirasi;Awal tahun;Antrean awal tahun.\n\
        2026-01-03;sms;aspirasi;Awal tahun lagi;Antrean awal tahun lagi.\n";
    let r = import(
        &mut s,
        &clerk(),
        two_years.as_bytes(),
        "dua-tahun.csv",
        ImportMode::Apply,
    )
    .unwrap();
    let regs: Vec<String> = r
        .items
        .iter()
        .map(|i| i.register_no.clone().unwrap())
        .collect();
    assert_eq!(
        regs,
        [
            "PKM-SENDANA/2025/0001",
            "PKM-SENDANA/2026/0001",
            "PKM-SENDANA/2026/0002"
        ]
    );
    // Found by its register number (the identifier index) before, not after.
    assert_eq!(found(&s, "PKM-SENDANA/2026/0002"), 1);

    // A report of the batch sent to SP4N-LAPOR!: changed, nothing removed.
    s.p.connection()
        .execute(
            "UPDATE outbox SET state = 'sent', attempts = 1 WHERE id = (SELECT min(id) FROM outbox)",
            [],
        )
        .unwrap();
    let before = s.fingerprint();
    let e = s.p.undo_last_import(&clerk()).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::ImportUndoTouched {
                touched: 1,
                total: 3
            }
        ),
        "{e:?}"
    );
    assert_eq!(s.fingerprint(), before);
    s.p.connection()
        .execute("UPDATE outbox SET state = 'pending', attempts = 0", [])
        .unwrap();

    let u = s.p.undo_last_import(&clerk()).unwrap();
    let counters: Vec<(i32, i64)> = u.counters.iter().map(|c| (c.year, c.last)).collect();
    assert_eq!(counters, [(2025, 0), (2026, 0)]);
    assert_eq!(count(&s, "SELECT count(*) FROM register_counters"), 0);
    assert_eq!(found(&s, "PKM-SENDANA/2026/0002"), 0);
    assert_eq!(found(&s, "antrean"), 0);
    // The next complaint of 2026 gets number 1 again.
    let typed =
        s.p.create_complaint(
            &clerk(),
            ComplaintInput {
                received_at: Some(
                    chrono::DateTime::parse_from_rfc3339("2026-01-05T08:00:00+07:00")
                        .unwrap()
                        .into(),
                ),
                ..complaint("Sesudah urung")
            },
        )
        .unwrap();
    assert_eq!(typed.register_no, "PKM-SENDANA/2026/0001");
}
