/*
 * cli.h — what the `kiln` commands share: the command table entry, file
 * reading and one-line error reporting.  Built on include/kiln.h only.
 *
 * Exit codes: 0 success, 1 the command ran and the answer is "no" (an
 * invalid module, a failing test), 2 bad usage or an unusable input file.
 */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "kiln.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
	const char *args;			/* usage after the command name */
	const char *summary;			/* one line */
	const char *help;			/* details, or NULL */
} cli_command;

/* Prints "kiln: <message>" on stderr; returns `code`. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the usage of one command on stderr; returns CLI_USAGE. */
int cli_usage(const char *command);

/* The largest input file read, by default: 1 GiB, V8's limit on a module's
 * size; $KILN_MAX_INPUT_MB overrides it.  cli_max_input_bytes() returns 0 when
 * that variable is set but not a whole number of MiB >= 1 (an error). */
#define CLI_MAX_INPUT_BYTES ((size_t)1 << 30)
size_t cli_max_input_bytes(void);

/* Reads a whole regular file of at most cli_max_input_bytes(); a FIFO, a
 * device or a directory is refused without blocking.  On failure prints one line and returns
 * CLI_USAGE; the caller frees *out. */
int cli_read_file(const char *path, uint8_t **out, size_t *out_len);

/* cli_read_file, but mapped (read-only) where the file can be: start-up
 * reads no more than it uses.  Release with cli_unmap_file. */
int cli_map_file(const char *path, uint8_t **out, size_t *out_len);
void cli_unmap_file(uint8_t *bytes, size_t len);

/* Makes room for `need` elements of `size` bytes in the growing array
 * *arr of capacity *cap (in elements), doubling it (to 8 at least).  False
 * when out of memory or the size overflows: *arr and *cap are unchanged. */
bool cli_grow(void **arr, size_t *cap, size_t need, size_t size);

/* Writes `bytes` to `path` atomically: refuses (one line, CLI_FAIL) to
 * replace anything but a regular file or a missing path — a symbolic link,
 * a device, a directory; writes a new file in the same directory (random
 * name, O_EXCL|O_NOFOLLOW), syncs it and renames it over `path`.  The file
 * keeps the permissions of the one it replaces, else 0666 less the umask. */
int cli_write_file(const char *path, const uint8_t *bytes, size_t len);
/* The same for `name` in the directory dirfd, shown as `shown` in errors,
 * with permissions `mode` (or, when negative, as cli_write_file). */
int cli_write_at(int dirfd, const char *name, const char *shown, const uint8_t *bytes,
		 size_t len, int mode);
/* Creates ".BASE.<random>.tmp" in dirfd with O_CREAT|O_EXCL|O_NOFOLLOW,
 * mode 0600, writable; its name goes to name[size].  -1 with errno. */
int cli_create_temp(int dirfd, const char *base, char *name, size_t size);

/* Prints a kiln_name, escaping bytes that are not printable ASCII. */
void cli_print_name(FILE *f, kiln_name name);

/* Reads the module named by a command's only argument and decodes and
 * validates it; prints one line on failure.  Returns a CLI exit code; on
 * success *out holds the module. */
int cli_load_module(int argc, char **argv, kiln_module **out);
/* Decodes and validates bytes read from `path`; one error line on failure. */
int cli_module_from_bytes(const char *path, const uint8_t *bytes, size_t len,
			  kiln_module **out);
/* The same accepting the proposals in `features` (kiln.h, KILN_FEATURE_*). */
int cli_module_from_bytes_features(const char *path, const uint8_t *bytes, size_t len,
				   uint32_t features, kiln_module **out);

/* On a terminal, ahead-of-time compilations of large modules through an
 * engine made with cfg show their progress on stderr. */
void cli_show_progress(kiln_config *cfg, const char *name);

/* --max-stack's range, and the stack the thread running wasm has beyond it
 * for host code. */
#define CLI_MIN_STACK (16ull << 10)
#define CLI_MAX_STACK (512ull << 20)
#define CLI_STACK_HEADROOM ((size_t)1 << 20)

/* SIZE: bytes, or with KiB, MiB or GiB, at most max bytes. */
bool cli_parse_bytes(const char *s, uint64_t max, uint64_t *bytes);
/* A SIZE of whole 64 KiB pages, at least one, at most 4 GiB (--max-memory). */
bool cli_parse_size(const char *s, uint32_t *pages);
/* The same up to CLI_MAX_MEMORY64 (--max-memory64: a 64-bit memory
 * reserves that much address space, and x86-64 has 128 TiB). */
#define CLI_MAX_MEMORY64 (1ull << 40)
bool cli_parse_size64(const char *s, uint32_t *pages);
/* DURATION: a positive number with ms, s (the default) or m (--timeout). */
bool cli_parse_duration(const char *s, double *seconds);
/* A count 1..INT64_MAX, in decimal (--fuel). */
bool cli_parse_count(const char *s, uint64_t *out);
/* The JIT's tiering options: --tier=0|1|tiered|interp,
 * --tier-up-threshold=N and --tier-up-light-body=BYTES (also with the value
 * as the next argument), --tier0-no-offsets, for kiln_config.tiering,
 * tier_up_threshold, tier_up_light_body and tier0_no_offsets.  Returns 1 when argv[*i] is one (consumed, *i past a
 * separate value), 0 when not, -1 for a bad value (reported). */
typedef struct cli_tiering {
	kiln_tiering tiering;
	uint32_t threshold;		/* 0: the default */
	uint32_t light_body;		/* 0: the default */
	bool no_offsets;		/* --tier0-no-offsets */
	bool chosen;			/* --tier given */
} cli_tiering;
int cli_tier_option(int argc, char **argv, int *i, const char *cmd, cli_tiering *t);
/* --disable-FEATURE (tail-call, extended-const...: kiln_feature_name's
 * names) clears that bit of *features (kiln_config.features).  Returns 1
 * when arg is one, 0 when not, -1 for a name no proposal has (reported). */
int cli_feature_option(const char *arg, const char *cmd, uint32_t *features);
/* The KILN_FEATURE_* bits as "tail-call, extended-const", "none" for 0. */
void cli_print_features(FILE *f, uint32_t features);
/* ADDR:PORT: an IPv4 address and a port 0..65535. */
struct sockaddr_in;
bool cli_parse_addr(const char *spec, struct sockaddr_in *out);

/* Ed25519 keys (cli_keys.c): a PEM file's key; *bytes, an artifact,
 * replaced by a signed copy; an artifact loaded, only when signed by the
 * key in key_path unless key_path is NULL (--verify not given).  One error
 * line and CLI_FAIL otherwise. */
int cli_load_key(const char *path, kiln_key **out);
int cli_sign(const char *key_path, uint8_t **bytes, size_t *len);
int cli_load_artifact(const char *path, const char *key_path, const uint8_t *bytes,
		      size_t len, kiln_module **out);

int cmd_validate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_wast(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* The code cache (cache.c). */
bool cache_dir(char *out, size_t len, bool create);
kiln_module *cache_lookup(const char *key);
int cache_store(kiln_engine *engine, kiln_module *m, const char *key);
/* The checked cache directory (made if asked and missing), with its key
 * (made if asked; else, when missing, left for a later caller to make),
 * or -1: none, or refused (reported once). */
int cache_open(bool create_dir, bool create_key);
/* Starts `kiln cache fill` of `file` for `key` in a process of its own
 * (cache_fill.c), detached and at idle priority, or waits for it (then
 * CLI_OK when the entry was stored); *pid is the process, 0 if none. */
int cache_fill_start(const char *file, const char *key, const kiln_config *cfg, bool wait,
		     pid_t *pid);
/* `kiln cache fill ...`: argv[0] is "fill". */
int cache_fill_main(int argc, char **argv);

#endif /* KILN_CLI_H */
