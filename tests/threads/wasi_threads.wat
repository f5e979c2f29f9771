;; wasi-threads programs (tests/threads/wasi_threads.sh): the main thread
;; spawns workers with "wasi" "thread-spawn"; each worker, an instance of
;; its own over the one imported shared memory, gets its task as the
;; spawn's argument in wasi_thread_start.
;;
;; Memory: 0 counter; 4 workers done (joined on with wait/notify); 8 the
;; iterations each worker does; 12 the next tid slot; 16 mutex; 20 the
;; count the mutex protects; 24 the grower is done; 28 released (limit);
;; 32 queue mutex; 36 queue length; 40 head; 44 tail; 48 consumed sum
;; (i64); 56 the next file slot; 64 the output buffer; 128 the tids seen;
;; 1024 the queue's 16 slots; 4096 the file slots, 16 bytes each (a path,
;; then the descriptor opened).
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber"
    (func $fd_renumber (param i32 i32) (result i32)))
  (import "env" "memory" (memory 1 16 shared))

  (func $done (i32.atomic.rmw.add (i32.const 4) (i32.const 1)) (drop)
    (drop (memory.atomic.notify (i32.const 4) (i32.const -1))))

  ;; Waits until $n workers are done (a wait that returns sees a new count).
  (func $join (param $n i32)
    (local $v i32)
    (block $out
      (loop $l
        (local.set $v (i32.atomic.load (i32.const 4)))
        (br_if $out (i32.ge_u (local.get $v) (local.get $n)))
        (drop (memory.atomic.wait32 (i32.const 4) (local.get $v) (i64.const -1)))
        (br $l))))

  ;; Spawns a worker for task $task; a spawn that fails traps.
  (func $go (param $task i32)
    (if (i32.le_s (call $spawn (local.get $task)) (i32.const 0))
      (then unreachable)))

  ;; Spin-then-wait mutex on compare-exchange: 0 free, 1 held.
  (func $lock (param $at i32)
    (block $got
      (loop $l
        (br_if $got (i32.eqz (i32.atomic.rmw.cmpxchg (local.get $at) (i32.const 0)
                                                      (i32.const 1))))
        (drop (memory.atomic.wait32 (local.get $at) (i32.const 1) (i64.const 1000000)))
        (br $l))))
  (func $unlock (param $at i32)
    (i32.atomic.store (local.get $at) (i32.const 0))
    (drop (memory.atomic.notify (local.get $at) (i32.const 1))))

  ;; Task 1: counter increments.
  (func $count (param $tid i32)
    (local $n i32)
    (i32.store (i32.add (i32.const 128)
                        (i32.shl (i32.atomic.rmw.add (i32.const 12) (i32.const 1)) (i32.const 2)))
               (local.get $tid))
    (local.set $n (i32.atomic.load (i32.const 8)))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $n)))
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))

  ;; Task 2: plain increments of 20 under the mutex at 16.
  (func $locked (local $n i32)
    (local.set $n (i32.atomic.load (i32.const 8)))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $n)))
        (call $lock (i32.const 16))
        (i32.store (i32.const 20) (i32.add (i32.load (i32.const 20)) (i32.const 1)))
        (call $unlock (i32.const 16))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))

  ;; Task 3: producer of 1..n into the queue (16 slots, under the mutex
  ;; at 32); waits on the length at 36 while the queue is full.
  (func $produce (local $i i32)
    (local.set $i (i32.const 1))
    (block $out
      (loop $l
        (br_if $out (i32.gt_u (local.get $i) (i32.atomic.load (i32.const 8))))
        (call $lock (i32.const 32))
        (if (i32.lt_u (i32.load (i32.const 36)) (i32.const 16))
          (then
            (i32.store (i32.add (i32.const 1024)
                                (i32.shl (i32.and (i32.load (i32.const 44)) (i32.const 15))
                                         (i32.const 2)))
                       (local.get $i))
            (i32.store (i32.const 44) (i32.add (i32.load (i32.const 44)) (i32.const 1)))
            (i32.atomic.store (i32.const 36) (i32.add (i32.load (i32.const 36)) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (call $unlock (i32.const 32))
            (drop (memory.atomic.notify (i32.const 36) (i32.const -1)))
            (br $l)))
        (call $unlock (i32.const 32))
        (drop (memory.atomic.wait32 (i32.const 36) (i32.const 16) (i64.const -1)))
        (br $l))))

  ;; Task 4: consumer of n items, their sum added to 48; waits on the
  ;; length while the queue is empty.
  (func $consume (local $left i32) (local $sum i64)
    (local.set $left (i32.atomic.load (i32.const 8)))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $left)))
        (call $lock (i32.const 32))
        (if (i32.load (i32.const 36))
          (then
            (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u
              (i32.load (i32.add (i32.const 1024)
                                 (i32.shl (i32.and (i32.load (i32.const 40)) (i32.const 15))
                                          (i32.const 2)))))))
            (i32.store (i32.const 40) (i32.add (i32.load (i32.const 40)) (i32.const 1)))
            (i32.atomic.store (i32.const 36) (i32.sub (i32.load (i32.const 36)) (i32.const 1)))
            (local.set $left (i32.sub (local.get $left) (i32.const 1)))
            (call $unlock (i32.const 32))
            (drop (memory.atomic.notify (i32.const 36) (i32.const -1)))
            (br $l)))
        (call $unlock (i32.const 32))
        (drop (memory.atomic.wait32 (i32.const 36) (i32.const 0) (i64.const -1)))
        (br $l)))
    (drop (i64.atomic.rmw.add (i32.const 48) (local.get $sum))))

  ;; Task 5: grows the memory a page at a time to its maximum.
  (func $grow
    (block $out
      (loop $l
        (br_if $out (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $l)))
    (i32.atomic.store (i32.const 24) (i32.const 1)))

  ;; Task 6: reads the last word of the memory's current size until the
  ;; grower is done (never out of bounds: the size only grows).
  (func $read (local $x i32)
    (block $out
      (loop $l
        (local.set $x (i32.add (local.get $x) (i32.load
          (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 4)))))
        (br_if $out (i32.atomic.load (i32.const 24)))
        (br $l))))

  ;; Task 9: blocks until released (28 set).  Task 10 spins for ever.
  (func $recurse (param $n i32)
    (call $recurse (i32.add (local.get $n) (i32.const 1))))
  (func $block
    (block $out
      (loop $l
        (br_if $out (i32.atomic.load (i32.const 28)))
        (drop (memory.atomic.wait32 (i32.const 28) (i32.const 0) (i64.const -1)))
        (br $l))))

;; Task 12: opens the preopened directory (fd 3) as "." n times, each
  ;; time closing what it opened or renumbering it over the one it keeps
  ;; (which closes that): the descriptor table grows, shrinks and moves
  ;; under the other workers' calls.  Counts each open at 0.
  (func $files (local $n i32) (local $at i32) (local $prev i32)
    (local.set $at (i32.add (i32.const 4096)
                            (i32.shl (i32.atomic.rmw.add (i32.const 56) (i32.const 1)) (i32.const 4))))
    (i32.store8 (local.get $at) (i32.const 46))
    (local.set $prev (i32.const -1))
    (local.set $n (i32.atomic.load (i32.const 8)))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $n)))
        (if (i32.eqz (call $path_open (i32.const 3) (i32.const 0) (local.get $at) (i32.const 1)
                                      (i32.const 2) (i64.const 0) (i64.const 0) (i32.const 0)
                                      (i32.add (local.get $at) (i32.const 4))))
          (then
            (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
            (if (i32.and (local.get $n) (i32.const 1))
              (then (drop (call $fd_close (i32.load (i32.add (local.get $at) (i32.const 4))))))
              (else
                (if (i32.ge_s (local.get $prev) (i32.const 0))
                  (then (drop (call $fd_renumber (i32.load (i32.add (local.get $at) (i32.const 4)))
                                                 (local.get $prev))))
                  (else (local.set $prev (i32.load (i32.add (local.get $at) (i32.const 4))))))))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (if (i32.ge_s (local.get $prev) (i32.const 0))
      (then (drop (call $fd_close (local.get $prev))))))

  (func $wasi_thread_start (export "wasi_thread_start") (param $tid i32) (param $task i32)
    (if (i32.or (i32.le_s (local.get $tid) (i32.const 0))
                (i32.gt_s (local.get $tid) (i32.const 0x1fffffff)))
      (then unreachable))
    (block $end
      (block $t12 (block $t11 (block $t10 (block $t9 (block $t8 (block $t7 (block $t6 (block $t5 (block $t4 (block $t3
      (block $t2 (block $t1 (block $bad
        (br_table $bad $t1 $t2 $t3 $t4 $t5 $t6 $t7 $t8 $t9 $t10 $t11 $t12 $bad (local.get $task)))
        unreachable)
        (call $count (local.get $tid)) (br $end))
        (call $locked) (br $end))
        (call $produce) (br $end))
        (call $consume) (br $end))
        (call $grow) (br $end))
        (call $read) (br $end))
        unreachable)			;; task 7: a trap
        (call $proc_exit (i32.const 7)))	;; task 8: proc_exit
        (call $block) (br $end))
        (loop $spin (br $spin)))	;; task 10: runs for ever
        (call $recurse (i32.const 0)))	;; task 11: exhausts its stack
        (call $files) (br $end))
    (call $done))

  ;; $threads workers, $n atomic increments each: the total, or -1 when
  ;; two workers had the same thread id.
  (func $counter (export "counter") (param $threads i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32)
    (i32.atomic.store (i32.const 8) (local.get $n))
    (local.set $i (local.get $threads))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $i)))
        (call $go (i32.const 1))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $join (local.get $threads))
    (local.set $i (i32.const 0))
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $threads)))
        (local.set $j (i32.add (local.get $i) (i32.const 1)))
        (block $next
          (loop $m
            (br_if $next (i32.ge_u (local.get $j) (local.get $threads)))
            (if (i32.eq (i32.load (i32.add (i32.const 128) (i32.shl (local.get $i) (i32.const 2))))
                        (i32.load (i32.add (i32.const 128) (i32.shl (local.get $j) (i32.const 2)))))
              (then (return (i32.const -1))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $m)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.atomic.load (i32.const 0)))

;; $threads workers opening and closing $n descriptors each: the opens
  ;; that succeeded (all of them).
  (func (export "files") (param $threads i32) (param $n i32) (result i32)
    (local $i i32)
    (i32.atomic.store (i32.const 8) (local.get $n))
    (local.set $i (local.get $threads))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $i)))
        (call $go (i32.const 12))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $join (local.get $threads))
    (i32.atomic.load (i32.const 0)))

  (func (export "mutex") (param $threads i32) (param $n i32) (result i32)
    (local $i i32)
    (i32.atomic.store (i32.const 8) (local.get $n))
    (local.set $i (local.get $threads))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $i)))
        (call $go (i32.const 2))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $join (local.get $threads))
    (i32.load (i32.const 20)))

  ;; $pairs producers of 1..$n and $pairs consumers of $n items each: the
  ;; sum consumed.
  (func (export "queue") (param $pairs i32) (param $n i32) (result i64)
    (local $i i32)
    (i32.atomic.store (i32.const 8) (local.get $n))
    (local.set $i (local.get $pairs))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $i)))
        (call $go (i32.const 3))
        (call $go (i32.const 4))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $join (i32.shl (local.get $pairs) (i32.const 1)))
    (i64.atomic.load (i32.const 48)))

  ;; One grower and $readers readers: the memory's size at the end.
  (func (export "grow") (param $readers i32) (result i32)
    (local $i i32)
    (local.set $i (local.get $readers))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $i)))
        (call $go (i32.const 6))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $go (i32.const 5))
    (call $join (i32.add (local.get $readers) (i32.const 1)))
    (memory.size))

  ;; A worker traps, or calls proc_exit(7), while the main thread waits
  ;; for ever: the program ends all the same.
  (func (export "trap")
    (call $go (i32.const 7))
    (call $join (i32.const 1)))
  (func (export "exit")
    (call $go (i32.const 8))
    (call $join (i32.const 1)))
  ;; A worker recursing without end: "call stack exhausted" on its own
  ;; stack (--max-stack), which ends the program.
  (func (export "overflow")
    (call $go (i32.const 11))
    (call $join (i32.const 1)))
  ;; A worker that never ends, joined: only --timeout ends this.
  (func (export "hang")
    (call $go (i32.const 10))
    (call $join (i32.const 1)))
  ;; A worker that never ends, not joined: the program ends with main.
  (func (export "leave") (result i32)
    (call $go (i32.const 10))
    (i32.const 42))

  ;; $n spawns one after another, each joined: how many succeeded.
  (func (export "spawn_loop") (param $n i32) (result i32)
    (local $i i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (call $go (i32.const 9))	;; a blocker, released at once
        (i32.atomic.store (i32.const 28) (i32.const 1))
        (drop (memory.atomic.notify (i32.const 28) (i32.const -1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (call $join (local.get $i))
        (br $l)))
    (i32.atomic.load (i32.const 4)))

  ;; Spawns blockers until a spawn fails (at most $tries): how many
  ;; started, or -1 when the failed spawn did not return a negative value;
  ;; then releases and joins them.
  (func (export "limit") (param $tries i32) (result i32)
    (local $n i32) (local $r i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $n) (local.get $tries)))
        (local.set $r (call $spawn (i32.const 9)))
        (br_if $out (i32.le_s (local.get $r) (i32.const 0)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
    (i32.atomic.store (i32.const 28) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 28) (i32.const -1)))
    (call $join (local.get $n))
    (if (result i32) (i32.lt_s (local.get $r) (i32.const 0))
      (then (local.get $n)) (else (i32.const -1))))

  ;; For the API's test (test_wasi_threads.c): a spawn of task $task,
  ;; not joined, and the release of blockers (task 9).
  (func (export "spawn") (param $task i32) (result i32)
    (call $spawn (local.get $task)))
  (func (export "release")
    (i32.atomic.store (i32.const 28) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 28) (i32.const -1))))

  ;; The counter, 4 threads of 100,000, printed as a WASI command would.
  (func (export "_start")
    (local $v i32) (local $p i32)
    (local.set $v (call $counter (i32.const 4) (i32.const 100000)))
    (local.set $p (i32.const 127))
    (i32.store8 (local.get $p) (i32.const 10))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (local.get $v)))
    (i32.store (i32.const 64) (local.get $p))
    (i32.store (i32.const 68) (i32.sub (i32.const 128) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72)))))
