/* SPDX-License-Identifier: MIT */
/*
 * Network device client and frames for nettest (netclient.h).
 */
#include <string.h>
#include <ulib.h>
#include "netclient.h"

long net_open(struct net_client *c, uk_name_t dev, union net_msgbuf *mb)
{
	long ev = uk_port_allocate(UK_RIGHT_RECEIVE);

	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->mb = mb;
	if (ev < 0)
		return ev;
	c->events = (uk_name_t)ev;
	uk_port_set_limit(c->events, 64);
	memset(&mb->h, 0, sizeof(mb->h));
	mb->h.id = NETDEV_OPEN;
	mb->h.dest = dev;
	mb->h.n_ports = 1;
	uk_msg_ports(&mb->h)[0] =
	    (struct uk_msg_port){c->events, UK_DISP_MAKE_SEND};
	mb->h.size = (uint32_t)((uint8_t *)uk_msg_body(&mb->h) - mb->bytes);
	long rc = uk_ipc_call(&mb->h, mb->h.size, &mb->h, sizeof(*mb),
			      10000000000ull);
	if (rc >= 0) {
		const struct uk_rpc_status *st = uk_msg_body(&mb->h);
		if (mb->h.id != NETDEV_OPEN ||
		    uk_msg_body_len(&mb->h) < sizeof(*st))
			rc = -ERR_CORRUPT;
		else if (st->status < 0)
			rc = st->status;
		else if (uk_msg_body_len(&mb->h) <
			     sizeof(*st) + sizeof(c->info) ||
			 mb->h.n_ool != 1 || mb->h.n_ports != 1 ||
			 !(uk_msg_ports(&mb->h)[0].disposition & UK_RIGHT_SEND))
			rc = -ERR_CORRUPT;
		else
			rc = 0;
		for (unsigned i = 0; i < mb->h.n_ports; i++) {
			uk_name_t n = uk_msg_ports(&mb->h)[i].name;
			if (rc == 0 && i == 0)
				c->session = n;
			else if (n)
				uk_port_deallocate(n);
		}
		for (unsigned i = 0; i < mb->h.n_ool; i++) {
			const struct uk_msg_ool *o = &uk_msg_ools(&mb->h)[i];
			if (rc == 0 && i == 0) {
				c->region = (uint8_t *)(uintptr_t)o->address;
				c->region_size = o->size;
			} else if (o->address) {
				uk_vm_free(o->address, o->size);
			}
		}
		if (rc == 0)
			memcpy(&c->info, (const uint8_t *)(st + 1),
			       sizeof(c->info));
	}
	struct uk_port_info pi;
	if (rc == 0 && uk_port_info(c->session, &pi) == 0)
		c->badge = pi.badge;
	if (rc < 0) {
		uk_port_destroy(c->events);
		c->events = 0;
		return rc;
	}
	for (unsigned s = c->info.rx_slots;
	     s < c->info.rx_slots + c->info.tx_slots && s < UK_NETDEV_SLOTS;
	     s++)
		c->tx_free[s] = true;
	return 0;
}

void net_close(struct net_client *c)
{
	if (c->events)
		uk_port_destroy(c->events);
	if (c->session)
		uk_port_deallocate(c->session);
	if (c->region)
		uk_vm_free((uint64_t)(uintptr_t)c->region, c->region_size);
	c->events = 0;
	c->session = 0;
	c->region = NULL;
}

long net_send_slots(struct net_client *c, uint32_t id,
		    const struct uk_netdev_slot *s, unsigned n)
{
	struct {
		struct uk_msg_header h;
		struct uk_netdev_slots b;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.size = sizeof(m);
	m.h.id = id;
	m.h.dest = c->session;
	m.b.count = n;
	memcpy(m.b.s, s, n * sizeof(*s));
	return uk_ipc_send(&m.h, sizeof(m), 10000000000ull);
}

int net_take_tx(struct net_client *c)
{
	for (unsigned s = c->info.rx_slots;
	     s < c->info.rx_slots + c->info.tx_slots; s++)
		if (c->tx_free[s]) {
			c->tx_free[s] = false;
			return (int)s;
		}
	return -1;
}

long net_next_event(struct net_client *c, uint64_t deadline,
		    struct uk_netdev_slots **slots)
{
	uint64_t now = (uint64_t)uk_clock();

	if (now >= deadline)
		return -ERR_TIMED_OUT;
	long rc = uk_ipc_receive(c->events, &c->mb->h, sizeof(*c->mb),
				 deadline - now);
	if (rc < 0)
		return rc;
	uint32_t id = c->mb->h.id;
	*slots = uk_msg_body(&c->mb->h);
	if (id == NETDEV_RX || id == NETDEV_TX_DONE) {
		if (uk_msg_body_len(&c->mb->h) <
			offsetof(struct uk_netdev_slots, s) ||
		    (*slots)->count > UK_NETDEV_BATCH)
			return -ERR_CORRUPT;
		if (id == NETDEV_TX_DONE)
			for (unsigned i = 0; i < (*slots)->count; i++)
				if ((*slots)->s[i].slot < UK_NETDEV_SLOTS)
					c->tx_free[(*slots)->s[i].slot] = true;
	}
	return id;
}

long net_stats(struct net_client *c, struct uk_netdev_stats *out)
{
	union net_msgbuf *mb = c->mb;

	memset(&mb->h, 0, sizeof(mb->h));
	mb->h.id = NETDEV_STATS;
	mb->h.dest = c->session ? c->session : c->dev;
	mb->h.size = sizeof(mb->h);
	long rc = uk_ipc_call(&mb->h, mb->h.size, &mb->h, sizeof(*mb),
			      10000000000ull);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&mb->h);
	if (uk_msg_body_len(&mb->h) < sizeof(*st))
		return -ERR_CORRUPT;
	if (st->status < 0)
		return st->status;
	if (uk_msg_body_len(&mb->h) < sizeof(*st) + sizeof(*out))
		return -ERR_CORRUPT;
	memcpy(out, st + 1, sizeof(*out));
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The Internet checksum (RFC 1071). */
static uint16_t checksum(const uint8_t *p, unsigned len)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

unsigned net_arp_request(uint8_t *f, const uint8_t mac[6], uint32_t ip,
			 uint32_t target)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, 0x0806);
	uint8_t *a = f + 14;
	put16(a, 1);	      /* Ethernet */
	put16(a + 2, 0x0800); /* IPv4 */
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1); /* request */
	memcpy(a + 8, mac, 6);
	put32(a + 14, ip);
	memset(a + 18, 0, 6);
	put32(a + 24, target);
	return 42;
}

bool net_is_arp_reply(const uint8_t *f, unsigned len, uint32_t from,
		      uint32_t to, uint8_t mac_out[6])
{
	if (len < 42 || get16(f + 12) != 0x0806)
		return false;
	const uint8_t *a = f + 14;
	if (get16(a) != 1 || get16(a + 2) != 0x0800 || get16(a + 6) != 2 ||
	    get32(a + 14) != from || get32(a + 24) != to)
		return false;
	memcpy(mac_out, a + 8, 6);
	return true;
}

#define ECHO_PAYLOAD 32u

unsigned net_icmp_echo(uint8_t *f, const uint8_t mac[6],
		       const uint8_t dst_mac[6], uint32_t ip, uint32_t dst,
		       uint16_t id, uint16_t seq)
{
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *iph = f + 14, *icmp = iph + 20;
	unsigned icmp_len = 8 + ECHO_PAYLOAD;
	memset(iph, 0, 20);
	iph[0] = 0x45;
	put16(iph + 2, (uint16_t)(20 + icmp_len));
	put16(iph + 4, seq);
	iph[8] = 64; /* TTL */
	iph[9] = 1;  /* ICMP */
	put32(iph + 12, ip);
	put32(iph + 16, dst);
	put16(iph + 10, checksum(iph, 20));
	icmp[0] = 8; /* echo request */
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	for (unsigned i = 0; i < ECHO_PAYLOAD; i++)
		icmp[8 + i] = (uint8_t)('a' + i % 26);
	put16(icmp + 2, checksum(icmp, icmp_len));
	return 14 + 20 + icmp_len;
}

bool net_is_echo_reply(const uint8_t *f, unsigned len, uint32_t from,
		       uint16_t id, uint16_t seq)
{
	if (len < 14 + 20 + 8 || get16(f + 12) != 0x0800)
		return false;
	const uint8_t *iph = f + 14;
	unsigned ihl = (iph[0] & 0xf) * 4u;
	if ((iph[0] >> 4) != 4 || ihl < 20 || len < 14 + ihl + 8 ||
	    iph[9] != 1 || get32(iph + 12) != from)
		return false;
	const uint8_t *icmp = iph + ihl;
	return icmp[0] == 0 && get16(icmp + 4) == id && get16(icmp + 6) == seq;
}
