/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DEV_THREAD_H
#define VMM_DEV_THREAD_H

#include <pthread.h>

/*
 * Threads owned by device models (rtc-alarm, gpio-pulse, blk<N>-q<M>, ...).
 *
 * A device thread takes no signals. The process routes each signal to the
 * thread that expects it: vCPU threads unblock SIGUSR1 as their kick, and a
 * device may well be started from a vCPU thread (virtio's DRIVER_OK), whose
 * mask a new thread would otherwise inherit. Device threads are named, so
 * that ps, top and gdb tell them apart. With the sandbox on, a device thread
 * adds the device filter to the one it inherits before it runs (sandbox.h),
 * and takes SIGSYS, the sandbox's report, though nothing else.
 */

/*
 * dev_thread_start - start fn(arg) in a new thread, store its id in *thread
 * and name it name (cut to the kernel's limit of 15 characters; the thread
 * names itself as it starts, before fn runs). Every signal is blocked in the
 * new thread (SIGSYS too unless the sandbox is on); the caller's own mask is
 * the same on return. Thread-safe. Returns 0, or an error number (ENOMEM,
 * or pthread_create()'s) with no thread started. A failure to name the
 * thread is ignored.
 */
int dev_thread_start(pthread_t *thread, const char *name, void *(*fn)(void *), void *arg);

/*
 * dev_cond_init - initialise lock (default attributes) and cond, a
 * condition variable whose pthread_cond_timedwait() deadlines are on
 * CLOCK_MONOTONIC, so that a step of the host's wall clock neither fires
 * nor delays a device's timer. Returns 0, or the pthread error number with
 * neither of them initialised. Undo with dev_cond_destroy().
 */
int dev_cond_init(pthread_mutex_t *lock, pthread_cond_t *cond);

/*
 * dev_cond_destroy - destroy what dev_cond_init() initialised. No thread may
 * hold lock or wait on cond.
 */
void dev_cond_destroy(pthread_mutex_t *lock, pthread_cond_t *cond);

#endif
