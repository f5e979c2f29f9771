/*
 * test_runtime.c — the runtime core under compiled code: linear memory
 * reservations, the trap catcher and the fault handler.  (Traps raised by
 * compiled code are tested through it once lowering exists; here the
 * runtime's half is driven directly.)  And the life of a module's
 * compiled-code object.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "code.h"
#include "cpu.h"
#include "memory.h"
#include "module.h"
#include "trap.h"
#include "unit.h"

START_TEST(memory_grows_within_limits)
{
	kiln_memory_rt mem;
	kiln_error err;

	ck_assert(kiln_memory_init(&mem, 1, 3, false, &err));
	ck_assert_uint_eq(mem.size, KILN_PAGE_SIZE);
	mem.base[0] = 1;
	mem.base[KILN_PAGE_SIZE - 1] = 2;
	ck_assert_uint_eq(kiln_memory_grow(&mem, 0), 1);
	ck_assert_uint_eq(kiln_memory_grow(&mem, 2), 1);
	ck_assert_uint_eq(mem.pages, 3);
	mem.base[3 * KILN_PAGE_SIZE - 1] = 3;		/* now accessible */
	ck_assert_uint_eq(mem.base[0], 1);		/* contents kept */
	ck_assert_uint_eq(mem.base[2 * KILN_PAGE_SIZE], 0);	/* new pages zeroed */
	ck_assert_uint_eq(kiln_memory_grow(&mem, 1), UINT32_MAX);
	ck_assert_uint_eq(mem.pages, 3);
	kiln_memory_free(&mem);
	kiln_memory_free(&mem);	/* a freed memory is zeroed: no-op */
	ck_assert(!kiln_memory_init(&mem, 2, 1, false, &err));
	ck_assert(!kiln_memory_init(&mem, KILN_MAX_PAGES + 1, KILN_MAX_PAGES + 1, false, &err));
}
END_TEST

typedef struct probe {
	kiln_memory_rt *mem;
	uint64_t offset;
	uint32_t kind;
	int value;
} probe;

static void touch(void *arg)
{
	probe *p = arg;
	volatile uint8_t *b = p->mem->base;

	p->value = b[p->offset];
}

static void raise_kind(void *arg)
{
	krt_trap_raise(((probe *)arg)->kind);
}

static void returns(void *arg)
{
	((probe *)arg)->value = 42;
}

/* The test's `touch` plays compiled code: faults count as traps only in
 * registered code. */
static void register_touch(void)
{
	ck_assert(krt_trap_register_code((void *)(uintptr_t)touch, 256));
}

/* Every trap kind, 10,000 times each, then a normal call: the process and
 * the catcher survive, and each call reports its own outcome. */
START_TEST(traps_do_not_kill)
{
	kiln_vmctx ctx = {0};
	kiln_memory_rt mem;
	kiln_error err;
	probe p = {0};

	register_touch();
	ck_assert(kiln_memory_init(&mem, 1, 1, false, &err));
	p.mem = &mem;
	for (uint32_t kind = 1; kind < KILN_TRAP_KIND_COUNT_; kind++) {
		p.kind = kind;
		for (int i = 0; i < 10000; i++)
			ck_assert_int_eq(kiln_trap_catch(&ctx, raise_kind, &p, NULL), kind);
	}
	/* Guard-page faults: just past the accessible page, and at the very
	 * end of the reservation. */
	for (int i = 0; i < 10000; i++) {
		p.offset = KILN_PAGE_SIZE + (uint64_t)i * 4096;
		ck_assert_int_eq(kiln_trap_catch(&ctx, touch, &p, NULL), KILN_TRAP_MEMORY_OOB);
	}
	p.offset = KILN_RESERVATION - 1;
	ck_assert_int_eq(kiln_trap_catch(&ctx, touch, &p, NULL), KILN_TRAP_MEMORY_OOB);
	p.offset = 10;
	mem.base[10] = 7;
	ck_assert_int_eq(kiln_trap_catch(&ctx, touch, &p, NULL), KILN_TRAP_NONE);
	ck_assert_int_eq(p.value, 7);
	ck_assert_int_eq(kiln_trap_catch(&ctx, returns, &p, NULL), KILN_TRAP_NONE);
	ck_assert_int_eq(p.value, 42);
	ck_assert(!kiln_trap_active());
	kiln_memory_free(&mem);
}
END_TEST

typedef struct nest {
	kiln_vmctx *ctx;
	uint32_t inner;
	uintptr_t limit_inside;
} nest;

static void inner_traps(void *arg)
{
	nest *n = arg;
	probe p = {.kind = KILN_TRAP_UNREACHABLE};

	n->limit_inside = n->ctx->stack_limit;
	n->inner = kiln_trap_catch(n->ctx, raise_kind, &p, NULL);
	/* The outer call goes on after the inner trap, then traps itself. */
	krt_trap_raise(KILN_TRAP_INTEGER_OVERFLOW);
}

START_TEST(nested_catches_and_stack_limit)
{
	kiln_vmctx ctx = {0};
	nest n = {&ctx, 0, 0};
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	ck_assert_int_eq(kiln_trap_catch(&ctx, inner_traps, &n, NULL),
			 KILN_TRAP_INTEGER_OVERFLOW);
	ck_assert_int_eq(n.inner, KILN_TRAP_UNREACHABLE);
	ck_assert_uint_lt(n.limit_inside, here);
	ck_assert_uint_gt(n.limit_inside, here - 2 * KILN_STACK_BUDGET);
	ck_assert_uint_eq(ctx.stack_limit, 0);	/* restored */
}
END_TEST

static sigjmp_buf host_env;
static volatile int host_faults;

static void host_handler(int sig)
{
	(void)sig;
	host_faults++;
	siglongjmp(host_env, 1);
}

static void touch_foreign(void *arg)
{
	*(volatile uint8_t *)arg = 1;
}

/* A host that handles its own SIGSEGV before kiln is loaded still gets its
 * faults — outside kiln calls, and inside them when the address is not in
 * a linear memory. */
START_TEST(host_handler_still_gets_its_faults)
{
	struct sigaction sa;
	kiln_vmctx ctx = {0};
	probe p = {0};
	uint8_t *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(page, MAP_FAILED);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = host_handler;
	sa.sa_flags = SA_NODEFER;
	ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
	/* kiln installs its handler on first use. */
	ck_assert_int_eq(kiln_trap_catch(&ctx, returns, &p, NULL), KILN_TRAP_NONE);
	if (sigsetjmp(host_env, 1) == 0)
		*(volatile uint8_t *)page = 1;
	ck_assert_int_eq(host_faults, 1);
	if (sigsetjmp(host_env, 1) == 0)
		kiln_trap_catch(&ctx, touch_foreign, page, NULL);
	ck_assert_int_eq(host_faults, 2);
	munmap(page, 4096);
}
END_TEST

/* A fault in a memory reservation by code that is not kiln's is not a
 * trap: it goes on to the handler installed before kiln (here the test's,
 * which counts it). */
START_TEST(foreign_code_fault_is_not_a_trap)
{
	struct sigaction sa;
	kiln_vmctx ctx = {0};
	kiln_memory_rt mem;
	kiln_error err;
	probe p = {0};

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = host_handler;
	sa.sa_flags = SA_NODEFER;
	ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
	ck_assert_int_eq(kiln_trap_catch(&ctx, returns, &p, NULL), KILN_TRAP_NONE);
	ck_assert(kiln_memory_init(&mem, 1, 1, false, &err));
	host_faults = 0;
	if (sigsetjmp(host_env, 1) == 0)
		kiln_trap_catch(&ctx, touch_foreign, mem.base + 2 * KILN_PAGE_SIZE, NULL);
	ck_assert_int_eq(host_faults, 1);
	kiln_memory_free(&mem);
}
END_TEST

START_TEST(trap_messages)
{
	ck_assert_str_eq(kiln_trap_message(KILN_TRAP_DIVIDE_BY_ZERO), "integer divide by zero");
	ck_assert_str_eq(kiln_trap_message(KILN_TRAP_MEMORY_OOB), "out of bounds memory access");
	ck_assert_str_eq(kiln_trap_message(KILN_TRAP_STACK_EXHAUSTED), "call stack exhausted");
	for (int k = 0; k < KILN_TRAP_KIND_COUNT_; k++)
		for (int j = 0; j < k; j++)
			ck_assert_str_ne(kiln_trap_message(k), kiln_trap_message(j));
	ck_assert_str_eq(kiln_trap_message(KILN_TRAP_KIND_COUNT_), "unknown trap");
}
END_TEST

/* Code ranges: 10,000 of them (the registry once held 4,096), registered
 * in a shuffled order, are each found at their first and last byte and
 * the gaps between them are not; removing every other one leaves the
 * rest.  A thread looks addresses up all the while, as the fault handler
 * does (under ASan this catches a retired array freed too early). */
#define NRANGES 10000
#define RANGE_STRIDE 64

static _Atomic bool lookups_stop;

static void *look_up(void *arg)
{
	uintptr_t base = (uintptr_t)arg;
	unsigned long found = 0;

	while (!atomic_load(&lookups_stop))
		for (uintptr_t i = 0; i < NRANGES; i += 97)
			found += kiln_trap_in_code(base + i * RANGE_STRIDE);
	return (void *)found;
}

START_TEST(code_ranges_grow)
{
	/* Addresses only: nothing is mapped there, nothing runs. */
	uintptr_t base = (uintptr_t)1 << 44;
	uint32_t *order = malloc(NRANGES * sizeof *order);
	pthread_t reader;

	ck_assert_ptr_nonnull(order);
	for (uint32_t i = 0; i < NRANGES; i++)
		order[i] = i;
	srand(17);
	for (uint32_t i = NRANGES - 1; i > 0; i--) {
		uint32_t j = (uint32_t)rand() % (i + 1), t = order[i];
		order[i] = order[j], order[j] = t;
	}
	atomic_store(&lookups_stop, false);
	ck_assert_int_eq(pthread_create(&reader, NULL, look_up, (void *)base), 0);
	for (uint32_t i = 0; i < NRANGES; i++)
		ck_assert(krt_trap_register_code((void *)(base + order[i] * RANGE_STRIDE),
						 RANGE_STRIDE / 2));
	for (uint32_t i = 0; i < NRANGES; i++) {
		uintptr_t b = base + i * RANGE_STRIDE;
		ck_assert_msg(kiln_trap_in_code(b) && kiln_trap_in_code(b + RANGE_STRIDE / 2 - 1),
			      "range %u not found", i);
		ck_assert(!kiln_trap_in_code(b + RANGE_STRIDE / 2));
		ck_assert(!kiln_trap_in_code(b - 1));
	}
	for (uint32_t i = 0; i < NRANGES; i += 2)
		krt_trap_unregister_code((void *)(base + i * RANGE_STRIDE));
	for (uint32_t i = 0; i < NRANGES; i++)
		ck_assert(kiln_trap_in_code(base + i * RANGE_STRIDE + 1) == (i % 2 == 1));
	for (uint32_t i = 1; i < NRANGES; i += 2)
		krt_trap_unregister_code((void *)(base + i * RANGE_STRIDE));
	atomic_store(&lookups_stop, true);
	pthread_join(reader, NULL);
	for (uint32_t i = 0; i < NRANGES; i++)
		ck_assert(!kiln_trap_in_code(base + i * RANGE_STRIDE));
	free(order);
}
END_TEST

/* The runtime's CPUID table agrees with LLVM on every feature both know:
 * LLVM's host features are those a native artifact records. */
START_TEST(cpu_features_agree_with_llvm)
{
	static const uint8_t empty[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	kiln_engine *e = NULL;
	kiln_module *m = NULL;
	kiln_artifact_desc d;
	kiln_name missing;
	uint8_t *art = NULL;
	size_t len, checked = 0;
	kiln_error err;

	ck_assert_int_eq(kiln_engine_new(NULL, &e, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(empty, sizeof empty, &m, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_serialize(e, m, &art, &len, &err), KILN_OK);
	ck_assert_int_eq(kiln_artifact_describe(art, len, &d, &err), KILN_OK);
	const char *p = d.features.data, *end = p + d.features.len;
	while (p < end) {
		const char *stop = memchr(p, ',', (size_t)(end - p));
		stop = stop ? stop : end;
		int has = kiln_cpu_feature(p + 1, (size_t)(stop - p - 1));
		if (has >= 0) {
			ck_assert_msg(has == (p[0] == '+'), "feature %.*s: LLVM says %c",
				      (int)(stop - p - 1), p + 1, p[0]);
			checked++;
		}
		p = stop + 1;
	}
	ck_assert_uint_ge(checked, 40);
	ck_assert(kiln_cpu_check(d.features, &missing));
	ck_assert(!kiln_cpu_check((kiln_name){"+sse2,+nosuch,+avx512f", 22}, &missing) ==
		  (kiln_cpu_feature("avx512f", 7) == 0));
	ck_assert(kiln_cpu_check((kiln_name){"-sse2,+nosuch,+64bit", 20}, &missing));
	free(art);
	kiln_module_delete(m);
	kiln_engine_delete(e);
}
END_TEST

/* krt_grow doubles, never shrinks, and leaves the array as it was when
 * the size would overflow; krt_fail_status returns what it stores. */
START_TEST(grow_and_fail_status)
{
	uint64_t *a = NULL;
	size_t cap = 0;
	kiln_error err;

	ck_assert(krt_grow((void **)&a, &cap, 1, sizeof *a));
	ck_assert_uint_eq(cap, 8);
	a[7] = 7;
	ck_assert(krt_grow((void **)&a, &cap, 9, sizeof *a));
	ck_assert_uint_eq(cap, 16);
	ck_assert_uint_eq(a[7], 7);
	ck_assert(krt_grow((void **)&a, &cap, 100, sizeof *a));
	ck_assert_uint_eq(cap, 100);
	ck_assert(krt_grow((void **)&a, &cap, 3, sizeof *a));
	ck_assert_uint_eq(cap, 100);
	uint64_t *before = a;
	ck_assert(!krt_grow((void **)&a, &cap, SIZE_MAX / 4, sizeof *a));
	ck_assert_ptr_eq(a, before);
	ck_assert_uint_eq(cap, 100);
	free(a);
	ck_assert_int_eq(krt_fail_status(&err, KILN_ERR_LINK, 5, "x %d", 1), KILN_ERR_LINK);
	ck_assert_int_eq(err.status, KILN_ERR_LINK);
	ck_assert_str_eq(err.message, "x 1");
	ck_assert_int_eq(krt_fail_status(NULL, KILN_ERR_NOMEM, 0, "y"), KILN_ERR_NOMEM);
	ck_assert(!krt_fail(&err, KILN_ERR_IO, 0, "z"));
	ck_assert_int_eq(err.status, KILN_ERR_IO);
}
END_TEST

static int states_freed;

static uint32_t symbolize_42(const kiln_code *code, uintptr_t pc)
{
	(void)code;
	return pc == 42 ? 7 : UINT32_MAX;
}

static void free_state(void *state)
{
	ck_assert_ptr_eq(state, &states_freed);
	states_freed++;
}

/* Empty until published, entries set one half at a time, the producer's
 * state freed once with the code. */
START_TEST(code_object_life)
{
	static const kiln_code_ops ops = {"test", symbolize_42, free_state, NULL};
	kiln_instance_limits lim = {5, 6, 7, 8, 9}, got;
	kiln_code *code = krt_code_new(4, 1);
	int a, b, c;

	ck_assert_ptr_nonnull(code);
	ck_assert(!krt_code_ready(code));
	ck_assert_uint_eq(krt_code_flags(code), 0);
	ck_assert_uint_eq(krt_code_limits(code).stack_size, 0);
	ck_assert_uint_eq(krt_code_symbolize(code, 42), UINT32_MAX);
	ck_assert_ptr_null(krt_code_entry(code, 3));
	krt_code_set(code, 3, &a, &b);
	krt_code_set(code, 3, NULL, &c);	/* NULL: left as it is */
	ck_assert_ptr_eq(krt_code_entry(code, 3), &a);
	ck_assert_ptr_eq(krt_code_tramp(code, 3), &c);
	krt_code_publish(code, &ops, &states_freed, &lim, KILN_CODE_FUEL, &lim);
	ck_assert(krt_code_ready(code));
	ck_assert_ptr_eq(code->owner, &lim);
	ck_assert_uint_eq(krt_code_flags(code), KILN_CODE_FUEL);
	got = krt_code_limits(code);
	ck_assert(got.max_memory_pages == 5 && got.max_table_elements == 6 && got.stack_size == 7 &&
		  got.max_memory64_pages == 8 && got.max_exceptions == 9);
	ck_assert_uint_eq(krt_code_symbolize(code, 42), 7);
	ck_assert_uint_eq(krt_code_symbolize(code, 43), UINT32_MAX);
	ck_assert_int_eq(states_freed, 0);
	krt_code_delete(code);
	ck_assert_int_eq(states_freed, 1);
	krt_code_delete(NULL);
}
END_TEST

/* Decoding gives each module empty code of its own and an id no other
 * module has. */
START_TEST(decoded_modules_own_empty_code)
{
	static const uint8_t empty[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	kiln_module *m1, *m2;

	ck_assert_int_eq(kiln_module_decode(empty, sizeof empty, &m1, NULL), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(empty, sizeof empty, &m2, NULL), KILN_OK);
	ck_assert_ptr_nonnull(m1->code);
	ck_assert_ptr_ne(m1->code, m2->code);
	ck_assert(!krt_code_ready(m1->code));
	ck_assert_uint_ne(m1->id, 0);
	ck_assert_uint_ne(m1->id, m2->id);
	kiln_module_delete(m1);
	kiln_module_delete(m2);
}
END_TEST

Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("runtime");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, memory_grows_within_limits);
	tcase_add_test(tc, traps_do_not_kill);
	tcase_add_test(tc, nested_catches_and_stack_limit);
	tcase_add_test(tc, host_handler_still_gets_its_faults);
	tcase_add_test(tc, trap_messages);
	tcase_add_test(tc, foreign_code_fault_is_not_a_trap);
	tcase_add_test(tc, cpu_features_agree_with_llvm);
	tcase_add_test(tc, code_ranges_grow);
	tcase_add_test(tc, grow_and_fail_status);
	tcase_add_test(tc, code_object_life);
	tcase_add_test(tc, decoded_modules_own_empty_code);
	suite_add_tcase(s, tc);
	return s;
}
