//! Sync with SP4N-LAPOR!: pure planning (`plan`), the outbox (`outbox`), the
//! adapter boundary (`api`, with the HTTP implementation in `http`), and the
//! engine that applies a plan (`engine`).

pub mod api;
pub mod config;
mod engine;
pub mod http;
pub mod operator;
pub(crate) mod outbox;
pub mod plan;
pub mod pull;

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;
use zeroize::Zeroizing;

pub use config::{LaporMapping, LaporSettings};

use crate::Posko;
use crate::app::{now_text, parse_instant, put_setting, require};
use crate::error::{CoreError, CoreResult};
use crate::keychain::SecretStore;
use crate::model::Actor;
use posko_domain::role::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Unauthorized,
}

impl StopReason {
    pub fn code(self) -> &'static str {
        match self {
            StopReason::Unauthorized => "UNAUTHORIZED",
        }
    }
}

/// What one run did (the CLI prints it; the UI shows it).
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct SyncSummary {
    pub run_id: i64,
    pub sent: u32,
    pub adopted: u32,
    pub retried: u32,
    pub unknown: u32,
    pub quarantined: u32,
    /// Sent reports with something new from LAPOR! (status, history, follow-ups).
    pub pulled: u32,
    /// Pulls that failed; each reason is in `sync_pull_log` (nothing local changed).
    pub pull_failed: u32,
    /// Follow-ups written on LAPOR! by others, stored in this run.
    pub remote_follow_ups: u32,
    /// Of those, replies of the reporter ("pelapor membalas").
    pub reporter_replies: u32,
    /// New conflicts for a person to decide (`Posko::sync_conflicts`).
    pub conflicts: u32,
    pub clock_skew_secs: Option<i64>,
    /// The PC's clock differs from the server's by more than 5 minutes.
    pub clock_warning: bool,
    pub stopped: Option<StopReason>,
    pub cancelled: bool,
}

impl SyncSummary {
    /// Anything left that a person or a later run must deal with.
    pub fn has_failures(&self) -> bool {
        self.retried + self.unknown + self.quarantined + self.pull_failed > 0
            || self.stopped.is_some()
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct OutboxView {
    pub id: i64,
    pub complaint_id: i64,
    pub register_no: String,
    pub op: plan::OutboxOp,
    pub state: plan::OutboxState,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
    /// A follow-up whose report has no national id yet (not sent, or it came
    /// from LAPOR! and its id was never entered): it waits, it has not failed.
    pub waiting_for_report: bool,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct OutboxCounts {
    pub pending: u32,
    pub sending: u32,
    pub unknown: u32,
    pub sent: u32,
    pub quarantined: u32,
    pub skipped: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncStatus {
    pub configured: bool,
    pub base_url: Option<String>,
    pub counts: OutboxCounts,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// When a person approved the first-send preview (`None`: not yet).
    pub preview_confirmed_at: Option<DateTime<Utc>>,
    /// Items that are not sent yet, oldest first (at most 500).
    pub queue: Vec<OutboxView>,
}

impl Posko {
    pub fn lapor_settings(&self) -> CoreResult<LaporSettings> {
        let json: Option<String> = self
            .db
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [config::LAPOR_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match json {
            Some(j) => serde_json::from_str(&j).map_err(|e| CoreError::StoreUnreadable {
                detail: e.to_string(),
            })?,
            None => LaporSettings::default(),
        })
    }

    pub fn set_lapor_settings(&mut self, actor: &Actor, s: &LaporSettings) -> CoreResult<()> {
        require(actor, Permission::EditSettings)?;
        if let Some(url) = &s.base_url {
            let ok = (url.starts_with("https://")
                || url.starts_with("http://127.0.0.1")
                || url.starts_with("http://localhost"))
                && !url.chars().any(char::is_whitespace);
            if !ok {
                // Credentials never travel in clear text, except to a simulator on this machine.
                return Err(CoreError::validation(vec![
                    posko_domain::validation::FieldError::new(
                        "base_url",
                        posko_domain::validation::FieldErrorCode::InsecureUrl,
                    ),
                ]));
            }
        }
        let old = self.lapor_settings()?;
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        put_setting(&tx, config::LAPOR_KEY, s, &now)?;
        crate::audit::append(
            &tx,
            actor,
            self.clock.now(),
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::SettingChange)
                .on("setting", config::LAPOR_KEY)
                .detail(serde_json::json!({ "fields": crate::audit::changed_fields(&old, s) })),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keep the per-agency key and token in the OS keychain (never the database).
    pub fn set_lapor_credentials(
        &self,
        actor: &Actor,
        secrets: &dyn SecretStore,
        key: &str,
        token: &str,
    ) -> CoreResult<()> {
        require(actor, Permission::EditSettings)?;
        if key.trim().is_empty() || token.trim().is_empty() {
            return Err(CoreError::SyncCredentialsMissing);
        }
        secrets.set(&config::key_account(&self.db.store_id), key.trim())?;
        secrets.set(&config::token_account(&self.db.store_id), token.trim())?;
        // That they were set, by whom; never what.
        self.record_audit(
            actor,
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::CredentialsSet)
                .on("credentials", "lapor"),
        )?;
        Ok(())
    }

    /// Whether both secrets are in the keychain (their values never leave it).
    pub fn lapor_credentials_present(&self, secrets: &dyn SecretStore) -> CoreResult<bool> {
        let key = secrets
            .get(&config::key_account(&self.db.store_id))?
            .map(Zeroizing::new);
        let token = secrets
            .get(&config::token_account(&self.db.store_id))?
            .map(Zeroizing::new);
        Ok(key.is_some() && token.is_some())
    }

    /// May this person start a sync run? (The run itself acts as the system.)
    pub fn authorize_sync(&self, actor: &Actor) -> CoreResult<()> {
        require(actor, Permission::OperateSync)
    }

    /// The real adapter, configured from the settings and the keychain.
    pub fn lapor_client(&self, secrets: &dyn SecretStore) -> CoreResult<http::HttpLapor> {
        let s = self.lapor_settings()?;
        let base = s.base_url.clone().ok_or(CoreError::SyncNotConfigured)?;
        let key = secrets.get(&config::key_account(&self.db.store_id))?;
        let token = secrets.get(&config::token_account(&self.db.store_id))?;
        let (Some(key), Some(token)) = (key, token) else {
            return Err(CoreError::SyncCredentialsMissing);
        };
        http::HttpLapor::new(
            &base,
            &s.auth_header,
            http::Credentials {
                key: Zeroizing::new(key),
                token: Zeroizing::new(token),
            },
            Duration::from_secs(s.timeout_secs.clamp(5, 300) as u64),
            s.search_supported,
        )
        .map_err(|e| CoreError::Io { detail: e.message })
    }

    /// Outbox items with what the UI needs; `filter` is a fixed SQL tail
    /// (never user text) over `outbox o JOIN complaints c`.
    fn outbox_views(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
    ) -> CoreResult<Vec<OutboxView>> {
        let sql = format!(
            "SELECT o.id, o.complaint_id, c.register_no, o.op, o.state, o.attempts, o.next_attempt_at,
                    o.last_error_code, o.last_error, c.lapor_complaint_id IS NULL
             FROM outbox o JOIN complaints c ON c.id = o.complaint_id WHERE {filter}"
        );
        let mut st = self.db.conn.prepare(&sql)?;
        let rows = st.query_map(params, |r| {
            let op: String = r.get(3)?;
            let state: String = r.get(4)?;
            let no_parent: bool = r.get(9)?;
            Ok((
                plan::OutboxOp::from_code(&op),
                plan::OutboxState::from_code(&state),
                OutboxView {
                    id: r.get(0)?,
                    complaint_id: r.get(1)?,
                    register_no: r.get(2)?,
                    op: plan::OutboxOp::CreateComplaint,
                    state: plan::OutboxState::Pending,
                    attempts: r.get::<_, i64>(5)?.max(0) as u32,
                    next_attempt_at: r.get::<_, Option<String>>(6)?.as_deref().map(parse_instant),
                    last_error_code: r.get(7)?,
                    last_error: r.get(8)?,
                    waiting_for_report: no_parent,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            // A row this build cannot read is left out rather than guessed at.
            if let (Some(op), Some(state), mut v) = row? {
                v.op = op;
                v.state = state;
                v.waiting_for_report &= op != plan::OutboxOp::CreateComplaint;
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The sync state of one report: its create item and its follow-ups.
    pub fn complaint_sync(&self, actor: &Actor, complaint_id: i64) -> CoreResult<Vec<OutboxView>> {
        require(actor, Permission::ViewRegister)?;
        let secret: Option<bool> = self
            .db
            .conn
            .query_row(
                "SELECT is_secret FROM complaints WHERE id = ?1",
                [complaint_id],
                |r| r.get(0),
            )
            .optional()?;
        // A rahasia report does not exist for roles that may not see it.
        if secret.is_none() || (secret == Some(true) && !actor.role.can(Permission::ViewSecret)) {
            return Err(CoreError::NotFound {
                entity: "complaint",
                id: complaint_id.to_string(),
            });
        }
        self.outbox_views("o.complaint_id = ?1 ORDER BY o.id", [complaint_id])
    }

    /// Outbox items per state, kept by triggers (migration 0012): a few
    /// rows, not every item. For callers that need only the counts (the
    /// scheduler, "Sinkronkan sekarang"), without the queue [`sync_status`]
    /// also lists.
    ///
    /// [`sync_status`]: Posko::sync_status
    pub fn outbox_counts(&self) -> CoreResult<OutboxCounts> {
        let mut counts = OutboxCounts::default();
        let mut st = self
            .db
            .conn
            .prepare_cached("SELECT state, n FROM outbox_state_counts")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            match state.as_str() {
                "pending" => counts.pending = n,
                "sending" => counts.sending = n,
                "unknown" => counts.unknown = n,
                "sent" => counts.sent = n,
                "quarantined" => counts.quarantined = n,
                "skipped" => counts.skipped = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    pub fn sync_status(&self) -> CoreResult<SyncStatus> {
        let settings = self.lapor_settings()?;
        let counts = self.outbox_counts()?;
        let last_run_at: Option<String> =
            self.db
                .conn
                .query_row("SELECT MAX(started_at) FROM sync_runs", [], |r| r.get(0))?;
        let last_success_at: Option<String> = self.db.conn.query_row(
            "SELECT MAX(finished_at) FROM sync_runs WHERE error_code IS NULL AND finished_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        let queue = self.outbox_views(
            "o.state NOT IN ('sent', 'skipped') ORDER BY o.id LIMIT 500",
            [],
        )?;
        Ok(SyncStatus {
            configured: settings.base_url.is_some(),
            base_url: settings.base_url,
            counts,
            last_run_at: last_run_at.as_deref().map(parse_instant),
            last_success_at: last_success_at.as_deref().map(parse_instant),
            preview_confirmed_at: settings.preview_confirmed_at,
            queue,
        })
    }
}
