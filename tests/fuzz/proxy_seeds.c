/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed inputs of proxy_wire_fuzz into a folder, made by the
 * codec itself (nothing binary is committed): one frame of each type, one
 * record of each type, a stream of records, and link scripts (the format
 * is in proxy_wire_fuzz.c) that bring the link up and then send it data
 * carrying records, acknowledgements, PINGs, duplicates, a RESET and a
 * HELLO from a rebooted peer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

static const char *dir;
static uint8_t buf[1 << 16];
static size_t n;
static int failed;

static void save(const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		failed = 1;
	}
}

/* Appends an encoder's output; a failure is a bug in this generator. */
static void took(int len, const char *what)
{
	if (len < 0) {
		fprintf(stderr, "proxy_seeds: %s: %s\n", what,
			px_error_str(len));
		failed = 1;
		return;
	}
	n += (size_t)len;
}

static struct px_frame frame(uint8_t type, uint32_t seq, const uint8_t *s,
			     uint16_t len)
{
	struct px_frame f = {
	    .type = type,
	    .length = len,
	    .src_node = 2,
	    .dst_node = 1,
	    .window = PX_WINDOW_MAX,
	    .src_epoch = 7,
	    .dst_epoch = type == PX_HELLO ? 0 : 9,
	    .seq = seq,
	    .ack = type == PX_HELLO || type == PX_RESET ? 0 : 1,
	    .stream = s,
	};
	return f;
}

/* Records into r[], one of each type; returns the stream's length. */
static size_t records(uint8_t *r, size_t size)
{
	static uint8_t caps[2 * PX_CAP_SIZE], ools[PX_OOL_SIZE];
	static const uint8_t text[] = "inline bytes of a message";
	const struct px_cap c0 = {PX_CAP_SENDER, PX_RIGHT_SEND, 0, 3, 0};
	const struct px_cap c1 = {PX_CAP_THIRD, PX_RIGHT_SEND, 4, 0, 0x99};
	const struct px_ool o = {5000, PX_OOL_MOVE, 1};
	px_cap_encode(caps, PX_USE_CAP, &c0);
	px_cap_encode(caps + PX_CAP_SIZE, PX_USE_CAP, &c1);
	px_ool_encode(ools, &o);
	struct px_msg m = {
	    .msg_id = 0x10001,
	    .n_caps = 2,
	    .n_ool = 1,
	    .inline_len = sizeof(text),
	    .call = 1,
	    .target = {PX_CAP_RECEIVER, PX_RIGHT_SEND, 0, 1, 0},
	    .reply = {PX_CAP_SENDER, PX_RIGHT_SEND_ONCE, 0, 1, 0},
	    .caps = caps,
	    .ools = ools,
	    .inline_data = text,
	};
	static uint8_t chunk[5000];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	const struct px_pair pairs[2] = {{1, 2}, {3, 4}};
	const uint32_t ids[3] = {5, 6, 7};
	size_t saved = n;
	n = 0;
	uint8_t *p = r;
#define PUT(call)                                                              \
	do {                                                                   \
		int len_ = (call);                                             \
		took(len_, #call);                                             \
		if (len_ > 0)                                                  \
			p += len_, size -= (size_t)len_;                       \
	} while (0)
	PUT(px_msg_encode(p, size, &m));
	PUT(px_ool_data_encode(p, size, 1, 0, chunk, 4096));
	PUT(px_ool_data_encode(p, size, 1, 4096, chunk, 904));
	PUT(px_ool_credit_encode(p, size, 256 << 10));
	m.target = (struct px_cap){0};
	m.reply = (struct px_cap){0};
	m.n_caps = 0;
	m.n_ool = 0;
	PUT(px_reply_encode(p, size, 1, &m));
	PUT(px_answer_dead_encode(p, size, 2, 14));
	PUT(px_release_encode(p, size, pairs, 2));
	PUT(px_port_dead_encode(p, size, ids, 3));
	PUT(px_credit_encode(p, size, pairs, 1));
	PUT(px_provide_encode(p, size, 0x1234, 8, 3));
	PUT(px_accept_encode(p, size, 0x1234, 9));
	PUT(px_lookup_encode(p, size, 10, (const uint8_t *)"fs", 2));
	const struct px_cap s = {PX_CAP_SENDER, PX_RIGHT_SEND, 0, 11, 0};
	PUT(px_resolved_encode(p, size, 10, 0, &s));
	PUT(px_resolved_encode(p, size, 12, -33, &(struct px_cap){0}));
#undef PUT
	size_t len = (size_t)(p - r);
	n = saved;
	return len;
}

/* Link script helpers (proxy_wire_fuzz.c). */
static void op_frame(uint8_t flags, const struct px_frame *f)
{
	size_t len_at = n + 1;
	buf[n++] = (uint8_t)(0 | flags);
	n += 2;
	int len = px_frame_encode(buf + n, sizeof(buf) - n, f);
	took(len, "frame");
	buf[len_at] = (uint8_t)len;
	buf[len_at + 1] = (uint8_t)(len >> 8);
}

static void op_time(uint8_t ms)
{
	buf[n++] = 1;
	buf[n++] = ms;
}

static void op_send(uint8_t bytes)
{
	buf[n++] = 2;
	buf[n++] = bytes;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: proxy_seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	static uint8_t stream[1 << 15];
	size_t stream_len = records(stream, sizeof(stream));

	/* Frames. */
	for (uint8_t type = PX_HELLO; type <= PX_RESET; type++) {
		char name[32];
		n = 0;
		struct px_frame f = frame(type, type == PX_DATA ? 1 : 0, stream,
					  type == PX_DATA ? 200 : 0);
		took(px_frame_encode(buf, sizeof(buf), &f), "frame");
		snprintf(name, sizeof(name), "frame-%u", type);
		save(name);
	}
	/* Records, one file each, and the whole stream. */
	for (size_t at = 0, i = 0; at < stream_len; i++) {
		uint16_t type;
		uint32_t length;
		if (px_record_head_decode(stream + at, stream_len - at, &type,
					  &length) < 0)
			return 1;
		char name[32];
		memcpy(buf, stream + at, length);
		n = length;
		snprintf(name, sizeof(name), "record-%zu-%u", i, type);
		save(name);
		at += length;
	}
	memcpy(buf, stream, stream_len);
	n = stream_len;
	save("stream");

	/* Link: WELCOME (fixed up, acknowledging nothing), then the stream
	 * in numbered DATA frames, PINGs and ACKs, time, our own data. */
	n = 0;
	struct px_frame f = frame(PX_WELCOME, 0, NULL, 0);
	op_frame(0xc0, &f);
	op_send(200);
	uint32_t seq = 1;
	for (size_t at = 0; at < stream_len; seq++) {
		size_t len = stream_len - at;
		if (len > PX_FRAME_STREAM_MAX)
			len = PX_FRAME_STREAM_MAX;
		f = frame(PX_DATA, seq, stream + at, (uint16_t)len);
		op_frame(0xc0, &f);
		at += len;
		op_time(3);
	}
	op_time(10);
	f = frame(PX_ACK, 0, NULL, 0);
	op_frame(0xc0, &f);
	f = frame(PX_PING, 0, NULL, 0);
	op_frame(0xc0, &f);
	op_time(200);
	op_send(100);
	op_time(50);
	save("link-up-stream");

	/* The same, then a duplicate, a gap, a RESET and a reboot's HELLO. */
	f = frame(PX_DATA, 1, stream, 100);
	op_frame(0x80, &f);
	f = frame(PX_DATA, seq + 3, stream, 100);
	op_frame(0x80, &f);
	f = frame(PX_HELLO, 0, NULL, 0);
	op_frame(0x84, &f); /* the peer's epoch + 1 */
	op_time(20);
	f = frame(PX_RESET, 0, NULL, 0);
	op_frame(0x80, &f);
	buf[n++] = 3; /* connect */
	op_time(150);
	save("link-churn");
	return failed;
}
