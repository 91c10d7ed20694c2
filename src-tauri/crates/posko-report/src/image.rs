//! Images for the letterhead and photo evidence: a JPEG passes through as it
//! is (DCTDecode, its size read from the frame header); a PNG is decoded,
//! flattened onto white and re-compressed (FlateDecode). Anything else, or an
//! image too large to be sensible on paper, is refused with a reason and the
//! document is made without it.

use std::io::Write;

/// A decoded or passed-through image, ready to become a PDF image XObject.
#[derive(Clone, Debug, PartialEq)]
pub struct PdfImage {
    pub width: u32,
    pub height: u32,
    /// 1 (gray) or 3 (RGB) for PNG; for JPEG the frame's component count.
    pub components: u8,
    pub data: Vec<u8>,
    pub filter: Filter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    Dct,
    Flate,
}

/// Largest image accepted: 40 megapixels or 40 MB of input.
pub const MAX_PIXELS: u64 = 40_000_000;
pub const MAX_BYTES: usize = 40 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("not a JPEG or PNG image")]
    Unsupported,
    #[error("the image is damaged or cannot be read ({0})")]
    Damaged(String),
    #[error("the image is too large ({0})")]
    TooLarge(String),
}

pub fn load(bytes: &[u8]) -> Result<PdfImage, ImageError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImageError::TooLarge(format!("{} bytes", bytes.len())));
    }
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => jpeg(bytes),
        [0x89, b'P', b'N', b'G', ..] => png(bytes),
        _ => Err(ImageError::Unsupported),
    }
}

fn check_size(w: u32, h: u32) -> Result<(), ImageError> {
    if w == 0 || h == 0 {
        return Err(ImageError::Damaged("empty".into()));
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(ImageError::TooLarge(format!("{w}×{h} px")));
    }
    Ok(())
}

/// Read the size from the first SOFn marker and keep the bytes.
fn jpeg(bytes: &[u8]) -> Result<PdfImage, ImageError> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
            let w = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
            let components = bytes[i + 9];
            if !matches!(components, 1 | 3) {
                return Err(ImageError::Damaged(format!(
                    "{components} colour components"
                )));
            }
            check_size(w, h)?;
            return Ok(PdfImage {
                width: w,
                height: h,
                components,
                data: bytes.to_vec(),
                filter: Filter::Dct,
            });
        }
        if len < 2 {
            break;
        }
        i += 2 + len;
    }
    Err(ImageError::Damaged("no JPEG frame header".into()))
}

fn png(bytes: &[u8]) -> Result<PdfImage, ImageError> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| ImageError::Damaged(e.to_string()))?;
    let (w, h) = {
        let info = reader.info();
        (info.width, info.height)
    };
    check_size(w, h)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| ImageError::TooLarge(format!("{w}×{h} px")))?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| ImageError::Damaged(e.to_string()))?;
    let data = &buf[..frame.buffer_size()];
    use png::ColorType as C;
    // Flatten alpha onto white paper.
    let over_white = |v: u8, a: u8| -> u8 {
        ((u16::from(v) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8
    };
    let (components, pixels): (u8, Vec<u8>) = match frame.color_type {
        C::Grayscale => (1, data.to_vec()),
        C::GrayscaleAlpha => (
            1,
            data.chunks_exact(2)
                .map(|p| over_white(p[0], p[1]))
                .collect(),
        ),
        C::Rgb => (3, data.to_vec()),
        C::Rgba => (
            3,
            data.chunks_exact(4)
                .flat_map(|p| {
                    [
                        over_white(p[0], p[3]),
                        over_white(p[1], p[3]),
                        over_white(p[2], p[3]),
                    ]
                })
                .collect(),
        ),
        C::Indexed => return Err(ImageError::Damaged("palette not expanded".into())),
    };
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&pixels)
        .map_err(|e| ImageError::Damaged(e.to_string()))?;
    let data = enc
        .finish()
        .map_err(|e| ImageError::Damaged(e.to_string()))?;
    Ok(PdfImage {
        width: w,
        height: h,
        components,
        data,
        filter: Filter::Flate,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small RGBA PNG made with the png crate (half-transparent red square).
    pub fn sample_png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, w, h);
            e.set_color(png::ColorType::Rgba);
            e.set_depth(png::BitDepth::Eight);
            let mut wr = e.write_header().unwrap();
            let px: Vec<u8> = (0..w * h).flat_map(|_| [200u8, 30, 30, 128]).collect();
            wr.write_image_data(&px).unwrap();
        }
        out
    }

    #[test]
    fn png_is_flattened_and_jpeg_header_read() {
        let img = load(&sample_png(4, 3)).unwrap();
        assert_eq!((img.width, img.height, img.components), (4, 3, 3));
        assert_eq!(img.filter, Filter::Flate);
        // A minimal baseline JPEG header: SOI, SOF0 3×2, 3 components.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00, 0x03, 0x03, 0x01, 0x22,
            0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
        ];
        let j = load(&jpeg).unwrap();
        assert_eq!(
            (j.width, j.height, j.components, j.filter),
            (3, 2, 3, Filter::Dct)
        );
        assert_eq!(load(b"GIF89a...."), Err(ImageError::Unsupported));
        assert!(matches!(
            load(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 2]),
            Err(ImageError::Damaged(_))
        ));
        assert!(matches!(
            load(&sample_png(4, 3)[..40]),
            Err(ImageError::Damaged(_))
        ));
    }
}
