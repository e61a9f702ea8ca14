/* SPDX-License-Identifier: MIT */
/*
 * Per-task name tables. A name is (index << 32 | generation); entry 0 is
 * never used so name 0 is null. Freeing an entry bumps its 32-bit
 * generation, so an old name no longer matches until the entry has been
 * reused 2^32 times. The table grows by doubling. Pure: storage
 * comes from the callbacks, so host tests link this file directly.
 */
#include "ipc.h"

#include <string.h>
#include <uk/errors.h>

void ipc_space_init(struct ipc_space *s,
		    int (*alloc)(struct ipc_space *, uint64_t, void **),
		    void (*free_fn)(struct ipc_space *, void *, uint64_t))
{
	s->table = NULL;
	s->size = 0;
	s->free_head = 0;
	s->used = 0;
	s->notify_requests = 0;
	s->alloc = alloc;
	s->free = free_fn;
}

static int grow(struct ipc_space *s)
{
	uint32_t new_size = s->size ? s->size * 2 : 128;
	struct ipc_entry *t;
	void *storage;

	if (new_size > IPC_SPACE_MAX)
		new_size = IPC_SPACE_MAX;
	if (new_size <= s->size)
		return -ERR_LIMIT;
	int rc = s->alloc(s, (uint64_t)new_size * sizeof(*t), &storage);
	if (rc < 0)
		return rc;
	t = storage;
	memset(t, 0, (uint64_t)new_size * sizeof(*t));
	if (s->table) {
		memcpy(t, s->table, (uint64_t)s->size * sizeof(*t));
		s->free(s, s->table, (uint64_t)s->size * sizeof(*t));
	}
	/* New entries go on the free list in ascending order. */
	uint32_t first = s->size ? s->size : 1;
	for (uint32_t i = new_size; i-- > first;) {
		t[i].generation = 1;
		t[i].next_free = s->free_head;
		s->free_head = i;
	}
	s->table = t;
	s->size = new_size;
	return 0;
}

struct ipc_entry *ipc_entry_alloc(struct ipc_space *s, uk_name_t *name,
				  int *error)
{
	int rc;

	if (!s->free_head && (rc = grow(s)) < 0) {
		if (error)
			*error = rc;
		return NULL;
	}
	uint32_t i = s->free_head;
	struct ipc_entry *e = &s->table[i];
	s->free_head = e->next_free;
	e->next_free = 0;
	e->object = NULL;
	e->send_refs = 0;
	e->badge = 0;
	/* rights, badge_bits and pad: one 32-bit store (the fast path's
	 * reply name comes through here). */
	e->rights = 0;
	e->badge_bits = 0;
	e->pad[0] = e->pad[1] = 0;
	s->used++;
	*name = ipc_name_make(i, e->generation);
	return e;
}

struct ipc_entry *ipc_entry_lookup(struct ipc_space *s, uk_name_t name)
{
	uint32_t i = ipc_name_index(name);

	if (i == 0 || i >= s->size)
		return NULL;
	struct ipc_entry *e = &s->table[i];
	if (!e->rights || e->generation != (uint32_t)name)
		return NULL;
	return e;
}

void ipc_entry_free(struct ipc_space *s, uk_name_t name)
{
	uint32_t i = ipc_name_index(name);
	struct ipc_entry *e = &s->table[i];

	e->rights = 0;
	e->object = NULL;
	e->send_refs = 0;
	e->badge = 0;
	e->badge_bits = 0;
	e->pad[0] = e->pad[1] = 0;
	/* Generation 0 never appears in a name. */
	e->generation++;
	if (e->generation == 0)
		e->generation = 1;
	e->next_free = s->free_head;
	s->free_head = i;
	s->used--;
}

uk_name_t ipc_space_find_right(struct ipc_space *s, const void *object,
			       uint64_t badge, unsigned badge_bits)
{
	for (uint32_t i = 1; i < s->size; i++) {
		struct ipc_entry *e = &s->table[i];
		if (e->object == object && e->badge == badge &&
		    e->badge_bits == badge_bits &&
		    (e->rights & (UK_RIGHT_RECEIVE | UK_RIGHT_SEND)))
			return ipc_name_make(i, e->generation);
	}
	return 0;
}

uk_name_t ipc_space_find(struct ipc_space *s, const void *object,
			 uint64_t badge)
{
	return ipc_space_find_right(s, object, badge, 0);
}

void ipc_space_release(struct ipc_space *s)
{
	if (s->table)
		s->free(s, s->table, (uint64_t)s->size * sizeof(struct ipc_entry));
	s->table = NULL;
	s->size = 0;
	s->free_head = 0;
	s->used = 0;
}
