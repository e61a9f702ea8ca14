/* SPDX-License-Identifier: MIT */
/*
 * Kernel object allocation: one cache per object type, objects carved from
 * single frames. Each cache counts objects in use and frames held, and the
 * totals feed kinfo, so a leak shows up as a number that does not return to
 * its baseline.
 */
#ifndef KERNEL_SLAB_H
#define KERNEL_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"

struct slab_cache {
	const char *name;
	size_t object_size; /* rounded up to 16 bytes */
	unsigned per_slab;
	struct list_node partial; /* slabs with free objects */
	struct list_node full;
	uint64_t in_use;
	uint64_t frames;
	struct list_node all; /* every cache, for statistics */
};

void slab_cache_init(struct slab_cache *c, const char *name, size_t size);
void *slab_alloc(struct slab_cache *c); /* NULL when out of memory */
void slab_free(struct slab_cache *c, void *obj);
void slab_totals(uint64_t *objects, uint64_t *frames);
void slab_dump(void);

#endif
