#!/usr/bin/env bash
# scripts/make-icons.sh: regenerate every raster icon in icons/ from icons/icon.svg.
#
# Uses the Tauri CLI's icon generator (npm only, no Rust build):
#   npx @tauri-apps/cli@2 icon icons/icon.svg
# and keeps only what the desktop bundles use: the PNG sizes Tauri references
# (32x32, 64x64, 128x128, 128x128@2x, icon.png = 512), the Windows Store logos
# (Square*Logo.png, StoreLogo.png) and the multi-size icon.ico
# (16, 24, 32, 48, 64, 256). The Android/iOS/macOS outputs are dropped.
# Finally checks that every PNG is 8-bit RGBA (PNG colour type 6), which
# tauri-codegen requires ("icon ... is not RGBA" otherwise).
#
# Only needed when icons/icon.svg changes; the generated files are committed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

src=icons/icon.svg
[[ -f $src ]] || { echo "make-icons: $src not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

npx --yes @tauri-apps/cli@2 icon "$src" --output "$tmp/out"

keep=(
  32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png icon.ico
  Square30x30Logo.png Square44x44Logo.png Square71x71Logo.png Square89x89Logo.png
  Square107x107Logo.png Square142x142Logo.png Square150x150Logo.png
  Square284x284Logo.png Square310x310Logo.png StoreLogo.png
)
for f in "${keep[@]}"; do
  install -m 0644 "$tmp/out/$f" "icons/$f"
done

# Every PNG must be 8-bit RGBA: byte 24 of a PNG is the bit depth, byte 25 the colour type.
status=0
for f in icons/*.png; do
  depth=$(od -An -tu1 -j24 -N1 "$f" | tr -d ' ')
  ctype=$(od -An -tu1 -j25 -N1 "$f" | tr -d ' ')
  if [[ $depth != 8 || $ctype != 6 ]]; then
    echo "make-icons: $f is not 8-bit RGBA (bit depth $depth, colour type $ctype)" >&2
    status=1
  fi
done
if command -v identify >/dev/null 2>&1; then
  identify -format '%f %wx%h %[channels]\n' icons/*.png icons/icon.ico
fi
exit "$status"
