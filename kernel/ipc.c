/* SPDX-License-Identifier: MIT */
/*
 * Messages: copyin (decode every name and disposition before any right
 * moves), queueing or direct delivery to a waiting receiver, copyout into
 * the receiver's table and buffer, and the call / reply-receive fast path.
 *
 * Invariant: a message is either in flight (a kmsg holding references to
 * every right it carries) or delivered; no right is ever in neither place.
 */
#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

#include "arch.h"
#include "hwcap.h"
#include "ipc.h"
#include "cow.h"
#include "kernel.h"
#include "quota.h"
#include "slab.h"
#include "syscall_table.h"
#include "task.h"
#include "timer.h"
#include "usercopy.h"
#include "vm.h"

struct slab_cache kmsg_cache;

#define PORTS_OFFSET sizeof(struct uk_msg_header)

/* ---- kmsg storage ---- */

/* A message of size bytes, charged (object and buffer) to a. */
static int kmsg_alloc(struct account *a, uint32_t size, struct kmsg **out)
{
	void *obj;
	int rc = account_object_alloc(a, &kmsg_cache, &obj);

	if (rc < 0)
		return rc;
	struct kmsg *m = obj;
	memset(m, 0, offsetof(struct kmsg, small));
	list_init(&m->link);
	m->account = a;
	m->size = size;
	if (size <= KMSG_SMALL) {
		m->data = m->small;
	} else {
		m->data_frames = (uint32_t)((size + PAGE_SIZE - 1) / PAGE_SIZE);
		rc = account_frames_alloc(a, m->data_frames, &m->data_phys);
		if (rc < 0) {
			account_object_free(a, &kmsg_cache, m);
			return rc;
		}
		m->data = arch_phys_to_virt(m->data_phys);
	}
	*out = m;
	return 0;
}

static void ool_release(struct account *a, struct kmsg_ool *o)
{
	if (o->shared) {
		vm_shared_unref(o->shared);
		o->shared = NULL;
	}
	for (uint64_t i = 0; i < o->npages; i++)
		cow_release(a, o->frames[i]); /* a copy-on-write one may stay */
	o->npages = 0;
	o->cow = false;
	account_frames_free(a, o->array_phys, o->array_frames);
	o->array_frames = 0;
	o->frames = NULL;
}

static void kmsg_free(struct kmsg *m)
{
	if (m->kept) {
		m->in_flight = false; /* back to its owner, to be posted again */
		return;
	}
	for (uint32_t i = 0; i < m->n_ool; i++)
		ool_release(m->account, &m->ool[i]);
	account_frames_free(m->account, m->data_phys, m->data_frames);
	account_object_free(m->account, &kmsg_cache, m);
}

static void right_destroy(struct kmsg_right *r)
{
	if (r->right)
		ipc_right_destroy(r->object, r->right);
	r->right = 0;
}

void kmsg_destroy(struct kmsg *m)
{
	right_destroy(&m->dest);
	right_destroy(&m->reply);
	for (unsigned i = 0; i < UK_MSG_PORTS_MAX; i++)
		right_destroy(&m->ports[i]);
	kmsg_free(m);
}

static struct uk_msg_header *kmsg_header(struct kmsg *m)
{
	return (struct uk_msg_header *)m->data;
}

/* ---- copyin: decode, then move rights ---- */

struct decoded_right {
	uk_name_t name;
	struct ipc_entry *entry;
	unsigned disposition;
};

/* Check that entry e can be sent with disposition d; returns 0 or an error.
 * Only reads. */
static int check_right(struct ipc_entry *e, unsigned d)
{
	if (!e)
		return -ERR_BAD_NAME;
	switch (d) {
	case UK_DISP_MOVE_RECEIVE:
	case UK_DISP_MAKE_SEND:
	case UK_DISP_MAKE_SEND_ONCE:
		return (e->rights & UK_RIGHT_RECEIVE) ? 0 : -ERR_RIGHTS;
	case UK_DISP_COPY_SEND:
	case UK_DISP_MOVE_SEND:
		if (!(e->rights & UK_RIGHT_SEND))
			return -ERR_RIGHTS;
		return ((struct port *)e->object)->alive ? 0 : -ERR_DEAD;
	case UK_DISP_MOVE_SEND_ONCE:
		if (!(e->rights & UK_RIGHT_SEND_ONCE))
			return -ERR_RIGHTS;
		return ((struct port *)e->object)->alive ? 0 : -ERR_DEAD;
	case UK_DISP_COPY_HARDWARE:
	case UK_DISP_MOVE_HARDWARE:
		return (e->rights & UK_RIGHT_HARDWARE) ? 0 : -ERR_RIGHTS;
	default:
		return -ERR_INVALID;
	}
}

static bool is_move(unsigned d)
{
	return d == UK_DISP_MOVE_RECEIVE || d == UK_DISP_MOVE_SEND ||
	       d == UK_DISP_MOVE_SEND_ONCE || d == UK_DISP_MOVE_HARDWARE;
}

/* Take the right out of the sender's table into r. Cannot fail after
 * check_right succeeded. */
static void move_right(struct task *t, struct decoded_right *d,
		       struct kmsg_right *r)
{
	struct ipc_entry *e = d->entry;
	struct port *p = e->object;
	bool entry_keeps = true;

	r->object = p;
	r->badge = 0;
	r->badge_bits = 0;
	if (d->disposition == UK_DISP_COPY_HARDWARE ||
	    d->disposition == UK_DISP_MOVE_HARDWARE) {
		r->right = UK_RIGHT_HARDWARE;
		if (d->disposition == UK_DISP_COPY_HARDWARE)
			hwcap_ref(r->object);
		else
			ipc_entry_free(&t->space, d->name);
		return;
	}
	switch (d->disposition) {
	case UK_DISP_MOVE_RECEIVE:
		r->right = UK_RIGHT_RECEIVE;
		port_cancel_no_senders(p);
		e->rights &= (uint8_t)~UK_RIGHT_RECEIVE;
		p->receiver = NULL;
		/* This task's threads can no longer receive here. */
		waitq_wake_all(&p->receivers, -ERR_RIGHTS);
		if (p->set) {
			list_remove(&p->set_link);
			p->set = NULL;
		}
		entry_keeps = e->rights != 0;
		break;
	case UK_DISP_MAKE_SEND:
		p->make_send_count++;
		r->right = UK_RIGHT_SEND;
		p->send_rights++;
		break;
	case UK_DISP_COPY_SEND:
		r->right = UK_RIGHT_SEND;
		r->badge = e->badge;
		r->badge_bits = e->badge_bits;
		p->send_rights++;
		break;
	case UK_DISP_MOVE_SEND:
		r->right = UK_RIGHT_SEND;
		r->badge = e->badge;
		r->badge_bits = e->badge_bits;
		if (--e->send_refs == 0) {
			e->rights &= (uint8_t)~UK_RIGHT_SEND;
			entry_keeps = e->rights != 0;
		}
		break;
	case UK_DISP_MAKE_SEND_ONCE:
		r->right = UK_RIGHT_SEND_ONCE;
		p->send_once_rights++;
		break;
	case UK_DISP_MOVE_SEND_ONCE:
		r->right = UK_RIGHT_SEND_ONCE;
		e->rights = 0;
		entry_keeps = false;
		break;
	default:
		kassert(0);
	}
	if (entry_keeps) {
		port_ref(p); /* the entry keeps its reference, r gets one */
	} else {
		port_drop_requests(t, p, d->name);
		ipc_entry_free(&t->space, d->name); /* the entry's moves to r */
	}
}

/*
 * Decode a message in the caller's memory into a kmsg. Nothing changes in
 * the sender until every check has passed. *dest_port is the destination
 * (for the queue-full check, which the caller makes before commit).
 */
struct copyin {
	struct uk_msg_header h;
	struct decoded_right dest, reply;
	struct decoded_right ports[UK_MSG_PORTS_MAX];
	struct uk_msg_port descs[UK_MSG_PORTS_MAX];
	struct uk_msg_ool ools[UK_MSG_OOL_MAX];
	uaddr_t user;
	uint32_t size;
};

/* Whether two non-empty regions share a page (sizes are bounded by
 * UK_MSG_OOL_SIZE_MAX and addresses by USER_TOP: no overflow). */
static bool ool_overlap(const struct uk_msg_ool *a, const struct uk_msg_ool *b)
{
	if (!a->size || !b->size)
		return false;
	uint64_t a0 = a->address & PAGE_MASK, a1 = a->address + a->size;
	uint64_t b0 = b->address & PAGE_MASK, b1 = b->address + b->size;
	return a0 < b1 && b0 < a1;
}

static int copyin_decode(struct task *t, uaddr_t msg, uint64_t size,
			 struct copyin *c, bool call)
{
	struct uk_msg_header *h = &c->h;

	if (size < sizeof(*h) || size > UK_MSG_SIZE_MAX)
		return size < sizeof(*h) ? -ERR_INVALID : -ERR_TOO_BIG;
	if (copy_from_user(t, h, msg, sizeof(*h)) < 0)
		return -ERR_FAULT;
	if (h->size != size || h->n_ports > UK_MSG_PORTS_MAX ||
	    h->n_ool > UK_MSG_OOL_MAX)
		return -ERR_INVALID;
	uint64_t ool_at = PORTS_OFFSET + h->n_ports * sizeof(struct uk_msg_port);
	if (size < ool_at + h->n_ool * sizeof(struct uk_msg_ool))
		return -ERR_INVALID;
	if (size - ool_at - h->n_ool * sizeof(struct uk_msg_ool) > UK_MSG_INLINE_MAX)
		return -ERR_TOO_BIG;
	if (h->n_ports && copy_from_user(t, c->descs, msg + PORTS_OFFSET,
					 h->n_ports * sizeof(struct uk_msg_port)) < 0)
		return -ERR_FAULT;
	if (h->n_ool && copy_from_user(t, c->ools, msg + ool_at,
				       h->n_ool * sizeof(struct uk_msg_ool)) < 0)
		return -ERR_FAULT;
	uint64_t pages = 0;
	for (unsigned i = 0; i < h->n_ool; i++) {
		struct uk_msg_ool *o = &c->ools[i];
		if ((o->flags != UK_OOL_COPY && o->flags != UK_OOL_MOVE &&
		     o->flags != UK_OOL_SHARE) ||
		    o->size > UK_MSG_OOL_SIZE_MAX)
			return o->size > UK_MSG_OOL_SIZE_MAX ? -ERR_TOO_BIG : -ERR_INVALID;
		if (o->size == 0)
			continue;
		if (user_range_ok(o->address, o->size) < 0)
			return -ERR_FAULT;
		if (o->flags == UK_OOL_SHARE) {
			if (!vm_is_shareable_region(t, o->address, o->size))
				return -ERR_INVALID; /* exactly one vm_allocate region */
		} else if (o->flags == UK_OOL_MOVE) {
			if (!vm_is_anonymous_region(t, o->address, o->size))
				return -ERR_INVALID; /* exactly one vm_allocate region */
		} else {
			pages += (o->size + PAGE_SIZE - 1) / PAGE_SIZE;
		}
		/* A region moved or shared must not appear again in the same
		 * message in any form: moving takes pages that sharing or a
		 * second move would still expect mapped (and vm.c asserts it). */
		for (unsigned j = 0; j < i; j++)
			if ((o->flags != UK_OOL_COPY ||
			     c->ools[j].flags != UK_OOL_COPY) &&
			    ool_overlap(o, &c->ools[j]))
				return -ERR_INVALID;
	}
	if (pages > kframe_free_count())
		return -ERR_NO_MEMORY;
	c->user = msg;
	c->size = (uint32_t)size;

	unsigned dd = h->dest_disposition ? h->dest_disposition : UK_DISP_COPY_SEND;
	if (dd != UK_DISP_COPY_SEND && dd != UK_DISP_MOVE_SEND &&
	    dd != UK_DISP_MOVE_SEND_ONCE)
		return -ERR_INVALID;
	c->dest.name = h->dest;
	c->dest.disposition = dd;
	c->dest.entry = ipc_entry_lookup(&t->space, h->dest);
	int rc = check_right(c->dest.entry, dd);
	if (rc < 0)
		return rc;

	c->reply.entry = NULL;
	c->reply.disposition = 0;
	if (call) {
		if (h->reply || h->reply_disposition)
			return -ERR_INVALID; /* the kernel supplies the reply right */
	} else if (h->reply) {
		unsigned rd = h->reply_disposition;
		if (rd == UK_DISP_MOVE_RECEIVE)
			return -ERR_INVALID;
		c->reply.name = h->reply;
		c->reply.disposition = rd;
		c->reply.entry = ipc_entry_lookup(&t->space, h->reply);
		if ((rc = check_right(c->reply.entry, rd)) < 0)
			return rc;
	} else if (h->reply_disposition) {
		return -ERR_INVALID;
	}

	struct port *dest = c->dest.entry->object;
	for (unsigned i = 0; i < h->n_ports; i++) {
		struct decoded_right *d = &c->ports[i];
		d->name = c->descs[i].name;
		if (c->descs[i].disposition > UK_DISP_MOVE_HARDWARE)
			return -ERR_INVALID;
		d->disposition = (unsigned)c->descs[i].disposition;
		d->entry = ipc_entry_lookup(&t->space, d->name);
		if ((rc = check_right(d->entry, d->disposition)) < 0)
			return rc;
		/* A receive right cannot travel into its own queue, nor into a
		 * queue that is itself in flight inside that port. */
		if (d->disposition == UK_DISP_MOVE_RECEIVE) {
			for (struct port *q = dest; q; q = q->in_transit)
				if (q == d->entry->object)
					return -ERR_INVALID;
		}
	}
	/* A name moved out may appear only once in the message, so every
	 * move above is still valid when it is carried out. */
	struct decoded_right *all[UK_MSG_PORTS_MAX + 2];
	unsigned n = 0;
	all[n++] = &c->dest;
	if (c->reply.entry)
		all[n++] = &c->reply;
	for (unsigned i = 0; i < h->n_ports; i++)
		all[n++] = &c->ports[i];
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			if (all[i]->name == all[j]->name &&
			    (is_move(all[i]->disposition) || is_move(all[j]->disposition)))
				return -ERR_INVALID;
	return 0;
}

/* Out-of-line regions into the message: COPY copies now into new frames,
 * MOVE takes the region's frames (after every COPY succeeded, so a fault
 * leaves the sender unchanged). The message is charged to the sender (m's
 * account is t's): for the copies and frame lists, and moved frames keep
 * the charge they had as the sender's. */
static int ool_copyin(struct task *t, struct copyin *c, struct kmsg *m)
{
	for (unsigned i = 0; i < c->h.n_ool; i++) {
		struct uk_msg_ool *u = &c->ools[i];
		struct kmsg_ool *o = &m->ool[i];
		uint64_t npages = (u->size + PAGE_SIZE - 1) / PAGE_SIZE;
		m->n_ool = i + 1;
		o->size = u->size;
		if (!npages)
			continue;
		if (u->flags == UK_OOL_SHARE) {
			int rc = vm_share_region(t, u->address, u->size, &o->shared);
			if (rc < 0)
				return rc;
			continue;
		}
		uint32_t array_frames =
			(uint32_t)((npages * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
		int rc = account_frames_alloc(m->account, array_frames,
					      &o->array_phys);
		if (rc < 0)
			return rc;
		o->array_frames = array_frames;
		o->frames = arch_phys_to_virt(o->array_phys);
		if (u->flags != UK_OOL_COPY)
			continue;
		for (uint64_t p = 0; p < npages; p++) {
			uint64_t pa, chunk = u->size - p * PAGE_SIZE;
			uint64_t va = u->address + p * PAGE_SIZE;
			/* A whole page of anonymous memory is shared
			 * copy-on-write, charged to the message as a copy
			 * would be; anything else is copied. */
			if (chunk >= PAGE_SIZE && !(va & ~PAGE_MASK) &&
			    account_charge(m->account, PAGE_SIZE) == 0) {
				if (vm_cow_page(t, va, &pa)) {
					o->frames[o->npages++] = pa;
					o->cow = true;
					continue;
				}
				account_uncharge(m->account, PAGE_SIZE);
			}
			if ((rc = account_frame_alloc(m->account, &pa)) < 0)
				return rc;
			o->frames[o->npages++] = pa;
			if (chunk > PAGE_SIZE)
				chunk = PAGE_SIZE;
			void *dst = arch_phys_to_virt(pa);
			if (chunk < PAGE_SIZE)
				memset((char *)dst + chunk, 0, PAGE_SIZE - chunk);
			if (copy_from_user(t, dst, u->address + p * PAGE_SIZE, chunk) < 0)
				return -ERR_FAULT;
		}
	}
	for (unsigned i = 0; i < c->h.n_ool; i++) {
		struct uk_msg_ool *u = &c->ools[i];
		struct kmsg_ool *o = &m->ool[i];
		if (u->flags == UK_OOL_MOVE && u->size) {
			o->npages = (u->size + PAGE_SIZE - 1) / PAGE_SIZE;
			o->cow = vm_take_region(t, u->address, u->size, o->frames);
		}
	}
	return 0;
}

/* Build the kmsg and move the rights; the only failure is memory, checked
 * before any right moves. */
static int copyin_commit(struct task *t, struct copyin *c, struct kmsg **out)
{
	struct kmsg *m;
	int rc = kmsg_alloc(t->account, c->size, &m);

	if (rc < 0)
		return rc;
	if (copy_from_user(t, m->data, c->user, c->size) < 0) {
		kmsg_free(m);
		return -ERR_FAULT;
	}
	m->sender = t->id;
	rc = ool_copyin(t, c, m);
	if (rc < 0) {
		kmsg_free(m);
		return rc;
	}
	move_right(t, &c->dest, &m->dest);
	if (c->reply.entry)
		move_right(t, &c->reply, &m->reply);
	for (unsigned i = 0; i < c->h.n_ports; i++)
		move_right(t, &c->ports[i], &m->ports[i]);
	*out = m;
	return 0;
}

/* ---- delivery ---- */

/* Write m into task t's buffer: rights into its table, names into the
 * message. Returns the size, or an error with m untouched (the buffer is
 * checked first). */
static int64_t copyout(struct task *t, struct kmsg *m, uaddr_t buf,
		       uint64_t buf_size)
{
	struct uk_msg_header *h = kmsg_header(m);
	struct port *dest = m->dest.object;

	if (buf_size < m->size) {
		uint32_t need = m->size;
		if (buf_size >= sizeof(uint32_t))
			copy_to_user(t, buf, &need, sizeof(need));
		return -ERR_TOO_BIG;
	}
	/* Probe every page of the buffer (first byte, each page boundary,
	 * last byte) before any right moves into the table. */
	uint64_t pa;
	if (user_range_ok(buf, m->size) < 0)
		return -ERR_FAULT;
	for (uint64_t at = buf; at < buf + m->size; at = (at & PAGE_MASK) + PAGE_SIZE)
		if (!user_page(t, at, true, &pa))
			return -ERR_FAULT;
	h->dest = dest->receiver == t ? dest->receiver_name : 0;
	h->badge = m->dest.badge;
	/* Delivery uses the destination right up. */
	if (m->dest.right == UK_RIGHT_SEND_ONCE) {
		dest->send_once_rights--;
		port_unref(dest);
	} else {
		right_destroy(&m->dest);
	}
	m->dest.right = 0;
	h->reply = 0;
	if (m->reply.right) {
		h->reply = ipc_right_copyout_bits(t, m->reply.object,
						  m->reply.right, m->reply.badge,
						  m->reply.badge_bits);
		m->reply.right = 0;
	}
	struct uk_msg_port *descs = (struct uk_msg_port *)(m->data + PORTS_OFFSET);
	for (unsigned i = 0; i < h->n_ports; i++) {
		struct kmsg_right *r = &m->ports[i];
		descs[i].disposition = r->right;
		descs[i].name = r->right ? ipc_right_copyout_bits(t, r->object,
					r->right, r->badge, r->badge_bits)
					 : 0;
		r->right = 0;
	}
	struct uk_msg_ool *ools = (struct uk_msg_ool *)(m->data + PORTS_OFFSET +
		h->n_ports * sizeof(struct uk_msg_port));
	for (uint32_t i = 0; i < m->n_ool; i++) {
		struct kmsg_ool *o = &m->ool[i];
		uint64_t addr = 0;
		bool lost = false;
		if (o->shared) {
			lost = vm_map_shared(t, o->shared, &addr) < 0;
			vm_shared_unref(o->shared); /* the region has its own */
			o->shared = NULL;
		} else if (o->npages &&
			   vm_give_frames(t, o->frames, o->npages, o->cow, &addr) == 0) {
			/* The receiver owns them now, and pays for them. */
			account_uncharge(m->account, o->npages * PAGE_SIZE);
			o->npages = 0;
		}
		ools[i].address = addr;
		ools[i].size = !lost && (addr || !o->npages) ? o->size : 0;
		ools[i].flags &= UK_OOL_MOVE | UK_OOL_SHARE;
		ools[i].reserved = 0;
	}
	h->sender = m->sender;
	h->flags = m->kernel ? UK_MSG_KERNEL : 0;
	copy_to_user(t, buf, m->data, m->size);
	int64_t size = m->size;
	kmsg_free(m);
	return size;
}

/* A thread waiting to receive from p (directly or through its set). */
static struct thread *waiting_receiver(struct port *p)
{
	struct list_node *n = p->receivers.threads.next;

	if (n != &p->receivers.threads)
		return list_entry(n, struct thread, run_link);
	if (p->set) {
		n = p->set->receivers.threads.next;
		if (n != &p->set->receivers.threads)
			return list_entry(n, struct thread, run_link);
	}
	return NULL;
}


/* Hand m to a waiting receiver or queue it. The destination is alive. */
static void deliver(struct kmsg *m)
{
	struct port *p = m->dest.object;
	struct thread *th;

	while ((th = waiting_receiver(p))) {
		int64_t rc = copyout(th->task, m, th->ipc_buf, th->ipc_buf_size);
		if (rc >= 0) {
			sched_wake(th, rc);
			return;
		}
		/* That receiver's buffer cannot take it: tell it, keep going. */
		sched_wake(th, rc);
	}
	list_push_back(&p->queue, &m->link);
	p->queued++;
	for (unsigned i = 0; i < UK_MSG_PORTS_MAX; i++)
		if (m->ports[i].right == UK_RIGHT_RECEIVE)
			((struct port *)m->ports[i].object)->in_transit = p;
}

/* p joined a set: threads waiting on the set take what p has queued. */
void ipc_port_joined_set(struct port *p)
{
	struct list_node *n;

	while (p->queued && p->set &&
	       (n = p->set->receivers.threads.next) != &p->set->receivers.threads) {
		struct thread *th = list_entry(n, struct thread, run_link);
		struct kmsg *m = list_entry(p->queue.next, struct kmsg, link);
		list_remove(&m->link);
		p->queued--;
		int64_t rc = copyout(th->task, m, th->ipc_buf, th->ipc_buf_size);
		if (rc < 0) {
			list_push_front(&p->queue, &m->link);
			p->queued++;
		}
		sched_wake(th, rc);
		if (rc >= 0)
			waitq_wake_one(&p->senders, 0);
	}
}

int kmsg_kernel_alloc(struct account *a, uint32_t size, struct kmsg **out)
{
	int rc = kmsg_alloc(a, size, out);

	if (rc == 0)
		(*out)->kernel = true;
	return rc;
}

int kmsg_notice_alloc(struct account *a, struct kmsg **out)
{
	return kmsg_kernel_alloc(a, sizeof(struct uk_notification), out);
}

void kmsg_notice_free(struct kmsg *m)
{
	kassert(!m->in_flight);
	m->kept = false;
	kmsg_free(m);
}

/* Deliver a kernel message through the kernel's own send-once right,
 * which never waits for queue space: callers bound how many there are. */
static void kernel_post(struct kmsg *m, struct port *dest, uint64_t badge)
{
	m->in_flight = true;
	m->dest.object = dest;
	m->dest.right = UK_RIGHT_SEND_ONCE;
	m->dest.badge = badge;
	dest->send_once_rights++;
	port_ref(dest);
	deliver(m);
}

void kmsg_notice_post(struct kmsg *m, struct port *dest, uint32_t id,
		      uk_name_t name, uint32_t irq, uint64_t count)
{
	kassert(!m->in_flight);
	if (!dest->alive) {
		if (!m->kept)
			kmsg_free(m);
		return;
	}
	struct uk_notification *n = (struct uk_notification *)m->data;
	memset(n, 0, sizeof(*n));
	n->header.size = sizeof(*n);
	n->header.id = id;
	n->name = name;
	n->irq = irq;
	n->count = count;
	/* A notice never waits for queue space. That is bounded: every
	 * notice was allocated by a request (at most one per right and kind,
	 * UK_NOTIFY_REQUESTS_MAX per task) or an IRQ binding (one each), or
	 * is a send-once right's one message. */
	kernel_post(m, dest, 0);
}

void kmsg_pager_post(struct kmsg *m, struct port *dest, uint64_t badge,
		     uint64_t object, uint64_t offset, uint32_t length,
		     uint32_t access, uint64_t window_offset,
		     uint64_t window_size)
{
	struct uk_pager_request *r = (struct uk_pager_request *)m->data;
	bool queued = m->in_flight;

	_Static_assert(sizeof(*r) <= KMSG_SMALL, "a pager request is small");
	kassert(m->size == sizeof(*r));
	if (!queued && !dest->alive)
		return;
	/* Still queued (the pager has not taken the last request, which was
	 * answered ahead of it): the queued one now asks for this. */
	memset(r, 0, sizeof(*r));
	r->header.size = sizeof(*r);
	r->header.id = UK_MSG_ID_PAGER_REQUEST;
	r->object = object;
	r->offset = offset;
	r->length = length;
	r->access = access;
	r->window_offset = window_offset;
	r->window_size = window_size;
	if (!queued) {
		kernel_post(m, dest, badge); /* one per window (UK_WINDOWS_MAX) */
		return;
	}
	/* To the back of the queue: a return of this page posted since
	 * (vm_sync, pager_flush) must reach the pager before it is asked
	 * for the page again, or it would answer with what it had before. */
	list_remove(&m->link);
	list_push_back(&dest->queue, &m->link);
}

int kmsg_return_alloc(struct account *a, uint64_t npages, struct kmsg **out,
		      uint64_t **frames)
{
	struct kmsg *m;
	uint32_t array_frames = (uint32_t)((npages * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	int rc = kmsg_kernel_alloc(a, sizeof(struct uk_pager_return), &m);

	if (rc < 0)
		return rc;
	struct kmsg_ool *o = &m->ool[0];
	if ((rc = account_frames_alloc(a, array_frames, &o->array_phys)) < 0) {
		kmsg_free(m);
		return rc;
	}
	o->array_frames = array_frames;
	o->frames = arch_phys_to_virt(o->array_phys);
	m->n_ool = 1;
	*out = m;
	*frames = o->frames;
	return 0;
}

void kmsg_return_discard(struct kmsg *m, uint64_t npages)
{
	m->ool[0].npages = npages;
	kmsg_free(m);
}

void kmsg_return_post(struct kmsg *m, struct port *dest, uint64_t badge,
		      uint64_t object, uint64_t offset, uint64_t npages,
		      uint32_t flags)
{
	struct uk_pager_return *r = (struct uk_pager_return *)m->data;

	_Static_assert(sizeof(*r) <= KMSG_SMALL, "a pager return is small");
	kassert(dest->alive && npages && npages * PAGE_SIZE <= UINT32_MAX);
	m->ool[0].npages = npages;
	m->ool[0].size = npages * PAGE_SIZE;
	memset(r, 0, sizeof(*r));
	r->header.size = sizeof(*r);
	r->header.id = UK_MSG_ID_PAGER_RETURN;
	r->header.n_ool = 1;
	r->data.size = npages * PAGE_SIZE;
	r->data.flags = UK_OOL_MOVE;
	r->object = object;
	r->offset = offset;
	r->length = (uint32_t)(npages * PAGE_SIZE);
	r->flags = flags;
	/* Bounded by the queue: vm_sync waited for room (kmsg_wait_room). */
	kernel_post(m, dest, badge);
}

/* ---- send ---- */

static uint64_t left_until(uint64_t deadline);

int64_t kmsg_wait_room(struct port *p, uint64_t deadline)
{
	if (!p->alive)
		return -ERR_DEAD;
	if (p->queued < p->limit || waiting_receiver(p))
		return 0;
	int64_t w = sched_block(&p->senders, left_until(deadline));
	return w < 0 ? w : 1;
}

static uint64_t deadline_of(uint64_t timeout_ns)
{
	return timeout_ns == UK_TIMEOUT_INFINITE ? UK_TIMEOUT_INFINITE
						 : timer_now_ns() + timeout_ns;
}

static uint64_t left_until(uint64_t deadline)
{
	uint64_t now;

	if (deadline == UK_TIMEOUT_INFINITE)
		return UK_TIMEOUT_INFINITE;
	now = timer_now_ns();
	return now >= deadline ? 0 : deadline - now;
}

/* Send from the current task. With reply_port set (call), the message
 * carries a new send-once right to it. */
static int64_t do_send(uaddr_t msg, uint64_t size, uint64_t deadline,
		       struct port *reply_port)
{
	struct task *t = current->task;
	static struct copyin c; /* the kernel is not preemptible */
	struct kmsg *m;
	int rc;

	for (;;) {
		rc = copyin_decode(t, msg, size, &c, reply_port != NULL);
		if (rc < 0)
			return rc;
		struct port *dest = c.dest.entry->object;
		if (c.dest.disposition == UK_DISP_MOVE_SEND_ONCE ||
		    dest->queued < dest->limit || waiting_receiver(dest))
			break;
		int64_t w = sched_block(&dest->senders, left_until(deadline));
		if (w < 0)
			return w;
		/* Space may have appeared; decode again: names may have changed. */
	}
	rc = copyin_commit(t, &c, &m);
	if (rc < 0)
		return rc;
	if (reply_port) {
		m->reply.object = reply_port;
		m->reply.right = UK_RIGHT_SEND_ONCE;
		reply_port->send_once_rights++;
		port_ref(reply_port);
	}
	deliver(m);
	return 0;
}

/* ---- receive ---- */

static struct kmsg *first_message(struct port *p, struct port_set *s,
				  struct port **from)
{
	if (p) {
		*from = p;
		return list_empty(&p->queue) ? NULL
					     : list_entry(p->queue.next, struct kmsg, link);
	}
	struct list_node *n;
	list_for_each(n, &s->members)
	{
		struct port *q = list_entry(n, struct port, set_link);
		if (!list_empty(&q->queue)) {
			*from = q;
			return list_entry(q->queue.next, struct kmsg, link);
		}
	}
	return NULL;
}

static int64_t receive_on(struct port *p, struct port_set *s, uaddr_t buf,
			  uint64_t buf_size, uint64_t deadline)
{
	struct port *from;
	struct kmsg *m = first_message(p, s, &from);

	if (m) {
		list_remove(&m->link);
		from->queued--;
		int64_t rc = copyout(current->task, m, buf, buf_size);
		if (rc < 0) {
			list_push_front(&from->queue, &m->link); /* nothing lost */
			from->queued++;
			return rc;
		}
		waitq_wake_one(&from->senders, 0);
		return rc;
	}
	current->ipc_buf = buf;
	current->ipc_buf_size = buf_size;
	return sched_block(p ? &p->receivers : &s->receivers, left_until(deadline));
}

static int decode_receive_name(uint64_t name, struct port **p,
			       struct port_set **s)
{
	struct ipc_entry *e = ipc_entry_lookup(&current->task->space, name);

	*p = NULL;
	*s = NULL;
	if (!e)
		return -ERR_BAD_NAME;
	if (e->rights & UK_RIGHT_PORT_SET) {
		*s = e->object;
		return 0;
	}
	if (!(e->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	*p = e->object;
	return 0;
}

int64_t sys_ipc_send(uaddr_t msg, uint64_t size, uint64_t timeout_ns)
{
	return do_send(msg, size, deadline_of(timeout_ns), NULL);
}

int64_t sys_ipc_receive(uint64_t name, uaddr_t buf, uint64_t buf_size,
			uint64_t timeout_ns)
{
	struct port *p;
	struct port_set *s;
	int rc = decode_receive_name(name, &p, &s);

	if (rc < 0)
		return rc;
	return receive_on(p, s, buf, buf_size, deadline_of(timeout_ns));
}

/* ---- call and reply ---- */

/* The thread's reply port, made at its first call and charged to its
 * task: 0, ERR_LIMIT or ERR_NO_MEMORY. */
static int reply_port_of(struct thread *th, struct port **out)
{
	if (!th->reply_port) {
		struct port *p;
		int rc = port_alloc(th->task->account, &p);
		if (rc < 0)
			return rc;
		p->reply_owner = th;
		p->limit = 1;
		th->reply_port = p;
	}
	*out = th->reply_port;
	return 0;
}

/* After a call that did not get its reply, outstanding send-once rights to
 * the old reply port must not answer the next call: start a new port. */
static void reset_reply_port(struct thread *th)
{
	struct port *p = th->reply_port;

	if (p) {
		th->reply_port = NULL;
		port_kill(p);
		port_unref(p);
	}
}

void ipc_thread_exit(struct thread *th)
{
	reset_reply_port(th);
}

static int64_t slow_call(uaddr_t msg, uint64_t size, uaddr_t buf,
			 uint64_t buf_size, uint64_t timeout_ns)
{
	uint64_t deadline = deadline_of(timeout_ns);
	struct port *rp;
	int64_t rc = reply_port_of(current, &rp);

	if (rc < 0)
		return rc;
	rc = do_send(msg, size, deadline, rp);
	if (rc < 0)
		return rc;
	rc = receive_on(rp, NULL, buf, buf_size, deadline);
	/* The caller has no name for its reply port, so an undelivered reply
	 * (too big, timed out) is dropped with the port: it must never answer
	 * the next call. */
	if (rc < 0)
		reset_reply_port(current);
	return rc;
}

/*
 * Fast path (see docs/ARCHITECTURE.md): a plain message of a header and up
 * to FAST_MAX - 48 inline bytes, to a port whose receiver already waits with
 * a large enough buffer. The message goes from the sender's memory to the
 * receiver's buffer through one small kernel copy, and the CPU goes straight
 * to the receiver. Every check that fails falls back to the general path
 * before anything has changed.
 */
#define FAST_MAX 168

/* h was filled by arch_copy_user (assembly), which cppcheck cannot see. */
static bool fast_plain(const struct uk_msg_header *h, uint64_t size)
{
	// cppcheck-suppress uninitvar
	return h->size == size && h->n_ports == 0 && h->n_ool == 0 &&
	       h->reply == 0 && h->reply_disposition == 0;
}

/* Where the receiver's buffer takes size bytes: a kernel pointer through
 * the direct map when the buffer lies in one page (one page-table walk),
 * otherwise NULL after checking both pages (copy_to_user then). */
static bool fast_buffer_ok(struct thread *th, uint64_t size, void **direct)
{
	uint64_t pa, pa2;
	uint64_t buf = th->ipc_buf;

	*direct = NULL;
	if (th->ipc_buf_size < size)
		return false;
	bool one_page = (buf & ~PAGE_MASK) + size <= PAGE_SIZE;
	if (one_page && buf == th->buf_cache_va &&
	    th->buf_cache_version == th->task->vm_version) {
		*direct = th->buf_cache_kva;
		return true;
	}
	if (!user_page(th->task, buf, true, &pa))
		return false;
	if (one_page) {
		*direct = arch_phys_to_virt(pa);
		th->buf_cache_va = buf;
		th->buf_cache_kva = *direct;
		th->buf_cache_version = th->task->vm_version;
		return true;
	}
	return user_page(th->task, buf + size - 1, true, &pa2);
}

/* Small kernel-to-kernel copy for the fast path (size <= FAST_MAX). */
static inline void small_copy(void *dst, const void *src, uint64_t size)
{
	uint64_t words = size / 8, bytes = size % 8;

	__asm__ volatile("rep movsq; mov %3, %%rcx; rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(words)
			 : "r"(bytes)
			 : "memory");
}

static void fast_copy_out(struct thread *th, void *direct, const void *msg,
			  uint64_t size)
{
	if (direct)
		small_copy(direct, msg, size);
	else
		copy_to_user(th->task, th->ipc_buf, msg, size);
}


static int64_t fast_call(uaddr_t msg, uint64_t size, uaddr_t buf,
			 uint64_t buf_size, uint64_t timeout_ns)
{
	struct task *t = current->task;
	uint64_t words[FAST_MAX / 8];
	struct uk_msg_header *h = (struct uk_msg_header *)words;

	if (size < sizeof(*h) || size > FAST_MAX || timeout_ns == 0 ||
	    msg < USER_BASE || msg > USER_TOP - FAST_MAX ||
	    arch_copy_user(words, (const void *)msg, size) || !fast_plain(h, size) ||
	    (h->dest_disposition && h->dest_disposition != UK_DISP_COPY_SEND))
		return 1;
	struct ipc_entry *e = ipc_entry_lookup(&t->space, h->dest);
	if (!e || !(e->rights & UK_RIGHT_SEND))
		return 1;
	struct port *p = e->object;
	if (!p->alive || p->queued)
		return 1;
	struct thread *server = waiting_receiver(p);
	struct port *rp = current->reply_port;
	void *direct;
	if (!server || !rp || !fast_buffer_ok(server, size, &direct))
		return 1;
	uk_name_t reply_name;
	struct ipc_entry *re = ipc_entry_alloc(&server->task->space, &reply_name,
					       NULL);
	if (!re)
		return 1;
	re->object = rp;
	re->rights = UK_RIGHT_SEND_ONCE;
	rp->send_once_rights++;
	rp->refs++;

	h->dest = p->receiver_name;
	h->reply = reply_name;
	h->sender = t->id;
	h->badge = e->badge;
	h->flags = 0;
	fast_copy_out(server, direct, words, size);
	sched_unblock(server, (int64_t)size);
	current->ipc_buf = buf;
	current->ipc_buf_size = buf_size;
	int64_t rc = sched_block_switch(&rp->receivers, timeout_ns, server);
	if (rc < 0)
		reset_reply_port(current);
	return rc;
}

int64_t sys_ipc_call(uaddr_t msg, uint64_t size, uaddr_t buf, uint64_t buf_size,
		     uint64_t timeout_ns)
{
	int64_t rc = fast_call(msg, size, buf, buf_size, timeout_ns);

	return rc != 1 ? rc : slow_call(msg, size, buf, buf_size, timeout_ns);
}

/* Reply to a caller waiting in ipc_call and wait for the next request on
 * an empty port, switching straight to the caller. */
static int64_t fast_reply_receive(uaddr_t reply, uint64_t reply_size,
				  struct port *p, struct port_set *s, uaddr_t buf,
				  uint64_t buf_size, uint64_t timeout_ns)
{
	struct task *t = current->task;
	uint64_t words[FAST_MAX / 8];
	struct uk_msg_header *h = (struct uk_msg_header *)words;

	if (!p || p->queued || reply_size < sizeof(*h) || reply_size > FAST_MAX ||
	    timeout_ns == 0 || reply < USER_BASE || reply > USER_TOP - FAST_MAX ||
	    arch_copy_user(words, (const void *)reply, reply_size) ||
	    !fast_plain(h, reply_size) ||
	    h->dest_disposition != UK_DISP_MOVE_SEND_ONCE)
		return 1;
	(void)s;
	struct ipc_entry *e = ipc_entry_lookup(&t->space, h->dest);
	if (!e || e->rights != UK_RIGHT_SEND_ONCE)
		return 1;
	struct port *rp = e->object;
	struct thread *client = rp->reply_owner;
	void *direct;
	if (!rp->alive || !client || client->state != THREAD_BLOCKED ||
	    client->waiting_on != &rp->receivers ||
	    !fast_buffer_ok(client, reply_size, &direct))
		return 1;
	/* The send-once right is used up by this reply. */
	if (!list_empty(&rp->dead_name_requests))
		port_drop_requests(t, rp, h->dest);
	ipc_entry_free(&t->space, h->dest);
	rp->send_once_rights--;
	rp->refs--; /* the thread's own reference keeps rp */

	h->dest = 0;
	h->reply = 0;
	h->sender = t->id;
	h->badge = 0;
	h->flags = 0;
	fast_copy_out(client, direct, words, reply_size);
	sched_unblock(client, (int64_t)reply_size);
	current->ipc_buf = buf;
	current->ipc_buf_size = buf_size;
	return sched_block_switch(&p->receivers, timeout_ns, client);
}

static void drop_dead_reply(uaddr_t reply)
{
	struct uk_msg_header h;
	struct task *t = current->task;

	if (copy_from_user(t, &h, reply, sizeof(h)) < 0 ||
	    h.dest_disposition != UK_DISP_MOVE_SEND_ONCE)
		return;
	struct ipc_entry *e = ipc_entry_lookup(&t->space, h.dest);
	if (e && (e->rights & UK_RIGHT_SEND_ONCE)) {
		struct port *p = e->object;
		port_drop_requests(t, p, h.dest);
		ipc_entry_free(&t->space, h.dest);
		p->send_once_rights--;
		port_unref(p);
	}
}

int64_t sys_ipc_reply_receive(uaddr_t reply, uint64_t reply_size, uint64_t name,
			      uaddr_t buf, uint64_t buf_size, uint64_t timeout_ns)
{
	struct port *p;
	struct port_set *s;
	uint64_t deadline = deadline_of(timeout_ns);
	int rc = decode_receive_name(name, &p, &s);

	if (rc < 0)
		return rc;
	if (reply) {
		int64_t fast = fast_reply_receive(reply, reply_size, p, s, buf,
						  buf_size, timeout_ns);
		if (fast != 1)
			return fast;
		int64_t r = do_send(reply, reply_size, deadline, NULL);
		/* A caller that went away does not stop the server loop: its
		 * dead reply right is dropped and the receive goes on. */
		if (r == -ERR_DEAD)
			drop_dead_reply(reply);
		else if (r < 0)
			return r;
	}
	return receive_on(p, s, buf, buf_size, deadline);
}

/* ---- rights given to a new task ---- */

int ipc_check_transfer(struct task *from, uk_name_t name, unsigned disposition)
{
	if (disposition == UK_DISP_MOVE_RECEIVE) {
		struct ipc_entry *e = ipc_entry_lookup(&from->space, name);
		return e && (e->rights & UK_RIGHT_RECEIVE) ? 0
			: e ? -ERR_RIGHTS : -ERR_BAD_NAME;
	}
	return check_right(ipc_entry_lookup(&from->space, name), disposition);
}

uk_name_t ipc_transfer(struct task *from, uk_name_t name, unsigned disposition,
		       struct task *to)
{
	struct decoded_right d = {
		.name = name,
		.entry = ipc_entry_lookup(&from->space, name),
		.disposition = disposition,
	};
	struct kmsg_right r;

	if (ipc_check_transfer(from, name, disposition) < 0)
		return 0;
	move_right(from, &d, &r);
	return ipc_right_copyout_bits(to, r.object, r.right, r.badge,
				      r.badge_bits);
}
