/* SPDX-License-Identifier: MIT */
/*
 * Priority run queue: one FIFO per level and a bitmap of non-empty levels,
 * so picking the next thread is a find-highest-bit and a list pop. Round
 * robin within a level comes from re-enqueueing at the tail. Pure logic.
 */
#ifndef KERNEL_RUNQUEUE_H
#define KERNEL_RUNQUEUE_H

#include <stdint.h>

#include "list.h"

#define RUNQUEUE_LEVELS 32

struct runqueue {
	uint32_t nonempty; /* bit p set iff levels[p] is not empty */
	uint32_t count;
	struct list_node levels[RUNQUEUE_LEVELS];
};

void runqueue_init(struct runqueue *rq);
/* Append at the tail of its level (round robin). priority < RUNQUEUE_LEVELS. */
void runqueue_push_back(struct runqueue *rq, struct list_node *n, unsigned priority);
/* Insert at the head of its level: a preempted thread keeps its turn. */
void runqueue_push_front(struct runqueue *rq, struct list_node *n, unsigned priority);
/* Remove a queued node from its level. */
void runqueue_remove(struct runqueue *rq, struct list_node *n, unsigned priority);
/* Pop the head of the highest non-empty level, or NULL. */
struct list_node *runqueue_pop_highest(struct runqueue *rq, unsigned *priority);
/* Highest non-empty level, or -1 when empty. */
int runqueue_highest(const struct runqueue *rq);

#endif
