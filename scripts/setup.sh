#!/usr/bin/env bash
# scripts/setup.sh: install everything Posko needs to build and test on Debian 12.
#
# Idempotent and quick when everything is already there; safe to run again.
#   - Debian packages (WebKitGTK dev files, Xvfb, WebKitWebDriver, gnome-keyring,
#     D-Bus, PDF tools, fonts, mingw-w64 for the Windows cross-check, ...);
#     apt is skipped when all are installed, sudo is used only when not root.
#   - Rust: the x86_64-pc-windows-gnu target, rustfmt and clippy (rustup).
#   - tauri-driver 2 (cargo install, only if missing) for the end-to-end tests.
#   - cargo-fuzz (cargo install, only if missing) for the fuzz step.
#   - cargo-deny (cargo install, only if missing; ~5 min to compile once) for the deny step.
#   - cargo-nextest only with POSKO_INSTALL_NEXTEST=1 (optional; nothing needs it).
#   - the UI's npm packages (`npm --prefix ui ci`), unless ui/node_modules is already
#     up to date with ui/package-lock.json (POSKO_FORCE_NPM_CI=1 forces a reinstall).
# Needs: rustup/cargo and Node.js >= 20 with npm (both are on the project's machines).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi

# --- Debian packages ---------------------------------------------------------
APT_PACKAGES=(
  # building the Tauri app (GTK, WebKitGTK 4.1, libsoup, libdbus headers)
  libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev curl file
  # a fast linker for the many debug binaries (.cargo/config.toml)
  mold
  # real window, end-to-end tests, keychain
  xvfb xauth x11-utils webkit2gtk-driver gnome-keyring dbus-daemon dbus-bin dbus-x11
  # answering native dialogs (the report save dialog) in the end-to-end tests
  xdotool
  # PDFs and images in tests, fonts for rendering
  poppler-utils qpdf imagemagick fonts-noto-core
  # Windows cross-check (cargo check --target x86_64-pc-windows-gnu)
  mingw-w64
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  # `dpkg -s` also succeeds for removed packages whose config files remain: check the state.
  if [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true) != installed ]]; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
else
  log "Debian packages: all ${#APT_PACKAGES[@]} installed"
fi

# --- Node.js -------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  die "Node.js and npm are missing (the project needs Node.js >= 20 with npm)"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || die "Node.js $(node --version) is too old: Vite needs Node.js >= 20"
log "Node.js $(node --version), npm $(npm --version)"

# --- Rust --------------------------------------------------------------------
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! command -v cargo >/dev/null || ! command -v rustup >/dev/null; then
  die "rustup and cargo are missing (install the Rust toolchain with rustup)"
fi

installed_targets=$(rustup target list --installed)
if ! grep -qx 'x86_64-pc-windows-gnu' <<<"$installed_targets"; then
  log "adding Rust target x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu
fi
installed_components=$(rustup component list --installed)
for component in rustfmt clippy; do
  if ! grep -q "^$component" <<<"$installed_components"; then
    log "adding Rust component $component"
    rustup component add "$component"
  fi
done
log "$(rustc --version), targets: $(rustup target list --installed | tr '\n' ' ')"

if ! command -v tauri-driver >/dev/null; then
  log "installing tauri-driver 2 (cargo install, ~1.5 min on 2 cores)"
  cargo install tauri-driver@^2 --locked
fi
log "tauri-driver: $(command -v tauri-driver)"

if ! command -v cargo-fuzz >/dev/null; then
  log "installing cargo-fuzz (cargo install, ~1 min on 2 cores)"
  cargo install cargo-fuzz --locked
fi
log "cargo-fuzz: $(cargo fuzz --version 2>/dev/null | head -1)"

if ! command -v cargo-deny >/dev/null; then
  log "installing cargo-deny (cargo install, ~5 min on 2 cores, once)"
  cargo install cargo-deny --locked
fi
log "cargo-deny: $(cargo deny --version 2>/dev/null)"

if [[ ${POSKO_INSTALL_NEXTEST:-0} == 1 ]] && ! command -v cargo-nextest >/dev/null; then
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# --- UI packages ---------------------------------------------------------------
if [[ -f ui/package.json ]]; then
  stamp=ui/node_modules/.package-lock.json # written by npm on every install
  if [[ ${POSKO_FORCE_NPM_CI:-0} != 1 && -f $stamp && -f ui/package-lock.json &&
    $stamp -nt ui/package-lock.json && $stamp -nt ui/package.json ]]; then
    log "UI packages: ui/node_modules is up to date"
  elif [[ -f ui/package-lock.json ]]; then
    log "installing UI packages (npm ci)"
    npm --prefix ui ci --no-audit --no-fund
  else
    log "warning: ui/package-lock.json is missing; running npm install (commit the lock file)"
    npm --prefix ui install --no-audit --no-fund
  fi
else
  log "warning: ui/package.json not found; skipping the UI packages"
fi

log "done"
