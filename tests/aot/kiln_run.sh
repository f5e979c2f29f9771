#!/usr/bin/env bash
# kiln_run.sh KILN KILN_RUN WASM — the runtime-only CLI runs an artifact
# like kiln does, and nothing it loads is LLVM.
set -u
kiln=$1 kilnrun=$2 wasm=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kiln" compile "$wasm" -o "$tmp/a.kwasm" || exit 1
"$kilnrun" "$tmp/a.kwasm" > "$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; exit 1; }
"$kiln" run "$tmp/a.kwasm" > "$tmp/kiln.out" 2>&1 || exit 1
cmp "$tmp/run.out" "$tmp/kiln.out" || { echo "FAIL: kiln-run and kiln run differ"; exit 1; }
if ldd "$kilnrun" | grep -i llvm; then
  echo "FAIL: kiln-run loads LLVM"; exit 1
fi
if "$kilnrun" "$wasm" > /dev/null 2>&1; then
  echo "FAIL: kiln-run ran a .wasm (it has no compiler)"; exit 1
fi
strip -o "$tmp/kiln-run" "$kilnrun"
lib=$(ldd "$kilnrun" | awk '/libkiln-runtime/ {print $3}')
strip -o "$tmp/lib.so" "$lib"
echo "kiln-run runs artifacts without LLVM; stripped: kiln-run $(stat -c %s "$tmp/kiln-run") bytes + libkiln-runtime $(stat -c %s "$tmp/lib.so") bytes"
