//! More of the bad-input table (issue 6): IPC inputs of the wrong type or
//! size (parsed exactly as commands.rs does), holiday CSV files, settings,
//! templates and topics, users and drafts, sync operator input, monev
//! instruments, and the store's own operations (restore, export/import,
//! recovery key). Bad *server* answers are in `sync_pull.rs`
//! (`bad_server_input_*`): each is recorded with a stable code and changes
//! nothing; docs/bad-input.md points there.

use std::path::PathBuf;

use posko_core::keychain::OsKeychain;
use posko_core::model::*;
use posko_core::security::SecuritySettings;
use posko_core::{CoreError, CoreResult, Posko};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::Op;
use crate::support::*;

/// Exactly what commands.rs does with an IPC `input`.
fn ipc<T: DeserializeOwned>(v: Value) -> CoreResult<T> {
    serde_json::from_value(v).map_err(|e| CoreError::BadRequest {
        detail: e.to_string(),
    })
}

pub struct Fixtures {
    pub dir: tempfile::TempDir,
    pub export: PathBuf,
    pub truncated: PathBuf,
    pub junk: PathBuf,
    pub other_recovery_key: String,
}

pub fn fixtures(s: &mut Store) -> Fixtures {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("ekspor.posko-export");
    s.p.export_store(&admin(), &export, "frasa sandi uji yang panjang")
        .unwrap();
    let bytes = std::fs::read(&export).unwrap();
    let truncated = dir.path().join("terpotong.posko-export");
    std::fs::write(&truncated, &bytes[..bytes.len() - 10]).unwrap();
    let junk = dir.path().join("bukan-cadangan.db");
    std::fs::write(&junk, b"ini bukan basis data").unwrap();
    s.p.create_recovery_key(&admin()).unwrap();
    let mut other = new_store();
    let other_recovery_key = other
        .p
        .create_recovery_key(&admin())
        .unwrap()
        .secret
        .clone();
    Fixtures {
        dir,
        export,
        truncated,
        junk,
        other_recovery_key,
    }
}

fn c(f: impl Fn(&mut Store, i64) -> Result<(), CoreError> + 'static) -> Op {
    Box::new(f)
}

fn ok<T>(r: CoreResult<T>) -> CoreResult<()> {
    r.map(|_| ())
}

type Row = (
    &'static str,
    &'static str,
    Op,
    &'static str,
    Option<&'static str>,
);

pub fn cases(fx: &Fixtures) -> Vec<Row> {
    const IPC: &str = "IPC (tipe dan ukuran salah)";
    const CSV: &str = "Impor CSV hari libur";
    const SET: &str = "Pengaturan";
    const REF: &str = "Templat, topik, pengguna, draf";
    const SYNC: &str = "Sinkronisasi (tindakan petugas)";
    const INS: &str = "Instrumen monev (TOML)";
    const STORE: &str = "Cadangan, ekspor/impor, kunci pemulihan";
    const IMP: &str = "Impor pengaduan (CSV/Excel): tidak ada yang disimpan";
    let export = fx.export.clone();
    let truncated = fx.truncated.clone();
    let junk = fx.junk.clone();
    let target = fx.dir.path().join("impor-sasaran");
    let other_key = fx.other_recovery_key.clone();
    let (t1, t2, t3) = (target.clone(), target.clone(), target.clone());
    let (e1, e2) = (export.clone(), export.clone());
    vec![
        // ---- IPC: wrong JSON types and sizes -------------------------------
        (
            IPC,
            "create_complaint: title is a number",
            c(|s, _| {
                let i: ComplaintInput = ipc(
                    json!({"channel": "surat", "kind": "pengaduan_tidak_berkadar_pengawasan",
                "title": 5, "description": "x"}),
                )?;
                ok(s.p.create_complaint(&clerk(), i))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "create_complaint: kind missing",
            c(|s, _| {
                let i: ComplaintInput =
                    ipc(json!({"channel": "surat", "title": "x", "description": "x"}))?;
                ok(s.p.create_complaint(&clerk(), i))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "create_complaint: unknown channel",
            c(|s, _| {
                let i: ComplaintInput = ipc(
                    json!({"channel": "merpati_pos", "kind": "pengaduan_tidak_berkadar_pengawasan",
                "title": "x", "description": "x"}),
                )?;
                ok(s.p.create_complaint(&clerk(), i))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "create_complaint: 5 MB title",
            c(|s, _| {
                let i: ComplaintInput = ipc(
                    json!({"channel": "surat", "kind": "pengaduan_tidak_berkadar_pengawasan",
                "title": "j".repeat(5 << 20), "description": "x"}),
                )?;
                ok(s.p.create_complaint(&clerk(), i))
            }),
            "VALIDATION",
            Some("title"),
        ),
        (
            IPC,
            "complaint_detail: id as a string",
            c(|s, _| {
                let q: DetailQuery = ipc(json!({"id": "1"}))?;
                ok(s.p.complaint_detail(&clerk(), q.id, q.reveal))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "complaint_detail: id 1e30",
            c(|s, _| {
                let q: DetailQuery = ipc(json!({"id": 1e30}))?;
                ok(s.p.complaint_detail(&clerk(), q.id, q.reveal))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "complaint_detail: id that does not exist",
            c(|s, _| {
                let q: DetailQuery = ipc(json!({"id": i64::MAX}))?;
                ok(s.p.complaint_detail(&clerk(), q.id, q.reveal))
            }),
            "NOT_FOUND",
            None,
        ),
        (
            IPC,
            "transition: unknown action",
            c(|s, id| {
                let i: TransitionInput = ipc(json!({"complaint_id": id, "action": "meledakkan"}))?;
                ok(s.p.transition(&clerk(), &i))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "sign_in: input is null",
            c(|s, _| {
                let i: SignInInput = ipc(Value::Null)?;
                ok(s.p.sign_in(&i))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "list_complaints: negative limit",
            c(|s, _| {
                let f: ComplaintFilter = ipc(json!({"limit": -1}))?;
                ok(s.p.list_complaints(&clerk(), &f))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "save_draft: payload is an object",
            c(|s, _| {
                let d: DraftInput = ipc(json!({"form": "complaint", "payload": {"a": 1}}))?;
                s.p.save_draft(&clerk(), &d.form, &d.payload)
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "edit_holidays: month 13",
            c(|s, _| {
                let e: HolidayEdit = ipc(json!({"delete": ["2026-13-01"]}))?;
                ok(s.p.edit_holidays(&admin(), &e.upsert, &e.delete))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "update_security_settings: unknown field",
            c(|s, _| {
                let v: SecuritySettings =
                    ipc(json!({"idle_lock_minutes": 5, "disable_audit": true}))?;
                s.p.update_security_settings(&admin(), &v)
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "update_security_settings: minutes as text",
            c(|s, _| {
                let v: SecuritySettings = ipc(json!({"idle_lock_minutes": "lima"}))?;
                s.p.update_security_settings(&admin(), &v)
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "audit_log: unknown action",
            c(|s, _| {
                let f: posko_core::audit::AuditFilter = ipc(json!({"action": "hapus_jejak"}))?;
                ok(s.p.audit_log(&admin(), &f))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "restore_backup: name is a list",
            c(|s, _| {
                let b: posko_core::backup::BackupName = ipc(json!({"name": ["a", "b"]}))?;
                let path = s.p.backup_path(&b.name)?;
                ok(s.p.restore_backup(&admin(), &path))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "resolve_conflict: keep both",
            c(|s, _| {
                let r: posko_core::sync::pull::ResolveConflictInput =
                    ipc(json!({"id": 1, "keep": "both"}))?;
                s.p.resolve_conflict(&head(), r.id, r.keep)
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "open_with_recovery_key: field missing",
            c(|s, _| {
                let r: posko_core::recovery::RecoveryInput = ipc(json!({}))?;
                ok(Posko::open_with_recovery_key(
                    s.dir.path(),
                    &OsKeychain::new(),
                    s.clock.clone(),
                    &r.recovery_key,
                ))
            }),
            "BAD_REQUEST",
            None,
        ),
        (
            IPC,
            "add_attachment: 12 MB of base64 text",
            c(|s, id| {
                let a: AttachmentInput = ipc(json!({"complaint_id": id, "file_name": "besar.pdf",
                "data_base64": "A".repeat(12 << 20)}))?;
                ok(s.p.add_attachment(&clerk(), &a))
            }),
            "VALIDATION",
            Some("attachment"),
        ),
        // ---- holiday CSV ---------------------------------------------------
        (
            CSV,
            "unknown kind",
            c(|s, _| {
                ok(s.p.import_holidays_csv(
                    &admin(),
                    "date,name,kind\n2026-08-17,Kemerdekaan,libur besar\n",
                ))
            }),
            "INVALID_FILE",
            None,
        ),
        (
            CSV,
            "header without a name column",
            c(|s, _| {
                ok(s.p.import_holidays_csv(&admin(), "date,kind\n2026-08-17,nasional\n"))
            }),
            "INVALID_FILE",
            None,
        ),
        (
            CSV,
            "date that is not a date",
            c(|s, _| {
                ok(s.p.import_holidays_csv(
                    &admin(),
                    "date,name,kind\n17 Agustus,Kemerdekaan,nasional\n",
                ))
            }),
            "INVALID_FILE",
            None,
        ),
        (
            CSV,
            "same date twice",
            c(|s, _| {
                ok(s.p.import_holidays_csv(
                    &admin(),
                    "date,name,kind\n2026-08-17,A,nasional\n2026-08-17,B,nasional\n",
                ))
            }),
            "INVALID_FILE",
            None,
        ),
        (
            CSV,
            "binary garbage",
            c(|s, _| {
                ok(s.p.import_holidays_csv(&admin(), "\u{0}\u{1}PK\u{3}\u{4}\u{fffd}\u{fffd},,\n"))
            }),
            "INVALID_FILE",
            None,
        ),
        (
            CSV,
            "second row bad: nothing imported",
            c(|s, _| {
                ok(s.p.import_holidays_csv(
                    &admin(),
                    "date,name,kind\n2026-08-17,Kemerdekaan,nasional\n2026-02-31,Salah,nasional\n",
                ))
            }),
            "INVALID_FILE",
            None,
        ),
        // ---- settings ------------------------------------------------------
        (
            SET,
            "office: attachment limit 0 MB",
            c(|s, _| {
                let mut o = s.p.office_settings()?;
                o.max_attachment_mb = 0;
                ok(s.p.update_office_settings(&admin(), o))
            }),
            "VALIDATION",
            Some("max_attachment_mb"),
        ),
        (
            SET,
            "office: NIP with 17 digits",
            c(|s, _| {
                let mut o = s.p.office_settings()?;
                o.head_nip = "19800101200501100".into();
                ok(s.p.update_office_settings(&admin(), o))
            }),
            "VALIDATION",
            Some("head_nip"),
        ),
        (
            SET,
            "office: logo that is not base64",
            c(|s, _| {
                let mut o = s.p.office_settings()?;
                o.logo_base64 = Some("bukan base64 !!!".into());
                ok(s.p.update_office_settings(&admin(), o))
            }),
            "VALIDATION",
            Some("logo_base64"),
        ),
        (
            SET,
            "office: logo that is a GIF",
            c(|s, _| {
                let mut o = s.p.office_settings()?;
                o.logo_base64 = Some("R0lGODlhAQABAAAAACw=".into());
                ok(s.p.update_office_settings(&admin(), o))
            }),
            "VALIDATION",
            Some("logo_base64"),
        ),
        (
            SET,
            "office: unit name empty",
            c(|s, _| {
                let mut o = s.p.office_settings()?;
                o.unit_name = " ".into();
                ok(s.p.update_office_settings(&admin(), o))
            }),
            "VALIDATION",
            Some("unit_name"),
        ),
        (
            SET,
            "LAPOR!: plain http to another host",
            c(|s, _| {
                let mut l = s.p.lapor_settings()?;
                l.base_url = Some("http://lapor.example.invalid".into());
                s.p.set_lapor_settings(&admin(), &l)
            }),
            "VALIDATION",
            Some("base_url"),
        ),
        (
            SET,
            "LAPOR!: URL with a space",
            c(|s, _| {
                let mut l = s.p.lapor_settings()?;
                l.base_url = Some("https://lapor go.id".into());
                s.p.set_lapor_settings(&admin(), &l)
            }),
            "VALIDATION",
            Some("base_url"),
        ),
        (
            SET,
            "LAPOR!: empty credentials",
            c(|s, _| {
                s.p.set_lapor_credentials(&admin(), &OsKeychain::new(), " ", "")
            }),
            "SYNC_CREDENTIALS_MISSING",
            None,
        ),
        (
            SET,
            "security: idle lock 0 minutes",
            c(|s, _| {
                s.p.update_security_settings(
                    &admin(),
                    &SecuritySettings {
                        idle_lock_minutes: 0,
                        ..Default::default()
                    },
                )
            }),
            "VALIDATION",
            Some("idle_lock_minutes"),
        ),
        (
            SET,
            "security: lockout of 99 999 s",
            c(|s, _| {
                s.p.update_security_settings(
                    &admin(),
                    &SecuritySettings {
                        lockout_seconds: 99_999,
                        ..Default::default()
                    },
                )
            }),
            "VALIDATION",
            Some("lockout_seconds"),
        ),
        (
            SET,
            "security: keep 0 backups",
            c(|s, _| {
                s.p.update_security_settings(
                    &admin(),
                    &SecuritySettings {
                        backup_keep: 0,
                        ..Default::default()
                    },
                )
            }),
            "VALIDATION",
            Some("backup_keep"),
        ),
        // ---- templates, topics, users, drafts -------------------------------
        (
            REF,
            "template code with a space",
            c(|s, _| {
                s.p.save_template(
                    &admin(),
                    &ReplyTemplate {
                        code: "terima kasih".into(),
                        title: "T".into(),
                        content: "Isi.".into(),
                    },
                )
            }),
            "VALIDATION",
            Some("code"),
        ),
        (
            REF,
            "template without content",
            c(|s, _| {
                s.p.save_template(
                    &admin(),
                    &ReplyTemplate {
                        code: "kosong".into(),
                        title: "T".into(),
                        content: "  ".into(),
                    },
                )
            }),
            "VALIDATION",
            Some("content"),
        ),
        (
            REF,
            "delete a template that does not exist",
            c(|s, _| s.p.delete_template(&admin(), "tidak-ada")),
            "NOT_FOUND",
            None,
        ),
        (
            REF,
            "topic without a name",
            c(|s, _| ok(s.p.save_topic(&admin(), &ipc(json!({"name": ""}))?))),
            "VALIDATION",
            Some("name"),
        ),
        (
            REF,
            "topic under a topic that does not exist",
            c(|s, _| {
                ok(s.p.save_topic(
                    &admin(),
                    &ipc(json!({"name": "Anak", "parent_id": 999_999}))?,
                ))
            }),
            "VALIDATION",
            Some("parent_id"),
        ),
        (
            REF,
            "user with a 5-character password",
            c(|s, _| {
                ok(s.p.create_user(
                    &admin(),
                    &UserInput {
                        username: "budi".into(),
                        display_name: "Budi".into(),
                        role: posko_domain::role::Role::Petugas,
                        nip: None,
                        password: "12345".into(),
                    },
                ))
            }),
            "VALIDATION",
            Some("password"),
        ),
        (
            REF,
            "username with a space",
            c(|s, _| {
                ok(s.p.create_user(
                    &admin(),
                    &UserInput {
                        username: "budi santoso".into(),
                        display_name: "Budi".into(),
                        role: posko_domain::role::Role::Petugas,
                        nip: None,
                        password: "kata-sandi-1".into(),
                    },
                ))
            }),
            "VALIDATION",
            Some("username"),
        ),
        (
            REF,
            "draft over 2 MB",
            c(|s, _| {
                s.p.save_draft(&clerk(), "complaint", &"x".repeat(2_000_001))
            }),
            "VALIDATION",
            Some("draft"),
        ),
        (
            REF,
            "deadline 99 999 working days ahead",
            c(|s, _| {
                ok(s.p.deadline(DeadlineQuery {
                    from: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
                    working_days: 99_999,
                }))
            }),
            "VALIDATION",
            Some("working_days"),
        ),
        (
            REF,
            "follow-up decision: return without a note",
            c(|s, _| {
                s.p.decide_follow_up(
                    &head(),
                    &FollowUpDecision {
                        follow_up_id: 999_999,
                        approve: false,
                        note: None,
                    },
                )
            }),
            "VALIDATION",
            Some("note"),
        ),
        // ---- sync operator --------------------------------------------------
        (
            SYNC,
            "manual send with a tracking id of symbols",
            c(|s, id| {
                s.p.sync_record_manual_send(
                    &clerk(),
                    &ipc(json!({"complaint_id": id, "tracking_id": "!!"}))?,
                )
            }),
            "VALIDATION",
            Some("tracking_id"),
        ),
        (
            SYNC,
            "retry an outbox item that does not exist",
            c(|s, _| {
                s.p.sync_retry(&clerk(), &ipc(json!({"outbox_id": 999_999}))?)
            }),
            "NOT_FOUND",
            None,
        ),
        (
            SYNC,
            "skip without a reason",
            c(|s, _| {
                let id: i64 =
                    s.p.connection()
                        .query_row("SELECT id FROM outbox LIMIT 1", [], |r| r.get(0))?;
                s.p.sync_skip(&clerk(), &ipc(json!({"outbox_id": id, "note": "  "}))?)
            }),
            "VALIDATION",
            Some("note"),
        ),
        (
            SYNC,
            "remote status by hand, empty",
            c(|s, id| {
                s.p.sync_record_remote_status(
                    &clerk(),
                    &ipc(json!({"complaint_id": id, "status_name": ""}))?,
                )
            }),
            "VALIDATION",
            None,
        ),
        // ---- monev instruments ---------------------------------------------
        (
            INS,
            "not TOML at all",
            c(|s, _| {
                ok(s.p.import_instrument(&head(), &ipc(json!({"source": "[[[ ini bukan toml"}))?))
            }),
            "INVALID_INSTRUMENT",
            None,
        ),
        (
            INS,
            "empty file",
            c(|s, _| ok(s.p.import_instrument(&head(), &ipc(json!({"source": ""}))?))),
            "INVALID_INSTRUMENT",
            None,
        ),
        (
            INS,
            "id of the wrong type",
            c(|s, _| {
                ok(s.p.import_instrument(
                    &head(),
                    &ipc(json!({"source": "id = 5\nversion = \"satu\"\n"}))?,
                ))
            }),
            "INVALID_INSTRUMENT",
            None,
        ),
        // ---- the store's own operations -------------------------------------
        (
            STORE,
            "restore: a name with ../",
            c(|s, _| {
                let p = s.p.backup_path("../posko.db")?;
                ok(s.p.restore_backup(&admin(), &p))
            }),
            "NOT_FOUND",
            None,
        ),
        (
            STORE,
            "restore: a file that is not a database",
            c(move |s, _| ok(s.p.restore_backup(&admin(), &junk))),
            "BACKUP_INVALID",
            None,
        ),
        (
            STORE,
            "export: 6-character passphrase",
            c(|s, _| {
                let out = std::env::temp_dir().join("posko-tidak-dibuat.posko-export");
                ok(s.p.export_store(&admin(), &out, "pendek"))
            }),
            "VALIDATION",
            Some("passphrase"),
        ),
        (
            STORE,
            "import: wrong passphrase",
            c(move |s, _| {
                ok(Posko::import_store(
                    &t1,
                    &e1,
                    "frasa sandi yang keliru",
                    &OsKeychain::new(),
                    s.clock.clone(),
                ))
            }),
            "PASSPHRASE_WRONG",
            None,
        ),
        (
            STORE,
            "import: file cut short",
            c(move |s, _| {
                ok(Posko::import_store(
                    &t2,
                    &truncated,
                    "frasa sandi uji yang panjang",
                    &OsKeychain::new(),
                    s.clock.clone(),
                ))
            }),
            "EXPORT_DAMAGED",
            None,
        ),
        (
            STORE,
            "import: into the folder of a store with data",
            c(move |s, _| {
                let dir = s.dir.path().to_owned();
                ok(Posko::import_store(
                    &dir,
                    &e2,
                    "frasa sandi uji yang panjang",
                    &OsKeychain::new(),
                    s.clock.clone(),
                ))
            }),
            "STORE_EXISTS",
            None,
        ),
        (
            STORE,
            "import: a file that does not exist",
            c(move |s, _| {
                ok(Posko::import_store(
                    &t3,
                    &export.with_extension("hilang"),
                    "frasa sandi uji yang panjang",
                    &OsKeychain::new(),
                    s.clock.clone(),
                ))
            }),
            "NOT_FOUND",
            None,
        ),
        (
            STORE,
            "recovery key with a typo",
            c(|s, _| {
                ok(Posko::open_with_recovery_key(
                    s.dir.path(),
                    &OsKeychain::new(),
                    s.clock.clone(),
                    "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF-GGGGG-HHHHH",
                ))
            }),
            "RECOVERY_KEY_INVALID",
            None,
        ),
        (
            STORE,
            "recovery key of another store",
            c(move |s, _| {
                ok(Posko::open_with_recovery_key(
                    s.dir.path(),
                    &OsKeychain::new(),
                    s.clock.clone(),
                    &other_key,
                ))
            }),
            "RECOVERY_KEY_WRONG",
            None,
        ),
        (
            STORE,
            "audit export by a clerk",
            c(|s, _| {
                ok(s.p.audit_export(
                    &clerk(),
                    posko_core::audit::AuditFormat::Csv,
                    &Default::default(),
                ))
            }),
            "FORBIDDEN",
            None,
        ),
        (
            STORE,
            "key rotation by the head of office",
            c(|s, _| ok(s.p.rotate_key(&head(), &OsKeychain::new()))),
            "FORBIDDEN",
            None,
        ),
        // ---- Complaint import (CSV / Excel): all or nothing ------------------
        (
            IMP,
            "import: unknown column header",
            c(|s, _| {
                imp(
                    s,
                    "tanggal,saluran,jenis,judul,isi,warna\n2026-02-10,sms,aspirasi,A,B,merah\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("1"),
        ),
        (
            IMP,
            "import: required column missing (isi)",
            c(|s, _| {
                imp(
                    s,
                    "tanggal,saluran,jenis,judul\n2026-02-10,sms,aspirasi,A\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("1:description"),
        ),
        (
            IMP,
            "import: NIK of 15 digits in row 3 (row 2 good)",
            c(|s, _| {
                imp(
                    s,
                    "tanggal,saluran,jenis,judul,isi,nik\n2026-02-10,sms,aspirasi,Baik,Isi,\n2026-02-10,sms,aspirasi,A,B,320101450890000\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("3:nik"),
        ),
        (
            IMP,
            "import: received date in the future",
            c(|s, _| {
                imp(
                    s,
                    "tanggal;saluran;jenis;judul;isi\n2030-01-01;sms;aspirasi;A;B\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("2:received_date"),
        ),
        (
            IMP,
            "import: unknown channel and empty title",
            c(|s, _| {
                imp(
                    s,
                    "tanggal,saluran,jenis,judul,isi\n2026-02-10,merpati,aspirasi,,B\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("2:title"),
        ),
        (
            IMP,
            "import: quote never closed",
            c(|s, _| {
                imp(
                    s,
                    "tanggal,saluran,jenis,judul,isi\n2026-02-10,sms,aspirasi,A,\"B\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("2"),
        ),
        (
            IMP,
            "import: the same complaint twice in the file",
            c(|s, _| {
                imp(
                    s,
                    "tanggal,saluran,jenis,judul,isi\n2026-02-10,sms,aspirasi,A,B\n10/02/2026,SMS,aspirasi,a,b\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("3"),
        ),
        (
            IMP,
            "import: unknown topic",
            c(|s, _| {
                imp(
                    s,
                    "tanggal,saluran,jenis,topik,judul,isi\n2026-02-10,sms,aspirasi,Tidak Ada,A,B\n",
                    "a.csv",
                )
            }),
            "IMPORT_INVALID",
            Some("2:topic"),
        ),
        (
            IMP,
            "import: .xlsx that is not a spreadsheet",
            c(|s, _| imp(s, "PK\u{3}\u{4} ini bukan berkas Excel", "register.xlsx")),
            "IMPORT_INVALID",
            Some("1"),
        ),
        (
            IMP,
            "import: header only, no rows",
            c(|s, _| imp(s, "\u{feff}tanggal;saluran;jenis;judul;isi\r\n", "a.csv")),
            "IMPORT_INVALID",
            Some("1"),
        ),
        (
            IMP,
            "import by a monitor (pemantau)",
            c(|s, _| {
                ok(s.p.import_complaints(
                    &actor(posko_domain::role::Role::Pemantau),
                    b"tanggal,saluran,jenis,judul,isi\n2026-02-10,sms,aspirasi,A,B\n",
                    "a.csv",
                    posko_core::import::ImportMode::Apply,
                ))
            }),
            "FORBIDDEN",
            None,
        ),
        (
            IMP,
            "import: a required field mapped to no column (--map title=-)",
            c(|s, _| {
                let text = "tanggal,saluran,jenis,judul,isi\n2026-02-10,sms,aspirasi,A,B\n";
                let header = posko_core::import::file_header(text.as_bytes(), "a.csv")?;
                let m = posko_core::import::mapping_from_args(&header, &["title=-".to_owned()])?;
                ok(s.p.import_complaints_mapped(
                    &clerk(),
                    text.as_bytes(),
                    "a.csv",
                    posko_core::import::ImportMode::Apply,
                    &m,
                ))
            }),
            "IMPORT_INVALID",
            Some("1:title"),
        ),
        (
            IMP,
            "import: --map to a column the file does not have",
            c(|_, _| {
                let header =
                    posko_core::import::file_header(b"tanggal,saluran,jenis,judul,isi\n", "a.csv")?;
                ok(posko_core::import::mapping_from_args(
                    &header,
                    &["title=9".to_owned()],
                ))
            }),
            "IMPORT_INVALID",
            Some("1:title"),
        ),
        (
            IMP,
            "undo of the last import when there is none",
            c(|s, _| ok(s.p.undo_last_import(&clerk()))),
            "IMPORT_UNDO_NOTHING",
            None,
        ),
    ]
}

/// Apply an import file as a clerk.
fn imp(s: &mut Store, text: &str, name: &str) -> CoreResult<()> {
    ok(s.p.import_complaints(
        &clerk(),
        text.as_bytes(),
        name,
        posko_core::import::ImportMode::Apply,
    ))
}

/// docs/bad-input.md, generated from the run. Like the TypeScript bindings,
/// a stale committed file is rewritten and the test fails: commit it.
pub fn write_doc(rows: &[(&str, &str, &str, String)]) {
    let mut out = String::from(
        "# Bad input: what each entry point answers\n\n\
         GENERATED by `tests/it/bad_input.rs` (`scripts/with-keyring.sh cargo test -p posko-app --test it bad_input`).\n\
         Do not edit by hand.\n\n\
         Every case below is refused with a stable code and a message in Indonesian (the\n\
         message shown is the user's language `id`), and the test checks that nothing in the\n\
         store changed: the rows of every table a user action writes, register counters,\n\
         record versions, the settings, the users and the files beside the database.\n\
         IPC cases parse a JSON value into the command's input type exactly as\n\
         `src-tauri/commands.rs` does.\n\n\
         Bad answers of the national service (HTML pages, 4 MiB bodies, missing fields,\n\
         wrong dates, wrong JSON types, a page other than the one asked) are covered by\n\
         `tests/it/sync_pull.rs`: each is recorded in `sync_pull_log` with a stable code and a\n\
         readable reason, and nothing local changes. Every parser is also fuzzed\n\
         (`fuzz/`, see README).\n",
    );
    let mut area = "";
    let mut n = 0;
    for (a, name, code, msg) in rows {
        if *a != area {
            area = a;
            out.push_str(&format!(
                "\n## {a}\n\n| # | Case | Code | Message (id) |\n|---|---|---|---|\n"
            ));
        }
        n += 1;
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        out.push_str(&format!(
            "| {n} | {} | `{code}` | {} |\n",
            cell(name),
            cell(msg)
        ));
    }
    out.push_str(&format!("\n{n} cases.\n"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bad-input.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old != out {
        std::fs::write(&path, &out).unwrap();
        panic!("docs/bad-input.md was stale and has been regenerated; commit it");
    }
}
