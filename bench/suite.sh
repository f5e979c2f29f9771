# bench/suite.sh — sourced by bench/run and bench/ab.sh: the suite's
# programs (bench/programs), each "name|arguments for a timed run|arguments
# for --check".
suite=(
  "coremark_like|2000|5" "fib|40|20" "sieve|40|1" "memops|600|2" "nbody|5000000|1000"
  "mandelbrot|1600|100" "matmul|400|40" "sha256|100|2" "qsort|2000000|10000"
  "interp|6000|100" "binarytrees|18|8" "strings|60|1" "simd|20000|10"
  "btree|300|2" "deflate|40|4"
  "lisp|100|1" "regex|50000|300" "json|20|1" "threads|100|2"
)
