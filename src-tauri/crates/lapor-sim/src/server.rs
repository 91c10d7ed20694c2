//! The HTTP side: our own accept loop over hyper (so one connection can be
//! aborted on purpose), the LAPOR! routes with auth + fault middleware, and
//! the shared state.
// Handlers return a ready `Response` as their error: the idiomatic axum
// early exit. Its size is irrelevant on that cold path.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::Utc;
use futures_util::stream;
use hyper_util::rt::TokioIo;
use lapor_wire::{
    AddFollowUpForm, AddFollowUpResponse, CreateComplaintRequest, CreateComplaintResponse,
    Endpoint, Envelope, FILE_FIELD, HEADER_TOKEN, LaporId, Page, ProcessResult, RejectRequest,
    UploadedDocument, contains_nik_like, parse_bearer, status,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::faults::{FaultEngine, FaultKind};
use crate::store::{NewFollowUp, Store};

/// Counters beside the fault engine's.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: BTreeMap<String, u64>,
    pub auth_failures: u64,
    pub nik_like_texts: u64,
}

/// Settings fixed at start.
pub(crate) struct Settings {
    pub auth_header: String,
    pub auth_key: String,
    pub token: String,
    pub search_supported: bool,
    pub followups_per_page: u32,
    pub max_file_bytes: usize,
    pub log_requests: bool,
}

pub(crate) struct AppState {
    pub store: Mutex<Store>,
    pub faults: Mutex<FaultEngine>,
    pub counters: Mutex<Counters>,
    pub settings: Settings,
}

/// A poisoned lock only means another handler panicked mid-request; the data
/// behind it is still consistent (SQLite transactions), so keep serving.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) type Shared = Arc<AppState>;

// ------------------------------------------------------------------ connections

/// Per-connection handle put into every request's extensions, so a fault can
/// abort the TCP connection the request came on.
#[derive(Clone)]
pub(crate) struct ConnCtx {
    pub peer: SocketAddr,
    kill: Arc<Notify>,
    rst: Arc<AtomicBool>,
}

impl ConnCtx {
    /// Abort the connection (RST if `reset`, else a plain close) and never
    /// answer. The connection task drops the hyper connection, which drops
    /// this very future.
    async fn abort(&self, reset: bool) -> Response {
        self.rst.store(reset, Ordering::SeqCst);
        self.kill.notify_one();
        std::future::pending::<()>().await;
        // Unreachable in practice: the future is dropped with the connection.
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

/// A TCP stream that sends RST instead of FIN when dropped with `rst` set.
struct KillableStream {
    inner: TcpStream,
    rst: Arc<AtomicBool>,
}

impl Drop for KillableStream {
    fn drop(&mut self) {
        if self.rst.load(Ordering::SeqCst) {
            // SO_LINGER = 0 makes close() send RST and discard unsent data.
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Accept connections until `shutdown` flips.
pub(crate) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            r = listener.accept() => r,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            // Transient (EMFILE, aborted handshake): keep accepting.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let app = app.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let ctx = ConnCtx {
                peer,
                kill: Arc::new(Notify::new()),
                rst: Arc::new(AtomicBool::new(false)),
            };
            let io = TokioIo::new(KillableStream {
                inner: stream,
                rst: ctx.rst.clone(),
            });
            let req_ctx = ctx.clone();
            let svc = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(req_ctx.clone());
                let app = app.clone();
                async move { Ok::<_, Infallible>(app.oneshot(req).await.into_response()) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, svc);
            tokio::select! {
                _ = conn => {}
                _ = ctx.kill.notified() => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

// ------------------------------------------------------------------ responses

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(b) => (status, [(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub(crate) fn ok<T: Serialize>(data: T) -> Response {
    json(StatusCode::OK, &Envelope::ok(data))
}

pub(crate) fn fail(status: StatusCode, message: &str) -> Response {
    json(status, &Envelope::error(message))
}

fn invalid(errors: BTreeMap<String, Vec<String>>) -> Response {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &Envelope::validation("Data yang dikirim tidak valid", errors),
    )
}

fn invalid1(field: &str, msg: impl Into<String>) -> Response {
    invalid(BTreeMap::from([(field.to_string(), vec![msg.into()])]))
}

fn not_found() -> Response {
    fail(StatusCode::NOT_FOUND, "Laporan tidak ditemukan")
}

pub(crate) fn db_error(e: crate::error::SimError) -> Response {
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("Kesalahan server: {}", e.code()),
    )
}

// ------------------------------------------------------------------ router

/// `(method, path)` of every LAPOR! route the simulator serves; the router is
/// built from this list, and the OpenAPI cross-check test reads it.
pub fn routed_paths() -> Vec<(&'static str, &'static str)> {
    Endpoint::ALL
        .iter()
        .map(|e| (e.method().as_str(), e.path_template()))
        .collect()
}

fn handler_for(e: Endpoint) -> MethodRouter<Shared> {
    match e {
        Endpoint::Institutions => get(institutions),
        Endpoint::Templates => get(templates),
        Endpoint::UploadFile => post(upload_file),
        Endpoint::CreateComplaint => post(create_complaint),
        Endpoint::Reject => post(reject),
        Endpoint::GetComplaint => get(get_complaint),
        Endpoint::ListFollowups => get(list_followups),
        Endpoint::AddFollowup => post(add_followup),
        Endpoint::Search => get(search),
    }
}

pub(crate) fn build_router(state: Shared) -> Router {
    let mut api: Router<Shared> = Router::new();
    for e in Endpoint::ALL {
        let mr = handler_for(e).layer(from_fn_with_state((state.clone(), e), api_layer));
        api = api.route(e.path_template(), mr);
    }
    let max_body = state.settings.max_file_bytes.saturating_mul(8).max(1 << 20);
    api.nest("/__sim", crate::admin::router())
        .fallback(|| async { fail(StatusCode::NOT_FOUND, "Not Found") })
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

// ------------------------------------------------------------------ middleware

fn authorized(s: &Settings, h: &HeaderMap) -> bool {
    let key_ok = h
        .get(s.auth_header.as_str())
        .and_then(|v| v.to_str().ok())
        .and_then(parse_bearer)
        .is_some_and(|k| k == s.auth_key);
    let token_ok = h
        .get(HEADER_TOKEN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim() == s.token);
    key_ok && token_ok
}

/// Auth, then faults, then the handler. Auth comes first so that a client
/// with wrong credentials always sees a clean 401 and consumes no fault.
async fn api_layer(
    State((state, e)): State<(Shared, Endpoint)>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let uri = req.uri().clone();
    *lock(&state.counters)
        .requests
        .entry(e.key().to_string())
        .or_default() += 1;
    let conn = req.extensions().get::<ConnCtx>().cloned();
    let (resp, fault) = if !authorized(&state.settings, req.headers()) {
        lock(&state.counters).auth_failures += 1;
        drain(req, &state).await;
        (
            fail(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: kredensial tidak valid",
            ),
            None,
        )
    } else {
        let d = lock(&state.faults).decide(e);
        if d.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(d.latency_ms)).await;
        }
        let resp = match d.fault {
            None => next.run(req).await,
            Some(f) if f.commits() => {
                let r = next.run(req).await;
                spoil(f, r, conn.as_ref(), &state, e, &method, &uri, started).await
            }
            Some(f) => {
                if f != FaultKind::Reset {
                    drain(req, &state).await;
                }
                refuse(f, conn.as_ref(), &state, e, &method, &uri, started).await
            }
        };
        (resp, d.fault)
    };
    log(
        &state,
        e,
        &method,
        &uri,
        resp.status().as_u16(),
        fault,
        started,
    );
    resp
}

/// Read and discard the request body before answering without the handler:
/// otherwise hyper closes the connection while the client is still sending
/// an upload, and the client sees a send error instead of the intended status.
async fn drain(req: Request, state: &AppState) {
    let limit = state.settings.max_file_bytes.saturating_mul(8).max(1 << 20);
    let _ = axum::body::to_bytes(req.into_body(), limit).await;
}

fn log(
    state: &AppState,
    e: Endpoint,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    status: u16,
    fault: Option<FaultKind>,
    started: Instant,
) {
    if state.settings.log_requests {
        // Never headers: they carry the credentials.
        let f = fault.map(|f| format!(" fault={f}")).unwrap_or_default();
        eprintln!(
            "lapor-sim: {method} {} [{}] -> {status}{f} {}ms",
            uri.path(),
            e.key(),
            started.elapsed().as_millis()
        );
    }
}

/// Faults that answer instead of the handler (nothing is stored).
async fn refuse(
    f: FaultKind,
    conn: Option<&ConnCtx>,
    state: &AppState,
    e: Endpoint,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    started: Instant,
) -> Response {
    match f {
        FaultKind::Status { code } => {
            let sc = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            fail(sc, sc.canonical_reason().unwrap_or("Error"))
        }
        FaultKind::Unauthorized => fail(StatusCode::UNAUTHORIZED, "Token expired"),
        FaultKind::RateLimit { retry_after_secs } => {
            let mut r = fail(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            r
        }
        FaultKind::Html { status } => {
            let sc = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = sc.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<!DOCTYPE html>\n<html>\n<head><title>{} {reason}</title></head>\n<body>\n<center><h1>{} {reason}</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n",
                sc.as_u16(),
                sc.as_u16()
            );
            (sc, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        FaultKind::Reset => match conn {
            Some(c) => {
                log(state, e, method, uri, 0, Some(f), started);
                c.abort(true).await
            }
            None => fail(StatusCode::INTERNAL_SERVER_ERROR, "no connection to reset"),
        },
        // Commit faults and latency are not routed here.
        _ => fail(StatusCode::INTERNAL_SERVER_ERROR, "fault routing error"),
    }
}

/// Faults that spoil the handler's answer after it stored its change.
#[allow(clippy::too_many_arguments)]
async fn spoil(
    f: FaultKind,
    resp: Response,
    conn: Option<&ConnCtx>,
    state: &AppState,
    e: Endpoint,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    started: Instant,
) -> Response {
    match f {
        FaultKind::CommitDrop => match conn {
            Some(c) => {
                log(state, e, method, uri, 0, Some(f), started);
                c.abort(false).await
            }
            None => fail(StatusCode::INTERNAL_SERVER_ERROR, "no connection to drop"),
        },
        FaultKind::Malformed => {
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            // Half an object is never valid JSON (its braces cannot balance).
            let cut = if body.len() >= 2 {
                body.slice(..body.len() / 2)
            } else {
                Bytes::from_static(b"{")
            };
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                cut,
            )
                .into_response()
        }
        FaultKind::SlowBody { ms_per_chunk } => {
            let (mut parts, body) = resp.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let chunks: Vec<Bytes> = (0..body.len())
                .step_by(16)
                .map(|i| body.slice(i..(i + 16).min(body.len())))
                .collect();
            let delay = Duration::from_millis(ms_per_chunk);
            let s = stream::unfold(chunks.into_iter(), move |mut it| async move {
                let c = it.next()?;
                tokio::time::sleep(delay).await;
                Some((Ok::<_, Infallible>(c), it))
            });
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from_stream(s))
        }
        FaultKind::HugeBody { bytes } => {
            // Valid JSON if read to the end, so only a size limit saves the client.
            const CHUNK: u64 = 64 * 1024;
            let filler = Bytes::from(vec![b'A'; CHUNK as usize]);
            let rem = (bytes % CHUNK) as usize;
            let fill = std::iter::repeat_n(filler.clone(), (bytes / CHUNK) as usize)
                .chain((rem > 0).then(|| filler.slice(..rem)));
            let all = std::iter::once(Bytes::from_static(br#"{"success":true,"message":""#))
                .chain(fill)
                .chain(std::iter::once(Bytes::from_static(br#"","data":null}"#)));
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream::iter(all.map(Ok::<_, Infallible>))),
            )
                .into_response()
        }
        // Non-commit faults are not routed here.
        _ => resp,
    }
}

// ------------------------------------------------------------------ handlers

fn parse_id(raw: &str) -> Option<u64> {
    LaporId::new(raw).ok().and_then(|id| id.as_u64())
}

fn query_u32(q: &BTreeMap<String, String>, key: &str, default: u32) -> Result<u32, Response> {
    match q.get(key).map(|v| v.trim()) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .map_err(|_| invalid1(key, "harus berupa bilangan bulat")),
    }
}

fn page_of<T>(items: Vec<T>, page: u32, per_page: u32, total: u32) -> Page<T> {
    let last = total.div_ceil(per_page.max(1)).max(1);
    Page {
        items,
        current_page: Some(page),
        last_page: Some(last),
        per_page: Some(per_page),
        total: Some(total),
    }
}

async fn institutions(
    State(s): State<Shared>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let per = match query_u32(&q, "page_size", 10) {
        Ok(v) => v.clamp(1, 1000),
        Err(r) => return r,
    };
    let page = match query_u32(&q, "page", 1) {
        Ok(v) => v.max(1),
        Err(r) => return r,
    };
    let r = lock(&s.store).institutions(page, per);
    match r {
        Ok((items, total)) => ok(page_of(items, page, per, total)),
        Err(e) => db_error(e),
    }
}

async fn templates(State(s): State<Shared>) -> Response {
    let r = lock(&s.store).templates();
    match r {
        Ok(t) => ok(t),
        Err(e) => db_error(e),
    }
}

struct FilePart {
    name: String,
    content_type: Option<String>,
    data: Bytes,
}

/// Read a multipart body: text parts and `attachments[]` files. Strict: any
/// other file field is refused.
async fn read_multipart(
    mp: Result<Multipart, MultipartRejection>,
    max_file: usize,
) -> Result<(Vec<(String, String)>, Vec<FilePart>), Response> {
    let mut mp = mp.map_err(|e| {
        fail(
            StatusCode::BAD_REQUEST,
            &format!("multipart tidak valid: {e}"),
        )
    })?;
    let mut texts = Vec::new();
    let mut files = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    &format!("multipart tidak valid: {e}"),
                ));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let data = field.bytes().await.map_err(|e| {
            fail(
                StatusCode::BAD_REQUEST,
                &format!("multipart tidak valid: {e}"),
            )
        })?;
        if name == FILE_FIELD {
            if data.len() > max_file {
                return Err(invalid1(
                    FILE_FIELD,
                    format!("berkas melebihi {max_file} byte"),
                ));
            }
            files.push(FilePart {
                name: file_name.unwrap_or_else(|| "berkas".into()),
                content_type,
                data,
            });
        } else if file_name.is_some() {
            return Err(invalid1(&name, "berkas hanya boleh di field attachments[]"));
        } else {
            let text = String::from_utf8(data.to_vec())
                .map_err(|_| invalid1(&name, "bukan teks UTF-8"))?;
            texts.push((name, text));
        }
    }
    Ok((texts, files))
}

async fn upload_file(
    State(s): State<Shared>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let (texts, files) = match read_multipart(mp, s.settings.max_file_bytes).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some((name, _)) = texts.first() {
        return invalid1(name, "field tidak dikenal");
    }
    if files.is_empty() {
        return invalid1(FILE_FIELD, "minimal satu berkas");
    }
    let store = lock(&s.store);
    let now = Utc::now();
    let mut out = Vec::new();
    for f in &files {
        match store.store_file(&f.name, f.content_type.as_deref(), &f.data, now) {
            Ok(id) => out.push(UploadedDocument {
                id: LaporId::from_u64(id),
                file_name: Some(f.name.clone()),
                size: Some(f.data.len() as u64),
            }),
            Err(e) => return db_error(e),
        }
    }
    ok(out)
}

fn is_json(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

fn count_nik(s: &AppState, texts: &[&str]) {
    let n = texts.iter().filter(|t| contains_nik_like(t)).count() as u64;
    if n > 0 {
        lock(&s.counters).nik_like_texts += n;
    }
}

async fn create_complaint(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_json(&headers) {
        return fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type harus application/json",
        );
    }
    let payload: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &format!("JSON tidak valid: {e}")),
    };
    let req: CreateComplaintRequest = match serde_json::from_value(payload.clone()) {
        Ok(r) => r,
        Err(e) => return invalid1("body", e.to_string()),
    };
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut err = |f: &str, m: &str| errors.entry(f.to_string()).or_default().push(m.to_string());
    if req.title.trim().is_empty() {
        err("title", "Judul wajib diisi");
    }
    if req.content.trim().is_empty() {
        err("content", "Isi laporan wajib diisi");
    }
    let mut attachment_ids = Vec::new();
    for a in &req.attachments {
        match a.as_u64() {
            Some(v) => attachment_ids.push(v),
            None => err("attachments", "id dokumen tidak valid"),
        }
    }
    let store = lock(&s.store);
    match store.missing_files(&attachment_ids) {
        Ok(m) if !m.is_empty() => err("attachments", "dokumen tidak ditemukan"),
        Ok(_) => {}
        Err(e) => return db_error(e),
    }
    if let Some(d) = &req.disposition_id {
        match d.as_u64().map(|v| store.institution_name(v)) {
            Some(Ok(Some(_))) => {}
            Some(Err(e)) => return db_error(e),
            _ => err("disposition_id", "instansi tidak ditemukan"),
        }
    }
    if !errors.is_empty() {
        return invalid(errors);
    }
    count_nik(&s, &req.free_texts());
    match store.create_complaint(&req, &payload, Utc::now()) {
        Ok((id, tracking)) => ok(CreateComplaintResponse {
            complaint_id: LaporId::from_u64(id),
            tracking_id: Some(tracking),
        }),
        Err(e) => db_error(e),
    }
}

async fn reject(
    State(s): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_json(&headers) {
        return fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type harus application/json",
        );
    }
    let req: RejectRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return invalid1("body", e.to_string()),
    };
    let store = lock(&s.store);
    let Some(id) = parse_id(&id).filter(|i| store.exists(*i).unwrap_or(false)) else {
        return not_found();
    };
    if req.reason.trim().is_empty() {
        return invalid1("reason", "Alasan wajib diisi");
    }
    count_nik(&s, &[req.reason.as_str()]);
    let target = match req.institution_id.as_u64() {
        Some(t) if matches!(store.institution_name(t), Ok(Some(_))) => t,
        _ => return invalid1("institution_id", "instansi tidak ditemukan"),
    };
    let now = Utc::now();
    let st = status::BUKAN_WEWENANG;
    let r = store
        .set_disposition(id, target, now)
        .and_then(|_| store.set_known_status(id, st, Some(&req.reason), now));
    match r {
        Ok(_) => ok(ProcessResult {
            complaint_id: Some(LaporId::from_u64(id)),
            status_code: LaporId::new(st.code).ok(),
            status_name: Some(st.name.to_string()),
        }),
        Err(e) => db_error(e),
    }
}

async fn get_complaint(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found();
    };
    let r = lock(&s.store).detail(id);
    match r {
        Ok(Some(d)) => ok(d),
        Ok(None) => not_found(),
        Err(e) => db_error(e),
    }
}

async fn list_followups(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let page = match query_u32(&q, "page", 1) {
        Ok(p) => p.max(1),
        Err(r) => return r,
    };
    let store = lock(&s.store);
    let Some(id) = parse_id(&id).filter(|i| store.exists(*i).unwrap_or(false)) else {
        return not_found();
    };
    let per = s.settings.followups_per_page.max(1);
    match store.followups(id, page, per) {
        Ok((items, total)) => ok(page_of(items, page, per, total)),
        Err(e) => db_error(e),
    }
}

async fn add_followup(
    State(s): State<Shared>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let (texts, files) = match read_multipart(mp, s.settings.max_file_bytes).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form =
        match AddFollowUpForm::from_parts(texts.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(f) => f,
            Err(lapor_wire::WireError::InvalidValue { field, reason }) => {
                return invalid1(&field, reason);
            }
            Err(e) => return invalid1("body", e.to_string()),
        };
    let store = lock(&s.store);
    let Some(cid) = form
        .complaint_id
        .as_u64()
        .filter(|i| store.exists(*i).unwrap_or(false))
    else {
        return invalid1("complaint_id", "laporan tidak ditemukan");
    };
    let inst = |field: &str, v: &Option<LaporId>| -> Result<Option<u64>, Response> {
        match v {
            None => Ok(None),
            Some(id) => match id.as_u64() {
                Some(n) if matches!(store.institution_name(n), Ok(Some(_))) => Ok(Some(n)),
                _ => Err(invalid1(field, "instansi tidak ditemukan")),
            },
        }
    };
    let from = match inst("institution_from_id", &form.institution_from_id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let to = match inst("institution_to_id", &form.institution_to_id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(code) = &form.template_code
        && !store.template_exists(code).unwrap_or(false)
    {
        return invalid1("template_code", "template tidak ditemukan");
    }
    count_nik(&s, &[form.content.as_str()]);
    let now = Utc::now();
    let mut ids = Vec::new();
    for f in &files {
        match store.store_file(&f.name, f.content_type.as_deref(), &f.data, now) {
            Ok(id) => ids.push(id),
            Err(e) => return db_error(e),
        }
    }
    let nf = NewFollowUp {
        sender: lapor_wire::SENDER_INSTITUTION,
        from,
        to,
        content: &form.content,
        template_code: form.template_code.as_deref(),
        rating: form.rating,
        is_secret: form.is_secret,
        attachments: &ids,
    };
    match store.add_followup(cid, &nf, now) {
        Ok(fid) => ok(AddFollowUpResponse {
            followup_id: Some(LaporId::from_u64(fid)),
        }),
        Err(e) => db_error(e),
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    tags_raw: Option<String>,
}

async fn search(State(s): State<Shared>, Query(q): Query<SearchQuery>) -> Response {
    if !s.settings.search_supported {
        // Exactly what an unknown route answers: the server has no such endpoint.
        return fail(StatusCode::NOT_FOUND, "Not Found");
    }
    let Some(tag) = q.tags_raw.filter(|t| !t.trim().is_empty()) else {
        return invalid1("tags_raw", "wajib diisi");
    };
    let r = lock(&s.store).search(tag.trim());
    match r {
        Ok(items) => ok(items),
        Err(e) => db_error(e),
    }
}
