#!/usr/bin/env bash
# max_memory.sh KILN KILN_RUN THREADS.wasm — `--max-memory` caps a module's
# memory: its "grow" export (memory 1..4 pages, grows until memory.grow
# fails) stops at the cap, under the JIT and from an artifact; bad sizes
# are usage errors.
kiln=$1 kilnrun=$2 wasm=$3
. "$(dirname "$0")/lib.sh"
expect_out 4 "$kiln" run --no-cache --invoke grow "$wasm"
expect_out 2 "$kiln" run --no-cache --max-memory 128KiB --invoke grow "$wasm"
expect_out 1 "$kiln" run --max-memory 65536 --invoke grow "$wasm"
"$kiln" compile "$wasm" -o "$tmp/t.kwasm" || exit 1
expect_out 3 "$kilnrun" --max-memory 192KiB --invoke grow "$tmp/t.kwasm"
for bad in 0 64MB 1000 5GiB -1MiB; do
  "$kiln" run --max-memory "$bad" --invoke grow "$wasm" > /dev/null 2>&1
  rc=$?
  [ $rc = 2 ] || { fail "--max-memory $bad: exit $rc, want 2"; }
done
finish
