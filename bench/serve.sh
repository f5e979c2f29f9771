#!/usr/bin/env bash
# serve.sh [RUNS] [SECONDS] — `kiln serve` under wrk: requests/s and latency
# (p50, p99) for a hello handler and a compute handler (bench/serve/*.c,
# built here to wasm32-wasi), RUNS runs of SECONDS each (default 5 × 10 s),
# medians.  wrk and the server share this machine's CPUs.  Prints a
# markdown table; nothing is asserted.
set -euo pipefail
runs=${1:-5} secs=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=${KILN:-$root/build/tools/kiln}
workers=${KILN_SERVE_WORKERS:-$(nproc)}
command -v wrk > /dev/null || { echo "serve.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2> /dev/null; rm -rf "$tmp"' EXIT
export KILN_CACHE_DIR=$tmp/cache

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# wrk's latencies (1.02ms, 850.00us, 1.10s) in ms.
to_ms() { awk '{v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[^m]s$/) v *= 1000; print v}'; }

rss() { awk '/^VmRSS/ {print $2}' /proc/$pid/status; }
echo "| handler | connections | requests/s | p50 ms | p99 ms | errors | server RSS: started, after 1 request, after all |"
echo "|---|---|---|---|---|---|---|"
for h in hello compute; do
  clang --target=wasm32-wasi -O2 -Wall -Werror -Wl,--strip-debug -o "$tmp/$h.wasm" "$root/bench/serve/$h.c"
  "$kiln" serve --quiet --listen 127.0.0.1:0 --workers "$workers" "$tmp/$h.wasm" 2> "$tmp/log" &
  pid=$!
  for _ in $(seq 600); do grep -q ' on http://' "$tmp/log" && break; sleep 0.1; done
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/log" | head -1)/
  rss0=$(rss)
  curl -sf "$url" > /dev/null
  rss1=$(rss)
  for c in 32; do
    : > "$tmp/rps"; : > "$tmp/p50"; : > "$tmp/p99"; errors=0
    for _ in $(seq "$runs"); do
      wrk -t2 -c$c -d${secs}s --latency "$url" > "$tmp/out"
      awk '/^Requests\/sec/ {print $2}' "$tmp/out" >> "$tmp/rps"
      awk '$1 == "50%" {print $2}' "$tmp/out" | to_ms >> "$tmp/p50"
      awk '$1 == "99%" {print $2}' "$tmp/out" | to_ms >> "$tmp/p99"
      if grep -q 'Socket errors\|Non-2xx' "$tmp/out"; then errors=$((errors + 1)); fi
    done
    printf '| %s | %d | %.0f (%s) | %.2f | %.2f | %s | %s / %s / %s KiB |\n' "$h" "$c" "$(median < "$tmp/rps")" \
      "$(sort -g "$tmp/rps" | sed -n '1p;$p' | awk '{printf "%s%.0f", (NR > 1 ? "–" : ""), $1}')" \
      "$(median < "$tmp/p50")" "$(median < "$tmp/p99")" "$errors of $runs runs" "$rss0" "$rss1" "$(rss)"
  done
  kill $pid; wait $pid || true; pid=
done
echo
echo "kiln serve --workers $workers; wrk -t2 -c32, $runs × ${secs} s each, medians (range); $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
