/*
 * kiln.h — the public embedding API of kiln, a WebAssembly runtime.
 *
 * Everything a program needs from kiln is declared here; nothing here depends
 * on LLVM or on a build flag.  Conventions, true of every declaration below
 * unless it says otherwise:
 *
 *  - Errors.  A call that can fail returns a kiln_status and, when the caller
 *    passes a non-NULL `kiln_error *`, fills it with a message and the byte
 *    offset the problem was found at.  The error struct is caller-owned and
 *    needs no cleanup.  On failure every out-parameter is left NULL/zero.
 *  - Ownership.  Objects are created by `_new`/`_decode` and destroyed by
 *    `_delete`; `_delete(NULL)` is a no-op.  Input buffers are copied: the
 *    caller may free them as soon as the call returns.  Strings and arrays
 *    returned by accessors are owned by the object they came from and live as
 *    long as it does.
 *  - Threads.  A kiln_module is immutable after it is created and validated,
 *    and may be read from any number of threads at once.  Validation itself
 *    mutates the module (it records the result) and must not race with other
 *    use of the same module; nor may compiling it (kiln_module_compile, which
 *    validates, then fills the module's compiled code once).  Once compiled
 *    or loaded, instances of it may be made on any thread.
 */
#ifndef KILN_H
#define KILN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_VERSION_MAJOR 0
#define KILN_VERSION_MINOR 1
#define KILN_VERSION_PATCH 0
#define KILN_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define KILN_API __attribute__((visibility("default")))
#else
#define KILN_API
#endif

/* The version of the library actually linked, e.g. "0.1.0".  Static string. */
KILN_API const char *kiln_version(void);

/* The version of LLVM the compiler library was built with, e.g. "19.1.7".
 * Static string.  Provided by the kiln-compiler library. */
KILN_API const char *kiln_compiler_llvm_version(void);

/* ---------------------------------------------------------------- errors */

typedef enum kiln_status {
	KILN_OK = 0,
	KILN_ERR_MALFORMED,	/* not a well-formed binary module (spec: decoding) */
	KILN_ERR_INVALID,	/* well-formed but fails validation */
	KILN_ERR_UNSUPPORTED,	/* valid, but uses something kiln has not built yet */
	KILN_ERR_NOMEM,		/* an allocation failed */
	KILN_ERR_IO,		/* reading or writing a file failed */
	KILN_ERR_ARG,		/* a bad argument from the caller */
	KILN_ERR_LINK,		/* an import does not match (spec: unlinkable) */
	KILN_ERR_TRAP,		/* running code trapped; see the kiln_trap_kind */
	KILN_ERR_UNTRUSTED,	/* an artifact is unsigned, or not signed by the key given */
	KILN_ERR_LIMIT,		/* a module or instance exceeds a resource limit
				   (kiln_module_limits, max_table_elements) */
	KILN_ERR_EXCEPTION,	/* running code threw a wasm exception nobody caught */
} kiln_status;

#define KILN_NO_OFFSET ((size_t)-1)

/* Filled by failing calls.  `message` is NUL-terminated and uses the
 * WebAssembly spec's wording where the spec has one ("unexpected end",
 * "type mismatch"...).  `offset` is the byte offset in the module at which
 * the problem was detected, or KILN_NO_OFFSET. */
typedef struct kiln_error {
	kiln_status status;
	size_t offset;
	char message[256];
} kiln_error;

/* A short static name for a status ("malformed module", "invalid module"...). */
KILN_API const char *kiln_status_string(kiln_status status);

/* ----------------------------------------------------------------- traps */

/* How a call into WebAssembly ended abnormally.  A trap is an outcome of
 * running code, not an API error: it leaves the process and every other
 * instance untouched. */
typedef enum kiln_trap_kind {
	KILN_TRAP_NONE = 0,		/* no trap: the call returned */
	KILN_TRAP_UNREACHABLE,		/* "unreachable": the unreachable instruction */
	KILN_TRAP_MEMORY_OOB,		/* "out of bounds memory access" */
	KILN_TRAP_TABLE_OOB,		/* "out of bounds table access" */
	KILN_TRAP_UNDEFINED_ELEMENT,	/* "undefined element": call_indirect past the table */
	KILN_TRAP_UNINITIALIZED_ELEMENT,/* "uninitialized element": call_indirect of null */
	KILN_TRAP_SIGNATURE_MISMATCH,	/* "indirect call type mismatch" */
	KILN_TRAP_DIVIDE_BY_ZERO,	/* "integer divide by zero" */
	KILN_TRAP_INTEGER_OVERFLOW,	/* "integer overflow": INT_MIN / -1 */
	KILN_TRAP_INVALID_CONVERSION,	/* "invalid conversion to integer": trunc of NaN */
	KILN_TRAP_STACK_EXHAUSTED,	/* "call stack exhausted" */
	KILN_TRAP_INTERRUPTED,		/* "interrupted": an epoch deadline passed */
	KILN_TRAP_HOST,			/* a host function raised a trap */
	KILN_TRAP_EXIT,			/* "exit": WASI proc_exit ended the program */
	KILN_TRAP_OUT_OF_FUEL,		/* "all fuel consumed": the instance's fuel ran out */
	/* "compile error": the JIT could not compile a function the call
	 * reached (out of memory, a limit): kiln_engine_compile_error says why */
	KILN_TRAP_COMPILE_FAILED,
	KILN_TRAP_UNALIGNED_ATOMIC,	/* "unaligned atomic": threads */
	KILN_TRAP_EXPECTED_SHARED,	/* "expected shared memory": wait on an unshared one */
	KILN_TRAP_NULL_EXNREF,		/* "null exception reference": throw_ref of null */
	/* "too many exceptions": a throw past kiln_instance_limits.max_exceptions */
	KILN_TRAP_TOO_MANY_EXCEPTIONS,
	/* "uncaught exception": a wasm exception left the call; the call
	 * fails with KILN_ERR_EXCEPTION, not KILN_ERR_TRAP */
	KILN_TRAP_UNCAUGHT_EXCEPTION,
	KILN_TRAP_KIND_COUNT_
} kiln_trap_kind;

/* The spec's message for a trap kind ("integer divide by zero").  Static. */
KILN_API const char *kiln_trap_message(kiln_trap_kind kind);

/* ---------------------------------------------------------------- types */

/* Value types, numbered by their binary encoding. */
typedef enum kiln_valtype {
	KILN_I32 = 0x7f,
	KILN_I64 = 0x7e,
	KILN_F32 = 0x7d,
	KILN_F64 = 0x7c,
	KILN_V128 = 0x7b,
	KILN_FUNCREF = 0x70,
	KILN_EXTERNREF = 0x6f,
	KILN_EXNREF = 0x69,	/* exception handling: a caught exception (nullable) */
} kiln_valtype;

/* Static name of a value type as in the text format ("i32", "funcref"). */
KILN_API const char *kiln_valtype_name(kiln_valtype type);

typedef enum kiln_extern_kind {
	KILN_EXTERN_FUNC = 0,
	KILN_EXTERN_TABLE = 1,
	KILN_EXTERN_MEMORY = 2,
	KILN_EXTERN_GLOBAL = 3,
	KILN_EXTERN_TAG = 4,	/* exception handling: an exception tag */
} kiln_extern_kind;

/* Static name of an extern kind ("func", "table", "memory", "global",
 * "tag"). */
KILN_API const char *kiln_extern_kind_name(kiln_extern_kind kind);

/* A name from the module: UTF-8, not NUL-terminated (it may contain NUL). */
typedef struct kiln_name {
	const char *data;
	size_t len;
} kiln_name;

typedef struct kiln_functype {
	uint32_t nparams, nresults;
	const kiln_valtype *params;	/* nparams entries */
	const kiln_valtype *results;	/* nresults entries */
} kiln_functype;

typedef struct kiln_limits {
	uint64_t min;
	uint64_t max;		/* meaningful only when has_max */
	bool has_max;
} kiln_limits;

typedef struct kiln_tabletype {
	kiln_valtype elem;	/* KILN_FUNCREF or KILN_EXTERNREF */
	kiln_limits limits;	/* in elements */
} kiln_tabletype;

typedef struct kiln_memtype {
	kiln_limits limits;	/* in 64 KiB pages */
	bool shared;		/* threads: shared between threads (has a maximum) */
	bool index64;		/* memory64: addressed by i64 (limits up to 2^48 pages) */
} kiln_memtype;

typedef struct kiln_globaltype {
	kiln_valtype type;
	bool mutable_;
} kiln_globaltype;

/* The type of an import or export.  For functions, `func` points into the
 * module's type list; so it does for tags (KILN_EXTERN_TAG), whose params
 * are the exception's payload and whose results are empty. */
typedef struct kiln_externtype {
	kiln_extern_kind kind;
	union {
		const kiln_functype *func;
		kiln_tabletype table;
		kiln_memtype memory;
		kiln_globaltype global;
		const kiln_functype *tag;	/* its parameters: the values it carries */
	} u;
} kiln_externtype;

/* ---------------------------------------------------------------- modules */

typedef struct kiln_module kiln_module;

/* What a module may declare, so that a small hostile module cannot make
 * decoding or compiling take gigabytes (a function declaring 5,000,000
 * locals is 42 bytes).  The defaults are V8's (src/wasm/wasm-limits.h),
 * which wasmtime's parser shares: modules that run on the web fit.  A field
 * left 0 takes its default; UINT32_MAX lifts the limit.  Exceeding one
 * fails with KILN_ERR_LIMIT and a one-line message naming the field, e.g.
 * "function 0 declares 5000000 locals, limit 50000 (max_locals)". */
typedef struct kiln_module_limits {
	uint32_t max_types;		/* type section entries; 1,000,000 */
	uint32_t max_funcs;		/* functions, imported ones included; 1,000,000 */
	uint32_t max_imports;		/* 100,000 */
	uint32_t max_exports;		/* 100,000 */
	uint32_t max_globals;		/* imported ones included; 1,000,000 */
	uint32_t max_tables;		/* imported ones included; 100,000 */
	uint32_t max_memories;		/* imported ones included; 100,000 */
	uint32_t max_data_segments;	/* 100,000 */
	/* Element segments, and the entries of one segment; V8 bounds only
	 * the entries (kV8MaxWasmTableInitEntries): 10,000,000 each. */
	uint32_t max_elem_segments;
	uint32_t max_elem_entries;
	uint32_t max_params;		/* of one function type; 1,000 */
	uint32_t max_results;		/* of one function type; 1,000 */
	/* Locals of one function, its parameters included (as V8 and
	 * wasmtime count them); 50,000. */
	uint32_t max_locals;
	/* Bytes of one function's code entry (locals and body); 7,654,321. */
	uint32_t max_func_size;
	uint32_t max_br_table;		/* targets of one br_table; 65,520 */
	uint32_t max_tags;		/* exception tags, imported ones included; 1,000,000 */
} kiln_module_limits;

#define KILN_LIMIT_TYPES 1000000u
#define KILN_LIMIT_FUNCS 1000000u
#define KILN_LIMIT_IMPORTS 100000u
#define KILN_LIMIT_EXPORTS 100000u
#define KILN_LIMIT_GLOBALS 1000000u
#define KILN_LIMIT_TAGS 1000000u
#define KILN_LIMIT_TABLES 100000u
#define KILN_LIMIT_MEMORIES 100000u
#define KILN_LIMIT_DATA_SEGMENTS 100000u
#define KILN_LIMIT_ELEM_SEGMENTS 10000000u
#define KILN_LIMIT_ELEM_ENTRIES 10000000u
#define KILN_LIMIT_PARAMS 1000u
#define KILN_LIMIT_RESULTS 1000u
#define KILN_LIMIT_LOCALS 50000u
#define KILN_LIMIT_FUNC_SIZE 7654321u
#define KILN_LIMIT_BR_TABLE 65520u

/* The defaults above, every field set. */
KILN_API kiln_module_limits kiln_module_limits_default(void);

/* Decodes a binary module (the whole WebAssembly 2.0 binary format).
 * Copies `bytes`.  Fails with KILN_ERR_MALFORMED (and the spec's message and
 * the byte offset) on any malformed input, KILN_ERR_LIMIT when the module
 * exceeds kiln_module_limits_default() (checked before anything is
 * allocated for the entries concerned), KILN_ERR_NOMEM on allocation
 * failure.  The result is decoded but not yet validated.
 * Thread-safe. */
KILN_API kiln_status kiln_module_decode(const uint8_t *bytes, size_t len,
					kiln_module **out_module,
					kiln_error *err);

/* kiln_module_decode under other limits (NULL: the defaults); the limits
 * are not kept.  Use it with kiln_config.limits to raise a limit (an
 * engine only lowers them: kiln_module_compile). */
KILN_API kiln_status kiln_module_decode_limited(const uint8_t *bytes, size_t len,
						const kiln_module_limits *limits,
						kiln_module **out_module,
						kiln_error *err);

/* Proposals past WebAssembly 2.0 that decoding accepts, as bits.  Threads
 * (shared memories, the 0xfe atomics, wait and notify) is on by default;
 * without it a shared memory's limits flag is "integer too large" and an
 * 0xfe instruction an "illegal opcode", as a 2.0 decoder has them. */
#define KILN_FEATURE_THREADS 1u
/* The WebAssembly 3.0 proposals, each accepted only where its bit is set
 * once it is built (the bits are fixed here so that they never move). */
#define KILN_FEATURE_TAIL_CALL (1u << 1)
#define KILN_FEATURE_EXTENDED_CONST (1u << 2)
#define KILN_FEATURE_MULTI_MEMORY (1u << 3)
#define KILN_FEATURE_MEMORY64 (1u << 4)
/* Exception handling: tags, exnref, try_table/throw/throw_ref and the
 * legacy try/catch/catch_all/delegate/rethrow (kiln_caller_throw,
 * kiln_host_tag_new, KILN_ERR_EXCEPTION). */
#define KILN_FEATURE_EXCEPTIONS (1u << 5)
#define KILN_FEATURE_RELAXED_SIMD (1u << 6)
/* Not a proposal but the removal of one of 2.0's: with this bit set a
 * module is checked without reference types (one table, no reference
 * values), the world some proposal folders of the testsuite were written
 * in. */
#define KILN_FEATURE_NO_REFERENCE_TYPES (1u << 31)
#define KILN_FEATURES_DEFAULT \
	(KILN_FEATURE_THREADS | KILN_FEATURE_EXTENDED_CONST | KILN_FEATURE_TAIL_CALL | \
	 KILN_FEATURE_MULTI_MEMORY | KILN_FEATURE_MEMORY64 | KILN_FEATURE_RELAXED_SIMD | \
	 KILN_FEATURE_EXCEPTIONS)

/* kiln_module_decode_limited accepting only the proposals in `features`
 * (the others decode every one in KILN_FEATURES_DEFAULT).  A bit of a
 * proposal kiln does not build yet fails with KILN_ERR_UNSUPPORTED "not
 * supported yet: <proposal>" rather than being ignored. */
KILN_API kiln_status kiln_module_decode_features(const uint8_t *bytes, size_t len,
						 const kiln_module_limits *limits,
						 uint32_t features,
						 kiln_module **out_module,
						 kiln_error *err);

/* The proposals (KILN_FEATURE_* bits) a decoded module uses, found while
 * decoding it (for a module loaded from an artifact: as its header
 * records them). */
KILN_API uint32_t kiln_module_features(const kiln_module *module);

/* The name of one KILN_FEATURE_* bit as wast2json's --enable- flags spell
 * it ("tail-call", "extended-const"...); NULL for any other value. */
KILN_API const char *kiln_feature_name(uint32_t feature);

/* Validates a decoded module with the spec's algorithm (WebAssembly 2.0,
 * SIMD included).  Fails with KILN_ERR_INVALID.  Time is linear in the size
 * of the module.  Calling it again returns the first result.  Provided by the
 * kiln-compiler library. */
KILN_API kiln_status kiln_module_validate(kiln_module *module, kiln_error *err);

/* kiln_module_decode followed by kiln_module_validate; on failure nothing is
 * returned.  Provided by the kiln-compiler library. */
KILN_API kiln_status kiln_module_new(const uint8_t *bytes, size_t len,
				     kiln_module **out_module, kiln_error *err);

/* Frees the module and everything borrowed from it.  NULL is a no-op. */
KILN_API void kiln_module_delete(kiln_module *module);

/* ------------------------------------------------- inspecting a module
 * Accessors never fail: indices out of range are a caller bug and return a
 * zeroed result.  All returned pointers are borrowed from the module. */

typedef struct kiln_section_info {
	uint8_t id;		/* 0 custom, 1 type ... 12 data count */
	kiln_name name;		/* section name ("type", or a custom section's name) */
	size_t offset;		/* of the section's contents in the module bytes */
	size_t size;		/* of the contents */
	uint32_t count;		/* entries, for vector sections; 0 otherwise */
} kiln_section_info;

KILN_API size_t kiln_module_section_count(const kiln_module *module);
KILN_API kiln_section_info kiln_module_section(const kiln_module *module,
					       size_t index);

typedef struct kiln_import_info {
	kiln_name module;
	kiln_name name;
	kiln_externtype type;
	uint32_t type_index;	/* for functions and tags: index into the type section */
} kiln_import_info;

typedef struct kiln_export_info {
	kiln_name name;
	kiln_extern_kind kind;
	uint32_t index;		/* in the index space of its kind */
} kiln_export_info;

KILN_API size_t kiln_module_type_count(const kiln_module *module);
KILN_API const kiln_functype *kiln_module_type(const kiln_module *module,
					       size_t index);

KILN_API size_t kiln_module_import_count(const kiln_module *module);
KILN_API kiln_import_info kiln_module_import(const kiln_module *module,
					     size_t index);

KILN_API size_t kiln_module_export_count(const kiln_module *module);
KILN_API kiln_export_info kiln_module_export(const kiln_module *module,
					     size_t index);
/* The type of an export (resolved through imports where needed). */
KILN_API kiln_externtype kiln_module_export_type(const kiln_module *module,
						 size_t index);

/* Sizes of the index spaces, imports included. */
typedef struct kiln_module_counts {
	uint32_t types;
	uint32_t funcs, imported_funcs;
	uint32_t tables, imported_tables;
	uint32_t memories, imported_memories;
	uint32_t globals, imported_globals;
	uint32_t elems, datas;
	bool has_start;
	uint32_t start;		/* function index, when has_start */
	uint32_t tags, imported_tags;	/* exception handling */
} kiln_module_counts;

KILN_API kiln_module_counts kiln_module_counts_of(const kiln_module *module);

/* The type of memory `index` of the module (imports first, as the index
 * space has them; several with multi-memory); zeroed past the last. */
KILN_API kiln_memtype kiln_module_memory_type(const kiln_module *module, uint32_t index);

/* The type of tag `index` (exception handling; imports first, as the
 * index space has them): its params are the exception's payload.  NULL
 * past the last tag or for a type index out of range (an invalid module). */
KILN_API const kiln_functype *kiln_module_tag_type(const kiln_module *module, uint32_t index);

/* The function's name from the `name` custom section, or {NULL, 0}. */
KILN_API kiln_name kiln_module_func_name(const kiln_module *module,
					 uint32_t func_index);
/* The module's own name from the `name` section, or {NULL, 0}. */
KILN_API kiln_name kiln_module_name(const kiln_module *module);

/* ---------------------------------------------------------------- engines */

/* How compiled code keeps memory accesses in bounds. */
typedef enum kiln_bounds_mode {
	KILN_BOUNDS_GUARD_PAGES = 0,	/* 8 GiB reservations, no checks in code */
	KILN_BOUNDS_EXPLICIT,		/* checks in code, no reservation: not supported yet */
} kiln_bounds_mode;

/* Compilation settings.  Start from kiln_config_default() and set what
 * differs: a zero-initialised config is not the defaults (its opt_level
 * is 0, not 2, its features none; its other zero fields do mean their
 * defaults). */
/* How the JIT compiles functions (kiln_config.tiering). */
typedef enum kiln_tiering {
	KILN_TIERING_TIERED = 0,
	KILN_TIERING_TIER0,
	KILN_TIERING_TIER1,
	KILN_TIERING_INTERP,
} kiln_tiering;

typedef struct kiln_config {
	int opt_level;		/* 0..3, LLVM's default<On>; default 2 */
	/* The most 64 KiB pages a memory of an instance of this engine's
	 * modules may have, below what its type allows; 0 means 65536. */
	uint32_t max_memory_pages;
	/* Stack a call into wasm may use before "call stack exhausted", in
	 * bytes, from the thread's outermost entry; 0 means 1 MiB.  The
	 * thread's own stack must be larger. */
	size_t stack_size;
	kiln_bounds_mode bounds;
	/* A directory for compiled artifacts: the CLI keeps one
	 * (`kiln cache`); through the API not supported yet: must be NULL. */
	const char *cache_dir;
	/* What ahead-of-time code is compiled for: NULL or "native" is this
	 * machine, "generic" any x86-64, or an LLVM CPU name; extra features
	 * as "+avx2,-sse4.2" (NULL: the CPU's own).  An artifact runs on a
	 * machine with its CPU's features.  The JIT always targets this one. */
	const char *target_cpu;
	const char *target_features;
	/* Ahead-of-time compilation splits a large module (over 128 KiB of
	 * code) into parts compiled in parallel: on this many threads, 0
	 * meaning one per CPU.  The artifact does not depend on it. */
	unsigned compile_threads;
	/* Called as the parts of a large module finish (from compiling
	 * threads, one call at a time): functions compiled of their total. */
	void (*compile_progress)(void *data, uint32_t done, uint32_t total);
	void *compile_progress_data;
	/* Compiled code checks an epoch deadline at function entries and
	 * loop headers (kiln_instance_set_epoch_deadline); costs a load and
	 * a compare per loop iteration.  Default off. */
	bool epoch_interruption;
	/* Fuel metering (kiln_instance_set_fuel): compiled code charges fuel
	 * at function entries and loop headers and traps "all fuel consumed"
	 * when an instance has none left.  A function entry costs the wasm
	 * operators of its body outside loops, each loop iteration those of
	 * the loop's body outside inner loops: deterministic, and every
	 * operator executed is paid for (some not executed too).  Costs a
	 * load, a subtract, a store and a compare per loop iteration.  Default
	 * off. */
	bool fuel_metering;
	/* JIT: a thread of the engine compiles the functions that compiled
	 * functions call directly, ahead of their first call, so that a
	 * program's first run does not wait for most of its compiling.  Off
	 * (the default), exactly the functions called get compiled, each on
	 * the thread that first calls it. */
	bool speculative_compile;
	/* Debugging: ahead-of-time compilation also writes each part's
	 * optimised LLVM IR and assembly to PREFIX.ll and PREFIX.s (PREFIX.N.*
	 * for part N of a split module), with the wasm names of the bodies.
	 * The artifact does not depend on it.  NULL: nothing written. */
	const char *dump_prefix;

	/* ---- Resource limits (issue 17: bounded resources per module) ---- */
	/* kiln_module_compile and kiln_module_serialize refuse a module over
	 * these (KILN_ERR_LIMIT), whatever it was decoded with; fields 0 take
	 * the defaults (kiln_module_limits). */
	kiln_module_limits limits;
	/* Elements all the tables an instance defines may have together, at
	 * instantiation and after table.grow (which returns -1, as for any
	 * failed growth, past it); imported tables count for their owner.
	 * An instance whose tables' initial sizes exceed it fails with
	 * KILN_ERR_LIMIT.  0: KILN_DEFAULT_MAX_TABLE_ELEMENTS; UINT32_MAX:
	 * only the 10,000,000 elements each table may have.  A pool's
	 * max_instance_table_elements lowers it further. */
	uint32_t max_table_elements;
	/* memory64: the most 64 KiB pages a 64-bit memory of an instance of
	 * this engine's modules may have, below what its type allows (and
	 * max_memory_pages, when that is set): memory.grow returns -1 past it,
	 * a larger minimum fails instantiation.  Such a memory reserves this
	 * much address space (not memory).  0:
	 * KILN_DEFAULT_MAX_MEMORY64_PAGES (16 GiB). */
	uint32_t max_memory64_pages;
	/* Compile cost: a function with more locals (parameters included)
	 * than ssa_max_locals, or a code entry over ssa_max_body bytes, keeps
	 * its locals in one stack-frame array instead of SSA registers and is
	 * compiled without optimisation (LLVM's optnone), so its compile time
	 * and memory grow linearly with its size: slower code, bounded
	 * compiling.  0: KILN_SSA_MAX_LOCALS, KILN_SSA_MAX_BODY; UINT32_MAX:
	 * never. */
	uint32_t ssa_max_locals;
	uint32_t ssa_max_body;

	/* ---- Tiered compilation (the JIT; artifacts are always tier 1) ----
	 * KILN_TIERING_TIERED (the default): a function is compiled on its
	 * first call at tier 0 — no IR optimisation, LLVM's fast instruction
	 * selector and register allocator, about ten times cheaper than
	 * opt_level 2 — with a counter that its entry and every loop header
	 * decrement; at zero the function goes to a background thread, which
	 * compiles it at opt_level (tier 1) and points its entry at the new
	 * code.  Calls made after that run tier 1; a call already running
	 * finishes in tier 0.  TIER0 compiles everything at tier 0 only,
	 * TIER1 everything at opt_level on first call (no counters).  With
	 * opt_level 0 tiering is tier 0.  INTERP (a first stage, for testing)
	 * runs every function it can in kiln's interpreter (no LLVM); one
	 * it does not run yet (any v128 value: SIMD) is compiled at tier 0
	 * instead, and an engine with fuel metering fails to compile with
	 * KILN_ERR_UNSUPPORTED.  Interpreted functions count toward tier 1
	 * as tier 0 does (tier_up_threshold; no on-stack replacement yet):
	 * calls made after a function's tier 1 is installed run it.  Epoch
	 * interruption is checked where compiled code checks it. */
	kiln_tiering tiering;
	/* The count a function starts with: calls plus loop iterations before
	 * it is sent to tier 1.  0: KILN_TIER_UP_THRESHOLD; 1: on its first
	 * call. */
	uint32_t tier_up_threshold;
	/* A function whose code entry is over tier_up_light_body bytes tiers
	 * up through a lighter IR pipeline than default<On> (inlining, SROA,
	 * early CSE, instcombine, simplifycfg, loop rotation, LICM, induction
	 * variables), code generation still at opt_level: tier 1 of a large
	 * C main or interpreter loop (7-12 KB of wasm) cost 0.3-0.5 s of
	 * LLVM at -O2, as much as the program's whole AOT run
	 * (docs/bench/tier1-huge.md).  Only tier-ups: TIER1 compiles every
	 * function at opt_level, and so do artifacts, hence the code cache.
	 * 0: KILN_TIER_UP_LIGHT_BODY; UINT32_MAX: never. */
	uint32_t tier_up_light_body;
	/* Tier 0 without instruction offsets: no line table (debug
	 * locations on the code of each instruction that may trap or call)
	 * in tier-0 code, which made tier 0 compile about a third slower
	 * (docs/bench/tier0-offsets.md); a backtrace's tier-0 frames then
	 * say KILN_UNKNOWN_OFFSET (tier 1, the interpreter and artifacts
	 * keep theirs). */
	bool tier0_no_offsets;
	/* Background compile threads of the JIT (tier-up and speculation);
	 * 0: one per CPU but one, at least one, at most KILN_MAX_JIT_THREADS. */
	unsigned jit_threads;
	/* Address space the engine's JIT reserves, in bytes, for all the code
	 * it compiles and that code's constants: one region, so that calls
	 * and references within it take 32-bit displacements (direct calls).
	 * Reserved, not committed: pages are backed only while code occupies
	 * them, and given back when their module is deleted.  A compilation
	 * that finds it full fails (the call traps KILN_TRAP_COMPILE_FAILED,
	 * kiln_engine_compile_error says so).  0: KILN_JIT_MEMORY (1 GiB); at
	 * most KILN_JIT_MEMORY_MAX, below the 2 GiB such displacements
	 * reach. */
	size_t jit_memory;

	/* ---- Ahead-of-time parts ----
	 * A module with more code than KILN_AOT_SPLIT_BYTES is compiled in
	 * parts of at least KILN_AOT_PART_BYTES (at most
	 * KILN_ARTIFACT_MAX_OBJECTS parts), so that compile_threads can share
	 * the work; each part also gets the small functions it calls from
	 * other parts, for LLVM to inline.  aot_part_bytes: parts of about
	 * this many bytes of code whatever the module's size; 0: the
	 * default above; UINT32_MAX: one part (no splitting).  The artifact
	 * depends on it, not on compile_threads. */
	uint32_t aot_part_bytes;

	/* The proposals (KILN_FEATURE_* bits) this engine's modules may use:
	 * kiln_module_compile and kiln_module_serialize refuse a module
	 * using another (KILN_ERR_UNSUPPORTED, naming it).  It only refuses,
	 * never changes code, so artifacts and the cache key do not depend on
	 * it.  kiln_config_default() sets KILN_FEATURES_DEFAULT; 0 (as in a
	 * zero-initialised config, like its opt_level) allows none. */
	uint32_t features;
} kiln_config;

#define KILN_TIER_UP_THRESHOLD 1000u
#define KILN_TIER_UP_LIGHT_BODY 4096u
#define KILN_MAX_JIT_THREADS 16u
#define KILN_JIT_MEMORY ((size_t)1 << 30)
#define KILN_JIT_MEMORY_MAX ((size_t)3 << 29)

#define KILN_DEFAULT_MAX_TABLE_ELEMENTS 10000000u
/* kiln_config.max_memory64_pages's default: 262144 pages, 16 GiB. */
#define KILN_DEFAULT_MAX_MEMORY64_PAGES 262144u
#define KILN_SSA_MAX_LOCALS 1000u
#define KILN_SSA_MAX_BODY (128u * 1024u)

/* The defaults: opt_level 2, no memory limit below 4 GiB, 1 MiB of wasm
 * stack, guard pages, no cache, kiln_module_limits_default(), 10,000,000
 * table elements per instance, the SSA thresholds above, the proposals
 * of KILN_FEATURES_DEFAULT. */
KILN_API kiln_config kiln_config_default(void);

/* An engine compiles modules (it owns the JIT).  Modules compiled by an
 * engine, and instances of them, must be deleted before it.  Thread-safe:
 * compilations through one engine are serialised.  Provided by
 * kiln-compiler. */
typedef struct kiln_engine kiln_engine;

/* NULL config means the defaults.  Fails with KILN_ERR_ARG on a bad
 * configuration, KILN_ERR_UNSUPPORTED for what is not built yet (explicit
 * bounds checks, the cache) or when no native target exists. */
KILN_API kiln_status kiln_engine_new(const kiln_config *config,
				     kiln_engine **out_engine, kiln_error *err);
KILN_API void kiln_engine_delete(kiln_engine *engine);

/* What the engine's JIT compiled (function bodies; entry trampolines are
 * not counted), and where its time went: compile_seconds in all, of which
 * lowering to LLVM IR (with the verifier), LLVM's optimisation pipeline
 * and code generation (instruction selection to object code); the rest
 * is setting up and tearing down each compilation. */
typedef struct kiln_engine_stats {
	uint64_t functions_compiled;
	double compile_seconds;
	double lower_seconds;
	double optimise_seconds;
	double codegen_seconds;
	/* The same compilations by tier (kiln_config.tiering): how many and
	 * their seconds; tiered_up counts the tier-1 compilations of
	 * functions that ran hot in tier 0 (installed, not only queued);
	 * osr_entries the calls that moved to compiled code at a loop header
	 * (on-stack replacement: from tier 0 or the interpreter to tier 1, from
	 * the interpreter to tier 0), of which osr0_entries to tier 0 (an OSR
	 * entry of its own, compiled as one more tier-0 function). */
	uint64_t tier0_functions, tier1_functions, tiered_up, osr_entries;
	double tier0_seconds, tier1_seconds;
	/* Of tiered_up, the functions compiled through the light pipeline
	 * (kiln_config.tier_up_light_body). */
	uint64_t tiered_up_light;
	/* The interpreter (KILN_TIERING_INTERP): functions translated, the
	 * bytes of their wasm bodies, and the seconds translation took (with
	 * making their entries).  Not in functions_compiled. */
	uint64_t interp_functions, interp_bytes;
	double interp_seconds;
	uint64_t osr0_entries;
	/* Tier 1 compiles a function's body and its OSR entry (where a
	 * frame looping in tier 0 or the interpreter moves) each when asked
	 * for: tier1_functions and tiered_up count the function once,
	 * whichever came first; tier1_bodies and tier1_osr count the bodies
	 * and the OSR entries compiled by tier-ups (their time is in
	 * tier1_seconds). */
	uint64_t tier1_bodies, tier1_osr;
} kiln_engine_stats;

KILN_API kiln_engine_stats kiln_engine_stats_of(kiln_engine *engine);

/* Why lazy compilation failed: after a call trapped with
 * KILN_TRAP_COMPILE_FAILED, the message (one line) of the first failure of
 * the engine's compilations since the last call of this function, copied
 * NUL-terminated into buf (truncated to size - 1 bytes); returns its full
 * length, 0 (and "") when nothing failed.  Clears it.  Thread-safe. */
KILN_API size_t kiln_engine_compile_error(kiln_engine *engine, char *buf, size_t size);

/* Validates (if not yet done) and compiles every function of the module to
 * native code.  A module is compiled by one engine only; compiling it again
 * with the same engine does nothing.  Fails with KILN_ERR_LIMIT when the
 * module exceeds the engine's kiln_config.limits, KILN_ERR_INVALID, or
 * KILN_ERR_UNSUPPORTED naming the first instruction kiln cannot compile
 * yet, or a proposal the engine does not allow.  Not thread-safe for one
 * module. */
KILN_API kiln_status kiln_module_compile(kiln_engine *engine, kiln_module *module,
					 kiln_error *err);

/* ---------------------------------------------------------------- values */

typedef struct kiln_val {
	kiln_valtype type;
	union {
		int32_t i32;
		int64_t i64;
		float f32;
		double f64;
		void *ref;	/* funcref: a function handle; NULL is null */
		uint8_t v128[16];
	} of;
} kiln_val;

/* ------------------------------------------------------------- instances */

typedef struct kiln_instance kiln_instance;

/* An exported (or importable) entity: a borrowed handle, valid as long as
 * the instance it comes from. */
typedef struct kiln_extern {
	kiln_extern_kind kind;
	void *handle;
} kiln_extern;

/* Instantiates a compiled module.  `imports` holds one extern per import of
 * the module, in the module's import order (resolving names is the
 * caller's business; see kiln_instance_export).  Fails with:
 *  - KILN_ERR_LINK: an import has the wrong kind or an incompatible type;
 *    nothing is created;
 *  - KILN_ERR_TRAP: initialising segments or the start function trapped
 *    (*out_trap, when non-NULL, is the kind of trap; the frames:
 *    kiln_instance_init_trap).  The instance is
 *    still returned in *out_instance: what it wrote to imported tables and
 *    memories stays, and may refer to it, so delete it only when those are
 *    gone;
 *  - KILN_ERR_LIMIT: the tables' initial sizes exceed the instance's
 *    max_table_elements (kiln_config, kiln_pool_config); nothing is created;
 *  - KILN_ERR_NOMEM, KILN_ERR_ARG (module not compiled).
 * The module must outlive the instance.  Instances are single-threaded. */
KILN_API kiln_status kiln_instance_new(kiln_module *module,
				       const kiln_extern *imports, size_t nimports,
				       kiln_instance **out_instance,
				       kiln_trap_kind *out_trap, kiln_error *err);
KILN_API void kiln_instance_delete(kiln_instance *instance);

/* The pooling allocator, for many short-lived instances: a pool reserves
 * address space for max_instances linear memories up front (8 GiB each,
 * nothing committed) and instances made in it take a reserved slot and
 * give it back zeroed (madvise) when deleted, so instantiating and
 * deleting make no mmap/munmap; a module with image_min_bytes or more of data
 * segments at constant offsets has its initial memory mapped copy-on-write
 * from an image built once (memfd) instead of copied.  It also caps how many instances with a
 * memory are live at once and the pages any of their memories may have.
 * Thread-safe. */
typedef struct kiln_pool kiln_pool;
typedef struct kiln_pool_config {
	uint32_t max_instances;		/* live at once; 1..8192, default 1000 */
	uint32_t max_memory_pages;	/* per memory; 0: the module's own limit */
	uint32_t max_table_elements;	/* per table; 0: the module's own limit */
	/* Map memories copy-on-write from an image when the module's data
	 * segments come to this many bytes (default 256 KiB; UINT32_MAX:
	 * never, 0 or 1: always). */
	uint32_t image_min_bytes;
	/* Elements all the tables of one instance may have together (see
	 * kiln_config.max_table_elements, which it lowers; for a module loaded
	 * from an artifact, which has no engine, it replaces the default);
	 * 0: the engine's limit. */
	uint32_t max_instance_table_elements;
} kiln_pool_config;

KILN_API kiln_pool_config kiln_pool_config_default(void);
/* Fails with KILN_ERR_ARG on a bad configuration, KILN_ERR_NOMEM when the
 * address space cannot be reserved. */
KILN_API kiln_status kiln_pool_new(const kiln_pool_config *config, kiln_pool **out_pool,
				   kiln_error *err);
/* After every instance made in it is deleted (a pool with live instances
 * is left as it is, reservation and all). */
KILN_API void kiln_pool_delete(kiln_pool *pool);
/* How many of its instances are live. */
KILN_API uint32_t kiln_pool_live(kiln_pool *pool);
/* kiln_instance_new in a pool: also KILN_ERR_NOMEM "pool exhausted" when
 * max_instances are live.  kiln_instance_delete gives the slot back. */
KILN_API kiln_status kiln_instance_new_pooled(kiln_pool *pool, kiln_module *module,
					      const kiln_extern *imports, size_t nimports,
					      kiln_instance **out_instance,
					      kiln_trap_kind *out_trap, kiln_error *err);

/* What one instance may use, set when it is made: the same whether the
 * module was compiled by an engine or loaded from an artifact.  A field 0
 * takes the default: for a module compiled by an engine, its kiln_config's
 * (max_memory_pages, max_table_elements, stack_size, max_memory64_pages);
 * for one loaded from an artifact, none (the type's maximum),
 * KILN_DEFAULT_MAX_TABLE_ELEMENTS, 1 MiB and KILN_DEFAULT_MAX_MEMORY64_PAGES.  A pool's limits (kiln_pool_config) lower each further. */
typedef struct kiln_instance_limits {
	/* 64 KiB pages each of the instance's own memories may have, below
	 * what its type allows (memory.grow returns -1 past it; a larger
	 * minimum fails instantiation with KILN_ERR_NOMEM). */
	uint32_t max_memory_pages;
	/* Elements all the instance's own tables may have together (see
	 * kiln_config.max_table_elements); UINT32_MAX: only each table's own
	 * 10,000,000. */
	uint32_t max_table_elements;
	/* Stack a call into the instance may use before "call stack
	 * exhausted", in bytes, from the thread's outermost entry into wasm;
	 * never more than the thread's own stack leaves (less a margin for
	 * host code): a larger value is cut to that. */
	size_t stack_size;
	/* 64 KiB pages each of the instance's own 64-bit memories may have
	 * (see kiln_config.max_memory64_pages; max_memory_pages, when set,
	 * lowers it).  0: the code's, else KILN_DEFAULT_MAX_MEMORY64_PAGES. */
	uint32_t max_memory64_pages;
	/* Exceptions the instance may hold at once: thrown and not yet
	 * freed (in flight, held by a catch, or an exnref value, which
	 * lives as long as the instance); a throw past it traps with
	 * KILN_TRAP_TOO_MANY_EXCEPTIONS.  0: KILN_DEFAULT_MAX_EXCEPTIONS. */
	uint32_t max_exceptions;
} kiln_instance_limits;

#define KILN_DEFAULT_MAX_EXCEPTIONS 1000000u

/* kiln_instance_new (pool NULL) or kiln_instance_new_pooled, with limits
 * (NULL: the defaults). */
KILN_API kiln_status kiln_instance_new_limited(kiln_pool *pool, kiln_module *module,
					       const kiln_extern *imports, size_t nimports,
					       const kiln_instance_limits *limits,
					       kiln_instance **out_instance,
					       kiln_trap_kind *out_trap, kiln_error *err);

/* A pre-linked instance template (wasmtime's InstancePre): a module with
 * its imports resolved and type-checked once, so that each instance made
 * from it skips both.  The imports (copied as handles) must outlive it;
 * the module too.  Instantiating from it is thread-safe as far as the
 * imports are (host functions and WASI instances are per thread). */
typedef struct kiln_instance_pre kiln_instance_pre;
/* Fails as kiln_instance_new does before creating anything. */
KILN_API kiln_status kiln_instance_pre_new(kiln_module *module, const kiln_extern *imports,
					   size_t nimports, kiln_instance_pre **out,
					   kiln_error *err);
KILN_API void kiln_instance_pre_delete(kiln_instance_pre *pre);
KILN_API kiln_module *kiln_instance_pre_module(const kiln_instance_pre *pre);
/* kiln_instance_new (pool NULL) or kiln_instance_new_pooled with the
 * template's imports, without the checks. */
KILN_API kiln_status kiln_instance_pre_instantiate(kiln_instance_pre *pre, kiln_pool *pool,
						   kiln_instance **out_instance,
						   kiln_trap_kind *out_trap, kiln_error *err);
/* The same with limits (NULL: the defaults), as kiln_instance_new_limited. */
KILN_API kiln_status kiln_instance_pre_instantiate_limited(kiln_instance_pre *pre,
							   kiln_pool *pool,
							   const kiln_instance_limits *limits,
							   kiln_instance **out_instance,
							   kiln_trap_kind *out_trap,
							   kiln_error *err);
/* Looks up an export by name; false when there is none. */
KILN_API bool kiln_instance_export(kiln_instance *instance, kiln_name name,
				   kiln_extern *out);

/* The type of an extern (functions: the signature; tables, memories: the
 * current limits; globals: type and mutability). */
KILN_API kiln_externtype kiln_extern_type(kiln_extern ext);

/* Where a trap happened: the wasm functions on the stack, innermost
 * first.  Functions of the called function's module are named (from the
 * `name` section; name.data is NULL without one); frames of other modules
 * have func_index UINT32_MAX.  Each frame says where it was: the byte
 * offset in the module of the instruction (the trapping one in frame 0,
 * the call in the others), and the same from the start of the function's
 * code entry (its local declarations, after the entry's size), as
 * wasmtime counts.  KILN_UNKNOWN_OFFSET in both when kiln cannot tell
 * (docs/architecture.md, "Code offsets in trap backtraces"): never a
 * wrong one. */
#define KILN_MAX_TRAP_FRAMES 16
#define KILN_UNKNOWN_OFFSET UINT32_MAX
typedef struct kiln_trap_info {
	kiln_trap_kind kind;
	uint32_t nframes;
	struct {
		uint32_t func_index;
		kiln_name name;
		uint32_t module_offset;
		uint32_t func_offset;
	} frames[KILN_MAX_TRAP_FRAMES];
	/* The instance whose functions the frames' indices name: the called
	 * function's (a host function's: its caller's, when called from
	 * wasm); NULL when there is none. */
	kiln_instance *instance;
	/* With KILN_ERR_EXCEPTION (kind KILN_TRAP_UNCAUGHT_EXCEPTION): the
	 * exception, the caller's to kiln_exception_delete (the frames are
	 * where it was thrown).  NULL otherwise. */
	struct kiln_exception *exception;
} kiln_trap_info;

/* A wasm exception that left a call uncaught: its tag (an extern of kind
 * KILN_EXTERN_TAG, valid while the instance or host tag that defines it
 * lives) and its values, the tag's parameters. */
typedef struct kiln_exception kiln_exception;
KILN_API kiln_extern kiln_exception_tag(const kiln_exception *exception);
KILN_API const kiln_val *kiln_exception_values(const kiln_exception *exception,
					       size_t *out_count);
KILN_API void kiln_exception_delete(kiln_exception *exception);

/* Calls a function extern.  `args` must match its parameters in number and
 * type, and `results` have room for its results.  Returns KILN_OK when the
 * call returned, KILN_ERR_TRAP (with *out_trap_info filled, when non-NULL:
 * the kind and where) when it trapped, KILN_ERR_EXCEPTION when a wasm
 * exception left it uncaught (*out_trap_info as for a trap, kind
 * KILN_TRAP_UNCAUGHT_EXCEPTION, with the exception to delete), KILN_ERR_ARG
 * on mismatched arguments.  (Instantiation's out_trap is the kind alone,
 * an uncaught exception of the start function included; see
 * kiln_instance_init_trap for its frames.) */
KILN_API kiln_status kiln_func_call(kiln_extern func, const kiln_val *args,
				    size_t nargs, kiln_val *results,
				    size_t nresults, kiln_trap_info *out_trap_info,
				    kiln_error *err);

/* The trap that ended the instantiation which returned `instance` with
 * KILN_ERR_TRAP (any of the kiln_instance_new family): its kind and
 * frames as kiln_func_call reports a call's, named by the instance's
 * module (a start function's; a trap initialising a segment has none).
 * false, and *out_trap_info the kind KILN_TRAP_NONE, when instantiation
 * did not trap. */
KILN_API bool kiln_instance_init_trap(const kiln_instance *instance,
				      kiln_trap_info *out_trap_info);

/* Epoch interruption (wasmtime's design): code compiled with
 * kiln_config.epoch_interruption (`kiln compile --epoch-interruption`)
 * checks, at every function entry and loop header, whether the process's
 * epoch has reached its instance's deadline, and then traps with
 * KILN_TRAP_INTERRUPTED.  The epoch moves only when kiln_epoch_increment is
 * called: from any thread or a signal handler (one atomic add), e.g. by a
 * timer thread every few milliseconds. */
KILN_API void kiln_epoch_increment(void);
KILN_API uint64_t kiln_epoch_now(void);
/* The instance's calls trap once the epoch is `ticks` past its value now
 * (0: at the next check); UINT64_MAX: never, the default.  Fails with
 * KILN_ERR_UNSUPPORTED when the module was compiled without the checks.
 * Call it between calls or from a host function of the instance.
 *
 * A deadline also ends the WASI calls that block (poll_oneoff, fd_read and
 * fd_write on pipes, sockets and terminals, sock_accept, sock_recv,
 * sock_send): while the running call has a deadline they wait in slices of
 * 10 ms, check it between slices and trap "interrupted" once the epoch
 * reaches it.  The running call's deadline is that of the instance it was
 * entered through (kiln_func_call's function's, or the instance being
 * made while its start function runs).  So that no call blocks past the
 * deadline in the kernel, under a deadline a write to such a descriptor
 * may be short (at most PIPE_BUF bytes at a time, as sock_send what fits)
 * and sock_recv with both RECV_PEEK and RECV_WAITALL returns what is
 * there. */
KILN_API kiln_status kiln_instance_set_epoch_deadline(kiln_instance *instance,
						      uint64_t ticks, kiln_error *err);

/* The deadline instances made on the calling thread from now on start
 * with: `ticks` past the epoch now, as kiln_instance_set_epoch_deadline
 * (UINT64_MAX: none, the default).  This is how instantiation is bounded:
 * the start function runs under it (trapping KILN_TRAP_INTERRUPTED, so
 * that kiln_instance_new fails with KILN_ERR_TRAP), and the instance keeps
 * it for its calls afterwards until kiln_instance_set_epoch_deadline
 * changes it.  Code compiled without epoch_interruption does not check
 * it, but its blocking WASI calls do.  Thread-local; instances already
 * made are untouched. */
KILN_API void kiln_thread_set_epoch_deadline(uint64_t ticks);

/* Fuel (code compiled with kiln_config.fuel_metering, `kiln compile
 * --fuel-metering`): an instance starts with INT64_MAX units; set_fuel
 * gives it `fuel`, get_fuel says how much is left (0 after "all fuel
 * consumed").  Both fail with KILN_ERR_UNSUPPORTED for code without
 * metering, KILN_ERR_ARG for fuel over INT64_MAX.  Between calls or from a
 * host function of the instance. */
KILN_API kiln_status kiln_instance_set_fuel(kiln_instance *instance, uint64_t fuel,
					    kiln_error *err);
KILN_API kiln_status kiln_instance_get_fuel(kiln_instance *instance, uint64_t *out_fuel,
					    kiln_error *err);
/* The fuel instances made on the calling thread from now on start with:
 * their start function runs on it (ending with KILN_TRAP_OUT_OF_FUEL, so
 * that instantiation fails with KILN_ERR_TRAP, when it runs out), and the
 * instance keeps what is left.  Over INT64_MAX (e.g. UINT64_MAX): as
 * much as there is, the default.  Code compiled without fuel metering
 * ignores it.  Thread-local; instances already made are untouched. */
KILN_API void kiln_thread_set_fuel(uint64_t fuel);
/* Reads a global extern's value. */
KILN_API kiln_val kiln_global_get(kiln_extern global);
/* Writes a mutable global; KILN_ERR_ARG for an immutable one or a value
 * of another type. */
KILN_API kiln_status kiln_global_set(kiln_extern global, kiln_val value,
				     kiln_error *err);

/* A table extern's size, and its elements (funcref values are function
 * externs' handles; externref values are the host's pointers).  Get and
 * set fail with KILN_ERR_ARG past the end or for a value of another type. */
KILN_API uint32_t kiln_table_size(kiln_extern table);
KILN_API kiln_status kiln_table_get(kiln_extern table, uint32_t index,
				    kiln_val *out, kiln_error *err);
KILN_API kiln_status kiln_table_set(kiln_extern table, uint32_t index,
				    kiln_val value, kiln_error *err);

/* A memory extern's bytes and size (valid until the memory grows). */
KILN_API uint8_t *kiln_memory_data(kiln_extern memory, size_t *out_size);

/* Grows a memory extern by `delta` 64 KiB pages, as memory.grow does
 * (within its type's maximum and its instance's max_memory_pages), zeroed;
 * *out_old (when non-NULL) receives the size before.  KILN_ERR_LIMIT past
 * the maximum, KILN_ERR_NOMEM when the pages cannot be committed,
 * KILN_ERR_ARG for another kind of extern.  Not while the memory's
 * instance runs on another thread; kiln_memory_data's pointer stays valid
 * (the base never moves) but its size changes. */
KILN_API kiln_status kiln_memory_grow_by(kiln_extern memory, uint32_t delta,
					 uint32_t *out_old, kiln_error *err);
/* Grows a table extern by `delta` elements set to `init` (of the table's
 * element type), as table.grow does; *out_old as above.  KILN_ERR_LIMIT
 * past its maximum or its instance's max_table_elements, KILN_ERR_ARG for
 * another kind of extern or a value of another type. */
KILN_API kiln_status kiln_table_grow_by(kiln_extern table, uint32_t delta, kiln_val init,
					uint32_t *out_old, kiln_error *err);

/* ------------------------------------------- host globals, tables, memories
 * Made by the host rather than by an instance, to be imported by
 * instances (which keep pointers to them: delete these after those) and
 * used with the extern functions above.  The types are copied.  Like
 * instances, single-threaded. */

typedef struct kiln_host_global kiln_host_global;
/* A global of `type` holding `init` (of type->type); KILN_ERR_ARG for a
 * value of another type or a v128 global, KILN_ERR_NOMEM. */
KILN_API kiln_status kiln_host_global_new(const kiln_globaltype *type, kiln_val init,
					  kiln_host_global **out, kiln_error *err);
KILN_API void kiln_host_global_delete(kiln_host_global *global);
KILN_API kiln_extern kiln_host_global_extern(kiln_host_global *global);

/* A tag the host defines, for modules to import (exception handling):
 * exceptions of it carry values of `type`'s parameters (its results must
 * be empty).  Delete it after every instance importing it. */
typedef struct kiln_host_tag kiln_host_tag;
KILN_API kiln_status kiln_host_tag_new(const kiln_functype *type, kiln_host_tag **out,
				       kiln_error *err);
KILN_API void kiln_host_tag_delete(kiln_host_tag *tag);
KILN_API kiln_extern kiln_host_tag_extern(kiln_host_tag *tag);

typedef struct kiln_host_memory kiln_host_memory;
/* A memory of type->limits.min pages (zeroed), growable to its maximum
 * (65536 pages without one); reserves 8 GiB of address space as an
 * instance's memory does.  KILN_ERR_ARG for limits out of range,
 * KILN_ERR_NOMEM. */
KILN_API kiln_status kiln_host_memory_new(const kiln_memtype *type, kiln_host_memory **out,
					  kiln_error *err);
KILN_API void kiln_host_memory_delete(kiln_host_memory *memory);
KILN_API kiln_extern kiln_host_memory_extern(kiln_host_memory *memory);

typedef struct kiln_host_table kiln_host_table;
/* A table of type->limits.min elements set to `init` (its element type:
 * a function extern's handle or NULL for funcref, the host's pointer for
 * externref).  KILN_ERR_ARG for a bad type or value, KILN_ERR_LIMIT over
 * 10,000,000 elements, KILN_ERR_NOMEM. */
KILN_API kiln_status kiln_host_table_new(const kiln_tabletype *type, kiln_val init,
					 kiln_host_table **out, kiln_error *err);
KILN_API void kiln_host_table_delete(kiln_host_table *table);
KILN_API kiln_extern kiln_host_table_extern(kiln_host_table *table);

/* ---------------------------------------------------------- host functions */

/* What a host function is called with: who called it, and its env. */
typedef struct kiln_caller kiln_caller;

/* The instance whose code called (NULL when called through the API). */
KILN_API kiln_instance *kiln_caller_instance(kiln_caller *caller);
/* The env pointer given to kiln_host_func_new. */
KILN_API void *kiln_caller_env(kiln_caller *caller);
/* The calling instance's memory 0: its bytes and size, or NULL. */
KILN_API uint8_t *kiln_caller_memory(kiln_caller *caller, size_t *out_size);
/* Ends the wasm call with KILN_TRAP_HOST; does not return.  Nested
 * calls unwind to the innermost kiln_func_call (or instantiation).  The
 * trap's frames (kiln_trap_info) are the wasm functions that called the
 * host function, the innermost at its call. */
KILN_API __attribute__((noreturn)) void kiln_caller_trap(kiln_caller *caller);
/* Throws a wasm exception of `tag` carrying `values` (the tag's
 * parameters, in number and type) from the host function: the wasm code
 * that called it may catch it; uncaught, the call fails with
 * KILN_ERR_EXCEPTION.  Does not return.  A bad tag or values make it a
 * host trap instead.  kiln_caller_rethrow throws an exception a nested
 * kiln_func_call returned, and deletes it. */
KILN_API __attribute__((noreturn)) void kiln_caller_throw(kiln_caller *caller, kiln_extern tag,
							  const kiln_val *values, size_t count);
KILN_API __attribute__((noreturn)) void kiln_caller_rethrow(kiln_caller *caller,
							    kiln_exception *exception);

/* Native form: `fn` has the C signature that follows from `type`:
 *   R fn(kiln_caller *caller, P1 p1, ...)
 * with i32 -> int32_t, i64 -> int64_t, f32 -> float, f64 -> double,
 * references -> void *, and R void for no result.  Compiled code calls it
 * directly. */
typedef void (*kiln_native_fn)(void);
/* Generic form: arguments and results as arrays of values. */
typedef void (*kiln_generic_fn)(kiln_caller *caller, const kiln_val *args,
				kiln_val *results);

typedef struct kiln_host_func kiln_host_func;

/* Creates a host function of type `type` (copied) from a native function
 * (`native`) or a generic one (`generic`: libffi builds the native entry);
 * exactly one must be non-NULL.  At most one result for now
 * (KILN_ERR_UNSUPPORTED otherwise).  The function outlives the instances
 * that import it; delete it after them.  Its extern (kiln_host_func_extern)
 * can be imported or called with kiln_func_call. */
KILN_API kiln_status kiln_host_func_new(const kiln_functype *type, kiln_native_fn native,
					kiln_generic_fn generic, void *env,
					kiln_host_func **out, kiln_error *err);
KILN_API void kiln_host_func_delete(kiln_host_func *func);
KILN_API kiln_extern kiln_host_func_extern(kiln_host_func *func);

/* ---------------------------------------------------------------- linker */

/* Names externs by module and name, then instantiates modules with them.
 * Keeps pointers to what is defined (not copies): definitions must outlive
 * the linker's uses.  Not thread-safe. */
typedef struct kiln_linker kiln_linker;

KILN_API kiln_status kiln_linker_new(kiln_linker **out, kiln_error *err);
KILN_API void kiln_linker_delete(kiln_linker *linker);
/* Defines module.name; a later definition of the same name wins. */
KILN_API kiln_status kiln_linker_define(kiln_linker *linker, const char *module,
					const char *name, kiln_extern ext,
					kiln_error *err);
/* Defines every export of `instance` under `module`. */
KILN_API kiln_status kiln_linker_define_instance(kiln_linker *linker, const char *module,
						 kiln_instance *instance, kiln_error *err);
/* Resolves the module's imports (KILN_ERR_LINK "unknown import" when one
 * is not defined) and instantiates it as kiln_instance_new does. */
KILN_API kiln_status kiln_linker_instantiate(kiln_linker *linker, kiln_module *module,
					     kiln_instance **out_instance,
					     kiln_trap_kind *out_trap, kiln_error *err);
/* Resolves the module's imports as kiln_linker_instantiate does, into a
 * template (kiln_instance_pre_new). */
KILN_API kiln_status kiln_linker_instantiate_pre(kiln_linker *linker, kiln_module *module,
						 kiln_instance_pre **out, kiln_error *err);

/* The spec testsuite's host module "spectest": print functions
 * (print, print_i32, print_i64, print_f32, print_f64, print_i32_f32,
 * print_f64_f64), global_i32/i64/f32/f64 (666 / 666.6), a funcref table of
 * 10..20 and a memory of 1..2 pages. */
KILN_API kiln_status kiln_spectest_new(kiln_instance **out_instance,
				       kiln_error *err);

/* ------------------------------------------------------------------- AOT */

/* Compiles every function of a (validated) module ahead of time for this
 * machine, with the engine's options, into a .kwasm artifact: a header
 * (format, kiln and LLVM versions, target triple, CPU and features, code
 * options, SHA-256 of the module), the module's bytes and relocatable
 * ELF objects (one, or one per part of a large module).  *out is malloc'd; the caller frees it.  Provided by
 * kiln-compiler.  kiln_module_load loads it back. */
KILN_API kiln_status kiln_module_serialize(kiln_engine *engine, kiln_module *module,
					   uint8_t **out, size_t *out_len, kiln_error *err);

/* The code-cache key of a module for this engine and machine: SHA-256 over
 * the module's bytes, the kiln and LLVM versions, the artifact format, the
 * target, CPU and features, and the options that change code, as 64 hex
 * digits and a NUL.  For the host (no target CPU but "native", no feature
 * list) the CPU is named by its CPUID words and no LLVM is loaded; an
 * explicit target asks LLVM ("cannot load the compiler" without it).
 * Provided by kiln-compiler. */
KILN_API kiln_status kiln_cache_key(kiln_engine *engine, const uint8_t *bytes, size_t len,
				    char out_key[65], kiln_error *err);

#define KILN_ARTIFACT_MAX_OBJECTS 64
/* kiln_config.aot_part_bytes's defaults. */
#define KILN_AOT_SPLIT_BYTES (128u << 10)
#define KILN_AOT_PART_BYTES (32u << 10)

/* What an artifact's header says; strings point into the artifact bytes
 * and are not NUL-terminated. */
typedef struct kiln_artifact_desc {
	uint32_t format, opt_level;
	bool epoch_interruption;	/* the code checks epoch deadlines */
	bool fuel_metering;		/* the code charges fuel */
	uint32_t module_features;	/* KILN_FEATURE_* bits the module uses */
	kiln_name kiln_version, llvm_version, triple, cpu, features;
	uint8_t module_sha256[32];
	size_t module_size;
	/* A signed artifact (kiln_artifact_sign) names its signer by the
	 * SHA-256 of the raw Ed25519 public key; the signature itself is
	 * checked by kiln_module_load_verified, not here. */
	bool is_signed;
	uint8_t signer_fingerprint[32];
	/* The relocatable ELF objects, one per part compiled in parallel. */
	uint32_t nobjects;
	struct {
		size_t offset, size;
	} objects[KILN_ARTIFACT_MAX_OBJECTS];
} kiln_artifact_desc;

/* Loads an artifact written by kiln_module_serialize: checks its header,
 * the SHA-256 of its module, every index the runtime takes from the
 * module and every offset, size and symbol of its objects, decodes the
 * module and links its objects (x86-64 PC32, PLT32 and 64 relocations;
 * anything else is refused by name).  The result is a compiled module,
 * ready for kiln_instance_new, made with no compiler: provided by
 * kiln-runtime.  Malformed artifacts fail with KILN_ERR_MALFORMED, those
 * of another kiln or machine with KILN_ERR_UNSUPPORTED.  The bytes may be
 * freed afterwards.
 *
 * An artifact is native code, and its code runs with the rights of the
 * process: load only artifacts you trust, as you would a shared library.
 * The checks above find damage, not intent — whoever can write an artifact
 * (and recompute its checksums) can make it do anything.  To refuse
 * artifacts you did not build, sign them (kiln_artifact_sign) and load them
 * with kiln_module_load_verified. */
KILN_API kiln_status kiln_module_load(const uint8_t *bytes, size_t len,
				      kiln_module **out_module, kiln_error *err);

/* An Ed25519 key (OpenSSL libcrypto): a private key signs and verifies, a
 * public key verifies.  Immutable once made: may be shared by threads. */
typedef struct kiln_key kiln_key;

/* Reads a PEM private key ("-----BEGIN PRIVATE KEY-----", as made by
 * `openssl genpkey -algorithm ed25519`) or public key ("-----BEGIN PUBLIC
 * KEY-----", `openssl pkey -pubout`), unencrypted, from `len` bytes
 * (copied).  KILN_ERR_ARG when the bytes hold no Ed25519 key. */
KILN_API kiln_status kiln_key_from_pem(const char *pem, size_t len, kiln_key **out_key,
				       kiln_error *err);
/* Frees a key; NULL is a no-op. */
KILN_API void kiln_key_delete(kiln_key *key);
/* The key's fingerprint: the SHA-256 of its raw 32-byte public key, as
 * kiln_artifact_desc.signer_fingerprint shows it. */
KILN_API void kiln_key_fingerprint(const kiln_key *key, uint8_t out[32]);

/* Signs an artifact with a private key: *out (malloc'd, the caller frees
 * it) is the artifact with a signature block at its end, replacing any it
 * had.  The signature covers every byte of the artifact but the block.
 * KILN_ERR_ARG for a public key, KILN_ERR_MALFORMED for bytes that are not
 * a well-formed artifact, KILN_ERR_NOMEM. */
KILN_API kiln_status kiln_artifact_sign(const uint8_t *bytes, size_t len, const kiln_key *key,
					uint8_t **out, size_t *out_len, kiln_error *err);

/* kiln_module_load, after checking that the artifact is signed by `key`
 * (public or private): KILN_ERR_UNTRUSTED when it is unsigned, signed by
 * another key, or changed since it was signed; nothing in it is decoded
 * or mapped before the signature holds. */
KILN_API kiln_status kiln_module_load_verified(const uint8_t *bytes, size_t len,
					       const kiln_key *key, kiln_module **out_module,
					       kiln_error *err);

/* true when the bytes start like an artifact (magic only). */
KILN_API bool kiln_is_artifact(const uint8_t *bytes, size_t len);
/* Checks an artifact's header and every range in it (KILN_ERR_MALFORMED
 * with the problem otherwise) and describes it. */
KILN_API kiln_status kiln_artifact_describe(const uint8_t *bytes, size_t len,
					    kiln_artifact_desc *out, kiln_error *err);

/* ------------------------------------------------------------------ WASI */

/* A directory the program may use, and the name it sees it under. */
typedef struct kiln_wasi_dir {
	const char *host;
	const char *guest;
} kiln_wasi_dir;

typedef struct kiln_wasi_config {
	int argc;
	const char *const *argv;	/* the program's arguments, argv[0] first */
	int envc;
	const char *const *envp;	/* "NAME=value" strings */
	int ndirs;
	const kiln_wasi_dir *dirs;	/* preopened directories (fds 3, 4...) */
	int nsockets;
	const int *sockets;		/* listening sockets, after the dirs (duplicated) */
	/* In-memory standard streams, for a program run per request (as
	 * `kiln serve` does).  With stdin_bytes non-NULL, fd 0 reads these
	 * stdin_len bytes and then end of file; they are not copied and must
	 * stay until the WASI instance is deleted or reset.  With stdout_write
	 * non-NULL, what the program writes to fd 1 is passed to it, on the
	 * calling thread (false fails the write with EIO).  Such streams look
	 * like pipes, not terminals.  NULL: the host's fd 0 / fd 1.  fd 2 is
	 * always the host's stderr. */
	const uint8_t *stdin_bytes;
	size_t stdin_len;
	bool (*stdout_write)(void *data, const uint8_t *bytes, size_t len);
	void *stdout_data;
} kiln_wasi_config;

/* A host instance exporting WASI preview1 ("wasi_snapshot_preview1"):
 * arguments, environment, clocks, random_get, poll_oneoff (clock and fd
 * subscriptions), sched_yield, proc_exit, the standard streams, and files
 * and directories under the preopened directories (every fd_* and path_*
 * function).  Path resolution never
 * leaves a preopen (openat2 with RESOLVE_BENEATH): not with "..",
 * absolute paths or symlinks.  Preopened listening sockets serve
 * sock_accept, sock_recv, sock_send and sock_shutdown.  The configuration is copied.  After
 * instantiating the module, bind its exported memory with
 * kiln_wasi_set_memory.  Delete it with kiln_instance_delete, after the
 * instances that import from it.  Fails with KILN_ERR_IO when a directory
 * cannot be opened. */
KILN_API kiln_status kiln_wasi_new(const kiln_wasi_config *config,
				   kiln_instance **out_wasi, kiln_error *err);
/* Makes a WASI instance new again with another configuration (the
 * descriptors it had are closed, its exit code is 0, its memory unbound),
 * keeping its function externs: instances linked to it once (e.g. through
 * a kiln_instance_pre) can be made again without linking.  Only while no
 * instance using it is running.  On failure (KILN_ERR_NOMEM, KILN_ERR_IO)
 * it has no descriptors. */
KILN_API kiln_status kiln_wasi_reset(kiln_instance *wasi, const kiln_wasi_config *config,
				     kiln_error *err);
KILN_API void kiln_wasi_set_memory(kiln_instance *wasi, kiln_extern memory);
/* After a call ended with KILN_TRAP_EXIT: the code passed to proc_exit. */
KILN_API int kiln_wasi_exit_code(kiln_instance *wasi);

/* ----------------------------------------------------------- wasi-threads */

/* wasi-threads: the import "wasi" "thread-spawn" (param i32) (result i32).
 * A spawn makes a new instance of the module on a new OS thread, with the
 * same imports (the one shared memory, the same WASI instance), and calls
 * its export "wasi_thread_start" (param i32 i32) with a thread id (1 to
 * 0x1fffffff, unique among live threads) and the spawn's argument.  A
 * spawn that cannot be made (the thread limit, no memory, no OS thread,
 * instantiation failing) returns -1.
 *
 * The steps: kiln_wasi_threads_new for the module (it makes the shared
 * memory the module imports, of the import's type); resolve the module's
 * imports with kiln_wasi_threads_import (the spawn function and that
 * memory) and the host's own (WASI's); kiln_wasi_threads_set_imports with
 * the whole list, which every spawned instance gets; instantiate the
 * module and call "_start" as usual.
 *
 * A trap or proc_exit in a spawned thread ends that thread and calls
 * on_exit on it (trap->kind KILN_TRAP_EXIT for proc_exit, with its code
 * in exit_code): wasi-threads says the whole program ends then, which a
 * command line does by exiting the process (kiln run does).  Nothing
 * stops the other threads otherwise.  Each spawned instance starts with
 * its spawner's epoch deadline and with `fuel`. */
#define KILN_WASI_THREADS_DEFAULT_MAX 256
#define KILN_WASI_THREADS_LIMIT 4096
typedef struct kiln_wasi_threads kiln_wasi_threads;
typedef struct kiln_wasi_threads_config {
	/* Spawned threads live at once (1 to KILN_WASI_THREADS_LIMIT);
	 * 0: KILN_WASI_THREADS_DEFAULT_MAX.  A spawn past it returns -1. */
	uint32_t max_threads;
	/* Each spawned instance's limits (kiln_instance_limits); its
	 * stack_size (0: 1 MiB) is also the OS thread's stack, with
	 * KILN_WASI_THREADS_HOST_STACK more for host code. */
	kiln_instance_limits limits;
	uint64_t fuel;		/* each spawned instance's; 0: as much as there is */
	void (*on_exit)(void *data, const kiln_trap_info *trap, int exit_code);
	void *data;
} kiln_wasi_threads_config;
#define KILN_WASI_THREADS_HOST_STACK ((size_t)1 << 20)

/* For `module` (compiled, which must outlive it), with WASI instance
 * `wasi` (may be NULL).  KILN_ERR_LINK when the module imports no shared
 * memory ("wasi-threads needs the module to import a shared memory") or
 * does not export wasi_thread_start (param i32 i32); KILN_ERR_ARG for a
 * bad configuration; KILN_ERR_NOMEM. */
KILN_API kiln_status kiln_wasi_threads_new(kiln_module *module, kiln_instance *wasi,
					   const kiln_wasi_threads_config *config,
					   kiln_wasi_threads **out, kiln_error *err);
/* Resolves import `index` of the module when wasi-threads provides it:
 * "wasi" "thread-spawn", and the shared memory import.  false otherwise. */
KILN_API bool kiln_wasi_threads_import(kiln_wasi_threads *threads, size_t index,
				       kiln_extern *out);
/* The imports (one per import of the module, copied) every spawned
 * instance is made with; before the first spawn. */
KILN_API kiln_status kiln_wasi_threads_set_imports(kiln_wasi_threads *threads,
						   const kiln_extern *imports, size_t nimports,
						   kiln_error *err);
/* The shared memory (to bind WASI to: kiln_wasi_set_memory). */
KILN_API kiln_extern kiln_wasi_threads_memory(kiln_wasi_threads *threads);
/* Spawned threads still running wasm (or being spawned); those that
 * returned from it may still be deleting their instance. */
KILN_API uint32_t kiln_wasi_threads_running(kiln_wasi_threads *threads);
/* Waits at most `ms` milliseconds for the spawned threads to be out of
 * wasm; whether they are.  For a program whose main thread returned:
 * workers it joined are returning too, and a moment lets them finish
 * (kiln run gives them KILN_WASI_THREADS_SETTLE_MS before it exits
 * without them). */
#define KILN_WASI_THREADS_SETTLE_MS 100
KILN_API bool kiln_wasi_threads_settle(kiln_wasi_threads *threads, uint32_t ms);
/* Waits for every spawned thread to end, then frees everything; the
 * memory goes with the last instance that imports it.  NULL is a no-op. */
KILN_API void kiln_wasi_threads_delete(kiln_wasi_threads *threads);

#ifdef __cplusplus
}
#endif

#endif /* KILN_H */
