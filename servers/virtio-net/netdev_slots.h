/* SPDX-License-Identifier: MIT */
/*
 * Who owns each slot of the shared frame region (include/uk/proto/netdev.h)
 * as the driver sees it, and the checks on what the client sends: a client
 * may hand back or transmit only slots it owns. Pure code, linked by the
 * host unit tests.
 */
#ifndef VIRTIO_NET_SLOTS_H
#define VIRTIO_NET_SLOTS_H

#include <stdint.h>
#include <uk/proto/netdev.h>

enum netdev_slot_state {
	SLOT_DRIVER = 0, /* with the driver, not on the device (RX: to post) */
	SLOT_DEVICE,	 /* on a virtqueue */
	SLOT_EVENT,	 /* done; the event telling the client is pending */
	SLOT_CLIENT,	 /* the client's */
};

#define NETDEV_ETH_HEADER 14u

struct netdev_slot_table {
	uint16_t rx, tx; /* [0, rx) receive, [rx, rx + tx) transmit */
	uint8_t state[UK_NETDEV_SLOTS];
};

/* Receive slots start with the driver, transmit slots with the client. */
void netdev_slots_init(struct netdev_slot_table *t, uint16_t rx, uint16_t tx);

/* Copy and check the body of an RX_DONE or TX message: 0 or -ERR_INVALID
 * (short body, count over UK_NETDEV_BATCH or over what arrived). */
int netdev_slots_decode(const struct uk_msg_header *h,
			struct uk_netdev_slots *out);

/* The client returns a receive slot: 0 (it becomes SLOT_DRIVER) or
 * -ERR_INVALID (not a receive slot) / -ERR_PERMISSION (not the client's). */
int netdev_slots_rx_done(struct netdev_slot_table *t,
			 const struct uk_netdev_slot *s);

/* The client transmits from a slot: 0 (it becomes SLOT_DRIVER until the
 * caller puts it on the device) or -ERR_INVALID (not a transmit slot, or a
 * length outside [NETDEV_ETH_HEADER, UK_NETDEV_FRAME_MAX]) /
 * -ERR_PERMISSION (not the client's). */
int netdev_slots_tx(struct netdev_slot_table *t,
		    const struct uk_netdev_slot *s);

/* The client is gone: what it held or was about to be told about comes
 * back (receive slots to SLOT_DRIVER, transmit slots to SLOT_CLIENT for the
 * next client). Slots on the device stay there. */
void netdev_slots_client_gone(struct netdev_slot_table *t);

static inline int netdev_slot_is_rx(const struct netdev_slot_table *t,
				    uint32_t s)
{
	return s < t->rx;
}

#endif
