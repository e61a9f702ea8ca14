/* SPDX-License-Identifier: MIT */
/*
 * The proxy's own service port ("proxy"; the same port is the name
 * server's resolver for other nodes): its message ids and payloads, shared
 * by the server and its clients (tests/guest/pxtest). Ids are in the
 * proxy's range 0x0b00..0x0bff; an id the proxy does not know is answered
 * ERR_UNSUPPORTED. Payloads are fixed-width.
 *
 * PROXY_STATS (no body; any task may ask: it reads counts only)
 *   reply: struct uk_rpc_status, then struct proxy_stats, the sums over
 *   every peer. The tables of a peer whose session ended are empty, and a
 *   released right leaves no import or export, so a test checks for leaks
 *   by waiting until imports..outq_bytes and provisions..held are 0.
 *   What a hostile peer does is counted (docs/PROXY.md, "Hostile
 *   peers"): a bad record or a violation of the protocol resets the
 *   session (bad_records); a frame that is malformed, of another
 *   session or from the wrong node is dropped (frames_*); a request
 *   refused because a bounded table was full is counted in limited; a
 *   MSG beyond the credit this node gave for its target is refused and
 *   counted in over_credit. Fields are only ever appended.
 */
#ifndef PROXY_SERVICE_H
#define PROXY_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#define PROXY_PROTO 0x0b00u
#define PROXY_STATS (PROXY_PROTO + 1u)

struct proxy_stats {
	uint32_t deadline_ms; /* a peer silent this long is dead */
	uint32_t peers;	      /* peers known (a link each) */
	uint32_t links_up;    /* of those, with a session now */
	uint32_t imports;     /* proxy ports (rights from peers) */
	uint32_t exports;     /* our rights held by peers */
	uint32_t questions;   /* calls waiting for a peer's reply */
	uint32_t answers;     /* replies we owe peers */
	uint32_t pending;     /* messages waiting for a full local queue */
	uint32_t assembling;  /* messages whose memory is still arriving */
	uint32_t outq_bytes;  /* records waiting for the links */
	uint64_t sessions;    /* sessions that came up, all peers */
	uint64_t sessions_ended;
	uint64_t not_run;     /* calls answered ERR_UNREACHABLE at a session's end */
	uint64_t maybe_run;   /* calls ended ERR_DEAD at a session's end */
	uint64_t bad_records; /* sessions reset for a bad record */
	/* Hand-off (docs/PROXY.md, "Hand-off"): tables, then counters. */
	uint32_t provisions;  /* PROVIDEs of peers waiting for their ACCEPT */
	uint32_t waits;	      /* ACCEPTs of peers waiting for their PROVIDE */
	uint32_t accepts;     /* our ACCEPTs waiting for RESOLVED */
	uint32_t held;	      /* messages held for hand-offs */
	uint64_t thirds_out;  /* rights we handed to a third node (PROVIDE) */
	uint64_t handoffs_in; /* THIRD rights resolved into imports */
	uint64_t handoffs_failed;  /* THIRD slots delivered empty, provisions
				      expired */
	uint64_t handoffs_refused; /* PROVIDEs/ACCEPTs refused (unknown ref,
				      wrong recipient, tables full) */
	uint64_t held_us_max;	   /* the longest a message was held */
	uint64_t held_us_sum;	   /* all messages held, together */
	uint64_t held_done;	   /* messages held and then delivered */
	/* A hostile peer (docs/PROXY.md, "Hostile peers"), and memory. */
	uint64_t limited;	 /* requests refused: a table was full */
	uint64_t frames_bad;	 /* did not decode, or acknowledged the unsent */
	uint64_t frames_version; /* another protocol version */
	uint64_t frames_stale;	 /* epochs not of the session */
	uint64_t frames_foreign; /* wrong node, address or port */
	uint64_t frames_ooo;	 /* DATA already taken, or after a gap */
	uint64_t peer_bytes;	 /* memory a peer takes, kept for its next session */
	uint64_t over_credit;	 /* MSGs beyond their credit, refused */
	uint64_t answers_pooled; /* answer ports kept for reuse (kernel
				    objects that outlive a session; at most 32) */
	uint64_t msgs_to_dead;	 /* MSGs that crossed our PORT_DEAD: refused
				    with ERR_DEAD, the session goes on */
};
_Static_assert(sizeof(struct proxy_stats) == 232, "proxy_stats layout");
_Static_assert(offsetof(struct proxy_stats, over_credit) == 208,
	       "proxy_stats: fields are appended");

#endif
