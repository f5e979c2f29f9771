#!/usr/bin/env bash
# every_function.sh SOURCE_DIR COMPILER_LIB RUNTIME_LIB
# The standard C API is whole: a program that references every function
# include/wasm.h declares (read from the preprocessed header, as
# layering_exported_symbols reads it) links against libkiln-compiler.so
# and runs — but for those tests/c-api/not_implemented.txt lists, each of
# which must still be missing.  $CFLAGS reaches the compiler (the
# sanitizer build passes -fsanitize there).
set -eu
CFLAGS=${CFLAGS:-}
src=$1 compiler=$2 runtime=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -E -P -DWASM_API_EXTERN=@WASMAPI@ "$src/include/wasm.h" | tr '\n' ' ' |
  tr ';' '\n' | grep -oE '@WASMAPI@[^(]*\(' | sed -E 's/\($//; s/.*[^A-Za-z0-9_]//' |
  sort -u > "$tmp/declared"
grep -vE '^(#|$)' "$src/tests/c-api/not_implemented.txt" | sort -u > "$tmp/missing"
nm -D --defined-only "$compiler" | awk '{print $NF}' | sort -u > "$tmp/defined"
[ -s "$tmp/declared" ] || { echo "FAIL: read no declarations from wasm.h"; exit 1; }
status=0
for f in $(comm -12 "$tmp/missing" "$tmp/defined"); do
  echo "FAIL: $f is defined now: take it off tests/c-api/not_implemented.txt"
  status=1
done
for f in $(comm -23 "$tmp/missing" "$tmp/declared"); do
  echo "FAIL: not_implemented.txt lists $f, which wasm.h does not declare"
  status=1
done
{
  echo '#include <stdio.h>'
  echo '#include "wasm.h"'
  echo 'typedef void (*fn)(void);'
  echo 'static fn const all[] = {'
  comm -23 "$tmp/declared" "$tmp/missing" | sed 's/.*/\t(fn)&,/'
  echo '};'
  echo 'int main(void)'
  echo '{'
  echo '	size_t n = 0;'
  echo '	for (size_t i = 0; i < sizeof all / sizeof *all; i++)'
  echo '		n += all[i] != NULL;'
  echo '	printf("%zu functions defined\n", n);'
  echo '	return n == sizeof all / sizeof *all ? 0 : 1;'
  echo '}'
} > "$tmp/all.c"
# shellcheck disable=SC2086
if ! ${CC:-cc} $CFLAGS -I "$src/include" -o "$tmp/all" "$tmp/all.c" "$compiler" "$runtime" \
     -Wl,-rpath,"$(dirname "$compiler")":"$(dirname "$runtime")" 2> "$tmp/link.log"; then
  echo "FAIL: a declared function is not defined:"
  grep -oE "undefined reference to \`[A-Za-z0-9_]+'" "$tmp/link.log" | sort -u
  exit 1
fi
"$tmp/all" || status=1
echo "$(wc -l < "$tmp/declared") declared, $(wc -l < "$tmp/missing") not implemented yet"
exit $status
