/* SPDX-License-Identifier: MIT */
/*
 * Preemptive priority scheduler with round robin within each level, and
 * wait queues with timeouts on which every blocking kernel operation rests.
 * The kernel is not preemptible: a thread gives up the CPU only in
 * schedule(), at a preemption point on the way back to user mode.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>

#include "list.h"
#include "thread.h"

#define SCHED_SLICE_TICKS 2

struct waitq {
	struct list_node threads;
};

extern struct thread *current;

void sched_init(struct thread *idle);
/* TSC ticks since sched_init, and how many of them the CPU was idle. */
void sched_cpu_time(uint64_t *total, uint64_t *idle);
/* Enter the scheduler from the boot context, which becomes the idle
 * thread. Never returns. */
__attribute__((noreturn)) void sched_start(void);
void sched_ready(struct thread *th);
void schedule(void);
void sched_yield(void);
void sched_tick(uint64_t now);

static inline void waitq_init(struct waitq *wq)
{
	list_init(&wq->threads);
}

/*
 * Block the current thread on wq (may be NULL: sleep only) until woken or
 * until timeout_ns passes (UK_TIMEOUT_INFINITE: never; 0: return
 * -ERR_TIMED_OUT at once). Returns the waker's result or -ERR_TIMED_OUT.
 */
int64_t sched_block(struct waitq *wq, uint64_t timeout_ns);
/* The IPC fast path: block the current thread like sched_block (timeout
 * must not be 0) and run next at once. next must be off every queue; the
 * caller has set its wait_result. */
int64_t sched_block_switch(struct waitq *wq, uint64_t timeout_ns,
			   struct thread *next);
/* Take a blocked thread off its wait queue and timeout with a result,
 * without making it ready (the IPC fast path switches to it directly). */
void sched_unblock(struct thread *th, int64_t result);
/* The same, and make it ready. */
void sched_wake(struct thread *th, int64_t result);
/* Wake one / all threads on wq with result. Returns how many woke. */
int waitq_wake_one(struct waitq *wq, int64_t result);
int waitq_wake_all(struct waitq *wq, int64_t result);
/* Take a thread off whatever it waits on or the run queue (it is dying). */
void sched_remove(struct thread *th);
/* The current thread dies: it is reaped after the next switch. */
__attribute__((noreturn)) void sched_exit_current(void);
/* Queue a non-current thread that is already off every queue for reaping. */
void sched_reap_later(struct thread *th);

#endif
