#!/usr/bin/env bash
# bench/cache_first.sh [PAIRS] — what the code cache costs a first run:
# `kiln run` with an empty cache (A) against `kiln run --no-cache` (B), in
# ABBA blocks (PAIRS of them, default 3), on the bench programs (their
# timed arguments, as bench/run), tests/aot/big.c's module and a module of
# 100,000 functions of which one is called.  Wall time of the kiln process
# (until it returns: the cache fill it hands to a background process is not
# waited for), and its CPU time (user + system; the fill, not waited for,
# is not in it), less disturbed by other load on a shared machine.  Between runs the fill of the previous A run is waited for
# (its time is reported), so that it does not run beside the next
# measurement; the 100,000-function module's fill (minutes at idle
# priority) is stopped instead.  Prints per module the medians of A and B
# and the median over the blocks of (A1 + A2) / (B1 + B2), for wall and
# CPU time.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${KILN_BUILD_DIR:-build}")
pairs=${1:-3}
kiln=$build/tools/kiln progs=$build/bench/programs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_CACHE_LOG=$tmp/log
"$build/tests/cli/gen-funcs" many 100000 > "$tmp/many.wasm"

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# run_once A|B MODULE ARGS... : prints the wall and CPU seconds of one
# kiln run.
run_once() {
  local mode=$1 t1; shift
  local dir=$tmp/cache.$RANDOM$RANDOM
  : > "$tmp/log"
  if [ "$mode" = A ]; then
    KILN_CACHE_DIR=$dir /usr/bin/time -o "$tmp/time" -f '%e %U %S' "$kiln" run "$@" > /dev/null
  else
    KILN_CACHE_DIR=$dir /usr/bin/time -o "$tmp/time" -f '%e %U %S' "$kiln" run --no-cache "$@" \
      > /dev/null
  fi
  t1=$EPOCHREALTIME
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$tmp/time"
  [ "$mode" = A ] && settle "$t1" "$*"
  rm -rf "$dir"
}

# settle T1 "ARGS": waits for the fill (or stops it, for many.wasm) and
# notes how long it took after the run returned (at T1).
settle() {
  local pid
  for _ in $(seq 600); do grep -q ' compiling ' "$tmp/log" && break; sleep 0.1; done
  pid=$(awk '/ compiling / {print $1; exit}' "$tmp/log")
  if [[ $2 == *many.wasm* ]] && [ -n "$pid" ]; then
    kill "$pid" 2> /dev/null || true
    while kill -0 "$pid" 2> /dev/null; do sleep 0.1; done
    return
  fi
  for _ in $(seq 6000); do grep -q 'stored' "$tmp/log" && break; sleep 0.1; done
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f\n", b - a}' >> "$tmp/fills"
}

# col N "WALL CPU"...: the Nth field of each.
col() { local n=$1; shift; printf '%s\n' "$@" | cut -d' ' -f"$n"; }

measure() { # NAME MODULE ARGS...
  local name=$1 a=() b=() wall=() cpu=() x y z w fill; shift
  : > "$tmp/fills"
  for _ in $(seq "$pairs"); do
    x=$(run_once A "$@"); y=$(run_once B "$@"); z=$(run_once B "$@"); w=$(run_once A "$@")
    a+=("$x" "$w") b+=("$y" "$z")
    wall+=("$(echo "$x $w $y $z" | awk '{printf "%.3f", ($1 + $3) / ($5 + $7)}')")
    cpu+=("$(echo "$x $w $y $z" | awk '{printf "%.3f", ($2 + $4) / ($6 + $8)}')")
  done
  fill=$([ -s "$tmp/fills" ] && median < "$tmp/fills" || echo "stopped")
  printf '| %s | %.2f / %.2f | %.2f / %.2f | **%.3f** (%s) | %.3f (%s) | %s |\n' "$name" \
    "$(col 1 "${a[@]}" | median)" "$(col 2 "${a[@]}" | median)" \
    "$(col 1 "${b[@]}" | median)" "$(col 2 "${b[@]}" | median)" \
    "$(printf '%s\n' "${wall[@]}" | median)" "$(printf '%s\n' "${wall[@]}" | paste -sd' ')" \
    "$(printf '%s\n' "${cpu[@]}" | median)" "$(printf '%s\n' "${cpu[@]}" | paste -sd' ')" "$fill"
}

echo "| module | first run, cache on: wall / CPU (s) | --no-cache: wall / CPU (s) | wall ratio, median (per block) | CPU ratio, median (per block) | fill done after (s) |"
echo "|---|---|---|---|---|---|"
for p in "coremark_like 2000" "fib 40" "sieve 40" "memops 600" "nbody 5000000" \
         "mandelbrot 1600" "matmul 400" "sha256 100" "qsort 2000000" "interp 6000" \
         "binarytrees 18" "strings 60" "simd 20000"; do
  set -- $p
  measure "$1" "$progs/$1.wasm" "$2"
done
measure big "$build/tests/aot/big.wasm"
measure "100,000 functions, --invoke f5" --invoke f5 "$tmp/many.wasm" 2
