//! PDF reports: the period monev report, the visit report (berita acara)
//! and the complaint sheet (lembar pengaduan), and their verification.
//!
//! The period report's numbers come from [`Posko::monev_indicators`]'s own
//! computation (`monev_compute`), the same one the dashboard shows; its
//! examples and appendix list complaints through the same cell predicates.
//! The data is turned into `posko_report`'s plain structs (labels in
//! Indonesian, identities never included), hashed, numbered and rendered.
//! Verifying a file reads its stamp (kind, number, hash, parameters), makes
//! the data again from the store with the same parameters and compares the
//! hashes: a printed report can be checked against the data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{NaiveDate, Timelike};
use posko_domain::deadline::DeadlineStep;
use posko_domain::instrument::{Answer, AnswerType, answer_fraction};
use posko_domain::monev::{Cell, ComplaintFact};
use posko_domain::role::{Permission, Role};
use posko_domain::{Channel, Kind, Status};
use posko_report::{self as report, Stamp};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::app::{Posko, now_text, require};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::error::{CoreError, CoreResult};
use crate::i18n::{Lang, t};
use crate::model::Actor;
use crate::monev::{MonevIndicators, MonevQuery, default_sections};
use crate::visits::{VisitState, VisitView};

/// Parse the report fonts now (once per process), e.g. before timing a report.
pub fn warm_up() {
    report::warm_up();
}

/// Rows listed at most in the appendix of late complaints.
pub const APPENDIX_MAX: usize = 1000;
/// Case examples in BAB III.
pub const CASES_MAX: usize = 5;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MonevReportInput {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Unit codes; empty = every unit of the store.
    #[serde(default)]
    pub units: Vec<String>,
    /// The date printed and signed; defaults to today (office time).
    #[serde(default)]
    #[ts(optional)]
    pub doc_date: Option<NaiveDate>,
    /// Place of signing ("Majene"); defaults to the last part of the office address.
    #[serde(default)]
    #[ts(optional)]
    pub place: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitReportInput {
    pub id: i64,
    /// Defaults to the visit's date.
    #[serde(default)]
    #[ts(optional)]
    pub doc_date: Option<NaiveDate>,
    #[serde(default)]
    #[ts(optional)]
    pub place: Option<String>,
}

/// The complaint sheet (lembar pengaduan) of one complaint.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ComplaintSheetInput {
    pub id: i64,
    /// The date printed and signed; defaults to today (office time).
    #[serde(default)]
    #[ts(optional)]
    pub doc_date: Option<NaiveDate>,
    /// Place of signing; defaults to the last part of the office address.
    #[serde(default)]
    #[ts(optional)]
    pub place: Option<String>,
}

/// A made report, without its bytes.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReportFile {
    pub kind: String,
    pub doc_no: String,
    /// SHA-256 of the data the report was made from.
    pub sha256: String,
    /// A suggested file name ("Monev-PKM-SENDANA-20260301-20260331.pdf").
    pub file_name: String,
    pub pages: u32,
    pub size: u64,
    /// Things to tell the user (a logo left out, characters replaced...).
    pub warnings: Vec<String>,
}

/// A report made for the app: kept in the reports folder (`path`), with its
/// bytes for the preview.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReportPdf {
    pub file: ReportFile,
    pub pdf_base64: String,
    /// Where it is kept: `<store dir>/reports/<file_name>`.
    pub path: String,
}

/// A report the app made and kept in its reports folder, named as
/// [`ReportPdf`] gave it. The document number makes sure the file is the one
/// that was previewed (a report made again from changed data gets another).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReportRef {
    pub file_name: String,
    pub doc_no: String,
}

/// The folder beside the store where the app keeps the PDFs it made.
pub const REPORTS_DIR: &str = "reports";
/// File names of complaint sheets in the reports folder start with this.
pub const COMPLAINT_SHEET_PREFIX: &str = "Lembar-pengaduan-";

/// Complaint sheets are kept only while the app runs: one made by a role that
/// sees identities holds the reporter's NIK and phone in a plain PDF, which
/// the external viewer needs to print but which must not stay beside the
/// encrypted store. The app removes the earlier ones when it starts
/// (`Posko::purge_complaint_sheets`; they are made again on demand); a file
/// that cannot be removed is left and tried again at the next start.
fn purge_sheets_in(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(COMPLAINT_SHEET_PREFIX))
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VerifyReportInput {
    /// The PDF (or a text holding the QR code's content), base64.
    pub pdf_base64: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReportVerification {
    pub kind: String,
    pub doc_no: String,
    /// The hash printed in the report.
    pub claimed_sha256: String,
    /// The hash of the data as it is in this store now.
    pub actual_sha256: String,
    pub matches: bool,
    /// The parameters the report was made with (JSON).
    pub params: String,
}

/// Register number, title and reporter name (only to mask it) of a complaint.
type ComplaintLine = (String, String, Option<String>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MonevParams {
    from: NaiveDate,
    to: NaiveDate,
    units: Vec<String>,
    doc_date: NaiveDate,
    place: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct VisitParams {
    visit_uid: String,
    doc_date: NaiveDate,
    place: String,
}

/// What a complaint sheet was made from: the complaint, whether the identity
/// was printed in full (the maker's permission), date and place of signing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ComplaintParams {
    complaint_uid: String,
    identity: bool,
    doc_date: NaiveDate,
    place: String,
}

/// Timeline event kinds as the sheet names them (unknown ones as written).
fn event_label(kind: &str) -> String {
    match kind {
        "created" => "Laporan dicatat",
        "transition" => "Status diubah",
        "attachment_added" => "Lampiran ditambahkan",
        "follow_up_drafted" => "Tindak lanjut disusun",
        "follow_up_approved" => "Tindak lanjut disetujui",
        "follow_up_returned" => "Tindak lanjut dikembalikan",
        "identity_erased" => "Identitas pelapor dihapus",
        "identity_revealed" => "Identitas pelapor dibuka",
        "lapor_conflict" => "Perbedaan status dengan LAPOR!",
        "lapor_conflict_resolved" => "Perbedaan dengan LAPOR! diputuskan",
        "lapor_follow_up" => "Tindak lanjut dari LAPOR!",
        "lapor_manual" => "Dicatat terkirim manual ke LAPOR!",
        "lapor_reporter_reply" => "Pelapor membalas di LAPOR!",
        "lapor_sent" => "Terkirim ke SP4N-LAPOR!",
        "lapor_status" => "Status LAPOR! berubah",
        other => other,
    }
    .to_owned()
}

fn kind_label(k: Kind) -> String {
    t(Lang::Id, &format!("kind.{}", k.code()))
}
fn channel_label(c: Channel) -> String {
    t(Lang::Id, &format!("channel.{}", c.code()))
}
fn status_label(s: Status) -> String {
    t(Lang::Id, &format!("status.{}", s.code()))
}
fn step_label(s: DeadlineStep) -> String {
    t(Lang::Id, &format!("deadline_step.{}", s.code()))
}
fn role_label(r: Role) -> &'static str {
    match r {
        Role::Petugas => "Petugas",
        Role::Kepala => "Kepala",
        Role::Admin => "Admin",
        Role::Pemantau => "Pemantau",
    }
}

/// Free text about a complaint made safe for a report: long digit runs
/// (NIK, phone numbers), e-mail addresses and the reporter's name are masked.
pub fn scrub(text: &str, reporter: Option<&str>) -> String {
    let name_words: Vec<String> = reporter
        .unwrap_or("")
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.to_lowercase())
        .collect();
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let core: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
        let digits = word.chars().filter(char::is_ascii_digit).count();
        let masked = if word.contains('@')
            || digits >= 6
            || name_words.iter().any(|n| *n == core.to_lowercase())
        {
            "***".to_owned()
        } else {
            word.to_owned()
        };
        out.push(masked);
    }
    out.join(" ")
}

fn stat(label: String, c: &posko_domain::monev::Count) -> report::StatRow {
    report::StatRow {
        label,
        value: c.value,
        pct: c.pct,
    }
}

fn fill(body: &str, unit: &str, period: &str, year: i32, office: &str) -> String {
    body.replace("{unit}", unit)
        .replace("{periode}", period)
        .replace("{tahun}", &year.to_string())
        .replace("{instansi}", office)
}

fn zone_range(min: f64, max: f64) -> String {
    format!("{}–{}", report::fmt::dec(min), report::fmt::dec(max))
}

impl Posko {
    fn default_place(&self) -> String {
        let office = self.cache.office.as_ref();
        office
            .and_then(|o| {
                o.address
                    .rsplit(',')
                    .map(str::trim)
                    .find(|p| !p.is_empty() && !p.chars().all(|c| c.is_ascii_digit() || c == ' '))
                    .map(str::to_owned)
            })
            .or_else(|| office.map(|o| o.unit_name.clone()))
            .unwrap_or_default()
    }

    fn letterhead(&self) -> CoreResult<report::Letterhead> {
        let office = self.office()?;
        let kop: Vec<String> = self
            .template_body("kop_surat")?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let logo = office.logo_base64.as_deref().and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        });
        Ok(report::Letterhead {
            lines: kop,
            name: office.unit_name.clone(),
            address: office.address.clone(),
            logo_sha256: logo.as_ref().map(|l| hex::encode(Sha256::digest(l))),
            logo,
        })
    }

    fn template_body(&self, key: &str) -> CoreResult<String> {
        let stored: Option<String> = self
            .db
            .conn
            .query_row(
                "SELECT body FROM report_templates WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?;
        Ok(stored.unwrap_or_else(|| {
            default_sections()
                .into_iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, _, b)| b)
                .unwrap_or_default()
        }))
    }

    fn signer(&self, place: &str, date: NaiveDate) -> CoreResult<report::Signer> {
        let o = self.office()?;
        Ok(report::Signer {
            place: place.to_owned(),
            date,
            role: if o.head_title.trim().is_empty() {
                format!("Kepala {}", o.unit_name)
            } else {
                o.head_title.clone()
            },
            name: o.head_name.clone(),
            nip: o.head_nip.clone(),
        })
    }

    /// Complaints for examples: register number, title, reporter name (to mask).
    fn complaint_lines(&self, ids: &[i64]) -> CoreResult<BTreeMap<i64, ComplaintLine>> {
        let mut out = BTreeMap::new();
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT register_no, title, reporter_name FROM complaints WHERE id = ?1",
        )?;
        for id in ids {
            if let Some(row) = stmt
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?
            {
                out.insert(*id, row);
            }
        }
        Ok(out)
    }

    /// Each complaint listed with its number of working days (to closing,
    /// or late).
    fn case_rows(
        &self,
        facts: &[(&ComplaintFact, Option<i64>)],
        topics: &BTreeMap<i64, String>,
    ) -> CoreResult<Vec<report::CaseRow>> {
        let ids: Vec<i64> = facts.iter().map(|(f, _)| f.id).collect();
        let lines = self.complaint_lines(&ids)?;
        Ok(facts
            .iter()
            .filter_map(|&(f, days)| {
                let (register_no, title, reporter) = lines.get(&f.id)?;
                Some(report::CaseRow {
                    register_no: register_no.clone(),
                    date: f.received_date,
                    kind: kind_label(f.kind),
                    topic: f
                        .topic_id
                        .and_then(|t| topics.get(&t).cloned())
                        .unwrap_or_default(),
                    summary: scrub(title, reporter.as_deref()),
                    status: status_label(f.status),
                    days,
                    anonymous: f.is_anonymous,
                })
            })
            .collect())
    }

    /// The data of the period report for these parameters (no permission check).
    fn monev_body(&self, p: &MonevParams) -> CoreResult<report::MonevBody> {
        let q = MonevQuery {
            from: p.from,
            to: p.to,
            units: p.units.clone(),
        };
        let (ind, lists) = self.monev_report_data(&q)?;
        let c = &ind.complaints;
        let cal = &self.cache.calendar;
        let topics: BTreeMap<i64, String> =
            ind.topics.iter().map(|t| (t.id, t.label.clone())).collect();
        let units_label = match ind.units.as_slice() {
            [one] => one.name.clone(),
            many if many.len() <= 3 => many
                .iter()
                .map(|u| u.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            many => format!("{} unit", many.len()),
        };
        let office = self.office()?.unit_name.clone();
        let period = report::fmt::period(p.from, p.to);
        let year = chrono::Datelike::year(&p.to);
        let mut sections = Vec::new();
        for (key, title, _) in default_sections() {
            if key == "kop_surat" {
                continue;
            }
            let body = self.template_body(&key)?;
            sections.push(report::Section {
                body: fill(&body, &units_label, &period, year, &office),
                key,
                title,
            });
        }
        // Statuses that occur, in workflow order (the unit × status table stays readable).
        let shown: Vec<Status> = Status::ALL
            .into_iter()
            .filter(|s| {
                c.by_status
                    .iter()
                    .any(|x| x.cell == Cell::Status(*s) && x.value > 0)
            })
            .collect();
        let shown = if shown.is_empty() {
            vec![Status::Received]
        } else {
            shown
        };
        let unit_name = |code: &str| {
            ind.units
                .iter()
                .find(|u| u.code == code)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| code.to_owned())
        };
        let unit_status = c
            .by_unit_status
            .iter()
            .map(|u| {
                let counts: Vec<u64> = shown
                    .iter()
                    .map(|s| {
                        u.counts
                            .iter()
                            .find(|x| matches!(&x.cell, Cell::UnitStatus(_, st) if st == s))
                            .map(|x| x.value)
                            .unwrap_or(0)
                    })
                    .collect();
                report::UnitStatusRow {
                    unit: unit_name(&u.unit_code),
                    total: u.counts.iter().map(|x| x.value).sum(),
                    counts,
                }
            })
            .collect();
        // Examples: the latest finished complaints that are not rahasia.
        let finished: Vec<(&ComplaintFact, Option<i64>)> = lists
            .cases
            .iter()
            .map(|f| {
                let days = f
                    .closed_on
                    .map(|d| cal.working_days_between(f.received_date, d).max(0));
                (f, days)
            })
            .collect();
        let cases = self.case_rows(&finished, &topics)?;
        // Appendix: late at any step, most late first; rahasia only counted.
        let overdue_total = lists.overdue_total;
        let late: Vec<(&ComplaintFact, Option<i64>)> =
            lists.late.iter().map(|(f, l)| (f, Some(*l))).collect();
        let overdue = self.case_rows(&late, &topics)?;
        let rankings = ind
            .rankings
            .iter()
            .map(|r| report::RankingBlock {
                instrument: r.instrument_title.clone(),
                zones: r
                    .zones
                    .iter()
                    .map(|z| report::ZoneRow {
                        min: z.min,
                        label: z.label.clone(),
                        range: zone_range(z.min, z.max),
                        category: z.category.clone(),
                        color: z.color.clone(),
                    })
                    .collect(),
                rows: r
                    .units
                    .iter()
                    .map(|u| report::RankRow {
                        rank: u.rank,
                        unit: u.unit_name.clone(),
                        date: u.visit_date,
                        score: u.total,
                        zone: u.zone_label.clone(),
                        category: u.category.clone(),
                        color: u.color.clone(),
                    })
                    .collect(),
            })
            .collect();
        let governance = ind
            .governance
            .iter()
            .map(|g| report::GovRow {
                unit: g.unit.name.clone(),
                decree: g
                    .decree
                    .as_ref()
                    .map(|d| format!("{}, {}", d.number, report::fmt::date(d.date))),
                items: g.action_plan.len() as u32,
                progress: g.action_progress,
                done: g.action_done,
                overdue: g.action_overdue,
            })
            .collect();
        let action_plan = ind
            .governance
            .iter()
            .flat_map(|g| {
                g.action_plan.iter().map(|a| report::ActionRow {
                    unit: g.unit.name.clone(),
                    action: a.action.clone(),
                    owner: a.owner.clone(),
                    due: a.due_date,
                    progress: a.progress,
                })
            })
            .collect();
        let visits = self.finished_visits(p.from, p.to, &ind.query.units)?;
        let analysis = analysis(&ind);
        let o = self.office()?;
        let mut method_notes = vec![
            format!(
                "Status dan kepatuhan batas waktu dihitung per {} dari riwayat (timeline) setiap laporan.",
                report::fmt::date(p.to)
            ),
            format!(
                "Aturan batas waktu yang dipakai: {}.",
                if ind.rule_versions.is_empty() {
                    "–".to_owned()
                } else {
                    ind.rule_versions.join(", ")
                }
            ),
            format!(
                "Hari kerja: {}; hari libur nasional{} tidak dihitung; zona waktu kantor {}.",
                match o.work_week {
                    posko_domain::calendar::WorkWeek::FiveDay => "Senin–Jumat",
                    posko_domain::calendar::WorkWeek::SixDay => "Senin–Sabtu",
                },
                if o.cuti_bersama_stops_clock { " dan cuti bersama" } else { "" },
                o.zone.code()
            ),
            "Median dan persentil 90 memakai interpolasi linear (seperti PERCENTILE.INC).".into(),
            "Laporan rahasia ikut dihitung tetapi tidak pernah ditampilkan; identitas pelapor tidak dicantumkan.".into(),
        ];
        if overdue_total as usize > APPENDIX_MAX {
            method_notes.push(format!(
                "Lampiran 1 memuat {APPENDIX_MAX} laporan yang paling lama terlambat."
            ));
        }
        Ok(report::MonevBody {
            title: "Laporan Monitoring dan Evaluasi Pengelolaan Pengaduan".into(),
            letterhead: self.letterhead()?,
            units_label,
            from: p.from,
            to: p.to,
            sections,
            summary: vec![
                stat("Laporan diterima".into(), &c.received),
                stat("Terverifikasi".into(), &c.verified),
                stat("Didisposisikan".into(), &c.routed),
                stat("Sudah ditindaklanjuti".into(), &c.followed_up),
                stat("Selesai".into(), &c.finished),
                stat("Dalam proses".into(), &c.in_process),
                stat("Diarsipkan".into(), &c.archived),
                stat("Dibuka kembali".into(), &c.reopened),
            ],
            by_kind: c
                .by_kind
                .iter()
                .map(|x| match &x.cell {
                    Cell::Kind(k) => stat(kind_label(*k), x),
                    _ => stat(String::new(), x),
                })
                .collect(),
            by_channel: c
                .by_channel
                .iter()
                .map(|x| match &x.cell {
                    Cell::Channel(ch) => stat(channel_label(*ch), x),
                    _ => stat(String::new(), x),
                })
                .collect(),
            by_topic: c
                .by_topic
                .iter()
                .map(|x| match &x.cell {
                    Cell::Topic(Some(id)) => stat(
                        topics
                            .get(id)
                            .cloned()
                            .unwrap_or_else(|| format!("Topik {id}")),
                        x,
                    ),
                    _ => stat("Tanpa topik".into(), x),
                })
                .collect(),
            by_month: c
                .by_month
                .iter()
                .map(|x| match &x.cell {
                    Cell::Month(m) => stat(m.clone(), x),
                    _ => stat(String::new(), x),
                })
                .collect(),
            statuses: shown.iter().map(|s| status_label(*s)).collect(),
            unit_status,
            deadlines: c
                .deadlines
                .iter()
                .map(|d| report::DeadlineRow {
                    step: step_label(d.step),
                    on_time: d.on_time.value,
                    late: d.late.value,
                    pending: d.pending.value,
                    on_time_pct: d.on_time_pct,
                })
                .collect(),
            durations: vec![
                report::DurationRow {
                    label: "Sampai tindak lanjut pertama".into(),
                    count: c.days_to_first_follow_up.count,
                    median: c.days_to_first_follow_up.median,
                    p90: c.days_to_first_follow_up.p90,
                    max: c.days_to_first_follow_up.max,
                },
                report::DurationRow {
                    label: "Sampai ditutup".into(),
                    count: c.days_to_close.count,
                    median: c.days_to_close.median,
                    p90: c.days_to_close.p90,
                    max: c.days_to_close.max,
                },
            ],
            privacy: vec![
                stat("Pelapor anonim".into(), &c.anonymous),
                stat("Laporan rahasia".into(), &c.secret),
            ],
            cases,
            rankings,
            governance,
            staff: ind
                .staff
                .by_role
                .iter()
                .map(|r| report::StaffRow {
                    role: role_label(r.role).into(),
                    accounts: r.accounts,
                    active: r.active,
                })
                .collect(),
            staff_window: report::fmt::period(ind.staff.window_from, ind.staff.window_to),
            analysis,
            action_plan,
            overdue,
            overdue_total,
            visits,
            method_notes,
            signer: self.signer(&p.place, p.doc_date)?,
        })
    }

    fn finished_visits(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        units: &[String],
    ) -> CoreResult<Vec<report::VisitListRow>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT v.id, u.code FROM monev_visits v JOIN units u ON u.id = v.unit_id
             WHERE v.state = 'final' AND v.visit_date BETWEEN ?1 AND ?2 ORDER BY v.visit_date, v.id",
        )?;
        let ids: Vec<(i64, String)> = stmt
            .query_map(params![from.to_string(), to.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (id, code) in ids {
            if !units.is_empty() && !units.contains(&code) {
                continue;
            }
            let v = self.load_visit(id)?;
            out.push(report::VisitListRow {
                unit: v.unit.name.clone(),
                date: v.visit_date,
                instrument: format!("{} (versi {})", v.instrument.title, v.instrument.version),
                score: v.score.total,
                zone: v
                    .score
                    .zone
                    .as_ref()
                    .map(|z| z.label.clone())
                    .unwrap_or_default(),
                team: v
                    .team
                    .iter()
                    .map(|t| t.name.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        Ok(out)
    }

    fn monev_params(&self, input: &MonevReportInput) -> CoreResult<MonevParams> {
        let units = self.monev_units(&MonevQuery {
            from: input.from,
            to: input.to,
            units: input.units.clone(),
        })?;
        Ok(MonevParams {
            from: input.from,
            to: input.to,
            units: units.into_iter().map(|u| u.code).collect(),
            doc_date: input.doc_date.unwrap_or_else(|| self.today()),
            place: input
                .place
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| self.default_place()),
        })
    }

    fn seal_monev(&self, p: &MonevParams) -> CoreResult<report::MonevReport> {
        let body = self.monev_body(p)?;
        let params = serde_json::to_string(p).expect("params serialise");
        let unit = match p.units.as_slice() {
            [one] => one.clone(),
            _ => self.office()?.unit_code.clone(),
        };
        let key = format!("{}-{}", p.from.format("%Y%m%d"), p.to.format("%Y%m%d"));
        let stamp = report::seal("monev", "MONEV", &unit, &key, &body, &params);
        Ok(report::MonevReport { stamp, body })
    }

    /// The register of issued documents and the audit log's `print` row, in
    /// one transaction.
    fn issued(&self, actor: &Actor, stamp: &Stamp) -> CoreResult<()> {
        let tx = rusqlite::Transaction::new_unchecked(
            &self.db.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        // The register of issued documents is for the period and visit
        // reports (its kind CHECK); a complaint sheet is recorded by its
        // audit row alone (document number, parameters).
        if stamp.kind != "complaint" {
            tx.execute(
            "INSERT INTO issued_reports (doc_no, kind, params, data_sha256, first_issued_at, issued_by_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (doc_no) DO UPDATE SET times_issued = times_issued + 1",
            params![stamp.doc_no, stamp.kind, stamp.params, stamp.sha256, now_text(self.now()), actor.display_name],
        )?;
        }
        let params: serde_json::Value =
            serde_json::from_str(&stamp.params).unwrap_or(serde_json::Value::Null);
        audit::append(
            &tx,
            actor,
            self.now(),
            &AuditEvent::new(AuditAction::Print)
                .on("document", &stamp.doc_no)
                .detail(
                    serde_json::json!({ "kind": stamp.kind, "via": "issue", "params": params }),
                ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The period monev report as PDF bytes (for the CLI and the app).
    pub fn monev_report(
        &self,
        actor: &Actor,
        input: &MonevReportInput,
    ) -> CoreResult<(ReportFile, Vec<u8>)> {
        require(actor, Permission::RunReports)?;
        let p = self.monev_params(input)?;
        let r = self.seal_monev(&p)?;
        let out = report::render_monev(&r);
        self.issued(actor, &r.stamp)?;
        let unit = match p.units.as_slice() {
            [one] => one.clone(),
            _ => "SEMUA-UNIT".into(),
        };
        Ok((
            ReportFile {
                kind: "monev".into(),
                file_name: format!(
                    "Monev-{unit}-{}-{}.pdf",
                    p.from.format("%Y%m%d"),
                    p.to.format("%Y%m%d")
                ),
                doc_no: r.stamp.doc_no,
                sha256: r.stamp.sha256,
                pages: out.pages,
                size: out.bytes.len() as u64,
                warnings: out.warnings,
            },
            out.bytes,
        ))
    }

    /// The period monev report for the app: kept in the reports folder (to
    /// save a copy or open it for printing), bytes for the preview.
    pub fn monev_report_pdf(
        &self,
        actor: &Actor,
        input: &MonevReportInput,
    ) -> CoreResult<ReportPdf> {
        let (file, bytes) = self.monev_report(actor, input)?;
        self.keep_report(file, &bytes)
    }

    fn visit_body(&self, v: &VisitView, p: &VisitParams) -> CoreResult<report::VisitBody> {
        let given: BTreeMap<&str, &crate::visits::AnswerInput> =
            v.answers.iter().map(|a| (a.item_id.as_str(), a)).collect();
        let photos_per_item = |item: &str| {
            v.photos
                .iter()
                .filter(|p| p.item_id.as_deref() == Some(item))
                .count() as u32
        };
        let mut no = 0;
        let sections = v
            .instrument
            .sections
            .iter()
            .zip(&v.score.sections)
            .map(|(s, sc)| report::VisitSection {
                title: s.title.clone(),
                score: sc.score,
                items: s
                    .items
                    .iter()
                    .map(|it| {
                        no += 1;
                        let a = given.get(it.id.as_str());
                        let answer = a.and_then(|a| a.answer.as_ref());
                        let label = match answer {
                            None => "–".to_owned(),
                            Some(Answer::Yes) => "Ya".into(),
                            Some(Answer::No) => "Tidak".into(),
                            Some(Answer::Partial) => "Sebagian".into(),
                            Some(Answer::NotApplicable) => "Tidak berlaku".into(),
                            Some(Answer::Score(n)) => format!("Skor {n}"),
                            Some(Answer::Choice(c)) => it
                                .options
                                .iter()
                                .find(|o| o.value == *c)
                                .map(|o| o.label.clone())
                                .unwrap_or_else(|| c.clone()),
                            Some(Answer::Number(n)) => {
                                format!("{} {}", report::fmt::dec(*n), it.unit)
                                    .trim()
                                    .to_owned()
                            }
                            Some(Answer::Text(t)) => t.clone(),
                        };
                        let score = match answer {
                            Some(ans) if it.is_scored() && it.answer != AnswerType::Text => {
                                match (ans, answer_fraction(it, ans)) {
                                    (Answer::NotApplicable, _) => "–".to_owned(),
                                    (_, f) => format!(
                                        "{} / {}",
                                        report::fmt::dec(f.unwrap_or(0.0) * it.weight),
                                        report::fmt::dec(it.weight)
                                    ),
                                }
                            }
                            None if it.is_scored() => {
                                format!("0 / {}", report::fmt::dec(it.weight))
                            }
                            _ => String::new(),
                        };
                        report::VisitItemRow {
                            no: no.to_string(),
                            text: it.text.clone(),
                            answer: label,
                            score,
                            note: a.map(|a| a.note.clone()).unwrap_or_default(),
                            photos: photos_per_item(&it.id),
                        }
                    })
                    .collect(),
            })
            .collect();
        let zones: Vec<report::ZoneRow> = v
            .instrument
            .scoring
            .zones
            .iter()
            .map(|z| report::ZoneRow {
                min: z.min,
                label: z.label.clone(),
                range: zone_range(z.min, z.max),
                category: z.category.clone(),
                color: z.color.clone(),
            })
            .collect();
        let mut photo_bytes = Vec::new();
        let mut photos = Vec::new();
        for ph in &v.photos {
            let data: Option<Vec<u8>> = self
                .db
                .conn
                .query_row(
                    "SELECT data FROM monev_photos WHERE id = ?1",
                    [ph.id],
                    |r| r.get(0),
                )
                .optional()?;
            photo_bytes.push(data.filter(|_| ph.mime != "image/webp"));
            photos.push(report::PhotoRow {
                item: ph
                    .item_id
                    .as_deref()
                    .and_then(|i| v.instrument.item(i))
                    .map(|i| i.text.clone())
                    .unwrap_or_default(),
                caption: ph.caption.clone(),
                file: ph.file_name.clone(),
                sha256: ph.sha256.clone(),
            });
        }
        let zone = self.zone();
        let corrections = v
            .corrections
            .iter()
            .map(|c| {
                let local = zone.to_local(c.at);
                report::CorrectionRow {
                    at: format!(
                        "{} {:02}.{:02}",
                        report::fmt::date(local.date_naive()),
                        local.hour(),
                        local.minute()
                    ),
                    who: c.actor_name.clone(),
                    field: c.field.clone(),
                    old: c.old_value.clone(),
                    new: c.new_value.clone(),
                    reason: c.reason.clone(),
                }
            })
            .collect();
        let person = |s: &crate::visits::Signatory| report::Person {
            name: s.name.clone(),
            nip: s.nip.clone(),
            position: s.position.clone(),
        };
        Ok(report::VisitBody {
            title: "Berita Acara Kunjungan Monitoring dan Evaluasi".into(),
            letterhead: self.letterhead()?,
            unit_name: v.unit.name.clone(),
            unit_code: v.unit.code.clone(),
            visit_date: v.visit_date,
            place: v.place.clone(),
            instrument: format!("{} (versi {})", v.instrument.title, v.instrument.version),
            finished: v.state == VisitState::Final,
            team: v.team.iter().map(person).collect(),
            head: person(&v.head),
            sections,
            total: v.score.total,
            zone: v.score.zone.as_ref().map(|z| report::ZoneRow {
                min: z.min,
                label: z.label.clone(),
                range: zone_range(z.min, z.max),
                category: z.category.clone(),
                color: z.color.clone(),
            }),
            zones,
            findings: v.findings.clone(),
            recommendations: v.recommendations.clone(),
            plan: v
                .plan
                .iter()
                .map(|p| report::PlanRow {
                    action: p.action.clone(),
                    owner: p.owner.clone(),
                    due: p.due_date,
                })
                .collect(),
            photos,
            photo_bytes,
            corrections,
            sign_place: p.place.clone(),
            doc_date: p.doc_date,
        })
    }

    fn seal_visit(&self, v: &VisitView, p: &VisitParams) -> CoreResult<report::VisitReport> {
        let body = self.visit_body(v, p)?;
        let params = serde_json::to_string(p).expect("params serialise");
        let key = format!("{}-{}", v.visit_date.format("%Y%m%d"), v.id);
        let stamp = report::seal("visit", "BA-MONEV", &v.unit.code, &key, &body, &params);
        Ok(report::VisitReport { stamp, body })
    }

    /// The visit report (berita acara) as PDF bytes.
    pub fn visit_report(
        &self,
        actor: &Actor,
        input: &VisitReportInput,
    ) -> CoreResult<(ReportFile, Vec<u8>)> {
        require(actor, Permission::RunReports)?;
        let v = self.load_visit(input.id)?;
        let p = VisitParams {
            visit_uid: v.uid.clone(),
            doc_date: input.doc_date.unwrap_or(v.visit_date),
            place: input
                .place
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .or_else(|| (!v.place.is_empty()).then(|| v.place.clone()))
                .unwrap_or_else(|| self.default_place()),
        };
        let r = self.seal_visit(&v, &p)?;
        let out = report::render_visit(&r);
        self.issued(actor, &r.stamp)?;
        Ok((
            ReportFile {
                kind: "visit".into(),
                file_name: format!(
                    "BA-Monev-{}-{}.pdf",
                    v.unit.code,
                    v.visit_date.format("%Y%m%d")
                ),
                doc_no: r.stamp.doc_no,
                sha256: r.stamp.sha256,
                pages: out.pages,
                size: out.bytes.len() as u64,
                warnings: out.warnings,
            },
            out.bytes,
        ))
    }

    /// The visit report for the app, like [`Posko::monev_report_pdf`].
    pub fn visit_report_pdf(
        &self,
        actor: &Actor,
        input: &VisitReportInput,
    ) -> CoreResult<ReportPdf> {
        let (file, bytes) = self.visit_report(actor, input)?;
        self.keep_report(file, &bytes)
    }

    /// The data of a complaint sheet (no permission check beyond the
    /// detail's own: rahasia absent without `ViewSecret`, identities masked
    /// without `ViewIdentity`).
    fn complaint_body(
        &self,
        actor: &Actor,
        id: i64,
        p: &ComplaintParams,
    ) -> CoreResult<report::ComplaintSheetBody> {
        let d = self.complaint_detail(actor, id, p.identity)?;
        let o = self.office()?;
        let zone = self.zone();
        // Short, one line in a narrow cell: "02/03/2026 09.15".
        let local = |at: chrono::DateTime<chrono::Utc>| {
            zone.to_local(at).format("%d/%m/%Y %H.%M").to_string()
        };
        let mut reporter = Vec::new();
        let reporter_note = if d.is_anonymous {
            "Pelapor anonim: identitas tidak dicetak.".to_owned()
        } else {
            let r = &d.reporter;
            for (label, value) in [
                ("Nama", &r.name),
                ("NIK", &r.nik),
                ("Telepon", &r.phone),
                ("Email", &r.email),
                ("Alamat", &r.address),
            ] {
                if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                    reporter.push((label.to_owned(), v.to_owned()));
                }
            }
            if reporter.is_empty() {
                "Identitas pelapor tidak dicatat.".to_owned()
            } else if r.masked {
                "Identitas disamarkan: peran pembuat lembar ini tidak berhak melihat identitas pelapor.".to_owned()
            } else {
                "Data pribadi (UU 27/2022): simpan lembar ini dalam berkas tertutup.".to_owned()
            }
        };
        let calendar = self.calendar();
        let deadlines = d
            .deadlines
            .iter()
            .map(|dl| {
                let (state, late) = match dl.met_date {
                    Some(m) if m <= dl.due_date => {
                        (format!("terpenuhi {}", m.format("%d/%m/%Y")), false)
                    }
                    Some(m) => (
                        format!("terpenuhi {} (terlambat)", m.format("%d/%m/%Y")),
                        true,
                    ),
                    None if !d.status.is_open() => {
                        ("tidak berjalan (laporan ditutup)".to_owned(), false)
                    }
                    None => {
                        let left = calendar.working_days_between(p.doc_date, dl.due_date);
                        match left {
                            l if l < 0 => (format!("terlambat {} hari kerja", -l), true),
                            0 => ("jatuh tempo hari ini".to_owned(), false),
                            l => (format!("sisa {l} hari kerja"), false),
                        }
                    }
                };
                report::SheetDeadline {
                    step: step_label(dl.step),
                    start: dl.start_date,
                    due: dl.due_date,
                    state,
                    late,
                }
            })
            .collect();
        let events = d
            .events
            .iter()
            .map(|e| {
                let mut action = event_label(&e.kind);
                if let (Some(_), Some(to)) = (e.from_status, e.to_status) {
                    action = format!("Status: {}", status_label(to));
                }
                report::SheetEvent {
                    at: local(e.at),
                    actor: e.actor_name.clone(),
                    action,
                    note: e.note.clone().unwrap_or_default(),
                }
            })
            .collect();
        let follow_ups = d
            .follow_ups
            .iter()
            .map(|f| report::SheetFollowUp {
                content: f.content.clone(),
                state: match f.state {
                    crate::model::FollowUpState::Draft => "Draf",
                    crate::model::FollowUpState::Approved => "Disetujui",
                    crate::model::FollowUpState::Returned => "Dikembalikan",
                }
                .to_owned(),
                drafted: format!("{}, {}", f.drafted_by, local(f.drafted_at)),
                decided: match (&f.decided_by, f.decided_at) {
                    (Some(who), Some(at)) => {
                        let mut s = format!("{who}, {}", local(at));
                        if let Some(n) = f.decision_note.as_deref().filter(|n| !n.is_empty()) {
                            s.push_str(&format!(" — {n}"));
                        }
                        s
                    }
                    _ => String::new(),
                },
            })
            .collect();
        let incident = [
            d.incident_place.clone().unwrap_or_default(),
            d.incident_date.map(report::fmt::date).unwrap_or_default(),
        ]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        let lapor = [
            d.lapor_tracking_id
                .as_deref()
                .map(|t| format!("Tracking ID {t}"))
                .unwrap_or_default(),
            d.lapor_status_name.clone().unwrap_or_default(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
        let receiver = d
            .events
            .iter()
            .find(|e| e.kind == "created")
            .map(|e| e.actor_name.clone())
            .unwrap_or_default();
        Ok(report::ComplaintSheetBody {
            title: "Lembar Pengaduan".into(),
            letterhead: self.letterhead()?,
            unit_name: o.unit_name.clone(),
            register_no: d.register_no.clone(),
            received: {
                let l = zone.to_local(d.received_at);
                format!(
                    "{} {:02}.{:02} {}",
                    report::fmt::date(l.date_naive()),
                    l.hour(),
                    l.minute(),
                    zone.code()
                )
            },
            channel: channel_label(d.channel),
            kind: kind_label(d.kind),
            topic: d.topic.clone().unwrap_or_default(),
            status: status_label(d.status),
            secret: d.is_secret,
            incident,
            lapor,
            complaint_title: d.title.clone(),
            description: d.description.clone(),
            reporter,
            reporter_note,
            deadlines,
            events,
            follow_ups,
            receiver: report::Person {
                name: receiver,
                nip: String::new(),
                position: "Petugas penerima".into(),
            },
            head: report::Person {
                name: o.head_name.clone(),
                nip: o.head_nip.clone(),
                position: if o.head_title.trim().is_empty() {
                    format!("Kepala {}", o.unit_name)
                } else {
                    o.head_title.clone()
                },
            },
            sign_place: p.place.clone(),
            doc_date: p.doc_date,
        })
    }

    fn seal_complaint(
        &self,
        actor: &Actor,
        id: i64,
        p: &ComplaintParams,
    ) -> CoreResult<(report::ComplaintSheet, String)> {
        let body = self.complaint_body(actor, id, p)?;
        let params = serde_json::to_string(p).expect("params serialise");
        let key = format!("{}", id);
        let unit = self.office()?.unit_code.clone();
        let stamp = report::seal("complaint", "LP", &unit, &key, &body, &params);
        let register_no = body.register_no.clone();
        Ok((report::ComplaintSheet { stamp, body }, register_no))
    }

    fn complaint_id_of(&self, uid: &str) -> CoreResult<i64> {
        self.db
            .conn
            .query_row("SELECT id FROM complaints WHERE uid = ?1", [uid], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                entity: "complaint",
                id: uid.to_owned(),
            })
    }

    /// The complaint sheet (lembar pengaduan) as PDF bytes: anyone who may
    /// view the complaint may print it (rahasia ones only with `ViewSecret`);
    /// the reporter is printed in full for roles with `ViewIdentity` (an
    /// identity view in the audit log), masked for others, never for anonim.
    pub fn complaint_sheet(
        &self,
        actor: &Actor,
        input: &ComplaintSheetInput,
    ) -> CoreResult<(ReportFile, Vec<u8>)> {
        require(actor, Permission::ViewRegister)?;
        let uid: String = self
            .db
            .conn
            .query_row(
                "SELECT uid FROM complaints WHERE id = ?1",
                [input.id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                entity: "complaint",
                id: input.id.to_string(),
            })?;
        let p = ComplaintParams {
            complaint_uid: uid,
            identity: actor.role.can(Permission::ViewIdentity),
            doc_date: input.doc_date.unwrap_or_else(|| self.today()),
            place: input
                .place
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| self.default_place()),
        };
        let (r, register_no) = self.seal_complaint(actor, input.id, &p)?;
        let out = report::render_complaint(&r);
        self.issued(actor, &r.stamp)?;
        Ok((
            ReportFile {
                kind: "complaint".into(),
                file_name: format!("{COMPLAINT_SHEET_PREFIX}{register_no}.pdf"),
                doc_no: r.stamp.doc_no,
                sha256: r.stamp.sha256,
                pages: out.pages,
                size: out.bytes.len() as u64,
                warnings: out.warnings,
            },
            out.bytes,
        ))
    }

    /// The complaint sheet for the app, like [`Posko::monev_report_pdf`].
    pub fn complaint_sheet_pdf(
        &self,
        actor: &Actor,
        input: &ComplaintSheetInput,
    ) -> CoreResult<ReportPdf> {
        let (file, bytes) = self.complaint_sheet(actor, input)?;
        self.keep_report(file, &bytes)
    }

    /// `<store dir>/reports`: the PDFs the app made (the same files a user
    /// saves or prints). Monev and visit reports hold no identity; a
    /// complaint sheet holds the reporter's identity when its maker may see
    /// identities (opening or saving it again then needs `ViewIdentity`), and
    /// is removed when the app next starts (`purge_complaint_sheets`).
    pub fn reports_dir(&self) -> PathBuf {
        self.store_dir().join(REPORTS_DIR)
    }

    /// Remove the complaint sheets kept by an earlier session (see
    /// [`purge_sheets_in`]). Called by the app at start, not by every open:
    /// the background sync opens its own connection while a sheet may be
    /// waiting to be printed.
    pub fn purge_complaint_sheets(&self) {
        purge_sheets_in(&self.reports_dir());
    }

    /// Write a made report into the reports folder (a whole file or none:
    /// written beside, flushed, renamed over an older one of the same name).
    fn keep_report(&self, file: ReportFile, bytes: &[u8]) -> CoreResult<ReportPdf> {
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir).map_err(CoreError::io)?;
        let name = plain_file_name(&file.file_name);
        let path = dir.join(&name);
        write_whole(&path, bytes)?;
        Ok(ReportPdf {
            file: ReportFile {
                file_name: name,
                ..file
            },
            pdf_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            path: path.display().to_string(),
        })
    }

    /// The kept report `r` names: a plain file name inside the reports
    /// folder that is a Posko report with that document number. Nothing
    /// else can be reached through it (no path, no other file).
    pub fn kept_report(&self, actor: &Actor, r: &ReportRef) -> CoreResult<PathBuf> {
        self.kept_report_stamp(actor, r).map(|(p, _)| p)
    }

    fn kept_report_stamp(&self, actor: &Actor, r: &ReportRef) -> CoreResult<(PathBuf, Stamp)> {
        require(actor, Permission::ViewRegister)?;
        let missing = || CoreError::NotFound {
            entity: "report_file",
            id: r.file_name.chars().take(120).collect(),
        };
        if r.file_name != plain_file_name(&r.file_name) {
            return Err(missing());
        }
        let path = self.reports_dir().join(&r.file_name);
        let bytes = std::fs::read(&path).map_err(|_| missing())?;
        let stamp = match report::read_stamp(&bytes) {
            Some(stamp) if stamp.doc_no == r.doc_no => stamp,
            _ => return Err(missing()),
        };
        if stamp.kind == "complaint" {
            // A complaint sheet: whoever may view the complaint (a rahasia
            // one is absent without ViewSecret) and, when it holds the
            // identity in full, may see identities.
            let p: ComplaintParams = serde_json::from_str(&stamp.params).map_err(|_| missing())?;
            let secret: Option<bool> = self
                .db
                .conn
                .query_row(
                    "SELECT is_secret FROM complaints WHERE uid = ?1",
                    [&p.complaint_uid],
                    |r| r.get(0),
                )
                .optional()?;
            match secret {
                None => return Err(missing()),
                Some(true) if !actor.role.can(Permission::ViewSecret) => return Err(missing()),
                _ => {}
            }
            if p.identity {
                require(actor, Permission::ViewIdentity)?;
            }
        } else {
            require(actor, Permission::RunReports)?;
        }
        Ok((path, stamp))
    }

    /// Open a kept report for printing with `open` (the system's PDF viewer,
    /// given by the shell) and record the print in the audit log.
    pub fn open_report(
        &self,
        actor: &Actor,
        r: &ReportRef,
        open: impl FnOnce(&Path) -> CoreResult<()>,
    ) -> CoreResult<PathBuf> {
        let (path, stamp) = self.kept_report_stamp(actor, r)?;
        open(&path)?;
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::Print)
                .on("document", &stamp.doc_no)
                .detail(serde_json::json!({ "kind": stamp.kind, "via": "open" })),
        )?;
        Ok(path)
    }

    /// Save a copy of a kept report where the user chose (`dest`, from the
    /// shell's save dialog); a name without an extension gets `.pdf`. Recorded
    /// in the audit log as an export without identities. Returns the path written.
    pub fn save_report_copy(
        &self,
        actor: &Actor,
        r: &ReportRef,
        dest: &Path,
    ) -> CoreResult<PathBuf> {
        let (path, stamp) = self.kept_report_stamp(actor, r)?;
        let dest = if dest.extension().is_none() {
            dest.with_extension("pdf")
        } else {
            dest.to_path_buf()
        };
        let bytes = std::fs::read(&path).map_err(CoreError::io)?;
        write_whole(&dest, &bytes)?;
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::Export)
                .on("document", &stamp.doc_no)
                .detail(serde_json::json!({
                    "kind": stamp.kind, "via": "save_as", "identities": false,
                })),
        )?;
        Ok(dest)
    }

    /// Check a report file against this store: read its stamp, make its data
    /// again with the same parameters, compare the hashes.
    pub fn verify_report_bytes(
        &self,
        actor: &Actor,
        bytes: &[u8],
    ) -> CoreResult<ReportVerification> {
        require(actor, Permission::RunReports)?;
        let stamp = report::read_stamp(bytes).ok_or_else(|| CoreError::NotAReport {
            detail: format!("{} bytes", bytes.len()),
        })?;
        let bad_params = |e: serde_json::Error| CoreError::NotAReport {
            detail: format!("parameters: {e}"),
        };
        let actual = match stamp.kind.as_str() {
            "monev" => {
                let p: MonevParams = serde_json::from_str(&stamp.params).map_err(bad_params)?;
                self.seal_monev(&p)?.stamp
            }
            "visit" => {
                let p: VisitParams = serde_json::from_str(&stamp.params).map_err(bad_params)?;
                let id: i64 = self
                    .db
                    .conn
                    .query_row(
                        "SELECT id FROM monev_visits WHERE uid = ?1",
                        [&p.visit_uid],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| CoreError::NotFound {
                        entity: "visit",
                        id: p.visit_uid.clone(),
                    })?;
                let v = self.load_visit(id)?;
                self.seal_visit(&v, &p)?.stamp
            }
            "complaint" => {
                let p: ComplaintParams = serde_json::from_str(&stamp.params).map_err(bad_params)?;
                let id = self.complaint_id_of(&p.complaint_uid)?;
                self.seal_complaint(actor, id, &p)?.0.stamp
            }
            other => {
                return Err(CoreError::NotAReport {
                    detail: format!("kind {other}"),
                });
            }
        };
        Ok(ReportVerification {
            matches: actual.sha256 == stamp.sha256 && actual.doc_no == stamp.doc_no,
            kind: stamp.kind,
            doc_no: stamp.doc_no,
            claimed_sha256: stamp.sha256,
            actual_sha256: actual.sha256,
            params: stamp.params,
        })
    }

    pub fn verify_report(
        &self,
        actor: &Actor,
        input: &VerifyReportInput,
    ) -> CoreResult<ReportVerification> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(input.pdf_base64.trim())
            .map_err(|_| {
                CoreError::validation(vec![posko_domain::validation::FieldError::new(
                    "pdf",
                    posko_domain::validation::FieldErrorCode::Base64,
                )])
            })?;
        self.verify_report_bytes(actor, &bytes)
    }
}

/// A file name that cannot leave its folder: letters, digits, `.`, `_`, `-`;
/// anything else becomes `-`, and it never starts with a dot.
fn plain_file_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.');
    if clean.is_empty() {
        "laporan.pdf".into()
    } else {
        clean.to_owned()
    }
}

/// Write `bytes` to `path` whole or not at all: a temporary file beside it,
/// flushed to disk, then renamed over `path`.
fn write_whole(path: &Path, bytes: &[u8]) -> CoreResult<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(CoreError::io)
}

/// BAB IV's findings, written from the numbers.
fn analysis(ind: &MonevIndicators) -> Vec<String> {
    use report::fmt::{int, pct};
    let c = &ind.complaints;
    let mut out = Vec::new();
    if c.received.value == 0 {
        out.push(
            "Tidak ada laporan yang diterima pada periode ini. Perlu dipastikan kanal pengaduan (termasuk SP4N-LAPOR!) dikenal masyarakat dan setiap laporan lisan dicatat.".into(),
        );
    } else {
        out.push(format!(
            "Diterima {} laporan; {} ({}) sudah selesai dan {} ({}) masih dalam proses pada akhir periode.",
            int(c.received.value),
            int(c.finished.value),
            pct(c.finished.pct),
            int(c.in_process.value),
            pct(c.in_process.pct)
        ));
    }
    for d in &c.deadlines {
        if d.late.value > 0 {
            let target = if d.on_time_pct.is_some_and(|p| p < 80.0) {
                ", di bawah sasaran 80%"
            } else {
                ""
            };
            out.push(format!(
                "Tahap {}: {} laporan terlambat; ketepatan waktu {}{target}.",
                step_label(d.step).to_lowercase(),
                int(d.late.value),
                pct(d.on_time_pct)
            ));
        }
    }
    if let Some(m) = c.days_to_first_follow_up.median {
        out.push(format!(
            "Separuh laporan mendapat tindak lanjut pertama dalam {} hari kerja (persentil 90: {} hari kerja).",
            report::fmt::dec(m),
            report::fmt::opt_dec(c.days_to_first_follow_up.p90)
        ));
    }
    if c.reopened.value > 0 {
        out.push(format!(
            "{} laporan dibuka kembali setelah dinyatakan selesai; mutu tanggapan perlu diperiksa.",
            int(c.reopened.value)
        ));
    }
    let without: Vec<&str> = ind
        .governance
        .iter()
        .filter(|g| g.decree.is_none())
        .map(|g| g.unit.name.as_str())
        .collect();
    if !without.is_empty() {
        out.push(format!(
            "Belum memiliki SK tim pengelola pengaduan: {}.",
            without.join(", ")
        ));
    }
    let overdue: u32 = ind.governance.iter().map(|g| g.action_overdue).sum();
    if overdue > 0 {
        out.push(format!(
            "{overdue} butir rencana aksi melewati batas waktunya dan belum selesai."
        ));
    }
    let s = &ind.staff;
    if s.accounts > s.active {
        out.push(format!(
            "{} dari {} akun tidak aktif dalam sebulan terakhir periode.",
            s.accounts - s.active,
            s.accounts
        ));
    }
    for r in &ind.rankings {
        let red: Vec<&str> = r
            .units
            .iter()
            .filter(|u| u.zone_code == "merah")
            .map(|u| u.unit_name.as_str())
            .collect();
        if !red.is_empty() {
            out.push(format!(
                "{}: unit di zona merah (perlu perbaikan): {}.",
                r.instrument_title,
                red.join(", ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn scrub_masks_numbers_emails_and_the_reporters_name() {
        assert_eq!(
            scrub(
                "Siti Nurhaliza (NIK 3201014101900003) tel 0812-3456-7890 siti@x.id antre",
                Some("Siti Nurhaliza")
            ),
            "*** *** (NIK *** tel *** *** antre"
        );
        assert_eq!(
            scrub("Antrean panjang di loket", None),
            "Antrean panjang di loket"
        );
    }
}
