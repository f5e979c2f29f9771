/*
 * cmd_inspect.c — `kiln inspect FILE.wasm`: a concise summary of a module,
 * in the spirit of `wasm-objdump -h -x`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static void print_valtypes(const kiln_valtype *t, uint32_t n)
{
	putchar('(');
	for (uint32_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "", kiln_valtype_name(t[i]));
	putchar(')');
}

static void print_functype(const kiln_functype *ft)
{
	if (ft == NULL) {
		printf("<unknown type>");
		return;
	}
	print_valtypes(ft->params, ft->nparams);
	printf(" -> ");
	print_valtypes(ft->results, ft->nresults);
}

static void print_limits(const kiln_limits *l)
{
	if (l->has_max)
		printf("[%" PRIu64 "..%" PRIu64 "]", l->min, l->max);
	else
		printf("[%" PRIu64 "..]", l->min);
}

static void print_externtype(const kiln_externtype *t)
{
	switch (t->kind) {
	case KILN_EXTERN_FUNC:
		print_functype(t->u.func);
		break;
	case KILN_EXTERN_TABLE:
		printf("%s ", kiln_valtype_name(t->u.table.elem));
		print_limits(&t->u.table.limits);
		break;
	case KILN_EXTERN_MEMORY:
		printf("pages ");
		print_limits(&t->u.memory.limits);
		if (t->u.memory.shared)
			printf(" shared");
		if (t->u.memory.index64)
			printf(" i64");
		break;
	case KILN_EXTERN_GLOBAL:
		printf("%s%s", t->u.global.mutable_ ? "mut " : "",
		       kiln_valtype_name(t->u.global.type));
		break;
	case KILN_EXTERN_TAG:	/* the payload; a tag's results are empty */
		if (t->u.tag)
			print_valtypes(t->u.tag->params, t->u.tag->nparams);
		else
			printf("<unknown type>");
		break;
	}
}

static void print_sections(const kiln_module *m)
{
	size_t n = kiln_module_section_count(m);

	printf("Sections:\n");
	for (size_t i = 0; i < n; i++) {
		kiln_section_info s = kiln_module_section(m, i);
		printf("  %2u %-10s offset 0x%08zx size %8zu", s.id,
		       s.id == 0 ? "custom" : s.name.data, s.offset, s.size);
		if (s.id == 0) {
			printf("  \"");
			cli_print_name(stdout, s.name);
			printf("\"");
		} else if (s.count || (s.id != 8 && s.id != 12)) {
			printf("  count %u", s.count);
		}
		putchar('\n');
	}
}

static void print_imports(const kiln_module *m)
{
	size_t n = kiln_module_import_count(m);

	printf("Imports: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		printf("  %-6s \"", kiln_extern_kind_name(imp.type.kind));
		cli_print_name(stdout, imp.module);
		printf("\" \"");
		cli_print_name(stdout, imp.name);
		printf("\" ");
		print_externtype(&imp.type);
		putchar('\n');
	}
}

static void print_exports(const kiln_module *m)
{
	size_t n = kiln_module_export_count(m);

	printf("Exports: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		kiln_export_info e = kiln_module_export(m, i);
		kiln_externtype t = kiln_module_export_type(m, i);
		printf("  %-6s %-4u \"", kiln_extern_kind_name(e.kind), e.index);
		cli_print_name(stdout, e.name);
		printf("\" ");
		print_externtype(&t);
		putchar('\n');
	}
}

/* Exception handling's tags, each with its payload; none, no line. */
static void print_tags(const kiln_module *m, const kiln_module_counts *c)
{
	if (c->tags == 0)
		return;
	printf("Tags: %u (%u imported)\n", c->tags, c->imported_tags);
	for (uint32_t i = 0; i < c->tags; i++) {
		kiln_externtype t = {.kind = KILN_EXTERN_TAG};
		t.u.tag = kiln_module_tag_type(m, i);
		printf("  %-4u ", i);
		print_externtype(&t);
		printf("%s\n", i < c->imported_tags ? "  imported" : "");
	}
}

static void print_counts(const kiln_module *m)
{
	kiln_module_counts c = kiln_module_counts_of(m);
	kiln_name name = kiln_module_name(m);

	printf("Types: %u\n", c.types);
	printf("Functions: %u (%u imported)\n", c.funcs, c.imported_funcs);
	printf("Tables: %u (%u imported)\n", c.tables, c.imported_tables);
	printf("Memories: %u (%u imported)\n", c.memories, c.imported_memories);
	for (uint32_t i = 0; c.memories > 1 && i < c.memories; i++) {
		kiln_externtype t = {.kind = KILN_EXTERN_MEMORY};
		t.u.memory = kiln_module_memory_type(m, i);
		printf("  %-4u ", i);
		print_externtype(&t);
		printf("%s\n", i < c.imported_memories ? "  imported" : "");
	}
	printf("Globals: %u (%u imported)\n", c.globals, c.imported_globals);
	print_tags(m, &c);
	printf("Element segments: %u\nData segments: %u\n", c.elems, c.datas);
	if (c.has_start) {
		kiln_name fn = kiln_module_func_name(m, c.start);
		printf("Start: function %u", c.start);
		if (fn.data) {
			printf(" <");
			cli_print_name(stdout, fn);
			printf(">");
		}
		putchar('\n');
	}
	if (name.data) {
		printf("Name: \"");
		cli_print_name(stdout, name);
		printf("\"\n");
	}
	printf("Proposals: ");
	cli_print_features(stdout, kiln_module_features(m));
	putchar('\n');
}

static void print_func_names(const kiln_module *m)
{
	kiln_module_counts c = kiln_module_counts_of(m);
	uint32_t shown = 0;

	for (uint32_t i = 0; i < c.funcs; i++) {
		kiln_name fn = kiln_module_func_name(m, i);
		if (fn.data == NULL)
			continue;
		if (shown++ == 0)
			printf("Function names:\n");
		printf("  %-4u ", i);
		cli_print_name(stdout, fn);
		putchar('\n');
	}
}

static int inspect_artifact(const char *path, const uint8_t *bytes, size_t len)
{
	kiln_artifact_desc d;
	kiln_error err;

	if (kiln_artifact_describe(bytes, len, &d, &err) != KILN_OK)
		return cli_error(CLI_FAIL, "%s: %s", path, err.message);
	printf("%s: kiln AOT artifact, format %u, %zu bytes\n", path, d.format, len);
	printf("kiln: %.*s  LLVM: %.*s  -O%u%s%s\n", (int)d.kiln_version.len, d.kiln_version.data,
	       (int)d.llvm_version.len, d.llvm_version.data, d.opt_level,
	       d.epoch_interruption ? "  epoch interruption" : "",
	       d.fuel_metering ? "  fuel metering" : "");
	printf("target: %.*s  cpu: %.*s\n", (int)d.triple.len, d.triple.data,
	       (int)d.cpu.len, d.cpu.data);
	printf("features: %.*s\n", (int)d.features.len, d.features.data);
	printf("proposals: ");
	cli_print_features(stdout, d.module_features);
	putchar('\n');
	printf("module: %zu bytes, sha256 ", d.module_size);
	for (int i = 0; i < 32; i++)
		printf("%02x", d.module_sha256[i]);
	putchar('\n');
	for (uint32_t i = 0; i < d.nobjects; i++)
		printf("object %u: %zu bytes at offset %zu\n", i, d.objects[i].size,
		       d.objects[i].offset);
	if (!d.is_signed) {
		printf("signature: none\n");
		return CLI_OK;
	}
	printf("signature: Ed25519, signer fingerprint sha256 ");
	for (int i = 0; i < 32; i++)
		printf("%02x", d.signer_fingerprint[i]);
	printf(" (not verified here: kiln run --verify)\n");
	return CLI_OK;
}

/* A summary describes what kiln can read: the proposals built so far,
 * whether or not running a module asks for them. */
#define INSPECT_FEATURES (KILN_FEATURES_DEFAULT | KILN_FEATURE_MULTI_MEMORY)

int cmd_inspect(int argc, char **argv)
{
	kiln_module *m = NULL;
	uint8_t *bytes;
	size_t len;
	bool aot;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_load_module(argc, argv, &m);	/* the usage error */
	if ((rc = cli_read_file(argv[1], &bytes, &len)) != CLI_OK)
		return rc;
	aot = kiln_is_artifact(bytes, len);
	rc = aot ? inspect_artifact(argv[1], bytes, len)
		 : cli_module_from_bytes_features(argv[1], bytes, len, INSPECT_FEATURES, &m);
	free(bytes);
	if (aot || rc != CLI_OK)
		return rc;

	if (rc != CLI_OK)
		return rc;
	printf("%s: WebAssembly module, %zu sections\n", argv[1],
	       kiln_module_section_count(m));
	print_sections(m);
	print_imports(m);
	print_exports(m);
	print_counts(m);
	print_func_names(m);
	kiln_module_delete(m);
	return CLI_OK;
}
