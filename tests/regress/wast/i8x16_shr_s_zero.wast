;; Found by the differential tester (kiln-diff --features multi-memory, seed
;; 596; the same bug as seed 813, shuffle_of_constants.wast): an
;; i8x16.shr_s whose count is no constant in the IR but that LLVM 19 finds
;; to be 0 while selecting instructions (f32.lt x x here) was lowered, on a
;; CPU with GFNI, to a gf2p8affineqb whose matrix XORs the sign bit into
;; every other bit.  Tier 0 (no IR passes) and -O0 artifacts met it; the
;; count now goes through an empty inline asm (lower_simd.c, opaque).
(module
  (func (export "lt_self") (param f32) (result i64 i64)
    (local v128)
    (i8x16.shr_s
      (v128.const i32x4 0x8f57472c 0xdfdae2d3 0xf9fca736 0x2ca05929)
      (f32.lt (local.get 0) (local.get 0)))
    (local.set 1)
    (i64x2.extract_lane 0 (local.get 1))
    (i64x2.extract_lane 1 (local.get 1)))
  (func (export "count") (param i32) (result i64 i64)
    (local v128)
    (i8x16.shr_s
      (v128.const i32x4 0x8f57472c 0xdfdae2d3 0xf9fca736 0x2ca05929)
      (local.get 0))
    (local.set 1)
    (i64x2.extract_lane 0 (local.get 1))
    (i64x2.extract_lane 1 (local.get 1)))
  (func (export "ne_self") (param i32) (result i64 i64)
    (local v128)
    (i8x16.shr_s
      (v128.const i64x2 0x8000_7f01_ff80_00c3 -1)
      (i32.ne (local.get 0) (local.get 0)))
    (local.set 1)
    (i64x2.extract_lane 0 (local.get 1))
    (i64x2.extract_lane 1 (local.get 1))))

(assert_return (invoke "lt_self" (f32.const 1.5)) (i64.const 0xdfdae2d38f57472c) (i64.const 0x2ca05929f9fca736))
(assert_return (invoke "lt_self" (f32.const -0.0)) (i64.const 0xdfdae2d38f57472c) (i64.const 0x2ca05929f9fca736))
(assert_return (invoke "lt_self" (f32.const nan)) (i64.const 0xdfdae2d38f57472c) (i64.const 0x2ca05929f9fca736))
(assert_return (invoke "lt_self" (f32.const inf)) (i64.const 0xdfdae2d38f57472c) (i64.const 0x2ca05929f9fca736))
(assert_return (invoke "count" (i32.const 0)) (i64.const 0xdfdae2d38f57472c) (i64.const 0x2ca05929f9fca736))
(assert_return (invoke "count" (i32.const 1)) (i64.const 0xefedf1e9c72b2316) (i64.const 0x16d02c14fcfed31b))
(assert_return (invoke "count" (i32.const 7)) (i64.const 0xffffffffff000000) (i64.const 0x00ff0000ffffff00))
(assert_return (invoke "count" (i32.const 8)) (i64.const 0xdfdae2d38f57472c) (i64.const 0x2ca05929f9fca736))
(assert_return (invoke "count" (i32.const 9)) (i64.const 0xefedf1e9c72b2316) (i64.const 0x16d02c14fcfed31b))
(assert_return (invoke "count" (i32.const -1)) (i64.const 0xffffffffff000000) (i64.const 0x00ff0000ffffff00))
(assert_return (invoke "ne_self" (i32.const 0)) (i64.const 0x80007f01ff8000c3) (i64.const 0xffffffffffffffff))
(assert_return (invoke "ne_self" (i32.const 5)) (i64.const 0x80007f01ff8000c3) (i64.const 0xffffffffffffffff))
