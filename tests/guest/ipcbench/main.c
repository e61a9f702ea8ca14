/* SPDX-License-Identifier: MIT */
/*
 * ipcbench: the cost of an IPC round trip between two tasks, in whatever
 * rdtsc counts here: guest instructions under -icount shift=0
 * (deterministic: bench.ipc), TSC cycles under KVM or on hardware
 * (bench.ipc.kvm, with the CPU model). Every figure names its unit
 * (lib/uk/tsc.c). A benchmark, not a test: it prints figures and fails only
 * if IPC itself fails.
 */
#include <string.h>
#include <ulib.h>

#define IPCECHO_QUIT 0xdeadu
#define ROUNDS 2000
#define WARMUP 50

extern const char ipcecho_image[], ipcecho_image_end[];

static uint8_t msg[UK_MSG_SIZE_MAX] __attribute__((aligned(16)));
static uint8_t reply[256] __attribute__((aligned(16)));

static long round_trips(uk_name_t port, uint32_t payload, uint64_t *per_call)
{
	struct uk_msg_header *h = (struct uk_msg_header *)msg;

	/* The kernel never writes the sender's message: build it once. */
	memset(msg, 0x5a, sizeof(*h) + payload);
	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)(sizeof(*h) + payload);
	h->id = 1;
	h->dest = port;
	for (int round = 0; round < 2; round++) {
		int n = round ? ROUNDS : WARMUP;
		uint64_t start = rdtsc();
		for (int i = 0; i < n; i++) {
			long rc = uk_ipc_call(h, h->size, (struct uk_msg_header *)reply,
					      sizeof(reply), UK_TIMEOUT_INFINITE);
			if (rc < 0)
				return rc;
		}
		*per_call = (rdtsc() - start) / (uint64_t)n;
	}
	return 0;
}

#define SAMPLES 2001

static uint64_t samples[SAMPLES];

static void sort_u64(uint64_t *a, int n)
{
	for (int i = 1; i < n; i++) {
		uint64_t v = a[i];
		int j = i;
		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* Median of SAMPLES single round trips, each timed on its own, less the
 * median cost of the timing itself: the figure cycle counts are quoted in
 * (seL4's benchmarks do the same). */
static long round_trip_median(uk_name_t port, uint64_t *median,
			      uint64_t *overhead)
{
	struct uk_msg_header *h = (struct uk_msg_header *)msg;

	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->id = 1;
	h->dest = port;
	for (int i = 0; i < SAMPLES; i++) {
		uint64_t t0 = rdtsc_ordered();
		samples[i] = rdtsc_ordered() - t0;
	}
	sort_u64(samples, SAMPLES);
	*overhead = samples[SAMPLES / 2];
	for (int i = 0; i < SAMPLES; i++) {
		uint64_t t0 = rdtsc_ordered();
		long rc = uk_ipc_call(h, h->size, (struct uk_msg_header *)reply,
				      sizeof(reply), UK_TIMEOUT_INFINITE);
		samples[i] = rdtsc_ordered() - t0;
		if (rc < 0)
			return rc;
	}
	sort_u64(samples, SAMPLES);
	*median = samples[SAMPLES / 2] > *overhead ? samples[SAMPLES / 2] - *overhead : 0;
	return 0;
}

#define OOL_ROUNDS 50

/* A call carrying one region (copied, or moved from a fresh vm_allocate
 * region each time, as a client handing a buffer away would). The region
 * is touched once so its pages exist in both cases. */
static long ool_round_trips(uk_name_t port, uint64_t size, int move,
			    uint64_t *per_call)
{
	struct {
		struct uk_msg_header h;
		struct uk_msg_ool o;
	} m;
	long buf = move ? 0 : uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);
	uint64_t total = 0;

	if (!move && buf < 0)
		return buf;
	for (int i = 0; i < OOL_ROUNDS; i++) {
		if (move) {
			buf = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);
			if (buf < 0)
				return buf;
		}
		memset(&m, 0, sizeof(m));
		m.h.size = sizeof(m);
		m.h.id = 2;
		m.h.dest = port;
		m.h.n_ool = 1;
		m.o.address = (uint64_t)buf;
		m.o.size = size;
		m.o.flags = move ? UK_OOL_MOVE : UK_OOL_COPY;
		uint64_t start = rdtsc();
		long rc = uk_ipc_call(&m.h, sizeof(m), (struct uk_msg_header *)reply,
				      sizeof(reply), UK_TIMEOUT_INFINITE);
		total += rdtsc() - start;
		if (rc < 0)
			return rc;
	}
	if (!move)
		uk_vm_free((uint64_t)buf, size);
	*per_call = total / OOL_ROUNDS;
	return 0;
}

/* ---- page faults served by a pager (docs/MEMORY.md) ---- */

#define FAULT_PAGES 512
static uk_name_t pager_port;
static uint8_t pager_page[4096] __attribute__((aligned(4096)));
static uint8_t pager_stack[16384] __attribute__((aligned(16)));
static uint64_t pager_served;
static volatile uint64_t pager_returned;

/* A pager thread of this task: every request gets pager_page; returned
 * pages are counted and freed. */
static void pager_thread(uint64_t arg)
{
	static union {
		struct uk_pager_request r;
		struct uk_pager_return ret;
		uint8_t bytes[256];
	} m;

	(void)arg;
	while (uk_ipc_receive(pager_port, &m.r.header, sizeof(m),
			      UK_TIMEOUT_INFINITE) >= 0) {
		if (m.r.header.id == UK_MSG_ID_PAGER_REQUEST) {
			if (uk_pager_supply(pager_port, m.r.object, m.r.offset,
					    (uint64_t)pager_page, 4096) == 1)
				pager_served++;
		} else if (m.r.header.id == UK_MSG_ID_PAGER_RETURN) {
			if (m.ret.data.size == m.ret.length)
				pager_returned += m.ret.length / 4096;
			uk_vm_free(m.ret.data.address, m.ret.data.size);
		} else {
			break;
		}
	}
	uk_thread_exit();
}

/* Write every page of the window, then return them all; the time runs
 * until the pager thread has received and freed every one. */
static long page_out(volatile uint8_t *w, unsigned flags, uint64_t *per_page)
{
	for (uint64_t i = 0; i < FAULT_PAGES; i++)
		w[i * 4096 + 1] = (uint8_t)i;
	pager_returned = 0;
	uint64_t start = rdtsc();
	long rc = uk_vm_sync((uint64_t)w, FAULT_PAGES * 4096ull, flags);
	if (rc != FAULT_PAGES)
		return rc < 0 ? rc : -ERR_CORRUPT;
	while (pager_returned < FAULT_PAGES)
		uk_yield();
	*per_page = (rdtsc() - start) / FAULT_PAGES;
	return 0;
}

/* Per page: a fault on a window served by a pager in this task (fault,
 * request, switch to the pager, receive, supply of 4 KiB, switch back),
 * and, for scale, vm_allocate's eager zeroed pages touched once. */
static long page_faults(uint64_t *per_fault, uint64_t *per_anon,
			uint64_t *per_zero, uint64_t *per_sync,
			uint64_t *per_evict)
{
	long port = uk_port_allocate(UK_RIGHT_RECEIVE), rc;

	if (port < 0)
		return port;
	if ((rc = uk_port_insert_right((uint64_t)port, UK_DISP_MAKE_SEND)) < 0)
		return rc;
	pager_port = (uk_name_t)port;
	memset(pager_page, 0x42, sizeof(pager_page));
	rc = uk_thread_create((uint64_t)pager_thread,
			      (uint64_t)(pager_stack + sizeof(pager_stack)), 0,
			      UK_PRIORITY_DEFAULT);
	if (rc < 0)
		return rc;
	long addr = uk_vm_map_object((uint64_t)port, 0, FAULT_PAGES * 4096ull,
				     UK_VM_READ | UK_VM_WRITE, 0);
	if (addr < 0)
		return addr;
	volatile uint8_t *w = (volatile uint8_t *)addr;
	uint64_t sum = 0, start = rdtsc();
	for (uint64_t i = 0; i < FAULT_PAGES; i++)
		sum += w[i * 4096];
	*per_fault = (rdtsc() - start) / FAULT_PAGES;
	if (sum != 0x42ull * FAULT_PAGES || pager_served != FAULT_PAGES)
		return -ERR_CORRUPT;
	/* Page-out: write-back that keeps the pages (a copy each), then
	 * eviction (the frames themselves move). */
	if ((rc = page_out(w, 0, per_sync)) < 0 ||
	    (rc = page_out(w, UK_VM_SYNC_EVICT, per_evict)) < 0)
		return rc;
	uk_vm_free((uint64_t)addr, FAULT_PAGES * 4096ull);
	uk_port_destroy((uint64_t)port); /* the pager thread ends */
	start = rdtsc();
	long anon = uk_vm_allocate(FAULT_PAGES * 4096ull, UK_VM_READ | UK_VM_WRITE);
	if (anon < 0)
		return anon;
	for (uint64_t i = 0; i < FAULT_PAGES; i++)
		sum += ((volatile uint8_t *)anon)[i * 4096];
	*per_anon = (rdtsc() - start) / FAULT_PAGES;
	uk_vm_free((uint64_t)anon, FAULT_PAGES * 4096ull);
	/* Demand-zero: the same pages, each filled at its first touch. */
	start = rdtsc();
	anon = uk_vm_allocate(FAULT_PAGES * 4096ull,
			      UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);
	if (anon < 0)
		return anon;
	for (uint64_t i = 0; i < FAULT_PAGES; i++)
		sum += ((volatile uint8_t *)anon)[i * 4096];
	*per_zero = (rdtsc() - start) / FAULT_PAGES;
	uk_vm_free((uint64_t)anon, FAULT_PAGES * 4096ull);
	return 0;
}

int main(int argc, char **argv)
{
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	long rc;

	if (port < 0 || (rc = uk_port_insert_right((uint64_t)port, UK_DISP_MAKE_SEND)) < 0) {
		printf("ipcbench: cannot make a port\n");
		return 1;
	}
	/* The server gets the receive right; we keep the send right. */
	struct uk_task_right right = { (uk_name_t)port, UK_DISP_MOVE_RECEIVE };
	const char *args[] = { "ipcecho", NULL };
	long server = spawn_image_rights(ipcecho_image,
					 (size_t)(ipcecho_image_end - ipcecho_image),
					 "ipcecho", args, UK_PRIORITY_DEFAULT, &right, 1);
	if (server < 0) {
		printf("ipcbench: cannot start the server: %s\n", err_str(server));
		return 1;
	}
	const struct uk_kinfo_cpu *cpu = cpu_info();
	const char *unit = tsc_unit();
	if (cpu)
		printf("ipcbench: cpu \"%s\" family %u model %u stepping %u, "
		       "hypervisor \"%s\"\n", cpu->brand, cpu->family, cpu->model,
		       cpu->stepping, cpu->hypervisor);
	printf("ipcbench: %s\n", tsc_description());
	uint64_t start = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		uk_task_self();
	printf("bench: null syscall (task_self): %lu %s\n",
	       (rdtsc() - start) / ROUNDS, unit);
	static const uint32_t sizes[] = { 0, 64, 1024 };
	for (unsigned i = 0; i < 3; i++) {
		uint64_t per;
		rc = round_trips((uk_name_t)port, sizes[i], &per);
		if (rc < 0) {
			printf("ipcbench: call failed: %s\n", err_str(rc));
			return 1;
		}
		printf("bench: ipc call+reply round trip, %u B inline request: %lu "
		       "%s (mean of %d)\n", sizes[i], per, unit, ROUNDS);
	}
	uint64_t median, overhead;
	rc = round_trip_median((uk_name_t)port, &median, &overhead);
	if (rc < 0) {
		printf("ipcbench: call failed: %s\n", err_str(rc));
		return 1;
	}
	printf("bench: ipc null call+reply round trip: median %lu %s of %d, each "
	       "timed alone (timing overhead %lu subtracted) on \"%s\"\n",
	       median, unit, SAMPLES, overhead, cpu ? cpu->brand : "?");
	static const uint64_t ool_sizes[] = { 64 * 1024, 1024 * 1024 };
	for (unsigned i = 0; i < 2; i++) {
		for (int move = 0; move < 2; move++) {
			uint64_t per;
			rc = ool_round_trips((uk_name_t)port, ool_sizes[i], move, &per);
			if (rc < 0) {
				printf("ipcbench: out-of-line call failed: %s\n", err_str(rc));
				return 1;
			}
			/* With -icount shift=0 one instruction is one ns of
			 * virtual time, so bytes per instruction * 1000 = MB/s. */
			printf("bench: ipc out-of-line %s %lu KiB per call: %lu %s, "
			       "%lu.%02lu bytes per %s (mean of %d)\n",
			       move ? "move" : "copy", ool_sizes[i] / 1024, per, unit,
			       ool_sizes[i] / per, ool_sizes[i] * 100 / per % 100,
			       tsc_unit_one(), OOL_ROUNDS);
		}
	}
	uint64_t per_fault, per_anon, per_zero, per_sync, per_evict;
	if ((rc = page_faults(&per_fault, &per_anon, &per_zero, &per_sync,
			      &per_evict)) < 0) {
		printf("ipcbench: page faults failed: %s\n", err_str(rc));
		return 1;
	}
	printf("bench: page fault served by a local pager (a thread of the "
	       "faulting task): %lu %s per 4 KiB page, %lu.%02lu bytes per %s "
	       "(mean of %d)\n", per_fault, unit, 4096 / per_fault,
	       4096 * 100 / per_fault % 100, tsc_unit_one(), FAULT_PAGES);
	printf("bench: page-out to a local pager, pages kept (vm_sync, a copy "
	       "each, received and freed by the pager): %lu %s per dirty 4 KiB "
	       "page (mean of %d)\n", per_sync, unit, FAULT_PAGES);
	printf("bench: page-out to a local pager, pages evicted (vm_sync "
	       "UK_VM_SYNC_EVICT, frames moved): %lu %s per dirty 4 KiB page "
	       "(mean of %d)\n", per_evict, unit, FAULT_PAGES);
	printf("bench: anonymous memory, allocated eagerly and zeroed by the "
	       "kernel, first touch: %lu %s per 4 KiB page (mean of %d)\n",
	       per_anon, unit, FAULT_PAGES);
	printf("bench: zero-fill fault served by the kernel (UK_VM_LAZY), "
	       "allocation included: %lu %s per 4 KiB page (mean of %d)\n",
	       per_zero, unit, FAULT_PAGES);
	struct uk_msg_header quit = { .size = sizeof(quit), .id = IPCECHO_QUIT,
				      .dest = (uk_name_t)port };
	uk_ipc_send(&quit, sizeof(quit), UK_TIMEOUT_INFINITE);
	struct uk_exit_status st;
	wait_task((uint64_t)server, &st, 10000000000ull);
	printf("ipcbench: done\n");
	return st.code;
}
