/*
 * host.c — host functions defined by the embedder, their callers, and the
 * linker.
 *
 * A host function's native entry has the signature compiled code calls
 * (`R f(kiln_caller *, P...)`).  The generic form gets one built by a
 * libffi closure that packs the arguments into kiln_val and calls the
 * generic function.  An instance importing a host function gets its own
 * funcref for it, whose ctx is a kiln_caller naming that instance: the
 * host learns who called without any global state.
 */
#include <ffi.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "trap.h"

kiln_instance *kiln_caller_instance(kiln_caller *c)
{
	return c->instance;
}

void *kiln_caller_env(kiln_caller *c)
{
	return c->func->env;
}

uint8_t *kiln_caller_memory(kiln_caller *c, size_t *size)
{
	kiln_memory_rt *mem = c->instance ? c->instance->memory : NULL;

	*size = mem ? mem->size : 0;
	return mem ? mem->base : NULL;
}

void kiln_caller_trap(kiln_caller *c)
{
	(void)c;
	krt_trap_raise_host(KILN_TRAP_HOST);
}

/* krt_host_shim (trap.h), x86-64 System V: called as the host function
 * would be, with its kiln_caller in rdi; rax (no varargs) and r11 are
 * free.  It keeps no frame, so the stack arguments stay where they are. */
#define CALLER_FUNC 8
#define HOST_FUNC_CODE 80
#define STR_(x) #x
#define STR(x) STR_(x)
_Static_assert(offsetof(struct kiln_caller, func) == CALLER_FUNC, "krt_host_shim's offsets");
_Static_assert(offsetof(struct kiln_host_func, code) == HOST_FUNC_CODE, "krt_host_shim's offsets");
__asm__(".text\n"
	".globl krt_host_shim\n"
	".hidden krt_host_shim\n"
	".type krt_host_shim, @function\n"
	"krt_host_shim:\n"
	"	endbr64\n"
	"	movq krt_host_entry@gottpoff(%rip), %r11\n"
	"	movq (%rsp), %rax\n"
	"	movq %rax, %fs:(%r11)\n"
	"	movq %rbp, %fs:8(%r11)\n"
	"	movq " STR(CALLER_FUNC) "(%rdi), %r11\n"
	"	jmp *" STR(HOST_FUNC_CODE) "(%r11)\n"
	".size krt_host_shim, .-krt_host_shim\n");

uint8_t *kiln_memory_data(kiln_extern memory, size_t *size)
{
	kiln_memory_rt *mem = memory.kind == KILN_EXTERN_MEMORY ? memory.handle : NULL;

	*size = mem ? mem->size : 0;
	return mem ? mem->base : NULL;
}

static ffi_type *ffi_of(kiln_valtype t)
{
	switch (t) {
	case KILN_I32: return &ffi_type_sint32;
	case KILN_I64: return &ffi_type_sint64;
	case KILN_F32: return &ffi_type_float;
	case KILN_F64: return &ffi_type_double;
	default: return &ffi_type_pointer;
	}
}

/* The call interface of a native entry `R f(ctx, P...)` of type ft, for
 * calling one (host_call_native) and for being one (make_closure); types
 * has room for ft->nparams + 1. */
static bool prep_cif(ffi_cif *cif, ffi_type **types, const kiln_functype *ft)
{
	types[0] = &ffi_type_pointer;
	for (uint32_t i = 0; i < ft->nparams; i++)
		types[i + 1] = ffi_of(ft->params[i]);
	return ffi_prep_cif(cif, FFI_DEFAULT_ABI, ft->nparams + 1,
			    ft->nresults ? ffi_of(ft->results[0]) : &ffi_type_void,
			    types) == FFI_OK;
}

void host_call_native(const kiln_funcref *f, kiln_slot *slots)
{
	const kiln_functype *ft = f->type;
	ffi_type *types[65];
	void *values[65];
	kiln_vmctx *ctx = f->ctx;
	ffi_cif cif;
	kiln_slot ret;

	if (ft->nparams > 64 || ft->nresults > 1 || !prep_cif(&cif, types, ft))
		krt_trap_raise(KILN_TRAP_HOST);
	values[0] = &ctx;
	for (uint32_t i = 0; i < ft->nparams; i++)
		values[i + 1] = &slots[i];
	/* libffi widens integer results narrower than a register. */
	ffi_call(&cif, FFI_FN(f->code), &ret, values);
	if (ft->nresults)
		slots[0] = ret;
}

/* The generic form's native entry: args[0] is the kiln_caller. */
static void generic_entry(ffi_cif *cif, void *ret, void **args, void *data)
{
	kiln_host_func *f = data;
	kiln_caller *c = *(kiln_caller **)args[0];
	kiln_val in[64], out[1];

	(void)cif;
	for (uint32_t i = 0; i < f->type.nparams; i++) {
		in[i].type = f->type.params[i];
		memset(&in[i].of, 0, sizeof in[i].of);
		switch (in[i].type) {
		case KILN_I32: in[i].of.i32 = *(int32_t *)args[i + 1]; break;
		case KILN_I64: in[i].of.i64 = *(int64_t *)args[i + 1]; break;
		case KILN_F32: in[i].of.f32 = *(float *)args[i + 1]; break;
		case KILN_F64: in[i].of.f64 = *(double *)args[i + 1]; break;
		default: in[i].of.ref = *(void **)args[i + 1]; break;
		}
	}
	memset(out, 0, sizeof out);
	f->generic(c, in, out);
	if (f->type.nresults == 0)
		return;
	switch (f->type.results[0]) {
	/* libffi wants integer results widened to a register. */
	case KILN_I32: *(ffi_sarg *)ret = out[0].of.i32; break;
	case KILN_I64: *(int64_t *)ret = out[0].of.i64; break;
	case KILN_F32: *(float *)ret = out[0].of.f32; break;
	case KILN_F64: *(double *)ret = out[0].of.f64; break;
	default: *(void **)ret = out[0].of.ref; break;
	}
}

static bool make_closure(kiln_host_func *f)
{
	ffi_cif *cif = calloc(1, sizeof *cif);
	ffi_type **types = krt_calloc(f->type.nparams + 1, sizeof *types);
	void *code;

	f->cif = cif;
	f->cif_types = types;
	if (!cif || !types || !prep_cif(cif, types, &f->type))
		return false;
	if (!(f->closure = ffi_closure_alloc(sizeof(ffi_closure), &code)))
		return false;
	if (ffi_prep_closure_loc(f->closure, cif, generic_entry, f, code) != FFI_OK)
		return false;
	f->code = code;
	return true;
}

kiln_status kiln_host_func_new(const kiln_functype *type, kiln_native_fn native,
			       kiln_generic_fn generic, void *env,
			       kiln_host_func **out, kiln_error *err)
{
	kiln_host_func *f;
	size_t n = type->nparams + type->nresults;

	*out = NULL;
	if (!native == !generic)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "give exactly one of a native and a generic function");
	if (type->nresults > 1 || type->nparams > 64)
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "host functions with more than one result or 64 parameters "
				       "are not supported yet");
	/* libffi has no type for a 128-bit vector passed in an XMM register. */
	for (uint32_t i = 0; i < type->nparams + type->nresults; i++)
		if ((i < type->nparams ? type->params[i] : type->results[i - type->nparams]) ==
		    KILN_V128)
			return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
					       "host functions with v128 values are not supported yet");
	if (!(f = calloc(1, sizeof *f)) || !(f->types = krt_calloc(n, sizeof *f->types)))
		goto nomem;
	if (type->nparams)
		memcpy(f->types, type->params, type->nparams * sizeof *f->types);
	if (type->nresults)
		memcpy(f->types + type->nparams, type->results, type->nresults * sizeof *f->types);
	f->type = (kiln_functype){type->nparams, type->nresults, f->types, f->types + type->nparams};
	f->env = env;
	f->generic = generic;
	f->code = (void *)native;
	if (generic && !make_closure(f))
		goto nomem;
	f->unbound = (kiln_caller){NULL, f};
	/* Called through the shim, which finds the code from the caller. */
	f->ref = (kiln_funcref){(void *)krt_host_shim, (kiln_vmctx *)&f->unbound,
				kiln_type_id(&f->type), NULL, &f->type, f};
	*out = f;
	return KILN_OK;
nomem:
	kiln_host_func_delete(f);
	return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

void kiln_host_func_delete(kiln_host_func *f)
{
	if (f == NULL)
		return;
	if (f->closure)
		ffi_closure_free(f->closure);
	free(f->cif);
	free(f->cif_types);
	free(f->types);
	free(f);
}

kiln_extern kiln_host_func_extern(kiln_host_func *f)
{
	return (kiln_extern){KILN_EXTERN_FUNC, &f->ref};
}

/* ---------------------------------------------------------------- linker */

typedef struct definition {
	char *module, *name;	/* name NULL: a whole instance */
	kiln_extern ext;
	kiln_instance *instance;
} definition;

struct kiln_linker {
	definition *defs;
	size_t n, cap;
};

kiln_status kiln_linker_new(kiln_linker **out, kiln_error *err)
{
	if (!(*out = calloc(1, sizeof **out)))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	return KILN_OK;
}

void kiln_linker_delete(kiln_linker *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->defs[i].module);
		free(l->defs[i].name);
	}
	free(l->defs);
	free(l);
}

static kiln_status add(kiln_linker *l, const char *module, const char *name,
		       kiln_extern ext, kiln_instance *inst, kiln_error *err)
{
	definition *d;

	if (!krt_grow((void **)&l->defs, &l->cap, l->n + 1, sizeof *l->defs))
		goto nomem;
	d = &l->defs[l->n];
	*d = (definition){strdup(module), name ? strdup(name) : NULL, ext, inst};
	if (!d->module || (name && !d->name)) {
		free(d->module);
		free(d->name);
		goto nomem;
	}
	l->n++;
	return KILN_OK;
nomem:
	return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

kiln_status kiln_linker_define(kiln_linker *l, const char *module, const char *name,
			       kiln_extern ext, kiln_error *err)
{
	return add(l, module, name, ext, NULL, err);
}

kiln_status kiln_linker_define_instance(kiln_linker *l, const char *module,
					kiln_instance *inst, kiln_error *err)
{
	return add(l, module, NULL, (kiln_extern){0}, inst, err);
}

static bool same(kiln_name a, const char *b)
{
	return a.len == strlen(b) && memcmp(a.data, b, a.len) == 0;
}

/* The latest definition of module.name wins. */
static bool lookup(kiln_linker *l, kiln_import_info imp, kiln_extern *out)
{
	for (size_t i = l->n; i-- > 0;) {
		definition *d = &l->defs[i];
		if (!same(imp.module, d->module))
			continue;
		if (d->name ? same(imp.name, d->name) : kiln_instance_export(d->instance, imp.name, out)) {
			if (d->name)
				*out = d->ext;
			return true;
		}
	}
	return false;
}

/* The module's imports as the linker defines them, in a new array. */
static kiln_status resolve(kiln_linker *l, kiln_module *m, kiln_extern **out, kiln_error *err)
{
	size_t n = kiln_module_import_count(m);
	kiln_extern *ext = krt_calloc(n, sizeof *ext);

	*out = NULL;
	if (ext == NULL)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (size_t i = 0; i < n; i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		if (!lookup(l, imp, &ext[i])) {
			free(ext);
			return krt_fail_status(err, KILN_ERR_LINK, KILN_NO_OFFSET,
					       "unknown import \"%.*s\" \"%.*s\"",
					       (int)imp.module.len, imp.module.data,
					       (int)imp.name.len, imp.name.data);
		}
	}
	*out = ext;
	return KILN_OK;
}

kiln_status kiln_linker_instantiate(kiln_linker *l, kiln_module *m, kiln_instance **out,
				    kiln_trap_kind *trap, kiln_error *err)
{
	kiln_extern *ext;
	kiln_status st;

	*out = NULL;
	if ((st = resolve(l, m, &ext, err)) != KILN_OK)
		return st;
	st = kiln_instance_new(m, ext, kiln_module_import_count(m), out, trap, err);
	free(ext);
	return st;
}

kiln_status kiln_linker_instantiate_pre(kiln_linker *l, kiln_module *m,
					kiln_instance_pre **out, kiln_error *err)
{
	kiln_extern *ext;
	kiln_status st;

	*out = NULL;
	if ((st = resolve(l, m, &ext, err)) != KILN_OK)
		return st;
	st = kiln_instance_pre_new(m, ext, kiln_module_import_count(m), out, err);
	free(ext);
	return st;
}
