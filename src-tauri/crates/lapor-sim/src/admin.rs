//! The admin API under `/__sim/…`: move complaints through their lifecycle,
//! inspect the store, count, and switch faults at runtime. No auth (the
//! simulator listens on loopback only, and every admin request is checked to
//! come from a loopback peer). Answers use the same envelope as the API.
// Handlers return a ready `Response` as their error: the idiomatic axum
// early exit. Its size is irrelevant on that cold path.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use lapor_wire::status::{self, KnownStatus};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::faults::FaultRule;
use crate::server::{ConnCtx, Shared, db_error, fail, lock, ok};
use crate::store::NewFollowUp;

/// A status no client knows, to exercise "unknown status" handling.
pub const ODD_STATUS: KnownStatus = KnownStatus {
    code: "99",
    name: "Menunggu Verifikasi Ulang",
    name_provenance: lapor_wire::Provenance::Assumed,
};

/// `GET /__sim/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimStats {
    /// LAPOR! API requests by endpoint key (admin requests are not counted).
    pub requests: BTreeMap<String, u64>,
    /// Faults injected by kind key (`status_503`, `commit_drop`, `latency`...).
    pub faults: BTreeMap<String, u64>,
    /// Faults injected by endpoint key, then kind key.
    pub faults_by_endpoint: BTreeMap<String, BTreeMap<String, u64>>,
    /// Requests refused for missing/wrong credentials (not injected faults).
    pub auth_failures: u64,
    /// Free-text fields received that contain a NIK-like 16-digit number.
    pub nik_like_texts: u64,
    pub complaints: u64,
    pub followups: u64,
    pub files: u64,
    pub seed: u64,
}

/// `GET/PUT /__sim/faults` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSet {
    pub rules: Vec<FaultRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Every admin route: `(method, path)`; documented in docs/lapor-contract.md.
pub const ADMIN_ROUTES: [(&str, &str); 20] = [
    ("GET", "/__sim/health"),
    ("POST", "/__sim/reset"),
    ("GET", "/__sim/stats"),
    ("GET", "/__sim/faults"),
    ("PUT", "/__sim/faults"),
    ("POST", "/__sim/faults"),
    ("DELETE", "/__sim/faults"),
    ("GET", "/__sim/complaints"),
    ("GET", "/__sim/complaints/{id}"),
    ("POST", "/__sim/complaints/{id}/verify"),
    ("POST", "/__sim/complaints/{id}/dispose"),
    ("POST", "/__sim/complaints/{id}/process"),
    ("POST", "/__sim/complaints/{id}/followup"),
    ("POST", "/__sim/complaints/{id}/reporter-reply"),
    ("POST", "/__sim/complaints/{id}/finish"),
    ("POST", "/__sim/complaints/{id}/archive"),
    ("POST", "/__sim/complaints/{id}/reject"),
    ("POST", "/__sim/complaints/{id}/forward"),
    ("POST", "/__sim/complaints/{id}/postpone"),
    ("POST", "/__sim/complaints/{id}/status"),
];

pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/health",
            get(|| async { ok(serde_json::json!({"ok": true})) }),
        )
        .route("/reset", post(reset))
        .route("/stats", get(stats))
        .route(
            "/faults",
            get(get_faults)
                .put(put_faults)
                .post(add_faults)
                .delete(clear_faults),
        )
        .route("/complaints", get(list))
        .route("/complaints/{id}", get(show))
        .route("/complaints/{id}/verify", post(verify))
        .route("/complaints/{id}/dispose", post(dispose))
        .route("/complaints/{id}/process", post(process))
        .route("/complaints/{id}/followup", post(followup))
        .route("/complaints/{id}/reporter-reply", post(reporter_reply))
        .route("/complaints/{id}/finish", post(finish))
        .route("/complaints/{id}/archive", post(archive))
        .route("/complaints/{id}/reject", post(reject))
        .route("/complaints/{id}/forward", post(forward))
        .route("/complaints/{id}/postpone", post(postpone))
        .route("/complaints/{id}/status", post(set_status))
        .layer(from_fn(loopback_only))
}

async fn loopback_only(req: Request, next: Next) -> Response {
    let local = req
        .extensions()
        .get::<ConnCtx>()
        .is_some_and(|c| c.peer.ip().is_loopback());
    if local {
        next.run(req).await
    } else {
        fail(StatusCode::FORBIDDEN, "admin API is loopback-only")
    }
}

/// Parse an optional JSON body (empty = all defaults).
fn body<T: DeserializeOwned + Default>(b: &Bytes) -> Result<T, Response> {
    if b.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(b)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("bad admin body: {e}")))
}

pub(crate) fn stats_of(s: &Shared) -> Result<SimStats, crate::error::SimError> {
    let (complaints, followups, files) = lock(&s.store).counts()?;
    let c = lock(&s.counters);
    let f = lock(&s.faults);
    Ok(SimStats {
        requests: c.requests.clone(),
        faults: f.injected.clone(),
        faults_by_endpoint: f.injected_by_endpoint.clone(),
        auth_failures: c.auth_failures,
        nik_like_texts: c.nik_like_texts,
        complaints,
        followups,
        files,
        seed: f.seed(),
    })
}

async fn stats(State(s): State<Shared>) -> Response {
    match stats_of(&s) {
        Ok(st) => ok(st),
        Err(e) => db_error(e),
    }
}

/// Clear complaints, logs, follow-ups, files and counters. Fault rules stay
/// (clear them with `DELETE /__sim/faults`); ids are never reused.
async fn reset(State(s): State<Shared>) -> Response {
    if let Err(e) = lock(&s.store).reset() {
        return db_error(e);
    }
    {
        let mut c = lock(&s.counters);
        c.requests.clear();
        c.auth_failures = 0;
        c.nik_like_texts = 0;
    }
    lock(&s.faults).reset_counts();
    ok(serde_json::json!({"reset": true}))
}

fn fault_set(s: &Shared) -> FaultSet {
    let f = lock(&s.faults);
    FaultSet {
        rules: f.rules(),
        seed: Some(f.seed()),
    }
}

async fn get_faults(State(s): State<Shared>) -> Response {
    ok(fault_set(&s))
}

/// Replace all rules (counters restart; optional new seed).
async fn put_faults(State(s): State<Shared>, b: Bytes) -> Response {
    let set: FaultSet = match serde_json::from_slice(&b) {
        Ok(v) => v,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &format!("bad fault set: {e}")),
    };
    lock(&s.faults).replace(set.rules, set.seed);
    ok(fault_set(&s))
}

/// Append rules: body is one rule (object or spec string) or `{"rules":[...]}`.
async fn add_faults(State(s): State<Shared>, b: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Add {
        Set(FaultSet),
        One(FaultRule),
    }
    let rules = match serde_json::from_slice::<Add>(&b) {
        Ok(Add::Set(set)) => set.rules,
        Ok(Add::One(r)) => vec![r],
        Err(e) => return fail(StatusCode::BAD_REQUEST, &format!("bad fault rule: {e}")),
    };
    {
        let mut f = lock(&s.faults);
        for r in rules {
            f.push(r);
        }
    }
    ok(fault_set(&s))
}

async fn clear_faults(State(s): State<Shared>) -> Response {
    lock(&s.faults).replace(Vec::new(), None);
    ok(fault_set(&s))
}

#[derive(Deserialize)]
struct ListQuery {
    tags_raw: Option<String>,
}

async fn list(State(s): State<Shared>, Query(q): Query<ListQuery>) -> Response {
    let tag = q
        .tags_raw
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let r = lock(&s.store).list(tag);
    match r {
        Ok(v) => ok(v),
        Err(e) => db_error(e),
    }
}

fn id_of(raw: &str) -> Option<u64> {
    raw.trim().parse().ok()
}

/// The complaint after an action, or 404.
fn answer(s: &Shared, id: u64) -> Response {
    let r = lock(&s.store).get(id);
    match r {
        Ok(Some(c)) => ok(c),
        Ok(None) => fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan"),
        Err(e) => db_error(e),
    }
}

async fn show(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    match id_of(&id) {
        Some(id) => answer(&s, id),
        None => fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan"),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Note {
    #[serde(default, alias = "reason")]
    note: Option<String>,
}

/// Apply a status change; the admin API is permissive on purpose (tests need
/// odd paths), so any status can follow any other.
fn to_status(s: &Shared, raw: &str, st: KnownStatus, b: &Bytes) -> Response {
    let n: Note = match body(b) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let Some(id) = id_of(raw) else {
        return fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan");
    };
    // Bind first: a guard in a match scrutinee lives through the arms,
    // and an arm that locks again would deadlock.
    let r = lock(&s.store).set_known_status(id, st, n.note.as_deref(), Utc::now());
    match r {
        Ok(true) => answer(s, id),
        Ok(false) => fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan"),
        Err(e) => db_error(e),
    }
}

async fn verify(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    to_status(&s, &id, status::TERVERIFIKASI, &b)
}
async fn process(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    to_status(&s, &id, status::DALAM_PROSES, &b)
}
async fn finish(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    to_status(&s, &id, status::SELESAI, &b)
}
async fn archive(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    to_status(&s, &id, status::DIARSIPKAN, &b)
}
async fn reject(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    to_status(&s, &id, status::DITOLAK, &b)
}
async fn postpone(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    to_status(&s, &id, status::DITUNDA, &b)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Dispose {
    institution_id: u64,
    #[serde(default, alias = "reason")]
    note: Option<String>,
}

fn route_to(s: &Shared, raw: &str, b: &Bytes, forward: bool) -> Response {
    let d: Dispose = match body(b) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(id) = id_of(raw) else {
        return fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan");
    };
    let store = lock(&s.store);
    match store.institution_name(d.institution_id) {
        Ok(Some(_)) => {}
        Ok(None) => return fail(StatusCode::UNPROCESSABLE_ENTITY, "instansi tidak ditemukan"),
        Err(e) => return db_error(e),
    }
    let now = Utc::now();
    let r = store
        .set_disposition(id, d.institution_id, now)
        .and_then(|found| {
            if found && forward {
                store.set_known_status(id, status::BUKAN_WEWENANG, d.note.as_deref(), now)
            } else {
                Ok(found)
            }
        });
    drop(store);
    match r {
        Ok(true) => answer(s, id),
        Ok(false) => fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan"),
        Err(e) => db_error(e),
    }
}

/// Route (disposisi) to an institution; the status is unchanged.
async fn dispose(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    route_to(&s, &id, &b, false)
}

/// "Bukan wewenang": route elsewhere and set status Bukan Wewenang.
async fn forward(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    route_to(&s, &id, &b, true)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SetStatus {
    code: String,
    name: String,
    #[serde(default)]
    note: Option<String>,
}

/// Any code/name, e.g. `{"code":"99","name":"Menunggu Verifikasi Ulang"}`.
async fn set_status(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    let st: SetStatus = match body(&b) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if st.code.trim().is_empty() || st.name.trim().is_empty() {
        return fail(StatusCode::BAD_REQUEST, "code and name are required");
    }
    let Some(id) = id_of(&id) else {
        return fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan");
    };
    // Bind first: a guard in a match scrutinee lives through the arms,
    // and an arm that locks again would deadlock.
    let r = lock(&s.store).set_status(
        id,
        st.code.trim(),
        st.name.trim(),
        st.note.as_deref(),
        Utc::now(),
    );
    match r {
        Ok(true) => answer(&s, id),
        Ok(false) => fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan"),
        Err(e) => db_error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AdminFollowUp {
    content: String,
    /// Defaults to the complaint's current disposition.
    #[serde(default)]
    institution_id: Option<u64>,
    #[serde(default)]
    template_code: Option<String>,
    #[serde(default)]
    is_secret: bool,
}

fn add_followup(s: &Shared, raw: &str, b: &Bytes, from_reporter: bool) -> Response {
    let f: AdminFollowUp = match body(b) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if f.content.trim().is_empty() {
        return fail(StatusCode::BAD_REQUEST, "content is required");
    }
    let Some(id) = id_of(raw) else {
        return fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan");
    };
    let store = lock(&s.store);
    let current = match store.get(id) {
        Ok(Some(c)) => c,
        Ok(None) => return fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan"),
        Err(e) => return db_error(e),
    };
    let (sender, from, to) = if from_reporter {
        (lapor_wire::SENDER_REPORTER, None, current.disposition_id)
    } else {
        (
            lapor_wire::SENDER_INSTITUTION,
            f.institution_id.or(current.disposition_id),
            None,
        )
    };
    let nf = NewFollowUp {
        sender,
        from,
        to,
        content: &f.content,
        template_code: f.template_code.as_deref(),
        rating: None,
        is_secret: f.is_secret,
        attachments: &[],
    };
    let r = store.add_followup(id, &nf, Utc::now());
    drop(store);
    match r {
        Ok(_) => answer(s, id),
        Err(e) => db_error(e),
    }
}

/// A follow-up from the institution handling the report.
async fn followup(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    add_followup(&s, &id, &b, false)
}

/// A reply from the reporter.
async fn reporter_reply(State(s): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    add_followup(&s, &id, &b, true)
}
