/* SPDX-License-Identifier: MIT */
/*
 * The proxy inside netd (docs/PROXY.md, "Where the proxy runs"): Qnet's
 * place. netd's loop hands the proxy the messages of its ports
 * (proxy/server/serve.c) and its ticks, and the proxy's frames go to
 * lwIP and come from it here, through one UDP pcb on port 7070 with no
 * socket, no IPC and no batch buffer in between.
 *
 * Why: a remote call through a proxy task crossed four address spaces
 * per node (client, proxy, netd, driver) where a raw UDP exchange
 * crosses three, and under QEMU's TCG every switch of address space
 * costs its refilled soft TLB, far more than its instructions
 * (docs/PERFORMANCE.md, "The proxy"). Here a call costs what a UDP
 * exchange costs, plus the proxy's own work.
 *
 * This file is the proxy's network layer (proxy.h, "net.c"): frames are
 * copied into a pbuf and sent at once (lwIP queues them for the driver,
 * and link_flush hands the driver a batch at the end of the turn); a
 * frame that arrives is given to proxy_frame from lwIP's receive
 * callback, in one piece (copied only when lwIP chained it).
 *
 * A peer whose Ethernet address lwIP has not resolved is asked for again
 * at the proxy's pace (arp_nudge): lwIP repeats an unanswered ARP request
 * only on its 1 s ARP timer, which is the whole of the proxy's connect
 * deadline, so one lost request or reply made the first contact with a
 * node fail (cluster.proxy-loss, docs/PROXY.md).
 */
#include <string.h>
#include <ulib.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "netd.h"
#include "proxy.h"

uint64_t net_oversized;
static struct udp_pcb *pcb;
static uint64_t reopen_at;
static uint64_t sends_dropped;
static uint8_t chained[PX_FRAME_MAX];

static void frame_in(void *arg, struct udp_pcb *upcb, struct pbuf *p,
		     const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	(void)upcb;
	if (p->tot_len > PX_FRAME_MAX) {
		net_oversized++;
	} else if (IP_IS_V4(addr)) {
		const uint8_t *frame = p->payload;
		uint8_t src[4];
		uint32_t a = ip4_addr_get_u32(ip_2_ip4(addr)); /* network order */
		memcpy(src, &a, 4);
		if (p->len != p->tot_len) {
			pbuf_copy_partial(p, chained, p->tot_len, 0);
			frame = chained;
		}
		proxy_frame(frame, p->tot_len, src, port);
	}
	pbuf_free(p);
}

int net_open(void)
{
	struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_V4);

	if (!u)
		return -ERR_NO_MEMORY;
	err_t e = udp_bind(u, IP4_ADDR_ANY, PROXY_UDP_PORT);
	if (e != ERR_OK) {
		udp_remove(u);
		return netd_err(e);
	}
	udp_recv(u, frame_in, NULL);
	pcb = u;
	return 0;
}

bool net_is_reply(uk_name_t dest)
{
	(void)dest;
	return false;
}

void net_take(const struct uk_msg_header *h,
	      void (*fn)(const uint8_t *frame, uint32_t len,
			 const uint8_t src[4], uint16_t port))
{
	(void)h;
	(void)fn;
}

/* After a send to `to`: if lwIP still has no Ethernet address for it, ask
 * again, at most every ARP_NUDGE_MS per address. The first send only
 * notes the time: lwIP's own request for a new entry has just gone. */
#define ARP_NUDGE_MS 100u
#define ARP_NUDGE_SLOTS 16u

static void arp_nudge(const ip4_addr_t *to)
{
	static struct {
		uint32_t addr;
		uint64_t at;
	} asked[ARP_NUDGE_SLOTS];
	struct netif *n = link_netif();
	struct eth_addr *eth;
	const ip4_addr_t *ip;

	if (!n || !netif_is_up(n) || !netif_is_link_up(n) ||
	    ip4_addr_isany_val(*netif_ip4_addr(n)) ||
	    !ip4_addr_netcmp(to, netif_ip4_addr(n), netif_ip4_netmask(n)) ||
	    etharp_find_addr(n, to, &eth, &ip) >= 0)
		return;
	uint32_t a = ip4_addr_get_u32(to);
	unsigned k = lwip_ntohl(a) % ARP_NUDGE_SLOTS;
	if (asked[k].addr != a) {
		asked[k].addr = a;
		asked[k].at = now_ms();
		return;
	}
	if (now_ms() - asked[k].at < ARP_NUDGE_MS)
		return;
	asked[k].at = now_ms();
	etharp_request(n, to);
}

void net_send(const uint8_t addr[4], uint16_t port, const uint8_t *frame,
	      uint32_t len)
{
	if (!pcb || len > PX_FRAME_MAX)
		return;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p) {
		/* The link sends it again. */
		sends_dropped++;
		return;
	}
	memcpy(p->payload, frame, len);
	ip_addr_t to;
	IP_ADDR4(&to, addr[0], addr[1], addr[2], addr[3]);
	if (udp_sendto(pcb, p, &to, port) != ERR_OK)
		sends_dropped++;
	pbuf_free(p);
	arp_nudge(ip_2_ip4(&to));
}

void net_flush(void)
{
	/* Nothing waits here: link_flush sends lwIP's frames each turn. */
}

void net_progress(void)
{
	if (pcb || now_ms() < reopen_at)
		return;
	int rc = net_open();
	if (rc < 0) {
		printf("proxy: no UDP port %u (%s); trying again in 1 s\n",
		       PROXY_UDP_PORT, err_str(rc));
		reopen_at = now_ms() + 1000;
	}
}

bool netd_proxy_start(void)
{
	return proxy_start(netd_set, "netd") == 0;
}

bool netd_proxy_arg(const char *a)
{
	return proxy_arg(a);
}

bool netd_proxy_take(const struct uk_msg_header *h)
{
	/* The proxy takes what it keeps from the message (rights, regions)
	 * and releases the rest itself: netd's loop does not. */
	return proxy_dispatch((struct uk_msg_header *)h);
}

void netd_proxy_turn(void)
{
	proxy_clock();
}

void netd_proxy_after(bool message)
{
	proxy_after(message);
}

uint64_t netd_proxy_deadline(void)
{
	return proxy_next_ms() * 1000000u;
}
