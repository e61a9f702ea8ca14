/* SPDX-License-Identifier: MIT */
/*
 * Rights through the IPC syscalls (docs/ARCHITECTURE.md, "IPC"): send-right
 * counting and no-senders, send-once rights and send-once-died, port death
 * with its dead names and dead-name notifications, the release of a whole
 * task, after which no kernel object or frame may remain, and badged send
 * rights (port_mint: one name per badge, counted as senders). The real
 * ipc_space.c, port.c, ipc.c and syscall_ipc.c run against fake_kernel.c;
 * ipc_harness.c has the fake tasks A, B and C. main() also runs the groups
 * of test_ipc_messages.c and test_ipc_delivery.c: one binary, unit.ipc_rights.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc_harness.h"

/* ---- rights counting ---- */

static void port_allocate_returns_a_receive_right_without_senders(void **state)
{
	uk_name_t r = port_new(A);
	struct uk_port_info i = info(A, r);

	assert_int_equal(i.rights, UK_RIGHT_RECEIVE);
	assert_int_equal(i.send_refs, 0);
	assert_int_equal(i.queued, 0);
	assert_int_equal(i.queue_limit, UK_PORT_QUEUE_DEFAULT);
	assert_int_equal(i.senders, 0);
	struct port *p = port_of(A, r);
	assert_ptr_equal(p->receiver, &A->task);
	assert_int_equal(p->receiver_name, r);
	assert_int_equal(p->refs, 1);
	assert_int_equal(fake_slab_in_use("port"), 1);
}

static void port_allocate_of_a_send_right_returns_invalid(void **state)
{
	run_as(A);
	assert_int_equal(sys_port_allocate(UK_RIGHT_SEND), -ERR_INVALID);
	assert_int_equal(sys_port_allocate(0), -ERR_INVALID);
	assert_int_equal(A->task.space.used, 0);
	/* Nothing made, nothing charged (the only objects are the tasks'
	 * accounts). */
	assert_int_equal(fake_slab_total_in_use(), fake_slab_in_use("account"));
	assert_int_equal(A->task.account->used, 0);
}

static void
port_insert_right_make_send_adds_a_send_reference_under_the_receive_name(
    void **state)
{
	uk_name_t r = port_new(A);

	assert_int_equal(insert_right(A, r, UK_DISP_MAKE_SEND), r);
	struct uk_port_info i = info(A, r);
	assert_int_equal(i.rights, UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	assert_int_equal(i.send_refs, 1);
	assert_int_equal(i.senders, 1);

	make_send(A, r);
	i = info(A, r);
	assert_int_equal(i.send_refs, 2);
	assert_int_equal(i.senders, 2);
	assert_int_equal(port_of(A, r)->send_rights, 2);
	assert_int_equal(port_of(A, r)->refs, 1); /* still one name */
	assert_int_equal(A->task.space.used, 1);
}

static void
port_insert_right_copy_send_adds_a_reference_to_an_existing_send_right(
    void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(send_refs_of(B, s), 1);
	assert_int_equal(insert_right(B, s, UK_DISP_COPY_SEND), s);
	assert_int_equal(send_refs_of(B, s), 2);
	assert_int_equal(info(A, r).senders, 2);
	assert_int_equal(port_of(A, r)->refs, 2); /* A's name and B's */
}

static void
port_insert_right_copy_send_without_a_send_right_returns_rights_error(
    void **state)
{
	uk_name_t r = port_new(A);

	assert_int_equal(insert_right(A, r, UK_DISP_COPY_SEND), -ERR_RIGHTS);
	assert_int_equal(info(A, r).senders, 0);
	assert_int_equal(rights_of(A, r), UK_RIGHT_RECEIVE);
}

static void
port_insert_right_make_send_from_a_send_right_returns_rights_error(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(insert_right(B, s, UK_DISP_MAKE_SEND), -ERR_RIGHTS);
	assert_int_equal(insert_right(B, s, UK_DISP_MAKE_SEND_ONCE),
			 -ERR_RIGHTS);
	assert_int_equal(send_refs_of(B, s), 1);
	assert_int_equal(info(A, r).senders, 1);
}

static void
port_insert_right_with_a_bad_name_or_disposition_changes_nothing(void **state)
{
	uk_name_t r = port_new(A);

	assert_int_equal(insert_right(A, 0, UK_DISP_MAKE_SEND), -ERR_BAD_NAME);
	assert_int_equal(
	    insert_right(A, name_next_generation(r), UK_DISP_MAKE_SEND),
	    -ERR_BAD_NAME);
	assert_int_equal(insert_right(A, r, UK_DISP_MOVE_SEND), -ERR_INVALID);
	assert_int_equal(insert_right(A, r, 99), -ERR_INVALID);
	assert_int_equal(rights_of(A, r), UK_RIGHT_RECEIVE);
	assert_int_equal(A->task.space.used, 1);
}

static void port_deallocate_drops_one_send_reference(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B);

	make_send(A, r); /* a second sender elsewhere */
	assert_int_equal(insert_right(B, s, UK_DISP_COPY_SEND), s);
	assert_int_equal(deallocate(B, s), 0);
	assert_int_equal(send_refs_of(B, s), 1);
	assert_int_equal(info(A, r).senders, 2);
}

static void
port_deallocate_of_the_last_send_reference_frees_the_name(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B);
	struct uk_port_info i;

	assert_int_equal(deallocate(B, s), 0);
	assert_int_equal(info_of(B, s, &i), -ERR_BAD_NAME);
	assert_null(ipc_entry_lookup(&B->task.space, s));
	assert_int_equal(B->task.space.used, 0);
	assert_int_equal(info(A, r).senders, 0);
	assert_int_equal(port_of(A, r)->refs, 1);
	assert_int_equal(deallocate(B, s), -ERR_BAD_NAME);
}

static void
port_deallocate_of_the_last_send_reference_keeps_the_receive_right(void **state)
{
	uk_name_t r = port_new(A);

	make_send(A, r);
	assert_int_equal(deallocate(A, r), 0);
	struct uk_port_info i = info(A, r);
	assert_int_equal(i.rights, UK_RIGHT_RECEIVE);
	assert_int_equal(i.send_refs, 0);
	assert_int_equal(i.senders, 0);
	assert_int_equal(deallocate(A, r), -ERR_RIGHTS);
	assert_int_equal(rights_of(A, r), UK_RIGHT_RECEIVE);
}

static void
port_deallocate_of_the_last_send_right_fires_no_senders(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(insert_right(B, s, UK_DISP_COPY_SEND), s);
	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	assert_int_equal(deallocate(B, s), 0);
	assert_int_equal(queued_on(A, notify), 0); /* one reference remains */
	assert_int_equal(deallocate(B, s), 0);
	assert_int_equal(queued_on(A, notify), 1);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
	assert_int_equal(received(A)->sender, 0);
	expect_empty(A, notify);
}

static void no_senders_counts_send_rights_in_every_task(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);
	uk_name_t sb = give_send(A, r, B), sc = give_send(A, r, C);

	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	assert_int_equal(deallocate(B, sb), 0);
	assert_int_equal(queued_on(A, notify), 0);
	assert_int_equal(deallocate(C, sc), 0);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
}

static void
no_senders_request_on_a_port_without_senders_fires_at_once(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);

	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
}

static void no_senders_fires_once_per_request(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	assert_int_equal(deallocate(B, s), 0);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
	s = give_send(A, r, B);
	assert_int_equal(deallocate(B, s), 0);
	expect_empty(A, notify);
}

static void
no_senders_request_on_a_send_right_returns_rights_error(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(request(B, s, UK_NOTIFY_NO_SENDERS, notify),
			 -ERR_RIGHTS);
	assert_int_equal(request(B, s, 77, notify), -ERR_INVALID);
	assert_int_equal(request(B, s, UK_NOTIFY_NO_SENDERS, 0), -ERR_BAD_NAME);
}

static void
port_insert_right_make_send_once_returns_a_new_name_each_time(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t so1 = make_send_once(A, r), so2 = make_send_once(A, r);

	assert_int_not_equal(so1, r);
	assert_int_not_equal(so2, r);
	assert_int_not_equal(so1, so2);
	assert_int_equal(rights_of(A, so1), UK_RIGHT_SEND_ONCE);
	assert_int_equal(rights_of(A, so2), UK_RIGHT_SEND_ONCE);
	assert_int_equal(info(A, so1).send_refs, 0);
	struct port *p = port_of(A, r);
	assert_int_equal(p->send_once_rights, 2);
	assert_int_equal(p->send_rights, 0);
	assert_int_equal(p->refs, 3);
	assert_int_equal(info(A, r).senders, 0); /* send-once are not senders */
}

static void
send_once_right_used_by_delivery_does_not_fire_send_once_died(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t so = give_send_once(A, r, B);

	assert_int_equal(send_plain(B, so, UK_DISP_MOVE_SEND_ONCE), 0);
	assert_null(ipc_entry_lookup(&B->task.space, so));
	assert_int_equal(queued_on(A, r), 1);
	assert_true(msg_receive(A, r) > 0);
	assert_int_equal(received(A)->id, MSG_ID);
	assert_int_equal(received(A)->flags, 0);
	assert_int_equal(received(A)->dest, r);
	expect_empty(A, r);
	struct port *p = port_of(A, r);
	assert_int_equal(p->send_once_rights, 0);
	assert_int_equal(p->refs, 1);
}

static void send_once_right_can_be_used_only_once(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t so = give_send_once(A, r, B);

	assert_int_equal(send_plain(B, so, UK_DISP_MOVE_SEND_ONCE), 0);
	assert_int_equal(send_plain(B, so, UK_DISP_MOVE_SEND_ONCE),
			 -ERR_BAD_NAME);
	assert_int_equal(queued_on(A, r), 1);
}

static void send_once_right_sent_as_copy_send_returns_rights_error(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t so = give_send_once(A, r, B);

	assert_int_equal(send_plain(B, so, UK_DISP_COPY_SEND), -ERR_RIGHTS);
	assert_int_equal(send_plain(B, so, UK_DISP_MOVE_SEND), -ERR_RIGHTS);
	assert_int_equal(rights_of(B, so), UK_RIGHT_SEND_ONCE);
	assert_int_equal(queued_on(A, r), 0);
}

static void
port_deallocate_of_a_send_once_right_fires_send_once_died(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t so = give_send_once(A, r, B);

	assert_int_equal(deallocate(B, so), 0);
	assert_null(ipc_entry_lookup(&B->task.space, so));
	expect_notification(A, r, UK_MSG_ID_SEND_ONCE_DIED, r);
	assert_int_equal(port_of(A, r)->send_once_rights, 0);
	assert_int_equal(port_of(A, r)->refs, 1);
}

/* ---- death ---- */

static void port_destroy_turns_send_rights_into_dead_names(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(insert_right(B, s, UK_DISP_COPY_SEND), s);
	assert_int_equal(destroy(A, r), 0);
	struct uk_port_info i = info(B, s);
	assert_int_equal(i.rights, UK_RIGHT_DEAD_NAME);
	assert_int_equal(i.send_refs, 2);
	struct uk_port_info none;
	assert_int_equal(info_of(A, r, &none), -ERR_BAD_NAME);
}

static void
port_destroy_of_a_name_with_a_send_right_leaves_a_dead_name(void **state)
{
	uk_name_t r = port_new(A);

	make_send(A, r);
	assert_int_equal(destroy(A, r), 0);
	assert_int_equal(rights_of(A, r), UK_RIGHT_DEAD_NAME);
	assert_int_equal(destroy(A, r), -ERR_RIGHTS);
	assert_int_equal(deallocate(A, r), 0);
	assert_int_equal(A->task.space.used, 0);
	assert_int_equal(fake_slab_in_use("port"), 0);
}

static void port_destroy_of_a_send_right_returns_rights_error(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(destroy(B, s), -ERR_RIGHTS);
	assert_int_equal(rights_of(B, s), UK_RIGHT_SEND);
	assert_true(port_of(A, r)->alive);
}

static void ipc_send_to_a_dead_name_returns_dead_and_moves_nothing(void **state)
{
	uk_name_t r = port_new(A), p = port_new(B);
	uk_name_t s = give_send(A, r, B);

	make_send(B, p);
	assert_int_equal(destroy(A, r), 0);
	struct snapshot snap = snapshot_of(B);
	assert_int_equal(send_right(B, s, p, UK_DISP_MOVE_SEND), -ERR_DEAD);
	assert_int_equal(send_plain(B, s, UK_DISP_MOVE_SEND), -ERR_DEAD);
	assert_table_unchanged(B, &snap);
	assert_int_equal(send_refs_of(B, p), 1);
	assert_int_equal(insert_right(B, s, UK_DISP_COPY_SEND), -ERR_DEAD);
}

static void ipc_send_of_a_dead_name_in_a_message_returns_dead(void **state)
{
	uk_name_t q = port_new(B), r = port_new(C);
	uk_name_t sq = give_send(B, q, A), sr = give_send(C, r, A);

	assert_int_equal(destroy(C, r), 0);
	struct snapshot snap = snapshot_of(A);
	assert_int_equal(send_right(A, sq, sr, UK_DISP_MOVE_SEND), -ERR_DEAD);
	assert_table_unchanged(A, &snap);
	assert_int_equal(queued_on(B, q), 0);
}

static void
port_deallocate_releases_a_dead_name_and_frees_the_port(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(destroy(A, r), 0);
	assert_int_equal(fake_slab_in_use("port"),
			 1); /* B's dead name holds it */
	assert_int_equal(deallocate(B, s), 0);
	assert_int_equal(B->task.space.used, 0);
	assert_int_equal(fake_slab_in_use("port"), 0);
}

static void port_destroy_wakes_a_waiting_receiver_with_dead(void **state)
{
	uk_name_t q = port_new(B);
	struct thread *th = wait_in_receive(B, q, WAIT_SIZE);

	assert_int_equal(destroy(B, q), 0);
	assert_int_equal(th->state, THREAD_READY);
	assert_int_equal(th->wait_result, -ERR_DEAD);
}

static void
port_destroy_destroys_queued_messages_and_releases_their_rights(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A), notify = port_new(A);
	uk_name_t sq = give_send(B, q, A);

	make_send(A, p);
	assert_int_equal(request(A, p, UK_NOTIFY_NO_SENDERS, notify), 0);
	assert_int_equal(send_right(A, sq, p, UK_DISP_MOVE_SEND), 0);
	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND), 0);
	assert_int_equal(info(A, p).senders, 2); /* both in flight */
	assert_int_equal(queued_on(A, notify), 0);

	assert_int_equal(destroy(B, q), 0);
	assert_int_equal(info(A, p).senders, 0);
	assert_int_equal(port_of(A, p)->refs, 1);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, p);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
}

static void
port_destroy_of_queued_send_once_rights_fires_send_once_died(void **state)
{
	uk_name_t q = port_new(B), p = port_new(A);
	uk_name_t sq = give_send(B, q, A);

	assert_int_equal(send_right(A, sq, p, UK_DISP_MAKE_SEND_ONCE), 0);
	assert_int_equal(port_of(A, p)->send_once_rights, 1);
	assert_int_equal(destroy(B, q), 0);
	expect_notification(A, p, UK_MSG_ID_SEND_ONCE_DIED, p);
	assert_int_equal(port_of(A, p)->send_once_rights, 0);
	assert_int_equal(port_of(A, p)->refs, 1);
}

static void
port_destroy_kills_the_ports_whose_receive_rights_were_queued(void **state)
{
	/* q (B) has queued: the receive right of m. m has queued: a send right
	 * to p (A, with a no-senders request). C holds a send right to m with
	 * a dead-name request. Destroying q kills m, which releases p's last
	 * send right and tells C. */
	uk_name_t q = port_new(B), m = port_new(A), p = port_new(A);
	uk_name_t a_notify = port_new(A), c_notify = port_new(C);
	uk_name_t sq = give_send(B, q, A), cm = give_send(A, m, C);

	assert_int_equal(request(C, cm, UK_NOTIFY_DEAD_NAME, c_notify), 0);
	make_send(A, p);
	make_send(A, m);
	assert_int_equal(request(A, p, UK_NOTIFY_NO_SENDERS, a_notify), 0);
	assert_int_equal(send_right(A, m, p, UK_DISP_MOVE_SEND), 0);
	assert_int_equal(send_right(A, sq, m, UK_DISP_MOVE_RECEIVE), 0);
	/* Two queued messages and the two requests' notices. */
	assert_int_equal(fake_slab_in_use("kmsg"), 4);

	assert_int_equal(destroy(B, q), 0);
	assert_int_equal(rights_of(C, cm), UK_RIGHT_DEAD_NAME);
	expect_notification(C, c_notify, UK_MSG_ID_DEAD_NAME, cm);
	expect_notification(A, a_notify, UK_MSG_ID_NO_SENDERS, p);
	assert_int_equal(info(A, p).senders, 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(rights_of(A, m), UK_RIGHT_DEAD_NAME);
	assert_int_equal(deallocate(C, cm), 0);
	assert_int_equal(deallocate(A, m), 0);
	assert_int_equal(deallocate(A, sq), 0); /* a dead name too */
	/* p, a_notify, c_notify and nothing else. */
	assert_int_equal(fake_slab_in_use("port"), 3);
}

static void
dead_name_notification_fires_to_the_requesters_notify_port(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_int_equal(fake_slab_in_use("notify_req"), 1);
	assert_int_equal(queued_on(B, notify), 0);
	assert_int_equal(destroy(A, r), 0);
	expect_notification(B, notify, UK_MSG_ID_DEAD_NAME, s);
	expect_empty(B, notify);
	assert_int_equal(fake_slab_in_use("notify_req"), 0);
}

static void
a_notice_cannot_be_aimed_at_another_tasks_port(void **state)
{
	uk_name_t r = port_new(A), cn = port_new(C);
	uk_name_t s = give_send(A, r, B), bn = give_send(C, cn, B);

	/* B holds only a send right to C's port: a notice there would carry
	 * B's name under the kernel's mark. */
	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, bn), -ERR_RIGHTS);
	assert_int_equal(request(B, s, UK_NOTIFY_NO_SENDERS, bn), -ERR_RIGHTS);
	assert_int_equal(destroy(A, r), 0);
	expect_empty(C, cn);
	assert_int_equal(fake_slab_in_use("notify_req"), 0);
}

static void dead_name_request_on_a_dead_name_fires_at_once(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(destroy(A, r), 0);
	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	expect_notification(B, notify, UK_MSG_ID_DEAD_NAME, s);
}

static void
dead_name_request_on_a_send_once_right_fires_when_the_port_dies(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t so = give_send_once(A, r, B);

	assert_int_equal(request(B, so, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_int_equal(destroy(A, r), 0);
	assert_int_equal(rights_of(B, so), UK_RIGHT_DEAD_NAME);
	expect_notification(B, notify, UK_MSG_ID_DEAD_NAME, so);
}

static void
dead_name_request_on_a_receive_right_returns_rights_error(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);

	assert_int_equal(request(A, r, UK_NOTIFY_DEAD_NAME, notify),
			 -ERR_RIGHTS);
	assert_int_equal(fake_slab_in_use("notify_req"), 0);
}

static void dead_name_request_with_a_dead_notify_port_returns_rights(void **state)
{
	uk_name_t r = port_new(A), cn = port_new(C);
	uk_name_t s = give_send(A, r, B), bn = give_send(C, cn, B);

	assert_int_equal(destroy(C, cn), 0);
	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, bn), -ERR_RIGHTS);
	assert_int_equal(fake_slab_in_use("notify_req"), 0);
}

static void
port_deallocate_of_the_last_send_reference_cancels_its_dead_name_request(
    void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t s = give_send(A, r, B);
	uint32_t notify_refs = port_of(B, notify)->refs;

	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_int_equal(deallocate(B, s), 0);
	/* B no longer holds the right: the request goes with it. */
	assert_int_equal(fake_slab_in_use("notify_req"), 0);
	assert_int_equal(port_of(B, notify)->refs, notify_refs);
	assert_int_equal(destroy(A, r), 0);
	expect_empty(B, notify);
}

static void
moving_away_the_last_send_reference_cancels_its_dead_name_request(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B), c = port_new(C);
	uk_name_t s = give_send(A, r, B), sc = give_send(C, c, B);

	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_int_equal(send_right(B, sc, s, UK_DISP_MOVE_SEND), 0);
	assert_null(ipc_entry_lookup(&B->task.space, s));
	assert_int_equal(fake_slab_in_use("notify_req"), 0);
	assert_int_equal(destroy(A, r), 0);
	expect_empty(B, notify);
}

static void
port_deallocate_of_a_send_once_right_cancels_its_dead_name_request(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t so = give_send_once(A, r, B);

	assert_int_equal(request(B, so, UK_NOTIFY_DEAD_NAME, notify), 0);
	assert_int_equal(deallocate(B, so), 0);
	assert_int_equal(fake_slab_in_use("notify_req"), 0);
	assert_int_equal(destroy(A, r), 0);
	expect_empty(B, notify);
}

/* ---- task release ---- */

static void
ipc_task_release_turns_other_tasks_rights_into_dead_names(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(B);
	uk_name_t s = give_send(A, r, B), so = give_send_once(A, r, B);

	assert_int_equal(request(B, s, UK_NOTIFY_DEAD_NAME, notify), 0);
	task_end(A);
	assert_int_equal(rights_of(B, s), UK_RIGHT_DEAD_NAME);
	assert_int_equal(rights_of(B, so), UK_RIGHT_DEAD_NAME);
	expect_notification(B, notify, UK_MSG_ID_DEAD_NAME, s);
	assert_int_equal(send_plain(B, s, 0), -ERR_DEAD);
	assert_int_equal(send_plain(B, so, UK_DISP_MOVE_SEND_ONCE), -ERR_DEAD);
}

static void ipc_task_release_of_the_last_sender_fires_no_senders(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);
	uk_name_t s = give_send(A, r, B);

	assert_int_equal(insert_right(B, s, UK_DISP_COPY_SEND), s);
	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	task_end(B);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
	assert_int_equal(info(A, r).senders, 0);
}

static void
ipc_task_release_of_an_unused_send_once_right_fires_send_once_died(void **state)
{
	uk_name_t r = port_new(A);

	give_send_once(A, r, B);
	task_end(B);
	expect_notification(A, r, UK_MSG_ID_SEND_ONCE_DIED, r);
	assert_int_equal(port_of(A, r)->send_once_rights, 0);
	assert_int_equal(port_of(A, r)->refs, 1);
}

static void
ipc_task_release_releases_every_right_and_leaves_nothing_allocated(void **state)
{
	/* A: a port with send rights and send-once names, a port set, a port
	 * with queued messages that carry every kind of right (including a
	 * receive right whose port has its own queue and a frame-backed
	 * message), requests both ways. B and C hold rights to A's ports. */
	uk_name_t a1 = port_new(A), a2 = port_new(A), a3 = port_new(A);
	uk_name_t b1 = port_new(B), c1 = port_new(C);
	uk_name_t sb1 = give_send(B, b1, A), sc1 = give_send(C, c1, A);
	uk_name_t ba1 = give_send(A, a1, B), ca2 = give_send(A, a2, C);
	uk_name_t ba1_once = give_send_once(A, a1, B);
	struct test_msg m;

	make_send(A, a1);
	make_send(A, a1);
	make_send_once(A, a1);
	make_send_once(A, a2);
	run_as(A);
	int64_t set = sys_port_allocate(UK_RIGHT_PORT_SET);
	assert_true(set > 0);
	assert_int_equal(sys_port_set_add(set, a1), 0);
	assert_int_equal(request(A, a1, UK_NOTIFY_NO_SENDERS, a3), 0);
	assert_int_equal(request(A, sb1, UK_NOTIFY_DEAD_NAME, a2), 0);
	assert_int_equal(request(B, ba1, UK_NOTIFY_DEAD_NAME, b1), 0);
	assert_int_equal(request(C, ca2, UK_NOTIFY_DEAD_NAME, c1), 0);

	/* a3's queue holds a message with its own frames. */
	msg_init(&m, a3, 0);
	make_send(A, a3);
	m.body_len = 1500;
	msg_port(&m, sc1, UK_DISP_COPY_SEND);
	msg_port(&m, a1, UK_DISP_MAKE_SEND_ONCE);
	assert_int_equal(msg_send(A, &m), 0);
	/* a2's queue holds the receive right of a3 and more rights. */
	make_send(A, a2);
	msg_init(&m, a2, 0);
	msg_port(&m, a3, UK_DISP_MOVE_RECEIVE);
	msg_port(&m, sb1, UK_DISP_COPY_SEND);
	msg_port(&m, a1, UK_DISP_MOVE_SEND);
	m.h.reply = a2;
	m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	assert_int_equal(msg_send(A, &m), 0);
	/* B's port holds a message from A with rights to A's ports. */
	msg_init(&m, sb1, 0);
	msg_port(&m, a2, UK_DISP_MAKE_SEND);
	msg_port(&m, a1, UK_DISP_MAKE_SEND_ONCE);
	assert_int_equal(msg_send(A, &m), 0);
	assert_true(fake_frames_in_use() > 0);

	task_end(A);
	assert_int_equal(rights_of(B, ba1), UK_RIGHT_DEAD_NAME);
	assert_int_equal(rights_of(B, ba1_once), UK_RIGHT_DEAD_NAME);
	assert_int_equal(rights_of(C, ca2), UK_RIGHT_DEAD_NAME);
	expect_notification(C, c1, UK_MSG_ID_DEAD_NAME, ca2);
	assert_int_equal(info(C, c1).senders, 0); /* the queued copy died too */
	/* B's queue: A's message (its rights now dead), the dead-name notice.
	 */
	assert_true(msg_receive(B, b1) > 0);
	assert_int_equal(received(B)->id, MSG_ID);
	assert_int_equal(rights_of(B, received_port(B, 0)->name),
			 UK_RIGHT_DEAD_NAME);
	assert_int_equal(rights_of(B, received_port(B, 1)->name),
			 UK_RIGHT_DEAD_NAME);
	expect_notification(B, b1, UK_MSG_ID_DEAD_NAME, ba1);
	assert_int_equal(info(B, b1).senders, 0);

	task_end(B);
	task_end(C);
	assert_int_equal(fake_slab_total_in_use(), 0);
	assert_int_equal(fake_frames_in_use(), 0);
}

static void
receive_rights_cannot_be_queued_in_each_others_queues(void **state)
{
	/* With p's receive right waiting in q's queue, moving q's receive
	 * right into p's queue would make both unreachable: it is refused,
	 * nothing moves, and ending the task frees everything. */
	uk_name_t p = port_new(A), q = port_new(A);

	make_send(A, p);
	make_send(A, q);
	assert_int_equal(send_right(A, q, p, UK_DISP_MOVE_RECEIVE), 0);
	assert_int_equal(send_right(A, p, q, UK_DISP_MOVE_RECEIVE), -ERR_INVALID);
	assert_int_equal(rights_of(A, q) & UK_RIGHT_RECEIVE, UK_RIGHT_RECEIVE);
	task_end(A);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(fake_slab_in_use("port"), 0);
}

/* ---- 64-bit names ---- */

/* A name cut to its low 32 bits (its generation) or to its index names
 * nothing: index 0 is the null name. */
static void syscalls_refuse_a_name_cut_to_32_bits(void **state)
{
	uk_name_t r = port_new(A);
	struct uk_port_info i;

	assert_int_not_equal(ipc_name_index(r), 0);
	assert_true((int64_t)r > 0);
	assert_int_equal(insert_right(A, (uint32_t)r, UK_DISP_MAKE_SEND),
			 -ERR_BAD_NAME);
	assert_int_equal(info_of(A, (uint32_t)r, &i), -ERR_BAD_NAME);
	assert_int_equal(msg_receive(A, (uint32_t)r), -ERR_BAD_NAME);
	assert_int_equal(info_of(A, ipc_name_index(r), &i), -ERR_BAD_NAME);
	assert_int_equal(port_mint(A, (uint32_t)r, BADGE_1), -ERR_BAD_NAME);
	assert_int_equal(rights_of(A, r), UK_RIGHT_RECEIVE);
	assert_int_equal(A->task.space.used, 1);
}

/* ---- badges ---- */

static void port_mint_makes_a_badged_send_right_under_its_own_name(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t n = mint(A, r, BADGE_1);

	assert_int_not_equal(n, r);
	struct uk_port_info i = info(A, n);
	assert_int_equal(i.rights, UK_RIGHT_SEND);
	assert_int_equal(i.send_refs, 1);
	assert_int_equal(i.badge, BADGE_1);
	i = info(A, r);
	assert_int_equal(i.rights, UK_RIGHT_RECEIVE);
	assert_int_equal(i.send_refs, 0);
	assert_int_equal(i.badge, 0);
	assert_int_equal(i.senders, 1);
	assert_int_equal(i.make_send_count, 1); /* a send right made from it */
	assert_ptr_equal(port_of(A, n), port_of(A, r));
	assert_int_equal(port_of(A, r)->refs, 2); /* two names */
	assert_int_equal(A->task.space.used, 2);
}

static void
port_mint_of_a_badge_again_adds_a_reference_to_its_name(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t n = mint(A, r, BADGE_1);

	assert_int_equal(mint(A, r, BADGE_1), n);
	assert_int_equal(send_refs_of(A, n), 2);
	assert_int_equal(badge_of(A, n), BADGE_1);
	assert_int_equal(info(A, r).senders, 2);
	assert_int_equal(info(A, r).make_send_count, 2);
	assert_int_equal(port_of(A, r)->refs, 2); /* still one name for it */
	assert_int_equal(A->task.space.used, 2);
}

static void port_mint_of_other_badges_gives_other_names(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t n1 = mint(A, r, BADGE_1), n2 = mint(A, r, BADGE_2);
	/* BADGE_1's low half alone is another badge. */
	uk_name_t low = mint(A, r, (uint32_t)BADGE_1);

	assert_int_not_equal(n1, n2);
	assert_int_not_equal(n1, low);
	assert_int_not_equal(n2, low);
	assert_int_equal(badge_of(A, n1), BADGE_1);
	assert_int_equal(badge_of(A, n2), BADGE_2);
	assert_int_equal(badge_of(A, low), (uint32_t)BADGE_1);
	assert_int_equal(send_refs_of(A, n1), 1);
	assert_int_equal(info(A, r).senders, 3);
	assert_int_equal(port_of(A, r)->refs, 4);
	assert_int_equal(A->task.space.used, 4);
}

static void port_mint_next_to_an_unbadged_send_right_keeps_both(void **state)
{
	uk_name_t r = port_new(A);

	make_send(A, r);
	uk_name_t n = mint(A, r, BADGE_2);
	assert_int_not_equal(n, r);
	assert_int_equal(rights_of(A, r), UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	assert_int_equal(send_refs_of(A, r), 1);
	assert_int_equal(badge_of(A, r), 0);
	assert_int_equal(badge_of(A, n), BADGE_2);
	/* An unbadged right still joins the receive name. */
	make_send(A, r);
	assert_int_equal(send_refs_of(A, r), 2);
	assert_int_equal(send_refs_of(A, n), 1);
	assert_int_equal(info(A, r).senders, 3);
	assert_int_equal(info(A, r).make_send_count, 3);
}

static struct hw_cap mint_cap;

static void
port_mint_refuses_badge_zero_and_names_without_a_receive_right(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t s = give_send(A, r, B), so = give_send_once(A, r, B);
	uk_name_t bn = give_badged(A, r, BADGE_1, B);

	mint_cap = (struct hw_cap){.refs = 1, .kind = UK_HW_IRQ, .size = 1};
	uk_name_t cap = hw_insert(A, &mint_cap);
	run_as(A);
	int64_t set = sys_port_allocate(UK_RIGHT_PORT_SET);
	assert_true(set > 0);
	struct snapshot a = snapshot_of(A), b = snapshot_of(B);
	struct port_counts was = counts_of(port_of(A, r));
	uint32_t made = info(A, r).make_send_count;

	assert_int_equal(port_mint(A, r, 0), -ERR_INVALID);
	assert_int_equal(port_mint(B, s, BADGE_2), -ERR_RIGHTS);
	assert_int_equal(port_mint(B, s, 0), -ERR_RIGHTS);
	assert_int_equal(port_mint(B, bn, BADGE_2),
			 -ERR_RIGHTS); /* no rebadging */
	assert_int_equal(port_mint(B, so, BADGE_2), -ERR_RIGHTS);
	assert_int_equal(port_mint(A, (uk_name_t)set, BADGE_2), -ERR_RIGHTS);
	assert_int_equal(port_mint(A, cap, BADGE_2), -ERR_RIGHTS);
	assert_int_equal(port_mint(A, 0, BADGE_2), -ERR_BAD_NAME);
	assert_int_equal(port_mint(A, name_next_generation(r), BADGE_2),
			 -ERR_BAD_NAME);
	assert_table_unchanged(A, &a);
	assert_table_unchanged(B, &b);
	assert_counts_unchanged(port_of(A, r), was);
	assert_int_equal(info(A, r).make_send_count, made);
	assert_int_equal(mint_cap.refs, 1);
}

static void port_mint_on_a_destroyed_port_returns_bad_name(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t bn = give_badged(A, r, BADGE_1, B);

	assert_int_equal(destroy(A, r), 0);
	assert_int_equal(port_mint(A, r, BADGE_1), -ERR_BAD_NAME);
	assert_int_equal(port_mint(B, bn, BADGE_1), -ERR_RIGHTS);
	assert_int_equal(rights_of(B, bn), UK_RIGHT_DEAD_NAME);
}

static void
port_mint_in_a_full_name_table_returns_limit_unless_the_badge_has_a_name(
    void **state)
{
	uk_name_t r = port_new(A);

	run_as(A);
	while (A->task.space.used < IPC_SPACE_MAX - 2)
		assert_true(sys_port_allocate(UK_RIGHT_PORT_SET) > 0);
	uk_name_t n = mint(A, r, BADGE_1); /* the last free name */
	assert_int_equal(A->task.space.used, IPC_SPACE_MAX - 1);
	assert_int_equal(port_mint(A, r, BADGE_2), -ERR_LIMIT);
	/* The same badge needs no new name. */
	assert_int_equal(mint(A, r, BADGE_1), n);
	assert_int_equal(send_refs_of(A, n), 2);
	/* The refused right left nothing behind. */
	assert_int_equal(info(A, r).senders, 2);
	assert_int_equal(port_of(A, r)->refs, 2);
	assert_int_equal(A->task.space.used, IPC_SPACE_MAX - 1);
}

static void
port_deallocate_of_a_badged_right_leaves_the_receive_name(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t n = mint(A, r, BADGE_1);
	struct uk_port_info i;

	assert_int_equal(deallocate(A, n), 0);
	assert_int_equal(info_of(A, n, &i), -ERR_BAD_NAME);
	assert_int_equal(rights_of(A, r), UK_RIGHT_RECEIVE);
	assert_int_equal(info(A, r).senders, 0);
	assert_int_equal(port_of(A, r)->refs, 1);
	assert_int_equal(A->task.space.used, 1);
	/* Minted again, the badge gets a fresh name. */
	uk_name_t again = mint(A, r, BADGE_1);
	assert_int_not_equal(again, n);
	assert_int_equal(badge_of(A, again), BADGE_1);
}

static void port_info_reports_the_badge_of_a_send_right_only(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t bn = give_badged(A, r, BADGE_2, B);
	uk_name_t s = give_send(A, r, B), so = give_send_once(A, r, B);

	make_send(A, r);
	assert_int_equal(badge_of(B, bn), BADGE_2);
	assert_int_equal(badge_of(B, s), 0);
	assert_int_equal(badge_of(B, so), 0);
	assert_int_equal(badge_of(A, r), 0); /* receive and unbadged send */
	/* info_of fills the buffer with 0xee first: badge 0 was written. */
	assert_int_equal(info(A, r).set, 0);
}

/*
 * A name's send references are 32 bits: port_insert_right refuses the
 * copy that would wrap them (ERR_LIMIT), and port_mint must too when the
 * new right joins an existing badged name. White box: the count is set
 * near the top instead of minting 2^32 times.
 */
static void port_mint_onto_a_full_send_count_returns_limit(void **state)
{
	uk_name_t r = port_new(A);
	uk_name_t n = mint(A, r, BADGE_1);
	struct ipc_entry *e = ipc_entry_lookup(&A->task.space, n);
	struct port *p = port_of(A, r);

	e->send_refs = UINT32_MAX;
	p->send_rights = UINT32_MAX;
	int64_t copy = insert_right(A, n, UK_DISP_COPY_SEND);
	int64_t minted = port_mint(A, r, BADGE_1);
	uint32_t refs = e->send_refs, senders = p->send_rights;
	/* Back to the real counts before anything can fail. */
	e->send_refs = 1;
	p->send_rights = 1;
	assert_int_equal(copy, -ERR_LIMIT);
	assert_int_equal(minted, -ERR_LIMIT);
	assert_int_equal(refs, UINT32_MAX);
	assert_int_equal(senders, UINT32_MAX);
}

static void no_senders_waits_for_badged_send_rights_too(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);
	uk_name_t s = give_send(A, r, B);
	uk_name_t b1 = give_badged(A, r, BADGE_1, B);
	uk_name_t c2 = give_badged(A, r, BADGE_2, C);

	assert_int_equal(info(A, r).senders, 3);
	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	assert_int_equal(deallocate(B, s), 0);
	assert_int_equal(queued_on(A, notify), 0);
	assert_int_equal(deallocate(B, b1), 0);
	assert_int_equal(queued_on(A, notify), 0);
	assert_int_equal(info(A, r).senders, 1);
	assert_int_equal(deallocate(C, c2), 0);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
	const struct uk_notification *n = (const void *)received(A);
	assert_int_equal(n->make_send_count, 3);
	expect_empty(A, notify);
}

static void
no_senders_fires_when_the_last_holder_of_a_badged_right_ends(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);
	uk_name_t b1 = give_badged(A, r, BADGE_1, B);

	assert_int_equal(insert_right(B, b1, UK_DISP_COPY_SEND), b1);
	assert_int_equal(send_refs_of(B, b1), 2);
	assert_int_equal(badge_of(B, b1), BADGE_1);
	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	assert_int_equal(queued_on(A, notify), 0);
	task_end(B);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
	assert_int_equal(info(A, r).senders, 0);
}

static void no_senders_waits_for_a_badged_right_the_receiver_holds(void **state)
{
	uk_name_t r = port_new(A), notify = port_new(A);
	uk_name_t n = mint(A, r, BADGE_2);

	assert_int_equal(request(A, r, UK_NOTIFY_NO_SENDERS, notify), 0);
	assert_int_equal(queued_on(A, notify), 0);
	assert_int_equal(deallocate(A, n), 0);
	expect_notification(A, notify, UK_MSG_ID_NO_SENDERS, r);
}

static const struct CMUnitTest ipc_rights_tests[] = {
    /* rights counting */
    IPC_TEST(port_allocate_returns_a_receive_right_without_senders),
    IPC_TEST(port_allocate_of_a_send_right_returns_invalid),
    IPC_TEST(
	port_insert_right_make_send_adds_a_send_reference_under_the_receive_name),
    IPC_TEST(
	port_insert_right_copy_send_adds_a_reference_to_an_existing_send_right),
    IPC_TEST(
	port_insert_right_copy_send_without_a_send_right_returns_rights_error),
    IPC_TEST(
	port_insert_right_make_send_from_a_send_right_returns_rights_error),
    IPC_TEST(port_insert_right_with_a_bad_name_or_disposition_changes_nothing),
    IPC_TEST(port_deallocate_drops_one_send_reference),
    IPC_TEST(port_deallocate_of_the_last_send_reference_frees_the_name),
    IPC_TEST(
	port_deallocate_of_the_last_send_reference_keeps_the_receive_right),
    IPC_TEST(port_deallocate_of_the_last_send_right_fires_no_senders),
    IPC_TEST(no_senders_counts_send_rights_in_every_task),
    IPC_TEST(no_senders_request_on_a_port_without_senders_fires_at_once),
    IPC_TEST(no_senders_fires_once_per_request),
    IPC_TEST(no_senders_request_on_a_send_right_returns_rights_error),
    IPC_TEST(port_insert_right_make_send_once_returns_a_new_name_each_time),
    IPC_TEST(send_once_right_used_by_delivery_does_not_fire_send_once_died),
    IPC_TEST(send_once_right_can_be_used_only_once),
    IPC_TEST(send_once_right_sent_as_copy_send_returns_rights_error),
    IPC_TEST(port_deallocate_of_a_send_once_right_fires_send_once_died),
    /* death and notifications */
    IPC_TEST(port_destroy_turns_send_rights_into_dead_names),
    IPC_TEST(port_destroy_of_a_name_with_a_send_right_leaves_a_dead_name),
    IPC_TEST(port_destroy_of_a_send_right_returns_rights_error),
    IPC_TEST(ipc_send_to_a_dead_name_returns_dead_and_moves_nothing),
    IPC_TEST(ipc_send_of_a_dead_name_in_a_message_returns_dead),
    IPC_TEST(port_deallocate_releases_a_dead_name_and_frees_the_port),
    IPC_TEST(port_destroy_wakes_a_waiting_receiver_with_dead),
    IPC_TEST(port_destroy_destroys_queued_messages_and_releases_their_rights),
    IPC_TEST(port_destroy_of_queued_send_once_rights_fires_send_once_died),
    IPC_TEST(port_destroy_kills_the_ports_whose_receive_rights_were_queued),
    IPC_TEST(dead_name_notification_fires_to_the_requesters_notify_port),
    IPC_TEST(a_notice_cannot_be_aimed_at_another_tasks_port),
    IPC_TEST(dead_name_request_on_a_dead_name_fires_at_once),
    IPC_TEST(dead_name_request_on_a_send_once_right_fires_when_the_port_dies),
    IPC_TEST(dead_name_request_on_a_receive_right_returns_rights_error),
    IPC_TEST(dead_name_request_with_a_dead_notify_port_returns_rights),
    IPC_TEST(
	port_deallocate_of_the_last_send_reference_cancels_its_dead_name_request),
    IPC_TEST(moving_away_the_last_send_reference_cancels_its_dead_name_request),
    IPC_TEST(
	port_deallocate_of_a_send_once_right_cancels_its_dead_name_request),
    /* task release */
    IPC_TEST(ipc_task_release_turns_other_tasks_rights_into_dead_names),
    IPC_TEST(ipc_task_release_of_the_last_sender_fires_no_senders),
    IPC_TEST(
	ipc_task_release_of_an_unused_send_once_right_fires_send_once_died),
    IPC_TEST(
	ipc_task_release_releases_every_right_and_leaves_nothing_allocated),
    IPC_TEST(receive_rights_cannot_be_queued_in_each_others_queues),
    /* 64-bit names */
    IPC_TEST(syscalls_refuse_a_name_cut_to_32_bits),
    /* badges */
    IPC_TEST(port_mint_makes_a_badged_send_right_under_its_own_name),
    IPC_TEST(port_mint_of_a_badge_again_adds_a_reference_to_its_name),
    IPC_TEST(port_mint_of_other_badges_gives_other_names),
    IPC_TEST(port_mint_next_to_an_unbadged_send_right_keeps_both),
    IPC_TEST(port_mint_refuses_badge_zero_and_names_without_a_receive_right),
    IPC_TEST(port_mint_on_a_destroyed_port_returns_bad_name),
    IPC_TEST(
	port_mint_in_a_full_name_table_returns_limit_unless_the_badge_has_a_name),
    IPC_TEST(port_deallocate_of_a_badged_right_leaves_the_receive_name),
    IPC_TEST(port_info_reports_the_badge_of_a_send_right_only),
    IPC_TEST(port_mint_onto_a_full_send_count_returns_limit),
    IPC_TEST(no_senders_waits_for_badged_send_rights_too),
    IPC_TEST(no_senders_fires_when_the_last_holder_of_a_badged_right_ends),
    IPC_TEST(no_senders_waits_for_a_badged_right_the_receiver_holds),
};

int main(void)
{
	int failed = cmocka_run_group_tests_name("ipc_rights", ipc_rights_tests,
						 NULL, NULL);

	failed += _cmocka_run_group_tests("ipc_messages", ipc_message_tests,
					  ipc_message_tests_count, NULL, NULL);
	failed += _cmocka_run_group_tests("ipc_delivery", ipc_delivery_tests,
					  ipc_delivery_tests_count, NULL, NULL);
	return failed;
}
