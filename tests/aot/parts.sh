#!/usr/bin/env bash
# parts.sh KILN KILN_RUN BIG_WASM BIG_NATIVE — a module with over 128 KiB
# of code is compiled in parts, in parallel: the artifact holds several
# objects (10: big.c's ~316 KiB of code in parts of at least 32 KiB, as
# the README says), is the same on 1 thread as on 2, shows progress on a terminal,
# and runs (runtime-only, calls crossing parts) exactly like native code.
set -u
kiln=$1 kiln_run=$2 wasm=$3 native=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kiln" compile --threads 1 "$wasm" -o "$tmp/one.kwasm" || exit 1
"$kiln" compile --threads 2 "$wasm" -o "$tmp/two.kwasm" 2> "$tmp/err" < /dev/null || exit 1
[ ! -s "$tmp/err" ] || { echo "FAIL: progress written to a file"; cat "$tmp/err"; exit 1; }
cmp "$tmp/one.kwasm" "$tmp/two.kwasm" || { echo "FAIL: the artifact depends on the threads"; exit 1; }
n=$("$kiln" inspect "$tmp/two.kwasm" | grep -c '^object [0-9]*:')
[ "$n" = 10 ] || { echo "FAIL: $n object(s) for $(stat -c %s "$wasm") bytes of module, expected 10 parts"; exit 1; }
echo "$n parts, the same artifact on 1 and 2 threads"
if command -v script > /dev/null; then
  script -qc "'$kiln' compile '$wasm' -o '$tmp/tty.kwasm'" /dev/null > "$tmp/tty" < /dev/null
  grep -q "compiling .*: [0-9]*/[0-9]* functions, [0-9.]* s" "$tmp/tty" ||
    { echo "FAIL: no progress on a terminal"; cat "$tmp/tty"; exit 1; }
  echo "progress shown on a terminal: $(tr '\r' '\n' < "$tmp/tty" | grep -c functions) updates"
fi
"$kiln_run" "$tmp/two.kwasm" > "$tmp/aot.out" || { echo "FAIL: kiln-run failed"; exit 1; }
"$native" > "$tmp/native.out"
cmp "$tmp/aot.out" "$tmp/native.out" || { echo "FAIL: output differs from native"; exit 1; }
cat "$tmp/aot.out"
