//! Data-subject rights (UU 27/2022): everything the store holds about one
//! person, found by NIK or phone number, exported for that person (JSON or
//! PDF, nothing masked: the reader is the person), and the person's identity
//! erased from closed complaints, on request or once a retention period
//! (`SecuritySettings::identity_retention_days`) has passed since closing.
//! Both are recorded in the audit log (never with the full identity).
//!
//! Erasure clears the five identity columns (name, NIK, phone, e-mail,
//! address), replaces the person's name words, NIK, phone and e-mail where
//! they occur in the title, description and place with `***` (the same
//! mask reports already apply to titles, so a monev report made before the
//! erasure still verifies), takes the identity out of the search index and
//! writes an `identity_erased` line on the timeline. Counts never depend on
//! identity fields (anonymity is the `is_anonymous` flag, which stays), so
//! every report of an earlier period gives the same numbers. Open complaints
//! are left alone: the unit still has to answer the person. Attachments stay
//! (evidence); the export lists them and their bytes.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use posko_domain::mask::mask_nik;
use posko_domain::phone::{display_phone, normalize_phone, phone_digits_for_search};
use posko_domain::role::Permission;
use posko_domain::validation::{FieldError, FieldErrorCode};
use posko_domain::{Channel, Kind, Status};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::app::{Posko, now_text, parse_date, parse_instant, require};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::complaints::{FtsDoc, NewEvent, add_event, channel_of, index_fts, kind_of, status_of};
use crate::error::{CoreError, CoreResult};
use crate::i18n::{Lang, t, t_with};
use crate::model::Actor;

/// Timeline kind of an erasure.
pub const ERASED_EVENT: &str = "identity_erased";
/// What replaces an erased word in free text (as in reports).
pub const ERASED: &str = "***";

/// Who the request is about: exactly one of NIK or phone number.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SubjectQuery {
    #[serde(default)]
    #[ts(optional)]
    pub nik: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub phone: Option<String>,
}

/// The query, cleaned: a 16-digit NIK or an E.164 phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Nik(String),
    Phone(String),
}

impl Subject {
    pub fn parse(q: &SubjectQuery, reference_year: i32) -> CoreResult<Subject> {
        let nik = q.nik.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let phone = q.phone.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match (nik, phone) {
            (Some(n), None) => posko_domain::nik::validate_nik(n, reference_year)
                .map(|(nik, _, _)| Subject::Nik(nik))
                .map_err(|e| CoreError::validation(vec![e])),
            (None, Some(p)) => normalize_phone(p)
                .map(Subject::Phone)
                .map_err(|e| CoreError::validation(vec![e])),
            (None, None) => Err(CoreError::validation(vec![FieldError::new(
                "nik",
                FieldErrorCode::Required,
            )])),
            (Some(_), Some(_)) => Err(CoreError::validation(vec![FieldError::new(
                "phone",
                FieldErrorCode::InvalidChoice,
            )])),
        }
    }

    fn column(&self) -> &'static str {
        match self {
            Subject::Nik(_) => "reporter_nik",
            Subject::Phone(_) => "reporter_phone",
        }
    }

    fn value(&self) -> &str {
        match self {
            Subject::Nik(v) | Subject::Phone(v) => v,
        }
    }

    fn by(&self) -> &'static str {
        match self {
            Subject::Nik(_) => "nik",
            Subject::Phone(_) => "phone",
        }
    }

    /// What the audit log keeps: the kind and a masked value, never the identity.
    fn masked(&self) -> String {
        match self {
            Subject::Nik(v) => mask_nik(v),
            Subject::Phone(v) => posko_domain::mask::mask_phone(v),
        }
    }
}

/// One complaint in the admin's list of a person's complaints.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SubjectCase {
    pub id: i64,
    pub register_no: String,
    pub received_date: NaiveDate,
    pub status: Status,
    pub is_open: bool,
    /// When it was closed (its last status change); none while open.
    #[ts(optional)]
    pub closed_at: Option<DateTime<Utc>>,
}

/// The complaints that hold this person's identity.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SubjectLookup {
    pub cases: Vec<SubjectCase>,
    /// Closed ones, whose identity can be erased now.
    pub erasable: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SubjectFormat {
    Json,
    Pdf,
}

impl SubjectFormat {
    fn ext(self) -> &'static str {
        match self {
            SubjectFormat::Json => "json",
            SubjectFormat::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SubjectExportInput {
    #[serde(flatten)]
    pub query: SubjectQuery,
    pub format: SubjectFormat,
}

/// A file written for the person.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SubjectExported {
    #[ts(as = "String")]
    pub path: PathBuf,
    pub complaints: u32,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SubjectEraseInput {
    #[serde(flatten)]
    pub query: SubjectQuery,
    /// Why (the person's request, its letter number...): kept on the timeline and in the audit log.
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct ErasureReport {
    /// Register numbers whose identity was erased.
    pub erased: Vec<String>,
    /// Register numbers left as they are because they are still open.
    pub still_open: Vec<String>,
}

// ---- the export's content ------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct SubjectRecord {
    pub generated_at: DateTime<Utc>,
    pub unit_name: String,
    /// "nik" or "phone", and the value asked for.
    pub by: String,
    pub value: String,
    pub complaints: Vec<SubjectComplaint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectComplaint {
    pub register_no: String,
    pub uid: String,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    pub kind: Kind,
    pub topic: Option<String>,
    pub title: String,
    pub description: String,
    pub incident_place: Option<String>,
    pub incident_date: Option<NaiveDate>,
    pub reporter_name: Option<String>,
    pub reporter_nik: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_address: Option<String>,
    pub is_secret: bool,
    pub is_anonymous: bool,
    pub status: Status,
    pub is_open: bool,
    pub lapor_tracking_id: Option<String>,
    pub events: Vec<SubjectEvent>,
    pub follow_ups: Vec<SubjectMessage>,
    /// Messages on SP4N-LAPOR! about the report (the institution's and the person's own).
    pub lapor_messages: Vec<SubjectMessage>,
    pub attachments: Vec<SubjectAttachment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectMessage {
    pub at: DateTime<Utc>,
    pub from: String,
    pub state: String,
    pub content: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectAttachment {
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub added_at: DateTime<Utc>,
    /// The file itself (JSON export only; the PDF lists it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_base64: Option<String>,
}

fn matching_ids(conn: &Connection, s: &Subject) -> CoreResult<Vec<i64>> {
    let sql = format!(
        "SELECT id FROM complaints WHERE {} = ?1 ORDER BY received_at, id",
        s.column()
    );
    let mut st = conn.prepare(&sql)?;
    let ids = st
        .query_map([s.value()], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// When a complaint was closed: its last status change, if it is closed.
fn closed_at(conn: &Connection, id: i64) -> CoreResult<Option<DateTime<Utc>>> {
    let at: Option<String> = conn.query_row(
        "SELECT CASE WHEN c.is_open = 0 THEN
                  (SELECT max(at) FROM complaint_events e WHERE e.complaint_id = c.id AND e.to_status IS NOT NULL)
                END
         FROM complaints c WHERE c.id = ?1",
        [id],
        |r| r.get(0),
    )?;
    Ok(at.map(|s| parse_instant(&s)))
}

fn load_complaint(conn: &Connection, id: i64, with_files: bool) -> CoreResult<SubjectComplaint> {
    let mut c = conn.query_row(
        "SELECT c.register_no, c.uid, c.received_at, c.channel, c.kind, t.name, c.title, c.description,
                c.incident_place, c.incident_date, c.reporter_name, c.reporter_nik, c.reporter_phone,
                c.reporter_email, c.reporter_address, c.is_secret, c.is_anonymous, c.status, c.is_open,
                c.lapor_tracking_id
         FROM complaints c LEFT JOIN topics t ON t.id = c.topic_id WHERE c.id = ?1",
        [id],
        |r| {
            Ok(SubjectComplaint {
                register_no: r.get(0)?,
                uid: r.get(1)?,
                received_at: parse_instant(&r.get::<_, String>(2)?),
                channel: channel_of(&r.get::<_, String>(3)?),
                kind: kind_of(&r.get::<_, String>(4)?),
                topic: r.get(5)?,
                title: r.get(6)?,
                description: r.get(7)?,
                incident_place: r.get(8)?,
                incident_date: r.get::<_, Option<String>>(9)?.map(|s| parse_date(&s)),
                reporter_name: r.get(10)?,
                reporter_nik: r.get(11)?,
                reporter_phone: r.get::<_, Option<String>>(12)?.map(|p| display_phone(&p)),
                reporter_email: r.get(13)?,
                reporter_address: r.get(14)?,
                is_secret: r.get(15)?,
                is_anonymous: r.get(16)?,
                status: status_of(&r.get::<_, String>(17)?),
                is_open: r.get(18)?,
                lapor_tracking_id: r.get(19)?,
                events: Vec::new(),
                follow_ups: Vec::new(),
                lapor_messages: Vec::new(),
                attachments: Vec::new(),
            })
        },
    )?;
    let mut st = conn.prepare(
        "SELECT at, kind, from_status, to_status, note FROM complaint_events WHERE complaint_id = ?1 ORDER BY id",
    )?;
    c.events = st
        .query_map([id], |r| {
            Ok(SubjectEvent {
                at: parse_instant(&r.get::<_, String>(0)?),
                kind: r.get(1)?,
                from_status: r.get(2)?,
                to_status: r.get(3)?,
                note: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare(
        "SELECT drafted_at, drafted_by_name, state, content FROM follow_ups WHERE complaint_id = ?1 ORDER BY id",
    )?;
    c.follow_ups = st
        .query_map([id], |r| {
            Ok(SubjectMessage {
                at: parse_instant(&r.get::<_, String>(0)?),
                from: r.get(1)?,
                state: r.get(2)?,
                content: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare(
        "SELECT created_at, sender, content FROM remote_follow_ups
         WHERE complaint_id = ?1 ORDER BY id",
    )?;
    c.lapor_messages = st
        .query_map([id], |r| {
            Ok(SubjectMessage {
                at: parse_instant(&r.get::<_, String>(0)?),
                from: r.get(1)?,
                state: "lapor".into(),
                content: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare(
        "SELECT file_name, mime, size, sha256, added_at, CASE WHEN ?2 THEN data END
         FROM attachments WHERE complaint_id = ?1 ORDER BY id",
    )?;
    c.attachments = st
        .query_map(params![id, with_files], |r| {
            use base64::Engine;
            Ok(SubjectAttachment {
                file_name: r.get(0)?,
                mime: r.get(1)?,
                size: r.get(2)?,
                sha256: r.get(3)?,
                added_at: parse_instant(&r.get::<_, String>(4)?),
                data_base64: r
                    .get::<_, Option<Vec<u8>>>(5)?
                    .map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(c)
}

/// Replace, in free text, the words that carry this identity: the name's
/// words (3 letters or more, any case), the NIK, the phone number (in any
/// written form) and the e-mail address. Whitespace is kept as it was. A
/// word replaced here is one `reports::scrub` masks with the name given, so
/// `scrub(erase(t), None) == scrub(t, Some(name))`.
pub fn erase_in_text(
    text: &str,
    name: Option<&str>,
    nik: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> String {
    let name_words: Vec<String> = name
        .unwrap_or("")
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    let phone_digits = phone.map(phone_digits_for_search).filter(|d| d.len() >= 6);
    let email = email.map(str::to_lowercase).filter(|e| e.contains('@'));
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let core: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
        let lower = word.to_lowercase();
        let digits: String = word.chars().filter(char::is_ascii_digit).collect();
        let hit = name_words.iter().any(|n| *n == core.to_lowercase())
            || nik.is_some_and(|n| !digits.is_empty() && digits.contains(n))
            || phone_digits.as_ref().is_some_and(|p| {
                !digits.is_empty() && phone_digits_for_search(word).contains(p.as_str())
            })
            || email.as_ref().is_some_and(|e| lower.contains(e.as_str()));
        if hit {
            out.push_str(ERASED);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in text.chars() {
        if ch.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(ch);
        } else {
            word.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

type Identity = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Erase the identity of one (closed) complaint inside `tx`.
fn erase_one(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    at: DateTime<Utc>,
    id: i64,
    note: &str,
) -> CoreResult<String> {
    let (register_no, title, description, place, ident, tracking_id): (
        String,
        String,
        String,
        Option<String>,
        Identity,
        Option<String>,
    ) = tx.query_row(
        "SELECT register_no, title, description, incident_place, reporter_name, reporter_nik, reporter_phone, reporter_email,
                lapor_tracking_id
         FROM complaints WHERE id = ?1",
        [id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
                r.get(8)?,
            ))
        },
    )?;
    let (name, nik, phone, email) = ident;
    let erase = |s: &str| {
        erase_in_text(
            s,
            name.as_deref(),
            nik.as_deref(),
            phone.as_deref(),
            email.as_deref(),
        )
    };
    let (title, description, place) =
        (erase(&title), erase(&description), place.map(|p| erase(&p)));
    tx.execute(
        "UPDATE complaints SET reporter_name = NULL, reporter_nik = NULL, reporter_phone = NULL,
                reporter_email = NULL, reporter_address = NULL,
                title = ?2, description = ?3, incident_place = ?4,
                updated_at = ?5, version = version + 1
         WHERE id = ?1",
        params![id, title, description, place, now_text(at)],
    )?;
    // An imported row without a reference number was fingerprinted from all
    // its fields, the identity included: a hash of a NIK is still personal
    // data (it can be matched), so it goes with the identity. A row keyed by
    // the file's own reference number keeps it (no identity in it).
    tx.execute(
        "DELETE FROM import_rows WHERE complaint_id = ?1 AND reference IS NULL",
        [id],
    )?;
    index_fts(
        tx,
        id,
        &FtsDoc {
            register_no: &register_no,
            title: &title,
            description: &description,
            place: place.as_deref(),
            name: None,
            nik: None,
            phone: None,
            tracking_id: tracking_id.as_deref(),
        },
    )?;
    let mut ev = NewEvent::new(id, at, ERASED_EVENT);
    ev.note = Some(note);
    add_event(tx, actor, ev)?;
    Ok(register_no)
}

impl Posko {
    /// The complaints holding this person's identity (admin's list).
    pub fn subject_lookup(&self, actor: &Actor, q: &SubjectQuery) -> CoreResult<SubjectLookup> {
        require(actor, Permission::DataSubject)?;
        let s = Subject::parse(q, self.today().year())?;
        let conn = &self.db.conn;
        let mut cases = Vec::new();
        for id in matching_ids(conn, &s)? {
            let (register_no, received_date, status, is_open): (String, String, String, bool) = conn
                .query_row(
                    "SELECT register_no, received_date, status, is_open FROM complaints WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
            cases.push(SubjectCase {
                id,
                register_no,
                received_date: parse_date(&received_date),
                status: status_of(&status),
                is_open,
                closed_at: closed_at(conn, id)?,
            });
        }
        let erasable = cases.iter().filter(|c| !c.is_open).count() as u32;
        Ok(SubjectLookup { cases, erasable })
    }

    /// Everything held about the person (attachments' bytes when `with_files`).
    pub fn subject_record(
        &self,
        actor: &Actor,
        q: &SubjectQuery,
        with_files: bool,
    ) -> CoreResult<SubjectRecord> {
        require(actor, Permission::DataSubject)?;
        let s = Subject::parse(q, self.today().year())?;
        let conn = &self.db.conn;
        let complaints = matching_ids(conn, &s)?
            .into_iter()
            .map(|id| load_complaint(conn, id, with_files))
            .collect::<CoreResult<Vec<_>>>()?;
        Ok(SubjectRecord {
            generated_at: self.now(),
            unit_name: self.office()?.unit_name.clone(),
            by: s.by().into(),
            value: match &s {
                Subject::Phone(p) => display_phone(p),
                Subject::Nik(n) => n.clone(),
            },
            complaints,
        })
    }

    /// Write the person's data to `dest` as JSON or PDF (written beside
    /// and renamed, so a crash leaves no half file) and record the export.
    pub fn export_subject(
        &self,
        actor: &Actor,
        input: &SubjectExportInput,
        dest: &Path,
    ) -> CoreResult<SubjectExported> {
        let record =
            self.subject_record(actor, &input.query, input.format == SubjectFormat::Json)?;
        let bytes = match input.format {
            SubjectFormat::Json => serde_json::to_vec_pretty(&record)
                .map_err(|e| CoreError::io(std::io::Error::other(e)))?,
            SubjectFormat::Pdf => {
                posko_report::render_subject(&subject_document(&record, self.lang(), self.zone()))
                    .bytes
            }
        };
        let mut tmp = dest.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, &bytes)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, dest)?;
        let s = Subject::parse(&input.query, self.today().year())?;
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::Export)
                .on("data_subject", s.masked())
                .detail(serde_json::json!({
                    "by": s.by(),
                    "format": input.format.ext(),
                    "complaints": record.complaints.iter().map(|c| c.register_no.clone()).collect::<Vec<_>>(),
                })),
        )?;
        Ok(SubjectExported {
            path: dest.to_path_buf(),
            complaints: record.complaints.len() as u32,
            bytes: bytes.len() as u64,
        })
    }

    /// A file name for the export (no identity in it).
    pub fn subject_file_name(&self, format: SubjectFormat) -> String {
        format!(
            "Data-pribadi-{}-{}.{}",
            self.office()
                .map(|o| o.unit_code.clone())
                .unwrap_or_default(),
            self.today().format("%Y%m%d"),
            format.ext()
        )
    }

    /// Erase the person's identity from their closed complaints, on request.
    pub fn erase_subject(
        &mut self,
        actor: &Actor,
        input: &SubjectEraseInput,
    ) -> CoreResult<ErasureReport> {
        require(actor, Permission::DataSubject)?;
        let s = Subject::parse(&input.query, self.today().year())?;
        let reason = crate::validate::note("erase_reason", Some(&input.reason), true)
            .map_err(CoreError::validation)?
            .unwrap_or_default();
        let at = self.now();
        let tx = self.db.conn.transaction()?;
        let mut report = ErasureReport::default();
        for id in matching_ids(&tx, &s)? {
            let (open, register_no): (bool, String) = tx.query_row(
                "SELECT is_open, register_no FROM complaints WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if open {
                report.still_open.push(register_no);
            } else {
                report.erased.push(erase_one(&tx, actor, at, id, &reason)?);
            }
        }
        audit::append(
            &tx,
            actor,
            at,
            &AuditEvent::new(AuditAction::IdentityErase)
                .on("data_subject", s.masked())
                .detail(serde_json::json!({
                    "by": s.by(),
                    "reason": reason,
                    "erased": report.erased,
                    "still_open": report.still_open,
                })),
        )?;
        tx.commit()?;
        Ok(report)
    }

    /// Erase the identity of every complaint closed longer ago than the
    /// retention period (`identity_retention_days`; 0 = keep). Called by the
    /// app at start and every hour, and by `posko subject retention`.
    pub fn apply_retention(&mut self, actor: &Actor) -> CoreResult<ErasureReport> {
        require(actor, Permission::DataSubject)?;
        let days = self.security_settings()?.identity_retention_days;
        if days == 0 {
            return Ok(ErasureReport::default());
        }
        let at = self.now();
        let cutoff = now_text(at - Duration::days(i64::from(days)));
        let note = t_with(
            self.lang(),
            "subject.retention_note",
            &[("days", &days.to_string())],
        );
        let tx = self.db.conn.transaction()?;
        let ids: Vec<i64> = {
            let mut st = tx.prepare(
                "SELECT c.id FROM complaints c
                 WHERE c.is_open = 0
                   AND (c.reporter_name IS NOT NULL OR c.reporter_nik IS NOT NULL OR c.reporter_phone IS NOT NULL
                        OR c.reporter_email IS NOT NULL OR c.reporter_address IS NOT NULL)
                   AND (SELECT max(at) FROM complaint_events e WHERE e.complaint_id = c.id AND e.to_status IS NOT NULL) < ?1
                 ORDER BY c.id",
            )?;
            st.query_map([&cutoff], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        if ids.is_empty() {
            return Ok(ErasureReport::default());
        }
        let mut report = ErasureReport::default();
        for id in ids {
            report.erased.push(erase_one(&tx, actor, at, id, &note)?);
        }
        audit::append(
            &tx,
            actor,
            at,
            &AuditEvent::new(AuditAction::IdentityErase)
                .on("retention", days)
                .detail(serde_json::json!({ "retention_days": days, "erased": report.erased })),
        )?;
        tx.commit()?;
        Ok(report)
    }
}

/// The PDF's content, worded in the store's language; nothing masked.
pub fn subject_document(
    r: &SubjectRecord,
    lang: Lang,
    zone: posko_domain::OfficeZone,
) -> posko_report::SubjectDocument {
    let when = |at: DateTime<Utc>| {
        format!(
            "{} {}",
            posko_report::fmt::date(zone.local_date(at)),
            at.with_timezone(&zone.offset()).format("%H:%M")
        )
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".into());
    let yes_no = |b: bool| t(lang, if b { "subject.yes" } else { "subject.no" });
    let by = t(lang, &format!("subject.by_{}", r.by));
    let cases = r
        .complaints
        .iter()
        .map(|c| posko_report::SubjectCaseDoc {
            heading: format!("{} — {}", c.register_no, c.title),
            fields: vec![
                (t(lang, "subject.f_received"), when(c.received_at)),
                (
                    t(lang, "subject.f_kind"),
                    t(lang, &format!("kind.{}", c.kind.code())),
                ),
                (
                    t(lang, "subject.f_channel"),
                    t(lang, &format!("channel.{}", c.channel.code())),
                ),
                (t(lang, "subject.f_topic"), opt(&c.topic)),
                (
                    t(lang, "subject.f_status"),
                    t(lang, &format!("status.{}", c.status.code())),
                ),
                (t(lang, "subject.f_title"), c.title.clone()),
                (t(lang, "subject.f_description"), c.description.clone()),
                (t(lang, "subject.f_place"), opt(&c.incident_place)),
                (
                    t(lang, "subject.f_date"),
                    c.incident_date
                        .map(posko_report::fmt::date)
                        .unwrap_or_else(|| "–".into()),
                ),
                (t(lang, "subject.f_name"), opt(&c.reporter_name)),
                (t(lang, "subject.f_nik"), opt(&c.reporter_nik)),
                (t(lang, "subject.f_phone"), opt(&c.reporter_phone)),
                (t(lang, "subject.f_email"), opt(&c.reporter_email)),
                (t(lang, "subject.f_address"), opt(&c.reporter_address)),
                (t(lang, "subject.f_secret"), yes_no(c.is_secret)),
                (t(lang, "subject.f_anonymous"), yes_no(c.is_anonymous)),
                (t(lang, "subject.f_tracking"), opt(&c.lapor_tracking_id)),
            ],
            timeline: c
                .events
                .iter()
                .map(|e| {
                    let what = match (&e.to_status, &e.note) {
                        (Some(to), Some(n)) => {
                            format!("{} → {}: {n}", e.kind, t(lang, &format!("status.{to}")))
                        }
                        (Some(to), None) => {
                            format!("{} → {}", e.kind, t(lang, &format!("status.{to}")))
                        }
                        (None, Some(n)) => format!("{}: {n}", e.kind),
                        (None, None) => e.kind.clone(),
                    };
                    (when(e.at), what)
                })
                .collect(),
            messages: c
                .follow_ups
                .iter()
                .chain(&c.lapor_messages)
                .map(|m| {
                    (
                        format!("{} · {} ({})", when(m.at), m.from, m.state),
                        m.content.clone(),
                    )
                })
                .collect(),
            attachments: c
                .attachments
                .iter()
                .map(|a| {
                    format!(
                        "{} ({}, {} B, SHA-256 {})",
                        a.file_name, a.mime, a.size, a.sha256
                    )
                })
                .collect(),
        })
        .collect();
    posko_report::SubjectDocument {
        title: t(lang, "subject.title"),
        unit_name: r.unit_name.clone(),
        intro: vec![
            t_with(
                lang,
                "subject.intro",
                &[
                    ("by", &by),
                    ("value", &r.value),
                    ("when", &when(r.generated_at)),
                    ("count", &r.complaints.len().to_string()),
                ],
            ),
            t(lang, "subject.intro_rights"),
        ],
        cases,
        labels: [
            t(lang, "subject.complaints"),
            t(lang, "subject.timeline"),
            t(lang, "subject.messages"),
            t(lang, "subject.attachments"),
        ],
        closing: vec![t(lang, "subject.closing")],
        doc_date: zone.local_date(r.generated_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::scrub;

    #[test]
    fn erased_text_masks_like_a_report_so_old_reports_still_verify() {
        let name = Some("Siti Nurhaliza");
        for title in [
            "Bu Siti menunggu tiga jam",
            "siti, nurhaliza: antre lama",
            "Hubungi 0812-3456-7890 atau siti@example.id (NIK 3201014101900003)",
            "Antrean panjang di loket",
            "  spasi\tganda\nbaris  ",
        ] {
            let erased = erase_in_text(
                title,
                name,
                Some("3201014101900003"),
                Some("+6281234567890"),
                Some("siti@example.id"),
            );
            assert_eq!(
                scrub(&erased, None),
                scrub(title, name),
                "{title:?} → {erased:?}"
            );
            for gone in [
                "Siti",
                "siti,",
                "Nurhaliza",
                "nurhaliza:",
                "3456",
                "siti@",
                "3201014101900003",
            ] {
                assert!(!erased.contains(gone), "{gone:?} left in {erased:?}");
            }
        }
        // Whitespace and other words are kept exactly.
        assert_eq!(
            erase_in_text("  spasi\tganda\nbaris  ", name, None, None, None),
            "  spasi\tganda\nbaris  "
        );
        // Short name parts and other people's numbers stay.
        assert_eq!(
            erase_in_text(
                "Bu Al di RT 03, 0813-1111-2222",
                Some("Al Siti"),
                None,
                Some("+6281234567890"),
                None
            ),
            "Bu Al di RT 03, 0813-1111-2222"
        );
    }
}
