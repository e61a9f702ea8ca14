/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk: the block device driver. It claims the first virtio block
 * device from the device server, drives it through the modern PCI
 * transport (lib/virtio), registers "blk0" and serves
 * include/uk/proto/blk.h. "blk0" is private (init.conf: only +use=virtio-blk
 * programs see it); export=NAME also registers the device as NAME, which
 * every client sees, and so other nodes through the proxy (NAME@N): a
 * node's configuration (virtio-blk.export=blk) lends its disk to the file
 * server of another node, which then must be the only one to mount it
 * (fs.blk=none here; docs/PROXY.md, "Remote file systems and devices").
 *
 * Any number of requests from any number of clients are in flight at once:
 * each started request keeps its caller's send-once reply right and is
 * answered when the device completes it. One thread receives from a port
 * set holding the service port and the interrupt port. Data goes through
 * DMA bounce buffers (lib/virtio dma_pool), never through client memory.
 * When the device is saturated (no request slot, descriptors or bounce
 * memory) the request that did not fit is parked and the service port
 * leaves the set until a completion makes room: further clients wait in
 * the port's queue instead of being refused.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/blk.h>
#include <uk/proto/dev.h>
#include <virtio/dma_pool.h>
#include <virtio/pci.h>
#include "blk_decode.h"

/* virtio-blk (virtio 1.x, 5.2) */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_UNSUPP 2u
#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8
#define VIRTIO_BLK_CFG_SEG_MAX 12

#define QUEUE_MAX 256
#define REQ_MAX 64
#define SEGS_MAX 16
#define POOL_BYTES (4u << 20)
#define SERVICE_QUEUE 256

struct blk_hdr {
	uint32_t type;
	uint32_t ioprio;
	uint64_t sector;
};

/* The device-visible part of a request: header it reads, status it
 * writes. One array of these in DMA memory, indexed like reqs[]. */
struct req_dma {
	struct blk_hdr hdr;
	volatile uint8_t status;
	uint8_t pad[15];
};
_Static_assert(sizeof(struct req_dma) == 32, "req_dma layout");

struct request {
	bool used;
	uint32_t id; /* BLK_READ, BLK_WRITE, BLK_FLUSH */
	uk_name_t reply;
	uint32_t bytes;
	uint8_t *buf; /* bounce buffer, or NULL */
	uint64_t buf_phys;
};

/* The request that did not fit (see the top of the file). Inline write
 * data is copied here; an out-of-line region stays mapped until started. */
static struct {
	bool active;
	struct blk_op op;
	uk_name_t reply;
	uint64_t ool_addr, ool_size;
	uint8_t data[UK_RPC_INLINE_DATA];
} stall;

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

static struct virtio_pci vp;
static struct virtq vq;
static struct dma_pool pool;
static uint64_t pool_bitmap[POOL_BYTES / DMA_POOL_UNIT / 64];
static struct request reqs[REQ_MAX];
static struct req_dma *req_dma;
static uint64_t req_dma_phys;
static unsigned req_max;
static uint32_t seg_size; /* bytes per data descriptor */
static struct blk_limits limits;
static bool can_flush;
static struct uk_blk_stats stats;
static uk_name_t service, irq_port, port_set;
static union msgbuf in, out;

/* Start a reply in out: header, n_ool descriptors, status; returns where
 * the reply struct goes. */
static void *reply_begin(uint32_t id, int32_t status, uint16_t n_ool)
{
	return uk_rpc_reply_start(&out.h, id, status, 0, n_ool);
}

/* Send the reply in out, of body bytes after the status, to a send-once
 * right; never blocks. A caller that went away loses its answer. */
static void reply_send(uk_name_t reply, uint32_t body)
{
	if (!reply)
		return;
	out.h.dest = reply;
	out.h.size = (uint32_t)((uint8_t *)uk_msg_body(&out.h) - out.bytes) +
		     (uint32_t)sizeof(struct uk_rpc_status) + body;
	if (uk_ipc_send(&out.h, out.h.size, 0) < 0)
		uk_port_deallocate(reply);
}

static void reply_status(uint32_t id, uk_name_t reply, int32_t status)
{
	reply_begin(id, status, 0);
	reply_send(reply, 0);
}

/* Drop what a request carried that we do not keep: port rights, and
 * out-of-line regions except keep_ool. */
static void release_message(const struct uk_msg_header *h, uint64_t keep_ool)
{
	for (unsigned i = 0; i < h->n_ports; i++) {
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
		if (o->address && o->size && o->address != keep_ool)
			uk_vm_free(o->address, o->size);
	}
}

/* Put a read, write or flush on the device. -ERR_QUEUE_FULL if a slot,
 * descriptors or bounce memory are missing right now. */
static int start_io(const struct blk_op *op, uk_name_t reply)
{
	struct virtq_buf bufs[SEGS_MAX + 2];
	unsigned slot, n = 0;

	for (slot = 0; slot < req_max && reqs[slot].used; slot++)
		;
	if (slot == req_max)
		return -ERR_QUEUE_FULL;
	unsigned segs = (op->bytes + seg_size - 1) / seg_size;
	if (vq.num_free < segs + 2)
		return -ERR_QUEUE_FULL;
	struct request *r = &reqs[slot];
	*r = (struct request){.id = op->id, .reply = reply, .bytes = op->bytes};
	if (op->bytes) {
		r->buf = dma_pool_alloc(&pool, op->bytes, &r->buf_phys);
		if (!r->buf)
			return -ERR_QUEUE_FULL;
	}
	struct req_dma *d = &req_dma[slot];
	d->hdr.type = op->id == BLK_READ    ? VIRTIO_BLK_T_IN
		      : op->id == BLK_WRITE ? VIRTIO_BLK_T_OUT
					    : VIRTIO_BLK_T_FLUSH;
	d->hdr.ioprio = 0;
	d->hdr.sector = op->id == BLK_FLUSH ? 0 : op->sector;
	d->status = 0xff;
	if (op->id == BLK_WRITE)
		memcpy(r->buf, op->data, op->bytes);

	uint64_t dphys = req_dma_phys + slot * sizeof(struct req_dma);
	bufs[n++] = (struct virtq_buf){dphys, sizeof(d->hdr), 0};
	for (uint32_t off = 0; off < op->bytes; off += seg_size) {
		uint32_t len =
		    op->bytes - off < seg_size ? op->bytes - off : seg_size;
		bufs[n++] = (struct virtq_buf){
		    r->buf_phys + off, len,
		    op->id == BLK_READ ? VIRTQ_BUF_WRITE : 0};
	}
	bufs[n++] = (struct virtq_buf){dphys + offsetof(struct req_dma, status),
				       1, VIRTQ_BUF_WRITE};
	int rc = virtq_add(&vq, bufs, n, slot);
	if (rc < 0) {
		if (r->buf)
			dma_pool_free(&pool, r->buf, r->bytes);
		return rc;
	}
	r->used = true;
	virtio_pci_kick(&vp, &vq);
	return 0;
}

/* Answer a request the device finished. */
static void complete(const struct virtq_done *done)
{
	if (done->cookie >= req_max || !reqs[done->cookie].used)
		return; /* cannot happen: cookies are ours */
	struct request *r = &reqs[done->cookie];
	uint8_t st = req_dma[done->cookie].status;
	int32_t status = 0;

	if (done->flags & VIRTQ_DONE_BAD_LEN)
		status = -ERR_IO;
	else if (st == VIRTIO_BLK_S_UNSUPP)
		status = -ERR_UNSUPPORTED;
	else if (st != VIRTIO_BLK_S_OK)
		status = -ERR_IO;

	if (status < 0) {
		stats.errors++;
		reply_status(r->id, r->reply, status);
	} else if (r->id == BLK_READ) {
		stats.reads++;
		stats.bytes_read += r->bytes;
		bool inline_data = r->bytes <= UK_RPC_INLINE_DATA;
		struct uk_blk_io_reply *io =
		    reply_begin(BLK_READ, 0, inline_data ? 0 : 1);
		io->bytes = r->bytes;
		io->reserved = 0;
		if (inline_data) {
			memcpy(io + 1, r->buf, r->bytes);
			reply_send(r->reply, sizeof(*io) + r->bytes);
		} else {
			/* The kernel copies the bounce buffer into the client
			 * while sending, so it can be reused right after. */
			uk_msg_ools(&out.h)[0] =
			    (struct uk_msg_ool){(uint64_t)(uintptr_t)r->buf,
						r->bytes, UK_OOL_COPY, 0};
			reply_send(r->reply, sizeof(*io));
		}
	} else if (r->id == BLK_WRITE) {
		stats.writes++;
		stats.bytes_written += r->bytes;
		struct uk_blk_io_reply *io = reply_begin(BLK_WRITE, 0, 0);
		io->bytes = r->bytes;
		io->reserved = 0;
		reply_send(r->reply, sizeof(*io));
	} else {
		stats.flushes++;
		reply_status(BLK_FLUSH, r->reply, 0);
	}
	if (r->buf)
		dma_pool_free(&pool, r->buf, r->bytes);
	r->used = false;
}

/* Try the parked request again; the service port rejoins the set once it
 * is on the device (or failed for good). */
static void retry_stalled(void)
{
	if (!stall.active)
		return;
	int rc = start_io(&stall.op, stall.reply);
	if (rc == -ERR_QUEUE_FULL)
		return;
	if (rc < 0) {
		stats.errors++;
		reply_status(stall.op.id, stall.reply, rc);
	}
	if (stall.ool_addr)
		uk_vm_free(stall.ool_addr, stall.ool_size);
	stall.active = false;
	long r = uk_port_set_add(port_set, service);
	if (r < 0)
		printf("virtio-blk: cannot put the service port back in its "
		       "set: %s\n",
		       err_str(r));
}

static void park(const struct blk_op *op, const struct uk_msg_header *h)
{
	stall.active = true;
	stall.op = *op;
	stall.reply = h->reply;
	stall.ool_addr = stall.ool_size = 0;
	if (op->id == BLK_WRITE && op->ool) {
		stall.ool_addr = uk_msg_ools(h)[0].address;
		stall.ool_size = uk_msg_ools(h)[0].size;
	} else if (op->id == BLK_WRITE) {
		memcpy(stall.data, op->data, op->bytes);
		stall.op.data = stall.data;
	}
	uk_port_set_remove(service);
}

static void read_capacity(void)
{
	uint64_t sectors = 0;

	if (virtio_pci_config_read(&vp, VIRTIO_BLK_CFG_CAPACITY, &sectors,
				   sizeof(sectors)) == 0)
		limits.sectors = sectors;
}

static void handle_interrupt(void)
{
	struct virtq_done done;

	stats.interrupts++;
	/* Reading ISR lowers the line; it must be low before irq_ack. */
	uint8_t isr = virtio_pci_isr(&vp);
	if (isr & VIRTIO_ISR_CONFIG) {
		uint64_t old = limits.sectors;
		read_capacity();
		if (limits.sectors != old)
			printf("virtio-blk: capacity changed to %lu sectors\n",
			       (unsigned long)limits.sectors);
	}
	while (virtq_next_used(&vq, &done) == 1)
		complete(&done);
	virtio_pci_irq_ack(&vp);
	retry_stalled();
}

static void handle_request(void)
{
	const struct uk_msg_header *h = &in.h;
	struct blk_op op;
	uint64_t keep = 0;

	if (h->flags & UK_MSG_KERNEL) {
		release_message(h, 0);
		return;
	}
	int rc = blk_decode(h, &limits, &op);
	if (rc == -ERR_INVALID || rc == -ERR_UNSUPPORTED)
		stats.bad_requests++;
	if (rc < 0) {
		reply_status(h->id, h->reply, rc);
	} else if (op.id == BLK_INFO) {
		struct uk_blk_info *info = reply_begin(BLK_INFO, 0, 0);
		*info = (struct uk_blk_info){
		    .sectors = limits.sectors,
		    .sector_size = UK_BLK_SECTOR,
		    .flags = (limits.read_only ? UK_BLK_READ_ONLY : 0) |
			     (can_flush ? UK_BLK_CAN_FLUSH : 0),
		    .max_transfer = limits.max_transfer,
		    .queue_depth = req_max,
		};
		reply_send(h->reply, sizeof(*info));
	} else if (op.id == BLK_STATS) {
		struct uk_blk_stats *s = reply_begin(BLK_STATS, 0, 0);
		*s = stats;
		reply_send(h->reply, sizeof(*s));
	} else if (op.id == BLK_FLUSH && !can_flush) {
		/* No volatile cache to write back: done. */
		stats.flushes++;
		reply_status(BLK_FLUSH, h->reply, 0);
	} else if (!h->reply) {
		stats.bad_requests++; /* nobody to answer: do not start it */
	} else {
		rc = start_io(&op, h->reply);
		if (rc == -ERR_QUEUE_FULL) {
			park(&op, h);
			if (op.ool)
				keep = uk_msg_ools(h)[0].address;
		} else if (rc < 0) {
			stats.errors++;
			reply_status(h->id, h->reply, rc);
		}
	}
	release_message(h, keep);
}

static int setup(void)
{
	long rc;

	service = (uk_name_t)uk_port_allocate(UK_RIGHT_RECEIVE);
	rc = virtio_pci_claim(&vp, "virtio-blk", VIRTIO_ID_BLOCK,
			      VIRTIO_PCI_DEVICE_BLOCK_LEGACY, service);
	if (rc == -ERR_NOT_FOUND) {
		printf("virtio-blk: no virtio block device; nothing to do\n");
		exit(0);
	}
	if (rc < 0)
		return (int)rc;
	rc = virtio_pci_negotiate(&vp, 0,
				  VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) |
				      VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
				      VIRTIO_BIT(VIRTIO_BLK_F_RO) |
				      VIRTIO_BIT(VIRTIO_BLK_F_FLUSH));
	if (rc < 0)
		return (int)rc;
	read_capacity();
	limits.read_only = vp.features & VIRTIO_BIT(VIRTIO_BLK_F_RO);
	can_flush = vp.features & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);

	if ((rc = virtio_pci_queue_setup(&vp, 0, QUEUE_MAX, &vq)) < 0) {
		printf("virtio-blk: cannot set up the request queue: %s\n",
		       err_str(rc));
		virtio_pci_fail(&vp);
		return (int)rc;
	}
	/* Data segments: as large as the device takes, at most SEGS_MAX of
	 * them per request, and header + segments + status must fit the
	 * ring. The largest transfer follows from that. */
	/* A request is at least header, one data segment and status. */
	if (vq.size < 4) {
		printf("virtio-blk: the request queue holds only %u entries\n",
		       vq.size);
		virtio_pci_fail(&vp);
		return -ERR_UNSUPPORTED;
	}
	unsigned max_segs = SEGS_MAX;
	seg_size = UK_BLK_MAX_TRANSFER;
	if (vp.features & VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX)) {
		uint32_t sm = 0;
		virtio_pci_config_read(&vp, VIRTIO_BLK_CFG_SIZE_MAX, &sm, 4);
		if (sm >= UK_BLK_SECTOR && sm < seg_size)
			seg_size = sm & ~(UK_BLK_SECTOR - 1);
	}
	if (vp.features & VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX)) {
		uint32_t sg = 0;
		virtio_pci_config_read(&vp, VIRTIO_BLK_CFG_SEG_MAX, &sg, 4);
		if (sg >= 1 && sg < max_segs)
			max_segs = sg;
	}
	if (max_segs + 2 > vq.size)
		max_segs = vq.size - 2;
	uint64_t mt = (uint64_t)seg_size * max_segs;
	limits.max_transfer =
	    mt < UK_BLK_MAX_TRANSFER ? (uint32_t)mt : UK_BLK_MAX_TRANSFER;
	req_max = vq.size / 3 < REQ_MAX ? vq.size / 3 : REQ_MAX;

	rc =
	    uk_vm_allocate_dma(REQ_MAX * sizeof(struct req_dma), &req_dma_phys);
	if (rc < 0)
		return (int)rc;
	req_dma = (struct req_dma *)rc;
	uint64_t pool_phys = 0;
	size_t pool_bytes = POOL_BYTES;
	for (rc = -ERR_NO_MEMORY;
	     rc < 0 && pool_bytes >= UK_BLK_MAX_TRANSFER;) {
		rc = uk_vm_allocate_dma(pool_bytes, &pool_phys);
		if (rc < 0)
			pool_bytes /= 2;
	}
	if (rc < 0) {
		printf("virtio-blk: no DMA memory for bounce buffers: %s\n",
		       err_str(rc));
		return (int)rc;
	}
	dma_pool_init(&pool, (void *)rc, pool_phys, pool_bytes, pool_bitmap);

	uk_port_set_limit(service, SERVICE_QUEUE);
	return virtio_pci_start(&vp, "virtio-blk", service, &irq_port, &port_set);
}

int main(int argc, char **argv)
{
	long rc;

	if (setup() < 0) {
		printf("virtio-blk: giving up on the device\n");
		return 1;
	}
	uk_port_insert_right(service, UK_DISP_MAKE_SEND);
	if ((rc = ns_register("blk0", service)) < 0) {
		printf("virtio-blk: cannot register blk0: %s\n", err_str(rc));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "export=", 7)) {
			printf("virtio-blk: unknown argument %s (ignored)\n",
			       argv[i]);
			continue;
		}
		const char *name = argv[i] + 7;
		if ((rc = ns_register(name, service)) < 0) {
			printf("virtio-blk: cannot register %s: %s\n", name,
			       err_str(rc));
			return 1;
		} else {
			printf("virtio-blk: blk0 exported as %s\n", name);
		}
	}
	printf("virtio-blk: blk0: %lu sectors (%lu MiB)%s%s, queue %u, %u "
	       "requests, max transfer %u, irq %u\n",
	       (unsigned long)limits.sectors,
	       (unsigned long)(limits.sectors >> 11),
	       limits.read_only ? ", read-only" : "",
	       can_flush ? ", flush" : "", vq.size, req_max,
	       limits.max_transfer, vp.info.irq);
	for (;;) {
		rc = uk_ipc_receive(port_set, &in.h, sizeof(in),
				    UK_TIMEOUT_INFINITE);
		if (rc < 0) {
			printf("virtio-blk: receive failed: %s\n", err_str(rc));
			continue;
		}
		if (in.h.dest == irq_port) {
			if ((in.h.flags & UK_MSG_KERNEL) &&
			    in.h.id == UK_MSG_ID_INTERRUPT)
				handle_interrupt();
			else
				release_message(&in.h, 0);
		} else {
			handle_request();
		}
	}
}
