#!/usr/bin/env bash
# bench/multimem.sh [--runs N] [--only a,b,...] [--out FILE]
#
# Memory 0 of a multi-memory module against a single memory: each program
# of bench/programs (default memops, sieve, sha256, qsort, btree, at
# bench/run's full sizes) compiled to an artifact as is (single) and with
# a second memory and a data segment for it added (multi: the program's
# memory stays memory 0 and does all the work; kiln-bench-multimem), both
# run with kiln-run.  Repetitions alternate ABBA (single then multi, then
# multi then single), N of them (default 8: four blocks); each run's output
# must equal the native build's.  Per program the ratio multi / single of
# the two runs of each repetition, wall and CPU time: median, interquartile
# range (Q1–Q3, interpolated) and range; the geometric mean of the
# medians; and whether the two artifacts' machine code is the same
# (objdump -d of their objects).  Prints a markdown report (and writes it
# to FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KILN_BUILD_DIR:-build} runs=8 only="" out=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift ;;
    --only) only=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: bench/multimem.sh [--runs N] [--only a,b,...] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
progs=$build/bench/programs make=$build/bench/kiln-bench-multimem
kilnrun=$build/tools/kiln-run measure=$build/bench/kiln-bench-measure
for f in "$make" "$kilnrun" "$measure"; do
  [ -x "$f" ] || { echo "bench/multimem.sh: $f not built" >&2; exit 1; }
done
programs=("memops|600" "sieve|40" "sha256|100" "qsort|2000000" "btree|300")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One timed run: "WALL_MS CPU_MS", output checked.
timed() {
  local art=$1 want=$2 ms rss st cpu; shift 2
  read -r ms rss st cpu < <("$measure" "$tmp/got" "$kilnrun" "$art" "$@")
  if [ "$st" != 0 ] || ! cmp -s "$tmp/got" "$want"; then
    echo "bench/multimem.sh: $art: exit $st or wrong output" >&2
    exit 1
  fi
  echo "$ms $cpu"
}

# Median, Q1, Q3, min, max of the numbers on stdin.
. bench/spread.sh

# The machine code of an artifact's objects (kiln inspect gives where
# they are), without the file names objdump prints.  Each artifact's
# objects have files of their own: two of these run at once.
code_of() {
  local art=$1 i=0 size off
  while read -r size off; do
    tail -c +$((off + 1)) "$art" | head -c "$size" > "$art.$i.o"
    objdump -d "$art.$i.o" | tail -n +3
    i=$((i + 1))
  done < <("$build/tools/kiln" inspect "$art" | sed -n 's/^object [0-9]*: \([0-9]*\) bytes at offset \([0-9]*\)$/\1 \2/p')
}

report() {
  echo "| program | n | wall multi / single: **median** (Q1–Q3; min–max) | CPU multi / single | single ms (median) | same machine code |"
  echo "|---|--:|---|---|--:|---|"
  cat "$tmp/rows"
  awk '{ w += log($1); c += log($2); n++ }
       END { printf "\nGeometric mean of the medians: wall **%.3f×**, CPU **%.3f×** (%d programs, %d repetitions each).\n", exp(w / n), exp(c / n), n, '"$runs"' }' "$tmp/medians"
}

: > "$tmp/rows"
: > "$tmp/medians"
for entry in "${programs[@]}"; do
  IFS='|' read -r p args <<< "$entry"
  [ -z "$only" ] || [[ ",$only," == *",$p,"* ]] || continue
  "$make" "$progs/$p.wasm" "$tmp/$p.single.kwasm"
  "$make" "$progs/$p.wasm" "$tmp/$p.multi.kwasm" --second-memory
  # shellcheck disable=SC2086
  "$progs/native/$p" $args > "$tmp/$p.want"
  : > "$tmp/$p.wall"
  : > "$tmp/$p.cpu"
  : > "$tmp/$p.ms"
  for r in $(seq "$runs"); do
    order="single multi"
    [ $((r % 2)) = 0 ] && order="multi single"
    declare -A t=()
    for k in $order; do
      # shellcheck disable=SC2086
      t[$k]=$(timed "$tmp/$p.$k.kwasm" "$tmp/$p.want" $args)
    done
    read -r sw sc <<< "${t[single]}"
    read -r mw mc <<< "${t[multi]}"
    awk -v a="$mw" -v b="$sw" 'BEGIN { print a / b }' >> "$tmp/$p.wall"
    awk -v a="$mc" -v b="$sc" 'BEGIN { print a / b }' >> "$tmp/$p.cpu"
    echo "$sw" >> "$tmp/$p.ms"
  done
  read -r wm wq1 wq3 wlo whi < <(spread < "$tmp/$p.wall")
  read -r cm cq1 cq3 clo chi < <(spread < "$tmp/$p.cpu")
  read -r ms _ < <(spread < "$tmp/$p.ms")
  echo "$wm $cm" >> "$tmp/medians"
  same=no
  cmp -s <(code_of "$tmp/$p.single.kwasm") <(code_of "$tmp/$p.multi.kwasm") && same=yes
  printf '| %s %s | %d | **%.3f×** (%.3f–%.3f; %.3f–%.3f) | **%.3f×** (%.3f–%.3f; %.3f–%.3f) | %.0f | %s |\n' \
    "$p" "$args" "$runs" "$wm" "$wq1" "$wq3" "$wlo" "$whi" "$cm" "$cq1" "$cq3" "$clo" "$chi" "$ms" \
    "$same" >> "$tmp/rows"
done
if [ -n "$out" ]; then
  report | tee "$out"
else
  report
fi
