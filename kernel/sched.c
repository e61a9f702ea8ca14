/* SPDX-License-Identifier: MIT */
/*
 * Scheduler (see sched.h). Invariants: `current` is RUNNING and on no queue;
 * a READY thread is on the run queue; a BLOCKED thread is on its wait queue
 * (if any) and on the sleep list iff it has a timeout; a DEAD thread is on
 * the reap list and is freed by sched_switch_finish() on another stack.
 */
#include "sched.h"

#include <uk/errors.h>
#include <uk/types.h>

#include "kernel.h"
#include "runqueue.h"
#include "task.h"
#include "timer.h"

struct thread *current;
static struct thread *idle_thread;
static struct runqueue runqueue;
static struct list_node sleep_list = LIST_INIT(sleep_list); /* by wake_tick */
static struct list_node reap_list = LIST_INIT(reap_list);
static bool need_resched;
static uint64_t switch_tsc; /* when current began to run */
static uint64_t start_tsc, idle_tsc;

/* Charge the time since the last switch to prev's task (or to idle). */
static inline void account_cpu(const struct thread *prev)
{
	uint64_t now = arch_cycles();
	uint64_t ran = now - switch_tsc;

	switch_tsc = now;
	if (prev == idle_thread)
		idle_tsc += ran;
	else
		prev->task->cpu_tsc += ran;
}

void sched_cpu_time(uint64_t *total, uint64_t *idle)
{
	uint64_t now = arch_cycles();

	*total = now - start_tsc;
	*idle = idle_tsc + (current == idle_thread ? now - switch_tsc : 0);
}

void sched_init(struct thread *idle)
{
	runqueue_init(&runqueue);
	idle_thread = idle;
	current = idle;
	idle->state = THREAD_RUNNING;
	start_tsc = switch_tsc = arch_cycles();
}

void sched_ready(struct thread *th)
{
	th->state = THREAD_READY;
	th->slice = SCHED_SLICE_TICKS;
	runqueue_push_back(&runqueue, &th->run_link, th->priority);
	if (current == idle_thread || th->priority > current->priority)
		need_resched = true;
}

void sched_switch_finish(void)
{
	struct list_node *n, *tmp;

	if (list_empty(&reap_list))
		return;
	list_for_each_safe(n, tmp, &reap_list)
	{
		struct thread *th = list_entry(n, struct thread, run_link);
		if (th == current)
			continue;
		list_remove(n);
		struct task *t = th->task;
		thread_free(th);
		task_thread_reaped(t);
	}
}

void schedule(void)
{
	struct thread *prev = current, *next;
	struct list_node *n;

	need_resched = false;
	n = runqueue_pop_highest(&runqueue, NULL);
	if (!n) {
		if (prev->state == THREAD_RUNNING)
			return; /* nothing else to run: keep going */
		next = idle_thread;
	} else {
		next = list_entry(n, struct thread, run_link);
		if (prev->state == THREAD_RUNNING && prev != idle_thread &&
		    prev->priority > next->priority) {
			/* Still the most important: put next back in front. */
			runqueue_push_front(&runqueue, n, next->priority);
			return;
		}
	}
	if (prev->state == THREAD_RUNNING && prev != idle_thread)
		sched_ready(prev);
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		return;
	}
	next->state = THREAD_RUNNING;
	current = next;
	if (next != idle_thread) {
		arch_activate_aspace(next->task->aspace_root);
		arch_set_io_bitmap(next->task->io_bitmap, next->task);
	}
	account_cpu(prev);
	arch_switch(prev, next);
	/* Back on prev's stack: some other thread switched to us. */
	sched_switch_finish();
}

void sched_yield(void)
{
	need_resched = true;
	sched_preempt_point();
}

void sched_preempt_point(void)
{
	if (need_resched)
		schedule();
}

static void sleep_list_insert(struct thread *th)
{
	struct list_node *n;

	list_for_each(n, &sleep_list)
	{
		struct thread *o = list_entry(n, struct thread, sleep_link);
		if (o->wake_tick > th->wake_tick)
			break;
	}
	list_insert_before(n, &th->sleep_link);
}

int64_t sched_block(struct waitq *wq, uint64_t timeout_ns)
{
	struct thread *th = current;

	if (timeout_ns == 0)
		return -ERR_TIMED_OUT;
	kassert(th != idle_thread);
	th->state = THREAD_BLOCKED;
	th->waiting_on = wq;
	th->wait_result = 0;
	if (wq)
		list_push_back(&wq->threads, &th->run_link);
	if (timeout_ns != UK_TIMEOUT_INFINITE) {
		th->wake_tick = timer_deadline(timeout_ns);
		sleep_list_insert(th);
	}
	schedule();
	return th->wait_result;
}

int64_t sched_block_switch(struct waitq *wq, uint64_t timeout_ns,
			   struct thread *next)
{
	struct thread *th = current;

	th->state = THREAD_BLOCKED;
	th->waiting_on = wq;
	th->wait_result = 0;
	list_push_back(&wq->threads, &th->run_link);
	if (timeout_ns != UK_TIMEOUT_INFINITE) {
		th->wake_tick = timer_deadline(timeout_ns);
		sleep_list_insert(th);
	}
	/* next inherits the rest of the time slice: no run-queue traffic. */
	next->state = THREAD_RUNNING;
	next->slice = th->slice ? th->slice : 1;
	current = next;
	if (next->task != th->task) {
		arch_activate_aspace(next->task->aspace_root);
		/* The TSS matches the running task: with no bitmap on either
		 * side there is nothing to change. */
		if (next->task->io_bitmap || th->task->io_bitmap)
			arch_set_io_bitmap(next->task->io_bitmap, next->task);
	}
	account_cpu(th);
	arch_switch(th, next);
	if (!list_empty(&reap_list))
		sched_switch_finish();
	return th->wait_result;
}

void sched_tick(uint64_t now)
{
	while (!list_empty(&sleep_list)) {
		struct thread *th =
			list_entry(sleep_list.next, struct thread, sleep_link);
		if (th->wake_tick > now)
			break;
		sched_wake(th, -ERR_TIMED_OUT);
	}
	if (current != idle_thread && current->slice && --current->slice == 0)
		need_resched = true;
	if (current == idle_thread && runqueue.count)
		need_resched = true;
}

void sched_remove(struct thread *th)
{
	if (th->state == THREAD_READY)
		runqueue_remove(&runqueue, &th->run_link, th->priority);
	else
		list_remove(&th->run_link);
	list_remove(&th->sleep_link);
	th->waiting_on = NULL;
}

void sched_reap_later(struct thread *th)
{
	th->state = THREAD_DEAD;
	list_push_back(&reap_list, &th->run_link);
}

void sched_exit_current(void)
{
	struct thread *th = current;

	th->state = THREAD_DEAD;
	list_push_back(&reap_list, &th->run_link);
	schedule();
	panic("dead thread %lu was scheduled", th->id);
}

void sched_start(void)
{
	for (;;) {
		schedule();
		arch_idle();
		sched_preempt_point();
	}
}
