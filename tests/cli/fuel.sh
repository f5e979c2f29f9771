#!/usr/bin/env bash
# fuel.sh KILN KILN_RUN FUEL.wasm — `--fuel N`: a loop that needs more ends
# with "wasm trap: all fuel consumed" and exit 1, one that needs less
# returns; `--stats` reports the same consumption under the JIT and from an
# artifact made with --fuel-metering; an artifact without metering and bad
# counts are refused.
kiln=$1 kilnrun=$2 wasm=$3
. "$(dirname "$0")/lib.sh"

out=$("$kiln" run --no-cache --fuel 1000000 --stats --invoke count "$wasm" 1000 2> "$tmp/err")
[ "$out" = 1000 ] || fail "count 1000 with fuel: '$out'"
jit=$(grep '^fuel:' "$tmp/err")
echo "JIT: $jit"
"$kiln" compile --fuel-metering "$wasm" -o "$tmp/f.kwasm" || exit 1
"$kiln" inspect "$tmp/f.kwasm" | grep -q 'fuel metering' || fail "kiln inspect does not show it"
out=$("$kilnrun" --fuel 1000000 --stats --invoke count "$tmp/f.kwasm" 1000 2> "$tmp/err")
aot=$(grep '^fuel:' "$tmp/err")
echo "AOT: $aot"
[ "$out" = 1000 ] && [ -n "$jit" ] && [ "$jit" = "$aot" ] || fail "AOT '$out' '$aot' vs JIT '$jit'"
for cmd in "$kiln run --no-cache --fuel 100000 --invoke spin $wasm" \
           "$kilnrun --fuel 100000 --invoke spin $tmp/f.kwasm" \
           "$kiln run --fuel 500 --invoke count $wasm 1000"; do
  timeout 60 $cmd > /dev/null 2> "$tmp/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q '^error: wasm trap: all fuel consumed$' "$tmp/err" ||
    fail "$cmd: exit $rc: $(cat "$tmp/err")"
done
"$kiln" compile "$wasm" -o "$tmp/plain.kwasm" || exit 1
"$kilnrun" --fuel 10 --invoke count "$tmp/plain.kwasm" 1 > /dev/null 2> "$tmp/err" &&
  fail "an artifact without metering ran under --fuel"
grep -q 'fuel-metering' "$tmp/err" || fail "no hint: $(cat "$tmp/err")"
for bad in 0 -5 x 9223372036854775808 1e6; do
  "$kiln" run --fuel "$bad" --invoke count "$wasm" 1 > /dev/null 2>&1
  [ $? -eq 2 ] || fail "--fuel $bad not refused with exit 2"
done
finish "--fuel: all checks passed"
