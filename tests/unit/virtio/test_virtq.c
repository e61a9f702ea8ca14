/* SPDX-License-Identifier: MIT */
/*
 * The split virtqueue bookkeeping (lib/virtio/virtq.c) against a simulated
 * device that reads the available ring and writes the used ring, including
 * a device that writes garbage: every refused entry must be counted, and
 * the descriptors must always split exactly into the free list and the
 * chains in flight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uk/errors.h>
#include <virtio/virtq.h>

#define RING_PHYS 0x100000ull

struct fixture {
	struct virtq vq;
	void *ring, *meta;
	uint16_t dev_avail; /* the device's next avail entry */
	uint16_t dev_used;  /* the device's used->idx */
};

static struct fixture *make(uint16_t size)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t rb = (virtq_ring_bytes(size) + 4095) & ~(size_t)4095;

	f->ring = aligned_alloc(4096, rb);
	memset(f->ring, 0, rb);
	f->meta = malloc(virtq_meta_bytes(size));
	assert_int_equal(virtq_init(&f->vq, size, f->ring, RING_PHYS, f->meta),
			 0);
	return f;
}

static void destroy(struct fixture *f)
{
	free(f->ring);
	free(f->meta);
	free(f);
}

/* The device: take the next available head, or -1. */
static int dev_take(struct fixture *f)
{
	if (f->dev_avail == f->vq.avail->idx)
		return -1;
	uint16_t head = f->vq.avail->ring[f->dev_avail & (f->vq.size - 1)];
	f->dev_avail++;
	return head;
}

/* The device writes one used entry, honest or not. */
static void dev_used(struct fixture *f, uint32_t id, uint32_t len)
{
	f->vq.used->ring[f->dev_used & (f->vq.size - 1)].id = id;
	f->vq.used->ring[f->dev_used & (f->vq.size - 1)].len = len;
	f->dev_used++;
	f->vq.used->idx = f->dev_used;
}

/* Every descriptor is on the free list or in exactly one chain in flight,
 * and the counters agree. */
static void check_accounting(const struct virtq *vq)
{
	uint8_t *seen = calloc(vq->size, 1);
	unsigned chains = 0, d = vq->free_head;

	for (unsigned i = 0; i < vq->num_free; i++) {
		assert_true(d < vq->size);
		assert_int_equal(seen[d], 0);
		seen[d] = 1;
		d = vq->link[d];
	}
	for (unsigned h = 0; h < vq->size; h++) {
		if (!vq->chain[h].in_flight)
			continue;
		chains++;
		d = h;
		for (unsigned i = 0; i < vq->chain[h].count; i++) {
			assert_true(d < vq->size);
			assert_int_equal(seen[d], 0);
			seen[d] = 1;
			d = vq->link[d];
		}
	}
	for (unsigned i = 0; i < vq->size; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(chains, vq->chains);
	free(seen);
}

static void init_rejects_sizes_that_are_not_powers_of_two(void **state)
{
	struct virtq vq;
	void *ring = aligned_alloc(4096, 65536), *meta = malloc(4096);

	assert_int_equal(virtq_init(&vq, 0, ring, RING_PHYS, meta),
			 -ERR_INVALID);
	assert_int_equal(virtq_init(&vq, 3, ring, RING_PHYS, meta),
			 -ERR_INVALID);
	assert_int_equal(virtq_init(&vq, 65535, ring, RING_PHYS, meta),
			 -ERR_INVALID);
	assert_int_equal(virtq_init(&vq, 8, (char *)ring + 8, RING_PHYS, meta),
			 -ERR_INVALID);
	assert_int_equal(virtq_init(&vq, 8, ring, RING_PHYS + 4, meta),
			 -ERR_INVALID);
	assert_int_equal(virtq_init(&vq, 8, ring, RING_PHYS, NULL),
			 -ERR_INVALID);
	free(ring);
	free(meta);
}

static void ring_layout_follows_the_alignment_rules(void **state)
{
	struct fixture *f = make(256);

	/* 4096 bytes of descriptors, avail ring right after them, used ring
	 * 4-aligned after the avail ring and its event word. */
	assert_int_equal(f->vq.avail_phys - f->vq.desc_phys, 4096);
	assert_int_equal(f->vq.used_phys - f->vq.desc_phys, 4096 + 4 + 512 + 4);
	assert_int_equal(f->vq.used_phys % 4, 0);
	assert_int_equal(virtq_ring_bytes(256), 4616 + 4 + 256 * 8 + 2);
	destroy(f);
}

static void init_leaves_every_descriptor_free(void **state)
{
	struct fixture *f = make(16);

	assert_int_equal(f->vq.num_free, 16);
	assert_int_equal(virtq_in_flight(&f->vq), 0);
	check_accounting(&f->vq);
	destroy(f);
}

static void add_builds_a_chain_with_flags_links_and_avail_entry(void **state)
{
	struct fixture *f = make(8);
	struct virtq_buf b[3] = {{0x1000, 16, 0},
				 {0x2000, 512, VIRTQ_BUF_WRITE},
				 {0x3000, 1, VIRTQ_BUF_WRITE}};
	int head = virtq_add(&f->vq, b, 3, 77);

	assert_true(head >= 0);
	assert_int_equal(f->vq.avail->idx, 1);
	assert_int_equal(f->vq.avail->ring[0], head);
	unsigned d = (unsigned)head;
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(f->vq.desc[d].addr, b[i].phys);
		assert_int_equal(f->vq.desc[d].len, b[i].len);
		uint16_t want = (i < 2 ? VIRTQ_DESC_F_NEXT : 0) |
				(i > 0 ? VIRTQ_DESC_F_WRITE : 0);
		assert_int_equal(f->vq.desc[d].flags, want);
		d = f->vq.desc[d].next;
	}
	assert_int_equal(f->vq.num_free, 5);
	assert_int_equal(virtq_in_flight(&f->vq), 1);
	assert_int_equal(f->vq.chain[head].writable, 513);
	check_accounting(&f->vq);
	destroy(f);
}

static void add_refuses_a_chain_longer_than_the_free_descriptors(void **state)
{
	struct fixture *f = make(4);
	struct virtq_buf b[5] = {{0x1000, 1, 0},
				 {0x1000, 1, 0},
				 {0x1000, 1, 0},
				 {0x1000, 1, 0},
				 {0x1000, 1, 0}};

	assert_int_equal(virtq_add(&f->vq, b, 5, 0), -ERR_INVALID);
	assert_true(virtq_add(&f->vq, b, 3, 1) >= 0);
	assert_int_equal(virtq_add(&f->vq, b, 2, 2), -ERR_QUEUE_FULL);
	assert_int_equal(f->vq.avail->idx, 1);
	assert_int_equal(f->vq.num_free, 1);
	assert_true(virtq_add(&f->vq, b, 1, 3) >= 0);
	assert_int_equal(virtq_add(&f->vq, b, 1, 4), -ERR_QUEUE_FULL);
	check_accounting(&f->vq);
	destroy(f);
}

static void add_refuses_empty_chains_and_empty_buffers(void **state)
{
	struct fixture *f = make(4);
	struct virtq_buf b[2] = {{0x1000, 8, 0}, {0x2000, 0, VIRTQ_BUF_WRITE}};

	assert_int_equal(virtq_add(&f->vq, b, 0, 0), -ERR_INVALID);
	assert_int_equal(virtq_add(&f->vq, b, 2, 0), -ERR_INVALID);
	assert_int_equal(f->vq.num_free, 4);
	assert_int_equal(f->vq.avail->idx, 0);
	destroy(f);
}

static void
completions_out_of_order_return_cookies_and_free_chains(void **state)
{
	struct fixture *f = make(8);
	struct virtq_buf b[2] = {{0x1000, 16, 0},
				 {0x2000, 100, VIRTQ_BUF_WRITE}};
	int h[3];
	struct virtq_done done;

	for (int i = 0; i < 3; i++)
		h[i] = virtq_add(&f->vq, b, 2, 100 + i);
	assert_int_equal(f->vq.num_free, 2);
	assert_int_equal(virtq_next_used(&f->vq, &done), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dev_take(f), h[i]);
	dev_used(f, (uint32_t)h[2], 50);
	dev_used(f, (uint32_t)h[0], 100);
	assert_int_equal(virtq_next_used(&f->vq, &done), 1);
	assert_int_equal(done.cookie, 102);
	assert_int_equal(done.len, 50);
	assert_int_equal(done.flags, 0);
	assert_int_equal(virtq_next_used(&f->vq, &done), 1);
	assert_int_equal(done.cookie, 100);
	assert_int_equal(done.len, 100);
	assert_int_equal(virtq_next_used(&f->vq, &done), 0);
	assert_int_equal(f->vq.num_free, 6);
	assert_int_equal(virtq_in_flight(&f->vq), 1);
	check_accounting(&f->vq);
	dev_used(f, (uint32_t)h[1], 0);
	assert_int_equal(virtq_next_used(&f->vq, &done), 1);
	assert_int_equal(done.cookie, 101);
	assert_int_equal(f->vq.num_free, 8);
	assert_int_equal(f->vq.stats.completed, 3);
	check_accounting(&f->vq);
	destroy(f);
}

/* 16-bit ring indices wrap many times over; a model of what is in flight
 * checks every completion against what was added. */
static void indices_wrap_around_without_losing_chains(void **state)
{
	struct fixture *f = make(8);
	uint64_t cookie_of[8];
	unsigned in_flight_model = 0;
	uint64_t next_cookie = 1, completed = 0;
	unsigned seed = 12345;

	for (unsigned step = 0; step < 500000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 16;
		if (r % 2 == 0) {
			unsigned n = 1 + r / 2 % 3;
			struct virtq_buf b[3] = {{0x1000, 8, 0},
						 {0x2000, 8, VIRTQ_BUF_WRITE},
						 {0x3000, 8, VIRTQ_BUF_WRITE}};
			int h = virtq_add(&f->vq, b, n, next_cookie);
			if (h >= 0) {
				cookie_of[h] = next_cookie++;
				in_flight_model++;
			} else {
				assert_int_equal(h, -ERR_QUEUE_FULL);
				assert_true(f->vq.num_free < n);
			}
		} else {
			int h = dev_take(f);
			if (h >= 0)
				dev_used(f, (uint32_t)h, 0);
			struct virtq_done done;
			while (virtq_next_used(&f->vq, &done) == 1) {
				assert_int_equal(done.cookie,
						 cookie_of[done.head]);
				in_flight_model--;
				completed++;
			}
		}
		assert_int_equal(virtq_in_flight(&f->vq), in_flight_model);
	}
	assert_true(completed >
		    2 * 65536); /* avail and used idx wrapped twice */
	assert_int_equal(f->vq.stats.bad_id + f->vq.stats.not_in_flight +
			     f->vq.stats.bad_len + f->vq.stats.bad_index,
			 0);
	check_accounting(&f->vq);
	destroy(f);
}

static void kick_is_skipped_while_the_device_says_no_notify(void **state)
{
	struct fixture *f = make(4);

	assert_true(virtq_kick_needed(&f->vq));
	f->vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_false(virtq_kick_needed(&f->vq));
	destroy(f);
}

static void used_id_out_of_range_is_dropped_and_counted(void **state)
{
	struct fixture *f = make(8);
	struct virtq_buf b = {0x1000, 8, VIRTQ_BUF_WRITE};
	struct virtq_done done;
	int h = virtq_add(&f->vq, &b, 1, 5);

	dev_used(f, 8, 0);
	dev_used(f, 0xffffffffu, 0);
	assert_int_equal(virtq_next_used(&f->vq, &done), 0);
	assert_int_equal(f->vq.stats.bad_id, 2);
	assert_int_equal(virtq_in_flight(&f->vq), 1);
	dev_used(f, (uint32_t)h, 8);
	assert_int_equal(virtq_next_used(&f->vq, &done), 1);
	assert_int_equal(done.cookie, 5);
	check_accounting(&f->vq);
	destroy(f);
}

static void
used_id_of_a_chain_not_in_flight_is_dropped_and_counted(void **state)
{
	struct fixture *f = make(8);
	struct virtq_buf b[3] = {
	    {0x1000, 8, 0}, {0x2000, 8, 0}, {0x3000, 8, VIRTQ_BUF_WRITE}};
	struct virtq_done done;
	int h = virtq_add(&f->vq, b, 3, 9);
	uint16_t middle = f->vq.link[h];

	dev_used(f, 7, 0);	     /* a free descriptor */
	dev_used(f, middle, 0);	     /* inside a chain, not its head */
	dev_used(f, (uint32_t)h, 8); /* the real completion */
	dev_used(f, (uint32_t)h, 8); /* and again: a double completion */
	assert_int_equal(virtq_next_used(&f->vq, &done), 1);
	assert_int_equal(done.cookie, 9);
	assert_int_equal(virtq_next_used(&f->vq, &done), 0);
	assert_int_equal(f->vq.stats.not_in_flight, 3);
	assert_int_equal(f->vq.stats.completed, 1);
	assert_int_equal(f->vq.num_free, 8);
	check_accounting(&f->vq);
	destroy(f);
}

static void
used_len_beyond_the_buffer_fails_the_chain_and_is_counted(void **state)
{
	struct fixture *f = make(8);
	struct virtq_buf b[2] = {{0x1000, 16, 0},
				 {0x2000, 512, VIRTQ_BUF_WRITE}};
	struct virtq_done done;
	int h = virtq_add(&f->vq, b, 2, 3);

	/* 16 device-readable bytes do not count: only 512 can be written. */
	dev_used(f, (uint32_t)h, 513);
	assert_int_equal(virtq_next_used(&f->vq, &done), 1);
	assert_int_equal(done.cookie, 3);
	assert_int_equal(done.flags, VIRTQ_DONE_BAD_LEN);
	assert_int_equal(done.len, 0);
	assert_int_equal(f->vq.stats.bad_len, 1);
	assert_int_equal(f->vq.num_free, 8);
	check_accounting(&f->vq);
	destroy(f);
}

static void used_index_running_ahead_is_counted_and_bounded(void **state)
{
	struct fixture *f = make(8);
	struct virtq_buf b = {0x1000, 8, VIRTQ_BUF_WRITE};
	struct virtq_done done;
	int h = virtq_add(&f->vq, &b, 1, 1);

	/* The device claims 1000 completions; the ring holds 8 entries of
	 * zeros, one of which happens to be a valid head (0). */
	f->vq.used->idx = 1000;
	int got = 0;
	while (virtq_next_used(&f->vq, &done) == 1)
		got++;
	assert_int_equal(f->vq.stats.bad_index, 1);
	assert_int_equal(got, h == 0 ? 1 : 0);
	assert_int_equal(f->vq.last_used, 1000);
	check_accounting(&f->vq);
	destroy(f);
}

/* The device may scribble over the descriptor table; the driver never
 * follows what it finds there. */
static void
rewritten_descriptor_links_do_not_corrupt_the_free_list(void **state)
{
	struct fixture *f = make(8);
	struct virtq_buf b[4] = {{0x1000, 8, 0},
				 {0x2000, 8, 0},
				 {0x3000, 8, 0},
				 {0x4000, 8, VIRTQ_BUF_WRITE}};
	struct virtq_done done;
	int h = virtq_add(&f->vq, b, 4, 1);

	for (unsigned i = 0; i < 8; i++) {
		f->vq.desc[i].next = 0xffff;
		f->vq.desc[i].flags = 0xffff;
	}
	dev_used(f, (uint32_t)h, 8);
	assert_int_equal(virtq_next_used(&f->vq, &done), 1);
	assert_int_equal(f->vq.num_free, 8);
	check_accounting(&f->vq);
	destroy(f);
}

/* A device writing random used entries and indices: the driver keeps its
 * accounting straight and every chain it hands back was in flight. */
static void random_used_ring_garbage_never_breaks_the_accounting(void **state)
{
	struct fixture *f = make(16);
	unsigned seed = 777;
	struct virtq_buf b[2] = {{0x1000, 64, 0},
				 {0x2000, 64, VIRTQ_BUF_WRITE}};
	uint8_t in_flight[16] = {0};

	for (unsigned step = 0; step < 200000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		switch (r % 4) {
		case 0:
		case 1: {
			int h = virtq_add(&f->vq, b, 1 + (r >> 4) % 2,
					  (uint64_t)step);
			if (h >= 0)
				in_flight[h] = 1;
			break;
		}
		case 2:
			f->vq.used->ring[(r >> 4) % 16].id = (r >> 8) % 20;
			f->vq.used->ring[(r >> 4) % 16].len = (r >> 12) % 80;
			break;
		default: {
			f->vq.used->idx =
			    (uint16_t)(f->vq.used->idx + (r >> 4) % 24);
			struct virtq_done done;
			while (virtq_next_used(&f->vq, &done) == 1) {
				assert_true(done.head < 16);
				assert_int_equal(in_flight[done.head], 1);
				in_flight[done.head] = 0;
				assert_true(done.len <= 64);
			}
			break;
		}
		}
	}
	check_accounting(&f->vq);
	assert_true(f->vq.stats.bad_id > 0);
	assert_true(f->vq.stats.not_in_flight > 0);
	assert_true(f->vq.stats.bad_len > 0);
	assert_true(f->vq.stats.bad_index > 0);
	assert_true(f->vq.stats.completed > 0);
	destroy(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(init_rejects_sizes_that_are_not_powers_of_two),
	    cmocka_unit_test(ring_layout_follows_the_alignment_rules),
	    cmocka_unit_test(init_leaves_every_descriptor_free),
	    cmocka_unit_test(
		add_builds_a_chain_with_flags_links_and_avail_entry),
	    cmocka_unit_test(
		add_refuses_a_chain_longer_than_the_free_descriptors),
	    cmocka_unit_test(add_refuses_empty_chains_and_empty_buffers),
	    cmocka_unit_test(
		completions_out_of_order_return_cookies_and_free_chains),
	    cmocka_unit_test(indices_wrap_around_without_losing_chains),
	    cmocka_unit_test(kick_is_skipped_while_the_device_says_no_notify),
	    cmocka_unit_test(used_id_out_of_range_is_dropped_and_counted),
	    cmocka_unit_test(
		used_id_of_a_chain_not_in_flight_is_dropped_and_counted),
	    cmocka_unit_test(
		used_len_beyond_the_buffer_fails_the_chain_and_is_counted),
	    cmocka_unit_test(used_index_running_ahead_is_counted_and_bounded),
	    cmocka_unit_test(
		rewritten_descriptor_links_do_not_corrupt_the_free_list),
	    cmocka_unit_test(
		random_used_ring_garbage_never_breaks_the_accounting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
