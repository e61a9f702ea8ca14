/* SPDX-License-Identifier: MIT */
/*
 * Datagrams through netd (uk/proto/sock.h): one UDP socket bound to port
 * 7070. A receive is an asynchronous SOCK_RECV whose reply comes to a port
 * in our set, so the proxy never waits for the network; a send is a
 * one-way SOCK_SEND (a frame netd does not take is dropped, and the link
 * sends it again). If netd dies, the socket is made
 * again on the next progress call.
 *
 * A send waits up to SEND_WAIT for room in the socket's queue: the link's
 * window (64 frames) is larger than a port's queue, and a burst sent with
 * timeout 0 lost most of its frames, acknowledgements included, until the
 * peer took us for dead. netd never waits for its clients, so waiting
 * for it cannot deadlock; a netd that is stuck costs a frame per wait.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/sock.h>

#include "proxy.h"

static uk_name_t sock;	      /* send right to our socket */
uint64_t net_oversized;
static uk_name_t recv_port;   /* receive right: SOCK_RECV replies */
/* Receives outstanding at netd: with one, netd waits for our next
 * SOCK_RECV between two datagrams, and a burst of frames queues up
 * behind that round trip. */
#define RECV_DEPTH 4u
static unsigned recv_outstanding;
static uint64_t reopen_at;
static uint64_t recv_retry_at; /* after a refused receive: not at once */
static uint64_t sends_dropped;

#define SEND_WAIT 50000000ull /* ns */

static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} m;

static long call(uk_name_t dest, uint32_t id, const void *body, uint32_t len,
		 uk_name_t *port_out)
{
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = id;
	m.h.dest = dest;
	memcpy(uk_msg_body(&m.h), body, len);
	m.h.size = (uint32_t)sizeof(m.h) + len;
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5000000000ull);
	if (rc < 0)
		return rc;
	if (port_out)
		*port_out = m.h.n_ports ? uk_msg_ports(&m.h)[0].name : 0;
	const struct uk_rpc_status *st = uk_msg_body(&m.h);
	if (uk_msg_body_len(&m.h) < sizeof(*st))
		return -ERR_INVALID;
	return st->status;
}

int net_open(void)
{
	if (!recv_port) {
		long p = uk_port_allocate(UK_RIGHT_RECEIVE);
		if (p <= 0)
			return p ? (int)p : -ERR_NO_MEMORY;
		recv_port = (uk_name_t)p;
		uk_port_set_add(port_set, recv_port);
	}
	long net = ns_lookup("net", 30000000000ull);
	if (net < 0)
		return (int)net;
	struct uk_sock_open_req o = { UK_AF_INET, UK_SOCK_DGRAM, 0, 0 };
	uk_name_t s = 0;
	long rc = call((uk_name_t)net, SOCK_OPEN, &o, sizeof(o), &s);
	uk_port_deallocate((uk_name_t)net);
	if (rc < 0 || !s)
		return rc < 0 ? (int)rc : -ERR_INVALID;
	struct uk_sock_req b;
	memset(&b, 0, sizeof(b));
	b.addr.family = UK_AF_INET;
	b.addr.port = PROXY_UDP_PORT;
	rc = call(s, SOCK_BIND, &b, sizeof(b), NULL);
	if (rc < 0) {
		uk_port_deallocate(s);
		return (int)rc;
	}
	sock = s;
	recv_outstanding = 0;
	return 0;
}

bool net_is_reply(uk_name_t dest)
{
	return dest == recv_port;
}

static void post_recv(void)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[256];
	} r;
	memset(&r.h, 0, sizeof(r.h));
	r.h.id = SOCK_RECV;
	r.h.dest = sock;
	r.h.reply = recv_port;
	r.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	struct uk_sock_req *q = uk_msg_body(&r.h);
	memset(q, 0, sizeof(*q));
	q->timeout_ns = UK_TIMEOUT_INFINITE;
	q->len = PX_FRAME_MAX;
	r.h.size = (uint32_t)(sizeof(r.h) + sizeof(*q));
	if (uk_ipc_send(&r.h, r.h.size, 0) == 0)
		recv_outstanding++;
}

void net_progress(void)
{
	if (!sock) {
		if (now_ms() < reopen_at)
			return;
		int rc = net_open();
		if (rc < 0) {
			printf("proxy: no socket (%s); trying again in 1 s\n",
			       err_str(rc));
			reopen_at = now_ms() + 1000;
			return;
		}
	}
	while (sock && recv_outstanding < RECV_DEPTH && now_ms() >= recv_retry_at) {
		unsigned before = recv_outstanding;
		post_recv();
		if (recv_outstanding == before)
			break; /* netd's queue is full: next time */
	}
}

bool net_take(const struct uk_msg_header *h, const uint8_t **frame,
	      uint32_t *len, uint8_t src[4], uint16_t *port)
{
	if (recv_outstanding)
		recv_outstanding--;
	if (h->flags & UK_MSG_KERNEL) {
		/* The reply right died unused: netd is gone. */
		if (sock)
			uk_port_deallocate(sock);
		sock = 0;
		return false;
	}
	const struct uk_rpc_status *st = uk_msg_body(h);
	uint32_t body = uk_msg_body_len(h);
	if (h->id != SOCK_RECV || body < sizeof(*st))
		return false;
	if (st->status < 0) {
		recv_retry_at = now_ms() + 100;
		if ((st->status == -ERR_BAD_HANDLE || st->status == -ERR_DEAD) && sock) {
			uk_port_deallocate(sock);
			sock = 0;
		}
		return false;
	}
	const struct uk_sock_reply *r = (const void *)(st + 1);
	if (body < sizeof(*st) + sizeof(*r) || r->addr.family != UK_AF_INET)
		return false;
	uint32_t data = body - (uint32_t)(sizeof(*st) + sizeof(*r));
	if (r->len > data || (r->flags & UK_SOCK_MSG_TRUNC)) {
		net_oversized++; /* longer than any frame: PROXY_STATS frames_bad */
		return false;
	}
	memcpy(src, r->addr.addr, 4);
	*port = r->addr.port;
	*frame = (const uint8_t *)(r + 1);
	*len = r->len;
	return true;
}

void net_send(const uint8_t addr[4], uint16_t port, const uint8_t *frame,
	      uint32_t len)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[sizeof(struct uk_msg_header) +
			      sizeof(struct uk_sock_req) + PX_FRAME_MAX];
	} s;
	if (!sock || len > PX_FRAME_MAX)
		return;
	memset(&s.h, 0, sizeof(s.h));
	s.h.id = SOCK_SEND;
	s.h.dest = sock;
	struct uk_sock_req *q = uk_msg_body(&s.h);
	memset(q, 0, sizeof(*q));
	q->len = len;
	q->addr.family = UK_AF_INET;
	q->addr.port = port;
	memcpy(q->addr.addr, addr, 4);
	memcpy(q + 1, frame, len);
	s.h.size = (uint32_t)(sizeof(s.h) + sizeof(*q) + len);
	/* No reply right: netd answers nothing, and a frame it cannot
	 * take now is the link's to send again. */
	if (uk_ipc_send(&s.h, s.h.size, SEND_WAIT) < 0)
		sends_dropped++;
}
