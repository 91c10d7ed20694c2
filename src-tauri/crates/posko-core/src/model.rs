//! Data shapes that cross the core's boundary (IPC, CLI `--json`). TypeScript
//! types are generated from these by ts-rs (`bindings` test); never hand-copy.

use chrono::{DateTime, NaiveDate, Utc};
use posko_domain::calendar::{Holiday, WorkWeek};
use posko_domain::deadline::DeadlineStep;
use posko_domain::role::Role;
use posko_domain::{Action, Channel, Kind, OfficeZone, Status};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::i18n::Lang;

/// Who is acting. Every service call takes one; permissions are checked against its role.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl Actor {
    /// The headless CLI acts as a system administrator on the machine it runs on.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            username: "system".into(),
            display_name: "Sistem (CLI)".into(),
            role: Role::Admin,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ReporterInput {
    pub name: Option<String>,
    pub nik: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// What the intake form (or `posko complaint add --json`) sends.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    /// Defaults to now.
    #[serde(default)]
    #[ts(optional)]
    pub received_at: Option<DateTime<Utc>>,
    pub channel: Channel,
    pub kind: Kind,
    #[serde(default)]
    #[ts(optional)]
    pub topic_id: Option<i64>,
    pub title: String,
    pub description: String,
    #[serde(default)]
    #[ts(optional)]
    pub incident_place: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub incident_date: Option<NaiveDate>,
    #[serde(default)]
    pub reporter: ReporterInput,
    #[serde(default)]
    pub is_secret: bool,
    #[serde(default)]
    pub is_anonymous: bool,
    #[serde(default)]
    #[ts(optional)]
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Created {
    pub id: i64,
    pub register_no: String,
}

/// A row of the register list. Identity fields are already masked for the viewer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ComplaintRow {
    pub id: i64,
    pub register_no: String,
    pub received_at: DateTime<Utc>,
    pub received_date: NaiveDate,
    pub channel: Channel,
    pub kind: Kind,
    pub topic: Option<String>,
    pub title: String,
    pub status: Status,
    pub is_secret: bool,
    pub is_anonymous: bool,
    /// Masked name, or None when anonim or absent.
    pub reporter: Option<String>,
    pub next_due: Option<NaiveDate>,
    /// Working days left to `next_due` (negative: late).
    pub remaining_days: Option<i64>,
    pub lapor_tracking_id: Option<String>,
    /// With a text query: the title in parts, the matched words marked.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_marked: Option<Vec<TextPart>>,
    /// With a text query that matched the description: a short excerpt of
    /// it, the matched words marked.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Vec<TextPart>>,
}

/// A piece of shown text; `hit` when it matched the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TextPart {
    pub text: String,
    pub hit: bool,
}

/// One page of the register.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RegisterPage {
    pub rows: Vec<ComplaintRow>,
    /// All rows of the query (with a text query: in the search window).
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    /// Nothing matched what was typed, and this corrected text was searched
    /// instead ("Maksud Anda: puskesmas?").
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
    /// More complaints matched the text than a search keeps: the newest
    /// `window` per index were ranked (narrow the search to see older ones).
    pub more: bool,
    /// Matches a search keeps per index (`search::SEARCH_WINDOW`).
    pub window: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Newest,
    Oldest,
    DueSoonest,
    /// Best match first; only meaningful with a text query.
    Relevance,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ComplaintFilter {
    pub statuses: Vec<Status>,
    #[ts(optional)]
    pub kind: Option<Kind>,
    #[ts(optional)]
    pub channel: Option<Channel>,
    #[ts(optional)]
    pub topic_id: Option<i64>,
    pub overdue_only: bool,
    pub open_only: bool,
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    #[ts(optional)]
    pub to: Option<NaiveDate>,
    #[ts(optional)]
    pub text: Option<String>,
    pub sort: SortOrder,
    pub offset: u32,
    /// 1..=500; 0 means the default page size (50).
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Reporter {
    pub name: Option<String>,
    pub nik: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// True when the values above are masked for this viewer.
    pub masked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DeadlineView {
    pub step: DeadlineStep,
    pub start_date: NaiveDate,
    pub due_date: NaiveDate,
    pub working_days: u32,
    pub rule_version: String,
    pub met_date: Option<NaiveDate>,
    /// Working days left (negative: late); None once met.
    pub remaining_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct EventView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub kind: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    Draft,
    Approved,
    Returned,
}

impl FollowUpState {
    pub fn code(self) -> &'static str {
        match self {
            FollowUpState::Draft => "draft",
            FollowUpState::Approved => "approved",
            FollowUpState::Returned => "returned",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Draft, Self::Approved, Self::Returned]
            .into_iter()
            .find(|x| x.code() == s)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FollowUpView {
    pub id: i64,
    pub complaint_id: i64,
    pub content: String,
    pub template_code: Option<String>,
    pub state: FollowUpState,
    pub drafted_by: String,
    pub drafted_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AttachmentMeta {
    pub id: i64,
    pub file_name: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ComplaintDetail {
    pub id: i64,
    pub uid: String,
    pub register_no: String,
    pub unit_name: String,
    pub received_at: DateTime<Utc>,
    pub received_date: NaiveDate,
    pub channel: Channel,
    pub kind: Kind,
    pub topic_id: Option<i64>,
    pub topic: Option<String>,
    pub title: String,
    pub description: String,
    pub incident_place: Option<String>,
    pub incident_date: Option<NaiveDate>,
    pub reporter: Reporter,
    pub is_secret: bool,
    pub is_anonymous: bool,
    pub status: Status,
    pub assigned_to: Option<String>,
    pub lapor_complaint_id: Option<String>,
    pub lapor_tracking_id: Option<String>,
    pub lapor_status_code: Option<String>,
    pub lapor_status_name: Option<String>,
    pub deadlines: Vec<DeadlineView>,
    pub events: Vec<EventView>,
    pub follow_ups: Vec<FollowUpView>,
    pub attachments: Vec<AttachmentMeta>,
    pub available_actions: Vec<Action>,
    pub can_approve: bool,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TransitionInput {
    pub complaint_id: i64,
    pub action: Action,
    #[serde(default)]
    #[ts(optional)]
    pub note: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FollowUpInput {
    pub complaint_id: i64,
    pub content: String,
    #[serde(default)]
    #[ts(optional)]
    pub template_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FollowUpDecision {
    pub follow_up_id: i64,
    pub approve: bool,
    #[serde(default)]
    #[ts(optional)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AttachmentInput {
    pub complaint_id: i64,
    pub file_name: String,
    /// Base64 of the file's bytes.
    pub data_base64: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AttachmentData {
    pub meta: AttachmentMeta,
    pub data_base64: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    SameNik,
    SamePhone,
    /// Similar stemmed text; the share is in `DuplicateHint::similarity`.
    SimilarText,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DuplicateHint {
    pub id: i64,
    pub register_no: String,
    pub title: String,
    pub received_date: NaiveDate,
    pub status: Status,
    pub reasons: Vec<DuplicateReason>,
    /// Text similarity 0–100.
    pub similarity: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StatusCount {
    pub status: Status,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FollowUpQueueItem {
    pub follow_up: FollowUpView,
    pub register_no: String,
    pub title: String,
    pub is_secret: bool,
}

/// The "today's work" screen.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TodaySummary {
    pub today: NaiveDate,
    pub zone: OfficeZone,
    pub open_total: u64,
    pub overdue_total: u64,
    pub due_today_total: u64,
    pub received_today: u64,
    pub counts: Vec<StatusCount>,
    pub overdue: Vec<ComplaintRow>,
    pub due_soon: Vec<ComplaintRow>,
    pub awaiting_approval: Vec<FollowUpQueueItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Topic {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TopicInput {
    #[serde(default)]
    #[ts(optional)]
    pub id: Option<i64>,
    #[serde(default)]
    #[ts(optional)]
    pub parent_id: Option<i64>,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReplyTemplate {
    pub code: String,
    pub title: String,
    pub content: String,
}

/// Office settings the user edits on the settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OfficeSettings {
    pub unit_name: String,
    pub unit_code: String,
    pub register_prefix: String,
    pub address: String,
    pub zone: OfficeZone,
    pub work_week: WorkWeek,
    pub cuti_bersama_stops_clock: bool,
    pub max_attachment_mb: u32,
    pub locale: Lang,
    /// Head of the unit (kepala), who signs reports: name, position and NIP.
    #[serde(default)]
    pub head_name: String,
    #[serde(default)]
    pub head_title: String,
    #[serde(default)]
    pub head_nip: String,
    /// The unit's logo for letterheads: base64 of a PNG or JPEG, at most 512 KB.
    #[serde(default)]
    pub logo_base64: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct HolidayImportReport {
    pub added: u32,
    pub replaced: u32,
    pub recomputed_deadlines: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct HolidayList {
    pub holidays: Vec<Holiday>,
}

/// What the setup wizard sends on first run.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SetupInput {
    pub unit_name: String,
    pub unit_code: String,
    pub zone: OfficeZone,
    pub admin_username: String,
    pub admin_display_name: String,
    pub admin_password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub nip: Option<String>,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    #[ts(optional)]
    pub nip: Option<String>,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SignInInput {
    pub username: String,
    pub password: String,
}

/// A saved unfinished form (autosave), as opaque JSON text.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FormDraft {
    pub form: String,
    pub payload: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DeadlineQuery {
    pub from: NaiveDate,
    pub working_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DeadlineAnswer {
    pub from: NaiveDate,
    pub working_days: u32,
    pub due: NaiveDate,
    pub work_week: WorkWeek,
    pub holidays_considered: u32,
}

/// Static vocabulary the UI needs for its pickers and labels.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Vocabulary {
    pub kinds: Vec<Kind>,
    pub channels: Vec<Channel>,
    pub statuses: Vec<Status>,
    pub zones: Vec<OfficeZone>,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct IdInput {
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DetailQuery {
    pub id: i64,
    #[serde(default)]
    pub reveal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DraftKey {
    pub form: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DraftInput {
    pub form: String,
    pub payload: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct HolidayEdit {
    #[serde(default)]
    pub upsert: Vec<Holiday>,
    #[serde(default)]
    pub delete: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TextInput {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CodeInput {
    pub code: String,
}
