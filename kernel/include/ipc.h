/* SPDX-License-Identifier: MIT */
/*
 * Kernel IPC objects: name tables, ports, port sets and messages in flight.
 *
 * Reference rule: a port is kept by one reference per name-table entry
 * that holds any right to it, one per right inside a queued message, one
 * per notification request that names it as the notify port, and one for
 * a thread's own reply port. A port is alive while its receive right
 * exists (in a table or in flight); it is freed when its last reference
 * goes. Send rights are counted in send_rights (all user references in all
 * tables plus those in flight); reaching zero fires no-senders.
 *
 * Notices: a request (struct notify_request) is made only by the task that
 * holds the notify port's receive right, and carries its notice, allocated
 * when requested, so firing never allocates and never fails. A right has
 * at most one request per kind and a task at most UK_NOTIFY_REQUESTS_MAX
 * (counted in its ipc_space), so the notices that may bypass a queue limit
 * are bounded by the requests, which are bounded per task.
 *
 * Charges (quota.h): a port or port set is charged to the account of the
 * task that made it (a reply port to its thread's task) until it is
 * freed, wherever its receive right goes; a name table's growth to its
 * task; a request and its notice to the requester; a message in flight,
 * its buffer and its out-of-line copies to the sender until it is
 * received (or destroyed), when the out-of-line frames move to the
 * receiver's account. A fast-path call or reply allocates nothing and is
 * charged nothing.
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/ipc.h>

#include "list.h"
#include "sched.h"

struct account;
struct slab_cache;
struct task;
struct thread;

/* ---- name tables (ipc_space.c, pure) ---- */

struct ipc_entry {
	void *object;	    /* struct port, struct port_set or struct hw_cap */
	uint64_t badge;	    /* of the send or send-once right (0: none) */
	uint32_t send_refs; /* user references of UK_RIGHT_SEND */
	uint32_t next_free; /* index of the next free entry when free */
	uint32_t generation; /* never 0 */
	uint8_t rights;	    /* UK_RIGHT_*; 0 = free */
	uint8_t badge_bits; /* send right: low badge bits a holder may fill
			     * in (port_derive); 0: not delegable */
	uint8_t pad[2];
};
_Static_assert(sizeof(struct ipc_entry) == 32, "ipc_entry size");

#define IPC_SPACE_MAX 4096 /* names per task */

struct ipc_space {
	struct ipc_entry *table;
	uint32_t size;	    /* entries in table */
	uint32_t free_head; /* 0: none (entry 0 is never used) */
	uint32_t used;
	uint32_t notify_requests; /* outstanding notify_requests it made */
	/* Table storage, given the table so the kernel can charge its task:
	 * 0, ERR_LIMIT or ERR_NO_MEMORY. */
	int (*alloc)(struct ipc_space *s, uint64_t bytes, void **out);
	void (*free)(struct ipc_space *s, void *p, uint64_t bytes);
};

/* A name is (index << 32 | generation) (uk/ipc.h). */
static inline uint32_t ipc_name_index(uk_name_t name)
{
	return (uint32_t)(name >> 32);
}

static inline uk_name_t ipc_name_make(uint32_t index, uint32_t generation)
{
	return (uk_name_t)index << 32 | generation;
}

void ipc_space_init(struct ipc_space *s,
		    int (*alloc)(struct ipc_space *, uint64_t, void **),
		    void (*free)(struct ipc_space *, void *, uint64_t));
/* A free entry and its name, or NULL with *error (if error is not NULL):
 * ERR_LIMIT at IPC_SPACE_MAX or when the table's growth is over quota,
 * ERR_NO_MEMORY. */
struct ipc_entry *ipc_entry_alloc(struct ipc_space *s, uk_name_t *name,
				  int *error);
/* The entry a name denotes, or NULL for a free, stale or invalid name. */
struct ipc_entry *ipc_entry_lookup(struct ipc_space *s, uk_name_t name);
void ipc_entry_free(struct ipc_space *s, uk_name_t name);
/* The name of the entry a send right to object with this badge and these
 * delegable bits merges into (one holding RECEIVE or SEND for object, with
 * that badge and those bits), or 0. A receive right counts as badge 0,
 * bits 0. A delegable right never merges with an ordinary one: the name
 * would then be delegable or not depending on which came first. */
uk_name_t ipc_space_find_right(struct ipc_space *s, const void *object,
			       uint64_t badge, unsigned badge_bits);
/* The same for an ordinary (not delegable) right. */
uk_name_t ipc_space_find(struct ipc_space *s, const void *object,
			 uint64_t badge);
/* Release the table storage (entries must have been released). */
void ipc_space_release(struct ipc_space *s);

/* ---- ports (port.c) ---- */

struct port_set;

struct port {
	struct account *account; /* charged for it (its maker's) */
	uint32_t refs;
	bool alive;
	struct task *receiver;	   /* holder of the receive right, or NULL */
	uk_name_t receiver_name;
	struct thread *reply_owner; /* a thread's reply port: not in any table */
	struct list_node queue;	   /* struct kmsg */
	uint32_t queued, limit;
	uint32_t send_rights;	   /* see the reference rule */
	uint32_t send_once_rights;
	uint32_t make_send_count;  /* send rights ever made (Mach's mscount) */
	struct notify_request *no_senders;   /* by the receiver, or NULL */
	struct list_node dead_name_requests; /* struct notify_request */
	struct list_node pager_objects;	     /* struct vm_object (pager.h) */
	struct waitq receivers;	   /* threads in receive on this port */
	struct waitq senders;	   /* threads waiting for queue space */
	struct port_set *set;
	struct list_node set_link;
	/* While its receive right sits in a queued message: the port whose
	 * queue holds it. Moving a receive right into a queue that is itself
	 * (transitively) inside it would make both unreachable. */
	struct port *in_transit;
	struct list_node kill_link; /* on the list of ports being torn down */
};

struct port_set {
	struct account *account; /* charged for it */
	uk_name_t name; /* in its task (sets never move) */
	uint32_t refs;
	bool alive;
	struct list_node members; /* struct port.set_link */
	struct waitq receivers;
};

struct kmsg;

/* A notice asked for: dead-name (on the watched port's dead_name_requests,
 * dropped when the task's name loses the right) or no-senders (the port's
 * no_senders, dropped when the receive right moves or dies). */
struct notify_request {
	struct list_node link;
	struct task *task;   /* the requester, charged for it */
	uk_name_t name;	     /* dead-name: the requester's name of the right */
	struct port *notify; /* reference held */
	struct kmsg *notice; /* allocated with the request */
};

void ipc_init(void);
/* A new port charged to a: 0, ERR_LIMIT or ERR_NO_MEMORY. */
int port_alloc(struct account *a, struct port **out);
void port_ref(struct port *p);
void port_unref(struct port *p);
/* The receive right is gone: the port dies (queued messages destroyed,
 * waiters woken with ERR_DEAD, dead-name notifications sent). */
void port_kill(struct port *p);
/* The receive right leaves its task: a no-senders request goes with it
 * (it was charged to that task; the next holder asks again). */
void port_cancel_no_senders(struct port *p);
/* A send right reference / send-once right was destroyed unused. */
void port_send_right_dropped(struct port *p, uint32_t count);
void port_send_once_dropped(struct port *p);
/* t's name for p no longer holds a send right: its dead-name requests on
 * that name go (0: all of t's requests on p). */
void port_drop_requests(struct task *t, struct port *p, uk_name_t name);
int port_set_alloc(struct account *a, struct port_set **out);
void port_set_destroy(struct port_set *s);
/* Ask for a dead-name notice to notify when p dies (t's name for it); p
 * is alive. t holds notify's receive right. 0, ERR_LIMIT or ERR_NO_MEMORY. */
int port_request_dead_name(struct task *t, uk_name_t name, struct port *p,
			   struct port *notify);
/* Ask for a no-senders notice on p (t holds its receive right and
 * notify's); fires at once if p has no senders. */
int port_request_no_senders(struct task *t, struct port *p,
			    struct port *notify);

/* Rights of a task (port.c). */
int ipc_task_init(struct task *t);
/* Release every right of a task that is ending. */
void ipc_task_release(struct task *t);
/* Release every right held under one name of t, then the name. */
void ipc_entry_release(struct task *t, uk_name_t name, struct ipc_entry *e);
/* Insert a right into t's table; returns the name or 0 (the right is then
 * destroyed). right is UK_RIGHT_RECEIVE, SEND or SEND_ONCE (badge and
 * badge_bits: those of a send right, else 0); the caller's reference to p
 * moves into the table. */
uk_name_t ipc_right_copyout_bits(struct task *t, struct port *p,
				 unsigned right, uint64_t badge,
				 unsigned badge_bits);
static inline uk_name_t ipc_right_copyout(struct task *t, struct port *p,
					  unsigned right, uint64_t badge)
{
	return ipc_right_copyout_bits(t, p, right, badge, 0);
}
/* Destroy a right that was in flight (its reference is consumed). */
void ipc_right_destroy(struct port *p, unsigned right);

/* ---- messages (ipc.c) ---- */

struct kmsg_right {
	void *object;
	uint32_t right; /* UK_RIGHT_* carried, 0 = none */
	uint32_t badge_bits; /* of a send right: delegable bits (0: none) */
	uint64_t badge; /* of a send right (0: none) */
};

#define KMSG_SMALL 256

/* Out-of-line memory in flight: frames owned by the message. */
struct vm_shared;
struct kmsg_ool {
	uint64_t *frames;     /* npages physical addresses */
	uint64_t npages;
	uint64_t size;	      /* bytes the sender named */
	uint64_t array_phys;  /* storage of frames[] */
	uint32_t array_frames;
	bool cow;	      /* frames shared copy-on-write (cow.h) */
	struct vm_shared *shared; /* UK_OOL_SHARE: a reference, else NULL */
};

struct kmsg {
	struct list_node link;
	/* Charged for the kmsg, its buffer and out-of-line frames in it: the
	 * sender's, the requester's or the binder's (see the charges above). */
	struct account *account;
	uint32_t size;
	uint64_t sender; /* the sending task's full id; 0 from the kernel */
	bool kernel;
	bool kept;	/* see kmsg_notice_alloc */
	bool in_flight;
	struct kmsg_right dest, reply;
	struct kmsg_right ports[UK_MSG_PORTS_MAX];
	struct kmsg_ool ool[UK_MSG_OOL_MAX];
	uint32_t n_ool;
	uint8_t *data;	     /* the message in user layout */
	uint64_t data_phys;  /* frames when not small */
	uint32_t data_frames;
	uint8_t small[KMSG_SMALL] __attribute__((aligned(8)));
};

/* Rights for a new task: check, then move one right from one table to
 * another (returns the new name, 0 if it could not be placed). */
int ipc_check_transfer(struct task *from, uk_name_t name, unsigned disposition);
uk_name_t ipc_transfer(struct task *from, uk_name_t name, unsigned disposition,
		       struct task *to);
void ipc_port_joined_set(struct port *p);
/* Kernel notices (ipc.c): allocate one ahead, charged to a (ERR_LIMIT,
 * ERR_NO_MEMORY), free one never posted, and post one: it is filled in
 * and delivered to dest (or dropped if dest is dead). Posting never
 * allocates and never waits for queue space: the caller's request or
 * binding bounds it. A kept notice belongs to a long-lived owner (an IRQ
 * binding): delivering or destroying it only clears in_flight, and the
 * owner posts it again; clearing kept on a notice in flight makes it free
 * itself. */
int kmsg_notice_alloc(struct account *a, struct kmsg **out);
/* A kernel message of size bytes (at most KMSG_SMALL), as a notice. */
int kmsg_kernel_alloc(struct account *a, uint32_t size, struct kmsg **out);
void kmsg_notice_free(struct kmsg *m);
/* A pager request (struct uk_pager_request) on a notice-sized kept kmsg,
 * through the kernel's own send-once right, carrying badge; if m is still
 * queued, its body is rewritten in place instead. */
void kmsg_pager_post(struct kmsg *m, struct port *dest, uint64_t badge,
		     uint64_t object, uint64_t offset, uint32_t length,
		     uint32_t access, uint64_t window_offset,
		     uint64_t window_size);
/* A pager return (struct uk_pager_return): allocate one, charged to a,
 * with room for npages frames in *frames; the caller fills them (frames
 * charged to a) and posts it to a live port, or discards it with the
 * first filled frames freed. The queue has room: kmsg_wait_room returns
 * 0 if there is room, 1 after waiting (look again: anything may have
 * changed), or ERR_DEAD / ERR_TIMED_OUT. */
int kmsg_return_alloc(struct account *a, uint64_t npages, struct kmsg **out,
		      uint64_t **frames);
void kmsg_return_discard(struct kmsg *m, uint64_t filled);
void kmsg_return_post(struct kmsg *m, struct port *dest, uint64_t badge,
		      uint64_t object, uint64_t offset, uint64_t npages,
		      uint32_t flags);
int64_t kmsg_wait_room(struct port *p, uint64_t deadline);
void kmsg_notice_post(struct kmsg *m, struct port *dest, uint32_t id,
		      uk_name_t name, uint32_t irq, uint64_t count);
/* Queue a send-once-died notice on p (allocated now; see port.c). */
void port_notify_send_once(struct port *p);
extern struct slab_cache kmsg_cache;
/* Destroy an undelivered message: its rights and memory are released. */
void kmsg_destroy(struct kmsg *m);
/* Thread state for IPC. */
void ipc_thread_exit(struct thread *th);

#endif
