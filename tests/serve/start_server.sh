# start_server.sh — sourced by the serve tests (after kiln=... is set):
# makes $tmp (removed at exit, with the server $pid killed), a code cache
# of its own in it, the failure count $fails and fail MESSAGE.
# start_server ARGS... runs `$kiln serve --listen 127.0.0.1:0 ARGS...` in
# the background with its stderr in $tmp/log, waits (60 s at most) until it
# listens, and sets $pid and $url; exits 1 when it does not start.
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2> /dev/null; rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
start_server() {
  "$kiln" serve --listen 127.0.0.1:0 "$@" 2> "$tmp/log" &
  pid=$!
  for _ in $(seq 600); do
    grep -q '^kiln serve: .* on http://' "$tmp/log" && break
    kill -0 $pid 2> /dev/null || break
    sleep 0.1
  done
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/log" | head -1)
  [ -n "$url" ] || { cat "$tmp/log"; echo "FAIL: the server did not start"; exit 1; }
  echo "serving on $url"
}
