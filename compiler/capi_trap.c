/*
 * capi_trap.c — wasm.h's traps, frames, generic references and foreign
 * objects, and what every handle shares (copy, identity, host info).
 *
 * A trap from running code carries kiln's kiln_trap_info: its message is
 * the spec's for the kind, its frames the function indices kiln reports,
 * innermost first.  A host callback's trap cannot travel through wasm
 * frames as a value: host_entry (capi_extern.c) parks it here, in a
 * thread-local slot, and raises a kiln host trap; the wasm_func_call or
 * wasm_instance_new that catches that trap takes the parked one back.
 * The slot holds at most one trap, since a host trap unwinds to the
 * innermost call into wasm, which takes it before anything else runs.
 */
#include <stdlib.h>
#include <string.h>

#include "capi.h"

/* ----------------------------------------------------------- handles */

wasm_ref_t *capi_ref_copy(const wasm_ref_t *ref)
{
	wasm_ref_t *r = (wasm_ref_t *)ref;

	if (r)
		r->handles++;
	return r;
}

/* What a handle names: two handles are the same when these are. */
static const void *identity(const wasm_ref_t *ref)
{
	switch (ref->kind) {
	case CAPI_FUNC:
	case CAPI_GLOBAL:
	case CAPI_TABLE:
	case CAPI_MEMORY:
	case CAPI_TAG: return ((const wasm_extern_t *)ref)->ext.handle;
	case CAPI_INSTANCE: return ((const wasm_instance_t *)ref)->instance;
	case CAPI_MODULE: return ((const wasm_module_t *)ref)->m;
	default: return ref;
	}
}

bool capi_ref_same(const wasm_ref_t *a, const wasm_ref_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->kind == b->kind && identity(a) == identity(b);
}

void capi_ref_set_host_info(wasm_ref_t *ref, void *info, void (*finalizer)(void *))
{
	ref->host_info = info;
	ref->finalizer = finalizer;
}

bool capi_ref_is(const wasm_ref_t *ref, capi_kind kind)
{
	if (ref == NULL)
		return false;
	return kind == CAPI_EXTERN ? ref->kind <= CAPI_TAG : ref->kind == kind;
}

CAPI_REF_BASE(ref)

/* ----------------------------------------------------- foreign objects */

wasm_foreign_t *wasm_foreign_new(wasm_store_t *store)
{
	return capi_handle_new(store, CAPI_FOREIGN, sizeof(wasm_foreign_t));
}

CAPI_REF(foreign, CAPI_FOREIGN)

/* --------------------------------------------------------------- traps */

static _Thread_local wasm_trap_t *parked;

void capi_trap_pend(wasm_trap_t *trap)
{
	wasm_trap_delete(parked);
	parked = trap;
}

wasm_trap_t *capi_trap_new(wasm_store_t *store, const char *msg, size_t len)
{
	wasm_trap_t *t = capi_handle_new(store, CAPI_TRAP, sizeof *t);

	if (t == NULL)
		return NULL;
	wasm_byte_vec_new_uninitialized(&t->message, len + 1);
	if (t->message.size == len + 1) {
		memcpy(t->message.data, msg, len);
		t->message.data[len] = '\0';
	}
	return t;
}

wasm_trap_t *capi_trap_from(wasm_store_t *store, const kiln_trap_info *info)
{
	wasm_trap_t *t = NULL;

	if (info->kind == KILN_TRAP_HOST && parked) {
		t = parked;
		parked = NULL;
	} else {
		const char *msg = kiln_trap_message(info->kind);
		t = capi_trap_new(store, msg, strlen(msg));
	}
	if (t)
		t->info = *info;
	return t;
}

wasm_trap_t *wasm_trap_new(wasm_store_t *store, const wasm_message_t *message)
{
	size_t len = message->size;

	/* The message is meant to end in its NUL; one without gets one. */
	if (len && message->data[len - 1] == '\0')
		len--;
	return capi_trap_new(store, message->data, len);
}

void wasm_trap_message(const wasm_trap_t *trap, wasm_message_t *out)
{
	wasm_byte_vec_copy(out, &trap->message);
}

/* Frame i of the trap; frames of another module than the instance's
 * (func_index UINT32_MAX) have no instance. */
static wasm_frame_t *frame_new(const wasm_trap_t *trap, uint32_t i)
{
	wasm_frame_t *f = calloc(1, sizeof *f);
	uint32_t index = trap->info.frames[i].func_index;

	if (f)
		*f = (wasm_frame_t){index, trap->info.frames[i].module_offset,
				    trap->info.frames[i].func_offset,
				    index != UINT32_MAX ? trap->info.instance : NULL,
				    trap->ref.store, NULL};
	return f;
}

wasm_frame_t *wasm_trap_origin(const wasm_trap_t *trap)
{
	return trap->info.nframes ? frame_new(trap, 0) : NULL;
}

void wasm_trap_trace(const wasm_trap_t *trap, wasm_frame_vec_t *out)
{
	wasm_frame_vec_new_uninitialized(out, trap->info.nframes);
	for (uint32_t i = 0; i < out->size; i++)
		out->data[i] = frame_new(trap, i);
}

CAPI_REF(trap, CAPI_TRAP)

/* -------------------------------------------------------------- frames */

wasm_frame_t *wasm_frame_copy(const wasm_frame_t *frame)
{
	wasm_frame_t *f = malloc(sizeof *f);

	if (f) {
		*f = *frame;
		f->handle = NULL;	/* the copy makes its own */
	}
	return f;
}

void wasm_frame_delete(wasm_frame_t *frame)
{
	if (frame == NULL)
		return;
	wasm_instance_delete(frame->handle);
	free(frame);
}

/* A handle the frame owns, made on the first call: the standard's
 * signature takes the frame const, the cache is not part of its value. */
wasm_instance_t *wasm_frame_instance(const wasm_frame_t *frame)
{
	wasm_frame_t *f = (wasm_frame_t *)frame;
	capi_module *m;

	if (f->handle || !f->instance || !f->store ||
	    !(m = capi_store_module_of(f->store, f->instance)))
		return f->handle;
	if ((f->handle = capi_handle_new(f->store, CAPI_INSTANCE, sizeof *f->handle))) {
		f->handle->instance = f->instance;
		f->handle->m = m;
	}
	return f->handle;
}

/* The function's index in its module; UINT32_MAX for a frame of another
 * module than the called function's (kiln_trap_info). */
uint32_t wasm_frame_func_index(const wasm_frame_t *frame)
{
	return frame->func_index;
}

/* The offset of the frame's instruction (the trapping one in the origin,
 * a call in the others) from the start of its function's code entry, and
 * from the module's start; SIZE_MAX when kiln cannot tell, as wasmtime
 * answers (kiln.h's KILN_UNKNOWN_OFFSET). */
size_t wasm_frame_func_offset(const wasm_frame_t *frame)
{
	return frame->func_offset == KILN_UNKNOWN_OFFSET ? SIZE_MAX : frame->func_offset;
}

size_t wasm_frame_module_offset(const wasm_frame_t *frame)
{
	return frame->module_offset == KILN_UNKNOWN_OFFSET ? SIZE_MAX : frame->module_offset;
}

CAPI_VEC_OWN(frame)
