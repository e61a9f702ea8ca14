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
};

static union ipc_buf req;
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
