#!/usr/bin/env bash
# interp.sh KILN INTERP.wasm SIMD.wasm OSR.wasm WAT2WASM [DEPTH] — `kiln run
# --tier=interp`: results and traps as the JIT's, the interpreter's line in
# --stats, the code cache (filled on a miss, a hit run from it), recursion as deep as DEPTH, --timeout ending
# an endless loop, SIMD functions compiled among interpreted ones, hot
# functions tiered up to compiled code (tier 0 first when called often,
# tier 1 when looping) with the same results, loops of a call moving to
# tier 1 (on-stack replacement), or to tier 0 first while tier 1 is on its
# way, and a clear refusal of fuel, which it does not charge yet.
kiln=$1 wasm=$2 simd=$3 osr=$4 wat2wasm=$5 depth=${6:-4000}
. "$(dirname "$0")/lib.sh"

out=$("$kiln" run --no-cache --tier=interp --stats --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] || fail "fib 20: '$out'"
grep -q '^interp: 7 functions' "$tmp/err" || fail "no interp line in --stats: $(cat "$tmp/err")"
[ "$("$kiln" run --no-cache --invoke fib "$wasm" 20)" = "$out" ] || fail "the JIT says otherwise"
compgen -G "$KILN_CACHE_DIR/*" > /dev/null && fail "--no-cache filled the cache"

# The code cache as with every tiering: a miss runs interpreted and is
# stored by a background process, the next run is a hit (no interpreter).
out=$("$kiln" run --tier=interp --stats --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] && grep -q '^interp: 7 functions' "$tmp/err" &&
  grep -q '^cache: fill handed to background' "$tmp/err" ||
  fail "fib 20, a cache miss: '$out' $(cat "$tmp/err")"
wait_cache_entry || fail "--tier=interp: no cache entry after a miss"
out=$("$kiln" run --tier=interp --stats --invoke fib "$wasm" 20 2> "$tmp/err")
[ "$out" = 6765 ] && grep -q '^load: ' "$tmp/err" && ! grep -q '^interp: ' "$tmp/err" &&
  ! grep -q '^cache: ' "$tmp/err" || fail "fib 20, a cache hit: '$out' $(cat "$tmp/err")"

"$kiln" run --no-cache --tier=interp --invoke div "$wasm" 0 > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q '^error: wasm trap: integer divide by zero$' "$tmp/err" ||
  fail "div 0: exit $rc: $(cat "$tmp/err")"

# Recursion, interpreted throughout (no tier-up): a call takes one C frame
# on the native stack and its slots on the value stack, each bounded by
# the stack budget (1 MiB by default).  `deep` (4 slots) runs out of native
# stack first: DEPTH calls fit, 4,000 (about 5,900 do in a RelWithDebInfo
# build; 3,300 did with three C frames and the slots on the native stack),
# 2,000 under ASan, whose redzones take it to about 2,800.  `wide` (105
# slots) runs out of value stack first, whatever the build: 1,200 calls fit
# (1,259 do; 1,053 did with the slots on the native stack).  Far deeper is
# "call stack exhausted", cleanly, and a larger budget holds more.
deep() {  # deep FUNC DEPTH [FLAGS...]: kiln run's output and exit status
  local fn=$1 n=$2
  shift 2
  "$kiln" run --no-cache --tier=interp --tier-up-threshold=2000000000 "$@" --invoke "$fn" "$wasm" "$n" \
    2> "$tmp/err"
  echo "exit $?"
}
for t in "deep $depth" "wide 1200" "deep 100000 --max-stack 64MiB" "wide 50000 --max-stack 64MiB"; do
  read -r fn n flags <<< "$t"
  # shellcheck disable=SC2086
  [ "$(deep "$fn" "$n" $flags)" = "$n
exit 0" ] || fail "$fn, $n deep${flags:+ $flags}: $(cat "$tmp/err")"
done
for fn in deep wide; do
  [ "$(deep "$fn" 1000000)" = "exit 1" ] &&
    grep -q '^error: wasm trap: call stack exhausted$' "$tmp/err" ||
    fail "$fn, 1,000,000 deep: $(cat "$tmp/err")"
done

# Tier-up: a count run out at a function's entry (fib's recursion: no
# loop) sends it to tier 0, whose own count sends it on to tier 1; one
# run out at a loop start (sumsq's loop) sends it to tier 1 at once, its
# body first, compiled on the asking thread (KILN_TIER_UP_SYNC); later
# calls, interpreted callers' too, run the new code.  sumsq's loop moves
# to its OSR entry at its next count run out (on-stack replacement,
# below), with sq's body inlined; by then sq's own count (one a call) has
# run out: sq goes to tier 0.  fib 10 makes 177 calls: with a threshold
# of 100 it reaches tier 0 but not tier 1.
tiers() {  # tiers THRESHOLD FUNC ARG: the result, then the tiers line
  KILN_TIER_UP_SYNC=1 "$kiln" run --no-cache --tier=interp --tier-up-threshold="$1" --stats \
    --invoke "$2" "$wasm" "$3" 2> "$tmp/err"
  grep '^tiers:' "$tmp/err"
}
for t in "10 fib 20=6765 1 1" "100 fib 10=55 1 0" "100 sumsq 1000=332833500 1 1" \
         "100000 fib 10=55 0 0"; do
  read -r want t0 t1 <<< "${t#*=}"
  read -r th fn arg <<< "${t%=*}"
  out=$(tiers "$th" "$fn" "$arg")
  [ "$(head -n 1 <<< "$out")" = "$want" ] &&
    grep -q "^tiers: $t0 functions at tier 0 .*, $t1 at tier 1 .*, $t1 tiered up" <<< "$out" ||
    fail "tier-up, threshold $th, $fn $arg: '$out', want $want, $t0 at tier 0, $t1 tiered up"
  [ "$("$kiln" run --no-cache --invoke "$fn" "$wasm" "$arg")" = "$want" ] ||
    fail "the JIT says otherwise: $fn $arg"
done
# On the background threads, as by default: the same result.
[ "$("$kiln" run --no-cache --tier=interp --tier-up-threshold=50 --invoke fib "$wasm" 25)" = 75025 ] ||
  fail "background tier-up: fib 25"

# On-stack replacement: a loop of a function called once moves to tier 1
# at its start (one on-stack entry), carrying each kind of local, and
# returns the results through registers, x87 and memory as the JIT's; a
# loop with a parameter or over a non-empty stack stays interpreted.
osr() {  # osr FUNC: the results, then the tiers line
  KILN_TIER_UP_SYNC=1 "$kiln" run --no-cache --tier=interp --tier-up-threshold=10 --stats \
    --invoke "$1" "$osr" 1000 2> "$tmp/err"
  grep '^tiers:' "$tmp/err"
}
for t in "mix 1" "floats 1" "ints 1" "numbered 1" "param_loop 0" "stack_loop 0"; do
  read -r fn n <<< "$t"
  want=$("$kiln" run --no-cache --invoke "$fn" "$osr" 1000)
  out=$(osr "$fn")
  [ "$(head -n -1 <<< "$out")" = "$want" ] &&
    grep -q "^tiers: .* 1 tiered up, $n on-stack entries (0 to tier 0)\$" <<< "$out" ||
    fail "OSR, $fn: '$out', want '$want' and $n on-stack entries"
done
# A trap in the loop after the move: the message, and the backtrace names
# the function (its tier-1 frame) once, as compiled code's would.
KILN_TIER_UP_SYNC=1 "$kiln" run --no-cache --tier=interp --tier-up-threshold=10 --stats \
  --invoke trap "$osr" 1000 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q '^error: wasm trap: integer divide by zero$' "$tmp/err" &&
  [ "$(grep -c '^ *[0-9]*: ' "$tmp/err")" = 1 ] && grep -q '^ *0: trap (function 4) at 0x[0-9a-f]*$' "$tmp/err" &&
  grep -q ' 1 on-stack entries (0 to tier 0)$' "$tmp/err" ||
  fail "OSR, a trap after the move: exit $rc: $(cat "$tmp/out" "$tmp/err")"
# Only the loops lowered into the OSR entry move: with 1,000 locals the
# OSR points stop at 65 (LOWER_OSR_STORES), so loop 70, where the count
# runs out (1 at entry, 70 one-pass loops, 9 iterations), stays
# interpreted although the translator numbers it and tier 1 has an OSR
# entry.
{
  echo '(module (func (export "many") (param i32) (result i32) (local'
  printf ' i32%.0s' $(seq 999)
  echo ')'
  printf ' (loop (nop))%.0s' $(seq 70)
  echo ' (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))'
  echo '   (br_if $l (i32.lt_u (local.get 1) (local.get 0))))'
  echo ' (local.get 1)))'
} > "$tmp/many.wat"
"$wat2wasm" "$tmp/many.wat" -o "$tmp/many.wasm" || fail "wat2wasm many.wat"
out=$(KILN_TIER_UP_SYNC=1 "$kiln" run --no-cache --tier=interp --tier-up-threshold=80 --stats \
  --invoke many "$tmp/many.wasm" 1000 2> "$tmp/err")
[ "$out" = 1000 ] && grep -q "^tiers: .* 1 tiered up, 0 on-stack entries (0 to tier 0)\$" "$tmp/err" ||
  fail "OSR past the points lowered: $out $(cat "$tmp/err")"
# Nor into tier 0's OSR entry p<i> (below), whose points stop there too.
out=$(KILN_TIER_UP_SYNC=2 "$kiln" run --no-cache --tier=interp --tier-up-threshold=80 --stats \
  --invoke many "$tmp/many.wasm" 1000 2> "$tmp/err")
[ "$out" = 1000 ] && grep -q "^tiers: .* 0 on-stack entries (0 to tier 0)\$" "$tmp/err" ||
  fail "OSR into p<i> past the points lowered: $out $(cat "$tmp/err")"
# While tier 1 is on its way, a loop whose count runs out a second time
# moves to tier 0's OSR entry p<i> (compiled on the asking thread, with
# tier 0 of the function), whose own counts move it on to q<i> once tier
# 1 is there.  KILN_TIER_UP_SYNC=2 makes that order certain: the
# interpreter's request only marks the function for tier 1, compiled
# code's (p<i>'s) compiles it then and there.  With a threshold of 10 the
# frame goes interpreter, p<i> (after 20 iterations), q<i> (after 30):
# two on-stack entries, one to tier 0; with 400, p<i> runs to the end.
osr0() {  # osr0 FUNC THRESHOLD: the results, then the tiers line
  KILN_TIER_UP_SYNC=2 "$kiln" run --no-cache --tier=interp --tier-up-threshold="$2" --stats \
    --invoke "$1" "$osr" 1000 2> "$tmp/err"
  grep '^tiers:' "$tmp/err"
}
for t in "mix 10 2" "mix 400 1" "floats 10 2" "ints 10 2" "ints 400 1" "numbered 10 2" \
         "param_loop 10 0" "stack_loop 10 0"; do
  read -r fn th n <<< "$t"
  want=$("$kiln" run --no-cache --invoke "$fn" "$osr" 1000)
  out=$(osr0 "$fn" "$th")
  [ "$(head -n -1 <<< "$out")" = "$want" ] &&
    grep -q "^tiers: .* $n on-stack entries ($((n > 0)) to tier 0)\$" <<< "$out" ||
    fail "OSR through p<i>, $fn, threshold $th: '$out', want '$want' and $n on-stack entries"
done
# A trap in p<i> (threshold 400: moved after 800 iterations, the trap at
# 1,000) and in q<i> after p<i> (threshold 10): the backtrace is the
# interpreter's, naming the function once (p<i>'s frame is its, and below
# q<i> it is glue), under an interpreted caller too.
for fn in trap trap_under; do
  "$kiln" run --no-cache --tier=interp --tier-up-threshold=2000000000 --invoke "$fn" "$osr" 1000 \
    2> "$tmp/err"
  want=$(grep -E '^(wasm backtrace:| +[0-9]+: )' "$tmp/err")
  grep -q '^ *0: trap (function 4) at 0x[0-9a-f]*$' <<< "$want" || fail "interpreted backtrace of $fn: '$want'"
  for t in "400 1" "10 2"; do
    read -r th n <<< "$t"
    KILN_TIER_UP_SYNC=2 "$kiln" run --no-cache --tier=interp --tier-up-threshold="$th" --stats \
      --invoke "$fn" "$osr" 1000 > "$tmp/out" 2> "$tmp/err"
    rc=$?
    got=$(grep -E '^(wasm backtrace:| +[0-9]+: )' "$tmp/err")
    [ $rc -eq 1 ] && grep -q '^error: wasm trap: integer divide by zero$' "$tmp/err" &&
      [ "$got" = "$want" ] && grep -q " $n on-stack entries (1 to tier 0)\$" "$tmp/err" ||
      fail "OSR through p<i>, a trap in $fn, threshold $th: exit $rc: got '$got', want '$want':" \
        "$(cat "$tmp/out" "$tmp/err")"
  done
done
# On the background threads, as by default: the same results.
[ "$("$kiln" run --no-cache --tier=interp --tier-up-threshold=10 --invoke mix "$osr" 3000000)" = \
  "$("$kiln" run --no-cache --invoke mix "$osr" 3000000)" ] || fail "background OSR: mix"

# SIMD functions compiled, the others interpreted, calling each other.
"$kiln" run --no-cache --tier=interp --stats --invoke lane "$simd" > "$tmp/out" 2> "$tmp/err"
[ "$(cat "$tmp/out")" = 2 ] && grep -q '^interp: 11 functions' "$tmp/err" &&
  grep -q '^tiers: 1 functions at tier 0' "$tmp/err" ||
  fail "SIMD module: $(cat "$tmp/out" "$tmp/err")"
for t in "lanes 5=54" "div 7 2=4" "pair 5=6030" "load 16=43"; do
  want=${t#*=}
  read -r fn args <<< "${t%=*}"
  # shellcheck disable=SC2086
  got=$("$kiln" run --no-cache --tier=interp --invoke "$fn" "$simd" $args 2>&1)
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
  "$kiln" run --no-cache --tier=interp --invoke "$fn" "$simd" $args > "$tmp/out" 2> "$tmp/err"
  rc=$?
  [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "^error: wasm trap: $want\$" "$tmp/err" ||
    fail "SIMD module, $fn $args: exit $rc: $(cat "$tmp/out" "$tmp/err")"
done
# Backtraces name interpreted frames as compiled ones, in order among them:
# a trap five frames deep (interpreted, compiled, interpreted), and the two
# above; the JIT at tier 0 prints the same, every time (it once named a
# frame after another function when a background thread's speculation had
# linked the body and not yet marked it compiled: about one run in four).
# Each frame at its instruction's offset (wasm-objdump -d): the trapping
# i32.div_s or v128.load, then the calls.
for t in "deep 7 0=div (function 1) at 0x93|div2 (function 12) at 0x140|simd_div2 (function 13) at 0x14c|mid (function 14) at 0x15a|function 15 at 0x166" \
         "div 7 0=div (function 1) at 0x93|simd_div (function 4) at 0xca|function 9 at 0x11a" \
         "load 65535=simd_load (function 6) at 0xf6|function 11 at 0x134"; do
  read -r fn args <<< "${t%=*}"
  want=$(tr '|' '\n' <<< "${t#*=}" | awk '{ printf "  %2u: %s\n", NR - 1, $0 }')
  # shellcheck disable=SC2086
  "$kiln" run --no-cache --tier=interp --invoke "$fn" "$simd" $args 2> "$tmp/err"
  got=$(sed -n '/^wasm backtrace:$/,$p' "$tmp/err" | tail -n +2)
  [ "$got" = "$want" ] || fail "backtrace of $fn $args: '$got', want '$want'"
  for run in 1 2 3 4 5 6 7 8 9 10 11 12; do
    # shellcheck disable=SC2086
    "$kiln" run --no-cache --tier=0 --invoke "$fn" "$simd" $args 2> "$tmp/err"
    got=$(sed -n '/^wasm backtrace:$/,$p' "$tmp/err" | tail -n +2)
    [ "$got" = "$want" ] || fail "JIT tier 0, run $run, backtrace of $fn $args: '$got', want '$want'"
  done
done

"$kiln" run --no-cache --tier=interp --fuel 1000 --invoke fib "$wasm" 5 > /dev/null 2> "$tmp/err" &&
  fail "--fuel ran in the interpreter"
grep -q 'fuel in the interpreter is not supported yet' "$tmp/err" ||
  fail "--fuel: $(cat "$tmp/err")"

timeout 60 "$kiln" run --no-cache --tier=interp --timeout 200ms --invoke spin "$wasm" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q '^error: wasm trap: interrupted$' "$tmp/err" ||
  fail "--timeout over an endless loop: exit $rc: $(cat "$tmp/err")"

"$kiln" run --tier=bogus --invoke fib "$wasm" 5 > /dev/null 2>&1
[ $? -eq 2 ] || fail "--tier=bogus not refused with exit 2"
finish "--tier=interp: all checks passed"
