/* SPDX-License-Identifier: MIT */
/*
 *   OOL0001-0009  out-of-line memory in messages (docs/ARCHITECTURE.md,
 *                 "Messages" and "Out-of-line memory");
 *   HW0101        hardware capabilities as rights in messages;
 *   IPC0044       a long chain of receive rights queued in each other's
 *                 ports dies cleanly (port death uses a work list; the
 *                 recursion it replaced overflowed the kernel stack at
 *                 about 200 ports).
 */
#include <string.h>

#include "ipc_util.h"

static union ipc_buf rx, reply;

static void pattern(uint8_t *p, uint64_t len, uint8_t seed)
{
	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7u + (i >> 12));
}

static uint64_t sum(const uint8_t *p, uint64_t len)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

static struct uk_msg_ool *msg_ools(struct uk_msg_header *h)
{
	return (struct uk_msg_ool *)(msg_ports(h) + h->n_ports);
}

/* Send header + n region descriptors (+ port descriptors) to dest. */
static long send_ool(uk_name_t dest, const struct uk_msg_ool *o, unsigned n,
		     uint64_t timeout)
{
	static union ipc_buf m;
	struct uk_msg_header *h = &m.h;

	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)(sizeof(*h) + n * sizeof(*o));
	h->dest = dest;
	h->n_ool = (uint16_t)n;
	memcpy(h + 1, o, n * sizeof(*o));
	return uk_ipc_send(h, h->size, timeout);
}

/* Whether a vm region starts at addr (no region is 64 GiB). */
static int region_at(uint64_t addr)
{
	return uk_vm_free(addr, 64ull << 30) != -ERR_NOT_FOUND;
}

DEFINE_TEST(OOL0001,
	    ool_copy_gives_the_receiver_a_private_copy_of_any_byte_range)
{
	static uint8_t src[3 * 4096 + 200];
	uk_name_t p = port_new_send(1);
	const uint64_t len = 2 * 4096 + 777;

	pattern(src, sizeof(src), 1);
	struct uk_msg_ool o = {(uint64_t)src + 100, len, UK_OOL_COPY, 0};
	EXPECT_EQ(send_ool(p, &o, 1, 0), 0);
	/* The sender may reuse its buffer as soon as the send returns. */
	uint64_t want = sum(src + 100, len);
	memset(src, 0, sizeof(src));
	long rc = msg_receive(p, &rx, 0);
	EXPECT_EQ(rc, sizeof(struct uk_msg_header) + sizeof(o));
	EXPECT_EQ(rx.h.n_ool, 1);
	struct uk_msg_ool *got = msg_ools(&rx.h);
	EXPECT(got->address != 0);
	EXPECT_EQ(got->address & 4095, 0);
	EXPECT_EQ(got->size, len);
	EXPECT_EQ(got->flags & UK_OOL_MOVE, 0);
	if (got->address) {
		uint8_t *mem = (uint8_t *)got->address;
		EXPECT_EQ(sum(mem, len), want);
		pattern(src, sizeof(src), 1);
		EXPECT(!memcmp(mem, src + 100, len));
		/* The rest of the last page is zero, and the region is the
		 * receiver's to write and to free. */
		int nonzero = 0;
		for (uint64_t i = len; i < 3 * 4096; i++)
			nonzero |= mem[i];
		EXPECT_EQ(nonzero, 0);
		mem[0] ^= 0xff;
		EXPECT_EQ(uk_vm_free(got->address, 3 * 4096), 0);
	}
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(OOL0002, ool_move_takes_the_region_from_the_sender)
{
	uk_name_t p = port_new_send(1);
	const uint64_t size = 5 * 4096;
	long a = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);

	EXPECT(a > 0);
	if (a <= 0)
		return;
	pattern((uint8_t *)a, size, 9);
	uint64_t want = sum((uint8_t *)a, size);
	struct uk_kinfo_memory before = kernel_memory();
	struct uk_msg_ool o = {(uint64_t)a, size, UK_OOL_MOVE, 0};
	EXPECT_EQ(send_ool(p, &o, 1, 0), 0);
	/* Gone from the sender. */
	EXPECT_ERR(uk_vm_free((uint64_t)a, size), ERR_NOT_FOUND);
	EXPECT(!region_at((uint64_t)a));
	EXPECT_EQ(msg_receive(p, &rx, 0),
		  sizeof(struct uk_msg_header) + sizeof(o));
	struct uk_msg_ool *got = msg_ools(&rx.h);
	EXPECT(got->address != 0);
	EXPECT_EQ(got->size, size);
	EXPECT(got->flags & UK_OOL_MOVE);
	/* The same frames: no copy was made. */
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.frames_free, before.frames_free);
	if (got->address) {
		EXPECT_EQ(sum((uint8_t *)got->address, size), want);
		EXPECT_EQ(uk_vm_free(got->address, size), 0);
	}
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(OOL0003, ool_move_needs_exactly_one_whole_region)
{
	static uint8_t data[8192];
	uk_name_t p = port_new_send(1);
	long a = uk_vm_allocate(3 * 4096, UK_VM_READ | UK_VM_WRITE);

	EXPECT(a > 0);
	const struct uk_msg_ool bad[] = {
	    {(uint64_t)a, 2 * 4096, UK_OOL_MOVE, 0},	    /* part of it */
	    {(uint64_t)a, 4 * 4096, UK_OOL_MOVE, 0},	    /* more than it */
	    {(uint64_t)a + 4096, 2 * 4096, UK_OOL_MOVE, 0}, /* its middle */
	    {(uint64_t)data, sizeof(data), UK_OOL_MOVE, 0}, /* program data */
	    {0x400000, 4096, UK_OOL_MOVE, 0},		    /* program text */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(send_ool(p, &bad[i], 1, 0), ERR_INVALID);
	/* The same region twice in one message. */
	struct uk_msg_ool twice[2] = {{(uint64_t)a, 3 * 4096, UK_OOL_MOVE, 0},
				      {(uint64_t)a, 3 * 4096, UK_OOL_MOVE, 0}};
	EXPECT_ERR(send_ool(p, twice, 2, 0), ERR_INVALID);
	/* A COPY of the program's own memory is fine. */
	struct uk_msg_ool text = {0x400000, 4096, UK_OOL_COPY, 0};
	EXPECT_EQ(send_ool(p, &text, 1, 0), 0);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header) + 24);
	struct uk_msg_ool *got = msg_ools(&rx.h);
	EXPECT(got->address &&
	       !memcmp((void *)got->address, (void *)0x400000, 4096));
	uk_vm_free(got->address, 4096);
	EXPECT_EQ(queued_on(p), 0);
	EXPECT(region_at((uint64_t)a)); /* still the sender's */
	EXPECT_EQ(uk_vm_free((uint64_t)a, 3 * 4096), 0);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(OOL0004, ool_descriptors_are_validated)
{
	static uint8_t data[4096];
	uk_name_t p = port_new_send(1);
	struct uk_msg_ool o[UK_MSG_OOL_MAX + 1];

	for (unsigned i = 0; i <= UK_MSG_OOL_MAX; i++)
		o[i] = (struct uk_msg_ool){(uint64_t)data, 16, UK_OOL_COPY, 0};
	EXPECT_ERR(send_ool(p, o, UK_MSG_OOL_MAX + 1, 0), ERR_INVALID);
	EXPECT_EQ(send_ool(p, o, UK_MSG_OOL_MAX, 0), 0);
	struct uk_msg_ool flags = {(uint64_t)data, 16, 2, 0};
	EXPECT_ERR(send_ool(p, &flags, 1, 0), ERR_INVALID);
	struct uk_msg_ool huge = {(uint64_t)data, UK_MSG_OOL_SIZE_MAX + 1ull,
				  UK_OOL_COPY, 0};
	EXPECT_ERR(send_ool(p, &huge, 1, 0), ERR_TOO_BIG);
	static const uint64_t bad_ptr[] = {
	    0xffffffff80100000ull, 0x0000800000000000ull, 0x0000500000000000ull,
	    UINT64_MAX - 4095};
	for (unsigned i = 0; i < sizeof(bad_ptr) / sizeof(bad_ptr[0]); i++) {
		struct uk_msg_ool b = {bad_ptr[i], 4096, UK_OOL_COPY, 0};
		EXPECT_ERR(send_ool(p, &b, 1, 0), ERR_FAULT);
		b.flags = UK_OOL_MOVE;
		long rc = send_ool(p, &b, 1, 0);
		EXPECT(rc == -ERR_FAULT || rc == -ERR_INVALID);
	}
	/* A range that runs from our memory into unmapped memory. */
	struct uk_msg_ool runs_off = {(uint64_t)data, 64ull << 20, UK_OOL_COPY,
				      0};
	long rc = send_ool(p, &runs_off, 1, 0);
	EXPECT(rc == -ERR_FAULT || rc == -ERR_NO_MEMORY);
	/* A message too short for its descriptors. */
	static union ipc_buf m;
	memset(&m.h, 0, sizeof(m.h));
	m.h.size = sizeof(m.h) + 20;
	m.h.dest = p;
	m.h.n_ool = 1;
	EXPECT_ERR(uk_ipc_send(&m.h, m.h.size, 0), ERR_INVALID);
	/* Only the one good message arrived. */
	EXPECT_EQ(queued_on(p), 1);
	EXPECT_EQ(msg_receive(p, &rx, 0),
		  sizeof(struct uk_msg_header) + UK_MSG_OOL_MAX * 24);
	for (unsigned i = 0; i < rx.h.n_ool; i++) {
		struct uk_msg_ool *g = &msg_ools(&rx.h)[i];
		EXPECT_EQ(g->size, 16);
		EXPECT(g->address && !memcmp((void *)g->address, data, 16));
		uk_vm_free(g->address, 4096);
	}
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(OOL0005, ool_of_size_zero_arrives_as_nothing)
{
	uk_name_t p = port_new_send(1);
	struct uk_msg_ool o[2] = {{0, 0, UK_OOL_COPY, 0},
				  {0x0000500000000000ull, 0, UK_OOL_MOVE, 0}};

	EXPECT_EQ(send_ool(p, o, 2, 0), 0);
	EXPECT_EQ(msg_receive(p, &rx, 0),
		  sizeof(struct uk_msg_header) + sizeof(o));
	for (unsigned i = 0; i < 2; i++) {
		EXPECT_EQ(msg_ools(&rx.h)[i].address, 0);
		EXPECT_EQ(msg_ools(&rx.h)[i].size, 0);
	}
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

DEFINE_TEST(OOL0006, ool_memory_in_a_destroyed_message_is_freed)
{
	static uint8_t data[64 * 1024];
	uk_name_t p = port_new_send(1);
	const uint64_t size = 16 * 4096;
	long a = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);
	struct uk_kinfo_memory before = kernel_memory();

	struct uk_msg_ool o[2] = {
	    {(uint64_t)data, sizeof(data), UK_OOL_COPY, 0},
	    {(uint64_t)a, size, UK_OOL_MOVE, 0}};
	EXPECT_EQ(send_ool(p, o, 2, 0), 0);
	EXPECT(kernel_memory().frames_free < before.frames_free); /* the copy */
	EXPECT_EQ(uk_port_destroy(p), 0);
	struct uk_kinfo_memory after = kernel_memory();
	/* The copy is freed, and so are the moved pages: they left us. */
	EXPECT_EQ(after.frames_free, before.frames_free + size / 4096);
	EXPECT_EQ(after.kobjects_in_use,
		  before.kobjects_in_use - 1); /* our region */
	uk_port_deallocate(p);
}

DEFINE_TEST(OOL0007, ool_memory_travels_between_tasks_both_ways)
{
	static uint8_t data[3 * 4096];
	uk_name_t svc;
	long peer = peer_serve(&svc);

	if (peer < 0)
		return;
	long a = uk_vm_allocate(4 * 4096, UK_VM_READ | UK_VM_WRITE);
	pattern((uint8_t *)a, 4 * 4096, 3);
	pattern(data, sizeof(data), 4);
	uint64_t want_a = sum((uint8_t *)a, 4 * 4096),
		 want_d = sum(data + 1, 9000);
	static union ipc_buf m;
	struct uk_msg_header *h = &m.h;
	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h) + 2 * sizeof(struct uk_msg_ool);
	h->id = IPCPEER_OOL_BOUNCE;
	h->dest = svc;
	h->n_ool = 2;
	struct uk_msg_ool *o = msg_ools(h);
	o[0] = (struct uk_msg_ool){(uint64_t)a, 4 * 4096, UK_OOL_MOVE, 0};
	o[1] = (struct uk_msg_ool){(uint64_t)data + 1, 9000, UK_OOL_COPY, 0};
	long rc = uk_ipc_call(h, h->size, &reply.h, sizeof(reply), 5 * SECOND);
	EXPECT_EQ(rc, sizeof(struct uk_msg_header) + 2 * 24 +
			  2 * sizeof(struct ipcpeer_ool));
	EXPECT_EQ(reply.h.n_ool, 2);
	const struct ipcpeer_ool *seen =
	    (const struct ipcpeer_ool *)(msg_ools(&reply.h) + reply.h.n_ool);
	EXPECT(seen[0].address != 0);
	EXPECT_EQ(seen[0].size, 4 * 4096);
	EXPECT_EQ(seen[0].sum, want_a);
	EXPECT(seen[0].flags & UK_OOL_MOVE);
	EXPECT_EQ(seen[0].writable, 1);
	EXPECT_EQ(seen[1].size, 9000);
	EXPECT_EQ(seen[1].sum, want_d);
	EXPECT_EQ(seen[1].writable, 1);
	/* And back to us, moved by the peer. */
	struct uk_msg_ool *back = msg_ools(&reply.h);
	for (unsigned i = 0; i < 2 && reply.h.n_ool == 2; i++) {
		EXPECT(back[i].address != 0);
		EXPECT(back[i].flags & UK_OOL_MOVE);
		EXPECT_EQ(sum((uint8_t *)back[i].address, back[i].size),
			  i ? want_d : want_a);
		EXPECT_EQ(uk_vm_free(back[i].address, back[i].size), 0);
	}
	peer_stop(peer);
	uk_port_deallocate(svc);
}

DEFINE_TEST(OOL0008, a_message_left_queued_by_a_small_buffer_keeps_its_memory)
{
	static uint8_t data[5000];
	uk_name_t p = port_new_send(1);

	pattern(data, sizeof(data), 6);
	struct uk_msg_ool o = {(uint64_t)data, sizeof(data), UK_OOL_COPY, 0};
	EXPECT_EQ(send_ool(p, &o, 1, 0), 0);
	EXPECT_ERR(uk_ipc_receive(p, &rx.h, 40, 0), ERR_TOO_BIG);
	EXPECT_ERR(uk_ipc_receive(p, (struct uk_msg_header *)0x400000, 4096, 0),
		   ERR_FAULT);
	EXPECT_EQ(queued_on(p), 1);
	EXPECT_EQ(msg_receive(p, &rx, 0), sizeof(struct uk_msg_header) + 24);
	struct uk_msg_ool *got = msg_ools(&rx.h);
	EXPECT(got->address &&
	       !memcmp((void *)got->address, data, sizeof(data)));
	uk_vm_free(got->address, 2 * 4096);
	uk_port_destroy(p);
	uk_port_deallocate(p);
}

static void ool_burst(void)
{
	static uint8_t data[20000];
	uk_name_t p = port_new_send(1);

	uk_port_set_limit(p, 64);
	for (int i = 0; i < 40; i++) {
		long a = uk_vm_allocate(4096 * (1 + i % 4),
					UK_VM_READ | UK_VM_WRITE);
		struct uk_msg_ool o[2] = {
		    {(uint64_t)data + (uint64_t)i, (uint64_t)i * 500,
		     UK_OOL_COPY, 0},
		    {(uint64_t)a, 4096ull * (1 + i % 4), UK_OOL_MOVE, 0},
		};
		EXPECT_EQ(send_ool(p, o, 2, 0), 0);
	}
	for (int i = 0; i < 20; i++)
		if (msg_receive(p, &rx, 0) > 0)
			for (unsigned k = 0; k < rx.h.n_ool; k++)
				if (msg_ools(&rx.h)[k].address)
					uk_vm_free(msg_ools(&rx.h)[k].address,
						   msg_ools(&rx.h)[k].size);
	uk_port_destroy(p); /* the other 20 die queued */
	uk_port_deallocate(p);
}

DEFINE_TEST(OOL0009, ool_messages_leave_no_kernel_memory_behind)
{
	ool_burst();
	struct uk_kinfo_memory before = kernel_memory();
	ool_burst();
	ool_burst();
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
}

static uk_name_t hw_root(unsigned which)
{
	return uk_startup_info->n_rights > which
		   ? uk_startup_info->rights[which]
		   : 0;
}

DEFINE_TEST(HW0101, hardware_dispositions_apply_to_capabilities_only)
{
	uk_name_t p = port_new_send(1);
	long cap = uk_cap_derive(hw_root(UK_STARTUP_HW_IO), 0x80, 1);
	struct uk_hw_info info;

	EXPECT(cap > 0);
	struct uk_msg_port d = {p, UK_DISP_COPY_HARDWARE};
	struct msg_spec s = {.dest = p, .ports = &d, .n_ports = 1};
	EXPECT_ERR(msg_send(&s, 0),
		   ERR_RIGHTS); /* a port is not a capability */
	d = (struct uk_msg_port){(uk_name_t)cap, UK_DISP_MAKE_SEND};
	EXPECT_ERR(msg_send(&s, 0), ERR_RIGHTS); /* nor the other way round */
	d = (struct uk_msg_port){(uk_name_t)cap, UK_DISP_COPY_SEND};
	EXPECT_ERR(msg_send(&s, 0), ERR_RIGHTS);
	EXPECT_ERR(uk_port_destroy((uint64_t)cap), ERR_RIGHTS);
	EXPECT_ERR(uk_port_insert_right((uint64_t)cap, UK_DISP_MAKE_SEND),
		   ERR_RIGHTS);
	EXPECT_ERR(msg_receive((uk_name_t)cap, &rx, 0), ERR_RIGHTS);
	EXPECT_ERR(msg_send_id((uk_name_t)cap, 1, 0), ERR_RIGHTS);
	/* COPY keeps the sender's; the copy is a capability of its own. */
	d = (struct uk_msg_port){(uk_name_t)cap, UK_DISP_COPY_HARDWARE};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_EQ(uk_cap_info((uint64_t)cap, &info), 0);
	EXPECT_EQ(msg_receive(p, &rx, 0),
		  sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port));
	uk_name_t copy = msg_ports(&rx.h)[0].name;
	EXPECT_EQ(msg_ports(&rx.h)[0].disposition, UK_RIGHT_HARDWARE);
	EXPECT(copy != (uk_name_t)cap);
	EXPECT_EQ(rights_of(copy), UK_RIGHT_HARDWARE);
	EXPECT_EQ(uk_cap_info(copy, &info), 0);
	EXPECT_EQ(info.base, 0x80);
	EXPECT_EQ(uk_port_deallocate(copy), 0);
	EXPECT_ERR(uk_cap_info(copy, &info), ERR_BAD_NAME);
	/* A capability in a destroyed message is released. */
	struct uk_kinfo_memory before = kernel_memory();
	d = (struct uk_msg_port){(uk_name_t)cap, UK_DISP_MOVE_HARDWARE};
	EXPECT_EQ(msg_send(&s, 0), 0);
	EXPECT_ERR(uk_cap_info((uint64_t)cap, &info), ERR_BAD_NAME);
	EXPECT_EQ(uk_port_destroy(p), 0);
	EXPECT_EQ(kernel_memory().kobjects_in_use, before.kobjects_in_use - 1);
	uk_port_deallocate(p);
}

DEFINE_TEST(IPC0044, a_long_chain_of_receive_rights_in_messages_dies_cleanly)
{
	/* Each port's receive right waits in the next port's queue; the
	 * last port's death takes all of them down. */
	const int length = 2000;
	struct uk_kinfo_memory before = kernel_memory();
	uk_name_t head = port_new();

	for (int i = 0; i < length && head; i++) {
		uk_name_t next = port_new();
		if (!next)
			break;
		EXPECT_EQ(uk_port_insert_right(next, UK_DISP_MAKE_SEND), next);
		struct uk_msg_port d = {head, UK_DISP_MOVE_RECEIVE};
		struct msg_spec s = {.dest = next,
				     .dest_disposition = UK_DISP_MOVE_SEND,
				     .ports = &d,
				     .n_ports = 1};
		if (msg_send(&s, 0) != 0) {
			ktest_fail(__FILE__, __LINE__, "link %d failed", i);
			break;
		}
		head = next;
	}
	EXPECT_EQ(uk_port_destroy(head), 0);
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	EXPECT_EQ(after.frames_free, before.frames_free);
}

/* OOL0010-0012: UK_OOL_SHARE maps the same frames into the receiver. */
static uint64_t share_roundtrip(uk_name_t p, uint64_t a, uint64_t size, long *rc)
{
	struct uk_msg_ool o = { a, size, UK_OOL_SHARE, 0 };

	*rc = send_ool(p, &o, 1, 0);
	if (*rc < 0)
		return 0;
	if (msg_receive(p, &rx, 0) < 0 || rx.h.n_ool != 1)
		return 0;
	struct uk_msg_ool *got = msg_ools(&rx.h);
	if (!(got->flags & UK_OOL_SHARE) || got->size != size)
		return 0;
	return got->address;
}

DEFINE_TEST(OOL0010, ool_share_maps_the_same_frames_and_frees_them_last)
{
	uk_name_t p = port_new_send(1);
	struct uk_kinfo_memory before = kernel_memory();
	long a = uk_vm_allocate(2 * 4096, UK_VM_READ | UK_VM_WRITE), rc;
	EXPECT(a > 0);
	pattern((uint8_t *)a, 2 * 4096, 9);
	uint64_t b = share_roundtrip(p, (uint64_t)a, 2 * 4096, &rc);
	EXPECT_EQ(rc, 0);
	EXPECT(b != 0 && b != (uint64_t)a);
	if (b) {
		EXPECT_EQ(sum((uint8_t *)b, 2 * 4096), sum((uint8_t *)a, 2 * 4096));
		((volatile uint8_t *)b)[5000] = 0xab;
		EXPECT_EQ(((volatile uint8_t *)a)[5000], 0xab);
		((volatile uint8_t *)a)[7] = 0xcd;
		EXPECT_EQ(((volatile uint8_t *)b)[7], 0xcd);
		/* Shared memory cannot be moved, but can be copied or
		 * shared again. */
		struct uk_msg_ool mv = { (uint64_t)a, 2 * 4096, UK_OOL_MOVE, 0 };
		EXPECT_ERR(send_ool(p, &mv, 1, 0), ERR_INVALID);
		uint64_t c = share_roundtrip(p, b, 2 * 4096, &rc);
		EXPECT(c != 0);
		if (c) {
			((volatile uint8_t *)c)[100] = 0x5a;
			EXPECT_EQ(((volatile uint8_t *)a)[100], 0x5a);
			EXPECT_EQ(uk_vm_free(c, 2 * 4096), 0);
		}
		/* The first mapping goes; the memory stays for the other. */
		EXPECT_EQ(uk_vm_free((uint64_t)a, 2 * 4096), 0);
		EXPECT_EQ(((volatile uint8_t *)b)[5000], 0xab);
		EXPECT_EQ(uk_vm_free(b, 2 * 4096), 0);
	}
	uk_port_destroy(p);
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
}

DEFINE_TEST(OOL0011, ool_share_needs_a_whole_region_and_works_on_dma_memory)
{
	uk_name_t p = port_new_send(1);
	long a = uk_vm_allocate(3 * 4096, UK_VM_READ | UK_VM_WRITE), rc;
	struct uk_msg_ool o = { (uint64_t)a + 4096, 4096, UK_OOL_SHARE, 0 };
	EXPECT_ERR(send_ool(p, &o, 1, 0), ERR_INVALID);
	o = (struct uk_msg_ool){ (uint64_t)a, 2 * 4096, UK_OOL_SHARE, 0 };
	EXPECT_ERR(send_ool(p, &o, 1, 0), ERR_INVALID);
	o = (struct uk_msg_ool){ (uint64_t)a, 3 * 4096, UK_OOL_SHARE | UK_OOL_MOVE, 0 };
	EXPECT_ERR(send_ool(p, &o, 1, 0), ERR_INVALID);
	EXPECT_EQ(uk_vm_free((uint64_t)a, 3 * 4096), 0);
	uint64_t phys = 0;
	long d = uk_vm_allocate_dma(4 * 4096, &phys);
	EXPECT(d > 0 && phys != 0);
	uint64_t b = share_roundtrip(p, (uint64_t)d, 4 * 4096, &rc);
	EXPECT(b != 0);
	if (b) {
		((volatile uint32_t *)b)[1024] = 0x12345678;
		EXPECT_EQ(((volatile uint32_t *)d)[1024], 0x12345678);
		EXPECT_EQ(uk_vm_free(b, 4 * 4096), 0);
	}
	EXPECT_EQ(uk_vm_free((uint64_t)d, 4 * 4096), 0);
	uk_port_destroy(p);
}

DEFINE_TEST(OOL0012, shared_memory_in_a_dropped_message_is_freed)
{
	struct uk_kinfo_memory before = kernel_memory();
	uk_name_t p = port_new_send(1);
	long a = uk_vm_allocate(8 * 4096, UK_VM_READ | UK_VM_WRITE);
	struct uk_msg_ool o = { (uint64_t)a, 8 * 4096, UK_OOL_SHARE, 0 };
	EXPECT_EQ(send_ool(p, &o, 1, 0), 0);
	EXPECT_EQ(send_ool(p, &o, 1, 0), 0);
	uk_port_destroy(p); /* both messages die unreceived */
	uk_port_deallocate(p); /* the dead name left of the send right */
	EXPECT_EQ(uk_vm_free((uint64_t)a, 8 * 4096), 0);
	struct uk_kinfo_memory after = kernel_memory();
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
}

/* Issue #11, attack 2: one message sharing and moving the same region
 * panicked the kernel ("mapped && owned" in vm.c). A region that is moved
 * or shared may appear only once per message, in any form; copies of one
 * region may repeat. Nothing changes in the sender when it is refused. */
DEFINE_TEST(OOL0013, a_region_moved_or_shared_appears_once_per_message)
{
	uk_name_t p = port_new_send(4);
	long a = uk_vm_allocate(2 * 4096, UK_VM_READ | UK_VM_WRITE);
	static const unsigned kinds[] = { UK_OOL_COPY, UK_OOL_MOVE, UK_OOL_SHARE };

	EXPECT(a > 0);
	((volatile uint8_t *)a)[0] = 0x5a;
	for (unsigned i = 0; i < 3; i++) {
		for (unsigned j = 0; j < 3; j++) {
			struct uk_msg_ool o[2] = {
				{ (uint64_t)a, 2 * 4096, kinds[i], 0 },
				{ (uint64_t)a, 2 * 4096, kinds[j], 0 },
			};
			if (kinds[i] == UK_OOL_COPY && kinds[j] == UK_OOL_COPY)
				continue;
			EXPECT_ERR(send_ool(p, o, 2, 0), ERR_INVALID);
			/* A copy of the region's second page still overlaps. */
			o[1] = (struct uk_msg_ool){ (uint64_t)a + 4096, 100, kinds[j], 0 };
			if (kinds[j] == UK_OOL_COPY)
				EXPECT_ERR(send_ool(p, o, 2, 0), ERR_INVALID);
		}
	}
	EXPECT_EQ(queued_on(p), 0);
	EXPECT(region_at((uint64_t)a));
	EXPECT_EQ(((volatile uint8_t *)a)[0], 0x5a);
	/* Two copies of one region are fine. */
	struct uk_msg_ool copies[2] = { { (uint64_t)a, 2 * 4096, UK_OOL_COPY, 0 },
					{ (uint64_t)a, 4096, UK_OOL_COPY, 0 } };
	EXPECT_EQ(send_ool(p, copies, 2, 0), 0);
	uk_port_destroy(p);
	uk_port_deallocate(p);
	EXPECT_EQ(uk_vm_free((uint64_t)a, 2 * 4096), 0);
}
