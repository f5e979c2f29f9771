#!/usr/bin/env bash
# bench/aot.sh [MODULE.wasm...] — ahead-of-time figures per module: JIT
# compile time (every function the run calls, compiled lazily), AOT compile
# time on 1 thread and on all cores, artifact size, and the time from
# process start to the module's entry point when running its artifact with
# kiln-run and from the code cache with `kiln run`.  Medians of RUNS (5)
# runs; 21 for the start-up times.  Default modules: the bundled example
# and the AOT tests' large module.  Build first (scripts/test or cmake).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KILN_BUILD_DIR:-build}
runs=${RUNS:-5}
kiln=$PWD/$build/tools/kiln kilnrun=$PWD/$build/tools/kiln-run
startup=$PWD/$build/bench/kiln-bench-startup
[ $# -gt 0 ] || set -- "$build/examples/hello.wasm" "$build/tests/aot/big.wasm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# Wall time of a command in ms.
wall() { local t=$EPOCHREALTIME; "$@" > /dev/null 2>&1; awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN {print (b - a) * 1000}'; }

echo "kiln AOT figures, $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs"
echo
echo "| module | size | JIT compile | AOT compile, 1 thread | AOT compile, $(nproc) threads | artifact | parts | kiln-run start to entry | kiln run (cached) start to entry |"
echo "|---|---|---|---|---|---|---|---|---|"
for wasm in "$@"; do
  name=$(basename "$wasm")
  jit=$(for _ in $(seq "$runs"); do
          "$kiln" run --no-cache --stats "$wasm" 2>&1 > /dev/null |
            awk '/^compile:/ {print $2 + $5}'
        done | median)
  one=$(for _ in $(seq "$runs"); do wall "$kiln" compile --threads 1 "$wasm" -o "$tmp/a.kwasm"; done | median)
  all=$(for _ in $(seq "$runs"); do wall "$kiln" compile "$wasm" -o "$tmp/a.kwasm"; done | median)
  parts=$("$kiln" inspect "$tmp/a.kwasm" | grep -c '^object ')
  "$kiln" run --aot "$wasm" > /dev/null 2>&1 || true
  run=$("$startup" 21 "$kilnrun" --stats "$tmp/a.kwasm" | sed -n 's/^process start to entry: median \([0-9.]*\).*/\1/p')
  cached=$("$startup" 21 "$kiln" run --stats "$wasm" | sed -n 's/^process start to entry: median \([0-9.]*\).*/\1/p')
  printf '| %s | %d KiB | %.0f ms | %.0f ms | %.0f ms | %d KiB | %d | %.2f ms | %.2f ms |\n' \
    "$name" $(($(stat -c %s "$wasm") / 1024)) "$jit" "$one" "$all" \
    $(($(stat -c %s "$tmp/a.kwasm") / 1024)) "$parts" "$run" "$cached"
done
echo
"$startup" 21 /bin/true | sed -n 's/^floor: /any process on this machine (floor): /p'
