;; Imports both memories of multi_memory.wat, in the other order: its
;; memory 0 is the exporter's memory 1.
(module
  (import "mm" "mem1" (memory 1))
  (import "mm" "mem0" (memory 2))
  (func (export "poke_first") (param i32 i32) (i32.store8 0 (local.get 0) (local.get 1)))
  (func (export "peek_second") (param i32) (result i32) (i32.load8_u 1 (local.get 0))))
