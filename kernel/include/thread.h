/* SPDX-License-Identifier: MIT */
/* Threads: the unit of scheduling. Each has its own kernel stack. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "list.h"

#define KERNEL_STACK_FRAMES 4 /* 16 KiB */

enum thread_state {
	THREAD_READY,	 /* in the run queue */
	THREAD_RUNNING,	 /* current */
	THREAD_BLOCKED,	 /* on a wait queue and/or the sleep list */
	THREAD_DEAD,	 /* on the reap list, stack freed after a switch */
};

struct port;
struct waitq;
struct task;

struct thread {
	struct arch_thread arch; /* first: holds the 16-byte aligned FPU area */
	uint64_t id;
	struct task *task;
	enum thread_state state;
	unsigned priority;
	unsigned slice;		   /* ticks left in this turn */
	struct list_node run_link; /* run queue, wait queue or reap list */
	struct list_node task_link;
	struct list_node sleep_link; /* sleep list while a timeout runs */
	uint64_t wake_tick;	     /* 0: no timeout */
	struct waitq *waiting_on;
	int64_t wait_result;
	uint64_t kernel_stack;	/* physical base of the stack frames */
	/* IPC: where a blocked receive delivers, and the call reply port. */
	uint64_t ipc_buf;
	uint64_t ipc_buf_size;
	/* The receive buffer's page through the direct map, valid while
	 * task->vm_version equals buf_cache_version (a software TLB entry). */
	uint64_t buf_cache_va, buf_cache_version;
	void *buf_cache_kva;
	struct port *reply_port;
};

void thread_init(void);
/* Create a thread in task t that enters user mode at entry; it is made
 * ready. Returns NULL (nothing allocated) when memory runs out. */
struct thread *thread_create_user(struct task *t, uint64_t entry,
				  uint64_t stack, uint64_t arg,
				  unsigned priority, int *error);
/* Release a dead thread's stack and object; never the current thread. */
void thread_free(struct thread *th);
uint64_t thread_count(void);

#endif
