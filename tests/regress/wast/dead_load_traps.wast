;; Found by the differential tester (kiln JIT -O2 against -O0 and
;; wasm-interp, seeds 15 and 19): LLVM deleted an out-of-bounds load whose
;; value was unused, and sank one past a division's trap, so the call
;; returned, or trapped with "integer divide by zero" instead of "out of
;; bounds memory access".  Memory loads now feed an inline asm with side
;; effects (lower_memory_load).
(module
  (memory 1)
  (func (export "dead") (drop (i32.load (i32.const 70000))))
  (func (export "dead_in_expr") (result i32)
    (drop (i32.add (i32.load8_u (i32.const 65536)) (i32.const 1)))
    (i32.const 7))
  (func (export "dead_v128") (drop (v128.load (i32.const 65530))))
  (func (export "dead_f64") (param i32) (drop (f64.load offset=65528 (local.get 0))))
  (func (export "before_div") (param i32) (result i32)
    (i32.add (i32.load (i32.const 70000)) (i32.div_s (i32.const 1) (local.get 0))))
  (func (export "before_div_dropped") (param i32) (result i32)
    (local $x i32)
    (local.set $x (i32.load16_s (i32.const 65535)))
    (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "in_bounds") (result i32)
    (drop (i32.load (i32.const 65532)))
    (i32.const 1)))
(assert_trap (invoke "dead") "out of bounds memory access")
(assert_trap (invoke "dead_in_expr") "out of bounds memory access")
(assert_trap (invoke "dead_v128") "out of bounds memory access")
(assert_trap (invoke "dead_f64" (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "dead_f64" (i32.const 0)))
(assert_trap (invoke "before_div" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "before_div_dropped" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "in_bounds") (i32.const 1))
