#!/usr/bin/env bash
# relaxed_simd.sh KILN DIR — kiln's choices among relaxed SIMD's results
# (relaxed_simd.wast, relaxed_simd_fma.wast in DIR) exactly, and the same
# in every mode: the JIT at -O2 and -O0, tier 0, the interpreter tier (which
# compiles functions with v128), tier 1 reached at once, and artifacts.
# madd fuses where the target has FMA (nmadd never): on this CPU as its flags say,
# and never in an artifact for any x86-64 (--target-cpu generic).
kiln=$1 dir=$2
. "$(dirname "$0")/lib.sh"

command -v "${KILN_WAST2JSON:-wast2json}" > /dev/null || { echo "no wast2json: skipped"; exit 77; }
# The "unfused" results of relaxed_simd_fma.wast in place of the fused.
sed -E 's/^  \(v128\.const (f32x4|f64x2) [^;]*;; unfused (.*)$/  (v128.const \1 \2))/' \
  "$dir/relaxed_simd_fma.wast" > "$tmp/unfused.wast"
fma=$dir/relaxed_simd_fma.wast
grep -qw fma /proc/cpuinfo || fma=$tmp/unfused.wast

# run NAME WAST OPTIONS...: every command of WAST passes.
run() {
  local name=$1 wast=$2 out
  shift 2
  out=$(KILN_TIER_UP_SYNC=1 "$kiln" wast --enable-relaxed-simd "$@" "$wast" 2>&1 | tail -1)
  case $out in
  *" passed, 0 failed, 0 skipped") ;;
  *) fail "$name ($*): $out" ;;
  esac
}
for mode in "" -O0 --tier=0 "--tier interp" "--tier=tiered --tier-up-threshold=1" --aot; do
  # shellcheck disable=SC2086
  run choices "$dir/relaxed_simd.wast" $mode
  # shellcheck disable=SC2086
  run madd "$fma" $mode
done
run choices "$dir/relaxed_simd.wast" --aot --target-cpu generic
run "madd unfused" "$tmp/unfused.wast" --aot --target-cpu generic
finish "relaxed SIMD: the same chosen results under the JIT, tier 0, the interpreter and artifacts"
