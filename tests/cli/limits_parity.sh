#!/usr/bin/env bash
# limits_parity.sh KILN KILN_RUN LIMITS.wasm — an instance's limits act the
# same whoever compiled its code: each case runs the module under the JIT
# (`kiln run --no-cache`), the same module's artifact under `kiln run` and
# the artifact under `kiln-run` (runtime only), and wants the same output,
# the same one-line error and the same exit status from all three.  Cases:
# --max-memory, --max-table-elements, --max-stack (and the default stack),
# --fuel and --timeout, each one where the limit is hit and one where it is
# not.
kiln=$1 kilnrun=$2 wasm=$3
. "$(dirname "$0")/lib.sh"

"$kiln" compile --epoch-interruption --fuel-metering "$wasm" -o "$tmp/m.kwasm" || exit 1
"$kiln" compile "$wasm" -o "$tmp/plain.kwasm" || exit 1

# same WANT_RC WANT_OUT ERR_PATTERN ARTIFACT -- FLAGS... [++ ARGS...]: the
# three ways agree with each other and with what is wanted (ERR_PATTERN: a
# grep -E pattern stderr must match, or '' for an empty stderr).
same() {
  local rc_want=$1 out_want=$2 err_want=$3 art=$4; shift 5
  local way out rc err first= flags=() args=()
  while [ $# -gt 0 ] && [ "$1" != ++ ]; do flags+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  args=("$@")
  set -- "${flags[@]}"
  for way in jit artifact kiln-run; do
    case $way in
      jit) timeout 60 "$kiln" run --no-cache "$@" "$wasm" "${args[@]}" > "$tmp/out" 2> "$tmp/err" ;;
      artifact) timeout 60 "$kiln" run "$@" "$art" "${args[@]}" > "$tmp/out" 2> "$tmp/err" ;;
      kiln-run) timeout 60 "$kilnrun" "$@" "$art" "${args[@]}" > "$tmp/out" 2> "$tmp/err" ;;
    esac
    rc=$? out=$(cat "$tmp/out") err=$(sed "s|$art|FILE|; s|$wasm|FILE|" "$tmp/err")
    if [ "$rc" != "$rc_want" ] || [ "$out" != "$out_want" ]; then
      fail "$way $*: exit $rc, output '$out' (want $rc_want, '$out_want'): $err"
      continue
    fi
    if [ -z "$err_want" ] && [ -n "$err" ]; then
      fail "$way $*: unexpected stderr: $err"; continue
    fi
    if [ -n "$err_want" ] && ! grep -Eq "$err_want" <<< "$err"; then
      fail "$way $*: stderr '$err' does not match '$err_want'"; continue
    fi
    # Errors name the file the same way (FILE); they must be equal.
    if [ -z "$first" ]; then first=$err
    elif [ "$err" != "$first" ]; then fail "$way $*: stderr '$err' differs from '$first'"
    fi
  done
  echo "ok: $* ${args[*]} -> exit $rc_want, '$out_want'"
}

# Memory: the module allows 1,000 pages.
same 0 1000 '' "$tmp/plain.kwasm" -- --invoke grow
same 0 4 '' "$tmp/plain.kwasm" -- --max-memory 256KiB --invoke grow
same 0 1 '' "$tmp/plain.kwasm" -- --max-memory 64KiB --invoke grow
# Tables: 1 + 1,000 per growth.
same 0 4001 '' "$tmp/plain.kwasm" -- --max-table-elements 5000 --invoke tgrow
same 0 10001 '' "$tmp/plain.kwasm" -- --max-table-elements 10001 --invoke tgrow
# Stack: the default (1 MiB) holds 1,000 frames, not 10,000,000; 64 KiB
# does not hold 100,000.
same 0 1000 '' "$tmp/plain.kwasm" -- --invoke deep ++ 1000
same 1 '' '^error: wasm trap: call stack exhausted' "$tmp/plain.kwasm" -- --invoke deep ++ 10000000
same 0 100 '' "$tmp/plain.kwasm" -- --max-stack 64KiB --invoke deep ++ 100
same 1 '' '^error: wasm trap: call stack exhausted' "$tmp/plain.kwasm" -- --max-stack 64KiB --invoke deep ++ 100000
same 0 100000 '' "$tmp/plain.kwasm" -- --max-stack 64MiB --invoke deep ++ 100000
# Fuel.
same 0 1000 '' "$tmp/m.kwasm" -- --fuel 1000000 --invoke count ++ 1000
same 1 '' '^error: wasm trap: all fuel consumed$' "$tmp/m.kwasm" -- --fuel 1000 --invoke count ++ 1000000
# Time.
same 1 '' '^error: wasm trap: interrupted$' "$tmp/m.kwasm" -- --timeout 200ms --invoke spin
same 0 5 '' "$tmp/m.kwasm" -- --timeout 1m --invoke count ++ 5
# Bad limits are usage errors (exit 2) for both commands.
for bad in "--max-stack 0" "--max-stack 1GiB" "--max-stack x" "--max-memory 0"; do
  for cmd in "$kiln run --no-cache" "$kilnrun"; do
    $cmd $bad --invoke count "$tmp/plain.kwasm" 1 > /dev/null 2>&1
    rc=$?
    [ $rc = 2 ] || fail "$cmd $bad: exit $rc, want 2"
  done
done
finish "limits act the same under the JIT, from an artifact and under kiln-run"
