/* SPDX-License-Identifier: MIT */
/* The fake tasks and helpers the IPC unit tests share (see ipc_harness.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_harness.h"
#include "pager.h"

/* ---- fake tasks ---- */

struct fake_task ipc_tasks[3];

static void thread_start(struct thread *th, struct fake_task *ft)
{
	th->task = &ft->task;
	th->state = THREAD_RUNNING;
	list_init(&th->run_link);
	list_init(&th->sleep_link);
	list_init(&th->task_link);
}

static void task_start(struct fake_task *ft, uint64_t id)
{
	memset(ft, 0, sizeof(*ft));
	ft->aspace.base = FAKE_USER_BASE;
	ft->aspace.size = FAKE_USER_SIZE;
	ft->aspace.mem = ft->mem;
	ft->task.id = id;
	ft->task.aspace_root = (uint64_t)(uintptr_t)&ft->aspace;
	list_init(&ft->task.threads);
	list_init(&ft->task.children);
	list_init(&ft->task.sibling);
	list_init(&ft->task.regions);
	waitq_init(&ft->task.child_waiters);
	assert_int_equal(account_new(account_root(), TASK_QUOTA, &ft->task.account),
			 0);
	assert_int_equal(ipc_task_init(&ft->task), 0);
	thread_start(&ft->thread, ft);
	thread_start(&ft->waiter, ft);
	ft->started = true;
}

void task_end(struct fake_task *ft)
{
	if (!ft->started)
		return;
	ft->started = false;
	ipc_thread_exit(&ft->thread);
	ipc_thread_exit(&ft->waiter);
	ipc_task_release(&ft->task);
	/* Its address space goes after its rights, as in task.c. */
	fake_windows_release(&ft->task);
	account_put(ft->task.account);
}

uint64_t quota_used(struct fake_task *ft)
{
	return ft->task.account->used;
}

uint64_t fill_quota(struct fake_task *ft)
{
	struct account *a = ft->task.account;
	uint64_t left = a->limit - a->used;

	assert_int_equal(account_charge(a, left), 0);
	return left;
}

void unfill_quota(struct fake_task *ft, uint64_t filled)
{
	account_uncharge(ft->task.account, filled);
}

void run_as(struct fake_task *ft)
{
	current = &ft->thread;
}

int ipc_setup(void **state)
{
	fake_kernel_reset();
	fake_pager_reset();
	quota_init(ROOT_QUOTA);
	ipc_init();
	pager_init();
	task_start(A, A_SENDER);
	task_start(B, B_SENDER);
	task_start(C, C_SENDER);
	run_as(A);
	return 0;
}

/* Every test ends with all tasks gone, and then nothing may be left. */
int ipc_teardown(void **state)
{
	task_end(A);
	task_end(B);
	task_end(C);
	int rc = 0;
	/* A charge never returned keeps its account (a slab object) and
	 * the root's use. */
	if (fake_slab_total_in_use() || fake_frames_in_use() ||
	    account_root()->used) {
		print_error(
		    "leak after every task ended: port %llu, port_set %llu, "
		    "notify_req %llu, kmsg %llu, vm_object %llu, account %llu, "
		    "frames %llu, root account used %llu\n",
		    (unsigned long long)fake_slab_in_use("port"),
		    (unsigned long long)fake_slab_in_use("port_set"),
		    (unsigned long long)fake_slab_in_use("notify_req"),
		    (unsigned long long)fake_slab_in_use("kmsg"),
		    (unsigned long long)fake_slab_in_use("vm_object"),
		    (unsigned long long)fake_slab_in_use("account"),
		    (unsigned long long)fake_frames_in_use(),
		    (unsigned long long)account_root()->used);
		rc = -1;
	}
	fake_kernel_reset();
	return rc;
}

/* ---- syscalls as a task ---- */

uk_name_t port_new(struct fake_task *ft)
{
	run_as(ft);
	int64_t name = sys_port_allocate(UK_RIGHT_RECEIVE);
	assert_true(name > 0);
	return (uk_name_t)name;
}

int64_t insert_right(struct fake_task *ft, uk_name_t name, unsigned disposition)
{
	run_as(ft);
	return sys_port_insert_right(name, disposition);
}

void make_send(struct fake_task *ft, uk_name_t name)
{
	assert_int_equal(insert_right(ft, name, UK_DISP_MAKE_SEND), name);
}

uk_name_t make_send_once(struct fake_task *ft, uk_name_t name)
{
	int64_t so = insert_right(ft, name, UK_DISP_MAKE_SEND_ONCE);
	assert_true(so > 0);
	return (uk_name_t)so;
}

int64_t port_mint(struct fake_task *ft, uk_name_t name, uint64_t badge)
{
	run_as(ft);
	return sys_port_mint(name, badge);
}

uk_name_t mint(struct fake_task *ft, uk_name_t name, uint64_t badge)
{
	int64_t n = port_mint(ft, name, badge);

	assert_true(n > 0);
	return (uk_name_t)n;
}

int64_t deallocate(struct fake_task *ft, uk_name_t name)
{
	run_as(ft);
	return sys_port_deallocate(name);
}

int64_t destroy(struct fake_task *ft, uk_name_t name)
{
	run_as(ft);
	return sys_port_destroy(name);
}

int64_t request(struct fake_task *ft, uk_name_t name, unsigned kind,
		uk_name_t notify)
{
	run_as(ft);
	return sys_port_request_notification(name, kind, notify);
}

int64_t set_limit(struct fake_task *ft, uk_name_t name, uint64_t limit)
{
	run_as(ft);
	return sys_port_set_limit(name, limit);
}

int64_t info_of(struct fake_task *ft, uk_name_t name, struct uk_port_info *out)
{
	run_as(ft);
	memset(fake_user_ptr(&ft->task, INFO_ADDR, sizeof(*out)), 0xee,
	       sizeof(*out));
	int64_t rc = sys_port_info(name, INFO_ADDR);
	memcpy(out, fake_user_ptr(&ft->task, INFO_ADDR, sizeof(*out)),
	       sizeof(*out));
	return rc;
}

struct uk_port_info info(struct fake_task *ft, uk_name_t name)
{
	struct uk_port_info i;

	assert_int_equal(info_of(ft, name, &i), 0);
	return i;
}

uint32_t rights_of(struct fake_task *ft, uk_name_t name)
{
	return info(ft, name).rights;
}

uint32_t send_refs_of(struct fake_task *ft, uk_name_t name)
{
	return info(ft, name).send_refs;
}

uint32_t queued_on(struct fake_task *ft, uk_name_t name)
{
	return info(ft, name).queued;
}

uint64_t badge_of(struct fake_task *ft, uk_name_t name)
{
	return info(ft, name).badge;
}

struct port *port_of(struct fake_task *ft, uk_name_t name)
{
	struct ipc_entry *e = ipc_entry_lookup(&ft->task.space, name);

	assert_non_null(e);
	return e->object;
}

uk_name_t give_send(struct fake_task *owner, uk_name_t receive,
		    struct fake_task *to)
{
	uk_name_t name =
	    ipc_transfer(&owner->task, receive, UK_DISP_MAKE_SEND, &to->task);
	assert_int_not_equal(name, 0);
	return name;
}

uk_name_t give_send_once(struct fake_task *owner, uk_name_t receive,
			 struct fake_task *to)
{
	uk_name_t name = ipc_transfer(&owner->task, receive,
				      UK_DISP_MAKE_SEND_ONCE, &to->task);
	assert_int_not_equal(name, 0);
	return name;
}

uk_name_t give_badged(struct fake_task *owner, uk_name_t receive,
		      uint64_t badge, struct fake_task *to)
{
	uk_name_t minted = mint(owner, receive, badge);
	uk_name_t name =
	    ipc_transfer(&owner->task, minted, UK_DISP_MOVE_SEND, &to->task);
	assert_int_not_equal(name, 0);
	return name;
}

/* ---- messages ---- */

void msg_init(struct test_msg *m, uk_name_t dest, unsigned dest_disposition)
{
	memset(m, 0, sizeof(*m));
	m->h.id = MSG_ID;
	m->h.dest = dest;
	m->h.dest_disposition = (uint8_t)dest_disposition;
	m->body_len = sizeof(BODY);
	memcpy(m->body, BODY, sizeof(BODY));
}

void msg_port(struct test_msg *m, uk_name_t name, unsigned disposition)
{
	assert_true(m->h.n_ports < UK_MSG_PORTS_MAX);
	m->ports[m->h.n_ports].name = name;
	m->ports[m->h.n_ports].disposition = disposition;
	m->h.n_ports++;
}

void msg_ool(struct test_msg *m, uint64_t address, uint64_t size,
	     uint32_t flags)
{
	assert_true(m->h.n_ool < UK_MSG_OOL_MAX);
	m->ools[m->h.n_ool].address = address;
	m->ools[m->h.n_ool].size = size;
	m->ools[m->h.n_ool].flags = flags;
	m->h.n_ool++;
}

uint32_t msg_size(const struct test_msg *m)
{
	return (uint32_t)(sizeof(m->h) + m->h.n_ports * sizeof(m->ports[0]) +
			  m->h.n_ool * sizeof(m->ools[0]) + m->body_len);
}

uint32_t msg_write(struct fake_task *ft, uint64_t addr, struct test_msg *m)
{
	uint32_t size = msg_size(m);
	uint32_t ports = m->h.n_ports * (uint32_t)sizeof(m->ports[0]);
	uint32_t ools = m->h.n_ool * (uint32_t)sizeof(m->ools[0]);

	if (!m->h.size)
		m->h.size = size;
	uint8_t *u = fake_user_ptr(&ft->task, addr, size);
	memcpy(u, &m->h, sizeof(m->h));
	memcpy(u + sizeof(m->h), m->ports, ports);
	memcpy(u + sizeof(m->h) + ports, m->ools, ools);
	memcpy(u + sizeof(m->h) + ports + ools, m->body, m->body_len);
	return size;
}

int64_t msg_send(struct fake_task *ft, struct test_msg *m)
{
	uint32_t size = msg_write(ft, MSG_ADDR, m);

	run_as(ft);
	return sys_ipc_send(MSG_ADDR, size, 0);
}

int64_t send_plain(struct fake_task *ft, uk_name_t dest, unsigned disp)
{
	struct test_msg m;

	msg_init(&m, dest, disp);
	return msg_send(ft, &m);
}

int64_t send_right(struct fake_task *ft, uk_name_t dest, uk_name_t name,
		   unsigned disposition)
{
	struct test_msg m;

	msg_init(&m, dest, 0);
	msg_port(&m, name, disposition);
	return msg_send(ft, &m);
}

int64_t msg_receive(struct fake_task *ft, uk_name_t name)
{
	run_as(ft);
	memset(fake_user_ptr(&ft->task, RECV_ADDR, RECV_SIZE), 0xee, RECV_SIZE);
	return sys_ipc_receive(name, RECV_ADDR, RECV_SIZE, 0);
}

struct uk_msg_header *received(struct fake_task *ft)
{
	return fake_user_ptr(&ft->task, RECV_ADDR, RECV_SIZE);
}

struct uk_msg_port *received_port(struct fake_task *ft, unsigned i)
{
	return (struct uk_msg_port *)((uint8_t *)received(ft) +
				      sizeof(struct uk_msg_header)) +
	       i;
}

struct uk_msg_ool *received_ool(struct fake_task *ft, unsigned i)
{
	return (struct uk_msg_ool *)((uint8_t *)received(ft) +
				     sizeof(struct uk_msg_header) +
				     received(ft)->n_ports *
					 sizeof(struct uk_msg_port)) +
	       i;
}

uk_name_t receive_right(struct fake_task *ft, uk_name_t port, uint32_t right)
{
	int64_t rc = msg_receive(ft, port);

	assert_true(rc > 0);
	assert_int_equal(received(ft)->id, MSG_ID);
	assert_int_equal(received(ft)->n_ports, 1);
	assert_int_equal(received_port(ft, 0)->disposition, right);
	assert_int_not_equal(received_port(ft, 0)->name, 0);
	return received_port(ft, 0)->name;
}

void expect_notification(struct fake_task *ft, uk_name_t port, uint32_t id,
			 uk_name_t name)
{
	assert_int_equal(msg_receive(ft, port), sizeof(struct uk_notification));
	const struct uk_notification *n = (const void *)received(ft);
	assert_int_equal(n->header.id, id);
	assert_int_equal(n->header.size, sizeof(*n));
	assert_int_equal(n->header.flags & UK_MSG_KERNEL, UK_MSG_KERNEL);
	assert_int_equal(n->header.dest, port);
	assert_int_equal(n->header.reply, 0);
	assert_int_equal(n->header.sender, 0);
	assert_int_equal(n->header.badge, 0);
	assert_int_equal(n->name, name);
}

void expect_empty(struct fake_task *ft, uk_name_t port)
{
	assert_int_equal(msg_receive(ft, port), -ERR_TIMED_OUT);
}

/* ---- "nothing changed" ---- */

struct snapshot snapshot_of(struct fake_task *ft)
{
	struct ipc_space *s = &ft->task.space;
	struct snapshot snap;

	assert_true(s->size <= SNAPSHOT_ENTRIES);
	snap.size = s->size;
	snap.used = s->used;
	memcpy(snap.entries, s->table, s->size * sizeof(struct ipc_entry));
	return snap;
}

void assert_table_unchanged(struct fake_task *ft, const struct snapshot *snap)
{
	struct ipc_space *s = &ft->task.space;

	assert_int_equal(s->size, snap->size);
	assert_int_equal(s->used, snap->used);
	for (uint32_t i = 0; i < s->size; i++) {
		const struct ipc_entry *was = &snap->entries[i],
				       *is = &s->table[i];
		if (!was->rights && !is->rights)
			continue;
		assert_int_equal(is->rights, was->rights);
		assert_int_equal(is->generation, was->generation);
		assert_int_equal(is->send_refs, was->send_refs);
		assert_int_equal(is->badge, was->badge);
		assert_ptr_equal(is->object, was->object);
	}
}

struct port_counts counts_of(struct port *p)
{
	return (struct port_counts){p->refs, p->send_rights,
				    p->send_once_rights, p->queued};
}

void assert_counts_unchanged(struct port *p, struct port_counts was)
{
	assert_int_equal(p->refs, was.refs);
	assert_int_equal(p->send_rights, was.send_rights);
	assert_int_equal(p->send_once_rights, was.send_once_rights);
	assert_int_equal(p->queued, was.queued);
}

struct thread *wait_in_receive(struct fake_task *ft, uk_name_t port,
			       uint64_t size)
{
	struct port *p = port_of(ft, port);
	struct thread *th = &ft->waiter;

	th->state = THREAD_BLOCKED;
	th->waiting_on = &p->receivers;
	th->wait_result = 0x5a5a;
	th->ipc_buf = WAIT_ADDR;
	th->ipc_buf_size = size;
	memset(fake_user_ptr(&ft->task, WAIT_ADDR, WAIT_SIZE), 0xee, WAIT_SIZE);
	list_push_back(&p->receivers.threads, &th->run_link);
	return th;
}

void decode_fixture_init(struct decode_fixture *f)
{
	f->q = port_new(B);
	f->sq = give_send(B, f->q, A);
	f->p = port_new(A);
	make_send(A, f->p);
	f->c = port_new(C);
	f->sc = give_send(C, f->c, A);
	f->snap = snapshot_of(A);
	f->p_was = counts_of(port_of(A, f->p));
	f->c_was = counts_of(port_of(C, f->c));
	f->q_was = counts_of(port_of(B, f->q));
}

void decode_fixture_assert_unchanged(struct decode_fixture *f)
{
	assert_table_unchanged(A, &f->snap);
	assert_counts_unchanged(port_of(A, f->p), f->p_was);
	assert_counts_unchanged(port_of(C, f->c), f->c_was);
	assert_counts_unchanged(port_of(B, f->q), f->q_was);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(send_refs_of(A, f->p), 1);
	assert_int_equal(send_refs_of(A, f->sc), 1);
}

uk_name_t hw_insert(struct fake_task *ft, struct hw_cap *cap)
{
	uk_name_t name;
	struct ipc_entry *e = ipc_entry_alloc(&ft->task.space, &name, NULL);

	assert_non_null(e);
	e->object = cap;
	e->rights = UK_RIGHT_HARDWARE;
	return name;
}

uk_name_t caller_waiting_for_reply(struct fake_task *caller,
				   struct fake_task *server)
{
	struct thread *th = &caller->thread;
	struct port *rp;

	/* As reply_port_of and slow_call in ipc.c set it up. */
	assert_int_equal(port_alloc(caller->task.account, &rp), 0);
	rp->reply_owner = th;
	rp->limit = 1;
	th->reply_port = rp;
	rp->send_once_rights++;
	port_ref(rp);
	uk_name_t reply =
	    ipc_right_copyout(&server->task, rp, UK_RIGHT_SEND_ONCE, 0);
	assert_int_not_equal(reply, 0);

	th->state = THREAD_BLOCKED;
	th->waiting_on = &rp->receivers;
	th->wait_result = 0x5a5a;
	th->ipc_buf = WAIT_ADDR;
	th->ipc_buf_size = WAIT_SIZE;
	memset(fake_user_ptr(&caller->task, WAIT_ADDR, WAIT_SIZE), 0xee,
	       WAIT_SIZE);
	list_push_back(&rp->receivers.threads, &th->run_link);
	return reply;
}
