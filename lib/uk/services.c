/* SPDX-License-Identifier: MIT */
/*
 * Clients of the name server and the device server: what every program
 * uses to find services (include/uk/proto/name.h, dev.h).
 *
 * A name may be written NAME@NODE ("fs@2"): ns_lookup splits it and asks
 * for NAME on NODE, which the name server forwards to that node's
 * resolver (the network proxy). Calls that may be forwarded have a
 * deadline, so a resolver that never answers costs an error, not a hang.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>
#include <uk/proto/name.h>

/* Small requests and replies fit in one of these. */
union svc_buf {
	struct uk_msg_header h;
	uint8_t bytes[sizeof(struct uk_msg_header) + 16 * sizeof(struct uk_msg_port) +
		      sizeof(struct uk_rpc_status) + sizeof(struct uk_dev_claim_reply)];
	uint64_t align_;
};

uk_name_t ns_port(void)
{
	const struct uk_startup *su = uk_startup_info;

	return su && su->n_rights > UK_STARTUP_BOOTSTRAP
		       ? su->rights[UK_STARTUP_BOOTSTRAP]
		       : UK_NAME_NULL;
}

/* The status of a reply of at least want body bytes, or a negative error. */
static long reply_status(long rc, const struct uk_msg_header *h, uint32_t id,
			 uint32_t want)
{
	if (rc < 0)
		return rc;
	if (h->id != id || uk_msg_body_len(h) < sizeof(struct uk_rpc_status))
		return -ERR_INVALID;
	const struct uk_rpc_status *st = uk_msg_body(h);
	if (st->status < 0)
		return st->status;
	if (uk_msg_body_len(h) < sizeof(*st) + want)
		return -ERR_INVALID;
	return 0;
}

/* What a forwarded call may take beyond the wait it asked for: the
 * proxy answers ERR_UNREACHABLE within its link deadline (1 s). */
#define NS_REMOTE_GRACE_NS (5ull * 1000000000ull)

/* The deadline of a call that may be forwarded to another node's resolver
 * and wait there up to wait_ns (clamped as the name server clamps it). */
static uint64_t remote_deadline(uint64_t wait_ns)
{
	return (wait_ns < UK_NAME_WAIT_MAX_NS ? wait_ns : UK_NAME_WAIT_MAX_NS) +
	       NS_REMOTE_GRACE_NS;
}

long ns_name_split(const char *written, char name[UK_NAME_MAX], uint32_t *node)
{
	const char *at = written ? strchr(written, '@') : NULL;
	size_t len = at ? (size_t)(at - written) : written ? strlen(written) : 0;
	uint64_t n = 0;

	if (!written)
		return -ERR_INVALID;
	if (len >= UK_NAME_MAX)
		return -ERR_NAME_TOO_LONG;
	*node = 0;
	if (at) {
		const char *d = at + 1;
		/* Decimal, no sign, no leading zero, at least one digit, and
		 * a node number: 1 .. UK_NAME_ANY_NODE - 1. */
		if (len == 0 || *d < '1' || *d > '9')
			return -ERR_INVALID;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -ERR_INVALID;
			n = n * 10 + (uint64_t)(*d - '0');
			if (n >= UK_NAME_ANY_NODE)
				return -ERR_INVALID;
		}
		*node = (uint32_t)n;
	}
	memcpy(name, written, len);
	name[len] = '\0';
	return 0;
}

static long name_call(uint32_t id, const char *name, uk_name_t right,
		      uint32_t node, uint64_t timeout_ns, uk_name_t *out)
{
	union svc_buf b;
	struct uk_name_req *rq;
	unsigned n_ports = right ? 1 : 0;
	uk_name_t ns = ns_port();

	if (!ns)
		return -ERR_NOT_FOUND;
	if (!name || strlen(name) >= UK_NAME_MAX)
		return -ERR_NAME_TOO_LONG;
	memset(&b, 0, sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port) +
			      sizeof(*rq));
	b.h.id = id;
	b.h.dest = ns;
	b.h.n_ports = (uint16_t)n_ports;
	if (right)
		uk_msg_ports(&b.h)[0] = (struct uk_msg_port){ right, UK_DISP_COPY_SEND };
	rq = uk_msg_body(&b.h);
	strlcpy(rq->name, name, sizeof(rq->name));
	rq->node = node;
	rq->timeout_ns = timeout_ns;
	b.h.size = (uint32_t)((uint8_t *)(rq + 1) - b.bytes);
	/* A local call is answered by the name server, which never blocks
	 * on anyone; one for another node waits on its resolver. */
	uint64_t deadline = node ? remote_deadline(timeout_ns) : UK_TIMEOUT_INFINITE;
	long rc = uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), deadline);
	rc = reply_status(rc, &b.h, id, 0);
	if (rc < 0 || !out)
		return rc;
	if (b.h.n_ports < 1 || !uk_msg_ports(&b.h)[0].name)
		return -ERR_INVALID;
	*out = uk_msg_ports(&b.h)[0].name;
	return 0;
}

long ns_register(const char *name, uk_name_t send_right)
{
	if (!send_right)
		return -ERR_BAD_NAME;
	return name_call(NAME_REGISTER, name, send_right, 0, 0, NULL);
}

long port_in_set(uk_name_t set)
{
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	long rc;

	if (port <= 0)
		return port ? port : -ERR_NO_MEMORY;
	if ((rc = uk_port_set_add(set, (uk_name_t)port)) < 0) {
		uk_port_destroy((uk_name_t)port);
		return rc;
	}
	return port;
}

long service_create(const char *name)
{
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (port <= 0)
		return port ? port : -ERR_NO_MEMORY;
	long rc = uk_port_insert_right((uk_name_t)port, UK_DISP_MAKE_SEND);
	if (rc >= 0)
		rc = ns_register(name, (uk_name_t)port);
	if (rc < 0) {
		uk_port_destroy((uk_name_t)port);
		return rc;
	}
	return port;
}

long ns_unregister(const char *name)
{
	return name_call(NAME_UNREGISTER, name, 0, 0, 0, NULL);
}

long ns_lookup_node(const char *name, uint32_t node, uint64_t timeout_ns)
{
	char base[UK_NAME_MAX];
	uint32_t written_node;
	uk_name_t port = 0;
	long rc = ns_name_split(name, base, &written_node);

	if (rc < 0)
		return rc;
	if (written_node && node && written_node != node)
		return -ERR_INVALID; /* "fs@2" asked for on node 3 */
	rc = name_call(NAME_LOOKUP, base, 0, written_node ? written_node : node,
		       timeout_ns, &port);
	return rc < 0 ? rc : (long)port;
}

long ns_lookup(const char *name, uint64_t timeout_ns)
{
	return ns_lookup_node(name, 0, timeout_ns);
}

long ns_list(uint32_t start, struct uk_name_entry *out, unsigned max,
	     uint32_t *total)
{
	return ns_list_node(0, start, out, max, total);
}

long ns_list_node(uint32_t node, uint32_t start, struct uk_name_entry *out,
		  unsigned max, uint32_t *total)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[sizeof(struct uk_msg_header) + sizeof(struct uk_rpc_status) +
			      sizeof(struct uk_name_list_reply) +
			      UK_NAME_LIST_MAX * sizeof(struct uk_name_entry)];
		uint64_t align_;
	} b;
	struct uk_name_list_req *rq;
	uk_name_t ns = ns_port();

	if (!ns)
		return -ERR_NOT_FOUND;
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = NAME_LIST;
	b.h.dest = ns;
	rq = uk_msg_body(&b.h);
	rq->start = start;
	rq->node = node;
	b.h.size = sizeof(b.h) + sizeof(*rq);
	long rc = uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b),
			      node ? remote_deadline(0) : UK_TIMEOUT_INFINITE);
	rc = reply_status(rc, &b.h, NAME_LIST, sizeof(struct uk_name_list_reply));
	if (rc < 0)
		return rc;
	const struct uk_name_list_reply *r =
		(const void *)((const uint8_t *)uk_msg_body(&b.h) +
			       sizeof(struct uk_rpc_status));
	uint32_t have = (uk_msg_body_len(&b.h) - (uint32_t)sizeof(struct uk_rpc_status) -
			 (uint32_t)sizeof(*r)) / (uint32_t)sizeof(struct uk_name_entry);
	uint32_t n = r->count < have ? r->count : have;
	if (n > max)
		n = max;
	memcpy(out, r->entries, n * sizeof(*out));
	if (total)
		*total = r->total;
	return n;
}

#define DEV_LOOKUP_WAIT_NS (10ull * 1000000000ull)

/* The device server's public port and our claim port, once found. Either
 * is looked up again when a call finds it dead (ERR_DEAD): a restarted
 * device server registers "dev" anew, and init binds a new "dev.claim"
 * for us to a claim port of the new server. */
static uk_name_t dev_public, dev_claim_right;

/* A live send right to name, waiting up to timeout_ns; a dead one the
 * name server has not dropped yet is skipped. */
static uk_name_t lookup_live(const char *name, uint64_t timeout_ns)
{
	uint64_t deadline = (uint64_t)uk_clock() + timeout_ns;

	for (;;) {
		uint64_t now = (uint64_t)uk_clock();
		long rc = ns_lookup(name, now < deadline ? deadline - now : 0);
		if (rc <= 0)
			return 0;
		struct uk_port_info info;
		if (uk_port_info((uk_name_t)rc, &info) == 0 &&
		    !(info.rights & UK_RIGHT_DEAD_NAME))
			return (uk_name_t)rc;
		uk_port_deallocate((uk_name_t)rc);
		if ((uint64_t)uk_clock() >= deadline)
			return 0;
		uk_sleep(20ull * 1000000ull);
	}
}

/* "dev" (public) or "dev.claim" (ours, if init's configuration gave us
 * one: it is bound for our client port alone, before we run; without it
 * claims and configuration access are ERR_PERMISSION). again: the right
 * we had is dead, so look up the new one and wait for it. */
static uk_name_t dev_right(bool claim, bool again)
{
	uk_name_t *port = claim ? &dev_claim_right : &dev_public;

	if (again && *port) {
		uk_port_deallocate(*port);
		*port = 0;
	} else if (again) {
		return 0;
	}
	if (!*port)
		*port = lookup_live(claim ? "dev.claim" : "dev",
				    claim && !again ? 0 : DEV_LOOKUP_WAIT_NS);
	return *port;
}

static long dev_call(union svc_buf *b, uint32_t id, const void *req,
		     size_t req_len, uk_name_t owner, uint32_t want)
{
	bool claim = id != DEV_INFO;
	uk_name_t dev = dev_right(claim, false);
	long rc = -ERR_DEAD;

	for (unsigned attempt = 0; attempt < 2 && rc == -ERR_DEAD; attempt++) {
		if (attempt)
			dev = dev_right(claim, true);
		if (!dev)
			return claim ? -ERR_PERMISSION : -ERR_NOT_FOUND;
		memset(&b->h, 0, sizeof(b->h));
		b->h.id = id;
		b->h.dest = dev;
		if (owner) {
			b->h.n_ports = 1;
			uk_msg_ports(&b->h)[0] =
				(struct uk_msg_port){ owner, UK_DISP_MAKE_SEND };
		}
		memcpy(uk_msg_body(&b->h), req, req_len);
		b->h.size = (uint32_t)((uint8_t *)uk_msg_body(&b->h) + req_len - b->bytes);
		rc = uk_ipc_call(&b->h, b->h.size, &b->h, sizeof(*b), UK_TIMEOUT_INFINITE);
	}
	return reply_status(rc, &b->h, id, want);
}

static const void *reply_body(const struct uk_msg_header *h)
{
	return (const uint8_t *)uk_msg_body(h) + sizeof(struct uk_rpc_status);
}

long dev_info(uint32_t index, struct uk_dev_info *out)
{
	static union svc_buf b;
	struct uk_dev_info_req rq = { index, 0 };
	long rc = dev_call(&b, DEV_INFO, &rq, sizeof(rq), 0, sizeof(*out));

	if (rc == 0)
		memcpy(out, reply_body(&b.h), sizeof(*out));
	return rc;
}

long dev_claim(const struct uk_dev_claim_req *req, uk_name_t owner,
	       struct uk_dev_claim_reply *out, uk_name_t *caps, unsigned max_caps,
	       unsigned *n_caps)
{
	static union svc_buf b;
	long rc;

	if (!owner)
		return -ERR_BAD_NAME;
	rc = dev_call(&b, DEV_CLAIM, req, sizeof(*req), owner, sizeof(*out));
	if (rc < 0)
		return rc;
	memcpy(out, reply_body(&b.h), sizeof(*out));
	unsigned n = 0;
	for (unsigned i = 0; i < b.h.n_ports; i++) {
		uk_name_t c = uk_msg_ports(&b.h)[i].name;
		if (n < max_caps)
			caps[n++] = c;
		else if (c)
			uk_port_deallocate(c); /* no room: do not leak it */
	}
	if (n_caps)
		*n_caps = n;
	return 0;
}

long dev_config_read(uint32_t index, uint16_t off, uint16_t width, uint32_t *val)
{
	static union svc_buf b;
	struct uk_dev_config_req rq = { index, off, width, 0, 0 };
	long rc = dev_call(&b, DEV_CONFIG_READ, &rq, sizeof(rq), 0,
			   sizeof(struct uk_dev_config_reply));

	if (rc == 0)
		*val = ((const struct uk_dev_config_reply *)reply_body(&b.h))->value;
	return rc;
}

long dev_config_write(uint32_t index, uint16_t off, uint16_t width, uint32_t val)
{
	static union svc_buf b;
	struct uk_dev_config_req rq = { index, off, width, val, 0 };

	return dev_call(&b, DEV_CONFIG_WRITE, &rq, sizeof(rq), 0, 0);
}

long dev_release(uint32_t index)
{
	static union svc_buf b;
	struct uk_dev_claim_req rq = { UK_DEV_ANY, UK_DEV_ANY, UK_DEV_ANY,
				       UK_DEV_ANY, index, 0 };

	return dev_call(&b, DEV_RELEASE, &rq, sizeof(rq), 0, 0);
}

void uk_msg_release(const struct uk_msg_header *h)
{
	for (unsigned i = 0; i < h->n_ports && i < UK_MSG_PORTS_MAX; i++) {
		const struct uk_msg_port *p = &uk_msg_ports(h)[i];
		if (!p->name)
			continue;
		if (p->disposition & UK_RIGHT_RECEIVE)
			uk_port_destroy(p->name);
		else
			uk_port_deallocate(p->name);
	}
	for (unsigned i = 0; i < h->n_ool && i < UK_MSG_OOL_MAX; i++) {
		const struct uk_msg_ool *o = &uk_msg_ools(h)[i];
		if (o->address && o->size)
			uk_vm_free(o->address, o->size);
	}
}
