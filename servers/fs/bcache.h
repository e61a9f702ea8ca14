/* SPDX-License-Identifier: MIT */
/*
 * A write-back block cache over a block device reached through callbacks.
 * A fixed number of buffers, each one file-system block, found by a hash
 * on the block number and recycled least-recently-used first. Dirty
 * buffers reach the device when they are evicted and on bcache_sync(),
 * which writes them in ascending order, coalescing runs of adjacent
 * blocks into one device write, and then flushes the device.
 *
 * A buffer handed out by bcache_get() is pinned (refs > 0) until
 * bcache_put(); pinned buffers are never evicted, so a caller may hold a
 * few at once (an indirect-block path), but never more than the cache has.
 *
 * Portable C: compiled freestanding in the file server and on the host
 * for the unit tests.
 */
#ifndef FS_BCACHE_H
#define FS_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The device: byte offsets and lengths are multiples of 512. Each returns
 * 0 or a negative ERR_*. */
struct bcache_dev {
	void *ctx;
	int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t offset, const void *buf, size_t len);
	int (*flush)(void *ctx); /* may be NULL */
};

struct bcache_buf {
	uint64_t block;
	uint8_t *data;
	struct bcache_buf *lru_prev, *lru_next; /* every buffer, MRU first */
	struct bcache_buf *hash_next;
	uint32_t refs;
	bool valid;
	bool dirty;
};

struct bcache_stats {
	uint64_t hits, misses;
	uint64_t writebacks;	/* blocks written to the device */
	uint64_t device_writes; /* write calls (a run of blocks is one) */
	uint64_t evictions;
	uint32_t dirty; /* dirty buffers now */
	uint32_t buffers;
};

struct bcache {
	struct bcache_dev dev;
	uint32_t block_size;
	uint32_t nbufs;
	struct bcache_buf *bufs;
	uint8_t *mem; /* nbufs * block_size */
	struct bcache_buf **hash;
	uint32_t hash_mask;
	struct bcache_buf lru;	    /* sentinel */
	struct bcache_buf **sorted; /* scratch for bcache_sync */
	uint8_t *run;		    /* bounce buffer for coalesced writes */
	uint32_t run_blocks;
	struct bcache_stats stats;
};

#define BCACHE_MIN_BUFFERS 16u

/* 0, -ERR_INVALID (block size or count), -ERR_NO_MEMORY. */
int bcache_init(struct bcache *c, const struct bcache_dev *dev,
		uint32_t block_size, uint32_t nbufs);
/* Frees the memory; dirty buffers are dropped (call bcache_sync first). */
void bcache_destroy(struct bcache *c);

/* The block, read from the device if it is not cached, pinned. */
int bcache_get(struct bcache *c, uint64_t block, struct bcache_buf **out);
/* The block without reading it, zero-filled (cached or not): for a block
 * just allocated, whose old contents must not show. */
int bcache_get_zeroed(struct bcache *c, uint64_t block,
		      struct bcache_buf **out);
/* The block only if it is cached, pinned; NULL otherwise. Does not count
 * as a hit or miss (direct I/O asks this for every block it bypasses). */
struct bcache_buf *bcache_peek(struct bcache *c, uint64_t block);
void bcache_mark_dirty(struct bcache *c, struct bcache_buf *b);
void bcache_put(struct bcache *c, struct bcache_buf *b);
/* Drops a cached block whose contents no longer matter (a freed block),
 * dirty or not. A pinned buffer is left alone. */
void bcache_forget(struct bcache *c, uint64_t block);
/* Writes every dirty buffer back, then flushes the device. */
int bcache_sync(struct bcache *c);

#endif
