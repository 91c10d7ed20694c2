//! posko-domain integration tests: one binary made of modules.

mod fuzz_regressions;
mod stem_words;
