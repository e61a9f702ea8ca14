/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueue bookkeeping (virtio 1.x, 2.7): the descriptor free list,
 * chains, the available and used rings and their 16-bit indices that wrap.
 * No hardware access here (the transport in pci.c notifies the device), so
 * the host unit tests drive it against a simulated device.
 *
 * The rings live in memory the device writes, so nothing read back from
 * them is trusted: chain links and the free list are kept in a private
 * shadow (link[]), each head remembers whether it is in flight and how many
 * bytes the device may write into it, and every used entry is checked
 * against that before anything is released. A bad entry is counted in
 * stats and never crashes the driver or frees a chain twice.
 */
#ifndef VIRTIO_VIRTQ_H
#define VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <virtio/virtio.h>

#define VIRTQ_SIZE_MAX 32768u

/* One buffer of a chain: physical address, length, and whether the device
 * writes it (VIRTQ_BUF_WRITE) or reads it. */
#define VIRTQ_BUF_WRITE 0x1u
struct virtq_buf {
	uint64_t phys;
	uint32_t len;
	uint32_t flags;
};

/* A finished chain as virtq_next_used hands it back. */
#define VIRTQ_DONE_BAD_LEN 0x1u /* the device claimed more bytes than fit */
struct virtq_done {
	uint64_t cookie; /* what virtq_add was given */
	uint32_t len;	 /* bytes written by the device (0 if BAD_LEN) */
	uint16_t head;
	uint16_t flags; /* VIRTQ_DONE_* */
};

/* Entries of the used ring that were refused. */
struct virtq_stats {
	uint64_t added;		/* chains made available */
	uint64_t completed;	/* chains returned by the device */
	uint64_t bad_id;	/* used id >= queue size */
	uint64_t not_in_flight; /* used id names no chain in flight */
	uint64_t bad_len; /* used len larger than the chain's writable bytes */
	uint64_t bad_index; /* used idx ran more than a ring ahead */
};

struct virtq_chain {
	uint64_t cookie;
	uint64_t writable; /* bytes the device may write into the chain */
	uint16_t count;	   /* descriptors in the chain */
	bool in_flight;
};

struct virtq {
	uint16_t size;	    /* entries, a power of two */
	uint16_t num_free;  /* free descriptors */
	uint16_t free_head; /* first free descriptor (valid if num_free) */
	uint16_t avail_idx; /* next avail->idx we publish */
	uint16_t last_used; /* next used entry we consume */
	uint16_t index;	    /* queue number on the device (transport) */
	uint16_t chains;    /* chains in flight */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint64_t desc_phys, avail_phys, used_phys;
	uint16_t *link;		   /* private copy of each descriptor's next */
	struct virtq_chain *chain; /* indexed by head descriptor */
	volatile uint16_t *notify; /* set by the transport */
	struct virtq_stats stats;
};

/* Bytes of ring memory (physically contiguous, 16-byte aligned) and of
 * private bookkeeping a queue of size entries needs. */
size_t virtq_ring_bytes(uint16_t size);
size_t virtq_meta_bytes(uint16_t size);

/* Lay out a queue in zeroed ring memory at ring (physical ring_phys) with
 * bookkeeping in meta (virtq_meta_bytes, any alignment of 8). Every
 * descriptor starts free. -ERR_INVALID unless size is a power of two in
 * 1..VIRTQ_SIZE_MAX and the addresses are aligned. */
int virtq_init(struct virtq *vq, uint16_t size, void *ring, uint64_t ring_phys,
	       void *meta);

/* Make a chain of n buffers available; device-readable buffers should come
 * before device-writable ones (the device expects that order). Returns the
 * head descriptor, -ERR_QUEUE_FULL if fewer than n descriptors are free,
 * -ERR_INVALID for n == 0 or an empty buffer. Nothing changes on error. */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n,
	      uint64_t cookie);

/* Whether the device asked to be told about new buffers (call after
 * virtq_add, before notifying). */
bool virtq_kick_needed(const struct virtq *vq);

/* Take the next finished chain from the used ring: 1 and *done filled, or
 * 0 if there is none. Malformed entries are skipped and counted. */
int virtq_next_used(struct virtq *vq, struct virtq_done *done);

/* Chains the device holds. */
static inline unsigned virtq_in_flight(const struct virtq *vq)
{
	return vq->chains;
}

#endif
