/* SPDX-License-Identifier: MIT */
/*
 * The memory server, registered as "mem" (docs/MEMORY.md, "The memory
 * server"): anonymous memory whose pages it supplies on demand and pages
 * out to a swap file through the file server, so that the tasks it pages
 * can touch more memory than the node has.
 *
 * A client asks for a memory object (MEM_ALLOCATE) and gets a send right
 * to it, then maps it with vm_map_object(right, 0, size, UK_VM_READ |
 * UK_VM_WRITE, deadline_ns of the reply). Its pages read zero until
 * written. mem keeps the pages it has supplied within two budgets: all
 * of its objects' resident pages, and each client task's; past a budget it
 * takes pages back (pager_flush), oldest first by a clock sweep, and the
 * dirty ones go to swap. It also keeps the node's free memory above a
 * reserve (mem.reserve=MiB; default a 16th of the node's memory): when
 * other tasks' memory has left less than that free, a fault first takes
 * back as many pages as the node is short by, whatever the budgets say;
 * and the kernel notifies it when free memory falls below the reserve
 * between faults (vm_pressure_notify), when it does the same.
 * The client keeps the right while the object is
 * mapped: when the object's last send right goes (no-senders), mem frees
 * it and its swap, and a window still mapped faults with ERR_DEAD.
 *
 * Pages a mapper on another node gives back (its proxy forwards the
 * returns) are kept in mem's own RAM, a store of mem.store=MiB (default
 * half the budget, at most a quarter of the node), and go on to swap only
 * when the store is full, oldest first: a node short of memory borrows
 * this node's RAM.
 *
 * A page whose swap write or read failed is lost: a fault on it ends the
 * faulting task with ERR_IO (counted in swap_errors). Without a swap file
 * (no fs) mem does not evict: the budgets are then not enforced.
 */
#ifndef UK_PROTO_MEM_H
#define UK_PROTO_MEM_H

#include <stdint.h>
#include <uk/proto/rpc.h>

enum uk_mem_op {
	/* struct uk_mem_alloc_req. Reply: port[0] the object (a send
	 * right), then struct uk_mem_alloc_reply. ERR_INVALID: size 0 or
	 * over UK_MEM_OBJECT_MAX; ERR_LIMIT: too many objects or clients,
	 * or no room left in the swap space. */
	MEM_ALLOCATE = UK_PROTO_MEM + 1,
	/* Reply: struct uk_mem_stats. */
	MEM_STATS = UK_PROTO_MEM + 2,
};

#define UK_MEM_OBJECT_MAX (1ull << 30) /* bytes in one object */

struct uk_mem_alloc_req {
	uint64_t size; /* bytes, rounded up to pages */
};
struct uk_mem_alloc_reply {
	uint64_t size;	      /* what was allocated */
	uint64_t deadline_ns; /* map with this: a swap-in may take that long */
};

struct uk_mem_stats {
	uint64_t budget_pages;	    /* resident pages allowed, all objects */
	uint64_t task_budget_pages; /* resident pages allowed per client task */
	uint64_t resident_pages;    /* supplied and not taken back */
	uint64_t objects, clients;
	uint64_t faults;	 /* requests answered */
	uint64_t zero_fills;	 /* pages supplied as zeros */
	uint64_t swap_ins;	 /* pages read back from swap */
	uint64_t evictions;	 /* pages taken back to keep to a budget */
	uint64_t swap_outs;	 /* dirty pages written to swap */
	uint64_t swap_bytes;	 /* swap space allotted to live objects */
	uint64_t swap_max;	 /* swap space mem may use */
	uint64_t swap_errors;	 /* pages lost to I/O errors */
	uint64_t bad_requests;	 /* malformed messages, refused and counted */
	uint64_t frames_free;	 /* the node's free memory (pages) */
	uint64_t frames_total;
	uint64_t reserve_pages;	     /* mem evicts to keep free memory above it */
	uint64_t pressure_evictions; /* pages taken back for the reserve */
	uint64_t node_busy;	     /* the node's busy TSC (kinfo load): for
					benchmarks across nodes */
	uint64_t store_pages;	     /* pages held in mem's RAM for mappers
					on other nodes */
	uint64_t store_max;	     /* the store's size (pages) */
	uint64_t store_spills;	     /* stored pages moved on to swap */
	uint64_t store_hits;	     /* pages supplied from the store */
	uint64_t pressure_notices;   /* the kernel's memory-low notices */
};

#endif
