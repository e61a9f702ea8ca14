/* SPDX-License-Identifier: MIT */
/*
 * nettest: the virtio network driver through the network device protocol
 * (include/uk/proto/netdev.h) on QEMU's user network (--nic-user): open,
 * MAC and slots, ARP and ICMP echo with the gateway 10.0.2.2, bad slot
 * messages, a full event queue, a client that dies holding slots, and the
 * session right: only requests through it count, it may be handed on, and
 * a session ends, for good, when its event port or its right is gone.
 * Tests have stable ids (NET0001...), run one by one by id or name, and
 * the run ends with "nettest: N passed, N failed".
 *
 * netpeer (embedded) is the second client: it tries to use the device
 * while nettest has it open (with a forged badge too), transmits through
 * a session right nettest hands it, and it opens the device and dies
 * holding slots.
 */
#include <string.h>
#include <ulib.h>
#include "netclient.h"

#define SECONDS(n) ((uint64_t)(n)*1000000000ull)

extern const char netpeer_image[], netpeer_image_end[];

struct test {
	const char *id, *name;
	void (*run)(void);
};

static int failures;
static uk_name_t dev;
static union net_msgbuf *mb;
static struct net_client cl;
static uint8_t gateway_mac[6];
static bool have_gateway;

static void fail(int line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(int line, const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("nettest:   FAIL line %d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(__LINE__, "%s", #cond);                           \
	} while (0)
#define EXPECT_EQ(a, b)                                                        \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_)                                                  \
			fail(__LINE__, "%s == %s: %lld != %lld", #a, #b, a_,   \
			     b_);                                              \
	} while (0)
#define EXPECT_ERR(expr, err)                                                  \
	do {                                                                   \
		long r_ = (long)(expr);                                        \
		if (r_ != -(long)(err))                                        \
			fail(__LINE__, "%s: got %ld (%s), want %s", #expr, r_, \
			     r_ < 0 ? err_name(r_) : "success",                \
			     err_name(err));                                   \
	} while (0)

/* What the events told us while waiting for something. */
struct seen {
	bool return_rx; /* hand receive slots back at once */
	uint16_t echo_id, echo_seq;
	unsigned tx_done, arp_replies, echo_replies, rx_frames, links;
	unsigned rx_distinct, protocol_errors;
	bool tx_done_slot[UK_NETDEV_SLOTS];
	bool rx_held[UK_NETDEV_SLOTS];
	bool rx_ever[UK_NETDEV_SLOTS];
};

/* Handle events until done(s) holds or the deadline passes; false then. */
static bool pump(struct seen *s, uint64_t deadline,
		 bool (*done)(const struct seen *))
{
	while (!done(s)) {
		struct uk_netdev_slots *list;
		long id = net_next_event(&cl, deadline, &list);
		if (id == -ERR_TIMED_OUT)
			return false;
		if (id < 0) {
			fail(__LINE__, "event: %s", err_str(id));
			return false;
		}
		if (id == NETDEV_LINK) {
			s->links++;
			continue;
		}
		if (id == NETDEV_TX_DONE) {
			for (unsigned i = 0; i < list->count; i++) {
				unsigned slot = list->s[i].slot;
				if (slot < cl.info.rx_slots ||
				    slot >= UK_NETDEV_SLOTS ||
				    s->tx_done_slot[slot])
					s->protocol_errors++;
				else
					s->tx_done_slot[slot] = true;
				s->tx_done++;
			}
			continue;
		}
		if (id != NETDEV_RX) {
			s->protocol_errors++;
			continue;
		}
		struct uk_netdev_slot back[UK_NETDEV_BATCH];
		unsigned n_back = 0;
		for (unsigned i = 0; i < list->count; i++) {
			unsigned slot = list->s[i].slot, len = list->s[i].len;
			if (slot >= cl.info.rx_slots ||
			    len > UK_NETDEV_SLOT_SIZE || s->rx_held[slot]) {
				s->protocol_errors++;
				continue;
			}
			const uint8_t *f = net_slot(&cl, slot);
			uint8_t mac[6];
			s->rx_frames++;
			if (!s->rx_ever[slot]) {
				s->rx_ever[slot] = true;
				s->rx_distinct++;
			}
			if (net_is_arp_reply(f, len, NET_GATEWAY_IP,
					     NET_GUEST_IP, mac)) {
				s->arp_replies++;
				memcpy(gateway_mac, mac, 6);
				have_gateway = true;
			}
			if (net_is_echo_reply(f, len, NET_GATEWAY_IP,
					      s->echo_id, s->echo_seq))
				s->echo_replies++;
			if (s->return_rx)
				back[n_back++] =
				    (struct uk_netdev_slot){(uint16_t)slot, 0};
			else
				s->rx_held[slot] = true;
		}
		if (n_back) {
			long rc =
			    net_send_slots(&cl, NETDEV_RX_DONE, back, n_back);
			if (rc < 0)
				fail(__LINE__, "RX_DONE: %s", err_str(rc));
		}
	}
	return true;
}

/* Give back every receive slot held. */
static void return_held(struct seen *s)
{
	struct uk_netdev_slot back[UK_NETDEV_BATCH];
	unsigned n = 0;

	for (unsigned slot = 0; slot < cl.info.rx_slots; slot++) {
		if (!s->rx_held[slot])
			continue;
		s->rx_held[slot] = false;
		back[n++] = (struct uk_netdev_slot){(uint16_t)slot, 0};
		if (n == UK_NETDEV_BATCH) {
			EXPECT_EQ(net_send_slots(&cl, NETDEV_RX_DONE, back, n),
				  0);
			n = 0;
		}
	}
	if (n)
		EXPECT_EQ(net_send_slots(&cl, NETDEV_RX_DONE, back, n), 0);
}

/* Send an ARP request for the gateway from each of count free transmit
 * slots, batched. */
static void send_arps(unsigned count)
{
	struct uk_netdev_slot list[UK_NETDEV_BATCH];
	unsigned n = 0;

	for (unsigned i = 0; i < count; i++) {
		int slot = net_take_tx(&cl);
		if (slot < 0) {
			fail(__LINE__, "no free transmit slot after %u", i);
			break;
		}
		unsigned len =
		    net_arp_request(net_slot(&cl, (unsigned)slot), cl.info.mac,
				    NET_GUEST_IP, NET_GATEWAY_IP);
		list[n++] =
		    (struct uk_netdev_slot){(uint16_t)slot, (uint16_t)len};
		if (n == UK_NETDEV_BATCH) {
			EXPECT_EQ(net_send_slots(&cl, NETDEV_TX, list, n), 0);
			n = 0;
		}
	}
	if (n)
		EXPECT_EQ(net_send_slots(&cl, NETDEV_TX, list, n), 0);
}

static unsigned want_tx_done;
static bool got_arp_and_tx(const struct seen *s)
{
	return s->arp_replies >= 1 && s->tx_done >= want_tx_done;
}
static bool got_echo_and_tx(const struct seen *s)
{
	return s->echo_replies >= 1 && s->tx_done >= want_tx_done;
}
static unsigned want_rx_distinct;
static bool got_all(const struct seen *s)
{
	return s->tx_done >= want_tx_done && s->rx_distinct >= want_rx_distinct;
}

static void open_gives_the_mac_and_slots(void)
{
	static const uint8_t qemu_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	long rc = net_open(&cl, dev, mb);

	EXPECT_EQ(rc, 0);
	if (rc < 0)
		return;
	EXPECT_EQ(cl.region_size, UK_NETDEV_SLOTS * UK_NETDEV_SLOT_SIZE);
	EXPECT(memcmp(cl.info.mac, qemu_mac, 6) == 0); /* QEMU's default */
	EXPECT_EQ(cl.info.mtu, 1500);
	EXPECT_EQ(cl.info.link_up, 1);
	/* The session right: a badged right of its own, not net0's. */
	EXPECT(cl.session != 0 && cl.session != dev);
	EXPECT(cl.badge != 0);
	EXPECT(cl.info.rx_slots >= 1 && cl.info.tx_slots >= 1);
	EXPECT(cl.info.rx_slots + cl.info.tx_slots <= UK_NETDEV_SLOTS);
	/* The region is really ours to write (shared, not a copy we could
	 * not reach): the first and last transmit slot. */
	net_slot(&cl, cl.info.rx_slots)[0] = 1;
	net_slot(&cl, cl.info.rx_slots + cl.info.tx_slots -
			  1)[UK_NETDEV_SLOT_SIZE - 1] = 1;
	printf("nettest:   mac %02x:%02x:%02x:%02x:%02x:%02x, %u rx + %u tx "
	       "slots\n",
	       cl.info.mac[0], cl.info.mac[1], cl.info.mac[2], cl.info.mac[3],
	       cl.info.mac[4], cl.info.mac[5], cl.info.rx_slots,
	       cl.info.tx_slots);
}

/* Run netpeer with argv (argv[0] is "netpeer") and rights (rights[0]:
 * a copy of our bootstrap right; extra: one more, copied); its exit code. */
static long run_peer_with(const char *const argv[], uk_name_t extra,
			  uint64_t timeout)
{
	struct uk_task_right r[2] = {{ns_port(), UK_DISP_COPY_SEND},
				     {extra, UK_DISP_COPY_SEND}};
	struct uk_exit_status st;
	long id = spawn_image_rights(
	    netpeer_image,
	    (size_t)((uintptr_t)netpeer_image_end - (uintptr_t)netpeer_image),
	    "netpeer", argv, UK_PRIORITY_DEFAULT, r, extra ? 2 : 1);

	if (id < 0)
		return id;
	long rc = wait_task((uint64_t)id, &st, timeout);
	if (rc < 0) {
		uk_task_kill((uint64_t)id);
		wait_task((uint64_t)id, &st, SECONDS(1));
		return rc;
	}
	return st.reason == UK_EXIT_NORMAL ? st.code : -ERR_IO;
}

static long run_peer(const char *mode, uint64_t timeout)
{
	const char *argv[] = {"netpeer", mode, NULL};

	return run_peer_with(argv, 0, timeout);
}

static void another_client_is_refused(void)
{
	struct net_client other;
	union net_msgbuf *mb2 = malloc(sizeof(*mb2));

	/* From this task with a second event port, and from another task
	 * that also tries to transmit on the open device. */
	EXPECT_ERR(net_open(&other, dev, mb2), ERR_BUSY);
	free(mb2);
	EXPECT_EQ(run_peer("intrude", SECONDS(20)), 0);
}

static void arp_reply_from_the_gateway(void)
{
	static struct seen s;

	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	send_arps(1);
	want_tx_done = 1;
	if (!pump(&s, (uint64_t)uk_clock() + SECONDS(5), got_arp_and_tx))
		fail(__LINE__, "no ARP reply (%u) or TX_DONE (%u) within 5 s",
		     s.arp_replies, s.tx_done);
	EXPECT_EQ(s.protocol_errors, 0);
	EXPECT(have_gateway);
}

static void icmp_echo_to_the_gateway(void)
{
	static struct seen s;

	if (!have_gateway) {
		fail(__LINE__, "no gateway MAC (NET0003 must pass first)");
		return;
	}
	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	s.echo_id = 0x7531;
	s.echo_seq = 1;
	int slot = net_take_tx(&cl);
	EXPECT(slot >= 0);
	if (slot < 0)
		return;
	unsigned len = net_icmp_echo(net_slot(&cl, (unsigned)slot), cl.info.mac,
				     gateway_mac, NET_GUEST_IP, NET_GATEWAY_IP,
				     s.echo_id, s.echo_seq);
	struct uk_netdev_slot tx = {(uint16_t)slot, (uint16_t)len};
	EXPECT_EQ(net_send_slots(&cl, NETDEV_TX, &tx, 1), 0);
	want_tx_done = 1;
	if (!pump(&s, (uint64_t)uk_clock() + SECONDS(5), got_echo_and_tx))
		fail(__LINE__, "no echo reply (%u) or TX_DONE (%u) within 5 s",
		     s.echo_replies, s.tx_done);
	EXPECT_EQ(s.protocol_errors, 0);
}

/* A call to the driver through dest with a slot list, with badge written
 * into the header (the kernel overwrites it); the driver's status. */
static long call_slots_via(uk_name_t dest, uint64_t badge, uint32_t id,
			   const struct uk_netdev_slot *list, uint32_t count)
{
	struct {
		struct uk_msg_header h;
		struct uk_netdev_slots b;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.size = sizeof(m);
	m.h.id = id;
	m.h.dest = dest;
	m.h.badge = badge;
	m.b.count = count;
	if (list)
		memcpy(m.b.s, list,
		       (count < UK_NETDEV_BATCH ? count : UK_NETDEV_BATCH) *
			   sizeof(*list));
	long rc =
	    uk_ipc_call(&m.h, sizeof(m), &mb->h, sizeof(*mb), SECONDS(10));
	if (rc < 0)
		return rc;
	if (uk_msg_body_len(&mb->h) < sizeof(struct uk_rpc_status))
		return -ERR_CORRUPT;
	return ((const struct uk_rpc_status *)uk_msg_body(&mb->h))->status;
}

/* The same through the session right. */
static long call_slots(uint32_t id, const struct uk_netdev_slot *list,
		       uint32_t count)
{
	return call_slots_via(cl.session, 0, id, list, count);
}

static void bad_slot_messages_are_refused_and_counted(void)
{
	static struct seen s;
	struct uk_netdev_stats before, after;
	unsigned bad = 0;
	int slot = net_take_tx(&cl);

	EXPECT(slot >= 0);
	if (slot < 0)
		return;
	EXPECT_EQ(net_stats(&cl, &before), 0);
	unsigned len =
	    net_arp_request(net_slot(&cl, (unsigned)slot), cl.info.mac,
			    NET_GUEST_IP, NET_GATEWAY_IP);
	struct uk_netdev_slot l[2];

#define BAD(id, a, b, n, err)                                                  \
	do {                                                                   \
		l[0] = (a);                                                    \
		l[1] = (b);                                                    \
		EXPECT_ERR(call_slots((id), l, (n)), err);                     \
		bad++;                                                         \
	} while (0)
	const struct uk_netdev_slot none = {0, 0};
	BAD(NETDEV_TX, ((struct uk_netdev_slot){0, 42}), none, 1,
	    ERR_INVALID); /* rx slot */
	BAD(NETDEV_TX, ((struct uk_netdev_slot){300, 42}), none, 1,
	    ERR_INVALID); /* none */
	BAD(NETDEV_TX, ((struct uk_netdev_slot){(uint16_t)slot, 0}), none, 1,
	    ERR_INVALID);
	BAD(NETDEV_TX, ((struct uk_netdev_slot){(uint16_t)slot, 13}), none, 1,
	    ERR_INVALID);
	BAD(NETDEV_TX, ((struct uk_netdev_slot){(uint16_t)slot, 1515}), none, 1,
	    ERR_INVALID);
	BAD(NETDEV_TX, none, none, UK_NETDEV_BATCH + 1,
	    ERR_INVALID); /* too many */
	/* The same slot twice in one message: the first goes out, the
	 * second is not ours any more. */
	struct uk_netdev_slot good = {(uint16_t)slot, (uint16_t)len};
	BAD(NETDEV_TX, good, good, 2, ERR_INVALID);
	BAD(NETDEV_RX_DONE,
	    ((struct uk_netdev_slot){(uint16_t)cl.info.rx_slots, 0}), none, 1,
	    ERR_INVALID); /* a tx slot */
	BAD(NETDEV_RX_DONE, ((struct uk_netdev_slot){0, 0}), none, 1,
	    ERR_INVALID); /* device's */
	BAD(UK_PROTO_NETDEV + 50, none, none, 0, ERR_UNSUPPORTED);
	BAD(UK_PROTO_BLK + 2, none, none, 0, ERR_UNSUPPORTED);
#undef BAD

	/* The slot sent once comes back once. */
	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	want_tx_done = 1;
	EXPECT(pump(&s, (uint64_t)uk_clock() + SECONDS(5), got_arp_and_tx));
	EXPECT(s.tx_done_slot[slot]);
	EXPECT_EQ(s.protocol_errors, 0);
	EXPECT_EQ(net_stats(&cl, &after), 0);
	EXPECT_EQ(after.bad_requests - before.bad_requests, bad);
	EXPECT_EQ(after.tx_frames - before.tx_frames, 1);
	EXPECT_EQ(after.tx_errors, before.tx_errors);
}

static bool tx_all_done(const struct seen *s)
{
	return s->tx_done >= want_tx_done;
}

static void events_wait_while_the_client_queue_is_full(void)
{
	static struct seen s;
	const unsigned n = 12;

	/* Room for one event: the driver must keep the rest and retry. */
	EXPECT_EQ(uk_port_set_limit(cl.events, 1), 0);
	send_arps(n);
	struct uk_port_info pi;
	uint64_t deadline = (uint64_t)uk_clock() + SECONDS(5);
	do { /* wait until the queue is full, so the driver must hold on */
		EXPECT_EQ(uk_port_info(cl.events, &pi), 0);
		if (pi.queued >= 1)
			break;
		uk_sleep(1000000);
	} while ((uint64_t)uk_clock() < deadline);
	EXPECT_EQ(pi.queued, 1);
	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	want_tx_done = n;
	if (!pump(&s, (uint64_t)uk_clock() + SECONDS(5), tx_all_done))
		fail(__LINE__, "only %u of %u TX_DONE within 5 s", s.tx_done,
		     n);
	EXPECT_EQ(s.protocol_errors, 0);
	EXPECT_EQ(uk_port_set_limit(cl.events, 64), 0);
	/* The replies to the ARPs may still be coming: take them. */
	want_tx_done = 0;
	pump(&s, (uint64_t)uk_clock() + SECONDS(1), got_arp_and_tx);
}

static void client_death_gives_the_slots_back(void)
{
	static struct seen s;

	/* Let go of the device; the peer opens it, transmits, holds a
	 * received frame and dies without giving anything back. */
	net_close(&cl);
	EXPECT_EQ(run_peer("hold", SECONDS(30)), 0);

	/* The driver sees the peer's event port die and takes a new open. */
	long rc;
	uint64_t deadline = (uint64_t)uk_clock() + SECONDS(5);
	while ((rc = net_open(&cl, dev, mb)) == -ERR_BUSY &&
	       (uint64_t)uk_clock() < deadline)
		uk_sleep(10 * 1000000);
	EXPECT_EQ(rc, 0);
	if (rc < 0)
		return;
	/* Every transmit slot is ours again and every receive slot is back
	 * on the device: one ARP from each transmit slot, and the replies
	 * fill each receive slot while we hold them all. */
	memset(&s, 0, sizeof(s));
	s.return_rx = false;
	send_arps(cl.info.tx_slots);
	want_tx_done = cl.info.tx_slots;
	want_rx_distinct = cl.info.rx_slots <= cl.info.tx_slots
			       ? cl.info.rx_slots
			       : cl.info.tx_slots;
	if (!pump(&s, (uint64_t)uk_clock() + SECONDS(10), got_all))
		fail(__LINE__, "TX_DONE %u of %u, receive slots used %u of %u",
		     s.tx_done, want_tx_done, s.rx_distinct, want_rx_distinct);
	EXPECT_EQ(s.protocol_errors, 0);
	return_held(&s);
}

static void stats_count_the_traffic(void)
{
	static struct seen s;
	struct uk_netdev_stats before, after;

	EXPECT_EQ(net_stats(&cl, &before), 0);
	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	send_arps(1);
	want_tx_done = 1;
	EXPECT(pump(&s, (uint64_t)uk_clock() + SECONDS(5), got_arp_and_tx));
	EXPECT_EQ(net_stats(&cl, &after), 0);
	EXPECT_EQ(after.tx_frames - before.tx_frames, 1);
	EXPECT_EQ(after.tx_bytes - before.tx_bytes, 42);
	EXPECT(after.rx_frames - before.rx_frames >= 1);
	EXPECT(after.rx_bytes - before.rx_bytes >= 42);
	EXPECT(after.interrupts > before.interrupts);
	EXPECT_EQ(after.tx_errors, 0);
	printf("nettest:   rx %lu frames %lu bytes, tx %lu frames %lu bytes, "
	       "rx dropped %lu, interrupts %lu, bad requests %lu\n",
	       (unsigned long)after.rx_frames, (unsigned long)after.rx_bytes,
	       (unsigned long)after.tx_frames, (unsigned long)after.tx_bytes,
	       (unsigned long)after.rx_dropped, (unsigned long)after.interrupts,
	       (unsigned long)after.bad_requests);
}

/* Write an ARP request for the gateway into a free transmit slot; the slot
 * (or -1) and the frame's length in *len. */
static int arp_in_slot(uint16_t *len)
{
	int slot = net_take_tx(&cl);

	if (slot < 0) {
		fail(__LINE__, "no free transmit slot");
		return -1;
	}
	*len = (uint16_t)net_arp_request(net_slot(&cl, (unsigned)slot),
					 cl.info.mac, NET_GUEST_IP,
					 NET_GATEWAY_IP);
	return slot;
}

/* Transmit slot through the session and wait for its TX_DONE. */
static void send_and_see_done(int slot, uint16_t len)
{
	static struct seen s;
	struct uk_netdev_slot tx = {(uint16_t)slot, len};

	EXPECT_EQ(net_send_slots(&cl, NETDEV_TX, &tx, 1), 0);
	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	want_tx_done = 1;
	if (!pump(&s, (uint64_t)uk_clock() + SECONDS(5), tx_all_done))
		fail(__LINE__, "no TX_DONE for slot %d within 5 s", slot);
	EXPECT(s.tx_done_slot[slot]);
	EXPECT_EQ(s.protocol_errors, 0);
}

static void requests_not_through_the_session_right_are_refused(void)
{
	static struct seen s;
	struct uk_netdev_stats before, after;
	uint16_t len;
	int slot = arp_in_slot(&len);

	if (slot < 0)
		return;
	EXPECT_EQ(net_stats(&cl, &before), 0);
	/* This task, the session's owner, through its right to net0 with
	 * the session's badge written into the header: refused. */
	struct uk_netdev_slot tx = {(uint16_t)slot, len}, rx = {0, 0};
	EXPECT_ERR(call_slots_via(dev, cl.badge, NETDEV_TX, &tx, 1),
		   ERR_PERMISSION);
	EXPECT_ERR(call_slots_via(dev, cl.badge, NETDEV_RX_DONE, &rx, 1),
		   ERR_PERMISSION);
	/* Another task that knows net0, the badge and the slot: refused. */
	char badge[24], slot_s[8], len_s[8];
	snprintf(badge, sizeof(badge), "%#lx", (unsigned long)cl.badge);
	snprintf(slot_s, sizeof(slot_s), "%d", slot);
	snprintf(len_s, sizeof(len_s), "%u", len);
	const char *argv[] = {"netpeer", "intrude", badge, slot_s, len_s, NULL};
	EXPECT_EQ(run_peer_with(argv, 0, SECONDS(20)), 0);

	/* Nothing went out: no frame counted, no TX_DONE for the slot. */
	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	want_tx_done = 1;
	EXPECT(!pump(&s, (uint64_t)uk_clock() + SECONDS(1) / 2, tx_all_done));
	EXPECT_EQ(s.tx_done, 0);
	EXPECT_EQ(net_stats(&cl, &after), 0);
	EXPECT_EQ(after.tx_frames, before.tx_frames);
	EXPECT_EQ(after.bad_requests - before.bad_requests, 4);

	/* The session itself still works, with the same slot. */
	send_and_see_done(slot, len);
	EXPECT_EQ(net_stats(&cl, &after), 0);
	EXPECT_EQ(after.tx_frames - before.tx_frames, 1);
}

static void the_session_right_works_from_another_task(void)
{
	struct uk_netdev_stats before, after;
	static struct seen s;
	uint16_t len;
	int slot = arp_in_slot(&len);

	if (slot < 0)
		return;
	EXPECT_EQ(net_stats(&cl, &before), 0);
	/* The right is the authority, not the task holding it: a copy in
	 * another task transmits our frame. */
	char slot_s[8], len_s[8];
	snprintf(slot_s, sizeof(slot_s), "%d", slot);
	snprintf(len_s, sizeof(len_s), "%u", len);
	const char *argv[] = {"netpeer", "delegate", slot_s, len_s, NULL};
	EXPECT_EQ(run_peer_with(argv, cl.session, SECONDS(20)), 0);
	memset(&s, 0, sizeof(s));
	s.return_rx = true;
	want_tx_done = 1;
	if (!pump(&s, (uint64_t)uk_clock() + SECONDS(5), got_arp_and_tx))
		fail(__LINE__, "no ARP reply (%u) or TX_DONE (%u) within 5 s",
		     s.arp_replies, s.tx_done);
	EXPECT(s.tx_done_slot[slot]);
	EXPECT_EQ(net_stats(&cl, &after), 0);
	EXPECT_EQ(after.tx_frames - before.tx_frames, 1);
	EXPECT_EQ(after.bad_requests, before.bad_requests);
	/* The copy died with the peer; the session goes on. */
	slot = arp_in_slot(&len);
	if (slot >= 0)
		send_and_see_done(slot, len);
}

/* Open again until the old session is seen to be over (its notice is on
 * its way to the driver); the status. */
static long reopen(struct net_client *c)
{
	long rc;
	uint64_t deadline = (uint64_t)uk_clock() + SECONDS(5);

	while ((rc = net_open(c, dev, mb)) == -ERR_BUSY &&
	       (uint64_t)uk_clock() < deadline)
		uk_sleep(10 * 1000000);
	return rc;
}

static void
a_closed_sessions_right_is_dead_and_a_new_open_gets_a_new_badge(void)
{
	struct uk_port_info pi;
	uk_name_t old = cl.session;
	uint64_t old_badge = cl.badge;

	/* Keep a reference to the session right, so that only the event
	 * port's death can end the session. */
	EXPECT_EQ(uk_port_insert_right(old, UK_DISP_COPY_SEND), (long)old);
	net_close(&cl);
	EXPECT_EQ(reopen(&cl), 0);
	if (!cl.session)
		return;
	EXPECT(cl.badge != 0 && cl.badge != old_badge);
	EXPECT(cl.session != old);
	/* The old right names a destroyed port now. */
	EXPECT_EQ(uk_port_info(old, &pi), 0);
	EXPECT_EQ(pi.rights, UK_RIGHT_DEAD_NAME);
	struct uk_netdev_slot tx = {(uint16_t)cl.info.rx_slots, 42};
	EXPECT_ERR(call_slots_via(old, 0, NETDEV_TX, &tx, 1), ERR_DEAD);
	EXPECT_EQ(uk_port_deallocate(old), 0);
	/* The new session works. */
	uint16_t len;
	int slot = arp_in_slot(&len);
	if (slot >= 0)
		send_and_see_done(slot, len);
}

static void dropping_the_session_right_ends_the_session(void)
{
	struct net_client old = cl;
	struct uk_port_info pi;

	/* Drop the session right but keep the event port: no sender is
	 * left, and that alone ends the session. */
	EXPECT_EQ(uk_port_deallocate(old.session), 0);
	EXPECT_EQ(reopen(&cl), 0);
	EXPECT(cl.badge != 0 && cl.badge != old.badge);
	/* The driver let go of the old event port too. */
	EXPECT_EQ(uk_port_info(old.events, &pi), 0);
	EXPECT_EQ(pi.senders, 0);
	old.session = 0;
	net_close(&old);
	if (!cl.session)
		return;
	uint16_t len;
	int slot = arp_in_slot(&len);
	if (slot >= 0)
		send_and_see_done(slot, len);
}

static const struct test tests[] = {
    {"NET0001", "open_gives_the_mac_and_slots", open_gives_the_mac_and_slots},
    {"NET0002", "another_client_is_refused", another_client_is_refused},
    {"NET0003", "arp_reply_from_the_gateway", arp_reply_from_the_gateway},
    {"NET0004", "icmp_echo_to_the_gateway", icmp_echo_to_the_gateway},
    {"NET0005", "bad_slot_messages_are_refused_and_counted",
     bad_slot_messages_are_refused_and_counted},
    {"NET0006", "events_wait_while_the_client_queue_is_full",
     events_wait_while_the_client_queue_is_full},
    {"NET0007", "client_death_gives_the_slots_back",
     client_death_gives_the_slots_back},
    {"NET0008", "stats_count_the_traffic", stats_count_the_traffic},
    {"NET0009", "requests_not_through_the_session_right_are_refused",
     requests_not_through_the_session_right_are_refused},
    {"NET0010", "the_session_right_works_from_another_task",
     the_session_right_works_from_another_task},
    {"NET0011",
     "a_closed_sessions_right_is_dead_and_a_new_open_gets_a_new_badge",
     a_closed_sessions_right_is_dead_and_a_new_open_gets_a_new_badge},
    {"NET0012", "dropping_the_session_right_ends_the_session",
     dropping_the_session_right_ends_the_session},
};

static int selected(const struct test *t, int argc, char **argv)
{
	if (argc <= 1)
		return 1;
	/* NET0001 opens the device every other test uses. */
	if (!strcmp(t->id, "NET0001"))
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], t->id) || !strcmp(argv[i], t->name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	long rc = ns_lookup("net0", SECONDS(30));

	if (rc < 0) {
		printf("nettest: no net0 (is the driver started, "
		       "with=dev,virtio-net, and a NIC attached with "
		       "--nic-user?): %s\n",
		       err_str(rc));
		return 2;
	}
	dev = (uk_name_t)rc;
	mb = malloc(sizeof(*mb));
	if (!mb)
		return 2;
	for (unsigned k = 0; k < sizeof(tests) / sizeof(tests[0]); k++) {
		const struct test *t = &tests[k];
		if (!selected(t, argc, argv))
			continue;
		failures = 0;
		t->run();
		if (failures) {
			failed++;
			printf("nettest: %s %s FAILED\n", t->id, t->name);
		} else {
			passed++;
			printf("nettest: %s %s ok\n", t->id, t->name);
		}
	}
	printf("nettest: %d passed, %d failed\n", passed, failed);
	return failed || passed == 0;
}
