/* SPDX-License-Identifier: MIT */
/*
 * Slot ownership of the network driver (netdev_slots.h).
 */
#include <stddef.h>
#include <string.h>
#include <uk/errors.h>
#include "netdev_slots.h"

void netdev_slots_init(struct netdev_slot_table *t, uint16_t rx, uint16_t tx)
{
	t->rx = rx;
	t->tx = tx;
	for (unsigned i = 0; i < UK_NETDEV_SLOTS; i++)
		t->state[i] = i < rx ? SLOT_DRIVER : SLOT_CLIENT;
}

int netdev_slots_decode(const struct uk_msg_header *h,
			struct uk_netdev_slots *out)
{
	uint32_t body = uk_msg_body_len(h);
	const size_t head = offsetof(struct uk_netdev_slots, s);

	if (h->n_ool || body < head)
		return -ERR_INVALID;
	memcpy(out, uk_msg_body(h), head);
	if (out->count > UK_NETDEV_BATCH ||
	    body < head + out->count * sizeof(struct uk_netdev_slot))
		return -ERR_INVALID;
	memcpy(out->s, (const uint8_t *)uk_msg_body(h) + head,
	       out->count * sizeof(struct uk_netdev_slot));
	return 0;
}

int netdev_slots_rx_done(struct netdev_slot_table *t,
			 const struct uk_netdev_slot *s)
{
	if (s->slot >= t->rx)
		return -ERR_INVALID;
	if (t->state[s->slot] != SLOT_CLIENT)
		return -ERR_PERMISSION;
	t->state[s->slot] = SLOT_DRIVER;
	return 0;
}

int netdev_slots_tx(struct netdev_slot_table *t, const struct uk_netdev_slot *s)
{
	if (s->slot < t->rx || s->slot >= t->rx + t->tx ||
	    s->len < NETDEV_ETH_HEADER || s->len > UK_NETDEV_FRAME_MAX)
		return -ERR_INVALID;
	if (t->state[s->slot] != SLOT_CLIENT)
		return -ERR_PERMISSION;
	t->state[s->slot] = SLOT_DRIVER;
	return 0;
}

void netdev_slots_client_gone(struct netdev_slot_table *t)
{
	for (unsigned i = 0; i < (unsigned)t->rx + t->tx; i++) {
		if (t->state[i] != SLOT_EVENT && t->state[i] != SLOT_CLIENT)
			continue;
		t->state[i] = i < t->rx ? SLOT_DRIVER : SLOT_CLIENT;
	}
}
