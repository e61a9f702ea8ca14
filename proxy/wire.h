/* SPDX-License-Identifier: MIT */
/*
 * The proxy's wire format (docs/PROXY.md, "Frames" and "Records"): a codec
 * from bytes to checked structs and back, and the reassembler that cuts a
 * session's byte stream into records.
 *
 * Every integer is little-endian and read or written byte by byte, never
 * by casting a buffer to a struct, so this is the same C on the guest and
 * on the host. Decoders check every length before they read, and every
 * count, reserved field, padding byte and kind/right combination the
 * specification defines: what decodes is well formed, and what an encoder
 * accepts decodes again to the same struct. Decoded structs point into the
 * input buffer for variable parts (stream bytes, descriptors, entries,
 * inline bytes); those pointers live as long as the buffer.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h> and memcpy/memset only.
 */
#ifndef PROXY_WIRE_H
#define PROXY_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PX_VERSION 1u
#define PX_FRAME_HEADER 40u
#define PX_FRAME_STREAM_MAX 1400u
#define PX_FRAME_MAX (PX_FRAME_HEADER + PX_FRAME_STREAM_MAX)
#define PX_NODE_MAX 1024u
#define PX_WINDOW_MAX 128u /* frames in flight, the link's window */

#define PX_RECORD_HEAD 8u
#define PX_RECORD_MAX 8192u
#define PX_CAP_SIZE 16u
#define PX_OOL_SIZE 16u
#define PX_MSG_CAPS_MAX 16u
#define PX_MSG_OOL_MAX 8u
#define PX_MSG_INLINE_MAX 4096u
#define PX_MSG_FIXED 48u	      /* a message body without its arrays */
#define PX_OOL_REGION_MAX (64u << 20) /* = UK_MSG_OOL_SIZE_MAX */

/* Negative reason codes; 0 is success. */
enum px_error {
	PX_OK = 0,
	PX_E_SHORT = -1,    /* buffer ends before what it must hold */
	PX_E_MAGIC = -2,    /* not "ukPX" */
	PX_E_VERSION = -3,  /* a version we do not speak */
	PX_E_TYPE = -4,	    /* unknown frame or record type */
	PX_E_LENGTH = -5,   /* a length contradicts the bytes or the layout */
	PX_E_BOUNDS = -6,   /* a length, count or value over/under its limit */
	PX_E_RESERVED = -7, /* a reserved field, flags or unused field not 0 */
	PX_E_PADDING = -8,  /* a padding byte not 0 */
	PX_E_NODE = -9,	    /* node number outside 1..PX_NODE_MAX */
	PX_E_EPOCH = -10,   /* a zero epoch where one is required */
	PX_E_CAP = -11,	    /* descriptor kind/right/fields not allowed here */
	PX_E_VALUE = -12,   /* a field value outside its domain */
};

const char *px_error_str(int error);

/* Frames. */
enum px_frame_type {
	PX_HELLO = 1,
	PX_WELCOME = 2,
	PX_DATA = 3,
	PX_ACK = 4,
	PX_PING = 5,
	PX_RESET = 6,
};

struct px_frame {
	uint8_t type;
	uint16_t length; /* stream bytes: DATA 1..PX_FRAME_STREAM_MAX, else 0 */
	uint16_t src_node;
	uint16_t dst_node;
	uint32_t window;
	uint64_t src_epoch;
	uint64_t dst_epoch;
	uint32_t seq;
	uint32_t ack;
	const uint8_t *stream; /* length bytes */
};

/* Decodes one whole datagram (exactly PX_FRAME_HEADER + length bytes). */
int px_frame_decode(const uint8_t *buf, size_t len, struct px_frame *f);
/* Checks f and writes its 40-byte header; f->stream is not read. Returns
 * PX_FRAME_HEADER or a negative px_error. */
int px_frame_encode_header(uint8_t *buf, size_t size, const struct px_frame *f);
/* Header and stream bytes; returns the datagram's length or an error. */
int px_frame_encode(uint8_t *buf, size_t size, const struct px_frame *f);

/* Capability descriptors. */
enum px_cap_kind {
	PX_CAP_NONE = 0,
	PX_CAP_SENDER = 1,
	PX_CAP_RECEIVER = 2,
	PX_CAP_THIRD = 3,
};
enum px_cap_right {
	PX_RIGHT_SEND = 1,
	PX_RIGHT_SEND_ONCE = 2,
};

struct px_cap {
	uint8_t kind;
	uint8_t right;
	uint16_t node; /* THIRD: the port's node; else 0 */
	uint32_t id;   /* THIRD: 0 */
	uint64_t ref;  /* THIRD: the hand-off key; else 0 */
};

/* Where a descriptor appears decides what it may be. */
enum px_cap_use {
	PX_USE_CAP,    /* in a message's list: NONE, or SENDER/RECEIVER/THIRD +
			  SEND */
	PX_USE_TARGET, /* MSG target: RECEIVER + SEND */
	PX_USE_NONE,   /* REPLY target, RESOLVED on error: NONE */
	PX_USE_REPLY,  /* NONE, SENDER + SEND_ONCE, or any port + SEND */
	PX_USE_RESOLVED, /* RESOLVED on success: SENDER + SEND */
};

int px_cap_decode(const uint8_t *buf, enum px_cap_use use, struct px_cap *c);
int px_cap_encode(uint8_t *buf, enum px_cap_use use, const struct px_cap *c);

/* Out-of-line region descriptors in a message. */
enum px_ool_flags {
	PX_OOL_COPY = 0,
	PX_OOL_MOVE = 1,
};

struct px_ool {
	uint64_t size; /* 0..PX_OOL_REGION_MAX */
	uint32_t flags;
	uint32_t transfer;
};

int px_ool_decode(const uint8_t *buf, struct px_ool *o);
int px_ool_encode(uint8_t *buf, const struct px_ool *o);

/* A message (the body of MSG, and of REPLY after its question). caps and
 * ools are the wire descriptors (n × 16 bytes each): decoding checks them
 * all, so px_msg_cap/px_msg_ool on a decoded message cannot fail; encoding
 * checks them again. */
struct px_msg {
	uint32_t msg_id;
	uint16_t n_caps;
	uint16_t n_ool;
	uint32_t inline_len;
	uint32_t call; /* 0 for a one-way message */
	struct px_cap target;
	struct px_cap reply;
	const uint8_t *caps;
	const uint8_t *ools;
	const uint8_t *inline_data;
};

void px_msg_cap(const struct px_msg *m, unsigned i, struct px_cap *c);
void px_msg_ool(const struct px_msg *m, unsigned i, struct px_ool *o);
/* Bytes the message takes on the wire (without a record head). */
size_t px_msg_wire_size(const struct px_msg *m);

/* Records. */
enum px_record_type {
	PX_REC_MSG = 1,
	PX_REC_REPLY = 2,
	PX_REC_ANSWER_DEAD = 3,
	PX_REC_RELEASE = 4,
	PX_REC_PORT_DEAD = 5,
	PX_REC_CREDIT = 6,
	PX_REC_OOL_DATA = 7,
	PX_REC_OOL_CREDIT = 8,
	PX_REC_PROVIDE = 9,
	PX_REC_ACCEPT = 10,
	PX_REC_LOOKUP = 11,
	PX_REC_RESOLVED = 12,
};
#define PX_REC_TYPE_MAX 12u

/* A { u32 id, u32 count } entry of RELEASE (count) and CREDIT (messages). */
struct px_pair {
	uint32_t id;
	uint32_t count;
};

#define PX_PAIRS_MAX ((PX_RECORD_MAX - PX_RECORD_HEAD) / 8u)
#define PX_PORT_DEAD_MAX ((PX_RECORD_MAX - PX_RECORD_HEAD - 4u) / 4u)
#define PX_OOL_DATA_HEAD 24u
#define PX_OOL_DATA_MAX (PX_RECORD_MAX - PX_OOL_DATA_HEAD)
#define PX_LOOKUP_HEAD 16u
#define PX_NAME_LEN_MAX (PX_RECORD_MAX - PX_LOOKUP_HEAD)

struct px_record {
	uint16_t type;
	uint16_t flags;
	uint32_t length; /* the whole record, head included */
	union {
		struct px_msg msg; /* MSG */
		struct {
			uint32_t question;
			struct px_msg msg;
		} reply;
		struct {
			uint32_t question;
			uint32_t status;
		} answer_dead;
		struct { /* RELEASE, CREDIT: count × 8 bytes; PORT_DEAD: × 4 */
			uint32_t count;
			const uint8_t *entries;
		} list;
		struct {
			uint32_t transfer;
			uint64_t offset;
			uint32_t data_len; /* length − 24, padding of a last
					      chunk included */
			const uint8_t *data;
		} ool_data;
		struct {
			uint64_t bytes;
		} ool_credit;
		struct {
			uint64_t ref;
			uint32_t export_id;
			uint16_t recipient;
		} provide;
		struct {
			uint64_t ref;
			uint32_t question;
		} accept;
		struct {
			uint32_t question;
			uint16_t name_len;
			const uint8_t *name;
		} lookup;
		struct {
			uint32_t question;
			int32_t status;
			struct px_cap cap;
		} resolved;
	} u;
};

/* Checks a record head (type known, flags 0, length 8..PX_RECORD_MAX and a
 * multiple of 8); enough to know how many bytes the record takes. */
int px_record_head_decode(const uint8_t *buf, size_t len, uint16_t *type,
			  uint32_t *length);
/* Decodes one record from the start of buf (which may hold more after
 * it); r->length says how many bytes it took. */
int px_record_decode(const uint8_t *buf, size_t len, struct px_record *r);
/* Re-encodes a decoded (or hand-filled) record; returns its length. */
int px_record_encode(uint8_t *buf, size_t size, const struct px_record *r);

/* Entries of a decoded RELEASE/CREDIT (pairs) or PORT_DEAD (ids). */
void px_record_pair(const struct px_record *r, unsigned i, struct px_pair *p);
uint32_t px_record_id(const struct px_record *r, unsigned i);

/* Encoders: each returns the record's length or a negative px_error, and
 * never writes a record its decoder would refuse. */
int px_msg_encode(uint8_t *buf, size_t size, const struct px_msg *m);
int px_reply_encode(uint8_t *buf, size_t size, uint32_t question,
		    const struct px_msg *m);
int px_answer_dead_encode(uint8_t *buf, size_t size, uint32_t question,
			  uint32_t status);
int px_release_encode(uint8_t *buf, size_t size, const struct px_pair *v,
		      unsigned n);
int px_port_dead_encode(uint8_t *buf, size_t size, const uint32_t *ids,
			unsigned n);
int px_credit_encode(uint8_t *buf, size_t size, const struct px_pair *v,
		     unsigned n);
/* data_len bytes, padded with zeros to 8; only a region's last chunk may
 * have a length that is not a multiple of 8. */
int px_ool_data_encode(uint8_t *buf, size_t size, uint32_t transfer,
		       uint64_t offset, const uint8_t *data, uint32_t data_len);
int px_ool_credit_encode(uint8_t *buf, size_t size, uint64_t bytes);
int px_provide_encode(uint8_t *buf, size_t size, uint64_t ref,
		      uint32_t export_id, uint16_t recipient);
int px_accept_encode(uint8_t *buf, size_t size, uint64_t ref,
		     uint32_t question);
int px_lookup_encode(uint8_t *buf, size_t size, uint32_t question,
		     const uint8_t *name, uint16_t name_len);
int px_resolved_encode(uint8_t *buf, size_t size, uint32_t question,
		       int32_t status, const struct px_cap *cap);

/*
 * The record stream reassembler: a session's in-order stream bytes in,
 * whole decoded records out, a record spanning any number of frames. It
 * buffers at most one record (PX_RECORD_MAX bytes). A bad head or body is
 * reported as soon as it is seen and sticks until px_stream_reset: the
 * stream cannot be resynchronised, the session must end.
 */
struct px_stream {
	uint32_t have; /* bytes of the current record in buf */
	uint32_t need; /* its length once the head is in, else 0 */
	int error;
	uint8_t buf[PX_RECORD_MAX];
};

void px_stream_reset(struct px_stream *s);
/* Takes bytes from (*data, *len), advancing both. Returns 1 with *r set
 * (pointing into the input or into s, valid until the next call), 0 when
 * every input byte is consumed and no record is complete, or a negative
 * px_error. */
int px_stream_next(struct px_stream *s, const uint8_t **data, size_t *len,
		   struct px_record *r);
/* Bytes of an incomplete record held. */
uint32_t px_stream_pending(const struct px_stream *s);

#endif
