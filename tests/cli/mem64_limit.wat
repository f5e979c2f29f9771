;; tests/cli/max_memory64.sh: a 64-bit memory of one page without a
;; maximum; "grow" grows it by n pages and returns memory.size after, or
;; -1 when memory.grow fails.
(module
  (memory i64 1)
  (func (export "grow") (param i64) (result i64)
    (if (i64.eq (memory.grow (local.get 0)) (i64.const -1))
      (then (return (i64.const -1))))
    (i64.store (i64.sub (i64.shl (memory.size) (i64.const 16)) (i64.const 8)) (i64.const 1))
    (memory.size)))
