/* SPDX-License-Identifier: MIT */
/*
 * A host program's session with one node's proxy (docs/PROXY.md, "The
 * host"): the link, the outq of records waiting for it, the imports the
 * program holds, the questions it waits on, and records turned into
 * replies. The proxy server's session.c without local IPC: what it hands
 * to a local port, this hands to the caller of pxh_call.
 *
 * Every wait is pump(): datagrams and the clock go to the link until the
 * awaited thing happened or the deadline passed. Records wait in the
 * outq until the link is UP, and a session's end empties it, so no record
 * of an old session reaches a new one; each question remembers how far
 * into the outq its MSG went, so the end sorts it into "not run"
 * (ERR_UNREACHABLE) or "may have run" (ERR_DEAD), as the proxy does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxh.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "message bodies (uk/proto) are little-endian structs");

#define IMPORTS_MAX 256u
#define QUESTIONS_MAX 64u
#define OUTQ_MAX (1u << 20)
#define CREDITS_INITIAL 8u /* messages per import in flight (PROXY.md) */

struct import {
	bool used;
	uint32_t id;	  /* the node's export id */
	uint32_t gen;	  /* in handles: never 0 */
	uint32_t refs;	  /* times the node sent it: RELEASE's count */
	uint32_t users;	  /* handles given out, less pxh_release */
	uint32_t credits; /* messages we may still send to it */
};

struct question {
	bool used, done;
	int status;
	uint32_t msg_id;
	uint64_t out_pos;	 /* out_total after its MSG */
	struct pxh_reply *reply; /* NULL: abandoned (timed out) */
};

/* A REPLY (or a refused MSG) whose out-of-line regions are arriving. */
struct assembly {
	bool active;
	uint32_t question; /* 0: a message we only discard */
	int status;	   /* ERR_NO_MEMORY: a region could not be held */
	unsigned n_ool, next;
	uint64_t size[PX_MSG_OOL_MAX], filled;
	uint32_t transfer[PX_MSG_OOL_MAX];
	uint8_t *data[PX_MSG_OOL_MAX];
	uint32_t msg_id, inline_len, n_caps;
	pxh_import_t caps[PX_MSG_CAPS_MAX];
	uint8_t inline_data[PX_MSG_INLINE_MAX];
};

struct pxh_peer {
	uint16_t node;
	uint32_t deadline_ms, call_timeout_ms;
	struct pxh_transport t;
	struct px_link link;
	struct px_stream stream;
	uint8_t *outq;
	uint32_t out_len;
	uint64_t out_total;   /* bytes ever appended to outq */
	uint64_t out_flushed; /* of those, bytes taken by the link */
	uint64_t link_base;   /* out_flushed when the session started */
	uint32_t next_gen;
	uint64_t ended; /* sessions ended */
	enum px_link_end last_end; /* how the last one ended */
	bool lenient; /* pxh_raw_lenient: answers to no question dropped */
	struct import imports[IMPORTS_MAX];
	struct question questions[QUESTIONS_MAX];
	struct assembly as;
	struct pxh_counters c;
	char why[192];
	uint8_t rec[PX_RECORD_MAX];
	uint8_t frame[PX_FRAME_MAX];
};

static uint64_t now_ms(const struct pxh_peer *p)
{
	return p->t.now(p->t.ctx);
}

/* ---- the outq and the link ---- */

static void flush(struct pxh_peer *p)
{
	if (px_link_state(&p->link) != PX_LINK_UP) {
		if (p->out_len)
			px_link_connect(&p->link, now_ms(p));
		return;
	}
	uint32_t done = 0;
	while (done < p->out_len) {
		size_t n = px_link_send(&p->link, p->outq + done,
					p->out_len - done, now_ms(p));
		if (!n)
			break;
		done += (uint32_t)n;
	}
	if (done) {
		memmove(p->outq, p->outq + done, p->out_len - done);
		p->out_len -= done;
		p->out_flushed += done;
	}
}

static bool append(struct pxh_peer *p, const uint8_t *bytes, int len)
{
	if (len <= 0 || p->out_len + (uint32_t)len > OUTQ_MAX)
		return false;
	memcpy(p->outq + p->out_len, bytes, (size_t)len);
	p->out_len += (uint32_t)len;
	p->out_total += (uint32_t)len;
	return true;
}

/* Runs the link until done(p, arg) or the clock reaches until. */
static void pump(struct pxh_peer *p, uint64_t until,
		 bool (*done)(struct pxh_peer *, const void *), const void *arg)
{
	for (;;) {
		flush(p);
		if (done(p, arg))
			return;
		uint64_t now = now_ms(p);
		if (now >= until)
			return;
		uint64_t next = px_link_next_tick(&p->link);
		long n = p->t.receive(p->t.ctx, p->frame, sizeof(p->frame),
				      next < until ? next : until);
		now = now_ms(p);
		if (n > 0)
			px_link_input(&p->link, p->frame, (size_t)n, now);
		if (px_link_next_tick(&p->link) <= now)
			px_link_tick(&p->link, now);
	}
}

/* ---- imports ---- */

static pxh_import_t handle_of(const struct pxh_peer *p, const struct import *im)
{
	return (pxh_import_t)im->gen << 32 | (uint32_t)(im - p->imports + 1);
}

static struct import *import_of(struct pxh_peer *p, pxh_import_t h)
{
	uint32_t slot = (uint32_t)h, gen = (uint32_t)(h >> 32);
	if (!slot || slot > IMPORTS_MAX)
		return NULL;
	struct import *im = &p->imports[slot - 1];
	return im->used && im->gen == gen ? im : NULL;
}

static struct import *import_by_id(struct pxh_peer *p, uint32_t id)
{
	for (unsigned i = 0; i < IMPORTS_MAX; i++)
		if (p->imports[i].used && p->imports[i].id == id)
			return &p->imports[i];
	return NULL;
}

static void send_release(struct pxh_peer *p, uint32_t id, uint32_t count)
{
	struct px_pair v = {id, count};
	if (append(p, p->rec, px_release_encode(p->rec, sizeof(p->rec), &v, 1)))
		p->c.releases++;
}

/* One more reference to the node's export id, as a new handle; 0 (and
 * the reference given back at once) when our table is full. */
static pxh_import_t import_take(struct pxh_peer *p, uint32_t id)
{
	struct import *im = import_by_id(p, id);
	if (!im) {
		for (unsigned i = 0; i < IMPORTS_MAX && !im; i++)
			if (!p->imports[i].used)
				im = &p->imports[i];
		if (!im) {
			send_release(p, id, 1);
			return 0;
		}
		if (++p->next_gen == 0)
			p->next_gen = 1;
		*im = (struct import){.used = true,
				      .id = id,
				      .gen = p->next_gen,
				      .credits = CREDITS_INITIAL};
	}
	im->refs++;
	im->users++;
	return handle_of(p, im);
}

void pxh_release(struct pxh_peer *p, pxh_import_t h)
{
	struct import *im = import_of(p, h);
	if (!im || --im->users)
		return;
	/* The count we saw: an id the node sends again meanwhile stays
	 * alive there (n+1 − n), and makes a new import here. */
	send_release(p, im->id, im->refs);
	memset(im, 0, sizeof(*im));
	flush(p);
}

unsigned pxh_imports_held(const struct pxh_peer *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < IMPORTS_MAX; i++)
		n += p->imports[i].used ? p->imports[i].users : 0;
	return n;
}

/* ---- session start and end ---- */

static void abort_session(struct pxh_peer *p, const char *why)
{
	snprintf(p->why, sizeof(p->why), "node %u: %s", p->node, why);
	p->c.bad_records++;
	px_link_abort(&p->link, now_ms(p));
}

static void question_finish(struct pxh_peer *p, uint32_t qid, int status)
{
	struct question *q = &p->questions[qid - 1];
	if (!q->reply) { /* abandoned: nobody waits */
		memset(q, 0, sizeof(*q));
		return;
	}
	q->done = true;
	q->status = status;
}

static void assembly_drop(struct pxh_peer *p)
{
	struct assembly *as = &p->as;
	for (unsigned i = 0; i < as->n_ool; i++)
		free(as->data[i]);
	memset(as, 0, offsetof(struct assembly, inline_data));
}

static void link_session_start(void *ctx, uint64_t peer_epoch)
{
	struct pxh_peer *p = ctx;
	(void)peer_epoch;
	p->link_base = p->out_flushed;
	p->c.sessions++;
	p->why[0] = '\0';
}

static void link_session_end(void *ctx, enum px_link_end reason)
{
	struct pxh_peer *p = ctx;
	/* Not run only if the MSG's last byte never went out in a frame: a
	 * frame can arrive and its acknowledgement be lost (the guest proxy
	 * learned this in cluster.proxy-partition). */
	uint64_t sent = px_link_sent(&p->link);

	for (uint32_t i = 0; i < QUESTIONS_MAX; i++) {
		struct question *q = &p->questions[i];
		if (!q->used || q->done)
			continue;
		bool reached = q->out_pos <= p->out_flushed &&
			       q->out_pos - p->link_base <= sent;
		p->c.not_run += !reached;
		p->c.maybe_run += reached;
		question_finish(p, i + 1,
				reached ? -ERR_DEAD : -ERR_UNREACHABLE);
	}
	/* The node drops its exports with the session: nothing to release. */
	memset(p->imports, 0, sizeof(p->imports));
	if (p->as.active)
		assembly_drop(p);
	p->out_total -= p->out_len;
	p->out_len = 0;
	px_stream_reset(&p->stream);
	p->ended++;
	p->last_end = reason;
	if (!p->why[0] || reason != PX_END_LOCAL)
		snprintf(p->why, sizeof(p->why),
			 "node %u: the session ended (%s)", p->node,
			 reason == PX_END_DEADLINE
			     ? "no answer within the deadline"
			     : px_link_end_str(reason));
}

static void link_output(void *ctx, const uint8_t *frame, size_t len)
{
	struct pxh_peer *p = ctx;
	p->t.send(p->t.ctx, frame, len);
}

/* ---- records from the node ---- */

/* A descriptor of a message from the node as a handle of ours; false for
 * one that names an export of ours (we have none): the session ends. */
static bool cap_in(struct pxh_peer *p, const struct px_cap *c, pxh_import_t *h)
{
	*h = 0;
	if (c->kind == PX_CAP_RECEIVER)
		return false;
	if (c->kind == PX_CAP_SENDER && c->right == PX_RIGHT_SEND)
		*h = import_take(p, c->id);
	/* NONE, THIRD (hand-off is not built: an empty slot, as the proxy
	 * does), SEND_ONCE (handled by the caller). */
	return true;
}

static void release_all(struct pxh_peer *p, pxh_import_t *caps, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (caps[i])
			pxh_release(p, caps[i]);
}

/* The reply of question qid is whole: hand it over, or drop it if its
 * caller gave up. */
static void reply_finish(struct pxh_peer *p, uint32_t qid)
{
	struct assembly *as = &p->as;
	struct question *q = &p->questions[qid - 1];
	struct pxh_reply *r = q->reply;

	if (!r || as->status) {
		release_all(p, as->caps, as->n_caps);
		for (unsigned i = 0; i < as->n_ool; i++)
			free(as->data[i]);
		memset(as, 0, offsetof(struct assembly, inline_data));
		question_finish(p, qid, as->status);
		return;
	}
	r->msg_id = as->msg_id;
	r->inline_len = as->inline_len;
	memcpy(r->data, as->inline_data, as->inline_len);
	r->n_caps = as->n_caps;
	memcpy(r->caps, as->caps, sizeof(r->caps));
	r->n_ool = as->n_ool;
	for (unsigned i = 0; i < PX_MSG_OOL_MAX; i++) {
		r->ool[i] = i < as->n_ool ? as->data[i] : NULL;
		r->ool_size[i] = i < as->n_ool ? as->size[i] : 0;
	}
	memset(as, 0, offsetof(struct assembly, inline_data));
	p->c.replies++;
	question_finish(p, qid, 0);
}

/* The answer to a request of the node's (we serve no names). */
static void refuse(struct pxh_peer *p, uint32_t question, uint32_t msg_id)
{
	struct {
		int32_t status;
		uint32_t reserved;
		struct uk_name_list_reply list;
	} body = {-ERR_UNSUPPORTED, 0, {0, 0}};
	uint32_t len = 8;

	if (msg_id == NAME_LOOKUP)
		body.status = -ERR_NOT_FOUND;
	else if (msg_id == NAME_LIST) {
		body.status = 0;
		len = sizeof(body);
	}
	struct px_msg m = {.msg_id = msg_id,
			   .inline_len = len,
			   .inline_data = (const uint8_t *)&body};
	p->c.refused++;
	append(p, p->rec,
	       px_reply_encode(p->rec, sizeof(p->rec), question, &m));
}

static bool bad_caps(struct pxh_peer *p, const struct px_msg *m,
		     pxh_import_t *caps, pxh_import_t *reply_right)
{
	for (unsigned i = 0; i < m->n_caps; i++) {
		struct px_cap c;
		px_msg_cap(m, i, &c);
		if (!cap_in(p, &c, &caps[i]))
			return true;
	}
	return !cap_in(p, &m->reply, reply_right);
}

static void message_record(struct pxh_peer *p, const struct px_record *r)
{
	bool is_reply = r->type == PX_REC_REPLY;
	const struct px_msg *m = is_reply ? &r->u.reply.msg : &r->u.msg;
	struct assembly *as = &p->as;
	pxh_import_t reply_right = 0;
	uint32_t qid = 0;
	uint64_t total = 0;

	bool discard = false; /* a lenient peer's reply to no question */

	if (is_reply) {
		qid = r->u.reply.question;
		if (!qid || qid > QUESTIONS_MAX ||
		    !p->questions[qid - 1].used || p->questions[qid - 1].done) {
			if (!p->lenient) {
				abort_session(p, "a reply to no question");
				return;
			}
			discard = true;
			qid = 0;
			p->c.stray++;
		}
	} else if (m->target.id != 0) {
		abort_session(p, "a message to an id we never exported");
		return;
	}
	memset(as, 0, offsetof(struct assembly, inline_data));
	as->question = qid;
	as->msg_id = m->msg_id;
	as->n_caps = m->n_caps;
	as->inline_len = m->inline_len;
	memcpy(as->inline_data, m->inline_data, m->inline_len);
	if (bad_caps(p, m, as->caps, &reply_right)) {
		release_all(p, as->caps, as->n_caps);
		release_all(p, &reply_right, 1);
		abort_session(p, "a right to an id we never exported");
		return;
	}
	/* A reply right that is a send right: we never answer through it. */
	release_all(p, &reply_right, 1);
	as->n_ool = m->n_ool;
	for (unsigned i = 0; i < m->n_ool; i++) {
		struct px_ool o;
		px_msg_ool(m, i, &o);
		as->size[i] = o.size;
		as->transfer[i] = o.transfer;
		total += o.size;
	}
	if (total > PXH_OOL_MESSAGE_MAX) {
		release_all(p, as->caps, as->n_caps);
		abort_session(p, "out-of-line memory over the limit");
		return;
	}
	if (!is_reply || discard) {
		/* We serve nothing: refuse it and give its rights back. */
		release_all(p, as->caps, as->n_caps);
		as->n_caps = 0;
		if (!is_reply && m->reply.kind == PX_CAP_SENDER &&
		    m->reply.right == PX_RIGHT_SEND_ONCE)
			refuse(p, m->reply.id, m->msg_id);
	}
	for (unsigned i = 0; qid && i < as->n_ool; i++) {
		if (!as->size[i])
			continue;
		as->data[i] = malloc(as->size[i]);
		if (!as->data[i])
			as->status = -ERR_NO_MEMORY;
	}
	as->active = true;
}

/* Regions of size 0 carry no chunks. */
static void assembly_skip_empty(struct assembly *as)
{
	while (as->next < as->n_ool && !as->size[as->next])
		as->next++;
}

static void assembly_finish_if_done(struct pxh_peer *p)
{
	struct assembly *as = &p->as;
	assembly_skip_empty(as);
	if (!as->active || as->next < as->n_ool)
		return;
	if (as->question)
		reply_finish(p, as->question);
	else
		assembly_drop(p);
}

static void chunk_record(struct pxh_peer *p, const struct px_record *r)
{
	struct assembly *as = &p->as;
	assembly_skip_empty(as);
	if (!as->active || as->next == as->n_ool ||
	    r->u.ool_data.transfer != as->transfer[as->next] ||
	    r->u.ool_data.offset != as->filled) {
		abort_session(p, "out-of-line data out of order");
		return;
	}
	uint64_t left = as->size[as->next] - as->filled;
	uint64_t n = r->u.ool_data.data_len;
	if (n > left) {
		if (n - left >= 8) {
			abort_session(p, "out-of-line data beyond its region");
			return;
		}
		n = left; /* the last chunk's padding */
	}
	if (as->data[as->next])
		memcpy(as->data[as->next] + as->filled, r->u.ool_data.data, n);
	as->filled += n;
	if (as->filled == as->size[as->next]) {
		as->next++;
		as->filled = 0;
	}
}

static void handle_record(struct pxh_peer *p, const struct px_record *r)
{
	if (p->as.active && r->type != PX_REC_OOL_DATA) {
		abort_session(p, "a record inside a message's data");
		return;
	}
	switch (r->type) {
	case PX_REC_MSG:
	case PX_REC_REPLY:
		message_record(p, r);
		if (px_link_state(&p->link) == PX_LINK_UP)
			assembly_finish_if_done(p);
		break;
	case PX_REC_OOL_DATA:
		chunk_record(p, r);
		if (px_link_state(&p->link) == PX_LINK_UP)
			assembly_finish_if_done(p);
		break;
	case PX_REC_ANSWER_DEAD: {
		uint32_t q = r->u.answer_dead.question;
		p->c.answers_limit += r->u.answer_dead.status == ERR_LIMIT;
		if (!q || q > QUESTIONS_MAX || !p->questions[q - 1].used ||
		    p->questions[q - 1].done) {
			if (p->lenient) {
				p->c.stray++;
				break;
			}
			abort_session(p, "an answer to no question");
			return;
		}
		uint32_t st = r->u.answer_dead.status;
		p->c.answer_dead++;
		question_finish(p, q,
				st && st < ERR_COUNT_ ? -(int)st : -ERR_DEAD);
		break;
	}
	case PX_REC_PORT_DEAD:
		for (unsigned i = 0; i < r->u.list.count; i++) {
			struct import *im = import_by_id(p, px_record_id(r, i));
			/* Unknown: we released it while its port died. */
			if (im) {
				memset(im, 0, sizeof(*im));
				p->c.port_dead++;
			}
		}
		break;
	case PX_REC_CREDIT:
		for (unsigned i = 0; i < r->u.list.count; i++) {
			struct px_pair v;
			px_record_pair(r, i, &v);
			p->c.credited += v.count;
			struct import *im = import_by_id(p, v.id);
			if (!im)
				continue; /* released meanwhile */
			if (p->lenient) {
				/* Credit for messages a test sent raw. */
				im->credits = CREDITS_INITIAL;
				continue;
			}
			if (v.count > 4 * CREDITS_INITIAL ||
			    im->credits + v.count > 4 * CREDITS_INITIAL) {
				abort_session(p, "credit beyond what was used");
				return;
			}
			im->credits += v.count;
		}
		break;
	case PX_REC_RELEASE:
		if (p->lenient) {
			/* Rights a test gave the node. */
			for (unsigned i = 0; i < r->u.list.count; i++) {
				struct px_pair v;
				px_record_pair(r, i, &v);
				p->c.released += v.count;
			}
			break;
		}
		abort_session(p, "a release of a right we never sent");
		break;
	default:
		abort_session(p, "a record type the host does not speak");
		break;
	}
}

static void link_deliver(void *ctx, const uint8_t *bytes, size_t len)
{
	struct pxh_peer *p = ctx;
	struct px_record r;

	while (px_link_state(&p->link) == PX_LINK_UP) {
		int rc = px_stream_next(&p->stream, &bytes, &len, &r);
		if (rc == 0)
			return;
		if (rc < 0) {
			char why[64];
			snprintf(why, sizeof(why), "a bad record (%s)",
				 px_error_str(rc));
			abort_session(p, why);
			return;
		}
		handle_record(p, &r);
	}
}

/* ---- opening and closing ---- */

static bool is_up_or_ended(struct pxh_peer *p, const void *arg)
{
	return px_link_state(&p->link) == PX_LINK_UP ||
	       p->ended != *(const uint64_t *)arg;
}

int pxh_open_transport(uint16_t node, const struct pxh_transport *t,
		       const struct pxh_options *o, struct pxh_peer **out,
		       char *why, size_t why_len)
{
	static const struct pxh_options none;
	struct pxh_peer *p = calloc(1, sizeof(*p));
	uint8_t *q = p ? malloc(OUTQ_MAX) : NULL;

	*out = NULL;
	if (!o)
		o = &none;
	if (!q) {
		free(p);
		t->close(t->ctx);
		snprintf(why, why_len, "no memory for a session");
		return -ERR_NO_MEMORY;
	}
	p->node = node;
	p->t = *t;
	p->outq = q;
	p->deadline_ms =
	    o->deadline_ms ? o->deadline_ms : PX_DEADLINE_DEFAULT_MS;
	p->call_timeout_ms =
	    o->call_timeout_ms ? o->call_timeout_ms : PXH_CALL_TIMEOUT_MS;
	struct px_link_config cfg = {
	    .self_node = PXH_NODE,
	    .peer_node = node,
	    .boot_epoch = o->boot_epoch ? o->boot_epoch : 1,
	    .deadline_ms = p->deadline_ms,
	};
	struct px_link_ops ops = {
	    .ctx = p,
	    .output = link_output,
	    .deliver = link_deliver,
	    .session_start = link_session_start,
	    .session_end = link_session_end,
	};
	px_link_init(&p->link, &cfg, &ops);
	px_stream_reset(&p->stream);

	/* A node that boots meanwhile may answer a later HELLO: try again
	 * until connect_ms, one deadline at a time. */
	uint64_t until =
	    now_ms(p) + (o->connect_ms ? o->connect_ms : p->deadline_ms);
	while (px_link_state(&p->link) != PX_LINK_UP && now_ms(p) < until) {
		uint64_t ended = p->ended;
		px_link_connect(&p->link, now_ms(p));
		pump(p, until, is_up_or_ended, &ended);
	}
	if (px_link_state(&p->link) != PX_LINK_UP) {
		const char *detail = p->t.why ? p->t.why(p->t.ctx) : NULL;
		snprintf(why, why_len,
			 "node %u did not answer within %u ms%s%s", node,
			 o->connect_ms ? o->connect_ms : p->deadline_ms,
			 detail ? ": " : "", detail ? detail : "");
		px_link_abort(&p->link, now_ms(p));
		p->t.close(p->t.ctx);
		free(p->outq);
		free(p);
		return -ERR_UNREACHABLE;
	}
	*out = p;
	return 0;
}

static bool all_acked(struct pxh_peer *p, const void *arg)
{
	(void)arg;
	/* Ours acknowledged, and the node's last frames too (a delayed ACK
	 * still due would leave them unacknowledged at the RESET). */
	return px_link_state(&p->link) != PX_LINK_UP ||
	       (!p->out_len &&
		px_link_acked(&p->link) == px_link_queued(&p->link) &&
		!p->link.ack_pending);
}

void pxh_close(struct pxh_peer *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < IMPORTS_MAX; i++) {
		struct import *im = &p->imports[i];
		if (im->used) {
			send_release(p, im->id, im->refs);
			memset(im, 0, sizeof(*im));
		}
	}
	if (px_link_state(&p->link) == PX_LINK_UP) {
		pump(p, now_ms(p) + p->deadline_ms, all_acked, NULL);
		/* The node's proxy would wait a deadline to notice us gone. */
		px_link_abort(&p->link, now_ms(p));
	}
	assembly_drop(p);
	p->t.close(p->t.ctx);
	free(p->outq);
	free(p);
}

/* ---- calls ---- */

static bool question_done(struct pxh_peer *p, const void *arg)
{
	return p->questions[*(const uint32_t *)arg - 1].done;
}

static bool has_credit(struct pxh_peer *p, const void *arg)
{
	struct import *im = import_of(p, *(const pxh_import_t *)arg);
	return !im || im->credits > 0;
}

int pxh_call(struct pxh_peer *p, pxh_import_t target, uint32_t msg_id,
	     const void *data, uint32_t len, struct pxh_reply *reply)
{
	uint64_t until = now_ms(p) + p->call_timeout_ms;
	struct import *im = NULL;
	uint32_t qid;

	memset(reply, 0, offsetof(struct pxh_reply, data));
	reply->n_caps = reply->n_ool = 0;
	if (len > PX_MSG_INLINE_MAX)
		return -ERR_TOO_BIG;
	if (target != PXH_NAME_SERVICE) {
		/* Per-import credits: wait, as a local sender waits on a
		 * full queue. */
		pump(p, until, has_credit, &target);
		im = import_of(p, target);
		if (!im)
			return -ERR_DEAD;
		if (!im->credits)
			return -ERR_TIMED_OUT;
	}
	for (qid = 1; qid <= QUESTIONS_MAX && p->questions[qid - 1].used; qid++)
		;
	if (qid > QUESTIONS_MAX)
		return -ERR_LIMIT;
	struct px_msg m = {
	    .msg_id = msg_id,
	    .inline_len = len,
	    .call = qid,
	    .target = {.kind = PX_CAP_RECEIVER,
		       .right = PX_RIGHT_SEND,
		       .id = im ? im->id : 0},
	    .reply = {.kind = PX_CAP_SENDER,
		      .right = PX_RIGHT_SEND_ONCE,
		      .id = qid},
	    .inline_data = data,
	};
	if (!append(p, p->rec, px_msg_encode(p->rec, sizeof(p->rec), &m)))
		return -ERR_QUEUE_FULL;
	if (im)
		im->credits--;
	struct question *q = &p->questions[qid - 1];
	*q = (struct question){.used = true,
			       .msg_id = msg_id,
			       .out_pos = p->out_total,
			       .reply = reply};
	p->c.calls++;
	pump(p, until, question_done, &qid);
	if (!q->done) {
		/* It may still come: its rights are then given back. */
		q->reply = NULL;
		p->c.timed_out++;
		snprintf(p->why, sizeof(p->why),
			 "node %u: no answer within %u ms", p->node,
			 p->call_timeout_ms);
		return -ERR_TIMED_OUT;
	}
	int status = q->status;
	memset(q, 0, sizeof(*q));
	return status;
}

int pxh_reply_status(const struct pxh_reply *r, uint32_t msg_id,
		     const uint8_t **body, uint32_t *body_len)
{
	int32_t status;

	if (r->msg_id != msg_id || r->inline_len < 8)
		return -ERR_INVALID;
	memcpy(&status, r->data, sizeof(status));
	if (status > 0 || status <= -(int32_t)ERR_COUNT_)
		return -ERR_INVALID;
	if (body)
		*body = r->data + 8;
	if (body_len)
		*body_len = r->inline_len - 8;
	return status;
}

void pxh_reply_free(struct pxh_peer *p, struct pxh_reply *r)
{
	release_all(p, r->caps, r->n_caps);
	for (unsigned i = 0; i < r->n_ool; i++)
		free(r->ool[i]);
	memset(r->caps, 0, sizeof(r->caps));
	memset(r->ool, 0, sizeof(r->ool));
	r->n_caps = r->n_ool = 0;
}

/* ---- diagnostics ---- */

uint16_t pxh_node(const struct pxh_peer *p)
{
	return p->node;
}

bool pxh_is_up(const struct pxh_peer *p)
{
	return px_link_state(&p->link) == PX_LINK_UP;
}

const struct pxh_counters *pxh_counters(const struct pxh_peer *p)
{
	return &p->c;
}

const struct px_link_counters *pxh_link_counters(const struct pxh_peer *p)
{
	return &p->link.counters;
}

const char *pxh_why(const struct pxh_peer *p)
{
	return p->why;
}

/* ---- raw access (uk-proxy-attack) ---- */

bool pxh_raw_stream(struct pxh_peer *p, const void *bytes, uint32_t len)
{
	if (!append(p, bytes, (int)len))
		return false;
	flush(p);
	return true;
}

void pxh_raw_frame(struct pxh_peer *p, const void *frame, size_t len)
{
	p->t.send(p->t.ctx, frame, len);
}

static bool session_ended(struct pxh_peer *p, const void *arg)
{
	return p->ended != *(const uint64_t *)arg;
}

int pxh_run(struct pxh_peer *p, uint32_t ms)
{
	uint64_t ended = p->ended;
	pump(p, now_ms(p) + ms, session_ended, &ended);
	return p->ended != ended ? (int)p->last_end : 0;
}

const struct px_link *pxh_link(const struct pxh_peer *p)
{
	return &p->link;
}

uint32_t pxh_import_id(struct pxh_peer *p, pxh_import_t h)
{
	struct import *im = import_of(p, h);
	return im ? im->id : 0;
}

void pxh_raw_lenient(struct pxh_peer *p)
{
	p->lenient = true;
}
