;; kiln run --tier=interp (interp.sh): a recursive function and a trap.
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "div") (param i32) (result i32)
    (i32.div_s (i32.const 100) (local.get 0)))
  (func (export "spin") (loop $l (br $l))))
