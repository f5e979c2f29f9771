#!/usr/bin/env bash
# cache_background.sh KILN GEN_FUNCS — kiln run leaves the code cache's
# fill to a background process, with a module of 5,000 functions whose
# ahead-of-time compile takes seconds:
#  - a first run returns in well under half the time `kiln compile` takes
#    (it compiles nothing ahead of time itself), its --stats names the
#    process it handed the fill to: its own session, idle priority, stdio
#    on /dev/null; the entry appears within 120 s;
#  - the second run is a hit: nothing compiled, the same result;
#  - two first runs at once start one compile (the other fill finds the
#    per-key lock taken, or the entry made), and a fill that finds the lock
#    held by someone else compiles nothing;
#  - a fill whose input changed since kiln run computed its key (the file
#    rewritten: the fill re-reads it) stores nothing under that key.  The
#    fill is started by hand here, with the arguments kiln run gives it,
#    since a real run cannot be paused between its end and the fill.
kiln=$1 gen=$2
. "$(dirname "$0")/lib.sh"
export KILN_CACHE_LOG=$tmp/log
ms() { echo $(( $(date +%s%N) / 1000000 )); }
entries() { compgen -G "$KILN_CACHE_DIR/*.kwasm" | wc -l; }
# wait_log PATTERN N: true once the log has N lines matching PATTERN, false
# after 120 s.
wait_log() {
  for _ in $(seq 1200); do
    [ "$(grep -c "$1" "$tmp/log" 2> /dev/null)" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

"$gen" many 5000 > "$tmp/m.wasm" && "$gen" many 10 > "$tmp/small.wasm" ||
  { echo "gen_funcs failed"; exit 1; }
t0=$(ms)
"$kiln" compile "$tmp/m.wasm" -o "$tmp/m.kwasm" || exit 1
aot=$(( $(ms) - t0 ))

# 1. The first run does not compile the artifact, a process of its own does.
t0=$(ms)
out=$(timeout 60 "$kiln" run --stats --invoke f7 "$tmp/m.wasm" 5 2> "$tmp/err")
rc=$? first=$(( $(ms) - t0 ))
present=$(entries)
echo "first run: $first ms, exit $rc, '$out'; kiln compile: $aot ms"
[ $rc -eq 0 ] && [ "$out" = 12 ] || fail "first run: exit $rc, '$out'"
[ $((first * 2)) -lt $aot ] && [ "$present" = 0 ] ||
  fail "the first run took $first ms (the compile $aot ms), entries at its end: $present"
pid=$(sed -n 's/^cache: fill handed to background process \([0-9]*\)$/\1/p' "$tmp/err")
[ -n "$pid" ] || fail "--stats does not name the fill's process: $(tail -2 "$tmp/err")"
# Its session, priority and stdio, while it compiles (before it is done).
seen=""
for _ in $(seq 40); do
  [ -n "$pid" ] || break
  seen=$(ps -o sid=,cls= -p "$pid" | tr -s ' ')
  case $seen in *IDL) break ;; esac
  sleep 0.05
done
if [ "$(entries)" = 0 ] && [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
  fds=$(for fd in 0 1 2; do readlink "/proc/$pid/fd/$fd"; done | sort -u)
  [ "$seen" = " $pid IDL" ] || [ "$seen" = "$pid IDL" ] ||
    fail "the fill is not in a session of its own at SCHED_IDLE: '$seen'"
  [ "$fds" = /dev/null ] || fail "the fill's stdio: $fds"
  echo "fill process $pid: session, class: $seen; stdio: $fds"
fi
wait_log stored 1 && [ "$(entries)" = 1 ] || fail "no entry 120 s after the first run"
key=$(basename "$(compgen -G "$KILN_CACHE_DIR/*.kwasm")" .kwasm)
[ -z "$(compgen -G "$KILN_CACHE_DIR/*.lock")" ] || fail "the fill left its lock file"

# 2. The second run runs from the artifact.
out=$(timeout 60 "$kiln" run --stats --invoke f7 "$tmp/m.wasm" 5 2> "$tmp/err")
[ "$out" = 12 ] && grep -q '(0 functions)' "$tmp/err" && ! grep -q '^cache:' "$tmp/err" ||
  fail "the second run is not a hit: '$out', $(grep -E 'functions|cache' "$tmp/err")"

# 3. Two first runs at once: one compile.
"$kiln" cache clean > /dev/null
: > "$tmp/log"
timeout 60 "$kiln" run --invoke f7 "$tmp/m.wasm" 5 > /dev/null &
timeout 60 "$kiln" run --invoke f7 "$tmp/m.wasm" 5 > /dev/null &
wait
wait_log stored 1 && wait_log 'stored\|busy\|present' 2 ||
  fail "two first runs: the fills did not end: $(cat "$tmp/log")"
[ "$(grep -c "$key compiling " "$tmp/log")" = 1 ] && [ "$(entries)" = 1 ] ||
  fail "two first runs: $(grep -c "$key compiling " "$tmp/log") compiles: $(cat "$tmp/log")"
echo "two first runs: $(cut -d' ' -f3 "$tmp/log" | sort | uniq -c | tr -s ' ' | paste -sd,)"
# The lock held by someone else: the fill leaves.
"$kiln" cache clean > /dev/null
: > "$tmp/log"
exec 7> "$KILN_CACHE_DIR/$key.lock"
flock -n 7 || fail "cannot take the lock file"
timeout 60 "$kiln" run --invoke f7 "$tmp/m.wasm" 5 > /dev/null
wait_log busy 1 && ! grep -q "$key compiling " "$tmp/log" && [ "$(entries)" = 0 ] ||
  fail "a fill ran with the lock held elsewhere: $(cat "$tmp/log")"
exec 7>&-

# 4. The input changed between the run and the fill: nothing stored.
cp "$tmp/small.wasm" "$tmp/m.wasm"
: > "$tmp/log"
timeout 60 "$kiln" cache fill -O2 --key "$key" --background -- "$tmp/m.wasm"
rc=$?
[ $rc -eq 1 ] && grep -q "^[0-9]* $key changed: " "$tmp/log" && [ "$(entries)" = 0 ] ||
  fail "a changed input: exit $rc, $(entries) entries: $(cat "$tmp/log")"
timeout 60 "$kiln" cache fill -O2 --key "$key" -- "$tmp/m.wasm" 2> "$tmp/err"
[ $? -eq 1 ] && [ "$(entries)" = 0 ] && grep -q 'changed since it ran; not cached' "$tmp/err" ||
  fail "a changed input (waited for): $(entries) entries, $(cat "$tmp/err")"
out=$(timeout 60 "$kiln" run --cache-wait --stats --invoke f7 "$tmp/m.wasm" 5 2> "$tmp/err")
[ "$out" = 12 ] && [ "$(entries)" = 1 ] && [ ! -e "$KILN_CACHE_DIR/$key.kwasm" ] &&
  grep -q '^cache: filled by process' "$tmp/err" ||
  fail "the new input under its own key: '$out', $(entries) entries"
finish "kiln run fills the cache in the background: first run $first ms, kiln compile $aot ms"
