//! Indonesian stemming for search and duplicate detection (issue 9).
//!
//! A word is brought to its root so that "mengantre", "antrean" and "antri"
//! meet at "antre", and "pelayanan", "dilayani" and "layanan" at "layan".
//! The algorithm follows Nazief–Adriani with the Enhanced Confix Stripping
//! prefix rules (as in Sastrawi), checked against a root-word dictionary so
//! that roots are not over-stripped ("bukan" stays "bukan", "makanan" becomes
//! "makan", not "maka"):
//!
//! 1. a word in the dictionary is its own root (a non-standard spelling maps
//!    to the standard one: "antri" → "antre", "ijin" → "izin");
//! 2. suffixes come off one by one — particle (-lah, -kah, -tah, -pun),
//!    possessive (-ku, -mu, -nya), derivational (-kan, -an, -i) — and the
//!    dictionary is asked after each;
//! 3. then up to three prefixes (di-, ke-, se-, ku-, kau-, meN-, peN-, beR-,
//!    teR-, per-, and the colloquial nge-) with the ECS disambiguation rules
//!    (meN- before a vowel may hide m, n, p, t, k or s: "memukul" → "pukul",
//!    "menyapu" → "sapu", "penyakit" → "sakit");
//! 4. prefixes are also tried with the suffixes put back one at a time
//!    ("pengembalian akhir"); the longest root wins ("memakai" is "pakai",
//!    not "maka" + -i);
//! 5. a word nothing explains stays as it is (names, places, abbreviations).
//!
//! Reduplication ("obat-obatan", "anak-anak") stems each half; halves that
//! agree give one root.
//!
//! The dictionary (`data/kata-dasar.txt`) is Posko's own list, written for
//! this project under the project's licence; see ARCHITECTURE.md for why the
//! Kateglo list that Sastrawi ships is not used.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const ROOTS: &str = include_str!("../data/kata-dasar.txt");
const STOPWORDS: &str = include_str!("../data/kata-henti.txt");

struct Lexicon {
    /// Known word → its canonical root (a root maps to itself).
    roots: HashMap<&'static str, &'static str>,
    stop: HashSet<&'static str>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut roots = HashMap::new();
    for token in words_of(ROOTS) {
        match token.split_once('=') {
            Some((variant, root)) => {
                roots.insert(variant, root);
                roots.entry(root).or_insert(root);
            }
            None => {
                roots.entry(token).or_insert(token);
            }
        }
    }
    let stop = words_of(STOPWORDS).collect();
    Lexicon { roots, stop }
});

/// Whitespace-separated tokens of a data file, `#` starting a comment.
fn words_of(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
}

/// Number of entries in the root dictionary (variants included).
pub fn dictionary_size() -> usize {
    LEXICON.roots.len()
}

/// True for the dictionary's own roots and spelling variants.
pub fn is_known(word: &str) -> bool {
    LEXICON.roots.contains_key(word)
}

/// Function words that say nothing about what a complaint is about
/// ("yang", "dan", "di", "sudah"…): left out of similarity scores.
pub fn is_stopword(word: &str) -> bool {
    LEXICON.stop.contains(word)
}

fn lookup(word: &str) -> Option<&'static str> {
    LEXICON.roots.get(word).copied()
}

/// The root of one word (any case). Words with digits or letters outside
/// a–z, and words nothing explains, come back lower-cased and otherwise
/// unchanged.
pub fn stem(word: &str) -> String {
    let w = word.trim().to_lowercase();
    if w.contains('-') {
        let parts: Vec<String> = w
            .split('-')
            .filter(|p| !p.is_empty())
            .map(stem_one)
            .collect();
        return match parts.as_slice() {
            [] => w,
            [first, ..] => first.clone(),
        };
    }
    stem_one(&w)
}

fn stem_one(w: &str) -> String {
    if !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return w.to_owned();
    }
    if let Some(root) = lookup(w) {
        return root.to_owned();
    }
    if w.len() <= 3 {
        return w.to_owned();
    }
    find_root(w).map_or_else(|| w.to_owned(), str::to_owned)
}

const MIN_ROOT: usize = 3;

/// Dictionary root of `w` if it is at least `MIN_ROOT` long.
fn known(w: &str) -> Option<&'static str> {
    (w.len() >= MIN_ROOT).then(|| lookup(w)).flatten()
}

fn strip_suffix<'a>(w: &'a str, suffixes: &[&str]) -> Option<&'a str> {
    suffixes
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .filter(|rest| rest.len() >= MIN_ROOT)
}

/// The longer of two roots (a longer root explains more of the word).
fn longer(a: Option<&'static str>, b: Option<&'static str>) -> Option<&'static str> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.len() > x.len() { y } else { x }),
        (x, y) => x.or(y),
    }
}

fn find_root(w: &str) -> Option<&'static str> {
    // Suffixes first, asking the dictionary after each.
    let particle = strip_suffix(w, &["lah", "kah", "tah", "pun"]);
    let after_particle = particle.unwrap_or(w);
    if let Some(r) = particle.and_then(known) {
        return Some(r);
    }
    let possessive = strip_suffix(after_particle, &["nya", "ku", "mu"]);
    let after_possessive = possessive.unwrap_or(after_particle);
    if let Some(r) = possessive.and_then(known) {
        return Some(r);
    }
    // "-kan" may also be "-an" after a root ending in k ("masakan", "tindakan").
    let mut derived: Vec<&str> = Vec::new();
    if let Some(rest) = strip_suffix(after_possessive, &["kan"]) {
        derived.push(rest);
    }
    if let Some(rest) = strip_suffix(after_possessive, &["an"]) {
        derived.push(rest);
    } else if let Some(rest) = strip_suffix(after_possessive, &["i"]) {
        derived.push(rest);
    }
    let by_suffix = derived.iter().fold(None, |best, d| longer(best, known(d)));
    if by_suffix.is_some() {
        return by_suffix;
    }
    // Prefixes on the fully stripped forms, then with the suffixes put back
    // one at a time; the longest root wins ("memakai" is "pakai", not
    // "maka" + -i; "bermasalah" is "masalah", not "masa" + -lah).
    let mut best = derived
        .iter()
        .fold(None, |best, d| longer(best, strip_prefixes(d)));
    for form in [after_possessive, after_particle, w] {
        if derived.contains(&form) {
            continue;
        }
        best = longer(best, strip_prefixes(form));
    }
    best
}

/// Remove up to three prefixes, asking the dictionary after each removal;
/// the shallowest hit wins, and among equally deep ones the first in the
/// rules' order ("mengurus" is "urus" before "kurus").
fn strip_prefixes(w: &str) -> Option<&'static str> {
    let mut level: Vec<String> = vec![w.to_owned()];
    for _ in 0..3 {
        let mut next = Vec::new();
        for form in &level {
            for rest in prefix_options(form) {
                if rest.len() < MIN_ROOT {
                    continue;
                }
                if let Some(root) = lookup(&rest) {
                    return Some(root);
                }
                next.push(rest);
            }
        }
        if next.is_empty() {
            return None;
        }
        level = next;
    }
    None
}

fn vowel(b: u8) -> bool {
    matches!(b, b'a' | b'i' | b'u' | b'e' | b'o')
}

fn consonant(b: u8) -> bool {
    b.is_ascii_lowercase() && !vowel(b)
}

/// What may remain after removing one prefix (ECS disambiguation rules),
/// most likely first.
fn prefix_options(w: &str) -> Vec<String> {
    let b = w.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let rest = |i: usize| w.get(i..).unwrap_or("").to_owned();
    let with = |c: &str, i: usize| format!("{c}{}", w.get(i..).unwrap_or(""));
    let mut out = Vec::new();
    if w.len() < 5 {
        return out;
    }
    match (at(0), at(1)) {
        (b'd', b'i') | (b's', b'e') => out.push(rest(2)),
        (b'k', b'e') => out.push(rest(2)),
        (b'k', b'u') => out.push(rest(2)),
        (b'k', b'a') if w.starts_with("kau") => out.push(rest(3)),
        (b'b', b'e') => {
            if at(2) == b'r' {
                if vowel(at(3)) {
                    // berV: ber-V | be-rV
                    out.push(rest(3));
                    out.push(rest(2));
                } else if at(3) != b'r' {
                    out.push(rest(3));
                }
            } else if w.starts_with("belajar") {
                out.push(rest(3));
            } else if consonant(at(2)) && at(2) != b'l' && w.get(3..5) == Some("er") {
                // beC1erC2: bekerja → kerja
                out.push(rest(2));
            }
        }
        (b't', b'e') => {
            if at(2) == b'r' {
                if vowel(at(3)) {
                    out.push(rest(3));
                    out.push(rest(2));
                } else if at(3) != b'r' {
                    out.push(rest(3));
                }
            } else if consonant(at(2)) && w.get(3..5) == Some("er") {
                out.push(rest(2));
            }
        }
        (b'm', b'e') => me_options(w, &mut out),
        (b'p', b'e') => pe_options(w, &mut out),
        (b'n', b'g') => {
            // Colloquial nge-/ng-: ngecat → cat, ngantri → antri, ngirim → kirim.
            if at(2) == b'e' && consonant(at(3)) {
                out.push(rest(3));
            }
            if vowel(at(2)) {
                out.push(rest(2));
                out.push(with("k", 2));
            }
        }
        _ => {}
    }
    out
}

fn me_options(w: &str, out: &mut Vec<String>) {
    let b = w.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let rest = |i: usize| w.get(i..).unwrap_or("").to_owned();
    let with = |c: &str, i: usize| format!("{c}{}", w.get(i..).unwrap_or(""));
    match at(2) {
        b'l' | b'r' | b'w' | b'y' if vowel(at(3)) => out.push(rest(2)),
        b'm' => match at(3) {
            b'b' | b'f' | b'v' => out.push(rest(3)),
            // mempe-/memper- and memp + V: the p is the root's (or per-'s).
            b'p' => out.push(rest(3)),
            c if vowel(c) || (c == b'r' && vowel(at(4))) => {
                // mem + V: me-mV | me-pV (memasak → masak, memukul → pukul)
                out.push(with("m", 3));
                out.push(with("p", 3));
            }
            _ => {}
        },
        b'n' => match at(3) {
            b'c' | b'd' | b'j' | b's' | b't' | b'z' => out.push(rest(3)),
            b'g' => match at(4) {
                b'g' | b'h' | b'q' | b'k' => out.push(rest(4)),
                c if vowel(c) => {
                    // meng + V: meng-V | meng-kV | menge-C | me-ngV
                    out.push(rest(4));
                    out.push(with("k", 4));
                    if c == b'e' && consonant(at(5)) {
                        out.push(rest(5));
                    }
                    out.push(with("ng", 4));
                }
                _ => {}
            },
            b'y' if vowel(at(4)) => {
                // meny + V: me-nyV | meny-sV (menyapu → sapu)
                out.push(with("s", 4));
                out.push(with("ny", 4));
            }
            c if vowel(c) => {
                // men + V: me-nV | me-tV (menanam → tanam)
                out.push(with("n", 3));
                out.push(with("t", 3));
            }
            _ => {}
        },
        _ => {}
    }
}

fn pe_options(w: &str, out: &mut Vec<String>) {
    let b = w.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let rest = |i: usize| w.get(i..).unwrap_or("").to_owned();
    let with = |c: &str, i: usize| format!("{c}{}", w.get(i..).unwrap_or(""));
    match at(2) {
        b'w' | b'y' if vowel(at(3)) => out.push(rest(2)),
        b'r' => {
            if vowel(at(3)) {
                // perV: per-V | pe-rV (perawat → rawat)
                out.push(rest(3));
                out.push(rest(2));
            } else if at(3) != b'r' {
                out.push(rest(3));
            }
        }
        b'm' => match at(3) {
            b'b' | b'f' | b'v' => out.push(rest(3)),
            c if vowel(c) || (c == b'r' && vowel(at(4))) => {
                out.push(with("m", 3));
                out.push(with("p", 3));
            }
            _ => {}
        },
        b'n' => match at(3) {
            b'c' | b'd' | b'j' | b's' | b't' | b'z' => out.push(rest(3)),
            b'g' => match at(4) {
                c if vowel(c) => {
                    out.push(rest(4));
                    out.push(with("k", 4));
                    if c == b'e' && consonant(at(5)) {
                        out.push(rest(5));
                    }
                }
                c if consonant(c) => out.push(rest(4)),
                _ => {}
            },
            b'y' if vowel(at(4)) => {
                out.push(with("s", 4));
                out.push(with("ny", 4));
            }
            c if vowel(c) => {
                out.push(with("n", 3));
                out.push(with("t", 3));
            }
            _ => {}
        },
        b'l' => {
            if w.starts_with("pelajar") {
                out.push(rest(3));
            } else if vowel(at(3)) {
                out.push(rest(2));
            }
        }
        c if consonant(c) && !matches!(c, b'r' | b'w' | b'y' | b'l' | b'm' | b'n') => {
            // peCP / peC1erC2: petugas → tugas, pekerja → kerja
            out.push(rest(2));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_examples() {
        for (word, root) in [
            ("mengantre", "antre"),
            ("antrian", "antre"),
            ("antri", "antre"),
            ("pelayanan", "layan"),
            ("dilayani", "layan"),
            ("layanan", "layan"),
            ("perawatan", "rawat"),
            ("keberatan", "berat"),
            ("diperiksakan", "periksa"),
            ("menyapu", "sapu"),
            ("memukul", "pukul"),
            ("penyakit", "sakit"),
            ("petugas", "tugas"),
            ("obat-obatan", "obat"),
            ("makanan", "makan"),
            ("bukan", "bukan"),
        ] {
            assert_eq!(stem(word), root, "{word}");
        }
    }

    #[test]
    fn unknown_words_and_numbers_stay() {
        assert_eq!(stem("Puskesmas"), "puskesmas");
        assert_eq!(stem("0812"), "0812");
        assert_eq!(stem("Nurhaliza"), "nurhaliza");
        assert_eq!(stem("é"), "é");
        assert_eq!(stem(""), "");
        assert_eq!(stem("-"), "-");
    }

    /// Lists dictionary words that the rules would also explain by another
    /// root: candidates for derived forms that slipped into the list.
    /// `cargo test -p posko-domain stem::tests::audit -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn audit_dictionary() {
        let mut words: Vec<&str> = LEXICON.roots.keys().copied().collect();
        words.sort();
        for w in words {
            if w.len() > 3
                && w.bytes().all(|b| b.is_ascii_lowercase())
                && let Some(r) = find_root(w)
            {
                println!("{w} → {r}");
            }
        }
    }

    #[test]
    fn the_dictionary_is_loaded() {
        assert!(dictionary_size() > 2000, "{}", dictionary_size());
        assert!(is_known("layan") && is_known("antri"));
        assert!(is_stopword("yang") && !is_stopword("obat"));
    }
}
