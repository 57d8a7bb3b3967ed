// SPDX-License-Identifier: GPL-2.0-only
/*
 * Thread and condition-variable set-up shared by the device models; see
 * dev_thread.h for why device threads take no signals.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev_thread.h"
#include "sandbox.h"

struct dev_start {
	void *(*fn)(void *);
	void *arg;
	char comm[16]; /* pthread_setname_np() refuses longer names (ERANGE) */
};

/*
 * The thread confines itself before it runs fn, and names itself: with the
 * sandbox on, the creator cannot (naming another thread goes through /proc).
 */
static void *dev_thread_main(void *p)
{
	struct dev_start s = *(struct dev_start *)p;

	free(p);
	pthread_setname_np(pthread_self(), s.comm);
	sandbox_thread_enter(SANDBOX_DEVICE);
	return s.fn(s.arg);
}

int dev_thread_start(pthread_t *thread, const char *name, void *(*fn)(void *), void *arg)
{
	struct dev_start *s = malloc(sizeof(*s));
	char comm[sizeof(s->comm)];
	sigset_t all, old;
	int rc;

	if (!s)
		return ENOMEM;
	s->fn = fn;
	s->arg = arg;
	snprintf(comm, sizeof(comm), "%s", name);
	memcpy(s->comm, comm, sizeof(comm)); /* s is the thread's once it runs */
	/*
	 * A new thread inherits its creator's mask: block all around the
	 * create, but the sandbox's SIGSYS (blocked, it would kill unreported).
	 */
	sigfillset(&all);
	if (sandbox_active())
		sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(thread, NULL, dev_thread_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		free(s);
		return rc;
	}
	/* Named at once, as callers and tests expect, while that is allowed. */
	if (!sandbox_active())
		pthread_setname_np(*thread, comm);
	return 0;
}

int dev_cond_init(pthread_mutex_t *lock, pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int rc;

	rc = pthread_mutex_init(lock, NULL);
	if (rc)
		return rc;
	rc = pthread_condattr_init(&attr);
	if (!rc) {
		rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		if (!rc)
			rc = pthread_cond_init(cond, &attr);
		pthread_condattr_destroy(&attr);
	}
	if (rc)
		pthread_mutex_destroy(lock);
	return rc;
}

void dev_cond_destroy(pthread_mutex_t *lock, pthread_cond_t *cond)
{
	pthread_cond_destroy(cond);
	pthread_mutex_destroy(lock);
}

int dev_gate_init(struct dev_gate *g)
{
	int rc = pthread_mutex_init(&g->lock, NULL);

	if (rc)
		return rc;
	rc = pthread_cond_init(&g->cond, NULL);
	if (rc) {
		pthread_mutex_destroy(&g->lock);
		return rc;
	}
	atomic_init(&g->closed, false);
	g->inside = 0;
	return 0;
}

void dev_gate_destroy(struct dev_gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

bool dev_gate_enter(struct dev_gate *g, const atomic_bool *stop)
{
	bool ok;

	if (!g)
		return !atomic_load(stop);
	pthread_mutex_lock(&g->lock);
	while (atomic_load(&g->closed) && !atomic_load(stop))
		pthread_cond_wait(&g->cond, &g->lock);
	ok = !atomic_load(stop);
	if (ok)
		g->inside++;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void dev_gate_leave(struct dev_gate *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	if (!--g->inside)
		pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

bool dev_gate_closing(struct dev_gate *g)
{
	return g && atomic_load_explicit(&g->closed, memory_order_relaxed);
}

void dev_gate_close(struct dev_gate *g)
{
	pthread_mutex_lock(&g->lock);
	atomic_store(&g->closed, true);
	while (g->inside)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

void dev_gate_open(struct dev_gate *g)
{
	pthread_mutex_lock(&g->lock);
	atomic_store(&g->closed, false);
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

void dev_gate_wake(struct dev_gate *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}
