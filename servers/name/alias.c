/* SPDX-License-Identifier: MIT */
/*
 * Aliases (NAME_ADMIN_ALIAS, from init's alias=): a local name that stands
 * for an ordered list of names on other nodes, at most
 * UK_NAME_ALIAS_TARGETS: a primary and its standbys (docs/ARCHITECTURE.md,
 * "Aliases" and "Standbys"). A lookup of an alias asks one target at a
 * time, through its node's resolver and with a reply port of its own in
 * the server's port set, so that the answer comes back here; the first
 * target that resolves is the caller's answer. The port of a target that
 * did not answer in time is destroyed: its late answer has nowhere to go.
 *
 * Bounds: MAX_LOOKUPS in progress, each counted as a waiting lookup of its
 * client (UK_NAME_CLIENT_WAITERS, shared with main.c's parked lookups), and
 * each answered within its wait plus UK_NAME_ALIAS_BOUND_NS: a round starts
 * only while the wait lasts, and a round asks each target once, with a
 * deadline.
 */
#include <string.h>

#include "server.h"

#define MAX_LOOKUPS 32u
#define TARGETS UK_NAME_ALIAS_TARGETS

struct target {
	char name[UK_NAME_MAX];
	uint32_t node;
	uint64_t down_until; /* unreachable lately: asked after the others */
};

/* A lookup of name here is a lookup of the first target that resolves. */
struct alias {
	char name[UK_NAME_MAX];
	struct target targets[TARGETS];
	unsigned n_targets;
	bool used;
};

/* A lookup in progress. It keeps its own copy of the targets, so an alias
 * changed meanwhile does not change what it asks. */
struct lookup {
	char alias[UK_NAME_MAX];
	struct target targets[TARGETS];
	unsigned n_targets;
	unsigned order[TARGETS]; /* this round's order of asking */
	unsigned next;		 /* how many of them were asked */
	uk_name_t reply;	 /* the caller's send-once right */
	uk_name_t port; /* the asked target answers here; 0 between rounds */
	uint32_t client;
	uint64_t wait_end; /* rounds start only before this */
	uint64_t due;	   /* the asked target's deadline, or the next round */
	bool waited;	   /* the caller asked to wait (timeout_ns > 0) */
	bool reached;	   /* a target of this round answered "not here" */
	int32_t status;	   /* the round's last error */
	bool used;
};

static struct alias aliases[UK_NAME_ALIASES];
static struct lookup lookups[MAX_LOOKUPS];

static struct alias *find(const char *name)
{
	for (unsigned i = 0; i < UK_NAME_ALIASES; i++)
		if (aliases[i].used && !strcmp(aliases[i].name, name))
			return &aliases[i];
	return NULL;
}

bool alias_exists(const char *name)
{
	return find(name) != NULL;
}

/* The alias's own record of target t (NULL if the alias changed). */
static struct target *current(const struct lookup *l, const struct target *t)
{
	struct alias *a = find(l->alias);

	for (unsigned i = 0; a && i < a->n_targets; i++)
		if (a->targets[i].node == t->node &&
		    !strcmp(a->targets[i].name, t->name))
			return &a->targets[i];
	return NULL;
}

static void finish(struct lookup *l)
{
	struct client *c = client_by_id(l->client);

	if (l->port)
		uk_port_destroy(l->port);
	if (c && c->waiters)
		c->waiters--;
	l->used = false;
}

/* The caller's answer: status, or the right we were given (moved on). */
static void answer(struct lookup *l, int32_t status, uk_name_t right)
{
	reply_start(NAME_LOOKUP, status, right ? 1 : 0);
	if (right)
		uk_msg_ports(&out.h)[0] =
		    (struct uk_msg_port){right, UK_DISP_COPY_SEND};
	reply_to(l->reply);
	if (right)
		uk_port_deallocate(right);
	finish(l);
}

static void ask_next(struct lookup *l, uint64_t now);

/* Target t of l did not resolve: with ERR_NOT_FOUND or ERR_TIMED_OUT its
 * node was reached; ERR_UNREACHABLE, ERR_DEAD or no answer mark it down. */
static void failed(struct lookup *l, const struct target *t, int32_t status,
		   uint64_t now)
{
	struct target *mine = current(l, t);

	if (status == -ERR_NOT_FOUND || status == -ERR_TIMED_OUT) {
		l->reached = true;
	} else {
		if (mine && (status == -ERR_UNREACHABLE || status == -ERR_DEAD))
			mine->down_until = now + UK_NAME_ALIAS_DOWN_NS;
		l->status = status;
	}
	ask_next(l, now);
}

/* A new round: the targets not marked down in the alias's order, then
 * the others. */
static void round_start(struct lookup *l, uint64_t now)
{
	unsigned k = 0;

	for (int down = 0; down < 2; down++)
		for (unsigned i = 0; i < l->n_targets; i++) {
			const struct target *t = current(l, &l->targets[i]);
			bool is_down = t && t->down_until > now;
			if (is_down == (bool)down)
				l->order[k++] = i;
		}
	l->next = 0;
	l->reached = false;
	l->status = -ERR_UNREACHABLE;
	ask_next(l, now);
}

/* Ask the round's next target, or end the round: again after a pause if
 * a target was reached and the wait lasts, else answer the caller. */
static void ask_next(struct lookup *l, uint64_t now)
{
	while (l->next < l->n_targets) {
		const struct target *t = &l->targets[l->order[l->next++]];
		struct uk_name_req rq;
		long port = port_in_set(port_set);
		if (port <= 0) {
			l->status = port ? (int32_t)port : -ERR_NO_MEMORY;
			continue;
		}
		memset(&rq, 0, sizeof(rq));
		strlcpy(rq.name, t->name, sizeof(rq.name));
		rq.node = t->node;
		int rc =
		    forward(NAME_LOOKUP, (uk_name_t)port,
			    UK_DISP_MAKE_SEND_ONCE, &rq, sizeof(rq), t->node);
		if (rc < 0) {
			uk_port_destroy((uk_name_t)port);
			failed(l, t, rc, now);
			return;
		}
		l->port = (uk_name_t)port;
		l->due = now + (l->next < l->n_targets ? UK_NAME_ALIAS_TRY_NS
						       : UK_NAME_ALIAS_LAST_NS);
		return;
	}
	l->port = 0;
	if (l->reached && now + UK_NAME_ALIAS_RETRY_NS < l->wait_end) {
		l->due = now + UK_NAME_ALIAS_RETRY_NS;
		return;
	}
	if (l->reached)
		answer(l, l->waited ? -ERR_TIMED_OUT : -ERR_NOT_FOUND, 0);
	else
		answer(l, l->status, 0);
}

int alias_lookup(const char *name, uk_name_t reply, uint32_t client,
		 uint64_t wait_ns)
{
	const struct alias *a = find(name);
	struct client *c = client_by_id(client);
	struct lookup *l = NULL;

	if (!a)
		return 0;
	if (c && c->waiters >= UK_NAME_CLIENT_WAITERS)
		return -ERR_LIMIT;
	for (unsigned i = 0; !l && i < MAX_LOOKUPS; i++)
		if (!lookups[i].used)
			l = &lookups[i];
	if (!l)
		return -ERR_LIMIT;
	if (wait_ns > UK_NAME_WAIT_MAX_NS)
		wait_ns = UK_NAME_WAIT_MAX_NS;
	uint64_t now = uk_clock();
	memset(l, 0, sizeof(*l));
	strlcpy(l->alias, a->name, sizeof(l->alias));
	memcpy(l->targets, a->targets, sizeof(l->targets));
	l->n_targets = a->n_targets;
	l->reply = reply;
	l->client = client;
	l->wait_end = now + wait_ns;
	l->waited = wait_ns > 0;
	l->used = true;
	if (c)
		c->waiters++;
	round_start(l, now);
	return 1;
}

bool alias_answer(const struct uk_msg_header *h)
{
	struct lookup *l = NULL;

	for (unsigned i = 0; !l && i < MAX_LOOKUPS; i++)
		if (lookups[i].used && lookups[i].port &&
		    lookups[i].port == h->dest)
			l = &lookups[i];
	if (!l)
		return false;
	const struct target *t = &l->targets[l->order[l->next - 1]];
	const struct uk_rpc_status *st = uk_msg_body(h);
	int32_t status = -ERR_DEAD; /* the send-once right died unanswered */
	uk_name_t right = 0;
	if (!(h->flags & UK_MSG_KERNEL)) {
		status = uk_msg_body_len(h) >= sizeof(*st) ? st->status
							   : -ERR_INVALID;
		if (status == 0 && h->n_ports == 1 &&
		    (uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND))
			right = uk_msg_ports(h)[0].name;
		for (unsigned i = 0; i < h->n_ports; i++)
			if (uk_msg_ports(h)[i].name &&
			    uk_msg_ports(h)[i].name != right)
				uk_port_deallocate(uk_msg_ports(h)[i].name);
		if (h->reply)
			uk_port_deallocate(h->reply);
		if (status == 0 && !right)
			status = -ERR_INVALID;
	}
	uk_port_destroy(l->port);
	l->port = 0;
	if (right) {
		struct target *mine = current(l, t);
		if (mine)
			mine->down_until = 0;
		answer(l, 0, right);
		return true;
	}
	failed(l, t, status, uk_clock());
	return true;
}

uint64_t alias_due(uint64_t now, bool act)
{
	uint64_t next = UK_TIMEOUT_INFINITE;

	for (unsigned i = 0; i < MAX_LOOKUPS; i++) {
		struct lookup *l = &lookups[i];
		if (!l->used)
			continue;
		if (l->due <= now && act) {
			if (l->port) {
				/* No answer in time: skipped, and down. */
				uk_port_destroy(l->port);
				l->port = 0;
				failed(l, &l->targets[l->order[l->next - 1]],
				       -ERR_UNREACHABLE, now);
			} else {
				round_start(l, now);
			}
		}
		if (!l->used)
			continue;
		uint64_t left = l->due > now ? l->due - now : 0;
		if (left < next)
			next = left;
	}
	return next;
}

void alias_client_ended(uint32_t client)
{
	for (unsigned i = 0; i < MAX_LOOKUPS; i++)
		if (lookups[i].used && lookups[i].client == client)
			answer(&lookups[i], -ERR_TIMED_OUT, 0);
}

int alias_set(const struct uk_name_alias_req *rq)
{
	if (!name_ok(rq->name) || (rq->flags & ~UK_NAME_ALIAS_FALLBACK))
		return -ERR_INVALID;
	struct alias *a = find(rq->name);
	if (rq->node == 0 && !(rq->flags & UK_NAME_ALIAS_FALLBACK)) {
		if (!a)
			return -ERR_NOT_FOUND;
		a->used = false;
		return 0;
	}
	/* An alias for this node would ask itself. */
	if (!name_ok(rq->target) || rq->node == 0 || rq->node == self_node ||
	    rq->node == UK_NAME_ANY_NODE)
		return -ERR_INVALID;
	if (rq->flags & UK_NAME_ALIAS_FALLBACK) {
		if (!a)
			return -ERR_NOT_FOUND;
		for (unsigned i = 0; i < a->n_targets; i++)
			if (a->targets[i].node == rq->node &&
			    !strcmp(a->targets[i].name, rq->target))
				return -ERR_EXISTS;
		if (a->n_targets == TARGETS)
			return -ERR_LIMIT;
	} else {
		for (unsigned i = 0; !a && i < UK_NAME_ALIASES; i++)
			if (!aliases[i].used)
				a = &aliases[i];
		if (!a)
			return -ERR_LIMIT;
		memset(a, 0, sizeof(*a));
		strlcpy(a->name, rq->name, sizeof(a->name));
		a->used = true;
	}
	struct target *t = &a->targets[a->n_targets++];
	memset(t, 0, sizeof(*t));
	strlcpy(t->name, rq->target, sizeof(t->name));
	t->node = rq->node;
	return 0;
}

bool alias_entry(unsigned i, struct uk_name_entry *ne)
{
	const struct alias *a = &aliases[i / TARGETS];
	const struct target *t = &a->targets[i % TARGETS];

	if (!a->used || i % TARGETS >= a->n_targets)
		return false;
	memset(ne, 0, sizeof(*ne));
	strlcpy(ne->name, a->name, sizeof(ne->name));
	strlcpy(ne->target, t->name, sizeof(ne->target));
	ne->node = t->node;
	ne->flags = UK_NAME_ENTRY_ALIAS;
	return true;
}
