;; Host references (externref) through a host function, a global and a
;; table, and a funcref through a function.
(module
  (import "" "echo" (func $echo (param externref) (result externref)))
  (global $g (export "global") (mut externref) (ref.null extern))
  (table $t (export "table") 4 externref)
  (func (export "global_set") (param externref) (global.set $g (local.get 0)))
  (func (export "global_get") (result externref) (global.get $g))
  (func (export "table_set") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
  (func (export "table_get") (param i32) (result externref) (table.get $t (local.get 0)))
  (func (export "call_echo") (param externref) (result externref) (call $echo (local.get 0)))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func $self (export "self") (result funcref) (ref.func $self))
)
