/* SPDX-License-Identifier: MIT */
/*
 * blktest: the virtio block driver through the block protocol
 * (include/uk/proto/blk.h), on a scratch disk of 16 MiB (--disk; the ctest
 * script makes it). Tests have stable ids (BLK0001...), run one by one by
 * id or name (test=blktest:BLK0005), and the run ends with
 * "blktest: N passed, N failed". BLK0012 leaves a text pattern at known
 * sectors that the ctest script then finds in the image on the host.
 *
 * test=blktest:bench prints guest instructions per request instead (run it
 * under --icount, where rdtsc counts instructions).
 *
 * Disk layout (sectors): 1-99 small round trips, 100-107 pattern,
 * 200-6299 the size sweep, 6400-7199 pipelined requests, 8192-10239 the
 * 1 MiB round trip, 12288-14335 the benchmark, 16384-28671 concurrent
 * clients (2048 each), 30000-32047 pattern, the last sector pattern.
 */
#include <string.h>
#include <ulib.h>
#include "blkclient.h"

#define MIB (1u << 20)
#define SECONDS(n) ((uint64_t)(n)*1000000000ull)
#define DISK_SECTORS 32768u

struct test {
	const char *id, *name;
	void (*run)(void);
};

static int failures;
static uk_name_t blk;
static union blk_msgbuf *mb;
static uint8_t *wbuf, *rbuf; /* 1 MiB each */

static void fail(int line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(int line, const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("blktest:   FAIL line %d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(__LINE__, "%s", #cond);                           \
	} while (0)
#define EXPECT_EQ(a, b)                                                        \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_)                                                  \
			fail(__LINE__, "%s == %s: %lld != %lld", #a, #b, a_,   \
			     b_);                                              \
	} while (0)
#define EXPECT_ERR(expr, err)                                                  \
	do {                                                                   \
		long r_ = (long)(expr);                                        \
		if (r_ != -(long)(err))                                        \
			fail(__LINE__, "%s: got %ld (%s), want %s", #expr, r_, \
			     r_ < 0 ? err_name(r_) : "success",                \
			     err_name(err));                                   \
	} while (0)

/* Data that differs per sector and per seed, so a misplaced sector shows. */
static void fill(uint8_t *p, uint64_t sector, uint32_t count, uint32_t seed)
{
	for (uint32_t s = 0; s < count; s++) {
		uint64_t x = (sector + s) * 0x9e3779b97f4a7c15ull ^ seed;
		for (uint32_t i = 0; i < UK_BLK_SECTOR; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(p + s * UK_BLK_SECTOR + i, &x, 8);
		}
	}
}

/* Write count sectors of seeded data at sector, read them back, compare. */
static void round_trip(uint64_t sector, uint32_t count, uint32_t seed)
{
	uint32_t bytes = count * UK_BLK_SECTOR;

	fill(wbuf, sector, count, seed);
	memset(rbuf, 0xee, bytes);
	long rc = blkc_write(blk, mb, sector, count, wbuf);
	if (rc < 0) {
		fail(__LINE__, "write %u sectors at %lu: %s", count,
		     (unsigned long)sector, err_str(rc));
		return;
	}
	rc = blkc_read(blk, mb, sector, count, rbuf);
	if (rc < 0) {
		fail(__LINE__, "read %u sectors at %lu: %s", count,
		     (unsigned long)sector, err_str(rc));
		return;
	}
	if (memcmp(wbuf, rbuf, bytes) != 0) {
		uint32_t at = 0;
		while (at < bytes && wbuf[at] == rbuf[at])
			at++;
		fail(__LINE__, "%u sectors at %lu read back differ at byte %u",
		     count, (unsigned long)sector, at);
	}
}

static void info_reports_the_disk(void)
{
	struct uk_blk_info info;

	EXPECT_EQ(blkc_info(blk, mb, &info), 0);
	EXPECT_EQ(info.sectors, DISK_SECTORS);
	EXPECT_EQ(info.sector_size, UK_BLK_SECTOR);
	EXPECT_EQ(info.max_transfer, UK_BLK_MAX_TRANSFER);
	EXPECT(info.flags & UK_BLK_CAN_FLUSH);
	EXPECT(!(info.flags & UK_BLK_READ_ONLY));
	EXPECT(info.queue_depth >= 1);
}

static void one_sector_round_trip(void)
{
	round_trip(1, 1, 1);
}

static void largest_inline_round_trip(void)
{
	round_trip(10, UK_RPC_INLINE_DATA / UK_BLK_SECTOR, 2);
}

static void smallest_out_of_line_round_trip(void)
{
	round_trip(20, UK_RPC_INLINE_DATA / UK_BLK_SECTOR + 1, 3);
}

static void one_mib_round_trip(void)
{
	round_trip(8192, UK_BLK_MAX_TRANSFER / UK_BLK_SECTOR, 4);
}

static void sizes_from_one_sector_to_one_mib(void)
{
	static const uint32_t counts[] = {1,   2,   3,	  6,	7,   8,
					  9,   15,  16,	  17,	64,  255,
					  256, 257, 1000, 2047, 2048};
	uint64_t sector = 200;

	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		round_trip(sector, counts[i], 100 + i);
		sector += counts[i];
	}
	EXPECT(sector <= 6300);
}

static void flush_completes(void)
{
	round_trip(30, 4, 5);
	EXPECT_EQ(blkc_flush(blk, mb), 0);
}

/* Concurrent clients: threads, each with its own region, buffers and
 * message buffer, all calling at once; large transfers among them so
 * the driver runs out of bounce memory and has to park requests. */
#define CLIENTS 6
#define CLIENT_ROUNDS 12
struct client {
	unsigned index;
	uk_name_t done_port;
	union blk_msgbuf *mb;
	uint8_t *w, *r;
	unsigned errors, mismatches;
	long first_error;
};

static void client_thread(void *arg)
{
	static const uint32_t counts[] = {1, 8, 2048, 64, 512, 2048, 7, 1024};
	struct client *c = arg;
	uint64_t base = 16384 + (uint64_t)c->index * 2048;

	for (unsigned i = 0; i < CLIENT_ROUNDS; i++) {
		uint32_t count = counts[(i + c->index) % 8];
		uint64_t sector = base + (i * 37u) % (2048 - count + 1);
		uint32_t seed = 1000 + c->index * 100 + i;
		fill(c->w, sector, count, seed);
		long rc = blkc_write(blk, c->mb, sector, count, c->w);
		if (rc == 0)
			rc = blkc_read(blk, c->mb, sector, count, c->r);
		if (rc == 0 && i % 4 == 3)
			rc = blkc_flush(blk, c->mb);
		if (rc < 0) {
			if (!c->errors++)
				c->first_error = rc;
			continue;
		}
		if (memcmp(c->w, c->r, count * UK_BLK_SECTOR))
			c->mismatches++;
	}
	struct uk_msg_header h = {
	    .size = sizeof(h), .id = c->index, .dest = c->done_port};
	uk_ipc_send(&h, sizeof(h), UK_TIMEOUT_INFINITE);
	uk_thread_exit();
}

static void concurrent_clients_keep_their_data(void)
{
	static struct client clients[CLIENTS];
	long done = uk_port_allocate(UK_RIGHT_RECEIVE);
	unsigned finished = 0;

	EXPECT(done > 0);
	if (done <= 0)
		return;
	uk_port_insert_right((uk_name_t)done, UK_DISP_MAKE_SEND);
	for (unsigned t = 0; t < CLIENTS; t++) {
		struct client *c = &clients[t];
		long mem = uk_vm_allocate(2 * MIB + sizeof(*c->mb) + 65536,
					  UK_VM_READ | UK_VM_WRITE);
		EXPECT(mem > 0);
		if (mem <= 0)
			return;
		*c = (struct client){.index = t, .done_port = (uk_name_t)done};
		c->w = (uint8_t *)mem;
		c->r = c->w + MIB;
		c->mb = (union blk_msgbuf *)(c->r + MIB);
		uint64_t stack_top =
		    (uint64_t)mem + 2 * MIB + sizeof(*c->mb) + 65536;
		long tid = uk_thread_create((uint64_t)client_thread, stack_top,
					    (uint64_t)c, UK_PRIORITY_DEFAULT);
		EXPECT(tid > 0);
		if (tid <= 0)
			return;
	}
	uint64_t deadline = (uint64_t)uk_clock() + SECONDS(120);
	while (finished < CLIENTS) {
		struct uk_msg_header h;
		uint64_t now = (uint64_t)uk_clock();
		long rc = now < deadline
			      ? uk_ipc_receive((uk_name_t)done, &h, sizeof(h),
					       deadline - now)
			      : -ERR_TIMED_OUT;
		if (rc < 0) {
			fail(__LINE__, "only %u of %u clients finished: %s",
			     finished, CLIENTS, err_str(rc));
			return; /* the threads keep their memory: the test
				   failed */
		}
		finished++;
	}
	for (unsigned t = 0; t < CLIENTS; t++) {
		struct client *c = &clients[t];
		if (c->errors)
			fail(__LINE__, "client %u: %u failed calls, first %s",
			     t, c->errors, err_str(c->first_error));
		EXPECT_EQ(c->mismatches, 0);
		uk_vm_free((uint64_t)c->w, 2 * MIB + sizeof(*c->mb) + 65536);
	}
	uk_port_destroy((uk_name_t)done);
}

/* One client with many requests outstanding at once: each sent with its
 * own reply port, the answers taken from a port set in whatever order
 * they come. More of them than the driver has request slots. */
#define PIPELINE 100
#define PIPELINE_SECTORS 8u

static long pipeline_send(uint32_t id, uk_name_t reply, uint64_t sector,
			  const void *data)
{
	struct {
		struct uk_msg_header h;
		struct uk_msg_ool o;
		struct uk_blk_req rq;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.id = id;
	m.h.dest = blk;
	m.h.reply = reply;
	m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	m.h.n_ool = data ? 1 : 0;
	if (data)
		m.o = (struct uk_msg_ool){(uint64_t)(uintptr_t)data,
					  PIPELINE_SECTORS * UK_BLK_SECTOR,
					  UK_OOL_COPY, 0};
	struct uk_blk_req *rq = uk_msg_body(&m.h);
	rq->sector = sector;
	rq->count = PIPELINE_SECTORS;
	m.h.size = (uint32_t)((uint8_t *)(rq + 1) - (uint8_t *)&m);
	return uk_ipc_send(&m.h, m.h.size, SECONDS(10));
}

static void pipelined_requests_from_one_client(void)
{
	static uk_name_t ports[PIPELINE];
	static uint8_t answered[PIPELINE];
	const uint32_t bytes = PIPELINE_SECTORS * UK_BLK_SECTOR;
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);

	EXPECT(set > 0);
	for (unsigned i = 0; i < PIPELINE; i++) {
		ports[i] = (uk_name_t)uk_port_allocate(UK_RIGHT_RECEIVE);
		uk_port_set_add((uk_name_t)set, ports[i]);
		fill(wbuf + i * bytes, 6400 + i * PIPELINE_SECTORS,
		     PIPELINE_SECTORS, 77);
	}
	for (int pass = 0; pass < 2; pass++) {
		uint32_t id = pass ? BLK_READ : BLK_WRITE;
		for (unsigned i = 0; i < PIPELINE; i++) {
			long rc = pipeline_send(id, ports[i],
						6400 + i * PIPELINE_SECTORS,
						pass ? NULL : wbuf + i * bytes);
			if (rc < 0) {
				fail(__LINE__, "send %u: %s", i, err_str(rc));
				return;
			}
		}
		memset(answered, 0, sizeof(answered));
		unsigned out_of_order = 0, last = 0;
		for (unsigned n = 0; n < PIPELINE; n++) {
			long rc = uk_ipc_receive((uk_name_t)set, &mb->h,
						 sizeof(*mb), SECONDS(30));
			if (rc < 0) {
				fail(__LINE__, "pass %d: %u answers of %u: %s",
				     pass, n, PIPELINE, err_str(rc));
				return;
			}
			unsigned i = 0;
			while (i < PIPELINE && ports[i] != mb->h.dest)
				i++;
			EXPECT(i < PIPELINE);
			if (i >= PIPELINE)
				continue;
			EXPECT_EQ(answered[i], 0);
			answered[i] = 1;
			out_of_order += i < last;
			last = i;
			uint32_t len;
			const struct uk_rpc_status *st = uk_msg_body(&mb->h);
			EXPECT_EQ(st->status, 0);
			const struct uk_blk_io_reply *io =
			    blkc_reply_body(mb, &len);
			EXPECT(len >= sizeof(*io) && io->bytes == bytes);
			if (pass && mb->h.n_ool == 1) {
				const struct uk_msg_ool *o =
				    uk_msg_ools(&mb->h);
				if (memcmp((const void *)(uintptr_t)o->address,
					   wbuf + i * bytes, bytes))
					fail(__LINE__,
					     "pipelined read %u has the wrong "
					     "data",
					     i);
				uk_vm_free(o->address, o->size);
			} else if (pass) {
				fail(__LINE__,
				     "read %u came without its region", i);
			}
		}
		printf("blktest:   pass %d: %u answers before an earlier "
		       "request's\n",
		       pass, out_of_order);
	}
	for (unsigned i = 0; i < PIPELINE; i++)
		uk_port_destroy(ports[i]);
	uk_port_destroy((uk_name_t)set);
}

/* The frames the driver task holds (kinfo), to see it leaks nothing. */
static uint64_t driver_frames(void)
{
	static struct uk_kinfo_task tasks[64];
	long n = uk_kinfo(UK_KINFO_TASKS, tasks, sizeof(tasks));

	for (long i = 0; i < n && i < 64; i++)
		if (!strcmp(tasks[i].name, "virtio-blk"))
			return tasks[i].frames;
	return 0;
}

/* A raw request: body bytes after the header and n_ool regions. */
static long raw(uint32_t id, const void *body, uint32_t body_len,
		const struct uk_msg_ool *ools, unsigned n_ool)
{
	memset(&mb->h, 0, sizeof(mb->h));
	mb->h.id = id;
	mb->h.dest = blk;
	mb->h.n_ool = (uint16_t)n_ool;
	for (unsigned i = 0; i < n_ool; i++)
		uk_msg_ools(&mb->h)[i] = ools[i];
	memcpy(uk_msg_body(&mb->h), body, body_len);
	mb->h.size =
	    (uint32_t)((uint8_t *)uk_msg_body(&mb->h) - mb->bytes) + body_len;
	return blkc_call(mb);
}

static void bad_requests_are_refused_and_counted(void)
{
	struct uk_blk_stats before, after;
	struct {
		struct uk_blk_req rq;
		uint8_t data[UK_RPC_INLINE_DATA];
	} b;
	const uint32_t rq_len = sizeof(struct uk_blk_req);
	long region = uk_vm_allocate(3 * 4096, UK_VM_READ | UK_VM_WRITE);
	unsigned bad = 0;

	EXPECT(region > 0);
	/* What the bad writes aim at, to show they changed nothing. */
	fill(wbuf, 40, 32, 9);
	EXPECT_EQ(blkc_write(blk, mb, 40, 32, wbuf), 0);
	EXPECT_EQ(blkc_stats(blk, mb, &before), 0);
	uint64_t frames = driver_frames();

#define BAD(rq_sector, rq_count, len, ools, n, err)                            \
	do {                                                                   \
		b.rq = (struct uk_blk_req){(rq_sector), (rq_count), 0};        \
		EXPECT_ERR(raw(id, &b, (len), (ools), (n)), err);              \
		bad++;                                                         \
	} while (0)

	uint32_t id = BLK_READ;
	BAD(DISK_SECTORS, 1, rq_len, NULL, 0, ERR_INVALID); /* past the end */
	BAD(DISK_SECTORS - 1, 2, rq_len, NULL, 0,
	    ERR_INVALID);				  /* runs past it */
	BAD(UINT64_MAX, 2, rq_len, NULL, 0, ERR_INVALID); /* wraps around */
	BAD(0, 0, rq_len, NULL, 0, ERR_INVALID);	  /* no sectors */
	BAD(0, UK_BLK_MAX_TRANSFER / UK_BLK_SECTOR + 1, rq_len, NULL, 0,
	    ERR_INVALID);
	BAD(0, 1, rq_len + 4, NULL, 0, ERR_INVALID); /* trailing bytes */
	BAD(0, 1, rq_len - 8, NULL, 0, ERR_INVALID); /* short */
	struct uk_msg_ool one = {(uint64_t)region, 4096, UK_OOL_COPY, 0};
	BAD(40, 8, rq_len, &one, 1, ERR_INVALID); /* a read with data */

	id = BLK_WRITE;
	memset(b.data, 0xbd, sizeof(b.data));
	BAD(40, 1, rq_len + 511, NULL, 0, ERR_INVALID); /* a byte short */
	BAD(40, 2, rq_len + 512, NULL, 0, ERR_INVALID); /* a sector short */
	BAD(40, 1, rq_len + 513, NULL, 0, ERR_INVALID); /* a byte over */
	BAD(40, 16, rq_len, &one, 1, ERR_INVALID);	/* region too small */
	struct uk_msg_ool big = {(uint64_t)region, 3 * 4096, UK_OOL_COPY, 0};
	BAD(40, 8, rq_len, &big, 1, ERR_INVALID); /* region far too large */
	struct uk_msg_ool two[2] = {one, one};
	BAD(40, 8, rq_len, two, 2, ERR_INVALID); /* two regions */
	BAD(40, 8, rq_len + 512, &one, 1,
	    ERR_INVALID); /* region and inline data */
	BAD(DISK_SECTORS, 8, rq_len, &one, 1, ERR_INVALID);

	id = BLK_FLUSH;
	BAD(0, 0, 0, &one, 1, ERR_INVALID); /* a flush with data */
	id = UK_PROTO_BLK + 99;
	BAD(0, 0, 0, NULL, 0, ERR_UNSUPPORTED); /* no such operation */
	id = UK_PROTO_FS + 1;
	BAD(0, 0, rq_len, NULL, 0, ERR_UNSUPPORTED); /* another protocol */
#undef BAD

	/* A request nobody can be answered for is dropped and counted. */
	struct {
		struct uk_msg_header h;
		struct uk_blk_req rq;
	} noreply = {{.size = sizeof(noreply), .id = BLK_READ, .dest = blk},
		     {0, 1, 0}};
	EXPECT_EQ(uk_ipc_send(&noreply.h, sizeof(noreply), SECONDS(10)), 0);
	bad++;

	EXPECT_EQ(blkc_stats(blk, mb, &after), 0);
	EXPECT_EQ(after.bad_requests - before.bad_requests, bad);
	EXPECT_EQ(after.writes, before.writes);
	EXPECT_EQ(after.reads, before.reads);
	EXPECT_EQ(driver_frames(), frames); /* every refused region was freed */
	/* The target is untouched and the driver still serves. */
	EXPECT_EQ(blkc_read(blk, mb, 40, 32, rbuf), 0);
	EXPECT(memcmp(wbuf, rbuf, 32 * UK_BLK_SECTOR) == 0);
	round_trip(50, 3, 10);
	uk_vm_free((uint64_t)region, 3 * 4096);
}

static void range_boundaries(void)
{
	EXPECT_EQ(blkc_read(blk, mb, DISK_SECTORS - 1, 1, rbuf), 0);
	EXPECT_EQ(blkc_read(blk, mb, DISK_SECTORS - 2048, 2048, rbuf), 0);
	EXPECT_ERR(blkc_read(blk, mb, DISK_SECTORS - 2047, 2048, rbuf),
		   ERR_INVALID);
	EXPECT_ERR(blkc_write(blk, mb, DISK_SECTORS, 1, wbuf), ERR_INVALID);
}

static void stats_count_the_traffic(void)
{
	struct uk_blk_stats before, after;

	EXPECT_EQ(blkc_stats(blk, mb, &before), 0);
	fill(wbuf, 60, 8, 11);
	EXPECT_EQ(blkc_write(blk, mb, 60, 8, wbuf), 0);
	EXPECT_EQ(blkc_write(blk, mb, 68, 8, wbuf), 0);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(blkc_read(blk, mb, 60 + i, 1, rbuf), 0);
	EXPECT_EQ(blkc_flush(blk, mb), 0);
	EXPECT_EQ(blkc_stats(blk, mb, &after), 0);
	EXPECT_EQ(after.writes - before.writes, 2);
	EXPECT_EQ(after.reads - before.reads, 3);
	EXPECT_EQ(after.flushes - before.flushes, 1);
	EXPECT_EQ(after.bytes_written - before.bytes_written,
		  2 * 8 * UK_BLK_SECTOR);
	EXPECT_EQ(after.bytes_read - before.bytes_read, 3 * UK_BLK_SECTOR);
	EXPECT_EQ(after.errors, before.errors);
	EXPECT(after.interrupts > before.interrupts);
	EXPECT_EQ(after.bad_requests, before.bad_requests);
}

/* "blktest sector 00000123 pattern\n" (32 bytes) 16 times per sector: the
 * ctest script makes the same text with awk and compares with dd/cmp. */
static void pattern(uint8_t *p, uint64_t sector, uint32_t count)
{
	for (uint32_t s = 0; s < count; s++)
		for (unsigned l = 0; l < UK_BLK_SECTOR / 32; l++) {
			char line[33];
			snprintf(line, sizeof(line),
				 "blktest sector %08lu pattern\n",
				 (unsigned long)(sector + s));
			memcpy(p + s * UK_BLK_SECTOR + l * 32, line, 32);
		}
}

static void pattern_for_the_host_check(void)
{
	static const struct {
		uint64_t sector;
		uint32_t count;
	} at[] = {{0, 1}, {100, 8}, {30000, 2048}, {DISK_SECTORS - 1, 1}};

	for (unsigned i = 0; i < 4; i++) {
		pattern(wbuf, at[i].sector, at[i].count);
		EXPECT_EQ(blkc_write(blk, mb, at[i].sector, at[i].count, wbuf),
			  0);
		EXPECT_EQ(blkc_read(blk, mb, at[i].sector, at[i].count, rbuf),
			  0);
		EXPECT(memcmp(wbuf, rbuf, at[i].count * UK_BLK_SECTOR) == 0);
	}
	EXPECT_EQ(blkc_flush(blk, mb), 0);
}

static const struct test tests[] = {
    {"BLK0001", "info_reports_the_disk", info_reports_the_disk},
    {"BLK0002", "one_sector_round_trip", one_sector_round_trip},
    {"BLK0003", "largest_inline_round_trip", largest_inline_round_trip},
    {"BLK0004", "smallest_out_of_line_round_trip",
     smallest_out_of_line_round_trip},
    {"BLK0005", "one_mib_round_trip", one_mib_round_trip},
    {"BLK0006", "sizes_from_one_sector_to_one_mib",
     sizes_from_one_sector_to_one_mib},
    {"BLK0007", "flush_completes", flush_completes},
    {"BLK0008", "concurrent_clients_keep_their_data",
     concurrent_clients_keep_their_data},
    {"BLK0009", "pipelined_requests_from_one_client",
     pipelined_requests_from_one_client},
    {"BLK0010", "bad_requests_are_refused_and_counted",
     bad_requests_are_refused_and_counted},
    {"BLK0011", "range_boundaries", range_boundaries},
    {"BLK0012", "pattern_for_the_host_check", pattern_for_the_host_check},
    {"BLK0013", "stats_count_the_traffic", stats_count_the_traffic},
};

/*
 * The benchmark. Under -icount shift=0 rdtsc advances one per instruction
 * while the CPU runs, but while it halts waiting for the device it
 * follows real time, which makes raw figures noisy. So a spinner thread
 * at the lowest priority keeps the CPU busy whenever nothing else can run,
 * counting its loops; its instructions (loops times the instructions per
 * loop, measured first while everything sleeps) are taken out. What is
 * left is the instructions the client, kernel and driver execute per
 * request; the raw figure (including the wait for the device) is printed
 * too.
 */
static volatile uint64_t spins;

static void spinner(void *arg)
{
	for (;;)
		spins++;
}

struct sample {
	uint64_t tsc, spins;
};

static struct sample now_sample(void)
{
	return (struct sample){rdtsc(), spins};
}

/* n requests of count sectors from sector on; the error of the first that
 * failed in *err. */
static void run_requests(uint32_t id, uint64_t sector, uint32_t count,
			 unsigned n, long *err)
{
	for (unsigned i = 0; i < n && !*err; i++) {
		uint64_t s = sector + (uint64_t)(i * count) % 2048;
		if (s + count > sector + 2048)
			s = sector;
		*err = id == BLK_READ ? blkc_read(blk, mb, s, count, NULL)
				      : blkc_write(blk, mb, s, count, wbuf);
	}
}

static int bench(void)
{
	static const struct {
		const char *what;
		uint32_t id, count;
		unsigned n;
	} runs[] = {
	    {"read 512 B (inline)", BLK_READ, 1, 400},
	    {"read 4 KiB", BLK_READ, 8, 400},
	    {"write 4 KiB", BLK_WRITE, 8, 400},
	    {"read 1 MiB", BLK_READ, 2048, 32},
	    {"write 1 MiB", BLK_WRITE, 2048, 32},
	};
	long err = 0;
	const uint64_t stack = 16384;
	long mem = uk_vm_allocate(stack, UK_VM_READ | UK_VM_WRITE);

	if (mem < 0 || uk_thread_create((uint64_t)spinner,
					(uint64_t)mem + stack, 0, 0) < 0) {
		printf("blktest: cannot start the spinner\n");
		return 1;
	}
	/* Instructions per spinner loop (x1000), with nothing else running. */
	struct sample a = now_sample();
	uk_sleep(200ull * 1000 * 1000);
	struct sample b = now_sample();
	if (b.spins == a.spins) {
		printf("blktest: the spinner does not run\n");
		return 1;
	}
	uint64_t per_spin_milli = (b.tsc - a.tsc) * 1000 / (b.spins - a.spins);
	printf("bench: spinner loop: %lu.%03lu %s\n",
	       (unsigned long)(per_spin_milli / 1000),
	       (unsigned long)(per_spin_milli % 1000), tsc_unit());

	fill(wbuf, 12288, 2048, 5);
	/* Warm up: the driver's buffers and this task's pages exist. */
	run_requests(BLK_WRITE, 12288, 2048, 2, &err);
	run_requests(BLK_READ, 12288, 2048, 2, &err);
	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]) && !err; i++) {
		a = now_sample();
		run_requests(runs[i].id, 12288, runs[i].count, runs[i].n, &err);
		b = now_sample();
		uint64_t total = b.tsc - a.tsc;
		uint64_t idle = (b.spins - a.spins) * per_spin_milli / 1000;
		uint64_t busy = (total > idle ? total - idle : 0) / runs[i].n;
		uint64_t with_device = total / runs[i].n;
		uint64_t kib = runs[i].count * UK_BLK_SECTOR / 1024;
		printf(
		    "bench: virtio-blk %s: %lu %s per request",
		    runs[i].what, busy, tsc_unit());
		if (kib)
			printf(", %lu per KiB", busy / kib);
		printf(" (with the device's time: %lu)\n", with_device);
	}
	if (err) {
		printf("blktest: bench request failed: %s\n", err_str(err));
		return 1;
	}
	printf("blktest: bench done\n");
	return 0;
}

static int selected(const struct test *t, int argc, char **argv)
{
	if (argc <= 1)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], t->id) || !strcmp(argv[i], t->name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	long rc = ns_lookup("blk0", SECONDS(30));

	if (rc < 0) {
		printf("blktest: no blk0 (is the driver started, "
		       "with=dev,virtio-blk, and a disk attached?): %s\n",
		       err_str(rc));
		return 2;
	}
	blk = (uk_name_t)rc;
	long mem =
	    uk_vm_allocate(2 * MIB + sizeof(*mb), UK_VM_READ | UK_VM_WRITE);
	if (mem <= 0) {
		printf("blktest: no memory for buffers\n");
		return 2;
	}
	wbuf = (uint8_t *)mem;
	rbuf = wbuf + MIB;
	mb = (union blk_msgbuf *)(rbuf + MIB);
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return bench();

	for (unsigned k = 0; k < sizeof(tests) / sizeof(tests[0]); k++) {
		const struct test *t = &tests[k];
		if (!selected(t, argc, argv))
			continue;
		failures = 0;
		t->run();
		if (failures) {
			failed++;
			printf("blktest: %s %s FAILED\n", t->id, t->name);
		} else {
			passed++;
			printf("blktest: %s %s ok\n", t->id, t->name);
		}
	}
	if (passed + failed == 0)
		printf("blktest: no test matches the arguments\n");
	printf("blktest: %d passed, %d failed\n", passed, failed);
	return failed || passed == 0;
}
