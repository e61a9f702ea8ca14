/* SPDX-License-Identifier: MIT */
/*
 * What the name server's files share (main.c: clients, names, resolvers
 * and the server loop; alias.c: aliases and the lookups of them). One
 * thread runs all of it. `out` is the reply the loop sends for the request
 * it just handled; anything sent on the server's own account (a forwarded
 * request, the answer to a saved reply right) is built in `out` too, so it
 * must never be done while that reply is pending (main.c's loop sends it
 * first).
 */
#ifndef NAME_SERVER_H
#define NAME_SERVER_H

#include <ulib.h>
#include <uk/proto/name.h>

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

struct client {
	uk_name_t port;	    /* receive right; its senders are the client's
			       tasks. 0 once it has none (ended) */
	uint32_t id;	    /* generation << 8 | slot + 1; never 0 */
	uint32_t parent;    /* the client that made it; 0 if init did */
	uint32_t authority; /* its own id, or its parent's authority */
	uint32_t flags;	    /* UK_NAME_CLIENT_* */
	unsigned entries, waiters, resolvers;
	unsigned subclients, subclient_limit; /* alive below it */
	bool ended; /* no senders, kept for its sub-clients */
	bool used;
};

extern union msgbuf out;
extern uk_name_t port_set;
extern uint32_t self_node;

bool name_ok(const char *n);
struct client *client_by_id(uint32_t id);
void *reply_start(uint32_t id, int32_t status, unsigned n_ports);
void reply_to(uk_name_t reply);
/* Send request id (body of len bytes) for node to its resolver, with the
 * reply right `reply` given as disposition. 0 when sent (a moved reply
 * right is consumed); else an error, and reply is still the caller's. */
int forward(uint32_t id, uk_name_t reply, uint8_t disposition, const void *body,
	    uint32_t len, uint32_t node);

/* alias.c */
bool alias_exists(const char *name);
int alias_set(const struct uk_name_alias_req *rq);
/* A lookup of alias name for client, answered to reply (a send-once
 * right) within wait_ns plus UK_NAME_ALIAS_BOUND_NS. 1: it is under way
 * (reply consumed); 0: name is not an alias; < 0: an error to answer. */
int alias_lookup(const char *name, uk_name_t reply, uint32_t client,
		 uint64_t wait_ns);
/* The message in h arrived on a port of an alias lookup: handled. */
bool alias_answer(const struct uk_msg_header *h);
/* Time until the next alias deadline (UK_TIMEOUT_INFINITE: none); with
 * act, first do what is due. */
uint64_t alias_due(uint64_t now, bool act);
void alias_client_ended(uint32_t client);
/* Entry i (0 .. ALIAS_ENTRIES - 1) of the list: false when unused. */
#define ALIAS_ENTRIES (UK_NAME_ALIASES * UK_NAME_ALIAS_TARGETS)
bool alias_entry(unsigned i, struct uk_name_entry *ne);

#endif
