#!/usr/bin/env bash
# interp.sh KILN INTERP.wasm SIMD.wasm — `kiln run --tier=interp`: results
# and traps as the JIT's, the interpreter's line in --stats, no code cache
# entry, --timeout ending an endless loop, SIMD functions compiled among
# interpreted ones, and a clear refusal of fuel, which it does not charge yet.
kiln=$1 wasm=$2 simd=$3
. "$(dirname "$0")/lib.sh"

out=$("$kiln" run --tier=interp --stats --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] || fail "fib 20: '$out'"
grep -q '^interp: 3 functions' "$tmp/err" || fail "no interp line in --stats: $(cat "$tmp/err")"
[ "$("$kiln" run --no-cache --invoke fib "$wasm" 20)" = "$out" ] || fail "the JIT says otherwise"
compgen -G "$KILN_CACHE_DIR/*" > /dev/null && fail "--tier=interp filled the cache"

"$kiln" run --tier=interp --invoke div "$wasm" 0 > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q '^error: wasm trap: integer divide by zero$' "$tmp/err" ||
  fail "div 0: exit $rc: $(cat "$tmp/err")"

# SIMD functions compiled, the others interpreted, calling each other.
"$kiln" run --tier=interp --stats --invoke lane "$simd" > "$tmp/out" 2> "$tmp/err"
[ "$(cat "$tmp/out")" = 2 ] && grep -q '^interp: 8 functions' "$tmp/err" &&
  grep -q '^tiers: 1 functions at tier 0' "$tmp/err" ||
  fail "SIMD module: $(cat "$tmp/out" "$tmp/err")"
for t in "lanes 5=54" "div 7 2=4" "pair 5=6030" "load 16=43"; do
  want=${t#*=}
  read -r fn args <<< "${t%=*}"
  # shellcheck disable=SC2086
  got=$("$kiln" run --tier=interp --invoke "$fn" "$simd" $args 2>&1)
  # shellcheck disable=SC2086
  [ "$got" = "$want" ] && [ "$("$kiln" run --no-cache --invoke "$fn" "$simd" $args)" = "$want" ] ||
    fail "SIMD module, $fn $args: '$got', want $want"
done
# A trap in interpreted code through a compiled frame, and one in compiled
# code through an interpreted frame.
for t in "div 7 0=integer divide by zero" "load 65535=out of bounds memory access"; do
  want=${t#*=}
  read -r fn args <<< "${t%=*}"
  # shellcheck disable=SC2086
  "$kiln" run --tier=interp --invoke "$fn" "$simd" $args > "$tmp/out" 2> "$tmp/err"
  rc=$?
  [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "^error: wasm trap: $want\$" "$tmp/err" ||
    fail "SIMD module, $fn $args: exit $rc: $(cat "$tmp/out" "$tmp/err")"
done

"$kiln" run --tier=interp --fuel 1000 --invoke fib "$wasm" 5 > /dev/null 2> "$tmp/err" &&
  fail "--fuel ran in the interpreter"
grep -q 'fuel in the interpreter is not supported yet' "$tmp/err" ||
  fail "--fuel: $(cat "$tmp/err")"

timeout 60 "$kiln" run --tier=interp --timeout 200ms --invoke spin "$wasm" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q '^error: wasm trap: interrupted$' "$tmp/err" ||
  fail "--timeout over an endless loop: exit $rc: $(cat "$tmp/err")"

"$kiln" run --tier=bogus --invoke fib "$wasm" 5 > /dev/null 2>&1
[ $? -eq 2 ] || fail "--tier=bogus not refused with exit 2"
finish "--tier=interp: all checks passed"
