//! The one door to the national service, in domain terms. The HTTP
//! implementation (`http.rs`) is the only code that knows the wire format
//! (through the `lapor-wire` crate); the engine sees only these types.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A report as it leaves the machine, already mapped to the national ids.
/// Privacy: no NIK anywhere; anonim/rahasia travel as flags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutgoingComplaint {
    pub title: String,
    pub content: String,
    pub channel_id: String,
    pub classification_id: String,
    pub category_id: String,
    pub date_of_incident: Option<NaiveDate>,
    pub is_anonymous: bool,
    pub is_secret: bool,
    /// Carries Posko's reference tag so a create whose answer was lost can be found.
    pub tags_raw: String,
    pub document_ids: Vec<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteIds {
    pub complaint_id: String,
    pub tracking_id: Option<String>,
}

/// A match of the reference-tag lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMatch {
    pub ids: RemoteIds,
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStatus {
    pub status_code: String,
    pub status_name: String,
    pub tracking_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingFollowUp {
    pub complaint_id: String,
    pub institution_from_id: Option<String>,
    pub content: String,
    pub template_code: Option<String>,
    pub is_secret: bool,
}

/// What went wrong, in the terms the planner needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorKind {
    /// The request certainly did not reach the server (no connection, DNS).
    NotSent,
    /// 401/403: credentials missing, wrong or expired.
    Unauthorized,
    /// 429.
    RateLimited,
    /// 4xx other than the above: the server refused this content.
    Rejected,
    /// 5xx: the server failed, maybe after acting.
    ServerError,
    /// The connection broke or timed out after the request was sent.
    Transport,
    /// An answer we could not understand (HTML page, bad JSON, missing field, too big).
    BadResponse,
}

impl ApiErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ApiErrorKind::NotSent => "NOT_SENT",
            ApiErrorKind::Unauthorized => "UNAUTHORIZED",
            ApiErrorKind::RateLimited => "RATE_LIMITED",
            ApiErrorKind::Rejected => "REJECTED",
            ApiErrorKind::ServerError => "SERVER_ERROR",
            ApiErrorKind::Transport => "TRANSPORT",
            ApiErrorKind::BadResponse => "BAD_RESPONSE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ApiErrorKind,
    pub http_status: Option<u16>,
    pub retry_after_secs: Option<u64>,
    /// Technical detail (never shown alone; the UI shows a translated reason).
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The national service. `HttpLapor` is the real one; tests use the real
/// simulator over loopback HTTP.
pub trait LaporApi {
    fn upload_file(&self, file_name: &str, mime: &str, data: &[u8]) -> ApiResult<String>;
    fn create_complaint(&self, c: &OutgoingComplaint) -> ApiResult<RemoteIds>;
    /// Reports carrying this tag (an assumed endpoint; `None` when unsupported).
    fn find_by_tag(&self, tag: &str) -> ApiResult<Option<Vec<RemoteMatch>>>;
    fn complaint_status(&self, complaint_id: &str) -> ApiResult<RemoteStatus>;
    fn add_follow_up(&self, f: &OutgoingFollowUp) -> ApiResult<Option<String>>;
    /// The server's clock as of the last answer (its `Date` header).
    fn last_server_time(&self) -> Option<DateTime<Utc>>;
}
