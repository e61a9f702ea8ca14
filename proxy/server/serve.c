/* SPDX-License-Identifier: MIT */
/*
 * What the proxy does whichever task it lives in (docs/PROXY.md, "Where
 * the proxy runs"): its configuration, its start (ports, the "proxy"
 * service, the resolver registration), the messages of its ports, the
 * frames the network brings, and the ticks of its peers. Two hosts drive
 * it: netd, which runs it in its own loop with frames straight from lwIP
 * (net/server/proxy_udp.c, the default), and the proxy's own task
 * (main.c and net.c: frames through a netd socket), kept to measure one
 * against the other and as a place to experiment.
 *
 * The resolver port is also the service port "proxy", which answers
 * PROXY_STATS (service.h: table counts, for tests and tools).
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/name.h>
#include <uk/proto/rpc.h>

#include "proxy.h"

uint16_t self_node;
uint64_t boot_epoch;
uint32_t deadline_ms = PX_DEADLINE_DEFAULT_MS;
uint8_t net_base[4] = { 10, 77, 0, 10 };
uint8_t host_addr[4] = { 10, 77, 0, 1 };
uk_name_t port_set, notify_port;
static uk_name_t service;
static uint64_t foreign_frames;

/* The clock, read once per turn of the main loop (after each wait and
 * each net_progress) rather than by every caller: a remote call made a
 * dozen clock system calls on each node. Within a turn the proxy does not
 * block, and everything it times is in milliseconds. */
static uint64_t clock_ms;

void proxy_clock(void)
{
	clock_ms = (uint64_t)uk_clock() / 1000000u;
}

uint64_t now_ms(void)
{
	return clock_ms;
}

/* ---- requests ---- */

static void notification(const struct uk_msg_header *h)
{
	const struct uk_notification *n = (const void *)h;
	uint16_t slot;
	uint32_t index;

	if (h->size < sizeof(*n))
		return;
	if (h->id == UK_MSG_ID_DEAD_NAME) {
		/* One of our exported send rights: every peer it went to
		 * hears PORT_DEAD. */
		bool any = false;
		for (uint16_t s = 0; s < PEERS_MAX; s++)
			if (peers[s] && map_get(n->name, MAP_EXPORT, s, &index)) {
				peer_export_died(peers[s], index);
				any = true;
			}
		if (!any)
			uk_port_deallocate(n->name);
	} else if (h->id == UK_MSG_ID_NO_SENDERS) {
		if (map_find_port(n->name, MAP_IMPORT, &slot, &index) && peers[slot])
			peer_no_senders(peers[slot], index, n->make_send_count);
	}
}

/* PROXY_STATS (service.h): counts only, so anyone may ask. */
static void stats_request(struct uk_msg_header *h)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[sizeof(struct uk_msg_header) + sizeof(struct uk_rpc_status) +
			      sizeof(struct proxy_stats)];
	} r;
	uk_name_t reply = h->reply;
	struct uk_port_info info;

	release_message(h);
	if (!reply)
		return;
	memset(&r, 0, sizeof(r));
	r.h.id = PROXY_STATS;
	r.h.dest = reply;
	r.h.dest_disposition = uk_port_info(reply, &info) == 0 &&
					       (info.rights & UK_RIGHT_SEND_ONCE)
				       ? UK_DISP_MOVE_SEND_ONCE
				       : UK_DISP_MOVE_SEND;
	struct uk_rpc_status *st = uk_msg_body(&r.h);
	peer_stats_fill((struct proxy_stats *)(st + 1));
	((struct proxy_stats *)(st + 1))->frames_foreign += foreign_frames;
	((struct proxy_stats *)(st + 1))->frames_bad += net_oversized;
	r.h.size = sizeof(r);
	if (uk_ipc_send(&r.h, r.h.size, 0) < 0)
		uk_port_deallocate(reply);
}

static void resolver_request(struct uk_msg_header *h)
{
	uint32_t node = 0;
	uint32_t len = uk_msg_body_len(h);
	const uint8_t *body = uk_msg_body(h);

	if (h->flags & UK_MSG_KERNEL)
		return;
	if (h->id == PROXY_STATS) {
		stats_request(h);
		return;
	}
	if (h->id == NAME_LOOKUP && len >= sizeof(struct uk_name_req))
		node = ((const struct uk_name_req *)body)->node;
	else if (h->id == NAME_LIST && len >= 8)
		memcpy(&node, body + 4, 4);
	else {
		reply_error(h, -ERR_UNSUPPORTED);
		return;
	}
	struct peer *p = node <= 0xffff ? peer_get((uint16_t)node, true) : NULL;
	if (!p) {
		reply_error(h, -ERR_UNREACHABLE);
		return;
	}
	peer_resolve(p, h);
}

void proxy_frame(const uint8_t *frame, uint32_t len, const uint8_t src[4],
		 uint16_t port)
{
	/* Only a cluster node's proxy, from its own address, or the host's
	 * (from any port: a host program is not the only one on its host). */
	unsigned node = src[3] - net_base[3];
	if (!memcmp(src, host_addr, 4))
		node = PX_NODE_MAX;
	else if (memcmp(src, net_base, 3) || src[3] <= net_base[3] ||
		 port != PROXY_UDP_PORT) {
		foreign_frames++;
		return;
	}
	struct peer *p = peer_get((uint16_t)node, true);
	if (!p) {
		foreign_frames++;
		return;
	}
	/* Answers go where the host program is, but only once the link took
	 * the frame: a stale frame of an earlier host program must not turn
	 * our answers to a port nobody reads. */
	uint16_t old_port = p->port;
	uint64_t heard = p->link.last_heard;
	if (node == PX_NODE_MAX)
		p->port = port;
	peer_input(p, frame, len);
	if (node == PX_NODE_MAX && p->link.last_heard == heard)
		p->port = old_port;
}

bool proxy_dispatch(struct uk_msg_header *h)
{
	uint16_t slot;
	uint32_t index;

	if (!port_set)
		return false;
	if (h->dest == notify_port) {
		if (h->flags & UK_MSG_KERNEL)
			notification(h);
		else
			release_message(h);
		return true;
	}
	if (net_is_reply(h->dest)) {
		net_take(h, proxy_frame);
		return true;
	}
	if (h->dest == service) {
		resolver_request(h);
		return true;
	}
	if (pager_pending_n && pager_answer(h))
		return true;
	if (map_find_port(h->dest, MAP_IMPORT, &slot, &index)) {
		bool pager = (h->flags & UK_MSG_KERNEL) &&
			     (h->id == UK_MSG_ID_PAGER_REQUEST ||
			      h->id == UK_MSG_ID_PAGER_RETURN);
		if (peers[slot] && pager)
			pager_forward(peers[slot], index, h);
		else if (peers[slot] && !(h->flags & UK_MSG_KERNEL))
			peer_local_message(peers[slot], index, h);
		else if (!(h->flags & UK_MSG_KERNEL) || pager)
			release_message(h);
		return true;
	}
	if (map_find_port(h->dest, MAP_ANSWER, &slot, &index)) {
		if (peers[slot])
			peer_local_answer(peers[slot], index, h);
		else
			release_message(h);
		return true;
	}
	return false;
}

bool proxy_parse_ipv4(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 255 || (i < 3 && *end != '.') || (i == 3 && *end))
			return false;
		out[i] = (uint8_t)v;
		s = end + 1;
	}
	return true;
}

static int register_resolver(void)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[512];
	} b;
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = NAME_REGISTER_RESOLVER;
	b.h.dest = ns_port();
	b.h.n_ports = 1;
	uk_msg_ports(&b.h)[0] = (struct uk_msg_port){ service, UK_DISP_MAKE_SEND };
	struct uk_name_req *rq = uk_msg_body(&b.h);
	memset(rq, 0, sizeof(*rq));
	rq->node = UK_NAME_ANY_NODE;
	b.h.size = (uint32_t)(sizeof(b.h) + sizeof(struct uk_msg_port) + sizeof(*rq));
	long rc = uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), 5000000000ull);
	if (rc < 0)
		return (int)rc;
	return ((const struct uk_rpc_status *)uk_msg_body(&b.h))->status;
}


bool proxy_arg(const char *a)
{
	if (!strncmp(a, "deadline=", 9)) {
		deadline_ms = (uint32_t)strtoul(a + 9, NULL, 10);
		return true;
	}
	if (!strncmp(a, "net=", 4))
		return proxy_parse_ipv4(a + 4, net_base);
	if (!strncmp(a, "host=", 5))
		return proxy_parse_ipv4(a + 5, host_addr);
	return false;
}

int proxy_start(uk_name_t set, const char *who)
{
	struct uk_kinfo_boot boot;

	proxy_clock();
	if (uk_kinfo(UK_KINFO_BOOT, &boot, sizeof(boot)) != sizeof(boot) ||
	    !boot.node || boot.node > PX_NODE_MAX) {
		printf("proxy: no node number (kernel command line node=N); "
		       "no proxy on this node\n");
		return -ERR_INVALID;
	}
	self_node = (uint16_t)boot.node;
	/* A proxy restarted (by init, or with netd) is a new peer too: were
	 * it to start from the boot epoch again, its first session would
	 * have the epoch of its predecessor's, and a peer could take the new
	 * stream into the old session's tables. So each incarnation's epochs
	 * start at the boot epoch plus its start time (2^16 sessions per
	 * millisecond of the one before), still far below the next boot's
	 * (RTC seconds in the high half: a millisecond here is 2^16, a
	 * second there 2^32). */
	boot_epoch = boot.epoch + (boot.uptime_ms << 16);
	if (!deadline_ms)
		deadline_ms = PX_DEADLINE_DEFAULT_MS;

	long note = port_in_set(set);
	if (note <= 0) {
		printf("proxy: no ports: %s\n", err_str(note ? note : -ERR_NO_MEMORY));
		return note ? (int)note : -ERR_NO_MEMORY;
	}
	notify_port = (uk_name_t)note;
	uk_port_set_limit(notify_port, UK_PORT_QUEUE_MAX);
	long svc = service_create("proxy");
	if (svc <= 0) {
		printf("proxy: cannot register \"proxy\": %s (does init.conf give "
		       "%s +name=proxy?)\n", err_str(svc), who);
		return svc ? (int)svc : -ERR_INVALID;
	}
	service = (uk_name_t)svc;
	uk_port_set_limit(service, UK_PORT_QUEUE_MAX);
	uk_port_set_add(set, service);
	int rc = register_resolver();
	if (rc < 0) {
		printf("proxy: cannot register as the resolver: %s (does init.conf "
		       "give %s +resolver?)\n", err_str(rc), who);
		return rc;
	}
	port_set = set; /* from here on, proxy_dispatch takes messages */
	rc = net_open();
	if (rc < 0)
		printf("proxy: no socket yet (%s)\n", err_str(rc));
	printf("proxy: node %u ready in %s (UDP %u, deadline %u ms, epoch %lx)\n",
	       self_node, who, PROXY_UDP_PORT, deadline_ms,
	       (unsigned long)boot_epoch);
	return 0;
}

uint64_t proxy_next_ms(void)
{
	uint64_t next = now_ms() + 1000;

	for (unsigned i = 0; i < PEERS_MAX; i++)
		if (peers[i]) {
			uint64_t t = peer_next_tick(peers[i]);
			if (t < next)
				next = t;
		}
	return next;
}

void proxy_after(bool message)
{
	uint64_t now = now_ms();

	/* Due peers tick; after a message, so do peers with work it may
	 * have unblocked (not every peer on every message). */
	for (unsigned i = 0; i < PEERS_MAX; i++)
		if (peers[i] && (peer_next_tick(peers[i]) <= now ||
				 (message && peer_busy(peers[i]))))
			peer_tick(peers[i]);
}
