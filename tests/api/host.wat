;; Calls into host functions, and host functions calling back in.
(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "scale" (func $scale (param i64 f64) (result f64)))
  (import "host" "boom" (func $boom))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "gboom" (func $gboom))
  (memory (export "memory") 1)
  (func (export "call_add") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  (func (export "call_scale") (param i64 f64) (result f64)
    (call $scale (local.get 0) (local.get 1)))
  (func (export "call_boom") (call $boom))
  ;; down(n): 100 at the bottom, else reenter(n - 1), which calls down again.
  (func (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 100))
      (else (call $reenter (i32.sub (local.get 0) (i32.const 1))))))
  ;; boom_deep, gboom_deep: a native and a generic host function's trap,
  ;; two wasm calls down (the trap's frames are these calls).
  (func $boom_via (call $boom))
  (func (export "boom_deep") (call $boom_via))
  (func $gboom_via (call $gboom))
  (func (export "gboom_deep") (call $gboom_via))
  ;; down_trap(n): like down, but traps at the bottom.
  (func (export "down_trap") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (unreachable))
      (else (call $reenter (i32.sub (local.get 0) (i32.const 1))))))
)
