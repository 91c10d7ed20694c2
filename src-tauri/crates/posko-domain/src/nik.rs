//! NIK (Nomor Induk Kependudukan) validation (domain.md §6).
//!
//! A NIK is 16 digits: province (2) + kabupaten/kota (2) + kecamatan (2) +
//! birth date DDMMYY (day + 40 for women) + serial (4). Format and birth date
//! are checked strictly because a typo there means the wrong person; region
//! codes only warn, because regions are split and renumbered and Posko does
//! not ship the full Kemendagri code table.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::validation::{FieldError, FieldErrorCode, FieldWarning};

const FIELD: &str = "nik";

/// Warning code: province unknown, or regency/district code `00`.
pub const WARN_UNKNOWN_REGION: &str = "nik_unknown_region";
/// Warning code: serial `0000`, never issued.
pub const WARN_SERIAL_ZERO: &str = "nik_serial_zero";

/// The 38 current province codes (Kemendagri), including the Papua
/// provinces formed in 2022.
pub const PROVINCE_CODES: [&str; 38] = [
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
    "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
    "91", "92", "93", "94", "95", "96",
];

/// What a NIK says about its holder. Codes are kept as the 2-digit strings of
/// the NIK (names need the Kemendagri table, which lives elsewhere).
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq, Eq)]
pub struct NikInfo {
    pub province: String,
    pub regency: String,
    pub district: String,
    /// The two-digit year is resolved to the century that makes the holder
    /// 0–110 years old in the reference year (the younger age when both fit).
    /// `None` only when the year is outside the representable date range.
    pub birth_date: Option<NaiveDate>,
    pub female: bool,
    pub serial: String,
}

/// Validates a NIK typed by a person.
///
/// Spaces, dots and dashes are stripped first (people copy NIKs from cards
/// and letters with separators). Errors (field `nik`): non-digits →
/// `NikNotDigits`; not 16 digits → `NikLength`; impossible birth date →
/// `NikBirthDate`. Warnings (saving is allowed): `nik_unknown_region`,
/// `nik_serial_zero`.
///
/// `reference_year` is normally the current year; it decides the century of
/// the two-digit birth year.
pub fn validate_nik(
    raw: &str,
    reference_year: i32,
) -> Result<(String, NikInfo, Vec<FieldWarning>), FieldError> {
    let nik: String = raw
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
        .collect();
    if !nik.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(FIELD, FieldErrorCode::NikNotDigits));
    }
    if nik.len() != 16 {
        return Err(FieldError::new(FIELD, FieldErrorCode::NikLength));
    }
    // All ASCII digits from here, so byte slicing is safe.
    let two = |i: usize| {
        u32::from(nik.as_bytes()[i] - b'0') * 10 + u32::from(nik.as_bytes()[i + 1] - b'0')
    };
    let (dd, mm, yy) = (two(6), two(8), two(10));
    let female = dd > 40;
    let day = if female { dd - 40 } else { dd };
    let birth_date = resolve_birth_date(day, mm, yy, reference_year)
        .ok_or_else(|| FieldError::new(FIELD, FieldErrorCode::NikBirthDate))?;

    let info = NikInfo {
        province: nik[0..2].to_string(),
        regency: nik[2..4].to_string(),
        district: nik[4..6].to_string(),
        birth_date,
        female,
        serial: nik[12..16].to_string(),
    };

    let mut warnings = Vec::new();
    if !PROVINCE_CODES.contains(&info.province.as_str())
        || info.regency == "00"
        || info.district == "00"
    {
        warnings.push(FieldWarning {
            field: FIELD.to_string(),
            code: WARN_UNKNOWN_REGION.to_string(),
        });
    }
    if info.serial == "0000" {
        warnings.push(FieldWarning {
            field: FIELD.to_string(),
            code: WARN_SERIAL_ZERO.to_string(),
        });
    }
    Ok((nik, info, warnings))
}

/// Days in a month, allowing 29 February (the year is not known yet).
fn max_day(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `None` = impossible date (reject). `Some(None)` = plausible but the year
/// falls outside chrono's range. `Some(Some(d))` = the birth date.
///
/// Candidate years are those ending in `yy` that give an age of 0–110 in
/// `reference_year`, latest first; the first where the date exists wins (so
/// 29/02/00 is 2000, a leap year, rather than 1900).
fn resolve_birth_date(
    day: u32,
    month: u32,
    yy: u32,
    reference_year: i32,
) -> Option<Option<NaiveDate>> {
    if !(1..=12).contains(&month) || day == 0 || day > max_day(month) {
        return None;
    }
    let reference = i64::from(reference_year);
    let newest = reference - (reference - i64::from(yy)).rem_euclid(100);
    let mut representable = false;
    for year in [newest, newest - 100] {
        if reference - year > 110 {
            continue;
        }
        let Ok(y) = i32::try_from(year) else { continue };
        if NaiveDate::from_ymd_opt(y, 1, 1).is_none() {
            continue;
        }
        representable = true;
        if let Some(date) = NaiveDate::from_ymd_opt(y, month, day) {
            return Some(Some(date));
        }
    }
    if representable { None } else { Some(None) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn err(raw: &str) -> FieldErrorCode {
        let e = validate_nik(raw, 2026).unwrap_err();
        assert_eq!(e.field, "nik");
        e.code
    }

    fn codes(w: &[FieldWarning]) -> Vec<&str> {
        w.iter().map(|x| x.code.as_str()).collect()
    }

    #[test]
    fn valid_female() {
        let (nik, info, warnings) = validate_nik("3201014101900003", 2026).unwrap();
        assert_eq!(nik, "3201014101900003");
        assert_eq!(
            info,
            NikInfo {
                province: "32".into(),
                regency: "01".into(),
                district: "01".into(),
                birth_date: Some(d(1990, 1, 1)),
                female: true,
                serial: "0003".into(),
            }
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn valid_male_with_separators() {
        let (nik, info, warnings) = validate_nik(" 3174.05-2508 8500 01\u{a0}", 2026).unwrap();
        assert_eq!(nik, "3174052508850001");
        assert_eq!(info.birth_date, Some(d(1985, 8, 25)));
        assert!(!info.female);
        assert_eq!(info.province, "31");
        assert_eq!(info.regency, "74");
        assert_eq!(info.district, "05");
        assert!(warnings.is_empty());
    }

    #[test]
    fn century_follows_reference_year() {
        // YY = 20: 2020 (age 6), not 1920.
        let (_, info, _) = validate_nik("3201011506200001", 2026).unwrap();
        assert_eq!(info.birth_date, Some(d(2020, 6, 15)));
        // YY = 27 in 2026: 1927 (age 99).
        let (_, info, _) = validate_nik("3201011506270001", 2026).unwrap();
        assert_eq!(info.birth_date, Some(d(1927, 6, 15)));
        // Seen from 1995, YY = 90 is 1990.
        let (_, info, _) = validate_nik("3201014101900003", 1995).unwrap();
        assert_eq!(info.birth_date, Some(d(1990, 1, 1)));
        // 29 Feb 2000 (female): 2000 is a leap year.
        let (_, info, _) = validate_nik("3201016902000003", 2026).unwrap();
        assert_eq!(info.birth_date, Some(d(2000, 2, 29)));
        assert!(info.female);
        // Seen from 2005, YY = 00 could be 2000 (5) or 1900 (105): the younger.
        let (_, info, _) = validate_nik("3201011001000003", 2005).unwrap();
        assert_eq!(info.birth_date, Some(d(2000, 1, 10)));
    }

    #[test]
    fn bad_birth_dates() {
        assert_eq!(err("3201013201900003"), FieldErrorCode::NikBirthDate); // day 32
        assert_eq!(err("3201017201900003"), FieldErrorCode::NikBirthDate); // day 72 (32 + 40)
        assert_eq!(err("3201014001900003"), FieldErrorCode::NikBirthDate); // day 40 → 0
        assert_eq!(err("3201010001900003"), FieldErrorCode::NikBirthDate); // day 0
        assert_eq!(err("3201011513900003"), FieldErrorCode::NikBirthDate); // month 13
        assert_eq!(err("3201011500900003"), FieldErrorCode::NikBirthDate); // month 0
        assert_eq!(err("3201013104900003"), FieldErrorCode::NikBirthDate); // 31 April
        assert_eq!(err("3201012902010003"), FieldErrorCode::NikBirthDate); // 29 Feb 2001
        assert_eq!(err("3201016902010003"), FieldErrorCode::NikBirthDate); // same, female
    }

    #[test]
    fn length_and_digits() {
        assert_eq!(err("320101410190000"), FieldErrorCode::NikLength); // 15
        assert_eq!(err("32010141019000031"), FieldErrorCode::NikLength); // 17
        assert_eq!(err(""), FieldErrorCode::NikLength);
        assert_eq!(err("32010141019000AB"), FieldErrorCode::NikNotDigits);
        assert_eq!(err("3201O14101900003"), FieldErrorCode::NikNotDigits); // letter O
        assert_eq!(
            err("３２０１０１４１０１９０００３"),
            FieldErrorCode::NikNotDigits
        ); // full-width
        assert_eq!(err("3201/014101900003"), FieldErrorCode::NikNotDigits);
    }

    #[test]
    fn region_and_serial_warn_but_accept() {
        let (_, info, w) = validate_nik("9901014101900003", 2026).unwrap();
        assert_eq!(info.province, "99");
        assert_eq!(codes(&w), vec![WARN_UNKNOWN_REGION]);
        assert_eq!(w[0].field, "nik");
        let (_, _, w) = validate_nik("3200014101900003", 2026).unwrap();
        assert_eq!(codes(&w), vec![WARN_UNKNOWN_REGION]);
        let (_, _, w) = validate_nik("3201004101900003", 2026).unwrap();
        assert_eq!(codes(&w), vec![WARN_UNKNOWN_REGION]);
        let (_, _, w) = validate_nik("3201014101900000", 2026).unwrap();
        assert_eq!(codes(&w), vec![WARN_SERIAL_ZERO]);
        let (_, _, w) = validate_nik("0000004101900000", 2026).unwrap();
        assert_eq!(codes(&w), vec![WARN_UNKNOWN_REGION, WARN_SERIAL_ZERO]);
        // A Papua province formed in 2022.
        let (_, _, w) = validate_nik("9601014101900003", 2026).unwrap();
        assert!(w.is_empty());
    }

    #[test]
    fn extreme_reference_years_do_not_panic() {
        for year in [i32::MIN, -1, 0, 1, 99, 262_143, i32::MAX] {
            let _ = validate_nik("3201014101900003", year);
            let _ = validate_nik("3201012902000003", year);
        }
        let (_, info, _) = validate_nik("3201014101900003", i32::MAX).unwrap();
        assert_eq!(info.birth_date, None);
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC*", year in any::<i32>()) {
            let _ = validate_nik(&raw, year);
        }

        #[test]
        fn sixteen_digits_fail_only_on_the_date(raw in "[0-9]{16}") {
            if let Err(e) = validate_nik(&raw, 2026) {
                prop_assert_eq!(e.code, FieldErrorCode::NikBirthDate);
            }
        }

        #[test]
        fn birth_date_and_sex_round_trip(
            days in 0u64..36_500, female in any::<bool>(), serial in 1u32..10_000
        ) {
            // 1927-01-01 .. 2026-12: the century window seen from 2026.
            let born = d(1927, 1, 1) + chrono::Days::new(days);
            let dd = chrono::Datelike::day(&born) + if female { 40 } else { 0 };
            let raw = format!(
                "320101{dd:02}{}{serial:04}",
                born.format("%m%y")
            );
            let (nik, info, warnings) = validate_nik(&raw, 2026).unwrap();
            prop_assert_eq!(nik, raw);
            prop_assert_eq!(info.birth_date, Some(born));
            prop_assert_eq!(info.female, female);
            prop_assert!(warnings.is_empty());
        }
    }
}
