/* SPDX-License-Identifier: MIT */
/*
 * Getting messages to a receiver: queue limits (and what bypasses them),
 * order, receive errors that keep the message, direct delivery to a thread
 * already waiting, call and reply without blocking, out-of-line memory,
 * and badges: the badge of the right a message came through, on every
 * path (queued, direct, the call and reply fast paths), kept when a badged
 * right is copied or moved, one receiver's name per (port, badge); and
 * what is charged to whom (quota.h), and ERR_LIMIT at a quota with
 * nothing changed. Runs inside unit.ipc_rights (see test_ipc_rights.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ipc_harness.h"

/* ---- queues and delivery ---- */

static void
ipc_send_beyond_the_queue_limit_times_out_and_moves_nothing(void **state)
{
	struct decode_fixture f;

	decode_fixture_init(&f);
	assert_int_equal(set_limit(B, f.q, 2), 0);
	assert_int_equal(info(B, f.q).queue_limit, 2);
	assert_int_equal(send_plain(A, f.sq, 0), 0);
	assert_int_equal(send_plain(A, f.sq, 0), 0);
	f.snap = snapshot_of(A);
	f.q_was = counts_of(port_of(B, f.q));

	assert_int_equal(send_right(A, f.sq, f.p, UK_DISP_MOVE_SEND),
			 -ERR_TIMED_OUT);
	assert_table_unchanged(A, &f.snap);
	assert_counts_unchanged(port_of(B, f.q), f.q_was);
	assert_int_equal(send_refs_of(A, f.p), 1);
	assert_int_equal(queued_on(B, f.q), 2);
	assert_int_equal(fake_slab_in_use("kmsg"), 2);
}

static void ipc_send_default_queue_limit_is_sixteen_messages(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);

	for (unsigned i = 0; i < UK_PORT_QUEUE_DEFAULT; i++)
		assert_int_equal(send_plain(A, sq, 0), 0);
	assert_int_equal(send_plain(A, sq, 0), -ERR_TIMED_OUT);
	assert_int_equal(queued_on(B, q), UK_PORT_QUEUE_DEFAULT);
	/* Receiving one makes room for one. */
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(send_plain(A, sq, 0), 0);
	assert_int_equal(send_plain(A, sq, 0), -ERR_TIMED_OUT);
}

static void ipc_send_to_a_send_once_right_bypasses_the_queue_limit(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A), so = give_send_once(B, q, A);

	assert_int_equal(set_limit(B, q, 1), 0);
	assert_int_equal(send_plain(A, sq, 0), 0);
	assert_int_equal(send_plain(A, sq, 0), -ERR_TIMED_OUT);
	assert_int_equal(send_plain(A, so, UK_DISP_MOVE_SEND_ONCE), 0);
	assert_int_equal(queued_on(B, q), 2);
}

static void kernel_notifications_bypass_the_queue_limit(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A), so = give_send_once(B, q, A);

	assert_int_equal(set_limit(B, q, 1), 0);
	assert_int_equal(send_plain(A, sq, 0), 0);
	assert_int_equal(deallocate(A, so), 0);
	assert_int_equal(queued_on(B, q), 2);
	assert_true(msg_receive(B, q) > 0);
	expect_notification(B, q, UK_MSG_ID_SEND_ONCE_DIED, q);
}

static void port_set_limit_accepts_one_to_1024(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(set_limit(B, q, 0), -ERR_INVALID);
	assert_int_equal(set_limit(B, q, UK_PORT_QUEUE_MAX + 1), -ERR_INVALID);
	assert_int_equal(set_limit(A, sq, 4), -ERR_RIGHTS);
	assert_int_equal(info(B, q).queue_limit, UK_PORT_QUEUE_DEFAULT);
	assert_int_equal(set_limit(B, q, 1), 0);
	assert_int_equal(set_limit(B, q, UK_PORT_QUEUE_MAX), 0);
	assert_int_equal(info(B, q).queue_limit, UK_PORT_QUEUE_MAX);
}

static void ipc_receive_wakes_one_sender_waiting_for_queue_space(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	struct port *p = port_of(B, q);
	struct thread *sender = &A->waiter;

	assert_int_equal(set_limit(B, q, 1), 0);
	assert_int_equal(send_plain(A, sq, 0), 0);
	sender->state = THREAD_BLOCKED;
	sender->waiting_on = &p->senders;
	sender->wait_result = 0x5a5a;
	list_push_back(&p->senders.threads, &sender->run_link);

	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(sender->state, THREAD_READY);
	assert_int_equal(sender->wait_result, 0);
	assert_true(list_empty(&p->senders.threads));
}

static void ipc_receive_returns_messages_in_the_order_sent(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A), sc = give_send(B, q, C);
	struct test_msg m;

	for (uint32_t i = 0; i < 5; i++) {
		msg_init(&m, i % 2 ? sc : sq, 0);
		m.h.id = 100 + i;
		assert_int_equal(msg_send(i % 2 ? C : A, &m), 0);
	}
	for (uint32_t i = 0; i < 5; i++) {
		assert_true(msg_receive(B, q) > 0);
		assert_int_equal(received(B)->id, 100 + i);
		assert_int_equal(received(B)->sender,
				 i % 2 ? C_SENDER : A_SENDER);
	}
	expect_empty(B, q);
}

static void
ipc_receive_on_an_empty_port_with_zero_timeout_times_out(void **state)
{
	uk_name_t q = port_new(B);

	expect_empty(B, q);
}

static void ipc_receive_on_a_name_without_a_receive_right_fails(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(msg_receive(A, sq), -ERR_RIGHTS);
	assert_int_equal(msg_receive(A, 0), -ERR_BAD_NAME);
	assert_int_equal(msg_receive(A, name_next_generation(sq)),
			 -ERR_BAD_NAME);
}

static void
ipc_receive_into_a_small_buffer_keeps_the_message_and_reports_its_size(
    void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	uint32_t used = B->task.space.used;

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	uint32_t size = ONE_RIGHT_MSG_SIZE;
	run_as(B);
	uint32_t *need = fake_user_ptr(&B->task, RECV_ADDR, 4);
	*need = 0;
	assert_int_equal(sys_ipc_receive(q, RECV_ADDR, size - 1, 0),
			 -ERR_TOO_BIG);
	assert_int_equal(*need, size);
	assert_int_equal(queued_on(B, q), 1);
	assert_int_equal(B->task.space.used, used); /* no right moved in */
	receive_right(B, q, UK_RIGHT_SEND);
	assert_int_equal(B->task.space.used, used + 1);
}

static void
ipc_receive_into_an_unmapped_buffer_returns_fault_and_keeps_the_message(
    void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	uint32_t used = B->task.space.used;

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	run_as(B);
	/* The buffer runs past the end of B's memory. */
	assert_int_equal(
	    sys_ipc_receive(q, FAKE_USER_BASE + FAKE_USER_SIZE - 16, 4096, 0),
	    -ERR_FAULT);
	assert_int_equal(queued_on(B, q), 1);
	assert_int_equal(B->task.space.used, used);
	assert_int_equal(info(A, p).senders, 1);
	receive_right(B, q, UK_RIGHT_SEND);
}

static void
ipc_send_to_a_waiting_receiver_delivers_straight_into_its_buffer(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	struct thread *th = wait_in_receive(B, q, WAIT_SIZE);
	uint64_t readied = fake_sched_readied();

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	uint32_t size = ONE_RIGHT_MSG_SIZE;
	assert_int_equal(th->state, THREAD_READY);
	assert_int_equal(th->wait_result, size);
	assert_null(th->waiting_on);
	assert_int_equal(fake_sched_readied(), readied + 1);
	assert_int_equal(queued_on(B, q), 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);

	struct uk_msg_header *h = fake_user_ptr(&B->task, WAIT_ADDR, size);
	assert_int_equal(h->id, MSG_ID);
	assert_int_equal(h->dest, q);
	assert_int_equal(h->sender, A_SENDER);
	struct uk_msg_port *d = (struct uk_msg_port *)(h + 1);
	assert_int_equal(d->disposition, UK_RIGHT_SEND);
	assert_int_equal(rights_of(B, d->name), UK_RIGHT_SEND);
	assert_ptr_equal(port_of(B, d->name), port_of(A, p));
}

static void
ipc_send_to_a_waiting_receiver_with_a_small_buffer_wakes_it_with_too_big(
    void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	struct thread *th = wait_in_receive(B, q, 16);
	uint32_t used = B->task.space.used;

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	uint32_t size = ONE_RIGHT_MSG_SIZE;
	assert_int_equal(th->state, THREAD_READY);
	assert_int_equal(th->wait_result, -ERR_TOO_BIG);
	assert_int_equal(*(uint32_t *)fake_user_ptr(&B->task, WAIT_ADDR, 4),
			 size);
	assert_int_equal(B->task.space.used, used);
	assert_int_equal(queued_on(B, q), 1); /* kept for the next receive */
	receive_right(B, q, UK_RIGHT_SEND);
}

static void
kernel_notification_to_a_waiting_receiver_is_delivered_directly(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t s = give_send(A, r, B);
	struct thread *th = wait_in_receive(B, notify, WAIT_SIZE);

	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_int_equal(destroy(A, r), 0);
	assert_int_equal(th->state, THREAD_READY);
	assert_int_equal(th->wait_result, sizeof(struct uk_notification));
	struct uk_notification *n =
	    fake_user_ptr(&B->task, WAIT_ADDR, sizeof(*n));
	assert_int_equal(n->header.id, UK_MSG_ID_DEAD_NAME);
	assert_int_equal(n->header.flags, UK_MSG_KERNEL);
	assert_int_equal(n->header.dest, notify);
	assert_int_equal(n->name, s);
	assert_int_equal(queued_on(B, notify), 0);
}

static void
ipc_send_of_a_large_message_uses_frames_and_returns_them(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	struct test_msg m;
	uint64_t frames = fake_frames_in_use();

	msg_init(&m, sq, 0);
	m.body_len = sizeof(m.body);
	for (uint32_t i = 0; i < m.body_len; i++)
		m.body[i] = (uint8_t)(i * 7);
	assert_int_equal(msg_send(A, &m), 0);
	assert_int_equal(fake_frames_in_use(), frames + 1);
	int64_t size = msg_receive(B, q);
	assert_int_equal(size, sizeof(struct uk_msg_header) + sizeof(m.body));
	assert_memory_equal((uint8_t *)received(B) +
				sizeof(struct uk_msg_header),
			    m.body, sizeof(m.body));
	assert_int_equal(fake_frames_in_use(), frames);
}

static void
ipc_receive_on_a_port_set_takes_a_message_from_a_member(void **state)
{
	uk_name_t q1 = port_new(B), q2 = port_new(B);
	uk_name_t sq2 = give_send(B, q2, A);

	run_as(B);
	int64_t set = sys_port_set_add(0, q1);
	assert_int_equal(set, -ERR_BAD_NAME);
	set = sys_port_allocate(UK_RIGHT_PORT_SET);
	assert_true(set > 0);
	assert_int_equal(sys_port_set_add(set, q1), 0);
	assert_int_equal(sys_port_set_add(set, q2), 0);
	assert_int_equal(sys_port_set_add(set, q2), -ERR_BUSY);
	assert_int_equal(send_plain(A, sq2, 0), 0);
	assert_true(msg_receive(B, (uk_name_t)set) > 0);
	assert_int_equal(received(B)->dest, q2);
	expect_empty(B, (uk_name_t)set);
}

static void
message_sent_after_a_receive_right_moved_reaches_the_new_holder(void **state)
{
	/* A thread of A waits in receive on m; another thread of A gives m's
	 * receive right to B. Later messages to m are B's, not the waiter's. */
	uk_name_t q = port_new(B), m = port_new(A), p = port_new(C);
	uk_name_t sq = give_send(B, q, A), cm = give_send(A, m, C);
	struct thread *waiter = wait_in_receive(A, m, WAIT_SIZE);
	uint32_t a_used;

	assert_int_equal(send_right(A, sq, m, UK_DISP_MOVE_RECEIVE), 0);
	uk_name_t bm = receive_right(B, q, UK_RIGHT_RECEIVE);
	a_used = A->task.space.used;

	assert_int_equal(send_right(C, cm, p, UK_DISP_MAKE_SEND), 0);
	assert_int_equal(A->task.space.used, a_used); /* no right went to A */
	assert_int_not_equal(waiter->wait_result, ONE_RIGHT_MSG_SIZE);
	uk_name_t bp = receive_right(B, bm, UK_RIGHT_SEND);
	assert_ptr_equal(port_of(B, bp), port_of(C, p));
}

static void port_info_of_a_port_in_a_set_names_the_set(void **state)
{
	uk_name_t q = port_new(B);

	run_as(B);
	int64_t set = sys_port_allocate(UK_RIGHT_PORT_SET);
	assert_true(set > 0);
	assert_int_equal(info(B, q).set, 0);
	run_as(B);
	assert_int_equal(sys_port_set_add(set, q), 0);
	assert_int_equal(info(B, q).set, set);
	run_as(B);
	assert_int_equal(sys_port_set_remove(q), 0);
	assert_int_equal(info(B, q).set, 0);
}

/* ---- call and reply ---- */

static void
ipc_call_that_times_out_leaves_the_server_a_dead_reply_right(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	struct test_msg m;

	msg_init(&m, sq, 0);
	uint32_t size = msg_write(A, MSG_ADDR, &m);
	run_as(A);
	assert_int_equal(sys_ipc_call(MSG_ADDR, size, RECV_ADDR, RECV_SIZE, 0),
			 -ERR_TIMED_OUT);
	assert_null(A->thread.reply_port); /* the old reply port was dropped */

	assert_true(msg_receive(B, q) > 0);
	uk_name_t reply = received(B)->reply;
	assert_int_not_equal(reply, 0);
	assert_int_equal(rights_of(B, reply), UK_RIGHT_DEAD_NAME);

	/* The server's reply to it is dropped and its receive goes on. */
	struct test_msg r;
	msg_init(&r, reply, UK_DISP_MOVE_SEND_ONCE);
	uint32_t rsize = msg_write(B, MSG_ADDR, &r);
	run_as(B);
	assert_int_equal(
	    sys_ipc_reply_receive(MSG_ADDR, rsize, q, RECV_ADDR, RECV_SIZE, 0),
	    -ERR_TIMED_OUT);
	assert_null(ipc_entry_lookup(&B->task.space, reply));
	assert_int_equal(fake_slab_in_use("port"), 1); /* only q */
}

static void ipc_call_with_a_reply_right_of_its_own_returns_invalid(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	struct test_msg m;

	msg_init(&m, sq, 0);
	m.h.reply = p;
	m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	uint32_t size = msg_write(A, MSG_ADDR, &m);
	run_as(A);
	assert_int_equal(sys_ipc_call(MSG_ADDR, size, RECV_ADDR, RECV_SIZE, 0),
			 -ERR_INVALID);
	assert_int_equal(queued_on(B, q), 0);
	assert_int_equal(port_of(A, p)->send_once_rights, 0);
}
static void
ipc_reply_receive_delivers_the_reply_into_the_waiting_callers_buffer(
    void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t reply = caller_waiting_for_reply(A, B);
	struct thread *caller = &A->thread;
	struct port *rp = caller->reply_port;
	struct test_msg m;

	msg_init(&m, reply, UK_DISP_MOVE_SEND_ONCE);
	m.h.id = 0x4242;
	uint32_t size = msg_write(B, MSG_ADDR, &m);
	run_as(B);
	assert_int_equal(
	    sys_ipc_reply_receive(MSG_ADDR, size, q, RECV_ADDR, RECV_SIZE, 0),
	    -ERR_TIMED_OUT); /* nothing more to receive */
	assert_int_equal(caller->state, THREAD_READY);
	assert_int_equal(caller->wait_result, size);
	struct uk_msg_header *h = fake_user_ptr(&A->task, WAIT_ADDR, size);
	assert_int_equal(h->id, 0x4242);
	assert_int_equal(h->sender, B_SENDER);
	assert_int_equal(h->reply, 0);
	assert_memory_equal(h + 1, BODY, sizeof(BODY));
	assert_null(ipc_entry_lookup(&B->task.space, reply));
	assert_int_equal(rp->send_once_rights, 0);
	assert_int_equal(rp->refs, 1); /* the thread's own */
	assert_int_equal(rp->queued, 0);
}

static void
server_deallocating_the_reply_right_wakes_the_caller_with_dead(void **state)
{
	uk_name_t reply = caller_waiting_for_reply(A, B);
	struct thread *caller = &A->thread;

	assert_int_equal(deallocate(B, reply), 0);
	assert_int_equal(caller->state, THREAD_READY);
	assert_int_equal(caller->wait_result, -ERR_DEAD);
	assert_int_equal(caller->reply_port->queued, 0); /* no notification */
}

static void server_ending_wakes_the_caller_with_dead(void **state)
{
	caller_waiting_for_reply(A, B);
	struct thread *caller = &A->thread;

	task_end(B);
	assert_int_equal(caller->state, THREAD_READY);
	assert_int_equal(caller->wait_result, -ERR_DEAD);
}

static void
reply_right_destroyed_in_a_queue_wakes_the_caller_with_dead(void **state)
{
	uk_name_t q = port_new(C);
	uk_name_t reply = caller_waiting_for_reply(A, B);
	uk_name_t sq = give_send(C, q, B);
	struct thread *caller = &A->thread;

	/* The server forwards the reply right; the port it went to dies. */
	assert_int_equal(send_right(B, sq, reply, UK_DISP_MOVE_SEND_ONCE), 0);
	assert_int_equal(caller->state, THREAD_BLOCKED);
	assert_int_equal(destroy(C, q), 0);
	assert_int_equal(caller->state, THREAD_READY);
	assert_int_equal(caller->wait_result, -ERR_DEAD);
}

/* ---- full name tables ---- */

/* Fill ft's name table to IPC_SPACE_MAX with port sets. */
static void fill_name_table(struct fake_task *ft)
{
	run_as(ft);
	while (ft->task.space.used < IPC_SPACE_MAX - 1)
		assert_true(sys_port_allocate(UK_RIGHT_PORT_SET) > 0);
}

static void port_allocate_in_a_full_name_table_returns_limit(void **state)
{
	fill_name_table(A);
	run_as(A);
	assert_int_equal(sys_port_allocate(UK_RIGHT_RECEIVE), -ERR_LIMIT);
	assert_int_equal(fake_slab_in_use("port"), 0);
}

static void
ipc_receive_into_a_full_name_table_destroys_the_rights_it_cannot_name(
    void **state)
{
	uk_name_t q = port_new(B), p = port_new(A), m = port_new(A);
	uk_name_t sq = give_send(B, q, A), cm = give_send(A, m, C);
	struct test_msg msg;

	msg_init(&msg, sq, 0);
	msg_port(&msg, p, UK_DISP_MAKE_SEND);
	msg_port(&msg, m, UK_DISP_MOVE_RECEIVE);
	assert_int_equal(msg_send(A, &msg), 0);
	fill_name_table(B);
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received_port(B, 0)->name, 0);
	assert_int_equal(received_port(B, 1)->name, 0);
	assert_int_equal(info(A, p).senders, 0);
	assert_int_equal(rights_of(C, cm), UK_RIGHT_DEAD_NAME); /* m died */
}

/* ---- out-of-line memory ---- */

static void fill_pattern(struct fake_task *ft, uint64_t addr, uint64_t size,
			 uint8_t seed)
{
	uint8_t *p = fake_user_ptr(&ft->task, addr, size);

	for (uint64_t i = 0; i < size; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

static void assert_pattern(struct fake_task *ft, uint64_t addr, uint64_t size,
			   uint8_t seed)
{
	const uint8_t *p = fake_user_ptr(&ft->task, addr, size);

	for (uint64_t i = 0; i < size; i++)
		if (p[i] != (uint8_t)(seed + i * 13))
			fail_msg("byte %llu differs", (unsigned long long)i);
}

static void
ipc_send_ool_copy_gives_the_receiver_a_copy_in_a_new_region(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uint64_t frames = fake_frames_in_use();
	struct test_msg m;

	fill_pattern(A, SPARE_ADDR, 5000, 1);
	msg_init(&m, sq, 0);
	msg_ool(&m, SPARE_ADDR, 5000, UK_OOL_COPY);
	assert_int_equal(msg_send(A, &m), 0);
	assert_int_equal(fake_frames_in_use(), frames + 3); /* 2 pages + list */
	fill_pattern(A, SPARE_ADDR, 5000,
		     99); /* the sender reuses its buffer */

	assert_true(msg_receive(B, q) > 0);
	struct uk_msg_ool *o = received_ool(B, 0);
	assert_int_equal(o->address, FAKE_OOL_AREA);
	assert_int_equal(o->size, 5000);
	assert_int_equal(o->flags, UK_OOL_COPY);
	assert_pattern(B, o->address, 5000, 1);
	const uint8_t *tail =
	    fake_user_ptr(&B->task, o->address + 5000, 8192 - 5000);
	for (unsigned i = 0; i < 8192 - 5000; i++)
		assert_int_equal(tail[i], 0);
	assert_memory_equal((uint8_t *)(o + 1), BODY, sizeof(BODY));
	assert_int_equal(fake_frames_in_use(), frames);
}

static void ipc_send_ool_move_takes_the_region_from_the_sender(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uint64_t frames = fake_frames_in_use();
	struct test_msg m;

	fake_anonymous_region(&A->task, SPARE_ADDR, 0x2000);
	fill_pattern(A, SPARE_ADDR, 0x2000, 7);
	msg_init(&m, sq, 0);
	msg_ool(&m, SPARE_ADDR, 0x2000, UK_OOL_MOVE);
	assert_int_equal(msg_send(A, &m), 0);
	assert_false(vm_is_anonymous_region(&A->task, SPARE_ADDR, 0x2000));
	assert_int_equal(fake_frames_in_use(), frames + 3);

	assert_true(msg_receive(B, q) > 0);
	struct uk_msg_ool *o = received_ool(B, 0);
	assert_int_not_equal(o->address, 0);
	assert_int_equal(o->size, 0x2000);
	assert_int_equal(o->flags, UK_OOL_MOVE);
	assert_pattern(B, o->address, 0x2000, 7);
	assert_int_equal(fake_frames_in_use(), frames);
}

static void ool_memory_of_a_message_destroyed_undelivered_is_freed(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uint64_t frames = fake_frames_in_use();
	struct test_msg m;

	fake_anonymous_region(&A->task, SPARE_ADDR, 0x1000);
	msg_init(&m, sq, 0);
	msg_ool(&m, SPARE_ADDR, 0x1000, UK_OOL_MOVE);
	msg_ool(&m, MSG_ADDR, 0x3000, UK_OOL_COPY);
	assert_int_equal(msg_send(A, &m), 0);
	assert_int_equal(fake_frames_in_use(), frames + 1 + 1 + 3 + 1);
	assert_int_equal(destroy(B, q), 0);
	assert_int_equal(fake_frames_in_use(), frames);
}

static void
ipc_send_ool_move_of_memory_that_is_no_region_moves_nothing(void **state)
{
	struct decode_fixture f;
	struct test_msg m;
	uint64_t frames;

	decode_fixture_init(&f);
	frames = fake_frames_in_use();
	fake_anonymous_region(&A->task, SPARE_ADDR, 0x2000);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_ool(&m, SPARE_ADDR, 0x1000, UK_OOL_MOVE); /* half the region */
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);
	decode_fixture_assert_unchanged(&f);
	assert_true(vm_is_anonymous_region(&A->task, SPARE_ADDR, 0x2000));
	assert_int_equal(fake_frames_in_use(), frames);
}

static void
ipc_send_ool_copy_that_faults_keeps_the_senders_region_and_rights(void **state)
{
	struct decode_fixture f;
	struct test_msg m;
	uint64_t frames;

	decode_fixture_init(&f);
	frames = fake_frames_in_use();
	fake_anonymous_region(&A->task, SPARE_ADDR, 0x1000);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_ool(&m, SPARE_ADDR, 0x1000, UK_OOL_MOVE);
	/* Runs off the end of A's memory. */
	msg_ool(&m, FAKE_USER_BASE + FAKE_USER_SIZE - 0x1000, 0x2000,
		UK_OOL_COPY);
	assert_int_equal(msg_send(A, &m), -ERR_FAULT);
	decode_fixture_assert_unchanged(&f);
	assert_true(vm_is_anonymous_region(&A->task, SPARE_ADDR, 0x1000));
	assert_int_equal(fake_frames_in_use(), frames);
}

static void ipc_send_rejects_bad_ool_descriptors(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	fake_anonymous_region(&A->task, SPARE_ADDR, 0x1000);

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_ool(&m, SPARE_ADDR, 0x1000, 7);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_ool(&m, SPARE_ADDR, UK_MSG_OOL_SIZE_MAX + 1ull, UK_OOL_COPY);
	assert_int_equal(msg_send(A, &m), -ERR_TOO_BIG);

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_ool(&m, SPARE_ADDR, 0x1000, UK_OOL_MOVE);
	msg_ool(&m, SPARE_ADDR, 0x1000, UK_OOL_MOVE);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_ool(&m, 0x10, 0x1000, UK_OOL_COPY); /* not a user address */
	assert_int_equal(msg_send(A, &m), -ERR_FAULT);

	decode_fixture_assert_unchanged(&f);
	assert_true(vm_is_anonymous_region(&A->task, SPARE_ADDR, 0x1000));
}

static void
ipc_receive_without_room_for_a_region_gets_address_and_size_zero(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uint64_t frames = fake_frames_in_use();
	struct test_msg m;

	msg_init(&m, sq, 0);
	msg_ool(&m, SPARE_ADDR, 100, UK_OOL_COPY);
	msg_ool(&m, SPARE_ADDR, 0, UK_OOL_COPY);
	assert_int_equal(msg_send(A, &m), 0);
	B->aspace.give_fails = true;
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received_ool(B, 0)->address, 0);
	assert_int_equal(received_ool(B, 0)->size, 0);
	assert_int_equal(received_ool(B, 1)->address, 0);
	assert_int_equal(received_ool(B, 1)->size, 0);
	assert_int_equal(fake_frames_in_use(), frames);
}

/* ---- badges ---- */

static void ipc_send_through_a_badged_right_arrives_with_its_badge(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uk_name_t b1 = give_badged(B, q, BADGE_1, A);
	uk_name_t b2 = give_badged(B, q, BADGE_2, A);
	const uint64_t expected[] = {BADGE_1, 0, BADGE_2, BADGE_1};

	assert_int_equal(send_plain(A, b1, 0), 0);
	assert_int_equal(send_plain(A, sq, 0), 0);
	assert_int_equal(send_plain(A, b2, UK_DISP_COPY_SEND), 0);
	assert_int_equal(send_plain(A, b1, UK_DISP_MOVE_SEND), 0);
	assert_null(ipc_entry_lookup(&A->task.space, b1)); /* moved away */
	for (unsigned i = 0; i < 4; i++) {
		assert_true(msg_receive(B, q) > 0);
		struct uk_msg_header *h = received(B);
		assert_int_equal(h->badge, expected[i]);
		assert_int_equal(h->dest, q);
		assert_int_equal(h->sender, A_SENDER);
		assert_int_equal(h->flags, 0);
	}
	expect_empty(B, q);
	assert_int_equal(info(B, q).senders, 2); /* sq and b2 */
}

static void
ipc_send_ignores_a_badge_or_sender_written_by_the_sender(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A), b1 = give_badged(B, q, BADGE_1, A);
	struct test_msg m;

	msg_init(&m, b1, 0);
	m.h.badge = BADGE_2;
	m.h.sender = C_SENDER;
	assert_int_equal(msg_send(A, &m), 0);
	msg_init(&m, sq, 0);
	m.h.badge = BADGE_2;
	m.h.sender = C_SENDER;
	assert_int_equal(msg_send(A, &m), 0);

	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received(B)->badge, BADGE_1);
	assert_int_equal(received(B)->sender, A_SENDER);
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received(B)->badge, 0);
	assert_int_equal(received(B)->sender, A_SENDER);
}

static void
ipc_send_to_a_waiting_receiver_through_a_badged_right_carries_the_badge(
    void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t b2 = give_badged(B, q, BADGE_2, A);
	struct thread *th = wait_in_receive(B, q, WAIT_SIZE);

	assert_int_equal(send_plain(A, b2, 0), 0);
	assert_int_equal(th->state, THREAD_READY);
	assert_true(th->wait_result > 0);
	struct uk_msg_header *h =
	    fake_user_ptr(&B->task, WAIT_ADDR, sizeof(*h));
	assert_int_equal(h->badge, BADGE_2);
	assert_int_equal(h->dest, q);
	assert_int_equal(h->sender, A_SENDER);
}

static void ipc_send_copy_send_of_a_badged_right_keeps_the_badge(void **state)
{
	uk_name_t q = port_new(B), c = port_new(C);
	uk_name_t sq = give_send(B, q, A), ac = give_badged(C, c, BADGE_1, A);

	assert_int_equal(send_right(A, sq, ac, UK_DISP_COPY_SEND), 0);
	assert_int_equal(send_refs_of(A, ac), 1);
	assert_int_equal(badge_of(A, ac), BADGE_1);
	uk_name_t bc = receive_right(B, q, UK_RIGHT_SEND);
	assert_int_equal(received(B)->badge, 0); /* sq is unbadged */
	assert_int_equal(badge_of(B, bc), BADGE_1);
	assert_int_equal(info(C, c).senders, 2);
	/* B's messages through its copy carry the badge. */
	assert_int_equal(send_plain(B, bc, 0), 0);
	assert_true(msg_receive(C, c) > 0);
	assert_int_equal(received(C)->badge, BADGE_1);
	assert_int_equal(received(C)->sender, B_SENDER);
}

static void ipc_send_move_send_of_a_badged_right_keeps_the_badge(void **state)
{
	uk_name_t q = port_new(B), c = port_new(C);
	uk_name_t sq = give_send(B, q, A), ac = give_badged(C, c, BADGE_2, A);

	assert_int_equal(send_right(A, sq, ac, UK_DISP_MOVE_SEND), 0);
	assert_null(ipc_entry_lookup(&A->task.space, ac));
	uk_name_t bc = receive_right(B, q, UK_RIGHT_SEND);
	assert_int_equal(badge_of(B, bc), BADGE_2);
	assert_int_equal(send_refs_of(B, bc), 1);
	assert_int_equal(info(C, c).senders, 1);
	assert_int_equal(send_plain(B, bc, UK_DISP_MOVE_SEND), 0);
	assert_true(msg_receive(C, c) > 0);
	assert_int_equal(received(C)->badge, BADGE_2);
	assert_int_equal(info(C, c).senders, 0);
}

static void
ipc_receive_of_rights_with_other_badges_to_one_port_gives_one_name_each(
    void **state)
{
	uk_name_t q = port_new(B), c = port_new(C);
	uk_name_t sq = give_send(B, q, A);
	uk_name_t a1 = give_badged(C, c, BADGE_1, A);
	uk_name_t a2 = give_badged(C, c, BADGE_2, A);
	uk_name_t a0 = give_send(C, c, A);
	uint32_t used = B->task.space.used;
	struct test_msg m;

	assert_int_not_equal(a0, a1);
	assert_int_not_equal(a0, a2);
	assert_int_not_equal(a1, a2);
	msg_init(&m, sq, 0);
	msg_port(&m, a1, UK_DISP_COPY_SEND);
	msg_port(&m, a2, UK_DISP_COPY_SEND);
	msg_port(&m, a0, UK_DISP_COPY_SEND);
	msg_port(&m, a1, UK_DISP_COPY_SEND);
	assert_int_equal(msg_send(A, &m), 0);
	assert_true(msg_receive(B, q) > 0);
	uk_name_t n1 = received_port(B, 0)->name,
		  n2 = received_port(B, 1)->name,
		  n0 = received_port(B, 2)->name;
	assert_int_not_equal(n1, n2);
	assert_int_not_equal(n0, n1);
	assert_int_not_equal(n0, n2);
	assert_int_equal(received_port(B, 3)->name, n1); /* same badge */
	assert_int_equal(badge_of(B, n1), BADGE_1);
	assert_int_equal(badge_of(B, n2), BADGE_2);
	assert_int_equal(badge_of(B, n0), 0);
	assert_int_equal(send_refs_of(B, n1), 2);
	assert_int_equal(send_refs_of(B, n2), 1);
	assert_int_equal(send_refs_of(B, n0), 1);
	assert_int_equal(B->task.space.used, used + 3);
	assert_ptr_equal(port_of(B, n1), port_of(C, c));
	assert_ptr_equal(port_of(B, n2), port_of(C, c));
	assert_int_equal(port_of(C, c)->refs, 1 + 3 + 3); /* C, A, B */
	assert_int_equal(info(C, c).senders, 3 + 4);
}

static void
ipc_receive_of_a_badged_right_to_its_own_port_does_not_join_the_receive_name(
    void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A), bq = give_badged(B, q, BADGE_1, A);
	struct test_msg m;

	msg_init(&m, sq, 0);
	msg_port(&m, sq, UK_DISP_COPY_SEND);
	msg_port(&m, bq, UK_DISP_COPY_SEND);
	assert_int_equal(msg_send(A, &m), 0);
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received(B)->badge, 0);
	/* The unbadged right joins the receive name, as in Mach... */
	assert_int_equal(received_port(B, 0)->name, q);
	assert_int_equal(rights_of(B, q), UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	assert_int_equal(send_refs_of(B, q), 1);
	assert_int_equal(badge_of(B, q), 0);
	/* ...the badged one has a name of its own. */
	uk_name_t nb = received_port(B, 1)->name;
	assert_int_not_equal(nb, q);
	assert_int_equal(rights_of(B, nb), UK_RIGHT_SEND);
	assert_int_equal(badge_of(B, nb), BADGE_1);
	/* B's own message through it is marked too. */
	assert_int_equal(send_plain(B, nb, 0), 0);
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received(B)->badge, BADGE_1);
	assert_int_equal(received(B)->sender, B_SENDER);
}

static void
ipc_receive_of_a_receive_right_keeps_its_badged_send_name_apart(void **state)
{
	/* B holds a badged send right to A's port m; then m's receive right
	 * arrives: it takes a name of its own, not the badged one. */
	uk_name_t q = port_new(B), m = port_new(A);
	uk_name_t sq = give_send(B, q, A), bm = give_badged(A, m, BADGE_2, B);

	assert_int_equal(send_right(A, sq, m, UK_DISP_MOVE_RECEIVE), 0);
	uk_name_t rm = receive_right(B, q, UK_RIGHT_RECEIVE);
	assert_int_not_equal(rm, bm);
	assert_int_equal(rights_of(B, rm), UK_RIGHT_RECEIVE);
	assert_int_equal(rights_of(B, bm), UK_RIGHT_SEND);
	assert_int_equal(badge_of(B, bm), BADGE_2);
	assert_int_equal(port_of(B, rm)->receiver_name, rm);
	assert_int_equal(send_plain(B, bm, 0), 0);
	assert_true(msg_receive(B, rm) > 0);
	assert_int_equal(received(B)->badge, BADGE_2);
	assert_int_equal(received(B)->dest, rm);
}

static void
make_send_gives_an_unbadged_right_even_next_to_a_badged_one(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	uk_name_t pb = mint(A, p, BADGE_1);

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	uk_name_t bp = receive_right(B, q, UK_RIGHT_SEND);
	assert_int_equal(badge_of(B, bp), 0);
	/* A badged send right makes nothing. */
	assert_int_equal(send_right(A, sq, pb, UK_DISP_MAKE_SEND), -ERR_RIGHTS);
	assert_int_equal(insert_right(A, pb, UK_DISP_MAKE_SEND), -ERR_RIGHTS);
	assert_int_equal(send_plain(B, bp, 0), 0);
	assert_int_equal(send_plain(A, pb, 0), 0);
	assert_true(msg_receive(A, p) > 0);
	assert_int_equal(received(A)->badge, 0);
	assert_int_equal(received(A)->sender, B_SENDER);
	assert_true(msg_receive(A, p) > 0);
	assert_int_equal(received(A)->badge, BADGE_1);
	assert_int_equal(received(A)->sender, A_SENDER);
}

static void send_once_rights_and_their_messages_have_badge_zero(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t bq = give_badged(B, q, BADGE_1, A);
	uk_name_t so = give_send_once(B, q, A);
	struct test_msg m;

	/* A call through a badged right with a reply right made from p. */
	msg_init(&m, bq, 0);
	m.h.reply = p;
	m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	assert_int_equal(msg_send(A, &m), 0);
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received(B)->badge, BADGE_1);
	uk_name_t reply = received(B)->reply;
	assert_int_not_equal(reply, 0);
	assert_int_equal(rights_of(B, reply), UK_RIGHT_SEND_ONCE);
	assert_int_equal(badge_of(B, reply), 0);
	/* The reply comes through the send-once right: no badge. */
	assert_int_equal(send_plain(B, reply, UK_DISP_MOVE_SEND_ONCE), 0);
	assert_true(msg_receive(A, p) > 0);
	assert_int_equal(received(A)->badge, 0);
	assert_int_equal(received(A)->sender, B_SENDER);
	/* Nor does a message through any other send-once right. */
	assert_int_equal(badge_of(A, so), 0);
	assert_int_equal(send_plain(A, so, UK_DISP_MOVE_SEND_ONCE), 0);
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(received(B)->badge, 0);
}

static void reply_right_copied_from_a_badged_right_keeps_the_badge(void **state)
{
	/* A passes its badged right to C's port as the reply right. */
	uk_name_t q = port_new(B), c = port_new(C);
	uk_name_t sq = give_send(B, q, A), ac = give_badged(C, c, BADGE_2, A);
	struct test_msg m;

	msg_init(&m, sq, 0);
	m.h.reply = ac;
	m.h.reply_disposition = UK_DISP_COPY_SEND;
	assert_int_equal(msg_send(A, &m), 0);
	assert_true(msg_receive(B, q) > 0);
	uk_name_t reply = received(B)->reply;
	assert_int_equal(rights_of(B, reply), UK_RIGHT_SEND);
	assert_int_equal(badge_of(B, reply), BADGE_2);
	assert_int_equal(send_plain(B, reply, 0), 0);
	assert_true(msg_receive(C, c) > 0);
	assert_int_equal(received(C)->badge, BADGE_2);
}

static void ipc_transfer_of_a_badged_right_keeps_the_badge(void **state)
{
	/* What task_create does with the rights it hands over. */
	uk_name_t q = port_new(B);
	uk_name_t ab = give_badged(B, q, BADGE_1, A);

	assert_int_equal(badge_of(A, ab), BADGE_1);
	uk_name_t cb = ipc_transfer(&A->task, ab, UK_DISP_COPY_SEND, &C->task);
	assert_int_not_equal(cb, 0);
	assert_int_equal(badge_of(C, cb), BADGE_1);
	assert_int_equal(send_refs_of(A, ab), 1);
	assert_int_equal(
	    ipc_transfer(&A->task, ab, UK_DISP_MOVE_SEND, &C->task), cb);
	assert_null(ipc_entry_lookup(&A->task.space, ab));
	assert_int_equal(send_refs_of(C, cb), 2);
	/* MAKE_SEND from the receive right: unbadged, another name. */
	uk_name_t c0 = give_send(B, q, C);
	assert_int_not_equal(c0, cb);
	assert_int_equal(badge_of(C, c0), 0);
	assert_int_equal(info(B, q).senders, 3);
}

/* A receiver's buffer across a page boundary: the fast paths then copy
 * with copy_to_user (the fake kernel has no direct map of user pages). */
static void buffer_across_a_page(struct thread *th)
{
	th->ipc_buf = WAIT_ADDR + 0x1000 - 16;
	th->ipc_buf_size = 0x1000;
}

static void ipc_call_fast_path_carries_the_badge_of_the_dest_right(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t bq = give_badged(B, q, BADGE_2, A);
	struct thread *server = wait_in_receive(B, q, WAIT_SIZE);
	struct test_msg m;

	buffer_across_a_page(server);
	/* The caller's reply port, as reply_port_of makes it. */
	struct port *rp;
	assert_int_equal(port_alloc(A->task.account, &rp), 0);
	rp->reply_owner = &A->thread;
	rp->limit = 1;
	A->thread.reply_port = rp;

	msg_init(&m, bq, 0);
	m.h.badge = BADGE_1; /* the sender's word counts for nothing */
	m.h.sender = C_SENDER;
	uint32_t size = msg_write(A, MSG_ADDR, &m);
	uint64_t readied = fake_sched_readied();
	/* The switch to the server comes back as if the call timed out. */
	fake_sched_switch_returns(-ERR_TIMED_OUT);
	run_as(A);
	assert_int_equal(
	    sys_ipc_call(MSG_ADDR, size, RECV_ADDR, RECV_SIZE, 1000000),
	    -ERR_TIMED_OUT);
	/* The fast path: straight into the server's buffer, no wake-up. */
	assert_int_equal(fake_sched_readied(), readied);
	assert_int_equal(server->wait_result, size);
	assert_null(server->waiting_on);
	struct uk_msg_header *h =
	    fake_user_ptr(&B->task, server->ipc_buf, size);
	assert_int_equal(h->id, MSG_ID);
	assert_int_equal(h->dest, q);
	assert_int_equal(h->sender, A_SENDER);
	assert_int_equal(h->badge, BADGE_2);
	assert_int_not_equal(h->reply, 0);
	assert_int_equal(badge_of(B, h->reply), 0);
	/* The caller gave up: its reply port is gone, B holds a dead name. */
	assert_null(A->thread.reply_port);
	assert_int_equal(rights_of(B, h->reply), UK_RIGHT_DEAD_NAME);
}

static void ipc_reply_receive_fast_path_delivers_badge_zero(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t reply = caller_waiting_for_reply(A, B);
	struct thread *caller = &A->thread;
	struct test_msg m;

	buffer_across_a_page(caller);
	msg_init(&m, reply, UK_DISP_MOVE_SEND_ONCE);
	m.h.badge = BADGE_1; /* a server cannot forge one either */
	m.h.sender = C_SENDER;
	uint32_t size = msg_write(B, MSG_ADDR, &m);
	uint64_t readied = fake_sched_readied();
	fake_sched_switch_returns(-ERR_TIMED_OUT);
	run_as(B);
	assert_int_equal(sys_ipc_reply_receive(MSG_ADDR, size, q, RECV_ADDR,
					       RECV_SIZE, 1000000),
			 -ERR_TIMED_OUT);
	assert_int_equal(fake_sched_readied(), readied);
	assert_int_equal(caller->wait_result, size);
	struct uk_msg_header *h =
	    fake_user_ptr(&A->task, caller->ipc_buf, size);
	assert_int_equal(h->id, MSG_ID);
	assert_int_equal(h->badge, 0);
	assert_int_equal(h->sender, B_SENDER);
	assert_int_equal(h->dest, 0);
	assert_int_equal(h->reply, 0);
	assert_null(ipc_entry_lookup(&B->task.space, reply));
}

static void kernel_notices_have_badge_zero_on_a_badged_port(void **state)
{
	/* The notify port has badged senders; a notice still has no badge
	 * (expect_notification checks badge and sender are 0). */
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t s = give_send(A, r, B);

	give_badged(B, notify, BADGE_1, C);
	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_int_equal(destroy(A, r), 0);
	expect_notification(B, notify, UK_MSG_ID_DEAD_NAME, s);
	assert_int_equal(received(B)->badge, 0);
}

/* ---- kernel memory quotas ---- */

static void queued_message_is_charged_to_the_sender_until_received(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uint64_t a_was = quota_used(A), b_was = quota_used(B);
	struct test_msg m;

	assert_int_equal(send_plain(A, sq, 0), 0);
	assert_int_equal(quota_used(A), a_was + kmsg_cache.object_size);
	/* A message too large for the kmsg itself: its buffer frame too. */
	msg_init(&m, sq, 0);
	m.body_len = 1000;
	assert_int_equal(msg_send(A, &m), 0);
	assert_int_equal(quota_used(A),
			 a_was + 2 * kmsg_cache.object_size + PAGE_SIZE);
	/* The receiver pays nothing for what waits in its queue. */
	assert_int_equal(quota_used(B), b_was);
	assert_true(msg_receive(B, q) > 0);
	assert_true(msg_receive(B, q) > 0);
	assert_int_equal(quota_used(A), a_was);
	assert_int_equal(quota_used(B), b_was);
}

static void ipc_send_over_quota_returns_limit_and_moves_nothing(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	uint64_t filled = fill_quota(A);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	assert_int_equal(msg_send(A, &m), -ERR_LIMIT);
	decode_fixture_assert_unchanged(&f);
	/* A's full account hurts nobody else: B and C still send. */
	uk_name_t bc = give_send(C, f.c, B);
	assert_int_equal(send_plain(B, bc, 0), 0);
	assert_int_equal(queued_on(C, f.c), 1);
	unfill_quota(A, filled);
	assert_int_equal(msg_send(A, &m), 0);
}

static void ool_copy_over_quota_returns_limit_and_frees_the_copies(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uint64_t frames = fake_frames_in_use(), a_was = quota_used(A);
	struct test_msg m;

	/* Room for the kmsg and the frame list, and one of two pages. */
	uint64_t filled = fill_quota(A);
	unfill_quota(A, kmsg_cache.object_size + 2 * PAGE_SIZE);
	filled -= kmsg_cache.object_size + 2 * PAGE_SIZE;
	msg_init(&m, sq, 0);
	msg_ool(&m, SPARE_ADDR, 0x2000, UK_OOL_COPY);
	assert_int_equal(msg_send(A, &m), -ERR_LIMIT);
	assert_int_equal(queued_on(B, q), 0);
	assert_int_equal(fake_frames_in_use(), frames);
	unfill_quota(A, filled);
	assert_int_equal(quota_used(A), a_was);
}

static void port_allocate_over_quota_returns_limit(void **state)
{
	port_new(A); /* the name table exists */
	struct snapshot snap = snapshot_of(A);
	uint64_t filled = fill_quota(A);

	run_as(A);
	assert_int_equal(sys_port_allocate(UK_RIGHT_RECEIVE), -ERR_LIMIT);
	assert_int_equal(sys_port_allocate(UK_RIGHT_PORT_SET), -ERR_LIMIT);
	assert_table_unchanged(A, &snap);
	unfill_quota(A, filled);
	assert_true(sys_port_allocate(UK_RIGHT_PORT_SET) > 0);
}

static void name_table_growth_over_quota_returns_limit(void **state)
{
	uint64_t filled = fill_quota(A);

	run_as(A);
	assert_int_equal(sys_port_allocate(UK_RIGHT_RECEIVE), -ERR_LIMIT);
	assert_int_equal(A->task.space.size, 0);
	unfill_quota(A, filled);
}

static void notification_request_over_quota_returns_limit(void **state)
{
	uk_name_t r = port_new(B), notify = port_new(A);
	uk_name_t s = give_send(B, r, A);
	uk_name_t d = port_new(B);
	uk_name_t dead = give_send(B, d, A);
	uint64_t filled = fill_quota(A);

	assert_int_equal(request(A, s, UK_NOTIFY_DEAD_NAME, notify), -ERR_LIMIT);
	assert_int_equal(request(A, notify, UK_NOTIFY_NO_SENDERS, notify),
			 -ERR_LIMIT);
	assert_int_equal(A->task.space.notify_requests, 0);
	/* A dead name's notice is made at once, and charged too. */
	assert_int_equal(destroy(B, d), 0);
	assert_int_equal(request(A, dead, UK_NOTIFY_DEAD_NAME, notify), -ERR_LIMIT);
	assert_int_equal(queued_on(A, notify), 0);
	/* B is not at its quota, and asks as before. */
	uk_name_t bn = port_new(B);
	assert_int_equal(request(B, r, UK_NOTIFY_NO_SENDERS, bn), 0);
	unfill_quota(A, filled);
	assert_int_equal(request(A, s, UK_NOTIFY_DEAD_NAME, notify), 0);
}

static void notice_is_charged_to_the_requester_until_received(void **state)
{
	uk_name_t r = port_new(B), notify = port_new(A);
	uk_name_t s = give_send(B, r, A);
	uint64_t a_was = quota_used(A), b_was = quota_used(B);

	assert_int_equal(request(A, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_true(quota_used(A) > a_was + kmsg_cache.object_size);
	assert_int_equal(destroy(B, r), 0);
	/* Queued on A's port, still A's. */
	assert_true(quota_used(A) > a_was);
	assert_int_equal(quota_used(B), b_was);
	expect_notification(A, notify, UK_MSG_ID_DEAD_NAME, s);
	assert_int_equal(quota_used(A), a_was);
}

static void ipc_call_over_quota_without_a_reply_port_returns_limit(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	struct test_msg m;

	uint64_t filled = fill_quota(A);
	msg_init(&m, sq, 0);
	uint32_t size = msg_write(A, MSG_ADDR, &m);
	run_as(A);
	assert_int_equal(sys_ipc_call(MSG_ADDR, size, RECV_ADDR, RECV_SIZE, 0),
			 -ERR_LIMIT);
	assert_null(A->thread.reply_port);
	assert_int_equal(queued_on(B, q), 0);
	unfill_quota(A, filled);
}

static void ool_moved_frames_go_to_the_receivers_account(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	uint64_t frames = fake_frames_in_use();
	struct test_msg m;

	fake_anonymous_region(&A->task, SPARE_ADDR, 0x2000);
	uint64_t a_was = quota_used(A);
	msg_init(&m, sq, 0);
	msg_ool(&m, SPARE_ADDR, 0x2000, UK_OOL_MOVE);
	assert_int_equal(msg_send(A, &m), 0);
	/* In flight: the message, its frame list and the two frames. */
	assert_int_equal(quota_used(A),
			 a_was + kmsg_cache.object_size + 3 * PAGE_SIZE);
	/* B at its quota cannot take them: the region is lost to it, and
	 * A, which paid for them, gets its charge back. */
	uint64_t filled = fill_quota(B);
	assert_true(msg_receive(B, q) > 0);
	struct uk_msg_ool *o = received_ool(B, 0);
	assert_int_equal(o->address, 0);
	assert_int_equal(o->size, 0);
	assert_int_equal(fake_frames_in_use(), frames);
	assert_int_equal(quota_used(A), a_was);
	unfill_quota(B, filled);
}

static void fast_path_call_and_reply_need_no_quota(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A);
	struct thread *server = wait_in_receive(B, q, WAIT_SIZE);
	struct port *rp;
	struct test_msg m;

	buffer_across_a_page(server);
	assert_int_equal(port_alloc(A->task.account, &rp), 0);
	rp->reply_owner = &A->thread;
	rp->limit = 1;
	A->thread.reply_port = rp;
	/* Both at their quota: the fast path allocates nothing. */
	uint64_t a_filled = fill_quota(A), b_filled = fill_quota(B);
	msg_init(&m, sq, 0);
	uint32_t size = msg_write(A, MSG_ADDR, &m);
	fake_sched_switch_returns(0);
	run_as(A);
	assert_int_equal(
	    sys_ipc_call(MSG_ADDR, size, RECV_ADDR, RECV_SIZE, 1000000), 0);
	assert_int_equal(server->wait_result, size);
	struct uk_msg_header *h =
	    fake_user_ptr(&B->task, server->ipc_buf, size);
	msg_init(&m, h->reply, UK_DISP_MOVE_SEND_ONCE);
	size = msg_write(B, MSG_ADDR, &m);
	A->thread.state = THREAD_BLOCKED;
	A->thread.waiting_on = &rp->receivers;
	buffer_across_a_page(&A->thread);
	fake_sched_switch_returns(-ERR_TIMED_OUT);
	run_as(B);
	assert_int_equal(sys_ipc_reply_receive(MSG_ADDR, size, q, RECV_ADDR,
					       RECV_SIZE, 1000000),
			 -ERR_TIMED_OUT);
	assert_int_equal(A->thread.wait_result, size);
	assert_int_equal(quota_used(A), A->task.account->limit);
	assert_int_equal(quota_used(B), B->task.account->limit);
	unfill_quota(A, a_filled);
	unfill_quota(B, b_filled);
}

const struct CMUnitTest ipc_delivery_tests[] = {
    /* queues and delivery */
    IPC_TEST(ipc_send_beyond_the_queue_limit_times_out_and_moves_nothing),
    IPC_TEST(ipc_send_default_queue_limit_is_sixteen_messages),
    IPC_TEST(ipc_send_to_a_send_once_right_bypasses_the_queue_limit),
    IPC_TEST(kernel_notifications_bypass_the_queue_limit),
    IPC_TEST(port_set_limit_accepts_one_to_1024),
    IPC_TEST(ipc_receive_wakes_one_sender_waiting_for_queue_space),
    IPC_TEST(ipc_receive_returns_messages_in_the_order_sent),
    IPC_TEST(ipc_receive_on_an_empty_port_with_zero_timeout_times_out),
    IPC_TEST(ipc_receive_on_a_name_without_a_receive_right_fails),
    IPC_TEST(
	ipc_receive_into_a_small_buffer_keeps_the_message_and_reports_its_size),
    IPC_TEST(
	ipc_receive_into_an_unmapped_buffer_returns_fault_and_keeps_the_message),
    IPC_TEST(ipc_send_to_a_waiting_receiver_delivers_straight_into_its_buffer),
    IPC_TEST(
	ipc_send_to_a_waiting_receiver_with_a_small_buffer_wakes_it_with_too_big),
    IPC_TEST(kernel_notification_to_a_waiting_receiver_is_delivered_directly),
    IPC_TEST(ipc_send_of_a_large_message_uses_frames_and_returns_them),
    IPC_TEST(ipc_receive_on_a_port_set_takes_a_message_from_a_member),
    IPC_TEST(message_sent_after_a_receive_right_moved_reaches_the_new_holder),
    IPC_TEST(port_info_of_a_port_in_a_set_names_the_set),
    /* call and reply */
    IPC_TEST(ipc_call_that_times_out_leaves_the_server_a_dead_reply_right),
    IPC_TEST(ipc_call_with_a_reply_right_of_its_own_returns_invalid),
    IPC_TEST(
	ipc_reply_receive_delivers_the_reply_into_the_waiting_callers_buffer),
    IPC_TEST(server_deallocating_the_reply_right_wakes_the_caller_with_dead),
    IPC_TEST(server_ending_wakes_the_caller_with_dead),
    IPC_TEST(reply_right_destroyed_in_a_queue_wakes_the_caller_with_dead),
    /* full name tables */
    IPC_TEST(port_allocate_in_a_full_name_table_returns_limit),
    IPC_TEST(
	ipc_receive_into_a_full_name_table_destroys_the_rights_it_cannot_name),
    /* out-of-line memory */
    IPC_TEST(ipc_send_ool_copy_gives_the_receiver_a_copy_in_a_new_region),
    IPC_TEST(ipc_send_ool_move_takes_the_region_from_the_sender),
    IPC_TEST(ool_memory_of_a_message_destroyed_undelivered_is_freed),
    IPC_TEST(ipc_send_ool_move_of_memory_that_is_no_region_moves_nothing),
    IPC_TEST(ipc_send_ool_copy_that_faults_keeps_the_senders_region_and_rights),
    IPC_TEST(ipc_send_rejects_bad_ool_descriptors),
    IPC_TEST(ipc_receive_without_room_for_a_region_gets_address_and_size_zero),
    /* badges */
    IPC_TEST(ipc_send_through_a_badged_right_arrives_with_its_badge),
    IPC_TEST(ipc_send_ignores_a_badge_or_sender_written_by_the_sender),
    IPC_TEST(
	ipc_send_to_a_waiting_receiver_through_a_badged_right_carries_the_badge),
    IPC_TEST(ipc_send_copy_send_of_a_badged_right_keeps_the_badge),
    IPC_TEST(ipc_send_move_send_of_a_badged_right_keeps_the_badge),
    IPC_TEST(
	ipc_receive_of_rights_with_other_badges_to_one_port_gives_one_name_each),
    IPC_TEST(
	ipc_receive_of_a_badged_right_to_its_own_port_does_not_join_the_receive_name),
    IPC_TEST(ipc_receive_of_a_receive_right_keeps_its_badged_send_name_apart),
    IPC_TEST(make_send_gives_an_unbadged_right_even_next_to_a_badged_one),
    IPC_TEST(send_once_rights_and_their_messages_have_badge_zero),
    IPC_TEST(reply_right_copied_from_a_badged_right_keeps_the_badge),
    IPC_TEST(ipc_transfer_of_a_badged_right_keeps_the_badge),
    IPC_TEST(ipc_call_fast_path_carries_the_badge_of_the_dest_right),
    IPC_TEST(ipc_reply_receive_fast_path_delivers_badge_zero),
    IPC_TEST(kernel_notices_have_badge_zero_on_a_badged_port),
    /* kernel memory quotas */
    IPC_TEST(queued_message_is_charged_to_the_sender_until_received),
    IPC_TEST(ipc_send_over_quota_returns_limit_and_moves_nothing),
    IPC_TEST(ool_copy_over_quota_returns_limit_and_frees_the_copies),
    IPC_TEST(port_allocate_over_quota_returns_limit),
    IPC_TEST(name_table_growth_over_quota_returns_limit),
    IPC_TEST(notification_request_over_quota_returns_limit),
    IPC_TEST(notice_is_charged_to_the_requester_until_received),
    IPC_TEST(ipc_call_over_quota_without_a_reply_port_returns_limit),
    IPC_TEST(ool_moved_frames_go_to_the_receivers_account),
    IPC_TEST(fast_path_call_and_reply_need_no_quota),
};
const size_t ipc_delivery_tests_count =
    sizeof(ipc_delivery_tests) / sizeof(ipc_delivery_tests[0]);
