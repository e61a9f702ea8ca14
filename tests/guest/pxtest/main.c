/* SPDX-License-Identifier: MIT */
/*
 * pxtest: the proxy between two nodes (docs/PROXY.md), from the inside.
 *
 *   pxtest            serve: register "pxecho" and answer PXT_ECHO, which
 *                     sends back the inline bytes, every port and every
 *                     out-of-line region it got, and the other requests
 *                     of pxecho.h (a cluster's servers=)
 *   pxtest call N     the checks below against pxecho@N, then the remote
 *                     null call round trip; "pxtest: K passed, F failed"
 *   pxtest hold N     look pxecho@N up, print "pxtest: holding", then call
 *                     it once a second and print each result: for fault
 *                     scenarios (kill, pause, cut the peer)
 *   pxtest loop N S   call PXT_COUNT on pxecho@N back to back for S seconds
 *                     (a fault that must lose nothing happens meanwhile):
 *                     every call must succeed and the served count must
 *                     grow by exactly one per call; prints the longest call
 *   pxtest fail N [idle] [again]
 *                     call PXT_COUNT back to back until a call fails (the
 *                     scenario kills, cuts or reboots node N; "idle": make
 *                     no calls, only wait for the notices): the failure
 *                     must be ERR_DEAD or ERR_UNREACHABLE within the
 *                     proxy's deadline (+ a margin), the right must become
 *                     a dead name with its notice, and local services go
 *                     on working; a port of ours that pxecho kept
 *                     (PXT_KEEP) must see no-senders, since node N's
 *                     proxy held its only send right. With "again", then
 *                     look pxecho@N up until that works (after a heal or
 *                     a reboot), call it, check the old right stays dead,
 *                     and whether the failed call ran (never after
 *                     ERR_UNREACHABLE)
 *   pxtest three N M  rights across three nodes (docs/PROXY.md, "Hand-off"),
 *                     with pxecho on nodes N and M: a right to pxecho@M
 *                     handed to pxecho@N, which calls it (M's served
 *                     count proves the call got there), timed; a port
 *                     minted on M handed to N, called, released: M's
 *                     pxecho sees no-senders; a port minted on N sent to
 *                     M with a right to pxecho@N, which M uses to send it
 *                     home: N's pxecho must get its own port back
 *   pxtest cut N M    a right to pxecho@M handed to pxecho@N while the
 *                     scenario keeps N and M apart: the hand-off fails
 *                     within its 10 s, node N's proxy answers the call
 *                     ERR_UNREACHABLE (not run: pxecho@N never sees it)
 *                     and nothing is left behind
 *   pxtest stats [empty]
 *                     print this node's proxy tables (PROXY_STATS); with
 *                     "empty", wait until they are empty
 * Every mode but serve and hold ends by waiting (with a deadline) until
 * the proxy's tables are empty and the kernel's object count is back to
 * what it was at the start (no leak), then "pxtest: K passed, F failed".
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/name.h>
#include <uk/proto/rpc.h>

#include "../../../proxy/server/service.h"
#include "pxecho.h"

#define MINTED_MAX 16u
#define SECOND 1000000000ull
#define MS 1000000ull
/* How much later than the proxy's deadline a dead peer may show. */
#define DETECT_MARGIN_MS 1000u
/* Kernel objects allowed above the start: other tasks come and go. */
#define KOBJECT_SLACK 8u

static union msg {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} in, out;

static unsigned passed, failed;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			passed++;                                               \
		} else {                                                        \
			failed++;                                               \
			printf("pxtest: FAILED %s:%d: ", __FILE__, __LINE__);   \
			printf(__VA_ARGS__);                                    \
			printf("\n");                                           \
		}                                                               \
	} while (0)

static uint64_t now_ms(void)
{
	return (uint64_t)uk_clock() / MS;
}

static union msg sub; /* pxecho's own calls */

/* pxecho's call `op` to dest with up to two ports (moved) and a u64:
 * the reply's status, its u64 in *value. */
static long sub_call(uint32_t op, uk_name_t dest, uk_name_t p0, uk_name_t p1,
		     uint64_t arg, uint64_t *value)
{
	memset(&sub.h, 0, sizeof(sub.h));
	sub.h.id = op;
	sub.h.dest = dest;
	sub.h.n_ports = p1 ? 2 : p0 ? 1 : 0;
	if (p0)
		uk_msg_ports(&sub.h)[0] = (struct uk_msg_port){ p0, UK_DISP_MOVE_SEND };
	if (p1)
		uk_msg_ports(&sub.h)[1] = (struct uk_msg_port){ p1, UK_DISP_MOVE_SEND };
	memcpy(uk_msg_body(&sub.h), &arg, 8);
	sub.h.size = (uint32_t)((uint8_t *)uk_msg_body(&sub.h) - sub.bytes) + 8;
	long rc = uk_ipc_call(&sub.h, sub.h.size, &sub.h, sizeof(sub), 20 * SECOND);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&sub.h);
	for (unsigned i = 0; i < sub.h.n_ports; i++)
		uk_port_deallocate(uk_msg_ports(&sub.h)[i].name);
	if (uk_msg_body_len(&sub.h) < sizeof(*st) + 8)
		return uk_msg_body_len(&sub.h) >= sizeof(*st) && st->status < 0
			       ? st->status
			       : -ERR_INVALID;
	memcpy(value, st + 1, 8);
	return st->status;
}

static int serve(void)
{
	static uk_name_t kept[16];
	static struct {
		uk_name_t name;
		bool released;
	} minted[MINTED_MAX];
	unsigned n_kept = 0, n_minted = 0;
	uint64_t served = 0, node = 0;

	long svc = service_create("pxecho");
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	long notify = set > 0 ? port_in_set((uk_name_t)set) : set;
	if (svc <= 0 || notify <= 0 || uk_port_set_add((uk_name_t)set, (uk_name_t)svc) < 0) {
		printf("pxtest: cannot register pxecho: %s\n",
		       err_str(svc <= 0 ? svc : notify));
		return 1;
	}
	long badged = uk_port_mint_delegable((uk_name_t)svc, PXT_BADGE_BASE, PXT_BADGE_BITS);
	long reg = badged > 0 ? ns_register("pxbadge", (uk_name_t)badged) : badged;
	if (reg < 0)
		printf("pxtest: cannot register pxbadge: %s\n", err_str(reg));
	/* Our node: the name server lists what we registered under it. */
	struct uk_name_entry me;
	uint32_t total;
	if (ns_list(0, &me, 1, &total) == 1)
		node = me.node;
	printf("pxtest: serving pxecho\n");
	for (;;) {
		long rc = uk_ipc_receive((uk_name_t)set, &in.h, sizeof(in), UK_TIMEOUT_INFINITE);
		if (rc >= 0 && (in.h.flags & UK_MSG_KERNEL)) {
			/* A minted port's last sender let go. */
			uk_name_t about = ((const struct uk_notification *)&in.h)->name;
			for (unsigned i = 0; i < MINTED_MAX; i++)
				if (in.h.id == UK_MSG_ID_NO_SENDERS && minted[i].name == about &&
				    !minted[i].released) {
					minted[i].released = true;
					uk_port_destroy(about);
					printf("pxtest: pxecho: no senders for minted port %lx\n",
					       (unsigned long)about);
				}
			continue;
		}
		if (rc >= 0 && in.h.reply && in.h.id == PXT_KEEP) {
			for (unsigned i = 0; i < in.h.n_ports; i++) {
				uk_name_t *slot = &kept[n_kept++ % 16];
				if (*slot)
					uk_port_deallocate(*slot);
				*slot = uk_msg_ports(&in.h)[i].name;
			}
		}
		if (rc >= 0 && in.h.reply && in.h.id >= PXT_MINT && in.h.id <= PXT_CHECK) {
			uk_name_t p[2] = { 0, 0 };
			uint64_t arg = 0, value = 0;
			long status = 0;
			uk_name_t give = 0;
			for (unsigned i = 0; i < in.h.n_ports && i < 2; i++)
				p[i] = uk_msg_ports(&in.h)[i].name;
			for (unsigned i = 2; i < in.h.n_ports; i++)
				uk_port_deallocate(uk_msg_ports(&in.h)[i].name);
			if (uk_msg_body_len(&in.h) >= 8)
				memcpy(&arg, uk_msg_body(&in.h), 8);
			uk_name_t reply = in.h.reply;
			uint32_t op = in.h.id;
			served++;
			if (op == PXT_MINT) {
				long m = uk_port_allocate(UK_RIGHT_RECEIVE);
				unsigned k = n_minted++ % MINTED_MAX;
				if (minted[k].name && !minted[k].released)
					uk_port_destroy(minted[k].name);
				minted[k].name = 0;
				if (m <= 0 ||
				    uk_port_insert_right((uk_name_t)m, UK_DISP_MAKE_SEND) < 0 ||
				    uk_port_request_notification((uk_name_t)m,
					    UK_NOTIFY_NO_SENDERS, (uk_name_t)notify) < 0 ||
				    uk_port_set_add((uk_name_t)set, (uk_name_t)m) < 0) {
					status = m <= 0 ? m : -ERR_LIMIT;
				} else {
					minted[k].name = (uk_name_t)m;
					minted[k].released = false;
					give = (uk_name_t)m;
					value = (uint64_t)m;
				}
			} else if (op == PXT_RELEASED) {
				status = -ERR_NOT_FOUND;
				for (unsigned i = 0; i < MINTED_MAX; i++)
					if (minted[i].name == (uk_name_t)arg) {
						status = 0;
						value = minted[i].released;
					}
			} else if (op == PXT_RELAY) {
				status = p[0] ? sub_call(PXT_COUNT, p[0], 0, 0, 0, &value)
					      : -ERR_INVALID;
				/* No line per call: the console would be most of
				 * the time measured. */
				if (p[0])
					uk_port_deallocate(p[0]);
				if (p[1])
					uk_port_deallocate(p[1]);
			} else if (op == PXT_BOUNCE) {
				/* Both rights move on: port 0 inside the call to
				 * port 1. */
				status = p[0] && p[1] ? sub_call(PXT_CHECK, p[1], p[0], 0, arg, &value)
						      : -ERR_INVALID;
				if (!p[0] || !p[1]) {
					if (p[0])
						uk_port_deallocate(p[0]);
					if (p[1])
						uk_port_deallocate(p[1]);
				} else {
					uk_port_deallocate(p[1]);
				}
				printf("pxtest: pxecho: bounced a right home: %s\n",
				       err_name(status));
			} else if (op == PXT_CHECK) {
				struct uk_port_info info;
				bool own = p[0] && p[0] == (uk_name_t)arg &&
					   uk_port_info(p[0], &info) == 0 &&
					   (info.rights & UK_RIGHT_RECEIVE);
				printf("pxtest: pxecho: a right came back as %lx: %s\n",
				       (unsigned long)p[0],
				       own ? "my own port" : "NOT my own port");
				status = own ? 0 : -ERR_INVALID;
				if (p[0])
					uk_port_deallocate(p[0]);
				if (p[1])
					uk_port_deallocate(p[1]);
			}
			memset(&out.h, 0, sizeof(out.h));
			out.h.id = op;
			out.h.dest = reply;
			out.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
			if (give) {
				out.h.n_ports = 1;
				uk_msg_ports(&out.h)[0] = (struct uk_msg_port){ give, UK_DISP_MOVE_SEND };
			}
			struct uk_rpc_status *st = uk_msg_body(&out.h);
			st->status = (int32_t)status;
			st->reserved = 0;
			memcpy(st + 1, &value, 8);
			out.h.size = (uint32_t)((uint8_t *)(st + 1) - out.bytes) + 8;
			if (uk_ipc_send(&out.h, out.h.size, SECOND) < 0)
				printf("pxtest: reply failed\n");
			continue;
		}
		if (rc >= 0 && in.h.reply &&
		    (in.h.id == PXT_COUNT || in.h.id == PXT_KEEP || in.h.id == PXT_BADGE ||
		     in.h.id == PXT_NODE)) {
			served++;
			memset(&out.h, 0, sizeof(out.h));
			out.h.id = in.h.id;
			out.h.dest = in.h.reply;
			out.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
			struct uk_rpc_status *st = uk_msg_body(&out.h);
			st->status = 0;
			st->reserved = 0;
			memcpy(st + 1, in.h.id == PXT_BADGE  ? &in.h.badge
				       : in.h.id == PXT_NODE ? &node
							     : &served, 8);
			out.h.size = (uint32_t)((uint8_t *)(st + 1) - out.bytes) + 8;
			for (unsigned i = 0; in.h.id != PXT_KEEP && i < in.h.n_ports; i++)
				uk_port_deallocate(uk_msg_ports(&in.h)[i].name);
			if (uk_ipc_send(&out.h, out.h.size, SECOND) < 0)
				printf("pxtest: reply failed\n");
			continue;
		}
		if (rc < 0 || !in.h.reply || in.h.id != PXT_ECHO) {
			/* Not ours to answer: drop what it carries. */
			for (unsigned i = 0; rc >= 0 && i < in.h.n_ports; i++)
				uk_port_deallocate(uk_msg_ports(&in.h)[i].name);
			for (unsigned i = 0; rc >= 0 && i < in.h.n_ool; i++)
				if (uk_msg_ools(&in.h)[i].size)
					uk_vm_free(uk_msg_ools(&in.h)[i].address,
						   uk_msg_ools(&in.h)[i].size);
			if (rc >= 0 && in.h.reply)
				uk_port_deallocate(in.h.reply);
			continue;
		}
		memset(&out.h, 0, sizeof(out.h));
		out.h.id = PXT_ECHO;
		out.h.dest = in.h.reply;
		out.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
		out.h.n_ports = in.h.n_ports;
		out.h.n_ool = in.h.n_ool;
		for (unsigned i = 0; i < in.h.n_ports; i++)
			uk_msg_ports(&out.h)[i] = (struct uk_msg_port){
				uk_msg_ports(&in.h)[i].name,
				uk_msg_ports(&in.h)[i].name ? UK_DISP_MOVE_SEND : UK_DISP_NONE };
		for (unsigned i = 0; i < in.h.n_ool; i++) {
			struct uk_msg_ool *o = &uk_msg_ools(&out.h)[i];
			*o = uk_msg_ools(&in.h)[i];
			o->flags = o->size ? UK_OOL_MOVE : UK_OOL_COPY;
		}
		served++;
		uint32_t len = uk_msg_body_len(&in.h);
		struct uk_rpc_status *st = uk_msg_body(&out.h);
		st->status = 0;
		st->reserved = 0;
		memcpy(st + 1, uk_msg_body(&in.h), len);
		out.h.size = (uint32_t)((uint8_t *)(st + 1) - out.bytes) + len;
		if (uk_ipc_send(&out.h, out.h.size, SECOND) < 0)
			printf("pxtest: reply failed\n");
	}
}

/* One echo call with inline bytes, optional port and region. Returns the
 * call's status; the reply stays in `in`. */
static long echo(uk_name_t dest, const void *data, uint32_t len, uk_name_t port,
		 uint64_t ool, uint64_t ool_size, uint64_t timeout)
{
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = PXT_ECHO;
	out.h.dest = dest;
	out.h.n_ports = port ? 1 : 0;
	out.h.n_ool = ool ? 1 : 0;
	if (port)
		uk_msg_ports(&out.h)[0] = (struct uk_msg_port){ port, UK_DISP_COPY_SEND };
	if (ool)
		uk_msg_ools(&out.h)[0] = (struct uk_msg_ool){ ool, ool_size, UK_OOL_COPY, 0 };
	memcpy(uk_msg_body(&out.h), data, len);
	out.h.size = (uint32_t)((uint8_t *)uk_msg_body(&out.h) - out.bytes) + len;
	long rc = uk_ipc_call(&out.h, out.h.size, &in.h, sizeof(in), timeout);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&in.h);
	if (in.h.id != PXT_ECHO || uk_msg_body_len(&in.h) < sizeof(*st))
		return -ERR_INVALID;
	return st->status;
}

/* PXT_COUNT: the number of requests pxecho has served, this one included. */
static long count_op(uint32_t op, uk_name_t dest, uk_name_t port,
		     uint64_t *served, uint64_t timeout)
{
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = op;
	out.h.dest = dest;
	if (port) {
		out.h.n_ports = 1;
		uk_msg_ports(&out.h)[0] = (struct uk_msg_port){ port, UK_DISP_MAKE_SEND };
	}
	out.h.size = (uint32_t)((uint8_t *)uk_msg_body(&out.h) - out.bytes);
	long rc = uk_ipc_call(&out.h, out.h.size, &in.h, sizeof(in), timeout);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&in.h);
	if (in.h.id != op || uk_msg_body_len(&in.h) < sizeof(*st))
		return -ERR_INVALID;
	if (st->status < 0)
		return st->status;
	if (uk_msg_body_len(&in.h) < sizeof(*st) + 8)
		return -ERR_INVALID;
	memcpy(served, st + 1, 8);
	return 0;
}

static long count(uk_name_t dest, uint64_t *served, uint64_t timeout)
{
	return count_op(PXT_COUNT, dest, 0, served, timeout);
}

/* This node's proxy tables (PROXY_STATS). */
static long proxy_stats(struct proxy_stats *s)
{
	static uk_name_t proxy;
	static union msg m;

	if (!proxy) {
		long p = ns_lookup("proxy", 5 * SECOND);
		if (p <= 0)
			return p ? p : -ERR_NOT_FOUND;
		proxy = (uk_name_t)p;
	}
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = PROXY_STATS;
	m.h.dest = proxy;
	m.h.size = sizeof(m.h);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5 * SECOND);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&m.h);
	if (m.h.id != PROXY_STATS || uk_msg_body_len(&m.h) < sizeof(*st))
		return -ERR_INVALID;
	if (st->status < 0)
		return st->status;
	if (uk_msg_body_len(&m.h) < sizeof(*st) + sizeof(*s))
		return -ERR_INVALID;
	memcpy(s, st + 1, sizeof(*s));
	return 0;
}

static uint64_t kobjects(void)
{
	struct uk_kinfo_memory m;
	if (uk_kinfo(UK_KINFO_MEMORY, &m, sizeof(m)) != sizeof(m))
		return 0;
	return m.kobjects_in_use;
}

static bool tables_empty(const struct proxy_stats *s)
{
	return !s->imports && !s->exports && !s->questions && !s->answers &&
	       !s->pending && !s->assembling && !s->outq_bytes &&
	       !s->provisions && !s->waits && !s->accepts && !s->held;
}

static void print_stats(const struct proxy_stats *s)
{
	printf("pxtest: proxy: deadline %u ms, peers %u (%u up), imports %u, "
	       "exports %u, questions %u, answers %u, pending %u, assembling %u, "
	       "outq %u bytes; sessions %lu up, %lu ended; calls not run %lu, "
	       "may have run %lu; bad records %lu\n",
	       s->deadline_ms, s->peers, s->links_up, s->imports, s->exports,
	       s->questions, s->answers, s->pending, s->assembling, s->outq_bytes,
	       (unsigned long)s->sessions, (unsigned long)s->sessions_ended,
	       (unsigned long)s->not_run, (unsigned long)s->maybe_run,
	       (unsigned long)s->bad_records);
	printf("pxtest: proxy hand-off: provisions %u, waits %u, accepts %u, "
	       "held %u; rights handed on %lu, taken %lu, failed %lu, refused "
	       "%lu; %lu messages held, %lu us on average, %lu us at most\n",
	       s->provisions, s->waits, s->accepts, s->held,
	       (unsigned long)s->thirds_out, (unsigned long)s->handoffs_in,
	       (unsigned long)s->handoffs_failed, (unsigned long)s->handoffs_refused,
	       (unsigned long)s->held_done,
	       (unsigned long)(s->held_done ? s->held_us_sum / s->held_done : 0),
	       (unsigned long)s->held_us_max);
	printf("pxtest: proxy refusals: limited %lu, over credit %lu\n",
	       (unsigned long)s->limited, (unsigned long)s->over_credit);
}

/* Messages this node's proxy refused beyond their credit when a run
 * started: a peer that keeps the protocol (the other node's proxy) never
 * adds to them. */
static uint64_t over_credit0;

/* The start of a run: the kernel's object count, with the proxy's right
 * already looked up (it stays). */
static uint64_t baseline(struct proxy_stats *s)
{
	long rc = proxy_stats(s);
	CHECK(rc == 0, "proxy stats: %s", err_str(rc));
	over_credit0 = rc == 0 ? s->over_credit : 0;
	return kobjects();
}

/* The end of a run, everything released: wait (at most 5 s: releases
 * travel to the peer and back as notices) until the proxy's tables are
 * empty and the kernel holds no more objects than at the start. */
static void settle(uint64_t k0)
{
	struct proxy_stats s;
	uint64_t t0 = now_ms(), k = 0;
	long rc;

	do {
		rc = proxy_stats(&s);
		k = kobjects();
		if (rc == 0 && tables_empty(&s) && k <= k0 + KOBJECT_SLACK)
			break;
		uk_sleep(50 * MS);
	} while (now_ms() - t0 < 5000);
	if (rc == 0)
		print_stats(&s);
	CHECK(rc == 0 && tables_empty(&s), "the proxy's tables are not empty "
	      "5 s after everything was released: %s", err_str(rc));
	CHECK(k <= k0 + KOBJECT_SLACK, "kernel objects %lu at the end, %lu at "
	      "the start", (unsigned long)k, (unsigned long)k0);
	CHECK(rc == 0 && s.over_credit == over_credit0, "the proxy refused %lu "
	      "messages of a correct peer beyond their credit",
	      (unsigned long)(s.over_credit - over_credit0));
	printf("pxtest: no leak: proxy tables empty after %lu ms; kernel objects "
	       "%lu at the start, %lu at the end\n", (unsigned long)(now_ms() - t0),
	       (unsigned long)k0, (unsigned long)k);
}

static int summary(void)
{
	printf("pxtest: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

static uint64_t checksum(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int call(uint32_t node)
{
	struct proxy_stats s0;
	uint64_t k0 = baseline(&s0);
	long dest = ns_lookup_node("pxecho", node, 20 * SECOND);
	CHECK(dest > 0, "lookup pxecho@%u: %s", node, err_str(dest));
	if (dest <= 0)
		goto done;

	/* Inline bytes there and back. */
	static const char hello[] = "hello across the proxy";
	long rc = echo((uk_name_t)dest, hello, sizeof(hello), 0, 0, 0, 10 * SECOND);
	CHECK(rc == 0 && !memcmp((const struct uk_rpc_status *)uk_msg_body(&in.h) + 1,
				 hello, sizeof(hello)),
	      "echo: %s", err_str(rc));

	/* A right that goes to node N and comes back is the original right:
	 * the same name, not a proxy of a proxy. */
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	CHECK(p > 0 && uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0,
	      "port");
	rc = echo((uk_name_t)dest, "p", 1, (uk_name_t)p, 0, 0, 10 * SECOND);
	CHECK(rc == 0 && in.h.n_ports == 1, "echo with a port: %s, %u ports",
	      err_str(rc), in.h.n_ports);
	if (rc == 0 && in.h.n_ports == 1) {
		CHECK(uk_msg_ports(&in.h)[0].name == (uk_name_t)p,
		      "the port came back as %lx, not as itself (%lx)",
		      (unsigned long)uk_msg_ports(&in.h)[0].name, (unsigned long)p);
		uk_port_deallocate(uk_msg_ports(&in.h)[0].name);
	}

	/* Each remote client its own badge: two lookups of pxbadge@N (a
	 * delegable right) are two clients, whose calls arrive with the
	 * server's badge in the high bits and subs of their own in the low
	 * (docs/PROXY.md, "Badges"); the plain pxecho right carries none. */
	long b1 = ns_lookup_node("pxbadge", node, 20 * SECOND);
	long b2 = ns_lookup_node("pxbadge", node, 20 * SECOND);
	CHECK(b1 > 0 && b2 > 0 && b1 != b2, "lookups of pxbadge@%u: %ld, %ld (two "
	      "names wanted)", node, b1, b2);
	if (b1 > 0 && b2 > 0) {
		const uint64_t mask = (1ull << PXT_BADGE_BITS) - 1;
		uint64_t v1 = 0, v1again = 0, v2 = 0, v0 = 1;
		long r1 = sub_call(PXT_BADGE, (uk_name_t)b1, 0, 0, 0, &v1);
		long r2 = sub_call(PXT_BADGE, (uk_name_t)b1, 0, 0, 0, &v1again);
		long r3 = sub_call(PXT_BADGE, (uk_name_t)b2, 0, 0, 0, &v2);
		long r4 = sub_call(PXT_BADGE, (uk_name_t)dest, 0, 0, 0, &v0);
		CHECK(r1 == 0 && r2 == 0 && r3 == 0 && r4 == 0, "badge calls: %s %s %s %s",
		      err_str(r1), err_str(r2), err_str(r3), err_str(r4));
		CHECK((v1 & ~mask) == PXT_BADGE_BASE && (v2 & ~mask) == PXT_BADGE_BASE &&
			      (v1 & mask) && (v2 & mask) && v1 != v2 && v1 == v1again &&
			      v0 == 0,
		      "badges: client 1 %lx (again %lx), client 2 %lx, plain %lx",
		      (unsigned long)v1, (unsigned long)v1again, (unsigned long)v2,
		      (unsigned long)v0);
		printf("pxtest: remote clients' badges %lx and %lx\n", (unsigned long)v1,
		       (unsigned long)v2);
	}
	if (b1 > 0)
		uk_port_deallocate((uk_name_t)b1);
	if (b2 > 0)
		uk_port_deallocate((uk_name_t)b2);

	/* Out-of-line memory: 200 KiB with a pattern, back intact. */
	const uint64_t size = 200 * 1024;
	long buf = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);
	CHECK(buf > 0, "vm_allocate");
	if (buf > 0) {
		for (uint64_t i = 0; i < size; i++)
			((uint8_t *)buf)[i] = (uint8_t)(i * 7 + (i >> 9));
		uint64_t sum = checksum((const uint8_t *)buf, size);
		rc = echo((uk_name_t)dest, "o", 1, 0, (uint64_t)buf, size, 30 * SECOND);
		CHECK(rc == 0 && in.h.n_ool == 1 && uk_msg_ools(&in.h)[0].size >= size,
		      "echo with a region: %s", err_str(rc));
		if (rc == 0 && in.h.n_ool == 1) {
			const struct uk_msg_ool *o = &uk_msg_ools(&in.h)[0];
			CHECK(o->address && checksum((const uint8_t *)o->address, size) == sum,
			      "the region came back changed");
			if (o->address)
				uk_vm_free(o->address, o->size);
		}
		uk_vm_free((uint64_t)buf, size);
	}

	/* A name node N does not have. */
	rc = ns_lookup_node("pxtest-nothing", node, 0);
	CHECK(rc == -ERR_NOT_FOUND, "lookup of a missing name: %s", err_str(rc));

	/* The remote null call: 200 round trips, the median printed. */
	static uint64_t t[200];
	unsigned ok = 0;
	for (unsigned i = 0; i < 200; i++) {
		uint64_t t0 = (uint64_t)uk_clock();
		if (echo((uk_name_t)dest, "", 0, 0, 0, 0, 10 * SECOND) == 0)
			ok++;
		t[i] = (uint64_t)uk_clock() - t0;
	}
	CHECK(ok == 200, "%u of 200 null calls failed", 200 - ok);
	for (unsigned i = 1; i < 200; i++)
		for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	printf("bench: remote null call round trip to node %u: median %lu us, "
	       "min %lu us (200 calls)\n", node, (unsigned long)(t[100] / 1000),
	       (unsigned long)(t[0] / 1000));
	uk_port_deallocate((uk_name_t)dest);
	if (p > 0)
		uk_port_destroy((uk_name_t)p);
	settle(k0);
done:
	return summary();
}

static int hold(uint32_t node)
{
	long dest = ns_lookup_node("pxecho", node, 20 * SECOND);
	if (dest <= 0) {
		printf("pxtest: lookup pxecho@%u: %s\n", node, err_str(dest));
		return 1;
	}
	printf("pxtest: holding pxecho@%u\n", node);
	for (unsigned i = 0;; i++) {
		uint64_t t0 = (uint64_t)uk_clock();
		long rc = echo((uk_name_t)dest, "h", 1, 0, 0, 0, 30 * SECOND);
		uint64_t ms = ((uint64_t)uk_clock() - t0) / 1000000u;
		printf("pxtest: call %u: %s after %lu ms\n", i, rc == 0 ? "ok" : err_name(rc),
		       (unsigned long)ms);
		if (rc == -ERR_DEAD || rc == -ERR_UNREACHABLE) {
			struct uk_port_info info;
			uk_port_info((uk_name_t)dest, &info);
			printf("pxtest: the right is %s\n",
			       info.rights & UK_RIGHT_DEAD_NAME ? "a dead name" : "alive");
			return 0;
		}
		uk_sleep(SECOND);
	}
}

/* Back-to-back PXT_COUNT calls for `seconds`: none may fail, and each must
 * have run exactly once (the served count grows by one per call). */
static int loop(uint32_t node, unsigned seconds)
{
	struct proxy_stats s0;
	uint64_t k0 = baseline(&s0);
	long dest = ns_lookup_node("pxecho", node, 20 * SECOND);
	CHECK(dest > 0, "lookup pxecho@%u: %s", node, err_str(dest));
	if (dest <= 0)
		return summary();
	printf("pxtest: looping on pxecho@%u for %u s\n", node, seconds);
	uint64_t first = 0, prev = 0, served = 0, longest = 0, t_start = now_ms();
	unsigned ok = 0, skips = 0;
	long rc = 0;
	while (now_ms() - t_start < seconds * 1000ull) {
		uint64_t t0 = now_ms();
		rc = count((uk_name_t)dest, &served, 30 * SECOND);
		uint64_t ms = now_ms() - t0;
		if (rc < 0)
			break;
		if (ms > longest)
			longest = ms;
		if (!ok)
			first = served;
		else if (served != prev + 1) {
			skips++;
			printf("pxtest: call %u: served count %lu after %lu\n", ok,
			       (unsigned long)served, (unsigned long)prev);
		}
		prev = served;
		ok++;
	}
	CHECK(rc == 0, "call %u failed: %s", ok, err_name(rc));
	CHECK(!skips && ok && prev - first + 1 == ok,
	      "%u calls, served %lu..%lu: not each exactly once", ok,
	      (unsigned long)first, (unsigned long)prev);
	printf("pxtest: loop: %u calls in %lu ms, %s; served %lu..%lu (%s); "
	       "longest call %lu ms\n", ok, (unsigned long)(now_ms() - t_start),
	       rc == 0 ? "none failed" : err_name(rc), (unsigned long)first,
	       (unsigned long)prev,
	       !skips && prev - first + 1 == ok ? "each exactly once" : "NOT exactly once",
	       (unsigned long)longest);
	uk_port_deallocate((uk_name_t)dest);
	settle(k0);
	return summary();
}

static bool is_dead_name(uk_name_t name)
{
	struct uk_port_info info;
	return uk_port_info(name, &info) == 0 && (info.rights & UK_RIGHT_DEAD_NAME);
}

/* Back-to-back PXT_COUNT calls until one fails (the scenario breaks node
 * N): a clean error within the deadline, a dead name with its notice, and
 * this node still working. With `again`, then a new lookup once node N is
 * back, and what became of the failed call. */
struct notices {
	bool dead;	  /* the dead-name notice for the right to pxecho */
	bool released;	  /* no-senders for the port pxecho kept */
	uint64_t dead_at, released_at;
	long rc;
};

/* Wait until `until` (ms) for both notices on port `notify`. */
static void await_notices(long notify, uk_name_t dest, uk_name_t mine,
			  uint64_t until, struct notices *nt)
{
	static union msg n;

	while (notify > 0 && (!nt->dead || !nt->released) && now_ms() < until) {
		nt->rc = uk_ipc_receive((uk_name_t)notify, &n.h, sizeof(n), SECOND);
		if (nt->rc < 0)
			continue;
		uk_name_t about = ((const struct uk_notification *)&n.h)->name;
		if (n.h.id == UK_MSG_ID_DEAD_NAME && about == dest && !nt->dead) {
			nt->dead = true;
			nt->dead_at = now_ms();
		}
		if (n.h.id == UK_MSG_ID_NO_SENDERS && about == mine && !nt->released) {
			nt->released = true;
			nt->released_at = now_ms();
		}
	}
}

/* Back-to-back PXT_COUNT calls (or, `idle`, none) until node N breaks: a
 * clean error within the deadline, a dead name with its notice, the right
 * node N held released, and this node still working. With `again`, then a
 * new lookup once node N is back, and what became of the failed call. */
static int fail(uint32_t node, bool idle, bool again)
{
	struct proxy_stats s0;
	uint64_t k0 = baseline(&s0);
	uint32_t deadline = s0.deadline_ms ? s0.deadline_ms : 1000;
	long dest = ns_lookup_node("pxecho", node, 20 * SECOND);
	CHECK(dest > 0, "lookup pxecho@%u: %s", node, err_str(dest));
	if (dest <= 0)
		return summary();
	long notify = uk_port_allocate(UK_RIGHT_RECEIVE);
	CHECK(notify > 0 && uk_port_request_notification((uk_name_t)dest,
			UK_NOTIFY_DEAD_NAME, (uk_name_t)notify) == 0,
	      "dead-name notification request");
	/* A port of ours whose only sender is node N's pxecho (through our
	 * proxy's export): when node N is gone it must see no-senders. */
	uint64_t served = 0;
	long mine = uk_port_allocate(UK_RIGHT_RECEIVE);
	long krc = mine > 0 ? count_op(PXT_KEEP, (uk_name_t)dest, (uk_name_t)mine,
				       &served, 10 * SECOND)
			    : mine;
	CHECK(krc == 0 && uk_port_request_notification((uk_name_t)mine,
			UK_NOTIFY_NO_SENDERS, (uk_name_t)notify) == 0,
	      "a right for pxecho@%u to keep: %s", node, err_name(krc));

	struct notices nt = { 0 };
	uint64_t prev = served, t_start = now_ms(), last_ok = t_start, t1 = 0;
	unsigned ok = 0, skips = 0;
	long rc;
	if (idle) {
		/* No traffic but the proxies' heartbeats: the notices alone
		 * tell that node N is gone (the scenario times them). */
		printf("pxtest: holding pxecho@%u idle until it dies\n", node);
		await_notices(notify, (uk_name_t)dest, (uk_name_t)mine,
			      now_ms() + 300000, &nt);
		rc = count((uk_name_t)dest, &served, 30 * SECOND);
		t1 = now_ms();
		printf("pxtest: idle: a call after the notices ended %s\n",
		       err_name(rc));
		CHECK(rc == -ERR_DEAD, "a call on the dead right ended %s",
		      err_name(rc));
	} else {
		for (;;) {
			rc = count((uk_name_t)dest, &served, 30 * SECOND);
			t1 = now_ms();
			if (rc < 0)
				break;
			if (served != prev + 1)
				skips++;
			if (!ok)
				printf("pxtest: calling pxecho@%u until it fails\n", node);
			prev = served;
			last_ok = t1;
			ok++;
			if (t1 - t_start > 300000)
				break; /* nothing broke it: the scenario failed */
		}
		uint64_t shown = t1 - last_ok;
		printf("pxtest: call %u ended %s, %lu ms after the last good reply "
		       "(deadline %u ms)\n", ok, rc < 0 ? err_name(rc) : "ok",
		       (unsigned long)shown, deadline);
		CHECK(rc == -ERR_DEAD || rc == -ERR_UNREACHABLE,
		      "the failed call ended %s, not ERR_DEAD or ERR_UNREACHABLE",
		      rc < 0 ? err_name(rc) : "ok");
		CHECK(shown <= deadline + DETECT_MARGIN_MS,
		      "the failure showed after %lu ms; the deadline is %u ms",
		      (unsigned long)shown, deadline);
		CHECK(!skips, "%u calls ran other than exactly once", skips);
		/* The right's port is gone: a dead name, and its notice; and
		 * our port that node N held has no senders left. */
		await_notices(notify, (uk_name_t)dest, (uk_name_t)mine, t1 + 5000, &nt);
	}
	CHECK(nt.dead, "no dead-name notice for the right: %s", err_str(nt.rc));
	CHECK(nt.released, "the right pxecho@%u held was not released", node);
	printf("pxtest: our port that node %u held: %s (%ld ms after the last "
	       "good reply)\n", node, nt.released ? "no senders" : "STILL HELD",
	       (long)(nt.released_at - last_ok));
	CHECK(is_dead_name((uk_name_t)dest), "the right is not a dead name");
	printf("pxtest: the right is %s, %s (%ld ms after the last good reply)\n",
	       is_dead_name((uk_name_t)dest) ? "a dead name" : "alive",
	       nt.dead ? "with its notice" : "WITHOUT a notice",
	       (long)(nt.dead_at - last_ok));
	/* This node goes on: its own services answer. */
	struct proxy_stats s;
	long lrc = proxy_stats(&s);
	CHECK(lrc == 0, "a local call after the failure: %s", err_str(lrc));
	printf("pxtest: a local call after the failure: %s\n", err_name(lrc));

	if (again) {
		uint64_t t0 = now_ms();
		long fresh = -ERR_UNREACHABLE, last_err = 0;
		while (now_ms() - t0 < 120000) {
			uint64_t a = now_ms();
			fresh = ns_lookup_node("pxecho", node, 5 * SECOND);
			if (fresh > 0)
				break;
			if (fresh != last_err)
				printf("pxtest: lookup pxecho@%u: %s after %lu ms\n", node,
				       err_name(fresh), (unsigned long)(now_ms() - a));
			last_err = fresh;
			uk_sleep(100 * MS);
		}
		CHECK(fresh > 0, "no new lookup of pxecho@%u worked in 120 s: %s",
		      node, err_str(fresh));
		if (fresh > 0) {
			uint64_t again_served = 0;
			long crc = count((uk_name_t)fresh, &again_served, 30 * SECOND);
			CHECK(crc == 0, "a call through the new right: %s", err_name(crc));
			printf("pxtest: new lookup of pxecho@%u after %lu ms; call %s, "
			       "served %lu\n", node, (unsigned long)(now_ms() - t0),
			       err_name(crc), (unsigned long)again_served);
			if (crc == 0 && again_served > prev) {
				/* The same server: did the failed call run? */
				bool ran = again_served == prev + 2;
				printf("pxtest: the failed call %s\n",
				       ran ? "ran" : "did not run");
				CHECK(again_served == prev + 1 || again_served == prev + 2,
				      "served %lu after %lu", (unsigned long)again_served,
				      (unsigned long)prev);
				CHECK(!(ran && rc == -ERR_UNREACHABLE),
				      "a call that ended ERR_UNREACHABLE ran");
			} else if (crc == 0) {
				printf("pxtest: a new pxecho (served %lu, the old one %lu)\n",
				       (unsigned long)again_served, (unsigned long)prev);
			}
			/* The old right stays dead: its port never comes back. */
			long orc = count((uk_name_t)dest, &served, SECOND);
			CHECK(is_dead_name((uk_name_t)dest) && orc < 0,
			      "the old right came back to life: %s", err_name(orc));
			printf("pxtest: the old right is still a dead name (a call: %s)\n",
			       err_name(orc));
			uk_port_deallocate((uk_name_t)fresh);
		}
	}
	uk_port_deallocate((uk_name_t)dest);
	if (notify > 0)
		uk_port_destroy((uk_name_t)notify);
	if (mine > 0)
		uk_port_destroy((uk_name_t)mine);
	settle(k0);
	return summary();
}

/* pxecho's op on dest with port `port` (copied) and a u64: the reply's
 * status; its u64 in *value and its port (if any) in *got. */
static long op_call(uint32_t op, uk_name_t dest, uk_name_t port, uk_name_t port2,
		    uint64_t arg, uint64_t *value, uk_name_t *got)
{
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = op;
	out.h.dest = dest;
	out.h.n_ports = port2 ? 2 : port ? 1 : 0;
	if (port)
		uk_msg_ports(&out.h)[0] = (struct uk_msg_port){ port, UK_DISP_COPY_SEND };
	if (port2)
		uk_msg_ports(&out.h)[1] = (struct uk_msg_port){ port2, UK_DISP_COPY_SEND };
	memcpy(uk_msg_body(&out.h), &arg, 8);
	out.h.size = (uint32_t)((uint8_t *)uk_msg_body(&out.h) - out.bytes) + 8;
	long rc = uk_ipc_call(&out.h, out.h.size, &in.h, sizeof(in), 30 * SECOND);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&in.h);
	if (got)
		*got = in.h.n_ports ? uk_msg_ports(&in.h)[0].name : 0;
	else
		for (unsigned i = 0; i < in.h.n_ports; i++)
			uk_port_deallocate(uk_msg_ports(&in.h)[i].name);
	if (in.h.id != op || uk_msg_body_len(&in.h) < sizeof(*st))
		return -ERR_INVALID;
	if (st->status < 0)
		return st->status; /* maybe from a proxy: no value */
	if (uk_msg_body_len(&in.h) < sizeof(*st) + 8)
		return -ERR_INVALID;
	memcpy(value, st + 1, 8);
	return st->status;
}

/* Wait (at most 5 s) until pxecho at dest saw no-senders for its minted
 * port `token`. */
static bool await_released(uk_name_t dest, uint64_t token, uint64_t *ms)
{
	uint64_t t0 = now_ms(), released = 0;
	long rc;
	do {
		rc = op_call(PXT_RELEASED, dest, 0, 0, token, &released, NULL);
		if (rc == 0 && released)
			break;
		uk_sleep(20 * MS);
	} while (now_ms() - t0 < 5000);
	*ms = now_ms() - t0;
	return rc == 0 && released;
}

static void sort_u64(uint64_t *t, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
}

#define THREE_CALLS 20u

static int three(uint32_t n2, uint32_t n3)
{
	struct proxy_stats s0, s;
	uint64_t k0 = baseline(&s0);
	long d2 = ns_lookup_node("pxecho", n2, 20 * SECOND);
	long d3 = ns_lookup_node("pxecho", n3, 20 * SECOND);
	CHECK(d2 > 0 && d3 > 0, "lookup pxecho@%u, pxecho@%u: %s, %s", n2, n3,
	      err_str(d2), err_str(d3));
	if (d2 <= 0 || d3 <= 0)
		return summary();

	/* 1. A right to pxecho@n3 handed to pxecho@n2, which calls it. */
	static uint64_t t_relay[THREE_CALLS], t_2[THREE_CALLS], t_3[THREE_CALLS];
	uint64_t before = 0, after = 0, relayed = 0, v;
	long rc = count((uk_name_t)d3, &before, 10 * SECOND);
	CHECK(rc == 0, "count on pxecho@%u: %s", n3, err_name(rc));
	unsigned ok = 0;
	for (unsigned i = 0; i < THREE_CALLS; i++) {
		uint64_t t0 = (uint64_t)uk_clock();
		rc = op_call(PXT_RELAY, (uk_name_t)d2, (uk_name_t)d3, 0, 0, &relayed, NULL);
		t_relay[i] = (uint64_t)uk_clock() - t0;
		if (i == 0)
			printf("pxtest: three: node %u called pxecho@%u with the right we "
			       "handed it: %s, served %lu there (%lu before)\n", n2, n3,
			       err_name(rc), (unsigned long)relayed,
			       (unsigned long)before);
		if (rc != 0 || relayed != before + 1 + i)
			break; /* each would wait its timeout */
		ok++;
	}
	CHECK(ok == THREE_CALLS, "%u of %u calls through a handed-on right reached "
	      "node %u exactly once", ok, THREE_CALLS, n3);
	rc = count((uk_name_t)d3, &after, 10 * SECOND);
	CHECK(rc == 0 && after == before + THREE_CALLS + 1,
	      "pxecho@%u served %lu after %lu: not one per relayed call", n3,
	      (unsigned long)after, (unsigned long)before);
	for (unsigned i = 0; i < THREE_CALLS; i++) {
		uint64_t t0 = (uint64_t)uk_clock();
		count((uk_name_t)d2, &v, 10 * SECOND);
		t_2[i] = (uint64_t)uk_clock() - t0;
		t0 = (uint64_t)uk_clock();
		count((uk_name_t)d3, &v, 10 * SECOND);
		t_3[i] = (uint64_t)uk_clock() - t0;
	}
	sort_u64(t_relay, THREE_CALLS);
	sort_u64(t_2, THREE_CALLS);
	sort_u64(t_3, THREE_CALLS);
	printf("bench: hand-off: a call with a right handed on to node %u, which "
	       "calls node %u with it: median %lu us (min %lu, max %lu); a null "
	       "call to node %u %lu us, to node %u %lu us (%u calls each)\n", n2, n3,
	       (unsigned long)(t_relay[THREE_CALLS / 2] / 1000),
	       (unsigned long)(t_relay[0] / 1000),
	       (unsigned long)(t_relay[THREE_CALLS - 1] / 1000), n2,
	       (unsigned long)(t_2[THREE_CALLS / 2] / 1000), n3,
	       (unsigned long)(t_3[THREE_CALLS / 2] / 1000), THREE_CALLS);

	/* 2. A port of pxecho@n3's own, handed to n2 and called there; when
	 * every node let go, pxecho@n3 sees no-senders. */
	uk_name_t minted = 0;
	uint64_t token = 0, ms = 0;
	rc = op_call(PXT_MINT, (uk_name_t)d3, 0, 0, 0, &token, &minted);
	CHECK(rc == 0 && minted, "a port minted on node %u: %s", n3, err_name(rc));
	if (rc == 0 && minted) {
		rc = op_call(PXT_RELAY, (uk_name_t)d2, minted, 0, 0, &relayed, NULL);
		CHECK(rc == 0, "node %u calling node %u's minted port: %s", n2, n3,
		      err_name(rc));
		uk_port_deallocate(minted);
		bool released = await_released((uk_name_t)d3, token, &ms);
		CHECK(released, "node %u's port was not released 5 s after every "
		      "node let go", n3);
		printf("pxtest: three: node %u's port, handed to node %u and called "
		       "there: %s; no senders %s %lu ms after we let go\n", n3, n2,
		       err_name(rc), released ? "seen" : "NOT seen", (unsigned long)ms);
	}

	/* 3. A port of pxecho@n2's own goes to n3 with a right to pxecho@n2;
	 * n3 sends it home through that right: it must arrive as itself. */
	rc = op_call(PXT_MINT, (uk_name_t)d2, 0, 0, 0, &token, &minted);
	CHECK(rc == 0 && minted, "a port minted on node %u: %s", n2, err_name(rc));
	if (rc == 0 && minted) {
		rc = op_call(PXT_BOUNCE, (uk_name_t)d3, minted, (uk_name_t)d2, token,
			     &v, NULL);
		CHECK(rc == 0, "node %u's port, sent home by node %u: %s (ERR_INVALID: "
		      "not as the original right)", n2, n3, err_name(rc));
		printf("pxtest: three: node %u's port went to node %u and home again: "
		       "%s\n", n2, n3, rc == 0 ? "the original right" : err_name(rc));
		uk_port_deallocate(minted);
		bool released = await_released((uk_name_t)d2, token, &ms);
		CHECK(released, "node %u's port was not released 5 s after every "
		      "node let go", n2);
		printf("pxtest: three: no senders for node %u's port %s %lu ms after "
		       "we let go\n", n2, released ? "seen" : "NOT seen",
		       (unsigned long)ms);
	}
	rc = proxy_stats(&s);
	CHECK(rc == 0 && s.thirds_out >= THREE_CALLS + 3,
	      "node's proxy handed on %lu rights, not at least %u",
	      (unsigned long)s.thirds_out, THREE_CALLS + 3);
	uk_port_deallocate((uk_name_t)d2);
	uk_port_deallocate((uk_name_t)d3);
	settle(k0);
	return summary();
}

/* A hand-off that cannot complete (nodes n2 and n3 cannot reach each
 * other): within the hand-off's 10 s the call is answered ERR_UNREACHABLE
 * by node n2's proxy (it did not run), and every table empties. */
#define HANDOFF_LIMIT_MS 10000u
static int cut(uint32_t n2, uint32_t n3)
{
	struct proxy_stats s0;
	uint64_t k0 = baseline(&s0);
	long d2 = ns_lookup_node("pxecho", n2, 20 * SECOND);
	long d3 = ns_lookup_node("pxecho", n3, 20 * SECOND);
	CHECK(d2 > 0 && d3 > 0, "lookup pxecho@%u, pxecho@%u: %s, %s", n2, n3,
	      err_str(d2), err_str(d3));
	if (d2 <= 0 || d3 <= 0)
		return summary();
	uint64_t v = 0, t0 = now_ms();
	long rc = op_call(PXT_RELAY, (uk_name_t)d2, (uk_name_t)d3, 0, 0, &v, NULL);
	uint64_t ms = now_ms() - t0;
	printf("pxtest: cut: a right handed to node %u, cut off from node %u: "
	       "%s after %lu ms\n", n2, n3, err_name(rc), (unsigned long)ms);
	CHECK(rc == -ERR_UNREACHABLE, "the call ended %s, not ERR_UNREACHABLE "
	      "(ERR_INVALID: pxecho@%u got it without the right)", err_name(rc), n2);
	CHECK(ms <= HANDOFF_LIMIT_MS + DETECT_MARGIN_MS + 2000,
	      "the message was held %lu ms", (unsigned long)ms);
	uk_port_deallocate((uk_name_t)d2);
	uk_port_deallocate((uk_name_t)d3);
	settle(k0);
	return summary();
}

static int stats(bool empty)
{
	struct proxy_stats s;
	uint64_t t0 = now_ms();
	long rc;

	do {
		rc = proxy_stats(&s);
		if (!empty || (rc == 0 && tables_empty(&s)))
			break;
		uk_sleep(50 * MS);
	} while (now_ms() - t0 < 5000);
	CHECK(rc == 0, "proxy stats: %s", err_str(rc));
	if (rc == 0)
		print_stats(&s);
	if (empty) {
		CHECK(rc == 0 && tables_empty(&s), "the proxy's tables are not empty");
		if (rc == 0 && tables_empty(&s))
			printf("pxtest: proxy tables empty\n");
	}
	return summary();
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "call"))
		return call((uint32_t)strtoul(argv[2], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "hold"))
		return hold((uint32_t)strtoul(argv[2], NULL, 10));
	if (argc >= 4 && !strcmp(argv[1], "loop"))
		return loop((uint32_t)strtoul(argv[2], NULL, 10),
			    (unsigned)strtoul(argv[3], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "fail")) {
		bool idle = false, again = false;
		for (int i = 3; i < argc; i++) {
			idle |= !strcmp(argv[i], "idle");
			again |= !strcmp(argv[i], "again");
		}
		return fail((uint32_t)strtoul(argv[2], NULL, 10), idle, again);
	}
	if (argc >= 4 && !strcmp(argv[1], "three"))
		return three((uint32_t)strtoul(argv[2], NULL, 10),
			     (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc >= 4 && !strcmp(argv[1], "cut"))
		return cut((uint32_t)strtoul(argv[2], NULL, 10),
			   (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc >= 2 && !strcmp(argv[1], "stats"))
		return stats(argc >= 3 && !strcmp(argv[2], "empty"));
	if (argc == 1)
		return serve();
	printf("usage: pxtest | pxtest call NODE | pxtest hold NODE | "
	       "pxtest loop NODE SECONDS | pxtest fail NODE [idle] [again] | "
	       "pxtest three NODE NODE | pxtest cut NODE NODE | "
	       "pxtest stats [empty]\n");
	return 2;
}
