/* SPDX-License-Identifier: MIT */
/*
 * Priority run queue: highest level first, FIFO within a level (so
 * re-enqueueing at the tail is round robin), push_front for a preempted
 * thread, removal from the middle, and the non-empty bitmap kept in step.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "runqueue.h"

struct thread {
	int id;
	unsigned priority;
	struct list_node link;
};

#define NTHREADS 64

static struct runqueue rq;
static struct thread threads[NTHREADS];

static int setup(void **state)
{
	runqueue_init(&rq);
	for (int i = 0; i < NTHREADS; i++) {
		threads[i].id = i;
		threads[i].priority = 0;
		list_init(&threads[i].link);
	}
	return 0;
}

static void push(int id, unsigned priority)
{
	threads[id].priority = priority;
	runqueue_push_back(&rq, &threads[id].link, priority);
}

/* Pop the next thread and check both its id and its reported level. */
static void assert_pops(int id)
{
	unsigned priority = 999;
	struct list_node *n = runqueue_pop_highest(&rq, &priority);

	assert_non_null(n);
	struct thread *t = list_entry(n, struct thread, link);
	assert_int_equal(t->id, id);
	assert_int_equal(priority, t->priority);
}

static void assert_empty(void)
{
	unsigned priority = 999;

	assert_int_equal(runqueue_highest(&rq), -1);
	assert_null(runqueue_pop_highest(&rq, &priority));
	assert_int_equal(priority, 999);
	assert_int_equal(rq.count, 0);
	assert_int_equal(rq.nonempty, 0);
}

static void runqueue_starts_empty(void **state)
{
	assert_empty();
}

static void runqueue_pop_returns_highest_priority_first(void **state)
{
	push(1, 3);
	push(2, 20);
	push(3, 7);
	assert_int_equal(runqueue_highest(&rq), 20);
	assert_pops(2);
	assert_pops(3);
	assert_pops(1);
	assert_empty();
}

static void runqueue_pop_is_fifo_within_a_level(void **state)
{
	push(1, 5);
	push(2, 5);
	push(3, 5);
	assert_pops(1);
	assert_pops(2);
	assert_pops(3);
	assert_empty();
}

static void runqueue_requeue_at_tail_is_round_robin(void **state)
{
	static const int order[] = {1, 2, 3, 1, 2, 3, 1, 2, 3};

	push(1, 16);
	push(2, 16);
	push(3, 16);
	push(4, 2); /* lower level never runs while level 16 has work */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		unsigned priority;
		struct list_node *n = runqueue_pop_highest(&rq, &priority);
		assert_int_equal(list_entry(n, struct thread, link)->id,
				 order[i]);
		runqueue_push_back(&rq, n, priority);
	}
	assert_int_equal(rq.count, 4);
}

static void
runqueue_push_front_runs_before_waiting_threads_of_its_level(void **state)
{
	push(1, 9);
	push(2, 9);
	threads[3].priority = 9;
	runqueue_push_front(&rq, &threads[3].link, 9);
	assert_int_equal(rq.count, 3);
	assert_pops(3);
	assert_pops(1);
	assert_pops(2);
	assert_empty();
}

static void runqueue_push_front_does_not_jump_higher_levels(void **state)
{
	push(1, 10);
	threads[2].priority = 4;
	runqueue_push_front(&rq, &threads[2].link, 4);
	assert_pops(1);
	assert_pops(2);
}

static void runqueue_remove_from_middle_keeps_order_of_the_rest(void **state)
{
	push(1, 8);
	push(2, 8);
	push(3, 8);
	runqueue_remove(&rq, &threads[2].link, 8);
	assert_int_equal(rq.count, 2);
	assert_int_equal(rq.nonempty, 1u << 8);
	assert_pops(1);
	assert_pops(3);
	assert_empty();
}

static void runqueue_remove_of_last_node_clears_its_level_bit(void **state)
{
	push(1, 12);
	push(2, 30);
	runqueue_remove(&rq, &threads[2].link, 30);
	assert_int_equal(rq.nonempty, 1u << 12);
	assert_int_equal(runqueue_highest(&rq), 12);
	runqueue_remove(&rq, &threads[1].link, 12);
	assert_empty();
}

static void runqueue_pop_of_last_node_clears_its_level_bit(void **state)
{
	push(1, 6);
	push(2, 6);
	assert_pops(1);
	assert_int_equal(rq.nonempty, 1u << 6);
	assert_pops(2);
	assert_empty();
}

static void runqueue_pop_accepts_null_priority_pointer(void **state)
{
	push(1, 0);
	assert_ptr_equal(runqueue_pop_highest(&rq, NULL), &threads[1].link);
	assert_empty();
}

static void runqueue_orders_all_32_levels(void **state)
{
	/* Push levels in a scrambled order: 7 is coprime with 32. */
	for (unsigned i = 0; i < RUNQUEUE_LEVELS; i++) {
		unsigned p = (i * 7 + 3) % RUNQUEUE_LEVELS;
		push((int)p, p);
	}
	assert_int_equal(rq.nonempty, UINT32_MAX);
	assert_int_equal(rq.count, RUNQUEUE_LEVELS);
	for (int p = RUNQUEUE_LEVELS - 1; p >= 0; p--) {
		assert_int_equal(runqueue_highest(&rq), p);
		assert_pops(p);
	}
	assert_empty();
}

static void runqueue_lowest_and_highest_levels_work_alone(void **state)
{
	push(1, 0);
	assert_int_equal(runqueue_highest(&rq), 0);
	assert_pops(1);
	push(2, RUNQUEUE_LEVELS - 1);
	assert_int_equal(runqueue_highest(&rq), RUNQUEUE_LEVELS - 1);
	assert_pops(2);
	assert_empty();
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* After every operation the bitmap says exactly which levels hold nodes and
 * count matches the nodes queued. */
static void assert_consistent(void)
{
	uint32_t want = 0, count = 0;
	struct list_node *pos;

	for (unsigned p = 0; p < RUNQUEUE_LEVELS; p++) {
		list_for_each(pos, &rq.levels[p])
		{
			assert_int_equal(
			    list_entry(pos, struct thread, link)->priority, p);
			count++;
			want |= 1u << p;
		}
	}
	assert_int_equal(rq.nonempty, want);
	assert_int_equal(rq.count, count);
	assert_int_equal(runqueue_highest(&rq),
			 want ? 31 - __builtin_clz(want) : -1);
}

static void
runqueue_bitmap_and_count_stay_consistent_under_random_use(void **state)
{
	int queued[NTHREADS] = {0};

	for (int step = 0; step < 20000; step++) {
		uint64_t r = rng();
		int id = (int)((r >> 8) % NTHREADS);
		unsigned p = (unsigned)((r >> 16) % RUNQUEUE_LEVELS);
		switch (r % 4) {
		case 0:
		case 1:
			if (queued[id])
				break;
			threads[id].priority = p;
			if (r % 4 == 0)
				runqueue_push_back(&rq, &threads[id].link, p);
			else
				runqueue_push_front(&rq, &threads[id].link, p);
			queued[id] = 1;
			break;
		case 2:
			if (!queued[id])
				break;
			runqueue_remove(&rq, &threads[id].link,
					threads[id].priority);
			queued[id] = 0;
			break;
		default: {
			int top = runqueue_highest(&rq);
			unsigned got;
			struct list_node *n = runqueue_pop_highest(&rq, &got);
			if (top < 0) {
				assert_null(n);
				break;
			}
			struct thread *t = list_entry(n, struct thread, link);
			assert_int_equal(got, (unsigned)top);
			assert_int_equal(t->priority, got);
			assert_true(queued[t->id]);
			queued[t->id] = 0;
			break;
		}
		}
		assert_consistent();
	}
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(runqueue_starts_empty),
	    T(runqueue_pop_returns_highest_priority_first),
	    T(runqueue_pop_is_fifo_within_a_level),
	    T(runqueue_requeue_at_tail_is_round_robin),
	    T(runqueue_push_front_runs_before_waiting_threads_of_its_level),
	    T(runqueue_push_front_does_not_jump_higher_levels),
	    T(runqueue_remove_from_middle_keeps_order_of_the_rest),
	    T(runqueue_remove_of_last_node_clears_its_level_bit),
	    T(runqueue_pop_of_last_node_clears_its_level_bit),
	    T(runqueue_pop_accepts_null_priority_pointer),
	    T(runqueue_orders_all_32_levels),
	    T(runqueue_lowest_and_highest_levels_work_alone),
	    T(runqueue_bitmap_and_count_stay_consistent_under_random_use),
	};

	return cmocka_run_group_tests_name("runqueue", tests, NULL, NULL);
}
