//! Field-level validation results. A code, not a sentence: the sentence lives
//! in the translation catalogs (posko-core's messages and the UI's i18n).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    TooLong,
    TooShort,
    InvalidChoice,
    NikLength,
    NikNotDigits,
    NikBirthDate,
    PhoneFormat,
    EmailFormat,
    DateInFuture,
    DateTooOld,
    DateFormat,
    ControlCharacters,
    AttachmentTooLarge,
    AttachmentType,
    NipFormat,
    LogoType,
    Base64,
    TrackingIdFormat,
    InsecureUrl,
    /// A number under its minimum (`limit`).
    BelowMinimum,
    /// A number over its maximum (`limit`).
    AboveMaximum,
}

impl FieldErrorCode {
    pub fn code(self) -> &'static str {
        match self {
            FieldErrorCode::Required => "required",
            FieldErrorCode::TooLong => "too_long",
            FieldErrorCode::TooShort => "too_short",
            FieldErrorCode::InvalidChoice => "invalid_choice",
            FieldErrorCode::NikLength => "nik_length",
            FieldErrorCode::NikNotDigits => "nik_not_digits",
            FieldErrorCode::NikBirthDate => "nik_birth_date",
            FieldErrorCode::PhoneFormat => "phone_format",
            FieldErrorCode::EmailFormat => "email_format",
            FieldErrorCode::DateInFuture => "date_in_future",
            FieldErrorCode::DateTooOld => "date_too_old",
            FieldErrorCode::DateFormat => "date_format",
            FieldErrorCode::ControlCharacters => "control_characters",
            FieldErrorCode::AttachmentTooLarge => "attachment_too_large",
            FieldErrorCode::AttachmentType => "attachment_type",
            FieldErrorCode::NipFormat => "nip_format",
            FieldErrorCode::LogoType => "logo_type",
            FieldErrorCode::Base64 => "base64",
            FieldErrorCode::TrackingIdFormat => "tracking_id_format",
            FieldErrorCode::InsecureUrl => "insecure_url",
            FieldErrorCode::BelowMinimum => "below_minimum",
            FieldErrorCode::AboveMaximum => "above_maximum",
        }
    }
}

/// One problem with one field. `limit` carries the number a message needs
/// ("at most 200 characters").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldError {
    pub field: String,
    pub code: FieldErrorCode,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<u64>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldErrorCode) -> Self {
        FieldError {
            field: field.into(),
            code,
            limit: None,
        }
    }

    pub fn with_limit(field: impl Into<String>, code: FieldErrorCode, limit: u64) -> Self {
        FieldError {
            field: field.into(),
            code,
            limit: Some(limit),
        }
    }
}

/// A warning does not block saving (for example an unknown NIK region code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldWarning {
    pub field: String,
    pub code: String,
}
