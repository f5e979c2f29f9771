#!/usr/bin/env bash
# features.sh KILN ATOMICS_WASM ATOMICS_UNSHARED_WASM DIR (built .wasm of tests/cli) KILN_RUN — the proposals a module uses: `kiln
# inspect` names them (module and artifact), --disable-FEATURE makes run,
# compile and serve refuse a module using one (an artifact too, as a cache
# hit would be), and an unknown feature name is a usage error.
set -u
kiln=$1 threads=$2 unshared=$3 wasm=$4 kiln_run=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache KILN_CACHE_WAIT=1	# a cache of its own
fails=0 checks=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC PATTERN ARGS...: kiln exits RC (0 or non-zero "x") with
# PATTERN in its stdout and stderr.
expect() {
  local want=$1 pattern=$2; shift 2
  checks=$((checks + 1))
  "$kiln" "$@" > "$tmp/out" 2>&1
  local rc=$?
  if { [ "$want" = 0 ] && [ $rc -ne 0 ]; } || { [ "$want" = x ] && [ $rc -eq 0 ]; } ||
     [ $rc -ge 128 ]; then
    fail "kiln $*: exit $rc"; cat "$tmp/out"; return
  fi
  grep -qE -- "$pattern" "$tmp/out" || { fail "kiln $*: no /$pattern/"; cat "$tmp/out"; }
}

# (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
printf '\0asm\1\0\0\0\1\6\1\x60\1\x7f\1\x7f\3\2\1\0\7\7\1\3inc\0\0\x0a\x09\1\7\0\x20\0\x41\1\x6a\x0b' > "$tmp/inc.wasm"

expect 0 '^Proposals: none$' inspect "$tmp/inc.wasm"
expect 0 '^Proposals: threads$' inspect "$threads"
refused='the module uses threads, which is disabled in this engine'
expect x "$refused" run --tier=tiered --disable-threads --invoke word "$threads"
expect x "$refused" compile --disable-threads "$threads" -o "$tmp/t.kwasm"
expect 0 '^42$' run --disable-threads --invoke inc "$tmp/inc.wasm" 41
"$kiln" compile "$threads" -o "$tmp/t.kwasm" || fail "compile $threads"
expect 0 '^proposals: threads$' inspect "$tmp/t.kwasm"
expect x "$refused" run --disable-threads --invoke word "$tmp/t.kwasm"
checks=$((checks + 1))	# kiln-run (no compiler) refuses alike
"$kiln_run" --disable-threads --invoke word "$tmp/t.kwasm" > "$tmp/out" 2>&1 &&
  fail "kiln-run --disable-threads ran"
grep -q "$refused" "$tmp/out" || { fail "kiln-run --disable-threads: no refusal"; cat "$tmp/out"; }
expect x "$refused" serve --disable-threads --listen 127.0.0.1:0 "$unshared"
expect x 'no such feature' run --disable-nosuch "$tmp/inc.wasm"
expect x 'no such feature' compile --disable-nosuch "$tmp/inc.wasm" -o "$tmp/x.kwasm"

# Extended constants: globals, data and element offsets, in each mode.
ec=$wasm/extended_const.wasm
expect 0 '^Proposals: extended-const$' inspect "$ec"
"$kiln" compile "$ec" -o "$tmp/ec.kwasm" || fail "compile $ec"
expect 0 '^proposals: extended-const$' inspect "$tmp/ec.kwasm"
for mode in --tier=tiered --tier=interp --tier=0 aot; do
  m=$ec args=$mode
  [ $mode = aot ] && m=$tmp/ec.kwasm args=
  expect 0 '^40$' run $args --invoke g "$m"
  expect 0 '^-2147483647$' run $args --invoke wrap "$m"
  expect 0 '^12884901888$' run $args --invoke big "$m"
  expect 0 '^42$' run $args --invoke data "$m"
  expect 0 '^40$' run $args --invoke elem "$m"
done
expect x 'the module uses extended-const, which is disabled in this engine' \
  run --disable-extended-const --invoke g "$ec"
expect x 'uses extended-const, which is disabled' run --disable-extended-const --invoke g "$tmp/ec.kwasm"

# Tail calls: 10,000,000 mutual return_calls and return_call_indirects
# in constant stack (1 MiB of wasm stack would hold some 20,000 frames),
# mixed signatures, into the host, a trap, ordinary recursion exhausting
# the stack: under the JIT's tiers, the interpreter's default (`kiln run`,
# tier 0 code for functions with tail calls) and an artifact.
tc=$wasm/tail_call.wasm
expect 0 '^Proposals: tail-call$' inspect "$tc"
"$kiln" compile "$tc" -o "$tmp/tc.kwasm" || fail "compile $tc"
expect 0 '^proposals: tail-call$' inspect "$tmp/tc.kwasm"
for mode in default --tier=tiered --tier=0 --tier=1 aot; do
  m=$tc args=$mode
  [ $mode = default ] && args=
  [ $mode = aot ] && m=$tmp/tc.kwasm args=
  expect 0 '^1$' run $args --invoke even "$m" 10000000
  expect 0 '^200$' run $args --invoke ping "$m" 10000001
  expect 0 '^5500000$' run $args --invoke mix "$m" 1000000
  expect 0 '^0$' run $args --invoke host "$m"
  expect 0 '^0$' run $args --invoke host_indirect "$m"
  expect 0 '^79$' run $args --invoke seven "$m" 58
  expect 0 '^79$' run $args --invoke seven_indirect "$m" 58
  expect 0 '^42$' run $args --invoke pair "$m" 21
  expect x 'wasm trap: unreachable' run $args --invoke trap "$m"
  expect x 'call stack exhausted' run $args --invoke deep "$m" 0
done
expect x 'wasm trap: interrupted' run --timeout 300ms --invoke spin "$tc" 0
expect x 'wasm trap: all fuel consumed' run --fuel 1000000 --invoke spin "$tc" 0
# Where nothing inlines them away (no cache hit: artifacts are tier 1),
# the tail-called function is the frame
# (the caller's frames are gone: it took their place).
expect x '0: trap_here \(function 12\)' run --no-cache --tier=0 --invoke trap "$tc"
expect x '0: trap_here \(function 12\)' run --no-cache --invoke trap "$tc"
if [ -f "$wasm/tail_call_c.wasm" ]; then
  expect 0 '^Proposals: tail-call$' inspect "$wasm/tail_call_c.wasm"
  for args in "" --tier=tiered; do
    expect 0 '^10000000 is even$' run $args "$wasm/tail_call_c.wasm"
    expect 0 '^10000001 is odd$' run $args "$wasm/tail_call_c.wasm" 10000001
  done
fi
expect x 'the module uses tail-call, which is disabled in this engine' \
  run --disable-tail-call --invoke host "$tc"

# memory64 (default): (memory i64 1) (func (export "get") (param i64)
# (result i32) (i32.load8_u (local.get 0))) — the last byte, one past it
# and an address past 2^32 under the interpreter's default (the function
# is left to tier 0), the JIT and an artifact; --disable-memory64 refuses.
m64=$tmp/m64.wasm
printf '\0asm\1\0\0\0\1\6\1\x60\1\x7e\1\x7f\3\2\1\0\5\3\1\4\1\7\7\1\3get\0\0\x0a\x09\1\7\0\x20\0\x2d\0\0\x0b' > "$m64"
expect 0 '^Proposals: memory64$' inspect "$m64"
"$kiln" compile "$m64" -o "$tmp/m64.kwasm" || fail "compile m64"
expect 0 '^proposals: memory64$' inspect "$tmp/m64.kwasm"
for mod in "$m64" "$tmp/m64.kwasm"; do
  for args in "" --tier=tiered; do
    expect 0 '^0$' run --no-cache $args --invoke get "$mod" 65535
    expect x 'out of bounds memory access' run --no-cache $args --invoke get "$mod" 65536
    expect x 'out of bounds memory access' run --no-cache $args --invoke get "$mod" 4294967296
  done
  expect x 'the module uses memory64, which is disabled in this engine' \
    run --disable-memory64 --invoke get "$mod" 0
done

echo "cli features: $checks checks, $fails failed"
[ $fails -eq 0 ]
