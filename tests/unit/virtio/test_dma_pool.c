/* SPDX-License-Identifier: MIT */
/*
 * The DMA bounce pool (lib/virtio/dma_pool.c): runs are contiguous, never
 * overlap, come back whole, and a full or fragmented pool says no instead
 * of handing out memory twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <virtio/dma_pool.h>

#define POOL (64u * DMA_POOL_UNIT)
#define PHYS 0x200000ull

static uint8_t mem[POOL];
static uint64_t bitmap[2];
static struct dma_pool pool;

static int setup(void **state)
{
	dma_pool_init(&pool, mem, PHYS, POOL, bitmap);
	return 0;
}

static void physical_address_follows_the_virtual_one(void **state)
{
	uint64_t phys;
	uint8_t *a = dma_pool_alloc(&pool, 1, &phys);

	assert_non_null(a);
	assert_int_equal(phys - PHYS, a - mem);
	uint8_t *b = dma_pool_alloc(&pool, 1000, &phys);
	assert_int_equal(phys - PHYS, b - mem);
	assert_int_equal(b - a, DMA_POOL_UNIT); /* 1 byte takes one unit */
	assert_int_equal(pool.free_units, 64 - 1 - 2);
}

static void zero_bytes_and_too_much_are_refused(void **state)
{
	uint64_t phys;

	assert_null(dma_pool_alloc(&pool, 0, &phys));
	assert_null(dma_pool_alloc(&pool, POOL + 1, &phys));
	assert_non_null(dma_pool_alloc(&pool, POOL, &phys));
	assert_null(dma_pool_alloc(&pool, 1, &phys));
	assert_int_equal(pool.free_units, 0);
}

static void a_fragmented_pool_refuses_a_run_that_does_not_fit(void **state)
{
	uint64_t phys;
	void *p[64];

	for (unsigned i = 0; i < 64; i++)
		p[i] = dma_pool_alloc(&pool, DMA_POOL_UNIT, &phys);
	for (unsigned i = 0; i < 64; i += 2)
		dma_pool_free(&pool, p[i], DMA_POOL_UNIT);
	assert_int_equal(pool.free_units, 32);
	assert_null(dma_pool_alloc(&pool, 2 * DMA_POOL_UNIT, &phys));
	dma_pool_free(&pool, p[31], DMA_POOL_UNIT); /* 30, 31, 32 free */
	uint8_t *r = dma_pool_alloc(&pool, 3 * DMA_POOL_UNIT, &phys);
	assert_ptr_equal(r, p[30]);
}

static void a_run_is_found_before_the_hint(void **state)
{
	uint64_t phys;
	void *a = dma_pool_alloc(&pool, 8 * DMA_POOL_UNIT, &phys);
	void *b = dma_pool_alloc(&pool, 56 * DMA_POOL_UNIT, &phys);

	assert_non_null(a);
	assert_non_null(b);
	dma_pool_free(&pool, a, 8 * DMA_POOL_UNIT);
	/* The hint is at the end now; the free run is at the start. */
	assert_ptr_equal(dma_pool_alloc(&pool, 8 * DMA_POOL_UNIT, &phys), a);
}

/* Random allocations and frees against a model of who owns each byte. */
static void random_use_never_hands_out_memory_twice(void **state)
{
	static int16_t owner[POOL];
	struct {
		uint8_t *p;
		size_t n;
	} live[32] = {0};
	unsigned seed = 4242;

	memset(owner, -1, sizeof(owner));
	for (unsigned step = 0; step < 100000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned k = (seed >> 16) % 32;
		if (live[k].p) {
			for (size_t i = 0; i < live[k].n; i++)
				owner[live[k].p - mem + i] = -1;
			dma_pool_free(&pool, live[k].p, live[k].n);
			live[k].p = NULL;
			continue;
		}
		size_t n = 1 + (seed >> 8) % (8 * DMA_POOL_UNIT);
		uint64_t phys;
		uint8_t *p = dma_pool_alloc(&pool, n, &phys);
		if (!p)
			continue;
		assert_true(p >= mem && p + n <= mem + POOL);
		assert_int_equal(phys - PHYS, p - mem);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(owner[p - mem + i], -1);
			owner[p - mem + i] = (int16_t)k;
		}
		live[k].p = p;
		live[k].n = n;
	}
	for (unsigned k = 0; k < 32; k++)
		if (live[k].p)
			dma_pool_free(&pool, live[k].p, live[k].n);
	assert_int_equal(pool.free_units, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(physical_address_follows_the_virtual_one,
				   setup),
	    cmocka_unit_test_setup(zero_bytes_and_too_much_are_refused, setup),
	    cmocka_unit_test_setup(
		a_fragmented_pool_refuses_a_run_that_does_not_fit, setup),
	    cmocka_unit_test_setup(a_run_is_found_before_the_hint, setup),
	    cmocka_unit_test_setup(random_use_never_hands_out_memory_twice,
				   setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
