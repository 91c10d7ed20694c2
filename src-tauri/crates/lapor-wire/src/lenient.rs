//! Identifiers and scalar fields decoded tolerantly.
//!
//! PHP back ends are sloppy about JSON types: the same id arrives as `12`,
//! `"12"` or `12.0`, booleans as `1`/`"0"`/`"true"`. We accept those on the
//! way in and send one canonical form on the way out.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::WireError;

/// Prefix of serde error messages produced by our id decoder, so the decode
/// layer can turn them into [`WireError::BadId`].
pub(crate) const BAD_ID_MARK: &str = "lapor-bad-id: ";

/// Longest id we accept; anything longer is garbage, not an id.
const MAX_ID_LEN: usize = 64;

/// A remote identifier (complaint, institution, category, document, status
/// code...). Held as text because the server's type is not documented; sent
/// as a JSON number when it is a canonical non-negative integer (the observed
/// client sent integers), otherwise as a string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaporId(String);

impl LaporId {
    /// Checked constructor: trimmed, non-empty, at most 64 chars, no control
    /// characters (they would corrupt paths and logs).
    pub fn new(s: impl AsRef<str>) -> Result<LaporId, WireError> {
        validate_id(s.as_ref())
            .map(LaporId)
            .map_err(|reason| WireError::invalid("id", reason))
    }

    pub fn from_u64(n: u64) -> LaporId {
        LaporId(n.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The numeric value when the id is a canonical integer.
    pub fn as_u64(&self) -> Option<u64> {
        canonical_u64(&self.0)
    }
}

fn validate_id(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty id".into());
    }
    if s.len() > MAX_ID_LEN {
        return Err(format!("id longer than {MAX_ID_LEN} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("id contains control characters".into());
    }
    Ok(s.to_string())
}

/// `Some(n)` only for the canonical decimal spelling: "0012" stays a string so
/// that it round-trips unchanged.
fn canonical_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl fmt::Debug for LaporId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LaporId({})", self.0)
    }
}

impl fmt::Display for LaporId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for LaporId {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LaporId::new(s)
    }
}

impl From<u64> for LaporId {
    fn from(n: u64) -> Self {
        LaporId::from_u64(n)
    }
}

impl Serialize for LaporId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match canonical_u64(&self.0) {
            Some(n) => s.serialize_u64(n),
            None => s.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for LaporId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = LaporId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id (non-negative integer or non-empty string)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<LaporId, E> {
        Ok(LaporId::from_u64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<LaporId, E> {
        u64::try_from(v)
            .map(LaporId::from_u64)
            .map_err(|_| E::custom(format!("{BAD_ID_MARK}negative id {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<LaporId, E> {
        // `12.0` happens when a PHP float sneaks in; `12.5` is not an id.
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 9.0e15 {
            Ok(LaporId::from_u64(v as u64))
        } else {
            Err(E::custom(format!("{BAD_ID_MARK}non-integer id {v}")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LaporId, E> {
        validate_id(v)
            .map(LaporId)
            .map_err(|r| E::custom(format!("{BAD_ID_MARK}{r}")))
    }
}

/// `Option<LaporId>` where `""` and `null` both mean "none" (PHP often sends
/// an empty string for an unset foreign key).
pub mod opt_id {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LaporId>, D::Error> {
        let v = Option::<serde_json::Value>::deserialize(d)?;
        match v {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(other) => LaporId::deserialize(other)
                .map(Some)
                .map_err(de::Error::custom),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<LaporId>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// Booleans as `true`, `1`, `"1"`, `"true"`, `"yes"` (and their negatives).
pub mod bool_lenient {
    use super::*;

    pub fn parse(v: &serde_json::Value) -> Option<bool> {
        match v {
            serde_json::Value::Bool(b) => Some(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            serde_json::Value::String(s) => parse_str(s),
            _ => None,
        }
    }

    pub fn parse_str(s: &str) -> Option<bool> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "on" => Some(true),
            "0" | "false" | "no" | "n" | "off" => Some(false),
            _ => None,
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        parse(&v).ok_or_else(|| de::Error::custom(format!("expected a boolean, got {v}")))
    }

    pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*v)
    }
}

/// `Option<bool>` with the same tolerance; `null` and `""` are `None`.
pub mod opt_bool {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let v = Option::<serde_json::Value>::deserialize(d)?;
        match v {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(v) => bool_lenient::parse(&v)
                .map(Some)
                .ok_or_else(|| de::Error::custom(format!("expected a boolean, got {v}"))),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// Optional text that may arrive as a number (codes like `template_code`).
pub mod opt_text {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let v = Option::<serde_json::Value>::deserialize(d)?;
        match v {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
            Some(serde_json::Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(de::Error::custom(format!("expected text, got {other}"))),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// Required text that may arrive as a number.
pub mod text {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match opt_text::deserialize(d)? {
            Some(s) => Ok(s),
            None => Err(de::Error::custom("expected text, got null")),
        }
    }

    pub fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }
}

/// Optional small unsigned number that may arrive as `"3"`.
pub mod opt_u32 {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        let v = Option::<serde_json::Value>::deserialize(d)?.unwrap_or(serde_json::Value::Null);
        let n = match &v {
            serde_json::Value::Null => return Ok(None),
            serde_json::Value::String(s) if s.trim().is_empty() => return Ok(None),
            serde_json::Value::String(s) => s.trim().parse::<u32>().ok(),
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            _ => None,
        };
        n.map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected a number, got {v}")))
    }

    pub fn serialize<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_accepts_numbers_and_strings() {
        let ids: Vec<LaporId> = serde_json::from_str(r#"[12, "12", " 12 ", 12.0, "A-7"]"#).unwrap();
        assert_eq!(ids[0], ids[1]);
        assert_eq!(ids[1], ids[2]);
        assert_eq!(ids[2], ids[3]);
        assert_eq!(ids[4].as_str(), "A-7");
    }

    #[test]
    fn id_rejects_garbage() {
        for bad in [r#""""#, "-3", "1.5", "null", "true", "[]", "{}"] {
            assert!(serde_json::from_str::<LaporId>(bad).is_err(), "{bad}");
        }
        assert!(LaporId::new("a\u{0}b").is_err());
        assert!(LaporId::new("x".repeat(65)).is_err());
    }

    #[test]
    fn id_serializes_canonically() {
        assert_eq!(serde_json::to_string(&LaporId::from_u64(7)).unwrap(), "7");
        assert_eq!(
            serde_json::to_string(&LaporId::new("007").unwrap()).unwrap(),
            r#""007""#
        );
        assert_eq!(
            serde_json::to_string(&LaporId::new("abc").unwrap()).unwrap(),
            r#""abc""#
        );
    }

    #[derive(Deserialize)]
    struct B {
        #[serde(with = "bool_lenient")]
        b: bool,
        #[serde(default, with = "opt_bool")]
        o: Option<bool>,
        #[serde(default, with = "opt_id")]
        i: Option<LaporId>,
        #[serde(default, with = "opt_u32")]
        n: Option<u32>,
    }

    #[test]
    fn lenient_scalars() {
        let b: B = serde_json::from_str(r#"{"b":"1","o":0,"i":"","n":"3"}"#).unwrap();
        assert!(b.b);
        assert_eq!(b.o, Some(false));
        assert_eq!(b.i, None);
        assert_eq!(b.n, Some(3));
        let b: B = serde_json::from_str(r#"{"b":false}"#).unwrap();
        assert_eq!((b.o, b.i, b.n), (None, None, None));
        assert!(serde_json::from_str::<B>(r#"{"b":"maybe"}"#).is_err());
        assert!(serde_json::from_str::<B>(r#"{"b":true,"n":-1}"#).is_err());
    }
}
