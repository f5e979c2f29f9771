;; Host functions with and without environment, of every number type,
;; and one that traps; wasm calls them and passes values through.
(module
  (import "" "add" (func $add (param i32 i32) (result i32)))
  (import "" "scale" (func $scale (param i64 f64) (result f64)))
  (import "" "count" (func $count (param f32) (result f32)))
  (import "" "fail" (func $fail (param i32)))
  (func (export "call_add") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  (func (export "call_scale") (param i64 f64) (result f64)
    (call $scale (local.get 0) (local.get 1)))
  ;; count(x) twice: the env's counter goes up by two.
  (func (export "call_count") (param f32) (result f32)
    (drop (call $count (local.get 0)))
    (call $count (local.get 0)))
  ;; after_fail: calls fail(n) then returns 7 (never reached when it traps).
  (func (export "after_fail") (param i32) (result i32)
    (call $fail (local.get 0))
    (i32.const 7))
)
