;; Loops of the shape checked loop versions take (compiler/loopver.c),
;; whose fast copies LLVM must vectorise: checked_loop_vector.sh.
(module
  (memory 1)
  ;; clang's shape of sieve's count: p from -n up to 0, bytes at
  ;; p + 1064, an i32 add that wraps for every p < 0.
  (func (export "count_zero") (param $p i32) (result i32)
    (local $acc i32)
    (loop $l
      local.get $acc
      local.get $p
      i32.const 1064
      i32.add
      i32.load8_u
      i32.eqz
      i32.add
      local.get $p
      i32.const 1065
      i32.add
      i32.load8_u
      i32.eqz
      i32.add
      local.set $acc
      local.get $p
      i32.const 2
      i32.add
      local.tee $p
      br_if $l)
    (local.get $acc))
  ;; Words at p + 8 + offset 4, p stepping by 4, n of them.
  (func (export "sum_words") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc)
                               (i32.load offset=4 (i32.add (local.get $p) (i32.const 8)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                        (local.get $n))))
    (local.get $acc)))
