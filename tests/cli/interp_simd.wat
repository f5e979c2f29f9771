;; A module the interpreter refuses (interp.sh): a v128 value.
(module
  (func (export "lane") (result i32)
    (i32x4.extract_lane 1 (v128.const i32x4 1 2 3 4))))
