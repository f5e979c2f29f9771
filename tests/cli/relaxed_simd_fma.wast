;; relaxed madd: fused where the code's target has FMA, the expected
;; results here; relaxed_simd.sh expects each line's "unfused" results
;; instead for a target without (--target-cpu generic, or a CPU without
;; FMA).  relaxed nmadd: never fused, whatever the target.
(module
  (func (export "madd32") (param v128 v128 v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "nmadd32") (param v128 v128 v128) (result v128)
    (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "madd64") (param v128 v128 v128) (result v128)
    (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "nmadd64") (param v128 v128 v128) (result v128)
    (f64x2.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  ;; on constants, which LLVM folds: the same choice
  (func (export "madd32_const") (result v128)
    (f32x4.relaxed_madd (v128.const f32x4 0x1.000004p+0 0x1.000004p+0 0x1.fffffep+127 1)
                        (v128.const f32x4 0x1.0002p+0 0x1.0002p+0 2 1)
                        (v128.const f32x4 -0x1.000204p+0 -0x1.000204p+0 -0x1.fffffep+127 1)))
)

;; x * y is z + 2^-37 exactly, which one rounding keeps and two lose
(assert_return (invoke "madd32"
    (v128.const f32x4 0x1.000004p+0 0x1.000004p+0 0x1.fffffep+127 1)
    (v128.const f32x4 0x1.0002p+0 0x1.0002p+0 2 1)
    (v128.const f32x4 -0x1.000204p+0 -0x1.000204p+0 -0x1.fffffep+127 1))
  (v128.const f32x4 0x1p-37 0x1p-37 0x1.fffffep+127 2)) ;; unfused 0 0 inf 2
(assert_return (invoke "madd32_const")
  (v128.const f32x4 0x1p-37 0x1p-37 0x1.fffffep+127 2)) ;; unfused 0 0 inf 2
(assert_return (invoke "nmadd32"
    (v128.const f32x4 0x1.000004p+0 0x1.000004p+0 0x1.000004p+0 1)
    (v128.const f32x4 0x1.0002p+0 0x1.0002p+0 0x1.0002p+0 1)
    (v128.const f32x4 0x1.000204p+0 0x1.000204p+0 0x1.000204p+0 3))
  (v128.const f32x4 0 0 0 2)) ;; not fused: x * y rounds to z
(assert_return (invoke "madd64"
    (v128.const f64x2 0x1.00000004p+0 0x1.fffffffffffffp+1023)
    (v128.const f64x2 0x1.000002p+0 2)
    (v128.const f64x2 -0x1.00000204p+0 -0x1.fffffffffffffp+1023))
  (v128.const f64x2 0x1p-53 0x1.fffffffffffffp+1023)) ;; unfused 0 inf
(assert_return (invoke "nmadd64"
    (v128.const f64x2 0x1.00000004p+0 2)
    (v128.const f64x2 0x1.000002p+0 3)
    (v128.const f64x2 0x1.00000204p+0 1))
  (v128.const f64x2 0 -5))
