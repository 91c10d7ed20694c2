//! Posko's pure domain: everything here is deterministic and free of I/O
//! (no database, no clock, no network), so it is tested without any of them.
//!
//! The effectful parts (store, keychain, clock, HTTP) live in `posko-core`.

pub mod calendar;
pub mod complaint;
pub mod deadline;
pub mod import;
pub mod instrument;
pub mod mask;
pub mod monev;
pub mod monev_lists;
pub mod nik;
pub mod phone;
pub mod role;
pub mod stem;
pub mod tz;
pub mod validation;
pub mod workflow;

pub use complaint::{Channel, Kind};
pub use tz::OfficeZone;
pub use validation::{FieldError, FieldErrorCode};
pub use workflow::{Action, Status};
