/* SPDX-License-Identifier: MIT */
/*
 * uk-proxy-attack: a hostile peer, for tests (docs/PROXY.md, "Hostile
 * peers"). It joins the cluster as node 1024, as uk-proxy-host does, opens
 * a real session with a node's proxy and commits one protocol violation
 * per attack. Each attack then checks, through the node's PROXY_STATS
 * (proxy/server/service.h, read through the node's "proxy" service), that
 * the node did what the document promises:
 *
 *   reset     the node counted a bad record (bad_records + 1) and ended
 *             the session with RESET;
 *   survive   the frame was dropped and counted (frames_*), and the
 *             session goes on: a call on it still works;
 *   answered  the frame was dropped and counted (frames_stale), and the
 *             node answered it with RESET, which ends our session (a
 *             frame of ours for an old session of the node's: we are the
 *             out-of-date side), without a bad record;
 *   bounded   a flood: the session goes on (no bad record), the node
 *             answered every question exactly once and gave back every
 *             right it got (refusing with ERR_LIMIT what its tables could
 *             not hold, counted in limited, and what went beyond the
 *             credit it gave, counted in over_credit), and each attack's
 *             own check holds (the counts it must raise, the credit that
 *             comes back); its tables never grow past their bounds;
 *
 * and, for every attack, that a new session opens afterwards and the
 * node's tables hold nothing but that session's own lookup and call.
 *
 *   ukcluster exec host -- uk-proxy-attack 2 all
 *   ukcluster exec host -- uk-proxy-attack 2 release-excess ool-beyond
 *   uk-proxy-attack list
 *
 * Exit status: 0 every attack went as promised; 1 one did not; 2 usage;
 * 3 the node could not be reached at the start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pxh.h"
#include "service.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

#define NEVER_ID 4000u	  /* an id the node never exported to us */
#define FORGED_ID 3999u	  /* an "export" of ours we forge */
#define NO_QUESTION 200u  /* a question we never asked */
#define SETTLE_MS 5000u	  /* tables must be back within this */
#define CREDITS_INITIAL 8u /* a node's credit per import (docs/PROXY.md) */

static const char *prog = "uk-proxy-attack";
static struct pxh_options opt;
static uint16_t node;

enum expect { RESET, SURVIVE, ANSWERED, BOUNDED };

/* What an attack needs from its session. */
struct ctx {
	struct pxh_peer *p;
	pxh_import_t proxy; /* the node's "proxy" service */
	uint32_t proxy_id;  /* its export id on this link */
	uint8_t rec[PX_RECORD_MAX * 2];
	uint8_t frame[PX_FRAME_MAX + 64];
	unsigned questions; /* raw questions asked: each needs one answer */
	unsigned rights;    /* distinct rights given: each must come back */
	unsigned counted;   /* messages to exports with credit */
};

/* ---- the instrument: the node's PROXY_STATS ---- */

static int stats_call(struct pxh_peer *p, pxh_import_t proxy,
		      struct proxy_stats *s)
{
	static struct pxh_reply r;
	const uint8_t *body;
	uint32_t len;

	int rc = pxh_call(p, proxy, PROXY_STATS, NULL, 0, &r);
	if (rc < 0)
		return rc;
	rc = pxh_reply_status(&r, PROXY_STATS, &body, &len);
	if (rc == 0 && len < sizeof(*s))
		rc = -ERR_INVALID;
	if (rc == 0)
		memcpy(s, body, sizeof(*s));
	pxh_reply_free(p, &r);
	return rc;
}

/* The tables as one session of ours sees them while it asks: the
 * "proxy" right it looked up and the call being answered, nothing else. */
static bool only_ours(const struct proxy_stats *s)
{
	return !s->imports && s->exports == 1 && !s->questions &&
	       s->answers == 1 && !s->pending && !s->assembling &&
	       !s->provisions && !s->waits && !s->accepts && !s->held;
}

static void print_tables(const char *when, const struct proxy_stats *s)
{
	fprintf(stderr,
		"%s: %s: imports %u exports %u questions %u answers %u "
		"pending %u assembling %u outq %u; bad records %llu, limited "
		"%llu, over credit %llu, frames bad %llu version %llu stale "
		"%llu foreign %llu ooo %llu\n",
		prog, when, s->imports, s->exports, s->questions, s->answers,
		s->pending, s->assembling, s->outq_bytes,
		(unsigned long long)s->bad_records,
		(unsigned long long)s->limited,
		(unsigned long long)s->over_credit,
		(unsigned long long)s->frames_bad,
		(unsigned long long)s->frames_version,
		(unsigned long long)s->frames_stale,
		(unsigned long long)s->frames_foreign,
		(unsigned long long)s->frames_ooo);
}

static int session(struct ctx *c)
{
	char why[256];
	int rc = pxh_open(node, &opt, &c->p, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return rc;
	}
	rc = pxh_lookup(c->p, "proxy", &c->proxy);
	if (rc < 0) {
		fprintf(stderr, "%s: lookup proxy on node %u: %s (%s)\n", prog,
			node, err_str(rc), pxh_why(c->p));
		pxh_close(c->p);
		c->p = NULL;
		return rc;
	}
	c->proxy_id = pxh_import_id(c->p, c->proxy);
	return 0;
}

/* A new session's view of the node, once its tables hold only that
 * session's own (they drain as the node's notices arrive): 0, or an
 * error with the last view in *s. */
static int fresh_stats(struct proxy_stats *s, bool settle)
{
	struct ctx c = {0};
	int rc = session(&c);
	if (rc < 0)
		return rc;
	uint64_t tries = settle ? SETTLE_MS / 50 : 1;
	for (uint64_t i = 0; i < tries; i++) {
		rc = stats_call(c.p, c.proxy, s);
		if (rc < 0 || only_ours(s))
			break;
		pxh_run(c.p, 50);
	}
	if (rc == 0 && settle && !only_ours(s))
		rc = -ERR_BUSY;
	pxh_release(c.p, c.proxy);
	pxh_close(c.p);
	return rc;
}

/* ---- building blocks of attacks ---- */

static bool raw(struct ctx *c, int len)
{
	return len > 0 && pxh_raw_stream(c->p, c->rec, (uint32_t)len);
}

/* A MSG from us to target (an export id of the node's), with a question
 * if question is not 0. */
static int call_to(uint8_t *buf, size_t size, uint32_t target,
		   uint32_t msg_id, const uint8_t *caps, uint16_t n_caps,
		   const uint8_t *ools, uint16_t n_ool, uint32_t question)
{
	static const uint8_t body[8];
	struct px_msg m = {
	    .msg_id = msg_id,
	    .n_caps = n_caps,
	    .n_ool = n_ool,
	    .inline_len = sizeof(body),
	    .call = question,
	    .target = {.kind = PX_CAP_RECEIVER,
		       .right = PX_RIGHT_SEND,
		       .id = target},
	    .reply = {.kind = question ? PX_CAP_SENDER : PX_CAP_NONE,
		      .right = question ? PX_RIGHT_SEND_ONCE : 0,
		      .id = question},
	    .caps = caps,
	    .ools = ools,
	    .inline_data = body,
	};
	return px_msg_encode(buf, size, &m);
}

/* The same, one-way (no reply right). */
static int msg_to(uint8_t *buf, size_t size, uint32_t target, uint32_t msg_id,
		  const uint8_t *caps, uint16_t n_caps, const uint8_t *ools,
		  uint16_t n_ool)
{
	return call_to(buf, size, target, msg_id, caps, n_caps, ools, n_ool, 0);
}

/* A SENDER descriptor of a right of ours (a forged export id). */
static void sender_cap(uint8_t *cap, uint32_t id)
{
	struct px_cap k = {.kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND, .id = id};
	px_cap_encode(cap, PX_USE_CAP, &k);
}

/* A message to the node's proxy service with one region of size bytes
 * (transfer 1) and nothing after it: its chunks are the attack's. */
static int msg_with_region(struct ctx *c, uint64_t size)
{
	uint8_t ool[PX_OOL_SIZE];
	struct px_ool o = {size, PX_OOL_COPY, 1};
	px_ool_encode(ool, &o);
	return msg_to(c->rec, sizeof(c->rec), c->proxy_id, PROXY_PROTO + 0xff,
		      NULL, 0, ool, 1);
}

/* A frame of the session as our link would send it now. */
static struct px_frame frame_now(struct ctx *c, uint8_t type)
{
	const struct px_link *l = pxh_link(c->p);
	struct px_frame f = {
	    .type = type,
	    .src_node = PXH_NODE,
	    .dst_node = node,
	    .window = PX_WINDOW_MAX,
	    .src_epoch = l->epoch,
	    .dst_epoch = l->peer_epoch,
	    .ack = l->rcv_next,
	};
	return f;
}

/* A DATA frame whose stream is a record the node must never take (an
 * unknown type): if a check let it through, the session would reset. */
static int poison_data(struct ctx *c, struct px_frame *f, uint32_t seq)
{
	static uint8_t poison[8] = {99, 0, 0, 0, 8, 0, 0, 0};
	f->type = PX_DATA;
	f->seq = seq;
	f->length = sizeof(poison);
	f->stream = poison;
	return px_frame_encode(c->frame, sizeof(c->frame), f);
}

static void send_frame(struct ctx *c, int len)
{
	if (len > 0)
		pxh_raw_frame(c->p, c->frame, (size_t)len);
}

/* ---- the attacks: each commits one violation ---- */

static bool a_unexported_msg(struct ctx *c)
{
	return raw(c, msg_to(c->rec, sizeof(c->rec), NEVER_ID, 1, NULL, 0,
			     NULL, 0));
}

static bool a_unexported_cap(struct ctx *c)
{
	uint8_t cap[PX_CAP_SIZE];
	struct px_cap k = {.kind = PX_CAP_RECEIVER,
			   .right = PX_RIGHT_SEND,
			   .id = NEVER_ID};
	px_cap_encode(cap, PX_USE_CAP, &k);
	return raw(c, msg_to(c->rec, sizeof(c->rec), c->proxy_id,
			     PROXY_PROTO + 0xff, cap, 1, NULL, 0));
}

static bool a_release_excess(struct ctx *c)
{
	/* The node sent "proxy" once: refs 1. */
	struct px_pair v = {c->proxy_id, 2};
	return raw(c, px_release_encode(c->rec, sizeof(c->rec), &v, 1));
}

static bool a_release_unexported(struct ctx *c)
{
	struct px_pair v = {NEVER_ID, 1};
	return raw(c, px_release_encode(c->rec, sizeof(c->rec), &v, 1));
}

static bool a_credit_excess(struct ctx *c)
{
	/* Give the node a right (an import there, 8 credits), then return
	 * far more credit than it ever used, in the same frame. */
	uint8_t cap[PX_CAP_SIZE];
	struct px_cap k = {.kind = PX_CAP_SENDER,
			   .right = PX_RIGHT_SEND,
			   .id = FORGED_ID};
	px_cap_encode(cap, PX_USE_CAP, &k);
	int n = msg_to(c->rec, sizeof(c->rec), c->proxy_id, PROXY_PROTO + 0xff,
		       cap, 1, NULL, 0);
	struct px_pair v = {FORGED_ID, 100};
	int m = n > 0 ? px_credit_encode(c->rec + n, sizeof(c->rec) - (size_t)n,
					 &v, 1)
		      : -1;
	return m > 0 && raw(c, n + m);
}

static bool a_reply_unasked(struct ctx *c)
{
	static const uint8_t body[8];
	struct px_msg m = {.msg_id = 1, .inline_len = 8, .inline_data = body};
	return raw(c, px_reply_encode(c->rec, sizeof(c->rec), NO_QUESTION, &m));
}

static bool a_answer_unasked(struct ctx *c)
{
	return raw(c, px_answer_dead_encode(c->rec, sizeof(c->rec),
					    NO_QUESTION, ERR_DEAD));
}

static bool a_ool_unasked(struct ctx *c)
{
	static const uint8_t data[64];
	return raw(c, px_ool_data_encode(c->rec, sizeof(c->rec), 1, 0, data,
					 sizeof(data)));
}

static bool a_ool_order(struct ctx *c)
{
	static const uint8_t data[64];
	if (!raw(c, msg_with_region(c, 4096)))
		return false;
	/* The region's second chunk first. */
	return raw(c, px_ool_data_encode(c->rec, sizeof(c->rec), 1, 64, data,
					 sizeof(data)));
}

static bool a_ool_transfer(struct ctx *c)
{
	static const uint8_t data[64];
	if (!raw(c, msg_with_region(c, 4096)))
		return false;
	return raw(c, px_ool_data_encode(c->rec, sizeof(c->rec), 7, 0, data,
					 sizeof(data)));
}

static bool a_ool_beyond(struct ctx *c)
{
	static const uint8_t data[256];
	if (!raw(c, msg_with_region(c, 16)))
		return false;
	/* 256 bytes for a region of 16. */
	return raw(c, px_ool_data_encode(c->rec, sizeof(c->rec), 1, 0, data,
					 sizeof(data)));
}

static bool a_ool_interleave(struct ctx *c)
{
	static const uint8_t data[64];
	if (!raw(c, msg_with_region(c, 4096)) ||
	    !raw(c, px_ool_data_encode(c->rec, sizeof(c->rec), 1, 0, data,
				       sizeof(data))))
		return false;
	/* Another record before the region is whole, one that is harmless
	 * anywhere else (credit for an id the node does not hold). */
	struct px_pair v = {FORGED_ID, 1};
	return raw(c, px_credit_encode(c->rec, sizeof(c->rec), &v, 1));
}

static bool a_ool_huge(struct ctx *c)
{
	return raw(c, msg_with_region(c, PX_OOL_REGION_MAX));
}

static bool a_record_type(struct ctx *c)
{
	static const uint8_t r[16] = {99, 0, 0, 0, 16, 0, 0, 0};
	memcpy(c->rec, r, sizeof(r));
	return raw(c, sizeof(r));
}

static bool a_record_oversized(struct ctx *c)
{
	/* A RELEASE head claiming 16 KiB (RECORD_MAX is 8 KiB). */
	uint8_t r[16] = {PX_REC_RELEASE, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 0, 0,
			 1, 0, 0, 0};
	memcpy(c->rec, r, sizeof(r));
	return raw(c, sizeof(r));
}

static bool a_record_length(struct ctx *c)
{
	/* A MSG whose length says 8 bytes more than its fields. */
	int n = msg_to(c->rec, sizeof(c->rec), c->proxy_id, PROXY_PROTO + 0xff,
		       NULL, 0, NULL, 0);
	if (n <= 0)
		return false;
	memset(c->rec + n, 0, 8);
	n += 8;
	c->rec[4] = (uint8_t)n;
	c->rec[5] = (uint8_t)(n >> 8);
	return raw(c, n);
}

static bool a_record_split(struct ctx *c)
{
	/* The record's head says 64 bytes; the rest arrives bytes later, in
	 * another frame, and is garbage: cut records are joined, and what
	 * they join into is checked. */
	uint8_t r[16] = {PX_REC_CREDIT, 0, 0, 0, 64, 0, 0, 0, 1, 0, 0, 0};
	memcpy(c->rec, r, sizeof(r));
	if (!raw(c, sizeof(r)))
		return false;
	pxh_run(c->p, 50);
	memset(c->rec, 0xa5, 48);
	return raw(c, 48);
}

static bool a_frame_garbage(struct ctx *c)
{
	memset(c->frame, 0xa5, 48);
	send_frame(c, 48);
	return true;
}

static bool a_frame_truncated(struct ctx *c)
{
	struct px_frame f = frame_now(c, PX_DATA);
	int len = poison_data(c, &f, pxh_link(c->p)->snd_nxt);
	send_frame(c, len - 4); /* the datagram is 4 bytes short */
	return len > 0;
}

static bool a_frame_trailing(struct ctx *c)
{
	struct px_frame f = frame_now(c, PX_PING);
	int len = px_frame_encode(c->frame, sizeof(c->frame), &f);
	if (len <= 0)
		return false;
	memset(c->frame + len, 0, 8);
	send_frame(c, len + 8);
	return true;
}

static bool a_frame_oversized(struct ctx *c)
{
	static uint8_t stream[PX_FRAME_STREAM_MAX];
	struct px_frame f = frame_now(c, PX_DATA);
	f.seq = pxh_link(c->p)->snd_nxt;
	f.length = PX_FRAME_STREAM_MAX;
	f.stream = stream;
	int len = px_frame_encode(c->frame, sizeof(c->frame), &f);
	if (len <= 0)
		return false;
	/* One byte more than a frame may carry, and its length says so. */
	c->frame[6] = (uint8_t)(PX_FRAME_STREAM_MAX + 1);
	c->frame[7] = (uint8_t)((PX_FRAME_STREAM_MAX + 1) >> 8);
	c->frame[len] = 0;
	send_frame(c, len + 1);
	return true;
}

static bool a_frame_version(struct ctx *c)
{
	struct px_frame f = frame_now(c, PX_DATA);
	int len = poison_data(c, &f, pxh_link(c->p)->snd_nxt);
	c->frame[4] = PX_VERSION + 1;
	send_frame(c, len);
	return len > 0;
}

static bool a_frame_stale(struct ctx *c)
{
	/* A frame of an earlier session of ours. */
	struct px_frame f = frame_now(c, PX_DATA);
	f.src_epoch--;
	int len = poison_data(c, &f, pxh_link(c->p)->snd_nxt);
	send_frame(c, len);
	return len > 0;
}

static bool a_frame_wrong_session(struct ctx *c)
{
	/* A frame for an earlier session of the node's. */
	struct px_frame f = frame_now(c, PX_DATA);
	f.dst_epoch--;
	int len = poison_data(c, &f, pxh_link(c->p)->snd_nxt);
	send_frame(c, len);
	return len > 0;
}

static bool a_frame_foreign(struct ctx *c)
{
	/* From the host's address, but saying it is node 5, and one for
	 * node 3. */
	struct px_frame f = frame_now(c, PX_DATA);
	f.src_node = 5;
	send_frame(c, poison_data(c, &f, pxh_link(c->p)->snd_nxt));
	f = frame_now(c, PX_DATA);
	f.dst_node = node == 3 ? 4 : 3;
	int len = poison_data(c, &f, pxh_link(c->p)->snd_nxt);
	send_frame(c, len);
	return len > 0;
}

static bool a_frame_dup(struct ctx *c)
{
	/* Our last DATA frame again, and one after a gap. */
	struct px_frame f = frame_now(c, PX_DATA);
	send_frame(c, poison_data(c, &f, pxh_link(c->p)->snd_nxt - 1));
	f = frame_now(c, PX_DATA);
	int len = poison_data(c, &f, pxh_link(c->p)->snd_nxt + 3);
	send_frame(c, len);
	return len > 0;
}

static bool a_ack_unsent(struct ctx *c)
{
	/* An acknowledgement of frames the node never sent. */
	struct px_frame f = frame_now(c, PX_ACK);
	f.ack = pxh_link(c->p)->rcv_next + 1000;
	int len = px_frame_encode(c->frame, sizeof(c->frame), &f);
	send_frame(c, len);
	return len > 0;
}

/* Its 8 credits, then a call beyond them with a right of ours, in one
 * frame (the node cannot credit anything back in between). */
static bool a_credit_past(struct ctx *c)
{
	uint8_t cap[PX_CAP_SIZE];
	int n = 0;

	for (uint32_t i = 0; i <= CREDITS_INITIAL; i++) {
		bool last = i == CREDITS_INITIAL;
		sender_cap(cap, 30000);
		int len = call_to(c->rec + n, sizeof(c->rec) - (size_t)n,
				  c->proxy_id, PROXY_PROTO + 0xff, last ? cap : NULL,
				  last ? 1 : 0, NULL, 0, last ? 300 : 0);
		if (len <= 0)
			return false;
		n += len;
	}
	c->counted = CREDITS_INITIAL + 1;
	c->rights = 1;
	c->questions = 1;
	return raw(c, n);
}

/* 200 messages to one export at once, each with a right of ours: far
 * beyond its credits (8). */
static bool a_flood_credit(struct ctx *c)
{
	uint8_t cap[PX_CAP_SIZE];
	int n = 0;
	for (int i = 0; i < 200; i++) {
		sender_cap(cap, 20000 + (uint32_t)i);
		int len = msg_to(c->rec + n, sizeof(c->rec) - (size_t)n,
				 c->proxy_id, PROXY_PROTO + 0xff, cap, 1,
				 NULL, 0);
		if (len <= 0)
			return false;
		n += len;
		if ((size_t)n > sizeof(c->rec) - 256) {
			if (!raw(c, n))
				return false;
			n = 0;
		}
	}
	c->counted = 200;
	c->rights = 200;
	return !n || raw(c, n);
}

/* 300 lookups at once, each its own question: more than the node's
 * tables for waiting deliveries (64) and answers (256) hold. */
static bool a_flood_lookups(struct ctx *c)
{
	struct uk_name_req rq;
	memset(&rq, 0, sizeof(rq));
	memcpy(rq.name, "no-such-name", 12);
	for (uint32_t q = 1; q <= 300; q++) {
		struct px_msg m = {
		    .msg_id = NAME_LOOKUP,
		    .inline_len = sizeof(rq),
		    .call = q,
		    .target = {.kind = PX_CAP_RECEIVER, .right = PX_RIGHT_SEND},
		    .reply = {.kind = PX_CAP_SENDER,
			      .right = PX_RIGHT_SEND_ONCE,
			      .id = 1000 + q},
		    .inline_data = (const uint8_t *)&rq,
		};
		if (!raw(c, px_msg_encode(c->rec, sizeof(c->rec), &m)))
			return false;
		c->questions++;
	}
	return true;
}

/* 1152 distinct rights given to the node at once, within its credits:
 * 72 messages of 16 rights, 8 to each of 9 exports (the node's "proxy"
 * service, and "pxbadge", a delegable right, whose every lookup is an
 * export of its own): more than its import table (1024) holds. */
#define FLOOD_EXPORTS 9u
static bool a_flood_rights(struct ctx *c)
{
	uint32_t target[FLOOD_EXPORTS];
	uint8_t caps[PX_MSG_CAPS_MAX * PX_CAP_SIZE];
	uint32_t id = 10000;

	target[0] = c->proxy_id;
	for (unsigned i = 1; i < FLOOD_EXPORTS; i++) {
		pxh_import_t h;
		if (pxh_lookup(c->p, "pxbadge", &h) < 0)
			return false;
		target[i] = pxh_import_id(c->p, h);
	}
	for (unsigned k = 0; k < FLOOD_EXPORTS * CREDITS_INITIAL; k++) {
		for (unsigned i = 0; i < PX_MSG_CAPS_MAX; i++)
			sender_cap(caps + i * PX_CAP_SIZE, id++);
		int len = msg_to(c->rec, sizeof(c->rec), target[k % FLOOD_EXPORTS],
				 PROXY_PROTO + 0xff, caps, PX_MSG_CAPS_MAX,
				 NULL, 0);
		if (!raw(c, len))
			return false;
		c->counted++;
		c->rights += PX_MSG_CAPS_MAX;
	}
	return true;
}

/* A flood's own check, on the node's counts before (s0) and after (s2)
 * and what our session heard (h): false with why filled in. */
struct heard {
	uint64_t answers, credited, released, answers_limit;
};
typedef bool (*check_fn)(const struct ctx *c, const struct proxy_stats *s0,
			 const struct proxy_stats *s2, const struct heard *h,
			 char *why, size_t n);

#define DELTA(f) ((unsigned long long)(s2->f - s0->f))

/* Exactly the message past the credit refused: its question answered
 * ERR_LIMIT, its right given back, the credit of the 8 returned. */
static bool check_credit_past(const struct ctx *c, const struct proxy_stats *s0,
			      const struct proxy_stats *s2,
			      const struct heard *h, char *why, size_t n)
{
	(void)c;
	snprintf(why, n, "over_credit +%llu (want +1), ERR_LIMIT answers %llu "
		 "(want 1), credited %llu (want %u), released %llu (want 1)",
		 DELTA(over_credit), (unsigned long long)h->answers_limit,
		 (unsigned long long)h->credited, CREDITS_INITIAL,
		 (unsigned long long)h->released);
	return DELTA(over_credit) == 1 && h->answers_limit == 1 &&
	       h->credited == CREDITS_INITIAL && h->released == 1;
}

/* Refused beyond the credit, and the node credited back exactly the
 * messages it took. */
static bool check_flood_credit(const struct ctx *c, const struct proxy_stats *s0,
			       const struct proxy_stats *s2,
			       const struct heard *h, char *why, size_t n)
{
	snprintf(why, n, "over_credit +%llu, credited %llu: together %llu of "
		 "%u messages", DELTA(over_credit),
		 (unsigned long long)h->credited,
		 DELTA(over_credit) + (unsigned long long)h->credited, c->counted);
	return DELTA(over_credit) > 0 &&
	       DELTA(over_credit) + h->credited == c->counted;
}

/* Within credit, and a full table refused the rest: the answers table or
 * the waiting list for the lookups (export 0 has no credit), the import
 * table for the rights. */
static bool check_flood_limited(const struct ctx *c, const struct proxy_stats *s0,
				const struct proxy_stats *s2,
				const struct heard *h, char *why, size_t n)
{
	(void)c, (void)h;
	snprintf(why, n, "over_credit +%llu (want +0), limited +%llu (want > 0)",
		 DELTA(over_credit), DELTA(limited));
	return DELTA(over_credit) == 0 && DELTA(limited) > 0;
}

struct attack {
	const char *name;
	enum expect expect;
	bool (*run)(struct ctx *c);
	const char *what;
	check_fn check; /* BOUNDED only */
};

static const struct attack attacks[] = {
    {"unexported-msg", RESET, a_unexported_msg,
     "a MSG to an id never exported to us", NULL},
    {"unexported-cap", RESET, a_unexported_cap,
     "a RECEIVER right the node never exported to us", NULL},
    {"release-excess", RESET, a_release_excess,
     "RELEASE of 2 references to an export sent once", NULL},
    {"release-unexported", RESET, a_release_unexported,
     "RELEASE of an id never exported", NULL},
    {"credit-excess", RESET, a_credit_excess,
     "CREDIT of 100 messages for an import the node never used", NULL},
    {"reply-unasked", RESET, a_reply_unasked, "a REPLY to no question", NULL},
    {"answer-unasked", RESET, a_answer_unasked,
     "an ANSWER_DEAD to no question", NULL},
    {"ool-unasked", RESET, a_ool_unasked, "OOL_DATA for no message", NULL},
    {"ool-order", RESET, a_ool_order, "a region's chunks out of order", NULL},
    {"ool-transfer", RESET, a_ool_transfer,
     "a chunk of another transfer", NULL},
    {"ool-beyond", RESET, a_ool_beyond,
     "a chunk of 256 bytes for a region of 16", NULL},
    {"ool-interleave", RESET, a_ool_interleave,
     "a record inside a message's regions", NULL},
    {"ool-huge", RESET, a_ool_huge, "a 64 MiB region (the limit is 1 MiB)", NULL},
    {"record-type", RESET, a_record_type, "a record of an unknown type", NULL},
    {"record-oversized", RESET, a_record_oversized,
     "a record head of 16 KiB", NULL},
    {"record-length", RESET, a_record_length,
     "a MSG longer than its fields", NULL},
    {"record-split", RESET, a_record_split,
     "a record cut across frames whose rest is garbage", NULL},
    {"frame-garbage", SURVIVE, a_frame_garbage, "48 bytes that are no frame", NULL},
    {"frame-truncated", SURVIVE, a_frame_truncated,
     "a DATA frame 4 bytes short", NULL},
    {"frame-trailing", SURVIVE, a_frame_trailing,
     "a frame with 8 bytes after it", NULL},
    {"frame-oversized", SURVIVE, a_frame_oversized,
     "a DATA frame of 1401 stream bytes", NULL},
    {"frame-version", SURVIVE, a_frame_version, "a frame of version 2", NULL},
    {"frame-stale", SURVIVE, a_frame_stale,
     "a DATA frame of an earlier session of ours", NULL},
    {"frame-wrong-session", ANSWERED, a_frame_wrong_session,
     "a DATA frame for an earlier session of the node's", NULL},
    {"frame-foreign", SURVIVE, a_frame_foreign,
     "DATA frames naming node 5 as sender and another node as receiver", NULL},
    {"frame-dup", SURVIVE, a_frame_dup,
     "a DATA frame again and one after a gap", NULL},
    {"ack-unsent", SURVIVE, a_ack_unsent,
     "an ACK of frames never sent", NULL},
    {"credit-past", BOUNDED, a_credit_past,
     "8 messages on an export's 8 credits, then a call with a right",
     check_credit_past},
    {"flood-credit", BOUNDED, a_flood_credit,
     "200 messages with a right each at once to an export that gave 8 "
     "credits",
     check_flood_credit},
    {"flood-lookups", BOUNDED, a_flood_lookups,
     "300 lookups at once, each a question", check_flood_limited},
    {"flood-rights", BOUNDED, a_flood_rights,
     "1152 distinct rights given at once, within credits",
     check_flood_limited},
};
#define N_ATTACKS (sizeof(attacks) / sizeof(attacks[0]))

/* The counter a surviving session's attack must raise. */
static uint64_t survive_count(const char *name, const struct proxy_stats *s)
{
	if (!strcmp(name, "frame-version"))
		return s->frames_version;
	if (!strcmp(name, "frame-stale") || !strcmp(name, "frame-wrong-session"))
		return s->frames_stale;
	if (!strcmp(name, "frame-foreign"))
		return s->frames_foreign;
	if (!strcmp(name, "frame-dup"))
		return s->frames_ooo;
	return s->frames_bad;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#define FAIL(...)                                                              \
	do {                                                                   \
		fprintf(stderr, "%s: %s: FAILED: ", prog, a->name);            \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		ok = false;                                                    \
		goto out;                                                      \
	} while (0)

static bool run_attack(const struct attack *a)
{
	static struct ctx c;
	struct proxy_stats s0, s1, s2;
	bool ok = true;
	int rc, end = 0;
	uint32_t deadline = opt.deadline_ms ? opt.deadline_ms : 1000;
	char seen[400] = "";
	struct heard heard = {0};

	memset(&c, 0, sizeof(c));
	rc = fresh_stats(&s0, true);
	if (rc < 0) {
		fprintf(stderr, "%s: %s: FAILED: the node's tables before: %s\n",
			prog, a->name, err_str(rc));
		return false;
	}
	if (session(&c) < 0) {
		fprintf(stderr, "%s: %s: FAILED: no session\n", prog, a->name);
		return false;
	}
	pxh_raw_lenient(c.p);
	if (a->expect == SURVIVE && (rc = stats_call(c.p, c.proxy, &s0)) < 0)
		FAIL("PROXY_STATS in the session: %s", err_str(rc));
	uint64_t t0 = now_ms();
	if (!a->run(&c))
		FAIL("could not send the attack (%s)", pxh_why(c.p));
	switch (a->expect) {
	case RESET:
		end = pxh_run(c.p, deadline + 500);
		if (end != PX_END_RESET)
			FAIL("the node did not reset the session (%s)",
			     end ? px_link_end_str((enum px_link_end)end)
				 : "it still lasts");
		snprintf(seen, sizeof(seen), "session reset by the node in %llu ms",
			 (unsigned long long)(now_ms() - t0));
		break;
	case SURVIVE:
		end = pxh_run(c.p, 200);
		if (end)
			FAIL("the session ended (%s)",
			     px_link_end_str((enum px_link_end)end));
		/* The session still carries calls. */
		if ((rc = stats_call(c.p, c.proxy, &s1)) < 0)
			FAIL("a call after it: %s (%s)", err_str(rc), pxh_why(c.p));
		if (survive_count(a->name, &s1) <= survive_count(a->name, &s0))
			FAIL("not counted");
		if (s1.bad_records != s0.bad_records)
			FAIL("bad_records went from %llu to %llu",
			     (unsigned long long)s0.bad_records,
			     (unsigned long long)s1.bad_records);
		snprintf(seen, sizeof(seen),
			 "dropped and counted (+%llu), the session goes on",
			 (unsigned long long)(survive_count(a->name, &s1) -
					      survive_count(a->name, &s0)));
		break;
	case ANSWERED:
		end = pxh_run(c.p, deadline + 500);
		if (end != PX_END_RESET)
			FAIL("the node did not answer with RESET (%s)",
			     end ? px_link_end_str((enum px_link_end)end)
				 : "the session still lasts");
		snprintf(seen, sizeof(seen), "the node answered RESET in %llu ms",
			 (unsigned long long)(now_ms() - t0));
		break;
	case BOUNDED:
		/* Until the node reset the session or fell silent: no answer,
		 * release or credit for 500 ms. */
		for (uint64_t last = (uint64_t)-1; !end;) {
			const struct pxh_counters *k = pxh_counters(c.p);
			uint64_t now = k->stray + k->credited + k->released;
			if (now == last)
				break;
			last = now;
			end = pxh_run(c.p, 500);
		}
		if (end)
			FAIL("the session ended (%s)",
			     px_link_end_str((enum px_link_end)end));
		heard = (struct heard){pxh_counters(c.p)->stray,
				       pxh_counters(c.p)->credited,
				       pxh_counters(c.p)->released,
				       pxh_counters(c.p)->answers_limit};
		snprintf(seen, sizeof(seen),
			 "session goes on, %llu answers, %llu references "
			 "released, %llu messages credited",
			 (unsigned long long)heard.answers,
			 (unsigned long long)heard.released,
			 (unsigned long long)heard.credited);
		break;
	default:
		break;
	}
	pxh_close(c.p);
	c.p = NULL;
	/* A new session works, and the node's tables are back. */
	rc = fresh_stats(&s2, true);
	if (rc < 0) {
		print_tables("after", &s2);
		FAIL("the node's tables afterwards: %s", rc == -ERR_BUSY
			 ? "not back to empty within 5 s" : err_str(rc));
	}
	uint64_t bad = s2.bad_records - s0.bad_records;
	if (a->expect == RESET && bad != 1)
		FAIL("bad_records +%llu, want +1", (unsigned long long)bad);
	if ((a->expect == SURVIVE || a->expect == ANSWERED) && bad)
		FAIL("bad_records +%llu, want +0", (unsigned long long)bad);
	if (a->expect == ANSWERED) {
		if (s2.frames_stale <= s0.frames_stale)
			FAIL("not counted as stale");
		size_t n = strlen(seen);
		snprintf(seen + n, sizeof(seen) - n, ", stale +%llu",
			 (unsigned long long)(s2.frames_stale - s0.frames_stale));
	}
	if (a->expect == BOUNDED) {
		char why[200];
		if (heard.answers != c.questions)
			FAIL("%llu answers to %u questions",
			     (unsigned long long)heard.answers, c.questions);
		if (heard.released != c.rights)
			FAIL("%llu references released of %u rights given",
			     (unsigned long long)heard.released, c.rights);
		if (bad)
			FAIL("bad_records +%llu", (unsigned long long)bad);
		if (a->check && !a->check(&c, &s0, &s2, &heard, why, sizeof(why)))
			FAIL("%s", why);
		size_t n = strlen(seen);
		snprintf(seen + n, sizeof(seen) - n,
			 "; bad_records +0, limited +%llu, over_credit +%llu",
			 (unsigned long long)(s2.limited - s0.limited),
			 (unsigned long long)(s2.over_credit - s0.over_credit));
	} else if (a->expect == RESET) {
		size_t n = strlen(seen);
		snprintf(seen + n, sizeof(seen) - n, ", bad_records +1");
	}
out:
	if (c.p)
		pxh_close(c.p);
	if (ok)
		printf("%s: %s: ok: %s: %s; then a new session, tables empty\n",
		       prog, a->name, a->what, seen);
	fflush(stdout);
	return ok;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: %s [--deadline MS] [--net A.B.C.D] [--port P] NODE "
		"all|ATTACK...\n       %s list\n",
		prog, prog);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		char *end;
		unsigned long v = strtoul(argv[i + 1], &end, 10);
		if (!strcmp(argv[i], "--deadline") && !*end && v && v < 600000)
			opt.deadline_ms = (uint32_t)v;
		else if (!strcmp(argv[i], "--port") && !*end && v && v < 65536)
			opt.port = (uint16_t)v;
		else if (!strcmp(argv[i], "--net")) {
			unsigned a, b, c, d;
			char x;
			if (sscanf(argv[i + 1], "%u.%u.%u.%u%c", &a, &b, &c, &d,
				   &x) != 4 || a > 255 || b > 255 || c > 255 ||
			    d > 255)
				return usage();
			opt.net_base[0] = (uint8_t)a;
			opt.net_base[1] = (uint8_t)b;
			opt.net_base[2] = (uint8_t)c;
			opt.net_base[3] = (uint8_t)d;
		} else
			return usage();
	}
	if (i < argc && !strcmp(argv[i], "list")) {
		for (size_t k = 0; k < N_ATTACKS; k++)
			printf("%-20s %s\n", attacks[k].name, attacks[k].what);
		return 0;
	}
	if (argc - i < 2)
		return usage();
	char *end;
	unsigned long v = strtoul(argv[i], &end, 10);
	if (*end || !v || v >= PXH_NODE)
		return usage();
	node = (uint16_t)v;
	opt.connect_ms = 3000;

	struct proxy_stats s;
	int rc = fresh_stats(&s, false);
	if (rc < 0) {
		fprintf(stderr, "%s: node %u: %s\n", prog, node, err_str(rc));
		return EXIT_UNREACHABLE;
	}
	unsigned failed = 0, done = 0;
	for (int k = i + 1; k < argc; k++) {
		bool all = !strcmp(argv[k], "all"), found = false;
		for (size_t j = 0; j < N_ATTACKS; j++) {
			if (!all && strcmp(argv[k], attacks[j].name))
				continue;
			found = true;
			done++;
			failed += !run_attack(&attacks[j]);
		}
		if (!found) {
			fprintf(stderr, "%s: no attack %s (%s list)\n", prog,
				argv[k], prog);
			return EXIT_USAGE;
		}
	}
	printf("%s: %u attacks, %u as promised, %u failed\n", prog, done,
	       done - failed, failed);
	return failed ? EXIT_FAILED : 0;
}
