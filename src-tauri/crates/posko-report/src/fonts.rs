//! The two embedded fonts (Noto Sans Regular and Bold, SIL OFL 1.1, see
//! `assets/fonts/`), their metrics, and what to do with characters they lack.

use std::collections::HashMap;
use std::sync::OnceLock;

use printpdf::ParsedFont;

pub const REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/NotoSans-Regular.ttf");
pub const BOLD_TTF: &[u8] = include_bytes!("../../../../assets/fonts/NotoSans-Bold.ttf");

/// Shown instead of a character the font cannot draw.
pub const REPLACEMENT: char = '?';

/// Advance widths of one font, in 1/1000 em, for fast measuring.
pub struct Face {
    pub parsed: ParsedFont,
    /// Dense table for U+0000..U+2FFF: advance, or u16::MAX when the font lacks the glyph.
    dense: Vec<u16>,
    /// Everything above the dense range.
    sparse: HashMap<char, Option<u16>>,
    units_per_em: f32,
}

const DENSE: u32 = 0x3000;

impl Face {
    fn load(bytes: &[u8]) -> Face {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
            .expect("the bundled Noto Sans font parses");
        let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
        let dense = (0..DENSE)
            .map(|cp| match parsed.lookup_glyph_index(cp) {
                Some(g) if g != 0 => parsed.get_horizontal_advance(g).min(u16::MAX - 1),
                _ => u16::MAX,
            })
            .collect();
        Face {
            parsed,
            dense,
            sparse: HashMap::new(),
            units_per_em,
        }
    }

    /// Advance of `c` in font units, None when the font has no glyph for it.
    pub fn advance(&self, c: char) -> Option<u16> {
        let cp = c as u32;
        if cp < DENSE {
            let a = self.dense[cp as usize];
            return (a != u16::MAX).then_some(a);
        }
        if let Some(a) = self.sparse.get(&c) {
            return *a;
        }
        match self.parsed.lookup_glyph_index(cp) {
            Some(g) if g != 0 => Some(self.parsed.get_horizontal_advance(g)),
            _ => None,
        }
    }

    pub fn has(&self, c: char) -> bool {
        self.advance(c).is_some()
    }

    /// Width of `text` at `size` points (characters the font lacks count as the replacement).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let fallback = self.advance(REPLACEMENT).unwrap_or(500);
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.advance(c).unwrap_or(fallback)))
            .sum();
        units as f32 * size / self.units_per_em
    }
}

pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
}

impl Fonts {
    pub fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

/// The fonts, parsed once per process.
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: Face::load(REGULAR_TTF),
        bold: Face::load(BOLD_TTF),
    })
}

/// Text the fonts can draw: control characters become spaces (tabs) or go,
/// a character neither font has becomes [`REPLACEMENT`]; each one replaced is
/// reported once in `missing`.
pub fn sanitize(text: &str, missing: &mut Vec<char>) -> String {
    let f = fonts();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{00A0}' | '\u{2007}' | '\u{202F}' => out.push(' '),
            c if c.is_control() => {}
            // Zero-width characters and variation selectors draw nothing.
            '\u{200B}'..='\u{200F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' => {}
            c if f.regular.has(c) && f.bold.has(c) => out.push(c),
            c => {
                if !missing.contains(&c) {
                    missing.push(c);
                }
                out.push(REPLACEMENT);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_text_is_fully_covered() {
        let mut missing = Vec::new();
        let s = sanitize(
            "Pengaduan “antrean” – Rp 10.000 • 2 Juli 2024 › é ñ ā ō ü ± × ° № —",
            &mut missing,
        );
        assert!(missing.is_empty(), "{missing:?}");
        assert!(s.contains("“antrean”"));
        let f = fonts();
        assert!(f.regular.width("Halaman", 10.0) > 30.0);
        assert!(f.bold.width("Halaman", 10.0) > f.regular.width("Halaman", 10.0));
    }

    #[test]
    fn characters_outside_the_font_are_replaced_and_reported() {
        let mut missing = Vec::new();
        let s = sanitize("Salam 🙂 dan 漢字\u{0007}!", &mut missing);
        assert_eq!(s, "Salam ? dan ??!");
        assert_eq!(missing, vec!['🙂', '漢', '字']);
    }
}
