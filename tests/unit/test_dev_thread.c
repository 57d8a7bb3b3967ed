// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the device-thread helpers (devices/dev_thread.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <time.h>

#include "dev_thread.h"
#include "fault.h"

/*
 * What the new thread finds itself to be, once told to look: the name is
 * set after the thread starts, and must be read before it ends.
 */
struct seen {
	sem_t go;
	sigset_t mask;
	char name[32];
};

static void *look(void *arg)
{
	struct seen *s = arg;

	sem_wait(&s->go);
	pthread_sigmask(SIG_SETMASK, NULL, &s->mask);
	pthread_getname_np(pthread_self(), s->name, sizeof(s->name));
	return NULL;
}

static void start_and_look(struct seen *s, const char *name)
{
	pthread_t t;

	memset(s, 0, sizeof(*s));
	assert_int_equal(sem_init(&s->go, 0, 0), 0);
	assert_int_equal(dev_thread_start(&t, name, look, s), 0);
	sem_post(&s->go);
	assert_int_equal(pthread_join(t, NULL), 0);
	sem_destroy(&s->go);
}

/*
 * Started from a thread that takes SIGUSR1 (as a vCPU thread does), the
 * device thread still takes no signal, and the starter's mask is kept.
 */
static void test_start_blocks_signals(void **state)
{
	sigset_t usr1, before, after;
	struct seen s;
	int sig;

	(void)state;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	start_and_look(&s, "dev-test");
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	assert_string_equal(s.name, "dev-test");
	for (sig = 1; sig <= SIGRTMAX; sig++) {
		/* Unblockable, and the two glibc reserves below SIGRTMIN. */
		if (sig == SIGKILL || sig == SIGSTOP || (sig >= 32 && sig < SIGRTMIN))
			continue;
		assert_int_equal(sigismember(&s.mask, sig), 1);
		assert_int_equal(sigismember(&after, sig), sigismember(&before, sig));
	}
	assert_int_equal(sigismember(&after, SIGUSR1), 0);
}

/* Names longer than the kernel's 15 characters are cut, not refused. */
static void test_start_long_name(void **state)
{
	struct seen s;

	(void)state;
	start_and_look(&s, "blk4294967295-q4294967295");
	assert_string_equal(s.name, "blk4294967295-q");
}

static void test_start_failure(void **state)
{
	pthread_t t;

	(void)state;
	fail_create = 1;
	assert_int_equal(dev_thread_start(&t, "dev-test", look, NULL), EAGAIN);
}

/*
 * Deadlines count on CLOCK_MONOTONIC: a wait times out no earlier than its
 * deadline on that clock. (On CLOCK_REALTIME the same deadline, the host's
 * uptime, lies decades in the past and the wait would end at once.)
 */
static void test_cond_init_monotonic(void **state)
{
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct timespec until, now;

	(void)state;
	assert_int_equal(dev_cond_init(&lock, &cond), 0);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += 20000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	while (pthread_cond_timedwait(&cond, &lock, &until) != ETIMEDOUT)
		; /* a spurious wake-up */
	pthread_mutex_unlock(&lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	assert_true(now.tv_sec > until.tv_sec ||
		    (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec));
	dev_cond_destroy(&lock, &cond);
}

/* The error of the step that failed is returned. */
static void test_cond_init_failures(void **state)
{
	static int *const flags[] = { &fail_mutex_init, &fail_condattr_init, &fail_setclock,
				      &fail_cond_init };
	static const int errs[] = { EAGAIN, ENOMEM, EINVAL, EAGAIN };
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		*flags[i] = 1;
		assert_int_equal(dev_cond_init(&lock, &cond), errs[i]);
	}
	/* Then it works again: no flag is left armed. */
	assert_int_equal(dev_cond_init(&lock, &cond), 0);
	dev_cond_destroy(&lock, &cond);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_blocks_signals),
		cmocka_unit_test(test_start_long_name),
		cmocka_unit_test(test_start_failure),
		cmocka_unit_test(test_cond_init_monotonic),
		cmocka_unit_test(test_cond_init_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
