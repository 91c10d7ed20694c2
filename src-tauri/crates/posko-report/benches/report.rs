//! `cargo bench -p posko-report --bench report [-- --json]`
//!
//! Times the period monev report made from the numbers of 100 000 complaints
//! (40 units, 1 000 late complaints in the appendix: about 50 pages), and the
//! same content as an HTML page printed to PDF by headless Chromium (when a
//! `chromium` binary is on the PATH; `POSKO_CHROMIUM=/path` picks another).
//! Prints the times and the ratio. The HTML is written next to the PDF in
//! `target/report-bench/` so both can be looked at.

#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use posko_report::*;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn table(out: &mut String, head: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", esc(&c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn bars(out: &mut String, title: &str, rows: &[StatRow]) {
    let max = rows.iter().map(|r| r.value).max().unwrap_or(1).max(1) as f64;
    let _ = write!(
        out,
        "<h4>{}</h4><svg width=\"600\" height=\"{}\">",
        esc(title),
        rows.len() * 16 + 4
    );
    for (i, r) in rows.iter().enumerate() {
        let w = 380.0 * r.value as f64 / max;
        let y = i * 16;
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\" font-size=\"9\">{}</text><rect x=\"200\" y=\"{}\" width=\"{w:.1}\" height=\"11\" fill=\"#1f5f8b\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"9\">{}</text>",
            y + 11,
            esc(&r.label),
            y + 2,
            204.0 + w,
            y + 11,
            fmt::int(r.value)
        );
    }
    out.push_str("</svg>");
}

fn stats(out: &mut String, first: &str, rows: &[StatRow]) {
    table(
        out,
        &["No", first, "Jumlah", "%"],
        rows.iter().enumerate().map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.label.clone(),
                fmt::int(r.value),
                fmt::pct(r.pct),
            ]
        }),
    );
}

/// The report's content as one HTML page (same tables, charts as inline SVG).
fn html(b: &MonevBody, stamp: &Stamp) -> String {
    let mut o = String::from(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>Laporan monev</title><style>\
         @page { size: A4; margin: 20mm 20mm 22mm 30mm; }\
         body { font-family: 'Noto Sans', sans-serif; font-size: 10.5pt; }\
         h1 { text-align: center; font-size: 18pt; } h2 { text-align: center; page-break-before: always; }\
         table { width: 100%; border-collapse: collapse; font-size: 9pt; margin-bottom: 8pt; }\
         thead { display: table-header-group; } tr { page-break-inside: avoid; }\
         th { background: #dce6f0; } th, td { border: 0.5pt solid #9e9e9e; padding: 3pt; }\
         </style></head><body>",
    );
    let _ = write!(
        o,
        "<p style=\"text-align:center\"><b>{}</b><br>{}</p><hr><h1>{}</h1><p style=\"text-align:center\">{}<br>{}</p><p>Nomor: {} · SHA-256 {}</p>",
        esc(&b.letterhead.name),
        esc(&b.letterhead.address),
        esc(&b.title),
        esc(&b.units_label),
        fmt::period(b.from, b.to),
        stamp.doc_no,
        stamp.sha256
    );
    for s in &b.sections {
        let _ = write!(
            o,
            "<h3>{}</h3><p>{}</p>",
            esc(&s.title),
            esc(&s.body).replace("\n\n", "</p><p>")
        );
    }
    o.push_str("<h2>BAB III HASIL</h2>");
    stats(&mut o, "Indikator", &b.summary);
    stats(&mut o, "Jenis", &b.privacy);
    stats(&mut o, "Klasifikasi", &b.by_kind);
    bars(&mut o, "Grafik 1", &b.by_kind);
    stats(&mut o, "Kanal", &b.by_channel);
    bars(&mut o, "Grafik 2", &b.by_channel);
    stats(&mut o, "Topik", &b.by_topic);
    stats(&mut o, "Bulan", &b.by_month);
    let mut head: Vec<&str> = vec!["Unit"];
    head.extend(b.statuses.iter().map(String::as_str));
    head.push("Jumlah");
    table(
        &mut o,
        &head,
        b.unit_status.iter().map(|u| {
            let mut r = vec![u.unit.clone()];
            r.extend(u.counts.iter().map(|c| fmt::int(*c)));
            r.push(fmt::int(u.total));
            r
        }),
    );
    table(
        &mut o,
        &[
            "Tahap",
            "Tepat waktu",
            "Terlambat",
            "Belum jatuh tempo",
            "%",
        ],
        b.deadlines.iter().map(|d| {
            vec![
                d.step.clone(),
                fmt::int(d.on_time),
                fmt::int(d.late),
                fmt::int(d.pending),
                fmt::pct(d.on_time_pct),
            ]
        }),
    );
    let cases = |o: &mut String, rows: &[CaseRow]| {
        table(
            o,
            &[
                "No. register",
                "Tanggal",
                "Klasifikasi / topik",
                "Ringkasan",
                "Status",
                "Hari",
            ],
            rows.iter().map(|c| {
                vec![
                    c.register_no.clone(),
                    fmt::date(c.date),
                    format!("{}; {}", c.kind, c.topic),
                    c.summary.clone(),
                    c.status.clone(),
                    c.days.map(fmt::signed).unwrap_or_default(),
                ]
            }),
        )
    };
    cases(&mut o, &b.cases);
    for r in &b.rankings {
        table(
            &mut o,
            &["Peringkat", "Unit", "Tanggal", "Nilai", "Zona", "Kategori"],
            r.rows.iter().map(|x| {
                vec![
                    x.rank.to_string(),
                    x.unit.clone(),
                    fmt::date(x.date),
                    fmt::dec(x.score),
                    x.zone.clone(),
                    x.category.clone(),
                ]
            }),
        );
    }
    table(
        &mut o,
        &[
            "Unit",
            "SK tim",
            "Butir",
            "Progres",
            "Selesai",
            "Lewat batas",
        ],
        b.governance.iter().map(|g| {
            vec![
                g.unit.clone(),
                g.decree.clone().unwrap_or_default(),
                g.items.to_string(),
                fmt::pct(g.progress),
                g.done.to_string(),
                g.overdue.to_string(),
            ]
        }),
    );
    o.push_str("<h2>BAB IV ANALISIS DAN REKOMENDASI</h2><ol>");
    for a in &b.analysis {
        let _ = write!(o, "<li>{}</li>", esc(a));
    }
    o.push_str("</ol>");
    table(
        &mut o,
        &[
            "Unit",
            "Kegiatan",
            "Penanggung jawab",
            "Batas waktu",
            "Progres",
        ],
        b.action_plan.iter().map(|a| {
            vec![
                a.unit.clone(),
                a.action.clone(),
                a.owner.clone(),
                a.due.map(fmt::date).unwrap_or_default(),
                format!("{}%", a.progress),
            ]
        }),
    );
    o.push_str("<h2>LAMPIRAN</h2>");
    cases(&mut o, &b.overdue);
    o.push_str("</body></html>");
    o
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let runs = 7;
    warm_up();
    let body = common::monev_body(40, 1000, 100_000);
    let mut report = common::monev_report(body);
    report.body.letterhead.logo = Some(common::png(240, 240));
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        // Sealing (hashing the data) is part of making the report.
        let stamp = seal(
            "monev",
            "MONEV",
            "PKM-SENDANA",
            "20260101-20260331",
            &report.body,
            &report.stamp.params,
        );
        let r = render_monev(&MonevReport {
            stamp,
            body: report.body.clone(),
        });
        times.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    let r = last.expect("ran");
    let posko = median(&mut times.clone());
    let best = times.iter().copied().fold(f64::MAX, f64::min);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../target/report-bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("posko.pdf"), &r.bytes).unwrap();
    let page = html(&report.body, &report.stamp);
    let html_path = dir.join("report.html");
    std::fs::write(&html_path, &page).unwrap();
    // Headless Chromium printing the same content.
    let chromium = std::env::var("POSKO_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let mut chrome_times = Vec::new();
    let mut chrome_pages = None;
    let mut chrome_error = None;
    for _ in 0..3 {
        let out = dir.join("chromium.pdf");
        let _ = std::fs::remove_file(&out);
        let t = Instant::now();
        let status = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                &format!("--print-to-pdf={}", out.display()),
                &format!("file://{}", html_path.canonicalize().unwrap().display()),
            ])
            .output();
        match status {
            Ok(o) if o.status.success() && out.exists() => {
                chrome_times.push(t.elapsed().as_secs_f64());
                chrome_pages = Command::new("pdfinfo")
                    .arg(&out)
                    .output()
                    .ok()
                    .and_then(|o| {
                        String::from_utf8_lossy(&o.stdout)
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("Pages:")
                                    .map(|n| n.trim().parse::<u32>().ok())
                            })
                            .flatten()
                    });
            }
            Ok(o) => {
                chrome_error = Some(
                    String::from_utf8_lossy(&o.stderr)
                        .lines()
                        .last()
                        .unwrap_or("failed")
                        .to_owned(),
                );
                break;
            }
            Err(e) => {
                chrome_error = Some(e.to_string());
                break;
            }
        }
    }
    let chrome = (!chrome_times.is_empty()).then(|| median(&mut chrome_times));
    if json {
        println!(
            "{}",
            serde_json::json!({
                "pages": r.pages,
                "bytes": r.bytes.len(),
                "posko_ms_median": posko * 1000.0,
                "posko_ms_best": best * 1000.0,
                "chromium_ms_median": chrome.map(|c| c * 1000.0),
                "chromium_pages": chrome_pages,
                "ratio": chrome.map(|c| c / posko),
                "chromium_error": chrome_error,
            })
        );
    } else {
        println!(
            "posko-report: monev report, {} pages, {} bytes: median {:.1} ms, best {:.1} ms ({runs} runs)",
            r.pages,
            r.bytes.len(),
            posko * 1000.0,
            best * 1000.0
        );
        match chrome {
            Some(c) => println!(
                "headless Chromium printing the same content as HTML ({} pages): median {:.0} ms ({} runs) → Posko is {:.1}× faster",
                chrome_pages
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "?".into()),
                c * 1000.0,
                chrome_times.len(),
                c / posko
            ),
            None => println!(
                "headless Chromium not measured: {}",
                chrome_error.unwrap_or_else(|| "no run".into())
            ),
        }
    }
}
