/* SPDX-License-Identifier: MIT */
/* The process server's task and waiter records (proc_table.h). */
#include "proc_table.h"

#include <string.h>
#include <uk/errors.h>

void proc_table_init(struct proc_table *t)
{
	memset(t, 0, sizeof(*t));
}

/* A free slot, or the record that ended longest ago, or NULL. */
static struct proc_task *slot_for_new(struct proc_table *t)
{
	struct proc_task *oldest = NULL;

	for (unsigned i = 0; i < PROC_TASKS_MAX; i++) {
		struct proc_task *p = &t->tasks[i];
		if (!p->id)
			return p;
		if (p->ended && (!oldest || p->end_seq < oldest->end_seq))
			oldest = p;
	}
	return oldest;
}

bool proc_task_room(struct proc_table *t)
{
	return slot_for_new(t) != NULL;
}

struct proc_task *proc_task_add(struct proc_table *t, uint64_t id,
				const char *path)
{
	struct proc_task *p = slot_for_new(t);

	if (!p || !id)
		return NULL;
	/* A new generation, so the badge of the record this slot held
	 * (freed, or evicted just now) names nothing. */
	uint32_t generation = p->generation + 1 ? p->generation + 1 : 1;
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->generation = generation;
	strlcpy(p->path, path, sizeof(p->path));
	return p;
}

struct proc_task *proc_task_find(struct proc_table *t, uint64_t id)
{
	if (!id)
		return NULL;
	for (unsigned i = 0; i < PROC_TASKS_MAX; i++)
		if (t->tasks[i].id == id)
			return &t->tasks[i];
	return NULL;
}

uint64_t proc_task_badge(const struct proc_table *t, const struct proc_task *p)
{
	return (uint64_t)p->generation << 32 | (uint64_t)(p - t->tasks + 1);
}

struct proc_task *proc_task_by_badge(struct proc_table *t, uint64_t badge)
{
	uint32_t slot = (uint32_t)badge, generation = (uint32_t)(badge >> 32);

	if (slot == 0 || slot > PROC_TASKS_MAX)
		return NULL;
	struct proc_task *p = &t->tasks[slot - 1];
	return p->id && p->generation == generation ? p : NULL;
}

void proc_task_free(struct proc_task *p)
{
	p->id = 0; /* the generation stays, for the next one to move on */
}

struct proc_task *proc_task_end(struct proc_table *t,
				const struct uk_exit_status *st)
{
	struct proc_task *p = proc_task_find(t, st->task);

	if (!p || p->ended)
		return NULL;
	p->ended = true;
	p->end_seq = ++t->end_seq;
	p->status = *st;
	return p;
}

unsigned proc_tasks_running(const struct proc_table *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < PROC_TASKS_MAX; i++)
		if (t->tasks[i].id && !t->tasks[i].ended)
			n++;
	return n;
}

int proc_waiter_add(struct proc_table *t, uint64_t task, uk_name_t reply,
		    uint64_t deadline)
{
	for (unsigned i = 0; i < PROC_WAITERS_MAX; i++) {
		struct proc_waiter *w = &t->waiters[i];
		if (w->task)
			continue;
		*w = (struct proc_waiter){ task, reply, deadline };
		return 0;
	}
	return -ERR_LIMIT;
}

uk_name_t proc_waiter_take(struct proc_table *t, uint64_t task, uint64_t now)
{
	for (unsigned i = 0; i < PROC_WAITERS_MAX; i++) {
		struct proc_waiter *w = &t->waiters[i];
		if (!w->task || (task ? w->task != task : w->deadline > now))
			continue;
		uk_name_t reply = w->reply;
		memset(w, 0, sizeof(*w));
		return reply;
	}
	return 0;
}

uint64_t proc_next_deadline(const struct proc_table *t)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < PROC_WAITERS_MAX; i++)
		if (t->waiters[i].task && t->waiters[i].deadline < next)
			next = t->waiters[i].deadline;
	return next;
}

uint64_t proc_deadline(uint64_t now, uint64_t timeout_ns)
{
	if (timeout_ns == UK_TIMEOUT_INFINITE || now > UINT64_MAX - timeout_ns)
		return UINT64_MAX;
	return now + timeout_ns;
}
