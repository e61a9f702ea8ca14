/* SPDX-License-Identifier: MIT */
/*
 * ifconfig: the network server's interface, addresses and counters, and
 * its configuration.
 *
 *   ifconfig                     show
 *   ifconfig wait [SECONDS]      wait until the interface has an IPv4
 *                                address (DHCP or static), then show
 *   ifconfig ADDR/PREFIX [GATEWAY]   static address (stops DHCP)
 *   ifconfig dhcp | up | down
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <ulib.h>

static void show(const struct uk_net_info *i)
{
	const struct uk_net_counters *c = &i->c;
	char a[INET6_ADDRSTRLEN], m[16], g[16];

	printf("%s: flags=<%s%s%s%s%s> mtu %u\n", i->name, i->flags & UK_NET_UP ? "UP" : "DOWN",
	       i->flags & UK_NET_LINK_UP ? ",LINK" : ",NO-CARRIER",
	       i->flags & UK_NET_HAVE_DEVICE ? "" : ",NO-DEVICE",
	       i->flags & UK_NET_DHCP ? ",DHCP" : "", i->flags & UK_NET_DHCP_BOUND ? ",BOUND" : "",
	       i->mtu);
	printf("        ether %02x:%02x:%02x:%02x:%02x:%02x\n", i->mac[0], i->mac[1], i->mac[2],
	       i->mac[3], i->mac[4], i->mac[5]);
	inet_ntop(AF_INET, i->addr, a, sizeof(a));
	inet_ntop(AF_INET, i->netmask, m, sizeof(m));
	inet_ntop(AF_INET, i->gateway, g, sizeof(g));
	printf("        inet %s netmask %s gateway %s\n", a, m, g);
	for (unsigned k = 0; k < UK_NET_ADDR6_MAX; k++) {
		if (!i->addr6_state[k])
			continue;
		inet_ntop(AF_INET6, i->addr6[k], a, sizeof(a));
		printf("        inet6 %s%s\n", a, i->addr6_state[k] == 1 ? " (tentative)" : "");
	}
	for (unsigned k = 0; k < 2; k++) {
		if (!i->dns[k][0])
			continue;
		inet_ntop(AF_INET, i->dns[k], a, sizeof(a));
		printf("        dns %s\n", a);
	}
	printf("        rx %llu frames %llu bytes, %llu dropped (no buffer), %llu bad\n",
	       (unsigned long long)c->rx_frames, (unsigned long long)c->rx_bytes,
	       (unsigned long long)c->rx_dropped, (unsigned long long)c->rx_bad);
	printf("        tx %llu frames %llu bytes, %llu dropped\n",
	       (unsigned long long)c->tx_frames, (unsigned long long)c->tx_bytes,
	       (unsigned long long)c->tx_dropped);
	printf("        dropped: link %llu, arp %llu, ip %llu (checksum %llu, length %llu, "
	       "protocol %llu, fragments %llu), icmp %llu, udp %llu (queue full %llu), tcp %llu\n",
	       (unsigned long long)c->link_drop, (unsigned long long)c->arp_drop,
	       (unsigned long long)c->ip_drop, (unsigned long long)c->ip_chkerr,
	       (unsigned long long)c->ip_lenerr, (unsigned long long)c->ip_proterr,
	       (unsigned long long)c->ip_frag_drop, (unsigned long long)c->icmp_drop,
	       (unsigned long long)c->udp_drop, (unsigned long long)c->udp_queue_drop,
	       (unsigned long long)c->tcp_drop);
	printf("        sockets %u, bad requests %llu, heap %llu/%llu (failed %llu), "
	       "rx buffers %llu/%llu (failed %llu)\n",
	       i->sockets, (unsigned long long)c->bad_requests, (unsigned long long)c->mem_used,
	       (unsigned long long)c->mem_max, (unsigned long long)c->mem_err,
	       (unsigned long long)c->pool_used, (unsigned long long)c->pool_max,
	       (unsigned long long)c->pool_err);
}

static int info(struct uk_net_info *i)
{
	if (net_info(i) < 0) {
		printf("ifconfig: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct uk_net_info i;
	struct uk_net_config_req rq;

	memset(&rq, 0, sizeof(rq));
	if (argc == 1) {
		if (info(&i) < 0)
			return 1;
		show(&i);
		return 0;
	}
	if (!strcmp(argv[1], "wait")) {
		uint64_t limit = (argc > 2 ? strtoul(argv[2], NULL, 10) : 30) * 1000000000ull;
		uint64_t end = uk_clock() + limit;
		for (;;) {
			if (info(&i) < 0)
				return 1;
			if (i.addr[0] || i.addr[1] || i.addr[2] || i.addr[3])
				break;
			if ((uint64_t)uk_clock() >= end) {
				printf("ifconfig: no address after %llu s\n",
				       (unsigned long long)(limit / 1000000000ull));
				show(&i);
				return 1;
			}
			uk_sleep(50000000);
		}
		show(&i);
		return 0;
	}
	if (!strcmp(argv[1], "dhcp"))
		rq.what = UK_NET_CONFIG_DHCP;
	else if (!strcmp(argv[1], "up"))
		rq.what = UK_NET_CONFIG_UP;
	else if (!strcmp(argv[1], "down"))
		rq.what = UK_NET_CONFIG_DOWN;
	else {
		char addr[32];
		strlcpy(addr, argv[1], sizeof(addr));
		char *slash = strchr(addr, '/');
		unsigned prefix = 24;
		if (slash) {
			*slash = '\0';
			prefix = (unsigned)strtoul(slash + 1, NULL, 10);
		}
		if (prefix > 32)
			prefix = 32;
		uint32_t mask = prefix ? htonl(0xffffffffu << (32 - prefix)) : 0;
		if (inet_pton(AF_INET, addr, rq.addr) != 1 ||
		    (argc > 2 && inet_pton(AF_INET, argv[2], rq.gateway) != 1)) {
			printf("usage: ifconfig [wait [S] | dhcp | up | down | ADDR/PREFIX [GATEWAY]]\n");
			return 2;
		}
		memcpy(rq.netmask, &mask, 4);
		rq.what = UK_NET_CONFIG_STATIC;
	}
	if (net_configure(&rq) < 0) {
		printf("ifconfig: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
