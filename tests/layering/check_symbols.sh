#!/usr/bin/env bash
# check_symbols.sh SOURCE_DIR RUNTIME_LIB COMPILER_LIB
# The seam between compiler and runtime, checked on the built libraries
# (../../docs/architecture.md):
#  - libkiln-runtime.so exports the public API (the KILN_API declarations
#    of include/kiln.h, kiln_wasi.h and kiln_wasm.h) and the internal ABI
#    listed in runtime/libkiln-runtime.map, nothing else;
#  - libkiln-compiler.so exports public API only: those declarations, and
#    the standard C API of include/wasm.h;
#  - every public function is exported by one of them, every listed
#    internal by the runtime;
#  - the compiler calls no runtime symbol the runtime does not export, and
#    includes no runtime header but krt.h.
# It then checks itself on doctored symbol lists, so that it can fail.
set -u
src=$1 runtime=$2 compiler=$3
map=$src/runtime/libkiln-runtime.map

# Declarations start at KILN_API; the name is what precedes the first "("
# once attributes are gone.
api=$(grep -hE '^KILN_API' "$src/include/kiln.h" "$src/include/kiln_wasi.h" \
	"$src/include/kiln_wasm.h" |
      sed -E 's/__attribute__\(\([^)]*\)\)//g; s/\(.*//' |
      grep -oE '[A-Za-z_][A-Za-z_0-9]*$' | sort -u)
# The standard C API: what wasm.h declares with WASM_API_EXTERN, read from
# the preprocessed header (its vector and reference macros declare most).
std=$(${CC:-cc} -E -P -DWASM_API_EXTERN=@WASMAPI@ "$src/include/wasm.h" | tr '\n' ' ' |
      tr ';' '\n' | grep -oE '@WASMAPI@[^(]*\(' | sed -E 's/\($//; s/.*[^A-Za-z0-9_]//' |
      sort -u)
abi=$(sed -n '/internal ABI: begin/,/internal ABI: end/p' "$map" |
      grep -oE '^[[:space:]]*[A-Za-z_][A-Za-z_0-9]*;' | tr -d ' \t;' | sort -u)
defined() { nm -D --defined-only "$1" | awk '{print $NF}' | sort -u; }
rt=$(defined "$runtime") || { echo "FAIL: cannot read $runtime"; exit 1; }
cc=$(defined "$compiler") || { echo "FAIL: cannot read $compiler"; exit 1; }
cc_calls=$(nm -D --undefined-only "$compiler" | awk '{print $NF}' |
	   grep -E '^(kiln_|krt_|rd_)' | sort -u)
if [ -z "$api" ] || [ -z "$abi" ] || [ -z "$std" ]; then
  echo "FAIL: read no public API from kiln.h or wasm.h or no internal ABI from $map"
  exit 1
fi

# missing A B: the lines of A that are not lines of B (both sorted).
missing() { comm -23 <(sort -u <<<"$1") <(sort -u <<<"$2"); }

# fail PREFIX SUFFIX: each line of stdin as a failure.
fail() { sed "s/^/FAIL: $1/; s/\$/$2/"; }

# check RUNTIME_EXPORTS COMPILER_EXPORTS: prints what is wrong, fails on it.
check() {
  local out
  out=$(missing "$1" "$api"$'\n'"$abi" |
	  fail "libkiln-runtime.so exports " ", in neither kiln.h nor the internal ABI"
	missing "$2" "$api"$'\n'"$std" |
	  fail "libkiln-compiler.so exports " ", in neither kiln.h nor wasm.h"
	missing "$api" "$1"$'\n'"$2" | fail "public " " is exported by neither library"
	missing "$abi" "$1" | fail "internal ABI " " is not exported by libkiln-runtime.so"
	comm -12 <(echo "$api") <(echo "$abi") | fail "public and internal ABI: " ""
	missing "$cc_calls" "$1" | fail "libkiln-compiler.so calls " ", which the runtime hides")
  [ -z "$out" ] || { echo "$out"; return 1; }
}

status=0
check "$rt" "$cc" || status=1
bad=$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$src"/compiler/*.[ch] |
      while read -r f; do
	sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$f" |
	while read -r h; do
	  [ "$h" != krt.h ] && [ -f "$src/runtime/$h" ] && [ ! -f "$src/compiler/$h" ] &&
	    echo "${f#"$src"/}: $h"
	done
      done)
if [ -n "$bad" ]; then
  echo "FAIL: compiler/ includes runtime headers other than krt.h:"
  echo "$bad"
  status=1
fi

# The check must be able to fail: an undeclared export, a missing public
# function and a missing internal each make it fail.
first_api=$(head -n1 <<<"$api")
first_abi=$(head -n1 <<<"$abi")
if check "$rt"$'\n'kiln_not_declared "$cc" >/dev/null ||
   check "$rt" "$cc"$'\n'wasm_not_declared >/dev/null ||
   check "$(grep -vxF "$first_api" <<<"$rt")" "$(grep -vxF "$first_api" <<<"$cc")" >/dev/null ||
   check "$(grep -vxF "$first_abi" <<<"$rt")" "$cc" >/dev/null; then
  echo "FAIL: the check passes doctored symbol lists"
  status=1
fi
[ $status = 0 ] && echo "exported: libkiln-runtime.so $(wc -l <<<"$rt")," \
  "libkiln-compiler.so $(wc -l <<<"$cc"); $(wc -l <<<"$api") public API," \
  "$(wc -l <<<"$abi") internal ABI, $(wc -l <<<"$std") standard C API"
exit $status
