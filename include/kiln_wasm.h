/*
 * kiln_wasm.h — kiln's extensions to the standard C API (wasm.h) for
 * configuring engines: all of kiln's settings (kiln_config), compiling
 * ahead of time instead of by the JIT, and the kiln engine behind a
 * wasm_engine_t for what only kiln.h offers (statistics).
 *
 * Provided by the kiln-compiler library.  Not thread-safe for one config.
 */
#ifndef KILN_WASM_H
#define KILN_WASM_H

#include "kiln.h"
#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Replaces the config's kiln settings with a copy of `settings` (start
 * from kiln_config_default()); a wasm_config_new config has the defaults. */
KILN_API void kiln_wasm_config_set(wasm_config_t *config, const kiln_config *settings);

/* With aot, an engine made from the config compiles each module whole,
 * ahead of time, when wasm_module_new makes it (as kiln_module_serialize
 * and kiln_module_load would: optimised code, no JIT at run time); without
 * (the default), its functions are compiled by the JIT as they are first
 * called. */
KILN_API void kiln_wasm_config_set_aot(wasm_config_t *config, bool aot);

/* The kiln engine behind a wasm.h engine, borrowed: it lives as long as
 * the wasm_engine_t. */
KILN_API kiln_engine *kiln_wasm_engine(wasm_engine_t *engine);

#ifdef __cplusplus
}
#endif

#endif /* KILN_WASM_H */
