#!/usr/bin/env bash
# blocked.sh KILN SLEEPER.wasm — the handler timeout ends handlers blocked in
# a WASI call: with the default 2 workers and --timeout 1s, two requests
# whose handler sleeps 30 s answer 500 ("timeout" in the log) after about
# 1 s, and a plain GET sent while they block answers 200 right after; all
# within 6 s.
set -u
kiln=$1 handler=$2
. "$(dirname "$0")/start_server.sh"

start_server --timeout 1s "$handler"

# get NAME PATH: HTTP code and seconds to $tmp/NAME, in the background.
get() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 40 "$url$2" > "$tmp/$1" &
}
t0=$EPOCHREALTIME
get a /sleep
get b /sleep
sleep 0.2
get plain /hello
wait $(jobs -p | grep -v "^$pid$")
total=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}')
for r in a:500 b:500 plain:200; do
  name=${r%%:*} want=${r#*:}
  read -r code secs < "$tmp/$name"
  echo "$name: HTTP $code after $secs s"
  [ "$code" = "$want" ] || fail "$name: HTTP $code (want $want)"
  awk -v s="$secs" 'BEGIN {exit !(s < 6)}' || fail "$name: took $secs s"
done
echo "all three answered within $total s"
awk -v s="$total" 'BEGIN {exit !(s < 6)}' || fail "took $total s in all"
[ "$(grep -c '"GET /sleep HTTP/1.1" 500 .* timeout$' "$tmp/log")" -eq 2 ] ||
  fail "access log: not two timeout lines: $(cat "$tmp/log")"

kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
[ $fails -eq 0 ] && echo "kiln serve: blocked handlers end at the timeout"
exit $((fails > 0))
