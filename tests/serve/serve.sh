#!/usr/bin/env bash
# serve.sh KILN HANDLER.wasm — `kiln serve` end to end with curl: the WAGI
# environment and body, the handler's status and headers, a fresh instance
# per request, 500 for a trap, an exit, bad output, a timeout and a
# memory-limit hit (each with its reason in the access log) while another
# worker answers (two timed-out handlers overlap: proven by the clock),
# keep-alive, bad arguments,
# handlers that cannot run refused at start, and a clean stop on SIGTERM.
set -u
kiln=$1 handler=$2
. "$(dirname "$0")/start_server.sh"

# Bad arguments exit 2 with a message, before serving anything.
for args in "$handler" "--listen nowhere $handler" "--listen 127.0.0.1:99999 $handler" \
            "--listen 127.0.0.1:0 --workers 0 $handler" "--listen 127.0.0.1:0 --timeout soon $handler" \
            "--listen 127.0.0.1:0 --max-memory 1000 $handler" "--listen 127.0.0.1:0 $tmp/missing.wasm" \
            "--listen 127.0.0.1:0 --max-stack 1KiB $handler" "--listen 127.0.0.1:0 --max-stack 1GiB $handler" \
            "--listen 127.0.0.1:0 --bogus $handler"; do
  timeout 60 "$kiln" serve $args > /dev/null 2> "$tmp/err"
  rc=$?
  [ $rc -eq 2 ] && grep -q 'kiln' "$tmp/err" || fail "kiln serve $args: exit $rc: $(cat "$tmp/err")"
done

# Handlers that cannot run are refused at start (exit 1), not served as 500s.
echo '(module (import "env" "f" (func)) (func (export "_start")))' > "$tmp/import.wat"
echo '(module (memory (export "memory") 1))' > "$tmp/nostart.wat"
echo '(module (memory (export "memory") 100) (func (export "_start")))' > "$tmp/big.wat"
for h in import:'unknown import' nostart:'exports _start' big:'exceeds the limit'; do
  name=${h%%:*} want=${h#*:}
  wat2wasm "$tmp/$name.wat" -o "$tmp/$name.wasm" || exit 1
  timeout 60 "$kiln" serve --listen 127.0.0.1:0 --max-memory 1MiB "$tmp/$name.wasm" 2> "$tmp/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q "$want" "$tmp/err" || fail "handler $name: exit $rc: $(cat "$tmp/err")"
done

start_server --workers 2 --timeout 1s --max-memory 1MiB --max-stack 64MiB "$handler"

# expect PATH CODE BODY-PATTERN [CURL ARGS...]; an empty pattern: no body
expect() {
  local path=$1 code=$2 pattern=$3; shift 3
  local got
  got=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 20 "$@" "$url$path")
  if [ "$got" != "$code" ] || { [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$tmp/body"; } ||
     { [ -z "$pattern" ] && [ -s "$tmp/body" ]; }; then
    fail "$path: HTTP $got (want $code), body: $(head -c 300 "$tmp/body")"
  else
    echo "$path: $got"
  fi
}
expect /hello 200 '^hello, world$'
expect '/env?a=1&b=%20x' 200 '^QUERY_STRING=a=1&b=%20x$' -H 'X-Kiln-Test: yes' --data-binary 'body text'
for want in 'GATEWAY_INTERFACE=CGI/1.1' 'REQUEST_METHOD=POST' 'PATH_INFO=/env' \
            'CONTENT_LENGTH=9' 'SERVER_PROTOCOL=HTTP/1.1' 'HTTP_X_KILN_TEST=yes' \
            'REMOTE_ADDR=127.0.0.1' 'BODY TEXT'; do
  grep -qx -- "$want" "$tmp/body" || fail "/env: no line '$want'"
done
expect /status 404 '^nothing here$'
curl -s -D "$tmp/headers" -o /dev/null "$url/status"
grep -qi '^X-Handler: kiln-test' "$tmp/headers" || fail "/status: the handler's header is missing"
grep -qi '^Status:' "$tmp/headers" && fail "/status: the Status header was passed on"
expect /redirect 302 ''
expect /count 200 '^1$'
expect /count 200 '^1$'
expect /big 200 '^abcdefghijklmnopqrstuvwxyz'
[ "$(stat -c %s "$tmp/body")" -eq 1048576 ] || fail "/big: $(stat -c %s "$tmp/body") bytes"
expect /trap 500 'Internal Server Error'
expect /exit3 500 'Internal Server Error'
expect /noheaders 500 'Internal Server Error'
expect /grow 500 'Internal Server Error'
# --max-stack 64MiB: a million calls fit (the default 1 MiB holds some
# tens of thousands), a hundred million do not.
expect '/deep?1000000' 200 '^1000000 '
expect '/deep?100000000' 500 'Internal Server Error'

# A handler that never ends is cut at --timeout, while the other worker
# goes on answering: /spin?a runs, /hello?during is answered (its log line
# comes first), then /spin?b runs on the worker /hello left.  That a and b
# ran at once is proven by the clock: one after the other they would take
# at least the sum of their logged durations, and they take less.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
spin() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$url/spin?$1" > "$tmp/spin.$1" &
}
t0=$(now_ms)
spin a
apid=$!
sleep 0.2
expect '/hello?during' 200 '^hello, world$'
spin b
bpid=$!
wait $apid $bpid
wall=$(($(now_ms) - t0))
for s in a b; do
  [ "$(cat "$tmp/spin.$s")" = 500 ] || fail "/spin?$s: HTTP $(cat "$tmp/spin.$s")"
done
ms() { grep "\"GET $1 HTTP/1.1\" " "$tmp/log" | sed -n 's/.* \([0-9]*\)\.[0-9]*ms .*/\1/p'; }
da=$(ms '/spin?a') db=$(ms '/spin?b')
if [ -z "$da" ] || [ -z "$db" ] || [ "$wall" -ge $((da + db)) ]; then
  fail "/spin?a and /spin?b did not overlap: ${da:-?} + ${db:-?} ms logged, $wall ms in all"
else
  echo "/spin?a ${da} ms and /spin?b ${db} ms overlapped: $wall ms in all"
fi
first=$(grep -o '"GET /\(hello?during\|spin?a\) ' "$tmp/log" | head -1)
[ "$first" = '"GET /hello?during ' ] || fail "/hello?during not answered before /spin?a ended: $first"
expect /hello 200 '^hello, world$'

# Keep-alive: two requests, one connection.
conns=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "$url/hello" "$url/count")
[ "$conns" = "1 0 " ] || fail "keep-alive: connects per request '$conns'"

# A body over 16 MiB is refused.
head -c $((17 << 20)) /dev/zero > "$tmp/huge"
expect /env 413 'Too Large' --data-binary @"$tmp/huge"

# The access log: a line per request, with the reason for a 500.
grep -q '"GET /trap HTTP/1.1" 500 0 .* trap: unreachable$' "$tmp/log" || fail "access log: no trap line"
[ "$(grep -c '"GET /spin?[ab] HTTP/1.1" 500 0 .* timeout$' "$tmp/log")" = 2 ] ||
  fail "access log: not two timeout lines"
grep -q '"GET /exit3 HTTP/1.1" 500 0 .* exit 3$' "$tmp/log" || fail "access log: no exit line"
grep -q '"GET /deep?100000000 HTTP/1.1" 500 0 .* call stack exhausted$' "$tmp/log" ||
  fail "access log: /deep?100000000 did not end at --max-stack: $(grep '/deep' "$tmp/log")"
grep -q '"GET /noheaders HTTP/1.1" 500 0 .* a header line without a name and .:.$' "$tmp/log" ||
  fail "access log: no bad-output line"
# /grow exits 12 only when malloc failed below 1 MiB: the --max-memory cap,
# not a timeout or a trap.
grep -q '"GET /grow HTTP/1.1" 500 0 .* exit 12$' "$tmp/log" ||
  fail "access log: /grow did not end at the memory cap: $(grep '/grow' "$tmp/log")"
grep -q '"POST /env?a=1&b=%20x HTTP/1.1" 200 ' "$tmp/log" || fail "access log: no /env line"

kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
grep -q 'terminated, stopping' "$tmp/log" || fail "SIGTERM: no message"
[ $fails -eq 0 ] && echo "kiln serve: all checks passed"
exit $((fails > 0))
