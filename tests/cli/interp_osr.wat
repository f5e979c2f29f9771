;; On-stack replacement from the interpreter (interp.sh): loops in functions
;; called once move to tier 1 at a loop start, carrying every local.
(module
  (type $ii (func (param i32) (result i32)))
  (table $t 1 funcref)
  (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (elem declare func $dbl)
  ;; A local of every type the interpreter holds, set before the loop and
  ;; changed in it; four results of mixed kinds (registers).
  (func (export "mix") (param $n i32) (result i32 i64 f32 f64)
    (local $i i32) (local $a i64) (local $b f32) (local $c f64)
    (local $f funcref) (local $e externref)
    (local.set $a (i64.const 0x100000000))
    (local.set $b (f32.const 0.5))
    (local.set $c (f64.const 0.25))
    (local.set $f (ref.func $dbl))
    (loop $l
      (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $i))))
      (local.set $b (f32.add (local.get $b) (f32.const 1)))
      (local.set $c (f64.add (local.get $c) (f64.const 0.5)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (table.set $t (i32.const 0) (local.get $f))
    (i32.add (call_indirect (type $ii) (local.get $i) (i32.const 0))
             (ref.is_null (local.get $e)))
    (local.get $a) (local.get $b) (local.get $c))
  ;; Four floats: two in %xmm0-1, two on the x87 stack.
  (func (export "floats") (param $n i32) (result f64 f32 f64 f32)
    (local $i i32) (local $x f64)
    (local.set $x (f64.const 1.5))
    (loop $l
      (local.set $x (f64.add (local.get $x) (f64.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $x) (f32.demote_f64 (f64.neg (local.get $x)))
    (f64.mul (local.get $x) (f64.const 2)) (f32.convert_i32_u (local.get $i)))
  ;; Four integers: the results through memory.
  (func (export "ints") (param $n i32) (result i32 i64 i32 i64)
    (local $i i32) (local $s i64)
    (local.set $s (i64.const -5))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i) (local.get $s) (i32.const -7) (i64.mul (local.get $s) (i64.const 3)))
  ;; A trap in the loop, after the move: 1 / (n - i) at i = n.
  (func $trap (export "trap") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (drop (i32.div_s (i32.const 1) (i32.sub (local.get $n) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))
    (i32.const 0))
  ;; Loop numbers as lowering gives them: a loop in dead code has none, a
  ;; loop over a non-empty stack (number 0) is no OSR point; the hot loop
  ;; is number 1.
  (func (export "numbered") (param $n i32) (result i32) (local $i i32) (local $j i32)
    (block (br 0) (loop $dead (br $dead)))
    (i32.const 5)
    (loop $a
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $a (i32.lt_u (local.get $j) (i32.const 3))))
    (drop)
    (loop $b
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $b (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $i) (local.get $j)))
  ;; No OSR point: the loop has a parameter.
  (func (export "param_loop") (param $n i32) (result i32) (local $s i32)
    (local.get $n)
    (loop $l (param i32) (result i32)
      (local.set $s (i32.add (local.get $s) (i32.const 3)))
      (i32.sub (i32.const 1))
      (local.tee 0)
      (local.get 0)
      (br_if $l))
    (drop)
    (local.get $s))
  ;; No OSR point: a value stays on the stack under the loop.
  (func (export "stack_loop") (param $n i32) (result i32) (local $i i32)
    (i32.const 7)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)
    (i32.add))
  ;; The trap one frame deeper, under an interpreted caller (function 8).
  (func (export "trap_under") (param $n i32) (result i32)
    (i32.add (call $trap (local.get $n)) (i32.const 1))))
