;; For epoch interruption: a loop that never ends, a recursion with no
;; loop (only its function entries are checked), and a loop that counts.
(module
  (func (export "spin") (loop $l (br $l)))
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (call $down (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
)
