//! A complaint's life through the store: deadlines on the 2026 calendar,
//! the follow-up approval flow, the timeline, search, masking and privacy.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use posko_core::model::*;
use posko_domain::calendar::{Holiday, HolidayKind};
use posko_domain::deadline::DeadlineStep;
use posko_domain::role::Role;
use posko_domain::{Action, Status};

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn due(detail: &ComplaintDetail, step: DeadlineStep) -> &DeadlineView {
    detail
        .deadlines
        .iter()
        .find(|x| x.step == step)
        .unwrap_or_else(|| panic!("no {step:?} deadline in {:?}", detail.deadlines))
}

fn act(
    s: &mut Store,
    id: i64,
    action: Action,
    note: Option<&str>,
) -> Result<Status, posko_core::CoreError> {
    s.p.transition(
        &clerk(),
        &TransitionInput {
            complaint_id: id,
            action,
            note: note.map(Into::into),
            assigned_to: None,
        },
    )
}

#[test]
fn deadlines_follow_the_2026_calendar_and_holiday_edits() {
    let mut s = new_store();
    let id =
        s.p.create_complaint(&clerk(), complaint("Antrean panjang"))
            .unwrap()
            .id;
    let det = s.p.complaint_detail(&clerk(), id, false).unwrap();
    // Received Monday 2 March 2026. Verification: 3 working days.
    assert_eq!(due(&det, DeadlineStep::Verifikasi).due_date, d(2026, 3, 5));
    // Finishing a pengaduan tidak berkadar pengawasan: 14 working days, skipping
    // Nyepi (19 Mar), Idul Fitri (21–22 Mar) and cuti bersama 18, 20, 23, 24 Mar.
    let fin = due(&det, DeadlineStep::Penyelesaian);
    assert_eq!(fin.due_date, d(2026, 3, 27));
    assert_eq!(fin.working_days, 14);
    assert_eq!(fin.rule_version, "permenpanrb-62-2018");
    assert_eq!(fin.remaining_days, Some(14));

    // A regional holiday on 10 March pushes the open deadline by one working day.
    let r =
        s.p.edit_holidays(
            &head(),
            &[Holiday {
                date: d(2026, 3, 10),
                name: "Hari Jadi Kabupaten".into(),
                kind: HolidayKind::Daerah,
                source: "Perbup".into(),
            }],
            &[],
        )
        .unwrap();
    assert_eq!(r.added, 1);
    assert!(r.recomputed_deadlines >= 1);
    let det = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(
        due(&det, DeadlineStep::Penyelesaian).due_date,
        d(2026, 3, 30)
    );
    assert_eq!(due(&det, DeadlineStep::Verifikasi).due_date, d(2026, 3, 5));

    // If cuti bersama does not stop the clock, 18, 20, 23 and 24 March count again.
    let mut o = s.p.office_settings().unwrap();
    o.cuti_bersama_stops_clock = false;
    s.p.update_office_settings(&head(), o).unwrap();
    let det = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(
        due(&det, DeadlineStep::Penyelesaian).due_date,
        d(2026, 3, 24)
    );

    // The store's calendar answers the CLI's question the same way.
    let a =
        s.p.deadline(DeadlineQuery {
            from: d(2026, 3, 2),
            working_days: 14,
        })
        .unwrap();
    assert_eq!(a.due, d(2026, 3, 24));
}

/// A holiday edit reads and writes only the deadlines whose window
/// (start date to due date) holds the edited date, and rewrites `next_due`
/// only for the complaints whose deadlines moved.
#[test]
fn a_holiday_edit_moves_spanning_deadlines_and_leaves_far_ones_untouched() {
    let mut s = new_store();
    // Received a month earlier: every deadline ends in February, still open.
    let mut far = complaint("Ruang tunggu panas");
    far.received_at = Some(monday_morning() - Duration::days(28));
    let far = s.p.create_complaint(&clerk(), far).unwrap().id;
    let near =
        s.p.create_complaint(&clerk(), complaint("Antrean panjang"))
            .unwrap()
            .id;
    let before = s.p.complaint_detail(&clerk(), far, false).unwrap();
    assert!(before.deadlines.iter().all(|x| x.due_date < d(2026, 3, 10)));
    // Record every write to deadlines and to next_due (temporary triggers
    // live on this connection only).
    s.p.connection()
        .execute_batch(
            "CREATE TEMP TABLE touched (what TEXT, complaint_id INTEGER);
             CREATE TEMP TRIGGER touched_deadline AFTER UPDATE ON deadlines
             BEGIN INSERT INTO touched VALUES ('deadline', NEW.complaint_id); END;
             CREATE TEMP TRIGGER touched_next_due AFTER UPDATE OF next_due ON complaints
             BEGIN INSERT INTO touched VALUES ('next_due', NEW.id); END;",
        )
        .unwrap();
    let r =
        s.p.edit_holidays(
            &head(),
            &[Holiday {
                date: d(2026, 3, 10),
                name: "Hari Jadi Kabupaten".into(),
                kind: HolidayKind::Daerah,
                source: "Perbup".into(),
            }],
            &[],
        )
        .unwrap();
    // Tindak lanjut pertama and penyelesaian of the new complaint span 10 March.
    assert!(r.recomputed_deadlines >= 1);
    let touched: Vec<(String, i64)> =
        s.p.connection()
            .prepare("SELECT what, complaint_id FROM touched")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    assert!(touched.iter().any(|(w, id)| w == "deadline" && *id == near));
    assert!(
        touched.iter().all(|(_, id)| *id == near),
        "only the spanning complaint is written: {touched:?}"
    );
    let det = s.p.complaint_detail(&clerk(), near, false).unwrap();
    assert_eq!(
        due(&det, DeadlineStep::Penyelesaian).due_date,
        d(2026, 3, 30)
    );
    let after = s.p.complaint_detail(&clerk(), far, false).unwrap();
    assert_eq!(
        after
            .deadlines
            .iter()
            .map(|x| x.due_date)
            .collect::<Vec<_>>(),
        before
            .deadlines
            .iter()
            .map(|x| x.due_date)
            .collect::<Vec<_>>()
    );
    // Removing the holiday moves the new complaint's deadline back.
    s.p.edit_holidays(&head(), &[], &[d(2026, 3, 10)]).unwrap();
    let det = s.p.complaint_detail(&clerk(), near, false).unwrap();
    assert_eq!(
        due(&det, DeadlineStep::Penyelesaian).due_date,
        d(2026, 3, 27)
    );
    s.p.connection()
        .execute_batch("DROP TRIGGER touched_deadline; DROP TRIGGER touched_next_due;")
        .unwrap();
}

#[test]
fn overdue_complaints_are_found_and_counted() {
    let mut s = new_store();
    let id =
        s.p.create_complaint(&clerk(), complaint("Toilet kotor"))
            .unwrap()
            .id;
    s.p.create_complaint(&clerk(), complaint("Sudah selesai"))
        .unwrap();
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 4, 1, 2, 0, 0).unwrap());
    let f = ComplaintFilter {
        overdue_only: true,
        ..Default::default()
    };
    let page = s.p.list_complaints(&clerk(), &f).unwrap();
    assert_eq!(page.total, 2);
    let row = page.rows.iter().find(|r| r.id == id).unwrap();
    // Verification was due 5 March; by 1 April that is 14 working days late
    // (6, 9–13, 16, 17, 25–27, 30, 31 March and 1 April).
    assert_eq!(row.next_due, Some(d(2026, 3, 5)));
    assert_eq!(row.remaining_days, Some(-14));
    let today = s.p.today_summary(&clerk()).unwrap();
    assert_eq!(today.overdue_total, 2);
    assert_eq!(today.open_total, 2);
}

#[test]
fn follow_up_is_drafted_by_the_clerk_and_approved_by_the_head() {
    let mut s = new_store();
    let id =
        s.p.create_complaint(&clerk(), complaint("Petugas tidak ramah"))
            .unwrap()
            .id;
    act(&mut s, id, Action::Verify, None).unwrap();
    s.p.transition(
        &clerk(),
        &TransitionInput {
            complaint_id: id,
            action: Action::Route,
            note: None,
            assigned_to: Some("Koordinator UKP".into()),
        },
    )
    .unwrap();
    let det = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(det.status, Status::Routed);
    assert_eq!(det.assigned_to.as_deref(), Some("Koordinator UKP"));
    assert_eq!(
        due(&det, DeadlineStep::Verifikasi).met_date,
        Some(d(2026, 3, 2))
    );
    assert_eq!(
        due(&det, DeadlineStep::TindakLanjutPertama).due_date,
        d(2026, 3, 9)
    );

    let fid =
        s.p.add_follow_up(
            &clerk(),
            &FollowUpInput {
                complaint_id: id,
                content: "Petugas telah dibina oleh kepala puskesmas.".into(),
                template_code: None,
            },
        )
        .unwrap();
    assert_eq!(
        s.p.complaint_detail(&clerk(), id, false).unwrap().status,
        Status::InFollowUp
    );
    // The clerk may not approve their own draft.
    let err =
        s.p.decide_follow_up(
            &clerk(),
            &FollowUpDecision {
                follow_up_id: fid,
                approve: true,
                note: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
    // Returning needs a reason.
    let err =
        s.p.decide_follow_up(
            &head(),
            &FollowUpDecision {
                follow_up_id: fid,
                approve: false,
                note: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "VALIDATION");
    s.clock.advance(Duration::days(1));
    s.p.decide_follow_up(
        &head(),
        &FollowUpDecision {
            follow_up_id: fid,
            approve: true,
            note: Some("Setuju".into()),
        },
    )
    .unwrap();
    // Deciding twice is a conflict, not a second approval.
    assert_eq!(
        s.p.decide_follow_up(
            &head(),
            &FollowUpDecision {
                follow_up_id: fid,
                approve: true,
                note: None
            }
        )
        .unwrap_err()
        .code(),
        "CONFLICT"
    );
    let det = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(det.status, Status::WaitingReporter);
    assert_eq!(det.follow_ups[0].state, FollowUpState::Approved);
    assert_eq!(det.follow_ups[0].decided_by.as_deref(), Some("Uji kepala"));
    assert_eq!(
        due(&det, DeadlineStep::TindakLanjutPertama).met_date,
        Some(d(2026, 3, 3))
    );
    // Auto-close clock: 10 working days from 3 March.
    assert_eq!(
        due(&det, DeadlineStep::TutupOtomatis).due_date,
        d(2026, 3, 17)
    );

    act(&mut s, id, Action::Finish, None).unwrap();
    let det = s.p.complaint_detail(&clerk(), id, false).unwrap();
    assert_eq!(det.status, Status::Finished);
    assert!(
        det.deadlines
            .iter()
            .all(|x| x.met_date.is_some() && x.remaining_days.is_none())
    );
    assert_eq!(det.available_actions, vec![Action::Reopen]);
    let kinds: Vec<_> = det.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "transition",
            "transition",
            "transition",
            "follow_up_drafted",
            "transition",
            "follow_up_approved",
            "transition"
        ]
    );
    let last = det.events.last().unwrap();
    assert_eq!(
        (last.from_status, last.to_status),
        (Some(Status::WaitingReporter), Some(Status::Finished))
    );
}

#[test]
fn the_event_log_is_append_only() {
    let mut s = new_store();
    let id =
        s.p.create_complaint(&clerk(), complaint("Append only"))
            .unwrap()
            .id;
    let c = s.p.connection();
    assert!(
        c.execute(
            "UPDATE complaint_events SET note = 'x' WHERE complaint_id = ?1",
            [id]
        )
        .is_err()
    );
    assert!(
        c.execute("DELETE FROM complaint_events WHERE complaint_id = ?1", [id])
            .is_err()
    );
}

#[test]
fn search_finds_words_prefixes_and_phrases() {
    let mut s = new_store();
    let a =
        s.p.create_complaint(&clerk(), complaint("Antrean pendaftaran panjang"))
            .unwrap()
            .id;
    let b =
        s.p.create_complaint(&clerk(), complaint("Obat hipertensi kosong di apotek"))
            .unwrap()
            .id;
    let find = |s: &Store, q: &str| -> Vec<i64> {
        let f = ComplaintFilter {
            text: Some(q.into()),
            sort: SortOrder::Relevance,
            ..Default::default()
        };
        s.p.list_complaints(&clerk(), &f)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(find(&s, "antre"), vec![a]);
    assert_eq!(find(&s, "OBAT apotek"), vec![b]);
    assert_eq!(find(&s, "\"hipertensi kosong\""), vec![b]);
    assert!(find(&s, "\"kosong hipertensi\"").is_empty());
    assert!(find(&s, "tidakada").is_empty());
    // Register numbers are searchable.
    assert_eq!(find(&s, "2026/0002"), vec![b]);
    // Operators typed by a user are just words.
    assert!(find(&s, "NEAR( OR AND").is_empty());
}

#[test]
fn identities_are_masked_and_hidden_from_those_without_permission() {
    let mut s = new_store();
    let mut c = complaint("Pungutan liar surat sehat");
    c.is_secret = true;
    let secret = s.p.create_complaint(&clerk(), c).unwrap().id;
    let mut c = complaint("Kursi ruang tunggu kurang");
    c.is_anonymous = true;
    c.reporter.name = Some("Budi Santoso".into());
    let anon = s.p.create_complaint(&clerk(), c).unwrap().id;
    let open =
        s.p.create_complaint(&clerk(), complaint("Dokter terlambat"))
            .unwrap()
            .id;

    // Masked by default, unmasked on request for staff.
    let det = s.p.complaint_detail(&clerk(), open, false).unwrap();
    assert_eq!(det.reporter.nik.as_deref(), Some("3201********0003"));
    assert!(det.reporter.masked);
    assert!(!det.reporter.phone.as_deref().unwrap().contains("3456-78"));
    let det = s.p.complaint_detail(&clerk(), open, true).unwrap();
    assert_eq!(det.reporter.nik.as_deref(), Some("3201014101900003"));
    assert_eq!(det.reporter.phone.as_deref(), Some("0812-3456-7890"));

    // Anonim: no name in the list, masked name in the detail.
    let list =
        s.p.list_complaints(&clerk(), &ComplaintFilter::default())
            .unwrap();
    let row = list.rows.iter().find(|r| r.id == anon).unwrap();
    assert!(row.is_anonymous && row.reporter.is_none());
    let det = s.p.complaint_detail(&clerk(), anon, false).unwrap();
    assert_ne!(det.reporter.name.as_deref(), Some("Budi Santoso"));

    // A monitor sees neither identities nor rahasia reports, and cannot find them by name.
    let monitor = actor(Role::Pemantau);
    let list =
        s.p.list_complaints(&monitor, &ComplaintFilter::default())
            .unwrap();
    assert!(list.rows.iter().all(|r| r.id != secret));
    assert_eq!(
        s.p.complaint_detail(&monitor, secret, false)
            .unwrap_err()
            .code(),
        "NOT_FOUND"
    );
    let det = s.p.complaint_detail(&monitor, open, true).unwrap();
    assert!(det.reporter.masked);
    assert_ne!(det.reporter.nik.as_deref(), Some("3201014101900003"));
    let by_name = ComplaintFilter {
        text: Some("Siti".into()),
        ..Default::default()
    };
    assert_eq!(s.p.list_complaints(&monitor, &by_name).unwrap().total, 0);
    assert_eq!(s.p.list_complaints(&clerk(), &by_name).unwrap().total, 2);
}

#[test]
fn duplicate_hints_name_their_reasons() {
    let mut s = new_store();
    let first =
        s.p.create_complaint(
            &clerk(),
            complaint("Antrean pendaftaran sangat panjang sejak pagi"),
        )
        .unwrap()
        .id;
    let mut again = complaint("Antrean pendaftaran sangat panjang sejak pagi hari");
    again.reporter.nik = None;
    again.reporter.phone = Some("+62 812 3456 7890".into());
    let hints = s.p.duplicate_hints(&clerk(), &again).unwrap();
    assert_eq!(hints.len(), 1);
    assert_eq!(hints[0].id, first);
    assert!(
        hints[0].reasons.contains(&DuplicateReason::SamePhone),
        "{:?}",
        hints[0].reasons
    );
    assert!(
        hints[0].reasons.contains(&DuplicateReason::SimilarText),
        "{:?}",
        hints[0].reasons
    );
    assert!(hints[0].similarity >= 50);
    // An unrelated complaint from someone else is not a hint.
    let mut other = complaint("Ambulans terlambat datang ke desa");
    other.reporter = Default::default();
    assert!(s.p.duplicate_hints(&clerk(), &other).unwrap().is_empty());
}

#[test]
fn demo_data_is_realistic_and_reproducible() {
    let mut s = new_store();
    let r = posko_core::demo::generate(&mut s.p, 60, 7, 120, |_| {}).unwrap();
    assert_eq!(r.created, 60);
    let page =
        s.p.list_complaints(
            &head(),
            &ComplaintFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.total, 60);
    let statuses: std::collections::BTreeSet<_> = page.rows.iter().map(|r| r.status).collect();
    assert!(
        statuses.len() >= 4,
        "demo data should cover several states: {statuses:?}"
    );
    let mut t = new_store();
    posko_core::demo::generate(&mut t.p, 60, 7, 120, |_| {}).unwrap();
    let titles = |s: &Store| -> Vec<(String, Status)> {
        s.p.list_complaints(
            &head(),
            &ComplaintFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.title, r.status))
        .collect()
    };
    assert_eq!(titles(&s), titles(&t));
}

/// The Today screen behind more than a page of overdue work: the due-soon
/// list still shows what is due within two working days (it is read by due
/// date, not taken from the first open complaints and filtered afterwards),
/// both lists are most urgent first, the counts agree with the lists, and a
/// secret complaint is counted and listed only for a role that may see it.
#[test]
fn today_shows_what_is_due_soon_behind_a_page_of_overdue_work() {
    // Monday 4 May 2026, 09:00 WIB.
    let mut s = new_store_at(Utc.with_ymd_and_hms(2026, 5, 4, 2, 0, 0).unwrap());
    // More than the 100 open complaints the list was once taken from.
    for i in 0..101 {
        s.p.create_complaint(&clerk(), complaint(&format!("Antrean panjang {i}")))
            .unwrap();
    }
    let secret =
        s.p.create_complaint(
            &clerk(),
            ComplaintInput {
                is_secret: true,
                ..complaint("Pungutan liar di loket")
            },
        )
        .unwrap()
        .id;
    // Monday 18 May: every complaint above is past its verification deadline.
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 5, 18, 2, 0, 0).unwrap());
    let fresh =
        s.p.create_complaint(&clerk(), complaint("Obat kosong"))
            .unwrap()
            .id;
    // Tuesday 19 May: the fresh one is due within two working days.
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 5, 19, 2, 0, 0).unwrap());
    let all = ComplaintFilter {
        limit: 500,
        ..Default::default()
    };
    let fresh_due =
        s.p.list_complaints(&clerk(), &all)
            .unwrap()
            .rows
            .into_iter()
            .find(|r| r.id == fresh)
            .and_then(|r| r.next_due)
            .unwrap();
    assert!(
        fresh_due >= d(2026, 5, 19) && fresh_due <= d(2026, 5, 21),
        "{fresh_due}"
    );

    let t = s.p.today_summary(&clerk()).unwrap();
    assert_eq!((t.open_total, t.overdue_total), (103, 102));
    assert_eq!(t.counts.iter().map(|c| c.count).sum::<u64>(), 103);
    assert_eq!(t.overdue.len(), 50);
    let keys: Vec<_> = t.overdue.iter().map(|r| (r.next_due, r.id)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "most urgent first");
    assert!(t.overdue.iter().all(|r| r.next_due < Some(t.today)));
    assert_eq!(
        t.due_soon.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![fresh]
    );

    // A monitor may not see secret complaints: not counted, not listed.
    let m = s.p.today_summary(&actor(Role::Pemantau)).unwrap();
    assert_eq!((m.open_total, m.overdue_total), (102, 101));
    assert_eq!(m.counts.iter().map(|c| c.count).sum::<u64>(), 102);
    assert!(m.overdue.iter().all(|r| r.id != secret && !r.is_secret));
    assert_eq!(m.overdue.len(), 50);
}

/// The register from Today's links ("all overdue", "all open", most urgent
/// first) reads dated and undated complaints as two runs: every page, for a
/// role with and one without secret complaints, is the page the single
/// `ORDER BY is_open DESC, next_due IS NULL, next_due, id` query gives.
#[test]
fn most_urgent_first_pages_match_the_one_query_order() {
    let mut s = new_store();
    for i in 0..23 {
        let mut c = complaint(&format!("Pelayanan lambat {i}"));
        c.is_secret = i % 5 == 0;
        s.p.create_complaint(&clerk(), c).unwrap();
        // Received on different days, so due dates differ and tie.
        if i % 3 == 0 {
            s.clock.advance(Duration::days(1));
        }
    }
    // Some open complaints without a due date, some closed.
    s.p.connection()
        .execute_batch(
            "UPDATE complaints SET next_due = NULL WHERE id % 4 = 0;
             UPDATE complaints SET status = 'finished', is_open = 0 WHERE id % 7 = 0;",
        )
        .unwrap();
    s.clock.advance(Duration::days(6));
    let today = s.p.today().to_string();
    for role in [Role::Petugas, Role::Pemantau] {
        let who = actor(role);
        let secret = if role == Role::Pemantau {
            " AND is_secret = 0"
        } else {
            ""
        };
        for (overdue_only, cond) in [(false, ""), (true, " AND next_due < ?1")] {
            let expected: Vec<i64> = {
                let mut stmt =
                    s.p.connection()
                        .prepare(&format!(
                            "SELECT id FROM complaints WHERE is_open = 1 AND ?1 = ?1{cond}{secret}
                         ORDER BY is_open DESC, next_due IS NULL, next_due, id"
                        ))
                        .unwrap();
                stmt.query_map([&today], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            };
            assert!(expected.len() > 8, "{role:?} {overdue_only}: {expected:?}");
            for limit in [1u32, 4, 7] {
                for offset in 0..=expected.len() as u32 + 1 {
                    let f = ComplaintFilter {
                        open_only: !overdue_only,
                        overdue_only,
                        sort: SortOrder::DueSoonest,
                        offset,
                        limit,
                        ..Default::default()
                    };
                    let page = s.p.list_complaints(&who, &f).unwrap();
                    let got: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
                    let want: Vec<i64> = expected
                        .iter()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .copied()
                        .collect();
                    assert_eq!(
                        got, want,
                        "{role:?} overdue {overdue_only} {offset}+{limit}"
                    );
                    assert_eq!(page.total, expected.len() as u64);
                }
            }
        }
    }
}
