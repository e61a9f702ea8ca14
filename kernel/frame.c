/* SPDX-License-Identifier: MIT */
/* Bitmap frame allocator (see frame.h). Searches word-wise from a hint. */
#include "frame.h"

/* Portable popcount: the kernel is built without -mpopcnt or libgcc. */
static uint64_t count_bits(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (v * 0x0101010101010101ull) >> 56;
}

static void set_bit(struct frame_allocator *fa, uint64_t frame)
{
	fa->bitmap[frame / 64] |= 1ull << (frame % 64);
}

static void clear_bit(struct frame_allocator *fa, uint64_t frame)
{
	fa->bitmap[frame / 64] &= ~(1ull << (frame % 64));
}

static bool test_bit(const struct frame_allocator *fa, uint64_t frame)
{
	return fa->bitmap[frame / 64] & (1ull << (frame % 64));
}

void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t nframes)
{
	fa->bitmap = bitmap;
	fa->nframes = nframes;
	fa->total = 0;
	fa->free = 0;
	fa->hint = 0;
	for (uint64_t i = 0; i < (nframes + 63) / 64; i++)
		bitmap[i] = ~0ull;
}

void frame_add_range(struct frame_allocator *fa, uint64_t start, uint64_t end)
{
	uint64_t first = (start + FRAME_SIZE - 1) >> FRAME_SHIFT;
	uint64_t last = end >> FRAME_SHIFT; /* exclusive */

	if (end < start || start > UINT64_MAX - FRAME_SIZE)
		return;
	if (last > fa->nframes)
		last = fa->nframes;
	for (uint64_t f = first; f < last;) {
		if (f % 64 == 0 && last - f >= 64) {
			/* A whole word at a time: boot adds all of memory. */
			uint64_t used = count_bits(fa->bitmap[f / 64]);
			fa->bitmap[f / 64] = 0;
			fa->free += used;
			fa->total += used;
			f += 64;
			continue;
		}
		if (test_bit(fa, f)) {
			clear_bit(fa, f);
			fa->free++;
			fa->total++;
		}
		f++;
	}
}

void frame_reserve_range(struct frame_allocator *fa, uint64_t start,
			 uint64_t end)
{
	uint64_t first = start >> FRAME_SHIFT;
	uint64_t last;

	if (end <= start)
		return;
	last = end > UINT64_MAX - FRAME_SIZE ? fa->nframes
					     : (end + FRAME_SIZE - 1) >> FRAME_SHIFT;
	if (last > fa->nframes)
		last = fa->nframes;
	for (uint64_t f = first; f < last; f++) {
		if (!test_bit(fa, f)) {
			set_bit(fa, f);
			fa->free--;
			fa->total--;
		}
	}
}

bool frame_alloc(struct frame_allocator *fa, uint64_t *phys)
{
	uint64_t words = (fa->nframes + 63) / 64;

	if (fa->free == 0)
		return false;
	for (uint64_t n = 0; n < words; n++) {
		uint64_t w = (fa->hint + n) % words;
		uint64_t bits = fa->bitmap[w];
		if (bits == ~0ull)
			continue;
		uint64_t f = w * 64 + (uint64_t)__builtin_ctzll(~bits);
		if (f >= fa->nframes)
			continue;
		set_bit(fa, f);
		fa->free--;
		fa->hint = w;
		*phys = f << FRAME_SHIFT;
		return true;
	}
	return false;
}

bool frame_alloc_contiguous(struct frame_allocator *fa, uint64_t count,
			    uint64_t align_frames, uint64_t *phys)
{
	if (count == 0 || align_frames == 0 ||
	    (align_frames & (align_frames - 1)) || count > fa->free)
		return false;
	for (uint64_t start = 0; start + count <= fa->nframes;
	     start += align_frames) {
		uint64_t i;
		for (i = 0; i < count; i++)
			if (test_bit(fa, start + i))
				break;
		if (i < count)
			continue;
		for (i = 0; i < count; i++)
			set_bit(fa, start + i);
		fa->free -= count;
		*phys = start << FRAME_SHIFT;
		return true;
	}
	return false;
}

bool frame_free(struct frame_allocator *fa, uint64_t phys)
{
	uint64_t f = phys >> FRAME_SHIFT;

	if (phys & (FRAME_SIZE - 1) || f >= fa->nframes || !test_bit(fa, f))
		return false;
	clear_bit(fa, f);
	fa->free++;
	if (f / 64 < fa->hint)
		fa->hint = f / 64;
	return true;
}

bool frame_is_free(const struct frame_allocator *fa, uint64_t phys)
{
	uint64_t f = phys >> FRAME_SHIFT;

	return f < fa->nframes && !test_bit(fa, f);
}
