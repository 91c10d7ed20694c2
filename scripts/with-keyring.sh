#!/usr/bin/env bash
# scripts/with-keyring.sh CMD [ARGS...]: run CMD with its own D-Bus session bus and an
# unlocked, empty gnome-keyring (the Secret Service that posko-core's keychain uses).
#
#   scripts/with-keyring.sh cargo test --workspace
#   scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" target/debug/posko-app
#
# - A fresh temporary HOME (and XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME,
#   XDG_RUNTIME_DIR) holds the keyring and any default app store; it is deleted
#   afterwards. POSKO_KEEP_HOME=1 keeps your HOME and XDG_* directories instead
#   (the keyring daemon is still a fresh one, unlocked with the password "pw": it creates
#   ~/.local/share/keyrings/login.keyring with that password if there is none; an existing
#   login keyring with another password stays locked, and keychain calls then fail).
#   CARGO_HOME, RUSTUP_HOME and the npm cache keep pointing at your real ones.
# - Nested calls just run CMD in the session that is already there.
# - Fails loudly if the Secret Service cannot be brought up (no silent fallback).
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

# Already inside a keyring session (nested call): run the command as it is.
if [[ ${POSKO_KEYRING_SESSION:-} == 1 && -n ${DBUS_SESSION_BUS_ADDRESS:-} ]]; then
  exec "$@"
fi

# Second stage, run by dbus-run-session below: start and unlock the keyring, then CMD.
if [[ ${_POSKO_KEYRING_STAGE:-} == inner ]]; then
  unset _POSKO_KEYRING_STAGE
  eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  # Wait until org.freedesktop.secrets is owned on this bus.
  for _ in $(seq 50); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
      grep -q 'boolean true'; then
      export POSKO_KEYRING_SESSION=1
      exec "$@"
    fi
    sleep 0.1
  done
  echo "with-keyring: the Secret Service (gnome-keyring) did not appear on the session bus" >&2
  exit 1
fi

for tool in dbus-run-session gnome-keyring-daemon dbus-send; do
  command -v "$tool" >/dev/null || {
    echo "with-keyring: $tool not found (run scripts/setup.sh)" >&2
    exit 1
  }
done

# Keep the toolchains and caches of the real HOME reachable under a temporary HOME.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"

session_dir=$(mktemp -d "${TMPDIR:-/tmp}/posko-session.XXXXXX")
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { rm -rf "$session_dir" 2>/dev/null || true; }
trap cleanup EXIT

# A private runtime dir: the keyring's control socket lives there, so parallel
# sessions never meet.
export XDG_RUNTIME_DIR="$session_dir/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"

if [[ ${POSKO_KEEP_HOME:-0} != 1 ]]; then
  export HOME="$session_dir/home"
  export XDG_DATA_HOME="$HOME/.local/share"
  export XDG_CONFIG_HOME="$HOME/.config"
  export XDG_CACHE_HOME="$HOME/.cache"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  chmod 700 "$HOME"
fi

status=0
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
_POSKO_KEYRING_STAGE=inner dbus-run-session -- "$self" "$@" || status=$?
exit "$status"
