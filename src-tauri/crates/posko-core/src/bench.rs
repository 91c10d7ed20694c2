//! The benchmark harness behind `posko bench` (docs/benchmarks.md): fill a
//! throw-away store with the demo generator, then time what a clerk, a head
//! and a monitor do, each against a reference measured in the same run.
//!
//! The statistics (`Stats`, `percentile`, `growth`) are pure; the
//! measurements run the real core on the real (SQLCipher) store. Nothing here
//! is a target check: targets are printed next to the figures, never asserted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use posko_domain::calendar::{Holiday, HolidayKind};
use posko_domain::{Channel, Kind, Status};
use rusqlite::params;
use serde::Serialize;

use crate::app::{Posko, now_text};
use crate::error::CoreResult;
use crate::model::{Actor, ComplaintFilter, ComplaintInput, ReporterInput, SortOrder};
use crate::monev::MonevQuery;
use crate::reports::MonevReportInput;

/// Summary of timing samples (milliseconds, or any unit: the numbers are not
/// interpreted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    pub n: usize,
    pub best: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// Nearest-rank percentile of sorted samples (`pct` in 0..=100): the smallest
/// sample such that at least `pct` % of the samples are ≤ it.
pub fn percentile(sorted: &[f64], pct: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Stats {
    pub fn of(samples: &[f64]) -> Stats {
        let mut v = samples.to_vec();
        v.sort_by(f64::total_cmp);
        Stats {
            n: v.len(),
            best: v.first().copied().unwrap_or(f64::NAN),
            p50: percentile(&v, 50.0),
            p95: percentile(&v, 95.0),
            p99: percentile(&v, 99.0),
            max: v.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// How a figure grows with the number of complaints: the slope of
/// log(value) over log(size), least squares over every size with a positive
/// value (1 = linear, 0 = flat). `None` with fewer than two such sizes.
pub fn growth(points: &[(u64, f64)]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(n, v)| *n > 0 && v.is_finite() && *v > 0.0)
        .map(|(n, v)| ((*n as f64).ln(), v.ln()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let k = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / k;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    Some(sxy / sxx)
}

/// A growth exponent that needs a reason or a fix (the issue: "anything that
/// grows faster than linear"); a little slack for measurement noise.
pub fn super_linear(exponent: f64) -> bool {
    exponent > 1.15
}

/// What a fill did.
#[derive(Debug, Clone, Serialize)]
pub struct Fill {
    pub added: u64,
    pub seconds: f64,
    pub cancelled: bool,
}

/// Complaints in the store.
pub fn complaint_count(p: &Posko) -> CoreResult<u64> {
    let n: i64 = p
        .connection()
        .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))?;
    Ok(n as u64)
}

/// Fill the store up to `target` complaints with the demo generator (each
/// complaint through the core: intake and the workflow steps its age makes
/// likely), in chunks; stops between chunks when `cancel` is set. The store is
/// throw-away: commits do not wait for the disk while filling
/// (`synchronous = OFF`); the store's own setting is back afterwards, so the
/// measurements see the app's durability.
pub fn fill(
    p: &mut Posko,
    target: u64,
    seed: u64,
    cancel: &AtomicBool,
    mut progress: impl FnMut(u64, u64),
) -> CoreResult<Fill> {
    let started = Instant::now();
    let have = complaint_count(p)?;
    let missing = target.saturating_sub(have);
    let sync: i64 = p
        .connection()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    p.connection().execute_batch("PRAGMA synchronous = OFF")?;
    let result = (|| {
        const CHUNK: u64 = 500;
        let mut added = 0;
        while added < missing {
            if cancel.load(Ordering::Relaxed) {
                return Ok(true);
            }
            let n = CHUNK.min(missing - added);
            crate::demo::generate(p, n, seed.wrapping_add(have + added), 365, |_| {})?;
            added += n;
            progress(have + added, target);
        }
        Ok::<_, crate::error::CoreError>(false)
    })();
    p.connection()
        .execute_batch(&format!("PRAGMA synchronous = {sync}"))?;
    let cancelled = result?;
    Ok(Fill {
        added: complaint_count(p)? - have,
        seconds: started.elapsed().as_secs_f64(),
        cancelled,
    })
}

/// One measurement at one size: the samples' summary, and the reference's
/// when there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub stats: Stats,
    pub reference: Option<Stats>,
    /// What was counted alongside (rows recomputed, pages, bytes…).
    pub detail: serde_json::Value,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn intake_input(i: usize) -> ComplaintInput {
    const T: &[(&str, &str)] = &[
        (
            "Antrean pendaftaran terlalu panjang",
            "Saya datang pukul 07.00 dan baru dilayani pukul 11.00. Nomor antrean tidak jelas.",
        ),
        (
            "Obat yang diresepkan kosong",
            "Obat hipertensi yang diresepkan dokter tidak tersedia di apotek sejak dua minggu.",
        ),
        (
            "Toilet ruang tunggu kotor",
            "Toilet tidak ada air dan sangat kotor, tidak layak untuk pasien dan anak-anak.",
        ),
    ];
    let (title, desc) = T[i % T.len()];
    ComplaintInput {
        received_at: None,
        channel: Channel::TatapMuka,
        kind: Kind::PengaduanTidakBerkadarPengawasan,
        topic_id: None,
        title: title.into(),
        description: format!("{desc} (uji masukan {i})"),
        incident_place: Some("Loket pendaftaran".into()),
        incident_date: None,
        reporter: ReporterInput {
            name: Some("Siti Rahayu".into()),
            nik: None,
            phone: Some("0812 3456 7890".into()),
            email: None,
            address: None,
        },
        is_secret: false,
        is_anonymous: false,
        assigned_to: None,
    }
}

/// Intake of one complaint through the core (validation, register number,
/// deadlines, search index, outbox, timeline), `runs × per_run` samples,
/// each followed by the reference: a bare insert of the same row into
/// `complaints` in its own transaction on the same connection (the limit of
/// the store). The bare rows are deleted afterwards.
pub fn intake(p: &mut Posko, actor: &Actor, runs: u32, per_run: u32) -> CoreResult<Measured> {
    let unit_id = p.home_unit()?;
    let before = p.checkpoint_stats();
    let mut core = Vec::new();
    let mut bare = Vec::new();
    let mut i = 0usize;
    for _ in 0..runs.max(1) {
        for _ in 0..per_run.max(1) {
            let input = intake_input(i);
            let t = Instant::now();
            p.create_complaint(actor, input.clone())?;
            core.push(ms(t));
            let now = p.now();
            let date = p.zone().local_date(now);
            let t = Instant::now();
            let tx = p.db.conn.transaction()?;
            tx.prepare_cached(
                "INSERT INTO complaints (uid, unit_id, register_no, register_year, register_seq, received_at, received_date,
                    channel, kind, topic_id, title, description, incident_place, incident_date,
                    reporter_name, reporter_nik, reporter_phone, reporter_email, reporter_address,
                    is_secret, is_anonymous, status, is_open, assigned_to, created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?11, ?12, NULL, ?13, NULL, ?14, NULL, NULL, 0, 0, ?15, 1, NULL, NULL, ?6, ?6)",
            )?
            .execute(params![
                uuid::Uuid::new_v4().to_string(),
                unit_id,
                format!("BENCH-BARE/{i}"),
                9999,
                i as i64 + 1,
                now_text(now),
                date.to_string(),
                input.channel.code(),
                input.kind.code(),
                input.title,
                input.description,
                input.incident_place,
                input.reporter.name,
                input.reporter.phone,
                Status::Received.code(),
            ])?;
            tx.commit()?;
            bare.push(ms(t));
            i += 1;
        }
    }
    let after = p.checkpoint_stats();
    p.connection()
        .execute("DELETE FROM complaints WHERE register_year = 9999", [])?;
    Ok(Measured {
        stats: Stats::of(&core),
        reference: Some(Stats::of(&bare)),
        detail: serde_json::json!({
            "samples": core.len(),
            "slowest_ms": slowest(&core, 5),
            "over_5ms": core.iter().filter(|&&x| x >= 5.0).count(),
            "bare_slowest_ms": slowest(&bare, 5),
            // WAL checkpoints while measuring: in the background thread, and
            // those a committing call ran itself (checkpoint.rs).
            "checkpoints_background": after.background - before.background,
            "checkpoints_inline": after.inline - before.inline,
        }),
    })
}

/// The `n` largest samples, largest first, rounded to 0.01.
pub fn slowest(samples: &[f64], n: usize) -> Vec<f64> {
    let mut v = samples.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    v.truncate(n);
    v.iter().map(|x| (x * 100.0).round() / 100.0).collect()
}

/// The register's first page (50 rows, newest first) with two filters, three
/// combinations a clerk uses, each `runs` times.
pub fn register_page(p: &Posko, actor: &Actor, runs: u32) -> CoreResult<Measured> {
    let today = p.today();
    let filters = [
        ComplaintFilter {
            statuses: vec![Status::Received, Status::Verified],
            kind: Some(Kind::PengaduanTidakBerkadarPengawasan),
            ..Default::default()
        },
        ComplaintFilter {
            open_only: true,
            channel: Some(Channel::Whatsapp),
            ..Default::default()
        },
        ComplaintFilter {
            kind: Some(Kind::Aspirasi),
            from: Some(today - Duration::days(90)),
            ..Default::default()
        },
    ];
    first_pages(p, actor, runs, &filters)
}

/// The register as the Today screen's links open it: all overdue, and all
/// open, most urgent first (due soonest), first page, `runs` times each.
pub fn register_due(p: &Posko, actor: &Actor, runs: u32) -> CoreResult<Measured> {
    let filters = [
        ComplaintFilter {
            overdue_only: true,
            sort: SortOrder::DueSoonest,
            ..Default::default()
        },
        ComplaintFilter {
            open_only: true,
            sort: SortOrder::DueSoonest,
            ..Default::default()
        },
    ];
    first_pages(p, actor, runs, &filters)
}

/// The first page of each filter, once to warm, then `runs` times timed.
fn first_pages(
    p: &Posko,
    actor: &Actor,
    runs: u32,
    filters: &[ComplaintFilter],
) -> CoreResult<Measured> {
    let mut v = Vec::new();
    let mut rows = 0u64;
    for f in filters {
        p.list_complaints(actor, f)?; // warm
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let page = p.list_complaints(actor, f)?;
            v.push(ms(t));
            rows = rows.max(page.total);
        }
    }
    Ok(Measured {
        stats: Stats::of(&v),
        reference: None,
        detail: serde_json::json!({ "filters": filters.len(), "largest_total": rows }),
    })
}

/// What a clerk sees first after signing in: the Today screen's counts and
/// lists, and the register's first page without a filter (all complaints
/// counted), `runs` times each.
pub fn first_screens(p: &Posko, actor: &Actor, runs: u32) -> CoreResult<Measured> {
    let all = ComplaintFilter::default();
    let (mut today, mut register) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        p.today_summary(actor)?;
        today.push(ms(t));
        let t = Instant::now();
        p.list_complaints(actor, &all)?;
        register.push(ms(t));
    }
    let both: Vec<f64> = today.iter().zip(&register).map(|(a, b)| a + b).collect();
    Ok(Measured {
        stats: Stats::of(&both),
        reference: None,
        detail: serde_json::json!({
            "today_ms": Stats::of(&today).p50,
            "register_all_ms": Stats::of(&register).p50,
        }),
    })
}

/// Words and phrases a clerk types, from the demo generator's vocabulary.
pub const SEARCH_QUERIES: &[&str] = &[
    "antrean",
    "obat kosong",
    "petugas ramah",
    "toilet kotor",
    "pungutan",
    "dokter terlambat",
    "imunisasi",
    "kursi ruang tunggu",
];

/// The register's full-text search (first page, best match first), each query
/// `runs` times; the reference is a `LIKE '%word%'` scan over title and
/// description (every word), counting matches as the register does.
pub fn search(p: &Posko, actor: &Actor, runs: u32) -> CoreResult<Measured> {
    let mut v = Vec::new();
    let mut like = Vec::new();
    let mut found = serde_json::Map::new();
    for q in SEARCH_QUERIES {
        let f = ComplaintFilter {
            text: Some((*q).into()),
            sort: SortOrder::Relevance,
            ..Default::default()
        };
        p.list_complaints(actor, &f)?; // warm
        let words: Vec<String> = q.split_whitespace().map(|w| format!("%{w}%")).collect();
        let sql = format!(
            "SELECT count(*) FROM complaints WHERE {}",
            (1..=words.len())
                .map(|k| format!("(title LIKE ?{k} OR description LIKE ?{k})"))
                .collect::<Vec<_>>()
                .join(" AND ")
        );
        let mut total = 0;
        let mut like_n = 0i64;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            total = p.list_complaints(actor, &f)?.total;
            v.push(ms(t));
            let t = Instant::now();
            like_n =
                p.connection()
                    .query_row(&sql, rusqlite::params_from_iter(words.iter()), |r| r.get(0))?;
            like.push(ms(t));
        }
        found.insert((*q).into(), serde_json::json!([total, like_n]));
    }
    Ok(Measured {
        stats: Stats::of(&v),
        reference: Some(Stats::of(&like)),
        detail: serde_json::json!({ "found_search_like": found }),
    })
}

/// The dashboard's indicators over the last year, `runs` times. `cold`:
/// each run starts with an empty month cache (`monev_month_cache`, the first
/// query after a calendar edit or on a new store: every month read row by row
/// and kept); otherwise one unmeasured query fills the cache first (the
/// dashboard opened again: the whole months from the cache, the two partial
/// months at the period's edges row by row).
pub fn indicators(p: &Posko, actor: &Actor, runs: u32, cold: bool) -> CoreResult<Measured> {
    let today = p.today();
    let q = MonevQuery {
        from: today - Duration::days(365),
        to: today,
        units: vec![],
    };
    let clear = || p.connection().execute("DELETE FROM monev_month_cache", []);
    if !cold {
        std::hint::black_box(p.monev_indicators(actor, &q)?);
    }
    let mut v = Vec::new();
    for _ in 0..runs.max(1) {
        if cold {
            clear()?;
        }
        let t = Instant::now();
        std::hint::black_box(p.monev_indicators(actor, &q)?);
        v.push(ms(t));
    }
    let kept: i64 =
        p.connection()
            .query_row("SELECT count(*) FROM monev_month_cache", [], |r| r.get(0))?;
    Ok(Measured {
        stats: Stats::of(&v),
        reference: None,
        detail: serde_json::json!({ "cached_unit_months": kept }),
    })
}

/// Open (unmet) deadlines of open complaints: what a calendar edit recomputes.
pub fn open_deadlines(p: &Posko) -> CoreResult<u64> {
    let n: i64 = p.connection().query_row(
        "SELECT count(*) FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
         WHERE d.met_date IS NULL AND c.is_open = 1",
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// A holiday added on a working day a week ahead (every open deadline is
/// recomputed, one transaction), then removed again (recomputed again): two
/// samples per run.
pub fn holiday_recompute(p: &mut Posko, actor: &Actor, runs: u32) -> CoreResult<Measured> {
    let taken: Vec<NaiveDate> = p.holidays()?.holidays.iter().map(|h| h.date).collect();
    let mut date = p.today() + Duration::days(7);
    while taken.contains(&date) || chrono::Datelike::weekday(&date).number_from_monday() > 5 {
        date += Duration::days(1);
    }
    let h = Holiday {
        date,
        name: "Libur uji (posko bench)".into(),
        kind: HolidayKind::Daerah,
        source: String::new(),
    };
    let mut v = Vec::new();
    let mut recomputed = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let r = p.edit_holidays(actor, std::slice::from_ref(&h), &[])?;
        v.push(ms(t));
        recomputed = r.recomputed_deadlines;
        let t = Instant::now();
        p.edit_holidays(actor, &[], &[date])?;
        v.push(ms(t));
    }
    Ok(Measured {
        stats: Stats::of(&v),
        reference: None,
        detail: serde_json::json!({ "recomputed_deadlines": recomputed }),
    })
}

/// The monev period report (PDF) over the last year, `runs` times.
pub fn report(p: &Posko, actor: &Actor, runs: u32) -> CoreResult<Measured> {
    crate::reports::warm_up();
    let today = p.today();
    let input = MonevReportInput {
        from: today - Duration::days(365),
        to: today,
        units: vec![],
        doc_date: Some(today),
        place: None,
    };
    let mut v = Vec::new();
    let mut pages = 0;
    let mut bytes = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let (file, b) = p.monev_report(actor, &input)?;
        v.push(ms(t));
        pages = file.pages;
        bytes = b.len();
    }
    Ok(Measured {
        stats: Stats::of(&v),
        reference: None,
        detail: serde_json::json!({ "pages": pages, "bytes": bytes }),
    })
}

/// Size on disk (database file after a checkpoint) against the same data
/// written as CSV (RFC 4180 quoting): complaints, their timeline, deadlines
/// and follow-ups. Search indexes, outbox and audit are not in the CSV.
#[derive(Debug, Clone, Serialize)]
pub struct SizeOnDisk {
    pub db_bytes: u64,
    pub csv_bytes: u64,
}

pub const CSV_TABLES: &[&str] = &["complaints", "complaint_events", "deadlines", "follow_ups"];

/// Bytes of one CSV field.
pub fn csv_field_len(v: &rusqlite::types::ValueRef<'_>) -> u64 {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => 0,
        ValueRef::Integer(i) => i.to_string().len() as u64,
        ValueRef::Real(f) => f.to_string().len() as u64,
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let quote = t.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
            let extra = t.iter().filter(|b| **b == b'"').count() as u64;
            t.len() as u64 + extra + if quote { 2 } else { 0 }
        }
    }
}

pub fn size_on_disk(p: &Posko) -> CoreResult<SizeOnDisk> {
    let c = p.connection();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let db = crate::db::db_path(&p.db.dir);
    let mut db_bytes = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    let wal = db.with_extension("db-wal");
    db_bytes += std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0);
    let mut csv = 0u64;
    for t in CSV_TABLES {
        let mut st = c.prepare(&format!("SELECT * FROM {t}"))?;
        let cols = st.column_count();
        csv += st.column_names().map(|n| n.len() as u64 + 1).sum::<u64>() + 1;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            for k in 0..cols {
                csv += csv_field_len(&r.get_ref(k)?) + 1; // separator or newline
            }
            csv += 1; // CRLF
        }
    }
    Ok(SizeOnDisk {
        db_bytes,
        csv_bytes: csv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 95.0), 95.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
        assert_eq!(percentile(&[1.0, 2.0], 0.0), 1.0);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn stats_sort_their_samples() {
        let s = Stats::of(&[5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!((s.n, s.best, s.p50, s.max), (5, 1.0, 3.0, 5.0));
        assert_eq!(s.p95, 5.0);
    }

    #[test]
    fn growth_is_the_log_log_slope() {
        let lin = growth(&[(10_000, 2.0), (100_000, 20.0), (1_000_000, 200.0)]).unwrap();
        assert!((lin - 1.0).abs() < 1e-9, "{lin}");
        let flat = growth(&[(10_000, 3.0), (100_000, 3.0)]).unwrap();
        assert!(flat.abs() < 1e-9);
        let quad = growth(&[(10_000, 1.0), (100_000, 100.0)]).unwrap();
        assert!((quad - 2.0).abs() < 1e-9);
        assert!(super_linear(quad) && !super_linear(lin) && !super_linear(flat));
        assert_eq!(growth(&[(10_000, 1.0)]), None);
        assert_eq!(growth(&[(10_000, 1.0), (100_000, 0.0)]), None);
        assert_eq!(growth(&[(10_000, 1.0), (10_000, 2.0)]), None);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        use rusqlite::types::ValueRef;
        assert_eq!(csv_field_len(&ValueRef::Null), 0);
        assert_eq!(csv_field_len(&ValueRef::Integer(-120)), 4);
        assert_eq!(csv_field_len(&ValueRef::Text(b"abc")), 3);
        assert_eq!(csv_field_len(&ValueRef::Text(b"a,b")), 5);
        assert_eq!(csv_field_len(&ValueRef::Text(b"say \"hi\"")), 12);
    }
}
