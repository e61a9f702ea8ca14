/* SPDX-License-Identifier: MIT */
/* The memory server's bookkeeping (see mem_pool.h). */
#include "mem_pool.h"

#include <stdlib.h>
#include <string.h>
#include <uk/errors.h>

void mem_pool_init(struct mem_pool *p, uint64_t budget_pages,
		   uint64_t task_budget_pages, uint64_t swap_max)
{
	memset(p, 0, sizeof(*p));
	p->stats.budget_pages = budget_pages ? budget_pages : 1;
	p->stats.task_budget_pages = task_budget_pages ? task_budget_pages : 1;
	p->stats.swap_max = swap_max;
}

/* The lowest gap of size bytes in the swap space, or UINT64_MAX. */
static uint64_t swap_gap(const struct mem_pool *p, uint64_t size)
{
	uint64_t at = 0;

	for (;;) {
		bool moved = false;
		for (unsigned i = 0; i < MEM_OBJECTS_MAX; i++) {
			const struct mem_object *o = &p->objects[i];
			uint64_t end = o->swap_base + o->pages * MEM_PAGE;
			if (o->used && o->swap_base < at + size && end > at) {
				at = end;
				moved = true;
			}
		}
		if (!moved)
			break;
	}
	return at + size <= p->stats.swap_max && at + size >= at ? at : UINT64_MAX;
}

static int client_of(struct mem_pool *p, uint64_t task, unsigned *out)
{
	unsigned free_slot = MEM_CLIENTS_MAX;

	for (unsigned i = 0; i < MEM_CLIENTS_MAX; i++) {
		if (p->clients[i].used && p->clients[i].task == task) {
			*out = i;
			return 0;
		}
		if (!p->clients[i].used && free_slot == MEM_CLIENTS_MAX)
			free_slot = i;
	}
	if (free_slot == MEM_CLIENTS_MAX)
		return -ERR_LIMIT;
	memset(&p->clients[free_slot], 0, sizeof(p->clients[free_slot]));
	p->clients[free_slot].used = true;
	p->clients[free_slot].task = task;
	p->stats.clients++;
	*out = free_slot;
	return 0;
}

int mem_object_new(struct mem_pool *p, uint64_t task, uint64_t size,
		   struct mem_object **out)
{
	struct mem_object *o = NULL;
	unsigned client;

	if (size == 0 || size > UK_MEM_OBJECT_MAX)
		return -ERR_INVALID;
	uint64_t pages = (size + MEM_PAGE - 1) / MEM_PAGE;
	for (unsigned i = 0; i < MEM_OBJECTS_MAX && !o; i++)
		if (!p->objects[i].used)
			o = &p->objects[i];
	if (!o)
		return -ERR_LIMIT;
	uint64_t base = swap_gap(p, pages * MEM_PAGE);
	if (base == UINT64_MAX)
		return -ERR_LIMIT;
	if (client_of(p, task, &client) < 0)
		return -ERR_LIMIT;
	uint64_t words = (pages + 63) / 64;
	uint64_t *maps = calloc(3 * words, sizeof(uint64_t));
	if (!maps) {
		if (!p->clients[client].objects) {
			p->clients[client].used = false;
			p->stats.clients--;
		}
		return -ERR_NO_MEMORY;
	}
	memset(o, 0, sizeof(*o));
	o->used = true;
	o->pages = pages;
	o->win_pages = pages;
	o->swap_base = base;
	o->client = client;
	o->resident_map = maps;
	o->swapped_map = maps + words;
	o->lost_map = maps + 2 * words;
	p->clients[client].objects++;
	p->stats.objects++;
	p->stats.swap_bytes += pages * MEM_PAGE;
	*out = o;
	return 0;
}

void mem_object_free(struct mem_pool *p, struct mem_object *o)
{
	struct mem_client *c = &p->clients[o->client];

	mem_pages_gone(p, o, 0, o->pages);
	free(o->resident_map);
	p->stats.objects--;
	p->stats.swap_bytes -= o->pages * MEM_PAGE;
	if (--c->objects == 0) {
		c->used = false;
		p->stats.clients--;
	}
	memset(o, 0, sizeof(*o));
}

struct mem_object *mem_object_by_port(struct mem_pool *p, uint64_t port)
{
	for (unsigned i = 0; i < MEM_OBJECTS_MAX; i++)
		if (p->objects[i].used && p->objects[i].port == port)
			return &p->objects[i];
	return NULL;
}

void mem_page_resident(struct mem_pool *p, struct mem_object *o, uint64_t i)
{
	if (i >= o->pages || mem_bit(o->resident_map, i))
		return;
	o->resident_map[i / 64] |= 1ull << (i % 64);
	o->resident++;
	p->clients[o->client].resident++;
	p->resident++;
	p->stats.resident_pages = p->resident;
}

void mem_pages_gone(struct mem_pool *p, struct mem_object *o, uint64_t first,
		    uint64_t n)
{
	for (uint64_t i = first; i < o->pages && i - first < n; i++) {
		if (!mem_bit(o->resident_map, i))
			continue;
		o->resident_map[i / 64] &= ~(1ull << (i % 64));
		o->resident--;
		p->clients[o->client].resident--;
		p->resident--;
	}
	p->stats.resident_pages = p->resident;
}

bool mem_over_budget(const struct mem_pool *p, const struct mem_object *o)
{
	return p->resident + 1 > p->stats.budget_pages ||
	       p->clients[o->client].resident + 1 > p->stats.task_budget_pages;
}

/* The first resident page of o at or after i inside its window, or
 * o->pages. */
static uint64_t next_resident(const struct mem_object *o, uint64_t i)
{
	uint64_t end = o->win_off + o->win_pages;

	if (end > o->pages)
		end = o->pages;
	if (i < o->win_off)
		i = o->win_off;
	while (i < end) {
		uint64_t w = o->resident_map[i / 64] >> (i % 64);
		if (w)
			return i + (uint64_t)__builtin_ctzll(w) < end
				   ? i + (uint64_t)__builtin_ctzll(w)
				   : o->pages;
		i = (i / 64 + 1) * 64;
	}
	return o->pages;
}

bool mem_victim(struct mem_pool *p, const struct mem_object *o,
		struct mem_object **victim, uint64_t *first, uint64_t *n)
{
	bool own = o && p->clients[o->client].resident + 1 > p->stats.task_budget_pages;

	/* Once round every object, the hand's own last (from its start). */
	for (unsigned k = 0; k <= MEM_OBJECTS_MAX; k++) {
		unsigned idx = (p->hand_obj + k) % MEM_OBJECTS_MAX;
		struct mem_object *v = &p->objects[idx];
		uint64_t from = k == 0 ? p->hand_page : 0;
		if (!v->used || !v->resident || (own && v->client != o->client))
			continue;
		uint64_t i = next_resident(v, from);
		if (i >= v->pages)
			continue;
		uint64_t end = v->win_off + v->win_pages, len = 1;
		while (len < MEM_EVICT_BATCH && i + len < end && i + len < v->pages &&
		       mem_bit(v->resident_map, i + len))
			len++;
		*victim = v;
		*first = i;
		*n = len;
		p->hand_obj = idx;
		p->hand_page = i + len;
		return true;
	}
	return false;
}
