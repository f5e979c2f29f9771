#!/bin/bash
# offsets.sh KILN KILN_RUN OFFSETS.wasm WASM_OBJDUMP START.wasm — trap backtraces name
# each frame's instruction by its module offset: the trapping one in frame
# 0, the call in the others, under the JIT at tier 0, tier 1 and tiered
# (tier 1 at once), the interpreter and an artifact, as wasm-objdump
# reads them from the module.  Frame 0 of a stack exhaustion trapped in
# the function's set-up, before any instruction: no offset there.  With
# --tier0-no-offsets tier 0's frames have none (tier 1's are kept).  A
# start function's trap at instantiation has its backtrace too.
source "$(dirname "$0")/lib.sh"
kiln=$1 kiln_run=$2 wasm=$3 objdump=$4 start_wasm=$5

dis=$("$objdump" -d "$wasm") || { echo "FAIL: $objdump -d $wasm"; exit 1; }
# at FUNC OPCODE [N]: " at 0x<offset>" of the first (Nth) OPCODE in function FUNC
at() {
  local hex
  hex=$(awk -v f="$1" -v op="$2" -v n="${3:-1}" '
    /^[0-9a-f]+ func\[/ { in_f = index($0, "<" f ">") > 0 }
    in_f && index($0, "| " op) && --n == 0 { sub(/^ */, ""); sub(/:.*/, ""); print; exit }' <<< "$dis")
  [ -n "$hex" ] && printf ' at 0x%x' "$((16#$hex))"
}
mid="   1: mid (function 6)$(at mid call_indirect)"
run="   2: run (function 8)$(at run call_indirect)"
rec="recurse (function 4)$(at recurse call)"
cases=(
  "0 0|integer divide by zero|   0: div (function 0)$(at div i32.div_u)|$mid|$run"
  "7 0|integer divide by zero|   0: div2 (function 7)$(at div2 i32.div_u)|$mid|$run"
  "7 1|integer divide by zero|   0: div2 (function 7)$(at div2 i32.div_u 2)|$mid|$run"
  "1 70000|out of bounds memory access|   0: load (function 1)$(at load i32.load)|$mid|$run"
  "2 0|unreachable|   0: unreachable (function 2)$(at unreachable unreachable)|$mid|$run"
  "3 5|indirect call type mismatch|   0: indirect (function 3)$(at indirect call_indirect)|$mid|$run"
  "3 9|undefined element|   0: indirect (function 3)$(at indirect call_indirect)|$mid|$run"
)
[ "$(at div i32.div_u)" = " at 0x54" ] || fail "reading offsets: div at '$(at div i32.div_u)'"

"$kiln" compile "$wasm" -o "$tmp/offsets.kwasm" || fail "kiln compile"
# check WHAT CMD...: each case's message and backtrace
check() {
  local what=$1 c args msg want got
  shift
  for c in "${cases[@]}"; do
    IFS='|' read -r args msg want <<< "$c"
    want=$(printf 'wasm backtrace:\n%s' "$(cut -d'|' -f3- <<< "$c" | tr '|' '\n')")
    # shellcheck disable=SC2086
    "$@" "$tmp/offsets.$ext" $args > "$tmp/out" 2> "$tmp/err"
    got=$(grep -E '^(wasm backtrace:| +[0-9]+: )' "$tmp/err")
    grep -q "^error: wasm trap: $msg\$" "$tmp/err" && [ "$got" = "$want" ] ||
      fail "$what, run $args: got '$got', want '$want': $(cat "$tmp/err")"
  done
  # Out of stack: every frame but the innermost at the call.
  "$@" "$tmp/offsets.$ext" 4 0 > "$tmp/out" 2> "$tmp/err"
  got=$(grep -E '^ +[0-9]+: ' "$tmp/err")
  first=$(head -n 1 <<< "$got")
  grep -q '^error: wasm trap: call stack exhausted$' "$tmp/err" &&
    [ "$(wc -l <<< "$got")" = 16 ] &&
    [ "$(tail -n +2 <<< "$got" | grep -cvx " *[0-9]*: $rec")" = 0 ] &&
    [ "$first" = "   0: recurse (function 4)" ] ||
    fail "$what, out of stack: $(cat "$tmp/err")"
}
cp "$wasm" "$tmp/offsets.wasm"
ext=wasm
check "tier 0" "$kiln" run --no-cache --tier=0 --invoke run
check "tier 1" "$kiln" run --no-cache --tier=1 --invoke run
KILN_TIER_UP_SYNC=1 check "tiered, tier 1 at once" "$kiln" run --no-cache --tier=tiered \
  --tier-up-threshold=1 --invoke run
check "interpreter" "$kiln" run --no-cache --tier=interp --tier-up-threshold=2000000000 \
  --invoke run
# --tier0-no-offsets: tier 0 without line tables, its frames without an
# offset (the same frames); tier 1 keeps them.
check "tier 1, --tier0-no-offsets" "$kiln" run --no-cache --tier=1 --tier0-no-offsets --invoke run
"$kiln" run --no-cache --tier=0 --tier0-no-offsets --invoke run "$tmp/offsets.wasm" 0 0 \
  > "$tmp/out" 2> "$tmp/err"
got=$(grep -E '^ +[0-9]+: ' "$tmp/err")
want=$(printf '   0: div (function 0)\n   1: mid (function 6)\n   2: run (function 8)')
grep -q '^error: wasm trap: integer divide by zero$' "$tmp/err" && [ "$got" = "$want" ] ||
  fail "tier 0, --tier0-no-offsets: got '$got', want '$want': $(cat "$tmp/err")"
ext=kwasm
check "artifact" "$kiln_run" --invoke run

# The start function's trap: $boom's unreachable, $start's call.  At tier 1
# $boom is inlined and $start's frame stands for it at its call; in an
# artifact the inlined code's row is $boom's offset, outside $start: none.
dis=$("$objdump" -d "$start_wasm") || fail "$objdump -d $start_wasm"
boom="   0: boom (function 0)$(at boom unreachable)"
start="start (function 1)$(at start call)"
both=$(printf 'wasm backtrace:\n%s\n   1: %s' "$boom" "$start")
# start_check WHAT WANT CMD...: the trap and its backtrace
start_check() {
  local what=$1 want=$2 got
  shift 2
  "$@" > "$tmp/out" 2> "$tmp/err" && fail "start, $what: instantiated"
  got=$(grep -E '^(wasm backtrace:| +[0-9]+: )' "$tmp/err")
  grep -q '^error: wasm trap: unreachable$' "$tmp/err" && [ "$got" = "$want" ] ||
    fail "start, $what: got '$got', want '$want': $(cat "$tmp/err")"
}
start_check "tier 0" "$both" "$kiln" run --no-cache --tier=0 "$start_wasm"
start_check "tier 1" "$(printf 'wasm backtrace:\n   0: %s' "$start")" \
  "$kiln" run --no-cache --tier=1 "$start_wasm"
start_check "tiered" "$both" "$kiln" run --no-cache --tier=tiered "$start_wasm"
start_check "interpreter" "$both" "$kiln" run --no-cache --tier=interp "$start_wasm"
"$kiln" compile "$start_wasm" -o "$tmp/start.kwasm" || fail "kiln compile start"
start_check "artifact" "$(printf 'wasm backtrace:\n   0: start (function 1)')" \
  "$kiln_run" "$tmp/start.kwasm"
finish "trap backtraces say each frame's offset"
