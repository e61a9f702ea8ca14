/* SPDX-License-Identifier: MIT */
/*
 * The memory server's bookkeeping (servers/mem/mem_pool.c): a refused
 * object leaves nothing behind, swap extents are first fit and never
 * overlap, resident pages are counted once per page, per client and in
 * all, the two budgets, and the clock that picks what to take back: only
 * the client's own pages when it is at its task budget, runs of at most
 * MEM_EVICT_BATCH inside the object's window, every run once before any
 * again. After each step the pool's counters must agree with its maps
 * (check_pool).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <uk/errors.h>

#include "mem_pool.h"

#define SWAP_BIG (64ull << 30)

/* mem_pool.c's calloc (renamed by the build): fails while fail_calloc. */
void *mem_pool_test_calloc(size_t n, size_t size);
static bool fail_calloc;

void *mem_pool_test_calloc(size_t n, size_t size)
{
	return fail_calloc ? NULL : calloc(n, size);
}

static struct mem_pool pool;

static void init(uint64_t budget, uint64_t task_budget, uint64_t swap_max)
{
	fail_calloc = false;
	mem_pool_init(&pool, budget, task_budget, swap_max);
}

static int teardown(void **state)
{
	for (unsigned i = 0; i < MEM_OBJECTS_MAX; i++)
		if (pool.objects[i].used)
			mem_object_free(&pool, &pool.objects[i]);
	return 0;
}

static uint64_t popcount_map(const uint64_t *map, uint64_t pages)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < pages; i++)
		n += mem_bit(map, i);
	return n;
}

static uint64_t swap_end(const struct mem_object *o)
{
	return o->swap_base + o->pages * MEM_PAGE;
}

/* Every counter agrees with the objects and their maps; the swap extents
 * lie inside the swap space and do not overlap. */
static void check_pool(void)
{
	uint64_t resident = 0, objects = 0, clients = 0, swap = 0;
	uint64_t client_resident[MEM_CLIENTS_MAX] = {0};
	uint64_t client_objects[MEM_CLIENTS_MAX] = {0};

	for (unsigned i = 0; i < MEM_OBJECTS_MAX; i++) {
		const struct mem_object *o = &pool.objects[i];
		if (!o->used)
			continue;
		objects++;
		assert_true(o->client < MEM_CLIENTS_MAX);
		assert_true(pool.clients[o->client].used);
		assert_int_equal(popcount_map(o->resident_map, o->pages),
				 o->resident);
		resident += o->resident;
		client_resident[o->client] += o->resident;
		client_objects[o->client]++;
		swap += o->pages * MEM_PAGE;
		assert_true(swap_end(o) <= pool.stats.swap_max);
		for (unsigned k = i + 1; k < MEM_OBJECTS_MAX; k++) {
			const struct mem_object *q = &pool.objects[k];
			if (q->used)
				assert_true(q->swap_base >= swap_end(o) ||
					    swap_end(q) <= o->swap_base);
		}
	}
	for (unsigned c = 0; c < MEM_CLIENTS_MAX; c++) {
		if (!pool.clients[c].used) {
			assert_int_equal(client_objects[c], 0);
			continue;
		}
		clients++;
		assert_int_equal(pool.clients[c].resident, client_resident[c]);
		assert_int_equal(pool.clients[c].objects, client_objects[c]);
		assert_true(pool.clients[c].objects > 0);
	}
	assert_int_equal(pool.resident, resident);
	assert_int_equal(pool.stats.resident_pages, resident);
	assert_int_equal(pool.stats.objects, objects);
	assert_int_equal(pool.stats.clients, clients);
	assert_int_equal(pool.stats.swap_bytes, swap);
}

static struct mem_object *new_object(uint64_t task, uint64_t pages)
{
	struct mem_object *o = NULL;

	assert_int_equal(mem_object_new(&pool, task, pages * MEM_PAGE, &o), 0);
	assert_non_null(o);
	assert_int_equal(o->pages, pages);
	check_pool();
	return o;
}

/* Pages [first, first + n) of o made resident. */
static void resident(struct mem_object *o, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		mem_page_resident(&pool, o, i);
	check_pool();
}

static uint64_t client_resident(const struct mem_object *o)
{
	return pool.clients[o->client].resident;
}

static struct mem_pool before;

/* A refused mem_object_new leaves the pool as it was (a client slot it
 * gave back may keep a stale task id: only a used slot counts) and *out
 * alone. */
static void expect_refused(uint64_t task, uint64_t size, int err)
{
	struct mem_object *o = (struct mem_object *)&before;

	memcpy(&before, &pool, sizeof(pool));
	assert_int_equal(mem_object_new(&pool, task, size, &o), -err);
	assert_ptr_equal(o, (struct mem_object *)&before);
	assert_memory_equal(pool.objects, before.objects, sizeof(pool.objects));
	for (unsigned c = 0; c < MEM_CLIENTS_MAX; c++) {
		assert_int_equal(pool.clients[c].used, before.clients[c].used);
		if (pool.clients[c].used)
			assert_memory_equal(&pool.clients[c],
					    &before.clients[c],
					    sizeof(pool.clients[c]));
	}
	assert_memory_equal(&pool.stats, &before.stats, sizeof(pool.stats));
	assert_int_equal(pool.resident, before.resident);
	assert_int_equal(pool.hand_obj, before.hand_obj);
	assert_int_equal(pool.hand_page, before.hand_page);
	check_pool();
}

static void new_refuses_size_zero_and_over_the_maximum(void **state)
{
	init(100, 100, SWAP_BIG);
	expect_refused(7, 0, ERR_INVALID);
	expect_refused(7, UK_MEM_OBJECT_MAX + 1, ERR_INVALID);
	expect_refused(7, UINT64_MAX, ERR_INVALID);
	assert_int_equal(pool.stats.clients, 0);
	struct mem_object *o = NULL;
	assert_int_equal(mem_object_new(&pool, 7, UK_MEM_OBJECT_MAX, &o), 0);
	assert_int_equal(o->pages, UK_MEM_OBJECT_MAX / MEM_PAGE);
	check_pool();
}

static void new_rounds_up_to_whole_pages(void **state)
{
	struct mem_object *o = NULL;

	init(100, 100, SWAP_BIG);
	assert_int_equal(mem_object_new(&pool, 7, 1, &o), 0);
	assert_int_equal(o->pages, 1);
	assert_int_equal(o->win_off, 0);
	assert_int_equal(o->win_pages, 1);
	assert_int_equal(mem_object_new(&pool, 7, MEM_PAGE + 1, &o), 0);
	assert_int_equal(o->pages, 2);
	assert_int_equal(o->swap_base, MEM_PAGE);
	assert_int_equal(pool.stats.swap_bytes, 3 * MEM_PAGE);
	assert_int_equal(pool.stats.objects, 2);
	assert_int_equal(pool.stats.clients, 1);
	check_pool();
}

static void new_refuses_past_the_objects_limit(void **state)
{
	init(100, 100, SWAP_BIG);
	for (unsigned i = 0; i < MEM_OBJECTS_MAX; i++)
		new_object(1 + i % 3, 1);
	assert_int_equal(pool.stats.objects, MEM_OBJECTS_MAX);
	expect_refused(1, MEM_PAGE, ERR_LIMIT);
	/* A task with no object yet takes no client slot on the way. */
	expect_refused(99, MEM_PAGE, ERR_LIMIT);
	assert_int_equal(pool.stats.clients, 3);
	/* One freed, one fits again. */
	mem_object_free(&pool, &pool.objects[10]);
	check_pool();
	struct mem_object *o = new_object(99, 1);
	assert_ptr_equal(o, &pool.objects[10]);
}

static void new_refuses_past_the_clients_limit(void **state)
{
	init(100, 100, SWAP_BIG);
	for (unsigned t = 0; t < MEM_CLIENTS_MAX; t++)
		new_object(100 + t, 1);
	assert_int_equal(pool.stats.clients, MEM_CLIENTS_MAX);
	expect_refused(100 + MEM_CLIENTS_MAX, MEM_PAGE, ERR_LIMIT);
	/* A known client still gets objects. */
	struct mem_object *o = new_object(100, 2);
	assert_int_equal(pool.clients[o->client].objects, 2);
	/* A client whose last object goes frees its slot for another. */
	mem_object_free(&pool, &pool.objects[5]);
	check_pool();
	assert_int_equal(pool.stats.clients, MEM_CLIENTS_MAX - 1);
	new_object(100 + MEM_CLIENTS_MAX, 1);
	assert_int_equal(pool.stats.clients, MEM_CLIENTS_MAX);
}

static void new_refuses_when_the_swap_space_is_full(void **state)
{
	init(100, 100, 4 * MEM_PAGE);
	new_object(1, 3);
	expect_refused(1, 2 * MEM_PAGE, ERR_LIMIT);
	expect_refused(2, 2 * MEM_PAGE, ERR_LIMIT); /* no client slot taken */
	assert_int_equal(pool.stats.clients, 1);
	struct mem_object *o = new_object(2, 1);
	assert_int_equal(o->swap_base, 3 * MEM_PAGE);
	expect_refused(3, 1, ERR_LIMIT);
	assert_int_equal(pool.stats.swap_bytes, 4 * MEM_PAGE);

	/* No swap space at all: nothing fits. */
	teardown(state);
	init(100, 100, 0);
	expect_refused(1, 1, ERR_LIMIT);
	/* Not a multiple of a page: the last partial page is not usable. */
	init(100, 100, 2 * MEM_PAGE + 100);
	new_object(1, 2);
	expect_refused(1, 1, ERR_LIMIT);
}

static void new_refuses_when_memory_runs_out(void **state)
{
	init(100, 100, SWAP_BIG);
	fail_calloc = true;
	/* A new client's slot is given back. */
	expect_refused(1, MEM_PAGE, ERR_NO_MEMORY);
	assert_int_equal(pool.stats.clients, 0);
	fail_calloc = false;
	struct mem_object *o = new_object(1, 1);
	/* A known client's slot and count stay as they were. */
	fail_calloc = true;
	expect_refused(1, MEM_PAGE, ERR_NO_MEMORY);
	assert_true(pool.clients[o->client].used);
	assert_int_equal(pool.clients[o->client].objects, 1);
	fail_calloc = false;
}

static void swap_extents_are_first_fit_and_reused(void **state)
{
	init(100, 100, 16 * MEM_PAGE);
	struct mem_object *a = new_object(1, 2); /* [0, 2) */
	struct mem_object *b = new_object(1, 3); /* [2, 5) */
	struct mem_object *c = new_object(2, 1); /* [5, 6) */
	assert_int_equal(a->swap_base, 0);
	assert_int_equal(b->swap_base, 2 * MEM_PAGE);
	assert_int_equal(c->swap_base, 5 * MEM_PAGE);

	mem_object_free(&pool, b);
	check_pool();
	struct mem_object *d = new_object(2, 1); /* the hole's start */
	assert_int_equal(d->swap_base, 2 * MEM_PAGE);
	struct mem_object *e = new_object(3, 2); /* the rest of it */
	assert_int_equal(e->swap_base, 3 * MEM_PAGE);
	struct mem_object *f = new_object(3, 1); /* after the last */
	assert_int_equal(f->swap_base, 6 * MEM_PAGE);

	mem_object_free(&pool, a);
	check_pool();
	struct mem_object *g = new_object(3, 3); /* too big for [0, 2) */
	assert_int_equal(g->swap_base, 7 * MEM_PAGE);
	struct mem_object *h = new_object(4, 2); /* exactly [0, 2) */
	assert_int_equal(h->swap_base, 0);
	/* [10, 16) is all that is left. */
	expect_refused(5, 7 * MEM_PAGE, ERR_LIMIT);
	struct mem_object *i = new_object(5, 6);
	assert_int_equal(i->swap_base, 10 * MEM_PAGE);
	expect_refused(5, 1, ERR_LIMIT);
}

/* The lowest page-aligned base where pages would fit, from the objects
 * alone (a brute-force first fit), or UINT64_MAX. */
static uint64_t brute_first_fit(uint64_t pages)
{
	for (uint64_t at = 0; at + pages * MEM_PAGE <= pool.stats.swap_max;
	     at += MEM_PAGE) {
		bool clash = false;
		for (unsigned i = 0; i < MEM_OBJECTS_MAX && !clash; i++) {
			const struct mem_object *o = &pool.objects[i];
			clash = o->used &&
				o->swap_base < at + pages * MEM_PAGE &&
				swap_end(o) > at;
		}
		if (!clash)
			return at;
	}
	return UINT64_MAX;
}

static void swap_extents_never_overlap_under_churn(void **state)
{
	uint32_t seed = 12345;

	init(100, 100, 200 * MEM_PAGE);
	for (unsigned step = 0; step < 3000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 16;
		if (r % 3 == 0) {
			unsigned k = (r / 3) % MEM_OBJECTS_MAX;
			if (pool.objects[k].used)
				mem_object_free(&pool, &pool.objects[k]);
		} else {
			uint64_t pages = 1 + (r / 3) % 12;
			uint64_t want = brute_first_fit(pages);
			struct mem_object *o = NULL;
			int rc = mem_object_new(&pool, 1 + r % 5,
						pages * MEM_PAGE, &o);
			if (want == UINT64_MAX) {
				assert_int_equal(rc, -ERR_LIMIT);
			} else if (rc == 0) {
				assert_int_equal(o->swap_base, want);
			} else {
				/* Only the objects limit may refuse then. */
				assert_int_equal(rc, -ERR_LIMIT);
				assert_int_equal(pool.stats.objects,
						 MEM_OBJECTS_MAX);
			}
		}
		check_pool();
	}
}

static void resident_pages_count_once(void **state)
{
	init(100, 100, SWAP_BIG);
	struct mem_object *a = new_object(1, 100);
	struct mem_object *b = new_object(1, 3);
	struct mem_object *c = new_object(2, 3);

	mem_page_resident(&pool, a, 70);
	mem_page_resident(&pool, a, 70);
	check_pool();
	assert_int_equal(a->resident, 1);
	assert_int_equal(pool.resident, 1);
	mem_page_resident(&pool, a, 100); /* past the end: nothing */
	mem_page_resident(&pool, a, UINT64_MAX);
	check_pool();
	assert_int_equal(pool.stats.resident_pages, 1);

	resident(b, 0, 3);
	resident(c, 1, 2);
	assert_int_equal(client_resident(a), 4);
	assert_int_equal(client_resident(c), 2);
	assert_int_equal(pool.stats.resident_pages, 6);

	/* Only what was resident goes; ranges past the end are cut. */
	mem_pages_gone(&pool, c, 0, 2); /* page 0 was not resident */
	check_pool();
	assert_int_equal(c->resident, 1);
	assert_int_equal(client_resident(c), 1);
	mem_pages_gone(&pool, c, 0, 2); /* again: nothing more */
	check_pool();
	assert_int_equal(c->resident, 1);
	mem_pages_gone(&pool, c, 2, UINT64_MAX);
	mem_pages_gone(&pool, b, 5, 10);
	mem_pages_gone(&pool, a, 60, 10); /* [60, 70): 70 stays */
	check_pool();
	assert_int_equal(c->resident, 0);
	assert_int_equal(b->resident, 3);
	assert_true(mem_bit(a->resident_map, 70));
	mem_pages_gone(&pool, a, 64, 7);
	check_pool();
	assert_int_equal(a->resident, 0);
	assert_int_equal(client_resident(a), 3);
	assert_int_equal(pool.stats.resident_pages, 3);
}

static void over_budget_counts_all_resident_pages(void **state)
{
	init(4, 100, SWAP_BIG);
	struct mem_object *a = new_object(1, 8);
	struct mem_object *b = new_object(2, 8);

	resident(a, 0, 2);
	resident(b, 0, 1);
	assert_false(mem_over_budget(&pool, a));
	assert_false(mem_over_budget(&pool, b));
	resident(b, 1, 1); /* 4 of 4 */
	assert_true(mem_over_budget(&pool, a));
	assert_true(mem_over_budget(&pool, b));
	mem_pages_gone(&pool, a, 0, 1);
	assert_false(mem_over_budget(&pool, a));
	/* A budget of 0 is taken as 1. */
	teardown(state);
	init(0, 0, SWAP_BIG);
	assert_int_equal(pool.stats.budget_pages, 1);
	assert_int_equal(pool.stats.task_budget_pages, 1);
	a = new_object(1, 2);
	assert_false(mem_over_budget(&pool, a));
	resident(a, 0, 1);
	assert_true(mem_over_budget(&pool, a));
}

static void over_budget_counts_each_tasks_pages(void **state)
{
	init(100, 3, SWAP_BIG);
	struct mem_object *a1 = new_object(1, 8);
	struct mem_object *a2 = new_object(1, 8);
	struct mem_object *b = new_object(2, 8);

	resident(a1, 0, 2);
	assert_false(mem_over_budget(&pool, a1));
	resident(a2, 5, 1); /* task 1: 3 of 3, over two objects */
	assert_true(mem_over_budget(&pool, a1));
	assert_true(mem_over_budget(&pool, a2));
	assert_false(mem_over_budget(&pool, b));
	resident(b, 0, 2);
	assert_false(mem_over_budget(&pool, b));
}

static void victim_is_false_when_nothing_is_resident(void **state)
{
	struct mem_object *v = NULL;
	uint64_t first = 99, n = 99;

	init(1, 1, SWAP_BIG);
	assert_false(mem_victim(&pool, &pool.objects[0], &v, &first, &n));
	struct mem_object *a = new_object(1, 8);
	new_object(2, 8);
	assert_false(mem_victim(&pool, a, &v, &first, &n));
	resident(a, 3, 1);
	mem_pages_gone(&pool, a, 3, 1);
	assert_false(mem_victim(&pool, a, &v, &first, &n));
	assert_null(v);
	assert_int_equal(first, 99);
	assert_int_equal(n, 99);
}

/* mem_victim must find one: its run, checked to be resident pages of
 * the victim inside its window. */
static struct mem_object *victim(const struct mem_object *o, uint64_t *first,
				 uint64_t *n)
{
	struct mem_object *v = NULL;

	assert_true(mem_victim(&pool, o, &v, first, n));
	assert_non_null(v);
	assert_true(*n >= 1 && *n <= MEM_EVICT_BATCH);
	assert_true(*first >= v->win_off &&
		    *first + *n <= v->win_off + v->win_pages);
	for (uint64_t i = *first; i < *first + *n; i++)
		assert_true(mem_bit(v->resident_map, i));
	return v;
}

static void victim_at_task_budget_is_the_clients_own(void **state)
{
	uint64_t first, n;

	init(100, 4, SWAP_BIG);
	/* Task 2's pages come first for the clock: objects[0], page 0. */
	struct mem_object *other = new_object(2, 8);
	struct mem_object *mine = new_object(1, 8);
	struct mem_object *mine2 = new_object(1, 8);
	resident(other, 0, 4);
	resident(mine2, 6, 2);
	resident(mine, 2, 2); /* task 1 at its 4 */
	for (unsigned k = 0; k < 4; k++) {
		struct mem_object *v = victim(mine, &first, &n);
		assert_int_equal(v->client, mine->client);
		assert_true(v == mine ? first == 2
				      : (v == mine2 && first == 6));
		assert_int_equal(n, 2);
	}
	/* Task 2 at its budget too: its own, not task 1's. */
	struct mem_object *v = victim(other, &first, &n);
	assert_ptr_equal(v, other);
	/* Task 1 below its budget: whichever the clock reaches next. */
	mem_pages_gone(&pool, mine2, 0, 8);
	check_pool();
	bool saw_other = false;
	for (unsigned k = 0; k < 3; k++)
		saw_other |= victim(mine, &first, &n) == other;
	assert_true(saw_other);
}

static void victim_runs_are_at_most_a_batch(void **state)
{
	uint64_t first, n;

	init(1000, 1000, SWAP_BIG);
	struct mem_object *a = new_object(1, 40);
	resident(a, 0, 40);
	assert_ptr_equal(victim(a, &first, &n), a);
	assert_int_equal(first, 0);
	assert_int_equal(n, MEM_EVICT_BATCH);
	assert_ptr_equal(victim(a, &first, &n), a);
	assert_int_equal(first, MEM_EVICT_BATCH);
	assert_int_equal(n, MEM_EVICT_BATCH);
	assert_ptr_equal(victim(a, &first, &n), a);
	assert_int_equal(first, 2 * MEM_EVICT_BATCH);
	assert_int_equal(n, 40 - 2 * MEM_EVICT_BATCH);
	/* Round again from the start. */
	assert_ptr_equal(victim(a, &first, &n), a);
	assert_int_equal(first, 0);
	assert_int_equal(n, MEM_EVICT_BATCH);
}

static void victim_runs_are_contiguous_resident_pages(void **state)
{
	uint64_t first, n;

	init(1000, 1000, SWAP_BIG);
	struct mem_object *a = new_object(1, 200);
	resident(a, 1, 3);
	resident(a, 5, 1);
	resident(a, 63, 2);  /* across a word of the map */
	resident(a, 199, 1); /* the last page */
	uint64_t want[][2] = {{1, 3}, {5, 1}, {63, 2}, {199, 1}, {1, 3}};
	for (unsigned k = 0; k < 5; k++) {
		victim(a, &first, &n);
		assert_int_equal(first, want[k][0]);
		assert_int_equal(n, want[k][1]);
	}
}

static void victim_stays_inside_the_window(void **state)
{
	uint64_t first, n;

	init(1000, 1000, SWAP_BIG);
	struct mem_object *a = new_object(1, 100);
	resident(a, 0, 100);
	/* A window of 10 pages from page 8: never 0-7 or 18 on. */
	a->win_off = 8;
	a->win_pages = 10;
	for (unsigned k = 0; k < 3; k++) {
		victim(a, &first, &n);
		assert_int_equal(first, 8);
		assert_int_equal(n, 10);
	}
	/* A window of 20 from page 70: batches inside it. */
	a->win_off = 70;
	a->win_pages = 20;
	victim(a, &first, &n);
	assert_int_equal(first, 70);
	assert_int_equal(n, MEM_EVICT_BATCH);
	victim(a, &first, &n);
	assert_int_equal(first, 70 + MEM_EVICT_BATCH);
	assert_int_equal(n, 20 - MEM_EVICT_BATCH);
	/* A window past the object's end: cut at the end. */
	a->win_off = 95;
	a->win_pages = 50;
	victim(a, &first, &n);
	assert_int_equal(first, 95);
	assert_int_equal(n, 5);
	/* Nothing resident inside the window: nothing to take. */
	mem_pages_gone(&pool, a, 95, 5);
	struct mem_object *v = NULL;
	assert_false(mem_victim(&pool, a, &v, &first, &n));
	/* Pages resident past the window only. */
	a->win_off = 0;
	a->win_pages = 95;
	mem_pages_gone(&pool, a, 0, 95);
	resident(a, 95, 5);
	assert_false(mem_victim(&pool, a, &v, &first, &n));
}

static void victim_clock_sweeps_everything_before_revisiting(void **state)
{
	uint64_t first, n;

	init(1000, 1000, SWAP_BIG);
	struct mem_object *a = new_object(1, 40);
	struct mem_object *b = new_object(2, 10);
	struct mem_object *c = new_object(3, 70);
	resident(a, 0, 20);  /* two runs: 16 + 4 */
	resident(b, 2, 1);   /* one */
	resident(c, 60, 10); /* one */
	resident(c, 3, 1);   /* one, before the other */
	struct {
		struct mem_object *v;
		uint64_t first, n;
	} seen[5];
	for (unsigned k = 0; k < 5; k++) {
		seen[k].v = victim(a, &seen[k].first, &seen[k].n);
		for (unsigned j = 0; j < k; j++)
			assert_false(seen[j].v == seen[k].v &&
				     seen[j].first == seen[k].first);
	}
	uint64_t pages = 0;
	for (unsigned k = 0; k < 5; k++)
		pages += seen[k].n;
	assert_int_equal(pages, pool.resident);
	/* The sixth is the first again, and the round repeats. */
	for (unsigned k = 0; k < 5; k++) {
		assert_ptr_equal(victim(a, &first, &n), seen[k].v);
		assert_int_equal(first, seen[k].first);
		assert_int_equal(n, seen[k].n);
	}
	/* A page made resident behind the hand (in its own object) waits
	 * until the others had their turn. */
	assert_ptr_equal(seen[4].v, c);
	resident(c, 5, 1);
	for (unsigned k = 0; k < 4; k++) {
		assert_ptr_equal(victim(a, &first, &n), seen[k].v);
		assert_int_equal(first, seen[k].first);
	}
	assert_ptr_equal(victim(a, &first, &n), c);
	assert_int_equal(first, 5);
}

static void victim_and_gone_empty_the_pool(void **state)
{
	uint64_t first, n;
	unsigned rounds = 0;

	init(1000, 1000, SWAP_BIG);
	struct mem_object *a = new_object(1, 300);
	struct mem_object *b = new_object(2, 50);
	resident(a, 0, 300);
	resident(b, 10, 30);
	struct mem_object *v;
	while (pool.resident) {
		v = victim(a, &first, &n);
		mem_pages_gone(&pool, v, first, n);
		check_pool();
		assert_true(++rounds <= (300 + 30) / MEM_EVICT_BATCH + 2);
	}
	assert_false(mem_victim(&pool, a, &v, &first, &n));
	assert_int_equal(a->resident, 0);
	assert_int_equal(b->resident, 0);
}

static void free_gives_back_pages_and_the_client_slot(void **state)
{
	init(1000, 1000, SWAP_BIG);
	struct mem_object *a1 = new_object(1, 10);
	struct mem_object *a2 = new_object(1, 10);
	struct mem_object *b = new_object(2, 10);
	a1->port = 0x101;
	a2->port = 0x102;
	b->port = 0x103;
	resident(a1, 0, 4);
	resident(a2, 0, 3);
	resident(b, 0, 2);
	unsigned slot = a1->client;

	assert_ptr_equal(mem_object_by_port(&pool, 0x102), a2);
	mem_object_free(&pool, a2);
	check_pool();
	assert_null(mem_object_by_port(&pool, 0x102));
	assert_int_equal(pool.clients[slot].resident, 4);
	assert_int_equal(pool.stats.resident_pages, 6);
	assert_true(pool.clients[slot].used);
	assert_int_equal(pool.stats.clients, 2);

	mem_object_free(&pool, a1);
	check_pool();
	assert_false(pool.clients[slot].used);
	assert_int_equal(pool.stats.clients, 1);
	assert_int_equal(pool.stats.resident_pages, 2);
	assert_int_equal(pool.stats.swap_bytes, 10 * MEM_PAGE);
	/* The slot is another task's now, with nothing carried over. */
	struct mem_object *c = new_object(3, 1);
	assert_int_equal(c->client, slot);
	assert_int_equal(pool.clients[slot].task, 3);
	assert_int_equal(pool.clients[slot].resident, 0);
	assert_ptr_equal(mem_object_by_port(&pool, 0x103), b);
	assert_null(mem_object_by_port(&pool, 0x999));
}

#define TEST(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(new_refuses_size_zero_and_over_the_maximum),
	    TEST(new_rounds_up_to_whole_pages),
	    TEST(new_refuses_past_the_objects_limit),
	    TEST(new_refuses_past_the_clients_limit),
	    TEST(new_refuses_when_the_swap_space_is_full),
	    TEST(new_refuses_when_memory_runs_out),
	    TEST(swap_extents_are_first_fit_and_reused),
	    TEST(swap_extents_never_overlap_under_churn),
	    TEST(resident_pages_count_once),
	    TEST(over_budget_counts_all_resident_pages),
	    TEST(over_budget_counts_each_tasks_pages),
	    TEST(victim_is_false_when_nothing_is_resident),
	    TEST(victim_at_task_budget_is_the_clients_own),
	    TEST(victim_runs_are_at_most_a_batch),
	    TEST(victim_runs_are_contiguous_resident_pages),
	    TEST(victim_stays_inside_the_window),
	    TEST(victim_clock_sweeps_everything_before_revisiting),
	    TEST(victim_and_gone_empty_the_pool),
	    TEST(free_gives_back_pages_and_the_client_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
