/* SPDX-License-Identifier: MIT */
/*
 * The host library (docs/PROXY.md, "The host"): a Linux program joins the
 * cluster as node PX_NODE_MAX (1024) and calls services on a node through
 * that node's proxy, with the same wire codec and link state machine as
 * the guest (proxy/wire.c, proxy/link.c).
 *
 * One struct pxh_peer is one session with one node's proxy over one UDP
 * socket. The API is blocking and single-threaded: every call runs the
 * link (resends, ACKs, PINGs, the deadline) while it waits, and returns
 * within its deadline. Nothing runs between calls, so a program that sits
 * idle longer than the link's deadline finds its session ended (the next
 * call on an old right fails with ERR_DEAD; lookups start a new session).
 *
 * Rights the node gives us (a lookup's answer, a file port) are imports,
 * named by handles (pxh_import_t) that carry a generation: a handle of an
 * import that died, or of an ended session, never names a later one.
 * pxh_release gives one back; the node hears RELEASE when the last handle
 * to an import is released, as a local holder's no-senders would.
 *
 * We export nothing: requests from the node are answered as by a name
 * service with no names (NAME_LOOKUP ERR_NOT_FOUND, NAME_LIST empty, any
 * other ERR_UNSUPPORTED) and the rights they carry are released at once.
 *
 * Errors are negative ERR_* of <uk/errors.h> (err_str).
 */
#ifndef PROXY_HOST_PXH_H
#define PROXY_HOST_PXH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uk/errors.h>
#include <uk/proto/fs.h>
#include <uk/proto/name.h>

#include "link.h"

#define PXH_NODE PX_NODE_MAX		/* the host's node number */
#define PXH_UDP_PORT 7070u		/* every node's proxy */
#define PXH_CALL_TIMEOUT_MS 10000u	/* default: a call's own deadline */
#define PXH_OOL_MESSAGE_MAX (16u << 20) /* out-of-line bytes of one reply */

/* A right the node gave us; 0 is none. */
typedef uint64_t pxh_import_t;
/* The target of lookups and lists: the node's name service (export 0). */
#define PXH_NAME_SERVICE ((pxh_import_t)0)

struct pxh_peer;

/* How one datagram reaches the node and comes back, and the clock: the
 * library's I/O, so the tests can put a simulated node behind it. */
struct pxh_transport {
	void *ctx;
	/* One datagram to the node; a failure is the link's to resend. */
	void (*send)(void *ctx, const uint8_t *frame, size_t len);
	/* Waits until a datagram arrives (returns its length) or the clock
	 * reaches until (returns 0). */
	long (*receive)(void *ctx, uint8_t *buf, size_t size, uint64_t until);
	uint64_t (*now)(void *ctx); /* milliseconds, monotonic */
	/* Why the node may be unreachable (the last send or receive
	 * error), or NULL. */
	const char *(*why)(void *ctx);
	void (*close)(void *ctx);
};

struct pxh_options {
	uint32_t deadline_ms; /* a silent node is dead; 0: 1000 */
	uint32_t connect_ms;  /* pxh_open tries this long; 0: the deadline */
	uint32_t call_timeout_ms; /* 0: PXH_CALL_TIMEOUT_MS */
	uint64_t boot_epoch;	  /* 0: from the wall clock (grows per run) */
	uint8_t net_base[4]; /* node N is net_base + N; 0.0.0.0: 10.77.0.10 */
	uint16_t port;	     /* the node's proxy port; 0: PXH_UDP_PORT */
};

/* A reply: what the node's server answered, with its rights as imports
 * (the caller owns them: it releases them, or pxh_reply_free does) and
 * its out-of-line regions reassembled in memory it owns. */
struct pxh_reply {
	uint32_t msg_id;
	uint32_t inline_len;
	_Alignas(8) uint8_t data[PX_MSG_INLINE_MAX];
	unsigned n_caps;
	pxh_import_t caps[PX_MSG_CAPS_MAX]; /* 0: no right in that slot */
	unsigned n_ool;
	uint8_t *ool[PX_MSG_OOL_MAX]; /* malloc'd; NULL for an empty region */
	uint64_t ool_size[PX_MSG_OOL_MAX];
};

struct pxh_counters {
	uint64_t calls, replies, answer_dead, not_run, maybe_run, timed_out;
	uint64_t releases, port_dead, refused, bad_records, sessions;
	uint64_t stray; /* pxh_raw_lenient: answers to no question */
	uint64_t credited; /* messages the node credited back (CREDIT) */
	uint64_t released; /* pxh_raw_lenient: references the node released */
	uint64_t answers_limit; /* ANSWER_DEAD ERR_LIMIT: the node refused */
};

/* Opens a UDP socket to node's proxy and connects within
 * options->connect_ms. ERR_UNREACHABLE when the node did not answer: why
 * (if not NULL) then says what is known. */
int pxh_open(uint16_t node, const struct pxh_options *options,
	     struct pxh_peer **out, char *why, size_t why_len);
/* The same over any transport, which the peer then owns (closes). */
int pxh_open_transport(uint16_t node, const struct pxh_transport *t,
		       const struct pxh_options *options, struct pxh_peer **out,
		       char *why, size_t why_len);
/* Releases every import still held, waits (up to the deadline) for the
 * node to acknowledge, ends the session (RESET, so the node's proxy frees
 * its tables now) and frees everything. */
void pxh_close(struct pxh_peer *p);

/* Sends msg_id with len inline bytes to target (an import, or
 * PXH_NAME_SERVICE) with a send-once reply right (a question) and waits
 * for the answer. 0: reply holds it (its rpc status is the caller's to
 * read, see pxh_reply_status). Otherwise nothing is in reply and:
 * ERR_UNREACHABLE  the request never reached the node's proxy: not run;
 * ERR_DEAD         target is dead or unknown, the node's server dropped
 *                  the reply right, or the session ended after the node's
 *                  proxy had the request: it may have run;
 * ERR_TIMED_OUT    no answer within the call timeout: it may have run;
 * ERR_TOO_BIG, ERR_LIMIT, ERR_QUEUE_FULL: not sent. */
int pxh_call(struct pxh_peer *p, pxh_import_t target, uint32_t msg_id,
	     const void *data, uint32_t len, struct pxh_reply *reply);
/* The rpc status of a reply to msg_id (include/uk/proto/rpc.h): 0 with
 * *body and *body_len (if not NULL) the bytes after it, or a negative
 * ERR_*; ERR_INVALID for a reply that is not one. */
int pxh_reply_status(const struct pxh_reply *r, uint32_t msg_id,
		     const uint8_t **body, uint32_t *body_len);
/* Releases the reply's rights still in caps (the caller zeroes those it
 * keeps) and frees its regions. */
void pxh_reply_free(struct pxh_peer *p, struct pxh_reply *r);
/* Gives back one handle; RELEASE when it was the import's last. */
void pxh_release(struct pxh_peer *p, pxh_import_t import);

/* The name service (include/uk/proto/name.h). */
int pxh_lookup(struct pxh_peer *p, const char *name, pxh_import_t *out);
/* The node's names, aliases and resolvers: a malloc'd array in *out (the
 * caller frees it), their number, or a negative ERR_*. */
long pxh_list(struct pxh_peer *p, struct uk_name_entry **out);

/* The file protocol (include/uk/proto/fs.h) on fs, an import of "fs". */
#define PXH_FS_READ_MAX                                                        \
	(1u << 20) /* the proxy's out-of-line limit per message */
int pxh_fs_open(struct pxh_peer *p, pxh_import_t fs, const char *path,
		uint32_t flags, pxh_import_t *file, struct uk_stat *st);
int pxh_fs_stat(struct pxh_peer *p, pxh_import_t fs, const char *path,
		struct uk_stat *st);
/* Reads up to len (≤ PXH_FS_READ_MAX) bytes at offset: bytes read (fewer
 * at the end of the file) or a negative ERR_*. */
long pxh_fs_read(struct pxh_peer *p, pxh_import_t file, uint64_t offset,
		 void *buf, uint32_t len);
/* Every entry of an open directory, in the server's order; stops early
 * when each returns nonzero (that value is returned). */
int pxh_fs_readdir(struct pxh_peer *p, pxh_import_t file,
		   int (*each)(void *ctx, const char *name, uint8_t type),
		   void *ctx);
/* FILE_CLOSE, then the file's handle is released (also on error). */
int pxh_fs_close(struct pxh_peer *p, pxh_import_t file);

/* Diagnostics. */
uint16_t pxh_node(const struct pxh_peer *p);
bool pxh_is_up(const struct pxh_peer *p);
const struct pxh_counters *pxh_counters(const struct pxh_peer *p);
const struct px_link_counters *pxh_link_counters(const struct pxh_peer *p);
/* How the last session ended ("" while it lasts), for error messages. */
const char *pxh_why(const struct pxh_peer *p);
/* Handles the caller still holds (for tests and leak checks). */
unsigned pxh_imports_held(const struct pxh_peer *p);

/* Raw access, for tests of a node's checks (uk-proxy-attack): nothing
 * here is checked, so a caller can break the protocol on purpose. */
/* Appends bytes to the session's stream as they are (whole records, or
 * parts of them) and hands them to the link; false if the outq is full. */
bool pxh_raw_stream(struct pxh_peer *p, const void *bytes, uint32_t len);
/* Sends one datagram to the node as it is, outside the link. */
void pxh_raw_frame(struct pxh_peer *p, const void *frame, size_t len);
/* Runs the link for ms or until the session ends: 0 if it still lasts,
 * else how it ended (enum px_link_end). */
int pxh_run(struct pxh_peer *p, uint32_t ms);
/* The link (its epochs and sequence numbers, to forge frames). */
const struct px_link *pxh_link(const struct pxh_peer *p);
/* From now on a REPLY or ANSWER_DEAD to a question we never asked (one
 * sent with pxh_raw_stream), and a RELEASE (of rights forged in raw
 * records), are counted (stray, released) and dropped instead of ending the
 * session. */
void pxh_raw_lenient(struct pxh_peer *p);
/* The node's export id behind a handle; 0 for none. */
uint32_t pxh_import_id(struct pxh_peer *p, pxh_import_t import);

#endif
