/* SPDX-License-Identifier: MIT */
/*
 * Rights carried in messages: each disposition moves, copies or makes the
 * right it names, the receiver's names follow the one-name-per-port rule,
 * and a message the kernel refuses (bad name, wrong right, a name moved
 * twice, a receive right into its own queue, a malformed header, a body it
 * cannot read, no memory) leaves the sender's table and every count exactly
 * as they were. Runs inside unit.ipc_rights (see test_ipc_rights.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ipc_harness.h"

/* ---- rights in messages ---- */

static void ipc_send_move_send_moves_one_reference_to_the_receiver(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);

	make_send(A, p);
	make_send(A, p);
	assert_int_equal(send_right(A, sq, p, UK_DISP_MOVE_SEND), 0);
	assert_int_equal(send_refs_of(A, p), 1);
	assert_int_equal(port_of(A, p)->send_rights, 2); /* one in flight */

	int64_t size = msg_receive(B, q);
	assert_int_equal(size, ONE_RIGHT_MSG_SIZE);
	struct uk_msg_header *h = received(B);
	assert_int_equal(h->size, size);
	assert_int_equal(h->dest, q);
	assert_int_equal(h->reply, 0);
	assert_int_equal(h->sender, A_SENDER);
	assert_int_equal(h->flags, 0);
	assert_int_equal(received_port(B, 0)->disposition, UK_RIGHT_SEND);
	uk_name_t bp = received_port(B, 0)->name;
	assert_memory_equal((uint8_t *)h + sizeof(*h) +
				sizeof(struct uk_msg_port),
			    BODY, sizeof(BODY));
	struct uk_port_info i = info(B, bp);
	assert_int_equal(i.rights, UK_RIGHT_SEND);
	assert_int_equal(i.send_refs, 1);
	assert_ptr_equal(port_of(B, bp), port_of(A, p));
	assert_int_equal(info(A, p).senders, 2);
}

static void
ipc_send_move_send_of_the_last_reference_frees_the_senders_name(void **state)
{
	uk_name_t q = port_new(B), c = port_new(C);
	uk_name_t sq = give_send(B, q, A), sc = give_send(C, c, A);

	assert_int_equal(send_right(A, sq, sc, UK_DISP_MOVE_SEND), 0);
	assert_null(ipc_entry_lookup(&A->task.space, sc));
	uk_name_t bc = receive_right(B, q, UK_RIGHT_SEND);
	assert_int_equal(rights_of(B, bc), UK_RIGHT_SEND);
	assert_int_equal(send_refs_of(B, bc), 1);
	assert_int_equal(info(C, c).senders, 1);
	assert_int_equal(port_of(C, c)->refs, 2); /* C's name and B's */
}

static void ipc_send_copy_send_keeps_the_senders_reference(void **state)
{
	uk_name_t q = port_new(B), c = port_new(C);
	uk_name_t sq = give_send(B, q, A), sc = give_send(C, c, A);

	assert_int_equal(send_right(A, sq, sc, UK_DISP_COPY_SEND), 0);
	assert_int_equal(send_refs_of(A, sc), 1);
	uk_name_t bc = receive_right(B, q, UK_RIGHT_SEND);
	assert_int_equal(send_refs_of(B, bc), 1);
	assert_int_equal(info(C, c).senders, 2);
}

static void ipc_send_make_send_gives_the_receiver_a_send_right(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	assert_int_equal(rights_of(A, p), UK_RIGHT_RECEIVE);
	assert_int_equal(info(A, p).senders, 1);
	uk_name_t bp = receive_right(B, q, UK_RIGHT_SEND);
	assert_int_equal(send_refs_of(B, bp), 1);
	assert_int_equal(info(A, p).senders, 1);
}

static void
ipc_receive_of_a_send_right_to_an_already_named_port_adds_a_reference(
    void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	uk_name_t bp = give_send(A, p, B);
	uint32_t used = B->task.space.used;

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	assert_int_equal(receive_right(B, q, UK_RIGHT_SEND), bp);
	assert_int_equal(send_refs_of(B, bp), 2);
	assert_int_equal(B->task.space.used, used);
	assert_int_equal(port_of(A, p)->refs,
			 2); /* A's name and B's one name */
}

static void
ipc_receive_of_a_send_right_to_its_own_port_joins_the_receive_name(void **state)
{
	uk_name_t q = port_new(B);
	uk_name_t sq = give_send(B, q, A), sq2 = give_send(B, q, A);

	assert_int_equal(sq, sq2); /* one name per port in A too */
	assert_int_equal(send_right(A, sq, sq, UK_DISP_COPY_SEND), 0);
	assert_int_equal(receive_right(B, q, UK_RIGHT_SEND), q);
	struct uk_port_info i = info(B, q);
	assert_int_equal(i.rights, UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	assert_int_equal(i.send_refs, 1);
	assert_int_equal(i.senders, 3); /* A's two references and B's one */
	assert_int_equal(port_of(B, q)->refs, 2);
}

static void
ipc_receive_of_send_once_rights_gives_a_new_name_for_each(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	struct test_msg m;

	msg_init(&m, sq, 0);
	msg_port(&m, p, UK_DISP_MAKE_SEND_ONCE);
	msg_port(&m, p, UK_DISP_MAKE_SEND_ONCE);
	assert_int_equal(msg_send(A, &m), 0);
	assert_true(msg_receive(B, q) > 0);
	uk_name_t n0 = received_port(B, 0)->name,
		  n1 = received_port(B, 1)->name;
	assert_int_equal(received_port(B, 0)->disposition, UK_RIGHT_SEND_ONCE);
	assert_int_equal(received_port(B, 1)->disposition, UK_RIGHT_SEND_ONCE);
	assert_int_not_equal(n0, n1);
	assert_int_equal(rights_of(B, n0), UK_RIGHT_SEND_ONCE);
	assert_int_equal(rights_of(B, n1), UK_RIGHT_SEND_ONCE);
	assert_int_equal(port_of(A, p)->send_once_rights, 2);
}

static void
ipc_send_with_a_good_move_and_a_bad_name_leaves_the_sender_unchanged(
    void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_port(&m, f.sc, UK_DISP_MOVE_SEND);
	msg_port(&m, name_at(77, 5), UK_DISP_MOVE_SEND);
	assert_int_equal(msg_send(A, &m), -ERR_BAD_NAME);
	decode_fixture_assert_unchanged(&f);
}

static void
ipc_send_with_a_stale_name_returns_bad_name_and_moves_nothing(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	uk_name_t gone = port_new(A);
	assert_int_equal(destroy(A, gone), 0);
	uk_name_t reused = port_new(A); /* same index, next generation */
	assert_int_equal(ipc_name_index(reused), ipc_name_index(gone));
	make_send(A, reused);
	f.snap = snapshot_of(A);

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_port(&m, gone, UK_DISP_MOVE_SEND);
	assert_int_equal(msg_send(A, &m), -ERR_BAD_NAME);
	decode_fixture_assert_unchanged(&f);
	assert_int_equal(send_refs_of(A, reused), 1);
}

static void
ipc_send_with_a_right_of_the_wrong_type_returns_rights_error_and_moves_nothing(
    void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_port(&m, f.sc, UK_DISP_MOVE_RECEIVE); /* a send right only */
	assert_int_equal(msg_send(A, &m), -ERR_RIGHTS);
	decode_fixture_assert_unchanged(&f);

	f.snap = snapshot_of(A);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.sc, UK_DISP_MOVE_SEND);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND_ONCE); /* p holds no send-once */
	assert_int_equal(msg_send(A, &m), -ERR_RIGHTS);
	decode_fixture_assert_unchanged(&f);
}

static void
ipc_send_with_an_unknown_disposition_returns_invalid_and_moves_nothing(
    void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_port(&m, f.sc, 99);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);
	decode_fixture_assert_unchanged(&f);
}

static void ipc_send_with_a_bad_reply_right_moves_nothing(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	m.h.reply = f.sc;
	m.h.reply_disposition =
	    UK_DISP_MAKE_SEND_ONCE; /* sc is no receive right */
	assert_int_equal(msg_send(A, &m), -ERR_RIGHTS);
	decode_fixture_assert_unchanged(&f);

	f.snap = snapshot_of(A);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.sc, UK_DISP_MOVE_SEND);
	m.h.reply = f.p;
	m.h.reply_disposition = UK_DISP_MOVE_RECEIVE;
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);
	decode_fixture_assert_unchanged(&f);
}

static void ipc_send_moving_the_same_name_twice_returns_invalid(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	make_send(A, f.p); /* two references: each move alone would be fine */
	f.snap = snapshot_of(A);
	f.p_was = counts_of(port_of(A, f.p));

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);
	assert_table_unchanged(A, &f.snap);
	assert_counts_unchanged(port_of(A, f.p), f.p_was);
	assert_int_equal(send_refs_of(A, f.p), 2);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
}

static void ipc_send_moving_a_name_also_copied_returns_invalid(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.sc, UK_DISP_COPY_SEND);
	msg_port(&m, f.sc, UK_DISP_MOVE_SEND);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);
	decode_fixture_assert_unchanged(&f);
}

static void
ipc_send_moving_the_destination_name_again_returns_invalid(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, UK_DISP_MOVE_SEND);
	msg_port(&m, f.sq, UK_DISP_COPY_SEND);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);
	decode_fixture_assert_unchanged(&f);
}

static void
ipc_send_copying_the_same_name_twice_sends_two_references(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.sc, UK_DISP_COPY_SEND);
	msg_port(&m, f.sc, UK_DISP_COPY_SEND);
	assert_int_equal(msg_send(A, &m), 0);
	assert_true(msg_receive(B, f.q) > 0);
	uk_name_t bc = received_port(B, 0)->name;
	assert_int_equal(received_port(B, 1)->name, bc);
	assert_int_equal(send_refs_of(B, bc), 2);
	assert_int_equal(info(C, f.c).senders, 3);
}

static void
ipc_send_of_a_receive_right_in_its_own_queue_returns_invalid(void **state)
{
	uk_name_t q = port_new(A);
	uk_name_t so = make_send_once(A, q);
	struct snapshot snap = snapshot_of(A);
	struct port_counts was = counts_of(port_of(A, q));
	struct test_msg m;

	msg_init(&m, so, UK_DISP_MOVE_SEND_ONCE);
	msg_port(&m, q, UK_DISP_MOVE_RECEIVE);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);
	assert_table_unchanged(A, &snap);
	assert_counts_unchanged(port_of(A, q), was);
	assert_ptr_equal(port_of(A, q)->receiver, &A->task);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
}

static void ipc_send_move_receive_gives_the_port_to_the_receiver(void **state)
{
	uk_name_t q = port_new(B), m = port_new(A);
	uk_name_t sq = give_send(B, q, A);
	uk_name_t cm = give_send(A, m, C);

	assert_int_equal(send_plain(C, cm, 0), 0); /* queued before the move */
	assert_int_equal(send_right(A, sq, m, UK_DISP_MOVE_RECEIVE), 0);
	assert_null(ipc_entry_lookup(&A->task.space, m));
	assert_int_equal(msg_receive(A, m), -ERR_BAD_NAME);

	uk_name_t bm = receive_right(B, q, UK_RIGHT_RECEIVE);
	assert_int_equal(rights_of(B, bm), UK_RIGHT_RECEIVE);
	struct port *p = port_of(B, bm);
	assert_ptr_equal(p->receiver, &B->task);
	assert_int_equal(p->receiver_name, bm);
	assert_int_equal(info(B, bm).queued, 1);
	/* C's send right and the one the queued message carries as dest. */
	assert_int_equal(info(B, bm).senders, 2);
	/* The queued message and a new one reach the new receiver. */
	assert_int_equal(send_plain(C, cm, 0), 0);
	assert_true(msg_receive(B, bm) > 0);
	assert_int_equal(received(B)->dest, bm);
	assert_int_equal(received(B)->sender, C_SENDER);
	assert_true(msg_receive(B, bm) > 0);
	expect_empty(B, bm);
}

static void ipc_send_move_receive_leaves_the_senders_send_right(void **state)
{
	uk_name_t q = port_new(B), m = port_new(A);
	uk_name_t sq = give_send(B, q, A);

	make_send(A, m);
	assert_int_equal(send_right(A, sq, m, UK_DISP_MOVE_RECEIVE), 0);
	struct uk_port_info i = info(A, m);
	assert_int_equal(i.rights, UK_RIGHT_SEND);
	assert_int_equal(i.send_refs, 1);
	uk_name_t bm = receive_right(B, q, UK_RIGHT_RECEIVE);
	assert_int_equal(send_plain(A, m, 0), 0);
	assert_true(msg_receive(B, bm) > 0);
	assert_int_equal(received(B)->dest, bm);
	assert_int_equal(info(B, bm).senders, 1);
}

static void
ipc_send_rejects_malformed_headers_without_moving_anything(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);

	run_as(A);
	assert_int_equal(sys_ipc_send(MSG_ADDR, 16, 0), -ERR_INVALID);
	assert_int_equal(sys_ipc_send(MSG_ADDR, UK_MSG_SIZE_MAX + 1, 0),
			 -ERR_TOO_BIG);

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	m.h.size = msg_size(&m) + 1; /* header disagrees with the call */
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);

	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE; /* but no reply name */
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);

	msg_init(&m, f.sq, UK_DISP_MAKE_SEND);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	assert_int_equal(msg_send(A, &m), -ERR_INVALID);

	/* More descriptors than the size leaves room for. */
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	m.body_len = 0;
	uint32_t size = msg_write(A, MSG_ADDR, &m);
	struct uk_msg_header *u = fake_user_ptr(&A->task, MSG_ADDR, size);
	u->n_ports = 2;
	assert_int_equal(sys_ipc_send(MSG_ADDR, size, 0), -ERR_INVALID);
	u->n_ports = UK_MSG_PORTS_MAX + 1;
	assert_int_equal(sys_ipc_send(MSG_ADDR, size, 0), -ERR_INVALID);
	u->n_ports = 1;
	u->n_ool = 1; /* no room for its descriptor */
	assert_int_equal(sys_ipc_send(MSG_ADDR, size, 0), -ERR_INVALID);
	u->n_ool = UK_MSG_OOL_MAX + 1;
	assert_int_equal(sys_ipc_send(MSG_ADDR, size, 0), -ERR_INVALID);

	decode_fixture_assert_unchanged(&f);
}

static void
ipc_send_of_a_message_whose_body_cannot_be_read_moves_nothing(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	m.body_len = 600; /* a frame-backed kmsg */
	uint32_t size = msg_size(&m);
	m.h.size = size;
	/* Header and descriptor at the very end of the mapping; the body
	 * lies past it. */
	uint64_t addr =
	    FAKE_USER_BASE + FAKE_USER_SIZE - sizeof(m.h) - sizeof(m.ports[0]);
	uint8_t *u =
	    fake_user_ptr(&A->task, addr, sizeof(m.h) + sizeof(m.ports[0]));
	memcpy(u, &m.h, sizeof(m.h));
	memcpy(u + sizeof(m.h), m.ports, sizeof(m.ports[0]));
	uint64_t frames = fake_frames_in_use();

	run_as(A);
	assert_int_equal(sys_ipc_send(addr, size, 0), -ERR_FAULT);
	decode_fixture_assert_unchanged(&f);
	assert_int_equal(fake_frames_in_use(), frames);
}

static void ipc_send_out_of_memory_for_the_message_moves_nothing(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.p, UK_DISP_MOVE_SEND);
	msg_port(&m, f.sc, UK_DISP_MOVE_SEND);
	fake_slab_fail_next("kmsg");
	assert_int_equal(msg_send(A, &m), -ERR_NO_MEMORY);
	decode_fixture_assert_unchanged(&f);
}

/* ---- hardware capabilities ---- */

static struct hw_cap io_cap;

static uk_name_t io_cap_in(struct fake_task *ft)
{
	io_cap = (struct hw_cap){
	    .refs = 1, .kind = UK_HW_IO_PORTS, .base = 0x3f8, .size = 8};
	return hw_insert(ft, &io_cap);
}

static void ipc_send_copy_hardware_gives_the_receiver_its_own_name(void **state)
{
	uk_name_t q = port_new(B), cap = io_cap_in(A);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(send_right(A, sq, cap, UK_DISP_COPY_HARDWARE), 0);
	assert_int_equal(rights_of(A, cap), UK_RIGHT_HARDWARE);
	assert_int_equal(io_cap.refs, 2);
	uk_name_t bcap = receive_right(B, q, UK_RIGHT_HARDWARE);
	assert_int_equal(rights_of(B, bcap), UK_RIGHT_HARDWARE);
	assert_ptr_equal(ipc_entry_lookup(&B->task.space, bcap)->object,
			 &io_cap);
	assert_int_equal(io_cap.refs, 2);
}

static void
ipc_send_move_hardware_takes_the_capability_from_the_sender(void **state)
{
	uk_name_t q = port_new(B), cap = io_cap_in(A);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(send_right(A, sq, cap, UK_DISP_MOVE_HARDWARE), 0);
	assert_null(ipc_entry_lookup(&A->task.space, cap));
	assert_int_equal(io_cap.refs, 1);
	uk_name_t bcap = receive_right(B, q, UK_RIGHT_HARDWARE);
	assert_int_equal(rights_of(B, bcap), UK_RIGHT_HARDWARE);
	assert_int_equal(io_cap.refs, 1);
}

static void
ipc_send_of_a_port_right_as_hardware_returns_rights_error(void **state)
{
	struct decode_fixture f;
	struct test_msg m;

	decode_fixture_init(&f);
	msg_init(&m, f.sq, 0);
	msg_port(&m, f.sc, UK_DISP_MOVE_SEND);
	msg_port(&m, f.p, UK_DISP_MOVE_HARDWARE);
	assert_int_equal(msg_send(A, &m), -ERR_RIGHTS);
	decode_fixture_assert_unchanged(&f);
}

static void
ipc_send_of_a_capability_as_a_port_right_returns_rights_error(void **state)
{
	uk_name_t q = port_new(B), cap = io_cap_in(A);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(send_right(A, sq, cap, UK_DISP_MOVE_SEND),
			 -ERR_RIGHTS);
	assert_int_equal(send_right(A, sq, cap, UK_DISP_MOVE_RECEIVE),
			 -ERR_RIGHTS);
	assert_int_equal(send_plain(A, cap, 0), -ERR_RIGHTS);
	assert_int_equal(io_cap.refs, 1);
	assert_int_equal(queued_on(B, q), 0);
}

static void port_deallocate_drops_a_capability_name(void **state)
{
	uk_name_t cap = io_cap_in(A);

	assert_int_equal(rights_of(A, cap), UK_RIGHT_HARDWARE);
	assert_int_equal(deallocate(A, cap), 0);
	assert_null(ipc_entry_lookup(&A->task.space, cap));
	assert_int_equal(io_cap.refs, 0);
}

static void capability_in_a_destroyed_message_is_released(void **state)
{
	uk_name_t q = port_new(B), cap = io_cap_in(A);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(send_right(A, sq, cap, UK_DISP_COPY_HARDWARE), 0);
	assert_int_equal(io_cap.refs, 2);
	assert_int_equal(destroy(B, q), 0);
	assert_int_equal(io_cap.refs, 1);
	task_end(A);
	assert_int_equal(io_cap.refs, 0);
}

const struct CMUnitTest ipc_message_tests[] = {
    /* rights in messages */
    IPC_TEST(ipc_send_move_send_moves_one_reference_to_the_receiver),
    IPC_TEST(ipc_send_move_send_of_the_last_reference_frees_the_senders_name),
    IPC_TEST(ipc_send_copy_send_keeps_the_senders_reference),
    IPC_TEST(ipc_send_make_send_gives_the_receiver_a_send_right),
    IPC_TEST(
	ipc_receive_of_a_send_right_to_an_already_named_port_adds_a_reference),
    IPC_TEST(
	ipc_receive_of_a_send_right_to_its_own_port_joins_the_receive_name),
    IPC_TEST(ipc_receive_of_send_once_rights_gives_a_new_name_for_each),
    IPC_TEST(
	ipc_send_with_a_good_move_and_a_bad_name_leaves_the_sender_unchanged),
    IPC_TEST(ipc_send_with_a_stale_name_returns_bad_name_and_moves_nothing),
    IPC_TEST(
	ipc_send_with_a_right_of_the_wrong_type_returns_rights_error_and_moves_nothing),
    IPC_TEST(
	ipc_send_with_an_unknown_disposition_returns_invalid_and_moves_nothing),
    IPC_TEST(ipc_send_with_a_bad_reply_right_moves_nothing),
    IPC_TEST(ipc_send_moving_the_same_name_twice_returns_invalid),
    IPC_TEST(ipc_send_moving_a_name_also_copied_returns_invalid),
    IPC_TEST(ipc_send_moving_the_destination_name_again_returns_invalid),
    IPC_TEST(ipc_send_copying_the_same_name_twice_sends_two_references),
    IPC_TEST(ipc_send_of_a_receive_right_in_its_own_queue_returns_invalid),
    IPC_TEST(ipc_send_move_receive_gives_the_port_to_the_receiver),
    IPC_TEST(ipc_send_move_receive_leaves_the_senders_send_right),
    IPC_TEST(ipc_send_rejects_malformed_headers_without_moving_anything),
    IPC_TEST(ipc_send_of_a_message_whose_body_cannot_be_read_moves_nothing),
    IPC_TEST(ipc_send_out_of_memory_for_the_message_moves_nothing),
    /* hardware capabilities */
    IPC_TEST(ipc_send_copy_hardware_gives_the_receiver_its_own_name),
    IPC_TEST(ipc_send_move_hardware_takes_the_capability_from_the_sender),
    IPC_TEST(ipc_send_of_a_port_right_as_hardware_returns_rights_error),
    IPC_TEST(ipc_send_of_a_capability_as_a_port_right_returns_rights_error),
    IPC_TEST(port_deallocate_drops_a_capability_name),
    IPC_TEST(capability_in_a_destroyed_message_is_released),
};
const size_t ipc_message_tests_count =
    sizeof(ipc_message_tests) / sizeof(ipc_message_tests[0]);
