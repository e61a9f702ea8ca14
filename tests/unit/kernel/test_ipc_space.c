/* SPDX-License-Identifier: MIT */
/*
 * Per-task name tables (kernel/ipc_space.c): names are 64-bit, index << 32
 * | generation (ipc_name_make), index 0 is never used, a freed entry's
 * 32-bit generation moves on (and skips 0) so old names stop matching,
 * freed entries are reused first, and the table doubles up to
 * IPC_SPACE_MAX. ipc_space_find tells send rights with different badges
 * apart. Storage comes from callbacks, here malloc with byte and call
 * counters so every table is seen to be returned. Names are written with
 * ipc_name_make and read with ipc_name_index / generation_of, never with
 * the shifts of the encoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <uk/errors.h>

#include "ipc.h"

static struct ipc_space space;
static uint64_t bytes_held, allocs, frees, last_alloc_bytes;
static bool fail_alloc;
static int fail_error = -ERR_NO_MEMORY; /* what a failing alloc says */

static int counting_alloc(struct ipc_space *s, uint64_t bytes, void **out)
{
	assert_ptr_equal(s, &space); /* the table asks for itself */
	if (fail_alloc)
		return fail_error;
	void *p = malloc(bytes);
	assert_non_null(p);
	memset(p, 0xa5, bytes); /* the table must not rely on zeroed storage */
	bytes_held += bytes;
	allocs++;
	last_alloc_bytes = bytes;
	*out = p;
	return 0;
}

static void counting_free(struct ipc_space *s, void *p, uint64_t bytes)
{
	assert_ptr_equal(s, &space);
	assert_true(bytes_held >= bytes);
	bytes_held -= bytes;
	frees++;
	free(p);
}

static int setup(void **state)
{
	bytes_held = allocs = frees = last_alloc_bytes = 0;
	fail_alloc = false;
	fail_error = -ERR_NO_MEMORY;
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
	struct ipc_entry *e = ipc_entry_alloc(&space, &name, NULL);

	assert_non_null(e);
	e->object = object;
	e->rights = UK_RIGHT_SEND;
	e->send_refs = 1;
	return name;
}

static uint32_t generation_of(uk_name_t name)
{
	return (uint32_t)name;
}

/* A name's entry, by index (white box: to set its generation). */
static struct ipc_entry *entry_of(uk_name_t name)
{
	assert_true(ipc_name_index(name) < space.size);
	return &space.table[ipc_name_index(name)];
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

	assert_int_equal(name, ipc_name_make(1, 1));
	assert_int_equal(ipc_name_index(name), 1);
	assert_int_equal(generation_of(name), 1);
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
	struct ipc_entry *e = ipc_entry_alloc(&space, &name, NULL);

	assert_non_null(e);
	assert_null(e->object);
	assert_int_equal(e->rights, 0);
	assert_int_equal(e->send_refs, 0);
	assert_int_equal(e->badge, 0);
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
	assert_null(ipc_entry_lookup(&space, ipc_name_make(0, 1)));
	assert_null(ipc_entry_lookup(&space, ipc_name_make(0, 0xffffffffu)));
	/* So is the first name of the old 32-bit encoding (generation 1 <<
	 * 16 | index 1): its index bits are now 0. */
	assert_null(ipc_entry_lookup(&space, 0x00010001u));
}

static void ipc_entry_lookup_in_an_empty_space_returns_null(void **state)
{
	assert_null(ipc_entry_lookup(&space, ipc_name_make(1, 1)));
}

static void ipc_entry_lookup_of_out_of_range_index_returns_null(void **state)
{
	alloc_name(NULL);
	assert_null(ipc_entry_lookup(&space, ipc_name_make(128, 1)));
	assert_null(ipc_entry_lookup(&space, ipc_name_make(0xffff, 1)));
	assert_null(ipc_entry_lookup(&space, ipc_name_make(IPC_SPACE_MAX, 1)));
	assert_null(ipc_entry_lookup(&space, ipc_name_make(0x80000001u, 1)));
	assert_null(ipc_entry_lookup(&space, ipc_name_make(0xffffffffu, 1)));
	assert_null(ipc_entry_lookup(&space, 0xffffffffu)); /* index 0 */
	assert_null(ipc_entry_lookup(&space, UINT64_MAX));
}

static void
ipc_entry_lookup_of_an_allocated_entry_without_rights_returns_null(void **state)
{
	uk_name_t name;

	assert_non_null(ipc_entry_alloc(&space, &name, NULL));
	assert_null(ipc_entry_lookup(&space, name));
}

static void
ipc_entry_lookup_of_a_never_allocated_index_returns_null(void **state)
{
	alloc_name(NULL);
	assert_null(ipc_entry_lookup(&space, ipc_name_make(2, 1)));
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

	assert_null(
	    ipc_entry_lookup(&space, ipc_name_make(ipc_name_index(name),
						   generation_of(name) + 1)));
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

	e->badge = 0x5eed;
	ipc_entry_free(&space, name);
	assert_null(e->object);
	assert_int_equal(e->rights, 0);
	assert_int_equal(e->send_refs, 0);
	assert_int_equal(e->badge, 0);
}

/* An entry whose badge was set and freed comes back unbadged. */
static void ipc_entry_alloc_after_free_has_no_badge(void **state)
{
	int object = 0;
	uk_name_t name = alloc_name(&object);

	ipc_entry_lookup(&space, name)->badge = 0x5eed;
	ipc_entry_free(&space, name);
	uk_name_t again;
	struct ipc_entry *e = ipc_entry_alloc(&space, &again, NULL);
	assert_non_null(e);
	assert_int_equal(ipc_name_index(again), ipc_name_index(name));
	assert_int_equal(e->badge, 0);
	assert_int_equal(ipc_space_find(&space, &object, 0x5eed), 0);
}

#define REUSES 70000u

/*
 * The generation is 32 bits: 70,000 reuses of one entry (more than the
 * 65,535 that wrapped the old 16-bit generation) give 70,001 different
 * names, and every earlier one, in particular those of generations 1,
 * 0xffff, 0x10000 and 0x10001, which a 16-bit generation would confuse
 * with 1 or 2, stays refused.
 */
static void ipc_entry_generation_is_32_bits_wide(void **state)
{
	static uk_name_t names[REUSES + 1];
	uk_name_t name = alloc_name(NULL);

	names[0] = name;
	for (uint32_t i = 1; i <= REUSES; i++) {
		ipc_entry_free(&space, name);
		name = alloc_name(NULL);
		assert_int_equal(ipc_name_index(name),
				 ipc_name_index(names[0]));
		assert_int_equal(generation_of(name), i + 1);
		names[i] = name;
	}
	assert_int_equal(generation_of(name), REUSES + 1);
	assert_int_equal(name,
			 ipc_name_make(ipc_name_index(names[0]), REUSES + 1));
	assert_non_null(ipc_entry_lookup(&space, name));

	/* The names of generations 1, 0xffff, 0x10000 and 0x10001. */
	uk_name_t g1 = names[0], g_ffff = names[0xfffe],
		  g_10000 = names[0xffff], g_10001 = names[0x10000];
	assert_int_equal(generation_of(g1), 1);
	assert_int_equal(generation_of(g_ffff), 0xffffu);
	assert_int_equal(generation_of(g_10000), 0x10000u);
	assert_int_equal(generation_of(g_10001), 0x10001u);
	assert_int_not_equal(g_10000, g1);
	assert_int_not_equal(g_10001, g1);
	assert_null(ipc_entry_lookup(&space, g1));
	assert_null(ipc_entry_lookup(&space, g_ffff));
	assert_null(ipc_entry_lookup(&space, g_10000));
	assert_null(ipc_entry_lookup(&space, g_10001));
	/* And every other earlier name. */
	for (uint32_t i = 0; i < REUSES; i++) {
		assert_int_not_equal(names[i], name);
		if (ipc_entry_lookup(&space, names[i]))
			fail_msg("the name of generation %u still resolves",
				 generation_of(names[i]));
	}
	assert_int_equal(space.used, 1);
	assert_int_equal(space.size, 128);
}

/* From 0xffffffff the generation goes to 1, never 0; a name is never 0. */
static void ipc_entry_generation_wraps_to_one_skipping_zero(void **state)
{
	uk_name_t first = alloc_name(NULL);
	struct ipc_entry *e = entry_of(first);

	/* Free it, then age the free entry to the last generation. */
	ipc_entry_free(&space, first);
	e->generation = 0xfffffffeu;
	uk_name_t before_last = alloc_name(NULL);
	assert_int_equal(ipc_name_index(before_last), ipc_name_index(first));
	assert_int_equal(generation_of(before_last), 0xfffffffeu);
	ipc_entry_free(&space, before_last);
	uk_name_t last = alloc_name(NULL);
	assert_int_equal(generation_of(last), 0xffffffffu);
	assert_int_equal(last,
			 ipc_name_make(ipc_name_index(first), 0xffffffffu));
	assert_non_null(ipc_entry_lookup(&space, last));
	assert_null(ipc_entry_lookup(&space, before_last));

	ipc_entry_free(&space, last);
	assert_int_equal(e->generation, 1); /* not 0 */
	uk_name_t wrapped = alloc_name(NULL);
	assert_int_equal(generation_of(wrapped), 1);
	assert_int_equal(wrapped, first); /* after 2^32 - 1 reuses */
	assert_int_not_equal(wrapped, 0);
	assert_non_null(ipc_entry_lookup(&space, wrapped));
	assert_null(ipc_entry_lookup(&space, last));
	assert_null(ipc_entry_lookup(&space, before_last));
	/* Generation 0 never names the entry. */
	assert_null(
	    ipc_entry_lookup(&space, ipc_name_make(ipc_name_index(first), 0)));
}

/*
 * Names go to user space as int64_t syscall results (a negative one is an
 * error): every name of a full table, with the smallest and the largest
 * generation, is positive, and its index is below 2^31.
 */
static void ipc_names_are_positive_as_int64(void **state)
{
	uk_name_t name = 0;

	for (uint32_t i = 1; i < IPC_SPACE_MAX; i++) {
		name = alloc_name(NULL);
		assert_true((int64_t)name > 0);
		assert_true(ipc_name_index(name) < (1u << 31));
	}
	/* The last index with the largest generation. */
	ipc_entry_free(&space, name);
	entry_of(name)->generation = 0xffffffffu;
	name = alloc_name(NULL);
	assert_int_equal(ipc_name_index(name), IPC_SPACE_MAX - 1);
	assert_int_equal(generation_of(name), 0xffffffffu);
	assert_true((int64_t)name > 0);
	assert_true((int64_t)ipc_name_make(IPC_SPACE_MAX - 1, 0xffffffffu) > 0);
	/* The encoding itself: index in the high half, generation in the low
	 * half. */
	assert_int_equal(ipc_name_make(3, 5), 0x0000000300000005ull);
	assert_int_equal(ipc_name_index(0x0000000300000005ull), 3);
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
	int err = 0;
	assert_null(ipc_entry_alloc(&space, &name, &err));
	assert_int_equal(err, -ERR_LIMIT);
	assert_int_equal(allocs, allocs_before); /* no attempt past the cap */
	assert_int_equal(space.size, IPC_SPACE_MAX);
	assert_int_equal(space.used, IPC_SPACE_MAX - 1);
	assert_non_null(ipc_entry_lookup(&space, last));

	/* A freed name makes room again. */
	ipc_entry_free(&space, last);
	uk_name_t again = alloc_name(NULL);
	assert_int_equal(ipc_name_index(again), ipc_name_index(last));
	assert_null(ipc_entry_alloc(&space, &name, NULL));
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

	int err = 0;
	fail_alloc = true;
	assert_null(ipc_entry_alloc(&space, &name, &err));
	assert_int_equal(err, -ERR_NO_MEMORY);
	assert_int_equal(space.size, 0);
	assert_int_equal(space.used, 0);
	fail_alloc = false;
	for (int i = 0; i < 127; i++)
		alloc_name(NULL);
	/* Over the task's quota: the storage's own error comes back. */
	fail_alloc = true;
	fail_error = -ERR_LIMIT;
	assert_null(ipc_entry_alloc(&space, &name, &err));
	assert_int_equal(err, -ERR_LIMIT);
	assert_int_equal(space.size, 128);
	assert_int_equal(space.used, 127);
	assert_non_null(ipc_entry_lookup(&space, ipc_name_make(127, 1)));
	fail_alloc = false;
	assert_int_equal(ipc_name_index(alloc_name(NULL)), 128);
}

static void
ipc_space_find_returns_the_name_holding_send_or_receive(void **state)
{
	int a = 0, b = 0;
	uk_name_t na = alloc_name(&a);
	uk_name_t nb;
	struct ipc_entry *e = ipc_entry_alloc(&space, &nb, NULL);

	e->object = &b;
	e->rights = UK_RIGHT_RECEIVE;
	assert_int_equal(ipc_space_find(&space, &a, 0), na);
	assert_int_equal(ipc_space_find(&space, &b, 0), nb);
}

static void ipc_space_find_ignores_send_once_names(void **state)
{
	int port = 0;
	uk_name_t name;
	struct ipc_entry *e = ipc_entry_alloc(&space, &name, NULL);

	e->object = &port;
	e->rights = UK_RIGHT_SEND_ONCE;
	assert_int_equal(ipc_space_find(&space, &port, 0), 0);
	uk_name_t send = alloc_name(&port);
	assert_int_equal(ipc_space_find(&space, &port, 0), send);
}

static void ipc_space_find_of_an_unknown_object_returns_zero(void **state)
{
	int a = 0, other = 0;

	assert_int_equal(ipc_space_find(&space, &a, 0), 0);
	alloc_name(&a);
	assert_int_equal(ipc_space_find(&space, &other, 0), 0);
	assert_int_equal(ipc_space_find(&space, NULL, 0), 0);
}

static void ipc_space_find_after_free_returns_zero(void **state)
{
	int a = 0;
	uk_name_t name = alloc_name(&a);

	ipc_entry_free(&space, name);
	assert_int_equal(ipc_space_find(&space, &a, 0), 0);
}

static void ipc_space_find_returns_the_current_generation(void **state)
{
	int a = 0;
	uk_name_t old = alloc_name(&a);

	ipc_entry_free(&space, old);
	uk_name_t now = alloc_name(&a);
	assert_int_equal(ipc_space_find(&space, &a, 0), now);
	assert_int_not_equal(now, old);
}

static void ipc_space_find_searches_grown_tables(void **state)
{
	int a = 0;
	uk_name_t name = 0;

	for (int i = 0; i < 300; i++)
		name = alloc_name(NULL);
	ipc_entry_lookup(&space, name)->object = &a;
	assert_int_equal(ipc_space_find(&space, &a, 0), name);
}

/* A name holding a send right with a badge (0: unbadged). */
static uk_name_t alloc_badged(void *object, uint64_t badge)
{
	uk_name_t name = alloc_name(object);

	ipc_entry_lookup(&space, name)->badge = badge;
	return name;
}

static void
ipc_space_find_tells_send_rights_with_other_badges_apart(void **state)
{
	int port = 0;
	uk_name_t plain = alloc_badged(&port, 0);
	uk_name_t b5 = alloc_badged(&port, 5);
	uk_name_t b6 = alloc_badged(&port, 6);
	uk_name_t top = alloc_badged(&port, UINT64_MAX);

	assert_int_not_equal(plain, b5);
	assert_int_not_equal(b5, b6);
	assert_int_not_equal(b6, top);
	assert_int_equal(ipc_space_find(&space, &port, 0), plain);
	assert_int_equal(ipc_space_find(&space, &port, 5), b5);
	assert_int_equal(ipc_space_find(&space, &port, 6), b6);
	assert_int_equal(ipc_space_find(&space, &port, UINT64_MAX), top);
	assert_int_equal(ipc_space_find(&space, &port, 7), 0);
	/* A badge that matches only in its low 32 bits is another badge. */
	assert_int_equal(ipc_space_find(&space, &port, 0x100000005ull), 0);
	/* Without its unbadged right, badge 0 finds nothing. */
	ipc_entry_free(&space, plain);
	assert_int_equal(ipc_space_find(&space, &port, 0), 0);
	assert_int_equal(ipc_space_find(&space, &port, 5), b5);
}

static void ipc_space_find_of_a_badge_ignores_other_objects(void **state)
{
	int a = 0, b = 0;
	uk_name_t na = alloc_badged(&a, 9);

	alloc_badged(&b, 10);
	assert_int_equal(ipc_space_find(&space, &b, 9), 0);
	assert_int_equal(ipc_space_find(&space, &a, 9), na);
	assert_int_equal(ipc_space_find(&space, &a, 10), 0);
}

/* A delegable right (port_mint_delegable) and an ordinary right with the
 * same badge are two names: merging them would make the name delegable or
 * not by the order rights arrived. A freed entry forgets its bits. */
static void ipc_space_find_right_tells_delegable_rights_apart(void **state)
{
	int port = 0;
	uk_name_t ordinary = alloc_badged(&port, 0x100);
	uk_name_t delegable = alloc_badged(&port, 0x100);

	ipc_entry_lookup(&space, delegable)->badge_bits = 8;
	assert_int_equal(ipc_space_find(&space, &port, 0x100), ordinary);
	assert_int_equal(ipc_space_find_right(&space, &port, 0x100, 0), ordinary);
	assert_int_equal(ipc_space_find_right(&space, &port, 0x100, 8), delegable);
	assert_int_equal(ipc_space_find_right(&space, &port, 0x100, 9), 0);
	ipc_entry_free(&space, ordinary);
	assert_int_equal(ipc_space_find(&space, &port, 0x100), 0);
	ipc_entry_free(&space, delegable);
	uk_name_t again;
	struct ipc_entry *e = ipc_entry_alloc(&space, &again, NULL);
	assert_non_null(e);
	assert_int_equal(e->badge_bits, 0);
}

static void
ipc_space_find_matches_a_receive_right_with_badge_zero_only(void **state)
{
	int port = 0;
	uk_name_t recv;
	struct ipc_entry *e = ipc_entry_alloc(&space, &recv, NULL);

	e->object = &port;
	e->rights = UK_RIGHT_RECEIVE;
	assert_int_equal(ipc_space_find(&space, &port, 0), recv);
	assert_int_equal(ipc_space_find(&space, &port, 1), 0);
	assert_int_equal(ipc_space_find(&space, &port, UINT64_MAX), 0);
	/* A badged send right to the same port has its own name. */
	uk_name_t badged = alloc_badged(&port, 1);
	assert_int_not_equal(badged, recv);
	assert_int_equal(ipc_space_find(&space, &port, 1), badged);
	assert_int_equal(ipc_space_find(&space, &port, 0), recv);
}

static void ipc_space_find_of_a_badge_ignores_send_once_names(void **state)
{
	int port = 0;
	uk_name_t once;
	struct ipc_entry *e = ipc_entry_alloc(&space, &once, NULL);

	e->object = &port;
	e->rights = UK_RIGHT_SEND_ONCE;
	e->badge = 3;
	assert_int_equal(ipc_space_find(&space, &port, 3), 0);
	assert_int_equal(ipc_space_find(&space, &port, 0), 0);
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
	    T(ipc_entry_alloc_after_free_has_no_badge),
	    T(ipc_entry_generation_is_32_bits_wide),
	    T(ipc_entry_generation_wraps_to_one_skipping_zero),
	    T(ipc_names_are_positive_as_int64),
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
	    T(ipc_space_find_tells_send_rights_with_other_badges_apart),
	    T(ipc_space_find_of_a_badge_ignores_other_objects),
	    T(ipc_space_find_right_tells_delegable_rights_apart),
	    T(ipc_space_find_matches_a_receive_right_with_badge_zero_only),
	    T(ipc_space_find_of_a_badge_ignores_send_once_names),
	    T(ipc_space_release_returns_the_storage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
