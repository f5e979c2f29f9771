;; A start function that never ends (for --timeout: the deadline must be
;; armed before instantiation runs it).
(module
  (func $spin (loop $l (br $l)))
  (start $spin)
  (func (export "_start")))
