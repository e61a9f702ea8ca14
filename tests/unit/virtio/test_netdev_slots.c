/* SPDX-License-Identifier: MIT */
/*
 * Slot ownership in the network driver (servers/virtio-net/netdev_slots.c):
 * a client may hand back and transmit only what it owns, and everything it
 * held comes back when it dies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uk/errors.h>
#include "netdev_slots.h"

static struct netdev_slot_table t;

static int setup(void **state)
{
	netdev_slots_init(&t, 128, 128);
	return 0;
}

static void
receive_slots_start_with_the_driver_transmit_with_the_client(void **state)
{
	assert_int_equal(t.state[0], SLOT_DRIVER);
	assert_int_equal(t.state[127], SLOT_DRIVER);
	assert_int_equal(t.state[128], SLOT_CLIENT);
	assert_int_equal(t.state[255], SLOT_CLIENT);
}

static void only_a_receive_slot_the_client_holds_can_be_returned(void **state)
{
	struct uk_netdev_slot s = {5, 0};

	assert_int_equal(netdev_slots_rx_done(&t, &s),
			 -ERR_PERMISSION); /* driver's */
	t.state[5] = SLOT_DEVICE;
	assert_int_equal(netdev_slots_rx_done(&t, &s), -ERR_PERMISSION);
	t.state[5] = SLOT_EVENT; /* not told yet */
	assert_int_equal(netdev_slots_rx_done(&t, &s), -ERR_PERMISSION);
	t.state[5] = SLOT_CLIENT;
	assert_int_equal(netdev_slots_rx_done(&t, &s), 0);
	assert_int_equal(t.state[5], SLOT_DRIVER);
	assert_int_equal(netdev_slots_rx_done(&t, &s),
			 -ERR_PERMISSION); /* twice */
	s.slot = 128;
	assert_int_equal(netdev_slots_rx_done(&t, &s), -ERR_INVALID);
	s.slot = 60000;
	assert_int_equal(netdev_slots_rx_done(&t, &s), -ERR_INVALID);
}

static void
only_an_owned_transmit_slot_with_a_sane_length_goes_out(void **state)
{
	struct uk_netdev_slot s = {130, 60};

	assert_int_equal(netdev_slots_tx(&t, &s), 0);
	assert_int_equal(t.state[130], SLOT_DRIVER);
	assert_int_equal(netdev_slots_tx(&t, &s),
			 -ERR_PERMISSION); /* in flight */
	s = (struct uk_netdev_slot){3, 60};
	assert_int_equal(netdev_slots_tx(&t, &s),
			 -ERR_INVALID); /* receive slot */
	s = (struct uk_netdev_slot){256, 60};
	assert_int_equal(netdev_slots_tx(&t, &s), -ERR_INVALID);
	s = (struct uk_netdev_slot){131, NETDEV_ETH_HEADER - 1};
	assert_int_equal(netdev_slots_tx(&t, &s), -ERR_INVALID);
	s = (struct uk_netdev_slot){131, UK_NETDEV_FRAME_MAX + 1};
	assert_int_equal(netdev_slots_tx(&t, &s), -ERR_INVALID);
	s = (struct uk_netdev_slot){131, UK_NETDEV_FRAME_MAX};
	assert_int_equal(netdev_slots_tx(&t, &s), 0);
}

static void
a_dead_client_gives_everything_back_but_the_device_keeps_its_own(void **state)
{
	t.state[0] = SLOT_CLIENT;
	t.state[1] = SLOT_EVENT;
	t.state[2] = SLOT_DEVICE;
	t.state[130] = SLOT_EVENT;
	t.state[131] = SLOT_DEVICE;
	netdev_slots_client_gone(&t);
	assert_int_equal(t.state[0], SLOT_DRIVER);
	assert_int_equal(t.state[1], SLOT_DRIVER);
	assert_int_equal(t.state[2], SLOT_DEVICE);
	assert_int_equal(t.state[130], SLOT_CLIENT);
	assert_int_equal(t.state[131], SLOT_DEVICE);
	assert_int_equal(t.state[132], SLOT_CLIENT);
}

static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
} m;

static const struct uk_msg_header *slots_msg(uint32_t count,
					     uint32_t entries_sent)
{
	memset(&m, 0, sizeof(m));
	struct uk_netdev_slots *b = uk_msg_body(&m.h);
	b->count = count;
	for (unsigned i = 0; i < entries_sent && i < UK_NETDEV_BATCH; i++)
		b->s[i] = (struct uk_netdev_slot){(uint16_t)i, 60};
	m.h.size =
	    (uint32_t)(sizeof(m.h) + offsetof(struct uk_netdev_slots, s) +
		       entries_sent * sizeof(struct uk_netdev_slot));
	return &m.h;
}

static void slot_lists_must_fit_what_arrived(void **state)
{
	struct uk_netdev_slots out;

	assert_int_equal(netdev_slots_decode(slots_msg(3, 3), &out), 0);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.s[2].slot, 2);
	assert_int_equal(netdev_slots_decode(slots_msg(0, 0), &out), 0);
	assert_int_equal(netdev_slots_decode(slots_msg(4, 3), &out),
			 -ERR_INVALID);
	assert_int_equal(
	    netdev_slots_decode(slots_msg(UK_NETDEV_BATCH + 1, UK_NETDEV_BATCH),
				&out),
	    -ERR_INVALID);
	assert_int_equal(netdev_slots_decode(
			     slots_msg(UK_NETDEV_BATCH, UK_NETDEV_BATCH), &out),
			 0);
	const struct uk_msg_header *h = slots_msg(0, 0);
	m.h.size = sizeof(m.h) + 4; /* not even the count and reserved */
	assert_int_equal(netdev_slots_decode(h, &out), -ERR_INVALID);
	h = slots_msg(1, 1);
	m.h.n_ool = 1; /* a region where none belongs */
	m.h.size += sizeof(struct uk_msg_ool);
	assert_int_equal(netdev_slots_decode(h, &out), -ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(
		receive_slots_start_with_the_driver_transmit_with_the_client,
		setup),
	    cmocka_unit_test_setup(
		only_a_receive_slot_the_client_holds_can_be_returned, setup),
	    cmocka_unit_test_setup(
		only_an_owned_transmit_slot_with_a_sane_length_goes_out, setup),
	    cmocka_unit_test_setup(
		a_dead_client_gives_everything_back_but_the_device_keeps_its_own,
		setup),
	    cmocka_unit_test(slot_lists_must_fit_what_arrived),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
