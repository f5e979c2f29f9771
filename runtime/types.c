/*
 * types.c — canonical signature ids for call_indirect.
 *
 * call_indirect compares the id of the expected type with the id stored in
 * the function reference; ids are equal exactly when the signatures are,
 * whichever module each came from.  The registry only grows; it is shared
 * by all threads under a lock (it is used at instantiation, not per call).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"

static struct {
	pthread_mutex_t lock;
	kiln_valtype **sigs;	/* nparams, nresults, then the types */
	uint32_t n;
	size_t cap;
} reg = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

static bool same(const kiln_valtype *sig, const kiln_functype *ft)
{
	return sig[0] == (kiln_valtype)ft->nparams &&
	       sig[1] == (kiln_valtype)ft->nresults &&
	       (ft->nparams == 0 ||
		memcmp(sig + 2, ft->params, ft->nparams * sizeof *sig) == 0) &&
	       (ft->nresults == 0 ||
		memcmp(sig + 2 + ft->nparams, ft->results, ft->nresults * sizeof *sig) == 0);
}

uint32_t kiln_type_id(const kiln_functype *ft)
{
	uint32_t id = UINT32_MAX;
	kiln_valtype *sig;

	pthread_mutex_lock(&reg.lock);
	for (uint32_t i = 0; i < reg.n && id == UINT32_MAX; i++)
		if (same(reg.sigs[i], ft))
			id = i;
	if (id == UINT32_MAX &&
	    krt_grow((void **)&reg.sigs, &reg.cap, reg.n + 1, sizeof *reg.sigs)) {
		sig = malloc((2 + ft->nparams + ft->nresults) * sizeof *sig);
		if (sig != NULL) {
			sig[0] = (kiln_valtype)ft->nparams;
			sig[1] = (kiln_valtype)ft->nresults;
			if (ft->nparams)
				memcpy(sig + 2, ft->params, ft->nparams * sizeof *sig);
			if (ft->nresults)
				memcpy(sig + 2 + ft->nparams, ft->results, ft->nresults * sizeof *sig);
			reg.sigs[reg.n] = sig;
			id = reg.n++;
		}
	}
	pthread_mutex_unlock(&reg.lock);
	return id;	/* UINT32_MAX only when out of memory: matches nothing */
}
