#!/usr/bin/env bash
# bench/simd.sh [ROUNDS] — the SIMD kernel (bench/programs/simd.c: dot product and
# alpha blend) built as SIMD wasm, scalar wasm and native code, run side by
# side: kiln JIT and kiln AOT (kiln-run on an artifact) for both wasm
# builds, and the native build.  Reports the median kernel time of RUNS
# (default 7) alternating runs, its range, and the ratio to native.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KILN_BUILD_DIR:-build}
runs=${RUNS:-7} rounds=${1:-2000}
kiln=$build/tools/kiln kilnrun=$build/tools/kiln-run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kiln" compile "$build/bench/programs/simd.wasm" -o "$tmp/simd.kwasm"
"$kiln" compile "$build/bench/programs/simd-scalar.wasm" -o "$tmp/scalar.kwasm"
names=("native" "kiln JIT, SIMD" "kiln AOT, SIMD" "kiln JIT, scalar" "kiln AOT, scalar")
cmds=("$build/bench/programs/native/simd"
      "$kiln run --no-cache $build/bench/programs/simd.wasm"
      "$kilnrun $tmp/simd.kwasm"
      "$kiln run --no-cache $build/bench/programs/simd-scalar.wasm"
      "$kilnrun $tmp/scalar.kwasm")
for _ in $(seq "$runs"); do
  for i in "${!cmds[@]}"; do
    # shellcheck disable=SC2086
    ${cmds[$i]} "$rounds" 2>&1 > "$tmp/out.$i" | sed -n 's/^kernel time: \([0-9.]*\) ms/\1/p' >> "$tmp/t.$i"
  done
done
for i in "${!cmds[@]}"; do
  cmp -s "$tmp/out.0" "$tmp/out.$i" || { echo "checksum differs: ${names[$i]}"; exit 1; }
done
echo "SIMD kernel (dot product + alpha blend, $rounds rounds), $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo
echo "| build | median | range | ratio to native |"
echo "|---|---|---|---|"
native=$(sort -g "$tmp/t.0" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
for i in "${!cmds[@]}"; do
  sort -g "$tmp/t.$i" | awk -v name="${names[$i]}" -v native="$native" \
    '{a[NR] = $1} END {m = a[int((NR + 1) / 2)]; printf "| %s | %.2f ms | %.2f - %.2f | %.2f |\n", name, m, a[1], a[NR], m / native}'
done
echo
echo "checksum: $(cat "$tmp/out.0")"
