/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory quotas (issue #11): every kernel object and queued message
 * is charged to a task's account; a task started with a quota gets an
 * account of its own carved from its creator's, gives it back when it and
 * all it holds are gone, and at its quota gets ERR_LIMIT from everything
 * that would allocate, without making anybody else's allocations fail.
 */
#include <string.h>

#include "ipc_util.h"

/* Enough for hostile itself (image, stack, thread, tables) and then some. */
#define HOSTILE_QUOTA (1ull << 20)

static struct uk_kinfo_account account(void)
{
	struct uk_kinfo_account a;

	memset(&a, 0, sizeof(a));
	EXPECT_EQ(uk_kinfo(UK_KINFO_ACCOUNT, &a, sizeof(a)), sizeof(a));
	return a;
}

static struct uk_kinfo_task task_of(uint64_t id)
{
	struct uk_kinfo_task t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &t, sizeof(t)), sizeof(t));
	return t;
}

/* Start hostile MODE with an account of quota bytes (SPAWN_QUOTA_SHARED:
 * ours); give, if not 0, is copied to it as rights[1]. */
static long spawn_quota(const char *mode, uint64_t quota, uk_name_t give)
{
	const char *argv[] = {"hostile", mode, NULL};
	struct uk_task_right r[2] = {{ns_port(), UK_DISP_COPY_SEND},
				     {give, UK_DISP_COPY_SEND}};

	return spawn_image_quota(hostile_image, HOSTILE_SIZE, "hostile", argv,
				 UK_PRIORITY_DEFAULT, SPAWN_MCP_INHERIT, quota,
				 r, give ? 2 : 1);
}

/* A collected task is freed once its threads are, after they switched
 * away for good: let that happen before counting. */
static void settle(void)
{
	uk_sleep(10 * MS);
}

/* Kill a child (if it still runs), collect it, and let it be freed. */
static void end_child(long id)
{
	struct uk_exit_status st;

	if (id <= 0)
		return;
	uk_task_kill((uint64_t)id);
	EXPECT_EQ(wait_task((uint64_t)id, &st, 10 * SECOND), 0);
	settle();
}

static long exit_code_of(long id)
{
	struct uk_exit_status st;

	if (id <= 0)
		return id;
	long rc = wait_task((uint64_t)id, &st, 10 * SECOND);
	if (rc < 0) {
		end_child(id);
		return rc;
	}
	settle();
	return st.reason == UK_EXIT_NORMAL ? st.code : -1000 - (long)st.reason;
}

/* Wait (up to 10 s) until child id has used up its account: less than a
 * message's worth left. */
static bool wait_until_full(long id)
{
	for (int i = 0; i < 1000; i++) {
		struct uk_kinfo_task t = task_of((uint64_t)id);
		if (t.state != UK_TASK_ALIVE)
			return false;
		if (t.account_used > t.account_limit - 2048)
			return true;
		uk_sleep(10 * MS);
	}
	return false;
}

DEFINE_TEST(QUOTA0001, kinfo_shows_the_callers_account)
{
	struct uk_kinfo_account a = account();

	EXPECT(a.used > 0 && a.used <= a.limit);
	EXPECT(a.peak >= a.used);
	EXPECT(a.tasks >= 1);
	struct uk_kinfo_task self = task_of((uint64_t)uk_task_self());
	EXPECT_EQ(self.account_limit, a.limit);
	EXPECT_EQ(self.account_used, a.used);
	EXPECT_ERR(uk_kinfo(UK_KINFO_ACCOUNT, &a, sizeof(a) - 1), ERR_INVALID);
}

DEFINE_TEST(QUOTA0002, child_quota_is_carved_from_the_parent_and_returned)
{
	/* Warm up our own tables so they do not count. */
	EXPECT_EQ(exit_code_of(spawn_quota("exit", HOSTILE_QUOTA, 0)), 0);
	struct uk_kinfo_account before = account();

	long own = spawn_quota("sleep", HOSTILE_QUOTA, 0);
	long shared = spawn_quota("sleep", SPAWN_QUOTA_SHARED, 0);
	EXPECT(own > 0 && shared > 0);
	struct uk_kinfo_task t = task_of((uint64_t)own);
	EXPECT_EQ(t.account_limit, HOSTILE_QUOTA);
	EXPECT(t.account_used > 0 && t.account_used < HOSTILE_QUOTA);
	EXPECT_EQ(task_of((uint64_t)shared).account_limit, before.limit);
	struct uk_kinfo_account during = account();
	/* The whole quota, whatever the child uses of it. */
	EXPECT(during.used >= before.used + HOSTILE_QUOTA);
	EXPECT_EQ(during.children, before.children + 1);
	EXPECT_EQ(during.tasks, before.tasks + 1);
	end_child(own);
	end_child(shared);
	struct uk_kinfo_account after = account();
	EXPECT_EQ(after.used, before.used);
	EXPECT_EQ(after.children, before.children);
	EXPECT_EQ(after.tasks, before.tasks);
}

DEFINE_TEST(QUOTA0003, quota_zero_is_invalid)
{
	static union {
		struct uk_task_args a;
		char bytes[sizeof(struct uk_task_args) + 16];
	} req;
	struct uk_kinfo_account before = account();

	memset(&req, 0, sizeof(req));
	strlcpy(req.a.name, "hostile", sizeof(req.a.name));
	req.a.priority = UK_PRIORITY_DEFAULT;
	req.a.flags = UK_TASK_ARGS_QUOTA;
	req.a.quota = 0;
	EXPECT_ERR(
	    uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, sizeof(req.a)),
	    ERR_INVALID);
	req.a.flags = 0x4; /* no such flag */
	req.a.quota = HOSTILE_QUOTA;
	EXPECT_ERR(
	    uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, sizeof(req.a)),
	    ERR_INVALID);
	EXPECT_EQ(account().used, before.used);
}

DEFINE_TEST(QUOTA0004, quota_above_what_the_creator_has_free_returns_limit)
{
	struct uk_kinfo_account before = account();

	EXPECT_ERR(spawn_quota("exit", before.limit - before.used + 1, 0),
		   ERR_LIMIT);
	EXPECT_ERR(spawn_quota("exit", UINT64_MAX, 0), ERR_LIMIT);
	struct uk_kinfo_account after = account();
	EXPECT_EQ(after.used, before.used);
	EXPECT_EQ(after.children, before.children);
}

DEFINE_TEST(QUOTA0005, quota_too_small_for_the_task_itself_returns_limit)
{
	struct uk_kinfo_account before = account();

	/* The task object and its page tables do not fit in a page. */
	EXPECT_ERR(spawn_quota("exit", UK_PAGE_SIZE, 0), ERR_LIMIT);
	struct uk_kinfo_account after = account();
	EXPECT_EQ(after.used, before.used);
	EXPECT_EQ(after.children, before.children);
}

DEFINE_TEST(QUOTA0006, task_at_its_quota_gets_limit_from_every_allocation)
{
	/* Ports, port sets, memory, threads, tasks (sharing its account or
	 * carved from it), queued messages, notification requests; see
	 * hostile's quota-limits for the number of each check. */
	EXPECT_EQ(exit_code_of(spawn_quota("quota-limits", HOSTILE_QUOTA, 0)),
		  0);
}

static void exiting_thread(uint64_t arg)
{
	(void)arg;
	uk_thread_exit();
}

/* One of everything a task may ask the kernel for, then freed again: 0,
 * or the number of the first that failed. */
static int allocate_one_of_everything(void)
{
	static uint64_t stack[256] __attribute__((aligned(16)));
	uk_name_t p = port_new_send(1);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	long vm = uk_vm_allocate(1 << 20, UK_VM_READ | UK_VM_WRITE);
	long th =
	    uk_thread_create((uint64_t)exiting_thread, (uint64_t)&stack[254], 0,
			     UK_PRIORITY_DEFAULT);
	long sent = p ? msg_send_id(p, 1, 0) : -1;
	long child = spawn_quota("exit", SPAWN_QUOTA_SHARED, 0);
	int rc = !p			    ? 1
		 : set < 0		    ? 2
		 : vm < 0		    ? 3
		 : th < 0		    ? 4
		 : sent < 0		    ? 5
		 : exit_code_of(child) != 0 ? 6
					    : 0;

	if (p)
		uk_port_destroy(p);
	if (set > 0)
		uk_port_destroy((uk_name_t)set);
	if (vm > 0)
		uk_vm_free((uint64_t)vm, 1 << 20);
	if (p)
		uk_port_deallocate(p); /* the dead name left by destroy */
	settle(); /* the thread is freed after it switched away */
	return rc;
}

DEFINE_TEST(QUOTA0007, task_at_its_quota_cannot_make_others_allocations_fail)
{
	struct uk_kinfo_memory before, after;

	EXPECT_EQ(allocate_one_of_everything(), 0); /* warm-up */
	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &before, sizeof(before)),
		  sizeof(before));
	struct uk_kinfo_account acct = account();

	long id = spawn_quota("quota-fill", HOSTILE_QUOTA, 0);
	EXPECT(id > 0);
	EXPECT(wait_until_full(id));
	/* It sits at its quota; we, and everybody else, are not at ours. */
	EXPECT_EQ(allocate_one_of_everything(), 0);
	end_child(id);
	/* And all of it came back. */
	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &after, sizeof(after)),
		  sizeof(after));
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	EXPECT_EQ(account().used, acct.used);
	EXPECT_EQ(account().children, acct.children);
}

DEFINE_TEST(QUOTA0008, everything_comes_back_when_a_hostile_task_dies)
{
	struct uk_kinfo_memory before, after;
	union ipc_buf b;
	uk_name_t q = port_new_send(1);

	EXPECT_EQ(uk_port_set_limit(q, 64), 0);
	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &before, sizeof(before)),
		  sizeof(before));
	struct uk_kinfo_account acct = account();

	/* It queues 8 messages of 1 KiB on our port, then fills its quota
	 * with everything else it can. */
	long id = spawn_quota("quota-fill", HOSTILE_QUOTA, q);
	EXPECT(id > 0);
	EXPECT(wait_until_full(id));
	EXPECT_EQ(queued_on(q), 8);
	/* What waits in our queue is charged to the sender, not to us: we
	 * pay its quota (and its account object), nothing more. */
	struct uk_kinfo_account during = account();
	EXPECT(during.used >= acct.used + HOSTILE_QUOTA);
	EXPECT(during.used < acct.used + HOSTILE_QUOTA + 1024);
	end_child(id);
	/* Its messages outlive it, and keep its account until received. */
	EXPECT_EQ(account().children, acct.children + 1);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(msg_receive(q, &b, 0), sizeof(b.h) + 1024);
	EXPECT_EQ(account().used, acct.used);
	EXPECT_EQ(account().children, acct.children);
	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &after, sizeof(after)),
		  sizeof(after));
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	uk_port_destroy(q);
	uk_port_deallocate(q);
}
