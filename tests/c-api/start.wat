;; A start function that traps one call deep: instantiation fails with the
;; trap, whose frames are the two functions.
(module
  (func $boom (unreachable))
  (func $start (call $boom))
  (start $start)
)
