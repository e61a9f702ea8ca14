/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory accounts (kernel/quota.c) over the fake slab and frame
 * allocators: a charge past the limit fails and changes nothing, a child
 * account's limit is carved from its parent and comes back when the child
 * has neither tasks nor charges, and a whole tree of accounts unwinds
 * when its last charge goes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uk/errors.h>

#include "arch.h"
#include "kernel.h"
#include "quota.h"
#include "slab.h"

#include "fake_kernel.h"

#define ROOT (1ull << 20) /* the fake pool is 256 frames: 1 MiB */

static struct slab_cache object_cache;

static int setup(void **state)
{
	fake_kernel_reset();
	quota_init(ROOT);
	slab_cache_init(&object_cache, "object", 100);
	return 0;
}

/* Every test gives everything back: no object, frame or charge left. */
static int teardown(void **state)
{
	int rc = fake_slab_total_in_use() || fake_frames_in_use() ||
			 account_root()->used || account_root()->children
		     ? -1
		     : 0;
	fake_kernel_reset();
	return rc;
}

/* What an account object costs its parent besides the limit. */
static uint64_t account_overhead(void)
{
	struct account *a;
	uint64_t before = account_root()->used;

	assert_int_equal(account_new(account_root(), 0, &a), 0);
	uint64_t cost = account_root()->used - before;
	account_put(a);
	return cost;
}

static void charge_within_the_limit_counts_bytes_and_peak(void **state)
{
	struct account *a;

	assert_int_equal(account_new(account_root(), 1000, &a), 0);
	assert_int_equal(account_charge(a, 600), 0);
	assert_int_equal(account_charge(a, 400), 0);
	assert_int_equal(a->used, 1000);
	account_uncharge(a, 700);
	assert_int_equal(a->used, 300);
	assert_int_equal(a->peak, 1000);
	account_uncharge(a, 300);
	account_put(a);
}

static void
charge_past_the_limit_returns_limit_and_charges_nothing(void **state)
{
	struct account *a;

	assert_int_equal(account_new(account_root(), 1000, &a), 0);
	assert_int_equal(account_charge(a, 999), 0);
	assert_int_equal(account_charge(a, 2), -ERR_LIMIT);
	assert_int_equal(a->used, 999);
	assert_int_equal(account_charge(a, UINT64_MAX), -ERR_LIMIT);
	assert_int_equal(a->used, 999);
	assert_int_equal(account_charge(a, 1), 0);
	account_uncharge(a, 1000);
	account_put(a);
}

static void child_limit_is_carved_from_the_parent_and_returned(void **state)
{
	uint64_t overhead = account_overhead();
	struct account *a;

	assert_int_equal(account_new(account_root(), 4096, &a), 0);
	assert_int_equal(account_root()->used, 4096 + overhead);
	assert_int_equal(account_root()->children, 1);
	assert_ptr_equal(a->parent, account_root());
	assert_int_equal(a->tasks, 1);
	account_put(a);
	assert_int_equal(account_root()->used, 0);
	assert_int_equal(account_root()->children, 0);
	assert_int_equal(fake_slab_in_use("account"), 0);
}

static void child_larger_than_the_parent_has_free_returns_limit(void **state)
{
	uint64_t overhead = account_overhead();
	struct account *a, *b;

	assert_int_equal(account_new(account_root(), ROOT / 2, &a), 0);
	assert_int_equal(account_new(a, ROOT / 2, &b), -ERR_LIMIT);
	assert_int_equal(account_new(a, ROOT / 2 - overhead, &b), 0);
	assert_int_equal(a->used, ROOT / 2);
	/* The whole of a is spoken for: not a byte more for anybody. */
	assert_int_equal(account_charge(a, 1), -ERR_LIMIT);
	assert_int_equal(account_new(a, 1, &b), -ERR_LIMIT);
	account_put(b);
	assert_int_equal(a->used, 0);
	assert_int_equal(account_new(account_root(), UINT64_MAX, &b),
			 -ERR_LIMIT);
	account_put(a);
}

static void account_with_charges_outlives_its_tasks(void **state)
{
	struct account *a;

	assert_int_equal(account_new(account_root(), 8192, &a), 0);
	account_get(a); /* a second task shares it */
	assert_int_equal(account_charge(a, 100), 0);
	account_put(a);
	account_put(a);
	/* No task, but 100 bytes still charged (a port that lives on). */
	assert_int_equal(fake_slab_in_use("account"), 1);
	assert_int_equal(a->tasks, 0);
	account_uncharge(a, 100);
	assert_int_equal(fake_slab_in_use("account"), 0);
	assert_int_equal(account_root()->used, 0);
}

static void
last_charge_of_a_tree_returns_every_limit_up_to_the_root(void **state)
{
	struct account *a, *b, *c;

	assert_int_equal(account_new(account_root(), 64 * 1024, &a), 0);
	assert_int_equal(account_new(a, 16 * 1024, &b), 0);
	assert_int_equal(account_new(b, 4096, &c), 0);
	assert_int_equal(account_charge(c, 10), 0);
	account_put(a);
	account_put(b);
	account_put(c);
	assert_int_equal(fake_slab_in_use("account"), 3);
	account_uncharge(c, 10);
	assert_int_equal(fake_slab_in_use("account"), 0);
	assert_int_equal(account_root()->used, 0);
}

static void objects_are_charged_their_cache_size(void **state)
{
	struct account *a;
	void *p, *q;

	assert_int_equal(account_new(account_root(), 250, &a), 0);
	assert_int_equal(account_object_alloc(a, &object_cache, &p), 0);
	assert_int_equal(a->used, object_cache.object_size);
	assert_int_equal(account_object_alloc(a, &object_cache, &q), 0);
	/* 112 bytes each: a third does not fit in 250. */
	assert_int_equal(account_object_alloc(a, &object_cache, &q),
			 -ERR_LIMIT);
	assert_int_equal(fake_slab_in_use("object"), 2);
	account_object_free(a, &object_cache, p);
	account_object_free(a, &object_cache, q);
	assert_int_equal(a->used, 0);
	account_put(a);
}

static void
object_allocator_failure_is_no_memory_and_charges_nothing(void **state)
{
	struct account *a;
	void *p;

	assert_int_equal(account_new(account_root(), 4096, &a), 0);
	fake_slab_fail_next("object");
	assert_int_equal(account_object_alloc(a, &object_cache, &p),
			 -ERR_NO_MEMORY);
	assert_int_equal(a->used, 0);
	account_put(a);
}

static void frames_are_charged_by_the_page(void **state)
{
	struct account *a;
	uint64_t pa, run;

	assert_int_equal(account_new(account_root(), 3 * PAGE_SIZE, &a), 0);
	assert_int_equal(account_frame_alloc(a, &pa), 0);
	assert_int_equal(account_frames_alloc(a, 2, &run), 0);
	assert_int_equal(a->used, 3 * PAGE_SIZE);
	assert_int_equal(fake_frames_in_use(), 3);
	/* At the quota: refused before a frame is taken. */
	uint64_t more;
	assert_int_equal(account_frame_alloc(a, &more), -ERR_LIMIT);
	assert_int_equal(fake_frames_in_use(), 3);
	account_frames_free(a, run, 2);
	account_frames_free(a, pa, 1);
	assert_int_equal(a->used, 0);
	account_put(a);
}

static void
frame_allocator_failure_is_no_memory_and_charges_nothing(void **state)
{
	static uint64_t taken[FAKE_FRAMES];
	struct account *a;
	uint64_t pa;

	assert_int_equal(account_new(account_root(), ROOT / 2, &a), 0);
	/* a has the quota, but somebody else has every frame. */
	for (unsigned i = 0; i < FAKE_FRAMES; i++)
		assert_true(kframe_alloc(&taken[i]));
	assert_int_equal(account_frame_alloc(a, &pa), -ERR_NO_MEMORY);
	assert_int_equal(account_frames_alloc(a, 2, &pa), -ERR_NO_MEMORY);
	assert_int_equal(a->used, 0);
	for (unsigned i = 0; i < FAKE_FRAMES; i++)
		kframe_free(taken[i]);
	account_put(a);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(charge_within_the_limit_counts_bytes_and_peak),
	    T(charge_past_the_limit_returns_limit_and_charges_nothing),
	    T(child_limit_is_carved_from_the_parent_and_returned),
	    T(child_larger_than_the_parent_has_free_returns_limit),
	    T(account_with_charges_outlives_its_tasks),
	    T(last_charge_of_a_tree_returns_every_limit_up_to_the_root),
	    T(objects_are_charged_their_cache_size),
	    T(object_allocator_failure_is_no_memory_and_charges_nothing),
	    T(frames_are_charged_by_the_page),
	    T(frame_allocator_failure_is_no_memory_and_charges_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
