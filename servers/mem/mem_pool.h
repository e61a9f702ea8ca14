/* SPDX-License-Identifier: MIT */
/*
 * The memory server's bookkeeping (pure: the host tests drive it): its
 * objects, which of their pages are resident (supplied and not taken
 * back), which have a copy in swap, which were lost, the two budgets
 * (all resident pages; each client task's), the clock hand that picks
 * what to evict, and where each object lives in the swap space (one
 * extent per object, first fit).
 */
#ifndef MEM_POOL_H
#define MEM_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/proto/mem.h>

#define MEM_OBJECTS_MAX 256u
#define MEM_CLIENTS_MAX 64u
#define MEM_EVICT_BATCH 16u /* pages taken back at once, at most */
#define MEM_PAGE 4096u

struct mem_object {
	bool used;
	uint64_t port;	       /* the object's port (the server's name) */
	uint64_t window;       /* the kernel's window id, from a request (0: none yet) */
	uint64_t win_off, win_pages; /* that window's extent, in pages */
	uint64_t pages;
	uint64_t swap_base;    /* bytes into the swap space */
	unsigned client;
	uint64_t resident;
	uint64_t *resident_map, *swapped_map, *lost_map;
	uint32_t *store_slot; /* main.c's page store: slot + 1 per page, or 0 */
};

struct mem_client {
	bool used;
	uint64_t task; /* as uk_msg_header.sender names it */
	uint64_t resident, objects;
};

struct mem_pool {
	struct mem_object objects[MEM_OBJECTS_MAX];
	struct mem_client clients[MEM_CLIENTS_MAX];
	uint64_t resident;
	unsigned hand_obj;  /* the clock: the next page to look at */
	uint64_t hand_page;
	struct uk_mem_stats stats; /* budgets, counts (main.c adds I/O) */
};

/* Budgets in pages (0 is taken as 1), swap space in bytes. */
void mem_pool_init(struct mem_pool *p, uint64_t budget_pages,
		   uint64_t task_budget_pages, uint64_t swap_max);
/* A new object of size bytes for client task: 0, ERR_INVALID (0 or over
 * UK_MEM_OBJECT_MAX), ERR_LIMIT (objects, clients or swap space),
 * ERR_NO_MEMORY. The caller sets port. */
int mem_object_new(struct mem_pool *p, uint64_t task, uint64_t size,
		   struct mem_object **out);
void mem_object_free(struct mem_pool *p, struct mem_object *o);
struct mem_object *mem_object_by_port(struct mem_pool *p, uint64_t port);

static inline bool mem_bit(const uint64_t *map, uint64_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}
/* Page i was installed in o's window. */
void mem_page_resident(struct mem_pool *p, struct mem_object *o, uint64_t i);
/* Pages [first, first + n) left the window (those that were resident). */
void mem_pages_gone(struct mem_pool *p, struct mem_object *o, uint64_t first,
		    uint64_t n);
/* Would one more resident page of o break a budget? */
bool mem_over_budget(const struct mem_pool *p, const struct mem_object *o);
/* What to take back to make room for a page of o: resident pages of o's
 * client when that client is at its budget, else of anyone; the next
 * such run (at most MEM_EVICT_BATCH, inside the object's window) from
 * the clock hand on, which moves past it; o NULL: anyone's (the node is
 * short of memory). False when nothing is resident that could go. */
bool mem_victim(struct mem_pool *p, const struct mem_object *o,
		struct mem_object **victim, uint64_t *first, uint64_t *n);

#endif
