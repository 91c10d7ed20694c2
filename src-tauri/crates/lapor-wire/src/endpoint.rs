//! Endpoints, paths and headers.
//!
//! Paths are relative to the configured base URL (e.g. the SPLP gateway's
//! `.../lapor/3.0.0`). Every endpoint has a stable key used by the simulator's
//! fault rules, the engine's attempt log and the OpenAPI cross-check.

use serde::{Deserialize, Serialize};

use crate::error::WireError;
use crate::lenient::LaporId;

/// Where a piece of the contract comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Seen in a real production client of the v3 API (domain.md §4).
    Observed,
    /// Our best guess; verify against the official documentation when available.
    Assumed,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Observed => "observed",
            Provenance::Assumed => "assumed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// The LAPOR! endpoints Posko uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Institutions,
    Templates,
    UploadFile,
    CreateComplaint,
    Reject,
    GetComplaint,
    ListFollowups,
    AddFollowup,
    /// **Assumed**: not seen in a real client. Used only when configuration
    /// says the server supports it.
    Search,
}

impl Endpoint {
    pub const ALL: [Endpoint; 9] = [
        Endpoint::Institutions,
        Endpoint::Templates,
        Endpoint::UploadFile,
        Endpoint::CreateComplaint,
        Endpoint::Reject,
        Endpoint::GetComplaint,
        Endpoint::ListFollowups,
        Endpoint::AddFollowup,
        Endpoint::Search,
    ];

    /// Stable key (fault rules, stats, attempt log). Never rename one.
    pub fn key(self) -> &'static str {
        match self {
            Endpoint::Institutions => "institutions",
            Endpoint::Templates => "templates",
            Endpoint::UploadFile => "upload_file",
            Endpoint::CreateComplaint => "create_complaint",
            Endpoint::Reject => "reject",
            Endpoint::GetComplaint => "get_complaint",
            Endpoint::ListFollowups => "list_followups",
            Endpoint::AddFollowup => "add_followup",
            Endpoint::Search => "search",
        }
    }

    pub fn from_key(key: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.key() == key)
    }

    pub fn method(self) -> Method {
        match self {
            Endpoint::Institutions
            | Endpoint::Templates
            | Endpoint::GetComplaint
            | Endpoint::ListFollowups
            | Endpoint::Search => Method::Get,
            Endpoint::UploadFile
            | Endpoint::CreateComplaint
            | Endpoint::Reject
            | Endpoint::AddFollowup => Method::Post,
        }
    }

    /// Path template in OpenAPI notation (`{id}`), without the query string.
    pub fn path_template(self) -> &'static str {
        match self {
            Endpoint::Institutions => "/masters/institutions/external",
            Endpoint::Templates => "/masters/templates",
            Endpoint::UploadFile => "/complaints/complaint/file",
            Endpoint::CreateComplaint => "/complaints/complaint",
            Endpoint::Reject => "/complaints/process/{id}/reject",
            Endpoint::GetComplaint => "/complaints/{id}/complaint",
            Endpoint::ListFollowups => "/complaints/{id}/followups",
            Endpoint::AddFollowup => "/complaints/followup/add",
            Endpoint::Search => "/complaints/complaint/search",
        }
    }

    pub fn provenance(self) -> Provenance {
        match self {
            Endpoint::Search => Provenance::Assumed,
            _ => Provenance::Observed,
        }
    }

    /// Whether a repeated call can create a second remote record. The engine
    /// must never blindly repeat these after an unknown outcome.
    pub fn creates_remote_record(self) -> bool {
        matches!(
            self,
            Endpoint::UploadFile | Endpoint::CreateComplaint | Endpoint::AddFollowup
        )
    }
}

/// `GET /masters/institutions/external?page_size=N`
pub fn institutions_path(page_size: u32) -> String {
    format!("/masters/institutions/external?page_size={page_size}")
}

/// `GET /masters/institutions/external?page_size=N&page=P`. Page 1 is asked
/// exactly as the observed client did (`page_size` only); later pages add
/// `page` (assumed, Laravel's paginator parameter).
pub fn institutions_page_path(page_size: u32, page: u32) -> String {
    if page <= 1 {
        institutions_path(page_size)
    } else {
        format!("/masters/institutions/external?page_size={page_size}&page={page}")
    }
}

/// `GET /masters/templates`
pub fn templates_path() -> String {
    "/masters/templates".to_string()
}

/// `POST /complaints/complaint/file`
pub fn upload_file_path() -> String {
    "/complaints/complaint/file".to_string()
}

/// `POST /complaints/complaint`
pub fn create_complaint_path() -> String {
    "/complaints/complaint".to_string()
}

/// `POST /complaints/process/{id}/reject`
pub fn reject_path(complaint_id: &LaporId) -> String {
    format!(
        "/complaints/process/{}/reject",
        encode_segment(complaint_id.as_str())
    )
}

/// `GET /complaints/{id}/complaint`
pub fn complaint_path(complaint_id: &LaporId) -> String {
    format!(
        "/complaints/{}/complaint",
        encode_segment(complaint_id.as_str())
    )
}

/// `GET /complaints/{id}/followups?page=N` (pages start at 1).
pub fn followups_path(complaint_id: &LaporId, page: u32) -> String {
    format!(
        "/complaints/{}/followups?page={}",
        encode_segment(complaint_id.as_str()),
        page.max(1)
    )
}

/// `POST /complaints/followup/add`
pub fn add_followup_path() -> String {
    "/complaints/followup/add".to_string()
}

/// `GET /complaints/complaint/search?tags_raw=<tag>` (**assumed** endpoint).
pub fn search_path(tag: &str) -> String {
    format!(
        "/complaints/complaint/search?tags_raw={}",
        encode_query(tag)
    )
}

/// Join a configured base URL and an endpoint path without doubling slashes.
pub fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Percent-encode a path segment: ids come from the server and must not be
/// able to add path segments or a query.
pub fn encode_segment(s: &str) -> String {
    percent_encode(s)
}

/// Percent-encode a query value (`+`, `&`, `=` and `#` included).
pub fn encode_query(s: &str) -> String {
    percent_encode(s)
}

/// Everything but RFC 3986 unreserved characters is escaped.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `token` header carrying the per-agency GUID (observed).
pub const HEADER_TOKEN: &str = "token";
/// Default name of the header carrying `Bearer <key>` (observed as an
/// authorization header; the exact name is configurable because gateways differ).
pub const DEFAULT_AUTH_HEADER: &str = "Authorization";
/// Prefix of the auth header value (observed).
pub const BEARER_PREFIX: &str = "Bearer ";
pub const HEADER_ACCEPT: &str = "Accept";
pub const ACCEPT_JSON: &str = "application/json";
pub const HEADER_CONTENT_TYPE: &str = "Content-Type";
pub const HEADER_RETRY_AFTER: &str = "Retry-After";
/// Multipart field name for uploaded files (observed: `attachments[]`).
pub const FILE_FIELD: &str = "attachments[]";

/// How the client authenticates. Carries no secret: the key and token are
/// passed in at call time from the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthScheme {
    pub header_name: String,
}

impl Default for AuthScheme {
    fn default() -> Self {
        AuthScheme {
            header_name: DEFAULT_AUTH_HEADER.to_string(),
        }
    }
}

impl AuthScheme {
    /// Checked constructor: an HTTP token (RFC 9110), so it cannot inject a
    /// second header line.
    pub fn new(header_name: &str) -> Result<AuthScheme, WireError> {
        let ok = !header_name.is_empty()
            && header_name.len() <= 64
            && header_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !ok {
            return Err(WireError::invalid(
                "auth_header",
                "not a valid HTTP header name",
            ));
        }
        if header_name.eq_ignore_ascii_case(HEADER_TOKEN) {
            return Err(WireError::invalid(
                "auth_header",
                "must differ from the token header",
            ));
        }
        Ok(AuthScheme {
            header_name: header_name.to_string(),
        })
    }

    /// The headers to send on every request, in order: auth, token, accept.
    /// Refuses keys/tokens that would break the header line.
    pub fn headers(&self, key: &str, token: &str) -> Result<[(String, String); 3], WireError> {
        for (name, v) in [("auth_key", key), ("token", token)] {
            if v.is_empty() || v.bytes().any(|b| b.is_ascii_control() || b == b' ') {
                return Err(WireError::invalid(
                    name,
                    "empty or contains spaces/control characters",
                ));
            }
        }
        Ok([
            (self.header_name.clone(), format!("{BEARER_PREFIX}{key}")),
            (HEADER_TOKEN.to_string(), token.to_string()),
            (HEADER_ACCEPT.to_string(), ACCEPT_JSON.to_string()),
        ])
    }
}

/// The key inside a `Bearer <key>` value (case-insensitive scheme), for servers.
pub fn parse_bearer(value: &str) -> Option<&str> {
    let v = value.trim();
    let (scheme, rest) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim())
        .filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_round_trip() {
        let mut keys: Vec<_> = Endpoint::ALL.iter().map(|e| e.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Endpoint::ALL.len());
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::from_key(e.key()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), e.key());
        }
    }

    #[test]
    fn paths_encode_ids() {
        let id = LaporId::new("12/../x?y").unwrap();
        assert_eq!(complaint_path(&id), "/complaints/12%2F..%2Fx%3Fy/complaint");
        assert_eq!(
            followups_path(&LaporId::from_u64(5), 0),
            "/complaints/5/followups?page=1"
        );
        assert_eq!(
            institutions_page_path(500, 1),
            "/masters/institutions/external?page_size=500"
        );
        assert_eq!(
            institutions_page_path(500, 3),
            "/masters/institutions/external?page_size=500&page=3"
        );
        assert_eq!(
            search_path("posko-ref-A1 &b=c"),
            "/complaints/complaint/search?tags_raw=posko-ref-A1%20%26b%3Dc"
        );
        assert_eq!(
            join_url("http://h/lapor/3.0.0/", "/masters/templates"),
            "http://h/lapor/3.0.0/masters/templates"
        );
    }

    #[test]
    fn auth_headers() {
        let a = AuthScheme::default();
        let h = a.headers("k3y", "0000-1111").unwrap();
        assert_eq!(h[0], ("Authorization".into(), "Bearer k3y".into()));
        assert_eq!(h[1], ("token".into(), "0000-1111".into()));
        assert!(a.headers("k y", "t").is_err());
        assert!(a.headers("k", "t\r\nX: y").is_err());
        assert!(AuthScheme::new("X-Api-Key").is_ok());
        assert!(AuthScheme::new("Bad Header").is_err());
        assert!(AuthScheme::new("Token").is_err());
        assert_eq!(parse_bearer("Bearer abc"), Some("abc"));
        assert_eq!(parse_bearer("bearer  abc "), Some("abc"));
        assert_eq!(parse_bearer("Basic abc"), None);
        assert_eq!(parse_bearer("Bearer "), None);
    }
}
