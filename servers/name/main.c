/* SPDX-License-Identifier: MIT */
/*
 * name: the name server (include/uk/proto/name.h). init starts it first and
 * gives it the receive right of the admin port (rights[0]); init keeps the
 * only send right to it. Through the admin port init hands in one client
 * port per program it starts (that program's bootstrap right), reserves the
 * system names for the services its configuration names, lets chosen
 * clients see private names (blk0, net0) and binds per-client names
 * (dev.claim). All ports live in one port set; a request is authorized by
 * the port it arrived on (header.dest), never by its sender.
 *
 * The server maps names to send rights, lets lookups wait (at most
 * UK_NAME_WAIT_MAX_NS) for names not registered yet, drops bindings whose
 * port dies and clients whose port has no senders left (notices arrive on a
 * private port whose receive right only we hold), and forwards lookups for
 * other nodes to the resolver registered for them (the network proxy).
 * Every table has a per-client limit, so one client cannot starve another.
 *
 * Sub-clients (NAME_CLIENT_NEW): a client may make clients below it, each
 * with limits of its own and its parent's authority (the client id its
 * private names and bindings are recorded under; the names reserved for
 * the parent's program it may not register), so the
 * process server gives every program its own limits without giving any
 * of them more than proc has. A client's tree is bounded by the
 * sub-client limit of every client on the way up, and the table by
 * MAX_SUBCLIENTS, so sub-clients never take the slots init needs. A client
 * whose port lost its senders stays (port 0, ended) while sub-clients
 * live, so the ids they carry keep meaning what they meant.
 *
 * Aliases (NAME_ADMIN_ALIAS, from init; alias.c): a local name that stands
 * for an ordered list of names on other nodes. A lookup of it asks the
 * targets' resolvers, before any local binding is looked at, and it cannot
 * be registered, so nothing local can stand in for the remote service.
 * NAME_LIST for another node goes to its resolver as lookups do.
 *
 * Arguments: node=N (this node's number, from init).
 */
#include <string.h>

#include "server.h"

#define MAX_ENTRIES 128
#define MAX_WAITERS 64
#define MAX_RESOLVERS 16
#define MAX_CLIENTS 48	  /* made by init (NAME_ADMIN_CLIENT) */
#define MAX_SUBCLIENTS 96 /* made by clients (NAME_CLIENT_NEW) */
#define ENTRY_READERS 6
#define CLIENT_QUEUE 64
#define ADMIN 0u /* the client id of requests on the admin port */
#define NOBODY                                                                 \
	0xffffffffu /* owner of a system name whose program is not running */

_Static_assert(MAX_CLIENTS + MAX_SUBCLIENTS < 256,
	       "client ids keep the slot in 8 bits");

/* A global entry (scope 0) is a name everyone may look up, unless it is
 * private; a scoped entry is a binding only client scope sees. A reserved
 * entry (owner != 0) stays while unbound (port 0), so its name cannot be
 * taken between two instances of its service. */
struct entry {
	char name[UK_NAME_MAX];
	uk_name_t port;	 /* our send right, 0 if unbound */
	uint64_t task;	 /* who registered it, for display only */
	uint32_t client; /* who bound it (charged for it), ADMIN for init */
	uint32_t owner;	 /* reserved for this client, 0 if not reserved */
	uint32_t scope;	 /* 0, or the only client that sees it */
	uint32_t flags;	 /* UK_NAME_PRIVATE */
	uint32_t readers[ENTRY_READERS]; /* clients allowed a private name */
	bool used;
};

struct waiter {
	char name[UK_NAME_MAX];
	uk_name_t reply; /* send-once right of the caller */
	uint64_t deadline;
	uint32_t client;
	bool used;
};

struct resolver {
	uint32_t node;
	uk_name_t port;
	uint64_t task;
	uint32_t client;
	bool used;
};

static struct client clients[MAX_CLIENTS + MAX_SUBCLIENTS];
static struct entry entries[MAX_ENTRIES];
static struct waiter waiters[MAX_WAITERS];
static struct resolver resolvers[MAX_RESOLVERS];
static uk_name_t admin, notify;
uk_name_t port_set;
uint32_t self_node;
static uint32_t generation;
static uint64_t bad_requests;

static union msgbuf in;
union msgbuf out;

bool name_ok(const char *n)
{
	size_t len = strnlen(n, UK_NAME_MAX);

	if (len == 0 || len == UK_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

struct client *client_by_id(uint32_t id)
{
	for (unsigned i = 0; id && i < MAX_CLIENTS + MAX_SUBCLIENTS; i++)
		if (clients[i].used && clients[i].id == id)
			return &clients[i];
	return NULL;
}

static struct client *client_by_port(uk_name_t port)
{
	for (unsigned i = 0; port && i < MAX_CLIENTS + MAX_SUBCLIENTS; i++)
		if (clients[i].used && clients[i].port == port)
			return &clients[i];
	return NULL;
}

/* The id whose reservations, private names and bindings client uses. */
static uint32_t authority(uint32_t client)
{
	const struct client *c = client_by_id(client);

	return c ? c->authority : client;
}

/* A free slot of the table; made_by_init: one of init's MAX_CLIENTS,
 * else one of the MAX_SUBCLIENTS. NULL when that part is full. */
static struct client *free_client(bool made_by_init)
{
	struct client *slot = NULL;
	unsigned used = 0;

	for (unsigned i = 0; i < MAX_CLIENTS + MAX_SUBCLIENTS; i++) {
		if (!clients[i].used)
			slot = slot ? slot : &clients[i];
		else if ((clients[i].parent == 0) == made_by_init)
			used++;
	}
	if (used >= (made_by_init ? MAX_CLIENTS : MAX_SUBCLIENTS))
		return NULL;
	return slot;
}

/* A new client in slot c, listening on port (in our set, no-senders
 * requested); its id and limits are the caller's to adjust. */
static void client_start(struct client *c, uk_name_t port, uint32_t parent)
{
	uk_port_set_limit(port, CLIENT_QUEUE);
	memset(c, 0, sizeof(*c));
	c->port = port;
	c->id = (++generation & 0xffffffu) << 8 | (uint32_t)(c - clients + 1);
	c->parent = parent;
	c->authority = c->id;
	c->subclient_limit = UK_NAME_CLIENT_SUBCLIENTS;
	c->used = true;
}

static struct entry *find_global(const char *name)
{
	for (unsigned i = 0; i < MAX_ENTRIES; i++)
		if (entries[i].used && !entries[i].scope &&
		    !strcmp(entries[i].name, name))
			return &entries[i];
	return NULL;
}

/* client: an authority (a binding is made for init's client id). */
static struct entry *find_scoped(const char *name, uint32_t client)
{
	for (unsigned i = 0; client && i < MAX_ENTRIES; i++)
		if (entries[i].used && entries[i].scope == client &&
		    !strcmp(entries[i].name, name))
			return &entries[i];
	return NULL;
}

static struct entry *new_entry(const char *name)
{
	for (unsigned i = 0; i < MAX_ENTRIES; i++)
		if (!entries[i].used) {
			struct entry *e = &entries[i];
			memset(e, 0, sizeof(*e));
			strlcpy(e->name, name, sizeof(e->name));
			e->used = true;
			return e;
		}
	return NULL;
}

/* client: an authority (readers are init's client ids). */
static bool may_see(const struct entry *e, uint32_t client)
{
	if (client == ADMIN || !(e->flags & UK_NAME_PRIVATE))
		return true;
	for (unsigned i = 0; i < ENTRY_READERS; i++)
		if (e->readers[i] == client)
			return true;
	return false;
}

/* What a lookup by client sees under name: its own binding first. Sets
 * *hidden when a private name exists that client may not see. */
static struct entry *visible(const char *name, uint32_t client, bool *hidden)
{
	uint32_t who = authority(client);
	struct entry *e = find_scoped(name, who);

	*hidden = false;
	if (e)
		return e;
	e = find_global(name);
	if (e && !may_see(e, who)) {
		*hidden = true;
		return NULL;
	}
	return e;
}

/* Drop the binding of e (its port died, was unregistered or replaced);
 * a reserved name stays reserved. */
static void unbind(struct entry *e)
{
	struct client *c = client_by_id(e->client);

	if (c && c->entries)
		c->entries--;
	if (e->port)
		uk_port_deallocate(e->port);
	e->port = 0;
	e->client = 0;
	e->task = 0;
	if (!e->owner || e->scope)
		e->used = false;
}

/* Start a reply in out: status, then room for body bytes. */
void *reply_start(uint32_t id, int32_t status, unsigned n_ports)
{
	return uk_rpc_reply_start(&out.h, id, status, n_ports, 0);
}

/* Send the reply in out to a saved send-once right (never blocks). */
void reply_to(uk_name_t reply)
{
	out.h.dest = reply;
	long rc = uk_ipc_send(&out.h, out.h.size, 0);
	if (rc < 0)
		uk_port_deallocate(reply);
}

static void end_waiter(struct waiter *w, const struct entry *e)
{
	struct client *c = client_by_id(w->client);

	if (c && c->waiters)
		c->waiters--;
	w->used = false;
	if (e) {
		reply_start(NAME_LOOKUP, 0, 1);
		uk_msg_ports(&out.h)[0] =
		    (struct uk_msg_port){e->port, UK_DISP_COPY_SEND};
	} else {
		reply_start(NAME_LOOKUP, -ERR_TIMED_OUT, 0);
	}
	reply_to(w->reply);
}

static int watch(uk_name_t port)
{
	long rc =
	    uk_port_request_notification(port, UK_NOTIFY_DEAD_NAME, notify);

	return rc < 0 && rc != -ERR_EXISTS ? (int)rc : 0;
}

/* Bind e to port for client and wake the lookups that may now see it. */
static void bind(struct entry *e, uk_name_t port, uint32_t client,
		 uint64_t task)
{
	struct client *c = client_by_id(client);

	e->port = port;
	e->client = client;
	e->task = task;
	if (c)
		c->entries++;
	int rc = watch(port);
	if (rc < 0 && rc != -ERR_DEAD)
		printf("name: cannot watch %s: %s\n", e->name, err_str(rc));
	for (unsigned w = 0; w < MAX_WAITERS; w++) {
		bool hidden;
		if (waiters[w].used && !strcmp(waiters[w].name, e->name) &&
		    visible(e->name, waiters[w].client, &hidden) == e)
			end_waiter(&waiters[w], e);
	}
	if (rc == -ERR_DEAD)
		unbind(e); /* it died on the way here */
}

static bool port_alive(uk_name_t port)
{
	struct uk_port_info info;

	return uk_port_info(port, &info) == 0 &&
	       !(info.rights & UK_RIGHT_DEAD_NAME);
}

static void drop_ports(const struct uk_msg_header *h);

/* The resolver for node: the one registered for it, else the wildcard. */
static struct resolver *resolver_for(uint32_t node)
{
	for (unsigned i = 0; i < MAX_RESOLVERS; i++)
		if (resolvers[i].used && resolvers[i].node == node)
			return &resolvers[i];
	for (unsigned i = 0; i < MAX_RESOLVERS; i++)
		if (resolvers[i].used && resolvers[i].node == UK_NAME_ANY_NODE)
			return &resolvers[i];
	return NULL;
}

/* The resolver answers the reply right itself: the caller's (moved), or
 * one made from a port of ours (alias.c). */
int forward(uint32_t id, uk_name_t reply, uint8_t disposition,
	    const void *body, uint32_t len, uint32_t node)
{
	struct resolver *r = resolver_for(node);

	if (!r)
		return -ERR_UNREACHABLE;
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = id;
	out.h.dest = r->port;
	out.h.reply = reply;
	out.h.reply_disposition = disposition;
	memcpy(uk_msg_body(&out.h), body, len);
	out.h.size = (uint32_t)sizeof(out.h) + len;
	/* Never wait: a resolver with a full queue is busy, not our problem. */
	return uk_ipc_send(&out.h, out.h.size, 0) < 0 ? -ERR_BUSY : 0;
}

static int do_register(const struct uk_msg_header *h,
		       const struct uk_name_req *rq, uint32_t client)
{
	struct client *c = client_by_id(client);

	if (h->n_ports != 1 ||
	    !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND))
		return -ERR_INVALID;
	if (!name_ok(rq->name))
		return -ERR_INVALID;
	/* The configuration made this name another node's: nothing here
	 * may stand in for it, its owner included. */
	if (alias_exists(rq->name))
		return -ERR_EXISTS;
	struct entry *e = find_global(rq->name);
	/* A system name is registered only by the client init made for its
	 * program (and the tasks sharing that client), never by a sub-client:
	 * a program proc started must not stand in for proc while proc
	 * restarts. */
	if (e && e->owner && e->owner != client && client != ADMIN)
		return -ERR_PERMISSION; /* a system name of another service */
	if (e && e->port) {
		if (port_alive(e->port))
			return -ERR_EXISTS;
		unbind(e); /* the old service died and its notice is queued */
		if (!e->used)
			e = NULL;
	}
	if (c && c->entries >= UK_NAME_CLIENT_ENTRIES)
		return -ERR_LIMIT;
	if (!e && !(e = new_entry(rq->name)))
		return -ERR_LIMIT;
	bind(e, uk_msg_ports(h)[0].name, client, h->sender);
	return 0;
}

/* 1: answered, forwarded or parked, so the caller must not reply. */
static int do_lookup(const struct uk_msg_header *h,
		     const struct uk_name_req *rq, uint32_t client, int *status)
{
	if (!name_ok(rq->name)) {
		*status = -ERR_INVALID;
		return 0;
	}
	if (rq->node && rq->node != self_node) {
		/* Forward the request unchanged; the resolver answers the
		 * caller's reply right itself. */
		drop_ports(h);
		*status = forward(NAME_LOOKUP, h->reply, UK_DISP_MOVE_SEND_ONCE,
				  rq, sizeof(*rq), rq->node);
		return *status == 0;
	}
	*status = alias_lookup(rq->name, h->reply, client, rq->timeout_ns);
	if (*status) {
		drop_ports(h);
		return *status > 0;
	}
	bool hidden;
	struct entry *e = visible(rq->name, client, &hidden);
	if (hidden) {
		/* A private name is absent for those who may not use it. */
		*status = -ERR_NOT_FOUND;
		return 0;
	}
	if (e && e->port) {
		reply_start(NAME_LOOKUP, 0, 1);
		uk_msg_ports(&out.h)[0] =
		    (struct uk_msg_port){e->port, UK_DISP_COPY_SEND};
		reply_to(h->reply);
		return 1;
	}
	if (rq->timeout_ns == 0) {
		*status = -ERR_NOT_FOUND;
		return 0;
	}
	struct client *c = client_by_id(client);
	if (c && c->waiters >= UK_NAME_CLIENT_WAITERS) {
		*status = -ERR_LIMIT;
		return 0;
	}
	for (unsigned w = 0; w < MAX_WAITERS; w++) {
		if (waiters[w].used)
			continue;
		uint64_t wait = rq->timeout_ns < UK_NAME_WAIT_MAX_NS
				    ? rq->timeout_ns
				    : UK_NAME_WAIT_MAX_NS;
		strlcpy(waiters[w].name, rq->name, sizeof(waiters[w].name));
		waiters[w].reply = h->reply;
		waiters[w].deadline = uk_clock() + wait;
		waiters[w].client = client;
		waiters[w].used = true;
		if (c)
			c->waiters++;
		return 1;
	}
	*status = -ERR_LIMIT;
	return 0;
}

static int do_unregister(const struct uk_name_req *rq, uint32_t client)
{
	struct entry *e = name_ok(rq->name) ? find_global(rq->name) : NULL;

	if (!e || !e->port)
		return -ERR_NOT_FOUND;
	if (e->client != client && client != ADMIN)
		return -ERR_PERMISSION;
	unbind(e);
	return 0;
}

/* Our table: registered names, aliases, resolvers. */
static void do_list(const struct uk_name_list_req *rq)
{
	struct uk_name_list_reply *r = reply_start(NAME_LIST, 0, 0);
	uint32_t total = 0, count = 0;

	for (unsigned i = 0; i < MAX_ENTRIES + ALIAS_ENTRIES + MAX_RESOLVERS;
	     i++) {
		struct uk_name_entry ne;
		memset(&ne, 0, sizeof(ne));
		if (i < MAX_ENTRIES) {
			if (!entries[i].used || !entries[i].port ||
			    entries[i].scope)
				continue;
			strlcpy(ne.name, entries[i].name, sizeof(ne.name));
			ne.owner = entries[i].task;
			ne.node = self_node;
		} else if (i < MAX_ENTRIES + ALIAS_ENTRIES) {
			if (!alias_entry(i - MAX_ENTRIES, &ne))
				continue;
		} else {
			const struct resolver *s =
			    &resolvers[i - MAX_ENTRIES - ALIAS_ENTRIES];
			if (!s->used)
				continue;
			snprintf(ne.name, sizeof(ne.name), "resolver");
			ne.owner = s->task;
			ne.node = s->node;
			ne.flags = UK_NAME_ENTRY_RESOLVER;
		}
		if (total++ >= rq->start && count < UK_NAME_LIST_MAX)
			r->entries[count++] = ne;
	}
	r->total = total;
	r->count = count;
	out.h.size +=
	    (uint32_t)(sizeof(*r) + count * sizeof(struct uk_name_entry));
}

static int do_resolver(const struct uk_msg_header *h,
		       const struct uk_name_req *rq, uint32_t client)
{
	struct client *c = client_by_id(client);

	/* The capability comes first: without it nothing else is told. */
	if (client != ADMIN && !(c && (c->flags & UK_NAME_CLIENT_RESOLVER)))
		return -ERR_PERMISSION;
	if (h->n_ports != 1 ||
	    !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND) ||
	    rq->node == 0 || rq->node == self_node)
		return -ERR_INVALID;
	for (unsigned i = 0; i < MAX_RESOLVERS; i++) {
		struct resolver *r = &resolvers[i];
		if (r->used && r->node == rq->node)
			return -ERR_EXISTS;
	}
	for (unsigned i = 0; i < MAX_RESOLVERS; i++) {
		struct resolver *r = &resolvers[i];
		if (r->used)
			continue;
		r->node = rq->node;
		r->port = uk_msg_ports(h)[0].name;
		r->task = h->sender;
		r->client = client;
		r->used = true;
		if (watch(r->port) < 0) {
			r->used = false;
			return -ERR_DEAD;
		}
		return 0;
	}
	return -ERR_LIMIT;
}

static void client_free(struct client *c);

/* A sub-client of c (NAME_CLIENT_NEW); 0 when answered here, else an
 * error to answer. */
static int client_new(const struct uk_msg_header *h,
		      const struct uk_name_client_req *rq, struct client *c)
{
	if (h->n_ports)
		return -ERR_INVALID;
	for (const struct client *a = c; a; a = client_by_id(a->parent))
		if (a->subclients >= a->subclient_limit)
			return -ERR_LIMIT;
	struct client *sub = free_client(false);
	if (!sub)
		return -ERR_LIMIT;
	/* Our own send right first, so the no-senders request does not fire
	 * at once; the reply moves it to the caller. */
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	long rc = port;
	if (rc > 0)
		rc = uk_port_set_add(port_set, (uk_name_t)port);
	if (rc >= 0)
		rc = uk_port_insert_right((uk_name_t)port, UK_DISP_MAKE_SEND);
	if (rc >= 0)
		rc = uk_port_request_notification((uk_name_t)port,
						  UK_NOTIFY_NO_SENDERS, notify);
	if (rc < 0) {
		if (port > 0)
			uk_port_destroy((uk_name_t)port);
		return port ? (int)rc : -ERR_NO_MEMORY;
	}
	client_start(sub, (uk_name_t)port, c->id);
	sub->authority = c->authority;
	sub->flags = c->flags & rq->flags;
	if (rq->subclients < c->subclient_limit)
		sub->subclient_limit = rq->subclients;
	else
		sub->subclient_limit = c->subclient_limit;
	for (struct client *a = c; a; a = client_by_id(a->parent))
		a->subclients++;
	reply_start(NAME_CLIENT_NEW, 0, 1);
	uk_msg_ports(&out.h)[0] =
	    (struct uk_msg_port){(uk_name_t)port, UK_DISP_MOVE_SEND};
	/* Sent here: a reply that cannot go (the caller is gone) leaves our
	 * send right, and the client would never end. */
	out.h.dest = h->reply;
	if (uk_ipc_send(&out.h, out.h.size, 0) < 0) {
		uk_port_deallocate(h->reply);
		uk_port_destroy((uk_name_t)port);
		sub->port = 0;
		client_free(sub);
	}
	return 0;
}

/* Admin: a new client port. */
static int admin_client(const struct uk_msg_header *h,
			const struct uk_name_admin_req *rq)
{
	if (h->n_ports != 1 ||
	    !(uk_msg_ports(h)[0].disposition & UK_RIGHT_RECEIVE))
		return -ERR_INVALID;
	struct client *c = free_client(true);
	if (!c)
		return -ERR_LIMIT;
	uk_name_t port = uk_msg_ports(h)[0].name;
	long rc = uk_port_set_add(port_set, port);
	if (rc >= 0)
		rc = uk_port_request_notification(port, UK_NOTIFY_NO_SENDERS,
						  notify);
	if (rc < 0)
		return (int)rc;
	client_start(c, port, 0);
	c->flags = rq->flags & UK_NAME_CLIENT_RESOLVER;
	struct uk_name_admin_reply *r = reply_start(NAME_ADMIN_CLIENT, 0, 0);
	r->client = c->id;
	r->reserved = 0;
	out.h.size += sizeof(*r);
	return 1;
}

/* Client 0: reserved for nobody (only init may bind it). */
static int admin_reserve(const struct uk_name_admin_req *rq)
{
	if (!name_ok(rq->name) || (rq->client && !client_by_id(rq->client)))
		return -ERR_INVALID;
	uint32_t owner = rq->client ? rq->client : NOBODY;
	struct entry *e = find_global(rq->name);
	if (e && e->port && authority(e->client) != owner)
		unbind(e); /* the previous instance's binding */
	if (!e || !e->used)
		e = new_entry(rq->name);
	if (!e)
		return -ERR_LIMIT;
	e->owner = owner;
	e->flags = rq->flags & UK_NAME_PRIVATE;
	return 0;
}

static int admin_allow(const struct uk_name_admin_req *rq)
{
	struct entry *e = name_ok(rq->name) ? find_global(rq->name) : NULL;

	if (!e || !e->owner)
		return -ERR_NOT_FOUND;
	if (!client_by_id(rq->client))
		return -ERR_INVALID;
	for (unsigned i = 0; i < ENTRY_READERS; i++)
		if (e->readers[i] == rq->client)
			return 0;
	/* A slot of a client that has ended is free again. */
	for (unsigned i = 0; i < ENTRY_READERS; i++)
		if (!client_by_id(e->readers[i])) {
			e->readers[i] = rq->client;
			return 0;
		}
	return -ERR_LIMIT;
}

static int admin_bind(const struct uk_msg_header *h,
		      const struct uk_name_admin_req *rq)
{
	if (h->n_ports != 1 ||
	    !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND) ||
	    !name_ok(rq->name) || !client_by_id(rq->client))
		return -ERR_INVALID;
	struct entry *e = find_scoped(rq->name, rq->client);
	if (e)
		unbind(e);
	if (!(e = new_entry(rq->name)))
		return -ERR_LIMIT;
	e->scope = rq->client;
	bind(e, uk_msg_ports(h)[0].name, ADMIN, h->sender);
	return 0;
}

/* Admin: set, replace, extend or (node 0) remove an alias. */
static int admin_alias(const struct uk_name_alias_req *rq)
{
	int rc = alias_set(rq);

	if (rc < 0 || rq->node == 0)
		return rc;
	/* Lookups parked for the name now belong to the alias. */
	uint64_t now = uk_clock();
	for (unsigned w = 0; w < MAX_WAITERS; w++) {
		struct waiter *wt = &waiters[w];
		if (!wt->used || strcmp(wt->name, rq->name))
			continue;
		struct client *c = client_by_id(wt->client);
		if (c && c->waiters)
			c->waiters--;
		wt->used = false;
		int st = alias_lookup(rq->name, wt->reply, wt->client,
				      wt->deadline > now ? wt->deadline - now : 0);
		if (st < 0) {
			reply_start(NAME_LOOKUP, st, 0);
			reply_to(wt->reply);
		}
	}
	return 0;
}

static void dead_name(uk_name_t port)
{
	for (unsigned i = 0; i < MAX_ENTRIES; i++)
		if (entries[i].used && entries[i].port == port) {
			if (!entries[i].scope)
				printf("name: %s is gone\n", entries[i].name);
			unbind(&entries[i]);
		}
	for (unsigned i = 0; i < MAX_RESOLVERS; i++)
		if (resolvers[i].used && resolvers[i].port == port) {
			resolvers[i].used = false;
			uk_port_deallocate(port);
		}
}

/* Forget client c, and each client above it that was kept only for the
 * sub-clients it no longer has. */
static void client_free(struct client *c)
{
	while (c) {
		struct client *parent = client_by_id(c->parent);
		for (unsigned i = 0; i < MAX_ENTRIES; i++)
			if (entries[i].used && entries[i].scope == c->id)
				unbind(&entries[i]);
		c->used = false;
		for (struct client *a = parent; a; a = client_by_id(a->parent))
			a->subclients--;
		c = parent && parent->ended && !parent->subclients ? parent
								   : NULL;
	}
}

/* Every task holding the client port has ended: forget the client, or
 * keep it without a port while sub-clients of it live. */
static void client_ended(uk_name_t port)
{
	struct client *c = client_by_port(port);

	if (!c)
		return;
	for (unsigned w = 0; w < MAX_WAITERS; w++)
		if (waiters[w].used && waiters[w].client == c->id)
			end_waiter(&waiters[w], NULL);
	alias_client_ended(c->id);
	uk_port_destroy(c->port);
	c->port = 0;
	c->ended = true;
	if (!c->subclients)
		client_free(c);
}

/* The time until the next deadline of a wait or an alias lookup; with
 * act, first do what is due (expired waits fail). */
static uint64_t deadlines(bool act)
{
	uint64_t now = uk_clock();
	uint64_t next = alias_due(now, act);

	for (unsigned w = 0; w < MAX_WAITERS; w++) {
		if (!waiters[w].used)
			continue;
		if (waiters[w].deadline <= now && act)
			end_waiter(&waiters[w], NULL);
		else if (waiters[w].deadline <= now)
			next = 0;
		else if (waiters[w].deadline - now < next)
			next = waiters[w].deadline - now;
	}
	return next;
}

static void drop_ports(const struct uk_msg_header *h)
{
	for (unsigned i = 0; i < h->n_ports; i++)
		if (uk_msg_ports(h)[i].name)
			uk_port_deallocate(uk_msg_ports(h)[i].name);
}

/* A reply right that is not send-once could block us or be kept forever:
 * answer once through it (moving it back) and forget it. */
static bool reply_right_ok(const struct uk_msg_header *h)
{
	struct uk_port_info info;

	if (uk_port_info(h->reply, &info) == 0 &&
	    (info.rights & UK_RIGHT_SEND_ONCE))
		return true;
	bad_requests++;
	drop_ports(h);
	reply_start(h->id, -ERR_RIGHTS, 0);
	out.h.dest = h->reply;
	out.h.dest_disposition = UK_DISP_MOVE_SEND;
	if (uk_ipc_send(&out.h, out.h.size, 0) < 0)
		uk_port_deallocate(h->reply);
	return false;
}

static int admin_request(const struct uk_msg_header *h, const void *body,
			 uint32_t len)
{
	struct uk_name_admin_req rq;

	if (len < sizeof(rq))
		return -ERR_INVALID;
	memcpy(&rq, body, sizeof(rq));
	rq.name[UK_NAME_MAX - 1] = '\0';
	switch (h->id) {
	case NAME_ADMIN_CLIENT:
		return admin_client(h, &rq);
	case NAME_ADMIN_RESERVE:
		return admin_reserve(&rq);
	case NAME_ADMIN_ALLOW:
		return admin_allow(&rq);
	default:
		return admin_bind(h, &rq);
	}
}

/* Handle the request in in; returns true if out holds a reply for it. */
static bool handle(void)
{
	const struct uk_msg_header *h = &in.h;
	const void *body = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);
	int status;

	if (alias_answer(h))
		return false;
	if (h->dest == notify) {
		const struct uk_notification *n = (const void *)h;
		if (!(h->flags & UK_MSG_KERNEL) || h->size < sizeof(*n))
			return false;
		if (h->id == UK_MSG_ID_DEAD_NAME)
			dead_name(n->name);
		else if (h->id == UK_MSG_ID_NO_SENDERS)
			client_ended(n->name);
		return false;
	}
	struct client *c = h->dest == admin ? NULL : client_by_port(h->dest);
	uint32_t client = c ? c->id : ADMIN;
	if ((h->dest != admin && !c) || !h->reply ||
	    (h->flags & UK_MSG_KERNEL)) {
		bad_requests++;
		drop_ports(h);
		if (h->reply)
			uk_port_deallocate(h->reply);
		return false;
	}
	if (!reply_right_ok(h))
		return false;
	switch (h->id) {
	case NAME_REGISTER:
	case NAME_LOOKUP:
	case NAME_UNREGISTER:
	case NAME_REGISTER_RESOLVER: {
		struct uk_name_req rq;
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		rq.name[UK_NAME_MAX - 1] = '\0';
		if (h->id == NAME_REGISTER)
			status = do_register(h, &rq, client);
		else if (h->id == NAME_UNREGISTER)
			status = do_unregister(&rq, client);
		else if (h->id == NAME_REGISTER_RESOLVER)
			status = do_resolver(h, &rq, client);
		else if (do_lookup(h, &rq, client, &status))
			return false;
		break;
	}
	case NAME_CLIENT_NEW: {
		struct uk_name_client_req rq;
		if (len < sizeof(rq) || client == ADMIN) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		status = client_new(h, &rq, c);
		if (status == 0)
			return false; /* answered */
		break;
	}
	case NAME_LIST: {
		struct uk_name_list_req rq;
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		if (rq.node && rq.node != self_node) {
			drop_ports(h);
			status = forward(NAME_LIST, h->reply,
					 UK_DISP_MOVE_SEND_ONCE, &rq, sizeof(rq),
					 rq.node);
			if (status == 0)
				return false; /* the resolver answers */
			break;
		}
		do_list(&rq);
		return true;
	}
	case NAME_ADMIN_ALIAS: {
		struct uk_name_alias_req rq;
		if (client != ADMIN) {
			status = -ERR_PERMISSION;
			break;
		}
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		rq.name[UK_NAME_MAX - 1] = '\0';
		rq.target[UK_NAME_MAX - 1] = '\0';
		status = admin_alias(&rq);
		break;
	}
	case NAME_ADMIN_CLIENT:
	case NAME_ADMIN_RESERVE:
	case NAME_ADMIN_ALLOW:
	case NAME_ADMIN_BIND:
		status = client == ADMIN ? admin_request(h, body, len)
					 : -ERR_PERMISSION;
		if (status > 0)
			return true;
		break;
	default:
		status = -ERR_UNSUPPORTED;
		break;
	}
	if (status == -ERR_INVALID || status == -ERR_UNSUPPORTED)
		bad_requests++;
	/* Rights that came with a refused request are not kept. */
	if (status < 0)
		drop_ports(h);
	reply_start(h->id, status, 0);
	return true;
}

static int setup_ports(void)
{
	long rc = uk_port_allocate(UK_RIGHT_PORT_SET);

	if (rc < 0)
		return (int)rc;
	port_set = (uk_name_t)rc;
	if ((rc = uk_port_set_add(port_set, admin)) < 0 ||
	    (rc = port_in_set(port_set)) < 0)
		return (int)rc;
	notify = (uk_name_t)rc;
	if ((rc = uk_port_insert_right(notify, UK_DISP_MAKE_SEND)) < 0)
		return (int)rc;
	uk_port_set_limit(admin, 256);
	uk_port_set_limit(notify, 256);
	return 0;
}

int main(int argc, char **argv)
{
	admin = uk_startup_info->n_rights ? uk_startup_info->rights[0] : 0;
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "node=", 5))
			self_node = (uint32_t)strtoul(argv[i] + 5, NULL, 10);
	if (!admin) {
		printf("name: started without the admin port\n");
		return 1;
	}
	int err = setup_ports();
	if (err < 0) {
		printf("name: cannot make its ports: %s\n", err_str(err));
		return 1;
	}
	printf("name: serving on node %u\n", self_node);
	bool have_reply = false;
	for (;;) {
		/* What is due is sent from out: the reply waiting there goes
		 * first. */
		uint64_t timeout = deadlines(false);
		if (timeout == 0 && have_reply) {
			out.h.dest = in.h.reply;
			if (uk_ipc_send(&out.h, out.h.size, 0) < 0)
				uk_port_deallocate(in.h.reply);
			have_reply = false;
		}
		if (timeout == 0)
			timeout = deadlines(true);
		long rc = server_next(port_set, &in.h, sizeof(in),
				      have_reply ? &out.h : NULL, timeout);
		have_reply = false;
		if (rc == -ERR_TIMED_OUT)
			continue;
		if (rc < 0) {
			/* Our reply could not be sent (the caller's right is
			 * gone): nothing to sleep for, just go on. */
			if (rc != -ERR_TOO_BIG)
				printf("name: receive failed: %s\n",
				       err_str(rc));
			continue;
		}
		have_reply = handle();
	}
}
