/* SPDX-License-Identifier: MIT */
/*
 * authtest [ID...]: what an ordinary task cannot do with names and devices
 * (docs/ARCHITECTURE.md, "Protection model"; issue #11, attacks 3, 6, 8).
 * Run as test=authtest with=dev,virtio-blk,virtio-net,authsvc on a machine
 * with a disk, a NIC and two virtio-rng devices (one modern only, one
 * legacy only); etc/init.conf gives it claim rights for bridges and class
 * 00 (which must still be refused), the IDE controller 8086:7010 and the
 * virtio-rng devices, and init's test port (+inittest, to kill dev), and
 * nothing else: no resolver right and no driver endpoint.
 *
 * Every test has a stable id and prints "authtest: ID name ok" or
 * "... FAILED"; the run ends with "authtest: N passed, M failed". With
 * arguments only the tests named run.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>
#include <uk/proto/init.h>
#include <uk/proto/name.h>

#include "authtest.h"

#define MS 1000000ull
#define SECOND 1000000000ull

union msg {
	struct uk_msg_header h;
	uint8_t bytes[sizeof(struct uk_msg_header) +
		      8 * sizeof(struct uk_msg_port) +
		      sizeof(struct uk_rpc_status) +
		      sizeof(struct uk_dev_claim_reply)];
	uint64_t align_;
};

static unsigned failures_in_test;

#define EXPECT(c)                                                              \
	do {                                                                   \
		if (!(c)) {                                                    \
			printf("authtest:   line %d: %s\n", __LINE__, #c);     \
			failures_in_test++;                                    \
		}                                                              \
	} while (0)
#define EXPECT_ERR(e, want)                                                    \
	do {                                                                   \
		long got_ = (e);                                               \
		if (got_ != -(long)(want)) {                                   \
			printf(                                                \
			    "authtest:   line %d: %s is %ld (%s), not %s\n",   \
			    __LINE__, #e, got_,                                \
			    got_ < 0 ? err_name(got_) : "ok",                  \
			    err_name(-(long)(want)));                          \
			failures_in_test++;                                    \
		}                                                              \
	} while (0)

#define VIRTIO_VENDOR 0x1af4
#define RNG_MODERN 0x1044 /* virtio-rng-pci,disable-legacy=on */
#define RNG_LEGACY 0x1005 /* virtio-rng-pci,disable-modern=on */
#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_PCI_CFG 5
#define VIRTIO_STATUS_ACK_DRIVER 3 /* ACKNOWLEDGE | DRIVER */
#define VIRTIO_LEGACY_STATUS 18

static uint64_t now(void)
{
	return uk_clock();
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static long port_new(void)
{
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);

	return p > 0 ? p : -ERR_NO_MEMORY;
}

static int32_t status_of(const union msg *m)
{
	if (uk_msg_body_len(&m->h) < sizeof(struct uk_rpc_status))
		return -ERR_INVALID;
	return ((const struct uk_rpc_status *)uk_msg_body(&m->h))->status;
}

/* Send a name request without waiting: its reply goes to reply_port as a
 * right of the given disposition. */
static long name_send(uint32_t id, const char *name, uint32_t node,
		      uint64_t timeout_ns, uk_name_t reply_port,
		      uint8_t reply_disposition)
{
	union msg m;

	memset(&m.h, 0, sizeof(m.h));
	struct uk_name_req *rq = uk_msg_body(&m.h);
	m.h.id = id;
	m.h.dest = ns_port();
	m.h.reply = reply_port;
	m.h.reply_disposition = reply_disposition;
	memset(rq, 0, sizeof(*rq));
	strlcpy(rq->name, name, sizeof(rq->name));
	rq->node = node;
	rq->timeout_ns = timeout_ns;
	m.h.size = sizeof(m.h) + sizeof(*rq);
	return uk_ipc_send(&m.h, m.h.size, SECOND);
}

#define NO_REPLY 1 /* reply_on: nothing arrived in time */

/* The status of the next reply on port, NO_REPLY, or a receive error. */
static long reply_on(uk_name_t port, uint64_t timeout_ns)
{
	union msg m;
	long rc = uk_ipc_receive(port, &m.h, sizeof(m), timeout_ns);

	if (rc == -ERR_TIMED_OUT)
		return NO_REPLY;
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < m.h.n_ports; i++)
		if (uk_msg_ports(&m.h)[i].name)
			uk_port_deallocate(uk_msg_ports(&m.h)[i].name);
	return status_of(&m);
}

static long find_device(const char *name)
{
	struct uk_dev_info d;

	for (uint32_t i = 0; i < 64; i++) {
		long rc = dev_info(i, &d);
		if (rc < 0)
			return rc;
		if (!strcmp(d.name, name))
			return i;
	}
	return -ERR_NOT_FOUND;
}

static long find_by_id(uint16_t vendor, uint16_t device)
{
	struct uk_dev_info d;

	for (uint32_t i = 0; i < 64; i++) {
		long rc = dev_info(i, &d);
		if (rc < 0)
			return rc;
		if (d.vendor == vendor && d.device == device)
			return i;
	}
	return -ERR_NOT_FOUND;
}

/* The command register as DEV_INFO reports it, or 0xffff. */
static uint16_t command_of(long index)
{
	struct uk_dev_info d;

	return index >= 0 && dev_info((uint32_t)index, &d) == 0 ? d.command
								: 0xffff;
}

/* Nobody's: no decoding, no bus mastering, INTx disabled. */
static bool quiesced(uint16_t command)
{
	return (command & UK_DEV_COMMAND_WRITABLE) == UK_DEV_COMMAND_QUIESCED;
}

static void drop_all(uk_name_t *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (names[i])
			uk_port_deallocate(names[i]);
}

static long claim(uint16_t vendor, uint16_t device, uint32_t index,
		  uk_name_t owner, uk_name_t *caps, unsigned *n)
{
	static struct uk_dev_claim_reply r;
	struct uk_dev_claim_req rq = {vendor,	  device, UK_DEV_ANY,
				      UK_DEV_ANY, index,  0};

	return dev_claim(&rq, owner, &r, caps, 8, n);
}

/* A waiter with an infinite timeout, parked at the start and checked at
 * the end, so the clamp's minute overlaps the other tests. */
static uk_name_t infinite_reply;
static uint64_t infinite_sent;

static void test_claim_needs_claim_port(void)
{
	union msg m;
	long dev = ns_lookup("dev", 10 * SECOND), owner = port_new();
	long ide = find_device("storage");

	EXPECT(dev > 0 && owner > 0 && ide >= 0);
	/* Straight to the public port, as any task could. */
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = DEV_CLAIM;
	m.h.dest = (uk_name_t)dev;
	m.h.n_ports = 1;
	uk_msg_ports(&m.h)[0] =
	    (struct uk_msg_port){(uk_name_t)owner, UK_DISP_MAKE_SEND};
	struct uk_dev_claim_req *rq = uk_msg_body(&m.h);
	*rq = (struct uk_dev_claim_req){UK_DEV_ANY, UK_DEV_ANY,	   UK_DEV_ANY,
					UK_DEV_ANY, (uint32_t)ide, 0};
	m.h.size = sizeof(m.h) + sizeof(struct uk_msg_port) + sizeof(*rq);
	EXPECT(uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5 * SECOND) >= 0);
	EXPECT_ERR(status_of(&m), ERR_PERMISSION);
	for (unsigned i = 0; i < m.h.n_ports; i++)
		uk_port_deallocate(uk_msg_ports(&m.h)[i].name);
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = DEV_CONFIG_WRITE;
	m.h.dest = (uk_name_t)dev;
	struct uk_dev_config_req *cw = uk_msg_body(&m.h);
	*cw = (struct uk_dev_config_req){(uint32_t)ide, 0x40, 4, 0, 0};
	m.h.size = sizeof(m.h) + sizeof(*cw);
	EXPECT(uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5 * SECOND) >= 0);
	EXPECT_ERR(status_of(&m), ERR_PERMISSION);
	uk_port_destroy((uk_name_t)owner);
}

static void test_unconfigured_device_refused(void)
{
	uk_name_t caps[8];
	unsigned n = 0;
	long owner = port_new(), com1 = find_device("com1");

	EXPECT(owner > 0 && com1 >= 0);
	EXPECT_ERR(claim(UK_DEV_ANY, UK_DEV_ANY, (uint32_t)com1,
			 (uk_name_t)owner, caps, &n),
		   ERR_PERMISSION);
	uk_port_destroy((uk_name_t)owner);
}

static void test_bridges_never_claimable(void)
{
	uk_name_t caps[8];
	unsigned n = 0;
	long owner = port_new(), isa = find_device("isa-bridge");
	struct uk_dev_info d;

	EXPECT(owner > 0 && isa >= 0);
	EXPECT(dev_info(0, &d) == 0 && d.class_code == 0x06);
	/* Configured by class (class:06), and still refused. */
	EXPECT_ERR(claim(UK_DEV_ANY, UK_DEV_ANY, 0, (uk_name_t)owner, caps, &n),
		   ERR_PERMISSION);
	EXPECT_ERR(claim(UK_DEV_ANY, UK_DEV_ANY, (uint32_t)isa,
			 (uk_name_t)owner, caps, &n),
		   ERR_PERMISSION);
	EXPECT_ERR(
	    claim(d.vendor, d.device, UK_DEV_ANY, (uk_name_t)owner, caps, &n),
	    ERR_PERMISSION);
	uk_port_destroy((uk_name_t)owner);
}

static void test_config_writes_limited(void)
{
	uk_name_t caps[8];
	unsigned n = 0;
	long owner = port_new();
	uint32_t cmd = 0, v = 0;

	EXPECT(owner > 0);
	long rc = claim(0x8086, 0x7010, UK_DEV_ANY, (uk_name_t)owner, caps, &n);
	EXPECT(rc == 0);
	if (rc < 0) {
		uk_port_destroy((uk_name_t)owner);
		return;
	}
	long ide = find_device("storage");
	EXPECT(dev_config_read((uint32_t)ide, 4, 2, &cmd) == 0);
	/* The enable bits may change... */
	EXPECT(dev_config_write((uint32_t)ide, 4, 2, cmd & ~0x4u) == 0);
	EXPECT(dev_config_read((uint32_t)ide, 4, 2, &v) == 0 &&
	       v == (cmd & ~0x4u));
	EXPECT(dev_config_write((uint32_t)ide, 4, 2, cmd) == 0);
	/* ...nothing else of the command register, */
	EXPECT_ERR(dev_config_write((uint32_t)ide, 4, 2, cmd ^ 0x100),
		   ERR_PERMISSION);
	EXPECT_ERR(dev_config_write((uint32_t)ide, 4, 2, cmd ^ 0x040),
		   ERR_PERMISSION);
	EXPECT_ERR(dev_config_write((uint32_t)ide, 4, 4, cmd), ERR_PERMISSION);
	/* no BAR, */
	EXPECT_ERR(dev_config_write((uint32_t)ide, 0x20, 4, 0), ERR_PERMISSION);
	/* and nothing past the header that is not a vendor capability. */
	EXPECT_ERR(dev_config_write((uint32_t)ide, 0x40, 4, 0), ERR_PERMISSION);
	EXPECT_ERR(dev_config_write((uint32_t)ide, 0xfc, 4, 0), ERR_PERMISSION);
	uk_port_destroy((uk_name_t)owner);
	for (unsigned i = 0; i < n; i++)
		uk_port_deallocate(caps[i]);
}

/* A claim's capabilities die when it ends, with what the driver derived
 * from them; the device can be claimed again with fresh ones. */
static void test_claim_caps_die_on_release(void)
{
	uk_name_t caps[8], again[8];
	unsigned n = 0, n_again = 0;
	long owner = port_new(), ide = find_device("storage");
	struct uk_hw_info info;
	long child = -ERR_NOT_FOUND;

	EXPECT(owner > 0 && ide >= 0);
	long rc = claim(0x8086, 0x7010, UK_DEV_ANY, (uk_name_t)owner, caps, &n);
	EXPECT(rc == 0 && n > 0);
	if (rc < 0 || n == 0) {
		uk_port_destroy((uk_name_t)owner);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		EXPECT(uk_cap_info(caps[i], &info) == 0);
		if (info.kind == UK_HW_IO_PORTS && child < 0) {
			EXPECT(uk_io_enable(caps[i]) == 0);
			child = uk_cap_derive(caps[i], info.base, 1);
		}
	}
	EXPECT(child > 0);
	EXPECT(dev_release((uint32_t)ide) == 0);
	for (unsigned i = 0; i < n; i++) {
		EXPECT_ERR(uk_cap_info(caps[i], &info), ERR_DEAD);
		EXPECT_ERR(uk_io_enable(caps[i]), ERR_DEAD);
	}
	EXPECT_ERR(uk_cap_info((uint64_t)child, &info), ERR_DEAD);
	EXPECT_ERR(dev_release((uint32_t)ide), ERR_PERMISSION);
	rc = claim(0x8086, 0x7010, UK_DEV_ANY, (uk_name_t)owner, again,
		   &n_again);
	EXPECT(rc == 0 && n_again == n);
	for (unsigned i = 0; rc == 0 && i < n_again; i++)
		EXPECT(uk_cap_info(again[i], &info) == 0);
	uk_port_destroy((uk_name_t)owner); /* ends the second claim */
	for (unsigned i = 0; i < n; i++)
		uk_port_deallocate(caps[i]);
	for (unsigned i = 0; rc == 0 && i < n_again; i++)
		uk_port_deallocate(again[i]);
	if (child > 0)
		uk_port_deallocate((uint64_t)child);
}

/* Is name registered (listed), whoever may look it up? */
static bool listed(const char *name)
{
	static struct uk_name_entry e[UK_NAME_LIST_MAX];
	uint32_t total = 0;

	for (uint32_t start = 0;; start += UK_NAME_LIST_MAX) {
		long n = ns_list(start, e, UK_NAME_LIST_MAX, &total);
		if (n <= 0)
			return false;
		for (long i = 0; i < n; i++)
			if (!strcmp(e[i].name, name))
				return true;
	}
}

static void test_driver_endpoints_private(void)
{
	const char *names[] = {"blk0", "net0"};

	for (unsigned i = 0; i < 2; i++) {
		uint64_t deadline = now() + 30 * SECOND;
		while (!listed(names[i]) && now() < deadline)
			uk_sleep(50 * MS);
		EXPECT(listed(names[i]));
		long rc = ns_lookup(names[i], 0);
		if (rc >= 0)
			printf("authtest:   %s is usable by anyone\n",
			       names[i]);
		EXPECT(rc < 0);
		/* Waiting does not help either. */
		rc = ns_lookup(names[i], 100 * MS);
		EXPECT(rc < 0);
	}
}

static void test_system_names_reserved(void)
{
	/* Running (dev), configured but not started in this boot (console,
	 * fs, proxy), and a driver endpoint. */
	const char *names[] = {"dev", "console", "fs", "proxy", "net", "blk0"};
	long p = port_new();

	EXPECT(p > 0 &&
	       uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long rc = ns_register(names[i], (uk_name_t)p);
		if (rc != -ERR_PERMISSION)
			printf("authtest:   register %s: %s\n", names[i],
			       rc < 0 ? err_name(rc) : "ok");
		EXPECT(rc == -ERR_PERMISSION);
	}
	/* An ordinary name is still anyone's. */
	EXPECT(ns_register("authtest-free", (uk_name_t)p) == 0);
	EXPECT(ns_unregister("authtest-free") == 0);
	uk_port_destroy((uk_name_t)p);
}

static void test_resolver_needs_capability(void)
{
	long r = port_new();

	EXPECT(r > 0 &&
	       uk_port_insert_right((uk_name_t)r, UK_DISP_MAKE_SEND) >= 0);
	const uint32_t nodes[] = {7, UK_NAME_ANY_NODE};
	for (unsigned i = 0; i < 2; i++) {
		union msg m;
		memset(&m.h, 0, sizeof(m.h));
		m.h.id = NAME_REGISTER_RESOLVER;
		m.h.dest = ns_port();
		m.h.n_ports = 1;
		uk_msg_ports(&m.h)[0] =
		    (struct uk_msg_port){(uk_name_t)r, UK_DISP_COPY_SEND};
		struct uk_name_req *rq =
		    (struct uk_name_req *)uk_msg_body(&m.h);
		memset(rq, 0, sizeof(*rq));
		rq->node = nodes[i];
		m.h.size =
		    sizeof(m.h) + sizeof(struct uk_msg_port) + sizeof(*rq);
		EXPECT(uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m),
				   5 * SECOND) >= 0);
		EXPECT_ERR(status_of(&m), ERR_PERMISSION);
	}
	/* No resolver is registered (a lookup for node 7 would now reach
	 * us and wait for our answer). */
	static struct uk_name_entry e[UK_NAME_LIST_MAX];
	uint32_t total = 0;
	long n = ns_list(0, e, UK_NAME_LIST_MAX, &total);
	unsigned resolvers = 0;
	for (long i = 0; i < n; i++)
		if (e[i].flags & UK_NAME_ENTRY_RESOLVER)
			resolvers++;
	EXPECT(n >= 0 && resolvers == 0);
	uk_port_destroy((uk_name_t)r);
}

static unsigned filled;

static void test_name_limit_per_client(void)
{
	static char name[32];
	long p = port_new(), rc = 0;

	EXPECT(p > 0 &&
	       uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0);
	for (filled = 0; filled < 40; filled++) {
		snprintf(name, sizeof(name), "authtest-fill-%u", filled);
		if ((rc = ns_register(name, (uk_name_t)p)) < 0)
			break;
	}
	printf("authtest:   %u names, then %s\n", filled,
	       rc < 0 ? err_name(rc) : "ok");
	EXPECT(rc == -ERR_LIMIT && filled == UK_NAME_CLIENT_ENTRIES);
	/* Lookups still work, and so does everyone else (authsvc registers
	 * again after its restart in PROT0007). */
	long dev = ns_lookup("dev", 0);
	EXPECT(dev > 0);
	/* p stays registered until PROT0007 has run. */
}

/* NAME_CLIENT_NEW on client; *sub gets the new client's send right. */
static long client_new(uk_name_t client, uint32_t flags, uint32_t subclients,
		       uk_name_t *sub)
{
	union msg m;

	*sub = 0;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = NAME_CLIENT_NEW;
	m.h.dest = client;
	struct uk_name_client_req *rq = uk_msg_body(&m.h);
	rq->flags = flags;
	rq->subclients = subclients;
	m.h.size = sizeof(m.h) + sizeof(*rq);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5 * SECOND);
	if (rc < 0)
		return rc;
	rc = status_of(&m);
	for (unsigned i = 0; i < m.h.n_ports; i++) {
		uk_name_t n = uk_msg_ports(&m.h)[i].name;
		if (rc == 0 && i == 0)
			*sub = n;
		else if (n)
			uk_port_deallocate(n);
	}
	return rc == 0 && !*sub ? -ERR_INVALID : rc;
}

/* A name request on client (not ns_port()) with an optional send right;
 * returns its status (a port that comes back is dropped). */
static long name_on(uk_name_t client, uint32_t id, const char *name,
		    uk_name_t right, uint32_t node)
{
	union msg m;

	memset(&m.h, 0, sizeof(m.h));
	m.h.id = id;
	m.h.dest = client;
	if (right) {
		m.h.n_ports = 1;
		uk_msg_ports(&m.h)[0] =
		    (struct uk_msg_port){right, UK_DISP_COPY_SEND};
	}
	struct uk_name_req *rq = uk_msg_body(&m.h);
	memset(rq, 0, sizeof(*rq));
	strlcpy(rq->name, name, sizeof(rq->name));
	rq->node = node;
	m.h.size = (uint32_t)((uint8_t *)(rq + 1) - m.bytes);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5 * SECOND);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < m.h.n_ports; i++)
		if (uk_msg_ports(&m.h)[i].name)
			uk_port_deallocate(uk_msg_ports(&m.h)[i].name);
	return status_of(&m);
}

/* Sub-clients made from ours until ERR_LIMIT (at most max), all dropped
 * again; returns how many there were. */
static unsigned subclients_room(unsigned max)
{
	static uk_name_t subs[UK_NAME_CLIENT_SUBCLIENTS + 1];
	unsigned made = 0;

	while (made < max && client_new(ns_port(), 0, 0, &subs[made]) == 0)
		made++;
	for (unsigned i = 0; i < made; i++)
		uk_port_deallocate(subs[i]);
	return made;
}

static void test_subclients(void)
{
	static char name[32];
	uk_name_t s = 0, s1 = 0, s2 = 0, extra = 0;
	long p = port_new(), rc = 0;
	unsigned n;

	EXPECT(p > 0 &&
	       uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0);
	/* Asked for the resolver right we lack, with room for 2 below it. */
	EXPECT(client_new(ns_port(), UK_NAME_CLIENT_RESOLVER, 2, &s) == 0);
	if (!s)
		return;
	/* Never more authority than ours: no resolver, no private name we
	 * may not see; but our binding (dev.claim) it sees. */
	EXPECT_ERR(name_on(s, NAME_REGISTER_RESOLVER, "", (uk_name_t)p, 7),
		   ERR_PERMISSION);
	EXPECT_ERR(name_on(s, NAME_LOOKUP, "blk0", 0, 0), ERR_NOT_FOUND);
	EXPECT(name_on(s, NAME_LOOKUP, "dev.claim", 0, 0) == 0);
	/* Nor the system name init reserved for us (+name=authtest.sys): a
	 * program proc starts may not stand in for proc. */
	EXPECT_ERR(name_on(s, NAME_REGISTER, "authtest.sys", (uk_name_t)p, 0),
		   ERR_PERMISSION);
	/* Limits of its own: our table is full (PROT0009), its is not. */
	for (n = 0; n < 40; n++) {
		snprintf(name, sizeof(name), "authtest-sub-%u", n);
		if ((rc = name_on(s, NAME_REGISTER, name, (uk_name_t)p, 0)) < 0)
			break;
	}
	printf("authtest:   a sub-client registered %u names, then %s\n", n,
	       rc < 0 ? err_name(rc) : "ok");
	EXPECT(rc == -ERR_LIMIT && n == UK_NAME_CLIENT_ENTRIES);
	if (filled)
		EXPECT_ERR(ns_register("authtest-sub-x", (uk_name_t)p),
			   ERR_LIMIT);
	/* A name is unregistered by the client that registered it. */
	EXPECT_ERR(ns_unregister("authtest-sub-0"), ERR_PERMISSION);
	EXPECT(name_on(s, NAME_UNREGISTER, "authtest-sub-0", 0, 0) == 0);
	/* s may have 2 clients below it, in any depth: s1 (asking for 100,
	 * given 2) and s1's s2 (0: none below it). */
	EXPECT(client_new(s, 0, 100, &s1) == 0);
	EXPECT(s1 && client_new(s1, 0, 0, &s2) == 0);
	EXPECT_ERR(client_new(s, 0, 0, &extra), ERR_LIMIT);
	EXPECT_ERR(client_new(s1, 0, 0, &extra), ERR_LIMIT);
	EXPECT_ERR(client_new(s2, 0, 0, &extra), ERR_LIMIT);
	/* Our tree holds UK_NAME_CLIENT_SUBCLIENTS; s, s1, s2 are three. */
	unsigned room = subclients_room(UK_NAME_CLIENT_SUBCLIENTS + 1);
	printf("authtest:   %u more sub-clients, then the limit\n", room);
	EXPECT(room == UK_NAME_CLIENT_SUBCLIENTS - 3);
	/* s and s1 lose their senders but stay for s2, which works on. */
	uk_port_deallocate(s);
	uk_port_deallocate(s1);
	uk_sleep(50 * MS);
	EXPECT(name_on(s2, NAME_LOOKUP, "dev.claim", 0, 0) == 0);
	/* With s2 all three end, and the whole tree is free again. */
	uk_port_deallocate(s2);
	uint64_t deadline = now() + 5 * SECOND;
	do {
		uk_sleep(20 * MS);
		room = subclients_room(UK_NAME_CLIENT_SUBCLIENTS + 1);
	} while (room != UK_NAME_CLIENT_SUBCLIENTS && now() < deadline);
	EXPECT(room == UK_NAME_CLIENT_SUBCLIENTS);
	uk_port_destroy((uk_name_t)p); /* s's names go with the port */
}

static void test_waiter_limit_per_client(void)
{
	long r = port_new();
	static char name[32];
	unsigned parked = 0;
	long rc = 0;

	EXPECT(r > 0);
	/* One of our waiters is already parked (PROT0011's). */
	for (unsigned i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "authtest-never-%u", i);
		EXPECT(name_send(NAME_LOOKUP, name, 0, 3 * SECOND, (uk_name_t)r,
				 UK_DISP_MAKE_SEND_ONCE) == 0);
		rc = reply_on((uk_name_t)r, 300 * MS);
		if (rc != NO_REPLY) /* answered at once: not parked */
			break;
		parked++;
	}
	printf("authtest:   %u more lookups parked, then %s\n", parked,
	       rc < 0		? err_name(rc)
	       : rc == NO_REPLY ? "no answer"
				: "ok");
	EXPECT(rc == -ERR_LIMIT &&
	       parked + (infinite_reply ? 1 : 0) == UK_NAME_CLIENT_WAITERS);
	/* A lookup that needs no waiting is still answered. */
	long dev = ns_lookup("dev", 5 * SECOND);
	EXPECT(dev > 0);
	/* The parked ones end at their deadline. */
	unsigned timed_out = 0;
	for (unsigned i = 0; i < parked; i++)
		if (reply_on((uk_name_t)r, 5 * SECOND) == -ERR_TIMED_OUT)
			timed_out++;
	EXPECT(timed_out == parked);
	uk_port_destroy((uk_name_t)r);
}

static void test_name_kept_across_restart(void)
{
	long old = ns_lookup("authsvc", 20 * SECOND);
	long p = port_new();

	EXPECT(old > 0);
	EXPECT(p > 0 &&
	       uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0);
	if (old <= 0)
		return;
	/* Crash it; init restarts it, which re-registers after a delay. */
	union msg m;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = AUTHSVC_CRASH;
	m.h.dest = (uk_name_t)old;
	m.h.size = sizeof(m.h);
	EXPECT(uk_ipc_send(&m.h, m.h.size, SECOND) == 0);
	uint64_t deadline = now() + 20 * SECOND;
	unsigned tries = 0, taken = 0;
	long fresh = -ERR_NOT_FOUND;
	/* Our own table is full (PROT0009): free one so a refusal cannot be
	 * the limit. */
	EXPECT(ns_unregister("authtest-fill-0") == 0);
	while (now() < deadline) {
		long rc = ns_register("authsvc", (uk_name_t)p);
		tries++;
		if (rc == 0) {
			taken++;
			ns_unregister("authsvc");
		} else {
			EXPECT_ERR(rc, ERR_PERMISSION);
			if (rc != -ERR_PERMISSION)
				break;
		}
		struct uk_port_info info;
		fresh = ns_lookup("authsvc", 0);
		if (fresh > 0 && fresh != old &&
		    uk_port_info((uk_name_t)fresh, &info) == 0 &&
		    !(info.rights & UK_RIGHT_DEAD_NAME))
			break;
		uk_sleep(5 * MS);
	}
	printf("authtest:   %u registrations tried during the restart, %u took "
	       "it\n",
	       tries, taken);
	EXPECT(taken == 0);
	EXPECT(fresh > 0 && fresh != old);
	uk_port_destroy((uk_name_t)p);
}

static void test_infinite_wait_clamped(void)
{
	long rc = reply_on(infinite_reply, 0);

	if (rc == NO_REPLY) /* not answered yet: wait for the clamp */
		rc = reply_on(
		    infinite_reply,
		    infinite_sent + UK_NAME_WAIT_MAX_NS + 15 * SECOND > now()
			? infinite_sent + UK_NAME_WAIT_MAX_NS + 15 * SECOND -
			      now()
			: 0);
	uint64_t waited = now() - infinite_sent;
	printf("authtest:   an infinite lookup %s after %lu s: %s\n",
	       rc == NO_REPLY ? "still waits" : "ended",
	       (unsigned long)(waited / SECOND),
	       rc < 0		? err_name(rc)
	       : rc == NO_REPLY ? "no answer"
				: "ok");
	EXPECT_ERR(rc, ERR_TIMED_OUT);
	EXPECT(waited + SECOND >= UK_NAME_WAIT_MAX_NS);
}

static void test_send_right_reply_refused(void)
{
	long r = port_new();

	EXPECT(r > 0);
	for (unsigned i = 0; i < 3; i++) {
		EXPECT(name_send(NAME_LOOKUP, "dev", 0, 0, (uk_name_t)r,
				 UK_DISP_MAKE_SEND) == 0);
		EXPECT_ERR(reply_on((uk_name_t)r, 2 * SECOND), ERR_RIGHTS);
	}
	/* Served as before. */
	long dev = ns_lookup("dev", 0);
	EXPECT(dev > 0);
	uk_port_destroy((uk_name_t)r);
}

/* A claim's end leaves the device with decoding and bus mastering off,
 * whether it is released or its claimant dies. */
static void test_claim_end_quiesces_device(void)
{
	uk_name_t caps[8];
	unsigned n = 0;
	long rng = find_by_id(VIRTIO_VENDOR, RNG_MODERN), owner = port_new();
	uint16_t before = command_of(rng), claimed, released, died = 0xffff;

	EXPECT(rng >= 0 && owner > 0);
	if (rng < 0 || owner <= 0)
		return;
	long rc = claim(VIRTIO_VENDOR, RNG_MODERN, UK_DEV_ANY, (uk_name_t)owner,
			caps, &n);
	EXPECT(rc == 0);
	claimed = command_of(rng);
	EXPECT(dev_release((uint32_t)rng) == 0);
	released = command_of(rng);
	drop_all(caps, rc == 0 ? n : 0);
	rc = claim(VIRTIO_VENDOR, RNG_MODERN, UK_DEV_ANY, (uk_name_t)owner,
		   caps, &n);
	EXPECT(rc == 0 && (command_of(rng) & UK_DEV_COMMAND_MASTER));
	uk_port_destroy((uk_name_t)owner); /* as when the driver dies */
	struct uk_dev_info d;
	uint64_t deadline = now() + 5 * SECOND;
	while (now() < deadline && dev_info((uint32_t)rng, &d) == 0) {
		if (!d.owner_task) {
			died = d.command;
			break;
		}
		uk_sleep(10 * MS);
	}
	drop_all(caps, rc == 0 ? n : 0);
	printf(
	    "authtest:   command %04x at start, %04x claimed, %04x released, "
	    "%04x after the owner died\n",
	    before, claimed, released, died);
	EXPECT(quiesced(before));
	EXPECT((claimed & (UK_DEV_COMMAND_MEMORY | UK_DEV_COMMAND_MASTER)) ==
		   (UK_DEV_COMMAND_MEMORY | UK_DEV_COMMAND_MASTER) &&
	       !(claimed & UK_DEV_COMMAND_INTX_DISABLE));
	EXPECT(quiesced(released));
	EXPECT(quiesced(died));
}

/* The first virtio capability of cfg_type of a device we claimed, or 0. */
static unsigned virtio_cap(uint32_t index, unsigned cfg_type)
{
	uint32_t p = 0, id = 0, type = 0;

	if (dev_config_read(index, 0x34, 1, &p) < 0)
		return 0;
	for (unsigned n = 0; (p &= 0xfc) >= 0x40 && n < 48; n++) {
		if (dev_config_read(index, (uint16_t)p, 1, &id) < 0 ||
		    dev_config_read(index, (uint16_t)(p + 3), 1, &type) < 0)
			return 0;
		if (id == 0x09 && type == cfg_type)
			return p;
		if (dev_config_read(index, (uint16_t)(p + 1), 1, &p) < 0)
			return 0;
	}
	return 0;
}

/* device_status of a modern virtio device we claimed, through its PCI
 * configuration access window (the body of a vendor capability, which a
 * claimant may write): written if value >= 0, else read into *got. */
static long virtio_status(uint32_t index, int value, uint32_t *got)
{
	unsigned common = virtio_cap(index, VIRTIO_CAP_COMMON);
	unsigned window = virtio_cap(index, VIRTIO_CAP_PCI_CFG);
	uint32_t bar = 0, off = 0;
	long rc;

	if (!common || !window)
		return -ERR_NOT_FOUND;
	uint16_t c = (uint16_t)common, w = (uint16_t)window;
	/* bar, offset (+20: device_status) and length 1 of the window. */
	if ((rc = dev_config_read(index, c + 4, 1, &bar)) < 0 ||
	    (rc = dev_config_read(index, c + 8, 4, &off)) < 0 ||
	    (rc = dev_config_write(index, w + 4, 1, bar)) < 0 ||
	    (rc = dev_config_write(index, w + 8, 4, off + 20)) < 0 ||
	    (rc = dev_config_write(index, w + 12, 4, 1)) < 0)
		return rc;
	if (value >= 0)
		return dev_config_write(index, w + 16, 1, (uint32_t)value);
	return dev_config_read(index, w + 16, 1, got);
}

/* The legacy status register of a transitional device we claimed (its I/O
 * BAR 0, opened with the claim's capability): written if value >= 0;
 * returns what it reads, or an error. */
static long legacy_status(const uk_name_t *caps, unsigned n, uint64_t bar0,
			  int value)
{
	struct uk_hw_info info;

	for (unsigned i = 0; i < n; i++) {
		if (uk_cap_info(caps[i], &info) < 0 ||
		    info.kind != UK_HW_IO_PORTS || info.base != bar0)
			continue;
		long rc = uk_io_enable(caps[i]);
		if (rc < 0)
			return rc;
		if (value >= 0)
			outb((uint16_t)(bar0 + VIRTIO_LEGACY_STATUS),
			     (uint8_t)value);
		return inb((uint16_t)(bar0 + VIRTIO_LEGACY_STATUS));
	}
	return -ERR_NOT_FOUND;
}

/* A virtio device a claimant started (status ACKNOWLEDGE | DRIVER, bus
 * mastering on) is reset when the claim ends: the next claimant finds
 * status 0. Modern devices through the configuration window, legacy ones
 * through their I/O BAR. */
static void test_released_virtio_device_is_reset(void)
{
	static struct uk_dev_claim_reply r;
	uk_name_t caps[8];
	unsigned n = 0;
	uint32_t set = 0xff, after = 0xff;
	long owner = port_new(), modern = find_by_id(VIRTIO_VENDOR, RNG_MODERN);
	long legacy = find_by_id(VIRTIO_VENDOR, RNG_LEGACY);

	EXPECT(owner > 0 && modern >= 0 && legacy >= 0);
	if (owner <= 0 || modern < 0 || legacy < 0)
		return;
	long rc = claim(VIRTIO_VENDOR, RNG_MODERN, UK_DEV_ANY, (uk_name_t)owner,
			caps, &n);
	EXPECT(rc == 0);
	EXPECT(virtio_status((uint32_t)modern, VIRTIO_STATUS_ACK_DRIVER,
			     NULL) == 0);
	EXPECT(virtio_status((uint32_t)modern, -1, &set) == 0);
	EXPECT(command_of(modern) & UK_DEV_COMMAND_MASTER);
	EXPECT(dev_release((uint32_t)modern) == 0);
	drop_all(caps, rc == 0 ? n : 0);
	rc = claim(VIRTIO_VENDOR, RNG_MODERN, UK_DEV_ANY, (uk_name_t)owner,
		   caps, &n);
	EXPECT(rc == 0 && virtio_status((uint32_t)modern, -1, &after) == 0);
	EXPECT(dev_release((uint32_t)modern) == 0);
	drop_all(caps, rc == 0 ? n : 0);
	printf("authtest:   modern virtio status %x set, %x after the claim\n",
	       set, after);
	EXPECT(set == VIRTIO_STATUS_ACK_DRIVER && after == 0);

	struct uk_dev_claim_req rq = {VIRTIO_VENDOR, RNG_LEGACY, UK_DEV_ANY,
				      UK_DEV_ANY,    UK_DEV_ANY, 0};
	rc = dev_claim(&rq, (uk_name_t)owner, &r, caps, 8, &n);
	EXPECT(rc == 0 && r.info.res[0].kind == UK_DEV_RES_IO);
	uint64_t bar0 = r.info.res[0].base;
	long set_legacy =
	    rc == 0 ? legacy_status(caps, n, bar0, VIRTIO_STATUS_ACK_DRIVER)
		    : rc;
	EXPECT(dev_release((uint32_t)legacy) == 0);
	drop_all(caps, rc == 0 ? n : 0);
	rc = dev_claim(&rq, (uk_name_t)owner, &r, caps, 8, &n);
	long after_legacy = rc == 0 ? legacy_status(caps, n, bar0, -1) : rc;
	EXPECT(dev_release((uint32_t)legacy) == 0);
	drop_all(caps, rc == 0 ? n : 0);
	printf(
	    "authtest:   legacy virtio status %lx set, %lx after the claim\n",
	    set_legacy, after_legacy);
	EXPECT(set_legacy == VIRTIO_STATUS_ACK_DRIVER && after_legacy == 0);
	uk_port_destroy((uk_name_t)owner);
}

/* INIT_TEST_KILL through init.test; its status. */
static long init_test_kill(const char *name)
{
	union msg m;
	long port = ns_lookup("init.test", 0);

	if (port < 0)
		return port;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = INIT_TEST_KILL;
	m.h.dest = (uk_name_t)port;
	struct uk_init_test_req *rq = uk_msg_body(&m.h);
	memset(rq, 0, sizeof(*rq));
	strlcpy(rq->name, name, sizeof(rq->name));
	m.h.size = sizeof(m.h) + sizeof(*rq);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND);
	uk_port_deallocate((uk_name_t)port);
	return rc < 0 ? rc : status_of(&m);
}

/* Are all n capabilities dead (ERR_DEAD), waiting up to timeout_ns? */
static bool all_dead(const uk_name_t *caps, unsigned n, uint64_t timeout_ns)
{
	struct uk_hw_info info;
	uint64_t deadline = now() + timeout_ns;

	for (;;) {
		unsigned dead = 0;
		for (unsigned i = 0; i < n; i++)
			if (uk_cap_info(caps[i], &info) == -ERR_DEAD)
				dead++;
		if (dead == n || now() >= deadline)
			return dead == n;
		uk_sleep(10 * MS);
	}
}

/* dev killed: every claim made through it dies with it, its drivers are
 * restarted and claim again from the new dev, and so can we (the adapter
 * finds the new "dev" and init's new "dev.claim" after ERR_DEAD). */
static void test_dev_restart_restarts_drivers(void)
{
	struct uk_dev_info blk0, net0, d;
	uk_name_t caps[8], again[8];
	unsigned n = 0, n_again = 0;
	long owner = port_new(), ide = find_device("storage");
	long blk = find_device("virtio-blk"), net = find_device("virtio-net");

	EXPECT(owner > 0 && ide >= 0 && blk >= 0 && net >= 0);
	if (owner <= 0 || ide < 0 || blk < 0 || net < 0)
		return;
	EXPECT(dev_info((uint32_t)blk, &blk0) == 0 && blk0.owner_task);
	EXPECT(dev_info((uint32_t)net, &net0) == 0 && net0.owner_task);
	long rc = claim(0x8086, 0x7010, UK_DEV_ANY, (uk_name_t)owner, caps, &n);
	EXPECT(rc == 0 && n > 0);
	if (rc < 0)
		n = 0;
	long killed = init_test_kill("dev");
	EXPECT(killed == 0);
	if (killed < 0) {
		printf("authtest:   INIT_TEST_KILL: %s\n", err_name(killed));
		uk_port_destroy((uk_name_t)owner);
		drop_all(caps, n);
		return;
	}
	EXPECT(all_dead(caps, n, 10 * SECOND));
	/* The drivers claim from the new dev: new tasks own the devices. */
	uint64_t deadline = now() + 30 * SECOND;
	bool blk_back = false, net_back = false;
	while (now() < deadline && !(blk_back && net_back)) {
		blk_back = dev_info((uint32_t)blk, &d) == 0 && d.owner_task &&
			   d.owner_task != blk0.owner_task;
		net_back = dev_info((uint32_t)net, &d) == 0 && d.owner_task &&
			   d.owner_task != net0.owner_task;
		uk_sleep(20 * MS);
	}
	printf(
	    "authtest:   after dev's restart: virtio-blk %s, virtio-net %s\n",
	    blk_back ? "claimed again" : "not claimed",
	    net_back ? "claimed again" : "not claimed");
	EXPECT(blk_back && net_back);
	/* The new dev never saw the old claim; a new one works. */
	EXPECT(dev_info((uint32_t)ide, &d) == 0 && d.owner_task == 0);
	rc = claim(0x8086, 0x7010, UK_DEV_ANY, (uk_name_t)owner, again,
		   &n_again);
	EXPECT(rc == 0 && n_again == n);
	if (rc < 0)
		n_again = 0;
	struct uk_hw_info info;
	for (unsigned i = 0; i < n_again; i++)
		EXPECT(uk_cap_info(again[i], &info) == 0);
	for (unsigned i = 0; i < n; i++)
		EXPECT_ERR(uk_cap_info(caps[i], &info), ERR_DEAD);
	EXPECT(rc < 0 || dev_release((uint32_t)ide) == 0);
	uk_port_destroy((uk_name_t)owner);
	drop_all(caps, n);
	drop_all(again, n_again);
}

/* A +hw program's hardware capabilities are its instance's: when it ends
 * init revokes them, so its own capability and one derived from it, given
 * to us, die with it. */
static void test_hw_caps_die_with_program(void)
{
	union msg m;
	struct uk_hw_info info;
	struct uk_port_info pi;
	uk_name_t got[2] = {0, 0};
	long svc = -ERR_NOT_FOUND;
	uint64_t deadline = now() + 20 * SECOND;

	/* The instance PROT0007 restarted, once it is registered. */
	while (now() < deadline) {
		svc = ns_lookup("authsvc", 5 * SECOND);
		if (svc > 0 && uk_port_info((uk_name_t)svc, &pi) == 0 &&
		    !(pi.rights & UK_RIGHT_DEAD_NAME))
			break;
		if (svc > 0)
			uk_port_deallocate((uk_name_t)svc);
		svc = -ERR_NOT_FOUND;
		uk_sleep(20 * MS);
	}
	EXPECT(svc > 0);
	if (svc <= 0)
		return;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = AUTHSVC_GIVE_CAPS;
	m.h.dest = (uk_name_t)svc;
	m.h.size = sizeof(m.h);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5 * SECOND);
	EXPECT(rc >= 0 && status_of(&m) == 0 && m.h.n_ports == 2);
	for (unsigned i = 0; rc >= 0 && i < m.h.n_ports && i < 2; i++)
		got[i] = uk_msg_ports(&m.h)[i].name;
	EXPECT(got[0] && uk_cap_info(got[0], &info) == 0 &&
	       info.kind == UK_HW_IO_PORTS);
	EXPECT(got[1] && uk_cap_info(got[1], &info) == 0 &&
	       info.base == AUTHSVC_CAP_PORT);
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = AUTHSVC_CRASH;
	m.h.dest = (uk_name_t)svc;
	m.h.size = sizeof(m.h);
	EXPECT(uk_ipc_send(&m.h, m.h.size, SECOND) == 0);
	bool dead = got[0] && got[1] && all_dead(got, 2, 10 * SECOND);
	printf("authtest:   authsvc's capabilities %s after it crashed\n",
	       dead ? "are dead" : "still live");
	EXPECT(dead);
	drop_all(got, 2);
	uk_port_deallocate((uk_name_t)svc);
}

/* A legacy device has no ids (its class reads 00): only a spec naming it
 * allows it, and we are configured with class:00, not com1. */
static void test_legacy_device_needs_its_name(void)
{
	uk_name_t caps[8];
	unsigned n = 0;
	struct uk_dev_info d;
	long owner = port_new(), com1 = find_device("com1");

	EXPECT(owner > 0 && com1 >= 0);
	EXPECT(com1 >= 0 && dev_info((uint32_t)com1, &d) == 0 &&
	       d.class_code == 0 && d.bus == UK_DEV_BUS_LEGACY);
	long rc = claim(UK_DEV_ANY, UK_DEV_ANY, (uint32_t)com1,
			(uk_name_t)owner, caps, &n);
	EXPECT_ERR(rc, ERR_PERMISSION);
	if (rc == 0)
		drop_all(caps, n);
	uk_port_destroy((uk_name_t)owner);
}

struct test {
	const char *id, *name;
	void (*run)(void);
};

/* In this order: PROT0007 and PROT0014 need PROT0009's full table,
 * PROT0018 the authsvc PROT0007 restarted, PROT0011 ends the waiter parked
 * before the first test; PROT0017 restarts dev and its drivers, so it
 * comes after the tests that use them. */
static const struct test tests[] = {
    {"PROT0001", "claim_needs_a_claim_port", test_claim_needs_claim_port},
    {"PROT0002", "unconfigured_device_refused",
     test_unconfigured_device_refused},
    {"PROT0003", "bridges_never_claimable", test_bridges_never_claimable},
    {"PROT0004", "config_writes_limited", test_config_writes_limited},
    {"PROT0013", "claim_caps_die_on_release", test_claim_caps_die_on_release},
    {"PROT0015", "claim_end_quiesces_device", test_claim_end_quiesces_device},
    {"PROT0016", "released_virtio_device_is_reset",
     test_released_virtio_device_is_reset},
    {"PROT0019", "legacy_device_needs_its_name",
     test_legacy_device_needs_its_name},
    {"PROT0005", "driver_endpoints_are_private", test_driver_endpoints_private},
    {"PROT0006", "system_names_reserved", test_system_names_reserved},
    {"PROT0008", "resolver_needs_capability", test_resolver_needs_capability},
    {"PROT0009", "name_limit_per_client", test_name_limit_per_client},
    {"PROT0014", "subclients_have_own_limits_and_no_more_authority",
     test_subclients},
    {"PROT0010", "waiter_limit_per_client", test_waiter_limit_per_client},
    {"PROT0007", "name_kept_across_restart", test_name_kept_across_restart},
    {"PROT0018", "hw_caps_die_with_their_program",
     test_hw_caps_die_with_program},
    {"PROT0012", "send_right_reply_refused", test_send_right_reply_refused},
    {"PROT0017", "dev_restart_restarts_drivers",
     test_dev_restart_restarts_drivers},
    {"PROT0011", "infinite_wait_clamped", test_infinite_wait_clamped},
};

static bool selected(const char *id, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], id))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	if (selected("PROT0011", argc, argv)) {
		long r = port_new();
		if (r > 0 && name_send(NAME_LOOKUP, "authtest-never-inf", 0,
				       UK_TIMEOUT_INFINITE, (uk_name_t)r,
				       UK_DISP_MAKE_SEND_ONCE) == 0) {
			infinite_reply = (uk_name_t)r;
			infinite_sent = now();
		}
	}
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i];
		if (!selected(t->id, argc, argv))
			continue;
		failures_in_test = 0;
		t->run();
		printf("authtest: %s %s %s\n", t->id, t->name,
		       failures_in_test ? "FAILED" : "ok");
		if (failures_in_test)
			failed++;
		else
			passed++;
	}
	printf("authtest: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
