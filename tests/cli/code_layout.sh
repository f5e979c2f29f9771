#!/usr/bin/env bash
# code_layout.sh KILN WASM — the code layout rules, from the assembly of
# code_layout.wat's artifact (`kiln compile --dump`): every body starts
# 64-byte aligned (.p2align 6); an innermost loop without calls (b1, the
# inner loop of b3) 32-byte aligned (.p2align 5); a loop that calls (b2)
# and an outer loop (b3's) no more than LLVM's own 16 (.p2align 4).
# (Function 0 is the import.)
kiln=$1 wasm=$2
. "$(dirname "$0")/lib.sh"

"$kiln" compile --dump "$tmp/d" "$wasm" -o "$tmp/x.kwasm" ||
  { echo "FAIL: kiln compile"; exit 1; }
s=$tmp/d.s
# the .p2align directly before "bN:"
fn_align() { awk -v f="b$1:" '/\.p2align/ { a = $2 } $1 == f { print a; exit }' "$s" | tr -d ,; }
# the .p2align directives inside body N, in order: at -O2 LLVM aligns
# loop headers and nothing else within a function
loop_aligns() {
  awk -v f="b$1:" '$1 == f { on = 1; next } on && /^\.Lfunc_end/ { exit }
    on && /\.p2align/ { print $2 }' "$s" | tr -d ,
}
for f in 1 2 3; do
  [ "$(fn_align $f)" = 6 ] || fail "b$f: body aligned .p2align $(fn_align $f), not 6"
done
[ "$(loop_aligns 1)" = 5 ] || fail "b1 (a loop without calls): loops aligned '$(loop_aligns 1)', not 5"
[ "$(loop_aligns 2)" = 4 ] || fail "b2 (a loop that calls): loops aligned '$(loop_aligns 2)', not 4"
b3=$(loop_aligns 3 | tr '\n' ' ')
[ "$b3" = "4 5 " ] || fail "b3 (outer, inner): loops aligned '$b3', not '4 5'"
finish "code layout: bodies on 64 bytes, innermost call-free loops on 32"
