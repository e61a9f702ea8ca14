/* SPDX-License-Identifier: MIT */
/*
 * The checks of the block driver on every request
 * (servers/virtio-blk/blk_decode.c): what passes, and each way a request
 * can be malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uk/errors.h>
#include "blk_decode.h"

static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
} m;

static const struct blk_limits lim = {1000, UK_BLK_MAX_TRANSFER, false};

/* A request: n_ool regions of the given sizes, then the block request,
 * then extra inline bytes. */
static const struct uk_msg_header *req(uint32_t id, uint64_t sector,
				       uint32_t count, uint32_t extra,
				       unsigned n_ool, uint64_t ool_size)
{
	memset(&m, 0, sizeof(m));
	m.h.id = id;
	m.h.n_ool = (uint16_t)n_ool;
	for (unsigned i = 0; i < n_ool; i++)
		uk_msg_ools(&m.h)[i] = (struct uk_msg_ool){
		    0x100000 + i * 0x100000, ool_size, 0, 0};
	struct uk_blk_req *rq = uk_msg_body(&m.h);
	rq->sector = sector;
	rq->count = count;
	m.h.size = (uint32_t)((uint8_t *)(rq + 1) - m.bytes) + extra;
	return &m.h;
}

static void reads_in_range_pass(void **state)
{
	struct blk_op op;

	assert_int_equal(blk_decode(req(BLK_READ, 0, 1, 0, 0, 0), &lim, &op),
			 0);
	assert_int_equal(op.bytes, 512);
	assert_int_equal(blk_decode(req(BLK_READ, 999, 1, 0, 0, 0), &lim, &op),
			 0);
	assert_int_equal(blk_decode(req(BLK_READ, 0, 1000, 0, 0, 0), &lim, &op),
			 0);
	assert_int_equal(op.sector, 0);
	assert_int_equal(op.count, 1000);
}

static void reads_outside_the_disk_are_invalid(void **state)
{
	struct blk_op op;

	assert_int_equal(blk_decode(req(BLK_READ, 1000, 1, 0, 0, 0), &lim, &op),
			 -ERR_INVALID);
	assert_int_equal(blk_decode(req(BLK_READ, 999, 2, 0, 0, 0), &lim, &op),
			 -ERR_INVALID);
	assert_int_equal(
	    blk_decode(req(BLK_READ, UINT64_MAX, 2, 0, 0, 0), &lim, &op),
	    -ERR_INVALID);
	assert_int_equal(blk_decode(req(BLK_READ, 0, 0, 0, 0, 0), &lim, &op),
			 -ERR_INVALID);
	assert_int_equal(blk_decode(req(BLK_READ, 0, 1001, 0, 0, 0), &lim, &op),
			 -ERR_INVALID);
}

static void transfers_over_the_limit_are_invalid(void **state)
{
	struct blk_limits big = {1ull << 40, UK_BLK_MAX_TRANSFER, false};
	struct blk_op op;

	assert_int_equal(blk_decode(req(BLK_READ, 0, 2048, 0, 0, 0), &big, &op),
			 0);
	assert_int_equal(blk_decode(req(BLK_READ, 0, 2049, 0, 0, 0), &big, &op),
			 -ERR_INVALID);
	/* count * 512 would wrap 32 bits */
	assert_int_equal(
	    blk_decode(req(BLK_READ, 0, 0x800001u, 0, 0, 0), &big, &op),
	    -ERR_INVALID);
}

static void reads_with_extra_or_missing_bytes_are_invalid(void **state)
{
	struct blk_op op;

	assert_int_equal(blk_decode(req(BLK_READ, 0, 1, 1, 0, 0), &lim, &op),
			 -ERR_INVALID);
	const struct uk_msg_header *h = req(BLK_READ, 0, 1, 0, 0, 0);
	m.h.size -= 1;
	assert_int_equal(blk_decode(h, &lim, &op), -ERR_INVALID);
	assert_int_equal(blk_decode(req(BLK_READ, 0, 8, 0, 1, 4096), &lim, &op),
			 -ERR_INVALID);
}

static void inline_writes_must_carry_exactly_their_data(void **state)
{
	struct blk_op op;

	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 5, 2, 1024, 0, 0), &lim, &op), 0);
	assert_non_null(op.data);
	assert_false(op.ool);
	assert_ptr_equal(op.data, (uint8_t *)uk_msg_body(&m.h) +
				      sizeof(struct uk_blk_req));
	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 5, 2, 1023, 0, 0), &lim, &op),
	    -ERR_INVALID);
	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 5, 2, 1025, 0, 0), &lim, &op),
	    -ERR_INVALID);
	assert_int_equal(blk_decode(req(BLK_WRITE, 5, 2, 0, 0, 0), &lim, &op),
			 -ERR_INVALID);
}

static void out_of_line_writes_need_one_region_of_the_right_size(void **state)
{
	struct blk_op op;

	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 0, 8, 0, 1, 4096), &lim, &op), 0);
	assert_true(op.ool);
	assert_ptr_equal(op.data, (const uint8_t *)0x100000);
	/* a moved region is whole pages: up to a page more is fine */
	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 0, 9, 0, 1, 8192), &lim, &op), 0);
	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 0, 8, 0, 1, 8192), &lim, &op),
	    -ERR_INVALID);
	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 0, 9, 0, 1, 4096), &lim, &op),
	    -ERR_INVALID);
	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 0, 8, 0, 2, 4096), &lim, &op),
	    -ERR_INVALID);
	assert_int_equal(
	    blk_decode(req(BLK_WRITE, 0, 8, 512, 1, 4096), &lim, &op),
	    -ERR_INVALID);
	/* a region the kernel could not map arrives as address 0 */
	const struct uk_msg_header *h = req(BLK_WRITE, 0, 8, 0, 1, 4096);
	uk_msg_ools(&m.h)[0].address = 0;
	assert_int_equal(blk_decode(h, &lim, &op), -ERR_INVALID);
}

static void writes_to_a_read_only_disk_are_refused(void **state)
{
	struct blk_limits ro = lim;
	struct blk_op op;

	ro.read_only = true;
	assert_int_equal(blk_decode(req(BLK_WRITE, 0, 1, 512, 0, 0), &ro, &op),
			 -ERR_PERMISSION);
	assert_int_equal(blk_decode(req(BLK_READ, 0, 1, 0, 0, 0), &ro, &op), 0);
	/* malformed stays malformed */
	assert_int_equal(blk_decode(req(BLK_WRITE, 0, 1, 3, 0, 0), &ro, &op),
			 -ERR_INVALID);
}

static void other_operations(void **state)
{
	struct blk_op op;
	struct uk_msg_header h = {.size = sizeof(h)};

	h.id = BLK_INFO;
	assert_int_equal(blk_decode(&h, &lim, &op), 0);
	h.id = BLK_STATS;
	assert_int_equal(blk_decode(&h, &lim, &op), 0);
	h.id = BLK_FLUSH;
	assert_int_equal(blk_decode(&h, &lim, &op), 0);
	assert_int_equal(
	    blk_decode(req(BLK_FLUSH, 0, 0, 0, 1, 4096), &lim, &op),
	    -ERR_INVALID);
	h.id = UK_PROTO_BLK + 99;
	assert_int_equal(blk_decode(&h, &lim, &op), -ERR_UNSUPPORTED);
	h.id = UK_PROTO_FS + 1;
	assert_int_equal(blk_decode(&h, &lim, &op), -ERR_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reads_in_range_pass),
	    cmocka_unit_test(reads_outside_the_disk_are_invalid),
	    cmocka_unit_test(transfers_over_the_limit_are_invalid),
	    cmocka_unit_test(reads_with_extra_or_missing_bytes_are_invalid),
	    cmocka_unit_test(inline_writes_must_carry_exactly_their_data),
	    cmocka_unit_test(
		out_of_line_writes_need_one_region_of_the_right_size),
	    cmocka_unit_test(writes_to_a_read_only_disk_are_refused),
	    cmocka_unit_test(other_operations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
