/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DEV_THREAD_H
#define VMM_DEV_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

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

/*
 * A pause gate: what `vmm pause` closes so that no device thread touches
 * guest memory while the guest is paused. A device thread does its work in
 * bounded batches and passes the gate around each batch:
 *
 *   if (!dev_gate_enter(gate, &stopping)) break;   (waits while closed)
 *   ... one batch, ending early when dev_gate_closing(gate) ...
 *   ... in-flight I/O that writes guest memory completed ...
 *   dev_gate_leave(gate);
 *
 * dev_gate_close() returns once every thread inside has left, so after it
 * no device thread is between enter and leave; dev_gate_open() lets them
 * in again. A thread waiting in enter also returns (false) once *stop is
 * set and dev_gate_wake() is called, so a reset or teardown during a pause
 * does not hang on the gate. All functions are thread-safe; a NULL gate is
 * always open (device unit tests, devices without vmm).
 */
struct dev_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool closed;
	unsigned int inside;    /* threads between enter and leave */
};

/* dev_gate_init - an open gate. Returns 0 or the pthread error number. */
int dev_gate_init(struct dev_gate *g);
void dev_gate_destroy(struct dev_gate *g);

/*
 * dev_gate_enter - wait until g is open or *stop is set. Returns true with
 * the caller inside (it must call dev_gate_leave), false when *stop was
 * set (the caller is not inside).
 */
bool dev_gate_enter(struct dev_gate *g, const atomic_bool *stop);
void dev_gate_leave(struct dev_gate *g);

/* dev_gate_closing - whether a pause wants the caller to end its batch. Lock-free. */
bool dev_gate_closing(struct dev_gate *g);

/* dev_gate_close / dev_gate_open - pause (waits for every thread inside to leave) / resume. */
void dev_gate_close(struct dev_gate *g);
void dev_gate_open(struct dev_gate *g);

/* dev_gate_wake - wake threads waiting in enter, to see their stop flag. */
void dev_gate_wake(struct dev_gate *g);

#endif
