;; streams.wat — a WASI program for test_streams.c: `echo` reads stdin to
;; its end and writes it to stdout twice, returning the first failing errno
;; (0 when all went well); `pread` tries a positioned read of stdin.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread"
    (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec {ptr, len}; 8: the count done; 1024..: the data read.
  (func (export "echo") (result i32)
    (local $at i32) (local $e i32)
    (local.set $at (i32.const 1024))
    (block $eof
      (loop $more
        (i32.store (i32.const 0) (local.get $at))
        (i32.store (i32.const 4) (i32.const 3))	;; small reads: several calls
        (local.set $e (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (if (local.get $e) (then (return (local.get $e))))
        (br_if $eof (i32.eqz (i32.load (i32.const 8))))
        (local.set $at (i32.add (local.get $at) (i32.load (i32.const 8))))
        (br $more)))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.sub (local.get $at) (i32.const 1024)))
    (local.set $e (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (local.get $e) (then (return (local.get $e))))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "pread") (result i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4))
    (call $fd_pread (i32.const 0) (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 8))))
