//! posko-core: everything Posko does, without Tauri.
//!
//! One module per outside effect (`db`, `keychain`, `clock`) and services on
//! the [`Posko`] handle (`app`, `complaints`, `reference`, `users`). Pure rules
//! live in `posko-domain`. Both the Tauri shell and the `posko` CLI call
//! these methods and nothing lower.

pub mod app;
pub mod audit;
pub mod backup;
pub mod bench;
pub mod checkpoint;
pub mod clock;
pub mod complaints;
pub mod db;
mod deadlines;
pub mod demo;
pub mod error;
pub mod export;
pub mod i18n;
pub mod import;
pub mod keychain;
pub mod model;
pub mod monev;
pub mod paths;
pub mod recovery;
pub mod reference;
pub mod reminder;
pub mod reports;
pub mod seal;
pub mod search;
pub mod search_bench;
pub mod security;
mod seed;
pub mod subject;
pub mod sync;
pub mod transfer;
pub mod users;
pub mod validate;
pub mod visits;

pub use app::{Posko, SetupState};
pub use error::{CoreError, CoreResult, ErrorPayload};
pub use i18n::Lang;
pub use model::Actor;
