//! The response envelope and the one decode entry point.
//!
//! **Assumed** envelope (the official documentation is not public):
//! `{"success": bool, "message": str|null, "data": ..., "errors": {field: [msg]}?}`.
//! Decoding is tolerant: `success` may be missing (then the HTTP status
//! decides), unknown keys are ignored, and a list endpoint may answer with a
//! bare array or a Laravel-style paginator object.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};

use crate::date::BAD_DATE_MARK;
use crate::error::{FieldMessage, WireError};
use crate::lenient::{self, BAD_ID_MARK};

/// Largest body a client should read (4 MiB). Real answers are a few KiB; a
/// bigger one is a broken gateway or an attack, and reading it would stall a
/// puskesmas PC on a slow line.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What the server wraps every answer in (assumed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    #[serde(with = "lenient::bool_lenient")]
    pub success: bool,
    #[serde(default)]
    pub message: Option<String>,
    pub data: Option<T>,
    /// Laravel-style validation errors; omitted when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Envelope {
            success: true,
            message: Some("OK".into()),
            data: Some(data),
            errors: None,
        }
    }
}

impl Envelope<()> {
    pub fn error(message: impl Into<String>) -> Self {
        Envelope {
            success: false,
            message: Some(message.into()),
            data: None,
            errors: None,
        }
    }

    pub fn validation(message: impl Into<String>, errors: BTreeMap<String, Vec<String>>) -> Self {
        Envelope {
            success: false,
            message: Some(message.into()),
            data: None,
            errors: Some(errors),
        }
    }
}

/// A list answer. Decodes from a bare JSON array or from a paginator object
/// `{"data": [...], "current_page", "last_page", "per_page", "total"}` (the
/// assumed shape, Laravel's); serializes as the paginator object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    #[serde(rename = "data")]
    pub items: Vec<T>,
    pub current_page: Option<u32>,
    pub last_page: Option<u32>,
    pub per_page: Option<u32>,
    pub total: Option<u32>,
}

impl<T> Page<T> {
    /// A single page holding everything.
    pub fn all(items: Vec<T>) -> Self {
        Page {
            items,
            current_page: None,
            last_page: None,
            per_page: None,
            total: None,
        }
    }

    /// The page to fetch next, or `None` when this was the last one. Without
    /// paging fields the answer was complete. With only `per_page`, a full page
    /// means "maybe more" (one extra empty request is cheaper than a gap).
    pub fn next_page(&self) -> Option<u32> {
        let current = self.current_page?;
        match (self.last_page, self.per_page) {
            (Some(last), _) => (current < last).then_some(current + 1),
            (None, Some(per)) if per > 0 && self.items.len() >= per as usize => Some(current + 1),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct PagedRepr<T> {
    #[serde(alias = "items")]
    data: Vec<T>,
    #[serde(default, with = "lenient::opt_u32")]
    current_page: Option<u32>,
    #[serde(default, with = "lenient::opt_u32")]
    last_page: Option<u32>,
    #[serde(default, with = "lenient::opt_u32")]
    per_page: Option<u32>,
    #[serde(default, with = "lenient::opt_u32")]
    total: Option<u32>,
}

/// Marks a nested path inside a custom serde message (see [`classify`]).
const PATH_MARK: &str = "lapor-path=";

/// Re-run a nested decode with path tracking and carry the path out inside
/// the error message, because going through `Value` loses the outer tracker.
fn nested<'de, T: Deserialize<'de>, E: serde::de::Error>(v: serde_json::Value) -> Result<T, E> {
    serde_path_to_error::deserialize::<_, T>(v)
        .map_err(|e| E::custom(format!("{PATH_MARK}{}; {}", e.path(), e.inner())))
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Branch on the JSON type ourselves: an untagged enum would hide the
        // real element error ("data[3].created_at") behind "no variant matched".
        let v = serde_json::Value::deserialize(d)?;
        if v.is_array() {
            return nested::<Vec<T>, D::Error>(v).map(Page::all);
        }
        let p: PagedRepr<T> = nested(v)?;
        Ok(Page {
            items: p.data,
            current_page: p.current_page,
            last_page: p.last_page,
            per_page: p.per_page,
            total: p.total,
        })
    }
}

/// True if the bytes look like an HTML page (gateways, proxies, captive portals).
pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let ct_html = content_type
        .map(|c| c.to_ascii_lowercase().contains("text/html"))
        .unwrap_or(false);
    let first = body
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    ct_html || first == Some(b'<')
}

/// The `<title>` of an HTML page, for a readable failure reason.
fn html_title(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(8192)]);
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let from = start + "<title>".len();
        lower[from..]
            .find("</title>")
            .map(|end| text[from..from + end].trim().to_string())
    });
    let t = title.unwrap_or_default();
    let t: String = t.chars().filter(|c| !c.is_control()).take(120).collect();
    if t.is_empty() { "untitled".into() } else { t }
}

/// Decode one HTTP answer into the envelope's `data`.
///
/// `http_status` and `content_type` come from the response head; `body` is
/// what the client read (it should stop reading at [`MAX_BODY_BYTES`] and pass
/// what it has: anything over the limit is refused here too).
///
/// - 2xx with `success: true` (or no `success` key) → `data` decoded as `T`
///   (`null`/missing `data` is decoded from JSON `null`, so `T = Option<_>`
///   or `()` accepts it).
/// - any well-formed JSON error (non-2xx or `success: false`) → [`WireError::Remote`].
/// - HTML, empty, malformed, oversize, wrong shape → the matching variant.
pub fn decode<T: DeserializeOwned>(
    http_status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<T, WireError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(WireError::BodyTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(WireError::EmptyBody { http_status });
    }
    if looks_like_html(content_type, body) {
        return Err(WireError::HtmlPage {
            http_status,
            title: html_title(body),
        });
    }
    if let Some(data) = decode_success(http_status, body) {
        return Ok(data);
    }
    decode_checked(http_status, body)
}

/// The JSON tree first, then the envelope, then `data` with its path: slower,
/// and it says exactly what is wrong.
fn decode_checked<T: DeserializeOwned>(http_status: u16, body: &[u8]) -> Result<T, WireError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| WireError::MalformedJson {
            http_status,
            detail: e.to_string(),
        })?;
    let serde_json::Value::Object(mut obj) = value else {
        return Err(WireError::UnexpectedShape {
            path: ".".into(),
            detail: "the answer is not a JSON object".into(),
        });
    };
    let http_ok = (200..300).contains(&http_status);
    let success = match obj.get("success") {
        None | Some(serde_json::Value::Null) => http_ok,
        Some(v) => lenient::bool_lenient::parse(v).ok_or_else(|| WireError::UnexpectedShape {
            path: "success".into(),
            detail: format!("expected a boolean, got {v}"),
        })?,
    };
    if !success || !http_ok {
        return Err(remote_error(http_status, &obj));
    }
    let data = obj.remove("data").unwrap_or(serde_json::Value::Null);
    decode_value(data, "data")
}

/// The usual answer (2xx, `success` true or absent, `data` a valid `T`) in
/// one pass, without building a JSON tree first. `None` for anything else:
/// [`decode`] then takes the checked path, which accepts exactly what this
/// accepts and names whatever is wrong with the rest.
fn decode_success<T: DeserializeOwned>(http_status: u16, body: &[u8]) -> Option<T> {
    #[derive(Deserialize)]
    struct Success<T> {
        #[serde(default)]
        success: Option<serde_json::Value>,
        #[serde(default = "Option::default")]
        data: Option<T>,
    }
    if !(200..300).contains(&http_status) {
        return None;
    }
    // An object only (a struct would also take an array, field by field).
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let answer: Success<T> = serde_json::from_slice(body).ok()?;
    if let Some(v) = &answer.success
        && !lenient::bool_lenient::parse(v)?
    {
        return None;
    }
    match answer.data {
        Some(data) => Some(data),
        // Missing or `null`: decoded from `null`, as the checked path does.
        None => decode_value(serde_json::Value::Null, "data").ok(),
    }
}

/// Decode a JSON value into `T`, mapping serde failures to typed errors with
/// the JSON path (prefixed by `root`).
pub fn decode_value<T: DeserializeOwned>(
    value: serde_json::Value,
    root: &str,
) -> Result<T, WireError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        classify(
            join_path(root, &e.path().to_string()),
            e.inner().to_string(),
        )
    })
}

fn join_path(a: &str, b: &str) -> String {
    match b {
        "" | "." => a.to_string(),
        b if b.starts_with('[') => format!("{a}{b}"),
        b => format!("{a}.{b}"),
    }
}

fn classify(path: String, msg: String) -> WireError {
    if let Some(rest) = msg.strip_prefix(PATH_MARK)
        && let Some((sub, inner)) = rest.split_once("; ")
    {
        return classify(join_path(&path, sub), inner.to_string());
    }
    if let Some(i) = msg.find(BAD_DATE_MARK) {
        return WireError::BadDate {
            path,
            detail: msg[i + BAD_DATE_MARK.len()..].to_string(),
        };
    }
    if let Some(i) = msg.find(BAD_ID_MARK) {
        return WireError::BadId {
            path,
            detail: msg[i + BAD_ID_MARK.len()..].to_string(),
        };
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return WireError::MissingField {
            path: join_path(&path, field),
        };
    }
    WireError::UnexpectedShape { path, detail: msg }
}

fn remote_error(http_status: u16, obj: &serde_json::Map<String, serde_json::Value>) -> WireError {
    let message = obj
        .get("message")
        .or_else(|| obj.get("error"))
        .and_then(|m| match m {
            serde_json::Value::String(s) => Some(s.chars().take(500).collect()),
            serde_json::Value::Null => None,
            other => Some(other.to_string().chars().take(500).collect()),
        });
    let mut fields = Vec::new();
    if let Some(serde_json::Value::Object(errs)) = obj.get("errors") {
        for (field, msgs) in errs {
            match msgs {
                serde_json::Value::Array(list) => {
                    for m in list {
                        fields.push(FieldMessage {
                            field: field.clone(),
                            message: m
                                .as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| m.to_string()),
                        });
                    }
                }
                serde_json::Value::String(s) => fields.push(FieldMessage {
                    field: field.clone(),
                    message: s.clone(),
                }),
                other => fields.push(FieldMessage {
                    field: field.clone(),
                    message: other.to_string(),
                }),
            }
        }
    }
    WireError::Remote {
        http_status,
        message,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lenient::LaporId;
    use crate::types::*;

    /// Where the one-pass decode answers, it answers what the checked one does.
    fn agree<T: DeserializeOwned + PartialEq + std::fmt::Debug>(body: &str) -> bool {
        let fast = decode_success::<T>(200, body.as_bytes());
        let checked = decode_checked::<T>(200, body.as_bytes());
        if let Some(f) = &fast {
            assert_eq!(Some(f), checked.as_ref().ok(), "{body}");
        }
        fast.is_some()
    }

    #[test]
    fn the_one_pass_decode_agrees_with_the_checked_one() {
        let detail = r#"{"complaint_id":700001,"tracking_id":"4821937","title":"Antrean","status_code":3,
            "status_name":"Dalam Proses","disposition":{"institution_id":"101","institution_name":"Dinkes"},
            "is_anonymous":"0","is_secret":1,"tags_raw":"a,posko-ref-01J9ZK3V7Q","created_at":"05-03-2026 09:15:00",
            "status_logs":[{"status_code":"1","status_name":"Belum Terverifikasi","created_at":"05-03-2026 09:15:00"}],
            "data_logs":null,"extra":{"x":[1,2]}}"#;
        let follow_up = r#"{"id":"9","sender":"reporter","content":"Terima kasih","created_at":"06-03-2026 10:00:00",
            "attachments":null,"rating":"4","is_secret":"0"}"#;
        // Accepted in one pass: every lenient spelling of a good answer.
        for success in ["true", "1", "\"1\"", "\"true\"", "null"] {
            let body = format!(r#"{{"success":{success},"message":"OK","data":{detail}}}"#);
            assert!(agree::<ComplaintDetail>(&body), "{body}");
        }
        assert!(agree::<ComplaintDetail>(&format!(r#"{{"data":{detail}}}"#)));
        assert!(agree::<CreateComplaintResponse>(
            r#"{"success":true,"data":{"complaint_id":"12","tracking_id":4821937}}"#
        ));
        for page in [
            format!("[{follow_up}]"),
            format!(r#"{{"current_page":"1","data":[{follow_up}],"last_page":2,"per_page":1}}"#),
            r#"{"current_page":1,"data":[],"last_page":1}"#.to_owned(),
        ] {
            let body = format!(r#"{{"success":true,"data":{page}}}"#);
            assert!(agree::<Page<FollowUp>>(&body), "{body}");
        }
        for body in [r#"{"success":true}"#, r#"{"success":true,"data":null}"#] {
            assert!(agree::<Option<AddFollowUpResponse>>(body), "{body}");
        }
        // Left to the checked path (which refuses or explains them).
        for body in [
            r#"{"success":false,"message":"Token tidak valid","data":null}"#,
            r#"{"success":"maybe","data":{"complaint_id":1}}"#,
            r#"[true,"OK",{"complaint_id":1}]"#,
            r#"{"success":true,"data":{"complaint_id":1},"data":{"complaint_id":2}}"#,
            r#"{"success":true,"data":{"complaint_id":"12","tracking_id":{}}}"#,
            r#"{"success":true,"data":{}}"#,
            r#"{"success":true,"data":{"complaint_id":1}} trailing"#,
        ] {
            assert!(!agree::<CreateComplaintResponse>(body), "{body}");
        }
        let bad_date = format!(
            r#"{{"success":true,"data":{}}}"#,
            detail.replace("05-03-2026 09:15:00\"}]", "2026-03-05\"}]")
        );
        assert_ne!(bad_date, format!(r#"{{"success":true,"data":{detail}}}"#));
        assert!(!agree::<ComplaintDetail>(&bad_date));
        assert!(matches!(
            decode::<ComplaintDetail>(200, None, bad_date.as_bytes()),
            Err(WireError::BadDate { .. })
        ));
        // Not a 2xx: never the one-pass path.
        assert!(
            decode_success::<CreateComplaintResponse>(
                500,
                br#"{"success":true,"data":{"complaint_id":1}}"#
            )
            .is_none()
        );
    }

    #[test]
    fn page_from_array_or_paginator() {
        let p: Page<LaporId> = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.next_page(), None);
        let p: Page<LaporId> = serde_json::from_str(
            r#"{"current_page":"1","data":[1],"last_page":3,"per_page":1,"total":3,"links":[]}"#,
        )
        .unwrap();
        assert_eq!(p.next_page(), Some(2));
        let p: Page<LaporId> =
            serde_json::from_str(r#"{"current_page":3,"data":[1],"last_page":3}"#).unwrap();
        assert_eq!(p.next_page(), None);
        let p: Page<LaporId> =
            serde_json::from_str(r#"{"current_page":1,"data":[1,2],"per_page":2}"#).unwrap();
        assert_eq!(p.next_page(), Some(2));
    }

    #[test]
    fn envelope_round_trip() {
        let e = Envelope::ok(vec![LaporId::from_u64(1)]);
        let s = serde_json::to_string(&e).unwrap();
        assert_eq!(s, r#"{"success":true,"message":"OK","data":[1]}"#);
        let back: Vec<LaporId> = decode(200, Some("application/json"), s.as_bytes()).unwrap();
        assert_eq!(back, vec![LaporId::from_u64(1)]);
    }

    #[test]
    fn html_title_is_extracted() {
        let e = decode::<()>(
            502,
            Some("text/html; charset=utf-8"),
            b"<html><head><TITLE>502 Bad Gateway</TITLE></head></html>",
        )
        .unwrap_err();
        assert_eq!(
            e,
            WireError::HtmlPage {
                http_status: 502,
                title: "502 Bad Gateway".into()
            }
        );
    }
}
