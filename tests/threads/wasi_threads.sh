#!/usr/bin/env bash
# wasi_threads.sh KILN KILN-RUN WASI_THREADS.wasm UNSHARED.wasm — wasi-threads
# programs (tests/threads/wasi_threads.wat) under `kiln run` (interpreter
# and JIT) and from an artifact under `kiln-run`: 4 threads x 100,000
# atomic increments joined with wait/notify, printed by _start, 20 times
# each; a compare-exchange mutex; a producer/consumer queue; memory.grow
# under readers; WASI's descriptor table under 8 threads' opens, renumbers
# and closes; a trap and proc_exit in a worker ending the program with
# their status, and so does a worker exhausting its --max-stack; 1,000 spawns in a loop; the thread limit (--max-threads)
# making a spawn return a negative value; --fuel and --timeout in workers;
# the code cache (a miss stored, then a hit running the artifact);
# main returning while a worker still runs; a module without a shared
# memory refused.
here=$(cd "$(dirname "$0")" && pwd)
kiln=$1 kiln_run=$2 wasm=$3 unshared=$4
. "$here/../cli/lib.sh"

# expect NAME STATUS OUTPUT COMMAND...: the command's status and stdout.
expect() {
  local name=$1 want_rc=$2 want=$3 out rc
  shift 3
  out=$(timeout 120 "$@" 2> "$tmp/err")
  rc=$?
  [ "$rc" = "$want_rc" ] && [ "$out" = "$want" ] ||
    fail "$name: got '$out' (status $rc), want '$want' (status $want_rc): $(head -3 "$tmp/err")"
}
# stderr_has NAME TEXT: the last command's stderr holds TEXT.
stderr_has() {
  grep -qF -- "$2" "$tmp/err" || fail "$1: no '$2' in: $(head -3 "$tmp/err")"
}

"$kiln" compile "$wasm" -o "$tmp/wt.kwasm" || fail "kiln compile"
"$kiln" compile --fuel-metering --epoch-interruption "$wasm" -o "$tmp/wt-metered.kwasm" ||
  fail "kiln compile --fuel-metering --epoch-interruption"

for i in $(seq 20); do
  expect "run $i" 0 400000 "$kiln" run --no-cache "$wasm"
  expect "kiln-run $i" 0 400000 "$kiln_run" "$tmp/wt.kwasm"
done
expect "run --tier=tiered" 0 400000 "$kiln" run --no-cache --tier=tiered "$wasm"
# Through the code cache: a miss stored (waited for), then a hit.
expect "cache miss" 0 400000 "$kiln" run --cache-wait "$wasm"
compgen -G "$KILN_CACHE_DIR/*.kwasm" > /dev/null || fail "cache miss: nothing stored"
expect "cache hit" 0 400000 "$kiln" run --stats "$wasm"
grep -q "^compile: .* lazy (0 functions)$" "$tmp/err" ||
  fail "cache hit: compiled something: $(head -1 "$tmp/err")"

for run in "$kiln run --no-cache" "$kiln_run"; do
  w=$wasm
  [ "$run" = "$kiln_run" ] && w=$tmp/wt.kwasm
  # shellcheck disable=SC2086
  {
    expect "mutex ($run)" 0 80000 $run --invoke mutex "$w" 4 20000
    expect "queue ($run)" 0 400020000 $run --invoke queue "$w" 2 20000
    expect "grow ($run)" 0 16 $run --invoke grow "$w" 3
    # WASI's descriptor table shared: 8 threads opening, renumbering and
    # closing under each other's calls.
    expect "descriptors ($run)" 0 16000 $run --dir "$tmp::/d" --invoke files "$w" 8 2000
    expect "trap ($run)" 1 "" $run --invoke trap "$w"
    stderr_has "trap ($run)" "error: wasm trap: unreachable"
    stderr_has "trap ($run)" "wasi_thread_start"
    expect "proc_exit ($run)" 7 "" $run --invoke exit "$w"
    expect "stack ($run)" 1 "" $run --max-stack 64KiB --invoke overflow "$w"
    stderr_has "stack ($run)" "error: wasm trap: call stack exhausted"
    expect "1000 spawns ($run)" 0 1000 $run --invoke spawn_loop "$w" 1000
    expect "default limit ($run)" 0 256 $run --invoke limit "$w" 300
    expect "--max-threads 5 ($run)" 0 5 $run --max-threads 5 --invoke limit "$w" 100
    expect "main returns ($run)" 0 42 $run --invoke leave "$w"
  }
done

# -1: all 300 started, none refused.
expect "--max-threads 4096" 0 -1 "$kiln" run --no-cache --max-threads 4096 --invoke limit "$wasm" 300
expect "--max-threads 0" 2 "" "$kiln" run --max-threads 0 "$wasm"
stderr_has "--max-threads 0" "bad thread count '0' (1 to 4096)"
expect "--max-threads 4097" 2 "" "$kiln_run" --max-threads 4097 "$tmp/wt.kwasm"
stderr_has "--max-threads 4097" "bad thread count '4097' (1 to 4096)"

# Fuel is each thread's; --timeout ends a worker that never returns.
expect "--fuel" 1 "" "$kiln" run --no-cache --fuel 100000 --invoke counter "$wasm" 4 100000
stderr_has "--fuel" "error: wasm trap: all fuel consumed"
expect "--fuel (kiln-run)" 1 "" "$kiln_run" --fuel 100000 --invoke counter "$tmp/wt-metered.kwasm" 4 100000
stderr_has "--fuel (kiln-run)" "error: wasm trap: all fuel consumed"
expect "--fuel enough" 0 400 "$kiln" run --no-cache --fuel 100000 --invoke counter "$wasm" 4 100
expect "--timeout" 1 "" "$kiln" run --no-cache --timeout 500ms --invoke hang "$wasm"
stderr_has "--timeout" "error: wasm trap: interrupted"
expect "--timeout (kiln-run)" 1 "" "$kiln_run" --timeout 500ms --invoke hang "$tmp/wt-metered.kwasm"
stderr_has "--timeout (kiln-run)" "error: wasm trap: interrupted"

expect "no shared memory" 1 "" "$kiln" run --no-cache "$unshared"
stderr_has "no shared memory" "wasi-threads needs the module to import a shared memory"
finish "wasi-threads: all passed"
