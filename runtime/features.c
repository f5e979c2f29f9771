/*
 * features.c — the proposals past WebAssembly 2.0, by name (KILN_FEATURE_*
 * bits of kiln.h), and which of them kiln builds.
 *
 * A bit is accepted by decoding only once its proposal is built through
 * decode, validation, both compilers and the runtime (KRT_FEATURES_BUILT):
 * asked for before that, decoding refuses it by name, so that no bit
 * silently does nothing.  A proposal decoded and validated whose code
 * cannot be compiled yet (KRT_FEATURES_NOT_COMPILED) is refused by
 * compiling instead.
 */
#include "module.h"

static const struct {
	uint32_t bit;
	const char *name;
} names[] = {
	{KILN_FEATURE_THREADS, "threads"},
	{KILN_FEATURE_TAIL_CALL, "tail-call"},
	{KILN_FEATURE_EXTENDED_CONST, "extended-const"},
	{KILN_FEATURE_MULTI_MEMORY, "multi-memory"},
	{KILN_FEATURE_MEMORY64, "memory64"},
	{KILN_FEATURE_EXCEPTIONS, "exceptions"},
	{KILN_FEATURE_RELAXED_SIMD, "relaxed-simd"},
	{KILN_FEATURE_NO_REFERENCE_TYPES, "no-reference-types"},
};

const char *kiln_feature_name(uint32_t feature)
{
	for (size_t i = 0; i < KILN_ARRAY_LEN(names); i++)
		if (names[i].bit == feature)
			return names[i].name;
	return NULL;
}

/* The first bit of `bits`, by name ("?" for a bit no proposal has). */
static const char *first_name(uint32_t bits)
{
	const char *name = kiln_feature_name(bits & -bits);

	return name ? name : "?";
}

bool krt_features_check(uint32_t features, kiln_error *err)
{
	uint32_t unbuilt = features & ~KRT_FEATURES_BUILT;

	if (unbuilt)
		return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				"not supported yet: %s", first_name(unbuilt));
	return true;
}

bool krt_features_allow(const kiln_module *m, uint32_t allowed, kiln_error *err)
{
	uint32_t refused = m->uses & ~allowed;

	/* Before the engine's switch: a module kiln cannot run yet is
	 * refused whatever the engine allows. */
	if (m->uses & KRT_FEATURES_NOT_COMPILED)
		return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				"%s are not supported yet",
				first_name(m->uses & KRT_FEATURES_NOT_COMPILED));
	if (refused)
		return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				"the module uses %s, which is disabled in this engine",
				first_name(refused));
	return true;
}

uint32_t kiln_module_features(const kiln_module *m)
{
	return m->uses;
}
