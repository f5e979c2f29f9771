#!/usr/bin/env bash
# check_object.sh KILN WASM — `kiln compile` writes an artifact whose object
# has only the relocations the runtime's loader will apply (R_X86_64_PC32,
# _PLT32, _64) and no undefined symbols: compiled code reaches the runtime
# only through its context (DESIGN.md).
set -u
kiln=$1 wasm=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kiln" compile "$wasm" -o "$tmp/a.kwasm" || exit 1
"$kiln" inspect "$tmp/a.kwasm" > "$tmp/info" || exit 1
cat "$tmp/info" | cut -c1-120
read -r size offset < <(sed -n 's/^object: \([0-9]*\) bytes at offset \([0-9]*\)$/\1 \2/p' "$tmp/info")
[ -n "$size" ] || { echo "FAIL: no object range"; exit 1; }
tail -c +$((offset + 1)) "$tmp/a.kwasm" | head -c "$size" > "$tmp/a.o"
readelf -h "$tmp/a.o" | grep -q 'REL (Relocatable file)' || { echo "FAIL: not a relocatable ELF"; exit 1; }
types=$(readelf -rW "$tmp/a.o" | awk '$3 ~ /^R_X86_64/ {print $3}' | sort -u)
echo "relocation types:" $types
for t in $types; do
  case $t in R_X86_64_PC32|R_X86_64_PLT32|R_X86_64_64) ;; *) echo "FAIL: relocation $t"; exit 1;; esac
done
und=$(readelf -sW "$tmp/a.o" | awk '$7 == "UND" && $8 != "" {print $8}')
[ -z "$und" ] || { echo "FAIL: undefined symbols: $und"; exit 1; }
echo "object ok: only PC32/PLT32/64 relocations, no undefined symbols"
