//! Every input kept under `fuzz/regressions/lapor_response/` (and the seed
//! corpus) goes through the check the fuzz target runs (`fuzz/checks/wire.rs`)
//! on every `cargo test`. `scripts/fuzz.sh` copies a new crash there itself.

#[path = "../../../../fuzz/checks/wire.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn inputs(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../fuzz")
        .join(kind)
        .join("lapor_response");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_regression_input_passes_its_fuzz_check() {
    let files = inputs("regressions");
    assert!(
        !files.is_empty(),
        "fuzz/regressions/lapor_response holds no input"
    );
    let failed: Vec<String> = files
        .iter()
        .filter(|f| {
            let data = std::fs::read(f).unwrap();
            std::panic::catch_unwind(|| checks::lapor_response(&data)).is_err()
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(failed.is_empty(), "fuzz regressions that fail: {failed:#?}");
}

#[test]
fn the_seed_corpus_passes_and_decodes() {
    use lapor_wire::envelope::decode;
    use lapor_wire::types::*;
    for file in inputs("seeds") {
        checks::lapor_response(&std::fs::read(&file).unwrap());
    }
    // The seeds are real answers, not noise: the JSON ones decode.
    let create = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../fuzz/seeds/lapor_response/create"),
    )
    .unwrap();
    let r: CreateComplaintResponse = decode(200, Some("application/json"), &create[1..]).unwrap();
    assert_eq!(r.tracking_id.as_deref(), Some("4821937"));
}
