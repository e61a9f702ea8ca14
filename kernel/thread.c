/* SPDX-License-Identifier: MIT */
/* Thread creation and release (see thread.h). */
#include "thread.h"

#include <string.h>
#include <uk/errors.h>

#include "ipc.h"
#include "kernel.h"
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

	if (t->threads_alive >= TASK_THREADS_MAX) {
		*error = -ERR_LIMIT;
		return NULL;
	}
	th = slab_alloc(&thread_cache);
	if (!th) {
		*error = -ERR_NO_MEMORY;
		return NULL;
	}
	if (!kframe_alloc_contiguous(KERNEL_STACK_FRAMES, &stack_pa)) {
		slab_free(&thread_cache, th);
		*error = -ERR_NO_MEMORY;
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
	ipc_thread_exit(th);
	for (unsigned i = 0; i < KERNEL_STACK_FRAMES; i++)
		kframe_free(th->kernel_stack + i * PAGE_SIZE);
	threads_alive--;
	slab_free(&thread_cache, th);
}

uint64_t thread_count(void)
{
	return threads_alive;
}
