/* SPDX-License-Identifier: MIT */
/*
 * Per-task name tables (kernel/ipc_space.c): names are generation << 16 |
 * index, index 0 is never used, a freed entry's generation moves on (and
 * skips 0) so old names stop matching, freed entries are reused first, and
 * the table doubles up to IPC_SPACE_MAX. Storage comes from callbacks, here
 * malloc with byte and call counters so every table is seen to be returned.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ipc.h"

static struct ipc_space space;
static uint64_t bytes_held, allocs, frees, last_alloc_bytes;
static bool fail_alloc;

static void *counting_alloc(uint64_t bytes)
{
	if (fail_alloc)
		return NULL;
	void *p = malloc(bytes);
	assert_non_null(p);
	memset(p, 0xa5, bytes); /* the table must not rely on zeroed storage */
	bytes_held += bytes;
	allocs++;
	last_alloc_bytes = bytes;
	return p;
}

static void counting_free(void *p, uint64_t bytes)
{
	assert_true(bytes_held >= bytes);
	bytes_held -= bytes;
	frees++;
	free(p);
}

static int setup(void **state)
{
	bytes_held = allocs = frees = last_alloc_bytes = 0;
	fail_alloc = false;
	ipc_space_init(&space, counting_alloc, counting_free);
	return 0;
}

static int teardown(void **state)
{
	ipc_space_release(&space);
	return bytes_held == 0 ? 0 : -1;
}

/* A name holding a right, as the callers of ipc_entry_alloc make it. */
static uk_name_t alloc_name(void *object)
{
	uk_name_t name = 0;
	struct ipc_entry *e = ipc_entry_alloc(&space, &name);

	assert_non_null(e);
	e->object = object;
	e->rights = UK_RIGHT_SEND;
	e->send_refs = 1;
	return name;
}

static uint16_t generation_of(uk_name_t name)
{
	return (uint16_t)(name >> 16);
}

static void ipc_space_starts_without_storage(void **state)
{
	assert_null(space.table);
	assert_int_equal(space.size, 0);
	assert_int_equal(space.used, 0);
	assert_int_equal(allocs, 0);
}

static void ipc_entry_alloc_first_name_is_index_one_generation_one(void **state)
{
	uk_name_t name = alloc_name(&space);

	assert_int_equal(name, (1u << 16) | 1u);
	assert_int_equal(space.size, 128);
	assert_int_equal(space.used, 1);
	assert_int_equal(last_alloc_bytes, 128 * sizeof(struct ipc_entry));
}

static void
ipc_entry_alloc_hands_out_ascending_indexes_in_a_new_table(void **state)
{
	for (uint32_t i = 1; i <= 10; i++)
		assert_int_equal(ipc_name_index(alloc_name(NULL)), i);
}

static void ipc_entry_alloc_returns_a_clean_entry(void **state)
{
	uk_name_t name;
	struct ipc_entry *e = ipc_entry_alloc(&space, &name);

	assert_non_null(e);
	assert_null(e->object);
	assert_int_equal(e->rights, 0);
	assert_int_equal(e->send_refs, 0);
	assert_int_equal(e->next_free, 0);
}

static void ipc_entry_lookup_returns_the_entry_a_name_denotes(void **state)
{
	int a = 0, b = 0;
	uk_name_t na = alloc_name(&a), nb = alloc_name(&b);
	struct ipc_entry *ea = ipc_entry_lookup(&space, na);
	struct ipc_entry *eb = ipc_entry_lookup(&space, nb);

	assert_non_null(ea);
	assert_non_null(eb);
	assert_ptr_equal(ea->object, &a);
	assert_ptr_equal(eb->object, &b);
}

static void ipc_entry_lookup_of_name_zero_returns_null(void **state)
{
	alloc_name(NULL);
	assert_null(ipc_entry_lookup(&space, 0));
	/* Index 0 with any generation is still the null name. */
	assert_null(ipc_entry_lookup(&space, 1u << 16));
}

static void ipc_entry_lookup_in_an_empty_space_returns_null(void **state)
{
	assert_null(ipc_entry_lookup(&space, (1u << 16) | 1u));
}

static void ipc_entry_lookup_of_out_of_range_index_returns_null(void **state)
{
	alloc_name(NULL);
	assert_null(ipc_entry_lookup(&space, (1u << 16) | 128u));
	assert_null(ipc_entry_lookup(&space, (1u << 16) | 0xffffu));
	assert_null(ipc_entry_lookup(&space, 0xffffffffu));
}

static void
ipc_entry_lookup_of_an_allocated_entry_without_rights_returns_null(void **state)
{
	uk_name_t name;

	assert_non_null(ipc_entry_alloc(&space, &name));
	assert_null(ipc_entry_lookup(&space, name));
}

static void
ipc_entry_lookup_of_a_never_allocated_index_returns_null(void **state)
{
	alloc_name(NULL);
	assert_null(ipc_entry_lookup(&space, (1u << 16) | 2u));
}

static void ipc_entry_lookup_of_a_freed_name_returns_null(void **state)
{
	uk_name_t name = alloc_name(NULL);

	ipc_entry_free(&space, name);
	assert_null(ipc_entry_lookup(&space, name));
	assert_int_equal(space.used, 0);
}

static void ipc_entry_lookup_of_a_stale_generation_returns_null(void **state)
{
	int old_object = 0, new_object = 0;
	uk_name_t old = alloc_name(&old_object);

	ipc_entry_free(&space, old);
	uk_name_t reused = alloc_name(&new_object);
	assert_int_equal(ipc_name_index(reused), ipc_name_index(old));
	assert_int_not_equal(reused, old);
	assert_null(ipc_entry_lookup(&space, old));
	assert_ptr_equal(ipc_entry_lookup(&space, reused)->object, &new_object);
}

static void ipc_entry_lookup_of_a_future_generation_returns_null(void **state)
{
	uk_name_t name = alloc_name(NULL);

	assert_null(ipc_entry_lookup(&space, name + (1u << 16)));
}

static void ipc_entry_free_bumps_the_generation_by_one(void **state)
{
	uk_name_t name = alloc_name(NULL);

	ipc_entry_free(&space, name);
	uk_name_t again = alloc_name(NULL);
	assert_int_equal(generation_of(again), generation_of(name) + 1);
}

static void ipc_entry_free_clears_the_entry(void **state)
{
	int object = 0;
	uk_name_t name = alloc_name(&object);
	struct ipc_entry *e = ipc_entry_lookup(&space, name);

	ipc_entry_free(&space, name);
	assert_null(e->object);
	assert_int_equal(e->rights, 0);
	assert_int_equal(e->send_refs, 0);
}

static void ipc_entry_generation_wraps_to_one_skipping_zero(void **state)
{
	uk_name_t first = alloc_name(NULL), name = first;

	/* 65535 frees take generation 1 through 65535 and back to 1. */
	for (uint32_t i = 0; i < 0xffffu; i++) {
		ipc_entry_free(&space, name);
		name = alloc_name(NULL);
		assert_int_equal(ipc_name_index(name), ipc_name_index(first));
		assert_int_not_equal(generation_of(name), 0);
		assert_int_not_equal(name, 0);
		if (i == 0xfffdu) {
			assert_int_equal(generation_of(name), 0xffffu);
		}
	}
	assert_int_equal(generation_of(name), 1);
	assert_int_equal(name, first);
	assert_non_null(ipc_entry_lookup(&space, name));
	assert_null(ipc_entry_lookup(&space, name | 0xffff0000u));
}

static void ipc_entry_free_list_reuses_the_last_freed_entry_first(void **state)
{
	uk_name_t a = alloc_name(NULL), b = alloc_name(NULL),
		  c = alloc_name(NULL);

	ipc_entry_free(&space, a);
	ipc_entry_free(&space, c);
	assert_int_equal(ipc_name_index(alloc_name(NULL)), ipc_name_index(c));
	assert_int_equal(ipc_name_index(alloc_name(NULL)), ipc_name_index(a));
	/* Then the untouched entries of the table, in order. */
	assert_int_equal(ipc_name_index(alloc_name(NULL)),
			 ipc_name_index(b) + 2);
	assert_int_equal(space.used, 4);
}

static void ipc_entry_free_and_alloc_do_not_grow_the_table(void **state)
{
	uk_name_t name = alloc_name(NULL);

	for (int i = 0; i < 1000; i++) {
		ipc_entry_free(&space, name);
		name = alloc_name(NULL);
	}
	assert_int_equal(space.size, 128);
	assert_int_equal(allocs, 1);
}

static void
ipc_space_grows_past_the_first_table_keeping_every_entry(void **state)
{
	static int objects[200];
	uk_name_t names[200];

	for (int i = 0; i < 127; i++)
		names[i] = alloc_name(&objects[i]);
	assert_int_equal(space.size, 128);
	assert_int_equal(allocs, 1);

	for (int i = 127; i < 200; i++)
		names[i] = alloc_name(&objects[i]);
	assert_int_equal(space.size, 256);
	assert_int_equal(allocs, 2);
	assert_int_equal(frees, 1); /* the old table went back */
	assert_int_equal(bytes_held, 256 * sizeof(struct ipc_entry));
	assert_int_equal(ipc_name_index(names[127]), 128);
	for (int i = 0; i < 200; i++) {
		struct ipc_entry *e = ipc_entry_lookup(&space, names[i]);
		assert_non_null(e);
		assert_ptr_equal(e->object, &objects[i]);
	}
	assert_int_equal(space.used, 200);
}

static void ipc_space_growth_keeps_the_free_list_and_generations(void **state)
{
	uk_name_t names[127];

	for (int i = 0; i < 127; i++)
		names[i] = alloc_name(NULL);
	ipc_entry_free(&space, names[5]);
	/* The freed entry is used before the table grows... */
	uk_name_t reused = alloc_name(NULL);
	assert_int_equal(ipc_name_index(reused), ipc_name_index(names[5]));
	assert_int_equal(generation_of(reused), 2);
	/* ...and after growing, the old name is still stale. */
	alloc_name(NULL);
	assert_int_equal(space.size, 256);
	assert_null(ipc_entry_lookup(&space, names[5]));
	assert_non_null(ipc_entry_lookup(&space, reused));
}

static void ipc_space_fills_to_ipc_space_max_then_alloc_fails(void **state)
{
	uk_name_t name = 0, last = 0;

	for (uint32_t i = 1; i < IPC_SPACE_MAX; i++) {
		last = alloc_name(NULL);
		assert_int_equal(ipc_name_index(last), i);
	}
	assert_int_equal(space.size, IPC_SPACE_MAX);
	assert_int_equal(space.used, IPC_SPACE_MAX - 1);
	uint64_t allocs_before = allocs;

	name = 0x1234;
	assert_null(ipc_entry_alloc(&space, &name));
	assert_int_equal(allocs, allocs_before); /* no attempt past the cap */
	assert_int_equal(space.size, IPC_SPACE_MAX);
	assert_int_equal(space.used, IPC_SPACE_MAX - 1);
	assert_non_null(ipc_entry_lookup(&space, last));

	/* A freed name makes room again. */
	ipc_entry_free(&space, last);
	uk_name_t again = alloc_name(NULL);
	assert_int_equal(ipc_name_index(again), ipc_name_index(last));
	assert_null(ipc_entry_alloc(&space, &name));
}

static void ipc_space_grows_through_every_doubling(void **state)
{
	uint32_t expected[] = {128, 256, 512, 1024, 2048, 4096};
	unsigned step = 0;

	for (uint32_t i = 1; i < IPC_SPACE_MAX; i++) {
		alloc_name(NULL);
		if (space.size != expected[step]) {
			step++;
			assert_true(step <
				    sizeof(expected) / sizeof(expected[0]));
			assert_int_equal(space.size, expected[step]);
			assert_int_equal(i, expected[step - 1]);
		}
	}
	assert_int_equal(step, 5);
	assert_int_equal(allocs, 6);
	assert_int_equal(frees, 5);
	assert_int_equal(bytes_held, IPC_SPACE_MAX * sizeof(struct ipc_entry));
}

static void ipc_entry_alloc_fails_cleanly_when_storage_runs_out(void **state)
{
	uk_name_t name;

	fail_alloc = true;
	assert_null(ipc_entry_alloc(&space, &name));
	assert_int_equal(space.size, 0);
	assert_int_equal(space.used, 0);
	fail_alloc = false;
	for (int i = 0; i < 127; i++)
		alloc_name(NULL);
	fail_alloc = true;
	assert_null(ipc_entry_alloc(&space, &name));
	assert_int_equal(space.size, 128);
	assert_int_equal(space.used, 127);
	assert_non_null(ipc_entry_lookup(&space, (1u << 16) | 127u));
	fail_alloc = false;
	assert_int_equal(ipc_name_index(alloc_name(NULL)), 128);
}

static void
ipc_space_find_returns_the_name_holding_send_or_receive(void **state)
{
	int a = 0, b = 0;
	uk_name_t na = alloc_name(&a);
	uk_name_t nb;
	struct ipc_entry *e = ipc_entry_alloc(&space, &nb);

	e->object = &b;
	e->rights = UK_RIGHT_RECEIVE;
	assert_int_equal(ipc_space_find(&space, &a), na);
	assert_int_equal(ipc_space_find(&space, &b), nb);
}

static void ipc_space_find_ignores_send_once_names(void **state)
{
	int port = 0;
	uk_name_t name;
	struct ipc_entry *e = ipc_entry_alloc(&space, &name);

	e->object = &port;
	e->rights = UK_RIGHT_SEND_ONCE;
	assert_int_equal(ipc_space_find(&space, &port), 0);
	uk_name_t send = alloc_name(&port);
	assert_int_equal(ipc_space_find(&space, &port), send);
}

static void ipc_space_find_of_an_unknown_object_returns_zero(void **state)
{
	int a = 0, other = 0;

	assert_int_equal(ipc_space_find(&space, &a), 0);
	alloc_name(&a);
	assert_int_equal(ipc_space_find(&space, &other), 0);
	assert_int_equal(ipc_space_find(&space, NULL), 0);
}

static void ipc_space_find_after_free_returns_zero(void **state)
{
	int a = 0;
	uk_name_t name = alloc_name(&a);

	ipc_entry_free(&space, name);
	assert_int_equal(ipc_space_find(&space, &a), 0);
}

static void ipc_space_find_returns_the_current_generation(void **state)
{
	int a = 0;
	uk_name_t old = alloc_name(&a);

	ipc_entry_free(&space, old);
	uk_name_t now = alloc_name(&a);
	assert_int_equal(ipc_space_find(&space, &a), now);
	assert_int_not_equal(now, old);
}

static void ipc_space_find_searches_grown_tables(void **state)
{
	int a = 0;
	uk_name_t name = 0;

	for (int i = 0; i < 300; i++)
		name = alloc_name(NULL);
	ipc_entry_lookup(&space, name)->object = &a;
	assert_int_equal(ipc_space_find(&space, &a), name);
}

static void ipc_space_release_returns_the_storage(void **state)
{
	for (int i = 0; i < 600; i++)
		alloc_name(NULL);
	ipc_space_release(&space);
	assert_int_equal(bytes_held, 0);
	assert_int_equal(allocs, frees);
	assert_null(space.table);
	assert_int_equal(space.size, 0);
	assert_int_equal(space.used, 0);
	/* The space can be used again. */
	assert_int_equal(ipc_name_index(alloc_name(NULL)), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(ipc_space_starts_without_storage),
	    T(ipc_entry_alloc_first_name_is_index_one_generation_one),
	    T(ipc_entry_alloc_hands_out_ascending_indexes_in_a_new_table),
	    T(ipc_entry_alloc_returns_a_clean_entry),
	    T(ipc_entry_lookup_returns_the_entry_a_name_denotes),
	    T(ipc_entry_lookup_of_name_zero_returns_null),
	    T(ipc_entry_lookup_in_an_empty_space_returns_null),
	    T(ipc_entry_lookup_of_out_of_range_index_returns_null),
	    T(ipc_entry_lookup_of_an_allocated_entry_without_rights_returns_null),
	    T(ipc_entry_lookup_of_a_never_allocated_index_returns_null),
	    T(ipc_entry_lookup_of_a_freed_name_returns_null),
	    T(ipc_entry_lookup_of_a_stale_generation_returns_null),
	    T(ipc_entry_lookup_of_a_future_generation_returns_null),
	    T(ipc_entry_free_bumps_the_generation_by_one),
	    T(ipc_entry_free_clears_the_entry),
	    T(ipc_entry_generation_wraps_to_one_skipping_zero),
	    T(ipc_entry_free_list_reuses_the_last_freed_entry_first),
	    T(ipc_entry_free_and_alloc_do_not_grow_the_table),
	    T(ipc_space_grows_past_the_first_table_keeping_every_entry),
	    T(ipc_space_growth_keeps_the_free_list_and_generations),
	    T(ipc_space_fills_to_ipc_space_max_then_alloc_fails),
	    T(ipc_space_grows_through_every_doubling),
	    T(ipc_entry_alloc_fails_cleanly_when_storage_runs_out),
	    T(ipc_space_find_returns_the_name_holding_send_or_receive),
	    T(ipc_space_find_ignores_send_once_names),
	    T(ipc_space_find_of_an_unknown_object_returns_zero),
	    T(ipc_space_find_after_free_returns_zero),
	    T(ipc_space_find_returns_the_current_generation),
	    T(ipc_space_find_searches_grown_tables),
	    T(ipc_space_release_returns_the_storage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
