/* SPDX-License-Identifier: MIT */
/*
 * IPC between tasks: call and reply with the ipcpeer server, rights in
 * both directions, notifications when a peer or its port dies, callers of
 * a dying server, rights given at task creation, and a leak check over
 * all of it. Single-task IPC tests are in tests_ipc.c.
 */
#include <string.h>

#include "ipc_util.h"

static union ipc_buf reply, note;

static const struct uk_notification *notice(void)
{
	return (const struct uk_notification *)&note;
}

static void fill(uint8_t *p, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13u);
}

/* An echo call of len bytes (pattern seed) that must come back intact. */
static void expect_echo(uk_name_t svc, uint32_t len, uint8_t seed, long peer)
{
	static uint8_t body[UK_MSG_INLINE_MAX];

	fill(body, len, seed);
	memset(&reply, 0xcc, sizeof(struct uk_msg_header) + len + 8);
	long rc = peer_call(svc, IPCPEER_ECHO, NULL, 0, body, len, &reply);
	if (rc != (long)(sizeof(struct uk_msg_header) + len)) {
		ktest_fail(__FILE__, __LINE__, "echo %u bytes: %ld (%s)", len,
			   rc, rc < 0 ? err_name(rc) : "wrong size");
		return;
	}
	EXPECT_EQ(reply.h.size, rc);
	EXPECT_EQ(reply.h.id, IPCPEER_ECHO);
	EXPECT_EQ(reply.h.reply, 0);
	EXPECT_EQ(reply.h.n_ports, 0);
	EXPECT_EQ(reply.h.flags, 0);
	EXPECT_EQ(reply.h.sender, (uint64_t)peer);
	/* The whole id, generation included: never a later task's. */
	EXPECT_EQ(uk_msg_sender(&reply.h), (uint64_t)peer);
	if (memcmp(msg_body(&reply.h), body, len))
		ktest_fail(__FILE__, __LINE__,
			   "echo of %u bytes (seed %u) differs", len, seed);
}

static void expect_quit(uk_name_t svc, long peer)
{
	EXPECT_EQ(peer_call(svc, IPCPEER_QUIT, NULL, 0, NULL, 0, &reply),
		  sizeof(struct uk_msg_header));
	struct uk_exit_status st = peer_wait(peer, 5 * SECOND);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
}

DEFINE_TEST(IPC0030, call_and_reply_receive_between_tasks)
{
	static const uint32_t sizes[] = {0, 8, 100, 120, 121, 500, 1000, 4096};
	uk_name_t svc;
	long peer = peer_serve(&svc);

	if (peer < 0)
		return;
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			expect_echo(svc, sizes[i], (uint8_t)(i + 10 * round),
				    peer);
	/* Many in a row, each answered with its own reply. */
	for (int i = 0; i < 300; i++)
		expect_echo(svc, (uint32_t)(i % 3 ? 8 : 200), (uint8_t)i, peer);
	/* ipc_call supplies its reply right: the header must not. */
	struct msg_spec bad = {.dest = svc,
			       .id = IPCPEER_ECHO,
			       .reply = svc,
			       .reply_disposition = UK_DISP_COPY_SEND};
	static union ipc_buf m;
	uint32_t size = msg_build(&m, &bad);
	EXPECT_ERR(uk_ipc_call(&m.h, size, &reply.h, sizeof(reply), SECOND),
		   ERR_INVALID);
	bad.reply = 0;
	size = msg_build(&m, &bad);
	m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	EXPECT_ERR(uk_ipc_call(&m.h, size, &reply.h, sizeof(reply), SECOND),
		   ERR_INVALID);
	expect_echo(svc, 16, 99, peer);
	expect_quit(svc, peer);
	/* The service port died with the server. */
	EXPECT_EQ(rights_of(svc), UK_RIGHT_DEAD_NAME);
	EXPECT_ERR(peer_call(svc, IPCPEER_ECHO, NULL, 0, NULL, 0, &reply),
		   ERR_DEAD);
	EXPECT_EQ(uk_port_deallocate(svc), 0);
}

/* The calls run on a thread of their own: its reply port, with whatever
 * a failure leaves queued there, goes when the thread ends. */
static void reply_too_big(struct bg *b)
{
	static uint8_t body[1000];
	static union ipc_buf m;
	uk_name_t svc = (uk_name_t)b->arg[0];
	long peer = (long)b->arg[1];

	expect_echo(svc, 8, 1, peer);
	fill(body, sizeof(body), 0xa0);
	struct msg_spec s = {
	    .dest = svc, .id = IPCPEER_ECHO, .body = body, .len = sizeof(body)};
	uint32_t size = msg_build(&m, &s);
	memset(&reply, 0, 64);
	EXPECT_ERR(uk_ipc_call(&m.h, size, &reply.h, 64, 5 * SECOND),
		   ERR_TOO_BIG);
	EXPECT_EQ(reply.h.size, sizeof(struct uk_msg_header) + sizeof(body));
	/* Each later call gets its own reply, by either path. */
	expect_echo(svc, 500, 0xb0, peer);
	expect_echo(svc, 8, 0xc0, peer);
	expect_echo(svc, 600, 0xd0, peer);
}

DEFINE_TEST(
    IPC0031,
    a_reply_too_big_for_the_callers_buffer_does_not_answer_the_next_call)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	struct bg b;

	if (peer < 0)
		return;
	b.arg[0] = svc;
	b.arg[1] = (uint64_t)peer;
	bg_start(&b, reply_too_big);
	EXPECT(bg_wait(&b, 30 * SECOND));
	peer_stop(peer);
	uk_port_deallocate(svc);
}

DEFINE_TEST(IPC0032, a_timed_out_call_does_not_get_a_stale_reply)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);

	if (peer < 0)
		return;
	expect_echo(svc, 8, 1, peer);
	for (int i = 0; i < 2; i++) {
		/* The server answers after 150 ms; the caller gives up at 30.
		 */
		uint64_t ns = 150 * MS;
		uint8_t body[16];
		memcpy(body, &ns, 8);
		memset(body + 8, 'x', 8);
		static union ipc_buf m;
		struct msg_spec s = {.dest = svc,
				     .id = IPCPEER_SLOW_ECHO,
				     .body = body,
				     .len = sizeof(body)};
		uint32_t size = msg_build(&m, &s);
		long start = uk_clock();
		EXPECT_ERR(
		    uk_ipc_call(&m.h, size, &reply.h, sizeof(reply), 30 * MS),
		    ERR_TIMED_OUT);
		long waited = uk_clock() - start;
		EXPECT(waited >= (long)(30 * MS));
		EXPECT(waited < (long)SECOND);
		/* The late reply is dropped; the server goes on. */
		expect_echo(svc, i ? 300 : 8, (uint8_t)(0x40 + i), peer);
	}
	expect_quit(svc, peer);
	uk_port_deallocate(svc);
}

DEFINE_TEST(IPC0033, rights_travel_from_client_to_server_and_back)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);

	if (peer < 0)
		return;
	uk_name_t a = port_new_send(1); /* COPY_SEND */
	uk_name_t b = port_new_send(2); /* MOVE_SEND */
	uk_name_t c = port_new();	/* MAKE_SEND */
	uk_name_t d = port_new();	/* MAKE_SEND_ONCE */
	uk_name_t e = port_new();	/* MOVE_SEND_ONCE */
	long e_once = uk_port_insert_right(e, UK_DISP_MAKE_SEND_ONCE);
	uk_name_t f = port_new(); /* MOVE_RECEIVE, with a message queued */
	long f_once = uk_port_insert_right(f, UK_DISP_MAKE_SEND_ONCE);
	struct msg_spec queued = {.dest = (uk_name_t)f_once,
				  .id = 0xf0,
				  .dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	EXPECT_EQ(msg_send(&queued, 0), 0);
	struct uk_msg_port out[6] = {
	    {a, UK_DISP_COPY_SEND},
	    {b, UK_DISP_MOVE_SEND},
	    {c, UK_DISP_MAKE_SEND},
	    {d, UK_DISP_MAKE_SEND_ONCE},
	    {(uk_name_t)e_once, UK_DISP_MOVE_SEND_ONCE},
	    {f, UK_DISP_MOVE_RECEIVE},
	};
	long rc = peer_call(svc, IPCPEER_KEEP_RIGHTS, out, 6, NULL, 0, &reply);
	EXPECT_EQ(rc,
		  sizeof(struct uk_msg_header) + sizeof(struct ipcpeer_report));
	const struct ipcpeer_report *rep =
	    (const struct ipcpeer_report *)msg_body(&reply.h);
	static const uint32_t want[6] = {UK_RIGHT_SEND,	     UK_RIGHT_SEND,
					 UK_RIGHT_SEND,	     UK_RIGHT_SEND_ONCE,
					 UK_RIGHT_SEND_ONCE, UK_RIGHT_RECEIVE};
	EXPECT_EQ(rep->count, 6);
	for (unsigned i = 0; i < 6 && rc > 0; i++) {
		if (rep->r[i].got != want[i] || rep->r[i].rights != want[i] ||
		    rep->r[i].name == 0)
			ktest_fail(
			    __FILE__, __LINE__,
			    "right %u: got %x, held %x under %llx, want %x", i,
			    rep->r[i].got, rep->r[i].rights,
			    (unsigned long long)rep->r[i].name, want[i]);
		EXPECT_EQ(rep->r[i].send_refs,
			  want[i] == UK_RIGHT_SEND ? 1 : 0);
	}
	/* What this task has left. */
	struct uk_port_info ia = port_info_of(a), ib = port_info_of(b),
			    ic = port_info_of(c), id = port_info_of(d);
	EXPECT_EQ(ia.send_refs, 1);
	EXPECT_EQ(ia.senders, 2);
	EXPECT_EQ(ib.send_refs, 1);
	EXPECT_EQ(ib.senders, 2);
	EXPECT_EQ(ic.rights, UK_RIGHT_RECEIVE);
	EXPECT_EQ(ic.senders, 1);
	EXPECT_EQ(id.rights, UK_RIGHT_RECEIVE);
	EXPECT_EQ(id.senders, 0);
	EXPECT_ERR(rights_of((uk_name_t)e_once), ERR_BAD_NAME);
	EXPECT_ERR(rights_of(f), ERR_BAD_NAME);

	/* And back: the server moves every right it kept to us. */
	rc = peer_call(svc, IPCPEER_RETURN_RIGHTS, NULL, 0, NULL, 0, &reply);
	EXPECT_EQ(rc, sizeof(struct uk_msg_header) +
			  6 * sizeof(struct uk_msg_port));
	struct uk_msg_port *in = msg_ports(&reply.h);
	EXPECT_EQ(reply.h.n_ports, 6);
	if (reply.h.n_ports == 6) {
		for (unsigned i = 0; i < 6; i++)
			EXPECT_EQ(in[i].disposition, want[i]);
		/* Send rights come back under the names this task has. */
		EXPECT_EQ(in[0].name, a);
		EXPECT_EQ(in[1].name, b);
		EXPECT_EQ(in[2].name, c);
		EXPECT_EQ(port_info_of(a).send_refs, 2);
		EXPECT_EQ(port_info_of(b).send_refs, 2);
		EXPECT_EQ(port_info_of(c).send_refs, 1);
		EXPECT_EQ(rights_of(c), UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
		/* The send-once rights are new names; they still work. */
		EXPECT_EQ(rights_of(in[3].name), UK_RIGHT_SEND_ONCE);
		EXPECT_EQ(rights_of(in[4].name), UK_RIGHT_SEND_ONCE);
		struct msg_spec use = {.dest = in[3].name,
				       .id = 0xd0,
				       .dest_disposition =
					   UK_DISP_MOVE_SEND_ONCE};
		EXPECT_EQ(msg_send(&use, 0), 0);
		EXPECT_EQ(msg_receive(d, &note, 0),
			  sizeof(struct uk_msg_header));
		EXPECT_EQ(note.h.id, 0xd0);
		EXPECT_EQ(uk_port_deallocate(in[4].name), 0);
		/* The receive right is back, with the message queued on it. */
		uk_name_t nf = in[5].name;
		EXPECT_EQ(rights_of(nf), UK_RIGHT_RECEIVE);
		EXPECT_EQ(msg_receive(nf, &note, 0),
			  sizeof(struct uk_msg_header));
		EXPECT_EQ(note.h.id, 0xf0);
		EXPECT_EQ(uk_port_destroy(nf), 0);
	}
	/* The server holds nothing now. */
	rc = peer_call(svc, IPCPEER_KEEP_RIGHTS, NULL, 0, NULL, 0, &reply);
	EXPECT_EQ(((const struct ipcpeer_report *)msg_body(&reply.h))->held, 0);
	expect_quit(svc, peer);
	uk_name_t all[] = {svc, a, b, c, d, e};
	for (unsigned i = 0; i < 6; i++) {
		uk_port_destroy(all[i]);
		while (uk_port_deallocate(all[i]) == 0)
			;
	}
}

DEFINE_TEST(IPC0034, rights_travel_from_server_to_client)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uk_name_t r = port_new();

	if (peer < 0)
		return;
	long rc = peer_call(svc, IPCPEER_MAKE_PORT, NULL, 0, NULL, 0, &reply);
	EXPECT_EQ(rc, sizeof(struct uk_msg_header) +
			  2 * sizeof(struct uk_msg_port));
	uk_name_t x = msg_ports(&reply.h)[0].name,
		  y = msg_ports(&reply.h)[1].name;
	EXPECT_EQ(msg_ports(&reply.h)[0].disposition, UK_RIGHT_SEND);
	EXPECT_EQ(msg_ports(&reply.h)[1].disposition, UK_RIGHT_SEND_ONCE);
	EXPECT(x != 0 && y != 0 && x != y);
	struct uk_port_info ix = port_info_of(x);
	EXPECT_EQ(ix.rights, UK_RIGHT_SEND);
	EXPECT_EQ(ix.send_refs, 1);
	EXPECT_EQ(ix.queue_limit, 0); /* not ours to see */
	EXPECT_EQ(rights_of(y), UK_RIGHT_SEND_ONCE);
	EXPECT_EQ(msg_send_id(x, 1, 0), 0);

	/* The server sends to us through rights we give it. */
	static const char hello[] = "hello from the peer";
	for (int i = 0; i < 2; i++) {
		struct uk_msg_port give = {r, i ? UK_DISP_MAKE_SEND_ONCE
						: UK_DISP_MAKE_SEND};
		rc = peer_call(svc, IPCPEER_SEND_BACK, &give, 1, hello,
			       sizeof(hello), &reply);
		EXPECT_EQ(rc, sizeof(struct uk_msg_header) + 8);
		int64_t sent;
		memcpy(&sent, msg_body(&reply.h), 8);
		EXPECT_EQ(sent, 0);
		EXPECT_EQ(msg_receive(r, &note, 0),
			  sizeof(struct uk_msg_header) + sizeof(hello));
		EXPECT_EQ(note.h.id, IPCPEER_HELLO);
		EXPECT_EQ(note.h.sender, (uint64_t)peer);
		EXPECT_EQ(note.h.dest, r);
		EXPECT(!memcmp(msg_body(&note.h), hello, sizeof(hello)));
		EXPECT_EQ(senders_of(r), 0);
		EXPECT_ERR(msg_receive(r, &note, 0),
			   ERR_TIMED_OUT); /* nothing else */
	}

	/* Our last send right to the peer's port moves back to it: the
	 * name goes here, and joins the receive right's name there. */
	struct uk_msg_port back = {x, UK_DISP_MOVE_SEND};
	rc = peer_call(svc, IPCPEER_KEEP_RIGHTS, &back, 1, NULL, 0, &reply);
	EXPECT(rc > 0);
	const struct ipcpeer_report *rep =
	    (const struct ipcpeer_report *)msg_body(&reply.h);
	EXPECT_EQ(rep->r[0].got, UK_RIGHT_SEND);
	EXPECT_EQ(rep->r[0].rights, UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	EXPECT_EQ(rep->r[0].send_refs, 1);
	EXPECT_ERR(rights_of(x), ERR_BAD_NAME);
	/* The send-once right reaches the peer's port. */
	struct msg_spec once = {.dest = y,
				.dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	EXPECT_EQ(msg_send(&once, 0), 0);
	EXPECT_ERR(rights_of(y), ERR_BAD_NAME);
	expect_quit(svc, peer);
	uk_port_deallocate(svc);
	uk_port_destroy(r);
}

DEFINE_TEST(IPC0035, dead_name_notification_when_the_peer_destroys_its_port)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uk_name_t n = port_new();

	if (peer < 0)
		return;
	long rc = peer_call(svc, IPCPEER_MAKE_PORT, NULL, 0, NULL, 0, &reply);
	EXPECT(rc > 0);
	uk_name_t x = msg_ports(&reply.h)[0].name,
		  y = msg_ports(&reply.h)[1].name;
	EXPECT_ERR(uk_port_request_notification(x, UK_NOTIFY_NO_SENDERS, n),
		   ERR_RIGHTS);
	EXPECT_EQ(uk_port_request_notification(x, UK_NOTIFY_DEAD_NAME, n), 0);
	EXPECT_EQ(uk_port_request_notification(y, UK_NOTIFY_DEAD_NAME, n), 0);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	EXPECT_EQ(
	    peer_call(svc, IPCPEER_DESTROY_PORT, NULL, 0, NULL, 0, &reply),
	    sizeof(struct uk_msg_header));
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(msg_receive(n, &note, 0),
			  sizeof(struct uk_notification));
		EXPECT_EQ(notice()->header.id, UK_MSG_ID_DEAD_NAME);
		EXPECT(notice()->header.flags & UK_MSG_KERNEL);
		EXPECT_EQ(notice()->header.dest, n);
		seen |= notice()->name == x ? 1 : notice()->name == y ? 2 : 4;
	}
	EXPECT_EQ(seen, 3);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	struct uk_port_info ix = port_info_of(x);
	EXPECT_EQ(ix.rights, UK_RIGHT_DEAD_NAME);
	EXPECT_EQ(ix.send_refs, 1);
	EXPECT_EQ(rights_of(y), UK_RIGHT_DEAD_NAME);
	EXPECT_ERR(msg_send_id(x, 1, 0), ERR_DEAD);
	struct msg_spec once = {.dest = y,
				.dest_disposition = UK_DISP_MOVE_SEND_ONCE};
	EXPECT_ERR(msg_send(&once, 0), ERR_DEAD);
	/* Asking about a name that is already dead answers at once. */
	EXPECT_EQ(uk_port_request_notification(x, UK_NOTIFY_DEAD_NAME, n), 0);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_DEAD_NAME);
	EXPECT_EQ(notice()->name, x);
	EXPECT_EQ(uk_port_deallocate(x), 0);
	EXPECT_EQ(uk_port_deallocate(y), 0);
	EXPECT_ERR(rights_of(x), ERR_BAD_NAME);
	EXPECT_ERR(rights_of(y), ERR_BAD_NAME);
	expect_quit(svc, peer);
	uk_port_deallocate(svc);
	uk_port_destroy(n);
}

DEFINE_TEST(IPC0036, dead_name_notification_when_the_peer_task_dies)
{
	uk_name_t p = port_new_send(1);
	uk_name_t n = port_new();
	uk_name_t q = port_new();
	struct uk_task_right r = {p, UK_DISP_MOVE_RECEIVE};
	long peer = peer_start("hold", &r, 1);

	EXPECT(peer > 0);
	EXPECT_EQ(rights_of(p), UK_RIGHT_SEND);
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_DEAD_NAME, n), 0);
	/* A message the peer never reads, carrying a send right to q. */
	struct uk_msg_port d = {q, UK_DISP_MAKE_SEND};
	struct msg_spec s = {.dest = p, .ports = &d, .n_ports = 1};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_EQ(senders_of(q), 1);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	struct uk_exit_status st = peer_stop(peer);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_DEAD_NAME);
	EXPECT_EQ(notice()->name, p);
	EXPECT_EQ(rights_of(p), UK_RIGHT_DEAD_NAME);
	EXPECT_ERR(msg_send_id(p, 1, 0), ERR_DEAD);
	EXPECT_EQ(senders_of(q), 0); /* the queued message went with the port */
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_ERR(rights_of(p), ERR_BAD_NAME);
	uk_port_destroy(n);
	uk_port_destroy(q);
}

DEFINE_TEST(IPC0037, no_senders_notification_when_the_holder_task_dies)
{
	uk_name_t p = port_new();
	uk_name_t n = port_new();
	struct uk_task_right r = {p, UK_DISP_MAKE_SEND};
	long peer = peer_start("hold", &r, 1);

	EXPECT(peer > 0);
	EXPECT_EQ(senders_of(p), 1);
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	peer_stop(peer);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT_EQ(notice()->name, p);
	EXPECT_EQ(senders_of(p), 0);

	/* The same when a server gives the right up. */
	uk_name_t svc;
	peer = peer_serve(&svc);
	struct uk_msg_port give = {p, UK_DISP_MAKE_SEND};
	EXPECT(peer_call(svc, IPCPEER_KEEP_RIGHTS, &give, 1, NULL, 0, &reply) >
	       0);
	EXPECT_EQ(senders_of(p), 1);
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	EXPECT(peer_call(svc, IPCPEER_DROP_RIGHTS, NULL, 0, NULL, 0, &reply) >
	       0);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT_EQ(notice()->name, p);
	expect_quit(svc, peer);
	uk_port_deallocate(svc);
	uk_port_destroy(p);
	uk_port_destroy(n);
}

DEFINE_TEST(IPC0038, a_call_to_a_killed_server_returns_dead_at_once)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	struct bg killer;

	if (peer < 0)
		return;
	expect_echo(svc, 8, 1, peer);
	killer.arg[0] = (uint64_t)peer;
	killer.arg[1] = 50 * MS;
	bg_start(&killer, bg_kill);
	long start = uk_clock();
	long rc = peer_call(svc, IPCPEER_HANG, NULL, 0, NULL, 0, &reply);
	long waited = uk_clock() - start;
	EXPECT_ERR(rc, ERR_DEAD);
	EXPECT(waited < (long)SECOND); /* the call's timeout is 5 s */
	EXPECT(bg_wait(&killer, SECOND));
	EXPECT_EQ(killer.rc, 0);
	struct uk_exit_status st = peer_wait(peer, 5 * SECOND);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	EXPECT_EQ(rights_of(svc), UK_RIGHT_DEAD_NAME);
	uk_port_deallocate(svc);
}

DEFINE_TEST(IPC0039,
	    a_call_to_a_server_that_exits_without_replying_returns_dead)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uint8_t code = 5;

	if (peer < 0)
		return;
	expect_echo(svc, 130, 2, peer);
	long start = uk_clock();
	EXPECT_ERR(peer_call(svc, IPCPEER_EXIT, NULL, 0, &code, 1, &reply),
		   ERR_DEAD);
	EXPECT(uk_clock() - start < (long)SECOND);
	struct uk_exit_status st = peer_wait(peer, 5 * SECOND);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 5);
	uk_port_deallocate(svc);
}

DEFINE_TEST(IPC0040,
	    a_server_that_dies_with_queued_messages_releases_their_rights)
{
	uk_name_t s = port_new_send(1);
	uk_name_t a = port_new(); /* a send right to it waits in s's queue */
	uk_name_t b = port_new(); /* a send-once reply right to it too */
	uk_name_t c = port_new_send(1); /* its receive right too */
	uk_name_t n = port_new();
	struct uk_task_right r = {s, UK_DISP_MOVE_RECEIVE};
	long peer = peer_start("hold", &r, 1);

	EXPECT(peer > 0);
	struct uk_msg_port da = {a, UK_DISP_MAKE_SEND};
	struct msg_spec m1 = {.dest = s, .id = 1, .ports = &da, .n_ports = 1};
	EXPECT_EQ(msg_send(&m1, 0), 0);
	struct msg_spec m2 = {.dest = s,
			      .id = 2,
			      .reply = b,
			      .reply_disposition = UK_DISP_MAKE_SEND_ONCE};
	EXPECT_EQ(msg_send(&m2, 0), 0);
	struct uk_msg_port dc = {c, UK_DISP_MOVE_RECEIVE};
	struct msg_spec m3 = {.dest = s, .id = 3, .ports = &dc, .n_ports = 1};
	EXPECT_EQ(msg_send(&m3, 0), 0);
	EXPECT_EQ(uk_port_request_notification(c, UK_NOTIFY_DEAD_NAME, n), 0);
	EXPECT_EQ(senders_of(a), 1);
	EXPECT_EQ(rights_of(c), UK_RIGHT_SEND);

	/* A caller waits for a reply to a request the server never read. */
	static union ipc_buf req, rb;
	struct msg_spec m4 = {.dest = s, .id = 4};
	struct bg caller;
	caller.arg[0] = (uint64_t)&req;
	caller.arg[1] = msg_build(&req, &m4);
	caller.arg[2] = (uint64_t)&rb;
	caller.arg[3] = sizeof(rb);
	caller.arg[4] = 5 * SECOND;
	bg_start(&caller, bg_call);
	uk_sleep(30 * MS);
	EXPECT(!caller.done);

	uint64_t killed = (uint64_t)uk_clock();
	peer_stop(peer);
	EXPECT(bg_wait(&caller, 2 * SECOND));
	EXPECT_ERR(caller.rc, ERR_DEAD);
	EXPECT(caller.ended_ns - killed < SECOND);
	EXPECT_EQ(senders_of(a), 0);
	/* The unused reply right died: b hears of it. */
	EXPECT_EQ(msg_receive(b, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_SEND_ONCE_DIED);
	/* c's receive right died in the queue: c is a dead name. */
	EXPECT_EQ(rights_of(c), UK_RIGHT_DEAD_NAME);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_DEAD_NAME);
	EXPECT_EQ(notice()->name, c);
	EXPECT_EQ(rights_of(s), UK_RIGHT_DEAD_NAME);
	uk_port_deallocate(s);
	uk_port_deallocate(c);
	uk_port_destroy(a);
	uk_port_destroy(b);
	uk_port_destroy(n);
}

DEFINE_TEST(IPC0041, task_create_gives_the_child_its_rights)
{
	uk_name_t r = port_new_send(1); /* the child reports here */
	uk_name_t a = port_new();
	uk_name_t b = port_new();
	uk_name_t c = port_new();
	struct uk_task_right rights[4] = {
	    {r, UK_DISP_COPY_SEND},
	    {a, UK_DISP_MAKE_SEND},
	    {b, UK_DISP_MAKE_SEND_ONCE},
	    {c, UK_DISP_MOVE_RECEIVE},
	};
	long peer = peer_start("report", rights, 4);

	EXPECT(peer > 0);
	if (peer <= 0)
		return;
	/* Taken from this task when the child is made. */
	EXPECT_EQ(port_info_of(r).send_refs, 1);
	EXPECT_EQ(senders_of(a), 1);
	EXPECT_ERR(rights_of(c), ERR_BAD_NAME);
	long rc = msg_receive(r, &note, 5 * SECOND);
	EXPECT_EQ(rc,
		  sizeof(struct uk_msg_header) + sizeof(struct ipcpeer_report));
	EXPECT_EQ(note.h.id, IPCPEER_STARTUP);
	EXPECT_EQ(note.h.sender, (uint64_t)peer);
	const struct ipcpeer_report *rep =
	    (const struct ipcpeer_report *)msg_body(&note.h);
	static const uint32_t want[4] = {UK_RIGHT_SEND, UK_RIGHT_SEND,
					 UK_RIGHT_SEND_ONCE, UK_RIGHT_RECEIVE};
	EXPECT_EQ(rep->count, 4);
	for (unsigned i = 0; i < 4 && rc > 0; i++) {
		EXPECT_EQ(rep->r[i].rights, want[i]);
		EXPECT(rep->r[i].name != 0);
		for (unsigned j = 0; j < i; j++)
			EXPECT(rep->r[i].name != rep->r[j].name);
	}
	struct uk_exit_status st = peer_wait(peer, 5 * SECOND);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	/* The child's rights went with it. */
	EXPECT_EQ(senders_of(a), 0);
	EXPECT_EQ(msg_receive(b, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_SEND_ONCE_DIED);
	uk_port_destroy(r);
	uk_port_deallocate(r);
	uk_port_destroy(a);
	uk_port_destroy(b);
}

DEFINE_TEST(IPC0042, task_create_with_bad_rights_creates_no_task)
{
	uk_name_t p = port_new_send(1);
	long so = uk_port_insert_right(p, UK_DISP_MAKE_SEND_ONCE);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	uk_name_t stale = port_new();
	struct uk_exit_status st;

	uk_port_destroy(stale);
	const struct {
		struct uk_task_right r[2];
		unsigned n;
		long err;
	} cases[] = {
	    {{{0, UK_DISP_COPY_SEND}}, 1, ERR_BAD_NAME},
	    {{{stale, UK_DISP_MOVE_RECEIVE}}, 1, ERR_BAD_NAME},
	    {{{0xffff, UK_DISP_MAKE_SEND}}, 1, ERR_BAD_NAME},
	    {{{(uk_name_t)so, UK_DISP_MOVE_RECEIVE}}, 1, ERR_RIGHTS},
	    {{{(uk_name_t)so, UK_DISP_COPY_SEND}}, 1, ERR_RIGHTS},
	    {{{(uk_name_t)set, UK_DISP_MAKE_SEND}}, 1, ERR_RIGHTS},
	    {{{(uk_name_t)set, UK_DISP_MOVE_RECEIVE}}, 1, ERR_RIGHTS},
	    {{{p, UK_DISP_NONE}}, 1, ERR_INVALID},
	    {{{p, 99}}, 1, ERR_INVALID},
	    /* A good right first: it must not move either. */
	    {{{p, UK_DISP_MOVE_RECEIVE}, {0, UK_DISP_COPY_SEND}},
	     2,
	     ERR_BAD_NAME},
	    {{{p, UK_DISP_MOVE_RECEIVE}, {p, UK_DISP_COPY_SEND}},
	     2,
	     ERR_INVALID},
	    {{{p, UK_DISP_MOVE_SEND}, {p, UK_DISP_MOVE_SEND}}, 2, ERR_INVALID},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long rc = peer_start("hold", cases[i].r, cases[i].n);
		if (rc != -cases[i].err) {
			ktest_fail(__FILE__, __LINE__,
				   "case %u: got %ld (%s), want %s", i, rc,
				   rc < 0 ? err_name(rc) : "a task",
				   err_name(cases[i].err));
			if (rc > 0)
				peer_stop(rc);
		}
		EXPECT_ERR(wait_task(0, &st, 0), ERR_NO_CHILD);
	}
	/* More rights than the block holds. */
	static union {
		struct uk_task_args a;
		char bytes[sizeof(struct uk_task_args) + 16];
	} req;
	memset(&req, 0, sizeof(req));
	strlcpy(req.a.name, "ipcpeer", sizeof(req.a.name));
	req.a.priority = UK_PRIORITY_DEFAULT;
	memcpy(req.a.argv_blob, "ipcpeer\0hold\0", 13);
	req.a.argc = 2;
	req.a.argv_len = 13;
	req.a.n_rights = UK_TASK_RIGHTS_MAX + 1;
	for (unsigned i = 0; i < UK_TASK_RIGHTS_MAX; i++)
		req.a.rights[i] = (struct uk_task_right){p, UK_DISP_COPY_SEND};
	EXPECT_ERR(uk_task_create(ipcpeer_image, IPCPEER_SIZE, &req.a,
				  sizeof(req.a) + 13),
		   ERR_TOO_BIG);
	EXPECT_ERR(wait_task(0, &st, 0), ERR_NO_CHILD);
	/* Nothing moved. */
	struct uk_port_info info = port_info_of(p);
	EXPECT_EQ(info.rights, UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	EXPECT_EQ(info.send_refs, 1);
	EXPECT_EQ(info.senders, 1);
	EXPECT_EQ(rights_of((uk_name_t)so), UK_RIGHT_SEND_ONCE);
	uk_port_deallocate((uint64_t)so);
	uk_port_destroy((uint64_t)set);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(IPC0043, a_dead_name_request_goes_with_its_right)
{
	uk_name_t p = port_new_send(1);
	uk_name_t n = port_new();
	struct uk_task_right r = {p, UK_DISP_MOVE_RECEIVE};
	long peer = peer_start("hold", &r, 1);

	EXPECT(peer > 0);
	struct uk_kinfo_memory before = kernel_memory();
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_DEAD_NAME, n), 0);
	/* This task gives up its only right to the port... */
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_ERR(rights_of(p), ERR_BAD_NAME);
	/* ...so the request is gone too, */
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	/* and the port's death tells it nothing about a name it lost. */
	peer_stop(peer);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	uk_port_destroy(n);
}

/* A burst of everything above: ports, sets, messages big and small,
 * rights between tasks, notifications and task deaths. Releases every
 * right it made. */
static void ipc_burst(void)
{
	static uk_name_t ports[40], extra[16];
	static uint8_t body[3000];
	unsigned n_extra = 0;
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	uk_name_t n = port_new();

	for (int i = 0; i < 40; i++) {
		ports[i] = port_new_send(1);
		if (i < 20)
			uk_port_set_add((uint64_t)set, ports[i]);
		uk_port_request_notification(ports[i], UK_NOTIFY_NO_SENDERS, n);
	}
	for (int i = 0; i < 40; i++) {
		struct uk_msg_port d[2] = {
		    {ports[(i + 1) % 40], UK_DISP_MAKE_SEND},
		    {ports[(i + 2) % 40], UK_DISP_MAKE_SEND_ONCE}};
		struct msg_spec s = {.dest = ports[i],
				     .ports = d,
				     .n_ports = 2,
				     .body = body,
				     .len = (uint32_t)(i * 73) % 3000};
		EXPECT_EQ(msg_send(&s, 0), 0);
	}
	for (int i = 0; i < 10; i++)
		if (msg_receive((uk_name_t)set, &note, 0) > 0 &&
		    note.h.n_ports == 2)
			extra[n_extra++] =
			    msg_ports(&note.h)[1].name; /* send-once */
	uk_name_t svc;
	long peer = peer_serve(&svc);
	struct uk_msg_port give[3] = {{ports[30], UK_DISP_MAKE_SEND},
				      {ports[31], UK_DISP_MAKE_SEND_ONCE},
				      {ports[32], UK_DISP_COPY_SEND}};
	EXPECT(peer_call(svc, IPCPEER_KEEP_RIGHTS, give, 3, NULL, 0, &reply) >
	       0);
	if (peer_call(svc, IPCPEER_MAKE_PORT, NULL, 0, NULL, 0, &reply) > 0 &&
	    reply.h.n_ports == 2) {
		extra[n_extra++] = msg_ports(&reply.h)[0].name;
		extra[n_extra++] = msg_ports(&reply.h)[1].name;
		uk_port_request_notification(msg_ports(&reply.h)[0].name,
					     UK_NOTIFY_DEAD_NAME, n);
	}
	struct msg_spec q = {.dest = svc,
			     .ports = give,
			     .n_ports = 1,
			     .body = body,
			     .len = 2000};
	EXPECT_EQ(msg_send(&q, 0), 0);
	peer_stop(peer);
	struct uk_task_right r = {ports[33], UK_DISP_MAKE_SEND};
	peer = peer_start("hold", &r, 1);
	peer_stop(peer);
	for (int i = 0; i < 40; i++) {
		uk_port_destroy(ports[i]);
		while (uk_port_deallocate(ports[i]) == 0)
			;
	}
	for (unsigned i = 0; i < n_extra; i++)
		while (uk_port_deallocate(extra[i]) == 0)
			;
	while (uk_port_deallocate(svc) == 0)
		;
	uk_port_destroy(n);
	uk_port_destroy((uint64_t)set);
}

DEFINE_TEST(IPC0045, ipc_leaves_no_kernel_memory_behind)
{
	/* The first burst grows this task's name table to its size. */
	ipc_burst();
	uk_sleep(10 * MS);
	struct uk_kinfo_memory before = kernel_memory();
	for (int i = 0; i < 3; i++)
		ipc_burst();
	uk_sleep(10 * MS);
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	EXPECT_EQ(after.tasks, before.tasks);
	EXPECT_EQ(after.threads, before.threads);
}
