//! Search that understands Indonesian (issue 9), on a hand-made register of
//! 56 complaints: each query lists the complaints it must return (recall must
//! be complete) and the run prints precision and recall per query and over
//! all. Then privacy: identities and rahasia reports are not findable —
//! not even through a typo suggestion — by roles that may not see them.

use std::collections::BTreeSet;

use posko_core::model::{
    ComplaintFilter, ComplaintInput, DuplicateReason, ReporterInput, SortOrder,
};
use posko_core::sync::operator::ManualSendInput;
use posko_domain::role::Role;

use crate::support::*;

/// key, title, description, reporter name, phone, rahasia
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    bool,
);

const CORPUS: &[Row] = &[
    (
        "A1",
        "Antrian panjang di loket pendaftaran",
        "Saya antri dari jam tujuh pagi.",
        Some("Siti Nurhaliza"),
        Some("0812-3456-7890"),
        false,
    ),
    (
        "A2",
        "Mengantre sejak pagi belum dilayani",
        "Petugas loket hanya satu orang.",
        Some("Budi Santoso"),
        Some("+62 813 1111 2222"),
        false,
    ),
    (
        "A3",
        "Antrean obat di apotek lama",
        "Menunggu obat lebih dari dua jam.",
        Some("Dewi Lestari"),
        Some("0857 2222 3333"),
        false,
    ),
    (
        "A4",
        "Nomor antrean tidak jelas",
        "Pasien bingung urutan dipanggil.",
        None,
        None,
        false,
    ),
    (
        "L1",
        "Pelayanan poli umum lambat",
        "Dokter datang terlambat setiap Senin.",
        Some("Agus Wijaya"),
        Some("081122223333"),
        false,
    ),
    (
        "L2",
        "Tidak dilayani dengan ramah",
        "Petugas membentak pasien lansia.",
        Some("Rina Rahayu"),
        None,
        false,
    ),
    (
        "L3",
        "Layanan ambulans desa",
        "Ambulans tidak datang saat dibutuhkan.",
        Some("Ahmad Hidayat"),
        None,
        false,
    ),
    (
        "L4",
        "Pelayan kantin kurang sopan",
        "Kantin puskesmas mahal dan kotor.",
        None,
        None,
        false,
    ),
    (
        "O1",
        "Obat-obatan sering kosong",
        "Apotek kehabisan stok.",
        None,
        None,
        false,
    ),
    (
        "O2",
        "Obat hipertensi tidak tersedia",
        "Amlodipin kosong dua minggu.",
        None,
        None,
        false,
    ),
    (
        "O3",
        "Pengobatan gigi mahal",
        "Biaya berobat gigi naik.",
        None,
        None,
        false,
    ),
    (
        "O4",
        "Resep dokter tidak ditebus",
        "Apotek menolak resep dari klinik swasta.",
        None,
        None,
        false,
    ),
    (
        "P1",
        "Perawatan luka tidak steril",
        "Perawat tidak memakai sarung tangan.",
        None,
        None,
        false,
    ),
    (
        "P2",
        "Perawat bersikap kasar",
        "Membentak ibu hamil di ruang KIA.",
        None,
        None,
        false,
    ),
    (
        "P3",
        "Ruang rawat inap penuh",
        "Pasien dirawat di lorong.",
        None,
        None,
        false,
    ),
    (
        "P4",
        "Ruang perawatan bayi panas",
        "Kipas angin rusak.",
        None,
        None,
        false,
    ),
    (
        "K1",
        "Keberatan atas biaya pemeriksaan",
        "Pemeriksaan darah dikenakan biaya.",
        None,
        None,
        false,
    ),
    (
        "K2",
        "Pemeriksaan laboratorium lama",
        "Sampel diperiksakan ke kota.",
        None,
        None,
        false,
    ),
    (
        "K3",
        "Dokter tidak memeriksa pasien",
        "Hanya bertanya lalu memberi resep.",
        None,
        None,
        false,
    ),
    (
        "S1",
        "Penyakit demam berdarah di desa",
        "Banyak warga jatuh sakit setelah banjir.",
        None,
        None,
        false,
    ),
    (
        "S2",
        "Pasien sakit tidak dirujuk",
        "Rujukan dipersulit petugas.",
        None,
        None,
        false,
    ),
    (
        "S3",
        "Anak kesakitan menunggu dokter",
        "Tidak ada dokter jaga.",
        None,
        None,
        false,
    ),
    (
        "T1",
        "Petugas tidak ada di tempat",
        "Tugas jaga kosong malam hari.",
        None,
        None,
        false,
    ),
    (
        "T2",
        "Petugas kebersihan menyapu sembarangan",
        "Sampah disapu ke selokan.",
        None,
        None,
        false,
    ),
    (
        "T3",
        "Sapu dan alat kebersihan tidak ada",
        "Toilet jarang dibersihkan.",
        None,
        None,
        false,
    ),
    (
        "M1",
        "Kader memukul balita",
        "Pemukulan terjadi saat penimbangan.",
        None,
        None,
        false,
    ),
    (
        "M2",
        "Pukul delapan belum buka",
        "Jam buka tidak ditepati.",
        None,
        None,
        false,
    ),
    (
        "PK1",
        "Puskesmas tutup hari Sabtu",
        "Puskesmas Sendana tidak buka.",
        None,
        None,
        false,
    ),
    (
        "PK2",
        "Puskesmas pembantu rusak",
        "Atap pustu bocor.",
        None,
        None,
        false,
    ),
    (
        "PK3",
        "Listrik di puskesmas padam",
        "Genset tidak ada.",
        None,
        None,
        false,
    ),
    (
        "B1",
        "Pungutan liar surat sehat",
        "Diminta membayar Rp50.000.",
        Some("Yohanes Manuputty"),
        Some("0821 9999 0000"),
        false,
    ),
    (
        "B2",
        "Biaya surat keterangan sehat",
        "Dipungut biaya tanpa kuitansi.",
        None,
        None,
        false,
    ),
    (
        "B3",
        "Bayar parkir di puskesmas",
        "Parkir dipungut liar oleh preman.",
        None,
        None,
        false,
    ),
    (
        "I1",
        "Imunisasi anak ditunda",
        "Jadwal imunisasi berubah.",
        None,
        None,
        false,
    ),
    (
        "I2",
        "Vaksin campak habis",
        "Posyandu kehabisan vaksin.",
        None,
        None,
        false,
    ),
    (
        "G1",
        "Gizi buruk balita",
        "Pemberian makanan tambahan tidak merata.",
        None,
        None,
        false,
    ),
    (
        "G2",
        "Makanan pasien basi",
        "Makanan tidak layak dimakan.",
        None,
        None,
        false,
    ),
    (
        "X1",
        "Ijin praktik bidan",
        "Bidan desa tanpa surat.",
        None,
        None,
        false,
    ),
    (
        "X2",
        "Perizinan klinik lambat",
        "Berkas klinik belum diproses.",
        None,
        None,
        false,
    ),
    (
        "AM1",
        "Ambulans terlambat datang",
        "Ambulans datang dua jam kemudian.",
        None,
        None,
        false,
    ),
    (
        "AM2",
        "Sopir ambulans minta uang bensin",
        "Keluarga diminta membayar bensin.",
        None,
        None,
        false,
    ),
    (
        "J1",
        "Jalan menuju puskesmas rusak",
        "Jalan berlubang.",
        None,
        None,
        false,
    ),
    (
        "R1",
        "Rujukan ke rumah sakit dipersulit",
        "Harus datang tiga kali.",
        None,
        None,
        false,
    ),
    (
        "R2",
        "Dirujuk tanpa surat",
        "Pasien dikirim tanpa surat pengantar.",
        None,
        None,
        false,
    ),
    (
        "H1",
        "Hasil laboratorium hilang",
        "Kertas hasil tidak ditemukan.",
        None,
        None,
        false,
    ),
    (
        "W1",
        "Toilet wanita rusak",
        "Kran air bocor.",
        None,
        None,
        false,
    ),
    (
        "W2",
        "Air bersih tidak mengalir",
        "Kran air mati.",
        None,
        None,
        false,
    ),
    (
        "E1",
        "Keterlambatan obat program TB",
        "Obat TB datang terlambat.",
        None,
        None,
        false,
    ),
    (
        "F1",
        "Formulir pendaftaran rumit",
        "Pendaftaran daring sering gagal.",
        None,
        None,
        false,
    ),
    (
        "F2",
        "Mendaftar BPJS ditolak",
        "Peserta BPJS harus didaftarkan ulang.",
        None,
        None,
        false,
    ),
    (
        "N1",
        "Kursi ruang tunggu kurang",
        "Lansia berdiri lama.",
        Some("Siti Aminah"),
        Some("0812 7777 8888"),
        false,
    ),
    (
        "N2",
        "Lampu ruang tunggu mati",
        "Gelap saat sore.",
        Some("Nurul Hidayah"),
        None,
        false,
    ),
    (
        "N3",
        "Papan informasi tidak jelas",
        "Tulisan terlalu kecil.",
        None,
        None,
        false,
    ),
    (
        "C1",
        "Dugaan pungutan liar oleh oknum",
        "Oknum meminta uang pelicin untuk rujukan.",
        Some("Rahasia Pelapor"),
        Some("0877 1234 5678"),
        true,
    ),
    (
        "C2",
        "Pemalsuan tanda tangan dokter",
        "Surat sakit dipalsukan oknum.",
        None,
        None,
        true,
    ),
    (
        "D1",
        "Genangan air sarang nyamuk",
        "Warga takut demam berdarah.",
        None,
        None,
        false,
    ),
];

struct Corpus {
    s: Store,
    keys: Vec<(&'static str, i64)>,
}

impl Corpus {
    fn id(&self, key: &str) -> i64 {
        self.keys.iter().find(|(k, _)| *k == key).unwrap().1
    }
    fn key(&self, id: i64) -> &'static str {
        self.keys
            .iter()
            .find(|(_, i)| *i == id)
            .map(|(k, _)| *k)
            .unwrap_or("?")
    }
    fn search(&self, who: Role, q: &str) -> (BTreeSet<&'static str>, Option<String>) {
        let page = self
            .s
            .p
            .list_complaints(
                &actor(who),
                &ComplaintFilter {
                    text: Some(q.into()),
                    sort: SortOrder::Relevance,
                    limit: 500,
                    ..Default::default()
                },
            )
            .unwrap();
        (
            page.rows.iter().map(|r| self.key(r.id)).collect(),
            page.did_you_mean,
        )
    }
}

fn input(row: &Row) -> ComplaintInput {
    let (_, title, description, name, phone, secret) = *row;
    ComplaintInput {
        description: description.into(),
        reporter: ReporterInput {
            name: name.map(str::to_owned),
            phone: phone.map(str::to_owned),
            ..Default::default()
        },
        is_secret: secret,
        incident_place: None,
        ..complaint(title)
    }
}

fn corpus() -> Corpus {
    let mut s = new_store();
    let mut keys = Vec::new();
    for row in CORPUS {
        let id = s.p.create_complaint(&clerk(), input(row)).unwrap().id;
        keys.push((row.0, id));
    }
    Corpus { s, keys }
}

fn set(keys: &[&'static str]) -> BTreeSet<&'static str> {
    keys.iter().copied().collect()
}

#[test]
fn the_hand_made_corpus_is_found_with_precision_and_recall() {
    assert!(CORPUS.len() >= 50);
    let mut c = corpus();
    // A Tracking ID arrives later (assisted mode), and is searchable then.
    c.s.p
        .sync_record_manual_send(
            &clerk(),
            &ManualSendInput {
                complaint_id: c.id("AM1"),
                tracking_id: "7654321".into(),
                note: None,
            },
        )
        .unwrap();
    let a3_no =
        c.s.p
            .complaint_detail(&clerk(), c.id("A3"), false)
            .unwrap()
            .register_no;
    let a3_tail = a3_no.split('/').skip(1).collect::<Vec<_>>().join("/");
    let puskesmas: Vec<&'static str> = CORPUS
        .iter()
        .filter(|r| {
            !r.5 && format!("{} {}", r.1, r.2)
                .to_lowercase()
                .contains("puskesmas")
        })
        .map(|r| r.0)
        .collect();
    // (query, must return)
    let cases: Vec<(String, BTreeSet<&'static str>)> = vec![
        ("antri".into(), set(&["A1", "A2", "A3", "A4"])),
        ("antrean".into(), set(&["A1", "A2", "A3", "A4"])),
        ("layanan".into(), set(&["L1", "L2", "L3", "A2"])),
        ("obat".into(), set(&["O1", "O2", "O3", "A3", "E1"])),
        ("obat-obatan".into(), set(&["O1", "O2", "O3", "A3", "E1"])),
        ("perawatan".into(), set(&["P1", "P2", "P3", "P4"])),
        ("pemeriksaan".into(), set(&["K1", "K2", "K3"])),
        ("sakit".into(), set(&["S1", "S2", "S3"])),
        ("petugas".into(), set(&["T1", "T2", "L2", "A2", "S2"])),
        ("menyapu".into(), set(&["T2", "T3"])),
        ("pemukulan".into(), set(&["M1"])),
        ("pungutan liar".into(), set(&["B1", "B3", "C1"])),
        ("\"surat sehat\"".into(), set(&["B1"])),
        ("Siti Nur".into(), set(&["A1"])),
        ("urhaliza".into(), set(&["A1"])),
        ("0812 3456".into(), set(&["A1"])),
        ("+62 812 3456 7890".into(), set(&["A1"])),
        ("62813-1111".into(), set(&["A2"])),
        ("0821-9999".into(), set(&["B1"])),
        (a3_tail.clone(), set(&["A3"])),
        ("54321".into(), set(&["AM1"])),
        ("ijin".into(), set(&["X1", "X2"])),
        ("ambulans terlambat".into(), set(&["AM1"])),
        ("dirujuk".into(), set(&["S2", "R1", "R2", "C1"])),
        ("kehabisan".into(), set(&["O1", "I2"])),
        ("terlambat".into(), set(&["L1", "AM1", "E1"])),
        ("bocor".into(), set(&["PK2", "W1"])),
        ("mendaftar".into(), set(&["A1", "F1", "F2"])),
        ("puskemas".into(), puskesmas.iter().copied().collect()),
        ("imunisasi".into(), set(&["I1"])),
        ("demam berdarah".into(), set(&["S1", "D1"])),
    ];
    let (mut tp, mut returned, mut relevant) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    println!("{:<24} {:>9} {:>9}  extra", "query", "precision", "recall");
    for (q, must) in &cases {
        let (got, _) = c.search(Role::Petugas, q);
        let hit = got.intersection(must).count();
        tp += hit;
        returned += got.len();
        relevant += must.len();
        let extra: Vec<_> = got.difference(must).copied().collect();
        println!(
            "{q:<24} {:>9.2} {:>9.2}  {extra:?}",
            if got.is_empty() {
                0.0
            } else {
                hit as f64 / got.len() as f64
            },
            hit as f64 / must.len() as f64
        );
        if hit < must.len() {
            misses.push(format!(
                "{q}: missing {:?}",
                must.difference(&got).collect::<Vec<_>>()
            ));
        }
    }
    let precision = tp as f64 / returned as f64;
    let recall = tp as f64 / relevant as f64;
    println!(
        "search corpus: {} complaints, {} queries; precision {:.1} %, recall {:.1} %",
        CORPUS.len(),
        cases.len(),
        precision * 100.0,
        recall * 100.0
    );
    assert!(misses.is_empty(), "{misses:?}");
    assert!(precision >= 0.8, "precision {precision:.2}");

    // The typo is answered with the word it meant, and that word is searched.
    let (found, suggestion) = c.search(Role::Petugas, "puskemas");
    assert_eq!(suggestion.as_deref(), Some("puskesmas"));
    assert!(!found.is_empty());
    // A known word is not "corrected".
    assert_eq!(c.search(Role::Petugas, "puskesmas").1, None);
    // Nothing close: no suggestion, nothing found.
    assert_eq!(c.search(Role::Petugas, "zzzzqqq"), (BTreeSet::new(), None));
}

#[test]
fn best_match_first_title_before_description_recent_before_old() {
    let mut s = new_store();
    let older_title =
        s.p.create_complaint(&clerk(), complaint("Antrean pendaftaran panjang"))
            .unwrap()
            .id;
    s.clock.advance(chrono::Duration::days(40));
    let mut in_text = complaint("Ruang tunggu penuh");
    in_text.description = "Banyak pasien mengantre di lorong.".into();
    let desc_only = s.p.create_complaint(&clerk(), in_text).unwrap().id;
    let newer_title =
        s.p.create_complaint(&clerk(), complaint("Mengantre terlalu lama"))
            .unwrap()
            .id;
    let page =
        s.p.list_complaints(
            &clerk(),
            &ComplaintFilter {
                text: Some("antri".into()),
                sort: SortOrder::Relevance,
                ..Default::default()
            },
        )
        .unwrap();
    let order: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    assert_eq!(order, vec![newer_title, older_title, desc_only]);
    // The matched words are marked; a description-only match shows a snippet.
    let first = &page.rows[0];
    let marked: Vec<&str> = first
        .title_marked
        .as_ref()
        .unwrap()
        .iter()
        .filter(|p| p.hit)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marked, vec!["Mengantre"]);
    let last = &page.rows[2];
    assert!(
        last.snippet
            .as_ref()
            .unwrap()
            .iter()
            .any(|p| p.hit && p.text == "mengantre")
    );
}

#[test]
fn identities_and_rahasia_reports_stay_unfindable_for_those_who_may_not_see_them() {
    let c = corpus();
    // A monitor (pemantau) may not see identities nor rahasia reports.
    for q in [
        "Siti Nur",
        "urhaliza",
        "0812 3456",
        "+62 812 3456 7890",
        "Manuputty",
        "0877",
    ] {
        assert!(
            c.search(Role::Pemantau, q).0.is_empty(),
            "monitor found {q}"
        );
        assert!(!c.search(Role::Petugas, q).0.is_empty(), "clerk finds {q}");
    }
    // Words only in rahasia reports find nothing for the monitor…
    for q in ["oknum", "pelicin", "pemalsuan"] {
        assert!(
            c.search(Role::Pemantau, q).0.is_empty(),
            "monitor found {q}"
        );
        assert!(!c.search(Role::Petugas, q).0.is_empty(), "clerk finds {q}");
    }
    // …and a typo of such a word is not "corrected" into it for the monitor.
    assert_eq!(c.search(Role::Pemantau, "pelicn"), (BTreeSet::new(), None));
    assert_eq!(
        c.search(Role::Petugas, "pelicn").1.as_deref(),
        Some("pelicin")
    );
    // Shared words still find the public reports, never the rahasia one.
    let (found, _) = c.search(Role::Pemantau, "pungutan liar");
    assert_eq!(found, set(&["B1", "B3"]));
    // Duplicate hints follow the same rules.
    let mut again = input(&CORPUS[53]); // C1, rahasia, with a phone
    again.is_secret = false;
    let hints =
        c.s.p
            .duplicate_hints(&actor(Role::Pemantau), &again)
            .unwrap();
    assert!(hints.iter().all(|h| h.id != c.id("C1")), "{hints:?}");
    let hints = c.s.p.duplicate_hints(&clerk(), &again).unwrap();
    let h = hints.iter().find(|h| h.id == c.id("C1")).unwrap();
    assert!(h.reasons.contains(&DuplicateReason::SamePhone));
    assert!(h.reasons.contains(&DuplicateReason::SimilarText));
    assert!(h.similarity >= 50, "{}", h.similarity);
    // Everyone who sees the sync preview (and its duplicate hints, computed
    // without narrowing) may see identities and rahasia reports.
    for role in Role::ALL {
        if role.can(posko_domain::role::Permission::OperateSync) {
            assert!(role.can(posko_domain::role::Permission::ViewIdentity));
            assert!(role.can(posko_domain::role::Permission::ViewSecret));
        }
    }
}

#[test]
fn duplicates_are_found_by_roots_and_shown_before_sending() {
    let mut s = new_store();
    let first =
        s.p.create_complaint(&clerk(), {
            let mut c = complaint("Antrean pendaftaran sangat panjang");
            c.description = "Pasien mengantre sejak pagi di loket pendaftaran.".into();
            c
        })
        .unwrap()
        .id;
    // Other words, same roots: "antri", "mendaftar", "pagi".
    let mut again = complaint("Antri di loket lama sekali");
    again.description = "Kami antri dari pagi untuk mendaftar di loket.".into();
    again.reporter = Default::default();
    let hints = s.p.duplicate_hints(&clerk(), &again).unwrap();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0].id, first);
    assert_eq!(hints[0].reasons, vec![DuplicateReason::SimilarText]);
    assert!(hints[0].similarity >= 50, "{}", hints[0].similarity);
    // Before the first send, the preview names the likely duplicate.
    let second = s.p.create_complaint(&clerk(), again).unwrap().id;
    let preview = s.p.sync_preview().unwrap();
    let item = preview
        .items
        .iter()
        .find(|i| i.complaint_id == second)
        .unwrap();
    assert_eq!(
        item.duplicates.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![first]
    );
    let item = preview
        .items
        .iter()
        .find(|i| i.complaint_id == first)
        .unwrap();
    assert_eq!(
        item.duplicates.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![second]
    );
}
