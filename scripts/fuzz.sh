#!/usr/bin/env bash
# scripts/fuzz.sh: fuzz every parser of outside input with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds the targets once (fuzz/, its own cargo workspace and target dir), then
# runs each for SECONDS (default 15) from its corpus: fuzz/corpus/<t> (grown by
# earlier runs, not committed), the seeds in fuzz/seeds/<t> and the kept
# regressions in fuzz/regressions/<t>. A crash stops the run with exit 1 after
# the input is copied to fuzz/regressions/<t>/crash-<sha1>: commit it with the
# fix; the regression tests (posko-domain and lapor-wire `fuzz_regressions`)
# replay it on every `cargo test`.
#
# Targets: nik, phone, holiday_csv, instrument (instruments and deadline rule
# sets), import_csv (complaint import tables), lapor_response (every SP4N-LAPOR! answer shape). cargo-fuzz wants
# nightly flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
# The short run is a step of scripts/test.sh; the longer one is in the README.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export RUSTC_BOOTSTRAP=1

seconds=${1:-15}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(nik phone holiday_csv instrument import_csv lapor_response)
fi

command -v cargo-fuzz >/dev/null || {
  echo "fuzz.sh: cargo-fuzz is missing (scripts/setup.sh installs it)" >&2
  exit 2
}

cargo fuzz build
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  printf '\n--- fuzz %s (%ss) ---\n' "$t" "$seconds"
  log="artifacts/$t/last-run.log"
  if cargo fuzz run "$t" "corpus/$t" "seeds/$t" "regressions/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units)' "$log" || true
  else
    status=1
    tail -40 "$log"
    for crash in artifacts/"$t"/{crash,leak,timeout,oom}-*; do
      [[ -f $crash ]] || continue
      cp "$crash" "regressions/$t/"
      echo "fuzz.sh: $t failed on $crash; kept as fuzz/regressions/$t/$(basename "$crash")" >&2
    done
  fi
done
exit "$status"
