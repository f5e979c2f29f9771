#!/usr/bin/env bash
# bench/dump_same.sh KILN WASM... — `kiln compile --dump` writes the
# artifact it would write without --dump, byte for byte: code generation
# changes the IR it runs on, so the assembly it dumps must come from a
# copy, or the object is generated twice and differs (bench's regex and
# json did).  Also checks that the dump's assembly holds a body.
set -u
kiln=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
for wasm in "$@"; do
  n=$(basename "$wasm" .wasm)
  if ! "$kiln" compile --dump "$tmp/$n" "$wasm" -o "$tmp/$n.dump.kwasm" ||
     ! "$kiln" compile "$wasm" -o "$tmp/$n.kwasm"; then
    echo "FAIL: $n: kiln compile"; rc=1; continue
  fi
  cmp -s "$tmp/$n.dump.kwasm" "$tmp/$n.kwasm" ||
    { echo "FAIL: $n: the artifact compiled with --dump differs from the one without"; rc=1; }
  grep -q '^b[0-9]*:' "$tmp/$n.s" || { echo "FAIL: $n: no body in $n.s"; rc=1; }
done
[ $rc = 0 ] && echo "ok: --dump leaves the artifact as it is ($#)"
exit $rc
