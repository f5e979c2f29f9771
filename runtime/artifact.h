/*
 * artifact.h — the .kwasm format: a module compiled ahead of time
 * (internal; the compiler writes it, the runtime reads it).
 *
 * Layout, all little-endian, offsets from the start of the file:
 *   kiln_artifact_header
 *   string and blob regions named by the header's ranges, in any order:
 *     kiln version, LLVM version, target triple, CPU name, CPU features,
 *     the original module's bytes (its metadata: types, imports,
 *     exports, segments... are decoded from them again), and the
 *     relocatable ELF objects (compiled in parallel) holding b<i>
 *     (function bodies) for every own function i and, in the first
 *     object, T<sig> (entry trampolines, code.h's krt_tramp_name) for
 *     every signature of own functions; `objects` names a table of their
 *     ranges;
 *   a signed artifact ends with its signature block (kiln_artifact_signature),
 *     which `signature` names; every other range lies before it.
 * A reader checks the magic, the format version, the checksum over the
 * whole file (XXH3-64, libxxhash) and every range against the file size
 * before using anything; the loader then checks the module's SHA-256.
 *
 * Signatures (signature.c): Ed25519 (OpenSSL libcrypto) over
 * KILN_SIGNATURE_CONTEXT followed by the SHA-512 of every byte before the
 * signature block, with the checksum field taken as zero (the checksum,
 * computed last, covers the block too).  The block also holds the SHA-256
 * of the signer's raw public key, so that a wrong key is named as such.
 */
#ifndef KILN_ARTIFACT_H
#define KILN_ARTIFACT_H

#include <stdint.h>

#include "internal.h"

#define KILN_ARTIFACT_MAGIC "\0kilnaot"
/* 10: wasm functions take their ctx twice, in %r13 (swiftself) and in
 * %rdi (compiler/lower.h, LOWER_CTX_ARGS); code of format 9 would call
 * them with %r13 undefined.
 * 9: memory64 past 4 GiB: the memory_fill_at, memory_copy_at and
 * memory_init_at helpers take u64 addresses and lengths (vmctx.h), which
 * code of format 8 passes as u32s.
 * 8: the proposals the module uses (`module_features`), which a kiln of
 * format 7 would not know to refuse; multi-memory code (ctx->memories, the
 * *_at helpers appended to kiln_helpers) and relaxed SIMD came with it.
 * 7: the map from code to wasm offsets (`lines`) for trap backtraces.
 * 6: code may call the threads helpers (atomic_wait32/64, atomic_notify)
 * appended to kiln_helpers, which runtimes of format 5 lack.
 * 5: code reads memory 0's base from the ctx (vmctx.memory_base), which
 * runtimes of format 4 leave zero.  4: trampolines per signature (3: t<i>
 * per function, Ed25519 signatures introduced; their scheme and context
 * string are unchanged since). */
#define KILN_ARTIFACT_FORMAT 10

/* code_flags: the code checks the epoch deadline (vmctx.h). */
#define KILN_ARTIFACT_EPOCH_CHECKS 1u
/* code_flags: the code charges fuel (vmctx.h). */
#define KILN_ARTIFACT_FUEL 2u

typedef struct kiln_artifact_range {
	uint64_t off, len;
} kiln_artifact_range;

typedef struct kiln_artifact_header {
	char magic[8];
	uint32_t format;		/* KILN_ARTIFACT_FORMAT */
	uint32_t opt_level;		/* options that change the code */
	uint32_t bounds_mode;
	uint32_t code_flags;		/* KILN_ARTIFACT_EPOCH_CHECKS, _FUEL */
	uint64_t checksum;		/* XXH3-64 of the file, this field zero */
	uint8_t module_sha256[32];	/* of the original module's bytes */
	kiln_artifact_range kiln_version, llvm_version, triple, cpu, features;
	kiln_artifact_range module;
	kiln_artifact_range objects;	/* a table of ranges, one per object */
	kiln_artifact_range signature;	/* the signature block; {0, 0}: unsigned */
	/* Where each own function's code came from (lines.h), all uint32
	 * little-endian: n, the own functions' count; start[n + 1], each
	 * function's first entry, ascending from 0; then start[n] entries
	 * (pc, module offset), each function's ascending by pc.  {0, 0}:
	 * none (offsets unknown). */
	kiln_artifact_range lines;
	/* The proposals the module uses (KILN_FEATURE_* bits): its bodies
	 * are not walked again when it is loaded. */
	uint32_t module_features;
	uint32_t reserved;		/* zero */
} kiln_artifact_header;

_Static_assert(sizeof(kiln_artifact_header) == 32 + 32 + 8 * 18 + 8, "artifact ABI");

#define KILN_SIGNATURE_MAGIC "kilnsig1"
#define KILN_SIGNATURE_CONTEXT "kiln artifact signature, format 3"

typedef struct kiln_artifact_signature {
	char magic[8];			/* KILN_SIGNATURE_MAGIC */
	uint8_t fingerprint[32];	/* SHA-256 of the raw Ed25519 public key */
	uint8_t signature[64];		/* Ed25519, as described above */
} kiln_artifact_signature;

_Static_assert(sizeof(kiln_artifact_signature) == 104, "artifact ABI");

/* The checksum of a whole artifact (its own field taken as zero), and
 * setting it: damage anywhere in a file is found before anything in it is
 * used. */
uint64_t kiln_artifact_checksum(const uint8_t *bytes, size_t len);
KRT_ABI void krt_artifact_seal(uint8_t *bytes, size_t len);

/* Checks the indices the runtime uses from an artifact's decoded module
 * (aot_check.c); KILN_ERR_MALFORMED naming the first bad one. */
bool aot_check_module(const kiln_module *m, kiln_error *err);

/* The SHA-256 of bytes (signature.c); false when libcrypto fails. */
bool kiln_sha256(const uint8_t *bytes, size_t len, uint8_t out[32]);

#endif /* KILN_ARTIFACT_H */
