#!/usr/bin/env bash
# tier_split.sh KILN HOT.wasm WAT2WASM — tier 1 compiles a function's body
# o<i> and its OSR entry q<i> each when something asks for it ("tier-ups
# compiled: N bodies, M OSR entries" in --stats), the body first: a count
# run out at a function's entry, or at a loop, compiles its body alone;
# its OSR entry follows only if a frame still loops in tier 0 once the
# body is there, or at once for a frame that moved into tier 0's OSR entry
# p<i> (an interpreted loop that kept running: its body is never compiled).
# The results stay those of tier 0, tier 1 and the interpreter alone.
kiln=$1 hot=$2 wat2wasm=$3
. "$(dirname "$0")/lib.sh"

# inner loops ARG times; outer calls inner(10) ARG times, once.
cat > "$tmp/split.wat" <<'WAT'
(module
  (func $inner (export "inner") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "outer") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (call $inner (i32.const 10))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 2)))
WAT
"$wat2wasm" "$tmp/split.wat" -o "$tmp/split.wasm" || fail "wat2wasm split.wat"

# KILN_TIER_UP_SYNC | --tier | WASM | FUNC ARG | threshold | result |
# bodies, OSR entries.
# fib: recursion, no loop: its body.  hash: one call looping over sq and
# rot: hash's body, then (its frame still loops) its OSR entry; their
# bodies.  inner alone: the same.  outer: the same for outer; inner, 10
# iterations a call, goes to its body and never needs an OSR entry.  inner
# interpreted (KILN_TIER_UP_SYNC=2: tier 1 waits until compiled code asks)
# moves to p<i>, which asks for the OSR entry alone.
for c in "1|tiered|$hot|fib 20|10|6765|1 bodies, 0 OSR entries" \
         "1|tiered|$hot|hash 100000|10|-1947475693|3 bodies, 1 OSR entries" \
         "1|tiered|$tmp/split.wasm|inner 1000|50|1000|1 bodies, 1 OSR entries" \
         "1|tiered|$tmp/split.wasm|outer 1000|50|10000|2 bodies, 1 OSR entries" \
         "2|interp|$tmp/split.wasm|inner 1000|50|1000|0 bodies, 1 OSR entries"; do
  IFS='|' read -r sync tier wasm call th want n <<< "$c"
  read -r fn arg <<< "$call"
  out=$(KILN_TIER_UP_SYNC=$sync "$kiln" run --no-cache --tier="$tier" --stats \
          --tier-up-threshold="$th" --invoke "$fn" "$wasm" "$arg" 2> "$tmp/err")
  got=$(sed -n 's/^tier-ups compiled: //p' "$tmp/err")
  echo "$fn $arg, --tier=$tier, threshold $th: $out, $got"
  [ "$out" = "$want" ] && [ "$got" = "$n" ] ||
    fail "$fn $arg, --tier=$tier, threshold $th: '$out', '$got', want $want and $n"
  for t in 0 1 interp; do
    [ "$("$kiln" run --no-cache --tier=$t --invoke "$fn" "$wasm" "$arg")" = "$want" ] ||
      fail "$fn $arg: --tier=$t says otherwise"
  done
done
finish "tier 1's bodies and OSR entries compiled each when asked for"
