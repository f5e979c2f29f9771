/*
 * kiln.c — the `kiln` command line: option parsing common to all commands,
 * the command table, help, and the shared helpers of cli.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_not_yet(int argc, char **argv);

static const cli_command commands[] = {
	{"validate", cmd_validate, "FILE.wasm",
	 "decode and validate a module",
	 "Exits 0 when FILE.wasm is a valid WebAssembly 2.0 module; otherwise\n"
	 "prints why (the spec's message and the byte offset) and exits 1."},
	{"inspect", cmd_inspect, "FILE.wasm",
	 "show a module's sections, imports, exports and counts", NULL},
	{"wast", cmd_wast, "[--enable-FEATURE...] [--aot] [-v] FILE.wast",
	 "run a spec test script",
	 "Converts FILE.wast with wabt's wast2json (found on PATH, or named by\n"
	 "$KILN_WAST2JSON) and runs its commands. Each command counts once, as\n"
	 "passed, failed or skipped; the last line is 'N passed, N failed, N\n"
	 "skipped'. Exits 1 on any failure.\n"
	 "  --enable-FEATURE  passed to wast2json (e.g. --enable-tail-call)\n"
	 "  --aot             compile each module to an artifact, load it and run that\n"
	 "  -v, --verbose     also print passes, skips and message differences"},
	{"run", cmd_run, "[--invoke NAME] [--dir HOST[::GUEST]]... [--env NAME=VALUE]...\n"
	 "                [--inherit-env] [--tcplisten ADDR:PORT]... [--stats] [-O0..-O3]\n"
	 "                FILE.wasm [ARGS...]",
	 "compile and run a module",
	 "Runs the module's _start, or with --invoke the named export, with ARGS\n"
	 "parsed by the export's parameter types (integers in decimal or 0x hex,\n"
	 "floats as C reads them); prints the results one per line.  A trap\n"
	 "prints 'error: wasm trap: MESSAGE' and exits 1; proc_exit's code\n"
	 "becomes kiln's.  Without --invoke, ARGS are the program's arguments.\n"
	 "WASI preview1: --dir gives the program a host directory (under the\n"
	 "name GUEST, default HOST); paths never leave it.  The environment is\n"
	 "empty but for --env and, with --inherit-env, kiln's own.  --tcplisten\n"
	 "preopens a listening socket for sock_accept.  --stats\n"
	 "reports compile, instantiate and run times."},
	{"compile", cmd_compile, "[-O0..-O3] IN.wasm -o OUT.kwasm",
	 "compile a module ahead of time",
	 "Writes a .kwasm artifact: a header (format, kiln and LLVM versions,\n"
	 "target, CPU and features, options, the module's SHA-256), the module\n"
	 "and a native object for this machine.  `kiln inspect` shows the header;\n"
	 "`kiln run OUT.kwasm` runs it with no compiler involved."},
	{"cache", cmd_not_yet, "dir|stats|clean", "manage the code cache (not supported yet)", NULL},
	{"help", cmd_help, "[COMMAND]", "show help for kiln or for one command", NULL},
};

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int cli_usage(const char *name)
{
	const cli_command *c = find_command(name);

	if (c != NULL)
		fprintf(stderr, "usage: kiln %s %s\n", c->name, c->args);
	return CLI_USAGE;
}

static void print_overview(FILE *f)
{
	fprintf(f, "usage: kiln COMMAND [ARGS...]\n"
		   "       kiln --version | --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'kiln help COMMAND' for the details of one command.\n");
}

static int cmd_help(int argc, char **argv)
{
	const cli_command *c;

	if (argc == 1) {
		print_overview(stdout);
		return CLI_OK;
	}
	if (argc > 2)
		return cli_error(CLI_USAGE, "help: too many arguments");
	if (!(c = find_command(argv[1])))
		return cli_error(CLI_USAGE, "help: unknown command '%s'", argv[1]);
	printf("usage: kiln %s %s\n\n%s.\n", c->name, c->args, c->summary);
	if (c->help)
		printf("\n%s\n", c->help);
	return CLI_OK;
}

static int cmd_not_yet(int argc, char **argv)
{
	(void)argc;
	return cli_error(CLI_USAGE, "'%s' is not supported yet", argv[0]);
}

int main(int argc, char **argv)
{
	const cli_command *c;

	if (argc < 2) {
		print_overview(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("kiln %s (LLVM %s)\n", kiln_version(),
		       kiln_compiler_llvm_version());
		return CLI_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv + 1);
	if (argv[1][0] == '-') {
		cli_error(CLI_USAGE, "unknown option '%s'", argv[1]);
		print_overview(stderr);
		return CLI_USAGE;
	}
	if (!(c = find_command(argv[1]))) {
		cli_error(CLI_USAGE, "unknown command '%s'", argv[1]);
		print_overview(stderr);
		return CLI_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
