//! Monev: indicators on a hand-made data set whose expected numbers are
//! worked out by hand below (2026 calendar with Nyepi and Idul Fitri, WIB
//! midnight edges, a reopened complaint, rahasia and anonim reports), the
//! drill-down behind each number, staff activity, SK tim and rencana aksi,
//! and field visits (autosave, resume, finish, lock, corrections, photos,
//! scores, zones, ranking).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use posko_core::CoreError;
use posko_core::model::*;
use posko_core::monev::*;
use posko_core::visits::*;
use posko_domain::deadline::DeadlineStep;
use posko_domain::instrument::Answer;
use posko_domain::monev::Cell;
use posko_domain::role::Role;
use posko_domain::{Action, Channel, Kind, Status};

use crate::support::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// An instant given in WIB (UTC+7).
fn wib(y: i32, m: u32, day: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, day, h, mi, s)
        .unwrap()
        .with_timezone(&Utc)
}

pub struct People {
    pub clerk: Actor,
    pub head: Actor,
    pub monitor: Actor,
}

fn user(s: &mut Store, username: &str, role: Role) -> Actor {
    let id =
        s.p.create_user(
            &admin(),
            &UserInput {
                username: username.into(),
                display_name: format!("{username} ({})", role.code()),
                role,
                nip: None,
                password: "rahasia-sekali-123".into(),
            },
        )
        .unwrap();
    Actor {
        user_id: Some(id),
        username: username.into(),
        display_name: format!("{username} ({})", role.code()),
        role,
    }
}

fn at(s: &Store, t: DateTime<Utc>) {
    s.clock.set(t);
}

#[allow(clippy::too_many_arguments)]
fn add(
    s: &mut Store,
    who: &Actor,
    received: DateTime<Utc>,
    kind: Kind,
    channel: Channel,
    topic: Option<i64>,
    secret: bool,
    anonymous: bool,
    title: &str,
) -> i64 {
    let mut c = complaint(title);
    c.received_at = Some(received);
    c.kind = kind;
    c.channel = channel;
    c.topic_id = topic;
    c.is_secret = secret;
    c.is_anonymous = anonymous;
    s.p.create_complaint(who, c).unwrap().id
}

fn act(s: &mut Store, who: &Actor, when: DateTime<Utc>, id: i64, action: Action) {
    at(s, when);
    let note = action.needs_note().then(|| "Catatan uji".to_string());
    s.p.transition(
        who,
        &TransitionInput {
            complaint_id: id,
            action,
            note,
            assigned_to: None,
        },
    )
    .unwrap_or_else(|e| panic!("{action:?} on {id}: {e}"));
}

fn follow_up(
    s: &mut Store,
    people: &People,
    draft: DateTime<Utc>,
    approve: DateTime<Utc>,
    id: i64,
) {
    at(s, draft);
    let fid =
        s.p.add_follow_up(
            &people.clerk,
            &FollowUpInput {
                complaint_id: id,
                content: "Sudah kami tindak lanjuti dengan perbaikan jadwal loket.".into(),
                template_code: None,
            },
        )
        .unwrap();
    at(s, approve);
    s.p.decide_follow_up(
        &people.head,
        &FollowUpDecision {
            follow_up_id: fid,
            approve: true,
            note: None,
        },
    )
    .unwrap();
}

pub struct Dataset {
    pub s: Store,
    pub people: People,
    pub ids: std::collections::BTreeMap<&'static str, i64>,
    pub t1: i64,
    pub t2: i64,
}

/// The hand-made data set (office in WIB; period = March 2026).
///
/// | | received (WIB) | kind | channel | topic | flags | life until 31 Mar |
/// |---|---|---|---|---|---|---|
/// | A | Mon 2 Mar 09:00 | PTB | tatap muka | T1 | | verify+route 3, FU 5, finish 9 |
/// | B | Tue 17 Mar 10:00 | aspirasi | WhatsApp | T2 | anonim | verify+route 25, FU 26 (after Nyepi/Lebaran) |
/// | C | Wed 4 Mar 11:00 | PTB | telepon | – | rahasia | verify 4, route 5, FU 16 (late), finish 17, reopen 19, finish 30 |
/// | D | Thu 5 Mar 08:00 | PBP | surat | T1 | | verify 6, archive 9 |
/// | E | Sun 1 Mar 00:30 (28 Feb UTC) | PTB | email | T2 | | nothing |
/// | F | Wed 1 Apr 00:30 (31 Mar UTC) | PTB | email | T2 | | outside the period |
/// | G | Fri 27 Feb 10:00 | PTB | email | T1 | | outside the period (verified in March) |
/// | H | Mon 30 Mar 15:00 | permintaan informasi | LAPOR! | T1 | | verify 31 Mar 23:59:59, route 1 Apr 00:00 |
/// | I | Tue 10 Mar 09:00 | aspirasi | kotak saran | T2 | rahasia + anonim | postpone 11 |
pub fn dataset() -> Dataset {
    let mut s = new_store_at(wib(2026, 2, 10, 8, 0, 0));
    let people = People {
        clerk: user(&mut s, "rina", Role::Petugas),
        head: user(&mut s, "hendra", Role::Kepala),
        monitor: user(&mut s, "pemantau", Role::Pemantau),
    };
    user(&mut s, "admin2", Role::Admin);
    // The second admin signs in on 10 February only: not active in March.
    s.p.sign_in(&SignInInput {
        username: "admin2".into(),
        password: "rahasia-sekali-123".into(),
    })
    .unwrap();
    let topics = s.p.topics().unwrap();
    let children: Vec<i64> = topics
        .iter()
        .filter(|t| t.parent_id.is_some())
        .map(|t| t.id)
        .collect();
    let (t1, t2) = (children[0], children[1]);
    let mut ids = std::collections::BTreeMap::new();
    let c = people.clerk.clone();
    use Channel as Ch;
    use Kind as K;
    let ptb = K::PengaduanTidakBerkadarPengawasan;
    at(&s, wib(2026, 2, 27, 10, 0, 0));
    ids.insert(
        "G",
        add(
            &mut s,
            &c,
            wib(2026, 2, 27, 10, 0, 0),
            ptb,
            Ch::Email,
            Some(t1),
            false,
            false,
            "G di luar periode",
        ),
    );
    at(&s, wib(2026, 3, 1, 0, 30, 0));
    ids.insert(
        "E",
        add(
            &mut s,
            &c,
            wib(2026, 3, 1, 0, 30, 0),
            ptb,
            Ch::Email,
            Some(t2),
            false,
            false,
            "E lewat tengah malam",
        ),
    );
    act(
        &mut s,
        &c,
        wib(2026, 3, 2, 8, 0, 0),
        ids["G"],
        Action::Verify,
    );
    at(&s, wib(2026, 3, 2, 9, 0, 0));
    ids.insert(
        "A",
        add(
            &mut s,
            &c,
            wib(2026, 3, 2, 9, 0, 0),
            ptb,
            Ch::TatapMuka,
            Some(t1),
            false,
            false,
            "A antrean panjang",
        ),
    );
    act(
        &mut s,
        &c,
        wib(2026, 3, 3, 9, 0, 0),
        ids["A"],
        Action::Verify,
    );
    act(
        &mut s,
        &c,
        wib(2026, 3, 3, 10, 0, 0),
        ids["A"],
        Action::Route,
    );
    at(&s, wib(2026, 3, 4, 11, 0, 0));
    ids.insert(
        "C",
        add(
            &mut s,
            &c,
            wib(2026, 3, 4, 11, 0, 0),
            ptb,
            Ch::Telepon,
            None,
            true,
            false,
            "C rahasia",
        ),
    );
    let (a, cc) = (ids["A"], ids["C"]);
    follow_up(
        &mut s,
        &people,
        wib(2026, 3, 4, 13, 0, 0),
        wib(2026, 3, 5, 9, 0, 0),
        a,
    );
    act(&mut s, &c, wib(2026, 3, 4, 14, 0, 0), cc, Action::Verify);
    at(&s, wib(2026, 3, 5, 8, 0, 0));
    ids.insert(
        "D",
        add(
            &mut s,
            &c,
            wib(2026, 3, 5, 8, 0, 0),
            K::PengaduanBerkadarPengawasan,
            Ch::Surat,
            Some(t1),
            false,
            false,
            "D pungutan",
        ),
    );
    act(&mut s, &c, wib(2026, 3, 5, 10, 0, 0), cc, Action::Route);
    act(
        &mut s,
        &c,
        wib(2026, 3, 6, 9, 0, 0),
        ids["D"],
        Action::Verify,
    );
    act(
        &mut s,
        &c,
        wib(2026, 3, 9, 9, 0, 0),
        ids["D"],
        Action::Archive,
    );
    act(&mut s, &c, wib(2026, 3, 9, 10, 0, 0), a, Action::Finish);
    at(&s, wib(2026, 3, 10, 9, 0, 0));
    ids.insert(
        "I",
        add(
            &mut s,
            &c,
            wib(2026, 3, 10, 9, 0, 0),
            K::Aspirasi,
            Ch::KotakSaran,
            Some(t2),
            true,
            true,
            "I kotak saran",
        ),
    );
    act(
        &mut s,
        &c,
        wib(2026, 3, 11, 9, 0, 0),
        ids["I"],
        Action::Postpone,
    );
    follow_up(
        &mut s,
        &people,
        wib(2026, 3, 13, 9, 0, 0),
        wib(2026, 3, 16, 9, 0, 0),
        cc,
    );
    act(&mut s, &c, wib(2026, 3, 17, 9, 0, 0), cc, Action::Finish);
    at(&s, wib(2026, 3, 17, 10, 0, 0));
    ids.insert(
        "B",
        add(
            &mut s,
            &c,
            wib(2026, 3, 17, 10, 0, 0),
            K::Aspirasi,
            Ch::Whatsapp,
            Some(t2),
            false,
            true,
            "B usul",
        ),
    );
    act(&mut s, &c, wib(2026, 3, 19, 9, 0, 0), cc, Action::Reopen);
    // The monitor signs in on 20 March.
    at(&s, wib(2026, 3, 20, 9, 0, 0));
    s.p.sign_in(&SignInInput {
        username: "pemantau".into(),
        password: "rahasia-sekali-123".into(),
    })
    .unwrap();
    let b = ids["B"];
    act(&mut s, &c, wib(2026, 3, 25, 9, 0, 0), b, Action::Verify);
    act(&mut s, &c, wib(2026, 3, 25, 10, 0, 0), b, Action::Route);
    follow_up(
        &mut s,
        &people,
        wib(2026, 3, 25, 11, 0, 0),
        wib(2026, 3, 26, 9, 0, 0),
        b,
    );
    at(&s, wib(2026, 3, 30, 15, 0, 0));
    ids.insert(
        "H",
        add(
            &mut s,
            &c,
            wib(2026, 3, 30, 15, 0, 0),
            K::PermintaanInformasi,
            Ch::Lapor,
            Some(t1),
            false,
            false,
            "H informasi",
        ),
    );
    act(&mut s, &c, wib(2026, 3, 30, 16, 0, 0), cc, Action::Finish);
    act(
        &mut s,
        &c,
        wib(2026, 3, 31, 23, 59, 59),
        ids["H"],
        Action::Verify,
    );
    act(
        &mut s,
        &c,
        wib(2026, 4, 1, 0, 0, 0),
        ids["H"],
        Action::Route,
    );
    at(&s, wib(2026, 4, 1, 0, 30, 0));
    ids.insert(
        "F",
        add(
            &mut s,
            &c,
            wib(2026, 4, 1, 0, 30, 0),
            ptb,
            Ch::Email,
            Some(t2),
            false,
            false,
            "F April",
        ),
    );
    // After the period: B is finished in April; March must not change.
    act(&mut s, &c, wib(2026, 4, 2, 9, 0, 0), b, Action::Finish);
    at(&s, wib(2026, 5, 4, 9, 0, 0));
    Dataset {
        s,
        people,
        ids,
        t1,
        t2,
    }
}

pub fn march() -> MonevQuery {
    MonevQuery {
        from: d(2026, 3, 1),
        to: d(2026, 3, 31),
        units: vec![],
    }
}

fn count(v: &[posko_domain::monev::Count], cell: Cell) -> u64 {
    v.iter()
        .find(|c| c.cell == cell)
        .unwrap_or_else(|| panic!("no {cell:?}"))
        .value
}

#[test]
fn indicators_of_the_hand_made_data_set() {
    let ds = dataset();
    let p = &ds.s.p;
    let i = p.monev_indicators(&ds.people.monitor, &march()).unwrap();
    let c = &i.complaints;
    // A, B, C, D, E, H, I (E by its WIB date, F and G outside).
    assert_eq!(c.received.value, 7);
    assert_eq!(
        c.by_kind.iter().map(|x| x.value).collect::<Vec<_>>(),
        vec![2, 3, 1, 1]
    );
    for (ch, n) in [
        (Channel::TatapMuka, 1),
        (Channel::Telepon, 1),
        (Channel::Sms, 0),
        (Channel::Whatsapp, 1),
        (Channel::Surat, 1),
        (Channel::KotakSaran, 1),
        (Channel::Email, 1),
        (Channel::MediaSosial, 0),
        (Channel::Lapor, 1),
    ] {
        assert_eq!(count(&c.by_channel, Cell::Channel(ch)), n, "{ch:?}");
    }
    assert_eq!(count(&c.by_topic, Cell::Topic(Some(ds.t1))), 3);
    assert_eq!(count(&c.by_topic, Cell::Topic(Some(ds.t2))), 3);
    assert_eq!(count(&c.by_topic, Cell::Topic(None)), 1);
    assert_eq!(c.by_month.len(), 1);
    assert_eq!(count(&c.by_month, Cell::Month("2026-03".into())), 7);
    assert_eq!(i.topics.len(), 2);
    // Status at the end of March (B was finished only in April).
    for (st, n) in [
        (Status::Received, 1),
        (Status::Verified, 1),
        (Status::WaitingReporter, 1),
        (Status::Finished, 2),
        (Status::Postponed, 1),
        (Status::Archived, 1),
        (Status::Routed, 0),
    ] {
        assert_eq!(count(&c.by_status, Cell::Status(st)), n, "{st:?}");
    }
    assert_eq!(c.verified.value, 5); // A B C D H (H at 23:59:59 on the 31st)
    assert_eq!(c.routed.value, 3); // A B C (H only on 1 April)
    assert_eq!(c.followed_up.value, 3);
    assert_eq!(c.finished.value, 2);
    assert_eq!(c.in_process.value, 4); // B E H I
    assert_eq!(c.archived.value, 1);
    assert_eq!(c.closed.value, 3);
    assert_eq!(c.reopened.value, 1);
    assert_eq!(c.anonymous.value, 2);
    assert_eq!(c.anonymous.pct, Some(28.57));
    assert_eq!(c.secret.value, 2);
    let dl = |step| c.deadlines.iter().find(|x| x.step == step).unwrap();
    let v = dl(DeadlineStep::Verifikasi);
    // E was due 4 March and never verified; B was due 27 March (the days
    // off from 18 to 24 March do not count) and verified on the 25th.
    assert_eq!((v.on_time.value, v.late.value, v.pending.value), (6, 1, 0));
    assert_eq!(v.on_time_pct, Some(85.71));
    let t = dl(DeadlineStep::TindakLanjutPertama);
    // C: routed 5 March, due 12 March, follow-up on the 16th. H's started in April.
    assert_eq!((t.on_time.value, t.late.value, t.pending.value), (2, 1, 0));
    let f = dl(DeadlineStep::Penyelesaian);
    // On time A C D; late E (due 26 March) and I (due 17 March); pending B (due
    // 31 March) and H (due 7 April, past Good Friday).
    assert_eq!((f.on_time.value, f.late.value, f.pending.value), (3, 2, 2));
    assert_eq!(f.on_time_pct, Some(60.0));
    let a = dl(DeadlineStep::TutupOtomatis);
    assert_eq!((a.on_time.value, a.late.value, a.pending.value), (2, 0, 1));
    // Working days to the first follow-up: A 3, B 2 (25–26 March), C 8.
    let fu = &c.days_to_first_follow_up;
    assert_eq!(
        (fu.count, fu.median, fu.p90, fu.max),
        (3, Some(3.0), Some(7.0), Some(8))
    );
    // To closing: A 5, C 13 (its last closing, 30 March; 18–24 March off), D 2.
    let cl = &c.days_to_close;
    assert_eq!(
        (cl.count, cl.median, cl.p90, cl.max),
        (3, Some(5.0), Some(11.4), Some(13))
    );
    // Staff active 2–31 March: rina (actions), hendra (approvals), pemantau
    // (signed in); admin2 signed in in February only; the store's own admin
    // account is not a user here.
    assert_eq!((i.staff.accounts, i.staff.active), (4, 3));
    let role = |r: Role| {
        let x = i.staff.by_role.iter().find(|x| x.role == r).unwrap();
        (x.accounts, x.active)
    };
    assert_eq!(role(Role::Admin), (1, 0));
    assert_eq!(role(Role::Pemantau), (1, 1));
    assert_eq!(i.rule_versions, vec!["permenpanrb-62-2018".to_string()]);

    // The same numbers later: the period's end is replayed from the timeline.
    let later = ds;
    later.s.clock.set(wib(2026, 9, 1, 9, 0, 0));
    let again = later
        .s
        .p
        .monev_indicators(&later.people.monitor, &march())
        .unwrap();
    assert_eq!(
        serde_json::to_value(&again.complaints).unwrap(),
        serde_json::to_value(&i.complaints).unwrap()
    );
    // April sees F and H's routing.
    let april = later
        .s
        .p
        .monev_indicators(
            &later.people.monitor,
            &MonevQuery {
                from: d(2026, 4, 1),
                to: d(2026, 4, 30),
                units: vec![],
            },
        )
        .unwrap();
    assert_eq!(april.complaints.received.value, 1);
}

#[test]
fn each_number_drills_down_to_its_complaints() {
    let ds = dataset();
    let p = &ds.s.p;
    let q = march();
    let drill = |who: &Actor, cell: Cell| {
        p.monev_drilldown(
            who,
            &DrilldownInput {
                query: q.clone(),
                cell,
                offset: 0,
                limit: 0,
            },
        )
        .unwrap()
    };
    let ind = p.monev_indicators(&ds.people.head, &q).unwrap();
    // Every count of the dashboard equals its drill-down total.
    let c = &ind.complaints;
    for n in [
        &c.received,
        &c.verified,
        &c.routed,
        &c.finished,
        &c.in_process,
        &c.secret,
    ]
    .into_iter()
    .chain(&c.by_kind)
    .chain(&c.by_channel)
    .chain(&c.by_status)
    .chain(
        c.deadlines
            .iter()
            .flat_map(|x| [&x.on_time, &x.late, &x.pending]),
    ) {
        let dd = drill(&ds.people.head, n.cell.clone());
        assert_eq!(dd.total, n.value, "{:?}", n.cell);
        assert_eq!(dd.rows.len() as u64 + dd.hidden_secret, n.value);
    }
    let reg = |rows: &[ComplaintRow]| {
        let mut v: Vec<i64> = rows.iter().map(|r| r.id).collect();
        v.sort();
        v
    };
    let late = drill(&ds.people.head, Cell::Late(DeadlineStep::Penyelesaian));
    assert_eq!(reg(&late.rows), {
        let mut v = vec![ds.ids["E"], ds.ids["I"]];
        v.sort();
        v
    });
    // The head sees rahasia complaints; the monitor gets them counted, not listed.
    assert_eq!(drill(&ds.people.head, Cell::Secret).rows.len(), 2);
    let secret = drill(&ds.people.monitor, Cell::Secret);
    assert_eq!(
        (secret.total, secret.hidden_secret, secret.rows.len()),
        (2, 2, 0)
    );
    let anon = drill(&ds.people.monitor, Cell::Anonymous);
    assert_eq!((anon.total, anon.hidden_secret), (2, 1));
    assert_eq!(anon.rows[0].id, ds.ids["B"]);
    assert_eq!(anon.rows[0].reporter, None);
    // A clerk has no monev permission.
    let err = p.monev_indicators(&ds.people.clerk, &q).unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
}

#[test]
fn decree_action_plan_and_bad_queries() {
    let mut ds = dataset();
    let head = ds.people.head.clone();
    let g =
        ds.s.p
            .save_team_decree(
                &head,
                &TeamDecreeInput {
                    unit_code: "PKM-SENDANA".into(),
                    number: "800/12/PKM-SDN/I/2026".into(),
                    date: d(2026, 1, 5),
                    title: "Tim Pengelola Pengaduan Puskesmas Sendana".into(),
                },
            )
            .unwrap();
    assert_eq!(g.decree.as_ref().unwrap().number, "800/12/PKM-SDN/I/2026");
    for (action, progress, due) in [
        ("Pasang banner kanal pengaduan", 100, d(2026, 2, 28)),
        ("Pelatihan petugas pengaduan", 40, d(2026, 3, 15)),
        ("Survei kepuasan semester I", 0, d(2026, 6, 30)),
    ] {
        ds.s.p
            .save_action_item(
                &head,
                &ActionItemInput {
                    id: None,
                    unit_code: "PKM-SENDANA".into(),
                    year: 2026,
                    action: action.into(),
                    owner: "Kepala TU".into(),
                    due_date: Some(due),
                    progress,
                    note: String::new(),
                },
            )
            .unwrap();
    }
    let i = ds.s.p.monev_indicators(&head, &march()).unwrap();
    let g = &i.governance[0];
    assert_eq!(g.action_plan.len(), 3);
    assert_eq!(g.action_progress, Some(46.67));
    assert_eq!((g.action_done, g.action_overdue), (1, 1));
    // Bad input: a clear refusal, nothing written.
    let before = ds.s.fingerprint();
    let bad = |e: CoreError, code: &str| assert_eq!(e.code(), code, "{e:?}");
    bad(
        ds.s.p
            .monev_indicators(
                &head,
                &MonevQuery {
                    from: d(2026, 3, 31),
                    to: d(2026, 3, 1),
                    units: vec![],
                },
            )
            .unwrap_err(),
        "VALIDATION",
    );
    bad(
        ds.s.p
            .monev_indicators(
                &head,
                &MonevQuery {
                    units: vec!["PKM-TIDAK-ADA".into()],
                    ..march()
                },
            )
            .unwrap_err(),
        "VALIDATION",
    );
    bad(
        ds.s.p
            .save_action_item(
                &head,
                &ActionItemInput {
                    id: None,
                    unit_code: "PKM-SENDANA".into(),
                    year: 2026,
                    action: " ".into(),
                    owner: String::new(),
                    due_date: None,
                    progress: 101,
                    note: String::new(),
                },
            )
            .unwrap_err(),
        "VALIDATION",
    );
    assert_eq!(before, ds.s.fingerprint());
    // An empty period still gives a full set of (zero) indicators.
    let empty =
        ds.s.p
            .monev_indicators(
                &head,
                &MonevQuery {
                    from: d(2025, 1, 1),
                    to: d(2025, 1, 31),
                    units: vec![],
                },
            )
            .unwrap();
    assert_eq!(empty.complaints.received.value, 0);
    assert_eq!(empty.complaints.days_to_close.median, None);
}

pub fn answer(item: &str, a: Answer) -> AnswerInput {
    AnswerInput {
        item_id: item.into(),
        answer: Some(a),
        note: String::new(),
    }
}

/// The answers worked out by hand in `visits_are_saved_finished_locked_and_corrected`.
pub fn full_answers() -> Vec<AnswerInput> {
    use Answer::*;
    vec![
        answer("kategori", Choice("perdesaan".into())),
        answer("akreditasi", Choice("madya".into())),
        answer("jumlah-pengaduan", Number(42.0)),
        answer("sk-tim", Yes),
        answer("sop", Partial),
        answer("kanal", Yes),
        answer("kotak-saran", NotApplicable),
        answer("akun-lapor", No),
        answer("register", Score(2)),
        answer("tepat-waktu", Score(3)),
        answer("tanggapan-substantif", Partial),
        answer("kerahasiaan", Yes),
        answer("persen-tindak-lanjut", Number(80.0)),
        answer("bukti-perbaikan", Yes),
        answer("skm", Yes),
        answer("skm-tindak-lanjut", Partial),
        answer("publikasi", No),
        answer("catatan-umum", Text("Petugas ramah; register rapi.".into())),
    ]
}

pub fn visit_input(unit: &str, answers: Vec<AnswerInput>) -> VisitInput {
    VisitInput {
        id: None,
        unit_code: unit.into(),
        instrument: InstrumentRef {
            id: "pengaduan-puskesmas".into(),
            version: None,
        },
        visit_date: d(2026, 3, 24),
        place: "Sendana".into(),
        answers,
        findings: vec!["Register belum memuat tanggal tindak lanjut.".into()],
        recommendations: vec!["Lengkapi kolom tanggal tindak lanjut di register.".into()],
        plan: vec![PlanItem {
            action: "Perbaiki format register".into(),
            owner: "Petugas pengaduan".into(),
            due_date: Some(d(2026, 4, 30)),
        }],
        team: vec![
            Signatory {
                name: "dr. Ayu Lestari".into(),
                nip: "198001012005012001".into(),
                position: "Kepala Seksi Yankes".into(),
            },
            Signatory {
                name: "Budi Santoso, SKM".into(),
                nip: String::new(),
                position: "Staf".into(),
            },
        ],
        head: Signatory {
            name: "dr. Hendra Saputra".into(),
            nip: "197505052003121002".into(),
            position: "Kepala Puskesmas".into(),
        },
        version: None,
    }
}

pub fn png_1x1() -> &'static [u8] {
    PNG_1X1
}

const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[test]
fn visits_are_saved_finished_locked_and_corrected() {
    use base64::Engine;
    let mut s = new_store_at(wib(2026, 3, 24, 9, 0, 0));
    let monitor = actor(Role::Pemantau);
    // Autosave a half-filled draft, then resume it after a restart.
    let first = full_answers().into_iter().take(6).collect();
    let v =
        s.p.save_visit(&monitor, &visit_input("PKM-SENDANA", first))
            .unwrap();
    assert_eq!(v.state, VisitState::Draft);
    assert_eq!(v.instrument.id, "pengaduan-puskesmas");
    assert_eq!(v.instrument.version, 1);
    assert!(!v.score.missing.is_empty());
    let id = v.id;
    s.reopen();
    let resumed = s.p.visit(&monitor, &IdInput { id }).unwrap();
    assert_eq!(resumed.answers.len(), 6);
    assert_eq!(resumed.team.len(), 2);
    // Finishing with scored items unanswered is refused, by name.
    let err = s.p.finish_visit(&monitor, &IdInput { id }).unwrap_err();
    assert_eq!(err.code(), "VISIT_INCOMPLETE");
    assert!(
        err.message(posko_core::Lang::Id).contains("akun-lapor"),
        "{}",
        err.message(posko_core::Lang::Id)
    );
    // A wrong answer type and a stale version are refused.
    let mut wrong = visit_input("PKM-SENDANA", vec![answer("sk-tim", Answer::Score(2))]);
    wrong.id = Some(id);
    let err = s.p.save_visit(&monitor, &wrong).unwrap_err();
    assert_eq!(err.code(), "INVALID_ANSWER");
    assert!(err.message(posko_core::Lang::En).contains("does not match"));
    let mut stale = visit_input("PKM-SENDANA", full_answers());
    stale.id = Some(id);
    stale.version = Some(resumed.version - 1);
    assert_eq!(
        s.p.save_visit(&monitor, &stale).unwrap_err().code(),
        "CONFLICT"
    );
    // Complete it, with a photo for one item.
    let mut full = visit_input("PKM-SENDANA", full_answers());
    full.id = Some(id);
    let v = s.p.save_visit(&monitor, &full).unwrap();
    let photo =
        s.p.add_visit_photo(
            &monitor,
            &VisitPhotoInput {
                visit_id: id,
                item_id: Some("kanal".into()),
                file_name: "papan.png".into(),
                caption: "Papan informasi kanal pengaduan".into(),
                data_base64: base64::engine::general_purpose::STANDARD.encode(PNG_1X1),
                reason: None,
            },
        )
        .unwrap();
    assert_eq!(photo.mime, "image/png");
    let not_image = s.p.add_visit_photo(
        &monitor,
        &VisitPhotoInput {
            visit_id: id,
            item_id: None,
            file_name: "x.pdf".into(),
            caption: String::new(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 ..."),
            reason: None,
        },
    );
    assert_eq!(not_image.unwrap_err().code(), "VALIDATION");
    // Scores by hand: Input (2 + 0.5 + 1 + 0) / 5 = 70; Proses (2/3 + 2 + 0.5
    // + 1 + 0.8) / 6 = 82.78; Output (1 + 1 + 0.5 + 0) / 4 = 62.5; all items
    // pooled 10.9667 / 15 = 73.11 → zona kuning.
    let sec = |v: &VisitView, id: &str| {
        v.score
            .sections
            .iter()
            .find(|x| x.section_id == id)
            .unwrap()
            .score
    };
    assert_eq!(sec(&v, "input"), Some(70.0));
    assert_eq!(sec(&v, "proses"), Some(82.78));
    assert_eq!(sec(&v, "output"), Some(62.5));
    assert_eq!(sec(&v, "profil"), None);
    assert_eq!(v.score.total, Some(73.11));
    assert_eq!(v.score.zone.as_ref().unwrap().code, "kuning");
    let v = s.p.finish_visit(&monitor, &IdInput { id }).unwrap();
    assert_eq!(v.state, VisitState::Final);
    // Locked: saving again is refused; a correction needs a reason.
    assert_eq!(
        s.p.save_visit(&monitor, &full).unwrap_err().code(),
        "VISIT_LOCKED"
    );
    let mut corrected = full.clone();
    corrected.answers = full_answers()
        .into_iter()
        .map(|a| match a.item_id.as_str() {
            "publikasi" | "akun-lapor" => answer(&a.item_id, Answer::Yes),
            _ => a,
        })
        .collect();
    let no_reason = s.p.correct_visit(
        &monitor,
        &VisitCorrection {
            visit: corrected.clone(),
            reason: "  ".into(),
        },
    );
    assert_eq!(no_reason.unwrap_err().code(), "VALIDATION");
    s.clock.set(wib(2026, 3, 26, 10, 0, 0));
    let v =
        s.p.correct_visit(
            &monitor,
            &VisitCorrection {
                visit: corrected,
                reason: "Salah input: rekap dipublikasikan di papan, akun LAPOR! aktif".into(),
            },
        )
        .unwrap();
    // (12.9667 / 15) = 86.44 → zona hijau.
    assert_eq!(v.score.total, Some(86.44));
    assert_eq!(v.score.zone.as_ref().unwrap().code, "hijau");
    let fields: Vec<&str> = v.corrections.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, vec!["answer:akun-lapor", "answer:publikasi"]);
    assert_eq!(v.corrections[0].old_value, "{\"type\":\"no\"}");
    assert_eq!(v.corrections[0].new_value, "{\"type\":\"yes\"}");
    assert_eq!(v.corrections[0].actor_name, monitor.display_name);
    // The corrections log is append-only in the store itself.
    let tamper =
        s.p.connection()
            .execute("DELETE FROM monev_corrections", []);
    assert!(tamper.is_err());
    // A finished visit's photo stays; a new one needs a reason and is recorded.
    assert_eq!(
        s.p.delete_visit_photo(&monitor, &IdInput { id: photo.id })
            .unwrap_err()
            .code(),
        "VISIT_LOCKED"
    );
    // A second unit, visited and scored 100: the ranking puts it first.
    s.p.save_unit(
        &monitor,
        &UnitInput {
            code: "pkm tandung".into(),
            name: "Puskesmas Tandung".into(),
        },
    )
    .unwrap();
    let best: Vec<AnswerInput> = full_answers()
        .into_iter()
        .map(|a| match a.answer {
            Some(Answer::Partial | Answer::No | Answer::NotApplicable) => {
                answer(&a.item_id, Answer::Yes)
            }
            Some(Answer::Score(_)) => answer(&a.item_id, Answer::Score(3)),
            Some(Answer::Number(_)) if a.item_id == "persen-tindak-lanjut" => {
                answer(&a.item_id, Answer::Number(100.0))
            }
            _ => a,
        })
        .collect();
    let v2 =
        s.p.save_visit(&monitor, &visit_input("PKM-TANDUNG", best))
            .unwrap();
    assert_eq!(v2.score.total, Some(100.0));
    s.p.finish_visit(&monitor, &IdInput { id: v2.id }).unwrap();
    let r =
        s.p.unit_ranking(
            &monitor,
            &RankingQuery {
                from: d(2026, 3, 1),
                to: d(2026, 3, 31),
                instrument_id: "pengaduan-puskesmas".into(),
            },
        )
        .unwrap();
    let v: Vec<(u32, &str, &str)> = r
        .units
        .iter()
        .map(|u| (u.rank, u.unit_code.as_str(), u.category.as_str()))
        .collect();
    assert_eq!(
        v,
        vec![(1, "PKM-TANDUNG", "Terbaik"), (2, "PKM-SENDANA", "Baik")]
    );
    let list = s.p.list_visits(&monitor, &VisitFilter::default()).unwrap();
    assert_eq!(list.len(), 2);
    // A petugas may not run visits.
    assert_eq!(
        s.p.visit(&clerk(), &IdInput { id }).unwrap_err().code(),
        "FORBIDDEN"
    );
}

#[test]
fn instruments_import_and_refuse_bad_templates() {
    let mut s = new_store();
    let monitor = actor(Role::Pemantau);
    let list = s.p.instruments(&monitor).unwrap();
    assert_eq!(list.len(), 2);
    let good = "id = \"cek-loket\"\nversion = 1\ntitle = \"Cek loket\"\n[[section]]\nid = \"s\"\ntitle = \"S\"\n[[section.item]]\nid = \"a\"\ntext = \"Loket buka tepat waktu\"\ntype = \"yes_no\"\n";
    let info =
        s.p.import_instrument(
            &monitor,
            &InstrumentImport {
                source: good.into(),
            },
        )
        .unwrap();
    assert_eq!(
        (info.id.as_str(), info.version, info.builtin),
        ("cek-loket", 1, false)
    );
    // The same text again is fine; a changed text under the same version is not.
    s.p.import_instrument(
        &monitor,
        &InstrumentImport {
            source: good.into(),
        },
    )
    .unwrap();
    let changed = good.replace("tepat waktu", "pukul 07.30");
    assert_eq!(
        s.p.import_instrument(&monitor, &InstrumentImport { source: changed })
            .unwrap_err()
            .code(),
        "VALIDATION"
    );
    let cases = [
        (
            good.replace("yes_no", "bintang_lima"),
            [
                "jenis jawaban yang tidak dikenal \"bintang_lima\"",
                "unknown answer type \"bintang_lima\"",
            ],
        ),
        (
            format!(
                "{good}[scoring]\n[[scoring.zone]]\ncode = \"merah\"\nmin = 0\nmax = 50\n[[scoring.zone]]\ncode = \"hijau\"\nmin = 60\nmax = 100\n"
            ),
            [
                "celah nilai antara zona \"merah\" dan \"hijau\"",
                "gap between zones \"merah\" and \"hijau\"",
            ],
        ),
        (
            format!(
                "{good}[scoring]\n[[scoring.zone]]\ncode = \"merah\"\nmin = 0\nmax = 70\n[[scoring.zone]]\ncode = \"hijau\"\nmin = 60\nmax = 100\n"
            ),
            ["tumpang tindih", "overlap"],
        ),
        ("judul = ".to_string(), ["TOML", "TOML"]),
    ];
    for (text, [id_msg, en_msg]) in cases {
        let err =
            s.p.import_instrument(&monitor, &InstrumentImport { source: text })
                .unwrap_err();
        assert_eq!(err.code(), "INVALID_INSTRUMENT");
        let (id, en) = (
            err.message(posko_core::Lang::Id),
            err.message(posko_core::Lang::En),
        );
        assert!(id.contains(id_msg), "{id}");
        assert!(en.contains(en_msg), "{en}");
        assert!(!id.contains('{') && !en.contains('{'), "{id} / {en}");
    }
    assert_eq!(s.p.instruments(&monitor).unwrap().len(), 3);
}
