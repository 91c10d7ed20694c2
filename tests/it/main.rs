//! Posko's integration tests: one binary made of modules (ripgrep style).
//! They use the real pieces: a real SQLCipher file on disk and the real OS
//! keychain (run them through scripts/with-keyring.sh on Linux).

mod audit;
mod backup;
mod bad_input;
mod bindings;
mod capabilities;
mod checkpoint;
mod complaint_sheet;
mod import;
mod monev;
mod monev_report;
mod recovery;
mod roles;
mod search;
mod settings;
mod store;
mod subject;
mod support;
mod sync;
mod sync_operator;
mod sync_pull;
mod transfer;
mod workflow;
mod xss;
