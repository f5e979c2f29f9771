/*
 * exception.c — throwing, landing and freeing wasm exceptions
 * (exception.h says how they unwind and how long they live).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "exception.h"
#include "trap.h"

/* The code that runs below the frame a throw starts from, while the stack
 * is unwound: AddressSanitizer's redzones in its frames would stay
 * poisoned once a landing pad is installed above them (nothing tells the
 * sanitizer, as its interceptor of __cxa_throw does for C++), and code
 * reusing that stack later would trip on them. */
#define UNWINDING __attribute__((no_sanitize("address")))

/* "KILNWASM": exceptions of other languages pass kiln's frames by. */
#define KILN_EXN_CLASS 0x4b494c4e5741534dULL

_Static_assert(offsetof(kiln_exn, tag) == KILN_EXN_TAG, "ABI");
_Static_assert(offsetof(kiln_exn, vals) == KILN_EXN_VALS, "ABI");
_Static_assert(offsetof(kiln_exn, uw) == 0, "the landing pad's pointer is the exception's");

/* ------------------------------------------------------------- objects */

static void link_to(kiln_exn *x, kiln_instance *inst)
{
	x->owner = inst;
	inst->nexns++;
	x->prev = NULL;
	x->next = inst->exns;
	if (inst->exns)
		inst->exns->prev = x;
	inst->exns = x;
}

static void unlink_exn(kiln_exn *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		x->owner->exns = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->owner->nexns--;
	x->owner = NULL;
}

/* A new exception of `tag`, its values not filled in yet. */
static kiln_exn *exn_alloc(kiln_instance *inst, const kiln_tag_rt *tag)
{
	uint32_t n = tag->type->nparams;
	kiln_exn *x = aligned_alloc(16, (sizeof *x + (size_t)n * sizeof(kiln_slot) + 15) & ~(size_t)15);

	if (x == NULL)
		return NULL;
	memset(x, 0, sizeof *x);
	x->tag = tag;
	x->nvals = n;
	if (inst)
		link_to(x, inst);
	return x;
}

kiln_exn *krt_exn_new(kiln_instance *inst, const kiln_tag_rt *tag, const kiln_slot *vals)
{
	kiln_exn *x = exn_alloc(inst, tag);

	if (x && x->nvals)
		memcpy(x->vals, vals, x->nvals * sizeof(kiln_slot));
	return x;
}

/* Frees x when nothing can reach it any more. */
static void maybe_free(kiln_exn *x)
{
	if (x->pinned || x->holds || x->flying)
		return;
	if (x->owner)
		unlink_exn(x);
	free(x);
}

void krt_exn_free_all(kiln_instance *inst)
{
	while (inst->exns) {
		kiln_exn *x = inst->exns;
		unlink_exn(x);
		free(x);
	}
}

/* ----------------------------------------------------------- unwinding */

UNWINDING static uintptr_t read_uleb(const uint8_t **p)
{
	uintptr_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = *(*p)++;
		if (shift < 64)
			v |= (uintptr_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return v;
}

/* A value of DWARF pointer encoding `enc` (its format only: the call-site
 * table's offsets are relative to the function's start). */
UNWINDING static uintptr_t read_encoded(const uint8_t **p, uint8_t enc)
{
	uintptr_t v = 0;

	switch (enc & 0x0f) {
	case 0x01: return read_uleb(p);					/* uleb128 */
	case 0x02: { uint16_t x; memcpy(&x, *p, 2); *p += 2; return x; }	/* udata2 */
	case 0x03: { uint32_t x; memcpy(&x, *p, 4); *p += 4; return x; }	/* udata4 */
	case 0x0b: { int32_t x; memcpy(&x, *p, 4); *p += 4; return (uintptr_t)(intptr_t)x; }
	case 0x00:							/* absptr */
	case 0x04:							/* udata8 */
	case 0x0c: memcpy(&v, *p, 8); *p += 8; return v;		/* sdata8 */
	default: return 0;
	}
}

/* The landing pad of the call site uc is at, from its function's LSDA
 * (the layout LLVM emits for C++: header, call-site table); 0 when the
 * call has none.  kiln's landing pads all catch everything: tags are
 * compared by the code they lead to. */
UNWINDING static uintptr_t landing_pad(struct _Unwind_Context *uc)
{
	const uint8_t *p = (const uint8_t *)_Unwind_GetLanguageSpecificData(uc);
	uintptr_t start = _Unwind_GetRegionStart(uc), lpstart = start, ip, end;
	int before = 0;
	uint8_t enc;

	if (p == NULL)
		return 0;
	ip = _Unwind_GetIPInfo(uc, &before);
	if (!before)
		ip--;		/* inside the call, not after it */
	if ((enc = *p++) != 0xff)
		lpstart = read_encoded(&p, enc);
	if (*p++ != 0xff)
		read_uleb(&p);	/* the type table: kiln uses none */
	enc = *p++;
	end = read_uleb(&p);
	end += (uintptr_t)p;
	while ((uintptr_t)p < end) {
		uintptr_t cs = read_encoded(&p, enc), len = read_encoded(&p, enc);
		uintptr_t pad = read_encoded(&p, enc);
		read_uleb(&p);	/* action */
		if (ip < start + cs)
			return 0;	/* sorted: no entry covers ip */
		if (ip < start + cs + len)
			return pad ? lpstart + pad : 0;
	}
	return 0;
}

/* The personality compiled code with try regions names.  kiln only ever
 * unwinds with _Unwind_ForcedUnwind, so every call is the cleanup phase. */
UNWINDING _Unwind_Reason_Code krt_eh_personality(int version, _Unwind_Action actions,
					_Unwind_Exception_Class cls,
					struct _Unwind_Exception *ue,
					struct _Unwind_Context *uc)
{
	uintptr_t pad;

	if (version != 1 || cls != KILN_EXN_CLASS || !(actions & _UA_CLEANUP_PHASE))
		return _URC_CONTINUE_UNWIND;
	if ((pad = landing_pad(uc)) == 0)
		return _URC_CONTINUE_UNWIND;
	_Unwind_SetGR(uc, __builtin_eh_return_data_regno(0), (uintptr_t)ue);
	_Unwind_SetGR(uc, __builtin_eh_return_data_regno(1), 1);
	_Unwind_SetIP(uc, pad);
	return _URC_INSTALL_CONTEXT;
}

typedef struct raise_site {
	uintptr_t fp;
	bool host;
} raise_site;

/* Called for each frame before its personality: at the boundary (or when
 * the unwinder cannot go on) the exception is uncaught. */
UNWINDING static _Unwind_Reason_Code stop(int version, _Unwind_Action actions,
				_Unwind_Exception_Class cls, struct _Unwind_Exception *ue,
				struct _Unwind_Context *uc, void *arg)
{
	const raise_site *site = arg;

	uintptr_t cfa = _Unwind_GetCFA(uc);

	(void)version, (void)cls;
	/* Interpreted frames (krt_vframes) are never unwound: the
	 * interpreter's state would stay behind. */
	if ((actions & _UA_END_OF_STACK) || cfa > krt_trap_boundary() ||
	    (krt_vframes && cfa > (uintptr_t)krt_vframes))
		krt_trap_raise_exception(ue, site->fp, site->host);
	return _URC_NO_REASON;
}

UNWINDING void krt_exn_raise(kiln_exn *x, uintptr_t fp, bool host)
{
	raise_site site = {fp, host};

	x->flying = true;
	memset(&x->uw, 0, sizeof x->uw);
	x->uw.exception_class = KILN_EXN_CLASS;
	_Unwind_ForcedUnwind(&x->uw, stop, &site);
	/* Only when the unwinder failed outright. */
	krt_trap_raise_exception(x, fp, host);
}

struct kiln_exception *krt_exn_take_uncaught(void)
{
	kiln_exn *x = krt_trap_take_exception();
	struct kiln_exception *e;

	if (x == NULL)
		return NULL;
	e = malloc(sizeof *e + (size_t)x->nvals * sizeof(kiln_val));
	if (e) {
		e->tag = x->tag;
		e->nvals = x->nvals;
		for (uint32_t i = 0; i < x->nvals; i++) {
			e->vals[i].type = x->tag->type->params[i];
			memcpy(&e->vals[i].of, &x->vals[i], sizeof x->vals[i]);
		}
	}
	x->flying = false;
	maybe_free(x);
	return e;
}

/* ------------------------------------------------------------- helpers */

/* Whether inst may hold one more exception. */
static bool room(const kiln_instance *inst)
{
	return !inst || inst->nexns < inst->limits.max_exceptions;
}

void krt_h_throw(kiln_vmctx *ctx, uint32_t tag, const kiln_slot *vals)
{
	kiln_exn *x;

	if (!room(KILN_INSTANCE(ctx)))
		krt_trap_raise(KILN_TRAP_TOO_MANY_EXCEPTIONS);
	x = krt_exn_new(KILN_INSTANCE(ctx), ctx->tags[tag], vals);
	if (x == NULL)
		krt_trap_raise(KILN_TRAP_HOST);	/* out of memory: no exception to throw */
	krt_exn_raise(x, (uintptr_t)__builtin_frame_address(0), false);
}

void krt_h_throw_ref(kiln_vmctx *ctx, void *exn)
{
	kiln_exn *x = exn;

	(void)ctx;
	if (x == NULL)
		krt_trap_raise(KILN_TRAP_NULL_EXNREF);
	krt_exn_raise(x, (uintptr_t)__builtin_frame_address(0), false);
}

void krt_h_exn_caught(kiln_vmctx *ctx, void *exn, uint32_t use)
{
	kiln_exn *x = exn;
	kiln_instance *inst = KILN_INSTANCE(ctx);

	/* Caught, unless a cleanup releases it on its way out. */
	if (use != KILN_EXN_RELEASE)
		x->flying = false;
	switch (use) {
	case KILN_EXN_PIN:
	case KILN_EXN_HOLD:
		/* It now lives as long as the catching instance. */
		if (x->owner != inst) {
			if (x->owner)
				unlink_exn(x);
			link_to(x, inst);
		}
		if (use == KILN_EXN_PIN)
			x->pinned = true;
		else
			x->holds++;
		return;
	case KILN_EXN_RELEASE:
		if (x->holds)
			x->holds--;
		break;
	default:
		break;
	}
	maybe_free(x);
}

/* ------------------------------------------------------------ the API */

struct kiln_host_tag {
	kiln_tag_rt rt;		/* first: the extern's handle */
	kiln_functype type;
	kiln_valtype types[];
};

kiln_status kiln_host_tag_new(const kiln_functype *type, kiln_host_tag **out, kiln_error *err)
{
	kiln_host_tag *t;

	*out = NULL;
	if (type == NULL || type->nresults != 0 || (type->nparams && !type->params))
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "a tag's type has parameters only");
	if (!(t = malloc(sizeof *t + (size_t)type->nparams * sizeof(kiln_valtype))))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	if (type->nparams)
		memcpy(t->types, type->params, type->nparams * sizeof(kiln_valtype));
	t->type = (kiln_functype){.params = t->types, .nparams = type->nparams};
	t->rt = (kiln_tag_rt){&t->type, kiln_type_id(&t->type)};
	*out = t;
	return KILN_OK;
}

void kiln_host_tag_delete(kiln_host_tag *tag)
{
	free(tag);
}

kiln_extern kiln_host_tag_extern(kiln_host_tag *tag)
{
	return (kiln_extern){KILN_EXTERN_TAG, tag ? &tag->rt : NULL};
}

kiln_extern kiln_exception_tag(const kiln_exception *e)
{
	return (kiln_extern){KILN_EXTERN_TAG, (void *)e->tag};
}

const kiln_val *kiln_exception_values(const kiln_exception *e, size_t *out_count)
{
	*out_count = e->nvals;
	return e->vals;
}

void kiln_exception_delete(kiln_exception *e)
{
	free(e);
}

/* Throws an exception of t with `values` (checked) from the host function
 * that c called; `done`, an exception the values came from, goes first. */
__attribute__((noreturn)) static void host_throw(kiln_caller *c, const kiln_tag_rt *t,
						 const kiln_val *values, kiln_exception *done)
{
	kiln_instance *inst = c ? c->instance : NULL;
	bool full = !room(inst);
	kiln_exn *x = full ? NULL : exn_alloc(inst, t);

	for (uint32_t i = 0; x && i < x->nvals; i++)
		memcpy(&x->vals[i], &values[i].of, sizeof x->vals[i]);
	kiln_exception_delete(done);
	if (x == NULL)
		krt_trap_raise_host(full ? KILN_TRAP_TOO_MANY_EXCEPTIONS : KILN_TRAP_HOST);
	krt_exn_raise(x, (uintptr_t)__builtin_frame_address(0), true);
}

void kiln_caller_throw(kiln_caller *c, kiln_extern tag, const kiln_val *values, size_t count)
{
	const kiln_tag_rt *t = tag.kind == KILN_EXTERN_TAG ? tag.handle : NULL;

	if (t == NULL || count != t->type->nparams || (count && values == NULL))
		krt_trap_raise_host(KILN_TRAP_HOST);
	for (size_t i = 0; i < count; i++)
		if (values[i].type != t->type->params[i])
			krt_trap_raise_host(KILN_TRAP_HOST);
	host_throw(c, t, values, NULL);
}

void kiln_caller_rethrow(kiln_caller *c, kiln_exception *e)
{
	if (e == NULL)
		krt_trap_raise_host(KILN_TRAP_HOST);
	host_throw(c, e->tag, e->vals, e);
}
