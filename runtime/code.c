/*
 * code.c — the life of kiln_code (code.h): created empty with its module,
 * filled and published once by one producer, freed with its module.
 */
#include <stdlib.h>

#include "code.h"

kiln_code *krt_code_new(uint32_t nfuncs, uint32_t nimported)
{
	kiln_code *code = calloc(1, sizeof *code);

	if (code == NULL)
		return NULL;
	code->nfuncs = nfuncs;
	code->nimported = nimported;
	/* krt_calloc's zero bytes are NULL pointers on every target kiln
	 * supports, atomic or not. */
	code->entry = krt_calloc(nfuncs ? nfuncs : 1, sizeof *code->entry);
	code->tramp = krt_calloc(nfuncs ? nfuncs : 1, sizeof *code->tramp);
	if (!code->entry || !code->tramp) {
		krt_code_delete(code);
		return NULL;
	}
	return code;
}

void krt_code_delete(kiln_code *code)
{
	if (code == NULL)
		return;
	/* The producer's state first: it may still be reading the module. */
	if (code->ops && code->ops->free_state)
		code->ops->free_state(code->state);
	free((void *)code->entry);
	free((void *)code->tramp);
	free(code);
}

void krt_code_set(kiln_code *code, uint32_t f, void *entry, void *tramp)
{
	if (entry)
		atomic_store_explicit(&code->entry[f], entry, memory_order_release);
	if (tramp)
		atomic_store_explicit(&code->tramp[f], tramp, memory_order_release);
}

void krt_code_publish(kiln_code *code, const kiln_code_ops *ops, void *state,
		      const void *owner, uint32_t flags, const kiln_instance_limits *limits)
{
	code->ops = ops;
	code->state = state;
	code->owner = owner;
	code->flags = flags;
	code->limits = limits ? *limits : (kiln_instance_limits){0};
	atomic_store_explicit(&code->ready, true, memory_order_release);
}

uint32_t krt_code_symbolize(const kiln_code *code, uintptr_t pc)
{
	if (code == NULL || !krt_code_ready(code) || !code->ops->symbolize)
		return UINT32_MAX;
	return code->ops->symbolize(code, pc);
}

uint32_t krt_code_offset(const kiln_code *code, uintptr_t pc)
{
	if (code == NULL || !krt_code_ready(code) || !code->ops->offset)
		return KILN_UNKNOWN_OFFSET;
	return code->ops->offset(code, pc);
}

static char tramp_letter(kiln_valtype t)
{
	switch (t) {
	case KILN_I32: return 'i';
	case KILN_I64: return 'l';
	case KILN_F32: return 'f';
	case KILN_F64: return 'd';
	case KILN_V128: return 'v';
	case KILN_FUNCREF: return 'r';
	default: return 'x';
	}
}

char *krt_tramp_name(const kiln_functype *ft)
{
	size_t n = (size_t)ft->nparams + ft->nresults;
	char *s = malloc(n + 3), *p = s;

	if (s == NULL)
		return NULL;
	*p++ = 'T';
	for (uint32_t i = 0; i < ft->nparams; i++)
		*p++ = tramp_letter(ft->params[i]);
	*p++ = '_';
	for (uint32_t i = 0; i < ft->nresults; i++)
		*p++ = tramp_letter(ft->results[i]);
	*p = 0;
	return s;
}
