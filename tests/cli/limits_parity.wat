;; What the instance limits of `kiln run` and `kiln-run` act on: memory and
;; table growth, stack depth, fuel and a loop that never ends.
(module
  (memory (export "memory") 1 1000)
  (table $t 1 funcref)
  ;; Grows memory a page at a time until memory.grow fails: the pages.
  (func (export "grow") (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (memory.size))
  ;; Grows the table 1,000 elements at a time until table.grow fails.
  (func (export "tgrow") (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eq (table.grow $t (ref.null func) (i32.const 1000)) (i32.const -1)))
        (br $more)))
    (table.size $t))
  ;; Recursion N deep: N.
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
                     (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
  ;; A loop of N iterations: N.
  (func (export "count") (param i32) (result i32)
    (local i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get 1) (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br $more)))
    (local.get 1))
  (func (export "spin") (loop $forever (br $forever))))
