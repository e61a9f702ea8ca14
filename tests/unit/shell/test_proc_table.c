/* SPDX-License-Identifier: MIT */
/*
 * The process server's records (servers/proc/proc_table.c): an ended
 * task's status stays for later waiters, a full table makes room by
 * dropping the record that ended first and never a running one, a badge
 * names one record and dies with it (freed or evicted) for good, waiters
 * are taken per task or by deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <uk/errors.h>

#include "proc_table.h"

static struct proc_table *new_table(void)
{
	struct proc_table *t = malloc(sizeof(*t));

	assert_non_null(t);
	proc_table_init(t);
	return t;
}

static struct uk_exit_status ended(uint64_t task, int64_t code)
{
	struct uk_exit_status st;

	memset(&st, 0, sizeof(st));
	st.task = task;
	st.code = code;
	st.reason = UK_EXIT_NORMAL;
	return st;
}

static void ended_task_keeps_its_status(void **state)
{
	struct proc_table *t = new_table();
	struct uk_exit_status st = ended(0x100000005ull, 7);

	assert_non_null(proc_task_add(t, 0x100000005ull, "/bin/hello"));
	assert_null(proc_task_add(t, 0, "/bin/zero")); /* 0 is no task id */
	assert_int_equal(proc_tasks_running(t), 1);
	struct proc_task *p = proc_task_end(t, &st);
	assert_non_null(p);
	assert_true(p->ended);
	assert_int_equal(p->status.code, 7);
	assert_string_equal(p->path, "/bin/hello");
	assert_null(proc_task_end(t, &st)); /* only once */
	assert_ptr_equal(proc_task_find(t, 0x100000005ull), p);
	assert_null(proc_task_find(t, 0x200000005ull)); /* same slot, other generation */
	assert_null(proc_task_find(t, 0));
	struct uk_exit_status other = ended(42, 1);
	assert_null(proc_task_end(t, &other)); /* not ours */
	assert_int_equal(proc_tasks_running(t), 0);
	free(t);
}

static void long_paths_are_cut_for_the_record(void **state)
{
	struct proc_table *t = new_table();
	char path[200];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	struct proc_task *p = proc_task_add(t, 1, path);
	assert_non_null(p);
	assert_int_equal(strlen(p->path), PROC_PATH_SHOWN - 1);
	free(t);
}

static void full_table_evicts_the_oldest_ended(void **state)
{
	struct proc_table *t = new_table();

	for (uint64_t i = 1; i <= PROC_TASKS_MAX; i++)
		assert_non_null(proc_task_add(t, i, "/bin/x"));
	/* All running: no room, nothing is dropped. */
	assert_false(proc_task_room(t));
	assert_null(proc_task_add(t, 1000, "/bin/y"));
	/* Tasks 9 then 3 end: 9 ended first, so 9's record goes first. */
	struct uk_exit_status a = ended(9, 0), b = ended(3, 0);
	proc_task_end(t, &a);
	proc_task_end(t, &b);
	assert_true(proc_task_room(t));
	assert_non_null(proc_task_add(t, 1000, "/bin/y"));
	assert_null(proc_task_find(t, 9));
	assert_non_null(proc_task_find(t, 3));
	assert_non_null(proc_task_add(t, 1001, "/bin/z"));
	assert_null(proc_task_find(t, 3));
	assert_false(proc_task_room(t));
	free(t);
}

static void a_badge_names_its_record_and_nothing_after_it(void **state)
{
	struct proc_table *t = new_table();
	struct proc_task *a = proc_task_add(t, 0x100000001ull, "/bin/a");

	assert_non_null(a);
	uint64_t badge = proc_task_badge(t, a);
	assert_int_not_equal(badge, 0);
	assert_ptr_equal(proc_task_by_badge(t, badge), a);
	assert_null(proc_task_by_badge(t, 0));
	assert_null(proc_task_by_badge(t, badge + 1)); /* a free slot */
	assert_null(proc_task_by_badge(t, badge ^ (1ull << 32)));
	assert_null(
	    proc_task_by_badge(t, (uint64_t)1 << 32 | (PROC_TASKS_MAX + 1)));
	assert_null(proc_task_by_badge(t, UINT64_MAX));
	/* Collected: the badge names nothing, also when the slot has a new
	 * task, whose badge differs. */
	proc_task_free(a);
	assert_null(proc_task_by_badge(t, badge));
	assert_null(proc_task_find(t, 0x100000001ull));
	struct proc_task *b = proc_task_add(t, 0x200000001ull, "/bin/b");
	assert_ptr_equal(b, a); /* the same slot */
	assert_int_not_equal(proc_task_badge(t, b), badge);
	assert_int_equal((uint32_t)proc_task_badge(t, b), (uint32_t)badge);
	assert_null(proc_task_by_badge(t, badge));
	assert_ptr_equal(proc_task_by_badge(t, proc_task_badge(t, b)), b);
	free(t);
}

static void an_evicted_records_badge_is_dead(void **state)
{
	struct proc_table *t = new_table();
	uint64_t badges[PROC_TASKS_MAX];

	for (uint64_t i = 1; i <= PROC_TASKS_MAX; i++)
		badges[i - 1] = proc_task_badge(t, proc_task_add(t, i, "/bin/x"));
	struct uk_exit_status st = ended(5, 0);
	proc_task_end(t, &st);
	struct proc_task *p = proc_task_add(t, 1000, "/bin/y"); /* evicts 5 */
	assert_non_null(p);
	assert_null(proc_task_by_badge(t, badges[4]));
	assert_ptr_equal(proc_task_by_badge(t, proc_task_badge(t, p)), p);
	for (unsigned i = 0; i < PROC_TASKS_MAX; i++)
		if (i != 4)
			assert_non_null(proc_task_by_badge(t, badges[i]));
	free(t);
}

/* Reply rights as the kernel names them (index << 32 | generation), so a
 * name kept in 32 bits would lose its index. */
#define REPLY_NAME(index) ((uk_name_t)(index) << 32 | 1u)

static void waiters_are_taken_by_task_or_deadline(void **state)
{
	struct proc_table *t = new_table();
	const uk_name_t n1 = REPLY_NAME(101), n2 = REPLY_NAME(102),
			n3 = REPLY_NAME(103);

	assert_int_equal(proc_waiter_add(t, 5, n1, 1000), 0);
	assert_int_equal(proc_waiter_add(t, 6, n2, 500), 0);
	assert_int_equal(proc_waiter_add(t, 5, n3, UINT64_MAX), 0);
	assert_int_equal(proc_next_deadline(t), 500);
	/* By task: both waiters of 5, then none. */
	uk_name_t r1 = proc_waiter_take(t, 5, 0), r2 = proc_waiter_take(t, 5, 0);
	assert_true((r1 == n1 && r2 == n3) || (r1 == n3 && r2 == n1));
	assert_int_equal(proc_waiter_take(t, 5, 0), 0);
	/* By deadline: not before it passes. */
	assert_int_equal(proc_waiter_take(t, 0, 499), 0);
	assert_int_equal(proc_waiter_take(t, 0, 500), n2);
	assert_int_equal(proc_next_deadline(t), UINT64_MAX);
	free(t);
}

static void waiter_pool_is_bounded(void **state)
{
	struct proc_table *t = new_table();

	for (unsigned i = 0; i < PROC_WAITERS_MAX; i++)
		assert_int_equal(
		    proc_waiter_add(t, 1, REPLY_NAME(i + 1), UINT64_MAX), 0);
	assert_int_equal(proc_waiter_add(t, 1, REPLY_NAME(999), UINT64_MAX),
			 -ERR_LIMIT);
	assert_int_not_equal(proc_waiter_take(t, 1, 0), 0);
	assert_int_equal(proc_waiter_add(t, 1, REPLY_NAME(999), UINT64_MAX), 0);
	free(t);
}

static void deadlines_saturate(void **state)
{
	assert_int_equal(proc_deadline(10, 0), 10);
	assert_int_equal(proc_deadline(10, 20), 30);
	assert_true(proc_deadline(10, UK_TIMEOUT_INFINITE) == UINT64_MAX);
	assert_true(proc_deadline(UINT64_MAX - 1, 2) == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ended_task_keeps_its_status),
		cmocka_unit_test(long_paths_are_cut_for_the_record),
		cmocka_unit_test(full_table_evicts_the_oldest_ended),
		cmocka_unit_test(a_badge_names_its_record_and_nothing_after_it),
		cmocka_unit_test(an_evicted_records_badge_is_dead),
		cmocka_unit_test(waiters_are_taken_by_task_or_deadline),
		cmocka_unit_test(waiter_pool_is_bounded),
		cmocka_unit_test(deadlines_saturate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
