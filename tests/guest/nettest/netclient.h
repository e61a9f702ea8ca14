/* SPDX-License-Identifier: MIT */
/*
 * A client of the network device protocol (include/uk/proto/netdev.h) for
 * nettest and its peer, and the frames they send (ARP, ICMP echo) on
 * QEMU's user network (guest 10.0.2.15, gateway 10.0.2.2).
 */
#ifndef NETTEST_NETCLIENT_H
#define NETTEST_NETCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/proto/netdev.h>

#define NET_GUEST_IP 0x0a00020fu   /* 10.0.2.15 */
#define NET_GATEWAY_IP 0x0a000202u /* 10.0.2.2 */

union net_msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

struct net_client {
	uk_name_t dev;	   /* send right to net0 */
	uk_name_t session; /* the session right the open returned */
	uint64_t badge;	   /* its badge (port_info) */
	uk_name_t events;  /* our event port (receive right) */
	uint8_t *region;  /* the shared slots */
	uint64_t region_size;
	struct uk_netdev_open_reply info;
	bool tx_free[UK_NETDEV_SLOTS]; /* transmit slots we own */
	union net_msgbuf *mb;
};

/* Open the device with a new event port: the status (ERR_BUSY if another
 * client has it, ERR_CORRUPT if the reply lacks the session right). */
long net_open(struct net_client *c, uk_name_t dev, union net_msgbuf *mb);
/* Let go: destroy the event port, drop the session right (either ends the
 * session) and unmap. */
void net_close(struct net_client *c);

/* One message of up to UK_NETDEV_BATCH slots to the driver through the
 * session right, no reply. */
long net_send_slots(struct net_client *c, uint32_t id,
		    const struct uk_netdev_slot *s, unsigned n);
/* A free transmit slot (marked taken), or -1. */
int net_take_tx(struct net_client *c);
static inline uint8_t *net_slot(struct net_client *c, unsigned slot)
{
	return c->region + (uint64_t)slot * UK_NETDEV_SLOT_SIZE;
}

/* The next event in c->mb, waiting until deadline (uk_clock ns): its id,
 * or a negative error. TX_DONE slots are marked free here. */
long net_next_event(struct net_client *c, uint64_t deadline,
		    struct uk_netdev_slots **slots);

long net_stats(struct net_client *c, struct uk_netdev_stats *out);

/* Frames: return their length. */
unsigned net_arp_request(uint8_t *f, const uint8_t mac[6], uint32_t ip,
			 uint32_t target);
unsigned net_icmp_echo(uint8_t *f, const uint8_t mac[6],
		       const uint8_t dst_mac[6], uint32_t ip, uint32_t dst,
		       uint16_t id, uint16_t seq);
/* An ARP reply from ip to us: the sender's MAC in mac_out. */
bool net_is_arp_reply(const uint8_t *f, unsigned len, uint32_t from,
		      uint32_t to, uint8_t mac_out[6]);
bool net_is_echo_reply(const uint8_t *f, unsigned len, uint32_t from,
		       uint16_t id, uint16_t seq);

#endif
