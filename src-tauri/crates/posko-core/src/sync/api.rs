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

/// A report's state on the national service (`GET /complaints/{id}/complaint`).
/// Code and name are kept verbatim: unknown values are normal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStatus {
    pub status_code: String,
    pub status_name: String,
    pub tracking_id: Option<String>,
    /// Where LAPOR! routed the report (disposisi), as far as the server says.
    pub disposition: Option<RemoteInstitutionRef>,
    /// The status history, oldest first (it travels in the same answer).
    pub status_logs: Vec<RemoteStatusLog>,
}

/// An institution as referenced inside other answers (id and/or name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteInstitutionRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// One entry of a report's status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStatusLog {
    pub status_code: Option<String>,
    pub status_name: Option<String>,
    pub note: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// Who wrote a follow-up on the national service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteSender {
    /// An institution or a LAPOR! admin (possibly Posko itself).
    Institution,
    /// The reporter replying ("pelapor membalas").
    Reporter,
}

impl RemoteSender {
    pub fn code(self) -> &'static str {
        match self {
            RemoteSender::Institution => "institution",
            RemoteSender::Reporter => "reporter",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteAttachment {
    pub id: Option<String>,
    pub file_name: Option<String>,
    pub url: Option<String>,
}

/// One follow-up as listed by `GET /complaints/{id}/followups?page=N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFollowUp {
    pub id: String,
    pub sender: RemoteSender,
    pub institution_from: Option<RemoteInstitutionRef>,
    pub institution_to: Option<RemoteInstitutionRef>,
    pub content: String,
    pub template_code: Option<String>,
    pub rating: Option<u32>,
    pub is_secret: Option<bool>,
    pub attachments: Vec<RemoteAttachment>,
    pub created_at: DateTime<Utc>,
}

/// One page of follow-ups (pages start at 1, oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFollowUpPage {
    pub page: u32,
    pub items: Vec<RemoteFollowUp>,
    /// The page to ask for next; `None`: this was the last one.
    pub next_page: Option<u32>,
    pub last_page: Option<u32>,
}

/// A routing target (`GET /masters/institutions/external`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteInstitution {
    pub id: String,
    pub name: String,
}

/// A reply template of the national service (`GET /masters/templates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTemplate {
    pub template_code: String,
    pub title: Option<String>,
    pub kind: Option<String>,
    pub content: Option<String>,
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
    /// For an answer Posko could not understand it starts with the stable
    /// `lapor-wire` code (`LAPOR_HTML_PAGE: …`), see [`ApiError::detail_code`].
    pub message: String,
}

impl ApiError {
    /// The precise, stable reason when the answer could not be understood
    /// (`LAPOR_HTML_PAGE`, `LAPOR_BAD_DATE`, … from `lapor_wire::WireError`);
    /// `None` for a clear answer (the server's own words are in `message`) or
    /// a transport failure. `kind.code()` says what it means for the item;
    /// this says what the server did wrong.
    pub fn detail_code(&self) -> Option<&'static str> {
        let head = self.message.split(':').next()?.trim();
        lapor_wire::WireError::ALL_CODES
            .into_iter()
            .find(|c| *c == head)
    }

    pub(crate) fn bad_response(http_status: Option<u16>, code: &str, message: String) -> ApiError {
        ApiError {
            kind: ApiErrorKind::BadResponse,
            http_status,
            retry_after_secs: None,
            message: format!("{code}: {message}"),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The national service. `HttpLapor` is the real one; tests use the real
/// simulator over loopback HTTP. `Sync`: the engine makes its requests, one
/// after another, on a thread of its own while it writes outcomes.
pub trait LaporApi: Sync {
    fn upload_file(&self, file_name: &str, mime: &str, data: &[u8]) -> ApiResult<String>;
    fn create_complaint(&self, c: &OutgoingComplaint) -> ApiResult<RemoteIds>;
    /// Reports carrying this tag (an assumed endpoint; `None` when unsupported).
    fn find_by_tag(&self, tag: &str) -> ApiResult<Option<Vec<RemoteMatch>>>;
    /// Whether [`LaporApi::find_by_tag`] can look reports up. Only then may
    /// the engine mark several creates `sending` in one commit: after a crash
    /// those it had not sent yet cost a lookup each, never a duplicate.
    fn can_find_by_tag(&self) -> bool;
    /// Status, disposition and status history of one report (one request).
    fn complaint_status(&self, complaint_id: &str) -> ApiResult<RemoteStatus>;
    /// The status history alone. It travels inside the report's detail, so
    /// this is the same request as [`LaporApi::complaint_status`].
    fn status_logs(&self, complaint_id: &str) -> ApiResult<Vec<RemoteStatusLog>> {
        self.complaint_status(complaint_id).map(|s| s.status_logs)
    }
    /// One page of a report's follow-ups (pages start at 1, oldest first).
    fn follow_ups_page(&self, complaint_id: &str, page: u32) -> ApiResult<RemoteFollowUpPage>;
    /// Every routing target (the adapter follows the pages).
    fn institutions(&self) -> ApiResult<Vec<RemoteInstitution>>;
    /// Every reply template.
    fn templates(&self) -> ApiResult<Vec<RemoteTemplate>>;
    fn add_follow_up(&self, f: &OutgoingFollowUp) -> ApiResult<Option<String>>;
    /// The server's clock as of the last answer (its `Date` header).
    fn last_server_time(&self) -> Option<DateTime<Utc>>;
}
