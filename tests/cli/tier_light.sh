#!/usr/bin/env bash
# tier_light.sh KILN HOT.wasm — kiln run --tier-up-light-body BYTES: a
# tier-up of a function whose code entry is over BYTES goes through the
# light pipeline, one of BYTES or less through default<On> ("light
# tier-ups: N" in --stats says which), with the same results; tier 1 alone
# never does; a bad value is a usage error.  hot.wasm's hash has a code
# entry of 104 bytes and loops (its one call tiers up at a loop, on-stack)
# over sq and rot (7 bytes each), which tier up by their calls.
kiln=$1 wasm=$2
. "$(dirname "$0")/lib.sh"

want=-1947475693
# BYTES | extra options | light tier-ups: hash only, all three, none.
for c in "103||1" "104||0" "1||3" "4294967295||0" "1|--tier=1|0"; do
  IFS='|' read -r bytes opts n <<< "$c"
  # shellcheck disable=SC2086
  out=$(KILN_TIER_UP_SYNC=1 "$kiln" run --no-cache --stats --tier-up-threshold=10 $opts \
          --tier-up-light-body="$bytes" --invoke hash "$wasm" 100000 2> "$tmp/err")
  light=$(sed -n 's/^light tier-ups: //p' "$tmp/err")
  echo "--tier-up-light-body=$bytes $opts: '$out', $light light tier-ups"
  [ "$out" = "$want" ] && [ "$light" = "$n" ] ||
    fail "--tier-up-light-body=$bytes $opts: '$out' (want $want), '$light' light tier-ups (want $n)"
done
# By default (4096 bytes) none of these small functions is light.
KILN_TIER_UP_SYNC=1 "$kiln" run --no-cache --stats --tier-up-threshold=10 --invoke hash "$wasm" \
  100000 > /dev/null 2> "$tmp/err"
grep -qx 'light tier-ups: 0' "$tmp/err" || fail "the default: $(grep light "$tmp/err")"

for bad in 0 -1 4294967296 x; do
  "$kiln" run --tier-up-light-body="$bad" --invoke hash "$wasm" 1 > /dev/null 2> "$tmp/err"
  rc=$?
  [ $rc = 2 ] && grep -q "bad --tier-up-light-body '$bad'" "$tmp/err" ||
    fail "--tier-up-light-body=$bad: exit $rc, $(head -1 "$tmp/err")"
done
finish "light tier-ups where a function is over --tier-up-light-body, with the same results"
