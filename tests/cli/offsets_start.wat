;; A start function that traps one call deep (offsets.sh): instantiation
;; fails with the trap, and its backtrace names both functions.
(module
  (memory 1)
  (func $boom (unreachable))
  (func $start (call $boom))
  (start $start)
)
