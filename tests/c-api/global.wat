;; Globals imported from the host and the module's own, constant and
;; mutable, read and written from wasm (the host reads and writes them too).
(module
  (import "" "const_i32" (global $ci32 i32))
  (import "" "const_f64" (global $cf64 f64))
  (import "" "var_i64" (global $vi64 (mut i64)))
  (import "" "var_f32" (global $vf32 (mut f32)))
  (global $own_const (export "own_const") i64 (i64.const 42))
  (global $own_var (export "own_var") (mut i32) (i32.const 5))
  (export "var_i64" (global $vi64))
  (func (export "get_ci32") (result i32) (global.get $ci32))
  (func (export "get_cf64") (result f64) (global.get $cf64))
  (func (export "get_vi64") (result i64) (global.get $vi64))
  (func (export "get_vf32") (result f32) (global.get $vf32))
  (func (export "get_own_var") (result i32) (global.get $own_var))
  (func (export "set_vi64") (param i64) (global.set $vi64 (local.get 0)))
  (func (export "set_vf32") (param f32) (global.set $vf32 (local.get 0)))
  (func (export "set_own_var") (param i32) (global.set $own_var (local.get 0)))
)
