;; Functions to run hot, for the tiering tests (test_tier.c and
;; tests/threads/test_tierup.c): each result is what tier 0 and tier 1 must
;; both give.  Recursion (fib: tier 1 calls itself directly), a long loop
;; over memory with calls through a table (hash: the table holds the entry
;; stubs that tiering repoints), floating point (poly), state kept across
;; calls (bump) and traps (div).
(module
  (type $ii (func (param i32) (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $sq $rot)
  (global $total (mut i64) (i64.const 0))
  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func $rot (type $ii) (i32.rotl (local.get 0) (i32.const 13)))
  (func $fib (export "fib") (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; xorshift32 from seed n for n iterations: each value goes through
  ;; table[i & 1], into memory[i & 255], and h accumulates the word read back
  (func (export "hash") (param $n i32) (result i32)
    (local $x i32) (local $h i32) (local $i i32) (local $a i32)
    (local.set $x (i32.or (local.get $n) (i32.const 1)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
        (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
        (local.set $a (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2)))
        (i32.store (local.get $a)
          (call_indirect (type $ii) (local.get $x) (i32.and (local.get $i) (i32.const 1))))
        (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31))
                               (i32.load (local.get $a))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $h))
  ;; 64 Newton steps towards sqrt(x) mixed with a polynomial in x
  (func (export "poly") (param $x f64) (result f64)
    (local $y f64) (local $i i32)
    (local.set $y (f64.add (local.get $x) (f64.const 1)))
    (loop $l
      (local.set $y (f64.mul (f64.const 0.5)
        (f64.add (local.get $y) (f64.div (local.get $x) (local.get $y)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 64))))
    (f64.add (local.get $y)
      (f64.mul (local.get $x) (f64.sub (f64.mul (local.get $x) (f64.const 0.25))
                                       (f64.const 3.5)))))
  ;; adds n to the instance's running total and returns it
  (func (export "bump") (param $n i64) (result i64)
    (global.set $total (i64.add (global.get $total) (local.get $n)))
    (global.get $total))
  (func (export "div") (param i64 i64) (result i64)
    (i64.div_s (local.get 0) (local.get 1))))
