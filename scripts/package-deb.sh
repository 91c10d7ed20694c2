#!/usr/bin/env bash
# scripts/package-deb.sh: build Posko's Debian package from the cargo build.
#
#   scripts/package-deb.sh [--release] [--out DIR]
#
# --release  the shipped build: `cargo build --release --features custom-protocol`
#            (optimised, stripped); without it the workspace's debug build is
#            packaged (what scripts/test.sh installs and launches: the same files,
#            layout and package metadata, at a fraction of the build time).
# --out DIR  where the .deb goes (default: target/<profile>/bundle/deb).
#
# The package holds what Tauri's bundler would put in it, made without
# tauri-cli: /usr/bin/posko-app (the desktop app), /usr/bin/posko (the CLI for
# admins: backups, sync, reports), the desktop entry and the icons from icons/,
# and a control file whose version comes from Cargo.toml and whose dependencies
# are tauri.conf.json's bundle.linux.deb.depends. Prints the path and the size.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

profile=debug
out=""
while (($#)); do
  case $1 in
  --release) profile=release ;;
  --out)
    out=$2
    shift
    ;;
  *)
    echo "package-deb.sh: unknown option $1" >&2
    exit 2
    ;;
  esac
  shift
done

target_dir=${CARGO_TARGET_DIR:-target}
[[ -f ui/dist/index.html ]] || npm --prefix ui run build
if [[ $profile == release ]]; then
  cargo build --release --features custom-protocol --bin posko-app --bin posko
else
  # The same selection as scripts/test.sh, so nothing is rebuilt after the tests.
  cargo test --workspace --no-run
fi
bin_dir="$target_dir/$profile"
out=${out:-$target_dir/$profile/bundle/deb}

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
arch=$(dpkg --print-architecture)
depends=$(python3 -c 'import json;print(", ".join(json.load(open("tauri.conf.json"))["bundle"]["linux"]["deb"]["depends"]))')
short=$(python3 -c 'import json;print(json.load(open("tauri.conf.json"))["bundle"]["shortDescription"])')
long=$(python3 -c 'import json;print(json.load(open("tauri.conf.json"))["bundle"]["longDescription"])')

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/posko_${version}_$arch"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/applications"
# Debug information stays in the build tree; the package carries the code.
objcopy --strip-debug "$bin_dir/posko-app" "$root/usr/bin/posko-app"
objcopy --strip-debug "$bin_dir/posko" "$root/usr/bin/posko"
chmod 0755 "$root/usr/bin/posko-app" "$root/usr/bin/posko"
for size in 32x32 64x64 128x128; do
  install -D -m 0644 "icons/$size.png" "$root/usr/share/icons/hicolor/$size/apps/posko-app.png"
done
install -D -m 0644 icons/128x128@2x.png "$root/usr/share/icons/hicolor/256x256@2/apps/posko-app.png"
install -D -m 0644 icons/icon.svg "$root/usr/share/icons/hicolor/scalable/apps/posko-app.svg"

cat >"$root/usr/share/applications/posko.desktop" <<EOF
[Desktop Entry]
Type=Application
Name=Posko
GenericName=Meja pengaduan
GenericName[en]=Complaint desk
Comment=$short
Exec=posko-app
Icon=posko-app
Terminal=false
Categories=Office;
StartupWMClass=posko-app
EOF

installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: posko
Version: $version
Section: misc
Priority: optional
Architecture: $arch
Maintainer: Posko developers <dev@posko.invalid>
Installed-Size: $installed_kb
Depends: $depends
Homepage: https://example.invalid/posko
Description: $short
 $long
EOF

mkdir -p "$out"
deb="$out/posko_${version}_$arch.deb"
dpkg-deb --root-owner-group --build -Zxz "$root" "$deb" >/dev/null
bytes=$(stat -c %s "$deb")
awk -v d="$deb" -v p="$profile" -v b="$bytes" -v i="$installed_kb" \
  'BEGIN { printf "package-deb: %s (%s build): %d bytes (%.1f MB), installed %d KiB\n", d, p, b, b / 1048576, i }'
