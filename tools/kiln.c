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

static const cli_command commands[] = {
	{"validate", cmd_validate, "FILE.wasm",
	 "decode and validate a module",
	 "Exits 0 when FILE.wasm is a valid WebAssembly 2.0 module; otherwise\n"
	 "prints why (the spec's message and the byte offset) and exits 1."},
	{"inspect", cmd_inspect, "FILE.wasm|FILE.kwasm",
	 "show a module's sections, imports, exports and counts",
	 "For an artifact: its header, and when it is signed the signer's key\n"
	 "fingerprint (SHA-256 of the raw Ed25519 public key)."},
	{"wast", cmd_wast, "[--enable-FEATURE...] [--disable-FEATURE...] [--disable-reference-types]\n"
	 "                [-O0..-O3] [--aot [--target-cpu NAME]] [--tier 0|1|tiered|interp]\n"
	 "                [--tier-up-threshold N] [--tier-up-light-body BYTES] [--tier0-no-offsets]\n"
	 "                [--min-passed N] [-v] FILE.wast",
	 "run a spec test script",
	 "Converts FILE.wast with wabt's wast2json (found on PATH, or named by\n"
	 "$KILN_WAST2JSON) and runs its commands. Each command counts once, as\n"
	 "passed, failed or skipped; each skip reason's count is printed, and\n"
	 "the last line is 'N passed, N failed, N skipped'. Exits 1 on any failure.\n"
	 "  --enable-FEATURE  passed to wast2json (e.g. --enable-tail-call); a\n"
	 "                    proposal kiln builds is decoded only with its flag\n"
	 "  --disable-FEATURE the engine refuses modules using it, as for kiln run\n"
	 "  --disable-reference-types  passed to wast2json too; modules are checked\n"
	 "                    without reference types (one table, no reference values),\n"
	 "                    the world some proposals' folders were written in\n"
	 "  -O0..-O3          optimisation level (default -O2)\n"
	 "  --tier, --tier-up-threshold, --tier-up-light-body, --tier0-no-offsets\n"
	 "                    the JIT's tiering, as for kiln run\n"
	 "  --aot             compile each module to an artifact, load it and run that\n"
	 "  --target-cpu NAME with --aot: compile for NAME (generic: any x86-64)\n"
	 "  --min-passed N    exit 1 when fewer than N commands passed\n"
	 "  -v, --verbose     also print passes, skips and message differences"},
	{"run", cmd_run, "[--invoke NAME] [--dir HOST[::GUEST]]... [--env NAME=VALUE]...\n"
	 "                [--inherit-env] [--tcplisten ADDR:PORT]... [--stats] [-O0..-O3]\n"
	 "                [--no-cache] [--cache-wait] [--aot] [--lazy] [--timeout DURATION]\n"
	 "                [--max-memory SIZE] [--max-memory64 SIZE] [--fuel N]\n"
	 "                [--verify PUBKEY.pem] [--max-table-elements N] [--max-stack SIZE]\n"
	 "                [--tier 0|1|tiered|interp]\n"
	 "                [--tier-up-threshold N] [--tier-up-light-body BYTES]\n"
	 "                [--tier0-no-offsets] [--max-threads N] [--disable-FEATURE]...\n"
	 "                FILE.wasm|FILE.kwasm [ARGS...]",
	 "compile and run a module",
	 "Runs the module's _start, or with --invoke the named export, with ARGS\n"
	 "parsed by the export's parameter types (integers in decimal or 0x hex,\n"
	 "floats as C reads them); prints the results one per line.  A trap\n"
	 "prints 'error: wasm trap: MESSAGE' and exits 1; proc_exit's code\n"
	 "becomes kiln's.  Without --invoke, ARGS are the program's arguments.\n"
	 "WASI preview1: --dir gives the program a host directory (under the\n"
	 "name GUEST, default HOST); paths never leave it.  The environment is\n"
	 "empty but for --env and, with --inherit-env, kiln's own.  --tcplisten\n"
	 "preopens a listening socket for sock_accept (port 0: a free port, printed\n"
	 "on stderr as 'kiln run: --tcplisten ADDR:0 is ADDR:PORT').  The code\n"
	 "cache: a module run before runs from its cached artifact, with no\n"
	 "compiling; a new one runs with the JIT and its artifact is stored when\n"
	 "the run is over, by a background process kiln does not wait for\n"
	 "(--cache-wait or KILN_CACHE_WAIT=1: waits; --aot: before the run, and\n"
	 "the artifact runs).  --no-cache skips it.  The\n"
	 "JIT compiles a function when first called, and on a second thread the\n"
	 "functions compiled ones call, ahead of their first call; --lazy: only\n"
	 "the functions called, on the calling thread.  --tier: interp (the\n"
	 "default) runs every function in the interpreter but those it cannot\n"
	 "run (SIMD), which are compiled at tier 0; functions called often go to\n"
	 "tier 0, hot ones to -ON (tier 1) on a background thread, and long loops\n"
	 "move over to compiled code while they run; tiered compiles a function\n"
	 "first at tier 0 (no optimisation, fast code generation) and again at\n"
	 "-ON once its calls and loop iterations reach --tier-up-threshold\n"
	 "(default 1000; 1: at once); 0 or 1 compiles at that tier only.  A\n"
	 "tier-up of a function of more than --tier-up-light-body bytes of code\n"
	 "(default 4096) goes through a lighter pipeline (code generation still\n"
	 "at -ON).  --tier0-no-offsets compiles tier 0 without the line tables of\n"
	 "trap offsets (cheaper; a backtrace's tier-0 frames then show no offset).\n"
	 "The interpreter charges no fuel yet: with --fuel the default\n"
	 "is tiered.\n"
	 "--timeout (2s, 500ms,\n"
	 "1m) ends the run with 'wasm trap: interrupted' once the time is up,\n"
	 "in the start function, the entry's call or a blocking WASI call (sleep,\n"
	 "reads and writes of pipes and sockets); an artifact for it needs\n"
	 "kiln compile --epoch-interruption.  --max-memory (64MiB, 1GiB) caps the module's\n"
	 "memory: memory.grow fails beyond it; a larger initial memory is refused.\n"	 "--max-memory64 (default 16GiB, at most 1TiB) caps a 64-bit (memory64)\n"
	 "memory as well, which may pass 4GiB; it reserves that much address space.\n"
	 "--fuel N ends the call with 'wasm trap: all fuel consumed' after about N\n"
	 "wasm operators (fuel metering: an artifact needs kiln compile\n"
	 "--fuel-metering); --stats then reports the fuel consumed.\n"
	 "--verify PUBKEY.pem runs FILE.kwasm only when it is signed by that\n"
	 "Ed25519 key (kiln compile --sign): an artifact is native code.\n"
	 "--max-table-elements N (default 10000000) caps the elements of all\n"
	 "the tables the module defines, together: table.grow returns -1\n"
	 "beyond it; larger initial tables are refused.  --max-stack SIZE (16KiB\n"
	 "to 512MiB, default 1MiB) is the stack wasm may use before 'wasm trap:\n"
	 "call stack exhausted'.  wasi-threads (a module importing \"wasi\"\n"
	 "\"thread-spawn\" and a shared memory): each spawn runs a new instance of\n"
	 "the module on a thread of its own, with --max-stack, --fuel and\n"
	 "--timeout each; --max-threads N (1 to 4096, default 256) caps the\n"
	 "threads live at once: a spawn past it returns -1.  A trap or proc_exit\n"
	 "in any thread ends the program with its status; so does the main\n"
	 "thread returning, after 100 ms for threads still returning.\n"
	 "These limits act the same on a module and on\n"
	 "its artifact, under kiln run and kiln-run.  Modules are refused\n"
	 "(one line naming the limit) past V8's limits on what a module\n"
	 "declares: 50000 locals per function, 7654321 bytes per function,\n"
	 "1000000 functions, types or globals, 100000 imports, exports or data\n"
	 "segments (README, Resource limits).\n"
	 "--stats\n"
	 "reports compile times (the JIT's by phase: lowering, LLVM's optimisation,\n"
	 "code generation, set-up), instantiate and run times, and when the entry point\n"
	 "was called after the start ($KILN_STATS_T0, seconds since the epoch as\n"
	 "bash's $EPOCHREALTIME, else when the command began).\n"
	 "--disable-FEATURE (threads, tail-call, extended-const) refuses a module\n"
	 "using that proposal, compiled or from an artifact ('the module uses\n"
	 "tail-call, which is disabled in this engine'); `kiln inspect` shows the\n"
	 "proposals a module uses."},
	{"compile", cmd_compile, "[-O0..-O3] [--target-cpu native|generic|NAME]\n"
	 "                    [--target-features +x,-y] [--threads N] [--epoch-interruption]\n"
	 "                    [--fuel-metering] [--part-bytes N|none]\n"
	 "                    [--dump PREFIX] [--sign KEY.pem] [--disable-FEATURE]...\n"
	 "                    IN.wasm -o OUT.kwasm",
	 "compile a module ahead of time",
	 "Writes a .kwasm artifact: a header (format, kiln and LLVM versions,\n"
	 "target, CPU and features, options, the module's SHA-256), the module\n"
	 "and native objects, by default for this machine's CPU and all its\n"
	 "features (--target-cpu native; generic: any x86-64, SSE2 only; or an\n"
	 "LLVM CPU name, with --target-features adding or removing features);\n"
	 "kiln-run refuses it on a CPU lacking one.  A module with over 128 KiB of\n"
	 "code is split into parts of at least 32 KiB compiled on N threads\n"
	 "(default: one per CPU), its progress shown on a terminal; each part\n"
	 "takes along the small functions it calls from other parts, to inline\n"
	 "them.  --part-bytes N: parts of about N bytes of code whatever the\n"
	 "module's size (at most 64); none: one part.  `kiln inspect` shows the header;\n"
	 "`kiln run OUT.kwasm` runs it with no compiler involved.\n"
	 "--epoch-interruption: the code checks for interruption at function\n"
	 "entries and loops (for kiln run --timeout); --fuel-metering: code that\n"
	 "charges fuel there (for kiln run --fuel).  --dump also\n"
	 "writes the optimised LLVM IR and the assembly to PREFIX.ll and\n"
	 "PREFIX.s (PREFIX.N.* per part), the bodies named b<index>.\n"
	 "--sign KEY.pem signs the artifact with an Ed25519 private key (openssl\n"
	 "genpkey -algorithm ed25519); kiln run --verify and kiln-run --verify\n"
	 "with its public key then refuse any artifact it did not sign.  An\n"
	 "artifact is native code: run only artifacts you trust."},
	{"serve", cmd_serve, "--listen ADDR:PORT [--workers N] [--timeout DURATION|0]\n"
	 "                  [--max-memory SIZE] [--max-table-elements N]\n"
	 "                  [--max-stack SIZE] [--header-timeout D|0] [--body-timeout D|0]\n"
	 "                  [--idle-timeout D|0] [--max-connections N]\n"
	 "                  [--max-connections-per-ip N|0] [--max-body SIZE]\n"
	 "                  [--verify PUBKEY.pem] [--quiet] [--no-cache]\n"
	 "                  [--disable-FEATURE]... HANDLER.wasm|HANDLER.kwasm",
	 "serve HTTP, running the handler for each request (WAGI)",
	 "Answers every request with a fresh instance of HANDLER, WAGI-style\n"
	 "(CGI for WebAssembly): REQUEST_METHOD, PATH_INFO, QUERY_STRING,\n"
	 "CONTENT_TYPE, CONTENT_LENGTH, SERVER_*, REMOTE_ADDR and HTTP_* for\n"
	 "each header are the program's environment, the body is its stdin; it\n"
	 "prints headers (Status: 404 Not Found sets the status, Location alone\n"
	 "means 302), a blank line and the body.  N worker threads (default 2)\n"
	 "each run the requests of their connections, HTTP/1.1 keep-alive.  A\n"
	 "trap, a non-zero exit, output without headers, a request over\n"
	 "--timeout (default 10s; 0: none; blocking WASI calls and the start\n"
	 "function included: one that does not end in time refuses the handler\n"
	 "at start) or a memory.grow past --max-memory (tables: past\n"
	 "--max-table-elements in all, default 10,000,000) or a call deeper\n"
	 "than --max-stack (16KiB to 512MiB, default 1MiB) that the handler\n"
	 "cannot survive answers 500; other requests never notice.  --verify:\n"
	 "HANDLER must be a .kwasm signed by that key (kiln compile --sign).\n"
	 "Bodies up to --max-body (default 16MiB, 1 byte to 1GiB): a larger\n"
	 "Content-Length is answered 413 at once, unread; a larger chunked body\n"
	 "is read to its end, dropped, and answered 413 (past twice the limit,\n"
	 "the connection is cut).  The access log goes to stderr (--quiet: none), bytes\n"
	 "outside printable ASCII as \\xHH.\n"
	 "Slow clients: the headers must arrive within --header-timeout (default\n"
	 "10s), a body within --body-timeout (30s) of them, a kept-alive\n"
	 "connection's next request within --idle-timeout (30s); else the\n"
	 "connection is closed (0: no such limit).  At --max-connections (1024;\n"
	 "the soft open-file limit is raised to the hard one, and the default\n"
	 "shrinks to fit it) a new client evicts the connection waiting longest\n"
	 "for its headers, and is refused only when all are busy; one address\n"
	 "holds at most --max-connections-per-ip (256; 0: no share).  At the end\n"
	 "one line counts the connections closed, evicted and refused.\n"
	 "A .wasm is compiled ahead of time through the\n"
	 "code cache; an artifact for --timeout needs --epoch-interruption.\n"
	 "HTTP by GNU libmicrohttpd.  SIGINT or SIGTERM stops the server."},
	{"cache", cmd_cache, "dir|stats|clean\n"
	 "       kiln cache fill [-O0..-O3] [--epoch-interruption] [--fuel-metering] FILE.wasm",
	 "show, empty or fill the code cache",
	 "The cache holds artifacts of modules `kiln run` ran, by a key of the\n"
	 "module, kiln, LLVM, target, CPU and options: $KILN_CACHE_DIR, else\n"
	 "$XDG_CACHE_HOME/kiln, else ~/.cache/kiln; at most $KILN_CACHE_MAX_MB\n"
	 "(default 512), oldest entries removed first.  The directory is made\n"
	 "0700 and entries 0600; one owned by another user or writable by others\n"
	 "is refused (kiln runs without the cache), and each entry carries an\n"
	 "HMAC under the cache's own key (mac.key), so a planted one never runs.\n"
	 "fill compiles FILE.wasm into the cache now, for kiln run with those\n"
	 "options (--timeout: --epoch-interruption, --fuel: --fuel-metering).  On\n"
	 "a miss kiln run starts it in the background, at idle priority, with\n"
	 "--key KEY --background (one fill per key at a time; nothing stored if\n"
	 "FILE no longer has KEY); $KILN_CACHE_LOG names a file where those\n"
	 "fills log what they did."},
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
	/* `kiln run --help`: the command's help.  Only as its first argument:
	 * later, --help may be the program's own (kiln run prog.wasm --help). */
	if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		char *help[] = {"help", argv[1]};
		return cmd_help(2, help);
	}
	return c->run(argc - 1, argv + 1);
}
