#!/usr/bin/env bash
# checked_loop_vector.sh KILN WASM — the fast copy of a checked loop version
# vectorises (docs/architecture.md, "Barriers and loop vectorisation"):
# with its addresses an i64 recurrence, LLVM loads vectors in each body of
# checked_loop_vector.wat (sieve's count, whose i32 address `p + 1064`
# wraps, and a sum of words); the slow copy keeps its barriers.  For a
# fixed target CPU (AVX2), so that the host's does not decide.
kiln=$1 wasm=$2
. "$(dirname "$0")/lib.sh"

"$kiln" compile --target-cpu x86-64-v3 --dump "$tmp/d" "$wasm" -o "$tmp/x.kwasm" ||
  { echo "FAIL: kiln compile"; exit 1; }
# body N: the optimised IR of function N
body() { awk -v f="@b$1(" 'index($0, "define") == 1 { on = index($0, f) > 0 } on' "$tmp/d.ll"; }
for f in 0 1; do
  ir=$(body $f)
  [ -n "$ir" ] || { fail "no body b$f in the dump"; continue; }
  grep -qE 'load <[0-9]+ x i(8|32)>' <<< "$ir" || fail "b$f: no vector load (the fast copy is scalar)"
  grep -q 'asm sideeffect' <<< "$ir" || fail "b$f: no barrier (the slow copy is gone)"
done
finish "checked loop versions: sieve's count and a word sum vectorise"
