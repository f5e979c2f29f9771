#!/usr/bin/env bash
# mem64_lengths.sh KILN WAT2WASM MEM64_LENGTHS.wat — memory64's bounds
# checks read an unshared memory's length once per function, not once per
# access (lower_memory.c, lower_memory_lengths): in the optimised IR of a
# loop of three accesses to it (kiln compile --dump) the length is loaded
# once, in the entry block; the same loop on a shared 64-bit memory, which
# another thread may grow, loads it at every access (three).  The length
# is the view's size, an aligned i64 load; wasm's accesses are align 1.
# regress_memory64_lengths checks that the length is read again where it
# changes.
kiln=$1 wat2wasm=$2 wat=$3
. "$(dirname "$0")/lib.sh"
"$wat2wasm" --enable-memory64 --enable-multi-memory --enable-threads "$wat" -o "$tmp/m.wasm" ||
  exit 1
"$kiln" compile "$tmp/m.wasm" -o "$tmp/m.kwasm" --dump "$tmp/m" || exit 1
# length_loads N: the aligned i64 loads in body bN of the IR
length_loads() {
  awk -v f="@b$1(" 'index($0, "define") == 1 && index($0, f) { on = 1 } on { print } on && /^}/ { on = 0 }' \
    "$tmp/m.ll" | grep -c 'load i64, ptr %[0-9a-z.]*, align 8'
}
expect_out 1 length_loads 0
expect_out 3 length_loads 1
finish "mem64_lengths: ok"
