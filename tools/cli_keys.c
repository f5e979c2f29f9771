/*
 * cli_keys.c — Ed25519 key files for `kiln compile --sign`, `kiln run
 * --verify` and `kiln-run --verify` (kiln_key_* in kiln.h): reading a PEM
 * file, signing an artifact in memory and loading one only when it is
 * signed by the given key.  Every failure is one line and CLI_FAIL.
 */
#include <stdlib.h>

#include "cli.h"

int cli_load_key(const char *path, kiln_key **out)
{
	uint8_t *pem;
	size_t len;
	kiln_error err;
	int rc;

	*out = NULL;
	if ((rc = cli_read_file(path, &pem, &len)) != CLI_OK)
		return rc;
	if (kiln_key_from_pem((const char *)pem, len, out, &err) != KILN_OK)
		rc = cli_error(CLI_FAIL, "%s: %s", path, err.message);
	free(pem);
	return rc;
}

int cli_sign(const char *key_path, uint8_t **bytes, size_t *len)
{
	kiln_key *key;
	kiln_error err;
	uint8_t *signed_bytes;
	size_t signed_len;
	int rc;

	if ((rc = cli_load_key(key_path, &key)) != CLI_OK)
		return rc;
	if (kiln_artifact_sign(*bytes, *len, key, &signed_bytes, &signed_len, &err) != KILN_OK)
		rc = cli_error(CLI_FAIL, "%s: %s", key_path, err.message);
	else {
		free(*bytes);
		*bytes = signed_bytes;
		*len = signed_len;
	}
	kiln_key_delete(key);
	return rc;
}

int cli_load_artifact(const char *path, const char *key_path, const uint8_t *bytes,
		      size_t len, kiln_module **out)
{
	kiln_key *key;
	kiln_error err;
	int rc;

	*out = NULL;
	if (!key_path)
		return kiln_module_load(bytes, len, out, &err) == KILN_OK
			       ? CLI_OK : cli_error(CLI_FAIL, "%s: %s", path, err.message);
	if ((rc = cli_load_key(key_path, &key)) != CLI_OK)
		return rc;
	if (kiln_module_load_verified(bytes, len, key, out, &err) != KILN_OK)
		rc = cli_error(CLI_FAIL, "%s: %s", path, err.message);
	kiln_key_delete(key);
	return rc;
}
