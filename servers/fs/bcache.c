/* SPDX-License-Identifier: MIT */
/*
 * The block cache (bcache.h). Every buffer is always on the LRU list (most
 * recently used first) and, while it holds a block, on one hash chain.
 * Eviction takes the least recently used unpinned buffer and writes it
 * back first if it is dirty; a failed write-back keeps the buffer (and
 * its data) and fails the request, so no acknowledged write is dropped.
 */
#include "bcache.h"

#include <stdlib.h>
#include <string.h>
#include <uk/errors.h>

#define RUN_BYTES (256u * 1024u)

static uint32_t hash_of(const struct bcache *c, uint64_t block)
{
	return (uint32_t)((block * 0x9e3779b97f4a7c15ull) >> 40) & c->hash_mask;
}

static void lru_unlink(struct bcache_buf *b)
{
	b->lru_prev->lru_next = b->lru_next;
	b->lru_next->lru_prev = b->lru_prev;
}

static void lru_push_front(struct bcache *c, struct bcache_buf *b)
{
	b->lru_next = c->lru.lru_next;
	b->lru_prev = &c->lru;
	c->lru.lru_next->lru_prev = b;
	c->lru.lru_next = b;
}

static void hash_remove(struct bcache *c, struct bcache_buf *b)
{
	struct bcache_buf **p = &c->hash[hash_of(c, b->block)];

	while (*p && *p != b)
		p = &(*p)->hash_next;
	if (*p)
		*p = b->hash_next;
	b->hash_next = NULL;
}

int bcache_init(struct bcache *c, const struct bcache_dev *dev,
		uint32_t block_size, uint32_t nbufs)
{
	uint32_t hsize = 1;

	memset(c, 0, sizeof(*c));
	if (block_size < 512 || block_size > 65536 ||
	    (block_size & (block_size - 1)) || nbufs < BCACHE_MIN_BUFFERS ||
	    nbufs > (1u << 20) || !dev->read || !dev->write)
		return -ERR_INVALID;
	while (hsize < nbufs)
		hsize <<= 1;
	c->dev = *dev;
	c->block_size = block_size;
	c->nbufs = nbufs;
	c->run_blocks = RUN_BYTES / block_size;
	if (c->run_blocks > nbufs)
		c->run_blocks = nbufs;
	c->bufs = calloc(nbufs, sizeof(*c->bufs));
	c->mem = malloc((size_t)nbufs * block_size);
	c->hash = calloc(hsize, sizeof(*c->hash));
	c->sorted = calloc(nbufs, sizeof(*c->sorted));
	c->run = malloc((size_t)c->run_blocks * block_size);
	if (!c->bufs || !c->mem || !c->hash || !c->sorted || !c->run) {
		bcache_destroy(c);
		return -ERR_NO_MEMORY;
	}
	c->hash_mask = hsize - 1;
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	for (uint32_t i = 0; i < nbufs; i++) {
		c->bufs[i].data = c->mem + (size_t)i * block_size;
		lru_push_front(c, &c->bufs[i]);
	}
	c->stats.buffers = nbufs;
	return 0;
}

void bcache_destroy(struct bcache *c)
{
	free(c->bufs);
	free(c->mem);
	free(c->hash);
	free(c->sorted);
	free(c->run);
	memset(c, 0, sizeof(*c));
}

static struct bcache_buf *lookup(struct bcache *c, uint64_t block)
{
	for (struct bcache_buf *b = c->hash[hash_of(c, block)]; b;
	     b = b->hash_next)
		if (b->block == block && b->valid)
			return b;
	return NULL;
}

static int write_one(struct bcache *c, struct bcache_buf *b)
{
	int rc = c->dev.write(c->dev.ctx, b->block * c->block_size, b->data,
			      c->block_size);
	if (rc < 0)
		return rc;
	b->dirty = false;
	c->stats.dirty--;
	c->stats.writebacks++;
	c->stats.device_writes++;
	return 0;
}

/* An unpinned buffer to reuse for a new block, written back if dirty. A
 * dirty buffer that cannot be written stays (with its data) and the next
 * one is tried. */
static int take_victim(struct bcache *c, struct bcache_buf **out)
{
	int rc = -ERR_NO_MEMORY; /* every buffer pinned: a caller bug */

	for (struct bcache_buf *b = c->lru.lru_prev; b != &c->lru;
	     b = b->lru_prev) {
		if (b->refs)
			continue;
		if (b->valid) {
			if (b->dirty) {
				int wrc = write_one(c, b);
				if (wrc < 0) {
					rc = wrc;
					continue;
				}
			}
			hash_remove(c, b);
			b->valid = false;
			c->stats.evictions++;
		}
		*out = b;
		return 0;
	}
	return rc;
}

static int get(struct bcache *c, uint64_t block, bool read,
	       struct bcache_buf **out)
{
	struct bcache_buf *b = lookup(c, block);

	if (b) {
		c->stats.hits++;
		if (!read)
			memset(b->data, 0, c->block_size);
	} else {
		c->stats.misses++;
		int rc = take_victim(c, &b);
		if (rc < 0)
			return rc;
		if (read) {
			rc = c->dev.read(c->dev.ctx, block * c->block_size,
					 b->data, c->block_size);
			if (rc < 0)
				return rc;
		} else {
			memset(b->data, 0, c->block_size);
		}
		b->block = block;
		b->valid = true;
		b->dirty = false;
		uint32_t h = hash_of(c, block);
		b->hash_next = c->hash[h];
		c->hash[h] = b;
	}
	b->refs++;
	lru_unlink(b);
	lru_push_front(c, b);
	*out = b;
	return 0;
}

int bcache_get(struct bcache *c, uint64_t block, struct bcache_buf **out)
{
	return get(c, block, true, out);
}

int bcache_get_zeroed(struct bcache *c, uint64_t block, struct bcache_buf **out)
{
	return get(c, block, false, out);
}

struct bcache_buf *bcache_peek(struct bcache *c, uint64_t block)
{
	struct bcache_buf *b = lookup(c, block);

	if (b)
		b->refs++;
	return b;
}

void bcache_mark_dirty(struct bcache *c, struct bcache_buf *b)
{
	if (!b->dirty) {
		b->dirty = true;
		c->stats.dirty++;
	}
}

void bcache_put(struct bcache *c, struct bcache_buf *b)
{
	(void)c;
	if (b && b->refs)
		b->refs--;
}

void bcache_forget(struct bcache *c, uint64_t block)
{
	struct bcache_buf *b = lookup(c, block);

	if (!b || b->refs)
		return;
	if (b->dirty) {
		b->dirty = false;
		c->stats.dirty--;
	}
	hash_remove(c, b);
	b->valid = false;
	/* Reuse it first. */
	lru_unlink(b);
	b->lru_prev = c->lru.lru_prev;
	b->lru_next = &c->lru;
	c->lru.lru_prev->lru_next = b;
	c->lru.lru_prev = b;
}

/* Shell sort by block number: no libc qsort in every environment. */
static void sort_by_block(struct bcache_buf **v, uint32_t n)
{
	static const uint32_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};

	for (unsigned g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		uint32_t gap = gaps[g];
		for (uint32_t i = gap; i < n; i++) {
			struct bcache_buf *t = v[i];
			uint32_t j = i;
			for (; j >= gap && v[j - gap]->block > t->block;
			     j -= gap)
				v[j] = v[j - gap];
			v[j] = t;
		}
	}
}

int bcache_sync(struct bcache *c)
{
	uint32_t n = 0;
	int first_error = 0;

	for (uint32_t i = 0; i < c->nbufs; i++)
		if (c->bufs[i].valid && c->bufs[i].dirty)
			c->sorted[n++] = &c->bufs[i];
	sort_by_block(c->sorted, n);
	for (uint32_t i = 0; i < n;) {
		uint32_t len = 1;
		while (i + len < n && len < c->run_blocks &&
		       c->sorted[i + len]->block == c->sorted[i]->block + len)
			len++;
		int rc;
		if (len == 1) {
			rc = write_one(c, c->sorted[i]);
		} else {
			for (uint32_t k = 0; k < len; k++)
				memcpy(c->run + (size_t)k * c->block_size,
				       c->sorted[i + k]->data, c->block_size);
			rc = c->dev.write(c->dev.ctx,
					  c->sorted[i]->block * c->block_size,
					  c->run, (size_t)len * c->block_size);
			if (rc == 0) {
				for (uint32_t k = 0; k < len; k++)
					c->sorted[i + k]->dirty = false;
				c->stats.dirty -= len;
				c->stats.writebacks += len;
				c->stats.device_writes++;
			}
		}
		if (rc < 0 && !first_error)
			first_error = rc;
		i += len;
	}
	if (first_error)
		return first_error;
	return c->dev.flush ? c->dev.flush(c->dev.ctx) : 0;
}
