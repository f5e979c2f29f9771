;; kiln wast flags: --enable-memory64 --enable-multi-memory --enable-threads
;; memory64: a 64-bit memory's accesses are checked explicitly against its
;; current length (no guard region covers an i64 index).  Addresses and
;; offsets past 2^32, an address + offset that wraps 2^64, the last bytes
;; of the memory and after memory.grow, SIMD and atomic accesses, the bulk
;; operations with i64 operands past 2^32 (they trap before writing), a
;; grow by more than 2^32 pages (-1), and memory.copy between a 64-bit
;; memory 0 and a 32-bit memory 1 (the length takes the smaller type).
(module
  (memory $m i64 1 3)
  (memory $n 1)
  (data (memory $m) (i64.const 16) "\01\02\03\04\05\06\07\08")
  (data (memory $n) (i32.const 8) "wxyz")

  (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load_wide") (param i64) (result i64) (i64.load offset=8 (local.get 0)))
  (func (export "store") (param i64 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i64 i64 i64)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_n_to_m") (param i64 i32 i32)
    (memory.copy $m $n (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_m_to_n") (param i32 i64 i32)
    (memory.copy $n $m (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load_n") (param i32) (result i32) (i32.load8_u $n (local.get 0)))
  (func (export "lane") (param i64) (result i32)
    (i32x4.extract_lane 1 (v128.load32_lane 1 (local.get 0) (v128.const i32x4 0 0 0 0))))
  (func (export "atomic_add") (param i64 i32) (result i32)
    (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  ;; A loop over the memory: the length is read per access (grow may
  ;; change it), the bounds still hold at the last byte.
  (func (export "sum") (param $from i64) (param $to i64) (result i32)
    (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i64.ge_u (local.get $from) (local.get $to)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $from))))
        (local.set $from (i64.add (local.get $from) (i64.const 1)))
        (br $l)))
    (local.get $s))
)

(assert_return (invoke "load" (i64.const 16)) (i32.const 1))
(assert_return (invoke "load_wide" (i64.const 8)) (i64.const 0x0807060504030201))
(assert_return (invoke "load_n" (i32.const 9)) (i32.const 120))
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "sum" (i64.const 0) (i64.const 65536)) (i32.const 36))

;; The last byte, and one past it; addresses past 2^32.
(assert_return (invoke "load" (i64.const 65535)) (i32.const 0))
(assert_trap (invoke "load" (i64.const 65536)) "out of bounds memory access")
(assert_trap (invoke "load" (i64.const 0x100000000)) "out of bounds memory access")
(assert_trap (invoke "load" (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "load_wide" (i64.const 65528)) "out of bounds memory access")
(assert_return (invoke "load_wide" (i64.const 65520)) (i64.const 0))
(assert_trap (invoke "store" (i64.const 65533) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "load" (i64.const 65533)) (i32.const 0))
(assert_trap (invoke "lane" (i64.const 65533)) "out of bounds memory access")
(assert_return (invoke "lane" (i64.const 16)) (i32.const 0x04030201))
(assert_trap (invoke "atomic_add" (i64.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "atomic_add" (i64.const 17) (i32.const 1)) "unaligned atomic")
(assert_return (invoke "atomic_add" (i64.const 16) (i32.const 1)) (i32.const 0x04030201))

;; Growing: the new pages are in bounds at once; past the maximum -1; a
;; delta past 2^32 pages -1, the size unchanged.
(assert_return (invoke "grow" (i64.const 1)) (i64.const 1))
(assert_return (invoke "load" (i64.const 131071)) (i32.const 0))
(assert_trap (invoke "load" (i64.const 131072)) "out of bounds memory access")
(assert_return (invoke "grow" (i64.const 2)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 0x100000001)) (i64.const -1))
(assert_return (invoke "grow" (i64.const -1)) (i64.const -1))
(assert_return (invoke "size") (i64.const 2))

;; Bulk operations: in bounds, and each operand past 2^32 trapping with
;; nothing written.
(assert_return (invoke "fill" (i64.const 100) (i32.const 9) (i64.const 4)))
(assert_return (invoke "load" (i64.const 103)) (i32.const 9))
(assert_trap (invoke "fill" (i64.const 0x100000000) (i32.const 1) (i64.const 0))
  "out of bounds memory access")
(assert_trap (invoke "fill" (i64.const 0) (i32.const 1) (i64.const 0x100000000))
  "out of bounds memory access")
(assert_return (invoke "load" (i64.const 0)) (i32.const 0))
(assert_return (invoke "copy" (i64.const 200) (i64.const 16) (i64.const 8)))
(assert_return (invoke "load" (i64.const 207)) (i32.const 8))
(assert_trap (invoke "copy" (i64.const 0) (i64.const 0x100000010) (i64.const 1))
  "out of bounds memory access")
(assert_trap (invoke "copy" (i64.const 131071) (i64.const 16) (i64.const 2))
  "out of bounds memory access")
(assert_return (invoke "load" (i64.const 131071)) (i32.const 0))

;; Between the 64-bit memory 0 and the 32-bit memory 1.
(assert_return (invoke "copy_n_to_m" (i64.const 300) (i32.const 8) (i32.const 4)))
(assert_return (invoke "load" (i64.const 301)) (i32.const 120))
(assert_return (invoke "copy_m_to_n" (i32.const 40) (i64.const 16) (i32.const 2)))
(assert_return (invoke "load_n" (i32.const 41)) (i32.const 2))
(assert_trap (invoke "copy_m_to_n" (i32.const 0) (i64.const 0x100000000) (i32.const 1))
  "out of bounds memory access")

;; Offsets past 2^32 (binary: wabt 1.0.32's text takes u32 offsets only):
;; "a" is i32.load8_u offset=2^32, "b" offset=2^64-1, whose address + offset
;; wraps 2^64 — out of bounds, not address 0.
(module binary
  "\00asm\01\00\00\00"
  "\01\06\01\60\01\7e\01\7f"              ;; (func (param i64) (result i32))
  "\03\03\02\00\00"                        ;; two of it
  "\05\03\01\04\01"                        ;; (memory i64 1): flags 4
  "\07\09\02\01a\00\00\01b\00\01"            ;; exports a, b
  "\0a\1e\02"
  "\0b\00\20\00\2d\00\80\80\80\80\10\0b"      ;; offset 0x100000000
  "\10\00\20\00\2d\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\01\0b" ;; offset 2^64-1
)
(assert_trap (invoke "a" (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "a" (i64.const -0x100000000)) "out of bounds memory access")
(assert_trap (invoke "b" (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "b" (i64.const 1)) "out of bounds memory access")

;; Data segments of a 64-bit memory: an i64 offset past the end traps at
;; instantiation.
(assert_trap (module (memory i64 1) (data (i64.const 0x100000000) "a"))
  "out of bounds memory access")
(assert_trap (module (memory i64 1) (data (i64.const 65535) "ab"))
  "out of bounds memory access")
(module (memory i64 1) (data (i64.const 65535) "a"))

;; Types: an i32 address for a 64-bit memory; copy's length of the smaller
;; type; an offset past 2^32 for a 32-bit memory (the module "a" above
;; with (memory 1)).
(assert_invalid (module (memory i64 1) (func (drop (i32.load (i32.const 0)))))
  "type mismatch")
(assert_invalid (module (memory i64 1) (func (drop (memory.grow (i32.const 0)))))
  "type mismatch")
(assert_invalid
  (module binary
    "\00asm\01\00\00\00"
    "\01\06\01\60\01\7f\01\7f"
    "\03\02\01\00"
    "\05\03\01\00\01"
    "\0a\0d\01"
    "\0b\00\20\00\2d\00\80\80\80\80\10\0b")
  "offset out of range")
(assert_invalid (module (memory i64 1) (memory 1)
    (func (memory.copy 0 1 (i64.const 0) (i32.const 0) (i64.const 0))))
  "type mismatch")
