;; What the concurrency test runs from many threads at once: a loop over
;; memory, a trap, stack exhaustion, growing memory to its limit, a call
;; through a table, a chain of calls for lazy compilation to race on, and
;; a loop that only an epoch deadline ends.
(module
  (type $ii (func (param i32) (result i32)))
  (memory 1 4)
  (table 2 8 funcref)
  (elem (i32.const 0) $sq $c0)
  (global $calls (mut i32) (i32.const 0))
  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
  ;; sum of i*i for i < n, also written to memory and read back
  (func (export "work") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 2))
          (call_indirect (type $ii) (local.get $i) (i32.const 0)))
        (local.set $s (i32.add (local.get $s)
          (i32.load (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (local.get $s))
  (func (export "calls") (result i32) (global.get $calls))
  (func (export "trap") (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  ;; grows by one page until it fails; returns the pages it ended with
  (func (export "grow") (result i32)
    (block $full
      (loop $l
        (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $l)))
    (memory.size))
  (func $c0 (type $ii) (i32.add (call $c1 (local.get 0)) (i32.const 1)))
  (func $c1 (param i32) (result i32) (i32.add (call $c2 (local.get 0)) (i32.const 1)))
  (func $c2 (param i32) (result i32) (i32.add (call $c3 (local.get 0)) (i32.const 1)))
  (func $c3 (param i32) (result i32) (i32.add (call $c4 (local.get 0)) (i32.const 1)))
  (func $c4 (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  ;; grows the table by one until it fails; returns its size
  (func (export "tgrow") (result i32)
    (block $full
      (loop $l
        (br_if $full (i32.eq (table.grow 0 (ref.null func) (i32.const 1)) (i32.const -1)))
        (br $l)))
    (table.size 0))
  (func (export "spin") (param i32) (result i32) (loop $l (br $l)) (i32.const 0))
  (func (export "chain") (param i32) (result i32)
    (call_indirect (type $ii) (local.get 0) (i32.const 1)))
)
