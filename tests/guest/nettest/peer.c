/* SPDX-License-Identifier: MIT */
/*
 * netpeer: the second client nettest starts.
 *   intrude  while nettest has net0 open: an open is ERR_BUSY and a
 *            transmit is ERR_PERMISSION (exit 0 if both are).
 *   hold     open net0, transmit an ARP request, wait for a received
 *            frame and exit holding it and the rest of the slots.
 */
#include <string.h>
#include <ulib.h>
#include "netclient.h"

#define SECONDS(n) ((uint64_t)(n)*1000000000ull)

static union net_msgbuf mb;
static struct net_client cl;

static int intrude(uk_name_t dev)
{
	long rc = net_open(&cl, dev, &mb);
	if (rc != -ERR_BUSY) {
		printf("netpeer: open while in use: %ld, want ERR_BUSY\n", rc);
		return 1;
	}
	struct {
		struct uk_msg_header h;
		struct uk_netdev_slots b;
	} m;
	memset(&m, 0, sizeof(m));
	m.h.size = sizeof(m);
	m.h.id = NETDEV_TX;
	m.h.dest = dev;
	m.b.count = 1;
	m.b.s[0] = (struct uk_netdev_slot){200, 60};
	rc = uk_ipc_call(&m.h, sizeof(m), &mb.h, sizeof(mb), SECONDS(10));
	if (rc < 0 || uk_msg_body_len(&mb.h) < sizeof(struct uk_rpc_status)) {
		printf("netpeer: transmit call failed: %ld\n", rc);
		return 1;
	}
	rc = ((const struct uk_rpc_status *)uk_msg_body(&mb.h))->status;
	if (rc != -ERR_PERMISSION) {
		printf("netpeer: transmit by a stranger: %ld, want "
		       "ERR_PERMISSION\n",
		       rc);
		return 1;
	}
	return 0;
}

static int hold(uk_name_t dev)
{
	long rc;
	uint64_t deadline = (uint64_t)uk_clock() + SECONDS(5);

	/* nettest let go just now; its event port's death may still be on
	 * its way to the driver. */
	while ((rc = net_open(&cl, dev, &mb)) == -ERR_BUSY &&
	       (uint64_t)uk_clock() < deadline)
		uk_sleep(10 * 1000000);
	if (rc < 0) {
		printf("netpeer: open: %s\n", err_str(rc));
		return 1;
	}
	int slot = net_take_tx(&cl);
	unsigned len =
	    net_arp_request(net_slot(&cl, (unsigned)slot), cl.info.mac,
			    NET_GUEST_IP, NET_GATEWAY_IP);
	struct uk_netdev_slot tx = {(uint16_t)slot, (uint16_t)len};
	if ((rc = net_send_slots(&cl, NETDEV_TX, &tx, 1)) < 0) {
		printf("netpeer: transmit: %s\n", err_str(rc));
		return 1;
	}
	deadline = (uint64_t)uk_clock() + SECONDS(5);
	for (;;) {
		struct uk_netdev_slots *list;
		long id = net_next_event(&cl, deadline, &list);
		if (id < 0) {
			printf("netpeer: no frame received: %s\n", err_str(id));
			return 1;
		}
		if (id == NETDEV_RX && list->count > 0)
			break;
	}
	printf("netpeer: holding slots and exiting\n");
	return 0;
}

int main(int argc, char **argv)
{
	long rc = ns_lookup("net0", SECONDS(10));

	if (rc < 0) {
		printf("netpeer: no net0: %s\n", err_str(rc));
		return 2;
	}
	if (argc > 1 && !strcmp(argv[1], "intrude"))
		return intrude((uk_name_t)rc);
	if (argc > 1 && !strcmp(argv[1], "hold"))
		return hold((uk_name_t)rc);
	printf("netpeer: usage: netpeer intrude|hold\n");
	return 2;
}
