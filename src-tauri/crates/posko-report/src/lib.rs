//! posko-report: Posko's PDF documents, from plain data to bytes.
//!
//! Documents: the field-visit report ([`VisitReport`], berita acara), the
//! period monev report ([`MonevReport`]) and the complaint sheet
//! ([`ComplaintSheet`], lembar pengaduan). The caller (posko-core) fills a
//! plain data struct; this crate lays it out (A4, wrapping tables with
//! repeated headers, vector charts, signatures, QR) and writes it with
//! printpdf using the embedded Noto Sans fonts. No database, no Tauri, no
//! clock: the same data gives the same bytes.
//!
//! Verification: [`seal`] hashes the data (SHA-256 of its JSON) and derives
//! the document number; the stamp (kind, number, hash, the parameters the
//! data was made from) is printed in the QR code and stored in the PDF's
//! information dictionary (`/PoskoVerify`), where [`read_stamp`] finds it.

mod complaint;
pub mod fmt;
pub mod fonts;
pub mod image;
pub mod layout;
mod model;
mod monev;
mod pdf;
mod qr;
mod sheet;
mod subject;
mod visit;

pub use sheet::{Sheet, SheetLine};
pub use subject::{SubjectCaseDoc, SubjectDocument};

pub use model::*;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What a rendered document came with.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: u32,
    /// Things the reader should know: characters replaced, a logo left out...
    pub warnings: Vec<String>,
}

/// SHA-256 (hex) of a value's JSON: the "data" a document was made from.
pub fn data_hash<T: Serialize>(body: &T) -> String {
    let json = serde_json::to_vec(body).expect("report data serialises");
    hex::encode(Sha256::digest(&json))
}

/// The stamp that makes a document verifiable: kind, number, data hash and
/// the parameters (JSON) to make the data again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stamp {
    pub kind: String,
    pub doc_no: String,
    pub sha256: String,
    pub params: String,
}

const STAMP_TAG: &str = "POSKO1";

impl Stamp {
    /// `POSKO1;kind=..;doc=..;sha256=..;params=<base64url JSON>` (ASCII only).
    pub fn encode(&self) -> String {
        use base64::Engine;
        format!(
            "{STAMP_TAG};kind={};doc={};sha256={};params={}",
            self.kind,
            self.doc_no,
            self.sha256,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.params.as_bytes())
        )
    }

    pub fn decode(s: &str) -> Option<Stamp> {
        use base64::Engine;
        let mut parts = s.trim().split(';');
        if parts.next()? != STAMP_TAG {
            return None;
        }
        let (mut kind, mut doc, mut sha, mut params) = (None, None, None, None);
        for p in parts {
            let (k, v) = p.split_once('=')?;
            match k {
                "kind" => kind = Some(v.to_owned()),
                "doc" => doc = Some(v.to_owned()),
                "sha256" => sha = Some(v.to_owned()),
                "params" => {
                    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(v)
                        .ok()?;
                    params = Some(String::from_utf8(raw).ok()?);
                }
                _ => {}
            }
        }
        let sha256 = sha?;
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(Stamp {
            kind: kind?,
            doc_no: doc?,
            sha256,
            params: params.unwrap_or_default(),
        })
    }
}

/// Characters allowed in a document number (it also names the file).
fn doc_no_part(s: &str) -> String {
    s.chars()
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// Hash the data and number the document: `{prefix}/{unit}/{key}/{hash8}`,
/// e.g. `MONEV/PKM-SENDANA/20260301-20260331/3FA2C91B`.
pub fn seal<T: Serialize>(
    kind: &str,
    prefix: &str,
    unit: &str,
    key: &str,
    body: &T,
    params: &str,
) -> Stamp {
    let sha256 = data_hash(body);
    let doc_no = format!(
        "{}/{}/{}/{}",
        doc_no_part(prefix),
        doc_no_part(unit),
        doc_no_part(key),
        sha256[..8].to_ascii_uppercase()
    );
    Stamp {
        kind: kind.to_owned(),
        doc_no,
        sha256,
        params: params.to_owned(),
    }
}

/// Find the stamp in a PDF made by this crate (or in text holding the QR's content).
pub fn read_stamp(bytes: &[u8]) -> Option<Stamp> {
    let needle = b"/PoskoVerify";
    if let Some(i) = bytes.windows(needle.len()).position(|w| w == needle) {
        let rest = &bytes[i + needle.len()..];
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        if rest[start] == b'(' {
            let rest = &rest[start + 1..];
            let end = rest.iter().position(|b| *b == b')')?;
            return Stamp::decode(std::str::from_utf8(&rest[..end]).ok()?);
        }
    }
    let tag = STAMP_TAG.as_bytes();
    let i = bytes.windows(tag.len()).position(|w| w == tag)?;
    let rest = &bytes[i..];
    let end = rest
        .iter()
        .position(|b| b.is_ascii_whitespace() || !b.is_ascii())
        .unwrap_or(rest.len());
    Stamp::decode(std::str::from_utf8(&rest[..end]).ok()?)
}

/// The period monev report.
/// The warning for characters the embedded fonts lack (drawn as "?"), naming
/// the first 20 code points; None when every character was drawn.
pub(crate) fn missing_glyphs_warning(missing: &[char]) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    let list = missing
        .iter()
        .take(20)
        .map(|c| format!("U+{:04X}", *c as u32))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "{} karakter di luar huruf (font) laporan diganti dengan \"?\": {list}.",
        missing.len()
    ))
}

pub fn render_monev(r: &MonevReport) -> Rendered {
    monev::render(r)
}

/// The field-visit report (berita acara kunjungan).
pub fn render_visit(r: &VisitReport) -> Rendered {
    visit::render(r)
}

/// The complaint sheet (lembar pengaduan) of one complaint, to sign and file.
pub fn render_complaint(r: &ComplaintSheet) -> Rendered {
    complaint::render(r)
}

/// A one-page sheet of lines (the recovery key sheet).
pub fn render_sheet(d: &Sheet) -> Rendered {
    sheet::render(d)
}

/// Everything held about one person, for that person (no masking).
pub fn render_subject(d: &SubjectDocument) -> Rendered {
    subject::render(d)
}

/// Fonts are parsed once per process; call this early to keep that out of a timing.
pub fn warm_up() {
    let _ = fonts::fonts();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_and_hashes_are_stable() {
        let s = seal(
            "monev",
            "MONEV",
            "PKM-SENDANA",
            "20260301-20260331",
            &serde_json::json!({"a": 1}),
            "{\"from\":\"2026-03-01\"}",
        );
        assert_eq!(
            s.sha256,
            "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
        );
        assert_eq!(s.doc_no, "MONEV/PKM-SENDANA/20260301-20260331/015ABD7F");
        let enc = s.encode();
        assert!(enc.is_ascii() && !enc.contains(')') && !enc.contains('('));
        assert_eq!(Stamp::decode(&enc), Some(s.clone()));
        let pdfish = format!("%PDF-1.3\n<< /PoskoVerify ({enc}) >>");
        assert_eq!(read_stamp(pdfish.as_bytes()), Some(s.clone()));
        assert_eq!(read_stamp(format!("QR: {enc}\n").as_bytes()), Some(s));
        assert_eq!(read_stamp(b"%PDF-1.4 nothing here"), None);
        assert_eq!(Stamp::decode("POSKO1;kind=x;doc=y;sha256=zz"), None);
    }
}
