//! Indonesian phone numbers (domain.md §6): stored in E.164 (`+62…`) so one
//! number has one spelling, shown in the local form people dial (`08…`,
//! `(021) …`).

use crate::validation::{FieldError, FieldErrorCode};

const FIELD: &str = "phone";

/// Area codes with two digits after the trunk 0 (Jakarta, Bandung, Semarang,
/// Surabaya, Medan); all others have three. Only used for display.
const TWO_DIGIT_AREAS: [&str; 5] = ["21", "22", "24", "31", "61"];

fn phone_error() -> FieldError {
    FieldError::new(FIELD, FieldErrorCode::PhoneFormat)
}

/// Separators people type or paste: spaces (any Unicode space), dashes
/// (ASCII and typographic), dots and parentheses.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '\u{2010}'..='\u{2015}')
}

/// Normalizes an Indonesian phone number to E.164 (`+6281234567890`).
///
/// Accepted prefixes: `0` (trunk), `+62`, `62`, `0062`; a stray trunk `0`
/// after the country code (`+62 (0)812…`) is dropped. After the prefix the
/// national significant number (NSN) must be:
/// - mobile: starts with 8, 9–12 digits (10–13 with the leading 0);
/// - landline: starts with 2–7 (area codes 02x–07x) or 9 (09xx, Maluku and
///   Papua), 7–11 digits.
///
/// Anything else is `PhoneFormat` on field `phone`: letters, other country
/// codes (`+1…`, `00` + anything but 62), service numbers starting with 1,
/// too short or too long.
pub fn normalize_phone(raw: &str) -> Result<String, FieldError> {
    let compact: String = raw.chars().filter(|c| !is_separator(*c)).collect();
    let (plus, digits) = match compact.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(phone_error());
    }
    let after_country =
        |rest: &'_ str| -> String { rest.strip_prefix('0').unwrap_or(rest).to_string() };
    let nsn = if plus {
        after_country(digits.strip_prefix("62").ok_or_else(phone_error)?)
    } else if let Some(rest) = digits.strip_prefix("0062") {
        after_country(rest)
    } else if digits.starts_with("00") {
        return Err(phone_error());
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix("62") {
        after_country(rest)
    } else {
        return Err(phone_error());
    };
    let ok = match nsn.as_bytes().first() {
        Some(b'8') => (9..=12).contains(&nsn.len()),
        Some(b'2'..=b'7' | b'9') => (7..=11).contains(&nsn.len()),
        _ => false,
    };
    if ok {
        Ok(format!("+62{nsn}"))
    } else {
        Err(phone_error())
    }
}

/// The local form for display: mobiles as `0812-3456-7890` (4-4-rest),
/// landlines as `(021) 5551234`. Input that is not a valid Indonesian number
/// is returned trimmed and unchanged, so nothing typed is ever hidden.
pub fn display_phone(e164: &str) -> String {
    let Ok(e) = normalize_phone(e164) else {
        return e164.trim().to_string();
    };
    // `e` is "+62" + ASCII digits, NSN at least 7 long.
    let nsn = &e[3..];
    if nsn.starts_with('8') {
        let local = format!("0{nsn}");
        let (a, rest) = local.split_at(4);
        let (b, c) = rest.split_at(4);
        if c.is_empty() {
            format!("{a}-{b}")
        } else {
            format!("{a}-{b}-{c}")
        }
    } else {
        let area_len = if TWO_DIGIT_AREAS.contains(&&nsn[..2]) {
            2
        } else {
            3
        };
        let (area, number) = nsn.split_at(area_len);
        format!("(0{area}) {number}")
    }
}

/// Digits in local form for substring search: `+62 812 3456` and `0812 3456`
/// both give `08123456`, so a query matches however either side was typed.
/// A leading `+62`, `0062` or `62` is read as the country code (WhatsApp
/// writes `62812…`); the price is that a query for a middle fragment starting
/// with 62 is read as a country code too.
pub fn phone_digits_for_search(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let rest = digits
        .strip_prefix("0062")
        .or_else(|| digits.strip_prefix("62"));
    match rest {
        Some(rest) => format!("0{}", rest.strip_prefix('0').unwrap_or(rest)),
        None => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(raw: &str) -> String {
        normalize_phone(raw).unwrap_or_else(|e| panic!("{raw:?}: {e:?}"))
    }

    #[test]
    fn mobile_spellings() {
        for raw in [
            "0812-3456-7890",
            "0812 3456 7890",
            "+62 812 3456 7890",
            "+62-812-3456-7890",
            "6281234567890",
            "006281234567890",
            "+62 (0)812 3456 7890",
            "0812.3456.7890",
            "\u{a0}0812\u{2013}3456\u{2013}7890 ",
        ] {
            assert_eq!(ok(raw), "+6281234567890", "{raw}");
        }
        assert_eq!(ok("0812345678"), "+62812345678"); // 10 digits
        assert_eq!(ok("0812345678901"), "+62812345678901"); // 13 digits
    }

    #[test]
    fn landlines() {
        assert_eq!(ok("(021) 555-1234"), "+62215551234");
        assert_eq!(ok("021-29522222"), "+622129522222");
        assert_eq!(ok("(0274) 512345"), "+62274512345");
        assert_eq!(ok("+62 22 4234567"), "+62224234567");
        assert_eq!(ok("(0967) 533 123"), "+62967533123"); // Jayapura
    }

    #[test]
    fn rejects() {
        for raw in [
            "",
            "   ",
            "08123abc890",
            "0812345",         // too short
            "081234567",       // 9 digits mobile
            "08123456789012",  // 14 digits mobile
            "+1 202 555 0123", // other country
            "0012025550123",   // 00 + other country
            "812345678",       // no trunk 0
            "021123",          // landline too short
            "0211234567890",   // landline too long
            "0112",            // service number
            "1708",            // SMS short code
            "+",
            "++6281234567890",
            "0812+34567890",
            "00081234567890",
            "+62",
            "62",
            "０８１２３４５６７８９０", // full-width digits
        ] {
            let e = normalize_phone(raw).unwrap_err();
            assert_eq!(
                e,
                FieldError::new("phone", FieldErrorCode::PhoneFormat),
                "{raw}"
            );
        }
    }

    #[test]
    fn display() {
        assert_eq!(display_phone("+6281234567890"), "0812-3456-7890");
        assert_eq!(display_phone("+62812345678901"), "0812-3456-78901");
        assert_eq!(display_phone("+62812345678"), "0812-3456-78");
        assert_eq!(display_phone("+62215551234"), "(021) 5551234");
        assert_eq!(display_phone("+62274512345"), "(0274) 512345");
        assert_eq!(display_phone("0812 3456 7890"), "0812-3456-7890");
        assert_eq!(display_phone(" nomor lama "), "nomor lama");
        assert_eq!(display_phone(""), "");
    }

    #[test]
    fn search_digits() {
        assert_eq!(phone_digits_for_search("+62 812 3456"), "08123456");
        assert_eq!(phone_digits_for_search("0812 3456"), "08123456");
        assert_eq!(phone_digits_for_search("62812-3456"), "08123456");
        assert_eq!(phone_digits_for_search("0062 812"), "0812");
        assert_eq!(phone_digits_for_search("+62 (0)812"), "0812");
        assert_eq!(phone_digits_for_search("3456"), "3456");
        assert_eq!(phone_digits_for_search("(021) 555"), "021555");
        assert_eq!(phone_digits_for_search("abc"), "");
        assert_eq!(phone_digits_for_search(""), "");
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC*") {
            if let Ok(e) = normalize_phone(&raw) {
                prop_assert!(e.starts_with("+62"));
            }
            let _ = display_phone(&raw);
            let _ = phone_digits_for_search(&raw);
        }

        #[test]
        fn never_panics_on_phone_like_text(raw in "[+0-9 ()\\-.]{0,24}") {
            let _ = normalize_phone(&raw);
            let _ = display_phone(&raw);
        }

        #[test]
        fn normalized_is_a_fixed_point_and_display_round_trips(
            rest in "[0-9]{8,11}", landline in any::<bool>(), area in "[2-79]"
        ) {
            let local = if landline { format!("0{area}{}", &rest[..rest.len().min(9)]) } else { format!("08{rest}") };
            let e = normalize_phone(&local).unwrap();
            prop_assert_eq!(normalize_phone(&e).unwrap(), e.clone());
            let shown = display_phone(&e);
            prop_assert_eq!(normalize_phone(&shown).unwrap(), e.clone());
            prop_assert_eq!(phone_digits_for_search(&e), local.clone());
            prop_assert_eq!(phone_digits_for_search(&shown), local);
        }
    }
}
