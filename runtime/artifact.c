/*
 * artifact.c — reading the header of a .kwasm artifact (artifact.h).
 *
 * The checksum of the whole file and every range are checked before
 * anything is used; a signature block must end the file, and every other
 * range lie before it (what the signature covers).  Nothing here checks a
 * signature (signature.c) or maps or runs code (aot_load.c does).
 */
#include <stddef.h>
#include <string.h>
#include <xxhash.h>

#include "artifact.h"

bool kiln_is_artifact(const uint8_t *bytes, size_t len)
{
	return len >= 8 && memcmp(bytes, KILN_ARTIFACT_MAGIC, 8) == 0;
}

uint64_t kiln_artifact_checksum(const uint8_t *bytes, size_t len)
{
	static const uint8_t zero[8];
	size_t at = offsetof(kiln_artifact_header, checksum);
	XXH3_state_t *st = XXH3_createState();
	uint64_t h;

	if (st == NULL || len < sizeof(kiln_artifact_header)) {
		XXH3_freeState(st);
		return 0;
	}
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, bytes, at);
	XXH3_64bits_update(st, zero, sizeof zero);
	XXH3_64bits_update(st, bytes + at + 8, len - at - 8);
	h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h;
}

void krt_artifact_seal(uint8_t *bytes, size_t len)
{
	uint64_t h = kiln_artifact_checksum(bytes, len);

	memcpy(bytes + offsetof(kiln_artifact_header, checksum), &h, 8);
}

static bool in_file(kiln_artifact_range r, size_t len)
{
	return r.off <= len && r.len <= len - r.off;
}

static kiln_name name_at(const uint8_t *bytes, kiln_artifact_range r)
{
	return (kiln_name){(const char *)bytes + r.off, (size_t)r.len};
}

/* The table of object ranges: 1 to KILN_ARTIFACT_MAX_OBJECTS of them,
 * each inside the file. */
static kiln_status describe_objects(const uint8_t *bytes, size_t len, kiln_artifact_range t,
				    kiln_artifact_desc *out, kiln_error *err)
{
	uint64_t n = t.len / sizeof(kiln_artifact_range);

	if (t.len % sizeof(kiln_artifact_range) || n == 0 || n > KILN_ARTIFACT_MAX_OBJECTS)
		return krt_fail_status(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				       "artifact object table is corrupt");
	out->nobjects = (uint32_t)n;
	for (uint32_t i = 0; i < n; i++) {
		kiln_artifact_range r;
		memcpy(&r, bytes + t.off + i * sizeof r, sizeof r);
		if (!in_file(r, len))
			return krt_fail_status(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
					       "artifact object %u out of bounds (truncated or corrupt)",
					       i);
		out->objects[i].offset = (size_t)r.off;
		out->objects[i].size = (size_t)r.len;
	}
	return KILN_OK;
}

/* The signature block, when there is one: the last bytes of the file,
 * after the header.  *signed_len is where the signed bytes end. */
static kiln_status describe_signature(const uint8_t *bytes, size_t len,
				      const kiln_artifact_header *h, kiln_artifact_desc *out,
				      size_t *signed_len, kiln_error *err)
{
	kiln_artifact_signature sig;

	*signed_len = len;
	if (h->signature.off == 0 && h->signature.len == 0)
		return KILN_OK;
	if (h->signature.len != sizeof sig || h->signature.off < sizeof *h ||
	    h->signature.off > len || len - h->signature.off != sizeof sig)
		return krt_fail_status(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				       "artifact signature block out of place "
				       "(truncated or corrupt)");
	memcpy(&sig, bytes + h->signature.off, sizeof sig);
	if (memcmp(sig.magic, KILN_SIGNATURE_MAGIC, 8))
		return krt_fail_status(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				       "artifact signature block is corrupt");
	out->is_signed = true;
	memcpy(out->signer_fingerprint, sig.fingerprint, 32);
	*signed_len = (size_t)h->signature.off;
	return KILN_OK;
}

kiln_status kiln_artifact_describe(const uint8_t *bytes, size_t len,
				   kiln_artifact_desc *out, kiln_error *err)
{
	kiln_artifact_header h;
	kiln_status st;

	memset(out, 0, sizeof *out);
	if (!kiln_is_artifact(bytes, len))
		return krt_fail_status(err, KILN_ERR_MALFORMED, 0, "not a kiln artifact");
	if (len < sizeof h)
		return krt_fail_status(err, KILN_ERR_MALFORMED, len,
				       "truncated artifact header");
	memcpy(&h, bytes, sizeof h);
	if (h.format != KILN_ARTIFACT_FORMAT)
		return krt_fail_status(err, KILN_ERR_MALFORMED, 8,
				       "artifact format %u, this kiln reads format %u",
				       h.format, KILN_ARTIFACT_FORMAT);
	if (h.checksum != kiln_artifact_checksum(bytes, len))
		return krt_fail_status(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				       "artifact checksum mismatch (truncated or corrupt)");
	if ((st = describe_signature(bytes, len, &h, out, &len, err)) != KILN_OK)
		return st;
	/* From here on, len ends before the signature block. */
	if (!in_file(h.kiln_version, len) || !in_file(h.llvm_version, len) ||
	    !in_file(h.triple, len) || !in_file(h.cpu, len) || !in_file(h.features, len) ||
	    !in_file(h.module, len) || !in_file(h.objects, len) || !in_file(h.lines, len))
		return krt_fail_status(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				       "artifact range out of bounds (truncated or corrupt)");
	out->format = h.format;
	out->opt_level = h.opt_level;
	out->epoch_interruption = (h.code_flags & KILN_ARTIFACT_EPOCH_CHECKS) != 0;
	out->fuel_metering = (h.code_flags & KILN_ARTIFACT_FUEL) != 0;
	out->module_features = h.module_features;
	out->kiln_version = name_at(bytes, h.kiln_version);
	out->llvm_version = name_at(bytes, h.llvm_version);
	out->triple = name_at(bytes, h.triple);
	out->cpu = name_at(bytes, h.cpu);
	out->features = name_at(bytes, h.features);
	memcpy(out->module_sha256, h.module_sha256, 32);
	out->module_size = (size_t)h.module.len;
	return describe_objects(bytes, len, h.objects, out, err);
}
