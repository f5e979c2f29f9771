/*
 * kiln_run.c — `kiln-run`: runs .kwasm artifacts with the runtime library
 * alone.  The same options as `kiln run`; it is linked without LLVM, which
 * proves the runtime needs none.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_usage(const char *name)
{
	(void)name;
	fprintf(stderr, "usage: kiln-run [--invoke NAME] [--dir HOST[::GUEST]]... "
			"[--env NAME=VALUE]...\n"
			"                [--inherit-env] [--tcplisten ADDR:PORT]... [--stats] "
			"[--timeout DURATION] [--max-memory SIZE]\n"
			"                [--max-memory64 SIZE] [--verify PUBKEY.pem] [--max-table-elements N]\n"
			"                [--max-stack SIZE] [--max-threads N] FILE.kwasm [ARGS...]\n");
	return CLI_USAGE;
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cli_usage("run");
		return CLI_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("kiln-run %s (runtime only)\n", kiln_version());
		return CLI_OK;
	}
	argv[0] = "run";
	return cmd_run(argc, argv);
}
