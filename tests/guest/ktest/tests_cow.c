/* SPDX-License-Identifier: MIT */
/*
 *   COW0001-0005  copy-on-write out-of-line COPY (docs/MEMORY.md,
 *                 "Copy-on-write"): the receiver's pages are the sender's
 *                 frames until either side writes one; a write gives the
 *                 writer its own copy and the other side never sees it;
 *                 the node's free memory shows what was shared; the
 *                 kernel's own writes, SHARE and MOVE of such pages keep
 *                 the copies private.
 */
#include <string.h>

#include "ipc_util.h"

#define PAGES 64u
#define PG 4096u

static union ipc_buf m, rx;

static void pattern(volatile uint8_t *p, uint64_t len, uint8_t seed)
{
	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7u + (i >> 12));
}

static uint8_t pat(uint8_t seed, uint64_t i)
{
	return (uint8_t)(seed + i * 7u + (i >> 12));
}

static bool same_pattern(const volatile uint8_t *p, uint64_t len, uint8_t seed)
{
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != pat(seed, i))
			return false;
	return true;
}

/* Page n of a region filled by pattern(seed) still holds it. */
static bool page_intact(const volatile uint8_t *base, unsigned n, uint8_t seed)
{
	for (uint64_t i = n * 4096ull; i < (n + 1) * 4096ull; i++)
		if (base[i] != pat(seed, i))
			return false;
	return true;
}

static uint64_t frames_free(void)
{
	return kernel_memory().frames_free;
}

/* Send [addr, addr + size) to port (a receive right with a send right
 * of ours) with flags, receive it there; returns the new address. */
static uint64_t bounce(uk_name_t port, uint64_t addr, uint64_t size,
		       uint32_t flags)
{
	struct uk_msg_header *h = &m.h;

	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)(sizeof(*h) + sizeof(struct uk_msg_ool));
	h->dest = port;
	h->n_ool = 1;
	*(struct uk_msg_ool *)(h + 1) = (struct uk_msg_ool){ addr, size, flags, 0 };
	EXPECT_EQ(uk_ipc_send(h, h->size, SECOND), 0);
	EXPECT_EQ(msg_receive(port, &rx, SECOND), h->size);
	struct uk_msg_ool *o = (struct uk_msg_ool *)(&rx.h + 1);
	EXPECT_EQ(o->size, size);
	return o->address;
}

DEFINE_TEST(COW0001, writes_after_a_copy_are_private_untouched_pages_stay_shared)
{
	uk_name_t port = port_new_send(1);
	long a = uk_vm_allocate(PAGES * PG, UK_VM_READ | UK_VM_WRITE);

	EXPECT(a > 0);
	if (a <= 0)
		return;
	volatile uint8_t *pa = (volatile uint8_t *)a;
	pattern(pa, PAGES * PG, 1);
	uint64_t free0 = frames_free();
	uint64_t b = bounce(port, (uint64_t)a, PAGES * PG, UK_OOL_COPY);
	volatile uint8_t *pb = (volatile uint8_t *)b;
	uint64_t free1 = frames_free();
	/* The copy took the message and the region's bookkeeping, not 64
	 * frames: they are shared. */
	EXPECT(free0 - free1 < 8);
	EXPECT(same_pattern(pb, PAGES * PG, 1));
	/* The receiver writes page 3: its own copy, one frame. */
	pb[3 * PG + 10] = 0xee;
	EXPECT_EQ(pa[3 * PG + 10], pat(1, 3 * PG + 10));
	EXPECT_EQ(free1 - frames_free(), 1);
	/* The sender writes page 5: its own copy; the receiver keeps the
	 * old bytes. */
	uint64_t free2 = frames_free();
	pa[5 * PG] = 0x55;
	EXPECT_EQ(pb[5 * PG], pat(1, 5 * PG));
	EXPECT_EQ(free2 - frames_free(), 1);
	/* The sender's page 3 has no other holder now: no copy. */
	uint64_t free3 = frames_free();
	pa[3 * PG] = 0x33;
	EXPECT_EQ(free3, frames_free());
	EXPECT_EQ(pb[3 * PG], pat(1, 3 * PG));
	/* Every other page still reads the same on both sides. */
	for (unsigned p = 0; p < PAGES; p++)
		if (p != 3 && p != 5) {
			EXPECT(page_intact(pa, p, 1));
			EXPECT(page_intact(pb, p, 1));
		}
	/* Freeing the receiver's region gives back only its own copies. */
	uint64_t free4 = frames_free();
	EXPECT_EQ(uk_vm_free(b, PAGES * PG), 0);
	EXPECT(frames_free() - free4 <= 2 + 1); /* page 5's old frame, page 3's copy, a table */
	EXPECT(page_intact(pa, 10, 1));
	EXPECT_EQ(uk_vm_free((uint64_t)a, PAGES * PG), 0);
	EXPECT(frames_free() >= free0 - 1);
	uk_port_destroy(port);
}

DEFINE_TEST(COW0002, a_peer_writing_its_copy_leaves_ours_alone)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	long a = uk_vm_allocate(8 * PG, UK_VM_READ | UK_VM_WRITE);

	EXPECT(peer > 0 && a > 0);
	if (peer <= 0 || a <= 0)
		return;
	pattern((volatile uint8_t *)a, 8 * PG, 9);
	/* The peer sums the region, writes its first byte and puts it back,
	 * and sends it back (MOVE). */
	struct uk_msg_header *h = &m.h;
	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h) + sizeof(struct uk_msg_ool);
	h->id = IPCPEER_OOL_BOUNCE;
	h->dest = svc;
	h->n_ool = 1;
	*(struct uk_msg_ool *)(h + 1) = (struct uk_msg_ool){ (uint64_t)a, 8 * PG,
							      UK_OOL_COPY, 0 };
	EXPECT(uk_ipc_call(h, h->size, &rx.h, sizeof(rx), 5 * SECOND) > 0);
	const struct uk_msg_ool *back = (const struct uk_msg_ool *)(&rx.h + 1);
	const struct ipcpeer_ool *seen = (const struct ipcpeer_ool *)(back + 1);
	EXPECT_EQ(seen->writable, 1);
	EXPECT(same_pattern((volatile uint8_t *)a, 8 * PG, 9));
	if (rx.h.n_ool == 1 && back->size == 8 * PG) {
		EXPECT(same_pattern((volatile uint8_t *)back->address, 8 * PG, 9));
		/* Our write to what came back is ours alone too. */
		((volatile uint8_t *)back->address)[PG] = 0;
		EXPECT(same_pattern((volatile uint8_t *)a, 8 * PG, 9));
		uk_vm_free(back->address, back->size);
	}
	peer_stop(peer);
	uk_port_deallocate(svc);
	uk_vm_free((uint64_t)a, 8 * PG);
}

DEFINE_TEST(COW0003, the_kernels_writes_into_a_shared_page_are_private)
{
	uk_name_t port = port_new_send(1), svc;
	long peer = peer_serve(&svc);
	long a = uk_vm_allocate(4 * PG, UK_VM_READ | UK_VM_WRITE);

	EXPECT(a > 0 && peer > 0);
	if (a <= 0 || peer <= 0)
		return;
	pattern((volatile uint8_t *)a, 4 * PG, 3);
	uint64_t b = bounce(port, (uint64_t)a, 4 * PG, UK_OOL_COPY);
	/* A message received into page 1 of b (this task's own copy in the
	 * kernel, through our page tables)... */
	uk_name_t self = port_new_send(1);
	EXPECT(msg_send_id(self, 0x77, 0) >= 0);
	EXPECT_EQ(uk_ipc_receive(self, (struct uk_msg_header *)(b + PG), PG, 0),
		  sizeof(struct uk_msg_header));
	EXPECT_EQ(((struct uk_msg_header *)(b + PG))->id, 0x77);
	/* ...and a reply the peer's thread copies into page 2 of b. */
	EXPECT_EQ(peer_call(svc, IPCPEER_ECHO, NULL, 0, "cow", 3,
			    (union ipc_buf *)(b + 2 * PG)),
		  sizeof(struct uk_msg_header) + 3);
	/* Neither reached our pages. */
	EXPECT(same_pattern((volatile uint8_t *)a, 4 * PG, 3));
	uk_port_destroy(self);
	uk_port_destroy(port);
	peer_stop(peer);
	uk_port_deallocate(svc);
	uk_vm_free(b, 4 * PG);
	uk_vm_free((uint64_t)a, 4 * PG);
}

DEFINE_TEST(COW0004, sharing_or_moving_a_copy_keeps_the_original_private)
{
	uk_name_t port = port_new_send(1);
	long a = uk_vm_allocate(4 * PG, UK_VM_READ | UK_VM_WRITE);

	EXPECT(a > 0);
	if (a <= 0)
		return;
	pattern((volatile uint8_t *)a, 4 * PG, 5);
	/* b shares a's frames copy-on-write; b shared (SHARE) as c: a
	 * write through c is b's, never a's. */
	uint64_t b = bounce(port, (uint64_t)a, 4 * PG, UK_OOL_COPY);
	uint64_t c = bounce(port, b, 4 * PG, UK_OOL_SHARE);
	((volatile uint8_t *)c)[0] = 0xcc;
	EXPECT_EQ(((volatile uint8_t *)b)[0], 0xcc);
	EXPECT(same_pattern((volatile uint8_t *)a, 4 * PG, 5));
	/* A copy moved (MOVE) stays copy-on-write where it lands. */
	uint64_t d = bounce(port, (uint64_t)a, 4 * PG, UK_OOL_COPY);
	uint64_t e = bounce(port, d, 4 * PG, UK_OOL_MOVE);
	((volatile uint8_t *)e)[PG] = 0xee;
	EXPECT(same_pattern((volatile uint8_t *)a, 4 * PG, 5));
	EXPECT_EQ(((volatile uint8_t *)e)[PG], 0xee);
	uk_vm_free(c, 4 * PG);
	uk_vm_free(b, 4 * PG);
	uk_vm_free(e, 4 * PG);
	uk_vm_free((uint64_t)a, 4 * PG);
	uk_port_destroy(port);
}

DEFINE_TEST(COW0005, copies_are_charged_as_copies_and_given_back)
{
	uk_name_t port = port_new_send(1);
	long a = uk_vm_allocate(PAGES * PG, UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);
	struct uk_kinfo_account acc;

	EXPECT(a > 0);
	if (a <= 0)
		return;
	/* Untouched demand-zero pages are filled, then shared. */
	EXPECT_EQ(uk_kinfo(UK_KINFO_ACCOUNT, &acc, sizeof(acc)), sizeof(acc));
	uint64_t used0 = acc.used;
	uint64_t b = bounce(port, (uint64_t)a, PAGES * PG, UK_OOL_COPY);
	EXPECT_EQ(uk_kinfo(UK_KINFO_ACCOUNT, &acc, sizeof(acc)), sizeof(acc));
	/* Both sides pay for every page, as for a real copy: a quota bounds
	 * what copies can make. */
	EXPECT(acc.used - used0 >= 2 * PAGES * PG);
	for (unsigned p = 0; p < PAGES; p++)
		EXPECT_EQ(((volatile uint8_t *)b)[p * PG], 0);
	EXPECT_EQ(uk_vm_free(b, PAGES * PG), 0);
	EXPECT_EQ(uk_vm_free((uint64_t)a, PAGES * PG), 0);
	EXPECT_EQ(uk_kinfo(UK_KINFO_ACCOUNT, &acc, sizeof(acc)), sizeof(acc));
	EXPECT(acc.used <= used0 + 8 * PG); /* page tables may stay */
	uk_port_destroy(port);
}

/* ---- task_clone: an address space copied copy-on-write ---- */

static volatile uint8_t *clone_region;
static volatile uint64_t clone_parent_self;

/* The clone's first thread (its memory is a copy of ours): exits with a
 * bit per thing it found wrong. */
static void clone_child(const struct uk_startup *su)
{
	int64_t code = 0;

	if (su->magic != UK_STARTUP_MAGIC || su->self == clone_parent_self ||
	    su->argc != 1 ||
	    strcmp((const char *)su + su->argv_offset, "clone") != 0)
		code |= 1;
	for (unsigned p = 0; p < PAGES; p++)
		if (!page_intact(clone_region, p, 7))
			code |= 2;
	clone_region[0] = 0x99; /* its own page from now on */
	if (clone_region[0] != 0x99)
		code |= 4;
	uk_task_exit(code);
}

DEFINE_TEST(COW0006, a_cloned_address_space_is_shared_until_written)
{
	static struct {
		struct uk_task_args a;
		char argv[8];
	} args;
	long a = uk_vm_allocate(PAGES * PG, UK_VM_READ | UK_VM_WRITE);
	long stack = uk_vm_allocate(16 * 1024, UK_VM_READ | UK_VM_WRITE);

	EXPECT(a > 0 && stack > 0);
	if (a <= 0 || stack <= 0)
		return;
	clone_region = (volatile uint8_t *)a;
	clone_parent_self = (uint64_t)uk_task_self();
	pattern(clone_region, PAGES * PG, 7);
	memset(&args, 0, sizeof(args));
	strcpy(args.a.name, "clone");
	args.a.priority = UK_PRIORITY_DEFAULT;
	args.a.argc = 1;
	args.a.argv_len = 6;
	memcpy(args.argv, "clone", 6);
	uint64_t free0 = frames_free();
	long id = uk_task_clone(&args.a, sizeof(args.a) + 6,
				(uint64_t)clone_child, (uint64_t)stack + 16 * 1024);
	EXPECT(id > 0);
	if (id <= 0)
		return;
	/* All of this task's memory (the region, the image with the
	 * programs it embeds) is shared: the clone cost its page tables,
	 * its kernel objects and the pages it wrote. */
	struct uk_exit_status st;
	memset(&st, 0, sizeof(st));
	EXPECT(wait_task((uint64_t)id, &st, 10 * SECOND) >= 0);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	/* Its write never reached us. */
	EXPECT(page_intact(clone_region, 0, 7));
	uint64_t free1 = frames_free();
	EXPECT(free1 + 4 >= free0); /* everything it held came back */
	/* Bad arguments: refused, nothing made. */
	EXPECT_ERR(uk_task_clone(&args.a, sizeof(args.a) + 6, 0, (uint64_t)stack),
		   ERR_FAULT);
	EXPECT_ERR(uk_task_clone(&args.a, 3, (uint64_t)clone_child,
				 (uint64_t)stack + 16 * 1024),
		   ERR_INVALID);
	/* A stack top with nothing mapped below it: the clone cannot get
	 * its startup block, and is not made. */
	EXPECT_ERR(uk_task_clone(&args.a, sizeof(args.a) + 6,
				 (uint64_t)clone_child, 0x0000200000000000ull),
		   ERR_FAULT);
	EXPECT(frames_free() + 4 >= free1);
	uk_vm_free((uint64_t)stack, 16 * 1024);
	uk_vm_free((uint64_t)a, PAGES * PG);
}

DEFINE_TEST(COW0007, a_clone_costs_its_tables_not_a_copy)
{
	static struct uk_task_args args;
	long a = uk_vm_allocate(PAGES * PG, UK_VM_READ | UK_VM_WRITE);
	long stack = uk_vm_allocate(16 * 1024, UK_VM_READ | UK_VM_WRITE);

	EXPECT(a > 0 && stack > 0);
	if (a <= 0 || stack <= 0)
		return;
	pattern((volatile uint8_t *)a, PAGES * PG, 2);
	memset(&args, 0, sizeof(args));
	strcpy(args.name, "clone-sleeper");
	args.priority = UK_PRIORITY_DEFAULT;
	uint64_t free0 = frames_free();
	/* uk_sleep as the entry: the clone sleeps (its first argument, the
	 * startup block's address, as nanoseconds) until killed. */
	long id = uk_task_clone(&args, sizeof(args), (uint64_t)uk_sleep,
				(uint64_t)stack + 16 * 1024);
	EXPECT(id > 0);
	if (id <= 0)
		return;
	uk_sleep(20 * MS);
	uint64_t used = free0 - frames_free();
	/* Copying would take at least our 64 pages and the image. */
	EXPECT(used < PAGES);
	EXPECT_EQ(uk_task_kill((uint64_t)id), 0);
	struct uk_exit_status st;
	EXPECT(wait_task((uint64_t)id, &st, 5 * SECOND) >= 0);
	uk_vm_free((uint64_t)stack, 16 * 1024);
	uk_vm_free((uint64_t)a, PAGES * PG);
}
