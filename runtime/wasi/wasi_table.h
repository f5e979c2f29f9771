/*
 * wasi_table.h — a table of WASI functions made from one list: an X-macro
 * template that wasi.c and wasi_fs.c each include once, after their
 * functions (no include guard, on purpose).
 *
 * The includer defines WASI_FUNCS(X), one
 * X(result, "export name", function, (CTX, parameter types...)) per
 * function, with the types written i32 and i64 and the result i32 or
 * none; and WASI_TABLE and WASI_NFUNCS, the names of the table and of its
 * length.  Each function is declared again from its row, so that a
 * definition of another signature does not compile, and each row's counts
 * come from its list: nothing is counted by hand.  CTX stands for the
 * kiln_vmctx * every function takes first; in the table it is a
 * placeholder element before the wasm parameters, which keeps a function
 * without parameters (sched_yield) valid C.
 */

#define CTX kiln_vmctx *
#define i32 int32_t
#define i64 int64_t
#define WASI_RESULT_i32 int32_t
#define WASI_RESULT_none void
#define WASI_DECLARE(result, name, fn, params) static WASI_RESULT_##result fn params;
WASI_FUNCS(WASI_DECLARE)
#undef CTX
#undef i32
#undef i64

#define CTX KILN_I32
#define i32 KILN_I32
#define i64 KILN_I64
#define WASI_TYPES(...) ((const kiln_valtype[]){__VA_ARGS__})
#define WASI_NRESULTS_i32 1
#define WASI_NRESULTS_none 0
#define WASI_RESULTS_i32 WASI_TYPES(KILN_I32)
#define WASI_RESULTS_none NULL
#define WASI_ROW(result, name, fn, params)						\
	{name, (void *)fn, {KILN_ARRAY_LEN(WASI_TYPES params) - 1, WASI_NRESULTS_##result,	\
			    WASI_TYPES params + 1, WASI_RESULTS_##result}},

const wasi_func WASI_TABLE[] = {WASI_FUNCS(WASI_ROW)};
const size_t WASI_NFUNCS = KILN_ARRAY_LEN(WASI_TABLE);

#undef CTX
#undef i32
#undef i64
#undef WASI_RESULT_i32
#undef WASI_RESULT_none
#undef WASI_DECLARE
#undef WASI_TYPES
#undef WASI_NRESULTS_i32
#undef WASI_NRESULTS_none
#undef WASI_RESULTS_i32
#undef WASI_RESULTS_none
#undef WASI_ROW
#undef WASI_FUNCS
#undef WASI_TABLE
#undef WASI_NFUNCS
