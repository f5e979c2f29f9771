;; WASI calls that block, one per export (kiln run --invoke NAME), for
;; --timeout: each returns normally (exit 0) only if its call ended without
;; the deadline stopping it.
;;   sleep:  poll_oneoff on a relative monotonic clock of 30 s
;;   read:   fd_read of 16 bytes from stdin
;;   write:  fd_write of 64 KiB to stdout, again and again while it succeeds
;;   accept: sock_accept on fd 3 (--tcplisten)
;;   recv:   sock_accept on fd 3, prints "accepted", then sock_recv
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept"
    (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv"
    (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; 0: a clock subscription: userdata 0, tag 0, clock 1 (monotonic),
  ;; timeout 30e9 ns, precision 0, flags 0 (relative).  Events go to 64.
  (data (i32.const 16) "\01\00\00\00")
  (data (i32.const 24) "\00\ac\23\fc\06\00\00\00")
  ;; 128: iovec of 16 bytes at 256; 136: iovec of 64 KiB at 65536;
  ;; 144: iovec of "accepted\n" at 160.
  (data (i32.const 128) "\00\01\00\00\10\00\00\00")
  (data (i32.const 136) "\00\00\01\00\00\00\01\00")
  (data (i32.const 144) "\a0\00\00\00\09\00\00\00")
  (data (i32.const 160) "accepted\n")
  (func (export "sleep")
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 120))))
  (func (export "read")
    (drop (call $read (i32.const 0) (i32.const 128) (i32.const 1) (i32.const 120))))
  (func (export "write")
    (loop $l
      (br_if $l (i32.eqz (call $write (i32.const 1) (i32.const 136) (i32.const 1)
                                      (i32.const 120))))))
  (func (export "accept")
    (drop (call $accept (i32.const 3) (i32.const 0) (i32.const 120))))
  (func (export "recv")
    (if (call $accept (i32.const 3) (i32.const 0) (i32.const 124))
      (then (return)))
    (drop (call $write (i32.const 1) (i32.const 144) (i32.const 1) (i32.const 120)))
    (drop (call $recv (i32.load (i32.const 124)) (i32.const 128) (i32.const 1)
                      (i32.const 0) (i32.const 120) (i32.const 122)))))
