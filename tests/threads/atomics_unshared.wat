;; wait and notify validate on an unshared memory; at run time wait traps
;; "expected shared memory" and notify wakes nobody (cli_threads_atomics).
(module
  (memory 1 1)
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1))))
