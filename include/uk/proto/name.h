/* SPDX-License-Identifier: MIT */
/*
 * The name server: service names to send rights. Every program gets a send
 * right to it as its bootstrap right (uk_startup.rights[UK_STARTUP_BOOTSTRAP]);
 * everything else is found through it.
 *
 * Names are up to 31 bytes of [A-Za-z0-9._-]. A lookup may wait for a name
 * that is not registered yet (servers start in parallel at boot). A name
 * whose port dies is removed (dead-name notification).
 *
 * Remote names: a lookup carries a node number; 0 (or this node) means this
 * node. For another node the name server forwards the request, with the
 * caller's reply right, to the resolver registered for that node (or the
 * wildcard resolver, node UK_NAME_ANY_NODE), which is how the network proxy
 * answers for names on other nodes without the caller noticing.
 */
#ifndef UK_PROTO_NAME_H
#define UK_PROTO_NAME_H

#include <uk/proto/rpc.h>

#define UK_NAME_MAX 32 /* including the NUL */
#define UK_NAME_ANY_NODE 0xffffffffu

enum uk_name_op {
	/* port: the send right to publish (COPY_SEND or MOVE_SEND).
	 * ERR_EXISTS if the name is taken by a live port, ERR_INVALID for a
	 * bad name. */
	NAME_REGISTER = UK_PROTO_NAME + 1,
	/* Reply: one port (a send right) on success. ERR_NOT_FOUND, or
	 * ERR_TIMED_OUT when timeout_ns passed without the name appearing. */
	NAME_LOOKUP = UK_PROTO_NAME + 2,
	/* Only the task that registered the name may remove it
	 * (ERR_PERMISSION). */
	NAME_UNREGISTER = UK_PROTO_NAME + 3,
	/* Reply: struct uk_name_list_reply with up to UK_NAME_LIST_MAX
	 * entries from index start. */
	NAME_LIST = UK_PROTO_NAME + 4,
	/* port: a send right to the resolver; node: the node it answers for,
	 * or UK_NAME_ANY_NODE. The resolver receives NAME_LOOKUP requests
	 * unchanged and replies to their reply right itself. */
	NAME_REGISTER_RESOLVER = UK_PROTO_NAME + 5,
};

struct uk_name_req {
	char name[UK_NAME_MAX];
	uint32_t node;	     /* NAME_LOOKUP: 0 = this node */
	uint32_t flags;	     /* 0 */
	uint64_t timeout_ns; /* NAME_LOOKUP: 0 = fail at once if absent */
};
_Static_assert(sizeof(struct uk_name_req) == 48, "uk_name_req layout");

struct uk_name_list_req {
	uint32_t start;
	uint32_t reserved;
};

struct uk_name_entry {
	char name[UK_NAME_MAX];
	uint64_t owner; /* task id that registered it */
	uint32_t node;	/* this node's number, or the resolver's node */
	uint32_t flags; /* UK_NAME_ENTRY_* */
};
_Static_assert(sizeof(struct uk_name_entry) == 48, "uk_name_entry layout");
#define UK_NAME_ENTRY_RESOLVER 0x1u

#define UK_NAME_LIST_MAX 64
struct uk_name_list_reply {
	uint32_t total; /* entries in the table */
	uint32_t count; /* entries that follow */
	struct uk_name_entry entries[];
};

#endif
