//! Search over the register and duplicate hints (issue 9): Indonesian
//! stemming, substring search of identifiers, typo suggestions, ranking and
//! highlighting. Query building and highlighting are pure and tested here;
//! the index is maintained by `complaints::index_fts` in the same
//! transaction as the row (migration 0006 describes the tables).
//!
//! A text query runs against two indexes: the word index (`complaints_fts`:
//! each typed word as a prefix of the original words, or its root among the
//! stemmed shadow columns; quoted text as an exact phrase) and the trigram
//! indexes (`complaints_ids`, `complaints_tracking`: fragments of register
//! numbers, Tracking IDs and identities, phone numbers in any spelling).
//! Each index gives the newest `SEARCH_WINDOW` matches that pass the
//! register's filters (a bounded amount of work at any register size); the
//! union is ranked: an identifier match first, then a match in the title
//! over one in the description only, each weighted by recency, open before
//! closed on ties. (FTS5's BM25 is not used: its IDF pass reads every match
//! of every term, which alone took longer than the whole search budget for
//! common words at a million complaints; see docs/benchmarks.md.)

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use posko_domain::phone::{normalize_phone, phone_digits_for_search};
use posko_domain::role::Permission;
use posko_domain::stem::{is_stopword, stem};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::app::{Posko, parse_date};
use crate::complaints::{ROW_COLUMNS, status_of};
use crate::error::CoreResult;
use crate::model::{
    Actor, ComplaintFilter, ComplaintInput, DuplicateHint, DuplicateReason, RegisterPage,
    ReporterInput, SortOrder, TextPart,
};

/// The search indexes' rowid is `FTS_KEY - complaint id` (migration 0006):
/// FTS5 streams a doclist forward but loads it whole to go backwards, so
/// ascending rowids put the newest complaints first and a window stops early.
pub const FTS_KEY: i64 = 1 << 42;

/// The search indexes' rowid of a complaint.
pub fn fts_rowid(id: i64) -> i64 {
    FTS_KEY - id
}

/// Matches each index keeps for ranking (the newest ones).
pub const SEARCH_WINDOW: usize = 1000;
/// The same for the trigram indexes: identifier fragments are checked
/// position by position, and a name shared by thousands of reporters needs
/// narrowing anyway.
pub const ID_WINDOW: usize = 200;

/// Original-text columns a viewer without identity permission may search.
const PUBLIC_COLUMNS: &str = "{register_no title description place}";
/// The same with the identity column.
const ALL_COLUMNS: &str = "{register_no title description place reporter}";
/// The stemmed shadow columns.
const STEM_COLUMNS: &str = "{title_stem body_stem}";
/// The title columns, original and stemmed.
const TITLE_COLUMNS: &str = "{title title_stem}";
/// Scores (lower is better, like FTS5 ranks): a match anywhere, in the
/// title, by an identifier.
const TEXT_SCORE: f64 = -1.0;
const TITLE_SCORE: f64 = -3.0;
const ID_SCORE: f64 = -6.0;

/// Words shorter than this are too common to say anything about similarity.
const MIN_SIMILAR_WORD: usize = 3;
/// Text similarity (percent) from which a complaint is a duplicate hint.
const SIMILAR_FROM: u8 = 50;
/// Complaints compared for text similarity (the newest sharing a root).
const DUPLICATE_CANDIDATES: usize = 300;

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
    conn.execute(
        "DELETE FROM complaints_tracking WHERE rowid = ?1",
        [fts_rowid(id)],
    )?;
    conn.execute(
        "INSERT INTO complaints_tracking (rowid, tracking_id)
         SELECT ?2, lapor_tracking_id FROM complaints WHERE id = ?1 AND lapor_tracking_id IS NOT NULL",
        [id, fts_rowid(id)],
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

/// Split into lower-case words of letters and digits (Unicode-aware).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// A word of the query, for highlighting: matched as a prefix of a shown
/// word (as typed), or by its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub word: String,
    pub root: String,
    pub prefix: bool,
}

/// What a user typed, made safe for FTS5 (every word quoted, so operators
/// and punctuation are inert).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// MATCH expression for the word index.
    pub words: Option<String>,
    /// Any of the words in the title (for ranking).
    pub title: Option<String>,
    /// MATCH expression for the trigram index of register numbers and identities.
    pub ids: Option<String>,
    /// MATCH expression for the trigram index of Tracking IDs.
    pub tracking: Option<String>,
    pub marks: Vec<Mark>,
    /// The unquoted words, for typo suggestions.
    pub plain: Vec<String>,
}

impl SearchQuery {
    pub fn is_empty(&self) -> bool {
        self.words.is_none() && self.ids.is_none() && self.tracking.is_none()
    }
}

/// Parse what a user typed, without prefix completion (see `parse_query_with`).
pub fn parse_query(text: &str, include_identity: bool) -> SearchQuery {
    parse_query_with(text, include_identity, &mut |_| Vec::new())
}

/// Parse what a user typed. Unquoted words are ANDed, each found as itself,
/// as one of the indexed words it begins (`complete`, from the vocabulary:
/// "puskes" → "puskesmas") or by its root ("antri" finds "mengantre");
/// function words ("yang", "di") are left out unless nothing else was typed;
/// quoted text is an exact phrase. Identity columns are searched only with
/// `include_identity`. (Completion goes through the vocabulary rather than
/// FTS5's `"w"*`: a prefix query merges every matching doclist before the
/// first row, a list of terms streams.)
pub fn parse_query_with(
    text: &str,
    include_identity: bool,
    complete: &mut dyn FnMut(&str) -> Vec<String>,
) -> SearchQuery {
    let cols = if include_identity {
        ALL_COLUMNS
    } else {
        PUBLIC_COLUMNS
    };
    let mut terms = Vec::new();
    let mut title_terms = Vec::new();
    let mut marks = Vec::new();
    let mut plain = Vec::new();
    let unquoted: Vec<String> = text.split('"').step_by(2).flat_map(words).collect();
    let all_stop = unquoted.iter().all(|w| is_stopword(w));
    for (i, part) in text.split('"').enumerate() {
        if i % 2 == 1 {
            let ws = words(part);
            if !ws.is_empty() {
                terms.push(format!("{cols} : \"{}\"", ws.join(" ")));
                title_terms.push(format!("\"{}\"", ws.join(" ")));
                marks.extend(ws.into_iter().map(|w| Mark {
                    root: stem(&w),
                    word: w,
                    prefix: false,
                }));
            }
            continue;
        }
        for w in words(part) {
            if is_stopword(&w) && !all_stop {
                continue;
            }
            let root = stem(&w);
            let mut forms = vec![format!("\"{w}\"")];
            forms.extend(
                complete(&w)
                    .into_iter()
                    .filter(|t| t != &w && t.chars().all(char::is_alphanumeric))
                    .map(|t| format!("\"{t}\"")),
            );
            let forms = forms.join(" OR ");
            terms.push(format!(
                "({cols} : ({forms}) OR {STEM_COLUMNS} : \"{root}\")"
            ));
            title_terms.push(format!("{forms} OR \"{root}\""));
            plain.push(w.clone());
            marks.push(Mark {
                word: w,
                root,
                prefix: true,
            });
        }
    }
    // A number alone (register number, phone, Tracking ID) is looked up in
    // the trigram indexes only: as a word prefix ("2026"*) it would match
    // every complaint of the year.
    let number_only = !text.chars().any(char::is_alphabetic) && alnum(text) >= 3;
    let words_q = (!terms.is_empty() && !number_only).then(|| terms.join(" AND "));
    // Fragments of identifiers: a number in any spelling, or a name.
    let mut ids = Vec::new();
    let mut tracking = None;
    if text.chars().any(char::is_alphabetic) {
        let frag = fragment(text);
        if alnum(&frag) >= 3 {
            ids.push(format!("{{register_no}} : \"{frag}\""));
            if include_identity {
                ids.push(format!("{{reporter}} : \"{frag}\""));
            }
        }
    } else {
        let raw = fragment(text);
        if alnum(&raw) >= 3 {
            ids.push(format!("{{register_no}} : \"{raw}\""));
        }
        let digits = phone_digits_for_search(text);
        if digits.len() >= 3 {
            if include_identity {
                ids.push(format!("{{reporter}} : \"{digits}\""));
            }
            tracking = Some(format!("\"{digits}\""));
        }
    }
    SearchQuery {
        words: words_q,
        title: (!title_terms.is_empty())
            .then(|| format!("{TITLE_COLUMNS} : ({})", title_terms.join(" OR "))),
        ids: (!ids.is_empty()).then(|| ids.join(" OR ")),
        tracking,
        marks,
        plain,
    }
}

fn alnum(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphanumeric()).count()
}

/// The typed text as one trigram phrase: quotes dropped, spaces collapsed.
fn fragment(text: &str) -> String {
    text.replace('"', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Marks words, remembering each distinct word's answer (a page of rows
/// repeats many words).
pub struct Marker<'a> {
    marks: &'a [Mark],
    seen: HashMap<String, bool>,
}

impl<'a> Marker<'a> {
    pub fn new(marks: &'a [Mark]) -> Self {
        Marker {
            marks,
            seen: HashMap::new(),
        }
    }

    fn hit(&mut self, word: &str) -> bool {
        if let Some(h) = self.seen.get(word) {
            return *h;
        }
        let h = matches(word, self.marks);
        self.seen.insert(word.to_owned(), h);
        h
    }

    /// Mark the words of `text` that the query matched.
    pub fn mark(&mut self, text: &str) -> Vec<TextPart> {
        mark_with(text, |w| self.hit(w))
    }
}

/// Mark the words of `text` that the query matched.
pub fn mark_text(text: &str, marks: &[Mark]) -> Vec<TextPart> {
    Marker::new(marks).mark(text)
}

fn mark_with(text: &str, mut hit: impl FnMut(&str) -> bool) -> Vec<TextPart> {
    let mut parts: Vec<TextPart> = Vec::new();
    let mut push = |t: &str, hit: bool| match parts.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(t),
        _ => parts.push(TextPart {
            text: t.to_owned(),
            hit,
        }),
    };
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest.find(char::is_alphanumeric).unwrap_or(rest.len());
        if start > 0 {
            push(&rest[..start], false);
            rest = &rest[start..];
            continue;
        }
        let end = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        let word = &rest[..end];
        push(word, hit(word));
        rest = &rest[end..];
    }
    parts
}

fn matches(word: &str, marks: &[Mark]) -> bool {
    let lower = word.to_lowercase();
    let mut root = None;
    marks.iter().any(|m| {
        (if m.prefix {
            lower.starts_with(&m.word)
        } else {
            lower == m.word
        }) || *root.get_or_insert_with(|| stem(&lower)) == m.root
    })
}

/// Around the first match in `text`: about `before` characters before it and
/// `after` after it, cut at spaces, "…" where cut; None when nothing matched.
pub fn snippet(text: &str, marks: &[Mark], before: usize, after: usize) -> Option<Vec<TextPart>> {
    snippet_with(&mut Marker::new(marks), text, before, after)
}

fn snippet_with(
    marker: &mut Marker<'_>,
    text: &str,
    before: usize,
    after: usize,
) -> Option<Vec<TextPart>> {
    let parts = marker.mark(text);
    let first_hit = parts.iter().position(|p| p.hit)?;
    let hit_at: usize = parts[..first_hit].iter().map(|p| p.text.len()).sum();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let hit_char = chars.iter().position(|(b, _)| *b == hit_at).unwrap_or(0);
    let mut from = hit_char.saturating_sub(before);
    let mut to = (hit_char + after).min(chars.len());
    // Move to word boundaries.
    while from > 0 && !chars[from - 1].1.is_whitespace() {
        from -= 1;
        if hit_char - from > before + 15 {
            break;
        }
    }
    while to < chars.len() && !chars[to].1.is_whitespace() && to - hit_char < after + 15 {
        to += 1;
    }
    let byte = |i: usize| chars.get(i).map_or(text.len(), |(b, _)| *b);
    let mut out = Vec::new();
    if from > 0 {
        out.push(TextPart {
            text: "… ".into(),
            hit: false,
        });
    }
    out.extend(marker.mark(text[byte(from)..byte(to)].trim()));
    if to < chars.len() {
        out.push(TextPart {
            text: " …".into(),
            hit: false,
        });
    }
    Some(out)
}

/// Optimal-string-alignment distance (Damerau–Levenshtein with adjacent
/// transpositions), over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The typo a word may have: one edit up to five letters, two beyond.
fn max_typo(word: &str) -> usize {
    if word.chars().count() <= 5 { 1 } else { 2 }
}

/// Indexed words that `word` begins (at most 12, shortest first).
fn completions(conn: &Connection, word: &str) -> CoreResult<Vec<String>> {
    if word.chars().count() < 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT term FROM search_terms WHERE term > ?1 AND term < ?1 || '{'
         ORDER BY length(term), term LIMIT 12",
    )?;
    let terms = stmt
        .query_map([word], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(terms)
}

/// The closest indexed word to `word` (same first letter, within `max_typo`
/// edits), or None when `word` is known (it begins an indexed word) or
/// nothing is close.
fn closest_term(conn: &Connection, word: &str) -> CoreResult<Option<String>> {
    if word.chars().count() < 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return Ok(None);
    }
    let known: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM search_terms WHERE term >= ?1 AND term < ?1 || '{')",
        )?
        .query_row([word], |r| r.get(0))?;
    if known {
        return Ok(None);
    }
    let first = &word[..1];
    let next = ((first.as_bytes()[0]) + 1) as char;
    let len = word.len() as i64;
    let mut stmt = conn.prepare_cached(
        "SELECT term FROM search_terms WHERE term >= ?1 AND term < ?2 AND length(term) BETWEEN ?3 AND ?4",
    )?;
    let limit = max_typo(word);
    let mut best: Option<(usize, usize, String)> = None;
    let rows = stmt.query_map(params![first, next.to_string(), len - 2, len + 2], |r| {
        r.get::<_, String>(0)
    })?;
    for term in rows {
        let term = term?;
        let d = edit_distance(word, &term);
        if d == 0 || d > limit {
            continue;
        }
        let common = word
            .bytes()
            .zip(term.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let better = match &best {
            None => true,
            Some((bd, bc, bt)) => (d, usize::MAX - common, &term) < (*bd, usize::MAX - *bc, bt),
        };
        if better {
            best = Some((d, common, term));
        }
    }
    Ok(best.map(|b| b.2))
}

/// One match of a search window.
#[derive(Debug, Clone)]
struct Hit {
    id: i64,
    rank: f64,
    received_at: String,
    received_date: String,
    is_open: bool,
    next_due: Option<String>,
}

/// The newest (or, `ascending`, oldest) `SEARCH_WINDOW` matches of one index
/// that pass the register's filters, each scored `score`; true when there
/// were more.
#[allow(clippy::too_many_arguments)]
fn window(
    conn: &Connection,
    table: &str,
    size: usize,
    score: f64,
    query: &str,
    wh: &[String],
    args: &[Value],
    ascending: bool,
) -> CoreResult<(Vec<Hit>, bool)> {
    let mut cond = format!("f.{table} MATCH ?");
    for w in wh {
        cond.push_str(" AND ");
        cond.push_str(w);
    }
    // Rowids ascend from the newest complaint (FTS_KEY).
    let dir = if ascending { "DESC" } else { "ASC" };
    // CROSS JOIN keeps the index as the outer loop: it yields rowids in order
    // and stops at the window's end; the narrow covering index answers the
    // filters without reading the complaints' texts.
    let sql = format!(
        "SELECT c.id, c.received_at, c.received_date, c.is_open, c.next_due
         FROM {table} f CROSS JOIN complaints c INDEXED BY complaints_search_meta ON c.id = {FTS_KEY} - f.rowid
         WHERE {cond} ORDER BY f.rowid {dir} LIMIT {}",
        size + 1
    );
    let mut all = vec![Value::Text(query.to_owned())];
    all.extend(args.iter().cloned());
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut hits = stmt
        .query_map(rusqlite::params_from_iter(all.iter()), |r| {
            Ok(Hit {
                id: r.get(0)?,
                rank: score,
                received_at: r.get(1)?,
                received_date: r.get(2)?,
                is_open: r.get(3)?,
                next_due: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let more = hits.len() > size;
    hits.truncate(size);
    Ok((hits, more))
}

/// Which of `hits` match `title_q` (rowids read only within their range).
fn in_title(conn: &Connection, title_q: &str, hits: &[Hit]) -> CoreResult<HashSet<i64>> {
    let (Some(lo), Some(hi)) = (
        hits.iter().map(|h| h.id).min(),
        hits.iter().map(|h| h.id).max(),
    ) else {
        return Ok(HashSet::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT ?4 - rowid FROM complaints_fts WHERE complaints_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3",
    )?;
    let ids = stmt
        .query_map(
            params![title_q, fts_rowid(hi), fts_rowid(lo), FTS_KEY],
            |r| r.get::<_, i64>(0),
        )?
        .collect::<Result<HashSet<_>, _>>()?;
    Ok(ids)
}

/// Recency weight of a score: up to twice as strong for today's
/// complaints, fading over about a month.
fn weighted(rank: f64, received: &str, today: NaiveDate) -> f64 {
    let age = (today - parse_date(received)).num_days().max(0) as f64;
    rank * (1.0 + 1.0 / (1.0 + age / 30.0))
}

/// All matches of a parsed query (union of the windows), in the asked order.
fn run_query(
    conn: &Connection,
    q: &SearchQuery,
    wh: &[String],
    args: &[Value],
    sort: SortOrder,
    today: NaiveDate,
) -> CoreResult<(Vec<Hit>, bool)> {
    let ascending = sort == SortOrder::Oldest;
    let mut by_id: HashMap<i64, Hit> = HashMap::new();
    let mut more = false;
    let mut add = |hits: Vec<Hit>, m: bool| {
        more |= m;
        for h in hits {
            match by_id.get_mut(&h.id) {
                Some(old) => old.rank += h.rank,
                None => {
                    by_id.insert(h.id, h);
                }
            }
        }
    };
    if let Some(w) = &q.words {
        let (mut h, m) = window(
            conn,
            "complaints_fts",
            SEARCH_WINDOW,
            TEXT_SCORE,
            w,
            wh,
            args,
            ascending,
        )?;
        if sort == SortOrder::Relevance
            && let Some(t) = &q.title
        {
            let titled = in_title(conn, t, &h)?;
            for hit in &mut h {
                if titled.contains(&hit.id) {
                    hit.rank = TITLE_SCORE;
                }
            }
        }
        add(h, m);
    }
    if let Some(i) = &q.ids {
        let (h, m) = window(
            conn,
            "complaints_ids",
            ID_WINDOW,
            ID_SCORE,
            i,
            wh,
            args,
            ascending,
        )?;
        add(h, m);
    }
    if let Some(t) = &q.tracking {
        let (h, m) = window(
            conn,
            "complaints_tracking",
            ID_WINDOW,
            ID_SCORE,
            t,
            wh,
            args,
            ascending,
        )?;
        add(h, m);
    }
    let mut hits: Vec<Hit> = by_id.into_values().collect();
    match sort {
        SortOrder::Relevance => {
            for h in &mut hits {
                h.rank = weighted(h.rank, &h.received_date, today);
            }
            hits.sort_by(|a, b| {
                a.rank
                    .total_cmp(&b.rank)
                    .then(b.is_open.cmp(&a.is_open))
                    .then(b.received_at.cmp(&a.received_at))
                    .then(b.id.cmp(&a.id))
            });
        }
        SortOrder::Newest => {
            hits.sort_by(|a, b| b.received_date.cmp(&a.received_date).then(b.id.cmp(&a.id)))
        }
        SortOrder::Oldest => {
            hits.sort_by(|a, b| a.received_at.cmp(&b.received_at).then(a.id.cmp(&b.id)))
        }
        SortOrder::DueSoonest => hits.sort_by(|a, b| {
            b.is_open
                .cmp(&a.is_open)
                .then(a.next_due.is_none().cmp(&b.next_due.is_none()))
                .then(a.next_due.cmp(&b.next_due))
                .then(a.id.cmp(&b.id))
        }),
    }
    Ok((hits, more))
}

/// The complaint whose register number is `text` (whole, or year/number of
/// this office's prefix).
fn exact_register(p: &Posko, text: &str) -> CoreResult<Option<i64>> {
    let t = text.trim().to_uppercase();
    let parts: Vec<&str> = t.split('/').collect();
    let candidate = match parts.as_slice() {
        [year, seq]
            if year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && !seq.is_empty()
                && seq.len() <= 6
                && seq.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let Ok(prefix) = p.office().map(|o| o.register_prefix.clone()) else {
                return Ok(None);
            };
            let n: u64 = seq.parse().unwrap_or(0);
            format!("{prefix}/{year}/{n:04}")
        }
        [_, year, seq] if year.len() == 4 && !seq.is_empty() => t.clone(),
        _ => return Ok(None),
    };
    Ok(p.connection()
        .prepare_cached("SELECT id FROM complaints WHERE register_no = ?1")?
        .query_row([candidate], |r| r.get(0))
        .optional()?)
}

/// The one complaint of an exact register number, if it passes the filters.
fn exact_hit(conn: &Connection, id: i64, wh: &[String], args: &[Value]) -> CoreResult<Vec<Hit>> {
    let mut cond = "c.id = ?".to_owned();
    for w in wh {
        cond.push_str(" AND ");
        cond.push_str(w);
    }
    let mut all = vec![Value::Integer(id)];
    all.extend(args.iter().cloned());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.id, c.received_at, c.received_date, c.is_open, c.next_due FROM complaints c WHERE {cond}"
    ))?;
    let hits = stmt
        .query_map(rusqlite::params_from_iter(all.iter()), |r| {
            Ok(Hit {
                id: r.get(0)?,
                rank: ID_SCORE,
                received_at: r.get(1)?,
                received_date: r.get(2)?,
                is_open: r.get(3)?,
                next_due: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(hits)
}

/// The register with a text query: `wh`/`args` are the other filters (on
/// alias `c`). Nothing found → the closest indexed words are tried once
/// (`did_you_mean`).
pub(crate) fn search_register(
    p: &Posko,
    actor: &Actor,
    f: &ComplaintFilter,
    text: &str,
    wh: &[String],
    args: &[Value],
    limit: u32,
) -> CoreResult<RegisterPage> {
    let conn = p.connection();
    let today = p.today();
    let identity = actor.role.can(Permission::ViewIdentity);
    let mut complete = |w: &str| completions(conn, w).unwrap_or_default();
    let mut q = parse_query_with(text, identity, &mut complete);
    let empty = |more| RegisterPage {
        rows: Vec::new(),
        total: 0,
        offset: f.offset,
        limit,
        did_you_mean: None,
        more,
        window: SEARCH_WINDOW as u32,
    };
    if q.is_empty() {
        // Only punctuation was typed: nothing can match.
        return Ok(empty(false));
    }
    // A whole register number ("PKM-SENDANA/2026/0003", or "2026/0003" for
    // this office) is one row of the unique index: no fragment search.
    let exact = exact_register(p, text)?;
    let (mut hits, mut more) = match exact {
        Some(id) => (exact_hit(conn, id, wh, args)?, false),
        None => run_query(conn, &q, wh, args, f.sort, today)?,
    };
    let mut did_you_mean = None;
    if hits.is_empty() && exact.is_none() && !q.plain.is_empty() {
        let mut changed = false;
        let mut corrected = Vec::new();
        for w in &q.plain {
            match closest_term(conn, w)? {
                Some(t) => {
                    changed = true;
                    corrected.push(t);
                }
                None => corrected.push(w.clone()),
            }
        }
        if changed {
            let text2 = corrected.join(" ");
            let q2 = parse_query_with(&text2, identity, &mut complete);
            let (h2, m2) = run_query(conn, &q2, wh, args, f.sort, today)?;
            // Offered only when it finds something this viewer may see.
            if !h2.is_empty() {
                hits = h2;
                more = m2;
                q = q2;
                did_you_mean = Some(text2);
            }
        }
    }
    let total = hits.len();
    let from = (f.offset as usize).min(total);
    let to = (from + limit as usize).min(total);
    let ids: Vec<i64> = hits[from..to].iter().map(|h| h.id).collect();
    let mut rows = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        let marks_sql = vec!["?"; ids.len()].join(",");
        let sql = format!(
            "SELECT {ROW_COLUMNS}, c.description FROM complaints c LEFT JOIN topics t ON t.id = c.topic_id
             WHERE c.id IN ({marks_sql})"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut found: HashMap<i64, crate::model::ComplaintRow> = HashMap::new();
        let mut marker = Marker::new(&q.marks);
        let rs = stmt.query_map(rusqlite::params_from_iter(ids.iter()), |r| {
            let mut row = p.row_from(r, today, identity)?;
            let description: String = r.get(14)?;
            let title_marked = marker.mark(&row.title);
            if !title_marked.iter().any(|t| t.hit) {
                row.snippet = snippet_with(&mut marker, &description, 40, 90);
            }
            row.title_marked = Some(title_marked);
            Ok(row)
        })?;
        for row in rs {
            let row = row?;
            found.insert(row.id, row);
        }
        rows.extend(ids.iter().filter_map(|id| found.remove(id)));
    }
    Ok(RegisterPage {
        rows,
        total: total as u64,
        offset: f.offset,
        limit,
        did_you_mean,
        more,
        window: SEARCH_WINDOW as u32,
    })
}

/// Duplicate hints for a stored complaint, before it is sent to LAPOR!: the
/// same rules as at intake, the complaint itself left out, for a viewer who
/// may see identities and rahasia reports (the sync preview's audience).
pub(crate) fn duplicates_of(p: &Posko, cid: i64) -> CoreResult<Vec<DuplicateHint>> {
    let row = p
        .connection()
        .query_row(
            "SELECT title, description, reporter_nik, reporter_phone, channel, kind
             FROM complaints WHERE id = ?1",
            [cid],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((title, description, nik, phone, channel, kind)) = row else {
        return Ok(Vec::new());
    };
    let input = ComplaintInput {
        received_at: None,
        channel: crate::complaints::channel_of(&channel),
        kind: crate::complaints::kind_of(&kind),
        topic_id: None,
        title,
        description,
        incident_place: None,
        incident_date: None,
        reporter: ReporterInput {
            nik,
            phone,
            ..Default::default()
        },
        is_secret: false,
        is_anonymous: false,
        assigned_to: None,
    };
    let all = Visibility {
        identity: true,
        secret: true,
    };
    duplicate_hints(p, all, &input, Some(cid))
}

/// The significant roots of a text: stems of its words, function words and
/// very short words left out.
pub fn significant(text: &str) -> HashSet<String> {
    words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= MIN_SIMILAR_WORD && !is_stopword(w))
        .filter(|w| w.chars().all(char::is_alphabetic))
        .map(|w| stem(&w))
        .filter(|s| !is_stopword(s))
        .collect()
}

/// Share of roots two texts have in common (Jaccard), 0–100.
pub fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    (inter / union * 100.0).round() as u8
}

/// Who is asking for duplicate hints: what they may see.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visibility {
    pub identity: bool,
    pub secret: bool,
}

impl Visibility {
    pub fn of(actor: &Actor) -> Self {
        Visibility {
            identity: actor.role.can(Permission::ViewIdentity),
            secret: actor.role.can(Permission::ViewSecret),
        }
    }
}

/// Open complaints of the last 30 days that may be the same case as `input`:
/// same NIK or phone (only for viewers who may see identities), or similar
/// roots in title and description (found through the stemmed index, scored
/// by Jaccard of their roots). `exclude` leaves the complaint itself out.
pub(crate) fn duplicate_hints(
    p: &Posko,
    vis: Visibility,
    input: &ComplaintInput,
    exclude: Option<i64>,
) -> CoreResult<Vec<DuplicateHint>> {
    let conn = p.connection();
    let since = (p.today() - Duration::days(30)).to_string();
    let secret = if vis.secret { "" } else { " AND is_secret = 0" };
    let not_self = exclude.unwrap_or(0);
    let mut found: Vec<DuplicateHint> = Vec::new();
    let mut push = |id: i64,
                    reg: String,
                    title: String,
                    date: String,
                    status: String,
                    reason: DuplicateReason,
                    sim: u8| {
        if let Some(h) = found.iter_mut().find(|h| h.id == id) {
            if !h.reasons.contains(&reason) {
                h.reasons.push(reason);
            }
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
         WHERE is_open = 1 AND received_date >= ?1 AND id <> ?3{secret}"
    );
    if vis.identity {
        let nik = input
            .reporter
            .nik
            .as_deref()
            .map(|n| n.chars().filter(char::is_ascii_digit).collect::<String>());
        if let Some(nik) = nik.filter(|n| n.len() == 16) {
            let mut stmt =
                conn.prepare_cached(&format!("{base} AND reporter_nik = ?2 LIMIT 20"))?;
            for r in stmt.query_map(params![since, nik, not_self], |r| {
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
            for r in stmt.query_map(params![since, phone, not_self], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })? {
                let (id, reg, title, date, status) = r?;
                push(id, reg, title, date, status, DuplicateReason::SamePhone, 0);
            }
        }
    }
    let mine = significant(&format!("{} {}", input.title, input.description));
    if !mine.is_empty() {
        // Candidates: the newest complaints of the period sharing a root
        // (only the period's rowids are read: ids grow with intake; a real
        // office's month fits in the candidate list many times over).
        let first_id: Option<i64> = conn
            .prepare_cached("SELECT min(id) FROM complaints WHERE received_date >= ?1")?
            .query_row([&since], |r| r.get(0))
            .optional()?
            .flatten();
        if let Some(first_id) = first_id {
            let mut roots: Vec<&String> = mine.iter().collect();
            roots.sort();
            roots.truncate(32);
            let q = format!(
                "{STEM_COLUMNS} : ({})",
                roots
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            );
            let mut stmt = conn.prepare_cached(&format!(
                "{base} AND id IN (SELECT {FTS_KEY} - rowid FROM complaints_fts WHERE complaints_fts MATCH ?2 AND rowid <= ?4
                                   ORDER BY rowid ASC LIMIT {DUPLICATE_CANDIDATES})"
            ))?;
            for r in stmt.query_map(params![since, q, not_self, fts_rowid(first_id)], |r| {
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
                if sim >= SIMILAR_FROM {
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
    }
    found.sort_by(|a, b| {
        b.reasons
            .len()
            .cmp(&a.reasons.len())
            .then(b.similarity.cmp(&a.similarity))
            .then(b.id.cmp(&a.id))
    });
    found.truncate(10);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_a_safe_query_with_roots() {
        let q = parse_query("Antrian PANJANG", true);
        assert_eq!(
            q.words.unwrap(),
            "({register_no title description place reporter} : (\"antrian\") OR {title_stem body_stem} : \"antre\") AND \
             ({register_no title description place reporter} : (\"panjang\") OR {title_stem body_stem} : \"panjang\")"
        );
        // Quotes keep an exact phrase; function words are left out of the AND.
        let q = parse_query_with("  \"obat habis\" di apotek", false, &mut |w| {
            if w == "apotek" {
                vec!["apotek".into(), "apoteknya".into()]
            } else {
                Vec::new()
            }
        });
        assert_eq!(
            q.words.unwrap(),
            "{register_no title description place} : \"obat habis\" AND \
             ({register_no title description place} : (\"apotek\" OR \"apoteknya\") OR {title_stem body_stem} : \"apotek\")"
        );
        // …unless nothing else was typed.
        assert!(
            parse_query("yang", true)
                .words
                .unwrap()
                .contains("(\"yang\")")
        );
        // FTS operators and stray quotes are inert.
        let q = parse_query("NOT OR* (x", true);
        assert!(
            q.words
                .unwrap()
                .starts_with("({register_no title description place reporter} : (\"not\")")
        );
        assert_eq!(
            parse_query("\"unclosed", true).words.unwrap(),
            "{register_no title description place reporter} : \"unclosed\""
        );
        assert!(parse_query(" -- ** ", true).is_empty());
    }

    #[test]
    fn identifiers_are_searched_as_fragments() {
        // A phone number in any spelling becomes the local 08… digits.
        let q = parse_query("+62 812-3456", true);
        assert_eq!(
            q.ids.as_deref(),
            Some("{register_no} : \"+62 812-3456\" OR {reporter} : \"08123456\"")
        );
        assert_eq!(q.tracking.as_deref(), Some("\"08123456\""));
        // A partial name is a fragment of the identity column…
        let q = parse_query("Siti Nur", true);
        assert_eq!(
            q.ids.as_deref(),
            Some("{register_no} : \"siti nur\" OR {reporter} : \"siti nur\"")
        );
        // …which viewers without permission never search.
        let q = parse_query("Siti Nur", false);
        assert_eq!(q.ids.as_deref(), Some("{register_no} : \"siti nur\""));
        assert!(!q.words.unwrap().contains("reporter"));
        let q = parse_query("0812 3456", false);
        assert!(!q.ids.unwrap().contains("reporter"));
        // Too short for a trigram.
        assert!(parse_query("12", true).ids.is_none());
    }

    #[test]
    fn matched_words_are_marked() {
        let marks = parse_query("antri layanan", true).marks;
        let parts = mark_text("Mengantre lama; pelayanan lambat", &marks);
        let hits: Vec<&str> = parts
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(hits, vec!["Mengantre", "pelayanan"]);
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, "Mengantre lama; pelayanan lambat");
        let marks = parse_query("obat", true).marks;
        let s = snippet(
            "Sejak dua minggu yang lalu kami sudah datang berkali-kali ke loket tetapi obat hipertensi tidak tersedia di apotek dan kami diminta membeli di luar.",
            &marks,
            20,
            30,
        )
        .unwrap();
        assert_eq!(s.first().unwrap().text, "… ");
        assert!(s.iter().any(|p| p.hit && p.text == "obat"));
        assert!(snippet("tidak ada", &marks, 20, 30).is_none());
    }

    #[test]
    fn edit_distance_counts_transpositions_as_one() {
        assert_eq!(edit_distance("puskemas", "puskesmas"), 1);
        assert_eq!(edit_distance("pukseams", "puskesmas"), 3);
        assert_eq!(edit_distance("obta", "obat"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn similarity_is_jaccard_of_roots() {
        let a = significant("Antrean panjang di loket pendaftaran");
        let b = significant("Loket pendaftaran: mengantre lama dan panjang");
        // antre, panjang, loket, daftar vs loket, daftar, antre, lama, panjang
        assert_eq!(similarity(&a, &b), 80);
        assert_eq!(similarity(&a, &HashSet::new()), 0);
    }

    /// A store made before 0006 (its search index without roots or
    /// trigrams) is migrated: its complaints become findable by root, phone
    /// fragment and Tracking ID, and the vocabulary holds their words.
    #[test]
    fn migration_0006_indexes_existing_complaints() {
        let conn = Connection::open_in_memory().unwrap();
        for (version, _, sql) in crate::db::MIGRATIONS.iter().filter(|m| m.0 < 6) {
            let tx = conn.unchecked_transaction().unwrap();
            tx.execute_batch(sql).unwrap();
            tx.pragma_update(None, "user_version", version).unwrap();
            tx.commit().unwrap();
        }
        conn.execute_batch(
            "INSERT INTO units (id, code, name, register_prefix, created_at)
                 VALUES (1, 'PKM', 'Puskesmas', 'PKM', '2026-01-01T00:00:00Z');
             INSERT INTO complaints (id, uid, unit_id, register_no, register_year, register_seq, received_at,
                 received_date, channel, kind, title, description, incident_place, reporter_name, reporter_phone,
                 status, lapor_tracking_id, created_at, updated_at)
             VALUES
               (1, 'u1', 1, 'PKM/2026/0001', 2026, 1, '2026-03-02T02:00:00Z', '2026-03-02', 'tatap_muka',
                'aspirasi', 'Mengantre sejak pagi', 'Pelayanan loket lambat', 'Loket', 'Siti Nurhaliza',
                '+6281234567890', 'received', '7654321', '2026-03-02T02:00:00Z', '2026-03-02T02:00:00Z'),
               (2, 'u2', 1, 'PKM/2026/0002', 2026, 2, '2026-03-02T03:00:00Z', '2026-03-02', 'tatap_muka',
                'aspirasi', 'Obat kosong', 'Apotek kehabisan obat-obatan', NULL, NULL, NULL,
                'received', NULL, '2026-03-02T03:00:00Z', '2026-03-02T03:00:00Z');
             INSERT INTO complaints_fts (rowid, register_no, title, description, place, reporter)
                 VALUES (1, 'PKM 2026 0001', 'Mengantre sejak pagi', 'Pelayanan loket lambat', 'Loket', 'Siti Nurhaliza 081234567890'),
                        (2, 'PKM 2026 0002', 'Obat kosong', 'Apotek kehabisan obat-obatan', '', '');",
        )
        .unwrap();
        crate::db::migrate(&conn).unwrap();
        let find = |table: &str, q: &str| -> Vec<i64> {
            conn.prepare(&format!(
                "SELECT {FTS_KEY} - rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid DESC"
            ))
            .unwrap()
            .query_map([q], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        let q = parse_query("antri layanan", true);
        assert_eq!(find("complaints_fts", &q.words.unwrap()), vec![1]);
        assert_eq!(
            find("complaints_fts", &parse_query("obat", true).words.unwrap()),
            vec![2]
        );
        assert_eq!(
            find(
                "complaints_ids",
                &parse_query("0812 3456", true).ids.unwrap()
            ),
            vec![1]
        );
        assert_eq!(find("complaints_tracking", "\"54321\""), vec![1]);
        let terms: i64 = conn
            .query_row(
                "SELECT count(*) FROM search_terms WHERE term IN ('mengantre', 'pelayanan', 'apotek')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(terms, 3);
        // A Tracking ID set later is indexed by the trigger.
        conn.execute(
            "UPDATE complaints SET lapor_tracking_id = '1122334' WHERE id = 2",
            [],
        )
        .unwrap();
        assert_eq!(find("complaints_tracking", "\"22334\""), vec![2]);
    }
}
