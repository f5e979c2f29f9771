;; Traps at known offsets for trap backtraces (offsets.sh): every frame
;; says the offset of its instruction.  Calls between functions go through
;; the table, so that no optimisation inlines a frame away; the recursion
;; calls itself directly.  Two sites of one trap kind in a function keep
;; their offsets apart ($div2: optimised code must not merge them).
(module
  (type $i_i (func (param i32) (result i32)))
  (type $ii_i (func (param i32 i32) (result i32)))
  (memory 1)
  (table 8 funcref)
  (elem (i32.const 0) $div $load $unreachable $indirect $recurse $wrong $mid $div2)
  (func $div (param i32) (result i32)
    i32.const 100
    local.get 0
    i32.div_u)
  (func $load (param i32) (result i32)
    local.get 0
    i32.load)
  (func $unreachable (param i32) (result i32)
    unreachable)
  ;; table[x](0): x = 5 is of another type, x = 9 past the table's end
  (func $indirect (param i32) (result i32)
    i32.const 0
    local.get 0
    call_indirect (type $i_i))
  ;; no end: the stack runs out
  (func $recurse (param i32) (result i32)
    local.get 0
    call $recurse
    i32.const 1
    i32.add)
  (func $wrong (result i64)
    i64.const 1)
  ;; table[k](x)
  (func $mid (param i32 i32) (result i32)
    local.get 1
    local.get 0
    call_indirect (type $i_i))
;; 100 / x + 7 / (x - 1)
  (func $div2 (param i32) (result i32)
    i32.const 100
    local.get 0
    i32.div_u
    i32.const 7
    local.get 0
    i32.const 1
    i32.sub
    i32.div_u
    i32.add)
  (func $run (export "run") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.const 6
    call_indirect (type $ii_i)))
