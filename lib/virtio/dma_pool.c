/* SPDX-License-Identifier: MIT */
/*
 * First-fit allocation of unit runs from a bitmap (see dma_pool.h). The
 * search starts at a rotating hint so short-lived buffers do not all pile
 * up at the front, and wraps once.
 */
#include <virtio/dma_pool.h>

static int used(const struct dma_pool *p, uint32_t u)
{
	return (int)((p->bitmap[u / 64] >> (u % 64)) & 1);
}

static void mark(struct dma_pool *p, uint32_t first, uint32_t n, int set)
{
	for (uint32_t u = first; u < first + n; u++) {
		if (set)
			p->bitmap[u / 64] |= 1ull << (u % 64);
		else
			p->bitmap[u / 64] &= ~(1ull << (u % 64));
	}
}

void dma_pool_init(struct dma_pool *p, void *base, uint64_t phys, size_t bytes,
		   uint64_t *bitmap)
{
	p->base = base;
	p->phys = phys;
	p->units = (uint32_t)(bytes / DMA_POOL_UNIT);
	p->free_units = p->units;
	p->hint = 0;
	p->bitmap = bitmap;
	for (size_t i = 0; i < dma_pool_bitmap_words(bytes); i++)
		bitmap[i] = 0;
}

/* The first free run of n units in [from, to), or UINT32_MAX. */
static uint32_t find_run(const struct dma_pool *p, uint32_t n, uint32_t from,
			 uint32_t to)
{
	uint32_t run = 0;

	for (uint32_t u = from; u < to; u++) {
		if (!(u % 64) && u + 64 <= to && p->bitmap[u / 64] == ~0ull) {
			run = 0;
			u += 63; /* a full word: skip it */
			continue;
		}
		run = used(p, u) ? 0 : run + 1;
		if (run == n)
			return u + 1 - n;
	}
	return UINT32_MAX;
}

void *dma_pool_alloc(struct dma_pool *p, size_t bytes, uint64_t *phys)
{
	if (bytes == 0 || bytes > (size_t)p->free_units * DMA_POOL_UNIT)
		return NULL;
	uint32_t n = (uint32_t)((bytes + DMA_POOL_UNIT - 1) / DMA_POOL_UNIT);
	uint32_t first = find_run(p, n, p->hint, p->units);
	if (first == UINT32_MAX) {
		uint32_t to =
		    p->hint + n - 1 < p->units ? p->hint + n - 1 : p->units;
		first = find_run(p, n, 0, to);
	}
	if (first == UINT32_MAX)
		return NULL;
	mark(p, first, n, 1);
	p->free_units -= n;
	p->hint = first + n < p->units ? first + n : 0;
	*phys = p->phys + (uint64_t)first * DMA_POOL_UNIT;
	return p->base + (size_t)first * DMA_POOL_UNIT;
}

void dma_pool_free(struct dma_pool *p, void *addr, size_t bytes)
{
	uint32_t first =
	    (uint32_t)(((uint8_t *)addr - p->base) / DMA_POOL_UNIT);
	uint32_t n = (uint32_t)((bytes + DMA_POOL_UNIT - 1) / DMA_POOL_UNIT);

	mark(p, first, n, 0);
	p->free_units += n;
}
