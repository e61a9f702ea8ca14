/* SPDX-License-Identifier: MIT */
/*
 * The host library's transport: one UDP socket, connected to node N's
 * proxy (net_base + N, port 7070), so the kernel drops datagrams from
 * anyone else. The node's proxy takes the cluster's host (10.77.0.1) as
 * node 1024 from any source port, so each peer has its own socket and
 * port. Run inside the cluster's network (`ukcluster exec host -- ...`).
 *
 * The clock is CLOCK_MONOTONIC in milliseconds; the boot epoch comes from
 * the wall clock (seconds above, nanoseconds below), so every run of a
 * host program starts sessions with a larger epoch than the last, and a
 * node never takes a new run's HELLO for a stale one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pxh.h"

struct udp {
	int fd;
	char why[128];
};

static uint64_t udp_now(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void note(struct udp *u, const char *what, int error)
{
	snprintf(u->why, sizeof(u->why), "%s: %s", what, strerror(error));
}

static void udp_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct udp *u = ctx;
	if (send(u->fd, frame, len, 0) < 0)
		note(u, "send", errno); /* the link sends it again */
}

static long udp_receive(void *ctx, uint8_t *buf, size_t size, uint64_t until)
{
	struct udp *u = ctx;

	for (;;) {
		uint64_t now = udp_now(NULL);
		if (now >= until)
			return 0;
		uint64_t wait = until - now;
		struct pollfd pfd = {.fd = u->fd, .events = POLLIN};
		int rc = poll(&pfd, 1, wait > 60000 ? 60000 : (int)wait);
		if (rc < 0 && errno != EINTR) {
			note(u, "poll", errno);
			return 0;
		}
		if (rc <= 0)
			continue;
		ssize_t n = recv(u->fd, buf, size, MSG_TRUNC);
		if (n < 0) {
			/* ECONNREFUSED: an ICMP port unreachable, no proxy
			 * (yet) on the node; keep waiting. */
			if (errno != EINTR && errno != EAGAIN)
				note(u, "receive", errno);
			continue;
		}
		if ((size_t)n > size)
			continue; /* longer than any frame: not one */
		return (long)n;
	}
}

static const char *udp_why(void *ctx)
{
	struct udp *u = ctx;
	return u->why[0] ? u->why : NULL;
}

static void udp_close(void *ctx)
{
	struct udp *u = ctx;
	close(u->fd);
	free(u);
}

int pxh_open(uint16_t node, const struct pxh_options *options,
	     struct pxh_peer **out, char *why, size_t why_len)
{
	static const uint8_t cluster_base[4] = {10, 77, 0, 10};
	struct pxh_options o = {0};
	struct sockaddr_in to = {.sin_family = AF_INET};

	*out = NULL;
	if (options)
		o = *options;
	const uint8_t *base = o.net_base;
	if (!base[0] && !base[1] && !base[2] && !base[3])
		base = cluster_base;
	if (!node || node >= PXH_NODE || base[3] + (unsigned)node > 254) {
		snprintf(why, why_len, "node %u is not a cluster node (1..%u)",
			 node, 254u - base[3]);
		return -ERR_INVALID;
	}
	uint8_t addr[4] = {base[0], base[1], base[2],
			   (uint8_t)(base[3] + node)};
	memcpy(&to.sin_addr, addr, 4);
	to.sin_port = htons(o.port ? o.port : PXH_UDP_PORT);
	if (!o.boot_epoch) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		o.boot_epoch = (uint64_t)ts.tv_sec << 32 |
			       (uint64_t)ts.tv_nsec * 4u; /* < 2^32 */
	}

	struct udp *u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(why, why_len, "no memory");
		return -ERR_NO_MEMORY;
	}
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0 ||
	    connect(u->fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, addr, a, sizeof(a));
		snprintf(why, why_len,
			 "node %u (%s): %s (run it inside the "
			 "cluster's network: ukcluster exec host -- ...)",
			 node, a, strerror(errno));
		if (u->fd >= 0)
			close(u->fd);
		free(u);
		return -ERR_UNREACHABLE;
	}
	struct pxh_transport t = {
	    .ctx = u,
	    .send = udp_send,
	    .receive = udp_receive,
	    .now = udp_now,
	    .why = udp_why,
	    .close = udp_close,
	};
	return pxh_open_transport(node, &t, &o, out, why, why_len);
}
