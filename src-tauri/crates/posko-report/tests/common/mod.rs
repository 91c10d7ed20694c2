//! Report data for tests and the benchmark: a realistic period report and a
//! visit report, built without any store.

#![allow(dead_code)]

use chrono::NaiveDate;
use posko_report::*;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn stat(label: &str, value: u64, total: u64) -> StatRow {
    StatRow {
        label: label.into(),
        value,
        pct: (total > 0).then(|| (value as f64 * 10000.0 / total as f64).round() / 100.0),
    }
}

pub fn letterhead() -> Letterhead {
    Letterhead {
        lines: vec![
            "Pemerintah Kabupaten Majene".into(),
            "Dinas Kesehatan".into(),
        ],
        name: "Puskesmas Sendana".into(),
        address: "Jl. Poros Majene–Mamuju Km 12, Sendana, Majene, Sulawesi Barat 91452".into(),
        logo: None,
        logo_sha256: None,
    }
}

pub fn sections() -> Vec<Section> {
    [
        ("kata_pengantar", "Kata Pengantar", "Puji syukur kami panjatkan.\n\nLaporan ini menyajikan hasil monev."),
        ("latar_belakang", "Latar Belakang", "Pengelolaan pengaduan adalah komponen standar pelayanan."),
        ("dasar_hukum", "Dasar Hukum", "- Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik;\n- Peraturan Menteri PANRB Nomor 62 Tahun 2018."),
        ("maksud_tujuan", "Maksud dan Tujuan", "Menilai pengelolaan pengaduan."),
        ("ruang_lingkup", "Ruang Lingkup", "Seluruh pengaduan pada periode."),
        ("metode", "Metode", "Data diambil dari register elektronik."),
        ("rekomendasi_umum", "Rekomendasi Umum", "- Verifikasi paling lambat 3 hari kerja."),
        ("penutup", "Penutup", "Demikian laporan ini disusun."),
    ]
    .into_iter()
    .map(|(k, t, b)| Section {
        key: k.into(),
        title: t.into(),
        body: b.into(),
    })
    .collect()
}

/// A period report; `scale` multiplies the numbers and the appendix rows.
pub fn monev_body(units: usize, overdue_rows: usize, received: u64) -> MonevBody {
    let statuses: Vec<String> = [
        "Diterima",
        "Terverifikasi",
        "Dalam tindak lanjut",
        "Selesai",
        "Diarsipkan",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let unit_names: Vec<String> = (0..units)
        .map(|i| {
            if i == 0 {
                "Puskesmas Sendana".to_string()
            } else {
                format!("Puskesmas Unit {i:02}")
            }
        })
        .collect();
    let per_unit = received / units.max(1) as u64;
    MonevBody {
        title: "Laporan Monitoring dan Evaluasi Pengelolaan Pengaduan".into(),
        letterhead: letterhead(),
        units_label: if units == 1 {
            unit_names[0].clone()
        } else {
            format!("{units} unit")
        },
        from: d(2026, 1, 1),
        to: d(2026, 3, 31),
        sections: sections(),
        summary: vec![
            stat("Laporan diterima", received, received),
            stat("Terverifikasi", received * 9 / 10, received),
            stat("Didisposisikan", received * 8 / 10, received),
            stat("Sudah ditindaklanjuti", received * 7 / 10, received),
            stat("Selesai", received * 6 / 10, received),
            stat("Dalam proses", received * 3 / 10, received),
            stat("Diarsipkan", received / 10, received),
        ],
        by_kind: vec![
            stat("Aspirasi", received / 4, received),
            stat(
                "Pengaduan tidak berkadar pengawasan",
                received / 2,
                received,
            ),
            stat("Pengaduan berkadar pengawasan", received / 8, received),
            stat(
                "Permintaan informasi",
                received - received / 4 - received / 2 - received / 8,
                received,
            ),
        ],
        by_channel: [
            "Tatap muka",
            "Telepon",
            "SMS",
            "WhatsApp",
            "Surat",
            "Kotak saran",
            "Email",
            "Media sosial",
            "SP4N-LAPOR!",
        ]
        .iter()
        .enumerate()
        .map(|(i, c)| stat(c, received / 9 + i as u64, received))
        .collect(),
        by_topic: (0..12)
            .map(|i| {
                stat(
                    &format!("Kesehatan › Topik pelayanan nomor {i}"),
                    received / 12,
                    received,
                )
            })
            .collect(),
        by_month: vec![
            stat("2026-01", received / 3, received),
            stat("2026-02", received / 3, received),
            stat("2026-03", received - 2 * (received / 3), received),
        ],
        unit_status: unit_names
            .iter()
            .map(|u| UnitStatusRow {
                unit: u.clone(),
                counts: vec![
                    per_unit / 10,
                    per_unit / 10,
                    per_unit / 5,
                    per_unit / 2,
                    per_unit / 10,
                ],
                total: per_unit,
            })
            .collect(),
        statuses,
        deadlines: vec![
            DeadlineRow {
                step: "Verifikasi".into(),
                on_time: received * 8 / 10,
                late: received / 10,
                pending: received / 10,
                on_time_pct: Some(88.89),
            },
            DeadlineRow {
                step: "Tindak lanjut pertama".into(),
                on_time: received * 6 / 10,
                late: received / 5,
                pending: received / 5,
                on_time_pct: Some(75.0),
            },
            DeadlineRow {
                step: "Penyelesaian".into(),
                on_time: received / 2,
                late: received * 3 / 10,
                pending: received / 5,
                on_time_pct: Some(62.5),
            },
            DeadlineRow {
                step: "Tutup otomatis".into(),
                on_time: received / 3,
                late: 0,
                pending: received / 10,
                on_time_pct: Some(100.0),
            },
        ],
        durations: vec![
            DurationRow {
                label: "Sampai tindak lanjut pertama".into(),
                count: received * 7 / 10,
                median: Some(3.0),
                p90: Some(7.1),
                max: Some(21),
            },
            DurationRow {
                label: "Sampai ditutup".into(),
                count: received * 7 / 10,
                median: Some(8.5),
                p90: Some(14.0),
                max: Some(58),
            },
        ],
        privacy: vec![
            stat("Anonim", received / 8, received),
            stat("Rahasia", received / 25, received),
        ],
        cases: (0..5)
            .map(|i| CaseRow {
                register_no: format!("PKM-SENDANA/2026/{:04}", 100 + i),
                date: d(2026, 2, 3 + i as u32),
                kind: "Pengaduan tidak berkadar pengawasan".into(),
                topic: "Kesehatan › Pelayanan Puskesmas".into(),
                summary: "Antrean pendaftaran terlalu panjang pada pagi hari".into(),
                status: "Selesai".into(),
                days: Some(3 + i),
                anonymous: i == 2,
            })
            .collect(),
        rankings: vec![RankingBlock {
            instrument: "Pemantauan pengelolaan pengaduan di puskesmas (versi 1)".into(),
            zones: vec![
                ZoneRow {
                    min: 0.0,
                    label: "Zona Merah".into(),
                    range: "0–50,99".into(),
                    category: "Perlu perbaikan".into(),
                    color: "#C62828".into(),
                },
                ZoneRow {
                    min: 51.0,
                    label: "Zona Kuning".into(),
                    range: "51–80,99".into(),
                    category: "Cukup".into(),
                    color: "#F9A825".into(),
                },
                ZoneRow {
                    min: 81.0,
                    label: "Zona Hijau".into(),
                    range: "81–100".into(),
                    category: "Baik".into(),
                    color: "#2E7D32".into(),
                },
            ],
            rows: unit_names
                .iter()
                .enumerate()
                .map(|(i, u)| RankRow {
                    rank: i as u32 + 1,
                    unit: u.clone(),
                    date: d(2026, 3, 2 + (i % 20) as u32),
                    score: 95.0 - i as f64 * 3.5,
                    zone: if i < 4 {
                        "Zona Hijau"
                    } else if i < 12 {
                        "Zona Kuning"
                    } else {
                        "Zona Merah"
                    }
                    .into(),
                    category: if i == 0 {
                        "Terbaik"
                    } else if i < 4 {
                        "Baik"
                    } else if i < 12 {
                        "Cukup"
                    } else {
                        "Perlu perbaikan"
                    }
                    .into(),
                    color: if i < 4 {
                        "#2E7D32"
                    } else if i < 12 {
                        "#F9A825"
                    } else {
                        "#C62828"
                    }
                    .into(),
                })
                .collect(),
        }],
        governance: unit_names
            .iter()
            .enumerate()
            .map(|(i, u)| GovRow {
                unit: u.clone(),
                decree: (i % 3 != 2).then(|| format!("800/{}/PKM/I/2026, 5 Januari 2026", 10 + i)),
                items: 3,
                progress: Some(46.67),
                done: 1,
                overdue: 1,
            })
            .collect(),
        staff: vec![
            StaffRow {
                role: "Petugas".into(),
                accounts: 4,
                active: 3,
            },
            StaffRow {
                role: "Kepala".into(),
                accounts: 1,
                active: 1,
            },
            StaffRow {
                role: "Admin".into(),
                accounts: 1,
                active: 0,
            },
            StaffRow {
                role: "Pemantau".into(),
                accounts: 2,
                active: 1,
            },
        ],
        staff_window: "2 Maret 2026 s.d. 31 Maret 2026".into(),
        analysis: vec![
            "Kepatuhan penyelesaian 62,5%, di bawah sasaran 80%.".into(),
            "1 unit belum memiliki SK tim pengelola pengaduan.".into(),
        ],
        action_plan: (0..6)
            .map(|i| ActionRow {
                unit: unit_names[i % unit_names.len()].clone(),
                action: "Pelatihan petugas pengelola pengaduan tentang SP4N-LAPOR!".into(),
                owner: "Kepala Tata Usaha".into(),
                due: Some(d(2026, 4, 30)),
                progress: (i * 20).min(100) as u8,
            })
            .collect(),
        overdue: (0..overdue_rows)
            .map(|i| CaseRow {
                register_no: format!("PKM-SENDANA/2026/{:05}", i + 1),
                date: d(2026, 1 + (i % 3) as u32, 1 + (i % 28) as u32),
                kind: "Pengaduan tidak berkadar pengawasan".into(),
                topic: "Kesehatan › Pelayanan Puskesmas".into(),
                summary: format!("Laporan tentang pelayanan loket nomor {i} yang belum selesai"),
                status: "Dalam tindak lanjut".into(),
                days: Some(1 + (i % 40) as i64),
                anonymous: i % 7 == 0,
            })
            .collect(),
        overdue_total: overdue_rows as u64 * 3,
        visits: unit_names
            .iter()
            .map(|u| VisitListRow {
                unit: u.clone(),
                date: d(2026, 3, 10),
                instrument: "Pemantauan pengelolaan pengaduan di puskesmas v1".into(),
                score: Some(86.44),
                zone: "Zona Hijau".into(),
                team: "dr. Ayu Lestari; Budi Santoso, SKM".into(),
            })
            .collect(),
        method_notes: vec![
            "Aturan batas waktu: permenpanrb-62-2018.".into(),
            "Hari kerja Senin–Jumat; libur nasional dan cuti bersama 2026.".into(),
        ],
        signer: Signer {
            place: "Sendana".into(),
            date: d(2026, 4, 2),
            role: "Kepala Puskesmas Sendana".into(),
            name: "dr. Hendra Saputra".into(),
            nip: "197505052003121002".into(),
        },
    }
}

pub fn monev_report(body: MonevBody) -> MonevReport {
    let params =
        "{\"from\":\"2026-01-01\",\"to\":\"2026-03-31\",\"units\":[],\"doc_date\":\"2026-04-02\"}";
    let stamp = seal(
        "monev",
        "MONEV",
        "PKM-SENDANA",
        "20260101-20260331",
        &body,
        params,
    );
    MonevReport { stamp, body }
}

pub fn visit_body() -> VisitBody {
    let item = |no: &str, text: &str, answer: &str, score: &str, note: &str| VisitItemRow {
        no: no.into(),
        text: text.into(),
        answer: answer.into(),
        score: score.into(),
        note: note.into(),
        photos: 0,
    };
    VisitBody {
        title: "Berita Acara Kunjungan Monitoring dan Evaluasi".into(),
        letterhead: Letterhead {
            lines: vec!["Pemerintah Kabupaten Majene".into()],
            name: "Dinas Kesehatan".into(),
            address: "Jl. Jenderal Sudirman No. 1, Majene".into(),
            logo: None,
            logo_sha256: None,
        },
        unit_name: "Puskesmas Sendana".into(),
        unit_code: "PKM-SENDANA".into(),
        visit_date: d(2026, 3, 24),
        place: "Sendana".into(),
        instrument: "Pemantauan pengelolaan pengaduan di puskesmas (versi 1)".into(),
        finished: true,
        team: vec![
            Person {
                name: "dr. Ayu Lestari".into(),
                nip: "198001012005012001".into(),
                position: "Kepala Seksi Yankes".into(),
            },
            Person {
                name: "Budi Santoso, SKM".into(),
                nip: String::new(),
                position: "Staf".into(),
            },
        ],
        head: Person {
            name: "dr. Hendra Saputra".into(),
            nip: "197505052003121002".into(),
            position: "Kepala Puskesmas Sendana".into(),
        },
        sections: vec![
            VisitSection {
                title: "Input".into(),
                score: Some(70.0),
                items: vec![
                    item(
                        "1",
                        "Ada SK kepala puskesmas tentang tim pengelola pengaduan",
                        "Ya",
                        "2 / 2",
                        "SK No. 800/12/2026",
                    ),
                    item(
                        "2",
                        "Ada SOP pengelolaan pengaduan dan dijalankan",
                        "Sebagian",
                        "0,5 / 1",
                        "SOP belum disosialisasikan",
                    ),
                ],
            },
            VisitSection {
                title: "Proses".into(),
                score: Some(82.78),
                items: vec![item(
                    "3",
                    "Register pengaduan mutakhir dan lengkap",
                    "Skor 2",
                    "0,67 / 1",
                    "",
                )],
            },
        ],
        total: Some(73.11),
        zone: Some(ZoneRow {
            min: 51.0,
            label: "Zona Kuning".into(),
            range: "51–80,99".into(),
            category: "Cukup".into(),
            color: "#F9A825".into(),
        }),
        zones: vec![
            ZoneRow {
                min: 0.0,
                label: "Zona Merah".into(),
                range: "0–50,99".into(),
                category: "Perlu perbaikan".into(),
                color: "#C62828".into(),
            },
            ZoneRow {
                min: 51.0,
                label: "Zona Kuning".into(),
                range: "51–80,99".into(),
                category: "Cukup".into(),
                color: "#F9A825".into(),
            },
            ZoneRow {
                min: 81.0,
                label: "Zona Hijau".into(),
                range: "81–100".into(),
                category: "Baik".into(),
                color: "#2E7D32".into(),
            },
        ],
        findings: vec!["Register belum memuat tanggal tindak lanjut.".into()],
        recommendations: vec!["Lengkapi kolom tanggal tindak lanjut di register.".into()],
        plan: vec![PlanRow {
            action: "Perbaiki format register".into(),
            owner: "Petugas pengaduan".into(),
            due: Some(d(2026, 4, 30)),
        }],
        photos: vec![],
        photo_bytes: vec![],
        corrections: vec![],
        sign_place: "Sendana".into(),
        doc_date: d(2026, 3, 24),
    }
}

pub fn visit_report(body: VisitBody) -> VisitReport {
    let stamp = seal(
        "visit",
        "BA-MONEV",
        "PKM-SENDANA",
        "20260324-1",
        &body,
        "{\"visit\":\"x\"}",
    );
    VisitReport { stamp, body }
}

/// A PNG of `w`×`h` (RGBA) made in memory.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        let mut wr = e.write_header().unwrap();
        let px: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % 255) as u8, 90, 160, if i % 5 == 0 { 0 } else { 255 }])
            .collect();
        wr.write_image_data(&px).unwrap();
    }
    out
}
