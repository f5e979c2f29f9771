;; Checked loop versions (docs/architecture.md, "Barriers and loop
;; vectorisation"): each loop below is a candidate, lowered twice behind a
;; guard; when the guard fails (out of bounds at some iteration, an
;; address that wraps, overlapping groups, a trip count that does not
;; divide) the usual code runs and traps where the spec says, the stores
;; before the trap kept.  `kiln compile --dump` shows each loop's ver.fast
;; and ver.slow copies.
(module
  (memory 1)
  ;; clang's shape of matmul's j loop (wasm32, -O2): c[j] += a * b[j] over
  ;; pairs, p + 8 through a local.tee, a counter against a limit.
  (func (export "axpy") (param $c i32) (param $b i32) (param $n i32) (param $a f64)
    (local $i i32) (local $t i32)
    (loop $l
      local.get $c
      local.get $a
      local.get $b
      f64.load
      f64.mul
      local.get $c
      f64.load
      f64.add
      f64.store
      local.get $c
      i32.const 8
      i32.add
      local.tee $t
      local.get $a
      local.get $b
      i32.const 8
      i32.add
      f64.load
      f64.mul
      local.get $t
      f64.load
      f64.add
      f64.store
      local.get $c
      i32.const 16
      i32.add
      local.set $c
      local.get $b
      i32.const 16
      i32.add
      local.set $b
      local.get $n
      local.get $i
      i32.const 2
      i32.add
      local.tee $i
      i32.ne
      br_if $l))
  ;; Hand-written: one byte at a time, d and s two induction locals,
  ;; forward (step 1) or backward (step -1): a memmove done wrong on
  ;; purpose, whose result depends on the order of the accesses.
  (func (export "copy_fwd") (param $d i32) (param $s i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $d) (local.get $n)))
    (loop $l
      (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $d (i32.add (local.get $d) (i32.const 1)))
                        (local.get $end)))))
  (func (export "copy_back") (param $d i32) (param $s i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.sub (local.get $d) (local.get $n)))
    (loop $l
      (i32.store8 offset=0 (i32.add (local.get $d) (i32.const -1))
                  (i32.load8_u (i32.add (local.get $s) (i32.const -1))))
      (local.set $s (i32.add (local.get $s) (i32.const -1)))
      (br_if $l (i32.ne (local.tee $d (i32.add (local.get $d) (i32.const -1)))
                        (local.get $end)))))
  ;; clang's shape of sieve's count: p from -n up to 0, the exit the
  ;; update itself (br_if on p + 2), bytes at p + base + n: the i32 add
  ;; wraps for every p < 0, the address it gives is in bounds.
  (func (export "count_zero") (param $p i32) (result i32)
    (local $acc i32)
    (loop $l
      local.get $acc
      local.get $p
      i32.const 1064
      i32.add
      i32.load8_u
      i32.eqz
      i32.add
      local.get $p
      i32.const 1065
      i32.add
      i32.load8_u
      i32.eqz
      i32.add
      local.set $acc
      local.get $p
      i32.const 2
      i32.add
      local.tee $p
      br_if $l)
    (local.get $acc))
  ;; The same at the memory's end, the second byte through the memarg
  ;; offset: p from -n reads bytes 65536 - n to 65535.  The fast copy
  ;; addresses p + 65536 in i64 from p sign-extended, not zero-extended.
  (func (export "count_from") (param $p i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc
        (i32.add (i32.add (local.get $acc)
                          (i32.eqz (i32.load8_u (i32.add (local.get $p) (i32.const 65536)))))
                 (i32.eqz (i32.load8_u offset=1 (i32.add (local.get $p) (i32.const 65536))))))
      (br_if $l (local.tee $p (i32.add (local.get $p) (i32.const 2)))))
    (local.get $acc))
  ;; One byte further: the last iteration's second byte is 65536.
  (func (export "count_past") (param $p i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc
        (i32.add (i32.add (local.get $acc)
                          (i32.eqz (i32.load8_u (i32.add (local.get $p) (i32.const 65537)))))
                 (i32.eqz (i32.load8_u offset=1 (i32.add (local.get $p) (i32.const 65537))))))
      (br_if $l (local.tee $p (i32.add (local.get $p) (i32.const 2)))))
    (local.get $acc))
  ;; i32 cells at p + 8, p stepping by 4 from p0, n cells: p0 = 0xfffffff8
  ;; puts the first at address 0 through the wrap.
  (func (export "bump_wrapped") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store (i32.add (local.get $p) (i32.const 8))
                 (i32.add (i32.load (i32.add (local.get $p) (i32.const 8))) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                        (local.get $n)))))
  ;; A counter stepping by 3 to a limit it reaches only by wrapping, the
  ;; byte at i stored: runs until the store goes out of bounds.
  (func (export "mark_by_3") (param $limit i32)
    (local $i i32)
    (loop $l
      (i32.store8 (local.get $i) (i32.const 1))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 3)))
                        (local.get $limit)))))
  ;; A counter by 2^29 + 1 (8 steps are 2^32 + 8), one cell counting the
  ;; iterations: limit 8 is reached by wrapping, 5 steps' worth directly.
  (func (export "count_steps") (param $limit i32) (result i32)
    (local $i i32)
    (i32.store (i32.const 16) (i32.const 0))
    (loop $l
      (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 536870913)))
                        (local.get $limit))))
    (i32.load (i32.const 16)))
  ;; Loads whose values are dropped: in the fast copy LLVM may delete
  ;; them, so the guard must have proved them in bounds.
  (func (export "touch") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (drop (i32.load (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                        (local.get $n)))))
  ;; A cell at a constant address summing p[0] to p[n - 1], which may run
  ;; over the cell.
  (func (export "sum_into") (param $p i32) (param $n i32) (result i32)
    (local $i i32)
    (i32.store (i32.const 2048) (i32.const 0))
    (loop $l
      (i32.store (i32.const 2048)
                 (i32.add (i32.load (i32.const 2048)) (i32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                        (local.get $n))))
    (i32.load (i32.const 2048)))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "ld") (param i32) (result f64) (f64.load (local.get 0)))
  (func (export "st") (param i32 f64) (f64.store (local.get 0) (local.get 1)))
  (func (export "b") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "w") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "sb") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "sw") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "zero") (param i32 i32) (memory.fill (local.get 0) (i32.const 0) (local.get 1))))

;; b[0..6] = 1..6 at 0; c at 256: in bounds, guard passes.
(invoke "st" (i32.const 0) (f64.const 1))
(invoke "st" (i32.const 8) (f64.const 2))
(invoke "st" (i32.const 16) (f64.const 3))
(invoke "st" (i32.const 24) (f64.const 4))
(invoke "st" (i32.const 32) (f64.const 5))
(invoke "st" (i32.const 40) (f64.const 6))
(assert_return (invoke "axpy" (i32.const 256) (i32.const 0) (i32.const 6) (f64.const 2)))
(assert_return (invoke "ld" (i32.const 256)) (f64.const 2))
(assert_return (invoke "ld" (i32.const 296)) (f64.const 12))
(assert_return (invoke "ld" (i32.const 304)) (f64.const 0))

;; c aliasing b exactly (c = b): the groups overlap, the slow copy runs;
;; each element read before it is written, as in order.
(assert_return (invoke "axpy" (i32.const 0) (i32.const 0) (i32.const 4) (f64.const 1)))
(assert_return (invoke "ld" (i32.const 0)) (f64.const 2))
(assert_return (invoke "ld" (i32.const 24)) (f64.const 8))
(assert_return (invoke "ld" (i32.const 32)) (f64.const 5))
;; c one element ahead of b: c[j] is b[j + 1], read by the next step.
(invoke "st" (i32.const 0) (f64.const 1))
(invoke "st" (i32.const 8) (f64.const 1))
(invoke "st" (i32.const 16) (f64.const 1))
(invoke "st" (i32.const 24) (f64.const 1))
(invoke "st" (i32.const 32) (f64.const 1))
(assert_return (invoke "axpy" (i32.const 8) (i32.const 0) (i32.const 4) (f64.const 1)))
(assert_return (invoke "ld" (i32.const 8)) (f64.const 2))
(assert_return (invoke "ld" (i32.const 16)) (f64.const 3))
(assert_return (invoke "ld" (i32.const 24)) (f64.const 4))
(assert_return (invoke "ld" (i32.const 32)) (f64.const 5))

;; Exactly at the memory's end: the last pair is 65520..65535.
(invoke "st" (i32.const 65504) (f64.const 7))
(invoke "st" (i32.const 65520) (f64.const 9))
(assert_return (invoke "axpy" (i32.const 65504) (i32.const 0) (i32.const 4) (f64.const 1)))
(assert_return (invoke "ld" (i32.const 65504)) (f64.const 8))
(assert_return (invoke "ld" (i32.const 65528)) (f64.const 4))

;; Out of bounds in the first iteration, first access: nothing written.
(assert_trap (invoke "axpy" (i32.const 65536) (i32.const 0) (i32.const 2) (f64.const 1))
  "out of bounds memory access")
;; First iteration, second access: the first element was written.
(invoke "st" (i32.const 65528) (f64.const 0))
(assert_trap (invoke "axpy" (i32.const 65528) (i32.const 0) (i32.const 2) (f64.const 1))
  "out of bounds memory access")
(assert_return (invoke "ld" (i32.const 65528)) (f64.const 1))
;; A middle iteration (the third of five): the first two pairs stay.
(invoke "st" (i32.const 65504) (f64.const 0))
(invoke "st" (i32.const 65512) (f64.const 0))
(invoke "st" (i32.const 65520) (f64.const 0))
(invoke "st" (i32.const 65528) (f64.const 0))
(assert_trap (invoke "axpy" (i32.const 65504) (i32.const 0) (i32.const 10) (f64.const 1))
  "out of bounds memory access")
(assert_return (invoke "ld" (i32.const 65504)) (f64.const 1))
(assert_return (invoke "ld" (i32.const 65512)) (f64.const 2))
(assert_return (invoke "ld" (i32.const 65520)) (f64.const 3))
(assert_return (invoke "ld" (i32.const 65528)) (f64.const 4))
;; The last iteration's second access: everything before it stays.
(invoke "st" (i32.const 65496) (f64.const 0))
(invoke "st" (i32.const 65504) (f64.const 0))
(invoke "st" (i32.const 65512) (f64.const 0))
(invoke "st" (i32.const 65520) (f64.const 0))
(invoke "st" (i32.const 65528) (f64.const 0))
(assert_trap (invoke "axpy" (i32.const 65496) (i32.const 0) (i32.const 6) (f64.const 1))
  "out of bounds memory access")
(assert_return (invoke "ld" (i32.const 65496)) (f64.const 1))
(assert_return (invoke "ld" (i32.const 65520)) (f64.const 4))
(assert_return (invoke "ld" (i32.const 65528)) (f64.const 5))
;; p = 0xfffffff8: p + 8 is address 0, but p itself is out of bounds.
(assert_trap (invoke "axpy" (i32.const 0xfffffff8) (i32.const 0) (i32.const 2) (f64.const 1))
  "out of bounds memory access")
(assert_return (invoke "ld" (i32.const 0)) (f64.const 1))

;; Wrapped addresses that stay in bounds: cells 0, 4, 8 through p + 8.
(invoke "sw" (i32.const 0) (i32.const 10))
(invoke "sw" (i32.const 4) (i32.const 20))
(invoke "sw" (i32.const 8) (i32.const 30))
(assert_return (invoke "bump_wrapped" (i32.const 0xfffffff8) (i32.const 3)))
(assert_return (invoke "w" (i32.const 0)) (i32.const 11))
(assert_return (invoke "w" (i32.const 4)) (i32.const 21))
(assert_return (invoke "w" (i32.const 8)) (i32.const 31))
;; From 0xfffffff0 the first cell is 0xfffffff8: out of bounds at once.
(assert_trap (invoke "bump_wrapped" (i32.const 0xfffffff0) (i32.const 3))
  "out of bounds memory access")
(assert_return (invoke "w" (i32.const 0)) (i32.const 11))
;; Ending on the memory's last cell, and one past it in the last iteration.
(invoke "sw" (i32.const 65528) (i32.const 0))
(invoke "sw" (i32.const 65532) (i32.const 0))
(assert_return (invoke "bump_wrapped" (i32.const 65520) (i32.const 2)))
(assert_return (invoke "w" (i32.const 65532)) (i32.const 1))
(assert_trap (invoke "bump_wrapped" (i32.const 65520) (i32.const 3))
  "out of bounds memory access")
(assert_return (invoke "w" (i32.const 65528)) (i32.const 2))
(assert_return (invoke "w" (i32.const 65532)) (i32.const 2))

;; Bytes 100..107 = 1..8.
(invoke "sb" (i32.const 100) (i32.const 1))
(invoke "sb" (i32.const 101) (i32.const 2))
(invoke "sb" (i32.const 102) (i32.const 3))
(invoke "sb" (i32.const 103) (i32.const 4))
(invoke "sb" (i32.const 104) (i32.const 5))
(invoke "sb" (i32.const 105) (i32.const 6))
(invoke "sb" (i32.const 106) (i32.const 7))
(invoke "sb" (i32.const 107) (i32.const 8))
;; Disjoint: a plain copy to 200.
(assert_return (invoke "copy_fwd" (i32.const 200) (i32.const 100) (i32.const 8)))
(assert_return (invoke "b" (i32.const 200)) (i32.const 1))
(assert_return (invoke "b" (i32.const 207)) (i32.const 8))
;; Forward onto itself one byte up: byte 100 smears over 101..104.
(assert_return (invoke "copy_fwd" (i32.const 101) (i32.const 100) (i32.const 4)))
(assert_return (invoke "b" (i32.const 101)) (i32.const 1))
(assert_return (invoke "b" (i32.const 104)) (i32.const 1))
(assert_return (invoke "b" (i32.const 105)) (i32.const 6))
;; Backward from 208 onto itself one byte down: byte 207 (8) smears down.
(assert_return (invoke "copy_back" (i32.const 207) (i32.const 208) (i32.const 4)))
(assert_return (invoke "b" (i32.const 206)) (i32.const 8))
(assert_return (invoke "b" (i32.const 203)) (i32.const 8))
(assert_return (invoke "b" (i32.const 202)) (i32.const 3))
;; Backward, disjoint: 208..201 (8, 8, 8, 8, 8, 3, 2, ...) to 308..301.
(assert_return (invoke "copy_back" (i32.const 308) (i32.const 208) (i32.const 8)))
(assert_return (invoke "b" (i32.const 307)) (i32.const 8))
(assert_return (invoke "b" (i32.const 302)) (i32.const 3))
(assert_return (invoke "b" (i32.const 300)) (i32.const 1))
(assert_return (invoke "b" (i32.const 299)) (i32.const 0))
;; Backward past address 0 (d - 1 wraps): the first store traps.
(assert_trap (invoke "copy_back" (i32.const 0) (i32.const 208) (i32.const 2))
  "out of bounds memory access")

;; Sieve's count over bytes 1000..1063 (p from -64): 64 less 3 nonzero.
(invoke "sb" (i32.const 1010) (i32.const 5))
(invoke "sb" (i32.const 1011) (i32.const 7))
(invoke "sb" (i32.const 1063) (i32.const 1))
(assert_return (invoke "count_zero" (i32.const -64)) (i32.const 61))

;; At the memory's end: bytes 65472..65535, two of them nonzero.
(invoke "zero" (i32.const 65472) (i32.const 64))
(invoke "sb" (i32.const 65472) (i32.const 1))
(invoke "sb" (i32.const 65535) (i32.const 1))
(assert_return (invoke "count_from" (i32.const -64)) (i32.const 62))
(assert_return (invoke "count_from" (i32.const -2)) (i32.const 1))
;; From -65538 the first byte is at 0xfffffffe (p + 65536 wraps): a trap.
(assert_trap (invoke "count_from" (i32.const -65538)) "out of bounds memory access")
;; An odd start never meets 0: p = -1 reads 65535 and then 65536.
(assert_trap (invoke "count_from" (i32.const -63)) "out of bounds memory access")
;; The last iteration's second byte is past the end.
(assert_trap (invoke "count_past" (i32.const -64)) "out of bounds memory access")
(assert_trap (invoke "count_past" (i32.const -2)) "out of bounds memory access")

;; N not dividing: 0, 3, ... 65535 marked, then 65538 traps.
(assert_trap (invoke "mark_by_3" (i32.const 10)) "out of bounds memory access")
(assert_return (invoke "b" (i32.const 65535)) (i32.const 1))
(assert_return (invoke "b" (i32.const 65534)) (i32.const 0))
(assert_return (invoke "b" (i32.const 9)) (i32.const 1))
(assert_return (invoke "count_steps" (i32.const 8)) (i32.const 8))
(assert_return (invoke "count_steps" (i32.const 2684354565)) (i32.const 5))

;; Dropped loads still trap, in the last iteration or the first (wrapped).
(assert_return (invoke "touch" (i32.const 65532) (i32.const 1)))
(assert_trap (invoke "touch" (i32.const 65528) (i32.const 3)) "out of bounds memory access")
(assert_trap (invoke "touch" (i32.const 0xfffffffc) (i32.const 1)) "out of bounds memory access")

;; The constant cell 2048 inside p's range (the groups overlap: slow copy)
;; and outside it.
(invoke "sw" (i32.const 2040) (i32.const 1))
(invoke "sw" (i32.const 2044) (i32.const 2))
(invoke "sw" (i32.const 2052) (i32.const 4))
(assert_return (invoke "sum_into" (i32.const 2040) (i32.const 4)) (i32.const 10))
(assert_return (invoke "sum_into" (i32.const 2052) (i32.const 1)) (i32.const 4))
(assert_return (invoke "sum_into" (i32.const 2040) (i32.const 2)) (i32.const 3))

;; After memory.grow: the guard reads the new size.
(invoke "st" (i32.const 0) (f64.const 1))
(invoke "st" (i32.const 8) (f64.const 1))
(invoke "st" (i32.const 16) (f64.const 1))
(invoke "st" (i32.const 24) (f64.const 1))
(assert_trap (invoke "axpy" (i32.const 65536) (i32.const 0) (i32.const 4) (f64.const 1))
  "out of bounds memory access")
(assert_return (invoke "grow") (i32.const 1))
(assert_return (invoke "axpy" (i32.const 65536) (i32.const 0) (i32.const 4) (f64.const 1)))
(assert_return (invoke "ld" (i32.const 65536)) (f64.const 1))
(assert_return (invoke "ld" (i32.const 65560)) (f64.const 1))
(assert_return (invoke "axpy" (i32.const 131056) (i32.const 0) (i32.const 2) (f64.const 1)))
(assert_return (invoke "ld" (i32.const 131064)) (f64.const 1))
