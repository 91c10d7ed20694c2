#![no_main]
//! See `checks/wire.rs`: the same function runs in the regression test.
use libfuzzer_sys::fuzz_target;

#[path = "../checks/wire.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::lapor_response(data));
