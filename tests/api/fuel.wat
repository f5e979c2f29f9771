;; fuel.wat — for test_fuel.c and tests/cli/fuel.sh: `count n` loops n times
;; through a call, `spin` never ends.
(module
  (func $inner (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (call $inner (local.get $i)))
        (br $l)))
    (local.get $i))
  (func (export "spin") (loop $l (br $l))))
