//! A one-page sheet of plain lines (the recovery key sheet): a title, the
//! unit, paragraphs, and lines set large (the key itself) so it can be read
//! back and typed without mistakes.

use serde::Serialize;

use crate::layout::{Align, BODY, Level, Writer};
use crate::{Rendered, pdf};

#[derive(Debug, Clone, Serialize)]
pub enum SheetLine {
    Text(String),
    Strong(String),
    /// Set larger and bold, on one line (a key to type back: 47 characters fit).
    Big(String),
    Space,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    pub title: String,
    pub unit_name: String,
    pub lines: Vec<SheetLine>,
    pub doc_date: chrono::NaiveDate,
}

pub(crate) fn render(d: &Sheet) -> Rendered {
    let mut w = Writer::new(Default::default());
    w.heading(Level::Section, &d.title);
    for line in &d.lines {
        match line {
            SheetLine::Text(t) => w.paragraph(t, BODY, false, Align::Left),
            SheetLine::Strong(t) => w.paragraph(t, BODY, true, Align::Left),
            SheetLine::Big(t) => w.paragraph(t, 12.5, true, Align::Center),
            SheetLine::Space => w.space(8.0),
        }
    }
    let setup = w.setup;
    let (pages, missing, outline) = w.finish(&d.unit_name);
    let mut warnings = Vec::new();
    if !missing.is_empty() {
        warnings.push(format!("{} karakter diganti dengan \"?\".", missing.len()));
    }
    let hash = crate::data_hash(&d.title);
    let meta = pdf::Meta {
        title: d.title.clone(),
        author: d.unit_name.clone(),
        subject: d.title.clone(),
        keywords: Vec::new(),
        date: d.doc_date,
        file_id: hash[..32].to_owned(),
        stamp: String::new(),
    };
    let bytes = pdf::render(&pages, &setup, &[], &outline, &meta);
    Rendered {
        bytes,
        pages: pages.len() as u32,
        warnings,
    }
}
