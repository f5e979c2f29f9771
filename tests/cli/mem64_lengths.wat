;; tests/cli/mem64_lengths.sh: the same loop of three accesses (two stores,
;; then a load) on an unshared 64-bit memory (function 0) and on a shared
;; one (function 1, in a second memory).
(module
  (memory i64 1)
  (memory 1 1 shared)
  (memory i64 1 1 shared)
  (func (export "unshared") (param $n i64) (result i64)
    (local $i i64) (local $s i64)
    (loop $l
      (i64.store (local.get $i) (local.get $i))
      (i64.store offset=8 (local.get $i) (local.get $s))
      (local.set $s (i64.add (local.get $s) (i64.load offset=16 (local.get $i))))
      (br_if $l (i64.lt_u (local.tee $i (i64.add (local.get $i) (i64.const 24)))
                          (local.get $n))))
    (local.get $s))
  (func (export "shared") (param $n i64) (result i64)
    (local $i i64) (local $s i64)
    (loop $l
      (i64.store 2 (local.get $i) (local.get $i))
      (i64.store 2 offset=8 (local.get $i) (local.get $s))
      (local.set $s (i64.add (local.get $s) (i64.load 2 offset=16 (local.get $i))))
      (br_if $l (i64.lt_u (local.tee $i (i64.add (local.get $i) (i64.const 24)))
                          (local.get $n))))
    (local.get $s)))
