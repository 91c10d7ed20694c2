//! Field-visit checklists (instrumen monev) as versioned data, and their scoring.
//!
//! An instrument is a TOML file: sections of items, each item with an answer
//! type, a weight and optional pick-list options; a scoring scheme with zone
//! thresholds (the Ombudsman's hijau 81–100, kuning 51–80.99, merah 0–50.99 by
//! default, domain.md §5). Instruments are identified by `id` + `version`, and
//! a visit stores the version it was filled with, so an old visit keeps its
//! items and score after the instrument changes.
//!
//! Everything here is pure: parsing, validation, answer checks, scores, zones
//! and the ranking of units.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How an item is answered.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnswerType {
    /// Ya / Tidak.
    #[serde(rename = "yes_no")]
    YesNo,
    /// Ya / Sebagian / Tidak.
    #[serde(rename = "yes_partial_no")]
    YesPartialNo,
    /// A score 0, 1, 2 or 3 (Ombudsman 2022–2024 style).
    #[serde(rename = "score_0_3")]
    Score03,
    /// One of the item's `options` (a pick list).
    #[serde(rename = "choice")]
    Choice,
    /// A number, optionally within `min`..=`max`.
    #[serde(rename = "number")]
    Number,
    /// Free text; never scored.
    #[serde(rename = "text")]
    Text,
}

impl AnswerType {
    pub const ALL: [AnswerType; 6] = [
        AnswerType::YesNo,
        AnswerType::YesPartialNo,
        AnswerType::Score03,
        AnswerType::Choice,
        AnswerType::Number,
        AnswerType::Text,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AnswerType::YesNo => "yes_no",
            AnswerType::YesPartialNo => "yes_partial_no",
            AnswerType::Score03 => "score_0_3",
            AnswerType::Choice => "choice",
            AnswerType::Number => "number",
            AnswerType::Text => "text",
        }
    }

    /// Also accepts the short aliases a person may write by hand.
    pub fn from_code(s: &str) -> Option<AnswerType> {
        match s.trim() {
            "yes_no" | "ya_tidak" => Some(AnswerType::YesNo),
            "yes_partial_no" | "partial" | "ya_sebagian_tidak" => Some(AnswerType::YesPartialNo),
            "score_0_3" | "skor_0_3" => Some(AnswerType::Score03),
            "choice" | "pilihan" => Some(AnswerType::Choice),
            "number" | "angka" => Some(AnswerType::Number),
            "text" | "teks" => Some(AnswerType::Text),
            _ => None,
        }
    }
}

/// An entry of a pick list. `score` (0..=1) makes the item scored.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct Item {
    pub id: String,
    pub text: String,
    /// Guidance for the monitor (what to look at).
    pub help: String,
    /// What counts as evidence (a photo of the notice board, a copy of the SK...).
    pub evidence: String,
    pub answer: AnswerType,
    /// 0 = not scored (profile data such as the unit's category).
    pub weight: f64,
    /// Whether "tidak berlaku" (not applicable) may be answered.
    pub allow_na: bool,
    pub options: Vec<ChoiceOption>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// For a scored number: the value that earns the full weight.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_at: Option<f64>,
    /// Unit of a number ("orang", "%"...).
    pub unit: String,
}

impl Item {
    /// Whether the item contributes to a score.
    pub fn is_scored(&self) -> bool {
        if self.weight <= 0.0 {
            return false;
        }
        match self.answer {
            AnswerType::YesNo | AnswerType::YesPartialNo | AnswerType::Score03 => true,
            AnswerType::Choice => self.options.iter().any(|o| o.score.is_some()),
            AnswerType::Number => self.full_at.is_some(),
            AnswerType::Text => false,
        }
    }
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// Used when the scoring method is `sections`.
    pub weight: f64,
    pub items: Vec<Item>,
}

/// A zone of the scoring scheme: scores from `min` to `max` (inclusive, two decimals).
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct Zone {
    pub code: String,
    pub label: String,
    /// The ranking category ("Baik", "Cukup", "Perlu perbaikan").
    pub category: String,
    pub min: f64,
    pub max: f64,
    /// `#RRGGBB` for charts and badges.
    pub color: String,
}

#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScoringMethod {
    /// Total = all scored items pooled (weight-averaged), ×100.
    Items,
    /// Total = weighted mean of the section scores.
    Sections,
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct Scoring {
    pub method: ScoringMethod,
    /// Name of the scheme ("ombudsman-2021").
    pub scheme: String,
    /// Ordered from the lowest zone up, contiguous over 0..=100.
    pub zones: Vec<Zone>,
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct Instrument {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub description: String,
    /// Legal basis or origin of the items.
    pub source: String,
    pub scoring: Scoring,
    pub sections: Vec<Section>,
}

impl Instrument {
    pub fn items(&self) -> impl Iterator<Item = (&Section, &Item)> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().map(|(_, i)| i).find(|i| i.id == id)
    }
}

/// Why an instrument file was refused. Each has a stable `code()` and named
/// arguments, so the message comes from the translation catalogs.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum InstrumentError {
    #[error("not valid TOML: {0}")]
    Toml(String),
    #[error("the id {0:?} must be 1–64 lower-case letters, digits, '-' or '_'")]
    BadId(String),
    #[error("version must be 1 or more")]
    BadVersion,
    #[error("the title is empty")]
    EmptyTitle,
    #[error("no [[section]]")]
    NoSections,
    #[error("section {0} has no items")]
    EmptySection(String),
    #[error("section or item id {0} appears twice")]
    DuplicateId(String),
    #[error("item {item}: unknown answer type {value:?}")]
    UnknownAnswerType { item: String, value: String },
    #[error("item {item}: weight {weight} (allowed 0 to 1000)")]
    BadWeight { item: String, weight: f64 },
    #[error("item {0}: a pick list needs at least two options")]
    ChoiceWithoutOptions(String),
    #[error("item {item}: option {value:?} is not valid (empty, twice, or score outside 0..1)")]
    BadOption { item: String, value: String },
    #[error("item {0}: bad number range (min, max, full_at)")]
    BadNumberRange(String),
    #[error("no item is scored")]
    NoScoredItems,
    #[error("unknown scoring method {0:?}")]
    UnknownScoringMethod(String),
    #[error("zone {0}: bad bounds (0 ≤ min ≤ max ≤ 100)")]
    ZoneBounds(String),
    #[error("zone code {0} appears twice")]
    DuplicateZone(String),
    #[error("the zones must start at 0 (lowest starts at {0})")]
    ZoneStart(String),
    #[error("the zones must end at 100 (highest ends at {0})")]
    ZoneEnd(String),
    #[error("gap between zones {0} and {1}")]
    ZoneGap(String, String),
    #[error("zones {0} and {1} overlap")]
    ZoneOverlap(String, String),
    #[error("zone {0}: colour must be #RRGGBB")]
    ZoneColor(String),
}

impl InstrumentError {
    pub fn code(&self) -> &'static str {
        use InstrumentError as E;
        match self {
            E::Toml(_) => "toml",
            E::BadId(_) => "bad_id",
            E::BadVersion => "bad_version",
            E::EmptyTitle => "empty_title",
            E::NoSections => "no_sections",
            E::EmptySection(_) => "empty_section",
            E::DuplicateId(_) => "duplicate_id",
            E::UnknownAnswerType { .. } => "unknown_answer_type",
            E::BadWeight { .. } => "bad_weight",
            E::ChoiceWithoutOptions(_) => "choice_without_options",
            E::BadOption { .. } => "bad_option",
            E::BadNumberRange(_) => "bad_number_range",
            E::NoScoredItems => "no_scored_items",
            E::UnknownScoringMethod(_) => "unknown_scoring_method",
            E::ZoneBounds(_) => "zone_bounds",
            E::DuplicateZone(_) => "duplicate_zone",
            E::ZoneStart(_) => "zone_start",
            E::ZoneEnd(_) => "zone_end",
            E::ZoneGap(..) => "zone_gap",
            E::ZoneOverlap(..) => "zone_overlap",
            E::ZoneColor(_) => "zone_color",
        }
    }

    /// Named values for the message placeholders.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        use InstrumentError as E;
        match self {
            E::Toml(d) => vec![("detail", d.clone())],
            E::BadId(v) => vec![("value", v.clone())],
            E::EmptySection(s) | E::DuplicateId(s) => vec![("id", s.clone())],
            E::UnknownAnswerType { item, value } | E::BadOption { item, value } => {
                vec![("item", item.clone()), ("value", value.clone())]
            }
            E::BadWeight { item, weight } => {
                vec![("item", item.clone()), ("value", weight.to_string())]
            }
            E::ChoiceWithoutOptions(i) | E::BadNumberRange(i) => vec![("item", i.clone())],
            E::UnknownScoringMethod(v) => vec![("value", v.clone())],
            E::ZoneBounds(z) | E::DuplicateZone(z) | E::ZoneColor(z) => vec![("zone", z.clone())],
            E::ZoneStart(v) | E::ZoneEnd(v) => vec![("value", v.clone())],
            E::ZoneGap(a, b) | E::ZoneOverlap(a, b) => vec![("a", a.clone()), ("b", b.clone())],
            E::BadVersion | E::EmptyTitle | E::NoSections | E::NoScoredItems => Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstrument {
    id: String,
    version: i64,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    scoring: Option<RawScoring>,
    #[serde(default)]
    section: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    scheme: Option<String>,
    #[serde(default)]
    zone: Vec<RawZone>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZone {
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    category: String,
    min: f64,
    max: f64,
    #[serde(default)]
    color: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    title: String,
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default)]
    item: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    text: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    evidence: String,
    /// Kept as text so an unknown type gets its own clear error.
    #[serde(rename = "type")]
    answer: String,
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default)]
    allow_na: bool,
    #[serde(default)]
    options: Vec<RawOption>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    full_at: Option<f64>,
    #[serde(default)]
    unit: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    value: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    score: Option<f64>,
}

fn id_ok(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn color_ok(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The Ombudsman RI compliance zones (2021): hijau 81–100, kuning 51–80.99, merah 0–50.99.
pub fn ombudsman_zones() -> Vec<Zone> {
    vec![
        Zone {
            code: "merah".into(),
            label: "Zona Merah".into(),
            category: "Perlu perbaikan".into(),
            min: 0.0,
            max: 50.99,
            color: "#C62828".into(),
        },
        Zone {
            code: "kuning".into(),
            label: "Zona Kuning".into(),
            category: "Cukup".into(),
            min: 51.0,
            max: 80.99,
            color: "#F9A825".into(),
        },
        Zone {
            code: "hijau".into(),
            label: "Zona Hijau".into(),
            category: "Baik".into(),
            min: 81.0,
            max: 100.0,
            color: "#2E7D32".into(),
        },
    ]
}

/// Scores carry two decimals, as in the Ombudsman's tables.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

const EPS: f64 = 1e-9;

/// Check a zone table: codes unique, bounds inside 0..=100, sorted contiguous
/// cover from 0 to 100 where each zone starts at most 0.01 after the previous
/// one ends (81 after 80.99) and never before it ends. Returns the zones
/// sorted from the lowest.
pub fn check_zones(mut zones: Vec<Zone>) -> Result<Vec<Zone>, InstrumentError> {
    let mut codes = HashSet::new();
    for z in &zones {
        if !id_ok(&z.code) || !codes.insert(z.code.clone()) {
            return Err(InstrumentError::DuplicateZone(z.code.clone()));
        }
        if !(z.min.is_finite() && z.max.is_finite())
            || z.min < 0.0
            || z.max > 100.0
            || z.min > z.max
        {
            return Err(InstrumentError::ZoneBounds(z.code.clone()));
        }
        if !color_ok(&z.color) {
            return Err(InstrumentError::ZoneColor(z.code.clone()));
        }
    }
    zones.sort_by(|a, b| a.min.total_cmp(&b.min));
    let (Some(first), Some(last)) = (zones.first(), zones.last()) else {
        return Err(InstrumentError::ZoneStart("-".into()));
    };
    if first.min.abs() > EPS {
        return Err(InstrumentError::ZoneStart(first.min.to_string()));
    }
    if (last.max - 100.0).abs() > EPS {
        return Err(InstrumentError::ZoneEnd(last.max.to_string()));
    }
    for w in zones.windows(2) {
        let step = w[1].min - w[0].max;
        if step < -EPS {
            return Err(InstrumentError::ZoneOverlap(
                w[0].code.clone(),
                w[1].code.clone(),
            ));
        }
        if step > 0.01 + EPS {
            return Err(InstrumentError::ZoneGap(
                w[0].code.clone(),
                w[1].code.clone(),
            ));
        }
    }
    Ok(zones)
}

/// The zone a score falls in (the score is rounded to two decimals first).
pub fn zone_for(zones: &[Zone], score: f64) -> Option<&Zone> {
    let s = round2(score);
    zones.iter().rev().find(|z| s + EPS >= z.min)
}

/// Parse and check an instrument file (format: see `data/instruments/*.toml`).
pub fn parse_instrument(text: &str) -> Result<Instrument, InstrumentError> {
    let raw: RawInstrument =
        toml::from_str(text).map_err(|e| InstrumentError::Toml(e.message().to_string()))?;
    let id = raw.id.trim().to_string();
    if !id_ok(&id) {
        return Err(InstrumentError::BadId(raw.id));
    }
    if raw.version < 1 || raw.version > i64::from(u32::MAX) {
        return Err(InstrumentError::BadVersion);
    }
    let title = raw.title.trim().to_string();
    if title.is_empty() {
        return Err(InstrumentError::EmptyTitle);
    }
    let scoring_raw = raw.scoring.unwrap_or(RawScoring {
        method: None,
        scheme: None,
        zone: Vec::new(),
    });
    let method = match scoring_raw.method.as_deref().map(str::trim) {
        None | Some("items") => ScoringMethod::Items,
        Some("sections") => ScoringMethod::Sections,
        Some(other) => return Err(InstrumentError::UnknownScoringMethod(other.to_string())),
    };
    let (scheme, zones) = if scoring_raw.zone.is_empty() {
        (
            scoring_raw
                .scheme
                .unwrap_or_else(|| "ombudsman-2021".into()),
            ombudsman_zones(),
        )
    } else {
        let zones = scoring_raw
            .zone
            .into_iter()
            .map(|z| Zone {
                label: if z.label.trim().is_empty() {
                    z.code.clone()
                } else {
                    z.label.trim().to_string()
                },
                category: z.category.trim().to_string(),
                code: z.code.trim().to_string(),
                min: z.min,
                max: z.max,
                color: z.color.unwrap_or_else(|| "#607D8B".into()),
            })
            .collect();
        (
            scoring_raw.scheme.unwrap_or_else(|| "custom".into()),
            check_zones(zones)?,
        )
    };
    if raw.section.is_empty() {
        return Err(InstrumentError::NoSections);
    }
    let mut ids = HashSet::new();
    let mut sections = Vec::with_capacity(raw.section.len());
    for s in raw.section {
        let sid = s.id.trim().to_string();
        if !id_ok(&sid) {
            return Err(InstrumentError::BadId(s.id));
        }
        if !ids.insert(sid.clone()) {
            return Err(InstrumentError::DuplicateId(sid));
        }
        if s.item.is_empty() {
            return Err(InstrumentError::EmptySection(sid));
        }
        let sweight = s.weight.unwrap_or(1.0);
        if !(0.0..=1000.0).contains(&sweight) {
            return Err(InstrumentError::BadWeight {
                item: sid,
                weight: sweight,
            });
        }
        let mut items = Vec::with_capacity(s.item.len());
        for it in s.item {
            items.push(check_item(it, &mut ids)?);
        }
        sections.push(Section {
            id: sid,
            title: s.title.trim().to_string(),
            weight: sweight,
            items,
        });
    }
    let inst = Instrument {
        id,
        version: raw.version as u32,
        title,
        description: raw.description.trim().to_string(),
        source: raw.source.trim().to_string(),
        scoring: Scoring {
            method,
            scheme,
            zones,
        },
        sections,
    };
    if !inst.items().any(|(_, i)| i.is_scored()) {
        return Err(InstrumentError::NoScoredItems);
    }
    Ok(inst)
}

fn check_item(it: RawItem, ids: &mut HashSet<String>) -> Result<Item, InstrumentError> {
    let iid = it.id.trim().to_string();
    if !id_ok(&iid) {
        return Err(InstrumentError::BadId(it.id));
    }
    if !ids.insert(iid.clone()) {
        return Err(InstrumentError::DuplicateId(iid));
    }
    let answer =
        AnswerType::from_code(&it.answer).ok_or_else(|| InstrumentError::UnknownAnswerType {
            item: iid.clone(),
            value: it.answer.clone(),
        })?;
    let default_weight = if answer == AnswerType::Text { 0.0 } else { 1.0 };
    let weight = it.weight.unwrap_or(default_weight);
    if !weight.is_finite() || !(0.0..=1000.0).contains(&weight) {
        return Err(InstrumentError::BadWeight { item: iid, weight });
    }
    let mut options = Vec::new();
    if answer == AnswerType::Choice {
        if it.options.len() < 2 {
            return Err(InstrumentError::ChoiceWithoutOptions(iid));
        }
        let mut seen = HashSet::new();
        for o in it.options {
            let value = o.value.trim().to_string();
            let bad_score = o
                .score
                .is_some_and(|s| !s.is_finite() || !(0.0..=1.0).contains(&s));
            if value.is_empty() || !seen.insert(value.clone()) || bad_score {
                return Err(InstrumentError::BadOption {
                    item: iid,
                    value: o.value,
                });
            }
            options.push(ChoiceOption {
                label: if o.label.trim().is_empty() {
                    value.clone()
                } else {
                    o.label.trim().to_string()
                },
                value,
                score: o.score,
            });
        }
    }
    let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
    let range_ok = finite(it.min)
        && finite(it.max)
        && finite(it.full_at)
        && match (it.min, it.max) {
            (Some(a), Some(b)) => a <= b,
            _ => true,
        }
        && it.full_at.is_none_or(|f| f > 0.0);
    if !range_ok {
        return Err(InstrumentError::BadNumberRange(iid));
    }
    Ok(Item {
        id: iid,
        text: it.text.trim().to_string(),
        help: it.help.trim().to_string(),
        evidence: it.evidence.trim().to_string(),
        answer,
        weight,
        allow_na: it.allow_na,
        options,
        min: it.min,
        max: it.max,
        full_at: it.full_at,
        unit: it.unit.trim().to_string(),
    })
}

const PENGADUAN_PUSKESMAS_V1: &str =
    include_str!("../data/instruments/pengaduan-puskesmas.v1.toml");
const STANDAR_PELAYANAN_V1: &str =
    include_str!("../data/instruments/kepatuhan-standar-pelayanan.v1.toml");

/// The instruments shipped with Posko (text, so the exact source can be stored with a visit).
pub fn builtin_instrument_sources() -> [&'static str; 2] {
    [PENGADUAN_PUSKESMAS_V1, STANDAR_PELAYANAN_V1]
}

pub fn builtin_instruments() -> Vec<Instrument> {
    builtin_instrument_sources()
        .iter()
        .map(|t| parse_instrument(t).expect("bundled instruments are valid"))
        .collect()
}

/// An answer to one item.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
    Partial,
    /// Tidak berlaku: left out of the score.
    NotApplicable,
    Score(u8),
    Choice(String),
    Number(f64),
    Text(String),
}

/// Longest free-text answer.
pub const ANSWER_TEXT_MAX: usize = 4000;

/// Why an answer does not fit its item.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AnswerProblem {
    WrongType,
    NotApplicableNotAllowed,
    UnknownOption,
    OutOfRange,
    TooLong,
}

pub fn check_answer(item: &Item, a: &Answer) -> Result<(), AnswerProblem> {
    use AnswerType as T;
    match (item.answer, a) {
        (_, Answer::NotApplicable) if !item.allow_na => Err(AnswerProblem::NotApplicableNotAllowed),
        (_, Answer::NotApplicable) => Ok(()),
        (T::YesNo, Answer::Yes | Answer::No) => Ok(()),
        (T::YesPartialNo, Answer::Yes | Answer::No | Answer::Partial) => Ok(()),
        (T::Score03, Answer::Score(s)) if *s <= 3 => Ok(()),
        (T::Score03, Answer::Score(_)) => Err(AnswerProblem::OutOfRange),
        (T::Choice, Answer::Choice(v)) if item.options.iter().any(|o| o.value == *v) => Ok(()),
        (T::Choice, Answer::Choice(_)) => Err(AnswerProblem::UnknownOption),
        (T::Number, Answer::Number(n))
            if n.is_finite()
                && item.min.is_none_or(|m| *n >= m)
                && item.max.is_none_or(|m| *n <= m) =>
        {
            Ok(())
        }
        (T::Number, Answer::Number(_)) => Err(AnswerProblem::OutOfRange),
        (T::Text, Answer::Text(t)) if t.chars().count() <= ANSWER_TEXT_MAX => Ok(()),
        (T::Text, Answer::Text(_)) => Err(AnswerProblem::TooLong),
        _ => Err(AnswerProblem::WrongType),
    }
}

/// The share (0..=1) of an item's weight an answer earns; None when the
/// answer does not count (not applicable, or a value without a score).
pub fn answer_fraction(item: &Item, a: &Answer) -> Option<f64> {
    match a {
        Answer::NotApplicable => None,
        Answer::Yes => Some(1.0),
        Answer::Partial => Some(0.5),
        Answer::No => Some(0.0),
        Answer::Score(s) => Some(f64::from((*s).min(3)) / 3.0),
        Answer::Choice(v) => item
            .options
            .iter()
            .find(|o| o.value == *v)
            .and_then(|o| o.score),
        Answer::Number(n) => item.full_at.map(|f| (n / f).clamp(0.0, 1.0)),
        Answer::Text(_) => None,
    }
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct SectionScore {
    pub section_id: String,
    pub title: String,
    /// 0..=100, two decimals; None when no scored item applies.
    pub score: Option<f64>,
    pub earned: f64,
    pub possible: f64,
    /// Scored items answered (including "tidak berlaku").
    pub answered: u32,
    pub scored_items: u32,
    pub not_applicable: u32,
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct VisitScore {
    pub sections: Vec<SectionScore>,
    /// 0..=100, two decimals.
    pub total: Option<f64>,
    pub zone: Option<Zone>,
    pub answered: u32,
    pub scored_items: u32,
    /// Scored items without an answer (a visit cannot be finished with any).
    pub missing: Vec<String>,
}

/// Score a set of answers. Unanswered scored items count as 0 (and are listed
/// in `missing`); "tidak berlaku" leaves the item out of both sides.
pub fn score(inst: &Instrument, answers: &BTreeMap<String, Answer>) -> VisitScore {
    let mut sections = Vec::with_capacity(inst.sections.len());
    let mut missing = Vec::new();
    let (mut all_earned, mut all_possible) = (0.0, 0.0);
    let (mut answered_total, mut scored_total) = (0u32, 0u32);
    for s in &inst.sections {
        let (mut earned, mut possible) = (0.0, 0.0);
        let (mut answered, mut scored, mut na) = (0u32, 0u32, 0u32);
        for item in s.items.iter().filter(|i| i.is_scored()) {
            scored += 1;
            match answers.get(&item.id) {
                None => {
                    missing.push(item.id.clone());
                    possible += item.weight;
                }
                Some(a) => {
                    answered += 1;
                    if matches!(a, Answer::NotApplicable) {
                        na += 1;
                    } else if let Some(f) = answer_fraction(item, a) {
                        earned += item.weight * f;
                        possible += item.weight;
                    } else {
                        // A pick-list option without a score: counts as 0.
                        possible += item.weight;
                    }
                }
            }
        }
        all_earned += earned;
        all_possible += possible;
        answered_total += answered;
        scored_total += scored;
        sections.push(SectionScore {
            section_id: s.id.clone(),
            title: s.title.clone(),
            score: (possible > 0.0).then(|| round2(100.0 * earned / possible)),
            earned,
            possible,
            answered,
            scored_items: scored,
            not_applicable: na,
        });
    }
    let total = match inst.scoring.method {
        ScoringMethod::Items => {
            (all_possible > 0.0).then(|| round2(100.0 * all_earned / all_possible))
        }
        ScoringMethod::Sections => {
            let (mut num, mut den) = (0.0, 0.0);
            for (sec, sc) in inst.sections.iter().zip(&sections) {
                if let Some(v) = sc.score {
                    num += sec.weight * v;
                    den += sec.weight;
                }
            }
            (den > 0.0).then(|| round2(num / den))
        }
    };
    VisitScore {
        zone: total.and_then(|t| zone_for(&inst.scoring.zones, t).cloned()),
        sections,
        total,
        answered: answered_total,
        scored_items: scored_total,
        missing,
    }
}

/// A unit's result to rank: its latest finished visit with one instrument.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct UnitResult {
    pub unit_code: String,
    pub unit_name: String,
    pub visit_id: i64,
    pub visit_date: NaiveDate,
    pub total: f64,
}

#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq)]
pub struct RankedUnit {
    /// 1 = best; ties share a rank (1, 1, 3).
    pub rank: u32,
    pub unit_code: String,
    pub unit_name: String,
    pub visit_id: i64,
    pub visit_date: NaiveDate,
    pub total: f64,
    pub zone_code: String,
    pub zone_label: String,
    /// "Terbaik" for rank 1, else the zone's category ("Baik", "Cukup", "Perlu perbaikan").
    pub category: String,
    pub color: String,
}

/// Rank units from the best ("terbaik") to those that need improvement
/// ("perlu perbaikan"): highest score first, ties by unit code.
pub fn rank_units(results: &[UnitResult], zones: &[Zone]) -> Vec<RankedUnit> {
    let mut sorted: Vec<&UnitResult> = results.iter().collect();
    sorted.sort_by(|a, b| {
        round2(b.total)
            .total_cmp(&round2(a.total))
            .then_with(|| a.unit_code.cmp(&b.unit_code))
    });
    let mut out: Vec<RankedUnit> = Vec::with_capacity(sorted.len());
    for (i, r) in sorted.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if round2(prev.total) == round2(r.total) => prev.rank,
            _ => i as u32 + 1,
        };
        let zone = zone_for(zones, r.total);
        let category = if rank == 1 {
            "Terbaik".to_string()
        } else {
            zone.map(|z| z.category.clone()).unwrap_or_default()
        };
        out.push(RankedUnit {
            rank,
            unit_code: r.unit_code.clone(),
            unit_name: r.unit_name.clone(),
            visit_id: r.visit_id,
            visit_date: r.visit_date,
            total: round2(r.total),
            zone_code: zone.map(|z| z.code.clone()).unwrap_or_default(),
            zone_label: zone.map(|z| z.label.clone()).unwrap_or_default(),
            category,
            color: zone.map(|z| z.color.clone()).unwrap_or_default(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const MINI: &str = r##"
id = "mini"
version = 2
title = "Mini"

[[section]]
id = "a"
title = "A"

[[section.item]]
id = "a1"
text = "Ada SK tim"
type = "yes_no"
weight = 2

[[section.item]]
id = "a2"
text = "SOP"
type = "yes_partial_no"
allow_na = true

[[section]]
id = "b"
title = "B"
weight = 3

[[section.item]]
id = "b1"
text = "Register"
type = "score_0_3"

[[section.item]]
id = "b2"
text = "Kategori"
type = "choice"
weight = 0
options = [{ value = "kota", label = "Perkotaan" }, { value = "desa", label = "Perdesaan" }]

[[section.item]]
id = "b3"
text = "Catatan"
type = "text"
"##;

    fn answers(list: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn bundled_instruments_parse() {
        let all = builtin_instruments();
        assert_eq!(all.len(), 2);
        let p = &all[0];
        assert_eq!(p.id, "pengaduan-puskesmas");
        assert_eq!(p.version, 1);
        assert_eq!(p.title, "Pemantauan pengelolaan pengaduan di puskesmas");
        assert_eq!(p.scoring.zones, ombudsman_zones());
        for needle in [
            "sk-tim",
            "sop",
            "kanal",
            "register",
            "tepat-waktu",
            "bukti-perbaikan",
            "skm",
        ] {
            assert!(
                p.items().any(|(_, i)| i.id.contains(needle)),
                "no item like {needle}"
            );
        }
        let s = &all[1];
        assert_eq!(s.id, "kepatuhan-standar-pelayanan");
        assert_eq!(s.title, "Kepatuhan standar pelayanan");
        let komponen = s.sections.iter().find(|x| x.id == "komponen").unwrap();
        assert_eq!(komponen.items.len(), 14);
        assert!(s.items().any(|(_, i)| i.id.starts_with("maklumat")));
        // Every answer type is used by at least one shipped instrument.
        for t in AnswerType::ALL {
            assert!(
                all.iter().any(|i| i.items().any(|(_, it)| it.answer == t)),
                "{t:?} unused"
            );
        }
    }

    #[test]
    fn scores_sections_and_total() {
        let inst = parse_instrument(MINI).unwrap();
        assert_eq!(inst.version, 2);
        assert_eq!(inst.scoring.scheme, "ombudsman-2021");
        let sc = score(
            &inst,
            &answers(&[
                ("a1", Answer::Yes),
                ("a2", Answer::Partial),
                ("b1", Answer::Score(2)),
                ("b2", Answer::Choice("desa".into())),
            ]),
        );
        // Section A: (2×1 + 1×0.5) / 3 = 83.33; B: 2/3 = 66.67.
        assert_eq!(sc.sections[0].score, Some(83.33));
        assert_eq!(sc.sections[1].score, Some(66.67));
        // Items pooled: (2 + 0.5 + 0.6667) / 4 = 79.17 → kuning.
        assert_eq!(sc.total, Some(79.17));
        assert_eq!(sc.zone.as_ref().unwrap().code, "kuning");
        assert!(sc.missing.is_empty());
        assert_eq!(sc.scored_items, 3);

        // Not applicable leaves a2 out of both sides: A = 2/2 = 100.
        let sc = score(
            &inst,
            &answers(&[("a1", Answer::Yes), ("a2", Answer::NotApplicable)]),
        );
        assert_eq!(sc.sections[0].score, Some(100.0));
        assert_eq!(sc.sections[0].not_applicable, 1);
        // b1 unanswered counts as 0 and is listed.
        assert_eq!(sc.missing, vec!["b1".to_string()]);
        assert_eq!(sc.total, Some(66.67));

        // The sections method: (1×100 + 3×0) / 4 = 25.
        let mut by_sections = inst.clone();
        by_sections.scoring.method = ScoringMethod::Sections;
        let sc = score(
            &by_sections,
            &answers(&[
                ("a1", Answer::Yes),
                ("a2", Answer::Yes),
                ("b1", Answer::Score(0)),
            ]),
        );
        assert_eq!(sc.total, Some(25.0));
        assert_eq!(sc.zone.unwrap().code, "merah");

        // Nothing answered: every scored item missing, total 0.
        let sc = score(&inst, &BTreeMap::new());
        assert_eq!(sc.total, Some(0.0));
        assert_eq!(sc.missing.len(), 3);
    }

    #[test]
    fn zone_boundaries_follow_the_ombudsman_table() {
        let z = ombudsman_zones();
        let code = |s| zone_for(&z, s).unwrap().code.as_str();
        assert_eq!(code(0.0), "merah");
        assert_eq!(code(50.99), "merah");
        assert_eq!(code(50.994), "merah");
        assert_eq!(code(50.995), "kuning");
        assert_eq!(code(51.0), "kuning");
        assert_eq!(code(80.99), "kuning");
        assert_eq!(code(81.0), "hijau");
        assert_eq!(code(100.0), "hijau");
    }

    #[test]
    fn answers_are_checked_against_their_item() {
        let inst = parse_instrument(MINI).unwrap();
        let it = |id| inst.item(id).unwrap();
        assert_eq!(check_answer(it("a1"), &Answer::Yes), Ok(()));
        assert_eq!(
            check_answer(it("a1"), &Answer::Partial),
            Err(AnswerProblem::WrongType)
        );
        assert_eq!(
            check_answer(it("a1"), &Answer::NotApplicable),
            Err(AnswerProblem::NotApplicableNotAllowed)
        );
        assert_eq!(check_answer(it("a2"), &Answer::NotApplicable), Ok(()));
        assert_eq!(
            check_answer(it("b1"), &Answer::Score(4)),
            Err(AnswerProblem::OutOfRange)
        );
        assert_eq!(
            check_answer(it("b2"), &Answer::Choice("pulau".into())),
            Err(AnswerProblem::UnknownOption)
        );
        assert_eq!(
            check_answer(it("b3"), &Answer::Text("x".repeat(ANSWER_TEXT_MAX + 1))),
            Err(AnswerProblem::TooLong)
        );
        let json = serde_json::to_value(Answer::Score(2)).unwrap();
        assert_eq!(json, serde_json::json!({"type": "score", "value": 2}));
        let yes: Answer = serde_json::from_value(serde_json::json!({"type": "yes"})).unwrap();
        assert_eq!(yes, Answer::Yes);
    }

    fn replace(src: &str, from: &str, to: &str) -> String {
        assert!(src.contains(from), "{from}");
        src.replacen(from, to, 1)
    }

    #[test]
    fn bad_instruments_are_refused_with_a_reason() {
        let err = |t: &str| parse_instrument(t).unwrap_err();
        assert!(matches!(err("id = "), InstrumentError::Toml(_)));
        assert_eq!(
            err(&replace(MINI, "type = \"score_0_3\"", "type = \"bintang\"")),
            InstrumentError::UnknownAnswerType {
                item: "b1".into(),
                value: "bintang".into()
            }
        );
        assert_eq!(
            err(&replace(MINI, "id = \"mini\"", "id = \"Mini Besar\"")),
            InstrumentError::BadId("Mini Besar".into())
        );
        assert_eq!(
            err(&replace(MINI, "version = 2", "version = 0")),
            InstrumentError::BadVersion
        );
        assert_eq!(
            err(&replace(MINI, "id = \"b1\"", "id = \"a1\"")),
            InstrumentError::DuplicateId("a1".into())
        );
        assert_eq!(
            err(&replace(MINI, "weight = 2", "weight = -1")),
            InstrumentError::BadWeight {
                item: "a1".into(),
                weight: -1.0
            }
        );
        assert_eq!(
            err(&replace(
                MINI,
                "options = [{ value = \"kota\", label = \"Perkotaan\" }, ",
                "options = ["
            )),
            InstrumentError::ChoiceWithoutOptions("b2".into())
        );
        // Unknown keys are refused (a typo must not silently drop a setting).
        assert!(matches!(
            err(&replace(MINI, "weight = 2", "wieght = 2")),
            InstrumentError::Toml(_)
        ));
        let zones = |body: &str| format!("{MINI}\n[scoring]\n{body}");
        let z = |code: &str, min: f64, max: f64| {
            format!("[[scoring.zone]]\ncode = \"{code}\"\nmin = {min:?}\nmax = {max:?}\n")
        };
        let ok = zones(&format!(
            "scheme = \"tiga\"\n{}{}{}",
            z("c", 0.0, 59.99),
            z("b", 60.0, 79.99),
            z("a", 80.0, 100.0)
        ));
        let inst = parse_instrument(&ok).unwrap();
        assert_eq!(inst.scoring.scheme, "tiga");
        assert_eq!(inst.scoring.zones.len(), 3);
        assert_eq!(
            err(&zones(&format!(
                "{}{}",
                z("c", 0.0, 59.0),
                z("a", 60.0, 100.0)
            ))),
            InstrumentError::ZoneGap("c".into(), "a".into())
        );
        assert_eq!(
            err(&zones(&format!(
                "{}{}",
                z("c", 0.0, 70.0),
                z("a", 60.0, 100.0)
            ))),
            InstrumentError::ZoneOverlap("c".into(), "a".into())
        );
        assert_eq!(
            err(&zones(&format!(
                "{}{}",
                z("c", 5.0, 59.99),
                z("a", 60.0, 100.0)
            ))),
            InstrumentError::ZoneStart("5".into())
        );
        assert_eq!(
            err(&zones(&format!(
                "{}{}",
                z("c", 0.0, 59.99),
                z("a", 60.0, 99.0)
            ))),
            InstrumentError::ZoneEnd("99".into())
        );
        assert_eq!(
            err(&zones(&format!(
                "{}{}",
                z("c", 0.0, 59.99),
                z("a", 60.0, 120.0)
            ))),
            InstrumentError::ZoneBounds("a".into())
        );
        assert_eq!(
            err(&zones(&format!(
                "{}{}",
                z("c", 0.0, 59.99),
                z("c", 60.0, 100.0)
            ))),
            InstrumentError::DuplicateZone("c".into())
        );
        assert_eq!(
            err(&zones("method = \"median\"")),
            InstrumentError::UnknownScoringMethod("median".into())
        );
        // An instrument with nothing to score.
        let unscored = "id = \"x\"\nversion = 1\ntitle = \"X\"\n[[section]]\nid = \"s\"\ntitle = \"S\"\n[[section.item]]\nid = \"t\"\ntext = \"t\"\ntype = \"text\"\n";
        assert_eq!(err(unscored), InstrumentError::NoScoredItems);
        for e in [
            InstrumentError::NoSections,
            InstrumentError::ZoneGap("a".into(), "b".into()),
        ] {
            assert!(!e.code().is_empty());
        }
    }

    #[test]
    fn ranking_from_terbaik_to_perlu_perbaikan() {
        let r = |code: &str, total: f64| UnitResult {
            unit_code: code.into(),
            unit_name: format!("Puskesmas {code}"),
            visit_id: 1,
            visit_date: d(2026, 5, 4),
            total,
        };
        let ranked = rank_units(
            &[
                r("C", 45.0),
                r("A", 92.5),
                r("B", 70.0),
                r("D", 70.004),
                r("E", 88.0),
            ],
            &ombudsman_zones(),
        );
        let v: Vec<(u32, &str, &str)> = ranked
            .iter()
            .map(|x| (x.rank, x.unit_code.as_str(), x.category.as_str()))
            .collect();
        assert_eq!(
            v,
            vec![
                (1, "A", "Terbaik"),
                (2, "E", "Baik"),
                (3, "B", "Cukup"),
                (3, "D", "Cukup"),
                (5, "C", "Perlu perbaikan"),
            ]
        );
        assert_eq!(ranked[4].zone_code, "merah");
    }

    proptest! {
        #[test]
        fn parser_never_panics(text in "\\PC*") {
            let _ = parse_instrument(&text);
        }

        #[test]
        fn scores_stay_within_0_and_100(a in 0usize..3, b in 0u8..4, na in proptest::bool::ANY) {
            let inst = parse_instrument(MINI).unwrap();
            let yn = [Answer::Yes, Answer::No, Answer::Partial];
            let mut ans = answers(&[("a1", if a == 2 { Answer::No } else { yn[a].clone() }), ("b1", Answer::Score(b))]);
            if na { ans.insert("a2".into(), Answer::NotApplicable); }
            let sc = score(&inst, &ans);
            let t = sc.total.unwrap();
            prop_assert!((0.0..=100.0).contains(&t));
            prop_assert!(sc.zone.is_some());
        }
    }
}
