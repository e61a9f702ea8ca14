/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

#include "nettool.h"

void pattern_fill(uint8_t *buf, size_t n, uint64_t offset)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern_byte(offset + i);
}

uint64_t fnv_update(uint64_t h, const void *data, size_t n)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

int tool_addr(const char *prog, const char *host, uint16_t port,
	      struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	if (net_resolve(host, AF_INET, ss, len, 5000000000ull) < 0) {
		printf("%s: cannot resolve %s: %s\n", prog, host, strerror(errno));
		return -1;
	}
	if (ss->ss_family == AF_INET6)
		in6->sin6_port = htons(port);
	else
		in->sin_port = htons(port);
	return 0;
}

const char *tool_ntop(const struct uk_sock_addr *a, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (!a->family) {
		snprintf(buf, n, "*");
		return buf;
	}
	inet_ntop(a->family, a->addr, ip, sizeof(ip));
	if (a->family == UK_AF_INET6)
		snprintf(buf, n, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, n, "%s:%u", ip, a->port);
	return buf;
}

const char *tool_sa(const struct sockaddr *sa, char *buf, size_t n)
{
	struct uk_sock_addr a;

	memset(&a, 0, sizeof(a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		a.family = UK_AF_INET;
		a.port = ntohs(in->sin_port);
		memcpy(a.addr, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		a.family = UK_AF_INET6;
		a.port = ntohs(in6->sin6_port);
		memcpy(a.addr, &in6->sin6_addr, 16);
	}
	return tool_ntop(&a, buf, n);
}

void tool_rate(uint64_t bytes, uint64_t ns, unsigned *mbit, unsigned *tenths)
{
	uint64_t r = ns ? bytes * 8ull * 10000ull / ns : 0; /* tenths of Mbit/s */
	*mbit = (unsigned)(r / 10);
	*tenths = (unsigned)(r % 10);
}
