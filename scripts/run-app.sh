#!/usr/bin/env bash
# scripts/run-app.sh [--demo N] [--xvfb] [--skip-setup]: build and start Posko (one command).
#
#   scripts/run-app.sh              install what is missing, build the UI and the app, start it
#   scripts/run-app.sh --demo 200   ... and first load 200 demo reports (seed 1) into the store,
#                                   and start the SP4N-LAPOR! simulator on 127.0.0.1:8088 with the
#                                   store pointed at it (Sinkron → "Sinkronkan sekarang")
#   scripts/run-app.sh --xvfb       no screen (server, CI, SSH): run it in a virtual X server
#                                   with a throw-away keyring and store (a smoke test)
#
# Steps: scripts/setup.sh (skip with --skip-setup), `npm --prefix ui run build`,
# `cargo build --bin posko-app --bin posko --bin lapor-sim`, optionally `posko demo --count N
# --seed 1` + scripts/demo-sim.sh, then target/debug/posko-app. The app runs its own first-run
# setup.
#
# The store's key lives in the desktop keychain (Secret Service), so the app needs a
# desktop session: a display and a D-Bus session bus with gnome-keyring or KWallet.
# The store goes to the default location unless POSKO_DATA_DIR is set.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
log() { printf '\033[1;34m[run-app]\033[0m %s\n' "$*"; }

demo=""
xvfb=0
setup=1
while (($#)); do
  case $1 in
    --demo)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "--demo needs a number" >&2; exit 2; }
      demo=$2
      shift 2
      ;;
    --demo=*)
      demo=${1#--demo=}
      [[ $demo =~ ^[0-9]+$ ]] || { echo "--demo needs a number" >&2; exit 2; }
      shift
      ;;
    --xvfb) xvfb=1; shift ;;
    --skip-setup) setup=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

have_display=0
[[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]] && have_display=1
if ((!have_display && !xvfb)); then
  cat >&2 <<'EOF'
run-app: there is no screen here (neither DISPLAY nor WAYLAND_DISPLAY is set).
Posko is a desktop app: run this script in a desktop session, or
  - over SSH with X forwarding:  ssh -X host, then scripts/run-app.sh
  - in a virtual X server (nothing to see, but it starts and takes screenshots via the
    E2E tests), with a throw-away keyring and store:
        scripts/run-app.sh --xvfb [--demo N]
    which is the same as
        scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" target/debug/posko-app
EOF
  exit 2
fi

if ((setup)); then
  scripts/setup.sh
fi
log "building the UI (npm --prefix ui run build)"
npm --prefix ui run build
log "building the app, the CLI and the simulator (cargo build --bin posko-app --bin posko --bin lapor-sim)"
cargo build --bin posko-app --bin posko --bin lapor-sim

bin_dir="${CARGO_TARGET_DIR:-target}/debug"
[[ $bin_dir == /* ]] || bin_dir="$PWD/$bin_dir"
app="$bin_dir/posko-app"
cli="$bin_dir/posko"
sim="$bin_dir/lapor-sim"

if ((xvfb)); then
  # Demo data and the app share one throw-away keyring session (the store's key lives there).
  log "starting Posko under Xvfb with a throw-away keyring (Ctrl-C to stop)"
  # shellcheck disable=SC2016 # expanded by the inner bash
  exec scripts/with-keyring.sh bash -c '
    set -euo pipefail
    if [[ -n $1 ]]; then
      "$2" init --unit-name "Puskesmas Contoh" --unit-code PKM-CONTOH --zone WIB >/dev/null 2>&1 || true
      "$2" demo --count "$1" --seed 1
      sim_pid=$(scripts/demo-sim.sh "$2" "$4")
      trap "kill $sim_pid 2>/dev/null" EXIT
    fi
    xvfb-run -a -s "-screen 0 1280x800x24" "$3"
  ' run-app "$demo" "$cli" "$app" "$sim"
fi

if [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} && ! -S /run/user/$(id -u)/bus ]]; then
  cat >&2 <<'EOF'
run-app: warning: no D-Bus session bus, so the keychain (Secret Service) is unreachable
and Posko cannot open its encrypted store. In a plain X session without a desktop, run:
    POSKO_KEEP_HOME=1 scripts/with-keyring.sh scripts/run-app.sh --skip-setup
EOF
fi

if [[ -n $demo ]]; then
  log "loading $demo demo reports (posko demo --count $demo --seed 1)"
  # A new store gets a demo unit first (an existing one keeps its own; init then refuses).
  "$cli" init --unit-name "Puskesmas Contoh" --unit-code PKM-CONTOH --zone WIB >/dev/null 2>&1 || true
  "$cli" demo --count "$demo" --seed 1
  log "starting the SP4N-LAPOR! simulator for the demo (scripts/demo-sim.sh)"
  sim_pid=$(scripts/demo-sim.sh "$cli" "$sim")
  trap 'kill "$sim_pid" 2>/dev/null' EXIT
  log "starting $app"
  "$app"
  exit
fi
log "starting $app"
exec "$app"
