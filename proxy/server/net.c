/* SPDX-License-Identifier: MIT */
/*
 * Datagrams through netd (uk/proto/sock.h): one UDP socket bound to port
 * 7070, used in batches (UK_SOCK_MSG_BATCH). A receive is an asynchronous
 * batch SOCK_RECV whose reply, with every frame netd had queued, comes to
 * a port in our set, so the proxy never waits for the network. Frames to
 * send are queued during a turn of the main loop and go out as one
 * one-way batch SOCK_SEND before the loop waits again (net_flush): on a
 * bulk transfer that is one IPC per window's worth of frames instead of
 * one per frame, which is what a frame cost (docs/PERFORMANCE.md). A
 * batch netd does not take is dropped, and the link sends it again. If
 * netd dies, the socket is made again on the next progress call.
 *
 * A send waits up to SEND_WAIT for room in the socket's queue: before
 * batches, a burst of single frames sent with timeout 0 lost most of its
 * frames, acknowledgements included, until the peer took us for dead.
 * netd never waits for its clients, so waiting for it cannot deadlock; a
 * netd that is stuck costs a batch per wait.
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
#define RECV_DEPTH 2u
/* A receive takes up to this many bytes of frame records. */
#define RECV_BATCH (64u * 1024u)
/* Frames queued for the next net_flush (records of uk_sock_dgram). */
#define SEND_BATCH (128u * 1024u)
static uint8_t batch[SEND_BATCH] __attribute__((aligned(4096)));
static uint32_t batch_len, batch_frames;
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
	q->flags = UK_SOCK_MSG_BATCH;
	q->len = RECV_BATCH;
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

void net_take(const struct uk_msg_header *h,
	      void (*fn)(const uint8_t *frame, uint32_t len,
			 const uint8_t src[4], uint16_t port))
{
	if (recv_outstanding)
		recv_outstanding--;
	if (h->flags & UK_MSG_KERNEL) {
		/* The reply right died unused: netd is gone. */
		if (sock)
			uk_port_deallocate(sock);
		sock = 0;
		return;
	}
	const struct uk_rpc_status *st = uk_msg_body(h);
	uint32_t body = uk_msg_body_len(h);
	const struct uk_msg_ool *o = h->n_ool ? uk_msg_ools(h) : NULL;
	if (h->id != SOCK_RECV || body < sizeof(*st))
		goto out;
	if (st->status < 0) {
		recv_retry_at = now_ms() + 100;
		if ((st->status == -ERR_BAD_HANDLE || st->status == -ERR_DEAD) && sock) {
			uk_port_deallocate(sock);
			sock = 0;
		}
		goto out;
	}
	const struct uk_sock_reply *r = (const void *)(st + 1);
	if (body < sizeof(*st) + sizeof(*r))
		goto out;
	const uint8_t *data = (const uint8_t *)(r + 1);
	uint32_t have = body - (uint32_t)(sizeof(*st) + sizeof(*r));
	if (o) {
		data = (const uint8_t *)(uintptr_t)o->address;
		have = o->size < UINT32_MAX ? (uint32_t)o->size : UINT32_MAX;
	}
	if (r->len > have)
		goto out;
	for (uint32_t off = 0; r->len - off >= sizeof(struct uk_sock_dgram);) {
		struct uk_sock_dgram d;
		memcpy(&d, data + off, sizeof(d));
		if (d.len > r->len - off)
			break;
		uint32_t span = UK_SOCK_DGRAM_SPAN(d.len);
		if (span > r->len - off)
			break;
		/* Longer than any frame (whole in a batch, or cut): dropped
		 * and counted in frames_bad, and the batch goes on. */
		if (d.len > PX_FRAME_MAX || (d.flags & UK_SOCK_MSG_TRUNC))
			net_oversized++;
		else if (d.addr.family == UK_AF_INET)
			fn(data + off + sizeof(d), d.len, d.addr.addr, d.addr.port);
		off += span;
	}
out:
	if (o && o->address && o->size)
		uk_vm_free(o->address, o->size);
}

void net_send(const uint8_t addr[4], uint16_t port, const uint8_t *frame,
	      uint32_t len)
{
	if (!sock || len > PX_FRAME_MAX)
		return;
	uint32_t span = UK_SOCK_DGRAM_SPAN(len);
	if (batch_len + span > SEND_BATCH)
		net_flush();
	struct uk_sock_dgram d;
	memset(&d, 0, sizeof(d));
	d.len = len;
	d.addr.family = UK_AF_INET;
	d.addr.port = port;
	memcpy(d.addr.addr, addr, 4);
	uint8_t *at = batch + batch_len;
	memcpy(at, &d, sizeof(d));
	memcpy(at + sizeof(d), frame, len);
	memset(at + sizeof(d) + len, 0, span - sizeof(d) - len);
	batch_len += span;
	batch_frames++;
}

void net_flush(void)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[UK_MSG_SIZE_MAX];
	} s;
	if (!batch_len)
		return;
	if (!sock) {
		sends_dropped += batch_frames;
		batch_len = batch_frames = 0;
		return;
	}
	memset(&s.h, 0, sizeof(s.h));
	s.h.id = SOCK_SEND;
	s.h.dest = sock;
	bool inline_data = sizeof(struct uk_sock_req) + batch_len <= UK_RPC_INLINE_DATA;
	if (!inline_data) {
		s.h.n_ool = 1;
		uk_msg_ools(&s.h)[0] = (struct uk_msg_ool){ (uint64_t)(uintptr_t)batch,
							    batch_len, UK_OOL_COPY, 0 };
	}
	struct uk_sock_req *q = uk_msg_body(&s.h);
	memset(q, 0, sizeof(*q));
	q->flags = UK_SOCK_MSG_BATCH;
	q->len = batch_len;
	/* The receive that came back this turn is replaced in the same IPC. */
	bool then_recv = recv_outstanding < RECV_DEPTH && now_ms() >= recv_retry_at;
	if (then_recv) {
		s.h.reply = recv_port;
		s.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
		q->flags |= UK_SOCK_MSG_THEN_RECV;
		q->arg = RECV_BATCH;
		q->timeout_ns = UK_TIMEOUT_INFINITE;
	}
	uint8_t *end = (uint8_t *)(q + 1);
	if (inline_data) {
		memcpy(end, batch, batch_len);
		end += batch_len;
	}
	s.h.size = (uint32_t)(end - s.bytes);
	/* No reply right: netd answers nothing, and frames it cannot take
	 * now are the link's to send again. */
	if (uk_ipc_send(&s.h, s.h.size, SEND_WAIT) < 0)
		sends_dropped += batch_frames;
	else if (then_recv)
		recv_outstanding++;
	batch_len = batch_frames = 0;
}
