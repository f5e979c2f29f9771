#!/usr/bin/env bash
# bench/eh.sh [--runs N] [--calls C] [--throws T] [--out FILE]
#
# The cost of exception handling (bench/eh.wat, compiled to an artifact,
# run with kiln-run):
#  - where nothing throws: plain(C) and in_try(C) make the same C calls
#    (default 100,000,000), in_try each inside a try, which makes it an
#    invoke; ABBA repetitions (N, default 8), the ratio in_try / plain per
#    pair, wall and CPU time: median, interquartile range and range;
#  - a throw: throw_catch(T) (caught by the caller) and throw_deep(T)
#    (10 frames below the catch), T throws (default 1,000,000): CPU time
#    per throw, median over the N runs.
# Prints a markdown report (and writes it to FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KILN_BUILD_DIR:-build} runs=8 calls=100000000 throws=1000000 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift ;;
    --calls) calls=$2; shift ;;
    --throws) throws=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/eh.sh [--runs N] [--calls C] [--throws T] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
kiln=$build/tools/kiln kilnrun=$build/tools/kiln-run measure=$build/bench/kiln-bench-measure
for f in "$kiln" "$kilnrun" "$measure"; do
  [ -x "$f" ] || { echo "bench/eh.sh: $f not built" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wat2wasm --enable-exceptions bench/eh.wat -o "$tmp/eh.wasm"
"$kiln" compile "$tmp/eh.wasm" -o "$tmp/eh.kwasm"

# One timed run of export $1 with argument $2: "WALL_MS CPU_MS"; the
# result must be what plain's is (the same calls) or, for the throws, the
# same in both.
timed() {
  local ms rss st cpu
  read -r ms rss st cpu < <("$measure" "$tmp/got" "$kilnrun" --invoke "$1" "$tmp/eh.kwasm" "$2")
  if [ "$st" != 0 ] || ! cmp -s "$tmp/got" "$tmp/want.$3"; then
    echo "bench/eh.sh: $1: exit $st or another result" >&2
    exit 1
  fi
  echo "$ms $cpu"
}

. bench/spread.sh

"$kilnrun" --invoke plain "$tmp/eh.kwasm" "$calls" > "$tmp/want.calls"
"$kilnrun" --invoke throw_catch "$tmp/eh.kwasm" "$throws" > "$tmp/want.throws"
: > "$tmp/pairs"; : > "$tmp/throws"
for ((i = 0; i < runs; i++)); do
  if (( i % 2 == 0 )); then
    read -r wa ca < <(timed plain "$calls" calls); read -r wb cb < <(timed in_try "$calls" calls)
  else
    read -r wb cb < <(timed in_try "$calls" calls); read -r wa ca < <(timed plain "$calls" calls)
  fi
  echo "$wa $wb $ca $cb" >> "$tmp/pairs"
  read -r w1 c1 < <(timed throw_catch "$throws" throws)
  read -r w2 c2 < <(timed throw_deep "$throws" throws)
  echo "$c1 $c2" >> "$tmp/throws"
done
{
  echo "# Exception handling: bench/eh.wat"
  echo
  echo "Artifacts run with kiln-run; $runs repetitions; $(date -u +%F)."
  echo
  echo "Where nothing throws: $calls calls through a table, in_try (each call in a"
  echo "try) / plain, ABBA pairs."
  echo
  echo "| time | plain median ms | in_try median ms | ratio median | Q1–Q3 | range |"
  echo "|---|---|---|---|---|---|"
  for t in wall cpu; do
    if [ $t = wall ]; then a=1 b=2; else a=3 b=4; fi
    ma=$(awk -v c=$a '{ print $c }' "$tmp/pairs" | spread | cut -d' ' -f1)
    mb=$(awk -v c=$b '{ print $c }' "$tmp/pairs" | spread | cut -d' ' -f1)
    read -r med q1 q3 lo hi < <(awk -v a=$a -v b=$b '{ print $b / $a }' "$tmp/pairs" | spread)
    echo "| $t | $ma | $mb | ${med}× | $q1–$q3 | $lo–$hi |"
  done
  echo
  echo "A throw ($throws of them; CPU time per throw, start-up included, median):"
  echo
  echo "| | µs per throw | Q1–Q3 |"
  echo "|---|---|---|"
  read -r med q1 q3 lo hi < <(awk -v n="$throws" '{ print $1 * 1000 / n }' "$tmp/throws" | spread)
  echo "| caught by the caller | $med | $q1–$q3 |"
  read -r med q1 q3 lo hi < <(awk -v n="$throws" '{ print $2 * 1000 / n }' "$tmp/throws" | spread)
  echo "| caught 10 frames up | $med | $q1–$q3 |"
} | tee "${out:-/dev/null}"
