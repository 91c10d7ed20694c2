//! The simulator's error type (library API and admin client).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// A fault rule could not be parsed.
    #[error("bad fault spec {spec:?}: {reason}")]
    BadFaultSpec { spec: String, reason: String },
    /// The listen address is not on loopback (the admin API has no auth).
    #[error("refusing to listen on {addr}: the simulator only serves loopback")]
    NotLoopback { addr: String },
    #[error("cannot listen on {addr}: {detail}")]
    Bind { addr: String, detail: String },
    #[error("simulator database error: {detail}")]
    Db { detail: String },
    #[error("cannot start the simulator runtime: {detail}")]
    Runtime { detail: String },
    /// Admin client: the simulator could not be reached or the answer was cut.
    #[error("admin request failed: {detail}")]
    AdminIo { detail: String },
    /// Admin client: the simulator answered with an error status.
    #[error("admin request refused (HTTP {status}): {message}")]
    AdminHttp { status: u16, message: String },
    /// Admin client: the answer could not be decoded.
    #[error("admin answer not understood: {detail}")]
    AdminDecode { detail: String },
    #[error("bad configuration: {detail}")]
    Config { detail: String },
}

impl SimError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SimError::BadFaultSpec { .. } => "SIM_BAD_FAULT_SPEC",
            SimError::NotLoopback { .. } => "SIM_NOT_LOOPBACK",
            SimError::Bind { .. } => "SIM_BIND",
            SimError::Db { .. } => "SIM_DB",
            SimError::Runtime { .. } => "SIM_RUNTIME",
            SimError::AdminIo { .. } => "SIM_ADMIN_IO",
            SimError::AdminHttp { .. } => "SIM_ADMIN_HTTP",
            SimError::AdminDecode { .. } => "SIM_ADMIN_DECODE",
            SimError::Config { .. } => "SIM_CONFIG",
        }
    }
}

impl From<rusqlite::Error> for SimError {
    fn from(e: rusqlite::Error) -> Self {
        SimError::Db {
            detail: e.to_string(),
        }
    }
}
