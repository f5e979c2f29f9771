#!/usr/bin/env bash
# timeout.sh KILN KILN_RUN SPIN.wasm — `--timeout` ends a call that never
# returns with "wasm trap: interrupted" and exit 1, soon after the time is
# up: under the JIT, from an artifact compiled with --epoch-interruption,
# and refused (not ignored) for an artifact compiled without.
kiln=$1 kilnrun=$2 spin=$3
. "$(dirname "$0")/lib.sh"

# interrupted WHAT CMD...: exit 1, the trap on stderr, within 20 s.
interrupted() {
  local what=$1; shift
  local t0=$EPOCHREALTIME
  timeout 20 "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$? ms
  ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%d", (b - a) * 1000}')
  if [ $rc -ne 1 ] || ! grep -q '^error: wasm trap: interrupted$' "$tmp/err"; then
    fail "$what: exit $rc"; cat "$tmp/err"; return
  fi
  echo "$what: interrupted after $ms ms"
}
interrupted "kiln run --timeout 300ms (JIT)" "$kiln" run --no-cache --tier=tiered --timeout 300ms \
  --invoke spin "$spin"
interrupted "kiln run --timeout 300ms (interpreter)" "$kiln" run --no-cache --tier=interp \
  --timeout 300ms --invoke spin "$spin"
interrupted "kiln run --timeout 300ms (cached)" "$kiln" run --timeout 300ms --invoke spin "$spin"
wait_cache_entry || fail "the interrupted run's miss was never stored"
interrupted "kiln run --timeout 300ms (cache hit)" "$kiln" run --timeout 300ms --invoke spin "$spin"
"$kiln" compile --epoch-interruption "$spin" -o "$tmp/e.kwasm" || exit 1
"$kiln" inspect "$tmp/e.kwasm" | grep -q 'epoch interruption' ||
  { fail "kiln inspect does not show the option"; }
interrupted "kiln-run --timeout 0.3s" "$kilnrun" --timeout 0.3s --invoke spin "$tmp/e.kwasm"
# Calls that return are untouched by the timeout.
out=$("$kilnrun" --timeout 1m --invoke count "$tmp/e.kwasm" 1000) && [ "$out" = 1000 ] ||
  { fail "a call that returns, under --timeout: '$out'"; }
"$kiln" compile "$spin" -o "$tmp/plain.kwasm" || exit 1
if "$kilnrun" --timeout 1s --invoke spin "$tmp/plain.kwasm" > /dev/null 2> "$tmp/err"; then
  fail "an artifact without checks ran under --timeout"
elif ! grep -q 'epoch-interruption' "$tmp/err"; then
  fail "no hint for an artifact without checks:"; cat "$tmp/err"
else
  echo "without checks: $(head -1 "$tmp/err")"
fi
finish
