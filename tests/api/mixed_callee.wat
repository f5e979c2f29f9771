;; Interpreted functions that compiled code calls (test_mixed.c): every
;; kind of argument, some past the registers, and results of each kind.
(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  ;; 7 integers (5 in registers after the ctx, 2 on the stack) and 10
  ;; floats (8 in registers, 2 on the stack), interleaved; each weighted by
  ;; its position so that any swap shows.
  (func (export "mix")
    (param $a i32) (param $b f64) (param $c i64) (param $d f32) (param $e i32)
    (param $f i32) (param $g i32) (param $h i32) (param $i i32) (param $j f64)
    (param $k f64) (param $l f64) (param $m f64) (param $n f64) (param $o f64)
    (param $p f64) (param $q f64) (result f64)
    (f64.add
      (f64.add
        (f64.add (f64.convert_i32_s (local.get $a))
                 (f64.mul (local.get $b) (f64.const 2)))
        (f64.add (f64.mul (f64.convert_i64_s (local.get $c)) (f64.const 3))
                 (f64.mul (f64.promote_f32 (local.get $d)) (f64.const 4))))
      (f64.add
        (f64.add
          (f64.convert_i32_s (i32.add (i32.mul (local.get $e) (i32.const 5))
                                      (i32.mul (local.get $f) (i32.const 6))))
          (f64.convert_i32_s (i32.add (i32.mul (local.get $g) (i32.const 7))
                                      (i32.add (i32.mul (local.get $h) (i32.const 8))
                                               (i32.mul (local.get $i) (i32.const 9))))))
        (f64.add
          (f64.add (f64.add (f64.mul (local.get $j) (f64.const 10))
                            (f64.mul (local.get $k) (f64.const 11)))
                   (f64.add (f64.mul (local.get $l) (f64.const 12))
                            (f64.mul (local.get $m) (f64.const 13))))
          (f64.add (f64.add (f64.mul (local.get $n) (f64.const 14))
                            (f64.mul (local.get $o) (f64.const 15)))
                   (f64.add (f64.mul (local.get $p) (f64.const 16))
                            (f64.mul (local.get $q) (f64.const 17))))))))
  (func (export "half") (param f32) (result f32)
    (f32.mul (local.get 0) (f32.const 0.5)))
  (func (export "wide") (param i64) (result i64)
    (i64.mul (local.get 0) (i64.const 3)))
  (func (export "boom") (unreachable))
  (func (export "two") (result i32 i32) (i32.const 1) (i32.const 2))
  ;; Several results, as LLVM returns them: in registers (%rax, %rdx, %rcx;
  ;; %xmm0, %xmm1; then x87) or, when they do not fit, through a hidden
  ;; pointer before the ctx, which moves every integer argument by one.
  (func (export "pair") (param i32 f64) (result f64 i64)
    (f64.mul (local.get 1) (f64.const 2))
    (i64.extend_i32_s (local.get 0)))
  (func (export "three") (param f32 i64 i32) (result i64 f32 i32)
    (i64.add (local.get 1) (i64.const 1))
    (f32.neg (local.get 0))
    (i32.mul (local.get 2) (i32.const 3)))
  (func (export "floats") (param f32 f64) (result f32 f64 f32 f64)
    (local.get 0) (local.get 1)
    (f32.add (local.get 0) (f32.const 1)) (f64.add (local.get 1) (f64.const 1)))
  (func (export "many") (param i64 i32 f64 i32 i32 i32 i64)
    (result i32 i64 f32 i32 i64 f64)
    (i32.add (local.get 1) (local.get 3))
    (i64.add (local.get 0) (local.get 6))
    (f32.demote_f64 (local.get 2))
    (i32.add (local.get 4) (local.get 5))
    (local.get 6)
    (f64.neg (local.get 2))))
