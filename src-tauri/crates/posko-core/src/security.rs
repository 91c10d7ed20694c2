//! Security settings the core keeps and the UI reads: how long an idle
//! window stays unlocked (the UI runs the timer and locks the screen; signing
//! in again unlocks it), how many wrong passwords lock an account and for how
//! long, and how many backups of each kind are kept.

use posko_domain::role::Permission;
use posko_domain::validation::{FieldError, FieldErrorCode};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::app::{Posko, now_text, put_setting, require};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::error::{CoreError, CoreResult};
use crate::model::Actor;

pub(crate) const SECURITY_KEY: &str = "security";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Lock the window after this many minutes without input (1–240).
    pub idle_lock_minutes: u32,
    /// Wrong passwords in a row that lock an account (3–20).
    pub max_failed_sign_ins: u32,
    /// How long a locked account waits, in seconds (30–3600).
    pub lockout_seconds: u32,
    /// Backups kept of each kind (daily, before sync, before migration; 1–60).
    pub backup_keep: u32,
    /// Erase the reporter's identity from a complaint this many days after
    /// it was closed (0 = keep; otherwise 30–3650).
    pub identity_retention_days: u32,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            idle_lock_minutes: 10,
            max_failed_sign_ins: crate::users::MAX_FAILED as u32,
            lockout_seconds: crate::users::LOCK_SECONDS as u32,
            backup_keep: crate::backup::DEFAULT_KEEP as u32,
            identity_retention_days: 0,
        }
    }
}

impl SecuritySettings {
    pub fn check(&self) -> CoreResult<()> {
        let mut errors = Vec::new();
        let mut range = |field: &str, v: u32, lo: u32, hi: u32| {
            if v < lo {
                errors.push(FieldError::with_limit(
                    field,
                    FieldErrorCode::BelowMinimum,
                    lo as u64,
                ));
            } else if v > hi {
                errors.push(FieldError::with_limit(
                    field,
                    FieldErrorCode::AboveMaximum,
                    hi as u64,
                ));
            }
        };
        range("idle_lock_minutes", self.idle_lock_minutes, 1, 240);
        range("max_failed_sign_ins", self.max_failed_sign_ins, 3, 20);
        range("lockout_seconds", self.lockout_seconds, 30, 3600);
        range("backup_keep", self.backup_keep, 1, 60);
        if self.identity_retention_days != 0 {
            range(
                "identity_retention_days",
                self.identity_retention_days,
                30,
                3650,
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CoreError::validation(errors))
        }
    }
}

impl Posko {
    /// The settings as stored, or the defaults. Readable without signing in:
    /// the lock screen needs them.
    pub fn security_settings(&self) -> CoreResult<SecuritySettings> {
        let json: Option<String> = self
            .db
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [SECURITY_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub fn update_security_settings(
        &mut self,
        actor: &Actor,
        new: &SecuritySettings,
    ) -> CoreResult<()> {
        require(actor, Permission::EditSettings)?;
        new.check()?;
        let old = self.security_settings()?;
        let now = self.now();
        let tx = self.db.conn.transaction()?;
        put_setting(&tx, SECURITY_KEY, new, &now_text(now))?;
        audit::append(
            &tx,
            actor,
            now,
            &AuditEvent::new(AuditAction::SettingChange)
                .on("setting", SECURITY_KEY)
                .detail(serde_json::json!({ "fields": audit::changed_fields(&old, new) })),
        )?;
        tx.commit()?;
        Ok(())
    }
}
