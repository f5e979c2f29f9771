;; Extended constant expressions: i32/i64 add, sub and mul in globals and
;; in data and element offsets, wrapping as in code (cli_features).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (global $base i32 (i32.const 1000))
  (global $g i32 (i32.sub (i32.mul (i32.const 7) (i32.const 6)) (i32.const 2)))
  (global $wrap i32 (i32.add (i32.const 0x7fffffff) (i32.const 2)))
  (global $big i64 (i64.mul (i64.const 0x100000000) (i64.sub (i64.const 5) (i64.const 2))))
  (memory 1)
  (data (offset (i32.add (i32.const 16) (i32.mul (i32.const 4) (i32.const 4)))) "\2a")
  (table 8 funcref)
  (elem (offset (i32.sub (i32.const 10) (i32.const 5))) $forty)
  (type $v_i (func (result i32)))
  (func $forty (result i32) (i32.const 40))
  (func (export "g") (result i32) (global.get $g))
  (func (export "wrap") (result i32) (global.get $wrap))
  (func (export "big") (result i64) (global.get $big))
  (func (export "data") (result i32) (i32.load8_u (i32.const 32)))
  (func (export "elem") (result i32) (call_indirect (type $v_i) (i32.const 5))))
