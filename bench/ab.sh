#!/usr/bin/env bash
# bench/ab.sh OLD_BUILD NEW_BUILD [--first] [--runs N] [--only a,b,...]
#
# A compiler change measured as a change: every program of the suite
# compiled to an artifact by OLD_BUILD's kiln and run by its kiln-run,
# against the same by NEW_BUILD's, in ABBA order (old, new, new, old) N
# times (default 4); per repetition the ratio of the new pair's CPU time
# (user + sys, wait4) to the old pair's; per program the median ratio and
# its range, and the geometric mean of the medians.  Each run's output must
# equal the native build's.  For an old build, check the commit out into a
# worktree and build kiln and kiln-run there:
#   git worktree add /tmp/old HEAD~1
#   cmake -S /tmp/old -B /tmp/build-old -DKILN_BUILD_TESTS=OFF -DKILN_BUILD_EXAMPLES=OFF
#   cmake --build /tmp/build-old --target kiln kiln-run
#   bench/ab.sh /tmp/build-old build
# The artifact formats may differ: each build runs its own artifacts.
#
# --first: a JIT change measured as the user meets it: each program run by
# each build's `kiln run` (its defaults) with a new, empty cache directory,
# so every run is a first run; the ratio of wall times (the time the user
# waits: background compile threads make CPU time a different question),
# and the next run starts only once no process uses the last run's cache.
#
# bench/ab.sh --check BUILD: BUILD against itself, fib once, as artifacts
# and as first runs, and each table's line checked to hold a positive ratio
# (the ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --check ] && [ $# -eq 2 ]; then
  d=$(mktemp -d)
  trap 'rm -rf "$d"' EXIT
  ln -s "$(realpath "$2")" "$d/a" && ln -s "$(realpath "$2")" "$d/b"
  for mode in "" --first; do
    "$0" "$d/a" "$d/b" $mode --only fib --runs 1 | tee "$d/out"
    grep -Eq '^\| fib \| \*\*[0-9]+\.[0-9]+\*\* \([0-9.]+–[0-9.]+\) \| 1 \|$' "$d/out" &&
      ! grep -q '\*\*0\.000\*\*' "$d/out" || exit 1
  done
  exit
fi
[ $# -ge 2 ] || { echo "usage: bench/ab.sh OLD_BUILD NEW_BUILD [--first] [--runs N] [--only a,b,...]" >&2; exit 2; }
old=$(realpath -s "$1") new=$(realpath -s "$2")
shift 2
runs=4 only="" first=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift ;;
    --only) only=$2; shift ;;
    --first) first=1 ;;
    *) echo "bench/ab.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
case $runs in ''|*[!0-9]*|0) echo "bench/ab.sh: --runs takes a positive number" >&2; exit 2 ;; esac
progs=$new/bench/programs measure=$new/bench/kiln-bench-measure
for f in "$old/tools/kiln" "$old/tools/kiln-run" "$new/tools/kiln" "$new/tools/kiln-run" \
         "$measure" "$progs/native/fib"; do
  [ -x "$f" ] || { echo "bench/ab.sh: $f missing: build first" >&2; exit 2; }
done
[ "$(basename "$old")" != "$(basename "$new")" ] ||
  { echo "bench/ab.sh: the two build directories need different names" >&2; exit 2; }
. bench/spread.sh
. bench/suite.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names=" ${suite[*]%%|*} "
for want in ${only//,/ }; do
  [[ $names == *" $want "* ]] || { echo "bench/ab.sh: no program '$want' in the suite:$names" >&2; exit 2; }
done

# cpu BUILD NAME ARGS: one run's CPU ms (with --first: a first run's wall
# ms, its cache directory named by this subshell's pid); its output checked.
cpu() {
  local ms rss st c cache=$tmp/cache.$BASHPID
  if [ "$first" = 1 ]; then
    read -r ms rss st c < <(KILN_CACHE_DIR=$cache "$measure" "$tmp/got" \
      "$1/tools/kiln" run "$progs/$2.wasm" $3)
    settle "$cache"
    c=$ms
  else
    read -r ms rss st c < <("$measure" "$tmp/got" "$1/tools/kiln-run" "$tmp/$2.$(basename "$1").kwasm" $3)
  fi
  if [ "$st" != 0 ] || ! cmp -s "$tmp/got" "$tmp/$2.want"; then
    echo "bench/ab.sh: $2 under $1: exit $st or output differs from native" >&2
    exit 1
  fi
  echo "$c"
}

if [ "$first" = 1 ]; then
  echo "| program | new / old first-run wall time: median (min–max) | n |"
else
  echo "| program | new / old CPU time: median (min–max) | n |"
fi
echo "|---|---|---|"
logs=()
for entry in "${suite[@]}"; do
  IFS='|' read -r name args _ <<< "$entry"
  [ -z "$only" ] || [[ ",$only," == *",$name,"* ]] || continue
  "$progs/native/$name" $args > "$tmp/$name.want" 2> /dev/null
  for b in "$old" "$new"; do
    [ "$first" = 1 ] || "$b/tools/kiln" compile -o "$tmp/$name.$(basename "$b").kwasm" "$progs/$name.wasm"
  done
  ratios=()
  for ((i = 0; i < runs; i++)); do
    a1=$(cpu "$old" "$name" "$args"); b1=$(cpu "$new" "$name" "$args")
    b2=$(cpu "$new" "$name" "$args"); a2=$(cpu "$old" "$name" "$args")
    ratios+=("$(awk -v a="$a1" -v b="$a2" -v c="$b1" -v d="$b2" 'BEGIN { printf "%.4f", (c + d) / (a + b) }')")
  done
  read -r med q1 q3 lo hi < <(printf '%s\n' "${ratios[@]}" | spread)
  echo "| $name | **$med** ($lo–$hi) | $runs |"
  logs+=("$med")
done
printf '%s\n' "${logs[@]}" | awk '{ s += log($1); n++ } END { if (n) printf "\ngeometric mean of the medians: %.3f over %d programs\n", exp(s / n), n }'
