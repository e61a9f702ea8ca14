/* SPDX-License-Identifier: MIT */
/*
 * Slab allocator (see slab.h). A slab is one frame reached through the
 * direct map: a header, then per_slab objects. A free object holds the
 * pointer to the next free one. An emptied slab goes back to the frame
 * allocator at once, so the frame count returns to baseline after a burst.
 */
#include "slab.h"

#include "arch.h"
#include "kernel.h"

struct slab {
	struct list_node link;
	struct slab_cache *cache;
	void *free;
	unsigned in_use;
	unsigned pad;
};

#define SLAB_HEADER ((sizeof(struct slab) + 15) & ~(size_t)15)

static struct list_node caches = LIST_INIT(caches);

void slab_cache_init(struct slab_cache *c, const char *name, size_t size)
{
	c->name = name;
	c->object_size = (size + 15) & ~(size_t)15;
	c->per_slab = (unsigned)((PAGE_SIZE - SLAB_HEADER) / c->object_size);
	kassert(c->per_slab >= 1);
	list_init(&c->partial);
	list_init(&c->full);
	c->in_use = 0;
	c->frames = 0;
	list_push_back(&caches, &c->all);
}

static struct slab *slab_new(struct slab_cache *c)
{
	uint64_t pa;

	if (!kframe_alloc(&pa))
		return NULL;
	struct slab *s = arch_phys_to_virt(pa);
	s->cache = c;
	s->in_use = 0;
	s->free = NULL;
	char *base = (char *)s + SLAB_HEADER;
	for (unsigned i = c->per_slab; i-- > 0;) {
		void **obj = (void **)(base + i * c->object_size);
		*obj = s->free;
		s->free = obj;
	}
	list_push_back(&c->partial, &s->link);
	c->frames++;
	return s;
}

void *slab_alloc(struct slab_cache *c)
{
	struct slab *s;

	if (list_empty(&c->partial)) {
		if (!slab_new(c))
			return NULL;
	}
	s = list_entry(c->partial.next, struct slab, link);
	void **obj = s->free;
	s->free = *obj;
	s->in_use++;
	c->in_use++;
	if (!s->free) {
		list_remove(&s->link);
		list_push_back(&c->full, &s->link);
	}
	return obj;
}

void slab_free(struct slab_cache *c, void *obj)
{
	struct slab *s = (struct slab *)((uint64_t)obj & PAGE_MASK);

	kassert(s->cache == c && s->in_use > 0);
	bool was_full = s->free == NULL;
	*(void **)obj = s->free;
	s->free = obj;
	s->in_use--;
	c->in_use--;
	if (s->in_use == 0) {
		list_remove(&s->link);
		c->frames--;
		kframe_free(arch_virt_to_phys(s));
	} else if (was_full) {
		list_remove(&s->link);
		list_push_back(&c->partial, &s->link);
	}
}

void slab_totals(uint64_t *objects, uint64_t *frames)
{
	struct list_node *n;

	*objects = *frames = 0;
	list_for_each(n, &caches)
	{
		struct slab_cache *c = list_entry(n, struct slab_cache, all);
		*objects += c->in_use;
		*frames += c->frames;
	}
}

void slab_dump(void)
{
	struct list_node *n;

	list_for_each(n, &caches)
	{
		struct slab_cache *c = list_entry(n, struct slab_cache, all);
		klog(LOG_INFO, "slab %-10s size %4lu in use %5lu frames %4lu",
		     c->name, (uint64_t)c->object_size, c->in_use, c->frames);
	}
}
