;; SIMD functions, which the JIT compiles, among scalar ones that the
;; interpreter runs (interp.sh, --tier=interp): calls both ways, direct and
;; through the table, several results both ways, traps through frames of
;; the other kind, and a trap's backtrace through frames of both kinds.
(module
  (type $ii (func (param i32) (result i32)))
  (memory 1)
  (table funcref (elem $sq $lanes))

  ;; Interpreted.
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $pair (param i32) (result i32 i64)
    (i32.mul (local.get 0) (i32.const 3))
    (i64.extend_i32_s (i32.add (local.get 0) (i32.const 1))))

  ;; Compiled: each calls an interpreted function.
  (func $lanes (param i32) (result i32)	;; 2 + x * x
    (i32x4.extract_lane 1
      (i32x4.add (v128.const i32x4 1 2 3 4) (i32x4.splat (call $sq (local.get 0))))))
  (func $simd_div (param i32 i32) (result i32)
    (i32x4.extract_lane 2 (i32x4.splat (call $div (local.get 0) (local.get 1)))))
  (func $simd_pair (param i32) (result i64 i32)	;; (x + 1) * 1000 + 3x, 3x
    (local $a i32) (local $b i64)
    (call $pair (local.get 0))
    (local.set $b)
    (local.set $a)
    (i64.add (i64.mul (local.get $b) (i64.const 1000)) (i64.extend_i32_s (local.get $a)))
    (i32x4.extract_lane 3 (i32x4.splat (local.get $a))))
  (func $simd_load (param i32) (result i32)	;; traps past the memory
    (i32x4.extract_lane 0 (v128.load (local.get 0))))

  ;; Interpreted, calling compiled code.
  (func (export "lane") (result i32) (call $lanes (i32.const 0)))
  (func (export "lanes") (param i32) (result i32)	;; direct, then through the table
    (i32.add (call $lanes (local.get 0))
             (call_indirect (type $ii) (local.get 0) (i32.const 1))))
  (func (export "div") (param i32 i32) (result i32)
    (i32.add (call $simd_div (local.get 0) (local.get 1)) (i32.const 1)))
  (func (export "pair") (param i32) (result i64)
    (call $simd_pair (local.get 0))
    (i64.extend_i32_s)
    (i64.add))
  (func (export "load") (param i32) (result i32)
    (i32.store (i32.const 16) (i32.const 42))
    (i32.add (call $simd_load (local.get 0)) (i32.const 1)))

  ;; A trap five frames deep, interpreted, compiled, interpreted: deep,
  ;; $mid, $simd_div2, $div2, $div (the innermost).
  (func $div2 (param i32 i32) (result i32)
    (i32.add (call $div (local.get 0) (local.get 1)) (i32.const 2)))
  (func $simd_div2 (param i32 i32) (result i32)
    (i32x4.extract_lane 0 (i32x4.splat (call $div2 (local.get 0) (local.get 1)))))
  (func $mid (param i32 i32) (result i32)
    (i32.add (call $simd_div2 (local.get 0) (local.get 1)) (i32.const 3)))
  (func (export "deep") (param i32 i32) (result i32)
    (i32.add (call $mid (local.get 0) (local.get 1)) (i32.const 4))))
