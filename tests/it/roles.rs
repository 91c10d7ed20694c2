//! Permissions are enforced in the core: every IPC command (the
//! `commands![..]` table, `posko_app::COMMANDS`) is called as every role
//! through the core function behind it, with a minimal input. A role the
//! matrix (`Role::can`) allows never gets FORBIDDEN; a role it does not
//! allow gets FORBIDDEN and the store is left exactly as it was.
//!
//! A new command without a row here fails `every_command_has_a_row`: add
//! the core call and what it needs.

use std::collections::BTreeSet;

use posko_core::audit::{AuditFilter, AuditFormat};
use posko_core::export::ExportControl;
use posko_core::import::{FileFormat, ImportMode};
use posko_core::keychain::OsKeychain;
use posko_core::model::*;
use posko_core::security::SecuritySettings;
use posko_core::sync::pull::Keep;
use posko_core::{Actor, CoreError, CoreResult, Posko};
use posko_domain::Action;
use posko_domain::role::{Permission, Role};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::support::*;

/// Who may call a command.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Before sign-in (status, setup, sign-in, the lock screen's settings,
    /// opening with the recovery key).
    Public,
    /// Any signed-in role (reference data, own drafts, the sync page's view).
    Any,
    Perm(Permission),
    All(&'static [Permission]),
}

impl Need {
    fn allows(self, role: Role) -> bool {
        match self {
            Need::Public | Need::Any => true,
            Need::Perm(p) => role.can(p),
            Need::All(ps) => ps.iter().all(|p| role.can(*p)),
        }
    }
}

/// Ids the calls refer to, made by an admin before the role's calls.
struct Ctx {
    complaint: i64,
    follow_up: i64,
    attachment: i64,
    outbox: i64,
    backup: String,
}

type Call = fn(&mut Posko, &Actor, &Ctx) -> CoreResult<()>;

fn v<T: DeserializeOwned>(j: serde_json::Value) -> T {
    serde_json::from_value(j).expect("minimal input parses")
}

fn ok<T>(r: CoreResult<T>) -> CoreResult<()> {
    r.map(|_| ())
}

fn dead_api() -> posko_core::sync::http::HttpLapor {
    posko_core::sync::http::HttpLapor::new(
        "http://127.0.0.1:9",
        lapor_wire::DEFAULT_AUTH_HEADER,
        posko_core::sync::http::Credentials {
            key: zeroize::Zeroizing::new("k".into()),
            token: zeroize::Zeroizing::new("t".into()),
        },
        std::time::Duration::from_millis(200),
        false,
    )
    .unwrap()
}

fn rows() -> Vec<(&'static str, Need, Call)> {
    use Need::*;
    use Permission::*;
    vec![
        ("app_status", Public, |p, _, _| ok(p.setup_state())),
        ("retry_open", Public, |p, _, _| ok(p.setup_state())),
        ("set_lang", Public, |_, _, _| Ok(())),
        // The text size is a display setting of the machine (display.json), like the language.
        ("text_scale", Public, |_, _, _| Ok(())),
        ("set_text_scale", Public, |_, _, _| Ok(())),
        ("setup", Public, |p, _, _| {
            ok(p.setup(v(json!({"unit_name": "X", "unit_code": "X", "zone": "WIB",
                "admin_username": "a", "admin_display_name": "A", "admin_password": "kata-sandi-1"}))))
        }),
        ("sign_in", Public, |p, _, _| {
            ok(p.sign_in(&SignInInput {
                username: "tidak-ada".into(),
                password: "x".into(),
            }))
        }),
        ("sign_out", Public, |_, _, _| Ok(())),
        ("vocabulary", Public, |p, _, _| {
            p.vocabulary();
            Ok(())
        }),
        ("security_settings", Public, |p, _, _| {
            ok(p.security_settings())
        }),
        ("open_with_recovery_key", Public, |p, _, _| {
            let dir = p.store_dir().to_owned();
            ok(Posko::open_with_recovery_key(
                &dir,
                &OsKeychain::new(),
                std::sync::Arc::new(posko_core::clock::SystemClock),
                "bukan kunci",
            ))
        }),
        (
            "today",
            Perm(ViewRegister),
            |p, a, _| ok(p.today_summary(a)),
        ),
        ("list_complaints", Perm(ViewRegister), |p, a, _| {
            ok(p.list_complaints(a, &ComplaintFilter::default()))
        }),
        ("complaint_detail", Perm(ViewRegister), |p, a, c| {
            ok(p.complaint_detail(a, c.complaint, true))
        }),
        ("validate_complaint", Any, |p, _, _| {
            p.validate_complaint(complaint("Uji"));
            Ok(())
        }),
        ("duplicate_hints", Perm(ViewRegister), |p, a, _| {
            ok(p.duplicate_hints(a, &complaint("Uji")))
        }),
        ("create_complaint", Perm(CreateComplaint), |p, a, _| {
            ok(p.create_complaint(a, complaint("Uji peran")))
        }),
        ("transition", Perm(TransitionComplaint), |p, a, c| {
            ok(p.transition(
                a,
                &TransitionInput {
                    complaint_id: c.complaint,
                    action: Action::Postpone,
                    note: Some("Menunggu dokumen.".into()),
                    assigned_to: None,
                },
            ))
        }),
        ("add_follow_up", Perm(DraftFollowUp), |p, a, c| {
            ok(p.add_follow_up(
                a,
                &FollowUpInput {
                    complaint_id: c.complaint,
                    content: "Sudah ditindaklanjuti.".into(),
                    template_code: None,
                },
            ))
        }),
        ("decide_follow_up", Perm(ApproveFollowUp), |p, a, c| {
            p.decide_follow_up(
                a,
                &FollowUpDecision {
                    follow_up_id: c.follow_up,
                    approve: false,
                    note: Some("Perbaiki.".into()),
                },
            )
        }),
        ("add_attachment", Perm(EditComplaint), |p, a, c| {
            ok(p.add_attachment(
                a,
                &AttachmentInput {
                    complaint_id: c.complaint,
                    file_name: "a.pdf".into(),
                    data_base64: "JVBERi0xLjQK".into(),
                },
            ))
        }),
        ("get_attachment", Perm(ViewRegister), |p, a, c| {
            ok(p.attachment(a, c.attachment))
        }),
        ("topics", Any, |p, _, _| ok(p.topics())),
        ("save_topic", Perm(EditSettings), |p, a, _| {
            ok(p.save_topic(a, &v(json!({"name": "Topik uji"}))))
        }),
        ("templates", Any, |p, _, _| ok(p.templates())),
        ("save_template", Perm(EditSettings), |p, a, _| {
            p.save_template(
                a,
                &ReplyTemplate {
                    code: "uji".into(),
                    title: "Uji".into(),
                    content: "Isi.".into(),
                },
            )
        }),
        ("delete_template", Perm(EditSettings), |p, a, _| {
            p.delete_template(a, "terima-kasih")
        }),
        ("holidays", Any, |p, _, _| ok(p.holidays())),
        ("edit_holidays", Perm(EditSettings), |p, a, _| {
            ok(p.edit_holidays(
                a,
                &[],
                &[chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()],
            ))
        }),
        ("import_holidays_csv", Perm(EditSettings), |p, a, _| {
            ok(p.import_holidays_csv(a, "date,name,kind\n2026-12-31,Uji,nasional\n"))
        }),
        ("office_settings", Any, |p, _, _| ok(p.office_settings())),
        ("update_office_settings", Perm(EditSettings), |p, a, _| {
            let o = p.office_settings()?;
            ok(p.update_office_settings(a, o))
        }),
        ("save_draft", Any, |p, a, _| {
            p.save_draft(a, "complaint", "{}")
        }),
        (
            "load_draft",
            Any,
            |p, a, _| ok(p.load_draft(a, "complaint")),
        ),
        ("clear_draft", Any, |p, a, _| p.clear_draft(a, "complaint")),
        ("list_users", Perm(ManageUsers), |p, a, _| {
            ok(p.list_users(a))
        }),
        ("create_user", Perm(ManageUsers), |p, a, _| {
            ok(p.create_user(
                a,
                &UserInput {
                    username: "baru".into(),
                    display_name: "Baru".into(),
                    role: Role::Petugas,
                    nip: None,
                    password: "kata-sandi-1".into(),
                },
            ))
        }),
        // The sync page's view: counts and queue of every role's reports.
        ("sync_overview", Any, |p, _, _| ok(p.sync_status())),
        ("sync_now", Perm(OperateSync), |p, a, _| p.authorize_sync(a)),
        ("sync_cancel", Perm(OperateSync), |p, a, _| {
            p.authorize_sync(a)
        }),
        (
            "sync_attempts",
            Any,
            |p, _, c| ok(p.sync_attempts(c.outbox)),
        ),
        ("complaint_sync", Perm(ViewRegister), |p, a, c| {
            ok(p.complaint_sync(a, c.complaint))
        }),
        ("sync_conflicts", Perm(ViewRegister), |p, a, _| {
            ok(p.sync_conflicts(a))
        }),
        ("resolve_conflict", Perm(TransitionComplaint), |p, a, _| {
            p.resolve_conflict(a, 999, Keep::Local)
        }),
        ("reporter_replies", Perm(ViewRegister), |p, a, _| {
            ok(p.unseen_reporter_replies(a))
        }),
        ("mark_reply_seen", Perm(ViewRegister), |p, a, _| {
            p.mark_remote_follow_up_seen(a, 999)
        }),
        ("sync_retry", Perm(OperateSync), |p, a, c| {
            p.sync_retry(a, &v(json!({"outbox_id": c.outbox})))
        }),
        ("sync_skip", Perm(OperateSync), |p, a, c| {
            p.sync_skip(
                a,
                &v(json!({"outbox_id": c.outbox, "note": "Dilewati saat uji peran."})),
            )
        }),
        ("sync_resolve_unknown", Perm(OperateSync), |p, a, c| {
            p.sync_resolve_unknown(a, &v(json!({"outbox_id": c.outbox, "arrived": false})))
        }),
        ("sync_record_manual_send", Perm(OperateSync), |p, a, c| {
            p.sync_record_manual_send(
                a,
                &v(json!({"complaint_id": c.complaint, "tracking_id": "ABC123"})),
            )
        }),
        ("sync_record_remote_status", Perm(OperateSync), |p, a, c| {
            p.sync_record_remote_status(
                a,
                &v(json!({"complaint_id": c.complaint, "status_name": "Diproses"})),
            )
        }),
        ("sync_preview", Perm(OperateSync), |p, a, _| {
            p.authorize_sync(a)?;
            ok(p.sync_preview())
        }),
        ("confirm_sync_preview", Perm(EditSettings), |p, a, _| {
            p.confirm_sync_preview(a)
        }),
        ("manual_form", Perm(OperateSync), |p, a, c| {
            ok(p.manual_form(a, c.complaint))
        }),
        ("lapor_settings", Any, |p, _, _| {
            p.lapor_credentials_present(&OsKeychain::new())?;
            ok(p.lapor_settings())
        }),
        ("save_lapor_settings", Perm(EditSettings), |p, a, _| {
            let s = p.lapor_settings()?;
            p.set_lapor_settings(a, &s)
        }),
        ("set_lapor_credentials", Perm(EditSettings), |p, a, _| {
            p.set_lapor_credentials(a, &OsKeychain::new(), "kunci", "token")
        }),
        ("lapor_test_connection", Perm(EditSettings), |p, a, _| {
            ok(p.lapor_test_connection(a, &dead_api()))
        }),
        ("monev_indicators", Perm(RunReports), |p, a, _| {
            ok(p.monev_indicators(a, &v(json!({"from": "2026-01-01", "to": "2026-03-31"}))))
        }),
        (
            "monev_drilldown",
            All(&[RunReports, ViewRegister]),
            |p, a, _| {
                ok(p.monev_drilldown(
                    a,
                    &v(json!({"query": {"from": "2026-01-01", "to": "2026-03-31"},
                          "cell": {"metric": "received"}})),
                ))
            },
        ),
        ("save_team_decree", Perm(RunReports), |p, a, _| {
            ok(p.save_team_decree(
                a,
                &v(json!({"unit_code": "PKM-SENDANA", "number": "1/2026", "date": "2026-01-05"})),
            ))
        }),
        ("save_action_item", Perm(RunReports), |p, a, _| {
            ok(p.save_action_item(
                a,
                &v(json!({"unit_code": "PKM-SENDANA", "year": 2026, "action": "Pelatihan", "progress": 0})),
            ))
        }),
        ("delete_action_item", Perm(RunReports), |p, a, _| {
            p.delete_action_item(a, &IdInput { id: 999 })
        }),
        ("action_plan", Perm(RunReports), |p, a, _| {
            ok(p.action_plan(a, &v(json!({}))))
        }),
        ("report_templates", Perm(RunReports), |p, a, _| {
            ok(p.report_templates(a))
        }),
        ("save_report_template", Perm(RunReports), |p, a, _| {
            ok(p.save_report_template(a, &v(json!({"key": "pengantar", "body": "Teks."}))))
        }),
        ("instruments", Perm(RunReports), |p, a, _| {
            ok(p.instruments(a))
        }),
        ("instrument", Perm(RunReports), |p, a, _| {
            ok(p.instrument(a, &v(json!({"id": "tidak-ada"}))))
        }),
        ("import_instrument", Perm(RunReports), |p, a, _| {
            ok(p.import_instrument(a, &v(json!({"source": "bukan = [toml"}))))
        }),
        ("units", Perm(ViewRegister), |p, a, _| ok(p.units(a))),
        ("save_unit", Perm(RunReports), |p, a, _| {
            ok(p.save_unit(a, &v(json!({"code": "PKM-LAIN", "name": "Puskesmas Lain"}))))
        }),
        ("save_visit", Perm(RunReports), |p, a, _| {
            ok(p.save_visit(
                a,
                &v(
                    json!({"unit_code": "PKM-SENDANA", "instrument": {"id": "tidak-ada"},
                          "visit_date": "2026-03-02"}),
                ),
            ))
        }),
        ("visit", Perm(RunReports), |p, a, _| {
            ok(p.visit(a, &IdInput { id: 999 }))
        }),
        ("list_visits", Perm(RunReports), |p, a, _| {
            ok(p.list_visits(a, &v(json!({}))))
        }),
        ("finish_visit", Perm(RunReports), |p, a, _| {
            ok(p.finish_visit(a, &IdInput { id: 999 }))
        }),
        ("correct_visit", Perm(RunReports), |p, a, _| {
            ok(p.correct_visit(
                a,
                &v(json!({"visit": {"id": 999, "unit_code": "PKM-SENDANA",
                          "instrument": {"id": "tidak-ada"}, "visit_date": "2026-03-02"},
                          "reason": "Salah isi."})),
            ))
        }),
        ("delete_visit", Perm(RunReports), |p, a, _| {
            p.delete_visit(a, &IdInput { id: 999 })
        }),
        ("add_visit_photo", Perm(RunReports), |p, a, _| {
            ok(p.add_visit_photo(
                a,
                &v(json!({"visit_id": 999, "file_name": "f.png", "data_base64": "iVBORw0KGgo="})),
            ))
        }),
        ("visit_photo", Perm(RunReports), |p, a, _| {
            ok(p.visit_photo(a, &IdInput { id: 999 }))
        }),
        ("delete_visit_photo", Perm(RunReports), |p, a, _| {
            p.delete_visit_photo(a, &IdInput { id: 999 })
        }),
        ("unit_ranking", Perm(RunReports), |p, a, _| {
            ok(p.unit_ranking(
                a,
                &v(json!({"from": "2026-01-01", "to": "2026-03-31", "instrument_id": "tidak-ada"})),
            ))
        }),
        ("monev_report", Perm(RunReports), |p, a, _| {
            ok(p.monev_report_pdf(a, &v(json!({"from": "2026-01-01", "to": "2026-03-31"}))))
        }),
        ("visit_report", Perm(RunReports), |p, a, _| {
            ok(p.visit_report_pdf(a, &v(json!({"id": 999}))))
        }),
        ("complaint_sheet", Perm(ViewRegister), |p, a, c| {
            ok(p.complaint_sheet_pdf(a, &v(json!({"id": c.complaint}))))
        }),
        ("open_report", Perm(ViewRegister), |p, a, _| {
            let r = v(json!({"file_name": "tidak-ada.pdf", "doc_no": "X"}));
            ok(p.open_report(a, &r, |_| Ok(())))
        }),
        ("save_report_as", Perm(ViewRegister), |p, a, _| {
            let r = v(json!({"file_name": "tidak-ada.pdf", "doc_no": "X"}));
            p.kept_report(a, &r)?;
            ok(p.save_report_copy(a, &r, &std::env::temp_dir().join("posko-never.pdf")))
        }),
        ("update_security_settings", Perm(EditSettings), |p, a, _| {
            p.update_security_settings(a, &SecuritySettings::default())
        }),
        ("audit_log", Perm(ViewAudit), |p, a, _| {
            ok(p.audit_log(a, &AuditFilter::default()))
        }),
        ("audit_export", Perm(ViewAudit), |p, a, _| {
            ok(p.audit_export(a, AuditFormat::Json, &AuditFilter::default()))
        }),
        ("audit_verify", Perm(ViewAudit), |p, a, _| {
            ok(p.audit_verify(a))
        }),
        (
            "backups",
            Perm(ManageStore),
            |p, a, _| ok(p.list_backups(a)),
        ),
        ("backup_now", Perm(ManageStore), |p, a, _| {
            ok(p.backup_now(a))
        }),
        ("restore_backup", Perm(ManageStore), |p, a, c| {
            let path = p.backup_path(&c.backup)?;
            ok(p.restore_backup(a, &path))
        }),
        ("check_backup", Perm(ManageStore), |p, a, c| {
            ok(p.check_backup(a, &c.backup))
        }),
        ("save_audit_export", Perm(ViewAudit), |p, a, _| {
            ok(p.audit_export(a, AuditFormat::Csv, &AuditFilter::default()))
        }),
        ("subject_lookup", Perm(DataSubject), |p, a, _| {
            ok(p.subject_lookup(a, &v(json!({"nik": "3201014101900003"}))))
        }),
        ("subject_export", Perm(DataSubject), |p, a, _| {
            let dest =
                std::env::temp_dir().join(format!("posko-roles-{}.json", std::process::id()));
            let r = p.export_subject(
                a,
                &v(json!({"nik": "3201014101900003", "format": "json"})),
                &dest,
            );
            let _ = std::fs::remove_file(&dest);
            ok(r)
        }),
        ("erase_subject", Perm(DataSubject), |p, a, _| {
            ok(p.erase_subject(
                a,
                &v(json!({"phone": "0812-3456-7890", "reason": "Permintaan pemilik data"})),
            ))
        }),
        ("save_recovery_sheet", Perm(ManageStore), |p, a, _| {
            let dest =
                std::env::temp_dir().join(format!("posko-roles-rk-{}.pdf", std::process::id()));
            let r = p.save_recovery_sheet(a, &dest);
            let _ = std::fs::remove_file(&dest);
            ok(r)
        }),
        ("recovery_status", Perm(ManageStore), |p, a, _| {
            ok(p.recovery_status(a))
        }),
        ("create_recovery_key", Perm(ManageStore), |p, a, _| {
            ok(p.create_recovery_key(a))
        }),
        ("rotate_key", Perm(ManageStore), |p, a, _| {
            ok(p.rotate_key(a, &OsKeychain::new()))
        }),
        ("import_pick", Perm(CreateComplaint), |p, a, _| {
            ok(p.import_complaints(a, IMPORT_CSV, "a.csv", ImportMode::Check))
        }),
        ("import_remap", Perm(CreateComplaint), |p, a, _| {
            ok(p.import_complaints_mapped(
                a,
                IMPORT_CSV,
                "a.csv",
                ImportMode::Check,
                &posko_core::import::ImportMapping::Proposed,
            ))
        }),
        ("import_apply", Perm(CreateComplaint), |p, a, _| {
            ok(p.import_complaints(a, IMPORT_CSV, "a.csv", ImportMode::Apply))
        }),
        ("last_import", Perm(CreateComplaint), |p, a, _| {
            ok(p.last_import(a))
        }),
        // Nothing to undo (or the import above, changed since) is no refusal
        // by role; a role that may not import is refused first.
        ("import_undo", Perm(CreateComplaint), |p, a, _| {
            match p.undo_last_import(a) {
                Err(CoreError::ImportUndoNothing)
                | Err(CoreError::ImportUndoTouched { .. })
                | Err(CoreError::ImportUndoNumbersUsed { .. }) => Ok(()),
                r => ok(r),
            }
        }),
        ("save_register_export", Perm(ViewRegister), |p, a, _| {
            ok(p.export_register(a, &ComplaintFilter::default(), FileFormat::Xlsx))
        }),
        ("save_import_template", Any, |p, _, _| {
            ok(p.import_template(FileFormat::Csv))
        }),
        ("save_monev_export", Perm(RunReports), |p, a, _| {
            ok(p.monev_export(
                a,
                &v(json!({"from": "2026-01-01", "to": "2026-03-31"})),
                FileFormat::Csv,
                &mut ExportControl::none(),
            ))
        }),
        ("save_visits_export", Perm(RunReports), |p, a, _| {
            ok(p.visits_export(
                a,
                &v(json!({"from": "2026-01-01", "to": "2026-03-31"})),
                FileFormat::Xlsx,
                &mut ExportControl::none(),
            ))
        }),
        // Only sets the flags of exports this window started.
        ("cancel_export", Public, |_, _, _| Ok(())),
    ]
}

/// One good row for the import commands.
const IMPORT_CSV: &[u8] =
    b"tanggal,saluran,jenis,judul,isi\n2026-02-10,sms,aspirasi,Impor uji peran,Isi\n";

#[test]
fn every_command_has_a_row() {
    let table: BTreeSet<&str> = rows().iter().map(|r| r.0).collect();
    let commands: BTreeSet<&str> = posko_app::COMMANDS.iter().copied().collect();
    let missing: Vec<_> = commands.difference(&table).collect();
    let extra: Vec<_> = table.difference(&commands).collect();
    assert!(
        missing.is_empty(),
        "commands without a role test in tests/it/roles.rs: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "rows for commands that do not exist: {extra:?}"
    );
}

/// An admin-made store with one routed complaint (with a draft follow-up,
/// an attachment and an outbox item) and one backup.
fn prepared() -> (Store, Ctx) {
    let mut s = new_store();
    let a = admin();
    let complaint = s.p.create_complaint(&a, complaint("Uji peran")).unwrap().id;
    for action in [Action::Verify, Action::Route] {
        s.p.transition(
            &a,
            &TransitionInput {
                complaint_id: complaint,
                action,
                note: None,
                assigned_to: None,
            },
        )
        .unwrap();
    }
    let follow_up =
        s.p.add_follow_up(
            &a,
            &FollowUpInput {
                complaint_id: complaint,
                content: "Draf jawaban.".into(),
                template_code: None,
            },
        )
        .unwrap();
    let attachment =
        s.p.add_attachment(
            &a,
            &AttachmentInput {
                complaint_id: complaint,
                file_name: "a.pdf".into(),
                data_base64: "JVBERi0xLjQK".into(),
            },
        )
        .unwrap();
    let outbox: i64 =
        s.p.connection()
            .query_row("SELECT id FROM outbox ORDER BY id LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
    let backup = s.p.backup_now(&a).unwrap().name;
    (
        s,
        Ctx {
            complaint,
            follow_up,
            attachment,
            outbox,
            backup,
        },
    )
}

#[test]
fn every_command_as_every_role_follows_the_matrix() {
    let table = rows();
    let mut tally = (0u32, 0u32);
    let mut wrong = Vec::new();
    for role in Role::ALL {
        let (mut s, ctx) = prepared();
        let who = actor(role);
        for (name, need, call) in &table {
            let before = s.fingerprint();
            let res: Result<(), CoreError> = call(&mut s.p, &who, &ctx);
            let forbidden = matches!(&res, Err(e) if e.code() == "FORBIDDEN");
            if need.allows(role) {
                tally.0 += 1;
                if forbidden {
                    wrong.push(format!(
                        "{name} as {role:?}: FORBIDDEN, the matrix allows it"
                    ));
                }
            } else {
                tally.1 += 1;
                if !forbidden {
                    wrong.push(format!("{name} as {role:?}: {res:?}, want FORBIDDEN"));
                } else if s.fingerprint() != before {
                    wrong.push(format!("{name} as {role:?}: refused but changed the store"));
                }
            }
        }
        // The store is sound after every role's calls (a rotation and a
        // restore happened for the admin).
        s.reopen();
        let check: String =
            s.p.connection()
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
        assert_eq!(check, "ok");
    }
    println!(
        "roles: {} commands × {} roles: {} allowed calls, {} refused with FORBIDDEN",
        table.len(),
        Role::ALL.len(),
        tally.0,
        tally.1
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
