/* SPDX-License-Identifier: MIT */
/*
 * The process server's records, apart from IPC so the host unit tests
 * link them directly: the tasks it started (running or ended, with their
 * exit status) and the clients waiting for them.
 *
 * Each record has a badge, the value proc mints into the task capability
 * it hands out: generation << 32 | slot + 1. A slot's generation changes
 * every time the slot takes a new task, so the badge of a freed or evicted
 * record names nothing, ever again (until 2^32 reuses of that one slot).
 *
 * An ended task's record stays until its status is collected (a wait
 * answered with it), so a PROC_WAIT that comes after the end still gets
 * the status; when the table is full the record that ended longest ago
 * makes room. A running task's record is never dropped, so proc refuses
 * to start more than PROC_TASKS_MAX running programs.
 */
#ifndef PROC_TABLE_H
#define PROC_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/ipc.h>
#include <uk/types.h>

#define PROC_TASKS_MAX 64u
#define PROC_WAITERS_MAX 64u
#define PROC_PATH_SHOWN 48u /* bytes of the path kept for logs */

struct proc_task {
	uint64_t id;	     /* 0: free slot */
	uint32_t generation; /* of the slot's current (or last) task, never 0 */
	char path[PROC_PATH_SHOWN];
	bool ended;
	uint64_t end_seq; /* order of ends, for eviction */
	struct uk_exit_status status;
};

struct proc_waiter {
	uint64_t task;	   /* 0: free slot */
	uk_name_t reply;   /* send-once right of the waiting caller */
	uint64_t deadline; /* clock value; UINT64_MAX: none */
};

struct proc_table {
	struct proc_task tasks[PROC_TASKS_MAX];
	struct proc_waiter waiters[PROC_WAITERS_MAX];
	uint64_t end_seq;
};

void proc_table_init(struct proc_table *t);
/* Room for one more task (evicting the oldest ended record if needed)? */
bool proc_task_room(struct proc_table *t);
/* Record a started task; NULL if there is no room. */
struct proc_task *proc_task_add(struct proc_table *t, uint64_t id,
				const char *path);
struct proc_task *proc_task_find(struct proc_table *t, uint64_t id);
/* The badge of p's task capability (never 0). */
uint64_t proc_task_badge(const struct proc_table *t, const struct proc_task *p);
/* The record a badge names; NULL for 0, a freed or evicted record, or any
 * value proc did not mint. */
struct proc_task *proc_task_by_badge(struct proc_table *t, uint64_t badge);
/* Drop a record (its status was collected); its badge dies with it. */
void proc_task_free(struct proc_task *p);
/* Record a task's end; NULL if it is not ours. */
struct proc_task *proc_task_end(struct proc_table *t,
				const struct uk_exit_status *st);
unsigned proc_tasks_running(const struct proc_table *t);

/* Queue a waiter; -ERR_LIMIT if the pool is full. */
int proc_waiter_add(struct proc_table *t, uint64_t task, uk_name_t reply,
		    uint64_t deadline);
/* Take one waiter of task (task 0: one whose deadline is <= now) out of
 * the pool; returns its reply right, 0 if there is none. */
uk_name_t proc_waiter_take(struct proc_table *t, uint64_t task, uint64_t now);
uint64_t proc_next_deadline(const struct proc_table *t);
/* Deadline of a wait that starts at now (saturating). */
uint64_t proc_deadline(uint64_t now, uint64_t timeout_ns);

#endif
