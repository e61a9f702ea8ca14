/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory accounts (see quota.h). A charge is one comparison and an
 * addition; an account is freed without recursion, its limit going back up
 * the tree one parent at a time.
 */
#include "quota.h"

#include <uk/errors.h>

#include "arch.h"
#include "kernel.h"
#include "slab.h"

static struct slab_cache account_cache;
static struct account root;

void quota_init(uint64_t root_limit)
{
	slab_cache_init(&account_cache, "account", sizeof(struct account));
	root = (struct account){.limit = root_limit};
}

struct account *account_root(void)
{
	return &root;
}

/* What a child account costs its parent: its limit and the object. */
static uint64_t carved(const struct account *a)
{
	return a->limit + account_cache.object_size;
}

/* Free a and, in turn, each parent its return leaves unused and
 * unreferenced. The root is never freed. */
static void maybe_free(struct account *a)
{
	while (a != &root && !a->tasks && !a->used) {
		struct account *parent = a->parent;
		uint64_t cost = carved(a);
		/* A live child's limit is in used. */
		kassert(!a->children && parent->used >= cost);
		slab_free(&account_cache, a);
		parent->children--;
		parent->used -= cost;
		a = parent;
	}
}

int account_charge(struct account *a, uint64_t bytes)
{
	if (bytes > a->limit - a->used)
		return -ERR_LIMIT;
	a->used += bytes;
	if (a->used > a->peak)
		a->peak = a->used;
	return 0;
}

void account_uncharge(struct account *a, uint64_t bytes)
{
	kassert(a->used >= bytes);
	a->used -= bytes;
	if (!a->used)
		maybe_free(a);
}

int account_new(struct account *parent, uint64_t limit, struct account **out)
{
	struct account *a;

	if (limit > UINT64_MAX - account_cache.object_size)
		return -ERR_LIMIT;
	int rc = account_charge(parent, limit + account_cache.object_size);
	if (rc < 0)
		return rc;
	if (!(a = slab_alloc(&account_cache))) {
		account_uncharge(parent, limit + account_cache.object_size);
		return -ERR_NO_MEMORY;
	}
	*a = (struct account){.limit = limit, .parent = parent, .tasks = 1};
	parent->children++;
	*out = a;
	return 0;
}

void account_get(struct account *a)
{
	a->tasks++;
}

void account_put(struct account *a)
{
	kassert(a->tasks > 0);
	a->tasks--;
	maybe_free(a);
}

int account_object_alloc(struct account *a, struct slab_cache *c, void **out)
{
	int rc = account_charge(a, c->object_size);

	if (rc < 0)
		return rc;
	if (!(*out = slab_alloc(c))) {
		account_uncharge(a, c->object_size);
		return -ERR_NO_MEMORY;
	}
	return 0;
}

void account_object_free(struct account *a, struct slab_cache *c, void *obj)
{
	slab_free(c, obj);
	account_uncharge(a, c->object_size);
}

int account_frames_alloc(struct account *a, uint64_t count, uint64_t *phys)
{
	if (count > UINT64_MAX / PAGE_SIZE)
		return -ERR_LIMIT;
	int rc = account_charge(a, count * PAGE_SIZE);

	if (rc < 0)
		return rc;
	if (!kframe_alloc_contiguous(count, phys)) {
		account_uncharge(a, count * PAGE_SIZE);
		return -ERR_NO_MEMORY;
	}
	return 0;
}

int account_frame_alloc(struct account *a, uint64_t *phys)
{
	return account_frames_alloc(a, 1, phys);
}

void account_frames_free(struct account *a, uint64_t phys, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		kframe_free(phys + i * PAGE_SIZE);
	account_uncharge(a, count * PAGE_SIZE);
}
