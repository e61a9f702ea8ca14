/* SPDX-License-Identifier: MIT */
/*
 * netpeer: the second client nettest starts.
 *   intrude [BADGE SLOT LEN]
 *            while nettest has net0 open: an open is ERR_BUSY, and a
 *            transmit (of SLOT, LEN bytes; default slot 200) and a
 *            receive-done sent through this task's right to net0, with
 *            BADGE (default 0) written into the header, are both
 *            ERR_PERMISSION (exit 0 if all three are).
 *   delegate SLOT LEN
 *            transmit SLOT (LEN bytes, written by nettest) through the
 *            session right nettest gave this task in rights[1]; exit 0
 *            if the driver accepts it.
 *   hold     open net0, transmit an ARP request, wait for a received
 *            frame and exit holding it and the rest of the slots.
 */
#include <string.h>
#include <ulib.h>
#include "netclient.h"

#define SECONDS(n) ((uint64_t)(n)*1000000000ull)

static union net_msgbuf mb;
static struct net_client cl;

/* A call with one slot through dest, with badge written in the header
 * (the kernel replaces it); the driver's status. */
static long call_slot(uk_name_t dest, uint64_t badge, uint32_t id,
		      uint16_t slot, uint16_t len)
{
	struct {
		struct uk_msg_header h;
		struct uk_netdev_slots b;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.size = sizeof(m);
	m.h.id = id;
	m.h.dest = dest;
	m.h.badge = badge;
	m.b.count = 1;
	m.b.s[0] = (struct uk_netdev_slot){slot, len};
	long rc = uk_ipc_call(&m.h, sizeof(m), &mb.h, sizeof(mb), SECONDS(10));
	if (rc < 0)
		return rc;
	if (uk_msg_body_len(&mb.h) < sizeof(struct uk_rpc_status))
		return -ERR_CORRUPT;
	return ((const struct uk_rpc_status *)uk_msg_body(&mb.h))->status;
}

static int intrude(uk_name_t dev, int argc, char **argv)
{
	uint64_t badge = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	uint16_t slot = (uint16_t)(argc > 3 ? strtoul(argv[3], NULL, 0) : 200);
	uint16_t len = (uint16_t)(argc > 4 ? strtoul(argv[4], NULL, 0) : 60);
	int bad = 0;

	long rc = net_open(&cl, dev, &mb);
	if (rc != -ERR_BUSY) {
		printf("netpeer: open while in use: %ld, want ERR_BUSY\n", rc);
		bad = 1;
	}
	rc = call_slot(dev, badge, NETDEV_TX, slot, len);
	if (rc != -ERR_PERMISSION) {
		printf("netpeer: transmit by a stranger (badge %#lx written): "
		       "%ld, want ERR_PERMISSION\n",
		       (unsigned long)badge, rc);
		bad = 1;
	}
	rc = call_slot(dev, badge, NETDEV_RX_DONE, 0, 0);
	if (rc != -ERR_PERMISSION) {
		printf("netpeer: receive-done by a stranger (badge %#lx "
		       "written): %ld, want ERR_PERMISSION\n",
		       (unsigned long)badge, rc);
		bad = 1;
	}
	return bad;
}

static int delegate(int argc, char **argv)
{
	const struct uk_startup *su = uk_startup_info;

	if (argc < 4 || !su || su->n_rights < 2) {
		printf("netpeer: delegate needs SLOT LEN and rights[1]\n");
		return 2;
	}
	long rc = call_slot(su->rights[1], 0, NETDEV_TX,
			    (uint16_t)strtoul(argv[2], NULL, 0),
			    (uint16_t)strtoul(argv[3], NULL, 0));
	if (rc != 0) {
		printf("netpeer: transmit through the session right: %ld, "
		       "want 0\n",
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
	if (argc > 1 && !strcmp(argv[1], "delegate"))
		return delegate(argc, argv);
	long rc = ns_lookup("net0", SECONDS(10));
	if (rc < 0) {
		printf("netpeer: no net0: %s\n", err_str(rc));
		return 2;
	}
	if (argc > 1 && !strcmp(argv[1], "intrude"))
		return intrude((uk_name_t)rc, argc, argv);
	if (argc > 1 && !strcmp(argv[1], "hold"))
		return hold((uk_name_t)rc);
	printf("netpeer: usage: netpeer intrude [BADGE SLOT LEN] | delegate "
	       "SLOT LEN | hold\n");
	return 2;
}
