/* SPDX-License-Identifier: MIT */
/*
 * Windows onto memory objects (uk/ipc.h, "Pagers"; docs/MEMORY.md): this
 * task is the pager, `ipcpeer window` the mapper. Pages come from the
 * pager with the right bytes; a refusal, a silent pager, a pager whose
 * port dies and a read-only window written to each end the mapper alone,
 * with the reason in its exit code; a lying pager's supplies are refused
 * without effect.
 */
#include <string.h>

#include "ipc_util.h"

enum policy {
	SUPPLY,	 /* each page as asked */
	REFUSE,	 /* pager_error(ERR_IO) */
	SILENT,	 /* take the request, never answer */
	DIE,	 /* take the request, destroy the port */
	LIE,	 /* wrong answers first, then the right one twice */
};

struct pager_run {
	uk_name_t port;
	uint64_t badge;
	unsigned requests, writes;
	uint64_t last_object, last_offset;
	unsigned returned;  /* pages that came back (returns) */
	unsigned kill_after; /* kill the mapper once it had this many pages */
	uint8_t first[16];  /* the first byte of each returned page (< 16) */
};

static union ipc_buf req;

/* A return in req: counted, its pages' first bytes kept, freed. */
static void take_return(struct pager_run *p)
{
	const struct uk_pager_return *r = (const struct uk_pager_return *)&req;

	EXPECT(r->header.flags & UK_MSG_KERNEL);
	EXPECT_EQ(r->header.badge, p->badge);
	EXPECT_EQ(r->data.size, r->length);
	for (uint64_t at = 0; at < r->data.size; at += 4096) {
		uint64_t page = (r->offset + at) / 4096;
		if (page < sizeof(p->first))
			p->first[page] = ((const uint8_t *)r->data.address)[at];
	}
	p->returned += r->length / 4096;
	if (r->data.size)
		uk_vm_free(r->data.address, r->data.size);
}

static uint8_t page[4096] __attribute__((aligned(4096)));

static void fill(uint64_t off)
{
	for (unsigned j = 0; j < sizeof(page); j++)
		page[j] = ipcpeer_window_byte(off + j);
}

/* The lies a pager may tell about request r: each refused, none changes
 * anything (the mapper then reads every byte right). */
static void lie(struct pager_run *p, const struct uk_pager_request *r)
{
	fill(r->offset);
	EXPECT_ERR(uk_pager_supply(p->port, r->object + 1000, r->offset,
				   (uint64_t)page, 4096),
		   ERR_NOT_FOUND);
	EXPECT_ERR(uk_pager_supply(p->port, r->object, r->offset + 1,
				   (uint64_t)page, 4096),
		   ERR_INVALID);
	EXPECT_ERR(uk_pager_supply(p->port, r->object, r->offset,
				   (uint64_t)page, 100),
		   ERR_INVALID);
	EXPECT_ERR(uk_pager_supply(p->port, r->object, r->offset,
				   (uint64_t)page, 0),
		   ERR_INVALID);
	EXPECT_ERR(uk_pager_supply(p->port, r->object, 1ull << 40,
				   (uint64_t)page, 4096),
		   ERR_INVALID);
	EXPECT_ERR(uk_pager_supply(p->port, r->object, r->offset,
				   (uint64_t)page, 1ull << 30),
		   ERR_INVALID);
	EXPECT_ERR(uk_pager_supply(p->port, r->object, r->offset,
				   0xffff800000000000ull, 4096),
		   ERR_FAULT);
	EXPECT_ERR(uk_pager_error(p->port, r->object, r->offset + 4096, ERR_IO),
		   ERR_NOT_FOUND);
	EXPECT_ERR(uk_pager_error(p->port, r->object, r->offset, 0),
		   ERR_INVALID);
	EXPECT_ERR(uk_pager_error(p->port, r->object, r->offset, 100000),
		   ERR_INVALID);
	/* The wrong bytes first would be a lie too, but not one the kernel
	 * can see: then the right page, and the same answer again. */
	EXPECT_EQ(uk_pager_supply(p->port, r->object, r->offset,
				  (uint64_t)page, 4096),
		  1);
	EXPECT_EQ(uk_pager_supply(p->port, r->object, r->offset,
				  (uint64_t)page, 4096),
		  0);
}

/* Serve the window of child with policy until the child ends (deadline
 * 20 s); returns its exit status. */
static struct uk_exit_status serve(struct pager_run *p, long child,
				   enum policy pol)
{
	struct uk_exit_status st;
	uint64_t end = (uint64_t)uk_clock() + 20 * SECOND;
	bool port_gone = false;

	memset(&st, 0, sizeof(st));
	if (child <= 0) {
		ktest_fail(__FILE__, __LINE__, "start ipcpeer window: %s",
			   err_name(child));
		return st;
	}
	for (;;) {
		if (wait_task((uint64_t)child, &st, port_gone ? 20 * MS : 0ull) >= 0)
			return st;
		if ((uint64_t)uk_clock() > end) {
			ktest_fail(__FILE__, __LINE__, "the mapper did not end");
			return peer_stop(child);
		}
		if (port_gone)
			continue;
		long rc = msg_receive(p->port, &req, 20 * MS);
		if (rc == -ERR_TIMED_OUT)
			continue;
		if (rc < 0) {
			ktest_fail(__FILE__, __LINE__, "receive: %s",
				   err_name(rc));
			return peer_stop(child);
		}
		const struct uk_pager_request *r =
		    (const struct uk_pager_request *)&req;
		if (r->header.id == UK_MSG_ID_PAGER_RETURN) {
			take_return(p); /* the mapper ended with pages written */
			continue;
		}
		EXPECT_EQ(r->header.id, UK_MSG_ID_PAGER_REQUEST);
		EXPECT_EQ(r->header.size, sizeof(*r));
		EXPECT(r->header.flags & UK_MSG_KERNEL);
		EXPECT_EQ(r->header.badge, p->badge);
		EXPECT_EQ(r->header.sender, 0);
		EXPECT_EQ(r->length, 4096);
		EXPECT_EQ(r->offset % 4096, 0);
		p->requests++;
		p->writes += r->access == UK_VM_WRITE;
		p->last_object = r->object;
		p->last_offset = r->offset;
		switch (pol) {
		case SUPPLY:
			fill(r->offset);
			EXPECT_EQ(uk_pager_supply(p->port, r->object, r->offset,
						  (uint64_t)page, 4096),
				  1);
			if (p->kill_after && p->requests == p->kill_after) {
				uk_sleep(50 * MS); /* it writes the last page */
				EXPECT_EQ(uk_task_kill((uint64_t)child), 0);
			}
			break;
		case REFUSE:
			EXPECT_EQ(uk_pager_error(p->port, r->object, r->offset,
						 ERR_IO),
				  0);
			break;
		case SILENT:
			break;
		case DIE:
			EXPECT_EQ(uk_port_destroy(p->port), 0);
			port_gone = true;
			break;
		case LIE:
		default:
			lie(p, r);
			break;
		}
	}
}

/* A memory object port with a badged send right for the mapper; runs
 * `ipcpeer window PAGES DEADLINE_MS HOW` on it and serves it. */
static struct uk_exit_status window(struct pager_run *p, const char *pages,
				    const char *deadline_ms, const char *how,
				    enum policy pol)
{
	memset(p, 0, sizeof(*p));
	p->port = port_new();
	p->badge = 0x9a6e;
	long right = uk_port_mint(p->port, p->badge);
	EXPECT(right > 0);
	struct uk_task_right r = {(uk_name_t)right, UK_DISP_MOVE_SEND};
	const char *argv[] = {"ipcpeer", "window", pages, deadline_ms, how,
			      NULL};
	if (!strcmp(how, "write-hold"))
		p->kill_after = (unsigned)strtoul(pages, NULL, 10);
	return serve(p, peer_start_argv(argv, &r, 1), pol);
}

DEFINE_TEST(PGR0001, window_pages_come_from_the_pager)
{
	struct pager_run p;
	struct uk_exit_status st = window(&p, "8", "0", "read", SUPPLY);

	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	EXPECT_EQ(p.requests, 8); /* one per page, none twice */
	EXPECT_EQ(p.writes, 0);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0002, a_write_fault_asks_for_write_access)
{
	struct pager_run p;
	struct uk_exit_status st = window(&p, "4", "0", "write", SUPPLY);

	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	EXPECT_EQ(p.requests, 4);
	EXPECT_EQ(p.writes, 4);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0003, a_refused_page_ends_the_mapper_alone)
{
	struct pager_run p;
	struct uk_exit_status st = window(&p, "4", "0", "read", REFUSE);

	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 14);
	EXPECT_EQ(st.code, -ERR_IO);
	EXPECT_EQ(p.requests, 1);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0004, a_silent_pager_ends_the_fault_at_its_deadline)
{
	struct pager_run p;
	uint64_t t0 = (uint64_t)uk_clock();
	struct uk_exit_status st = window(&p, "4", "50", "read", SILENT);
	uint64_t took = (uint64_t)uk_clock() - t0;

	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 14);
	EXPECT_EQ(st.code, -ERR_TIMED_OUT);
	EXPECT_EQ(p.requests, 1);
	EXPECT(took < 5 * SECOND);
	/* The answer that comes too late finds no window. */
	fill(p.last_offset);
	long rc = uk_pager_supply(p.port, p.last_object, p.last_offset,
				  (uint64_t)page, 4096);
	EXPECT(rc == -ERR_NOT_FOUND || rc == -ERR_DEAD);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0005, a_pager_that_dies_mid_fault_ends_the_mapper)
{
	struct pager_run p;
	struct uk_exit_status st = window(&p, "4", "5000", "read", DIE);

	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 14);
	EXPECT_EQ(st.code, -ERR_DEAD);
	EXPECT_EQ(p.requests, 1);
}

DEFINE_TEST(PGR0006, a_lying_pager_is_refused_without_effect)
{
	struct pager_run p;
	struct uk_exit_status st = window(&p, "3", "0", "read", LIE);

	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	EXPECT_EQ(p.requests, 3);
	/* Only the receiver may answer: a send right is not enough. */
	long right = uk_port_mint(p.port, 5);
	EXPECT(right > 0);
	fill(0);
	EXPECT_ERR(uk_pager_supply((uint64_t)right, p.last_object, 0,
				   (uint64_t)page, 4096),
		   ERR_RIGHTS);
	EXPECT_ERR(uk_pager_error((uint64_t)right, p.last_object, 0, ERR_IO),
		   ERR_RIGHTS);
	uk_port_deallocate((uk_name_t)right);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0007, writing_a_read_only_window_faults_without_a_request)
{
	struct pager_run p;
	struct uk_exit_status st = window(&p, "2", "0", "ro-write", SUPPLY);

	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 14);
	EXPECT_EQ(st.code, -1); /* the task's own fault, no pager's error */
	EXPECT_EQ(p.requests, 0);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0008, vm_map_object_checks_its_arguments)
{
	uk_name_t port = port_new_send(1);
	uk_name_t recv_only = port_new();

	EXPECT_ERR(uk_vm_map_object(0, 0, 4096, UK_VM_READ, 0), ERR_BAD_NAME);
	EXPECT_ERR(uk_vm_map_object(recv_only, 0, 4096, UK_VM_READ, 0),
		   ERR_RIGHTS);
	EXPECT_ERR(uk_vm_map_object(port, 0, 4096, UK_VM_EXEC, 0),
		   ERR_INVALID);
	EXPECT_ERR(uk_vm_map_object(port, 100, 4096, UK_VM_READ, 0),
		   ERR_INVALID);
	EXPECT_ERR(uk_vm_map_object(port, 0, 0, UK_VM_READ, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_map_object(port, ~0ull & ~4095ull, 8192, UK_VM_READ,
				    0),
		   ERR_INVALID);
	EXPECT_ERR(uk_vm_map_object(port, 0, 4096, UK_VM_READ,
				    UK_PAGER_DEADLINE_MAX_NS + 1),
		   ERR_INVALID);
	/* A window maps and unmaps without a fault; no request is sent. */
	long addr = uk_vm_map_object(port, 8192, 3 * 4096,
				     UK_VM_READ | UK_VM_WRITE, 0);
	EXPECT(addr > 0);
	EXPECT_EQ(uk_vm_free((uint64_t)addr, 3 * 4096), 0);
	EXPECT_ERR(msg_receive(port, &req, 0), ERR_TIMED_OUT);
	/* At most UK_WINDOWS_MAX at once, and the count comes back. */
	static long windows[UK_WINDOWS_MAX];
	for (unsigned i = 0; i < UK_WINDOWS_MAX; i++) {
		windows[i] = uk_vm_map_object(port, 0, 4096, UK_VM_READ, 0);
		EXPECT(windows[i] > 0);
	}
	EXPECT_ERR(uk_vm_map_object(port, 0, 4096, UK_VM_READ, 0), ERR_LIMIT);
	for (unsigned i = 0; i < UK_WINDOWS_MAX; i++)
		if (windows[i] > 0)
			EXPECT_EQ(uk_vm_free((uint64_t)windows[i], 4096), 0);
	addr = uk_vm_map_object(port, 0, 4096, UK_VM_READ, 0);
	EXPECT(addr > 0);
	EXPECT_EQ(uk_vm_free((uint64_t)addr, 4096), 0);
	uk_port_destroy(port);
	uk_port_destroy(recv_only);
}

/* ---- demand-zero memory (UK_VM_LAZY) ---- */

static uint64_t used_now(void)
{
	struct uk_kinfo_account a;

	memset(&a, 0, sizeof(a));
	EXPECT_EQ(uk_kinfo(UK_KINFO_ACCOUNT, &a, sizeof(a)), sizeof(a));
	return a.used;
}

DEFINE_TEST(LAZY0001, demand_zero_pages_are_charged_on_first_touch)
{
	/* Larger than this node's memory: only touched pages are real. */
	uint64_t size = 1ull << 30, before = used_now();
	long a = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);

	EXPECT(a > 0);
	if (a <= 0)
		return;
	volatile uint64_t *m = (volatile uint64_t *)a;
	EXPECT(used_now() - before < 16 * 1024);
	for (uint64_t i = 0; i < 16; i++)
		m[i * 512 * 1024] = i + 1; /* one page every 4 MiB */
	uint64_t touched = used_now() - before;
	EXPECT(touched >= 16 * 4096);
	/* Page tables too (one table per 2 MiB touched, and above). */
	EXPECT(touched < 16 * 4096 + 24 * 4096);
	for (uint64_t i = 0; i < 16; i++) {
		EXPECT_EQ(m[i * 512 * 1024], i + 1);
		EXPECT_EQ(m[i * 512 * 1024 + 1], 0);
	}
	EXPECT_EQ(m[3 * 512 * 1024 + 100000], 0); /* untouched reads zero */
	EXPECT_ERR(uk_vm_allocate(4096, UK_VM_READ | UK_VM_EXEC | 0x10),
		   ERR_INVALID);
	EXPECT_EQ(uk_vm_free((uint64_t)a, size), 0);
	/* The frames go back; page tables stay until the task ends. */
	EXPECT(used_now() - before <= touched - 16 * 4096);
}

DEFINE_TEST(LAZY0002, the_kernel_fills_demand_zero_pages_it_copies_into)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	long a = uk_vm_allocate(64 * 1024, UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);
	long b = uk_vm_allocate(64 * 1024, UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);

	EXPECT(a > 0 && b > 0 && peer > 0);
	if (a <= 0 || b <= 0 || peer <= 0)
		return;
	/* A reply copied by the peer's thread into our untouched page (the
	 * kernel's copy into another task). */
	long rc = peer_call(svc, IPCPEER_ECHO, NULL, 0, "lazy", 4,
			    (union ipc_buf *)a);
	EXPECT_EQ(rc, sizeof(struct uk_msg_header) + 4);
	EXPECT(memcmp(msg_body((struct uk_msg_header *)a), "lazy", 4) == 0);
	/* A message received by this task into an untouched page (the
	 * kernel's copy through our own page tables). */
	uk_name_t self = port_new_send(1);
	EXPECT(msg_send_id(self, 0x77, 0) >= 0);
	EXPECT_EQ(uk_ipc_receive(self, (struct uk_msg_header *)(b + 8192),
				 4096, 0),
		  sizeof(struct uk_msg_header));
	EXPECT_EQ(((struct uk_msg_header *)(b + 8192))->id, 0x77);
	uk_port_destroy(self);
	peer_stop(peer);
	uk_port_deallocate(svc);
	EXPECT_EQ(uk_vm_free((uint64_t)a, 64 * 1024), 0);
	EXPECT_EQ(uk_vm_free((uint64_t)b, 64 * 1024), 0);
}

DEFINE_TEST(LAZY0003, touching_past_the_quota_ends_only_that_task)
{
	const char *argv[] = {"hostile", "lazy-overrun", NULL};
	long id = spawn_image_quota(hostile_image, HOSTILE_SIZE, "hostile",
				    argv, UK_PRIORITY_DEFAULT,
				    SPAWN_MCP_INHERIT, 1024 * 1024, NULL, 0);
	struct uk_exit_status st;

	EXPECT(id > 0);
	if (id <= 0)
		return;
	memset(&st, 0, sizeof(st));
	EXPECT(wait_task((uint64_t)id, &st, 10 * SECOND) >= 0);
	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 14);
	EXPECT_EQ(st.code, -ERR_LIMIT);
}

DEFINE_TEST(LAZY0004, a_demand_zero_region_moves_out_of_line_whole)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	long a = uk_vm_allocate(4 * 4096, UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);
	static union ipc_buf m, r;

	EXPECT(a > 0 && peer > 0);
	if (a <= 0 || peer <= 0)
		return;
	((volatile uint8_t *)a)[4096 + 7] = 9; /* one page of four touched */
	memset(&m.h, 0, sizeof(m.h));
	m.h.size = sizeof(m.h) + sizeof(struct uk_msg_ool);
	m.h.id = IPCPEER_OOL_BOUNCE;
	m.h.dest = svc;
	m.h.n_ool = 1;
	struct uk_msg_ool *o = (struct uk_msg_ool *)(&m.h + 1);
	*o = (struct uk_msg_ool){(uint64_t)a, 4 * 4096, UK_OOL_MOVE, 0};
	EXPECT_EQ(uk_ipc_call(&m.h, m.h.size, &r.h, sizeof(r), 5 * SECOND),
		  sizeof(struct uk_msg_header) + sizeof(struct uk_msg_ool) +
		      sizeof(struct ipcpeer_ool));
	const struct ipcpeer_ool *seen =
	    (const struct ipcpeer_ool *)((struct uk_msg_ool *)(&r.h + 1) + 1);
	EXPECT_EQ(seen->size, 4 * 4096);
	EXPECT_EQ(seen->sum, 9); /* the untouched pages came as zeros */
	struct uk_msg_ool *back = (struct uk_msg_ool *)(&r.h + 1);
	if (r.h.n_ool == 1) {
		EXPECT_EQ(((volatile uint8_t *)back->address)[4096 + 7], 9);
		EXPECT_EQ(uk_vm_free(back->address, back->size), 0);
	}
	peer_stop(peer);
	uk_port_deallocate(svc);
}

DEFINE_TEST(LAZY0005, freeing_a_huge_sparse_region_costs_what_was_touched)
{
	/* 64 TiB of address space, two pages touched: vm_free must not walk
	 * 2^34 pages in a kernel that cannot be preempted. */
	uint64_t size = 64ull << 40;
	long a = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);

	EXPECT(a > 0);
	if (a <= 0)
		return;
	((volatile uint8_t *)a)[0] = 1;
	((volatile uint8_t *)a)[size - 1] = 2;
	uint64_t t0 = (uint64_t)uk_clock();
	EXPECT_EQ(uk_vm_free((uint64_t)a, size), 0);
	EXPECT((uint64_t)uk_clock() - t0 < SECOND / 10);
}

/* ---- page-out (uk/ipc.h, "Page-out"): this task maps a window of its
 * own port; a thread of it is the pager, with a backing store that
 * returns update, so a page evicted and touched again comes back with
 * what was written. ---- */

#define STORE_PAGES 8
#define RETURNS_MAX 16

static struct {
	uk_name_t port;
	volatile int stop, stalled;
	volatile unsigned requests, returns, returned_pages, lost;
	volatile uint64_t object; /* the window's id, from a request */
	struct {
		uint64_t offset, length;
		uint32_t flags;
		uint8_t first; /* the first byte of the data */
	} ret[RETURNS_MAX];
	uint8_t store[STORE_PAGES * 4096];
} pg;
static union ipc_buf pg_msg;

static void pager_thread(struct bg *b)
{
	while (!pg.stop) {
		if (pg.stalled) {
			uk_sleep(MS);
			continue;
		}
		long rc = msg_receive(pg.port, &pg_msg, 10 * MS);
		if (rc < 0)
			continue;
		const struct uk_msg_header *h = &pg_msg.h;
		if (h->id == UK_MSG_ID_PAGER_REQUEST) {
			const struct uk_pager_request *r = (const void *)h;
			pg.requests++;
			pg.object = r->object;
			if (r->offset < sizeof(pg.store))
				uk_pager_supply(pg.port, r->object, r->offset,
						(uint64_t)&pg.store[r->offset],
						4096);
			continue;
		}
		if (h->id != UK_MSG_ID_PAGER_RETURN || !(h->flags & UK_MSG_KERNEL) ||
		    h->size != sizeof(struct uk_pager_return)) {
			pg.lost++;
			continue;
		}
		const struct uk_pager_return *r = (const void *)h;
		const uint8_t *data = (const uint8_t *)r->data.address;
		if (r->data.size != r->length || !data ||
		    r->offset + r->length > sizeof(pg.store)) {
			pg.lost++;
		} else {
			memcpy(&pg.store[r->offset], data, r->length);
			if (pg.returns < RETURNS_MAX) {
				pg.ret[pg.returns].offset = r->offset;
				pg.ret[pg.returns].length = r->length;
				pg.ret[pg.returns].flags = r->flags;
				pg.ret[pg.returns].first = data[0];
			}
		}
		if (r->data.size)
			uk_vm_free(r->data.address, r->data.size);
		pg.returned_pages += r->length / 4096;
		pg.returns++;
	}
	b->rc = 0;
}

static struct bg pg_bg;

/* A window of STORE_PAGES pages on a new port served by pager_thread;
 * returns its address (0 on failure). */
static volatile uint8_t *pager_start(uint64_t deadline_ns)
{
	memset(&pg, 0, sizeof(pg));
	for (unsigned i = 0; i < sizeof(pg.store); i++)
		pg.store[i] = ipcpeer_window_byte(i);
	pg.port = port_new_send(1);
	long addr = uk_vm_map_object(pg.port, 0, sizeof(pg.store),
				     UK_VM_READ | UK_VM_WRITE, deadline_ns);
	EXPECT(addr > 0);
	bg_start(&pg_bg, pager_thread);
	return addr > 0 ? (volatile uint8_t *)addr : NULL;
}

static void pager_end(volatile uint8_t *w)
{
	pg.stop = 1;
	EXPECT(bg_wait(&pg_bg, 5 * SECOND));
	if (w)
		EXPECT_EQ(uk_vm_free((uint64_t)w, sizeof(pg.store)), 0);
	uk_port_destroy(pg.port);
}

/* Wait (at most 5 s) until the pager has seen n returns. */
static void returns_seen(unsigned n)
{
	uint64_t end = (uint64_t)uk_clock() + 5 * SECOND;

	while (pg.returns < n && (uint64_t)uk_clock() < end)
		uk_sleep(MS);
	EXPECT_EQ(pg.returns, n);
}

static void touch_all(volatile uint8_t *w)
{
	for (unsigned p = 0; p < STORE_PAGES; p++)
		EXPECT_EQ(w[p * 4096 + 9], ipcpeer_window_byte(p * 4096 + 9));
}

DEFINE_TEST(PGR0009, vm_sync_returns_exactly_the_written_pages)
{
	volatile uint8_t *w = pager_start(0);

	if (!w)
		return;
	touch_all(w);
	EXPECT_EQ(pg.requests, STORE_PAGES);
	/* Nothing written yet: nothing to return. */
	EXPECT_EQ(uk_vm_sync((uint64_t)w, sizeof(pg.store), 0), 0);
	w[1 * 4096] = 0xa1;
	w[2 * 4096] = 0xa2;
	w[5 * 4096] = 0xa5;
	EXPECT_EQ(uk_vm_sync((uint64_t)w, sizeof(pg.store), 0), 3);
	returns_seen(2); /* two runs: pages 1-2 and page 5 */
	EXPECT_EQ(pg.ret[0].offset, 4096);
	EXPECT_EQ(pg.ret[0].length, 8192);
	EXPECT_EQ(pg.ret[0].flags, UK_PAGER_RETURN_DIRTY);
	EXPECT_EQ(pg.ret[0].first, 0xa1);
	EXPECT_EQ(pg.ret[1].offset, 5 * 4096);
	EXPECT_EQ(pg.ret[1].length, 4096);
	EXPECT_EQ(pg.ret[1].first, 0xa5);
	EXPECT_EQ(pg.store[2 * 4096], 0xa2);
	EXPECT_EQ(pg.lost, 0);
	/* The pages stayed, clean: no new request, nothing more to return
	 * until written again. */
	EXPECT_EQ(w[2 * 4096], 0xa2);
	EXPECT_EQ(uk_vm_sync((uint64_t)w, sizeof(pg.store), 0), 0);
	w[2 * 4096 + 100] = 0xb2;
	EXPECT_EQ(uk_vm_sync((uint64_t)w + 2 * 4096, 4096, 0), 1);
	returns_seen(3);
	EXPECT_EQ(pg.store[2 * 4096 + 100], 0xb2);
	EXPECT_EQ(pg.requests, STORE_PAGES);
	pager_end(w);
}

DEFINE_TEST(PGR0010, evicted_pages_come_back_from_the_pager_as_written)
{
	volatile uint8_t *w = pager_start(0);

	if (!w)
		return;
	touch_all(w);
	w[0] = 0xe0;
	w[3 * 4096 + 5] = 0xe3;
	uint64_t before = used_now();
	EXPECT_EQ(uk_vm_sync((uint64_t)w, sizeof(pg.store), UK_VM_SYNC_EVICT), 2);
	returns_seen(2);
	EXPECT_EQ(pg.ret[0].flags, UK_PAGER_RETURN_DIRTY | UK_PAGER_RETURN_EVICTED);
	/* Every page left the window (the pager holds what was returned). */
	EXPECT(used_now() <= before - (STORE_PAGES - 2) * 4096);
	unsigned asked = pg.requests;
	EXPECT_EQ(w[0], 0xe0);
	EXPECT_EQ(w[3 * 4096 + 5], 0xe3);
	EXPECT_EQ(w[6 * 4096 + 1], ipcpeer_window_byte(6 * 4096 + 1));
	EXPECT_EQ(pg.requests, asked + 3);
	/* Clean pages evicted are not returned. */
	EXPECT_EQ(uk_vm_sync((uint64_t)w, sizeof(pg.store), UK_VM_SYNC_EVICT), 0);
	EXPECT_EQ(pg.returns, 2);
	pager_end(w);
}

DEFINE_TEST(PGR0011, the_kernels_own_writes_into_a_window_make_it_dirty)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	volatile uint8_t *w = pager_start(0);

	EXPECT(peer > 0);
	if (!w || peer <= 0)
		return;
	touch_all(w);
	/* The peer's thread copies its reply into page 4 through the
	 * kernel's mapping of the frame, not this task's page tables. */
	long rc = peer_call(svc, IPCPEER_ECHO, NULL, 0, "dirty", 5,
			    (union ipc_buf *)(w + 4 * 4096));
	EXPECT_EQ(rc, sizeof(struct uk_msg_header) + 5);
	EXPECT_EQ(uk_vm_sync((uint64_t)w, sizeof(pg.store), 0), 1);
	returns_seen(1);
	EXPECT_EQ(pg.ret[0].offset, 4 * 4096);
	EXPECT(memcmp(&pg.store[4 * 4096 + sizeof(struct uk_msg_header)],
		      "dirty", 5) == 0);
	peer_stop(peer);
	uk_port_deallocate(svc);
	pager_end(w);
}

DEFINE_TEST(PGR0012, vm_sync_checks_its_arguments)
{
	volatile uint8_t *w = pager_start(0);
	long anon = uk_vm_allocate(4096, UK_VM_READ | UK_VM_WRITE);

	EXPECT(anon > 0);
	if (!w)
		return;
	uint64_t a = (uint64_t)w, size = sizeof(pg.store);
	EXPECT_ERR(uk_vm_sync((uint64_t)anon, 4096, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_sync(a + 1, 4096, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_sync(a, 100, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_sync(a, 0, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_sync(a, size + 4096, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_sync(a + 4096, size, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_sync(a, size, 0x10), ERR_INVALID);
	EXPECT_ERR(uk_vm_sync(0xffff800000000000ull, 4096, 0), ERR_FAULT);
	EXPECT_ERR(uk_vm_sync(a, ~0ull & ~4095ull, 0), ERR_FAULT);
	EXPECT_EQ(uk_vm_sync(a, size, 0), 0); /* untouched: nothing */
	uk_vm_free((uint64_t)anon, 4096);
	pager_end(w);
}

DEFINE_TEST(PGR0013, a_pager_that_does_not_take_returns_slows_only_its_mapper)
{
	/* Deadline 100 ms for each wait; the pager's queue holds one. */
	volatile uint8_t *w = pager_start(100 * MS);

	if (!w)
		return;
	touch_all(w);
	EXPECT_EQ(uk_port_set_limit(pg.port, 1), 0);
	pg.stalled = 1;
	uk_sleep(20 * MS); /* the pager thread is in its stalled loop */
	w[0] = 1;
	w[2 * 4096] = 2;
	w[4 * 4096] = 3; /* three runs: three messages */
	uint64_t t0 = (uint64_t)uk_clock();
	EXPECT_ERR(uk_vm_sync((uint64_t)w, sizeof(pg.store), 0), ERR_TIMED_OUT);
	uint64_t took = (uint64_t)uk_clock() - t0;
	EXPECT(took >= 90 * MS && took < SECOND);
	/* One return queued, not three: the queue's limit held. */
	EXPECT_EQ(queued_on(pg.port), 1);
	pg.stalled = 0;
	returns_seen(1);
	/* What was not returned is still dirty and goes now. */
	EXPECT_EQ(uk_vm_sync((uint64_t)w, sizeof(pg.store), 0), 2);
	returns_seen(3);
	EXPECT_EQ(pg.store[4 * 4096], 3);
	pager_end(w);
}

DEFINE_TEST(PGR0014, the_pager_takes_pages_back_with_pager_flush)
{
	volatile uint8_t *w = pager_start(0);

	if (!w)
		return;
	touch_all(w);
	w[2 * 4096 + 3] = 0xf2;
	uint64_t size = sizeof(pg.store);
	/* Only the pager, only inside the window. */
	long right = uk_port_mint(pg.port, 77);
	EXPECT(right > 0);
	EXPECT_ERR(uk_pager_flush((uint64_t)right, pg.object, 0, size), ERR_RIGHTS);
	uk_port_deallocate((uk_name_t)right);
	EXPECT_ERR(uk_pager_flush(pg.port, pg.object + 99, 0, size), ERR_NOT_FOUND);
	EXPECT_ERR(uk_pager_flush(pg.port, pg.object, 0, size + 4096), ERR_INVALID);
	EXPECT_ERR(uk_pager_flush(pg.port, pg.object, 100, 4096), ERR_INVALID);
	uint64_t before = used_now();
	/* Every page leaves; the one written comes back as a return. */
	EXPECT_EQ(uk_pager_flush(pg.port, pg.object, 0, size), STORE_PAGES);
	returns_seen(1);
	EXPECT_EQ(pg.ret[0].offset, 2 * 4096);
	EXPECT_EQ(pg.ret[0].flags, UK_PAGER_RETURN_DIRTY | UK_PAGER_RETURN_EVICTED);
	EXPECT(used_now() <= before - (STORE_PAGES - 1) * 4096);
	unsigned asked = pg.requests;
	EXPECT_EQ(w[2 * 4096 + 3], 0xf2);
	EXPECT_EQ(pg.requests, asked + 1);
	pager_end(w);
}

/* Returns still queued once the mapper has ended (at most 1 s). */
static void drain_returns(struct pager_run *p, unsigned want)
{
	uint64_t end = (uint64_t)uk_clock() + SECOND;

	while (p->returned < want && (uint64_t)uk_clock() < end)
		if (msg_receive(p->port, &req, 20 * MS) > 0 &&
		    req.h.id == UK_MSG_ID_PAGER_RETURN)
			take_return(p);
}

DEFINE_TEST(PGR0015, pages_a_mapper_wrote_reach_the_pager_when_it_exits)
{
	struct pager_run p;
	/* The mapper writes 0x5a at the start of each of 4 pages and exits
	 * without vm_sync. */
	struct uk_exit_status st = window(&p, "4", "0", "write", SUPPLY);

	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	drain_returns(&p, 4);
	EXPECT_EQ(p.returned, 4);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_EQ(p.first[i], 0x5a);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0016, pages_a_killed_mapper_wrote_reach_the_pager)
{
	struct pager_run p;
	/* The mapper writes 2 pages, then waits to be killed. */
	struct uk_exit_status st = window(&p, "2", "0", "write-hold", SUPPLY);

	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	drain_returns(&p, 2);
	EXPECT_EQ(p.returned, 2);
	EXPECT_EQ(p.first[0], 0x5a);
	EXPECT_EQ(p.first[1], 0x5a);
	uk_port_destroy(p.port);
}

DEFINE_TEST(PGR0017, memory_pressure_notices_reach_the_one_registered_port)
{
	uk_name_t port = port_new();
	uk_name_t send_only = port_new_send(1);
	struct uk_kinfo_memory km;

	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)), sizeof(km));
	EXPECT_ERR(uk_vm_pressure_notify(0x123456789ull, 100), ERR_BAD_NAME);
	long right = uk_port_mint(send_only, 3);
	EXPECT(right > 0);
	EXPECT_ERR(uk_vm_pressure_notify((uint64_t)right, 100), ERR_RIGHTS);
	EXPECT_ERR(uk_vm_pressure_notify(port, 0), ERR_INVALID);
	EXPECT_ERR(uk_vm_pressure_notify(port, km.frames_total + 1), ERR_INVALID);
	/* Below the mark from the start (every frame): a notice comes at
	 * the next system call, with the free count. */
	EXPECT_EQ(uk_vm_pressure_notify(port, km.frames_total), 0);
	EXPECT(msg_receive(port, &req, SECOND) > 0);
	const struct uk_notification *n = (const struct uk_notification *)&req;
	EXPECT_EQ(n->header.id, UK_MSG_ID_MEMORY_LOW);
	EXPECT(n->header.flags & UK_MSG_KERNEL);
	EXPECT(n->count > 0 && n->count <= km.frames_total);
	/* Another task cannot take the registration while ours lives. */
	const char *argv[] = {"ipcpeer", "pressure-steal", NULL};
	struct uk_exit_status st = peer_wait(peer_start_argv(argv, NULL, 0),
					     5 * SECOND);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, ERR_BUSY);
	/* Unregistered, nothing more comes. */
	EXPECT_EQ(uk_vm_pressure_notify(0, 0), 0);
	while (msg_receive(port, &req, 0) > 0)
		; /* one posted before the unregistering */
	uk_sleep(30 * MS);
	EXPECT_ERR(msg_receive(port, &req, 0), ERR_TIMED_OUT);
	/* Our port gone, another task may register. */
	EXPECT_EQ(uk_vm_pressure_notify(port, km.frames_total), 0);
	uk_port_destroy(port);
	st = peer_wait(peer_start_argv(argv, NULL, 0), 5 * SECOND);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	uk_port_deallocate((uk_name_t)right);
	uk_port_destroy(send_only);
}
