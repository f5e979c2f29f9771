;; A shared memory of 1 to 64 pages, exported (shared_grow.wat's).
(module (memory (export "memory") 1 64 shared))
