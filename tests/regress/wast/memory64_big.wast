;; kiln wast flags: --enable-memory64
;; memory64 past 4 GiB: a 64-bit memory without a maximum grows past 65536
;; pages up to the engine's limit (max_memory64_pages, 262144 pages = 16
;; GiB by default), reserving that much address space and committing only
;; the pages touched.  Accesses above 2^32, the last bytes and one past
;; them (1, 8 and 16 bytes wide), memory.size as an i64, and memory.grow
;; refused (-1) past the limit.
(module
  (memory i64 1)
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "size") (result i64) (memory.size))
  (func (export "roundtrip") (param i64 i64) (result i64)
    (i64.store (local.get 0) (local.get 1))
    (i64.load (local.get 0)))
  (func (export "offset") (param i64 i64) (result i64)
    (i64.store offset=0xfffffff0 (local.get 0) (local.get 1))
    (i64.load (i64.add (local.get 0) (i64.const 0xfffffff0))))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load64") (param i64) (result i64) (i64.load (local.get 0)))
  (func (export "load128") (param i64) (result i32)
    (i32x4.extract_lane 0 (v128.load (local.get 0))))
)
(assert_return (invoke "size") (i64.const 1))
;; 65553 pages: 4 GiB + 17 pages, the end at 0x1_0011_0000
(assert_return (invoke "grow" (i64.const 65552)) (i64.const 1))
(assert_return (invoke "size") (i64.const 65553))
(assert_return (invoke "roundtrip" (i64.const 0x100000000) (i64.const 0x0123456789abcdef))
  (i64.const 0x0123456789abcdef))
(assert_return (invoke "roundtrip" (i64.const 0x100001234) (i64.const -2)) (i64.const -2))
(assert_return (invoke "load8" (i64.const 0x100001234)) (i32.const 0xfe))
(assert_return (invoke "offset" (i64.const 0x100000) (i64.const 42)) (i64.const 42))
(assert_return (invoke "load64" (i64.const 0x1000ffff0)) (i64.const 42))
(assert_return (invoke "load8" (i64.const 0x10010ffff)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 0x100110000)) "out of bounds memory access")
(assert_return (invoke "load64" (i64.const 0x10010fff8)) (i64.const 0))
(assert_trap (invoke "load64" (i64.const 0x10010fff9)) "out of bounds memory access")
(assert_return (invoke "load128" (i64.const 0x10010fff0)) (i32.const 0))
(assert_trap (invoke "load128" (i64.const 0x10010fff1)) "out of bounds memory access")
(assert_trap (invoke "roundtrip" (i64.const 0x100110000) (i64.const 1))
  "out of bounds memory access")
(assert_trap (invoke "offset" (i64.const 0x120000) (i64.const 1)) "out of bounds memory access")
;; up to the default limit, 16 GiB, and no further
(assert_return (invoke "grow" (i64.const 196591)) (i64.const 65553))
(assert_return (invoke "size") (i64.const 262144))
(assert_return (invoke "roundtrip" (i64.const 0x3fffffff8) (i64.const 7)) (i64.const 7))
(assert_trap (invoke "load8" (i64.const 0x400000000)) "out of bounds memory access")
(assert_return (invoke "grow" (i64.const 1)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 0)) (i64.const 262144))
(assert_return (invoke "size") (i64.const 262144))
(assert_return (invoke "load64" (i64.const 0x100000000)) (i64.const 0x0123456789abcdef))
