/*
 * wast.h — the spec test runner's state, shared by cmd_wast.c (the
 * script: conversion, the command loop, counting) and wast_exec.c (the
 * commands that run code: modules, instances, actions, assertions).
 */
#ifndef KILN_WAST_H
#define KILN_WAST_H

#include <jansson.h>

#include "cli.h"

enum outcome { PASS, FAIL, SKIP };

#define MAX_REASONS 32	/* kinds of skip counted apart; the rest as "other" */
#define REASON_LEN 160

typedef struct wast_instance {
	char *name;		/* "$name" from the script, or NULL */
	char *registered;	/* the name it is registered under, or NULL */
	kiln_module *module;	/* NULL for the spectest host module */
	kiln_instance *instance;	/* NULL: its module is missing */
	char *missing;		/* then why: a skip reason or "its module failed" */
} wast_instance;

typedef struct wast_run {
	const char *path;	/* the .wast, as given */
	char dir[256];		/* temporary directory */
	bool verbose;
	bool aot;		/* run every module through a .kwasm artifact */
	const char *target_cpu;	/* --aot: the CPU artifacts are compiled for */
	int opt_level;		/* -O0..-O3 */
	cli_tiering tier;	/* --tier, --tier-up-threshold */
	uint64_t min_passed;	/* --min-passed: fewer passed commands fail */
	/* Proposals decoding accepts: those the --enable flags name
	 * (--enable-threads), as wast2json's language is; without reference
	 * types with --disable-reference-types. */
	uint32_t features;	/* decoded with: --enable- of built proposals */
	uint32_t disabled;	/* --disable-FEATURE: refused by the engine */
	unsigned passed, failed, skipped, mismatches;
	char reasons[MAX_REASONS][REASON_LEN];	/* "" = a free slot */
	unsigned reason_counts[MAX_REASONS];
	char skip_reason[REASON_LEN];	/* set by wast_skip() */
	/* Set by instantiating when an import's module was skipped: the
	 * module is skipped too, for skip_reason. */
	bool import_missing;
	char why[512];		/* a failure's explanation */

	kiln_engine *engine;
	wast_instance *instances;	/* every instance, kept to the end */
	size_t ninstances, cap;
	wast_instance *current;		/* the last module's, or NULL */
	char missing[REASON_LEN];	/* why run->current is NULL */
} wast_run;

typedef enum outcome (*handler_fn)(wast_run *run, const json_t *cmd);

enum outcome wast_skip(wast_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum outcome wast_fail(wast_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *wast_str(const json_t *obj, const char *key);
/* Reads the command's module file and decodes (and validates) it. */
kiln_status wast_load(wast_run *run, const json_t *cmd, bool validate,
		      kiln_module **out, kiln_status *stage, kiln_error *err);

/* wast_exec.c */
bool wast_exec_init(wast_run *run);
void wast_exec_free(wast_run *run);
enum outcome wast_module(wast_run *run, const json_t *cmd);
enum outcome wast_register(wast_run *run, const json_t *cmd);
enum outcome wast_action(wast_run *run, const json_t *cmd);
enum outcome wast_assert_return(wast_run *run, const json_t *cmd);
enum outcome wast_assert_trap(wast_run *run, const json_t *cmd);
enum outcome wast_assert_exhaustion(wast_run *run, const json_t *cmd);
enum outcome wast_assert_exception(wast_run *run, const json_t *cmd);
enum outcome wast_assert_unlinkable(wast_run *run, const json_t *cmd);
enum outcome wast_assert_uninstantiable(wast_run *run, const json_t *cmd);

#endif /* KILN_WAST_H */
