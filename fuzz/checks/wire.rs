//! The check behind the `lapor_response` fuzz target, shared word for word
//! with the regression test `src-tauri/crates/lapor-wire/tests/fuzz_regressions.rs`
//! (every file under `fuzz/regressions/lapor_response/`).
#![allow(dead_code)]

use lapor_wire::envelope::{Page, decode};
use lapor_wire::types::*;

/// Answers of the national service: the envelope decoder over every response
/// shape Posko reads, the dates, the status names and the bearer header.
/// The first byte picks the HTTP status and content type; the rest is the body.
pub fn lapor_response(data: &[u8]) {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let status = [200u16, 201, 400, 401, 404, 422, 429, 500, 502, 503][head as usize % 10];
    let ct = [Some("application/json"), Some("text/html"), None][(head as usize / 10) % 3];
    let _ = decode::<CreateComplaintResponse>(status, ct, body);
    let _ = decode::<ComplaintDetail>(status, ct, body);
    let _ = decode::<Vec<FollowUp>>(status, ct, body);
    let _ = decode::<AddFollowUpResponse>(status, ct, body);
    let _ = decode::<Page<ComplaintSummary>>(status, ct, body);
    let _ = decode::<Page<FollowUp>>(status, ct, body);
    let _ = decode::<Page<Institution>>(status, ct, body);
    let _ = decode::<Vec<Institution>>(status, ct, body);
    let _ = decode::<Vec<Template>>(status, ct, body);
    let _ = decode::<UploadedDocument>(status, ct, body);
    if let Ok(s) = std::str::from_utf8(body) {
        let _ = lapor_wire::date::parse_lapor_datetime(s);
        let _ = lapor_wire::date::parse_incident_date(s);
        let _ = lapor_wire::endpoint::parse_bearer(s);
        let _ = lapor_wire::status::known(Some(s), Some(s));
    }
}
