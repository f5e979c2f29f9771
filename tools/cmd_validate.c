/*
 * cmd_validate.c — `kiln validate FILE.wasm`: decode and validate.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cli_load_module(int argc, char **argv, kiln_module **out)
{
	uint8_t *bytes;
	size_t len;
	int rc;

	*out = NULL;
	if (argc != 2 || argv[1][0] == '-') {
		if (argc > 2)
			cli_error(CLI_USAGE, "%s: too many arguments", argv[0]);
		else if (argc == 2)
			cli_error(CLI_USAGE, "%s: unknown option '%s'", argv[0], argv[1]);
		else
			cli_error(CLI_USAGE, "%s: no input file", argv[0]);
		return cli_usage(argv[0]);
	}
	if ((rc = cli_read_file(argv[1], &bytes, &len)) != CLI_OK)
		return rc;
	rc = cli_module_from_bytes(argv[1], bytes, len, out);
	free(bytes);
	return rc;
}

int cli_module_from_bytes(const char *path, const uint8_t *bytes, size_t len,
			  kiln_module **out)
{
	return cli_module_from_bytes_features(path, bytes, len, KILN_FEATURES_DEFAULT, out);
}

int cli_module_from_bytes_features(const char *path, const uint8_t *bytes, size_t len,
				   uint32_t features, kiln_module **out)
{
	kiln_error err;
	kiln_status st = kiln_module_decode_features(bytes, len, NULL, features, out, &err);

	if (st == KILN_OK && (st = kiln_module_validate(*out, &err)) != KILN_OK) {
		kiln_module_delete(*out);
		*out = NULL;
	}
	if (st == KILN_OK)
		return CLI_OK;
	if (err.offset != KILN_NO_OFFSET)
		return cli_error(CLI_FAIL, "%s: %s: %s (at byte offset %zu)", path,
				 kiln_status_string(st), err.message, err.offset);
	return cli_error(CLI_FAIL, "%s: %s: %s", path, kiln_status_string(st), err.message);
}

int cmd_validate(int argc, char **argv)
{
	kiln_module *m;
	int rc = cli_load_module(argc, argv, &m);

	if (rc == CLI_OK)
		printf("%s: valid\n", argv[1]);
	kiln_module_delete(m);
	return rc;
}
