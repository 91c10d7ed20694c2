//! Every input kept under `fuzz/regressions/<target>/` (a crash a fuzz run
//! found, or a tricky input kept on purpose) goes through the very check the
//! fuzz target runs (`fuzz/checks/domain.rs`), on every `cargo test`, with no
//! fuzzing toolchain. `scripts/fuzz.sh` copies a new crash there itself.

#[path = "../../../../../fuzz/checks/domain.rs"]
mod checks;

use std::path::{Path, PathBuf};

type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 5] = [
    ("nik", checks::nik),
    ("phone", checks::phone),
    ("holiday_csv", checks::holiday_csv),
    ("instrument", checks::instrument),
    ("import_csv", checks::import_csv),
];

/// Targets whose inputs another crate's regression test replays.
const ELSEWHERE: [&str; 1] = ["lapor_response"];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_regression_input_passes_its_fuzz_check() {
    let root = fuzz_dir().join("regressions");
    let mut failed = Vec::new();
    for (target, check) in TARGETS {
        let files = inputs(&root.join(target));
        assert!(
            !files.is_empty(),
            "fuzz/regressions/{target} holds no input"
        );
        for file in files {
            let data = std::fs::read(&file).unwrap();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "fuzz regressions that fail: {failed:#?}");
}

#[test]
fn every_regression_directory_belongs_to_a_target() {
    for dir in ["regressions", "seeds"] {
        for entry in std::fs::read_dir(fuzz_dir().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name) || ELSEWHERE.contains(&name.as_str()),
                "fuzz/{dir}/{name} is no fuzz target's: its inputs would never run"
            );
        }
    }
}

#[test]
fn the_seed_corpus_passes_too() {
    for (target, check) in TARGETS {
        for file in inputs(&fuzz_dir().join("seeds").join(target)) {
            check(&std::fs::read(&file).unwrap());
        }
    }
}
