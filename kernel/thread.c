/* SPDX-License-Identifier: MIT */
/* Thread creation and release (see thread.h). */
#include "thread.h"

#include <string.h>
#include <uk/errors.h>

#include "ipc.h"
#include "kernel.h"
#include "quota.h"
#include "sched.h"
#include "slab.h"
#include "task.h"

static struct slab_cache thread_cache;
static uint64_t next_thread_id = 1;
static uint64_t threads_alive;

void thread_init(void)
{
	slab_cache_init(&thread_cache, "thread", sizeof(struct thread));
}

struct thread *thread_create_user(struct task *t, uint64_t entry,
				  uint64_t stack, uint64_t arg,
				  unsigned priority, int *error)
{
	struct thread *th;
	uint64_t stack_pa;
	void *obj;

	if (t->threads_alive >= TASK_THREADS_MAX) {
		*error = -ERR_LIMIT;
		return NULL;
	}
	/* The object and its kernel stack are charged to the task. */
	if ((*error = account_object_alloc(t->account, &thread_cache, &obj)) < 0)
		return NULL;
	th = obj;
	if ((*error = account_frames_alloc(t->account, KERNEL_STACK_FRAMES,
					   &stack_pa)) < 0) {
		account_object_free(t->account, &thread_cache, th);
		return NULL;
	}
	memset(th, 0, sizeof(*th));
	th->id = next_thread_id++;
	th->task = t;
	th->priority = priority;
	th->kernel_stack = stack_pa;
	th->arch.kernel_stack_top = (uint64_t)arch_phys_to_virt(stack_pa) +
				    KERNEL_STACK_FRAMES * PAGE_SIZE;
	list_init(&th->run_link);
	list_init(&th->sleep_link);
	arch_thread_init_user(th, entry, stack, arg);
	list_push_back(&t->threads, &th->task_link);
	t->threads_alive++;
	t->thread_objects++;
	threads_alive++;
	sched_ready(th);
	return th;
}

void thread_free(struct thread *th)
{
	struct account *a = th->task->account;

	ipc_thread_exit(th);
	account_frames_free(a, th->kernel_stack, KERNEL_STACK_FRAMES);
	threads_alive--;
	account_object_free(a, &thread_cache, th);
}

uint64_t thread_count(void)
{
	return threads_alive;
}
