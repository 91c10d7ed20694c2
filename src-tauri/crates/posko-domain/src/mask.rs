//! Masking of identities for display, reports and exports (domain.md §6:
//! masking by default, UU 27/2022). Each function shows just enough to tell
//! records apart at a glance and never panics: input may be anything a user
//! typed. All work on `char`s, never bytes, so names in any script are safe.

use crate::phone::{normalize_phone, phone_digits_for_search};

const STAR: char = '*';

/// Keeps the last `keep` chars, stars the rest (one star per char).
fn star_all_but_last(chars: &[char], keep: usize) -> String {
    let keep = keep.min(chars.len());
    let cut = chars.len() - keep;
    std::iter::repeat_n(STAR, cut)
        .chain(chars[cut..].iter().copied())
        .collect()
}

/// Short or odd values: all but the last 2 starred, and everything starred
/// when that would reveal half or more (4 chars or fewer).
fn mask_fallback(chars: &[char]) -> String {
    if chars.len() <= 4 {
        star_all_but_last(chars, 0)
    } else {
        star_all_but_last(chars, 2)
    }
}

/// `3201014101900003` → `3201********0003`: the region and serial stay,
/// the birth date (which also tells sex) is hidden. Separators (spaces, dots,
/// dashes) are dropped first. Anything that is not 16 chars then is starred
/// except its last 2 (all starred when 4 chars or fewer), so at most 8 digits
/// of a NIK ever show.
pub fn mask_nik(nik: &str) -> String {
    let chars: Vec<char> = nik
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
        .collect();
    if chars.len() == 16 {
        chars[..4]
            .iter()
            .copied()
            .chain(std::iter::repeat_n(STAR, 8))
            .chain(chars[12..].iter().copied())
            .collect()
    } else {
        mask_fallback(&chars)
    }
}

/// Local form, digits only, first 4 and last 3 shown: `+6281234567890` →
/// `0812*****890` (one star per hidden digit, no separators, so the length
/// still hints at the kind of number without revealing it). The first 4
/// digits are the operator or area prefix, not personal. Numbers under 10
/// digits (would reveal 7 of 9) fall back to stars with the last 2 shown.
pub fn mask_phone(e164_or_local: &str) -> String {
    let local = match normalize_phone(e164_or_local) {
        Ok(e) => format!("0{}", &e[3..]),
        Err(_) => phone_digits_for_search(e164_or_local),
    };
    let chars: Vec<char> = local.chars().collect();
    if chars.len() >= 10 {
        let hidden = chars.len() - 7;
        chars[..4]
            .iter()
            .copied()
            .chain(std::iter::repeat_n(STAR, hidden))
            .chain(chars[chars.len() - 3..].iter().copied())
            .collect()
    } else {
        mask_fallback(&chars)
    }
}

/// `Siti Nurhaliza` → `S*** N*******`: the first letter of each word, one
/// star per other char. Words are split on whitespace and joined by one space.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(String::from).unwrap_or_default();
            first + &STAR.to_string().repeat(chars.count())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `siti.nurhaliza@gmail.com` → `s***@g***.com`: the first char of the local
/// part and of the domain, then a fixed `***` (so lengths are not revealed),
/// and the last domain label. Without `@` the whole value is treated as a
/// local part (`s***`).
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    if email.is_empty() {
        return String::new();
    }
    let first_then_stars = |s: &str| match s.chars().next() {
        Some(c) => format!("{c}***"),
        None => "***".to_string(),
    };
    let Some((local, domain)) = email.rsplit_once('@') else {
        return first_then_stars(email);
    };
    let domain_masked = match domain.rsplit_once('.') {
        Some((head, tld)) if !head.is_empty() && !tld.is_empty() => {
            format!("{}.{tld}", first_then_stars(head))
        }
        _ => first_then_stars(domain),
    };
    format!("{}@{domain_masked}", first_then_stars(local))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nik() {
        assert_eq!(mask_nik("3201014101900003"), "3201********0003");
        assert_eq!(mask_nik("3201 0141 0190 0003"), "3201********0003");
        assert_eq!(mask_nik("320101410190000"), "*************00"); // 15
        assert_eq!(mask_nik("32010141019000031"), "***************31"); // 17
        assert_eq!(mask_nik("12345"), "***45");
        assert_eq!(mask_nik("1234"), "****");
        assert_eq!(mask_nik("1"), "*");
        assert_eq!(mask_nik(""), "");
        assert_eq!(mask_nik("ééééé"), "***éé");
    }

    #[test]
    fn phone() {
        assert_eq!(mask_phone("+6281234567890"), "0812*****890");
        assert_eq!(mask_phone("0812-3456-7890"), "0812*****890");
        assert_eq!(mask_phone("0812345678901"), "0812******901");
        assert_eq!(mask_phone("+62215551234"), "0215***234");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone("ab"), "");
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_phone("08123"), "***23");
    }

    #[test]
    fn name() {
        assert_eq!(mask_name("Siti Nurhaliza"), "S*** N********");
        assert_eq!(mask_name("  Siti   Nurhaliza "), "S*** N********");
        assert_eq!(mask_name("Ñoño Élodie"), "Ñ*** É*****");
        assert_eq!(mask_name("李小龍"), "李**");
        assert_eq!(mask_name("A"), "A");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("   "), "");
    }

    #[test]
    fn email() {
        assert_eq!(mask_email("siti@gmail.com"), "s***@g***.com");
        assert_eq!(
            mask_email("siti.nurhaliza@dinkes.bandung.go.id"),
            "s***@d***.id"
        );
        assert_eq!(mask_email("élodie@exämple.org"), "é***@e***.org");
        assert_eq!(mask_email("siti"), "s***");
        assert_eq!(mask_email("@gmail.com"), "***@g***.com");
        assert_eq!(mask_email("siti@"), "s***@***");
        assert_eq!(mask_email("siti@localhost"), "s***@l***");
        assert_eq!(mask_email("siti@.com"), "s***@.***");
        assert_eq!(mask_email(""), "");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = mask_nik(&s);
            let _ = mask_phone(&s);
            let _ = mask_name(&s);
            let _ = mask_email(&s);
        }

        #[test]
        fn nik_reveals_at_most_8_chars(s in "[0-9 .\\-]{0,40}") {
            let masked = mask_nik(&s);
            prop_assert!(masked.chars().filter(|c| *c != '*').count() <= 8);
        }

        #[test]
        fn name_keeps_char_count_per_word(s in "\\PC{0,40}") {
            let masked = mask_name(&s);
            let words: Vec<&str> = s.split_whitespace().collect();
            let masked_words: Vec<&str> = masked.split(' ').filter(|w| !w.is_empty()).collect();
            prop_assert_eq!(words.len(), masked_words.len());
            for (w, m) in words.iter().zip(&masked_words) {
                prop_assert_eq!(w.chars().count(), m.chars().count());
            }
        }
    }
}
