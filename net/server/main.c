/* SPDX-License-Identifier: MIT */
/*
 * netd: the network server (include/uk/proto/sock.h), registered as "net".
 *
 * lwIP runs with NO_SYS=1 inside this one loop, following lwIP's
 * doc/NO_SYS_SampleCode.c: receive the next message with a timeout that
 * ends at the earliest lwIP timer or request deadline, hand it to lwIP
 * (a frame from the driver) or to the socket layer (a request), then run
 * lwIP's timers and complete whatever the message made possible. The
 * loop never blocks on anybody: replies go to send-once rights, events to
 * the driver are sent with short timeouts, and a request that has to wait
 * keeps its reply right and is answered later (a deferred reply).
 *
 * Every port of the server is in one port set: the service port, a private
 * notify port for the kernel's notifications, the driver event port, and
 * one port per socket. A notification is believed only when it has
 * UK_MSG_KERNEL set and arrived on the notify port.
 *
 * The proxy (docs/PROXY.md) runs in this loop too, as Qnet runs in QNX's
 * network manager: its ports are in our set, a message to one of them
 * goes to proxy_dispatch, its frames come from and go to lwIP directly
 * (proxy_udp.c), and its peers' ticks are among our deadlines.
 *
 * Arguments: dev=net0 (the netdev name), ip=A.B.C.D/N gw=A.B.C.D (a static
 * address: the fallback when DHCP gets no lease within dhcp_wait=S
 * seconds, default 5), dhcp=off (use the static address at once),
 * hostname=NAME (sent with DHCP requests), proxy=off (no proxy here: the
 * proxy then runs as a task of its own, servers=proxy), proxy.KEY=VALUE
 * (the proxy's KEY=VALUE: init's +hosts=proxy passes the kernel command
 * line's proxy.deadline=500 to us as it would to a proxy task).
 */
#include <string.h>
#include <ulib.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netd.h"
#include "sock.h"

union netd_msg netd_in, netd_out;
uk_name_t netd_set, netd_service, netd_admin, netd_notify;
uint64_t netd_bad_requests;

static uint64_t wake_deadline = UINT64_MAX;
/* The request being handled: replies to its reply right go out with the
 * next receive (ipc_reply_receive), the others at once. */
static uk_name_t current_reply;
static bool reply_ready;

uint64_t netd_now(void)
{
	return uk_clock();
}

uint64_t netd_deadline(uint64_t timeout_ns)
{
	uint64_t now = netd_now();

	if (timeout_ns == UK_TIMEOUT_INFINITE || timeout_ns > UINT64_MAX - now)
		return UINT64_MAX;
	return now + timeout_ns;
}

void netd_wake_by(uint64_t deadline)
{
	if (deadline < wake_deadline)
		wake_deadline = deadline;
}

void reply_to(uk_name_t reply)
{
	if (!reply)
		return;
	if (reply == current_reply && !reply_ready) {
		reply_finish(&netd_out, reply);
		reply_ready = true;
		return;
	}
	reply_send(reply);
}

static bool parse_ip4(const char *s, ip4_addr_t *out, unsigned *prefix)
{
	unsigned v[4], n = 0;
	const char *p = s;

	for (n = 0; n < 4; n++) {
		char *end;
		unsigned long x = strtoul(p, &end, 10);
		if (end == p || x > 255)
			return false;
		v[n] = (unsigned)x;
		p = end;
		if (n < 3) {
			if (*p != '.')
				return false;
			p++;
		}
	}
	if (prefix) {
		*prefix = 32;
		if (*p == '/') {
			char *end;
			unsigned long x = strtoul(p + 1, &end, 10);
			if (end == p + 1 || x > 32)
				return false;
			*prefix = (unsigned)x;
			p = end;
		}
	}
	if (*p)
		return false;
	IP4_ADDR(out, v[0], v[1], v[2], v[3]);
	return true;
}

static bool with_proxy = true;
static bool proxy_running;

static void parse_args(int argc, char **argv, struct link_config *cfg,
		       uint64_t *dhcp_wait_s)
{
	cfg->dhcp = true;
	cfg->device = "net0";
	cfg->hostname = "uk";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned prefix;
		if (!strncmp(a, "ip=", 3) && parse_ip4(a + 3, &cfg->addr, &prefix)) {
			uint32_t mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
			ip4_addr_set_u32(&cfg->netmask, lwip_htonl(mask));
		} else if (!strncmp(a, "gw=", 3) && parse_ip4(a + 3, &cfg->gateway, NULL)) {
		} else if (!strcmp(a, "dhcp=off")) {
			cfg->dhcp = false;
		} else if (!strncmp(a, "dhcp_wait=", 10)) {
			*dhcp_wait_s = strtoul(a + 10, NULL, 10);
		} else if (!strncmp(a, "dev=", 4)) {
			cfg->device = a + 4;
		} else if (!strncmp(a, "hostname=", 9)) {
			cfg->hostname = a + 9;
		} else if (!strcmp(a, "proxy=off") || !strcmp(a, "proxy=on")) {
			with_proxy = a[7] == 'n';
		} else if (!strncmp(a, "proxy.", 6)) {
			if (!netd_proxy_arg(a + 6))
				printf("netd: unknown proxy argument %s (proxy.deadline=MS, "
				       "proxy.net=A.B.C.D, proxy.host=A.B.C.D)\n", a);
		} else {
			printf("netd: ignoring argument '%s' (dev=, ip=A/N, gw=, "
			       "dhcp=off, dhcp_wait=S, hostname=, proxy=off)\n", a);
		}
	}
	if (!cfg->dhcp && ip4_addr_isany_val(cfg->addr)) {
		printf("netd: dhcp=off without ip=: using DHCP after all\n");
		cfg->dhcp = true;
	}
}

/* Give back what a request brought and the handler did not keep: memory
 * regions and rights. */
static void release_request(const struct uk_msg_header *h, bool keep_ool)
{
	const struct uk_msg_port *ports = uk_msg_ports(h);
	const struct uk_msg_ool *ool = uk_msg_ools(h);

	for (unsigned i = 0; i < h->n_ports; i++) {
		if (!ports[i].name)
			continue;
		if (ports[i].disposition & UK_RIGHT_RECEIVE)
			uk_port_destroy(ports[i].name);
		else
			uk_port_deallocate(ports[i].name);
	}
	for (unsigned i = 0; !keep_ool && i < h->n_ool; i++)
		if (ool[i].address && ool[i].size)
			uk_vm_free(ool[i].address, ool[i].size);
}

bool netd_keep_ool;

static long dispatch(const struct uk_msg_header *h)
{
	if (h->flags & UK_MSG_KERNEL) {
		const struct uk_notification *n = (const void *)h;
		if (h->dest != netd_notify)
			return proxy_running && netd_proxy_take(h)
				? NETD_TAKEN : NETD_DEFERRED;
		if (h->size < sizeof(*n))
			return NETD_DEFERRED;
		if (h->id == UK_MSG_ID_NO_SENDERS)
			sock_no_senders(n->name);
		else if (h->id == UK_MSG_ID_DEAD_NAME)
			link_event(h);
		return NETD_DEFERRED;
	}
	if (h->dest == link_event_port) {
		if (!link_event(h))
			netd_bad_requests++;
		return NETD_DEFERRED;
	}
	if (h->dest == netd_service) {
		switch (h->id) {
		case SOCK_OPEN:
			return sock_open(h);
		case SOCK_POLL:
			return sock_poll(h);
		default:
			return status_request(h, false);
		}
	}
	if (h->dest == netd_admin)
		return status_request(h, true);
	if (proxy_running && !sock_by_port(h->dest) &&
	    netd_proxy_take(h))
		return NETD_TAKEN;
	return sock_request(h);
}

/* Frames to the node itself wait on the netif's loopback queue. */
static bool loop_pending(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	if (n->loop_first)
		return true;
	return false;
}

static uint64_t next_deadline(void)
{
	uint64_t d = wake_deadline, now = netd_now();
	u32_t ms = sys_timeouts_sleeptime();

	wake_deadline = UINT64_MAX;
	if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE && now + (uint64_t)ms * 1000000u < d)
		d = now + (uint64_t)ms * 1000000u;
	uint64_t s = sock_progress();
	if (s < d)
		d = s;
	s = status_progress();
	if (s < d)
		d = s;
	if (proxy_running) {
		s = netd_proxy_deadline();
		if (s < d)
			d = s;
	}
	return d;
}

int main(int argc, char **argv)
{
	struct link_config cfg;
	uint64_t dhcp_wait_s = 5;

	memset(&cfg, 0, sizeof(cfg));
	parse_args(argc, argv, &cfg, &dhcp_wait_s);

	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	if (set <= 0) {
		printf("netd: no port set: %s\n", err_str(set));
		return 1;
	}
	netd_set = (uk_name_t)set;
	long notify = port_in_set(netd_set);
	if (notify < 0) {
		printf("netd: no notify port: %s\n", err_str(notify));
		return 1;
	}
	netd_notify = (uk_name_t)notify;
	/* One notice per socket and one for the driver can be pending. */
	uk_port_set_limit(netd_notify, UK_PORT_QUEUE_MAX);

	lwip_init();
	sock_init();

	long svc = service_create("net");
	if (svc <= 0) {
		printf("netd: cannot register \"net\": %s\n", err_str(svc));
		return 1;
	}
	netd_service = (uk_name_t)svc;
	uk_port_set_limit(netd_service, UK_PORT_QUEUE_MAX);
	uk_port_set_add(netd_set, netd_service);
	/* The administrative port: a private name in init's configuration
	 * (+private=net.admin), seen only by the programs that +use netd. */
	long adm = service_create("net.admin");
	if (adm <= 0) {
		printf("netd: cannot register \"net.admin\": %s\n", err_str(adm));
		return 1;
	}
	netd_admin = (uk_name_t)adm;
	uk_port_set_add(netd_set, netd_admin);

	cfg.dhcp_wait_ns = dhcp_wait_s * 1000000000ull;
	link_init(&cfg);
	printf("netd: ready (lwIP %s, %s)\n", LWIP_VERSION_STRING,
	       cfg.dhcp ? "DHCP" : "static address");
	if (with_proxy) {
		proxy_running = netd_proxy_start();
	}

	bool have_reply = false;
	for (;;) {
		/* Progress first (it may queue frames), then hand the frames
		 * and the finished receive slots to the driver. */
		uint64_t d;
		unsigned rounds = 0;
		do {
			netif_poll_all();
			d = next_deadline();
		} while (loop_pending() && ++rounds < 8);
		if (loop_pending())
			d = 0;
		link_flush();
		uint64_t now = netd_now();
		uint64_t timeout = d == UINT64_MAX ? UK_TIMEOUT_INFINITE
			: d > now ? d - now : 0;
		long rc = uk_ipc_reply_receive(have_reply ? &netd_out.h : NULL,
					       have_reply ? netd_out.h.size : 0, netd_set,
					       &netd_in.h, sizeof(netd_in), timeout);
		have_reply = false;
		if (proxy_running)
			netd_proxy_turn();
		if (rc >= 0) {
			const struct uk_msg_header *h = &netd_in.h;
			current_reply = h->reply;
			reply_ready = false;
			netd_keep_ool = false;
			long r = dispatch(h);
			if (h->reply && !reply_ready && (r < 0 || r == NETD_REPLY)) {
				if (r < 0)
					reply_start(h->id, (int32_t)r);
				reply_finish(&netd_out, h->reply);
				reply_ready = true;
			}
			have_reply = reply_ready;
			if (!(h->flags & UK_MSG_KERNEL) && r != NETD_TAKEN)
				release_request(h, netd_keep_ool);
			current_reply = 0;
		} else if (rc != -ERR_TIMED_OUT) {
			printf("netd: receive failed: %s\n", err_str(rc));
		}
		sys_check_timeouts();
		if (proxy_running)
			netd_proxy_after(rc >= 0);
	}
}
