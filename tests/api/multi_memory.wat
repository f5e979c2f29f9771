;; Two memories, both exported; memory 1 smaller and growable to 4 pages.
(module
  (memory (export "mem0") 2)
  (memory (export "mem1") 1 4)
  (func (export "peek1") (param i32) (result i32) (i32.load8_u 1 (local.get 0)))
  (func (export "size1") (result i32) (memory.size 1))
  ;; memory 1 -> memory 0
  (func (export "copy10") (param i32 i32 i32)
    (memory.copy 0 1 (local.get 0) (local.get 1) (local.get 2))))
