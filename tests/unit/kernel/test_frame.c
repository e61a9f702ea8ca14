/* SPDX-License-Identifier: MIT */
/*
 * Bitmap frame allocator: building the free set from a memory map (add
 * rounds inward, reserve rounds outward), single and contiguous allocation,
 * frees that must be refused, and the counters against a shadow model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "frame.h"

#define NFRAMES 256 /* four bitmap words */
#define F(n) ((uint64_t)(n)*FRAME_SIZE)

static uint64_t bitmap[NFRAMES / 64];
static struct frame_allocator fa;

/* Frames free in the bitmap, counted the slow way. */
static uint64_t count_free(void)
{
	uint64_t n = 0;

	for (uint64_t f = 0; f < fa.nframes; f++)
		n += frame_is_free(&fa, F(f));
	return n;
}

static void assert_counts(uint64_t total, uint64_t nfree)
{
	assert_int_equal(fa.total, total);
	assert_int_equal(fa.free, nfree);
	assert_int_equal(count_free(), nfree);
}

static int setup(void **state)
{
	frame_init(&fa, bitmap, NFRAMES);
	return 0;
}

static void frame_init_marks_every_frame_in_use(void **state)
{
	uint64_t phys;

	assert_counts(0, 0);
	assert_false(frame_alloc(&fa, &phys));
	assert_false(frame_alloc_contiguous(&fa, 1, 1, &phys));
}

static void frame_add_range_makes_whole_frames_free(void **state)
{
	frame_add_range(&fa, F(16), F(32));
	assert_counts(16, 16);
	assert_false(frame_is_free(&fa, F(15)));
	assert_true(frame_is_free(&fa, F(16)));
	assert_true(frame_is_free(&fa, F(31)));
	assert_false(frame_is_free(&fa, F(32)));
}

static void frame_add_range_rounds_unaligned_bounds_inward(void **state)
{
	/* [0x1001, 0x4fff) wholly contains only frames 2 and 3. */
	frame_add_range(&fa, F(1) + 1, F(5) - 1);
	assert_counts(2, 2);
	assert_false(frame_is_free(&fa, F(1)));
	assert_true(frame_is_free(&fa, F(2)));
	assert_true(frame_is_free(&fa, F(3)));
	assert_false(frame_is_free(&fa, F(4)));
}

static void frame_add_range_ignores_range_inside_one_frame(void **state)
{
	frame_add_range(&fa, F(5) + 1, F(6) - 1);
	frame_add_range(&fa, F(7) + 100, F(8));
	assert_counts(0, 0);
}

static void frame_add_range_ignores_empty_and_inverted_ranges(void **state)
{
	frame_add_range(&fa, F(8), F(8));
	frame_add_range(&fa, F(9), F(3));
	assert_counts(0, 0);
}

static void frame_add_range_clips_frames_past_nframes(void **state)
{
	frame_add_range(&fa, F(NFRAMES - 4), F(NFRAMES + 100));
	assert_counts(4, 4);
	assert_false(frame_is_free(&fa, F(NFRAMES)));
	frame_add_range(&fa, F(NFRAMES + 1), F(NFRAMES + 10));
	assert_counts(4, 4);
}

static void
frame_add_range_survives_bounds_near_top_of_address_space(void **state)
{
	frame_add_range(&fa, UINT64_MAX - 10, UINT64_MAX);
	frame_add_range(&fa, F(NFRAMES - 1), UINT64_MAX);
	assert_counts(1, 1);
}

static void frame_add_range_counts_overlapping_ranges_once(void **state)
{
	frame_add_range(&fa, F(0), F(10));
	frame_add_range(&fa, F(5), F(15));
	assert_counts(15, 15);
}

static void frame_reserve_range_rounds_outward(void **state)
{
	frame_add_range(&fa, F(0), F(64));
	frame_reserve_range(&fa, F(2) - 1, F(3) + 1);
	assert_counts(61, 61);
	assert_true(frame_is_free(&fa, F(0)));
	assert_false(frame_is_free(&fa, F(1)));
	assert_false(frame_is_free(&fa, F(2)));
	assert_false(frame_is_free(&fa, F(3)));
	assert_true(frame_is_free(&fa, F(4)));
}

static void frame_reserve_range_of_one_byte_reserves_its_frame(void **state)
{
	frame_add_range(&fa, F(0), F(8));
	frame_reserve_range(&fa, F(5) + 7, F(5) + 8);
	assert_counts(7, 7);
	assert_false(frame_is_free(&fa, F(5)));
}

static void frame_reserve_range_ignores_empty_and_inverted_ranges(void **state)
{
	frame_add_range(&fa, F(0), F(8));
	frame_reserve_range(&fa, F(3), F(3));
	frame_reserve_range(&fa, F(6), F(2));
	assert_counts(8, 8);
}

static void frame_reserve_range_clips_frames_past_nframes(void **state)
{
	frame_add_range(&fa, F(0), F(NFRAMES));
	frame_reserve_range(&fa, F(NFRAMES - 2), F(NFRAMES + 50));
	assert_counts(NFRAMES - 2, NFRAMES - 2);
	frame_reserve_range(&fa, F(NFRAMES - 3), UINT64_MAX);
	assert_counts(NFRAMES - 3, NFRAMES - 3);
	frame_reserve_range(&fa, F(NFRAMES + 5), F(NFRAMES + 9));
	assert_counts(NFRAMES - 3, NFRAMES - 3);
}

static void frame_reserve_range_of_unavailable_frames_keeps_counts(void **state)
{
	frame_add_range(&fa, F(10), F(20));
	frame_reserve_range(&fa, F(0), F(10));
	frame_reserve_range(&fa, F(20), F(40));
	assert_counts(10, 10);
}

static void frame_alloc_returns_each_free_frame_once(void **state)
{
	bool seen[NFRAMES] = {false};
	uint64_t phys;

	frame_add_range(&fa, F(3), F(40));
	frame_add_range(&fa, F(100), F(200));
	for (int i = 0; i < 137; i++) {
		assert_true(frame_alloc(&fa, &phys));
		assert_int_equal(phys % FRAME_SIZE, 0);
		uint64_t f = phys / FRAME_SIZE;
		assert_true((f >= 3 && f < 40) || (f >= 100 && f < 200));
		assert_false(seen[f]);
		seen[f] = true;
		assert_false(frame_is_free(&fa, phys));
	}
	assert_counts(137, 0);
}

static void frame_alloc_returns_false_when_exhausted(void **state)
{
	uint64_t phys, untouched = 0x1234;

	frame_add_range(&fa, F(0), F(2));
	assert_true(frame_alloc(&fa, &phys));
	assert_true(frame_alloc(&fa, &phys));
	phys = untouched;
	assert_false(frame_alloc(&fa, &phys));
	assert_int_equal(phys, untouched);
	assert_counts(2, 0);
}

static void frame_alloc_never_returns_reserved_frame(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(NFRAMES));
	frame_reserve_range(&fa, F(64), F(128));
	while (frame_alloc(&fa, &phys))
		assert_true(phys < F(64) || phys >= F(128));
	assert_counts(NFRAMES - 64, 0);
}

static void
frame_alloc_stays_below_nframes_that_is_not_a_word_multiple(void **state)
{
	uint64_t phys;
	int n = 0;

	frame_init(&fa, bitmap, 70);
	frame_add_range(&fa, 0, UINT64_MAX);
	assert_counts(70, 70);
	while (frame_alloc(&fa, &phys)) {
		assert_true(phys < F(70));
		n++;
	}
	assert_int_equal(n, 70);
}

static void
frame_alloc_wraps_around_to_frames_added_below_the_hint(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(192), F(194));
	assert_true(frame_alloc(&fa, &phys));
	assert_int_equal(phys, F(192));
	frame_add_range(&fa, F(7), F(8));
	assert_true(frame_alloc(&fa, &phys));
	assert_int_equal(phys, F(193));
	assert_true(frame_alloc(&fa, &phys));
	assert_int_equal(phys, F(7));
	assert_false(frame_alloc(&fa, &phys));
}

static void frame_free_makes_frame_allocatable_again(void **state)
{
	uint64_t phys, again;

	frame_add_range(&fa, F(0), F(1));
	assert_true(frame_alloc(&fa, &phys));
	assert_true(frame_free(&fa, phys));
	assert_true(frame_is_free(&fa, phys));
	assert_counts(1, 1);
	assert_true(frame_alloc(&fa, &again));
	assert_int_equal(again, phys);
}

static void frame_free_reuses_freed_low_frame_first(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(NFRAMES));
	for (int i = 0; i < 200; i++)
		assert_true(frame_alloc(&fa, &phys));
	assert_int_equal(phys, F(199));
	assert_true(frame_free(&fa, F(5)));
	assert_true(frame_alloc(&fa, &phys));
	assert_int_equal(phys, F(5));
	assert_true(frame_alloc(&fa, &phys));
	assert_int_equal(phys, F(200));
}

static void frame_free_twice_returns_false(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(4));
	assert_true(frame_alloc(&fa, &phys));
	assert_true(frame_free(&fa, phys));
	assert_false(frame_free(&fa, phys));
	assert_counts(4, 4);
}

static void frame_free_of_never_allocated_free_frame_returns_false(void **state)
{
	frame_add_range(&fa, F(0), F(4));
	assert_false(frame_free(&fa, F(2)));
	assert_counts(4, 4);
}

static void frame_free_unaligned_address_returns_false(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(4));
	assert_true(frame_alloc(&fa, &phys));
	assert_false(frame_free(&fa, phys + 1));
	assert_false(frame_free(&fa, phys + FRAME_SIZE - 1));
	assert_false(frame_is_free(&fa, phys));
	assert_counts(4, 3);
}

static void frame_free_out_of_range_returns_false(void **state)
{
	frame_add_range(&fa, F(0), F(4));
	assert_false(frame_free(&fa, F(NFRAMES)));
	assert_false(frame_free(&fa, F(NFRAMES + 1000)));
	assert_false(frame_free(&fa, UINT64_MAX & ~(uint64_t)(FRAME_SIZE - 1)));
	assert_counts(4, 4);
}

static void frame_is_free_is_false_past_nframes(void **state)
{
	frame_add_range(&fa, F(0), F(NFRAMES));
	assert_false(frame_is_free(&fa, F(NFRAMES)));
	assert_false(frame_is_free(&fa, UINT64_MAX));
}

static void frame_alloc_contiguous_returns_aligned_free_run(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(1), F(40));
	assert_true(frame_alloc_contiguous(&fa, 4, 8, &phys));
	assert_int_equal(phys, F(8));
	for (int i = 8; i < 12; i++)
		assert_false(frame_is_free(&fa, F(i)));
	assert_true(frame_is_free(&fa, F(12)));
	assert_counts(39, 35);
}

static void
frame_alloc_contiguous_skips_runs_containing_a_used_frame(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(32));
	frame_reserve_range(&fa, F(3), F(4));
	frame_reserve_range(&fa, F(9), F(10));
	assert_true(frame_alloc_contiguous(&fa, 5, 1, &phys));
	assert_int_equal(phys, F(4));
	assert_true(frame_alloc_contiguous(&fa, 3, 1, &phys));
	assert_int_equal(phys, F(0));
	assert_true(frame_alloc_contiguous(&fa, 16, 16, &phys));
	assert_int_equal(phys, F(16));
}

static void frame_alloc_contiguous_returns_false_when_no_run_fits(void **state)
{
	uint64_t phys, untouched = 0x5678;

	frame_add_range(&fa, F(0), F(64));
	for (int i = 0; i < 64; i += 4)
		frame_reserve_range(&fa, F(i), F(i + 1));
	phys = untouched;
	assert_false(frame_alloc_contiguous(&fa, 4, 1, &phys));
	assert_int_equal(phys, untouched);
	assert_counts(48, 48);
	assert_true(frame_alloc_contiguous(&fa, 3, 1, &phys));
	assert_int_equal(phys, F(1));
}

static void frame_alloc_contiguous_rejects_bad_arguments(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(NFRAMES));
	assert_false(frame_alloc_contiguous(&fa, 0, 1, &phys));
	assert_false(frame_alloc_contiguous(&fa, 1, 0, &phys));
	assert_false(frame_alloc_contiguous(&fa, 1, 3, &phys));
	assert_false(frame_alloc_contiguous(&fa, 1, 12, &phys));
	assert_false(frame_alloc_contiguous(&fa, NFRAMES + 1, 1, &phys));
	assert_false(frame_alloc_contiguous(&fa, UINT64_MAX, 1, &phys));
	assert_counts(NFRAMES, NFRAMES);
}

static void frame_alloc_contiguous_can_take_every_frame(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(NFRAMES));
	assert_true(frame_alloc_contiguous(&fa, NFRAMES, NFRAMES, &phys));
	assert_int_equal(phys, 0);
	assert_counts(NFRAMES, 0);
	assert_false(frame_alloc(&fa, &phys));
}

static void frame_alloc_contiguous_frames_can_be_freed_one_by_one(void **state)
{
	uint64_t phys;

	frame_add_range(&fa, F(0), F(16));
	assert_true(frame_alloc_contiguous(&fa, 4, 4, &phys));
	for (int i = 0; i < 4; i++)
		assert_true(frame_free(&fa, phys + F(i)));
	assert_counts(16, 16);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void frame_counters_match_a_shadow_model_under_random_use(void **state)
{
	bool used[NFRAMES];
	uint64_t phys;

	frame_add_range(&fa, F(0), F(NFRAMES));
	frame_reserve_range(&fa, F(30), F(50));
	for (int f = 0; f < NFRAMES; f++)
		used[f] = f >= 30 && f < 50;
	for (int step = 0; step < 20000; step++) {
		uint64_t r = rng();
		if (r % 3 == 0) {
			/* Reserved frames are never handed out, so never
			 * freed; the bitmap cannot tell them apart. */
			uint64_t f = (r >> 8) % NFRAMES;
			if (f >= 30 && f < 50)
				continue;
			assert_int_equal(frame_free(&fa, F(f)), used[f]);
			used[f] = false;
		} else if (r % 3 == 1) {
			if (frame_alloc(&fa, &phys)) {
				assert_false(used[phys / FRAME_SIZE]);
				used[phys / FRAME_SIZE] = true;
			} else {
				assert_int_equal(fa.free, 0);
			}
		} else {
			uint64_t count = 1 + (r >> 8) % 5;
			uint64_t align = 1ull << ((r >> 16) % 4);
			if (frame_alloc_contiguous(&fa, count, align, &phys)) {
				assert_int_equal(phys % F(align), 0);
				for (uint64_t i = 0; i < count; i++) {
					assert_false(
					    used[phys / FRAME_SIZE + i]);
					used[phys / FRAME_SIZE + i] = true;
				}
			}
		}
		uint64_t nfree = 0;
		for (int f = 0; f < NFRAMES; f++)
			nfree += !used[f];
		assert_int_equal(fa.free, nfree);
		assert_int_equal(fa.total, NFRAMES - 20);
	}
	assert_counts(NFRAMES - 20, fa.free);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(frame_init_marks_every_frame_in_use),
	    T(frame_add_range_makes_whole_frames_free),
	    T(frame_add_range_rounds_unaligned_bounds_inward),
	    T(frame_add_range_ignores_range_inside_one_frame),
	    T(frame_add_range_ignores_empty_and_inverted_ranges),
	    T(frame_add_range_clips_frames_past_nframes),
	    T(frame_add_range_survives_bounds_near_top_of_address_space),
	    T(frame_add_range_counts_overlapping_ranges_once),
	    T(frame_reserve_range_rounds_outward),
	    T(frame_reserve_range_of_one_byte_reserves_its_frame),
	    T(frame_reserve_range_ignores_empty_and_inverted_ranges),
	    T(frame_reserve_range_clips_frames_past_nframes),
	    T(frame_reserve_range_of_unavailable_frames_keeps_counts),
	    T(frame_alloc_returns_each_free_frame_once),
	    T(frame_alloc_returns_false_when_exhausted),
	    T(frame_alloc_never_returns_reserved_frame),
	    T(frame_alloc_stays_below_nframes_that_is_not_a_word_multiple),
	    T(frame_alloc_wraps_around_to_frames_added_below_the_hint),
	    T(frame_free_makes_frame_allocatable_again),
	    T(frame_free_reuses_freed_low_frame_first),
	    T(frame_free_twice_returns_false),
	    T(frame_free_of_never_allocated_free_frame_returns_false),
	    T(frame_free_unaligned_address_returns_false),
	    T(frame_free_out_of_range_returns_false),
	    T(frame_is_free_is_false_past_nframes),
	    T(frame_alloc_contiguous_returns_aligned_free_run),
	    T(frame_alloc_contiguous_skips_runs_containing_a_used_frame),
	    T(frame_alloc_contiguous_returns_false_when_no_run_fits),
	    T(frame_alloc_contiguous_rejects_bad_arguments),
	    T(frame_alloc_contiguous_can_take_every_frame),
	    T(frame_alloc_contiguous_frames_can_be_freed_one_by_one),
	    T(frame_counters_match_a_shadow_model_under_random_use),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
