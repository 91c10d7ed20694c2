//! The real adapter: LAPOR! v3 over HTTPS with reqwest (rustls). The only
//! module of the core that speaks the wire format, through `lapor-wire`.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lapor_wire as wire;
use reqwest::blocking::{Client, RequestBuilder, Response, multipart};
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::api::*;

/// The two per-agency secrets, read from the keychain for one run.
pub struct Credentials {
    pub key: Zeroizing<String>,
    pub token: Zeroizing<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials { key: <redacted>, token: <redacted> }")
    }
}

pub struct HttpLapor {
    client: Client,
    base_url: String,
    auth_header: String,
    creds: Credentials,
    search_supported: bool,
    /// `Authorization` (or the configured header) value, built once.
    auth_value: HeaderValue,
    /// The last `Date` header and what it said.
    server_time: Mutex<(Option<HeaderValue>, Option<DateTime<Utc>>)>,
}

impl std::fmt::Debug for HttpLapor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpLapor")
            .field("base_url", &self.base_url)
            .field("auth_header", &self.auth_header)
            .field("creds", &self.creds)
            .finish()
    }
}

impl HttpLapor {
    pub fn new(
        base_url: &str,
        auth_header: &str,
        creds: Credentials,
        timeout: Duration,
        search_supported: bool,
    ) -> ApiResult<HttpLapor> {
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .timeout(timeout)
            .user_agent(concat!("Posko/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError {
                kind: ApiErrorKind::NotSent,
                http_status: None,
                retry_after_secs: None,
                message: format!("HTTP client: {e}"),
            })?;
        let bearer = Zeroizing::new(format!("{}{}", wire::BEARER_PREFIX, creds.key.as_str()));
        let mut auth_value = HeaderValue::from_str(&bearer).map_err(|e| ApiError {
            kind: ApiErrorKind::NotSent,
            http_status: None,
            retry_after_secs: None,
            message: format!("API key: {e}"),
        })?;
        // Never printed by the client's debug output.
        auth_value.set_sensitive(true);
        Ok(HttpLapor {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth_header: auth_header.to_owned(),
            creds,
            search_supported,
            auth_value,
            server_time: Mutex::new((None, None)),
        })
    }

    fn req(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, wire::join_url(&self.base_url, path))
            .header(self.auth_header.as_str(), self.auth_value.clone())
            .header(wire::HEADER_TOKEN, self.creds.token.as_str())
            .header(wire::HEADER_ACCEPT, wire::ACCEPT_JSON)
    }

    fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> ApiResult<T> {
        let resp = rb.send().map_err(transport)?;
        self.note_date(&resp);
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(wire::HEADER_RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_limited(resp)?;
        let err = |kind, message: String| ApiError {
            kind,
            http_status: Some(status),
            retry_after_secs: retry_after,
            message,
        };
        // The status decides the kind; the body only adds the server's words.
        let status_kind = match status {
            200..=299 => None,
            401 | 403 => Some(ApiErrorKind::Unauthorized),
            429 => Some(ApiErrorKind::RateLimited),
            400..=499 => Some(ApiErrorKind::Rejected),
            _ => Some(ApiErrorKind::ServerError),
        };
        match wire::decode::<T>(status, content_type.as_deref(), &body) {
            Ok(v) if status_kind.is_none() => Ok(v),
            Ok(_) => Err(err(
                status_kind.unwrap_or(ApiErrorKind::ServerError),
                format!("HTTP {status}"),
            )),
            Err(wire::WireError::Remote {
                message, fields, ..
            }) => Err(err(
                status_kind.unwrap_or(ApiErrorKind::Rejected),
                remote_words(status, message.as_deref(), &fields),
            )),
            Err(e) => Err(err(
                status_kind.unwrap_or(ApiErrorKind::BadResponse),
                format!("{}: {e}", e.code()),
            )),
        }
    }

    fn note_date(&self, resp: &Response) {
        let Some(raw) = resp.headers().get(reqwest::header::DATE) else {
            return;
        };
        let Ok(mut slot) = self.server_time.lock() else {
            return;
        };
        // The header changes once a second; parse it only when it does.
        if slot.0.as_ref() == Some(raw) {
            return;
        }
        let date = raw
            .to_str()
            .ok()
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .map(|d| d.with_timezone(&Utc));
        if let Some(d) = date {
            *slot = (Some(raw.clone()), Some(d));
        }
    }
}

/// The server's own words (usually Indonesian), with per-field reasons, so
/// a clerk can see what to correct.
fn remote_words(status: u16, message: Option<&str>, fields: &[wire::FieldMessage]) -> String {
    let mut out = format!("HTTP {status}: {}", message.unwrap_or("(tanpa pesan)"));
    if !fields.is_empty() {
        let list: Vec<String> = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect();
        out.push_str(&format!(" ({})", list.join("; ")));
    }
    out
}

fn transport(e: reqwest::Error) -> ApiError {
    // Only a refused/unresolvable connection proves the request never left.
    let kind = if e.is_connect() && !e.is_timeout() {
        ApiErrorKind::NotSent
    } else if e.is_builder() {
        ApiErrorKind::Rejected
    } else {
        ApiErrorKind::Transport
    };
    ApiError {
        kind,
        http_status: None,
        retry_after_secs: None,
        message: e.without_url().to_string(),
    }
}

fn read_limited(resp: Response) -> ApiResult<Vec<u8>> {
    let failed = |e: &dyn std::fmt::Display| ApiError {
        kind: ApiErrorKind::Transport,
        http_status: None,
        retry_after_secs: None,
        message: format!("reading the answer: {e}"),
    };
    // A declared length within the limit: the whole body in one hand-over
    // from the client's runtime (the connection never yields more than it).
    if resp
        .content_length()
        .is_some_and(|n| n <= wire::MAX_BODY_BYTES as u64)
    {
        return resp.bytes().map(Vec::from).map_err(|e| failed(&e));
    }
    // No length, or too long: read up to one byte over the limit, which the
    // decoder refuses.
    let mut body = Vec::new();
    resp.take(wire::MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| failed(&e))?;
    Ok(body)
}

fn id(s: &str) -> ApiResult<wire::LaporId> {
    wire::LaporId::new(s).map_err(|e| ApiError {
        kind: ApiErrorKind::Rejected,
        http_status: None,
        retry_after_secs: None,
        message: e.to_string(),
    })
}

/// Institutions asked per page (the observed client asked for a large page once a day).
const INSTITUTIONS_PAGE_SIZE: u32 = 500;
/// A master list longer than this many pages is a server loop, not data.
const MAX_MASTER_PAGES: u32 = 40;

fn inst_ref(r: wire::InstitutionRef) -> Option<RemoteInstitutionRef> {
    (r.id.is_some() || r.name.is_some()).then(|| RemoteInstitutionRef {
        id: r.id.map(|i| i.as_str().to_owned()),
        name: r.name,
    })
}

/// A server that ignores `page` would make paging loop over page 1 forever.
fn check_page(asked: u32, answered: Option<u32>) -> ApiResult<()> {
    match answered {
        Some(got) if got != asked => Err(ApiError::bad_response(
            Some(200),
            "LAPOR_UNEXPECTED_SHAPE",
            format!("asked for page {asked}, the answer is page {got}"),
        )),
        _ => Ok(()),
    }
}

/// A well-formed date can still be absurd (`01-01-1970`, year 2999): such an
/// answer is refused like an unreadable one rather than put on a timeline or
/// into a deadline. `path` names the field, built only for a refusal (this
/// runs for every date of every answer).
fn plausible(t: wire::LaporDateTime, path: impl FnOnce() -> String) -> ApiResult<DateTime<Utc>> {
    let utc = t.to_utc();
    let earliest = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or_default();
    let latest = Utc::now() + chrono::Duration::days(1);
    if utc < earliest || utc > latest {
        return Err(ApiError::bad_response(
            Some(200),
            "LAPOR_BAD_DATE",
            format!("implausible date at {}: {t}", path()),
        ));
    }
    Ok(utc)
}

fn refused(e: wire::WireError) -> ApiError {
    ApiError {
        kind: ApiErrorKind::Rejected,
        http_status: None,
        retry_after_secs: None,
        message: format!("{}: {e}", e.code()),
    }
}

impl LaporApi for HttpLapor {
    fn upload_file(&self, file_name: &str, mime: &str, data: &[u8]) -> ApiResult<String> {
        let part = multipart::Part::bytes(data.to_vec())
            .file_name(file_name.to_owned())
            .mime_str(mime)
            .map_err(transport)?;
        let form = multipart::Form::new().part(wire::FILE_FIELD, part);
        let docs: Vec<wire::UploadedDocument> = self.send(
            self.req(reqwest::Method::POST, &wire::upload_file_path())
                .multipart(form),
        )?;
        docs.into_iter()
            .next()
            .map(|d| d.id.as_str().to_owned())
            .ok_or_else(|| ApiError {
                kind: ApiErrorKind::BadResponse,
                http_status: Some(200),
                retry_after_secs: None,
                message: "upload answer without a document id".into(),
            })
    }

    fn create_complaint(&self, c: &OutgoingComplaint) -> ApiResult<RemoteIds> {
        let body = wire::CreateComplaintRequest {
            title: c.title.clone(),
            content: c.content.clone(),
            channel: id(&c.channel_id)?,
            classification_id: id(&c.classification_id)?,
            category_id: id(&c.category_id)?,
            disposition_id: None,
            location_id: None,
            date_of_incident: c.date_of_incident.map(wire::IncidentDate),
            is_anonymous: c.is_anonymous,
            is_secret: c.is_secret,
            tags_raw: c.tags_raw.clone(),
            attachments: c
                .document_ids
                .iter()
                .map(|d| id(d))
                .collect::<ApiResult<_>>()?,
            reporter_name: c.reporter_name.clone(),
            reporter_phone: c.reporter_phone.clone(),
            reporter_email: c.reporter_email.clone(),
        };
        // Strict in what we send: never a NIK-like number in any text.
        body.validate().map_err(refused)?;
        let r: wire::CreateComplaintResponse = self.send(
            self.req(reqwest::Method::POST, &wire::create_complaint_path())
                .json(&body),
        )?;
        Ok(RemoteIds {
            complaint_id: r.complaint_id.as_str().to_owned(),
            tracking_id: r.tracking_id,
        })
    }

    fn can_find_by_tag(&self) -> bool {
        self.search_supported
    }

    fn find_by_tag(&self, tag: &str) -> ApiResult<Option<Vec<RemoteMatch>>> {
        if !self.search_supported {
            return Ok(None);
        }
        let page: wire::Page<wire::ComplaintSummary> =
            self.send(self.req(reqwest::Method::GET, &wire::search_path(tag)))?;
        Ok(Some(
            page.items
                .into_iter()
                // The server's search may be fuzzy; only an exact tag counts.
                .filter(|s| {
                    s.tags_raw
                        .as_deref()
                        .is_none_or(|t| wire::tags_contain(t, tag))
                })
                .map(|s| RemoteMatch {
                    ids: RemoteIds {
                        complaint_id: s.complaint_id.as_str().to_owned(),
                        tracking_id: s.tracking_id,
                    },
                    created_at: s.created_at.map(|d| wire::server_wall_to_utc(d.0)),
                })
                .collect(),
        ))
    }

    fn complaint_status(&self, complaint_id: &str) -> ApiResult<RemoteStatus> {
        let asked = id(complaint_id)?;
        let d: wire::ComplaintDetail =
            self.send(self.req(reqwest::Method::GET, &wire::complaint_path(&asked)))?;
        if d.complaint_id.as_str() != asked.as_str() {
            // A gateway cache or a server bug answering for another report:
            // storing it would put a stranger's status on ours.
            return Err(ApiError::bad_response(
                Some(200),
                "LAPOR_UNEXPECTED_SHAPE",
                format!(
                    "asked for complaint {complaint_id}, the answer is about {}",
                    d.complaint_id
                ),
            ));
        }
        let mut status_logs = Vec::with_capacity(d.status_logs.len());
        for (i, l) in d.status_logs.into_iter().enumerate() {
            status_logs.push(RemoteStatusLog {
                status_code: l.status_code.map(|c| c.as_str().to_owned()),
                status_name: l.status_name,
                note: l.note,
                created_at: l
                    .created_at
                    .map(|t| plausible(t, || format!("data.status_logs[{i}].created_at")))
                    .transpose()?,
            });
        }
        Ok(RemoteStatus {
            status_code: d.status_code.as_str().to_owned(),
            status_name: d.status_name,
            tracking_id: d.tracking_id,
            disposition: d.disposition.and_then(inst_ref),
            status_logs,
        })
    }

    fn follow_ups_page(&self, complaint_id: &str, page: u32) -> ApiResult<RemoteFollowUpPage> {
        let page = page.max(1);
        let p: wire::Page<wire::FollowUp> = self.send(self.req(
            reqwest::Method::GET,
            &wire::followups_path(&id(complaint_id)?, page),
        ))?;
        check_page(page, p.current_page)?;
        let next_page = p.next_page().filter(|n| *n > page);
        let mut items = Vec::with_capacity(p.items.len());
        for (i, f) in p.items.into_iter().enumerate() {
            let created_at = plausible(f.created_at, || format!("data.data[{i}].created_at"))?;
            let sender = if f.is_from_reporter() {
                RemoteSender::Reporter
            } else {
                RemoteSender::Institution
            };
            items.push(RemoteFollowUp {
                id: f.id.as_str().to_owned(),
                sender,
                institution_from: f.institution_from.and_then(inst_ref),
                institution_to: f.institution_to.and_then(inst_ref),
                content: f.content,
                template_code: f.template_code,
                rating: f.rating,
                is_secret: f.is_secret,
                attachments: f
                    .attachments
                    .into_iter()
                    .map(|a| RemoteAttachment {
                        id: a.id.map(|i| i.as_str().to_owned()),
                        file_name: a.file_name,
                        url: a.url,
                    })
                    .collect(),
                created_at,
            });
        }
        Ok(RemoteFollowUpPage {
            page,
            items,
            next_page,
            last_page: p.last_page,
        })
    }

    fn institutions(&self) -> ApiResult<Vec<RemoteInstitution>> {
        let mut out: Vec<RemoteInstitution> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut page = 1;
        for _ in 0..MAX_MASTER_PAGES {
            let p: wire::Page<wire::Institution> = self.send(self.req(
                reqwest::Method::GET,
                &wire::institutions_page_path(INSTITUTIONS_PAGE_SIZE, page),
            ))?;
            check_page(page, p.current_page)?;
            let next = p.next_page().filter(|n| *n > page);
            let empty = p.items.is_empty();
            for i in p.items {
                if seen.insert(i.id.as_str().to_owned()) {
                    out.push(RemoteInstitution {
                        id: i.id.as_str().to_owned(),
                        name: i.name,
                    });
                }
            }
            match next {
                Some(n) if !empty => page = n,
                _ => return Ok(out),
            }
        }
        Err(ApiError::bad_response(
            Some(200),
            "LAPOR_UNEXPECTED_SHAPE",
            format!("institution list longer than {MAX_MASTER_PAGES} pages"),
        ))
    }

    fn templates(&self) -> ApiResult<Vec<RemoteTemplate>> {
        let list: Vec<wire::Template> =
            self.send(self.req(reqwest::Method::GET, &wire::templates_path()))?;
        Ok(list
            .into_iter()
            .map(|t| RemoteTemplate {
                template_code: t.template_code,
                title: t.title,
                kind: t.kind,
                content: t.content,
            })
            .collect())
    }

    fn add_follow_up(&self, f: &OutgoingFollowUp) -> ApiResult<Option<String>> {
        let form = wire::AddFollowUpForm {
            complaint_id: id(&f.complaint_id)?,
            institution_from_id: f.institution_from_id.as_deref().map(id).transpose()?,
            institution_to_id: None,
            content: f.content.clone(),
            template_code: f.template_code.clone(),
            rating: None,
            is_secret: f.is_secret,
        };
        let mut mp = multipart::Form::new();
        for (name, value) in form.to_parts().map_err(refused)? {
            mp = mp.text(name, value);
        }
        let r: Option<wire::AddFollowUpResponse> = self.send(
            self.req(reqwest::Method::POST, &wire::add_followup_path())
                .multipart(mp),
        )?;
        Ok(r.and_then(|r| r.followup_id).map(|i| i.as_str().to_owned()))
    }

    fn last_server_time(&self) -> Option<DateTime<Utc>> {
        self.server_time.lock().ok().and_then(|t| t.1)
    }
}
