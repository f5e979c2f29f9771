/*
 * test_loopver.c — the candidate analysis of checked loop versions
 * (compiler/loopver.c) on small loop bodies: clang's shape of matmul's
 * j loop and of sieve's count are candidates, with the groups, exit and
 * `nuw` adds the guard and the fast copy need; a call, a br_if inside, a
 * division, an address that is not an induction local plus a constant or
 * another exit test are not.
 */
#include <check.h>

#include "loopver.h"
#include "unit.h"

/* Locals: c 0, b 1, n 2, a 3 (f64), i 4, t 5. */
#define LOOP 0x03, 0x40
/* c[0] += a * b[0]; t = c + 8; t[0] += a * b[8] */
#define PAIR 0x20, 0, 0x20, 3, 0x20, 1, 0x2b, 3, 0, 0xa2, 0x20, 0, 0x2b, 3, 0, 0xa0,	\
	0x39, 3, 0,								\
	0x20, 0, 0x41, 8, 0x6a, 0x22, 5, 0x20, 3, 0x20, 1, 0x41, 8, 0x6a,	\
	0x2b, 3, 0, 0xa2, 0x20, 5, 0x2b, 3, 0, 0xa0, 0x39, 3, 0
/* c += 16; b += 16 */
#define STEPS 0x20, 0, 0x41, 16, 0x6a, 0x21, 0, 0x20, 1, 0x41, 16, 0x6a, 0x21, 1
/* br_if (n != (i += 2)); end */
#define EXIT 0x20, 2, 0x20, 4, 0x41, 2, 0x6a, 0x22, 4, 0x47, 0x0d, 0, 0x0b

static bool find(loopver *v, const uint8_t *body, size_t n)
{
	return loopver_find(v, body, body + n);
}

#define FIND(v, ...) find((v), (const uint8_t[]){__VA_ARGS__},			\
			  sizeof((const uint8_t[]){__VA_ARGS__}))

static const loopver_group *group(const loopver *v, uint32_t local)
{
	for (uint32_t g = 0; g < v->ngroups; g++)
		if (v->groups[g].local == local)
			return &v->groups[g];
	ck_abort_msg("no group of local %u", local);
	return NULL;
}

static unsigned count_nuw(const loopver *v)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < v->ninstrs; i++)
		n += loopver_nuw(v, i);
	return n;
}

START_TEST(clang_matmul_shape)
{
	loopver v;

	ck_assert(FIND(&v, LOOP, PAIR, STEPS, EXIT));
	ck_assert_uint_eq(v.ngroups, 2);
	ck_assert_uint_eq(v.naccesses, 6);
	ck_assert_int_eq(group(&v, 0)->step, 16);
	ck_assert_int_eq(group(&v, 0)->cmin, 0);
	ck_assert_int_eq(group(&v, 0)->cend, 16);
	ck_assert(group(&v, 0)->stores);
	ck_assert_int_eq(group(&v, 1)->step, 16);
	ck_assert(!group(&v, 1)->stores);
	ck_assert_uint_eq(v.exit_local, 4);
	ck_assert_int_eq(v.exit_step, 2);
	ck_assert_int_eq(v.exit_c, 2);
	ck_assert_uint_eq(v.limit_local, 2);
	/* In body order: b, c, c stored, b + 8, t = c + 8, t stored. */
	const int64_t c[6] = {0, 0, 0, 8, 8, 8};
	for (unsigned i = 0; i < 6; i++)
		ck_assert_int_eq(v.access_c[i], c[i]);
	/* c + 8, b + 8, c += 16, b += 16; not the counter's add. */
	ck_assert_uint_eq(count_nuw(&v), 4);
	ck_assert(!loopver_nuw(&v, v.ninstrs - 5));
}
END_TEST

/* sieve: acc += !m[p + 1064] + !m[p + 1065]; br_if (p += 2) */
START_TEST(clang_sieve_count_shape)
{
	loopver v;

	ck_assert(FIND(&v, LOOP, 0x20, 1, 0x20, 0, 0x41, 0xa8, 0x08, 0x6a, 0x2d, 0, 0, 0x45,
		       0x6a, 0x20, 0, 0x41, 0xa9, 0x08, 0x6a, 0x2d, 0, 0, 0x45, 0x6a,
		       0x21, 1, 0x20, 0, 0x41, 2, 0x6a, 0x22, 0, 0x0d, 0, 0x0b));
	ck_assert_uint_eq(v.ngroups, 1);
	ck_assert_int_eq(v.groups[0].cmin, 1064);
	ck_assert_int_eq(v.groups[0].cend, 1066);
	ck_assert_uint_eq(v.limit_local, LOOPVER_NO_LOCAL);
	ck_assert_int_eq(v.limit_c, 0);
	/* No access at p itself: nothing proves p + c does not wrap. */
	ck_assert_uint_eq(count_nuw(&v), 0);
	/* The fast copy's i64 addresses: p at the iteration's start + c. */
	ck_assert_uint_eq(v.naccesses, 2);
	ck_assert_int_eq(v.access_c[0], 1064);
	ck_assert_int_eq(v.access_c[1], 1065);
}
END_TEST

/* acc += p[4] read after p += 4: the access's constant includes the step
 * (taken from p's value at the iteration's start). */
START_TEST(access_after_update)
{
	loopver v;

	ck_assert(FIND(&v, LOOP, 0x20, 0, 0x41, 4, 0x6a, 0x22, 0, 0x28, 2, 4,
		       0x20, 1, 0x6a, 0x21, 1,
		       0x20, 2, 0x20, 3, 0x41, 1, 0x6a, 0x22, 3, 0x47, 0x0d, 0, 0x0b));
	ck_assert_uint_eq(v.naccesses, 1);
	ck_assert_int_eq(v.access_c[0], 4);
	ck_assert_int_eq(group(&v, 0)->step, 4);
	ck_assert_int_eq(group(&v, 0)->cmin, 4);
	ck_assert_int_eq(group(&v, 0)->cend, 12);	/* + offset 4 + 4 bytes */
}
END_TEST

START_TEST(rejects_call)
{
	loopver v;

	ck_assert(!FIND(&v, LOOP, PAIR, 0x10, 0, STEPS, EXIT));
}
END_TEST

START_TEST(rejects_inner_br_if)
{
	loopver v;

	ck_assert(!FIND(&v, LOOP, PAIR, 0x20, 4, 0x0d, 0, STEPS, EXIT));
	ck_assert(!FIND(&v, LOOP, PAIR, 0x02, 0x40, 0x0b, STEPS, EXIT));
}
END_TEST

START_TEST(rejects_division)
{
	loopver v;

	ck_assert(!FIND(&v, LOOP, PAIR, 0x20, 0, 0x20, 1, 0x6d, 0x1a, STEPS, EXIT));
	/* i32.trunc_f64_s traps too; f64.div does not. */
	ck_assert(!FIND(&v, LOOP, PAIR, 0x20, 3, 0xaa, 0x1a, STEPS, EXIT));
	ck_assert(FIND(&v, LOOP, PAIR, 0x20, 3, 0x20, 3, 0xa3, 0x1a, STEPS, EXIT));
}
END_TEST

START_TEST(rejects_other_addresses)
{
	loopver v;

	/* c * 2 */
	ck_assert(!FIND(&v, LOOP, PAIR, 0x20, 0, 0x41, 2, 0x6c, 0x28, 2, 0, 0x1a, STEPS, EXIT));
	/* c + b */
	ck_assert(!FIND(&v, LOOP, PAIR, 0x20, 0, 0x20, 1, 0x6a, 0x28, 2, 0, 0x1a, STEPS, EXIT));
	/* a loaded value */
	ck_assert(!FIND(&v, LOOP, PAIR, 0x20, 0, 0x28, 2, 0, 0x28, 2, 0, 0x1a, STEPS, EXIT));
	/* t read before its write: last iteration's c + 8 */
	ck_assert(!FIND(&v, LOOP, 0x20, 5, 0x28, 2, 0, 0x1a, PAIR, STEPS, EXIT));
	/* an invariant local plus a constant is an address of step 0 */
	ck_assert(FIND(&v, LOOP, PAIR, 0x20, 2, 0x41, 4, 0x6a, 0x28, 2, 0, 0x1a, STEPS, EXIT));
	ck_assert_uint_eq(v.ngroups, 3);
	ck_assert_int_eq(group(&v, 2)->step, 0);
}
END_TEST

START_TEST(rejects_other_exits)
{
	loopver v;

	/* i < n (sieve's j loop) */
	ck_assert(!FIND(&v, LOOP, PAIR, STEPS, 0x20, 4, 0x41, 2, 0x6a, 0x22, 4, 0x20, 2, 0x49,
			0x0d, 0, 0x0b));
	/* i != i: no invariant */
	ck_assert(!FIND(&v, LOOP, PAIR, STEPS, 0x20, 4, 0x41, 2, 0x6a, 0x22, 4, 0x20, 4, 0x47,
			0x0d, 0, 0x0b));
	/* c stepping twice: not an induction local, its address unknown */
	ck_assert(!FIND(&v, LOOP, PAIR, STEPS, 0x20, 0, 0x41, 16, 0x6a, 0x21, 0, EXIT));
	/* no exit at the end */
	ck_assert(!FIND(&v, LOOP, PAIR, STEPS, 0x0b));
}
END_TEST

Suite *loopver_suite(void)
{
	Suite *s = suite_create("loopver");
	TCase *tc = tcase_create("loopver");

	tcase_add_test(tc, clang_matmul_shape);
	tcase_add_test(tc, clang_sieve_count_shape);
	tcase_add_test(tc, access_after_update);
	tcase_add_test(tc, rejects_call);
	tcase_add_test(tc, rejects_inner_br_if);
	tcase_add_test(tc, rejects_division);
	tcase_add_test(tc, rejects_other_addresses);
	tcase_add_test(tc, rejects_other_exits);
	suite_add_tcase(s, tc);
	return s;
}
