/* SPDX-License-Identifier: MIT */
/*
 * The proxy server (docs/PROXY.md): its tables and the functions its
 * files share.
 *
 *   serve.c    configuration, start, the resolver port, notifications,
 *              dispatch of local messages and of frames, ticks
 *   main.c     the proxy in a task of its own: its event loop
 *   net.c      its datagrams through netd (one UDP socket, port 7070)
 * In netd (the default), net/server/proxy_udp.c takes the place of
 * main.c and net.c: netd's loop calls serve.c, and frames go to and
 * come from lwIP directly.
 *   session.c  a peer: its link, its tables, and the translation between
 *              local messages and records
 */
#ifndef PROXY_SERVER_H
#define PROXY_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/ipc.h>

#include "link.h"
#include "service.h"
#include "wire.h"

#define PROXY_UDP_PORT 7070u
#define PEERS_MAX 32u
#define IMPORTS_MAX 1024u
#define EXPORTS_MAX 1024u
#define EXPORT_SLOT_MASK 0xffffu /* an export id's slot + 1; above: its generation */
#define QUESTIONS_MAX 256u
#define ANSWERS_MAX 256u
#define PENDING_MAX 64u		     /* messages waiting for a full queue */
#define CREDITS_INITIAL 8u	     /* messages per import in flight */
#define OUTQ_MAX (2u << 20)	     /* record bytes waiting for the link */
#define OOL_MESSAGE_MAX (1u << 20)   /* out-of-line bytes per message */
#define IMPORT_QUEUE_LIMIT 32u	     /* a proxy port's queue */
/* Hand-off (docs/PROXY.md, "Hand-off"): every table per link. */
#define PROVISIONS_MAX 64u	     /* PROVIDEs a peer made here, waiting */
#define REFUSED_MAX 64u		     /* PROVIDEs refused, remembered */
#define WAITS_MAX 64u		     /* ACCEPTs here before their PROVIDE */
#define ACCEPTS_MAX 64u		     /* our ACCEPTs waiting for RESOLVED */
#define HELD_MAX 64u		     /* messages waiting for hand-offs */
#define HANDOFF_MS 10000u	     /* how long any of those may wait */
#define HELD_REPLY PX_MSG_CAPS_MAX   /* a held message's reply slot */

/* What a local name in the map is. */
enum map_kind {
	MAP_IMPORT = 1, /* a proxy port (our receive right) */
	MAP_ANSWER = 2, /* a reply port for a question of a peer */
	MAP_EXPORT = 3, /* a send right we export to a peer */
};

struct import {
	bool used;
	bool armed;  /* a no-senders request is outstanding */
	bool in_set; /* in the port set (it has credit) */
	uint32_t id;
	uk_name_t port;
	uint32_t refs;	  /* times the peer sent it since we made it */
	uint32_t credits; /* messages we may still send to it */
};

/* Flow control (docs/PROXY.md, "Flow control"): the peer makes an
 * import of an export when one of its descriptors reaches it with none
 * there, gives it CREDITS_INITIAL, adds every CREDIT that reaches it
 * while it lasts, and ends it with a RELEASE of the descriptors it took.
 * So its current import began at descriptor `released` + 1 and holds at
 * most the credit we sent after that descriptor went out: a mark keeps
 * credit_sent as it was when a descriptor still out went (a descriptor
 * with no mark of its own counts from an earlier mark, which can only
 * allow more). */
#define EXPORT_MARKS 4u
struct export_mark {
	uint32_t sent;	 /* from this descriptor on (its ordinal) */
	uint32_t credit; /* credit_sent when it went */
};

struct export {
	bool used;
	uint8_t n_marks;
	uint32_t id;
	uk_name_t right; /* our send right (one user reference) */
	uint32_t refs;	 /* times we sent it, less what the peer released,
			    plus the provisions that hold it */
	uint32_t credit_owed;
	uint32_t sent;	       /* descriptors of it sent, ever (ordinals) */
	uint32_t released;     /* of those, released by the peer */
	uint32_t credit_sent;  /* messages credited in CREDIT, ever */
	uint32_t start_credit; /* credit_sent when the current import began */
	uint32_t arrived;      /* MSGs to the current import */
	struct export_mark marks[EXPORT_MARKS];
};

struct question {
	bool used;
	uint32_t id;
	uk_name_t reply; /* the caller's send-once right */
	uint32_t msg_id;
	uint64_t out_pos; /* the peer's outq total after its MSG */
};

struct answer {
	bool used;
	uint32_t question;
	uk_name_t port; /* receive right; the server got a send-once */
};

/* A message for a local port whose queue was full: tried again. */
struct pending {
	bool used;
	uint32_t export_id; /* credit owed once it is delivered */
	uint32_t size;
	uint8_t *msg; /* a message in our name space, ready to send */
};

/* A MSG or REPLY whose out-of-line regions are still arriving. */
struct assembly {
	bool active;
	bool discard; /* a refused message: its chunks are taken and dropped */
	uint8_t *record; /* a copy of the record */
	struct px_record rec;
	unsigned n_ool, next; /* regions, the one being filled */
	/* A region we could not allocate (or discard) has address 0: its
	 * chunks are taken and dropped, and it arrives empty. */
	uint64_t addr[PX_MSG_OOL_MAX], size[PX_MSG_OOL_MAX];
	uint32_t transfer[PX_MSG_OOL_MAX];
	uint64_t filled;
};

/* Hand-off, on the port's node (C): a PROVIDE from this peer (A), one
 * reference on its export, for the recipient (B) to ACCEPT. status is
 * ERR_DEAD once the export is gone (its port died, A's session ended). */
struct provision {
	bool used;
	uint16_t recipient;
	int32_t status;
	uint32_t export_id;
	uint64_t ref;
	uint64_t expires;
};

/* A PROVIDE this peer made that we refused (table full, a ref in use):
 * its ACCEPT is answered at once instead of after HANDOFF_MS. */
struct refused {
	uint16_t recipient;
	int32_t status;
	uint64_t ref;
};

/* On C: an ACCEPT from this peer (B) whose PROVIDE has not come yet. */
struct wait {
	bool used;
	uint32_t question;
	uint64_t ref;
	uint64_t expires;
};

/* On the recipient (B): our ACCEPT to this peer (C) for slot `slot` of
 * the held message `held_seq` of peers[held_peer] (A). */
struct accept {
	bool used;
	uint16_t held_peer;
	uint8_t slot; /* a port slot, or HELD_REPLY */
	uint32_t question; /* index + 1, plus a generation × ACCEPTS_MAX */
	uint64_t held_seq;
	uint64_t ref;
	uint64_t expires;
};

/* On B: a message from this peer (A) held until its THIRD slots are
 * resolved, or behind one that is (a link's messages stay in order).
 * Every right it names is its own (MOVE_SEND), so nothing the peer does
 * meanwhile (RELEASE, PORT_DEAD) can pull a name out from under it. */
struct held {
	bool used;
	uint8_t unresolved; /* THIRD slots still waiting */
	int32_t status;	    /* the first slot's failure: not delivered */
	uint32_t export_id; /* the target's credit, owed on delivery */
	uint32_t size;
	uint64_t seq;	    /* the link's order */
	uint64_t since;	    /* when it arrived (uk_clock, ns) */
	uint8_t *msg;
};

struct peer_counters {
	uint64_t msgs_out, msgs_in, replies_out, replies_in;
	uint64_t not_run, maybe_run, refused, bad_records, pending_max;
	uint64_t sessions_ended;
	/* hand-off */
	uint64_t thirds_out, provisions_in, handoffs_in, handoffs_failed,
		handoffs_refused, held_us_max, held_us_sum, held_done;
	uint64_t limited; /* requests refused: a table was full */
	uint64_t over_credit; /* MSGs beyond the credit we gave, refused */
	uint64_t msgs_to_dead; /* MSGs that crossed our PORT_DEAD, refused */
};

struct peer {
	bool used;
	uint16_t node;
	uint8_t addr[4]; /* its IPv4 address */
	uint16_t port;	 /* its UDP port (a host program's may be any) */
	struct px_link link;
	struct px_stream stream;
	uint8_t *outq;
	uint32_t out_head; /* where the bytes waiting start in outq */
	uint32_t out_len;
	uint32_t credits_owed; /* messages delivered, not yet credited */
	/* Exports with credit owed, so sending it does not scan the table;
	 * when more than fit are owed, owed_all says scan. */
	uint32_t owed[64];
	uint32_t n_owed;
	bool owed_all;
	uint64_t credit_due;   /* when owed credit goes even alone */
	uint64_t out_total;   /* bytes ever appended to outq */
	uint64_t out_flushed; /* of those, bytes handed to the link */
	uint64_t link_base;   /* out_flushed when the session started */
	uint32_t next_transfer;
	struct import imports[IMPORTS_MAX];
	struct export exports[EXPORTS_MAX];
	/* Times each export slot was freed: an id is slot + 1 with this
	 * count above bit 16, so an id the peer still uses after its
	 * PORT_DEAD never names the next port in that slot. */
	uint16_t export_gen[EXPORTS_MAX];
	/* The slot's last export ended by its port's death (PORT_DEAD), not
	 * by the peer's release: a MSG to that id may have crossed it. */
	bool export_died[EXPORTS_MAX];
	struct question questions[QUESTIONS_MAX];
	struct answer answers[ANSWERS_MAX];
	struct pending pending[PENDING_MAX];
	unsigned n_pending;
	struct assembly as;
	struct provision provisions[PROVISIONS_MAX];
	struct refused refused[REFUSED_MAX];
	unsigned n_refused; /* ever: the ring's next slot */
	struct wait waits[WAITS_MAX];
	struct accept accepts[ACCEPTS_MAX];
	struct held held[HELD_MAX];
	uint64_t held_seq;     /* the last held message's */
	uint32_t accept_gen;   /* ACCEPTs sent: a late answer to an earlier
				  ACCEPT in the same slot is not this one's */
	unsigned n_held;
	bool held_kick;	       /* a held message may be complete: tick */
	bool over_said;	       /* over credit was said this session */
	uint64_t handoff_due;  /* the earliest expiry of a provision, wait or
				  accept (0: none) */
	struct peer_counters c;
};

/* Global state of the server. */
extern uint16_t self_node;
extern uint64_t boot_epoch;
extern uint32_t deadline_ms;
extern uint8_t net_base[4]; /* node N is net_base + N */
extern uint8_t host_addr[4]; /* node PX_NODE_MAX: the cluster's host */
extern uk_name_t port_set, notify_port;
extern struct peer *peers[PEERS_MAX];

uint64_t now_ms(void);

/* serve.c: what the host loop calls. */
/* KEY=VALUE (deadline=, net=, host=); false if not the proxy's. */
bool proxy_arg(const char *a);
bool proxy_parse_ipv4(const char *s, uint8_t out[4]);
/* Ports in set, the "proxy" service, the resolver, the network; who
 * names the task (for error messages). Negative: no proxy. */
int proxy_start(uk_name_t set, const char *who);
/* Read the clock (once per turn of the host's loop: now_ms). */
void proxy_clock(void);
/* A message on one of the proxy's ports: handled, true; else false and
 * untouched. */
bool proxy_dispatch(struct uk_msg_header *h);
/* A datagram to the proxy's UDP port. */
void proxy_frame(const uint8_t *frame, uint32_t len, const uint8_t src[4],
		 uint16_t port);
/* The earliest time (now_ms) a peer wants to tick. */
uint64_t proxy_next_ms(void);
/* After a turn (message: one arrived): tick due and busy peers. */
void proxy_after(bool message);

/* map.c: the local name map. */
void map_put(uk_name_t name, enum map_kind kind, uint16_t peer_slot,
	     uint32_t index);
bool map_get(uk_name_t name, enum map_kind kind, uint16_t peer_slot,
	     uint32_t *index);
void map_del(uk_name_t name, enum map_kind kind, uint16_t peer_slot);
/* Any peer's entry of that kind for a receive-right name. */
bool map_find_port(uk_name_t name, enum map_kind kind, uint16_t *peer_slot,
		   uint32_t *index);

/* net.c, or net/server/proxy_udp.c in netd */
extern uint64_t net_oversized; /* datagrams longer than a frame, dropped */
int net_open(void);
bool net_is_reply(uk_name_t dest);
/* A RECV reply arrived: each frame in it, with its source, to fn. */
void net_take(const struct uk_msg_header *h,
	      void (*fn)(const uint8_t *frame, uint32_t len,
			 const uint8_t src[4], uint16_t port));
/* Queues a frame; net_flush sends what is queued, one request to netd. */
void net_send(const uint8_t addr[4], uint16_t port, const uint8_t *frame,
	      uint32_t len);
void net_flush(void);
void net_progress(void);

/* session.c */
struct peer *peer_get(uint16_t node, bool create);
uint16_t peer_slot(const struct peer *p);
void peer_input(struct peer *p, const uint8_t *frame, uint32_t len);
void peer_tick(struct peer *p);
uint64_t peer_next_tick(const struct peer *p);
/* Work a message may have unblocked: deliveries waiting for room, held
 * messages, bytes or credit not yet handed to the link. */
bool peer_busy(const struct peer *p);
/* A local message arrived on an import's proxy port. */
void peer_local_message(struct peer *p, uint32_t import_index,
			struct uk_msg_header *h);
/* A local reply arrived on an answer port. */
void peer_local_answer(struct peer *p, uint32_t answer_index,
		       struct uk_msg_header *h);
/* A lookup or list the name server forwarded to us for p's node. */
void peer_resolve(struct peer *p, struct uk_msg_header *h);
void peer_no_senders(struct peer *p, uint32_t import_index,
		     uint64_t make_send_count);
void peer_answer_died(struct peer *p, uint32_t answer_index);
void peer_export_died(struct peer *p, uint32_t export_index);
/* Answer a local request we cannot forward, and release what it holds. */
void reply_error(struct uk_msg_header *h, int32_t status);
/* Pagers across nodes (pager.c): a kernel message (pager request or
 * return) that reached import import_index of p is forwarded; an answer
 * on one of pager.c's ports is acted on (false: not one of them). */
void pager_forward(struct peer *p, uint32_t import_index,
		   struct uk_msg_header *h);
extern unsigned pager_pending_n;
bool pager_answer(struct uk_msg_header *h);
void release_message(struct uk_msg_header *h);
/* The sums of every peer's tables and counters (PROXY_STATS). */
void peer_stats_fill(struct proxy_stats *s);

#endif
