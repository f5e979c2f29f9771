;; Traps from wasm (unreachable three calls deep, division by zero) and
;; from a host function; the names section names the functions.
(module
  (import "" "host_fail" (func $host_fail))
  (func $inner (unreachable))
  (func $middle (call $inner))
  (func $outer (export "deep") (call $middle))
  (func (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "host") (call $host_fail))
)
