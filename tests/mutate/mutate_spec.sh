#!/usr/bin/env bash
# mutate_spec.sh KILN_MUTATE SPEC_DIR — converts every core .wast of the
# testsuite with wast2json (the modules `kiln wast` runs) and feeds each
# module, truncated and bit-flipped, to decode + validate.  $KILN_SPEC_DIR
# overrides SPEC_DIR; no testsuite → exit 77 (ctest: skipped).
set -u
mutate=$1 spec=${KILN_SPEC_DIR:-$2}
if [ ! -d "$spec/core" ]; then
  echo "skipped: no testsuite ($spec/core not found)"
  exit 77
fi
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
for wast in "$spec"/core/*.wast; do
  name=$(basename "$wast" .wast)
  mkdir -p "$work/$name"
  (cd "$work/$name" && wast2json "$wast" -o "$name.json") || { echo "wast2json failed on $wast"; exit 1; }
done
echo "converted $(ls "$spec"/core/*.wast | wc -l) scripts into $(find "$work" -name '*.wasm' | wc -l) modules"
"$mutate" "$work"
