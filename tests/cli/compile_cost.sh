#!/usr/bin/env bash
# compile_cost.sh KILN KILN_RUN GEN_FUNCS — what many functions cost:
#  - a chain of 5,000 functions, each called and so compiled (more code
#    sections than the trap handler's registry once held: 4,096) runs;
#  - a compile failure (forced with the test knob KILN_JIT_CODE_LIMIT) is
#    one line "compile error: ..." and exit 1, not hundreds of LLVM lines
#    and a "host trap";
#  - in a module of 100,000 functions a wrong argument count or a bad
#    argument is refused before anything is compiled (well under 2 s; not
#    for the code cache either), and
#    valid calls compile what they call only (entry trampolines are lazy)
#    and call the right function (LLVM's 16-bit stub numbering once gave
#    functions past 65,536 shared stubs);
#  - --fuel covers the start function: an endless start ends out of fuel.
kiln=$1 kilnrun=$2 gen=$3
. "$(dirname "$0")/lib.sh"
ms() { echo $(( $(date +%s%N) / 1000000 )); }

"$gen" chain 5000 > "$tmp/chain.wasm" && "$gen" many 100000 > "$tmp/many.wasm" &&
  "$gen" spin > "$tmp/spin.wasm" || { echo "gen_funcs failed"; exit 1; }

t0=$(ms)
out=$(timeout 60 "$kiln" run --tier=tiered -O0 --lazy --no-cache --invoke main "$tmp/chain.wasm" 2> "$tmp/err")
rc=$?
echo "chain of 5,000: exit $rc, '$out', $(( $(ms) - t0 )) ms"
[ $rc -eq 0 ] && [ "$out" = 4999 ] || fail "chain of 5,000: exit $rc '$out': $(head -3 "$tmp/err")"

# Lazily, and with speculation (whose thread once went on compiling the
# rest of the chain, each function failing, before kiln could exit).
for mode in --lazy --O2; do
  t0=$(ms)
  KILN_JIT_CODE_LIMIT=300 timeout 60 "$kiln" run --tier=tiered ${mode/--O2/-O2} --no-cache --invoke main \
    "$tmp/chain.wasm" > /dev/null 2> "$tmp/err"
  rc=$? t=$(( $(ms) - t0 ))
  echo "code limit 300 ($mode): exit $rc in $t ms: $(cat "$tmp/err")"
  [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
    grep -q "^kiln: .*chain.wasm: compile error: out of JIT code sections" "$tmp/err" ||
    fail "a compile failure is not one line: exit $rc, $(wc -l < "$tmp/err") lines: $(head -3 "$tmp/err")"
  [ $t -lt 8000 ] || fail "a compile failure ($mode) took $t ms"
done

for bad in "1 2 3:takes 1 arguments, 3 given" "x:is not a valid i32" ":takes 1 arguments, 0 given"; do
  args=${bad%%:*} want=${bad#*:}
  t0=$(ms)
  # shellcheck disable=SC2086
  timeout 60 "$kiln" run --tier=tiered --cache-wait --invoke f5 "$tmp/many.wasm" $args > /dev/null 2> "$tmp/err"
  rc=$? t=$(( $(ms) - t0 ))
  echo "100,000 functions, --invoke f5 $args: exit $rc in $t ms: $(cat "$tmp/err")"
  [ $rc -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "$want" "$tmp/err" &&
    [ $t -lt 2000 ] || fail "--invoke f5 $args: exit $rc in $t ms"
done
# Nor compiled for the code cache after the error (--cache-wait: any fill
# would be over by now).
[ -z "$(ls "$KILN_CACHE_DIR" 2> /dev/null)" ] || fail "a refused call filled the cache"

for f in 5 70001 99998; do
  # f70001 at tier 1 (optimised), the others at tier 0 (no IR passes).
  tier=0; [ $f = 70001 ] && tier=1
  t0=$(ms)
  out=$(timeout 60 "$kiln" run --no-cache --stats --tier=$tier --invoke f$f "$tmp/many.wasm" 2 \
        2> "$tmp/err")
  rc=$? t=$(( $(ms) - t0 ))
  echo "100,000 functions, f$f 2: exit $rc, '$out' in $t ms; $(grep 'compile' "$tmp/err" | tr '\n' ' ')"
  [ $rc -eq 0 ] && [ "$out" = $((f + 2)) ] || fail "f$f 2 gave '$out' (exit $rc)"
  grep -q '(1 functions)' "$tmp/err" || fail "f$f: more than one function compiled"
  # --stats splits the lazy compile time by phase: each part positive
  # (set-up at least 0; optimisation exactly 0 at tier 0, which runs no
  # IR passes), together the lazy total (to rounding).
  awk -v tier=$tier '/^compile:/ {lazy = $5} /^lazy compile phases:/ {l = $5; o = $8; c = $11; s = $14}
       END {exit !(l > 0 && (tier == 1 ? o > 0 : o == 0) && c > 0 && s >= 0 &&
                  (l + o + c + s) - lazy < 0.01 && lazy - (l + o + c + s) < 0.01)}' "$tmp/err" ||
    fail "f$f: --stats phases do not add up: $(grep compile "$tmp/err" | tr '\n' ' ')"
done

timeout 20 "$kiln" run --no-cache --fuel 100000 "$tmp/spin.wasm" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q '^error: wasm trap: all fuel consumed$' "$tmp/err" ||
  fail "kiln run: an endless start under --fuel: exit $rc: $(cat "$tmp/err")"
"$kiln" compile --fuel-metering "$tmp/spin.wasm" -o "$tmp/spin.kwasm" || exit 1
timeout 20 "$kilnrun" --fuel 100000 "$tmp/spin.kwasm" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q '^error: wasm trap: all fuel consumed$' "$tmp/err" ||
  fail "kiln-run: an endless start under --fuel: exit $rc: $(cat "$tmp/err")"

finish "all compile-cost checks passed"
