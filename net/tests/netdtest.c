/* SPDX-License-Identifier: MIT */
/*
 * netdtest: the network server through the adapter's socket calls, in the
 * guest, on QEMU's user network (--nic-user; guest 10.0.2.15, host
 * 10.0.2.2). Tests have stable ids (NETD0001...) and run one by one by id
 * or name; the run ends with "netdtest: N passed, N failed".
 *
 *   netdtest [tcp=PORT] [udp=PORT] [fwd=PORT,fwd_bytes=N] [ID|NAME ...]
 *
 * tcp= and udp= name the host peer's ports (net/tests/hostpeer.c, reached
 * at 10.0.2.2); fwd= is the guest port QEMU forwards the host peer's
 * connection to. Tests that need them are skipped without.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <ulib.h>
#include <unistd.h>

#include "nettool.h"

#define SECONDS(n) ((uint64_t)(n) * 1000000000ull)
#define MS(n) ((uint64_t)(n) * 1000000ull)

extern const char netdchild_image[], netdchild_image_end[];

struct test {
	const char *id, *name;
	void (*run)(void);
};

static int failures, skipped;
static uint16_t host_tcp, host_udp, fwd_port;
static uint64_t fwd_bytes = 1 << 20;
static unsigned flood_s;
static uint8_t big[1u << 20], big2[1u << 20];

static void fail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(int line, const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("netdtest:   FAIL line %d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define EXPECT(cond)                                                       \
	do {                                                               \
		if (!(cond))                                               \
			fail(__LINE__, "%s (errno %d %s)", #cond, errno,   \
			     strerror(errno));                             \
	} while (0)
#define EXPECT_EQ(a, b)                                                    \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ != b_)                                              \
			fail(__LINE__, "%s == %s: %lld != %lld (errno %d %s)", \
			     #a, #b, a_, b_, errno, strerror(errno));      \
	} while (0)
#define EXPECT_ERRNO(expr, e)                                              \
	do {                                                               \
		errno = 0;                                                 \
		long r_ = (long)(expr);                                    \
		if (r_ != -1 || errno != (e))                              \
			fail(__LINE__, "%s: got %ld errno %d (%s), want errno %d (%s)", \
			     #expr, r_, errno, strerror(errno), e, strerror(e)); \
	} while (0)
#define SKIP_UNLESS(cond, why)                                             \
	do {                                                               \
		if (!(cond)) {                                             \
			printf("netdtest:   skipped: %s\n", why);          \
			skipped++;                                         \
			return;                                            \
		}                                                          \
	} while (0)

static struct sockaddr_in in4(const char *ip, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}
#define SA(a) ((struct sockaddr *)&(a))

static uint16_t next_port = 20000;

/* A TCP listener on 127.0.0.1 and its port. */
static int tcp_listener(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	*port = next_port++;
	struct sockaddr_in a = in4("127.0.0.1", *port);
	if (fd < 0 || bind(fd, SA(a), sizeof(a)) < 0 || listen(fd, 8) < 0) {
		fail(__LINE__, "listener on %u: %s", *port, strerror(errno));
		return -1;
	}
	return fd;
}

/* A connected pair over the loopback: *c the client, *s the server end. */
static bool tcp_pair(int *c, int *s)
{
	uint16_t port;
	int l = tcp_listener(&port);
	if (l < 0)
		return false;
	*c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = in4("127.0.0.1", port);
	bool ok = *c >= 0 && connect(*c, SA(a), sizeof(a)) == 0;
	*s = ok ? accept(l, NULL, NULL) : -1;
	close(l);
	if (!ok || *s < 0) {
		fail(__LINE__, "loopback pair: %s", strerror(errno));
		return false;
	}
	return true;
}

static void set_rcvtimeo(int fd, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (int64_t)(ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, 0);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static long spawn_child(const char *const argv[])
{
	return spawn_image(netdchild_image,
			   (size_t)((uintptr_t)netdchild_image_end - (uintptr_t)netdchild_image),
			   "netdchild", argv, 0);
}

/* Whether a socket bound to port is in netd's table. */
static bool port_in_table(uint16_t port)
{
	static struct uk_net_sock_entry e[UK_NET_SOCKETS_MAX];
	uint32_t total;
	int n = net_sockets(0, e, UK_NET_SOCKETS_MAX, &total);

	for (int i = 0; i < n; i++)
		if (e[i].id && e[i].local.port == port)
			return true;
	return false;
}

static void t_dhcp(void)
{
	struct uk_net_info i;
	EXPECT_EQ(net_info(&i), 0);
	EXPECT(i.flags & UK_NET_DHCP_BOUND);
	EXPECT(i.flags & UK_NET_LINK_UP);
	EXPECT_EQ(i.version, UK_SOCK_VERSION);
	uint8_t want[4] = { 10, 0, 2, 15 }, gw[4] = { 10, 0, 2, 2 }, dns[4] = { 10, 0, 2, 3 };
	EXPECT(!memcmp(i.addr, want, 4));
	EXPECT(!memcmp(i.gateway, gw, 4));
	EXPECT(!memcmp(i.dns[0], dns, 4));
}

static void t_ping_gateway(void)
{
	struct sockaddr_in gw = in4("10.0.2.2", 0);
	struct uk_net_ping_reply r;
	int ok = -1;
	for (int i = 0; i < 3 && ok != 0; i++)
		ok = net_ping(SA(gw), (uint16_t)(7 + i), 100, SECONDS(1), &r);
	EXPECT_EQ(ok, 0);
	EXPECT_EQ(r.size, 100);
	EXPECT(r.from.family == UK_AF_INET && r.from.addr[3] == 2);
}

static void t_ping_timeout(void)
{
	struct sockaddr_in nowhere = in4("10.0.2.99", 0); /* nobody answers ARP */
	struct uk_net_ping_reply r;
	uint64_t t0 = uk_clock();
	EXPECT_ERRNO(net_ping(SA(nowhere), 1, 8, MS(300), &r), ETIMEDOUT);
	EXPECT(uk_clock() - t0 >= MS(290));
}

/* QEMU's user network also routes IPv6 (fec0::/64, host fec0::2): SLAAC
 * gives netd an address and ICMPv6 echo works. */
static void t_ping6(void)
{
	struct uk_net_info i;

	memset(&i, 0, sizeof(i));
	bool global = false;
	uint64_t end = uk_clock() + SECONDS(10);
	while (!global && (uint64_t)uk_clock() < end) {
		EXPECT_EQ(net_info(&i), 0);
		for (unsigned k = 0; k < UK_NET_ADDR6_MAX; k++)
			global |= i.addr6_state[k] == 2 &&
				  !(i.addr6[k][0] == 0xfe && (i.addr6[k][1] & 0xc0) == 0x80);
		if (!global)
			uk_sleep(MS(50));
	}
	if (!global) {
		char a[INET6_ADDRSTRLEN];
		for (unsigned k = 0; k < UK_NET_ADDR6_MAX; k++)
			printf("netdtest:   inet6 %s state %u\n",
			       inet_ntop(AF_INET6, i.addr6[k], a, sizeof(a)), i.addr6_state[k]);
		printf("netdtest:   ip6 recv %llu drop %llu\n", (unsigned long long)i.c.ip6_recv,
		       (unsigned long long)i.c.ip6_drop);
	}
	EXPECT(global);
	struct sockaddr_in6 gw;
	memset(&gw, 0, sizeof(gw));
	gw.sin6_family = AF_INET6;
	EXPECT_EQ(inet_pton(AF_INET6, "fec0::2", &gw.sin6_addr), 1);
	struct uk_net_ping_reply r;
	int ok = -1;
	for (int k = 0; k < 3 && ok != 0; k++)
		ok = net_ping(SA(gw), (uint16_t)(1 + k), 32, SECONDS(1), &r);
	EXPECT_EQ(ok, 0);
	EXPECT(r.from.family == UK_AF_INET6);
}

static void t_loopback_echo(void)
{
	int c, s;
	char buf[64];
	if (!tcp_pair(&c, &s))
		return;
	EXPECT_EQ(send(c, "ping", 4, 0), 4);
	EXPECT_EQ(recv(s, buf, 4, MSG_WAITALL), 4);
	EXPECT(!memcmp(buf, "ping", 4));
	EXPECT_EQ(write(s, "pong!", 5), 5);
	EXPECT_EQ(read(c, buf, sizeof(buf)), 5);
	EXPECT(!memcmp(buf, "pong!", 5));
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	EXPECT_EQ(getpeername(s, SA(peer), &len), 0);
	EXPECT_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	close(c);
	EXPECT_EQ(recv(s, buf, sizeof(buf), 0), 0); /* end of stream */
	close(s);
}

static void t_nonblocking(void)
{
	int c, s;
	char buf[8];
	if (!tcp_pair(&c, &s))
		return;
	EXPECT_ERRNO(recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(c);
	close(s);
	int n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	EXPECT_ERRNO(accept(n, NULL, NULL), EINVAL);
	close(n);
}

static void t_recv_timeout(void)
{
	int c, s;
	char buf[8];
	if (!tcp_pair(&c, &s))
		return;
	set_rcvtimeo(s, 200);
	uint64_t t0 = uk_clock();
	EXPECT_ERRNO(recv(s, buf, sizeof(buf), 0), EAGAIN);
	uint64_t took = uk_clock() - t0;
	EXPECT(took >= MS(190) && took < SECONDS(2));
	close(c);
	close(s);
}

static void t_nonblocking_connect(void)
{
	uint16_t port;
	int l = tcp_listener(&port);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = in4("127.0.0.1", port);
	int rc = connect(c, SA(a), sizeof(a));
	EXPECT(rc == 0 || errno == EINPROGRESS);
	struct pollfd p = { c, POLLOUT, 0 };
	EXPECT_EQ(poll(&p, 1, 2000), 1);
	EXPECT(p.revents & POLLOUT);
	int err = -1;
	socklen_t len = sizeof(err);
	EXPECT_EQ(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	EXPECT_EQ(err, 0);
	struct pollfd pl = { l, POLLIN, 0 };
	EXPECT_EQ(poll(&pl, 1, 2000), 1);
	int s = accept(l, NULL, NULL);
	EXPECT(s >= 0);
	close(s);
	close(c);
	close(l);
}

static void t_connect_refused(void)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = in4("127.0.0.1", 1);
	EXPECT_ERRNO(connect(c, SA(a), sizeof(a)), ECONNREFUSED);
	close(c);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_ERRNO(send(u, "x", 1, 0), EPIPE);
	close(u);
}

/* A reader that does not read stops the writer (EAGAIN), and every
 * byte the writer was told was sent arrives, in order. */
static void t_backpressure(void)
{
	int c, s;
	if (!tcp_pair(&c, &s))
		return;
	uint64_t sent = 0;
	for (int i = 0; i < 64; i++) {
		pattern_fill(big, 65536, sent);
		ssize_t n = send(c, big, 65536, MSG_DONTWAIT);
		if (n < 0) {
			EXPECT_EQ(errno, EAGAIN);
			break;
		}
		sent += (uint64_t)n;
	}
	EXPECT(sent > 0 && sent < 64 * 65536); /* the window closed */
	printf("netdtest:   %llu bytes taken before the window closed\n",
	       (unsigned long long)sent);
	shutdown(c, SHUT_WR);
	uint64_t got = 0;
	bool same = true;
	set_rcvtimeo(s, 5000);
	for (;;) {
		ssize_t n = recv(s, big2, sizeof(big2), 0);
		if (n <= 0) {
			EXPECT_EQ(n, 0);
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			same &= big2[i] == pattern_byte(got + (uint64_t)i);
		got += (uint64_t)n;
	}
	EXPECT_EQ(got, sent);
	EXPECT(same);
	close(c);
	close(s);
}

/* 8 MiB each way through the stack, with blocking sends far larger than
 * the window (out-of-line data, deferred replies), checked byte by byte. */
static void t_loopback_bulk(void)
{
	int c, s;
	if (!tcp_pair(&c, &s))
		return;
	const uint64_t total = 8u << 20;
	uint64_t sent = 0, got = 0, sum_tx = FNV_INIT, sum_rx = FNV_INIT;
	uint64_t t0 = uk_clock();
	set_rcvtimeo(s, 5000);
	while (got < total) {
		if (sent < total) {
			size_t n = total - sent < 256 * 1024 ? (size_t)(total - sent) : 256 * 1024;
			pattern_fill(big, n, sent);
			ssize_t k = send(c, big, n, MSG_DONTWAIT);
			if (k > 0) {
				sum_tx = fnv_update(sum_tx, big, (size_t)k);
				sent += (uint64_t)k;
			} else if (errno != EAGAIN) {
				fail(__LINE__, "send: %s", strerror(errno));
				break;
			}
		}
		ssize_t r = recv(s, big2, sizeof(big2), sent < total ? MSG_DONTWAIT : 0);
		if (r > 0) {
			sum_rx = fnv_update(sum_rx, big2, (size_t)r);
			got += (uint64_t)r;
		} else if (r == 0 || errno != EAGAIN) {
			fail(__LINE__, "recv: %ld %s", (long)r, strerror(errno));
			break;
		}
	}
	EXPECT_EQ(got, total);
	EXPECT(sum_tx == sum_rx);
	unsigned mbit, tenths;
	tool_rate(got, uk_clock() - t0, &mbit, &tenths);
	printf("netdtest:   loopback 8 MiB at %u.%u Mbit/s\n", mbit, tenths);
	close(c);
	close(s);
}

static void t_udp_loopback(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in aa = in4("127.0.0.1", next_port++), from;
	socklen_t len = sizeof(from);
	char buf[16];
	EXPECT_EQ(bind(a, SA(aa), sizeof(aa)), 0);
	EXPECT_EQ(sendto(b, "datagram-one", 12, 0, SA(aa), sizeof(aa)), 12);
	EXPECT_EQ(sendto(b, "two", 3, 0, SA(aa), sizeof(aa)), 3);
	set_rcvtimeo(a, 2000);
	EXPECT_EQ(recvfrom(a, buf, 8, 0, SA(from), &len), 8); /* cut to 8 */
	EXPECT(!memcmp(buf, "datagram", 8));
	EXPECT_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	EXPECT_EQ(recv(a, buf, sizeof(buf), 0), 3); /* the rest of one is gone */
	EXPECT_EQ(sendto(a, "back", 4, 0, SA(from), len), 4);
	set_rcvtimeo(b, 2000);
	EXPECT_EQ(recv(b, buf, sizeof(buf), 0), 4);
	EXPECT_ERRNO(recv(b, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(a);
	close(b);
}

/* Datagram batches (UK_SOCK_MSG_BATCH), spoken on the socket ports
 * directly: the proxy's one IPC per burst of frames. */
static union {
	struct uk_msg_header h;
	uint8_t b[UK_MSG_SIZE_MAX];
} bm;
static uint8_t bdata[96 * 1024] __attribute__((aligned(4096)));
static uint64_t batch_timeout = SECONDS(2);

/* A request to socket port `sock`; data inline or (ool) out of line. The
 * status, and the reply in bm. */
static long batch_req(uk_name_t sock, uint32_t id, uint32_t flags, uint32_t len,
		      const struct uk_sock_addr *addr, const void *data, bool ool)
{
	memset(&bm.h, 0, sizeof(bm.h));
	bm.h.id = id;
	bm.h.dest = sock;
	if (ool) {
		bm.h.n_ool = 1;
		uk_msg_ools(&bm.h)[0] =
		    (struct uk_msg_ool){ (uint64_t)(uintptr_t)data, len, UK_OOL_COPY, 0 };
	}
	struct uk_sock_req *rq = uk_msg_body(&bm.h);
	memset(rq, 0, sizeof(*rq));
	rq->timeout_ns = batch_timeout;
	rq->flags = flags;
	rq->len = len;
	if (addr)
		rq->addr = *addr;
	uint8_t *end = (uint8_t *)(rq + 1);
	if (data && !ool) {
		memcpy(end, data, len);
		end += len;
	}
	bm.h.size = (uint32_t)(end - bm.b);
	long rc = uk_ipc_call(&bm.h, bm.h.size, &bm.h, sizeof(bm), SECONDS(5));
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&bm.h);
	return st->status;
}

static uk_name_t udp_socket_at(uint16_t port, struct uk_sock_addr *where)
{
	long net = ns_lookup("net", SECONDS(1));
	if (net <= 0)
		return 0;
	struct uk_sock_open_req o = { UK_AF_INET, UK_SOCK_DGRAM, 0, 0 };
	memset(&bm.h, 0, sizeof(bm.h));
	bm.h.id = SOCK_OPEN;
	bm.h.dest = (uk_name_t)net;
	memcpy(uk_msg_body(&bm.h), &o, sizeof(o));
	bm.h.size = (uint32_t)sizeof(bm.h) + sizeof(o);
	long rc = uk_ipc_call(&bm.h, bm.h.size, &bm.h, sizeof(bm), SECONDS(2));
	uk_port_deallocate((uk_name_t)net);
	if (rc < 0 || !bm.h.n_ports)
		return 0;
	uk_name_t s = uk_msg_ports(&bm.h)[0].name;
	memset(where, 0, sizeof(*where));
	where->family = UK_AF_INET;
	where->port = port;
	where->addr[0] = 127;
	where->addr[3] = 1;
	if (batch_req(s, SOCK_BIND, 0, 0, where, NULL, false) != 0)
		return 0;
	return s;
}

/* Appends a datagram of n pattern bytes (seed) to a batch at *off. */
static void batch_add(uint8_t *b, uint32_t *off, const struct uk_sock_addr *to,
		      uint32_t n, uint8_t seed)
{
	struct uk_sock_dgram d;
	memset(&d, 0, sizeof(d));
	d.len = n;
	d.addr = *to;
	memcpy(b + *off, &d, sizeof(d));
	for (uint32_t i = 0; i < n; i++)
		b[*off + sizeof(d) + i] = (uint8_t)(seed + i * 7u);
	memset(b + *off + sizeof(d) + n, 0, UK_SOCK_DGRAM_SPAN(n) - sizeof(d) - n);
	*off += UK_SOCK_DGRAM_SPAN(n);
}

/* Checks the records of a batch RECV reply in bm: count datagrams with
 * lengths lens[] and seeds from `seed` up, all from `from`. */
static unsigned batch_check(const struct uk_sock_addr *from, const uint32_t *lens,
			    unsigned count, uint8_t seed)
{
	const struct uk_rpc_status *st = uk_msg_body(&bm.h);
	const struct uk_sock_reply *r = (const void *)(st + 1);
	const uint8_t *data = (const uint8_t *)(r + 1);
	if (bm.h.n_ool)
		data = (const uint8_t *)(uintptr_t)uk_msg_ools(&bm.h)[0].address;
	unsigned got = 0;
	for (uint32_t off = 0; off < r->len && got < count; got++) {
		struct uk_sock_dgram d;
		memcpy(&d, data + off, sizeof(d));
		EXPECT_EQ(d.len, lens[got]);
		EXPECT_EQ(d.addr.port, from->port);
		EXPECT_EQ(d.addr.addr[0], 127);
		for (uint32_t i = 0; i < d.len; i++)
			if (data[off + sizeof(d) + i] != (uint8_t)(seed + got + i * 7u)) {
				fail(__LINE__, "datagram %u byte %u differs", got, i);
				break;
			}
		off += UK_SOCK_DGRAM_SPAN(d.len);
	}
	if (bm.h.n_ool)
		uk_vm_free(uk_msg_ools(&bm.h)[0].address, uk_msg_ools(&bm.h)[0].size);
	return got;
}

static void t_udp_batch(void)
{
	struct uk_sock_addr aa, ba;
	uint16_t pa = next_port++, pb = next_port++;
	uk_name_t a = udp_socket_at(pa, &aa), b = udp_socket_at(pb, &ba);
	EXPECT(a && b);
	if (!a || !b)
		return;
	/* Three datagrams in one inline SEND, all three in one RECV. */
	uint32_t off = 0, lens[40];
	lens[0] = 5, lens[1] = 1400, lens[2] = 100;
	for (unsigned i = 0; i < 3; i++)
		batch_add(bdata, &off, &aa, lens[i], (uint8_t)(10 + i));
	EXPECT_EQ(batch_req(b, SOCK_SEND, UK_SOCK_MSG_BATCH, off, NULL, bdata, false), 0);
	EXPECT_EQ(((const struct uk_sock_reply *)((const struct uk_rpc_status *)
						 uk_msg_body(&bm.h) + 1))->len, 3);
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 64 * 1024, NULL, NULL, false), 0);
	EXPECT_EQ(batch_check(&ba, lens, 3, 10), 3);
	/* Forty of 1400 bytes out of line (57 KiB); a RECV of 8 KiB of
	 * records takes the five that fit, the next the rest (out of line). */
	off = 0;
	for (unsigned i = 0; i < 40; i++) {
		lens[i] = 1400;
		batch_add(bdata, &off, &aa, 1400, (uint8_t)(50 + i));
	}
	EXPECT_EQ(batch_req(b, SOCK_SEND, UK_SOCK_MSG_BATCH, off, NULL, bdata, true), 0);
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 8192, NULL, NULL, false), 0);
	EXPECT_EQ(batch_check(&ba, lens, 40, 50), 5);
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 96 * 1024, NULL, NULL, false), 0);
	EXPECT(bm.h.n_ool == 1);
	EXPECT_EQ(batch_check(&ba, lens, 40, 55), 35);
	/* A datagram larger than the whole RECV is cut and says so. */
	off = 0;
	batch_add(bdata, &off, &aa, 1000, 1);
	EXPECT_EQ(batch_req(b, SOCK_SEND, UK_SOCK_MSG_BATCH, off, NULL, bdata, false), 0);
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 32 + 100, NULL, NULL, false), 0);
	{
		const struct uk_rpc_status *st = uk_msg_body(&bm.h);
		const struct uk_sock_reply *r = (const void *)(st + 1);
		struct uk_sock_dgram d;
		memcpy(&d, r + 1, sizeof(d));
		EXPECT_EQ(r->len, 32 + 96);
		EXPECT_EQ(d.len, 96);
		EXPECT(d.flags & UK_SOCK_MSG_TRUNC);
	}
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 16, NULL, NULL, false),
		  -ERR_INVALID);
	/* A malformed batch (its second record runs past the end) sends
	 * nothing and is counted. */
	struct uk_net_info before, after;
	EXPECT_EQ(net_info(&before), 0);
	off = 0;
	batch_add(bdata, &off, &aa, 10, 1);
	batch_add(bdata, &off, &aa, 10, 2);
	((struct uk_sock_dgram *)(bdata + UK_SOCK_DGRAM_SPAN(10)))->len = 4000;
	EXPECT_EQ(batch_req(b, SOCK_SEND, UK_SOCK_MSG_BATCH, off, NULL, bdata, false),
		  -ERR_INVALID);
	EXPECT_EQ(net_info(&after), 0);
	EXPECT(after.c.bad_requests >= before.c.bad_requests + 1);
	batch_timeout = 0;
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 4096, NULL, NULL, false),
		  -ERR_WOULD_BLOCK);
	batch_timeout = SECONDS(2);
	/* SEND then RECV in one request: b's batch goes to a, and the reply
	 * is b's receive (what a sent it before). */
	off = 0;
	batch_add(bdata, &off, &ba, 77, 3);
	EXPECT_EQ(batch_req(a, SOCK_SEND, UK_SOCK_MSG_BATCH, off, NULL, bdata, false), 0);
	off = 0;
	batch_add(bdata, &off, &aa, 300, 4);
	memset(&bm.h, 0, sizeof(bm.h));
	bm.h.id = SOCK_SEND;
	bm.h.dest = b;
	struct uk_sock_req *rq = uk_msg_body(&bm.h);
	memset(rq, 0, sizeof(*rq));
	rq->timeout_ns = SECONDS(2);
	rq->flags = UK_SOCK_MSG_BATCH | UK_SOCK_MSG_THEN_RECV;
	rq->len = off;
	rq->arg = 4096;
	memcpy(rq + 1, bdata, off);
	bm.h.size = (uint32_t)(sizeof(bm.h) + sizeof(*rq) + off);
	EXPECT(uk_ipc_call(&bm.h, bm.h.size, &bm.h, sizeof(bm), SECONDS(5)) > 0);
	EXPECT_EQ(bm.h.id, SOCK_RECV);
	EXPECT_EQ(((const struct uk_rpc_status *)uk_msg_body(&bm.h))->status, 0);
	lens[0] = 77;
	EXPECT_EQ(batch_check(&aa, lens, 1, 3), 1);
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 4096, NULL, NULL, false), 0);
	lens[0] = 300;
	EXPECT_EQ(batch_check(&ba, lens, 1, 4), 1);
	/* ... and with a receive too small for a record: refused, unsent. */
	EXPECT_EQ(net_info(&before), 0);
	memset(&bm.h, 0, sizeof(bm.h));
	bm.h.id = SOCK_SEND;
	bm.h.dest = b;
	rq = uk_msg_body(&bm.h);
	memset(rq, 0, sizeof(*rq));
	rq->flags = UK_SOCK_MSG_BATCH | UK_SOCK_MSG_THEN_RECV;
	rq->len = off;
	rq->arg = 16;
	memcpy(rq + 1, bdata, off);
	bm.h.size = (uint32_t)(sizeof(bm.h) + sizeof(*rq) + off);
	EXPECT(uk_ipc_call(&bm.h, bm.h.size, &bm.h, sizeof(bm), SECONDS(5)) > 0);
	EXPECT_EQ(((const struct uk_rpc_status *)uk_msg_body(&bm.h))->status, -ERR_INVALID);
	EXPECT_EQ(net_info(&after), 0);
	EXPECT(after.c.bad_requests >= before.c.bad_requests + 1);
	batch_timeout = 0;
	EXPECT_EQ(batch_req(a, SOCK_RECV, UK_SOCK_MSG_BATCH, 4096, NULL, NULL, false),
		  -ERR_WOULD_BLOCK);
	batch_timeout = SECONDS(2);
	uk_port_deallocate(a);
	uk_port_deallocate(b);
}

/* A blocking accept is a deferred reply: it returns when another task
 * connects. */
static void t_accept_waits(void)
{
	uint16_t port;
	int l = tcp_listener(&port);
	char p[8], buf[8];
	snprintf(p, sizeof(p), "%u", port);
	const char *argv[] = { "netdchild", "connect-later", p, "300", NULL };
	uint64_t t0 = uk_clock();
	long child = spawn_child(argv);
	EXPECT(child > 0);
	/* Nothing is there yet (the child sleeps 300 ms) ... */
	struct pollfd pl = { l, POLLIN, 0 };
	EXPECT_EQ(poll(&pl, 1, 0), 0);
	/* ... so the accept waits in the server until it connects. (The
	 * bound is loose: the kernel's sleep and uk_clock are different
	 * clocks under TCG.) */
	int s = accept(l, NULL, NULL);
	uint64_t waited = uk_clock() - t0;
	EXPECT(s >= 0);
	if (waited < MS(150))
		fail(__LINE__, "accept returned after %llu ms", (unsigned long long)(waited / 1000000));
	set_rcvtimeo(s, 5000);
	EXPECT_EQ(recv(s, buf, 5, MSG_WAITALL), 5);
	close(s);
	struct uk_exit_status st;
	EXPECT_EQ(wait_task((uint64_t)child, &st, SECONDS(10)), 0);
	close(l);
}

/* A client that dies with a socket open has it closed: the port is free
 * again and the table forgets it. */
static void t_death_closes(void)
{
	uint16_t port = next_port++;
	char p[8];
	snprintf(p, sizeof(p), "%u", port);
	const char *argv[] = { "netdchild", "listen-and-die", p, NULL };
	long child = spawn_child(argv);
	struct uk_exit_status st;
	EXPECT_EQ(wait_task((uint64_t)child, &st, SECONDS(10)), 0);
	uint64_t deadline = uk_clock() + SECONDS(5);
	while (port_in_table(port) && (uint64_t)uk_clock() < deadline)
		uk_sleep(MS(10));
	EXPECT(!port_in_table(port));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = in4("127.0.0.1", port);
	EXPECT_EQ(bind(fd, SA(a), sizeof(a)), 0);
	close(fd);
}

/* A client killed while it blocks in recv: its socket closes, the server
 * answers nobody and goes on. */
static void t_killed_while_blocked(void)
{
	uint16_t port;
	int l = tcp_listener(&port);
	char p[8];
	snprintf(p, sizeof(p), "%u", port);
	const char *argv[] = { "netdchild", "block-and-die", p, NULL };
	long child = spawn_child(argv);
	int s = accept(l, NULL, NULL);
	EXPECT(s >= 0);
	uk_sleep(MS(100));
	EXPECT_EQ(uk_task_kill((uint64_t)child), 0);
	struct uk_exit_status st;
	wait_task((uint64_t)child, &st, SECONDS(5));
	char c;
	set_rcvtimeo(s, 5000);
	EXPECT_EQ(recv(s, &c, 1, 0), 0); /* the peer's socket closed: FIN */
	close(s);
	close(l);
}

static void t_poll(void)
{
	int c1, s1, c2, s2;
	if (!tcp_pair(&c1, &s1) || !tcp_pair(&c2, &s2))
		return;
	struct pollfd p[2] = { { s1, POLLIN, 0 }, { s2, POLLIN, 0 } };
	uint64_t t0 = uk_clock();
	EXPECT_EQ(poll(p, 2, 100), 0);
	EXPECT(uk_clock() - t0 >= MS(90));
	EXPECT_EQ(send(c2, "x", 1, 0), 1);
	EXPECT_EQ(poll(p, 2, 2000), 1);
	EXPECT(!p[0].revents && (p[1].revents & POLLIN));
	close(c1);
	EXPECT_EQ(poll(p, 2, 2000), 2); /* end of stream is readable */
	close(s1);
	close(c2);
	close(s2);
	struct pollfd bad = { 1000, POLLIN, 0 };
	EXPECT_EQ(poll(&bad, 1, 0), 1);
	EXPECT_EQ(bad.revents, POLLNVAL);
}

/* Malformed requests are refused and counted; the server stays. */
static void t_bad_requests(void)
{
	struct uk_net_info before, after;
	EXPECT_EQ(net_info(&before), 0);
	long net = ns_lookup("net", SECONDS(1));
	EXPECT(net > 0);
	static union {
		struct uk_msg_header h;
		uint8_t b[UK_MSG_SIZE_MAX];
	} m;
	uint32_t ids[] = { SOCK_OPEN, SOCK_POLL, NET_PING, NET_RESOLVE, NET_SOCKETS, 0x12345 };
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memset(&m.h, 0, sizeof(m.h));
		m.h.id = ids[i];
		m.h.dest = (uk_name_t)net;
		m.h.size = sizeof(m.h) + 2; /* a body too short for any request */
		long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), SECONDS(2));
		EXPECT(rc > 0);
		const struct uk_rpc_status *st = uk_msg_body(&m.h);
		EXPECT(st->status == -ERR_INVALID || st->status == -ERR_UNSUPPORTED);
	}
	EXPECT_EQ(net_info(&after), 0);
	EXPECT(after.c.bad_requests >= before.c.bad_requests + 6);
	uk_port_deallocate((uk_name_t)net);
}

/* Taking the interface down through "net", the port every task can look
 * up, is refused and counted; the administrative port (net.admin, which
 * init's configuration lets netdtest use) is where configuration goes. */
static void t_config_needs_admin(void)
{
	struct uk_net_info before, after;
	EXPECT_EQ(net_info(&before), 0);
	EXPECT(before.flags & UK_NET_UP);
	long net = ns_lookup("net", SECONDS(1));
	EXPECT(net > 0);
	static union {
		struct uk_msg_header h;
		uint8_t b[UK_MSG_SIZE_MAX];
	} m;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = NET_CONFIG;
	m.h.dest = (uk_name_t)net;
	struct uk_net_config_req *rq = (void *)(&m.h + 1);
	memset(rq, 0, sizeof(*rq));
	rq->what = UK_NET_CONFIG_DOWN;
	m.h.size = sizeof(m.h) + sizeof(*rq);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), SECONDS(2));
	EXPECT(rc > 0);
	const struct uk_rpc_status *st = uk_msg_body(&m.h);
	EXPECT_EQ(st->status, -ERR_PERMISSION);
	EXPECT_EQ(net_info(&after), 0);
	EXPECT(after.flags & UK_NET_UP);
	EXPECT(after.c.bad_requests >= before.c.bad_requests + 1);
	uk_port_deallocate((uk_name_t)net);

	struct uk_net_config_req up = { .what = UK_NET_CONFIG_UP };
	EXPECT_EQ(net_configure(&up), 0);
}

/* The tests with the host peer (10.0.2.2). */
static int host_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = in4("10.0.2.2", port);
	if (fd < 0 || connect(fd, SA(a), sizeof(a)) < 0) {
		fail(__LINE__, "connect to the host peer: %s", strerror(errno));
		return -1;
	}
	set_rcvtimeo(fd, 30000);
	return fd;
}

static void t_host_echo(void)
{
	SKIP_UNLESS(host_tcp, "no host peer (tcp=PORT)");
	int fd = host_connect(host_tcp);
	if (fd < 0)
		return;
	EXPECT_EQ(send(fd, "echo\n", 5, 0), 5);
	for (uint64_t off = 0; off < (1u << 20); off += 65536) {
		pattern_fill(big, 65536, off);
		EXPECT_EQ(send_all(fd, big, 65536), 0);
		EXPECT_EQ(recv(fd, big2, 65536, MSG_WAITALL), 65536);
		if (memcmp(big, big2, 65536)) {
			fail(__LINE__, "echo differs at %llu", (unsigned long long)off);
			break;
		}
	}
	close(fd);
}

static void t_host_sink(void)
{
	SKIP_UNLESS(host_tcp, "no host peer (tcp=PORT)");
	const uint64_t total = 16u << 20;
	int fd = host_connect(host_tcp);
	if (fd < 0)
		return;
	char cmd[64], line[128];
	snprintf(cmd, sizeof(cmd), "sink %llu\n", (unsigned long long)total);
	EXPECT_EQ(send_all(fd, (const uint8_t *)cmd, strlen(cmd)), 0);
	uint64_t sum = FNV_INIT, t0 = uk_clock();
	for (uint64_t off = 0; off < total; off += sizeof(big)) {
		pattern_fill(big, sizeof(big), off);
		sum = fnv_update(sum, big, sizeof(big));
		if (send_all(fd, big, sizeof(big)) < 0) {
			fail(__LINE__, "send at %llu: %s", (unsigned long long)off, strerror(errno));
			break;
		}
	}
	ssize_t n = recv(fd, line, sizeof(line) - 1, 0);
	uint64_t ns = uk_clock() - t0;
	line[n > 0 ? n : 0] = '\0';
	char want[64];
	snprintf(want, sizeof(want), "ok %llu %016llx", (unsigned long long)total,
		 (unsigned long long)sum);
	if (strncmp(line, want, strlen(want)))
		fail(__LINE__, "host says '%s', want '%s'", line, want);
	unsigned mbit, tenths;
	tool_rate(total, ns, &mbit, &tenths);
	printf("bench: tcp_throughput guest->host 16 MiB in %llu ms: %u.%u Mbit/s\n",
	       (unsigned long long)(ns / 1000000), mbit, tenths);
	close(fd);
}

static void t_host_source(void)
{
	SKIP_UNLESS(host_tcp, "no host peer (tcp=PORT)");
	const uint64_t total = 16u << 20;
	int fd = host_connect(host_tcp);
	if (fd < 0)
		return;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "source %llu\n", (unsigned long long)total);
	EXPECT_EQ(send_all(fd, (const uint8_t *)cmd, strlen(cmd)), 0);
	uint64_t got = 0, t0 = uk_clock();
	bool same = true;
	for (;;) {
		ssize_t n = recv(fd, big, sizeof(big), 0);
		if (n <= 0) {
			EXPECT_EQ(n, 0);
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			same &= big[i] == pattern_byte(got + (uint64_t)i);
		got += (uint64_t)n;
	}
	uint64_t ns = uk_clock() - t0;
	EXPECT_EQ(got, total);
	EXPECT(same);
	unsigned mbit, tenths;
	tool_rate(got, ns, &mbit, &tenths);
	printf("bench: tcp_throughput host->guest 16 MiB in %llu ms: %u.%u Mbit/s\n",
	       (unsigned long long)(ns / 1000000), mbit, tenths);
	close(fd);
}

static void t_host_udp(void)
{
	SKIP_UNLESS(host_udp, "no host peer (udp=PORT)");
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = in4("10.0.2.2", host_udp);
	EXPECT_EQ(connect(fd, SA(a), sizeof(a)), 0);
	set_rcvtimeo(fd, 1000);
	unsigned ok = 0;
	for (unsigned i = 0; i < 20; i++) {
		char msg[32], back[64];
		int n = snprintf(msg, sizeof(msg), "datagram %u", i);
		EXPECT_EQ(send(fd, msg, (size_t)n, 0), n);
		ssize_t r = recv(fd, back, sizeof(back), 0);
		if (r == n && !memcmp(msg, back, (size_t)n))
			ok++;
	}
	EXPECT(ok >= 18); /* UDP may lose one or two */
	/* One datagram over the MTU: fragmented and reassembled. */
	pattern_fill(big, 8000, 0);
	EXPECT_EQ(send(fd, big, 8000, 0), 8000);
	EXPECT_EQ(recv(fd, big2, sizeof(big2), 0), 8000);
	EXPECT(!memcmp(big, big2, 8000));
	close(fd);
}

static void t_hostfwd(void)
{
	SKIP_UNLESS(fwd_port, "no forwarded port (fwd=PORT)");
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = in4("0.0.0.0", fwd_port);
	EXPECT_EQ(bind(l, SA(a), sizeof(a)), 0);
	EXPECT_EQ(listen(l, 4), 0);
	printf("netdtest:   listening on %u for the host\n", fwd_port);
	set_rcvtimeo(l, 60000);
	/* The host peer retries until it finds us listening; a try that
	 * came too early shows up as an empty connection. */
	for (int tries = 0; tries < 20; tries++) {
		int s = accept(l, NULL, NULL);
		if (s < 0) {
			fail(__LINE__, "accept: %s", strerror(errno));
			break;
		}
		set_rcvtimeo(s, 30000);
		uint64_t got = 0, sum = FNV_INIT;
		for (;;) {
			ssize_t n = recv(s, big, sizeof(big), 0);
			if (n <= 0)
				break;
			sum = fnv_update(sum, big, (size_t)n);
			got += (uint64_t)n;
			if (send_all(s, big, (size_t)n) < 0)
				break;
		}
		close(s);
		if (!got)
			continue;
		uint64_t want = FNV_INIT;
		for (uint64_t off = 0; off < fwd_bytes; off += 65536) {
			size_t n = fwd_bytes - off < 65536 ? (size_t)(fwd_bytes - off) : 65536;
			pattern_fill(big2, n, off);
			want = fnv_update(want, big2, n);
		}
		EXPECT_EQ(got, fwd_bytes);
		EXPECT(sum == want);
		break;
	}
	close(l);
}

/* Round trips of 1 byte with the host's echo: wall time and guest
 * instructions (rdtsc counts instructions under -icount). */
static void pingpong(bool udp)
{
	const unsigned rounds = 500;
	int fd;
	char c = 'x', back[8];
	if (udp) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a = in4("10.0.2.2", host_udp);
		EXPECT_EQ(connect(fd, SA(a), sizeof(a)), 0);
		set_rcvtimeo(fd, 1000);
	} else {
		fd = host_connect(host_tcp);
		if (fd < 0)
			return;
		int one = 1;
		EXPECT_EQ(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
		EXPECT_EQ(send(fd, "echo\n", 5, 0), 5);
	}
	unsigned lost = 0;
	uint64_t t0 = uk_clock(), c0 = rdtsc();
	for (unsigned i = 0; i < rounds; i++) {
		if (send(fd, &c, 1, 0) != 1 || recv(fd, back, sizeof(back), 0) != 1) {
			if (!udp || ++lost > rounds / 10) {
				fail(__LINE__, "round trip %u: %s", i, strerror(errno));
				break;
			}
		}
	}
	uint64_t ns = uk_clock() - t0, ins = rdtsc() - c0;
	printf("bench: %s_pingpong guest<->host %u round trips: %llu us, %llu %s "
	       "per round trip (%u lost)\n", udp ? "udp" : "tcp", rounds,
	       (unsigned long long)(ns / rounds / 1000), (unsigned long long)(ins / rounds),
	       tsc_unit(), lost);
	close(fd);
}

static void t_tcp_pingpong(void)
{
	SKIP_UNLESS(host_tcp, "no host peer (tcp=PORT)");
	pingpong(false);
}

static void t_udp_pingpong(void)
{
	SKIP_UNLESS(host_udp, "no host peer (udp=PORT)");
	pingpong(true);
}

/* The host peer floods the NIC with malformed frames (uk-net-peer --flood,
 * on QEMU's dgram network, static address 10.0.3.15). netd must stay up
 * (its counters never restart), count what it dropped, and keep serving
 * sockets throughout. */
static void t_flood(void)
{
	SKIP_UNLESS(flood_s, "no flood (flood=SECONDS)");
	struct uk_net_info a, b;
	EXPECT_EQ(net_info(&a), 0);
	uint64_t end = uk_clock() + SECONDS(flood_s + 4);
	unsigned rounds = 0, bad_rounds = 0;
	while ((uint64_t)uk_clock() < end) {
		int c, s;
		if (!tcp_pair(&c, &s)) {
			bad_rounds++;
			break;
		}
		set_rcvtimeo(s, 5000);
		pattern_fill(big, 65536, rounds);
		if (send_all(c, big, 65536) < 0 ||
		    recv(s, big2, 65536, MSG_WAITALL) != 65536 || memcmp(big, big2, 65536))
			bad_rounds++;
		close(c);
		close(s);
		rounds++;
	}
	EXPECT_EQ(net_info(&b), 0);
	const struct uk_net_counters *x = &a.c, *y = &b.c;
	uint64_t dropped = (y->link_drop - x->link_drop) + (y->ip_drop - x->ip_drop) +
			   (y->tcp_drop - x->tcp_drop) + (y->udp_drop - x->udp_drop) +
			   (y->arp_drop - x->arp_drop) + (y->ip6_drop - x->ip6_drop) +
			   (y->rx_bad - x->rx_bad) + (y->ip_frag_drop - x->ip_frag_drop);
	uint64_t in = (y->rx_frames - x->rx_frames) + (y->rx_bad - x->rx_bad) +
		      (y->rx_dropped - x->rx_dropped);
	printf("netdtest:   %llu frames in (%llu malformed before the stack), %llu dropped (link %llu, ip %llu: "
	       "checksum %llu, length %llu, protocol %llu, fragments %llu; tcp %llu, udp %llu, "
	       "arp %llu, ipv6 %llu); %u loopback transfers alongside\n",
	       (unsigned long long)in, (unsigned long long)(y->rx_bad - x->rx_bad),
	       (unsigned long long)dropped,
	       (unsigned long long)(y->link_drop - x->link_drop),
	       (unsigned long long)(y->ip_drop - x->ip_drop),
	       (unsigned long long)(y->ip_chkerr - x->ip_chkerr),
	       (unsigned long long)(y->ip_lenerr - x->ip_lenerr),
	       (unsigned long long)(y->ip_proterr - x->ip_proterr),
	       (unsigned long long)(y->ip_frag_drop - x->ip_frag_drop),
	       (unsigned long long)(y->tcp_drop - x->tcp_drop),
	       (unsigned long long)(y->udp_drop - x->udp_drop),
	       (unsigned long long)(y->arp_drop - x->arp_drop),
	       (unsigned long long)(y->ip6_drop - x->ip6_drop), rounds);
	EXPECT(y->rx_frames >= x->rx_frames); /* the same netd */
	EXPECT(in >= 500);			/* and a flood */
	EXPECT(dropped >= 100);
	EXPECT(rounds > 0);
	EXPECT_EQ(bad_rounds, 0);
}

static const struct test tests[] = {
	{ "NETD0001", "dhcp_gives_the_user_net_address", t_dhcp },
	{ "NETD0002", "ping_reaches_the_gateway", t_ping_gateway },
	{ "NETD0003", "ping_to_nowhere_times_out", t_ping_timeout },
	{ "NETD0004", "ipv6_address_by_slaac_and_ping6", t_ping6 },
	{ "NETD0010", "loopback_tcp_echo_and_end_of_stream", t_loopback_echo },
	{ "NETD0011", "nonblocking_recv_would_block", t_nonblocking },
	{ "NETD0012", "recv_timeout_returns_eagain", t_recv_timeout },
	{ "NETD0013", "nonblocking_connect_then_poll", t_nonblocking_connect },
	{ "NETD0014", "connect_to_closed_port_is_refused", t_connect_refused },
	{ "NETD0015", "full_window_stops_writer_and_loses_nothing", t_backpressure },
	{ "NETD0016", "loopback_bulk_transfer_checksums_match", t_loopback_bulk },
	{ "NETD0017", "udp_loopback_roundtrip_and_truncation", t_udp_loopback },
	{ "NETD0018", "blocking_accept_waits_for_another_task", t_accept_waits },
	{ "NETD0019", "client_death_closes_its_sockets", t_death_closes },
	{ "NETD0020", "client_killed_while_blocked_closes_its_socket", t_killed_while_blocked },
	{ "NETD0021", "poll_reports_readiness_and_times_out", t_poll },
	{ "NETD0022", "malformed_requests_are_refused_and_counted", t_bad_requests },
	{ "NETD0023", "config_through_net_is_refused_admin_port_works", t_config_needs_admin },
	{ "NETD0024", "udp_batches_send_and_receive_many_datagrams", t_udp_batch },
	{ "NETD0030", "tcp_echo_with_host", t_host_echo },
	{ "NETD0031", "tcp_16MiB_to_host_checksums_match", t_host_sink },
	{ "NETD0032", "tcp_16MiB_from_host_checksums_match", t_host_source },
	{ "NETD0033", "udp_roundtrips_with_host", t_host_udp },
	{ "NETD0034", "host_reaches_guest_server_through_hostfwd", t_hostfwd },
	{ "NETD0035", "tcp_pingpong_with_host", t_tcp_pingpong },
	{ "NETD0036", "udp_pingpong_with_host", t_udp_pingpong },
	{ "NETD0040", "malformed_frame_flood_is_counted_and_survived", t_flood },
};

static bool wait_for_address(void)
{
	struct uk_net_info i;
	uint64_t end = uk_clock() + SECONDS(30);

	while ((uint64_t)uk_clock() < end) {
		if (net_info(&i) == 0 && (i.addr[0] | i.addr[1] | i.addr[2] | i.addr[3]))
			return true;
		uk_sleep(MS(20));
	}
	return false;
}

int main(int argc, char **argv)
{
	const char *only[16];
	int n_only = 0, passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "tcp=", 4))
			host_tcp = (uint16_t)strtoul(argv[i] + 4, NULL, 10);
		else if (!strncmp(argv[i], "udp=", 4))
			host_udp = (uint16_t)strtoul(argv[i] + 4, NULL, 10);
		else if (!strncmp(argv[i], "fwd=", 4))
			fwd_port = (uint16_t)strtoul(argv[i] + 4, NULL, 10);
		else if (!strncmp(argv[i], "flood=", 6))
			flood_s = (unsigned)strtoul(argv[i] + 6, NULL, 10);
		else if (!strncmp(argv[i], "fwd_bytes=", 10))
			fwd_bytes = strtoul(argv[i] + 10, NULL, 0);
		else if (n_only < 16)
			only[n_only++] = argv[i];
	}
	if (flood_s) {
		/* No DHCP server on the flood's network. */
		struct uk_net_config_req rq = { UK_NET_CONFIG_STATIC, { 10, 0, 3, 15 },
						{ 255, 255, 255, 0 }, { 10, 0, 3, 2 } };
		uint64_t end = uk_clock() + SECONDS(30);
		while (net_configure(&rq) < 0 && (uint64_t)uk_clock() < end)
			uk_sleep(MS(50));
	}
	if (!wait_for_address()) {
		printf("netdtest: the interface got no address in 30 s\n");
		printf("netdtest: 0 passed, 1 failed\n");
		return 1;
	}
	for (unsigned t = 0; t < sizeof(tests) / sizeof(tests[0]); t++) {
		bool run = n_only == 0;
		for (int k = 0; k < n_only; k++)
			run |= !strcmp(only[k], tests[t].id) || !strcmp(only[k], tests[t].name);
		if (!run)
			continue;
		printf("netdtest: %s %s\n", tests[t].id, tests[t].name);
		int before = failures, skips = skipped;
		tests[t].run();
		if (skipped != skips) {
			continue;
		} else if (failures == before) {
			passed++;
			printf("netdtest: %s %s ok\n", tests[t].id, tests[t].name);
		} else {
			failed++;
		}
	}
	printf("netdtest: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
