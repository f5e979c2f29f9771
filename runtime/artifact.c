/*
 * artifact.c — reading the header of a .kwasm artifact (artifact.h).
 *
 * Every range is checked against the file before it is used; nothing
 * here maps or runs code (the loader is the next step).
 */
#include <string.h>

#include "artifact.h"

bool kiln_is_artifact(const uint8_t *bytes, size_t len)
{
	return len >= 8 && memcmp(bytes, KILN_ARTIFACT_MAGIC, 8) == 0;
}

static bool in_file(kiln_artifact_range r, size_t len)
{
	return r.off <= len && r.len <= len - r.off;
}

static kiln_name name_at(const uint8_t *bytes, kiln_artifact_range r)
{
	return (kiln_name){(const char *)bytes + r.off, (size_t)r.len};
}

kiln_status kiln_artifact_describe(const uint8_t *bytes, size_t len,
				   kiln_artifact_desc *out, kiln_error *err)
{
	kiln_artifact_header h;

	memset(out, 0, sizeof *out);
	if (!kiln_is_artifact(bytes, len))
		return kiln_fail(err, KILN_ERR_MALFORMED, 0, "not a kiln artifact"),
		       KILN_ERR_MALFORMED;
	if (len < sizeof h)
		return kiln_fail(err, KILN_ERR_MALFORMED, len, "truncated artifact header"),
		       KILN_ERR_MALFORMED;
	memcpy(&h, bytes, sizeof h);
	if (h.format != KILN_ARTIFACT_FORMAT)
		return kiln_fail(err, KILN_ERR_MALFORMED, 8,
				 "artifact format %u, this kiln reads format %u", h.format,
				 KILN_ARTIFACT_FORMAT), KILN_ERR_MALFORMED;
	if (!in_file(h.kiln_version, len) || !in_file(h.llvm_version, len) ||
	    !in_file(h.triple, len) || !in_file(h.cpu, len) || !in_file(h.features, len) ||
	    !in_file(h.module, len) || !in_file(h.object, len))
		return kiln_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				 "artifact range out of bounds (truncated or corrupt)"),
		       KILN_ERR_MALFORMED;
	out->format = h.format;
	out->opt_level = h.opt_level;
	out->kiln_version = name_at(bytes, h.kiln_version);
	out->llvm_version = name_at(bytes, h.llvm_version);
	out->triple = name_at(bytes, h.triple);
	out->cpu = name_at(bytes, h.cpu);
	out->features = name_at(bytes, h.features);
	memcpy(out->module_sha256, h.module_sha256, 32);
	out->module_size = (size_t)h.module.len;
	out->object_offset = (size_t)h.object.off;
	out->object_size = (size_t)h.object.len;
	return KILN_OK;
}
