/*
 * cache_fill.c — filling the code cache without making `kiln run` wait.
 *
 *   kiln cache fill [-O0..-O3] [--epoch-interruption] [--fuel-metering]
 *                   [--key KEY [--background]] FILE.wasm
 *
 * compiles FILE ahead of time and stores its artifact under its key.  On a
 * miss, `kiln run` starts it when the run is over (cache_fill_start) and
 * does not wait: a child of its own executable (/proc/self/exe, through
 * posix_spawn: the process has LLVM threads, so no fork), in a session of
 * its own, stdin, stdout and stderr on /dev/null and no other descriptor,
 * with the flags the key depends on and the key kiln run computed.  With
 * --background the child
 * - lowers itself first (nice 19, SCHED_IDLE and idle I/O where allowed),
 *   so that it only uses CPU nobody else wants;
 * - takes KEY.lock in the cache directory (flock, non-blocking): when
 *   another kiln holds it, that one is compiling the module and this one
 *   exits; with the lock it looks for the entry again (a fill that just
 *   finished), and removes the lock file when done, still holding it;
 * - reads FILE again, under the same limits as kiln run, and stores the
 *   artifact only if FILE still has KEY: it may have changed since.
 * It never creates the cache directory (kiln run did, after checking it):
 * a directory removed meanwhile ends it.  It makes the cache's key when
 * there is none yet (kiln run checked one that exists).  Without
 * --background (kiln run --cache-wait) kiln run waits for it, it keeps
 * kiln run's stderr and takes no lock: the caller wants the entry now,
 * not after an idle-priority holder of the lock.
 *
 * stderr being /dev/null, a background fill says what it did in
 * $KILN_CACHE_LOG, when set: one line per step ("PID KEY busy").
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

/* ------------------------------------------------------------ the parent */

/* The child's argv: the flags kiln_cache_key depends on (the engine's
 * opt level, epoch and fuel code; the target is the host's on both
 * sides), the key, the file. */
static void fill_argv(const char *argv[12], const kiln_config *cfg, const char *key,
		      const char *file, bool wait)
{
	static const char *levels[] = {"-O0", "-O1", "-O2", "-O3"};
	int n = 0;

	argv[n++] = "kiln";
	argv[n++] = "cache";
	argv[n++] = "fill";
	argv[n++] = levels[cfg->opt_level & 3];
	if (cfg->epoch_interruption)
		argv[n++] = "--epoch-interruption";
	if (cfg->fuel_metering)
		argv[n++] = "--fuel-metering";
	argv[n++] = "--key";
	argv[n++] = key;
	if (!wait)
		argv[n++] = "--background";
	argv[n++] = "--";
	argv[n++] = file;
	argv[n] = NULL;
}

/* Detached: its own session, default signals, stdio on /dev/null.  Any
 * other descriptor (a harness's pipe, a preopened directory) is closed in
 * both modes, so that nobody waits on the fill for it. */
static bool spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, bool wait)
{
	sigset_t none, dfl;
	bool ok = true;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawn_file_actions_init(fa);
	posix_spawnattr_init(attr);
	if (!wait)
		ok = !posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0) &&
		     !posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0) &&
		     !posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
	return ok && !posix_spawn_file_actions_addclosefrom_np(fa, 3) &&
	       !posix_spawnattr_setflags(attr, (wait ? 0 : POSIX_SPAWN_SETSID) |
					 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) &&
	       !posix_spawnattr_setsigmask(attr, &none) && !posix_spawnattr_setsigdefault(attr, &dfl);
}

int cache_fill_start(const char *file, const char *key, const kiln_config *cfg, bool wait,
		     pid_t *pid)
{
	const char *argv[12];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int e, status;

	*pid = 0;
	/* The directory is made and checked here, where a refusal can be
	 * reported; a new key (random bytes, synced: milliseconds to seconds
	 * on a busy disk) is left to the fill. */
	if (cache_open(true, false) < 0)
		return CLI_FAIL;	/* reported: no directory, or not to be trusted */
	fill_argv(argv, cfg, key, file, wait);
	e = spawn_setup(&fa, &attr, wait) ? posix_spawn(pid, "/proc/self/exe", &fa, &attr,
						       (char *const *)argv, environ) : ENOMEM;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0) {
		*pid = 0;
		return cli_error(CLI_FAIL, "cannot start the cache fill: %s", strerror(e));
	}
	if (!wait)
		return CLI_OK;
	while (waitpid(*pid, &status, 0) < 0)
		if (errno != EINTR)
			return CLI_FAIL;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? CLI_OK : CLI_FAIL;
}

/* ------------------------------------------------------------- the child */

typedef struct fill_opts {
	kiln_config cfg;
	const char *key, *file;
	bool background;
} fill_opts;

static const char *log_key = "-";

/* One line in $KILN_CACHE_LOG, when set. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	const char *path = getenv("KILN_CACHE_LOG");
	char line[512];
	va_list ap;
	int fd, n;

	if (!path || !*path)
		return;
	n = snprintf(line, sizeof line, "%d %s ", (int)getpid(), log_key);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ssize_t w = write(fd, line, (size_t)n);	/* one append: lines never mix */
		(void)w;
		close(fd);
	}
}

static bool is_key(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && !s[n];
}

static int parse_fill(int argc, char **argv, fill_opts *o)
{
	int i;

	*o = (fill_opts){.cfg = kiln_config_default()};
	o->cfg.opt_level = 2;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][1] == 'O' && argv[i][2] >= '0' && argv[i][2] <= '3' && !argv[i][3])
			o->cfg.opt_level = argv[i][2] - '0';
		else if (!strcmp(argv[i], "--epoch-interruption"))
			o->cfg.epoch_interruption = true;
		else if (!strcmp(argv[i], "--fuel-metering"))
			o->cfg.fuel_metering = true;
		else if (!strcmp(argv[i], "--key") && i + 1 < argc && is_key(argv[i + 1]))
			o->key = argv[++i];
		else if (!strcmp(argv[i], "--background"))
			o->background = true;
		else
			return cli_error(CLI_USAGE, "cache fill: bad option '%s'", argv[i]),
			       cli_usage("cache");
	}
	if (i != argc - 1 || (o->background && !o->key))
		return cli_error(CLI_USAGE, "cache fill: expected [options] FILE.wasm"),
		       cli_usage("cache");
	o->file = argv[i];
	return CLI_OK;
}

/* The lowest priority this process may take: nice 19, SCHED_IDLE, idle
 * I/O.  Before any thread starts, so that the compiler's inherit it.  And
 * a name for top and pgrep, which would show "exe" (what was executed). */
static void become_background(void)
{
	struct sched_param none = {0};

	prctl(PR_SET_NAME, "kiln cache fill");
	if (setpriority(PRIO_PROCESS, 0, 19) != 0)
		note("nice 19 refused: %s", strerror(errno));
	if (sched_setscheduler(0, SCHED_IDLE, &none) != 0)
		note("SCHED_IDLE refused: %s", strerror(errno));
	/* IOPRIO_WHO_PROCESS, this process, IOPRIO_CLASS_IDLE */
	syscall(SYS_ioprio_set, 1, 0, 3 << 13);
}

/* Whether `key` has an entry (good or bad: a bad one is kiln run's to
 * report and remove, which then starts a fill again). */
static bool present(int dir, const char *key)
{
	char name[80];
	struct stat st;

	snprintf(name, sizeof name, "%s.kwasm", key);
	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The lock on `key`'s fill: a descriptor, or -1 when another process
 * holds it (or it cannot be made: then nobody compiles, kiln run will
 * start a fill again next time). */
static int lock_key(int dir, const char *key, char name[80])
{
	int fd;

	snprintf(name, 80, "%s.lock", key);
	fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (fd < 0) {
		note("no lock file: %s", strerror(errno));
		return -1;
	}
	note("busy: another kiln is compiling it");
	close(fd);
	return -1;
}

/* Reads, checks and compiles FILE, and stores it if its key is still
 * o->key (when given). */
static int compile_and_store(fill_opts *o)
{
	kiln_engine *engine = NULL;
	kiln_module *m = NULL;
	uint8_t *bytes;
	size_t len;
	char key[65];
	int rc;

	cli_show_progress(&o->cfg, o->file);
	if ((rc = cli_map_file(o->file, &bytes, &len)) != CLI_OK) {
		note("cannot read %s", o->file);
		return rc;
	}
	if (kiln_is_artifact(bytes, len))
		rc = cli_error(CLI_USAGE, "%s: an artifact already, nothing to compile", o->file);
	else if ((rc = cli_module_from_bytes(o->file, bytes, len, &m)) != CLI_OK)
		note("%s is not a valid module", o->file);
	else if (kiln_engine_new(&o->cfg, &engine, NULL) != KILN_OK ||
		 kiln_cache_key(engine, bytes, len, key, NULL) != KILN_OK)
		rc = cli_error(CLI_FAIL, "cannot create the compiler");
	cli_unmap_file(bytes, len);
	if (rc == CLI_OK && o->key && strcmp(key, o->key)) {
		note("changed: %s has key %s now; not stored", o->file, key);
		rc = o->background ? CLI_FAIL
				   : cli_error(CLI_FAIL, "%s: changed since it ran; not cached", o->file);
	} else if (rc == CLI_OK) {
		log_key = key;
		note("compiling %s", o->file);
		rc = cache_store(engine, m, key);
		note(rc == CLI_OK ? "stored" : "not stored: compiling or writing failed");
	}
	kiln_module_delete(m);
	kiln_engine_delete(engine);
	return rc;
}

int cache_fill_main(int argc, char **argv)
{
	fill_opts o;
	char lock_name[80];
	int dir, lock = -1, rc;

	if ((rc = parse_fill(argc, argv, &o)) != CLI_OK)
		return rc;
	if (o.key)
		log_key = o.key;
	if (o.background)
		become_background();
	if ((dir = cache_open(!o.background, true)) < 0) {
		note("no cache directory, or not one to trust");
		return CLI_FAIL;
	}
	if (o.background && (lock = lock_key(dir, o.key, lock_name)) < 0)
		return CLI_OK;
	if (o.key && present(dir, o.key)) {
		note("present: filled meanwhile");
		rc = CLI_OK;
	} else {
		rc = compile_and_store(&o);
	}
	if (lock >= 0) {
		unlinkat(dir, lock_name, 0);	/* still held: a newcomer finds the entry */
		close(lock);
	}
	return rc;
}
