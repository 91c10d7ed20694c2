//! Reference data a new office starts with: a health-sector topic tree,
//! reply templates, the 2026 holidays and the deadline rule sets. All of it
//! is editable afterwards; this is only the sensible default.

use posko_domain::calendar::holidays_2026;
use posko_domain::deadline::default_rule_sets;
use rusqlite::{Transaction, params};

use crate::error::CoreResult;

pub const TOPICS: &[(&str, &[&str])] = &[
    (
        "Pelayanan Kesehatan",
        &[
            "Pelayanan Puskesmas",
            "Pelayanan Rumah Sakit",
            "Pelayanan Gawat Darurat",
            "Antrean dan Pendaftaran",
            "Obat dan Farmasi",
            "Laboratorium",
            "Rujukan",
        ],
    ),
    (
        "Jaminan Kesehatan",
        &["BPJS Kesehatan / JKN", "Jamkesda", "Biaya dan Pungutan"],
    ),
    (
        "Tenaga Kesehatan",
        &[
            "Sikap dan Perilaku Petugas",
            "Kehadiran Petugas",
            "Kompetensi",
        ],
    ),
    (
        "Sarana dan Prasarana",
        &[
            "Kebersihan",
            "Gedung dan Fasilitas",
            "Alat Kesehatan",
            "Ambulans",
        ],
    ),
    (
        "Kesehatan Masyarakat",
        &[
            "Imunisasi",
            "Gizi dan Stunting",
            "Kesehatan Ibu dan Anak",
            "Penyakit Menular",
            "Kesehatan Lingkungan",
        ],
    ),
    (
        "Administrasi dan Informasi",
        &["Surat Keterangan Sehat", "Informasi Publik", "Perizinan"],
    ),
    ("Lainnya", &["Lain-lain"]),
];

pub const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "terima-kasih",
        "Ucapan terima kasih dan tindak lanjut",
        "Terima kasih atas laporan Bapak/Ibu. Laporan telah kami terima dan ditindaklanjuti oleh unit terkait. Hasil tindak lanjut: ",
    ),
    (
        "klarifikasi",
        "Permintaan klarifikasi",
        "Terima kasih atas laporan Bapak/Ibu. Untuk menindaklanjuti, kami memerlukan keterangan tambahan mengenai waktu, tempat, dan petugas yang dimaksud. Mohon dapat disampaikan melalui kanal ini.",
    ),
    (
        "informasi",
        "Jawaban permintaan informasi",
        "Terima kasih atas pertanyaan Bapak/Ibu. Informasi yang diminta adalah sebagai berikut: ",
    ),
    (
        "selesai",
        "Pemberitahuan selesai",
        "Tindak lanjut atas laporan Bapak/Ibu telah selesai dilaksanakan, yaitu: . Apabila masih terdapat kendala, silakan menyampaikan kembali.",
    ),
];

pub(crate) fn seed_reference_data(tx: &Transaction<'_>, now: &str) -> CoreResult<()> {
    for (sort, (parent, children)) in TOPICS.iter().enumerate() {
        tx.execute(
            "INSERT OR IGNORE INTO topics (parent_id, name, sort) VALUES (NULL, ?1, ?2)",
            params![parent, sort as i64],
        )?;
        let pid: i64 = tx.query_row(
            "SELECT id FROM topics WHERE parent_id IS NULL AND name = ?1",
            [parent],
            |r| r.get(0),
        )?;
        for (i, child) in children.iter().enumerate() {
            tx.execute(
                "INSERT OR IGNORE INTO topics (parent_id, name, sort) VALUES (?1, ?2, ?3)",
                params![pid, child, i as i64],
            )?;
        }
    }
    for (code, title, content) in TEMPLATES {
        tx.execute(
            "INSERT OR IGNORE INTO reply_templates (code, title, content, updated_at) VALUES (?1, ?2, ?3, ?4)",
            params![code, title, content, now],
        )?;
    }
    for h in holidays_2026() {
        tx.execute(
            "INSERT OR IGNORE INTO holidays (date, name, kind, source) VALUES (?1, ?2, ?3, ?4)",
            params![h.date.to_string(), h.name, h.kind.code(), h.source],
        )?;
    }
    for set in default_rule_sets() {
        let body = serde_json::to_string(&set).expect("rule set serialises");
        tx.execute(
            "INSERT OR IGNORE INTO deadline_rule_sets (version, valid_from, body) VALUES (?1, ?2, ?3)",
            params![set.version, set.valid_from.to_string(), body],
        )?;
    }
    Ok(())
}
