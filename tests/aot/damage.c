/*
 * damage.c — `artifact-damage WASM OUTDIR`: bad artifacts are refused by
 * kiln_module_load with a clear message, never loaded.
 *
 * The module is compiled to an artifact, then: cut at every byte; every
 * byte of the header and metadata flipped, and every 61st of the objects;
 * and, with the checksum recomputed so that the checks behind it are
 * reached, a wrong magic, another format, kiln or LLVM version, a CPU
 * feature this machine lacks, an object range past the end, a foreign
 * object, an unsupported relocation, a module that does not match its
 * SHA-256, and — that SHA-256 recomputed too — an export index of 127 in
 * the module and a symbol whose value lies far past its section (both
 * crashed the loader once).  Each of the last kind is also written to
 * OUTDIR for damage.sh to run through the CLIs.  Last, 4,000 seeded
 * mutations of the module, the symbol tables, relocations and section
 * headers, both hashes recomputed, loaded and instantiated (never run).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "cpu.h"

static int failures;

#define FAIL(...) (fprintf(stderr, "FAIL: " __VA_ARGS__), fputc('\n', stderr), failures++)

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Loads must fail; returns the message. */
static const char *refused(const uint8_t *bytes, size_t len, const char *what)
{
	static kiln_error err;
	kiln_module *m = NULL;

	if (kiln_module_load(bytes, len, &m, &err) == KILN_OK) {
		FAIL("%s: loaded", what);
		kiln_module_delete(m);
		return "";
	}
	return err.message;
}

/* The module's SHA-256 in the header made right, unless the module is the
 * damage being tested. */
static bool keep_module_sha;

static void reseal_module(uint8_t *p)
{
	kiln_artifact_header h;

	memcpy(&h, p, sizeof h);
	if (!keep_module_sha)
		kiln_sha256(p + h.module.off, (size_t)h.module.len,
			    p + offsetof(kiln_artifact_header, module_sha256));
}

/* A copy with one change and the checksum recomputed, refused with a
 * message holding `expect`, and written to OUTDIR/NAME.kwasm. */
static void sealed(const uint8_t *art, size_t len, size_t at, const void *with, size_t n,
		   const char *name, const char *expect, const char *outdir)
{
	uint8_t *p = malloc(len);
	char path[4096];
	const char *msg;
	FILE *f;

	memcpy(p, art, len);
	memcpy(p + at, with, n);
	reseal_module(p);
	krt_artifact_seal(p, len);
	msg = refused(p, len, name);
	if (!strstr(msg, expect))
		FAIL("%s: message '%s' lacks '%s'", name, msg, expect);
	else
		printf("%-18s refused: %s\n", name, msg);
	snprintf(path, sizeof path, "%s/%s.kwasm", outdir, name);
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(p, 1, len, f);
		fclose(f);
	}
	free(p);
}

static void cuts_and_flips(const uint8_t *art, size_t len, const kiln_artifact_desc *d)
{
	uint8_t *p = malloc(len);
	size_t meta = d->objects[0].offset, n = 0;

	for (size_t cut = 0; cut < len; cut++)
		refused(art, cut, "cut");
	printf("cut at every one of %zu bytes: all refused\n", len);
	memcpy(p, art, len);
	for (size_t i = 0; i < len; i += i < meta ? 1 : 61, n++) {
		p[i] ^= 0xff;
		refused(p, len, "flipped byte");
		p[i] ^= 0xff;
	}
	printf("%zu bytes flipped (all %zu of header and metadata): all refused\n", n, meta);
	free(p);
}

/* Turns "-feature" into "+feature" for one this machine lacks. */
static void missing_feature(const uint8_t *art, size_t len, const kiln_artifact_desc *d,
			    const char *outdir)
{
	const char *p = d->features.data, *end = p + d->features.len;

	while (p < end) {
		const char *stop = memchr(p, ',', (size_t)(end - p));
		stop = stop ? stop : end;
		if (p[0] == '-' && kiln_cpu_feature(p + 1, (size_t)(stop - p - 1)) == 0) {
			sealed(art, len, (size_t)(p - (const char *)art), "+", 1, "cpu-feature",
			       "which this machine lacks", outdir);
			return;
		}
		p = stop + 1;
	}
	FAIL("no feature this machine lacks in '%.*s'", (int)d->features.len, d->features.data);
}

/* The first relocation of the first object: its offset in the file. */
static size_t first_rela(const uint8_t *art, const kiln_artifact_desc *d)
{
	const uint8_t *o = art + d->objects[0].offset;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;

	memcpy(&eh, o, sizeof eh);
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		memcpy(&sh, o + eh.e_shoff + i * sizeof sh, sizeof sh);
		if (sh.sh_type == SHT_RELA && sh.sh_size)
			return d->objects[0].offset + sh.sh_offset + offsetof(Elf64_Rela, r_info);
	}
	return 0;
}

static size_t leb(const uint8_t *p, uint32_t *v)
{
	size_t n = 0;

	*v = 0;
	do
		*v |= (uint32_t)(p[n] & 0x7f) << (7 * n);
	while (p[n++] & 0x80);
	return n;
}

/* The file offset of the first export's index in the embedded module,
 * and the length of its LEB128. */
static size_t first_export_index(const uint8_t *art, size_t *n)
{
	kiln_artifact_header h;
	const uint8_t *p, *end;
	uint32_t size, count, name;

	memcpy(&h, art, sizeof h);
	p = art + h.module.off + 8;
	end = art + h.module.off + h.module.len;
	while (p < end) {
		uint8_t id = *p++;
		p += leb(p, &size);
		if (id != 7) {
			p += size;
			continue;
		}
		p += leb(p, &count);
		p += leb(p, &name);
		p += name + 1;	/* the name, the kind */
		leb(p, &size);
		*n = leb(p, &size);
		return (size_t)(p - art);
	}
	return 0;
}

/* The file offset of st_value of the first symbol the first object
 * defines whose name starts with `kind` (b<i>: a body, T<sig>: a
 * trampoline), and in *name_at that of its name; 0 if none. */
static size_t first_symbol(const uint8_t *art, const kiln_artifact_desc *d, char kind,
			   size_t *name_at)
{
	const uint8_t *o = art + d->objects[0].offset;
	Elf64_Ehdr eh;
	Elf64_Shdr sh, strtab;
	Elf64_Sym sym;

	memcpy(&eh, o, sizeof eh);
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		memcpy(&sh, o + eh.e_shoff + i * sizeof sh, sizeof sh);
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		memcpy(&strtab, o + eh.e_shoff + sh.sh_link * sizeof sh, sizeof sh);
		for (size_t k = 0; k < sh.sh_size / sizeof sym; k++) {
			memcpy(&sym, o + sh.sh_offset + k * sizeof sym, sizeof sym);
			if (sym.st_shndx == SHN_UNDEF || o[strtab.sh_offset + sym.st_name] != kind)
				continue;
			*name_at = d->objects[0].offset + strtab.sh_offset + sym.st_name;
			return d->objects[0].offset + sh.sh_offset + k * sizeof sym +
			       offsetof(Elf64_Sym, st_value);
		}
	}
	return 0;
}

/* Structural damage behind valid hashes: an export index of 127 (as a
 * LEB128 of the same length), a symbol 16 MiB past its section (a call
 * there crashed) and a trampoline renamed (its functions would have no
 * entry from C). */
static void behind_the_hashes(const uint8_t *art, size_t len, const kiln_artifact_desc *d,
			      const char *outdir)
{
	uint8_t idx[5] = {0x7f}, flip = 0;
	size_t n = 0, at = first_export_index(art, &n), name_at;
	kiln_artifact_header h;

	if (at == 0 || n > 5)
		FAIL("no export in the module");
	for (size_t i = 0; i + 1 < n; i++)
		idx[i] |= 0x80, idx[i + 1] = 0;
	sealed(art, len, at, idx, n, "export-index", "export index 127 out of range", outdir);
	if (!(at = first_symbol(art, d, 'b', &name_at)))
		FAIL("no function body symbol in the first object");
	sealed(art, len, at, &(uint64_t){(uint64_t)1 << 24}, 8, "symbol-value",
	       "symbol outside its section", outdir);
	if (!first_symbol(art, d, 'T', &name_at))
		FAIL("no trampoline symbol in the first object");
	sealed(art, len, name_at, "U", 1, "trampoline-name", "trampoline is missing", outdir);
	memcpy(&h, art, sizeof h);
	flip = art[h.module.off + h.module.len - 1] ^ 1;
	keep_module_sha = true;
	sealed(art, len, h.module.off + h.module.len - 1, &flip, 1, "module-sha256",
	       "does not match its SHA-256", outdir);
	keep_module_sha = false;
}

/* The lines (code to wasm offsets, artifact.h) damaged behind the
 * checksum: their range past the file's end, the count of functions, the
 * total of entries, and the first function's entries out of order. */
static void bad_lines(const uint8_t *art, size_t len, const char *outdir)
{
	kiln_artifact_header h;
	uint32_t n, total;

	memcpy(&h, art, sizeof h);
	if (h.lines.len < 8)
		FAIL("no lines in the artifact");
	memcpy(&n, art + h.lines.off, 4);
	memcpy(&total, art + h.lines.off + 4 + 4 * (size_t)n, 4);
	if (n == 0 || total < 2)
		FAIL("lines: %u functions, %u entries", n, total);
	sealed(art, len, offsetof(kiln_artifact_header, lines) + 8, &(uint64_t){len}, 8,
	       "lines-range", "out of bounds", outdir);
	sealed(art, len, h.lines.off, &(uint32_t){n + 1}, 4, "lines-count", "bad line table",
	       outdir);
	sealed(art, len, h.lines.off + 4 + 4 * (size_t)n, &(uint32_t){total + 1}, 4,
	       "lines-total", "bad line table", outdir);
	/* Function 0's first entry's pc after the code's end. */
	sealed(art, len, h.lines.off + 4 * ((size_t)n + 2), &(uint32_t){UINT32_MAX}, 4,
	       "lines-order", "bad line table", outdir);
}

/* Byte ranges the mutations below aim at: the module, and the symbol
 * tables, relocations and section headers of the first object. */
static int mutation_targets(const uint8_t *art, const kiln_artifact_desc *d, size_t *at,
			    size_t *n)
{
	const uint8_t *o = art + d->objects[0].offset;
	kiln_artifact_header h;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	int k = 0;

	memcpy(&h, art, sizeof h);
	at[k] = h.module.off, n[k++] = h.module.len;
	memcpy(&eh, o, sizeof eh);
	at[k] = d->objects[0].offset + eh.e_shoff, n[k++] = eh.e_shnum * sizeof sh;
	for (unsigned i = 0; i < eh.e_shnum && k < 8; i++) {
		memcpy(&sh, o + eh.e_shoff + i * sizeof sh, sizeof sh);
		if ((sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_RELA) && sh.sh_size)
			at[k] = d->objects[0].offset + sh.sh_offset, n[k++] = sh.sh_size;
	}
	return k;
}

/* Seeded mutations (1 to 4 bytes) of those ranges with both hashes
 * recomputed: each is refused with a message, or loads and instantiates
 * (with WASI) without a fault; nothing is run. */
static void mutations(const uint8_t *art, size_t len, const kiln_artifact_desc *d, int count)
{
	size_t at[8], n[8];
	int k = mutation_targets(art, d, at, n), loaded = 0, refusals = 0;
	uint8_t *p = malloc(len);
	kiln_instance *wasi = NULL;
	kiln_linker *linker = NULL;
	kiln_wasi_config cfg = {0};
	kiln_error err;

	if (kiln_wasi_new(&cfg, &wasi, &err) != KILN_OK || kiln_linker_new(&linker, &err) ||
	    kiln_linker_define_instance(linker, "wasi_snapshot_preview1", wasi, &err))
		FAIL("WASI: %s", err.message);
	srand(17);
	for (int i = 0; i < count; i++) {
		kiln_module *m = NULL;
		kiln_instance *inst = NULL;
		memcpy(p, art, len);
		for (int j = rand() % 4; j >= 0; j--)
			p[at[i % k] + (size_t)rand() % n[i % k]] ^= (uint8_t)(1 + rand() % 255);
		reseal_module(p);
		krt_artifact_seal(p, len);
		err.message[0] = 0;
		if (kiln_module_load(p, len, &m, &err) != KILN_OK) {
			refusals++;
			if (!err.message[0] || m)
				FAIL("mutation %d: refused without a message", i);
			continue;
		}
		loaded++;
		kiln_linker_instantiate(linker, m, &inst, NULL, &err);
		kiln_instance_delete(inst);
		kiln_module_delete(m);
	}
	printf("%d mutations of the module, symbols, relocations and section headers, hashes "
	       "recomputed: %d refused, %d loaded and instantiated\n", count, refusals, loaded);
	kiln_linker_delete(linker);
	kiln_instance_delete(wasi);
	free(p);
}

int main(int argc, char **argv)
{
	kiln_engine *e = NULL;
	kiln_module *m = NULL;
	kiln_artifact_desc d;
	kiln_artifact_header h;
	kiln_error err;
	uint8_t *wasm, *art = NULL;
	size_t wasm_len, len;

	if (argc != 3 || !(wasm = read_file(argv[1], &wasm_len)))
		return fprintf(stderr, "usage: artifact-damage WASM OUTDIR\n"), 2;
	if (kiln_engine_new(NULL, &e, &err) != KILN_OK ||
	    kiln_module_decode(wasm, wasm_len, &m, &err) != KILN_OK ||
	    kiln_module_serialize(e, m, &art, &len, &err) != KILN_OK ||
	    kiln_artifact_describe(art, len, &d, &err) != KILN_OK)
		return fprintf(stderr, "FAIL: %s\n", err.message), 1;
	kiln_module_delete(m);
	if (kiln_module_load(art, len, &m, &err) != KILN_OK)
		return fprintf(stderr, "FAIL: the intact artifact: %s\n", err.message), 1;
	kiln_module_delete(m);
	memcpy(&h, art, sizeof h);

	cuts_and_flips(art, len, &d);
	sealed(art, len, 1, "K", 1, "magic", "not a kiln artifact", argv[2]);
	char format[32];
	snprintf(format, sizeof format, "artifact format %d", KILN_ARTIFACT_FORMAT + 1);
	sealed(art, len, offsetof(kiln_artifact_header, format), &(uint32_t){KILN_ARTIFACT_FORMAT + 1},
	       4, "format", format, argv[2]);
	/* Format 3 had a trampoline per function: its objects do not fit. */
	snprintf(format, sizeof format, "artifact format %d", KILN_ARTIFACT_FORMAT - 1);
	sealed(art, len, offsetof(kiln_artifact_header, format), &(uint32_t){KILN_ARTIFACT_FORMAT - 1},
	       4, "old-format", format, argv[2]);
	sealed(art, len, h.kiln_version.off, "9", 1, "kiln-version", "made by kiln 9", argv[2]);
	sealed(art, len, h.llvm_version.off, "8", 1, "llvm-version", "compiled with LLVM 8",
	       argv[2]);
	missing_feature(art, len, &d, argv[2]);
	sealed(art, len, h.objects.off + 8, &(uint64_t){len}, 8, "object-range", "out of bounds",
	       argv[2]);
	sealed(art, len, d.objects[0].offset + offsetof(Elf64_Ehdr, e_machine),
	       &(uint16_t){EM_AARCH64}, 2, "foreign-object", "not an x86-64", argv[2]);
	sealed(art, len, first_rela(art, &d), &(uint32_t){R_X86_64_GOTPCREL}, 4, "relocation",
	       "relocation type 9 is not supported", argv[2]);
	behind_the_hashes(art, len, &d, argv[2]);
	bad_lines(art, len, argv[2]);
	mutations(art, len, &d, 4000);

	free(art);
	free(wasm);
	kiln_engine_delete(e);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
