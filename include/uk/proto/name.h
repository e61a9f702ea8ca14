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
 * answers for names on other nodes without the caller noticing. The written
 * form NAME@NODE ("fs@2") is the client library's (ns_lookup): the name
 * server sees the name and the node apart.
 *
 * Aliases: init may bind a local name to a name on another node
 * (NAME_ADMIN_ALIAS, from alias=NAME:NAME@NODE on the kernel command line),
 * so an unchanged program that looks up "fs" reaches node 2's fs: a lookup
 * of the alias is asked, as a lookup of the target name, of that node's
 * resolver. An alias may name an ordered list of targets, at most
 * UK_NAME_ALIAS_TARGETS (alias=echo:pxecho@2,pxecho@3: a primary and its
 * standby): a lookup asks them in order and answers with the first that
 * resolves (docs/ARCHITECTURE.md, "Aliases" and "Standbys"). An alias
 * shadows every local binding of its name, and nobody may register an
 * aliased name (ERR_EXISTS).
 *
 * Authority (docs/ARCHITECTURE.md, "Protection model"): the name server
 * decides by the port a request arrived on, never by its sender. init holds
 * the only send right to the admin port (the NAME_ADMIN_* operations) and
 * gives every program it starts its own client port as bootstrap right; a
 * task's children share their parent's client port and its limits, unless
 * whoever starts them gives them a sub-client (NAME_CLIENT_NEW, as the
 * process server does for every program it starts). init
 * reserves the system names for the services its configuration names, so
 * only their client port may register them (ERR_PERMISSION for anyone
 * else); a private name (blk0, net0) is visible only to the clients init
 * allowed, and a scoped binding (dev.claim) only to one client.
 * Registering a resolver needs a client port init made with
 * UK_NAME_CLIENT_RESOLVER. Per client: UK_NAME_CLIENT_ENTRIES names,
 * UK_NAME_CLIENT_WAITERS waiting lookups and UK_NAME_CLIENT_SUBCLIENTS
 * live sub-clients below it (ERR_LIMIT beyond); a lookup
 * waits at most UK_NAME_WAIT_MAX_NS (longer timeouts, infinite included,
 * are clamped). A request whose reply right is not a send-once right is
 * answered ERR_RIGHTS through that right (which is consumed) and not
 * served.
 */
#ifndef UK_PROTO_NAME_H
#define UK_PROTO_NAME_H

#include <uk/proto/rpc.h>

#define UK_NAME_MAX 32 /* including the NUL */
#define UK_NAME_ANY_NODE 0xffffffffu

#define UK_NAME_CLIENT_ENTRIES 16	   /* names one client may register */
#define UK_NAME_CLIENT_WAITERS 8	   /* lookups one client may park */
#define UK_NAME_CLIENT_SUBCLIENTS 64 /* sub-clients alive below a client init made */
#define UK_NAME_WAIT_MAX_NS (60ull * 1000000000ull) /* longest lookup wait */

enum uk_name_op {
	/* port: the send right to publish (COPY_SEND or MOVE_SEND).
	 * ERR_EXISTS if the name is taken by a live port or is an alias
	 * (NAME_ADMIN_ALIAS), ERR_INVALID for a bad name. */
	NAME_REGISTER = UK_PROTO_NAME + 1,
	/* Reply: one port (a send right) on success. ERR_NOT_FOUND, or
	 * ERR_TIMED_OUT when timeout_ns passed without the name appearing. */
	NAME_LOOKUP = UK_PROTO_NAME + 2,
	/* Only the client that registered the name may remove it
	 * (ERR_PERMISSION); a reserved name stays reserved. */
	NAME_UNREGISTER = UK_PROTO_NAME + 3,
	/* struct uk_name_list_req. Reply: struct uk_name_list_reply with up
	 * to UK_NAME_LIST_MAX entries from index start: the names registered
	 * here, then the aliases (UK_NAME_ENTRY_ALIAS), then the resolvers
	 * (UK_NAME_ENTRY_RESOLVER). With node another node's number, the
	 * request is forwarded unchanged, with the caller's reply right, to
	 * that node's resolver, which answers with that node's list (as for
	 * NAME_LOOKUP; ERR_UNREACHABLE without a resolver). */
	NAME_LIST = UK_PROTO_NAME + 4,
	/* port: a send right to the resolver; node: the node it answers for,
	 * or UK_NAME_ANY_NODE. The resolver receives NAME_LOOKUP requests
	 * unchanged and replies to their reply right itself. ERR_PERMISSION
	 * unless the client port carries UK_NAME_CLIENT_RESOLVER. */
	NAME_REGISTER_RESOLVER = UK_PROTO_NAME + 5,
	/* A client port only: struct uk_name_client_req. Reply: port[0], the
	 * only send right to a new client port (a sub-client) with limits of
	 * its own and its parent's authority, never more: it may register
	 * the names reserved for the parent's program and sees the private
	 * names and bindings the parent sees; of the parent's
	 * UK_NAME_CLIENT_* flags it keeps those in flags. It ends when its
	 * port has no senders left; a client whose port lost its senders is
	 * kept (its reservations and bindings still serve them) until its
	 * last sub-client ends. ERR_LIMIT when the parent's tree would hold
	 * more sub-clients than any client on the way up allows, or the
	 * server's table is full; ERR_INVALID on the admin port. */
	NAME_CLIENT_NEW = UK_PROTO_NAME + 6,

	/* The admin port only (init); struct uk_name_admin_req. ERR_PERMISSION
	 * on any other port. */
	/* port[0]: MOVE_RECEIVE of a new client port; flags UK_NAME_CLIENT_*.
	 * Reply: struct uk_name_admin_reply with the client's id. The client
	 * ends when its port has no senders left. */
	NAME_ADMIN_CLIENT = UK_PROTO_NAME + 16,
	/* Reserve name for client (owner): only it may register the name
	 * from now on; a binding by a previous owner (a dead instance of a
	 * restarted service) is dropped. flags UK_NAME_PRIVATE: only clients
	 * given NAME_ADMIN_ALLOW see it. */
	NAME_ADMIN_RESERVE = UK_PROTO_NAME + 17,
	/* client may look up the private reserved name. */
	NAME_ADMIN_ALLOW = UK_PROTO_NAME + 18,
	/* port[0]: a send right; bind name to it for client only (a lookup
	 * by that client sees it before any other binding of the name). */
	NAME_ADMIN_BIND = UK_PROTO_NAME + 19,
	/* struct uk_name_alias_req: a lookup of name on this node is
	 * a lookup of target on node (another node; not 0, this node or
	 * UK_NAME_ANY_NODE: ERR_INVALID). Replaces an alias of the same
	 * name; node 0 removes it (ERR_NOT_FOUND if none). Lookups already
	 * waiting for name become lookups of the alias at once. ERR_LIMIT
	 * beyond UK_NAME_ALIASES.
	 * With flags UK_NAME_ALIAS_FALLBACK, target@node is added to the end
	 * of name's list instead: ERR_NOT_FOUND without an alias of name,
	 * ERR_EXISTS if the list has it, ERR_LIMIT beyond
	 * UK_NAME_ALIAS_TARGETS.
	 * A lookup of an alias asks its targets in order, each through its
	 * node's resolver without waiting there (timeout 0), and answers
	 * with the first that resolves. A target that does not answer within
	 * UK_NAME_ALIAS_TRY_NS while another follows it is skipped; one that
	 * was unreachable (ERR_UNREACHABLE, ERR_DEAD, no answer) is asked
	 * after the others for UK_NAME_ALIAS_DOWN_NS. When a target was
	 * reached but has not got the name, the round is asked again every
	 * UK_NAME_ALIAS_RETRY_NS until the lookup's timeout_ns (clamped to
	 * UK_NAME_WAIT_MAX_NS) has passed, then ERR_TIMED_OUT (ERR_NOT_FOUND
	 * for timeout_ns 0); when no target was reached, the round's last
	 * error at once (ERR_UNREACHABLE). A lookup in progress counts as a
	 * waiting lookup of its client (UK_NAME_CLIENT_WAITERS) and is
	 * answered within its timeout plus UK_NAME_ALIAS_BOUND_NS. */
	NAME_ADMIN_ALIAS = UK_PROTO_NAME + 20,
};

#define UK_NAME_ALIASES 16	 /* aliases one name server holds */
#define UK_NAME_ALIAS_TARGETS 4 /* names one alias stands for, in order */
#define UK_NAME_ALIAS_FALLBACK 0x1u /* uk_name_alias_req.flags */
#define UK_NAME_ALIAS_TRY_NS (500ull * 1000000ull)
/* The last target of a round: the resolver's own deadline bounds it (the
 * proxy answers ERR_UNREACHABLE within its link deadline, 1 s). */
#define UK_NAME_ALIAS_LAST_NS (3ull * 1000000000ull)
#define UK_NAME_ALIAS_RETRY_NS (100ull * 1000000ull)
#define UK_NAME_ALIAS_DOWN_NS (10ull * 1000000000ull)
#define UK_NAME_ALIAS_BOUND_NS                                                 \
	((UK_NAME_ALIAS_TARGETS - 1) * UK_NAME_ALIAS_TRY_NS +                  \
	 UK_NAME_ALIAS_LAST_NS + UK_NAME_ALIAS_RETRY_NS)

#define UK_NAME_CLIENT_RESOLVER 0x1u /* may register resolvers */
#define UK_NAME_PRIVATE 0x1u	     /* NAME_ADMIN_RESERVE */

struct uk_name_admin_req {
	char name[UK_NAME_MAX];
	uint32_t client; /* id from NAME_ADMIN_CLIENT */
	uint32_t flags;
};
_Static_assert(sizeof(struct uk_name_admin_req) == 40, "uk_name_admin_req layout");

struct uk_name_admin_reply {
	uint32_t client;
	uint32_t reserved;
};

struct uk_name_client_req {
	uint32_t flags;	     /* UK_NAME_CLIENT_* to keep of the parent's */
	uint32_t subclients; /* its own limit (at most the parent's) */
};
_Static_assert(sizeof(struct uk_name_client_req) == 8, "uk_name_client_req layout");

struct uk_name_req {
	char name[UK_NAME_MAX];
	uint32_t node;	     /* NAME_LOOKUP: 0 = this node */
	uint32_t flags;	     /* 0 */
	uint64_t timeout_ns; /* NAME_LOOKUP: 0 = fail at once if absent */
};
_Static_assert(sizeof(struct uk_name_req) == 48, "uk_name_req layout");

struct uk_name_alias_req {
	char name[UK_NAME_MAX];	  /* the local name */
	char target[UK_NAME_MAX]; /* the name on node */
	uint32_t node;		  /* 0: remove the alias */
	uint32_t flags;		  /* 0 or UK_NAME_ALIAS_FALLBACK */
};
_Static_assert(sizeof(struct uk_name_alias_req) == 72, "uk_name_alias_req layout");

struct uk_name_list_req {
	uint32_t start;
	uint32_t node; /* 0 (or this node): our table; else forwarded */
};
_Static_assert(sizeof(struct uk_name_list_req) == 8, "uk_name_list_req layout");

struct uk_name_entry {
	char name[UK_NAME_MAX];
	uint64_t owner; /* task id that registered it (for display only) */
	uint32_t node;	/* this node's number, the alias's target node, or
			   the resolver's node (UK_NAME_ANY_NODE: any); an
			   alias of several targets has one entry for each,
			   in its order */
	uint32_t flags; /* UK_NAME_ENTRY_* */
	char target[UK_NAME_MAX]; /* an alias's name on node; else "" */
};
_Static_assert(sizeof(struct uk_name_entry) == 80, "uk_name_entry layout");
#define UK_NAME_ENTRY_RESOLVER 0x1u
#define UK_NAME_ENTRY_ALIAS 0x2u

#define UK_NAME_LIST_MAX 40 /* entries per reply: fits UK_RPC_INLINE_DATA */
struct uk_name_list_reply {
	uint32_t total; /* entries in the table */
	uint32_t count; /* entries that follow */
	struct uk_name_entry entries[];
};
_Static_assert(sizeof(struct uk_rpc_status) + sizeof(struct uk_name_list_reply) +
		       UK_NAME_LIST_MAX * sizeof(struct uk_name_entry) <=
		   UK_RPC_INLINE_DATA,
	       "a full NAME_LIST reply fits inline");

#endif
