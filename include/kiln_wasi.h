/*
 * kiln_wasi.h — WASI preview1 for programs written for the standard C
 * API (wasm.h): what a host such as a container runtime needs to run a
 * WASI command through wasm.h alone, with kiln's WASI configuration
 * (kiln_wasi_config: arguments, environment, preopened directories and
 * sockets, in-memory stdin and stdout).
 *
 * The steps: make a kiln_wasm_wasi in the store; ask it for the module's
 * imports (WASI's where the module imports "wasi_snapshot_preview1", NULL
 * where the host must fill in its own); instantiate; bind the instance's
 * memory; call "_start".  A call that ends in proc_exit returns a trap
 * that kiln_wasm_wasi_exited recognises, with the exit code.
 *
 * Ownership as in wasm.h: the WASI functions belong to the store, which
 * frees them after the instances that import them.  Single-threaded, as
 * the store is.  Provided by the kiln-compiler library.
 */
#ifndef KILN_WASI_H
#define KILN_WASI_H

#include "kiln.h"
#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_wasm_wasi kiln_wasm_wasi;

/* WASI for instances of `store`, configured as kiln_wasi_new is (the
 * configuration is copied; in-memory stdin bytes are not and must stay
 * until the store is deleted).  NULL when a preopened directory cannot be
 * opened or memory runs out. */
KILN_API kiln_wasm_wasi *kiln_wasm_wasi_new(wasm_store_t *store, const kiln_wasi_config *config);

/* Deletes the handle; the WASI functions stay the store's. */
KILN_API void kiln_wasm_wasi_delete(kiln_wasm_wasi *wasi);

/* Fills *out (owned by the caller) with one extern per import of the
 * module, in import order: WASI's function for each import from
 * "wasi_snapshot_preview1", NULL for each other import, for the caller to
 * replace with its own before wasm_instance_new.  false (and *out empty)
 * when the module imports something from WASI that WASI does not have. */
KILN_API bool kiln_wasm_wasi_imports(kiln_wasm_wasi *wasi, const wasm_module_t *module,
				     wasm_extern_vec_t *out);

/* Gives WASI the instance's exported memory ("memory"), which WASI's
 * functions read and write; false when it exports none. */
KILN_API bool kiln_wasm_wasi_bind(kiln_wasm_wasi *wasi, const wasm_instance_t *instance);

/* Whether a trap is WASI's proc_exit ending the program; if so,
 * *out_code (when not NULL) receives the exit code. */
KILN_API bool kiln_wasm_wasi_exited(const kiln_wasm_wasi *wasi, const wasm_trap_t *trap,
				    int *out_code);

#ifdef __cplusplus
}
#endif

#endif /* KILN_WASI_H */
