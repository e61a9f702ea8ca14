/* SPDX-License-Identifier: MIT */
/*
 * User address-space regions. Every mapping a task has belongs to one
 * region (image segment, stack, anonymous memory or a physical window such
 * as the boot archive, or a window onto a pager's memory object);
 * regions never overlap. Anonymous memory is allocated and zeroed
 * eagerly unless asked for lazily (UK_VM_LAZY: zeroed at first touch).
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"

struct hw_cap;
struct task;
struct vm_shared;

enum vm_region_kind {
	VM_IMAGE,     /* ELF segment */
	VM_STACK,     /* initial thread stack */
	VM_ANONYMOUS, /* vm_allocate */
	VM_PHYSICAL,  /* frames the task does not own */
	VM_OBJECT,    /* a window onto a pager's memory object (pager.h) */
};

struct vm_region {
	struct list_node link;
	uint64_t start, size;
	unsigned flags; /* UK_VM_* */
	enum vm_region_kind kind;
	/* Frames shared with other tasks (UK_OOL_SHARE): mapped as not
	 * owned here, freed when the last region referring to them goes. */
	struct vm_shared *shared;
	/* VM_PHYSICAL through phys_map: the capability it was made with
	 * (reference), so cap_revoke can find and unmap it. */
	struct hw_cap *cap;
	/* VM_OBJECT: the window's object (owned by the region). */
	struct vm_object *object;
};

/* Where vm_allocate places memory when the caller does not choose. */
#define VM_ALLOC_BASE 0x0000100000000000ull
#define VM_ALLOC_TOP 0x00007f0000000000ull
#define VM_STACK_TOP 0x00007fff00000000ull
#define VM_STACK_SIZE (64 * 1024ull)
#define VM_BOOT_ARCHIVE_BASE 0x0000080000000000ull

#define VM_UNCACHED 0x100u /* vm_map_physical: device memory */
#define VM_CONTIGUOUS 0x200u /* vm_map_contiguous: DMA, never copy-on-write */

void vm_init(void);
struct port;
/* A window of size bytes onto the memory object port p from offset on,
 * wherever there is room (pager.h). */
int vm_map_object(struct task *t, struct port *p, uint64_t badge,
		  uint64_t offset, uint64_t size, unsigned flags,
		  uint64_t deadline_ns, uint64_t *out);
/* A user page fault at addr (error: the CPU's error code bits, VM_FAULT_*)
 * that a window may resolve. Returns 0 when the access can be retried,
 * or the error that ends the task (ERR_FAULT: no window, or an access it
 * does not allow). */
#define VM_FAULT_PRESENT 0x1u
#define VM_FAULT_WRITE 0x2u
int64_t vm_page_fault(struct task *t, uint64_t addr, unsigned error);
/* Page-out (uk/ipc.h): the dirty pages of [addr, addr + size), a
 * page-aligned range inside one window of t, go to its pager, and with
 * UK_VM_SYNC_EVICT every page of the range leaves the window. May wait
 * for room in the pager's queue, up to the window's deadline. Returns
 * the pages returned, or ERR_INVALID (not inside one window), ERR_DEAD
 * (the pager's port died, or the window went while waiting),
 * ERR_TIMED_OUT, ERR_LIMIT / ERR_NO_MEMORY (copies t cannot pay for);
 * pages returned before an error stay returned. */
int64_t vm_sync(struct task *t, uint64_t addr, uint64_t size, unsigned flags);
/* The same for a fault of the kernel's checked copy on a user address:
 * only demand-zero pages, which never wait. */
int64_t vm_kernel_fault(struct task *t, uint64_t addr, unsigned error);
/* Out-of-line memory. True when [addr, addr + size) is exactly one
 * anonymous region of t (what UK_OOL_MOVE may take). */
bool vm_is_anonymous_region(struct task *t, uint64_t addr, uint64_t size);
/* Unmap that region and hand its frames (npages of them) to the caller;
 * true if any was copy-on-write (cow.h: it may have other holders). */
bool vm_take_region(struct task *t, uint64_t addr, uint64_t size,
		    uint64_t *frames);
/* Map frames into a new anonymous region of t, which is charged for them
 * from now on (the caller uncharges whoever paid before); cow: mapped
 * copy-on-write (frames other holders may share). On failure (ERR_LIMIT
 * when t's account cannot take them) nothing stays mapped and the frames
 * remain the caller's. */
int vm_give_frames(struct task *t, const uint64_t *frames, uint64_t npages,
		   bool cow, uint64_t *out);
/* Out-of-line COPY without a copy: the page at va of t (page aligned,
 * in an anonymous region that is not shared or DMA; a demand-zero page
 * is filled) becomes copy-on-write, with one more holder (cow.h), its
 * frame in *out. False when it cannot be shared: the caller copies. */
bool vm_cow_page(struct task *t, uint64_t va, uint64_t *out);
/* Shared memory (UK_OOL_SHARE). True when [addr, addr + size) is exactly
 * one anonymous region of t, shared already or not. */
bool vm_is_shareable_region(struct task *t, uint64_t addr, uint64_t size);
/* Make that region shared (its frames leave t's ownership for a shared
 * object, which stays charged to t's account until its last reference
 * goes) and return a new reference to the object. */
int vm_share_region(struct task *t, uint64_t addr, uint64_t size,
		    struct vm_shared **out);
/* Map the object's frames into a new region of t (read and write); the
 * region holds its own reference. */
int vm_map_shared(struct task *t, struct vm_shared *s, uint64_t *out);
uint64_t vm_shared_size(const struct vm_shared *s);
void vm_shared_unref(struct vm_shared *s);
/* Physically contiguous zeroed memory (DMA), an anonymous region. */
int vm_map_contiguous(struct task *t, uint64_t size, unsigned flags,
		      uint64_t *out, uint64_t *phys);
/* Allocate size bytes (rounded up to pages) of zeroed memory at a fixed
 * address (kind IMAGE/STACK) or, with addr 0, wherever there is room in
 * the allocation window. Returns 0 and the address, or a negative error;
 * on failure nothing stays mapped. */
int vm_map_anonymous(struct task *t, uint64_t addr, uint64_t size,
		     unsigned flags, enum vm_region_kind kind, uint64_t *out);
/* Map physical frames the task does not own, read-only unless flags say.
 * cap (may be NULL) is what allowed it; the region takes a reference. */
int vm_map_physical(struct task *t, uint64_t addr, uint64_t phys, uint64_t size,
		    unsigned flags, struct hw_cap *cap, uint64_t *out);
/* Unmap and forget every region of t made with a revoked capability. */
void vm_unmap_revoked(struct task *t);
/* Free exactly one region made by vm_allocate. */
int vm_free_region(struct task *t, uint64_t addr, uint64_t size);
/* child (new, unstarted) gets a copy of parent's address space at the
 * same addresses: its own pages copy-on-write (each charged to child as
 * a copy), shared regions shared; windows, device, physical and DMA
 * memory are not inherited. On failure what was made stays for
 * vm_release_all. */
int vm_clone(struct task *parent, struct task *child);
/* A task is ending: the dirty pages of its windows go to their pagers
 * (before its rights go, so a pager sees them ahead of the no-senders
 * notice of the right it mapped with). */
void vm_return_windows(struct task *t);
/* Unmap and free everything (task teardown). */
void vm_release_all(struct task *t);

#endif
