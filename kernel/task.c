/* SPDX-License-Identifier: MIT */
/*
 * Task life cycle. A task lives until its last thread ends; it is then a
 * zombie until its parent collects the status with task_wait (or at once if
 * it has no parent). Its address space is freed when the last thread object
 * has been reaped, which happens on another thread's stack and page tables.
 * Orphans are adopted by init (the first task), which collects their ends
 * and, as everyone's ancestor, may kill them; once init has ended nobody
 * adopts and an orphan's status is dropped when it ends.
 *
 * Authority over a task follows the task tree: only an ancestor (or the
 * task itself) may kill it, only its parent may wait for it, and kinfo
 * shows it only to its ancestors and to holders of the top MCP.
 */
#include "task.h"

#include <string.h>
#include <uk/errors.h>

#include "arch.h"
#include "hwcap.h"
#include "kernel.h"
#include "quota.h"
#include "slab.h"
#include "timer.h"
#include "vm.h"

struct task_slot {
	struct task *task;
	uint32_t generation;
};

static struct task_slot slots[TASK_MAX];
static struct slab_cache task_cache;
static uint64_t tasks_alive;
static struct task *init_task; /* the first task, while it lives */

_Static_assert((int)TASK_ALIVE == UK_TASK_ALIVE && (int)TASK_ZOMBIE == UK_TASK_ZOMBIE,
	       "kinfo task states");

void task_init(void)
{
	slab_cache_init(&task_cache, "task", sizeof(struct task));
}

/* The account a new task charges to (a reference for it). */
static int task_account(struct task *parent, uint64_t quota, struct account **out)
{
	if (!parent) {
		*out = account_root();
		account_get(*out);
		return 0;
	}
	if (quota)
		return account_new(parent->account, quota, out);
	*out = parent->account;
	account_get(*out);
	return 0;
}

struct task *task_create(const char *name, struct task *parent, uint64_t quota,
			 int *error)
{
	unsigned slot;
	struct task *t;
	struct account *a;
	void *obj;

	for (slot = 1; slot < TASK_MAX && slots[slot].task; slot++)
		;
	if (slot == TASK_MAX) {
		*error = -ERR_LIMIT;
		return NULL;
	}
	if ((*error = task_account(parent, quota, &a)) < 0)
		return NULL;
	if ((*error = account_object_alloc(a, &task_cache, &obj)) < 0) {
		account_put(a);
		return NULL;
	}
	t = obj;
	memset(t, 0, sizeof(*t));
	t->account = a;
	if ((*error = arch_aspace_create(a, &t->aspace_root)) < 0) {
		account_object_free(a, &task_cache, t);
		account_put(a);
		return NULL;
	}
	slots[slot].generation++;
	slots[slot].task = t;
	t->id = ((uint64_t)slots[slot].generation << 32) | slot;
	strlcpy(t->name, name, sizeof(t->name));
	t->state = TASK_ALIVE;
	list_init(&t->threads);
	list_init(&t->children);
	list_init(&t->sibling);
	list_init(&t->regions);
	waitq_init(&t->child_waiters);
	ipc_task_init(t);
	t->parent = parent;
	if (parent)
		list_push_back(&parent->children, &t->sibling);
	else if (!init_task)
		init_task = t;
	tasks_alive++;
	return t;
}

void task_for_each(void (*fn)(struct task *t, void *arg), void *arg)
{
	for (unsigned slot = 1; slot < TASK_MAX; slot++)
		if (slots[slot].task)
			fn(slots[slot].task, arg);
}

struct task *task_lookup(uint64_t id)
{
	uint32_t slot = UK_ID_INDEX(id);

	if (slot == 0 || slot >= TASK_MAX || !slots[slot].task ||
	    slots[slot].generation != UK_ID_GENERATION(id))
		return NULL;
	return slots[slot].task;
}

/* Free the user address space of a task none of whose threads is left
 * (so none runs on these page tables). */
static void release_address_space(struct task *t)
{
	/* Here and not in task_terminate: a dying thread still runs with
	 * this bitmap in the TSS until it switches away. */
	hwcap_task_release(t);
	if (!t->aspace_root)
		return;
	vm_release_all(t);
	arch_aspace_destroy(t->account, t->aspace_root);
	t->aspace_root = 0;
}

/* Free the task object once nobody needs it: no thread objects left and the
 * status collected. */
static void maybe_free(struct task *t)
{
	if (t->state != TASK_ZOMBIE || t->thread_objects || !t->status_collected)
		return;
	release_address_space(t);
	list_remove(&t->sibling);
	if (t == init_task)
		init_task = NULL;
	slots[UK_ID_INDEX(t->id)].task = NULL;
	tasks_alive--;
	struct account *a = t->account;
	account_object_free(a, &task_cache, t);
	account_put(a);
}

void task_destroy_unstarted(struct task *t)
{
	ipc_task_release(t);
	t->state = TASK_ZOMBIE;
	t->status_collected = true;
	maybe_free(t);
}

void task_thread_reaped(struct task *t)
{
	kassert(t->thread_objects > 0);
	t->thread_objects--;
	/* We run on another task's page tables now: the memory can go even
	 * while the status waits for the parent. */
	if (t->thread_objects == 0 && t->state == TASK_ZOMBIE)
		release_address_space(t);
	maybe_free(t);
}

void task_terminate(struct task *t, const struct uk_exit_status *status)
{
	struct list_node *n, *tmp;
	bool self = current->task == t;

	if (t->state != TASK_ALIVE)
		return;
	t->state = TASK_ZOMBIE;
	t->status = *status;
	t->status.task = t->id;
	klog(status->reason == UK_EXIT_NORMAL ? LOG_DEBUG : LOG_INFO,
	     "task %s (%lx) ended: %s, code %ld", t->name, t->id,
	     status->reason == UK_EXIT_NORMAL  ? "exit"
	     : status->reason == UK_EXIT_FAULT ? "fault"
					       : "killed",
	     status->code);

	list_for_each_safe(n, tmp, &t->threads)
	{
		struct thread *th = list_entry(n, struct thread, task_link);
		list_remove(&th->task_link);
		if (th == current)
			continue;
		if (th->state != THREAD_DEAD) {
			sched_remove(th);
			sched_reap_later(th);
		}
	}
	t->threads_alive = 0;
	/* What it wrote through its windows goes to the pagers first: a
	 * killed task loses no written page of a mapped file. */
	if (t->aspace_root)
		vm_return_windows(t);
	/* Rights go now, so dead-name notifications and callers waiting on
	 * this task's ports learn at once. */
	ipc_task_release(t);

	/* Children go to init, which collects their ends; without init they
	 * are orphans whose status nobody takes, and zombies go now. */
	if (t == init_task)
		init_task = NULL;
	bool adopted_zombie = false;
	list_for_each_safe(n, tmp, &t->children)
	{
		struct task *c = list_entry(n, struct task, sibling);
		list_remove(&c->sibling);
		if (init_task && !c->status_collected) {
			c->parent = init_task;
			list_push_back(&init_task->children, &c->sibling);
			adopted_zombie |= c->state == TASK_ZOMBIE;
			continue;
		}
		c->parent = NULL;
		c->status_collected = true;
		maybe_free(c);
	}
	waitq_wake_all(&t->child_waiters, -ERR_DEAD);
	if (adopted_zombie)
		waitq_wake_all(&init_task->child_waiters, 0);

	if (t->parent)
		waitq_wake_all(&t->parent->child_waiters, 0);
	else
		t->status_collected = true;

	if (UK_ID_INDEX(t->id) == 1)
		init_exited(&t->status);
	if (self)
		sched_exit_current();
	maybe_free(t);
}

void task_thread_exit(void)
{
	struct task *t = current->task;

	if (t->threads_alive == 1) {
		struct uk_exit_status st = { .reason = UK_EXIT_NORMAL, .code = 0 };
		task_terminate(t, &st);
	}
	t->threads_alive--;
	list_remove(&current->task_link);
	sched_exit_current();
}

void task_fault(const struct fault_info *info)
{
	struct task *t = current->task;
	struct uk_exit_status st = {
		.reason = UK_EXIT_FAULT,
		.code = info->code ? info->code : -1,
		.vector = info->vector,
		.fault_ip = info->ip,
		.fault_addr = info->addr,
	};

	klog(LOG_WARN, "task %s (%lx) killed: %s (vector %u) at ip %lx addr %lx error %lx%s%s",
	     t->name, t->id, info->name, info->vector, info->ip, info->addr,
	     info->error, info->code ? ": pager: " : "",
	     info->code ? err_name(info->code) : "");
	task_terminate(t, &st);
	panic("faulting task %lx survived termination", t->id);
}

static struct task *find_zombie_child(struct task *t, uint64_t child,
				      bool *any_match)
{
	struct list_node *n;

	*any_match = false;
	list_for_each(n, &t->children)
	{
		struct task *c = list_entry(n, struct task, sibling);
		/* A collected zombie only waits for its threads to be reaped:
		 * for the parent it is gone. */
		if ((child && c->id != child) || c->status_collected)
			continue;
		*any_match = true;
		if (c->state == TASK_ZOMBIE && !c->status_collected)
			return c;
	}
	return NULL;
}

int64_t task_wait(uint64_t child, struct uk_exit_status *status,
		  uint64_t timeout_ns)
{
	struct task *t = current->task;
	uint64_t deadline_ns = 0;
	bool bounded = timeout_ns != UK_TIMEOUT_INFINITE;

	if (bounded && timeout_ns)
		deadline_ns = timer_now_ns() + timeout_ns;
	for (;;) {
		bool any;
		struct task *c = find_zombie_child(t, child, &any);
		if (c) {
			*status = c->status;
			return 0;
		}
		if (!any)
			return -ERR_NO_CHILD;
		uint64_t left = UK_TIMEOUT_INFINITE;
		if (bounded) {
			uint64_t now = timer_now_ns();
			left = timeout_ns == 0 || now >= deadline_ns ? 0
								      : deadline_ns - now;
		}
		int64_t rc = sched_block(&t->child_waiters, left);
		if (rc == -ERR_TIMED_OUT)
			return rc;
	}
}

/* The caller copied the status out successfully: the zombie can go. */
void task_collect(uint64_t child_id)
{
	struct task *c = task_lookup(child_id);

	if (c && c->state == TASK_ZOMBIE) {
		c->status_collected = true;
		maybe_free(c);
	}
}

uint64_t task_count(void)
{
	return tasks_alive;
}

bool task_is_ancestor(const struct task *a, const struct task *t)
{
	for (; t; t = t->parent)
		if (t == a)
			return true;
	return false;
}

bool task_visible(const struct task *viewer, const struct task *t)
{
	return viewer->mcp == UK_PRIORITY_MAX || task_is_ancestor(viewer, t);
}

static void fill_info(const struct task *t, struct uk_kinfo_task *e)
{
	memset(e, 0, sizeof(*e));
	e->id = t->id;
	e->parent = t->parent ? t->parent->id : 0;
	e->threads = t->threads_alive;
	e->state = t->state;
	e->frames = t->frames;
	e->mcp = t->mcp;
	e->account_limit = t->account->limit;
	e->account_used = t->account->used;
	e->cpu_tsc = t->cpu_tsc;
	strlcpy(e->name, t->name, sizeof(e->name));
}

unsigned task_list(const struct task *viewer, struct uk_kinfo_task *info,
		   unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 1; i < TASK_MAX; i++) {
		struct task *t = slots[i].task;
		if (!t || !task_visible(viewer, t))
			continue;
		if (n < max)
			fill_info(t, &info[n]);
		n++;
	}
	return n;
}

bool task_info(const struct task *viewer, uint64_t id,
	       struct uk_kinfo_task *info)
{
	uint32_t slot = UK_ID_INDEX(id);
	struct task *t = UK_ID_GENERATION(id) ? task_lookup(id)
			 : slot && slot < TASK_MAX ? slots[slot].task
						   : NULL;

	if (!t || !task_visible(viewer, t))
		return false;
	fill_info(t, info);
	return true;
}
