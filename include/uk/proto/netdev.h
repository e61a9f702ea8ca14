/* SPDX-License-Identifier: MIT */
/*
 * Network devices: the virtio-net driver registers "net0", "net1", ...
 * It serves one client at a time (the network server).
 *
 * A client is a session. NETDEV_OPEN answers with the session right: a
 * send right to a port the driver makes for the session, minted with a
 * badge no earlier session had. RX_DONE and TX count only when they come
 * through that right (or a copy of it: the right is the authority, not
 * the task holding it); through a right to "net0" they are refused with
 * ERR_PERMISSION and counted in bad_requests, whatever the sender wrote in
 * header.badge. STATS is answered on either. The session ends when the
 * client's event port dies or when no send right to the session port is
 * left (the client dropped it, or died); then the driver takes every slot
 * back, destroys the session port (a copy of the old session right is a
 * dead name: ERR_DEAD) and accepts a new open.
 *
 * Frames never get copied between driver and client: at NETDEV_OPEN the
 * driver shares one region of DMA memory with the client (UK_OOL_SHARE):
 * UK_NETDEV_SLOTS slots of UK_NETDEV_SLOT_SIZE bytes. Slots
 * [0, rx_slots) belong to receive, the rest to transmit. Ownership of a
 * slot moves with messages:
 *
 *   driver -> client  NETDEV_RX       slots holding received frames
 *   client -> driver  NETDEV_RX_DONE  slots the client has finished with
 *   client -> driver  NETDEV_TX       slots holding frames to send
 *   driver -> client  NETDEV_TX_DONE  slots the device has sent
 *   driver -> client  NETDEV_LINK     link status changed
 *
 * Events go to the client's event port (a send right given at open) with
 * ipc_send and timeout 0: the driver never blocks on its client. If the
 * client's queue is full the driver keeps the events and sends them
 * later, batched. RX/TX/DONE bodies are struct uk_netdev_slots.
 * A frame in a slot starts at offset 0 (no virtio header; the driver
 * keeps that in its own memory).
 */
#ifndef UK_PROTO_NETDEV_H
#define UK_PROTO_NETDEV_H

#include <uk/proto/rpc.h>

#define UK_NETDEV_SLOT_SIZE 2048u
#define UK_NETDEV_SLOTS 256u
#define UK_NETDEV_FRAME_MAX 1514u /* without FCS */

enum uk_netdev_op {
	/* Request: port[0] = send right to the client's event port.
	 * Reply: struct uk_netdev_open_reply; port[0] = the session right
	 * (badged); ool[0] = the shared slot region (UK_NETDEV_SLOTS *
	 * UK_NETDEV_SLOT_SIZE bytes). ERR_BUSY if a session is open. */
	NETDEV_OPEN = UK_PROTO_NETDEV + 1,
	NETDEV_RX = UK_PROTO_NETDEV + 2,
	NETDEV_RX_DONE = UK_PROTO_NETDEV + 3, /* session right only */
	NETDEV_TX = UK_PROTO_NETDEV + 4,      /* session right only */
	NETDEV_TX_DONE = UK_PROTO_NETDEV + 5,
	NETDEV_LINK = UK_PROTO_NETDEV + 6,  /* body: struct uk_netdev_link */
	NETDEV_STATS = UK_PROTO_NETDEV + 7, /* call; reply struct uk_netdev_stats */
};

struct uk_netdev_open_reply {
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t link_up;
	uint32_t rx_slots; /* slots [0, rx_slots) are receive slots */
	uint32_t tx_slots; /* slots [rx_slots, rx_slots + tx_slots) */
};

#define UK_NETDEV_BATCH 64
struct uk_netdev_slot {
	uint16_t slot;
	uint16_t len; /* RX, TX: frame bytes; DONE: 0 */
};
struct uk_netdev_slots {
	uint32_t count;
	uint32_t reserved;
	struct uk_netdev_slot s[UK_NETDEV_BATCH];
};

struct uk_netdev_link {
	uint32_t up;
	uint32_t reserved;
};

struct uk_netdev_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t rx_dropped;	/* no slot free on the client side */
	uint64_t tx_errors, interrupts;
	uint64_t bad_requests; /* malformed, unknown, or not from the session */
};

#endif
