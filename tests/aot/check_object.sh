#!/usr/bin/env bash
# check_object.sh KILN WASM NATIVE — `kiln compile` writes an artifact whose objects
# have only the relocations the runtime's loader will apply (R_X86_64_PC32,
# _PLT32, _64; none in debug sections, which it does not load) and no undefined symbols but the function bodies of other
# parts: compiled code reaches the runtime only through its context.  The
# artifact and the JIT (without the code cache, so no artifact stands in
# for it) print what NATIVE, the native build of the same source, prints.
set -u
kiln=$1 wasm=$2 native=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kiln" compile "$wasm" -o "$tmp/a.kwasm" || exit 1
"$kiln" inspect "$tmp/a.kwasm" > "$tmp/info" || exit 1
cat "$tmp/info" | cut -c1-120
objects=$(sed -n 's/^object [0-9]*: \([0-9]*\) bytes at offset \([0-9]*\)$/\1:\2/p' "$tmp/info")
[ -n "$objects" ] || { echo "FAIL: no object range"; exit 1; }
n=0
for o in $objects; do
  size=${o%%:*} offset=${o##*:}
  [ $n = 0 ] && first=$offset
  tail -c +$((offset + 1)) "$tmp/a.kwasm" | head -c "$size" > "$tmp/a.o"
  readelf -h "$tmp/a.o" | grep -q 'REL (Relocatable file)' || { echo "FAIL: object $n is not a relocatable ELF"; exit 1; }
  # Relocations of debug sections (the line table kiln reads at compile
  # time) are none the loader applies: it loads no such section.
  types=$(readelf -rW "$tmp/a.o" | awk '/^Relocation section/ { dbg = $3 ~ /debug/ }
    !dbg && $3 ~ /^R_X86_64/ {print $3}' | sort -u)
  echo "object $n relocation types:" $types
  for t in $types; do
    case $t in R_X86_64_PC32|R_X86_64_PLT32|R_X86_64_64) ;; *) echo "FAIL: relocation $t"; exit 1;; esac
  done
  # Only function bodies of the module's other parts may be undefined.
  und=$(readelf -sW "$tmp/a.o" | awk '$7 == "UND" && $8 != "" && $8 !~ /^b[0-9]+$/ {print $8}')
  [ -z "$und" ] || { echo "FAIL: undefined symbols: $und"; exit 1; }
  # The lines kiln read from the debug sections travel in the artifact's
  # own table: the sections stay (numbering holds) but empty.
  dbg=$(readelf -SW "$tmp/a.o" | sed 's/^ *\[ *[0-9]*\]//' |
    awk '$1 ~ /^\.(rela\.)?debug_/ && $5 != "000000" {print $1}')
  [ -z "$dbg" ] || { echo "FAIL: debug sections not emptied: $dbg"; exit 1; }
  n=$((n + 1))
done
offset=$first
echo "$n object(s) ok: only PC32/PLT32/64 relocations, no undefined symbols but other parts' bodies, debug sections empty"

# The artifact runs, with no compiler involved, exactly like the JIT, and
# both like the native build.
"$native" > "$tmp/native.out" || { echo "FAIL: the native build exited $?"; exit 1; }
[ -s "$tmp/native.out" ] || { echo "FAIL: the native build printed nothing"; exit 1; }
"$kiln" run "$tmp/a.kwasm" > "$tmp/aot.out" 2>&1 || { echo "FAIL: the artifact did not run"; cat "$tmp/aot.out"; exit 1; }
"$kiln" run --no-cache "$wasm" > "$tmp/jit.out" 2>&1 || { echo "FAIL: the JIT run failed"; cat "$tmp/jit.out"; exit 1; }
cmp "$tmp/aot.out" "$tmp/native.out" || { echo "FAIL: the artifact's output differs from native"; exit 1; }
cmp "$tmp/jit.out" "$tmp/native.out" || { echo "FAIL: the JIT's output differs from native"; exit 1; }
echo "artifact and JIT (no cache) print what the native build prints"
# Damaged artifacts are refused with one error line, never run.
for cut in 8 100 1000 $((offset + 64)); do
  head -c "$cut" "$tmp/a.kwasm" > "$tmp/cut.kwasm"
  if "$kiln" run "$tmp/cut.kwasm" > /dev/null 2> "$tmp/err"; then
    echo "FAIL: an artifact cut at $cut bytes ran"; exit 1
  fi
  [ "$(grep -c '^kiln: ' "$tmp/err")" = 1 ] || { echo "FAIL: cut at $cut:"; cat "$tmp/err"; exit 1; }
done
# A foreign object (the ELF machine field set to another architecture) is
# found by the checksum; damage.c reaches the loader's own checks.
cp "$tmp/a.kwasm" "$tmp/foreign.kwasm"
printf '\x28\x00' | dd of="$tmp/foreign.kwasm" bs=1 seek=$((offset + 18)) conv=notrunc 2> /dev/null
if "$kiln" run "$tmp/foreign.kwasm" > /dev/null 2> "$tmp/err"; then
  echo "FAIL: a foreign object ran"; exit 1
fi
grep -q 'checksum mismatch' "$tmp/err" || { cat "$tmp/err"; exit 1; }
echo "damaged and foreign artifacts are refused"
