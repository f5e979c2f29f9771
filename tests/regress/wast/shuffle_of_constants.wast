;; Found by the differential tester (kiln-diff --features tail-call, seed
;; 813; the module used no tail call): at tier 0 (-O0, no IR passes) an
;; i8x16.shr_s by the i64x2.bitmask of an i8x16.shuffle of two constants
;; (0, but an LLVM constant expression, no constant in the IR) shifted:
;; LLVM 19 lowered the shift by a count it found to be 0 only while
;; selecting instructions to a wrong gf2p8affineqb (i8x16_shr_s_zero.wast,
;; seed 596, has the cause and the fix).
(module
  (func (export "shr_by_bitmask") (result i64 i64)
    (local v128)
    (i8x16.shr_s
      (v128.const i32x4 0x0000001f 0x00000000 0x1e40798a 0xb8c10ad0)
      (i64x2.bitmask
        (i8x16.shuffle 23 25 24 10 17 29 17 22 0 28 26 22 15 21 4 24
          (v128.const i32x4 0x80000000 0x00000000 0x09679cc2 0xb0ee3387)
          (v128.const i32x4 0x00000142 0x00000000 0x00000007 0x00000000))))
    (local.set 0)
    (i64x2.extract_lane 0 (local.get 0))
    (i64x2.extract_lane 1 (local.get 0)))
  (func (export "bitmask") (result i32)
    (i64x2.bitmask
      (i8x16.shuffle 7 15 24 10 17 29 17 31 0 28 26 22 15 21 4 23
        (v128.const i32x4 0x80000000 0x00000000 0x09679cc2 0xb0ee3387)
        (v128.const i32x4 0x00000142 0x80000000 0x00000007 0x00000000))))
  (func (export "shuffle") (result i64 i64)
    (local v128)
    (i8x16.shuffle 23 25 24 10 17 29 17 22 0 28 26 22 15 21 4 31
      (v128.const i32x4 0x80000000 0x00000000 0x09679cc2 0xb0ee3387)
      (v128.const i32x4 0x00000142 0x00000000 0x00000007 0xff000000))
    (local.set 0)
    (i64x2.extract_lane 0 (local.get 0))
    (i64x2.extract_lane 1 (local.get 0)))
  (func (export "shuffle_zero") (result i64 i64)
    (local v128)
    (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 15 31
      (v128.const i64x2 0 0)
      (v128.const i64x2 -1 0x0102030405060708))
    (local.set 0)
    (i64x2.extract_lane 0 (local.get 0))
    (i64x2.extract_lane 1 (local.get 0))))

(assert_return (invoke "shr_by_bitmask") (i64.const 31) (i64.const 13312933862460914058))
(assert_return (invoke "bitmask") (i32.const 2))
(assert_return (invoke "shuffle") (i64.const 281481000189952) (i64.const 18374687235585867776))
(assert_return (invoke "shuffle_zero") (i64.const 18374966859414961920) (i64.const 72337973781266176))
