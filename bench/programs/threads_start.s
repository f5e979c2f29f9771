# wasi_thread_start for bench/programs/threads.c, which has no libc: the
# spawn's argument points at a struct whose first word is the new thread's
# stack top.  Sets the C stack pointer (a global of each instance) to it,
# then calls thread_entry(tid, arg) in C.
	.globaltype	__stack_pointer, i32
	.functype	thread_entry (i32, i32) -> ()
	.text
	.export_name	wasi_thread_start, wasi_thread_start
	.globl	wasi_thread_start
	.type	wasi_thread_start,@function
wasi_thread_start:
	.functype	wasi_thread_start (i32, i32) -> ()
	local.get	1
	i32.load	0
	global.set	__stack_pointer
	local.get	0
	local.get	1
	call	thread_entry
	end_function
