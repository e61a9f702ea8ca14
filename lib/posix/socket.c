/* SPDX-License-Identifier: MIT */
/*
 * Sockets through the network server "net" (uk/proto/sock.h): the client
 * stubs of that protocol, the BSD socket calls on top, poll, address
 * conversion, and the status calls of ifconfig, netstat and ping.
 *
 * A socket descriptor holds a send right to the socket's port. Blocking
 * is the server's business: every call that may wait carries a timeout
 * made here from O_NONBLOCK, MSG_DONTWAIT and SO_RCVTIMEO/SO_SNDTIMEO
 * (which this file keeps), and the server answers when it can.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/fd.h>

#include "rpc.h"

#define NET_LOOKUP_TIMEOUT (30ull * 1000000000ull)

struct sock_priv {
	int type, family;
	uint64_t rcvtimeo, sndtimeo; /* ns; 0: no limit */
};

static uk_name_t net;

static uk_name_t net_port(void)
{
	if (!net) {
		long rc = ns_lookup("net", NET_LOOKUP_TIMEOUT);
		if (rc > 0)
			net = (uk_name_t)rc;
	}
	return net;
}

/* A call to the service port; a server that died is looked up again
 * once (sockets of the old one stay dead). */
static long net_call(struct rpc_req *rq, union rpc_buf *b, struct rpc_reply *out)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		rq->dest = net_port();
		if (!rq->dest)
			return -ERR_UNREACHABLE;
		long rc = rpc_call(rq, b, out);
		if (rc != -ERR_DEAD)
			return rc;
		uk_port_deallocate(net);
		net = 0;
	}
	return -ERR_DEAD;
}

static ssize_t sock_read(struct fd *f, void *buf, size_t n);
static ssize_t sock_write(struct fd *f, const void *buf, size_t n);
static int sock_close(struct fd *f);
static const struct fd_ops sock_ops = { sock_read, sock_write, sock_close };

static struct fd *sock_fd(int fd)
{
	struct fd *f = fd_get(fd);

	if (f && f->ops != &sock_ops) {
		errno = ENOTSOCK;
		return NULL;
	}
	return f;
}

static struct sock_priv *priv(struct fd *f)
{
	return f->priv;
}

/* The wait of a call: 0 if it must not block, else the socket's timeout
 * or for ever. */
static uint64_t wait_ns(struct fd *f, int flags, bool sending)
{
	uint64_t t = sending ? priv(f)->sndtimeo : priv(f)->rcvtimeo;

	if ((f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT))
		return 0;
	return t ? t : UK_TIMEOUT_INFINITE;
}

static int to_proto(const struct sockaddr *sa, socklen_t len, struct uk_sock_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!sa || len < sizeof(sa_family_t))
		return -EINVAL;
	switch (sa->sa_family) {
	case AF_UNSPEC:
		return 0;
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;
		if (len < sizeof(*in))
			return -EINVAL;
		a->family = UK_AF_INET;
		a->port = ntohs(in->sin_port);
		memcpy(a->addr, &in->sin_addr, 4);
		return 0;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		if (len < sizeof(*in6))
			return -EINVAL;
		a->family = UK_AF_INET6;
		a->port = ntohs(in6->sin6_port);
		a->scope = in6->sin6_scope_id;
		memcpy(a->addr, &in6->sin6_addr, 16);
		return 0;
	}
	default:
		return -EAFNOSUPPORT;
	}
}

static void from_proto(const struct uk_sock_addr *a, struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t n;

	if (!sa || !len)
		return;
	memset(&ss, 0, sizeof(ss));
	if (a->family == UK_AF_INET6) {
		struct sockaddr_in6 *in6 = (void *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		in6->sin6_scope_id = a->scope;
		memcpy(&in6->sin6_addr, a->addr, 16);
		n = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (void *)&ss;
		in->sin_family = a->family ? AF_INET : AF_UNSPEC;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->addr, 4);
		n = sizeof(*in);
	}
	memcpy(sa, &ss, *len < n ? *len : n);
	*len = n;
}

static int fail(int e)
{
	errno = e;
	return -1;
}

/* errno for an error of a data call: a missing peer is EPIPE on send, a
 * dead server a reset connection, a timeout EAGAIN (as Linux says for
 * SO_RCVTIMEO). */
static int data_errno(long rc, bool sending)
{
	switch (-rc) {
	case ERR_TIMED_OUT:
		return EAGAIN;
	case ERR_NOT_CONNECTED:
		return sending ? EPIPE : ENOTCONN;
	case ERR_DEAD:
		return ECONNRESET;
	case ERR_BAD_HANDLE:
		return EBADF;
	case ERR_TOO_BIG:
		return EMSGSIZE;
	case ERR_NO_MEMORY:
		return ENOBUFS;
	default:
		return errno_from_err(rc);
	}
}

/* A request on a socket's own port. */
static long sock_call(struct fd *f, uint32_t id, const struct uk_sock_req *rq,
		      const void *data, size_t data_len, union rpc_buf *b,
		      struct rpc_reply *out)
{
	struct rpc_req r;

	memset(&r, 0, sizeof(r));
	r.dest = f->port;
	r.id = id;
	r.req = rq;
	r.req_len = sizeof(*rq);
	if (data_len > UK_RPC_INLINE_DATA) {
		r.ool = data;
		r.ool_len = data_len;
	} else {
		r.a = data;
		r.a_len = data_len;
	}
	return rpc_call(&r, b, out);
}

int socket(int domain, int type, int protocol)
{
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct uk_sock_open_req rq = { (uint32_t)domain, (uint32_t)(type & ~flags),
				       (uint32_t)protocol, 0 };
	struct uk_sock_open_reply rep;
	struct rpc_req r;
	struct rpc_reply out = { .rep = &rep, .rep_len = sizeof(rep), .want_port = true };
	union rpc_buf b;

	if (domain != AF_INET && domain != AF_INET6)
		return fail(EAFNOSUPPORT);
	struct sock_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return fail(ENOMEM);
	memset(&r, 0, sizeof(r));
	r.id = SOCK_OPEN;
	r.req = &rq;
	r.req_len = sizeof(rq);
	long rc = net_call(&r, &b, &out);
	if (rc >= 0 && !out.port)
		rc = -ERR_INVALID;
	if (rc < 0) {
		free(p);
		if (rc == -ERR_UNSUPPORTED)
			return fail(EPROTONOSUPPORT);
		return fail(rc == -ERR_LIMIT ? ENFILE : errno_from_err(rc));
	}
	p->type = type & ~flags;
	p->family = domain;
	int fd = fd_install(&sock_ops, out.port, O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0),
			    p);
	if (fd < 0) {
		uk_port_deallocate(out.port);
		free(p);
	}
	return fd;
}

static int simple(int fd, uint32_t id, struct uk_sock_req *rq)
{
	struct fd *f = sock_fd(fd);
	union rpc_buf b;

	if (!f)
		return -1;
	long rc = sock_call(f, id, rq, NULL, 0, &b, NULL);
	return rc < 0 ? fail(rc == -ERR_DEAD ? EBADF : errno_from_err(rc)) : 0;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct uk_sock_req rq;

	memset(&rq, 0, sizeof(rq));
	int e = to_proto(addr, len, &rq.addr);
	if (e < 0 || !rq.addr.family)
		return fail(e < 0 ? -e : EINVAL);
	int rc = simple(fd, SOCK_BIND, &rq);
	if (rc < 0 && errno == ENOENT)
		errno = EADDRNOTAVAIL;
	return rc;
}

int listen(int fd, int backlog)
{
	struct uk_sock_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.arg = backlog <= 0 ? 1 : backlog > SOMAXCONN ? SOMAXCONN : (uint32_t)backlog;
	return simple(fd, SOCK_LISTEN, &rq);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct fd *f = sock_fd(fd);
	struct uk_sock_req rq;
	struct uk_sock_reply rep;
	struct rpc_reply out = { .rep = &rep, .rep_len = sizeof(rep), .want_port = true };
	union rpc_buf b;

	if (!f)
		return -1;
	memset(&rq, 0, sizeof(rq));
	rq.timeout_ns = wait_ns(f, 0, false);
	long rc = sock_call(f, SOCK_ACCEPT, &rq, NULL, 0, &b, &out);
	if (rc >= 0 && !out.port)
		rc = -ERR_INVALID;
	if (rc < 0)
		return fail(rc == -ERR_TIMED_OUT ? EAGAIN
			    : rc == -ERR_DEAD ? EBADF : errno_from_err(rc));
	struct sock_priv *p = calloc(1, sizeof(*p));
	if (!p) {
		uk_port_deallocate(out.port);
		return fail(ENOMEM);
	}
	p->type = SOCK_STREAM;
	p->family = priv(f)->family;
	int nfd = fd_install(&sock_ops, out.port,
			     O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0), p);
	if (nfd < 0) {
		uk_port_deallocate(out.port);
		free(p);
		return -1;
	}
	from_proto(&rep.addr, addr, len);
	return nfd;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct fd *f = sock_fd(fd);
	struct uk_sock_req rq;
	union rpc_buf b;

	if (!f)
		return -1;
	memset(&rq, 0, sizeof(rq));
	int e = to_proto(addr, len, &rq.addr);
	if (e < 0)
		return fail(-e);
	rq.timeout_ns = wait_ns(f, 0, true);
	long rc = sock_call(f, SOCK_CONNECT, &rq, NULL, 0, &b, NULL);
	if (rc >= 0)
		return 0;
	switch (-rc) {
	case ERR_EXISTS:
		return fail(EISCONN);
	case ERR_BUSY:
		return fail(EALREADY);
	case ERR_IN_PROGRESS:
		return fail(EINPROGRESS);
	case ERR_TIMED_OUT:
		return fail(ETIMEDOUT);
	case ERR_UNREACHABLE:
		return fail(ENETUNREACH);
	default:
		return fail(rc == -ERR_DEAD ? EBADF : errno_from_err(rc));
	}
}

static ssize_t send_on(struct fd *f, const void *buf, size_t n, int flags,
		       const struct sockaddr *to, socklen_t to_len)
{
	struct uk_sock_req rq;
	struct uk_sock_reply rep;
	union rpc_buf b;
	size_t done = 0;

	memset(&rq, 0, sizeof(rq));
	if (to) {
		int e = to_proto(to, to_len, &rq.addr);
		if (e < 0)
			return fail(-e);
	}
	rq.flags = (uint32_t)flags & UK_SOCK_MSG_NOSIGNAL;
	rq.timeout_ns = wait_ns(f, flags, true);
	if (priv(f)->type != SOCK_STREAM && n > UK_SOCK_IO_MAX)
		return fail(EMSGSIZE);
	/* A stream takes large buffers in pieces of UK_SOCK_IO_MAX. */
	do {
		struct rpc_reply out = { .rep = &rep, .rep_len = sizeof(rep) };
		size_t len = n - done < UK_SOCK_IO_MAX ? n - done : UK_SOCK_IO_MAX;
		rq.len = (uint32_t)len;
		long rc = sock_call(f, SOCK_SEND, &rq, (const uint8_t *)buf + done, len, &b, &out);
		if (rc < 0) {
			if (done)
				break;
			return fail(data_errno(rc, true));
		}
		done += rep.len;
		if (rep.len < len)
			break;
	} while (done < n);
	return (ssize_t)done;
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t to_len)
{
	struct fd *f = sock_fd(fd);

	return f ? send_on(f, buf, n, flags, to, to_len) : -1;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return sendto(fd, buf, n, flags, NULL, 0);
}

/* One SOCK_RECV of at most n bytes into buf. */
static long recv_once(struct fd *f, void *buf, size_t n, int flags, uint64_t timeout,
		      struct uk_sock_reply *rep)
{
	struct uk_sock_req rq;
	struct rpc_reply out = { .rep = rep, .rep_len = sizeof(*rep), .want_ool = true };
	union rpc_buf b;

	memset(&rq, 0, sizeof(rq));
	rq.timeout_ns = timeout;
	rq.flags = (uint32_t)flags & UK_SOCK_MSG_PEEK;
	rq.len = (uint32_t)(n < UK_SOCK_IO_MAX ? n : UK_SOCK_IO_MAX);
	long rc = sock_call(f, SOCK_RECV, &rq, NULL, 0, &b, &out);
	if (rc < 0)
		return rc;
	size_t len = rep->len < rq.len ? rep->len : rq.len;
	if (out.ool_addr) {
		memcpy(buf, (const void *)(uintptr_t)out.ool_addr,
		       len < out.ool_size ? len : out.ool_size);
		uk_vm_free(out.ool_addr, out.ool_size);
	} else {
		if (len > out.data_len)
			len = out.data_len;
		memcpy(buf, out.data, len);
	}
	return (long)len;
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
		 socklen_t *from_len)
{
	struct fd *f = sock_fd(fd);
	struct uk_sock_reply rep;
	size_t done = 0;

	if (!f)
		return -1;
	uint64_t timeout = wait_ns(f, flags, false);
	bool all = (flags & MSG_WAITALL) && priv(f)->type == SOCK_STREAM &&
		   !(flags & MSG_PEEK);
	do {
		long rc = recv_once(f, (uint8_t *)buf + done, n - done, flags, timeout, &rep);
		if (rc < 0) {
			if (done)
				break;
			return fail(data_errno(rc, false));
		}
		if (!done)
			from_proto(&rep.addr, from, from_len);
		done += (size_t)rc;
		if (rc == 0 || (rep.flags & UK_SOCK_MSG_TRUNC)) {
			if ((flags & MSG_TRUNC) && priv(f)->type != SOCK_STREAM)
				done = rep.len;
			break;
		}
	} while (all && done < n);
	return (ssize_t)done;
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return recvfrom(fd, buf, n, flags, NULL, NULL);
}

static ssize_t sock_read(struct fd *f, void *buf, size_t n)
{
	struct uk_sock_reply rep;
	long rc = recv_once(f, buf, n, 0, wait_ns(f, 0, false), &rep);

	return rc < 0 ? fail(data_errno(rc, false)) : rc;
}

static ssize_t sock_write(struct fd *f, const void *buf, size_t n)
{
	return send_on(f, buf, n, 0, NULL, 0);
}

static int sock_close(struct fd *f)
{
	struct uk_sock_req rq;
	union rpc_buf b;

	memset(&rq, 0, sizeof(rq));
	long rc = sock_call(f, SOCK_CLOSE, &rq, NULL, 0, &b, NULL);
	uk_port_deallocate(f->port);
	free(f->priv);
	f->priv = NULL;
	return rc == -ERR_DEAD ? 0 : (int)rc;
}

int shutdown(int fd, int how)
{
	struct uk_sock_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.arg = (uint32_t)how;
	return simple(fd, SOCK_SHUTDOWN, &rq);
}

static long opt_call(struct fd *f, uint32_t id, struct uk_sock_opt *o)
{
	struct rpc_req r;
	struct rpc_reply out = { .rep = o, .rep_len = sizeof(*o) };
	union rpc_buf b;

	memset(&r, 0, sizeof(r));
	r.dest = f->port;
	r.id = id;
	r.req = o;
	r.req_len = sizeof(*o);
	return rpc_call(&r, &b, &out);
}

int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
	struct fd *f = sock_fd(fd);

	if (!f)
		return -1;
	if (!value || !len)
		return fail(EFAULT);
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		uint64_t t = name == SO_RCVTIMEO ? priv(f)->rcvtimeo : priv(f)->sndtimeo;
		struct timeval tv = { (time_t)(t / 1000000000u), (int64_t)(t % 1000000000u) / 1000 };
		if (*len < sizeof(tv))
			return fail(EINVAL);
		memcpy(value, &tv, sizeof(tv));
		*len = sizeof(tv);
		return 0;
	}
	struct uk_sock_opt o = { (uint32_t)level, (uint32_t)name, 0 };
	long rc = opt_call(f, SOCK_GETOPT, &o);
	if (rc < 0)
		return fail(rc == -ERR_UNSUPPORTED ? ENOTSUP : errno_from_err(rc));
	int v = (int)o.value;
	if (level == SOL_SOCKET && name == SO_ERROR)
		v = o.value < 0 ? data_errno(o.value, false) : 0;
	if (*len < sizeof(int))
		return fail(EINVAL);
	memcpy(value, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	struct fd *f = sock_fd(fd);

	if (!f)
		return -1;
	if (!value)
		return fail(EFAULT);
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		struct timeval tv;
		if (len < sizeof(tv))
			return fail(EINVAL);
		memcpy(&tv, value, sizeof(tv));
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return fail(EINVAL);
		uint64_t t = (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
		if (name == SO_RCVTIMEO)
			priv(f)->rcvtimeo = t;
		else
			priv(f)->sndtimeo = t;
		return 0;
	}
	if (len < sizeof(int))
		return fail(EINVAL);
	int v;
	memcpy(&v, value, sizeof(v));
	struct uk_sock_opt o = { (uint32_t)level, (uint32_t)name, v };
	long rc = opt_call(f, SOCK_SETOPT, &o);
	return rc < 0 ? fail(rc == -ERR_UNSUPPORTED ? ENOTSUP : errno_from_err(rc)) : 0;
}

static int get_name(int fd, struct sockaddr *addr, socklen_t *len, bool peer)
{
	struct fd *f = sock_fd(fd);
	struct uk_sock_name_reply rep;
	struct rpc_req r;
	struct rpc_reply out = { .rep = &rep, .rep_len = sizeof(rep) };
	union rpc_buf b;

	if (!f)
		return -1;
	if (!addr || !len)
		return fail(EFAULT);
	memset(&r, 0, sizeof(r));
	r.dest = f->port;
	r.id = SOCK_NAME;
	long rc = rpc_call(&r, &b, &out);
	if (rc < 0)
		return fail(errno_from_err(rc));
	if (peer && !rep.peer.family)
		return fail(ENOTCONN);
	from_proto(peer ? &rep.peer : &rep.local, addr, len);
	return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return get_name(fd, addr, len, false);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	return get_name(fd, addr, len, true);
}

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct uk_sock_poll_req rq;
	struct uk_sock_poll_reply rep;
	unsigned idx[UK_SOCK_POLL_MAX], n_sock = 0;
	int ready = 0;
	union rpc_buf b;

	memset(&rq, 0, sizeof(rq));
	for (nfds_t i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct fd *f = fd_get(fds[i].fd);
		if (!f) {
			fds[i].revents = POLLNVAL;
			ready++;
		} else if (f->ops != &sock_ops) {
			fds[i].revents = (short)(fds[i].events & (POLLIN | POLLOUT));
			if (fds[i].revents)
				ready++;
		} else {
			if (n_sock == UK_SOCK_POLL_MAX)
				return fail(EINVAL);
			idx[n_sock] = (unsigned)i;
			rq.events[n_sock++] = (uint16_t)fds[i].events;
		}
	}
	if (!n_sock) {
		if (!ready && timeout_ms > 0)
			usleep((uint64_t)timeout_ms * 1000u);
		return ready;
	}
	rq.count = n_sock;
	rq.timeout_ns = ready || timeout_ms == 0 ? 0
			: timeout_ms < 0 ? UK_TIMEOUT_INFINITE
					 : (uint64_t)timeout_ms * 1000000u;
	/* The request carries copies of the sockets' rights: the server
	 * recognises its own ports. */
	struct uk_msg_header *h = &b.h;
	memset(h, 0, sizeof(*h));
	h->id = SOCK_POLL;
	h->dest = net_port();
	if (!h->dest)
		return fail(ENETDOWN);
	h->n_ports = (uint16_t)n_sock;
	for (unsigned k = 0; k < n_sock; k++)
		uk_msg_ports(h)[k] = (struct uk_msg_port){ fd_get(fds[idx[k]].fd)->port,
							   UK_DISP_COPY_SEND };
	memcpy(uk_msg_body(h), &rq, sizeof(rq));
	h->size = (uint32_t)((uint8_t *)uk_msg_body(h) + sizeof(rq) - b.bytes);
	long rc = uk_ipc_call(h, h->size, h, sizeof(b), UK_TIMEOUT_INFINITE);
	if (rc >= 0) {
		const struct uk_rpc_status *st = uk_msg_body(h);
		if (h->id != SOCK_POLL || uk_msg_body_len(h) < sizeof(*st) + sizeof(rep))
			rc = -ERR_INVALID;
		else if (st->status < 0)
			rc = st->status;
		else
			memcpy(&rep, st + 1, sizeof(rep));
	}
	if (rc < 0)
		return fail(errno_from_err(rc));
	for (unsigned k = 0; k < n_sock; k++) {
		fds[idx[k]].revents = (short)rep.revents[k];
		if (rep.revents[k])
			ready++;
	}
	return ready;
}

/* Addresses. */

static int parse_u8s(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 255 || digits > 3)
			return 0;
		out[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return 0;
	}
	return *s == '\0';
}

int inet_aton(const char *s, struct in_addr *out)
{
	uint8_t b4[4];

	if (!s || !parse_u8s(s, b4))
		return 0;
	memcpy(&out->s_addr, b4, 4);
	return 1;
}

in_addr_t inet_addr(const char *s)
{
	struct in_addr a;

	return inet_aton(s, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];
	const uint8_t *b4 = (const uint8_t *)&a.s_addr;

	snprintf(buf, sizeof(buf), "%u.%u.%u.%u", b4[0], b4[1], b4[2], b4[3]);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_ip6(const char *s, uint8_t out[16])
{
	uint16_t words[8];
	int n = 0, gap = -1;

	if (s[0] == ':' && s[1] == ':') {
		gap = 0;
		s += 2;
	}
	while (*s) {
		if (n == 8)
			return 0;
		int v = 0, digits = 0, h;
		while ((h = hexval(*s)) >= 0 && digits < 5) {
			v = v * 16 + h;
			s++;
			digits++;
		}
		if (!digits || digits > 4)
			return 0;
		words[n++] = (uint16_t)v;
		if (*s == ':') {
			s++;
			if (*s == ':') {
				if (gap >= 0)
					return 0;
				gap = n;
				s++;
			} else if (!*s) {
				return 0;
			}
		} else if (*s) {
			return 0;
		}
	}
	if (gap < 0 && n != 8)
		return 0;
	memset(out, 0, 16);
	int tail = gap < 0 ? 0 : n - gap;
	for (int i = 0; i < n; i++) {
		int pos = gap < 0 || i < gap ? i : 8 - tail + (i - gap);
		out[2 * pos] = (uint8_t)(words[i] >> 8);
		out[2 * pos + 1] = (uint8_t)words[i];
	}
	return 1;
}

int inet_pton(int family, const char *s, void *out)
{
	if (family == AF_INET)
		return parse_u8s(s, out);
	if (family == AF_INET6)
		return parse_ip6(s, out);
	errno = EAFNOSUPPORT;
	return -1;
}

const char *inet_ntop(int family, const void *addr, char *out, socklen_t size)
{
	char buf[INET6_ADDRSTRLEN];
	const uint8_t *a = addr;

	if (family == AF_INET) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	} else if (family == AF_INET6) {
		/* The longest run of zero words becomes "::" (RFC 5952). */
		int best = -1, best_len = 0;
		for (int i = 0; i < 8;) {
			int j = i;
			while (j < 8 && !a[2 * j] && !a[2 * j + 1])
				j++;
			if (j - i > best_len && j - i > 1) {
				best = i;
				best_len = j - i;
			}
			i = j == i ? i + 1 : j;
		}
		size_t n = 0;
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "::");
				i += best_len - 1;
				continue;
			}
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%x",
					      n && buf[n - 1] != ':' ? ":" : "",
					      (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
		}
	} else {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (strlen(buf) >= size) {
		errno = ENOSPC;
		return NULL;
	}
	strlcpy(out, buf, size);
	return out;
}

/* Status and diagnostics. */

int net_info(struct uk_net_info *out)
{
	struct rpc_req r;
	struct rpc_reply rep = { .rep = out, .rep_len = sizeof(*out) };
	union rpc_buf b;

	memset(&r, 0, sizeof(r));
	r.id = NET_INFO;
	long rc = net_call(&r, &b, &rep);
	return rc < 0 ? fail(errno_from_err(rc)) : 0;
}

int net_sockets(uint32_t start, struct uk_net_sock_entry *out, unsigned max,
		uint32_t *total)
{
	struct uk_net_list_req rq = { start, 0 };
	struct uk_net_sockets_reply head = { 0, 0 };
	struct rpc_req r;
	struct rpc_reply rep = { .rep = &head, .rep_len = sizeof(head) };
	union rpc_buf b;

	memset(&r, 0, sizeof(r));
	r.id = NET_SOCKETS;
	r.req = &rq;
	r.req_len = sizeof(rq);
	long rc = net_call(&r, &b, &rep);
	if (rc < 0)
		return fail(errno_from_err(rc));
	unsigned have = (unsigned)(rep.data_len / sizeof(struct uk_net_sock_entry));
	unsigned n = head.count < have ? head.count : have;
	if (n > max)
		n = max;
	memcpy(out, rep.data, n * sizeof(*out));
	if (total)
		*total = head.total;
	return (int)n;
}

int net_ping(const struct sockaddr *to, uint16_t seq, uint16_t size, uint64_t timeout_ns,
	     struct uk_net_ping_reply *out)
{
	struct uk_net_ping_req rq;
	struct rpc_req r;
	struct rpc_reply rep = { .rep = out, .rep_len = sizeof(*out) };
	union rpc_buf b;

	memset(&rq, 0, sizeof(rq));
	int e = to_proto(to, sizeof(struct sockaddr_in6), &rq.dest);
	if (e < 0 || !rq.dest.family)
		return fail(e < 0 ? -e : EINVAL);
	rq.seq = seq;
	rq.size = size;
	rq.timeout_ns = timeout_ns;
	memset(&r, 0, sizeof(r));
	r.id = NET_PING;
	r.req = &rq;
	r.req_len = sizeof(rq);
	long rc = net_call(&r, &b, &rep);
	return rc < 0 ? fail(rc == -ERR_UNREACHABLE ? EHOSTUNREACH : errno_from_err(rc)) : 0;
}

int net_resolve(const char *host, int family, struct sockaddr_storage *out, socklen_t *len,
		uint64_t timeout_ns)
{
	struct uk_net_resolve_req rq;
	struct uk_sock_addr a;
	struct rpc_req r;
	struct rpc_reply rep = { .rep = &a, .rep_len = sizeof(a) };
	union rpc_buf b;

	size_t n = host ? strlen(host) : 0;
	if (!n || n > UK_NET_HOSTNAME_MAX)
		return fail(EINVAL);
	rq.timeout_ns = timeout_ns;
	rq.name_len = (uint32_t)n;
	rq.family = (uint32_t)family;
	memset(&r, 0, sizeof(r));
	r.id = NET_RESOLVE;
	r.req = &rq;
	r.req_len = sizeof(rq);
	r.a = host;
	r.a_len = n;
	long rc = net_call(&r, &b, &rep);
	if (rc < 0)
		return fail(rc == -ERR_NOT_FOUND ? ENOENT : errno_from_err(rc));
	socklen_t l = sizeof(*out);
	from_proto(&a, (struct sockaddr *)out, &l);
	if (len)
		*len = l;
	return 0;
}

/* NET_CONFIG goes to netd's administrative port, a private name only the
 * programs init's configuration lets +use netd can look up (EACCES for
 * the others). */
int net_configure(const struct uk_net_config_req *rq)
{
	static uk_name_t admin;
	struct rpc_req r;
	union rpc_buf b;
	long rc = -ERR_DEAD;

	memset(&r, 0, sizeof(r));
	r.id = NET_CONFIG;
	r.req = rq;
	r.req_len = sizeof(*rq);
	for (int attempt = 0; attempt < 2 && rc == -ERR_DEAD; attempt++) {
		if (!admin) {
			/* netd registers net.admin right after net: once net is
			 * there, a name still missing is one we may not see. */
			if (!net_port())
				return fail(EHOSTUNREACH);
			long port = ns_lookup("net.admin", 1000000000ull);
			if (port == -ERR_NOT_FOUND || port == -ERR_TIMED_OUT)
				return fail(EACCES);
			if (port < 0)
				return fail(errno_from_err(port));
			admin = (uk_name_t)port;
		}
		r.dest = admin;
		rc = rpc_call(&r, &b, NULL);
		if (rc == -ERR_DEAD) {
			uk_port_deallocate(admin);
			admin = 0;
		}
	}
	return rc < 0 ? fail(errno_from_err(rc)) : 0;
}
