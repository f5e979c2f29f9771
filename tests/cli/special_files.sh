#!/usr/bin/env bash
# special_files.sh KILN KILN_RUN WASM — inputs and outputs that are not
# regular files: a FIFO, a device, a directory or a symbolic link as input
# (kiln run, kiln-run, kiln validate) or as the output of kiln compile
# gets one error line and exit 2 (input) or 1 (output), at once (never a
# hang: each command runs under `timeout 10`), and the special file is
# left as it was.  An input over $KILN_MAX_INPUT_MB is refused; a regular
# output is written, keeping the permissions of the file it replaces.
kiln=$1 kiln_run=$2 wasm=$3
. "$(dirname "$0")/lib.sh"

# refused CODE PATTERN DESCRIPTION CMD... : exits CODE within 10 s with
# exactly one stderr line matching PATTERN.
refused() {
  local code=$1 pattern=$2 what=$3; shift 3
  local t0=$SECONDS
  timeout 10 "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  local rc=$?
  if [ $rc -ne "$code" ]; then fail "$what: exit $rc after $((SECONDS - t0)) s, wanted $code"
  elif [ "$(wc -l < "$tmp/err")" -ne 1 ] || ! grep -q "$pattern" "$tmp/err"; then
    fail "$what: stderr is not one line matching '$pattern':"; cat "$tmp/err"
  else echo "ok: $what: $(cat "$tmp/err")"; fi
}

mkfifo "$tmp/fifo"
refused 2 'a FIFO, not a regular file' "kiln run FIFO" "$kiln" run "$tmp/fifo"
refused 2 'a FIFO, not a regular file' "kiln-run FIFO" "$kiln_run" "$tmp/fifo"
refused 2 'a FIFO, not a regular file' "kiln validate FIFO" "$kiln" validate "$tmp/fifo"
ln -s /dev/zero "$tmp/zero-link"
for cmd in "kiln run" "kiln-run" "kiln validate"; do
  case $cmd in
    "kiln run") argv=("$kiln" run) ;;
    kiln-run) argv=("$kiln_run") ;;
    *) argv=("$kiln" validate) ;;
  esac
  refused 2 'a character device' "$cmd /dev/zero" "${argv[@]}" /dev/zero
  refused 2 'a character device' "$cmd /dev/null" "${argv[@]}" /dev/null
  refused 2 'a directory' "$cmd DIRECTORY" "${argv[@]}" "$tmp"
  refused 2 'a character device' "$cmd LINK-TO-DEVICE" "${argv[@]}" "$tmp/zero-link"
done

head -c $((2 << 20)) /dev/zero > "$tmp/big"
KILN_MAX_INPUT_MB=1 refused 2 'over the input limit of 1 MiB (KILN_MAX_INPUT_MB)' \
  "an input over KILN_MAX_INPUT_MB" "$kiln" run "$tmp/big"
KILN_MAX_INPUT_MB=1 refused 2 'over the input limit' \
  "an input over KILN_MAX_INPUT_MB (kiln-run)" "$kiln_run" "$tmp/big"
KILN_MAX_INPUT_MB=1x refused 2 'KILN_MAX_INPUT_MB=1x: not a whole number' \
  "a KILN_MAX_INPUT_MB that is not a number" "$kiln" run "$tmp/big"
KILN_MAX_INPUT_MB=0 refused 2 'KILN_MAX_INPUT_MB=0: not a whole number' \
  "KILN_MAX_INPUT_MB=0" "$kiln_run" "$tmp/big"

# Outputs.  `-o /dev/full` as root is the case that replaced the device
# node: as root the test makes its own node like /dev/full (so that a
# broken kiln replaces that one), otherwise /dev/full itself.
full=/dev/full
[ "$(id -u)" = 0 ] && mknod -m 666 "$tmp/full" c 1 7 && full=$tmp/full
refused 1 'a character device, not a regular file; refusing to replace it' \
  "kiln compile -o $full" "$kiln" compile "$wasm" -o "$full"
[ -c "$full" ] || fail "$full is no longer a character device"
refused 1 'a FIFO, not a regular file; refusing' "kiln compile -o FIFO" \
  "$kiln" compile "$wasm" -o "$tmp/fifo"
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced"
mkdir "$tmp/dir"
refused 1 'a directory, not a regular file; refusing' "kiln compile -o DIRECTORY" \
  "$kiln" compile "$wasm" -o "$tmp/dir"
[ -d "$tmp/dir" ] || fail "the directory was replaced"
echo secret > "$tmp/victim"
chmod 600 "$tmp/victim"
ln -s "$tmp/victim" "$tmp/link.kwasm"
refused 1 'a symbolic link, not a regular file; refusing' "kiln compile -o SYMLINK" \
  "$kiln" compile "$wasm" -o "$tmp/link.kwasm"
[ -L "$tmp/link.kwasm" ] && [ "$(cat "$tmp/victim")" = secret ] ||
  fail "the symbolic link or its target was changed"
refused 1 'No such file or directory' "kiln compile -o MISSING-DIR/x" \
  "$kiln" compile "$wasm" -o "$tmp/missing/x.kwasm"

# A regular output: written, no temporary left, replacing keeps the mode.
(umask 022 && timeout 60 "$kiln" compile "$wasm" -o "$tmp/out.kwasm") &&
  [ "$(stat -c %a "$tmp/out.kwasm")" = 644 ] || fail "a new output (mode 644 under umask 022)"
chmod 640 "$tmp/out.kwasm"
timeout 60 "$kiln" compile "$wasm" -o "$tmp/out.kwasm" &&
  [ "$(stat -c %a "$tmp/out.kwasm")" = 640 ] || fail "a replaced output keeps mode 640"
timeout 10 "$kiln_run" "$tmp/out.kwasm" > "$tmp/run.out" ||
  fail "the written artifact runs"
[ -z "$(find "$tmp" -name '*.tmp')" ] || fail "a temporary file was left behind"
(cd "$tmp" && timeout 60 "$kiln" compile "$wasm" -o rel.kwasm) && [ -s "$tmp/rel.kwasm" ] ||
  fail "an output in the current directory"

echo "$fails failed"
finish
