//! Indonesian formatting: dates ("2 Juli 2024"), day names, numbers
//! ("100.000", "85,71").

use chrono::{Datelike, NaiveDate, Weekday};

pub const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// "2 Juli 2024".
pub fn date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// "Juli 2024".
pub fn month_year(d: NaiveDate) -> String {
    format!("{} {}", MONTHS[d.month0() as usize], d.year())
}

/// "Mar 2026" from "2026-03".
pub fn month_key_short(key: &str) -> String {
    let mut parts = key.split('-');
    let (Some(y), Some(m)) = (parts.next(), parts.next()) else {
        return key.to_owned();
    };
    match m.parse::<usize>() {
        Ok(m @ 1..=12) => format!("{} {}", &MONTHS[m - 1][..3], y),
        _ => key.to_owned(),
    }
}

/// "Maret 2026" from "2026-03".
pub fn month_key_long(key: &str) -> String {
    let mut parts = key.split('-');
    let (Some(y), Some(m)) = (parts.next(), parts.next()) else {
        return key.to_owned();
    };
    match m.parse::<usize>() {
        Ok(m @ 1..=12) => format!("{} {}", MONTHS[m - 1], y),
        _ => key.to_owned(),
    }
}

pub fn weekday(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "Senin",
        Weekday::Tue => "Selasa",
        Weekday::Wed => "Rabu",
        Weekday::Thu => "Kamis",
        Weekday::Fri => "Jumat",
        Weekday::Sat => "Sabtu",
        Weekday::Sun => "Minggu",
    }
}

/// "1 Januari 2026 s.d. 31 Maret 2026".
pub fn period(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        date(from)
    } else {
        format!("{} s.d. {}", date(from), date(to))
    }
}

/// 100000 → "100.000".
pub fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

pub fn signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", int(n.unsigned_abs()))
    } else {
        int(n as u64)
    }
}

/// 85.714 → "85,71"; 60.0 → "60"; two decimals at most, Indonesian comma.
pub fn dec(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    let whole = r.trunc();
    let frac = ((r - whole).abs() * 100.0).round() as u64;
    let sign = if r < 0.0 { "-" } else { "" };
    let w = int(whole.abs() as u64);
    match frac {
        0 => format!("{sign}{w}"),
        f if f % 10 == 0 => format!("{sign}{w},{}", f / 10),
        f => format!("{sign}{w},{f:02}"),
    }
}

/// "85,71%", or "–" when there is nothing to divide.
pub fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{}%", dec(v)))
        .unwrap_or_else(|| "–".into())
}

pub fn opt_dec(x: Option<f64>) -> String {
    x.map(dec).unwrap_or_else(|| "–".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn indonesian_dates_and_numbers() {
        assert_eq!(date(d(2024, 7, 2)), "2 Juli 2024");
        assert_eq!(weekday(d(2026, 3, 24)), "Selasa");
        assert_eq!(
            period(d(2026, 1, 1), d(2026, 3, 31)),
            "1 Januari 2026 s.d. 31 Maret 2026"
        );
        assert_eq!(month_key_short("2026-03"), "Mar 2026");
        assert_eq!(month_key_long("2026-12"), "Desember 2026");
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(100_000), "100.000");
        assert_eq!(int(1_234_567), "1.234.567");
        assert_eq!(dec(85.714), "85,71");
        assert_eq!(dec(60.0), "60");
        assert_eq!(dec(11.4), "11,4");
        assert_eq!(dec(1234.5), "1.234,5");
        assert_eq!(dec(0.05), "0,05");
        assert_eq!(pct(Some(28.57)), "28,57%");
        assert_eq!(pct(None), "–");
        assert_eq!(signed(-3), "-3");
    }
}
