/* SPDX-License-Identifier: MIT */
/*
 * Waking threads blocked on wait queues (see sched.h). Kept apart from
 * the scheduler proper so the host tests of the IPC core link the real
 * wake-up bookkeeping and fake only sched_ready.
 */
#include "sched.h"

void sched_unblock(struct thread *th, int64_t result)
{
	list_remove(&th->run_link);
	list_remove(&th->sleep_link);
	th->waiting_on = NULL;
	th->wake_tick = 0;
	th->wait_result = result;
}

void sched_wake(struct thread *th, int64_t result)
{
	sched_unblock(th, result);
	sched_ready(th);
}

int waitq_wake_one(struct waitq *wq, int64_t result)
{
	struct list_node *n = wq->threads.next;

	if (n == &wq->threads)
		return 0;
	sched_wake(list_entry(n, struct thread, run_link), result);
	return 1;
}

int waitq_wake_all(struct waitq *wq, int64_t result)
{
	int woke = 0;

	while (waitq_wake_one(wq, result))
		woke++;
	return woke;
}
