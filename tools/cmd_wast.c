/*
 * cmd_wast.c — `kiln wast FILE.wast`: the spec test runner.
 *
 * wabt's wast2json turns the script into JSON plus one .wasm per module in
 * a private temporary directory; the JSON's commands then run in order.
 * Every command counts exactly once: passed, failed or skipped (with a
 * reason).  Each command type has a handler in `handlers`; a type without
 * one is skipped as "execution not implemented yet", so that later work
 * (instantiation, invocation, traps) adds handlers rather than branches.
 *
 * Error messages: an assertion about a rejected module passes when kiln
 * rejects it at the right stage (malformed = decoding, invalid =
 * validation).  The spec's expected text is compared too; a difference is
 * reported on its own line ("message differs") and counted, but is not a
 * failure: it happens where wabt's encoding of a module differs from the
 * reference interpreter's.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wast.h"


const char *wast_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_string_value(v);
}

enum outcome wast_skip(wast_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->skip_reason, sizeof run->skip_reason, fmt, ap);
	va_end(ap);
	return SKIP;
}

enum outcome wast_fail(wast_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->why, sizeof run->why, fmt, ap);
	va_end(ap);
	return FAIL;
}

/* Decodes (and, when `validate`, validates) the command's module file.
 * Returns the status; *err holds the message. */
kiln_status wast_load(wast_run *run, const json_t *cmd, bool validate,
		      kiln_module **out, kiln_status *stage_status, kiln_error *err)
{
	const char *file = wast_str(cmd, "filename");
	char path[768];
	uint8_t *bytes;
	size_t len;
	kiln_module *m = NULL;
	kiln_status st;

	if (out)
		*out = NULL;
	*stage_status = KILN_ERR_IO;
	err->status = KILN_ERR_IO;
	snprintf(err->message, sizeof err->message, "no module file");
	if (file == NULL || strchr(file, '/') != NULL)
		return KILN_ERR_IO;
	snprintf(path, sizeof path, "%s/%s", run->dir, file);
	if (cli_read_file(path, &bytes, &len) != CLI_OK)
		return KILN_ERR_IO;
	st = kiln_module_decode_features(bytes, len, NULL, run->features, &m, err);
	free(bytes);
	*stage_status = st;
	if (st == KILN_OK && validate)
		st = kiln_module_validate(m, err);
	if (st == KILN_OK && out)
		*out = m;
	else
		kiln_module_delete(m);
	return st;
}

static void check_message(wast_run *run, const json_t *cmd, const char *got)
{
	const char *want = wast_str(cmd, "text");
	const json_t *line = json_object_get(cmd, "line");

	if (want == NULL || strncmp(got, want, strlen(want)) == 0)
		return;
	run->mismatches++;
	printf("%s:%d: message differs: expected \"%s\", got \"%s\"\n",
	       run->path, (int)json_integer_value(line), want, got);
}

static bool is_text(const json_t *cmd)
{
	const char *type = wast_str(cmd, "module_type");

	return type != NULL && strcmp(type, "text") == 0;
}

/* An assertion that a module is rejected: by the decoder (`want` is
 * KILN_ERR_MALFORMED) or, once decoded, by the validator (KILN_ERR_INVALID). */
static enum outcome expect_rejection(wast_run *run, const json_t *cmd,
				     kiln_status want)
{
	const char *what = want == KILN_ERR_MALFORMED ? "malformed" : "invalid";
	kiln_status decoded, st;
	kiln_error err;
	bool ok;

	if (is_text(cmd))
		return wast_skip(run, "text format");
	st = wast_load(run, cmd, true, NULL, &decoded, &err);
	ok = want == KILN_ERR_MALFORMED ? decoded == KILN_ERR_MALFORMED
					: decoded == KILN_OK && st == KILN_ERR_INVALID;
	if (ok) {
		check_message(run, cmd, err.message);
		return PASS;
	}
	if (st == KILN_OK)
		return wast_fail(run, "expected %s (\"%s\"), got a valid module", what,
			    wast_str(cmd, "text"));
	return wast_fail(run, "expected %s (\"%s\"), got %s: %s", what,
		    wast_str(cmd, "text"), kiln_status_string(st), err.message);
}

static enum outcome h_malformed(wast_run *run, const json_t *cmd)
{
	return expect_rejection(run, cmd, KILN_ERR_MALFORMED);
}

static enum outcome h_invalid(wast_run *run, const json_t *cmd)
{
	return expect_rejection(run, cmd, KILN_ERR_INVALID);
}

static const struct {
	const char *type;
	handler_fn fn;
} handlers[] = {
	{"module", wast_module},
	{"assert_malformed", h_malformed},
	{"assert_invalid", h_invalid},
	{"register", wast_register},
	{"action", wast_action},
	{"assert_return", wast_assert_return},
	{"assert_trap", wast_assert_trap},
	{"assert_exhaustion", wast_assert_exhaustion},
	{"assert_exception", wast_assert_exception},
	{"assert_unlinkable", wast_assert_unlinkable},
	{"assert_uninstantiable", wast_assert_uninstantiable},
};

/* Counts a skip under its reason; past MAX_REASONS - 1 kinds, the rest
 * share the last slot as "other reasons". */
static void count_skip(wast_run *run, const char *reason)
{
	size_t i;

	for (i = 0; i < MAX_REASONS - 1 && run->reasons[i][0]; i++)
		if (strcmp(run->reasons[i], reason) == 0)
			break;
	if (i == MAX_REASONS - 1)
		reason = "other reasons";
	snprintf(run->reasons[i], sizeof run->reasons[i], "%s", reason);
	run->reason_counts[i]++;
	run->skipped++;
}

static void run_command(wast_run *run, const json_t *cmd)
{
	const char *type = wast_str(cmd, "type");
	const json_t *line = json_object_get(cmd, "line");
	int ln = (int)json_integer_value(line);
	enum outcome o = wast_skip(run, "not supported yet: command %s", type ? type : "?");

	run->why[0] = 0;
	for (size_t i = 0; type && i < sizeof handlers / sizeof handlers[0]; i++)
		if (strcmp(handlers[i].type, type) == 0)
			o = handlers[i].fn(run, cmd);
	if (o == SKIP) {
		count_skip(run, run->skip_reason);
		if (run->verbose)
			printf("%s:%d: %s: skipped: %s\n", run->path, ln, type,
			       run->skip_reason);
	} else if (o == PASS) {
		run->passed++;
		if (run->verbose)
			printf("%s:%d: %s: passed\n", run->path, ln, type);
	} else {
		run->failed++;
		printf("%s:%d: %s: %s\n", run->path, ln, type ? type : "?", run->why);
	}
}

/* ------------------------------------------------------------ wast2json */

static int convert(wast_run *run, char **flags, int nflags)
{
	const char *tool = getenv("KILN_WAST2JSON");
	char out[300], errpath[300];
	char **argv = calloc((size_t)nflags + 5, sizeof *argv);
	int status, n = 0;
	pid_t pid;
	FILE *ef;

	if (argv == NULL)
		return cli_error(CLI_FAIL, "out of memory");
	tool = tool && *tool ? tool : "wast2json";
	snprintf(out, sizeof out, "%s/x.json", run->dir);
	snprintf(errpath, sizeof errpath, "%s/stderr.txt", run->dir);
	argv[n++] = (char *)tool;
	for (int i = 0; i < nflags; i++)
		argv[n++] = flags[i];
	argv[n++] = (char *)run->path;
	argv[n++] = "-o";
	argv[n++] = out;
	if ((pid = fork()) == 0) {
		FILE *e = freopen(errpath, "w", stderr);
		(void)e;
		execvp(tool, argv);
		fprintf(stderr, "cannot run %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	free(argv);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return cli_error(CLI_FAIL, "cannot run %s: %s", tool, strerror(errno));
	if ((ef = fopen(errpath, "r")) != NULL) {
		char line[512] = "";
		bool said = fgets(line, sizeof line, ef) != NULL;
		fclose(ef);
		line[strcspn(line, "\n")] = 0;
		if (said || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return cli_error(CLI_USAGE, "%s: wast2json cannot convert this script: %s",
					 run->path, said ? line : "it failed");
	}
	return CLI_OK;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[768];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int run_json(wast_run *run)
{
	char path[300];
	uint8_t *text;
	size_t len;
	json_t *doc, *cmds, *cmd;
	size_t i;
	int rc;

	snprintf(path, sizeof path, "%s/x.json", run->dir);
	if ((rc = cli_read_file(path, &text, &len)) != CLI_OK)
		return rc;
	/* JSON_ALLOW_NUL: export names may contain NUL (names.wast). */
	doc = json_loadb((const char *)text, len, JSON_ALLOW_NUL, NULL);
	free(text);
	cmds = json_object_get(doc, "commands");
	if (!json_is_array(cmds)) {
		json_decref(doc);
		return cli_error(CLI_FAIL, "%s: unexpected wast2json output", run->path);
	}
	if (!wast_exec_init(run)) {
		json_decref(doc);
		return cli_error(CLI_FAIL, "cannot create the engine");
	}
	json_array_foreach(cmds, i, cmd)
		run_command(run, cmd);
	wast_exec_free(run);
	json_decref(doc);
	for (i = 0; i < MAX_REASONS && run->reasons[i][0]; i++)
		printf("  skipped %u: %s\n", run->reason_counts[i], run->reasons[i]);
	if (run->mismatches)
		printf("%u message differences\n", run->mismatches);
	printf("%u passed, %u failed, %u skipped\n", run->passed, run->failed,
	       run->skipped);
	if (run->passed < run->min_passed)
		return cli_error(CLI_FAIL, "%s: %u passed, fewer than --min-passed %" PRIu64,
				 run->path, run->passed, run->min_passed);
	return run->failed ? CLI_FAIL : CLI_OK;
}

/* The KILN_FEATURE_* bit of a wast2json --enable- flag's proposal, once
 * kiln builds it (every built proposal is standardised, so on by default):
 * decoding is then given it, as wast2json's language has it.  An unbuilt
 * proposal's flag only goes to wast2json, so that its folder keeps running
 * as a 2.0 kiln sees it (decoding would refuse the bit). */
static uint32_t enabled_feature(const char *name)
{
	for (int b = 0; b < 32; b++)
		if ((KILN_FEATURES_DEFAULT & (1u << b)) && kiln_feature_name(1u << b) &&
		    !strcmp(kiln_feature_name(1u << b), name))
			return 1u << b;
	return 0;
}

int cmd_wast(int argc, char **argv)
{
	wast_run run = {.opt_level = 2};
	const char *tmp;
	char **flags = calloc((size_t)argc, sizeof *flags);
	int nflags = 0, rc;

	if (flags == NULL)
		return cli_error(CLI_FAIL, "out of memory");
	for (int i = 1; i < argc; i++) {
		int t = cli_tier_option(argc, argv, &i, "wast", &run.tier);
		uint32_t all = UINT32_MAX;

		if (t == 0 && strcmp(argv[i], "--disable-reference-types") != 0) {
			t = cli_feature_option(argv[i], "wast", &all);
			run.disabled |= ~all;
		}
		if (t != 0) {
			if (t > 0)
				continue;
			free(flags);
			return cli_usage("wast");
		}
		if (strncmp(argv[i], "--enable-", 9) == 0 && argv[i][9]) {
			flags[nflags++] = argv[i];
			run.features |= enabled_feature(argv[i] + 9);
		} else if (!strcmp(argv[i], "--disable-reference-types")) {
			flags[nflags++] = argv[i];
			run.features |= KILN_FEATURE_NO_REFERENCE_TYPES;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			run.verbose = true;
		} else if (!strcmp(argv[i], "--aot")) {
			run.aot = true;
		} else if (argv[i][0] == '-' && argv[i][1] == 'O' && argv[i][2] >= '0' &&
			   argv[i][2] <= '3' && !argv[i][3]) {
			run.opt_level = argv[i][2] - '0';
		} else if (!strcmp(argv[i], "--target-cpu") && i + 1 < argc) {
			run.target_cpu = argv[++i];
		} else if (!strcmp(argv[i], "--min-passed") && i + 1 < argc) {
			if (!cli_parse_count(argv[++i], &run.min_passed)) {
				free(flags);
				return cli_error(CLI_USAGE, "wast: --min-passed: not a count: '%s'",
						 argv[i]);
			}
		} else if (argv[i][0] == '-' || run.path) {
			free(flags);
			cli_error(CLI_USAGE, argv[i][0] == '-' ? "wast: unknown option '%s'"
					     : "wast: too many arguments ('%s')", argv[i]);
			return cli_usage("wast");
		} else {
			run.path = argv[i];
		}
	}
	if (run.target_cpu && !run.aot) {
		free(flags);
		cli_error(CLI_USAGE, "wast: --target-cpu needs --aot (the JIT targets this machine)");
		return cli_usage("wast");
	}
	if (run.path == NULL) {
		free(flags);
		cli_error(CLI_USAGE, "wast: no input file");
		return cli_usage("wast");
	}
	if (access(run.path, R_OK) != 0) {
		free(flags);
		return cli_error(CLI_USAGE, "%s: %s", run.path, strerror(errno));
	}
	tmp = getenv("TMPDIR");
	if (snprintf(run.dir, sizeof run.dir, "%s/kiln-wast-XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof run.dir)
		snprintf(run.dir, sizeof run.dir, "/tmp/kiln-wast-XXXXXX");
	if (mkdtemp(run.dir) == NULL) {
		free(flags);
		return cli_error(CLI_FAIL, "cannot create a temporary directory: %s",
				 strerror(errno));
	}
	rc = convert(&run, flags, nflags);
	if (rc == CLI_OK)
		rc = run_json(&run);
	remove_dir(run.dir);
	free(flags);
	return rc;
}
