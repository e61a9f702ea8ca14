/* SPDX-License-Identifier: MIT */
/*
 * The link between two proxies (docs/PROXY.md, "Link state machine"): a
 * reliable, ordered byte stream per session over datagrams, as a pure
 * module. It does no I/O and reads no clock: the owner passes every
 * datagram that arrived to px_link_input, calls px_link_tick at least as
 * often as px_link_next_tick asks, passes the time in milliseconds to
 * both, and gets frames to send, in-order stream bytes and session starts
 * and ends through the callbacks of struct px_link_ops.
 *
 * Callbacks run inside px_link_input, px_link_tick, px_link_send,
 * px_link_connect and px_link_abort. deliver, session_start and
 * session_end may call px_link_send, px_link_abort and the queries on the
 * same link (the link re-checks its state when they return); none of them
 * may call px_link_input or px_link_tick, and output may call nothing.
 *
 * Each session has fresh epochs on both sides (a node's epoch on a link is
 * its boot epoch plus the number of sessions it started there), so a frame
 * of an ended session is recognised as stale even when neither node
 * rebooted.
 */
#ifndef PROXY_LINK_H
#define PROXY_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define PX_DEADLINE_DEFAULT_MS 1000u
#define PX_HELLO_INTERVAL_MS 100u
#define PX_RESET_INTERVAL_MS 100u /* at most one RESET per interval */
#define PX_ACK_DELAY_MS 5u
/* An ACK goes at once when this many DATA frames arrived since the last
 * frame that carried one: a sender whose whole window is out never waits
 * for the delay (a full window did, once per window). */
#define PX_ACK_EVERY 8u
#define PX_RTO_MIN_MS 20u
#define PX_RTO_MAX_MS 200u
#define PX_RTO_INITIAL_MS 100u /* until the first round-trip sample */
#define PX_LINK_BUFFER (PX_WINDOW_MAX * PX_FRAME_STREAM_MAX)

enum px_link_state {
	PX_LINK_IDLE,	    /* never used */
	PX_LINK_CONNECTING, /* HELLO sent, no answer yet */
	PX_LINK_UP,
	PX_LINK_DEAD, /* the last session ended; next use reconnects */
};

enum px_link_end {
	PX_END_DEADLINE = 1, /* silence past the deadline, or no answer */
	PX_END_RESET,	     /* the peer sent RESET */
	PX_END_EPOCH,	     /* the peer rebooted or started a new session */
	PX_END_LOCAL, /* px_link_abort (a bad record, the owner's call) */
};

struct px_link_ops {
	void *ctx;
	/* One datagram to the peer's proxy; copy it before returning. */
	void (*output)(void *ctx, const uint8_t *frame, size_t len);
	/* Stream bytes in order, each exactly once per session. */
	void (*deliver)(void *ctx, const uint8_t *bytes, size_t len);
	/* The link is UP with a new session (may be NULL). */
	void (*session_start)(void *ctx, uint64_t peer_epoch);
	/* The session ended: bytes not acknowledged will never be. */
	void (*session_end)(void *ctx, enum px_link_end reason);
};

struct px_link_config {
	uint16_t self_node;
	uint16_t peer_node;
	uint64_t boot_epoch;  /* nonzero */
	uint32_t deadline_ms; /* 0: PX_DEADLINE_DEFAULT_MS */
	/* Number of each session's first DATA frame; 0 means 1, as the
	 * specification says. Both ends must agree: only for testing the
	 * serial arithmetic near 2^32. */
	uint32_t first_seq;
};

struct px_link_counters {
	uint64_t sent;	    /* frames of every type */
	uint64_t data_sent; /* DATA frames, first time */
	uint64_t resent;    /* DATA frames sent again */
	uint64_t acks_sent;
	uint64_t pings_sent;
	uint64_t hellos_sent;
	uint64_t resets_sent;
	uint64_t received;  /* frames that decoded */
	uint64_t delivered; /* DATA frames taken in order */
	uint64_t dup;	    /* DATA already taken */
	uint64_t ooo;	    /* DATA after a missing one */
	uint64_t stale;	    /* epochs not of the session */
	uint64_t foreign;   /* wrong source or destination node */
	uint64_t bad;	    /* did not decode, or acknowledged the unsent */
	uint64_t version;   /* another protocol version */
	uint64_t resets_received;
	uint64_t sessions;  /* sessions that came UP */
	uint64_t deadlines; /* sessions ended by the deadline */
	uint64_t aborts;    /* sessions ended by px_link_abort */
};

/* One frame in flight: where its bytes are in the send buffer. */
struct px_link_slot {
	uint64_t offset;
	uint64_t sent_at;
	uint16_t len;
	bool resent;
};

struct px_link {
	struct px_link_config cfg;
	struct px_link_ops ops;
	enum px_link_state state;
	uint64_t generation; /* changes at every session start and end */
	uint64_t epoch;	     /* ours for the current or last session */
	uint64_t sessions_started;
	uint64_t
	    peer_epoch; /* the session's, else the highest seen (0: none) */

	uint64_t connect_at; /* CONNECTING: when it began */
	uint64_t hello_at;   /* when the last HELLO went out */
	bool hello_resent;
	uint64_t last_heard; /* last valid frame of the session */
	uint64_t last_sent;
	bool ack_pending;
	uint64_t ack_due;
	bool reset_sent;
	uint64_t reset_at;

	/* Sending: frames snd_una..snd_nxt-1 in flight; stream offsets
	 * off_acked <= off_sent <= off_queued, bytes in buf by offset. */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t peer_window;
	uint64_t off_acked;
	uint64_t off_sent;
	uint64_t off_queued;
	bool have_rtt;
	uint32_t srtt8;	 /* smoothed round trip, ms × 8 */
	uint32_t rto;	 /* current resend timeout, backed off */
	uint64_t rto_at; /* when the oldest frame in flight is resent */

	uint32_t rcv_next; /* the DATA frame expected next (the ack we send) */
	uint32_t rcv_acked; /* rcv_next when a frame last carried it */

	struct px_link_counters counters;
	struct px_link_slot slots[PX_WINDOW_MAX];
	uint8_t frame[PX_FRAME_MAX];
	uint8_t buf[PX_LINK_BUFFER];
};

void px_link_init(struct px_link *l, const struct px_link_config *cfg,
		  const struct px_link_ops *ops);
/* First use: IDLE or DEAD starts connecting; otherwise nothing. */
void px_link_connect(struct px_link *l, uint64_t now);
/* One datagram that arrived from the peer's address. */
void px_link_input(struct px_link *l, const uint8_t *buf, size_t len,
		   uint64_t now);
/* Resends, delayed ACKs, PINGs, HELLOs and the deadline. */
void px_link_tick(struct px_link *l, uint64_t now);
/* The earliest time px_link_tick has something to do (UINT64_MAX: none). */
uint64_t px_link_next_tick(const struct px_link *l);
/* Queues stream bytes for the current (or, when IDLE or DEAD, a new)
 * session and sends what the window allows; returns how many bytes were
 * taken (at most px_link_room). */
size_t px_link_send(struct px_link *l, const uint8_t *data, size_t len,
		    uint64_t now);
size_t px_link_room(const struct px_link *l);
/* Ends the session now (the owner saw a bad record): RESET to the peer,
 * session_end(PX_END_LOCAL). */
void px_link_abort(struct px_link *l, uint64_t now);

enum px_link_state px_link_state(const struct px_link *l);
/* Stream offsets of the current session (or of the one that ended, until
 * the next starts; so session_end can sort its records): bytes taken by
 * px_link_send, and bytes the peer acknowledged (it has them: a record
 * ending at or below this offset was delivered to the peer's proxy). */
uint64_t px_link_queued(const struct px_link *l);
uint64_t px_link_acked(const struct px_link *l);
/* Bytes that went out in a frame at least once: a record ending above
 * this offset cannot have reached the peer (a call in it did not run);
 * one ending at or below it may have, acknowledged or not. */
uint64_t px_link_sent(const struct px_link *l);
bool px_link_is_acked(const struct px_link *l, uint64_t offset);

const char *px_link_state_str(enum px_link_state state);
const char *px_link_end_str(enum px_link_end reason);

/* RFC 1982 order of 32-bit sequence numbers: a after b. */
static inline bool px_seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif
