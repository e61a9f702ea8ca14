/* SPDX-License-Identifier: MIT */
/*
 * uk-net-peer: the host side of the network tests. It listens on
 * 127.0.0.1 (which QEMU's user network shows the guest as 10.0.2.2), runs
 * a command (uk-qemu-run) with the ports put into its arguments, serves
 * the guest while the command runs, and exits with the command's status
 * (or 1 if something the peer checked went wrong).
 *
 *   uk-net-peer [--fwd-bytes N] [--bench-host] -- COMMAND ARG...
 *
 * In the arguments @TCP@ and @UDP@ become the peer's TCP and UDP ports,
 * @FWD@ a free host port for QEMU's hostfwd; with @FWD@ present the peer
 * connects there (retrying until the guest listens), sends N bytes of the
 * test pattern, reads them back and checks them.
 *
 * TCP connections start with a command line:
 *   echo\n        echo everything until the guest closes
 *   sink N\n      read N bytes, answer "ok N CHECKSUM\n"
 *   source N\n    send N bytes of the pattern, then close
 * and anything else is echoed from its first byte on (for nc -x).
 * UDP datagrams are echoed. Pattern and checksum as net/tools/nettool.h.
 *
 * --flood SECONDS RATE: @RAWH@ and @RAWQ@ become two UDP ports for QEMU's
 * "-netdev dgram" (the guest's frames arrive at RAWH; frames sent to RAWQ
 * reach the guest). Once the guest has sent its first frame the peer
 * sends it malformed frames (random bytes, truncated and inconsistent
 * headers, bad checksums, fragment and SYN floods, odd ARP and IPv6) at
 * RATE per second for SECONDS, with ICMP echo requests to 10.0.3.15 in
 * between, answering its ARP for 10.0.3.2; it fails unless the guest
 * still answered echo requests during and after the flood.
 *
 * --bench-host measures the yardstick: the same 16 MiB sink transfer and
 * TCP ping-pong over the host's own loopback, printed as "bench:" lines.
 *
 * Single-shot modes, for Linux hosts on the cluster bridge (probes), the
 * yardstick of the node benchmarks (tests/cluster/netbench.sh):
 *   uk-net-peer --sink PORT            count one connection's bytes
 *   uk-net-peer --echo PORT [--udp]    echo one connection (UDP: until
 *                                      idle for 5 s)
 *   uk-net-peer --send HOST PORT BYTES send the pattern, print the rate
 *   uk-net-peer --pingpong HOST PORT COUNT [--udp]   1-byte round trips
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int errors;
static atomic_bool fwd_done;
static uint16_t fwd_port;
static uint64_t fwd_bytes = 1 << 20;

static uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)(i ^ (i >> 8) ^ ((i >> 16) * 7));
}

static uint64_t fnv_update(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static void peer_error(const char *fmt, const char *what)
{
	fprintf(stderr, "uk-net-peer: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n");
	errors++;
}

static void *serve_tcp(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char line[64];
	size_t n = 0;
	static __thread uint8_t buf[1 << 16];

	while (n < sizeof(line) - 1) {
		ssize_t k = recv(fd, line + n, 1, 0);
		if (k <= 0)
			break;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	unsigned long long count = 0;
	if (!strcmp(line, "echo\n")) {
		for (;;) {
			ssize_t k = recv(fd, buf, sizeof(buf), 0);
			if (k <= 0 || send_all(fd, buf, (size_t)k) < 0)
				break;
		}
	} else if (sscanf(line, "sink %llu", &count) == 1) {
		uint64_t h = 0xcbf29ce484222325ull, got = 0;
		while (got < count) {
			size_t want = count - got < sizeof(buf) ? count - got : sizeof(buf);
			ssize_t k = recv(fd, buf, want, 0);
			if (k <= 0)
				break;
			h = fnv_update(h, buf, (size_t)k);
			got += (uint64_t)k;
		}
		char reply[64];
		snprintf(reply, sizeof(reply), "ok %llu %016llx\n", (unsigned long long)got,
			 (unsigned long long)h);
		send_all(fd, reply, strlen(reply));
	} else if (sscanf(line, "source %llu", &count) == 1) {
		for (uint64_t off = 0; off < count;) {
			size_t k = count - off < sizeof(buf) ? count - off : sizeof(buf);
			for (size_t i = 0; i < k; i++)
				buf[i] = pattern_byte(off + i);
			if (send_all(fd, buf, k) < 0) {
				peer_error("source: %s", strerror(errno));
				break;
			}
			off += k;
		}
		shutdown(fd, SHUT_WR);
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
	} else if (n && send_all(fd, line, n) == 0) {
		/* No command: an echo of everything, the first bytes too. */
		for (;;) {
			ssize_t k = recv(fd, buf, sizeof(buf), 0);
			if (k <= 0 || send_all(fd, buf, (size_t)k) < 0)
				break;
		}
	}
	close(fd);
	return NULL;
}

static void *accept_tcp(void *arg)
{
	int l = (int)(intptr_t)arg;
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		pthread_t t;
		pthread_create(&t, NULL, serve_tcp, (void *)(intptr_t)c);
		pthread_detach(t);
	}
	return NULL;
}

static void *echo_udp(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t buf[65536];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t k = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (k >= 0)
			sendto(fd, buf, (size_t)k, 0, (struct sockaddr *)&from, len);
	}
	return NULL;
}

static void echo_udp_until_idle(int fd)
{
	uint8_t buf[65536];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t k = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (k < 0)
			return;
		sendto(fd, buf, (size_t)k, 0, (struct sockaddr *)&from, len);
	}
}

/* One try at the guest's forwarded echo server; true when it echoed
 * everything correctly. */
static bool try_fwd(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(fwd_port) };
	static uint8_t out[1 << 16], back[1 << 16];
	bool ok = false;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { 30, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto out;
	for (uint64_t off = 0; off < fwd_bytes;) {
		size_t k = fwd_bytes - off < sizeof(out) ? fwd_bytes - off : sizeof(out);
		for (size_t i = 0; i < k; i++)
			out[i] = pattern_byte(off + i);
		if (send_all(fd, out, k) < 0)
			goto out;
		size_t got = 0;
		while (got < k) {
			ssize_t r = recv(fd, back + got, k - got, 0);
			if (r <= 0)
				goto out; /* too early: nobody listened yet */
			got += (size_t)r;
		}
		if (memcmp(out, back, k)) {
			peer_error("hostfwd echo differs%s", "");
			goto out;
		}
		off += k;
	}
	ok = true;
	printf("uk-net-peer: hostfwd echo of %llu bytes ok\n", (unsigned long long)fwd_bytes);
out:
	close(fd);
	return ok;
}

static void *fwd_client(void *arg)
{
	(void)arg;
	while (!fwd_done) {
		if (try_fwd()) {
			fwd_done = true;
			break;
		}
		usleep(300 * 1000);
	}
	return NULL;
}

/* The malformed frame flood (see the top). */
static int flood_fd;
static struct sockaddr_in flood_to;
static unsigned flood_seconds, flood_rate;
static atomic_uint echo_replies, echo_sent;
static atomic_bool guest_seen;
static uint8_t guest_mac[6];
static const uint8_t host_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x03, 0x02 };
static const uint8_t guest_ip[4] = { 10, 0, 3, 15 }, host_ip[4] = { 10, 0, 3, 2 };
static uint32_t flood_rand = 12345;

static uint32_t frand(void)
{
	flood_rand ^= flood_rand << 13;
	flood_rand ^= flood_rand >> 17;
	flood_rand ^= flood_rand << 5;
	return flood_rand;
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void frame_out(const uint8_t *f, size_t n)
{
	sendto(flood_fd, f, n, 0, (struct sockaddr *)&flood_to, sizeof(flood_to));
}

static size_t eth(uint8_t *f, uint16_t type)
{
	memcpy(f, guest_mac, 6);
	memcpy(f + 6, host_mac, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

static size_t ip4(uint8_t *f, uint8_t proto, size_t payload)
{
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + payload) >> 8);
	ip[3] = (uint8_t)(20 + payload);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, host_ip, 4);
	memcpy(ip + 16, guest_ip, 4);
	uint16_t c = csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	return 34;
}

static void send_echo(uint16_t seq)
{
	uint8_t f[64];
	size_t n = eth(f, 0x0800);
	n = ip4(f, 1, 16);
	uint8_t *icmp = f + n;
	memset(icmp, 0, 16);
	icmp[0] = 8;
	icmp[4] = 0x55;
	icmp[6] = (uint8_t)(seq >> 8);
	icmp[7] = (uint8_t)seq;
	uint16_t c = csum(icmp, 16, 0);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	frame_out(f, n + 16);
	echo_sent++;
}

/* One malformed frame of a random kind. */
static void send_bad(void)
{
	uint8_t f[1600];
	size_t n;
	uint32_t kind = frand() % 10;
	/* UK_FLOOD_KINDS=0,3,5 limits the kinds (for finding which one a
	 * failure needs). */
	static const char *kinds;
	if (!kinds)
		kinds = getenv("UK_FLOOD_KINDS") ? getenv("UK_FLOOD_KINDS") : "";
	if (*kinds) {
		while (!strchr(kinds, (char)('0' + kind)))
			kind = frand() % 10;
	}

	for (size_t i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)frand();
	switch (kind) {
	case 0: /* noise, for us or broadcast */
		n = 14 + frand() % 1500;
		memcpy(f, frand() & 1 ? guest_mac : (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 6);
		break;
	case 1: /* shorter than a header (not empty: QEMU's dgram backend
		 * takes an empty datagram for the end of the stream) */
		n = 1 + frand() % 13;
		memcpy(f, guest_mac, n < 6 ? n : 6);
		break;
	case 2: /* IPv4 header lengths that lie */
		n = eth(f, 0x0800) + 20 + frand() % 200;
		f[14] = (uint8_t)(0x40 | (frand() & 0xf));
		break;
	case 3: /* good IPv4 header, bad transport checksum */
		n = ip4(f, (uint8_t)(frand() & 1 ? 6 : 17), 40);
		n += 40;
		break;
	case 4: { /* fragments with random offsets */
		n = ip4(f, 17, 64) + 64;
		f[20] = (uint8_t)(0x20 | (frand() & 0x1f));
		f[21] = (uint8_t)frand();
		f[18] = (uint8_t)frand();
		uint16_t c;
		f[24] = f[25] = 0;
		c = csum(f + 14, 20, 0);
		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
		break;
	}
	case 5: { /* TCP segments with random flags to random ports */
		n = ip4(f, 6, 20);
		uint8_t *t = f + n;
		t[12] = 0x50;
		t[13] = (uint8_t)frand();
		uint8_t pseudo[12];
		memcpy(pseudo, host_ip, 4);
		memcpy(pseudo + 4, guest_ip, 4);
		pseudo[8] = 0, pseudo[9] = 6, pseudo[10] = 0, pseudo[11] = 20;
		t[16] = t[17] = 0;
		uint32_t s0 = 0;
		for (int i = 0; i < 12; i += 2)
			s0 += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
		uint16_t c = csum(t, 20, s0);
		t[16] = (uint8_t)(c >> 8);
		t[17] = (uint8_t)c;
		n += 20;
		break;
	}
	case 6: /* ARP with odd sizes */
		n = eth(f, 0x0806) + 28;
		f[18] = (uint8_t)frand();
		f[19] = (uint8_t)frand();
		break;
	case 7: /* IPv6 with random next headers and lengths */
		n = eth(f, 0x86dd) + 40 + frand() % 300;
		f[14] = 0x60;
		break;
	case 8: /* UDP with lengths that lie */
		n = ip4(f, 17, 8 + 32) + 8 + 32;
		f[38] = (uint8_t)frand();
		f[39] = (uint8_t)frand();
		f[40] = f[41] = 0;
		break;
	default: /* over-long frames */
		n = 1515 + frand() % 80;
		memcpy(f, guest_mac, 6);
		break;
	}
	frame_out(f, n);
}

/* Frames from the guest: learn its MAC, answer ARP, count echo replies. */
static void *flood_rx(void *arg)
{
	(void)arg;
	uint8_t f[2048];
	for (;;) {
		ssize_t n = recv(flood_fd, f, sizeof(f), 0);
		if (n < 14)
			continue;
		if (!guest_seen) {
			memcpy(guest_mac, f + 6, 6);
			guest_seen = true;
		}
		uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
		if (type == 0x0806 && n >= 42 && f[21] == 1 && !memcmp(f + 38, host_ip, 4)) {
			uint8_t r[42];
			memcpy(r, f + 6, 6);
			memcpy(r + 6, host_mac, 6);
			memcpy(r + 12, f + 12, 8);
			r[21] = 2;
			memcpy(r + 22, host_mac, 6);
			memcpy(r + 28, host_ip, 4);
			memcpy(r + 32, f + 22, 10);
			frame_out(r, sizeof(r));
		} else if (type == 0x0800 && n >= 42 && f[23] == 1 && f[34] == 0 &&
			   f[38] == 0x55) {
			echo_replies++;
		}
	}
	return NULL;
}

static void *flood_tx(void *arg)
{
	(void)arg;
	while (!guest_seen) {
		if (fwd_done) {
			peer_error("the guest sent %s", "no frame at all");
			return NULL;
		}
		usleep(10000);
	}
	sleep(1);
	/* Before: the guest answers. */
	for (uint16_t i = 0; i < 5; i++, usleep(100000))
		send_echo(i);
	unsigned before = echo_replies;
	double t0 = now(), per = 1.0 / flood_rate;
	unsigned sent = 0;
	while (now() - t0 < flood_seconds) {
		send_bad();
		if (++sent % 100 == 0)
			send_echo((uint16_t)(1000 + sent / 100));
		double due = t0 + sent * per;
		if (due > now())
			usleep((useconds_t)((due - now()) * 1e6));
	}
	unsigned during = echo_replies - before;
	sleep(1);
	unsigned mark = echo_replies;
	for (uint16_t i = 0; i < 5; i++, usleep(100000))
		send_echo((uint16_t)(60000 + i));
	usleep(500000);
	unsigned after = echo_replies - mark;
	printf("uk-net-peer: flood: %u malformed frames in %u s; echo replies before %u/5, "
	       "during %u/%u, after %u/5\n", sent, flood_seconds, before,
	       during, sent / 100, after);
	fflush(stdout);
	if (!before || !after)
		peer_error("the guest %s", !before ? "never answered" : "stopped answering");
	return NULL;
}

static int listen_on(int type, uint16_t *port)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("uk-net-peer: listen");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static char *subst(const char *arg, const char *key, unsigned value)
{
	const char *p = strstr(arg, key);
	if (!p)
		return strdup(arg);
	char *out;
	if (asprintf(&out, "%.*s%u%s", (int)(p - arg), arg, value, p + strlen(key)) < 0)
		exit(2);
	char *again = subst(out, key, value);
	free(out);
	return again;
}

/* The yardstick: the same transfer and ping-pong over the host's own
 * loopback, Linux to Linux. */
static void bench_host(uint16_t tcp)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(tcp) };
	static uint8_t buf[1 << 16];
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return;
	const uint64_t total = 16u << 20;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "sink %llu\n", (unsigned long long)total);
	send_all(fd, cmd, strlen(cmd));
	double t0 = now();
	for (uint64_t off = 0; off < total; off += sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pattern_byte(off + i);
		send_all(fd, buf, sizeof(buf));
	}
	recv(fd, cmd, sizeof(cmd), 0);
	double s = now() - t0;
	printf("bench: host_linux tcp_throughput 16 MiB in %.0f ms: %.1f Mbit/s "
	       "(pattern and checksum included, as in the guest)\n",
	       s * 1000, total * 8 / s / 1e6);
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return;
	send_all(fd, "echo\n", 5);
	const int rounds = 2000;
	t0 = now();
	for (int i = 0; i < rounds; i++) {
		send_all(fd, "x", 1);
		if (recv(fd, buf, 1, 0) != 1)
			break;
	}
	s = now() - t0;
	printf("bench: host_linux tcp_pingpong %d round trips of 1 byte: %.1f us per round trip\n",
	       rounds, s / rounds * 1e6);
	close(fd);
}

static int tcp_socket_to(const char *host, const char *port, int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd = socket(AF_INET, type, 0);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "uk-net-peer: cannot connect to %s:%s: %s\n", host, port,
			strerror(errno));
		exit(1);
	}
	int one = 1;
	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int bound(const char *port, int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd = socket(AF_INET, type, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) < 0)) {
		fprintf(stderr, "uk-net-peer: cannot listen on %s: %s\n", port, strerror(errno));
		exit(1);
	}
	return fd;
}

static int single_shot(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	bool udp = argc > 0 && !strcmp(argv[argc - 1], "--udp");
	const char *mode = argv[0];

	if (!strcmp(mode, "--sink") && argc >= 2) {
		int l = bound(argv[1], SOCK_STREAM), c = accept(l, NULL, NULL);
		uint64_t h = 0xcbf29ce484222325ull, got = 0;
		double t0 = now();
		for (ssize_t k; (k = recv(c, buf, sizeof(buf), 0)) > 0; got += (uint64_t)k)
			h = fnv_update(h, buf, (size_t)k);
		double s = now() - t0;
		printf("uk-net-peer: received %llu bytes checksum %016llx in %.0f ms (%.1f Mbit/s)\n",
		       (unsigned long long)got, (unsigned long long)h, s * 1000, got * 8 / s / 1e6);
		return 0;
	}
	if (!strcmp(mode, "--echo") && argc >= 2) {
		if (udp) {
			int fd = bound(argv[1], SOCK_DGRAM);
			struct timeval tv = { 5, 0 };
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			echo_udp_until_idle(fd);
			return 0;
		}
		int l = bound(argv[1], SOCK_STREAM), c = accept(l, NULL, NULL), one = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (ssize_t k; (k = recv(c, buf, sizeof(buf), 0)) > 0;)
			if (send_all(c, buf, (size_t)k) < 0)
				break;
		return 0;
	}
	if (!strcmp(mode, "--send") && argc >= 4) {
		int fd = tcp_socket_to(argv[1], argv[2], SOCK_STREAM);
		uint64_t total = strtoull(argv[3], NULL, 0), h = 0xcbf29ce484222325ull;
		double t0 = now();
		for (uint64_t off = 0; off < total;) {
			size_t k = total - off < sizeof(buf) ? total - off : sizeof(buf);
			for (size_t i = 0; i < k; i++)
				buf[i] = pattern_byte(off + i);
			h = fnv_update(h, buf, k);
			if (send_all(fd, buf, k) < 0)
				return 1;
			off += k;
		}
		shutdown(fd, SHUT_WR);
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
		double s = now() - t0;
		printf("bench: linux tcp_throughput %llu bytes checksum %016llx in %.0f ms: %.1f Mbit/s\n",
		       (unsigned long long)total, (unsigned long long)h, s * 1000, total * 8 / s / 1e6);
		return 0;
	}
	if (!strcmp(mode, "--pingpong") && argc >= 4) {
		int fd = tcp_socket_to(argv[1], argv[2], udp ? SOCK_DGRAM : SOCK_STREAM);
		int rounds = atoi(argv[3]);
		struct timeval tv = { 2, 0 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		double t0 = now();
		for (int i = 0; i < rounds; i++)
			if (send_all(fd, "x", 1) < 0 || recv(fd, buf, sizeof(buf), 0) != 1) {
				fprintf(stderr, "uk-net-peer: round trip %d failed\n", i);
				return 1;
			}
		double s = now() - t0;
		printf("bench: linux %s_pingpong %d round trips: %.1f us per round trip\n",
		       udp ? "udp" : "tcp", rounds, s / rounds * 1e6);
		return 0;
	}
	fprintf(stderr, "uk-net-peer: bad arguments for %s\n", mode);
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;
	bool bench = false;

	if (argc > 1 && (!strcmp(argv[1], "--sink") || !strcmp(argv[1], "--echo") ||
			 !strcmp(argv[1], "--send") || !strcmp(argv[1], "--pingpong")))
		return single_shot(argc - 1, argv + 1);

	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--fwd-bytes") && i + 1 < argc)
			fwd_bytes = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--bench-host"))
			bench = true;
		else if (!strcmp(argv[i], "--flood") && i + 2 < argc) {
			flood_seconds = (unsigned)atoi(argv[++i]);
			flood_rate = (unsigned)atoi(argv[++i]);
		}
		else
			break;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr, "usage: uk-net-peer [--fwd-bytes N] [--bench-host] -- COMMAND ARG...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	uint16_t tcp, udp;
	int tl = listen_on(SOCK_STREAM, &tcp), ul = listen_on(SOCK_DGRAM, &udp);
	/* A free port for hostfwd: QEMU binds it, so release it first. */
	int f = listen_on(SOCK_STREAM, &fwd_port);
	close(f);
	uint16_t rawh = 0, rawq = 0;
	if (flood_seconds) {
		flood_fd = listen_on(SOCK_DGRAM, &rawh);
		int q = listen_on(SOCK_DGRAM, &rawq);
		close(q);
		flood_to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(rawq) };
		flood_to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	bool want_fwd = false;
	char **args = calloc((size_t)(argc - i), sizeof(char *));
	for (int k = i + 1; k < argc; k++) {
		want_fwd |= strstr(argv[k], "@FWD@") != NULL;
		char *a = subst(argv[k], "@TCP@", tcp);
		char *b = subst(a, "@UDP@", udp);
		char *c = subst(b, "@FWD@", fwd_port);
		char *d = subst(c, "@RAWH@", rawh);
		args[k - i - 1] = subst(d, "@RAWQ@", rawq);
		free(a);
		free(b);
		free(c);
		free(d);
	}
	pthread_t t;
	pthread_create(&t, NULL, accept_tcp, (void *)(intptr_t)tl);
	pthread_create(&t, NULL, echo_udp, (void *)(intptr_t)ul);
	if (bench)
		bench_host(tcp);
	if (want_fwd)
		pthread_create(&t, NULL, fwd_client, NULL);
	pthread_t flood_thread;
	if (flood_seconds) {
		pthread_create(&t, NULL, flood_rx, NULL);
		pthread_create(&flood_thread, NULL, flood_tx, NULL);
	}
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		execvp(args[0], args);
		perror("uk-net-peer: exec");
		_exit(127);
	}
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	fwd_done = true;
	if (flood_seconds)
		pthread_join(flood_thread, NULL);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	/* netd's frame counters, from the serial log, for ctest's output
	 * (uk-qemu-run itself prints the "bench:" lines). */
	for (int k = 0; args[k]; k++) {
		if (strcmp(args[k], "--log") || !args[k + 1])
			continue;
		FILE *log = fopen(args[k + 1], "r");
		char line[512];
		while (log && fgets(line, sizeof(line), log))
			if (strstr(line, "frames in ("))
				fputs(line, stdout);
		if (log)
			fclose(log);
	}
	if (errors) {
		fprintf(stderr, "uk-net-peer: %d error(s) on the host side\n", (int)errors);
		rc = rc ? rc : 1;
	}
	return rc;
}
