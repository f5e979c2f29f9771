#!/usr/bin/env bash
# atomics.sh KILN ATOMICS.wasm UNSHARED.wasm — the threads proposal's
# instructions through `kiln run --invoke` (tests/threads/atomics.wat):
# every atomic load, store, read-modify-write and compare-exchange at every
# width against values worked out here, the "unaligned atomic" trap, wait's
# "not-equal" (1) and "timed-out" (2), notify with nobody waiting (0), wait
# out of bounds, and wait on an unshared memory trapping "expected shared
# memory" (notify there: 0).  Under the JIT, and the read-modify-writes
# again through an artifact (--aot) and from the interpreter tier (whose
# functions with atomics are compiled).
kiln=$1 wasm=$2 unshared=$3
. "$(dirname "$0")/lib.sh"

P=0x1111111111111111 BYTES=0x0807060504030201 V=0x4242424242424242
# check WHAT EXPECTED OPTIONS... -- ARGS: one invocation's output.
check() {
  local name=$1 want=$2 out
  shift 2
  out=$("$kiln" run --no-cache "$@" 2> "$tmp/err" | tr '\n' ' ')
  [ "$out" = "$want" ] || fail "$name ($*): got '$out', want '$want' $(head -1 "$tmp/err")"
}
mask_of() { [ "$1" = 64 ] && echo -1 || echo $(((1 << $1) - 1)); }
op() {
  case $1 in
  add) echo $(($2 + $3)) ;; sub) echo $(($2 - $3)) ;; and) echo $(($2 & $3)) ;;
  or) echo $(($2 | $3)) ;; xor) echo $(($2 ^ $3)) ;; xchg) echo $(($3)) ;;
  esac
}

# type, width suffix, bits of the access
forms="i32::32 i64::64 i32:8:8 i32:16:16 i64:8:8 i64:16:16 i64:32:32"
for f in $forms; do
  IFS=: read -r t w bits <<< "$f"
  m=$(mask_of "$bits") u=${w:+_u}
  check "$t.atomic.load$w$u" "$((BYTES & m)) " --invoke "$t.atomic.load$w$u" "$wasm"
  check "$t.atomic.store$w" "$(((P & ~m) | (V & m))) " --invoke "$t.atomic.store$w" "$wasm" $V
  for o in add sub and or xor xchg; do
    old=$((P & m)) new=$(($(op $o $((P & m)) $((V & m))) & m))
    want="$old $(((P & ~m) | new)) "
    check "$t.atomic.rmw$w.$o$u" "$want" --invoke "$t.atomic.rmw$w.$o$u" "$wasm" $V
  done
  n="$t.atomic.rmw$w.cmpxchg$u"
  check "$n (equal)" "$((P & m)) $(((P & ~m) | (V & m))) " --invoke "$n" "$wasm" $P $V
  check "$n (not equal)" "$((P & m)) $((P)) " --invoke "$n" "$wasm" 0 $V
done
check fence "$((P)) " --invoke fence "$wasm"

# The same read-modify-writes through an artifact and the interpreter tier.
for mode in --aot --tier=interp; do
  check "i64.atomic.rmw16.sub_u $mode" "$((0x1111)) $(((P & ~0xffff) | ((0x1111 - 0x4242) & 0xffff))) " \
    $mode --invoke i64.atomic.rmw16.sub_u "$wasm" $V
  check "i32.atomic.rmw.cmpxchg $mode" "$((0x11111111)) $(((P & ~0xffffffff) | 0x42424242)) " \
    $mode --invoke i32.atomic.rmw.cmpxchg "$wasm" $P $V
done

# An address that is not a multiple of the width.
for a in 1 2 3; do
  "$kiln" run --no-cache --invoke unaligned32 "$wasm" $a > /dev/null 2> "$tmp/err" &&
    fail "unaligned32 $a did not trap"
  grep -q 'unaligned atomic' "$tmp/err" || fail "unaligned32 $a: $(head -1 "$tmp/err")"
done
check "aligned rmw" "0 " --invoke unaligned32 "$wasm" 4
"$kiln" run --no-cache --invoke unaligned64 "$wasm" 4 > /dev/null 2> "$tmp/err" &&
  fail "unaligned64 4 (offset 2) did not trap"
grep -q 'unaligned atomic' "$tmp/err" || fail "unaligned64: $(head -1 "$tmp/err")"

# wait and notify on one thread.
check "wait32 not-equal" "1 " --invoke wait32 "$wasm" 0 1 -1
check "wait64 not-equal" "1 " --invoke wait64 "$wasm" 8 1 -1
check "wait32 timed-out" "2 " --invoke wait32 "$wasm" 0 0 1000000
check "wait64 timed-out" "2 " --invoke wait64 "$wasm" 8 0 0
check "notify, nobody waits" "0 " --invoke notify "$wasm" 0 10
start=$(date +%s%N)
check "wait32 20 ms" "2 " --invoke wait32 "$wasm" 0 0 20000000
[ $(($(date +%s%N) - start)) -ge 20000000 ] || fail "wait32 of 20 ms returned early"
"$kiln" run --no-cache --invoke wait32 "$wasm" 65536 0 0 > /dev/null 2> "$tmp/err" &&
  fail "wait32 out of bounds did not trap"
grep -q 'out of bounds memory access' "$tmp/err" || fail "wait32 oob: $(head -1 "$tmp/err")"
"$kiln" run --no-cache --timeout 200ms --invoke wait32 "$wasm" 0 0 -1 > /dev/null 2> "$tmp/err" &&
  fail "a wait for ever outlived --timeout"
grep -q 'interrupted' "$tmp/err" || fail "wait32 --timeout: $(head -1 "$tmp/err")"

# An unshared memory: wait traps, notify finds nobody.
"$kiln" run --no-cache --invoke wait32 "$unshared" 0 0 0 > /dev/null 2> "$tmp/err" &&
  fail "wait32 on an unshared memory did not trap"
grep -q 'expected shared memory' "$tmp/err" || fail "unshared wait32: $(head -1 "$tmp/err")"
check "notify, unshared" "0 " --invoke notify "$unshared" 0 1
finish "every atomic right at every width; traps, waits and notify as specified"
