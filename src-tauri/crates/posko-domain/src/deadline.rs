//! Deadline rules as versioned data (domain.md §3).
//!
//! The limits come from PermenPANRB 62/2018, which PermenPANRB 5/2025
//! supersedes with changes not yet confirmed. So the rules are a table loaded
//! from TOML, each set carrying a version and a `valid_from` date, and every
//! computed [`DueDate`] records the version it used: when the rules change, old
//! reports keep the deadlines they were given.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::calendar::Calendar;
use crate::complaint::Kind;

/// A step of a complaint's life that has a time limit.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStep {
    /// LAPOR! verification and routing after submission.
    Verifikasi,
    /// The agency's first follow-up after routing.
    TindakLanjutPertama,
    /// Finishing the complaint; the limit depends on the kind.
    Penyelesaian,
    /// Closing by itself when a follow-up gets no reply.
    TutupOtomatis,
}

impl DeadlineStep {
    pub const ALL: [DeadlineStep; 4] = [
        DeadlineStep::Verifikasi,
        DeadlineStep::TindakLanjutPertama,
        DeadlineStep::Penyelesaian,
        DeadlineStep::TutupOtomatis,
    ];

    /// Stable code used in the database, TOML and JSON (same as serde).
    pub fn code(self) -> &'static str {
        match self {
            DeadlineStep::Verifikasi => "verifikasi",
            DeadlineStep::TindakLanjutPertama => "tindak_lanjut_pertama",
            DeadlineStep::Penyelesaian => "penyelesaian",
            DeadlineStep::TutupOtomatis => "tutup_otomatis",
        }
    }

    pub fn from_code(s: &str) -> Option<DeadlineStep> {
        DeadlineStep::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// The event a limit is counted from.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StartEvent {
    /// The complaint was received (submitted or entered at the desk).
    Diterima,
    /// The complaint was routed to the unit (disposisi).
    Didisposisikan,
    /// A follow-up (tindak lanjut) was posted.
    TindakLanjutDiberikan,
}

/// One row of the rule table.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq, Eq)]
pub struct DeadlineRule {
    pub step: DeadlineStep,
    /// Kinds the rule applies to; empty means all kinds.
    pub kinds: Vec<Kind>,
    pub working_days: u32,
    pub start_event: StartEvent,
    pub legal_basis: String,
}

impl DeadlineRule {
    pub fn applies_to(&self, kind: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// One version of the rules, in force from `valid_from`.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq, Eq)]
pub struct RuleSet {
    pub version: String,
    pub valid_from: NaiveDate,
    pub title: String,
    pub rules: Vec<DeadlineRule>,
}

/// Why a rules file was refused. Refusing the whole file (rather than
/// skipping a bad rule) keeps a typo from silently removing a deadline.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum RuleSetError {
    #[error("invalid rules file: {0}")]
    Toml(String),
    #[error("the rules file has no [[rule_set]]")]
    NoRuleSets,
    #[error("a rule set has an empty version")]
    EmptyVersion,
    #[error("rule set {version}: bad valid_from {value:?} (use YYYY-MM-DD)")]
    BadValidFrom { version: String, value: String },
    #[error("rule set version {version} appears twice")]
    DuplicateVersion { version: String },
    #[error("rule set {version} has no rules")]
    NoRules { version: String },
    #[error("rule set {version}: {step:?} has {working_days} working days (allowed 1 to 365)")]
    WorkingDaysOutOfRange {
        version: String,
        step: DeadlineStep,
        working_days: i64,
    },
    #[error("rule set {version}: {step:?} is set twice for {kind:?}")]
    Overlap {
        version: String,
        step: DeadlineStep,
        kind: Kind,
    },
    #[error("rule set {version}: no penyelesaian rule for {kind:?}")]
    MissingPenyelesaian { version: String, kind: Kind },
}

/// Longest limit accepted: a year of working days is already far beyond any
/// rule known (60 is the longest today), so more is a typo.
pub const MAX_WORKING_DAYS: i64 = 365;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule_set: Vec<RawRuleSet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSet {
    version: String,
    /// A string or a TOML local date: both are written by hand.
    valid_from: toml::Value,
    #[serde(default)]
    title: String,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    step: DeadlineStep,
    #[serde(default)]
    kinds: Vec<Kind>,
    working_days: i64,
    start_event: StartEvent,
    #[serde(default)]
    legal_basis: String,
}

fn parse_valid_from(v: &toml::Value) -> Option<NaiveDate> {
    let text = match v {
        toml::Value::String(s) => s.trim().to_string(),
        // A bare TOML date (valid_from = 2018-01-01) without time or offset.
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        _ => return None,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

/// Parses and checks a rules file (see `data/deadline_rules.toml` for the
/// format). Checks: at least one set, unique non-empty versions, at least one
/// rule per set, working days in 1..=365, each (step, kind) covered at most
/// once per set, and a `penyelesaian` rule for every kind.
pub fn parse_rule_sets(toml_text: &str) -> Result<Vec<RuleSet>, RuleSetError> {
    let raw: RawFile = toml::from_str(toml_text).map_err(|e| RuleSetError::Toml(e.to_string()))?;
    if raw.rule_set.is_empty() {
        return Err(RuleSetError::NoRuleSets);
    }
    let mut versions = HashSet::new();
    let mut sets = Vec::with_capacity(raw.rule_set.len());
    for rs in raw.rule_set {
        let version = rs.version.trim().to_string();
        if version.is_empty() {
            return Err(RuleSetError::EmptyVersion);
        }
        let valid_from =
            parse_valid_from(&rs.valid_from).ok_or_else(|| RuleSetError::BadValidFrom {
                version: version.clone(),
                value: rs.valid_from.to_string(),
            })?;
        if !versions.insert(version.clone()) {
            return Err(RuleSetError::DuplicateVersion { version });
        }
        if rs.rule.is_empty() {
            return Err(RuleSetError::NoRules { version });
        }
        let mut covered: HashSet<(DeadlineStep, Kind)> = HashSet::new();
        let mut rules = Vec::with_capacity(rs.rule.len());
        for r in rs.rule {
            if !(1..=MAX_WORKING_DAYS).contains(&r.working_days) {
                return Err(RuleSetError::WorkingDaysOutOfRange {
                    version,
                    step: r.step,
                    working_days: r.working_days,
                });
            }
            let mut kinds = r.kinds;
            kinds.sort();
            kinds.dedup();
            let applies: Vec<Kind> = if kinds.is_empty() {
                Kind::ALL.to_vec()
            } else {
                kinds.clone()
            };
            for kind in applies {
                if !covered.insert((r.step, kind)) {
                    return Err(RuleSetError::Overlap {
                        version,
                        step: r.step,
                        kind,
                    });
                }
            }
            rules.push(DeadlineRule {
                step: r.step,
                kinds,
                // In 1..=365 (checked above), so the cast is exact.
                working_days: r.working_days as u32,
                start_event: r.start_event,
                legal_basis: r.legal_basis.trim().to_string(),
            });
        }
        for kind in Kind::ALL {
            if !covered.contains(&(DeadlineStep::Penyelesaian, kind)) {
                return Err(RuleSetError::MissingPenyelesaian { version, kind });
            }
        }
        sets.push(RuleSet {
            version,
            valid_from,
            title: rs.title.trim().to_string(),
            rules,
        });
    }
    Ok(sets)
}

const DEFAULT_RULES_TOML: &str = include_str!("../data/deadline_rules.toml");

/// The bundled rules (`data/deadline_rules.toml`).
pub fn default_rule_sets() -> Vec<RuleSet> {
    parse_rule_sets(DEFAULT_RULES_TOML).expect("bundled data/deadline_rules.toml is valid")
}

/// The rule set in force on `on`: the latest `valid_from` not after `on`.
/// Between sets with the same `valid_from`, the later one in the list wins.
pub fn rule_set_for(sets: &[RuleSet], on: NaiveDate) -> Option<&RuleSet> {
    sets.iter()
        .filter(|s| s.valid_from <= on)
        .max_by_key(|s| s.valid_from)
}

/// A computed deadline, with the rule version it came from so it can be
/// reproduced (or explained) later.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq, Eq)]
pub struct DueDate {
    pub step: DeadlineStep,
    /// The date of the start event (not counted).
    pub start: NaiveDate,
    pub due: NaiveDate,
    pub working_days: u32,
    pub rule_version: String,
}

/// Every deadline of `set` for a complaint of `kind` that starts when `event`
/// happens on `event_date`, in the order of the rules in the set.
pub fn compute_due(
    cal: &Calendar,
    set: &RuleSet,
    kind: Kind,
    event: StartEvent,
    event_date: NaiveDate,
) -> Vec<DueDate> {
    set.rules
        .iter()
        .filter(|r| r.start_event == event && r.applies_to(kind))
        .map(|r| DueDate {
            step: r.step,
            start: event_date,
            due: cal.add_working_days(event_date, r.working_days),
            working_days: r.working_days,
            rule_version: set.version.clone(),
        })
        .collect()
}

/// Working days left until `due`: positive = days left, 0 = due today,
/// negative = late by that many working days. On a day off after a due date
/// that fell on the last working day, this is still 0; use `today > due` for
/// an "overdue" flag.
pub fn remaining(cal: &Calendar, today: NaiveDate, due: NaiveDate) -> i64 {
    cal.working_days_between(today, due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarSettings, WorkWeek, holidays_2026};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::new(CalendarSettings::default(), &holidays_2026())
    }

    fn set() -> RuleSet {
        default_rule_sets().remove(0)
    }

    fn due_of(v: &[DueDate], step: DeadlineStep) -> NaiveDate {
        v.iter().find(|x| x.step == step).unwrap().due
    }

    #[test]
    fn step_codes_round_trip_and_match_serde() {
        for s in DeadlineStep::ALL {
            assert_eq!(DeadlineStep::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        assert_eq!(DeadlineStep::from_code("x"), None);
        assert_eq!(
            serde_json::to_value(StartEvent::TindakLanjutDiberikan).unwrap(),
            "tindak_lanjut_diberikan"
        );
    }

    #[test]
    fn bundled_rules_parse_and_match_the_table() {
        let sets = default_rule_sets();
        assert_eq!(sets.len(), 1);
        let s = &sets[0];
        assert_eq!(s.version, "permenpanrb-62-2018");
        assert_eq!(s.valid_from, d(2018, 1, 1));
        assert!(s.title.contains("62 Tahun 2018"));
        let limit = |step, kind| {
            let r: Vec<&DeadlineRule> = s
                .rules
                .iter()
                .filter(|r| r.step == step && r.applies_to(kind))
                .collect();
            assert_eq!(r.len(), 1);
            (r[0].working_days, r[0].start_event)
        };
        for k in Kind::ALL {
            assert_eq!(
                limit(DeadlineStep::Verifikasi, k),
                (3, StartEvent::Diterima)
            );
            assert_eq!(
                limit(DeadlineStep::TindakLanjutPertama, k),
                (5, StartEvent::Didisposisikan)
            );
            assert_eq!(
                limit(DeadlineStep::TutupOtomatis, k),
                (10, StartEvent::TindakLanjutDiberikan)
            );
        }
        let finish = |k| limit(DeadlineStep::Penyelesaian, k);
        assert_eq!(finish(Kind::Aspirasi), (5, StartEvent::Diterima));
        assert_eq!(finish(Kind::PermintaanInformasi), (5, StartEvent::Diterima));
        assert_eq!(
            finish(Kind::PengaduanTidakBerkadarPengawasan),
            (14, StartEvent::Diterima)
        );
        assert_eq!(
            finish(Kind::PengaduanBerkadarPengawasan),
            (60, StartEvent::Diterima)
        );
        assert!(
            s.rules
                .iter()
                .all(|r| r.legal_basis.contains("PermenPANRB No. 62 Tahun 2018"))
        );
    }

    #[test]
    fn pengaduan_received_on_cuti_bersama_before_idul_fitri() {
        // Wed 18 Mar 2026 is cuti bersama (Nyepi). The days after: 19 Nyepi,
        // 20 cuti, 21–22 weekend (Idul Fitri), 23–24 cuti, so counting starts
        // on Wed 25 Mar. 3 Apr (Wafat Yesus Kristus) is skipped too.
        let c = cal();
        let s = set();
        let start = d(2026, 3, 18);

        let v = compute_due(
            &c,
            &s,
            Kind::PengaduanTidakBerkadarPengawasan,
            StartEvent::Diterima,
            start,
        );
        assert_eq!(v.len(), 2);
        assert_eq!(due_of(&v, DeadlineStep::Verifikasi), d(2026, 3, 27));
        assert_eq!(due_of(&v, DeadlineStep::Penyelesaian), d(2026, 4, 14));
        assert!(
            v.iter()
                .all(|x| x.start == start && x.rule_version == "permenpanrb-62-2018")
        );
        let fin = v
            .iter()
            .find(|x| x.step == DeadlineStep::Penyelesaian)
            .unwrap();
        assert_eq!(fin.working_days, 14);

        // 60 working days: past Kenaikan (14–15 May), Idul Adha (27–28 May),
        // Pancasila (1 Jun) and Tahun Baru Islam (16 Jun).
        let v = compute_due(
            &c,
            &s,
            Kind::PengaduanBerkadarPengawasan,
            StartEvent::Diterima,
            start,
        );
        assert_eq!(due_of(&v, DeadlineStep::Penyelesaian), d(2026, 6, 26));

        let v = compute_due(&c, &s, Kind::Aspirasi, StartEvent::Diterima, start);
        assert_eq!(due_of(&v, DeadlineStep::Penyelesaian), d(2026, 3, 31));
    }

    #[test]
    fn cuti_bersama_as_working_days() {
        // Same complaint when cuti bersama does not stop the clock: 19 Nyepi
        // is still off, so the days are Fri 20, Mon 23, Tue 24.
        let c = Calendar::new(
            CalendarSettings {
                work_week: WorkWeek::FiveDay,
                cuti_bersama_stops_clock: false,
            },
            &holidays_2026(),
        );
        let v = compute_due(
            &c,
            &set(),
            Kind::PermintaanInformasi,
            StartEvent::Diterima,
            d(2026, 3, 18),
        );
        assert_eq!(due_of(&v, DeadlineStep::Verifikasi), d(2026, 3, 24));
        // 20, 23, 24, 25, 26.
        assert_eq!(due_of(&v, DeadlineStep::Penyelesaian), d(2026, 3, 26));
    }

    #[test]
    fn six_day_week_across_idul_fitri() {
        // Saturday 21 Mar is Idul Fitri, Saturday 28 Mar is a working day.
        let c = Calendar::new(
            CalendarSettings {
                work_week: WorkWeek::SixDay,
                cuti_bersama_stops_clock: true,
            },
            &holidays_2026(),
        );
        let v = compute_due(
            &c,
            &set(),
            Kind::Aspirasi,
            StartEvent::Diterima,
            d(2026, 3, 17),
        );
        assert_eq!(due_of(&v, DeadlineStep::Verifikasi), d(2026, 3, 27));
        assert_eq!(due_of(&v, DeadlineStep::Penyelesaian), d(2026, 3, 30));
    }

    #[test]
    fn other_start_events() {
        let c = cal();
        let s = set();
        // Routed Fri 13 Mar: 16, 17, then 25, 26, 27.
        let v = compute_due(
            &c,
            &s,
            Kind::PengaduanBerkadarPengawasan,
            StartEvent::Didisposisikan,
            d(2026, 3, 13),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].step, DeadlineStep::TindakLanjutPertama);
        assert_eq!(v[0].due, d(2026, 3, 27));
        // Follow-up Tue 12 May: 13, 18–22, 25, 26, 29, 2 Jun (14, 15, 27, 28
        // May and 1 Jun are off).
        let v = compute_due(
            &c,
            &s,
            Kind::Aspirasi,
            StartEvent::TindakLanjutDiberikan,
            d(2026, 5, 12),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].step, DeadlineStep::TutupOtomatis);
        assert_eq!(v[0].due, d(2026, 6, 2));
    }

    #[test]
    fn remaining_counts_working_days() {
        let c = cal();
        let due = d(2026, 3, 27);
        assert_eq!(remaining(&c, d(2026, 3, 17), due), 3);
        assert_eq!(remaining(&c, d(2026, 3, 26), due), 1);
        assert_eq!(remaining(&c, due, due), 0);
        assert_eq!(remaining(&c, d(2026, 3, 28), due), 0); // Saturday after
        assert_eq!(remaining(&c, d(2026, 3, 30), due), -1);
        assert_eq!(remaining(&c, d(2026, 4, 6), due), -5); // 30, 31, 1, 2, 6
    }

    #[test]
    fn rule_set_selection_by_date() {
        let mut sets = default_rule_sets();
        let mut newer = sets[0].clone();
        newer.version = "permenpanrb-5-2025".into();
        newer.valid_from = d(2025, 6, 1);
        sets.push(newer);
        assert_eq!(rule_set_for(&sets, d(2017, 12, 31)), None);
        assert_eq!(
            rule_set_for(&sets, d(2018, 1, 1)).unwrap().version,
            "permenpanrb-62-2018"
        );
        assert_eq!(
            rule_set_for(&sets, d(2025, 5, 31)).unwrap().version,
            "permenpanrb-62-2018"
        );
        assert_eq!(
            rule_set_for(&sets, d(2025, 6, 1)).unwrap().version,
            "permenpanrb-5-2025"
        );
        assert_eq!(
            rule_set_for(&sets, d(2030, 1, 1)).unwrap().version,
            "permenpanrb-5-2025"
        );
        // Order in the list does not matter.
        sets.reverse();
        assert_eq!(
            rule_set_for(&sets, d(2026, 1, 1)).unwrap().version,
            "permenpanrb-5-2025"
        );
        assert_eq!(rule_set_for(&[], d(2026, 1, 1)), None);
    }

    const FINISH_ALL: &str = r#"
[[rule_set.rule]]
step = "penyelesaian"
working_days = 5
start_event = "diterima"
"#;

    fn one_set(head: &str, extra_rules: &str) -> String {
        format!("[[rule_set]]\n{head}\n{FINISH_ALL}\n{extra_rules}")
    }

    #[test]
    fn validation_errors() {
        let ok_head = "version = \"v1\"\nvalid_from = \"2026-01-01\"\ntitle = \"t\"";
        // A minimal valid file, with a bare TOML date.
        let sets =
            parse_rule_sets(&one_set("version = \"v1\"\nvalid_from = 2026-01-01", "")).unwrap();
        assert_eq!(sets[0].valid_from, d(2026, 1, 1));
        assert_eq!(sets[0].rules[0].kinds, vec![]);

        assert_eq!(parse_rule_sets(""), Err(RuleSetError::NoRuleSets));
        assert!(matches!(
            parse_rule_sets("[[rule_set]"),
            Err(RuleSetError::Toml(_))
        ));
        assert!(matches!(
            parse_rule_sets(&one_set(
                ok_head,
                "[[rule_set.rule]]\nstep = \"lainnya\"\nworking_days = 1\nstart_event = \"diterima\""
            )),
            Err(RuleSetError::Toml(_))
        ));
        assert_eq!(
            parse_rule_sets(&one_set("version = \" \"\nvalid_from = \"2026-01-01\"", "")),
            Err(RuleSetError::EmptyVersion)
        );
        assert!(matches!(
            parse_rule_sets(&one_set("version = \"v1\"\nvalid_from = \"1/1/2026\"", "")),
            Err(RuleSetError::BadValidFrom { .. })
        ));
        let twice = format!("{}\n{}", one_set(ok_head, ""), one_set(ok_head, ""));
        assert_eq!(
            parse_rule_sets(&twice),
            Err(RuleSetError::DuplicateVersion {
                version: "v1".into()
            })
        );
        assert_eq!(
            parse_rule_sets("[[rule_set]]\nversion = \"v1\"\nvalid_from = \"2026-01-01\""),
            Err(RuleSetError::NoRules {
                version: "v1".into()
            })
        );
        for bad in [0, -1, 366] {
            let text = one_set(
                ok_head,
                &format!(
                    "[[rule_set.rule]]\nstep = \"verifikasi\"\nworking_days = {bad}\nstart_event = \"diterima\""
                ),
            );
            assert_eq!(
                parse_rule_sets(&text),
                Err(RuleSetError::WorkingDaysOutOfRange {
                    version: "v1".into(),
                    step: DeadlineStep::Verifikasi,
                    working_days: bad
                })
            );
        }
        let overlap = one_set(
            ok_head,
            "[[rule_set.rule]]\nstep = \"penyelesaian\"\nkinds = [\"aspirasi\"]\nworking_days = 3\nstart_event = \"diterima\"",
        );
        assert_eq!(
            parse_rule_sets(&overlap),
            Err(RuleSetError::Overlap {
                version: "v1".into(),
                step: DeadlineStep::Penyelesaian,
                kind: Kind::Aspirasi
            })
        );
        let missing = "[[rule_set]]\nversion = \"v1\"\nvalid_from = \"2026-01-01\"\n\
            [[rule_set.rule]]\nstep = \"penyelesaian\"\nkinds = [\"aspirasi\", \"permintaan_informasi\", \"pengaduan_berkadar_pengawasan\"]\nworking_days = 5\nstart_event = \"diterima\"";
        assert_eq!(
            parse_rule_sets(missing),
            Err(RuleSetError::MissingPenyelesaian {
                version: "v1".into(),
                kind: Kind::PengaduanTidakBerkadarPengawasan
            })
        );
        // Same step for different kinds is fine; same step for one kind
        // listed twice in one rule is not an overlap.
        let split = "[[rule_set]]\nversion = \"v1\"\nvalid_from = \"2026-01-01\"\n\
            [[rule_set.rule]]\nstep = \"penyelesaian\"\nkinds = [\"aspirasi\", \"aspirasi\", \"permintaan_informasi\"]\nworking_days = 5\nstart_event = \"diterima\"\n\
            [[rule_set.rule]]\nstep = \"penyelesaian\"\nkinds = [\"pengaduan_tidak_berkadar_pengawasan\", \"pengaduan_berkadar_pengawasan\"]\nworking_days = 14\nstart_event = \"diterima\"";
        let sets = parse_rule_sets(split).unwrap();
        assert_eq!(
            sets[0].rules[0].kinds,
            vec![Kind::Aspirasi, Kind::PermintaanInformasi]
        );
    }

    #[test]
    fn due_date_serializes_flat() {
        let v = compute_due(
            &cal(),
            &set(),
            Kind::Aspirasi,
            StartEvent::Diterima,
            d(2026, 3, 17),
        );
        let json = serde_json::to_value(&v[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "step": "verifikasi",
                "start": "2026-03-17",
                "due": "2026-03-27",
                "working_days": 3,
                "rule_version": "permenpanrb-62-2018"
            })
        );
    }

    proptest! {
        #[test]
        fn rule_parser_never_panics(text in "\\PC*") {
            let _ = parse_rule_sets(&text);
        }

        #[test]
        fn every_kind_gets_exactly_one_finish_deadline_on_receipt(
            off in 0u64..1000, k in 0usize..4
        ) {
            let start = d(2025, 6, 1) + chrono::Days::new(off);
            let c = cal();
            let v = compute_due(&c, &set(), Kind::ALL[k], StartEvent::Diterima, start);
            prop_assert_eq!(v.iter().filter(|x| x.step == DeadlineStep::Penyelesaian).count(), 1);
            for x in &v {
                prop_assert_eq!(remaining(&c, start, x.due), i64::from(x.working_days));
            }
        }
    }
}
