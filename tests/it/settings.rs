//! Office settings: the head who signs reports and the logo on letterheads.

use base64::Engine;
use posko_core::CoreError;

use crate::support::*;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The smallest valid PNG signature + IHDR start is enough for type sniffing.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

fn field_codes(e: CoreError) -> Vec<(String, String)> {
    match e {
        CoreError::Validation { errors } => errors
            .into_iter()
            .map(|f| (f.field, f.code.code().to_owned()))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn head_and_logo_are_kept_and_checked() {
    let mut s = new_store();
    let mut office = s.p.office_settings().unwrap();
    office.head_name = "  dr. Rahmawati Siregar ".into();
    office.head_title = "Kepala Puskesmas".into();
    office.head_nip = "19800101 200501 2 001".into();
    office.logo_base64 = Some(b64(PNG));
    s.p.update_office_settings(&admin(), office).unwrap();
    s.reopen();
    let saved = s.p.office_settings().unwrap();
    assert_eq!(saved.head_name, "dr. Rahmawati Siregar");
    assert_eq!(saved.head_nip, "198001012005012001");
    assert_eq!(saved.logo_base64.as_deref(), Some(b64(PNG).as_str()));

    let before = s.p.office_settings().unwrap();
    let mut bad = before.clone();
    bad.head_nip = "12345".into();
    bad.logo_base64 = Some(b64(b"GIF89a not allowed"));
    let codes = field_codes(s.p.update_office_settings(&admin(), bad).unwrap_err());
    assert!(
        codes.contains(&("head_nip".into(), "nip_format".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("logo_base64".into(), "logo_type".into())),
        "{codes:?}"
    );

    let mut bad = before.clone();
    bad.logo_base64 = Some("%%% not base64".into());
    let codes = field_codes(s.p.update_office_settings(&admin(), bad).unwrap_err());
    assert_eq!(codes, vec![("logo_base64".into(), "base64".into())]);

    let mut big = PNG.to_vec();
    big.resize(600 * 1024, 0);
    let mut bad = before.clone();
    bad.logo_base64 = Some(b64(&big));
    let codes = field_codes(s.p.update_office_settings(&admin(), bad).unwrap_err());
    assert_eq!(codes, vec![("logo_base64".into(), "too_long".into())]);
    assert_eq!(
        s.p.office_settings().unwrap(),
        before,
        "refused edits change nothing"
    );
}
