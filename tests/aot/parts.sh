#!/usr/bin/env bash
# parts.sh KILN KILN_RUN BIG_WASM BIG_NATIVE — a module with over 128 KiB
# of code is compiled in parts, in parallel: the artifact holds several
# objects (10: big.c's ~316 KiB of code in parts of at least 32 KiB, as
# the README says), is the same on 1 thread as on 2, shows progress on a terminal,
# and runs (runtime-only, calls crossing parts) exactly like native code;
# --part-bytes none makes one part, --part-bytes N parts of about N bytes
# (at most 64), both running alike, and a bad size is refused.
set -u
kiln=$1 kiln_run=$2 wasm=$3 native=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kiln" compile --threads 1 "$wasm" -o "$tmp/one.kwasm" || exit 1
"$kiln" compile --threads 2 "$wasm" -o "$tmp/two.kwasm" 2> "$tmp/err" < /dev/null || exit 1
[ ! -s "$tmp/err" ] || { echo "FAIL: progress written to a file"; cat "$tmp/err"; exit 1; }
cmp "$tmp/one.kwasm" "$tmp/two.kwasm" || { echo "FAIL: the artifact depends on the threads"; exit 1; }
n=$("$kiln" inspect "$tmp/two.kwasm" | grep -c '^object [0-9]*:')
[ "$n" = 10 ] || { echo "FAIL: $n object(s) for $(stat -c %s "$wasm") bytes of module, expected 10 parts"; exit 1; }
echo "$n parts, the same artifact on 1 and 2 threads"
if command -v script > /dev/null; then
  script -qc "'$kiln' compile '$wasm' -o '$tmp/tty.kwasm'" /dev/null > "$tmp/tty" < /dev/null
  grep -q "compiling .*: [0-9]*/[0-9]* functions, [0-9.]* s" "$tmp/tty" ||
    { echo "FAIL: no progress on a terminal"; cat "$tmp/tty"; exit 1; }
  echo "progress shown on a terminal: $(tr '\r' '\n' < "$tmp/tty" | grep -c functions) updates"
fi
"$kiln_run" "$tmp/two.kwasm" > "$tmp/aot.out" || { echo "FAIL: kiln-run failed"; exit 1; }
"$native" > "$tmp/native.out"
cmp "$tmp/aot.out" "$tmp/native.out" || { echo "FAIL: output differs from native"; exit 1; }
cat "$tmp/aot.out"
"$kiln" compile --part-bytes none "$wasm" -o "$tmp/one-part.kwasm" || exit 1
"$kiln" compile --part-bytes 4096 "$wasm" -o "$tmp/small-parts.kwasm" || exit 1
n1=$("$kiln" inspect "$tmp/one-part.kwasm" | grep -c '^object [0-9]*:')
n64=$("$kiln" inspect "$tmp/small-parts.kwasm" | grep -c '^object [0-9]*:')
[ "$n1" = 1 ] && [ "$n64" = 64 ] ||
  { echo "FAIL: --part-bytes none gave $n1 objects (1 expected), 4096 gave $n64 (64)"; exit 1; }
for a in one-part small-parts; do
  "$kiln_run" "$tmp/$a.kwasm" > "$tmp/$a.out" && cmp -s "$tmp/$a.out" "$tmp/native.out" ||
    { echo "FAIL: $a: output differs from native"; exit 1; }
done
for bad in 0 -1 12x "" 4294967296; do
  "$kiln" compile --part-bytes "$bad" "$wasm" -o "$tmp/bad.kwasm" 2> "$tmp/err"
  [ $? = 2 ] && grep -q "bad part size" "$tmp/err" ||
    { echo "FAIL: --part-bytes '$bad' not refused as a usage error"; cat "$tmp/err"; exit 1; }
done
echo "--part-bytes: none 1 part, 4096 $n64 parts, both as native; bad sizes refused"
