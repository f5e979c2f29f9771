/*
 * cmd_run.c — `kiln run [OPTIONS] FILE.wasm [ARGS...]`: compile, instantiate
 * and run a module: its `_start`, or with --invoke the named export, whose
 * arguments are parsed from ARGS by the export's parameter types and whose
 * results are printed one per line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_DIRS 32
#define MAX_ENV 256

typedef struct run_opts {
	const char *file, *invoke;
	bool stats;
	int opt_level;
	cli_tiering tier;
	char **args;
	int nargs;
	kiln_wasi_dir dirs[MAX_DIRS];
	int ndirs;
	const char *env[MAX_ENV];
	int nenv;
	bool inherit_env;
	int sockets[MAX_DIRS];
	int nsockets;
	bool no_cache, aot, lazy;
	bool cache_wait;	/* --cache-wait, $KILN_CACHE_WAIT=1: fill before exiting */
	double timeout;		/* --timeout, seconds; 0: none */
	uint32_t max_pages;	/* --max-memory, in 64 KiB pages; 0: none */
	uint32_t max_pages64;	/* --max-memory64, in pages; 0: the default (16 GiB) */
	uint32_t max_table_elements;	/* --max-table-elements; 0: the default */
	uint64_t max_stack;	/* --max-stack, bytes; 0: the default (1 MiB) */
	uint64_t fuel;		/* --fuel; 0: no metering */
	const char *verify;	/* --verify PUBKEY.pem: artifacts signed by it only */
	uint32_t max_threads;	/* --max-threads: wasi-threads; 0: the default */
	uint32_t features;	/* kiln_config.features less --disable-FEATURE */
} run_opts;

/* The timer behind --timeout: moves the epoch once the time is up, unless
 * the run ends first. */
typedef struct timer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct timespec at;
	bool over, started;
} timer;

static void *timer_main(void *arg)
{
	timer *t = arg;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	while (!t->over && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&t->done, &t->lock, &t->at);
	if (!t->over)
		kiln_epoch_increment();
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static void timer_start(timer *t, double seconds)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->done, &attr);
	pthread_condattr_destroy(&attr);
	clock_gettime(CLOCK_MONOTONIC, &t->at);
	double ns = (double)t->at.tv_nsec + (seconds - (double)(time_t)seconds) * 1e9;
	t->at.tv_sec += (time_t)seconds + (time_t)(ns / 1e9);
	t->at.tv_nsec = (long)ns % 1000000000L;
	t->over = false;
	t->started = pthread_create(&t->thread, NULL, timer_main, t) == 0;
}

static void timer_stop(timer *t)
{
	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	t->over = true;
	pthread_cond_signal(&t->done);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
}

/* --tcplisten ADDR:PORT: a listening IPv4 socket the program can accept on.
 * Port 0 lets the kernel pick a free one, which is reported on stderr
 * ("kiln run: --tcplisten 127.0.0.1:0 is 127.0.0.1:PORT") for the client. */
static int add_listener(run_opts *o, const char *spec)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	int fd, one = 1;
	bool any_port;

	if (!cli_parse_addr(spec, &sa))
		return cli_error(CLI_USAGE, "run: --tcplisten wants an IPv4 ADDR:PORT, got '%s'", spec);
	any_port = sa.sin_port == 0;
	if (o->nsockets == MAX_DIRS)
		return cli_error(CLI_USAGE, "run: at most %d --tcplisten", MAX_DIRS);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return cli_error(CLI_USAGE, "run: --tcplisten %s: %s", spec, strerror(e));
	}
	if (any_port) {
		char host[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
		fprintf(stderr, "kiln run: --tcplisten %s is %s:%u\n", spec, host,
			(unsigned)ntohs(sa.sin_port));
	}
	o->sockets[o->nsockets++] = fd;
	return CLI_OK;
}

/* --dir HOST[::GUEST]: the guest name defaults to HOST. */
static int add_dir(run_opts *o, char *spec)
{
	char *sep = strstr(spec, "::");

	if (o->ndirs == MAX_DIRS)
		return cli_error(CLI_USAGE, "run: at most %d --dir", MAX_DIRS);
	o->dirs[o->ndirs].host = spec;
	o->dirs[o->ndirs].guest = spec;
	if (sep) {
		*sep = 0;
		o->dirs[o->ndirs].guest = sep + 2;
	}
	if (!*o->dirs[o->ndirs].host || !*o->dirs[o->ndirs].guest)
		return cli_error(CLI_USAGE, "run: --dir wants HOST[::GUEST]");
	o->ndirs++;
	return CLI_OK;
}

static int add_env(run_opts *o, const char *kv)
{
	if (!strchr(kv, '=') || kv[0] == '=')
		return cli_error(CLI_USAGE, "run: --env wants NAME=VALUE, got '%s'", kv);
	if (o->nenv == MAX_ENV)
		return cli_error(CLI_USAGE, "run: at most %d --env", MAX_ENV);
	o->env[o->nenv++] = kv;
	return CLI_OK;
}

/* When the command started: $KILN_STATS_T0 (seconds since the epoch, as
 * bash's $EPOCHREALTIME gives, taken by whoever started the process, so
 * that exec and dynamic linking count), else when cmd_run began. */
static double started;
static double load_seconds;	/* reading and loading or decoding the input */

static double seconds(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
	return seconds(CLOCK_MONOTONIC);
}

/* Wall-clock time: comparable with $KILN_STATS_T0 from another process. */
static double realtime(void)
{
	return seconds(CLOCK_REALTIME);
}

#ifdef __x86_64__
#define RUN_INTERP_DEFAULT 1
#else
#define RUN_INTERP_DEFAULT 0
#endif

static int parse_opts(int argc, char **argv, run_opts *o)
{
	int i;

	const char *wait = getenv("KILN_CACHE_WAIT");

	*o = (run_opts){.opt_level = 2, .cache_wait = wait && !strcmp(wait, "1"),
			.features = KILN_FEATURES_DEFAULT};
	for (i = 1; i < argc && argv[i][0] == '-' && !o->file; i++) {
		int t = cli_tier_option(argc, argv, &i, "run", &o->tier);
		if (t == 0)
			t = cli_feature_option(argv[i], "run", &o->features);
		if (t < 0)
			return cli_usage("run");
		if (t > 0)
			continue;
		if (!strcmp(argv[i], "--invoke") && i + 1 < argc)
			o->invoke = argv[++i];
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			if (add_dir(o, argv[++i]) != CLI_OK)
				return CLI_USAGE;
		} else if (!strcmp(argv[i], "--env") && i + 1 < argc) {
			if (add_env(o, argv[++i]) != CLI_OK)
				return CLI_USAGE;
		} else if (!strcmp(argv[i], "--tcplisten") && i + 1 < argc) {
			if (add_listener(o, argv[++i]) != CLI_OK)
				return CLI_USAGE;
		} else if (!strcmp(argv[i], "--inherit-env"))
			o->inherit_env = true;
		else if (!strcmp(argv[i], "--no-cache"))
			o->no_cache = true;
		else if (!strcmp(argv[i], "--cache-wait"))
			o->cache_wait = true;
		else if (!strcmp(argv[i], "--aot"))
			o->aot = true;
		else if (!strcmp(argv[i], "--lazy"))
			o->lazy = true;
		else if (!strcmp(argv[i], "--max-memory") && i + 1 < argc) {
			if (!cli_parse_size(argv[++i], &o->max_pages))
				return cli_error(CLI_USAGE, "run: bad memory size '%s' (whole 64 KiB "
						 "pages up to 4GiB, e.g. 64MiB)", argv[i]),
				       cli_usage("run");
		} else if (!strcmp(argv[i], "--max-memory64") && i + 1 < argc) {
			if (!cli_parse_size64(argv[++i], &o->max_pages64))
				return cli_error(CLI_USAGE, "run: bad memory size '%s' (whole 64 KiB "
						 "pages up to 1TiB, e.g. 16GiB)", argv[i]),
				       cli_usage("run");
		} else if (!strcmp(argv[i], "--max-table-elements") && i + 1 < argc) {
			uint64_t n;
			if (!cli_parse_count(argv[++i], &n) || n > UINT32_MAX)
				return cli_error(CLI_USAGE, "run: bad table element count '%s' "
						 "(1 to 4294967295)", argv[i]), cli_usage("run");
			o->max_table_elements = (uint32_t)n;
		} else if (!strcmp(argv[i], "--max-stack") && i + 1 < argc) {
			if (!cli_parse_bytes(argv[++i], CLI_MAX_STACK, &o->max_stack) ||
			    o->max_stack < CLI_MIN_STACK)
				return cli_error(CLI_USAGE, "run: bad stack size '%s' (16KiB to "
						 "512MiB)", argv[i]), cli_usage("run");
		} else if (!strcmp(argv[i], "--max-threads") && i + 1 < argc) {
			uint64_t n;
			if (!cli_parse_count(argv[++i], &n) || n > KILN_WASI_THREADS_LIMIT)
				return cli_error(CLI_USAGE, "run: bad thread count '%s' (1 to %u)",
						 argv[i], KILN_WASI_THREADS_LIMIT), cli_usage("run");
			o->max_threads = (uint32_t)n;
		} else if (!strcmp(argv[i], "--fuel") && i + 1 < argc) {
			if (!cli_parse_count(argv[++i], &o->fuel))
				return cli_error(CLI_USAGE, "run: bad fuel '%s' (1 to 2^63-1)",
						 argv[i]), cli_usage("run");
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (!cli_parse_duration(argv[++i], &o->timeout))
				return cli_error(CLI_USAGE, "run: bad duration '%s' (e.g. 2s, 500ms)",
						 argv[i]), cli_usage("run");
		}
		else if (!strcmp(argv[i], "--stats"))
			o->stats = true;
		else if (!strcmp(argv[i], "--verify") && i + 1 < argc)
			o->verify = argv[++i];
		else if (argv[i][1] == 'O' && argv[i][2] >= '0' && argv[i][2] <= '3' && !argv[i][3])
			o->opt_level = argv[i][2] - '0';
		else if (!strcmp(argv[i], "--"))
			break;
		else
			return cli_error(CLI_USAGE, "run: unknown option '%s'", argv[i]),
			       cli_usage("run");
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return cli_error(CLI_USAGE, "run: no input file"), cli_usage("run");
	o->file = argv[i];
	o->args = argv + i + 1;
	o->nargs = argc - i - 1;
	/* Unless told otherwise a module starts in the interpreter: no
	 * compiling before _start, hot functions to tier 0 and tier 1 (a
	 * first run as fast or faster than the tiered JIT's on the bench
	 * programs: docs/bench/first-run-interp.md).  The interpreter
	 * charges no fuel yet and its native adapter is x86-64's: there, the
	 * tiered JIT. */
	if (!o->tier.chosen)
		o->tier.tiering = o->fuel || !RUN_INTERP_DEFAULT ? KILN_TIERING_TIERED
								 : KILN_TIERING_INTERP;
	return CLI_OK;
}

static bool parse_arg(const char *s, kiln_valtype t, kiln_val *v)
{
	char *end;

	errno = 0;
	v->type = t;
	switch (t) {
	case KILN_I32: {
		long long x = strtoll(s, &end, 0);
		if (x < INT32_MIN || x > UINT32_MAX)
			return false;
		v->of.i32 = (int32_t)x;
		break;
	}
	case KILN_I64:
		v->of.i64 = s[0] == '-' ? strtoll(s, &end, 0) : (int64_t)strtoull(s, &end, 0);
		break;
	case KILN_F32: v->of.f32 = strtof(s, &end); break;
	case KILN_F64: v->of.f64 = strtod(s, &end); break;
	default: return false;
	}
	return *s && !*end && errno == 0;
}

static void put_val(FILE *out, const kiln_val *v)
{
	switch (v->type) {
	case KILN_I32: fprintf(out, "%" PRId32, v->of.i32); break;
	case KILN_I64: fprintf(out, "%" PRId64, v->of.i64); break;
	case KILN_F32: fprintf(out, "%.9g", (double)v->of.f32); break;
	case KILN_F64: fprintf(out, "%.17g", v->of.f64); break;
	default: fprintf(out, "%s:%p", kiln_valtype_name(v->type), v->of.ref); break;
	}
}

static void print_val(const kiln_val *v)
{
	put_val(stdout, v);
	putchar('\n');
}

static void print_frames(const kiln_trap_info *t);

/* "error: wasm trap: MESSAGE" and the wasm functions it unwound. */
static void print_trap(const kiln_trap_info *t)
{
	fprintf(stderr, "error: wasm trap: %s\n", kiln_trap_message(t->kind));
	print_frames(t);
}

/* An exception nobody caught: its tag (by the name inst exports it
 * under), its values, and where it was thrown. */
static void print_exception(kiln_instance *inst, const kiln_module *m, const kiln_trap_info *t)
{
	kiln_extern tag = kiln_exception_tag(t->exception), x;
	const kiln_val *v;
	size_t n, i;

	fprintf(stderr, "error: uncaught wasm exception: tag ");
	for (i = 0; i < kiln_module_export_count(m); i++) {
		kiln_export_info e = kiln_module_export(m, i);
		if (e.kind == KILN_EXTERN_TAG && kiln_instance_export(inst, e.name, &x) &&
		    x.handle == tag.handle) {
			cli_print_name(stderr, e.name);
			break;
		}
	}
	if (i == kiln_module_export_count(m))
		fprintf(stderr, "(not exported)");
	v = kiln_exception_values(t->exception, &n);
	fprintf(stderr, ", values (");
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", stderr);
		put_val(stderr, &v[i]);
	}
	fprintf(stderr, ")\n");
	print_frames(t);
}

static void print_frames(const kiln_trap_info *t)
{
	if (t->nframes)
		fprintf(stderr, "wasm backtrace:\n");
	for (uint32_t i = 0; i < t->nframes; i++) {
		if (t->frames[i].func_index == UINT32_MAX) {
			fprintf(stderr, "  %2u: <another module>", i);
		} else if (t->frames[i].name.data) {
			fprintf(stderr, "  %2u: ", i);
			cli_print_name(stderr, t->frames[i].name);
			fprintf(stderr, " (function %u)", t->frames[i].func_index);
		} else {
			fprintf(stderr, "  %2u: function %u", i, t->frames[i].func_index);
		}
		/* The module offset of its instruction, as wasmtime prints it. */
		if (t->frames[i].module_offset != KILN_UNKNOWN_OFFSET)
			fprintf(stderr, " at 0x%x", t->frames[i].module_offset);
		fputc('\n', stderr);
	}
}

/* A trap that ended instantiation or the call: a compile failure is one
 * line with its cause, not a wasm trap. */
static int report_trap(kiln_engine *engine, const run_opts *o, const kiln_trap_info *t)
{
	char why[256];

	if (t->kind != KILN_TRAP_COMPILE_FAILED) {
		print_trap(t);
		return CLI_FAIL;
	}
#ifdef KILN_RUNTIME_ONLY
	(void)engine;	/* kiln-run compiles nothing */
	why[0] = 0;
#else
	kiln_engine_compile_error(engine, why, sizeof why);
#endif
	return cli_error(CLI_FAIL, "%s: compile error: %s", o->file, why[0] ? why : "unknown");
}

/* The export's arguments: their number and parsing, by its type. */
static int check_args(const run_opts *o, const char *name, const kiln_functype *ft,
		      kiln_val *args)
{
	if (!o->invoke && ft->nparams != 0)
		return cli_error(CLI_FAIL, "%s: _start must take no arguments", o->file);
	if (o->invoke && ((int)ft->nparams != o->nargs || ft->nparams > 64 || ft->nresults > 64))
		return cli_error(CLI_USAGE, "'%s' takes %u arguments, %d given", name,
				 ft->nparams, o->nargs);
	for (uint32_t i = 0; i < ft->nparams; i++)
		if (!parse_arg(o->args[i], ft->params[i], &args[i]))
			return cli_error(CLI_USAGE, "argument %u: '%s' is not a valid %s", i + 1,
					 o->args[i], kiln_valtype_name(ft->params[i]));
	return CLI_OK;
}

/* --invoke NAME ARGS, checked against the module's export before anything
 * is compiled or instantiated (or stored in the cache): a wrong call costs
 * nothing. */
static bool invoke_refused;

static int check_invoke(const kiln_module *m, const run_opts *o)
{
	kiln_val args[64];
	size_t len = strlen(o->invoke);

	for (size_t i = 0; i < kiln_module_export_count(m); i++) {
		kiln_export_info x = kiln_module_export(m, i);
		if (x.kind != KILN_EXTERN_FUNC || x.name.len != len ||
		    memcmp(x.name.data, o->invoke, len) != 0)
			continue;
		return check_args(o, o->invoke, kiln_module_export_type(m, i).u.func, args);
	}
	return cli_error(CLI_FAIL, "%s: no exported function '%s'", o->file, o->invoke);
}

static int invoke(kiln_engine *engine, const kiln_module *m, kiln_instance *inst,
		  kiln_instance *wasi, const run_opts *o, const char *name)
{
	kiln_extern fn;
	const kiln_functype *ft;
	kiln_val args[64], results[64];
	kiln_trap_info trap;
	kiln_error err;
	kiln_status st;
	int rc;

	if (!kiln_instance_export(inst, (kiln_name){name, strlen(name)}, &fn) ||
	    fn.kind != KILN_EXTERN_FUNC)
		return cli_error(CLI_FAIL, "%s: no exported function '%s'%s", o->file, name,
				 o->invoke ? "" : " (use --invoke NAME)");
	ft = kiln_extern_type(fn).u.func;
	if ((rc = check_args(o, name, ft, args)) != CLI_OK)
		return rc;
	st = kiln_func_call(fn, args, o->invoke ? ft->nparams : 0, results, 64, &trap, &err);
	if (st == KILN_ERR_TRAP && trap.kind == KILN_TRAP_EXIT)
		return kiln_wasi_exit_code(wasi);
	if (st == KILN_ERR_TRAP)
		return report_trap(engine, o, &trap);
	if (st == KILN_ERR_EXCEPTION && trap.exception) {
		print_exception(inst, m, &trap);
		kiln_exception_delete(trap.exception);
		return CLI_FAIL;
	}
	if (st != KILN_OK)
		return cli_error(CLI_FAIL, "%s", err.message);
	for (uint32_t i = 0; i < ft->nresults; i++)
		print_val(&results[i]);
	return CLI_OK;
}

/* Resolves the module's imports: WASI preview1 functions from `wasi`,
 * wasi-threads' spawn and shared memory from `threads` (when the module
 * uses them); nothing else exists yet. */
static int link_imports(kiln_module *m, kiln_instance *wasi, kiln_wasi_threads *threads,
			const run_opts *o, kiln_extern *ext)
{
	for (size_t i = 0; i < kiln_module_import_count(m); i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		bool is_wasi = imp.module.len == 22 &&
			       !memcmp(imp.module.data, "wasi_snapshot_preview1", 22);
		if (threads && kiln_wasi_threads_import(threads, i, &ext[i]))
			continue;
		if (!is_wasi || !kiln_instance_export(wasi, imp.name, &ext[i]))
			return cli_error(CLI_FAIL, "%s: import \"%.*s\" \"%.*s\" cannot be "
					 "satisfied: not supported yet", o->file,
					 (int)imp.module.len, imp.module.data,
					 (int)imp.name.len, imp.name.data);
	}
	return CLI_OK;
}

/* A trap or proc_exit in a thread of wasi-threads ends the program with
 * its status, as it would on the main thread (and as wasmtime does): the
 * process exits, the other threads with it. */
static void thread_ended(void *data, const kiln_trap_info *t, int code)
{
	(void)data;
	if (t->kind != KILN_TRAP_EXIT) {
		print_trap(t);
		code = CLI_FAIL;
	}
	fflush(NULL);
	_exit(code);
}

static bool imports_spawn(const kiln_module *m)
{
	for (size_t i = 0; i < kiln_module_import_count(m); i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		if (imp.module.len == 4 && !memcmp(imp.module.data, "wasi", 4) &&
		    imp.name.len == 12 && !memcmp(imp.name.data, "thread-spawn", 12))
			return true;
	}
	return false;
}

/* wasi-threads: the program is over when the main thread is, as with
 * wasmtime; threads still in wasm end with the process (cmd_run exits
 * without tearing down what they use).  Whether some are. */
static bool threads_left;

static bool still_running(kiln_wasi_threads *threads)
{
	threads_left = threads && !kiln_wasi_threads_settle(threads,
							   KILN_WASI_THREADS_SETTLE_MS);
	return threads_left;
}

/* wasi-threads, for a module that imports "wasi" "thread-spawn". */
static int make_threads(kiln_module *m, kiln_instance *wasi, const run_opts *o,
			const kiln_instance_limits *limits, kiln_wasi_threads **out)
{
	kiln_wasi_threads_config cfg = {.max_threads = o->max_threads, .limits = *limits,
					.fuel = o->fuel, .on_exit = thread_ended};
	kiln_error err;

	*out = NULL;
	if (!imports_spawn(m))
		return CLI_OK;
	if (kiln_wasi_threads_new(m, wasi, &cfg, out, &err) != KILN_OK)
		return cli_error(CLI_FAIL, "%s: %s", o->file, err.message);
	return CLI_OK;
}

#ifdef KILN_RUNTIME_ONLY
/* kiln-run: no compiler; artifacts arrive compiled.  What the engine's
 * features would refuse (--disable-FEATURE), it refuses alike. */
static kiln_status runtime_only_compile(kiln_module *m, const run_opts *o, kiln_error *err)
{
	uint32_t off = kiln_module_features(m) & ~o->features;

	if (!off)
		return KILN_OK;
	err->status = KILN_ERR_UNSUPPORTED;
	snprintf(err->message, sizeof err->message,
		 "the module uses %s, which is disabled in this engine",
		 kiln_feature_name(off & -off));
	return err->status;
}
#define kiln_module_compile(e, m, err) ((void)(e), runtime_only_compile(m, o, err))
#define kiln_engine_stats_of(e) ((void)(e), (kiln_engine_stats){.functions_compiled = 0})
#endif

/* The trap instantiation ended with: its frames too when the instance
 * kept them. */
static const kiln_trap_info *init_trap(const kiln_instance *inst, kiln_trap_kind kind,
				       kiln_trap_info *ti)
{
	if (!kiln_instance_init_trap(inst, ti))
		*ti = (kiln_trap_info){.kind = kind};
	return ti;
}

static int run_module(kiln_engine *engine, kiln_module *m, kiln_instance *wasi,
		      const run_opts *o)
{
	kiln_instance *inst = NULL;
	kiln_wasi_threads *threads = NULL;
	kiln_extern *imports, memory;
	kiln_trap_kind trap;
	kiln_trap_info ti;
	kiln_error err;
	kiln_status st;
	double t0 = now(), t1, t2;
	int rc;

	if (o->invoke && (rc = check_invoke(m, o)) != CLI_OK) {
		invoke_refused = true;
		return rc;
	}
	if ((st = kiln_module_compile(engine, m, &err)) != KILN_OK)
		return cli_error(CLI_FAIL, "%s: %s", o->file, err.message);
	t1 = now();
	kiln_instance_limits limits = {.max_memory_pages = o->max_pages,
				       .max_table_elements = o->max_table_elements,
				       .stack_size = (size_t)o->max_stack,
				       .max_memory64_pages = o->max_pages64};
	if ((rc = make_threads(m, wasi, o, &limits, &threads)) != CLI_OK)
		return rc;
	if (!(imports = calloc(kiln_module_import_count(m) + 1, sizeof *imports))) {
		kiln_wasi_threads_delete(threads);
		return cli_error(CLI_FAIL, "out of memory");
	}
	if ((rc = link_imports(m, wasi, threads, o, imports)) != CLI_OK ||
	    (threads && kiln_wasi_threads_set_imports(threads, imports,
						      kiln_module_import_count(m), &err) != KILN_OK &&
	     (rc = cli_error(CLI_FAIL, "%s", err.message)) != CLI_OK)) {
		free(imports);
		kiln_wasi_threads_delete(threads);
		return rc;
	}
	/* --timeout and --fuel cover the start function: the instance is
	 * made under the deadline (a tick away: the timer moves the epoch
	 * once) and on the fuel. */
	timer tm = {0};
	if (o->timeout > 0) {
		kiln_thread_set_epoch_deadline(1);
		timer_start(&tm, o->timeout);
	}
	if (o->fuel)
		kiln_thread_set_fuel(o->fuel);
	st = kiln_instance_new_limited(NULL, m, imports, kiln_module_import_count(m), &limits,
				       &inst, &trap, &err);
	kiln_thread_set_epoch_deadline(UINT64_MAX);	/* the instance keeps its own */
	kiln_thread_set_fuel(UINT64_MAX);		/* and its fuel */
	free(imports);
	t2 = now();
	if (inst && kiln_instance_export(inst, (kiln_name){"memory", 6}, &memory))
		kiln_wasi_set_memory(wasi, memory);
	else if (threads)	/* the imported shared memory */
		kiln_wasi_set_memory(wasi, kiln_wasi_threads_memory(threads));
	double entry = realtime();
	uint64_t fuel_left;
	if (st == KILN_OK && o->fuel && kiln_instance_get_fuel(inst, &fuel_left, &err) != KILN_OK) {
		timer_stop(&tm);
		rc = cli_error(CLI_FAIL, "%s: --fuel: %s (compile it with kiln compile "
			       "--fuel-metering)", o->file, err.message);
		if (!still_running(threads)) {
			kiln_instance_delete(inst);
			kiln_wasi_threads_delete(threads);
		}
		return rc;
	}
	rc = st == KILN_OK ? invoke(engine, m, inst, wasi, o, o->invoke ? o->invoke : "_start")
			   : st == KILN_ERR_TRAP ? report_trap(engine, o, init_trap(inst, trap, &ti))
			   : cli_error(CLI_FAIL, "%s: %s", o->file, err.message);
	timer_stop(&tm);
	if (o->stats) {
		kiln_engine_stats s = kiln_engine_stats_of(engine);
		fprintf(stderr, "compile: %.3f ms eager, %.3f ms lazy (%" PRIu64 " functions)\n"
			"tiers: %" PRIu64 " functions at tier 0 in %.3f ms, %" PRIu64
			" at tier 1 in %.3f ms, %" PRIu64 " tiered up, %" PRIu64
			" on-stack entries (%" PRIu64 " to tier 0)\n"
			"light tier-ups: %" PRIu64 "\n"
			"tier-ups compiled: %" PRIu64 " bodies, %" PRIu64 " OSR entries\n"
			"lazy compile phases: lower %.3f ms, optimise %.3f ms, codegen %.3f ms, "
			"set-up %.3f ms\n"
			"load: %.3f ms\ninstantiate: %.3f ms\nrun: %.3f ms\n"
			"entry: %.3f ms after start\n",
			(t1 - t0) * 1e3, s.compile_seconds * 1e3, s.functions_compiled,
			s.tier0_functions, s.tier0_seconds * 1e3, s.tier1_functions,
			s.tier1_seconds * 1e3, s.tiered_up, s.osr_entries, s.osr0_entries,
			s.tiered_up_light, s.tier1_bodies, s.tier1_osr,
			s.lower_seconds * 1e3, s.optimise_seconds * 1e3, s.codegen_seconds * 1e3,
			(s.compile_seconds - s.lower_seconds - s.optimise_seconds -
			 s.codegen_seconds) * 1e3,
			load_seconds * 1e3, (t2 - t1) * 1e3, (now() - t2) * 1e3, (entry - started) * 1e3);
		if (s.interp_functions)
			fprintf(stderr, "interp: %" PRIu64 " functions (%.1f KiB of wasm) "
				"translated in %.3f ms\n", s.interp_functions,
				s.interp_bytes / 1024.0, s.interp_seconds * 1e3);
		uint64_t left;
		if (o->fuel && inst && kiln_instance_get_fuel(inst, &left, NULL) == KILN_OK)
			fprintf(stderr, "fuel: %" PRIu64 " consumed, %" PRIu64 " left\n",
				o->fuel - left, left);
	}
	if (!still_running(threads)) {
		kiln_instance_delete(inst);
		kiln_wasi_threads_delete(threads);
	}
	return rc;
}

extern char **environ;

/* The WASI instance: argv is FILE then ARGS (o->args[-1] is FILE itself),
 * the environment --inherit-env's and then --env's. */
static int make_wasi(run_opts *o, kiln_instance **out)
{
	const char **env = NULL;
	int n = 0, rc = CLI_OK;
	kiln_error err;
	kiln_wasi_config cfg;

	for (char **e = environ; o->inherit_env && *e; e++)
		n++;
	if (!(env = calloc((size_t)n + (size_t)o->nenv + 1, sizeof *env)))
		return cli_error(CLI_FAIL, "out of memory");
	n = 0;
	for (char **e = environ; o->inherit_env && *e; e++)
		env[n++] = *e;
	for (int i = 0; i < o->nenv; i++)
		env[n++] = o->env[i];
	cfg = (kiln_wasi_config){.argc = o->invoke ? 1 : o->nargs + 1,
				 .argv = (const char *const *)o->args - 1,
				 .envc = n, .envp = env, .ndirs = o->ndirs, .dirs = o->dirs,
				 .nsockets = o->nsockets, .sockets = o->sockets};
	if (kiln_wasi_new(&cfg, out, &err) != KILN_OK)
		rc = cli_error(err.status == KILN_ERR_IO ? CLI_USAGE : CLI_FAIL, "%s", err.message);
	free(env);
	for (int i = 0; i < o->nsockets; i++)
		close(o->sockets[i]);	/* kiln_wasi_new keeps its own copies */
	return rc;
}

#ifndef KILN_RUNTIME_ONLY
/* The code cache around a run of a .wasm: a hit replaces *m by the cached
 * artifact's module; with --aot a miss compiles and stores the artifact
 * first and runs that.  Returns whether *m came from the cache. */
static bool from_cache(kiln_engine *engine, const run_opts *o, const char *key,
		       kiln_module **m)
{
	kiln_module *hit = cache_lookup(key);

	if (!hit && o->aot && cache_store(engine, *m, key) == CLI_OK)
		hit = cache_lookup(key);
	if (!hit)
		return false;
	kiln_module_delete(*m);
	*m = hit;
	return true;
}

/* Hands the miss `key` of o->file to `kiln cache fill`, and with
 * --cache-wait waits for it. */
static void fill_cache(const run_opts *o, const kiln_config *cfg, const char *key)
{
	double t = now();
	pid_t pid;
	int rc = cache_fill_start(o->file, key, cfg, o->cache_wait, &pid);

	if (!o->stats || !pid)
		return;
	if (o->cache_wait)
		fprintf(stderr, "cache: filled by process %d in %.3f ms%s\n", (int)pid,
			(now() - t) * 1e3, rc == CLI_OK ? "" : " (failed)");
	else
		fprintf(stderr, "cache: fill handed to background process %d\n", (int)pid);
}
#endif

/* Reads FILE: an artifact is loaded, a .wasm decoded and validated (and
 * looked up in the cache).  *key is set when the cache applies. */
static int load_input(const run_opts *o, kiln_engine *engine, kiln_module **m,
		      char key[65], bool *cached)
{
	uint8_t *bytes;
	size_t len;
	int rc;

	*m = NULL;
	key[0] = 0;
	*cached = false;
	if ((rc = cli_map_file(o->file, &bytes, &len)) != CLI_OK)
		return rc;
	if (kiln_is_artifact(bytes, len)) {
		kiln_artifact_desc d;
		rc = cli_load_artifact(o->file, o->verify, bytes, len, m);
		if (rc == CLI_OK && o->timeout > 0 &&
		    kiln_artifact_describe(bytes, len, &d, NULL) == KILN_OK && !d.epoch_interruption)
			rc = cli_error(CLI_FAIL, "%s: --timeout: the module was compiled without "
				       "epoch interruption (compile it with kiln compile "
				       "--epoch-interruption)", o->file);
	} else if (o->verify) {
		rc = cli_error(CLI_FAIL, "%s: --verify: not a .kwasm artifact", o->file);
	} else {
#ifdef KILN_RUNTIME_ONLY
		(void)engine;
		rc = cli_error(CLI_USAGE, "%s: kiln-run runs .kwasm artifacts only "
			       "(make one with kiln compile)", o->file);
#else
		rc = cli_module_from_bytes(o->file, bytes, len, m);
		/* Every tiering: --tier says how a module runs that is not in
		 * the cache (the key holds no tiering: the artifact is -ON's). */
		if (rc == CLI_OK && !o->no_cache &&
		    kiln_cache_key(engine, bytes, len, key, NULL) == KILN_OK)
			*cached = from_cache(engine, o, key, m);
		else
			key[0] = 0;
#endif
	}
	cli_unmap_file(bytes, len);
	return rc;
}

/* --max-stack: wasm runs on a thread of its own whose stack holds the
 * budget and CLI_STACK_HEADROOM below it for host code (the runtime cuts
 * a budget to the stack the thread has). */
typedef struct run_job {
	kiln_engine *engine;
	kiln_module *m;
	kiln_instance *wasi;
	run_opts *o;
	int rc;
} run_job;

static void *run_job_main(void *arg)
{
	run_job *j = arg;

	j->rc = run_module(j->engine, j->m, j->wasi, j->o);
	return NULL;
}

static int run_with_stack(kiln_engine *engine, kiln_module *m, kiln_instance *wasi,
			  run_opts *o)
{
	run_job j = {engine, m, wasi, o, CLI_FAIL};
	pthread_attr_t attr;
	pthread_t t;
	int e;

	if (!o->max_stack)
		return run_module(engine, m, wasi, o);
	pthread_attr_init(&attr);
	e = pthread_attr_setstacksize(&attr, (size_t)o->max_stack + CLI_STACK_HEADROOM);
	if (e == 0)
		e = pthread_create(&t, &attr, run_job_main, &j);
	pthread_attr_destroy(&attr);
	if (e != 0)
		return cli_error(CLI_FAIL, "--max-stack: cannot start a thread with that stack: %s",
				 strerror(e));
	pthread_join(t, NULL);
	return j.rc;
}

int cmd_run(int argc, char **argv)
{
	run_opts o;
	kiln_engine *engine = NULL;
	kiln_instance *wasi = NULL;
	kiln_module *m = NULL;
	char key[65];
	bool cached;
	const char *t0 = getenv("KILN_STATS_T0");
	int rc;

	started = t0 && atof(t0) > 0 ? atof(t0) : realtime();
	rc = parse_opts(argc, argv, &o);

	if (rc != CLI_OK)
		return rc;
#ifndef KILN_RUNTIME_ONLY
	kiln_config cfg = kiln_config_default();
	cfg.opt_level = o.opt_level;
	cfg.tiering = o.tier.tiering;
	if (o.tier.threshold)
		cfg.tier_up_threshold = o.tier.threshold;
	if (o.tier.light_body)
		cfg.tier_up_light_body = o.tier.light_body;
	cfg.tier0_no_offsets = o.tier.no_offsets;
	cfg.speculative_compile = !o.lazy;
	cfg.epoch_interruption = o.timeout > 0;
	cfg.fuel_metering = o.fuel > 0;
	cfg.features = o.features;
	cli_show_progress(&cfg, o.file);
	kiln_error err;
	if (kiln_engine_new(&cfg, &engine, &err) != KILN_OK)
		return cli_error(CLI_FAIL, "%s", err.message);
#endif
	double t = now();
	rc = load_input(&o, engine, &m, key, &cached);
	load_seconds = now() - t;
	if (rc == CLI_OK && (rc = make_wasi(&o, &wasi)) == CLI_OK)
		rc = run_with_stack(engine, m, wasi, &o);
	bool miss = key[0] && !cached && m && !invoke_refused;
	/* wasi-threads: threads still running use the module, the engine and
	 * WASI; the process exits below without tearing those down. */
	if (!threads_left) {
		kiln_module_delete(m);
		kiln_instance_delete(wasi);
	}
#ifndef KILN_RUNTIME_ONLY
	if (!threads_left)
		kiln_engine_delete(engine);
	/* A miss is compiled ahead of time and stored when the run is over,
	 * by another process that kiln does not wait for (unless asked), so
	 * that it delays neither the program nor its exit.  Started once this
	 * process has let go of the module and the engine. */
	if (miss)
		fill_cache(&o, &cfg, key);
#else
	(void)miss;
#endif
	if (threads_left) {
		fflush(NULL);	/* stdout, and the perf map ($KILN_PERF_MAP) */
		_exit(rc);
	}
	return rc;
}
