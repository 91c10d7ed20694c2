//! Validation of what users type. Pure functions over the input plus "today";
//! every problem is collected (not just the first) so a form can mark all fields.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use posko_domain::nik::validate_nik;
use posko_domain::phone::normalize_phone;
use posko_domain::validation::{FieldError, FieldErrorCode as C, FieldWarning};

use crate::model::ComplaintInput;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const PLACE_MAX: usize = 200;
pub const NAME_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 500;
pub const EMAIL_MAX: usize = 254;
pub const NOTE_MAX: usize = 2_000;
pub const FOLLOW_UP_MAX: usize = 10_000;

/// A complaint input after validation: trimmed, normalised, ready to store.
#[derive(Debug, Clone)]
pub struct CleanComplaint {
    pub input: ComplaintInput,
    pub received_at: DateTime<Utc>,
    pub nik: Option<String>,
    pub phone: Option<String>,
    pub warnings: Vec<FieldWarning>,
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Control characters other than tab and newlines have no business in a form
/// and can corrupt CSV exports and terminals.
fn has_control(s: &str, allow_newlines: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')))
}

/// Check a required or optional text field's length and characters.
pub fn text_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    required: bool,
    max: usize,
    multiline: bool,
) {
    match value.map(str::trim) {
        None | Some("") if required => errors.push(FieldError::new(field, C::Required)),
        None | Some("") => {}
        Some(v) => {
            if v.chars().count() > max {
                errors.push(FieldError::with_limit(field, C::TooLong, max as u64));
            } else if has_control(v, multiline) {
                errors.push(FieldError::new(field, C::ControlCharacters));
            }
        }
    }
}

fn email_ok(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.matches('@').count() == 1
}

/// Validate a complaint against "now" and the office-local "today".
pub fn complaint(
    mut input: ComplaintInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<CleanComplaint, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    text_field(
        &mut errors,
        "title",
        Some(&input.title),
        true,
        TITLE_MAX,
        false,
    );
    text_field(
        &mut errors,
        "description",
        Some(&input.description),
        true,
        DESCRIPTION_MAX,
        true,
    );
    text_field(
        &mut errors,
        "incident_place",
        input.incident_place.as_deref(),
        false,
        PLACE_MAX,
        false,
    );
    text_field(
        &mut errors,
        "reporter_name",
        input.reporter.name.as_deref(),
        false,
        NAME_MAX,
        false,
    );
    text_field(
        &mut errors,
        "reporter_address",
        input.reporter.address.as_deref(),
        false,
        ADDRESS_MAX,
        true,
    );
    text_field(
        &mut errors,
        "assigned_to",
        input.assigned_to.as_deref(),
        false,
        NAME_MAX,
        false,
    );

    let received_at = input.received_at.unwrap_or(now);
    // A few minutes of slack for PCs whose clocks drift.
    if received_at > now + Duration::minutes(5) {
        errors.push(FieldError::new("received_at", C::DateInFuture));
    } else if received_at < now - Duration::days(366 * 10) {
        errors.push(FieldError::new("received_at", C::DateTooOld));
    }
    if let Some(d) = input.incident_date {
        if d > today {
            errors.push(FieldError::new("incident_date", C::DateInFuture));
        } else if d < NaiveDate::from_ymd_opt(1945, 8, 17).expect("valid date") {
            errors.push(FieldError::new("incident_date", C::DateTooOld));
        }
    }

    let nik = match trimmed(&input.reporter.nik) {
        None => None,
        Some(raw) => match validate_nik(&raw, chrono::Datelike::year(&today)) {
            Ok((norm, _info, w)) => {
                warnings.extend(w);
                Some(norm)
            }
            Err(e) => {
                errors.push(FieldError {
                    field: "reporter_nik".into(),
                    ..e
                });
                None
            }
        },
    };
    let phone = match trimmed(&input.reporter.phone) {
        None => None,
        Some(raw) => match normalize_phone(&raw) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError {
                    field: "reporter_phone".into(),
                    ..e
                });
                None
            }
        },
    };
    if let Some(e) = trimmed(&input.reporter.email) {
        if e.chars().count() > EMAIL_MAX {
            errors.push(FieldError::with_limit(
                "reporter_email",
                C::TooLong,
                EMAIL_MAX as u64,
            ));
        } else if !email_ok(&e) {
            errors.push(FieldError::new("reporter_email", C::EmailFormat));
        }
    }
    for w in &mut warnings {
        if w.field == "nik" {
            w.field = "reporter_nik".into();
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    input.title = input.title.trim().to_owned();
    input.description = input.description.trim().to_owned();
    input.incident_place = trimmed(&input.incident_place);
    input.assigned_to = trimmed(&input.assigned_to);
    input.reporter.name = trimmed(&input.reporter.name);
    input.reporter.email = trimmed(&input.reporter.email).map(|e| e.to_lowercase());
    input.reporter.address = trimmed(&input.reporter.address);
    Ok(CleanComplaint {
        input,
        received_at,
        nik,
        phone,
        warnings,
    })
}

/// A note on a transition or a decision.
pub fn note(
    field: &str,
    note: Option<&str>,
    required: bool,
) -> Result<Option<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    text_field(&mut errors, field, note, required, NOTE_MAX, true);
    if errors.is_empty() {
        Ok(note
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use posko_domain::{Channel, Kind};

    fn base() -> ComplaintInput {
        ComplaintInput {
            received_at: None,
            channel: Channel::TatapMuka,
            kind: Kind::Aspirasi,
            topic_id: None,
            title: " Antrean panjang ".into(),
            description: "Antrean di loket pendaftaran sangat panjang.".into(),
            incident_place: None,
            incident_date: None,
            reporter: Default::default(),
            is_secret: false,
            is_anonymous: false,
            assigned_to: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0).unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    fn codes(r: Result<CleanComplaint, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.err()
            .unwrap()
            .into_iter()
            .map(|e| (e.field, e.code.code()))
            .collect()
    }

    #[test]
    fn a_good_input_is_trimmed() {
        let c = complaint(base(), now(), today()).unwrap();
        assert_eq!(c.input.title, "Antrean panjang");
        assert_eq!(c.received_at, now());
    }

    #[test]
    fn every_problem_is_reported() {
        let mut i = base();
        i.title = "  ".into();
        i.description = "x".repeat(DESCRIPTION_MAX + 1);
        i.incident_date = Some(NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
        i.reporter.nik = Some("12345".into());
        i.reporter.phone = Some("12ab".into());
        i.reporter.email = Some("siti@".into());
        let got = codes(complaint(i, now(), today()));
        assert_eq!(
            got,
            vec![
                ("title".into(), "required"),
                ("description".into(), "too_long"),
                ("incident_date".into(), "date_in_future"),
                ("reporter_nik".into(), "nik_length"),
                ("reporter_phone".into(), "phone_format"),
                ("reporter_email".into(), "email_format"),
            ]
        );
    }

    #[test]
    fn emoji_rtl_and_markup_are_text_not_errors() {
        let mut i = base();
        i.title = "<script>alert(1)</script> 😷 مرحبا".into();
        let c = complaint(i, now(), today()).unwrap();
        assert!(c.input.title.contains("<script>"));
    }

    #[test]
    fn control_characters_are_refused() {
        let mut i = base();
        i.title = "a\u{0}b".into();
        assert_eq!(
            codes(complaint(i, now(), today())),
            vec![("title".into(), "control_characters")]
        );
    }

    #[test]
    fn future_receipt_is_refused() {
        let mut i = base();
        i.received_at = Some(now() + Duration::hours(1));
        assert_eq!(
            codes(complaint(i, now(), today())),
            vec![("received_at".into(), "date_in_future")]
        );
    }
}
