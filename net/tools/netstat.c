/* SPDX-License-Identifier: MIT */
/*
 * netstat: the network server's sockets (and the connections lwIP still
 * finishes after their sockets closed, with id 0).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <ulib.h>

#include "nettool.h"

static const char *const states[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT", "",
};

int main(void)
{
	static struct uk_net_sock_entry e[UK_NET_SOCKETS_MAX];
	uint32_t start = 0, total = 0;
	char l[64], p[64];

	printf("%-4s %-5s %-24s %-24s %-11s %7s %7s %5s %4s\n", "id", "proto", "local", "peer",
	       "state", "rx-q", "tx-q", "task", "wait");
	do {
		int n = net_sockets(start, e, UK_NET_SOCKETS_MAX, &total);
		if (n < 0) {
			printf("netstat: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			const char *proto = e[i].type == UK_SOCK_STREAM ? "tcp"
					    : e[i].type == UK_SOCK_DGRAM ? "udp" : "raw";
			printf("%-4u %-5s %-24s %-24s %-11s %7u %7u %5u %4u\n", e[i].id, proto,
			       tool_ntop(&e[i].local, l, sizeof(l)), tool_ntop(&e[i].peer, p, sizeof(p)),
			       e[i].state < 12 ? states[e[i].state] : "?", e[i].rx_queued,
			       e[i].tx_queued, e[i].owner, e[i].pending);
		}
		start += (uint32_t)n;
	} while (start < total);
	return 0;
}
