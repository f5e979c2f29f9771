;; One import and one export of each kind, for reflection.
(module
  (import "env" "f" (func (param i32 i64) (result f32)))
  (import "env" "g" (global (mut f64)))
  (import "env" "t" (table 2 funcref))
  (import "lib" "m" (memory 1 4))
  (func $id (export "func") (param i32) (result i32) (local.get 0))
  (global (export "global") i64 (i64.const 1))
  (table (export "table") 3 8 funcref)
  (export "memory" (memory 0))
)
