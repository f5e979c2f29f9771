;; Multiple results: round_trip(a, b, c, d) returns d, c, b, a; pair()
;; returns two constants.
(module
  (func (export "round_trip") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))
  (func (export "pair") (result i32 i64)
    (i32.const -1) (i64.const 0x123456789))
)
