/* SPDX-License-Identifier: MIT */
/* Priority run queue (see runqueue.h). */
#include "runqueue.h"

void runqueue_init(struct runqueue *rq)
{
	rq->nonempty = 0;
	rq->count = 0;
	for (unsigned i = 0; i < RUNQUEUE_LEVELS; i++)
		list_init(&rq->levels[i]);
}

void runqueue_push_back(struct runqueue *rq, struct list_node *n, unsigned priority)
{
	list_push_back(&rq->levels[priority], n);
	rq->nonempty |= 1u << priority;
	rq->count++;
}

void runqueue_push_front(struct runqueue *rq, struct list_node *n, unsigned priority)
{
	list_push_front(&rq->levels[priority], n);
	rq->nonempty |= 1u << priority;
	rq->count++;
}

void runqueue_remove(struct runqueue *rq, struct list_node *n, unsigned priority)
{
	list_remove(n);
	if (list_empty(&rq->levels[priority]))
		rq->nonempty &= ~(1u << priority);
	rq->count--;
}

int runqueue_highest(const struct runqueue *rq)
{
	return rq->nonempty ? 31 - __builtin_clz(rq->nonempty) : -1;
}

struct list_node *runqueue_pop_highest(struct runqueue *rq, unsigned *priority)
{
	int p = runqueue_highest(rq);
	struct list_node *n;

	if (p < 0)
		return NULL;
	n = list_pop_front(&rq->levels[p]);
	if (list_empty(&rq->levels[p]))
		rq->nonempty &= ~(1u << p);
	rq->count--;
	if (priority)
		*priority = (unsigned)p;
	return n;
}
