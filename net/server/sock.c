/* SPDX-License-Identifier: MIT */
/*
 * The socket table: opening and closing sockets, their ports, lwIP's TCP
 * callbacks, and the socket requests that answer at once (bind, listen,
 * shutdown, options, names). Requests that may wait go to sock_io.c.
 *
 * A socket's port holds our receive right and, until the client takes it,
 * one send right of ours that the reply moves to the client; the
 * no-senders notification is requested while that right exists, so it
 * fires exactly when the last client right is gone.
 *
 * Closing a stream hands the pcb to lwIP for a graceful close: data the
 * client was told is sent still goes out, and unread received data is
 * acknowledged first, so lwIP sends FIN rather than RST. If lwIP has no
 * memory for the FIN right now, the pcb waits on a short list and the
 * close is retried.
 */
#include <string.h>
#include <ulib.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "sock.h"

#define HASH_SIZE 256
#define CLOSING_MAX 64

static struct sock socks[SOCK_MAX];
static struct sock *hash[HASH_SIZE];
static struct sock *dirty_first;
static unsigned n_socks;
static struct tcp_pcb *closing[CLOSING_MAX];
static uint64_t closing_retry_at = UINT64_MAX;

static unsigned hash_of(uk_name_t port)
{
	return (port ^ (port >> 16)) % HASH_SIZE;
}

struct sock *sock_by_port(uk_name_t port)
{
	for (struct sock *s = hash[hash_of(port)]; s; s = s->hnext)
		if (s->port == port)
			return s;
	return NULL;
}

void sock_mark_dirty(struct sock *s)
{
	sock_poll_dirty = true;
	if (s->dirty)
		return;
	s->dirty = true;
	s->dirty_next = dirty_first;
	dirty_first = s;
}

unsigned sock_count(void)
{
	return n_socks;
}

uint64_t sock_udp_queue_drops(void)
{
	return sock_udp_drops;
}

struct sock *sock_alloc(uint8_t type, uint8_t family, uint8_t protocol)
{
	for (unsigned i = 0; i < SOCK_MAX; i++) {
		struct sock *s = &socks[i];
		if (s->used)
			continue;
		uint16_t gen = s->gen;
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->gen = gen;
		s->id = i + 1;
		s->type = type;
		s->family = family;
		s->protocol = protocol;
		s->rcvbuf = SOCK_UDP_RCVBUF;
		n_socks++;
		return s;
	}
	return NULL;
}

long sock_make_port(struct sock *s)
{
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (p <= 0)
		return p ? p : -ERR_NO_MEMORY;
	uk_name_t port = (uk_name_t)p;
	long rc = uk_port_insert_right(port, UK_DISP_MAKE_SEND);
	if (rc >= 0)
		rc = uk_port_request_notification(port, UK_NOTIFY_NO_SENDERS, netd_notify);
	if (rc >= 0)
		rc = uk_port_set_add(netd_set, port);
	if (rc < 0) {
		uk_port_destroy(port);
		return rc;
	}
	s->port = port;
	unsigned b = hash_of(port);
	s->hnext = hash[b];
	hash[b] = s;
	return 0;
}

static void unhash(struct sock *s)
{
	for (struct sock **pp = &hash[hash_of(s->port)]; *pp; pp = &(*pp)->hnext)
		if (*pp == s) {
			*pp = s->hnext;
			return;
		}
}

static void sock_free(struct sock *s)
{
	if (s->port) {
		unhash(s);
		uk_port_destroy(s->port);
	}
	if (s->dirty) {
		for (struct sock **pp = &dirty_first; *pp; pp = &(*pp)->dirty_next)
			if (*pp == s) {
				*pp = s->dirty_next;
				break;
			}
	}
	s->used = false;
	s->gen++;
	n_socks--;
	sock_poll_dirty = true;
}

/* Leave a pcb to lwIP for a graceful close. */
static void closing_err(void *arg, err_t err)
{
	(void)err;
	closing[(uintptr_t)arg] = NULL; /* lwIP freed it */
}

static void tcp_release(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
	if (tcp_close(pcb) == ERR_OK)
		return;
	for (uintptr_t i = 0; i < CLOSING_MAX; i++) {
		if (closing[i])
			continue;
		closing[i] = pcb;
		tcp_arg(pcb, (void *)i);
		tcp_err(pcb, closing_err);
		closing_retry_at = netd_now() + 100000000u;
		return;
	}
	tcp_abort(pcb); /* no memory and no room to wait: the last resort */
}

static void closing_retry(void)
{
	if (netd_now() < closing_retry_at)
		return;
	closing_retry_at = UINT64_MAX;
	for (unsigned i = 0; i < CLOSING_MAX; i++) {
		struct tcp_pcb *pcb = closing[i];
		if (!pcb)
			continue;
		/* Once closed, lwIP may free it or keep it for a while:
		 * either way it is no longer ours to watch. */
		tcp_err(pcb, NULL);
		tcp_arg(pcb, NULL);
		if (tcp_close(pcb) == ERR_OK) {
			closing[i] = NULL;
			continue;
		}
		tcp_arg(pcb, (void *)(uintptr_t)i);
		tcp_err(pcb, closing_err);
		closing_retry_at = netd_now() + 100000000u;
	}
}

static void drop_accept_queue(struct sock *l)
{
	while (l->acc_first) {
		struct sock *a = l->acc_first;
		l->acc_first = a->acc_next;
		if (a->pcb.tcp) {
			struct tcp_pcb *pcb = a->pcb.tcp;
			tcp_arg(pcb, NULL);
			tcp_err(pcb, NULL);
			tcp_abort(pcb);
		}
		sock_rx_clear(a);
		sock_free(a);
	}
	l->acc_last = NULL;
	l->acc_count = 0;
}

/* Remove an accepted, not yet handed out connection from its listener. */
static void accept_unlink(struct sock *a)
{
	struct sock *l = a->listener;

	if (!l)
		return;
	struct sock *prev = NULL;
	for (struct sock *x = l->acc_first; x; prev = x, x = x->acc_next) {
		if (x != a)
			continue;
		if (prev)
			prev->acc_next = a->acc_next;
		else
			l->acc_first = a->acc_next;
		if (l->acc_last == a)
			l->acc_last = prev;
		l->acc_count--;
		break;
	}
	a->listener = NULL;
}

void sock_close(struct sock *s)
{
	if (!s->used)
		return;
	sock_fail_pending(s, -ERR_BAD_HANDLE);
	switch (s->type) {
	case UK_SOCK_STREAM:
		if (s->listening) {
			drop_accept_queue(s);
			if (s->pcb.tcp) {
				tcp_arg(s->pcb.tcp, NULL);
				tcp_close(s->pcb.tcp); /* cannot fail for listeners */
			}
		} else if (s->pcb.tcp) {
			/* Acknowledge what the client never read, so the
			 * close is a FIN and not a reset (see the top). */
			uint32_t unread = s->rx_bytes;
			while (unread) {
				uint16_t n = unread > 0xffff ? 0xffff : (uint16_t)unread;
				tcp_recved(s->pcb.tcp, n);
				unread -= n;
			}
			tcp_release(s->pcb.tcp);
		}
		accept_unlink(s);
		break;
	case UK_SOCK_DGRAM:
		if (s->pcb.udp)
			udp_remove(s->pcb.udp);
		break;
	case UK_SOCK_RAW:
		if (s->pcb.raw)
			raw_remove(s->pcb.raw);
		break;
	default:
		break;
	}
	s->pcb.any = NULL;
	sock_rx_clear(s);
	sock_free(s);
}

void sock_no_senders(uk_name_t port)
{
	struct sock *s = sock_by_port(port);

	if (s)
		sock_close(s);
}

/* lwIP's TCP callbacks: they queue and mark, nothing else. */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sock *s = arg;

	(void)err;
	if (!p) {
		s->eof = true;
		sock_mark_dirty(s);
		return ERR_OK;
	}
	if (s->rd_shut) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	/* A full queue refuses the data; lwIP keeps it and offers it again. */
	if (!sock_rx_push(s, p, NULL, 0))
		return ERR_MEM;
	sock_mark_dirty(s);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	sock_mark_dirty(arg);
	return ERR_OK;
}

static void tcp_err_cb(void *arg, err_t err)
{
	struct sock *s = arg;

	/* lwIP has freed the pcb. */
	s->pcb.tcp = NULL;
	if (s->connecting)
		s->error = err == ERR_RST ? -ERR_CONN_REFUSED
			   : err == ERR_ABRT ? -ERR_TIMED_OUT : netd_err(err);
	else
		s->error = err == ERR_RST || err == ERR_ABRT ? -ERR_CONN_RESET : netd_err(err);
	s->connecting = false;
	s->eof = true;
	if (s->listener && !s->port) {
		/* Died before anybody accepted it. */
		accept_unlink(s);
		sock_rx_clear(s);
		sock_free(s);
		return;
	}
	sock_mark_dirty(s);
}

err_t sock_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *s = arg;

	(void)pcb;
	(void)err;
	s->connecting = false;
	s->connected = true;
	sock_mark_dirty(s);
	return ERR_OK;
}

void sock_setup_tcp(struct sock *s, struct tcp_pcb *pcb)
{
	s->pcb.tcp = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *l = arg;

	if (err != ERR_OK || !pcb || !l)
		return ERR_VAL;
	struct sock *a = sock_alloc(UK_SOCK_STREAM, l->family, l->protocol);
	if (!a)
		return ERR_MEM; /* lwIP aborts the connection */
	sock_setup_tcp(a, pcb);
	a->connected = true;
	a->owner = l->owner;
	a->listener = l;
	/* It counts against the backlog until a client accepts it. */
	tcp_backlog_delayed(pcb);
	if (l->acc_last)
		l->acc_last->acc_next = a;
	else
		l->acc_first = a;
	l->acc_last = a;
	l->acc_count++;
	sock_mark_dirty(l);
	return ERR_OK;
}

/* Hand out the first accepted connection: give it a port and put it into
 * the reply. */
long sock_accept_one(struct sock *l, struct uk_sock_reply *rep)
{
	struct sock *a = l->acc_first;
	long rc = sock_make_port(a);

	if (rc < 0)
		return rc;
	l->acc_first = a->acc_next;
	if (!l->acc_first)
		l->acc_last = NULL;
	l->acc_count--;
	a->listener = NULL;
	a->acc_next = NULL;
	if (a->pcb.tcp) {
		tcp_backlog_accepted(a->pcb.tcp);
		addr_to_proto(&a->pcb.tcp->remote_ip, a->pcb.tcp->remote_port, &rep->addr);
	}
	reply_port(a->port, UK_DISP_MOVE_SEND);
	return 0;
}

static bool valid_family(uint32_t family)
{
	return family == UK_AF_INET || family == UK_AF_INET6;
}

long sock_open(const struct uk_msg_header *h)
{
	const struct uk_sock_open_req *rq = uk_msg_body(h);

	if (uk_msg_body_len(h) < sizeof(*rq)) {
		netd_bad_requests++;
		return -ERR_INVALID;
	}
	if (!valid_family(rq->family))
		return -ERR_UNSUPPORTED;
	u8_t iptype = rq->family == UK_AF_INET6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4;
	uint32_t proto = rq->protocol;
	switch (rq->type) {
	case UK_SOCK_STREAM:
		if (proto && proto != UK_IPPROTO_TCP)
			return -ERR_UNSUPPORTED;
		proto = UK_IPPROTO_TCP;
		break;
	case UK_SOCK_DGRAM:
		if (proto && proto != UK_IPPROTO_UDP)
			return -ERR_UNSUPPORTED;
		proto = UK_IPPROTO_UDP;
		break;
	case UK_SOCK_RAW:
		if (proto != UK_IPPROTO_ICMP && proto != UK_IPPROTO_ICMPV6)
			return -ERR_UNSUPPORTED;
		break;
	default:
		return -ERR_UNSUPPORTED;
	}
	struct sock *s = sock_alloc((uint8_t)rq->type, (uint8_t)rq->family, (uint8_t)proto);
	if (!s)
		return -ERR_LIMIT;
	s->owner = UK_ID_INDEX(h->sender); /* for display only */
	switch (rq->type) {
	case UK_SOCK_STREAM: {
		struct tcp_pcb *pcb = tcp_new_ip_type(iptype);
		if (pcb)
			sock_setup_tcp(s, pcb);
		break;
	}
	case UK_SOCK_DGRAM:
		s->pcb.udp = udp_new_ip_type(iptype);
		if (s->pcb.udp)
			udp_recv(s->pcb.udp, sock_udp_recv, s);
		break;
	default:
		s->pcb.raw = raw_new_ip_type(iptype, (u8_t)proto);
		if (s->pcb.raw) {
			raw_recv(s->pcb.raw, sock_raw_recv, s);
			if (proto == UK_IPPROTO_ICMPV6) {
				s->pcb.raw->chksum_reqd = 1;
				s->pcb.raw->chksum_offset = 2;
			}
		}
		break;
	}
	long rc = s->pcb.any ? sock_make_port(s) : -ERR_NO_MEMORY;
	if (rc < 0) {
		sock_close(s);
		return rc;
	}
	struct uk_sock_open_reply *r = reply_start(SOCK_OPEN, 0);
	reply_grow(sizeof(*r));
	r->id = s->id;
	r->version = UK_SOCK_VERSION;
	reply_port(s->port, UK_DISP_MOVE_SEND);
	return NETD_REPLY;
}

static long do_bind(struct sock *s, const struct uk_sock_req *rq)
{
	ip_addr_t ip;
	uint16_t port;

	if (!addr_from_proto(&rq->addr, &ip, &port) || rq->addr.family != s->family)
		return -ERR_INVALID;
	err_t e;
	switch (s->type) {
	case UK_SOCK_STREAM:
		if (!s->pcb.tcp || s->listening || s->connected || s->connecting)
			return -ERR_INVALID;
		e = tcp_bind(s->pcb.tcp, &ip, port);
		break;
	case UK_SOCK_DGRAM:
		e = udp_bind(s->pcb.udp, &ip, port);
		break;
	default:
		e = raw_bind(s->pcb.raw, &ip);
		break;
	}
	return netd_err(e);
}

static long do_listen(struct sock *s, const struct uk_sock_req *rq)
{
	if (s->type != UK_SOCK_STREAM || !s->pcb.tcp || s->connected || s->connecting)
		return -ERR_INVALID;
	if (s->listening)
		return 0;
	uint32_t backlog = rq->arg ? rq->arg : 1;
	if (backlog > 255)
		backlog = 255;
	if (s->pcb.tcp->local_port == 0) {
		err_t e = tcp_bind(s->pcb.tcp, IP_ANY_TYPE, 0);
		if (e != ERR_OK)
			return netd_err(e);
	}
	err_t e = ERR_OK;
	struct tcp_pcb *l = tcp_listen_with_backlog_and_err(s->pcb.tcp, (u8_t)backlog, &e);
	if (!l)
		return netd_err(e);
	/* tcp_listen freed the old pcb and returned a smaller one. */
	s->pcb.tcp = l;
	s->listening = true;
	tcp_arg(l, s);
	tcp_accept(l, tcp_accept_cb);
	return 0;
}

static long do_shutdown(struct sock *s, const struct uk_sock_req *rq)
{
	if (rq->arg > UK_SHUT_RDWR)
		return -ERR_INVALID;
	if (s->type != UK_SOCK_STREAM)
		return s->type == UK_SOCK_DGRAM ? 0 : -ERR_UNSUPPORTED;
	if (s->listening) {
		sock_fail_pending(s, -ERR_INVALID);
		return 0;
	}
	if (!s->connected)
		return -ERR_NOT_CONNECTED;
	if (rq->arg != UK_SHUT_WR && !s->rd_shut) {
		s->rd_shut = true;
		uint32_t unread = s->rx_bytes;
		sock_rx_clear(s);
		while (unread && s->pcb.tcp) {
			uint16_t n = unread > 0xffff ? 0xffff : (uint16_t)unread;
			tcp_recved(s->pcb.tcp, n);
			unread -= n;
		}
	}
	if (rq->arg != UK_SHUT_RD && !s->wr_shut) {
		s->wr_shut = true;
		if (s->pcb.tcp) {
			err_t e = tcp_shutdown(s->pcb.tcp, 0, 1);
			if (e != ERR_OK)
				return netd_err(e);
			tcp_output(s->pcb.tcp);
		}
	}
	sock_mark_dirty(s);
	return 0;
}

static struct ip_pcb *ip_common(struct sock *s)
{
	return (struct ip_pcb *)s->pcb.any;
}

static long do_getopt(struct sock *s, struct uk_sock_opt *o)
{
	struct tcp_pcb *t = s->type == UK_SOCK_STREAM && !s->listening ? s->pcb.tcp : NULL;
	struct ip_pcb *c = ip_common(s);

	switch (o->level << 16 | o->name) {
	case UK_SOL_SOCKET << 16 | UK_SO_TYPE:
		o->value = s->type;
		return 0;
	case UK_SOL_SOCKET << 16 | UK_SO_ERROR:
		o->value = s->error;
		s->error = 0;
		return 0;
	case UK_SOL_SOCKET << 16 | UK_SO_ACCEPTCONN:
		o->value = s->listening;
		return 0;
	case UK_SOL_SOCKET << 16 | UK_SO_RCVBUF:
		o->value = s->type == UK_SOCK_STREAM ? TCP_WND : s->rcvbuf;
		return 0;
	case UK_SOL_SOCKET << 16 | UK_SO_SNDBUF:
		o->value = s->type == UK_SOCK_STREAM ? TCP_SND_BUF : 65535;
		return 0;
	case UK_SOL_SOCKET << 16 | UK_SO_REUSEADDR:
		o->value = c && ip_get_option(c, SOF_REUSEADDR) ? 1 : 0;
		return 0;
	case UK_SOL_SOCKET << 16 | UK_SO_KEEPALIVE:
		o->value = c && ip_get_option(c, SOF_KEEPALIVE) ? 1 : 0;
		return 0;
	case UK_SOL_SOCKET << 16 | UK_SO_BROADCAST:
		o->value = c && ip_get_option(c, SOF_BROADCAST) ? 1 : 0;
		return 0;
	case UK_IPPROTO_IP << 16 | UK_IP_TTL:
		o->value = c ? c->ttl : 0;
		return 0;
	case UK_IPPROTO_TCP << 16 | UK_TCP_NODELAY:
		if (!t)
			return -ERR_INVALID;
		o->value = tcp_nagle_disabled(t) ? 1 : 0;
		return 0;
	case UK_IPPROTO_TCP << 16 | UK_TCP_KEEPIDLE:
		if (!t)
			return -ERR_INVALID;
		o->value = t->keep_idle / 1000;
		return 0;
	case UK_IPPROTO_TCP << 16 | UK_TCP_KEEPINTVL:
		if (!t)
			return -ERR_INVALID;
		o->value = t->keep_intvl / 1000;
		return 0;
	case UK_IPPROTO_TCP << 16 | UK_TCP_KEEPCNT:
		if (!t)
			return -ERR_INVALID;
		o->value = t->keep_cnt;
		return 0;
	default:
		return -ERR_UNSUPPORTED;
	}
}

static long do_setopt(struct sock *s, const struct uk_sock_opt *o)
{
	struct tcp_pcb *t = s->type == UK_SOCK_STREAM && !s->listening ? s->pcb.tcp : NULL;
	struct ip_pcb *c = ip_common(s);
	int64_t v = o->value;

	switch (o->level << 16 | o->name) {
	case UK_SOL_SOCKET << 16 | UK_SO_REUSEADDR:
	case UK_SOL_SOCKET << 16 | UK_SO_KEEPALIVE:
	case UK_SOL_SOCKET << 16 | UK_SO_BROADCAST: {
		u8_t opt = o->name == UK_SO_REUSEADDR ? SOF_REUSEADDR
			   : o->name == UK_SO_KEEPALIVE ? SOF_KEEPALIVE : SOF_BROADCAST;
		if (!c)
			return -ERR_INVALID;
		if (v)
			ip_set_option(c, opt);
		else
			ip_reset_option(c, opt);
		return 0;
	}
	case UK_SOL_SOCKET << 16 | UK_SO_RCVBUF:
		if (v < 0)
			return -ERR_INVALID;
		if (s->type != UK_SOCK_STREAM)
			s->rcvbuf = v < 2048 ? 2048 : v > (16 << 20) ? (16u << 20) : (uint32_t)v;
		return 0; /* a stream's window is fixed (TCP_WND) */
	case UK_SOL_SOCKET << 16 | UK_SO_SNDBUF:
		return v < 0 ? -ERR_INVALID : 0;
	case UK_IPPROTO_IP << 16 | UK_IP_TTL:
		if (!c || v < 1 || v > 255)
			return -ERR_INVALID;
		c->ttl = (u8_t)v;
		return 0;
	case UK_IPPROTO_TCP << 16 | UK_TCP_NODELAY:
		if (!t)
			return -ERR_INVALID;
		if (v)
			tcp_nagle_disable(t);
		else
			tcp_nagle_enable(t);
		return 0;
	case UK_IPPROTO_TCP << 16 | UK_TCP_KEEPIDLE:
	case UK_IPPROTO_TCP << 16 | UK_TCP_KEEPINTVL:
		if (!t || v < 1 || v > 86400)
			return -ERR_INVALID;
		if (o->name == UK_TCP_KEEPIDLE)
			t->keep_idle = (u32_t)v * 1000;
		else
			t->keep_intvl = (u32_t)v * 1000;
		return 0;
	case UK_IPPROTO_TCP << 16 | UK_TCP_KEEPCNT:
		if (!t || v < 1 || v > 127)
			return -ERR_INVALID;
		t->keep_cnt = (u32_t)v;
		return 0;
	default:
		return -ERR_UNSUPPORTED;
	}
}

static void do_name(struct sock *s, struct uk_sock_name_reply *r)
{
	memset(r, 0, sizeof(*r));
	switch (s->type) {
	case UK_SOCK_STREAM:
		if (!s->pcb.tcp)
			break;
		addr_to_proto(&s->pcb.tcp->local_ip, s->pcb.tcp->local_port, &r->local);
		if (!s->listening && (s->connected || s->connecting))
			addr_to_proto(&s->pcb.tcp->remote_ip, s->pcb.tcp->remote_port,
				      &r->peer);
		break;
	case UK_SOCK_DGRAM:
		addr_to_proto(&s->pcb.udp->local_ip, s->pcb.udp->local_port, &r->local);
		if (s->pcb.udp->flags & UDP_FLAGS_CONNECTED)
			addr_to_proto(&s->pcb.udp->remote_ip, s->pcb.udp->remote_port,
				      &r->peer);
		break;
	default:
		addr_to_proto(&s->pcb.raw->local_ip, 0, &r->local);
		break;
	}
	if (!r->local.family)
		r->local.family = s->family;
}

long sock_request(const struct uk_msg_header *h)
{
	struct sock *s = sock_by_port(h->dest);

	if (!s) {
		netd_bad_requests++;
		return -ERR_BAD_HANDLE;
	}
	uint32_t len = uk_msg_body_len(h);
	if (h->id == SOCK_GETOPT || h->id == SOCK_SETOPT) {
		if (len < sizeof(struct uk_sock_opt)) {
			netd_bad_requests++;
			return -ERR_INVALID;
		}
		struct uk_sock_opt o;
		memcpy(&o, uk_msg_body(h), sizeof(o));
		long rc = h->id == SOCK_GETOPT ? do_getopt(s, &o) : do_setopt(s, &o);
		if (rc < 0)
			return rc;
		struct uk_sock_opt *r = reply_start(h->id, 0);
		reply_grow(sizeof(*r));
		*r = o;
		return NETD_REPLY;
	}
	if (h->id == SOCK_CLOSE) {
		sock_close(s);
		reply_start(h->id, 0);
		return NETD_REPLY;
	}
	if (h->id == SOCK_NAME) {
		struct uk_sock_name_reply *r = reply_start(h->id, 0);
		reply_grow(sizeof(*r));
		do_name(s, r);
		return NETD_REPLY;
	}
	const struct uk_sock_req *rq = uk_msg_body(h);
	if (len < sizeof(*rq)) {
		netd_bad_requests++;
		return -ERR_INVALID;
	}
	long rc;
	switch (h->id) {
	case SOCK_BIND:
		rc = do_bind(s, rq);
		break;
	case SOCK_LISTEN:
		rc = do_listen(s, rq);
		break;
	case SOCK_SHUTDOWN:
		rc = do_shutdown(s, rq);
		break;
	case SOCK_SEND: {
		const uint8_t *data;
		uint64_t ool_addr = 0, ool_size = 0;
		if (rq->len > UK_SOCK_IO_MAX)
			return -ERR_TOO_BIG;
		if (h->n_ool == 0) {
			if (len - sizeof(*rq) != rq->len) {
				netd_bad_requests++;
				return -ERR_INVALID;
			}
			data = (const uint8_t *)(rq + 1);
		} else {
			const struct uk_msg_ool *o = uk_msg_ools(h);
			if (h->n_ool != 1 || !o->address || o->size < rq->len) {
				netd_bad_requests++;
				return -ERR_INVALID;
			}
			data = (const uint8_t *)(uintptr_t)o->address;
			ool_addr = o->address;
			ool_size = o->size;
		}
		if (s->type != UK_SOCK_STREAM && (rq->flags & UK_SOCK_MSG_BATCH)) {
			bool then_recv = (rq->flags & UK_SOCK_MSG_THEN_RECV) && h->reply;
			if (then_recv && rq->arg < sizeof(struct uk_sock_dgram) + 8u) {
				netd_bad_requests++;
				return -ERR_INVALID;
			}
			rc = sock_send_batch(s, data, rq->len);
			if (rc == -ERR_INVALID)
				netd_bad_requests++;
			if (rc >= 0 && then_recv) {
				/* The reply right now waits as a batch RECV. */
				struct uk_msg_header rh = *h;
				struct uk_sock_req rr = *rq;
				rh.id = SOCK_RECV;
				rr.len = rq->arg;
				rr.flags = UK_SOCK_MSG_BATCH;
				return sock_wait(s, &rh, &rr, NULL, 0, 0);
			}
		} else if (s->type != UK_SOCK_STREAM)
			rc = sock_send_datagram(s, rq, data);
		else
			return sock_wait(s, h, rq, data, ool_addr, ool_size);
		if (rc < 0)
			return rc;
		struct uk_sock_reply *r = reply_start(h->id, 0);
		reply_grow(sizeof(*r));
		r->len = (uint32_t)rc;
		return NETD_REPLY;
	}
	case SOCK_RECV:
		/* A batch must hold a record and some bytes of a datagram. */
		if ((rq->flags & UK_SOCK_MSG_BATCH) && s->type != UK_SOCK_STREAM &&
		    rq->len < sizeof(struct uk_sock_dgram) + 8u) {
			netd_bad_requests++;
			return -ERR_INVALID;
		}
		return sock_wait(s, h, rq, NULL, 0, 0);
	case SOCK_CONNECT:
	case SOCK_ACCEPT:
		return sock_wait(s, h, rq, NULL, 0, 0);
	default:
		netd_bad_requests++;
		return -ERR_UNSUPPORTED;
	}
	if (rc < 0)
		return rc;
	reply_start(h->id, 0);
	return NETD_REPLY;
}

uint64_t sock_progress(void)
{
	uint64_t now = netd_now();

	closing_retry();
	if (now >= sock_next_expiry) {
		sock_next_expiry = UINT64_MAX;
		for (unsigned i = 0; i < SOCK_MAX; i++) {
			struct sock *s = &socks[i];
			if (s->used && (s->rq || s->wq))
				sock_expire(s, now);
			if (s->used && s->retry) {
				s->retry = false;
				sock_mark_dirty(s);
			}
		}
	}
	while (dirty_first) {
		struct sock *s = dirty_first;
		dirty_first = s->dirty_next;
		s->dirty = false;
		sock_try(s);
	}
	uint64_t d = sock_poll_progress();
	if (sock_next_expiry < d)
		d = sock_next_expiry;
	if (closing_retry_at < d)
		d = closing_retry_at;
	return d;
}

static uint16_t entry_state(struct sock *s)
{
	if (s->type != UK_SOCK_STREAM)
		return UK_NET_BOUND;
	if (!s->pcb.tcp)
		return UK_NET_CLOSED;
	return (uint16_t)s->pcb.tcp->state;
}

static void fill_entry(struct sock *s, struct uk_net_sock_entry *e)
{
	struct uk_sock_name_reply n;
	unsigned pending = 0;

	memset(e, 0, sizeof(*e));
	e->id = s->id;
	e->type = s->type;
	e->state = entry_state(s);
	if (s->pcb.any)
		do_name(s, &n);
	else
		memset(&n, 0, sizeof(n));
	e->local = n.local;
	e->peer = n.peer;
	e->rx_queued = s->rx_bytes;
	if (s->type == UK_SOCK_STREAM && s->pcb.tcp && !s->listening)
		e->tx_queued = TCP_SND_BUF - tcp_sndbuf(s->pcb.tcp);
	e->owner = s->owner;
	for (struct pending *p = s->rq; p; p = p->next)
		pending++;
	for (struct pending *p = s->wq; p; p = p->next)
		pending++;
	e->pending = pending;
}

/* Our sockets, then the connections closed by their clients that lwIP
 * still finishes (FIN_WAIT, TIME_WAIT, ...), listed with id 0. */
uint32_t sock_list(uint32_t start, struct uk_net_sock_entry *out, uint32_t max,
		   uint32_t *count)
{
	uint32_t total = 0, n = 0;

	for (unsigned i = 0; i < SOCK_MAX; i++) {
		struct sock *s = &socks[i];
		if (!s->used)
			continue;
		if (total++ >= start && n < max)
			fill_entry(s, &out[n++]);
	}
	struct tcp_pcb *lists[2] = { tcp_active_pcbs, tcp_tw_pcbs };
	for (unsigned l = 0; l < 2; l++) {
		for (struct tcp_pcb *pcb = lists[l]; pcb; pcb = pcb->next) {
			if (pcb->callback_arg && pcb->recv == tcp_recv_cb)
				continue; /* one of ours, listed above */
			if (total++ < start || n >= max)
				continue;
			struct uk_net_sock_entry *e = &out[n++];
			memset(e, 0, sizeof(*e));
			e->type = UK_SOCK_STREAM;
			e->state = (uint16_t)pcb->state;
			addr_to_proto(&pcb->local_ip, pcb->local_port, &e->local);
			addr_to_proto(&pcb->remote_ip, pcb->remote_port, &e->peer);
			e->tx_queued = TCP_SND_BUF - tcp_sndbuf(pcb);
		}
	}
	*count = n;
	return total;
}

void sock_init(void)
{
	memset(socks, 0, sizeof(socks));
}
