;; kiln run --tier=interp (interp.sh): a recursive function, a trap, a
;; loop calling a small function (tier-up from loops and calls), and
;; recursions as deep as asked (the stack an interpreted call takes: its C
;; frame on the native stack, its slots on the value stack; `wide` has 100
;; locals more).
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "div") (param i32) (result i32)
    (i32.div_s (i32.const 100) (local.get 0)))
  (func (export "spin") (loop $l (br $l)))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "sumsq") (param i32) (result i32) (local i32 i32)
    (loop $l
      (if (i32.lt_u (local.get 1) (local.get 0))
        (then (local.set 2 (i32.add (local.get 2) (call $sq (local.get 1))))
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (br $l))))
    (local.get 2))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (else (i32.const 0))))
  (func $wide (export "wide") (param i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (if (result i32) (local.get 0)
      (then (i32.add (call $wide (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (else (i32.const 0)))))
