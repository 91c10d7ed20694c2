//! Shared set-up: a fresh store in a temp dir, a fixed clock, and actors.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use posko_core::clock::FixedClock;
use posko_core::keychain::OsKeychain;
use posko_core::model::{ComplaintInput, ReporterInput};
use posko_core::{Actor, Posko};
use posko_domain::role::Role;
use posko_domain::{Channel, Kind, OfficeZone};
use tempfile::TempDir;

pub struct Store {
    pub dir: TempDir,
    pub clock: Arc<FixedClock>,
    pub p: Posko,
}

/// Monday 2 March 2026, 09:00 WIB.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

pub fn new_store() -> Store {
    new_store_at(monday_morning())
}

pub fn new_store_at(at: DateTime<Utc>) -> Store {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(at));
    let mut p = Posko::open(dir.path(), &OsKeychain::new(), clock.clone(), true)
        .expect("store opens (is a Secret Service keyring running? use scripts/with-keyring.sh)");
    p.init_office("Puskesmas Sendana", "PKM-SENDANA", OfficeZone::Wib)
        .unwrap();
    Store { dir, clock, p }
}

impl Store {
    pub fn reopen(&mut self) {
        let p = Posko::open(
            self.dir.path(),
            &OsKeychain::new(),
            self.clock.clone(),
            false,
        )
        .unwrap();
        self.p = p;
    }

    /// Rows in every table a user action writes, to prove a refused action changed nothing.
    pub fn fingerprint(&self) -> Vec<i64> {
        let c = self.p.connection();
        [
            "complaints",
            "complaint_events",
            "deadlines",
            "follow_ups",
            "attachments",
            "register_counters",
            "outbox",
            "holidays",
            "topics",
            "reply_templates",
            "import_batches",
            "import_rows",
        ]
        .iter()
        .map(|t| {
            c.query_row(
                &format!(
                    "SELECT count(*) + coalesce(sum(length(CAST(rowid AS TEXT))), 0) FROM {t}"
                ),
                [],
                |r| r.get(0),
            )
            .unwrap()
        })
        .chain([c
            .query_row(
                "SELECT coalesce(sum(last), 0) FROM register_counters",
                [],
                |r| r.get(0),
            )
            .unwrap()])
        .chain([c
            .query_row(
                "SELECT coalesce(sum(version), 0) FROM complaints",
                [],
                |r| r.get(0),
            )
            .unwrap()])
        .collect()
    }
}

pub fn actor(role: Role) -> Actor {
    Actor {
        user_id: None,
        username: format!("test-{}", role.code()),
        display_name: format!("Uji {}", role.code()),
        role,
    }
}

pub fn clerk() -> Actor {
    actor(Role::Petugas)
}

pub fn head() -> Actor {
    actor(Role::Kepala)
}

pub fn admin() -> Actor {
    actor(Role::Admin)
}

pub fn complaint(title: &str) -> ComplaintInput {
    ComplaintInput {
        received_at: None,
        channel: Channel::TatapMuka,
        kind: Kind::PengaduanTidakBerkadarPengawasan,
        topic_id: None,
        title: title.to_owned(),
        description: format!("{title}. Mohon ditindaklanjuti."),
        incident_place: Some("Loket pendaftaran".into()),
        incident_date: None,
        reporter: ReporterInput {
            name: Some("Siti Nurhaliza".into()),
            nik: Some("3201014101900003".into()),
            phone: Some("0812-3456-7890".into()),
            email: None,
            address: None,
        },
        is_secret: false,
        is_anonymous: false,
        assigned_to: None,
    }
}
