/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_FAULT_H
#define VMM_TESTS_FAULT_H

/*
 * Fault injection for the constructors' error paths: setting fail_<name>
 * makes the next call of <name> in this process fail. The wrappers replace
 * the libc functions for the whole test binary, the code under test in
 * libvmmcore.a included, and pass through otherwise. ("*(void **)&real =
 * dlsym(...)" is the POSIX idiom for a function pointer from dlsym.) calloc
 * is left alone under a sanitizer, whose allocator owns the heap.
 *
 * Include after <cmocka.h>, in exactly one translation unit of a test
 * binary: the wrappers are external definitions that take libc's names, so
 * a second copy would not link, and the fail_ flags must be the ones those
 * wrappers read. Each unit test binary is built from a single .c file (see
 * the Makefile), which is that unit.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define FAIL_CALLOC 1
#endif

static int fail_mutex_init, fail_condattr_init, fail_setclock, fail_cond_init, fail_create;

#ifdef FAIL_CALLOC
static int fail_calloc;

extern void *__libc_calloc(size_t nmemb, size_t size);

void *calloc(size_t nmemb, size_t size)
{
	if (fail_calloc) {
		fail_calloc = 0;
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(nmemb, size);
}
#endif

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	static int (*real)(pthread_mutex_t *, const pthread_mutexattr_t *);

	if (fail_mutex_init) {
		fail_mutex_init = 0;
		return EAGAIN;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_mutex_init");
	return real(m, attr);
}

int pthread_condattr_init(pthread_condattr_t *attr)
{
	static int (*real)(pthread_condattr_t *);

	if (fail_condattr_init) {
		fail_condattr_init = 0;
		return ENOMEM;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_condattr_init");
	return real(attr);
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
	static int (*real)(pthread_condattr_t *, clockid_t);

	if (fail_setclock) {
		fail_setclock = 0;
		return EINVAL;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_condattr_setclock");
	return real(attr, clock);
}

int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
	static int (*real)(pthread_cond_t *, const pthread_condattr_t *);

	if (fail_cond_init) {
		fail_cond_init = 0;
		return EAGAIN;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_cond_init");
	return real(cond, attr);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

	if (fail_create) {
		fail_create = 0;
		return EAGAIN;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
	return real(t, attr, fn, arg);
}

/*
 * The failures in the order a device constructor meets them (allocate,
 * dev_cond_init(), dev_thread_start()), each with the errno its wrapper
 * above makes the constructor report.
 */
struct fault {
	const char *name;
	int *flag;
	int err;
};

static const struct fault fault_steps[] = {
#ifdef FAIL_CALLOC
	{ "calloc", &fail_calloc, ENOMEM },
#endif
	{ "pthread_mutex_init", &fail_mutex_init, EAGAIN },
	{ "pthread_condattr_init", &fail_condattr_init, ENOMEM },
	{ "pthread_condattr_setclock", &fail_setclock, EINVAL },
	{ "pthread_cond_init", &fail_cond_init, EAGAIN },
	{ "pthread_create", &fail_create, EAGAIN },
};

/*
 * fault_check_new(call, last) - for each failure of fault_steps up to and
 * including the one whose flag is last, in turn: arm it, evaluate call (a
 * constructor call), and assert that it returned NULL with errno set to that
 * failure's error. The constructor must meet every armed failure, so last
 * is the flag of the last step it takes. (A macro, so that an assertion
 * names the test's line; the failure's name is printed before it.)
 */
#define fault_check_new(call, last)                                                          \
	do {                                                                                 \
		for (const struct fault *f_ = fault_steps;; f_++) {                          \
			void *obj_;                                                          \
			int err_;                                                            \
                                                                                             \
			*f_->flag = 1;                                                       \
			errno = 0;                                                           \
			obj_ = (call);                                                       \
			err_ = errno;                                                        \
			if (obj_ || err_ != f_->err)                                         \
				print_error("injected failure of %s:\n", f_->name);          \
			assert_null(obj_);                                                   \
			assert_int_equal(err_, f_->err);                                     \
			if (f_->flag == &(last))                                             \
				break;                                                       \
		}                                                                            \
	} while (0)

/*
 * fault_check_status(call, out, last) - fault_check_new for a constructor
 * of the status.h convention: each failure makes call return
 * VMM_ERR_INTERNAL (1) with errno set to that failure's error and leaves
 * the out-parameter out (a pointer variable, NULL beforehand) untouched.
 */
#define fault_check_status(call, out, last)                                                  \
	do {                                                                                 \
		for (const struct fault *f_ = fault_steps;; f_++) {                          \
			int st_, err_;                                                       \
                                                                                             \
			*f_->flag = 1;                                                       \
			errno = 0;                                                           \
			(out) = NULL;                                                        \
			st_ = (call);                                                        \
			err_ = errno;                                                        \
			if (st_ != 1 || (out) || err_ != f_->err)                            \
				print_error("injected failure of %s:\n", f_->name);          \
			assert_int_equal(st_, 1);                                            \
			assert_null(out);                                                    \
			assert_int_equal(err_, f_->err);                                     \
			if (f_->flag == &(last))                                             \
				break;                                                       \
		}                                                                            \
	} while (0)

#endif
