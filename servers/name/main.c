/* SPDX-License-Identifier: MIT */
/*
 * name: the name server (include/uk/proto/name.h). init starts it first and
 * gives it the receive right of the port every other program gets a send
 * right to as its bootstrap right. It maps service names to send rights,
 * lets lookups wait for names that are not registered yet, drops services
 * whose port dies (dead-name notifications arrive on the same port, marked
 * UK_MSG_KERNEL so nobody can forge them), and forwards lookups for other
 * nodes to the resolver registered for them (the network proxy).
 *
 * Arguments: node=N (this node's number, from init).
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/name.h>

#define MAX_ENTRIES 128
#define MAX_WAITERS 64
#define MAX_RESOLVERS 16

struct entry {
	char name[UK_NAME_MAX];
	uk_name_t port; /* our send right */
	uint64_t owner;
	bool used;
};

struct waiter {
	char name[UK_NAME_MAX];
	uk_name_t reply; /* send-once right of the caller */
	uint64_t deadline;
	bool used;
};

struct resolver {
	uint32_t node;
	uk_name_t port;
	uint64_t owner;
	bool used;
};

static struct entry entries[MAX_ENTRIES];
static struct waiter waiters[MAX_WAITERS];
static struct resolver resolvers[MAX_RESOLVERS];
static uk_name_t service;
static uint32_t self_node;
static uint64_t bad_requests;

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};
static union msgbuf in, out;

static bool name_ok(const char *n)
{
	size_t len = strnlen(n, UK_NAME_MAX);

	if (len == 0 || len == UK_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static struct entry *find(const char *name)
{
	for (unsigned i = 0; i < MAX_ENTRIES; i++)
		if (entries[i].used && !strcmp(entries[i].name, name))
			return &entries[i];
	return NULL;
}

/* Start a reply in out: status, then room for body bytes. */
static void *reply_start(uint32_t id, int32_t status, unsigned n_ports)
{
	return uk_rpc_reply_start(&out.h, id, status, n_ports, 0);
}

/* Send the reply in out to a saved send-once right (never blocks). */
static void reply_to(uk_name_t reply)
{
	out.h.dest = reply;
	long rc = uk_ipc_send(&out.h, out.h.size, 0);
	if (rc < 0)
		uk_port_deallocate(reply);
}

static void answer_lookup(uk_name_t reply, const struct entry *e)
{
	if (e) {
		reply_start(NAME_LOOKUP, 0, 1);
		uk_msg_ports(&out.h)[0] = (struct uk_msg_port){ e->port, UK_DISP_COPY_SEND };
	} else {
		reply_start(NAME_LOOKUP, -ERR_TIMED_OUT, 0);
	}
	reply_to(reply);
}

static int do_register(const struct uk_msg_header *h, const struct uk_name_req *rq)
{
	if (h->n_ports != 1 || !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND))
		return -ERR_INVALID;
	uk_name_t port = uk_msg_ports(h)[0].name;
	if (!name_ok(rq->name))
		return -ERR_INVALID;
	struct entry *e = find(rq->name);
	if (e) {
		struct uk_port_info info;
		if (uk_port_info(e->port, &info) == 0 &&
		    !(info.rights & UK_RIGHT_DEAD_NAME))
			return -ERR_EXISTS;
		/* The old service died and its notice is still queued. */
		uk_port_deallocate(e->port);
		e->used = false;
	}
	for (unsigned i = 0; i < MAX_ENTRIES; i++) {
		if (entries[i].used)
			continue;
		e = &entries[i];
		strlcpy(e->name, rq->name, sizeof(e->name));
		e->port = port;
		e->owner = h->sender;
		e->used = true;
		long rc = uk_port_request_notification(port, UK_NOTIFY_DEAD_NAME, service);
		if (rc < 0 && rc != -ERR_DEAD && rc != -ERR_EXISTS)
			printf("name: cannot watch %s: %s\n", e->name, err_str(rc));
		/* Wake every lookup that waits for it. */
		for (unsigned w = 0; w < MAX_WAITERS; w++)
			if (waiters[w].used && !strcmp(waiters[w].name, e->name)) {
				waiters[w].used = false;
				answer_lookup(waiters[w].reply, e);
			}
		return 0;
	}
	return -ERR_LIMIT;
}

/* 1: answered or parked, so the caller must not reply. */
static int do_lookup(const struct uk_msg_header *h, const struct uk_name_req *rq,
		     int *status)
{
	if (!name_ok(rq->name)) {
		*status = -ERR_INVALID;
		return 0;
	}
	if (rq->node && rq->node != self_node) {
		struct resolver *r = NULL;
		for (unsigned i = 0; i < MAX_RESOLVERS; i++)
			if (resolvers[i].used && resolvers[i].node == rq->node)
				r = &resolvers[i];
		for (unsigned i = 0; !r && i < MAX_RESOLVERS; i++)
			if (resolvers[i].used && resolvers[i].node == UK_NAME_ANY_NODE)
				r = &resolvers[i];
		if (!r) {
			*status = -ERR_UNREACHABLE;
			return 0;
		}
		/* Forward the request unchanged; the resolver answers the
		 * caller's reply right itself. */
		memset(&out.h, 0, sizeof(out.h));
		out.h.id = NAME_LOOKUP;
		out.h.dest = r->port;
		out.h.reply = h->reply;
		out.h.reply_disposition = UK_DISP_MOVE_SEND_ONCE;
		memcpy(uk_msg_body(&out.h), rq, sizeof(*rq));
		out.h.size = sizeof(out.h) + sizeof(*rq);
		if (uk_ipc_send(&out.h, out.h.size, 0) < 0) {
			*status = -ERR_BUSY;
			return 0;
		}
		return 1;
	}
	struct entry *e = find(rq->name);
	if (e) {
		reply_start(NAME_LOOKUP, 0, 1);
		uk_msg_ports(&out.h)[0] = (struct uk_msg_port){ e->port, UK_DISP_COPY_SEND };
		reply_to(h->reply);
		return 1;
	}
	if (rq->timeout_ns == 0) {
		*status = -ERR_NOT_FOUND;
		return 0;
	}
	for (unsigned w = 0; w < MAX_WAITERS; w++) {
		if (waiters[w].used)
			continue;
		strlcpy(waiters[w].name, rq->name, sizeof(waiters[w].name));
		waiters[w].reply = h->reply;
		waiters[w].deadline = rq->timeout_ns == UK_TIMEOUT_INFINITE
					      ? UINT64_MAX
					      : uk_clock() + rq->timeout_ns;
		waiters[w].used = true;
		return 1;
	}
	*status = -ERR_LIMIT;
	return 0;
}

static int do_unregister(const struct uk_msg_header *h, const struct uk_name_req *rq)
{
	struct entry *e = name_ok(rq->name) ? find(rq->name) : NULL;

	if (!e)
		return -ERR_NOT_FOUND;
	if ((uint32_t)e->owner != h->sender)
		return -ERR_PERMISSION;
	uk_port_deallocate(e->port);
	e->used = false;
	return 0;
}

static void do_list(const struct uk_name_list_req *rq)
{
	struct uk_name_list_reply *r = reply_start(NAME_LIST, 0, 0);
	uint32_t total = 0, count = 0;

	for (unsigned i = 0; i < MAX_ENTRIES + MAX_RESOLVERS; i++) {
		struct uk_name_entry ne;
		memset(&ne, 0, sizeof(ne));
		if (i < MAX_ENTRIES) {
			if (!entries[i].used)
				continue;
			strlcpy(ne.name, entries[i].name, sizeof(ne.name));
			ne.owner = entries[i].owner;
			ne.node = self_node;
		} else {
			const struct resolver *s = &resolvers[i - MAX_ENTRIES];
			if (!s->used)
				continue;
			snprintf(ne.name, sizeof(ne.name), "resolver");
			ne.owner = s->owner;
			ne.node = s->node;
			ne.flags = UK_NAME_ENTRY_RESOLVER;
		}
		if (total++ >= rq->start && count < UK_NAME_LIST_MAX)
			r->entries[count++] = ne;
	}
	r->total = total;
	r->count = count;
	out.h.size += (uint32_t)(sizeof(*r) + count * sizeof(struct uk_name_entry));
}

static int do_resolver(const struct uk_msg_header *h, const struct uk_name_req *rq)
{
	if (h->n_ports != 1 || !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND) ||
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
		r->owner = h->sender;
		r->used = true;
		uk_port_request_notification(r->port, UK_NOTIFY_DEAD_NAME, service);
		return 0;
	}
	return -ERR_LIMIT;
}

static void dead_name(uk_name_t port)
{
	for (unsigned i = 0; i < MAX_ENTRIES; i++)
		if (entries[i].used && entries[i].port == port) {
			printf("name: %s is gone\n", entries[i].name);
			entries[i].used = false;
			uk_port_deallocate(port);
		}
	for (unsigned i = 0; i < MAX_RESOLVERS; i++)
		if (resolvers[i].used && resolvers[i].port == port) {
			resolvers[i].used = false;
			uk_port_deallocate(port);
		}
}

/* Fail expired waits; returns the time until the next deadline. */
static uint64_t expire_waiters(void)
{
	uint64_t now = uk_clock(), next = UK_TIMEOUT_INFINITE;

	for (unsigned w = 0; w < MAX_WAITERS; w++) {
		if (!waiters[w].used)
			continue;
		if (waiters[w].deadline <= now) {
			waiters[w].used = false;
			answer_lookup(waiters[w].reply, NULL);
		} else if (waiters[w].deadline != UINT64_MAX &&
			   waiters[w].deadline - now < next) {
			next = waiters[w].deadline - now;
		}
	}
	return next;
}

/* Handle the request in in; returns true if out holds a reply for it. */
static bool handle(void)
{
	const struct uk_msg_header *h = &in.h;
	const void *body = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);
	int status;

	if (h->flags & UK_MSG_KERNEL) {
		if (h->id == UK_MSG_ID_DEAD_NAME &&
		    h->size >= sizeof(struct uk_notification))
			dead_name(((const struct uk_notification *)h)->name);
		return false;
	}
	if (!h->reply) {
		bad_requests++;
		return false;
	}
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
			status = do_register(h, &rq);
		else if (h->id == NAME_UNREGISTER)
			status = do_unregister(h, &rq);
		else if (h->id == NAME_REGISTER_RESOLVER)
			status = do_resolver(h, &rq);
		else if (do_lookup(h, &rq, &status))
			return false;
		break;
	}
	case NAME_LIST: {
		struct uk_name_list_req rq;
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		do_list(&rq);
		return true;
	}
	default:
		status = -ERR_UNSUPPORTED;
		break;
	}
	if (status == -ERR_INVALID || status == -ERR_UNSUPPORTED)
		bad_requests++;
	/* Rights that came with a refused request are not kept. */
	if (status < 0)
		for (unsigned i = 0; i < h->n_ports; i++)
			if (uk_msg_ports(h)[i].name)
				uk_port_deallocate(uk_msg_ports(h)[i].name);
	reply_start(h->id, status, 0);
	return true;
}

int main(int argc, char **argv)
{
	service = uk_startup_info->n_rights ? uk_startup_info->rights[0] : 0;
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "node=", 5))
			self_node = (uint32_t)strtoul(argv[i] + 5, NULL, 10);
	if (!service) {
		printf("name: started without a service port\n");
		return 1;
	}
	uk_port_set_limit(service, 256);
	printf("name: serving on node %u\n", self_node);
	bool have_reply = false;
	for (;;) {
		uint64_t timeout = expire_waiters();
		long rc = server_next(service, &in.h, sizeof(in),
				      have_reply ? &out.h : NULL, timeout);
		have_reply = false;
		if (rc == -ERR_TIMED_OUT)
			continue;
		if (rc < 0) {
			printf("name: receive failed: %s\n", err_str(rc));
			uk_sleep(10000000);
			continue;
		}
		have_reply = handle();
	}
}
