/* SPDX-License-Identifier: MIT */
/*
 * memtest: the memory server against its real neighbours (fs for swap,
 * proc for a second client), run by run-memtest.sh:
 *   - a task touches twice the node's free memory through mem and reads
 *     back every page's checksum, which only works if mem pages out to
 *     swap and back; "memtest pressure" does it with budgets larger than
 *     the node, where only mem's reserve of free memory saves it;
 *   - a task past its own budget takes back its own pages, never another
 *     task's (a second copy of this program is the hog);
 *   - sizes mem refuses; messages a holder of an object's right may send
 *     (as a proxy forwards them) and one it must not believe.
 * "memtest remote N" (cluster.mem-remote): node N's mem pages a mapping
 * here through the proxies, then a child paged by it while the scenario
 * kills node N must end with a page fault, and local mem goes on.
 * Prints "memtest: passed (0 failures)" at the end.
 */
#include <errno.h>
#include <string.h>
#include <ulib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <uk/proto/mem.h>

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			failures++;                                        \
			printf("memtest: FAIL %s:%d: %s\n", __FILE__,      \
			       __LINE__, #cond);                           \
		}                                                          \
	} while (0)

#define PAGE 4096ull

/* Word k of page p of a mapping seeded with seed. */
static uint64_t word(uint64_t seed, uint64_t p, uint64_t k)
{
	uint64_t x = (seed << 40) ^ (p * 0x9e3779b97f4a7c15ull) ^ (k * 0xbf58476d1ce4e5b9ull);
	x ^= x >> 31;
	return x * 0x94d049bb133111ebull;
}

static void fill_pages(volatile uint64_t *m, uint64_t pages, uint64_t seed)
{
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t k = 0; k < PAGE / 8; k++)
			m[p * (PAGE / 8) + k] = word(seed, p, k);
}

/* Pages whose bytes are not what fill_pages wrote. */
static uint64_t bad_pages(volatile uint64_t *m, uint64_t pages, uint64_t seed)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < pages; p++) {
		uint64_t sum = 0, want = 0;
		for (uint64_t k = 0; k < PAGE / 8; k++) {
			sum += m[p * (PAGE / 8) + k] * (k | 1);
			want += word(seed, p, k) * (k | 1);
		}
		if (sum != want && bad++ < 5)
			printf("memtest: page %lu has the wrong checksum\n",
			       (unsigned long)p);
	}
	return bad;
}

static struct uk_mem_stats stats(void)
{
	struct uk_mem_stats s;

	memset(&s, 0, sizeof(s));
	CHECK(mem_stats(&s) == 0);
	return s;
}

/* Wait (at most 5 s) until mem has n objects. */
static void objects_become(uint64_t n)
{
	uint64_t end = (uint64_t)uk_clock() + 5000000000ull;
	struct uk_mem_stats s = stats();

	while (s.objects != n && (uint64_t)uk_clock() < end) {
		uk_sleep(10000000ull);
		s = stats();
	}
	CHECK(s.objects == n);
}

static void test_twice_free_memory(void)
{
	struct uk_kinfo_memory km;
	struct uk_mem_stats before = stats();

	CHECK(uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) == sizeof(km));
	uint64_t pages = 2 * km.frames_free;
	uk_name_t obj = 0;
	long a = mem_map(pages * PAGE, &obj);
	printf("memtest: %lu MiB free; touching %lu MiB through mem (budget "
	       "%lu MiB, %lu MiB per task)\n",
	       (unsigned long)(km.frames_free * PAGE >> 20),
	       (unsigned long)(pages * PAGE >> 20),
	       (unsigned long)(before.budget_pages * PAGE >> 20),
	       (unsigned long)(before.task_budget_pages * PAGE >> 20));
	CHECK(a > 0);
	if (a <= 0)
		return;
	uint64_t t0 = (uint64_t)uk_clock();
	fill_pages((volatile uint64_t *)a, pages, 1);
	uint64_t t1 = (uint64_t)uk_clock();
	CHECK(bad_pages((volatile uint64_t *)a, pages, 1) == 0);
	uint64_t t2 = (uint64_t)uk_clock();
	struct uk_mem_stats s = stats();
	printf("memtest: wrote in %lu ms, read back in %lu ms: %lu faults, "
	       "%lu evictions, %lu pages to swap, %lu from swap, %lu resident, "
	       "node free %lu MiB\n",
	       (unsigned long)((t1 - t0) / 1000000),
	       (unsigned long)((t2 - t1) / 1000000),
	       (unsigned long)(s.faults - before.faults),
	       (unsigned long)(s.evictions - before.evictions),
	       (unsigned long)(s.swap_outs - before.swap_outs),
	       (unsigned long)(s.swap_ins - before.swap_ins),
	       (unsigned long)s.resident_pages,
	       (unsigned long)(s.frames_free * PAGE >> 20));
	/* What cannot stay resident went to swap and came back: past the
	 * task budget, or (budgets larger than the node) past what the
	 * reserve leaves free. */
	uint64_t room = s.task_budget_pages < km.frames_free ? s.task_budget_pages
							      : km.frames_free;
	CHECK(s.swap_outs - before.swap_outs >= pages - room);
	CHECK(s.swap_ins - before.swap_ins >= pages - room);
	CHECK(s.resident_pages <= s.budget_pages);
	if (s.budget_pages > km.frames_total) /* only the reserve bounds it */
		CHECK(s.pressure_evictions > before.pressure_evictions);
	CHECK(s.swap_errors == before.swap_errors);
	CHECK(mem_unmap((uint64_t)a, pages * PAGE, obj) == 0);
	objects_become(before.objects);
	CHECK(stats().resident_pages == before.resident_pages);
}

/* The kernel's memory-low notice (vm_pressure_notify): mem's pages
 * resident and nobody faulting, this task then takes the node's memory
 * with plain vm_allocate; mem must be told, and give pages back, for the
 * allocations to succeed. */
static void test_pressure_notice(void)
{
	struct uk_kinfo_memory km;
	struct uk_mem_stats s0 = stats();

	CHECK(s0.reserve_pages > 0);
	CHECK(uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) == sizeof(km));
	if (km.frames_free < s0.reserve_pages + 2048)
		return;
	uint64_t pages = km.frames_free - s0.reserve_pages - 512;
	uk_name_t obj;
	long a = mem_map(pages * PAGE, &obj);
	CHECK(a > 0);
	if (a <= 0)
		return;
	fill_pages((volatile uint64_t *)a, pages, 6);
	struct uk_mem_stats s1 = stats();
	/* Half of mem's pages' worth of plain memory, 1 MiB at a time, each
	 * taken only while the node keeps half the reserve free (swapping
	 * out needs memory too: fs's): mem, told the node is below its
	 * reserve, must make that room (10 s at most). */
	static long chunks[1024];
	uint64_t want = pages / 2 / 256, got = 0;
	uint64_t end = (uint64_t)uk_clock() + 10000000000ull;
	while (got < want && got < 1024 && (uint64_t)uk_clock() < end) {
		long c = 0;
		if (uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) == sizeof(km) &&
		    km.frames_free > s0.reserve_pages / 2 + 256)
			c = uk_vm_allocate(256 * PAGE, UK_VM_READ | UK_VM_WRITE);
		if (c > 0)
			chunks[got++] = c;
		else
			uk_sleep(10000000ull);
	}
	struct uk_mem_stats s2 = stats();
	printf("memtest: notice: %lu of %lu MiB allocated beside %lu MiB of "
	       "mem's; %lu notices, %lu pages taken back for the reserve\n",
	       (unsigned long)got, (unsigned long)want,
	       (unsigned long)(pages * PAGE >> 20),
	       (unsigned long)(s2.pressure_notices - s0.pressure_notices),
	       (unsigned long)(s2.pressure_evictions - s0.pressure_evictions));
	CHECK(got == want);
	CHECK(s2.pressure_notices > s1.pressure_notices);
	CHECK(s2.pressure_evictions > s1.pressure_evictions);
	CHECK(s2.swap_errors == s0.swap_errors);
	for (uint64_t i = 0; i < got; i++)
		uk_vm_free((uint64_t)chunks[i], 256 * PAGE);
	/* mem's pages are all there, from swap. */
	CHECK(bad_pages((volatile uint64_t *)a, pages, 6) == 0);
	CHECK(mem_unmap((uint64_t)a, pages * PAGE, obj) == 0);
}

/* The second client: map mib MiB, write and check it twice. */
static int hog(uint64_t mib)
{
	uk_name_t obj;
	uint64_t pages = mib << 20 >> 12;
	long a = mem_map(mib << 20, &obj);

	if (a <= 0)
		return 2;
	fill_pages((volatile uint64_t *)a, pages, 7);
	if (bad_pages((volatile uint64_t *)a, pages, 7))
		return 1;
	mem_unmap((uint64_t)a, mib << 20, obj);
	return 0;
}

static void test_a_hog_evicts_only_its_own(void)
{
	struct uk_mem_stats s0 = stats();
	uint64_t mine = s0.budget_pages - s0.task_budget_pages;

	/* Room for ours beside a hog at its task budget, under the total. */
	if (mine > s0.task_budget_pages)
		mine = s0.task_budget_pages;
	mine = mine > 64 ? mine - 32 : mine / 2;
	CHECK(mine > 0);
	uk_name_t obj;
	long a = mem_map(mine * PAGE, &obj);
	CHECK(a > 0);
	if (a <= 0)
		return;
	fill_pages((volatile uint64_t *)a, mine, 3);
	uint64_t hog_mib = 4 * s0.task_budget_pages * PAGE >> 20;
	char n[16];
	snprintf(n, sizeof(n), "%lu", (unsigned long)(hog_mib ? hog_mib : 1));
	const char *argv[] = {"memtest", "hog", n, NULL};
	pid_t pid = spawn("/bin/memtest", argv);
	int status = -1;
	if (pid <= 0)
		printf("memtest: spawn /bin/memtest: errno %d\n", errno);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(status == 0);
	struct uk_mem_stats s1 = stats();
	printf("memtest: a hog of %s MiB beside our %lu pages: %lu evictions\n",
	       n, (unsigned long)mine, (unsigned long)(s1.evictions - s0.evictions));
	CHECK(s1.evictions > s0.evictions); /* the hog was past its budget */
	/* Ours were never taken back: reading them swaps nothing in. */
	CHECK(bad_pages((volatile uint64_t *)a, mine, 3) == 0);
	CHECK(stats().swap_ins == s1.swap_ins);
	CHECK(mem_unmap((uint64_t)a, mine * PAGE, obj) == 0);
	objects_become(s0.objects);
}

static void test_refusals(void)
{
	uk_name_t obj = 0;
	struct uk_mem_stats s0 = stats();

	CHECK(mem_map(0, &obj) == -ERR_INVALID);
	CHECK(mem_map(UK_MEM_OBJECT_MAX + 1, &obj) == -ERR_INVALID);
	/* The swap space is allotted per object: past it, ERR_LIMIT. */
	static uk_name_t objs[64];
	static long addrs[64];
	unsigned got = 0;
	long rc = 0;
	while (got < 64 && (rc = mem_map(UK_MEM_OBJECT_MAX, &objs[got])) > 0)
		addrs[got++] = rc;
	CHECK(rc == -ERR_LIMIT);
	CHECK(got == s0.swap_max / UK_MEM_OBJECT_MAX);
	for (unsigned i = 0; i < got; i++)
		mem_unmap((uint64_t)addrs[i], UK_MEM_OBJECT_MAX, objs[i]);
	objects_become(s0.objects);

	/* Messages a holder of the object's right may send (a proxy
	 * forwards them for a mapper on another node): a request as a call
	 * is answered with the bytes, a return is a write. One without a
	 * reply right is neither the kernel's nor forwarded: refused and
	 * counted. None changes the pages mapped here. */
	long a = mem_map(4 * PAGE, &obj);
	CHECK(a > 0);
	if (a <= 0)
		return;
	((volatile uint8_t *)a)[0] = 0x5a;
	((volatile uint8_t *)a)[PAGE] = 0xa5; /* present: the kernel copies it */
	static union {
		struct uk_pager_request r;
		struct uk_pager_return ret;
		struct uk_pager_answer ans;
		uint8_t bytes[512];
	} m;
	memset(&m, 0, sizeof(m));
	m.r.header.size = sizeof(m.r);
	m.r.header.id = UK_MSG_ID_PAGER_REQUEST;
	m.r.header.dest = obj;
	m.r.offset = 2 * PAGE;
	m.r.length = 4096;
	m.r.window_size = 4 * PAGE;
	CHECK(uk_ipc_send(&m.r.header, sizeof(m.r), 1000000000ull) == 0);
	/* As a call: the answer carries page 2 (zeros: never written). */
	m.r.object = 77;
	CHECK(uk_ipc_call(&m.r.header, sizeof(m.r), &m.ans.header, sizeof(m),
			  5000000000ull) == sizeof(m.ans));
	CHECK(m.ans.status == 0 && m.ans.length == PAGE && m.ans.object == 77 &&
	      m.ans.offset == 2 * PAGE && m.ans.data.size == PAGE);
	if (m.ans.data.size == PAGE) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < PAGE; i++)
			sum += ((const uint8_t *)m.ans.data.address)[i];
		CHECK(sum == 0);
		uk_vm_free(m.ans.data.address, m.ans.data.size);
	}
	/* Past the object's end: refused in the answer. */
	memset(&m, 0, sizeof(m));
	m.r.header.size = sizeof(m.r);
	m.r.header.id = UK_MSG_ID_PAGER_REQUEST;
	m.r.header.dest = obj;
	m.r.offset = 64 * PAGE;
	CHECK(uk_ipc_call(&m.r.header, sizeof(m.r), &m.ans.header, sizeof(m),
			  5000000000ull) == sizeof(m.ans));
	CHECK(m.ans.status == -ERR_INVALID && m.ans.data.size == 0);
	/* A return: page 1's bytes written as page 3's. */
	memset(&m, 0, sizeof(m));
	m.ret.header.size = sizeof(m.ret);
	m.ret.header.id = UK_MSG_ID_PAGER_RETURN;
	m.ret.header.dest = obj;
	m.ret.header.n_ool = 1;
	m.ret.data = (struct uk_msg_ool){(uint64_t)a + PAGE, PAGE, UK_OOL_COPY, 0};
	m.ret.offset = 3 * PAGE;
	m.ret.length = 4096;
	m.ret.flags = UK_PAGER_RETURN_DIRTY | UK_PAGER_RETURN_EVICTED;
	uint64_t resident = stats().resident_pages;
	CHECK(uk_ipc_send(&m.ret.header, sizeof(m.ret), 1000000000ull) == 0);
	uint64_t end = (uint64_t)uk_clock() + 5000000000ull;
	struct uk_mem_stats s1 = stats();
	while ((s1.bad_requests < s0.bad_requests + 1 ||
		s1.store_pages == s0.store_pages) &&
	       (uint64_t)uk_clock() < end) {
		uk_sleep(10000000ull);
		s1 = stats();
	}
	CHECK(s1.bad_requests == s0.bad_requests + 1);
	/* Kept in mem's store, as a forwarded return is. */
	CHECK(s1.store_pages == s0.store_pages + 1);
	/* Only the kernel says what left a window here. */
	CHECK(s1.resident_pages == resident);
	CHECK(((volatile uint8_t *)a)[0] == 0x5a);
	CHECK(mem_unmap((uint64_t)a, 4 * PAGE, obj) == 0);
	objects_become(s0.objects);
}

/* Guest instructions the CPU spent working (not idle waiting for the
 * disk, which -icount also counts as time): kinfo's busy count. */
static uint64_t busy(void)
{
	struct uk_kinfo_load l;

	memset(&l, 0, sizeof(l));
	CHECK(uk_kinfo(UK_KINFO_LOAD, &l, sizeof(l)) == sizeof(l));
	return l.busy;
}

/* Guest instructions per page under -icount (bench.mem), busy ones
 * only (the disk's time is idle time here): a mapping four times the
 * task budget written (each page: a fault, and on average an eviction
 * and a swap-out) and read back (a swap-in and a clean eviction), then
 * faults served by mem as zero-fills within the budget. */
static int bench(void)
{
	struct uk_mem_stats s0 = stats();
	uint64_t small = s0.task_budget_pages / 2, big = 4 * s0.task_budget_pages;
	uk_name_t obj;
	long a = mem_map(big * PAGE, &obj);
	CHECK(a > 0);
	if (a <= 0)
		return 1;
	uint64_t t = busy();
	for (uint64_t p = 0; p < big; p++)
		((volatile uint64_t *)a)[p * (PAGE / 8)] = p + 1;
	uint64_t w = busy() - t;
	t = busy();
	uint64_t bad = 0;
	for (uint64_t p = 0; p < big; p++)
		bad += ((volatile uint64_t *)a)[p * (PAGE / 8)] != p + 1;
	uint64_t r = busy() - t;
	CHECK(bad == 0);
	struct uk_mem_stats s1 = stats();
	printf("bench: mem past its budget, write each page once (fault, "
	       "eviction, swap-out through fs): %lu guest instructions per "
	       "4 KiB page (mean of %lu; %lu swap-outs)\n",
	       (unsigned long)(w / big), (unsigned long)big,
	       (unsigned long)(s1.swap_outs - s0.swap_outs));
	printf("bench: mem past its budget, read each page back (fault, "
	       "swap-in through fs, clean eviction): %lu guest instructions "
	       "per 4 KiB page (mean of %lu; %lu swap-ins)\n",
	       (unsigned long)(r / big), (unsigned long)big,
	       (unsigned long)(s1.swap_ins - s0.swap_ins));
	mem_unmap((uint64_t)a, big * PAGE, obj);
	objects_become(s0.objects); /* its resident pages are gone */
	a = mem_map(small * PAGE, &obj);
	CHECK(a > 0);
	if (a <= 0)
		return 1;
	t = busy();
	uint64_t sum = 0;
	for (uint64_t p = 0; p < small; p++)
		sum += ((volatile uint8_t *)a)[p * PAGE];
	t = busy() - t;
	CHECK(sum == 0);
	printf("bench: mem zero-fill fault (within budget): %lu guest "
	       "instructions per 4 KiB page (mean of %lu)\n",
	       (unsigned long)(t / small), (unsigned long)small);
	mem_unmap((uint64_t)a, small * PAGE, obj);
	printf("memtest: passed (%d failures)\n", failures);
	return failures ? 1 : 0;
}

/* Node `node`'s mem pages a mapping here (docs/MEMORY.md, "Remote
 * pagers"): every page written, evicted to that node, read back. */
static long remote_round(const char *server, uint64_t pages, uint64_t seed)
{
	uk_name_t obj;
	long a = mem_map_from(server, pages * PAGE, &obj);

	if (a <= 0) {
		printf("memtest: remote: mem_map_from %s: %s\n", server, err_str(a));
		return a ? a : -ERR_INVALID;
	}
	fill_pages((volatile uint64_t *)a, pages, seed);
	long rc = uk_vm_sync((uint64_t)a, pages * PAGE, UK_VM_SYNC_EVICT);
	CHECK(rc == (long)pages);
	uint64_t bad = bad_pages((volatile uint64_t *)a, pages, seed);
	CHECK(bad == 0);
	CHECK(mem_unmap((uint64_t)a, pages * PAGE, obj) == 0);
	return bad ? -ERR_CORRUPT : 0;
}

/* The child the scenario kills the pager's node under: pages from it
 * until a fault ends this task. */
static int remote_hold(const char *server)
{
	uk_name_t obj;
	uint64_t pages = 16;
	long a = mem_map_from(server, pages * PAGE, &obj);

	if (a <= 0)
		return 2;
	fill_pages((volatile uint64_t *)a, pages, 5);
	printf("memtest: remote: paging from %s\n", server);
	for (;;) {
		if (uk_vm_sync((uint64_t)a, pages * PAGE, UK_VM_SYNC_EVICT) < 0)
			break;
		if (bad_pages((volatile uint64_t *)a, pages, 5))
			return 1;
	}
	/* vm_sync failed (the port died between two faults): touch it. */
	return ((volatile uint8_t *)a)[0] == 0xff ? 3 : 4;
}

static int remote(const char *node)
{
	char server[16];
	snprintf(server, sizeof(server), "mem@%s", node);
	struct uk_mem_stats before;
	CHECK(mem_stats_from(server, &before) == 0);
	/* Twice the other node's page store (the scenario gives it 1 MiB):
	 * the newest half stays in its RAM, the oldest goes on to its swap. */
	uint64_t pages = 2 * before.store_max;
	if (pages == 0)
		pages = 256;
	uint64_t t0 = (uint64_t)uk_clock();
	long rc = remote_round(server, pages, 9);
	uint64_t ms = ((uint64_t)uk_clock() - t0) / 1000000;
	struct uk_mem_stats after;
	CHECK(mem_stats_from(server, &after) == 0);
	CHECK(after.store_spills - before.store_spills == pages - before.store_max);
	CHECK(after.swap_ins - before.swap_ins == pages - before.store_max);
	CHECK(after.store_hits - before.store_hits == before.store_max);
	if (rc == 0)
		printf("memtest: remote: %lu pages through %s: written, evicted "
		       "to node %s and read back, checksums right (%lu ms; "
		       "there %lu faults, %lu pages from its RAM, %lu through "
		       "its swap)\n",
		       (unsigned long)pages, server, node, (unsigned long)ms,
		       (unsigned long)(after.faults - before.faults),
		       (unsigned long)(after.store_hits - before.store_hits),
		       (unsigned long)(after.swap_ins - before.swap_ins));
	/* The object gone, its stored pages go too. */
	uint64_t end = (uint64_t)uk_clock() + 5000000000ull;
	while (after.store_pages != before.store_pages &&
	       (uint64_t)uk_clock() < end) {
		uk_sleep(10000000ull);
		CHECK(mem_stats_from(server, &after) == 0);
	}
	CHECK(after.store_pages == before.store_pages);
	/* Now a task paged by that node while the scenario kills it. */
	const char *argv[] = {"memtest", "remote-hold", server, NULL};
	pid_t pid = spawn("/bin/memtest", argv);
	int status = -1;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	/* A fault's status: the vector | 0x80 (sys/wait.h). */
	CHECK(status == (14 | 0x80));
	if (status == (14 | 0x80))
		printf("memtest: remote: the paged task ended with a page fault "
		       "when %s went\n", server);
	/* Node 1 goes on: its own mem serves. */
	uk_name_t obj;
	long a = mem_map(64 * PAGE, &obj);
	CHECK(a > 0);
	if (a > 0) {
		fill_pages((volatile uint64_t *)a, 64, 2);
		CHECK(bad_pages((volatile uint64_t *)a, 64, 2) == 0);
		CHECK(mem_unmap((uint64_t)a, 64 * PAGE, obj) == 0);
		printf("memtest: remote: node 1 goes on: local mem serves\n");
	}
	printf("memtest: passed (%d failures)\n", failures);
	return failures ? 1 : 0;
}

/* bench.proxy (icount): guest instructions on both nodes per remote page
 * fault (node `node`'s mem answers with zeros) and per page written,
 * evicted to that node and read back (its swap, read ahead), next to
 * the raw UDP round trip the script measures between the same nodes.
 * Node 2's figure is its busy count, from its mem's statistics. */
static int remote_bench(const char *node, uint64_t pages)
{
	char server[16];
	struct uk_mem_stats s0, s1, s2, s3;
	uk_name_t obj;

	snprintf(server, sizeof(server), "mem@%s", node);
	if (pages == 0 || mem_stats_from(server, &s0) < 0)
		return 2;
	long a = mem_map_from(server, pages * PAGE, &obj);
	if (a <= 0)
		return 2;
	/* Two statistics calls, to take their cost out. */
	uint64_t b0 = busy();
	CHECK(mem_stats_from(server, &s1) == 0);
	CHECK(mem_stats_from(server, &s2) == 0);
	uint64_t call1 = (busy() - b0) / 2, call2 = (s2.node_busy - s0.node_busy) / 2;
	b0 = busy();
	CHECK(mem_stats_from(server, &s1) == 0);
	uint64_t sum = 0;
	for (uint64_t p = 0; p < pages; p++)
		sum += ((volatile uint8_t *)a)[p * PAGE];
	CHECK(mem_stats_from(server, &s2) == 0);
	uint64_t n1 = busy() - b0 - call1, n2 = s2.node_busy - s1.node_busy - call2;
	CHECK(sum == 0);
	printf("bench: remote_page_fault cpu: node 1 %lu + node %s %lu busy "
	       "per 4 KiB page (guest instructions under icount; zeros from "
	       "mem@%s, %lu pages)\n",
	       (unsigned long)(n1 / pages), node, (unsigned long)(n2 / pages),
	       node, (unsigned long)pages);
	/* Sequential paging: write every page, evict them all to the
	 * other node, read them back (read-ahead from its swap). */
	b0 = busy();
	CHECK(mem_stats_from(server, &s2) == 0);
	fill_pages((volatile uint64_t *)a, pages, 4);
	CHECK(uk_vm_sync((uint64_t)a, pages * PAGE, UK_VM_SYNC_EVICT) == (long)pages);
	CHECK(bad_pages((volatile uint64_t *)a, pages, 4) == 0);
	CHECK(mem_stats_from(server, &s3) == 0);
	n1 = busy() - b0 - call1;
	n2 = s3.node_busy - s2.node_busy - call2;
	printf("bench: remote_paging cpu: node 1 %lu + node %s %lu busy per "
	       "4 KiB page written, evicted to node %s and read back "
	       "(%lu pages; %lu.%02lu bytes per busy unit of both)\n",
	       (unsigned long)(n1 / pages), node, (unsigned long)(n2 / pages),
	       node, (unsigned long)pages,
	       (unsigned long)(pages * PAGE / (n1 + n2)),
	       (unsigned long)(pages * PAGE * 100 / (n1 + n2) % 100));
	CHECK(mem_unmap((uint64_t)a, pages * PAGE, obj) == 0);
	printf("memtest: passed (%d failures)\n", failures);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "remote-bench"))
		return remote_bench(argv[2], strtoul(argv[3], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "remote"))
		return remote(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "remote-hold"))
		return remote_hold(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "hog"))
		return hog(strtoul(argv[2], NULL, 10));
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return bench();
	if (argc >= 2 && !strcmp(argv[1], "notice")) {
		test_pressure_notice();
		printf("memtest: passed (%d failures)\n", failures);
		return failures ? 1 : 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "pressure")) {
		/* Budgets larger than the node: only the reserve keeps the
		 * node's memory from running out. */
		test_twice_free_memory();
		printf("memtest: passed (%d failures)\n", failures);
		return failures ? 1 : 0;
	}
	struct uk_mem_stats s = stats();
	if (s.budget_pages == 0) {
		printf("memtest: no memory server\n");
		return 1;
	}
	test_refusals();
	test_a_hog_evicts_only_its_own();
	test_twice_free_memory();
	printf("memtest: passed (%d failures)\n", failures);
	return failures ? 1 : 0;
}
