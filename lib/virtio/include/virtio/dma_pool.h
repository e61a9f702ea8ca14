/* SPDX-License-Identifier: MIT */
/*
 * A pool of DMA bounce memory: one physically contiguous region (from
 * vm_allocate_dma) handed out in runs of 512-byte units, first fit, so
 * a buffer is contiguous for the device as well. Pure bookkeeping, tested
 * on the host; the caller supplies the region and the bitmap.
 */
#ifndef VIRTIO_DMA_POOL_H
#define VIRTIO_DMA_POOL_H

#include <stddef.h>
#include <stdint.h>

#define DMA_POOL_UNIT 512u

struct dma_pool {
	uint8_t *base;
	uint64_t phys;
	uint32_t units, free_units;
	uint32_t hint;	  /* where the next search starts */
	uint64_t *bitmap; /* 1 = unit in use */
};

/* Words of bitmap for a pool of bytes. */
static inline size_t dma_pool_bitmap_words(size_t bytes)
{
	return (bytes / DMA_POOL_UNIT + 63) / 64;
}

/* bytes is rounded down to whole units; bitmap needs
 * dma_pool_bitmap_words(bytes) words. */
void dma_pool_init(struct dma_pool *p, void *base, uint64_t phys, size_t bytes,
		   uint64_t *bitmap);

/* A run of at least bytes (> 0), or NULL if no run is free; *phys gets
 * its physical address. */
void *dma_pool_alloc(struct dma_pool *p, size_t bytes, uint64_t *phys);

/* Give back what dma_pool_alloc returned for the same bytes. */
void dma_pool_free(struct dma_pool *p, void *addr, size_t bytes);

#endif
