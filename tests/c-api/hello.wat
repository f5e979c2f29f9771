;; A host callback called from wasm: run() calls hello() three times and
;; returns its last result plus 1.
(module
  (import "" "hello" (func $hello (param i32) (result i32)))
  (func (export "run") (result i32)
    (drop (call $hello (i32.const 1)))
    (drop (call $hello (i32.const 2)))
    (i32.add (call $hello (i32.const 3)) (i32.const 1)))
)
