;; Found by the differential tester (kiln JIT -O2 against -O0 and
;; wasm-interp, seed 54302): a global.set before an out-of-bounds v128.store
;; was deleted, because the same global was set again after it and LLVM
;; takes a store for one that cannot fault, so nothing in between read the
;; first value.  The trap left the global's old value behind.  What a
;; function wrote before it trapped stays written: every store to linear
;; memory is now followed by an empty inline asm with side effects
;; (lower_memory_store), which LLVM must assume reads all memory.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "global_then_v128") (param $p i32)
    (global.set $g (i32.const 280))
    (v128.store (local.get $p) (v128.const i64x2 0 0))
    (global.set $g (i32.const 31)))
  (func (export "global_then_i32") (param $p i32)
    (global.set $g (i32.const 281))
    (i32.store (local.get $p) (i32.const 0))
    (global.set $g (i32.const 32)))
  (func (export "global_then_load") (param $p i32)
    (global.set $g (i32.const 282))
    (drop (i64.load (local.get $p)))
    (global.set $g (i32.const 33)))
  (func (export "memory_then_store") (param $p i32)
    (i32.store (i32.const 16) (i32.const 283))
    (i64.store offset=8 (local.get $p) (i64.const 0))
    (i32.store (i32.const 16) (i32.const 34)))
  (func (export "memory_then_lane") (param $p i32)
    (i32.store (i32.const 16) (i32.const 284))
    (v128.store16_lane 3 (local.get $p) (v128.const i64x2 0 0))
    (i32.store (i32.const 16) (i32.const 35)))
  (func (export "loop_then_store") (param $p i32)
    (local $i i32)
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 8))))
    (i32.store (local.get $p) (i32.const 0))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 32)))
  (func (export "g") (result i32) (global.get $g))
  (func (export "m") (param i32) (result i32) (i32.load (local.get 0))))

(assert_trap (invoke "global_then_v128" (i32.const 146625)) "out of bounds memory access")
(assert_return (invoke "g") (i32.const 280))
(assert_return (invoke "global_then_v128" (i32.const 0)))
(assert_return (invoke "g") (i32.const 31))

(assert_trap (invoke "global_then_i32" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "g") (i32.const 281))
(assert_trap (invoke "global_then_load" (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "g") (i32.const 282))

(assert_trap (invoke "memory_then_store" (i32.const 65528)) "out of bounds memory access")
(assert_return (invoke "m" (i32.const 16)) (i32.const 283))
(assert_trap (invoke "memory_then_lane" (i32.const 65535)) "out of bounds memory access")
(assert_return (invoke "m" (i32.const 16)) (i32.const 284))

(assert_trap (invoke "loop_then_store" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "m" (i32.const 0)) (i32.const 0))
(assert_return (invoke "m" (i32.const 28)) (i32.const 7))
