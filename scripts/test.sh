#!/usr/bin/env bash
# scripts/test.sh: run every test of Posko, in order, stopping at the first failure.
#
#   1 format      cargo fmt --all -- --check
#   2 deny        cargo deny check licenses bans sources (deny.toml: licences that allow
#                 distribution, banned crates, crates.io only)
#   3 ui          npm ci (if ui/node_modules is missing), svelte-check, vitest, vite build
#                 (the build must come before any cargo build of the app: Tauri embeds ui/dist)
#   4 clippy      cargo clippy --workspace --all-targets -- -D warnings
#   5 rust-tests  cargo test --workspace inside scripts/with-keyring.sh (posko-core's
#                 tests use the real Secret Service); the e2e tests are #[ignore]d here
#   6 e2e         the real-window tests (cargo test --workspace --test e2e -- --ignored
#                 --test-threads=1) under with-keyring.sh + Xvfb;
#                 screenshots in target/e2e-screenshots, driver logs in target/e2e-logs;
#                 then scripts/panduan-gambar.sh --check (every picture of the user guide
#                 docs/panduan was made by this run)
#   7 deb         scripts/deb-check.sh: package the debug build as a .deb (scripts/package-deb.sh),
#                 dpkg -i, start the installed posko-app under Xvfb, wait for its window, dpkg -r
#   8 windows     cargo build --workspace --exclude posko-e2e --target x86_64-pc-windows-gnu
#                 --profile wincheck --bins: the Windows build compiles AND links with mingw
#                 (posko-app.exe, posko.exe, lapor-sim.exe; profile without optimisation or
#                 debug info, Cargo.toml), so a missing Windows symbol fails here
#   9 fuzz        scripts/fuzz.sh 12: build the cargo-fuzz targets once, ~12 s of libFuzzer
#                 on each parser (a crash is kept in fuzz/regressions and fails the step)
#
# Quick local loops only (never in CI): POSKO_SKIP_E2E=1, POSKO_SKIP_DEB=1, POSKO_SKIP_WINDOWS=1,
# POSKO_SKIP_FUZZ=1.
# Run scripts/setup.sh first on a new machine (.ci/run does).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"

if [[ -n ${CI:-} && (${POSKO_SKIP_E2E:-0} == 1 || ${POSKO_SKIP_WINDOWS:-0} == 1 ||
  ${POSKO_SKIP_FUZZ:-0} == 1 || ${POSKO_SKIP_DEB:-0} == 1) ]]; then
  echo "test.sh: POSKO_SKIP_E2E / POSKO_SKIP_DEB / POSKO_SKIP_WINDOWS / POSKO_SKIP_FUZZ are for local loops, not for CI" >&2
  exit 2
fi

step_names=()
step_times=()
step_results=()
current=""
started_all=$SECONDS

summary() {
  local status=$?
  if [[ -n $current ]]; then
    step_names+=("$current")
    step_times+=($((SECONDS - step_started)))
    step_results+=("FAILED")
  fi
  printf '\n\033[1m==== test.sh summary ====\033[0m\n'
  local i
  for i in "${!step_names[@]}"; do
    printf '  %-12s %-8s %4ds\n' "${step_names[$i]}" "${step_results[$i]}" "${step_times[$i]}"
  done
  printf '  %-12s %-8s %4ds\n' "total" "$([[ $status == 0 ]] && echo ok || echo FAILED)" \
    $((SECONDS - started_all))
  exit "$status"
}
trap summary EXIT

begin() {
  current=$1
  step_started=$SECONDS
  printf '\n\033[1;36m==== [%s] %s ====\033[0m\n' "$1" "$2"
}
end() {
  step_names+=("$current")
  step_times+=($((SECONDS - step_started)))
  step_results+=("ok")
  current=""
}
skip() {
  printf '\n\033[1;33m==== [%s] skipped (%s) ====\033[0m\n' "$1" "$2"
  step_names+=("$1")
  step_times+=(0)
  step_results+=("skipped")
}

begin format "cargo fmt --all -- --check"
cargo fmt --all -- --check
end

begin deny "cargo deny check licenses bans sources"
cargo deny -L error check licenses bans sources
end

begin ui "UI: svelte-check, vitest, vite build"
if [[ ! -d ui/node_modules ]]; then
  npm --prefix ui ci --no-audit --no-fund
fi
npm --prefix ui run check
npm --prefix ui test
npm --prefix ui run build
end

begin clippy "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
end

# Every cargo command below selects the whole workspace (--workspace, then
# --test to pick what runs; never -p or --exclude): Cargo unifies dependency
# features over the selected packages, so the same selection means one build of
# each dependency for the unit tests, the app and the end-to-end tests.
begin rust-tests "cargo test --workspace (with a fresh keyring)"
# The e2e tests are #[ignore]d: built here, run in the next step with --ignored.
scripts/with-keyring.sh cargo test --workspace
end

if [[ ${POSKO_SKIP_E2E:-0} == 1 ]]; then
  skip e2e "POSKO_SKIP_E2E=1"
else
  begin e2e "real-window E2E tests (tauri-driver, Xvfb, fresh keyring)"
  # Builds target/debug/posko-app (a bin of the package whose tests/it needs it)
  # and the e2e binary; nothing to do when rust-tests ran first.
  cargo test --workspace --no-run
  rm -rf "${CARGO_TARGET_DIR:-target}/e2e-screenshots" "${CARGO_TARGET_DIR:-target}/e2e-logs"
  scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" \
    cargo test --workspace --test e2e -- --ignored --test-threads=1
  # The user guide's pictures (docs/panduan/gambar) are screenshots of this run: a
  # picture the guide uses that the run no longer makes fails here, not in the guide.
  scripts/panduan-gambar.sh --check
  end
fi

if [[ ${POSKO_SKIP_DEB:-0} == 1 ]]; then
  skip deb "POSKO_SKIP_DEB=1"
else
  begin deb "the .deb: build, dpkg -i, start the installed app under Xvfb, dpkg -r"
  scripts/deb-check.sh
  end
fi

if [[ ${POSKO_SKIP_WINDOWS:-0} == 1 ]]; then
  skip windows "POSKO_SKIP_WINDOWS=1"
else
  begin windows "cargo build --target x86_64-pc-windows-gnu (compile and link with mingw)"
  cargo build --workspace --exclude posko-e2e --target x86_64-pc-windows-gnu --profile wincheck --bins
  for exe in posko-app posko lapor-sim; do
    f="${CARGO_TARGET_DIR:-target}/x86_64-pc-windows-gnu/wincheck/$exe.exe"
    file "$f" | grep -q 'PE32+ executable' || {
      echo "windows: $f is not a Windows x86-64 executable" >&2
      exit 1
    }
  done
  end
fi

if [[ ${POSKO_SKIP_FUZZ:-0} == 1 ]]; then
  skip fuzz "POSKO_SKIP_FUZZ=1"
else
  begin fuzz "cargo-fuzz: a short bounded run of every target (scripts/fuzz.sh 12)"
  scripts/fuzz.sh 12
  end
fi
