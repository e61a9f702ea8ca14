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

/* Delegable badges (uk/ipc.h): a server leaves the low bits of a badge to
 * the holder of the right (the proxy), who derives one right per client. */

static struct uk_notification *notice(void)
{
	return (struct uk_notification *)&rx;
}

DEFINE_TEST(BADGE0006, port_mint_delegable_checks_bits_and_badge)
{
	uk_name_t port = port_new();
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	long plain = uk_port_insert_right(port, UK_DISP_MAKE_SEND);

	EXPECT(set > 0);
	EXPECT_EQ(plain, port);
	EXPECT_ERR(uk_port_mint_delegable(port, 0x100, 0), ERR_INVALID);
	EXPECT_ERR(uk_port_mint_delegable(port, 1ull << 40, 33), ERR_INVALID);
	EXPECT_ERR(uk_port_mint_delegable(port, 1ull << 63, 64), ERR_INVALID);
	EXPECT_ERR(uk_port_mint_delegable(port, 0x180, 8), ERR_INVALID); /* bit 7 */
	EXPECT_ERR(uk_port_mint_delegable(port, 0x101, 8), ERR_INVALID); /* bit 0 */
	EXPECT_ERR(uk_port_mint_delegable(port, 0, 8), ERR_INVALID);
	EXPECT_ERR(uk_port_mint_delegable(port, 1ull << 31, 32), ERR_INVALID);
	EXPECT_ERR(uk_port_mint_delegable(0, 0x100, 8), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_mint_delegable(port ^ 1, 0x100, 8), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_mint_delegable((uint64_t)set, 0x100, 8), ERR_RIGHTS);
	EXPECT_EQ(port_info_of(port).make_send_count, 1);

	long d = uk_port_mint_delegable(port, 0x100, 8);
	long d32 = uk_port_mint_delegable(port, 1ull << 32, 32);
	long b = uk_port_mint(port, 0x100);
	EXPECT(d > 0 && d32 > 0 && b > 0);
	struct uk_port_info i = port_info_of((uk_name_t)d);
	EXPECT_EQ(i.rights, UK_RIGHT_SEND);
	EXPECT_EQ(i.badge, 0x100);
	EXPECT_EQ(i.badge_bits, 8);
	EXPECT_EQ(port_info_of((uk_name_t)d32).badge_bits, 32);
	/* The same badge, ordinary: a name of its own, not delegable. */
	EXPECT(b != d);
	EXPECT_EQ(port_info_of((uk_name_t)b).badge, 0x100);
	EXPECT_EQ(port_info_of((uk_name_t)b).badge_bits, 0);
	EXPECT_EQ(port_info_of(port).badge_bits, 0);
	/* Minting the same delegable right again adds a reference. */
	EXPECT_EQ(uk_port_mint_delegable(port, 0x100, 8), d);
	EXPECT_EQ(port_info_of((uk_name_t)d).send_refs, 2);
	/* A holder of a send right, delegable or not, cannot mint. */
	EXPECT_ERR(uk_port_mint_delegable((uk_name_t)d, 0x200, 8), ERR_RIGHTS);
	EXPECT_ERR(uk_port_mint_delegable((uk_name_t)b, 0x200, 8), ERR_RIGHTS);
	EXPECT_EQ(senders_of(port), 5);
	EXPECT_EQ(port_info_of(port).make_send_count, 5);
	/* A message through the delegable right itself carries sub 0. */
	EXPECT_EQ(msg_send_id((uk_name_t)d, 1, 0), 0);
	EXPECT_EQ(msg_receive(port, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.badge, 0x100);
	uk_port_destroy(port);
	uk_port_deallocate(port);
	uk_port_deallocate((uk_name_t)d);
	uk_port_deallocate((uk_name_t)d);
	uk_port_deallocate((uk_name_t)d32);
	uk_port_deallocate((uk_name_t)b);
	EXPECT_EQ(rights_of((uk_name_t)d), -ERR_BAD_NAME);
	uk_port_destroy((uint64_t)set);
}

DEFINE_TEST(BADGE0007, each_derived_right_arrives_with_badge_or_sub)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uk_name_t port = port_new();
	const uint64_t badge = 0xc1e000000ull;
	long d = uk_port_mint_delegable(port, badge, 12);

	if (peer < 0 || d < 0) {
		EXPECT(peer >= 0 && d > 0);
		return;
	}
	long s1 = uk_port_derive((uk_name_t)d, 1);
	long s2 = uk_port_derive((uk_name_t)d, 0xfff);
	EXPECT(s1 > 0 && s2 > 0 && s1 != s2 && s1 != d && s2 != d);
	EXPECT_EQ(port_info_of((uk_name_t)s1).badge, badge | 1);
	EXPECT_EQ(port_info_of((uk_name_t)s2).badge, badge | 0xfff);
	EXPECT_EQ(port_info_of((uk_name_t)s1).badge_bits, 0); /* ordinary */
	EXPECT_EQ(port_info_of((uk_name_t)s1).rights, UK_RIGHT_SEND);
	/* The same sub again: the same name, one more reference. */
	EXPECT_EQ(uk_port_derive((uk_name_t)d, 1), s1);
	EXPECT_EQ(port_info_of((uk_name_t)s1).send_refs, 2);
	/* A derived right merges with an equal right minted by the server. */
	EXPECT_EQ(uk_port_mint(port, badge | 0xfff), s2);
	EXPECT_EQ(port_info_of((uk_name_t)s2).send_refs, 2);
	/* Derived rights are senders, but made from a send right, not from
	 * the receive right: the make-send count has the two mints only. */
	EXPECT_EQ(senders_of(port), 5);
	EXPECT_EQ(port_info_of(port).make_send_count, 2);

	EXPECT_EQ(msg_send_id((uk_name_t)s1, 1, 0), 0);
	EXPECT_EQ(msg_send_id((uk_name_t)s2, 2, 0), 0);
	EXPECT_EQ(msg_send_id((uk_name_t)d, 3, 0), 0);
	const uint64_t want[] = {badge | 1, badge | 0xfff, badge};
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_EQ(msg_receive(port, &rx, 0), sizeof(struct uk_msg_header));
		EXPECT_EQ(rx.h.id, i + 1);
		EXPECT_EQ(rx.h.badge, want[i]);
	}
	/* A moved delegable right stays delegable, and a moved derived right
	 * keeps its badge: both come back to us through a message. */
	EXPECT_EQ(msg_send(&(struct msg_spec){.dest = (uk_name_t)s1, .id = 4,
					      .reply = (uk_name_t)d,
					      .reply_disposition = UK_DISP_MOVE_SEND},
			   0),
		  0);
	EXPECT_EQ(msg_receive(port, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.badge, badge | 1);
	EXPECT_EQ(rights_of((uk_name_t)d), -ERR_BAD_NAME);
	d = (long)rx.h.reply;
	EXPECT_EQ(port_info_of((uk_name_t)d).badge_bits, 12);
	long s3 = uk_port_derive((uk_name_t)d, 3);
	EXPECT(s3 > 0);
	/* In another task the badge and sub arrive together. */
	struct uk_msg_port carried = {(uk_name_t)s3, UK_DISP_MOVE_SEND};
	EXPECT(peer_call(svc, IPCPEER_SEND_BACK, &carried, 1, "hi", 2, &reply) > 0);
	EXPECT_EQ(msg_receive(port, &rx, SECOND), sizeof(struct uk_msg_header) + 2);
	EXPECT_EQ(rx.h.id, IPCPEER_HELLO);
	EXPECT_EQ(rx.h.badge, badge | 3);
	EXPECT_EQ(rx.h.sender, (uint64_t)peer);
	EXPECT_EQ(rights_of((uk_name_t)s3), -ERR_BAD_NAME);
	uk_port_deallocate((uk_name_t)s1);
	uk_port_deallocate((uk_name_t)s1);
	uk_port_deallocate((uk_name_t)s2);
	uk_port_deallocate((uk_name_t)s2);
	uk_port_deallocate((uk_name_t)d);
	EXPECT_EQ(senders_of(port), 0);
	uk_port_destroy(port);
	EXPECT_EQ(peer_call(svc, IPCPEER_QUIT, NULL, 0, NULL, 0, &reply),
		  sizeof(struct uk_msg_header));
	peer_wait(peer, 5 * SECOND);
}

DEFINE_TEST(BADGE0008, port_derive_refuses_what_is_not_delegable_or_out_of_range)
{
	uk_name_t port = port_new();
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	long plain = uk_port_insert_right(port, UK_DISP_MAKE_SEND);
	long b = uk_port_mint(port, 0x700);
	long once = uk_port_insert_right(port, UK_DISP_MAKE_SEND_ONCE);
	long d = uk_port_mint_delegable(port, 0x700, 8);
	long d32 = uk_port_mint_delegable(port, 0xabc00000000ull, 32);

	EXPECT(set > 0 && plain == (long)port && b > 0 && once > 0 && d > 0 && d32 > 0);
	long s = uk_port_derive((uk_name_t)d, 5);
	EXPECT(s > 0);
	long senders = senders_of(port);
	/* Not delegable: a derived right, an ordinary badged one, the
	 * unbadged one (with the receive right under its name), a send-once
	 * right, a port set. */
	EXPECT_ERR(uk_port_derive((uk_name_t)s, 1), ERR_RIGHTS);
	EXPECT_ERR(uk_port_derive((uk_name_t)b, 1), ERR_RIGHTS);
	EXPECT_ERR(uk_port_derive(port, 1), ERR_RIGHTS);
	EXPECT_ERR(uk_port_derive((uk_name_t)once, 1), ERR_RIGHTS);
	EXPECT_ERR(uk_port_derive((uint64_t)set, 1), ERR_RIGHTS);
	EXPECT_ERR(uk_port_derive(0, 1), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_derive((uk_name_t)d ^ 1, 1), ERR_BAD_NAME);
	/* The sub must be nonzero and fit the holder's bits. */
	EXPECT_ERR(uk_port_derive((uk_name_t)d, 0), ERR_INVALID);
	EXPECT_ERR(uk_port_derive((uk_name_t)d, 0x100), ERR_INVALID);
	EXPECT_ERR(uk_port_derive((uk_name_t)d, 0x1ff), ERR_INVALID);
	EXPECT_ERR(uk_port_derive((uk_name_t)d, UINT64_MAX), ERR_INVALID);
	EXPECT_ERR(uk_port_derive((uk_name_t)d32, 1ull << 32), ERR_INVALID);
	EXPECT_EQ(senders_of(port), senders); /* nothing was made */
	long top = uk_port_derive((uk_name_t)d32, 0xffffffffu);
	EXPECT(top > 0);
	EXPECT_EQ(port_info_of((uk_name_t)top).badge, 0xabcffffffffull);
	/* A dead port: nothing to derive a right to. */
	uk_port_destroy(port);
	EXPECT_ERR(uk_port_derive((uk_name_t)d, 6), ERR_DEAD);
	uk_port_deallocate(port);
	uk_port_deallocate((uk_name_t)b);
	uk_port_deallocate((uk_name_t)once);
	uk_port_deallocate((uk_name_t)d);
	uk_port_deallocate((uk_name_t)d32);
	uk_port_deallocate((uk_name_t)s);
	uk_port_deallocate((uk_name_t)top);
	EXPECT_EQ(rights_of((uk_name_t)d), -ERR_BAD_NAME);
	uk_port_destroy((uint64_t)set);
}

DEFINE_TEST(BADGE0009, no_senders_waits_for_the_last_of_the_delegable_and_derived_rights)
{
	uk_name_t port = port_new();
	uk_name_t n = port_new();
	long d = uk_port_mint_delegable(port, 0x4000, 4);
	long s1 = d > 0 ? uk_port_derive((uk_name_t)d, 1) : d;
	long s2 = d > 0 ? uk_port_derive((uk_name_t)d, 2) : d;

	EXPECT(d > 0 && s1 > 0 && s2 > 0);
	EXPECT_EQ(uk_port_derive((uk_name_t)d, 2), s2);
	EXPECT_EQ(senders_of(port), 4);
	EXPECT_EQ(uk_port_request_notification(port, UK_NOTIFY_NO_SENDERS, n), 0);
	/* The right they were derived from goes first; they still count. */
	EXPECT_EQ(uk_port_deallocate((uk_name_t)d), 0);
	EXPECT_EQ(uk_port_deallocate((uk_name_t)s1), 0);
	EXPECT_EQ(uk_port_deallocate((uk_name_t)s2), 0);
	EXPECT_EQ(senders_of(port), 1);
	EXPECT_ERR(msg_receive(n, &rx, 0), ERR_TIMED_OUT);
	EXPECT_EQ(uk_port_deallocate((uk_name_t)s2), 0);
	EXPECT_EQ(senders_of(port), 0);
	EXPECT_EQ(msg_receive(n, &rx, SECOND), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT_EQ(notice()->name, port);
	/* Only the mint counted: the notice is current, not stale. */
	EXPECT_EQ(notice()->make_send_count, 1);
	EXPECT_EQ(notice()->make_send_count, port_info_of(port).make_send_count);
	EXPECT_ERR(msg_receive(n, &rx, 0), ERR_TIMED_OUT);
	uk_port_destroy(port);
	uk_port_destroy(n);
}

/* A derive flood by a task with a small quota ends in an error from its
 * own account, never a panic or anybody else's memory; when the task dies
 * every right it derived and every byte come back, and no-senders then
 * fires exactly when our own right goes. */
DEFINE_TEST(BADGE0010, a_derive_flood_is_bounded_by_the_quota_and_given_back)
{
	uk_name_t port = port_new();
	uk_name_t n = port_new();
	long d = uk_port_mint_delegable(port, 0xf1000000ull, 24);
	const char *argv[] = {"hostile", "derive-flood", NULL};
	struct uk_task_right r[2] = {{ns_port(), UK_DISP_COPY_SEND},
				     {(uk_name_t)d, UK_DISP_COPY_SEND}};
	struct uk_exit_status st;

	EXPECT(d > 0);
	EXPECT_EQ(uk_port_request_notification(port, UK_NOTIFY_NO_SENDERS, n), 0);
	uk_sleep(10 * MS); /* tasks ended by earlier tests are freed */
	struct uk_kinfo_memory before = kernel_memory();
	long id = spawn_image_quota(hostile_image, HOSTILE_SIZE, "hostile", argv,
				    UK_PRIORITY_DEFAULT, SPAWN_MCP_INHERIT,
				    1ull << 20, r, 2);
	EXPECT(id > 0);
	if (id <= 0)
		return;
	struct {
		struct uk_msg_header h;
		int64_t count, error;
	} *report = (void *)&rx;
	EXPECT_EQ(msg_receive(port, &rx, 10 * SECOND), sizeof(*report));
	EXPECT_EQ(rx.h.id, 0xd1);
	EXPECT_EQ(rx.h.badge, 0xf1000000ull); /* the delegable right itself */
	EXPECT_EQ(rx.h.sender, (uint64_t)id);
	int64_t count = report->count;
	printf("ktest:   derive flood: %ld rights, then %s\n", (long)count,
	       err_name(report->error));
	EXPECT_ERR(report->error, ERR_LIMIT);
	/* Its table stopped growing at its quota, long before the table's
	 * own limit (IPC_SPACE_MAX, 4096 names). */
	EXPECT(count > 100 && count < 1024);
	EXPECT_EQ(senders_of(port), 2 + count);
	struct uk_kinfo_memory during = kernel_memory();
	/* Its quota, and a few slab pages for its kernel objects. */
	EXPECT(before.frames_free - during.frames_free <=
	       (1u << 20) / UK_PAGE_SIZE + 16);
	uk_task_kill((uint64_t)id);
	EXPECT_EQ(wait_task((uint64_t)id, &st, 10 * SECOND), 0);
	EXPECT_EQ(senders_of(port), 1);
	EXPECT_ERR(msg_receive(n, &rx, 0), ERR_TIMED_OUT);
	struct uk_kinfo_memory after = kernel_memory();
	for (int i = 0; i < 100 && (after.frames_free != before.frames_free ||
				    after.kobjects_in_use != before.kobjects_in_use);
	     i++) {
		uk_sleep(10 * MS);
		after = kernel_memory();
	}
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	EXPECT_EQ(uk_port_deallocate((uk_name_t)d), 0);
	EXPECT_EQ(msg_receive(n, &rx, SECOND), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_NO_SENDERS);
	uk_port_destroy(port);
	uk_port_destroy(n);
}

/* The fast path reads the badge a derived right carries like any other. */
DEFINE_TEST(BADGE0011, a_call_through_a_derived_right_carries_badge_and_sub)
{
	uk_name_t port = port_new();
	long d = uk_port_mint_delegable(port, 0xfa5700, 8);
	long s = d > 0 ? uk_port_derive((uk_name_t)d, 0x42) : d;
	struct bg recv = {.arg = {port, (uint64_t)&rx, sizeof(rx), 5 * SECOND}};

	EXPECT(d > 0 && s > 0);
	bg_start(&recv, bg_receive);
	/* Let the receiver block first, so the call can take the fast path;
	 * either path must deliver the badge. */
	for (int i = 0; i < 10 && !recv.started_ns; i++)
		uk_yield();
	uk_sleep(5 * MS);
	struct uk_msg_header h = {.size = sizeof(h), .id = 43,
				  .dest = (uk_name_t)s};
	EXPECT_ERR(uk_ipc_call(&h, sizeof(h), &reply.h, sizeof(reply), 50 * MS),
		   ERR_TIMED_OUT);
	EXPECT(bg_wait(&recv, 5 * SECOND));
	EXPECT_EQ(recv.rc, sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 43);
	EXPECT_EQ(rx.h.badge, 0xfa5742);
	EXPECT(rx.h.reply != 0);
	uk_port_deallocate(rx.h.reply);
	uk_port_deallocate((uk_name_t)s);
	uk_port_deallocate((uk_name_t)d);
	uk_port_destroy(port);
}
