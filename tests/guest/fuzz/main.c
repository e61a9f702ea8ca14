/* SPDX-License-Identifier: MIT */
/*
 * fuzz [CALLS [SEED]]: a syscall fuzzer for ports, messages and memory
 * (and, now and then, thread and task creation at random priorities,
 * hardware capabilities derived from the roots a test program gets and
 * revoked, and DMA memory).
 *
 * It makes CALLS (default 20000) IPC, port and memory syscalls with random
 * and boundary arguments: names it owns, stale names, made-up and 64-bit
 * names; pointers that are NULL, in the kernel, non-canonical, unmapped,
 * read-only or real buffers with random contents and random header fields;
 * sizes around every limit. Timeouts are 0 or a few milliseconds, so it
 * never blocks for long, and it never ends or kills itself. Every result
 * must lie in the range the call can return; every message received must
 * be well formed. At the end it releases everything it holds and checks
 * that the kernel's objects and frames are back to where they started:
 * this also catches receive rights left where nothing reaches them (a
 * cycle of ports queued inside each other, which the kernel refuses).
 *
 * It runs with a kernel memory account of its own (init.conf gives it a
 * small +quota), so its calls meet ERR_LIMIT as well as ERR_NO_MEMORY,
 * and at the end its account must be back too (less what it keeps).
 *
 * The seed (SEED or the cycle counter) is printed first; a run repeats
 * exactly with test=fuzz:CALLS,0xSEED.
 */
#include <string.h>
#include <ulib.h>

#define KERNEL_PTR 0xffffffff80100000ull
#define DIRECT_MAP_PTR 0xffff800000001000ull
#define NONCANONICAL_PTR 0x0000800000000000ull
#define UNMAPPED_PTR 0x0000500000000000ull
#define LAST_USER_PAGE 0x00007ffffffff000ull
#define TEXT_PTR 0x400000ull
#define MS 1000000ull

#define NAMES_MAX 512
#define REGIONS_MAX 32
/* Frames this task may keep until it ends: its name table after growing
 * (at most 4096 entries of 24 bytes) and page tables for the addresses
 * its regions used. A leak per message or per port shows far above it. */
#define FRAMES_KEPT (24 + 40)
/* Page tables stay until the address space goes, also after vm_free: a
 * device mapping of S bytes keeps up to S / 2 MiB + 3 of them. The memory
 * root lets phys_map cover gigabytes of address space that is no RAM. */
static uint64_t page_tables_kept;

static uint64_t rng_state, seed;
static uint64_t calls, failures;

/* What the calls did, to show the run reached deep paths. */
enum outcome {
	SENT,
	RECEIVED,
	WITH_RIGHTS,
	WITH_OOL,
	ALLOCATED,
	REFUSED,
	CAPS_DERIVED,
	CAPS_REVOKED,
	DEVICE_MAPS,
	DMA_REGIONS,
	OUTCOMES
};
static const char *const outcome_name[OUTCOMES] = {
    "sent",	  "received",	   "received rights", "received memory",
    "ports made", "sends refused", "capabilities derived",
    "capabilities revoked", "device maps", "DMA regions",
};
static uint64_t outcomes[OUTCOMES];

/* Where the kernel may write: receive buffers, port_info, kinfo. Nothing
 * the fuzzer relies on lives here. */
static uint8_t scratch[4 * UK_MSG_SIZE_MAX] __attribute__((aligned(4096)));
/* Messages are built here. */
static uint8_t msgbuf[2 * UK_MSG_SIZE_MAX] __attribute__((aligned(16)));

static uk_name_t names[NAMES_MAX];
static unsigned n_names;
/* Names that went stale, kept apart so live names are picked often. */
#define STALE_MAX 64
static uk_name_t stale[STALE_MAX];
static unsigned n_stale;
static struct {
	uint64_t addr, size;
} regions[REGIONS_MAX];
static unsigned n_regions;
static uint64_t hole_page; /* a page whose next page is not mapped */

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t below(uint64_t n)
{
	return n ? rng() % n : 0;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

static void fail(const char *what, long n, long rc)
{
	failures++;
	printf("fuzz: FAIL call %lu: %s (%ld) returned %ld (%s); seed 0x%lx\n",
	       calls, what, n, rc,
	       rc < 0 ? err_name(rc)
	       : rc   ? "positive"
		      : "success",
	       seed);
}

static void release_name(uk_name_t n)
{
	uk_port_destroy(n);
	while (uk_port_deallocate(n) == 0)
		;
}

static void remember_name(uk_name_t n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n_names; i++)
		if (names[i] == n)
			return;
	if (n_names < NAMES_MAX)
		names[n_names++] = n;
	else
		release_name(n); /* untracked rights would look like a leak */
}

static void remember_region(uint64_t addr, uint64_t size)
{
	if (!addr || n_regions == REGIONS_MAX) {
		if (addr)
			uk_vm_free(addr, size);
		return;
	}
	regions[n_regions].addr = addr;
	regions[n_regions++].size = size;
}

static void forget_region(unsigned i)
{
	regions[i] = regions[--n_regions];
}

static uk_name_t pick_name(void)
{
	switch (below(12)) {
	case 0:
		return 0;
	case 1:
		return (uk_name_t)below(32) << 32; /* generation 0: never valid */
	case 2:
		return (uk_name_t)below(32) << 32 | 1u; /* plausible */
	case 3:
		return chance(50) ? UINT32_MAX : UINT64_MAX;
	case 4:
		return chance(50) ? rng() : (uint32_t)rng();
	case 5:
		if (n_names)
			return names[below(n_names)] ^
			       (chance(50) ? 1u : 0x10000u); /* wrong generation */
		return 0;
	case 6:
		return n_stale ? stale[below(n_stale)] : 0;
	default:
		return n_names ? names[below(n_names)] : 0;
	}
}

/* A name argument of a syscall: 64 bits wide. */
static uint64_t pick_name64(void)
{
	if (chance(6))
		return rng();
	if (chance(4))
		return pick_name() ^ (1ull << (32 + below(32))); /* another index */
	return pick_name();
}

/* A held name with one of the rights in mask, or any held name. */
static uk_name_t pick_holding(uint32_t mask)
{
	struct uk_port_info info;

	for (int i = 0; i < 8 && n_names; i++) {
		uk_name_t n = names[below(n_names)];
		if (uk_port_info(n, &info) == 0 && (info.rights & mask))
			return n;
	}
	return n_names ? names[below(n_names)] : 0;
}

/* A held name with every right in mask, or 0. */
static uk_name_t pick_holding_all(uint32_t mask)
{
	struct uk_port_info info;

	for (int i = 0; i < 16 && n_names; i++) {
		uk_name_t n = names[below(n_names)];
		if (uk_port_info(n, &info) == 0 && (info.rights & mask) == mask)
			return n;
	}
	return 0;
}

/* The right a disposition takes from the sender. */
static uint32_t right_needed(uint32_t disposition)
{
	switch (disposition) {
	case UK_DISP_MOVE_RECEIVE:
	case UK_DISP_MAKE_SEND:
	case UK_DISP_MAKE_SEND_ONCE:
		return UK_RIGHT_RECEIVE;
	case UK_DISP_MOVE_SEND_ONCE:
		return UK_RIGHT_SEND_ONCE;
	case UK_DISP_COPY_HARDWARE:
	case UK_DISP_MOVE_HARDWARE:
		return UK_RIGHT_HARDWARE;
	default:
		return UK_RIGHT_SEND;
	}
}

static uint64_t bad_pointer(void)
{
	static const uint64_t bad[] = {
	    0,
	    8,
	    KERNEL_PTR,
	    DIRECT_MAP_PTR,
	    NONCANONICAL_PTR,
	    UNMAPPED_PTR,
	    LAST_USER_PAGE,
	    LAST_USER_PAGE + 4095,
	    UINT64_MAX,
	    UINT64_MAX - 31,
	    1ull << 63,
	    0xfff,
	};
	if (chance(10))
		return rng() | (1ull << 47); /* never one of ours */
	return bad[below(sizeof(bad) / sizeof(bad[0]))];
}

/* An output buffer: mostly scratch (with room for any message), sometimes
 * bad, read-only, or running into unmapped memory. */
static uint64_t pick_out_pointer(void)
{
	unsigned r = (unsigned)below(100);

	if (r < 70)
		return (uint64_t)scratch + below(4096);
	if (r < 78)
		return TEXT_PTR;
	if (r < 86 && hole_page)
		return hole_page + 4096 - below(256);
	return bad_pointer();
}

static uint64_t pick_size(uint64_t sane)
{
	static const uint64_t sizes[] = {
	    0,
	    1,
	    4,
	    31,
	    32,
	    33,
	    40,
	    48,
	    152,
	    153,
	    4096,
	    4128,
	    4129,
	    UK_MSG_SIZE_MAX - 1,
	    UK_MSG_SIZE_MAX,
	    UK_MSG_SIZE_MAX + 1,
	    1ull << 32,
	    UINT64_MAX,
	};
	if (chance(60))
		return sane;
	if (chance(10))
		return rng();
	return sizes[below(sizeof(sizes) / sizeof(sizes[0]))];
}

static uint64_t pick_timeout(void)
{
	unsigned r = (unsigned)below(1000);

	if (r < 985)
		return 0;
	if (r < 990)
		return 1;
	return (1 + below(3)) * MS;
}

static uint32_t pick_disposition(void)
{
	if (chance(5))
		return (uint32_t)rng();
	return (uint32_t)below(10);
}

/* A message with random header fields, descriptors and contents in
 * msgbuf; returns its size. */
static uint32_t build_message(void)
{
	struct uk_msg_header *h = (struct uk_msg_header *)msgbuf;
	/* Half the messages are well formed but for chance, so the kernel's
	 * deeper paths (queueing, rights, memory) run too. */
	int plausible = chance(50);
	unsigned n_ports =
	    chance(60) ? 0 : (unsigned)below(chance(90) ? 4 : 18);
	unsigned n_ool = chance(85) ? 0 : (unsigned)below(chance(90) ? 3 : 10);
	if (plausible && n_ool > UK_MSG_OOL_MAX)
		n_ool = 1;
	if (plausible && n_ports > UK_MSG_PORTS_MAX)
		n_ports = 2;
	uint32_t inline_len = chance(50) ? (uint32_t)below(64)
			      : chance(80)
				  ? (uint32_t)below(1200)
				  : (uint32_t)below(UK_MSG_INLINE_MAX + 200);
	uint64_t size =
	    sizeof(*h) + n_ports * 8ull + n_ool * 24ull + inline_len;

	if (size > sizeof(msgbuf))
		size = sizeof(msgbuf);
	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)size;
	h->id = (uint32_t)rng();
	if (plausible) {
		static const uint8_t dest_disp[] = {0,
						    0,
						    0,
						    UK_DISP_COPY_SEND,
						    UK_DISP_MOVE_SEND,
						    UK_DISP_MOVE_SEND_ONCE};
		h->dest_disposition = dest_disp[below(sizeof(dest_disp))];
		h->dest = pick_holding(right_needed(h->dest_disposition));
	} else {
		h->dest = pick_name();
		h->dest_disposition =
		    chance(70) ? 0 : (uint8_t)pick_disposition();
	}
	if (plausible) {
		if (chance(20) && n_names) {
			static const uint8_t safe[] = {UK_DISP_MAKE_SEND_ONCE,
						       UK_DISP_MAKE_SEND,
						       UK_DISP_COPY_SEND};
			h->reply_disposition = safe[below(3)];
			h->reply =
			    pick_holding(right_needed(h->reply_disposition));
		}
	} else if (chance(20)) {
		h->reply = pick_name();
		h->reply_disposition = (uint8_t)pick_disposition();
	} else if (chance(3)) {
		h->reply_disposition = (uint8_t)pick_disposition();
	}
	h->n_ports = (uint16_t)n_ports;
	h->n_ool = (uint16_t)n_ool;
	if (chance(5))
		h->flags = (uint16_t)rng();
	if (chance(5))
		h->sender = rng(); /* a forged sender is ignored */
	if (chance(5))
		h->badge = rng(); /* so is a forged badge */
	struct uk_msg_port *p = (struct uk_msg_port *)(h + 1);
	for (unsigned i = 0;
	     i < n_ports && (uint8_t *)(p + i + 1) <= msgbuf + size; i++) {
		if (plausible && n_names && chance(95)) {
			static const uint32_t common[] = {
			    UK_DISP_COPY_SEND,	    UK_DISP_MAKE_SEND,
			    UK_DISP_MAKE_SEND_ONCE, UK_DISP_COPY_SEND,
			    UK_DISP_MAKE_SEND,	    UK_DISP_MOVE_SEND,
			    UK_DISP_MOVE_SEND_ONCE, UK_DISP_MOVE_RECEIVE,
			};
			p[i].disposition = common[below(8)];
			p[i].name =
			    pick_holding(right_needed(p[i].disposition));
		} else {
			p[i].name = pick_name();
			p[i].disposition = pick_disposition();
		}
	}
	struct uk_msg_ool *o = (struct uk_msg_ool *)(p + n_ports);
	for (unsigned i = 0;
	     i < n_ool && (uint8_t *)(o + i + 1) <= msgbuf + size; i++) {
		unsigned r = (unsigned)below(10);
		if (r < 4 && n_regions) {
			unsigned k = (unsigned)below(n_regions);
			o[i].address = regions[k].addr;
			o[i].size = chance(80) ? regions[k].size
					       : pick_size(regions[k].size);
			unsigned f = (unsigned)below(10);
			o[i].flags = f < 6 ? UK_OOL_MOVE
				     : f < 8 ? UK_OOL_COPY
					     : UK_OOL_SHARE;
		} else if (r < 8 || plausible) {
			o[i].address = (uint64_t)scratch + below(4096);
			o[i].size =
			    chance(80) ? below(3 * 4096) : pick_size(100);
			o[i].flags = chance(85) ? UK_OOL_COPY : UK_OOL_MOVE;
		} else {
			o[i].address = bad_pointer();
			o[i].size = pick_size(4096);
			o[i].flags = chance(50) ? UK_OOL_COPY : (uint32_t)rng();
		}
		if (o[i].size > (4u << 20) && o[i].flags == UK_OOL_COPY &&
		    o[i].address >= (uint64_t)scratch &&
		    o[i].address < (uint64_t)scratch + sizeof(scratch))
			o[i].size =
			    4096; /* copies of valid memory stay small */
		o[i].reserved = chance(5) ? (uint32_t)rng() : 0;
	}
	uint8_t *body = (uint8_t *)(o + n_ool);
	for (uint8_t *b = body; b < msgbuf + size; b++)
		*b = (uint8_t)rng();
	if (!plausible && chance(15))
		h->size = (uint32_t)pick_size(size);
	return (uint32_t)size;
}

/* Whether a vm region still starts at addr. No region is 64 GiB, so
 * vm_free only says INVALID (there is one) or NOT_FOUND. */
static int region_at(uint64_t addr)
{
	return uk_vm_free(addr, 64ull << 30) != -ERR_NOT_FOUND;
}

/* After a send (certain, or only possible when sure is 0): regions moved
 * out by the message are gone. */
static void sent(const struct uk_msg_header *h, int sure)
{
	const struct uk_msg_ool *o =
	    (const struct uk_msg_ool *)((const uint8_t *)(h + 1) +
					h->n_ports * 8u);
	if (h->n_ool > UK_MSG_OOL_MAX)
		return;
	for (unsigned i = 0; i < h->n_ool; i++) {
		if (o[i].flags != UK_OOL_MOVE || !o[i].size)
			continue;
		for (unsigned k = 0; k < n_regions; k++)
			if (regions[k].addr == o[i].address) {
				if (sure || !region_at(regions[k].addr))
					forget_region(k);
				break;
			}
	}
}

/* A message arrived at buf with size rc: check it and keep what it brought. */
static void received(uint64_t buf, long rc)
{
	const struct uk_msg_header *h = (const struct uk_msg_header *)buf;

	if (rc < (long)sizeof(*h) || rc > (long)UK_MSG_SIZE_MAX ||
	    h->size != rc || h->n_ports > UK_MSG_PORTS_MAX ||
	    h->n_ool > UK_MSG_OOL_MAX ||
	    sizeof(*h) + h->n_ports * 8u + h->n_ool * 24u > (uint64_t)rc) {
		fail("received message malformed", rc, rc);
		return;
	}
	outcomes[RECEIVED]++;
	if (h->n_ports || h->reply)
		outcomes[WITH_RIGHTS]++;
	if (h->n_ool)
		outcomes[WITH_OOL]++;
	remember_name(h->reply);
	const struct uk_msg_port *p = (const struct uk_msg_port *)(h + 1);
	for (unsigned i = 0; i < h->n_ports; i++) {
		uint64_t d = p[i].disposition;
		if (d != 0 && d != UK_RIGHT_RECEIVE && d != UK_RIGHT_SEND &&
		    d != UK_RIGHT_SEND_ONCE && d != UK_RIGHT_HARDWARE)
			fail("received descriptor has a bad right", d, (long)d);
		remember_name(p[i].name);
	}
	const struct uk_msg_ool *o =
	    (const struct uk_msg_ool *)(p + h->n_ports);
	for (unsigned i = 0; i < h->n_ool; i++)
		if (o[i].address)
			remember_region(o[i].address,
					(o[i].size + 4095) & ~4095ull);
}

/* Move receive rights around a ring of ports, each into the next one's
 * queue. The send that would close the ring must be refused: the ports
 * would hold each other where nothing can reach them. */
static void try_cycle(void)
{
	uk_name_t ring[3];
	unsigned k = 2 + (unsigned)below(2);

	for (unsigned i = 0; i < k; i++) {
		ring[i] = pick_holding_all(UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
		for (unsigned j = 0; j < i; j++)
			if (!ring[i] || ring[i] == ring[j])
				return;
		if (!ring[i])
			return;
	}
	for (unsigned i = 0; i < k; i++) {
		struct {
			struct uk_msg_header h;
			struct uk_msg_port p;
		} m = {{.size = sizeof(m),
			.dest = ring[(i + 1) % k],
			.n_ports = 1},
		       {ring[i], UK_DISP_MOVE_RECEIVE}};
		long rc = uk_ipc_send(&m.h, sizeof(m), 0);
		if (rc < 0)
			return; /* a full queue, say: no ring */
		if (i == k - 1)
			fail("a ring of receive rights was closed", (long)k,
			     rc);
	}
}

/* One random syscall. */
static unsigned self_mcp = UK_PRIORITY_MAX; /* ours, read at the start */
/* Priority calls draw from their own generator, so the other calls see
 * the same sequence for a seed as without them. */
static uint64_t prio_state;

static uint64_t prio_rng(void)
{
	prio_state ^= prio_state >> 12;
	prio_state ^= prio_state << 25;
	prio_state ^= prio_state >> 27;
	return prio_state * 0x2545F4914F6CDD1Dull;
}

static int64_t pick_priority(void)
{
	switch (prio_rng() % 4) {
	case 0: return (int64_t)(prio_rng() % (UK_PRIORITY_MAX + 1));
	case 1: return (int64_t)self_mcp + (int64_t)(prio_rng() % 3) - 1;
	case 2: return UK_PRIORITY_MAX + (int64_t)(prio_rng() % 3);
	default: return (int64_t)prio_rng();
	}
}

static void exiting_thread(uint64_t arg)
{
	(void)arg;
	uk_thread_exit();
}

/* thread_create and task_create at random priorities, MCPs and quotas:
 * each must be refused with ERR_INVALID (no priority, quota 0), then
 * ERR_PERMISSION (above our MCP), or accepted. task_create gets an image
 * that is no ELF, so an accepted request ends in ERR_BAD_IMAGE and no task
 * (and no account) is made. */
static void fuzz_priorities(void)
{
	static uint64_t stack[64] __attribute__((aligned(16)));
	static const uint8_t not_elf[16];
	int64_t p = pick_priority();
	bool invalid = p < 0 || p > UK_PRIORITY_MAX;
	bool above = (uint64_t)p > self_mcp;
	long rc;

	if (prio_rng() % 2) {
		rc = uk_thread_create((uint64_t)exiting_thread, (uint64_t)&stack[62], 0, p);
		if (invalid ? rc != -ERR_INVALID
		    : above ? rc != -ERR_PERMISSION
			    : rc <= 0 && rc != -ERR_LIMIT && rc != -ERR_NO_MEMORY)
			fail("thread_create priority", (long)p, rc);
		return;
	}
	struct uk_task_args a;
	memset(&a, 0, sizeof(a));
	strlcpy(a.name, "fuzz", sizeof(a.name));
	a.priority = p;
	if (prio_rng() % 2) {
		a.flags = UK_TASK_ARGS_MCP;
		a.mcp = (uint8_t)pick_priority();
		invalid |= a.mcp > UK_PRIORITY_MAX;
		above |= a.mcp > self_mcp;
	}
	if (prio_rng() % 4 == 0) {
		static const uint64_t quotas[] = { 0, 1, 4096, 1 << 20, UINT64_MAX };
		a.flags |= UK_TASK_ARGS_QUOTA;
		a.quota = quotas[prio_rng() % 5];
	}
	if (prio_rng() % 20 == 0)
		a.flags |= (uint16_t)(1u << (prio_rng() % 16));
	invalid |= (a.flags & ~(UK_TASK_ARGS_MCP | UK_TASK_ARGS_QUOTA)) != 0 ||
		   ((a.flags & UK_TASK_ARGS_QUOTA) && a.quota == 0);
	rc = uk_task_create(not_elf, sizeof(not_elf), &a, sizeof(a));
	if (rc != (invalid ? -ERR_INVALID : above ? -ERR_PERMISSION : -ERR_BAD_IMAGE))
		fail("task_create priority", (long)p, rc);
}

/* A hardware capability: one of the roots a test program gets, a derived
 * one we hold, or any name. */
static uint64_t pick_capability(void)
{
	const struct uk_startup *su = uk_startup_info;
	unsigned root = UK_STARTUP_HW_IO + (unsigned)below(3);

	if (chance(40) && su && root < su->n_rights && su->rights[root])
		return su->rights[root];
	return pick_name64();
}

/* Is name one of the hardware roots we started with? */
static bool is_root(uint64_t name)
{
	const struct uk_startup *su = uk_startup_info;

	for (unsigned i = UK_STARTUP_HW_IO; su && i <= UK_STARTUP_HW_IRQ; i++)
		if (i < su->n_rights && su->rights[i] && su->rights[i] == name)
			return true;
	return false;
}

/* cap_derive, cap_info, io_enable, phys_map, irq_bind and cap_revoke with
 * random ranges: each either fails with an error or yields what it
 * promises. Nothing here touches a device: port I/O and mapped device
 * memory are never used, and interrupts only queue notices on our own
 * ports. Revocation spares the roots: their descendants include the other
 * programs' capabilities. */
static void fuzz_hardware(void)
{
	static struct uk_hw_info info;
	uint64_t cap = pick_capability();
	long rc;

	switch (below(7)) {
	case 6:
		if (is_root(cap))
			break;
		rc = uk_cap_revoke(cap);
		if (rc >= 0)
			outcomes[CAPS_REVOKED] += (uint64_t)rc;
		break;
	case 0:
	case 1: {
		uint64_t base = chance(50) ? below(0x10000) : rng();
		uint64_t size = chance(70) ? below(0x2000) + 1 : pick_size(4096);
		rc = uk_cap_derive(cap, base, size);
		if (rc > 0) {
			outcomes[CAPS_DERIVED]++;
			remember_name((uk_name_t)rc);
		} else if (rc == 0) {
			fail("cap_derive", (long)cap, rc);
		}
		break;
	}
	case 2:
		rc = uk_cap_info(cap, chance(80) ? &info
						 : (struct uk_hw_info *)pick_out_pointer());
		if (rc > 0)
			fail("cap_info", (long)cap, rc);
		break;
	case 3:
		rc = uk_io_enable(cap);
		if (rc > 0)
			fail("io_enable", (long)cap, rc);
		break;
	case 4: {
		uint64_t size = chance(70) ? 4096 * (below(4) + 1) : pick_size(4096);
		rc = uk_phys_map(cap, chance(60) ? 0 : pick_size(4096), size,
				 chance(80) ? (UK_VM_READ | UK_VM_WRITE) : below(8));
		if (rc > 0) {
			outcomes[DEVICE_MAPS]++;
			page_tables_kept += (size >> 21) + 3;
			remember_region((uint64_t)rc, (size + 4095) & ~4095ull);
		} else if (rc == 0) {
			fail("phys_map", (long)cap, rc);
		}
		break;
	}
	default:
		rc = uk_irq_bind(cap, pick_name64());
		if (rc > 0)
			fail("irq_bind", (long)cap, rc);
		break;
	}
}

/* DMA memory: contiguous frames with their physical address. */
static void fuzz_dma(void)
{
	static const uint64_t sizes[] = { 0, 1, 4096, 4097, 65536, 1 << 20,
					  64ull << 20, UINT64_MAX };
	static uint64_t phys;
	uint64_t size = chance(10) ? rng() : sizes[below(8)];
	uint64_t out = chance(80) ? (uint64_t)&phys : pick_out_pointer();

	if (n_regions == REGIONS_MAX)
		return;
	phys = 0;
	long rc = uk_vm_allocate_dma(size, (uint64_t *)out);
	if (rc > 0) {
		if (size > (64ull << 20) || (out == (uint64_t)&phys && !phys))
			fail("vm_allocate_dma", (long)size, rc);
		outcomes[DMA_REGIONS]++;
		remember_region((uint64_t)rc, (size + 4095) & ~4095ull);
	}
}

static void fuzz_one(void)
{
	long rc;
	uint64_t a0, a1, a2, t;

	if (chance(1)) {
		try_cycle();
		return;
	}
	switch (below(25)) {
	case 19:
		fuzz_hardware();
		break;
	case 20:
		if (chance(20))
			fuzz_dma();
		break;
	case 0:
	case 1: {
		static const uint64_t kinds[] = {UK_RIGHT_RECEIVE,
						 UK_RIGHT_RECEIVE,
						 UK_RIGHT_RECEIVE,
						 UK_RIGHT_PORT_SET,
						 0,
						 UK_RIGHT_SEND,
						 0x3,
						 UINT64_MAX};
		a0 = chance(5) ? rng() : kinds[below(8)];
		if (n_names >= NAMES_MAX - 40 || (n_names > 64 && chance(70)))
			a0 = 0;
		rc = uk_port_allocate(a0);
		if (rc > 0) {
			if (a0 != UK_RIGHT_RECEIVE && a0 != UK_RIGHT_PORT_SET)
				fail("port_allocate of a bad kind", (long)a0,
				     rc);
			remember_name((uk_name_t)rc);
			if (a0 == UK_RIGHT_RECEIVE && chance(80))
				uk_port_insert_right((uint64_t)rc,
						     UK_DISP_MAKE_SEND);
			outcomes[ALLOCATED]++;
		} else if (rc != -ERR_INVALID && rc != -ERR_LIMIT &&
			   rc != -ERR_NO_MEMORY) {
			fail("port_allocate", (long)a0, rc);
		}
		break;
	}
	case 2:
		rc = uk_port_destroy(pick_name64());
		if (rc > 0)
			fail("port_destroy", 0, rc);
		break;
	case 3:
		rc = uk_port_deallocate(pick_name64());
		if (rc > 0)
			fail("port_deallocate", 0, rc);
		break;
	case 4:
		a0 = pick_name64();
		a1 = chance(90) ? below(10) : rng();
		rc = uk_port_insert_right(a0, a1);
		if (rc > 0) {
			if (a1 == UK_DISP_MAKE_SEND_ONCE)
				remember_name((uk_name_t)rc);
			else if ((uint64_t)rc != a0)
				fail("port_insert_right named another right",
				     (long)a1, rc);
		}
		break;
	case 5:
		rc = chance(60) ? uk_port_set_add(pick_name64(), pick_name64())
				: uk_port_set_remove(pick_name64());
		if (rc > 0)
			fail("port_set_add/remove", 0, rc);
		break;
	case 6: {
		/* Random names, kinds and notify ports, often a held send
		 * right as the notify port: the kernel must only ever accept
		 * a port this task receives on. */
		struct uk_port_info ni;
		a0 = chance(50) ? pick_holding(UK_RIGHT_SEND) : pick_name64();
		a1 = chance(90) ? below(4) : rng();
		a2 = chance(50) ? pick_holding(UK_RIGHT_SEND) : pick_name64();
		rc = uk_port_request_notification(a0, a1, a2);
		if (rc > 0)
			fail("port_request_notification", (long)a1, rc);
		if (rc == 0 && (uk_port_info((uk_name_t)a2, &ni) < 0 ||
				!(ni.rights & UK_RIGHT_RECEIVE)))
			fail("notice accepted for a port not received on",
			     (long)a1, rc);
		break;
	}
	case 7:
		rc = uk_port_info(pick_name64(),
				  (struct uk_port_info *)pick_out_pointer());
		if (rc > 0)
			fail("port_info", 0, rc);
		break;
	case 8: {
		static const uint64_t limits[] = {0,	1,    2,	 16,
						  1024, 1025, UINT64_MAX};
		a1 = chance(5) ? rng() : limits[below(7)];
		rc = uk_port_set_limit(pick_name64(), a1);
		if (rc > 0 || (rc == 0 && (a1 < 1 || a1 > UK_PORT_QUEUE_MAX)))
			fail("port_set_limit", (long)a1, rc);
		break;
	}
	case 9:
	case 10:
	case 11: {
		uint32_t size = build_message();
		const struct uk_msg_header *h =
		    (const struct uk_msg_header *)msgbuf;
		a0 = chance(92)	  ? (uint64_t)msgbuf
		     : chance(50) ? bad_pointer()
				  : TEXT_PTR;
		a1 = chance(85) ? size : pick_size(size);
		t = pick_timeout();
		rc = uk_ipc_send((const struct uk_msg_header *)a0, a1, t);
		if (rc > 0)
			fail("ipc_send", (long)a1, rc);
		if (rc == 0 && a0 == (uint64_t)msgbuf)
			sent(h, 1);
		outcomes[rc == 0 ? SENT : REFUSED]++;
		break;
	}
	case 12:
	case 13:
	case 14: {
		a0 = pick_name64();
		a1 = pick_out_pointer();
		a2 = pick_size(chance(80) ? UK_MSG_SIZE_MAX : below(200));
		rc = uk_ipc_receive(a0, (struct uk_msg_header *)a1, a2,
				    pick_timeout());
		if (rc > 0)
			received(a1, rc);
		break;
	}
	case 15: {
		uint32_t size = build_message();
		const struct uk_msg_header *h =
		    (const struct uk_msg_header *)msgbuf;
		a1 = pick_out_pointer();
		a2 = pick_size(chance(80) ? UK_MSG_SIZE_MAX : below(200));
		rc =
		    uk_ipc_call((const struct uk_msg_header *)msgbuf,
				chance(90) ? size : pick_size(size),
				(struct uk_msg_header *)a1, a2, pick_timeout());
		/* The send happened if a reply came; perhaps if the call timed
		 * out. */
		if (rc > 0 || rc == -ERR_TIMED_OUT)
			sent(h, rc > 0);
		if (rc > 0)
			received(a1, rc);
		break;
	}
	case 16: {
		uint32_t size = build_message();
		const struct uk_msg_header *h =
		    (const struct uk_msg_header *)msgbuf;
		a0 = chance(70)	  ? (uint64_t)msgbuf
		     : chance(50) ? 0
				  : bad_pointer();
		a1 = pick_out_pointer();
		a2 = pick_size(UK_MSG_SIZE_MAX);
		rc = uk_ipc_reply_receive(
		    (const struct uk_msg_header *)a0,
		    chance(90) ? size : pick_size(size), pick_name64(),
		    (struct uk_msg_header *)a1, a2, pick_timeout());
		if (a0 == (uint64_t)msgbuf && rc != -ERR_FAULT &&
		    rc != -ERR_INVALID)
			sent(h, 0);
		if (rc > 0)
			received(a1, rc);
		break;
	}
	case 17: {
		static const uint64_t sizes[] = {
		    0, 1, 4096, 4097, 65536, 1 << 20, 1ull << 40, UINT64_MAX};
		a0 = chance(10) ? rng() : sizes[below(8)];
		a1 = chance(90) ? (UK_VM_READ | UK_VM_WRITE) : below(8);
		if (n_regions == REGIONS_MAX)
			break;
		rc = uk_vm_allocate(a0, a1);
		if (rc > 0) {
			if (a0 > (64u << 20))
				fail("vm_allocate of a huge size", (long)a0,
				     rc);
			remember_region((uint64_t)rc, (a0 + 4095) & ~4095ull);
		}
		break;
	}
	case 18:
		if (n_regions && chance(70)) {
			unsigned k = (unsigned)below(n_regions);
			a1 = chance(80) ? regions[k].size
					: pick_size(regions[k].size);
			rc = uk_vm_free(regions[k].addr, a1);
			if (rc == 0)
				forget_region(k);
		} else {
			rc = uk_vm_free(bad_pointer(), pick_size(4096));
			if (rc == 0)
				fail("vm_free of a bad pointer", 0, rc);
		}
		if (rc > 0)
			fail("vm_free", 0, rc);
		break;
	case 22: {
		/* Badges: only a receive right mints, never badge 0, and the
		 * new name holds exactly a send right with that badge. */
		struct uk_port_info mi;
		a0 = chance(60) ? pick_holding(UK_RIGHT_RECEIVE) : pick_name64();
		a1 = chance(10) ? 0 : chance(50) ? below(4) + 1 : rng();
		rc = uk_port_mint(a0, a1);
		if (rc > 0) {
			if (a1 == 0 || uk_port_info((uk_name_t)rc, &mi) < 0 ||
			    !(mi.rights & UK_RIGHT_SEND) || mi.badge != a1 ||
			    (uk_name_t)rc == a0)
				fail("port_mint made a wrong right", (long)a1, rc);
			else
				remember_name((uk_name_t)rc);
		} else if (rc == 0) {
			fail("port_mint", (long)a1, rc);
		}
		break;
	}
	case 23: {
		/* Delegable badges: bits 1..32, a nonzero badge with those
		 * bits clear, from a receive right only. */
		struct uk_port_info mi;
		a0 = chance(60) ? pick_holding(UK_RIGHT_RECEIVE) : pick_name64();
		a2 = chance(80) ? below(34) : rng();
		a1 = chance(10) ? 0 : chance(70) && a2 < 64 ? rng() << a2 : rng();
		rc = uk_port_mint_delegable(a0, a1, a2);
		if (rc > 0) {
			if (a2 < 1 || a2 > 32 || a1 == 0 || a1 & ((1ull << a2) - 1) ||
			    uk_port_info((uk_name_t)rc, &mi) < 0 ||
			    mi.rights != UK_RIGHT_SEND || mi.badge != a1 ||
			    mi.badge_bits != a2)
				fail("port_mint_delegable made a wrong right",
				     (long)a2, rc);
			else
				remember_name((uk_name_t)rc);
		} else if (rc == 0) {
			fail("port_mint_delegable", (long)a2, rc);
		}
		break;
	}
	case 24: {
		/* Deriving: only from a delegable right, 0 < sub < 2^bits,
		 * and the result is an ordinary right with badge | sub. */
		struct uk_port_info si, di;
		a0 = chance(80) ? pick_holding(UK_RIGHT_SEND) : pick_name64();
		a1 = chance(60) ? below(8) : chance(50) ? 1ull << below(34) : rng();
		if (uk_port_info(a0, &si) < 0)
			memset(&si, 0, sizeof(si));
		rc = uk_port_derive(a0, a1);
		if (rc > 0) {
			if (!si.badge_bits || a1 == 0 || a1 >> si.badge_bits ||
			    uk_port_info((uk_name_t)rc, &di) < 0 ||
			    di.rights != UK_RIGHT_SEND || di.badge_bits != 0 ||
			    di.badge != (si.badge | a1))
				fail("port_derive made a wrong right", (long)a1, rc);
			else
				remember_name((uk_name_t)rc);
		} else if (rc == 0) {
			fail("port_derive", (long)a1, rc);
		}
		break;
	}
	default: {
		a0 = chance(90) ? below(5) : rng();
		a1 = pick_out_pointer();
		a2 = chance(70) ? below(sizeof(struct uk_kinfo_cpu) * 2)
				: pick_size(64);
		if (a1 >= (uint64_t)scratch &&
		    a1 < (uint64_t)scratch + sizeof(scratch) && a2 > 4096)
			a2 = 4096; /* never write past the scratch area */
		rc = uk_kinfo(a0, (void *)a1, a2);
		if (rc > 0 && a0 != UK_KINFO_MEMORY && a0 != UK_KINFO_TASKS &&
		    a0 != UK_KINFO_CPU && a0 != UK_KINFO_TASK)
			fail("kinfo", (long)a0, rc);
		break;
	}
	}
}

/* Move names that no longer denote anything to the stale list. */
static void prune(void)
{
	struct uk_port_info info;

	for (unsigned i = 0; i < n_names;) {
		if (uk_port_info(names[i], &info) == -ERR_BAD_NAME) {
			stale[n_stale < STALE_MAX ? n_stale++
						  : below(STALE_MAX)] =
			    names[i];
			names[i] = names[--n_names];
		} else {
			i++;
		}
	}
}

/* Receive everything queued on the names held, so queues do not pile up. */
static void drain(void)
{
	for (unsigned i = 0; i < n_names; i++)
		for (int k = 0; k < 64; k++) {
			long rc = uk_ipc_receive(
			    names[i], (struct uk_msg_header *)scratch,
			    UK_MSG_SIZE_MAX, 0);
			if (rc <= 0)
				break;
			received((uint64_t)scratch, rc);
		}
}

/* Release every right and region the run made. */
static void release_all(void)
{
	drain();
	for (unsigned i = 0; i < n_names; i++)
		release_name(names[i]);
	/* Destroying ports destroyed messages; nothing new can arrive. */
	for (unsigned i = 0; i < n_names; i++) {
		struct uk_port_info info;
		long rc = uk_port_info(names[i], &info);
		if (rc != -ERR_BAD_NAME) {
			printf("fuzz: name %llx still holds rights %x after "
			       "release\n",
			       (unsigned long long)names[i], info.rights);
			failures++;
		}
	}
	while (n_regions) {
		n_regions--;
		uk_vm_free(regions[n_regions].addr, regions[n_regions].size);
	}
	/* ipc_call keeps a reply port per thread; a call that times out
	 * waiting drops it. */
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (p > 0 &&
	    uk_port_insert_right((uint64_t)p, UK_DISP_MAKE_SEND) == p) {
		struct uk_msg_header h = {.size = sizeof(h),
					  .dest = (uk_name_t)p};
		for (int i = 0; i < 4; i++)
			if (uk_ipc_call(&h, sizeof(h),
					(struct uk_msg_header *)scratch,
					UK_MSG_SIZE_MAX, 0) == -ERR_TIMED_OUT)
				break;
		uk_port_destroy((uint64_t)p);
		uk_port_deallocate((uint64_t)p);
	}
}

static uint64_t parse_number(const char *s)
{
	uint64_t v = 0;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	return v;
}

/* A fresh page whose next page is not mapped: no region starts there,
 * and in the vm_allocate range only regions are mapped. */
static uint64_t page_before_hole(void)
{
	for (int i = 0; i < 8; i++) {
		long a = uk_vm_allocate(4096, UK_VM_READ | UK_VM_WRITE);
		if (a <= 0)
			return 0;
		if (!region_at((uint64_t)a + 4096))
			return (uint64_t)a;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? parse_number(argv[1]) : 20000;
	struct uk_kinfo_memory before, after;
	struct uk_kinfo_account account_before, account_after;

	seed = argc > 2 ? parse_number(argv[2]) : rdtsc();
	if (!n)
		n = 20000;
	if (!seed)
		seed = 0x9e3779b97f4a7c15ull;
	rng_state = seed;
	prio_state = seed ^ 0x5bd1e995u;
	/* Drop the bootstrap right: a message to the name server would make
	 * another task use memory, which blurs the leak check, and the
	 * fuzzer is about the kernel alone. */
	if (uk_startup_info->n_rights > UK_STARTUP_BOOTSTRAP &&
	    uk_startup_info->rights[UK_STARTUP_BOOTSTRAP])
		uk_port_deallocate(uk_startup_info->rights[UK_STARTUP_BOOTSTRAP]);
	printf("fuzz: seed 0x%lx, %lu calls (repeat: test=fuzz:%lu,0x%lx)\n",
	       seed, n, n, seed);
	hole_page = page_before_hole();
	struct uk_kinfo_task me = { .id = uk_startup_info->self };
	if (uk_kinfo(UK_KINFO_TASK, &me, sizeof(me)) == sizeof(me))
		self_mcp = me.mcp;
	if (uk_kinfo(UK_KINFO_MEMORY, &before, sizeof(before)) !=
		    sizeof(before) ||
	    uk_kinfo(UK_KINFO_ACCOUNT, &account_before, sizeof(account_before)) !=
		    sizeof(account_before)) {
		printf("fuzz: kinfo failed\n");
		return 1;
	}
	uint64_t start = (uint64_t)uk_clock();
	/* The hardware roots die early to the random deallocations below,
	 * so the capability calls get a phase of their own first. */
	for (uint64_t i = 0; i < n / 20 && i < 5000; i++)
		fuzz_hardware();
	for (calls = 0; calls < n; calls++) {
		fuzz_one();
		if (calls % 100 == 99)
			fuzz_priorities();
		if (calls % 1000 == 999)
			drain();
		if (calls % 200 == 199)
			prune();
		if (calls % 5000 == 4999)
			printf("fuzz: %lu calls, %lu names, %u regions\n",
			       calls + 1, (uint64_t)n_names, n_regions);
	}
	release_all();
	uk_sleep(20 * MS); /* threads below our priority run, end and go */
	uk_kinfo(UK_KINFO_MEMORY, &after, sizeof(after));
	uk_kinfo(UK_KINFO_ACCOUNT, &account_after, sizeof(account_after));
	uint64_t ms = ((uint64_t)uk_clock() - start) / MS;
	printf("fuzz:");
	for (unsigned i = 0; i < OUTCOMES; i++)
		printf(" %s %lu%s", outcome_name[i], outcomes[i],
		       i + 1 < OUTCOMES ? "," : "\n");
	printf("fuzz: kernel objects %lu -> %lu, free frames %lu -> %lu, "
	       "account %lu -> %lu of %lu bytes (peak %lu)\n",
	       before.kobjects_in_use, after.kobjects_in_use,
	       before.frames_free, after.frames_free, account_before.used,
	       account_after.used, account_after.limit, account_after.peak);
	/* Objects must all be back; frames too, but for what the task keeps
	 * until it ends (FRAMES_KEPT). Fewer objects is fine: the run may
	 * have given away the hardware capabilities it started with. */
	if (after.kobjects_in_use > before.kobjects_in_use) {
		printf("fuzz: FAIL %lu kernel objects leaked\n",
		       after.kobjects_in_use - before.kobjects_in_use);
		failures++;
	}
	if (after.frames_free + FRAMES_KEPT + page_tables_kept < before.frames_free) {
		printf("fuzz: FAIL %lu frames leaked\n",
		       before.frames_free - after.frames_free);
		failures++;
	}
	/* Every charge goes with what it paid for: the same bound. */
	if (account_after.used >
	    account_before.used + (FRAMES_KEPT + page_tables_kept) * UK_PAGE_SIZE) {
		printf("fuzz: FAIL %lu bytes still charged to the account\n",
		       account_after.used - account_before.used);
		failures++;
	}
	printf("fuzz: %lu passed, %lu failed (%lu ms)\n", n - failures,
	       failures, ms);
	if (failures)
		printf("fuzz: repeat with test=fuzz:%lu,0x%lx\n", n, seed);
	printf("fuzz: done %lu calls, seed 0x%lx\n", n, seed);
	return failures != 0;
}
