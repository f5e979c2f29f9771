/*
 * cmd_compile.c — `kiln compile IN.wasm -o OUT.kwasm [-O0..-O3]
 * [--target-cpu native|generic|NAME] [--target-features +x,-y] [--threads N]
 * [--part-bytes N|none] [--epoch-interruption] [--dump PREFIX] [--sign KEY.pem]`:
 * compile a module ahead of time into a .kwasm artifact, written
 * atomically by cli_write_file (never over a device, a directory or a
 * symbolic link).  A large module is compiled
 * in parts on N threads (default: one per CPU), with its progress shown
 * on a terminal.  --dump writes the optimised IR and assembly beside it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_compile(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *sign_key = NULL;
	kiln_config cfg = kiln_config_default();
	kiln_engine *engine = NULL;
	kiln_module *m = NULL;
	kiln_error err;
	uint8_t *bytes = NULL;
	size_t len;
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((rc = cli_feature_option(argv[i], "compile", &cfg.features)) != 0) {
			if (rc < 0)
				return cli_usage("compile");
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--target-cpu") && i + 1 < argc)
			cfg.target_cpu = argv[++i];
		else if (!strcmp(argv[i], "--target-features") && i + 1 < argc)
			cfg.target_features = argv[++i];
		else if (!strcmp(argv[i], "--epoch-interruption"))
			cfg.epoch_interruption = true;
		else if (!strcmp(argv[i], "--fuel-metering"))
			cfg.fuel_metering = true;
		else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
			cfg.dump_prefix = argv[++i];
		else if (!strcmp(argv[i], "--sign") && i + 1 < argc)
			sign_key = argv[++i];
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			char *end;
			unsigned long n = strtoul(argv[++i], &end, 10);
			if (*end || !argv[i][0] || argv[i][0] == '-' || n > 1024)
				return cli_error(CLI_USAGE, "compile: bad thread count '%s'",
						 argv[i]), cli_usage("compile");
			cfg.compile_threads = (unsigned)n;
		} else if (!strcmp(argv[i], "--part-bytes") && i + 1 < argc) {
			uint64_t n = UINT32_MAX;	/* none: one part */
			if (strcmp(argv[++i], "none") &&
			    (!cli_parse_count(argv[i], &n) || n >= UINT32_MAX))
				return cli_error(CLI_USAGE, "compile: bad part size '%s'",
						 argv[i]), cli_usage("compile");
			cfg.aot_part_bytes = (uint32_t)n;
		} else if (argv[i][0] == '-' && argv[i][1] == 'O' && argv[i][2] >= '0' &&
			 argv[i][2] <= '3' && !argv[i][3])
			cfg.opt_level = argv[i][2] - '0';
		else if (argv[i][0] == '-' || in)
			return cli_error(CLI_USAGE, "compile: unexpected '%s'", argv[i]),
			       cli_usage("compile");
		else
			in = argv[i];
	}
	if (!in || !out)
		return cli_error(CLI_USAGE, "compile: need IN.wasm and -o OUT.kwasm"),
		       cli_usage("compile");
	if ((rc = cli_load_module(2, (char *[]){argv[0], (char *)in}, &m)) != CLI_OK)
		return rc;
	cli_show_progress(&cfg, in);
	if (kiln_engine_new(&cfg, &engine, &err) != KILN_OK ||
	    kiln_module_serialize(engine, m, &bytes, &len, &err) != KILN_OK)
		rc = cli_error(CLI_FAIL, "%s: %s", in, err.message);
	else if (!sign_key || (rc = cli_sign(sign_key, &bytes, &len)) == CLI_OK)
		rc = cli_write_file(out, bytes, len);
	free(bytes);
	kiln_module_delete(m);
	kiln_engine_delete(engine);
	return rc;
}
