/* SPDX-License-Identifier: MIT */
/*
 * Network devices: the virtio-net driver registers "net0", "net1", ...
 * It serves one client at a time (the network server).
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
 * keeps that in its own memory). When the client's event port dies the
 * driver takes every slot back and accepts a new open.
 */
#ifndef UK_PROTO_NETDEV_H
#define UK_PROTO_NETDEV_H

#include <uk/proto/rpc.h>

#define UK_NETDEV_SLOT_SIZE 2048u
#define UK_NETDEV_SLOTS 256u
#define UK_NETDEV_FRAME_MAX 1514u /* without FCS */

enum uk_netdev_op {
	/* Request: port[0] = send right to the client's event port.
	 * Reply: struct uk_netdev_open_reply; ool[0] = the shared slot
	 * region (UK_NETDEV_SLOTS * UK_NETDEV_SLOT_SIZE bytes). ERR_BUSY if
	 * another client has it open. */
	NETDEV_OPEN = UK_PROTO_NETDEV + 1,
	NETDEV_RX = UK_PROTO_NETDEV + 2,
	NETDEV_RX_DONE = UK_PROTO_NETDEV + 3,
	NETDEV_TX = UK_PROTO_NETDEV + 4,
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
	uint64_t tx_errors, interrupts, bad_requests;
};

#endif
