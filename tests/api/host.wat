;; Calls into host functions, and host functions calling back in.
(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "scale" (func $scale (param i64 f64) (result f64)))
  (import "host" "boom" (func $boom))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "gboom" (func $gboom))
  ;; Arguments past the registers, on the stack (through krt_host_shim).
  (import "host" "many" (func $many (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "host" "gmany" (func $gmany
    (param i32 i32 i32 i32 i32 i32 i32 i32 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (result f64)))
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
  (func (export "call_many") (result i32)
    (call $many (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8)))
  (func (export "call_gmany") (result f64)
    (call $gmany (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                 (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8)
                 (f64.const 0.5) (f64.const 1.5) (f64.const 2.5) (f64.const 3.5)
                 (f64.const 4.5) (f64.const 5.5) (f64.const 6.5) (f64.const 7.5)
                 (f64.const 8.5) (f64.const 9.5)))
)
