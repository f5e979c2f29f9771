/*
 * module.h — kiln's description of a decoded module (internal).
 *
 * The decoder (decode.c) fills it; the validator (compiler/validate.c)
 * adds what it finds (kiln_table.fixed, the result: `validated`,
 * `valid_status`, `valid_error`; kiln_module_load sets the result of an
 * artifact's module, validated when the artifact was made); lowering, the
 * runtime and the public accessors (module.c) read it.  No field is written
 * after validation: from then on a module is read-only, shared by the
 * engines, pools and instances that use it.  The one mutable thing it
 * points to is its compiled code (`code`, code.h): decoding creates it
 * empty, and only kiln_module_compile (compiler/jit.c) or kiln_module_load
 * (aot_load.c) fills it.  Invariants once decoding has succeeded:
 *  - `bytes` is the module's own copy of the binary; every byte range below
 *    (function bodies, constant expressions, data) points into it and lies
 *    within it;
 *  - every function body and constant expression is well-formed: each
 *    instruction's opcode exists and its immediates decode, and blocks nest
 *    to a final `end`.  Indices inside them are NOT yet checked — that is
 *    validation;
 *  - index spaces list imports first, then the module's own definitions.
 * All arrays are owned by the module and freed by kiln_module_delete.
 */
#ifndef KILN_MODULE_H
#define KILN_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "internal.h"

/* A byte range in kiln_module.bytes. */
typedef struct kiln_range {
	uint32_t off, len;
} kiln_range;

/* A run of `count` locals of one type, as in the binary format. */
typedef struct kiln_local_run {
	uint32_t count;
	uint8_t type;
} kiln_local_run;

typedef struct kiln_func {
	uint32_t type_idx;
	bool imported;
	/* Own functions only: */
	kiln_range body;	/* the expression: after the local declarations, up to and including the final `end` */
	uint32_t nruns;
	kiln_local_run *runs;
	uint64_t nlocals;	/* declared locals, parameters excluded */
	uint32_t code_size;	/* bytes of the code entry: locals and body */
} kiln_func;

typedef struct kiln_table {
	kiln_tabletype type;
	bool imported;
	/* Set by validation: not imported, not exported, and no instruction
	 * writes it, so its size and elements never change once the instance
	 * exists (compiled code may load them once). */
	bool fixed;
} kiln_table;

typedef struct kiln_memory {
	kiln_memtype type;
	bool imported;
} kiln_memory;

typedef struct kiln_global {
	kiln_globaltype type;
	bool imported;
	kiln_range init;	/* own globals: constant expression incl. `end` */
} kiln_global;

/* Exception handling: a tag, whose type's params are an exception's
 * payload (its results are empty: validation). */
typedef struct kiln_tag {
	uint32_t type_idx;
	bool imported;
} kiln_tag;

typedef struct kiln_import {
	kiln_name module, name;
	kiln_extern_kind kind;
	uint32_t index;		/* in the index space of its kind */
} kiln_import;

typedef struct kiln_export {
	kiln_name name;
	kiln_extern_kind kind;
	uint32_t index;
} kiln_export;

typedef enum kiln_segment_mode {
	KILN_SEG_ACTIVE,
	KILN_SEG_PASSIVE,
	KILN_SEG_DECLARATIVE,	/* element segments only */
} kiln_segment_mode;

typedef struct kiln_elem {
	kiln_segment_mode mode;
	uint8_t type;		/* KILN_FUNCREF or KILN_EXTERNREF */
	uint32_t table;		/* active only */
	kiln_range offset;	/* active only: constant expression */
	uint32_t count;
	/* Exactly one of these is set when count > 0: */
	uint32_t *funcs;	/* legacy form: function indices */
	kiln_range *exprs;	/* expression form: one constant expression each */
} kiln_elem;

typedef struct kiln_data {
	kiln_segment_mode mode;
	uint32_t memory;	/* active only */
	kiln_range offset;	/* active only */
	kiln_range init;	/* the bytes */
} kiln_data;

/* One function name from the `name` section. */
typedef struct kiln_func_name {
	uint32_t index;
	kiln_name name;
} kiln_func_name;

struct kiln_module {
	uint8_t *bytes;
	size_t size;

	uint32_t ntypes;
	kiln_functype *types;	/* params/results point into `valtypes` */
	kiln_valtype *valtypes;

	uint32_t nimports;
	kiln_import *imports;

	uint32_t nfuncs, nimported_funcs;
	kiln_func *funcs;
	uint32_t ntables, nimported_tables;
	kiln_table *tables;
	/* Decoded with KILN_FEATURE_NO_REFERENCE_TYPES: validation allows one
	 * table, as 1.0 does. */
	bool no_reference_types;
	uint32_t nmemories, nimported_memories;
	kiln_memory *memories;
	/* Decoded with KILN_FEATURE_MULTI_MEMORY (or from an artifact): the
	 * validator allows several memories and explicit memory indices. */
	bool multi_memory;
	uint32_t nglobals, nimported_globals;
	kiln_global *globals;
	uint32_t ntags, nimported_tags;
	kiln_tag *tags;

	uint32_t nexports;
	kiln_export *exports;

	bool has_start;
	uint32_t start;

	uint32_t nelems;
	kiln_elem *elems;

	bool has_data_count;
	uint32_t data_count;
	uint32_t ndatas;
	kiln_data *datas;

	uint32_t nsections;
	kiln_section_info *sections;
	uint32_t max_br_table;	/* targets of the largest br_table */
	uint32_t max_const_depth;	/* instructions of the longest constant */

	/* From the `name` custom section; malformed name sections are ignored,
	 * as the spec allows for custom sections. */
	kiln_name name;
	uint32_t nfunc_names;
	kiln_func_name *func_names;	/* sorted by index */

	/* Set by decoding: an identity no other module in the process ever
	 * has (unlike its address), for caches (pool.c); and the module's
	 * compiled code, created empty (code.h says who fills it). */
	uint64_t id;
	kiln_code *code;

	/* The proposals it was decoded with, and those it uses (a subset:
	 * KILN_FEATURE_* bits; an artifact's module takes the second from
	 * the artifact's header). */
	uint32_t features, uses;

	/* Set by kiln_module_validate. */
	bool validated;
	kiln_status valid_status;
	kiln_error valid_error;
};

/* kiln_module_decode for the module inside an artifact, decoded and
 * validated when the artifact was made: function bodies are not walked
 * (start-up time), only their locals read. */
kiln_status kiln_module_decode_trusted(const uint8_t *bytes, size_t len,
				       kiln_module **out_module, kiln_error *err);

/* Checks a decoded module against `limits` (NULL: the defaults; fields 0
 * take theirs): KILN_ERR_LIMIT with a one-line message naming the first
 * limit exceeded.  Linear in the module's declarations; reads no code. */
KRT_ABI kiln_status krt_module_check_limits(const kiln_module *m,
					    const kiln_module_limits *limits,
					    kiln_error *err);

/* The proposals kiln builds: decoding accepts these bits only. */
#define KRT_FEATURES_BUILT \
	(KILN_FEATURE_THREADS | KILN_FEATURE_EXTENDED_CONST | KILN_FEATURE_TAIL_CALL | \
	 KILN_FEATURE_MULTI_MEMORY | KILN_FEATURE_MEMORY64 | KILN_FEATURE_RELAXED_SIMD | \
	 KILN_FEATURE_EXCEPTIONS | KILN_FEATURE_NO_REFERENCE_TYPES)

/* features.c: false with "not supported yet: <proposal>" when `features`
 * asks for a proposal not built; false naming the first proposal the
 * module uses outside `allowed` (an engine's kiln_config.features). */
bool krt_features_check(uint32_t features, kiln_error *err);
KRT_ABI bool krt_features_allow(const kiln_module *m, uint32_t allowed, kiln_error *err);

#endif /* KILN_MODULE_H */
