#!/usr/bin/env bash
# cli_resource_limits.sh KILN KILN_RUN GEN_HOSTILE — small modules that demand
# large resources (issue 17, items 3, 4, 5, 7) end quickly, in bounded memory:
# refused with one line naming the limit and exit 1, or run within bounds.
# Bounds are generous (a loaded machine must not flake): 10 s and 500 MB
# for each refusal, 30 s and 500 MB for compiling the 5,000-block function
# (times $KILN_TEST_RSS_FACTOR under sanitizers, which take their own).
set -u
kiln=$1 kilnrun=$2 gen=$3
max_kb=$((500000 * ${KILN_TEST_RSS_FACTOR:-1}))
[ -x /usr/bin/time ] || { echo "SKIP: no /usr/bin/time"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$gen" locals 5000000 "$tmp/locals5m.wasm" &&
"$gen" locals 4294967295 "$tmp/locals4g.wasm" &&
"$gen" tables 10 10000000 "$tmp/tables10x10m.wasm" &&
"$gen" tables 100 100000 "$tmp/tables100.wasm" &&
"$gen" grow 5000000 "$tmp/grow.wasm" &&
"$gen" blocks 5000 25000 "$tmp/blocks.wasm" &&
"$gen" nested 5000 25000 "$tmp/nested.wasm" &&
"$gen" loops 3000 900 "$tmp/loops.wasm" || { echo "FAIL: generator"; exit 1; }

# run WANT_RC MAX_SECONDS CMD...: runs CMD under /usr/bin/time; checks the
# exit code, the wall time and max RSS (< 500 MB); leaves stdout in
# $tmp/out and stderr in $tmp/err.
run() {
  local want=$1 secs=$2 rc t kb; shift 2
  /usr/bin/time -o "$tmp/time" -f "%e %M" "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  read -r t kb < <(tail -n 1 "$tmp/time")
  [ "$rc" = "$want" ] || { fail "$*: exit $rc, want $want"; cat "$tmp/err"; }
  awk -v t="$t" -v s="$secs" 'BEGIN { exit !(t < s) }' || fail "$*: took ${t}s (bound ${secs}s)"
  [ "$kb" -lt "$max_kb" ] || fail "$*: max RSS ${kb} KB (bound $((max_kb / 1000)) MB)"
  echo "$*: exit $rc, ${t}s, ${kb} KB"
}

# refuse PATTERN CMD...: exit 1 with one line on stderr matching PATTERN.
refuse() {
  local pattern=$1; shift
  run 1 10 "$@"
  [ "$(wc -l < "$tmp/err")" = 1 ] || { fail "$*: not one line"; cat "$tmp/err"; }
  grep -Eq "$pattern" "$tmp/err" || fail "$*: '$(cat "$tmp/err")' does not match '$pattern'"
}

# Items 3 and 7: locals.
for n in 5000000 4294967295; do
  f=$tmp/locals$([ $n = 5000000 ] && echo 5m || echo 4g).wasm
  msg="resource limit exceeded: function 0 declares $n locals, limit 50000 \(max_locals\)"
  refuse "$msg" "$kiln" run --no-cache "$f"
  refuse "$msg" "$kiln" compile "$f" -o "$tmp/x.kwasm"
  refuse "$msg" "$kiln" validate "$f"
done
[ -e "$tmp/x.kwasm" ] && fail "kiln compile wrote an artifact of a refused module"

# Item 4: tables, in all, per instance.
msg="tables of 100000000 elements in all exceed the limit of 10000000 per instance \(max_table_elements\)"
refuse "$msg" "$kiln" run --no-cache "$tmp/tables10x10m.wasm"
run 0 10 "$kiln" compile "$tmp/tables10x10m.wasm" -o "$tmp/t10.kwasm"
refuse "$msg" "$kilnrun" "$tmp/t10.kwasm"
run 0 10 "$kiln" run --no-cache "$tmp/tables100.wasm"	# 100 x 100,000: exactly the cap
refuse "limit of 1000 per instance \(max_table_elements\)" \
  "$kiln" run --no-cache --max-table-elements 1000 "$tmp/tables100.wasm"
# kiln serve instantiates its handler once before it listens: the same
# refusals, before any socket is opened.
refuse "$msg" "$kiln" serve --listen 127.0.0.1:0 --no-cache "$tmp/tables10x10m.wasm"
refuse "$msg" "$kiln" serve --listen 127.0.0.1:0 --timeout 0 "$tmp/t10.kwasm"
refuse "limit of 1000 per instance \(max_table_elements\)" \
  "$kiln" serve --listen 127.0.0.1:0 --no-cache --max-table-elements 1000 "$tmp/tables100.wasm"

# table.grow past the cap returns -1; the flag moves the cap.
"$kiln" compile "$tmp/grow.wasm" -o "$tmp/grow.kwasm" || fail "kiln compile grow.wasm"
expect() { # WANT CMD...
  local want=$1 got; shift
  got=$("$@" 2> "$tmp/err")
  [ "$got" = "$want" ] || { fail "$*: got '$got', want '$want'"; cat "$tmp/err"; }
}
expect 0 "$kiln" run --no-cache --invoke grow "$tmp/grow.wasm" 5000000
expect -1 "$kiln" run --no-cache --invoke grow "$tmp/grow.wasm" 5000001
expect 0 "$kiln" run --no-cache --max-table-elements 20000000 --invoke grow "$tmp/grow.wasm" 5000001
expect -1 "$kilnrun" --invoke grow "$tmp/grow.kwasm" 5000001
expect 0 "$kilnrun" --max-table-elements 20000000 --invoke grow "$tmp/grow.kwasm" 5000001
expect -1 "$kilnrun" --max-table-elements 6000000 --invoke grow "$tmp/grow.kwasm" 1000001
for bad in 0 -1 4294967296 12x; do
  "$kiln" run --max-table-elements "$bad" --invoke grow "$tmp/grow.wasm" 1 > /dev/null 2>&1
  rc=$?
  [ $rc = 2 ] || fail "--max-table-elements $bad: exit $rc, want 2"
  "$kiln" serve --listen 127.0.0.1:0 --max-table-elements "$bad" "$tmp/grow.wasm" 2> /dev/null
  rc=$?
  [ $rc = 2 ] || fail "serve --max-table-elements $bad: exit $rc, want 2"
done

# Item 5: 5,000 blocks (in a row, nested) and 25,000 locals compile in
# linear time.
run 0 30 "$kiln" run --no-cache "$tmp/blocks.wasm"
run 0 30 "$kiln" run --no-cache "$tmp/nested.wasm"
run 0 30 "$kiln" compile "$tmp/blocks.wasm" -o "$tmp/blocks.kwasm"
run 0 10 "$kilnrun" "$tmp/blocks.kwasm"

# Tiering: 3,000 loops in one function of 900 locals, each loop an
# on-stack-replacement point whose exit stores every local: tier-up at
# once (threshold 1, compiled on the calling thread) stays bounded (the
# OSR points stop at 65,536 stores: uncapped this took 42 s and 4 GB),
# and the call moves to tier 1.
KILN_TIER_UP_SYNC=1 run 0 30 "$kiln" run --no-cache --stats --tier-up-threshold=1 "$tmp/loops.wasm"
grep -q '1 tiered up, 1 on-stack entries' "$tmp/err" ||
  fail "loops: no on-stack entry: $(grep tiers "$tmp/err")"

[ $fails = 0 ] && echo "all passed"
exit $fails
