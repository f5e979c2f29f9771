#!/usr/bin/env bash
# perfmap.sh KILN KILN_RUN WASM — with $KILN_PERF_MAP, AOT (kiln-run) and JIT
# (kiln run) code is named in /tmp/perf-<pid>.map for perf; without it,
# nothing is written.
set -u
kiln=$1 kilnrun=$2 wasm=$3
tmp=$(mktemp -d)
maps=()
trap 'rm -rf "$tmp" "${maps[@]}"' EXIT
"$kiln" compile "$wasm" -o "$tmp/a.kwasm" || exit 1
fail=0

# run NAME ENV... -- CMD...: runs CMD under its own pid and checks its map.
check() {
  local what=$1; shift
  bash -c 'echo $$ > "$0"; exec "$@"' "$tmp/pid" "$@" > /dev/null 2>&1 || {
    echo "FAIL: $what: the run failed"; fail=1; return; }
  local map=/tmp/perf-$(cat "$tmp/pid").map
  maps+=("$map")
  if [ "$what" = off ]; then
    [ -e "$map" ] && { echo "FAIL: a map written without KILN_PERF_MAP"; fail=1; }
    return
  fi
  [ -s "$map" ] || { echo "FAIL: $what: no $map"; fail=1; return; }
  if grep -vqE '^[0-9a-f]+ [0-9a-f]+ wasm:.+$' "$map"; then
    echo "FAIL: $what: a malformed line"; grep -vE '^[0-9a-f]+ [0-9a-f]+ wasm:.+$' "$map" | head -3
    fail=1
  fi
  local size
  size=$(awk '$3 == "wasm:_start" {print $2; exit}' "$map")
  if [ -z "$size" ] || [ $((16#$size)) -lt 2 ]; then
    echo "FAIL: $what: no sized line for wasm:_start"; fail=1; return
  fi
  echo "$what: $(wc -l < "$map") functions named, _start is $((16#$size)) bytes"
}
check aot env KILN_PERF_MAP=1 "$kilnrun" "$tmp/a.kwasm"
check jit env KILN_PERF_MAP=1 "$kiln" run --no-cache --tier=tiered "$wasm"
check off env -u KILN_PERF_MAP "$kilnrun" "$tmp/a.kwasm"
exit $fail
