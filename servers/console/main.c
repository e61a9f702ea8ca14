/* SPDX-License-Identifier: MIT */
/*
 * console: the serial console server (include/uk/proto/cons.h), registered
 * as "console". It claims the legacy device "com1" from the device server,
 * which hands it exactly the UART's eight I/O ports and IRQ 4, and owns
 * the UART's input from then on; the kernel keeps writing its own log to
 * the same transmitter with polled output, so both outputs interleave by
 * byte and neither waits for the other.
 *
 * Output is polled (CONS_WRITE returns when every byte is in the
 * transmitter); a transmitter the host is slow to empty holds the writer
 * back (up to 5 s) rather than losing bytes. Input arrives by interrupt
 * into a ring (cons_core.c); readers wait in arrival order with deferred
 * replies, each getting the bytes there are (at least one), or
 * ERR_TIMED_OUT at its deadline. Bytes are passed through untranslated in
 * both directions.
 *
 * One thread: it receives on a port set holding the service port and the
 * interrupt port, with the earliest reader deadline as receive timeout.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>

#include "cons_core.h"

/* 16550 registers, offsets from the base port. */
#define UART_DATA 0 /* RBR / THR */
#define UART_IER 1
#define UART_IIR 2 /* read: interrupt identification; write: FCR */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define IER_RX_DATA 0x01
#define IER_LINE_STATUS 0x04
#define IIR_NONE 0x01
#define IIR_CAUSE 0x0e
#define IIR_LINE_STATUS 0x06
#define IIR_RX_DATA 0x04
#define IIR_RX_TIMEOUT 0x0c
#define IIR_MODEM 0x00
#define FCR_ENABLE_TRIGGER_1 0x01 /* FIFO on, interrupt at one byte, not cleared */
#define MCR_DTR_RTS_OUT2 0x0b	  /* OUT2 gates the IRQ line on a PC */
#define LSR_DATA 0x01
#define LSR_OVERRUN 0x02
#define LSR_THR_EMPTY 0x20
#define UART_FIFO 16
/* How long output waits for the transmitter to empty. A host that reads
 * the serial line late (QEMU holds the FIFO while its socket to a busy
 * supervisor is full) must hold writers back: a byte written into a full
 * FIFO pushes out one that never went, and lines come out with a piece
 * missing. A wedged UART must not stop the console for good: after one
 * wait of THR_WAIT_NS it is taken as wedged, and waits are THR_SPIN_NS
 * until the transmitter empties again. */
#define THR_SPIN_NS (2ull * 1000000ull)
#define THR_WAIT_NS (5ull * 1000000000ull)
#define THR_SLEEP_NS 1000000ull

#define CLAIM_DEADLINE_NS (5ull * 1000000000ull)

static struct cons_state cons;
static uint16_t base;
static uk_name_t service, irq_port, port_set, irq_cap;
static uint64_t bad_requests;

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};
/* out: the reply to the request in in; later: replies to deferred readers,
 * built while out may still hold the former. */
static union msgbuf in, out, later;

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

/* Move everything the receiver holds into the ring. */
static void drain_rx(void)
{
	for (unsigned i = 0; i < 4 * UART_FIFO; i++) {
		uint8_t lsr = inb(base + UART_LSR);
		if (lsr & LSR_OVERRUN)
			cons.stats.rx_overruns++;
		if (!(lsr & LSR_DATA))
			return;
		cons_rx_put(&cons, inb(base + UART_DATA));
	}
}

static bool uart_wedged;

/* Waits until the transmitter is empty, draining the receiver meanwhile:
 * spins first (QEMU empties it at once while the host keeps up), then
 * sleeps, up to THR_WAIT_NS (THR_SPIN_NS for a wedged UART). */
static void uart_wait_empty(void)
{
	uint64_t start = (uint64_t)uk_clock();
	uint64_t limit = uart_wedged ? THR_SPIN_NS : THR_WAIT_NS;

	for (;;) {
		if (inb(base + UART_LSR) & LSR_THR_EMPTY) {
			uart_wedged = false;
			return;
		}
		drain_rx();
		uint64_t waited = (uint64_t)uk_clock() - start;
		if (waited >= limit) {
			uart_wedged = true;
			return;
		}
		if (waited >= THR_SPIN_NS)
			uk_sleep(THR_SLEEP_NS);
	}
}

/* Polled output. While the transmitter is busy the receiver is drained,
 * so a long write cannot make the receive FIFO overrun. */
static void uart_write(const uint8_t *p, uint32_t n)
{
	while (n) {
		/* Received bytes leave room first: up to a FIFO's worth may
		 * arrive while this chunk goes out (loopback, fast typists). */
		drain_rx();
		uart_wait_empty();
		/* An empty transmit FIFO takes a whole FIFO's worth. */
		for (unsigned i = 0; i < UART_FIFO && n; i++, n--) {
			outb(base + UART_DATA, *p++);
			cons.stats.tx_bytes++;
		}
	}
	drain_rx();
}

/* The interrupt: read the identification register until the UART has no
 * cause left, then the line status until no data, and only then unmask
 * the line (the PIC is edge-triggered: a condition left standing would
 * never raise a new edge). */
static void uart_interrupt(void)
{
	cons.stats.interrupts++;
	for (unsigned i = 0; i < 16; i++) {
		uint8_t iir = inb(base + UART_IIR);
		if (iir & IIR_NONE)
			break;
		switch (iir & IIR_CAUSE) {
		case IIR_LINE_STATUS:
			if (inb(base + UART_LSR) & LSR_OVERRUN)
				cons.stats.rx_overruns++;
			break;
		case IIR_RX_DATA:
		case IIR_RX_TIMEOUT:
			drain_rx();
			break;
		case IIR_MODEM:
			(void)inb(base + UART_MSR);
			break;
		default:
			break;
		}
	}
	drain_rx();
	long rc = uk_irq_ack(irq_cap);
	if (rc < 0)
		printf("console: irq_ack failed: %s\n", err_str(rc));
}

static void uart_setup(void)
{
	/* The kernel set the speed and 8N1; the divisor is left alone. */
	outb(base + UART_IIR, FCR_ENABLE_TRIGGER_1);
	outb(base + UART_MCR, MCR_DTR_RTS_OUT2);
	outb(base + UART_IER, IER_RX_DATA | IER_LINE_STATUS);
	/* Bytes typed before we started are input too. */
	drain_rx();
}

static void *reply_start(union msgbuf *b, uint32_t id, int32_t status)
{
	return uk_rpc_reply_start(&b->h, id, status, 0, 0);
}

/* Send the reply in later to a deferred caller; a caller that has gone
 * away is not an error of ours. Returns the send result. */
static long reply_later(uk_name_t reply)
{
	later.h.dest = reply;
	long rc = uk_ipc_send(&later.h, later.h.size, 0);
	if (rc < 0)
		uk_port_deallocate(reply);
	return rc;
}

static bool reply_dead(uk_name_t reply)
{
	struct uk_port_info info;

	return uk_port_info(reply, &info) < 0 || (info.rights & UK_RIGHT_DEAD_NAME);
}

/* Hand input to waiting readers, oldest first. A byte is consumed only
 * when its reply was sent, so a reader that went away loses nothing. */
static void serve_readers(void)
{
	while (cons.rx_count && cons.n_readers) {
		struct cons_reader r = cons.readers[0];
		cons_reader_remove(&cons, 0);
		if (reply_dead(r.reply)) {
			uk_port_deallocate(r.reply);
			continue;
		}
		struct uk_cons_io_reply *io = reply_start(&later, CONS_READ, 0);
		uint32_t max = r.max < UK_RPC_INLINE_DATA ? r.max : UK_RPC_INLINE_DATA;
		uint32_t n = cons_rx_peek(&cons, (uint8_t *)(io + 1), max);
		io->count = n;
		io->reserved = 0;
		later.h.size += (uint32_t)sizeof(*io) + n;
		if (reply_later(r.reply) == 0)
			cons_rx_consume(&cons, n);
	}
}

static void expire_readers(uint64_t now)
{
	int i;

	while ((i = cons_reader_expired(&cons, now)) >= 0) {
		uk_name_t reply = cons.readers[i].reply;
		cons_reader_remove(&cons, (unsigned)i);
		reply_start(&later, CONS_READ, -ERR_TIMED_OUT);
		reply_later(reply);
	}
}

/* Make room in a full reader queue by dropping readers that went away. */
static void purge_dead_readers(void)
{
	for (unsigned i = 0; i < cons.n_readers;) {
		if (reply_dead(cons.readers[i].reply)) {
			uk_port_deallocate(cons.readers[i].reply);
			cons_reader_remove(&cons, i);
		} else {
			i++;
		}
	}
}

/* Returns 1 if out holds the reply, 0 if the reply is deferred or there
 * is none, or a negative error to reply with. */
static int handle_request(const struct uk_msg_header *h)
{
	const uint8_t *body = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);

	if (h->n_ports || h->n_ool)
		return -ERR_INVALID;
	switch (h->id) {
	case CONS_WRITE: {
		uart_write(body, len);
		struct uk_cons_io_reply *r = reply_start(&out, CONS_WRITE, 0);
		r->count = len;
		r->reserved = 0;
		out.h.size += sizeof(*r);
		return 1;
	}
	case CONS_READ: {
		struct uk_cons_read_req rq;
		if (len < sizeof(rq))
			return -ERR_INVALID;
		memcpy(&rq, body, sizeof(rq));
		if (rq.max == 0)
			return -ERR_INVALID;
		if (cons.n_readers == CONS_READERS_MAX)
			purge_dead_readers();
		/* A poll (timeout 0) that finds nothing fails at once. */
		if (rq.timeout_ns == 0 && cons.rx_count == 0)
			return -ERR_TIMED_OUT;
		int rc = cons_reader_add(&cons, h->reply, rq.max,
					 cons_deadline((uint64_t)uk_clock(), rq.timeout_ns));
		return rc < 0 ? rc : 0;
	}
	case CONS_STATS: {
		struct uk_cons_stats *r = reply_start(&out, CONS_STATS, 0);
		*r = cons.stats;
		out.h.size += sizeof(*r);
		return 1;
	}
	default:
		return -ERR_UNSUPPORTED;
	}
}

/* Rights and memory a refused request carried are released here. */
static void drop_carried(const struct uk_msg_header *h)
{
	for (unsigned i = 0; i < h->n_ports && i < UK_MSG_PORTS_MAX; i++)
		if (uk_msg_ports(h)[i].name)
			uk_port_deallocate(uk_msg_ports(h)[i].name);
	for (unsigned i = 0; i < h->n_ool && i < UK_MSG_OOL_MAX; i++) {
		const struct uk_msg_ool *o = &uk_msg_ools(h)[i];
		if (o->address)
			uk_vm_free(o->address, o->size);
	}
}

/* Returns true if out holds a reply for in.h.reply. */
static bool handle(void)
{
	const struct uk_msg_header *h = &in.h;

	if (h->flags & UK_MSG_KERNEL) {
		if (h->dest == irq_port && h->id == UK_MSG_ID_INTERRUPT)
			uart_interrupt();
		return false;
	}
	if (!h->reply) {
		bad_requests++;
		drop_carried(h);
		return false;
	}
	int rc = handle_request(h);
	if (rc == 1)
		return true;
	if (rc == 0)
		return false;
	if (rc == -ERR_INVALID || rc == -ERR_UNSUPPORTED)
		bad_requests++;
	drop_carried(h);
	reply_start(&out, h->id, rc);
	return true;
}

/* The index of the device the device server calls "com1". */
static long find_com1(void)
{
	struct uk_dev_info info;

	for (uint32_t i = 0;; i++) {
		long rc = dev_info(i, &info);
		if (rc < 0)
			return rc;
		if (info.bus == UK_DEV_BUS_LEGACY && !strcmp(info.name, "com1"))
			return i;
	}
}

/* Claim COM1 with our service port as owner. A restarted console may
 * find its predecessor's claim still held until the device server has
 * seen the old port die, so ERR_BUSY is retried up to a deadline. */
static long claim_com1(void)
{
	struct uk_dev_claim_req rq = { UK_DEV_ANY, UK_DEV_ANY, UK_DEV_ANY, UK_DEV_ANY, 0, 0 };
	static struct uk_dev_claim_reply reply;
	uk_name_t caps[4];
	unsigned n_caps = 0;
	long index = find_com1();

	if (index < 0)
		return index;
	rq.index = (uint32_t)index;
	uint64_t deadline = (uint64_t)uk_clock() + CLAIM_DEADLINE_NS;
	long rc;
	while ((rc = dev_claim(&rq, service, &reply, caps, 4, &n_caps)) == -ERR_BUSY &&
	       (uint64_t)uk_clock() < deadline)
		uk_sleep(20 * 1000000ull);
	if (rc < 0)
		return rc;
	/* One capability for the I/O ports, then the IRQ. */
	if (n_caps != 2 || reply.info.res[0].kind != UK_DEV_RES_IO ||
	    reply.info.irq == UK_DEV_NO_IRQ)
		return -ERR_INVALID;
	base = (uint16_t)reply.info.res[0].base;
	irq_cap = caps[1];
	rc = uk_io_enable(caps[0]);
	return rc < 0 ? rc : 0;
}

static long setup(void)
{
	long rc;

	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	long q = uk_port_allocate(UK_RIGHT_RECEIVE);
	long s = uk_port_allocate(UK_RIGHT_PORT_SET);
	if (p <= 0 || q <= 0 || s <= 0)
		return -ERR_NO_MEMORY;
	service = (uk_name_t)p;
	irq_port = (uk_name_t)q;
	port_set = (uk_name_t)s;
	if ((rc = uk_port_insert_right(service, UK_DISP_MAKE_SEND)) < 0 ||
	    (rc = uk_port_insert_right(irq_port, UK_DISP_MAKE_SEND)) < 0 ||
	    (rc = uk_port_set_add(port_set, service)) < 0 ||
	    (rc = uk_port_set_add(port_set, irq_port)) < 0)
		return rc;
	/* Many programs may write at once; let them queue rather than wait. */
	uk_port_set_limit(service, 64);
	if ((rc = claim_com1()) < 0) {
		printf("console: cannot claim com1 from the device server: %s\n",
		       err_str(rc));
		return rc;
	}
	if ((rc = uk_irq_bind(irq_cap, irq_port)) < 0) {
		printf("console: cannot bind the UART's interrupt: %s\n", err_str(rc));
		return rc;
	}
	uart_setup();
	/* Published only now: a client never finds a half-ready console. */
	if ((rc = ns_register("console", service)) < 0) {
		printf("console: cannot register \"console\": %s\n", err_str(rc));
		return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	cons_init(&cons);
	if (setup() < 0)
		return 1;
	printf("console: com1 at io %x\n", base);
	bool have_reply = false;
	for (;;) {
		uint64_t now = (uint64_t)uk_clock(), next = cons_next_deadline(&cons);
		uint64_t timeout = next == UINT64_MAX ? UK_TIMEOUT_INFINITE
				   : next > now	      ? next - now
							: 0;
		long r = server_next(port_set, &in.h, sizeof(in),
				     have_reply ? &out.h : NULL, timeout);
		have_reply = false;
		if (r >= 0)
			have_reply = handle();
		else if (r != -ERR_TIMED_OUT)
			printf("console: receive failed: %s\n", err_str(r));
		/* Input first: a reader whose deadline passed as its bytes
		 * arrived gets the bytes. */
		serve_readers();
		expire_readers((uint64_t)uk_clock());
	}
}
