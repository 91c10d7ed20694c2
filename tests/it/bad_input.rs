//! The bad-input table: each case gets a clear, translated message and leaves
//! the store exactly as it was (same rows, same counters, same versions).

use base64::Engine;
use chrono::{Duration, NaiveDate};
use posko_core::Lang;
use posko_core::model::*;
use posko_domain::Action;
use posko_domain::role::Role;

use crate::support::*;

#[path = "bad_input_more.rs"]
mod more;

type Op = Box<dyn Fn(&mut Store, i64) -> Result<(), posko_core::CoreError>>;
type Case = (&'static str, Op);

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn cases() -> Vec<(Case, &'static str, Option<&'static str>)> {
    fn c(f: impl Fn(&mut Store, i64) -> Result<(), posko_core::CoreError> + 'static) -> Op {
        Box::new(f)
    }
    fn add(s: &mut Store, input: ComplaintInput) -> Result<(), posko_core::CoreError> {
        s.p.create_complaint(&clerk(), input).map(|_| ())
    }
    vec![
        (
            ("empty title", c(|s, _| add(s, complaint("   ")))),
            "VALIDATION",
            Some("title"),
        ),
        (
            (
                "empty description",
                c(|s, _| {
                    add(
                        s,
                        ComplaintInput {
                            description: "".into(),
                            ..complaint("x")
                        },
                    )
                }),
            ),
            "VALIDATION",
            Some("description"),
        ),
        (
            (
                "1 MB description",
                c(|s, _| {
                    add(
                        s,
                        ComplaintInput {
                            description: "a".repeat(1 << 20),
                            ..complaint("Besar")
                        },
                    )
                }),
            ),
            "VALIDATION",
            Some("description"),
        ),
        (
            (
                "201-character title",
                c(|s, _| add(s, complaint(&"j".repeat(201)))),
            ),
            "VALIDATION",
            Some("title"),
        ),
        (
            (
                "NIK with 15 digits",
                c(|s, _| {
                    let mut i = complaint("NIK");
                    i.reporter.nik = Some("320101410190000".into());
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("reporter_nik"),
        ),
        (
            (
                "NIK with letters",
                c(|s, _| {
                    let mut i = complaint("NIK");
                    i.reporter.nik = Some("32010141019O0003".into());
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("reporter_nik"),
        ),
        (
            (
                "NIK with day 32",
                c(|s, _| {
                    let mut i = complaint("NIK");
                    i.reporter.nik = Some("3201013201900003".into());
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("reporter_nik"),
        ),
        (
            (
                "phone with letters",
                c(|s, _| {
                    let mut i = complaint("HP");
                    i.reporter.phone = Some("0812-ABCD-7890".into());
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("reporter_phone"),
        ),
        (
            (
                "foreign phone",
                c(|s, _| {
                    let mut i = complaint("HP");
                    i.reporter.phone = Some("+1 202 555 0143".into());
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("reporter_phone"),
        ),
        (
            (
                "email without domain",
                c(|s, _| {
                    let mut i = complaint("Email");
                    i.reporter.email = Some("siti@".into());
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("reporter_email"),
        ),
        (
            (
                "incident date in the future",
                c(|s, _| {
                    let mut i = complaint("Besok");
                    i.incident_date = Some(NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("incident_date"),
        ),
        (
            (
                "received in the future",
                c(|s, _| {
                    let mut i = complaint("Besok");
                    i.received_at = Some(monday_morning() + Duration::days(1));
                    add(s, i)
                }),
            ),
            "VALIDATION",
            Some("received_at"),
        ),
        (
            (
                "control character in title",
                c(|s, _| add(s, complaint("Judul\u{7}bel"))),
            ),
            "VALIDATION",
            Some("title"),
        ),
        (
            (
                "unknown topic",
                c(|s, _| {
                    add(
                        s,
                        ComplaintInput {
                            topic_id: Some(999_999),
                            ..complaint("Topik")
                        },
                    )
                }),
            ),
            "VALIDATION",
            Some("topic_id"),
        ),
        (
            (
                "oversized attachment",
                c(|s, id| {
                    let mut big = vec![0xFF, 0xD8, 0xFF];
                    big.resize(11 * 1024 * 1024, 0);
                    s.p.add_attachment(
                        &clerk(),
                        &AttachmentInput {
                            complaint_id: id,
                            file_name: "foto.jpg".into(),
                            data_base64: b64(&big),
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "VALIDATION",
            Some("attachment"),
        ),
        (
            (
                "executable attachment",
                c(|s, id| {
                    s.p.add_attachment(
                        &clerk(),
                        &AttachmentInput {
                            complaint_id: id,
                            file_name: "foto.jpg".into(),
                            data_base64: b64(b"MZ\x90\x00 this is a windows program"),
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "VALIDATION",
            Some("attachment"),
        ),
        (
            (
                "attachment that is not base64",
                c(|s, id| {
                    s.p.add_attachment(
                        &clerk(),
                        &AttachmentInput {
                            complaint_id: id,
                            file_name: "x.pdf".into(),
                            data_base64: "%%%not base64%%%".into(),
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "VALIDATION",
            Some("attachment"),
        ),
        (
            (
                "attachment to a missing complaint",
                c(|s, _| {
                    s.p.add_attachment(
                        &clerk(),
                        &AttachmentInput {
                            complaint_id: 424_242,
                            file_name: "x.pdf".into(),
                            data_base64: b64(b"%PDF-1.4 tiny"),
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "NOT_FOUND",
            None,
        ),
        (
            (
                "finish a complaint just received",
                c(|s, id| {
                    s.p.transition(
                        &clerk(),
                        &TransitionInput {
                            complaint_id: id,
                            action: Action::Finish,
                            note: None,
                            assigned_to: None,
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "ILLEGAL_TRANSITION",
            None,
        ),
        (
            (
                "archive without a reason",
                c(|s, id| {
                    s.p.transition(
                        &clerk(),
                        &TransitionInput {
                            complaint_id: id,
                            action: Action::Archive,
                            note: Some("  ".into()),
                            assigned_to: None,
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "VALIDATION",
            Some("note"),
        ),
        (
            (
                "system-only action from the UI",
                c(|s, id| {
                    s.p.transition(
                        &head(),
                        &TransitionInput {
                            complaint_id: id,
                            action: Action::FollowUpGiven,
                            note: None,
                            assigned_to: None,
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "BAD_REQUEST",
            None,
        ),
        (
            (
                "follow-up before routing",
                c(|s, id| {
                    s.p.add_follow_up(
                        &clerk(),
                        &FollowUpInput {
                            complaint_id: id,
                            content: "Jawaban".into(),
                            template_code: None,
                        },
                    )
                    .map(|_| ())
                }),
            ),
            "ILLEGAL_TRANSITION",
            None,
        ),
        (
            (
                "monitor records a complaint",
                c(|s, _| {
                    s.p.create_complaint(&actor(Role::Pemantau), complaint("Pemantau"))
                        .map(|_| ())
                }),
            ),
            "FORBIDDEN",
            None,
        ),
        (
            (
                "clerk changes settings",
                c(|s, _| {
                    let o = s.p.office_settings()?;
                    s.p.update_office_settings(&clerk(), o).map(|_| ())
                }),
            ),
            "FORBIDDEN",
            None,
        ),
        (
            (
                "holiday CSV with a bad date",
                c(|s, _| {
                    s.p.import_holidays_csv(&head(), "date,name,kind\n2026-02-30,Libur,nasional\n")
                        .map(|_| ())
                }),
            ),
            "INVALID_FILE",
            None,
        ),
        (
            (
                "register prefix with a slash",
                c(|s, _| {
                    let mut o = s.p.office_settings()?;
                    o.register_prefix = "PKM/X".into();
                    s.p.update_office_settings(&head(), o).map(|_| ())
                }),
            ),
            "VALIDATION",
            Some("register_prefix"),
        ),
    ]
}

/// What a refused case must also leave alone beyond `Store::fingerprint`:
/// the settings, the users, the backups and the files of the store directory.
fn wider_fingerprint(s: &Store) -> (Vec<i64>, String, i64, Vec<String>) {
    let c = s.p.connection();
    let settings: String = c
        .query_row(
            "SELECT coalesce(group_concat(key || '=' || value, ';'), '') FROM (SELECT * FROM settings ORDER BY key)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let users: i64 = c
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    let mut files: Vec<String> = walk(s.dir.path());
    files.sort();
    (s.fingerprint(), settings, users, files)
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with("-wal") || name.ends_with("-shm") || name == "posko.db" {
            continue; // the database itself is compared by content above
        }
        if e.path().is_dir() {
            out.extend(walk(&e.path()).into_iter().map(|n| format!("{name}/{n}")));
        } else {
            out.push(name);
        }
    }
    out
}

/// An unfilled `{name}` left in a catalog sentence.
fn has_placeholder(s: &str) -> bool {
    s.split('{').skip(1).any(|rest| {
        rest.split_once('}').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
    })
}

/// The table of every case, run on one store; writes docs/bad-input.md.
#[test]
fn every_bad_input_is_refused_with_a_message_and_changes_nothing() {
    let mut s = new_store();
    let id =
        s.p.create_complaint(&clerk(), complaint("Laporan dasar"))
            .unwrap()
            .id;
    let fx = more::fixtures(&mut s);
    let all: Vec<(&str, &str, Op, &str, Option<&str>)> = cases()
        .into_iter()
        .map(|((name, op), code, field)| ("Formulir dan alur kerja", name, op, code, field))
        .chain(more::cases(&fx))
        .collect();
    let mut report = Vec::new();
    let mut wrong = Vec::new();
    for (area, name, case, code, field) in all {
        let before = wider_fingerprint(&s);
        let err = match case(&mut s, id) {
            Err(e) if e.code() == code => e,
            other => {
                wrong.push(format!("{name}: want {code}, got {other:?}"));
                continue;
            }
        };
        let payload = err.payload(Lang::Id);
        assert!(
            !payload.message.is_empty()
                && !payload.message.contains("error.")
                && !has_placeholder(&payload.message),
            "{name}: {}",
            payload.message
        );
        if let Some(f) = field {
            assert!(
                payload.fields.iter().any(|x| x.field == f),
                "{name}: fields {:?}",
                payload.fields
            );
            assert!(
                payload
                    .fields
                    .iter()
                    .all(|x| !x.message.contains("field_error.") && !x.message.contains("field.")),
                "{name}: {:?}",
                payload.fields
            );
        }
        assert_eq!(wider_fingerprint(&s), before, "{name} changed the store");
        let fields: Vec<&str> = payload.fields.iter().map(|f| f.field.as_str()).collect();
        let shown = if fields.is_empty() {
            payload.message.clone()
        } else {
            format!("{} (`{}`)", payload.message, fields.join("`, `"))
        };
        report.push((area, name, code, shown));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(report.len() >= 60, "{} cases", report.len());
    more::write_doc(&report);
}

#[test]
fn markup_emoji_and_rtl_are_stored_as_text() {
    let mut s = new_store();
    let evil = "<script>alert('x')</script><img src=x onerror=alert(1)> 😷🏥 مرحبا שלום";
    let mut c = complaint(evil);
    c.description = evil.into();
    c.incident_place = Some(evil.into());
    c.reporter.name = Some(evil.into());
    c.reporter.address = Some(evil.into());
    c.assigned_to = Some(evil.into());
    let id = s.p.create_complaint(&clerk(), c).unwrap().id;
    let det = s.p.complaint_detail(&clerk(), id, true).unwrap();
    for v in [
        &det.title,
        &det.description,
        det.incident_place.as_ref().unwrap(),
        det.reporter.name.as_ref().unwrap(),
        det.reporter.address.as_ref().unwrap(),
        det.assigned_to.as_ref().unwrap(),
    ] {
        assert_eq!(v, evil);
    }
}
