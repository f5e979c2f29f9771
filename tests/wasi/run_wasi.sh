#!/usr/bin/env bash
# run_wasi.sh KILN WASM_DIR SRC_DIR [KILN_RUN] — runs the WASI test programs
# under kiln and checks their output, exit codes, and that nothing outside
# the preopened directory changed.  With KILN_RUN, the programs are
# compiled to artifacts first and run by the runtime-only kiln-run.
# $KILN_RUN_FLAGS (split at spaces) go to every `kiln run` (--tier=interp).
set -u
kiln=$1 bin=$2 src=$3 kilnrun=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ext=wasm
if [ -n "$kilnrun" ]; then
  mkdir -p "$tmp/aot"
  for w in "$bin"/*.wasm; do
    "$kiln" compile "$w" -o "$tmp/aot/$(basename "$w" .wasm).kwasm" || exit 1
  done
  bin=$tmp/aot ext=kwasm
fi
kiln_run() {
  # shellcheck disable=SC2086
  if [ -n "$kilnrun" ]; then "$kilnrun" "$@"; else "$kiln" run ${KILN_RUN_FLAGS:-} "$@"; fi
}
fails=0 checks=0
mkdir -p "$tmp/sandbox" "$tmp/outside"
echo "top secret" > "$tmp/outside/secret"

check() { # DESCRIPTION CONDITION-EXIT-STATUS
  checks=$((checks + 1))
  if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fails=$((fails + 1)); else echo "ok: $1"; fi
}

kiln_run --dir "$tmp/sandbox::/sandbox" "$bin/files.$ext" > "$tmp/files.out" 2>&1
check "files.wasm exits 0" $?
diff -u "$src/files.expected" "$tmp/files.out"; check "files.wasm output" $?

kiln_run --dir "$tmp/sandbox::/sandbox" "$bin/escape.$ext" > "$tmp/escape.out" 2>&1
rc=$?
cat "$tmp/escape.out"
check "escape.wasm: no attempt escaped (exit $rc)" $rc
grep -q ESCAPED "$tmp/escape.out"; [ $? -ne 0 ]; check "escape.wasm: every attempt blocked" $?
# The README's count: an attempt dropped from escape.c shows here.
n=$(grep -c ' blocked$' "$tmp/escape.out")
[ "$n" = 17 ]; check "escape.wasm: 17 attempts blocked (got $n)" $?
[ "$(ls "$tmp/outside")" = "secret" ] && [ "$(cat "$tmp/outside/secret")" = "top secret" ]
check "outside the sandbox nothing changed" $?

echo "a line from stdin" | HOME=/root kiln_run --env KILN_TEST=yes "$bin/misc.$ext" one two \
  > "$tmp/misc.out" 2>&1
rc=$?
[ $rc -eq 7 ]; check "misc.wasm: exit(7) is kiln's exit code (got $rc)" $?
diff -u "$src/misc.expected" "$tmp/misc.out"; check "misc.wasm output" $?
echo "x" | HOME=/root kiln_run --inherit-env "$bin/misc.$ext" > "$tmp/inherit.out" 2>&1
grep -q 'HOME=set' "$tmp/inherit.out"; check "--inherit-env passes the environment" $?

kiln_run --dir "$tmp/no-such-dir" "$bin/misc.$ext" > /dev/null 2>&1
[ $? -ne 0 ]; check "--dir of a missing directory is an error" $?

# Sockets: a preopened listening socket on loopback, on a port the kernel
# picks (kiln prints it: no two tests can pick the same); the program
# echoes one line upper-cased.  Bounded: the client waits 10 s at most.
kiln_run --tcplisten 127.0.0.1:0 "$bin/echo.$ext" > "$tmp/echo.out" 2>&1 &
server=$!
reply="" port=""
for _ in $(seq 50); do
  port=$(sed -n 's/^kiln run: --tcplisten 127\.0\.0\.1:0 is 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/echo.out")
  [ -n "$port" ] && break
  sleep 0.2
done
if [ -n "$port" ] && exec 5<> "/dev/tcp/127.0.0.1/$port" 2> /dev/null; then
  printf 'ping from the test\n' >&5
  read -r -t 10 reply <&5
  exec 5>&-
fi
wait $server
rc=$?
[ "$reply" = "PING FROM THE TEST" ]; check "sock_accept/recv/send: echoed '$reply'" $?
[ $rc -eq 0 ] && grep -q 'echoed 19 bytes' "$tmp/echo.out"; check "echo.wasm exits 0 (exit $rc)" $?

echo "$((checks - fails)) passed, $fails failed"
[ $fails -eq 0 ]
