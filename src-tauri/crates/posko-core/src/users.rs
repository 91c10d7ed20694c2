//! Local accounts. Passwords are hashed with Argon2id; repeated wrong
//! passwords lock the account for a while (how many and how long:
//! `SecuritySettings`). Every attempt, good or bad, is in the audit log.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use chrono::{DateTime, Duration, Utc};
use posko_domain::role::{Permission, Role};
use posko_domain::validation::{FieldError, FieldErrorCode};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::app::{Posko, now_text, parse_instant, require};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::error::{CoreError, CoreResult};
use crate::model::{Actor, SignInInput, UserInput, UserView};
use crate::validate;

pub const MIN_PASSWORD: usize = 8;
/// Defaults of `SecuritySettings::{max_failed_sign_ins, lockout_seconds}`.
pub const MAX_FAILED: i64 = 5;
pub const LOCK_SECONDS: i64 = 60;

pub(crate) fn check_new_user(username: &str, display_name: &str, password: &str) -> CoreResult<()> {
    let mut errors = Vec::new();
    validate::text_field(&mut errors, "username", Some(username), true, 40, false);
    if !username
        .trim()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        errors.push(FieldError::new("username", FieldErrorCode::InvalidChoice));
    }
    validate::text_field(
        &mut errors,
        "display_name",
        Some(display_name),
        true,
        100,
        false,
    );
    if password.chars().count() < MIN_PASSWORD {
        errors.push(FieldError::with_limit(
            "password",
            FieldErrorCode::TooShort,
            MIN_PASSWORD as u64,
        ));
    } else if password.len() > 1024 {
        errors.push(FieldError::with_limit(
            "password",
            FieldErrorCode::TooLong,
            1024,
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CoreError::validation(errors))
    }
}

fn hash(password: &str) -> CoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Database {
            detail: format!("argon2: {e}"),
        })
}

pub(crate) fn insert_user(conn: &Connection, u: &UserInput, now: DateTime<Utc>) -> CoreResult<i64> {
    check_new_user(&u.username, &u.display_name, &u.password)?;
    let exists: bool = conn
        .query_row(
            "SELECT 1 FROM users WHERE username = ?1",
            [u.username.trim()],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if exists {
        return Err(CoreError::validation(vec![FieldError::new(
            "username",
            FieldErrorCode::InvalidChoice,
        )]));
    }
    conn.execute(
        "INSERT INTO users (username, display_name, role, nip, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![u.username.trim(), u.display_name.trim(), u.role.code(), u.nip, hash(&u.password)?, now_text(now)],
    )?;
    Ok(conn.last_insert_rowid())
}

impl Posko {
    pub fn sign_in(&self, input: &SignInInput) -> CoreResult<Actor> {
        let now = self.now();
        let row = self
            .db
            .conn
            .query_row(
                "SELECT id, username, display_name, role, password_hash, failed_logins, locked_until, active
                 FROM users WHERE username = ?1",
                [input.username.trim()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, bool>(7)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, username, display_name, role, hash, failed, locked_until, active)) = row
        else {
            // Same answer as a wrong password: do not reveal which usernames exist.
            self.record_audit(
                &audit::unknown_actor(),
                &AuditEvent::new(AuditAction::SignInFailed)
                    .detail(serde_json::json!({ "reason": "unknown_user" })),
            )?;
            return Err(CoreError::BadCredentials);
        };
        let role = Role::from_code(&role).ok_or(CoreError::BadCredentials)?;
        let who = Actor {
            user_id: Some(id),
            username,
            display_name,
            role,
        };
        let failed_event = |reason: &str| {
            AuditEvent::new(AuditAction::SignInFailed)
                .on("user", id)
                .detail(serde_json::json!({ "reason": reason }))
        };
        if let Some(until) = locked_until.map(|s| parse_instant(&s))
            && until > now
        {
            self.record_audit(&who, &failed_event("locked"))?;
            return Err(CoreError::AccountLocked {
                seconds: (until - now).num_seconds().max(1) as u64,
            });
        }
        let ok = active
            && hash
                .as_deref()
                .and_then(|h| PasswordHash::new(h).ok())
                .is_some_and(|h| {
                    Argon2::default()
                        .verify_password(input.password.as_bytes(), &h)
                        .is_ok()
                });
        let tx = Transaction::new_unchecked(&self.db.conn, TransactionBehavior::Immediate)?;
        if !ok {
            let sec = self.security_settings()?;
            let failed = failed + 1;
            let lock = (failed >= sec.max_failed_sign_ins as i64)
                .then(|| now_text(now + Duration::seconds(sec.lockout_seconds as i64)));
            tx.execute(
                "UPDATE users SET failed_logins = ?1, locked_until = ?2 WHERE id = ?3",
                params![if lock.is_some() { 0 } else { failed }, lock, id],
            )?;
            let reason = match (active, lock.is_some()) {
                (false, _) => "inactive",
                (true, true) => "wrong_password_locked",
                (true, false) => "wrong_password",
            };
            audit::append(&tx, &who, now, &failed_event(reason))?;
            tx.commit()?;
            return Err(if lock.is_some() {
                CoreError::AccountLocked {
                    seconds: sec.lockout_seconds as u64,
                }
            } else {
                CoreError::BadCredentials
            });
        }
        tx.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?1 WHERE id = ?2",
            params![now_text(now), id],
        )?;
        // One row per user and office-local day: monev's "staff active last month".
        tx.execute(
            "INSERT OR IGNORE INTO user_activity (user_id, day) VALUES (?1, ?2)",
            params![id, self.zone().local_date(now).to_string()],
        )?;
        audit::append(
            &tx,
            &who,
            now,
            &AuditEvent::new(AuditAction::SignIn).on("user", id),
        )?;
        tx.commit()?;
        Ok(who)
    }

    pub fn create_user(&self, actor: &Actor, input: &UserInput) -> CoreResult<i64> {
        require(actor, Permission::ManageUsers)?;
        let tx = Transaction::new_unchecked(&self.db.conn, TransactionBehavior::Immediate)?;
        let id = insert_user(&tx, input, self.now())?;
        audit::append(
            &tx,
            actor,
            self.now(),
            &AuditEvent::new(AuditAction::UserCreate)
                .on("user", id)
                .detail(
                    serde_json::json!({ "username": input.username.trim(), "role": input.role }),
                ),
        )?;
        tx.commit()?;
        Ok(id)
    }

    pub fn list_users(&self, actor: &Actor) -> CoreResult<Vec<UserView>> {
        require(actor, Permission::ManageUsers)?;
        let mut stmt = self.db.conn.prepare(
            "SELECT id, username, display_name, role, nip, active, last_login_at FROM users ORDER BY display_name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(UserView {
                id: r.get(0)?,
                username: r.get(1)?,
                display_name: r.get(2)?,
                role: Role::from_code(&r.get::<_, String>(3)?).unwrap_or(Role::Petugas),
                nip: r.get(4)?,
                active: r.get(5)?,
                last_login_at: r.get::<_, Option<String>>(6)?.map(|s| parse_instant(&s)),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
