/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the proxy's protocol core (proxy/wire.c and
 * proxy/link.c), compiled with -fsanitize=fuzzer,address,undefined. Each
 * input goes through four doors:
 *
 *   1. px_frame_decode of the whole input; what decodes must encode back
 *      to exactly the input bytes and decode again to the same frame.
 *   2. px_record_decode of the whole input, likewise for the record's
 *      bytes; and px_record_encode of it must not write past its length.
 *   3. The reassembler, fed the input in pieces whose sizes come from the
 *      input, against a plain walk of px_record_decode over the same
 *      bytes: both must see the same records, each re-encoding to its
 *      bytes in the stream, and the same first error.
 *   4. A link (node 1, peer node 2), connected, then driven by the input
 *      as a script of operations (below), its stream fed to a reassembler
 *      as the proxy will do (a bad record aborts the session). Every frame
 *      it sends must decode and name the right nodes and its epoch, and
 *      its offsets and window must keep their invariants after each step.
 *
 * Link script, one operation per byte op (op & 3):
 *   0  a datagram: u16 length, then that many bytes (clipped to the
 *      input). Flags: 0x80 make it a plausible frame (magic, version,
 *      nodes, the peer's epoch (+ (op >> 2) & 3) and ours), 0x40 also
 *      number it as the frame the link expects next and acknowledge
 *      what it has in flight.
 *   1  u8 milliseconds pass, then px_link_tick.
 *   2  u8 bytes queued with px_link_send.
 *   3  px_link_connect, or px_link_abort when 0x80 is set.
 *
 * Failures abort() with a message: a broken round trip is a crash like a
 * bad access. Everything is deterministic per input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "wire.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

#define PEER_EPOCH 0x5000000000000000ull
#define OUR_EPOCH 0x4000000000000000ull

static uint8_t out[PX_RECORD_MAX + PX_FRAME_MAX];

static void same_frame(const struct px_frame *a, const struct px_frame *b)
{
	CHECK(a->type == b->type && a->length == b->length);
	CHECK(a->src_node == b->src_node && a->dst_node == b->dst_node);
	CHECK(a->window == b->window && a->seq == b->seq && a->ack == b->ack);
	CHECK(a->src_epoch == b->src_epoch && a->dst_epoch == b->dst_epoch);
	CHECK(memcmp(a->stream, b->stream, a->length) == 0);
}

static void door_frame(const uint8_t *data, size_t size)
{
	struct px_frame f, g;
	if (px_frame_decode(data, size, &f) < 0)
		return;
	int n = px_frame_encode(out, sizeof(out), &f);
	CHECK(n >= 0 && (size_t)n == size);
	CHECK(memcmp(out, data, size) == 0);
	CHECK(px_frame_decode(out, (size_t)n, &g) == PX_OK);
	same_frame(&f, &g);
}

static void same_cap(const struct px_cap *a, const struct px_cap *b)
{
	CHECK(a->kind == b->kind && a->right == b->right);
	CHECK(a->node == b->node && a->id == b->id && a->ref == b->ref);
}

static void same_msg(const struct px_msg *a, const struct px_msg *b)
{
	CHECK(a->msg_id == b->msg_id && a->call == b->call);
	CHECK(a->n_caps == b->n_caps && a->n_ool == b->n_ool);
	CHECK(a->inline_len == b->inline_len);
	same_cap(&a->target, &b->target);
	same_cap(&a->reply, &b->reply);
	for (unsigned i = 0; i < a->n_caps; i++) {
		struct px_cap x, y;
		px_msg_cap(a, i, &x);
		px_msg_cap(b, i, &y);
		same_cap(&x, &y);
	}
	for (unsigned i = 0; i < a->n_ool; i++) {
		struct px_ool x, y;
		px_msg_ool(a, i, &x);
		px_msg_ool(b, i, &y);
		CHECK(x.size == y.size && x.flags == y.flags &&
		      x.transfer == y.transfer);
	}
	CHECK(memcmp(a->inline_data, b->inline_data, a->inline_len) == 0);
}

/* Field by field, through the accessors, for every type. */
static void same_record(const struct px_record *a, const struct px_record *b)
{
	CHECK(a->type == b->type && a->flags == b->flags &&
	      a->length == b->length);
	switch (a->type) {
	case PX_REC_MSG:
		same_msg(&a->u.msg, &b->u.msg);
		break;
	case PX_REC_REPLY:
		CHECK(a->u.reply.question == b->u.reply.question);
		same_msg(&a->u.reply.msg, &b->u.reply.msg);
		break;
	case PX_REC_ANSWER_DEAD:
		CHECK(a->u.answer_dead.question == b->u.answer_dead.question);
		CHECK(a->u.answer_dead.status == b->u.answer_dead.status);
		break;
	case PX_REC_RELEASE:
	case PX_REC_CREDIT:
		CHECK(a->u.list.count == b->u.list.count);
		for (unsigned i = 0; i < a->u.list.count; i++) {
			struct px_pair x, y;
			px_record_pair(a, i, &x);
			px_record_pair(b, i, &y);
			CHECK(x.id == y.id && x.count == y.count && x.count);
		}
		break;
	case PX_REC_PORT_DEAD:
		CHECK(a->u.list.count == b->u.list.count);
		for (unsigned i = 0; i < a->u.list.count; i++)
			CHECK(px_record_id(a, i) == px_record_id(b, i));
		break;
	case PX_REC_OOL_DATA:
		CHECK(a->u.ool_data.transfer == b->u.ool_data.transfer);
		CHECK(a->u.ool_data.offset == b->u.ool_data.offset);
		CHECK(a->u.ool_data.data_len == b->u.ool_data.data_len);
		CHECK(memcmp(a->u.ool_data.data, b->u.ool_data.data,
			     a->u.ool_data.data_len) == 0);
		break;
	case PX_REC_OOL_CREDIT:
		CHECK(a->u.ool_credit.bytes == b->u.ool_credit.bytes);
		break;
	case PX_REC_PROVIDE:
		CHECK(a->u.provide.ref == b->u.provide.ref);
		CHECK(a->u.provide.export_id == b->u.provide.export_id);
		CHECK(a->u.provide.recipient == b->u.provide.recipient);
		break;
	case PX_REC_ACCEPT:
		CHECK(a->u.accept.ref == b->u.accept.ref);
		CHECK(a->u.accept.question == b->u.accept.question);
		break;
	case PX_REC_LOOKUP:
		CHECK(a->u.lookup.question == b->u.lookup.question);
		CHECK(a->u.lookup.name_len == b->u.lookup.name_len);
		CHECK(memcmp(a->u.lookup.name, b->u.lookup.name,
			     a->u.lookup.name_len) == 0);
		break;
	case PX_REC_RESOLVED:
		CHECK(a->u.resolved.question == b->u.resolved.question);
		CHECK(a->u.resolved.status == b->u.resolved.status);
		same_cap(&a->u.resolved.cap, &b->u.resolved.cap);
		break;
	default:
		CHECK(!"decoded a record of an unknown type");
	}
}

/* A decoded record re-encodes to its own bytes, which decode the same. */
static void check_record(const struct px_record *r, const uint8_t *bytes)
{
	struct px_record again;
	memset(out, 0xa5, sizeof(out));
	int n = px_record_encode(out, r->length, r);
	CHECK(n >= 0 && (uint32_t)n == r->length);
	CHECK(out[r->length] == 0xa5); /* nothing written past it */
	CHECK(memcmp(out, bytes, r->length) == 0);
	CHECK(px_record_decode(out, r->length, &again) == PX_OK);
	same_record(r, &again);
}

static void door_record(const uint8_t *data, size_t size)
{
	struct px_record r;
	if (px_record_decode(data, size, &r) < 0)
		return;
	CHECK(r.length <= size && r.length % 8 == 0);
	check_record(&r, data);
}

static struct px_stream rs;

/* The reassembler, in pieces, against a plain walk of the bytes. */
static void door_stream(const uint8_t *data, size_t size)
{
	size_t at = 0;
	int walk_rc = 0;
	size_t walk_records = 0;
	for (;;) {
		struct px_record r;
		uint16_t type;
		uint32_t length;
		if (size - at < PX_RECORD_HEAD)
			break;
		walk_rc =
		    px_record_head_decode(data + at, size - at, &type, &length);
		if (walk_rc < 0)
			break;
		if (size - at < length)
			break; /* incomplete: the reassembler holds it */
		walk_rc = px_record_decode(data + at, size - at, &r);
		if (walk_rc < 0)
			break;
		at += r.length;
		walk_records++;
	}

	px_stream_reset(&rs);
	size_t fed = 0, stream_at = 0, records = 0;
	uint32_t piece_seed = size ? data[0] : 0;
	int rc = 0;
	while (fed < size && rc >= 0) {
		size_t piece = 1 + (piece_seed * 2654435761u >> 20) % 1500;
		piece_seed = piece_seed * 1103515245u + 12345u;
		if (piece > size - fed)
			piece = size - fed;
		const uint8_t *p = data + fed;
		size_t len = piece;
		struct px_record r;
		while ((rc = px_stream_next(&rs, &p, &len, &r)) == 1) {
			check_record(&r, data + stream_at);
			stream_at += r.length;
			records++;
		}
		CHECK(rc <= 0);
		if (rc == 0)
			CHECK(len == 0);
		fed += piece;
	}
	CHECK(records == walk_records);
	CHECK(stream_at == at);
	if (walk_rc < 0)
		CHECK(rc == walk_rc);
	else
		CHECK(rc == 0 && px_stream_pending(&rs) == size - at);
}

/* Door 4: the link. */
static struct px_link link;
static struct px_stream link_rs;
static uint64_t now;

static void link_output(void *ctx, const uint8_t *frame, size_t len)
{
	struct px_frame f;
	CHECK(px_frame_decode(frame, len, &f) == PX_OK);
	CHECK(f.src_node == 1 && f.dst_node == 2);
	CHECK(f.src_epoch == link.epoch);
	CHECK(f.window <= PX_WINDOW_MAX);
}

static void link_deliver(void *ctx, const uint8_t *bytes, size_t len)
{
	CHECK(link.state == PX_LINK_UP);
	CHECK(len >= 1 && len <= PX_FRAME_STREAM_MAX);
	struct px_record r;
	int rc;
	while ((rc = px_stream_next(&link_rs, &bytes, &len, &r)) == 1)
		;
	if (rc < 0)
		px_link_abort(&link, now); /* as the proxy does */
}

static void link_start(void *ctx, uint64_t peer_epoch)
{
	CHECK(link.state == PX_LINK_UP);
	CHECK(peer_epoch != 0 && peer_epoch == link.peer_epoch);
	px_stream_reset(&link_rs);
}

static void link_end(void *ctx, enum px_link_end reason)
{
	CHECK(link.state == PX_LINK_DEAD);
	CHECK(reason >= PX_END_DEADLINE && reason <= PX_END_LOCAL);
	CHECK(px_link_acked(&link) <= px_link_queued(&link));
}

static void link_invariants(void)
{
	CHECK(link.state <= PX_LINK_DEAD);
	if (link.state != PX_LINK_UP && link.state != PX_LINK_CONNECTING)
		return;
	uint32_t flight = link.snd_nxt - link.snd_una;
	CHECK(flight <= PX_WINDOW_MAX);
	CHECK(link.off_acked <= link.off_sent);
	CHECK(link.off_sent <= link.off_queued);
	CHECK(link.off_queued - link.off_acked <= PX_LINK_BUFFER);
	CHECK(px_link_room(&link) <= PX_LINK_BUFFER);
	if (link.state == PX_LINK_UP && flight)
		CHECK(link.rto >= PX_RTO_MIN_MS && link.rto <= PX_RTO_MAX_MS);
	if (link.state == PX_LINK_UP)
		CHECK(px_link_next_tick(&link) <=
		      link.last_heard + link.cfg.deadline_ms + 1);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void door_link(const uint8_t *data, size_t size)
{
	static const struct px_link_config cfg = {
	    .self_node = 1,
	    .peer_node = 2,
	    .boot_epoch = OUR_EPOCH,
	    .deadline_ms = 300,
	};
	static const struct px_link_ops ops = {
	    .output = link_output,
	    .deliver = link_deliver,
	    .session_start = link_start,
	    .session_end = link_end,
	};
	static uint8_t dgram[PX_FRAME_MAX + 64];
	static uint8_t fill[256];
	now = 1000;
	px_link_init(&link, &cfg, &ops);
	px_stream_reset(&link_rs);
	px_link_connect(&link, now);
	size_t at = 0;
	while (at < size) {
		uint8_t op = data[at++];
		switch (op & 3) {
		case 0: {
			if (size - at < 2)
				return;
			size_t len = data[at] | (size_t)data[at + 1] << 8;
			at += 2;
			if (len > size - at)
				len = size - at;
			if (len > sizeof(dgram))
				len = sizeof(dgram);
			memcpy(dgram, data + at, len);
			at += len;
			if ((op & 0x80) && len >= PX_FRAME_HEADER) {
				memcpy(dgram, "ukPX", 4);
				dgram[4] = PX_VERSION;
				dgram[8] = 2, dgram[9] = 0;
				dgram[10] = 1, dgram[11] = 0;
				put64(dgram + 16, PEER_EPOCH + ((op >> 2) & 3));
				put64(dgram + 24, link.epoch);
				if (op & 0x40) {
					if (dgram[5] == PX_DATA)
						put32(dgram + 32,
						      link.rcv_next);
					put32(dgram + 36,
					      link.snd_una + ((op >> 4) & 3));
				}
			}
			px_link_input(&link, dgram, len, now);
			break;
		}
		case 1:
			if (at < size)
				now += data[at++];
			px_link_tick(&link, now);
			break;
		case 2: {
			size_t n = at < size ? data[at++] : 0;
			for (size_t i = 0; i < n; i++)
				fill[i] = (uint8_t)(i + now);
			size_t room = px_link_room(&link);
			size_t took = px_link_send(&link, fill, n, now);
			CHECK(took <= n && took <= room);
			break;
		}
		default:
			if (op & 0x80)
				px_link_abort(&link, now);
			else
				px_link_connect(&link, now);
			break;
		}
		link_invariants();
	}
	/* Whatever state it is in, time ends every session. */
	for (int i = 0; i < 20; i++) {
		now += 100;
		px_link_tick(&link, now);
		link_invariants();
	}
	CHECK(link.state == PX_LINK_DEAD || link.state == PX_LINK_IDLE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	door_frame(data, size);
	door_record(data, size);
	door_stream(data, size);
	door_link(data, size);
	return 0;
}
