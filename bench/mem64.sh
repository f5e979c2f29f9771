#!/usr/bin/env bash
# bench/mem64.sh [--runs N] [--passes P] [--out FILE]
#
# The cost of memory64's explicit bounds checks: bench/mem64.c built with
# clang for wasm32 and for wasm64 (freestanding, -O2), each compiled to an
# artifact with kiln, both run with kiln-run (run(P), default P=300).  The
# wasm32 module's accesses are unchecked (guard pages); the wasm64 one's
# compare each access with the memory's length.  Repetitions alternate ABBA
# (wasm32 then wasm64, then wasm64 then wasm32), N of them (default 8);
# both must print the same hash.  Per pair the ratio wasm64 / wasm32, wall
# and CPU time: median, interquartile range and range.  Prints a markdown
# report (and writes it to FILE).  Skips (exit 77) without a clang that
# targets wasm64.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KILN_BUILD_DIR:-build} runs=8 passes=300 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift ;;
    --passes) passes=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/mem64.sh [--runs N] [--passes P] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
kiln=$build/tools/kiln kilnrun=$build/tools/kiln-run measure=$build/bench/kiln-bench-measure
for f in "$kiln" "$kilnrun" "$measure"; do
  [ -x "$f" ] || { echo "bench/mem64.sh: $f not built" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for bits in 32 64; do
  if ! clang --target=wasm$bits -O2 -nostdlib -Wl,--no-entry -o "$tmp/k$bits.wasm" \
       bench/mem64.c 2> "$tmp/cc"; then
    echo "bench/mem64.sh: skipped: clang cannot build for wasm$bits"; cat "$tmp/cc"; exit 77
  fi
  "$kiln" compile "$tmp/k$bits.wasm" -o "$tmp/k$bits.kwasm"
done
"$kilnrun" --invoke run "$tmp/k32.kwasm" "$passes" > "$tmp/want"

# One timed run: "WALL_MS CPU_MS", the hash checked.
timed() {
  local ms rss st cpu
  read -r ms rss st cpu < <("$measure" "$tmp/got" "$kilnrun" --invoke run "$1" "$passes")
  if [ "$st" != 0 ] || ! cmp -s "$tmp/got" "$tmp/want"; then
    echo "bench/mem64.sh: $1: exit $st or a different hash" >&2
    exit 1
  fi
  echo "$ms $cpu"
}

# Median, Q1, Q3, min, max of the numbers on stdin.
. bench/spread.sh

: > "$tmp/pairs"
for ((i = 0; i < runs; i++)); do
  if (( i % 2 == 0 )); then
    read -r w32 c32 < <(timed "$tmp/k32.kwasm"); read -r w64 c64 < <(timed "$tmp/k64.kwasm")
  else
    read -r w64 c64 < <(timed "$tmp/k64.kwasm"); read -r w32 c32 < <(timed "$tmp/k32.kwasm")
  fi
  echo "$w32 $w64 $c32 $c64" >> "$tmp/pairs"
done
{
  echo "# memory64 bounds checks: bench/mem64.c, wasm64 / wasm32"
  echo
  echo "run($passes), $runs ABBA repetitions, artifacts run with kiln-run; $(date -u +%F)."
  echo
  echo "| time | wasm32 median ms | wasm64 median ms | ratio median | Q1–Q3 | range |"
  echo "|---|---|---|---|---|---|"
  for t in wall cpu; do
    if [ $t = wall ]; then a=1 b=2; else a=3 b=4; fi
    m32=$(awk -v c=$a '{ print $c }' "$tmp/pairs" | spread | cut -d' ' -f1)
    m64=$(awk -v c=$b '{ print $c }' "$tmp/pairs" | spread | cut -d' ' -f1)
    read -r med q1 q3 lo hi < <(awk -v a=$a -v b=$b '{ print $b / $a }' "$tmp/pairs" | spread)
    echo "| $t | $m32 | $m64 | ${med}× | $q1–$q3 | $lo–$hi |"
  done
} | tee "${out:-/dev/null}"
