#!/usr/bin/env bash
# no_llvm.sh KILN INTERP.wasm SIMD.wasm — libkiln-compiler.so loads libLLVM
# only when something needs it: with KILN_LIBLLVM naming no library,
# `kiln run` (the interpreter first, its default) and `--tier=interp` still
# run a module the interpreter runs (hot functions
# stay interpreted, results the same), while what needs the compiler — a
# JIT tier, a module with functions the interpreter lacks, `kiln compile`
# — fails with a one-line error, exit 1; a run from the code cache does not
# need it.
kiln=$1 wasm=$2 simd=$3
. "$(dirname "$0")/lib.sh"
export KILN_LIBLLVM=$tmp/no-such-libLLVM.so
why="cannot load the compiler: $KILN_LIBLLVM: cannot open shared object file"

out=$("$kiln" run --no-cache --tier=interp --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] && [ ! -s "$tmp/err" ] || fail "interpreted fib 20: '$out' $(cat "$tmp/err")"
out=$(KILN_TIER_UP_SYNC=1 "$kiln" run --no-cache --tier=interp --tier-up-threshold=10 --stats \
      --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] && grep -q '^tiers: 0 functions at tier 0 .*, 0 at tier 1 .*, 0 tiered up' \
  "$tmp/err" || fail "fib 20, tier-up without the compiler: '$out' $(cat "$tmp/err")"

expect_refusal() {  # expect_refusal WHAT COMMAND...: exit 1, the one line
  "${@:2}" > /dev/null 2> "$tmp/err"
  local rc=$?
  [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "$why" "$tmp/err" ||
    fail "$1: exit $rc: $(cat "$tmp/err")"
}
expect_refusal "--tier=1" "$kiln" run --tier=1 --invoke fib "$wasm" 20
expect_refusal "--tier=tiered" "$kiln" run --no-cache --tier=tiered --invoke fib "$wasm" 20
# kiln run's default starts in the interpreter: no libLLVM needed either.
out=$("$kiln" run --no-cache --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] && [ ! -s "$tmp/err" ] || fail "the default, fib 20: '$out' $(cat "$tmp/err")"
expect_refusal "SIMD functions in --tier=interp" "$kiln" run --no-cache --tier=interp --invoke lane "$simd"
expect_refusal "kiln compile" "$kiln" compile "$wasm" -o "$tmp/out.kwasm"

# And with libLLVM where kiln was built with it: the same commands work.
unset KILN_LIBLLVM
[ "$("$kiln" run --tier=1 --invoke fib "$wasm" 20)" = 6765 ] || fail "--tier=1 with libLLVM"
[ "$("$kiln" run --no-cache --tier=interp --invoke lane "$simd")" = 2 ] || fail "SIMD module with libLLVM"

# A run from the code cache needs no compiler: the --tier=1 run above
# (with libLLVM) stored the module; without libLLVM it runs from there.
wait_cache_entry || fail "no cache entry after a default run"
export KILN_LIBLLVM=$tmp/no-such-libLLVM.so
out=$("$kiln" run --stats --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] && grep -q '^load: ' "$tmp/err" && ! grep -q "cannot load" "$tmp/err" ||
  fail "a cached run without libLLVM: '$out' $(cat "$tmp/err")"
unset KILN_LIBLLVM
finish "interpreted runs need no libLLVM; the rest says it cannot load it"
