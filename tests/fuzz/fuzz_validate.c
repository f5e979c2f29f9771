/*
 * fuzz_validate.c — libFuzzer target: decode + validate any bytes, and on
 * a valid module walk everything the inspection API offers.  A failure
 * must be a status with a message; nothing may crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>
#include "outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inspect(const kiln_module *m)
{
	volatile size_t sink = 0;

	for (size_t i = 0; i < kiln_module_section_count(m); i++)
		sink += kiln_module_section(m, i).size;
	for (size_t i = 0; i < kiln_module_type_count(m); i++)
		sink += kiln_module_type(m, i)->nparams;
	for (size_t i = 0; i < kiln_module_import_count(m); i++)
		sink += kiln_module_import(m, i).name.len;
	for (size_t i = 0; i < kiln_module_export_count(m); i++)
		sink += (size_t)kiln_module_export_type(m, i).kind + kiln_module_export(m, i).name.len;
	kiln_module_counts c = kiln_module_counts_of(m);
	for (uint32_t i = 0; i < c.funcs; i++)
		sink += kiln_module_func_name(m, i).len;
	sink += kiln_module_name(m).len;
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kiln_module *m;
	kiln_error err;
	kiln_status st = kiln_module_new(data, size, &m, &err);

	if (st == KILN_OK) {
		inspect(m);
		if (fuzz_outcome) {
			char summary[128];
			kiln_module_counts c = kiln_module_counts_of(m);
			snprintf(summary, sizeof summary, "%zu types, %zu imports, %zu exports, %u functions",
				 kiln_module_type_count(m), kiln_module_import_count(m),
				 kiln_module_export_count(m), c.funcs);
			fuzz_outcome(st, summary);
		}
		kiln_module_delete(m);
		return 0;
	}
	if (fuzz_outcome)
		fuzz_outcome(st, err.message);
	if (m != NULL || err.status != st || err.message[0] == 0 ||
	    (st != KILN_ERR_MALFORMED && st != KILN_ERR_INVALID &&
	     st != KILN_ERR_UNSUPPORTED && st != KILN_ERR_NOMEM && st != KILN_ERR_LIMIT))
		abort();	/* a failure must say what failed */
	return 0;
}
