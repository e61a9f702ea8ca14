/* SPDX-License-Identifier: MIT */
/* The block cache against a memory device that counts and can fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uk/errors.h>

#include "../../../servers/fs/bcache.h"

#define BS 1024u
#define NBLOCKS 256u

struct memdev {
	uint8_t data[BS * NBLOCKS];
	unsigned reads, writes, flushes;
	uint64_t last_write_off;
	size_t last_write_len;
	bool fail_writes, fail_reads;
};

static int md_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct memdev *d = ctx;

	if (d->fail_reads)
		return -ERR_IO;
	assert_true(off + len <= sizeof(d->data));
	memcpy(buf, d->data + off, len);
	d->reads++;
	return 0;
}

static int md_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct memdev *d = ctx;

	if (d->fail_writes)
		return -ERR_IO;
	assert_true(off + len <= sizeof(d->data));
	memcpy(d->data + off, buf, len);
	d->writes++;
	d->last_write_off = off;
	d->last_write_len = len;
	return 0;
}

static int md_flush(void *ctx)
{
	struct memdev *d = ctx;

	d->flushes++;
	return 0;
}

struct t {
	struct memdev dev;
	struct bcache c;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct bcache_dev dev = {&t->dev, md_read, md_write, md_flush};

	for (unsigned b = 0; b < NBLOCKS; b++)
		memset(t->dev.data + b * BS, b & 0xff, BS);
	assert_int_equal(bcache_init(&t->c, &dev, BS, 16), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	bcache_destroy(&t->c);
	free(t);
	return 0;
}

static void init_refuses_bad_geometry(void **state)
{
	struct bcache c;
	struct bcache_dev dev = {NULL, md_read, md_write, NULL};

	(void)state;
	assert_int_equal(bcache_init(&c, &dev, 1000, 16), -ERR_INVALID);
	assert_int_equal(bcache_init(&c, &dev, 1024, 4), -ERR_INVALID);
	dev.read = NULL;
	assert_int_equal(bcache_init(&c, &dev, 1024, 16), -ERR_INVALID);
}

static void second_get_is_a_hit(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;

	assert_int_equal(bcache_get(&t->c, 7, &b), 0);
	assert_int_equal(b->data[0], 7);
	bcache_put(&t->c, b);
	assert_int_equal(bcache_get(&t->c, 7, &b), 0);
	bcache_put(&t->c, b);
	assert_int_equal(t->c.stats.misses, 1);
	assert_int_equal(t->c.stats.hits, 1);
	assert_int_equal(t->dev.reads, 1);
}

static void least_recently_used_is_evicted_first(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;

	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(bcache_get(&t->c, i, &b), 0);
		bcache_put(&t->c, b);
	}
	/* Touch 0 so 1 is the oldest. */
	assert_int_equal(bcache_get(&t->c, 0, &b), 0);
	bcache_put(&t->c, b);
	assert_int_equal(bcache_get(&t->c, 100, &b), 0);
	bcache_put(&t->c, b);
	assert_non_null(b = bcache_peek(&t->c, 0));
	bcache_put(&t->c, b);
	assert_null(bcache_peek(&t->c, 1));
	assert_int_equal(t->c.stats.evictions, 1);
}

static void dirty_victims_are_written_back(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;

	assert_int_equal(bcache_get(&t->c, 3, &b), 0);
	memset(b->data, 0xaa, BS);
	bcache_mark_dirty(&t->c, b);
	bcache_put(&t->c, b);
	assert_int_equal(t->c.stats.dirty, 1);
	for (unsigned i = 10; i < 10 + 16; i++) {
		assert_int_equal(bcache_get(&t->c, i, &b), 0);
		bcache_put(&t->c, b);
	}
	assert_int_equal(t->dev.data[3 * BS], 0xaa);
	assert_int_equal(t->c.stats.dirty, 0);
	assert_int_equal(t->c.stats.writebacks, 1);
}

static void pinned_buffers_stay_and_all_pinned_is_an_error(void **state)
{
	struct t *t = *state;
	struct bcache_buf *bufs[16], *b;

	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(bcache_get(&t->c, i, &bufs[i]), 0);
	assert_int_equal(bcache_get(&t->c, 50, &b), -ERR_NO_MEMORY);
	bcache_put(&t->c, bufs[5]);
	assert_int_equal(bcache_get(&t->c, 50, &b), 0);
	assert_ptr_equal(b, bufs[5]);
	bcache_put(&t->c, b);
	for (unsigned i = 0; i < 16; i++)
		if (i != 5)
			bcache_put(&t->c, bufs[i]);
}

static void sync_coalesces_adjacent_blocks_and_flushes(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;
	unsigned blocks[] = {20, 22, 21, 23, 40};

	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(bcache_get_zeroed(&t->c, blocks[i], &b), 0);
		memset(b->data, 0x50 + i, BS);
		bcache_mark_dirty(&t->c, b);
		bcache_put(&t->c, b);
	}
	assert_int_equal(t->dev.reads, 0);
	assert_int_equal(bcache_sync(&t->c), 0);
	assert_int_equal(t->dev.writes, 2); /* 20-23, then 40 */
	assert_int_equal(t->dev.flushes, 1);
	assert_int_equal(t->dev.data[21 * BS], 0x52);
	assert_int_equal(t->dev.data[23 * BS + BS - 1], 0x53);
	assert_int_equal(t->dev.data[40 * BS], 0x54);
	assert_int_equal(t->c.stats.dirty, 0);
	assert_int_equal(bcache_sync(&t->c), 0);
	assert_int_equal(t->dev.writes, 2);
}

static void failed_write_back_keeps_the_data_dirty(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;

	assert_int_equal(bcache_get(&t->c, 9, &b), 0);
	b->data[0] = 0x99;
	bcache_mark_dirty(&t->c, b);
	bcache_put(&t->c, b);
	t->dev.fail_writes = true;
	assert_int_equal(bcache_sync(&t->c), -ERR_IO);
	assert_int_equal(t->c.stats.dirty, 1);
	/* Eviction cannot drop it either. */
	for (unsigned i = 100; i < 116; i++) {
		int rc = bcache_get(&t->c, i, &b);
		if (rc == 0)
			bcache_put(&t->c, b);
		else
			assert_int_equal(rc, -ERR_IO);
	}
	t->dev.fail_writes = false;
	assert_int_equal(bcache_sync(&t->c), 0);
	assert_int_equal(t->dev.data[9 * BS], 0x99);
}

static void read_errors_leave_nothing_cached(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;

	t->dev.fail_reads = true;
	assert_int_equal(bcache_get(&t->c, 5, &b), -ERR_IO);
	t->dev.fail_reads = false;
	assert_null(bcache_peek(&t->c, 5));
	assert_int_equal(bcache_get(&t->c, 5, &b), 0);
	assert_int_equal(b->data[0], 5);
	bcache_put(&t->c, b);
}

static void forget_drops_a_dirty_block(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;

	assert_int_equal(bcache_get(&t->c, 12, &b), 0);
	b->data[0] = 0x77;
	bcache_mark_dirty(&t->c, b);
	bcache_put(&t->c, b);
	bcache_forget(&t->c, 12);
	assert_int_equal(t->c.stats.dirty, 0);
	assert_null(bcache_peek(&t->c, 12));
	assert_int_equal(bcache_sync(&t->c), 0);
	assert_int_equal(t->dev.writes, 0);
	assert_int_equal(t->dev.data[12 * BS], 12);
}

static void get_zeroed_clears_a_cached_block(void **state)
{
	struct t *t = *state;
	struct bcache_buf *b;

	assert_int_equal(bcache_get(&t->c, 30, &b), 0);
	assert_int_equal(b->data[10], 30);
	bcache_put(&t->c, b);
	assert_int_equal(bcache_get_zeroed(&t->c, 30, &b), 0);
	for (unsigned i = 0; i < BS; i++)
		assert_int_equal(b->data[i], 0);
	bcache_put(&t->c, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(init_refuses_bad_geometry),
	    cmocka_unit_test_setup_teardown(second_get_is_a_hit, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		least_recently_used_is_evicted_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(dirty_victims_are_written_back,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		pinned_buffers_stay_and_all_pinned_is_an_error, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		sync_coalesces_adjacent_blocks_and_flushes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		failed_write_back_keeps_the_data_dirty, setup, teardown),
	    cmocka_unit_test_setup_teardown(read_errors_leave_nothing_cached,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(forget_drops_a_dirty_block, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(get_zeroed_clears_a_cached_block,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
