/* SPDX-License-Identifier: MIT */
/*
 * Windows onto memory objects served by user pagers (see pager.h): the
 * request/supply/refuse state machine and the three system calls. The
 * page tables are vm.c's (vm_object_page, vm_object_install, vm_map_object),
 * so the host tests link this file unchanged against fakes of those.
 */
#include "pager.h"

#include <string.h>
#include <uk/errors.h>
#include <uk/ipc.h>
#include <uk/types.h>

#include "arch.h"
#include "ipc.h"
#include "kernel.h"
#include "quota.h"
#include "slab.h"
#include "syscall_table.h"
#include "task.h"
#include "timer.h"
#include "usercopy.h"
#include "vm.h"

static struct slab_cache object_cache;
static uint64_t next_object_id = 1;

void pager_init(void)
{
	slab_cache_init(&object_cache, "vm_object", sizeof(struct vm_object));
}

int pager_object_new(struct task *t, struct port *p, uint64_t badge,
		     uint64_t va, uint64_t offset, uint64_t size,
		     unsigned flags, uint64_t deadline_ns,
		     struct vm_object **out)
{
	void *obj;
	int rc;

	if (t->windows >= UK_WINDOWS_MAX)
		return -ERR_LIMIT;
	if ((rc = account_object_alloc(t->account, &object_cache, &obj)) < 0)
		return rc;
	struct vm_object *o = obj;
	memset(o, 0, sizeof(*o));
	/* The request is the window's from now on, so a fault never finds
	 * no memory to ask with (as notices are allocated when requested). */
	if ((rc = kmsg_kernel_alloc(t->account, sizeof(struct uk_pager_request),
				    &o->request)) < 0) {
		account_object_free(t->account, &object_cache, o);
		return rc;
	}
	o->request->kept = true;
	o->port = p;
	port_ref(p);
	list_push_back(&p->pager_objects, &o->port_link);
	o->task = t;
	o->id = next_object_id++;
	o->badge = badge;
	o->va = va;
	o->offset = offset;
	o->size = size;
	o->flags = flags;
	o->deadline_ns = deadline_ns;
	waitq_init(&o->waiters);
	t->windows++;
	*out = o;
	return 0;
}

static void object_detach(struct vm_object *o)
{
	if (!o->dead) {
		list_remove(&o->port_link);
		o->dead = true;
	}
	o->requested = false;
}

void pager_object_destroy(struct vm_object *o)
{
	struct account *a = o->task->account;

	o->task->windows--;
	object_detach(o);
	waitq_wake_all(&o->waiters, -ERR_DEAD);
	port_unref(o->port);
	if (o->request->in_flight)
		o->request->kept = false; /* freed where it is delivered */
	else
		kmsg_notice_free(o->request);
	account_object_free(a, &object_cache, o);
}

void pager_port_died(struct port *p)
{
	struct list_node *n;

	while ((n = p->pager_objects.next) != &p->pager_objects) {
		struct vm_object *o = list_entry(n, struct vm_object, port_link);
		object_detach(o);
		waitq_wake_all(&o->waiters, -ERR_DEAD);
	}
}

int64_t pager_fault(struct vm_object *o, uint64_t off, bool write,
		    uint64_t deadline)
{
	uint64_t now = timer_now_ns();

	if (o->dead || !o->port->alive)
		return -ERR_DEAD;
	if (now >= deadline)
		return -ERR_TIMED_OUT;
	if (!o->requested) {
		o->requested = true;
		o->requested_offset = off;
		o->faults++;
		kmsg_pager_post(o->request, o->port, o->badge, o->id, off,
				PAGE_SIZE, write ? UK_VM_WRITE : UK_VM_READ,
				o->offset, o->size);
	}
	/* o may be gone when this returns: the caller looks again. */
	return sched_block(&o->waiters, deadline - now);
}

/* The window on the port under name (a receive right of the caller) with
 * id object. */
static int64_t find_window(uint64_t name, uint64_t object,
			   struct vm_object **out)
{
	struct ipc_entry *e = ipc_entry_lookup(&current->task->space, name);
	struct list_node *n;

	if (!e)
		return -ERR_BAD_NAME;
	if (!(e->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	struct port *p = e->object;
	list_for_each(n, &p->pager_objects)
	{
		struct vm_object *o = list_entry(n, struct vm_object, port_link);
		if (o->id == object) {
			*out = o;
			return o->task->state == TASK_ALIVE ? 0 : -ERR_DEAD;
		}
	}
	return -ERR_NOT_FOUND;
}

/* [off, off + size) page aligned, nonempty and inside the window. */
static bool in_window(const struct vm_object *o, uint64_t off, uint64_t size)
{
	return !(off & ~PAGE_MASK) && !(size & ~PAGE_MASK) && size &&
	       off >= o->offset && off - o->offset <= o->size &&
	       size <= o->size - (off - o->offset);
}

static void answered(struct vm_object *o, int64_t result)
{
	o->requested = false;
	waitq_wake_all(&o->waiters, result);
}

int64_t sys_pager_supply(uint64_t port, uint64_t object, uint64_t offset,
			 uint64_t src, uint64_t size)
{
	struct vm_object *o;
	int64_t rc = find_window(port, object, &o);
	uint64_t installed = 0;

	if (rc < 0)
		return rc;
	if (!in_window(o, offset, size))
		return -ERR_INVALID;
	if (size > PAGER_SUPPLY_MAX)
		return -ERR_TOO_BIG;
	if (user_range_ok(src, size) < 0)
		return -ERR_FAULT;
	for (uint64_t at = 0; at < size; at += PAGE_SIZE) {
		uint64_t pa;
		if (vm_object_page(o, offset + at, &pa))
			continue; /* answered twice, or ahead of a fault: kept */
		/* The mapper pays for its pages: a fault is charged to the
		 * task that takes it. */
		if ((rc = account_frame_alloc(o->task->account, &pa)) < 0)
			break;
		if ((rc = copy_from_user(current->task, arch_phys_to_virt(pa),
					 src + at, PAGE_SIZE)) < 0 ||
		    (rc = vm_object_install(o, offset + at, pa)) < 0) {
			account_frames_free(o->task->account, pa, 1);
			break;
		}
		installed++;
	}
	o->supplied += installed;
	if (o->requested && o->requested_offset >= offset &&
	    o->requested_offset - offset < size) {
		/* The page asked for may be in even if a later one failed. */
		if (vm_object_page(o, o->requested_offset, &(uint64_t){0}))
			answered(o, 0);
		else if (rc == -ERR_LIMIT || rc == -ERR_NO_MEMORY)
			/* The mapper cannot hold the page it asked for. */
			answered(o, rc);
	}
	return rc < 0 ? rc : (int64_t)installed;
}

int64_t sys_pager_flush(uint64_t port, uint64_t object, uint64_t offset,
			uint64_t size)
{
	struct vm_object *o;
	int64_t rc = find_window(port, object, &o);

	if (rc < 0)
		return rc;
	if (!in_window(o, offset, size))
		return -ERR_INVALID;
	return vm_object_flush(o, offset, size);
}

int64_t sys_pager_error(uint64_t port, uint64_t object, uint64_t offset,
			uint64_t error)
{
	struct vm_object *o;
	int64_t rc = find_window(port, object, &o);

	if (rc < 0)
		return rc;
	if (error == 0 || error >= ERR_COUNT_)
		return -ERR_INVALID;
	if (!o->requested || o->requested_offset != offset)
		return -ERR_NOT_FOUND; /* no such request outstanding */
	answered(o, -(int64_t)error);
	return 0;
}

int64_t sys_vm_map_object(uint64_t port, uint64_t offset, uint64_t size,
			  uint64_t flags, uint64_t deadline_ns)
{
	struct ipc_entry *e = ipc_entry_lookup(&current->task->space, port);
	uint64_t addr;

	if (!e)
		return -ERR_BAD_NAME;
	if (!(e->rights & UK_RIGHT_SEND))
		return -ERR_RIGHTS;
	if (!((struct port *)e->object)->alive)
		return -ERR_DEAD;
	if (flags & ~(uint64_t)(UK_VM_READ | UK_VM_WRITE))
		return -ERR_INVALID;
	if ((offset & ~PAGE_MASK) || !size || offset + size < offset)
		return -ERR_INVALID;
	if (deadline_ns > UK_PAGER_DEADLINE_MAX_NS)
		return -ERR_INVALID;
	int rc = vm_map_object(current->task, e->object, e->badge, offset, size,
			       (unsigned)flags | UK_VM_READ,
			       deadline_ns ? deadline_ns
					   : UK_PAGER_DEADLINE_DEFAULT_NS,
			       &addr);
	return rc < 0 ? rc : (int64_t)addr;
}

/* ---- memory pressure (vm_pressure_notify) ---- */

#define PRESSURE_INTERVAL_NS 10000000ull

static struct {
	struct port *port;   /* reference; NULL: nobody registered */
	struct task *task;   /* who registered */
	struct kmsg *notice; /* kept */
	uint64_t last_ns;    /* when the last notice went */
} pressure;
uint64_t vm_pressure_mark; /* the registered low mark (pages), or 0 */

static void pressure_drop(void)
{
	if (pressure.notice->in_flight)
		pressure.notice->kept = false; /* frees itself when delivered */
	else
		kmsg_notice_free(pressure.notice);
	port_unref(pressure.port);
	pressure.port = NULL;
	pressure.notice = NULL;
	pressure.task = NULL;
	vm_pressure_mark = 0;
}

int64_t sys_vm_pressure_notify(uint64_t name, uint64_t low_pages)
{
	struct task *t = current->task;

	if (pressure.port && !pressure.port->alive)
		pressure_drop();
	if (pressure.port && pressure.task != t)
		return -ERR_BUSY;
	if (name == UK_NAME_NULL) {
		if (pressure.port)
			pressure_drop();
		return 0;
	}
	struct ipc_entry *e = ipc_entry_lookup(&t->space, name);
	if (!e)
		return -ERR_BAD_NAME;
	if (!(e->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	if (low_pages == 0 || low_pages > kframe_total_count())
		return -ERR_INVALID;
	struct kmsg *notice;
	int rc = kmsg_notice_alloc(t->account, &notice);
	if (rc < 0)
		return rc;
	notice->kept = true;
	if (pressure.port)
		pressure_drop();
	pressure.port = e->object;
	port_ref(pressure.port);
	pressure.task = t;
	pressure.notice = notice;
	vm_pressure_mark = low_pages;
	pressure.last_ns = 0;
	return 0;
}

void vm_pressure_post(void)
{
	if (!pressure.port)
		return;
	if (!pressure.port->alive) {
		pressure_drop();
		return;
	}
	uint64_t now = timer_now_ns();
	if (pressure.notice->in_flight ||
	    now - pressure.last_ns < PRESSURE_INTERVAL_NS)
		return;
	pressure.last_ns = now;
	kmsg_notice_post(pressure.notice, pressure.port, UK_MSG_ID_MEMORY_LOW,
			 0, 0, kframe_free_count());
}
