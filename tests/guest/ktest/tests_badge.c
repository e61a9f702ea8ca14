/* SPDX-License-Identifier: MIT */
/*
 * Identity (issue #11, attack 8): a send right can carry a badge that only
 * the receive right's holder chooses and that arrives with every message
 * sent through it, on the general path and the fast path, across tasks;
 * and a name's 32-bit generation does not come round again after 2^16
 * reuses of its entry, as the old 16-bit one did.
 */
#include <string.h>

#include "ipc_util.h"

static union ipc_buf rx, reply;

DEFINE_TEST(BADGE0001, port_mint_needs_the_receive_right_and_a_nonzero_badge)
{
	uk_name_t port = port_new();
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);

	EXPECT(set > 0);
	EXPECT_ERR(uk_port_mint(port, 0), ERR_INVALID);
	EXPECT_ERR(uk_port_mint(0, 7), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_mint(port ^ 1, 7), ERR_BAD_NAME); /* stale generation */
	EXPECT_ERR(uk_port_mint((uint64_t)set, 7), ERR_RIGHTS);
	long b = uk_port_mint(port, 7);
	EXPECT(b > 0);
	/* A holder of a (badged) send right cannot mint or rebadge. */
	EXPECT_ERR(uk_port_mint((uk_name_t)b, 8), ERR_RIGHTS);
	EXPECT_ERR(uk_port_insert_right((uk_name_t)b, UK_DISP_MAKE_SEND), ERR_RIGHTS);
	EXPECT_EQ(port_info_of((uk_name_t)b).badge, 7);
	uk_port_deallocate((uk_name_t)b);
	uk_port_destroy(port);
	uk_port_destroy((uint64_t)set);
}

DEFINE_TEST(BADGE0002, each_badge_is_its_own_name_and_arrives_with_the_message)
{
	uk_name_t port = port_new();
	long plain = uk_port_insert_right(port, UK_DISP_MAKE_SEND);
	long b1 = uk_port_mint(port, 0xb1);
	long b2 = uk_port_mint(port, 0xb2b2b2b2b2b2b2b2ull);
	long b1again = uk_port_mint(port, 0xb1);

	EXPECT_EQ(plain, port); /* unbadged: the receive right's name, as in Mach */
	EXPECT(b1 > 0 && b2 > 0);
	EXPECT((uk_name_t)b1 != port && (uk_name_t)b2 != port && b1 != b2);
	EXPECT_EQ(b1again, b1); /* same badge: one name, two references */
	struct uk_port_info i1 = port_info_of((uk_name_t)b1);
	EXPECT_EQ(i1.badge, 0xb1);
	EXPECT_EQ(i1.send_refs, 2);
	EXPECT_EQ(i1.rights, UK_RIGHT_SEND);
	EXPECT_EQ(port_info_of((uk_name_t)b2).badge, 0xb2b2b2b2b2b2b2b2ull);
	EXPECT_EQ(port_info_of(port).badge, 0);
	EXPECT_EQ(senders_of(port), 4);
	EXPECT_EQ(port_info_of(port).make_send_count, 4);

	EXPECT_EQ(msg_send_id((uk_name_t)b1, 1, 0), 0);
	EXPECT_EQ(msg_send_id((uk_name_t)b2, 2, 0), 0);
	EXPECT_EQ(msg_send_id(port, 3, 0), 0);
	/* A badge written into the header by the sender is ignored. */
	struct uk_msg_header forged = {.size = sizeof(forged), .id = 4,
				       .dest = port, .badge = 0x666,
				       .sender = 0x777};
	EXPECT_EQ(uk_ipc_send(&forged, sizeof(forged), 0), 0);
	const uint64_t want[] = {0xb1, 0xb2b2b2b2b2b2b2b2ull, 0, 0};
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_EQ(msg_receive(port, &rx, 0), sizeof(struct uk_msg_header));
		EXPECT_EQ(rx.h.id, i + 1);
		EXPECT_EQ(rx.h.badge, want[i]);
		EXPECT_EQ(rx.h.sender, uk_task_self());
	}
	/* Moving a badged right keeps its badge (the reply right of a
	 * message to ourselves comes back as the same name). */
	EXPECT_EQ(msg_send(&(struct msg_spec){.dest = port, .id = 5,
					      .reply = (uk_name_t)b2,
					      .reply_disposition = UK_DISP_MOVE_SEND},
			   0),
		  0);
	EXPECT_EQ(msg_receive(port, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rights_of((uk_name_t)b2), -ERR_BAD_NAME); /* moved out */
	EXPECT_EQ(rights_of(rx.h.reply), UK_RIGHT_SEND);
	EXPECT_EQ(port_info_of(rx.h.reply).badge, 0xb2b2b2b2b2b2b2b2ull);
	uk_port_deallocate((uk_name_t)b1);
	uk_port_deallocate((uk_name_t)b1);
	uk_port_deallocate(rx.h.reply);
	EXPECT_EQ(rights_of((uk_name_t)b1), -ERR_BAD_NAME);
	EXPECT_EQ(senders_of(port), 1);
	uk_port_destroy(port);
}

/* The fast path (a receiver already waiting, a header-only call) delivers
 * the badge too. */
DEFINE_TEST(BADGE0003, a_call_to_a_waiting_receiver_carries_the_badge)
{
	uk_name_t port = port_new();
	long b = uk_port_mint(port, 0xfa57);
	struct bg recv = {.arg = {port, (uint64_t)&rx, sizeof(rx), 5 * SECOND}};

	EXPECT(b > 0);
	bg_start(&recv, bg_receive);
	/* Let the receiver block first, so the call can take the fast path;
	 * either path must deliver the badge. */
	for (int i = 0; i < 10 && !recv.started_ns; i++)
		uk_yield();
	uk_sleep(5 * MS);
	struct uk_msg_header h = {.size = sizeof(h), .id = 42,
				  .dest = (uk_name_t)b};
	EXPECT_ERR(uk_ipc_call(&h, sizeof(h), &reply.h, sizeof(reply), 50 * MS),
		   ERR_TIMED_OUT);
	EXPECT(bg_wait(&recv, 5 * SECOND));
	EXPECT_EQ(recv.rc, sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 42);
	EXPECT_EQ(rx.h.badge, 0xfa57);
	EXPECT(rx.h.reply != 0); /* the send-once reply right */
	EXPECT_EQ(port_info_of(rx.h.reply).badge, 0);
	uk_port_deallocate(rx.h.reply);
	uk_port_deallocate((uk_name_t)b);
	uk_port_destroy(port);
}

/* A badged right given to another task keeps its badge there: the peer
 * sends through it and the message arrives with the badge. */
DEFINE_TEST(BADGE0004, a_badge_travels_with_the_right_to_another_task)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uk_name_t port = port_new();

	if (peer < 0) {
		EXPECT(peer >= 0);
		return;
	}
	for (unsigned i = 0; i < 2; i++) {
		long b = uk_port_mint(port, 0x5eed0000u + i);
		struct uk_msg_port carried = {
		    (uk_name_t)b, i ? UK_DISP_MOVE_SEND : UK_DISP_COPY_SEND};
		EXPECT(peer_call(svc, IPCPEER_SEND_BACK, &carried, 1, "hi", 2,
				 &reply) > 0);
		EXPECT_EQ(msg_receive(port, &rx, SECOND),
			  sizeof(struct uk_msg_header) + 2);
		EXPECT_EQ(rx.h.id, IPCPEER_HELLO);
		EXPECT_EQ(rx.h.badge, 0x5eed0000u + i);
		EXPECT_EQ(rx.h.sender, (uint64_t)peer);
		if (!i)
			uk_port_deallocate((uk_name_t)b);
		else
			EXPECT_EQ(rights_of((uk_name_t)b), -ERR_BAD_NAME);
	}
	EXPECT_EQ(senders_of(port), 0);
	uk_port_destroy(port);
	EXPECT_EQ(peer_call(svc, IPCPEER_QUIT, NULL, 0, NULL, 0, &reply),
		  sizeof(struct uk_msg_header));
	peer_wait(peer, 5 * SECOND);
}

/* Attack 8: with 16-bit generations a name came back after its entry was
 * reused 65,536 times, and then named whatever right sat there. */
DEFINE_TEST(BADGE0005, a_stale_name_stays_stale_past_the_old_16_bit_wrap)
{
	uk_name_t first = port_new();
	uk_name_t n = first;
	unsigned same_index = 0;

	uk_port_destroy(first);
	for (unsigned i = 0; i < 70000; i++) {
		long p = uk_port_allocate(UK_RIGHT_RECEIVE);
		if (p <= 0) {
			EXPECT(p > 0);
			return;
		}
		n = (uk_name_t)p;
		if (n >> 32 == first >> 32)
			same_index++;
		EXPECT(n != first);
		if (n == first)
			break;
		if (rights_of(first) != -ERR_BAD_NAME) {
			EXPECT_EQ(rights_of(first), -ERR_BAD_NAME);
			break;
		}
		if (i + 1 < 70000)
			uk_port_destroy(n);
	}
	/* The entry was reused every time (the free list is LIFO), so the
	 * generations went past 2^16. */
	EXPECT_EQ(same_index, 70000);
	EXPECT_EQ(rights_of(first), -ERR_BAD_NAME);
	EXPECT_EQ(rights_of(n), UK_RIGHT_RECEIVE);
	uk_port_destroy(n);
}
