#!/usr/bin/env bash
# cache.sh KILN WASM — the code cache: a miss stores an artifact (in the
# background, so the test waits for it, at most 120 s; --cache-wait and
# KILN_CACHE_WAIT=1 before returning), a hit compiles nothing, a corrupt
# entry is reported, removed and replaced, --no-cache stays away, --aot
# stores before running, the size limit evicts, and `kiln cache` shows and
# cleans it.
set -u
kiln=$1 wasm=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache
fails=0
check() { if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fails=$((fails + 1)); else echo "ok: $1"; fi; }
entries() { "$kiln" cache stats | sed -n 's/.*: \([0-9]*\) entries.*/\1/p'; }
# wait_entries N: true once the cache holds N entries, false after 120 s.
wait_entries() {
  for _ in $(seq 1200); do [ "$(entries)" = "$1" ] && return 0; sleep 0.1; done
  return 1
}

"$kiln" run --no-cache "$wasm" > /dev/null; [ "$(entries)" = 0 ]; check "--no-cache stores nothing" $?
"$kiln" run "$wasm" > "$tmp/1.out"; wait_entries 1; check "a miss stores an artifact" $?
"$kiln" run --stats "$wasm" > "$tmp/2.out" 2> "$tmp/2.err"
grep -q '(0 functions)' "$tmp/2.err"; check "a hit compiles nothing" $?
cmp -s "$tmp/1.out" "$tmp/2.out"; check "a hit runs the same" $?
entry=$(ls "$KILN_CACHE_DIR"/*.kwasm)
head -c 300 "$entry" > "$tmp/cut" && cp "$tmp/cut" "$entry"
"$kiln" run "$wasm" > "$tmp/3.out" 2> "$tmp/3.err"
cmp -s "$tmp/1.out" "$tmp/3.out" && [ "$(grep -c 'is unusable' "$tmp/3.err")" = 1 ]
check "a truncated entry is reported once, removed and recompiled" $?
wait_entries 1 && "$kiln" run --stats "$wasm" > /dev/null 2> "$tmp/4.err"; grep -q '(0 functions)' "$tmp/4.err"
check "and replaced by a good one" $?
[ "$("$kiln" cache dir)" = "$KILN_CACHE_DIR" ]; check "kiln cache dir" $?
"$kiln" cache clean > /dev/null; [ "$(entries)" = 0 ]; check "kiln cache clean" $?
"$kiln" run --aot --stats "$wasm" > "$tmp/5.out" 2> "$tmp/5.err"
grep -q '(0 functions)' "$tmp/5.err" && [ "$(entries)" = 1 ] && cmp -s "$tmp/1.out" "$tmp/5.out"
check "--aot stores first and runs the artifact" $?
KILN_CACHE_MAX_MB=0 "$kiln" run --no-cache "$wasm" > /dev/null
"$kiln" cache clean > /dev/null
KILN_CACHE_MAX_MB=0 "$kiln" run --cache-wait "$wasm" > /dev/null; [ "$(entries)" = 0 ]
check "the size limit evicts" $?
"$kiln" run --cache-wait --stats "$wasm" > /dev/null 2> "$tmp/6.err"
[ "$(entries)" = 1 ] && grep -q '^cache: filled by process [0-9]* in ' "$tmp/6.err"
check "--cache-wait stores before returning" $?
"$kiln" cache clean > /dev/null
KILN_CACHE_WAIT=1 "$kiln" run "$wasm" > /dev/null; [ "$(entries)" = 1 ]
check "and so does KILN_CACHE_WAIT=1" $?
echo "$fails failed"
[ $fails -eq 0 ]
