//! Synthetic, realistic Indonesian complaints for demos, tests and benchmarks.
//! Seeded: the same seed and count give the same register. Everything goes
//! through the same services a clerk uses, so demo data obeys every rule.

use chrono::{DateTime, Duration, Utc};
use posko_domain::role::Role;
use posko_domain::workflow::Action;
use posko_domain::{Channel, Kind};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::app::Posko;
use crate::error::CoreResult;
use crate::model::*;

const FIRST: &[&str] = &[
    "Siti",
    "Budi",
    "Dewi",
    "Agus",
    "Sri",
    "Rina",
    "Ahmad",
    "Nur",
    "Wahyu",
    "Fitri",
    "Andi",
    "Yuliana",
    "Hendra",
    "Ratna",
    "Made",
    "Ketut",
    "Putu",
    "Muhammad",
    "Rahmat",
    "Lestari",
    "Yohanes",
    "Maria",
    "Fransiska",
    "Daeng",
    "Ucok",
    "Teuku",
    "Cut",
    "Nyoman",
    "Asep",
    "Euis",
    "Slamet",
    "Sulastri",
    "Bambang",
    "Indah",
    "Rizky",
    "Aisyah",
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
    "Haryanto",
    "Sembiring",
    "Tanjung",
    "Pangaribuan",
    "Mandala",
    "Suryani",
    "Rusdi",
    "Lubis",
    "Hutapea",
    "Marpaung",
    "Latuconsina",
    "Manuputty",
    "Sinaga",
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
const TOPICS: &[(&str, &str, &str)] = &[
    (
        "Antrean pendaftaran terlalu panjang",
        "Saya datang pukul 07.00 dan baru dilayani pukul 11.00. Nomor antrean tidak jelas dan petugas loket hanya satu orang.",
        "Antrean dan Pendaftaran",
    ),
    (
        "Obat yang diresepkan kosong",
        "Obat hipertensi yang diresepkan dokter tidak tersedia di apotek sejak dua minggu. Kami diminta membeli di luar.",
        "Obat dan Farmasi",
    ),
    (
        "Petugas bersikap kurang ramah",
        "Petugas di loket berbicara dengan nada tinggi kepada ibu saya yang sudah lanjut usia.",
        "Sikap dan Perilaku Petugas",
    ),
    (
        "Toilet ruang tunggu kotor",
        "Toilet di ruang tunggu tidak ada air dan sangat kotor, tidak layak untuk pasien dan anak-anak.",
        "Kebersihan",
    ),
    (
        "Dokter tidak ada di jam pelayanan",
        "Jadwal poli umum pukul 08.00 tetapi dokter baru datang pukul 10.30 tanpa pemberitahuan.",
        "Kehadiran Petugas",
    ),
    (
        "Pungutan biaya surat keterangan sehat",
        "Saya diminta membayar Rp50.000 untuk surat keterangan sehat tanpa kuitansi resmi.",
        "Biaya dan Pungutan",
    ),
    (
        "Peserta BPJS ditolak",
        "Kartu BPJS saya aktif tetapi petugas mengatakan harus bayar umum karena sistem sedang gangguan.",
        "BPJS Kesehatan / JKN",
    ),
    (
        "Jadwal imunisasi tidak diumumkan",
        "Jadwal imunisasi anak di posyandu berubah tanpa pengumuman sehingga banyak ibu tidak datang.",
        "Imunisasi",
    ),
    (
        "Usul penambahan kursi ruang tunggu",
        "Kursi di ruang tunggu kurang, banyak lansia dan ibu hamil harus berdiri lama.",
        "Gedung dan Fasilitas",
    ),
    (
        "Permintaan informasi jadwal poli gigi",
        "Mohon informasi jadwal pelayanan poli gigi dan persyaratan pendaftarannya.",
        "Informasi Publik",
    ),
    (
        "Ambulans terlambat datang",
        "Kami menelepon ambulans untuk ibu yang akan melahirkan, ambulans baru datang setelah dua jam.",
        "Ambulans",
    ),
    (
        "Hasil laboratorium lama keluar",
        "Hasil pemeriksaan darah baru keluar setelah lima hari padahal dijanjikan satu hari.",
        "Laboratorium",
    ),
    (
        "Pemberian makanan tambahan balita tidak merata",
        "PMT untuk balita gizi kurang di desa kami hanya dibagikan kepada sebagian keluarga.",
        "Gizi dan Stunting",
    ),
    (
        "Rujukan dipersulit",
        "Anak saya perlu dirujuk ke rumah sakit tetapi petugas meminta datang tiga kali untuk surat rujukan.",
        "Rujukan",
    ),
    (
        "Genangan air dan sarang nyamuk",
        "Ada genangan air di belakang puskesmas yang menjadi sarang nyamuk, warga khawatir demam berdarah.",
        "Kesehatan Lingkungan",
    ),
];

pub struct DemoReport {
    pub created: u64,
    pub first_register_no: Option<String>,
    pub last_register_no: Option<String>,
}

fn nik(rng: &mut StdRng) -> String {
    let prov = ["32", "33", "35", "73", "76", "12", "51", "63"]
        .choose(rng)
        .copied()
        .unwrap_or("32");
    let female = rng.random_bool(0.5);
    let day = rng.random_range(1..=28) + if female { 40 } else { 0 };
    format!(
        "{prov}{:02}{:02}{day:02}{:02}{:02}{:04}",
        rng.random_range(1..=20),
        rng.random_range(1..=15),
        rng.random_range(1..=12),
        rng.random_range(50..=99),
        rng.random_range(1..=9999)
    )
}

fn phone(rng: &mut StdRng) -> String {
    format!(
        "08{}{:08}",
        ["11", "12", "13", "21", "52", "57", "77", "95"]
            .choose(rng)
            .copied()
            .unwrap_or("12"),
        rng.random_range(0..100_000_000u32)
    )
}

/// Generate `count` complaints received over the last `days` days before now,
/// each moved along the workflow as far as its age makes likely.
pub fn generate(
    p: &mut Posko,
    count: u64,
    seed: u64,
    days: i64,
    mut progress: impl FnMut(u64),
) -> CoreResult<DemoReport> {
    let mut rng = StdRng::seed_from_u64(seed);
    let topics = p.topics()?;
    let templates = p.templates()?;
    let now: DateTime<Utc> = p.now();
    let clerk = Actor {
        user_id: None,
        username: "demo-petugas".into(),
        display_name: "Rina Wulandari (petugas)".into(),
        role: Role::Petugas,
    };
    let head = Actor {
        user_id: None,
        username: "demo-kepala".into(),
        display_name: "dr. Hendra Saputra (kepala)".into(),
        role: Role::Kepala,
    };
    let mut report = DemoReport {
        created: 0,
        first_register_no: None,
        last_register_no: None,
    };
    // Spread receipts evenly with jitter, oldest first, so register numbers rise with time.
    let span = Duration::days(days.max(1)).num_seconds();
    for i in 0..count {
        let offset =
            span - (span as f64 * (i as f64 + rng.random::<f64>()) / count.max(1) as f64) as i64;
        let received = now - Duration::seconds(offset.max(60));
        let (title, desc, topic_name) = *TOPICS.choose(&mut rng).expect("topics are not empty");
        let topic_id = topics.iter().find(|t| t.name == topic_name).map(|t| t.id);
        let kind = if topic_name == "Informasi Publik" {
            Kind::PermintaanInformasi
        } else if title.starts_with("Usul") {
            Kind::Aspirasi
        } else if topic_name == "Biaya dan Pungutan" || rng.random_bool(0.05) {
            Kind::PengaduanBerkadarPengawasan
        } else {
            Kind::PengaduanTidakBerkadarPengawasan
        };
        let anonymous = rng.random_bool(0.12);
        let has_identity = !anonymous || rng.random_bool(0.3);
        let name = format!(
            "{} {}",
            FIRST.choose(&mut rng).copied().unwrap_or("Siti"),
            LAST.choose(&mut rng).copied().unwrap_or("Lestari")
        );
        let input = ComplaintInput {
            received_at: Some(received),
            channel: *Channel::ALL
                .choose(&mut rng)
                .expect("channels are not empty"),
            kind,
            topic_id,
            title: title.to_owned(),
            description: format!("{desc} (laporan ke-{})", i + 1),
            incident_place: Some(
                PLACES
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("Puskesmas")
                    .to_owned(),
            ),
            incident_date: Some(
                p.zone().local_date(received) - Duration::days(rng.random_range(0..4)),
            ),
            reporter: ReporterInput {
                name: has_identity.then(|| name.clone()),
                nik: (has_identity && rng.random_bool(0.6)).then(|| nik(&mut rng)),
                phone: (has_identity && rng.random_bool(0.8)).then(|| phone(&mut rng)),
                email: None,
                address: has_identity.then(|| {
                    format!(
                        "RT {:02}/RW {:02}, Desa Sukamaju",
                        rng.random_range(1..15),
                        rng.random_range(1..9)
                    )
                }),
            },
            is_secret: rng.random_bool(0.04),
            is_anonymous: anonymous,
            assigned_to: None,
        };
        let created = p.create_complaint_at(&clerk, input, received)?;
        report
            .first_register_no
            .get_or_insert_with(|| created.register_no.clone());
        report.last_register_no = Some(created.register_no.clone());
        report.created += 1;
        advance(
            p, &mut rng, &clerk, &head, created.id, received, now, &templates,
        )?;
        if i % 100 == 99 {
            progress(i + 1);
        }
    }
    progress(count);
    Ok(report)
}

/// Move a complaint along; each step happens some hours after the previous one
/// and never after `now`.
#[allow(clippy::too_many_arguments)]
fn advance(
    p: &mut Posko,
    rng: &mut StdRng,
    clerk: &Actor,
    head: &Actor,
    id: i64,
    received: DateTime<Utc>,
    now: DateTime<Utc>,
    templates: &[ReplyTemplate],
) -> CoreResult<()> {
    let age_days = (now - received).num_days();
    let mut at = received;
    let mut step = |rng: &mut StdRng| -> Option<DateTime<Utc>> {
        at += Duration::hours(rng.random_range(2..60));
        (at < now).then_some(at)
    };
    // Young complaints stay early in the flow; old ones are mostly closed.
    let roll: f64 = rng.random();
    let target = if age_days < 2 {
        0
    } else if age_days < 10 {
        (roll * 4.0) as u8
    } else {
        2 + (roll * 4.0) as u8
    };
    if target == 0 {
        return Ok(());
    }
    let t = |action, note: Option<&str>| TransitionInput {
        complaint_id: id,
        action,
        note: note.map(str::to_owned),
        assigned_to: None,
    };
    if roll < 0.04 {
        if let Some(at) = step(rng) {
            p.transition_at(
                clerk,
                &t(
                    Action::Archive,
                    Some("Laporan tidak jelas dan pelapor tidak dapat dihubungi."),
                ),
                at,
            )?;
        }
        return Ok(());
    }
    if roll > 0.97 {
        if let Some(at) = step(rng) {
            p.transition_at(
                clerk,
                &t(
                    Action::Forward,
                    Some("Bukan wewenang puskesmas; diteruskan ke RSUD."),
                ),
                at,
            )?;
        }
        return Ok(());
    }
    let Some(a) = step(rng) else { return Ok(()) };
    p.transition_at(clerk, &t(Action::Verify, None), a)?;
    if target < 2 {
        return Ok(());
    }
    let Some(a) = step(rng) else { return Ok(()) };
    p.transition_at(
        clerk,
        &TransitionInput {
            assigned_to: Some("Koordinator pelayanan".into()),
            ..t(Action::Route, None)
        },
        a,
    )?;
    if target < 3 {
        return Ok(());
    }
    let Some(a) = step(rng) else { return Ok(()) };
    let tpl = templates.choose(rng);
    let content = format!(
        "{}Kami telah berkoordinasi dengan penanggung jawab layanan dan melakukan perbaikan yang diperlukan.",
        tpl.map(|t| t.content.as_str()).unwrap_or("")
    );
    let fid = p.add_follow_up_at(
        clerk,
        &FollowUpInput {
            complaint_id: id,
            content,
            template_code: tpl.map(|t| t.code.clone()),
        },
        a,
    )?;
    if target < 4 {
        return Ok(());
    }
    let Some(a) = step(rng) else { return Ok(()) };
    p.decide_follow_up_at(
        head,
        &FollowUpDecision {
            follow_up_id: fid,
            approve: true,
            note: None,
        },
        a,
    )?;
    if target < 5 {
        return Ok(());
    }
    let Some(a) = step(rng) else { return Ok(()) };
    p.transition_at(clerk, &t(Action::Finish, None), a)?;
    Ok(())
}
