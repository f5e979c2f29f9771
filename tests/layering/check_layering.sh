#!/usr/bin/env bash
# check_layering.sh SOURCE_DIR RUNTIME_LIB COMPILER_LIB lazy|linked
# The runtime must never include or link LLVM (../../docs/architecture.md):
#  - no file under runtime/ includes an llvm header;
#  - the runtime library's NEEDED entries name no LLVM library, and nor
#    do the compiler library's when it loads libLLVM as it first needs it
#    (lazy: compiler/llvm_lazy.c), while they do when it links it (linked:
#    sanitizer builds); they name the runtime either way (so the check
#    reads something and can fail).
set -u
src=$1 runtime=$2 compiler=$3 llvm=$4
status=0
if grep -rInE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]llvm' "$src/runtime"; then
  echo "FAIL: runtime/ includes LLVM headers (above)"
  status=1
fi
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
rt=$(needed "$runtime") || { echo "FAIL: cannot read $runtime"; exit 1; }
echo "kiln-runtime NEEDED: $(echo $rt)"
if echo "$rt" | grep -qi llvm; then
  echo "FAIL: kiln-runtime links LLVM"
  status=1
fi
cc=$(needed "$compiler")
echo "kiln-compiler NEEDED: $(echo $cc)"
if ! echo "$cc" | grep -q libkiln-runtime; then
  echo "FAIL: kiln-compiler does not name kiln-runtime: the NEEDED check reads nothing"
  status=1
fi
if [ "$llvm" = lazy ] && echo "$cc" | grep -qi llvm; then
  echo "FAIL: kiln-compiler links LLVM: every process using it loads libLLVM at start-up"
  status=1
elif [ "$llvm" = linked ] && ! echo "$cc" | grep -qi llvm; then
  echo "FAIL: kiln-compiler does not name LLVM although it links it"
  status=1
elif [ "$llvm" != lazy ] && [ "$llvm" != linked ]; then
  echo "FAIL: lazy or linked, not '$llvm'"
  status=1
fi
[ $status = 0 ] && echo "runtime is LLVM-free"
exit $status
