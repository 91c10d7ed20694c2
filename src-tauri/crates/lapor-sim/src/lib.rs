//! # lapor-sim
//!
//! The reference simulator of the SP4N-LAPOR! v3 endpoints Posko uses: a real
//! HTTP server on loopback (axum on tokio, our own hyper accept loop) speaking
//! the `lapor-wire` types, with its own SQLite file, an admin API under
//! `/__sim/…` and seeded, per-endpoint fault injection.
//!
//! ```no_run
//! use lapor_sim::{Sim, SimConfig};
//! let sim = Sim::start(SimConfig::new("test-key", "test-token")).unwrap();
//! let base = sim.base_url(); // e.g. http://127.0.0.1:41234
//! // ... point the client at `base`, create a complaint ...
//! let admin = sim.admin();
//! admin.set_fault_specs(&["create_complaint:commit_drop@next=1"], Some(7)).unwrap();
//! for c in admin.complaints().unwrap() {
//!     admin.verify(c.complaint_id).unwrap();
//! }
//! # let _ = base;
//! // dropped here: the server stops and its thread is joined
//! ```

mod admin;
mod client;
mod error;
mod faults;
mod server;
mod store;

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use admin::{ADMIN_ROUTES, FaultSet, ODD_STATUS, SimStats};
pub use client::AdminClient;
pub use error::SimError;
pub use faults::{
    DEFAULT_HUGE_BYTES, DEFAULT_RETRY_AFTER_SECS, DEFAULT_SLOW_MS, Decision, FaultEngine,
    FaultKind, FaultRule, Trigger, parse_fault_list,
};
pub use server::routed_paths;
pub use store::{SEED_INSTITUTIONS, SEED_TEMPLATES, SimComplaint, tracking_id_for};

use server::{AppState, Counters, Settings};

/// How to run a simulator.
#[derive(Clone)]
pub struct SimConfig {
    /// Loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The SQLite file; `None` keeps state in memory (gone on drop).
    pub db_path: Option<PathBuf>,
    /// Expected `Bearer` key.
    pub auth_key: String,
    /// Expected `token` header (the GUID).
    pub token: String,
    /// Header carrying `Bearer <key>` (default `Authorization`).
    pub auth_header: String,
    pub faults: Vec<FaultRule>,
    pub seed: u64,
    /// Serve the assumed `GET /complaints/complaint/search` (otherwise 404).
    pub search_supported: bool,
    pub followups_per_page: u32,
    /// Largest accepted uploaded file.
    pub max_file_bytes: usize,
    /// Log one line per API request to stderr.
    pub log_requests: bool,
}

impl SimConfig {
    /// Defaults: `127.0.0.1:0`, in-memory, no faults, seed 0, search on,
    /// 10 follow-ups per page, 10 MiB files, quiet.
    pub fn new(auth_key: impl Into<String>, token: impl Into<String>) -> SimConfig {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path: None,
            auth_key: auth_key.into(),
            token: token.into(),
            auth_header: lapor_wire::DEFAULT_AUTH_HEADER.to_string(),
            faults: Vec::new(),
            seed: 0,
            search_supported: true,
            followups_per_page: 10,
            max_file_bytes: 10 * 1024 * 1024,
            log_requests: false,
        }
    }
}

impl fmt::Debug for SimConfig {
    // Credentials never reach a log, even a test's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("db_path", &self.db_path)
            .field("auth_key", &"<redacted>")
            .field("token", &"<redacted>")
            .field("auth_header", &self.auth_header)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("search_supported", &self.search_supported)
            .field("followups_per_page", &self.followups_per_page)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("log_requests", &self.log_requests)
            .finish()
    }
}

pub struct Sim;

impl Sim {
    /// Bind, open the store and serve on a thread with its own tokio runtime.
    pub fn start(cfg: SimConfig) -> Result<SimHandle, SimError> {
        if !cfg.listen.ip().is_loopback() {
            return Err(SimError::NotLoopback {
                addr: cfg.listen.to_string(),
            });
        }
        if cfg.auth_key.is_empty() || cfg.token.is_empty() {
            return Err(SimError::Config {
                detail: "auth key and token must not be empty".into(),
            });
        }
        lapor_wire::AuthScheme::new(&cfg.auth_header).map_err(|e| SimError::Config {
            detail: e.to_string(),
        })?;
        let store = store::Store::open(cfg.db_path.as_deref())?;
        let bind_err = |e: std::io::Error| SimError::Bind {
            addr: cfg.listen.to_string(),
            detail: e.to_string(),
        };
        // Bind here, not on the thread, so the caller gets the error and the
        // port is accepting before `start` returns.
        let std_listener = TcpListener::bind(cfg.listen).map_err(bind_err)?;
        std_listener.set_nonblocking(true).map_err(bind_err)?;
        let addr = std_listener.local_addr().map_err(bind_err)?;
        let state = Arc::new(AppState {
            store: Mutex::new(store),
            faults: Mutex::new(FaultEngine::new(cfg.seed, cfg.faults.clone())),
            counters: Mutex::new(Counters::default()),
            settings: Settings {
                auth_header: cfg.auth_header.clone(),
                auth_key: cfg.auth_key.clone(),
                token: cfg.token.clone(),
                search_supported: cfg.search_supported,
                followups_per_page: cfg.followups_per_page.max(1),
                max_file_bytes: cfg.max_file_bytes,
                log_requests: cfg.log_requests,
            },
        });
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lapor-sim")
            .enable_all()
            .build()
            .map_err(|e| SimError::Runtime {
                detail: e.to_string(),
            })?;
        let listener = {
            let _g = rt.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(bind_err)?
        };
        let (tx, rx) = tokio::sync::watch::channel(false);
        let app = server::build_router(state.clone());
        let thread = std::thread::Builder::new()
            .name("lapor-sim".into())
            .spawn(move || {
                rt.block_on(server::serve(listener, app, rx));
                // Cancel connection tasks still running (slow bodies, keep-alive).
                rt.shutdown_timeout(Duration::from_millis(500));
            })
            .map_err(|e| SimError::Runtime {
                detail: e.to_string(),
            })?;
        Ok(SimHandle {
            addr,
            base_url: format!("http://{addr}"),
            shutdown: Some(tx),
            thread: Some(thread),
            state,
        })
    }
}

/// A running simulator. Dropping it stops the server and joins its thread.
pub struct SimHandle {
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
    state: Arc<AppState>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` — the LAPOR! base URL to configure in Posko.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocking admin client over real HTTP.
    pub fn admin(&self) -> AdminClient {
        AdminClient::new(self.addr)
    }

    /// Stats read in-process (same as `admin().stats()`, without HTTP).
    pub fn stats(&self) -> Result<SimStats, SimError> {
        admin::stats_of(&self.state)
    }

    /// Stop now (same as dropping).
    pub fn shutdown(self) {}
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
