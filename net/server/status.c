/* SPDX-License-Identifier: MIT */
/*
 * Status and diagnostics on the service port: NET_INFO (ifconfig),
 * NET_SOCKETS (netstat), NET_PING (an ICMP echo through a raw pcb of
 * lwIP), NET_RESOLVE (lwIP's DNS client) and NET_CONFIG.
 *
 * Pings and lookups wait like socket requests: the reply right is kept,
 * lwIP's callback records the answer, and status_progress() sends it
 * (never from inside lwIP). A DNS answer that comes after its request
 * timed out finds the slot's generation changed and is ignored.
 */
#include <string.h>
#include <ulib.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/icmp.h"
#include "lwip/icmp6.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/raw.h"
#include "lwip/stats.h"
#include "netd.h"

#define PING_MAX 16
#define RESOLVE_MAX 16

struct ping {
	bool used, done;
	uk_name_t reply;
	uint64_t deadline, sent_at, rtt;
	uint16_t seq, client_seq, size;
	uint8_t ttl;
	ip_addr_t from;
};

struct resolve {
	bool used, done;
	uint8_t gen;
	uk_name_t reply;
	uint64_t deadline;
	int32_t status;
	ip_addr_t addr;
};

static struct ping pings[PING_MAX];
static struct resolve resolves[RESOLVE_MAX];
static struct raw_pcb *ping4, *ping6;
static uint16_t ping_id, ping_seq;
static bool work;

static void fill_info(struct uk_net_info *i)
{
	struct netif *n = link_netif();
	struct uk_net_counters *c = &i->c;

	memset(i, 0, sizeof(*i));
	i->version = UK_SOCK_VERSION;
	strlcpy(i->name, "net0", sizeof(i->name));
	i->sockets = sock_count();
	if (link_have_device())
		i->flags |= UK_NET_HAVE_DEVICE;
	if (n) {
		if (netif_is_up(n))
			i->flags |= UK_NET_UP;
		if (netif_is_link_up(n))
			i->flags |= UK_NET_LINK_UP;
		if (netif_dhcp_data(n))
			i->flags |= UK_NET_DHCP;
		if (link_dhcp())
			i->flags |= UK_NET_DHCP_BOUND;
		memcpy(i->mac, n->hwaddr, 6);
		i->mtu = n->mtu;
		memcpy(i->addr, &netif_ip4_addr(n)->addr, 4);
		memcpy(i->netmask, &netif_ip4_netmask(n)->addr, 4);
		memcpy(i->gateway, &netif_ip4_gw(n)->addr, 4);
		for (unsigned k = 0; k < UK_NET_ADDR6_MAX && k < LWIP_IPV6_NUM_ADDRESSES; k++) {
			u8_t st = netif_ip6_addr_state(n, k);
			memcpy(i->addr6[k], netif_ip6_addr(n, k)->addr, 16);
			i->addr6_state[k] = ip6_addr_isvalid(st) ? 2 : ip6_addr_istentative(st) ? 1 : 0;
		}
	}
	for (u8_t k = 0; k < 2; k++) {
		const ip_addr_t *d = dns_getserver(k);
		if (d && IP_IS_V4(d))
			memcpy(i->dns[k], &ip_2_ip4(d)->addr, 4);
	}
	link_counters(c);
	c->link_drop = lwip_stats.link.drop;
	c->link_err = lwip_stats.link.err + lwip_stats.link.lenerr + lwip_stats.link.proterr;
	c->arp_recv = lwip_stats.etharp.recv;
	c->arp_drop = lwip_stats.etharp.drop;
	c->ip_recv = lwip_stats.ip.recv;
	c->ip_drop = lwip_stats.ip.drop;
	c->ip_chkerr = lwip_stats.ip.chkerr;
	c->ip_lenerr = lwip_stats.ip.lenerr;
	c->ip_proterr = lwip_stats.ip.proterr;
	c->ip_frag_drop = lwip_stats.ip_frag.drop;
	c->icmp_recv = lwip_stats.icmp.recv;
	c->icmp_drop = lwip_stats.icmp.drop;
	c->udp_recv = lwip_stats.udp.recv;
	c->udp_drop = lwip_stats.udp.drop;
	c->udp_chkerr = lwip_stats.udp.chkerr;
	c->tcp_recv = lwip_stats.tcp.recv;
	c->tcp_xmit = lwip_stats.tcp.xmit;
	c->tcp_drop = lwip_stats.tcp.drop;
	c->tcp_chkerr = lwip_stats.tcp.chkerr;
	c->tcp_proterr = lwip_stats.tcp.proterr;
	c->ip6_recv = lwip_stats.ip6.recv;
	c->ip6_drop = lwip_stats.ip6.drop;
	c->udp_queue_drop = sock_udp_queue_drops();
	c->bad_requests = netd_bad_requests;
	c->mem_used = lwip_stats.mem.used;
	c->mem_max = lwip_stats.mem.max;
	c->mem_err = lwip_stats.mem.err;
	c->pool_used = lwip_stats.memp[MEMP_PBUF_POOL]->used;
	c->pool_max = lwip_stats.memp[MEMP_PBUF_POOL]->max;
	c->pool_err = lwip_stats.memp[MEMP_PBUF_POOL]->err;
}

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct icmp_echo_hdr echo;
	uint16_t hlen;
	uint8_t ttl;

	(void)arg;
	if (IP_IS_V6(addr)) {
		struct ip6_hdr h6;
		if (pbuf_copy_partial(p, &h6, sizeof(h6), 0) != sizeof(h6))
			return 0;
		hlen = IP6_HLEN;
		ttl = IP6H_HOPLIM(&h6);
	} else {
		struct ip_hdr h4;
		if (pbuf_copy_partial(p, &h4, sizeof(h4), 0) != sizeof(h4))
			return 0;
		hlen = IPH_HL_BYTES(&h4);
		ttl = IPH_TTL(&h4);
	}
	if (pbuf_copy_partial(p, &echo, sizeof(echo), hlen) != sizeof(echo))
		return 0;
	u8_t want = pcb == ping6 ? ICMP6_TYPE_EREP : ICMP_ER;
	if (echo.type != want || echo.id != lwip_htons(ping_id))
		return 0;
	uint16_t seq = lwip_ntohs(echo.seqno);
	for (unsigned i = 0; i < PING_MAX; i++) {
		struct ping *g = &pings[i];
		if (!g->used || g->done || g->seq != seq)
			continue;
		g->done = true;
		g->rtt = netd_now() - g->sent_at;
		g->ttl = ttl;
		ip_addr_copy(g->from, *addr);
		work = true;
		pbuf_free(p);
		return 1;
	}
	return 0; /* an old or foreign reply: lwIP drops it */
}

static long do_ping(const struct uk_msg_header *h)
{
	const struct uk_net_ping_req *rq = uk_msg_body(h);
	ip_addr_t dest;
	uint16_t port;

	if (uk_msg_body_len(h) < sizeof(*rq)) {
		netd_bad_requests++;
		return -ERR_INVALID;
	}
	if (!addr_from_proto(&rq->dest, &dest, &port) || rq->size > UK_NET_PING_MAX)
		return -ERR_INVALID;
	bool v6 = IP_IS_V6(&dest);
	struct raw_pcb **pcb = v6 ? &ping6 : &ping4;
	if (!*pcb) {
		*pcb = raw_new_ip_type(v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4,
				       v6 ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP);
		if (!*pcb)
			return -ERR_NO_MEMORY;
		raw_recv(*pcb, ping_recv, NULL);
		if (v6) {
			(*pcb)->chksum_reqd = 1;
			(*pcb)->chksum_offset = 2;
		}
	}
	struct ping *g = NULL;
	for (unsigned i = 0; i < PING_MAX && !g; i++)
		if (!pings[i].used)
			g = &pings[i];
	if (!g)
		return -ERR_LIMIT;
	if (!ping_id)
		ping_id = (uint16_t)(LWIP_RAND() | 1);
	uint16_t len = (uint16_t)(sizeof(struct icmp_echo_hdr) + rq->size);
	struct pbuf *p = pbuf_alloc(PBUF_IP, len, PBUF_RAM);
	if (!p)
		return -ERR_NO_MEMORY;
	struct icmp_echo_hdr *e = p->payload;
	e->type = v6 ? ICMP6_TYPE_EREQ : ICMP_ECHO;
	e->code = 0;
	e->chksum = 0;
	e->id = lwip_htons(ping_id);
	e->seqno = lwip_htons(++ping_seq);
	for (uint16_t i = 0; i < rq->size; i++)
		((uint8_t *)(e + 1))[i] = (uint8_t)i;
	if (!v6)
		e->chksum = inet_chksum(e, len);
	memset(g, 0, sizeof(*g));
	g->sent_at = netd_now();
	err_t err = raw_sendto(*pcb, p, &dest);
	pbuf_free(p);
	if (err != ERR_OK)
		return netd_err(err);
	g->used = true;
	g->reply = h->reply;
	g->seq = ping_seq;
	g->client_seq = rq->seq;
	g->size = rq->size;
	g->deadline = netd_deadline(rq->timeout_ns ? rq->timeout_ns : 1000000000ull);
	return NETD_DEFERRED;
}

static void dns_found(const char *name, const ip_addr_t *addr, void *arg)
{
	uintptr_t v = (uintptr_t)arg;
	struct resolve *r = &resolves[v & 0xff];

	(void)name;
	if (!r->used || r->done || r->gen != (uint8_t)(v >> 8))
		return; /* it timed out already */
	r->done = true;
	r->status = addr ? 0 : -ERR_NOT_FOUND;
	if (addr)
		ip_addr_copy(r->addr, *addr);
	work = true;
}

static void answer_resolve(struct resolve *r)
{
	struct uk_sock_addr *a = reply_start(NET_RESOLVE, r->status);
	if (!r->status) {
		reply_grow(sizeof(*a));
		addr_to_proto(&r->addr, 0, a);
	}
	reply_to(r->reply);
	r->used = false;
}

static long do_resolve(const struct uk_msg_header *h)
{
	const struct uk_net_resolve_req *rq = uk_msg_body(h);
	char name[UK_NET_HOSTNAME_MAX + 1];
	uint32_t len = uk_msg_body_len(h);

	if (len < sizeof(*rq) || rq->name_len == 0 || rq->name_len > UK_NET_HOSTNAME_MAX ||
	    len - sizeof(*rq) < rq->name_len) {
		netd_bad_requests++;
		return -ERR_INVALID;
	}
	memcpy(name, rq + 1, rq->name_len);
	name[rq->name_len] = '\0';
	if (strlen(name) != rq->name_len)
		return -ERR_INVALID;
	unsigned idx = RESOLVE_MAX;
	for (unsigned i = 0; i < RESOLVE_MAX; i++)
		if (!resolves[i].used) {
			idx = i;
			break;
		}
	if (idx == RESOLVE_MAX)
		return -ERR_LIMIT;
	struct resolve *r = &resolves[idx];
	uint8_t gen = (uint8_t)(r->gen + 1);
	memset(r, 0, sizeof(*r));
	r->gen = gen;
	r->used = true;
	r->reply = h->reply;
	r->deadline = netd_deadline(rq->timeout_ns ? rq->timeout_ns : 5000000000ull);
	u8_t type = rq->family == UK_AF_INET6 ? LWIP_DNS_ADDRTYPE_IPV6
		    : rq->family == UK_AF_INET ? LWIP_DNS_ADDRTYPE_IPV4
					      : LWIP_DNS_ADDRTYPE_IPV4_IPV6;
	err_t e = dns_gethostbyname_addrtype(name, &r->addr, dns_found,
					     (void *)(uintptr_t)(idx | (unsigned)gen << 8), type);
	if (e == ERR_OK) {
		r->status = 0;
		answer_resolve(r);
		return NETD_DEFERRED;
	}
	if (e != ERR_INPROGRESS) {
		r->used = false;
		return e == ERR_ARG ? -ERR_NOT_FOUND : netd_err(e);
	}
	return NETD_DEFERRED;
}

long status_request(const struct uk_msg_header *h, bool admin)
{
	switch (h->id) {
	case NET_INFO: {
		struct uk_net_info *i = reply_start(NET_INFO, 0);
		reply_grow(sizeof(*i));
		fill_info(i);
		return NETD_REPLY;
	}
	case NET_SOCKETS: {
		const struct uk_net_list_req *rq = uk_msg_body(h);
		if (uk_msg_body_len(h) < sizeof(*rq)) {
			netd_bad_requests++;
			return -ERR_INVALID;
		}
		struct uk_net_sockets_reply *r = reply_start(NET_SOCKETS, 0);
		reply_grow(sizeof(*r) + UK_NET_SOCKETS_MAX * sizeof(struct uk_net_sock_entry));
		uint32_t count;
		r->total = sock_list(rq->start, r->entries, UK_NET_SOCKETS_MAX, &count);
		r->count = count;
		return NETD_REPLY;
	}
	case NET_PING:
		return do_ping(h);
	case NET_RESOLVE:
		return do_resolve(h);
	case NET_CONFIG: {
		const struct uk_net_config_req *rq = uk_msg_body(h);
		/* Addresses and the interface's state are the administrator's:
		 * through "net" any task could take the node off the network. */
		if (!admin) {
			netd_bad_requests++;
			return -ERR_PERMISSION;
		}
		if (uk_msg_body_len(h) < sizeof(*rq)) {
			netd_bad_requests++;
			return -ERR_INVALID;
		}
		long rc = link_configure(rq);
		if (rc < 0)
			return rc;
		reply_start(NET_CONFIG, 0);
		return NETD_REPLY;
	}
	default:
		netd_bad_requests++;
		return -ERR_UNSUPPORTED;
	}
}

uint64_t status_progress(void)
{
	uint64_t now = netd_now(), next = UINT64_MAX;

	work = false;
	for (unsigned i = 0; i < PING_MAX; i++) {
		struct ping *g = &pings[i];
		if (!g->used)
			continue;
		if (g->done) {
			struct uk_net_ping_reply *r = reply_start(NET_PING, 0);
			reply_grow(sizeof(*r));
			r->rtt_ns = g->rtt;
			addr_to_proto(&g->from, 0, &r->from);
			r->seq = g->client_seq;
			r->size = g->size;
			r->ttl = g->ttl;
			reply_to(g->reply);
			g->used = false;
		} else if (g->deadline <= now) {
			reply_status(g->reply, NET_PING, -ERR_TIMED_OUT);
			g->used = false;
		} else if (g->deadline < next) {
			next = g->deadline;
		}
	}
	for (unsigned i = 0; i < RESOLVE_MAX; i++) {
		struct resolve *r = &resolves[i];
		if (!r->used)
			continue;
		if (r->done) {
			answer_resolve(r);
		} else if (r->deadline <= now) {
			r->status = -ERR_TIMED_OUT;
			answer_resolve(r);
		} else if (r->deadline < next) {
			next = r->deadline;
		}
	}
	return next;
}
