//! LAPOR! dates.
//!
//! Observed: follow-up `created_at` comes as `d-m-Y H:i:s` (PHP notation, e.g.
//! `05-03-2026 14:07:00`) with no zone. **Assumed**: that wall time is WIB
//! (UTC+7, the server's home zone in Jakarta), and every other timestamp in
//! responses uses the same format. `date_of_incident` is **assumed** to be
//! sent as `Y-m-d`. Keep the offset in one constant so it can be revisited.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::WireError;

/// `d-m-Y H:i:s` in chrono notation.
pub const LAPOR_DATETIME_FORMAT: &str = "%d-%m-%Y %H:%M:%S";
/// `Y-m-d` (assumed) for `date_of_incident`.
pub const INCIDENT_DATE_FORMAT: &str = "%Y-%m-%d";
/// Assumed server wall-clock offset: WIB, UTC+7.
pub const SERVER_UTC_OFFSET_SECS: i32 = 7 * 3600;

/// Prefix of serde error messages from our date decoders, so the decode layer
/// can report [`WireError::BadDate`] instead of a generic shape error.
pub(crate) const BAD_DATE_MARK: &str = "lapor-bad-date: ";

fn server_offset() -> FixedOffset {
    // 7 h is well inside ±24 h, so `east_opt` cannot fail; fall back to UTC
    // rather than panic if someone edits the constant badly.
    FixedOffset::east_opt(SERVER_UTC_OFFSET_SECS).unwrap_or(Utc.fix())
}

/// Parse `d-m-Y H:i:s`. Rejects anything else (no guessing between day-first
/// and month-first: a wrong guess would silently corrupt deadlines).
pub fn parse_lapor_datetime(s: &str) -> Result<NaiveDateTime, WireError> {
    let t = s.trim();
    // chrono accepts 1-digit fields; the server is observed to zero-pad, so a
    // strict length check keeps "1-2-2026 3:4:5" and trailing junk out.
    if t.len() != 19 {
        return Err(bad_date(s, "expected dd-mm-yyyy hh:mm:ss"));
    }
    NaiveDateTime::parse_from_str(t, LAPOR_DATETIME_FORMAT).map_err(|e| bad_date(s, e))
}

pub fn format_lapor_datetime(t: NaiveDateTime) -> String {
    t.format(LAPOR_DATETIME_FORMAT).to_string()
}

pub fn parse_incident_date(s: &str) -> Result<NaiveDate, WireError> {
    let t = s.trim();
    if t.len() != 10 {
        return Err(bad_date(s, "expected yyyy-mm-dd"));
    }
    NaiveDate::parse_from_str(t, INCIDENT_DATE_FORMAT).map_err(|e| bad_date(s, e))
}

fn bad_date(s: &str, why: impl fmt::Display) -> WireError {
    WireError::BadDate {
        path: String::new(),
        detail: format!("{:?}: {why}", truncate(s, 40)),
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Server wall time (assumed WIB) → UTC instant.
pub fn server_wall_to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    // A fixed offset has exactly one mapping, so `single()` is always Some;
    // `earliest` keeps this total without a panic path.
    server_offset()
        .from_local_datetime(&t)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&t))
}

/// UTC instant → server wall time (assumed WIB).
pub fn utc_to_server_wall(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&server_offset()).naive_local()
}

/// A `d-m-Y H:i:s` timestamp as sent by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaporDateTime(pub NaiveDateTime);

impl LaporDateTime {
    pub fn parse(s: &str) -> Result<Self, WireError> {
        parse_lapor_datetime(s).map(LaporDateTime)
    }

    pub fn from_utc(t: DateTime<Utc>) -> Self {
        LaporDateTime(utc_to_server_wall(t))
    }

    pub fn to_utc(self) -> DateTime<Utc> {
        server_wall_to_utc(self.0)
    }

    pub fn naive(self) -> NaiveDateTime {
        self.0
    }
}

impl fmt::Display for LaporDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_lapor_datetime(self.0))
    }
}

impl Serialize for LaporDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_lapor_datetime(self.0))
    }
}

impl<'de> Deserialize<'de> for LaporDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::String(s) => LaporDateTime::parse(&s).map_err(date_err),
            other => Err(de::Error::custom(format!(
                "{BAD_DATE_MARK}expected a date string, got {other}"
            ))),
        }
    }
}

/// `Option<LaporDateTime>` where `null` and `""` are `None` but a present,
/// unparsable value is still an error (we never silently drop a bad date).
pub mod opt_datetime {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LaporDateTime>, D::Error> {
        match Option::<serde_json::Value>::deserialize(d)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(v) => LaporDateTime::deserialize(v)
                .map(Some)
                .map_err(de::Error::custom),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<LaporDateTime>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

fn date_err<E: de::Error>(e: WireError) -> E {
    match e {
        WireError::BadDate { detail, .. } => E::custom(format!("{BAD_DATE_MARK}{detail}")),
        other => E::custom(format!("{BAD_DATE_MARK}{other}")),
    }
}

/// Calendar date of the incident, sent as `Y-m-d` (assumed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentDate(pub NaiveDate);

impl Serialize for IncidentDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format(INCIDENT_DATE_FORMAT).to_string())
    }
}

impl<'de> Deserialize<'de> for IncidentDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_incident_date(&s).map(IncidentDate).map_err(date_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn parses_observed_format() {
        let t = parse_lapor_datetime("05-03-2026 14:07:09").unwrap();
        assert_eq!(t.to_string(), "2026-03-05 14:07:09");
        assert_eq!(format_lapor_datetime(t), "05-03-2026 14:07:09");
        assert_eq!(
            parse_lapor_datetime(" 05-03-2026 14:07:09 ").unwrap(),
            t,
            "whitespace around is tolerated"
        );
    }

    #[test]
    fn wib_to_utc_and_back() {
        let t = parse_lapor_datetime("01-01-2026 06:30:00").unwrap();
        let u = server_wall_to_utc(t);
        assert_eq!(u.to_rfc3339(), "2025-12-31T23:30:00+00:00");
        assert_eq!(utc_to_server_wall(u), t);
        assert_eq!(
            LaporDateTime::from_utc(u).to_string(),
            "01-01-2026 06:30:00"
        );
        assert_eq!(LaporDateTime(t).to_utc().hour(), 23);
    }

    #[test]
    fn bad_dates_are_errors_not_panics() {
        for bad in [
            "",
            "2026-03-05 14:07:09", // ISO order: refuse rather than guess
            "31-02-2026 10:00:00", // impossible day
            "05-13-2026 10:00:00", // month 13
            "05-03-2026 25:00:00",
            "05-03-2026",
            "5-3-2026 1:2:3",
            "05-03-2026 14:07:09 extra",
            "dd-mm-yyyy hh:mm:ss",
            "05/03/2026 14:07:09",
            "\u{0}\u{0}\u{0}",
            "é-03-2026 14:07:09xxxxx",
        ] {
            let e = parse_lapor_datetime(bad).unwrap_err();
            assert_eq!(e.code(), "LAPOR_BAD_DATE", "{bad:?}");
        }
        assert!(parse_incident_date("2026-02-30").is_err());
        assert!(parse_incident_date("30-01-2026").is_err());
        assert_eq!(
            parse_incident_date("2026-01-30").unwrap().to_string(),
            "2026-01-30"
        );
    }

    #[test]
    fn leap_day() {
        assert!(parse_lapor_datetime("29-02-2028 00:00:00").is_ok());
        assert!(parse_lapor_datetime("29-02-2026 00:00:00").is_err());
    }

    #[test]
    fn serde_round_trip() {
        let t: LaporDateTime = serde_json::from_str(r#""05-03-2026 14:07:09""#).unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""05-03-2026 14:07:09""#
        );
        let e = serde_json::from_str::<LaporDateTime>("20260305").unwrap_err();
        assert!(e.to_string().contains(BAD_DATE_MARK));
        let d: IncidentDate = serde_json::from_str(r#""2026-03-05""#).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), r#""2026-03-05""#);
    }
}
