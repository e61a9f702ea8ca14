/* SPDX-License-Identifier: MIT */
/*
 * The record stream reassembler: a session's stream cut into frames at
 * every byte position (and in frame-sized and odd-sized pieces) gives back
 * exactly the records that were written, a record as large as RECORD_MAX
 * spanning many frames included; a bad head is reported as soon as its 8
 * bytes are in, before its body, a bad body when the record is complete,
 * and the error sticks until the stream is reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

#define STREAM_MAX (4 * PX_RECORD_MAX)
static uint8_t stream[STREAM_MAX];
static size_t stream_len;
static size_t rec_at[16], rec_size[16];
static int n_recs;
static struct px_stream rs;
static uint8_t out[PX_RECORD_MAX];

static void add(int len)
{
	assert_true(len > 0);
	rec_at[n_recs] = stream_len;
	rec_size[n_recs] = (size_t)len;
	n_recs++;
	stream_len += (size_t)len;
}

/* A message, a largest OOL_DATA chunk (8192 bytes), small records, a
 * lookup and a reply: eight records of every size class. */
static int setup(void **state)
{
	static uint8_t chunk[PX_OOL_DATA_MAX], data[300];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	struct px_msg m = {
	    .msg_id = 1,
	    .inline_len = sizeof(data),
	    .target = {PX_CAP_RECEIVER, PX_RIGHT_SEND, 0, 5, 0},
	    .inline_data = data,
	};
	const struct px_pair p = {3, 1};
	const uint32_t id = 4;
	const struct px_cap sender = {PX_CAP_SENDER, PX_RIGHT_SEND, 0, 9, 0};
	stream_len = 0;
	n_recs = 0;
	uint8_t *s = stream;
	size_t room = STREAM_MAX;
#define ADD(call)                                                              \
	do {                                                                   \
		int n_ = (call);                                               \
		add(n_);                                                       \
		s += n_;                                                       \
		room -= (size_t)n_;                                            \
	} while (0)
	ADD(px_msg_encode(s, room, &m));
	ADD(px_ool_data_encode(s, room, 1, 0, chunk, PX_OOL_DATA_MAX));
	ADD(px_release_encode(s, room, &p, 1));
	ADD(px_port_dead_encode(s, room, &id, 1));
	ADD(px_ool_data_encode(s, room, 1, 8168, chunk, 77));
	ADD(px_lookup_encode(s, room, 2, (const uint8_t *)"net", 3));
	m.target = (struct px_cap){0};
	ADD(px_reply_encode(s, room, 8, &m));
	ADD(px_resolved_encode(s, room, 2, 0, &sender));
#undef ADD
	assert_int_equal(rec_size[1], PX_RECORD_MAX);
	return 0;
}

static int got;

/* Feeds [from, to) of the stream and checks every record that comes out
 * against the one written there (by re-encoding it). */
static void feed(size_t from, size_t to)
{
	const uint8_t *p = stream + from;
	size_t len = to - from;
	struct px_record r;
	int rc;
	while ((rc = px_stream_next(&rs, &p, &len, &r)) == 1) {
		assert_true(got < n_recs);
		int n = px_record_encode(out, sizeof(out), &r);
		assert_int_equal(n, (int)rec_size[got]);
		assert_memory_equal(out, stream + rec_at[got], (size_t)n);
		got++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(len, 0);
	assert_ptr_equal(p, stream + to);
}

static void stream_split_at_every_byte_gives_every_record(void **state)
{
	for (size_t cut = 0; cut <= stream_len; cut++) {
		px_stream_reset(&rs);
		got = 0;
		feed(0, cut);
		feed(cut, stream_len);
		assert_int_equal(got, n_recs);
		assert_int_equal(px_stream_pending(&rs), 0);
	}
}

static void stream_in_frames_of_any_size_gives_every_record(void **state)
{
	const size_t sizes[] = {
	    1,	       3, 7, 8, 9, 64, 1399, PX_FRAME_STREAM_MAX, PX_RECORD_MAX,
	    STREAM_MAX};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		px_stream_reset(&rs);
		got = 0;
		for (size_t at = 0; at < stream_len; at += sizes[k])
			feed(at, at + sizes[k] < stream_len ? at + sizes[k]
							    : stream_len);
		assert_int_equal(got, n_recs);
	}
}

static void stream_two_cuts_at_every_pair_around_a_record(void **state)
{
	/* Every pair of cuts inside the first two records and their join. */
	size_t end = rec_at[2] + 16;
	for (size_t a = 0; a <= end; a += 5)
		for (size_t b = a; b <= end; b += 11) {
			px_stream_reset(&rs);
			got = 0;
			feed(0, a);
			feed(a, b);
			feed(b, stream_len);
			assert_int_equal(got, n_recs);
		}
}

static void stream_reports_pending_bytes_of_a_partial_record(void **state)
{
	px_stream_reset(&rs);
	got = 0;
	feed(0, rec_at[1] + 100);
	assert_int_equal(got, 1);
	assert_int_equal(px_stream_pending(&rs), 100);
	feed(rec_at[1] + 100, stream_len);
	assert_int_equal(px_stream_pending(&rs), 0);
}

static void stream_bad_head_fails_before_its_body(void **state)
{
	static uint8_t bad[64];
	memset(bad, 0, sizeof(bad));
	bad[0] = 200; /* unknown type */
	bad[4] = 32;
	for (size_t split = 1; split <= 8; split++) {
		px_stream_reset(&rs);
		const uint8_t *p = bad;
		size_t len = split;
		struct px_record r;
		int rc = px_stream_next(&rs, &p, &len, &r);
		if (split < 8) {
			assert_int_equal(rc, 0);
			len = 8 - split;
			rc = px_stream_next(&rs, &p, &len, &r);
		}
		/* Only the head was given: the error needs no body. */
		assert_int_equal(rc, PX_E_TYPE);
	}
	/* Sticky: more bytes, even good ones, change nothing. */
	const uint8_t *p = stream;
	size_t len = stream_len;
	struct px_record r;
	assert_int_equal(px_stream_next(&rs, &p, &len, &r), PX_E_TYPE);
	px_stream_reset(&rs);
	got = 0;
	feed(0, stream_len);
	assert_int_equal(got, n_recs);
}

static void stream_bad_heads_of_each_kind_are_reported(void **state)
{
	static const struct {
		uint16_t type, flags;
		uint32_t length;
		int rc;
	} heads[] = {
	    {0, 0, 16, PX_E_TYPE},
	    {13, 0, 16, PX_E_TYPE},
	    {PX_REC_MSG, 1, 64, PX_E_RESERVED},
	    {PX_REC_MSG, 0, 4, PX_E_BOUNDS},
	    {PX_REC_MSG, 0, PX_RECORD_MAX + 8, PX_E_BOUNDS},
	    {PX_REC_MSG, 0, 0xfffffff8u, PX_E_BOUNDS},
	    {PX_REC_MSG, 0, 60, PX_E_LENGTH},
	};
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		uint8_t h[8] = {(uint8_t)heads[i].type,
				(uint8_t)(heads[i].type >> 8),
				(uint8_t)heads[i].flags,
				(uint8_t)(heads[i].flags >> 8),
				(uint8_t)heads[i].length,
				(uint8_t)(heads[i].length >> 8),
				(uint8_t)(heads[i].length >> 16),
				(uint8_t)(heads[i].length >> 24)};
		/* After a good record, so the slow and fast paths both see
		 * bad heads. */
		static uint8_t in[PX_RECORD_MAX * 2];
		memcpy(in, stream, rec_size[0]);
		memcpy(in + rec_size[0], h, 8);
		for (int slow = 0; slow < 2; slow++) {
			px_stream_reset(&rs);
			struct px_record r;
			const uint8_t *p = in;
			size_t len = rec_size[0] + 8;
			if (slow) { /* the good record in two pieces */
				len = 5;
				assert_int_equal(
				    px_stream_next(&rs, &p, &len, &r), 0);
				len = rec_size[0] + 8 - 5;
			}
			assert_int_equal(px_stream_next(&rs, &p, &len, &r), 1);
			assert_int_equal(px_stream_next(&rs, &p, &len, &r),
					 heads[i].rc);
		}
	}
}

static void stream_bad_body_fails_when_the_record_is_complete(void **state)
{
	static uint8_t in[STREAM_MAX];
	memcpy(in, stream, stream_len);
	/* The first record (MSG, 300 inline bytes): a padding byte set. */
	in[rec_size[0] - 1] = 0xff;
	for (size_t cut = 0; cut < rec_size[0]; cut += 7) {
		px_stream_reset(&rs);
		struct px_record r;
		const uint8_t *p = in;
		size_t len = cut;
		assert_int_equal(px_stream_next(&rs, &p, &len, &r), 0);
		len = stream_len - cut;
		assert_int_equal(px_stream_next(&rs, &p, &len, &r),
				 PX_E_PADDING);
		assert_int_equal(px_stream_next(&rs, &p, &len, &r),
				 PX_E_PADDING);
	}
}

static void stream_empty_input_needs_more(void **state)
{
	px_stream_reset(&rs);
	struct px_record r;
	const uint8_t *p = stream;
	size_t len = 0;
	assert_int_equal(px_stream_next(&rs, &p, &len, &r), 0);
	assert_int_equal(px_stream_pending(&rs), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(stream_split_at_every_byte_gives_every_record),
	    cmocka_unit_test(stream_in_frames_of_any_size_gives_every_record),
	    cmocka_unit_test(stream_two_cuts_at_every_pair_around_a_record),
	    cmocka_unit_test(stream_reports_pending_bytes_of_a_partial_record),
	    cmocka_unit_test(stream_bad_head_fails_before_its_body),
	    cmocka_unit_test(stream_bad_heads_of_each_kind_are_reported),
	    cmocka_unit_test(stream_bad_body_fails_when_the_record_is_complete),
	    cmocka_unit_test(stream_empty_input_needs_more),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
