//! QR codes as module matrices, drawn by the layout as vector squares.

use qrcode::{Color, EcLevel, QrCode};

use crate::layout::QrMatrix;

/// The matrix for `payload` (error correction M, falling back to L for long
/// payloads); None only when the payload is too long for any QR version.
pub fn matrix(payload: &str) -> Option<QrMatrix> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::L))
        .ok()?;
    Some(QrMatrix {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads_become_square_matrices() {
        let m = super::matrix("POSKO1;kind=monev;doc=X;sha256=00").unwrap();
        assert_eq!(m.dark.len(), m.width * m.width);
        assert!(m.width >= 21);
        assert!(super::matrix(&"x".repeat(5000)).is_none());
    }
}
