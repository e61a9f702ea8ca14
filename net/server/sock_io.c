/* SPDX-License-Identifier: MIT */
/*
 * Data and waiting: receive queues, the requests that may wait (RECV,
 * SEND on a stream, ACCEPT, CONNECT), their completion and timeouts, and
 * SOCK_POLL.
 *
 * A waiting request is a struct pending on its socket's read queue (RECV,
 * ACCEPT) or write queue (SEND, CONNECT); each queue completes in arrival
 * order. sock_try() completes what it can, in order, and answers
 * requests that may not wait (deadline 0) at once. A SEND that waits
 * keeps its bytes: an out-of-line region stays mapped until the request
 * completes, inline bytes are copied out of the receive buffer.
 *
 * Stream data flows without extra buffering: a stream SEND copies into
 * lwIP's send buffer as far as tcp_sndbuf() allows and waits for the sent
 * callback for the rest; a stream RECV copies out of the pbufs lwIP
 * delivered and only then reopens the window (tcp_recved).
 */
#include <string.h>
#include <ulib.h>

#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "sock.h"

#define PENDING_MAX 512
#define POLL_MAX 64

uint64_t sock_next_expiry = UINT64_MAX;
uint64_t sock_udp_drops;
bool sock_poll_dirty;

static struct pending pendings[PENDING_MAX];
static struct pending *pending_free;
static bool pending_ready;

struct poll_wait {
	bool used;
	uk_name_t reply;
	uint64_t deadline;
	unsigned n;
	struct sock *s[UK_SOCK_POLL_MAX];
	uint16_t gen[UK_SOCK_POLL_MAX];
	uint16_t events[UK_SOCK_POLL_MAX];
};
static struct poll_wait polls[POLL_MAX];
static unsigned n_polls;

static struct pending *pending_alloc(void)
{
	if (!pending_ready) {
		for (unsigned i = 0; i < PENDING_MAX; i++) {
			pendings[i].next = pending_free;
			pending_free = &pendings[i];
		}
		pending_ready = true;
	}
	struct pending *p = pending_free;
	if (p) {
		pending_free = p->next;
		memset(p, 0, sizeof(*p));
	}
	return p;
}

static void pending_release(struct pending *p)
{
	if (p->heap)
		free(p->heap);
	if (p->ool_addr)
		uk_vm_free(p->ool_addr, p->ool_size);
	p->next = pending_free;
	pending_free = p;
}

/* Receive queue. */

void sock_rx_clear(struct sock *s)
{
	while (s->rx_count) {
		pbuf_free(s->rxq[s->rx_head].p);
		s->rxq[s->rx_head].p = NULL;
		s->rx_head = (s->rx_head + 1) % SOCK_RXQ;
		s->rx_count--;
	}
	s->rx_bytes = 0;
}

bool sock_rx_push(struct sock *s, struct pbuf *p, const ip_addr_t *addr, uint16_t port)
{
	if (!addr && s->rx_count) {
		struct rx_entry *t = &s->rxq[(s->rx_head + s->rx_count - 1) % SOCK_RXQ];
		if ((uint32_t)t->p->tot_len + p->tot_len <= 0xffff) {
			pbuf_cat(t->p, p);
			s->rx_bytes += p->tot_len;
			return true;
		}
	}
	if (s->rx_count == SOCK_RXQ)
		return false;
	struct rx_entry *e = &s->rxq[(s->rx_head + s->rx_count) % SOCK_RXQ];
	e->p = p;
	if (addr)
		ip_addr_copy(e->addr, *addr);
	else
		ip_addr_set_zero(&e->addr);
	e->port = port;
	s->rx_count++;
	s->rx_bytes += p->tot_len;
	return true;
}

static bool datagram_fits(struct sock *s, const struct pbuf *p)
{
	return !s->rd_shut && s->rx_count < SOCK_RXQ &&
	       s->rx_bytes + p->tot_len <= s->rcvbuf;
}

void sock_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		   const ip_addr_t *addr, u16_t port)
{
	struct sock *s = arg;

	(void)pcb;
	if (!datagram_fits(s, p)) {
		sock_udp_drops++;
		pbuf_free(p);
		return;
	}
	sock_rx_push(s, p, addr, port);
	sock_mark_dirty(s);
}

/* Raw sockets get a copy (IPv4: with its IP header, as on Linux) and
 * leave the packet to lwIP, which still answers echo requests. */
u8_t sock_raw_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct sock *s = arg;

	(void)pcb;
	if (!datagram_fits(s, p)) {
		sock_udp_drops++;
		return 0;
	}
	struct pbuf *c = pbuf_clone(PBUF_RAW, PBUF_POOL, p);
	if (!c) {
		sock_udp_drops++;
		return 0;
	}
	sock_rx_push(s, c, addr, 0);
	sock_mark_dirty(s);
	return 0;
}

/* Copy up to n bytes of a stream's queue to dst, consuming them unless
 * peek, and reopen the window by what was consumed. */
static uint32_t stream_copy(struct sock *s, uint8_t *dst, uint32_t n, bool peek)
{
	uint32_t done = 0;
	unsigned idx = s->rx_head, left = s->rx_count;

	while (done < n && left) {
		struct rx_entry *e = &s->rxq[idx];
		uint32_t take = e->p->tot_len;
		if (take > n - done)
			take = n - done;
		pbuf_copy_partial(e->p, dst + done, (u16_t)take, 0);
		done += take;
		if (!peek) {
			e->p = pbuf_free_header(e->p, (u16_t)take);
			if (!e->p) {
				s->rx_head = (s->rx_head + 1) % SOCK_RXQ;
				s->rx_count--;
			}
		}
		idx = (idx + 1) % SOCK_RXQ;
		left--;
	}
	if (!peek) {
		s->rx_bytes -= done;
		uint32_t ack = done;
		while (ack && s->pcb.tcp) {
			uint16_t a = ack > 0xffff ? 0xffff : (uint16_t)ack;
			tcp_recved(s->pcb.tcp, a);
			ack -= a;
		}
	}
	return done;
}

/* Where n bytes of reply data go: inline if they fit, else the staging
 * buffer sent out-of-line. */
static uint8_t *data_room(uint32_t n)
{
	if (n <= UK_RPC_INLINE_DATA) {
		uint8_t *p = reply_grow(n);
		if (p)
			return p;
	}
	return reply_staging();
}

static void data_done(uint8_t *room, uint32_t n)
{
	if (room == reply_staging())
		reply_data(room, n);
}

static void finish(struct pending *p)
{
	p->waiting = false;
	reply_to(p->reply);
	pending_release(p);
}

static void answer(struct pending *p, int32_t status)
{
	reply_start(p->op, status);
	finish(p);
}

static void answer_len(struct pending *p, uint32_t len)
{
	struct uk_sock_reply *r = reply_start(p->op, 0);
	reply_grow(sizeof(*r));
	r->len = len;
	finish(p);
}

/* A datagram was taken: the head of the receive queue goes. */
static void rx_drop_head(struct sock *s)
{
	struct rx_entry *e = &s->rxq[s->rx_head];
	s->rx_bytes -= e->p->tot_len;
	pbuf_free(e->p);
	e->p = NULL;
	s->rx_head = (s->rx_head + 1) % SOCK_RXQ;
	s->rx_count--;
}

/* A batch RECV with datagrams queued: every one that fits in want bytes
 * of records (uk/proto/sock.h), at least the first (cut if need be). */
static bool recv_batch(struct sock *s, struct pending *p, uint32_t want, bool peek)
{
	const uint32_t head = (uint32_t)sizeof(struct uk_sock_dgram);
	uint32_t total = 0, k = 0;

	if (want < head + 8u) { /* sock.c refuses it; a PEEK never gets here */
		answer(p, -ERR_INVALID);
		return true;
	}
	while (k < s->rx_count) {
		const struct rx_entry *e = &s->rxq[(s->rx_head + k) % SOCK_RXQ];
		uint32_t span = UK_SOCK_DGRAM_SPAN(e->p->tot_len);
		if (span > want - total)
			break;
		total += span;
		k++;
	}
	uint32_t cut = 0; /* bytes of the first datagram, when it alone is cut */
	if (!k) {
		cut = (want - head) & ~7u;
		total = head + cut;
		k = 1;
	}
	struct uk_sock_reply *r = reply_start(p->op, 0);
	reply_grow(sizeof(*r));
	uint8_t *room = data_room(total);
	uint32_t off = 0;
	for (uint32_t i = 0; i < k; i++) {
		struct rx_entry *e = &s->rxq[(s->rx_head + i) % SOCK_RXQ];
		struct uk_sock_dgram d;
		memset(&d, 0, sizeof(d));
		d.len = cut ? cut : e->p->tot_len;
		d.flags = cut ? UK_SOCK_MSG_TRUNC : 0;
		addr_to_proto(&e->addr, e->port, &d.addr);
		memcpy(room + off, &d, sizeof(d));
		pbuf_copy_partial(e->p, room + off + head, (u16_t)d.len, 0);
		uint32_t span = UK_SOCK_DGRAM_SPAN(d.len);
		memset(room + off + head + d.len, 0, span - head - d.len);
		off += span;
	}
	r->len = total;
	data_done(room, total);
	for (uint32_t i = 0; !peek && i < k; i++)
		rx_drop_head(s);
	finish(p);
	return true;
}

/* Try a RECV; true if it was answered. */
static bool try_recv(struct sock *s, struct pending *p)
{
	uint32_t want = p->len < UK_SOCK_IO_MAX ? p->len : UK_SOCK_IO_MAX;
	bool peek = p->flags & UK_SOCK_MSG_PEEK;

	if (s->type == UK_SOCK_STREAM) {
		if (s->listening) {
			answer(p, -ERR_INVALID);
			return true;
		}
		if (!s->rx_count) {
			if (s->error && !s->rd_shut) {
				int32_t e = s->error;
				s->error = 0;
				answer(p, e);
				return true;
			}
			if (s->eof || s->rd_shut || want == 0) {
				answer_len(p, 0);
				return true;
			}
			if (!s->connected && !s->connecting) {
				answer(p, -ERR_NOT_CONNECTED);
				return true;
			}
			return false;
		}
		uint32_t n = want < s->rx_bytes ? want : s->rx_bytes;
		struct uk_sock_reply *r = reply_start(p->op, 0);
		reply_grow(sizeof(*r));
		uint8_t *room = data_room(n);
		r->len = stream_copy(s, room, n, peek);
		data_done(room, r->len);
		finish(p);
		return true;
	}
	if (!s->rx_count)
		return false;
	if (p->flags & UK_SOCK_MSG_BATCH)
		return recv_batch(s, p, want, peek);
	struct rx_entry *e = &s->rxq[s->rx_head];
	uint32_t n = e->p->tot_len < want ? e->p->tot_len : want;
	struct uk_sock_reply *r = reply_start(p->op, 0);
	reply_grow(sizeof(*r));
	r->len = n;
	r->flags = n < e->p->tot_len ? UK_SOCK_MSG_TRUNC : 0;
	addr_to_proto(&e->addr, e->port, &r->addr);
	uint8_t *room = data_room(n);
	pbuf_copy_partial(e->p, room, (u16_t)n, 0);
	data_done(room, n);
	if (!peek)
		rx_drop_head(s);
	finish(p);
	return true;
}

static bool try_accept(struct sock *s, struct pending *p)
{
	if (!s->listening) {
		answer(p, -ERR_INVALID);
		return true;
	}
	if (!s->acc_first)
		return false;
	struct uk_sock_reply *r = reply_start(p->op, 0);
	reply_grow(sizeof(*r));
	long rc = sock_accept_one(s, r);
	if (rc < 0) {
		answer(p, (int32_t)rc);
		return true;
	}
	finish(p);
	return true;
}

static bool try_connect(struct sock *s, struct pending *p)
{
	if (s->connected) {
		answer(p, 0);
		return true;
	}
	if (s->error) {
		int32_t e = s->error;
		s->error = 0;
		answer(p, e);
		return true;
	}
	if (!s->connecting) {
		answer(p, -ERR_NOT_CONNECTED);
		return true;
	}
	return false;
}

/* Feed a stream SEND into lwIP; true once every byte is in. */
static bool try_send(struct sock *s, struct pending *p)
{
	struct tcp_pcb *pcb = s->pcb.tcp;

	if (s->error && !p->done) {
		int32_t e = s->error;
		answer(p, e);
		return true;
	}
	if (s->wr_shut || !pcb || s->listening || (!s->connected && !s->connecting)) {
		if (p->done)
			answer_len(p, p->done);
		else
			answer(p, s->connected || s->wr_shut ? -ERR_NOT_CONNECTED
				  : s->listening ? -ERR_INVALID : -ERR_NOT_CONNECTED);
		return true;
	}
	if (s->connecting)
		return false;
	bool wrote = false;
	while (p->done < p->len) {
		uint32_t room = tcp_sndbuf(pcb), left = p->len - p->done;
		uint32_t n = left < room ? left : room;
		if (n > 0xffff)
			n = 0xffff;
		if (!n)
			break;
		u8_t flags = TCP_WRITE_FLAG_COPY | (n < left ? TCP_WRITE_FLAG_MORE : 0);
		err_t e = tcp_write(pcb, p->data + p->done, (u16_t)n, flags);
		if (e == ERR_MEM) {
			/* Queue or heap full: a sent callback, or failing
			 * that a retry, brings us back. */
			s->retry = true;
			if (sock_next_expiry > netd_now() + 20000000u)
				sock_next_expiry = netd_now() + 20000000u;
			break;
		}
		if (e != ERR_OK) {
			tcp_output(pcb);
			if (p->done)
				answer_len(p, p->done);
			else
				answer(p, netd_err(e));
			return true;
		}
		p->done += n;
		wrote = true;
	}
	if (wrote)
		tcp_output(pcb);
	if (p->done < p->len)
		return false;
	answer_len(p, p->done);
	return true;
}

static bool try_one(struct sock *s, struct pending *p)
{
	switch (p->op) {
	case SOCK_RECV:
		return try_recv(s, p);
	case SOCK_ACCEPT:
		return try_accept(s, p);
	case SOCK_CONNECT:
		return try_connect(s, p);
	case SOCK_SEND:
		return try_send(s, p);
	default:
		answer(p, -ERR_UNSUPPORTED);
		return true;
	}
}

/* What a request that cannot complete now answers when its time is up. */
static void expire_one(struct pending *p)
{
	if (p->op == SOCK_SEND && p->done)
		answer_len(p, p->done);
	else
		answer(p, p->deadline == 0 ? (p->op == SOCK_CONNECT ? -ERR_IN_PROGRESS
								   : -ERR_WOULD_BLOCK)
					   : -ERR_TIMED_OUT);
}

static void run_queue(struct sock *s, struct pending **q)
{
	while (*q) {
		struct pending *p = *q;
		*q = p->next;
		if (try_one(s, p)) {
			sock_poll_dirty = true;
			continue;
		}
		p->next = *q;
		*q = p;
		break;
	}
}

void sock_expire(struct sock *s, uint64_t now)
{
	struct pending **qs[2] = { &s->rq, &s->wq };

	for (unsigned i = 0; i < 2; i++) {
		for (struct pending **pp = qs[i]; *pp;) {
			struct pending *p = *pp;
			if (p->deadline > now) {
				if (p->deadline < sock_next_expiry)
					sock_next_expiry = p->deadline;
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			expire_one(p);
		}
	}
	sock_mark_dirty(s); /* what expired may unblock what follows */
}

void sock_try(struct sock *s)
{
	if (!s->used)
		return;
	run_queue(s, &s->rq);
	if (!s->used)
		return;
	run_queue(s, &s->wq);
	/* Requests that may not wait answer now. */
	struct pending **qs[2] = { &s->rq, &s->wq };
	for (unsigned i = 0; i < 2; i++)
		for (struct pending **pp = qs[i]; *pp;) {
			struct pending *p = *pp;
			if (p->deadline != 0) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			expire_one(p);
		}
}

void sock_fail_pending(struct sock *s, int32_t status)
{
	struct pending **qs[2] = { &s->rq, &s->wq };

	for (unsigned i = 0; i < 2; i++)
		while (*qs[i]) {
			struct pending *p = *qs[i];
			*qs[i] = p->next;
			if (p->op == SOCK_SEND && p->done)
				answer_len(p, p->done);
			else
				answer(p, status);
		}
}

static long start_connect(struct sock *s, const struct uk_sock_req *rq)
{
	ip_addr_t ip;
	uint16_t port;

	if (s->type != UK_SOCK_STREAM) {
		if (rq->addr.family == UK_AF_UNSPEC) {
			if (s->type == UK_SOCK_DGRAM)
				udp_disconnect(s->pcb.udp);
			else
				raw_disconnect(s->pcb.raw);
			return 0;
		}
		if (!addr_from_proto(&rq->addr, &ip, &port) || rq->addr.family != s->family)
			return -ERR_INVALID;
		err_t e = s->type == UK_SOCK_DGRAM ? udp_connect(s->pcb.udp, &ip, port)
						   : raw_connect(s->pcb.raw, &ip);
		return netd_err(e);
	}
	if (s->listening)
		return -ERR_INVALID;
	if (s->connected)
		return -ERR_EXISTS;
	if (s->connecting)
		return 1; /* wait for the connect already under way */
	if (!s->pcb.tcp)
		return s->error ? s->error : -ERR_NOT_CONNECTED;
	if (!addr_from_proto(&rq->addr, &ip, &port) || rq->addr.family != s->family || !port)
		return -ERR_INVALID;
	err_t e = tcp_connect(s->pcb.tcp, &ip, port, sock_tcp_connected);
	if (e != ERR_OK)
		return netd_err(e);
	s->connecting = true;
	s->error = 0;
	return 1;
}

long sock_wait(struct sock *s, const struct uk_msg_header *h,
	       const struct uk_sock_req *rq, const uint8_t *data,
	       uint64_t ool_addr, uint64_t ool_size)
{
	struct pending **q = h->id == SOCK_RECV || h->id == SOCK_ACCEPT ? &s->rq : &s->wq;

	if (h->id == SOCK_CONNECT) {
		bool already = s->connecting;
		long rc = start_connect(s, rq);
		if (rc < 0)
			return rc;
		if (rc == 0 || s->connected) {
			reply_start(h->id, 0);
			return NETD_REPLY;
		}
		if (rq->timeout_ns == 0)
			return already ? -ERR_BUSY : -ERR_IN_PROGRESS;
	}
	struct pending *p = pending_alloc();
	if (!p)
		return -ERR_LIMIT;
	p->op = h->id;
	p->reply = h->reply;
	p->deadline = rq->timeout_ns ? netd_deadline(rq->timeout_ns) : 0;
	p->flags = rq->flags;
	p->len = rq->len;
	p->addr = rq->addr;
	p->data = data;
	p->waiting = true;
	while (*q)
		q = &(*q)->next;
	*q = p;
	/* The request may complete at once: then its reply goes out with
	 * the loop's next receive. */
	sock_try(s);
	if (!p->waiting)
		return NETD_DEFERRED;
	/* Still waiting: keep its bytes beyond this message. */
	if (h->id == SOCK_SEND) {
		if (ool_addr) {
			p->ool_addr = ool_addr;
			p->ool_size = ool_size;
			netd_keep_ool = true;
		} else if ((p->heap = malloc(p->len ? p->len : 1))) {
			memcpy(p->heap, data, p->len);
			p->data = p->heap;
		} else {
			for (q = &s->wq; *q != p; q = &(*q)->next)
				;
			*q = p->next;
			if (p->done)
				answer_len(p, p->done);
			else
				answer(p, -ERR_NO_MEMORY);
			return NETD_DEFERRED;
		}
	}
	if (p->deadline < sock_next_expiry)
		sock_next_expiry = p->deadline;
	return NETD_DEFERRED;
}

long sock_send_datagram(struct sock *s, const struct uk_sock_req *rq, const uint8_t *data)
{
	ip_addr_t ip;
	uint16_t port = 0;
	bool to = rq->addr.family != UK_AF_UNSPEC;

	if (to && (!addr_from_proto(&rq->addr, &ip, &port) || rq->addr.family != s->family))
		return -ERR_INVALID;
	if (rq->len > 65507)
		return -ERR_TOO_BIG;
	struct pbuf *pb = pbuf_alloc(s->type == UK_SOCK_DGRAM ? PBUF_TRANSPORT : PBUF_IP,
				     (u16_t)rq->len, PBUF_RAM);
	if (!pb)
		return -ERR_NO_MEMORY;
	pbuf_take(pb, data, (u16_t)rq->len);
	err_t e;
	if (s->type == UK_SOCK_DGRAM) {
		if (to)
			e = udp_sendto(s->pcb.udp, pb, &ip, port);
		else if (s->pcb.udp->flags & UDP_FLAGS_CONNECTED)
			e = udp_send(s->pcb.udp, pb);
		else
			e = ERR_CONN;
	} else {
		e = to ? raw_sendto(s->pcb.raw, pb, &ip) : raw_send(s->pcb.raw, pb);
	}
	pbuf_free(pb);
	if (e != ERR_OK)
		return e == ERR_CONN ? -ERR_NOT_CONNECTED : netd_err(e);
	return rq->len;
}

long sock_send_batch(struct sock *s, const uint8_t *data, uint32_t len)
{
	const uint32_t head = (uint32_t)sizeof(struct uk_sock_dgram);
	struct uk_sock_dgram d;
	uint32_t off = 0, sent = 0;

	/* Every record is checked before anything goes out. */
	while (off < len) {
		if (len - off < head)
			return -ERR_INVALID;
		memcpy(&d, data + off, head);
		if (d.len > 65507 || d.flags || UK_SOCK_DGRAM_SPAN(d.len) > len - off)
			return -ERR_INVALID;
		off += UK_SOCK_DGRAM_SPAN(d.len);
	}
	if (!len)
		return -ERR_INVALID;
	for (off = 0; off < len; off += UK_SOCK_DGRAM_SPAN(d.len)) {
		struct uk_sock_req rq;
		memcpy(&d, data + off, head);
		memset(&rq, 0, sizeof(rq));
		rq.len = d.len;
		rq.addr = d.addr;
		if (sock_send_datagram(s, &rq, data + off + head) >= 0)
			sent++;
	}
	return sent;
}

/* Poll. */

uint16_t sock_readiness(struct sock *s)
{
	uint16_t r = 0;

	if (s->type != UK_SOCK_STREAM) {
		if (s->rx_count)
			r |= UK_POLLIN;
		return r | UK_POLLOUT;
	}
	if (s->listening)
		return s->acc_first ? UK_POLLIN : 0;
	if (s->rx_count || s->eof || s->rd_shut || s->error)
		r |= UK_POLLIN;
	if (s->connected && s->pcb.tcp && !s->wr_shut && !s->wq &&
	    tcp_sndbuf(s->pcb.tcp) > 0)
		r |= UK_POLLOUT;
	if (s->error)
		r |= UK_POLLERR;
	if ((s->connected || s->error) && !s->pcb.tcp)
		r |= UK_POLLHUP;
	if (s->eof && s->wr_shut)
		r |= UK_POLLHUP;
	return r;
}

static unsigned poll_eval(struct poll_wait *w, struct uk_sock_poll_reply *rep)
{
	unsigned ready = 0;

	for (unsigned i = 0; i < w->n; i++) {
		struct sock *s = w->s[i];
		uint16_t r;
		if (!s || !s->used || s->gen != w->gen[i] || !s->port)
			r = UK_POLLNVAL;
		else
			r = sock_readiness(s) &
			    (w->events[i] | UK_POLLERR | UK_POLLHUP | UK_POLLNVAL);
		if (rep)
			rep->revents[i] = r;
		if (r)
			ready++;
	}
	if (rep)
		rep->n_ready = ready;
	return ready;
}

static void poll_answer(struct poll_wait *w)
{
	struct uk_sock_poll_reply *rep = reply_start(SOCK_POLL, 0);
	reply_grow(sizeof(*rep));
	poll_eval(w, rep);
	reply_to(w->reply);
}

long sock_poll(const struct uk_msg_header *h)
{
	const struct uk_sock_poll_req *rq = uk_msg_body(h);
	struct poll_wait w;

	if (uk_msg_body_len(h) < sizeof(*rq) || rq->count != h->n_ports ||
	    h->n_ports > UK_SOCK_POLL_MAX) {
		netd_bad_requests++;
		return -ERR_INVALID;
	}
	memset(&w, 0, sizeof(w));
	w.reply = h->reply;
	w.n = h->n_ports;
	w.deadline = rq->timeout_ns ? netd_deadline(rq->timeout_ns) : 0;
	for (unsigned i = 0; i < w.n; i++) {
		/* Our own socket ports arrive under our receive right's
		 * name; the extra send reference is dropped by the loop. */
		struct sock *s = sock_by_port(uk_msg_ports(h)[i].name);
		w.s[i] = s;
		w.gen[i] = s ? s->gen : 0;
		w.events[i] = rq->events[i];
	}
	if (poll_eval(&w, NULL) || !w.deadline) {
		poll_answer(&w);
		return NETD_DEFERRED;
	}
	for (unsigned i = 0; i < POLL_MAX; i++) {
		if (polls[i].used)
			continue;
		polls[i] = w;
		polls[i].used = true;
		n_polls++;
		return NETD_DEFERRED;
	}
	return -ERR_LIMIT;
}

uint64_t sock_poll_progress(void)
{
	uint64_t now = netd_now(), next = UINT64_MAX;
	bool check = sock_poll_dirty;

	sock_poll_dirty = false;
	for (unsigned i = 0; n_polls && i < POLL_MAX; i++) {
		struct poll_wait *w = &polls[i];
		if (!w->used)
			continue;
		if ((check && poll_eval(w, NULL)) || w->deadline <= now) {
			poll_answer(w);
			w->used = false;
			n_polls--;
			continue;
		}
		if (w->deadline < next)
			next = w->deadline;
	}
	return next;
}
