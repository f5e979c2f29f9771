/*
 * perfmap.c — /tmp/perf-<pid>.map lines for compiled code (perfmap.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perfmap.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool on;

static void init(void)
{
	const char *v = getenv("KILN_PERF_MAP");

	on = v != NULL && *v && strcmp(v, "0") != 0;
}

bool krt_perfmap_on(void)
{
	pthread_once(&once, init);
	return on;
}

void krt_perfmap_add(const void *start, size_t size, const kiln_module *m, uint32_t func)
{
	char path[64];
	FILE *f;

	if (!krt_perfmap_on() || start == NULL)
		return;
	snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
	pthread_mutex_lock(&lock);
	/* Opened per line: a fork's child writes its own file. */
	if ((f = fopen(path, "a")) != NULL) {
		kiln_name n = func == UINT32_MAX ? (kiln_name){NULL, 0}
						 : kiln_module_func_name(m, func);
		fprintf(f, "%lx %zx ", (unsigned long)(uintptr_t)start, size ? size : 1);
		if (func == UINT32_MAX)
			fprintf(f, "wasm:trampoline\n");
		else if (n.data)
			fprintf(f, "wasm:%.*s\n", (int)n.len, (const char *)n.data);
		else
			fprintf(f, "wasm:func[%u]\n", func);
		fclose(f);
	}
	pthread_mutex_unlock(&lock);
}
