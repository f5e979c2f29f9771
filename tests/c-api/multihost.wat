;; A host function of four results, called from wasm: call_swap passes its
;; arguments through; sum_pair adds the two results of the host's pair,
;; which calls back into wasm (call_swap) before it returns.
(module
  (import "" "swap" (func $swap (param i32 i64 i64 i32) (result i32 i64 i64 i32)))
  (import "" "pair" (func $pair (param f64) (result f64 f32)))
  (func (export "call_swap") (param i32 i64 i64 i32) (result i32 i64 i64 i32)
    (call $swap (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sum_pair") (param f64) (result f64)
    (call $pair (local.get 0))
    (f64.promote_f32)
    (f64.add))
)
