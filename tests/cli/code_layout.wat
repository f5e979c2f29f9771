;; Code layout rules (docs/architecture.md, "Code layout"): bodies on
;; 64-byte lines, innermost loops without calls on 32-byte ones, loops that
;; call and loops holding loops left alone.  code_layout.sh reads the
;; assembly `kiln compile --dump` writes.
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (memory 1)
  ;; b1: an innermost loop with no call (a strided store, sieve's marking)
  (func (export "mark") (param $j i32) (param $step i32) (param $n i32)
    (loop $l
      (i32.store8 (local.get $j) (i32.const 1))
      (local.set $j (i32.add (local.get $j) (local.get $step)))
      (br_if $l (i32.lt_u (local.get $j) (local.get $n)))))
  ;; b2: a loop that calls (an import: nothing to inline)
  (func (export "calls") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $f (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))
  ;; b3: an outer loop holding an inner one: only the inner is aligned
  (func (export "nest") (param $n i32) (param $m i32)
    (local $i i32) (local $j i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (i32.store8 (i32.add (local.get $i) (local.get $j)) (i32.const 7))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $m))))
      (local.set $i (i32.add (local.get $i) (local.get $m)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))))
