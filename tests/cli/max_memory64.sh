#!/usr/bin/env bash
# max_memory64.sh KILN KILN_RUN WAT2WASM MEM64_LIMIT.wat — --max-memory64
# caps a 64-bit memory, which may pass 4 GiB: by default (16 GiB) it grows
# to 5 GiB, under --max-memory64 6GiB to 6 GiB and no further (memory.grow
# returns -1), and --max-memory caps it as well; under the JIT and from an
# artifact.  Bad sizes are usage errors.  Only the last page is touched.
kiln=$1 kilnrun=$2 wat2wasm=$3 wat=$4
. "$(dirname "$0")/lib.sh"
"$wat2wasm" --enable-memory64 "$wat" -o "$tmp/m.wasm" || exit 1
"$kiln" compile "$tmp/m.wasm" -o "$tmp/m.kwasm" || exit 1
# grow N [FLAGS...]: the module's "grow" of N pages under $mode
grow() {
  local n=$1; shift
  if [ "$mode" = jit ]; then
    "$kiln" run --no-cache --tier=1 "$@" --invoke grow "$tmp/m.wasm" "$n"
  else
    "$kilnrun" "$@" --invoke grow "$tmp/m.kwasm" "$n"
  fi
}
g5=$((5 * 16384 - 1)) g6=$((6 * 16384 - 1))	# from one page to 5 GiB, 6 GiB
for mode in jit aot; do
  expect_out 81920 grow $g5
  expect_out 98304 grow $g6 --max-memory64 6GiB
  expect_out -1 grow $((g6 + 1)) --max-memory64 6GiB
  expect_out -1 grow 16384 --max-memory 1GiB
  expect_out 16384 grow 16383 --max-memory 1GiB
done
for bad in 0 64MB 1000 2TiB -1MiB; do
  "$kiln" run --max-memory64 "$bad" --invoke grow "$tmp/m.wasm" 1 > /dev/null 2>&1
  rc=$?
  [ $rc = 2 ] || { fail "--max-memory64 $bad: exit $rc, want 2"; }
done
finish "max_memory64: ok"
