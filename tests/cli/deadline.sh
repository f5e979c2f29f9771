#!/usr/bin/env bash
# deadline.sh start|blocking KILN KILN_RUN START.wasm BLOCK.wasm — --timeout
# holds where a call would otherwise never end (each case under
# --timeout 1s must end with "error: wasm trap: interrupted" and exit 1, in
# more than 0.9 s and less than 5 s):
#   start:    a start function that loops, under the JIT (kiln run) and from
#             an artifact compiled with --epoch-interruption (kiln-run);
#             kiln serve refuses such a handler within its timeout;
#   blocking: WASI calls that block: poll_oneoff sleeping 30 s, fd_read of
#             a pipe kept open, fd_write to a pipe nobody reads, sock_accept
#             with no client, sock_recv from a client that sends nothing.
set -u
mode=$1 kiln=$2 kilnrun=$3 start=$4 block=$5
tmp=$(mktemp -d)
trap 'exec 3>&- 4>&-; rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache
fails=0
exec 5>&1	# the report, whatever a case redirects stdout to
fail() { echo "FAIL: $*" >&5; fails=$((fails + 1)); }

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%d", (b - a) * 1000}'; }

# interrupted WHAT CMD... (stdin, stdout as the caller redirects them)
interrupted() {
  local what=$1; shift
  local t0=$EPOCHREALTIME rc ms
  timeout 60 "$@" 2> "$tmp/err"
  rc=$?
  ms=$(ms_since "$t0")
  if [ $rc -ne 1 ] || ! grep -q '^error: wasm trap: interrupted$' "$tmp/err"; then
    fail "$what: exit $rc after $ms ms: $(head -3 "$tmp/err")"
  elif [ "$ms" -lt 900 ] || [ "$ms" -ge 5000 ]; then
    fail "$what: interrupted after $ms ms (want 1 s)"
  else
    echo "$what: interrupted after $ms ms" >&5
  fi
}

case $mode in
start)
  interrupted "kiln run: start function (JIT)" "$kiln" run --no-cache --tier=tiered --timeout 1s \
    "$start"
  interrupted "kiln run: start function (interpreter)" "$kiln" run --no-cache --tier=interp \
    --timeout 1s "$start"
  interrupted "kiln run: start function (cached)" "$kiln" run --timeout 1s "$start"
  "$kiln" compile --epoch-interruption "$start" -o "$tmp/start.kwasm" || exit 1
  interrupted "kiln-run: start function" "$kilnrun" --timeout 1s "$tmp/start.kwasm"
  # An artifact without the checks is refused before its start function runs.
  "$kiln" compile "$start" -o "$tmp/plain.kwasm" || exit 1
  t0=$EPOCHREALTIME
  timeout 60 "$kilnrun" --timeout 1s "$tmp/plain.kwasm" 2> "$tmp/err"
  rc=$? ms=$(ms_since "$t0")
  [ $rc -eq 1 ] && [ "$ms" -lt 5000 ] && grep -q 'epoch-interruption' "$tmp/err" &&
    echo "kiln-run: without checks: $(cat "$tmp/err")" ||
    fail "kiln-run without checks: exit $rc after $ms ms: $(cat "$tmp/err")"
  # kiln serve: the handler is refused at start, within its timeout.
  t0=$EPOCHREALTIME
  timeout 60 "$kiln" serve --listen 127.0.0.1:0 --timeout 1s "$start" 2> "$tmp/err"
  rc=$? ms=$(ms_since "$t0")
  if [ $rc -eq 1 ] && [ "$ms" -lt 5000 ] &&
     grep -q 'start function did not end within --timeout' "$tmp/err"; then
    echo "kiln serve: refused after $ms ms: $(cat "$tmp/err")"
  else
    fail "kiln serve: exit $rc after $ms ms: $(cat "$tmp/err")"
  fi
  ;;
blocking)
  "$kiln" compile --epoch-interruption "$block" -o "$tmp/block.kwasm" || exit 1
  interrupted "kiln run: poll_oneoff 30 s" "$kiln" run --timeout 1s --invoke sleep "$block"
  interrupted "kiln-run: poll_oneoff 30 s" "$kilnrun" --timeout 1s --invoke sleep "$tmp/block.kwasm"
  # A FIFO opened read-write by this shell: open, empty, never at its end.
  mkfifo "$tmp/fifo"
  exec 3<> "$tmp/fifo"
  interrupted "kiln run: fd_read of an open pipe" \
    "$kiln" run --timeout 1s --invoke read "$block" <&3
  interrupted "kiln-run: fd_read of an open pipe" \
    "$kilnrun" --timeout 1s --invoke read "$tmp/block.kwasm" <&3
  interrupted "kiln run: fd_write to a full pipe" \
    "$kiln" run --timeout 1s --invoke write "$block" >&3
  exec 3>&-
  # Port 0: the kernel picks a free port, and kiln prints it.
  interrupted "kiln run: sock_accept" \
    "$kiln" run --timeout 1s --tcplisten 127.0.0.1:0 --invoke accept "$block"
  # sock_recv: a client connects and sends nothing.
  "$kiln" run --timeout 1s --tcplisten 127.0.0.1:0 --invoke recv "$block" \
    > "$tmp/out" 2> "$tmp/err" &
  server=$!
  t0=$EPOCHREALTIME
  for _ in $(seq 20); do
    port=$(sed -n 's/^kiln run: --tcplisten 127\.0\.0\.1:0 is 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/err")
    [ -n "$port" ] && { exec 4<> "/dev/tcp/127.0.0.1/$port"; } 2> /dev/null && break
    sleep 0.05
  done
  wait $server
  rc=$? ms=$(ms_since "$t0")
  exec 4>&-
  # t0 is taken after kiln starts and before its deadline is armed, so
  # the call cannot end before the second has passed.
  if [ $rc -eq 1 ] && grep -q '^accepted$' "$tmp/out" && [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ] &&
     grep -q '^error: wasm trap: interrupted$' "$tmp/err"; then
    echo "kiln run: sock_recv: interrupted after $ms ms"
  else
    fail "sock_recv: exit $rc after $ms ms, out '$(cat "$tmp/out")': $(head -3 "$tmp/err")"
  fi
  ;;
*)
  echo "usage: deadline.sh start|blocking KILN KILN_RUN START.wasm BLOCK.wasm"; exit 2 ;;
esac
[ $fails -eq 0 ] && echo "--timeout held in every case"
exit $((fails > 0))
