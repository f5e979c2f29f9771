/*
 * interp.c — a module's interpreted code: translation of every function,
 * its entries, and the way in from C (interp.h).
 *
 * Every kiln function has a native entry (code.h) that funcrefs hold and
 * compiled code calls.  An interpreted function's entry is a thunk of its
 * own, 32 bytes in one read-execute mapping per module:
 *
 *	movabs $func, %r11	49 bb <8 bytes>	the interp_func
 *	jmp *0(%rip)		ff 25 00 00 00 00
 *	.quad target		the native adapter
 *
 * The entry trampoline of every interpreted function, krt_interp_tramp,
 * reads the interp_func back from the thunk's immediate, so the API and
 * instantiation reach the function through the funcref as they reach any
 * other.  The native adapter — arguments from registers into slots,
 * results back — is not built yet: `target` is from_native, which traps
 * KILN_TRAP_COMPILE_FAILED.  Only compiled code calls an entry natively,
 * and an engine that interprets compiles nothing, so that trap is reached
 * only by linking an interpreted module with a compiled one (another
 * engine, an artifact).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "code.h"
#include "interp.h"
#include "trap.h"

#define THUNK_SIZE 32

static void from_native(kiln_vmctx *ctx)
{
	(void)ctx;
	krt_trap_raise(KILN_TRAP_COMPILE_FAILED);
}

const interp_func *interp_thunk_func(const void *entry)
{
	const interp_func *f;

	memcpy(&f, (const uint8_t *)entry + 2, sizeof f);
	return f;
}

void krt_interp_tramp(kiln_vmctx *ctx, kiln_slot *slots, void *entry)
{
	const interp_func *f = interp_thunk_func(entry);
	uint32_t n = f->nparams > f->nresults ? f->nparams : f->nresults;
	interp_val args[n + 1];

	for (uint32_t i = 0; i < f->nparams; i++)
		memcpy(&args[i], &slots[i], sizeof args[i]);
	interp_call(ctx, f->im, f, args);
	for (uint32_t i = 0; i < f->nresults; i++) {
		memset(&slots[i], 0, sizeof slots[i]);
		memcpy(&slots[i], &args[i], sizeof args[i]);
	}
}

static void write_thunk(uint8_t *p, const interp_func *f)
{
	void (*target)(kiln_vmctx *) = from_native;

	p[0] = 0x49;		/* movabs $f, %r11 */
	p[1] = 0xbb;
	memcpy(p + 2, &f, sizeof f);
	p[10] = 0xff;		/* jmp *0(%rip) */
	p[11] = 0x25;
	memset(p + 12, 0, 4);
	memcpy(p + 16, &target, sizeof target);
	memset(p + 24, 0xcc, THUNK_SIZE - 24);	/* int3 */
}

static bool make_thunks(interp_module *im)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	im->thunks_len = ((size_t)im->nfuncs * THUNK_SIZE + page - 1) & ~(page - 1);
	p = mmap(NULL, im->thunks_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	im->thunks = p;
	for (uint32_t i = 0; i < im->nfuncs; i++)
		write_thunk(im->thunks + (size_t)i * THUNK_SIZE, &im->funcs[i]);
	return mprotect(p, im->thunks_len, PROT_READ | PROT_EXEC) == 0;
}

static void free_state(void *state)
{
	interp_module *im = state;

	if (im == NULL)
		return;
	for (uint32_t i = 0; im->funcs && i < im->nfuncs; i++)
		interp_func_free(&im->funcs[i]);
	free(im->funcs);
	if (im->thunks)
		munmap(im->thunks, im->thunks_len);
	free(im);
}

/* Interpreter frames are C frames: no compiled-code pc to name. */
static uint32_t symbolize(const kiln_code *code, uintptr_t pc)
{
	(void)code;
	(void)pc;
	return UINT32_MAX;
}

static const kiln_code_ops interp_ops = {"interp", symbolize, free_state};

static bool translate_all(interp_module *im, kiln_error *err)
{
	const kiln_module *m = im->module;

	for (uint32_t i = 0; i < im->nfuncs; i++) {
		if (!interp_translate(m, im->nimported + i, &im->funcs[i], err))
			return false;
		im->funcs[i].im = im;
	}
	return true;
}

kiln_status krt_interp_compile(kiln_module *m, const void *owner,
			       const kiln_instance_limits *limits, kiln_error *err)
{
	interp_module *im = calloc(1, sizeof *im);

	if (im == NULL)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	im->module = m;
	im->nimported = m->nimported_funcs;
	im->nfuncs = m->nfuncs - m->nimported_funcs;
	if (!(im->funcs = calloc(im->nfuncs + 1, sizeof *im->funcs)))
		goto nomem;
	if (!translate_all(im, err))
		goto fail;
#if !defined(__x86_64__)
	krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
		 "the interpreter on this architecture is not supported yet");
	goto fail;
#endif
	if (im->nfuncs && !make_thunks(im))
		goto nomem;
	for (uint32_t i = 0; i < im->nfuncs; i++)
		krt_code_set(m->code, im->nimported + i, im->thunks + (size_t)i * THUNK_SIZE,
			     (void *)krt_interp_tramp);
	krt_code_publish(m->code, &interp_ops, im, owner, 0, limits);
	return KILN_OK;
nomem:
	krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
fail:
	free_state(im);
	return err->status;
}
