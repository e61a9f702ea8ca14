/* SPDX-License-Identifier: MIT */
/*
 * proxy/server/session.c compiled into a unit test against a fake kernel
 * (unit.proxy_handoff, unit.proxy_limits). The fake keeps a name space
 * that counts send references (so "the server's no-senders" is "the fake
 * references of its right reach 0"), counts the out-of-line memory the
 * proxy holds (vm_live), records what the proxy sends (sent[], and for a
 * send-once right made from one of its receive rights, that port in
 * sent_to[], so a test can hand an answer back to peer_local_answer), and
 * can make a port's queue full (full) or an allocation fail (vm_fail).
 * This node is node 3; peers pa, pb, px are nodes 1, 2 and 4, whose links
 * never come up: records stay in their outqs, where tests read them.
 * Include once, before the tests.
 */
#ifndef FAKE_SESSION_H
#define FAKE_SESSION_H

#define UK_HOST_FAKE_SYSCALLS 1
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../proxy/server/session.c"

/* ---- the fake kernel ---- */

#define NAMES 4096
static struct fake_name {
	uk_name_t name;
	uint32_t rights;
	uint32_t refs;
	uint32_t made;
	uk_name_t from; /* a send-once right: the port it was made from */
	bool full;	/* its queue is full: sends fail ERR_QUEUE_FULL */
} names[NAMES];
static uk_name_t next_name = 0x100;
static uint64_t now;

/* Messages the proxy sent (ipc_send), as it built them: all counted, the
 * first SENT_MAX kept, with the port a send-once destination led to. */
#define SENT_MAX 16
static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} sent[SENT_MAX];
static uk_name_t sent_to[SENT_MAX];
static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} last_sent; /* and the last one, whatever n_sent */
static uk_name_t last_to;
static unsigned n_sent;
static long vm_live;  /* regions the proxy holds */
static bool vm_fail;  /* vm_allocate fails */

static struct fake_name *fake(uk_name_t n)
{
	for (unsigned i = 0; i < NAMES; i++)
		if (names[i].name == n && n)
			return &names[i];
	return NULL;
}

static uk_name_t fake_new(uint32_t rights, uint32_t refs)
{
	for (unsigned i = 0; i < NAMES; i++)
		if (!names[i].name) {
			names[i] = (struct fake_name){ next_name++, rights, refs, 0, 0,
						       false };
			return names[i].name;
		}
	fail_msg("fake name space full");
	return 0;
}

/* Names in the fake name space (rights of the proxy's, and ports). */
static __attribute__((unused)) unsigned names_live(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NAMES; i++)
		n += names[i].name != 0;
	return n;
}

/* Send references the proxy holds on n (0 once it let go entirely). */
static __attribute__((unused)) uint32_t refs_of(uk_name_t n)
{
	struct fake_name *f = fake(n);
	return f ? f->refs : 0;
}

long uk_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct fake_name *f;
	(void)a2, (void)a3, (void)a4, (void)a5;
	switch (n) {
	case SYS_clock:
		return (long)(now * 1000000u);
	case SYS_port_allocate:
		return (long)fake_new((uint32_t)a0, 0);
	case SYS_port_destroy:
		f = fake((uk_name_t)a0);
		if (!f)
			return -ERR_BAD_NAME;
		memset(f, 0, sizeof(*f));
		return 0;
	case SYS_port_deallocate:
		f = fake((uk_name_t)a0);
		assert_non_null(f);
		assert_true(f->refs > 0);
		if (!--f->refs && !(f->rights & UK_RIGHT_RECEIVE))
			memset(f, 0, sizeof(*f));
		return 0;
	case SYS_port_insert_right:
		f = fake((uk_name_t)a0);
		if (!f)
			return -ERR_BAD_NAME;
		if (a1 == UK_DISP_COPY_SEND && f->refs) {
			f->refs++;
			return 0;
		}
		if (a1 == UK_DISP_MAKE_SEND && (f->rights & UK_RIGHT_RECEIVE)) {
			f->refs++;
			f->made++;
			return 0;
		}
		if (a1 == UK_DISP_MAKE_SEND_ONCE && (f->rights & UK_RIGHT_RECEIVE)) {
			uk_name_t so = fake_new(UK_RIGHT_SEND_ONCE, 1);
			fake(so)->from = f->name;
			return (long)so;
		}
		return -ERR_RIGHTS;
	case SYS_port_info: {
		f = fake((uk_name_t)a0);
		if (!f)
			return -ERR_BAD_NAME;
		struct uk_port_info info = { .rights = f->rights | (f->refs ? UK_RIGHT_SEND : 0),
					     .send_refs = f->refs,
					     .make_send_count = f->made };
		memcpy((void *)a1, &info, sizeof(info));
		return 0;
	}
	case SYS_ipc_receive:
		return -ERR_TIMED_OUT;
	case SYS_ipc_send: {
		const struct uk_msg_header *h = (const void *)a0;
		f = fake(h->dest);
		if (f && f->full)
			return -ERR_QUEUE_FULL;
		if (n_sent < SENT_MAX) {
			memcpy(&sent[n_sent], h, h->size);
			sent_to[n_sent] = f ? f->from : 0;
		}
		memcpy(&last_sent, h, h->size);
		last_to = f ? f->from : 0;
		n_sent++;
		/* Moved regions leave the proxy's space. */
		for (unsigned i = 0; i < h->n_ool; i++)
			if (uk_msg_ools(h)[i].size &&
			    uk_msg_ools(h)[i].flags == UK_OOL_MOVE)
				uk_syscall6(SYS_vm_free, (long)uk_msg_ools(h)[i].address,
					    (long)uk_msg_ools(h)[i].size, 0, 0, 0, 0);
		/* Moved rights leave the proxy's space. */
		if (h->dest_disposition == UK_DISP_MOVE_SEND ||
		    h->dest_disposition == UK_DISP_MOVE_SEND_ONCE)
			uk_syscall6(SYS_port_deallocate, (long)h->dest, 0, 0, 0, 0, 0);
		for (unsigned i = 0; i < h->n_ports; i++) {
			const struct uk_msg_port *d = &uk_msg_ports(h)[i];
			assert_true(d->name != 0); /* the kernel: ERR_BAD_NAME */
			if (d->disposition == UK_DISP_MOVE_SEND)
				uk_syscall6(SYS_port_deallocate, (long)d->name, 0, 0, 0, 0, 0);
		}
		return 0;
	}
	case SYS_vm_allocate:
		if (vm_fail)
			return -ERR_NO_MEMORY;
		vm_live++;
		return (long)calloc(1, (size_t)a0);
	case SYS_vm_free:
		vm_live--;
		free((void *)a0);
		return 0;
	default: /* set_add, set_remove, set_limit, notifications, send */
		return 0;
	}
}

/* What main.c and net.c give session.c. */
uint16_t self_node = 3;
uint64_t boot_epoch = 0x1234;
uint32_t deadline_ms = 1000;
uint8_t net_base[4] = { 10, 77, 0, 10 };
uint8_t host_addr[4] = { 10, 77, 0, 1 };
uk_name_t port_set = 1, notify_port = 2;

uint64_t now_ms(void)
{
	return now;
}

void net_send(const uint8_t addr[4], uint16_t port, const uint8_t *frame,
	      uint32_t len)
{
	(void)addr, (void)port, (void)frame, (void)len;
}

uk_name_t ns_port(void)
{
	return 3;
}

#define MAPS 4096
static struct {
	uk_name_t name;
	enum map_kind kind;
	uint16_t slot;
	uint32_t index;
} maps[MAPS];

void map_put(uk_name_t name, enum map_kind kind, uint16_t slot, uint32_t index)
{
	for (unsigned i = 0; i < MAPS; i++)
		if (!maps[i].name) {
			maps[i].name = name;
			maps[i].kind = kind;
			maps[i].slot = slot;
			maps[i].index = index;
			return;
		}
	fail_msg("map full");
}

bool map_get(uk_name_t name, enum map_kind kind, uint16_t slot, uint32_t *index)
{
	for (unsigned i = 0; i < MAPS; i++)
		if (maps[i].name == name && maps[i].kind == kind &&
		    (kind != MAP_EXPORT || maps[i].slot == slot)) {
			if (index)
				*index = maps[i].index;
			return true;
		}
	return false;
}

bool map_find_port(uk_name_t name, enum map_kind kind, uint16_t *slot,
		   uint32_t *index)
{
	for (unsigned i = 0; i < MAPS; i++)
		if (maps[i].name == name && maps[i].kind == kind) {
			*slot = maps[i].slot;
			*index = maps[i].index;
			return true;
		}
	return false;
}

void map_del(uk_name_t name, enum map_kind kind, uint16_t slot)
{
	for (unsigned i = 0; i < MAPS; i++)
		if (maps[i].name == name && maps[i].kind == kind &&
		    (kind != MAP_EXPORT || maps[i].slot == slot)) {
			memset(&maps[i], 0, sizeof(maps[i]));
			return;
		}
}

/* ---- helpers ---- */

static struct peer *pa, *pb, *px; /* nodes 1, 2, 4 */

static int setup(void **state)
{
	(void)state;
	vm_live = 0;
	for (unsigned i = 0; i < PEERS_MAX; i++) {
		if (peers[i]) {
			free(peers[i]->outq);
			free(peers[i]);
		}
		peers[i] = NULL;
	}
	memset(names, 0, sizeof(names));
	memset(maps, 0, sizeof(maps));
	n_sent = 0;
	vm_fail = false;
	answer_pooled = 0; /* its ports were the last test's */
	now = 1000;
	pa = peer_get(1, true);
	pb = peer_get(2, true);
	px = peer_get(4, true);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_non_null(px);
	return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
	return setup(state);
}

/* The next record in p's outq (consumed), or false. */
static __attribute__((unused)) bool take(struct peer *p, struct px_record *r)
{
	if (!p->out_len)
		return false;
	int rc = px_record_decode(p->outq + p->out_head, p->out_len, r);
	assert_int_equal(rc, 0);
	p->out_head += r->length;
	p->out_len -= r->length;
	return true;
}

static __attribute__((unused)) void expect_resolved(struct peer *p, uint32_t question, int32_t status,
			    uint32_t *id)
{
	struct px_record r;
	assert_true(take(p, &r));
	assert_int_equal(r.type, PX_REC_RESOLVED);
	assert_int_equal(r.u.resolved.question, question);
	assert_int_equal(r.u.resolved.status, status);
	if (!status) {
		assert_int_equal(r.u.resolved.cap.kind, PX_CAP_SENDER);
		*id = r.u.resolved.cap.id;
	}
}

/* A port of a server here, exported to A: the server's right, one
 * reference, which the export owns. */
static __attribute__((unused)) struct export *exported_to_a(uk_name_t *right)
{
	*right = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(pa, *right);
	assert_non_null(e);
	return e;
}

static __attribute__((unused)) unsigned count_used(const void *base, size_t size, unsigned n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		k += *(const bool *)((const uint8_t *)base + i * size);
	return k;
}

static __attribute__((unused)) void release(struct peer *p, uint32_t id, uint32_t count)
{
	uint8_t buf[64];
	struct px_pair v = { id, count };
	struct px_record r;
	int len = px_release_encode(buf, sizeof(buf), &v, 1);
	assert_true(len > 0);
	assert_int_equal(px_record_decode(buf, (size_t)len, &r), 0);
	handle_record(p, &r);
}

/* A MSG from A to export `target` (a call, question 5 if `call`) with
 * port descriptors caps[0..n). */
static __attribute__((unused)) void msg_from(struct peer *p, uint32_t target, bool call,
		     const struct px_cap *caps, unsigned n)
{
	static uint8_t buf[1024], cb[16 * PX_CAP_SIZE];
	struct px_record r;
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(px_cap_encode(cb + i * PX_CAP_SIZE, PX_USE_CAP,
					       &caps[i]), PX_CAP_SIZE);
	struct px_msg m = {
		.msg_id = 0x77,
		.n_caps = (uint16_t)n,
		.target = { .kind = PX_CAP_RECEIVER, .right = PX_RIGHT_SEND,
			    .id = target },
		.reply = call ? (struct px_cap){ .kind = PX_CAP_SENDER,
						 .right = PX_RIGHT_SEND_ONCE, .id = 5 }
			      : (struct px_cap){ 0 },
		.caps = cb,
		.inline_len = 1,
		.inline_data = (const uint8_t *)"x",
	};
	int len = px_msg_encode(buf, sizeof(buf), &m);
	assert_true(len > 0);
	assert_int_equal(px_record_decode(buf, (size_t)len, &r), 0);
	handle_record(p, &r);
}

#endif
