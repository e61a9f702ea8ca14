/* SPDX-License-Identifier: MIT */
/*
 * CONS: the serial console server (uk/proto/cons.h), run with
 * with=dev,console. Nobody types during a test run, so input is made with
 * the UART's loopback mode: this test holds the hardware roots, derives
 * COM1's ports and sets MCR.LOOP, after which every byte transmitted comes
 * back as received input (a byte the console server writes, or one this
 * test writes straight into the transmitter, which raises the receive
 * interrupt like a keystroke). While loopback is on, nothing may print:
 * the kernel log would come back as input. Results are checked after it
 * is off again.
 */
#include <string.h>
#include <uk/proto/cons.h>

#include "shelltest.h"

#define COM1 0x3f8
#define UART_MCR 4
#define MCR_NORMAL 0x0b
#define MCR_LOOP 0x10

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static uk_name_t console(void)
{
	static uk_name_t port;

	if (!port) {
		long rc = ns_lookup("console", 10 * SECOND);
		if (rc > 0)
			port = (uk_name_t)rc;
		else
			st_fail(__FILE__, __LINE__, "no console server: %s", err_name(rc));
	}
	return port;
}

static union st_buf b;

/* A request to the console: id, body; the reply stays in b. */
static long cons_call(uint32_t id, const void *body, uint32_t len)
{
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = id;
	b.h.dest = console();
	memcpy(uk_msg_body(&b.h), body, len);
	b.h.size = sizeof(b.h) + len;
	long rc = uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), 10 * SECOND);
	return rc < 0 ? rc : st_status(&b.h);
}

static long cons_write(const void *data, uint32_t len, uint32_t *count)
{
	long rc = cons_call(CONS_WRITE, data, len);

	if (rc == 0)
		*count = ((struct uk_cons_io_reply *)st_reply_body(&b.h))->count;
	return rc;
}

/* Read into out (NUL-terminated); returns the count or a negative error. */
static long cons_read(uint32_t max, uint64_t timeout_ns, char *out, size_t size)
{
	struct uk_cons_read_req rq = { max, 0, timeout_ns };
	long rc = cons_call(CONS_READ, &rq, sizeof(rq));

	if (rc < 0)
		return rc;
	struct uk_cons_io_reply *r = st_reply_body(&b.h);
	uint32_t have = uk_msg_body_len(&b.h) - (uint32_t)(sizeof(struct uk_rpc_status) + sizeof(*r));
	uint32_t n = r->count < have ? r->count : have;
	if (n >= size)
		n = (uint32_t)size - 1;
	memcpy(out, r + 1, n);
	out[n] = '\0';
	return r->count;
}

static struct uk_cons_stats stats(void)
{
	struct uk_cons_stats s;

	memset(&s, 0, sizeof(s));
	if (cons_call(CONS_STATS, NULL, 0) == 0)
		memcpy(&s, st_reply_body(&b.h), sizeof(s));
	return s;
}

/* An asynchronous read whose reply goes to the receive right reply. */
static long read_async(uk_name_t reply, uint32_t max, uint64_t timeout_ns)
{
	union st_buf m;
	struct uk_cons_read_req rq = { max, 0, timeout_ns };

	memset(&m.h, 0, sizeof(m.h));
	m.h.id = CONS_READ;
	m.h.dest = console();
	m.h.reply = reply;
	m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	memcpy(uk_msg_body(&m.h), &rq, sizeof(rq));
	m.h.size = sizeof(m.h) + sizeof(rq);
	return uk_ipc_send(&m.h, m.h.size, SECOND);
}

/* The reply to an asynchronous read: status, bytes into out. */
static long read_reply(uk_name_t port, uint64_t timeout_ns, char *out, size_t size)
{
	union st_buf m;
	long rc = uk_ipc_receive(port, &m.h, sizeof(m), timeout_ns);

	out[0] = '\0';
	if (rc < 0)
		return rc;
	rc = st_status(&m.h);
	if (rc < 0)
		return rc;
	struct uk_cons_io_reply *r = st_reply_body(&m.h);
	uint32_t n = r->count < size - 1 ? r->count : (uint32_t)size - 1;
	memcpy(out, r + 1, n);
	out[n] = '\0';
	return r->count;
}

/* Whatever input is buffered (e.g. bytes of an earlier test) is dropped. */
static void drain_input(void)
{
	static char junk[4096];

	while (cons_read(sizeof(junk), 0, junk, sizeof(junk)) > 0)
		;
}

static bool loopback(bool on)
{
	static uk_name_t io;

	if (!io) {
		long c = uk_cap_derive(uk_startup_info->rights[UK_STARTUP_HW_IO], COM1, 8);
		if (c < 0 || uk_io_enable((uk_name_t)c) < 0) {
			st_fail(__FILE__, __LINE__, "cannot reach COM1's ports: %s", err_name(c));
			return false;
		}
		io = (uk_name_t)c;
	}
	outb(COM1 + UART_MCR, on ? MCR_NORMAL | MCR_LOOP : MCR_NORMAL);
	return true;
}

DEFINE_TEST(CONS0001, write_returns_count_and_is_counted)
{
	static const char msg[] = "shelltest: written through the console server\n";
	uint32_t count = 0;
	struct uk_cons_stats before = stats();

	EXPECT_EQ(cons_write(msg, sizeof(msg) - 1, &count), 0);
	EXPECT_EQ(count, sizeof(msg) - 1);
	struct uk_cons_stats after = stats();
	EXPECT_EQ(after.tx_bytes - before.tx_bytes, sizeof(msg) - 1);
	EXPECT_EQ(cons_write("", 0, &count), 0);
	EXPECT_EQ(count, 0);
}

DEFINE_TEST(CONS0002, read_times_out_without_input)
{
	char buf[16];

	drain_input();
	uint64_t t0 = (uint64_t)uk_clock();
	EXPECT_ERR(cons_read(sizeof(buf), 0, buf, sizeof(buf)), ERR_TIMED_OUT);
	EXPECT_ERR(cons_read(sizeof(buf), 50 * MS, buf, sizeof(buf)), ERR_TIMED_OUT);
	uint64_t took = (uint64_t)uk_clock() - t0;
	EXPECT(took >= 50 * MS);
	EXPECT(took < 2 * SECOND);
}

DEFINE_TEST(CONS0003, malformed_requests_are_refused)
{
	struct uk_cons_read_req rq = { 0, 0, 0 };

	EXPECT_ERR(cons_call(UK_PROTO_CONS + 0x7f, NULL, 0), ERR_UNSUPPORTED);
	EXPECT_ERR(cons_call(UK_PROTO_PROC + 1, NULL, 0), ERR_UNSUPPORTED);
	EXPECT_ERR(cons_call(CONS_READ, &rq, 4), ERR_INVALID);
	EXPECT_ERR(cons_call(CONS_READ, &rq, sizeof(rq)), ERR_INVALID); /* max 0 */
	/* A right sent along is refused and released, not kept. */
	uk_name_t p = st_port();
	struct uk_port_info info;
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = CONS_STATS;
	b.h.dest = console();
	b.h.n_ports = 1;
	uk_msg_ports(&b.h)[0] = (struct uk_msg_port){ p, UK_DISP_MAKE_SEND };
	b.h.size = sizeof(b.h) + sizeof(struct uk_msg_port);
	long rc = uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), 10 * SECOND);
	EXPECT(rc > 0);
	EXPECT_ERR(st_status(&b.h), ERR_INVALID);
	EXPECT_EQ(uk_port_info(p, &info), 0);
	EXPECT_EQ(info.senders, 1); /* ours only */
	uk_port_destroy(p);
	/* The server still answers. */
	uint32_t count = 0;
	EXPECT_EQ(cons_write("", 0, &count), 0);
}

DEFINE_TEST(CONS0004, input_goes_to_readers_in_arrival_order)
{
	static char pattern[4584], got[4200];
	char r1[64], r2[64], r3[64], r4[64];
	long rc1, rc2, rc3, rc4, wrc;
	uint32_t count = 0, total = 0;
	bool same = true;
	uk_name_t p1 = st_port(), p2 = st_port(), p3 = st_port();

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)('a' + i % 26);
	drain_input();
	struct uk_cons_stats s0 = stats();
	if (!loopback(true))
		return;
	/* Two readers queue, then five bytes arrive: the first reader gets
	 * what it asked for, the second the rest. */
	read_async(p1, 3, 5 * SECOND);
	read_async(p2, 100, 5 * SECOND);
	wrc = cons_write("hello", 5, &count);
	rc1 = read_reply(p1, 5 * SECOND, r1, sizeof(r1));
	rc2 = read_reply(p2, 5 * SECOND, r2, sizeof(r2));
	/* A byte the test puts into the transmitter arrives by interrupt. */
	struct uk_cons_stats s1 = stats();
	read_async(p1, 10, 5 * SECOND);
	outb(COM1, 'Z');
	rc3 = read_reply(p1, 5 * SECOND, r3, sizeof(r3));
	struct uk_cons_stats s2 = stats();
	/* A reader that went away before input came loses nothing. */
	read_async(p3, 10, 5 * SECOND);
	uk_port_destroy(p3);
	cons_write("abc", 3, &count);
	rc4 = cons_read(10, SECOND, r4, sizeof(r4));
	/* More than the ring holds: the newest bytes are dropped, counted. */
	struct uk_cons_stats s3 = stats();
	cons_write(pattern, 3584, &count);
	cons_write(pattern + 3584, 1000, &count);
	struct uk_cons_stats s4 = stats();
	for (long n; (n = cons_read(3584, 0, got, sizeof(got))) > 0; total += (uint32_t)n)
		if (memcmp(got, pattern + total, (size_t)n))
			same = false;
	loopback(false);

	EXPECT_EQ(wrc, 0);
	EXPECT_EQ(rc1, 3);
	EXPECT_STR(r1, "hel");
	EXPECT_EQ(rc2, 2);
	EXPECT_STR(r2, "lo");
	EXPECT_EQ(rc3, 1);
	EXPECT_STR(r3, "Z");
	EXPECT(s2.interrupts > s1.interrupts);
	EXPECT_EQ(rc4, 3);
	EXPECT_STR(r4, "abc");
	EXPECT_EQ(s1.rx_bytes - s0.rx_bytes, 5);
	EXPECT_EQ(s4.rx_overruns - s3.rx_overruns, 4584 - 4096);
	EXPECT_EQ(total, 4096);
	EXPECT(same);
	uk_port_destroy(p1);
	uk_port_destroy(p2);
}

DEFINE_TEST(CONS0005, reader_deadline_is_kept_while_others_wait)
{
	uk_name_t p1 = st_port(), p2 = st_port();
	char r1[16], r2[16];

	drain_input();
	/* A long read and a short one: the short one times out on time, the
	 * long one is still served when input comes. */
	read_async(p1, 10, 10 * SECOND);
	uint64_t t0 = (uint64_t)uk_clock();
	read_async(p2, 10, 100 * MS);
	long rc2 = read_reply(p2, 5 * SECOND, r2, sizeof(r2));
	uint64_t took = (uint64_t)uk_clock() - t0;
	uint32_t count;
	long rc1 = -1;
	if (loopback(true)) {
		cons_write("q", 1, &count);
		rc1 = read_reply(p1, 5 * SECOND, r1, sizeof(r1));
		loopback(false);
	}
	EXPECT_ERR(rc2, ERR_TIMED_OUT);
	EXPECT(took >= 100 * MS && took < 2 * SECOND);
	EXPECT_EQ(rc1, 1);
	EXPECT_STR(r1, "q");
	uk_port_destroy(p1);
	uk_port_destroy(p2);
}
