/* SPDX-License-Identifier: MIT */
/*
 * The proxy's wire codec against docs/PROXY.md: golden bytes written out by
 * hand from the specification's tables (so a mistake the encoder and the
 * decoder share still fails), a round trip of every frame and record type,
 * and every malformed variant rejected with its reason: truncated at every
 * length, bad magic, version and type, lengths out of bounds or not
 * matching the sum of the parts, reserved fields and padding not zero,
 * counts over their limits, descriptors where they are not allowed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

/* Little-endian stores of the test's own, independent of the codec. */
static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t buf[PX_RECORD_MAX + 64];
static uint8_t out[PX_RECORD_MAX + 64];

/* Frames. */

static struct px_frame frame_of(uint8_t type)
{
	static const uint8_t stream[PX_FRAME_STREAM_MAX] = {1, 2, 3};
	struct px_frame f = {
	    .type = type,
	    .src_node = 1,
	    .dst_node = 1024,
	    .window = 64,
	    .src_epoch = 0x1122334455667788ull,
	    .dst_epoch = type == PX_HELLO ? 0 : 0x99aabbccddeeff01ull,
	    .ack = (type == PX_HELLO || type == PX_RESET) ? 0 : 0xfffffff0u,
	};
	if (type == PX_DATA) {
		f.seq = 0x80000001u;
		f.length = 3;
		f.stream = stream;
	}
	return f;
}

static void assert_frames_equal(const struct px_frame *a,
				const struct px_frame *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->length, b->length);
	assert_int_equal(a->src_node, b->src_node);
	assert_int_equal(a->dst_node, b->dst_node);
	assert_int_equal(a->window, b->window);
	assert_true(a->src_epoch == b->src_epoch);
	assert_true(a->dst_epoch == b->dst_epoch);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ack, b->ack);
	assert_memory_equal(a->stream, b->stream, a->length);
}

static void frame_header_has_the_specified_layout(void **state)
{
	uint8_t g[43] = {0x75, 0x6b, 0x50, 0x58, 1, PX_DATA};
	le16(g + 6, 3);
	le16(g + 8, 7);
	le16(g + 10, 9);
	le32(g + 12, 32);
	le64(g + 16, 0x0102030405060708ull);
	le64(g + 24, 0x1112131415161718ull);
	le32(g + 32, 0xdeadbeefu);
	le32(g + 36, 0xcafef00du);
	g[40] = 'a';
	g[41] = 'b';
	g[42] = 'c';
	struct px_frame f;
	assert_int_equal(px_frame_decode(g, sizeof(g), &f), PX_OK);
	assert_int_equal(f.type, PX_DATA);
	assert_int_equal(f.length, 3);
	assert_int_equal(f.src_node, 7);
	assert_int_equal(f.dst_node, 9);
	assert_int_equal(f.window, 32);
	assert_true(f.src_epoch == 0x0102030405060708ull);
	assert_true(f.dst_epoch == 0x1112131415161718ull);
	assert_int_equal(f.seq, 0xdeadbeefu);
	assert_int_equal(f.ack, 0xcafef00du);
	assert_ptr_equal(f.stream, g + 40);
	assert_int_equal(px_frame_encode(out, sizeof(out), &f), 43);
	assert_memory_equal(out, g, 43);
}

static void frame_round_trips_every_type(void **state)
{
	for (uint8_t type = PX_HELLO; type <= PX_RESET; type++) {
		struct px_frame f = frame_of(type), d;
		int n = px_frame_encode(buf, sizeof(buf), &f);
		assert_int_equal(n, PX_FRAME_HEADER + f.length);
		assert_int_equal(px_frame_decode(buf, (size_t)n, &d), PX_OK);
		assert_frames_equal(&f, &d);
		assert_int_equal(px_frame_encode(out, sizeof(out), &d), n);
		assert_memory_equal(out, buf, (size_t)n);
	}
}

static void frame_carries_the_largest_stream(void **state)
{
	static uint8_t big[PX_FRAME_STREAM_MAX];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	struct px_frame f = frame_of(PX_DATA), d;
	f.stream = big;
	f.length = PX_FRAME_STREAM_MAX;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_FRAME_MAX);
	assert_int_equal(px_frame_decode(buf, PX_FRAME_MAX, &d), PX_OK);
	assert_frames_equal(&f, &d);
	assert_int_equal(px_frame_encode(buf, PX_FRAME_MAX - 1, &f),
			 PX_E_SHORT);
}

static void frame_truncated_at_every_length_is_short(void **state)
{
	for (uint8_t type = PX_HELLO; type <= PX_RESET; type++) {
		struct px_frame f = frame_of(type), d;
		int n = px_frame_encode(buf, sizeof(buf), &f);
		for (int len = 0; len < n; len++)
			assert_int_equal(px_frame_decode(buf, (size_t)len, &d),
					 PX_E_SHORT);
		/* A datagram is exactly one frame: no trailing bytes. */
		assert_int_equal(px_frame_decode(buf, (size_t)n + 1, &d),
				 PX_E_LENGTH);
	}
}

/* Encodes a valid frame of type, lets patch change it, expects rc. */
static void expect_frame(uint8_t type, void (*patch)(uint8_t *), int rc)
{
	struct px_frame f = frame_of(type), d;
	int n = px_frame_encode(buf, sizeof(buf), &f);
	assert_true(n > 0);
	patch(buf);
	assert_int_equal(px_frame_decode(buf, (size_t)n, &d), rc);
}

static void p_magic0(uint8_t *b)
{
	b[0] = 'U';
}
static void p_magic3(uint8_t *b)
{
	b[3] ^= 0x20;
}
static void p_version0(uint8_t *b)
{
	b[4] = 0;
}
static void p_version2(uint8_t *b)
{
	b[4] = 2;
}
static void p_type0(uint8_t *b)
{
	b[5] = 0;
}
static void p_type7(uint8_t *b)
{
	b[5] = 7;
}
static void p_type255(uint8_t *b)
{
	b[5] = 255;
}
static void p_len1401(uint8_t *b)
{
	le16(b + 6, 1401);
}
static void p_len0(uint8_t *b)
{
	le16(b + 6, 0);
}
static void p_len1(uint8_t *b)
{
	le16(b + 6, 1);
}
static void p_src0(uint8_t *b)
{
	le16(b + 8, 0);
}
static void p_src1025(uint8_t *b)
{
	le16(b + 8, 1025);
}
static void p_dst0(uint8_t *b)
{
	le16(b + 10, 0);
}
static void p_dst65535(uint8_t *b)
{
	le16(b + 10, 65535);
}
static void p_window_over(uint8_t *b)
{
	le32(b + 12, PX_WINDOW_MAX + 1);
}
static void p_srcepoch0(uint8_t *b)
{
	le64(b + 16, 0);
}
static void p_dstepoch0(uint8_t *b)
{
	le64(b + 24, 0);
}
static void p_seq1(uint8_t *b)
{
	le32(b + 32, 1);
}
static void p_ack1(uint8_t *b)
{
	le32(b + 36, 1);
}

static void frame_malformed_variants_are_rejected_with_their_reason(void **s)
{
	expect_frame(PX_ACK, p_magic0, PX_E_MAGIC);
	expect_frame(PX_ACK, p_magic3, PX_E_MAGIC);
	expect_frame(PX_ACK, p_version0, PX_E_VERSION);
	expect_frame(PX_DATA, p_version2, PX_E_VERSION);
	expect_frame(PX_ACK, p_type0, PX_E_TYPE);
	expect_frame(PX_ACK, p_type7, PX_E_TYPE);
	expect_frame(PX_ACK, p_type255, PX_E_TYPE);
	expect_frame(PX_DATA, p_len1401, PX_E_BOUNDS);
	expect_frame(PX_DATA, p_len0, PX_E_LENGTH); /* DATA carries bytes */
	expect_frame(PX_PING, p_len1, PX_E_LENGTH); /* others carry none */
	expect_frame(PX_HELLO, p_len1, PX_E_LENGTH);
	expect_frame(PX_ACK, p_src0, PX_E_NODE);
	expect_frame(PX_ACK, p_src1025, PX_E_NODE);
	expect_frame(PX_ACK, p_dst0, PX_E_NODE);
	expect_frame(PX_ACK, p_dst65535, PX_E_NODE);
	expect_frame(PX_ACK, p_window_over, PX_E_BOUNDS);
	expect_frame(PX_HELLO, p_srcepoch0, PX_E_EPOCH);
	expect_frame(PX_WELCOME, p_dstepoch0, PX_E_EPOCH);
	expect_frame(PX_DATA, p_dstepoch0, PX_E_EPOCH);
	expect_frame(PX_RESET, p_dstepoch0, PX_E_EPOCH);
	expect_frame(PX_ACK, p_seq1, PX_E_RESERVED);
	expect_frame(PX_HELLO, p_seq1, PX_E_RESERVED);
	expect_frame(PX_HELLO, p_ack1, PX_E_RESERVED);
	expect_frame(PX_RESET, p_ack1, PX_E_RESERVED);
}

static void frame_accepts_what_the_specification_allows(void **state)
{
	struct px_frame f = frame_of(PX_HELLO), d;
	f.dst_epoch = 5; /* HELLO may know the peer's epoch */
	int n = px_frame_encode(buf, sizeof(buf), &f);
	assert_int_equal(px_frame_decode(buf, (size_t)n, &d), PX_OK);
	f = frame_of(PX_DATA);
	f.seq = 0; /* after a wrap */
	f.window = 0;
	n = px_frame_encode(buf, sizeof(buf), &f);
	assert_int_equal(px_frame_decode(buf, (size_t)n, &d), PX_OK);
	assert_int_equal(d.seq, 0);
}

static void frame_encoder_refuses_what_the_decoder_refuses(void **state)
{
	struct px_frame f;
	f = frame_of(PX_ACK), f.type = 9;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_E_TYPE);
	f = frame_of(PX_DATA), f.length = 1401;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_E_BOUNDS);
	f = frame_of(PX_DATA), f.length = 0;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_E_LENGTH);
	f = frame_of(PX_ACK), f.src_node = 0;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_E_NODE);
	f = frame_of(PX_ACK), f.window = 1000;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_E_BOUNDS);
	f = frame_of(PX_PING), f.dst_epoch = 0;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_E_EPOCH);
	f = frame_of(PX_ACK), f.seq = 3;
	assert_int_equal(px_frame_encode(buf, sizeof(buf), &f), PX_E_RESERVED);
	f = frame_of(PX_ACK);
	assert_int_equal(px_frame_encode(buf, PX_FRAME_HEADER - 1, &f),
			 PX_E_SHORT);
	assert_int_equal(px_frame_encode_header(buf, PX_FRAME_HEADER, &f),
			 PX_FRAME_HEADER);
}

/* Records. */

static const struct px_cap target = {PX_CAP_RECEIVER, PX_RIGHT_SEND, 0, 42, 0};
static const struct px_cap question = {PX_CAP_SENDER, PX_RIGHT_SEND_ONCE, 0, 7,
				       0};
static const struct px_cap none;

/* A message with 3 descriptors, 2 regions and 13 inline bytes. */
static uint8_t msg_caps[3 * PX_CAP_SIZE];
static uint8_t msg_ools[2 * PX_OOL_SIZE];
static const uint8_t msg_inline[13] = "hello, proxy";

static struct px_msg sample_msg(void)
{
	const struct px_cap caps[3] = {
	    {PX_CAP_SENDER, PX_RIGHT_SEND, 0, 1, 0},
	    {PX_CAP_RECEIVER, PX_RIGHT_SEND, 0, 2, 0},
	    {PX_CAP_THIRD, PX_RIGHT_SEND, 3, 0, 0xfeedfacecafebeefull},
	};
	const struct px_ool ools[2] = {
	    {4096, PX_OOL_COPY, 11},
	    {PX_OOL_REGION_MAX, PX_OOL_MOVE, 12},
	};
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    px_cap_encode(msg_caps + i * 16, PX_USE_CAP, &caps[i]), 16);
	for (int i = 0; i < 2; i++)
		assert_int_equal(px_ool_encode(msg_ools + i * 16, &ools[i]),
				 16);
	struct px_msg m = {
	    .msg_id = 0x00010002u,
	    .n_caps = 3,
	    .n_ool = 2,
	    .inline_len = sizeof(msg_inline),
	    .call = 99,
	    .target = target,
	    .reply = question,
	    .caps = msg_caps,
	    .ools = msg_ools,
	    .inline_data = msg_inline,
	};
	return m;
}

static void assert_caps_equal(const struct px_cap *a, const struct px_cap *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->right, b->right);
	assert_int_equal(a->node, b->node);
	assert_int_equal(a->id, b->id);
	assert_true(a->ref == b->ref);
}

static void assert_msgs_equal(const struct px_msg *a, const struct px_msg *b)
{
	assert_int_equal(a->msg_id, b->msg_id);
	assert_int_equal(a->n_caps, b->n_caps);
	assert_int_equal(a->n_ool, b->n_ool);
	assert_int_equal(a->inline_len, b->inline_len);
	assert_int_equal(a->call, b->call);
	assert_caps_equal(&a->target, &b->target);
	assert_caps_equal(&a->reply, &b->reply);
	if (a->n_caps)
		assert_memory_equal(a->caps, b->caps, a->n_caps * 16u);
	if (a->n_ool)
		assert_memory_equal(a->ools, b->ools, a->n_ool * 16u);
	if (a->inline_len)
		assert_memory_equal(a->inline_data, b->inline_data,
				    a->inline_len);
}

static void record_msg_has_the_specified_layout(void **state)
{
	/* MSG, one SENDER descriptor, 3 inline bytes padded to 8. */
	uint8_t g[8 + 48 + 16 + 8] = {0};
	le16(g + 0, 1);
	le32(g + 4, sizeof(g));
	le32(g + 8, 0x77);	 /* msg_id */
	le16(g + 12, 1);	 /* n_caps */
	le16(g + 14, 0);	 /* n_ool */
	le32(g + 16, 3);	 /* inline_len */
	le32(g + 20, 5);	 /* call */
	g[24] = PX_CAP_RECEIVER; /* target */
	g[25] = PX_RIGHT_SEND;
	le32(g + 28, 0x1234);
	g[40] = PX_CAP_SENDER; /* reply: question 9 */
	g[41] = PX_RIGHT_SEND_ONCE;
	le32(g + 44, 9);
	g[56] = PX_CAP_SENDER; /* caps[0] */
	g[57] = PX_RIGHT_SEND;
	le32(g + 60, 0xabcd);
	memcpy(g + 72, "xyz", 3);
	struct px_record r;
	assert_int_equal(px_record_decode(g, sizeof(g), &r), PX_OK);
	assert_int_equal(r.type, PX_REC_MSG);
	assert_int_equal(r.length, sizeof(g));
	assert_int_equal(r.u.msg.msg_id, 0x77);
	assert_int_equal(r.u.msg.call, 5);
	assert_int_equal(r.u.msg.target.id, 0x1234);
	assert_int_equal(r.u.msg.reply.right, PX_RIGHT_SEND_ONCE);
	assert_int_equal(r.u.msg.reply.id, 9);
	struct px_cap c;
	px_msg_cap(&r.u.msg, 0, &c);
	assert_int_equal(c.kind, PX_CAP_SENDER);
	assert_int_equal(c.id, 0xabcd);
	assert_ptr_equal(r.u.msg.inline_data, g + 72);
	assert_int_equal(px_record_encode(out, sizeof(out), &r), sizeof(g));
	assert_memory_equal(out, g, sizeof(g));
}

static void record_layouts_of_the_small_types(void **state)
{
	struct px_record r;
	uint8_t g[32] = {0};

	le16(g, PX_REC_PROVIDE);
	le32(g + 4, 24);
	le64(g + 8, 0x0102030405060708ull);
	le32(g + 16, 66);
	le16(g + 20, 3);
	assert_int_equal(px_record_decode(g, 24, &r), PX_OK);
	assert_true(r.u.provide.ref == 0x0102030405060708ull);
	assert_int_equal(r.u.provide.export_id, 66);
	assert_int_equal(r.u.provide.recipient, 3);

	memset(g, 0, sizeof(g));
	le16(g, PX_REC_RESOLVED);
	le32(g + 4, 32);
	le32(g + 8, 4);
	le32(g + 12, 0);
	g[16] = PX_CAP_SENDER;
	g[17] = PX_RIGHT_SEND;
	le32(g + 20, 8);
	assert_int_equal(px_record_decode(g, 32, &r), PX_OK);
	assert_int_equal(r.u.resolved.question, 4);
	assert_int_equal(r.u.resolved.cap.id, 8);

	memset(g, 0, sizeof(g));
	le16(g, PX_REC_PORT_DEAD);
	le32(g + 4, 24);
	le32(g + 8, 3); /* count */
	le32(g + 12, 10);
	le32(g + 16, 11);
	le32(g + 20, 12);
	assert_int_equal(px_record_decode(g, 24, &r), PX_OK);
	assert_int_equal(r.u.list.count, 3);
	assert_int_equal(px_record_id(&r, 0), 10);
	assert_int_equal(px_record_id(&r, 2), 12);

	memset(g, 0, sizeof(g));
	le16(g, PX_REC_OOL_DATA);
	le32(g + 4, 32);
	le32(g + 8, 5);	    /* transfer */
	le64(g + 16, 4096); /* offset */
	memcpy(g + 24, "chunk", 5);
	assert_int_equal(px_record_decode(g, 32, &r), PX_OK);
	assert_int_equal(r.u.ool_data.transfer, 5);
	assert_true(r.u.ool_data.offset == 4096);
	assert_int_equal(r.u.ool_data.data_len, 8);
	assert_ptr_equal(r.u.ool_data.data, g + 24);
}

/* Every record type, encoded by its own encoder, into recs[i]. */
#define SAMPLES 14
static uint8_t recs[SAMPLES][PX_RECORD_MAX];
static int rec_len[SAMPLES];

static void make_samples(void)
{
	struct px_msg m = sample_msg();
	struct px_msg r = m;
	r.target = none;
	r.reply = none;
	r.call = 0;
	const struct px_pair pairs[3] = {{1, 1}, {2, 5}, {0xffffffffu, 8}};
	const uint32_t ids[4] = {9, 8, 7, 6};
	static uint8_t chunk[PX_OOL_DATA_MAX];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)(i ^ 0x5a);
	const struct px_cap sender = {PX_CAP_SENDER, PX_RIGHT_SEND, 0, 77, 0};
	int i = 0;
	rec_len[i] = px_msg_encode(recs[i], PX_RECORD_MAX, &m), i++;
	rec_len[i] = px_reply_encode(recs[i], PX_RECORD_MAX, 31, &r), i++;
	rec_len[i] = px_answer_dead_encode(recs[i], PX_RECORD_MAX, 31, 14), i++;
	rec_len[i] = px_release_encode(recs[i], PX_RECORD_MAX, pairs, 3), i++;
	rec_len[i] = px_port_dead_encode(recs[i], PX_RECORD_MAX, ids, 4), i++;
	rec_len[i] = px_port_dead_encode(recs[i], PX_RECORD_MAX, ids, 3), i++;
	rec_len[i] = px_credit_encode(recs[i], PX_RECORD_MAX, pairs, 2), i++;
	rec_len[i] =
	    px_ool_data_encode(recs[i], PX_RECORD_MAX, 3, 1 << 20, chunk, 1001),
	i++;
	rec_len[i] = px_ool_data_encode(recs[i], PX_RECORD_MAX, 3, 0, chunk,
					PX_OOL_DATA_MAX),
	i++;
	rec_len[i] = px_ool_credit_encode(recs[i], PX_RECORD_MAX, 256 << 10),
	i++;
	rec_len[i] = px_provide_encode(recs[i], PX_RECORD_MAX, 0x55, 6, 1024),
	i++;
	rec_len[i] = px_accept_encode(recs[i], PX_RECORD_MAX, 0x55, 12), i++;
	rec_len[i] = px_lookup_encode(recs[i], PX_RECORD_MAX, 13,
				      (const uint8_t *)"fs", 2),
	i++;
	rec_len[i] = px_resolved_encode(recs[i], PX_RECORD_MAX, 13, 0, &sender),
	i++;
	assert_int_equal(i, SAMPLES);
	for (i = 0; i < SAMPLES; i++) {
		assert_true(rec_len[i] > 0);
		assert_int_equal(rec_len[i] % 8, 0);
	}
}

static int setup(void **state)
{
	make_samples();
	return 0;
}

static void record_round_trips_every_type(void **state)
{
	for (int i = 0; i < SAMPLES; i++) {
		struct px_record r, again;
		assert_int_equal(
		    px_record_decode(recs[i], (size_t)rec_len[i], &r), PX_OK);
		assert_int_equal(r.length, rec_len[i]);
		assert_int_equal(px_record_encode(out, sizeof(out), &r),
				 rec_len[i]);
		assert_memory_equal(out, recs[i], (size_t)rec_len[i]);
		assert_int_equal(
		    px_record_decode(out, (size_t)rec_len[i], &again), PX_OK);
		assert_int_equal(again.type, r.type);
		/* And with bytes after it: a record knows its own end. */
		memcpy(buf, recs[i], (size_t)rec_len[i]);
		memset(buf + rec_len[i], 0xee, 16);
		assert_int_equal(
		    px_record_decode(buf, (size_t)rec_len[i] + 16, &again),
		    PX_OK);
		assert_int_equal(again.length, rec_len[i]);
	}
}

static void record_decoded_fields_match_what_was_encoded(void **state)
{
	struct px_record r;
	struct px_msg m = sample_msg();
	assert_int_equal(px_record_decode(recs[0], (size_t)rec_len[0], &r), 0);
	assert_msgs_equal(&m, &r.u.msg);
	struct px_ool o;
	px_msg_ool(&r.u.msg, 1, &o);
	assert_true(o.size == PX_OOL_REGION_MAX);
	assert_int_equal(o.flags, PX_OOL_MOVE);
	assert_int_equal(o.transfer, 12);
	struct px_cap c;
	px_msg_cap(&r.u.msg, 2, &c);
	assert_int_equal(c.kind, PX_CAP_THIRD);
	assert_int_equal(c.node, 3);
	assert_true(c.ref == 0xfeedfacecafebeefull);

	assert_int_equal(px_record_decode(recs[1], (size_t)rec_len[1], &r), 0);
	assert_int_equal(r.type, PX_REC_REPLY);
	assert_int_equal(r.u.reply.question, 31);
	assert_int_equal(r.u.reply.msg.inline_len, 13);

	assert_int_equal(px_record_decode(recs[3], (size_t)rec_len[3], &r), 0);
	struct px_pair p;
	px_record_pair(&r, 2, &p);
	assert_int_equal(p.id, 0xffffffffu);
	assert_int_equal(p.count, 8);

	assert_int_equal(px_record_decode(recs[4], (size_t)rec_len[4], &r), 0);
	assert_int_equal(r.u.list.count, 4);
	assert_int_equal(r.length, 8 + 24); /* 4 + 16 bytes, padded */
	assert_int_equal(px_record_decode(recs[5], (size_t)rec_len[5], &r), 0);
	assert_int_equal(r.u.list.count, 3);
	assert_int_equal(r.length, 8 + 16); /* 4 + 12 bytes, no padding */

	assert_int_equal(px_record_decode(recs[7], (size_t)rec_len[7], &r), 0);
	assert_int_equal(r.u.ool_data.data_len, 1008); /* 1001 padded */
	assert_int_equal(r.u.ool_data.data[1000], (1000 % 256) ^ 0x5a);
	assert_int_equal(r.u.ool_data.data[1001], 0);
	assert_int_equal(rec_len[8], PX_RECORD_MAX);

	assert_int_equal(px_record_decode(recs[12], (size_t)rec_len[12], &r),
			 0);
	assert_int_equal(r.u.lookup.name_len, 2);
	assert_memory_equal(r.u.lookup.name, "fs", 2);
}

static void record_truncated_at_every_length_is_short(void **state)
{
	struct px_record r;
	for (int i = 0; i < SAMPLES; i++)
		for (int len = 0; len < rec_len[i]; len++)
			assert_int_equal(
			    px_record_decode(recs[i], (size_t)len, &r),
			    PX_E_SHORT);
}

/* Copies sample i to buf, patches it, expects rc from the decoder. */
static void expect_rec(int i, int rc)
{
	struct px_record r;
	uint32_t len = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 |
		       (uint32_t)buf[6] << 16 | (uint32_t)buf[7] << 24;
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (len < PX_RECORD_HEAD)
		len = PX_RECORD_HEAD;
	assert_int_equal(px_record_decode(buf, len, &r), rc);
	(void)i;
}

static void load(int i)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, recs[i], (size_t)rec_len[i]);
}

static void record_head_rejects_type_flags_and_length(void **state)
{
	load(0), le16(buf, 0), expect_rec(0, PX_E_TYPE);
	load(0), le16(buf, 13), expect_rec(0, PX_E_TYPE);
	load(0), le16(buf, 0xffff), expect_rec(0, PX_E_TYPE);
	load(0), le16(buf + 2, 1), expect_rec(0, PX_E_RESERVED);
	load(0), le32(buf + 4, 0), expect_rec(0, PX_E_BOUNDS);
	load(0), le32(buf + 4, 7), expect_rec(0, PX_E_BOUNDS);
	load(0), le32(buf + 4, PX_RECORD_MAX + 8), expect_rec(0, PX_E_BOUNDS);
	load(0), le32(buf + 4, 0x80000000u), expect_rec(0, PX_E_BOUNDS);
	load(2), le32(buf + 4, 12), expect_rec(2, PX_E_LENGTH);
	uint16_t type;
	uint32_t length;
	assert_int_equal(px_record_head_decode(recs[0], 7, &type, &length),
			 PX_E_SHORT);
	assert_int_equal(px_record_head_decode(recs[0], 8, &type, &length),
			 PX_OK);
	assert_int_equal(length, rec_len[0]);
}

/* Offsets of the sample MSG (record 0): head 8, message at 8. */
#define M_NCAPS 12
#define M_NOOL 14
#define M_INLINE 16
#define M_TARGET 24
#define M_REPLY 40
#define M_CAPS 56
#define M_OOLS (56 + 48)
#define M_DATA (M_OOLS + 32)

static void record_msg_counts_and_lengths_are_checked(void **state)
{
	load(0), le16(buf + M_NCAPS, 17), expect_rec(0, PX_E_BOUNDS);
	load(0), le16(buf + M_NOOL, 9), expect_rec(0, PX_E_BOUNDS);
	load(0), le32(buf + M_INLINE, 4097), expect_rec(0, PX_E_BOUNDS);
	/* The length must be exactly the sum of the parts. */
	load(0), le16(buf + M_NCAPS, 2), expect_rec(0, PX_E_LENGTH);
	load(0), le16(buf + M_NOOL, 3), expect_rec(0, PX_E_LENGTH);
	load(0), le32(buf + M_INLINE, 17), expect_rec(0, PX_E_LENGTH);
	load(0), le32(buf + 4, (uint32_t)rec_len[0] + 8),
	    expect_rec(0, PX_E_LENGTH);
	load(0), le32(buf + 4, (uint32_t)rec_len[0] - 8),
	    expect_rec(0, PX_E_LENGTH);
	load(0), le32(buf + 4, 48), expect_rec(0, PX_E_LENGTH);
	/* Inline padding: 13 bytes then 3 of padding. */
	load(0), buf[M_DATA + 13] = 1, expect_rec(0, PX_E_PADDING);
	load(0), buf[M_DATA + 15] = 0x80, expect_rec(0, PX_E_PADDING);
	load(0), le32(buf + M_INLINE, 16), expect_rec(0, PX_OK);
	/* The largest message fits a record. */
	static uint8_t caps[16 * 16], ools[8 * 16], data[4096];
	struct px_msg m = sample_msg();
	m.n_caps = 16, m.n_ool = 8, m.inline_len = 4096;
	m.caps = caps, m.ools = ools, m.inline_data = data;
	int n = px_msg_encode(buf, sizeof(buf), &m);
	assert_int_equal(n, 8 + 48 + 256 + 128 + 4096);
	struct px_record r;
	assert_int_equal(px_record_decode(buf, (size_t)n, &r), PX_OK);
	assert_int_equal(r.u.msg.n_caps, 16);
}

static void record_msg_descriptors_are_checked(void **state)
{
	/* target: RECEIVER + SEND only */
	load(0), buf[M_TARGET] = PX_CAP_SENDER, expect_rec(0, PX_E_CAP);
	load(0), buf[M_TARGET + 1] = PX_RIGHT_SEND_ONCE,
				expect_rec(0, PX_E_CAP);
	load(0), memset(buf + M_TARGET, 0, 16), expect_rec(0, PX_E_CAP);
	load(0), le16(buf + M_TARGET + 2, 1), expect_rec(0, PX_E_CAP);
	load(0), buf[M_TARGET + 8] = 1, expect_rec(0, PX_E_CAP);
	/* reply: SEND_ONCE only as SENDER (a question) */
	load(0), buf[M_REPLY] = PX_CAP_RECEIVER, expect_rec(0, PX_E_CAP);
	load(0), buf[M_REPLY + 1] = 3, expect_rec(0, PX_E_CAP);
	load(0), buf[M_REPLY + 1] = 0, expect_rec(0, PX_E_CAP);
	load(0), buf[M_REPLY] = PX_CAP_RECEIVER, buf[M_REPLY + 1] = 1,
		 expect_rec(0, PX_OK);
	load(0), memset(buf + M_REPLY, 0, 16), expect_rec(0, PX_OK);
	load(0), memset(buf + M_REPLY, 0, 16),
	    buf[M_REPLY + 1] = 1,
			  expect_rec(0, PX_E_CAP); /* NONE has no right */
	/* caps[0] SENDER, caps[1] RECEIVER, caps[2] THIRD */
	load(0), buf[M_CAPS + 1] = PX_RIGHT_SEND_ONCE, expect_rec(0, PX_E_CAP);
	load(0), buf[M_CAPS] = 4, expect_rec(0, PX_E_CAP);
	load(0), buf[M_CAPS] = 0xff, expect_rec(0, PX_E_CAP);
	load(0), le16(buf + M_CAPS + 2, 5), expect_rec(0, PX_E_CAP);
	load(0), le64(buf + M_CAPS + 8, 5), expect_rec(0, PX_E_CAP);
	load(0), le16(buf + M_CAPS + 32 + 2, 0), expect_rec(0, PX_E_NODE);
	load(0), le16(buf + M_CAPS + 32 + 2, 1025), expect_rec(0, PX_E_NODE);
	load(0), le32(buf + M_CAPS + 32 + 4, 1), expect_rec(0, PX_E_CAP);
	load(0), memset(buf + M_CAPS + 16, 0, 16), expect_rec(0, PX_OK);
	/* regions: COPY or MOVE, at most 64 MiB */
	load(0), le32(buf + M_OOLS + 8, 2), expect_rec(0, PX_E_VALUE);
	load(0), le64(buf + M_OOLS, PX_OOL_REGION_MAX + 1ull),
	    expect_rec(0, PX_E_BOUNDS);
	load(0), le64(buf + M_OOLS, 0), expect_rec(0, PX_OK);
}

static void record_reply_is_checked(void **state)
{
	load(1), le32(buf + 12, 1), expect_rec(1, PX_E_RESERVED);
	load(1),
	    buf[16 + M_TARGET - 8] = PX_CAP_RECEIVER,
				buf[16 + M_TARGET - 7] = PX_RIGHT_SEND,
				expect_rec(
				    1, PX_E_CAP); /* a REPLY has no target */
	load(1), le32(buf + 4, 8), expect_rec(1, PX_E_LENGTH);
	load(1), le32(buf + 4, 16), expect_rec(1, PX_E_LENGTH);
}

static void record_small_types_are_checked(void **state)
{
	/* ANSWER_DEAD: exactly 16 */
	load(2), le32(buf + 4, 24), expect_rec(2, PX_E_LENGTH);
	load(2), le32(buf + 4, 8), expect_rec(2, PX_E_LENGTH);
	/* RELEASE, CREDIT: at least one entry, no count of 0 */
	load(3), le32(buf + 4, 8), expect_rec(3, PX_E_LENGTH);
	load(3), le32(buf + 8 + 8 + 4, 0), expect_rec(3, PX_E_VALUE);
	load(6), le32(buf + 8 + 4, 0), expect_rec(6, PX_E_VALUE);
	load(3), le32(buf + 4, 16), expect_rec(3, PX_OK);
	/* PORT_DEAD: count 1..max, length = 4 + 4n padded, padding 0 */
	load(4), le32(buf + 8, 0), expect_rec(4, PX_E_BOUNDS);
	load(4), le32(buf + 8, PX_PORT_DEAD_MAX + 1),
	    expect_rec(4, PX_E_BOUNDS);
	load(4), le32(buf + 8, 0xffffffffu), expect_rec(4, PX_E_BOUNDS);
	load(4), le32(buf + 8, 7), expect_rec(4, PX_E_LENGTH);
	load(4), le32(buf + 8, 3), expect_rec(4, PX_E_LENGTH);
	load(4), le32(buf + 28, 1), expect_rec(4, PX_E_PADDING);
	load(4), le32(buf + 4, 8), expect_rec(4, PX_E_LENGTH);
	load(5), le32(buf + 8, 2), expect_rec(5, PX_E_PADDING);
	/* OOL_DATA: reserved, offset a multiple of 8 in the region, data */
	load(7), le32(buf + 12, 1), expect_rec(7, PX_E_RESERVED);
	load(7), le64(buf + 16, 4), expect_rec(7, PX_E_VALUE);
	load(7), le64(buf + 16, PX_OOL_REGION_MAX), expect_rec(7, PX_E_BOUNDS);
	load(7), le64(buf + 16, PX_OOL_REGION_MAX - 1000),
	    expect_rec(7, PX_E_BOUNDS);
	load(7), le64(buf + 16, PX_OOL_REGION_MAX - 1008), expect_rec(7, PX_OK);
	load(7), le64(buf + 16, 0xfffffffffffffff8ull),
	    expect_rec(7, PX_E_BOUNDS);
	load(7), le32(buf + 4, 24), expect_rec(7, PX_E_LENGTH);
	load(7), le32(buf + 4, 16), expect_rec(7, PX_E_LENGTH);
	/* OOL_CREDIT: exactly 16, nonzero */
	load(9), le64(buf + 8, 0), expect_rec(9, PX_E_VALUE);
	load(9), le32(buf + 4, 24), expect_rec(9, PX_E_LENGTH);
	/* PROVIDE: recipient a node, reserved 0, exactly 24 */
	load(10), le16(buf + 20, 0), expect_rec(10, PX_E_NODE);
	load(10), le16(buf + 20, 1025), expect_rec(10, PX_E_NODE);
	load(10), le16(buf + 22, 1), expect_rec(10, PX_E_RESERVED);
	load(10), le32(buf + 4, 16), expect_rec(10, PX_E_LENGTH);
	/* ACCEPT */
	load(11), le32(buf + 20, 1), expect_rec(11, PX_E_RESERVED);
	load(11), le32(buf + 4, 32), expect_rec(11, PX_E_LENGTH);
	/* LOOKUP: name_len 1.., matches the length, padding 0, reserved 0 */
	load(12), le16(buf + 12, 0), expect_rec(12, PX_E_BOUNDS);
	load(12), le16(buf + 12, 9), expect_rec(12, PX_E_LENGTH);
	load(12), le16(buf + 12, 8), expect_rec(12, PX_OK);
	load(12), le16(buf + 14, 1), expect_rec(12, PX_E_RESERVED);
	load(12), buf[16 + 2] = 'x', expect_rec(12, PX_E_PADDING);
	load(12), le32(buf + 4, 8), expect_rec(12, PX_E_LENGTH);
	/* RESOLVED: status 0 with SENDER + SEND, else NONE */
	load(13), memset(buf + 16, 0, 16), expect_rec(13, PX_E_CAP);
	load(13), le32(buf + 12, (uint32_t)-5), expect_rec(13, PX_E_CAP);
	load(13), le32(buf + 12, (uint32_t)-5), memset(buf + 16, 0, 16),
	    expect_rec(13, PX_OK);
	load(13), buf[17] = PX_RIGHT_SEND_ONCE, expect_rec(13, PX_E_CAP);
	load(13), le32(buf + 4, 24), expect_rec(13, PX_E_LENGTH);
}

static void record_encoders_refuse_what_the_decoder_refuses(void **state)
{
	struct px_msg m = sample_msg();
	m.n_caps = 17;
	assert_int_equal(px_msg_encode(buf, sizeof(buf), &m), PX_E_BOUNDS);
	m = sample_msg(), m.inline_len = 4097;
	assert_int_equal(px_msg_encode(buf, sizeof(buf), &m), PX_E_BOUNDS);
	m = sample_msg(), m.target = none;
	assert_int_equal(px_msg_encode(buf, sizeof(buf), &m), PX_E_CAP);
	m = sample_msg();
	assert_int_equal(px_reply_encode(buf, sizeof(buf), 1, &m), PX_E_CAP);
	uint8_t bad_caps[16] = {PX_CAP_SENDER, PX_RIGHT_SEND_ONCE};
	m = sample_msg(), m.n_caps = 1, m.caps = bad_caps;
	assert_int_equal(px_msg_encode(buf, sizeof(buf), &m), PX_E_CAP);
	m = sample_msg();
	assert_int_equal(px_msg_encode(buf, (size_t)rec_len[0] - 1, &m),
			 PX_E_SHORT);
	const struct px_pair zero = {1, 0};
	assert_int_equal(px_release_encode(buf, sizeof(buf), &zero, 1),
			 PX_E_VALUE);
	assert_int_equal(px_credit_encode(buf, sizeof(buf), &zero, 0),
			 PX_E_BOUNDS);
	assert_int_equal(px_port_dead_encode(buf, sizeof(buf), NULL, 0),
			 PX_E_BOUNDS);
	assert_int_equal(
	    px_ool_data_encode(buf, sizeof(buf), 1, 3, msg_inline, 1),
	    PX_E_VALUE);
	assert_int_equal(
	    px_ool_data_encode(buf, sizeof(buf), 1, 0, msg_inline, 0),
	    PX_E_LENGTH);
	assert_int_equal(px_ool_credit_encode(buf, sizeof(buf), 0), PX_E_VALUE);
	assert_int_equal(px_provide_encode(buf, sizeof(buf), 1, 1, 0),
			 PX_E_NODE);
	assert_int_equal(px_lookup_encode(buf, sizeof(buf), 1, msg_inline, 0),
			 PX_E_BOUNDS);
	assert_int_equal(px_resolved_encode(buf, sizeof(buf), 1, 0, &none),
			 PX_E_CAP);
	assert_int_equal(px_resolved_encode(buf, sizeof(buf), 1, -3, &target),
			 PX_E_CAP);
	assert_int_equal(px_accept_encode(buf, 23, 1, 1), PX_E_SHORT);
	struct px_record r;
	memset(&r, 0, sizeof(r));
	r.type = 13;
	assert_int_equal(px_record_encode(buf, sizeof(buf), &r), PX_E_TYPE);
	r.type = PX_REC_OOL_CREDIT, r.u.ool_credit.bytes = 1, r.flags = 1;
	assert_int_equal(px_record_encode(buf, sizeof(buf), &r), PX_E_RESERVED);
	struct px_cap c = {PX_CAP_THIRD, PX_RIGHT_SEND, 0, 0, 1};
	assert_int_equal(px_cap_encode(buf, PX_USE_CAP, &c), PX_E_NODE);
	struct px_ool o = {1, 2, 0};
	assert_int_equal(px_ool_encode(buf, &o), PX_E_VALUE);
}

static void error_strings_name_every_reason(void **state)
{
	for (int e = PX_OK; e >= PX_E_VALUE; e--) {
		const char *s = px_error_str(e);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (int f = e + 1; f <= PX_OK; f++)
			assert_string_not_equal(s, px_error_str(f));
	}
	assert_string_equal(px_error_str(-100), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(frame_header_has_the_specified_layout),
	    cmocka_unit_test(frame_round_trips_every_type),
	    cmocka_unit_test(frame_carries_the_largest_stream),
	    cmocka_unit_test(frame_truncated_at_every_length_is_short),
	    cmocka_unit_test(
		frame_malformed_variants_are_rejected_with_their_reason),
	    cmocka_unit_test(frame_accepts_what_the_specification_allows),
	    cmocka_unit_test(frame_encoder_refuses_what_the_decoder_refuses),
	    cmocka_unit_test(record_msg_has_the_specified_layout),
	    cmocka_unit_test(record_layouts_of_the_small_types),
	    cmocka_unit_test(record_round_trips_every_type),
	    cmocka_unit_test(record_decoded_fields_match_what_was_encoded),
	    cmocka_unit_test(record_truncated_at_every_length_is_short),
	    cmocka_unit_test(record_head_rejects_type_flags_and_length),
	    cmocka_unit_test(record_msg_counts_and_lengths_are_checked),
	    cmocka_unit_test(record_msg_descriptors_are_checked),
	    cmocka_unit_test(record_reply_is_checked),
	    cmocka_unit_test(record_small_types_are_checked),
	    cmocka_unit_test(record_encoders_refuse_what_the_decoder_refuses),
	    cmocka_unit_test(error_strings_name_every_reason),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
