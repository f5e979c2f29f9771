;; kiln's choices among relaxed SIMD's permitted results (docs/architecture.md,
;; "WebAssembly 3.0 features"), exactly: relaxed_simd.sh runs this under the
;; JIT, tier 0, the interpreter tier and through artifacts, which must agree.
;; madd and nmadd, whose choice is the CPU's, are in relaxed_simd_fma.wast.
(module
  (func (export "swizzle") (param v128 v128) (result v128)
    (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "trunc_s") (param v128) (result v128)
    (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
  (func (export "trunc_u") (param v128) (result v128)
    (i32x4.relaxed_trunc_f32x4_u (local.get 0)))
  (func (export "trunc_s_zero") (param v128) (result v128)
    (i32x4.relaxed_trunc_f64x2_s_zero (local.get 0)))
  (func (export "trunc_u_zero") (param v128) (result v128)
    (i32x4.relaxed_trunc_f64x2_u_zero (local.get 0)))
  (func (export "laneselect8") (param v128 v128 v128) (result v128)
    (i8x16.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect16") (param v128 v128 v128) (result v128)
    (i16x8.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect32") (param v128 v128 v128) (result v128)
    (i32x4.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect64") (param v128 v128 v128) (result v128)
    (i64x2.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "min32") (param v128 v128) (result v128)
    (f32x4.relaxed_min (local.get 0) (local.get 1)))
  (func (export "max32") (param v128 v128) (result v128)
    (f32x4.relaxed_max (local.get 0) (local.get 1)))
  (func (export "min64") (param v128 v128) (result v128)
    (f64x2.relaxed_min (local.get 0) (local.get 1)))
  (func (export "max64") (param v128 v128) (result v128)
    (f64x2.relaxed_max (local.get 0) (local.get 1)))
  (func (export "q15mulr") (param v128 v128) (result v128)
    (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1)))
  ;; wabt 1.0.32 spells the dot products without "relaxed_"
  (func (export "dot") (param v128 v128) (result v128)
    (i16x8.dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
  (func (export "dot_add") (param v128 v128 v128) (result v128)
    (i32x4.dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))
  ;; the same on constants, which LLVM folds: the same results
  (func (export "swizzle_const") (result v128)
    (i8x16.relaxed_swizzle
      (v128.const i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
      (v128.const i8x16 0 15 16 17 31 127 128 255 112 5 143 144 14 64 1 48)))
  (func (export "min32_const") (result v128)
    (f32x4.relaxed_min (v128.const f32x4 nan 1 0 -0) (v128.const f32x4 1 nan -0 0)))
  (func (export "trunc_u_const") (result v128)
    (i32x4.relaxed_trunc_f32x4_u (v128.const f32x4 nan 5e9 -1.5 4e9)))
)

;; swizzle as pshufb: top bit set → 0, else lane index & 15
(assert_return (invoke "swizzle"
    (v128.const i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
    (v128.const i8x16 0 15 16 17 31 127 128 255 112 5 143 144 14 64 1 48))
  (v128.const i8x16 16 31 16 17 31 31 0 0 16 21 0 0 30 16 17 16))
(assert_return (invoke "swizzle_const")
  (v128.const i8x16 16 31 16 17 31 31 0 0 16 21 0 0 30 16 17 16))

;; trunc saturating: NaN → 0, out of range → the nearest bound
(assert_return (invoke "trunc_s" (v128.const f32x4 nan 3e9 -3e9 -1.5))
  (v128.const i32x4 0 2147483647 -2147483648 -1))
(assert_return (invoke "trunc_u" (v128.const f32x4 nan 5e9 -1.5 4e9))
  (v128.const i32x4 0 0xffffffff 0 4000000000))
(assert_return (invoke "trunc_u_const")
  (v128.const i32x4 0 0xffffffff 0 4000000000))
(assert_return (invoke "trunc_s_zero" (v128.const f64x2 nan -1e10))
  (v128.const i32x4 0 -2147483648 0 0))
(assert_return (invoke "trunc_u_zero" (v128.const f64x2 1e10 -2.5))
  (v128.const i32x4 0xffffffff 0 0 0))

;; laneselect bit by bit, with masks that mix set and cleared bits
(assert_return (invoke "laneselect8"
    (v128.const i8x16 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa 0xaa)
    (v128.const i8x16 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55 0x55)
    (v128.const i8x16 0x80 0x7f 0xf0 0x01 0x00 0xff 0x0f 0xc3 0x80 0x7f 0xf0 0x01 0x00 0xff 0x0f 0xc3))
  (v128.const i8x16 0xd5 0x2a 0xa5 0x54 0x55 0xaa 0x5a 0x96 0xd5 0x2a 0xa5 0x54 0x55 0xaa 0x5a 0x96))
(assert_return (invoke "laneselect16"
    (v128.const i16x8 0xaaaa 0xaaaa 0xaaaa 0xaaaa 0xaaaa 0xaaaa 0xaaaa 0xaaaa)
    (v128.const i16x8 0x5555 0x5555 0x5555 0x5555 0x5555 0x5555 0x5555 0x5555)
    (v128.const i16x8 0x8000 0x7fff 0xff00 0x0001 0 0xffff 0x00ff 0x8001))
  (v128.const i16x8 0xd555 0x2aaa 0xaa55 0x5554 0x5555 0xaaaa 0x55aa 0xd554))
(assert_return (invoke "laneselect32"
    (v128.const i32x4 0xaaaaaaaa 0xaaaaaaaa 0xaaaaaaaa 0xaaaaaaaa)
    (v128.const i32x4 0x55555555 0x55555555 0x55555555 0x55555555)
    (v128.const i32x4 0x80000000 0x7fffffff 0xffff0000 0x00000001))
  (v128.const i32x4 0xd5555555 0x2aaaaaaa 0xaaaa5555 0x55555554))
(assert_return (invoke "laneselect64"
    (v128.const i64x2 0xaaaaaaaaaaaaaaaa 0xaaaaaaaaaaaaaaaa)
    (v128.const i64x2 0x5555555555555555 0x5555555555555555)
    (v128.const i64x2 0x8000000000000000 0x00000000ffffffff))
  (v128.const i64x2 0xd555555555555555 0x55555555aaaaaaaa))

;; min and max as minps and maxps: a NaN or a pair of zeros gives the
;; second operand
(assert_return (invoke "min32" (v128.const f32x4 nan 1 0 -0) (v128.const f32x4 1 nan -0 0))
  (v128.const i32x4 0x3f800000 0x7fc00000 0x80000000 0))
(assert_return (invoke "min32_const")
  (v128.const i32x4 0x3f800000 0x7fc00000 0x80000000 0))
(assert_return (invoke "max32" (v128.const f32x4 nan 1 0 -0) (v128.const f32x4 1 nan -0 0))
  (v128.const i32x4 0x3f800000 0x7fc00000 0x80000000 0))
(assert_return (invoke "min32" (v128.const f32x4 1 2 -3 inf) (v128.const f32x4 2 1 -4 -inf))
  (v128.const f32x4 1 1 -4 -inf))
(assert_return (invoke "max32" (v128.const f32x4 1 2 -3 inf) (v128.const f32x4 2 1 -4 -inf))
  (v128.const f32x4 2 2 -3 inf))
(assert_return (invoke "min64" (v128.const f64x2 -0 nan) (v128.const f64x2 0 1))
  (v128.const i64x2 0 0x3ff0000000000000))
(assert_return (invoke "max64" (v128.const f64x2 1 2) (v128.const f64x2 nan -0))
  (v128.const i64x2 0x7ff8000000000000 0x4000000000000000))

;; q15mulr saturating: -32768 * -32768 → 32767
(assert_return (invoke "q15mulr"
    (v128.const i16x8 -32768 16384 -32768 32767 -1 100 1 -32768)
    (v128.const i16x8 -32768 16384 32767 32767 1 -200 16384 1))
  (v128.const i16x8 32767 8192 -32767 32766 0 -1 1 -1))

;; dot: both operands signed, each pair's sum saturated to i16; dot_add
;; adds those pairs and c (wrapping)
(assert_return (invoke "dot"
    (v128.const i8x16 -128 -128 -128 -127 127 127 1 2 3 -4 100 100 -1 -1 0 5)
    (v128.const i8x16 -128 -128 127 127 -128 -128 3 4 -5 6 100 27 -1 127 9 9))
  (v128.const i16x8 32767 -32385 -32512 11 -39 12700 -126 45))
(assert_return (invoke "dot_add"
    (v128.const i8x16 -128 -128 -128 -127 127 127 1 2 3 -4 100 100 -1 -1 0 5)
    (v128.const i8x16 -128 -128 127 127 -128 -128 3 4 -5 6 100 27 -1 127 9 9)
    (v128.const i32x4 1 -2 2147483647 -5))
  (v128.const i32x4 383 -32503 -2147470988 -86))
