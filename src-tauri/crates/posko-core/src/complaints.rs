//! Complaint services: intake, the register, detail, workflow transitions,
//! follow-ups and attachments. Each public method is one user action and one
//! transaction: either everything it writes is there, or nothing is.

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use posko_domain::deadline::{DeadlineStep, StartEvent};
use posko_domain::mask::{mask_email, mask_name, mask_nik, mask_phone};
use posko_domain::phone::display_phone;
use posko_domain::role::Permission;
use posko_domain::validation::{FieldError, FieldErrorCode};
use posko_domain::workflow::{self, Action};
use posko_domain::{Channel, Kind, Status};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use sha2::{Digest, Sha256};

use crate::app::{Posko, now_text, parse_date, parse_instant, require};
use crate::deadlines;
use crate::error::{CoreError, CoreResult};
use crate::model::*;
use crate::search;
use crate::validate;

pub(crate) const ROW_COLUMNS: &str = "c.id, c.register_no, c.received_at, c.received_date, c.channel, c.kind,
    t.name, c.title, c.status, c.is_secret, c.is_anonymous, c.reporter_name, c.next_due, c.lapor_tracking_id";

/// `WHERE a AND b` of the register's conditions (empty for none).
pub(crate) fn where_sql(wh: &[String]) -> String {
    if wh.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", wh.join(" AND "))
    }
}

/// Rows in each of the Today screen's lists.
const TODAY_LIST: u32 = 50;

/// The register's order (`ORDER BY` of `complaints c`); the id last, so
/// the order is total.
pub(crate) fn register_order(sort: SortOrder) -> &'static str {
    match sort {
        SortOrder::Oldest => "c.received_at ASC, c.id ASC",
        SortOrder::DueSoonest => "c.is_open DESC, c.next_due IS NULL, c.next_due ASC, c.id ASC",
        _ => "c.received_date DESC, c.id DESC",
    }
}

pub(crate) fn kind_of(s: &str) -> Kind {
    Kind::from_code(s).unwrap_or(Kind::Aspirasi)
}
pub(crate) fn channel_of(s: &str) -> Channel {
    Channel::from_code(s).unwrap_or(Channel::TatapMuka)
}
pub(crate) fn status_of(s: &str) -> Status {
    Status::from_code(s).unwrap_or(Status::Received)
}

/// The text the full-text index holds for a complaint.
pub(crate) struct FtsDoc<'a> {
    pub register_no: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub place: Option<&'a str>,
    pub name: Option<&'a str>,
    pub nik: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub tracking_id: Option<&'a str>,
}

pub(crate) fn index_fts(tx: &Transaction<'_>, id: i64, doc: &FtsDoc<'_>) -> CoreResult<()> {
    // Identity goes into its own column so a viewer without permission can be
    // kept from finding a complaint by a name or number hidden from them.
    let reporter = search::identity_text(doc.name, doc.nik, doc.phone);
    let place = doc.place.unwrap_or("");
    let key = search::fts_rowid(id);
    tx.execute("DELETE FROM complaints_fts WHERE rowid = ?1", [key])?;
    tx.execute(
        "INSERT INTO complaints_fts (rowid, register_no, title, description, place, reporter, title_stem, body_stem)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            key,
            search::register_words(doc.register_no),
            doc.title,
            doc.description,
            place,
            reporter,
            search::stems_text(doc.title),
            search::stems_text(&format!("{} {place}", doc.description)),
        ],
    )?;
    tx.execute("DELETE FROM complaints_ids WHERE rowid = ?1", [key])?;
    tx.execute(
        "INSERT INTO complaints_ids (rowid, register_no, reporter) VALUES (?1, ?2, ?3)",
        params![key, doc.register_no, reporter],
    )?;
    tx.execute("DELETE FROM complaints_tracking WHERE rowid = ?1", [key])?;
    if let Some(tracking) = doc.tracking_id {
        tx.execute(
            "INSERT INTO complaints_tracking (rowid, tracking_id) VALUES (?1, ?2)",
            params![key, tracking],
        )?;
    }
    let mut add_term =
        tx.prepare_cached("INSERT OR IGNORE INTO search_terms (term) VALUES (?1)")?;
    for term in search::vocabulary_words(&format!("{} {} {place}", doc.title, doc.description)) {
        add_term.execute([term])?;
    }
    Ok(())
}

/// One line of the append-only timeline.
pub(crate) struct NewEvent<'a> {
    pub complaint_id: i64,
    pub at: DateTime<Utc>,
    pub kind: &'a str,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub note: Option<&'a str>,
}

impl<'a> NewEvent<'a> {
    pub fn new(complaint_id: i64, at: DateTime<Utc>, kind: &'a str) -> Self {
        NewEvent {
            complaint_id,
            at,
            kind,
            from: None,
            to: None,
            note: None,
        }
    }
}

pub(crate) fn add_event(tx: &Transaction<'_>, actor: &Actor, e: NewEvent<'_>) -> CoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO complaint_events (complaint_id, at, actor_id, actor_name, kind, from_status, to_status, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![e.complaint_id, now_text(e.at), actor.user_id, actor.display_name, e.kind, e.from.map(Status::code), e.to.map(Status::code), e.note])?;
    Ok(())
}

/// Who records a complaint, where and when (see [`insert_complaint`]).
pub(crate) struct Intake<'a> {
    pub actor: &'a Actor,
    pub unit_id: i64,
    pub prefix: &'a str,
    pub now: DateTime<Utc>,
}

/// The intake's writes inside the caller's transaction: register number,
/// the row, its outbox entry, deadlines counted from the received date,
/// search index and timeline. `create_complaint` and the bulk import
/// (`import.rs`) both record complaints through here.
pub(crate) fn insert_complaint(
    tx: &Transaction<'_>,
    cache: &crate::app::Cache,
    zone: posko_domain::OfficeZone,
    intake: Intake<'_>,
    clean: &validate::CleanComplaint,
) -> CoreResult<Created> {
    let Intake {
        actor,
        unit_id,
        prefix,
        now,
    } = intake;
    let received_date = zone.local_date(clean.received_at);
    let year = chrono::Datelike::year(&received_date);
    let set = posko_domain::deadline::rule_set_for(&cache.rule_sets, received_date)
        .ok_or_else(|| CoreError::Database {
            detail: "no deadline rule set covers this date".into(),
        })?
        .clone();
    let c = &clean.input;
    if let Some(tid) = c.topic_id {
        let ok: Option<i64> = tx
            .query_row(
                "SELECT id FROM topics WHERE id = ?1 AND active = 1",
                [tid],
                |r| r.get(0),
            )
            .optional()?;
        if ok.is_none() {
            return Err(CoreError::validation(vec![FieldError::new(
                "topic_id",
                FieldErrorCode::InvalidChoice,
            )]));
        }
    }
    // Gap-free numbering: the counter moves inside this transaction, so a
    // failed intake leaves no hole.
    let seq: i64 = tx.query_row(
        "INSERT INTO register_counters (unit_id, year, last) VALUES (?1, ?2, 1)
             ON CONFLICT (unit_id, year) DO UPDATE SET last = last + 1 RETURNING last",
        params![unit_id, year],
        |r| r.get(0),
    )?;
    let register_no = format!("{prefix}/{year}/{seq:04}");
    let status = Status::Received;
    tx.execute(
            "INSERT INTO complaints (uid, unit_id, register_no, register_year, register_seq, received_at, received_date,
                channel, kind, topic_id, title, description, incident_place, incident_date,
                reporter_name, reporter_nik, reporter_phone, reporter_email, reporter_address,
                is_secret, is_anonymous, status, is_open, assigned_to, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, 1, ?23, ?24, ?25, ?25)",
            params![
                uuid::Uuid::new_v4().to_string(),
                unit_id,
                register_no,
                year,
                seq,
                now_text(clean.received_at),
                received_date.to_string(),
                c.channel.code(),
                c.kind.code(),
                c.topic_id,
                c.title,
                c.description,
                c.incident_place,
                c.incident_date.map(|d| d.to_string()),
                c.reporter.name,
                clean.nik,
                clean.phone,
                c.reporter.email,
                c.reporter.address,
                c.is_secret,
                c.is_anonymous,
                status.code(),
                c.assigned_to,
                actor.user_id,
                now_text(now),
            ],
        )?;
    let id = tx.last_insert_rowid();
    // The report and its outbox entry commit together: never one without the other.
    crate::sync::outbox::enqueue_create(tx, id, now)?;
    deadlines::start(
        tx,
        &cache.calendar,
        &set,
        id,
        c.kind,
        StartEvent::Diterima,
        received_date,
    )?;
    deadlines::refresh_next_due(tx, id)?;
    index_fts(
        tx,
        id,
        &FtsDoc {
            register_no: &register_no,
            title: &c.title,
            description: &c.description,
            place: c.incident_place.as_deref(),
            name: c.reporter.name.as_deref(),
            nik: clean.nik.as_deref(),
            phone: clean.phone.as_deref(),
            tracking_id: None,
        },
    )?;
    add_event(
        tx,
        actor,
        NewEvent {
            to: Some(status),
            ..NewEvent::new(id, now, "created")
        },
    )?;
    Ok(Created { id, register_no })
}

impl Posko {
    /// Record a new complaint: validation, register number, deadlines, index
    /// and timeline in one transaction.
    pub fn create_complaint(
        &mut self,
        actor: &Actor,
        input: ComplaintInput,
    ) -> CoreResult<Created> {
        let now = self.now();
        self.create_complaint_at(actor, input, now)
    }

    pub(crate) fn create_complaint_at(
        &mut self,
        actor: &Actor,
        input: ComplaintInput,
        now: DateTime<Utc>,
    ) -> CoreResult<Created> {
        require(actor, Permission::CreateComplaint)?;
        let zone = self.zone();
        let today = zone.local_date(now);
        let clean = validate::complaint(input, now, today).map_err(CoreError::validation)?;
        let unit_id = self.home_unit()?;
        let prefix = self.office()?.register_prefix.clone();
        let tx = self.db.conn.transaction()?;
        let created = insert_complaint(
            &tx,
            &self.cache,
            zone,
            Intake {
                actor,
                unit_id,
                prefix: &prefix,
                now,
            },
            &clean,
        )?;
        tx.commit()?;
        Ok(created)
    }

    /// Check a draft without saving (inline validation in the form).
    pub fn validate_complaint(&self, input: ComplaintInput) -> Vec<FieldError> {
        let now = self.now();
        match validate::complaint(input, now, self.zone().local_date(now)) {
            Ok(_) => Vec::new(),
            Err(e) => e,
        }
    }

    pub(crate) fn row_from(
        &self,
        r: &Row<'_>,
        today: NaiveDate,
        can_identity: bool,
    ) -> rusqlite::Result<ComplaintRow> {
        let is_anonymous: bool = r.get(10)?;
        let name: Option<String> = r.get(11)?;
        let next_due: Option<NaiveDate> = r.get::<_, Option<String>>(12)?.map(|s| parse_date(&s));
        let status = status_of(&r.get::<_, String>(8)?);
        Ok(ComplaintRow {
            id: r.get(0)?,
            register_no: r.get(1)?,
            received_at: parse_instant(&r.get::<_, String>(2)?),
            received_date: parse_date(&r.get::<_, String>(3)?),
            channel: channel_of(&r.get::<_, String>(4)?),
            kind: kind_of(&r.get::<_, String>(5)?),
            topic: r.get(6)?,
            title: r.get(7)?,
            status,
            is_secret: r.get(9)?,
            is_anonymous,
            // Lists never show a full name; an anonymous reporter shows no name at all.
            reporter: if is_anonymous || !can_identity {
                None
            } else {
                name.as_deref().map(mask_name)
            },
            remaining_days: next_due
                .filter(|_| status.is_open())
                .map(|d| self.cache.calendar.working_days_between(today, d)),
            next_due,
            lapor_tracking_id: r.get(13)?,
            title_marked: None,
            snippet: None,
        })
    }

    /// The register's filter as SQL over `complaints c` (the conditions,
    /// joined with AND, and their arguments): the list, its count and the
    /// register export use the same one. Rahasia rows are left out for a
    /// role that may not see them. The text query is not in it (the
    /// search answers those).
    pub(crate) fn register_where(
        &self,
        actor: &Actor,
        f: &ComplaintFilter,
    ) -> (Vec<String>, Vec<Value>) {
        let today = self.today();
        let mut wh: Vec<String> = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        if !actor.role.can(Permission::ViewSecret) {
            wh.push("c.is_secret = 0".into());
        }
        if !f.statuses.is_empty() {
            let marks = vec!["?"; f.statuses.len()].join(",");
            wh.push(format!("c.status IN ({marks})"));
            args.extend(f.statuses.iter().map(|s| Value::Text(s.code().into())));
        }
        if let Some(k) = f.kind {
            wh.push("c.kind = ?".into());
            args.push(Value::Text(k.code().into()));
        }
        if let Some(ch) = f.channel {
            wh.push("c.channel = ?".into());
            args.push(Value::Text(ch.code().into()));
        }
        if let Some(tid) = f.topic_id {
            // A parent topic includes its children.
            wh.push(
                "(c.topic_id = ? OR c.topic_id IN (SELECT id FROM topics WHERE parent_id = ?))"
                    .into(),
            );
            args.push(Value::Integer(tid));
            args.push(Value::Integer(tid));
        }
        if f.open_only || f.overdue_only {
            wh.push("c.is_open = 1".into());
        }
        if f.overdue_only {
            wh.push("c.next_due < ?".into());
            args.push(Value::Text(today.to_string()));
        }
        if let Some(d) = f.from {
            wh.push("c.received_date >= ?".into());
            args.push(Value::Text(d.to_string()));
        }
        if let Some(d) = f.to {
            wh.push("c.received_date <= ?".into());
            args.push(Value::Text(d.to_string()));
        }
        (wh, args)
    }

    /// The ids of every row of the register view `f`, in its order, with
    /// no paging (`offset`/`limit` are ignored): one query read straight
    /// from the register indexes, so a 100 000-row export reads no OFFSET
    /// pages that get slower the further they go. A text query goes
    /// through the search (its window of best matches), page by page.
    pub(crate) fn register_ids(&self, actor: &Actor, f: &ComplaintFilter) -> CoreResult<Vec<i64>> {
        require(actor, Permission::ViewRegister)?;
        if f.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            let mut f = f.clone();
            f.offset = 0;
            f.limit = 500;
            let mut ids = Vec::new();
            loop {
                let page = self.list_complaints(actor, &f)?;
                let n = page.rows.len();
                ids.extend(page.rows.into_iter().map(|r| r.id));
                if n < 500 || ids.len() as u64 >= page.total {
                    return Ok(ids);
                }
                f.offset += 500;
            }
        }
        let (wh, args) = self.register_where(actor, f);
        let sql = format!(
            "SELECT c.id FROM complaints c {} ORDER BY {}",
            where_sql(&wh),
            register_order(f.sort)
        );
        let ids = self
            .db
            .conn
            .prepare(&sql)?
            .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The register's total read from the status counts, when the filter
    /// names nothing but statuses, "open only" and the role's secret filter
    /// (the register as it first opens, a status tab): a few rows instead of
    /// an index walk over every complaint. `None` for any other filter.
    fn total_from_counts(&self, actor: &Actor, f: &ComplaintFilter) -> CoreResult<Option<u64>> {
        let other = f.kind.is_some()
            || f.channel.is_some()
            || f.topic_id.is_some()
            || f.overdue_only
            || f.from.is_some()
            || f.to.is_some();
        if other {
            return Ok(None);
        }
        let counts = status_counts(&self.db.conn, actor.role.can(Permission::ViewSecret))?;
        Ok(Some(
            counts
                .into_iter()
                .filter(|(s, _)| f.statuses.is_empty() || f.statuses.contains(s))
                .filter(|(s, _)| !f.open_only || s.is_open())
                .map(|(_, n)| n)
                .sum(),
        ))
    }

    /// The register rows of `ids`, in that order (ids not found left out).
    /// The caller has applied the role's filters to the ids.
    fn rows_by_ids(&self, actor: &Actor, ids: &[i64]) -> CoreResult<Vec<ComplaintRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let today = self.today();
        let marks = vec!["?"; ids.len()].join(",");
        let mut stmt = self.db.conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM complaints c LEFT JOIN topics t ON t.id = c.topic_id
             WHERE c.id IN ({marks})"
        ))?;
        let can_identity = actor.role.can(Permission::ViewIdentity);
        let mut by_id: std::collections::HashMap<i64, ComplaintRow> = stmt
            .query_map(rusqlite::params_from_iter(ids.iter()), |r| {
                self.row_from(r, today, can_identity)
            })?
            .map(|row| row.map(|row| (row.id, row)))
            .collect::<Result<_, _>>()?;
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// A page of open complaints, most urgent first: [`register_order`]'s
    /// `DueSoonest` with `is_open` fixed, i.e. by due date and id, those
    /// without a due date last. Read as two runs so that the first is the
    /// open-by-due index in its own order (0011), stopping at the page,
    /// instead of a sort of every open complaint (`next_due IS NULL` in an
    /// ORDER BY matches no index): the dated ones, then the undated ones by
    /// id, the offset carried over by the count of dated ones when the page
    /// reaches past them.
    fn open_page_by_due(
        &self,
        wh: &[String],
        args: &[Value],
        f: &ComplaintFilter,
        limit: u32,
    ) -> CoreResult<Vec<i64>> {
        let conn = &self.db.conn;
        let run = |cond: &str, order: &str, limit: u32, offset: u64| -> CoreResult<Vec<i64>> {
            let mut wh = wh.to_vec();
            wh.push(cond.to_owned());
            let sql = format!(
                "SELECT c.id FROM complaints c {} ORDER BY {order} LIMIT ? OFFSET ?",
                where_sql(&wh)
            );
            let mut args = args.to_vec();
            args.push(Value::Integer(i64::from(limit)));
            args.push(Value::Integer(offset as i64));
            Ok(conn
                .prepare_cached(&sql)?
                .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        };
        let offset = u64::from(f.offset);
        let mut ids = run("c.next_due IS NOT NULL", "c.next_due, c.id", limit, offset)?;
        // Overdue means a due date: no undated run.
        if ids.len() as u32 == limit || f.overdue_only {
            return Ok(ids);
        }
        let dated: i64 = {
            let mut wh = wh.to_vec();
            wh.push("c.next_due IS NOT NULL".into());
            conn.query_row(
                &format!("SELECT count(*) FROM complaints c {}", where_sql(&wh)),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )?
        };
        let rest = limit - ids.len() as u32;
        let skip = offset.saturating_sub(dated as u64);
        ids.extend(run("c.next_due IS NULL", "c.id", rest, skip)?);
        Ok(ids)
    }

    /// The register: filters, full-text search, sort and paging.
    pub fn list_complaints(&self, actor: &Actor, f: &ComplaintFilter) -> CoreResult<RegisterPage> {
        require(actor, Permission::ViewRegister)?;
        let limit = match f.limit {
            0 => 50,
            n => n.min(500),
        };
        let (wh, mut args) = self.register_where(actor, f);
        if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
            return search::search_register(self, actor, f, text, &wh, &args, limit);
        }
        let where_sql = where_sql(&wh);
        let order = register_order(f.sort);
        let conn = &self.db.conn;
        let total = match self.total_from_counts(actor, f)? {
            Some(n) => n,
            // No join for the count (the filters name only complaint
            // columns): the count reads one index and no row.
            None => conn.query_row(
                &format!("SELECT count(*) FROM complaints c {where_sql}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get::<_, i64>(0),
            )? as u64,
        };
        // The page's ids first (filter and order columns only: with the
        // register indexes of 0008 neither the sort nor the filter reads a
        // complaint row), then the rows of those ids alone.
        let ids = if f.sort == SortOrder::DueSoonest && (f.open_only || f.overdue_only) {
            self.open_page_by_due(&wh, &args, f, limit)?
        } else {
            let sql = format!(
                "SELECT c.id FROM complaints c {where_sql} ORDER BY {order} LIMIT ? OFFSET ?"
            );
            args.push(Value::Integer(limit as i64));
            args.push(Value::Integer(f.offset as i64));
            conn.prepare_cached(&sql)?
                .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let rows = self.rows_by_ids(actor, &ids)?;
        Ok(RegisterPage {
            rows,
            total,
            offset: f.offset,
            limit,
            did_you_mean: None,
            more: false,
            window: search::SEARCH_WINDOW as u32,
        })
    }

    /// One complaint with its deadlines, timeline, follow-ups and attachments.
    /// Identity numbers are masked unless `reveal` and the viewer may see them.
    pub fn complaint_detail(
        &self,
        actor: &Actor,
        id: i64,
        reveal: bool,
    ) -> CoreResult<ComplaintDetail> {
        require(actor, Permission::ViewRegister)?;
        let conn = &self.db.conn;
        let today = self.today();
        let d = conn
            .query_row(
                "SELECT c.id, c.uid, c.register_no, u.name, c.received_at, c.received_date, c.channel, c.kind,
                        c.topic_id, t.name, c.title, c.description, c.incident_place, c.incident_date,
                        c.reporter_name, c.reporter_nik, c.reporter_phone, c.reporter_email, c.reporter_address,
                        c.is_secret, c.is_anonymous, c.status, c.assigned_to, c.lapor_complaint_id,
                        c.lapor_tracking_id, c.lapor_status_code, c.lapor_status_name, c.version
                 FROM complaints c JOIN units u ON u.id = c.unit_id LEFT JOIN topics t ON t.id = c.topic_id
                 WHERE c.id = ?1",
                [id],
                |r| {
                    Ok((
                        (r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                        (r.get::<_, String>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?),
                        (r.get::<_, Option<i64>>(8)?, r.get::<_, Option<String>>(9)?, r.get::<_, String>(10)?, r.get::<_, String>(11)?),
                        (r.get::<_, Option<String>>(12)?, r.get::<_, Option<String>>(13)?),
                        (
                            r.get::<_, Option<String>>(14)?,
                            r.get::<_, Option<String>>(15)?,
                            r.get::<_, Option<String>>(16)?,
                            r.get::<_, Option<String>>(17)?,
                            r.get::<_, Option<String>>(18)?,
                        ),
                        (r.get::<_, bool>(19)?, r.get::<_, bool>(20)?, r.get::<_, String>(21)?, r.get::<_, Option<String>>(22)?),
                        (
                            r.get::<_, Option<String>>(23)?,
                            r.get::<_, Option<String>>(24)?,
                            r.get::<_, Option<String>>(25)?,
                            r.get::<_, Option<String>>(26)?,
                            r.get::<_, i64>(27)?,
                        ),
                    ))
                },
            )
            .optional()?
            .ok_or(CoreError::NotFound { entity: "complaint", id: id.to_string() })?;
        let (
            (id, uid, register_no, unit_name),
            (received_at, received_date, channel, kind),
            (topic_id, topic, title, description),
        ) = (d.0, d.1, d.2);
        let (incident_place, incident_date) = d.3;
        let (name, nik, phone, email, address) = d.4;
        let (is_secret, is_anonymous, status, assigned_to) = d.5;
        let (lapor_complaint_id, lapor_tracking_id, lapor_status_code, lapor_status_name, version) =
            d.6;
        if is_secret && !actor.role.can(Permission::ViewSecret) {
            // Rahasia reports are invisible to roles that may not see them: same answer as absent.
            return Err(CoreError::NotFound {
                entity: "complaint",
                id: id.to_string(),
            });
        }
        let can_identity = actor.role.can(Permission::ViewIdentity);
        let unmask = reveal && can_identity;
        let reporter = if unmask {
            Reporter {
                name,
                nik,
                phone: phone.as_deref().map(display_phone),
                email,
                address,
                masked: false,
            }
        } else {
            Reporter {
                // Staff see the name of a non-anonymous reporter; numbers stay masked until asked for.
                name: if can_identity && !is_anonymous {
                    name
                } else {
                    name.as_deref().map(mask_name)
                },
                nik: nik.as_deref().map(mask_nik),
                phone: phone.as_deref().map(mask_phone),
                email: email.as_deref().map(mask_email),
                address: address.map(|_| "••••".to_owned()),
                masked: true,
            }
        };
        if unmask {
            // UU 27/2022: who saw an identity unmasked, and when.
            self.record_audit(
                actor,
                &crate::audit::AuditEvent::new(crate::audit::AuditAction::IdentityView)
                    .on("complaint", id)
                    .detail(serde_json::json!({ "register_no": register_no })),
            )?;
        }
        let status = status_of(&status);
        let topic = match (topic_id, topic) {
            (Some(tid), Some(name)) => Some(topic_label(conn, tid, &name)?),
            _ => None,
        };
        Ok(ComplaintDetail {
            id,
            uid,
            register_no,
            unit_name,
            received_at: parse_instant(&received_at),
            received_date: parse_date(&received_date),
            channel: channel_of(&channel),
            kind: kind_of(&kind),
            topic_id,
            topic,
            title,
            description,
            incident_place,
            incident_date: incident_date.map(|s| parse_date(&s)),
            reporter,
            is_secret,
            is_anonymous,
            status,
            assigned_to,
            lapor_complaint_id,
            lapor_tracking_id,
            lapor_status_code,
            lapor_status_name,
            deadlines: self.deadline_views(id, today, status)?,
            events: self.events(id)?,
            follow_ups: self.follow_ups(id)?,
            attachments: self.attachment_metas(id)?,
            available_actions: if actor.role.can(Permission::TransitionComplaint) {
                workflow::available_actions(status)
            } else {
                Vec::new()
            },
            can_approve: actor.role.can(Permission::ApproveFollowUp),
            version,
        })
    }

    fn deadline_views(
        &self,
        id: i64,
        today: NaiveDate,
        status: Status,
    ) -> CoreResult<Vec<DeadlineView>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT step, start_date, due_date, working_days, rule_version, met_date FROM deadlines
             WHERE complaint_id = ?1 ORDER BY due_date",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (step, start, due, days, version, met) = row?;
            let Some(step) = DeadlineStep::from_code(&step) else {
                continue;
            };
            let due = parse_date(&due);
            let met = met.map(|s| parse_date(&s));
            out.push(DeadlineView {
                step,
                start_date: parse_date(&start),
                due_date: due,
                working_days: days,
                rule_version: version,
                met_date: met,
                remaining_days: (met.is_none() && status.is_open())
                    .then(|| self.cache.calendar.working_days_between(today, due)),
            });
        }
        Ok(out)
    }

    fn events(&self, id: i64) -> CoreResult<Vec<EventView>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT id, at, actor_name, kind, from_status, to_status, note FROM complaint_events WHERE complaint_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(EventView {
                id: r.get(0)?,
                at: parse_instant(&r.get::<_, String>(1)?),
                actor_name: r.get(2)?,
                kind: r.get(3)?,
                from_status: r
                    .get::<_, Option<String>>(4)?
                    .and_then(|s| Status::from_code(&s)),
                to_status: r
                    .get::<_, Option<String>>(5)?
                    .and_then(|s| Status::from_code(&s)),
                note: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn follow_ups(&self, id: i64) -> CoreResult<Vec<FollowUpView>> {
        let mut stmt = self.db.conn.prepare_cached(&format!(
            "{FOLLOW_UP_SELECT} WHERE complaint_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([id], follow_up_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn attachment_metas(&self, id: i64) -> CoreResult<Vec<AttachmentMeta>> {
        let mut stmt = self.db.conn.prepare_cached(
            "SELECT id, file_name, mime, size, sha256, added_by_name, added_at FROM attachments WHERE complaint_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], attachment_meta_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Move a complaint through its workflow.
    pub fn transition(&mut self, actor: &Actor, input: &TransitionInput) -> CoreResult<Status> {
        let now = self.now();
        self.transition_at(actor, input, now)
    }

    pub(crate) fn transition_at(
        &mut self,
        actor: &Actor,
        input: &TransitionInput,
        now: DateTime<Utc>,
    ) -> CoreResult<Status> {
        require(actor, input.action.permission())?;
        if !input.action.is_manual() {
            return Err(CoreError::BadRequest {
                detail: format!("{} is not a manual action", input.action.code()),
            });
        }
        let note = validate::note("note", input.note.as_deref(), input.action.needs_note())
            .map_err(CoreError::validation)?;
        let assigned = validate::note("assigned_to", input.assigned_to.as_deref(), false)
            .map_err(CoreError::validation)?;
        let today = self.zone().local_date(now);
        let tx = self.db.conn.transaction()?;
        let to = apply_transition(
            &tx,
            &self.cache,
            actor,
            input.complaint_id,
            input.action,
            note.as_deref(),
            now,
            today,
        )?;
        if let Some(a) = assigned {
            tx.execute(
                "UPDATE complaints SET assigned_to = ?1 WHERE id = ?2",
                params![a, input.complaint_id],
            )?;
        }
        tx.commit()?;
        Ok(to)
    }

    /// Draft a follow-up (tindak lanjut). A routed complaint moves into follow-up.
    pub fn add_follow_up(&mut self, actor: &Actor, input: &FollowUpInput) -> CoreResult<i64> {
        let now = self.now();
        self.add_follow_up_at(actor, input, now)
    }

    pub(crate) fn add_follow_up_at(
        &mut self,
        actor: &Actor,
        input: &FollowUpInput,
        now: DateTime<Utc>,
    ) -> CoreResult<i64> {
        require(actor, Permission::DraftFollowUp)?;
        let mut errors = Vec::new();
        validate::text_field(
            &mut errors,
            "content",
            Some(&input.content),
            true,
            validate::FOLLOW_UP_MAX,
            true,
        );
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let today = self.zone().local_date(now);
        let tx = self.db.conn.transaction()?;
        let status = current_status(&tx, input.complaint_id)?;
        if !matches!(
            status,
            Status::Routed | Status::InFollowUp | Status::WaitingReporter
        ) {
            return Err(workflow::IllegalTransition {
                from: status,
                action: Action::StartFollowUp,
            }
            .into());
        }
        if status == Status::Routed {
            apply_transition(
                &tx,
                &self.cache,
                actor,
                input.complaint_id,
                Action::StartFollowUp,
                None,
                now,
                today,
            )?;
        }
        tx.execute(
            "INSERT INTO follow_ups (complaint_id, content, template_code, state, drafted_by, drafted_by_name, drafted_at)
             VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6)",
            params![input.complaint_id, input.content.trim(), input.template_code, actor.user_id, actor.display_name, now_text(now)],
        )?;
        let fid = tx.last_insert_rowid();
        add_event(
            &tx,
            actor,
            NewEvent::new(input.complaint_id, now, "follow_up_drafted"),
        )?;
        touch(&tx, input.complaint_id, now)?;
        tx.commit()?;
        Ok(fid)
    }

    /// The head approves (the follow-up is given to the reporter) or returns it for rework.
    pub fn decide_follow_up(&mut self, actor: &Actor, input: &FollowUpDecision) -> CoreResult<()> {
        let now = self.now();
        self.decide_follow_up_at(actor, input, now)
    }

    pub(crate) fn decide_follow_up_at(
        &mut self,
        actor: &Actor,
        input: &FollowUpDecision,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        require(actor, Permission::ApproveFollowUp)?;
        let note = validate::note("note", input.note.as_deref(), !input.approve)
            .map_err(CoreError::validation)?;
        let today = self.zone().local_date(now);
        let tx = self.db.conn.transaction()?;
        let (cid, state): (i64, String) = tx
            .query_row(
                "SELECT complaint_id, state FROM follow_ups WHERE id = ?1",
                [input.follow_up_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or(CoreError::NotFound {
                entity: "follow_up",
                id: input.follow_up_id.to_string(),
            })?;
        if state != "draft" {
            return Err(CoreError::Conflict);
        }
        let new_state = if input.approve {
            "approved"
        } else {
            "returned"
        };
        tx.execute(
            "UPDATE follow_ups SET state = ?1, decided_by = ?2, decided_by_name = ?3, decided_at = ?4, decision_note = ?5 WHERE id = ?6",
            params![new_state, actor.user_id, actor.display_name, now_text(now), note, input.follow_up_id],
        )?;
        if input.approve {
            let status = current_status(&tx, cid)?;
            if status == Status::InFollowUp {
                apply_transition(
                    &tx,
                    &self.cache,
                    actor,
                    cid,
                    Action::FollowUpGiven,
                    None,
                    now,
                    today,
                )?;
            }
            add_event(
                &tx,
                actor,
                NewEvent {
                    note: note.as_deref(),
                    ..NewEvent::new(cid, now, "follow_up_approved")
                },
            )?;
            crate::sync::outbox::enqueue_follow_up(&tx, cid, input.follow_up_id, now)?;
        } else {
            add_event(
                &tx,
                actor,
                NewEvent {
                    note: note.as_deref(),
                    ..NewEvent::new(cid, now, "follow_up_returned")
                },
            )?;
        }
        touch(&tx, cid, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Attach a photo, scan or PDF (kept inside the encrypted store).
    pub fn add_attachment(&mut self, actor: &Actor, input: &AttachmentInput) -> CoreResult<i64> {
        require(actor, Permission::EditComplaint)?;
        let max_mb = self.office()?.max_attachment_mb as usize;
        let max = max_mb * 1024 * 1024;
        // Reject by encoded length before decoding, so a huge payload costs nothing.
        if input.data_base64.len() > max / 3 * 4 + 8 {
            return Err(CoreError::validation(vec![FieldError::with_limit(
                "attachment",
                FieldErrorCode::AttachmentTooLarge,
                max_mb as u64,
            )]));
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(input.data_base64.trim())
            .map_err(|_| {
                CoreError::validation(vec![FieldError::new(
                    "attachment",
                    FieldErrorCode::AttachmentType,
                )])
            })?;
        let mut errors = Vec::new();
        validate::text_field(
            &mut errors,
            "file_name",
            Some(&input.file_name),
            true,
            200,
            false,
        );
        if data.len() > max {
            errors.push(FieldError::with_limit(
                "attachment",
                FieldErrorCode::AttachmentTooLarge,
                max_mb as u64,
            ));
        }
        let mime = sniff_mime(&data);
        if mime.is_none() && errors.is_empty() {
            errors.push(FieldError::new(
                "attachment",
                FieldErrorCode::AttachmentType,
            ));
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        current_status(&tx, input.complaint_id)?;
        let sha = hex::encode(Sha256::digest(&data));
        let name = input.file_name.trim().replace(['/', '\\'], "_");
        tx.execute(
            "INSERT INTO attachments (complaint_id, file_name, mime, size, sha256, data, added_by_name, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![input.complaint_id, name, mime, data.len() as i64, sha, data, actor.display_name, now_text(now)],
        )?;
        let aid = tx.last_insert_rowid();
        add_event(
            &tx,
            actor,
            NewEvent {
                note: Some(&name),
                ..NewEvent::new(input.complaint_id, now, "attachment_added")
            },
        )?;
        touch(&tx, input.complaint_id, now)?;
        tx.commit()?;
        Ok(aid)
    }

    pub fn attachment(&self, actor: &Actor, id: i64) -> CoreResult<AttachmentData> {
        require(actor, Permission::ViewRegister)?;
        let (meta, data, secret) = self
            .db
            .conn
            .query_row(
                "SELECT a.id, a.file_name, a.mime, a.size, a.sha256, a.added_by_name, a.added_at, a.data, c.is_secret
                 FROM attachments a JOIN complaints c ON c.id = a.complaint_id WHERE a.id = ?1",
                [id],
                |r| Ok((attachment_meta_from(r)?, r.get::<_, Vec<u8>>(7)?, r.get::<_, bool>(8)?)),
            )
            .optional()?
            .ok_or(CoreError::NotFound { entity: "attachment", id: id.to_string() })?;
        if secret && !actor.role.can(Permission::ViewSecret) {
            return Err(CoreError::NotFound {
                entity: "attachment",
                id: id.to_string(),
            });
        }
        Ok(AttachmentData {
            meta,
            data_base64: base64::engine::general_purpose::STANDARD.encode(data),
        })
    }

    /// Open complaints from the last 30 days that may be the same case.
    pub fn duplicate_hints(
        &self,
        actor: &Actor,
        input: &ComplaintInput,
    ) -> CoreResult<Vec<DuplicateHint>> {
        require(actor, Permission::ViewRegister)?;
        search::duplicate_hints(self, search::Visibility::of(actor), input, None)
    }

    /// The "today's work" screen: counts (status groups and open total from
    /// the kept status counts, overdue and due today from the open-by-due
    /// index) and the first overdue and due-soon complaints (due within two
    /// working days), most urgent first.
    pub fn today_summary(&self, actor: &Actor) -> CoreResult<TodaySummary> {
        require(actor, Permission::ViewRegister)?;
        let today = self.today();
        let conn = &self.db.conn;
        let secret_clause = if actor.role.can(Permission::ViewSecret) {
            ""
        } else {
            " AND is_secret = 0"
        };
        let counts: Vec<StatusCount> = status_counts(conn, actor.role.can(Permission::ViewSecret))?
            .into_iter()
            .map(|(status, count)| StatusCount { status, count })
            .collect();
        let one = |sql: &str, arg: &str| -> CoreResult<u64> {
            Ok(
                conn.query_row(&format!("{sql}{secret_clause}"), [arg], |r| {
                    r.get::<_, i64>(0)
                })? as u64,
            )
        };
        let open_total = counts
            .iter()
            .filter(|c| c.status.is_open())
            .map(|c| c.count)
            .sum();
        let overdue_total = one(
            "SELECT count(*) FROM complaints WHERE is_open = 1 AND next_due < ?1",
            &today.to_string(),
        )?;
        let due_today_total = one(
            "SELECT count(*) FROM complaints WHERE is_open = 1 AND next_due = ?1",
            &today.to_string(),
        )?;
        let received_today = one(
            "SELECT count(*) FROM complaints WHERE received_date = ?1",
            &today.to_string(),
        )?;
        // The two lists read the open-by-due index (0011: next_due, id,
        // is_secret) in its own order and stop at the page: neither sorts
        // nor counts the open complaints.
        let soon_limit = self.cache.calendar.add_working_days(today, 2);
        let by_due = |range: &str, args: &[&str]| -> CoreResult<Vec<ComplaintRow>> {
            let ids: Vec<i64> = conn
                .prepare_cached(&format!(
                    "SELECT id FROM complaints WHERE is_open = 1 AND {range}{secret_clause}
                     ORDER BY next_due, id LIMIT {TODAY_LIST}"
                ))?
                .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            self.rows_by_ids(actor, &ids)
        };
        let today_text = today.to_string();
        let overdue = by_due("next_due < ?1", &[&today_text])?;
        let due_soon = by_due(
            "next_due >= ?1 AND next_due <= ?2",
            &[&today_text, &soon_limit.to_string()],
        )?;
        let awaiting_approval = if actor.role.can(Permission::ApproveFollowUp)
            || actor.role.can(Permission::DraftFollowUp)
        {
            let mut stmt = conn.prepare(&format!(
                "SELECT f.id, f.complaint_id, f.content, f.template_code, f.state, f.drafted_by_name, f.drafted_at,
                        f.decided_by_name, f.decided_at, f.decision_note, c.register_no, c.title, c.is_secret
                 FROM follow_ups f JOIN complaints c ON c.id = f.complaint_id
                 WHERE f.state = 'draft'{} ORDER BY f.id LIMIT 50",
                secret_clause.replace("is_secret", "c.is_secret")
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok(FollowUpQueueItem {
                    follow_up: follow_up_from(r)?,
                    register_no: r.get(10)?,
                    title: r.get(11)?,
                    is_secret: r.get(12)?,
                })
            })?;
            rows.collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        Ok(TodaySummary {
            today,
            zone: self.zone(),
            open_total,
            overdue_total,
            due_today_total,
            received_today,
            counts,
            overdue,
            due_soon,
            awaiting_approval,
        })
    }
}

const FOLLOW_UP_SELECT: &str =
    "SELECT id, complaint_id, content, template_code, state, drafted_by_name, drafted_at,
    decided_by_name, decided_at, decision_note FROM follow_ups";

fn follow_up_from(r: &Row<'_>) -> rusqlite::Result<FollowUpView> {
    Ok(FollowUpView {
        id: r.get(0)?,
        complaint_id: r.get(1)?,
        content: r.get(2)?,
        template_code: r.get(3)?,
        state: FollowUpState::from_code(&r.get::<_, String>(4)?).unwrap_or(FollowUpState::Draft),
        drafted_by: r.get(5)?,
        drafted_at: parse_instant(&r.get::<_, String>(6)?),
        decided_by: r.get(7)?,
        decided_at: r.get::<_, Option<String>>(8)?.map(|s| parse_instant(&s)),
        decision_note: r.get(9)?,
    })
}

fn attachment_meta_from(r: &Row<'_>) -> rusqlite::Result<AttachmentMeta> {
    Ok(AttachmentMeta {
        id: r.get(0)?,
        file_name: r.get(1)?,
        mime: r.get(2)?,
        size: r.get::<_, i64>(3)? as u64,
        sha256: r.get(4)?,
        added_by: r.get(5)?,
        added_at: parse_instant(&r.get::<_, String>(6)?),
    })
}

/// "Parent › Child" for a topic id.
fn topic_label(conn: &rusqlite::Connection, id: i64, name: &str) -> CoreResult<String> {
    let parent: Option<String> = conn
        .query_row(
            "SELECT p.name FROM topics t JOIN topics p ON p.id = t.parent_id WHERE t.id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match parent {
        Some(p) => format!("{p} › {name}"),
        None => name.to_owned(),
    })
}

/// Only the formats an office actually scans or photographs; identified by
/// content, not by the file name a user typed.
pub fn sniff_mime(data: &[u8]) -> Option<&'static str> {
    match data {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'%', b'P', b'D', b'F', b'-', ..] => Some("application/pdf"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

fn current_status(tx: &Transaction<'_>, id: i64) -> CoreResult<Status> {
    tx.query_row("SELECT status FROM complaints WHERE id = ?1", [id], |r| {
        r.get::<_, String>(0)
    })
    .optional()?
    .map(|s| status_of(&s))
    .ok_or(CoreError::NotFound {
        entity: "complaint",
        id: id.to_string(),
    })
}

fn touch(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> CoreResult<()> {
    tx.execute(
        "UPDATE complaints SET updated_at = ?1, version = version + 1 WHERE id = ?2",
        params![now_text(now), id],
    )?;
    Ok(())
}

/// The one place a status changes: state machine check, status update,
/// deadline bookkeeping and the timeline entry.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_transition(
    tx: &Transaction<'_>,
    cache: &crate::app::Cache,
    actor: &Actor,
    id: i64,
    action: Action,
    note: Option<&str>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> CoreResult<Status> {
    let (from, kind, received): (String, String, String) = tx
        .query_row(
            "SELECT status, kind, received_date FROM complaints WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(CoreError::NotFound {
            entity: "complaint",
            id: id.to_string(),
        })?;
    let from = status_of(&from);
    let to = workflow::apply(from, action)?;
    tx.execute(
        "UPDATE complaints SET status = ?1, is_open = ?2, updated_at = ?3, version = version + 1 WHERE id = ?4",
        params![to.code(), to.is_open(), now_text(now), id],
    )?;
    let kind = kind_of(&kind);
    let set = deadlines::rule_set_of(tx, &cache.rule_sets, id, parse_date(&received))?.cloned();
    match action {
        Action::Verify | Action::Postpone => {
            deadlines::meet(tx, id, &[DeadlineStep::Verifikasi], today)?
        }
        Action::Route => {
            deadlines::meet(tx, id, &[DeadlineStep::Verifikasi], today)?;
            if let Some(set) = &set {
                deadlines::start(
                    tx,
                    &cache.calendar,
                    set,
                    id,
                    kind,
                    StartEvent::Didisposisikan,
                    today,
                )?;
            }
        }
        Action::FollowUpGiven => {
            deadlines::meet(tx, id, &[DeadlineStep::TindakLanjutPertama], today)?;
            if let Some(set) = &set {
                deadlines::start(
                    tx,
                    &cache.calendar,
                    set,
                    id,
                    kind,
                    StartEvent::TindakLanjutDiberikan,
                    today,
                )?;
            }
        }
        Action::ReporterReplied => deadlines::meet(tx, id, &[DeadlineStep::TutupOtomatis], today)?,
        _ => {}
    }
    if !to.is_open() {
        deadlines::meet_all(tx, id, today)?;
    }
    deadlines::refresh_next_due(tx, id)?;
    add_event(
        tx,
        actor,
        NewEvent {
            from: Some(from),
            to: Some(to),
            note,
            ..NewEvent::new(id, now, "transition")
        },
    )?;
    Ok(to)
}

/// How many complaints are in each status, secret ones included only when
/// `with_secret` (a role that may see them), in status-code order, statuses
/// with none left out. Read from `complaint_status_counts`, which triggers
/// keep in every writer's transaction (migration 0011): a few rows whatever
/// the store's size.
pub(crate) fn status_counts(
    conn: &rusqlite::Connection,
    with_secret: bool,
) -> CoreResult<Vec<(Status, u64)>> {
    let sql = if with_secret {
        "SELECT status, sum(n) FROM complaint_status_counts GROUP BY status HAVING sum(n) > 0 ORDER BY status"
    } else {
        "SELECT status, n FROM complaint_status_counts WHERE is_secret = 0 AND n > 0 ORDER BY status"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (code, n) = row?;
        // A code this build does not know is not a status it can show.
        if let Some(status) = Status::from_code(&code) {
            out.push((status, u64::try_from(n).unwrap_or(0)));
        }
    }
    Ok(out)
}
