//! Full-text search over the register (SQLite FTS5) and duplicate hints.
//! Query building is pure and tested here; the index is maintained by
//! `complaints::index_fts` in the same transaction as the row.

use std::collections::HashSet;

use chrono::Duration;
use posko_domain::phone::{normalize_phone, phone_digits_for_search};
use posko_domain::role::Permission;
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, params};

use crate::app::{Posko, parse_date};
use crate::complaints::status_of;
use crate::error::CoreResult;
use crate::model::{Actor, ComplaintInput, DuplicateHint, DuplicateReason};

/// Columns a viewer without identity permission may search in.
const NON_IDENTITY_COLUMNS: &str = "{register_no title description place}";

/// Words shorter than this are too common to say anything about similarity.
const MIN_SIMILAR_WORD: usize = 4;

/// The roots of a text's words, space-separated (the stemmed shadow columns).
pub fn stems_text(text: &str) -> String {
    words(text)
        .iter()
        .map(|w| posko_domain::stem::stem(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A register number as words ("PKM-SENDANA/2026/0002" → "PKM SENDANA 2026 0002").
pub fn register_words(register_no: &str) -> String {
    register_no.replace(['/', '-'], " ")
}

/// The identity column's text: name, NIK and the phone in the local 08… form.
pub fn identity_text(name: Option<&str>, nik: Option<&str>, phone: Option<&str>) -> String {
    [
        name.map(str::to_owned),
        nik.map(str::to_owned),
        phone.map(phone_digits_for_search),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

/// Words typo suggestions may offer: a–z only, three letters or more, each once.
pub fn vocabulary_words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    words(text)
        .into_iter()
        .filter(|w| w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()))
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Index a complaint's Tracking ID again from its row, in the caller's
/// transaction (the ID arrives later, from sync or by hand). The trigger of
/// migration 0006 does the same on every change of the column; calling this
/// as well is harmless.
pub(crate) fn reindex_ids(conn: &Connection, id: i64) -> CoreResult<()> {
    conn.execute("DELETE FROM complaints_tracking WHERE rowid = ?1", [id])?;
    conn.execute(
        "INSERT INTO complaints_tracking (rowid, tracking_id)
         SELECT id, lapor_tracking_id FROM complaints WHERE id = ?1 AND lapor_tracking_id IS NOT NULL",
        [id],
    )?;
    Ok(())
}

/// SQL functions over the same code, for migrations that rebuild the index.
pub(crate) fn register_sql_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("posko_stems", 1, flags, |ctx| {
        Ok(stems_text(
            &ctx.get::<Option<String>>(0)?.unwrap_or_default(),
        ))
    })?;
    conn.create_scalar_function("posko_register_words", 1, flags, |ctx| {
        Ok(register_words(
            &ctx.get::<Option<String>>(0)?.unwrap_or_default(),
        ))
    })?;
    conn.create_scalar_function("posko_identity", 3, flags, |ctx| {
        Ok(identity_text(
            ctx.get::<Option<String>>(0)?.as_deref(),
            ctx.get::<Option<String>>(1)?.as_deref(),
            ctx.get::<Option<String>>(2)?.as_deref(),
        ))
    })?;
    Ok(())
}

/// Turn what a user typed into a safe FTS5 query. Every word becomes a quoted
/// prefix term (so punctuation and FTS operators typed by a user are inert);
/// text in double quotes stays an exact phrase. Terms are ANDed.
/// Returns None when nothing searchable was typed.
pub fn fts_query(text: &str, include_identity: bool) -> Option<String> {
    let mut terms = Vec::new();
    for (i, part) in text.split('"').enumerate() {
        if i % 2 == 1 {
            let words = words(part);
            if !words.is_empty() {
                terms.push(format!("\"{}\"", words.join(" ")));
            }
        } else {
            for w in words(part) {
                terms.push(format!("\"{w}\"*"));
            }
        }
    }
    if terms.is_empty() {
        return None;
    }
    let q = terms.join(" AND ");
    Some(if include_identity {
        q
    } else {
        format!("{NON_IDENTITY_COLUMNS} : ({q})")
    })
}

/// Split into lower-case words of letters and digits (Unicode-aware).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn significant(text: &str) -> HashSet<String> {
    words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= MIN_SIMILAR_WORD)
        .collect()
}

/// Share of words two texts have in common (Jaccard), 0–100.
pub fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    (inter / union * 100.0).round() as u8
}

pub(crate) fn duplicate_hints(
    p: &Posko,
    actor: &Actor,
    input: &ComplaintInput,
) -> CoreResult<Vec<DuplicateHint>> {
    let conn = p.connection();
    let since = (p.today() - Duration::days(30)).to_string();
    let secret = if actor.role.can(Permission::ViewSecret) {
        ""
    } else {
        " AND is_secret = 0"
    };
    let can_identity = actor.role.can(Permission::ViewIdentity);
    let mut found: Vec<DuplicateHint> = Vec::new();
    let mut push = |id: i64,
                    reg: String,
                    title: String,
                    date: String,
                    status: String,
                    reason: DuplicateReason,
                    sim: u8| {
        if let Some(h) = found.iter_mut().find(|h| h.id == id) {
            h.reasons.push(reason);
            h.similarity = h.similarity.max(sim);
        } else {
            found.push(DuplicateHint {
                id,
                register_no: reg,
                title,
                received_date: parse_date(&date),
                status: status_of(&status),
                reasons: vec![reason],
                similarity: sim,
            });
        }
    };
    let base = format!(
        "SELECT id, register_no, title, received_date, status, description FROM complaints
         WHERE is_open = 1 AND received_date >= ?1{secret}"
    );
    if can_identity {
        let nik = input
            .reporter
            .nik
            .as_deref()
            .map(|n| n.chars().filter(char::is_ascii_digit).collect::<String>());
        if let Some(nik) = nik.filter(|n| n.len() == 16) {
            let mut stmt =
                conn.prepare_cached(&format!("{base} AND reporter_nik = ?2 LIMIT 20"))?;
            for r in stmt.query_map(params![since, nik], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })? {
                let (id, reg, title, date, status) = r?;
                push(id, reg, title, date, status, DuplicateReason::SameNik, 0);
            }
        }
        if let Some(phone) = input
            .reporter
            .phone
            .as_deref()
            .and_then(|p| normalize_phone(p).ok())
        {
            let mut stmt =
                conn.prepare_cached(&format!("{base} AND reporter_phone = ?2 LIMIT 20"))?;
            for r in stmt.query_map(params![since, phone], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })? {
                let (id, reg, title, date, status) = r?;
                push(id, reg, title, date, status, DuplicateReason::SamePhone, 0);
            }
        }
    }
    let mine = significant(&format!("{} {}", input.title, input.description));
    if !mine.is_empty() {
        // Candidates: any open recent complaint sharing a significant word, best BM25 first.
        let mut ws: Vec<&String> = mine.iter().collect();
        ws.sort();
        ws.truncate(32);
        let q = format!(
            "{NON_IDENTITY_COLUMNS} : ({})",
            ws.iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" OR ")
        );
        let mut stmt = conn.prepare_cached(&format!(
            "{base} AND id IN (SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?2 ORDER BY rank LIMIT 200) LIMIT 200"
        ))?;
        for r in stmt.query_map(params![since, q], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })? {
            let (id, reg, title, date, status, desc) = r?;
            let sim = similarity(&mine, &significant(&format!("{title} {desc}")));
            if sim >= 50 {
                push(
                    id,
                    reg,
                    title,
                    date,
                    status,
                    DuplicateReason::SimilarText,
                    sim,
                );
            }
        }
    }
    found.sort_by(|a, b| {
        b.reasons
            .len()
            .cmp(&a.reasons.len())
            .then(b.similarity.cmp(&a.similarity))
    });
    found.truncate(10);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_a_safe_prefix_query() {
        assert_eq!(
            fts_query("antrean panjang", true).unwrap(),
            "\"antrean\"* AND \"panjang\"*"
        );
        assert_eq!(
            fts_query("  \"obat habis\" apotek", true).unwrap(),
            "\"obat habis\" AND \"apotek\"*"
        );
        // FTS operators and stray quotes are inert.
        assert_eq!(
            fts_query("NOT OR* (x", true).unwrap(),
            "\"not\"* AND \"or\"* AND \"x\"*"
        );
        assert_eq!(fts_query("\"unclosed", true).unwrap(), "\"unclosed\"");
        assert!(fts_query(" -- ** ", true).is_none());
    }

    #[test]
    fn identity_columns_are_excluded_without_permission() {
        let q = fts_query("siti", false).unwrap();
        assert!(
            q.starts_with("{register_no title description place} :"),
            "{q}"
        );
    }

    #[test]
    fn similarity_is_jaccard_of_significant_words() {
        let a = significant("Antrean panjang di loket pendaftaran");
        let b = significant("Loket pendaftaran antrean sangat panjang");
        assert_eq!(similarity(&a, &b), 80);
        assert_eq!(similarity(&a, &HashSet::new()), 0);
    }
}
