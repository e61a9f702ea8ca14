/* SPDX-License-Identifier: MIT */
/*
 * User address-space regions (see vm.h). Everything here is charged to the
 * task's account (quota.h): region objects, page tables, and the frames
 * the task owns (t->frames of them). Frames that leave the task keep their
 * charge: a shared object's stay charged to the account of the task that
 * shared them first, a moved region's to the sending task until the
 * receiver takes them (vm_give_frames charges the receiver).
 */
#include "vm.h"

#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

#include "arch.h"
#include "cow.h"
#include "hwcap.h"
#include "ipc.h"
#include "kernel.h"
#include "pager.h"
#include "quota.h"
#include "slab.h"
#include "task.h"
#include "timer.h"

static struct slab_cache region_cache, shared_cache;

/* Frames several tasks map (UK_OOL_SHARE). The frame list lives in
 * contiguous kernel frames, like an out-of-line descriptor's. */
struct vm_shared {
	struct account *account; /* of the first sharer: it pays for all */
	uint64_t refs;
	uint64_t npages;
	uint64_t *frames;
	uint64_t array_phys;
	uint32_t array_frames;
};

void vm_init(void)
{
	slab_cache_init(&region_cache, "vm_region", sizeof(struct vm_region));
	slab_cache_init(&shared_cache, "vm_shared", sizeof(struct vm_shared));
}

void vm_shared_unref(struct vm_shared *s)
{
	if (--s->refs)
		return;
	for (uint64_t i = 0; i < s->npages; i++)
		account_frames_free(s->account, s->frames[i], 1);
	account_frames_free(s->account, s->array_phys, s->array_frames);
	account_object_free(s->account, &shared_cache, s);
}

uint64_t vm_shared_size(const struct vm_shared *s)
{
	return s->npages * PAGE_SIZE;
}

/* A region object for t, charged to it, with nothing attached. */
static int region_new(struct task *t, uint64_t start, uint64_t size,
		      unsigned flags, enum vm_region_kind kind,
		      struct vm_region **out)
{
	void *obj;
	int rc = account_object_alloc(t->account, &region_cache, &obj);

	if (rc < 0)
		return rc;
	struct vm_region *r = obj;
	r->shared = NULL;
	r->cap = NULL;
	r->object = NULL;
	r->start = start;
	r->size = size;
	r->flags = flags;
	r->kind = kind;
	*out = r;
	return 0;
}

/* Free a region object that holds nothing and is in no list. */
static void region_free(struct task *t, struct vm_region *r)
{
	account_object_free(t->account, &region_cache, r);
}

/* Drop a region's bookkeeping (its pages are unmapped already). */
static void region_destroy(struct task *t, struct vm_region *r)
{
	list_remove(&r->link);
	if (r->shared)
		vm_shared_unref(r->shared);
	if (r->cap)
		hwcap_unref(r->cap);
	if (r->object)
		pager_object_destroy(r->object);
	region_free(t, r);
}

static unsigned map_flags(unsigned uk_flags)
{
	return MAP_USER | ((uk_flags & UK_VM_WRITE) ? MAP_WRITE : 0) |
	       ((uk_flags & UK_VM_EXEC) ? MAP_EXEC : 0) |
	       ((uk_flags & VM_UNCACHED) ? MAP_UNCACHED : 0);
}

/* Insert r keeping the list sorted; fails if it overlaps a region. */
static int region_insert(struct task *t, struct vm_region *r)
{
	struct list_node *n;

	list_for_each(n, &t->regions)
	{
		struct vm_region *o = list_entry(n, struct vm_region, link);
		if (o->start >= r->start + r->size)
			break;
		if (o->start + o->size > r->start)
			return -ERR_EXISTS;
	}
	list_insert_before(n, &r->link);
	return 0;
}

/* Lowest gap of size bytes inside [VM_ALLOC_BASE, VM_ALLOC_TOP). */
static uint64_t find_gap(struct task *t, uint64_t size)
{
	uint64_t at = VM_ALLOC_BASE;
	struct list_node *n;

	list_for_each(n, &t->regions)
	{
		struct vm_region *o = list_entry(n, struct vm_region, link);
		if (o->start + o->size <= at)
			continue;
		if (o->start >= at + size)
			break;
		at = o->start + o->size;
	}
	return at + size <= VM_ALLOC_TOP ? at : 0;
}

static void unmap_range(struct task *t, uint64_t start, uint64_t size)
{
	t->vm_version++;
	/* Sparse (demand-zero) regions may span terabytes: skip what no page
	 * table covers, so the cost follows what was touched. */
	for (uint64_t va = start, end = start + size;
	     (va = arch_next_mapped(t->aspace_root, va, end)) < end;
	     va += PAGE_SIZE) {
		uint64_t pa;
		bool owned;
		if (arch_unmap_page(t->aspace_root, va, &pa, &owned) && owned) {
			cow_release(t->account, pa);
			t->frames--;
		}
	}
}

static int64_t cow_break(struct task *t, struct vm_region *r, uint64_t va);
static void window_return_dirty(struct task *t, struct vm_region *r);

/* A new region of t at addr (0: wherever there is room), in the list. */
static int place_region(struct task *t, uint64_t addr, uint64_t size,
			unsigned flags, enum vm_region_kind kind,
			struct vm_region **out)
{
	int rc;

	if (addr == 0 && !(addr = find_gap(t, size)))
		return -ERR_NO_MEMORY;
	if ((addr & ~PAGE_MASK) || addr < USER_BASE || addr > USER_TOP ||
	    size > USER_TOP - addr)
		return -ERR_INVALID;
	if ((rc = region_new(t, addr, size, flags, kind, out)) < 0)
		return rc;
	if ((rc = region_insert(t, *out)) < 0) {
		region_free(t, *out);
		return rc;
	}
	return 0;
}

/* A page of a lazy anonymous region: a zeroed frame charged to t, mapped.
 * Never blocks, so the kernel's own copies may take it too. */
static int64_t zero_fill(struct task *t, struct vm_region *r, uint64_t va)
{
	uint64_t pa;
	int rc;

	if ((rc = account_frame_alloc(t->account, &pa)) < 0)
		return rc;
	memset(arch_phys_to_virt(pa), 0, PAGE_SIZE);
	rc = arch_map_page(t->account, t->aspace_root, va, pa,
			   map_flags(r->flags));
	if (rc < 0) {
		account_frames_free(t->account, pa, 1);
		return rc;
	}
	t->frames++;
	return 0;
}

/* Every page of a lazy region present (before its frames are moved or
 * shared out of line). */
static bool populate(struct task *t, struct vm_region *r)
{
	uint64_t pa;

	if (!(r->flags & UK_VM_LAZY))
		return true;
	for (uint64_t va = r->start; va < r->start + r->size; va += PAGE_SIZE)
		if (!arch_translate(t->aspace_root, va, false, &pa) &&
		    zero_fill(t, r, va) < 0)
			return false;
	return true;
}

int vm_map_anonymous(struct task *t, uint64_t addr, uint64_t size,
		     unsigned flags, enum vm_region_kind kind, uint64_t *out)
{
	struct vm_region *r;
	uint64_t pages, mapped = 0;
	int rc;

	if (size == 0 || size > VM_ALLOC_TOP - VM_ALLOC_BASE)
		return size ? -ERR_NO_MEMORY : -ERR_INVALID;
	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	pages = size / PAGE_SIZE;
	if (flags & UK_VM_LAZY) {
		/* Demand-zero: the region now, each page at its first touch
		 * (zero_fill), charged then. */
		if ((rc = place_region(t, addr, size, flags, kind, &r)) < 0)
			return rc;
		*out = r->start;
		return 0;
	}
	if (pages > kframe_free_count())
		return -ERR_NO_MEMORY;
	/* The frames are charged at once, so a request past the quota fails
	 * before anything is allocated. */
	if ((rc = account_charge(t->account, size)) < 0)
		return rc;
	if ((rc = place_region(t, addr, size, flags, kind, &r)) < 0)
		goto uncharge;
	addr = r->start;
	for (uint64_t va = addr; va < addr + size; va += PAGE_SIZE) {
		uint64_t pa;
		rc = -ERR_NO_MEMORY;
		if (!kframe_alloc(&pa))
			goto fail;
		memset(arch_phys_to_virt(pa), 0, PAGE_SIZE);
		rc = arch_map_page(t->account, t->aspace_root, va, pa,
				   map_flags(flags));
		if (rc < 0) {
			kframe_free(pa);
			goto fail;
		}
		t->frames++;
		mapped++;
	}
	*out = addr;
	return 0;
fail:
	/* unmap_range uncharges the frames it finds mapped. */
	unmap_range(t, addr, size);
	list_remove(&r->link);
	region_free(t, r);
	account_uncharge(t->account, (pages - mapped) * PAGE_SIZE);
	return rc;
uncharge:
	account_uncharge(t->account, size);
	return rc;
}

int vm_map_physical(struct task *t, uint64_t addr, uint64_t phys, uint64_t size,
		    unsigned flags, struct hw_cap *cap, uint64_t *out)
{
	struct vm_region *r;
	int rc;

	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	if (addr == 0 && size && size <= VM_ALLOC_TOP - VM_ALLOC_BASE &&
	    !(addr = find_gap(t, size)))
		return -ERR_NO_MEMORY;
	if (!size || (phys & ~PAGE_MASK) || (addr & ~PAGE_MASK) ||
	    addr < USER_BASE || addr > USER_TOP || size > USER_TOP - addr)
		return -ERR_INVALID;
	if ((rc = region_new(t, addr, size, flags, VM_PHYSICAL, &r)) < 0)
		return rc;
	if ((rc = region_insert(t, r)) < 0) {
		region_free(t, r);
		return rc;
	}
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		rc = arch_map_page(t->account, t->aspace_root, addr + off,
				   phys + off, map_flags(flags) | MAP_NOT_OWNED);
		if (rc < 0) {
			unmap_range(t, addr, off);
			list_remove(&r->link);
			region_free(t, r);
			return rc;
		}
	}
	if (cap) {
		hwcap_ref(cap);
		r->cap = cap;
	}
	*out = addr;
	return 0;
}

void vm_unmap_revoked(struct task *t)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &t->regions)
	{
		struct vm_region *r = list_entry(n, struct vm_region, link);
		if (r->cap && r->cap->revoked) {
			unmap_range(t, r->start, r->size);
			region_destroy(t, r);
		}
	}
}

static struct vm_region *find_region(struct task *t, uint64_t addr)
{
	struct list_node *n;

	list_for_each(n, &t->regions)
	{
		struct vm_region *r = list_entry(n, struct vm_region, link);
		if (r->start == addr)
			return r;
	}
	return NULL;
}

int vm_free_region(struct task *t, uint64_t addr, uint64_t size)
{
	struct vm_region *r = find_region(t, addr);

	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	if (!r)
		return -ERR_NOT_FOUND;
	/* Device memory (phys_map) is unmapped like anonymous memory; its
	 * frames are not the task's, so unmap_range leaves them alone. */
	if ((r->kind != VM_ANONYMOUS && r->kind != VM_PHYSICAL &&
	     r->kind != VM_OBJECT) ||
	    r->size != size)
		return -ERR_INVALID;
	if (r->kind == VM_OBJECT)
		window_return_dirty(t, r);
	unmap_range(t, r->start, r->size);
	region_destroy(t, r);
	return 0;
}

void vm_release_all(struct task *t)
{
	struct list_node *n;

	/* Page frames go with the page tables in arch_aspace_destroy; only
	 * the bookkeeping is released here. */
	while ((n = list_pop_front(&t->regions))) {
		struct vm_region *r = list_entry(n, struct vm_region, link);
		/* Shared frames are mapped as not owned: the page-table
		 * teardown leaves them alone. */
		if (r->shared)
			vm_shared_unref(r->shared);
		if (r->cap)
			hwcap_unref(r->cap);
		if (r->object)
			pager_object_destroy(r->object);
		region_free(t, r);
	}
	t->frames = 0;
}

int vm_map_contiguous(struct task *t, uint64_t size, unsigned flags,
		      uint64_t *out, uint64_t *phys)
{
	uint64_t pa, addr, pages;
	struct vm_region *r;
	int rc;

	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	pages = size / PAGE_SIZE;
	if (!(addr = find_gap(t, size)))
		return -ERR_NO_MEMORY;
	if ((rc = account_frames_alloc(t->account, pages, &pa)) < 0)
		return rc;
	/* A device writes these frames behind the page tables' back: they
	 * are never shared copy-on-write. */
	if ((rc = region_new(t, addr, size, flags | VM_CONTIGUOUS, VM_ANONYMOUS,
			     &r)) < 0) {
		account_frames_free(t->account, pa, pages);
		return rc;
	}
	region_insert(t, r);
	for (uint64_t i = 0; i < pages; i++) {
		memset(arch_phys_to_virt(pa + i * PAGE_SIZE), 0, PAGE_SIZE);
		rc = arch_map_page(t->account, t->aspace_root, addr + i * PAGE_SIZE,
				   pa + i * PAGE_SIZE, map_flags(flags));
		if (rc < 0) {
			/* unmap_range frees the frames mapped so far. */
			t->frames += i;
			unmap_range(t, addr, size);
			account_frames_free(t->account, pa + i * PAGE_SIZE, pages - i);
			list_remove(&r->link);
			region_free(t, r);
			return rc;
		}
	}
	t->frames += pages;
	*out = addr;
	*phys = pa;
	return 0;
}

bool vm_is_anonymous_region(struct task *t, uint64_t addr, uint64_t size)
{
	struct vm_region *r = find_region(t, addr);

	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	return r && r->kind == VM_ANONYMOUS && !r->shared && r->size == size &&
	       populate(t, r);
}

bool vm_is_shareable_region(struct task *t, uint64_t addr, uint64_t size)
{
	struct vm_region *r = find_region(t, addr);

	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	return r && r->kind == VM_ANONYMOUS && r->size == size &&
	       populate(t, r);
}

int vm_share_region(struct task *t, uint64_t addr, uint64_t size,
		    struct vm_shared **out)
{
	struct vm_region *r = find_region(t, addr);

	if (!vm_is_shareable_region(t, addr, size))
		return -ERR_INVALID;
	if (!r->shared) {
		void *obj;
		uint64_t npages = r->size / PAGE_SIZE;
		/* The frames keep the charge they had as t's; the object and
		 * its frame list are charged to t too. */
		int rc = account_object_alloc(t->account, &shared_cache, &obj);
		if (rc < 0)
			return rc;
		struct vm_shared *s = obj;
		s->account = t->account;
		s->refs = 1;
		s->npages = 0;
		s->array_frames = (uint32_t)((npages * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
		rc = account_frames_alloc(t->account, s->array_frames, &s->array_phys);
		if (rc < 0) {
			account_object_free(t->account, &shared_cache, s);
			return rc;
		}
		s->frames = arch_phys_to_virt(s->array_phys);
		/* A page shared copy-on-write becomes this task's own first:
		 * writes through the shared mapping must not reach the other
		 * holders. */
		for (uint64_t va = r->start; va < r->start + r->size; va += PAGE_SIZE) {
			uint64_t pa;
			if ((arch_page_state(t->aspace_root, va, false, &pa) &
			     ARCH_PAGE_COW) &&
			    (rc = (int)cow_break(t, r, va)) < 0) {
				account_frames_free(t->account, s->array_phys,
						    s->array_frames);
				account_object_free(t->account, &shared_cache, s);
				return rc;
			}
		}
		/* Remap every page as not owned; the object owns the frames.
		 * Remapping a page just unmapped needs no new table. */
		t->vm_version++;
		for (uint64_t va = r->start; va < r->start + r->size; va += PAGE_SIZE) {
			uint64_t pa;
			bool owned;
			bool mapped = arch_unmap_page(t->aspace_root, va, &pa, &owned);
			kassert(mapped && owned);
			s->frames[s->npages++] = pa;
			t->frames--;
			rc = arch_map_page(t->account, t->aspace_root, va, pa,
					   map_flags(r->flags) | MAP_NOT_OWNED);
			kassert(rc == 0);
		}
		r->shared = s;
	}
	r->shared->refs++;
	*out = r->shared;
	return 0;
}

int vm_map_shared(struct task *t, struct vm_shared *s, uint64_t *out)
{
	uint64_t size = s->npages * PAGE_SIZE, addr;
	struct vm_region *r;
	int rc;

	if (!s->npages || !(addr = find_gap(t, size)))
		return -ERR_NO_MEMORY;
	rc = region_new(t, addr, size, UK_VM_READ | UK_VM_WRITE, VM_ANONYMOUS, &r);
	if (rc < 0)
		return rc;
	region_insert(t, r);
	for (uint64_t i = 0; i < s->npages; i++) {
		rc = arch_map_page(t->account, t->aspace_root, addr + i * PAGE_SIZE,
				   s->frames[i], map_flags(r->flags) | MAP_NOT_OWNED);
		if (rc < 0) {
			unmap_range(t, addr, i * PAGE_SIZE);
			region_destroy(t, r);
			return rc;
		}
	}
	s->refs++;
	r->shared = s;
	*out = addr;
	return 0;
}

bool vm_take_region(struct task *t, uint64_t addr, uint64_t size,
		    uint64_t *frames)
{
	struct vm_region *r = find_region(t, addr);
	uint64_t i = 0;
	bool cow = false;

	kassert(r && r->kind == VM_ANONYMOUS);
	t->vm_version++;
	for (uint64_t va = r->start; va < r->start + r->size; va += PAGE_SIZE) {
		uint64_t pa;
		int st = arch_unmap_page_state(t->aspace_root, va, &pa);
		kassert(st & ARCH_PAGE_OWNED);
		cow |= (st & ARCH_PAGE_COW) != 0;
		frames[i++] = pa;
		t->frames--;
	}
	(void)size;
	list_remove(&r->link);
	region_free(t, r);
	return cow;
}

int vm_give_frames(struct task *t, const uint64_t *frames, uint64_t npages,
		   bool cow, uint64_t *out)
{
	uint64_t size = npages * PAGE_SIZE, addr;
	struct vm_region *r;
	int rc;

	if (!npages || !(addr = find_gap(t, size)))
		return -ERR_NO_MEMORY;
	if ((rc = account_charge(t->account, size)) < 0)
		return rc;
	rc = region_new(t, addr, size, UK_VM_READ | UK_VM_WRITE, VM_ANONYMOUS, &r);
	if (rc < 0) {
		account_uncharge(t->account, size);
		return rc;
	}
	region_insert(t, r);
	for (uint64_t i = 0; i < npages; i++) {
		rc = arch_map_page(t->account, t->aspace_root, addr + i * PAGE_SIZE,
				   frames[i], map_flags(r->flags) | (cow ? MAP_COW : 0));
		if (rc < 0) {
			t->vm_version++;
			for (uint64_t j = 0; j < i; j++) {
				uint64_t pa;
				bool owned;
				arch_unmap_page(t->aspace_root, addr + j * PAGE_SIZE,
						&pa, &owned);
			}
			list_remove(&r->link);
			region_free(t, r);
			account_uncharge(t->account, size);
			return rc;
		}
	}
	t->frames += npages;
	*out = addr;
	return 0;
}

int vm_map_object(struct task *t, struct port *p, uint64_t badge,
		  uint64_t offset, uint64_t size, unsigned flags,
		  uint64_t deadline_ns, uint64_t *out)
{
	struct vm_region *r;
	uint64_t addr;
	int rc;

	if (size > VM_ALLOC_TOP - VM_ALLOC_BASE)
		return -ERR_NO_MEMORY;
	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	if (!(addr = find_gap(t, size)))
		return -ERR_NO_MEMORY;
	if ((rc = region_new(t, addr, size, flags, VM_OBJECT, &r)) < 0)
		return rc;
	rc = pager_object_new(t, p, badge, addr, offset, size, flags,
			      deadline_ns, &r->object);
	if (rc < 0) {
		region_free(t, r);
		return rc;
	}
	region_insert(t, r);
	*out = addr;
	return 0;
}

static struct vm_region *region_containing(struct task *t, uint64_t addr)
{
	struct list_node *n;

	list_for_each(n, &t->regions)
	{
		struct vm_region *r = list_entry(n, struct vm_region, link);
		if (addr < r->start)
			break;
		if (addr - r->start < r->size)
			return r;
	}
	return NULL;
}

int64_t vm_page_fault(struct task *t, uint64_t addr, unsigned error)
{
	uint64_t va = addr & PAGE_MASK, deadline = 0, pa;
	bool write = error & VM_FAULT_WRITE;

	/* A protection fault on a present page is the task's own doing,
	 * unless it is a write to a copy-on-write page. */
	if (error & VM_FAULT_PRESENT) {
		struct vm_region *r = region_containing(t, va);
		if (write && r && r->kind != VM_OBJECT && r->kind != VM_PHYSICAL &&
		    (r->flags & UK_VM_WRITE) &&
		    (arch_page_state(t->aspace_root, va, false, &pa) & ARCH_PAGE_COW))
			return cow_break(t, r, va);
		return -ERR_FAULT;
	}
	for (;;) {
		struct vm_region *r = region_containing(t, va);
		if (r && r->kind == VM_ANONYMOUS && (r->flags & UK_VM_LAZY)) {
			if (write && !(r->flags & UK_VM_WRITE))
				return -ERR_FAULT;
			if (arch_translate(t->aspace_root, va, false, &pa))
				return 0;
			return zero_fill(t, r, va);
		}
		if (!r || r->kind != VM_OBJECT ||
		    (write && !(r->flags & UK_VM_WRITE)))
			return -ERR_FAULT;
		struct vm_object *o = r->object;
		uint64_t off = o->offset + (va - r->start);
		if (vm_object_page(o, off, &pa))
			return 0; /* supplied meanwhile (another thread's) */
		if (!deadline)
			deadline = timer_now_ns() + o->deadline_ns;
		int64_t rc = pager_fault(o, off, write, deadline);
		if (rc < 0)
			return rc;
	}
}

bool vm_object_page(struct vm_object *o, uint64_t off, uint64_t *pa)
{
	return arch_translate(o->task->aspace_root, o->va + (off - o->offset),
			      false, pa);
}

int vm_object_install(struct vm_object *o, uint64_t off, uint64_t pa)
{
	struct task *t = o->task;
	int rc = arch_map_page(t->account, t->aspace_root,
			       o->va + (off - o->offset), pa, map_flags(o->flags));

	if (rc == 0)
		t->frames++;
	return rc;
}

int64_t vm_kernel_fault(struct task *t, uint64_t addr, unsigned error)
{
	struct vm_region *r = region_containing(t, addr & PAGE_MASK);
	uint64_t pa;

	/* Only what never blocks: a copy in the middle of a system call must
	 * not wait for a pager (touch a window before handing it over). */
	if (!r || r->kind == VM_OBJECT || r->kind == VM_PHYSICAL)
		return -ERR_FAULT;
	/* A present page: a write to it may be to a copy-on-write page
	 * (of any memory of the task's own: a clone shares its image and
	 * stack too). */
	if (arch_page_state(t->aspace_root, addr & PAGE_MASK, false, &pa))
		return (error & VM_FAULT_WRITE)
			       ? vm_page_fault(t, addr, error | VM_FAULT_PRESENT)
			       : -ERR_FAULT;
	if (r->kind != VM_ANONYMOUS || !(r->flags & UK_VM_LAZY))
		return -ERR_FAULT;
	return vm_page_fault(t, addr, error);
}

/* ---- copy-on-write (cow.h) ---- */

static int64_t cow_break(struct task *t, struct vm_region *r, uint64_t va)
{
	uint64_t pa, copy;
	bool owned;

	arch_page_state(t->aspace_root, va, false, &pa);
	if (cow_shared(pa)) {
		/* The task's charge for this page pays for the copy. */
		if (!kframe_alloc(&copy))
			return -ERR_NO_MEMORY;
		memcpy(arch_phys_to_virt(copy), arch_phys_to_virt(pa), PAGE_SIZE);
	} else {
		copy = pa; /* the last holder: the frame is ours again */
	}
	t->vm_version++;
	arch_unmap_page(t->aspace_root, va, &pa, &owned);
	/* Remapping a page just unmapped needs no new table. */
	int rc = arch_map_page(t->account, t->aspace_root, va, copy,
			       map_flags(r->flags));
	kassert(rc == 0);
	if (copy != pa)
		cow_drop(pa);
	return 0;
}

/* t's own page at va (frame pa, region r) becomes copy-on-write:
 * read-only until written. Remapping a page just unmapped needs no new
 * table. */
static void mark_cow(struct task *t, struct vm_region *r, uint64_t va,
		     uint64_t pa)
{
	bool owned;

	t->vm_version++;
	arch_unmap_page(t->aspace_root, va, &pa, &owned);
	int rc = arch_map_page(t->account, t->aspace_root, va, pa,
			       map_flags(r->flags) | MAP_COW);
	kassert(rc == 0);
}

bool vm_cow_page(struct task *t, uint64_t va, uint64_t *out)
{
	struct vm_region *r = region_containing(t, va);
	uint64_t pa;

	if (!r || r->kind != VM_ANONYMOUS || r->shared ||
	    (r->flags & VM_CONTIGUOUS))
		return false;
	int st = arch_page_state(t->aspace_root, va, false, &pa);
	if (!st && (!(r->flags & UK_VM_LAZY) || zero_fill(t, r, va) < 0 ||
		    !(st = arch_page_state(t->aspace_root, va, false, &pa))))
		return false;
	if (!(st & ARCH_PAGE_OWNED) || !cow_share(pa))
		return false;
	if (!(st & ARCH_PAGE_COW))
		mark_cow(t, r, va, pa);
	*out = pa;
	return true;
}

/* Return the run of n dirty pages of window o at va (see vm_sync): a
 * copy of each (kept, now clean) or the frames themselves (evicted). */
static int return_run(struct task *t, struct vm_object *o, uint64_t va,
		      uint64_t n, bool evict)
{
	struct kmsg *m;
	uint64_t *frames, pa;
	int rc = kmsg_return_alloc(t->account, n, &m, &frames);

	if (rc < 0)
		return rc;
	if (evict) {
		t->vm_version++;
		for (uint64_t i = 0; i < n; i++) {
			bool owned;
			bool mapped = arch_unmap_page(t->aspace_root,
						      va + i * PAGE_SIZE, &pa, &owned);
			/* A window's frames are its own (pager_supply). */
			kassert(mapped && owned);
			frames[i] = pa;
			t->frames--;
		}
	} else {
		/* Copy every page before any dirty bit is cleared, so a
		 * failure leaves them all dirty. */
		for (uint64_t i = 0; i < n; i++) {
			uint64_t copy;
			if ((rc = account_frame_alloc(t->account, &copy)) < 0) {
				kmsg_return_discard(m, i);
				return rc;
			}
			arch_page_state(t->aspace_root, va + i * PAGE_SIZE, false, &pa);
			memcpy(arch_phys_to_virt(copy), arch_phys_to_virt(pa), PAGE_SIZE);
			frames[i] = copy;
		}
		for (uint64_t i = 0; i < n; i++)
			arch_page_state(t->aspace_root, va + i * PAGE_SIZE, true, &pa);
	}
	kmsg_return_post(m, o->port, o->badge, o->id, o->offset + (va - o->va), n,
			 UK_PAGER_RETURN_DIRTY |
				 (evict ? UK_PAGER_RETURN_EVICTED : 0));
	return 0;
}

#define RETURN_PAGES_MAX (PAGER_SUPPLY_MAX / PAGE_SIZE)

/* The next run of dirty pages of t in [*va, end), at most
 * RETURN_PAGES_MAX long: its first page in *first, its length returned
 * (0: none). With evict, clean pages before it leave the window on the
 * way, counted in *dropped. *va ends past the pages looked at. */
static uint64_t next_dirty_run(struct task *t, uint64_t *va, uint64_t end,
			       bool evict, uint64_t *first, uint64_t *dropped)
{
	uint64_t n = 0, pa;

	while (*va < end && n < RETURN_PAGES_MAX) {
		uint64_t next = arch_next_mapped(t->aspace_root, *va, end);
		if (n && next != *va)
			break; /* a hole ends the run */
		if ((*va = next) >= end)
			break;
		int st = arch_page_state(t->aspace_root, *va, false, &pa);
		if (st & ARCH_PAGE_DIRTY) {
			if (!n++)
				*first = *va;
		} else if (n) {
			break;
		} else if (st && evict) {
			bool owned;
			t->vm_version++;
			arch_unmap_page(t->aspace_root, *va, &pa, &owned);
			cow_release(t->account, pa);
			t->frames--;
			(*dropped)++;
		}
		*va += PAGE_SIZE;
	}
	return n;
}

int64_t vm_sync(struct task *t, uint64_t addr, uint64_t size, unsigned flags)
{
	struct vm_region *r = region_containing(t, addr);
	bool evict = flags & UK_VM_SYNC_EVICT;
	uint64_t end = addr + size, va = addr, deadline = 0, returned = 0;
	uint64_t dropped = 0;

	if (!r || r->kind != VM_OBJECT || (addr & ~PAGE_MASK) ||
	    (size & ~PAGE_MASK) || !size || size > r->start + r->size - addr)
		return -ERR_INVALID;
	const uint64_t id = r->object->id;
	for (;;) {
		/* Waiting for room let other threads run: the window may be
		 * gone, or its pages changed. */
		r = region_containing(t, va < end ? va : addr);
		if (!r || r->kind != VM_OBJECT || r->object->id != id)
			return -ERR_DEAD;
		struct vm_object *o = r->object;
		uint64_t first = 0;
		uint64_t n = next_dirty_run(t, &va, end, evict, &first, &dropped);
		if (!n)
			return (int64_t)returned;
		if (o->dead)
			return -ERR_DEAD;
		if (!deadline)
			deadline = timer_now_ns() + o->deadline_ns;
		int64_t rc = kmsg_wait_room(o->port, deadline);
		if (rc < 0)
			return rc;
		if (rc == 0 && (rc = return_run(t, o, first, n, evict)) < 0)
			return rc;
		if (rc == 0)
			returned += n;
		va = rc == 0 ? first + n * PAGE_SIZE : first;
	}
}

/* Window r of t goes (unmapped, or its task ends): its dirty pages go to
 * the pager first, as returns (the frames move: nothing is allocated but
 * the messages), so what was written through a mapping is not lost when
 * its task is killed. A return that cannot be made is dropped. */
static void window_return_dirty(struct task *t, struct vm_region *r)
{
	struct vm_object *o = r->object;
	uint64_t va = r->start, end = r->start + r->size, dropped = 0;

	if (!o || o->dead || !o->port->alive)
		return;
	for (;;) {
		uint64_t first = 0;
		uint64_t n = next_dirty_run(t, &va, end, false, &first, &dropped);
		if (!n || return_run(t, o, first, n, true) < 0)
			return;
		va = first + n * PAGE_SIZE;
	}
}

void vm_return_windows(struct task *t)
{
	struct list_node *n;

	list_for_each(n, &t->regions)
	{
		struct vm_region *r = list_entry(n, struct vm_region, link);
		if (r->kind == VM_OBJECT)
			window_return_dirty(t, r);
	}
}

int64_t vm_object_flush(struct vm_object *o, uint64_t off, uint64_t size)
{
	struct task *t = o->task;
	uint64_t va = o->va + (off - o->offset), end = va + size, gone = 0;

	for (;;) {
		uint64_t first = 0;
		uint64_t n = next_dirty_run(t, &va, end, true, &first, &gone);
		if (!n)
			return (int64_t)gone;
		/* No wait for room: the caller is the pager, and the queue is
		 * its own. */
		int rc = return_run(t, o, first, n, true);
		if (rc < 0)
			return gone ? (int64_t)gone : rc;
		gone += n;
		va = first + n * PAGE_SIZE;
	}
}

/* ---- cloning an address space (task_clone) ---- */

/* Page va of parent's region r, present: shared copy-on-write with
 * child (charged a page), mapped at the same address. */
static int clone_page(struct task *parent, struct task *child,
		      struct vm_region *r, uint64_t va, uint64_t pa, int st)
{
	int rc;

	if ((rc = account_charge(child->account, PAGE_SIZE)) < 0)
		return rc;
	if (!cow_share(pa)) {
		/* The holder count is full: a copy. */
		uint64_t copy;
		if (!kframe_alloc(&copy)) {
			account_uncharge(child->account, PAGE_SIZE);
			return -ERR_NO_MEMORY;
		}
		memcpy(arch_phys_to_virt(copy), arch_phys_to_virt(pa), PAGE_SIZE);
		rc = arch_map_page(child->account, child->aspace_root, va, copy,
				   map_flags(r->flags));
		if (rc < 0) {
			cow_release(child->account, copy);
			return rc;
		}
		child->frames++;
		return 0;
	}
	rc = arch_map_page(child->account, child->aspace_root, va, pa,
			   map_flags(r->flags) | MAP_COW);
	if (rc < 0) {
		cow_release(child->account, pa);
		return rc;
	}
	child->frames++;
	if (!(st & ARCH_PAGE_COW))
		mark_cow(parent, r, va, pa);
	return 0;
}

int vm_clone(struct task *parent, struct task *child)
{
	struct list_node *n;
	int rc;

	list_for_each(n, &parent->regions)
	{
		struct vm_region *r = list_entry(n, struct vm_region, link);
		struct vm_region *c;
		/* Windows, device and physical memory, DMA buffers are the
		 * creator's alone; shared regions stay shared. */
		if (r->kind == VM_OBJECT || r->kind == VM_PHYSICAL ||
		    (r->flags & VM_CONTIGUOUS))
			continue;
		if ((rc = region_new(child, r->start, r->size, r->flags, r->kind,
				     &c)) < 0)
			return rc;
		if ((rc = region_insert(child, c)) < 0) {
			region_free(child, c);
			return rc;
		}
		for (uint64_t va = r->start, end = r->start + r->size;
		     (va = arch_next_mapped(parent->aspace_root, va, end)) < end;
		     va += PAGE_SIZE) {
			uint64_t pa;
			int st = arch_page_state(parent->aspace_root, va, false, &pa);
			if (!st)
				continue;
			if (r->shared) {
				rc = arch_map_page(child->account, child->aspace_root,
						   va, pa,
						   map_flags(r->flags) | MAP_NOT_OWNED);
			} else if (st & ARCH_PAGE_OWNED) {
				rc = clone_page(parent, child, r, va, pa, st);
			} else {
				continue;
			}
			if (rc < 0)
				return rc; /* the unstarted child is destroyed */
		}
		if (r->shared) {
			c->shared = r->shared;
			r->shared->refs++;
		}
	}
	return 0;
}
