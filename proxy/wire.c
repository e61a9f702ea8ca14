/* SPDX-License-Identifier: MIT */
/*
 * The proxy's wire codec (wire.h, docs/PROXY.md). Decoders read nothing
 * before the length that covers it is checked; every check lives in one
 * place (frame_check, cap_check, ool_check and the record body decoders)
 * that decode and encode both go through, so the encoders cannot write what
 * the decoders refuse. Errors are reported in a fixed order (buffer length,
 * magic, version, type, then fields), which the unit tests pin.
 */
#include "wire.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
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

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static size_t pad8(size_t n)
{
	return (n + 7u) & ~(size_t)7u;
}

static bool node_ok(uint32_t node)
{
	return node >= 1 && node <= PX_NODE_MAX;
}

const char *px_error_str(int error)
{
	switch (error) {
	case PX_OK:
		return "ok";
	case PX_E_SHORT:
		return "buffer too short";
	case PX_E_MAGIC:
		return "bad magic";
	case PX_E_VERSION:
		return "unsupported version";
	case PX_E_TYPE:
		return "unknown type";
	case PX_E_LENGTH:
		return "length contradicts the layout";
	case PX_E_BOUNDS:
		return "length or count out of bounds";
	case PX_E_RESERVED:
		return "reserved field not zero";
	case PX_E_PADDING:
		return "padding not zero";
	case PX_E_NODE:
		return "node number out of range";
	case PX_E_EPOCH:
		return "zero epoch";
	case PX_E_CAP:
		return "descriptor not allowed here";
	case PX_E_VALUE:
		return "field value out of its domain";
	default:
		return "unknown error";
	}
}

/* Frames. */

static const uint8_t px_magic[4] = {0x75, 0x6b, 0x50, 0x58}; /* "ukPX" */

/* Everything about a frame but its buffer, magic and version. */
static int frame_check(const struct px_frame *f)
{
	if (f->type < PX_HELLO || f->type > PX_RESET)
		return PX_E_TYPE;
	if (f->length > PX_FRAME_STREAM_MAX)
		return PX_E_BOUNDS;
	if ((f->type == PX_DATA) != (f->length != 0))
		return PX_E_LENGTH;
	if (!node_ok(f->src_node) || !node_ok(f->dst_node))
		return PX_E_NODE;
	if (f->window > PX_WINDOW_MAX)
		return PX_E_BOUNDS;
	if (f->src_epoch == 0 || (f->dst_epoch == 0 && f->type != PX_HELLO))
		return PX_E_EPOCH;
	if (f->seq != 0 && f->type != PX_DATA)
		return PX_E_RESERVED;
	if (f->ack != 0 && (f->type == PX_HELLO || f->type == PX_RESET))
		return PX_E_RESERVED;
	return PX_OK;
}

int px_frame_decode(const uint8_t *buf, size_t len, struct px_frame *f)
{
	if (len < PX_FRAME_HEADER)
		return PX_E_SHORT;
	if (memcmp(buf, px_magic, 4) != 0)
		return PX_E_MAGIC;
	if (buf[4] != PX_VERSION)
		return PX_E_VERSION;
	f->type = buf[5];
	f->length = get16(buf + 6);
	f->src_node = get16(buf + 8);
	f->dst_node = get16(buf + 10);
	f->window = get32(buf + 12);
	f->src_epoch = get64(buf + 16);
	f->dst_epoch = get64(buf + 24);
	f->seq = get32(buf + 32);
	f->ack = get32(buf + 36);
	f->stream = buf + PX_FRAME_HEADER;
	int rc = frame_check(f);
	if (rc < 0)
		return rc;
	if (len < PX_FRAME_HEADER + (size_t)f->length)
		return PX_E_SHORT;
	if (len > PX_FRAME_HEADER + (size_t)f->length)
		return PX_E_LENGTH; /* one frame is exactly one datagram */
	return PX_OK;
}

int px_frame_encode_header(uint8_t *buf, size_t size, const struct px_frame *f)
{
	int rc = frame_check(f);
	if (rc < 0)
		return rc;
	if (size < PX_FRAME_HEADER)
		return PX_E_SHORT;
	memcpy(buf, px_magic, 4);
	buf[4] = PX_VERSION;
	buf[5] = f->type;
	put16(buf + 6, f->length);
	put16(buf + 8, f->src_node);
	put16(buf + 10, f->dst_node);
	put32(buf + 12, f->window);
	put64(buf + 16, f->src_epoch);
	put64(buf + 24, f->dst_epoch);
	put32(buf + 32, f->seq);
	put32(buf + 36, f->ack);
	return (int)PX_FRAME_HEADER;
}

int px_frame_encode(uint8_t *buf, size_t size, const struct px_frame *f)
{
	int rc = frame_check(f);
	if (rc < 0)
		return rc;
	if (size < PX_FRAME_HEADER + (size_t)f->length)
		return PX_E_SHORT;
	px_frame_encode_header(buf, size, f);
	if (f->length)
		memcpy(buf + PX_FRAME_HEADER, f->stream, f->length);
	return (int)(PX_FRAME_HEADER + f->length);
}

/* Descriptors. */

static int cap_check(enum px_cap_use use, const struct px_cap *c)
{
	switch (c->kind) {
	case PX_CAP_NONE:
		if (c->right || c->node || c->id || c->ref)
			return PX_E_CAP;
		break;
	case PX_CAP_SENDER:
	case PX_CAP_RECEIVER:
		if (c->node || c->ref)
			return PX_E_CAP;
		break;
	case PX_CAP_THIRD:
		if (!node_ok(c->node))
			return PX_E_NODE;
		if (c->id)
			return PX_E_CAP;
		break;
	default:
		return PX_E_CAP;
	}
	if (c->kind != PX_CAP_NONE && c->right != PX_RIGHT_SEND &&
	    c->right != PX_RIGHT_SEND_ONCE)
		return PX_E_CAP;
	bool send = c->right == PX_RIGHT_SEND;
	switch (use) {
	case PX_USE_CAP:
		return c->kind == PX_CAP_NONE || send ? PX_OK : PX_E_CAP;
	case PX_USE_TARGET:
		return c->kind == PX_CAP_RECEIVER && send ? PX_OK : PX_E_CAP;
	case PX_USE_NONE:
		return c->kind == PX_CAP_NONE ? PX_OK : PX_E_CAP;
	case PX_USE_REPLY:
		/* A send-once reply is always a question: SENDER's id. */
		if (c->right == PX_RIGHT_SEND_ONCE)
			return c->kind == PX_CAP_SENDER ? PX_OK : PX_E_CAP;
		return PX_OK;
	case PX_USE_RESOLVED:
		return c->kind == PX_CAP_SENDER && send ? PX_OK : PX_E_CAP;
	default:
		return PX_E_CAP;
	}
}

static void cap_read(const uint8_t *b, struct px_cap *c)
{
	c->kind = b[0];
	c->right = b[1];
	c->node = get16(b + 2);
	c->id = get32(b + 4);
	c->ref = get64(b + 8);
}

static void cap_write(uint8_t *b, const struct px_cap *c)
{
	b[0] = c->kind;
	b[1] = c->right;
	put16(b + 2, c->node);
	put32(b + 4, c->id);
	put64(b + 8, c->ref);
}

int px_cap_decode(const uint8_t *buf, enum px_cap_use use, struct px_cap *c)
{
	cap_read(buf, c);
	return cap_check(use, c);
}

int px_cap_encode(uint8_t *buf, enum px_cap_use use, const struct px_cap *c)
{
	int rc = cap_check(use, c);
	if (rc < 0)
		return rc;
	cap_write(buf, c);
	return (int)PX_CAP_SIZE;
}

static int ool_check(const struct px_ool *o)
{
	if (o->size > PX_OOL_REGION_MAX)
		return PX_E_BOUNDS;
	if (o->flags != PX_OOL_COPY && o->flags != PX_OOL_MOVE)
		return PX_E_VALUE;
	return PX_OK;
}

static void ool_read(const uint8_t *b, struct px_ool *o)
{
	o->size = get64(b);
	o->flags = get32(b + 8);
	o->transfer = get32(b + 12);
}

int px_ool_decode(const uint8_t *buf, struct px_ool *o)
{
	ool_read(buf, o);
	return ool_check(o);
}

int px_ool_encode(uint8_t *buf, const struct px_ool *o)
{
	int rc = ool_check(o);
	if (rc < 0)
		return rc;
	put64(buf, o->size);
	put32(buf + 8, o->flags);
	put32(buf + 12, o->transfer);
	return (int)PX_OOL_SIZE;
}

/* Messages. */

void px_msg_cap(const struct px_msg *m, unsigned i, struct px_cap *c)
{
	cap_read(m->caps + (size_t)i * PX_CAP_SIZE, c);
}

void px_msg_ool(const struct px_msg *m, unsigned i, struct px_ool *o)
{
	ool_read(m->ools + (size_t)i * PX_OOL_SIZE, o);
}

size_t px_msg_wire_size(const struct px_msg *m)
{
	return PX_MSG_FIXED + (size_t)m->n_caps * PX_CAP_SIZE +
	       (size_t)m->n_ool * PX_OOL_SIZE + pad8(m->inline_len);
}

/* Counts, target, reply and every descriptor of m (its arrays included). */
static int msg_check(const struct px_msg *m, enum px_cap_use target_use)
{
	if (m->n_caps > PX_MSG_CAPS_MAX || m->n_ool > PX_MSG_OOL_MAX ||
	    m->inline_len > PX_MSG_INLINE_MAX)
		return PX_E_BOUNDS;
	int rc = cap_check(target_use, &m->target);
	if (rc < 0)
		return rc;
	rc = cap_check(PX_USE_REPLY, &m->reply);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < m->n_caps; i++) {
		struct px_cap c;
		px_msg_cap(m, i, &c);
		if ((rc = cap_check(PX_USE_CAP, &c)) < 0)
			return rc;
	}
	for (unsigned i = 0; i < m->n_ool; i++) {
		struct px_ool o;
		px_msg_ool(m, i, &o);
		if ((rc = ool_check(&o)) < 0)
			return rc;
	}
	return PX_OK;
}

/* b: the message's bytes, exactly len of them (the rest of its record). */
static int msg_decode(const uint8_t *b, size_t len, enum px_cap_use target_use,
		      struct px_msg *m)
{
	if (len < PX_MSG_FIXED)
		return PX_E_LENGTH;
	m->msg_id = get32(b);
	m->n_caps = get16(b + 4);
	m->n_ool = get16(b + 6);
	m->inline_len = get32(b + 8);
	m->call = get32(b + 12);
	cap_read(b + 16, &m->target);
	cap_read(b + 32, &m->reply);
	if (m->n_caps > PX_MSG_CAPS_MAX || m->n_ool > PX_MSG_OOL_MAX ||
	    m->inline_len > PX_MSG_INLINE_MAX)
		return PX_E_BOUNDS;
	if (px_msg_wire_size(m) != len)
		return PX_E_LENGTH;
	m->caps = b + PX_MSG_FIXED;
	m->ools = m->caps + (size_t)m->n_caps * PX_CAP_SIZE;
	m->inline_data = m->ools + (size_t)m->n_ool * PX_OOL_SIZE;
	int rc = msg_check(m, target_use);
	if (rc < 0)
		return rc;
	if (!all_zero(m->inline_data + m->inline_len,
		      pad8(m->inline_len) - m->inline_len))
		return PX_E_PADDING;
	return PX_OK;
}

static void head_write(uint8_t *buf, uint16_t type, size_t length)
{
	put16(buf, type);
	put16(buf + 2, 0);
	put32(buf + 4, (uint32_t)length);
}

/* Writes the message at b (the caller has checked the room). */
static void msg_write(uint8_t *b, const struct px_msg *m)
{
	put32(b, m->msg_id);
	put16(b + 4, m->n_caps);
	put16(b + 6, m->n_ool);
	put32(b + 8, m->inline_len);
	put32(b + 12, m->call);
	cap_write(b + 16, &m->target);
	cap_write(b + 32, &m->reply);
	uint8_t *p = b + PX_MSG_FIXED;
	size_t caps = (size_t)m->n_caps * PX_CAP_SIZE;
	size_t ools = (size_t)m->n_ool * PX_OOL_SIZE;
	if (caps)
		memcpy(p, m->caps, caps);
	p += caps;
	if (ools)
		memcpy(p, m->ools, ools);
	p += ools;
	if (m->inline_len)
		memcpy(p, m->inline_data, m->inline_len);
	memset(p + m->inline_len, 0, pad8(m->inline_len) - m->inline_len);
}

/* MSG, or REPLY (its question before the message). */
static int msg_record_encode(uint8_t *buf, size_t size, uint16_t type,
			     uint32_t question, const struct px_msg *m)
{
	enum px_cap_use target_use =
	    type == PX_REC_MSG ? PX_USE_TARGET : PX_USE_NONE;
	int rc = msg_check(m, target_use);
	if (rc < 0)
		return rc;
	size_t at = PX_RECORD_HEAD + (type == PX_REC_REPLY ? 8u : 0u);
	size_t length = at + px_msg_wire_size(m);
	if (size < length)
		return PX_E_SHORT;
	head_write(buf, type, length);
	if (type == PX_REC_REPLY) {
		put32(buf + 8, question);
		put32(buf + 12, 0);
	}
	msg_write(buf + at, m);
	return (int)length;
}

int px_msg_encode(uint8_t *buf, size_t size, const struct px_msg *m)
{
	return msg_record_encode(buf, size, PX_REC_MSG, 0, m);
}

int px_reply_encode(uint8_t *buf, size_t size, uint32_t question,
		    const struct px_msg *m)
{
	return msg_record_encode(buf, size, PX_REC_REPLY, question, m);
}

/* Records. */

int px_record_head_decode(const uint8_t *buf, size_t len, uint16_t *type,
			  uint32_t *length)
{
	if (len < PX_RECORD_HEAD)
		return PX_E_SHORT;
	*type = get16(buf);
	*length = get32(buf + 4);
	if (*type < PX_REC_MSG || *type > PX_REC_TYPE_MAX)
		return PX_E_TYPE;
	if (get16(buf + 2) != 0)
		return PX_E_RESERVED; /* no type defines a flag yet */
	if (*length < PX_RECORD_HEAD || *length > PX_RECORD_MAX)
		return PX_E_BOUNDS;
	if (*length % 8u)
		return PX_E_LENGTH;
	return PX_OK;
}

static int pairs_decode(const uint8_t *b, size_t len, struct px_record *r)
{
	if (len == 0)
		return PX_E_LENGTH;
	r->u.list.count = (uint32_t)(len / 8u);
	r->u.list.entries = b;
	for (size_t i = 0; i < len; i += 8)
		if (get32(b + i + 4) == 0)
			return PX_E_VALUE; /* a release or credit of nothing */
	return PX_OK;
}

static int port_dead_decode(const uint8_t *b, size_t len, struct px_record *r)
{
	if (len < 8)
		return PX_E_LENGTH;
	uint32_t n = get32(b);
	if (n == 0 || n > PX_PORT_DEAD_MAX)
		return PX_E_BOUNDS;
	size_t used = 4u + (size_t)n * 4u;
	if (pad8(used) != len)
		return PX_E_LENGTH;
	if (!all_zero(b + used, len - used))
		return PX_E_PADDING;
	r->u.list.count = n;
	r->u.list.entries = b + 4;
	return PX_OK;
}

static int ool_data_check(uint64_t offset, uint32_t data_len)
{
	if (data_len == 0 || data_len > PX_OOL_DATA_MAX)
		return PX_E_LENGTH;
	/* Only a region's last chunk may be short of a multiple of 8 (its
	 * padding), so every chunk starts at a multiple of 8. */
	if (offset % 8u)
		return PX_E_VALUE;
	if (offset > PX_OOL_REGION_MAX ||
	    offset + pad8(data_len) > PX_OOL_REGION_MAX)
		return PX_E_BOUNDS;
	return PX_OK;
}

static int lookup_check(uint16_t name_len)
{
	if (name_len == 0 || name_len > PX_NAME_LEN_MAX)
		return PX_E_BOUNDS;
	return PX_OK;
}

int px_record_decode(const uint8_t *buf, size_t len, struct px_record *r)
{
	uint16_t type;
	uint32_t length;
	int rc = px_record_head_decode(buf, len, &type, &length);
	if (rc < 0)
		return rc;
	if (len < length)
		return PX_E_SHORT;
	r->type = type;
	r->flags = 0;
	r->length = length;
	const uint8_t *b = buf + PX_RECORD_HEAD;
	size_t blen = length - PX_RECORD_HEAD;
	switch (type) {
	case PX_REC_MSG:
		return msg_decode(b, blen, PX_USE_TARGET, &r->u.msg);
	case PX_REC_REPLY:
		if (blen < 8)
			return PX_E_LENGTH;
		r->u.reply.question = get32(b);
		if (get32(b + 4))
			return PX_E_RESERVED;
		return msg_decode(b + 8, blen - 8, PX_USE_NONE,
				  &r->u.reply.msg);
	case PX_REC_ANSWER_DEAD:
		if (blen != 8)
			return PX_E_LENGTH;
		r->u.answer_dead.question = get32(b);
		r->u.answer_dead.status = get32(b + 4);
		return PX_OK;
	case PX_REC_RELEASE:
	case PX_REC_CREDIT:
		return pairs_decode(b, blen, r);
	case PX_REC_PORT_DEAD:
		return port_dead_decode(b, blen, r);
	case PX_REC_OOL_DATA:
		if (blen < 16)
			return PX_E_LENGTH;
		r->u.ool_data.transfer = get32(b);
		r->u.ool_data.offset = get64(b + 8);
		r->u.ool_data.data_len = (uint32_t)(blen - 16);
		r->u.ool_data.data = b + 16;
		if (get32(b + 4))
			return PX_E_RESERVED;
		return ool_data_check(r->u.ool_data.offset,
				      r->u.ool_data.data_len);
	case PX_REC_OOL_CREDIT:
		if (blen != 8)
			return PX_E_LENGTH;
		r->u.ool_credit.bytes = get64(b);
		return r->u.ool_credit.bytes ? PX_OK : PX_E_VALUE;
	case PX_REC_PROVIDE:
		if (blen != 16)
			return PX_E_LENGTH;
		r->u.provide.ref = get64(b);
		r->u.provide.export_id = get32(b + 8);
		r->u.provide.recipient = get16(b + 12);
		if (get16(b + 14))
			return PX_E_RESERVED;
		return node_ok(r->u.provide.recipient) ? PX_OK : PX_E_NODE;
	case PX_REC_ACCEPT:
		if (blen != 16)
			return PX_E_LENGTH;
		r->u.accept.ref = get64(b);
		r->u.accept.question = get32(b + 8);
		return get32(b + 12) ? PX_E_RESERVED : PX_OK;
	case PX_REC_LOOKUP:
		if (blen < 8)
			return PX_E_LENGTH;
		r->u.lookup.question = get32(b);
		r->u.lookup.name_len = get16(b + 4);
		r->u.lookup.name = b + 8;
		if (get16(b + 6))
			return PX_E_RESERVED;
		if ((rc = lookup_check(r->u.lookup.name_len)) < 0)
			return rc;
		if (8u + pad8(r->u.lookup.name_len) != blen)
			return PX_E_LENGTH;
		if (!all_zero(b + 8 + r->u.lookup.name_len,
			      blen - 8 - r->u.lookup.name_len))
			return PX_E_PADDING;
		return PX_OK;
	case PX_REC_RESOLVED:
		if (blen != 24)
			return PX_E_LENGTH;
		r->u.resolved.question = get32(b);
		r->u.resolved.status = (int32_t)get32(b + 4);
		return px_cap_decode(
		    b + 8, r->u.resolved.status ? PX_USE_NONE : PX_USE_RESOLVED,
		    &r->u.resolved.cap);
	default:
		return PX_E_TYPE;
	}
}

void px_record_pair(const struct px_record *r, unsigned i, struct px_pair *p)
{
	const uint8_t *e = r->u.list.entries + (size_t)i * 8u;
	p->id = get32(e);
	p->count = get32(e + 4);
}

uint32_t px_record_id(const struct px_record *r, unsigned i)
{
	return get32(r->u.list.entries + (size_t)i * 4u);
}

/* RELEASE or CREDIT from structs (v) or from wire entries (wire). */
static int pairs_encode(uint8_t *buf, size_t size, uint16_t type,
			const struct px_pair *v, const uint8_t *wire,
			unsigned n)
{
	if (n == 0 || n > PX_PAIRS_MAX)
		return PX_E_BOUNDS;
	size_t length = PX_RECORD_HEAD + (size_t)n * 8u;
	for (unsigned i = 0; i < n; i++) {
		uint32_t count = v ? v[i].count : get32(wire + i * 8u + 4);
		if (count == 0)
			return PX_E_VALUE;
	}
	if (size < length)
		return PX_E_SHORT;
	head_write(buf, type, length);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = buf + PX_RECORD_HEAD + i * 8u;
		if (v) {
			put32(e, v[i].id);
			put32(e + 4, v[i].count);
		} else {
			memcpy(e, wire + i * 8u, 8);
		}
	}
	return (int)length;
}

int px_release_encode(uint8_t *buf, size_t size, const struct px_pair *v,
		      unsigned n)
{
	return pairs_encode(buf, size, PX_REC_RELEASE, v, NULL, n);
}

int px_credit_encode(uint8_t *buf, size_t size, const struct px_pair *v,
		     unsigned n)
{
	return pairs_encode(buf, size, PX_REC_CREDIT, v, NULL, n);
}

static int port_dead_write(uint8_t *buf, size_t size, const uint32_t *ids,
			   const uint8_t *wire, unsigned n)
{
	if (n == 0 || n > PX_PORT_DEAD_MAX)
		return PX_E_BOUNDS;
	size_t used = 4u + (size_t)n * 4u;
	size_t length = PX_RECORD_HEAD + pad8(used);
	if (size < length)
		return PX_E_SHORT;
	head_write(buf, PX_REC_PORT_DEAD, length);
	put32(buf + 8, n);
	for (unsigned i = 0; i < n; i++)
		put32(buf + 12 + i * 4u, ids ? ids[i] : get32(wire + i * 4u));
	memset(buf + PX_RECORD_HEAD + used, 0, length - PX_RECORD_HEAD - used);
	return (int)length;
}

int px_port_dead_encode(uint8_t *buf, size_t size, const uint32_t *ids,
			unsigned n)
{
	return port_dead_write(buf, size, ids, NULL, n);
}

int px_answer_dead_encode(uint8_t *buf, size_t size, uint32_t question,
			  uint32_t status)
{
	if (size < 16)
		return PX_E_SHORT;
	head_write(buf, PX_REC_ANSWER_DEAD, 16);
	put32(buf + 8, question);
	put32(buf + 12, status);
	return 16;
}

int px_ool_data_encode(uint8_t *buf, size_t size, uint32_t transfer,
		       uint64_t offset, const uint8_t *data, uint32_t data_len)
{
	int rc = ool_data_check(offset, data_len);
	if (rc < 0)
		return rc;
	size_t length = PX_OOL_DATA_HEAD + pad8(data_len);
	if (size < length)
		return PX_E_SHORT;
	head_write(buf, PX_REC_OOL_DATA, length);
	put32(buf + 8, transfer);
	put32(buf + 12, 0);
	put64(buf + 16, offset);
	memcpy(buf + PX_OOL_DATA_HEAD, data, data_len);
	memset(buf + PX_OOL_DATA_HEAD + data_len, 0,
	       length - PX_OOL_DATA_HEAD - data_len);
	return (int)length;
}

int px_ool_credit_encode(uint8_t *buf, size_t size, uint64_t bytes)
{
	if (bytes == 0)
		return PX_E_VALUE;
	if (size < 16)
		return PX_E_SHORT;
	head_write(buf, PX_REC_OOL_CREDIT, 16);
	put64(buf + 8, bytes);
	return 16;
}

int px_provide_encode(uint8_t *buf, size_t size, uint64_t ref,
		      uint32_t export_id, uint16_t recipient)
{
	if (!node_ok(recipient))
		return PX_E_NODE;
	if (size < 24)
		return PX_E_SHORT;
	head_write(buf, PX_REC_PROVIDE, 24);
	put64(buf + 8, ref);
	put32(buf + 16, export_id);
	put16(buf + 20, recipient);
	put16(buf + 22, 0);
	return 24;
}

int px_accept_encode(uint8_t *buf, size_t size, uint64_t ref, uint32_t question)
{
	if (size < 24)
		return PX_E_SHORT;
	head_write(buf, PX_REC_ACCEPT, 24);
	put64(buf + 8, ref);
	put32(buf + 16, question);
	put32(buf + 20, 0);
	return 24;
}

int px_lookup_encode(uint8_t *buf, size_t size, uint32_t question,
		     const uint8_t *name, uint16_t name_len)
{
	int rc = lookup_check(name_len);
	if (rc < 0)
		return rc;
	size_t length = PX_LOOKUP_HEAD + pad8(name_len);
	if (size < length)
		return PX_E_SHORT;
	head_write(buf, PX_REC_LOOKUP, length);
	put32(buf + 8, question);
	put16(buf + 12, name_len);
	put16(buf + 14, 0);
	memcpy(buf + PX_LOOKUP_HEAD, name, name_len);
	memset(buf + PX_LOOKUP_HEAD + name_len, 0,
	       length - PX_LOOKUP_HEAD - name_len);
	return (int)length;
}

int px_resolved_encode(uint8_t *buf, size_t size, uint32_t question,
		       int32_t status, const struct px_cap *cap)
{
	int rc = cap_check(status ? PX_USE_NONE : PX_USE_RESOLVED, cap);
	if (rc < 0)
		return rc;
	if (size < 32)
		return PX_E_SHORT;
	head_write(buf, PX_REC_RESOLVED, 32);
	put32(buf + 8, question);
	put32(buf + 12, (uint32_t)status);
	cap_write(buf + 16, cap);
	return 32;
}

int px_record_encode(uint8_t *buf, size_t size, const struct px_record *r)
{
	if (r->flags)
		return PX_E_RESERVED;
	switch (r->type) {
	case PX_REC_MSG:
		return px_msg_encode(buf, size, &r->u.msg);
	case PX_REC_REPLY:
		return px_reply_encode(buf, size, r->u.reply.question,
				       &r->u.reply.msg);
	case PX_REC_ANSWER_DEAD:
		return px_answer_dead_encode(buf, size,
					     r->u.answer_dead.question,
					     r->u.answer_dead.status);
	case PX_REC_RELEASE:
	case PX_REC_CREDIT:
		return pairs_encode(buf, size, r->type, NULL, r->u.list.entries,
				    r->u.list.count);
	case PX_REC_PORT_DEAD:
		return port_dead_write(buf, size, NULL, r->u.list.entries,
				       r->u.list.count);
	case PX_REC_OOL_DATA:
		return px_ool_data_encode(
		    buf, size, r->u.ool_data.transfer, r->u.ool_data.offset,
		    r->u.ool_data.data, r->u.ool_data.data_len);
	case PX_REC_OOL_CREDIT:
		return px_ool_credit_encode(buf, size, r->u.ool_credit.bytes);
	case PX_REC_PROVIDE:
		return px_provide_encode(buf, size, r->u.provide.ref,
					 r->u.provide.export_id,
					 r->u.provide.recipient);
	case PX_REC_ACCEPT:
		return px_accept_encode(buf, size, r->u.accept.ref,
					r->u.accept.question);
	case PX_REC_LOOKUP:
		return px_lookup_encode(buf, size, r->u.lookup.question,
					r->u.lookup.name, r->u.lookup.name_len);
	case PX_REC_RESOLVED:
		return px_resolved_encode(buf, size, r->u.resolved.question,
					  r->u.resolved.status,
					  &r->u.resolved.cap);
	default:
		return PX_E_TYPE;
	}
}

/* The reassembler. */

void px_stream_reset(struct px_stream *s)
{
	s->have = 0;
	s->need = 0;
	s->error = PX_OK;
}

uint32_t px_stream_pending(const struct px_stream *s)
{
	return s->have;
}

static int stream_fail(struct px_stream *s, int error)
{
	s->error = error;
	return error;
}

int px_stream_next(struct px_stream *s, const uint8_t **data, size_t *len,
		   struct px_record *r)
{
	uint16_t type;
	uint32_t length;
	int rc;

	if (s->error)
		return s->error;
	/* Fast path: a whole record at the front of the input, nothing held. */
	if (s->have == 0 && *len >= PX_RECORD_HEAD) {
		rc = px_record_head_decode(*data, *len, &type, &length);
		if (rc < 0)
			return stream_fail(s, rc);
		if (*len >= length) {
			rc = px_record_decode(*data, length, r);
			if (rc < 0)
				return stream_fail(s, rc);
			*data += length;
			*len -= length;
			return 1;
		}
	}
	while (*len) {
		uint32_t want = s->need ? s->need : PX_RECORD_HEAD;
		size_t take = want - s->have;
		if (take > *len)
			take = *len;
		memcpy(s->buf + s->have, *data, take);
		s->have += (uint32_t)take;
		*data += take;
		*len -= take;
		if (s->have < want)
			return 0;
		if (s->need == 0) {
			rc = px_record_head_decode(s->buf, s->have, &type,
						   &length);
			if (rc < 0)
				return stream_fail(s, rc);
			s->need = length;
			if (s->have < s->need)
				continue;
		}
		rc = px_record_decode(s->buf, s->have, r);
		s->have = 0;
		s->need = 0;
		if (rc < 0)
			return stream_fail(s, rc);
		return 1;
	}
	return 0;
}
