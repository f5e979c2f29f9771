#!/usr/bin/env bash
# run_conform.sh KILN WASM_DIR — WASI edge cases against the reference's
# behaviour (issue 18): conform.wasm in an empty preopened directory, and
# stdio.wasm with stdout opened by the shell with >>, a pipe and /dev/null:
# the >> file must end up byte-identical apart from what was appended, and
# still in append mode for the shell afterwards.  KILN_WASI_NO_OPENAT2=1
# in the environment selects the fallback resolver.
set -u
kiln=$1 bin=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
check() { # DESCRIPTION CONDITION-EXIT-STATUS
  checks=$((checks + 1))
  if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fails=$((fails + 1)); else echo "ok: $1"; fi
}

mkdir -p "$tmp/sandbox"
"$kiln" run --dir "$tmp/sandbox::/sandbox" "$bin/conform.wasm" > "$tmp/conform.out" 2>&1
rc=$?
cat "$tmp/conform.out"
[ $rc -eq 0 ] && grep -q '^0 failed$' "$tmp/conform.out"; check "conform.wasm (exit $rc)" $?
[ ! -e "$tmp/sandbox/abs1" ] && [ ! -e "$tmp/sandbox/abs2" ] && [ ! -e "$tmp/sandbox/s" ]
check "no absolute or slash-named symlink on the host" $?
# The resolver in use is the one asked for: with KILN_WASI_NO_OPENAT2=1
# kiln makes no openat2 call, without it (on Linux >= 5.6) it does.
if command -v strace > /dev/null; then
  rm -rf "$tmp/sandbox2" && mkdir "$tmp/sandbox2"
  strace -f -e trace=openat2 -o "$tmp/strace" \
    "$kiln" run --dir "$tmp/sandbox2::/sandbox" "$bin/conform.wasm" > /dev/null 2>&1
  calls=$(grep -c 'openat2(' "$tmp/strace")
  if [ "${KILN_WASI_NO_OPENAT2:-0}" = 1 ]; then
    [ "$calls" -eq 0 ]; check "the fallback resolver: no openat2 call ($calls)" $?
  elif grep -q 'openat2(.*ENOSYS' "$tmp/strace"; then
    echo "note: this kernel has no openat2; the fallback resolver runs"
  else
    [ "$calls" -gt 0 ]; check "the openat2 resolver: $calls openat2 calls" $?
  fi
else
  echo "note: no strace: which resolver runs is not checked"
fi

# Item 9: stdout opened with >> by the shell.
printf 'kept line 1\nkept line 2\n' > "$tmp/log"
before=$(cat "$tmp/log")
{ "$kiln" run "$bin/stdio.wasm" 2> "$tmp/stdio.err"; echo "rc=$?"; echo "shell appends"; } >> "$tmp/log"
cat "$tmp/stdio.err"
grep -q '^0 failed$' "$tmp/stdio.err"; check "stdio.wasm: every attempt refused" $?
printf '%s\nfirst\nXX\nlast\nrc=0\nshell appends\n' "$before" | cmp - "$tmp/log"
check "the >> log is the old bytes plus what was appended" $?
size=$(stat -c %s "$tmp/log")
[ "$size" -lt 4096 ]; check "the log is not grown by set_size (size $size)" $?
# Through a pipe and into /dev/null: the same refusals.
"$kiln" run "$bin/stdio.wasm" 2> "$tmp/pipe.err" | cat > "$tmp/pipe.out"
grep -q '^0 failed$' "$tmp/pipe.err" && [ "$(cat "$tmp/pipe.out")" = "$(printf 'first\nXX\nlast')" ]
check "stdio.wasm through a pipe" $?
"$kiln" run "$bin/stdio.wasm" > /dev/null 2> "$tmp/null.err"
grep -q '^0 failed$' "$tmp/null.err"; check "stdio.wasm into /dev/null" $?

# Item 10: poll_oneoff with nothing but a relative UINT64_MAX clock blocks
# (until --timeout ends it), rather than returning at once.
start=$(date +%s%N)
"$kiln" run --timeout 1s --invoke never "$bin/conform.wasm" > /dev/null 2> "$tmp/never.err"
rc=$? ms=$((($(date +%s%N) - start) / 1000000))
cat "$tmp/never.err"
[ $rc -eq 1 ] && grep -q 'interrupted' "$tmp/never.err" && [ $ms -ge 900 ]
check "poll_oneoff of UINT64_MAX alone blocks until --timeout 1s (exit $rc, $ms ms)" $?

echo "$((checks - fails)) passed, $fails failed"
[ $fails -eq 0 ]
