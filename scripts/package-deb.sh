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
# Two packages, made without tauri-cli:
# - `posko`, what every user installs and what Tauri's bundler would make:
#   /usr/bin/posko-app (the desktop app), the desktop entry and the icons from
#   icons/, a control file whose version comes from Cargo.toml and whose
#   dependencies are tauri.conf.json's bundle.linux.deb.depends.
# - `posko-cli`: /usr/bin/posko, the CLI for admins (backups, sync, reports,
#   benchmarks). It links the same core a second time (SQLCipher with OpenSSL,
#   the PDF fonts, the sync client), so it is a package of its own instead of
#   making every desktop download 6 MB larger (docs/benchmarks.md, "Package size").
# Prints one line per package: "package-deb: PATH (PROFILE build): N bytes ...".
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
mkdir -p "$out"

# pack NAME DEPENDS SUMMARY LONG: the control file of the staged tree
# $stage/NAME_VERSION_ARCH, then dpkg-deb, then the size line.
pack() {
  local name=$1 deps=$2 summary=$3 long=$4
  local root="$stage/${name}_${version}_$arch"
  local installed_kb bytes deb
  installed_kb=$(du -sk "$root" | cut -f1)
  install -d "$root/DEBIAN"
  cat >"$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Section: misc
Priority: optional
Architecture: $arch
Maintainer: Posko developers <dev@posko.invalid>
Installed-Size: $installed_kb
Depends: $deps
Homepage: https://example.invalid/posko
Description: $summary
 $long
CONTROL
  deb="$out/${name}_${version}_$arch.deb"
  dpkg-deb --root-owner-group --build -Zxz "$root" "$deb" >/dev/null
  bytes=$(stat -c %s "$deb")
  awk -v d="$deb" -v p="$profile" -v b="$bytes" -v i="$installed_kb" \
    'BEGIN { printf "package-deb: %s (%s build): %d bytes (%.1f MB), installed %d KiB\n", d, p, b, b / 1048576, i }'
}

# The desktop app: what every user installs.
root="$stage/posko_${version}_$arch"
install -d "$root/usr/bin" "$root/usr/share/applications"
# Debug information stays in the build tree; the package carries the code.
objcopy --strip-debug "$bin_dir/posko-app" "$root/usr/bin/posko-app"
chmod 0755 "$root/usr/bin/posko-app"
for size in 32x32 64x64 128x128; do
  install -D -m 0644 "icons/$size.png" "$root/usr/share/icons/hicolor/$size/apps/posko-app.png"
done
install -D -m 0644 icons/128x128@2x.png "$root/usr/share/icons/hicolor/256x256@2/apps/posko-app.png"
install -D -m 0644 icons/icon.svg "$root/usr/share/icons/hicolor/scalable/apps/posko-app.svg"

cat >"$root/usr/share/applications/posko.desktop" <<DESKTOP
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
DESKTOP
pack posko "$depends" "$short" "$long"

# The admins' CLI; its keychain is the Secret Service (gnome-keyring) over D-Bus.
root="$stage/posko-cli_${version}_$arch"
install -d "$root/usr/bin"
objcopy --strip-debug "$bin_dir/posko" "$root/usr/bin/posko"
chmod 0755 "$root/usr/bin/posko"
pack posko-cli "libdbus-1-3, gnome-keyring" \
  "Posko command line for admins (backups, sync, reports)" \
  "The posko command: the same encrypted store as the Posko desktop app, for backups, sync runs, reports and benchmarks from a terminal or a scheduled task."
