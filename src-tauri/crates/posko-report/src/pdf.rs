//! Laid-out pages → PDF bytes with printpdf. Reproducible: fonts, images and
//! bookmarks get fixed resource names, the dates come from the document date,
//! and the trailer /ID is derived from the document's data hash, so the same
//! input always gives the same bytes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use printpdf::{
    Color, CurTransMat, DictItem, ExternalStream, ExternalXObject, FontId, Line, LinePoint, Mm, Op,
    PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Px, Rect,
    TextItem, TextMatrix, WindingOrder, XObject, XObjectId, XObjectTransform,
};

use crate::fonts::fonts;
use crate::image::{Filter, PdfImage};
use crate::layout::{Draw, Level, Page, PageSetup, Rgb};

/// The document information dictionary, plus what makes the file verifiable.
#[derive(Clone, Debug)]
pub struct Meta {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: Vec<String>,
    pub date: NaiveDate,
    /// 16 bytes hex: the trailer /ID (from the data hash).
    pub file_id: String,
    /// Written as the `/PoskoVerify` entry of the info dictionary (ASCII).
    pub stamp: String,
}

const REGULAR: &str = "PSKREG";
const BOLD: &str = "PSKBLD";

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r: f32::from(c.0) / 255.0,
        g: f32::from(c.1) / 255.0,
        b: f32::from(c.2) / 255.0,
        icc_profile: None,
    })
}

fn pt(v: f32) -> Pt {
    Pt((v * 100.0).round() / 100.0)
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: pt(x), y: pt(y) },
        bezier: false,
    }
}

/// The content of one page as printpdf operations.
fn page_ops(page: &Page, setup: &PageSetup) -> Vec<Op> {
    let h = setup.height;
    let mut ops = Vec::with_capacity(page.draws.len() * 4);
    let mut in_text = false;
    let mut font: Option<(bool, f32)> = None;
    let mut fill: Option<Rgb> = None;
    for d in &page.draws {
        if in_text && !matches!(d, Draw::Text { .. }) {
            ops.push(Op::EndTextSection);
            in_text = false;
            font = None;
        }
        match d {
            Draw::Text {
                x,
                y,
                size,
                bold,
                color: c,
                text,
            } => {
                if !in_text {
                    ops.push(Op::StartTextSection);
                    in_text = true;
                }
                if font != Some((*bold, *size)) {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(FontId(
                            if *bold { BOLD } else { REGULAR }.into(),
                        )),
                        size: Pt(*size),
                    });
                    font = Some((*bold, *size));
                }
                if fill != Some(*c) {
                    ops.push(Op::SetFillColor { col: color(*c) });
                    fill = Some(*c);
                }
                ops.push(Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(pt(*x), pt(h - *y)),
                });
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(text.clone())],
                });
            }
            Draw::Rect {
                x,
                y,
                w,
                h: rh,
                fill: f,
                stroke,
            } => {
                if let Some(f) = f
                    && fill != Some(*f)
                {
                    ops.push(Op::SetFillColor { col: color(*f) });
                    fill = Some(*f);
                }
                if let Some((s, width)) = stroke {
                    ops.push(Op::SetOutlineColor { col: color(*s) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                }
                let mode = match (f, stroke) {
                    (Some(_), Some(_)) => PaintMode::FillStroke,
                    (Some(_), None) => PaintMode::Fill,
                    (None, Some(_)) => PaintMode::Stroke,
                    (None, None) => continue,
                };
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: pt(*x),
                        y: pt(h - y - rh),
                        width: pt(*w),
                        height: pt(*rh),
                        mode: Some(mode),
                        winding_order: Some(WindingOrder::NonZero),
                    },
                });
            }
            Draw::Line {
                x1,
                y1,
                x2,
                y2,
                color: c,
                width,
            } => {
                ops.push(Op::SetOutlineColor { col: color(*c) });
                ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![point(*x1, h - y1), point(*x2, h - y2)],
                        is_closed: false,
                    },
                });
            }
            Draw::Image { id, x, y, w, h: ih } => {
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::SetTransformationMatrix {
                    matrix: CurTransMat::Raw([*w, 0.0, 0.0, *ih, *x, h - y - ih]),
                });
                ops.push(Op::UseXobject {
                    id: XObjectId(format!("Im{id}")),
                    transform: XObjectTransform {
                        no_auto_scale: true,
                        ..Default::default()
                    },
                });
                ops.push(Op::RestoreGraphicsState);
            }
        }
    }
    if in_text {
        ops.push(Op::EndTextSection);
    }
    ops
}

fn image_xobject(img: &PdfImage) -> XObject {
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_owned(), DictItem::Name(b"XObject".to_vec()));
    dict.insert("Subtype".to_owned(), DictItem::Name(b"Image".to_vec()));
    dict.insert("Width".to_owned(), DictItem::Int(i64::from(img.width)));
    dict.insert("Height".to_owned(), DictItem::Int(i64::from(img.height)));
    dict.insert(
        "ColorSpace".to_owned(),
        DictItem::Name(if img.components == 1 {
            b"DeviceGray".to_vec()
        } else {
            b"DeviceRGB".to_vec()
        }),
    );
    dict.insert("BitsPerComponent".to_owned(), DictItem::Int(8));
    dict.insert(
        "Filter".to_owned(),
        DictItem::Name(match img.filter {
            Filter::Dct => b"DCTDecode".to_vec(),
            Filter::Flate => b"FlateDecode".to_vec(),
        }),
    );
    XObject::External(ExternalXObject {
        stream: ExternalStream {
            dict,
            content: img.data.clone(),
            compress: false,
        },
        width: Some(Px(img.width as usize)),
        height: Some(Px(img.height as usize)),
        dpi: None,
    })
}

fn timestamp(d: NaiveDate) -> printpdf::OffsetDateTime {
    let secs = d
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0);
    printpdf::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap_or_else(|_| printpdf::OffsetDateTime::from_unix_timestamp(0).expect("epoch"))
}

/// Write the pages. `images[i]` is drawn by `Draw::Image { id: i }`.
pub fn render(
    pages: &[Page],
    setup: &PageSetup,
    images: &[PdfImage],
    outline: &[(Level, String, usize)],
    meta: &Meta,
) -> Vec<u8> {
    let mut doc = PdfDocument::new(&meta.title);
    let info = &mut doc.metadata.info;
    info.author = meta.author.clone();
    info.subject = meta.subject.clone();
    info.keywords = meta.keywords.clone();
    info.creator = "Posko".into();
    info.producer = "Posko (printpdf)".into();
    info.identifier = meta.file_id.clone();
    info.creation_date = timestamp(meta.date);
    info.modification_date = timestamp(meta.date);
    info.metadata_date = timestamp(meta.date);
    let f = fonts();
    doc.resources.fonts.map.insert(
        FontId(REGULAR.into()),
        PdfFont::new(f.regular.parsed.clone()),
    );
    doc.resources
        .fonts
        .map
        .insert(FontId(BOLD.into()), PdfFont::new(f.bold.parsed.clone()));
    for (i, img) in images.iter().enumerate() {
        doc.resources
            .xobjects
            .map
            .insert(XObjectId(format!("Im{i}")), image_xobject(img));
    }
    for (i, (level, title, page)) in outline.iter().enumerate() {
        if *level == Level::Sub {
            continue;
        }
        doc.bookmarks.map.insert(
            printpdf::PageAnnotId(format!("B{i:05}")),
            printpdf::PageAnnotation {
                name: title.clone(),
                page: page + 1,
            },
        );
    }
    doc.pages = pages
        .iter()
        .map(|p| PdfPage::new(Mm(210.0), Mm(297.0), page_ops(p, setup)))
        .collect();
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = printpdf::to_lopdf_doc(&doc, &opts, &mut warnings);
    let id = hex::decode(&meta.file_id).unwrap_or_else(|_| meta.file_id.as_bytes().to_vec());
    lo.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
            lopdf::Object::String(id, lopdf::StringFormat::Hexadecimal),
        ]),
    );
    if let Ok(lopdf::Object::Reference(info_id)) = lo.trailer.get(b"Info").cloned()
        && let Ok(lopdf::Object::Dictionary(d)) = lo.get_object_mut(info_id)
    {
        d.set(
            "PoskoVerify",
            lopdf::Object::String(meta.stamp.as_bytes().to_vec(), lopdf::StringFormat::Literal),
        );
    }
    lo.compress();
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .expect("writing a PDF into memory cannot fail");
    out
}
