/* SPDX-License-Identifier: MIT */
/*
 * The map from the proxy's local names to its table entries: which peer's
 * import, answer or export a name is. Open addressing with linear
 * probing, sized for every table of 8 peers twice over; deletion shifts
 * entries back instead of leaving tombstones (unit.proxy_map).
 */
#include <stdio.h>
#include <ulib.h>

#include "proxy.h"

uint64_t map_probes; /* slots looked at, ever: for unit.proxy_map */

#define MAP_SIZE 16384u /* > 2 × every table of 8 peers */

struct map_entry {
	uk_name_t name;
	uint32_t index;
	uint16_t slot;
	uint8_t kind; /* 0: free */
};
static struct map_entry map[MAP_SIZE];

/* Receive-right names are unique in our space; a send right may be
 * exported to several peers, one entry each. */
static uint16_t key_slot(enum map_kind kind, uint16_t slot)
{
	return kind == MAP_EXPORT ? slot : 0xffff;
}

static uint32_t map_hash(uk_name_t name, enum map_kind kind, uint16_t slot)
{
	uint64_t x = name * 0x9e3779b97f4a7c15ull ^ ((uint64_t)kind << 16 | slot);
	x ^= x >> 29;
	return (uint32_t)(x % MAP_SIZE);
}

static struct map_entry *map_find(uk_name_t name, enum map_kind kind, uint16_t slot)
{
	uint16_t ks = key_slot(kind, slot);
	for (uint32_t i = map_hash(name, kind, ks), n = 0; n < MAP_SIZE;
	     i = (i + 1) % MAP_SIZE, n++) {
		struct map_entry *e = &map[i];
		map_probes++;
		if (!e->kind)
			return NULL;
		if (e->kind == kind && e->name == name &&
		    key_slot(kind, e->slot) == ks)
			return e;
	}
	return NULL;
}

void map_put(uk_name_t name, enum map_kind kind, uint16_t slot, uint32_t index)
{
	uint16_t ks = key_slot(kind, slot);
	for (uint32_t i = map_hash(name, kind, ks), n = 0; n < MAP_SIZE;
	     i = (i + 1) % MAP_SIZE, n++) {
		struct map_entry *e = &map[i];
		if (!e->kind) {
			*e = (struct map_entry){ name, index, slot, (uint8_t)kind };
			return;
		}
	}
	/* Larger than every table together: cannot happen. */
	printf("proxy: name map full\n");
}

bool map_get(uk_name_t name, enum map_kind kind, uint16_t slot, uint32_t *index)
{
	struct map_entry *e = map_find(name, kind, slot);
	if (e && index)
		*index = e->index;
	return e != NULL;
}

bool map_find_port(uk_name_t name, enum map_kind kind, uint16_t *slot,
		   uint32_t *index)
{
	struct map_entry *e = map_find(name, kind, 0);
	if (!e)
		return false;
	*slot = e->slot;
	*index = e->index;
	return true;
}

/* Deletes without tombstones (backward shift, as in Knuth's algorithm R):
 * with tombstones, a long-lived proxy whose names keep changing would end
 * with no free slot left to stop a probe, and every miss (a lookup of a
 * name in the wrong table) would scan all 16,384 slots. */
void map_del(uk_name_t name, enum map_kind kind, uint16_t slot)
{
	struct map_entry *e = map_find(name, kind, slot);
	if (!e)
		return;
	uint32_t hole = (uint32_t)(e - map);
	for (uint32_t j = (hole + 1) % MAP_SIZE; map[j].kind; j = (j + 1) % MAP_SIZE) {
		const struct map_entry *m = &map[j];
		uint32_t home = map_hash(m->name, (enum map_kind)m->kind,
					 key_slot((enum map_kind)m->kind, m->slot));
		/* m may move into the hole unless its home lies cyclically
		 * in (hole, j]: then the hole is before its probe start. */
		bool stays = hole < j ? (home > hole && home <= j)
				      : (home > hole || home <= j);
		if (!stays) {
			map[hole] = *m;
			hole = j;
		}
	}
	map[hole].kind = 0;
}
