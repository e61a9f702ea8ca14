/* SPDX-License-Identifier: MIT */
/*
 * Memory objects served by user pagers (uk/ipc.h, "Pagers"; docs/MEMORY.md).
 *
 * A window is a region of one task (VM_OBJECT) onto part of a memory
 * object, which is a port: the pager holds its receive right, the mapper
 * held a send right when it mapped. The kernel keeps one struct vm_object
 * per window: the port (a reference), the badge of the mapper's right,
 * one request message allocated at map time, and the state of the one
 * request outstanding. A fault on a missing page of the window posts the
 * request and waits, at most the window's deadline, for the pager to
 * supply the page or refuse it; the port's death, a refusal or the
 * deadline end the faulting task and nothing else.
 *
 * The state machine of a window, per request:
 *
 *   idle --fault--> requested --supply(page)--> idle (waiters retry)
 *                     |  --error(code)--> idle (waiters fail: code)
 *                     |  --deadline--> (the waiter fails: ERR_TIMED_OUT;
 *                     |                 its task ends with the window)
 *                     `--port died--> dead (every fault fails: ERR_DEAD)
 *
 * Nothing a pager sends can touch another window: pager_supply and
 * pager_error name the port by its receive right and the window by an id
 * that is never reused, and each is checked against the window's bounds.
 */
#ifndef KERNEL_PAGER_H
#define KERNEL_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "sched.h"

struct kmsg;
struct port;
struct task;

/* Largest pager_supply in one call (the kernel is not preemptible). */
#define PAGER_SUPPLY_MAX (1024 * 1024ull)

struct vm_object {
	struct list_node port_link; /* on port->pager_objects while alive */
	struct port *port;	    /* reference */
	struct task *task;	    /* the mapper */
	uint64_t id;		    /* never reused */
	uint64_t badge;		    /* of the right it was mapped with */
	uint64_t va;		    /* the window in task */
	uint64_t offset, size;	    /* in the object */
	unsigned flags;		    /* UK_VM_* of the window */
	uint64_t deadline_ns;	    /* per fault */
	struct kmsg *request;	    /* kept: in flight while requested */
	bool requested;		    /* a request is outstanding */
	bool dead;		    /* the port died */
	uint64_t requested_offset;
	struct waitq waiters;	    /* faulting threads */
	uint64_t faults, supplied;  /* statistics */
};

void pager_init(void);
/* A window object for t over [offset, offset + size) of port p, mapped at
 * va; charged to t. */
int pager_object_new(struct task *t, struct port *p, uint64_t badge,
		     uint64_t va, uint64_t offset, uint64_t size,
		     unsigned flags, uint64_t deadline_ns,
		     struct vm_object **out);
/* The window goes (its region is unmapped): waiters fail with ERR_DEAD. */
void pager_object_destroy(struct vm_object *o);
/*
 * The current thread (of o->task) faulted on the page at object offset
 * off, not present, with an access the window allows. Posts the request
 * unless one is outstanding, then waits until deadline (timer_now_ns
 * units). Returns 0 when the window changed (the caller looks again: o
 * may be gone), or the error that ends the task: ERR_DEAD (the pager's
 * port died or the window went), ERR_TIMED_OUT, or the pager's refusal.
 */
int64_t pager_fault(struct vm_object *o, uint64_t off, bool write,
		    uint64_t deadline);
/* The port died: every window on it is dead, its waiters fail. */
void pager_port_died(struct port *p);

/* Every page of [off, off + size) (inside the window) leaves it: the
 * dirty ones go to the pager as returns (vm.c, as vm_sync's evict).
 * Returns how many pages left, or an error if none could. */
int64_t vm_object_flush(struct vm_object *o, uint64_t off, uint64_t size);
/* The window's page at object offset off: present (its frame in *pa)? */
bool vm_object_page(struct vm_object *o, uint64_t off, uint64_t *pa);
/* Map frame pa (owned, charged to o->task already) at object offset off;
 * fails with nothing mapped. */
int vm_object_install(struct vm_object *o, uint64_t off, uint64_t pa);

/* At a safe point (a system call's or a fault's end): while free memory
 * is below the registered mark, notify the registered port (see
 * vm_pressure_notify in uk/syscalls.def). The test of the mark is
 * inline: it is on every system call's path. */
extern uint64_t vm_pressure_mark; /* pages; 0: nobody registered */
uint64_t kframe_free_count(void);
void vm_pressure_post(void);
static inline void vm_pressure_check(void)
{
	if (vm_pressure_mark && kframe_free_count() < vm_pressure_mark)
		vm_pressure_post();
}

#endif
