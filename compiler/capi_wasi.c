/*
 * capi_wasi.c — WASI for the standard C API (include/kiln_wasi.h): kiln's
 * WASI host instance (kiln_wasi_new), kept by the store like any kiln
 * object behind a handle, its functions handed out as wasm.h externs.
 * It is made before the instances that import from it, so the store,
 * deleting newest first, deletes them before it, as kiln requires.
 */
#include <stdlib.h>
#include <string.h>

#include "capi.h"
#include "kiln_wasi.h"

struct kiln_wasm_wasi {
	wasm_store_t *store;
	kiln_instance *wasi;	/* the store's */
};

static const char WASI_MODULE[] = "wasi_snapshot_preview1";

static void wasi_free(void *p)
{
	kiln_instance_delete(p);
}

kiln_wasm_wasi *kiln_wasm_wasi_new(wasm_store_t *store, const kiln_wasi_config *config)
{
	kiln_wasm_wasi *w = malloc(sizeof *w);
	kiln_instance *wasi;

	if (w == NULL || kiln_wasi_new(config, &wasi, NULL) != KILN_OK) {
		free(w);
		return NULL;
	}
	if (!capi_store_keep(store, wasi_free, wasi)) {
		kiln_instance_delete(wasi);
		free(w);
		return NULL;
	}
	w->store = store;
	w->wasi = wasi;
	return w;
}

void kiln_wasm_wasi_delete(kiln_wasm_wasi *wasi)
{
	free(wasi);
}

static bool from_wasi(kiln_name module)
{
	return module.len == sizeof WASI_MODULE - 1 &&
	       memcmp(module.data, WASI_MODULE, module.len) == 0;
}

bool kiln_wasm_wasi_imports(kiln_wasm_wasi *wasi, const wasm_module_t *module,
			    wasm_extern_vec_t *out)
{
	const kiln_module *m = module->m->module;
	size_t n = kiln_module_import_count(m);

	wasm_extern_vec_new_uninitialized(out, n);
	if (out->size != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		kiln_extern ext;

		if (!from_wasi(imp.module))
			continue;
		if (!kiln_instance_export(wasi->wasi, imp.name, &ext) ||
		    !(out->data[i] = capi_extern_new(wasi->store, ext))) {
			wasm_extern_vec_delete(out);
			return false;
		}
	}
	return true;
}

bool kiln_wasm_wasi_bind(kiln_wasm_wasi *wasi, const wasm_instance_t *instance)
{
	kiln_extern mem;

	if (!kiln_instance_export(instance->instance, (kiln_name){"memory", 6}, &mem) ||
	    mem.kind != KILN_EXTERN_MEMORY)
		return false;
	kiln_wasi_set_memory(wasi->wasi, mem);
	return true;
}

bool kiln_wasm_wasi_exited(const kiln_wasm_wasi *wasi, const wasm_trap_t *trap, int *out_code)
{
	if (trap == NULL || trap->info.kind != KILN_TRAP_EXIT)
		return false;
	if (out_code)
		*out_code = kiln_wasi_exit_code(wasi->wasi);
	return true;
}
