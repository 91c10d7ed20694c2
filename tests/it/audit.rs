//! The audit log: what is recorded (sign-ins, unmasked identities, settings,
//! credentials without their values, deletions, exports, prints), who may
//! read it, and that the hash chain catches a row edited behind the core's
//! back (triggers dropped on a raw connection).

use posko_core::audit::{AuditAction, AuditBreak, AuditFilter, AuditFormat, canonical, chain_hash};
use posko_core::db;
use posko_core::keychain::{OsKeychain, SecretStore};
use posko_core::model::{ReplyTemplate, SignInInput, UserInput};
use posko_core::security::SecuritySettings;
use posko_domain::role::Role;
use rusqlite::Connection;

use crate::support::*;

fn actions(s: &Store) -> Vec<(AuditAction, Option<String>, String)> {
    let mut page =
        s.p.audit_log(&admin(), &AuditFilter::default())
            .unwrap()
            .rows;
    page.reverse();
    page.into_iter()
        .map(|e| (e.action, e.entity_id, e.detail))
        .collect()
}

fn raw(s: &Store) -> Connection {
    let key = OsKeychain::new()
        .get(&db::key_account(s.p.store_id()))
        .unwrap()
        .unwrap();
    let c = Connection::open(s.dir.path().join(db::DB_FILE)).unwrap();
    c.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
        .unwrap();
    c
}

fn user(s: &Store, name: &str, role: Role) -> i64 {
    s.p.create_user(
        &admin(),
        &UserInput {
            username: name.into(),
            display_name: format!("Pengguna {name}"),
            role,
            nip: None,
            password: "kata-sandi-panjang".into(),
        },
    )
    .unwrap()
}

fn sign_in(s: &Store, name: &str, pw: &str) -> Result<posko_core::Actor, posko_core::CoreError> {
    s.p.sign_in(&SignInInput {
        username: name.into(),
        password: pw.into(),
    })
}

#[test]
fn sign_ins_views_settings_and_deletions_are_recorded_without_secrets() {
    let mut s = new_store();
    let uid = user(&s, "siti", Role::Petugas);
    let siti = sign_in(&s, "siti", "kata-sandi-panjang").unwrap();
    assert_eq!(
        sign_in(&s, "siti", "salah-sekali").unwrap_err().code(),
        "BAD_CREDENTIALS"
    );
    // A name that does not exist is recorded, but not the typed name.
    assert_eq!(
        sign_in(&s, "kata-sandi-rahasia", "x").unwrap_err().code(),
        "BAD_CREDENTIALS"
    );

    let id =
        s.p.create_complaint(&siti, complaint("Antre lama"))
            .unwrap()
            .id;
    s.p.complaint_detail(&siti, id, false).unwrap();
    s.p.complaint_detail(&siti, id, true).unwrap();
    // A monitor asking to reveal sees masked data: nothing unmasked, nothing logged.
    s.p.complaint_detail(&actor(Role::Pemantau), id, true)
        .unwrap();

    let mut o = s.p.office_settings().unwrap();
    o.address = "Jl. Poros Majene No. 1".into();
    s.p.update_office_settings(&admin(), o).unwrap();
    let mut l = s.p.lapor_settings().unwrap();
    l.base_url = Some("https://lapor.example.invalid".into());
    s.p.set_lapor_settings(&admin(), &l).unwrap();
    let secret_key = "kunci-api-sangat-rahasia-91";
    s.p.set_lapor_credentials(&admin(), &OsKeychain::new(), secret_key, "token-rahasia-17")
        .unwrap();
    s.p.save_template(
        &admin(),
        &ReplyTemplate {
            code: "uji".into(),
            title: "Uji".into(),
            content: "Isi templat uji.".into(),
        },
    )
    .unwrap();
    s.p.delete_template(&admin(), "uji").unwrap();
    s.p.update_security_settings(
        &admin(),
        &SecuritySettings {
            idle_lock_minutes: 5,
            ..Default::default()
        },
    )
    .unwrap();
    s.p.record_print(&head(), "monev", "MONEV/2026/0001")
        .unwrap();

    let got = actions(&s);
    let kinds: Vec<AuditAction> = got.iter().map(|g| g.0).collect();
    use AuditAction::*;
    assert_eq!(
        kinds,
        vec![
            UserCreate,
            SignIn,
            SignInFailed,
            SignInFailed,
            IdentityView,
            SettingChange,
            SettingChange,
            CredentialsSet,
            SettingChange,
            Delete,
            SettingChange,
            Print,
        ],
        "{got:#?}"
    );
    assert_eq!(got[1].1.as_deref(), Some(uid.to_string().as_str()));
    assert!(got[2].2.contains("wrong_password"), "{}", got[2].2);
    assert!(got[3].2.contains("unknown_user"), "{}", got[3].2);
    assert_eq!(got[4].1.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(got[5].2, r#"{"fields":["address"]}"#);
    assert_eq!(got[6].2, r#"{"fields":["base_url"]}"#);
    assert_eq!(got[10].2, r#"{"fields":["idle_lock_minutes"]}"#);
    assert_eq!(s.p.security_settings().unwrap().idle_lock_minutes, 5);

    // No secret, no typed name, no unmasked identity anywhere in the log.
    let all =
        s.p.audit_export(&admin(), AuditFormat::Json, &AuditFilter::default())
            .unwrap();
    for needle in [
        secret_key,
        "token-rahasia-17",
        "kata-sandi",
        "3201014101900003",
        "Jl. Poros",
    ] {
        assert!(!all.content.contains(needle), "{needle} in the audit log");
    }
    let v = s.p.audit_verify(&admin()).unwrap();
    assert!(v.ok, "{v:?}");
    // The export itself was recorded.
    assert_eq!(actions(&s).last().unwrap().0, Export);
}

#[test]
fn repeated_wrong_passwords_lock_with_a_wait_and_are_recorded() {
    let mut s = new_store();
    user(&s, "budi", Role::Kepala);
    s.p.update_security_settings(
        &admin(),
        &SecuritySettings {
            max_failed_sign_ins: 3,
            lockout_seconds: 120,
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..2 {
        assert_eq!(
            sign_in(&s, "budi", "salah").unwrap_err().code(),
            "BAD_CREDENTIALS"
        );
    }
    let e = sign_in(&s, "budi", "salah").unwrap_err();
    assert_eq!(e.code(), "ACCOUNT_LOCKED");
    let msg = e.message(posko_core::Lang::Id);
    assert!(msg.contains("120 detik"), "{msg}");
    // Even the right password waits.
    s.clock.advance(chrono::Duration::seconds(30));
    let e = sign_in(&s, "budi", "kata-sandi-panjang").unwrap_err();
    assert_eq!(e.code(), "ACCOUNT_LOCKED");
    assert!(e.message(posko_core::Lang::Id).contains("90 detik"));
    s.clock.advance(chrono::Duration::seconds(91));
    sign_in(&s, "budi", "kata-sandi-panjang").unwrap();
    let reasons: Vec<String> = actions(&s)
        .into_iter()
        .filter(|a| a.0 == AuditAction::SignInFailed)
        .map(|a| a.2)
        .collect();
    assert_eq!(
        reasons,
        vec![
            r#"{"reason":"wrong_password"}"#,
            r#"{"reason":"wrong_password"}"#,
            r#"{"reason":"wrong_password_locked"}"#,
            r#"{"reason":"locked"}"#,
        ]
    );
}

#[test]
fn only_admins_read_export_and_verify_the_log() {
    let s = new_store();
    for role in [Role::Petugas, Role::Kepala, Role::Pemantau] {
        let a = actor(role);
        assert_eq!(
            s.p.audit_log(&a, &AuditFilter::default())
                .unwrap_err()
                .code(),
            "FORBIDDEN"
        );
        assert_eq!(
            s.p.audit_export(&a, AuditFormat::Csv, &AuditFilter::default())
                .unwrap_err()
                .code(),
            "FORBIDDEN"
        );
        assert_eq!(s.p.audit_verify(&a).unwrap_err().code(), "FORBIDDEN");
    }
}

#[test]
fn csv_export_has_a_header_and_one_line_per_row_and_filters_work() {
    let s = new_store();
    s.p.record_print(&head(), "visit", "BA/2026/0007").unwrap();
    s.p.record_export(&head(), "register_csv", 12, false)
        .unwrap();
    let csv =
        s.p.audit_export(&admin(), AuditFormat::Csv, &AuditFilter::default())
            .unwrap();
    let lines: Vec<&str> = csv.content.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.content);
    assert!(lines[0].starts_with("id,at,actor_id,actor_name"));
    assert!(lines[1].contains("BA/2026/0007") && lines[1].contains(",print,"));
    assert!(csv.file_name.ends_with(".csv"));
    let only_prints =
        s.p.audit_log(
            &admin(),
            &AuditFilter {
                action: Some(AuditAction::Print),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(only_prints.total, 1);
    let none_tomorrow =
        s.p.audit_log(
            &admin(),
            &AuditFilter {
                from: Some(s.p.today().succ_opt().unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(none_tomorrow.total, 0);
    let today =
        s.p.audit_log(
            &admin(),
            &AuditFilter {
                from: Some(s.p.today()),
                to: Some(s.p.today()),
                actor: Some("TEST-KEPALA".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(today.total, 2);
}

#[test]
fn a_row_edited_behind_the_cores_back_is_found() {
    let mut s = new_store();
    for i in 0..6 {
        s.p.record_print(&head(), "monev", &format!("MONEV/2026/{i:04}"))
            .unwrap();
    }
    assert!(s.p.audit_verify(&admin()).unwrap().ok);
    let c = raw(&s);
    // The triggers refuse edits and deletions...
    let err = c
        .execute("UPDATE audit_log SET entity_id = 'X' WHERE id = 4", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(c.execute("DELETE FROM audit_log WHERE id = 6", []).is_err());
    // ...so the tamperer drops them and edits row 4 in place.
    c.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    c.execute(
        "UPDATE audit_log SET entity_id = 'MONEV/2026/9999' WHERE id = 4",
        [],
    )
    .unwrap();
    s.reopen();
    let v = s.p.audit_verify(&admin()).unwrap();
    assert_eq!(
        (v.ok, v.first_broken, v.reason),
        (false, Some(4), Some(AuditBreak::HashMismatch)),
        "{v:?}"
    );
    // Recomputing the edited row's hash moves the break to the next row.
    let e =
        s.p.audit_log(&admin(), &AuditFilter::default())
            .unwrap()
            .rows
            .into_iter()
            .find(|e| e.id == 4)
            .unwrap();
    let fixed = chain_hash(&e.prev_hash, &canonical(&e));
    c.execute("UPDATE audit_log SET hash = ?1 WHERE id = 4", [&fixed])
        .unwrap();
    let v = s.p.audit_verify(&admin()).unwrap();
    assert_eq!(
        (v.first_broken, v.reason),
        (Some(5), Some(AuditBreak::ChainBroken))
    );
    // A removed row shows as a gap.
    c.execute("DELETE FROM audit_log WHERE id = 2", []).unwrap();
    let v = s.p.audit_verify(&admin()).unwrap();
    assert_eq!(
        (v.first_broken, v.reason),
        (Some(3), Some(AuditBreak::IdGap))
    );
}
