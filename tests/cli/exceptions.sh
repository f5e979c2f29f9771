#!/usr/bin/env bash
# exceptions.sh KILN DIR — exception handling's corners (exceptions.wast in
# DIR: tail calls leaving a try, branches and returns out of a catch, loops
# in try and catch bodies, cleanups, every value type) in every mode: the
# JIT at -O2 and -O0, tier 0, tier 1 reached at once and through loops,
# and artifacts.  (kiln run's default, the interpreter, compiles a module
# using exceptions at tier 0.)
kiln=$1 dir=$2
. "$(dirname "$0")/lib.sh"

command -v "${KILN_WAST2JSON:-wast2json}" > /dev/null || { echo "no wast2json: skipped"; exit 77; }
for mode in "" -O0 --tier=0 "--tier=tiered --tier-up-threshold=1" \
            "--tier=tiered --tier-up-threshold=1000" "--tier interp" --aot; do
  # shellcheck disable=SC2086
  out=$(KILN_TIER_UP_SYNC=1 "$kiln" wast --enable-exceptions --enable-tail-call $mode \
        "$dir/exceptions.wast" 2>&1 | tail -1)
  case $out in
  *" passed, 0 failed, 0 skipped") ;;
  *) fail "exceptions.wast ($mode): $out" ;;
  esac
done
finish
