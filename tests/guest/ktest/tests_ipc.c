/* SPDX-License-Identifier: MIT */
/*
 * IPC inside one task: ports, port sets and rights; messages, their
 * validation, limits and timeouts; rights carried in messages; blocking
 * senders and receivers (on background threads). docs/ARCHITECTURE.md
 * ("IPC") is the specification these tests pin. Tests between tasks are
 * in tests_ipc_peer.c.
 */
#include <string.h>

#include "ipc_util.h"

#define KERNEL_PTR 0xffffffff80100000ull
#define DIRECT_MAP_PTR 0xffff800000001000ull
#define NONCANONICAL_PTR 0x0000800000000000ull
#define UNMAPPED_PTR 0x0000500000000000ull
#define TEXT_PTR 0x400000ull /* this program's text: mapped read-only */

static union ipc_buf rx, tx;

static void fill_pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 8));
}

DEFINE_TEST(IPC0001, port_allocate_makes_receive_rights_and_port_sets)
{
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	long s = uk_port_allocate(UK_RIGHT_PORT_SET);

	EXPECT(p > 0);
	EXPECT(s > 0);
	EXPECT(p != s);
	struct uk_port_info info;
	EXPECT_EQ(uk_port_info((uint64_t)p, &info), 0);
	EXPECT_EQ(info.rights, UK_RIGHT_RECEIVE);
	EXPECT_EQ(info.send_refs, 0);
	EXPECT_EQ(info.queued, 0);
	EXPECT_EQ(info.queue_limit, UK_PORT_QUEUE_DEFAULT);
	EXPECT_EQ(info.senders, 0);
	EXPECT_EQ(info.set, 0);
	EXPECT_EQ(rights_of((uk_name_t)s), UK_RIGHT_PORT_SET);

	static const uint64_t bad[] = {
	    0,
	    UK_RIGHT_SEND,
	    UK_RIGHT_SEND_ONCE,
	    UK_RIGHT_DEAD_NAME,
	    UK_RIGHT_HARDWARE,
	    UK_RIGHT_RECEIVE | UK_RIGHT_SEND,
	    UK_RIGHT_RECEIVE | UK_RIGHT_PORT_SET,
	    (1ull << 32) | UK_RIGHT_RECEIVE,
	    UINT64_MAX,
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(uk_port_allocate(bad[i]), ERR_INVALID);

	/* Many ports get many distinct names. */
	static long names[200];
	for (int i = 0; i < 200; i++) {
		names[i] = uk_port_allocate(UK_RIGHT_RECEIVE);
		EXPECT(names[i] > 0);
		for (int j = 0; j < i; j++)
			if (names[j] == names[i])
				ktest_fail(__FILE__, __LINE__, "name %lx twice",
					   names[i]);
	}
	for (int i = 0; i < 200; i++)
		EXPECT_EQ(uk_port_destroy((uint64_t)names[i]), 0);
	EXPECT_EQ(uk_port_destroy((uint64_t)p), 0);
	EXPECT_EQ(uk_port_destroy((uint64_t)s), 0);
	EXPECT_ERR(uk_port_info((uint64_t)p, &info), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_info((uint64_t)s, &info), ERR_BAD_NAME);
}

DEFINE_TEST(IPC0002, port_destroy_kills_the_port_and_leaves_send_rights_dead)
{
	uk_name_t p = port_new();
	uk_name_t q = port_new_send(2);
	uk_name_t r = port_new();
	long so = uk_port_insert_right(r, UK_DISP_MAKE_SEND_ONCE);

	EXPECT_ERR(uk_port_destroy(0), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_destroy((uint64_t)so), ERR_RIGHTS);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_ERR(uk_port_destroy(p), ERR_BAD_NAME);
	EXPECT_ERR(rights_of(p), ERR_BAD_NAME);

	/* q holds RECEIVE and two SEND references: the name stays, dead. */
	EXPECT_EQ(uk_port_destroy(q), 0);
	struct uk_port_info info = port_info_of(q);
	EXPECT_EQ(info.rights, UK_RIGHT_DEAD_NAME);
	EXPECT_EQ(info.send_refs, 2);
	EXPECT_ERR(uk_port_destroy(q), ERR_RIGHTS);
	EXPECT_ERR(msg_send_id(q, 1, 0), ERR_DEAD);
	EXPECT_ERR(uk_port_insert_right(q, UK_DISP_COPY_SEND), ERR_DEAD);
	EXPECT_EQ(uk_port_deallocate(q), 0);
	EXPECT_EQ(rights_of(q), UK_RIGHT_DEAD_NAME);
	EXPECT_EQ(uk_port_deallocate(q), 0);
	EXPECT_ERR(rights_of(q), ERR_BAD_NAME);

	/* A send-once right to a destroyed port is a dead name too. */
	EXPECT_EQ(uk_port_destroy(r), 0);
	EXPECT_EQ(rights_of((uk_name_t)so), UK_RIGHT_DEAD_NAME);
	EXPECT_EQ(uk_port_deallocate((uint64_t)so), 0);
	EXPECT_ERR(rights_of((uk_name_t)so), ERR_BAD_NAME);
}

DEFINE_TEST(IPC0003,
	    destroying_a_port_destroys_its_queued_messages_and_their_rights)
{
	uk_name_t p = port_new_send(1);
	uk_name_t carried = port_new();

	struct uk_msg_port d[1] = {{carried, UK_DISP_MAKE_SEND}};
	struct msg_spec s = {.dest = p, .id = 7, .ports = d, .n_ports = 1};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_EQ(queued_on(p), 2);
	EXPECT_EQ(senders_of(carried), 2); /* the rights in flight count */
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(senders_of(carried), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_EQ(uk_port_destroy(carried), 0);
}

DEFINE_TEST(IPC0004, port_deallocate_drops_one_reference_at_a_time)
{
	uk_name_t p = port_new_send(3);
	struct uk_port_info info = port_info_of(p);

	EXPECT_EQ(info.rights, UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	EXPECT_EQ(info.send_refs, 3);
	EXPECT_EQ(info.senders, 3);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	info = port_info_of(p);
	EXPECT_EQ(info.send_refs, 2);
	EXPECT_EQ(info.senders, 2);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	info = port_info_of(p);
	EXPECT_EQ(info.rights, UK_RIGHT_RECEIVE);
	EXPECT_EQ(info.send_refs, 0);
	EXPECT_EQ(info.senders, 0);
	/* No send right left; the receive right is not touched. */
	EXPECT_ERR(uk_port_deallocate(p), ERR_RIGHTS);
	EXPECT_EQ(rights_of(p), UK_RIGHT_RECEIVE);

	long s = uk_port_allocate(UK_RIGHT_PORT_SET);
	EXPECT_ERR(uk_port_deallocate((uint64_t)s), ERR_RIGHTS);
	EXPECT_ERR(uk_port_deallocate(0), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_deallocate(0xffff), ERR_BAD_NAME);
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	EXPECT(so > 0);
	EXPECT_EQ(uk_port_deallocate((uint64_t)so), 0);
	EXPECT_ERR(uk_port_deallocate((uint64_t)so), ERR_BAD_NAME);
	EXPECT_EQ(uk_port_destroy((uint64_t)s), 0);
	EXPECT_EQ(uk_port_destroy(p), 0);
}

DEFINE_TEST(IPC0005, port_insert_right_makes_and_copies_rights)
{
	uk_name_t p = port_new();
	long s = uk_port_allocate(UK_RIGHT_PORT_SET);

	EXPECT_ERR(uk_port_insert_right(p, UK_DISP_COPY_SEND), ERR_RIGHTS);
	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_MAKE_SEND), p);
	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_COPY_SEND), p);
	struct uk_port_info info = port_info_of(p);
	EXPECT_EQ(info.rights, UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	EXPECT_EQ(info.send_refs, 2);
	EXPECT_EQ(info.senders, 2);

	/* Each send-once right gets a name of its own and is not a sender. */
	long so1 = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	long so2 = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	EXPECT(so1 > 0 && so2 > 0);
	EXPECT(so1 != (long)p && so2 != (long)p && so1 != so2);
	EXPECT_EQ(rights_of((uk_name_t)so1), UK_RIGHT_SEND_ONCE);
	EXPECT_EQ(senders_of(p), 2);
	EXPECT_ERR(uk_port_insert_right((uint64_t)so1, UK_DISP_MAKE_SEND),
		   ERR_RIGHTS);
	EXPECT_ERR(uk_port_insert_right((uint64_t)so1, UK_DISP_COPY_SEND),
		   ERR_RIGHTS);
	EXPECT_ERR(uk_port_insert_right((uint64_t)so1, UK_DISP_MAKE_SEND_ONCE),
		   ERR_RIGHTS);
	EXPECT_ERR(uk_port_insert_right((uint64_t)s, UK_DISP_MAKE_SEND),
		   ERR_RIGHTS);
	EXPECT_ERR(uk_port_insert_right(0, UK_DISP_MAKE_SEND), ERR_BAD_NAME);

	static const uint64_t bad[] = {UK_DISP_NONE,
				       UK_DISP_MOVE_RECEIVE,
				       UK_DISP_MOVE_SEND,
				       UK_DISP_MOVE_SEND_ONCE,
				       99,
				       UINT64_MAX};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(uk_port_insert_right(p, bad[i]), ERR_INVALID);
	info = port_info_of(p);
	EXPECT_EQ(info.send_refs, 2); /* the refused calls changed nothing */

	EXPECT_EQ(uk_port_deallocate((uint64_t)so1), 0);
	EXPECT_EQ(uk_port_deallocate((uint64_t)so2), 0);
	EXPECT_EQ(uk_port_destroy((uint64_t)s), 0);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_ERR(rights_of(p), ERR_BAD_NAME);
}

DEFINE_TEST(IPC0006, port_info_counts_queue_limit_and_senders)
{
	uk_name_t p = port_new_send(1);
	struct uk_port_info info;

	for (int i = 0; i < 3; i++)
		EXPECT_EQ(msg_send_id(p, (uint32_t)i, 0), 0);
	EXPECT_EQ(uk_port_set_limit(p, 5), 0);
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	EXPECT_EQ(uk_port_info(p, &info), 0);
	EXPECT_EQ(info.rights, UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	EXPECT_EQ(info.send_refs, 1);
	EXPECT_EQ(info.queued, 3);
	EXPECT_EQ(info.queue_limit, 5);
	/* A queued message holds its destination's send right until it is
	 * received: one here and three in flight. */
	EXPECT_EQ(info.senders, 4);
	EXPECT_EQ(info.set, 0);
	/* A send-once name shows no queue: it is not the receive right. */
	EXPECT_EQ(uk_port_info((uint64_t)so, &info), 0);
	EXPECT_EQ(info.rights, UK_RIGHT_SEND_ONCE);
	EXPECT_EQ(info.queued, 0);
	EXPECT_EQ(info.queue_limit, 0);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(queued_on(p), 2);
	EXPECT_EQ(senders_of(p), 3);

	static const uint64_t bad_ptr[] = {0,
					   8,
					   KERNEL_PTR,
					   DIRECT_MAP_PTR,
					   NONCANONICAL_PTR,
					   UNMAPPED_PTR,
					   TEXT_PTR,
					   UINT64_MAX};
	for (unsigned i = 0; i < sizeof(bad_ptr) / sizeof(bad_ptr[0]); i++)
		EXPECT_ERR(uk_port_info(p, (struct uk_port_info *)bad_ptr[i]),
			   ERR_FAULT);
	EXPECT_ERR(uk_port_info(0, &info), ERR_BAD_NAME);
	EXPECT_EQ(uk_port_deallocate((uint64_t)so), 0);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
}

DEFINE_TEST(IPC0007, port_set_limit_bounds_the_queue)
{
	uk_name_t p = port_new_send(1);
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	long s = uk_port_allocate(UK_RIGHT_PORT_SET);

	EXPECT_ERR(uk_port_set_limit(p, 0), ERR_INVALID);
	EXPECT_ERR(uk_port_set_limit(p, UK_PORT_QUEUE_MAX + 1), ERR_INVALID);
	EXPECT_ERR(uk_port_set_limit(p, UINT64_MAX), ERR_INVALID);
	EXPECT_ERR(uk_port_set_limit((uint64_t)so, 4), ERR_RIGHTS);
	EXPECT_ERR(uk_port_set_limit((uint64_t)s, 4), ERR_RIGHTS);
	EXPECT_ERR(uk_port_set_limit(0, 4), ERR_BAD_NAME);
	EXPECT_EQ(uk_port_set_limit(p, UK_PORT_QUEUE_MAX), 0);
	EXPECT_EQ(port_info_of(p).queue_limit, UK_PORT_QUEUE_MAX);

	/* The default limit holds 16 messages. */
	EXPECT_EQ(uk_port_set_limit(p, UK_PORT_QUEUE_DEFAULT), 0);
	for (unsigned i = 0; i < UK_PORT_QUEUE_DEFAULT; i++)
		EXPECT_EQ(msg_send_id(p, i, 0), 0);
	EXPECT_ERR(msg_send_id(p, 99, 0), ERR_TIMED_OUT);
	EXPECT_EQ(queued_on(p), UK_PORT_QUEUE_DEFAULT);
	/* A send-once destination never waits, even on a full queue. */
	struct msg_spec once = {.dest = (uk_name_t)so,
				.dest_disposition = UK_DISP_MOVE_SEND_ONCE,
				.id = 100};
	EXPECT_EQ(msg_send(&once, 0), 0);
	EXPECT_EQ(queued_on(p), UK_PORT_QUEUE_DEFAULT + 1);
	while (msg_receive(p, &rx, 0) > 0)
		;

	EXPECT_EQ(uk_port_set_limit(p, 1), 0);
	EXPECT_EQ(msg_send_id(p, 1, 0), 0);
	EXPECT_ERR(msg_send_id(p, 2, 0), ERR_TIMED_OUT);
	EXPECT_EQ(queued_on(p), 1);
	/* Raising the limit makes room at once. */
	EXPECT_EQ(uk_port_set_limit(p, 2), 0);
	EXPECT_EQ(msg_send_id(p, 2, 0), 0);
	EXPECT_ERR(msg_send_id(p, 3, 0), ERR_TIMED_OUT);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 1);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 2);
	EXPECT_EQ(uk_port_destroy((uint64_t)s), 0);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
}

DEFINE_TEST(IPC0008, inline_messages_arrive_intact_up_to_the_inline_limit)
{
	static const uint32_t sizes[] = {
	    0,	 1,   8,   88,	 119,  120,  121,
	    200, 224, 225, 1000, 4064, 4065, UK_MSG_INLINE_MAX};
	static uint8_t body[UK_MSG_INLINE_MAX];
	uk_name_t p = port_new_send(1);
	uint64_t self = (uint64_t)uk_task_self();

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t len = sizes[i];
		fill_pattern(body, len, i + 1);
		struct msg_spec s = {
		    .dest = p, .id = 0x500 + i, .body = body, .len = len};
		EXPECT_EQ(msg_send(&s, 0), 0);
		memset(&rx, 0xee, sizeof(rx));
		long rc = msg_receive(p, &rx, 0);
		EXPECT_EQ(rc, sizeof(struct uk_msg_header) + len);
		EXPECT_EQ(rx.h.size, sizeof(struct uk_msg_header) + len);
		EXPECT_EQ(rx.h.id, 0x500 + i);
		EXPECT_EQ(rx.h.dest, p);
		EXPECT_EQ(rx.h.reply, 0);
		EXPECT_EQ(rx.h.n_ports, 0);
		EXPECT_EQ(rx.h.flags, 0);
		EXPECT_EQ(rx.h.sender, self);
		if (memcmp(msg_body(&rx.h), body, len))
			ktest_fail(__FILE__, __LINE__,
				   "body of %u bytes differs", len);
	}
	/* The most a message can carry: 16 rights and 4096 inline bytes. */
	struct uk_msg_port d[UK_MSG_PORTS_MAX];
	for (unsigned i = 0; i < UK_MSG_PORTS_MAX; i++)
		d[i] = (struct uk_msg_port){p, UK_DISP_COPY_SEND};
	fill_pattern(body, UK_MSG_INLINE_MAX, 77);
	struct msg_spec big = {.dest = p,
			       .id = 9,
			       .ports = d,
			       .n_ports = UK_MSG_PORTS_MAX,
			       .body = body,
			       .len = UK_MSG_INLINE_MAX};
	EXPECT_EQ(msg_send(&big, 0), 0);
	long rc = msg_receive(p, &rx, 0);
	EXPECT_EQ(rc,
		  sizeof(struct uk_msg_header) + sizeof(d) + UK_MSG_INLINE_MAX);
	EXPECT_EQ(rx.h.n_ports, UK_MSG_PORTS_MAX);
	EXPECT(!memcmp(msg_body(&rx.h), body, UK_MSG_INLINE_MAX));
	EXPECT_EQ(port_info_of(p).send_refs, 1 + UK_MSG_PORTS_MAX);
	EXPECT_EQ(uk_port_destroy(p), 0);
	while (uk_port_deallocate(p) == 0)
		;
}

DEFINE_TEST(IPC0009, more_than_the_inline_limit_is_too_big)
{
	static uint8_t body[UK_MSG_SIZE_MAX];
	uk_name_t p = port_new_send(1);

	struct msg_spec s = {
	    .dest = p, .id = 1, .body = body, .len = UK_MSG_INLINE_MAX + 1};
	EXPECT_ERR(msg_send(&s, 0), ERR_TOO_BIG);
	/* Room a message does not use for descriptors is not inline room. */
	s.len =
	    (uint32_t)UK_MSG_SIZE_MAX - (uint32_t)sizeof(struct uk_msg_header);
	EXPECT_ERR(msg_send(&s, 0), ERR_TOO_BIG);
	EXPECT_EQ(queued_on(p), 0);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
}

DEFINE_TEST(IPC0010, message_sizes_beyond_the_maximum_are_too_big)
{
	uk_name_t p = port_new_send(1);
	struct uk_msg_header *h = &tx.h;

	memset(&tx, 0, sizeof(tx));
	h->dest = p;
	static const uint64_t sizes[] = {
	    UK_MSG_SIZE_MAX + 1, UK_MSG_SIZE_MAX + 4096,
	    1ull << 32,		 (1ull << 32) + 64,
	    1ull << 40,		 UINT64_MAX};
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		h->size = (uint32_t)sizes[i];
		EXPECT_ERR(uk_ipc_send(h, sizes[i], 0), ERR_TOO_BIG);
		EXPECT_ERR(uk_ipc_call(h, sizes[i], &rx.h, sizeof(rx), 0),
			   ERR_TOO_BIG);
	}
	EXPECT_EQ(queued_on(p), 0);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
}

DEFINE_TEST(IPC0011, malformed_headers_are_invalid_and_change_nothing)
{
	uk_name_t p = port_new_send(1);
	uk_name_t q = port_new();
	uk_name_t r = port_new();
	struct uk_msg_header *h = &tx.h;
	uint32_t size;

	/* Shorter than a header. */
	memset(&tx, 0, sizeof(tx));
	h->size = 32;
	h->dest = p;
	EXPECT_ERR(uk_ipc_send(h, 0, 0), ERR_INVALID);
	EXPECT_ERR(uk_ipc_send(h, 1, 0), ERR_INVALID);
	EXPECT_ERR(uk_ipc_send(h, 31, 0), ERR_INVALID);
	/* The header's size disagrees with the call's. */
	h->size = 40;
	EXPECT_ERR(uk_ipc_send(h, 32, 0), ERR_INVALID);
	h->size = 32;
	EXPECT_ERR(uk_ipc_send(h, 40, 0), ERR_INVALID);
	EXPECT_ERR(uk_ipc_call(h, 40, &rx.h, sizeof(rx), 0), ERR_INVALID);
	/* Too many port descriptors, or fewer bytes than they need. */
	struct uk_msg_port d[UK_MSG_PORTS_MAX + 1];
	for (unsigned i = 0; i <= UK_MSG_PORTS_MAX; i++)
		d[i] = (struct uk_msg_port){q, UK_DISP_MAKE_SEND};
	struct msg_spec s = {
	    .dest = p, .ports = d, .n_ports = UK_MSG_PORTS_MAX + 1};
	size = msg_build(&tx, &s);
	EXPECT_ERR(uk_ipc_send(h, size, 0), ERR_INVALID);
	s.n_ports = 2;
	size = msg_build(&tx, &s);
	h->size = size - 8;
	EXPECT_ERR(uk_ipc_send(h, size - 8, 0), ERR_INVALID);

	/* Dispositions that cannot be used where they are. */
	static const uint8_t bad_dest[] = {UK_DISP_MOVE_RECEIVE,
					   UK_DISP_MAKE_SEND,
					   UK_DISP_MAKE_SEND_ONCE,
					   9,
					   99,
					   255};
	for (unsigned i = 0; i < sizeof(bad_dest); i++) {
		struct msg_spec b = {.dest = p,
				     .dest_disposition = bad_dest[i]};
		EXPECT_ERR(msg_send(&b, 0), ERR_INVALID);
	}
	struct msg_spec no_reply = {
	    .dest = p, .reply_disposition = UK_DISP_MAKE_SEND_ONCE};
	EXPECT_ERR(msg_send(&no_reply, 0), ERR_INVALID);
	struct msg_spec reply_none = {.dest = p, .reply = r};
	EXPECT_ERR(msg_send(&reply_none, 0), ERR_INVALID);
	struct msg_spec reply_receive = {
	    .dest = p, .reply = r, .reply_disposition = UK_DISP_MOVE_RECEIVE};
	EXPECT_ERR(msg_send(&reply_receive, 0), ERR_INVALID);
	static const uint32_t bad_port[] = {UK_DISP_NONE, 9, 99, UINT32_MAX};
	for (unsigned i = 0; i < sizeof(bad_port) / sizeof(bad_port[0]); i++) {
		struct uk_msg_port one = {q, bad_port[i]};
		struct msg_spec b = {.dest = p, .ports = &one, .n_ports = 1};
		EXPECT_ERR(msg_send(&b, 0), ERR_INVALID);
	}
	/* ipc_call supplies the reply right itself. */
	struct msg_spec call_reply = {
	    .dest = p, .reply = r, .reply_disposition = UK_DISP_MAKE_SEND_ONCE};
	size = msg_build(&tx, &call_reply);
	EXPECT_ERR(uk_ipc_call(h, size, &rx.h, sizeof(rx), 10 * MS),
		   ERR_INVALID);
	/* A receive right cannot travel in its own queue. */
	struct uk_msg_port own = {p, UK_DISP_MOVE_RECEIVE};
	struct msg_spec into_itself = {.dest = p, .ports = &own, .n_ports = 1};
	EXPECT_ERR(msg_send(&into_itself, 0), ERR_INVALID);
	/* A name moved out appears once only. */
	struct uk_msg_port twice[2] = {{q, UK_DISP_MOVE_RECEIVE},
				       {q, UK_DISP_MAKE_SEND}};
	struct msg_spec moved_twice = {.dest = p, .ports = twice, .n_ports = 2};
	EXPECT_ERR(msg_send(&moved_twice, 0), ERR_INVALID);
	struct msg_spec dest_moved = {
	    .dest = p,
	    .dest_disposition = UK_DISP_MOVE_SEND,
	    .ports = (struct uk_msg_port[]){{p, UK_DISP_COPY_SEND}},
	    .n_ports = 1};
	EXPECT_ERR(msg_send(&dest_moved, 0), ERR_INVALID);

	/* None of it queued anything or moved a right. */
	EXPECT_EQ(queued_on(p), 0);
	EXPECT_EQ(port_info_of(p).send_refs, 1);
	EXPECT_EQ(rights_of(q), UK_RIGHT_RECEIVE);
	EXPECT_EQ(senders_of(q), 0);
	EXPECT_EQ(rights_of(r), UK_RIGHT_RECEIVE);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_EQ(uk_port_destroy(q), 0);
	EXPECT_EQ(uk_port_destroy(r), 0);
}

DEFINE_TEST(IPC0012, bad_names_fail_without_touching_other_rights)
{
	uk_name_t p = port_new_send(1);
	uk_name_t q = port_new();
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	uk_name_t stale = port_new_send(1);

	EXPECT_EQ(uk_port_destroy(stale), 0);
	EXPECT_EQ(uk_port_deallocate(stale), 0);
	/* The slot is reused under a new generation: the old name stays bad. */
	uk_name_t reuse = port_new_send(1);
	EXPECT(reuse != stale);
	static const uint32_t bad[] = {0, 0xffff, 0x7fff0001, UINT32_MAX};

	for (unsigned i = 0; i < 5; i++) {
		uk_name_t n = i < 4 ? bad[i] : stale;
		EXPECT_ERR(msg_send_id(n, 1, 0), ERR_BAD_NAME);
		EXPECT_ERR(msg_receive(n, &rx, 0), ERR_BAD_NAME);
		EXPECT_ERR(uk_port_destroy(n), ERR_BAD_NAME);
		EXPECT_ERR(uk_port_deallocate(n), ERR_BAD_NAME);
		EXPECT_ERR(uk_port_insert_right(n, UK_DISP_MAKE_SEND),
			   ERR_BAD_NAME);
		EXPECT_ERR(uk_port_set_limit(n, 2), ERR_BAD_NAME);
		EXPECT_ERR(uk_port_set_add((uint64_t)set, n), ERR_BAD_NAME);
		EXPECT_ERR(uk_port_set_add(n, p), ERR_BAD_NAME);
		EXPECT_ERR(uk_port_set_remove(n), ERR_BAD_NAME);
		EXPECT_ERR(
		    uk_port_request_notification(n, UK_NOTIFY_DEAD_NAME, p),
		    ERR_BAD_NAME);
		EXPECT_ERR(
		    uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n),
		    ERR_BAD_NAME);
		struct uk_msg_port d = {n, UK_DISP_COPY_SEND};
		struct msg_spec with_port = {
		    .dest = p, .ports = &d, .n_ports = 1};
		EXPECT_ERR(msg_send(&with_port, 0), ERR_BAD_NAME);
		struct msg_spec with_reply = {.dest = p,
					      .reply = n,
					      .reply_disposition =
						  UK_DISP_MAKE_SEND_ONCE};
		/* (A reply disposition without a reply name is malformed.) */
		EXPECT_ERR(msg_send(&with_reply, 0),
			   n ? ERR_BAD_NAME : ERR_INVALID);
		struct msg_spec call = {.dest = n};
		uint32_t size = msg_build(&tx, &call);
		EXPECT_ERR(uk_ipc_call(&tx.h, size, &rx.h, sizeof(rx), 10 * MS),
			   ERR_BAD_NAME);
		EXPECT_ERR(
		    uk_ipc_reply_receive(NULL, 0, n, &rx.h, sizeof(rx), 0),
		    ERR_BAD_NAME);
	}
	/* Names of the wrong kind. */
	EXPECT_ERR(msg_send_id(q, 1, 0), ERR_RIGHTS); /* receive only */
	EXPECT_ERR(msg_send_id((uk_name_t)set, 1, 0), ERR_RIGHTS);
	EXPECT_ERR(msg_send_id((uk_name_t)so, 1, 0),
		   ERR_RIGHTS); /* COPY_SEND of send-once */
	struct msg_spec move_send = {.dest = (uk_name_t)so,
				     .dest_disposition = UK_DISP_MOVE_SEND};
	EXPECT_ERR(msg_send(&move_send, 0), ERR_RIGHTS);
	struct msg_spec once_of_send = {
	    .dest = p, .dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	EXPECT_ERR(msg_send(&once_of_send, 0), ERR_RIGHTS);
	EXPECT_ERR(msg_receive((uk_name_t)so, &rx, 0), ERR_RIGHTS);
	struct uk_msg_port recv_of_send = {(uk_name_t)so, UK_DISP_MOVE_RECEIVE};
	struct msg_spec b = {.dest = p, .ports = &recv_of_send, .n_ports = 1};
	EXPECT_ERR(msg_send(&b, 0), ERR_RIGHTS);
	struct uk_msg_port make_of_set = {(uk_name_t)set, UK_DISP_MAKE_SEND};
	b.ports = &make_of_set;
	EXPECT_ERR(msg_send(&b, 0), ERR_RIGHTS);

	/* Everything else is as it was. */
	EXPECT_EQ(queued_on(p), 0);
	EXPECT_EQ(port_info_of(p).send_refs, 1);
	EXPECT_EQ(rights_of((uk_name_t)so), UK_RIGHT_SEND_ONCE);
	EXPECT_EQ(rights_of(q), UK_RIGHT_RECEIVE);
	EXPECT_EQ(port_info_of(reuse).send_refs, 1);
	EXPECT_EQ(rights_of((uk_name_t)set), UK_RIGHT_PORT_SET);
	uk_port_deallocate((uint64_t)so);
	uk_port_destroy(p);
	uk_port_deallocate(p);
	uk_port_destroy(q);
	uk_port_destroy(reuse);
	uk_port_deallocate(reuse);
	uk_port_destroy((uint64_t)set);
}

/* A name is (index << 32 | generation): a high index bit or a generation
 * 2^16 on (where 16-bit generations wrapped) names nothing. */
DEFINE_TEST(IPC0013, names_with_a_wrong_index_or_generation_are_bad_names)
{
	uk_name_t p = port_new_send(1);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	uint64_t hi = p | (1ull << 62), hiset = (uint64_t)set + 0x10000;
	struct uk_port_info info;

	EXPECT_EQ(msg_send_id(p, 1, 0), 0);
	EXPECT_ERR(uk_ipc_receive(hi, &rx.h, sizeof(rx), 0), ERR_BAD_NAME);
	EXPECT_ERR(uk_ipc_receive(hiset, &rx.h, sizeof(rx), 0), ERR_BAD_NAME);
	EXPECT_ERR(uk_ipc_reply_receive(NULL, 0, hi, &rx.h, sizeof(rx), 0),
		   ERR_BAD_NAME);
	EXPECT_ERR(uk_port_info(hi, &info), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_destroy(hi), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_deallocate(hi), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_insert_right(hi, UK_DISP_MAKE_SEND), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_set_limit(hi, 3), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_set_add(hiset, p), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_set_add((uint64_t)set, hi), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_set_remove(hi), ERR_BAD_NAME);
	EXPECT_ERR(uk_port_request_notification(hi, UK_NOTIFY_DEAD_NAME, p),
		   ERR_BAD_NAME);
	EXPECT_ERR(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, hi),
		   ERR_BAD_NAME);
	/* The message is still there for the real name. */
	EXPECT_EQ(queued_on(p), 1);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header));
	uk_port_destroy((uint64_t)set);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

/* A fresh page of memory whose next page is not mapped (0 if none is
 * found). In the vm_allocate range only regions are mapped, and vm_free
 * with a size no region has only says whether one starts there. */
static uint64_t page_before_hole(void)
{
	uint64_t pages[8], found = 0;
	unsigned n = 0;

	while (n < 8 && !found) {
		long a = uk_vm_allocate(4096, UK_VM_READ | UK_VM_WRITE);
		if (a <= 0)
			break;
		if (uk_vm_free((uint64_t)a + 4096, 64ull << 30) ==
		    -ERR_NOT_FOUND)
			found = (uint64_t)a;
		else
			pages[n++] = (uint64_t)a;
	}
	for (unsigned i = 0; i < n; i++)
		uk_vm_free(pages[i], 4096);
	return found;
}

DEFINE_TEST(IPC0014, bad_message_pointers_fault_and_lose_nothing)
{
	uk_name_t p = port_new_send(1);
	uk_name_t carried = port_new();
	static const uint64_t bad[] = {0,
				       8,
				       KERNEL_PTR,
				       DIRECT_MAP_PTR,
				       NONCANONICAL_PTR,
				       UNMAPPED_PTR,
				       0x00007ffffffff000ull,
				       UINT64_MAX - 31};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERR(
		    uk_ipc_send((const struct uk_msg_header *)bad[i], 64, 0),
		    ERR_FAULT);
		EXPECT_ERR(uk_ipc_call((const struct uk_msg_header *)bad[i], 64,
				       &rx.h, sizeof(rx), 10 * MS),
			   ERR_FAULT);
		if (bad[i]) /* NULL is "no reply" */
			EXPECT_ERR(uk_ipc_reply_receive(
				       (const struct uk_msg_header *)bad[i], 64,
				       p, &rx.h, sizeof(rx), 0),
				   ERR_FAULT);
	}
	/* A message whose header is readable but whose body runs into an
	 * unmapped page: nothing is queued and the right does not move. */
	uint64_t page = page_before_hole();
	EXPECT(page != 0);
	if (!page)
		return;
	/* The descriptors fit, the body does not (found when copied). */
	const uint64_t fits = sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port);
	struct uk_msg_header *h = (struct uk_msg_header *)(page + 4096 - fits);
	memset(h, 0, fits);
	h->size = 200;
	h->dest = p;
	h->n_ports = 1;
	struct uk_msg_port *d = (struct uk_msg_port *)(h + 1);
	d->name = carried;
	d->disposition = UK_DISP_MAKE_SEND;
	EXPECT_ERR(uk_ipc_send(h, 200, 0), ERR_FAULT);
	/* The descriptor itself runs off the page. */
	h = (struct uk_msg_header *)(page + 4096 - (fits - 4));
	memset(h, 0, fits - 4);
	h->size = (uint32_t)fits;
	h->dest = p;
	h->n_ports = 1;
	EXPECT_ERR(uk_ipc_send(h, fits, 0), ERR_FAULT);
	EXPECT_EQ(queued_on(p), 0);
	EXPECT_EQ(senders_of(carried), 0);

	/* Receive buffers: a queued message (carrying a right) stays queued
	 * while the buffer is bad. */
	struct uk_msg_port right = {carried, UK_DISP_MAKE_SEND};
	static uint8_t body[600];
	fill_pattern(body, sizeof(body), 5);
	struct msg_spec s = {.dest = p,
			     .id = 42,
			     .ports = &right,
			     .n_ports = 1,
			     .body = body,
			     .len = sizeof(body)};
	EXPECT_EQ(msg_send(&s, 0), 0);
	uint64_t size = sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port) + sizeof(body);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long rc =
		    uk_ipc_receive(p, (struct uk_msg_header *)bad[i], 8192, 0);
		EXPECT_ERR(rc, ERR_FAULT);
	}
	EXPECT_ERR(uk_ipc_receive(p, (struct uk_msg_header *)TEXT_PTR, 8192, 0),
		   ERR_FAULT);
	/* Mapped for its first part only. */
	EXPECT_ERR(uk_ipc_receive(p, (struct uk_msg_header *)(page + 4096 - 64),
				  size, 0),
		   ERR_FAULT);
	EXPECT_ERR(uk_ipc_reply_receive(
		       NULL, 0, p, (struct uk_msg_header *)KERNEL_PTR, 8192, 0),
		   ERR_FAULT);
	EXPECT_EQ(queued_on(p), 1);
	EXPECT_EQ(senders_of(carried), 1);
	long rc = msg_receive(p, &rx, 0);
	EXPECT_EQ(rc, (long)size);
	EXPECT_EQ(rx.h.id, 42);
	EXPECT_EQ(msg_ports(&rx.h)[0].disposition, UK_RIGHT_SEND);
	EXPECT_EQ(msg_ports(&rx.h)[0].name, carried);
	EXPECT(!memcmp(msg_body(&rx.h), body, sizeof(body)));
	EXPECT_EQ(port_info_of(carried).send_refs, 1);
	uk_vm_free((uint64_t)page, 4096);
	uk_port_destroy(carried);
	uk_port_deallocate(carried);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(IPC0015, receive_polls_and_times_out)
{
	uk_name_t p = port_new_send(1);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);

	EXPECT_EQ(uk_port_set_add((uint64_t)set, p), 0);
	long start = uk_clock();
	EXPECT_ERR(msg_receive(p, &rx, 0), ERR_TIMED_OUT);
	EXPECT_ERR(msg_receive((uk_name_t)set, &rx, 0), ERR_TIMED_OUT);
	/* An empty port polls with any buffer: it is not looked at. */
	EXPECT_ERR(uk_ipc_receive(p, NULL, 0, 0), ERR_TIMED_OUT);
	EXPECT(uk_clock() - start <
	       (long)(100 * MS)); /* not even a tick each */

	for (int i = 0; i < 2; i++) {
		uk_name_t from = i ? (uk_name_t)set : p;
		start = uk_clock();
		EXPECT_ERR(msg_receive(from, &rx, 30 * MS), ERR_TIMED_OUT);
		long waited = uk_clock() - start;
		EXPECT(waited >= (long)(30 * MS));
		EXPECT(waited < (long)SECOND);
	}
	/* A full queue times a sender out the same way. */
	EXPECT_EQ(uk_port_set_limit(p, 1), 0);
	EXPECT_EQ(msg_send_id(p, 1, 0), 0);
	start = uk_clock();
	EXPECT_ERR(msg_send_id(p, 2, 30 * MS), ERR_TIMED_OUT);
	long waited = uk_clock() - start;
	EXPECT(waited >= (long)(30 * MS));
	EXPECT(waited < (long)SECOND);
	EXPECT_EQ(queued_on(p), 1);
	uk_port_destroy((uint64_t)set);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(IPC0016,
	    a_small_receive_buffer_gets_the_size_and_leaves_the_message)
{
	static uint8_t body[1000];
	uk_name_t p = port_new_send(1);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	const uint32_t size = sizeof(struct uk_msg_header) + sizeof(body);

	fill_pattern(body, sizeof(body), 3);
	struct msg_spec s = {
	    .dest = p, .id = 3, .body = body, .len = sizeof(body)};
	EXPECT_EQ(msg_send(&s, 0), 0);
	static const uint64_t small[] = {4, 32, 100, size - 1};
	for (unsigned i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		memset(&rx, 0, sizeof(rx));
		EXPECT_ERR(uk_ipc_receive(p, &rx.h, small[i], 0), ERR_TOO_BIG);
		EXPECT_EQ(rx.h.size, size);
		EXPECT_EQ(queued_on(p), 1);
	}
	EXPECT_ERR(uk_ipc_receive(p, &rx.h, 0, 0), ERR_TOO_BIG);
	EXPECT_ERR(uk_ipc_receive(p, NULL, 0, 0), ERR_TOO_BIG);
	/* Through a port set as well. */
	EXPECT_EQ(uk_port_set_add((uint64_t)set, p), 0);
	memset(&rx, 0, sizeof(rx));
	EXPECT_ERR(uk_ipc_receive((uint64_t)set, &rx.h, 64, 0), ERR_TOO_BIG);
	EXPECT_EQ(rx.h.size, size);
	EXPECT_EQ(uk_ipc_receive((uint64_t)set, &rx.h, size, 0), size);
	EXPECT_EQ(rx.h.id, 3);
	EXPECT(!memcmp(msg_body(&rx.h), body, sizeof(body)));
	EXPECT_EQ(queued_on(p), 0);
	uk_port_destroy((uint64_t)set);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(IPC0017, a_receive_right_moves_with_its_queue)
{
	uk_name_t p = port_new();
	uk_name_t q = port_new_send(1);
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);

	struct msg_spec first = {.dest = (uk_name_t)so,
				 .dest_disposition = UK_DISP_MOVE_SEND_ONCE,
				 .id = 11};
	EXPECT_EQ(msg_send(&first, 0), 0);
	EXPECT_ERR(rights_of((uk_name_t)so), ERR_BAD_NAME); /* used up */
	EXPECT_EQ(queued_on(p), 1);

	struct uk_msg_port d = {p, UK_DISP_MOVE_RECEIVE};
	struct msg_spec s = {.dest = q, .id = 12, .ports = &d, .n_ports = 1};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_ERR(rights_of(p), ERR_BAD_NAME);
	EXPECT_EQ(msg_receive(q, &rx, 0), sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port));
	struct uk_msg_port *got = msg_ports(&rx.h);
	EXPECT_EQ(got->disposition, UK_RIGHT_RECEIVE);
	uk_name_t np = got->name;
	EXPECT(np != 0);
	EXPECT_EQ(rights_of(np), UK_RIGHT_RECEIVE);
	EXPECT_EQ(queued_on(np), 1);
	EXPECT_EQ(msg_receive(np, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 11);
	EXPECT_EQ(rx.h.dest, np);
	EXPECT_EQ(uk_port_destroy(np), 0);
	uk_port_destroy(q);
	uk_port_deallocate(q);
}

DEFINE_TEST(IPC0018, rights_in_messages_arrive_as_the_right_kinds)
{
	uk_name_t dest = port_new_send(1);
	uk_name_t a = port_new_send(1); /* COPY_SEND */
	uk_name_t b = port_new_send(2); /* MOVE_SEND */
	uk_name_t c = port_new();	/* MAKE_SEND */
	uk_name_t e = port_new();	/* MAKE_SEND_ONCE */
	uk_name_t f = port_new();	/* MOVE_SEND_ONCE */
	long f_once = uk_port_insert_right(f, UK_DISP_MAKE_SEND_ONCE);

	struct uk_msg_port d[5] = {
	    {a, UK_DISP_COPY_SEND},
	    {b, UK_DISP_MOVE_SEND},
	    {c, UK_DISP_MAKE_SEND},
	    {e, UK_DISP_MAKE_SEND_ONCE},
	    {(uk_name_t)f_once, UK_DISP_MOVE_SEND_ONCE},
	};
	struct msg_spec s = {.dest = dest, .id = 1, .ports = d, .n_ports = 5};
	EXPECT_EQ(msg_send(&s, 0), 0);
	/* Taken from the sender when queued. */
	EXPECT_EQ(port_info_of(a).send_refs, 1);
	EXPECT_EQ(port_info_of(b).send_refs, 1);
	EXPECT_EQ(rights_of(c), UK_RIGHT_RECEIVE);
	EXPECT_ERR(rights_of((uk_name_t)f_once), ERR_BAD_NAME);
	EXPECT_EQ(senders_of(a), 2);
	EXPECT_EQ(senders_of(b), 2);
	EXPECT_EQ(senders_of(c), 1);
	EXPECT_EQ(senders_of(e), 0);

	EXPECT_EQ(msg_receive(dest, &rx, 0),
		  sizeof(struct uk_msg_header) + sizeof(d));
	struct uk_msg_port *g = msg_ports(&rx.h);
	EXPECT_EQ(g[0].disposition, UK_RIGHT_SEND);
	EXPECT_EQ(g[1].disposition, UK_RIGHT_SEND);
	EXPECT_EQ(g[2].disposition, UK_RIGHT_SEND);
	EXPECT_EQ(g[3].disposition, UK_RIGHT_SEND_ONCE);
	EXPECT_EQ(g[4].disposition, UK_RIGHT_SEND_ONCE);
	/* Send rights join the name this task already has for the port. */
	EXPECT_EQ(g[0].name, a);
	EXPECT_EQ(g[1].name, b);
	EXPECT_EQ(g[2].name, c);
	EXPECT_EQ(port_info_of(a).send_refs, 2);
	EXPECT_EQ(port_info_of(b).send_refs, 2);
	EXPECT_EQ(port_info_of(c).send_refs, 1);
	EXPECT_EQ(rights_of(c), UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	/* Send-once rights always get new names. */
	EXPECT(g[3].name != e && g[3].name != 0);
	EXPECT(g[4].name != f && g[4].name != 0);
	EXPECT_EQ(rights_of(g[3].name), UK_RIGHT_SEND_ONCE);
	EXPECT_EQ(rights_of(g[4].name), UK_RIGHT_SEND_ONCE);
	/* And they work: each reaches its port once. */
	struct msg_spec use = {.dest = g[3].name,
			       .dest_disposition = UK_DISP_MOVE_SEND_ONCE,
			       .id = 33};
	EXPECT_EQ(msg_send(&use, 0), 0);
	EXPECT_ERR(msg_send(&use, 0), ERR_BAD_NAME);
	EXPECT_EQ(msg_receive(e, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 33);
	uk_name_t names[] = {dest, a, b, c, e, f};
	for (unsigned i = 0; i < 6; i++) {
		uk_port_destroy(names[i]);
		while (uk_port_deallocate(names[i]) == 0)
			;
		EXPECT_ERR(rights_of(names[i]), ERR_BAD_NAME);
	}
	uk_port_deallocate(g[4].name);
}

DEFINE_TEST(IPC0019, reply_rights_travel_in_the_header)
{
	uk_name_t server = port_new_send(1);
	uk_name_t client = port_new_send(1);
	static const uint8_t dispositions[] = {
	    UK_DISP_MAKE_SEND_ONCE, UK_DISP_MAKE_SEND, UK_DISP_COPY_SEND};

	for (unsigned i = 0; i < sizeof(dispositions); i++) {
		struct msg_spec req = {.dest = server,
				       .id = 100 + i,
				       .reply = client,
				       .reply_disposition = dispositions[i]};
		EXPECT_EQ(msg_send(&req, 0), 0);
		EXPECT_EQ(msg_receive(server, &rx, 0),
			  sizeof(struct uk_msg_header));
		uk_name_t reply = rx.h.reply;
		EXPECT(reply != 0);
		int once = dispositions[i] == UK_DISP_MAKE_SEND_ONCE;
		if (once) {
			EXPECT(reply != client);
			EXPECT_EQ(rights_of(reply), UK_RIGHT_SEND_ONCE);
		} else {
			EXPECT_EQ(reply, client);
			EXPECT_EQ(port_info_of(client).send_refs, 2);
		}
		struct msg_spec rep = {.dest = reply,
				       .id = 200 + i,
				       .dest_disposition =
					   once ? UK_DISP_MOVE_SEND_ONCE
						: UK_DISP_MOVE_SEND};
		EXPECT_EQ(msg_send(&rep, 0), 0);
		EXPECT_EQ(msg_receive(client, &rx, 0),
			  sizeof(struct uk_msg_header));
		EXPECT_EQ(rx.h.id, 200 + i);
		EXPECT_EQ(rx.h.dest, client);
		if (once)
			EXPECT_ERR(rights_of(reply), ERR_BAD_NAME);
		EXPECT_EQ(port_info_of(client).send_refs, 1);
	}
	/* reply_receive: reply through a send-once right, then receive. */
	struct msg_spec req = {.dest = server,
			       .id = 7,
			       .reply = client,
			       .reply_disposition = UK_DISP_MAKE_SEND_ONCE};
	EXPECT_EQ(msg_send(&req, 0), 0);
	EXPECT_EQ(msg_send(&req, 0), 0);
	EXPECT_EQ(msg_receive(server, &rx, 0), sizeof(struct uk_msg_header));
	struct msg_spec rep = {.dest = rx.h.reply,
			       .id = 8,
			       .dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	uint32_t size = msg_build(&tx, &rep);
	EXPECT_EQ(
	    uk_ipc_reply_receive(&tx.h, size, server, &rx.h, sizeof(rx), 0),
	    sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 7);
	EXPECT_EQ(msg_receive(client, &tx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(tx.h.id, 8);
	/* A reply to a port that died is dropped and the receive goes on. */
	uk_name_t reply2 = rx.h.reply;
	uk_name_t gone = port_new();
	long gone_once = uk_port_insert_right(gone, UK_DISP_MAKE_SEND_ONCE);
	EXPECT_EQ(uk_port_destroy(gone), 0);
	EXPECT_EQ(msg_send_id(server, 9, 0), 0);
	struct msg_spec dead = {.dest = (uk_name_t)gone_once,
				.id = 1,
				.dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	size = msg_build(&tx, &dead);
	EXPECT_EQ(
	    uk_ipc_reply_receive(&tx.h, size, server, &rx.h, sizeof(rx), 0),
	    sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 9);
	EXPECT_ERR(rights_of((uk_name_t)gone_once), ERR_BAD_NAME);
	/* A malformed reply is refused before anything is received. */
	EXPECT_EQ(msg_send_id(server, 10, 0), 0);
	tx.h.size = 33;
	EXPECT_ERR(
	    uk_ipc_reply_receive(&tx.h, 32, server, &rx.h, sizeof(rx), 0),
	    ERR_INVALID);
	EXPECT_EQ(queued_on(server), 1);
	uk_port_deallocate(reply2);
	uk_port_destroy(server);
	uk_port_deallocate(server);
	uk_port_destroy(client);
	uk_port_deallocate(client);
}

DEFINE_TEST(IPC0020, port_sets_receive_from_every_member)
{
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	long set2 = uk_port_allocate(UK_RIGHT_PORT_SET);
	uk_name_t p1 = port_new_send(1), p2 = port_new_send(1), p3 = port_new();
	long so = uk_port_insert_right(p3, UK_DISP_MAKE_SEND_ONCE);

	EXPECT_EQ(uk_port_set_add((uint64_t)set, p1), 0);
	EXPECT_EQ(uk_port_set_add((uint64_t)set, p2), 0);
	EXPECT_ERR(uk_port_set_add((uint64_t)set, p1), ERR_BUSY);
	EXPECT_ERR(uk_port_set_add((uint64_t)set2, p1), ERR_BUSY);
	EXPECT_ERR(uk_port_set_add(p1, p3), ERR_RIGHTS);
	EXPECT_ERR(uk_port_set_add((uint64_t)set, (uint64_t)so), ERR_RIGHTS);
	EXPECT_ERR(uk_port_set_add((uint64_t)set, (uint64_t)set2), ERR_RIGHTS);
	EXPECT_ERR(uk_port_set_remove(p3), ERR_NOT_FOUND);
	EXPECT_ERR(uk_port_set_remove((uint64_t)so), ERR_RIGHTS);

	EXPECT_EQ(msg_send_id(p2, 2, 0), 0);
	EXPECT_EQ(msg_send_id(p1, 1, 0), 0);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(msg_receive((uk_name_t)set, &rx, 0),
			  sizeof(struct uk_msg_header));
		if (rx.h.id == 1 && rx.h.dest == p1)
			seen |= 1;
		else if (rx.h.id == 2 && rx.h.dest == p2)
			seen |= 2;
		else
			ktest_fail(__FILE__, __LINE__, "id %u from %llx", rx.h.id,
				   (unsigned long long)rx.h.dest);
	}
	EXPECT_EQ(seen, 3);
	EXPECT_ERR(msg_receive((uk_name_t)set, &rx, 0), ERR_TIMED_OUT);

	/* Removed: its messages no longer come through the set. */
	EXPECT_EQ(uk_port_set_remove(p1), 0);
	EXPECT_ERR(uk_port_set_remove(p1), ERR_NOT_FOUND);
	EXPECT_EQ(msg_send_id(p1, 3, 0), 0);
	EXPECT_ERR(msg_receive((uk_name_t)set, &rx, 0), ERR_TIMED_OUT);
	EXPECT_EQ(uk_port_set_add((uint64_t)set2, p1), 0);
	EXPECT_EQ(msg_receive((uk_name_t)set2, &rx, 0),
		  sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 3);
	/* A member can still be received from directly. */
	EXPECT_EQ(msg_send_id(p2, 4, 0), 0);
	EXPECT_EQ(msg_receive(p2, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 4);
	/* A destroyed member leaves the set; a destroyed set frees its
	 * members for another. */
	EXPECT_EQ(uk_port_destroy(p2), 0);
	EXPECT_EQ(uk_port_destroy((uint64_t)set2), 0);
	EXPECT_ERR(msg_receive((uk_name_t)set2, &rx, 0), ERR_BAD_NAME);
	EXPECT_EQ(uk_port_set_add((uint64_t)set, p1), 0);
	EXPECT_EQ(msg_send_id(p1, 5, 0), 0);
	EXPECT_EQ(msg_receive((uk_name_t)set, &rx, 0),
		  sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 5);
	/* Moving a member's receive right out takes it out of the set. */
	struct uk_msg_port mv = {p1, UK_DISP_MOVE_RECEIVE};
	struct msg_spec s = {.dest = (uk_name_t)so,
			     .dest_disposition = UK_DISP_MOVE_SEND_ONCE,
			     .ports = &mv,
			     .n_ports = 1};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_EQ(msg_receive(p3, &rx, 0), sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port));
	uk_name_t moved = msg_ports(&rx.h)[0].name;
	EXPECT_EQ(moved, p1); /* we still had a send right under p1 */
	EXPECT_EQ(msg_send_id(p1, 6, 0), 0);
	EXPECT_ERR(msg_receive((uk_name_t)set, &rx, 0), ERR_TIMED_OUT);
	EXPECT_EQ(msg_receive(p1, &rx, 0), sizeof(struct uk_msg_header));
	uk_port_destroy((uint64_t)set);
	uk_port_destroy(p1);
	uk_port_deallocate(p1);
	uk_port_deallocate(p2);
	uk_port_destroy(p3);
}

DEFINE_TEST(IPC0021, port_info_names_the_set_of_a_member)
{
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	uk_name_t p = port_new();

	EXPECT_EQ(port_info_of(p).set, 0);
	EXPECT_EQ(uk_port_set_add((uint64_t)set, p), 0);
	EXPECT_EQ(port_info_of(p).set, set);
	EXPECT_EQ(uk_port_set_remove(p), 0);
	EXPECT_EQ(port_info_of(p).set, 0);
	uk_port_destroy((uint64_t)set);
	uk_port_destroy(p);
}

DEFINE_TEST(IPC0022, a_blocked_receiver_gets_a_later_message)
{
	uk_name_t p = port_new_send(1);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	uk_name_t member = port_new_send(1);
	static union ipc_buf rb;
	struct bg b;

	EXPECT_EQ(uk_port_set_add((uint64_t)set, member), 0);
	for (int i = 0; i < 2; i++) {
		uk_name_t on = i ? (uk_name_t)set : p;
		uk_name_t to = i ? member : p;
		b.arg[0] = on;
		b.arg[1] = (uint64_t)&rb;
		b.arg[2] = sizeof(rb);
		b.arg[3] = 5 * SECOND;
		bg_start(&b, bg_receive);
		uk_sleep(20 * MS);
		EXPECT(!b.done);
		EXPECT_EQ(msg_send_id(to, 50 + (uint32_t)i, 0), 0);
		EXPECT(bg_wait(&b, SECOND));
		EXPECT_EQ(b.rc, sizeof(struct uk_msg_header));
		EXPECT_EQ(rb.h.id, 50 + i);
		EXPECT_EQ(rb.h.dest, to);
		EXPECT_EQ(queued_on(to), 0);
	}
	/* A blocked receiver whose buffer is too small is told the size; the
	 * message stays queued. */
	b.arg[0] = p;
	b.arg[1] = (uint64_t)&rb;
	b.arg[2] = 40;
	b.arg[3] = 5 * SECOND;
	memset(&rb, 0, sizeof(rb));
	bg_start(&b, bg_receive);
	uk_sleep(20 * MS);
	static uint8_t body[100];
	struct msg_spec s = {
	    .dest = p, .id = 60, .body = body, .len = sizeof(body)};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT(bg_wait(&b, SECOND));
	EXPECT_ERR(b.rc, ERR_TOO_BIG);
	EXPECT_EQ(rb.h.size, sizeof(struct uk_msg_header) + sizeof(body));
	EXPECT_EQ(queued_on(p), 1);
	EXPECT_EQ(msg_receive(p, &rx, 0),
		  sizeof(struct uk_msg_header) + sizeof(body));
	/* Destroying the port wakes its receiver with ERR_DEAD; destroying a
	 * set wakes its receiver the same way. */
	for (int i = 0; i < 2; i++) {
		b.arg[0] = i ? (uk_name_t)set : p;
		b.arg[1] = (uint64_t)&rb;
		b.arg[2] = sizeof(rb);
		b.arg[3] = 5 * SECOND;
		bg_start(&b, bg_receive);
		uk_sleep(20 * MS);
		EXPECT(!b.done);
		EXPECT_EQ(uk_port_destroy(i ? (uk_name_t)set : p), 0);
		EXPECT(bg_wait(&b, SECOND));
		EXPECT_ERR(b.rc, ERR_DEAD);
	}
	uk_port_deallocate(p);
	uk_port_destroy(member);
	uk_port_deallocate(member);
}

DEFINE_TEST(IPC0023, adding_a_port_with_messages_wakes_a_set_receiver)
{
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	uk_name_t p = port_new_send(1);
	static union ipc_buf rb;
	struct bg b;

	EXPECT_EQ(msg_send_id(p, 70, 0), 0);
	b.arg[0] = (uint64_t)set;
	b.arg[1] = (uint64_t)&rb;
	b.arg[2] = sizeof(rb);
	b.arg[3] = 2 * SECOND;
	bg_start(&b, bg_receive);
	uk_sleep(20 * MS);
	EXPECT(!b.done);
	EXPECT_EQ(uk_port_set_add((uint64_t)set, p), 0);
	EXPECT(bg_wait(&b, 500 * MS));
	EXPECT_EQ(b.rc, sizeof(struct uk_msg_header));
	EXPECT_EQ(rb.h.id, 70);
	bg_wait(&b, 3 * SECOND);
	uk_port_destroy((uint64_t)set);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(IPC0024, a_sender_blocked_on_a_full_queue_goes_on_when_it_drains)
{
	uk_name_t p = port_new_send(1);
	static union ipc_buf m;
	struct bg b;

	EXPECT_EQ(uk_port_set_limit(p, 1), 0);
	EXPECT_EQ(msg_send_id(p, 1, 0), 0);
	EXPECT_ERR(msg_send_id(p, 2, 0), ERR_TIMED_OUT);
	struct msg_spec s = {.dest = p, .id = 2};
	b.arg[0] = (uint64_t)&m;
	b.arg[1] = msg_build(&m, &s);
	b.arg[2] = 5 * SECOND;
	bg_start(&b, bg_send);
	uk_sleep(30 * MS);
	EXPECT(!b.done); /* still blocked */
	EXPECT_EQ(queued_on(p), 1);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 1);
	EXPECT(bg_wait(&b, SECOND));
	EXPECT_EQ(b.rc, 0);
	EXPECT(b.ended_ns - b.started_ns < 2 * SECOND);
	EXPECT_EQ(queued_on(p), 1);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 2);

	/* The port dies under a blocked sender: ERR_DEAD. */
	EXPECT_EQ(msg_send_id(p, 3, 0), 0);
	bg_start(&b, bg_send);
	uk_sleep(20 * MS);
	EXPECT(!b.done);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT(bg_wait(&b, SECOND));
	EXPECT_ERR(b.rc, ERR_DEAD);
	uk_port_deallocate(p);
}

DEFINE_TEST(IPC0025,
	    a_moved_receive_right_takes_its_messages_from_blocked_receivers)
{
	uk_name_t p = port_new();
	uk_name_t q = port_new_send(1);
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	static union ipc_buf rb;
	struct bg b;

	/* A thread waits on p; then p's receive right leaves this task. */
	b.arg[0] = p;
	b.arg[1] = (uint64_t)&rb;
	b.arg[2] = sizeof(rb);
	b.arg[3] = 300 * MS;
	bg_start(&b, bg_receive);
	uk_sleep(20 * MS);
	struct uk_msg_port mv = {p, UK_DISP_MOVE_RECEIVE};
	struct msg_spec s = {.dest = q, .ports = &mv, .n_ports = 1};
	EXPECT_EQ(msg_send(&s, 0), 0);
	/* A message to p now belongs to whoever gets the receive right. */
	struct msg_spec hello = {.dest = (uk_name_t)so,
				 .id = 80,
				 .dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	EXPECT_EQ(msg_send(&hello, 0), 0);
	EXPECT(bg_wait(&b, 2 * SECOND));
	EXPECT(b.rc < 0);
	EXPECT_EQ(msg_receive(q, &rx, 0), sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port));
	uk_name_t np = msg_ports(&rx.h)[0].name;
	EXPECT_EQ(queued_on(np), 1);
	EXPECT_EQ(msg_receive(np, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 80);
	uk_port_destroy(np);
	uk_port_destroy(q);
	uk_port_deallocate(q);
}

DEFINE_TEST(IPC0026, a_send_once_right_destroyed_unused_notifies_its_port)
{
	uk_name_t p = port_new();
	uk_name_t q = port_new_send(1);
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	struct uk_notification *n = (struct uk_notification *)&rx;

	EXPECT_EQ(uk_port_deallocate((uint64_t)so), 0);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(*n));
	EXPECT_EQ(n->header.id, UK_MSG_ID_SEND_ONCE_DIED);
	EXPECT_EQ(n->header.size, sizeof(*n));
	EXPECT(n->header.flags & UK_MSG_KERNEL);
	EXPECT_EQ(n->header.dest, p);
	EXPECT_EQ(n->header.n_ports, 0);
	/* A send-once right inside a destroyed message dies the same way. */
	struct uk_msg_port d = {p, UK_DISP_MAKE_SEND_ONCE};
	struct msg_spec s = {.dest = q, .ports = &d, .n_ports = 1};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_ERR(msg_receive(p, &rx, 0), ERR_TIMED_OUT);
	EXPECT_EQ(uk_port_destroy(q), 0);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(*n));
	EXPECT_EQ(n->header.id, UK_MSG_ID_SEND_ONCE_DIED);
	/* A used one does not. */
	so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	struct msg_spec use = {.dest = (uk_name_t)so,
			       .id = 5,
			       .dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	EXPECT_EQ(msg_send(&use, 0), 0);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header));
	EXPECT_EQ(rx.h.id, 5);
	EXPECT_ERR(msg_receive(p, &rx, 0), ERR_TIMED_OUT);
	uk_port_deallocate(q);
	uk_port_destroy(p);
}

DEFINE_TEST(IPC0027, no_senders_notification_when_the_last_send_right_goes)
{
	uk_name_t p = port_new();
	uk_name_t n = port_new();
	struct uk_notification *msg = (struct uk_notification *)&rx;

	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_MAKE_SEND), p);
	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_MAKE_SEND), p);
	EXPECT_ERR(uk_port_request_notification(p, 99, n), ERR_INVALID);
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_ERR(msg_receive(n, &rx, 0), ERR_TIMED_OUT); /* one left */
	/* A send-once right is not a sender. */
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_EQ(msg_receive(n, &rx, 0), sizeof(*msg));
	EXPECT_EQ(msg->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT(msg->header.flags & UK_MSG_KERNEL);
	EXPECT_EQ(msg->header.dest, n);
	EXPECT_EQ(msg->name, p);
	/* Once only. */
	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_MAKE_SEND), p);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_ERR(msg_receive(n, &rx, 0), ERR_TIMED_OUT);
	/* Asked with no senders at all: the notice comes at once. */
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT_EQ(msg_receive(n, &rx, 0), sizeof(*msg));
	EXPECT_EQ(msg->header.id, UK_MSG_ID_NO_SENDERS);
	/* Send rights in flight count until they are destroyed. */
	uk_name_t q = port_new_send(1);
	struct uk_msg_port d = {p, UK_DISP_MAKE_SEND};
	struct msg_spec s = {.dest = q, .ports = &d, .n_ports = 1};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT_ERR(msg_receive(n, &rx, 0), ERR_TIMED_OUT);
	EXPECT_EQ(uk_port_destroy(q), 0);
	EXPECT_EQ(msg_receive(n, &rx, 0), sizeof(*msg));
	EXPECT_EQ(msg->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT_EQ(msg->name, p);
	/* Only a receive right can ask. */
	EXPECT_ERR(
	    uk_port_request_notification((uint64_t)so, UK_NOTIFY_NO_SENDERS, n),
	    ERR_RIGHTS);
	uk_port_deallocate(q);
	uk_port_deallocate((uint64_t)so);
	uk_port_destroy(p);
	uk_port_destroy(n);
}

DEFINE_TEST(IPC0029, a_full_name_table_is_a_limit_and_loses_nothing)
{
	static uk_name_t many[4096];
	uk_name_t q = port_new_send(1), x = port_new();
	unsigned n = 0;
	long rc;

	/* Queued before the table fills: a send-once right (needs a new
	 * name) and a send right to q (joins q's name). */
	struct uk_msg_port d[2] = {{x, UK_DISP_MAKE_SEND_ONCE},
				   {q, UK_DISP_COPY_SEND}};
	struct msg_spec s = {.dest = q, .ports = d, .n_ports = 2};
	EXPECT_EQ(msg_send(&s, 0), 0);
	while (n < 4096 && (rc = uk_port_allocate(UK_RIGHT_RECEIVE)) > 0)
		many[n++] = (uk_name_t)rc;
	EXPECT_ERR(rc, ERR_LIMIT);
	EXPECT(n > 3000);
	EXPECT_ERR(uk_port_allocate(UK_RIGHT_PORT_SET), ERR_LIMIT);
	EXPECT_ERR(uk_port_insert_right(x, UK_DISP_MAKE_SEND_ONCE), ERR_LIMIT);
	EXPECT_ERR(uk_port_mint(x, 5), ERR_LIMIT); /* a badged right needs a name */
	EXPECT_EQ(uk_port_insert_right(x, UK_DISP_MAKE_SEND),
		  x); /* no new name */
	/* The send-once right finds no room: it arrives as no name and dies
	 * (its port hears of it); the send right joins q's name. */
	EXPECT_EQ(msg_receive(q, &rx, 0),
		  sizeof(struct uk_msg_header) + 2 * sizeof(struct uk_msg_port));
	EXPECT_EQ(msg_ports(&rx.h)[0].name, 0);
	EXPECT_EQ(msg_ports(&rx.h)[1].name, q);
	EXPECT_EQ(port_info_of(q).send_refs, 2);
	EXPECT_EQ(msg_receive(x, &rx, 0), sizeof(struct uk_notification));
	EXPECT_EQ(rx.h.id, UK_MSG_ID_SEND_ONCE_DIED);
	for (unsigned i = 0; i < n; i++)
		EXPECT_EQ(uk_port_destroy(many[i]), 0);
	/* Room again. */
	long so = uk_port_insert_right(x, UK_DISP_MAKE_SEND_ONCE);
	EXPECT(so > 0);
	uk_port_deallocate((uint64_t)so);
	uk_port_destroy(x);
	uk_port_deallocate(x);
	uk_port_destroy(q);
	while (uk_port_deallocate(q) == 0)
		;
}

/* Move p's receive right into dest's queue. */
static long move_receive_into(uk_name_t p, uk_name_t dest)
{
	struct uk_msg_port d = {p, UK_DISP_MOVE_RECEIVE};
	struct msg_spec s = {.dest = dest, .ports = &d, .n_ports = 1};

	return msg_send(&s, 0);
}

DEFINE_TEST(IPC0028, a_receive_right_cannot_enter_a_queue_held_inside_it)
{
	struct uk_kinfo_memory before = kernel_memory();
	uk_name_t a = port_new_send(1), b = port_new_send(1);
	uk_name_t c = port_new_send(1), d = port_new_send(1);

	/* a waits in b's queue; b may not then wait in a's. */
	EXPECT_EQ(move_receive_into(a, b), 0);
	EXPECT_ERR(move_receive_into(b, a), ERR_INVALID);
	EXPECT_EQ(rights_of(b), UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	/* Nor at the end of a longer chain: a in b, b in c, then c in a. */
	EXPECT_EQ(move_receive_into(b, c), 0);
	EXPECT_ERR(move_receive_into(c, a), ERR_INVALID);
	EXPECT_ERR(move_receive_into(c, b), ERR_INVALID);
	EXPECT_EQ(rights_of(c), UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	/* Out of the chain it is fine: c goes into d. */
	EXPECT_EQ(move_receive_into(c, d), 0);
	/* Received back, the rights may go wherever makes no ring. */
	EXPECT_EQ(msg_receive(d, &rx, 0), sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port));
	EXPECT_EQ(msg_ports(&rx.h)[0].name, c);
	EXPECT_EQ(msg_receive(c, &rx, 0), sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port));
	EXPECT_EQ(msg_ports(&rx.h)[0].name, b);
	EXPECT_EQ(msg_receive(b, &rx, 0), sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port));
	EXPECT_EQ(msg_ports(&rx.h)[0].name, a);
	EXPECT_EQ(move_receive_into(b, a), 0);
	EXPECT_EQ(move_receive_into(a, c), 0);
	/* One destroy takes the chain down, and nothing stays behind. */
	EXPECT_EQ(uk_port_destroy(c), 0);
	EXPECT_EQ(rights_of(a), UK_RIGHT_DEAD_NAME);
	EXPECT_EQ(rights_of(b), UK_RIGHT_DEAD_NAME);
	uk_name_t all[] = {a, b, c, d};
	for (unsigned i = 0; i < 4; i++) {
		uk_port_destroy(all[i]);
		while (uk_port_deallocate(all[i]) == 0)
			;
	}
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	EXPECT_EQ(after.frames_free, before.frames_free);
}
