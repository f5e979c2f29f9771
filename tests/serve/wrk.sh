#!/usr/bin/env bash
# wrk.sh KILN HANDLER.wasm — `kiln serve` answers a hello handler under
# `wrk -t2 -c32` with no socket errors and no non-2xx answers, and each
# answer is the handler's.  Exits 77 (skipped) without wrk.
set -u
kiln=$1 handler=$2
command -v wrk > /dev/null || { echo "skipped: wrk is not installed"; exit 77; }
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2> /dev/null; rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache
"$kiln" serve --quiet --listen 127.0.0.1:0 --workers 2 "$handler" 2> "$tmp/log" &
pid=$!
for _ in $(seq 600); do
  grep -q '^kiln serve: .* on http://' "$tmp/log" && break
  sleep 0.1
done
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/log" | head -1)
[ -n "$url" ] || { cat "$tmp/log"; echo "FAIL: the server did not start"; exit 1; }
# Every answer is checked: a Lua script counts bodies that differ.
cat > "$tmp/check.lua" <<'LUA'
bad = 0
response = function(status, headers, body)
  if status ~= 200 or body ~= "hello, world\n" then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("wrong answers: %d\n", bad))
end
LUA
wrk -t2 -c32 -d3s --latency -s "$tmp/check.lua" "$url/hello" > "$tmp/wrk" 2>&1
cat "$tmp/wrk"
fails=0
grep -q 'Socket errors' "$tmp/wrk" && { echo "FAIL: socket errors"; fails=1; }
grep -q 'Non-2xx' "$tmp/wrk" && { echo "FAIL: non-2xx answers"; fails=1; }
grep -q '^wrong answers: 0$' "$tmp/wrk" || { echo "FAIL: wrong answers"; fails=1; }
n=$(awk '/requests in/ {print $1}' "$tmp/wrk")
[ "${n:-0}" -gt 100 ] || { echo "FAIL: only ${n:-0} requests"; fails=1; }
kill -TERM $pid; wait $pid; pid=
exit $fails
