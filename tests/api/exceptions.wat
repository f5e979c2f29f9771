;; Exceptions between wasm and the host (test_exceptions.c), legacy form.
(module
  (import "host" "tag" (tag $htag (param i32)))
  (import "host" "throw" (func $hthrow (param i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (tag $own (export "own") (param i32 f64))
  (tag $e (export "e") (param i32))

  ;; The host throws $htag with 2x; 0 returns.
  (func (export "catch_host") (param i32) (result i32)
    (try (result i32)
      (do (call $hthrow (local.get 0)) (i32.const -1))
      (catch $htag (i32.const 1) (i32.add))))
  (func (export "uncaught") (param i32)
    (throw $own (local.get 0) (f64.const 2.5)))
  (func $down (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (throw $e (i32.const 42)))
      (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  ;; Caught n frames up.
  (func (export "deep") (param i32) (result i32)
    (try (result i32) (do (call $down (local.get 0))) (catch $e)))
  (func (export "throw_e") (param i32) (throw $e (local.get 0)))
  ;; The host calls throw_e, gets the exception back and throws it on.
  (func (export "via_host") (param i32) (result i32)
    (try (result i32)
      (do (call $reenter (local.get 0)))
      (catch $e (i32.const 1000) (i32.add))))
  ;; Traps are not exceptions: catch_all does not see them.
  (func (export "trap_in_try") (result i32)
    (try (result i32) (do (unreachable)) (catch_all (i32.const 5))))
  ;; n throws caught in a loop: the sum of n..1.
  (func (export "loop_throw") (param i32) (result i32) (local i32)
    (loop $l
      (try
        (do (throw $e (local.get 0)))
        (catch $e (local.get 1) (i32.add) (local.set 1)))
      (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l))
    (local.get 1))
  ;; A cleanup (catch_all, rethrow) on the way out, n times.
  (func $cleanup (param i32)
    (try (do (throw $e (local.get 0))) (catch_all (rethrow 0))))
  (func (export "loop_cleanup") (param i32) (result i32) (local i32)
    (loop $l
      (try
        (do (call $cleanup (local.get 0)))
        (catch $e (local.get 1) (i32.add) (local.set 1)))
      (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l))
    (local.get 1))
)
