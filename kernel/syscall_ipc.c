/* SPDX-License-Identifier: MIT */
/* Syscalls on ports, port sets and rights (decode, then act). */
#include <uk/errors.h>

#include "ipc.h"
#include "kernel.h"
#include "syscall_table.h"
#include "task.h"


static struct ipc_entry *lookup(uint64_t name)
{
	return ipc_entry_lookup(&current->task->space, name);
}

int64_t sys_port_allocate(uint64_t rights)
{
	struct task *t = current->task;
	uk_name_t name;
	struct ipc_entry *e;
	int rc;

	if (rights != UK_RIGHT_RECEIVE && rights != UK_RIGHT_PORT_SET)
		return -ERR_INVALID;
	e = ipc_entry_alloc(&t->space, &name, &rc);
	if (!e)
		return rc;
	if (rights == UK_RIGHT_RECEIVE) {
		struct port *p;
		if ((rc = port_alloc(t->account, &p)) < 0) {
			ipc_entry_free(&t->space, name);
			return rc;
		}
		p->receiver = t;
		p->receiver_name = name;
		e->object = p;
	} else {
		struct port_set *s;
		if ((rc = port_set_alloc(t->account, &s)) < 0) {
			ipc_entry_free(&t->space, name);
			return rc;
		}
		s->name = name;
		e->object = s;
	}
	e->rights = (uint8_t)rights;
	return name;
}

int64_t sys_port_destroy(uint64_t name)
{
	struct ipc_entry *e = lookup(name);

	if (!e)
		return -ERR_BAD_NAME;
	if (e->rights & UK_RIGHT_PORT_SET) {
		ipc_entry_release(current->task, (uk_name_t)name, e);
		return 0;
	}
	if (!(e->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	struct port *p = e->object;
	e->rights &= (uint8_t)~UK_RIGHT_RECEIVE;
	port_kill(p);
	if (!e->rights) {
		ipc_entry_free(&current->task->space, (uk_name_t)name);
		port_unref(p);
	}
	/* A remaining send right under this name is now a dead name. */
	return 0;
}

int64_t sys_port_deallocate(uint64_t name)
{
	struct ipc_entry *e = lookup(name);
	struct task *t = current->task;

	if (!e)
		return -ERR_BAD_NAME;
	if (e->rights & (UK_RIGHT_SEND_ONCE | UK_RIGHT_HARDWARE)) {
		ipc_entry_release(t, (uk_name_t)name, e);
		return 0;
	}
	if (!(e->rights & UK_RIGHT_SEND))
		return -ERR_RIGHTS;
	struct port *p = e->object;
	port_send_right_dropped(p, 1);
	if (--e->send_refs == 0) {
		e->rights &= (uint8_t)~UK_RIGHT_SEND;
		port_drop_requests(t, p, (uk_name_t)name);
		if (!e->rights) {
			ipc_entry_free(&t->space, (uk_name_t)name);
			port_unref(p);
		}
	}
	return 0;
}

int64_t sys_port_insert_right(uint64_t name, uint64_t disposition)
{
	struct ipc_entry *e = lookup(name);
	struct task *t = current->task;

	if (!e)
		return -ERR_BAD_NAME;
	if (e->rights & (UK_RIGHT_PORT_SET | UK_RIGHT_HARDWARE))
		return -ERR_RIGHTS;
	struct port *p = e->object;
	switch (disposition) {
	case UK_DISP_MAKE_SEND:
		if (!(e->rights & UK_RIGHT_RECEIVE))
			return -ERR_RIGHTS;
		if (e->send_refs == UINT32_MAX)
			return -ERR_LIMIT;
		e->rights |= UK_RIGHT_SEND;
		e->send_refs++;
		p->send_rights++;
		p->make_send_count++;
		return name;
	case UK_DISP_COPY_SEND:
		if (!(e->rights & UK_RIGHT_SEND))
			return -ERR_RIGHTS;
		if (!p->alive)
			return -ERR_DEAD;
		if (e->send_refs == UINT32_MAX)
			return -ERR_LIMIT;
		e->send_refs++;
		p->send_rights++;
		return name;
	case UK_DISP_MAKE_SEND_ONCE: {
		if (!(e->rights & UK_RIGHT_RECEIVE))
			return -ERR_RIGHTS;
		uk_name_t n;
		int rc;
		struct ipc_entry *ne = ipc_entry_alloc(&t->space, &n, &rc);
		if (!ne)
			return rc;
		ne->object = p;
		ne->rights = UK_RIGHT_SEND_ONCE;
		p->send_once_rights++;
		port_ref(p);
		return n;
	}
	default:
		return -ERR_INVALID;
	}
}

int64_t sys_port_set_add(uint64_t set, uint64_t port)
{
	struct ipc_entry *se = lookup(set), *pe = lookup(port);

	if (!se || !pe)
		return -ERR_BAD_NAME;
	if (!(se->rights & UK_RIGHT_PORT_SET) || !(pe->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	struct port *p = pe->object;
	if (p->set)
		return -ERR_BUSY;
	p->set = se->object;
	list_push_back(&p->set->members, &p->set_link);
	/* A thread already waiting on the set gets what is queued. */
	ipc_port_joined_set(p);
	return 0;
}

int64_t sys_port_set_remove(uint64_t port)
{
	struct ipc_entry *pe = lookup(port);

	if (!pe)
		return -ERR_BAD_NAME;
	if (!(pe->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	struct port *p = pe->object;
	if (!p->set)
		return -ERR_NOT_FOUND;
	list_remove(&p->set_link);
	p->set = NULL;
	return 0;
}

/*
 * Decode: the notify port must be one whose receive right the caller
 * holds. A notice is marked UK_MSG_KERNEL and carries a name from the
 * caller's own table, so sending one to a port somebody else receives on
 * would let the caller forge the kernel's word to that task.
 */
int64_t sys_port_request_notification(uint64_t name, uint64_t kind,
				      uint64_t notify)
{
	struct task *t = current->task;
	struct ipc_entry *e = lookup(name), *ne = lookup(notify);

	if (!e || !ne)
		return -ERR_BAD_NAME;
	if (!(ne->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	if (e->rights & (UK_RIGHT_PORT_SET | UK_RIGHT_HARDWARE))
		return -ERR_RIGHTS;
	struct port *np = ne->object, *p = e->object;
	if (kind == UK_NOTIFY_DEAD_NAME) {
		if (!(e->rights & (UK_RIGHT_SEND | UK_RIGHT_SEND_ONCE)))
			return -ERR_RIGHTS;
		if (p->alive)
			return port_request_dead_name(t, (uk_name_t)name, p, np);
		/* Already dead: the notice comes at once, as an ordinary
		 * message would, so asking again cannot grow the queue
		 * past its limit. */
		if (np->queued >= np->limit)
			return -ERR_QUEUE_FULL;
		struct kmsg *m;
		int rc = kmsg_notice_alloc(t->account, &m);
		if (rc < 0)
			return rc;
		kmsg_notice_post(m, np, UK_MSG_ID_DEAD_NAME, (uk_name_t)name, 0, 0);
		return 0;
	}
	if (kind == UK_NOTIFY_NO_SENDERS) {
		if (!(e->rights & UK_RIGHT_RECEIVE))
			return -ERR_RIGHTS;
		return port_request_no_senders(t, p, np);
	}
	return -ERR_INVALID;
}

int64_t sys_port_info(uint64_t name, uaddr_t out)
{
	struct ipc_entry *e = lookup(name);
	struct uk_port_info info = { 0 };

	if (!e)
		return -ERR_BAD_NAME;
	info.rights = e->rights;
	info.send_refs = e->send_refs;
	if (!(e->rights & (UK_RIGHT_PORT_SET | UK_RIGHT_HARDWARE))) {
		struct port *p = e->object;
		if (!p->alive && (e->rights & (UK_RIGHT_SEND | UK_RIGHT_SEND_ONCE)))
			info.rights = UK_RIGHT_DEAD_NAME;
		if (e->rights & UK_RIGHT_RECEIVE) {
			info.queued = p->queued;
			info.queue_limit = p->limit;
			info.senders = p->send_rights;
			info.set = p->set ? p->set->name : 0;
			info.make_send_count = p->make_send_count;
		}
		if (e->rights & UK_RIGHT_SEND) {
			info.badge = e->badge;
			info.badge_bits = e->badge_bits;
		}
	}
	if (copy_to_user(current->task, out, &info, sizeof(info)) < 0)
		return -ERR_FAULT;
	return 0;
}

int64_t sys_port_set_limit(uint64_t name, uint64_t limit)
{
	struct ipc_entry *e = lookup(name);

	if (!e)
		return -ERR_BAD_NAME;
	if (!(e->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	if (limit < 1 || limit > UK_PORT_QUEUE_MAX)
		return -ERR_INVALID;
	struct port *p = e->object;
	p->limit = (uint32_t)limit;
	waitq_wake_all(&p->senders, 0);
	return 0;
}

/*
 * One more send reference to p in t, with this badge and these delegable
 * bits: added to the name that already holds that right, or under a new
 * name. The new entry (its table's growth) is charged to t like any name,
 * so the rights a task can make this way are bounded by its table
 * (IPC_SPACE_MAX) and its account. Returns the name or an error (ERR_LIMIT
 * at the table's size, the account's quota or a count that would wrap;
 * ERR_NO_MEMORY); on error nothing has changed.
 */
static int64_t send_right_add(struct task *t, struct port *p, uint64_t badge,
			      unsigned badge_bits)
{
	uk_name_t name = ipc_space_find_right(&t->space, p, badge, badge_bits);
	struct ipc_entry *e;
	int rc;

	if (p->send_rights == UINT32_MAX)
		return -ERR_LIMIT;
	if (name) {
		e = ipc_entry_lookup(&t->space, name);
		if (e->send_refs == UINT32_MAX)
			return -ERR_LIMIT;
		e->rights |= UK_RIGHT_SEND;
		e->send_refs++;
	} else {
		if (!(e = ipc_entry_alloc(&t->space, &name, &rc)))
			return rc;
		e->object = p;
		e->rights = UK_RIGHT_SEND;
		e->send_refs = 1;
		e->badge = badge;
		e->badge_bits = (uint8_t)badge_bits;
		port_ref(p); /* the new entry's */
	}
	p->send_rights++;
	return (int64_t)name;
}

/* Decode for port_mint and port_mint_delegable: the receive right under
 * name and a nonzero badge (badge 0 is port_insert_right's MAKE_SEND). A
 * minted right is made from the receive right: it counts in the make-send
 * count. */
static int64_t mint(uint64_t name, uint64_t badge, unsigned badge_bits)
{
	struct ipc_entry *e = lookup(name);

	if (!e)
		return -ERR_BAD_NAME;
	if (!(e->rights & UK_RIGHT_RECEIVE))
		return -ERR_RIGHTS;
	if (badge == 0)
		return -ERR_INVALID;
	struct port *p = e->object;
	int64_t n = send_right_add(current->task, p, badge, badge_bits);
	if (n > 0)
		p->make_send_count++;
	return n;
}

int64_t sys_port_mint(uint64_t name, uint64_t badge)
{
	return mint(name, badge, 0);
}

int64_t sys_port_mint_delegable(uint64_t name, uint64_t badge, uint64_t bits)
{
	if (bits < 1 || bits > UK_BADGE_DELEGABLE_BITS_MAX)
		return -ERR_INVALID;
	if (badge & ((1ull << bits) - 1))
		return -ERR_INVALID; /* the holder's bits must be free */
	return mint(name, badge, (unsigned)bits);
}

/*
 * Decode: a send right to a live port, minted delegable (a derived right
 * is not: it cannot be narrowed again, so a holder can only name clients
 * in the one range the server gave it) and 0 < sub < 2^bits. Deriving is
 * a copy with another badge, not a right made from the receive right:
 * like COPY_SEND it leaves the make-send count alone, and it needs a send
 * right that exists, so no-senders cannot have fired in between.
 */
int64_t sys_port_derive(uint64_t name, uint64_t sub)
{
	struct ipc_entry *e = lookup(name);

	if (!e)
		return -ERR_BAD_NAME;
	if (!(e->rights & UK_RIGHT_SEND) || !e->badge_bits)
		return -ERR_RIGHTS;
	if (sub == 0 || sub >= 1ull << e->badge_bits)
		return -ERR_INVALID;
	struct port *p = e->object;
	if (!p->alive)
		return -ERR_DEAD;
	return send_right_add(current->task, p, e->badge | sub, 0);
}
