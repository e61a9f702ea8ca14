/* SPDX-License-Identifier: MIT */
/*
 * ping: ICMP echo through the network server (NET_PING, a raw pcb inside
 * lwIP, so no raw socket is needed).
 *
 *   ping [-c COUNT] [-s SIZE] [-i MS] [-W MS] HOST
 *
 * Exit status 0 if any reply came back, 1 otherwise.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <ulib.h>
#include <unistd.h>

#include "nettool.h"

int main(int argc, char **argv)
{
	unsigned long count = 4, size = 56, interval_ms = 1000, wait_ms = 1000;
	const char *host = NULL;

	for (int i = 1; i < argc; i++) {
		bool arg = i + 1 < argc;
		if (!strcmp(argv[i], "-c") && arg)
			count = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-s") && arg)
			size = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-i") && arg)
			interval_ms = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-W") && arg)
			wait_ms = strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && !host)
			host = argv[i];
		else
			host = NULL, argc = 0;
	}
	if (!host || !count || size > UK_NET_PING_MAX) {
		printf("usage: ping [-c COUNT] [-s SIZE (<= %u)] [-i MS] [-W MS] HOST\n",
		       UK_NET_PING_MAX);
		return 2;
	}
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64], ip[64];
	if (tool_addr("ping", host, 0, &ss, &len) < 0)
		return 1;
	tool_sa((struct sockaddr *)&ss, ip, sizeof(ip));
	*strrchr(ip, ':') = '\0';
	printf("PING %s (%s): %lu data bytes\n", host, ip, size);
	unsigned long received = 0;
	uint64_t min = UINT64_MAX, max = 0, total = 0;
	for (unsigned long seq = 1; seq <= count; seq++) {
		struct uk_net_ping_reply r;
		uint64_t t0 = uk_clock();
		if (net_ping((struct sockaddr *)&ss, (uint16_t)seq, (uint16_t)size,
			     wait_ms * 1000000ull, &r) == 0) {
			received++;
			total += r.rtt_ns;
			min = r.rtt_ns < min ? r.rtt_ns : min;
			max = r.rtt_ns > max ? r.rtt_ns : max;
			tool_ntop(&r.from, text, sizeof(text));
			*strrchr(text, ':') = '\0';
			printf("%u bytes from %s: seq=%u ttl=%u time=%llu.%03llu ms\n",
			       (unsigned)(r.size + 8), text, r.seq, r.ttl,
			       (unsigned long long)(r.rtt_ns / 1000000),
			       (unsigned long long)(r.rtt_ns / 1000 % 1000));
		} else {
			printf("no reply for seq=%lu: %s\n", seq, strerror(errno));
		}
		uint64_t spent = uk_clock() - t0;
		if (seq < count && spent < interval_ms * 1000000ull)
			uk_sleep(interval_ms * 1000000ull - spent);
	}
	printf("--- %s ping statistics ---\n%lu packets transmitted, %lu received, "
	       "%lu%% packet loss\n", host, count, received,
	       (count - received) * 100 / count);
	if (received)
		printf("rtt min/avg/max = %llu/%llu/%llu us\n", (unsigned long long)(min / 1000),
		       (unsigned long long)(total / received / 1000),
		       (unsigned long long)(max / 1000));
	return received ? 0 : 1;
}
