#!/usr/bin/env bash
# damage.sh DAMAGE KILN KILN_RUN WASM — bad artifacts (damage.c) are refused
# through the API, and by both CLIs with one error line and a normal
# non-zero exit: never run, never a signal.
set -u
damage=$1 kiln=$2 kilnrun=$3 wasm=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$damage" "$wasm" "$tmp" || exit 1
n=0
for f in "$tmp"/*.kwasm; do
  for cli in "$kiln run" "$kilnrun"; do
    $cli "$f" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
      echo "FAIL: $cli $(basename "$f"): exit $rc"; cat "$tmp/err"; exit 1
    fi
    # Damage behind valid hashes (it once crashed the loader): exit 1.
    case $(basename "$f") in
      export-index.kwasm|symbol-value.kwasm|module-sha256.kwasm)
        [ $rc = 1 ] || { echo "FAIL: $cli $(basename "$f"): exit $rc, not 1"; exit 1; } ;;
    esac
    [ ! -s "$tmp/out" ] || { echo "FAIL: $cli $(basename "$f") ran"; exit 1; }
    [ "$(grep -c '^kiln: ' "$tmp/err")" = 1 ] ||
      { echo "FAIL: $cli $(basename "$f"):"; cat "$tmp/err"; exit 1; }
    n=$((n + 1))
  done
done
[ $n -ge 22 ] || { echo "FAIL: only $n runs"; exit 1; }
echo "$n runs of damaged artifacts through kiln run and kiln-run: all refused with one line"
