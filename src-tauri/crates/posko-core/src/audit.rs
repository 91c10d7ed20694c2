//! The audit log (UU 27/2022: who viewed or exported identities, who changed
//! what): sign-ins (ok and failed), views of unmasked identities, exports,
//! prints, setting changes, deletions and what happened to the store itself
//! (restore, key rotation, recovery, import). Never a secret value: a
//! credential change is recorded as "set", never with what was set.
//!
//! Append-only (migration 0005: triggers refuse UPDATE and DELETE) and
//! tamper-evident: each row stores `hash = sha256(prev_hash || canonical)`,
//! where `canonical` is the JSON array of the row's columns (see
//! [`canonical`]), and ids are contiguous. [`Posko::audit_verify`] walks the
//! chain and reports the first row that does not fit. What a hash chain
//! cannot show is rows cut off at the end; everything before them still
//! verifies.
//!
//! Writers: [`append`] inside the caller's transaction (a setting change and
//! its audit row commit together), or [`Posko::record_audit`] for events that
//! change nothing else (a view, a print). Others (reports, monev) call the
//! hooks [`Posko::record_print`], [`Posko::record_export`] and
//! [`Posko::record_delete`] / [`append`].

use chrono::{DateTime, NaiveDate, Utc};
use posko_domain::role::{Permission, Role};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::app::{Posko, now_text, parse_instant, require};
use crate::error::{CoreError, CoreResult};
use crate::model::{Actor, Page};

/// `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. The code is stored; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    /// A complaint's reporter identity shown unmasked (`reveal`).
    IdentityView,
    Export,
    Print,
    SettingChange,
    /// A secret was put in the keychain (which one, never its value).
    CredentialsSet,
    Delete,
    UserCreate,
    BackupRestore,
    KeyRotate,
    RecoveryKeyCreate,
    /// The store was opened with the recovery key (keychain entry lost).
    RecoveryOpen,
    /// The store was created on this machine from an encrypted export.
    StoreImport,
    /// A person's identity erased from closed complaints (request or retention).
    IdentityErase,
    /// Complaints imported from a CSV or Excel file (one batch).
    ComplaintImport,
}

impl AuditAction {
    pub const ALL: [AuditAction; 16] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::IdentityView,
        AuditAction::Export,
        AuditAction::Print,
        AuditAction::SettingChange,
        AuditAction::CredentialsSet,
        AuditAction::Delete,
        AuditAction::UserCreate,
        AuditAction::BackupRestore,
        AuditAction::KeyRotate,
        AuditAction::RecoveryKeyCreate,
        AuditAction::RecoveryOpen,
        AuditAction::StoreImport,
        AuditAction::IdentityErase,
        AuditAction::ComplaintImport,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::IdentityView => "identity_view",
            AuditAction::Export => "export",
            AuditAction::Print => "print",
            AuditAction::SettingChange => "setting_change",
            AuditAction::CredentialsSet => "credentials_set",
            AuditAction::Delete => "delete",
            AuditAction::UserCreate => "user_create",
            AuditAction::BackupRestore => "backup_restore",
            AuditAction::KeyRotate => "key_rotate",
            AuditAction::RecoveryKeyCreate => "recovery_key_create",
            AuditAction::RecoveryOpen => "recovery_open",
            AuditAction::StoreImport => "store_import",
            AuditAction::IdentityErase => "identity_erase",
            AuditAction::ComplaintImport => "complaint_import",
        }
    }

    pub fn from_code(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == s)
    }
}

/// One thing to record. `detail` is a JSON object of plain facts (names of
/// changed fields, counts, document numbers), never a secret or a full identity.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: AuditAction,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(action: AuditAction) -> Self {
        AuditEvent {
            action,
            entity: None,
            entity_id: None,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn on(mut self, entity: &str, id: impl ToString) -> Self {
        self.entity = Some(entity.to_owned());
        self.entity_id = Some(id.to_string());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// One row as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: Option<Role>,
    pub action: AuditAction,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// JSON object (text) of plain facts.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Filters of the audit screen; dates are office-local and inclusive.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct AuditFilter {
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    #[ts(optional)]
    pub to: Option<NaiveDate>,
    #[ts(optional)]
    pub action: Option<AuditAction>,
    /// Username (exact, case-insensitive).
    #[ts(optional)]
    pub actor: Option<String>,
    pub offset: u32,
    /// 0 means 100; at most 1000.
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AuditExportInput {
    pub format: AuditFormat,
    #[serde(default)]
    #[ts(optional)]
    pub filter: Option<AuditFilter>,
}

/// An export of the log: the file's suggested name and its text.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditExport {
    pub format: AuditFormat,
    pub file_name: String,
    pub rows: u64,
    pub content: String,
}

/// Why a row does not fit the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditBreak {
    /// The row's content does not give its stored hash (edited in place).
    HashMismatch,
    /// The row's prev_hash is not the previous row's hash (a row removed,
    /// inserted or rewritten before it).
    ChainBroken,
    /// Its id does not follow the previous one (a row removed).
    IdGap,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditVerify {
    pub rows: u64,
    pub ok: bool,
    pub first_broken: Option<i64>,
    pub reason: Option<AuditBreak>,
    /// Hash of the last row (write it down to notice a cut-off tail later).
    pub head_hash: Option<String>,
}

/// The text that is hashed for a row: a JSON array of its columns in a fixed order.
pub fn canonical(e: &AuditEntry) -> String {
    let at = now_text(e.at);
    serde_json::json!([
        e.id,
        at,
        e.actor_id,
        e.actor_name,
        e.actor_role.map(Role::code),
        e.action.code(),
        e.entity,
        e.entity_id,
        e.detail,
    ])
    .to_string()
}

pub fn chain_hash(prev_hash: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// Append one row inside the caller's transaction (or on a connection the
/// caller holds the write lock of).
pub fn append(
    conn: &Connection,
    actor: &Actor,
    at: DateTime<Utc>,
    ev: &AuditEvent,
) -> CoreResult<i64> {
    let (last_id, prev_hash): (i64, String) = conn
        .query_row(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.to_owned()));
    let detail = if ev.detail.is_object() {
        ev.detail.to_string()
    } else {
        serde_json::json!({ "value": ev.detail }).to_string()
    };
    // Millisecond precision, as stored, so the hash is computed over what is read back.
    let at = parse_instant(&now_text(at));
    let mut e = AuditEntry {
        id: last_id + 1,
        at,
        actor_id: actor.user_id,
        actor_name: actor.username.clone(),
        actor_role: Some(actor.role),
        action: ev.action,
        entity: ev.entity.clone(),
        entity_id: ev.entity_id.clone(),
        detail,
        prev_hash,
        hash: String::new(),
    };
    e.hash = chain_hash(&e.prev_hash, &canonical(&e));
    conn.execute(
        "INSERT INTO audit_log (id, at, actor_id, actor_name, actor_role, action, entity, entity_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            e.id,
            now_text(e.at),
            e.actor_id,
            e.actor_name,
            e.actor_role.map(Role::code),
            e.action.code(),
            e.entity,
            e.entity_id,
            e.detail,
            e.prev_hash,
            e.hash
        ],
    )?;
    Ok(e.id)
}

/// Append in a transaction of its own that takes the write lock first, so
/// two processes never read the same chain head.
pub fn record(
    conn: &Connection,
    actor: &Actor,
    at: DateTime<Utc>,
    ev: &AuditEvent,
) -> CoreResult<i64> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let id = append(&tx, actor, at, ev)?;
    tx.commit()?;
    Ok(id)
}

/// The person behind a sign-in attempt for a name that does not exist: the
/// typed name is not kept (it may be a password typed in the wrong box).
pub(crate) fn unknown_actor() -> Actor {
    Actor {
        user_id: None,
        username: "?".into(),
        display_name: "?".into(),
        role: Role::Petugas,
    }
}

const SELECT: &str = "SELECT id, at, actor_id, actor_name, actor_role, action, entity, entity_id, detail, prev_hash, hash FROM audit_log";

fn entry_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditEntry, String)> {
    let action: String = r.get(5)?;
    let role: Option<String> = r.get(4)?;
    Ok((
        AuditEntry {
            id: r.get(0)?,
            at: parse_instant(&r.get::<_, String>(1)?),
            actor_id: r.get(2)?,
            actor_name: r.get(3)?,
            actor_role: role.as_deref().and_then(Role::from_code),
            // An unknown code can only come from tampering; verify reports it.
            action: AuditAction::from_code(&action).unwrap_or(AuditAction::SettingChange),
            entity: r.get(6)?,
            entity_id: r.get(7)?,
            detail: r.get(8)?,
            prev_hash: r.get(9)?,
            hash: r.get(10)?,
        },
        action,
    ))
}

/// Walk the whole chain; `Ok` with the first row that does not fit, if any.
pub fn verify(conn: &Connection) -> CoreResult<AuditVerify> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    let mut prev_hash = GENESIS.to_owned();
    let mut prev_id = 0i64;
    let mut n = 0u64;
    while let Some(r) = rows.next()? {
        let (e, action_code) = entry_from(r)?;
        n += 1;
        let stored_at: String = r.get(1)?;
        let broken = if e.id != prev_id + 1 {
            Some(AuditBreak::IdGap)
        } else if e.prev_hash != prev_hash {
            Some(AuditBreak::ChainBroken)
        } else if e.action.code() != action_code
            || now_text(e.at) != stored_at
            || e.actor_role.map(Role::code) != r.get::<_, Option<String>>(4)?.as_deref()
            || chain_hash(&e.prev_hash, &canonical(&e)) != e.hash
        {
            Some(AuditBreak::HashMismatch)
        } else {
            None
        };
        if let Some(reason) = broken {
            return Ok(AuditVerify {
                rows: n,
                ok: false,
                first_broken: Some(e.id),
                reason: Some(reason),
                head_hash: None,
            });
        }
        prev_hash = e.hash;
        prev_id = e.id;
    }
    Ok(AuditVerify {
        rows: n,
        ok: true,
        first_broken: None,
        reason: None,
        head_hash: (n > 0).then_some(prev_hash),
    })
}

/// Names of the top-level fields whose values differ between two settings
/// values (never the values: some are identities or addresses).
pub fn changed_fields<T: Serialize>(old: &T, new: &T) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn csv_field(s: &str) -> String {
    // Quote always; a leading formula character is defused for spreadsheets.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Posko {
    /// Record an event that changes nothing else (a view, a print) in a
    /// transaction of its own.
    pub fn record_audit(&self, actor: &Actor, ev: &AuditEvent) -> CoreResult<()> {
        record(&self.db.conn, actor, self.now(), ev).map(|_| ())
    }

    /// Hook for whoever prints or issues a document (monev reports, the
    /// recovery sheet): its number and kind.
    pub fn record_print(&self, actor: &Actor, kind: &str, doc_no: &str) -> CoreResult<()> {
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::Print)
                .on("document", doc_no)
                .detail(serde_json::json!({ "kind": kind })),
        )
    }

    /// Hook for whoever writes data out of the store (CSV of the register, a
    /// report, the audit log, the whole store): what, how many rows, and
    /// whether identities were in it unmasked.
    pub fn record_export(
        &self,
        actor: &Actor,
        what: &str,
        rows: u64,
        identities: bool,
    ) -> CoreResult<()> {
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::Export)
                .on("export", what)
                .detail(serde_json::json!({ "rows": rows, "identities": identities })),
        )
    }

    /// Hook for deletions that are not in a transaction of the caller's; in
    /// one, call [`append`] with `AuditEvent::new(AuditAction::Delete).on(..)`.
    pub fn record_delete(&self, actor: &Actor, entity: &str, id: &str) -> CoreResult<()> {
        self.record_audit(actor, &AuditEvent::new(AuditAction::Delete).on(entity, id))
    }

    fn audit_where(&self, f: &AuditFilter) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let zone = self.zone();
        let mut clauses = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        let instant = |d: NaiveDate| {
            let local = d.and_hms_opt(0, 0, 0).expect("midnight exists");
            now_text((local - chrono::Duration::hours(zone.offset_hours() as i64)).and_utc())
        };
        if let Some(d) = f.from {
            clauses.push("at >= ?");
            args.push(Value::Text(instant(d)));
        }
        if let Some(d) = f.to.and_then(|d| d.succ_opt()) {
            clauses.push("at < ?");
            args.push(Value::Text(instant(d)));
        }
        if let Some(a) = f.action {
            clauses.push("action = ?");
            args.push(Value::Text(a.code().into()));
        }
        if let Some(u) = f.actor.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            clauses.push("actor_name = ? COLLATE NOCASE");
            args.push(Value::Text(u.into()));
        }
        let w = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        (w, args)
    }

    fn audit_rows(
        &self,
        f: &AuditFilter,
        limit: Option<u32>,
    ) -> CoreResult<(Vec<AuditEntry>, u64)> {
        let (w, args) = self.audit_where(f);
        let conn = &self.db.conn;
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM audit_log{w}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let page = match limit {
            Some(l) => format!(" LIMIT {} OFFSET {}", l, f.offset),
            None => String::new(),
        };
        let mut stmt = conn.prepare(&format!("{SELECT}{w} ORDER BY id DESC{page}"))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                entry_from(r).map(|x| x.0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, total as u64))
    }

    /// The audit screen: newest first.
    pub fn audit_log(&self, actor: &Actor, f: &AuditFilter) -> CoreResult<Page<AuditEntry>> {
        require(actor, Permission::ViewAudit)?;
        let limit = match f.limit {
            0 => 100,
            l => l.min(1000),
        };
        let (rows, total) = self.audit_rows(f, Some(limit))?;
        Ok(Page {
            rows,
            total,
            offset: f.offset,
            limit,
        })
    }

    /// The log (or the filtered part of it) as CSV or JSON, oldest first,
    /// with the hashes so a copy can be checked outside Posko. The export
    /// is itself recorded.
    pub fn audit_export(
        &self,
        actor: &Actor,
        format: AuditFormat,
        f: &AuditFilter,
    ) -> CoreResult<AuditExport> {
        require(actor, Permission::ViewAudit)?;
        let (mut rows, _) = self.audit_rows(f, None)?;
        rows.reverse();
        let content = match format {
            AuditFormat::Json => {
                serde_json::to_string_pretty(&rows).map_err(|e| CoreError::BadRequest {
                    detail: e.to_string(),
                })?
            }
            AuditFormat::Csv => {
                let mut out = String::from(
                    "id,at,actor_id,actor_name,actor_role,action,entity,entity_id,detail,prev_hash,hash\r\n",
                );
                for e in &rows {
                    let cols = [
                        e.id.to_string(),
                        now_text(e.at),
                        e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
                        csv_field(&e.actor_name),
                        e.actor_role.map(Role::code).unwrap_or_default().to_owned(),
                        e.action.code().to_owned(),
                        csv_field(e.entity.as_deref().unwrap_or_default()),
                        csv_field(e.entity_id.as_deref().unwrap_or_default()),
                        csv_field(&e.detail),
                        e.prev_hash.clone(),
                        e.hash.clone(),
                    ];
                    out.push_str(&cols.join(","));
                    out.push_str("\r\n");
                }
                out
            }
        };
        let ext = match format {
            AuditFormat::Csv => "csv",
            AuditFormat::Json => "json",
        };
        let file_name = format!(
            "audit-{}-{}.{ext}",
            self.office()
                .map(|o| o.unit_code.clone())
                .unwrap_or_default(),
            self.today()
        );
        self.record_export(actor, "audit_log", rows.len() as u64, false)?;
        Ok(AuditExport {
            format,
            file_name,
            rows: rows.len() as u64,
            content,
        })
    }

    /// Walk the hash chain; reports the first row that does not fit.
    pub fn audit_verify(&self, actor: &Actor) -> CoreResult<AuditVerify> {
        require(actor, Permission::ViewAudit)?;
        verify(&self.db.conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(a.code()), Some(a));
            let json = serde_json::to_value(a).unwrap();
            assert_eq!(json, a.code());
        }
    }

    #[test]
    fn chain_appends_and_verifies_and_catches_edits() {
        let conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&conn).unwrap();
        let actor = Actor::system();
        let at = Utc::now();
        for i in 0..5 {
            record(
                &conn,
                &actor,
                at,
                &AuditEvent::new(AuditAction::Print)
                    .on("document", format!("DOC-{i}"))
                    .detail(serde_json::json!({"kind": "monev"})),
            )
            .unwrap();
        }
        let v = verify(&conn).unwrap();
        assert!(v.ok && v.rows == 5, "{v:?}");
        // The triggers refuse edits...
        assert!(
            conn.execute("UPDATE audit_log SET detail = '{}' WHERE id = 3", [])
                .is_err()
        );
        assert!(
            conn.execute("DELETE FROM audit_log WHERE id = 5", [])
                .is_err()
        );
        // ...and with them gone, an edit shows.
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .unwrap();
        conn.execute("DELETE FROM audit_log WHERE id = 2", [])
            .unwrap();
        let v = verify(&conn).unwrap();
        assert_eq!(
            (v.ok, v.first_broken, v.reason),
            (false, Some(3), Some(AuditBreak::IdGap))
        );
    }

    #[test]
    fn changed_fields_names_only_what_differs() {
        #[derive(Serialize)]
        struct S {
            a: u32,
            b: String,
        }
        let old = S {
            a: 1,
            b: "x".into(),
        };
        let new = S {
            a: 1,
            b: "y".into(),
        };
        assert_eq!(changed_fields(&old, &new), vec!["b".to_owned()]);
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK()"), "\"'=HYPERLINK()\"");
    }
}
