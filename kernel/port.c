/* SPDX-License-Identifier: MIT */
/*
 * Ports, port sets and the rights a task holds (see ipc.h for the
 * reference rule). Death goes through a work list (port_kill), so ports
 * nested in each other's queues to any depth die without recursion.
 *
 * Notification requests carry their notice from the moment they are made
 * (see ipc.h): firing one posts a message that already exists, so no
 * dead-name or no-senders notice is ever lost for want of memory.
 * Each object remembers the account it was charged to (ipc.h) and
 * uncharges it when freed.
 */
#include <string.h>
#include <uk/errors.h>

#include "arch.h"
#include "hwcap.h"
#include "ipc.h"
#include "kernel.h"
#include "pager.h"
#include "quota.h"
#include "slab.h"
#include "task.h"

static struct slab_cache port_cache, set_cache, request_cache;
/* Send-once-died notices are the one kind made when they fire (a send-once
 * right is not a request); those memory could not hold are counted. */
static uint64_t send_once_notices_lost;

/* Every name table is a task's: its storage is charged to the task. */
static struct task *space_task(struct ipc_space *s)
{
	return (struct task *)((char *)s - offsetof(struct task, space));
}

static int table_alloc(struct ipc_space *s, uint64_t bytes, void **out)
{
	uint64_t pa;
	int rc = account_frames_alloc(space_task(s)->account,
				      (bytes + PAGE_SIZE - 1) / PAGE_SIZE, &pa);

	if (rc == 0)
		*out = arch_phys_to_virt(pa);
	return rc;
}

static void table_free(struct ipc_space *s, void *p, uint64_t bytes)
{
	account_frames_free(space_task(s)->account, arch_virt_to_phys(p),
			    (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}

void ipc_init(void)
{
	slab_cache_init(&port_cache, "port", sizeof(struct port));
	slab_cache_init(&set_cache, "port_set", sizeof(struct port_set));
	slab_cache_init(&request_cache, "notify_req",
			sizeof(struct notify_request));
	slab_cache_init(&kmsg_cache, "kmsg", sizeof(struct kmsg));
}

int port_alloc(struct account *a, struct port **out)
{
	void *obj;
	int rc = account_object_alloc(a, &port_cache, &obj);

	if (rc < 0)
		return rc;
	struct port *p = obj;
	memset(p, 0, sizeof(*p));
	p->account = a;
	p->refs = 1;
	p->alive = true;
	p->limit = UK_PORT_QUEUE_DEFAULT;
	list_init(&p->queue);
	list_init(&p->dead_name_requests);
	list_init(&p->pager_objects);
	list_init(&p->set_link);
	list_init(&p->kill_link);
	waitq_init(&p->receivers);
	waitq_init(&p->senders);
	*out = p;
	return 0;
}

void port_ref(struct port *p)
{
	p->refs++;
}

void port_unref(struct port *p)
{
	kassert(p->refs > 0);
	if (--p->refs == 0) {
		kassert(!p->alive && list_empty(&p->queue));
		account_object_free(p->account, &port_cache, p);
	}
}

/* Ports whose queues and requests still have to be torn down. Destroying
 * a queued message can kill ports whose receive rights it carried; those
 * join this list instead of recursing, so any depth of nesting is torn
 * down with constant kernel stack. */
static struct list_node kill_list = LIST_INIT(kill_list);
static bool killing;

/* A request ends: its notice (if not posted) and its charge go. */
static void request_free(struct notify_request *r)
{
	if (r->notice)
		kmsg_notice_free(r->notice);
	port_unref(r->notify);
	kassert(r->task->space.notify_requests > 0);
	r->task->space.notify_requests--;
	account_object_free(r->task->account, &request_cache, r);
}

/* Post r's notice (it exists since the request) and end r. */
static void request_fire(struct notify_request *r, uint32_t id,
			 uk_name_t name, uint64_t count)
{
	kmsg_notice_post(r->notice, r->notify, id, name, 0, count);
	r->notice = NULL;
	request_free(r);
}

/* A new request charged to t, notice included, or an error: the per-task
 * limit bounds what one task can make the kernel hold. */
static int request_new(struct task *t, struct port *notify,
		       struct notify_request **out)
{
	struct notify_request *r;
	void *obj;
	int rc;

	if (t->space.notify_requests >= UK_NOTIFY_REQUESTS_MAX)
		return -ERR_LIMIT;
	if ((rc = account_object_alloc(t->account, &request_cache, &obj)) < 0)
		return rc;
	r = obj;
	if ((rc = kmsg_notice_alloc(t->account, &r->notice)) < 0) {
		account_object_free(t->account, &request_cache, r);
		return rc;
	}
	list_init(&r->link);
	r->task = t;
	r->name = 0;
	r->notify = notify;
	port_ref(notify);
	t->space.notify_requests++;
	*out = r;
	return 0;
}

/* Asking again for the same right and kind only changes the notify port. */
static void request_retarget(struct notify_request *r, struct port *notify)
{
	port_ref(notify);
	port_unref(r->notify);
	r->notify = notify;
}

static void port_teardown(struct port *p)
{
	struct list_node *n;

	while ((n = list_pop_front(&p->queue))) {
		p->queued--;
		kmsg_destroy(list_entry(n, struct kmsg, link));
	}
	while ((n = list_pop_front(&p->dead_name_requests))) {
		struct notify_request *r =
			list_entry(n, struct notify_request, link);
		request_fire(r, UK_MSG_ID_DEAD_NAME, r->name, 0);
	}
}

void port_cancel_no_senders(struct port *p)
{
	if (p->no_senders) {
		request_free(p->no_senders);
		p->no_senders = NULL;
	}
}

void port_kill(struct port *p)
{
	struct list_node *n;

	if (!p->alive)
		return;
	p->alive = false;
	p->receiver = NULL;
	if (p->set) {
		list_remove(&p->set_link);
		p->set = NULL;
	}
	port_cancel_no_senders(p);
	waitq_wake_all(&p->receivers, -ERR_DEAD);
	waitq_wake_all(&p->senders, -ERR_DEAD);
	pager_port_died(p);
	/* Keep p while its queue and requests are torn down. */
	port_ref(p);
	list_push_back(&kill_list, &p->kill_link);
	if (killing)
		return; /* the outermost port_kill finishes it */
	killing = true;
	while ((n = list_pop_front(&kill_list))) {
		struct port *q = list_entry(n, struct port, kill_link);
		port_teardown(q);
		port_unref(q);
	}
	killing = false;
}

void port_send_right_dropped(struct port *p, uint32_t count)
{
	kassert(p->send_rights >= count);
	p->send_rights -= count;
	if (p->send_rights == 0 && p->alive && p->no_senders) {
		struct notify_request *r = p->no_senders;
		p->no_senders = NULL;
		request_fire(r, UK_MSG_ID_NO_SENDERS, p->receiver_name,
			     p->make_send_count);
	}
}

void port_send_once_dropped(struct port *p)
{
	kassert(p->send_once_rights > 0);
	p->send_once_rights--;
	if (!p->alive)
		return;
	if (p->reply_owner) {
		/* The caller's reply can no longer come. */
		struct thread *th = p->reply_owner;
		if (th->state == THREAD_BLOCKED && th->waiting_on == &p->receivers)
			waitq_wake_all(&p->receivers, -ERR_DEAD);
		return;
	}
	port_notify_send_once(p);
}

/* Charged to the port's account (its maker's): send-once rights are made
 * only from its receive right, so these notices are its own side's doing. */
void port_notify_send_once(struct port *p)
{
	struct kmsg *m;

	if (kmsg_notice_alloc(p->account, &m) < 0) {
		send_once_notices_lost++;
		return;
	}
	kmsg_notice_post(m, p, UK_MSG_ID_SEND_ONCE_DIED, p->receiver_name, 0, 0);
}

int port_set_alloc(struct account *a, struct port_set **out)
{
	void *obj;
	int rc = account_object_alloc(a, &set_cache, &obj);

	if (rc < 0)
		return rc;
	struct port_set *s = obj;
	s->account = a;
	s->refs = 1;
	s->alive = true;
	list_init(&s->members);
	waitq_init(&s->receivers);
	*out = s;
	return 0;
}

void port_set_destroy(struct port_set *s)
{
	struct list_node *n;

	while ((n = list_pop_front(&s->members)))
		list_entry(n, struct port, set_link)->set = NULL;
	s->alive = false;
	waitq_wake_all(&s->receivers, -ERR_DEAD);
	account_object_free(s->account, &set_cache, s);
}

int ipc_task_init(struct task *t)
{
	ipc_space_init(&t->space, table_alloc, table_free);
	return 0;
}

uk_name_t ipc_right_copyout_bits(struct task *t, struct port *p,
				 unsigned right, uint64_t badge,
				 unsigned badge_bits)
{
	struct ipc_entry *e;
	uk_name_t name = 0;

	if (right == UK_RIGHT_HARDWARE) {
		e = ipc_entry_alloc(&t->space, &name, NULL);
		if (!e) {
			hwcap_unref((struct hw_cap *)p);
			return 0;
		}
		e->object = p;
		e->rights = UK_RIGHT_HARDWARE;
		return name;
	}
	if (right != UK_RIGHT_SEND) {
		badge = 0;
		badge_bits = 0;
	}
	if (right != UK_RIGHT_SEND_ONCE &&
	    (name = ipc_space_find_right(&t->space, p, badge, badge_bits))) {
		e = ipc_entry_lookup(&t->space, name);
		if (right == UK_RIGHT_SEND && e->send_refs == UINT32_MAX) {
			ipc_right_destroy(p, right); /* no room, as a full table */
			return 0;
		}
		e->rights |= (uint8_t)right;
		if (right == UK_RIGHT_SEND)
			e->send_refs++;
		port_unref(p); /* the entry already holds one */
	} else {
		e = ipc_entry_alloc(&t->space, &name, NULL);
		if (!e) {
			ipc_right_destroy(p, right);
			return 0;
		}
		e->object = p;
		e->rights = (uint8_t)right;
		e->send_refs = right == UK_RIGHT_SEND ? 1 : 0;
		e->badge = badge;
		e->badge_bits = (uint8_t)badge_bits;
	}
	if (right == UK_RIGHT_RECEIVE) {
		p->receiver = t;
		p->receiver_name = name;
		p->in_transit = NULL;
	}
	return name;
}

void ipc_right_destroy(struct port *p, unsigned right)
{
	if (right == UK_RIGHT_HARDWARE) {
		hwcap_unref((struct hw_cap *)p);
		return;
	}
	if (right == UK_RIGHT_RECEIVE)
		port_kill(p);
	else if (right == UK_RIGHT_SEND)
		port_send_right_dropped(p, 1);
	else if (right == UK_RIGHT_SEND_ONCE)
		port_send_once_dropped(p);
	port_unref(p);
}

int port_request_dead_name(struct task *t, uk_name_t name, struct port *p,
			   struct port *notify)
{
	struct notify_request *r;
	struct list_node *n;

	list_for_each(n, &p->dead_name_requests)
	{
		r = list_entry(n, struct notify_request, link);
		if (r->task == t && r->name == name) {
			request_retarget(r, notify);
			return 0;
		}
	}
	int rc = request_new(t, notify, &r);
	if (rc < 0)
		return rc;
	r->name = name;
	list_push_back(&p->dead_name_requests, &r->link);
	return 0;
}

int port_request_no_senders(struct task *t, struct port *p,
			    struct port *notify)
{
	if (p->no_senders) {
		request_retarget(p->no_senders, notify);
	} else {
		int rc = request_new(t, notify, &p->no_senders);
		if (rc < 0)
			return rc;
	}
	if (p->send_rights == 0)
		port_send_right_dropped(p, 0);
	return 0;
}

/* Drop t's dead-name requests on p (t no longer holds the right). */
void port_drop_requests(struct task *t, struct port *p, uk_name_t name)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &p->dead_name_requests)
	{
		struct notify_request *r =
			list_entry(n, struct notify_request, link);
		if (r->task == t && (!name || r->name == name)) {
			list_remove(n);
			request_free(r);
		}
	}
}

void ipc_entry_release(struct task *t, uk_name_t name, struct ipc_entry *e)
{
	unsigned rights = e->rights;

	if (rights & UK_RIGHT_PORT_SET) {
		port_set_destroy(e->object);
	} else if (rights & UK_RIGHT_HARDWARE) {
		hwcap_unref(e->object);
	} else {
		struct port *p = e->object;
		port_drop_requests(t, p, name);
		if (rights & UK_RIGHT_RECEIVE)
			port_kill(p);
		if (rights & UK_RIGHT_SEND)
			port_send_right_dropped(p, e->send_refs);
		if (rights & UK_RIGHT_SEND_ONCE)
			port_send_once_dropped(p);
		port_unref(p);
	}
	ipc_entry_free(&t->space, name);
}

void ipc_task_release(struct task *t)
{
	struct ipc_space *s = &t->space;

	for (uint32_t i = 1; i < s->size; i++) {
		struct ipc_entry *e = &s->table[i];
		if (e->rights)
			ipc_entry_release(t, ipc_name_make(i, e->generation), e);
	}
	/* Every request hangs on a right of t: none may outlive it. */
	kassert(s->notify_requests == 0);
	ipc_space_release(s);
}
