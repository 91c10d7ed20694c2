//! The simulator's own SQLite file (plain SQLite: no key is ever set).
//!
//! State survives a restart on the same file. Ids start at realistic values
//! (complaints 700001, documents 9001, follow-ups 50001) so they cannot be
//! confused with each other or with local ids in tests, and are never reused,
//! even after a reset, so a client holding an old id can never hit a new record.

use std::path::Path;

use chrono::{DateTime, Utc};
use lapor_wire::status::{self, KnownStatus};
use lapor_wire::{
    AttachmentRef, ComplaintDetail, ComplaintSummary, CreateComplaintRequest, DataLog, FollowUp,
    Institution, InstitutionRef, LaporDateTime, LaporId, StatusLog, Template, tags_contain,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// Seeded routing targets: plausible Indonesian health-sector institutions.
pub const SEED_INSTITUTIONS: [(u64, &str); 16] = [
    (101, "Dinas Kesehatan Kabupaten Bogor"),
    (102, "RSUD Cibinong"),
    (103, "Puskesmas Cibinong"),
    (104, "Puskesmas Citeureup"),
    (105, "Dinas Kesehatan Kota Bandung"),
    (106, "RSUD Kota Bandung"),
    (107, "Puskesmas Garuda"),
    (108, "Dinas Kesehatan Provinsi Jawa Barat"),
    (109, "Dinas Kesehatan Kabupaten Sleman"),
    (110, "RSUD Sleman"),
    (111, "Puskesmas Depok I"),
    (112, "Dinas Sosial Kabupaten Bogor"),
    (113, "BPJS Kesehatan Kantor Cabang Bogor"),
    (114, "Kementerian Kesehatan"),
    (115, "Badan Pengawas Obat dan Makanan"),
    (116, "Inspektorat Kabupaten Bogor"),
];

/// Seeded reply templates: (code, title, type, content).
pub const SEED_TEMPLATES: [(&str, &str, &str, &str); 4] = [
    (
        "TL-01",
        "Laporan sedang ditindaklanjuti",
        "tindak_lanjut",
        "Terima kasih atas laporan Anda. Laporan telah kami terima dan sedang ditindaklanjuti oleh unit terkait.",
    ),
    (
        "TL-02",
        "Tindak lanjut selesai",
        "tindak_lanjut",
        "Terima kasih atas laporan Anda. Permasalahan telah ditindaklanjuti dan diselesaikan. Mohon konfirmasi apabila masih ada kendala.",
    ),
    (
        "TL-03",
        "Permintaan informasi tambahan",
        "konfirmasi",
        "Mohon kesediaan Saudara melengkapi informasi berikut agar laporan dapat ditindaklanjuti: waktu kejadian, lokasi, dan nama layanan.",
    ),
    (
        "TL-04",
        "Bukan wewenang",
        "bukan_wewenang",
        "Laporan Saudara bukan merupakan kewenangan kami dan telah diteruskan kepada instansi yang berwenang.",
    ),
];

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS institutions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS templates (
    template_code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL,
    content_type TEXT,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS complaints (
    complaint_id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracking_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    title TEXT NOT NULL,
    status_code TEXT NOT NULL,
    status_name TEXT NOT NULL,
    tags_raw TEXT NOT NULL DEFAULT '',
    disposition_id INTEGER,
    is_anonymous INTEGER NOT NULL,
    is_secret INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS complaints_tags ON complaints(tags_raw);
CREATE TABLE IF NOT EXISTS status_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES complaints(complaint_id),
    status_code TEXT NOT NULL,
    status_name TEXT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS status_logs_c ON status_logs(complaint_id);
CREATE TABLE IF NOT EXISTS data_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES complaints(complaint_id),
    action TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS data_logs_c ON data_logs(complaint_id);
CREATE TABLE IF NOT EXISTS followups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES complaints(complaint_id),
    sender TEXT NOT NULL,
    institution_from_id INTEGER,
    institution_to_id INTEGER,
    content TEXT NOT NULL,
    template_code TEXT,
    rating INTEGER,
    is_secret INTEGER NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS followups_c ON followups(complaint_id, id);
"#;

/// Admin view of one stored complaint (what tests count and inspect).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimComplaint {
    pub complaint_id: u64,
    pub tracking_id: String,
    pub title: String,
    pub status_code: String,
    pub status_name: String,
    pub tags_raw: String,
    pub disposition_id: Option<u64>,
    pub is_anonymous: bool,
    pub is_secret: bool,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub followups: u64,
    /// The create request exactly as received.
    pub payload: serde_json::Value,
}

/// A new follow-up row.
pub struct NewFollowUp<'a> {
    pub sender: &'a str,
    pub from: Option<u64>,
    pub to: Option<u64>,
    pub content: &'a str,
    pub template_code: Option<&'a str>,
    pub rating: Option<u32>,
    pub is_secret: bool,
    pub attachments: &'a [u64],
}

pub struct Store {
    conn: Connection,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn wire_time(s: &str) -> Option<LaporDateTime> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| LaporDateTime::from_utc(t.with_timezone(&Utc)))
}

/// 7-digit public tracking id from the complaint id: a bijection on
/// 0..9,000,000 (7919 is prime and shares no factor with 9,000,000), so ids
/// look random but never collide.
pub fn tracking_id_for(complaint_id: u64) -> String {
    format!(
        "{:07}",
        1_000_000 + (complaint_id.wrapping_mul(7919) % 9_000_000)
    )
}

impl Store {
    /// Open (creating if needed) the file, or an in-memory store for `None`.
    pub fn open(path: Option<&Path>) -> Result<Store, SimError> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        // WAL keeps a 10 000-report benchmark from being I/O bound; the file
        // is the simulator's own, so NORMAL durability is enough.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        let s = Store { conn };
        s.seed()?;
        Ok(s)
    }

    fn seed(&self) -> Result<(), SimError> {
        let tx = self.conn.unchecked_transaction()?;
        for (id, name) in SEED_INSTITUTIONS {
            tx.execute(
                "INSERT OR IGNORE INTO institutions(id, name) VALUES (?1, ?2)",
                params![id as i64, name],
            )?;
        }
        for (code, title, kind, content) in SEED_TEMPLATES {
            tx.execute(
                "INSERT OR IGNORE INTO templates(template_code, title, type, content) VALUES (?1, ?2, ?3, ?4)",
                params![code, title, kind, content],
            )?;
        }
        for (table, start) in [
            ("complaints", 700_000),
            ("files", 9_000),
            ("followups", 50_000),
        ] {
            tx.execute(
                "INSERT INTO sqlite_sequence(name, seq) SELECT ?1, ?2
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)",
                params![table, start],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Delete every complaint, log, follow-up and file; keep the seeds and the
    /// id sequences.
    pub fn reset(&self) -> Result<(), SimError> {
        self.conn.execute_batch(
            "BEGIN;
             DELETE FROM followups; DELETE FROM status_logs; DELETE FROM data_logs;
             DELETE FROM complaints; DELETE FROM files;
             COMMIT;",
        )?;
        self.seed()
    }

    pub fn institutions(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<Institution>, u32), SimError> {
        let total: u32 = self
            .conn
            .query_row("SELECT COUNT(*) FROM institutions", [], |r| r.get(0))?;
        let mut st = self
            .conn
            .prepare("SELECT id, name FROM institutions ORDER BY id LIMIT ?1 OFFSET ?2")?;
        let offset = u64::from(page.saturating_sub(1)) * u64::from(per_page);
        let rows = st
            .query_map(params![per_page, offset as i64], |r| {
                Ok(Institution {
                    id: LaporId::from_u64(r.get::<_, i64>(0)? as u64),
                    name: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, total))
    }

    pub fn institution_name(&self, id: u64) -> Result<Option<String>, SimError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM institutions WHERE id = ?1",
                [id as i64],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn templates(&self) -> Result<Vec<Template>, SimError> {
        let mut st = self.conn.prepare(
            "SELECT template_code, title, type, content FROM templates ORDER BY template_code",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(Template {
                    template_code: r.get(0)?,
                    title: Some(r.get(1)?),
                    kind: Some(r.get(2)?),
                    content: Some(r.get(3)?),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn template_exists(&self, code: &str) -> Result<bool, SimError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM templates WHERE template_code = ?1",
                [code],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Store one uploaded file; returns its document id.
    pub fn store_file(
        &self,
        file_name: &str,
        content_type: Option<&str>,
        data: &[u8],
        now: DateTime<Utc>,
    ) -> Result<u64, SimError> {
        self.conn.execute(
            "INSERT INTO files(file_name, content_type, size, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![file_name, content_type, data.len() as i64, data, ts(now)],
        )?;
        Ok(self.conn.last_insert_rowid() as u64)
    }

    /// The ids among `ids` that are not stored documents.
    pub fn missing_files(&self, ids: &[u64]) -> Result<Vec<u64>, SimError> {
        let mut st = self.conn.prepare("SELECT 1 FROM files WHERE id = ?1")?;
        let mut missing = Vec::new();
        for id in ids {
            if st.query_row([*id as i64], |_| Ok(())).optional()?.is_none() {
                missing.push(*id);
            }
        }
        Ok(missing)
    }

    fn file_refs(&self, ids: &[u64]) -> Result<Vec<AttachmentRef>, SimError> {
        let mut st = self
            .conn
            .prepare("SELECT file_name FROM files WHERE id = ?1")?;
        let mut out = Vec::new();
        for id in ids {
            let name: Option<String> = st.query_row([*id as i64], |r| r.get(0)).optional()?;
            out.push(AttachmentRef {
                id: Some(LaporId::from_u64(*id)),
                file_name: name,
                url: Some(format!("/files/{id}")),
            });
        }
        Ok(out)
    }

    /// Insert a complaint as Belum Terverifikasi; returns (complaint_id, tracking_id).
    pub fn create_complaint(
        &self,
        req: &CreateComplaintRequest,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(u64, String), SimError> {
        let tx = self.conn.unchecked_transaction()?;
        let first = status::BELUM_TERVERIFIKASI;
        // The tracking id needs the row id; insert a unique placeholder first.
        let placeholder = format!("pending-{}", now.timestamp_nanos_opt().unwrap_or_default());
        tx.execute(
            "INSERT INTO complaints(tracking_id, payload, title, status_code, status_name, tags_raw,
                disposition_id, is_anonymous, is_secret, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            params![
                placeholder,
                payload.to_string(),
                req.title,
                first.code,
                first.name,
                req.tags_raw,
                req.disposition_id.as_ref().and_then(LaporId::as_u64).map(|v| v as i64),
                req.is_anonymous,
                req.is_secret,
                ts(now)
            ],
        )?;
        let id = tx.last_insert_rowid() as u64;
        let tracking = tracking_id_for(id);
        tx.execute(
            "UPDATE complaints SET tracking_id = ?1 WHERE complaint_id = ?2",
            params![tracking, id as i64],
        )?;
        tx.execute(
            "INSERT INTO status_logs(complaint_id, status_code, status_name, note, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id as i64,
                first.code,
                first.name,
                "Laporan diterima",
                ts(now)
            ],
        )?;
        tx.execute(
            "INSERT INTO data_logs(complaint_id, action, description, created_at) VALUES (?1, 'create', ?2, ?3)",
            params![id as i64, "Laporan dibuat melalui API", ts(now)],
        )?;
        tx.commit()?;
        Ok((id, tracking))
    }

    pub fn exists(&self, id: u64) -> Result<bool, SimError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM complaints WHERE complaint_id = ?1",
                [id as i64],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Change the status, with a status log and a data log.
    pub fn set_status(
        &self,
        id: u64,
        code: &str,
        name: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, SimError> {
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE complaints SET status_code = ?1, status_name = ?2, updated_at = ?3 WHERE complaint_id = ?4",
            params![code, name, ts(now), id as i64],
        )?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO status_logs(complaint_id, status_code, status_name, note, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id as i64, code, name, note, ts(now)],
        )?;
        tx.execute(
            "INSERT INTO data_logs(complaint_id, action, description, created_at) VALUES (?1, 'status', ?2, ?3)",
            params![id as i64, format!("Status menjadi {name}"), ts(now)],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn set_known_status(
        &self,
        id: u64,
        s: KnownStatus,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, SimError> {
        self.set_status(id, s.code, s.name, note, now)
    }

    /// Route the complaint to an institution (disposition), with a data log.
    pub fn set_disposition(
        &self,
        id: u64,
        institution: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, SimError> {
        let name = self.institution_name(institution)?.unwrap_or_default();
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE complaints SET disposition_id = ?1, updated_at = ?2 WHERE complaint_id = ?3",
            params![institution as i64, ts(now), id as i64],
        )?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO data_logs(complaint_id, action, description, created_at) VALUES (?1, 'disposition', ?2, ?3)",
            params![id as i64, format!("Didisposisikan ke {name}"), ts(now)],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn add_followup(
        &self,
        id: u64,
        f: &NewFollowUp<'_>,
        now: DateTime<Utc>,
    ) -> Result<u64, SimError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO followups(complaint_id, sender, institution_from_id, institution_to_id, content,
                template_code, rating, is_secret, attachments, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id as i64,
                f.sender,
                f.from.map(|v| v as i64),
                f.to.map(|v| v as i64),
                f.content,
                f.template_code,
                f.rating,
                f.is_secret,
                serde_json::to_string(f.attachments).unwrap_or_else(|_| "[]".into()),
                ts(now)
            ],
        )?;
        let fid = tx.last_insert_rowid() as u64;
        tx.execute(
            "INSERT INTO data_logs(complaint_id, action, description, created_at) VALUES (?1, 'followup', ?2, ?3)",
            params![id as i64, format!("Tindak lanjut ditambahkan oleh {}", f.sender), ts(now)],
        )?;
        tx.execute(
            "UPDATE complaints SET updated_at = ?1 WHERE complaint_id = ?2",
            params![ts(now), id as i64],
        )?;
        tx.commit()?;
        Ok(fid)
    }

    fn inst_ref(&self, id: Option<i64>) -> Result<Option<InstitutionRef>, SimError> {
        match id {
            None => Ok(None),
            Some(i) => Ok(Some(InstitutionRef {
                id: Some(LaporId::from_u64(i as u64)),
                name: self.institution_name(i as u64)?,
            })),
        }
    }

    pub fn detail(&self, id: u64) -> Result<Option<ComplaintDetail>, SimError> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            Option<i64>,
            bool,
            bool,
            String,
            String,
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT tracking_id, title, status_code, status_name, tags_raw, disposition_id,
                        is_anonymous, is_secret, created_at, updated_at
                 FROM complaints WHERE complaint_id = ?1",
                [id as i64],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                },
            )
            .optional()?;
        let Some((tracking, title, code, name, tags, disp, anon, secret, created, updated)) = row
        else {
            return Ok(None);
        };
        let mut st = self.conn.prepare(
            "SELECT status_code, status_name, note, created_at FROM status_logs WHERE complaint_id = ?1 ORDER BY id",
        )?;
        let status_logs = st
            .query_map([id as i64], |r| {
                let c: String = r.get(0)?;
                let t: String = r.get(3)?;
                Ok(StatusLog {
                    status_code: LaporId::new(&c).ok(),
                    status_name: Some(r.get(1)?),
                    note: r.get(2)?,
                    created_at: wire_time(&t),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut st = self.conn.prepare(
            "SELECT action, description, created_at FROM data_logs WHERE complaint_id = ?1 ORDER BY id",
        )?;
        let data_logs = st
            .query_map([id as i64], |r| {
                let t: String = r.get(2)?;
                Ok(DataLog {
                    action: Some(r.get(0)?),
                    description: Some(r.get(1)?),
                    created_at: wire_time(&t),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ComplaintDetail {
            complaint_id: LaporId::from_u64(id),
            tracking_id: Some(tracking),
            title: Some(title),
            status_code: LaporId::new(&code).map_err(|e| SimError::Db {
                detail: e.to_string(),
            })?,
            status_name: name,
            disposition: self.inst_ref(disp)?,
            is_anonymous: Some(anon),
            is_secret: Some(secret),
            tags_raw: Some(tags),
            created_at: wire_time(&created),
            updated_at: wire_time(&updated),
            status_logs,
            data_logs,
        }))
    }

    /// One page of follow-ups in creation order, and the total count.
    pub fn followups(
        &self,
        id: u64,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<FollowUp>, u32), SimError> {
        let total: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM followups WHERE complaint_id = ?1",
            [id as i64],
            |r| r.get(0),
        )?;
        type Row = (
            i64,
            String,
            Option<i64>,
            Option<i64>,
            String,
            Option<String>,
            Option<u32>,
            bool,
            String,
            String,
        );
        let mut st = self.conn.prepare(
            "SELECT id, sender, institution_from_id, institution_to_id, content, template_code, rating,
                    is_secret, attachments, created_at
             FROM followups WHERE complaint_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
        )?;
        let offset = u64::from(page.saturating_sub(1)) * u64::from(per_page);
        let rows: Vec<Row> = st
            .query_map(params![id as i64, per_page, offset as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (fid, sender, from, to, content, template, rating, secret, atts, created) in rows {
            let ids: Vec<u64> = serde_json::from_str(&atts).unwrap_or_default();
            out.push(FollowUp {
                id: LaporId::from_u64(fid as u64),
                institution_from: self.inst_ref(from)?,
                institution_to: self.inst_ref(to)?,
                sender: Some(sender),
                content,
                template_code: template,
                rating,
                is_secret: Some(secret),
                attachments: self.file_refs(&ids)?,
                created_at: wire_time(&created).unwrap_or(LaporDateTime::from_utc(Utc::now())),
            });
        }
        Ok((out, total))
    }

    fn rows(&self, tag: Option<&str>, id: Option<u64>) -> Result<Vec<SimComplaint>, SimError> {
        let mut st = self.conn.prepare(
            "SELECT c.complaint_id, c.tracking_id, c.title, c.status_code, c.status_name, c.tags_raw,
                    c.disposition_id, c.is_anonymous, c.is_secret, c.created_at, c.payload,
                    (SELECT COUNT(*) FROM followups f WHERE f.complaint_id = c.complaint_id)
             FROM complaints c
             WHERE (?1 IS NULL OR instr(c.tags_raw, ?1) > 0)
               AND (?2 IS NULL OR c.complaint_id = ?2)
             ORDER BY c.complaint_id",
        )?;
        let rows = st
            .query_map(params![tag, id.map(|v| v as i64)], |r| {
                let payload: String = r.get(10)?;
                Ok(SimComplaint {
                    complaint_id: r.get::<_, i64>(0)? as u64,
                    tracking_id: r.get(1)?,
                    title: r.get(2)?,
                    status_code: r.get(3)?,
                    status_name: r.get(4)?,
                    tags_raw: r.get(5)?,
                    disposition_id: r.get::<_, Option<i64>>(6)?.map(|v| v as u64),
                    is_anonymous: r.get(7)?,
                    is_secret: r.get(8)?,
                    created_at: r.get(9)?,
                    payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                    followups: r.get::<_, i64>(11)? as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        // `instr` is only a prefilter; the tag must match a whole tag.
        Ok(match tag {
            Some(t) => rows
                .into_iter()
                .filter(|c| tags_contain(&c.tags_raw, t))
                .collect(),
            None => rows,
        })
    }

    /// Every complaint (admin view), optionally only those carrying `tag`.
    pub fn list(&self, tag: Option<&str>) -> Result<Vec<SimComplaint>, SimError> {
        self.rows(tag, None)
    }

    pub fn get(&self, id: u64) -> Result<Option<SimComplaint>, SimError> {
        Ok(self.rows(None, Some(id))?.into_iter().next())
    }

    /// The assumed search endpoint: complaints whose tags include `tag`.
    pub fn search(&self, tag: &str) -> Result<Vec<ComplaintSummary>, SimError> {
        Ok(self
            .rows(Some(tag), None)?
            .into_iter()
            .map(|c| ComplaintSummary {
                complaint_id: LaporId::from_u64(c.complaint_id),
                tracking_id: Some(c.tracking_id),
                tags_raw: Some(c.tags_raw),
                status_code: LaporId::new(&c.status_code).ok(),
                status_name: Some(c.status_name),
                created_at: wire_time(&c.created_at),
            })
            .collect())
    }

    /// (complaints, follow-ups, files).
    pub fn counts(&self) -> Result<(u64, u64, u64), SimError> {
        let n = |sql: &str| -> Result<u64, SimError> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok((
            n("SELECT COUNT(*) FROM complaints")?,
            n("SELECT COUNT(*) FROM followups")?,
            n("SELECT COUNT(*) FROM files")?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_ids_are_seven_digits_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for id in 700_001..720_001u64 {
            let t = tracking_id_for(id);
            assert_eq!(t.len(), 7);
            assert!(seen.insert(t));
        }
    }
}
