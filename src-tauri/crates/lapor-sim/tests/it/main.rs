//! lapor-sim integration tests: one binary made of modules (ripgrep style).

mod api;
mod cli;
mod common;
mod faults;
mod lifecycle;
mod openapi;
