#!/usr/bin/env bash
# cli_errors.sh KILN — bad input to every command gives a one-line error
# on stderr and a non-zero exit; good input works.  Never a crash.
set -u
kiln=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0

# expect_error DESCRIPTION ARGS... : non-zero exit (not a signal), one line
# on stderr beginning "kiln: ", usage lines allowed after it.
expect_error() {
  local what=$1; shift
  checks=$((checks + 1))
  "$kiln" "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  if [ $rc -eq 0 ] || [ $rc -ge 128 ]; then
    echo "FAIL: $what: exit $rc"; fails=$((fails + 1)); return
  fi
  if ! head -1 "$tmp/err" | grep -q '^kiln: ' && ! head -1 "$tmp/err" | grep -q '^usage: '; then
    echo "FAIL: $what: stderr does not start with 'kiln: ' or 'usage: ':"; cat "$tmp/err"
    fails=$((fails + 1)); return
  fi
  if [ "$(grep -c '^kiln: ' "$tmp/err")" -gt 1 ]; then
    echo "FAIL: $what: more than one error line"; cat "$tmp/err"; fails=$((fails + 1))
  fi
}

# expect_ok DESCRIPTION PATTERN ARGS... : exit 0 and stdout matches PATTERN.
expect_ok() {
  local what=$1 pattern=$2; shift 2
  checks=$((checks + 1))
  "$kiln" "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: $what: exit $rc"; cat "$tmp/err"; fails=$((fails + 1)); return
  fi
  if ! grep -qE "$pattern" "$tmp/out"; then
    echo "FAIL: $what: output lacks /$pattern/"; cat "$tmp/out"; fails=$((fails + 1))
  fi
}

printf '\0asm\1\0\0\0' > "$tmp/empty.wasm"
printf '\0asm\1\0\0' > "$tmp/truncated.wasm"
printf 'not a module at all' > "$tmp/garbage.wasm"
: > "$tmp/zero.wasm"
printf '(module' > "$tmp/bad.wast"
# type ()->(); import "env" "f" (func); func 1; export "run"; code: end
printf '\0asm\1\0\0\0\1\4\1\x60\0\0\2\x09\1\3env\1f\0\0\3\2\1\0\7\7\1\3run\0\1\x0a\4\1\2\0\x0b' > "$tmp/small.wasm"
# (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
printf '\0asm\1\0\0\0\1\6\1\x60\1\x7f\1\x7f\3\2\1\0\7\7\1\3inc\0\0\x0a\x09\1\7\0\x20\0\x41\1\x6a\x0b' > "$tmp/inc.wasm"
# (func (export "boom") unreachable)
printf '\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\7\x08\1\4boom\0\0\x0a\5\1\3\0\0\x0b' > "$tmp/boom.wasm"
# a well-formed module whose body is ill-typed: i32.const 1 left on the stack
printf '\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\x0a\6\1\4\0\x41\1\x0b' > "$tmp/invalid.wasm"

expect_error "no arguments"
expect_error "unknown command" frobnicate
expect_error "unknown option" --frobnicate
for cmd in validate inspect; do
  expect_error "$cmd: no file" $cmd
  expect_error "$cmd: missing file" $cmd "$tmp/nope.wasm"
  expect_error "$cmd: directory" $cmd "$tmp"
  expect_error "$cmd: empty file" $cmd "$tmp/zero.wasm"
  expect_error "$cmd: garbage" $cmd "$tmp/garbage.wasm"
  expect_error "$cmd: truncated" $cmd "$tmp/truncated.wasm"
  expect_error "$cmd: invalid" $cmd "$tmp/invalid.wasm"
  expect_error "$cmd: two files" $cmd "$tmp/empty.wasm" "$tmp/empty.wasm"
  expect_error "$cmd: unknown option" $cmd --bogus "$tmp/empty.wasm"
done
expect_error "wast: no file" wast
expect_error "wast: missing file" wast "$tmp/nope.wast"
expect_error "wast: not a script" wast "$tmp/bad.wast"
expect_error "wast: unknown option" wast --bogus "$tmp/bad.wast"
expect_error "help: unknown command" help frobnicate
expect_error "help: too many" help wast validate
expect_error "run: no file" run
expect_error "run: no _start" run "$tmp/inc.wasm"
expect_error "run: unknown export" run --invoke nope "$tmp/inc.wasm"
expect_error "run: missing argument" run --invoke inc "$tmp/inc.wasm"
expect_error "run: bad argument" run --invoke inc "$tmp/inc.wasm" twelve
expect_error "run: bad option" run --fast "$tmp/inc.wasm"
expect_error "run: bad timeout" run --timeout soon "$tmp/inc.wasm"
expect_error "run: zero timeout" run --timeout 0s "$tmp/inc.wasm"
expect_error "run: invalid module" run "$tmp/invalid.wasm"
checks=$((checks + 1))
"$kiln" run --invoke boom "$tmp/boom.wasm" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ] || [ $rc -ge 128 ] || ! grep -q '^error: wasm trap: unreachable' "$tmp/err"; then
  echo "FAIL: run: a trap must print 'error: wasm trap: unreachable' and exit non-zero (exit $rc)"
  cat "$tmp/err"; fails=$((fails + 1))
fi
expect_ok "run --invoke" '^42$' run --invoke inc "$tmp/inc.wasm" 41
# WASI: proc_exit's code is kiln's exit code; arguments reach the program.
if command -v wat2wasm > /dev/null; then
  cat > "$tmp/exit.wat" << 'EOW'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (call $exit (i32.add (i32.const 40) (i32.load (i32.const 0))))))
EOW
  wat2wasm "$tmp/exit.wat" -o "$tmp/exit.wasm"
  checks=$((checks + 1))
  "$kiln" run "$tmp/exit.wasm" a b > /dev/null 2>&1
  rc=$?
  [ $rc -eq 43 ] || { echo "FAIL: proc_exit(40 + argc) with 2 arguments: exit $rc, expected 43"; fails=$((fails + 1)); }
  printf '(module (import "wasi_snapshot_preview1" "path_open" (func)) (func (export "_start")))' > "$tmp/path.wat"
  wat2wasm "$tmp/path.wat" -o "$tmp/path.wasm"
  expect_error "run: unsupported WASI function" run "$tmp/path.wasm"
fi
expect_ok "run --invoke -O0" '^-6$' run -O0 --invoke inc "$tmp/inc.wasm" -7
expect_error "run: host imports that do not exist" run "$tmp/small.wasm"
grep -q 'not supported yet' "$tmp/err" || { echo "FAIL: run does not say 'not supported yet'"; fails=$((fails + 1)); }
expect_error "cache: no subcommand" cache
expect_error "cache: bad subcommand" cache frob
expect_error "cache fill: no file" cache fill
expect_error "cache fill: a key that is not one" cache fill --key ../x --background "$tmp/inc.wasm"
expect_error "cache fill: --background without a key" cache fill --background "$tmp/inc.wasm"
# AOT: compile writes an artifact inspect describes; damaged ones are refused.
expect_error "compile: no output" compile "$tmp/inc.wasm"
expect_error "compile: invalid module" compile "$tmp/invalid.wasm" -o "$tmp/x.kwasm"
expect_error "compile: unwritable output" compile "$tmp/inc.wasm" -o "$tmp/nodir/x.kwasm"
checks=$((checks + 1))
"$kiln" compile -O1 "$tmp/inc.wasm" -o "$tmp/inc.kwasm" && [ -s "$tmp/inc.kwasm" ] ||
  { echo "FAIL: compile wrote no artifact"; fails=$((fails + 1)); }
expect_ok "inspect artifact" 'kiln AOT artifact, format 10' inspect "$tmp/inc.kwasm"
expect_error "compile: unknown target CPU" compile --target-cpu nosuchcpu "$tmp/inc.wasm" -o "$tmp/x.kwasm"
"$kiln" compile --target-cpu generic "$tmp/inc.wasm" -o "$tmp/generic.kwasm" 2> /dev/null
expect_ok "run a generic artifact" '^42$' run --invoke inc "$tmp/generic.kwasm" 41
head -c 100 "$tmp/inc.kwasm" > "$tmp/trunc.kwasm"
expect_error "inspect truncated artifact" inspect "$tmp/trunc.kwasm"
expect_ok "run artifact" '^42$' run --invoke inc "$tmp/inc.kwasm" 41
expect_error "run truncated artifact" run --invoke inc "$tmp/trunc.kwasm" 41

expect_ok "--version" '^kiln [0-9]+\.[0-9]+\.[0-9]+ \(LLVM 19' --version
expect_ok "help" '^usage: kiln COMMAND' help
expect_ok "--help" '^usage: kiln COMMAND' --help
expect_ok "help wast" 'wast2json' help wast
for c in validate inspect wast run compile serve cache; do
  expect_ok "$c --help" "^usage: kiln $c " $c --help
  expect_ok "$c -h" "^usage: kiln $c " $c -h
done
expect_ok "validate empty module" 'valid' validate "$tmp/empty.wasm"
expect_ok "validate small module" 'valid' validate "$tmp/small.wasm"
expect_ok "inspect import" '"env" "f" \(\) -> \(\)' inspect "$tmp/small.wasm"
expect_ok "inspect export" 'func +1 +"run"' inspect "$tmp/small.wasm"
expect_ok "inspect counts" '^Functions: 2 \(1 imported\)' inspect "$tmp/small.wasm"
# multi-memory: (import "env" "m" (memory 1)) (memory 1 2), each listed.
printf '\0asm\1\0\0\0\2\x0a\1\3env\1m\2\0\1\5\4\1\1\1\2' > "$tmp/two_memories.wasm"
expect_ok "inspect memories" '^Memories: 2 \(1 imported\)' inspect "$tmp/two_memories.wasm"
expect_ok "inspect memory 1" '^  1 +pages \[1\.\.2\]$' inspect "$tmp/two_memories.wasm"
expect_ok "inspect memory 0" '^  0 +pages \[1\.\.\]  imported$' inspect "$tmp/two_memories.wasm"
# Exception handling: (import "m" "t" (tag (param i32))) (tag (param i32))
# (export "t" (tag 1)): listed by inspect, valid, compiled; run cannot
# give it the tag it imports; an engine without the proposal refuses it.
printf '\0asm\1\0\0\0\1\5\1\x60\1\x7f\0\2\x08\1\1m\1t\4\0\0\x0d\3\1\0\0\7\5\1\1t\4\1' > "$tmp/tags.wasm"
expect_ok "inspect tags" '^Tags: 2 \(1 imported\)$' inspect "$tmp/tags.wasm"
expect_ok "inspect tag 0" '^  0 +\(i32\)  imported$' inspect "$tmp/tags.wasm"
expect_ok "inspect tag 1" '^  1 +\(i32\)$' inspect "$tmp/tags.wasm"
expect_ok "inspect tag import" '^  tag +"m" "t" \(i32\)$' inspect "$tmp/tags.wasm"
expect_ok "inspect tag export" '^  tag +1 +"t" \(i32\)$' inspect "$tmp/tags.wasm"
expect_ok "inspect tags' proposal" '^Proposals: exceptions$' inspect "$tmp/tags.wasm"
expect_ok "validate tags" 'valid' validate "$tmp/tags.wasm"
expect_error "run: tags" run --no-cache "$tmp/tags.wasm"
grep -q 'import "m" "t" cannot be satisfied' "$tmp/err" ||
  { echo "FAIL: run of tags: $(cat "$tmp/err")"; fails=$((fails + 1)); }
"$kiln" compile "$tmp/tags.wasm" -o "$tmp/tags.kwasm" 2> "$tmp/err" ||
  { echo "FAIL: compile of tags: $(cat "$tmp/err")"; fails=$((fails + 1)); }
expect_error "compile: tags disabled" compile --disable-exceptions "$tmp/tags.wasm" -o "$tmp/tags.kwasm"
grep -q 'the module uses exceptions, which is disabled' "$tmp/err" ||
  { echo "FAIL: compile of tags, disabled: $(cat "$tmp/err")"; fails=$((fails + 1)); }
# The error names the problem and the byte offset.
"$kiln" validate "$tmp/invalid.wasm" 2> "$tmp/err"
grep -q 'invalid module: type mismatch: block requires \[\] but stack has \[i32\] (at byte offset [0-9]*)' "$tmp/err" ||
  { echo "FAIL: invalid module message: $(cat "$tmp/err")"; fails=$((fails + 1)); }

echo "$((checks - fails)) passed, $fails failed"
[ $fails -eq 0 ]
