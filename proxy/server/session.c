/* SPDX-License-Identifier: MIT */
/*
 * A peer: the link to another node's proxy, the tables of a session
 * (imports, exports, questions, answers) and the translation between
 * local messages and records (docs/PROXY.md, "Proxy tables", "Calls").
 *
 * Records go into the peer's outq and from there into the link while the
 * link is UP; a session's end empties the outq, so no record of an old
 * session ever reaches a new one. Questions remember how far into the
 * outq their MSG went, so at a session's end each is sorted into "not
 * run" (the end of its MSG and memory never left in a frame, so the peer
 * cannot have it: answered ERR_UNREACHABLE, safe to retry) or "may have
 * run" (its reply right is destroyed: the caller sees ERR_DEAD). A frame
 * that was sent but not acknowledged counts as "may have run": the peer
 * may have taken it and lost only its acknowledgement.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/name.h>
#include <uk/proto/rpc.h>

#include "proxy.h"

struct peer *peers[PEERS_MAX];

static uint8_t rec[PX_RECORD_MAX]; /* one record being encoded */
static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} out; /* one local message being built */

uint16_t peer_slot(const struct peer *p)
{
	for (uint16_t i = 0; i < PEERS_MAX; i++)
		if (peers[i] == p)
			return i;
	return 0xffff;
}

/* ---- the outq and the link ---- */

static void send_credits(struct peer *p);

/* Hands the outq to the link as far as its window allows. Credit owed
 * rides along with whatever goes anyway, so a call's reply and the
 * credit for its request share a frame. */
static void flush(struct peer *p)
{
	if (px_link_state(&p->link) != PX_LINK_UP) {
		if (p->out_len)
			px_link_connect(&p->link, now_ms());
		return;
	}
	if (p->credits_owed && p->out_len)
		send_credits(p);
	uint32_t done = 0;
	while (done < p->out_len) {
		size_t n = px_link_send(&p->link, p->outq + p->out_head + done,
					p->out_len - done, now_ms());
		if (!n)
			break;
		done += (uint32_t)n;
	}
	p->out_head += done;
	p->out_len -= done;
	p->out_flushed += done;
	if (!p->out_len)
		p->out_head = 0;
}

/* Room for len more bytes in the outq? */
static bool room(const struct peer *p, uint32_t len)
{
	return p->out_len + len <= OUTQ_MAX;
}

static bool append(struct peer *p, const uint8_t *bytes, uint32_t len)
{
	if (!room(p, len))
		return false;
	/* Bytes leave from the head and arrive at the tail; move them to the
	 * front only when the tail would pass the end, not at every send (a
	 * megabyte moved per acknowledgement was most of a bulk reply's
	 * cost). */
	if (p->out_head + p->out_len + len > OUTQ_MAX) {
		memmove(p->outq, p->outq + p->out_head, p->out_len);
		p->out_head = 0;
	}
	memcpy(p->outq + p->out_head + p->out_len, bytes, len);
	p->out_len += len;
	p->out_total += len;
	return true;
}

/* ---- callbacks of the link ---- */

static void link_output(void *ctx, const uint8_t *frame, size_t len)
{
	struct peer *p = ctx;
	net_send(p->addr, p->port, frame, (uint32_t)len);
}

static void handle_record(struct peer *p, const struct px_record *r);

static void link_deliver(void *ctx, const uint8_t *bytes, size_t len)
{
	struct peer *p = ctx;
	struct px_record r;

	while (px_link_state(&p->link) == PX_LINK_UP) {
		int rc = px_stream_next(&p->stream, &bytes, &len, &r);
		if (rc == 0)
			return;
		if (rc < 0) {
			printf("proxy: node %u sent a bad record (%s): session reset\n",
			       p->node, px_error_str(rc));
			p->c.bad_records++;
			px_link_abort(&p->link, now_ms());
			return;
		}
		handle_record(p, &r);
	}
}

static void session_start(void *ctx, uint64_t peer_epoch)
{
	struct peer *p = ctx;
	(void)peer_epoch;
	p->link_base = p->out_flushed;
	printf("proxy: node %u: link up\n", p->node);
}

static void end_session(struct peer *p, enum px_link_end reason);

static void session_end(void *ctx, enum px_link_end reason)
{
	end_session(ctx, reason);
}

struct peer *peer_get(uint16_t node, bool create)
{
	unsigned free_slot = PEERS_MAX;

	if (!node || node > PX_NODE_MAX || node == self_node)
		return NULL;
	for (unsigned i = 0; i < PEERS_MAX; i++) {
		if (peers[i] && peers[i]->node == node)
			return peers[i];
		if (!peers[i] && free_slot == PEERS_MAX)
			free_slot = i;
	}
	/* Node N is the base address + N (the cluster's DHCP plan); the host
	 * joins as node PX_NODE_MAX. */
	unsigned last = node == PX_NODE_MAX ? host_addr[3] : net_base[3] + node;
	if (!create || free_slot == PEERS_MAX || last > 254)
		return NULL;
	struct peer *p = calloc(1, sizeof(*p));
	uint8_t *q = p ? malloc(OUTQ_MAX) : NULL;
	if (!q) {
		free(p);
		return NULL;
	}
	p->used = true;
	p->node = node;
	p->outq = q;
	memcpy(p->addr, node == PX_NODE_MAX ? host_addr : net_base, 3);
	p->addr[3] = (uint8_t)last;
	p->port = PROXY_UDP_PORT;
	struct px_link_config cfg = {
		.self_node = self_node,
		.peer_node = node,
		.boot_epoch = boot_epoch,
		.deadline_ms = deadline_ms,
	};
	struct px_link_ops ops = {
		.ctx = p,
		.output = link_output,
		.deliver = link_deliver,
		.session_start = session_start,
		.session_end = session_end,
	};
	px_link_init(&p->link, &cfg, &ops);
	px_stream_reset(&p->stream);
	peers[free_slot] = p;
	return p;
}

void peer_input(struct peer *p, const uint8_t *frame, uint32_t len)
{
	px_link_input(&p->link, frame, len, now_ms());
	flush(p);
}

/* ---- tables ---- */

static struct import *import_by_id(struct peer *p, uint32_t id, uint32_t *index)
{
	for (uint32_t i = 0; i < IMPORTS_MAX; i++)
		if (p->imports[i].used && p->imports[i].id == id) {
			if (index)
				*index = i;
			return &p->imports[i];
		}
	return NULL;
}

static struct export *export_by_id(struct peer *p, uint32_t id)
{
	uint32_t slot = id & EXPORT_SLOT_MASK;

	if (!slot || slot > EXPORTS_MAX || !p->exports[slot - 1].used ||
	    p->exports[slot - 1].id != id)
		return NULL;
	return &p->exports[slot - 1];
}

static void import_drop(struct peer *p, uint32_t i)
{
	struct import *im = &p->imports[i];
	map_del(im->port, MAP_IMPORT, peer_slot(p));
	/* Every local holder now has a dead name, with its notice. */
	uk_port_destroy(im->port);
	memset(im, 0, sizeof(*im));
}

/* id named the export in its slot just before the current one, and that
 * one ended by its port's death. */
static bool export_crossed_death(const struct peer *p, uint32_t id)
{
	uint32_t slot = id & EXPORT_SLOT_MASK;

	return slot && slot <= EXPORTS_MAX && p->export_died[slot - 1] &&
	       (uint16_t)((id >> 16) + 1) == p->export_gen[slot - 1];
}

static void export_drop(struct peer *p, struct export *e)
{
	p->export_died[e - p->exports] = false;
	p->export_gen[e - p->exports]++;
	map_del(e->right, MAP_EXPORT, peer_slot(p));
	uk_port_deallocate(e->right);
	memset(e, 0, sizeof(*e));
}

/* Answer ports whose send-once right is used up (the reply came through
 * it, or the kernel said it died) stay in the port set for the next
 * question, instead of a destroy, an allocate and a port-set add per
 * remote call on the serving node. A port whose
 * right may still be out there (the session ended before the reply) is
 * destroyed, so no late reply can answer a later question. */
#define ANSWER_POOL 32u
static void answer_died(struct peer *p, uint32_t index, bool used_up);
static uk_name_t answer_pool[ANSWER_POOL];
static unsigned answer_pooled;

static long answer_port(void)
{
	if (answer_pooled)
		return (long)answer_pool[--answer_pooled];
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (port > 0)
		uk_port_set_add(port_set, (uk_name_t)port);
	return port;
}

static void answer_drop(struct peer *p, uint32_t i, bool used_up)
{
	struct answer *a = &p->answers[i];
	map_del(a->port, MAP_ANSWER, peer_slot(p));
	if (used_up && answer_pooled < ANSWER_POOL)
		answer_pool[answer_pooled++] = a->port;
	else
		uk_port_destroy(a->port);
	memset(a, 0, sizeof(*a));
}

/* An import for the peer's export id: the existing one with one more
 * reference, or a new proxy port. */
static struct import *import_get(struct peer *p, uint32_t id)
{
	uint32_t i;
	struct import *im = import_by_id(p, id, &i);

	if (im) {
		im->refs++;
		return im;
	}
	for (i = 0; i < IMPORTS_MAX && p->imports[i].used; i++)
		;
	if (i == IMPORTS_MAX)
		return NULL;
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (port <= 0)
		return NULL;
	im = &p->imports[i];
	*im = (struct import){ .used = true, .id = id, .port = (uk_name_t)port,
			       .refs = 1, .credits = CREDITS_INITIAL };
	uk_port_set_limit(im->port, IMPORT_QUEUE_LIMIT);
	uk_port_set_add(port_set, im->port);
	im->in_set = true;
	map_put(im->port, MAP_IMPORT, peer_slot(p), i);
	return im;
}

/* Ask for the no-senders notice once local rights to it exist (asked
 * with none, it would come at once). */
static void import_arm(struct import *im)
{
	if (!im->armed &&
	    uk_port_request_notification(im->port, UK_NOTIFY_NO_SENDERS,
					 notify_port) == 0)
		im->armed = true;
}

/* One more descriptor of e goes to the peer (the caller appends it next,
 * with no CREDIT in between). If none of its descriptors is out, it
 * begins the peer's next import of e (struct export, "marks"). */
static void export_sent(struct export *e)
{
	e->refs++;
	e->sent++;
	if (e->sent - e->released == 1) {
		e->start_credit = e->credit_sent;
		e->arrived = 0;
		e->marks[0] = (struct export_mark){ e->sent, e->credit_sent };
		e->n_marks = 1;
	} else if (e->marks[e->n_marks - 1].credit != e->credit_sent &&
		   e->n_marks < EXPORT_MARKS) {
		e->marks[e->n_marks++] =
			(struct export_mark){ e->sent, e->credit_sent };
	}
}

/* The peer released count descriptors of e: its import of them ended,
 * and the next descriptor still out (if any) begins the next one. */
static void export_released(struct export *e, uint32_t count)
{
	e->released += count;
	e->arrived = 0;
	if (e->released == e->sent) {
		e->n_marks = 0;
		return;
	}
	unsigned k = 0;
	while (k + 1 < e->n_marks && e->marks[k + 1].sent <= e->released + 1)
		k++;
	e->start_credit = e->marks[k].credit;
	memmove(e->marks, e->marks + k, (e->n_marks - k) * sizeof(e->marks[0]));
	e->n_marks = (uint8_t)(e->n_marks - k);
}

/* A MSG to e arrived: false if the peer had no credit left for it. */
static bool export_credit_take(struct export *e)
{
	if (e->released == e->sent ||
	    e->arrived >= CREDITS_INITIAL + (e->credit_sent - e->start_credit))
		return false;
	e->arrived++;
	return true;
}

/* An export of our send right `right` (one user reference, which the
 * export takes over) to the peer, counted as one descriptor sent. */
static struct export *export_get(struct peer *p, uk_name_t right)
{
	uint32_t i;

	if (map_get(right, MAP_EXPORT, peer_slot(p), &i)) {
		struct export *e = &p->exports[i];
		export_sent(e);
		uk_port_deallocate(right); /* the export holds one already */
		return e;
	}
	for (i = 0; i < EXPORTS_MAX && p->exports[i].used; i++)
		;
	if (i == EXPORTS_MAX) {
		p->c.limited++;
		return NULL;
	}
	struct export *e = &p->exports[i];
	*e = (struct export){ .used = true,
			      .id = (i + 1) | (uint32_t)p->export_gen[i] << 16,
			      .right = right };
	export_sent(e);
	map_put(right, MAP_EXPORT, peer_slot(p), i);
	uk_port_request_notification(right, UK_NOTIFY_DEAD_NAME, notify_port);
	return e;
}

/* A descriptor counted by export_get that never went out (the message
 * was refused after all): the count goes back, and the export with it if
 * that was its last reference. */
static void export_unsent(struct peer *p, const struct px_cap *c)
{
	struct export *e = c->kind == PX_CAP_SENDER && c->right == PX_RIGHT_SEND
				   ? export_by_id(p, c->id)
				   : NULL;
	if (!e)
		return;
	e->refs--;
	e->sent--;
	if (e->n_marks && e->marks[e->n_marks - 1].sent > e->sent)
		e->n_marks--;
	if (!e->refs)
		export_drop(p, e);
}

/* ---- session end ---- */

static void reply_status(uk_name_t reply, uint32_t id, int32_t status)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[sizeof(struct uk_msg_header) + sizeof(struct uk_rpc_status)];
	} r;
	memset(&r, 0, sizeof(r));
	r.h.id = id;
	r.h.dest = reply;
	r.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
	((struct uk_rpc_status *)uk_msg_body(&r.h))->status = status;
	r.h.size = sizeof(r);
	if (uk_ipc_send(&r.h, r.h.size, 0) < 0)
		uk_port_deallocate(reply);
}

/* The send rights a held message owns (MOVE_SEND: see hold_rights) go
 * back; a message built for delivery at once owns none. */
static void drop_owned(struct uk_msg_header *h)
{
	for (unsigned k = 0; k < h->n_ports; k++) {
		struct uk_msg_port *d = &uk_msg_ports(h)[k];
		if (d->name && d->disposition == UK_DISP_MOVE_SEND) {
			uk_port_deallocate(d->name);
			d->name = 0;
			d->disposition = UK_DISP_NONE;
		}
	}
	if (h->reply && h->reply_disposition == UK_DISP_MOVE_SEND) {
		uk_port_deallocate(h->reply);
		h->reply = 0;
	}
	if (h->dest && h->dest_disposition == UK_DISP_MOVE_SEND) {
		uk_port_deallocate(h->dest);
		h->dest = 0;
	}
}

static void pending_drop(struct peer *p, unsigned i)
{
	struct pending *q = &p->pending[i];
	struct uk_msg_header *h = (void *)q->msg;
	/* The rights it names are ours (made-send rights were never made,
	 * moved ones a held message owned go); the out-of-line regions are
	 * ours to free. */
	drop_owned(h);
	for (unsigned k = 0; k < h->n_ool; k++)
		if (uk_msg_ools(h)[k].size)
			uk_vm_free(uk_msg_ools(h)[k].address, uk_msg_ools(h)[k].size);
	free(q->msg);
	memset(q, 0, sizeof(*q));
	p->n_pending--;
}

/* Messages still queued on a proxy port at a session's end never left
 * this node: each call among them is answered ERR_UNREACHABLE ("not
 * run"), rather than dying with the port as "may have run". Returns the
 * calls answered. */
static unsigned import_drain(struct import *im)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[UK_MSG_SIZE_MAX];
	} m;
	unsigned calls = 0;

	while (uk_ipc_receive(im->port, &m.h, sizeof(m), 0) >= 0) {
		if (m.h.flags & UK_MSG_KERNEL)
			continue;
		calls += m.h.reply != 0;
		reply_error(&m.h, -ERR_UNREACHABLE);
	}
	return calls;
}

static void handoff_session_end(struct peer *p);

static void end_session(struct peer *p, enum px_link_end reason)
{
	uint64_t acked = px_link_acked(&p->link);
	/* Bytes of the session that went out in a frame at least once (the
	 * link keeps them after the end, until the next session). */
	uint64_t sent = px_link_sent(&p->link);
	unsigned n_run = 0, n_not = 0;

	for (unsigned i = 0; i < PENDING_MAX; i++)
		if (p->pending[i].used)
			pending_drop(p, i);
	handoff_session_end(p);
	for (uint32_t i = 0; i < QUESTIONS_MAX; i++) {
		struct question *q = &p->questions[i];
		if (!q->used)
			continue;
		/* out_pos is the end of its MSG and memory: the peer runs the
		 * call only once it has that byte. */
		bool reached = q->out_pos <= p->out_flushed &&
			       q->out_pos - p->link_base <= sent;
		if (reached) {
			/* It may have run: the caller's reply right dies. */
			uk_port_deallocate(q->reply);
			n_run++;
		} else {
			reply_status(q->reply, q->msg_id, -ERR_UNREACHABLE);
			n_not++;
		}
		memset(q, 0, sizeof(*q));
	}
	for (uint32_t i = 0; i < IMPORTS_MAX; i++)
		if (p->imports[i].used) {
			n_not += import_drain(&p->imports[i]);
			import_drop(p, i);
		}
	p->c.maybe_run += n_run;
	p->c.not_run += n_not;
	p->c.sessions_ended++;
	for (uint32_t i = 0; i < EXPORTS_MAX; i++)
		if (p->exports[i].used)
			export_drop(p, &p->exports[i]);
	for (uint32_t i = 0; i < ANSWERS_MAX; i++)
		if (p->answers[i].used)
			answer_drop(p, i, false);
	if (p->as.active) {
		for (unsigned k = 0; k < p->as.n_ool; k++)
			if (p->as.addr[k])
				uk_vm_free(p->as.addr[k], p->as.size[k]);
		free(p->as.record);
		memset(&p->as, 0, sizeof(p->as));
	}
	p->out_total -= p->out_len;
	p->out_len = 0;
	p->out_head = 0;
	p->credits_owed = 0;
	p->n_owed = 0;
	p->owed_all = false;
	p->over_said = false;
	px_stream_reset(&p->stream);
	const struct px_link_counters *c = &p->link.counters;
	printf("proxy: node %u: session ended (%s): %u calls not run, %u may "
	       "have run; frames sent %lu resent %lu received %lu delivered %lu "
	       "dup %lu ooo %lu stale %lu bad %lu, acked %lu, sent %lu of %lu bytes\n",
	       p->node, px_link_end_str(reason), n_not, n_run,
	       (unsigned long)c->sent, (unsigned long)c->resent,
	       (unsigned long)c->received, (unsigned long)c->delivered,
	       (unsigned long)c->dup, (unsigned long)c->ooo,
	       (unsigned long)c->stale, (unsigned long)c->bad,
	       (unsigned long)acked, (unsigned long)sent,
	       (unsigned long)px_link_queued(&p->link));
}

/* ---- local to remote ---- */

void release_message(struct uk_msg_header *h)
{
	struct uk_msg_port *ports = uk_msg_ports(h);
	for (unsigned i = 0; i < h->n_ports; i++) {
		if (!ports[i].name)
			continue;
		if (ports[i].disposition & UK_RIGHT_RECEIVE)
			uk_port_destroy(ports[i].name);
		else
			uk_port_deallocate(ports[i].name);
	}
	for (unsigned i = 0; i < h->n_ool; i++)
		if (uk_msg_ools(h)[i].address && uk_msg_ools(h)[i].size)
			uk_vm_free(uk_msg_ools(h)[i].address, uk_msg_ools(h)[i].size);
	h->n_ports = 0;
	h->n_ool = 0;
}

void reply_error(struct uk_msg_header *h, int32_t status)
{
	uk_name_t reply = h->reply;
	release_message(h);
	if (!reply)
		return;
	struct uk_port_info info;
	if (uk_port_info(reply, &info) == 0 && (info.rights & UK_RIGHT_SEND_ONCE))
		reply_status(reply, h->id, status);
	else
		uk_port_deallocate(reply);
}

/* ---- hand-off, on the node that passes a right on (A) ---- */

/* A hand-off key: a bijection of a counter from a per-incarnation seed
 * (splitmix64), so no two of ours are equal and another node's collide
 * with ours with a chance of 2^-64 per pair. */
static uint64_t new_ref(void)
{
	static uint64_t seed, n;
	if (!seed)
		seed = boot_epoch ^ ((uint64_t)self_node << 48) ^ (uint64_t)uk_clock();
	uint64_t x = seed + ++n * 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x ? x : 1;
}

/* Our import im from peer c goes to node `to` as THIRD: PROVIDE to c
 * first (c keeps one reference for `to`), then the descriptor. The link
 * to c keeps the PROVIDE ahead of any RELEASE of the import. False if
 * the PROVIDE cannot be queued. */
static bool provide_out(struct peer *c, const struct import *im, uint16_t to,
			struct px_cap *cap)
{
	uint64_t ref = new_ref();
	int len = px_provide_encode(rec, sizeof(rec), ref, im->id, to);
	if (len < 0 || !append(c, rec, (uint32_t)len)) {
		c->c.handoffs_failed++;
		return false; /* the sender hears ERR_LIMIT */
	}
	flush(c);
	c->c.thirds_out++;
	cap->kind = PX_CAP_THIRD;
	cap->right = PX_RIGHT_SEND;
	cap->node = c->node;
	cap->ref = ref;
	return true;
}

/* Our right `name` as a descriptor for peer p; takes the user reference
 * we got with the message. */
/* A delegable right (docs/PROXY.md, "Badges") leaves this node as a right
 * derived from it with a sub-badge of its own: each crossing (a lookup's
 * answer, a right in a message) makes the receiving side a client of its
 * own, and the server tells the clients apart by the low bits of the
 * badge. Subs come from one counter and are never reused while the proxy
 * runs (a server cannot see one sub's last right go); when they run out
 * for the right's bits, or the derive fails (our names, our quota), the
 * right is refused (0) rather than shared. Other rights pass unchanged. */
static uint64_t next_sub;

static uk_name_t derive_for_peer(uk_name_t name)
{
	struct uk_port_info info;

	if (uk_port_info(name, &info) < 0 || !info.badge_bits)
		return name;
	uint64_t sub = ++next_sub;
	long d = sub < (1ull << info.badge_bits) ? uk_port_derive(name, sub) : -ERR_LIMIT;
	uk_port_deallocate(name);
	if (d <= 0) {
		printf("proxy: cannot give a remote client a badge of its own: %s\n",
		       err_str(d));
		return 0;
	}
	return (uk_name_t)d;
}

static bool cap_out(struct peer *p, uk_name_t name, struct px_cap *c)
{
	uint16_t slot;
	uint32_t index;

	memset(c, 0, sizeof(*c));
	if (!name)
		return true;
	if (map_find_port(name, MAP_IMPORT, &slot, &index)) {
		/* A right to one of our proxy ports came back to us: the
		 * reference merged into our receive right; drop it. */
		uk_port_deallocate(name);
		if (peers[slot] != p)
			return provide_out(peers[slot], &peers[slot]->imports[index],
					   p->node, c);
		c->kind = PX_CAP_RECEIVER;
		c->right = PX_RIGHT_SEND;
		c->id = p->imports[index].id;
		return true;
	}
	name = derive_for_peer(name);
	if (!name)
		return false;
	struct export *e = export_get(p, name);
	if (!e) {
		uk_port_deallocate(name);
		return false;
	}
	c->kind = PX_CAP_SENDER;
	c->right = PX_RIGHT_SEND;
	c->id = e->id;
	return true;
}

/* Appends MSG or REPLY (question != 0) for local message h, then its
 * out-of-line regions as OOL_DATA. Returns 0 or a negative ERR_*; on
 * error nothing was appended, the exports made for it are undone, and h
 * still holds its memory and the rights not yet taken (a taken one's
 * name is 0). */
static int encode_message(struct peer *p, struct uk_msg_header *h,
			  const struct px_cap *target, const struct px_cap *reply,
			  uint32_t question, uint32_t call)
{
	static uint8_t caps[PX_MSG_CAPS_MAX * PX_CAP_SIZE];
	static uint8_t ools[PX_MSG_OOL_MAX * PX_OOL_SIZE];
	struct uk_msg_port *ports = uk_msg_ports(h);
	uint64_t ool_total = 0;

	/* What does not cross the network (docs/PROXY.md). */
	for (unsigned i = 0; i < h->n_ports; i++)
		if (ports[i].name &&
		    (ports[i].disposition & ~(uint64_t)UK_RIGHT_SEND))
			return -ERR_UNSUPPORTED;
	for (unsigned i = 0; i < h->n_ool; i++)
		ool_total += uk_msg_ools(h)[i].size;
	if (ool_total > OOL_MESSAGE_MAX || h->n_ports > PX_MSG_CAPS_MAX ||
	    h->n_ool > PX_MSG_OOL_MAX)
		return -ERR_TOO_BIG;
	uint32_t inline_len = uk_msg_body_len(h);
	uint32_t need = PX_RECORD_HEAD + (question ? 8u : 0u) + PX_MSG_FIXED +
			h->n_ports * PX_CAP_SIZE + h->n_ool * PX_OOL_SIZE +
			((inline_len + 7u) & ~7u) +
			(uint32_t)ool_total + 8u * PX_OOL_DATA_HEAD +
			(uint32_t)(ool_total / (PX_OOL_DATA_MAX & ~7u) + 1) * PX_OOL_DATA_HEAD;
	if (!room(p, need))
		return -ERR_QUEUE_FULL;

	struct px_cap cs[PX_MSG_CAPS_MAX];
	for (unsigned i = 0; i < h->n_ports; i++) {
		bool ok = cap_out(p, ports[i].name, &cs[i]);
		ports[i].name = 0; /* taken: an export owns it, or it went */
		if (!ok) {
			while (i--)
				export_unsent(p, &cs[i]);
			return -ERR_LIMIT;
		}
		px_cap_encode(caps + i * PX_CAP_SIZE, PX_USE_CAP, &cs[i]);
	}
	for (unsigned i = 0; i < h->n_ool; i++) {
		struct px_ool o = { uk_msg_ools(h)[i].size, PX_OOL_COPY,
				    ++p->next_transfer };
		px_ool_encode(ools + i * PX_OOL_SIZE, &o);
	}
	struct px_msg m = {
		.msg_id = h->id,
		.n_caps = h->n_ports,
		.n_ool = h->n_ool,
		.inline_len = inline_len,
		.call = call,
		.target = *target,
		.reply = *reply,
		.caps = caps,
		.ools = ools,
		.inline_data = uk_msg_body(h),
	};
	int len = question ? px_reply_encode(rec, sizeof(rec), question, &m)
			   : px_msg_encode(rec, sizeof(rec), &m);
	if (len < 0) {
		for (unsigned i = 0; i < h->n_ports; i++)
			export_unsent(p, &cs[i]);
		return -ERR_INVALID;
	}
	append(p, rec, (uint32_t)len);
	/* The regions' bytes, in chunks, right after the message. */
	const uint32_t chunk = PX_OOL_DATA_MAX & ~7u;
	for (unsigned i = 0; i < h->n_ool; i++) {
		struct uk_msg_ool *o = &uk_msg_ools(h)[i];
		uint32_t transfer = p->next_transfer - h->n_ool + 1 + i;
		for (uint64_t off = 0; off < o->size; off += chunk) {
			uint32_t n = o->size - off < chunk ? (uint32_t)(o->size - off)
							   : chunk;
			len = px_ool_data_encode(rec, sizeof(rec), transfer, off,
						 (const uint8_t *)(o->address + off), n);
			if (len > 0)
				append(p, rec, (uint32_t)len);
		}
		if (o->size)
			uk_vm_free(o->address, o->size);
		o->address = o->size = 0;
	}
	return 0;
}

void peer_local_message(struct peer *p, uint32_t index, struct uk_msg_header *h)
{
	struct import *im = &p->imports[index];
	struct px_cap target = { .kind = PX_CAP_RECEIVER, .right = PX_RIGHT_SEND,
				 .id = im->id };
	struct px_cap reply = { 0 };
	struct question *q = NULL;
	uint32_t qi = 0;

	if (h->reply) {
		struct uk_port_info info;
		if (uk_port_info(h->reply, &info) < 0) {
			release_message(h);
			return;
		}
		if (info.rights & UK_RIGHT_SEND_ONCE) {
			for (qi = 0; qi < QUESTIONS_MAX && p->questions[qi].used; qi++)
				;
			if (qi == QUESTIONS_MAX) {
				p->c.limited++;
				reply_error(h, -ERR_LIMIT);
				return;
			}
			q = &p->questions[qi];
			reply = (struct px_cap){ .kind = PX_CAP_SENDER,
						 .right = PX_RIGHT_SEND_ONCE,
						 .id = qi + 1 };
		} else if (!cap_out(p, h->reply, &reply)) {
			h->reply = 0;
			reply_error(h, -ERR_LIMIT);
			return;
		} else {
			h->reply = 0; /* exported */
		}
	}
	int rc = encode_message(p, h, &target, &reply, 0, q ? qi + 1 : 0);
	if (rc < 0) {
		p->c.refused++;
		export_unsent(p, &reply);
		reply_error(h, rc);
		return;
	}
	if (q)
		*q = (struct question){ .used = true, .id = qi + 1, .reply = h->reply,
					.msg_id = h->id, .out_pos = p->out_total };
	p->c.msgs_out++;
	if (--im->credits == 0 && im->in_set) {
		uk_port_set_remove(im->port);
		im->in_set = false;
	}
	flush(p);
}

void peer_local_answer(struct peer *p, uint32_t index, struct uk_msg_header *h)
{
	struct answer *a = &p->answers[index];
	struct px_cap none = { 0 }, reply = { 0 };

	if (h->flags & UK_MSG_KERNEL) {
		answer_died(p, index, true); /* the send-once right died */
		return;
	}
	if (h->reply) {
		/* A reply's own reply right: only send rights cross (cap_out
		 * takes the name, whether it succeeds or not). */
		struct uk_port_info info;
		if (uk_port_info(h->reply, &info) == 0 && (info.rights & UK_RIGHT_SEND))
			cap_out(p, h->reply, &reply);
		else
			uk_port_deallocate(h->reply);
		h->reply = 0;
	}
	int rc = encode_message(p, h, &none, &reply, a->question, 0);
	if (rc < 0) {
		export_unsent(p, &reply);
		release_message(h);
		int len = px_answer_dead_encode(rec, sizeof(rec), a->question,
						(uint32_t)-rc);
		if (len > 0)
			append(p, rec, (uint32_t)len);
	}
	p->c.replies_out++;
	answer_drop(p, index, true); /* the reply used the send-once right */
	flush(p);
}

static void answer_died(struct peer *p, uint32_t index, bool used_up)
{
	struct answer *a = &p->answers[index];
	int len = px_answer_dead_encode(rec, sizeof(rec), a->question, ERR_DEAD);
	if (len > 0)
		append(p, rec, (uint32_t)len);
	answer_drop(p, index, used_up);
	flush(p);
}

void peer_answer_died(struct peer *p, uint32_t index)
{
	answer_died(p, index, false);
}

void peer_export_died(struct peer *p, uint32_t index)
{
	struct export *e = &p->exports[index];
	/* Provisions for a third node hold it: their ACCEPT hears ERR_DEAD. */
	for (unsigned i = 0; i < PROVISIONS_MAX; i++)
		if (p->provisions[i].used && !p->provisions[i].status &&
		    p->provisions[i].export_id == e->id) {
			p->provisions[i].status = -ERR_DEAD;
			p->provisions[i].export_id = 0;
		}
	int len = px_port_dead_encode(rec, sizeof(rec), &e->id, 1);
	if (len > 0)
		append(p, rec, (uint32_t)len);
	export_drop(p, e);
	p->export_died[index] = true;
	flush(p);
}

void peer_no_senders(struct peer *p, uint32_t index, uint64_t make_send_count)
{
	struct import *im = &p->imports[index];
	struct uk_port_info info;

	im->armed = false;
	if (uk_port_info(im->port, &info) == 0 &&
	    info.make_send_count != make_send_count) {
		import_arm(im); /* stale: a right was made since */
		return;
	}
	/* Messages still queued on the proxy port hold no sender; they go
	 * with it (their reply rights die, so their callers hear of it). */
	struct px_pair v = { im->id, im->refs };
	int len = px_release_encode(rec, sizeof(rec), &v, 1);
	if (len > 0)
		append(p, rec, (uint32_t)len);
	import_drop(p, index);
	flush(p);
}

void peer_resolve(struct peer *p, struct uk_msg_header *h)
{
	struct px_cap target = { .kind = PX_CAP_RECEIVER, .right = PX_RIGHT_SEND,
				 .id = 0 };
	struct px_cap reply;
	uint32_t qi;

	if (!h->reply || h->n_ports || h->n_ool) {
		reply_error(h, -ERR_INVALID);
		return;
	}
	for (qi = 0; qi < QUESTIONS_MAX && p->questions[qi].used; qi++)
		;
	if (qi == QUESTIONS_MAX) {
		p->c.limited++;
		reply_error(h, -ERR_LIMIT);
		return;
	}
	reply = (struct px_cap){ .kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND_ONCE,
				 .id = qi + 1 };
	int rc = encode_message(p, h, &target, &reply, 0, qi + 1);
	if (rc < 0) {
		reply_error(h, rc);
		return;
	}
	p->questions[qi] = (struct question){ .used = true, .id = qi + 1,
					      .reply = h->reply, .msg_id = h->id,
					      .out_pos = p->out_total };
	p->c.msgs_out++;
	flush(p);
}

/* ---- remote to local ---- */

/* A reference to the peer's export id that arrived and that we do not
 * keep goes back: into the import we have (its RELEASE counts it), else
 * at once as RELEASE{id, 1} (to the peer, an import that began and ended
 * with it). */
static void reference_back(struct peer *p, uint32_t id)
{
	struct import *im = import_by_id(p, id, NULL);
	if (im) {
		im->refs++;
		return;
	}
	struct px_pair v = { id, 1 };
	int len = px_release_encode(rec, sizeof(rec), &v, 1);
	if (len > 0)
		append(p, rec, (uint32_t)len);
}

/* A descriptor from the peer as a port descriptor in our name space. */
static bool cap_in(struct peer *p, const struct px_cap *c, struct uk_msg_port *d)
{
	d->name = 0;
	d->disposition = UK_DISP_NONE;
	if (c->kind == PX_CAP_NONE || c->kind == PX_CAP_THIRD)
		return true; /* THIRD: filled in by the hand-off (held_add) */
	if (c->kind == PX_CAP_RECEIVER) {
		struct export *e = export_by_id(p, c->id);
		if (!e)
			return false;
		d->name = e->right;
		d->disposition = UK_DISP_COPY_SEND;
		return true;
	}
	struct import *im = import_get(p, c->id);
	if (!im) {
		/* Table full: the right is lost here, so its reference goes
		 * back at once, or the exporter would count it until the
		 * session ends. */
		p->c.limited++;
		reference_back(p, c->id);
		return true;
	}
	d->name = im->port;
	d->disposition = UK_DISP_MAKE_SEND;
	return true;
}

static void abort_session(struct peer *p, const char *why)
{
	printf("proxy: node %u: %s: session reset\n", p->node, why);
	p->c.bad_records++;
	px_link_abort(&p->link, now_ms());
}

/* A delivered message made send rights to these proxy ports: from now on
 * their no-senders notices mean something. */
static void arm_made(struct peer *p, const struct uk_msg_header *h)
{
	uint16_t slot = peer_slot(p), s;
	uint32_t i;

	for (unsigned k = 0; k < h->n_ports; k++) {
		const struct uk_msg_port *d = &uk_msg_ports(h)[k];
		if (d->disposition == UK_DISP_MAKE_SEND &&
		    map_find_port(d->name, MAP_IMPORT, &s, &i) && s == slot)
			import_arm(&p->imports[i]);
	}
	if (h->reply && h->reply_disposition == UK_DISP_MAKE_SEND &&
	    map_find_port(h->reply, MAP_IMPORT, &s, &i) && s == slot)
		import_arm(&p->imports[i]);
}

/* A message for export_id was delivered: its credit goes back with the
 * next record to the peer, or alone after CREDIT_DELAY_MS, or at once
 * when half the window is owed (so a sender with credit for 8 never
 * waits on us while it still has work). */
#define CREDIT_DELAY_MS 5u
static void owe_credit(struct peer *p, uint32_t export_id)
{
	struct export *e = export_by_id(p, export_id);
	if (!e)
		return;
	if (!e->credit_owed++) {
		if (p->n_owed < sizeof(p->owed) / sizeof(p->owed[0]))
			p->owed[p->n_owed++] = (uint32_t)(e - p->exports);
		else
			p->owed_all = true;
	}
	if (!p->credits_owed++)
		p->credit_due = now_ms() + CREDIT_DELAY_MS;
}

/* The message built in `out` is not delivered after all: a call is
 * answered with `status` through its answer port, so the peer's caller
 * gets it as the reply (the request did not run); a reply's caller gets
 * `status` in its place; a one-way message is dropped. What it owns goes
 * (moved rights, regions; rights it would have made are armed by the
 * caller, arm_made), and the sender's credit comes back. */
static void message_refuse(struct peer *p, uint32_t export_id, int32_t status)
{
	struct uk_msg_header *h = &out.h;
	uk_name_t to = 0;

	if (h->reply && h->reply_disposition == UK_DISP_MAKE_SEND_ONCE) {
		long so = uk_port_insert_right(h->reply, UK_DISP_MAKE_SEND_ONCE);
		uint16_t slot;
		uint32_t ai;
		if (so > 0)
			to = (uk_name_t)so;
		else if (map_find_port(h->reply, MAP_ANSWER, &slot, &ai))
			peer_answer_died(p, ai);
		h->reply = 0;
	} else if (h->reply && h->reply_disposition == UK_DISP_MOVE_SEND_ONCE) {
		uk_port_deallocate(h->reply);
		h->reply = 0;
	}
	if (h->dest && h->dest_disposition == UK_DISP_MOVE_SEND_ONCE) {
		to = h->dest;
		h->dest = 0;
	}
	drop_owned(h);
	for (unsigned k = 0; k < h->n_ool; k++)
		if (uk_msg_ools(h)[k].size)
			uk_vm_free(uk_msg_ools(h)[k].address, uk_msg_ools(h)[k].size);
	if (to)
		reply_status(to, h->id, status);
	owe_credit(p, export_id);
}

/* Try to deliver a built message; a full queue keeps it for later. */
static void deliver_local(struct peer *p, uint32_t export_id)
{
	long rc = uk_ipc_send(&out.h, out.h.size, 0);
	if (rc == -ERR_TIMED_OUT || rc == -ERR_WOULD_BLOCK || rc == -ERR_QUEUE_FULL) {
		unsigned i;
		for (i = 0; i < PENDING_MAX && p->pending[i].used; i++)
			;
		uint8_t *copy = i < PENDING_MAX ? malloc(out.h.size) : NULL;
		if (!copy) {
			/* No room to wait: refused, and what it would have
			 * made is released (its credit comes back: the peer
			 * spent it). */
			p->c.limited++;
			message_refuse(p, export_id, -ERR_LIMIT);
			arm_made(p, &out.h);
			return;
		}
		memcpy(copy, &out.h, out.h.size);
		p->pending[i] = (struct pending){ true, export_id, out.h.size, copy };
		p->n_pending++;
		if (p->n_pending > p->c.pending_max)
			p->c.pending_max = p->n_pending;
		return; /* armed when it is delivered */
	} else if (rc < 0) {
		/* The port died (its notice is on the way) or the message
		 * was refused: what we made for it goes. */
		for (unsigned i = 0; i < out.h.n_ool; i++)
			if (uk_msg_ools(&out.h)[i].size)
				uk_vm_free(uk_msg_ools(&out.h)[i].address,
					   uk_msg_ools(&out.h)[i].size);
		if (out.h.reply && out.h.reply_disposition == UK_DISP_MAKE_SEND_ONCE) {
			uint16_t slot;
			uint32_t ai;
			if (map_find_port(out.h.reply, MAP_ANSWER, &slot, &ai))
				peer_answer_died(p, ai);
		}
		if (out.h.dest_disposition == UK_DISP_MOVE_SEND_ONCE)
			uk_port_deallocate(out.h.dest); /* the caller sees ERR_DEAD */
		drop_owned(&out.h);
	} else {
		owe_credit(p, export_id);
	}
	/* Made rights that were not made (a failed send) leave proxy ports
	 * with no senders: armed, they are released at once. */
	arm_made(p, &out.h);
}

static void pending_retry(struct peer *p)
{
	for (unsigned i = 0; i < PENDING_MAX; i++) {
		struct pending *q = &p->pending[i];
		if (!q->used)
			continue;
		long rc = uk_ipc_send((void *)q->msg, q->size, 0);
		if (rc == -ERR_TIMED_OUT || rc == -ERR_WOULD_BLOCK ||
		    rc == -ERR_QUEUE_FULL)
			continue;
		if (rc == 0) {
			owe_credit(p, q->export_id);
			arm_made(p, (const struct uk_msg_header *)q->msg);
			free(q->msg);
			memset(q, 0, sizeof(*q));
			p->n_pending--;
		} else {
			arm_made(p, (const struct uk_msg_header *)q->msg);
			pending_drop(p, i);
		}
	}
}

/* ---- hand-off (docs/PROXY.md, "Hand-off") ----
 *
 * On the port's node (C): provisions (a PROVIDE from A, one reference on
 * A's export, for recipient B) meet ACCEPTs from B; an ACCEPT that comes
 * first waits. On the recipient (B): a message with THIRD slots is held,
 * its rights made its own, until C answered every ACCEPT; the link's
 * later messages wait behind it, so they stay in order. Every table is
 * bounded per link and every entry ends within HANDOFF_MS. */

static void handoff_note(struct peer *p, uint64_t expires)
{
	if (!p->handoff_due || expires < p->handoff_due)
		p->handoff_due = expires;
}

static struct provision *provision_find(uint64_t ref, struct peer **owner)
{
	for (unsigned s = 0; s < PEERS_MAX; s++) {
		struct peer *o = peers[s];
		for (unsigned i = 0; o && i < PROVISIONS_MAX; i++)
			if (o->provisions[i].used && o->provisions[i].ref == ref) {
				*owner = o;
				return &o->provisions[i];
			}
	}
	return NULL;
}

static void resolved_send(struct peer *p, uint32_t question, int32_t status,
			  const struct px_cap *cap)
{
	static const struct px_cap none;
	int len = px_resolved_encode(rec, sizeof(rec), question, status,
				     status ? &none : cap);
	if (len > 0)
		append(p, rec, (uint32_t)len);
}

/* Provision v of peer a goes to peer b as an export of its own, the
 * answer to b's question; the reference it held on a's export goes. */
static void provision_take(struct peer *a, struct provision *v, struct peer *b,
			   uint32_t question)
{
	int32_t status = v->status;
	struct px_cap cap = { 0 };
	struct export *e = status ? NULL : export_by_id(a, v->export_id);

	if (!status && !e)
		status = -ERR_DEAD;
	if (e) {
		struct export *eb = NULL;
		if (uk_port_insert_right(e->right, UK_DISP_COPY_SEND) < 0)
			status = -ERR_DEAD;
		else if (!(eb = export_get(b, e->right))) {
			uk_port_deallocate(e->right);
			status = -ERR_LIMIT;
		} else {
			cap = (struct px_cap){ .kind = PX_CAP_SENDER,
					       .right = PX_RIGHT_SEND, .id = eb->id };
		}
		if (e->refs && !--e->refs)
			export_drop(a, e);
	}
	memset(v, 0, sizeof(*v));
	resolved_send(b, question, status, &cap);
	if (status)
		b->c.handoffs_refused++;
}

static void refuse(struct peer *p, uint64_t ref, uint16_t recipient,
		   int32_t status)
{
	p->refused[p->n_refused++ % REFUSED_MAX] =
		(struct refused){ recipient, status, ref };
	p->c.handoffs_refused++;
}

/* PROVIDE from p (A). An export id we do not have is not an attack for
 * sure (its PORT_DEAD may be on the way): the provision answers ERR_DEAD. */
static void provide_in(struct peer *p, uint64_t ref, uint32_t id,
		       uint16_t recipient)
{
	struct peer *o;
	unsigned i;

	if (provision_find(ref, &o)) {
		p->c.handoffs_refused++; /* a key in use keeps its first owner */
		return;
	}
	for (i = 0; i < PROVISIONS_MAX && p->provisions[i].used; i++)
		;
	if (i == PROVISIONS_MAX) {
		p->c.limited++;
		refuse(p, ref, recipient, -ERR_LIMIT);
		return;
	}
	struct export *e = export_by_id(p, id);
	if (e)
		e->refs++;
	else
		p->c.handoffs_refused++;
	struct provision *v = &p->provisions[i];
	*v = (struct provision){ .used = true, .recipient = recipient,
				 .status = e ? 0 : -ERR_DEAD, .export_id = e ? id : 0,
				 .ref = ref, .expires = now_ms() + HANDOFF_MS };
	handoff_note(p, v->expires);
	p->c.provisions_in++;
	/* Its ACCEPT may have come first. */
	struct peer *b = peer_get(recipient, false);
	for (unsigned k = 0; b && k < WAITS_MAX; k++)
		if (b->waits[k].used && b->waits[k].ref == ref) {
			uint32_t q = b->waits[k].question;
			memset(&b->waits[k], 0, sizeof(b->waits[k]));
			provision_take(p, v, b, q);
			flush(b);
			break;
		}
}

/* ACCEPT from p (B). */
static void accept_in(struct peer *p, uint64_t ref, uint32_t question)
{
	struct peer *a;
	struct provision *v = provision_find(ref, &a);
	unsigned k;

	if (v) {
		if (v->recipient != p->node) {
			/* Not provided for this node: refused, and the
			 * provision stays for its recipient. */
			resolved_send(p, question, -ERR_PERMISSION, NULL);
			p->c.handoffs_refused++;
			return;
		}
		provision_take(a, v, p, question);
		return;
	}
	for (unsigned s = 0; s < PEERS_MAX; s++)
		for (k = 0; peers[s] && k < REFUSED_MAX; k++) {
			const struct refused *f = &peers[s]->refused[k];
			if (f->ref == ref && f->recipient == p->node) {
				resolved_send(p, question, f->status, NULL);
				p->c.handoffs_refused++;
				return;
			}
		}
	for (k = 0; k < WAITS_MAX && p->waits[k].used; k++)
		;
	if (k == WAITS_MAX) {
		p->c.limited++;
		resolved_send(p, question, -ERR_LIMIT, NULL);
		p->c.handoffs_refused++;
		return;
	}
	p->waits[k] = (struct wait){ true, question, ref, now_ms() + HANDOFF_MS };
	handoff_note(p, p->waits[k].expires);
}

/* A reference of our own to name (made or copied), for a held message. */
static uk_name_t own_right(uk_name_t name, uint64_t disposition)
{
	uint16_t s;
	uint32_t i;

	if (uk_port_insert_right(name, disposition) < 0)
		return 0;
	/* A proxy port's no-senders means something from now on. */
	if (disposition == UK_DISP_MAKE_SEND &&
	    map_find_port(name, MAP_IMPORT, &s, &i) && peers[s])
		import_arm(&peers[s]->imports[i]);
	return name;
}

/* A held message's rights become its own (MOVE_SEND): a RELEASE or
 * PORT_DEAD while it waits cannot take a name from under it. */
static void hold_rights(struct uk_msg_header *h)
{
	if (h->dest && (h->dest_disposition == UK_DISP_COPY_SEND ||
			h->dest_disposition == 0)) {
		h->dest = own_right(h->dest, UK_DISP_COPY_SEND);
		h->dest_disposition = UK_DISP_MOVE_SEND;
	}
	for (unsigned k = 0; k < h->n_ports; k++) {
		struct uk_msg_port *d = &uk_msg_ports(h)[k];
		if (d->name && (d->disposition == UK_DISP_COPY_SEND ||
				d->disposition == UK_DISP_MAKE_SEND)) {
			d->name = own_right(d->name, d->disposition);
			d->disposition = d->name ? UK_DISP_MOVE_SEND : UK_DISP_NONE;
		}
	}
	if (h->reply && (h->reply_disposition == UK_DISP_COPY_SEND ||
			 h->reply_disposition == UK_DISP_MAKE_SEND)) {
		h->reply = own_right(h->reply, h->reply_disposition);
		h->reply_disposition = h->reply ? UK_DISP_MOVE_SEND : 0;
	}
}

static struct held *held_find(struct peer *p, uint64_t seq)
{
	for (unsigned i = 0; p && i < HELD_MAX; i++)
		if (p->held[i].used && p->held[i].seq == seq)
			return &p->held[i];
	return NULL;
}

static struct held *held_oldest(struct peer *p)
{
	struct held *h = NULL;
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (p->held[i].used && (!h || p->held[i].seq < h->seq))
			h = &p->held[i];
	return h;
}

static void held_drop(struct peer *p, struct held *h)
{
	struct uk_msg_header *m = (void *)h->msg;
	drop_owned(m);
	if (m->dest && m->dest_disposition == UK_DISP_MOVE_SEND_ONCE)
		uk_port_deallocate(m->dest); /* the caller sees ERR_DEAD */
	for (unsigned k = 0; k < m->n_ool; k++)
		if (uk_msg_ools(m)[k].size)
			uk_vm_free(uk_msg_ools(m)[k].address, uk_msg_ools(m)[k].size);
	free(h->msg);
	memset(h, 0, sizeof(*h));
	p->n_held--;
}

static void deliver_local(struct peer *p, uint32_t export_id);

/* The held message in `out` lost a right it carried (a hand-off failed,
 * or a right died while it waited). The kernel carries neither a dead
 * name nor an empty slot, and a request without one of its rights is
 * better refused than half delivered (message_refuse). */
static void held_refuse(struct peer *p, uint32_t export_id, int32_t status)
{
	struct uk_msg_header *h = &out.h;

	printf("proxy: node %u: a message (id %x) lost a right it carried "
	       "(%s): %s\n", p->node, h->id, err_name(status),
	       h->reply && h->reply_disposition == UK_DISP_MAKE_SEND_ONCE
		       ? "its call is answered with that status"
	       : h->dest_disposition == UK_DISP_MOVE_SEND_ONCE
		       ? "its caller gets that status"
		       : "dropped");
	message_refuse(p, export_id, status);
}

static void held_deliver(struct peer *p, struct held *h)
{
	uint64_t us = ((uint64_t)uk_clock() - h->since) / 1000u;
	uint32_t export_id = h->export_id;

	if (us > p->c.held_us_max)
		p->c.held_us_max = us;
	p->c.held_us_sum += us;
	p->c.held_done++;
	int32_t status = h->status;
	memcpy(out.bytes, h->msg, h->size);
	free(h->msg);
	memset(h, 0, sizeof(*h));
	p->n_held--;
	/* A right whose port died meanwhile is a dead name, which a message
	 * cannot carry. */
	for (unsigned k = 0; !status && k < out.h.n_ports; k++) {
		struct uk_msg_port *d = &uk_msg_ports(&out.h)[k];
		struct uk_port_info info;
		if (d->name && d->disposition == UK_DISP_MOVE_SEND &&
		    uk_port_info(d->name, &info) == 0 &&
		    (info.rights & UK_RIGHT_DEAD_NAME))
			status = -ERR_DEAD;
	}
	if (status)
		held_refuse(p, export_id, status);
	else
		deliver_local(p, export_id);
}

/* Deliver the held messages at the head of p's line that are complete. */
static void held_progress(struct peer *p)
{
	while (p->n_held) {
		struct held *h = held_oldest(p);
		if (!h || h->unresolved)
			return;
		held_deliver(p, h);
	}
}

/* ACCEPT{ref} to node `node` for slot `slot` of held message seq of p.
 * It waits a deadline longer than C keeps an early ACCEPT, so C's own
 * answer (ERR_PERMISSION: never provided) comes first. 0, or why the
 * message is refused: no way to C, or a full table or outq. */
static int32_t handoff_accept(struct peer *p, uint64_t seq, uint8_t slot,
			      uint16_t node, uint64_t ref)
{
	struct peer *c = node != self_node ? peer_get(node, true) : NULL;
	unsigned k;

	if (!c)
		return -ERR_UNREACHABLE;
	for (k = 0; k < ACCEPTS_MAX && c->accepts[k].used; k++)
		;
	if (k == ACCEPTS_MAX) {
		p->c.limited++;
		return -ERR_LIMIT;
	}
	uint32_t question = (++c->accept_gen % (UINT32_MAX / ACCEPTS_MAX)) *
				    ACCEPTS_MAX + k + 1;
	int len = px_accept_encode(rec, sizeof(rec), ref, question);
	if (len < 0 || !append(c, rec, (uint32_t)len)) {
		p->c.limited++;
		return -ERR_LIMIT;
	}
	c->accepts[k] = (struct accept){ .used = true, .held_peer = peer_slot(p),
					 .slot = slot, .question = question,
					 .held_seq = seq, .ref = ref,
					 .expires = now_ms() + HANDOFF_MS + deadline_ms };
	handoff_note(c, c->accepts[k].expires);
	flush(c);
	return 0;
}

struct third {
	uint8_t slot;
	uint16_t node;
	uint64_t ref;
};

/* The message in `out` waits for its THIRD slots (n of them), or behind
 * messages that do. */
static void held_add(struct peer *p, uint32_t export_id, const struct third *t,
		     unsigned n)
{
	unsigned i;

	hold_rights(&out.h);
	uint8_t *copy = malloc(out.h.size);
	if (!copy) {
		p->c.handoffs_failed += n;
		if (n)
			held_refuse(p, export_id, -ERR_NO_MEMORY);
		else
			deliver_local(p, export_id);
		return;
	}
	memcpy(copy, out.bytes, out.h.size);
	uint32_t size = out.h.size;
	for (;;) {
		for (i = 0; i < HELD_MAX && p->held[i].used; i++)
			;
		if (i < HELD_MAX)
			break;
		/* Full: the oldest goes now; if it still waits, refused. */
		struct held *o = held_oldest(p);
		p->c.handoffs_failed += o->unresolved;
		if (o->unresolved && !o->status) {
			p->c.limited++;
			o->status = -ERR_LIMIT;
		}
		held_deliver(p, o);
	}
	struct held *h = &p->held[i];
	*h = (struct held){ .used = true, .export_id = export_id, .size = size,
			    .seq = ++p->held_seq, .since = (uint64_t)uk_clock(),
			    .msg = copy };
	p->n_held++;
	for (unsigned k = 0; k < n; k++) {
		int32_t status = handoff_accept(p, h->seq, t[k].slot, t[k].node,
						t[k].ref);
		if (!status) {
			h->unresolved++;
		} else {
			p->c.handoffs_failed++;
			if (!h->status)
				h->status = status;
		}
	}
	held_progress(p);
}

/* RESOLVED from p (C): the answer to our ACCEPT `question`. */
static void resolved_in(struct peer *p, uint32_t question, int32_t status,
			const struct px_cap *cap)
{
	struct accept *a = question ? &p->accepts[(question - 1) % ACCEPTS_MAX]
				    : NULL;
	if (a && (!a->used || a->question != question))
		a = NULL;
	struct peer *ap = a ? peers[a->held_peer] : NULL;
	struct held *h = ap ? held_find(ap, a->held_seq) : NULL;
	uint8_t slot = a ? a->slot : 0;
	uk_name_t name = 0;

	if (a)
		memset(a, 0, sizeof(*a));
	else
		p->c.handoffs_refused++; /* late (expired) or never asked */
	if (!h) {
		/* Nobody waits for it: the reference goes back. */
		if (!status)
			reference_back(p, cap->id);
		return;
	}
	if (!status) {
		struct import *im = import_get(p, cap->id);
		if (!im) {
			p->c.limited++;
			reference_back(p, cap->id);
			status = -ERR_LIMIT;
		} else if (uk_port_insert_right(im->port, UK_DISP_MAKE_SEND) < 0) {
			import_arm(im); /* no holder: released at once */
			status = -ERR_LIMIT;
		} else {
			import_arm(im);
			name = im->port;
		}
	}
	struct uk_msg_header *m = (void *)h->msg;
	if (name && slot == HELD_REPLY) {
		m->reply = name;
		m->reply_disposition = UK_DISP_MOVE_SEND;
	} else if (name && slot < m->n_ports) {
		uk_msg_ports(m)[slot] = (struct uk_msg_port){ name, UK_DISP_MOVE_SEND };
	} else if (name) {
		uk_port_deallocate(name);
		name = 0;
	}
	if (name) {
		p->c.handoffs_in++;
	} else {
		p->c.handoffs_failed++;
		if (!h->status)
			h->status = status ? status : -ERR_LIMIT;
	}
	h->unresolved--;
	held_progress(ap);
}

/* A session's end, for the hand-off tables of p in every role. */
/* An ACCEPT of ours to p got no answer (p's session ended, or the time
 * ran out): the message held for it goes undelivered, ERR_UNREACHABLE
 * (it did not run), at the holder's next tick. */
static void accept_failed(struct peer *p, const struct accept *a)
{
	struct held *h = held_find(peers[a->held_peer], a->held_seq);
	if (h) {
		h->unresolved--;
		if (!h->status)
			h->status = -ERR_UNREACHABLE;
		peers[a->held_peer]->held_kick = true;
	}
	p->c.handoffs_failed++;
}

static void handoff_session_end(struct peer *p)
{
	/* Messages p sent us that wait: they go, with what they own. */
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (p->held[i].used)
			held_drop(p, &p->held[i]);
	/* Our ACCEPTs to p: their slots stay empty (delivered at the next
	 * tick: we may be inside another peer's delivery here). */
	for (unsigned k = 0; k < ACCEPTS_MAX; k++) {
		struct accept *a = &p->accepts[k];
		if (!a->used)
			continue;
		accept_failed(p, a);
		memset(a, 0, sizeof(*a));
	}
	/* p's provisions lose their export (the session's end drops it); an
	 * ACCEPT for one hears ERR_DEAD until it expires. */
	for (unsigned i = 0; i < PROVISIONS_MAX; i++)
		if (p->provisions[i].used && !p->provisions[i].status) {
			p->provisions[i].status = -ERR_DEAD;
			p->provisions[i].export_id = 0;
		}
	memset(p->waits, 0, sizeof(p->waits));
	memset(p->refused, 0, sizeof(p->refused));
	p->n_refused = 0;
}

/* Entries past HANDOFF_MS end. */
static void handoff_tick(struct peer *p)
{
	uint64_t now = now_ms(), due = 0;

	for (unsigned i = 0; i < PROVISIONS_MAX; i++) {
		struct provision *v = &p->provisions[i];
		if (!v->used)
			continue;
		if (v->expires > now) {
			due = !due || v->expires < due ? v->expires : due;
			continue;
		}
		struct export *e = v->status ? NULL : export_by_id(p, v->export_id);
		if (e && e->refs && !--e->refs)
			export_drop(p, e);
		p->c.handoffs_failed++;
		printf("proxy: node %u: a right it handed on to node %u was not "
		       "taken in %u ms\n", p->node, v->recipient, HANDOFF_MS);
		memset(v, 0, sizeof(*v));
	}
	for (unsigned k = 0; k < WAITS_MAX; k++) {
		struct wait *w = &p->waits[k];
		if (!w->used)
			continue;
		if (w->expires > now) {
			due = !due || w->expires < due ? w->expires : due;
			continue;
		}
		/* Never provided for this node. */
		resolved_send(p, w->question, -ERR_PERMISSION, NULL);
		p->c.handoffs_refused++;
		memset(w, 0, sizeof(*w));
	}
	for (unsigned k = 0; k < ACCEPTS_MAX; k++) {
		struct accept *a = &p->accepts[k];
		if (!a->used)
			continue;
		if (a->expires > now) {
			due = !due || a->expires < due ? a->expires : due;
			continue;
		}
		accept_failed(p, a);
		printf("proxy: node %u: no answer to a hand-off in %u ms\n", p->node,
		       HANDOFF_MS);
		memset(a, 0, sizeof(*a));
	}
	p->handoff_due = due;
	flush(p);
}

/* A MSG refused before anything of it was made here (over credit, no
 * room for its answer): each right it carried goes back (reference_back;
 * a THIRD's provision ends on its node), its question is answered
 * ANSWER_DEAD `status` (it did not run), its regions are the caller's to
 * drop. False if it names a right we never exported: the session is
 * reset, as it would be for the message delivered. */
static bool message_refuse_remote(struct peer *p, const struct px_msg *m,
				  uint32_t status)
{
	for (unsigned i = 0; i <= m->n_caps; i++) {
		struct px_cap c = m->reply;
		if (i < m->n_caps)
			px_msg_cap(m, i, &c);
		if (c.kind == PX_CAP_RECEIVER && !export_by_id(p, c.id)) {
			abort_session(p, "a right never exported");
			return false;
		}
		if (c.kind == PX_CAP_SENDER && c.right == PX_RIGHT_SEND)
			reference_back(p, c.id);
	}
	if (m->reply.kind == PX_CAP_SENDER && m->reply.right == PX_RIGHT_SEND_ONCE) {
		int len = px_answer_dead_encode(rec, sizeof(rec), m->reply.id, status);
		if (len > 0)
			append(p, rec, (uint32_t)len);
	}
	return true;
}

static void regions_free(const uint64_t *addr, const uint64_t *size, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (addr[i] && size[i])
			uk_vm_free(addr[i], size[i]);
}

/* Build the local message of a decoded MSG (question 0) or REPLY and
 * deliver it, or refuse it; false if the session ended first (the
 * regions are still the caller's), true once the regions are taken. */
static bool message_in(struct peer *p, const struct px_msg *m, uint32_t question,
		       const uint64_t *ool_addr, const uint64_t *ool_size)
{
	struct question *answered = NULL;
	struct export *target = NULL;
	bool name_service = false;
	struct third thirds[PX_MSG_CAPS_MAX + 1];
	unsigned n_thirds = 0;
	bool lost = false;

	memset(&out.h, 0, sizeof(out.h));
	out.h.id = m->msg_id;
	if (question) {
		struct question *q = question <= QUESTIONS_MAX
					     ? &p->questions[question - 1]
					     : NULL;
		if (!q || !q->used) {
			abort_session(p, "a reply to no question");
			return false;
		}
		out.h.dest = q->reply;
		out.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
		answered = q; /* cleared once the message is built */
		p->c.replies_in++;
	} else if (m->target.id == 0) {
		name_service = true;
		out.h.dest = ns_port();
		out.h.dest_disposition = UK_DISP_COPY_SEND;
	} else {
		target = export_by_id(p, m->target.id);
		if (!target) {
			abort_session(p, "a message to an id never exported");
			return false;
		}
		out.h.dest = target->right;
		out.h.dest_disposition = UK_DISP_COPY_SEND;
		p->c.msgs_in++;
	}
	uint8_t *body = (uint8_t *)(uk_msg_ports(&out.h) + m->n_caps) +
			m->n_ool * sizeof(struct uk_msg_ool);
	memcpy(body, m->inline_data, m->inline_len);
	if (name_service) {
		/* The peer may look names up and list them here, as a client
		 * of our name server: public names only, this node only, and
		 * always as a call (so the answers table bounds them: export
		 * 0 has no credit). */
		struct uk_name_req *rq = (void *)body;
		if ((m->msg_id != NAME_LOOKUP && m->msg_id != NAME_LIST) ||
		    m->n_caps || m->n_ool ||
		    m->reply.kind != PX_CAP_SENDER ||
		    m->reply.right != PX_RIGHT_SEND_ONCE ||
		    (m->msg_id == NAME_LOOKUP && m->inline_len < sizeof(*rq)) ||
		    (m->msg_id == NAME_LIST && m->inline_len < 8)) {
			abort_session(p, "a bad request to the name service");
			return false;
		}
		if (m->msg_id == NAME_LOOKUP) {
			rq->node = 0;
			if (rq->timeout_ns > 10000000000ull)
				rq->timeout_ns = 10000000000ull;
		} else {
			memset(body + 4, 0, 4); /* its node: this one */
		}
	}
	/* The reply right. */
	if (m->reply.kind == PX_CAP_SENDER && m->reply.right == PX_RIGHT_SEND_ONCE) {
		uint32_t ai;
		for (ai = 0; ai < ANSWERS_MAX && p->answers[ai].used; ai++)
			;
		long port = ai < ANSWERS_MAX ? answer_port() : -ERR_LIMIT;
		if (port <= 0 && !question) {
			/* No room for its answer: a request is refused whole
			 * (it does not run), its credit comes back. */
			p->c.limited++;
			if (!message_refuse_remote(p, m, ERR_LIMIT))
				return false;
			regions_free(ool_addr, ool_size, m->n_ool);
			owe_credit(p, target ? target->id : 0);
			return true;
		} else if (port <= 0) {
			/* A reply is delivered (its call ran) without it. */
			p->c.limited++;
			int len = px_answer_dead_encode(rec, sizeof(rec), m->reply.id,
							ERR_LIMIT);
			if (len > 0)
				append(p, rec, (uint32_t)len);
		} else {
			p->answers[ai] = (struct answer){ true, m->reply.id, (uk_name_t)port };
			map_put((uk_name_t)port, MAP_ANSWER, peer_slot(p), ai);
			out.h.reply = (uk_name_t)port;
			out.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
		}
	} else if (m->reply.kind != PX_CAP_NONE) {
		struct uk_msg_port d;
		if (!cap_in(p, &m->reply, &d)) {
			abort_session(p, "a reply right never exported");
			return false;
		}
		if (m->reply.kind == PX_CAP_THIRD)
			thirds[n_thirds++] = (struct third){ HELD_REPLY, m->reply.node,
							     m->reply.ref };
		if (m->reply.kind == PX_CAP_SENDER && !d.name)
			lost = true;
		out.h.reply = d.name;
		out.h.reply_disposition = (uint8_t)d.disposition;
	}
	out.h.n_ports = m->n_caps;
	for (unsigned i = 0; i < m->n_caps; i++) {
		struct px_cap c;
		px_msg_cap(m, i, &c);
		if (!cap_in(p, &c, &uk_msg_ports(&out.h)[i])) {
			abort_session(p, "a right never exported");
			return false;
		}
		if (c.kind == PX_CAP_THIRD)
			thirds[n_thirds++] = (struct third){ (uint8_t)i, c.node, c.ref };
		if (c.kind == PX_CAP_SENDER && !uk_msg_ports(&out.h)[i].name)
			lost = true; /* our import table is full */
	}
	out.h.n_ool = m->n_ool;
	for (unsigned i = 0; i < m->n_ool; i++) {
		struct uk_msg_ool *o = &uk_msg_ools(&out.h)[i];
		o->address = ool_addr[i];
		o->size = ool_addr[i] ? ool_size[i] : 0; /* a region lost here */
		o->flags = o->size ? UK_OOL_MOVE : UK_OOL_COPY;
	}
	out.h.size = (uint32_t)(body - out.bytes) + m->inline_len;
	if (answered)
		memset(answered, 0, sizeof(*answered));
	if (lost) {
		/* A right it carried has no room here (its reference went
		 * back): refused whole, as a failed hand-off is, and the
		 * imports made for its other rights, which nobody holds, are
		 * released. */
		p->c.refused++;
		message_refuse(p, target ? target->id : 0, -ERR_LIMIT);
		arm_made(p, &out.h);
		return true;
	}
	if (n_thirds || p->n_held)
		held_add(p, target ? target->id : 0, thirds, n_thirds);
	else
		deliver_local(p, target ? target->id : 0);
	return true;
}

/* A MSG or REPLY: now, or when its regions have arrived. A MSG beyond
 * the credit we gave for its target is refused at once (its regions'
 * chunks are taken and dropped, never allocated). */
static void message_start(struct peer *p, const struct px_record *r)
{
	const struct px_msg *m = r->type == PX_REC_MSG ? &r->u.msg : &r->u.reply.msg;
	uint32_t question = r->type == PX_REC_REPLY ? r->u.reply.question : 0;
	struct assembly *as = &p->as;
	uint64_t total = 0, size[PX_MSG_OOL_MAX] = { 0 };
	uint32_t transfer[PX_MSG_OOL_MAX] = { 0 };
	bool refused = false;

	for (unsigned i = 0; i < m->n_ool; i++) {
		struct px_ool o;
		px_msg_ool(m, i, &o);
		total += o.size;
		size[i] = o.size;
		transfer[i] = o.transfer;
	}
	if (total > OOL_MESSAGE_MAX) {
		abort_session(p, "out-of-line memory over the limit");
		return;
	}
	if (r->type == PX_REC_MSG && m->target.id) {
		struct export *e = export_by_id(p, m->target.id);
		if (!e && export_crossed_death(p, m->target.id)) {
			/* Sent before our PORT_DEAD reached the peer: refused as
			 * a message to a dead port is, and the session goes on. */
			p->c.msgs_to_dead++;
			if (!message_refuse_remote(p, m, ERR_DEAD))
				return;
			refused = true;
		} else if (!e) {
			abort_session(p, "a message to an id never exported");
			return;
		} else if (!export_credit_take(e)) {
			p->c.over_credit++;
			if (!p->over_said)
				printf("proxy: node %u sent a message beyond its "
				       "credit: refused (over_credit)\n", p->node);
			p->over_said = true;
			if (!message_refuse_remote(p, m, ERR_LIMIT))
				return;
			refused = true;
		}
	}
	if (!m->n_ool) {
		if (!refused)
			message_in(p, m, question, NULL, NULL);
		return;
	}
	memset(as, 0, sizeof(*as));
	memcpy(as->size, size, sizeof(size));
	memcpy(as->transfer, transfer, sizeof(transfer));
	as->n_ool = m->n_ool;
	as->active = true;
	as->discard = refused;
	if (refused)
		return;
	as->record = malloc(r->length);
	if (!as->record) {
		memset(as, 0, sizeof(*as));
		abort_session(p, "no memory for a message");
		return;
	}
	/* Decode again from our own copy: r points into the stream. */
	int rc = px_record_encode(as->record, r->length, r);
	if (rc < 0 || px_record_decode(as->record, r->length, &as->rec) < 0) {
		free(as->record);
		memset(as, 0, sizeof(*as));
		abort_session(p, "a message that does not re-encode");
		return;
	}
	for (unsigned i = 0; i < m->n_ool; i++) {
		if (!as->size[i])
			continue;
		long a = uk_vm_allocate(as->size[i], UK_VM_READ | UK_VM_WRITE);
		/* Else our quota: the region's chunks are dropped and it
		 * arrives empty, as the kernel delivers a region a receiver
		 * has no room for. */
		if (a > 0)
			as->addr[i] = (uint64_t)a;
	}
}

static void message_chunk(struct peer *p, const struct px_record *r)
{
	struct assembly *as = &p->as;
	/* Skip regions of size 0. */
	while (as->next < as->n_ool && !as->size[as->next])
		as->next++;
	if (as->next == as->n_ool || r->u.ool_data.transfer != as->transfer[as->next] ||
	    r->u.ool_data.offset != as->filled) {
		abort_session(p, "out-of-line data out of order");
		return;
	}
	uint64_t size = as->size[as->next];
	uint64_t n = r->u.ool_data.data_len;
	if (n > size - as->filled) {
		/* Only the region's last chunk goes past it: by its padding,
		 * which is 0. */
		n = size - as->filled;
		for (uint64_t k = n; k < r->u.ool_data.data_len; k++)
			if (k - n >= 8 || r->u.ool_data.data[k]) {
				abort_session(p, "out-of-line data beyond its region");
				return;
			}
	}
	if (as->addr[as->next])
		memcpy((uint8_t *)(as->addr[as->next] + as->filled),
		       r->u.ool_data.data, n);
	as->filled += n;
	if (as->filled == size) {
		as->next++;
		as->filled = 0;
	}
}

static void message_finish_if_done(struct peer *p)
{
	struct assembly *as = &p->as;
	while (as->next < as->n_ool && !as->size[as->next])
		as->next++;
	if (!as->active || as->next < as->n_ool)
		return;
	if (as->discard) {
		memset(as, 0, sizeof(*as));
		return;
	}
	const struct px_record *r = &as->rec;
	const struct px_msg *m = r->type == PX_REC_MSG ? &r->u.msg : &r->u.reply.msg;
	uint64_t addr[PX_MSG_OOL_MAX], size[PX_MSG_OOL_MAX];
	unsigned n = as->n_ool;
	uint8_t *record = as->record; /* r points into it */
	memcpy(addr, as->addr, sizeof(addr));
	memcpy(size, as->size, sizeof(size));
	as->active = false;
	bool taken = message_in(p, m, r->type == PX_REC_REPLY ? r->u.reply.question : 0,
				addr, size);
	if (!taken)
		regions_free(addr, size, n);
	free(record);
	memset(as, 0, sizeof(*as));
}

static void handle_record(struct peer *p, const struct px_record *r)
{
	if (p->as.active && r->type != PX_REC_OOL_DATA) {
		abort_session(p, "a record inside a message's data");
		return;
	}
	switch (r->type) {
	case PX_REC_MSG:
	case PX_REC_REPLY:
		message_start(p, r);
		message_finish_if_done(p);
		break;
	case PX_REC_OOL_DATA:
		if (!p->as.active) {
			abort_session(p, "out-of-line data without a message");
			return;
		}
		message_chunk(p, r);
		message_finish_if_done(p);
		break;
	case PX_REC_ANSWER_DEAD: {
		uint32_t q = r->u.answer_dead.question;
		if (!q || q > QUESTIONS_MAX || !p->questions[q - 1].used) {
			abort_session(p, "an answer to no question");
			return;
		}
		/* ERR_LIMIT: the peer refused the request (a full table, or
		 * beyond its credit), so it did not run, and the caller hears
		 * that; otherwise its reply right dies: it sees ERR_DEAD. */
		struct question *qq = &p->questions[q - 1];
		if (r->u.answer_dead.status == ERR_LIMIT)
			reply_status(qq->reply, qq->msg_id, -ERR_LIMIT);
		else
			uk_port_deallocate(qq->reply);
		memset(qq, 0, sizeof(*qq));
		break;
	}
	case PX_REC_RELEASE:
		for (unsigned i = 0; i < r->u.list.count; i++) {
			struct px_pair v;
			px_record_pair(r, i, &v);
			struct export *e = export_by_id(p, v.id);
			if (!e || v.count > e->sent - e->released) {
				abort_session(p, "a release of more than was sent");
				return;
			}
			e->refs -= v.count;
			export_released(e, v.count);
			if (!e->refs)
				export_drop(p, e);
		}
		break;
	case PX_REC_PORT_DEAD:
		for (unsigned i = 0; i < r->u.list.count; i++) {
			uint32_t index;
			/* Unknown: we released it while its port died. */
			if (import_by_id(p, px_record_id(r, i), &index))
				import_drop(p, index);
		}
		break;
	case PX_REC_CREDIT:
		for (unsigned i = 0; i < r->u.list.count; i++) {
			struct px_pair v;
			px_record_pair(r, i, &v);
			struct import *im = import_by_id(p, v.id, NULL);
			if (!im)
				continue; /* released meanwhile */
			im->credits += v.count;
			if (im->credits > 4 * CREDITS_INITIAL) {
				abort_session(p, "credit beyond what was used");
				return;
			}
			if (!im->in_set) {
				uk_port_set_add(port_set, im->port);
				im->in_set = true;
			}
		}
		break;
	case PX_REC_PROVIDE:
		provide_in(p, r->u.provide.ref, r->u.provide.export_id,
			   r->u.provide.recipient);
		break;
	case PX_REC_ACCEPT:
		accept_in(p, r->u.accept.ref, r->u.accept.question);
		break;
	case PX_REC_RESOLVED:
		resolved_in(p, r->u.resolved.question, r->u.resolved.status,
			    &r->u.resolved.cap);
		break;
	case PX_REC_OOL_CREDIT:
		/* A byte window we do not need: one assembly per link and the
		 * link's window bound what we hold (docs/PROXY.md). */
		break;
	default:
		/* Lookups by record: not built. */
		abort_session(p, "a record type this proxy does not speak");
		break;
	}
}

/* ---- time ---- */

/* CREDIT for n exports, counted as given (credit_sent) once it is in
 * the outq: the peer's import has it only from there on. False if the
 * outq is full (the credit stays owed). */
static bool credit_out(struct peer *p, const struct px_pair *v, unsigned n)
{
	int len = px_credit_encode(rec, sizeof(rec), v, n);
	bool ok = len > 0 && append(p, rec, (uint32_t)len);
	for (unsigned i = 0; i < n; i++) {
		struct export *e = export_by_id(p, v[i].id);
		if (ok)
			e->credit_sent += v[i].count;
		else
			e->credit_owed += v[i].count;
	}
	return ok;
}

static void send_credits(struct peer *p)
{
	struct px_pair v[64];
	unsigned n = 0;

	/* The list of exports owed credit, or every export if it overflowed
	 * (an entry may be stale: its export was dropped or credited). */
	uint32_t count = p->owed_all ? EXPORTS_MAX : p->n_owed;
	for (uint32_t k = 0; k < count; k++) {
		struct export *e = &p->exports[p->owed_all ? k : p->owed[k]];
		if (!e->used || !e->credit_owed)
			continue;
		v[n++] = (struct px_pair){ e->id, e->credit_owed };
		e->credit_owed = 0;
		if (n == 64) {
			if (!credit_out(p, v, n))
				goto full;
			n = 0;
		}
	}
	if (n && !credit_out(p, v, n))
		goto full;
	p->credits_owed = 0;
	p->n_owed = 0;
	p->owed_all = false;
	return;
full:
	/* Tried again with the next record or tick, scanning every export. */
	p->owed_all = true;
}

void peer_tick(struct peer *p)
{
	if (p->n_pending)
		pending_retry(p);
	if (p->handoff_due && now_ms() >= p->handoff_due)
		handoff_tick(p);
	p->held_kick = false;
	if (p->n_held)
		held_progress(p);
	if (p->credits_owed &&
	    (p->credits_owed >= CREDITS_INITIAL / 2 || now_ms() >= p->credit_due))
		send_credits(p);
	flush(p);
	px_link_tick(&p->link, now_ms());
	flush(p);
}

bool peer_busy(const struct peer *p)
{
	return p->n_pending || p->n_held || p->held_kick || p->out_len ||
	       p->credits_owed;
}

uint64_t peer_next_tick(const struct peer *p)
{
	uint64_t t = px_link_next_tick(&p->link);
	if (p->credits_owed && p->credit_due < t)
		t = p->credit_due;
	if (p->handoff_due && p->handoff_due < t)
		t = p->handoff_due;
	if (p->held_kick)
		t = 0;
	if (p->n_pending) {
		uint64_t soon = now_ms() + 10;
		if (soon < t)
			t = soon;
	}
	return t;
}

void peer_stats_fill(struct proxy_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->deadline_ms = deadline_ms;
	s->peer_bytes = sizeof(struct peer) + OUTQ_MAX;
	s->answers_pooled = answer_pooled;
	for (unsigned i = 0; i < PEERS_MAX; i++) {
		const struct peer *p = peers[i];
		if (!p)
			continue;
		s->peers++;
		if (px_link_state(&p->link) == PX_LINK_UP)
			s->links_up++;
		for (uint32_t k = 0; k < IMPORTS_MAX; k++)
			s->imports += p->imports[k].used;
		for (uint32_t k = 0; k < EXPORTS_MAX; k++)
			s->exports += p->exports[k].used;
		for (uint32_t k = 0; k < QUESTIONS_MAX; k++)
			s->questions += p->questions[k].used;
		for (uint32_t k = 0; k < ANSWERS_MAX; k++)
			s->answers += p->answers[k].used;
		s->pending += p->n_pending;
		s->assembling += p->as.active;
		s->outq_bytes += p->out_len;
		s->sessions += p->link.counters.sessions;
		s->sessions_ended += p->c.sessions_ended;
		s->not_run += p->c.not_run;
		s->maybe_run += p->c.maybe_run;
		s->bad_records += p->c.bad_records;
		s->limited += p->c.limited;
		s->over_credit += p->c.over_credit;
		s->msgs_to_dead += p->c.msgs_to_dead;
		const struct px_link_counters *c = &p->link.counters;
		s->frames_bad += c->bad;
		s->frames_version += c->version;
		s->frames_stale += c->stale;
		s->frames_foreign += c->foreign;
		s->frames_ooo += c->dup + c->ooo;
		for (unsigned k = 0; k < PROVISIONS_MAX; k++)
			s->provisions += p->provisions[k].used;
		for (unsigned k = 0; k < WAITS_MAX; k++)
			s->waits += p->waits[k].used;
		for (unsigned k = 0; k < ACCEPTS_MAX; k++)
			s->accepts += p->accepts[k].used;
		s->held += p->n_held;
		s->thirds_out += p->c.thirds_out;
		s->handoffs_in += p->c.handoffs_in;
		s->handoffs_failed += p->c.handoffs_failed;
		s->handoffs_refused += p->c.handoffs_refused;
		if (p->c.held_us_max > s->held_us_max)
			s->held_us_max = p->c.held_us_max;
		s->held_us_sum += p->c.held_us_sum;
		s->held_done += p->c.held_done;
	}
}
