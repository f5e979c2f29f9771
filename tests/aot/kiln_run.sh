#!/usr/bin/env bash
# kiln_run.sh KILN KILN_RUN WASM NATIVE — the runtime-only CLI runs an
# artifact of WASM and prints exactly what NATIVE, the native build of the
# same C source, prints (an oracle that shares no code with the loader),
# and nothing it loads is LLVM.
set -u
kiln=$1 kilnrun=$2 wasm=$3 native=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kiln" compile "$wasm" -o "$tmp/a.kwasm" || exit 1
"$kilnrun" "$tmp/a.kwasm" > "$tmp/run.out" 2> "$tmp/run.err" ||
  { echo "FAIL: kiln-run exited $?"; cat "$tmp/run.err"; exit 1; }
[ ! -s "$tmp/run.err" ] || { echo "FAIL: kiln-run wrote to stderr"; cat "$tmp/run.err"; exit 1; }
"$native" > "$tmp/native.out" || { echo "FAIL: the native build exited $?"; exit 1; }
[ -s "$tmp/native.out" ] || { echo "FAIL: the native build printed nothing"; exit 1; }
cmp "$tmp/run.out" "$tmp/native.out" || { echo "FAIL: kiln-run and the native build differ"; exit 1; }
echo "kiln-run prints what the native build prints ($(wc -c < "$tmp/native.out") bytes)"
if ldd "$kilnrun" | grep -i libllvm; then
  echo "FAIL: kiln-run loads LLVM"; exit 1
fi
if "$kilnrun" "$wasm" > /dev/null 2>&1; then
  echo "FAIL: kiln-run ran a .wasm (it has no compiler)"; exit 1
fi
strip -o "$tmp/kiln-run" "$kilnrun"
lib=$(ldd "$kilnrun" | awk '/libkiln-runtime/ {print $3}')
strip -o "$tmp/lib.so" "$lib"
echo "kiln-run runs artifacts without LLVM; stripped: kiln-run $(stat -c %s "$tmp/kiln-run") bytes + libkiln-runtime $(stat -c %s "$tmp/lib.so") bytes"
