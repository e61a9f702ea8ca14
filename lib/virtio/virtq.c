/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueue bookkeeping (see virtq.h). Memory order: the driver
 * writes descriptors and the avail ring entry before it publishes
 * avail->idx (release), and reads used->idx before the entries it covers
 * (acquire). Fences are the compiler's, so the same code runs on the host
 * under the unit tests and in the drivers.
 */
#include <uk/errors.h>
#include <virtio/virtq.h>

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static size_t avail_offset(uint16_t size)
{
	return (size_t)size * sizeof(struct virtq_desc);
}

/* The used ring is 4-byte aligned after the available ring and its
 * used_event word. */
static size_t used_offset(uint16_t size)
{
	return align_up(avail_offset(size) + sizeof(struct virtq_avail) +
			    (size_t)size * sizeof(uint16_t) + sizeof(uint16_t),
			4);
}

size_t virtq_ring_bytes(uint16_t size)
{
	return used_offset(size) + sizeof(struct virtq_used) +
	       (size_t)size * sizeof(struct virtq_used_elem) + sizeof(uint16_t);
}

size_t virtq_meta_bytes(uint16_t size)
{
	return (size_t)size * sizeof(struct virtq_chain) +
	       align_up((size_t)size * sizeof(uint16_t), 8);
}

int virtq_init(struct virtq *vq, uint16_t size, void *ring, uint64_t ring_phys,
	       void *meta)
{
	uint8_t *r = ring;

	if (size == 0 || size > VIRTQ_SIZE_MAX || (size & (size - 1)) ||
	    !ring || !meta || ((uintptr_t)ring & 15) || (ring_phys & 15) ||
	    ((uintptr_t)meta & 7))
		return -ERR_INVALID;
	*vq = (struct virtq){0};
	vq->size = size;
	vq->desc = (volatile struct virtq_desc *)r;
	vq->avail = (volatile struct virtq_avail *)(r + avail_offset(size));
	vq->used = (volatile struct virtq_used *)(r + used_offset(size));
	vq->desc_phys = ring_phys;
	vq->avail_phys = ring_phys + avail_offset(size);
	vq->used_phys = ring_phys + used_offset(size);
	vq->chain = meta;
	vq->link = (uint16_t *)(vq->chain + size);
	for (uint16_t i = 0; i < size; i++) {
		vq->chain[i] = (struct virtq_chain){0};
		vq->link[i] =
		    (uint16_t)(i + 1); /* the last one is never followed */
	}
	vq->num_free = size;
	vq->free_head = 0;
	return 0;
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n,
	      uint64_t cookie)
{
	uint64_t writable = 0;

	if (n == 0 || n > vq->size)
		return -ERR_INVALID;
	for (unsigned i = 0; i < n; i++) {
		if (bufs[i].len == 0)
			return -ERR_INVALID;
		if (bufs[i].flags & VIRTQ_BUF_WRITE)
			writable += bufs[i].len;
	}
	if (n > vq->num_free)
		return -ERR_QUEUE_FULL;

	/* Take n descriptors off the free list; its links become the chain's.
	 */
	uint16_t head = vq->free_head, d = head;
	for (unsigned i = 0; i < n; i++) {
		uint16_t flags = 0;
		if (bufs[i].flags & VIRTQ_BUF_WRITE)
			flags |= VIRTQ_DESC_F_WRITE;
		if (i + 1 < n)
			flags |= VIRTQ_DESC_F_NEXT;
		vq->desc[d].addr = bufs[i].phys;
		vq->desc[d].len = bufs[i].len;
		vq->desc[d].flags = flags;
		vq->desc[d].next = i + 1 < n ? vq->link[d] : 0;
		if (i + 1 < n)
			d = vq->link[d];
	}
	vq->free_head = vq->link[d];
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->chain[head] = (struct virtq_chain){.cookie = cookie,
					       .writable = writable,
					       .count = (uint16_t)n,
					       .in_flight = true};
	vq->chains++;

	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->avail->idx = vq->avail_idx;
	vq->stats.added++;
	return head;
}

bool virtq_kick_needed(const struct virtq *vq)
{
	/* The idx store must be visible before the flags are read, or the
	 * device could go to sleep in between unnoticed. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

/* Give a chain's descriptors back to the free list, following the private
 * links (the device may have rewritten desc[].next). */
static void release_chain(struct virtq *vq, uint16_t head)
{
	struct virtq_chain *c = &vq->chain[head];
	uint16_t tail = head;

	for (uint16_t i = 1; i < c->count; i++)
		tail = vq->link[tail];
	vq->link[tail] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + c->count);
	c->in_flight = false;
	vq->chains--;
}

int virtq_next_used(struct virtq *vq, struct virtq_done *done)
{
	for (;;) {
		uint16_t used_idx = vq->used->idx;
		uint16_t pending = (uint16_t)(used_idx - vq->last_used);
		if (pending == 0)
			return 0;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (pending > vq->size) {
			/* More than a ring ahead: the older entries are gone;
			 * only the last size ones can still be read. */
			vq->stats.bad_index++;
			vq->last_used = (uint16_t)(used_idx - vq->size);
		}
		volatile struct virtq_used_elem *e =
		    &vq->used->ring[vq->last_used & (vq->size - 1)];
		/* Read each field once: the device may change them under us. */
		uint32_t id = e->id, len = e->len;
		vq->last_used++;
		if (id >= vq->size) {
			vq->stats.bad_id++;
			continue;
		}
		struct virtq_chain *c = &vq->chain[id];
		if (!c->in_flight) {
			vq->stats.not_in_flight++;
			continue;
		}
		*done = (struct virtq_done){.cookie = c->cookie,
					    .len = len,
					    .head = (uint16_t)id,
					    .flags = 0};
		if (len > c->writable) {
			/* Still release it: dropping the entry would leak the
			 * chain and hang its request forever. */
			vq->stats.bad_len++;
			done->len = 0;
			done->flags = VIRTQ_DONE_BAD_LEN;
		}
		release_chain(vq, (uint16_t)id);
		vq->stats.completed++;
		return 1;
	}
}
