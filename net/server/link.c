/* SPDX-License-Identifier: MIT */
/*
 * The link: lwIP's netif over a netdev driver (include/uk/proto/netdev.h).
 *
 * The driver shares one region of slots with us. Receive slots are the
 * driver's until a NETDEV_RX names them; we copy each frame into a pbuf
 * of lwIP's pool and give the slot back at once (NETDEV_RX_DONE, batched
 * per loop pass), so a socket that holds data never holds a device
 * buffer. Transmit slots are ours until a NETDEV_TX names them and again
 * after NETDEV_TX_DONE; lwIP's frames are copied into free slots and sent
 * in batches at the end of each loop pass. With every slot in flight,
 * frames wait in a short queue, and beyond that are dropped and counted
 * (TCP retransmits them).
 *
 * The open's reply carries the session right; RX_DONE and TX go through
 * it (the driver refuses them through a right to the device's name). The
 * driver in turn gets a right to our event port minted with a badge of
 * this open, and an event is believed only with that badge, so nothing
 * left over from an earlier session or driver counts.
 *
 * Everything the driver says is checked: a slot outside its range, one
 * it does not own, or a length beyond a frame is counted as rx_bad and
 * ignored. If the session right dies (dead-name notification: the driver
 * died or ended the session), the link goes down, and the device is
 * looked up and opened again once a second.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/netdev.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netd.h"

#define TXQ_MAX 256
#define REOPEN_INTERVAL_NS 1000000000ull
#define REOPEN_FAST_NS 20000000ull
#define REOPEN_FAST_FOR_NS 10000000000ull
#define DRIVER_SEND_TIMEOUT_NS 100000000ull

uk_name_t link_event_port;

static struct link_config cfg;
static struct netif nif;
static bool nif_added;
static bool have_device;
static uk_name_t session;    /* the session right the open returned */
static uint64_t event_badge; /* of the event right the driver holds */
static uint64_t opens;	     /* event badges: one per open, never reused */
static uint8_t *slots;
static uint64_t slots_size;
static uint32_t rx_slots, tx_slots;
static bool driver_owns[UK_NETDEV_SLOTS];
static uint16_t tx_free[UK_NETDEV_SLOTS];
static unsigned n_tx_free;
static struct uk_netdev_slots tx_batch;
/* Receive slots to give back (each slot at most once, so this never
 * overflows). */
static uint16_t done_list[UK_NETDEV_SLOTS];
static unsigned n_done;
static struct pbuf *txq[TXQ_MAX];
static unsigned txq_head, txq_count;
static uint64_t reopen_at, started;
static bool said_missing;
static uint64_t dhcp_fallback_at = UINT64_MAX;
static bool link_up;

static struct {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t rx_dropped, rx_bad, tx_dropped;
} ctr;

static union {
	struct uk_msg_header h;
	uint8_t bytes[sizeof(struct uk_msg_header) + 2 * sizeof(struct uk_msg_port) +
		      2 * sizeof(struct uk_msg_ool) + sizeof(struct uk_rpc_status) +
		      sizeof(struct uk_netdev_slots)];
	uint64_t align_;
} dmsg;

struct netif *link_netif(void)
{
	return nif_added ? &nif : NULL;
}

bool link_have_device(void)
{
	return have_device;
}

bool link_dhcp(void)
{
	return nif_added && netif_dhcp_data(&nif) != NULL &&
	       dhcp_supplied_address(&nif);
}

/* Send a slot batch to the driver; false if it could not take it yet
 * (the batch stays for the next pass). */
static bool send_batch(uint32_t id, struct uk_netdev_slots *b)
{
	if (!b->count)
		return true;
	if (!have_device)
		return false;
	memset(&dmsg.h, 0, sizeof(dmsg.h));
	dmsg.h.id = id;
	dmsg.h.dest = session;
	dmsg.h.dest_disposition = UK_DISP_COPY_SEND;
	memcpy(uk_msg_body(&dmsg.h), b, sizeof(*b));
	dmsg.h.size = sizeof(dmsg.h) + sizeof(*b);
	long rc = uk_ipc_send(&dmsg.h, dmsg.h.size, DRIVER_SEND_TIMEOUT_NS);
	if (rc < 0) {
		if (rc != -ERR_TIMED_OUT)
			printf("netd: sending to %s failed: %s\n", cfg.device, err_str(rc));
		netd_wake_by(netd_now() + 10000000u);
		return false;
	}
	b->count = 0;
	return true;
}

static void tx_slot_put(const struct pbuf *p, uint16_t slot)
{
	pbuf_copy_partial(p, slots + (size_t)slot * UK_NETDEV_SLOT_SIZE, p->tot_len, 0);
	driver_owns[slot] = true;
	tx_batch.s[tx_batch.count++] = (struct uk_netdev_slot){ slot, p->tot_len };
	ctr.tx_frames++;
	ctr.tx_bytes += p->tot_len;
	if (tx_batch.count == UK_NETDEV_BATCH)
		send_batch(NETDEV_TX, &tx_batch);
}

static bool tx_room(void)
{
	return n_tx_free && tx_batch.count < UK_NETDEV_BATCH;
}

static err_t link_output(struct netif *netif, struct pbuf *p)
{
	if (!have_device || !link_up) {
		ctr.tx_dropped++;
		return ERR_IF;
	}
	if (p->tot_len > UK_NETDEV_FRAME_MAX) {
		ctr.tx_dropped++;
		return ERR_VAL;
	}
	if (!txq_count && tx_room()) {
		tx_slot_put(p, tx_free[--n_tx_free]);
		return ERR_OK;
	}
	if (txq_count == TXQ_MAX) {
		ctr.tx_dropped++;
		return ERR_MEM;
	}
	pbuf_ref(p);
	txq[(txq_head + txq_count++) % TXQ_MAX] = p;
	return ERR_OK;
}

static void txq_drain(void)
{
	while (txq_count && tx_room()) {
		struct pbuf *p = txq[txq_head];
		txq_head = (txq_head + 1) % TXQ_MAX;
		txq_count--;
		tx_slot_put(p, tx_free[--n_tx_free]);
		pbuf_free(p);
	}
}

static void txq_clear(void)
{
	while (txq_count) {
		pbuf_free(txq[txq_head]);
		txq_head = (txq_head + 1) % TXQ_MAX;
		txq_count--;
		ctr.tx_dropped++;
	}
}

static void status_changed(struct netif *n)
{
	static ip4_addr_t shown;
	char a[16], m[16], g[16];

	/* Also called for IPv6 address changes: report IPv4 changes. */
	if (ip4_addr_isany_val(*netif_ip4_addr(n)) || ip4_addr_cmp(&shown, netif_ip4_addr(n)))
		return;
	ip4_addr_copy(shown, *netif_ip4_addr(n));
	ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
	ip4addr_ntoa_r(netif_ip4_netmask(n), m, sizeof(m));
	ip4addr_ntoa_r(netif_ip4_gw(n), g, sizeof(g));
	printf("netd: %s address %s netmask %s gateway %s (%s)\n", cfg.device, a, m, g,
	       link_dhcp() ? "DHCP" : "static");
	if (link_dhcp())
		dhcp_fallback_at = UINT64_MAX;
}

static void link_changed(struct netif *n)
{
	printf("netd: %s link %s\n", cfg.device, netif_is_link_up(n) ? "up" : "down");
}

static err_t netif_setup(struct netif *n)
{
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->linkoutput = link_output;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	n->hwaddr_len = ETH_HWADDR_LEN;
	return ERR_OK;
}

static void start_addressing(void)
{
	if (cfg.dhcp) {
		err_t e = dhcp_start(&nif);
		if (e != ERR_OK)
			printf("netd: DHCP does not start: %d\n", e);
		if (!ip4_addr_isany_val(cfg.addr))
			dhcp_fallback_at = netd_deadline(cfg.dhcp_wait_ns);
	} else {
		netif_set_addr(&nif, &cfg.addr, &cfg.netmask, &cfg.gateway);
	}
}

static void drop_device(void)
{
	if (!have_device)
		return;
	have_device = false;
	txq_clear();
	tx_batch.count = 0;
	n_done = 0;
	if (slots)
		uk_vm_free((uint64_t)(uintptr_t)slots, slots_size);
	slots = NULL;
	uk_port_deallocate(session);
	session = 0;
	event_badge = 0;
	link_up = false;
	if (nif_added)
		netif_set_link_down(&nif);
	reopen_at = netd_now() + REOPEN_INTERVAL_NS;
}

/* Look the device up and open it; false (retry later) if it is not
 * there or refuses. */
static bool open_device(uint64_t wait_ns)
{
	long port = ns_lookup(cfg.device, wait_ns);
	if (port <= 0)
		return false;
	uint64_t badge = opens + 1;
	long ev = uk_port_mint(link_event_port, badge);
	if (ev < 0) {
		printf("netd: no event right for %s: %s\n", cfg.device, err_str(ev));
		uk_port_deallocate((uk_name_t)port);
		return false;
	}
	opens = badge;

	memset(&dmsg.h, 0, sizeof(dmsg.h));
	dmsg.h.id = NETDEV_OPEN;
	dmsg.h.dest = (uk_name_t)port;
	dmsg.h.n_ports = 1;
	uk_msg_ports(&dmsg.h)[0] = (struct uk_msg_port){ (uk_name_t)ev, UK_DISP_MOVE_SEND };
	dmsg.h.size = sizeof(dmsg.h) + sizeof(struct uk_msg_port);
	long rc = uk_ipc_call(&dmsg.h, dmsg.h.size, &dmsg.h, sizeof(dmsg), 5000000000ull);
	bool replied = rc >= 0;
	/* The device's name was only for the open; from now on the session
	 * right is the device. */
	uk_port_deallocate((uk_name_t)port);
	/* A call that failed before sending left the event right with us. */
	if (!replied)
		uk_port_deallocate((uk_name_t)ev);
	const struct uk_netdev_open_reply *or = NULL;
	const struct uk_msg_ool *ool = NULL;
	const struct uk_msg_port *sr = NULL;
	if (replied && dmsg.h.n_ool >= 1)
		ool = &uk_msg_ools(&dmsg.h)[0];
	if (replied && dmsg.h.n_ports == 1 &&
	    (uk_msg_ports(&dmsg.h)[0].disposition & UK_RIGHT_SEND))
		sr = &uk_msg_ports(&dmsg.h)[0];
	if (rc >= 0 && dmsg.h.id == NETDEV_OPEN &&
	    uk_msg_body_len(&dmsg.h) >= sizeof(struct uk_rpc_status)) {
		const struct uk_rpc_status *st = uk_msg_body(&dmsg.h);
		rc = st->status;
		if (rc >= 0 && uk_msg_body_len(&dmsg.h) >= sizeof(*st) + sizeof(*or))
			or = (const void *)(st + 1);
	} else if (rc >= 0) {
		rc = -ERR_INVALID;
	}
	if (rc < 0 || !or || !ool || !sr ||
	    ool->size < (uint64_t)UK_NETDEV_SLOTS * UK_NETDEV_SLOT_SIZE ||
	    or->rx_slots + (uint64_t)or->tx_slots > UK_NETDEV_SLOTS || !or->tx_slots) {
		printf("netd: cannot open %s: %s\n", cfg.device,
		       err_str(rc < 0 ? rc : -ERR_INVALID));
		for (unsigned i = 0; replied && i < dmsg.h.n_ool; i++)
			if (uk_msg_ools(&dmsg.h)[i].address)
				uk_vm_free(uk_msg_ools(&dmsg.h)[i].address,
					   uk_msg_ools(&dmsg.h)[i].size);
		for (unsigned i = 0; replied && i < dmsg.h.n_ports; i++)
			if (uk_msg_ports(&dmsg.h)[i].name)
				uk_port_deallocate(uk_msg_ports(&dmsg.h)[i].name);
		return false;
	}
	session = sr->name;
	event_badge = badge;
	slots = (uint8_t *)(uintptr_t)ool->address;
	slots_size = ool->size;
	rx_slots = or->rx_slots;
	tx_slots = or->tx_slots;
	memset(driver_owns, 0, sizeof(driver_owns));
	for (uint32_t i = 0; i < rx_slots; i++)
		driver_owns[i] = true;
	n_tx_free = 0;
	for (uint32_t i = 0; i < tx_slots; i++)
		tx_free[n_tx_free++] = (uint16_t)(rx_slots + tx_slots - 1 - i);
	have_device = true;
	rc = uk_port_request_notification(session, UK_NOTIFY_DEAD_NAME,
					  netd_notify);
	if (rc < 0)
		printf("netd: cannot watch %s: %s\n", cfg.device, err_str(rc));

	printf("netd: %s open, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, link %s\n",
	       cfg.device, or->mac[0], or->mac[1], or->mac[2], or->mac[3], or->mac[4],
	       or->mac[5], or->mtu, or->link_up ? "up" : "down");
	if (!nif_added) {
		ip4_addr_t any;
		ip4_addr_set_zero(&any);
		netif_add(&nif, &any, &any, &any, NULL, netif_setup, ethernet_input);
		nif_added = true;
		netif_set_hostname(&nif, cfg.hostname);
		netif_set_status_callback(&nif, status_changed);
		netif_set_link_callback(&nif, link_changed);
		memcpy(nif.hwaddr, or->mac, ETH_HWADDR_LEN);
		nif.mtu = or->mtu ? or->mtu : 1500;
		netif_create_ip6_linklocal_address(&nif, 1);
		nif.ip6_autoconfig_enabled = 1;
		netif_set_default(&nif);
		netif_set_up(&nif);
		start_addressing();
	}
	link_up = or->link_up != 0;
	if (link_up)
		netif_set_link_up(&nif);
	return true;
}

void link_init(const struct link_config *c)
{
	cfg = *c;
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (port <= 0) {
		printf("netd: no event port: %s\n", err_str(port));
		exit(1);
	}
	link_event_port = (uk_name_t)port;
	uk_port_set_limit(link_event_port, UK_PORT_QUEUE_MAX);
	uk_port_set_add(netd_set, link_event_port);
	/* The driver usually starts with us: look for it often at first,
	 * without ever blocking the loop. */
	started = netd_now();
	if (!open_device(0))
		reopen_at = netd_now() + REOPEN_FAST_NS;
}

static const struct uk_netdev_slots *slot_body(const struct uk_msg_header *h)
{
	const struct uk_netdev_slots *b = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);

	if (len < 8 || b->count > UK_NETDEV_BATCH ||
	    len < 8 + b->count * sizeof(struct uk_netdev_slot))
		return NULL;
	return b;
}

static void rx_frames(const struct uk_netdev_slots *b)
{
	for (uint32_t i = 0; i < b->count; i++) {
		uint16_t slot = b->s[i].slot, len = b->s[i].len;
		if (slot >= rx_slots || !driver_owns[slot]) {
			ctr.rx_bad++;
			continue;
		}
		driver_owns[slot] = false;
		if (len < SIZEOF_ETH_HDR || len > UK_NETDEV_FRAME_MAX) {
			ctr.rx_bad++;
		} else {
			struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
			if (!p) {
				ctr.rx_dropped++;
			} else {
				pbuf_take(p, slots + (size_t)slot * UK_NETDEV_SLOT_SIZE, len);
				ctr.rx_frames++;
				ctr.rx_bytes += len;
				if (nif.input(p, &nif) != ERR_OK)
					pbuf_free(p);
			}
		}
		/* The slot goes back to the driver with the next flush. */
		done_list[n_done++] = slot;
	}
}

static void tx_done(const struct uk_netdev_slots *b)
{
	for (uint32_t i = 0; i < b->count; i++) {
		uint16_t slot = b->s[i].slot;
		if (slot < rx_slots || slot >= rx_slots + tx_slots || !driver_owns[slot]) {
			ctr.rx_bad++;
			continue;
		}
		driver_owns[slot] = false;
		tx_free[n_tx_free++] = slot;
	}
	txq_drain();
}

bool link_event(const struct uk_msg_header *h)
{
	if (h->flags & UK_MSG_KERNEL) {
		const struct uk_notification *n = (const void *)h;
		if (have_device && n->name == session) {
			printf("netd: %s went away; link down until it is back\n", cfg.device);
			drop_device();
		}
		return true;
	}
	if (!have_device || h->badge != event_badge)
		return true; /* late events of a session we dropped */
	const struct uk_netdev_slots *b;
	switch (h->id) {
	case NETDEV_RX:
		if (!(b = slot_body(h)))
			break;
		rx_frames(b);
		return true;
	case NETDEV_TX_DONE:
		if (!(b = slot_body(h)))
			break;
		tx_done(b);
		return true;
	case NETDEV_LINK: {
		const struct uk_netdev_link *l = uk_msg_body(h);
		if (uk_msg_body_len(h) < sizeof(*l))
			break;
		link_up = l->up != 0;
		if (link_up)
			netif_set_link_up(&nif);
		else
			netif_set_link_down(&nif);
		return true;
	}
	default:
		break;
	}
	ctr.rx_bad++;
	return false;
}

void link_flush(void)
{
	uint64_t now = netd_now();

	if (!have_device && reopen_at && now >= reopen_at) {
		if (open_device(0)) {
			reopen_at = 0;
		} else {
			bool early = now - started < REOPEN_FAST_FOR_NS;
			reopen_at = now + (early ? REOPEN_FAST_NS : REOPEN_INTERVAL_NS);
			if (!early && !said_missing) {
				printf("netd: %s not available yet, still looking\n", cfg.device);
				said_missing = true;
			}
		}
	}
	if (!have_device && reopen_at)
		netd_wake_by(reopen_at);
	if (dhcp_fallback_at != UINT64_MAX) {
		if (link_dhcp()) {
			dhcp_fallback_at = UINT64_MAX;
		} else if (now >= dhcp_fallback_at) {
			char a[16];
			dhcp_fallback_at = UINT64_MAX;
			printf("netd: no DHCP lease after %llu s, using %s\n",
			       (unsigned long long)(cfg.dhcp_wait_ns / 1000000000ull),
			       ip4addr_ntoa_r(&cfg.addr, a, sizeof(a)));
			dhcp_release_and_stop(&nif);
			netif_set_addr(&nif, &cfg.addr, &cfg.netmask, &cfg.gateway);
		} else {
			netd_wake_by(dhcp_fallback_at);
		}
	}
	txq_drain();
	send_batch(NETDEV_TX, &tx_batch);
	while (n_done && have_device) {
		struct uk_netdev_slots b;
		unsigned n = n_done < UK_NETDEV_BATCH ? n_done : UK_NETDEV_BATCH;
		memset(&b, 0, sizeof(b));
		for (unsigned i = 0; i < n; i++)
			b.s[i] = (struct uk_netdev_slot){ done_list[n_done - n + i], 0 };
		b.count = n;
		if (!send_batch(NETDEV_RX_DONE, &b))
			break;
		for (unsigned i = 0; i < n; i++)
			driver_owns[done_list[n_done - n + i]] = true;
		n_done -= n;
	}
}

void link_counters(struct uk_net_counters *c)
{
	c->rx_frames = ctr.rx_frames;
	c->rx_bytes = ctr.rx_bytes;
	c->tx_frames = ctr.tx_frames;
	c->tx_bytes = ctr.tx_bytes;
	c->rx_dropped = ctr.rx_dropped;
	c->rx_bad = ctr.rx_bad;
	c->tx_dropped = ctr.tx_dropped;
}

int link_configure(const struct uk_net_config_req *rq)
{
	if (!nif_added)
		return -ERR_NOT_FOUND;
	switch (rq->what) {
	case UK_NET_CONFIG_STATIC: {
		ip4_addr_t a, m, g;
		memcpy(&a, rq->addr, 4);
		memcpy(&m, rq->netmask, 4);
		memcpy(&g, rq->gateway, 4);
		dhcp_release_and_stop(&nif);
		dhcp_fallback_at = UINT64_MAX;
		cfg.dhcp = false;
		netif_set_addr(&nif, &a, &m, &g);
		return 0;
	}
	case UK_NET_CONFIG_DHCP:
		cfg.dhcp = true;
		return dhcp_start(&nif) == ERR_OK ? 0 : -ERR_NO_MEMORY;
	case UK_NET_CONFIG_UP:
		netif_set_up(&nif);
		return 0;
	case UK_NET_CONFIG_DOWN:
		netif_set_down(&nif);
		return 0;
	default:
		return -ERR_INVALID;
	}
}
