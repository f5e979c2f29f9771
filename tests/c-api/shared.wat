;; run(n): calls the host's inc(n + 1) and returns its result.
(module
  (import "" "inc" (func $inc (param i32) (result i32)))
  (global $seed (mut i32) (i32.const 0))
  (func (export "run") (param i32) (result i32)
    (global.set $seed (call $inc (i32.add (local.get 0) (i32.const 1))))
    (global.get $seed))
)
