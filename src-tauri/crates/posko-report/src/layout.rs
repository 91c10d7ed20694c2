//! Page layout without any PDF in it: text measured with the embedded fonts'
//! metrics, wrapped to the column; tables whose cells wrap and whose header
//! repeats on every page (a row taller than a page is split across pages);
//! vector charts; signature blocks; QR codes. The result is a list of pages
//! of simple drawing commands in points, origin at the top left, which
//! `pdf.rs` turns into printpdf operations. Nothing is ever placed outside
//! the page's content box (asserted by the tests on every draw command).

use crate::fonts::{fonts, sanitize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0x1A, 0x1A, 0x1A);
    pub const GRAY: Rgb = Rgb(0x60, 0x60, 0x60);
    pub const RULE: Rgb = Rgb(0x9E, 0x9E, 0x9E);
    pub const HEADER: Rgb = Rgb(0xDC, 0xE6, 0xF0);
    pub const ZEBRA: Rgb = Rgb(0xF5, 0xF7, 0xFA);
    pub const ACCENT: Rgb = Rgb(0x1F, 0x5F, 0x8B);
    pub const WHITE: Rgb = Rgb(0xFF, 0xFF, 0xFF);

    /// `#RRGGBB`; anything else is None.
    pub fn from_hex(s: &str) -> Option<Rgb> {
        let h = s.strip_prefix('#')?;
        if h.len() != 6 || !h.is_ascii() {
            return None;
        }
        let v = u32::from_str_radix(h, 16).ok()?;
        Some(Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Draw {
    /// `y` is the baseline, from the top of the page.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    /// `y` is the top edge.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
        width: f32,
    },
    /// An image registered with the renderer under `id`; `y` is the top edge.
    Image {
        id: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// A cell's wrapped lines, bold, fill and text colour.
type CellLines = (Vec<String>, bool, Option<Rgb>, Option<Rgb>);

/// Headings: level, title, 0-based page.
pub type Outline = Vec<(Level, String, usize)>;

#[derive(Clone, Debug, Default)]
pub struct Page {
    pub draws: Vec<Draw>,
}

/// A4 with the margins of an Indonesian office letter (left wider for binding).
#[derive(Clone, Copy, Debug)]
pub struct PageSetup {
    pub width: f32,
    pub height: f32,
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
}

pub const MM: f32 = 72.0 / 25.4;

impl Default for PageSetup {
    fn default() -> Self {
        PageSetup {
            width: 210.0 * MM,
            height: 297.0 * MM,
            left: 30.0 * MM,
            right: 20.0 * MM,
            top: 20.0 * MM,
            bottom: 22.0 * MM,
        }
    }
}

pub const BODY: f32 = 10.5;
pub const LEADING: f32 = 1.35;
const PAD: f32 = 3.0;

/// A table column: header text, relative width, alignment.
#[derive(Clone, Debug)]
pub struct Column {
    pub title: String,
    pub weight: f32,
    pub align: Align,
}

pub fn col(title: &str, weight: f32, align: Align) -> Column {
    Column {
        title: title.to_owned(),
        weight,
        align,
    }
}

#[derive(Clone, Debug, Default)]
pub struct TCell {
    pub text: String,
    pub bold: bool,
    pub fill: Option<Rgb>,
    pub color: Option<Rgb>,
}

impl From<String> for TCell {
    fn from(text: String) -> Self {
        TCell {
            text,
            ..Default::default()
        }
    }
}

impl From<&str> for TCell {
    fn from(text: &str) -> Self {
        TCell {
            text: text.to_owned(),
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct TRow {
    pub cells: Vec<TCell>,
    pub bold: bool,
    pub fill: Option<Rgb>,
}

pub fn row<T: Into<TCell>>(cells: impl IntoIterator<Item = T>) -> TRow {
    TRow {
        cells: cells.into_iter().map(Into::into).collect(),
        ..Default::default()
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<TRow>,
    pub size: f32,
    pub header: bool,
    pub borders: bool,
    pub zebra: bool,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
            size: 9.0,
            header: true,
            borders: true,
            zebra: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub display: String,
    pub color: Rgb,
}

#[derive(Clone, Debug)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<Bar>,
    /// The value of a full-width bar (None: the largest value).
    pub max: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct ColumnChart {
    pub title: String,
    /// label, value, printed value
    pub columns: Vec<(String, f64, String)>,
    pub color: Rgb,
    pub height: f32,
}

/// A signature block: heading lines ("Sendana, 2 Juli 2024", "Kepala ..."),
/// room to sign, the name and the NIP.
#[derive(Clone, Debug)]
pub struct Sign {
    pub heading: Vec<String>,
    pub name: String,
    pub nip: String,
}

impl Sign {
    /// A block for a person who may not be named yet: an empty name or NIP
    /// becomes a dotted line to fill in by hand, so the printed page can
    /// still be signed.
    pub fn new(heading: Vec<String>, name: &str, nip: &str) -> Sign {
        let or_blank = |s: &str, blank: &str| {
            if s.trim().is_empty() {
                blank.to_owned()
            } else {
                s.to_owned()
            }
        };
        Sign {
            heading,
            name: or_blank(name, "(..................................)"),
            nip: or_blank(nip, ".................................."),
        }
    }
}

/// A QR code's modules (row-major, true = dark).
pub struct QrMatrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

/// What a heading is: a chapter (new page, centred), a section or a subsection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Chapter,
    Section,
    Sub,
}

pub struct Writer {
    pub setup: PageSetup,
    pub pages: Vec<Page>,
    y: f32,
    /// Characters the fonts lack, replaced in the output.
    pub missing: Vec<char>,
    /// Headings (level, title, 0-based page) for the contents and bookmarks.
    pub outline: Outline,
}

/// Split `text` into lines no wider than `width` (explicit newlines kept;
/// a word longer than the line is broken between characters).
pub fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let face = fonts().face(bold);
    let space = face.width(" ", size);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let w = face.width(word, size);
            if !line.is_empty() && line_w + space + w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if w <= width {
                line.push_str(word);
                line_w = w;
            } else {
                // A long word (a register number, a hash, a URL): break after
                // '/' or '-' where possible, else between characters.
                let mut pieces: Vec<&str> = Vec::new();
                let mut start = 0;
                for (i, c) in word.char_indices() {
                    if matches!(c, '/' | '-') {
                        pieces.push(&word[start..i + 1]);
                        start = i + 1;
                    }
                }
                if start < word.len() {
                    pieces.push(&word[start..]);
                }
                for piece in pieces {
                    let pw = face.width(piece, size);
                    if pw <= width {
                        if !line.is_empty() && line_w + pw > width {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        line.push_str(piece);
                        line_w += pw;
                        continue;
                    }
                    for c in piece.chars() {
                        let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                        if !line.is_empty() && line_w + cw > width {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += cw;
                    }
                }
            }
        }
        lines.push(line);
    }
    // Trailing empty lines add nothing but height.
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// Shorten to one line of `width`, ending with "…".
pub fn ellipsize(text: &str, size: f32, bold: bool, width: f32) -> String {
    let face = fonts().face(bold);
    if face.width(text, size) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let ell = face.width("…", size);
    let mut w = 0.0;
    for c in text.chars() {
        let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
        if w + cw + ell > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

impl Writer {
    pub fn new(setup: PageSetup) -> Writer {
        Writer {
            setup,
            pages: vec![Page::default()],
            y: setup.top,
            missing: Vec::new(),
            outline: Vec::new(),
        }
    }

    pub fn width(&self) -> f32 {
        self.setup.width - self.setup.left - self.setup.right
    }

    pub fn limit(&self) -> f32 {
        self.setup.height - self.setup.bottom
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn page_index(&self) -> usize {
        self.pages.len() - 1
    }

    fn at_top(&self) -> bool {
        self.y <= self.setup.top + 0.01
    }

    pub fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.setup.top;
    }

    /// Start a new page unless `h` more points fit on this one (or the page is empty).
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > self.limit() && !self.at_top() {
            self.new_page();
        }
    }

    pub fn space(&mut self, h: f32) {
        if self.y + h > self.limit() {
            self.new_page();
        } else if !self.at_top() {
            self.y += h;
        }
    }

    /// Move the cursor down to `y` (after drawing at absolute positions).
    pub fn skip_to(&mut self, y: f32) {
        if y > self.limit() {
            self.new_page();
        } else if y > self.y {
            self.y = y;
        }
    }

    pub fn push(&mut self, d: Draw) {
        self.pages.last_mut().expect("a page").draws.push(d);
    }

    fn clean(&mut self, text: &str) -> String {
        sanitize(text, &mut self.missing)
    }

    /// One line of text at `x`, baseline `y` (no wrapping; the caller fits it).
    #[allow(clippy::too_many_arguments)]
    pub fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: &str) {
        let t = self.clean(text);
        if !t.is_empty() {
            self.push(Draw::Text {
                x,
                y,
                size,
                bold,
                color,
                text: t,
            });
        }
    }

    /// Lines at the cursor, each aligned within [x, x + w].
    #[allow(clippy::too_many_arguments)]
    fn lines_at(
        &mut self,
        lines: &[String],
        x: f32,
        w: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        align: Align,
    ) {
        let lh = size * LEADING;
        let face = fonts().face(bold);
        for l in lines {
            if self.y + lh > self.limit() {
                self.new_page();
            }
            let tx = match align {
                Align::Left => x,
                Align::Center => x + (w - face.width(l, size)).max(0.0) / 2.0,
                Align::Right => x + (w - face.width(l, size)).max(0.0),
            };
            let base = self.y + size * 1.02;
            if !l.is_empty() {
                self.push(Draw::Text {
                    x: tx,
                    y: base,
                    size,
                    bold,
                    color,
                    text: l.clone(),
                });
            }
            self.y += lh;
        }
    }

    /// A paragraph across the column (or indented by `indent`).
    pub fn paragraph(&mut self, text: &str, size: f32, bold: bool, align: Align) {
        self.paragraph_in(text, size, bold, align, 0.0, Rgb::BLACK);
    }

    pub fn paragraph_in(
        &mut self,
        text: &str,
        size: f32,
        bold: bool,
        align: Align,
        indent: f32,
        color: Rgb,
    ) {
        let t = self.clean(text);
        let w = self.width() - indent;
        let lines = wrap(&t, size, bold, w);
        let x = self.setup.left + indent;
        self.lines_at(&lines, x, w, size, bold, color, align);
        self.y += size * 0.5;
    }

    /// Text from an editable template: paragraphs split by blank lines,
    /// lines starting with "- " become bullets.
    pub fn rich(&mut self, body: &str) {
        for block in body.split("\n\n") {
            let block = block.trim_matches('\n');
            if block.trim().is_empty() {
                continue;
            }
            let lines: Vec<&str> = block.lines().collect();
            let (bullets, paras): (Vec<&str>, Vec<&str>) =
                lines.iter().partition(|l| l.trim_start().starts_with("- "));
            if !paras.is_empty() {
                self.paragraph(&paras.join(" "), BODY, false, Align::Left);
            }
            if !bullets.is_empty() {
                let items: Vec<String> = bullets
                    .iter()
                    .map(|l| l.trim_start()[2..].trim().to_owned())
                    .collect();
                self.bullets(&items, false);
            }
        }
    }

    /// A list with hanging indent ("•" or "1.").
    pub fn bullets(&mut self, items: &[String], numbered: bool) {
        let size = BODY;
        let indent = 16.0;
        for (i, item) in items.iter().enumerate() {
            let t = self.clean(item);
            let w = self.width() - indent;
            let lines = wrap(&t, size, false, w);
            self.ensure(size * LEADING * lines.len().min(2) as f32);
            let marker = if numbered {
                format!("{}.", i + 1)
            } else {
                "•".to_owned()
            };
            let base = self.y + size * 1.02;
            self.push(Draw::Text {
                x: self.setup.left + 2.0,
                y: base,
                size,
                bold: false,
                color: Rgb::BLACK,
                text: marker,
            });
            let x = self.setup.left + indent;
            self.lines_at(&lines, x, w, size, false, Rgb::BLACK, Align::Left);
            self.y += 1.5;
        }
        self.y += size * 0.4;
    }

    pub fn heading(&mut self, level: Level, text: &str) {
        let t = self.clean(text);
        match level {
            Level::Chapter => {
                if !self.at_top() {
                    self.new_page();
                }
                self.outline
                    .push((level, t.replace('\n', " "), self.page_index()));
                let w = self.width();
                let x = self.setup.left;
                let lines = wrap(&t, 14.0, true, w);
                self.lines_at(&lines, x, w, 14.0, true, Rgb::BLACK, Align::Center);
                self.y += 12.0;
            }
            Level::Section | Level::Sub => {
                let size = if level == Level::Section { 12.0 } else { 10.5 };
                // Keep the heading with at least three lines of what follows.
                self.ensure(size * LEADING + BODY * LEADING * 3.0 + 6.0);
                self.y += if self.at_top() { 0.0 } else { 6.0 };
                self.outline.push((level, t.clone(), self.page_index()));
                let w = self.width();
                let x = self.setup.left;
                let lines = wrap(&t, size, true, w);
                self.lines_at(&lines, x, w, size, true, Rgb::ACCENT, Align::Left);
                self.y += 3.0;
            }
        }
    }

    /// Label–value pairs without borders (identity blocks).
    pub fn key_values(&mut self, rows: &[(String, String)], label_weight: f32) {
        let mut t = Table::new(vec![
            col("", label_weight, Align::Left),
            col("", 0.04, Align::Center),
            col("", 1.0 - label_weight - 0.04, Align::Left),
        ]);
        t.header = false;
        t.borders = false;
        t.zebra = false;
        t.size = BODY;
        t.rows = rows
            .iter()
            .map(|(k, v)| row([k.clone(), ":".to_owned(), v.clone()]))
            .collect();
        self.table(&t);
    }

    fn col_widths(&self, t: &Table) -> Vec<f32> {
        let total: f32 = t.columns.iter().map(|c| c.weight.max(0.01)).sum();
        t.columns
            .iter()
            .map(|c| self.width() * c.weight.max(0.01) / total)
            .collect()
    }

    /// Draw one row (or the part `lines` of it) at the cursor.
    fn draw_row(
        &mut self,
        t: &Table,
        widths: &[f32],
        cells: &[CellLines],
        fill: Option<Rgb>,
        header: bool,
    ) {
        let lh = t.size * LEADING;
        let n = cells.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1);
        let h = n as f32 * lh + 2.0 * PAD;
        let mut x = self.setup.left;
        let top = self.y;
        for (i, (lines, bold, cfill, color)) in cells.iter().enumerate() {
            let w = widths[i];
            let f = cfill.or(fill);
            if f.is_some() || t.borders {
                self.push(Draw::Rect {
                    x,
                    y: top,
                    w,
                    h,
                    fill: f,
                    stroke: t.borders.then_some((Rgb::RULE, 0.5)),
                });
            }
            let align = if header {
                Align::Center
            } else {
                t.columns[i].align
            };
            let face = fonts().face(*bold);
            for (k, l) in lines.iter().enumerate() {
                if l.is_empty() {
                    continue;
                }
                let lw = face.width(l, t.size);
                let tx = match align {
                    Align::Left => x + PAD,
                    Align::Center => x + (w - lw).max(0.0) / 2.0,
                    Align::Right => x + (w - PAD - lw).max(PAD),
                };
                self.push(Draw::Text {
                    x: tx,
                    y: top + PAD + k as f32 * lh + t.size * 1.02,
                    size: t.size,
                    bold: *bold,
                    color: color.unwrap_or(Rgb::BLACK),
                    text: l.clone(),
                });
            }
            x += w;
        }
        self.y = top + h;
    }

    #[allow(clippy::type_complexity)]
    fn header_cells(&mut self, t: &Table, widths: &[f32]) -> Vec<CellLines> {
        t.columns
            .iter()
            .zip(widths)
            .map(|(c, w)| {
                let title = sanitize(&c.title, &mut self.missing);
                (wrap(&title, t.size, true, w - 2.0 * PAD), true, None, None)
            })
            .collect()
    }

    fn header_height(t: &Table, cells: &[CellLines]) -> f32 {
        let n = cells.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1);
        n as f32 * t.size * LEADING + 2.0 * PAD
    }

    /// A table: cells wrap; the header repeats at the top of every page the
    /// table runs onto; a row that does not fit moves to the next page, and a
    /// row taller than a whole page is split between pages.
    pub fn table(&mut self, t: &Table) {
        let widths = self.col_widths(t);
        let lh = t.size * LEADING;
        let header = if t.header {
            Some(self.header_cells(t, &widths))
        } else {
            None
        };
        let hh = header
            .as_ref()
            .map(|h| Self::header_height(t, h))
            .unwrap_or(0.0);
        let ncols = t.columns.len();
        let rows: Vec<Vec<CellLines>> = t
            .rows
            .iter()
            .map(|r| {
                (0..ncols)
                    .map(|i| {
                        let c = r.cells.get(i).cloned().unwrap_or_default();
                        let bold = c.bold || r.bold;
                        let text = sanitize(&c.text, &mut self.missing);
                        (
                            wrap(&text, t.size, bold, widths[i] - 2.0 * PAD),
                            bold,
                            c.fill,
                            c.color,
                        )
                    })
                    .collect()
            })
            .collect();
        let height = |cells: &[CellLines]| {
            cells.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1) as f32 * lh + 2.0 * PAD
        };
        let total: f32 = hh + rows.iter().map(|r| height(r)).sum::<f32>();
        if total <= 220.0 {
            // A short table stays on one page.
            self.ensure(total);
        } else {
            // The header never stands alone: it goes with the first row (or
            // the first few lines of a very tall one).
            let first = rows.first().map(|r| height(r)).unwrap_or(0.0);
            self.ensure(hh + first.min(4.0 * lh + 2.0 * PAD));
        }
        if let Some(h) = &header {
            self.draw_row(t, &widths, h, Some(Rgb::HEADER), true);
        }
        for (ri, (r, cells)) in t.rows.iter().zip(rows).enumerate() {
            let fill = r.fill.or((t.zebra && ri % 2 == 1).then_some(Rgb::ZEBRA));
            let mut cells = cells;
            loop {
                let n = cells.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1);
                let h = n as f32 * lh + 2.0 * PAD;
                if self.y + h <= self.limit() {
                    self.draw_row(t, &widths, &cells, fill, false);
                    break;
                }
                let room = ((self.limit() - self.y - 2.0 * PAD) / lh).floor() as usize;
                let fresh_page_room =
                    ((self.limit() - self.setup.top - hh - 2.0 * PAD) / lh).floor() as usize;
                if room >= 1 && (n > fresh_page_room || room >= 3) {
                    // Split: what fits here, the rest on the next page.
                    let (now, rest): (Vec<_>, Vec<_>) = cells
                        .iter()
                        .map(|(lines, b, f, c)| {
                            let k = room.min(lines.len());
                            (
                                (lines[..k].to_vec(), *b, *f, *c),
                                (lines[k..].to_vec(), *b, *f, *c),
                            )
                        })
                        .unzip();
                    self.draw_row(t, &widths, &now, fill, false);
                    cells = rest;
                }
                self.new_page();
                if let Some(h) = &header {
                    self.draw_row(t, &widths, h, Some(Rgb::HEADER), true);
                }
            }
        }
        self.y += 8.0;
    }

    /// Horizontal bars, one per item, with the value printed after the bar.
    pub fn bar_chart(&mut self, c: &BarChart) {
        let title = self.clean(&c.title);
        let row_h = 15.0;
        let size = 8.5;
        self.ensure(16.0 + row_h * (c.bars.len().min(6) as f32) + 8.0);
        self.paragraph(&title, 9.5, true, Align::Left);
        let max = c
            .max
            .unwrap_or_else(|| c.bars.iter().map(|b| b.value).fold(0.0, f64::max));
        let left = self.setup.left;
        let label_w = self.width() * 0.34;
        let value_w = 48.0;
        let plot_w = self.width() - label_w - value_w - 6.0;
        if c.bars.is_empty() || max <= 0.0 {
            self.paragraph_in("(tidak ada data)", size, false, Align::Left, 0.0, Rgb::GRAY);
            return;
        }
        let top0 = self.y;
        for b in &c.bars {
            if self.y + row_h > self.limit() {
                self.new_page();
            }
            let label = self.clean(&b.label);
            let label = ellipsize(&label, size, false, label_w - 6.0);
            let y = self.y;
            self.push(Draw::Text {
                x: left,
                y: y + 10.5,
                size,
                bold: false,
                color: Rgb::BLACK,
                text: label,
            });
            let w = (plot_w as f64 * (b.value.max(0.0) / max).min(1.0)) as f32;
            if w > 0.0 {
                self.push(Draw::Rect {
                    x: left + label_w,
                    y: y + 3.0,
                    w,
                    h: row_h - 5.0,
                    fill: Some(b.color),
                    stroke: None,
                });
            }
            let shown = self.clean(&b.display);
            self.push(Draw::Text {
                x: left + label_w + w + 4.0,
                y: y + 10.5,
                size,
                bold: false,
                color: Rgb::BLACK,
                text: shown,
            });
            self.y += row_h;
        }
        let axis_top = if self.y >= top0 { top0 } else { self.setup.top };
        self.push(Draw::Line {
            x1: left + label_w,
            y1: axis_top,
            x2: left + label_w,
            y2: self.y,
            color: Rgb::GRAY,
            width: 0.6,
        });
        self.y += 8.0;
    }

    /// Vertical columns (e.g. complaints per month), labels under, values over.
    pub fn column_chart(&mut self, c: &ColumnChart) {
        let title = self.clean(&c.title);
        let label_size = if c.columns.len() > 12 { 6.0 } else { 7.5 };
        let total_h = 16.0 + c.height + 14.0 + 8.0;
        self.ensure(total_h);
        self.paragraph(&title, 9.5, true, Align::Left);
        let max = c.columns.iter().map(|x| x.1).fold(0.0, f64::max);
        let left = self.setup.left;
        let w = self.width();
        let top = self.y + 10.0;
        let base = top + c.height;
        self.push(Draw::Line {
            x1: left,
            y1: base,
            x2: left + w,
            y2: base,
            color: Rgb::GRAY,
            width: 0.6,
        });
        let n = c.columns.len().max(1);
        let slot = w / n as f32;
        let every = n.div_ceil(18).max(1);
        for (i, (label, value, shown)) in c.columns.iter().enumerate() {
            let x = left + slot * i as f32;
            let h = if max > 0.0 {
                (f64::from(c.height) * value.max(0.0) / max) as f32
            } else {
                0.0
            };
            if h > 0.0 {
                self.push(Draw::Rect {
                    x: x + slot * 0.2,
                    y: base - h,
                    w: slot * 0.6,
                    h,
                    fill: Some(c.color),
                    stroke: None,
                });
            }
            let s = self.clean(shown);
            let face = fonts().face(false);
            let sw = face.width(&s, label_size);
            if sw <= slot + 2.0 || i % every == 0 {
                self.push(Draw::Text {
                    x: x + (slot - sw) / 2.0,
                    y: base - h - 2.5,
                    size: label_size,
                    bold: false,
                    color: Rgb::BLACK,
                    text: s,
                });
            }
            if i % every == 0 {
                let l = self.clean(label);
                let l = ellipsize(&l, label_size, false, slot * every as f32);
                let lw = face.width(&l, label_size);
                self.push(Draw::Text {
                    x: (x + (slot - lw) / 2.0).max(left),
                    y: base + label_size + 3.0,
                    size: label_size,
                    bold: false,
                    color: Rgb::GRAY,
                    text: l,
                });
            }
        }
        self.y = base + label_size + 10.0;
    }

    /// Signature blocks, two side by side per row, kept together on a page.
    pub fn signatures(&mut self, signs: &[Sign]) {
        let size = BODY;
        let lh = size * LEADING;
        let colw = self.width() / 2.0;
        for pair in signs.chunks(2) {
            let heading = pair.iter().map(|s| s.heading.len()).max().unwrap_or(0);
            let h = (heading as f32 + 2.0) * lh + 48.0;
            self.ensure(h + 6.0);
            let top = self.y;
            let mut bottom = top;
            for (i, s) in pair.iter().enumerate() {
                // A lone block sits on the right, where an office letter signs.
                let x = self.setup.left
                    + if pair.len() == 1 {
                        colw
                    } else {
                        colw * i as f32
                    };
                self.y = top;
                let mut lines: Vec<String> = s.heading.iter().map(|l| self.clean(l)).collect();
                lines = lines
                    .iter()
                    .flat_map(|l| wrap(l, size, false, colw - 8.0))
                    .collect();
                self.lines_at(&lines, x, colw, size, false, Rgb::BLACK, Align::Center);
                self.y = top + heading as f32 * lh + 48.0;
                let name = self.clean(&s.name);
                let name = ellipsize(&name, size, true, colw - 8.0);
                let face = fonts().face(true);
                let nw = face.width(&name, size);
                let nx = x + (colw - nw) / 2.0;
                self.lines_at(
                    std::slice::from_ref(&name),
                    x,
                    colw,
                    size,
                    true,
                    Rgb::BLACK,
                    Align::Center,
                );
                if !name.is_empty() {
                    let uy = self.y - lh + size * 1.02 + 1.5;
                    self.push(Draw::Line {
                        x1: nx,
                        y1: uy,
                        x2: nx + nw,
                        y2: uy,
                        color: Rgb::BLACK,
                        width: 0.6,
                    });
                }
                let nip = if s.nip.trim().is_empty() {
                    String::new()
                } else {
                    format!("NIP. {}", s.nip.trim())
                };
                let nip = self.clean(&nip);
                self.lines_at(&[nip], x, colw, size, false, Rgb::BLACK, Align::Center);
                bottom = bottom.max(self.y);
            }
            self.y = bottom + 10.0;
        }
    }

    /// A QR code of `size` points at the left, with caption lines beside it.
    pub fn qr(&mut self, m: &QrMatrix, size: f32, caption: &[String]) {
        self.ensure(size + 6.0);
        let x0 = self.setup.left;
        let y0 = self.y;
        let quiet = 2usize;
        let cell = size / (m.width + 2 * quiet) as f32;
        self.push(Draw::Rect {
            x: x0,
            y: y0,
            w: size,
            h: size,
            fill: Some(Rgb::WHITE),
            stroke: None,
        });
        for r in 0..m.width {
            let mut c = 0;
            while c < m.width {
                if m.dark[r * m.width + c] {
                    let start = c;
                    while c < m.width && m.dark[r * m.width + c] {
                        c += 1;
                    }
                    self.push(Draw::Rect {
                        x: x0 + (start + quiet) as f32 * cell,
                        y: y0 + (r + quiet) as f32 * cell,
                        // A hair wider so neighbouring runs do not leave seams.
                        w: (c - start) as f32 * cell + 0.05,
                        h: cell + 0.05,
                        fill: Some(Rgb(0, 0, 0)),
                        stroke: None,
                    });
                } else {
                    c += 1;
                }
            }
        }
        let tx = x0 + size + 10.0;
        let tw = self.width() - size - 10.0;
        let mut y = y0;
        for l in caption {
            let clean = self.clean(l);
            for line in wrap(&clean, 8.0, false, tw) {
                self.push(Draw::Text {
                    x: tx,
                    y: y + 8.5,
                    size: 8.0,
                    bold: false,
                    color: Rgb::GRAY,
                    text: line,
                });
                y += 8.0 * LEADING;
            }
        }
        self.y = y0 + size.max(y - y0) + 8.0;
    }

    /// An image `w`×`h` points, centred, registered as `id` with the renderer.
    pub fn image(&mut self, id: usize, w: f32, h: f32) {
        let w = w.min(self.width());
        let h = h.min(self.limit() - self.setup.top);
        self.ensure(h + 4.0);
        let x = self.setup.left + (self.width() - w) / 2.0;
        self.push(Draw::Image {
            id,
            x,
            y: self.y,
            w,
            h,
        });
        self.y += h + 4.0;
    }

    pub fn rule(&mut self, width: f32) {
        let y = self.y;
        self.push(Draw::Line {
            x1: self.setup.left,
            y1: y,
            x2: self.setup.left + self.width(),
            y2: y,
            color: Rgb::BLACK,
            width,
        });
        self.y += width + 2.0;
    }

    /// Footer on every page: `left` and "Halaman x dari y".
    #[allow(clippy::type_complexity)]
    pub fn finish(mut self, left: &str) -> (Vec<Page>, Vec<char>, Outline) {
        let n = self.pages.len();
        let left = sanitize(left, &mut self.missing);
        let s = self.setup;
        let y = s.height - s.bottom + 14.0;
        let face = fonts().face(false);
        for (i, p) in self.pages.iter_mut().enumerate() {
            let right = format!("Halaman {} dari {}", i + 1, n);
            let rw = face.width(&right, 8.0);
            let lw = s.width - s.left - s.right - rw - 12.0;
            p.draws.push(Draw::Line {
                x1: s.left,
                y1: y - 9.0,
                x2: s.width - s.right,
                y2: y - 9.0,
                color: Rgb::RULE,
                width: 0.5,
            });
            p.draws.push(Draw::Text {
                x: s.left,
                y,
                size: 8.0,
                bold: false,
                color: Rgb::GRAY,
                text: ellipsize(&left, 8.0, false, lw),
            });
            p.draws.push(Draw::Text {
                x: s.width - s.right - rw,
                y,
                size: 8.0,
                bold: false,
                color: Rgb::GRAY,
                text: right,
            });
        }
        (self.pages, self.missing, self.outline)
    }
}

/// The page box every draw command must stay in (content plus footer band).
pub fn inside_page(setup: &PageSetup, d: &Draw) -> bool {
    let eps = 0.6;
    let (x0, y0, x1, y1) = match d {
        Draw::Text {
            x,
            y,
            size,
            bold,
            text,
            ..
        } => {
            let w = fonts().face(*bold).width(text, *size);
            (*x, y - size, x + w, y + size * 0.3)
        }
        Draw::Rect { x, y, w, h, .. } | Draw::Image { x, y, w, h, .. } => (*x, *y, x + w, y + h),
        Draw::Line { x1, y1, x2, y2, .. } => (x1.min(*x2), y1.min(*y2), x1.max(*x2), y1.max(*y2)),
    };
    x0 >= setup.left - eps
        && x1 <= setup.width - setup.right + eps
        && y0 >= setup.top - 12.0
        && y1 <= setup.height - 10.0 * MM
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pages: &[Page], setup: &PageSetup) {
        for (i, p) in pages.iter().enumerate() {
            for d in &p.draws {
                assert!(
                    inside_page(setup, d),
                    "page {}: {d:?} leaves the page",
                    i + 1
                );
            }
        }
    }

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let text =
            "Pengaduan tentang antrean panjang di loket pendaftaran ".repeat(20) + &"x".repeat(400);
        for l in wrap(&text, 10.0, false, 200.0) {
            assert!(fonts().regular.width(&l, 10.0) <= 200.01, "{l}");
        }
        assert_eq!(wrap("a\n\nb", 10.0, false, 100.0), vec!["a", "", "b"]);
        assert_eq!(wrap("", 10.0, false, 100.0), vec![""]);
    }

    #[test]
    fn tables_repeat_their_header_and_split_huge_rows() {
        let setup = PageSetup::default();
        let mut w = Writer::new(setup);
        let mut t = Table::new(vec![
            col("No", 0.08, Align::Right),
            col("Uraian yang panjang", 0.62, Align::Left),
            col("Jumlah", 0.3, Align::Right),
        ]);
        for i in 0..120 {
            t.rows.push(row([
                format!("{}", i + 1),
                "Keterangan baris ".repeat(1 + i % 7),
                "1.234".to_owned(),
            ]));
        }
        // A cell longer than a page.
        t.rows.push(row([
            "121".to_owned(),
            "kata ".repeat(6000),
            "9".to_owned(),
        ]));
        w.table(&t);
        let (pages, missing, _) = w.finish("UJI/001");
        assert!(missing.is_empty());
        assert!(pages.len() > 6, "{}", pages.len());
        check(&pages, &setup);
        for (i, p) in pages.iter().enumerate() {
            let has_header = p.draws.iter().any(
                |d| matches!(d, Draw::Text { text, bold: true, .. } if text.starts_with("Uraian")),
            );
            assert!(
                has_header,
                "page {} lacks the table header: {:?}",
                i + 1,
                &p.draws[..p.draws.len().min(8)]
            );
            let footer = format!("Halaman {} dari {}", i + 1, pages.len());
            assert!(
                p.draws
                    .iter()
                    .any(|d| matches!(d, Draw::Text { text, .. } if *text == footer))
            );
        }
    }

    #[test]
    fn charts_signatures_and_qr_stay_on_the_page() {
        let setup = PageSetup::default();
        let mut w = Writer::new(setup);
        w.bar_chart(&BarChart {
            title: "Menurut kanal".into(),
            bars: (0..40)
                .map(|i| Bar {
                    label: format!("Kanal dengan nama yang sangat panjang sekali nomor {i}"),
                    value: f64::from(i * 1000),
                    display: crate::fmt::int(i as u64 * 1000),
                    color: Rgb::ACCENT,
                })
                .collect(),
            max: None,
        });
        w.column_chart(&ColumnChart {
            title: "Per bulan".into(),
            columns: (0..37)
                .map(|i| (format!("B{i}"), f64::from(i), i.to_string()))
                .collect(),
            color: Rgb::ACCENT,
            height: 120.0,
        });
        w.signatures(&[
            Sign {
                heading: vec!["Sendana, 2 Juli 2024".into(), "Kepala Puskesmas".into()],
                name: "dr. Hendra Saputra dengan nama yang sangat panjang sekali".into(),
                nip: "197505052003121002".into(),
            },
            Sign {
                heading: vec!["Tim".into()],
                name: "Ayu".into(),
                nip: String::new(),
            },
            Sign {
                heading: vec!["Tim".into()],
                name: "Budi".into(),
                nip: String::new(),
            },
        ]);
        let m = QrMatrix {
            width: 25,
            dark: (0..625).map(|i| i % 3 == 0).collect(),
        };
        w.qr(&m, 80.0, &["No. dokumen".into(), "a".repeat(300)]);
        let (pages, _, _) = w.finish(&"x".repeat(500));
        check(&pages, &setup);
    }
}
