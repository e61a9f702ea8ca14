/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory accounts (issue #11). Everything the kernel allocates on a
 * task's behalf is charged, in bytes, to an account: slab objects by their
 * size, frames by the page. A charge that would take an account past its
 * limit fails with ERR_LIMIT and allocates nothing, so a task at its quota
 * can hurt nobody but itself.
 *
 * Accounts form a tree, in the spirit of seL4's untyped memory and
 * Zircon's jobs: a child account's whole limit (and the account object)
 * is charged to its parent when it is made and returned when it is freed,
 * so a child can never take more than its parent gave it and no check
 * walks the tree. The root account (init's) is all of memory.
 *
 * Lifetime: an account is kept by the tasks that charge to it (tasks) and
 * by what is still charged to it (used). Objects do not hold references:
 * each remembers its account and uncharges it when freed, and the account
 * goes (returning its limit to its parent) when neither tasks nor charges
 * are left. Only live tasks charge, so an account without tasks only
 * shrinks.
 */
#ifndef KERNEL_QUOTA_H
#define KERNEL_QUOTA_H

#include <stdint.h>

struct slab_cache;

struct account {
	uint64_t limit;		/* bytes */
	uint64_t used;		/* bytes charged */
	uint64_t peak;		/* highest used */
	struct account *parent; /* its limit is charged there; NULL: root */
	uint32_t tasks;		/* tasks charging to it */
	uint32_t children;	/* accounts carved from it, alive */
};

/* Set up the root account with the given limit (all of memory). */
void quota_init(uint64_t root_limit);
struct account *account_root(void);

/* A new account with limit bytes carved from parent, held by one task.
 * 0, ERR_LIMIT (parent has not that much free) or ERR_NO_MEMORY. */
int account_new(struct account *parent, uint64_t limit, struct account **out);
/* Another task shares a (task creation without a quota of its own). */
void account_get(struct account *a);
/* A task that charged to a is gone. */
void account_put(struct account *a);

/* Charge bytes to a: 0, or ERR_LIMIT with nothing charged. */
int account_charge(struct account *a, uint64_t bytes);
void account_uncharge(struct account *a, uint64_t bytes);

/* Allocation charged to an account: 0, ERR_LIMIT or ERR_NO_MEMORY, with
 * nothing charged or allocated on failure. */
int account_object_alloc(struct account *a, struct slab_cache *c, void **out);
void account_object_free(struct account *a, struct slab_cache *c, void *obj);
int account_frame_alloc(struct account *a, uint64_t *phys);
/* count physically contiguous frames (kernel stacks, tables, DMA). */
int account_frames_alloc(struct account *a, uint64_t count, uint64_t *phys);
void account_frames_free(struct account *a, uint64_t phys, uint64_t count);

#endif
