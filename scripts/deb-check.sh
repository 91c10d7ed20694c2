#!/usr/bin/env bash
# scripts/deb-check.sh: build the .deb, install it with dpkg -i, start the
# installed app under Xvfb (fresh keyring, throw-away store) and check that its
# window appears; then remove the package. Prints the package size.
#
#   scripts/deb-check.sh [--release]     (--release packages the shipped build)
#
# Needs root or sudo (dpkg -i). A step of scripts/test.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Second stage: inside the keyring session and the virtual display.
if [[ ${1:-} == --inner ]]; then
  shot_dir=$2
  data=$(mktemp -d)
  log="$shot_dir/deb-app.log"
  # The installed program, found through PATH as a desktop launcher would.
  POSKO_DATA_DIR="$data" posko-app >"$log" 2>&1 &
  app=$!
  status=0
  if wid=$(timeout 60 xdotool search --sync --onlyvisible --name '^Posko$' | head -1) && [[ -n $wid ]]; then
    # Give the page a moment to draw, then keep a picture of the first screen.
    sleep 3
    import -window root "$shot_dir/deb-installed-app.png" || true
    geometry=$(xdotool getwindowgeometry "$wid" | tr '\n' ' ')
    echo "deb-check: the installed app opened its window ($geometry)"
  else
    echo "deb-check: no window titled 'Posko' within 60 s; the app's output:" >&2
    tail -40 "$log" >&2
    status=1
  fi
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  rm -rf "$data"
  exit "$status"
fi

if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
target_dir=${CARGO_TARGET_DIR:-target}

mapfile -t debs < <(scripts/package-deb.sh "$@" | tee /dev/stderr | sed -n 's/^package-deb: \([^ ]*\) .*/\1/p')
app_deb=$(printf '%s\n' "${debs[@]}" | grep '/posko_' || true)
cli_deb=$(printf '%s\n' "${debs[@]}" | grep '/posko-cli_' || true)
[[ -f $app_deb && -f $cli_deb ]] || {
  echo "deb-check: the two packages (posko, posko-cli) were not both made" >&2
  exit 1
}

# An earlier run's packages (or a developer's) are replaced.
"${SUDO[@]}" dpkg -i "$app_deb" "$cli_deb"
trap '"${SUDO[@]}" dpkg -r posko posko-cli >/dev/null' EXIT
dpkg -L posko | grep -qx /usr/bin/posko-app
dpkg -L posko | grep -qx /usr/share/applications/posko.desktop
dpkg -L posko-cli | grep -qx /usr/bin/posko
if dpkg -L posko | grep -qx /usr/bin/posko; then
  echo "deb-check: the CLI belongs in posko-cli, not in the app's package" >&2
  exit 1
fi
command -v posko-app >/dev/null
posko --version

shot_dir="$target_dir/e2e-screenshots"
mkdir -p "$shot_dir"
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" \
  "$0" --inner "$(realpath "$shot_dir")"
