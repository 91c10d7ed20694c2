//! Everything that can go wrong between raw bytes and typed values.
//!
//! Each variant has a stable [`WireError::code`]; the sync engine stores it with
//! the failed attempt and translates it for the user. `Display` is for logs and
//! never contains credentials (the wire crate never sees them in an error).

use std::fmt;

/// One field-level complaint from the server (Laravel-style `errors` map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// A gateway or web server answered with an HTML page instead of JSON.
    #[error("HTTP {http_status}: HTML page instead of JSON ({title})")]
    HtmlPage { http_status: u16, title: String },
    /// The body is not valid JSON (truncated, garbage, wrong encoding).
    #[error("HTTP {http_status}: malformed JSON: {detail}")]
    MalformedJson { http_status: u16, detail: String },
    /// The body is empty where JSON was expected.
    #[error("HTTP {http_status}: empty body")]
    EmptyBody { http_status: u16 },
    /// The body is larger than we are willing to read.
    #[error("body larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    /// A required field is absent.
    #[error("missing field {path}")]
    MissingField { path: String },
    /// A date/time does not match the expected format or is impossible.
    #[error("bad date at {path}: {detail}")]
    BadDate { path: String, detail: String },
    /// An identifier is empty, negative, fractional or otherwise unusable.
    #[error("bad identifier at {path}: {detail}")]
    BadId { path: String, detail: String },
    /// JSON is well formed but not the shape we expect (wrong type, etc.).
    #[error("unexpected shape at {path}: {detail}")]
    UnexpectedShape { path: String, detail: String },
    /// A well-formed error answer: `success: false` or a non-2xx status.
    #[error("HTTP {http_status}: remote error: {}", message.as_deref().unwrap_or("(no message)"))]
    Remote {
        http_status: u16,
        message: Option<String>,
        fields: Vec<FieldMessage>,
    },
    /// We refused to encode a value (strict in what we send).
    #[error("invalid value for {field}: {reason}")]
    InvalidValue { field: String, reason: String },
}

impl WireError {
    /// Stable machine-readable code. Never rename one: stored attempts and
    /// translations match on it.
    pub fn code(&self) -> &'static str {
        match self {
            WireError::HtmlPage { .. } => "LAPOR_HTML_PAGE",
            WireError::MalformedJson { .. } => "LAPOR_MALFORMED_JSON",
            WireError::EmptyBody { .. } => "LAPOR_EMPTY_BODY",
            WireError::BodyTooLarge { .. } => "LAPOR_BODY_TOO_LARGE",
            WireError::MissingField { .. } => "LAPOR_MISSING_FIELD",
            WireError::BadDate { .. } => "LAPOR_BAD_DATE",
            WireError::BadId { .. } => "LAPOR_BAD_ID",
            WireError::UnexpectedShape { .. } => "LAPOR_UNEXPECTED_SHAPE",
            WireError::Remote { .. } => "LAPOR_REMOTE_ERROR",
            WireError::InvalidValue { .. } => "LAPOR_INVALID_VALUE",
        }
    }

    /// Every code, for catalogue-completeness tests in other crates.
    pub const ALL_CODES: [&'static str; 10] = [
        "LAPOR_HTML_PAGE",
        "LAPOR_MALFORMED_JSON",
        "LAPOR_EMPTY_BODY",
        "LAPOR_BODY_TOO_LARGE",
        "LAPOR_MISSING_FIELD",
        "LAPOR_BAD_DATE",
        "LAPOR_BAD_ID",
        "LAPOR_UNEXPECTED_SHAPE",
        "LAPOR_REMOTE_ERROR",
        "LAPOR_INVALID_VALUE",
    ];

    /// True when the bytes could not be understood at all (as opposed to a
    /// clear answer from the server). For a create, such a response leaves the
    /// outcome unknown: the engine must reconcile, not resend.
    pub fn is_undecodable(&self) -> bool {
        !matches!(
            self,
            WireError::Remote { .. } | WireError::InvalidValue { .. }
        )
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl fmt::Display) -> WireError {
        WireError::InvalidValue {
            field: field.into(),
            reason: reason.to_string(),
        }
    }
}
