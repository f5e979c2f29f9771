;; kiln wast flags: --enable-memory64
;; memory64: compiled code keeps an unshared 64-bit memory's length in a
;; local, read at function entry and again after every call and
;; memory.grow (lower_memory.c, lower_memory_lengths).  Each access here
;; lies past the length the function began with, in memory that a call
;; (direct, indirect, to another module's function) or memory.grow just
;; added; a missed reload would trap.  And the end still traps after.
(module $a
  (memory (export "mem") i64 1)
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
)
(register "a" $a)
(module
  (import "a" "mem" (memory i64 1))
  (import "a" "grow" (func $import_grow (param i64) (result i64)))
  (type $g (func (param i64) (result i64)))
  (table funcref (elem $grow))
  (func $grow (param i64) (result i64) (memory.grow (local.get 0)))
  (func $nested (param i64) (result i64) (call $grow (local.get 0)))

  ;; grows by one page through `how`, then stores and loads at the start
  ;; of the new page (0: memory.grow here, 1: a call, 2: a call two deep,
  ;; 3: call_indirect, 4: the other module's function)
  (func $grow_how (param $how i32) (result i64)
    (block $4 (block $3 (block $2 (block $1 (block $0
      (br_table $0 $1 $2 $3 $4 (local.get $how)))
      (return (memory.grow (i64.const 1))))
      (return (call $grow (i64.const 1))))
      (return (call $nested (i64.const 1))))
      (return (call_indirect (type $g) (i64.const 1) (i32.const 0))))
    (call $import_grow (i64.const 1)))
  (func (export "grow_then_access") (param $how i32) (result i64)
    (local $old i64)
    ;; an access first, so that the length is in use before the growth
    (i64.store (i64.const 0) (i64.const 1))
    (local.set $old (call $grow_how (local.get $how)))
    (i64.store (i64.shl (local.get $old) (i64.const 16)) (i64.const 0x77))
    (i64.load (i64.shl (local.get $old) (i64.const 16))))
  ;; in a loop: each iteration grows by a page through a call and
  ;; writes its last 8 bytes; the sum of what was read back
  (func (export "loop_grow") (param $n i32) (result i64)
    (local $i i32) (local $end i64) (local $sum i64)
    (loop $l
      (drop (call $grow (i64.const 1)))
      (local.set $end (i64.shl (memory.size) (i64.const 16)))
      (i64.store (i64.sub (local.get $end) (i64.const 8)) (i64.const 5))
      (local.set $sum (i64.add (local.get $sum)
        (i64.load (i64.sub (local.get $end) (i64.const 8)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (local.get $n))))
    (local.get $sum))
  (func (export "size") (result i64) (memory.size))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "grow_then_access" (i32.const 0)) (i64.const 0x77))
(assert_return (invoke "grow_then_access" (i32.const 1)) (i64.const 0x77))
(assert_return (invoke "grow_then_access" (i32.const 2)) (i64.const 0x77))
(assert_return (invoke "grow_then_access" (i32.const 3)) (i64.const 0x77))
(assert_return (invoke "grow_then_access" (i32.const 4)) (i64.const 0x77))
(assert_return (invoke "size") (i64.const 6))
(assert_return (invoke "loop_grow" (i32.const 10)) (i64.const 50))
(assert_return (invoke "size") (i64.const 16))
(assert_return (invoke "load8" (i64.const 0xffff8)) (i32.const 5))
(assert_trap (invoke "load8" (i64.const 0x100000)) "out of bounds memory access")
