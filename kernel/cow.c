/* SPDX-License-Identifier: MIT */
/* Holders of copy-on-write frames (see cow.h). */
#include "cow.h"

#include <string.h>

#include "arch.h"
#include "kernel.h"
#include "quota.h"

static uint16_t *extra; /* holders beyond the first, per frame */
static uint64_t covered;

bool cow_init(uint64_t nframes)
{
	uint64_t bytes = nframes * sizeof(*extra);
	uint64_t count = (bytes + PAGE_SIZE - 1) / PAGE_SIZE, pa;

	if (!kframe_alloc_contiguous(count, &pa))
		return false;
	extra = arch_phys_to_virt(pa);
	memset(extra, 0, count * PAGE_SIZE);
	covered = nframes;
	return true;
}

bool cow_share(uint64_t pa)
{
	uint64_t f = pa / PAGE_SIZE;

	if (f >= covered || extra[f] == UINT16_MAX)
		return false;
	extra[f]++;
	return true;
}

bool cow_shared(uint64_t pa)
{
	uint64_t f = pa / PAGE_SIZE;

	return f < covered && extra[f];
}

void cow_drop(uint64_t pa)
{
	uint64_t f = pa / PAGE_SIZE;

	if (f < covered && extra[f])
		extra[f]--;
	else
		kframe_free(pa);
}

void cow_release(struct account *a, uint64_t pa)
{
	account_uncharge(a, PAGE_SIZE);
	cow_drop(pa);
}
