;; Tail calls (cli_features): return_call and return_call_indirect in
;; constant stack (10,000,000 mutual calls), between different signatures
;; (integers, floats, a vector), into the host (an ordinary call), a trap
;; two tail calls down, and ordinary recursion still exhausting the stack.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (type $i64_i32 (func (param i64) (result i32)))
  (type $v_i32 (func (result i32)))
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $ping $pong $yield)

  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
      (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))

  ;; through the table: ping is element 0, pong element 1
  (func $ping (export "ping") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 100))
      (else (return_call_indirect $t (type $i64_i32)
              (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))
  (func $pong (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 200))
      (else (return_call_indirect $t (type $i64_i32)
              (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))

  ;; Signatures that differ at every step: the sum of what was passed.
  (func $mix (export "mix") (param $n i64) (result f64)
    (return_call $mix2 (local.get $n) (f32.const 0.5) (i32.const 3) (f64.const 0)))
  (func $mix2 (param $n i64) (param $a f32) (param $b i32) (param $acc f64) (result f64)
    (if (result f64) (i64.eqz (local.get $n)) (then (local.get $acc))
      (else (return_call $mix3 (v128.const f64x2 1 2)
              (f64.add (local.get $acc)
                (f64.add (f64.promote_f32 (local.get $a)) (f64.convert_i32_s (local.get $b))))
              (i64.sub (local.get $n) (i64.const 1))))))
  (func $mix3 (param $v v128) (param $acc f64) (param $n i64) (result f64)
    (return_call $mix2 (local.get $n) (f32.const 0.5) (i32.const 3)
      (f64.add (local.get $acc) (f64x2.extract_lane 1 (local.get $v)))))

  ;; Into the host: an ordinary call (sched_yield returns 0, success).
  (func (export "host") (result i32) (return_call $yield))
  (func (export "host_indirect") (result i32)
    (return_call_indirect $t (type $v_i32) (i32.const 2)))

  ;; A trap two tail calls down: the backtrace names where it happened.
  (func (export "trap") (result i32) (return_call $trap_mid (i32.const 1)))
  (func $trap_mid (param i32) (result i32) (return_call $trap_here (local.get 0)))
  (func $trap_here (param i32) (result i32) (unreachable))

  ;; Tail calls that cannot be guaranteed (stack arguments, two results):
  ;; a call and a return, with the same results.
  (type $seven (func (param i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (elem (table $t) (i32.const 3) func $seven)
  (func $seven (param i64 i64 i64 i64 i64 i64 i64) (result i64)
    (i64.add (local.get 0) (i64.add (local.get 1) (i64.add (local.get 2)
      (i64.add (local.get 3) (i64.add (local.get 4) (i64.add (local.get 5) (local.get 6))))))))
  (func (export "seven") (param i64) (result i64)
    (return_call $seven (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
      (i64.const 4) (i64.const 5) (i64.const 6)))
  (func (export "seven_indirect") (param i64) (result i64)
    (return_call_indirect $t (type $seven) (local.get 0) (i64.const 1) (i64.const 2)
      (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i32.const 3)))
  (func $pair (param i32) (result i32 i64)
    (local.get 0) (i64.extend_i32_u (i32.mul (local.get 0) (i32.const 2))))
  (func (export "pair") (param i32) (result i32 i64) (return_call $pair (local.get 0)))

  ;; Endless tail recursion: only a deadline or fuel ends it.
  (func $spin (export "spin") (param i64) (result i32)
    (return_call $spin2 (i64.add (local.get 0) (i64.const 1))))
  (func $spin2 (param i64) (result i32) (return_call $spin (local.get 0)))

  ;; Ordinary calls still exhaust the stack.
  (func $deep (export "deep") (param i64) (result i64)
    (i64.add (call $deep (i64.add (local.get 0) (i64.const 1))) (i64.const 1))))
