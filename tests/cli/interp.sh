#!/usr/bin/env bash
# interp.sh KILN INTERP.wasm SIMD.wasm — `kiln run --tier=interp`: results
# and traps as the JIT's, the interpreter's line in --stats, no code cache
# entry, --timeout ending an endless loop, and a clear refusal of what it
# does not run yet (SIMD, fuel).
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

"$kiln" run --tier=interp --invoke lane "$simd" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -ne 0 ] && [ ! -s "$tmp/out" ] &&
  grep -q 'v128.const in the interpreter is not supported yet' "$tmp/err" ||
  fail "SIMD module: exit $rc: $(cat "$tmp/out" "$tmp/err")"
[ "$("$kiln" run --no-cache --invoke lane "$simd")" = 2 ] || fail "the JIT does not run lane"

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
