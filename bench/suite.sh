# bench/suite.sh — sourced by bench/run and bench/ab.sh: the suite's
# programs (bench/programs), each "name|arguments for a timed run|arguments
# for --check", and what both do around a first run.
suite=(
  "coremark_like|2000|5" "fib|40|20" "sieve|40|1" "memops|600|2" "nbody|5000000|1000"
  "mandelbrot|1600|100" "matmul|400|40" "sha256|100|2" "qsort|2000000|10000"
  "interp|6000|100" "binarytrees|18|8" "strings|60|1" "simd|20000|10"
  "btree|300|2" "deflate|40|4"
  "lisp|100|1" "regex|50000|300" "json|20|1" "threads|100|2"
)

# settle DIR: waits until no process runs with cache directory DIR (a
# cache filled in the background after `kiln run` exits would take CPU
# from the next run; the run's own time is what the user waits), then
# removes it.
settle() {
  for _ in $(seq 3000); do
    grep -qszxF "KILN_CACHE_DIR=$1" /proc/[0-9]*/environ || break
    sleep 0.1
  done
  rm -rf "$1"
}
