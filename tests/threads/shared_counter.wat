;; Workers of test_shared_counter.c, each in an instance of its own over
;; one imported shared memory.  Address 0: the counter; 4: workers still
;; running (the last one out notifies the joiner); 8: where park()ers wait.
(module
  (import "env" "memory" (memory 1 1 shared))
  (func (export "init") (param $workers i32)
    (i32.atomic.store (i32.const 0) (i32.const 0))
    (i32.atomic.store (i32.const 4) (local.get $workers))
    (i32.atomic.store (i32.const 8) (i32.const 0)))
  ;; $n atomic increments, then the count-down.
  (func (export "run") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (if (i32.eq (i32.atomic.rmw.sub (i32.const 4) (i32.const 1)) (i32.const 1))
      (then (drop (memory.atomic.notify (i32.const 4) (i32.const -1))))))
  ;; Waits until no worker runs (a wait that returns sees a new count).
  (func (export "join")
    (local $v i32)
    (block $done
      (loop $l
        (local.set $v (i32.atomic.load (i32.const 4)))
        (br_if $done (i32.eqz (local.get $v)))
        (drop (memory.atomic.wait32 (i32.const 4) (local.get $v) (i64.const -1)))
        (br $l))))
  (func (export "total") (result i32) (i32.atomic.load (i32.const 0)))
  ;; Sleeps until notified: 0 ("ok").
  (func (export "park") (result i32)
    (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))
  (func (export "wake") (param $n i32) (result i32)
    (memory.atomic.notify (i32.const 8) (local.get $n))))
