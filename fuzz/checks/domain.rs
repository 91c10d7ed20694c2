//! The checks behind the posko-domain fuzz targets. Shared, word for word,
//! by the fuzz targets (`fuzz_targets/*.rs`) and by the regression test
//! `src-tauri/crates/posko-domain/tests/it/fuzz_regressions.rs`, which feeds every
//! file under `fuzz/regressions/<target>/` to the same function on every
//! `cargo test`. Each function must not panic, whatever the bytes.
#![allow(dead_code)]

use posko_domain::mask::{mask_email, mask_name, mask_nik, mask_phone};
use posko_domain::phone::{display_phone, normalize_phone, phone_digits_for_search};

/// NIK validation (and the masks shown for what a clerk typed): an accepted
/// NIK is 16 ASCII digits, and its mask shows at most 8 of them.
pub fn nik(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let masked = mask_nik(s);
    assert!(
        masked.chars().filter(char::is_ascii_digit).count() <= 8,
        "{masked}"
    );
    if let Ok((nik, _info, _warnings)) = posko_domain::nik::validate_nik(s, 2026) {
        assert_eq!(nik.len(), 16);
        assert!(nik.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(mask_nik(&nik).chars().filter(|c| *c == '*').count(), 8);
    }
    let _ = mask_name(s);
    let _ = mask_email(s);
}

/// Phone normalisation: an accepted number is E.164 (+62…), and its display
/// form normalises again to itself.
pub fn phone(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = phone_digits_for_search(s);
    let _ = mask_phone(s);
    if let Ok(e164) = normalize_phone(s) {
        assert!(e164.starts_with("+62"), "{e164}");
        let shown = display_phone(&e164);
        assert_eq!(
            normalize_phone(&shown).ok().as_deref(),
            Some(e164.as_str()),
            "{shown}"
        );
    }
}

/// Holiday CSV import: rows have unique dates.
pub fn holiday_csv(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rows) = posko_domain::calendar::parse_holiday_csv(s) {
        let mut dates: Vec<_> = rows.iter().map(|h| h.date).collect();
        dates.sort();
        dates.dedup();
        assert_eq!(dates.len(), rows.len());
    }
}

/// Data files in TOML: monev instruments (imported by users) and deadline
/// rule sets. Refused or accepted, never a panic.
pub fn instrument(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = posko_domain::instrument::parse_instrument(s);
    let _ = posko_domain::deadline::parse_rule_sets(s);
}

/// Complaint import from CSV (`posko_domain::import`): refused with at least
/// one problem naming an existing row, or accepted with rows in file order
/// whose values passed the domain checks (dates not after "today", NIK of 16
/// digits, phones in E.164, required text present, no duplicate rows).
pub fn import_csv(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date");
    // A row number never exceeds the file's line count.
    let lines = s.matches(['\n', '\r']).count() + 1;
    if let Err(e) = posko_domain::import::split_csv(s) {
        assert!(e.row >= 1 && e.row <= lines, "{e:?}");
    }
    match posko_domain::import::parse_csv(s, today) {
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(e.row >= 1 && e.row <= lines, "{e:?}");
            }
        }
        Ok(rows) => {
            assert!(!rows.is_empty());
            let mut last = 1;
            let mut seen = std::collections::HashSet::new();
            for r in &rows {
                assert!(r.row > last, "{} after {last}", r.row);
                last = r.row;
                assert!(r.received_date <= today);
                assert!(!r.title.trim().is_empty() && !r.description.trim().is_empty());
                if let Some(n) = &r.nik {
                    assert!(n.len() == 16 && n.bytes().all(|b| b.is_ascii_digit()));
                }
                if let Some(p) = &r.phone {
                    assert!(p.starts_with("+62"), "{p}");
                }
                assert!(seen.insert(r.fingerprint_text()));
            }
        }
    }
    // The proposed mapping: one field per column at most, each field once,
    // and parsing with it names existing rows or gives rows in file order.
    if let Ok(table) = posko_domain::import::split_csv(s)
        && let Some((_, header)) = posko_domain::import::header_of(&table)
    {
        let proposal = posko_domain::import::propose_mapping(header);
        assert_eq!(proposal.len(), header.len());
        let mut fields = std::collections::HashSet::new();
        for (f, _) in &proposal {
            if let Some(f) = f {
                assert!(fields.insert(*f), "{f:?} proposed twice");
            }
        }
        let mapping = posko_domain::import::proposed_mapping(header);
        match posko_domain::import::parse_table_mapped(&table, Some(&mapping), today) {
            Err(errors) => {
                assert!(!errors.is_empty());
                for e in &errors {
                    assert!(e.row >= 1 && e.row <= lines, "{e:?}");
                }
            }
            Ok(rows) => {
                assert!(!rows.is_empty());
                assert!(rows.windows(2).all(|w| w[0].row < w[1].row));
            }
        }
    }
}
