//! Monev field visits: instruments (shipped and imported), the units visited,
//! visits with answers, notes and photo evidence, findings, recommendations,
//! follow-up plan, team and head of unit. A draft is saved as often as the
//! form likes (autosave) and can be resumed; finishing locks it; a later
//! change is a *correction* with a reason, recorded field by field in the
//! append-only `monev_corrections`. Every method is one transaction.
//!
//! Scoring and validation of the instrument itself are pure
//! (`posko_domain::instrument`); this module is the store around them.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use posko_domain::instrument::{
    self, Answer, Instrument, RankedUnit, UnitResult, VisitScore, Zone, check_answer,
    parse_instrument,
};
use posko_domain::role::Permission;
use posko_domain::validation::{FieldError, FieldErrorCode};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::app::{Posko, now_text, parse_date, parse_instant, require};
use crate::error::{CoreError, CoreResult};
use crate::model::{Actor, IdInput};
use crate::validate;

/// Monev (visits, decrees, action plans, report texts, reports) needs this permission:
/// pemantau, kepala and admin have it; petugas do not.
pub(crate) const MONEV: Permission = Permission::RunReports;

pub const LIST_MAX: usize = 100;
pub const LINE_MAX: usize = 2_000;
pub const REASON_MAX: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct InstrumentInfo {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub description: String,
    pub builtin: bool,
    pub items: u32,
    pub scored_items: u32,
}

/// An instrument by id; without a version, the newest one.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct InstrumentRef {
    pub id: String,
    #[serde(default)]
    #[ts(optional)]
    pub version: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct InstrumentImport {
    /// The TOML text of the instrument.
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct UnitView {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The unit this store records complaints for.
    pub is_home: bool,
}

/// A person who signs: team member or head of the unit visited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Signatory {
    pub name: String,
    #[serde(default)]
    pub nip: String,
    #[serde(default)]
    pub position: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AnswerInput {
    pub item_id: String,
    /// None: not answered yet (a note alone may be kept).
    #[serde(default)]
    #[ts(optional)]
    pub answer: Option<Answer>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PlanItem {
    pub action: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    #[ts(optional)]
    pub due_date: Option<NaiveDate>,
}

/// The whole visit form. Saving it again replaces what was saved (autosave).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitInput {
    /// None creates a visit.
    #[serde(default)]
    #[ts(optional)]
    pub id: Option<i64>,
    pub unit_code: String,
    /// Used when the visit is created; a visit keeps its instrument version.
    pub instrument: InstrumentRef,
    pub visit_date: NaiveDate,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub answers: Vec<AnswerInput>,
    #[serde(default)]
    pub findings: Vec<String>,
    #[serde(default)]
    pub recommendations: Vec<String>,
    #[serde(default)]
    pub plan: Vec<PlanItem>,
    #[serde(default)]
    pub team: Vec<Signatory>,
    /// Head of the unit visited ("Mengetahui").
    #[serde(default)]
    pub head: Signatory,
    /// The version last read; a stale one is refused (CONFLICT).
    #[serde(default)]
    #[ts(optional)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitCorrection {
    pub visit: VisitInput,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    Draft,
    Final,
}

impl VisitState {
    pub fn code(self) -> &'static str {
        match self {
            VisitState::Draft => "draft",
            VisitState::Final => "final",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VisitPhotoMeta {
    pub id: i64,
    pub item_id: Option<String>,
    pub file_name: String,
    pub caption: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CorrectionView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitView {
    pub id: i64,
    pub uid: String,
    pub unit: UnitView,
    /// The instrument exactly as the visit was filled with.
    pub instrument: Instrument,
    pub visit_date: NaiveDate,
    pub place: String,
    pub state: VisitState,
    pub answers: Vec<AnswerInput>,
    pub findings: Vec<String>,
    pub recommendations: Vec<String>,
    pub plan: Vec<PlanItem>,
    pub team: Vec<Signatory>,
    pub head: Signatory,
    pub score: VisitScore,
    pub photos: Vec<VisitPhotoMeta>,
    pub corrections: Vec<CorrectionView>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub finished_by: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitRow {
    pub id: i64,
    pub uid: String,
    pub unit_code: String,
    pub unit_name: String,
    pub instrument_id: String,
    pub instrument_version: u32,
    pub instrument_title: String,
    pub visit_date: NaiveDate,
    pub state: VisitState,
    /// Stored when finished.
    pub score_total: Option<f64>,
    pub zone_code: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct VisitFilter {
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    #[ts(optional)]
    pub to: Option<NaiveDate>,
    #[ts(optional)]
    pub unit_code: Option<String>,
    #[ts(optional)]
    pub instrument_id: Option<String>,
    #[ts(optional)]
    pub state: Option<VisitState>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitPhotoInput {
    pub visit_id: i64,
    /// The item the photo is evidence for; None for the visit as a whole.
    #[serde(default)]
    #[ts(optional)]
    pub item_id: Option<String>,
    pub file_name: String,
    #[serde(default)]
    pub caption: String,
    pub data_base64: String,
    /// Needed when the visit is finished (the addition is a correction).
    #[serde(default)]
    #[ts(optional)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VisitPhotoData {
    pub meta: VisitPhotoMeta,
    pub data_base64: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RankingQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub instrument_id: String,
}

/// Units ranked by their latest finished visit with one instrument in a period.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Ranking {
    pub instrument_id: String,
    pub instrument_title: String,
    pub zones: Vec<Zone>,
    pub units: Vec<RankedUnit>,
}

fn bad_instrument(error: instrument::InstrumentError) -> CoreError {
    CoreError::InvalidInstrument { error }
}

fn not_found(entity: &'static str, id: impl ToString) -> CoreError {
    CoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}

fn nip_ok(nip: &str) -> bool {
    nip.is_empty() || (nip.len() == 18 && nip.bytes().all(|b| b.is_ascii_digit()))
}

fn clean_nip(nip: &str) -> String {
    nip.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The shipped instruments with their TOML text.
fn builtin() -> Vec<(Instrument, &'static str)> {
    instrument::builtin_instrument_sources()
        .into_iter()
        .map(|t| {
            (
                parse_instrument(t).expect("bundled instruments are valid"),
                t,
            )
        })
        .collect()
}

fn info(i: &Instrument, builtin: bool) -> InstrumentInfo {
    InstrumentInfo {
        id: i.id.clone(),
        version: i.version,
        title: i.title.clone(),
        description: i.description.clone(),
        builtin,
        items: i.items().count() as u32,
        scored_items: i.items().filter(|(_, it)| it.is_scored()).count() as u32,
    }
}

pub(crate) fn unit_by_code(
    conn: &rusqlite::Connection,
    code: &str,
    home: Option<i64>,
) -> CoreResult<Option<UnitView>> {
    Ok(conn
        .query_row(
            "SELECT id, code, name FROM units WHERE code = ?1",
            [code.trim()],
            |r| {
                Ok(UnitView {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    is_home: false,
                })
            },
        )
        .optional()?
        .map(|u| UnitView {
            is_home: Some(u.id) == home,
            ..u
        }))
}

/// A clean copy of a visit form, or every problem found in it.
struct CleanVisit {
    unit_id: i64,
    visit_date: NaiveDate,
    place: String,
    answers: BTreeMap<String, AnswerInput>,
    findings: Vec<String>,
    recommendations: Vec<String>,
    plan: Vec<PlanItem>,
    team: Vec<Signatory>,
    head: Signatory,
}

fn clean_lines(errors: &mut Vec<FieldError>, field: &str, lines: &[String]) -> Vec<String> {
    if lines.len() > LIST_MAX {
        errors.push(FieldError::with_limit(
            field,
            FieldErrorCode::TooLong,
            LIST_MAX as u64,
        ));
    }
    for l in lines {
        validate::text_field(errors, field, Some(l), false, LINE_MAX, true);
    }
    lines
        .iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn clean_signatory(errors: &mut Vec<FieldError>, prefix: &str, s: &Signatory) -> Signatory {
    validate::text_field(
        errors,
        &format!("{prefix}_name"),
        Some(&s.name),
        false,
        120,
        false,
    );
    validate::text_field(
        errors,
        &format!("{prefix}_position"),
        Some(&s.position),
        false,
        120,
        false,
    );
    let nip = clean_nip(&s.nip);
    if !nip_ok(&nip) {
        errors.push(FieldError::new(
            format!("{prefix}_nip"),
            FieldErrorCode::NipFormat,
        ));
    }
    Signatory {
        name: s.name.trim().to_owned(),
        nip,
        position: s.position.trim().to_owned(),
    }
}

impl Posko {
    fn check_visit(&self, inst: &Instrument, input: &VisitInput) -> CoreResult<CleanVisit> {
        let mut errors = Vec::new();
        let unit = unit_by_code(&self.db.conn, &input.unit_code, self.cache.home_unit_id)?;
        if unit.is_none() {
            errors.push(FieldError::new("unit_code", FieldErrorCode::InvalidChoice));
        }
        let year = chrono::Datelike::year(&input.visit_date);
        if !(2000..=2100).contains(&year) {
            errors.push(FieldError::new("visit_date", FieldErrorCode::DateFormat));
        }
        validate::text_field(&mut errors, "place", Some(&input.place), false, 200, false);
        let findings = clean_lines(&mut errors, "findings", &input.findings);
        let recommendations = clean_lines(&mut errors, "recommendations", &input.recommendations);
        if input.plan.len() > LIST_MAX {
            errors.push(FieldError::with_limit(
                "plan",
                FieldErrorCode::TooLong,
                LIST_MAX as u64,
            ));
        }
        let mut plan = Vec::new();
        for p in &input.plan {
            validate::text_field(&mut errors, "action", Some(&p.action), true, LINE_MAX, true);
            validate::text_field(&mut errors, "owner", Some(&p.owner), false, 200, false);
            plan.push(PlanItem {
                action: p.action.trim().to_owned(),
                owner: p.owner.trim().to_owned(),
                due_date: p.due_date,
            });
        }
        if input.team.len() > 20 {
            errors.push(FieldError::with_limit("team", FieldErrorCode::TooLong, 20));
        }
        let team: Vec<Signatory> = input
            .team
            .iter()
            .map(|s| clean_signatory(&mut errors, "team", s))
            .filter(|s| !s.name.is_empty())
            .collect();
        let head = clean_signatory(&mut errors, "head", &input.head);
        let mut answers = BTreeMap::new();
        for a in &input.answers {
            let Some(item) = inst.item(&a.item_id) else {
                errors.push(FieldError::new("item_id", FieldErrorCode::InvalidChoice));
                continue;
            };
            validate::text_field(
                &mut errors,
                "note_item",
                Some(&a.note),
                false,
                LINE_MAX,
                true,
            );
            if let Some(ans) = &a.answer {
                check_answer(item, ans).map_err(|problem| CoreError::InvalidAnswer {
                    item: format!("{} ({})", item.text, item.id),
                    problem,
                })?;
            }
            let answer = match &a.answer {
                Some(Answer::Text(t)) if t.trim().is_empty() => None,
                Some(Answer::Text(t)) => Some(Answer::Text(t.trim().to_owned())),
                other => other.clone(),
            };
            answers.insert(
                item.id.clone(),
                AnswerInput {
                    item_id: item.id.clone(),
                    answer,
                    note: a.note.trim().to_owned(),
                },
            );
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        Ok(CleanVisit {
            unit_id: unit.map(|u| u.id).unwrap_or_default(),
            visit_date: input.visit_date,
            place: input.place.trim().to_owned(),
            answers,
            findings,
            recommendations,
            plan,
            team,
            head,
        })
    }

    /// Every instrument this store knows: shipped and imported, every version.
    pub fn instruments(&self, actor: &Actor) -> CoreResult<Vec<InstrumentInfo>> {
        require(actor, MONEV)?;
        let mut out: Vec<InstrumentInfo> = builtin().iter().map(|(i, _)| info(i, true)).collect();
        for (inst, _) in self.imported_instruments()? {
            out.push(info(&inst, false));
        }
        out.sort_by(|a, b| a.id.cmp(&b.id).then(b.version.cmp(&a.version)));
        Ok(out)
    }

    fn imported_instruments(&self) -> CoreResult<Vec<(Instrument, String)>> {
        let mut stmt = self
            .db
            .conn
            .prepare("SELECT body FROM monev_instruments ORDER BY id, version")?;
        let bodies = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        // Stored only after validation; a body a newer rule refuses is skipped, not fatal.
        Ok(bodies
            .into_iter()
            .filter_map(|b| parse_instrument(&b).ok().map(|i| (i, b)))
            .collect())
    }

    /// An instrument with its TOML text (the newest version when none is asked).
    pub(crate) fn resolve_instrument(&self, r: &InstrumentRef) -> CoreResult<(Instrument, String)> {
        let mut all: Vec<(Instrument, String)> = builtin()
            .into_iter()
            .map(|(i, t)| (i, t.to_owned()))
            .collect();
        all.extend(self.imported_instruments()?);
        all.into_iter()
            .filter(|(i, _)| i.id == r.id.trim() && r.version.is_none_or(|v| v == i.version))
            .max_by_key(|(i, _)| i.version)
            .ok_or_else(|| {
                not_found(
                    "instrument",
                    match r.version {
                        Some(v) => format!("{} v{v}", r.id),
                        None => r.id.clone(),
                    },
                )
            })
    }

    pub fn instrument(&self, actor: &Actor, r: &InstrumentRef) -> CoreResult<Instrument> {
        require(actor, MONEV)?;
        Ok(self.resolve_instrument(r)?.0)
    }

    /// Add an instrument (TOML). A version, once stored, never changes: the
    /// same text again is accepted, a different text needs a new version.
    pub fn import_instrument(
        &mut self,
        actor: &Actor,
        input: &InstrumentImport,
    ) -> CoreResult<InstrumentInfo> {
        require(actor, MONEV)?;
        if input.source.len() > 1_000_000 {
            return Err(CoreError::validation(vec![FieldError::with_limit(
                "instrument",
                FieldErrorCode::TooLong,
                1_000_000,
            )]));
        }
        let inst = parse_instrument(&input.source).map_err(bad_instrument)?;
        let existing = self.resolve_instrument(&InstrumentRef {
            id: inst.id.clone(),
            version: Some(inst.version),
        });
        match existing {
            Ok((_, body)) if body == input.source => return Ok(info(&inst, false)),
            Ok(_) => {
                return Err(CoreError::validation(vec![FieldError::new(
                    "instrument_version",
                    FieldErrorCode::InvalidChoice,
                )]));
            }
            Err(CoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        self.db.conn.execute(
            "INSERT INTO monev_instruments (id, version, title, body, imported_at, imported_by_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![inst.id, inst.version, inst.title, input.source, now_text(self.now()), actor.display_name],
        )?;
        Ok(info(&inst, false))
    }

    /// Units known to this store (the home unit and the units it visits).
    pub fn units(&self, actor: &Actor) -> CoreResult<Vec<UnitView>> {
        require(actor, Permission::ViewRegister)?;
        let home = self.cache.home_unit_id;
        let mut stmt = self
            .db
            .conn
            .prepare("SELECT id, code, name FROM units ORDER BY code")?;
        let rows = stmt.query_map([], |r| {
            let id: i64 = r.get(0)?;
            Ok(UnitView {
                id,
                code: r.get(1)?,
                name: r.get(2)?,
                is_home: Some(id) == home,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Register a unit to visit (a puskesmas under this Dinkes), or rename one.
    pub fn save_unit(&mut self, actor: &Actor, input: &UnitInput) -> CoreResult<UnitView> {
        require(actor, MONEV)?;
        let code = crate::app::normalize_unit_code(&input.code);
        let mut errors = Vec::new();
        if code.is_empty() {
            errors.push(FieldError::new("unit_code", FieldErrorCode::Required));
        } else if code.len() > 30 {
            errors.push(FieldError::with_limit(
                "unit_code",
                FieldErrorCode::TooLong,
                30,
            ));
        }
        validate::text_field(
            &mut errors,
            "unit_name",
            Some(&input.name),
            true,
            120,
            false,
        );
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "INSERT INTO units (code, name, register_prefix, created_at) VALUES (?1, ?2, ?1, ?3)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name",
            params![code, input.name.trim(), now],
        )?;
        tx.commit()?;
        if self.cache.home_unit_id.is_some() {
            // The home unit's name also lives in the office settings.
            self.reload_cache()?;
        }
        unit_by_code(&self.db.conn, &code, self.cache.home_unit_id)?
            .ok_or_else(|| not_found("unit", &code))
    }

    /// Create or autosave a draft visit.
    pub fn save_visit(&mut self, actor: &Actor, input: &VisitInput) -> CoreResult<VisitView> {
        require(actor, MONEV)?;
        let now = self.now();
        let id = match input.id {
            None => {
                let (inst, body) = self.resolve_instrument(&input.instrument)?;
                let clean = self.check_visit(&inst, input)?;
                let tx = self.db.conn.transaction()?;
                tx.execute(
                    "INSERT INTO monev_visits (uid, unit_id, instrument_id, instrument_version, instrument_body,
                        visit_date, place, state, head_name, head_nip, head_title, created_by, created_by_name,
                        created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                    params![
                        uuid::Uuid::new_v4().to_string(),
                        clean.unit_id,
                        inst.id,
                        inst.version,
                        body,
                        clean.visit_date.to_string(),
                        clean.place,
                        clean.head.name,
                        clean.head.nip,
                        clean.head.position,
                        actor.user_id,
                        actor.display_name,
                        now_text(now),
                    ],
                )?;
                let id = tx.last_insert_rowid();
                write_parts(&tx, id, &clean)?;
                tx.commit()?;
                id
            }
            Some(id) => {
                let (inst, state, version) = self.visit_head(id)?;
                if state == VisitState::Final {
                    return Err(CoreError::VisitLocked);
                }
                if input.version.is_some_and(|v| v != version) {
                    return Err(CoreError::Conflict);
                }
                let clean = self.check_visit(&inst, input)?;
                let tx = self.db.conn.transaction()?;
                update_visit(&tx, id, &clean, now)?;
                tx.commit()?;
                id
            }
        };
        self.load_visit(id)
    }

    fn visit_head(&self, id: i64) -> CoreResult<(Instrument, VisitState, i64)> {
        let (body, state, version): (String, String, i64) = self
            .db
            .conn
            .query_row(
                "SELECT instrument_body, state, version FROM monev_visits WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| not_found("visit", id))?;
        let inst = parse_instrument(&body).map_err(bad_instrument)?;
        let state = if state == "final" {
            VisitState::Final
        } else {
            VisitState::Draft
        };
        Ok((inst, state, version))
    }

    pub fn visit(&self, actor: &Actor, input: &IdInput) -> CoreResult<VisitView> {
        require(actor, MONEV)?;
        self.load_visit(input.id)
    }

    pub(crate) fn load_visit(&self, id: i64) -> CoreResult<VisitView> {
        let conn = &self.db.conn;
        #[allow(clippy::type_complexity)]
        let row: (
            (String, i64, String, String, String),
            (String, String, String, String, String),
            (String, String, Option<String>, Option<String>, i64),
        ) = conn
            .query_row(
                "SELECT uid, unit_id, instrument_body, visit_date, place,
                        state, head_name, head_nip, head_title, created_by_name,
                        created_at, updated_at, finished_at, finished_by_name, version
                 FROM monev_visits WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                        (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?),
                        (r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?),
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| not_found("visit", id))?;
        let ((uid, unit_id, body, visit_date, place), (state, hn, hnip, ht, created_by), rest) =
            row;
        let (created_at, updated_at, finished_at, finished_by, version) = rest;
        let instrument = parse_instrument(&body).map_err(bad_instrument)?;
        let unit = conn.query_row(
            "SELECT id, code, name FROM units WHERE id = ?1",
            [unit_id],
            |r| {
                Ok(UnitView {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    is_home: Some(unit_id) == self.cache.home_unit_id,
                })
            },
        )?;
        let mut answers = Vec::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT item_id, answer, note FROM monev_answers WHERE visit_id = ?1",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut by_item = BTreeMap::new();
            for row in rows {
                let (item_id, answer, note) = row?;
                let answer = answer.and_then(|a| serde_json::from_str::<Answer>(&a).ok());
                by_item.insert(
                    item_id.clone(),
                    AnswerInput {
                        item_id,
                        answer,
                        note,
                    },
                );
            }
            // In the instrument's order.
            for (_, item) in instrument.items() {
                if let Some(a) = by_item.remove(&item.id) {
                    answers.push(a);
                }
            }
        }
        let given: BTreeMap<String, Answer> = answers
            .iter()
            .filter_map(|a| a.answer.clone().map(|x| (a.item_id.clone(), x)))
            .collect();
        let score = instrument::score(&instrument, &given);
        let lines = |kind: &str| -> CoreResult<Vec<String>> {
            let mut stmt = conn.prepare_cached(
                "SELECT text FROM monev_findings WHERE visit_id = ?1 AND kind = ?2 ORDER BY seq",
            )?;
            let rows = stmt.query_map(params![id, kind], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        let plan = {
            let mut stmt = conn.prepare_cached(
                "SELECT action, owner, due_date FROM monev_plan_items WHERE visit_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(PlanItem {
                    action: r.get(0)?,
                    owner: r.get(1)?,
                    due_date: r.get::<_, Option<String>>(2)?.map(|s| parse_date(&s)),
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let team = {
            let mut stmt = conn.prepare_cached(
                "SELECT name, nip, position FROM monev_team WHERE visit_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(Signatory {
                    name: r.get(0)?,
                    nip: r.get(1)?,
                    position: r.get(2)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let photos = self.photo_metas(id)?;
        let corrections = {
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, actor_name, field, old_value, new_value, reason FROM monev_corrections
                 WHERE visit_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(CorrectionView {
                    id: r.get(0)?,
                    at: parse_instant(&r.get::<_, String>(1)?),
                    actor_name: r.get(2)?,
                    field: r.get(3)?,
                    old_value: r.get(4)?,
                    new_value: r.get(5)?,
                    reason: r.get(6)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        Ok(VisitView {
            id,
            uid,
            unit,
            instrument,
            visit_date: parse_date(&visit_date),
            place,
            state: if state == "final" {
                VisitState::Final
            } else {
                VisitState::Draft
            },
            answers,
            findings: lines("finding")?,
            recommendations: lines("recommendation")?,
            plan,
            team,
            head: Signatory {
                name: hn,
                nip: hnip,
                position: ht,
            },
            score,
            photos,
            corrections,
            created_by,
            created_at: parse_instant(&created_at),
            updated_at: parse_instant(&updated_at),
            finished_at: finished_at.map(|s| parse_instant(&s)),
            finished_by,
            version,
        })
    }

    fn photo_metas(&self, visit_id: i64) -> CoreResult<Vec<VisitPhotoMeta>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT id, item_id, file_name, caption, mime, size, sha256, added_by_name, added_at
             FROM monev_photos WHERE visit_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([visit_id], photo_meta_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Visits, newest first.
    pub fn list_visits(&self, actor: &Actor, f: &VisitFilter) -> CoreResult<Vec<VisitRow>> {
        require(actor, MONEV)?;
        let mut stmt = self.db.conn.prepare(
            "SELECT v.id, v.uid, u.code, u.name, v.instrument_id, v.instrument_version, v.instrument_body,
                    v.visit_date, v.state, v.score_total, v.zone_code, v.updated_at
             FROM monev_visits v JOIN units u ON u.id = v.unit_id
             WHERE (?1 IS NULL OR v.visit_date >= ?1) AND (?2 IS NULL OR v.visit_date <= ?2)
               AND (?3 IS NULL OR u.code = ?3) AND (?4 IS NULL OR v.instrument_id = ?4)
               AND (?5 IS NULL OR v.state = ?5)
             ORDER BY v.visit_date DESC, v.id DESC",
        )?;
        let rows = stmt.query_map(
            params![
                f.from.map(|d| d.to_string()),
                f.to.map(|d| d.to_string()),
                f.unit_code.as_deref().map(str::trim),
                f.instrument_id.as_deref(),
                f.state.map(VisitState::code),
            ],
            |r| {
                let body: String = r.get(6)?;
                Ok(VisitRow {
                    id: r.get(0)?,
                    uid: r.get(1)?,
                    unit_code: r.get(2)?,
                    unit_name: r.get(3)?,
                    instrument_id: r.get(4)?,
                    instrument_version: r.get(5)?,
                    instrument_title: parse_instrument(&body).map(|i| i.title).unwrap_or_default(),
                    visit_date: parse_date(&r.get::<_, String>(7)?),
                    state: if r.get::<_, String>(8)? == "final" {
                        VisitState::Final
                    } else {
                        VisitState::Draft
                    },
                    score_total: r.get(9)?,
                    zone_code: r.get(10)?,
                    updated_at: parse_instant(&r.get::<_, String>(11)?),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Finish a visit: every scored item answered, a team and the head of the
    /// unit named. The score is stored and the visit locked.
    pub fn finish_visit(&mut self, actor: &Actor, input: &IdInput) -> CoreResult<VisitView> {
        require(actor, MONEV)?;
        let v = self.load_visit(input.id)?;
        if v.state == VisitState::Final {
            return Err(CoreError::VisitLocked);
        }
        if !v.score.missing.is_empty() {
            return Err(CoreError::VisitIncomplete {
                missing: v.score.missing.clone(),
            });
        }
        let mut errors = Vec::new();
        if v.team.is_empty() {
            errors.push(FieldError::new("team", FieldErrorCode::Required));
        }
        if v.head.name.is_empty() {
            errors.push(FieldError::new("head_name", FieldErrorCode::Required));
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "UPDATE monev_visits SET state = 'final', finished_at = ?1, finished_by_name = ?2,
                score_total = ?3, zone_code = ?4, updated_at = ?1, version = version + 1 WHERE id = ?5",
            params![now, actor.display_name, v.score.total, v.score.zone.as_ref().map(|z| z.code.clone()), v.id],
        )?;
        tx.commit()?;
        self.load_visit(v.id)
    }

    /// Change a finished visit. Each changed field is recorded with the old
    /// and new value, who, when and why; the score is recomputed.
    pub fn correct_visit(
        &mut self,
        actor: &Actor,
        input: &VisitCorrection,
    ) -> CoreResult<VisitView> {
        require(actor, MONEV)?;
        let reason = validate::note("reason", Some(&input.reason), true)
            .map_err(CoreError::validation)?
            .unwrap_or_default();
        if reason.chars().count() > REASON_MAX {
            return Err(CoreError::validation(vec![FieldError::with_limit(
                "reason",
                FieldErrorCode::TooLong,
                REASON_MAX as u64,
            )]));
        }
        let id = input.visit.id.ok_or_else(|| not_found("visit", "-"))?;
        let old = self.load_visit(id)?;
        if old.state != VisitState::Final {
            return Err(CoreError::BadRequest {
                detail: "a draft visit is saved, not corrected".into(),
            });
        }
        if input.visit.version.is_some_and(|v| v != old.version) {
            return Err(CoreError::Conflict);
        }
        let clean = self.check_visit(&old.instrument, &input.visit)?;
        let changes = diff(&old, &clean, &input.visit.unit_code);
        if changes.is_empty() {
            return Ok(old);
        }
        let now = self.now();
        let new_answers: BTreeMap<String, Answer> = clean
            .answers
            .values()
            .filter_map(|a| a.answer.clone().map(|x| (a.item_id.clone(), x)))
            .collect();
        let new_score = instrument::score(&old.instrument, &new_answers);
        if !new_score.missing.is_empty() {
            return Err(CoreError::VisitIncomplete {
                missing: new_score.missing,
            });
        }
        let tx = self.db.conn.transaction()?;
        update_visit(&tx, id, &clean, now)?;
        tx.execute(
            "UPDATE monev_visits SET score_total = ?1, zone_code = ?2 WHERE id = ?3",
            params![
                new_score.total,
                new_score.zone.as_ref().map(|z| z.code.clone()),
                id
            ],
        )?;
        for (field, old_value, new_value) in &changes {
            add_correction(&tx, actor, id, now, field, old_value, new_value, &reason)?;
        }
        tx.commit()?;
        self.load_visit(id)
    }

    /// Delete a draft visit (a finished one stays: it may have been reported on).
    pub fn delete_visit(&mut self, actor: &Actor, input: &IdInput) -> CoreResult<()> {
        require(actor, MONEV)?;
        let (_, state, _) = self.visit_head(input.id)?;
        if state == VisitState::Final {
            return Err(CoreError::VisitLocked);
        }
        let tx = self.db.conn.transaction()?;
        tx.execute("DELETE FROM monev_visits WHERE id = ?1", [input.id])?;
        crate::audit::append(
            &tx,
            actor,
            self.clock.now(),
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::Delete).on("visit", input.id),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Add a photo (JPEG, PNG or WebP, recognised by content) as evidence.
    /// On a finished visit it is a correction and needs a reason.
    pub fn add_visit_photo(
        &mut self,
        actor: &Actor,
        input: &VisitPhotoInput,
    ) -> CoreResult<VisitPhotoMeta> {
        require(actor, MONEV)?;
        let max_mb = self.office()?.max_attachment_mb as usize;
        let max = max_mb * 1024 * 1024;
        let too_large = || {
            CoreError::validation(vec![FieldError::with_limit(
                "photo",
                FieldErrorCode::AttachmentTooLarge,
                max_mb as u64,
            )])
        };
        if input.data_base64.len() > max / 3 * 4 + 8 {
            return Err(too_large());
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(input.data_base64.trim())
            .map_err(|_| {
                CoreError::validation(vec![FieldError::new("photo", FieldErrorCode::Base64)])
            })?;
        if data.len() > max {
            return Err(too_large());
        }
        let mime = match crate::complaints::sniff_mime(&data) {
            Some(m @ ("image/jpeg" | "image/png" | "image/webp")) => m,
            _ => {
                return Err(CoreError::validation(vec![FieldError::new(
                    "photo",
                    FieldErrorCode::AttachmentType,
                )]));
            }
        };
        let mut errors = Vec::new();
        validate::text_field(
            &mut errors,
            "file_name",
            Some(&input.file_name),
            true,
            200,
            false,
        );
        validate::text_field(
            &mut errors,
            "caption",
            Some(&input.caption),
            false,
            500,
            false,
        );
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let (inst, state, _) = self.visit_head(input.visit_id)?;
        if let Some(item) = &input.item_id
            && inst.item(item).is_none()
        {
            return Err(CoreError::validation(vec![FieldError::new(
                "item_id",
                FieldErrorCode::InvalidChoice,
            )]));
        }
        let reason = if state == VisitState::Final {
            Some(
                validate::note("reason", input.reason.as_deref(), true)
                    .map_err(CoreError::validation)?
                    .unwrap_or_default(),
            )
        } else {
            None
        };
        let now = self.now();
        let name = input.file_name.trim().replace(['/', '\\'], "_");
        let sha = hex::encode(Sha256::digest(&data));
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "INSERT INTO monev_photos (visit_id, item_id, file_name, caption, mime, size, sha256, data, added_by_name, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![input.visit_id, input.item_id, name, input.caption.trim(), mime, data.len() as i64, sha, data, actor.display_name, now_text(now)],
        )?;
        let pid = tx.last_insert_rowid();
        if let Some(reason) = reason {
            add_correction(
                &tx,
                actor,
                input.visit_id,
                now,
                &format!("photo:{}", input.item_id.as_deref().unwrap_or("-")),
                "",
                &format!("{name} ({sha})"),
                &reason,
            )?;
        }
        touch(&tx, input.visit_id, now)?;
        tx.commit()?;
        self.photo_metas(input.visit_id)?
            .into_iter()
            .find(|p| p.id == pid)
            .ok_or_else(|| not_found("visit_photo", pid))
    }

    pub fn visit_photo(&self, actor: &Actor, input: &IdInput) -> CoreResult<VisitPhotoData> {
        require(actor, MONEV)?;
        let (meta, data) = self
            .db
            .conn
            .query_row(
                "SELECT id, item_id, file_name, caption, mime, size, sha256, added_by_name, added_at, data
                 FROM monev_photos WHERE id = ?1",
                [input.id],
                |r| Ok((photo_meta_from(r)?, r.get::<_, Vec<u8>>(9)?)),
            )
            .optional()?
            .ok_or_else(|| not_found("visit_photo", input.id))?;
        Ok(VisitPhotoData {
            meta,
            data_base64: base64::engine::general_purpose::STANDARD.encode(data),
        })
    }

    /// Remove a photo from a draft visit.
    pub fn delete_visit_photo(&mut self, actor: &Actor, input: &IdInput) -> CoreResult<()> {
        require(actor, MONEV)?;
        let visit_id: i64 = self
            .db
            .conn
            .query_row(
                "SELECT visit_id FROM monev_photos WHERE id = ?1",
                [input.id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| not_found("visit_photo", input.id))?;
        let (_, state, _) = self.visit_head(visit_id)?;
        if state == VisitState::Final {
            return Err(CoreError::VisitLocked);
        }
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        tx.execute("DELETE FROM monev_photos WHERE id = ?1", [input.id])?;
        touch(&tx, visit_id, now)?;
        crate::audit::append(
            &tx,
            actor,
            now,
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::Delete)
                .on("visit_photo", input.id),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Units ranked from the best to those that need improvement, by their
    /// latest finished visit with the instrument in the period.
    pub fn unit_ranking(&self, actor: &Actor, q: &RankingQuery) -> CoreResult<Ranking> {
        require(actor, MONEV)?;
        let (inst, _) = self.resolve_instrument(&InstrumentRef {
            id: q.instrument_id.clone(),
            version: None,
        })?;
        let results = self.unit_results(q.from, q.to, &inst.id, None)?;
        Ok(Ranking {
            instrument_id: inst.id.clone(),
            instrument_title: inst.title.clone(),
            units: instrument::rank_units(&results, &inst.scoring.zones),
            zones: inst.scoring.zones,
        })
    }

    /// The latest finished visit per unit with an instrument in a period.
    pub(crate) fn unit_results(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        instrument_id: &str,
        units: Option<&[String]>,
    ) -> CoreResult<Vec<UnitResult>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT v.id, u.code, u.name, v.visit_date, v.score_total FROM monev_visits v
             JOIN units u ON u.id = v.unit_id
             WHERE v.state = 'final' AND v.instrument_id = ?1 AND v.visit_date BETWEEN ?2 AND ?3
               AND v.score_total IS NOT NULL
             ORDER BY u.code, v.visit_date DESC, v.id DESC",
        )?;
        let rows = stmt.query_map(
            params![instrument_id, from.to_string(), to.to_string()],
            |r| {
                Ok(UnitResult {
                    visit_id: r.get(0)?,
                    unit_code: r.get(1)?,
                    unit_name: r.get(2)?,
                    visit_date: parse_date(&r.get::<_, String>(3)?),
                    total: r.get(4)?,
                })
            },
        )?;
        let mut out: Vec<UnitResult> = Vec::new();
        for row in rows {
            let r = row?;
            if units.is_some_and(|u| !u.is_empty() && !u.contains(&r.unit_code)) {
                continue;
            }
            if out.last().is_none_or(|l| l.unit_code != r.unit_code) {
                out.push(r);
            }
        }
        Ok(out)
    }
}

fn photo_meta_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<VisitPhotoMeta> {
    Ok(VisitPhotoMeta {
        id: r.get(0)?,
        item_id: r.get(1)?,
        file_name: r.get(2)?,
        caption: r.get(3)?,
        mime: r.get(4)?,
        size: r.get::<_, i64>(5)? as u64,
        sha256: r.get(6)?,
        added_by: r.get(7)?,
        added_at: parse_instant(&r.get::<_, String>(8)?),
    })
}

fn touch(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> CoreResult<()> {
    tx.execute(
        "UPDATE monev_visits SET updated_at = ?1, version = version + 1 WHERE id = ?2",
        params![now_text(now), id],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_correction(
    tx: &Transaction<'_>,
    actor: &Actor,
    visit_id: i64,
    now: DateTime<Utc>,
    field: &str,
    old_value: &str,
    new_value: &str,
    reason: &str,
) -> CoreResult<()> {
    tx.execute(
        "INSERT INTO monev_corrections (visit_id, at, actor_id, actor_name, field, old_value, new_value, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![visit_id, now_text(now), actor.user_id, actor.display_name, field, old_value, new_value, reason],
    )?;
    Ok(())
}

fn update_visit(
    tx: &Transaction<'_>,
    id: i64,
    c: &CleanVisit,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    tx.execute(
        "UPDATE monev_visits SET unit_id = ?1, visit_date = ?2, place = ?3, head_name = ?4, head_nip = ?5,
            head_title = ?6, updated_at = ?7, version = version + 1 WHERE id = ?8",
        params![c.unit_id, c.visit_date.to_string(), c.place, c.head.name, c.head.nip, c.head.position, now_text(now), id],
    )?;
    for table in [
        "monev_answers",
        "monev_findings",
        "monev_plan_items",
        "monev_team",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE visit_id = ?1"), [id])?;
    }
    write_parts(tx, id, c)
}

fn write_parts(tx: &Transaction<'_>, id: i64, c: &CleanVisit) -> CoreResult<()> {
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO monev_answers (visit_id, item_id, answer, note) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for a in c.answers.values() {
            if a.answer.is_none() && a.note.is_empty() {
                continue;
            }
            let json = a
                .answer
                .as_ref()
                .map(|x| serde_json::to_string(x).expect("answers serialise"));
            stmt.execute(params![id, a.item_id, json, a.note])?;
        }
        let mut stmt = tx.prepare_cached(
            "INSERT INTO monev_findings (visit_id, kind, seq, text) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (kind, lines) in [
            ("finding", &c.findings),
            ("recommendation", &c.recommendations),
        ] {
            for (i, l) in lines.iter().enumerate() {
                stmt.execute(params![id, kind, i as i64, l])?;
            }
        }
        let mut stmt = tx.prepare_cached(
            "INSERT INTO monev_plan_items (visit_id, seq, action, owner, due_date) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (i, p) in c.plan.iter().enumerate() {
            stmt.execute(params![
                id,
                i as i64,
                p.action,
                p.owner,
                p.due_date.map(|d| d.to_string())
            ])?;
        }
        let mut stmt = tx.prepare_cached(
            "INSERT INTO monev_team (visit_id, seq, name, nip, position) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (i, s) in c.team.iter().enumerate() {
            stmt.execute(params![id, i as i64, s.name, s.nip, s.position])?;
        }
    }
    Ok(())
}

fn answer_text(a: Option<&AnswerInput>) -> (String, String) {
    match a {
        None => (String::new(), String::new()),
        Some(a) => (
            a.answer
                .as_ref()
                .map(|x| serde_json::to_string(x).expect("answers serialise"))
                .unwrap_or_default(),
            a.note.clone(),
        ),
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain values serialise")
}

/// Field-level differences between a stored visit and its corrected form.
fn diff(old: &VisitView, new: &CleanVisit, new_unit_code: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut field = |name: String, a: String, b: String| {
        if a != b {
            out.push((name, a, b));
        }
    };
    field(
        "unit".into(),
        old.unit.code.clone(),
        crate::app::normalize_unit_code(new_unit_code),
    );
    field(
        "visit_date".into(),
        old.visit_date.to_string(),
        new.visit_date.to_string(),
    );
    field("place".into(), old.place.clone(), new.place.clone());
    field("head".into(), json(&old.head), json(&new.head));
    let old_answers: BTreeMap<&str, &AnswerInput> = old
        .answers
        .iter()
        .map(|a| (a.item_id.as_str(), a))
        .collect();
    for (_, item) in old.instrument.items() {
        let (oa, on) = answer_text(old_answers.get(item.id.as_str()).copied());
        let (na, nn) = answer_text(new.answers.get(&item.id));
        field(format!("answer:{}", item.id), oa, na);
        field(format!("note:{}", item.id), on, nn);
    }
    field("findings".into(), json(&old.findings), json(&new.findings));
    field(
        "recommendations".into(),
        json(&old.recommendations),
        json(&new.recommendations),
    );
    field("plan".into(), json(&old.plan), json(&new.plan));
    field("team".into(), json(&old.team), json(&new.team));
    out
}
