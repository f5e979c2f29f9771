;; One shared memory, exported for the counter instances to import
;; (test_shared_counter.c).
(module (memory (export "memory") 1 1 shared))
