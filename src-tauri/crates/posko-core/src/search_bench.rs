//! The search benchmark (`posko bench search`, docs/benchmarks.md): a large
//! register filled quickly, and the register search timed on it.
//!
//! The fill writes complaint rows and their search index with the same
//! `index_fts` as intake, many rows per transaction, and skips what search
//! does not read (deadline rows, timeline, outbox): a million full intakes
//! take hours on a small machine, a million rows this way a few minutes.
//! Texts are assembled from Indonesian sentence parts with their
//! morphological variants, so the stemmed index is exercised; statuses
//! follow age (old complaints mostly closed).

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use posko_domain::role::Role;
use posko_domain::{Channel, Kind, Status};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rusqlite::params;
use serde::Serialize;

use crate::app::{Posko, now_text};
use crate::complaints::{FtsDoc, index_fts};
use crate::error::CoreResult;
use crate::model::{Actor, ComplaintFilter, SortOrder};

const TITLES: &[&str] = &[
    "Antrean pendaftaran terlalu panjang",
    "Mengantre sejak pagi belum dilayani",
    "Antrian loket tidak tertib",
    "Obat yang diresepkan kosong",
    "Obat-obatan sering tidak tersedia",
    "Kekosongan obat hipertensi",
    "Petugas bersikap kurang ramah",
    "Pelayanan petugas loket mengecewakan",
    "Toilet ruang tunggu kotor",
    "Kebersihan kamar mandi buruk",
    "Dokter tidak ada di jam pelayanan",
    "Keterlambatan dokter poli umum",
    "Pungutan biaya surat keterangan sehat",
    "Dimintai bayaran tanpa kuitansi",
    "Peserta BPJS ditolak",
    "Kartu BPJS tidak diterima",
    "Jadwal imunisasi tidak diumumkan",
    "Usul penambahan kursi ruang tunggu",
    "Permintaan informasi jadwal poli gigi",
    "Ambulans terlambat datang",
    "Hasil laboratorium lama keluar",
    "Pemberian makanan tambahan balita tidak merata",
    "Rujukan dipersulit",
    "Genangan air dan sarang nyamuk",
    "Perawat membentak pasien",
    "Perawatan luka tidak steril",
    "Bidan desa jarang di tempat",
    "Listrik puskesmas sering padam",
    "Parkiran sempit dan tidak teratur",
    "Keberatan atas tarif pemeriksaan",
];
const SENTENCES: &[&str] = &[
    "Saya datang pukul 07.00 dan baru dilayani pukul 11.00.",
    "Nomor antrean tidak jelas dan petugas loket hanya satu orang.",
    "Kami sudah mengantre berjam-jam tanpa kepastian.",
    "Obat hipertensi yang diresepkan dokter tidak tersedia di apotek sejak dua minggu.",
    "Kami diminta membeli obat di luar dengan biaya sendiri.",
    "Petugas berbicara dengan nada tinggi kepada ibu saya yang sudah lanjut usia.",
    "Toilet tidak ada air dan sangat kotor, tidak layak untuk pasien dan anak-anak.",
    "Jadwal poli umum pukul 08.00 tetapi dokter baru datang pukul 10.30 tanpa pemberitahuan.",
    "Saya diminta membayar Rp50.000 tanpa kuitansi resmi.",
    "Kartu saya aktif tetapi petugas mengatakan harus bayar umum karena sistem sedang gangguan.",
    "Jadwal berubah tanpa pengumuman sehingga banyak ibu tidak datang.",
    "Kursi kurang, banyak lansia dan ibu hamil harus berdiri lama.",
    "Mohon informasi jadwal pelayanan dan persyaratan pendaftarannya.",
    "Ambulans baru datang setelah dua jam padahal keadaan darurat.",
    "Hasil pemeriksaan darah baru keluar setelah lima hari.",
    "Bantuan hanya dibagikan kepada sebagian keluarga.",
    "Petugas meminta datang tiga kali untuk surat rujukan.",
    "Warga khawatir demam berdarah karena genangan air.",
    "Mohon segera ditindaklanjuti oleh pimpinan.",
    "Pelayanan seperti ini sangat merugikan masyarakat.",
    "Kejadian ini sudah berulang kali dikeluhkan warga.",
    "Perawat tidak memakai sarung tangan saat merawat luka.",
    "Ruang tunggu panas karena kipas angin rusak.",
    "Pasien lansia kesulitan naik tangga ke lantai dua.",
    "Informasi di papan pengumuman sudah tidak diperbarui.",
    "Kami berharap ada perbaikan pelayanan ke depan.",
];
const PLACES: &[&str] = &[
    "Loket pendaftaran",
    "Ruang tunggu poli umum",
    "Apotek puskesmas",
    "Ruang KIA",
    "Laboratorium",
    "UGD",
    "Posyandu Melati",
    "Pustu Desa Sukamaju",
    "Parkiran puskesmas",
    "Ruang rawat inap",
    "Poli gigi",
    "Ambulans desa",
];
const FIRST: &[&str] = &[
    "Siti", "Budi", "Dewi", "Agus", "Sri", "Rina", "Ahmad", "Nur", "Wahyu", "Fitri", "Andi",
    "Yuliana", "Hendra", "Ratna", "Made", "Ketut", "Putu", "Muhammad", "Rahmat", "Lestari",
    "Yohanes", "Maria", "Daeng", "Teuku", "Cut", "Asep", "Euis", "Slamet", "Bambang", "Indah",
];
const LAST: &[&str] = &[
    "Nurhaliza",
    "Santoso",
    "Lestari",
    "Wijaya",
    "Rahayu",
    "Hidayat",
    "Saputra",
    "Kurniawan",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Pratama",
    "Wulandari",
    "Setiawan",
    "Gunawan",
    "Sembiring",
    "Tanjung",
    "Pangaribuan",
    "Lubis",
    "Hutapea",
    "Latuconsina",
    "Manuputty",
];

/// What a fill did.
#[derive(Debug, Clone, Serialize)]
pub struct FillReport {
    pub added: u64,
    pub seconds: f64,
    /// Time inside `index_fts` (word, trigram and vocabulary indexes) per
    /// complaint, microseconds.
    pub index_us_per_complaint: f64,
}

/// Add `count` complaints received over the last `days` days (oldest first,
/// so ids grow with time as with real intake), `batch` per transaction.
pub fn fill(
    p: &mut Posko,
    count: u64,
    seed: u64,
    days: i64,
    mut progress: impl FnMut(u64),
) -> CoreResult<FillReport> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let unit_id = p.home_unit()?;
    let prefix = p.office()?.register_prefix.clone();
    let zone = p.zone();
    let now: DateTime<Utc> = p.now();
    let span = Duration::days(days.max(1)).num_seconds();
    let open = [
        Status::Received,
        Status::Verified,
        Status::Routed,
        Status::InFollowUp,
        Status::WaitingReporter,
        Status::Postponed,
    ];
    let closed = [
        Status::Finished,
        Status::Finished,
        Status::Finished,
        Status::Forwarded,
        Status::Archived,
    ];
    let mut index_time = std::time::Duration::ZERO;
    let mut done = 0u64;
    const BATCH: u64 = 5000;
    while done < count {
        let n = BATCH.min(count - done);
        let tx = p.db.conn.transaction()?;
        for k in 0..n {
            let i = done + k;
            let offset = span
                - (span as f64 * (i as f64 + rng.random::<f64>()) / count.max(1) as f64) as i64;
            let received = now - Duration::seconds(offset.max(60));
            let date = zone.local_date(received);
            let year = chrono::Datelike::year(&date);
            let seq: i64 = tx.query_row(
                "INSERT INTO register_counters (unit_id, year, last) VALUES (?1, ?2, 1)
                 ON CONFLICT (unit_id, year) DO UPDATE SET last = last + 1 RETURNING last",
                params![unit_id, year],
                |r| r.get(0),
            )?;
            let register_no = format!("{prefix}/{year}/{seq:04}");
            let title = *TITLES.choose(&mut rng).expect("titles");
            let mut description = String::new();
            for _ in 0..rng.random_range(2..=4) {
                description.push_str(SENTENCES.choose(&mut rng).expect("sentences"));
                description.push(' ');
            }
            description.push_str(&format!("(laporan ke-{})", i + 1));
            let place = *PLACES.choose(&mut rng).expect("places");
            let anonymous = rng.random_bool(0.12);
            let name = format!(
                "{} {}",
                FIRST.choose(&mut rng).expect("first"),
                LAST.choose(&mut rng).expect("last")
            );
            let phone = rng.random_bool(0.8).then(|| {
                format!(
                    "+628{}{:08}",
                    ["11", "12", "13", "21", "52", "57", "77", "95"]
                        .choose(&mut rng)
                        .expect("operators"),
                    rng.random_range(0..100_000_000u32)
                )
            });
            let nik = rng.random_bool(0.5).then(|| {
                format!(
                    "32{:02}{:02}{:02}{:02}{:02}{:04}",
                    rng.random_range(1..=20),
                    rng.random_range(1..=15),
                    rng.random_range(1..=28),
                    rng.random_range(1..=12),
                    rng.random_range(50..=99),
                    rng.random_range(1..=9999)
                )
            });
            let age = (now - received).num_days();
            let status = if age < 10 || rng.random_bool(0.12) {
                *open.choose(&mut rng).expect("open")
            } else {
                *closed.choose(&mut rng).expect("closed")
            };
            let next_due = status
                .is_open()
                .then(|| (date + Duration::days(rng.random_range(3..40))).to_string());
            let kind = *[
                Kind::PengaduanTidakBerkadarPengawasan,
                Kind::PengaduanTidakBerkadarPengawasan,
                Kind::PengaduanBerkadarPengawasan,
                Kind::Aspirasi,
                Kind::PermintaanInformasi,
            ]
            .choose(&mut rng)
            .expect("kinds");
            let channel = *Channel::ALL.choose(&mut rng).expect("channels");
            let secret = rng.random_bool(0.04);
            let at = now_text(received);
            tx.execute(
                "INSERT INTO complaints (uid, unit_id, register_no, register_year, register_seq, received_at, received_date,
                    channel, kind, title, description, incident_place, reporter_name, reporter_nik, reporter_phone,
                    is_secret, is_anonymous, status, is_open, next_due, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?6, ?6)",
                params![
                    uuid::Uuid::new_v4().to_string(),
                    unit_id,
                    register_no,
                    year,
                    seq,
                    at,
                    date.to_string(),
                    channel.code(),
                    kind.code(),
                    title,
                    description,
                    place,
                    name,
                    nik,
                    phone,
                    secret,
                    anonymous,
                    status.code(),
                    status.is_open(),
                    next_due,
                ],
            )?;
            let id = tx.last_insert_rowid();
            let t = Instant::now();
            index_fts(
                &tx,
                id,
                &FtsDoc {
                    register_no: &register_no,
                    title,
                    description: &description,
                    place: Some(place),
                    name: Some(&name),
                    nik: nik.as_deref(),
                    phone: phone.as_deref(),
                    tracking_id: None,
                },
            )?;
            index_time += t.elapsed();
        }
        tx.commit()?;
        done += n;
        progress(done);
    }
    Ok(FillReport {
        added: count,
        seconds: started.elapsed().as_secs_f64(),
        index_us_per_complaint: index_time.as_secs_f64() * 1e6 / count.max(1) as f64,
    })
}

/// Timings of one query, milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct QueryTiming {
    pub query: String,
    pub total: u64,
    pub more: bool,
    pub did_you_mean: Option<String>,
    pub ms_median: f64,
    pub ms_max: f64,
    /// A `LIKE '%…%'` scan of title and description for the same text
    /// (the baseline of the performance issue), once; None when not run.
    pub like_ms: Option<f64>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct SearchBench {
    pub complaints: u64,
    pub runs: u32,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub queries: Vec<QueryTiming>,
    /// One full intake through the core (validation, register number,
    /// deadlines, outbox, timeline, audit, search index), median of a sample.
    pub intake_ms_median: f64,
}

/// The queries a clerk types, from the filled register's own words, names
/// and numbers (a typo, a phrase, a partial name, a phone fragment, a
/// register number).
pub fn queries(p: &Posko) -> CoreResult<Vec<String>> {
    let conn = p.connection();
    let (reg, phone): (String, Option<String>) = conn.query_row(
        "SELECT register_no, reporter_phone FROM complaints
         WHERE reporter_phone IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET 777",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let phone_part = phone
        .map(|p| {
            let local = format!("0{}", &p[3..]);
            format!("{} {}", &local[..4], &local[4..8])
        })
        .unwrap_or_else(|| "0812 3456".into());
    let reg_tail = reg.rsplit('/').next().unwrap_or("0001").to_owned();
    let year = reg.split('/').nth(1).unwrap_or("2026").to_owned();
    Ok(vec![
        "antri".into(),
        "antrian panjang".into(),
        "obat kosong".into(),
        "layanan".into(),
        "dilayani".into(),
        "puskemas".into(),
        "pungutan biaya".into(),
        "\"surat keterangan sehat\"".into(),
        "Siti Nur".into(),
        "urhaliza".into(),
        phone_part,
        format!("{year}/{reg_tail}"),
        "ambulans terlambat".into(),
        "perawat".into(),
        "toilet kotor".into(),
        "imunisasi".into(),
        "BPJS ditolak".into(),
        "rujukan".into(),
        "keberatan tarif".into(),
        "listrik padam".into(),
    ])
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], pct: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * pct / 100.0).round() as usize;
    v[i]
}

/// Time each query `runs` times as a clerk (first page of 200, best match
/// first, as the register asks), plus a LIKE scan when `like` is set and a
/// sample of full intakes.
pub fn run(p: &mut Posko, runs: u32, like: bool, intakes: u32) -> CoreResult<SearchBench> {
    let clerk = Actor {
        user_id: None,
        username: "bench".into(),
        display_name: "Bench".into(),
        role: Role::Petugas,
    };
    let complaints: i64 = p
        .connection()
        .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))?;
    let mut all = Vec::new();
    let mut out = Vec::new();
    // Warm the page cache once, as a register that has been open a while.
    for q in queries(p)? {
        let f = ComplaintFilter {
            text: Some(q),
            sort: SortOrder::Relevance,
            limit: 200,
            ..Default::default()
        };
        p.list_complaints(&clerk, &f)?;
    }
    for q in queries(p)? {
        let f = ComplaintFilter {
            text: Some(q.clone()),
            sort: SortOrder::Relevance,
            limit: 200,
            ..Default::default()
        };
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let page = p.list_complaints(&clerk, &f)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            last = Some(page);
        }
        all.extend(times.iter().copied());
        let page = last.expect("at least one run");
        let like_ms = if like {
            let pattern = format!(
                "%{}%",
                q.trim_matches('"').split_whitespace().next().unwrap_or("")
            );
            let t = Instant::now();
            let _n: i64 = p.connection().query_row(
                "SELECT count(*) FROM complaints WHERE title LIKE ?1 OR description LIKE ?1",
                [pattern],
                |r| r.get(0),
            )?;
            Some(t.elapsed().as_secs_f64() * 1000.0)
        } else {
            None
        };
        let ms_max = times.iter().copied().fold(0.0, f64::max);
        out.push(QueryTiming {
            query: q,
            total: page.total,
            more: page.more,
            did_you_mean: page.did_you_mean,
            ms_median: median(&mut times),
            ms_max,
            like_ms,
        });
    }
    let mut intake = Vec::new();
    for i in 0..intakes {
        let input = crate::model::ComplaintInput {
            received_at: None,
            channel: Channel::TatapMuka,
            kind: Kind::PengaduanTidakBerkadarPengawasan,
            topic_id: None,
            title: TITLES[i as usize % TITLES.len()].into(),
            description: format!(
                "{} (uji masukan {i})",
                SENTENCES[i as usize % SENTENCES.len()]
            ),
            incident_place: Some(PLACES[i as usize % PLACES.len()].into()),
            incident_date: None,
            reporter: Default::default(),
            is_secret: false,
            is_anonymous: false,
            assigned_to: None,
        };
        let t = Instant::now();
        p.create_complaint(&clerk, input)?;
        intake.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let max_ms = all.iter().copied().fold(0.0, f64::max);
    Ok(SearchBench {
        complaints: complaints as u64,
        runs,
        p50_ms: percentile(&mut all, 50.0),
        p95_ms: percentile(&mut all, 95.0),
        max_ms,
        queries: out,
        intake_ms_median: if intake.is_empty() {
            0.0
        } else {
            median(&mut intake)
        },
    })
}
