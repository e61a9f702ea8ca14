/* SPDX-License-Identifier: MIT */
/* ICMP echo from inside the cluster's namespaces; see ping.h. The pinging
 * happens in a child that enters the namespace, so the caller's own
 * namespaces never change. */
#include "ping.h"
#include "netns.h"
#include "text.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAYLOAD 56

void target_address(const struct target *t, char *buf, size_t len)
{
	if (t->kind == TARGET_NODE)
		node_address(t->index, buf, len);
	else if (t->kind == TARGET_PROBE)
		probe_address(t->index, buf, len);
	else
		str_copy(buf, CLUSTER_HOST_ADDR, len);
}

static uint16_t checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Runs in the child, inside the namespace. */
static int do_ping(const char *dst_addr, unsigned count, unsigned interval_ms,
		   unsigned timeout_ms, struct ping_result *r, char *why,
		   size_t len)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	unsigned char seen[10000] = {0};
	uint16_t id = (uint16_t)(getpid() & 0xffff);
	int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

	if (s < 0) {
		snprintf(why, len, "raw ICMP socket: %s", strerror(errno));
		return -1;
	}
	inet_pton(AF_INET, dst_addr, &dst.sin_addr);
	r->sent = r->received = 0;
	uint64_t next_send = mono_ms(), end = 0;
	for (;;) {
		uint64_t now = mono_ms();
		if (r->sent < count && now >= next_send) {
			unsigned char pkt[sizeof(struct icmphdr) + PAYLOAD];
			struct icmphdr *h = (struct icmphdr *)pkt;
			memset(pkt, 0, sizeof(pkt));
			h->type = ICMP_ECHO;
			h->un.echo.id = htons(id);
			h->un.echo.sequence = htons((uint16_t)r->sent);
			for (int i = 0; i < PAYLOAD; i++)
				pkt[sizeof(*h) + (size_t)i] = (unsigned char)i;
			h->checksum = checksum(pkt, sizeof(pkt));
			if (sendto(s, pkt, sizeof(pkt), 0,
				   (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
			    errno != EHOSTUNREACH && errno != ENETUNREACH) {
				snprintf(why, len, "sendto %s: %s", dst_addr,
					 strerror(errno));
				close(s);
				return -1;
			}
			r->sent++;
			next_send = now + interval_ms;
			if (r->sent == count)
				end = now + timeout_ms;
		}
		if (r->sent == count && (now >= end || r->received == count))
			break;
		uint64_t wake = r->sent < count ? next_send : end;
		struct pollfd pfd = {s, POLLIN, 0};
		if (poll(&pfd, 1, wake > now ? (int)(wake - now) : 0) <= 0)
			continue;
		unsigned char buf[1500];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
		if (n < (ssize_t)sizeof(struct iphdr))
			continue;
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)n < ihl + sizeof(struct icmphdr) ||
		    from.sin_addr.s_addr != dst.sin_addr.s_addr)
			continue;
		struct icmphdr *h = (struct icmphdr *)(buf + ihl);
		unsigned seq = ntohs(h->un.echo.sequence);
		if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != id ||
		    seq >= count || seq >= sizeof(seen) || seen[seq])
			continue;
		seen[seq] = 1;
		r->received++;
	}
	close(s);
	return 0;
}

int cluster_ping(const struct cluster_info *info, const struct target *from,
		 const struct target *to, unsigned count, unsigned interval_ms,
		 unsigned timeout_ms, struct ping_result *r, char *why,
		 size_t len)
{
	char dst[32];
	int pipefd[2];
	pid_t probe = 0;

	if (count > 10000)
		count = 10000;
	if (from->kind == TARGET_PROBE) {
		if (from->index > info->probes ||
		    !info->probe_pid[from->index]) {
			snprintf(why, len,
				 "probe p%u does not exist (the cluster has %u "
				 "probes)",
				 from->index, info->probes);
			return -1;
		}
		probe = info->probe_pid[from->index];
	}
	target_address(to, dst, sizeof(dst));
	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct {
			int rc;
			struct ping_result r;
			char why[256];
		} out = {0, {0, 0}, ""};
		close(pipefd[0]);
		if (netns_enter(info, probe, out.why, sizeof(out.why)))
			out.rc = -1;
		else
			out.rc = do_ping(dst, count, interval_ms, timeout_ms,
					 &out.r, out.why, sizeof(out.why));
		write_all(pipefd[1], &out, sizeof(out));
		_exit(0);
	}
	close(pipefd[1]);
	struct {
		int rc;
		struct ping_result r;
		char why[256];
	} in;
	ssize_t n = read(pipefd[0], &in, sizeof(in));
	close(pipefd[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(in)) {
		snprintf(why, len, "the ping helper failed");
		return -1;
	}
	if (in.rc) {
		str_copy(why, in.why, len);
		return -1;
	}
	*r = in.r;
	return 0;
}
