//! posko CLI integration tests: one binary made of modules (ripgrep style).

mod bench;
mod campaign;
mod cli;
mod common;
mod complaint_sheet;
mod crash;
mod export;
mod import;
mod monev;
mod security;
