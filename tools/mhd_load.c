/*
 * mhd_load.c — libmicrohttpd, dlopen'ed by `kiln serve` (mhd_load.h).
 * By its soname (KILN_MHD_SONAME, read from the library at configure
 * time), as ld.so found it when kiln linked it.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "mhd_load.h"

mhd_api mhd;

/* *slot = the function `name` of h (POSIX: a function's address comes
 * through dlsym's void *), else false with why. */
static bool find(void *h, void **slot, const char *name, char *why, size_t size)
{
	if ((*slot = dlsym(h, name)) != NULL)
		return true;
	snprintf(why, size, "%s has no %s", KILN_MHD_SONAME, name);
	return false;
}

#define FIND(f) find(h, (void **)&api.f, "MHD_" #f, why, size)

bool mhd_load(char *why, size_t size)
{
	mhd_api api;
	void *h;

	if (mhd.start_daemon)
		return true;
	if (!(h = dlopen(KILN_MHD_SONAME, RTLD_LAZY | RTLD_LOCAL))) {
		snprintf(why, size, "%s", dlerror());
		return false;
	}
	if (!(FIND(start_daemon) && FIND(stop_daemon) && FIND(get_connection_info) &&
	      FIND(get_connection_values) && FIND(lookup_connection_value) &&
	      FIND(create_response_from_buffer) && FIND(add_response_header) &&
	      FIND(queue_response) && FIND(destroy_response)))
		return false;
	mhd = api;
	return true;
}
