//! `Posko`: the handle both front ends (Tauri shell, CLI) hold. It owns the
//! store connection, the clock and a cache of settings and calendar, and
//! exposes every user action as one method that runs in one transaction.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use posko_domain::calendar::{Calendar, CalendarSettings, Holiday, WorkWeek};
use posko_domain::deadline::{RuleSet, default_rule_sets};
use posko_domain::role::{Permission, Role};
use posko_domain::validation::{FieldError, FieldErrorCode};
use posko_domain::{Channel, Kind, OfficeZone, Status};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::clock::Clock;
use crate::db::{self, Db, OpenMode};
use crate::error::{CoreError, CoreResult};
use crate::i18n::Lang;
use crate::keychain::SecretStore;
use crate::model::*;
use crate::seed;
use crate::validate;

pub(crate) const OFFICE_KEY: &str = "office";

/// Cached, derived state; rebuilt after settings or holiday changes.
pub(crate) struct Cache {
    pub office: Option<OfficeSettings>,
    pub home_unit_id: Option<i64>,
    pub calendar: Calendar,
    pub rule_sets: Vec<RuleSet>,
}

pub struct Posko {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cache: Cache,
}

/// What the app shows on start: whether setup is needed.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct SetupState {
    pub has_unit: bool,
    pub has_users: bool,
    pub office: Option<OfficeSettings>,
    pub store_dir: String,
    pub schema_version: i64,
}

pub(crate) fn now_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_instant(s: &str) -> DateTime<Utc> {
    // Written by now_text only; a bad value means a damaged row, shown as the epoch.
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

pub(crate) fn parse_date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

pub(crate) fn require(actor: &Actor, p: Permission) -> CoreResult<()> {
    if actor.role.can(p) {
        Ok(())
    } else {
        Err(CoreError::Forbidden { permission: p })
    }
}

impl Posko {
    /// Open an existing store, or create one if `create` (the key is made and
    /// filed in the keychain first).
    pub fn open(
        dir: &Path,
        secrets: &dyn SecretStore,
        clock: Arc<dyn Clock>,
        create: bool,
    ) -> CoreResult<Posko> {
        let mode = if create {
            OpenMode::CreateIfMissing
        } else {
            OpenMode::Existing
        };
        let db = db::open(dir, secrets, mode)?;
        let mut p = Posko {
            db,
            clock,
            cache: Cache {
                office: None,
                home_unit_id: None,
                calendar: Calendar::new(CalendarSettings::default(), &[]),
                rule_sets: default_rule_sets(),
            },
        };
        p.reload_cache()?;
        Ok(p)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn zone(&self) -> OfficeZone {
        self.cache
            .office
            .as_ref()
            .map(|o| o.zone)
            .unwrap_or_default()
    }

    pub fn lang(&self) -> Lang {
        self.cache
            .office
            .as_ref()
            .map(|o| o.locale)
            .unwrap_or_default()
    }

    /// Office-local date today.
    pub fn today(&self) -> NaiveDate {
        self.zone().local_date(self.now())
    }

    pub fn calendar(&self) -> &Calendar {
        &self.cache.calendar
    }

    pub fn store_dir(&self) -> &Path {
        &self.db.dir
    }

    pub fn store_id(&self) -> &str {
        &self.db.store_id
    }

    /// Direct read access for reports, benchmarks and tests. Writes go through methods.
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.db.conn
    }

    pub(crate) fn reload_cache(&mut self) -> CoreResult<()> {
        let conn = &self.db.conn;
        let office: Option<OfficeSettings> = conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [OFFICE_KEY],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|s| serde_json::from_str(&s).ok());
        let home_unit_id = match &office {
            Some(o) => conn
                .query_row(
                    "SELECT id FROM units WHERE code = ?1",
                    [&o.unit_code],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        };
        let holidays = self.load_holidays()?;
        let cal_settings = office
            .as_ref()
            .map(|o| CalendarSettings {
                work_week: o.work_week,
                cuti_bersama_stops_clock: o.cuti_bersama_stops_clock,
            })
            .unwrap_or_default();
        let mut rule_sets = Vec::new();
        let mut stmt = conn.prepare("SELECT body FROM deadline_rule_sets ORDER BY valid_from")?;
        for body in stmt.query_map([], |r| r.get::<_, String>(0))? {
            if let Ok(set) = serde_json::from_str::<RuleSet>(&body?) {
                rule_sets.push(set);
            }
        }
        if rule_sets.is_empty() {
            rule_sets = default_rule_sets();
        }
        self.cache = Cache {
            office,
            home_unit_id,
            calendar: Calendar::new(cal_settings, &holidays),
            rule_sets,
        };
        Ok(())
    }

    pub(crate) fn load_holidays(&self) -> CoreResult<Vec<Holiday>> {
        let mut stmt = self
            .db
            .conn
            .prepare("SELECT date, name, kind, source FROM holidays ORDER BY date")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (date, name, kind, source) = row?;
            if let Some(kind) = posko_domain::calendar::HolidayKind::from_code(&kind) {
                out.push(Holiday {
                    date: parse_date(&date),
                    name,
                    kind,
                    source,
                });
            }
        }
        Ok(out)
    }

    pub fn setup_state(&self) -> CoreResult<SetupState> {
        let users: i64 = self
            .db
            .conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        Ok(SetupState {
            has_unit: self.cache.home_unit_id.is_some(),
            has_users: users > 0,
            office: self.cache.office.clone(),
            store_dir: self.db.dir.display().to_string(),
            schema_version: db::schema_version(),
        })
    }

    pub(crate) fn office(&self) -> CoreResult<&OfficeSettings> {
        self.cache.office.as_ref().ok_or(CoreError::NotInitialized)
    }

    pub(crate) fn home_unit(&self) -> CoreResult<i64> {
        self.cache.home_unit_id.ok_or(CoreError::NotInitialized)
    }

    /// Create the office (unit) and seed topics, templates, holidays and rules.
    /// Used by `posko init` and by the first-run wizard.
    pub fn init_office(
        &mut self,
        unit_name: &str,
        unit_code: &str,
        zone: OfficeZone,
    ) -> CoreResult<()> {
        if self.cache.home_unit_id.is_some() {
            return Err(CoreError::AlreadyInitialized);
        }
        let mut errors = Vec::new();
        validate::text_field(&mut errors, "unit_name", Some(unit_name), true, 120, false);
        let code = normalize_unit_code(unit_code);
        if code.is_empty() {
            errors.push(FieldError::new("unit_code", FieldErrorCode::Required));
        } else if code.len() > 30 {
            errors.push(FieldError::with_limit(
                "unit_code",
                FieldErrorCode::TooLong,
                30,
            ));
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        let office = OfficeSettings {
            unit_name: unit_name.trim().to_owned(),
            unit_code: code.clone(),
            register_prefix: code.clone(),
            address: String::new(),
            zone,
            work_week: WorkWeek::FiveDay,
            cuti_bersama_stops_clock: true,
            max_attachment_mb: 10,
            locale: Lang::Id,
            head_name: String::new(),
            head_title: String::new(),
            head_nip: String::new(),
            logo_base64: None,
        };
        let now = now_text(self.now());
        let tx = self.db.conn.transaction()?;
        tx.execute(
            "INSERT INTO units (code, name, register_prefix, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![code, office.unit_name, office.register_prefix, now],
        )?;
        put_setting(&tx, OFFICE_KEY, &office, &now)?;
        seed::seed_reference_data(&tx, &now)?;
        tx.commit()?;
        self.reload_cache()
    }

    /// First-run wizard: the office and its first administrator, in one transaction.
    pub fn setup(&mut self, input: SetupInput) -> CoreResult<Actor> {
        if self.setup_state()?.has_users {
            return Err(CoreError::AlreadyInitialized);
        }
        crate::users::check_new_user(
            &input.admin_username,
            &input.admin_display_name,
            &input.admin_password,
        )?;
        if self.cache.home_unit_id.is_none() {
            self.init_office(&input.unit_name, &input.unit_code, input.zone)?;
        }
        let user = UserInput {
            username: input.admin_username,
            display_name: input.admin_display_name,
            role: Role::Admin,
            nip: None,
            password: input.admin_password,
        };
        let id = crate::users::insert_user(&self.db.conn, &user, self.now())?;
        Ok(Actor {
            user_id: Some(id),
            username: user.username,
            display_name: user.display_name,
            role: Role::Admin,
        })
    }

    pub fn office_settings(&self) -> CoreResult<OfficeSettings> {
        self.office().cloned()
    }

    /// Save settings; deadlines of open complaints follow a changed work week.
    pub fn update_office_settings(
        &mut self,
        actor: &Actor,
        new: OfficeSettings,
    ) -> CoreResult<u32> {
        require(actor, Permission::EditSettings)?;
        let old = self.office()?.clone();
        let mut errors = Vec::new();
        validate::text_field(
            &mut errors,
            "unit_name",
            Some(&new.unit_name),
            true,
            120,
            false,
        );
        validate::text_field(
            &mut errors,
            "register_prefix",
            Some(&new.register_prefix),
            true,
            30,
            false,
        );
        validate::text_field(&mut errors, "address", Some(&new.address), false, 300, true);
        if new.register_prefix.contains('/') {
            errors.push(FieldError::new(
                "register_prefix",
                FieldErrorCode::InvalidChoice,
            ));
        }
        validate::text_field(
            &mut errors,
            "head_name",
            Some(&new.head_name),
            false,
            120,
            false,
        );
        validate::text_field(
            &mut errors,
            "head_title",
            Some(&new.head_title),
            false,
            120,
            false,
        );
        let nip: String = new
            .head_nip
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if !nip.is_empty() && (nip.len() != 18 || !nip.bytes().all(|b| b.is_ascii_digit())) {
            // NIP (civil-servant number) is 18 digits.
            errors.push(FieldError::new("head_nip", FieldErrorCode::NipFormat));
        }
        if let Some(logo) = &new.logo_base64 {
            use base64::Engine;
            match base64::engine::general_purpose::STANDARD.decode(logo.trim()) {
                Ok(bytes) if bytes.len() > 512 * 1024 => errors.push(FieldError::with_limit(
                    "logo_base64",
                    FieldErrorCode::TooLong,
                    512,
                )),
                Ok(bytes)
                    if !matches!(
                        crate::complaints::sniff_mime(&bytes),
                        Some("image/png" | "image/jpeg")
                    ) =>
                {
                    errors.push(FieldError::new("logo_base64", FieldErrorCode::LogoType))
                }
                Ok(_) => {}
                Err(_) => errors.push(FieldError::new("logo_base64", FieldErrorCode::Base64)),
            }
        }
        if !(1..=50).contains(&new.max_attachment_mb) {
            errors.push(FieldError::with_limit(
                "max_attachment_mb",
                FieldErrorCode::TooLong,
                50,
            ));
        }
        if !errors.is_empty() {
            return Err(CoreError::validation(errors));
        }
        // The unit code names the unit and its register; it does not change after setup.
        let new = OfficeSettings {
            unit_code: old.unit_code.clone(),
            unit_name: new.unit_name.trim().to_owned(),
            register_prefix: new.register_prefix.trim().to_owned(),
            address: new.address.trim().to_owned(),
            head_name: new.head_name.trim().to_owned(),
            head_title: new.head_title.trim().to_owned(),
            head_nip: nip,
            logo_base64: new
                .logo_base64
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty()),
            ..new
        };
        let calendar_changed = new.work_week != old.work_week
            || new.cuti_bersama_stops_clock != old.cuti_bersama_stops_clock
            || new.zone != old.zone;
        let now = now_text(self.now());
        let holidays = if calendar_changed {
            self.load_holidays()?
        } else {
            Vec::new()
        };
        let tx = self.db.conn.transaction()?;
        put_setting(&tx, OFFICE_KEY, &new, &now)?;
        crate::audit::append(
            &tx,
            actor,
            self.clock.now(),
            &crate::audit::AuditEvent::new(crate::audit::AuditAction::SettingChange)
                .on("setting", OFFICE_KEY)
                .detail(serde_json::json!({ "fields": crate::audit::changed_fields(&old, &new) })),
        )?;
        tx.execute(
            "UPDATE units SET name = ?1, register_prefix = ?2 WHERE code = ?3",
            params![new.unit_name, new.register_prefix, new.unit_code],
        )?;
        let recomputed = if calendar_changed {
            let cal = Calendar::new(
                CalendarSettings {
                    work_week: new.work_week,
                    cuti_bersama_stops_clock: new.cuti_bersama_stops_clock,
                },
                &holidays,
            );
            crate::deadlines::recompute_open(&tx, &cal, None)?
        } else {
            0
        };
        tx.commit()?;
        self.reload_cache()?;
        Ok(recomputed)
    }

    pub fn vocabulary(&self) -> Vocabulary {
        Vocabulary {
            kinds: Kind::ALL.to_vec(),
            channels: Channel::ALL.to_vec(),
            statuses: Status::ALL.to_vec(),
            zones: OfficeZone::ALL.to_vec(),
            roles: Role::ALL.to_vec(),
        }
    }

    /// Autosave of an unfinished form (kept encrypted in the store).
    pub fn save_draft(&self, actor: &Actor, form: &str, payload: &str) -> CoreResult<()> {
        if payload.len() > 2_000_000 || form.len() > 64 {
            return Err(CoreError::validation(vec![FieldError::with_limit(
                "draft",
                FieldErrorCode::TooLong,
                2_000_000,
            )]));
        }
        self.db.conn.execute(
            "INSERT INTO drafts (user_key, form, payload, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_key, form) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at",
            params![actor.username, form, payload, now_text(self.now())],
        )?;
        Ok(())
    }

    pub fn load_draft(&self, actor: &Actor, form: &str) -> CoreResult<Option<FormDraft>> {
        Ok(self
            .db
            .conn
            .query_row(
                "SELECT payload, updated_at FROM drafts WHERE user_key = ?1 AND form = ?2",
                params![actor.username, form],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(payload, at)| FormDraft {
                form: form.to_owned(),
                payload,
                updated_at: parse_instant(&at),
            }))
    }

    pub fn clear_draft(&self, actor: &Actor, form: &str) -> CoreResult<()> {
        self.db.conn.execute(
            "DELETE FROM drafts WHERE user_key = ?1 AND form = ?2",
            params![actor.username, form],
        )?;
        Ok(())
    }

    /// `posko deadline`: the due date after N working days on this store's calendar.
    pub fn deadline(&self, q: DeadlineQuery) -> CoreResult<DeadlineAnswer> {
        if q.working_days > 3650 {
            return Err(CoreError::validation(vec![FieldError::with_limit(
                "working_days",
                FieldErrorCode::TooLong,
                3650,
            )]));
        }
        let due = self.cache.calendar.add_working_days(q.from, q.working_days);
        let holidays_considered = self
            .load_holidays()?
            .iter()
            .filter(|h| h.date > q.from && h.date <= due)
            .count() as u32;
        Ok(DeadlineAnswer {
            from: q.from,
            working_days: q.working_days,
            due,
            work_week: self
                .office()
                .map(|o| o.work_week)
                .unwrap_or(WorkWeek::FiveDay),
            holidays_considered,
        })
    }
}

pub(crate) fn put_setting<T: serde::Serialize>(
    tx: &Transaction<'_>,
    key: &str,
    value: &T,
    now: &str,
) -> CoreResult<()> {
    let json = serde_json::to_string(value).map_err(|e| CoreError::BadRequest {
        detail: e.to_string(),
    })?;
    tx.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, json, now],
    )?;
    Ok(())
}

/// Unit codes become register prefixes: upper case, letters, digits and dashes.
pub fn normalize_unit_code(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if (c == '-' || c == ' ' || c == '_') && !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes_are_normalised() {
        assert_eq!(normalize_unit_code(" pkm sendana "), "PKM-SENDANA");
        assert_eq!(
            normalize_unit_code("Dinkes/Kab. Majene"),
            "DINKESKAB-MAJENE"
        );
        assert_eq!(normalize_unit_code("--"), "");
    }
}
