;; memory.grow on one thread while others read (test_shared_counter.c):
;; each thread an instance of its own over one imported shared memory of
;; up to 64 pages (shared_mem64.wat's).
(module
  (import "env" "memory" (memory 1 64 shared))
  ;; Grows by one page $n times; the number of grows that failed.
  (func (export "grow") (param $n i32) (result i32)
    (local $failed i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
          (then (local.set $failed (i32.add (local.get $failed) (i32.const 1)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $failed))
  ;; Until the memory has $pages pages: reads its size and the last word
  ;; of that size, which must never trap; the reads made.
  (func (export "probe") (param $pages i32) (result i32)
    (local $size i32) (local $reads i32)
    (loop $l
      (local.set $size (memory.size))
      (drop (i32.atomic.load (i32.sub (i32.shl (local.get $size) (i32.const 16)) (i32.const 4))))
      (local.set $reads (i32.add (local.get $reads) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $size) (local.get $pages))))
    (local.get $reads)))
