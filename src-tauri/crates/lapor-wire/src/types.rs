//! Request and response bodies, one section per endpoint.
//!
//! Requests are strict: `deny_unknown_fields` (so the simulator catches a
//! client that sends something undocumented) and [`CreateComplaintRequest::validate`]
//! before sending. Responses are tolerant: unknown fields ignored, optional
//! fields `Option`, ids and booleans through the lenient decoders.
//! Field provenance (observed/assumed) is listed in `docs/lapor-contract.md`.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::date::{IncidentDate, LaporDateTime, opt_datetime};
use crate::error::WireError;
use crate::lenient::{self, LaporId};

// ---------------------------------------------------------------- masters

/// `GET /masters/institutions/external` item: a routing target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    pub id: LaporId,
    #[serde(with = "lenient::text")]
    pub name: String,
}

/// `GET /masters/templates` item: a reply template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    #[serde(with = "lenient::text")]
    pub template_code: String,
    #[serde(default, with = "lenient::opt_text")]
    pub title: Option<String>,
    #[serde(rename = "type", default, with = "lenient::opt_text")]
    pub kind: Option<String>,
    #[serde(default, with = "lenient::opt_text")]
    pub content: Option<String>,
}

// ---------------------------------------------------------------- upload

/// One stored document from `POST /complaints/complaint/file`. The answer's
/// `data` is a list of these (assumed); a bare id is accepted as well.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadedDocument {
    pub id: LaporId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl<'de> Deserialize<'de> for UploadedDocument {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Obj {
            #[serde(alias = "document_id", alias = "attachment_id")]
            id: LaporId,
            #[serde(default, alias = "name", with = "lenient::opt_text")]
            file_name: Option<String>,
            #[serde(default)]
            size: Option<u64>,
        }
        let v = serde_json::Value::deserialize(d)?;
        if v.is_object() {
            let o = Obj::deserialize(v).map_err(de::Error::custom)?;
            Ok(UploadedDocument {
                id: o.id,
                file_name: o.file_name,
                size: o.size,
            })
        } else {
            let id = LaporId::deserialize(v).map_err(de::Error::custom)?;
            Ok(UploadedDocument {
                id,
                file_name: None,
                size: None,
            })
        }
    }
}

// ---------------------------------------------------------------- create

/// `POST /complaints/complaint` body (JSON).
///
/// Privacy: `is_anonymous` ← anonim, `is_secret` ← rahasia. Never put a NIK
/// in any text field: [`validate`](Self::validate) refuses NIK-like numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateComplaintRequest {
    pub title: String,
    pub content: String,
    pub channel: LaporId,
    pub classification_id: LaporId,
    pub category_id: LaporId,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "lenient::opt_id"
    )]
    pub disposition_id: Option<LaporId>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "lenient::opt_id"
    )]
    pub location_id: Option<LaporId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_incident: Option<IncidentDate>,
    #[serde(with = "lenient::bool_lenient")]
    pub is_anonymous: bool,
    #[serde(with = "lenient::bool_lenient")]
    pub is_secret: bool,
    /// Comma-separated tags; Posko adds its own reference tag here (see
    /// [`reference_tag`]) so a create whose answer was lost can be found.
    #[serde(default)]
    pub tags_raw: String,
    /// Document ids from the upload endpoint, sent as a JSON array. The
    /// simulator also accepts a JSON-encoded string (`"[1,2]"`), which some
    /// PHP clients send.
    #[serde(default, deserialize_with = "attachments_lenient")]
    pub attachments: Vec<LaporId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_email: Option<String>,
}

fn attachments_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LaporId>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(Vec::new()),
        serde_json::Value::String(s) => serde_json::from_str(&s).map_err(de::Error::custom),
        v => Vec::<LaporId>::deserialize(v).map_err(de::Error::custom),
    }
}

/// Longest title we send; LAPOR!'s web form limits titles (assumed 255).
pub const MAX_TITLE_CHARS: usize = 255;

impl CreateComplaintRequest {
    /// Strict checks before anything leaves the machine.
    pub fn validate(&self) -> Result<(), WireError> {
        non_blank("title", &self.title)?;
        non_blank("content", &self.content)?;
        if self.title.chars().count() > MAX_TITLE_CHARS {
            return Err(WireError::invalid(
                "title",
                format!("longer than {MAX_TITLE_CHARS} characters"),
            ));
        }
        if self.tags_raw.chars().any(char::is_control) {
            return Err(WireError::invalid(
                "tags_raw",
                "contains control characters",
            ));
        }
        let texts = [
            ("title", Some(self.title.as_str())),
            ("content", Some(self.content.as_str())),
            ("tags_raw", Some(self.tags_raw.as_str())),
            ("reporter_name", self.reporter_name.as_deref()),
            ("reporter_email", self.reporter_email.as_deref()),
        ];
        for (field, text) in texts {
            if text.is_some_and(contains_nik_like) {
                return Err(WireError::invalid(
                    field,
                    "contains a NIK-like 16-digit number",
                ));
            }
        }
        Ok(())
    }

    /// The text fields that are free text (checked for NIK leaks by the
    /// simulator and tests).
    pub fn free_texts(&self) -> Vec<&str> {
        let mut v = vec![
            self.title.as_str(),
            self.content.as_str(),
            self.tags_raw.as_str(),
        ];
        v.extend(self.reporter_name.as_deref());
        v
    }
}

fn non_blank(field: &str, v: &str) -> Result<(), WireError> {
    if v.trim().is_empty() {
        Err(WireError::invalid(field, "empty"))
    } else {
        Ok(())
    }
}

/// `POST /complaints/complaint` answer `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateComplaintResponse {
    #[serde(alias = "id")]
    pub complaint_id: LaporId,
    /// The public 7-digit Tracking ID (field name assumed).
    #[serde(
        default,
        alias = "tracking_code",
        alias = "tracking_number",
        with = "lenient::opt_text"
    )]
    pub tracking_id: Option<String>,
}

// ---------------------------------------------------------------- reject / forward

/// `POST /complaints/process/{id}/reject` body (JSON): not our authority,
/// forward to `institution_id` with a reason. Field names assumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub institution_id: LaporId,
    pub reason: String,
}

/// Answer `data` of process actions; the server may send `null` (decode as
/// `Option<ProcessResult>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessResult {
    #[serde(default, with = "lenient::opt_id")]
    pub complaint_id: Option<LaporId>,
    #[serde(default, with = "lenient::opt_id")]
    pub status_code: Option<LaporId>,
    #[serde(default, with = "lenient::opt_text")]
    pub status_name: Option<String>,
}

// ---------------------------------------------------------------- detail

/// An institution reference as it appears inside other objects. Accepts
/// `{"id","name"}`, `{"institution_id","institution_name"}`, a bare id, a bare
/// name, or `null`; serializes as `{"id","name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InstitutionRef {
    pub id: Option<LaporId>,
    pub name: Option<String>,
}

impl<'de> Deserialize<'de> for InstitutionRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Null => Ok(InstitutionRef::default()),
            serde_json::Value::Number(_) => Ok(InstitutionRef {
                id: Some(LaporId::deserialize(v).map_err(de::Error::custom)?),
                name: None,
            }),
            serde_json::Value::String(s) => Ok(InstitutionRef {
                id: None,
                name: Some(s),
            }),
            serde_json::Value::Object(mut o) => {
                let id = o
                    .remove("id")
                    .or_else(|| o.remove("institution_id"))
                    .map(lenient::opt_id::deserialize)
                    .transpose()
                    .map_err(de::Error::custom)?
                    .flatten();
                let name = o
                    .remove("name")
                    .or_else(|| o.remove("institution_name"))
                    .map(lenient::opt_text::deserialize)
                    .transpose()
                    .map_err(de::Error::custom)?
                    .flatten();
                Ok(InstitutionRef { id, name })
            }
            other => Err(de::Error::custom(format!(
                "expected an institution, got {other}"
            ))),
        }
    }
}

/// One status change (observed as `status_logs[]`; item fields assumed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusLog {
    #[serde(default, with = "lenient::opt_id")]
    pub status_code: Option<LaporId>,
    #[serde(default, with = "lenient::opt_text")]
    pub status_name: Option<String>,
    #[serde(default, with = "lenient::opt_text")]
    pub note: Option<String>,
    #[serde(default, with = "opt_datetime")]
    pub created_at: Option<LaporDateTime>,
}

/// One data change (observed as `data_logs[]`; item fields assumed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataLog {
    #[serde(default, with = "lenient::opt_text")]
    pub action: Option<String>,
    #[serde(default, with = "lenient::opt_text")]
    pub description: Option<String>,
    #[serde(default, with = "opt_datetime")]
    pub created_at: Option<LaporDateTime>,
}

/// `GET /complaints/{id}/complaint` answer `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintDetail {
    #[serde(alias = "id")]
    pub complaint_id: LaporId,
    #[serde(default, alias = "tracking_code", with = "lenient::opt_text")]
    pub tracking_id: Option<String>,
    #[serde(default, with = "lenient::opt_text")]
    pub title: Option<String>,
    /// Kept verbatim beside the local state; unknown codes are expected.
    pub status_code: LaporId,
    #[serde(with = "lenient::text")]
    pub status_name: String,
    #[serde(default)]
    pub disposition: Option<InstitutionRef>,
    #[serde(default, with = "lenient::opt_bool")]
    pub is_anonymous: Option<bool>,
    #[serde(default, with = "lenient::opt_bool")]
    pub is_secret: Option<bool>,
    #[serde(default, with = "lenient::opt_text")]
    pub tags_raw: Option<String>,
    #[serde(default, with = "opt_datetime")]
    pub created_at: Option<LaporDateTime>,
    #[serde(default, with = "opt_datetime")]
    pub updated_at: Option<LaporDateTime>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub status_logs: Vec<StatusLog>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub data_logs: Vec<DataLog>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------- follow-ups

/// An attachment reference inside a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRef {
    pub id: Option<LaporId>,
    pub file_name: Option<String>,
    pub url: Option<String>,
}

impl<'de> Deserialize<'de> for AttachmentRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Obj {
            #[serde(default, alias = "document_id", with = "lenient::opt_id")]
            id: Option<LaporId>,
            #[serde(default, alias = "name", with = "lenient::opt_text")]
            file_name: Option<String>,
            #[serde(default, alias = "file_url", with = "lenient::opt_text")]
            url: Option<String>,
        }
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Object(_) => {
                let o = Obj::deserialize(v).map_err(de::Error::custom)?;
                Ok(AttachmentRef {
                    id: o.id,
                    file_name: o.file_name,
                    url: o.url,
                })
            }
            // A bare URL string (common in PHP answers) or a bare id.
            serde_json::Value::String(s) if s.contains('/') => Ok(AttachmentRef {
                id: None,
                file_name: None,
                url: Some(s),
            }),
            other => Ok(AttachmentRef {
                id: Some(LaporId::deserialize(other).map_err(de::Error::custom)?),
                file_name: None,
                url: None,
            }),
        }
    }
}

/// Who wrote a follow-up (assumed field `sender`: `institution` or `reporter`).
pub const SENDER_INSTITUTION: &str = "institution";
pub const SENDER_REPORTER: &str = "reporter";

/// `GET /complaints/{id}/followups?page=N` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    #[serde(alias = "followup_id")]
    pub id: LaporId,
    #[serde(default)]
    pub institution_from: Option<InstitutionRef>,
    #[serde(default)]
    pub institution_to: Option<InstitutionRef>,
    #[serde(default, with = "lenient::opt_text")]
    pub sender: Option<String>,
    #[serde(with = "lenient::text")]
    pub content: String,
    #[serde(default, with = "lenient::opt_text")]
    pub template_code: Option<String>,
    #[serde(default, with = "lenient::opt_u32")]
    pub rating: Option<u32>,
    #[serde(default, with = "lenient::opt_bool")]
    pub is_secret: Option<bool>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub attachments: Vec<AttachmentRef>,
    /// Observed as `d-m-Y H:i:s`.
    pub created_at: LaporDateTime,
}

impl FollowUp {
    /// True when the reporter (not an institution) wrote it.
    pub fn is_from_reporter(&self) -> bool {
        self.sender
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(SENDER_REPORTER))
    }
}

/// `POST /complaints/followup/add` (multipart). Text parts are produced by
/// [`to_parts`](Self::to_parts); files go in [`crate::FILE_FIELD`] parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddFollowUpForm {
    pub complaint_id: LaporId,
    pub institution_from_id: Option<LaporId>,
    pub institution_to_id: Option<LaporId>,
    pub content: String,
    pub template_code: Option<String>,
    pub rating: Option<u32>,
    pub is_secret: bool,
}

/// Multipart text-part names of [`AddFollowUpForm`] (observed names except
/// `institution_from_id`/`institution_to_id`, whose exact spelling is assumed).
pub const FOLLOWUP_TEXT_FIELDS: [&str; 7] = [
    "complaint_id",
    "institution_from_id",
    "institution_to_id",
    "content",
    "template_code",
    "rating",
    "is_secret",
];

impl AddFollowUpForm {
    /// The text parts in a fixed order. Booleans are sent as `"1"`/`"0"`
    /// (PHP form convention, assumed); absent optionals are left out.
    pub fn to_parts(&self) -> Result<Vec<(&'static str, String)>, WireError> {
        non_blank("content", &self.content)?;
        if contains_nik_like(&self.content) {
            return Err(WireError::invalid(
                "content",
                "contains a NIK-like 16-digit number",
            ));
        }
        let mut v = vec![("complaint_id", self.complaint_id.to_string())];
        if let Some(id) = &self.institution_from_id {
            v.push(("institution_from_id", id.to_string()));
        }
        if let Some(id) = &self.institution_to_id {
            v.push(("institution_to_id", id.to_string()));
        }
        v.push(("content", self.content.clone()));
        if let Some(t) = &self.template_code {
            v.push(("template_code", t.clone()));
        }
        if let Some(r) = self.rating {
            v.push(("rating", r.to_string()));
        }
        v.push((
            "is_secret",
            if self.is_secret { "1" } else { "0" }.to_string(),
        ));
        Ok(v)
    }

    /// Server side: rebuild the form from text parts. Unknown or repeated
    /// names are refused, so a client sending something undocumented fails
    /// loudly against the simulator.
    pub fn from_parts<'a>(
        parts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<AddFollowUpForm, WireError> {
        let mut complaint_id = None;
        let mut from = None;
        let mut to = None;
        let mut content = None;
        let mut template = None;
        let mut rating = None;
        let mut secret = None;
        for (name, value) in parts {
            let slot_taken = |taken: bool| {
                if taken {
                    Err(WireError::invalid(name, "given twice"))
                } else {
                    Ok(())
                }
            };
            let opt_id = |v: &str| -> Result<Option<LaporId>, WireError> {
                if v.trim().is_empty() {
                    Ok(None)
                } else {
                    LaporId::new(v)
                        .map(Some)
                        .map_err(|_| WireError::invalid(name, "bad id"))
                }
            };
            match name {
                "complaint_id" => {
                    slot_taken(complaint_id.is_some())?;
                    complaint_id =
                        Some(LaporId::new(value).map_err(|_| WireError::invalid(name, "bad id"))?);
                }
                "institution_from_id" => {
                    slot_taken(from.is_some())?;
                    from = Some(opt_id(value)?);
                }
                "institution_to_id" => {
                    slot_taken(to.is_some())?;
                    to = Some(opt_id(value)?);
                }
                "content" => {
                    slot_taken(content.is_some())?;
                    content = Some(value.to_string());
                }
                "template_code" => {
                    slot_taken(template.is_some())?;
                    template = Some(Some(value.to_string()).filter(|t| !t.trim().is_empty()));
                }
                "rating" => {
                    slot_taken(rating.is_some())?;
                    rating = Some(if value.trim().is_empty() {
                        None
                    } else {
                        Some(
                            value
                                .trim()
                                .parse::<u32>()
                                .map_err(|_| WireError::invalid(name, "not a number"))?,
                        )
                    });
                }
                "is_secret" => {
                    slot_taken(secret.is_some())?;
                    secret = Some(
                        lenient::bool_lenient::parse_str(value)
                            .ok_or_else(|| WireError::invalid(name, "not a boolean"))?,
                    );
                }
                other => return Err(WireError::invalid(other, "unknown field")),
            }
        }
        let content = content.ok_or_else(|| WireError::invalid("content", "missing"))?;
        non_blank("content", &content)?;
        Ok(AddFollowUpForm {
            complaint_id: complaint_id
                .ok_or_else(|| WireError::invalid("complaint_id", "missing"))?,
            institution_from_id: from.flatten(),
            institution_to_id: to.flatten(),
            content,
            template_code: template.flatten(),
            rating: rating.flatten(),
            is_secret: secret.unwrap_or(false),
        })
    }
}

/// `POST /complaints/followup/add` answer `data` (assumed; may be `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddFollowUpResponse {
    #[serde(alias = "id", with = "lenient::opt_id", default)]
    pub followup_id: Option<LaporId>,
}

// ---------------------------------------------------------------- search (assumed)

/// `GET /complaints/complaint/search?tags_raw=<tag>` item (**assumed**
/// endpoint): the complaints whose `tags_raw` contains the tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintSummary {
    #[serde(alias = "id")]
    pub complaint_id: LaporId,
    #[serde(default, alias = "tracking_code", with = "lenient::opt_text")]
    pub tracking_id: Option<String>,
    #[serde(default, with = "lenient::opt_text")]
    pub tags_raw: Option<String>,
    #[serde(default, with = "lenient::opt_id")]
    pub status_code: Option<LaporId>,
    #[serde(default, with = "lenient::opt_text")]
    pub status_name: Option<String>,
    #[serde(default, with = "opt_datetime")]
    pub created_at: Option<LaporDateTime>,
}

// ---------------------------------------------------------------- tags and privacy

/// Prefix of the reference tag Posko puts into `tags_raw`.
pub const REFERENCE_TAG_PREFIX: &str = "posko-ref-";

/// The reference tag for a local report uid: `posko-ref-<uid>`. The uid must
/// be 8–64 characters of `[A-Za-z0-9-]` so the tag survives any tag parser.
pub fn reference_tag(uid: &str) -> Result<String, WireError> {
    let ok = (8..=64).contains(&uid.len())
        && uid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok {
        return Err(WireError::invalid(
            "uid",
            "8-64 characters of A-Z, a-z, 0-9, -",
        ));
    }
    // Hyphens become `x`: a UUID such as `12345678-1234-1234-…` would otherwise
    // read as a 16-digit NIK and be refused by our own privacy check.
    Ok(format!("{REFERENCE_TAG_PREFIX}{}", uid.replace('-', "x")))
}

/// Split `tags_raw` the way Posko and the simulator do: commas, trimmed,
/// empties dropped.
pub fn split_tags(tags_raw: &str) -> impl Iterator<Item = &str> {
    tags_raw.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// Whether `tags_raw` carries exactly this tag (case-sensitive, whole tag).
pub fn tags_contain(tags_raw: &str, tag: &str) -> bool {
    split_tags(tags_raw).any(|t| t == tag.trim())
}

/// Append a tag to `tags_raw` unless present.
pub fn with_tag(tags_raw: &str, tag: &str) -> String {
    if tags_contain(tags_raw, tag) {
        return split_tags(tags_raw).collect::<Vec<_>>().join(",");
    }
    split_tags(tags_raw)
        .chain(std::iter::once(tag.trim()))
        .collect::<Vec<_>>()
        .join(",")
}

/// True if the text holds a run of 16 digits (a NIK), also when written in
/// groups separated by single spaces, dots or dashes ("3201 0101 0101 0003").
pub fn contains_nik_like(text: &str) -> bool {
    let mut digits = 0usize;
    let mut prev_sep = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            prev_sep = false;
            if digits >= 16 {
                return true;
            }
        } else if matches!(c, ' ' | '.' | '-') && digits > 0 && !prev_sep {
            prev_sep = true;
        } else {
            digits = 0;
            prev_sep = false;
        }
    }
    false
}
