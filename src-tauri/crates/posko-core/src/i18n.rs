//! Translation catalogs for sentences the core produces (errors, CLI output,
//! report text). Indonesian first, English second. The UI has its own catalog
//! for screen text; error sentences come from here so both front ends agree.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn from_code(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "id" | "id-id" | "in" => Some(Lang::Id),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
}

type Catalog = HashMap<String, String>;

fn catalog(lang: Lang) -> &'static Catalog {
    static ID: OnceLock<Catalog> = OnceLock::new();
    static EN: OnceLock<Catalog> = OnceLock::new();
    match lang {
        Lang::Id => ID.get_or_init(|| parse(include_str!("../messages/id.json"))),
        Lang::En => EN.get_or_init(|| parse(include_str!("../messages/en.json"))),
    }
}

fn parse(text: &str) -> Catalog {
    // The catalogs are compiled in and checked by a test; a broken one is a build bug.
    serde_json::from_str(text).expect("message catalog is valid JSON")
}

/// Look up a message. A missing key falls back to Indonesian, then to the key
/// itself, so a gap is visible but never a crash.
pub fn t(lang: Lang, key: &str) -> String {
    catalog(lang)
        .get(key)
        .or_else(|| catalog(Lang::Id).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// Look up a message and fill `{name}` placeholders.
pub fn t_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}", name = name), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys() {
        let id = catalog(Lang::Id);
        let en = catalog(Lang::En);
        let mut missing: Vec<_> = id.keys().filter(|k| !en.contains_key(*k)).collect();
        missing.extend(en.keys().filter(|k| !id.contains_key(*k)));
        assert!(
            missing.is_empty(),
            "keys missing in one catalog: {missing:?}"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        let s = t_with(Lang::Id, "error.ACCOUNT_LOCKED", &[("seconds", "30")]);
        assert!(s.contains("30"), "{s}");
        assert!(!s.contains('{'));
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
    }
}
