/* SPDX-License-Identifier: MIT */
/*
 * nc: TCP and UDP from the command line, for people and for tests.
 *
 *   nc [-u] [-l [-k]] [-w SEC] [mode] [HOST] PORT
 *
 * Listen (-l) or connect to HOST:PORT, then one mode:
 *   (none)     print what arrives until the peer closes
 *   -m TEXT    send TEXT, then print what arrives
 *   -e         echo what arrives back to the sender (UDP: each datagram)
 *   -s BYTES   send BYTES of the test pattern, close the write side, and
 *              print "nc: sent N bytes checksum C ..."
 *   -r         receive until the peer closes; "nc: received N bytes
 *              checksum C ..."
 *   -x BYTES   exchange: send in 32 KiB pieces, read each piece back from
 *              an echo server and compare; "nc: exchanged N bytes ..."
 *   -P COUNT   ping-pong: COUNT round trips of -z SIZE bytes (default 1)
 *              against an echo server; prints a "bench:" line with the
 *              wall time and the guest instructions per round trip (rdtsc
 *              counts instructions under -icount)
 * -k keeps listening after a connection ends (TCP). -w bounds connect and
 * every receive, and lets connect wait that long for the network to come
 * up. The checksum is FNV-1a 64 over the bytes (nettool.h).
 * Exit status 0 on success.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <ulib.h>
#include <unistd.h>

#include "nettool.h"

#define CHUNK (64u * 1024)
#define PIECE (32u * 1024)

static uint8_t buf[CHUNK], back[CHUNK];

enum mode { PRINT, MESSAGE, ECHO, SEND, RECV, EXCHANGE, PINGPONG };

struct opts {
	bool udp, listen, keep;
	unsigned wait_s;
	enum mode mode;
	uint64_t bytes, count, size;
	const char *text, *host;
	uint16_t port;
};

static int usage(void)
{
	printf("usage: nc [-u] [-l [-k]] [-w SEC] [-m TEXT | -e | -s BYTES | -r |"
	       " -x BYTES | -P COUNT [-z SIZE]] [HOST] PORT\n");
	return 2;
}

static void set_timeouts(int fd, unsigned s)
{
	if (!s)
		return;
	struct timeval tv = { (time_t)s, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, 0);
		if (k < 0) {
			printf("nc: send: %s\n", strerror(errno));
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *p, size_t n)
{
	ssize_t k = recv(fd, p, n, MSG_WAITALL);
	if (k < 0) {
		printf("nc: recv: %s\n", strerror(errno));
		return -1;
	}
	if ((size_t)k != n) {
		printf("nc: the peer closed after %ld of %zu bytes\n", (long)k, n);
		return -1;
	}
	return 0;
}

static void report(const char *what, uint64_t bytes, uint64_t sum, uint64_t ns)
{
	unsigned mbit, tenths;

	tool_rate(bytes, ns, &mbit, &tenths);
	printf("nc: %s %llu bytes checksum %016llx in %llu ms (%u.%u Mbit/s)\n", what,
	       (unsigned long long)bytes, (unsigned long long)sum,
	       (unsigned long long)(ns / 1000000), mbit, tenths);
}

static int do_send(int fd, uint64_t total)
{
	uint64_t sum = FNV_INIT, done = 0, t0 = uk_clock();

	while (done < total) {
		size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
		pattern_fill(buf, n, done);
		sum = fnv_update(sum, buf, n);
		if (send_all(fd, buf, n) < 0)
			return 1;
		done += n;
	}
	shutdown(fd, SHUT_WR);
	/* Wait for the peer to close: every byte then reached it. */
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	report("sent", done, sum, uk_clock() - t0);
	return 0;
}

static int do_recv(int fd, bool print)
{
	uint64_t sum = FNV_INIT, done = 0, t0 = uk_clock();
	struct uk_kinfo_load la, lb;
	uk_kinfo(UK_KINFO_LOAD, &la, sizeof(la));

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			printf("nc: recv: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		if (print)
			write(STDOUT_FILENO, buf, (size_t)n);
		sum = fnv_update(sum, buf, (size_t)n);
		done += (uint64_t)n;
	}
	if (!print) {
		uint64_t ns = uk_clock() - t0;
		uk_kinfo(UK_KINFO_LOAD, &lb, sizeof(lb));
		report("received", done, sum, ns);
		/* What receiving cost this node (instructions under icount). */
		if (done >= (1u << 20))
			printf("nc: this node busy %llu per MiB received\n",
			       (unsigned long long)((lb.busy - la.busy) / (done >> 20)));
	}
	return 0;
}

static int do_echo_stream(int fd)
{
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return n < 0 ? 1 : 0;
		if (send_all(fd, buf, (size_t)n) < 0)
			return 1;
	}
}

static int do_exchange(int fd, uint64_t total)
{
	uint64_t sum = FNV_INIT, done = 0, t0 = uk_clock();

	while (done < total) {
		size_t n = total - done < PIECE ? (size_t)(total - done) : PIECE;
		pattern_fill(buf, n, done);
		if (send_all(fd, buf, n) < 0 || recv_all(fd, back, n) < 0)
			return 1;
		if (memcmp(buf, back, n)) {
			printf("nc: echoed bytes differ near offset %llu\n",
			       (unsigned long long)done);
			return 1;
		}
		sum = fnv_update(sum, buf, n);
		done += n;
	}
	report("exchanged", done, sum, uk_clock() - t0);
	return 0;
}

static int do_pingpong(int fd, bool udp, uint64_t count, uint64_t size)
{
	if (size < 1 || size > sizeof(buf))
		return usage();
	if (!udp) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	pattern_fill(buf, (size_t)size, 0);
	struct uk_kinfo_load la, lb;
	uk_kinfo(UK_KINFO_LOAD, &la, sizeof(la));
	uint64_t t0 = uk_clock(), c0 = rdtsc();
	for (uint64_t i = 0; i < count; i++) {
		if (send_all(fd, buf, (size_t)size) < 0)
			return 1;
		if (udp) {
			ssize_t n = recv(fd, back, sizeof(back), 0);
			if (n != (ssize_t)size) {
				printf("nc: round trip %llu: %s\n", (unsigned long long)i,
				       n < 0 ? strerror(errno) : "wrong size");
				return 1;
			}
		} else if (recv_all(fd, back, (size_t)size) < 0) {
			return 1;
		}
	}
	uint64_t ns = uk_clock() - t0, cycles = rdtsc() - c0;
	uk_kinfo(UK_KINFO_LOAD, &lb, sizeof(lb));
	printf("bench: %s_pingpong %llu round trips of %llu bytes: %llu us per round trip, "
	       "%llu %s per round trip; this node busy %llu per round trip\n",
	       udp ? "udp" : "tcp", (unsigned long long)count, (unsigned long long)size,
	       (unsigned long long)(ns / count / 1000), (unsigned long long)(cycles / count),
	       tsc_unit(), (unsigned long long)((lb.busy - la.busy) / count));
	return 0;
}

static int run_stream(int fd, const struct opts *o)
{
	switch (o->mode) {
	case MESSAGE:
		if (send_all(fd, (const uint8_t *)o->text, strlen(o->text)) < 0)
			return 1;
		shutdown(fd, SHUT_WR);
		return do_recv(fd, true);
	case ECHO:
		return do_echo_stream(fd);
	case SEND:
		return do_send(fd, o->bytes);
	case RECV:
		return do_recv(fd, false);
	case EXCHANGE:
		return do_exchange(fd, o->bytes);
	case PINGPONG:
		return do_pingpong(fd, false, o->count, o->size);
	default:
		return do_recv(fd, true);
	}
}

static int run_udp(int fd, const struct opts *o)
{
	struct sockaddr_storage from;
	socklen_t flen;

	switch (o->mode) {
	case ECHO: {
		/* At the end, what echoing cost this node per datagram (the
		 * far side of a ping-pong; instructions under icount). */
		struct uk_kinfo_load la, lb;
		uint64_t echoed = 0;
		for (;;) {
			flen = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
			if (n < 0)
				break;
			if (!echoed++)
				uk_kinfo(UK_KINFO_LOAD, &la, sizeof(la));
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
		}
		int rc = errno == EAGAIN ? 0 : 1;
		if (echoed > 1) {
			uk_kinfo(UK_KINFO_LOAD, &lb, sizeof(lb));
			printf("nc: echoed %llu datagrams; this node busy %llu per datagram\n",
			       (unsigned long long)echoed,
			       (unsigned long long)((lb.busy - la.busy) / (echoed - 1)));
		}
		return rc;
	}
	case PINGPONG:
		return do_pingpong(fd, true, o->count, o->size);
	case MESSAGE:
		if (send(fd, o->text, strlen(o->text), 0) < 0) {
			printf("nc: send: %s\n", strerror(errno));
			return 1;
		}
		/* print the answers */
		__attribute__((fallthrough));
	default:
		for (;;) {
			flen = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
			if (n < 0)
				return errno == EAGAIN ? 0 : 1;
			write(STDOUT_FILENO, buf, (size_t)n);
		}
	}
}

static int parse(int argc, char **argv, struct opts *o)
{
	const char *pos[2];
	int n_pos = 0;

	memset(o, 0, sizeof(o[0]));
	o->size = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool arg = i + 1 < argc;
		if (!strcmp(a, "-u")) {
			o->udp = true;
		} else if (!strcmp(a, "-l")) {
			o->listen = true;
		} else if (!strcmp(a, "-k")) {
			o->keep = true;
		} else if (!strcmp(a, "-e")) {
			o->mode = ECHO;
		} else if (!strcmp(a, "-r")) {
			o->mode = RECV;
		} else if (!strcmp(a, "-w") && arg) {
			o->wait_s = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "-m") && arg) {
			o->mode = MESSAGE;
			o->text = argv[++i];
		} else if (!strcmp(a, "-s") && arg) {
			o->mode = SEND;
			o->bytes = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-x") && arg) {
			o->mode = EXCHANGE;
			o->bytes = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-P") && arg) {
			o->mode = PINGPONG;
			o->count = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-z") && arg) {
			o->size = strtoul(argv[++i], NULL, 0);
		} else if (a[0] != '-' && n_pos < 2) {
			pos[n_pos++] = a;
		} else {
			return -1;
		}
	}
	if (n_pos == 0 || (n_pos == 1 && !o->listen))
		return -1;
	o->host = n_pos == 2 ? pos[0] : NULL;
	o->port = (uint16_t)strtoul(pos[n_pos - 1], NULL, 10);
	if (o->mode == PINGPONG && !o->count)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];

	if (parse(argc, argv, &o) < 0)
		return usage();
	const char *host = o.host ? o.host : "0.0.0.0";
	if (tool_addr("nc", host, o.port, &ss, &len) < 0)
		return 1;
	int fd = socket(ss.ss_family, o.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0) {
		printf("nc: socket: %s\n", strerror(errno));
		return 1;
	}
	set_timeouts(fd, o.wait_s);
	if (o.listen) {
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
		    (!o.udp && listen(fd, 8) < 0)) {
			printf("nc: cannot listen on %s: %s\n", tool_sa((void *)&ss, text, sizeof(text)),
			       strerror(errno));
			return 1;
		}
		printf("nc: listening on %s %s\n", o.udp ? "udp" : "tcp",
		       tool_sa((void *)&ss, text, sizeof(text)));
		if (o.udp)
			return run_udp(fd, &o);
		int rc = 0;
		do {
			struct sockaddr_storage peer;
			socklen_t plen = sizeof(peer);
			int c = accept(fd, (struct sockaddr *)&peer, &plen);
			if (c < 0) {
				printf("nc: accept: %s\n", strerror(errno));
				return 1;
			}
			printf("nc: connection from %s\n", tool_sa((void *)&peer, text, sizeof(text)));
			set_timeouts(c, o.wait_s);
			rc |= run_stream(c, &o);
			close(c);
		} while (o.keep);
		close(fd);
		return rc;
	}
	/* With -w, a network that is not up yet (no address, no route) is
	 * waited for up to that long. */
	uint64_t until = uk_clock() + (uint64_t)o.wait_s * 1000000000ull;
	int rc_c;
	while ((rc_c = connect(fd, (struct sockaddr *)&ss, len)) < 0 &&
	       (errno == ENETUNREACH || errno == EHOSTUNREACH) && (uint64_t)uk_clock() < until)
		uk_sleep(100000000);
	if (rc_c < 0) {
		printf("nc: cannot connect to %s: %s\n", tool_sa((void *)&ss, text, sizeof(text)),
		       strerror(errno));
		return 1;
	}
	int rc = o.udp ? run_udp(fd, &o) : run_stream(fd, &o);
	close(fd);
	return rc;
}
