;; call_indirect through a table the host fills and grows.
(module
  (import "" "table" (table $t 2 funcref))
  (type $i2i (func (param i32) (result i32)))
  (func $double (export "double") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2)))
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect $t (type $i2i) (local.get 1) (local.get 0)))
  (func (export "size") (result i32) (table.size $t))
)
