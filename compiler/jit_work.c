/*
 * jit_work.c — the JIT's background work: a queue the engine's threads
 * (kiln_config.jit_threads) take functions from, to compile ahead of
 * their first call (speculation, at the tier the JIT starts at) or at
 * tier 1 because they ran hot in tier 0 (tier-up, ahead of speculation);
 * and what tier-0 code calls when its counter runs out
 * (jit_tier_up_request) or it moves to an OSR entry (jit_osr_note); the
 * interpreter's requests (jit_interp_tier_up_request), with tier 0's OSR
 * entries p<i>.
 * docs/architecture.md, "Tiered compilation", tells the whole story.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit_internal.h"

/* Queues work on function i of mj's module; false when out of memory.
 * A tier-up goes ahead of speculation (the function is running now, in
 * slower code, while speculation only guesses), behind the tier-ups
 * queued before it: the function whose count ran out first is the
 * hottest or has waited longest.  (Each tier-up used to go to the front,
 * so that with the one background thread of a 2-CPU machine the first
 * functions to run hot were compiled last; in first order, `bench/ab.sh
 * --first` over the suite, 3 repetitions: 0.964 of the time, where the
 * same build against itself gave 1.007 and single programs moved by up
 * to 20 % either way.  Smallest body first instead: 0.986 against this,
 * noise.)  Called with spec_lock held. */
static bool work_push(jit_state *j, module_jit *mj, uint32_t i, uint8_t kind)
{
	spec_item it = {mj, i, kind};
	size_t k = j->spec_n;

	if (!krt_grow((void **)&j->spec_q, &j->spec_cap, j->spec_n + 1, sizeof *j->spec_q))
		return false;
	if (kind != WORK_SPECULATE) {
		for (k = j->spec_head; k < j->spec_n && j->spec_q[k].kind != WORK_SPECULATE; k++)
			;
		memmove(j->spec_q + k + 1, j->spec_q + k, (j->spec_n - k) * sizeof *j->spec_q);
	}
	j->spec_q[k] = it;
	j->spec_n++;
	return true;
}

/* Queues function i of mj's module for speculation unless compiled or
 * queued already.  Called with spec_lock held. */
static void spec_push(jit_state *j, module_jit *mj, uint32_t i)
{
	if (mj->forgotten || atomic_load(&mj->compiled[i]) || atomic_exchange(&mj->queued[i], 1))
		return;
	if (!work_push(j, mj, i, WORK_SPECULATE))
		atomic_store(&mj->queued[i], 0);	/* only ever a head start */
}

/* The own functions the body just lowered calls directly (the callees it
 * declared), in order. */
void jit_speculate_callees(kiln_engine *e, module_jit *mj, const lower_module *lm,
			      uint32_t self)
{
	const kiln_module *m = lm->m;
	jit_state *j = engine_jit(e);

	pthread_mutex_lock(&j->spec_lock);
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		if (i != self && lm->funcs[i] != NULL &&
		    !(mj->interp && krt_interp_entry(mj->interp, i)))	/* interpreted */
			spec_push(j, mj, i);
	pthread_cond_signal(&j->spec_work);
	pthread_mutex_unlock(&j->spec_lock);
}

static void tier_up(kiln_engine *e, module_jit *mj, uint32_t i, char kind);
static void tier0(kiln_engine *e, module_jit *mj, uint32_t i);
static void osr0(kiln_engine *e, module_jit *mj, uint32_t i);

/* KILN_TIER_UP_SYNC=1 (environment; for tests only): a tier-up compiles
 * on the thread whose count ran out, before its code goes on, so that
 * with a threshold of 1 every function and every OSR point switches to
 * tier 1 at once, deterministically.  KILN_TIER_UP_SYNC=2: the same, but
 * only when compiled code asks; the interpreter's request only marks the
 * function (TIER_DEFERRED), so that its loops move to tier 0's OSR entry
 * p<i> first, and from there to q<i>. */
static int tier_up_sync(void)
{
	static _Atomic int sync = -1;
	int v = atomic_load(&sync);

	if (v < 0) {
		const char *e = getenv("KILN_TIER_UP_SYNC");
		v = e == NULL ? 0 : !strcmp(e, "1") ? 1 : !strcmp(e, "2") ? 2 : 0;
		atomic_store(&sync, v);
	}
	return v;
}

/* Whether a piece of tier 1 in state s is on its way. */
static bool tier1_waits(uint8_t s)
{
	return s == TIER_QUEUED || s == TIER_DEFERRED;
}

/* The state of function i's tier-1 piece `kind`: its body o<i>
 * (tier_state) or its OSR entry q<i> (osr_state). */
static _Atomic uint8_t *piece_state(module_jit *mj, uint32_t i, char kind)
{
	return kind == 'q' ? &mj->osr_state[i] : &mj->tier_state[i];
}

/* KILN_TIER_UP_SYNC=2's part of tier_queue: whether it took the request
 * (the interpreter's marks function i's piece, compiled code's compiles
 * it). */
static bool tier_defer(module_jit *mj, uint32_t i, char kind, bool interp)
{
	_Atomic uint8_t *state = piece_state(mj, i, kind);
	uint8_t s = TIER_NONE;

	if (tier_up_sync() != 2)
		return false;
	if (interp) {
		atomic_compare_exchange_strong(state, &s, TIER_DEFERRED);
		return true;
	}
	if (atomic_compare_exchange_strong(state, &s, TIER_QUEUED) ||
	    (s == TIER_DEFERRED && atomic_compare_exchange_strong(state, &s, TIER_QUEUED)))
		tier_up(mj->engine, mj, i, kind);
	return true;
}

/* Queues function i's tier-1 piece `kind` ('o' or 'q') unless it is
 * already on its way (or, with KILN_TIER_UP_SYNC, compiles it); interp:
 * the interpreter asks. */
static void tier_queue(module_jit *mj, uint32_t i, char kind, bool interp)
{
	jit_state *j = engine_jit(mj->engine);
	_Atomic uint8_t *state = piece_state(mj, i, kind);
	uint8_t none = TIER_NONE;

	if (tier_defer(mj, i, kind, interp) ||
	    !atomic_compare_exchange_strong(state, &none, TIER_QUEUED))
		return;
	if (tier_up_sync()) {
		tier_up(mj->engine, mj, i, kind);
		return;
	}
	pthread_mutex_lock(&j->spec_lock);
	if (mj->forgotten ||
	    !work_push(j, mj, i, kind == 'q' ? WORK_TIER_UP_OSR : WORK_TIER_UP))
		atomic_store(state, TIER_FAILED);	/* stays in tier 0 */
	pthread_cond_signal(&j->spec_work);
	pthread_mutex_unlock(&j->spec_lock);
}

/* Sends interpreted function i to tier 0 unless it went: compiled on the
 * asking thread, as the tiered JIT compiles a first call (a millisecond
 * or two), not queued for the background thread, where it would wait for
 * the tier-1 compilation in progress (~170 ms).  Whether it is there. */
static bool tier0_try(module_jit *mj, uint32_t i)
{
	uint8_t s = TIER_NONE;

	if (atomic_compare_exchange_strong(&mj->tier0_state[i], &s, TIER_QUEUED)) {
		tier0(mj->engine, mj, i);
		s = atomic_load(&mj->tier0_state[i]);
	}
	return s == TIER_READY;
}

/* Whether loop number `loop` is among the n of v (ascending). */
static bool loop_in(const uint32_t *v, uint32_t n, uint32_t loop)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v[mid] == loop)
			return true;
		if (v[mid] < loop)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Whether q<i> enters at loop number `loop` (one of its switch's cases). */
static bool osr_enters_at(const module_jit *mj, uint32_t i, uint32_t loop)
{
	return loop_in(mj->osr_loops[i], mj->nosr_loops[i], loop);
}

/* Interpreted function i's tier-0 OSR entry p<i> if it enters at `loop`
 * (compiled first, on the asking thread, unless that was tried), else
 * NULL. */
static void *osr0_at(module_jit *mj, uint32_t i, uint32_t loop)
{
	osr0_entry *p = &mj->osr0[i];
	uint8_t s = TIER_NONE;

	if (loop == INTERP_NO_LOOP)
		return NULL;
	if (atomic_compare_exchange_strong(&p->state, &s, TIER_QUEUED)) {
		osr0(mj->engine, mj, i);
		s = atomic_load_explicit(&p->state, memory_order_acquire);
	}
	if (s != TIER_READY || !loop_in(p->loops, p->nloops, loop))
		return NULL;
	engine_count_osr(mj->engine, true);
	return atomic_load_explicit(&p->entry, memory_order_relaxed);
}

/* Who asks for tier 1 (tier_request): tier-0 code b<i>, the interpreter,
 * or tier 0's OSR entry p<i>, where an interpreted frame moved because it
 * kept looping. */
enum { ASK_TIER0, ASK_INTERP, ASK_OSR0 };

static void *tier_request(module_jit *mj, uint32_t i, uint32_t loop, int asker);

/* The interpreter's tier-up request (interp_module.tier_up).  A count
 * run out at a loop start asks for tier 1 (tier_request, its body first;
 * the loop moves to q<i> once there is one); one at the function's entry
 * asks for tier 0 first, whose own counts then send it on to tier 1: a
 * function called
 * often but briefly each time would otherwise wait its turn for tier 1
 * interpreted, behind others (13x slower than compiled code).  So does
 * a second count run out at a loop start while tier 1 is still on its
 * way: the function is called often too, or its loop waits anyway, and
 * tier 0 takes the calls to come, while the frame itself moves to tier
 * 0's OSR entry p<i> (compiled then, on the asking thread too), whose
 * counts move it on to q<i> when tier 1 is there.  Not at the first:
 * a loop of a few thousand iterations in all would pay for p<i> (as
 * long as tier 0 of the function) and not run long enough to gain.  A
 * tier 0 that fails (no libLLVM) leaves it interpreted, counting toward
 * tier 1 as before. */
void *jit_interp_tier_up_request(void *arg, uint32_t i, uint32_t loop)
{
	module_jit *mj = arg;
	uint8_t t1 = atomic_load(&mj->tier_state[i]);
	void *q;

	if (loop != INTERP_ENTRY) {
		q = tier_request(mj, i, loop, ASK_INTERP);
		/* p<i> first: the frame's way out (and so not just above
		 * b<i>, where a symbolize that missed it would still name the
		 * function). */
		if (q == NULL && tier1_waits(t1) && tier1_waits(atomic_load(&mj->tier_state[i]))) {
			q = osr0_at(mj, i, loop);
			(void)tier0_try(mj, i);
		}
		return q;
	}
	if ((t1 == TIER_NONE || tier1_waits(t1)) && tier0_try(mj, i)) {
		atomic_store_explicit(&mj->counters[i], (int32_t)engine_tier_up_threshold(mj->engine),
				      memory_order_relaxed);
		return NULL;
	}
	return tier_request(mj, i, LOWER_NO_LOOP, ASK_INTERP);
}

/* Called by tier-0 code (lower_module.tier_up) when function i's counter
 * runs out, at its entry or at loop header `loop` (LOWER_NO_LOOP: no OSR
 * point), and likewise by the interpreter (interp_module.tier_up), whose
 * loop numbers are lowering's: queues the piece of tier 1 it asks for
 * (tier_piece) the first time; returns its OSR entry once there is one
 * and `loop` is one of the OSR points lowered into it (the number may
 * name any loop), else NULL.  Until tier 1 is done (and while it has an
 * OSR entry that frames still in tier 0 may take) the counter restarts,
 * so the call comes again; after, never.  Runs on the wasm thread:
 * short, and it never fails the call. */
void *jit_tier_up_request(void *arg, uint32_t i, uint32_t loop)
{
	return tier_request(arg, i, loop, ASK_TIER0);
}

/* The same, called by tier 0's OSR entry p<i>. */
void *jit_osr0_tier_up_request(void *arg, uint32_t i, uint32_t loop)
{
	return tier_request(arg, i, loop, ASK_OSR0);
}

/* The piece of function i's tier 1 a count run out at `loop` asks for.
 * Tier 1 lowers, optimises and generates the body o<i> and the OSR entry
 * q<i> each on its own (together, a function with loops cost twice the
 * time), each when asked for.  The body first: most functions with loops
 * are called again and again, and new calls enter o<i>; q<i> only for a
 * frame still in tier 0 at a loop once o<i> is there (it loops long), or
 * at once for a frame in p<i> (it has been looping long: a C main, whose
 * o<i> may never be needed).  A loop q<i> has no case for, or a q<i> that
 * failed, asks for o<i>: the frame cannot move, new calls can. */
static char tier_piece(module_jit *mj, uint32_t i, uint32_t loop, int asker)
{
	uint8_t s = atomic_load(&mj->osr_state[i]), o = atomic_load(&mj->tier_state[i]);

	if (loop == LOWER_NO_LOOP || s == TIER_FAILED ||
	    (s == TIER_READY && !osr_enters_at(mj, i, loop)))
		return 'o';
	if (asker == ASK_OSR0)
		return 'q';
	return o == TIER_NONE || tier1_waits(o) ? 'o' : 'q';
}

/* Takes function i's tier-1 body back out of the queue unless a thread
 * took it already (a frame in p<i> asks for q<i> first: the body waits
 * until a call asks again). */
static void body_unqueue(module_jit *mj, uint32_t i)
{
	jit_state *j = engine_jit(mj->engine);

	pthread_mutex_lock(&j->spec_lock);
	for (size_t k = j->spec_head; k < j->spec_n; k++) {
		spec_item *it = &j->spec_q[k];
		if (it->mj == mj && it->index == i && it->kind == WORK_TIER_UP) {
			memmove(it, it + 1, (j->spec_n - k - 1) * sizeof *it);
			j->spec_n--;
			atomic_store(&mj->tier_state[i], TIER_NONE);
			break;
		}
	}
	if (j->spec_head == j->spec_n)
		j->spec_head = j->spec_n = 0;
	pthread_mutex_unlock(&j->spec_lock);
}

/* jit_tier_up_request's work, for `asker` (ASK_*). */
static void *tier_request(module_jit *mj, uint32_t i, uint32_t loop, int asker)
{
	int32_t again = (int32_t)engine_tier_up_threshold(mj->engine);
	char piece = tier_piece(mj, i, loop, asker);
	uint8_t o;
	void *q = NULL;

	if (piece == 'q' && asker == ASK_OSR0)
		body_unqueue(mj, i);
	tier_queue(mj, i, piece, asker == ASK_INTERP);
	o = atomic_load(&mj->tier_state[i]);
	switch (atomic_load_explicit(&mj->osr_state[i], memory_order_acquire)) {
	case TIER_READY:
		q = atomic_load_explicit(&mj->osr[i], memory_order_relaxed);
		break;
	case TIER_FAILED:	/* none: nothing more to ask for once o is done */
		if (o == TIER_READY || o == TIER_FAILED)
			again = INT32_MAX;
		break;
	}
	atomic_store_explicit(&mj->counters[i], again, memory_order_relaxed);
	if (loop == LOWER_NO_LOOP || q == NULL || !osr_enters_at(mj, i, loop))
		return NULL;
	engine_count_osr(mj->engine, false);
	return q;
}

/* Called by an OSR entry with its return address, in tier-0 code. */
void jit_osr_note(void *arg, void *ret)
{
	module_jit *mj = arg;

	pthread_mutex_lock(&mj->lock);
	size_t k = 0;
	while (k < mj->nosr_rets && mj->osr_rets[k] != (uintptr_t)ret)
		k++;
	if (k == mj->nosr_rets && krt_grow((void **)&mj->osr_rets, &mj->osr_rets_cap,
					   mj->nosr_rets + 1, sizeof *mj->osr_rets))
		mj->osr_rets[mj->nosr_rets++] = (uintptr_t)ret;
	pthread_mutex_unlock(&mj->lock);
}

/* Speculation: looking a body up materializes it here, unless some
 * thread did or is doing so (ORC then waits for that one). */
static void speculate(kiln_engine *e, module_jit *mj, uint32_t i)
{
	/* A failure is dropped: the call, if it comes, traps. */
	if (!atomic_load(&mj->compiled[i]))
		(void)jit_find(e, mj, 'b', i);
}

/* A background thread's work (the engine runs jit_threads of them). */
void *jit_work(void *arg)
{
	kiln_engine *e = arg;
	jit_state *j = engine_jit(e);

	pthread_mutex_lock(&j->spec_lock);
	for (;;) {
		while (!j->spec_stop && j->spec_head == j->spec_n)
			pthread_cond_wait(&j->spec_work, &j->spec_lock);
		if (j->spec_stop)
			break;
		spec_item it = j->spec_q[j->spec_head++];
		if (j->spec_head == j->spec_n)
			j->spec_head = j->spec_n = 0;
		it.mj->busy++;
		pthread_mutex_unlock(&j->spec_lock);
		if (it.kind != WORK_SPECULATE)
			tier_up(e, it.mj, it.index, it.kind == WORK_TIER_UP_OSR ? 'q' : 'o');
		else
			speculate(e, it.mj, it.index);
		pthread_mutex_lock(&j->spec_lock);
		it.mj->busy--;
		pthread_cond_broadcast(&j->spec_idle);
	}
	pthread_mutex_unlock(&j->spec_lock);
	return NULL;
}

/* A module going: nothing of it is left queued or being compiled (the
 * compilation in flight, waited for, queues nothing more of it). */
void jit_forget(kiln_engine *e, module_jit *mj)
{
	jit_state *j = engine_jit(e);
	size_t k;

	pthread_mutex_lock(&j->spec_lock);
	/* First nothing more of it is queued: the speculation thread takes
	 * the next item without releasing the lock after one, so waiting
	 * while it compiles a chain lasted the whole chain. */
	mj->forgotten = true;
	k = j->spec_head;
	for (size_t i = j->spec_head; i < j->spec_n; i++)
		if (j->spec_q[i].mj != mj)
			j->spec_q[k++] = j->spec_q[i];
	j->spec_n = k;
	if (j->spec_head == j->spec_n)
		j->spec_head = j->spec_n = 0;
	while (mj->busy > 0)
		pthread_cond_wait(&j->spec_idle, &j->spec_lock);
	pthread_mutex_unlock(&j->spec_lock);
}

void jit_work_stop(kiln_engine *e)
{
	jit_state *j = engine_jit(e);

	pthread_mutex_lock(&j->spec_lock);
	j->spec_stop = true;
	pthread_cond_broadcast(&j->spec_work);
	pthread_mutex_unlock(&j->spec_lock);
}

/* Looks up "<prefix><kind><i>" in mj's JITDylib: its address, or NULL
 * (the error dropped). */
void *jit_find(kiln_engine *e, module_jit *mj, char kind, uint32_t i)
{
	char name[64];
	LLVMOrcExecutorAddress addr = 0;

	snprintf(name, sizeof name, "%s%c%u", mj->prefix, kind, i);
	LLVMErrorRef le = jit_lookup(e, mj->jd, name, &addr);
	if (le != NULL) {
		LLVMConsumeError(le);
		return NULL;
	}
	return (void *)(uintptr_t)addr;
}

/* Compiles function i's tier-1 piece `kind`, its body o<i> or its OSR
 * entry q<i>, and publishes it: o<i> behind the function's stub, q<i>
 * with its loop numbers for tier_request (a background thread, after
 * tier_queue).  A failure leaves the function in tier 0, which is
 * correct code; a body with no OSR point says q<i> never comes. */
static void tier_up(kiln_engine *e, module_jit *mj, uint32_t i, char kind)
{
	double t0 = jit_now();
	engine_times t = {0};
	LLVMMemoryBufferRef obj = NULL;
	kiln_error err = {0};
	body_job job = {.tier = 1, .kind = kind};
	_Atomic uint8_t *state = piece_state(mj, i, kind);
	uint8_t none = TIER_NONE;
	uint32_t size = 0;
	void *code = NULL;
	bool first;

	if (!jit_attach(e, mj, &err)) {
		engine_record_compile_error(e, err.message);
		atomic_store(state, TIER_FAILED);
		return;
	}
	if (jit_compile_body(e, mj, i, &job, &obj, &t, &err)) {
		if (krt_perfmap_on())
			size = jit_code_size(obj, mj->prefix, kind, i);
		/* Takes obj. */
		LLVMErrorRef le = LLVMOrcLLJITAddObjectFile(engine_jit(e)->jit, mj->jd, obj);
		if (le != NULL)
			LLVMConsumeError(le);
		else
			code = jit_find(e, mj, kind, i);
	}
	if (code == NULL) {
		free(job.osr_loops);
		atomic_store(state, TIER_FAILED);
		return;
	}
	pthread_mutex_lock(&mj->lock);
	first = mj->body1[i] == NULL && atomic_load(&mj->osr[i]) == NULL;
	if (kind == 'q') {
		mj->osr_size[i] = size;
		mj->osr_loops[i] = job.osr_loops;	/* read after osr_state's acquire */
		mj->nosr_loops[i] = job.nosr_loops;
		atomic_store_explicit(&mj->osr[i], code, memory_order_relaxed);
	} else {
		mj->body1[i] = code;
		mj->code_size1[i] = size;
		jit_install(mj, i, code);	/* under the lock, as tier0's */
	}
	pthread_mutex_unlock(&mj->lock);
	if (kind == 'o' && !job.osr_points)
		atomic_compare_exchange_strong(&mj->osr_state[i], &none, TIER_FAILED);
	atomic_store_explicit(state, TIER_READY, memory_order_release);
	t.total = jit_now() - t0;
	engine_count_tier_up(e, &t, first, kind == 'q');
}

/* Compiles interpreted function i at tier 0 (its lazy body "b<i>",
 * counted: first_job) and installs it as tier_up installs tier 1
 * (jit_install) unless tier 1 came first; frames already
 * interpreted finish there.  A failure (the JIT or libLLVM not there)
 * leaves it interpreted. */
static void tier0(kiln_engine *e, module_jit *mj, uint32_t i)
{
	kiln_error err = {0};
	void *body = NULL;

	if (!jit_attach(e, mj, &err))
		engine_record_compile_error(e, err.message);
	else
		body = jit_find(e, mj, 'b', i);
	if (body != NULL) {
		pthread_mutex_lock(&mj->lock);
		if (mj->body1[i] == NULL) {
			mj->body[i] = body;
			jit_install(mj, i, body);
		}
		pthread_mutex_unlock(&mj->lock);
	}
	atomic_store(&mj->tier0_state[i], body != NULL ? TIER_READY : TIER_FAILED);
}

/* Compiles interpreted function i's tier-0 OSR entry p<i> (lowered as q<i>
 * is, at tier 0 with tier 0's counts, in an object of its own: b<i> is
 * the lazy body's) and publishes it with its loop numbers.  A failure, or
 * a function with no OSR point at tier 0, leaves its frames interpreted
 * until they can move to q<i>. */
static void osr0(kiln_engine *e, module_jit *mj, uint32_t i)
{
	osr0_entry *p = &mj->osr0[i];
	double t0 = jit_now();
	engine_times t = {0};
	LLVMMemoryBufferRef obj = NULL;
	kiln_error err = {0};
	body_job job = {.tier = 0, .count = true, .kind = 'p'};
	uint32_t size = 0;
	void *entry = NULL;

	if (jit_attach(e, mj, &err) && jit_compile_body(e, mj, i, &job, &obj, &t, &err)) {
		if (krt_perfmap_on())
			size = jit_code_size(obj, mj->prefix, 'p', i);
		/* Takes obj. */
		LLVMErrorRef le = LLVMOrcLLJITAddObjectFile(engine_jit(e)->jit, mj->jd, obj);
		if (le != NULL)
			LLVMConsumeError(le);
		else
			entry = jit_find(e, mj, 'p', i);
	}
	if (entry == NULL) {
		free(job.osr_loops);
		atomic_store(&p->state, TIER_FAILED);
		return;
	}
	pthread_mutex_lock(&mj->lock);	/* symbolize reads entry under it */
	p->loops = job.osr_loops;
	p->nloops = job.nosr_loops;
	p->size = size;
	atomic_store_explicit(&p->entry, entry, memory_order_relaxed);
	pthread_mutex_unlock(&mj->lock);
	atomic_store_explicit(&p->state, TIER_READY, memory_order_release);
	t.total = jit_now() - t0;
	engine_count_compiled(e, &t, 0);
}
