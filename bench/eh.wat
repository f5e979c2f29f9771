;; bench/eh.sh: the cost of exception handling.  The calls go through an
;; exported table, so that no compiler inlines them away: plain and in_try
;; make the same n calls, in_try each inside a try (an invoke).
(module
  (type $w (func (param i32 i32) (result i32)))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $work $thrower)
  (tag $e (param i32))
  (func $work (param i32 i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 31)) (local.get 1)))
  (func $thrower (param i32 i32) (result i32)
    (throw $e (local.get 1)))
  (func (export "plain") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (call_indirect (type $w) (local.get $acc) (local.get $n) (i32.const 0)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "in_try") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (try
        (do (local.set $acc (call_indirect (type $w) (local.get $acc) (local.get $n)
                                                 (i32.const 0))))
        (catch_all))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  ;; n exceptions thrown by a callee and caught by its caller.
  (func (export "throw_catch") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (try
        (do (drop (call_indirect (type $w) (local.get $acc) (local.get $n) (i32.const 1))))
        (catch $e (local.get $acc) (i32.add) (local.set $acc)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  ;; The same, thrown 10 frames below the catch.
  (func $down (param $d i32) (param $v i32) (result i32)
    (if (result i32) (local.get $d)
      (then (i32.add (call $down (i32.sub (local.get $d) (i32.const 1)) (local.get $v))
                     (i32.const 1)))
      (else (call_indirect (type $w) (i32.const 0) (local.get $v) (i32.const 1)))))
  (func (export "throw_deep") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (try
        (do (drop (call $down (i32.const 10) (local.get $n))))
        (catch $e (local.get $acc) (i32.add) (local.set $acc)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
)
