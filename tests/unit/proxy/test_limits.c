/* SPDX-License-Identifier: MIT */
/*
 * The proxy server's flow control and bounded tables (docs/PROXY.md,
 * "Flow control", "Hostile peers", "Limits"), with proxy/server/session.c
 * against the fake kernel of fake_session.h. Each table is driven to its
 * bound with records and local messages as the peer and local tasks would
 * send them; each test checks the refusal the document promises, the
 * counter, that nothing leaks (send references, ports, out-of-line
 * memory: the fake's accounting), and that the table works again once
 * something was released. Peer A is node 1 (pa).
 */
#include "fake_session.h"

/* ---- what the peer sends ---- */

struct spec {
	uint32_t target; /* our export id; 0: the name service */
	uint32_t msg_id;
	uint32_t question; /* a call's question; 0: one-way */
	const struct px_cap *caps;
	unsigned n_caps;
	uint64_t region; /* bytes of one out-of-line region, 0: none */
	const void *body;
	uint32_t body_len;
};

static void feed(struct peer *p, const uint8_t *buf, int len)
{
	struct px_record r;
	assert_true(len > 0);
	assert_int_equal(px_record_decode(buf, (size_t)len, &r), 0);
	handle_record(p, &r);
}

/* A MSG from p, then its region's chunks. */
static void send_msg(struct peer *p, const struct spec *s)
{
	static uint8_t buf[PX_RECORD_MAX], cb[PX_MSG_CAPS_MAX * PX_CAP_SIZE];
	static uint8_t ob[PX_OOL_SIZE], data[PX_OOL_DATA_MAX];
	static const uint8_t x[8] = "x";

	for (unsigned i = 0; i < s->n_caps; i++)
		assert_int_equal(px_cap_encode(cb + i * PX_CAP_SIZE, PX_USE_CAP,
					       &s->caps[i]),
				 PX_CAP_SIZE);
	struct px_ool o = {s->region, PX_OOL_COPY, 1};
	if (s->region)
		px_ool_encode(ob, &o);
	struct px_msg m = {
	    .msg_id = s->msg_id ? s->msg_id : 0x77,
	    .n_caps = (uint16_t)s->n_caps,
	    .n_ool = s->region ? 1 : 0,
	    .inline_len = s->body ? s->body_len : sizeof(x),
	    .call = s->question,
	    .target = {.kind = PX_CAP_RECEIVER,
		       .right = PX_RIGHT_SEND,
		       .id = s->target},
	    .reply = s->question ? (struct px_cap){.kind = PX_CAP_SENDER,
						   .right = PX_RIGHT_SEND_ONCE,
						   .id = s->question}
				 : (struct px_cap){0},
	    .caps = cb,
	    .ools = ob,
	    .inline_data = s->body ? s->body : x,
	};
	feed(p, buf, px_msg_encode(buf, sizeof(buf), &m));
	memset(data, 0xab, sizeof(data));
	const uint32_t chunk = PX_OOL_DATA_MAX & ~7u;
	for (uint64_t off = 0; off < s->region; off += chunk) {
		uint32_t n = s->region - off < chunk
				 ? (uint32_t)(s->region - off)
				 : chunk;
		feed(p, buf,
		     px_ool_data_encode(buf, sizeof(buf), 1, off, data, n));
	}
}

static void send_one_way(struct peer *p, uint32_t target)
{
	send_msg(p, &(struct spec){.target = target});
}

static struct px_cap sender(uint32_t id)
{
	return (struct px_cap){
	    .kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND, .id = id};
}

static void credit_from(struct peer *p, uint32_t id, uint32_t count)
{
	uint8_t buf[64];
	struct px_pair v = {id, count};
	feed(p, buf, px_credit_encode(buf, sizeof(buf), &v, 1));
}

/* What p's outq holds (taken). */
struct seen {
	unsigned msgs, replies, records;
	uint32_t last_msg_reply; /* the last MSG's question */
	int32_t reply_status;	 /* the last REPLY's rpc status */
	struct {
		uint32_t question, status;
	} dead[8];
	unsigned n_dead;
	struct px_pair released[32];
	unsigned n_released;
	uint32_t credited;
};

static struct seen seen(struct peer *p)
{
	struct seen s = {0};
	struct px_record r;
	struct px_pair v;

	while (take(p, &r)) {
		s.records++;
		switch (r.type) {
		case PX_REC_MSG:
			s.msgs++;
			s.last_msg_reply = r.u.msg.reply.id;
			break;
		case PX_REC_REPLY:
			s.replies++;
			s.reply_status =
			    r.u.reply.msg.inline_len >= 4
				? *(const int32_t *)r.u.reply.msg.inline_data
				: 0;
			break;
		case PX_REC_ANSWER_DEAD:
			if (s.n_dead < 8) {
				s.dead[s.n_dead].question =
				    r.u.answer_dead.question;
				s.dead[s.n_dead].status =
				    r.u.answer_dead.status;
			}
			s.n_dead++;
			break;
		case PX_REC_RELEASE:
			for (unsigned i = 0; i < r.u.list.count; i++) {
				px_record_pair(&r, i, &v);
				if (s.n_released < 32)
					s.released[s.n_released] = v;
				s.n_released++;
			}
			break;
		case PX_REC_CREDIT:
			for (unsigned i = 0; i < r.u.list.count; i++) {
				px_record_pair(&r, i, &v);
				s.credited += v.count;
			}
			break;
		default:
			break;
		}
	}
	return s;
}

static bool released(const struct seen *s, uint32_t id, uint32_t count)
{
	for (unsigned i = 0; i < s->n_released && i < 32; i++)
		if (s->released[i].id == id && s->released[i].count == count)
			return true;
	return false;
}

static int32_t status_of(const struct uk_msg_header *h)
{
	return ((const struct uk_rpc_status *)uk_msg_body(h))->status;
}

/* An export of a new server right to p. */
static uint32_t export_new(struct peer *p, uk_name_t *right)
{
	uk_name_t r = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(p, r);
	assert_non_null(e);
	if (right)
		*right = r;
	return e->id;
}

/* The same right sent to p again (a descriptor more). */
static void export_again(struct peer *p, uk_name_t right)
{
	assert_int_equal(uk_port_insert_right(right, UK_DISP_COPY_SEND), 0);
	assert_non_null(export_get(p, right));
}

static unsigned used_imports(const struct peer *p)
{
	return count_used(p->imports, sizeof(struct import), IMPORTS_MAX);
}

static unsigned used_exports(const struct peer *p)
{
	return count_used(p->exports, sizeof(struct export), EXPORTS_MAX);
}

static unsigned used_answers(const struct peer *p)
{
	return count_used(p->answers, sizeof(struct answer), ANSWERS_MAX);
}

static unsigned used_questions(const struct peer *p)
{
	return count_used(p->questions, sizeof(struct question), QUESTIONS_MAX);
}

/* The message last sent went to an answer port (a refusal's status): the
 * kernel delivers it there and the proxy forwards it as REPLY. */
static void answer_last(struct peer *p)
{
	uint16_t slot;
	uint32_t ai;
	assert_true(map_find_port(last_to, MAP_ANSWER, &slot, &ai));
	assert_int_equal(slot, peer_slot(p));
	peer_local_answer(p, ai, &last_sent.h);
}

/* The server answers the call last delivered (through its reply right,
 * a send-once right to one of our answer ports). */
static void answer_call(struct peer *p)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[128];
	} m;
	uint16_t slot;
	uint32_t ai;
	assert_int_equal(last_sent.h.reply_disposition, UK_DISP_MAKE_SEND_ONCE);
	assert_true(map_find_port(last_sent.h.reply, MAP_ANSWER, &slot, &ai));
	assert_int_equal(slot, peer_slot(p));
	memset(&m, 0, sizeof(m));
	m.h.id = last_sent.h.id;
	m.h.size = sizeof(m.h) + sizeof(struct uk_rpc_status);
	peer_local_answer(p, ai, &m.h);
}

/* ---- flow control ---- */

/* The peer's import starts with CREDITS_INITIAL: within it, messages are
 * delivered; one more is refused at once and counted (over_credit): not
 * delivered, its question answered ANSWER_DEAD ERR_LIMIT, its right given
 * back (RELEASE), its region's chunks taken without memory, no credit
 * back for it, the session goes on. CREDIT we send lets it go on. */
/* A MSG that crossed our PORT_DEAD on the wire is refused with ERR_DEAD
 * (its rights come back, the session goes on); the slot's next export has
 * another id, which the old one never reaches; an id never exported still
 * ends the session. */
static void test_msg_crossing_port_dead(void **state)
{
	(void)state;
	uk_name_t server;
	uint32_t id = export_new(pa, &server);

	peer_export_died(pa, (id & EXPORT_SLOT_MASK) - 1);
	(void)seen(pa); /* the PORT_DEAD */
	uint32_t id2 = export_new(pa, NULL);
	assert_int_not_equal(id2, id);
	assert_int_equal(id2 & EXPORT_SLOT_MASK, id & EXPORT_SLOT_MASK);
	struct px_cap caps[1] = {sender(600)};
	send_msg(pa, &(struct spec){.target = id,
				    .question = 5,
				    .caps = caps,
				    .n_caps = 1,
				    .region = 3000});
	assert_int_equal(n_sent, 0); /* not to the slot's new port */
	assert_int_equal(pa->c.msgs_to_dead, 1);
	assert_int_equal(pa->c.bad_records, 0);
	assert_int_equal(vm_live, 0);
	assert_false(pa->as.active);
	struct seen s = seen(pa);
	assert_int_equal(s.n_dead, 1);
	assert_int_equal(s.dead[0].question, 5);
	assert_int_equal(s.dead[0].status, ERR_DEAD);
	assert_true(released(&s, 600, 1));
	send_one_way(pa, id2);
	assert_int_equal(n_sent, 1);
	assert_int_equal(pa->c.bad_records, 0);
	send_one_way(pa, id2 + (7u << 16)); /* a generation never used */
	assert_int_equal(n_sent, 1);
	assert_int_equal(pa->c.bad_records, 1);
}

static void test_beyond_credit_refused(void **state)
{
	(void)state;
	uk_name_t server;
	uint32_t id = export_new(pa, &server);
	unsigned names0 = names_live();
	struct px_cap caps[2] = {
	    sender(500),
	    {.kind = PX_CAP_RECEIVER, .right = PX_RIGHT_SEND, .id = id}};

	for (unsigned i = 0; i < CREDITS_INITIAL; i++)
		send_one_way(pa, id);
	assert_int_equal(n_sent, CREDITS_INITIAL);
	send_msg(pa, &(struct spec){.target = id,
				    .question = 9,
				    .caps = caps,
				    .n_caps = 2,
				    .region = 10000});
	assert_int_equal(n_sent, CREDITS_INITIAL);
	assert_int_equal(pa->c.over_credit, 1);
	assert_int_equal(pa->c.bad_records, 0);
	assert_int_equal(vm_live, 0);
	assert_false(pa->as.active);
	assert_int_equal(used_answers(pa), 0);
	assert_int_equal(used_imports(pa), 0);
	assert_int_equal(pa->credits_owed, CREDITS_INITIAL);
	assert_int_equal(names_live(), names0);
	assert_int_equal(refs_of(server), 1);
	struct seen s = seen(pa);
	assert_int_equal(s.n_dead, 1);
	assert_int_equal(s.dead[0].question, 9);
	assert_int_equal(s.dead[0].status, ERR_LIMIT);
	assert_true(released(&s, 500, 1));

	/* The credit goes back: as many again, with a region, then no more. */
	send_credits(pa);
	assert_int_equal(seen(pa).credited, CREDITS_INITIAL);
	for (unsigned i = 0; i < CREDITS_INITIAL; i++)
		send_msg(pa, &(struct spec){.target = id, .region = 5000});
	assert_int_equal(n_sent, 2 * CREDITS_INITIAL);
	assert_int_equal(sent[CREDITS_INITIAL].h.n_ool, 1);
	assert_int_equal(uk_msg_ools(&sent[CREDITS_INITIAL].h)[0].size, 5000);
	assert_int_equal(vm_live, 0); /* moved to the server */
	send_one_way(pa, id);
	assert_int_equal(n_sent, 2 * CREDITS_INITIAL);
	assert_int_equal(pa->c.over_credit, 2);
	assert_int_equal(pa->c.bad_records, 0);
}

/* Credit we sent reaches the import only if it follows the descriptor
 * that began it: an id sent again while the peer's RELEASE is on its way
 * begins a fresh import with CREDITS_INITIAL, plus the CREDIT sent after
 * that descriptor (here 8: the old import's messages, credited late). */
static void test_resent_id_credit_after(void **state)
{
	(void)state;
	uk_name_t server;
	uint32_t id = export_new(pa, &server);

	for (unsigned i = 0; i < CREDITS_INITIAL; i++)
		send_one_way(pa, id);
	export_again(pa, server); /* the second descriptor */
	send_credits(pa);	  /* after it: the new import gets it */
	release(pa, id, 1);	  /* the first import took one */
	assert_int_equal(pa->exports[id - 1].refs, 1);
	for (unsigned i = 0; i < 2 * CREDITS_INITIAL; i++)
		send_one_way(pa, id);
	assert_int_equal(pa->c.over_credit, 0);
	assert_int_equal(n_sent, 3 * CREDITS_INITIAL);
	send_one_way(pa, id);
	assert_int_equal(pa->c.over_credit, 1);
}

/* The same, with the CREDIT before the second descriptor: the old import
 * may use it until its RELEASE, the new one starts with CREDITS_INITIAL
 * only. */
static void test_resent_id_credit_before(void **state)
{
	(void)state;
	uk_name_t server;
	uint32_t id = export_new(pa, &server);

	for (unsigned i = 0; i < CREDITS_INITIAL; i++)
		send_one_way(pa, id);
	send_credits(pa);
	export_again(pa, server);
	for (unsigned i = 0; i < 3; i++) /* the old import, on the credit */
		send_one_way(pa, id);
	release(pa, id, 1);
	for (unsigned i = 0; i < CREDITS_INITIAL; i++)
		send_one_way(pa, id);
	assert_int_equal(pa->c.over_credit, 0);
	send_one_way(pa, id);
	assert_int_equal(pa->c.over_credit, 1);
	assert_int_equal(n_sent, 2 * CREDITS_INITIAL + 3);
}

/* More descriptors out than marks, with credit between each: the count
 * may allow more than exact, never less (a correct peer is never
 * refused). Seven descriptors, a CREDIT after each; the peer releases 1,
 * then 5: its import began at the 7th and has CREDITS_INITIAL + the one
 * credit sent after it. */
static void test_resent_id_many(void **state)
{
	(void)state;
	uk_name_t server;
	uint32_t id = export_new(pa, &server);

	for (unsigned k = 0; k < 7; k++) {
		if (k)
			export_again(pa, server);
		send_one_way(pa, id);
		send_credits(pa);
	}
	assert_int_equal(pa->exports[id - 1].refs, 7);
	release(pa, id, 1);
	release(pa, id, 5);
	for (unsigned i = 0; i < CREDITS_INITIAL + 1; i++)
		send_one_way(pa, id);
	assert_int_equal(pa->c.over_credit, 0);
	assert_int_equal(pa->c.bad_records, 0);
}

/* A peer that released every descriptor has no import: a MSG to the id
 * (kept alive here by a hand-off provision) is beyond any credit. */
static void test_released_id_has_no_credit(void **state)
{
	(void)state;
	uk_name_t server;
	uint32_t id = export_new(pa, &server);

	provide_in(pa, 0x77, id, 2);
	release(pa, id, 1);
	assert_true(pa->exports[id - 1].used);
	send_one_way(pa, id);
	assert_int_equal(n_sent, 0);
	assert_int_equal(pa->c.over_credit, 1);
	assert_int_equal(pa->c.bad_records, 0);
	/* And a RELEASE beyond what was sent resets, provisions or not. */
	release(pa, id, 1);
	assert_int_equal(pa->c.bad_records, 1);
}

/* Export 0 (the name service) has no credit: a request to it must be a
 * call, so the answers table bounds them; a one-way one resets. */
static void test_name_service_needs_a_question(void **state)
{
	(void)state;
	struct uk_name_req rq = {.name = "fs"};

	send_msg(pa, &(struct spec){.msg_id = NAME_LOOKUP,
				    .question = 1,
				    .body = &rq,
				    .body_len = sizeof(rq)});
	assert_int_equal(n_sent, 1);
	assert_int_equal(pa->c.bad_records, 0);
	send_msg(pa, &(struct spec){.msg_id = NAME_LOOKUP,
				    .body = &rq,
				    .body_len = sizeof(rq)});
	assert_int_equal(n_sent, 1);
	assert_int_equal(pa->c.bad_records, 1);
}

/* ANSWER_DEAD ERR_LIMIT to one of our questions: the peer refused it, so
 * our caller hears ERR_LIMIT (it did not run); ERR_DEAD: its reply right
 * dies (it may have run). */
static void test_answer_dead_limit_reaches_the_caller(void **state)
{
	(void)state;
	static union {
		struct uk_msg_header h;
		uint8_t bytes[256];
	} m;
	uk_name_t reply[2];
	uint8_t buf[64];

	for (unsigned i = 0; i < 2; i++) {
		reply[i] = fake_new(UK_RIGHT_SEND_ONCE, 1);
		memset(&m, 0, sizeof(m));
		m.h.id = NAME_LOOKUP;
		m.h.reply = reply[i];
		m.h.size = sizeof(m.h) + sizeof(struct uk_name_req);
		peer_resolve(pa, &m.h);
	}
	assert_int_equal(used_questions(pa), 2);
	feed(pa, buf, px_answer_dead_encode(buf, sizeof(buf), 1, ERR_LIMIT));
	assert_int_equal(n_sent, 1);
	assert_int_equal(status_of(&last_sent.h), -ERR_LIMIT);
	assert_int_equal(refs_of(reply[0]), 0);
	feed(pa, buf, px_answer_dead_encode(buf, sizeof(buf), 2, ERR_DEAD));
	assert_int_equal(n_sent, 1);
	assert_int_equal(refs_of(reply[1]), 0);
	assert_int_equal(used_questions(pa), 0);
	assert_int_equal(pa->c.bad_records, 0);
}

/* ---- tables at their bounds ---- */

/* Imports: rights from the peer fill the table (within credits); a
 * message with rights that find it full is refused whole: each such
 * right goes back at once (RELEASE), the imports made for its other
 * rights are armed so their no-senders releases them, the call is
 * answered ERR_LIMIT, its credit comes back; counted in limited. Once an
 * import is released the table takes rights again. */
static void test_imports_bound(void **state)
{
	(void)state;
	uint32_t id = export_new(pa, NULL);
	struct px_cap caps[PX_MSG_CAPS_MAX];
	uint32_t next = 1000;

	for (unsigned k = 0; k < IMPORTS_MAX / PX_MSG_CAPS_MAX; k++) {
		if (k && k % CREDITS_INITIAL == 0)
			send_credits(pa);
		for (unsigned i = 0; i < PX_MSG_CAPS_MAX; i++)
			caps[i] = sender(next++);
		send_msg(pa, &(struct spec){.target = id,
					    .caps = caps,
					    .n_caps = PX_MSG_CAPS_MAX});
	}
	assert_int_equal(used_imports(pa), IMPORTS_MAX);
	assert_int_equal(pa->c.limited, 0);
	seen(pa);
	send_credits(pa);
	unsigned sent0 = n_sent, owed0 = pa->credits_owed;

	caps[0] = sender(5000);
	caps[1] = sender(5001);
	send_msg(pa,
		 &(struct spec){
		     .target = id, .question = 7, .caps = caps, .n_caps = 2});
	assert_int_equal(pa->c.limited, 2);
	assert_int_equal(n_sent, sent0 + 1); /* only the answer */
	assert_int_equal(status_of(&last_sent.h), -ERR_LIMIT);
	assert_int_equal(pa->credits_owed, owed0 + 1);
	struct seen s = seen(pa);
	assert_true(released(&s, 5000, 1) && released(&s, 5001, 1));
	answer_last(pa); /* the server side of the refusal: REPLY{7} */
	s = seen(pa);
	assert_int_equal(s.replies, 1);
	assert_int_equal(s.reply_status, -ERR_LIMIT);
	assert_int_equal(used_answers(pa), 0);

	/* One released: room for one. A message with two new rights takes
	 * it for the first, is refused for the second, and the first's
	 * import is armed (nobody holds it: released at once). */
	uint32_t index;
	assert_non_null(import_by_id(pa, 1000, &index));
	peer_no_senders(pa, index, 0);
	assert_true(released((s = seen(pa), &s), 1000, 1));
	assert_int_equal(used_imports(pa), IMPORTS_MAX - 1);
	caps[0] = sender(6000);
	caps[1] = sender(6001);
	send_msg(pa, &(struct spec){.target = id, .caps = caps, .n_caps = 2});
	assert_int_equal(pa->c.limited, 3);
	struct import *im = import_by_id(pa, 6000, &index);
	assert_non_null(im);
	assert_true(im->armed);
	peer_no_senders(pa, index, 0);
	s = seen(pa);
	assert_true(released(&s, 6000, 1) && released(&s, 6001, 1));
	assert_int_equal(used_imports(pa), IMPORTS_MAX - 1);

	/* The table works again. */
	sent0 = n_sent;
	caps[0] = sender(7000);
	send_msg(pa, &(struct spec){.target = id, .caps = caps, .n_caps = 1});
	assert_int_equal(n_sent, sent0 + 1);
	assert_int_equal(used_imports(pa), IMPORTS_MAX);
	assert_int_equal(pa->c.limited, 3);
	assert_int_equal(pa->c.bad_records, 0);
}

/* A local message on proxy port `index` of pa carrying rights[0..n) and
 * a send-once reply right if `reply`. */
static void local_message(uint32_t index, const uk_name_t *rights, unsigned n,
			  uk_name_t reply)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[UK_MSG_SIZE_MAX];
	} m;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = 0x55;
	m.h.reply = reply;
	m.h.n_ports = (uint16_t)n;
	for (unsigned i = 0; i < n; i++)
		uk_msg_ports(&m.h)[i] =
		    (struct uk_msg_port){rights[i], UK_RIGHT_SEND};
	m.h.size = (uint32_t)((uint8_t *)uk_msg_body(&m.h) - m.bytes) + 8;
	peer_local_message(pa, index, &m.h);
}

/* Exports: our rights sent to the peer fill the table; a local message
 * needing more is refused ERR_LIMIT to its sender, and every right it
 * carried is accounted for: the exports made for it before the full
 * table are undone (a right already exported keeps its count), the rest
 * released once; counted in limited. A RELEASE makes room again. */
static void test_exports_bound(void **state)
{
	(void)state;
	struct import *im = import_get(pa, 77);
	uint32_t index = (uint32_t)(im - pa->imports);
	uk_name_t rights[PX_MSG_CAPS_MAX], first = 0;

	for (unsigned k = 0; k < EXPORTS_MAX / PX_MSG_CAPS_MAX; k++) {
		if (k && k % CREDITS_INITIAL == 0)
			credit_from(pa, 77, CREDITS_INITIAL);
		for (unsigned i = 0; i < PX_MSG_CAPS_MAX; i++)
			rights[i] = fake_new(UK_RIGHT_SEND, 1);
		if (!k)
			first = rights[0];
		local_message(index, rights, PX_MSG_CAPS_MAX, 0);
	}
	assert_int_equal(used_exports(pa), EXPORTS_MAX);
	assert_int_equal(seen(pa).msgs, EXPORTS_MAX / PX_MSG_CAPS_MAX);
	credit_from(pa, 77, CREDITS_INITIAL);

	/* Full: a right exported already, and two new ones, in a call. */
	uint32_t id_first;
	assert_true(map_get(first, MAP_EXPORT, peer_slot(pa), &id_first));
	struct export *e = &pa->exports[id_first];
	uint32_t refs0 = e->refs, sent0 = e->sent;
	assert_int_equal(uk_port_insert_right(first, UK_DISP_COPY_SEND), 0);
	rights[0] = first;
	rights[1] = fake_new(UK_RIGHT_SEND, 1);
	rights[2] = fake_new(UK_RIGHT_SEND, 1);
	uk_name_t caller = fake_new(UK_RIGHT_SEND_ONCE, 1);
	local_message(index, rights, 3, caller);
	assert_int_equal(pa->c.limited, 1);
	assert_int_equal(status_of(&last_sent.h), -ERR_LIMIT);
	assert_int_equal(refs_of(caller), 0);
	assert_int_equal(e->refs, refs0);
	assert_int_equal(e->sent, sent0);
	assert_int_equal(refs_of(first), 1); /* the export's */
	assert_int_equal(refs_of(rights[1]), 0);
	assert_int_equal(refs_of(rights[2]), 0);
	assert_int_equal(used_questions(pa), 0);
	assert_int_equal(seen(pa).msgs, 0);

	/* Two released: a message with three new rights exports two, finds
	 * the table full, and undoes them. */
	release(pa, 1, 1);
	release(pa, 2, 1);
	assert_int_equal(used_exports(pa), EXPORTS_MAX - 2);
	for (unsigned i = 0; i < 3; i++)
		rights[i] = fake_new(UK_RIGHT_SEND, 1);
	local_message(index, rights, 3, 0);
	assert_int_equal(pa->c.limited, 2);
	assert_int_equal(used_exports(pa), EXPORTS_MAX - 2);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(refs_of(rights[i]), 0);
	assert_int_equal(seen(pa).msgs, 0);

	/* A send right as the reply takes one, a right in it the other, the
	 * next finds the table full: both undone. */
	uk_name_t reply = fake_new(UK_RIGHT_SEND, 1);
	for (unsigned i = 0; i < 2; i++)
		rights[i] = fake_new(UK_RIGHT_SEND, 1);
	local_message(index, rights, 2, reply);
	assert_int_equal(pa->c.limited, 3);
	assert_int_equal(used_exports(pa), EXPORTS_MAX - 2);
	assert_int_equal(refs_of(reply), 0);
	assert_int_equal(refs_of(rights[0]), 0);
	assert_int_equal(refs_of(rights[1]), 0);

	/* Two fit. */
	rights[0] = fake_new(UK_RIGHT_SEND, 1);
	rights[1] = fake_new(UK_RIGHT_SEND, 1);
	local_message(index, rights, 2, 0);
	assert_int_equal(used_exports(pa), EXPORTS_MAX);
	assert_int_equal(seen(pa).msgs, 1);
	assert_int_equal(refs_of(rights[0]), 1);
	assert_int_equal(pa->c.limited, 3);
}

static void lookup(struct peer *p, uk_name_t reply)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[256];
	} m;
	memset(&m, 0, sizeof(m));
	m.h.id = NAME_LOOKUP;
	m.h.reply = reply;
	m.h.size = sizeof(m.h) + sizeof(struct uk_name_req);
	peer_resolve(p, &m.h);
}

/* Questions: our calls waiting for the peer fill the table; one more is
 * answered ERR_LIMIT at once (it never left); counted in limited. A
 * REPLY frees a question for the next call. */
static void test_questions_bound(void **state)
{
	(void)state;
	uk_name_t callers[QUESTIONS_MAX];
	uint8_t buf[256];

	for (unsigned i = 0; i < QUESTIONS_MAX; i++)
		lookup(pa, callers[i] = fake_new(UK_RIGHT_SEND_ONCE, 1));
	assert_int_equal(used_questions(pa), QUESTIONS_MAX);
	assert_int_equal(seen(pa).msgs, QUESTIONS_MAX);
	uk_name_t extra = fake_new(UK_RIGHT_SEND_ONCE, 1);
	lookup(pa, extra);
	assert_int_equal(pa->c.limited, 1);
	assert_int_equal(n_sent, 1);
	assert_int_equal(status_of(&last_sent.h), -ERR_LIMIT);
	assert_int_equal(refs_of(extra), 0);
	assert_int_equal(seen(pa).msgs, 0);
	/* A call through an import, the same. */
	struct import *im = import_get(pa, 77);
	extra = fake_new(UK_RIGHT_SEND_ONCE, 1);
	local_message((uint32_t)(im - pa->imports), NULL, 0, extra);
	assert_int_equal(pa->c.limited, 2);
	assert_int_equal(n_sent, 2);
	assert_int_equal(status_of(&last_sent.h), -ERR_LIMIT);
	assert_int_equal(refs_of(extra), 0);
	assert_int_equal(seen(pa).msgs, 0);
	assert_int_equal(im->credits, CREDITS_INITIAL);

	static const int32_t ok[2];
	struct px_msg m = {.msg_id = NAME_LOOKUP,
			   .inline_len = sizeof(ok),
			   .inline_data = (const uint8_t *)ok};
	feed(pa, buf, px_reply_encode(buf, sizeof(buf), 5, &m));
	assert_int_equal(n_sent, 3);
	assert_int_equal(refs_of(callers[4]), 0);
	assert_int_equal(used_questions(pa), QUESTIONS_MAX - 1);
	lookup(pa, fake_new(UK_RIGHT_SEND_ONCE, 1));
	struct seen s = seen(pa);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.last_msg_reply, 5);
	assert_int_equal(pa->c.limited, 2);
}

/* Answers: the peer's calls waiting for our servers fill the table; one
 * more is refused whole: not delivered, ANSWER_DEAD ERR_LIMIT, its
 * rights back, its credit back; counted in limited. An answer frees a
 * slot for the next call. */
static void test_answers_bound(void **state)
{
	(void)state;
	struct uk_name_req rq = {.name = "fs"};
	uint32_t id = export_new(pa, NULL);

	for (unsigned i = 0; i < ANSWERS_MAX; i++)
		send_msg(pa, &(struct spec){.msg_id = NAME_LOOKUP,
					    .question = i + 1,
					    .body = &rq,
					    .body_len = sizeof(rq)});
	assert_int_equal(used_answers(pa), ANSWERS_MAX);
	assert_int_equal(n_sent, ANSWERS_MAX);
	unsigned names0 = names_live();

	send_msg(pa, &(struct spec){.msg_id = NAME_LOOKUP,
				    .question = 900,
				    .body = &rq,
				    .body_len = sizeof(rq)});
	struct px_cap cap = sender(42);
	send_msg(pa, &(struct spec){.target = id,
				    .question = 901,
				    .caps = &cap,
				    .n_caps = 1,
				    .region = 3000});
	assert_int_equal(n_sent, ANSWERS_MAX);
	assert_int_equal(pa->c.limited, 2);
	assert_int_equal(vm_live, 0);
	assert_int_equal(names_live(), names0);
	assert_int_equal(used_imports(pa), 0);
	assert_int_equal(pa->credits_owed, 1); /* the call to the export */
	struct seen s = seen(pa);
	assert_int_equal(s.n_dead, 2);
	assert_int_equal(s.dead[0].question, 900);
	assert_int_equal(s.dead[0].status, ERR_LIMIT);
	assert_int_equal(s.dead[1].question, 901);
	assert_true(released(&s, 42, 1));

	answer_call(pa);
	assert_int_equal(seen(pa).replies, 1);
	assert_int_equal(used_answers(pa), ANSWERS_MAX - 1);
	send_msg(pa, &(struct spec){.msg_id = NAME_LOOKUP,
				    .question = 902,
				    .body = &rq,
				    .body_len = sizeof(rq)});
	assert_int_equal(n_sent, ANSWERS_MAX + 1);
	assert_int_equal(used_answers(pa), ANSWERS_MAX);
	assert_int_equal(pa->c.bad_records, 0);
}

/* Pending deliveries: within their credits (8 per export: 9 exports),
 * the peer's calls to servers whose queues are full wait, PENDING_MAX of
 * them; the rest are refused ERR_LIMIT through their answer ports (the
 * peer's callers get it as the reply: not run), with what they carried
 * released (their import armed, their region freed) and their credit
 * back; counted in limited, and the session goes on. Once the queues
 * take messages, the waiting ones are delivered and the list takes more. */
static void test_pending_bound(void **state)
{
	(void)state;
	enum { SERVERS = 9 };
	uk_name_t servers[SERVERS];
	uint32_t ids[SERVERS];
	const unsigned n = SERVERS * CREDITS_INITIAL;

	for (unsigned k = 0; k < SERVERS; k++) {
		ids[k] = export_new(pa, &servers[k]);
		fake(servers[k])->full = true;
	}
	for (unsigned i = 0; i < n; i++) {
		struct px_cap cap = sender(100 + i);
		send_msg(pa, &(struct spec){.target = ids[i % SERVERS],
					    .question = i + 1,
					    .caps = &cap,
					    .n_caps = 1,
					    .region = 100});
	}
	assert_int_equal(pa->n_pending, PENDING_MAX);
	assert_int_equal(pa->c.limited, n - PENDING_MAX);
	assert_int_equal(pa->c.over_credit, 0);
	assert_int_equal(pa->c.bad_records, 0);
	assert_int_equal(vm_live, PENDING_MAX); /* the waiting ones' regions */
	assert_int_equal(pa->credits_owed, n - PENDING_MAX);
	assert_int_equal(n_sent, n - PENDING_MAX); /* the refusals' answers */
	for (unsigned i = 0; i < n - PENDING_MAX; i++) {
		assert_int_equal(status_of(&sent[i].h), -ERR_LIMIT);
		uint32_t index;
		struct import *im =
		    import_by_id(pa, 100 + PENDING_MAX + i, &index);
		assert_non_null(im);
		assert_true(im->armed); /* nobody holds it: released at once */
	}
	answer_last(pa); /* one refusal's answer reaches the peer */
	assert_int_equal(seen(pa).replies, 1);
	assert_int_equal(used_answers(pa), n - 1);

	for (unsigned k = 0; k < SERVERS; k++)
		fake(servers[k])->full = false;
	now += 10;
	peer_tick(pa);
	assert_int_equal(pa->n_pending, 0);
	assert_int_equal(vm_live, 0);
	assert_int_equal(n_sent, n);
	assert_int_equal(seen(pa).credited, n);
	send_one_way(pa, ids[0]);
	assert_int_equal(n_sent, n + 1);
	assert_int_equal(pa->c.limited, n - PENDING_MAX);
}

/* A region the proxy cannot allocate (its quota) arrives empty, as the
 * kernel delivers one a receiver has no room for: its chunks are taken
 * and dropped, the session goes on. */
static void test_region_without_memory(void **state)
{
	(void)state;
	uint32_t id = export_new(pa, NULL);

	vm_fail = true;
	send_msg(pa, &(struct spec){.target = id, .region = 20000});
	assert_int_equal(pa->c.bad_records, 0);
	assert_int_equal(n_sent, 1);
	assert_int_equal(sent[0].h.n_ool, 1);
	assert_int_equal(uk_msg_ools(&sent[0].h)[0].size, 0);
	vm_fail = false;
	send_msg(pa, &(struct spec){.target = id, .region = 20000});
	assert_int_equal(n_sent, 2);
	assert_int_equal(uk_msg_ools(&sent[1].h)[0].size, 20000);
	assert_int_equal(vm_live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_beyond_credit_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_msg_crossing_port_dead, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resent_id_credit_after, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resent_id_credit_before, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resent_id_many, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_released_id_has_no_credit,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_name_service_needs_a_question,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_answer_dead_limit_reaches_the_caller, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_imports_bound, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_exports_bound, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_questions_bound, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_answers_bound, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_pending_bound, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_region_without_memory, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
