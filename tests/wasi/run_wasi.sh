#!/usr/bin/env bash
# run_wasi.sh KILN WASM_DIR SRC_DIR — runs the WASI test programs under
# kiln and checks their output, exit codes, and that nothing outside the
# preopened directory changed.
set -u
kiln=$1 bin=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
mkdir -p "$tmp/sandbox" "$tmp/outside"
echo "top secret" > "$tmp/outside/secret"

check() { # DESCRIPTION CONDITION-EXIT-STATUS
  checks=$((checks + 1))
  if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fails=$((fails + 1)); else echo "ok: $1"; fi
}

"$kiln" run --dir "$tmp/sandbox::/sandbox" "$bin/files.wasm" > "$tmp/files.out" 2>&1
check "files.wasm exits 0" $?
diff -u "$src/files.expected" "$tmp/files.out"; check "files.wasm output" $?

"$kiln" run --dir "$tmp/sandbox::/sandbox" "$bin/escape.wasm" > "$tmp/escape.out" 2>&1
rc=$?
cat "$tmp/escape.out"
check "escape.wasm: no attempt escaped (exit $rc)" $rc
grep -q ESCAPED "$tmp/escape.out"; [ $? -ne 0 ]; check "escape.wasm: every attempt blocked" $?
[ "$(ls "$tmp/outside")" = "secret" ] && [ "$(cat "$tmp/outside/secret")" = "top secret" ]
check "outside the sandbox nothing changed" $?

echo "a line from stdin" | HOME=/root "$kiln" run --env KILN_TEST=yes "$bin/misc.wasm" one two \
  > "$tmp/misc.out" 2>&1
rc=$?
[ $rc -eq 7 ]; check "misc.wasm: exit(7) is kiln's exit code (got $rc)" $?
diff -u "$src/misc.expected" "$tmp/misc.out"; check "misc.wasm output" $?
echo "x" | HOME=/root "$kiln" run --inherit-env "$bin/misc.wasm" > "$tmp/inherit.out" 2>&1
grep -q 'HOME=set' "$tmp/inherit.out"; check "--inherit-env passes the environment" $?

"$kiln" run --dir "$tmp/no-such-dir" "$bin/misc.wasm" > /dev/null 2>&1
[ $? -ne 0 ]; check "--dir of a missing directory is an error" $?

echo "$((checks - fails)) passed, $fails failed"
[ $fails -eq 0 ]
