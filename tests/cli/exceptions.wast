;; Exception handling's corners (exceptions.sh runs it in every mode):
;; tail calls leave the try they are in, branches and returns out of a
;; legacy catch, hot loops inside try and catch bodies (OSR), rethrow
;; through cleanups, delegate to the caller, every value type carried.
(module
  (tag $e (param i32))
  (tag $many (param i32 i64 f32 f64 v128 funcref externref))
  (func $throw (param i32) (result i32) (throw $e (local.get 0)))
  (func $throw2 (param i32) (result i32 i32) (throw $e (local.get 0)))

  ;; A tail call leaves the try: the callee's exception is the caller's.
  (func $tail (param i32) (result i32)
    (try (result i32)
      (do (return_call $throw (local.get 0)))
      (catch $e (drop) (i32.const -1))))
  (func (export "tail_leaves_try") (param i32) (result i32)
    (try (result i32) (do (call $tail (local.get 0))) (catch $e)))
  ;; The same with two results (a call and a return, not musttail).
  (func $tail2 (param i32) (result i32 i32)
    (try (result i32 i32)
      (do (return_call $throw2 (local.get 0)))
      (catch $e (drop) (i32.const -1) (i32.const -1))))
  (func (export "tail2_leaves_try") (param i32) (result i32)
    (try (result i32) (do (call $tail2 (local.get 0)) (drop)) (catch $e)))

  ;; Branches out of catch bodies, n times over.
  (func (export "br_out") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (block $skip
        (block $out
          (try
            (do (drop (call $throw (local.get $n))))
            (catch $e
              (local.set $acc (i32.add (local.get $acc)))
              (br_if $out (i32.and (local.get $n) (i32.const 4)))
              (br_table $out $skip (i32.and (local.get $n) (i32.const 1)))))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "return_out") (param i32) (result i32)
    (try (result i32)
      (do (call $throw (local.get 0)))
      (catch $e (return))))

  ;; A hot loop in a catch body and one in a try body.
  (func (export "loop_in_catch") (param $n i32) (result i32) (local $i i32) (local $v i32)
    (try
      (do (drop (call $throw (local.get $n))))
      (catch $e
        (local.set $v)
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 3)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (i32.add (local.get $i) (local.get $v)))
  (func (export "loop_in_try") (param $n i32) (result i32) (local $i i32)
    (try (result i32)
      (do
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (call $throw (local.get $i)))
      (catch $e)))

  ;; Cleanups on the way out, then a catch three frames up.
  (func $c1 (param i32) (result i32)
    (try (result i32) (do (call $throw (local.get 0))) (catch_all (rethrow 0))))
  (func $c2 (param i32) (result i32)
    (try (result i32) (do (call $c1 (local.get 0))) (delegate 0)))
  (func (export "cleanups") (param i32) (result i32)
    (try (result i32) (do (call $c2 (local.get 0))) (catch $e (i32.const 1) (i32.add))))

  ;; Every type of value, thrown and caught.
  (func (export "many") (param i32) (result i32)
    (local $a i32) (local $b i64) (local $c f32) (local $d f64) (local $v v128)
    (local $f funcref) (local $x externref)
    (try
      (do
        (throw $many (local.get 0) (i64.const -5) (f32.const 1.5) (f64.const -2.25)
                     (v128.const i32x4 1 2 3 4) (ref.null func) (ref.null extern)))
      (catch $many
        (local.set $x) (local.set $f) (local.set $v) (local.set $d) (local.set $c)
        (local.set $b) (local.set $a)))
    (i32.add (local.get $a) (i32x4.extract_lane 3 (local.get $v)))
    (i32.add (i32.trunc_f64_s (local.get $d)))
    (i32.add (i32.trunc_f32_s (local.get $c)))
    (i32.add (i32.wrap_i64 (local.get $b)))
    (i32.add (ref.is_null (local.get $f)))
    (i32.add (ref.is_null (local.get $x))))
)
(assert_return (invoke "tail_leaves_try" (i32.const 7)) (i32.const 7))
(assert_return (invoke "tail2_leaves_try" (i32.const 8)) (i32.const 8))
(assert_return (invoke "br_out" (i32.const 1000)) (i32.const 500500))
(assert_return (invoke "return_out" (i32.const 9)) (i32.const 9))
(assert_return (invoke "loop_in_catch" (i32.const 100000)) (i32.const 400000))
(assert_return (invoke "loop_in_try" (i32.const 100000)) (i32.const 100000))
(assert_return (invoke "cleanups" (i32.const 41)) (i32.const 42))
(assert_return (invoke "many" (i32.const 10)) (i32.const 10))
