#!/usr/bin/env bash
# The user guide's pictures (docs/panduan/gambar) come from the end-to-end run.
#
# The guide links its pictures as gambar/<test>--<step>.png; the e2e suite saves
# target/e2e-screenshots/<test>-<NN>-<step>.png (App::screenshot in tests/e2e/src/lib.rs;
# NN is a per-test counter, so the guide's names leave it out). The list of pictures is
# read from the guide's Markdown: no second list to keep in step.
#
#   scripts/panduan-gambar.sh          after an e2e run: copy every picture the guide uses
#                                      into docs/panduan/gambar (downscaled to 60 %, 128 colours, with
#                                      ImageMagick when it is installed) and remove pictures
#                                      the guide no longer uses
#   scripts/panduan-gambar.sh --check  exit 1, naming them, when a picture the guide uses
#                                      was not made by the run (a renamed or removed
#                                      screenshot step, a renamed test); scripts/test.sh
#                                      runs this right after the e2e step
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *)
    echo "usage: scripts/panduan-gambar.sh [--check]" >&2
    exit 2
    ;;
esac

guide=docs/panduan
out=$guide/gambar
shots="${CARGO_TARGET_DIR:-target}/e2e-screenshots"

# Every gambar/<name>.png linked from the guide, once.
mapfile -t wanted < <(grep -ohE '\]\(gambar/[A-Za-z0-9_.-]+\.png\)' "$guide"/*.md |
  sed -E 's/^\]\(gambar\/(.*)\)$/\1/' | sort -u)
if ((${#wanted[@]} == 0)); then
  echo "panduan-gambar: the guide ($guide/*.md) links no picture" >&2
  exit 1
fi

missing=()
bad=()
declare -A source=()
for name in "${wanted[@]}"; do
  if [[ $name != *--*.png ]]; then
    bad+=("$name")
    continue
  fi
  test=${name%%--*}
  step=${name#*--}
  step=${step%.png}
  # The last one when a test saves the same step twice.
  found=$(compgen -G "$shots/$test-[0-9][0-9]-$step.png" | sort | tail -n 1 || true)
  if [[ -z $found ]]; then
    missing+=("$name (expected $shots/$test-NN-$step.png)")
  else
    source[$name]=$found
  fi
done

if ((${#bad[@]})); then
  echo "panduan-gambar: these pictures are not named <test>--<step>.png:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
if ((${#missing[@]})); then
  echo "panduan-gambar: the guide uses pictures the e2e run did not make (renamed or removed screenshot step or test?):" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi

if ((check)); then
  echo "panduan-gambar: all ${#wanted[@]} pictures of the guide were made by the e2e run"
  exit 0
fi

mkdir -p "$out"
resize=()
if command -v convert >/dev/null; then
  resize=(convert)
fi
for name in "${wanted[@]}"; do
  if ((${#resize[@]})); then
    convert "${source[$name]}" -resize 60% -strip -colors 128 \
      -define png:exclude-chunks=date,time "$out/$name"
  else
    cp "${source[$name]}" "$out/$name"
  fi
done
# Pictures the guide no longer links.
for f in "$out"/*.png; do
  [[ -e $f ]] || continue
  keep=0
  for name in "${wanted[@]}"; do [[ $(basename "$f") == "$name" ]] && keep=1; done
  if ((!keep)); then
    rm -- "$f"
    echo "panduan-gambar: removed $(basename "$f") (no longer in the guide)"
  fi
done
echo "panduan-gambar: ${#wanted[@]} pictures in $out ($(du -sh "$out" | cut -f1))"
