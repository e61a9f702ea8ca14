/* SPDX-License-Identifier: MIT */
/*
 * pxbench: figures for the proxy (tests/cluster/proxybench.sh).
 *
 *   pxbench               serve "pxbulk": PXB_NULL answers at once,
 *                         PXB_READ answers with an out-of-line region of
 *                         the size asked for (a remote read)
 *   pxbench call N COUNT  COUNT null calls to pxbulk@N: mean and median
 *                         round trip in wall time, and in TSC units per
 *                         call (guest instructions under -icount)
 *   pxbench read N MIB    MIB reads of 1 MiB from pxbulk@N: bytes/s
 *
 * Both also print the CPU each node spent per call or per MiB
 * (UK_KINFO_LOAD's busy ticks, asked of pxbulk for node N with PXB_LOAD):
 * guest instructions when the nodes run under -icount shift=0
 * (bench.proxy.icount), else TSC ticks of host time.
 *
 * Each prints one "bench:" line; the script sets them next to raw UDP and
 * TCP between the same nodes in the same run.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/rpc.h>

#define PXB_NULL 0x0e11u
#define PXB_READ 0x0e12u
#define PXB_LOAD 0x0e13u /* reply: status, struct uk_kinfo_load */
#define SECOND 1000000000ull
#define MIB (1024u * 1024u)

static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} in, out;

static int serve(void)
{
	long svc = service_create("pxbulk");
	if (svc <= 0) {
		printf("pxbench: cannot register pxbulk: %s\n", err_str(svc));
		return 1;
	}
	printf("pxbench: serving pxbulk\n");
	for (;;) {
		long rc = uk_ipc_receive((uk_name_t)svc, &in.h, sizeof(in), UK_TIMEOUT_INFINITE);
		if (rc < 0)
			continue;
		for (unsigned i = 0; i < in.h.n_ports; i++)
			uk_port_deallocate(uk_msg_ports(&in.h)[i].name);
		for (unsigned i = 0; i < in.h.n_ool; i++)
			if (uk_msg_ools(&in.h)[i].size)
				uk_vm_free(uk_msg_ools(&in.h)[i].address, uk_msg_ools(&in.h)[i].size);
		if (!in.h.reply)
			continue;
		memset(&out.h, 0, sizeof(out.h));
		out.h.id = in.h.id;
		out.h.dest = in.h.reply;
		out.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
		struct uk_rpc_status *st;
		uint64_t size = 0;
		if (in.h.id == PXB_READ && uk_msg_body_len(&in.h) >= 8) {
			memcpy(&size, uk_msg_body(&in.h), 8);
			if (size > MIB)
				size = MIB;
		}
		long region = size ? uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE) : 0;
		if (region > 0) {
			memset((void *)region, 0x5a, size);
			out.h.n_ool = 1;
			uk_msg_ools(&out.h)[0] = (struct uk_msg_ool){ (uint64_t)region, size,
								     UK_OOL_MOVE, 0 };
		}
		st = uk_msg_body(&out.h);
		st->status = in.h.id == PXB_NULL || region > 0 ? 0 : -ERR_INVALID;
		st->reserved = 0;
		out.h.size = (uint32_t)((uint8_t *)(st + 1) - out.bytes);
		if (in.h.id == PXB_LOAD) {
			struct uk_kinfo_load *l = (void *)(st + 1);
			long n = uk_kinfo(UK_KINFO_LOAD, l, sizeof(*l));
			st->status = n < 0 ? (int32_t)n : 0;
			out.h.size += (uint32_t)sizeof(*l);
		}
		uk_ipc_send(&out.h, out.h.size, SECOND);
	}
}

static long request(uk_name_t dest, uint32_t id, uint64_t arg)
{
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = id;
	out.h.dest = dest;
	memcpy(uk_msg_body(&out.h), &arg, 8);
	out.h.size = (uint32_t)sizeof(out.h) + 8;
	long rc = uk_ipc_call(&out.h, out.h.size, &in.h, sizeof(in), 30 * SECOND);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&in.h);
	if (in.h.id != id || uk_msg_body_len(&in.h) < sizeof(*st))
		return -ERR_INVALID;
	return st->status;
}

/* Busy ticks of this node and of node `node` (0 if unknown). */
struct loads {
	struct uk_kinfo_load here, there;
};

static void take_loads(uk_name_t dest, struct loads *l)
{
	memset(l, 0, sizeof(*l));
	if (request(dest, PXB_LOAD, 0) == 0 &&
	    uk_msg_body_len(&in.h) >=
		sizeof(struct uk_rpc_status) + sizeof(l->there))
		memcpy(&l->there,
		       (const uint8_t *)uk_msg_body(&in.h) +
			   sizeof(struct uk_rpc_status),
		       sizeof(l->there));
	uk_kinfo(UK_KINFO_LOAD, &l->here, sizeof(l->here));
}

/* "bench: WHAT cpu: node 1 X per UNIT, node 2 Y per UNIT (instructions)" */
static void print_loads(const char *what, uint32_t node, const struct loads *a,
			const struct loads *b, unsigned units, const char *unit)
{
	uint64_t here = (b->here.busy - a->here.busy) / units;
	uint64_t there = (b->there.busy - a->there.busy) / units;
	bool icount = b->here.tsc == UK_TSC_INSTRUCTIONS &&
		      b->there.tsc == UK_TSC_INSTRUCTIONS;
	struct uk_kinfo_boot boot;
	uint32_t self = uk_kinfo(UK_KINFO_BOOT, &boot, sizeof(boot)) > 0 ? boot.node : 0;
	printf("bench: %s cpu: node %u %lu per %s, node %u %lu per %s (%s)\n",
	       what, self, (unsigned long)here, unit, node, (unsigned long)there,
	       unit, icount ? "guest instructions" : "busy tsc ticks, host time");
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static long lookup(uint32_t node)
{
	long dest = ns_lookup_node("pxbulk", node, 20 * SECOND);
	if (dest <= 0)
		printf("pxbench: lookup pxbulk@%u: %s\n", node, err_str(dest));
	return dest;
}

static int calls(uint32_t node, unsigned count)
{
	long dest = lookup(node);
	if (dest <= 0)
		return 1;
	uint64_t *t = malloc(count * sizeof(*t));
	if (!t || request((uk_name_t)dest, PXB_NULL, 0) < 0) /* warm the path */
		return 1;
	struct loads la, lb;
	take_loads((uk_name_t)dest, &la);
	uint64_t t0 = (uint64_t)uk_clock(), c0 = rdtsc();
	for (unsigned i = 0; i < count; i++) {
		uint64_t s = (uint64_t)uk_clock();
		long rc = request((uk_name_t)dest, PXB_NULL, 0);
		if (rc < 0) {
			printf("pxbench: call %u: %s\n", i, err_name(rc));
			return 1;
		}
		t[i] = (uint64_t)uk_clock() - s;
	}
	uint64_t ns = (uint64_t)uk_clock() - t0, cycles = rdtsc() - c0;
	take_loads((uk_name_t)dest, &lb);
	qsort(t, count, sizeof(*t), cmp);
	printf("bench: remote_null_call %u round trips to node %u: %lu us per round "
	       "trip (median %lu us), %lu tsc per round trip\n",
	       count, node, (unsigned long)(ns / count / 1000),
	       (unsigned long)(t[count / 2] / 1000), (unsigned long)(cycles / count));
	print_loads("remote_null_call", node, &la, &lb, count, "call");
	free(t);
	uk_port_deallocate((uk_name_t)dest);
	return 0;
}

static int reads(uint32_t node, unsigned mib)
{
	long dest = lookup(node);
	if (dest <= 0)
		return 1;
	struct loads la, lb;
	take_loads((uk_name_t)dest, &la);
	uint64_t t0 = (uint64_t)uk_clock();
	for (unsigned i = 0; i < mib; i++) {
		long rc = request((uk_name_t)dest, PXB_READ, MIB);
		if (rc < 0 || in.h.n_ool != 1 || uk_msg_ools(&in.h)[0].size < MIB) {
			printf("pxbench: read %u: %s\n", i, rc < 0 ? err_name(rc) : "no region");
			return 1;
		}
		const uint8_t *p = (const uint8_t *)uk_msg_ools(&in.h)[0].address;
		if (p[0] != 0x5a || p[MIB - 1] != 0x5a) {
			printf("pxbench: read %u: wrong bytes\n", i);
			return 1;
		}
		uk_vm_free(uk_msg_ools(&in.h)[0].address, uk_msg_ools(&in.h)[0].size);
	}
	uint64_t ns = (uint64_t)uk_clock() - t0;
	take_loads((uk_name_t)dest, &lb);
	uint64_t bps = (uint64_t)mib * MIB * 1000000000ull / (ns ? ns : 1);
	printf("bench: remote_read %u MiB from node %u in 1 MiB calls: %lu KiB/s "
	       "(%lu Mbit/s)\n", mib, node, (unsigned long)(bps / 1024),
	       (unsigned long)(bps * 8 / 1000000));
	print_loads("remote_read", node, &la, &lb, mib, "MiB");
	uk_port_deallocate((uk_name_t)dest);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "call"))
		return calls((uint32_t)strtoul(argv[2], NULL, 10),
			     (unsigned)strtoul(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "read"))
		return reads((uint32_t)strtoul(argv[2], NULL, 10),
			     (unsigned)strtoul(argv[3], NULL, 10));
	if (argc == 1)
		return serve();
	printf("usage: pxbench | pxbench call NODE COUNT | pxbench read NODE MIB\n");
	return 2;
}
