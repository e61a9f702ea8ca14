/* SPDX-License-Identifier: MIT */
/*
 * Hardware capabilities (see hwcap.h) and the syscalls that use them:
 * per-task I/O permission bitmaps, device memory mappings, interrupt
 * delivery as messages, and DMA memory. The kernel keeps IRQ 0 (its tick)
 * and IRQ 2 (the PIC cascade); RAM is never mapped through a capability.
 *
 * Revocation (cap_revoke) is bounded by the objects there are, with no
 * per-capability lists to keep: one pass over every live capability (each
 * checks its ancestors: capabilities x tree depth) marks the descendants;
 * one pass over the interrupt table drops their bindings; one pass over
 * every task's regions and io_enabled slots unmaps their device memory
 * and rebuilds the I/O bitmap of each task that lost an enable (8 KiB plus
 * the ports of its remaining enables). Freeing a capability that some task
 * io_enabled takes the same pass over the tasks' slots. Nothing allocates, so
 * it cannot fail half-way. The kernel runs syscalls and interrupts with
 * interrupts off on one CPU, so nothing runs in between.
 */
#include "hwcap.h"

#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

#include "arch.h"
#include "ipc.h"
#include "kernel.h"
#include "quota.h"
#include "sched.h"
#include "slab.h"
#include "syscall_table.h"
#include "task.h"
#include "vm.h"

#define IO_PORTS 65536u
#define IRQ_LINES 16u

static struct slab_cache cap_cache;
static struct list_node all_caps;

/* PCI interrupt lines are shared: up to IRQ_SHARERS drivers bind one line,
 * each with its own capability. An interrupt masks the line and notifies
 * every binding; the line is unmasked when every live binding has
 * acknowledged, so a level-triggered line still raised fires again. */
#define IRQ_SHARERS 4
struct irq_binding {
	struct port *port;  /* reference held, NULL when unbound */
	struct hw_cap *cap; /* the capability it was bound with (reference) */
	uint64_t pending;   /* interrupts not yet reported */
	bool outstanding;   /* a notice was sent and not acknowledged */
	/* The binding's one notice, allocated at bind time and reused (kept):
	 * an interrupt never needs memory, so no notice is lost and no line
	 * stays masked for want of one. */
	struct kmsg *notice;
};
static struct irq_binding irqs[IRQ_LINES][IRQ_SHARERS];

static void binding_drop(struct irq_binding *b)
{
	if (b->notice->in_flight)
		b->notice->kept = false; /* it frees itself when delivered */
	else
		kmsg_notice_free(b->notice);
	b->notice = NULL;
	port_unref(b->port);
	hwcap_unref(b->cap);
	b->port = NULL;
	b->cap = NULL;
}

/* Drop bindings whose port died, then mask or unmask the line. */
static void line_update(unsigned line)
{
	bool live = false, waiting = false;

	for (unsigned i = 0; i < IRQ_SHARERS; i++) {
		struct irq_binding *b = &irqs[line][i];
		if (b->port && !b->port->alive)
			binding_drop(b);
		if (b->port) {
			live = true;
			waiting |= b->outstanding;
		}
	}
	if (live && !waiting)
		arch_irq_unmask(line);
	else
		arch_irq_mask(line);
}

static struct irq_binding *binding_of(unsigned line, const struct hw_cap *c)
{
	for (unsigned i = 0; i < IRQ_SHARERS; i++)
		if (irqs[line][i].port && irqs[line][i].cap == c)
			return &irqs[line][i];
	return NULL;
}

void hwcap_init(void)
{
	slab_cache_init(&cap_cache, "hw_cap", sizeof(struct hw_cap));
	list_init(&all_caps);
}

void hwcap_ref(struct hw_cap *c)
{
	c->refs++;
}

static void io_forget(struct task *t, void *cap);

/* A loop, not recursion: the last reference to a deep chain frees it all. */
void hwcap_unref(struct hw_cap *c)
{
	while (c && --c->refs == 0) {
		struct hw_cap *parent = c->parent;
		if (c->io_enables)
			task_for_each(io_forget, c); /* its ports close */
		list_remove(&c->link);
		account_object_free(c->account, &cap_cache, c);
		c = parent;
	}
}

/* A new capability derived from parent (NULL: a root) in t's name table,
 * charged to t: its name, or an error. */
static int64_t insert(struct task *t, struct hw_cap *parent, uint32_t kind,
		      uint64_t base, uint64_t size)
{
	struct hw_cap *c;
	uk_name_t name;
	struct ipc_entry *e;
	void *obj;
	int rc = account_object_alloc(t->account, &cap_cache, &obj);

	if (rc < 0)
		return rc;
	c = obj;
	e = ipc_entry_alloc(&t->space, &name, &rc);
	if (!e) {
		account_object_free(t->account, &cap_cache, c);
		return rc;
	}
	c->account = t->account;
	c->refs = 1;
	c->kind = kind;
	c->base = base;
	c->size = size;
	c->parent = parent;
	c->io_enables = 0;
	c->revoked = false;
	if (parent)
		hwcap_ref(parent);
	list_push_back(&all_caps, &c->link);
	e->object = c;
	e->rights = UK_RIGHT_HARDWARE;
	return (int64_t)name;
}

/* A root for init: its name, or 0 if init's first names could not be
 * made (init then finds none and says so). */
static uk_name_t insert_root(struct task *t, uint32_t kind, uint64_t base,
			     uint64_t size)
{
	int64_t name = insert(t, NULL, kind, base, size);

	return name < 0 ? 0 : (uk_name_t)name;
}

void hwcap_grant_roots(struct task *t, uk_name_t out[UK_TASK_RIGHTS_MAX])
{
	out[UK_STARTUP_BOOTSTRAP] = UK_NAME_NULL;
	out[UK_STARTUP_HW_IO] = insert_root(t, UK_HW_IO_PORTS, 0, IO_PORTS);
	/* Physical addresses end at 2^MAXPHYADDR: beyond it a page-table entry
	 * would have reserved bits set (and arch_map_page asserts). */
	out[UK_STARTUP_HW_MEMORY] =
	    insert_root(t, UK_HW_MEMORY, 0, arch_phys_limit());
	out[UK_STARTUP_HW_IRQ] = insert_root(t, UK_HW_IRQ, 1, IRQ_LINES - 1);
}

/* Decode: the capability a name holds, of the wanted kind (0: any), not
 * revoked. */
static int lookup(uint64_t name, uint32_t kind, struct hw_cap **out)
{
	struct ipc_entry *e = ipc_entry_lookup(&current->task->space, name);

	if (!e)
		return -ERR_BAD_NAME;
	if (!(e->rights & UK_RIGHT_HARDWARE))
		return -ERR_RIGHTS;
	*out = e->object;
	if ((*out)->revoked)
		return -ERR_DEAD;
	if (kind && (*out)->kind != kind)
		return -ERR_RIGHTS;
	return 0;
}

int64_t sys_cap_derive(uint64_t name, uint64_t base, uint64_t size)
{
	struct hw_cap *c;
	int rc = lookup(name, 0, &c);

	if (rc < 0)
		return rc;
	if (size == 0 || base < c->base || base - c->base > c->size ||
	    size > c->size - (base - c->base))
		return -ERR_INVALID;
	if (c->kind == UK_HW_MEMORY && ((base | size) & (PAGE_SIZE - 1)))
		return -ERR_INVALID;
	return insert(current->task, c, c->kind, base, size);
}

int64_t sys_cap_info(uint64_t name, uaddr_t info)
{
	struct hw_cap *c;
	int rc = lookup(name, 0, &c);

	if (rc < 0)
		return rc;
	struct uk_hw_info out = { c->kind, 0, c->base, c->size };
	return copy_to_user(current->task, info, &out, sizeof(out)) < 0 ? -ERR_FAULT : 0;
}

static void io_open(struct task *t, const struct hw_cap *c)
{
	for (uint64_t p = c->base; p < c->base + c->size; p++)
		t->io_bitmap[p / 8] &= (uint8_t)~(1u << (p % 8));
}

int64_t sys_io_enable(uint64_t name)
{
	struct hw_cap *c;
	struct task *t = current->task;
	int rc = lookup(name, UK_HW_IO_PORTS, &c);
	unsigned slot = HWCAP_IO_ENABLES_MAX;

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < HWCAP_IO_ENABLES_MAX; i++) {
		if (t->io_enabled[i] == c)
			return 0; /* open already */
		if (!t->io_enabled[i] && slot == HWCAP_IO_ENABLES_MAX)
			slot = i;
	}
	if (slot == HWCAP_IO_ENABLES_MAX)
		return -ERR_LIMIT;
	if (!t->io_bitmap) {
		uint64_t pa;
		rc = account_frames_alloc(t->account, UK_IO_BITMAP_BYTES / PAGE_SIZE,
					  &pa);
		if (rc < 0)
			return rc;
		t->io_bitmap = arch_phys_to_virt(pa);
		memset(t->io_bitmap, 0xff, UK_IO_BITMAP_BYTES); /* 1 = denied */
	}
	c->io_enables++;
	t->io_enabled[slot] = c;
	io_open(t, c);
	/* Takes effect now; forget first, or an unchanged owner skips the
	 * copy into the TSS. */
	arch_forget_io_bitmap(t);
	arch_set_io_bitmap(t->io_bitmap, t);
	return 0;
}

void hwcap_task_release(struct task *t)
{
	for (unsigned i = 0; i < HWCAP_IO_ENABLES_MAX; i++) {
		if (t->io_enabled[i])
			t->io_enabled[i]->io_enables--;
		t->io_enabled[i] = NULL;
	}
	if (!t->io_bitmap)
		return;
	arch_forget_io_bitmap(t);
	account_frames_free(t->account, arch_virt_to_phys(t->io_bitmap),
			    UK_IO_BITMAP_BYTES / PAGE_SIZE);
	t->io_bitmap = NULL;
}

int64_t sys_phys_map(uint64_t name, uint64_t offset, uint64_t size,
		     uint64_t flags)
{
	struct hw_cap *c;
	uint64_t addr;
	int rc = lookup(name, UK_HW_MEMORY, &c);

	if (rc < 0)
		return rc;
	if (flags & ~(uint64_t)(UK_VM_READ | UK_VM_WRITE))
		return flags & UK_VM_EXEC ? -ERR_PERMISSION : -ERR_INVALID;
	if (size == 0 || ((offset | size) & (PAGE_SIZE - 1)) ||
	    offset > c->size || size > c->size - offset)
		return -ERR_INVALID;
	uint64_t pa = c->base + offset;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (phys_is_ram(pa + off))
			return -ERR_PERMISSION;
	rc = vm_map_physical(current->task, 0, pa, size,
			     (unsigned)flags | UK_VM_READ | VM_UNCACHED, c,
			     &addr);
	return rc < 0 ? rc : (int64_t)addr;
}

int64_t sys_irq_bind(uint64_t name, uint64_t port)
{
	struct hw_cap *c;
	int rc = lookup(name, UK_HW_IRQ, &c);

	if (rc < 0)
		return rc;
	if (c->size != 1)
		return -ERR_INVALID; /* derive a capability for one line */
	unsigned line = (unsigned)c->base;
	if (line == 0 || line == 2 || line >= IRQ_LINES)
		return -ERR_BUSY;
	struct irq_binding *b = binding_of(line, c);
	if (port == UK_NAME_NULL) { /* unbind */
		if (b)
			binding_drop(b);
		line_update(line);
		return 0;
	}
	struct ipc_entry *e = ipc_entry_lookup(&current->task->space, port);
	if (!e)
		return -ERR_BAD_NAME;
	/* Notices go only to a port the caller receives on (see
	 * sys_port_request_notification). */
	if (!(e->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	struct port *p = e->object;
	line_update(line); /* forget dead bindings first */
	if (b)
		return -ERR_BUSY; /* this capability is bound already */
	for (unsigned i = 0; i < IRQ_SHARERS && !b; i++)
		if (!irqs[line][i].port)
			b = &irqs[line][i];
	if (!b)
		return -ERR_BUSY; /* too many sharers */
	/* The binding's notice is the binder's to pay for. */
	struct kmsg *notice;
	if ((rc = kmsg_notice_alloc(current->task->account, &notice)) < 0)
		return rc;
	notice->kept = true;
	port_ref(p);
	hwcap_ref(c);
	*b = (struct irq_binding){ p, c, 0, false, notice };
	line_update(line);
	return 0;
}

int64_t sys_irq_ack(uint64_t name)
{
	struct hw_cap *c;
	int rc = lookup(name, UK_HW_IRQ, &c);

	if (rc < 0)
		return rc;
	if (c->size != 1 || c->base >= IRQ_LINES)
		return -ERR_INVALID;
	struct irq_binding *b = binding_of((unsigned)c->base, c);
	if (!b)
		return -ERR_NOT_FOUND;
	b->outstanding = false;
	line_update((unsigned)c->base);
	return 0;
}

/* Called from irq_handle for lines that are not the kernel's. */
bool hwcap_irq(unsigned line)
{
	bool any = false;

	if (line >= IRQ_LINES)
		return false;
	/* The line stays masked until every driver acknowledges. */
	arch_irq_mask(line);
	for (unsigned i = 0; i < IRQ_SHARERS; i++) {
		struct irq_binding *b = &irqs[line][i];
		if (!b->port)
			continue;
		any = true;
		if (!b->port->alive) {
			binding_drop(b);
			continue;
		}
		b->pending++;
		if (!b->outstanding) {
			b->outstanding = true;
			if (b->notice->in_flight) {
				/* Acknowledged before the notice was read: it
				 * is still queued, so it reports these too. */
				struct uk_notification *n =
					(struct uk_notification *)b->notice->data;
				n->count += b->pending;
			} else {
				kmsg_notice_post(b->notice, b->port,
						 UK_MSG_ID_INTERRUPT, 0, line,
						 b->pending);
			}
			b->pending = 0;
		}
	}
	if (any)
		line_update(line);
	return any;
}

/* Is c derived from a, directly or not? */
static bool derived_from(const struct hw_cap *c, const struct hw_cap *a)
{
	for (c = c->parent; c; c = c->parent)
		if (c == a)
			return true;
	return false;
}

/* Close the I/O ports t opened with cap (NULL: with any revoked
 * capability): its bitmap is rebuilt from the enables that remain. */
static void io_forget(struct task *t, void *cap)
{
	bool changed = false;

	for (unsigned i = 0; i < HWCAP_IO_ENABLES_MAX; i++) {
		struct hw_cap *c = t->io_enabled[i];
		if (c && (cap ? c == cap : c->revoked)) {
			c->io_enables--;
			t->io_enabled[i] = NULL;
			changed = true;
		}
	}
	if (changed && t->io_bitmap) {
		memset(t->io_bitmap, 0xff, UK_IO_BITMAP_BYTES);
		for (unsigned i = 0; i < HWCAP_IO_ENABLES_MAX; i++)
			if (t->io_enabled[i])
				io_open(t, t->io_enabled[i]);
		/* The TSS holds a copy of the running task's bitmap. */
		arch_forget_io_bitmap(t);
		if (current->task == t)
			arch_set_io_bitmap(t->io_bitmap, t);
	}
}

/* Undo in t what revoked capabilities allowed: ports, device memory. */
static void revoke_in_task(struct task *t, void *unused)
{
	(void)unused;
	io_forget(t, NULL);
	vm_unmap_revoked(t);
}

int64_t sys_cap_revoke(uint64_t name)
{
	struct hw_cap *a;
	struct list_node *n;
	int64_t revoked = 0;
	int rc = lookup(name, 0, &a);

	if (rc < 0)
		return rc;
	list_for_each(n, &all_caps)
	{
		struct hw_cap *c = list_entry(n, struct hw_cap, link);
		if (!c->revoked && derived_from(c, a)) {
			c->revoked = true;
			revoked++;
		}
	}
	if (!revoked)
		return 0;
	for (unsigned line = 0; line < IRQ_LINES; line++) {
		bool dropped = false;
		for (unsigned i = 0; i < IRQ_SHARERS; i++) {
			struct irq_binding *b = &irqs[line][i];
			if (b->port && b->cap->revoked) {
				binding_drop(b);
				dropped = true;
			}
		}
		if (dropped)
			line_update(line);
	}
	task_for_each(revoke_in_task, NULL);
	return revoked;
}

int64_t sys_vm_allocate_dma(uint64_t size, uaddr_t phys)
{
	uint64_t addr, pa;
	int rc;

	if (user_range_ok(phys, sizeof(uint64_t)) < 0 || phys == 0)
		return -ERR_FAULT;
	if (size == 0 || size > (16ull << 20))
		return size ? -ERR_TOO_BIG : -ERR_INVALID;
	rc = vm_map_contiguous(current->task, size, UK_VM_READ | UK_VM_WRITE,
			       &addr, &pa);
	if (rc < 0)
		return rc;
	if (copy_to_user(current->task, phys, &pa, sizeof(pa)) < 0) {
		vm_free_region(current->task, addr, size);
		return -ERR_FAULT;
	}
	return (int64_t)addr;
}
