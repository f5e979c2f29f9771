#!/usr/bin/env bash
# install_pkg.sh BUILD_DIR SOURCE_DIR HELLO_WASM
# Installs the build into a temporary prefix, then builds the embedding
# example against it twice — through pkg-config and through find_package —
# and the standard C API's example (examples/c-api) through pkg-config, and
# runs them on the bundled example module.  $CFLAGS reaches both
# builds (the sanitizer build passes -fsanitize there).
set -eu
CFLAGS=${CFLAGS:-}
build=$1 src=$2 wasm=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
lib=$(ls -d "$tmp"/prefix/lib*/ | head -1)
export PKG_CONFIG_PATH=$lib/pkgconfig
# shellcheck disable=SC2046
cc $CFLAGS -o "$tmp/via-pc" "$src/examples/embed/validate_file.c" $(pkg-config --cflags --libs kiln)
LD_LIBRARY_PATH=$lib "$tmp/via-pc" "$wasm" | tee "$tmp/out1"
grep -q '^valid:' "$tmp/out1"
# The standard C API: a wasm.h host, unchanged, against the installed headers.
# shellcheck disable=SC2046
cc $CFLAGS -o "$tmp/c-api" "$src/examples/c-api/run_wasi.c" $(pkg-config --cflags --libs kiln)
LD_LIBRARY_PATH=$lib "$tmp/c-api" "$wasm" | tee "$tmp/out3"
grep -q '^Hello from WebAssembly' "$tmp/out3"

mkdir "$tmp/proj"
cat > "$tmp/proj/CMakeLists.txt" << EOC
cmake_minimum_required(VERSION 3.25)
project(uses_kiln C)
find_package(kiln 0.1 REQUIRED)
add_executable(via-cmake $src/examples/embed/validate_file.c)
target_link_libraries(via-cmake PRIVATE kiln::kiln-compiler)
EOC
cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DCMAKE_C_FLAGS="$CFLAGS" > /dev/null
cmake --build "$tmp/proj/build" > /dev/null
"$tmp/proj/build/via-cmake" "$wasm" | tee "$tmp/out2"
grep -q '^valid:' "$tmp/out2"
echo "pkg-config and find_package(kiln) both work, wasm.h too"
