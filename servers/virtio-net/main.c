/* SPDX-License-Identifier: MIT */
/*
 * virtio-net: the network device driver. It claims the first virtio
 * network device from the device server, drives it through the modern PCI
 * transport (lib/virtio), registers "net0" and serves
 * include/uk/proto/netdev.h to one client at a time.
 *
 * Frames are never copied: the client and the device both work on the slot
 * region, DMA memory this driver allocates at the first NETDEV_OPEN and
 * shares with each client (UK_OOL_SHARE). The virtio-net header of every
 * chain lives in the driver's own DMA memory, so a chain is two
 * descriptors: header, then slot. Who owns each slot is tracked in
 * netdev_slots.c and changes only as the header of netdev.h describes.
 *
 * A client is a session: NETDEV_OPEN makes a session port and answers
 * with the one send right minted from it, under a badge never used before
 * by this driver. RX_DONE and TX are served only when they come through
 * that right (session port and badge); from a right to net0, whoever sends
 * them, they are refused with ERR_PERMISSION and counted. The session
 * ends when the client's event port dies (dead-name) or when nobody holds
 * the session right any more (no-senders on the session port), whichever
 * comes first: every slot the client held comes back, the session port is
 * destroyed (a right still out is a dead name from then on) and a new
 * open is accepted.
 *
 * Events to the client (RX, TX_DONE, LINK) are sent with timeout 0: the
 * driver never blocks on its client. What does not fit in the client's
 * queue stays pending and is sent, batched, at the next chance; while
 * anything is pending the main loop wakes every RETRY_NS to try again.
 * Notices come to a private port (notify) that nobody else can send to; a
 * message is believed to be the kernel's only with UK_MSG_KERNEL on that
 * port.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>
#include <uk/proto/netdev.h>
#include <virtio/pci.h>
#include "netdev_slots.h"

/* virtio-net (virtio 1.x, 5.1) */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1u
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_RX_QUEUE 0
#define VIRTIO_NET_TX_QUEUE 1

/* With VIRTIO_F_VERSION_1 the header always has num_buffers: 12 bytes. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr layout");
#define HDR_STRIDE 16u

#define QUEUE_MAX 256
#define REGION_BYTES (UK_NETDEV_SLOTS * UK_NETDEV_SLOT_SIZE)
#define RETRY_NS (10ull * 1000 * 1000)

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

static struct virtio_pci vp;
static struct virtq rxq, txq;
static struct netdev_slot_table slots;
static uint8_t *region; /* the shared slots */
static uint64_t region_phys;
static uint8_t *hdrs; /* one virtio_net_hdr per slot, HDR_STRIDE apart */
static uint64_t hdrs_phys;
static uint8_t mac[6];
static bool link_up;
static struct uk_netdev_stats stats;
static uk_name_t service, irq_port, port_set, notify;
static union msgbuf in, out;

static struct {
	bool open;
	uk_name_t events; /* send right to its event port */
	uk_name_t port; /* the session port (our receive right, in port_set) */
	uint64_t badge; /* of the one send right minted from port */
	uint64_t task;	/* who opened it: for the log only */
} client;
/* The last session's badge: each open takes the next one, so a badge is
 * never used twice by this instance of the driver (a restarted driver has
 * new ports, and the old session rights are dead names). */
static uint64_t session_generation;

/* Events not yet delivered. Each slot is in at most one list, so a list
 * never holds more than UK_NETDEV_SLOTS entries. */
static struct uk_netdev_slot pending_rx[UK_NETDEV_SLOTS];
static unsigned n_pending_rx;
static struct uk_netdev_slot pending_tx[UK_NETDEV_SLOTS];
static unsigned n_pending_tx;
static bool pending_link;
/* Transmit slots a client that went away left on the device. */
static bool orphan[UK_NETDEV_SLOTS];

static uint64_t slot_phys(unsigned s)
{
	return region_phys + (uint64_t)s * UK_NETDEV_SLOT_SIZE;
}

static uint64_t hdr_phys(unsigned s)
{
	return hdrs_phys + (uint64_t)s * HDR_STRIDE;
}

/* Receive buffers were posted since the device was last told. */
static bool rx_posted;

static void kick_rx(void)
{
	if (rx_posted)
		virtio_pci_kick(&vp, &rxq);
	rx_posted = false;
}

/* Put a receive slot on the device (it must be SLOT_DRIVER). */
static void post_rx(unsigned s)
{
	struct virtq_buf b[2] = {
	    {hdr_phys(s), sizeof(struct virtio_net_hdr), VIRTQ_BUF_WRITE},
	    {slot_phys(s), UK_NETDEV_SLOT_SIZE, VIRTQ_BUF_WRITE},
	};
	/* rx slots never exceed half the ring, so this cannot fail. */
	if (virtq_add(&rxq, b, 2, s) >= 0) {
		slots.state[s] = SLOT_DEVICE;
		rx_posted = true;
	}
}

/* Put a transmit slot holding a frame of len bytes on the device. */
static bool post_tx(unsigned s, uint16_t len)
{
	struct virtio_net_hdr *h =
	    (struct virtio_net_hdr *)(hdrs + s * HDR_STRIDE);
	struct virtq_buf b[2] = {
	    {hdr_phys(s), sizeof(*h), 0},
	    {slot_phys(s), len, 0},
	};

	memset(h, 0, sizeof(*h)); /* no offloads */
	if (virtq_add(&txq, b, 2, s) < 0)
		return false;
	slots.state[s] = SLOT_DEVICE;
	return true;
}

/* Send one event message of up to UK_NETDEV_BATCH slots; 0, or the send's
 * error (ERR_TIMED_OUT: the client's queue is full). */
static long send_slots(uint32_t id, const struct uk_netdev_slot *list,
		       unsigned n)
{
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = id;
	out.h.dest = client.events;
	out.h.dest_disposition = UK_DISP_COPY_SEND;
	struct uk_netdev_slots *body = uk_msg_body(&out.h);
	memset(body, 0, sizeof(*body));
	body->count = n;
	memcpy(body->s, list, n * sizeof(*list));
	out.h.size = (uint32_t)(sizeof(out.h) + sizeof(*body));
	return uk_ipc_send(&out.h, out.h.size, 0);
}

static void session_end(void);

/* Deliver pending events in order of list: what the client's queue does
 * not take stays pending. */
static void flush_list(uint32_t id, struct uk_netdev_slot *list, unsigned *n)
{
	while (client.open && *n) {
		unsigned k = *n < UK_NETDEV_BATCH ? *n : UK_NETDEV_BATCH;
		long rc = send_slots(id, list, k);
		if (rc == -ERR_DEAD) {
			session_end();
			return;
		}
		if (rc < 0)
			return; /* full (or refused): try again later */
		for (unsigned i = 0; i < k; i++)
			slots.state[list[i].slot] = SLOT_CLIENT;
		memmove(list, list + k, (*n - k) * sizeof(*list));
		*n -= k;
	}
}

static void flush_events(void)
{
	if (!client.open)
		return;
	if (pending_link) {
		memset(&out.h, 0, sizeof(out.h));
		out.h.id = NETDEV_LINK;
		out.h.dest = client.events;
		out.h.dest_disposition = UK_DISP_COPY_SEND;
		struct uk_netdev_link *l = uk_msg_body(&out.h);
		l->up = link_up;
		l->reserved = 0;
		out.h.size = (uint32_t)(sizeof(out.h) + sizeof(*l));
		long rc = uk_ipc_send(&out.h, out.h.size, 0);
		if (rc == -ERR_DEAD) {
			session_end();
			return;
		}
		if (rc == 0)
			pending_link = false;
	}
	flush_list(NETDEV_RX, pending_rx, &n_pending_rx);
	flush_list(NETDEV_TX_DONE, pending_tx, &n_pending_tx);
}

static bool events_pending(void)
{
	return client.open && (pending_link || n_pending_rx || n_pending_tx);
}

/* The session is over (its event port died, a send found it dead, or the
 * session right has no holder left): take back the client's slots, repost
 * the receive ones, and accept a new open. Destroying the session port
 * turns every right to it still out into a dead name. */
static void session_end(void)
{
	if (!client.open)
		return;
	printf("virtio-net: session %llu of task %u ended; slots reclaimed\n",
	       (unsigned long long)client.badge, (unsigned)client.task);
	uk_port_deallocate(client.events);
	uk_port_destroy(client.port);
	client = (typeof(client)){0};
	n_pending_rx = n_pending_tx = 0;
	pending_link = false;
	netdev_slots_client_gone(&slots);
	/* Frames it sent that are still on the device complete silently:
	 * their slots then belong to whoever opens next. */
	for (unsigned i = slots.rx; i < (unsigned)slots.rx + slots.tx; i++)
		orphan[i] = slots.state[i] == SLOT_DEVICE;
	for (unsigned s = 0; s < slots.rx; s++)
		if (slots.state[s] == SLOT_DRIVER)
			post_rx(s);
	kick_rx();
}

static void rx_completed(const struct virtq_done *d)
{
	unsigned s = (unsigned)d->cookie;

	if (s >= slots.rx || slots.state[s] != SLOT_DEVICE)
		return; /* cannot happen: cookies are ours */
	if ((d->flags & VIRTQ_DONE_BAD_LEN) ||
	    d->len <= sizeof(struct virtio_net_hdr) || !client.open) {
		stats.rx_dropped++;
		slots.state[s] = SLOT_DRIVER;
		post_rx(s);
		return;
	}
	uint16_t len = (uint16_t)(d->len - sizeof(struct virtio_net_hdr));
	stats.rx_frames++;
	stats.rx_bytes += len;
	slots.state[s] = SLOT_EVENT;
	pending_rx[n_pending_rx++] = (struct uk_netdev_slot){(uint16_t)s, len};
}

static void tx_completed(const struct virtq_done *d)
{
	unsigned s = (unsigned)d->cookie;

	if (s < slots.rx || s >= (unsigned)slots.rx + slots.tx ||
	    slots.state[s] != SLOT_DEVICE)
		return;
	if (d->flags & VIRTQ_DONE_BAD_LEN)
		stats.tx_errors++;
	if (!client.open || orphan[s]) {
		orphan[s] = false;
		slots.state[s] = SLOT_CLIENT; /* for the next client */
		return;
	}
	slots.state[s] = SLOT_EVENT;
	pending_tx[n_pending_tx++] = (struct uk_netdev_slot){(uint16_t)s, 0};
}

static bool read_link(void)
{
	uint16_t st = VIRTIO_NET_S_LINK_UP;

	if (vp.features & VIRTIO_BIT(VIRTIO_NET_F_STATUS))
		virtio_pci_config_read(&vp, VIRTIO_NET_CFG_STATUS, &st,
				       sizeof(st));
	return st & VIRTIO_NET_S_LINK_UP;
}

static void handle_interrupt(void)
{
	struct virtq_done d;

	stats.interrupts++;
	/* Reading ISR lowers the line; it must be low before irq_ack. */
	uint8_t isr = virtio_pci_isr(&vp);
	if (isr & VIRTIO_ISR_CONFIG) {
		bool up = read_link();
		if (up != link_up) {
			link_up = up;
			pending_link = true;
			printf("virtio-net: link %s\n", up ? "up" : "down");
		}
	}
	while (virtq_next_used(&rxq, &d) == 1)
		rx_completed(&d);
	while (virtq_next_used(&txq, &d) == 1)
		tx_completed(&d);
	kick_rx(); /* dropped frames were reposted */
	virtio_pci_irq_ack(&vp);
	flush_events();
}

/* Start a reply in out: header, n_ports and n_ool descriptors, status;
 * returns where the reply struct goes. */
static void *reply_begin(uint32_t id, int32_t status, uint16_t n_ports,
			 uint16_t n_ool)
{
	return uk_rpc_reply_start(&out.h, id, status, n_ports, n_ool);
}

static long reply_send(uk_name_t reply, uint32_t body)
{
	if (!reply)
		return -ERR_BAD_NAME;
	out.h.dest = reply;
	out.h.size = (uint32_t)((uint8_t *)uk_msg_body(&out.h) - out.bytes) +
		     (uint32_t)sizeof(struct uk_rpc_status) + body;
	long rc = uk_ipc_send(&out.h, out.h.size, 0);
	if (rc < 0)
		uk_port_deallocate(reply);
	return rc;
}

static void reply_status(uint32_t id, uk_name_t reply, int32_t status)
{
	reply_begin(id, status, 0, 0);
	reply_send(reply, 0);
}

/* A session port and the one badged send right to it; the right's name,
 * or a negative error (nothing is left behind then). The no-senders
 * request comes after the mint: made earlier, it would fire at once. */
static long session_port_make(uk_name_t *port, uint64_t badge)
{
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (p < 0)
		return p;
	long right = uk_port_mint((uk_name_t)p, badge);
	long rc = right;
	if (right >= 0)
		rc = uk_port_request_notification((uk_name_t)p,
						  UK_NOTIFY_NO_SENDERS, notify);
	if (rc >= 0)
		rc = uk_port_set_add(port_set, (uk_name_t)p);
	if (rc < 0) {
		uk_port_destroy((uk_name_t)p);
		if (right >= 0)
			uk_port_deallocate((uk_name_t)right);
		return rc;
	}
	*port = (uk_name_t)p;
	return right;
}

static int do_open(const struct uk_msg_header *h, bool *keep_port)
{
	if (client.open)
		return -ERR_BUSY;
	if (h->n_ports != 1 || h->n_ool ||
	    !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND) || !h->reply)
		return -ERR_INVALID;
	if (!region) {
		long a = uk_vm_allocate_dma(REGION_BYTES, &region_phys);
		if (a < 0)
			return (int)a;
		region = (uint8_t *)a;
	}
	uk_name_t ev = uk_msg_ports(h)[0].name;
	long rc =
	    uk_port_request_notification(ev, UK_NOTIFY_DEAD_NAME, notify);
	if (rc < 0)
		return (int)rc;
	uint64_t badge = session_generation + 1;
	long right = session_port_make(&client.port, badge);
	if (right < 0)
		return (int)right; /* the event right and its request go */
	session_generation = badge;
	client.open = true;
	client.events = ev;
	client.badge = badge;
	client.task = uk_msg_sender(h);
	*keep_port = true;

	struct uk_netdev_open_reply *r = reply_begin(NETDEV_OPEN, 0, 1, 1);
	uk_msg_ports(&out.h)[0] =
	    (struct uk_msg_port){(uk_name_t)right, UK_DISP_MOVE_SEND};
	uk_msg_ools(&out.h)[0] = (struct uk_msg_ool){
	    (uint64_t)(uintptr_t)region, REGION_BYTES, UK_OOL_SHARE, 0};
	memcpy(r->mac, mac, sizeof(mac));
	r->mtu = 1500;
	r->link_up = link_up;
	r->rx_slots = slots.rx;
	r->tx_slots = slots.tx;
	if (reply_send(h->reply, sizeof(*r)) < 0) {
		/* The caller is gone already (the session right is still
		 * ours: a failed send moves nothing); do not wait for its
		 * event port's death notice. */
		uk_port_deallocate((uk_name_t)right);
		session_end();
		return 1;
	}
	/* Everything on the receive side that is with the driver goes to the
	 * device now (at the first open: all of it). */
	for (unsigned s = 0; s < slots.rx; s++)
		if (slots.state[s] == SLOT_DRIVER)
			post_rx(s);
	kick_rx();
	printf("virtio-net: net0 opened by task %u, session %llu\n",
	       (unsigned)client.task, (unsigned long long)client.badge);
	return 1;
}

/* A request is the session's only if it came through the right minted at
 * open: on the session port and with its badge. Who sent it does not
 * matter (the client may hand the right on), and a right to net0 is not
 * enough, whatever badge its sender wrote in the header. */
static bool from_session(const struct uk_msg_header *h)
{
	return client.open && h->dest == client.port &&
	       h->badge == client.badge;
}

static int do_rx_done(const struct uk_msg_header *h)
{
	struct uk_netdev_slots list;
	int bad = 0;

	if (!from_session(h))
		return -ERR_PERMISSION;
	if (netdev_slots_decode(h, &list) < 0)
		return -ERR_INVALID;
	for (unsigned i = 0; i < list.count; i++) {
		if (netdev_slots_rx_done(&slots, &list.s[i]) < 0) {
			bad = 1;
			continue;
		}
		post_rx(list.s[i].slot);
	}
	kick_rx();
	return bad ? -ERR_INVALID : 0;
}

static int do_tx(const struct uk_msg_header *h)
{
	struct uk_netdev_slots list;
	int bad = 0;

	if (!from_session(h))
		return -ERR_PERMISSION;
	if (netdev_slots_decode(h, &list) < 0)
		return -ERR_INVALID;
	for (unsigned i = 0; i < list.count; i++) {
		const struct uk_netdev_slot *s = &list.s[i];
		if (netdev_slots_tx(&slots, s) < 0) {
			bad = 1;
			continue;
		}
		if (post_tx(s->slot, s->len)) {
			stats.tx_frames++;
			stats.tx_bytes += s->len;
		} else {
			/* Cannot happen (a chain per slot fits), but the slot
			 * must still go back. */
			stats.tx_errors++;
			slots.state[s->slot] = SLOT_EVENT;
			pending_tx[n_pending_tx++] =
			    (struct uk_netdev_slot){s->slot, 0};
		}
	}
	virtio_pci_kick(&vp, &txq);
	return bad ? -ERR_INVALID : 0;
}

/* Drop the rights and memory a message carried that we do not keep. */
static void release_message(const struct uk_msg_header *h, bool keep_port0)
{
	for (unsigned i = keep_port0 ? 1 : 0; i < h->n_ports; i++) {
		const struct uk_msg_port *p = &uk_msg_ports(h)[i];
		if (!p->name)
			continue;
		if (p->disposition & UK_RIGHT_RECEIVE)
			uk_port_destroy(p->name);
		else
			uk_port_deallocate(p->name);
	}
	for (unsigned i = 0; i < h->n_ool; i++) {
		const struct uk_msg_ool *o = &uk_msg_ools(h)[i];
		if (o->address && o->size)
			uk_vm_free(o->address, o->size);
	}
}

static void handle_request(void)
{
	const struct uk_msg_header *h = &in.h;
	bool keep_port = false;
	int rc;

	if (h->flags & UK_MSG_KERNEL) {
		if (h->dest != notify ||
		    h->size < sizeof(struct uk_notification))
			return;
		uk_name_t n =
		    ((const struct uk_notification *)(const void *)h)->name;
		/* Any other name is a session already over: its event port
		 * was found dead by a send, or its port destroyed. */
		if (client.open &&
		    ((h->id == UK_MSG_ID_DEAD_NAME && n == client.events) ||
		     (h->id == UK_MSG_ID_NO_SENDERS && n == client.port)))
			session_end();
		return;
	}
	switch (h->id) {
	case NETDEV_OPEN:
		rc = do_open(h, &keep_port);
		break;
	case NETDEV_RX_DONE:
		rc = do_rx_done(h);
		break;
	case NETDEV_TX:
		rc = do_tx(h);
		break;
	case NETDEV_STATS: {
		struct uk_netdev_stats *s = reply_begin(NETDEV_STATS, 0, 0, 0);
		*s = stats;
		reply_send(h->reply, sizeof(*s));
		rc = 1;
		break;
	}
	default:
		rc = -ERR_UNSUPPORTED;
		break;
	}
	if (rc == -ERR_INVALID || rc == -ERR_UNSUPPORTED ||
	    rc == -ERR_PERMISSION)
		stats.bad_requests++;
	/* RX_DONE and TX are usually sent without a reply right; a caller
	 * that gave one gets the status. */
	if (rc <= 0 && h->reply)
		reply_status(h->id, h->reply, rc);
	release_message(h, keep_port);
	flush_events();
}

static int setup(void)
{
	long rc;

	service = (uk_name_t)uk_port_allocate(UK_RIGHT_RECEIVE);
	rc = virtio_pci_claim(&vp, "virtio-net", VIRTIO_ID_NET,
			      VIRTIO_PCI_DEVICE_NET_LEGACY, service);
	if (rc == -ERR_NOT_FOUND) {
		printf("virtio-net: no virtio network device; nothing to do\n");
		exit(0);
	}
	if (rc < 0)
		return (int)rc;
	rc = virtio_pci_negotiate(&vp, 0,
				  VIRTIO_BIT(VIRTIO_NET_F_MAC) |
				      VIRTIO_BIT(VIRTIO_NET_F_STATUS));
	if (rc < 0)
		return (int)rc;
	if (vp.features & VIRTIO_BIT(VIRTIO_NET_F_MAC)) {
		virtio_pci_config_read(&vp, VIRTIO_NET_CFG_MAC, mac,
				       sizeof(mac));
	} else {
		/* A locally administered address of our own. */
		static const uint8_t local[6] = {0x02, 0x00, 0x00,
						 0x00, 0x00, 0x01};
		memcpy(mac, local, sizeof(mac));
	}
	link_up = read_link();

	if ((rc = virtio_pci_queue_setup(&vp, VIRTIO_NET_RX_QUEUE, QUEUE_MAX,
					 &rxq)) < 0 ||
	    (rc = virtio_pci_queue_setup(&vp, VIRTIO_NET_TX_QUEUE, QUEUE_MAX,
					 &txq)) < 0) {
		printf("virtio-net: cannot set up the queues: %s\n",
		       err_str(rc));
		virtio_pci_fail(&vp);
		return (int)rc;
	}
	/* Two descriptors per slot; receive gets half the slots at most. */
	uint16_t rx = (uint16_t)(rxq.size / 2 < UK_NETDEV_SLOTS / 2
				     ? rxq.size / 2
				     : UK_NETDEV_SLOTS / 2);
	uint16_t tx = (uint16_t)(txq.size / 2 < UK_NETDEV_SLOTS - rx
				     ? txq.size / 2
				     : UK_NETDEV_SLOTS - rx);
	netdev_slots_init(&slots, rx, tx);
	rc = uk_vm_allocate_dma(UK_NETDEV_SLOTS * HDR_STRIDE, &hdrs_phys);
	if (rc < 0)
		return (int)rc;
	hdrs = (uint8_t *)rc;

	return virtio_pci_start(&vp, "virtio-net", service, &irq_port, &port_set);
}

int main(int argc, char **argv)
{
	long rc;

	if (setup() < 0) {
		printf("virtio-net: giving up on the device\n");
		return 1;
	}
	rc = port_in_set(port_set);
	if (rc > 0)
		notify = (uk_name_t)rc;
	if (rc < 0) {
		printf("virtio-net: no notify port: %s\n", err_str(rc));
		return 1;
	}
	uk_port_insert_right(service, UK_DISP_MAKE_SEND);
	if ((rc = ns_register("net0", service)) < 0) {
		printf("virtio-net: cannot register net0: %s\n", err_str(rc));
		return 1;
	}
	printf("virtio-net: net0: mac %02x:%02x:%02x:%02x:%02x:%02x, link %s, "
	       "%u rx + %u tx slots, irq %u\n",
	       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
	       link_up ? "up" : "down", slots.rx, slots.tx, vp.info.irq);
	for (;;) {
		uint64_t timeout =
		    events_pending() ? RETRY_NS : UK_TIMEOUT_INFINITE;
		rc = uk_ipc_receive(port_set, &in.h, sizeof(in), timeout);
		if (rc == -ERR_TIMED_OUT) {
			flush_events();
			continue;
		}
		if (rc < 0) {
			printf("virtio-net: receive failed: %s\n", err_str(rc));
			continue;
		}
		if (in.h.dest == irq_port) {
			if ((in.h.flags & UK_MSG_KERNEL) &&
			    in.h.id == UK_MSG_ID_INTERRUPT)
				handle_interrupt();
			else
				release_message(&in.h, false);
		} else {
			handle_request();
		}
	}
}
