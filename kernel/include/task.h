/* SPDX-License-Identifier: MIT */
/*
 * Tasks: an address space, its threads, and its place in the task tree.
 * A task id is (generation << 32 | slot); the generation changes each time a
 * slot is reused, so a stale id fails with ERR_NOT_FOUND.
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/types.h>

#include "hwcap.h"
#include "ipc.h"
#include "list.h"
#include "sched.h"

struct account;

#define TASK_MAX 256
#define TASK_THREADS_MAX 1024

enum task_state {
	TASK_ALIVE,
	TASK_ZOMBIE, /* exited; status kept for the parent's task_wait */
};

struct task {
	uint64_t id;
	char name[UK_TASK_NAME_MAX];
	enum task_state state;
	uint64_t aspace_root;	  /* physical root of the page tables */
	struct list_node threads; /* struct thread.task_link */
	unsigned threads_alive;
	unsigned thread_objects;  /* threads not yet freed (alive + dead) */
	unsigned mcp;		  /* maximum controlled priority (uk/types.h) */
	struct task *parent;	  /* init adopts orphans; NULL only for init */
	struct list_node children;
	struct list_node sibling;
	struct waitq child_waiters; /* this task's threads in task_wait */
	struct uk_exit_status status;
	bool status_collected; /* parent took the status, or nobody will */
	struct list_node regions; /* struct vm_region, sorted by start */
	uint64_t frames;	  /* user frames this task owns */
	unsigned windows;	  /* VM_OBJECT regions (UK_WINDOWS_MAX) */
	struct ipc_space space;	  /* names of rights */
	uint8_t *io_bitmap;	  /* port I/O permissions, NULL: none */
	/* The capabilities io_enable opened io_bitmap with (not counted: a
	 * capability's end removes it); the bitmap is rebuilt from the rest
	 * when one is revoked or freed. */
	struct hw_cap *io_enabled[HWCAP_IO_ENABLES_MAX];
	uint64_t vm_version;	  /* bumped whenever a user page is unmapped */
	/* What the kernel holds for this task is charged here (quota.h):
	 * its own, or one it shares with its creator. */
	struct account *account;
	/* TSC ticks its threads ran, interrupts they took included (guest
	 * instructions under QEMU's -icount shift=0). */
	uint64_t cpu_tsc;
};

void task_init(void);
/* A new, empty task (no threads, empty address space) as a child of parent
 * (NULL for init, which gets the root account). With quota 0 it shares
 * parent's account, else it gets an account of quota bytes carved from
 * parent's (ERR_LIMIT when parent has not that much free). The task
 * object and its tables are charged to that account. */
struct task *task_create(const char *name, struct task *parent, uint64_t quota,
			 int *error);
/* Destroy a task that never ran (creation failed half-way). */
void task_destroy_unstarted(struct task *t);
struct task *task_lookup(uint64_t id);
/* End task t: every thread dies, the status is recorded and the parent is
 * told. If t is the current task, this does not return. */
void task_terminate(struct task *t, const struct uk_exit_status *status);
/* A thread of t has been freed (called by the reaper). */
void task_thread_reaped(struct task *t);
/* The current thread ends; the last thread ends its task with code 0. */
__attribute__((noreturn)) void task_thread_exit(void);
/* task_wait for the current task. */
int64_t task_wait(uint64_t child, struct uk_exit_status *status,
		  uint64_t timeout_ns);
/* The caller copied a child's status out: the zombie may be freed. */
void task_collect(uint64_t child);
uint64_t task_count(void);
/* Call fn(t, arg) for every task object, alive or zombie (cap_revoke). */
void task_for_each(void (*fn)(struct task *t, void *arg), void *arg);
/* Is a an ancestor of t (or t itself)? This is the authority to kill. */
bool task_is_ancestor(const struct task *a, const struct task *t);
/* May viewer see t in kinfo: t is viewer or its descendant, or viewer
 * holds the top MCP. */
bool task_visible(const struct task *viewer, const struct task *t);
/* Fill up to max entries of info with the tasks viewer may see; returns
 * how many it may see. */
unsigned task_list(const struct task *viewer, struct uk_kinfo_task *info,
		   unsigned max);
/* One entry; false if there is no such task or viewer may not see it. */
bool task_info(const struct task *viewer, uint64_t id,
	       struct uk_kinfo_task *info);

#endif
