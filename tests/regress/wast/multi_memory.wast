;; kiln wast flags: --enable-multi-memory --enable-threads
;; Multi-memory: memory 0 and memory 1 are separate reservations.  Copies
;; between them both ways, grow of memory 1 alone, and the bounds of
;; memory 1 (smaller than memory 0) in loads, stores, SIMD lane accesses,
;; atomics and the bulk operations: "out of bounds memory access" where
;; memory 0 would have had room.
(module
  (memory 4)
  (memory 1 3)
  (data (memory 1) (i32.const 16) "\01\02\03\04\05\06\07\08")
  (data (memory 0) (i32.const 32) "abcd")

  (func (export "load0") (param i32) (result i32) (i32.load8_u 0 (local.get 0)))
  (func (export "load1") (param i32) (result i32) (i32.load8_u 1 (local.get 0)))
  (func (export "store1") (param i32 i32) (i32.store 1 (local.get 0) (local.get 1)))
  (func (export "load1_wide") (param i32) (result i64)
    (i64.load 1 offset=8 (local.get 0)))
  (func (export "size0") (result i32) (memory.size 0))
  (func (export "size1") (result i32) (memory.size 1))
  (func (export "grow1") (param i32) (result i32) (memory.grow 1 (local.get 0)))
  (func (export "copy_1_to_0") (param i32 i32 i32)
    (memory.copy 0 1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_0_to_1") (param i32 i32 i32)
    (memory.copy 1 0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_1_to_1") (param i32 i32 i32)
    (memory.copy 1 1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill1") (param i32 i32 i32)
    (memory.fill 1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "lane1") (param i32) (result i32)
    (i32x4.extract_lane 1
      (v128.load32_lane 1 1 (local.get 0) (v128.const i32x4 0 0 0 0))))
  (func (export "atomic_add1") (param i32 i32) (result i32)
    (i32.atomic.rmw.add 1 (local.get 0) (local.get 1)))
  ;; Both memories in one loop: memory 0's code path beside memory 1's.
  (func (export "sum_both") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (i32.add (i32.load8_u 0 (i32.add (i32.const 32) (local.get $i)))
                 (i32.load8_u 1 (i32.add (i32.const 16) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
)

;; Data segments went to their own memories.
(assert_return (invoke "load1" (i32.const 16)) (i32.const 1))
(assert_return (invoke "load1" (i32.const 32)) (i32.const 0))
(assert_return (invoke "load0" (i32.const 16)) (i32.const 0))
(assert_return (invoke "load0" (i32.const 32)) (i32.const 97))
(assert_return (invoke "sum_both" (i32.const 4)) (i32.const 404))

;; Copies between memories, each way, and within memory 1.
(assert_return (invoke "copy_1_to_0" (i32.const 100) (i32.const 16) (i32.const 8)))
(assert_return (invoke "load0" (i32.const 107)) (i32.const 8))
(assert_return (invoke "load1" (i32.const 107)) (i32.const 0))
(assert_return (invoke "copy_0_to_1" (i32.const 200) (i32.const 32) (i32.const 4)))
(assert_return (invoke "load1" (i32.const 203)) (i32.const 100))
(assert_return (invoke "copy_1_to_1" (i32.const 18) (i32.const 16) (i32.const 6)))
(assert_return (invoke "load1" (i32.const 18)) (i32.const 1))
(assert_return (invoke "load1" (i32.const 23)) (i32.const 6))

;; Memory 1 is one page where memory 0 has four.
(assert_return (invoke "load0" (i32.const 65536)) (i32.const 0))
(assert_trap (invoke "load1" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "store1" (i32.const 65533) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "load1_wide" (i32.const 65521)) "out of bounds memory access")
(assert_trap (invoke "lane1" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "atomic_add1" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "fill1" (i32.const 65535) (i32.const 0) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "copy_0_to_1" (i32.const 65535) (i32.const 0) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "copy_1_to_0" (i32.const 0) (i32.const 65535) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "copy_1_to_0" (i32.const 65535) (i32.const 0) (i32.const 2)))

;; Grow memory 1 alone: its new page is there, memory 0 unchanged; past its
;; maximum of 3, -1.
(assert_return (invoke "grow1" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size1") (i32.const 2))
(assert_return (invoke "size0") (i32.const 4))
(assert_return (invoke "load1" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "store1" (i32.const 131068) (i32.const 7)))
(assert_return (invoke "lane1" (i32.const 131068)) (i32.const 7))
(assert_return (invoke "atomic_add1" (i32.const 131068) (i32.const 1)) (i32.const 7))
(assert_trap (invoke "load1" (i32.const 131072)) "out of bounds memory access")
(assert_return (invoke "grow1" (i32.const 2)) (i32.const -1))
(assert_return (invoke "grow1" (i32.const 1)) (i32.const 2))
(assert_return (invoke "size1") (i32.const 3))
(assert_return (invoke "size0") (i32.const 4))

;; wait and notify on memory 1 (shared) and memory 2 (not): the helpers that
;; take the memory, each bounded by its own memory and sharedness.
(module
  (memory 1)
  (memory 1 1 shared)
  (memory 1)
  (func (export "notify1") (param i32) (result i32) (memory.atomic.notify 1 (local.get 0) (i32.const 1)))
  (func (export "wait1") (param i32 i32) (result i32) (memory.atomic.wait32 1 (local.get 0) (local.get 1) (i64.const 0)))
  (func (export "wait1_64") (param i32 i64) (result i32) (memory.atomic.wait64 1 (local.get 0) (local.get 1) (i64.const 0)))
  (func (export "wait2") (param i32) (result i32) (memory.atomic.wait32 2 (local.get 0) (i32.const 0) (i64.const 0)))
  (func (export "notify2") (param i32) (result i32) (memory.atomic.notify 2 (local.get 0) (i32.const 1)))
  (func (export "store1") (param i32 i32) (i32.atomic.store 1 (local.get 0) (local.get 1)))
)
(assert_return (invoke "notify1" (i32.const 0)) (i32.const 0))
(assert_return (invoke "wait1" (i32.const 0) (i32.const 5)) (i32.const 1))
(assert_return (invoke "store1" (i32.const 8) (i32.const 5)))
(assert_return (invoke "wait1" (i32.const 8) (i32.const 5)) (i32.const 2))
(assert_return (invoke "wait1_64" (i32.const 8) (i64.const 5)) (i32.const 2))
(assert_trap (invoke "notify1" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "wait1" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "wait2" (i32.const 0)) "expected shared memory")
(assert_return (invoke "notify2" (i32.const 0)) (i32.const 0))
