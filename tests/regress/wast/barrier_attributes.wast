;; The trap-ordering barriers carry memory attributes (lower_memory.c):
;; LLVM may now forward a stored value to a later load, merge two loads of
;; the same bytes and move a loop-invariant load that starts a loop before
;; the loop.  None of that may move a trap or lose a store before one.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  ;; Stored values forwarded to loads across barriers and a faulting
  ;; load: the store before the fault stays written, the one after is not.
  (func (export "forward") (param $p i32) (result i32)
    (i32.store (i32.const 0) (i32.const 5))
    (drop (i32.load (local.get $p)))
    (i32.store (i32.const 8) (i32.const 6))
    (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 8))))
  ;; Two loads of the same bytes, the second out of bounds only if the
  ;; first is: merged or not, the first traps.
  (func (export "twice") (param $p i32) (result i32)
    (global.set $g (i32.const 1))
    (drop (i32.load (local.get $p)))
    (global.set $g (i32.const 2))
    (i32.load8_u (local.get $p)))
  ;; A loop-invariant load at the start of the loop: traps before the
  ;; loop's first store, whether hoisted or not.
  (func (export "invariant_first") (param $q i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $q))))
      (i32.store offset=64 (i32.shl (local.get $i) (i32.const 2)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
    (local.get $s))
  ;; A loop that only reads: its invariant load goes before the loop, and
  ;; the global.set before the loop stays before the fault.
  (func (export "invariant_sum") (param $q i32) (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (global.set $g (i32.const 3))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $q))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (global.set $g (i32.const 4))
    (local.get $s))
  ;; The same with a global.set in the loop, before the load.
  (func (export "global_in_loop") (param $q i32) (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (global.set $g (i32.add (local.get $i) (i32.const 100)))
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $q))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  ;; The same load after a store in the loop: the first iteration's store
  ;; is done before the load traps.
  (func (export "invariant_after_store") (param $q i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (i32.store offset=128 (i32.shl (local.get $i) (i32.const 2)) (i32.add (local.get $i) (i32.const 10)))
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $q))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
    (local.get $s))
  ;; A dead load in a loop, after a store: traps in the first iteration.
  (func (export "dead_in_loop") (param $q i32)
    (local $i i32)
    (loop $l
      (i32.store offset=192 (i32.shl (local.get $i) (i32.const 2)) (i32.const 7))
      (drop (i32.load16_u (local.get $q)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4)))))
  (func (export "g") (result i32) (global.get $g))
  (func (export "m") (param i32) (result i32) (i32.load (local.get 0))))

(assert_trap (invoke "forward" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "m" (i32.const 0)) (i32.const 5))
(assert_return (invoke "m" (i32.const 8)) (i32.const 0))
(assert_return (invoke "forward" (i32.const 4)) (i32.const 11))

(assert_trap (invoke "twice" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "g") (i32.const 1))
(assert_return (invoke "twice" (i32.const 0)) (i32.const 5))
(assert_return (invoke "g") (i32.const 2))

(assert_trap (invoke "invariant_first" (i32.const 65534)) "out of bounds memory access")
(assert_return (invoke "m" (i32.const 64)) (i32.const 0))
(assert_return (invoke "invariant_first" (i32.const 0)) (i32.const 20))
(assert_return (invoke "m" (i32.const 76)) (i32.const 3))

(assert_trap (invoke "invariant_sum" (i32.const 65533) (i32.const 10)) "out of bounds memory access")
(assert_return (invoke "g") (i32.const 3))
(assert_return (invoke "invariant_sum" (i32.const 0) (i32.const 10)) (i32.const 50))
(assert_return (invoke "g") (i32.const 4))
(assert_trap (invoke "global_in_loop" (i32.const 65533) (i32.const 10)) "out of bounds memory access")
(assert_return (invoke "g") (i32.const 100))
(assert_return (invoke "global_in_loop" (i32.const 0) (i32.const 10)) (i32.const 50))
(assert_return (invoke "g") (i32.const 109))

(assert_trap (invoke "invariant_after_store" (i32.const 65534)) "out of bounds memory access")
(assert_return (invoke "m" (i32.const 128)) (i32.const 10))
(assert_return (invoke "m" (i32.const 132)) (i32.const 0))
(assert_return (invoke "invariant_after_store" (i32.const 0)) (i32.const 20))

(assert_trap (invoke "dead_in_loop" (i32.const 65535)) "out of bounds memory access")
(assert_return (invoke "m" (i32.const 192)) (i32.const 7))
(assert_return (invoke "m" (i32.const 196)) (i32.const 0))
