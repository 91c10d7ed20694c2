//! "Data Anda di Posko": everything a unit holds about one person (UU 27/2022,
//! the data subject's right of access), laid out for that person. The caller
//! (posko-core `subject.rs`) fills plain labelled data; nothing is masked,
//! because the reader is the person the data is about.

use serde::Serialize;

use crate::layout::{Align, BODY, Level, Table, Writer, col, row};
use crate::{Rendered, pdf};

/// One complaint, as label/value pairs and lists the core already worded.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectCaseDoc {
    pub heading: String,
    pub fields: Vec<(String, String)>,
    /// (when, what) lines of the timeline.
    pub timeline: Vec<(String, String)>,
    /// Follow-ups and messages: (when / who, text).
    pub messages: Vec<(String, String)>,
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectDocument {
    pub title: String,
    pub unit_name: String,
    /// Opening paragraphs (who asked, by what, when, what the file holds).
    pub intro: Vec<String>,
    pub cases: Vec<SubjectCaseDoc>,
    /// Section headings: [case list, timeline, messages, attachments].
    pub labels: [String; 4],
    pub closing: Vec<String>,
    pub doc_date: chrono::NaiveDate,
}

pub(crate) fn render(d: &SubjectDocument) -> Rendered {
    let mut w = Writer::new(Default::default());
    w.heading(Level::Section, &d.title.to_uppercase());
    w.paragraph(&d.unit_name, BODY, true, Align::Left);
    for p in &d.intro {
        w.paragraph(p, BODY, false, Align::Left);
    }
    for case in &d.cases {
        w.heading(Level::Sub, &case.heading);
        w.key_values(&case.fields, 0.3);
        if !case.timeline.is_empty() {
            w.paragraph(&d.labels[1], BODY, true, Align::Left);
            let mut t = Table::new(vec![col("", 0.3, Align::Left), col("", 0.7, Align::Left)]);
            t.header = false;
            t.rows = case
                .timeline
                .iter()
                .map(|(a, b)| row([a.clone(), b.clone()]))
                .collect();
            w.table(&t);
        }
        if !case.messages.is_empty() {
            w.paragraph(&d.labels[2], BODY, true, Align::Left);
            let mut t = Table::new(vec![col("", 0.3, Align::Left), col("", 0.7, Align::Left)]);
            t.header = false;
            t.rows = case
                .messages
                .iter()
                .map(|(a, b)| row([a.clone(), b.clone()]))
                .collect();
            w.table(&t);
        }
        if !case.attachments.is_empty() {
            w.paragraph(&d.labels[3], BODY, true, Align::Left);
            w.bullets(&case.attachments, false);
        }
    }
    for p in &d.closing {
        w.paragraph(p, BODY, false, Align::Left);
    }
    let setup = w.setup;
    let (pages, missing, outline) = w.finish(&d.unit_name);
    let mut warnings = Vec::new();
    if !missing.is_empty() {
        warnings.push(format!(
            "{} karakter di luar huruf (font) dokumen diganti dengan \"?\".",
            missing.len()
        ));
    }
    let hash = crate::data_hash(d);
    let meta = pdf::Meta {
        title: format!("{} — {}", d.title, d.unit_name),
        author: d.unit_name.clone(),
        subject: d.title.clone(),
        keywords: vec!["data pribadi".into(), "UU 27/2022".into()],
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
