/* SPDX-License-Identifier: MIT */
/*
 * The link state machine (link.h, docs/PROXY.md "Link state machine"):
 * handshake, go-back-N resend, delayed ACKs, PINGs, the deadline and
 * epochs. Invariants: in UP, frames snd_una..snd_nxt-1 are in flight and
 * each slot (seq % PX_WINDOW_MAX) says which bytes it carried; bytes are
 * freed from the send buffer only when acknowledged, so a resend always
 * finds them. A frame is taken into the session only when both its epochs
 * are the session's; everything else is stale. Every callback may change
 * the state (link.h), so after one the caller re-checks l->generation.
 */
#include "link.h"

#include <string.h>

static uint32_t deadline(const struct px_link *l)
{
	return l->cfg.deadline_ms ? l->cfg.deadline_ms : PX_DEADLINE_DEFAULT_MS;
}

static uint32_t first_seq(const struct px_link *l)
{
	return l->cfg.first_seq ? l->cfg.first_seq : 1u;
}

static uint32_t in_flight(const struct px_link *l)
{
	return l->snd_nxt - l->snd_una;
}

static uint32_t rto_base(const struct px_link *l)
{
	if (!l->have_rtt)
		return PX_RTO_INITIAL_MS;
	uint32_t rto = l->srtt8 / 4u; /* 2 × srtt */
	if (rto < PX_RTO_MIN_MS)
		return PX_RTO_MIN_MS;
	return rto > PX_RTO_MAX_MS ? PX_RTO_MAX_MS : rto;
}

static void rtt_sample(struct px_link *l, uint64_t ms)
{
	uint32_t s = ms > 60000u ? 60000u : (uint32_t)ms;
	if (!l->have_rtt) {
		l->srtt8 = s * 8u;
		l->have_rtt = true;
	} else {
		l->srtt8 = l->srtt8 - l->srtt8 / 8u + s;
	}
	l->rto = rto_base(l); /* a sample ends any backoff */
}

void px_link_init(struct px_link *l, const struct px_link_config *cfg,
		  const struct px_link_ops *ops)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	l->ops = *ops;
	l->state = PX_LINK_IDLE;
	l->epoch = cfg->boot_epoch; /* what a RESET from IDLE carries */
	l->rto = PX_RTO_INITIAL_MS;
}

/* Stream state of a new session: nothing queued, in flight or received. */
static void session_clear(struct px_link *l)
{
	l->snd_una = l->snd_nxt = l->rcv_next = first_seq(l);
	l->rcv_acked = l->rcv_next;
	l->peer_window = PX_WINDOW_MAX;
	l->off_acked = l->off_sent = l->off_queued = 0;
	l->ack_pending = false;
	l->have_rtt = false;
	l->rto = PX_RTO_INITIAL_MS;
	l->rto_at = 0;
}

/* A node's epoch on a link grows with every session it starts there. */
static void fresh_epoch(struct px_link *l)
{
	do
		l->epoch = l->cfg.boot_epoch + l->sessions_started++;
	while (l->epoch == 0);
}

static void copy_out(const struct px_link *l, uint8_t *dst, uint64_t offset,
		     size_t len)
{
	size_t at = (size_t)(offset % PX_LINK_BUFFER);
	size_t first = PX_LINK_BUFFER - at < len ? PX_LINK_BUFFER - at : len;
	memcpy(dst, l->buf + at, first);
	if (len > first)
		memcpy(dst + first, l->buf, len - first);
}

/* Sends one frame; DATA carries the bytes of slot seq. */
static void emit(struct px_link *l, uint8_t type, uint64_t dst_epoch,
		 uint32_t seq, uint64_t now)
{
	struct px_frame f = {
	    .type = type,
	    .src_node = l->cfg.self_node,
	    .dst_node = l->cfg.peer_node,
	    .window = type == PX_RESET ? 0 : PX_WINDOW_MAX,
	    .src_epoch = l->epoch,
	    .dst_epoch = dst_epoch,
	};
	bool carries_ack = type != PX_HELLO && type != PX_RESET;
	if (carries_ack)
		f.ack = l->rcv_next;
	if (type == PX_DATA) {
		const struct px_link_slot *s = &l->slots[seq % PX_WINDOW_MAX];
		f.seq = seq;
		f.length = s->len;
		copy_out(l, l->frame + PX_FRAME_HEADER, s->offset, s->len);
	}
	if (px_frame_encode_header(l->frame, sizeof(l->frame), &f) < 0)
		return; /* cannot happen: the link only builds valid frames */
	l->counters.sent++;
	l->last_sent = now;
	if (carries_ack) {
		l->ack_pending = false;
		l->rcv_acked = l->rcv_next;
	}
	l->ops.output(l->ops.ctx, l->frame, PX_FRAME_HEADER + f.length);
}

static void send_reset(struct px_link *l, uint64_t dst_epoch, uint64_t now)
{
	l->reset_sent = true;
	l->reset_at = now;
	l->counters.resets_sent++;
	emit(l, PX_RESET, dst_epoch, 0, now);
}

/* A frame not of the session: counted, and answered with a RESET at most
 * once per interval so an out-of-date peer starts over. */
static void stale(struct px_link *l, const struct px_frame *f, uint64_t now)
{
	l->counters.stale++;
	if (f->type == PX_RESET || f->type == PX_HELLO)
		return;
	if (l->reset_sent && now - l->reset_at < PX_RESET_INTERVAL_MS)
		return;
	send_reset(l, f->src_epoch, now);
}

static void send_hello(struct px_link *l, uint64_t now)
{
	l->hello_at = now;
	l->counters.hellos_sent++;
	emit(l, PX_HELLO, l->peer_epoch, 0, now);
}

static void start_connect(struct px_link *l, uint64_t now)
{
	fresh_epoch(l);
	session_clear(l);
	l->state = PX_LINK_CONNECTING;
	l->generation++;
	l->connect_at = now;
	l->hello_resent = false;
	send_hello(l, now);
}

static void end_session(struct px_link *l, enum px_link_end reason)
{
	if (l->state != PX_LINK_UP && l->state != PX_LINK_CONNECTING)
		return;
	/* The ended session's offsets stay until the next one starts, so
	 * session_end can still ask px_link_is_acked. */
	l->state = PX_LINK_DEAD;
	l->generation++;
	if (reason == PX_END_DEADLINE)
		l->counters.deadlines++;
	l->ops.session_end(l->ops.ctx, reason);
}

/* Sends queued bytes as new DATA frames while the window allows. */
static void transmit(struct px_link *l, uint64_t now)
{
	uint32_t window =
	    l->peer_window < PX_WINDOW_MAX ? l->peer_window : PX_WINDOW_MAX;
	while (l->state == PX_LINK_UP && l->off_sent < l->off_queued &&
	       in_flight(l) < window) {
		uint64_t left = l->off_queued - l->off_sent;
		struct px_link_slot *s = &l->slots[l->snd_nxt % PX_WINDOW_MAX];
		s->offset = l->off_sent;
		s->len = (uint16_t)(left < PX_FRAME_STREAM_MAX
					? left
					: PX_FRAME_STREAM_MAX);
		s->sent_at = now;
		s->resent = false;
		if (in_flight(l) == 0)
			l->rto_at = now + l->rto;
		uint32_t seq = l->snd_nxt++;
		l->off_sent += s->len;
		l->counters.data_sent++;
		emit(l, PX_DATA, l->peer_epoch, seq, now);
	}
}

static void go_up(struct px_link *l, uint64_t peer_epoch, uint64_t now)
{
	l->state = PX_LINK_UP;
	l->generation++;
	l->peer_epoch = peer_epoch;
	l->last_heard = now;
	l->counters.sessions++;
	uint64_t gen = l->generation;
	if (l->ops.session_start)
		l->ops.session_start(l->ops.ctx, peer_epoch);
	if (l->generation == gen)
		transmit(l, now); /* bytes queued while connecting */
}

/* Answers a HELLO by starting a session with fresh epochs. */
static void accept_hello(struct px_link *l, const struct px_frame *f,
			 uint64_t now)
{
	if (l->state != PX_LINK_CONNECTING) {
		fresh_epoch(l);
		session_clear(l);
	}
	l->peer_epoch = f->src_epoch;
	emit(l, PX_WELCOME, f->src_epoch, 0, now);
	go_up(l, f->src_epoch, now);
}

static void hello(struct px_link *l, const struct px_frame *f, uint64_t now)
{
	if (f->src_epoch < l->peer_epoch) {
		l->counters.stale++; /* an older incarnation of the peer */
		return;
	}
	if (l->state == PX_LINK_UP) {
		if (f->src_epoch == l->peer_epoch) {
			/* Our WELCOME was lost: say it again. */
			l->last_heard = now;
			emit(l, PX_WELCOME, f->src_epoch, 0, now);
			return;
		}
		/* If session_end reconnected, this HELLO answers ours. */
		end_session(l, PX_END_EPOCH);
	}
	accept_hello(l, f, now);
}

/* Cumulative ACK and window; false if it acknowledges a frame never sent. */
static bool take_ack(struct px_link *l, const struct px_frame *f, uint64_t now)
{
	/* Only snd_una..snd_nxt may be acknowledged. An ACK half the
	 * sequence space away is neither before nor after snd_una, so the
	 * range is tested by distance, not by px_seq_after alone. */
	if ((uint32_t)(f->ack - l->snd_una) > in_flight(l))
		/* older than what we know (reordered), or never sent */
		return px_seq_after(l->snd_una, f->ack);
	l->peer_window = f->window;
	if (f->ack == l->snd_una)
		return true;
	const struct px_link_slot *last =
	    &l->slots[(uint32_t)(f->ack - 1u) % PX_WINDOW_MAX];
	/* Karn: no sample from a resent frame, and the backed-off timeout
	 * stays until a sample comes (else a round trip longer than the
	 * initial timeout would never be measured). */
	if (!last->resent)
		rtt_sample(l, now - last->sent_at);
	l->off_acked = last->offset + last->len;
	l->snd_una = f->ack;
	l->rto_at = in_flight(l) ? now + l->rto : 0;
	return true;
}

static void schedule_ack(struct px_link *l, uint64_t now)
{
	if (!l->ack_pending) {
		l->ack_pending = true;
		l->ack_due = now + PX_ACK_DELAY_MS;
	}
}

/* A frame of the session (UP, both epochs match). */
static void in_session(struct px_link *l, const struct px_frame *f,
		       uint64_t now)
{
	if (!take_ack(l, f, now)) {
		l->counters.bad++;
		return;
	}
	l->last_heard = now;
	uint64_t gen = l->generation;
	if (f->type == PX_DATA) {
		if (f->seq == l->rcv_next) {
			l->rcv_next++;
			l->counters.delivered++;
			schedule_ack(l, now);
			l->ops.deliver(l->ops.ctx, f->stream, f->length);
			if (l->generation != gen)
				return;
			/* What deliver sent carried the ACK already. */
			if (l->rcv_next - l->rcv_acked >= PX_ACK_EVERY) {
				l->counters.acks_sent++;
				emit(l, PX_ACK, l->peer_epoch, 0, now);
			}
		} else if (px_seq_after(l->rcv_next, f->seq)) {
			l->counters.dup++;
			schedule_ack(l, now);
		} else {
			l->counters.ooo++;
			schedule_ack(l, now);
		}
	} else if (f->type == PX_PING) {
		l->counters.acks_sent++;
		emit(l, PX_ACK, l->peer_epoch, 0, now);
	}
	transmit(l, now);
}

void px_link_input(struct px_link *l, const uint8_t *buf, size_t len,
		   uint64_t now)
{
	struct px_frame f;
	int rc = px_frame_decode(buf, len, &f);
	if (rc == PX_E_VERSION) {
		l->counters.version++;
		return;
	}
	if (rc < 0) {
		l->counters.bad++;
		return;
	}
	l->counters.received++;
	if (f.src_node != l->cfg.peer_node || f.dst_node != l->cfg.self_node) {
		l->counters.foreign++;
		return;
	}
	if (f.type == PX_HELLO) {
		hello(l, &f, now);
		return;
	}
	if (f.type == PX_RESET) {
		l->counters.resets_received++;
		/* Only a RESET naming our current epoch ends anything. */
		if (l->state == PX_LINK_UP && f.dst_epoch == l->epoch)
			end_session(l, PX_END_RESET);
		else
			l->counters.stale++;
		return;
	}
	if (l->state == PX_LINK_CONNECTING && f.dst_epoch == l->epoch &&
	    f.src_epoch >= l->peer_epoch) {
		/* A WELCOME, or any frame proving the peer took our HELLO
		 * (the WELCOME was lost). */
		if (f.type == PX_WELCOME && !l->hello_resent)
			rtt_sample(l, now - l->hello_at);
		uint64_t gen = l->generation + 1;
		go_up(l, f.src_epoch, now);
		if (l->generation != gen)
			return;
	}
	if (l->state == PX_LINK_UP && f.dst_epoch == l->epoch) {
		if (f.src_epoch == l->peer_epoch) {
			in_session(l, &f, now);
			return;
		}
		if (f.type == PX_WELCOME && f.src_epoch > l->peer_epoch) {
			/* The peer started a session with us that is not
			 * this one: both start over. */
			end_session(l, PX_END_EPOCH);
			if (l->state == PX_LINK_DEAD)
				start_connect(l, now);
			return;
		}
	}
	stale(l, &f, now);
}

void px_link_tick(struct px_link *l, uint64_t now)
{
	if (l->state == PX_LINK_CONNECTING) {
		if (now - l->connect_at > deadline(l)) {
			end_session(l, PX_END_DEADLINE);
			return;
		}
		if (now - l->hello_at >= PX_HELLO_INTERVAL_MS) {
			l->hello_resent = true;
			send_hello(l, now);
		}
		return;
	}
	if (l->state != PX_LINK_UP)
		return;
	if (now - l->last_heard > deadline(l)) {
		end_session(l, PX_END_DEADLINE);
		return;
	}
	if (in_flight(l) && now >= l->rto_at) {
		/* Go-back-N: the peer dropped everything after the loss. */
		for (uint32_t seq = l->snd_una; seq != l->snd_nxt; seq++) {
			struct px_link_slot *s = &l->slots[seq % PX_WINDOW_MAX];
			s->resent = true;
			s->sent_at = now;
			l->counters.resent++;
			emit(l, PX_DATA, l->peer_epoch, seq, now);
		}
		l->rto =
		    l->rto * 2u > PX_RTO_MAX_MS ? PX_RTO_MAX_MS : l->rto * 2u;
		l->rto_at = now + l->rto;
	}
	transmit(l, now);
	if (l->ack_pending && now >= l->ack_due) {
		l->counters.acks_sent++;
		emit(l, PX_ACK, l->peer_epoch, 0, now);
	}
	if (now - l->last_sent >= deadline(l) / 4u) {
		l->counters.pings_sent++;
		emit(l, PX_PING, l->peer_epoch, 0, now);
	}
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t px_link_next_tick(const struct px_link *l)
{
	if (l->state == PX_LINK_CONNECTING)
		return earliest(l->hello_at + PX_HELLO_INTERVAL_MS,
				l->connect_at + deadline(l) + 1u);
	if (l->state != PX_LINK_UP)
		return UINT64_MAX;
	uint64_t t = earliest(l->last_heard + deadline(l) + 1u,
			      l->last_sent + deadline(l) / 4u);
	if (in_flight(l))
		t = earliest(t, l->rto_at);
	if (l->ack_pending)
		t = earliest(t, l->ack_due);
	return t;
}

size_t px_link_room(const struct px_link *l)
{
	if (l->state == PX_LINK_IDLE || l->state == PX_LINK_DEAD)
		return PX_LINK_BUFFER; /* a new session starts empty */
	return PX_LINK_BUFFER - (size_t)(l->off_queued - l->off_acked);
}

size_t px_link_send(struct px_link *l, const uint8_t *data, size_t len,
		    uint64_t now)
{
	if (l->state == PX_LINK_IDLE || l->state == PX_LINK_DEAD)
		start_connect(l, now);
	size_t room = px_link_room(l);
	if (len > room)
		len = room;
	size_t at = (size_t)(l->off_queued % PX_LINK_BUFFER);
	size_t first = PX_LINK_BUFFER - at < len ? PX_LINK_BUFFER - at : len;
	if (first)
		memcpy(l->buf + at, data, first);
	if (len > first)
		memcpy(l->buf, data + first, len - first);
	l->off_queued += len;
	transmit(l, now);
	return len;
}

void px_link_connect(struct px_link *l, uint64_t now)
{
	if (l->state == PX_LINK_IDLE || l->state == PX_LINK_DEAD)
		start_connect(l, now);
}

void px_link_abort(struct px_link *l, uint64_t now)
{
	if (l->state == PX_LINK_UP)
		send_reset(l, l->peer_epoch, now);
	if (l->state == PX_LINK_UP || l->state == PX_LINK_CONNECTING) {
		l->counters.aborts++;
		end_session(l, PX_END_LOCAL);
	}
}

enum px_link_state px_link_state(const struct px_link *l)
{
	return l->state;
}

uint64_t px_link_queued(const struct px_link *l)
{
	return l->off_queued;
}

uint64_t px_link_sent(const struct px_link *l)
{
	return l->off_sent;
}

uint64_t px_link_acked(const struct px_link *l)
{
	return l->off_acked;
}

bool px_link_is_acked(const struct px_link *l, uint64_t offset)
{
	return offset <= l->off_acked;
}

const char *px_link_state_str(enum px_link_state state)
{
	switch (state) {
	case PX_LINK_IDLE:
		return "idle";
	case PX_LINK_CONNECTING:
		return "connecting";
	case PX_LINK_UP:
		return "up";
	case PX_LINK_DEAD:
		return "dead";
	default:
		return "?";
	}
}

const char *px_link_end_str(enum px_link_end reason)
{
	switch (reason) {
	case PX_END_DEADLINE:
		return "deadline";
	case PX_END_RESET:
		return "reset";
	case PX_END_EPOCH:
		return "new epoch";
	case PX_END_LOCAL:
		return "aborted";
	default:
		return "?";
	}
}
