//! The plain data a document is made from. Labels arrive already in the
//! document's language; numbers arrive as numbers (formatted here, the
//! Indonesian way). Everything serialises, because the SHA-256 of this data
//! is what a printed report is verified against.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Stamp;

/// The office's letterhead (kop surat).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Letterhead {
    /// Lines above the name ("PEMERINTAH KABUPATEN MAJENE", "DINAS KESEHATAN").
    pub lines: Vec<String>,
    pub name: String,
    pub address: String,
    /// PNG or JPEG bytes; left out of the hash (its SHA-256 is in `logo_sha256`).
    #[serde(skip)]
    pub logo: Option<Vec<u8>>,
    pub logo_sha256: Option<String>,
}

/// Who signs, where and when.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Signer {
    pub place: String,
    pub date: NaiveDate,
    /// "Kepala Puskesmas Sendana".
    pub role: String,
    pub name: String,
    pub nip: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Person {
    pub name: String,
    pub nip: String,
    pub position: String,
}

/// A count and its share of the complaints received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatRow {
    pub label: String,
    pub value: u64,
    pub pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadlineRow {
    pub step: String,
    pub on_time: u64,
    pub late: u64,
    pub pending: u64,
    pub on_time_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DurationRow {
    pub label: String,
    pub count: u64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitStatusRow {
    pub unit: String,
    /// One count per entry of `MonevBody::statuses`.
    pub counts: Vec<u64>,
    pub total: u64,
}

/// A complaint shown as an example or listed in an appendix. Never carries
/// an identity: the caller leaves out rahasia complaints and reporters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseRow {
    pub register_no: String,
    pub date: NaiveDate,
    pub kind: String,
    pub topic: String,
    pub summary: String,
    pub status: String,
    /// Working days to closing (or late by, in the appendix).
    pub days: Option<i64>,
    pub anonymous: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZoneRow {
    /// Lowest score of the zone.
    pub min: f64,
    pub label: String,
    pub range: String,
    pub category: String,
    pub color: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankRow {
    pub rank: u32,
    pub unit: String,
    pub date: NaiveDate,
    pub score: f64,
    pub zone: String,
    pub category: String,
    pub color: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankingBlock {
    pub instrument: String,
    pub zones: Vec<ZoneRow>,
    pub rows: Vec<RankRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GovRow {
    pub unit: String,
    /// "800/12/PKM/2026, 5 Januari 2026"; None when the unit has no SK tim.
    pub decree: Option<String>,
    pub items: u32,
    pub progress: Option<f64>,
    pub done: u32,
    pub overdue: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionRow {
    pub unit: String,
    pub action: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub progress: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StaffRow {
    pub role: String,
    pub accounts: u32,
    pub active: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitListRow {
    pub unit: String,
    pub date: NaiveDate,
    pub instrument: String,
    pub score: Option<f64>,
    pub zone: String,
    pub team: String,
}

/// A section text from an editable template (placeholders already filled).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    pub key: String,
    pub title: String,
    pub body: String,
}

/// Everything the period monev report shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MonevBody {
    pub title: String,
    pub letterhead: Letterhead,
    /// The unit(s) reported on, as printed on the cover.
    pub units_label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// kata_pengantar, latar_belakang, dasar_hukum, maksud_tujuan,
    /// ruang_lingkup, metode, rekomendasi_umum, penutup.
    pub sections: Vec<Section>,
    /// Received, verified, routed, followed up, finished, in process, archived…
    pub summary: Vec<StatRow>,
    pub by_kind: Vec<StatRow>,
    pub by_channel: Vec<StatRow>,
    pub by_topic: Vec<StatRow>,
    /// Labels are `YYYY-MM`.
    pub by_month: Vec<StatRow>,
    pub statuses: Vec<String>,
    pub unit_status: Vec<UnitStatusRow>,
    pub deadlines: Vec<DeadlineRow>,
    pub durations: Vec<DurationRow>,
    pub privacy: Vec<StatRow>,
    pub cases: Vec<CaseRow>,
    pub rankings: Vec<RankingBlock>,
    pub governance: Vec<GovRow>,
    pub staff: Vec<StaffRow>,
    pub staff_window: String,
    pub analysis: Vec<String>,
    pub action_plan: Vec<ActionRow>,
    /// Appendix: complaints past a deadline (masked, rahasia left out).
    pub overdue: Vec<CaseRow>,
    /// How many there are in all (the list may be cut).
    pub overdue_total: u64,
    pub visits: Vec<VisitListRow>,
    pub method_notes: Vec<String>,
    pub signer: Signer,
}

#[derive(Debug, Clone)]
pub struct MonevReport {
    pub stamp: Stamp,
    pub body: MonevBody,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitItemRow {
    pub no: String,
    pub text: String,
    pub answer: String,
    /// Points earned of the item's weight, e.g. "1,5 / 2"; empty when not scored.
    pub score: String,
    pub note: String,
    pub photos: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitSection {
    pub title: String,
    pub score: Option<f64>,
    pub items: Vec<VisitItemRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanRow {
    pub action: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhotoRow {
    pub item: String,
    pub caption: String,
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorrectionRow {
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub reason: String,
}

/// Everything the visit report (berita acara) shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitBody {
    pub title: String,
    pub letterhead: Letterhead,
    pub unit_name: String,
    pub unit_code: String,
    pub visit_date: NaiveDate,
    pub place: String,
    pub instrument: String,
    /// Draft visits are printed with a "DRAF" mark.
    pub finished: bool,
    pub team: Vec<Person>,
    pub head: Person,
    pub sections: Vec<VisitSection>,
    pub total: Option<f64>,
    pub zone: Option<ZoneRow>,
    pub zones: Vec<ZoneRow>,
    pub findings: Vec<String>,
    pub recommendations: Vec<String>,
    pub plan: Vec<PlanRow>,
    pub photos: Vec<PhotoRow>,
    /// Thumbnails, in the order of `photos` (JPEG/PNG; others are listed only).
    #[serde(skip)]
    pub photo_bytes: Vec<Option<Vec<u8>>>,
    pub corrections: Vec<CorrectionRow>,
    /// "Sendana" for "Sendana, 24 Maret 2026".
    pub sign_place: String,
    pub doc_date: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct VisitReport {
    pub stamp: Stamp,
    pub body: VisitBody,
}

/// A deadline of the complaint sheet, its state already worded ("terpenuhi
/// 03/03/2026", "terlambat 2 hari kerja").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetDeadline {
    pub step: String,
    pub start: NaiveDate,
    pub due: NaiveDate,
    pub state: String,
    pub late: bool,
}

/// One timeline event of the complaint sheet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetEvent {
    /// Office-local time, worded.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetFollowUp {
    pub content: String,
    pub state: String,
    /// "Nama, 3 Maret 2026".
    pub drafted: String,
    /// Who approved or returned it and when; empty while a draft.
    pub decided: String,
}

/// Everything the complaint sheet (lembar pengaduan) shows. The reporter
/// lines are what the caller decided this reader may see (masked, none for
/// anonim, or in full).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComplaintSheetBody {
    pub title: String,
    pub letterhead: Letterhead,
    pub unit_name: String,
    pub register_no: String,
    pub received: String,
    pub channel: String,
    pub kind: String,
    pub topic: String,
    pub status: String,
    /// Rahasia: printed with a mark.
    pub secret: bool,
    /// Place and date of the incident, worded; may be empty.
    pub incident: String,
    /// Tracking ID and LAPOR! status, worded; may be empty.
    pub lapor: String,
    pub complaint_title: String,
    pub description: String,
    /// Label–value lines; empty when no identity is printed.
    pub reporter: Vec<(String, String)>,
    /// Why the identity is masked or absent (anonim, not recorded...).
    pub reporter_note: String,
    pub deadlines: Vec<SheetDeadline>,
    pub events: Vec<SheetEvent>,
    pub follow_ups: Vec<SheetFollowUp>,
    /// "Petugas penerima": who recorded the complaint.
    pub receiver: Person,
    /// The head of the unit (from the office settings).
    pub head: Person,
    pub sign_place: String,
    pub doc_date: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct ComplaintSheet {
    pub stamp: Stamp,
    pub body: ComplaintSheetBody,
}
