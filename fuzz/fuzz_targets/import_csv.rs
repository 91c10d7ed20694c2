#![no_main]
//! See `checks/domain.rs`: the same function runs in the regression test.
use libfuzzer_sys::fuzz_target;

#[path = "../checks/domain.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::import_csv(data));
