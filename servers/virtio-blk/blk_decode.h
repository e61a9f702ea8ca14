/* SPDX-License-Identifier: MIT */
/*
 * Checking of block requests (include/uk/proto/blk.h) before anything
 * touches the device: every field and length against what arrived and
 * what the device holds. Pure code, linked by the host unit tests.
 */
#ifndef VIRTIO_BLK_DECODE_H
#define VIRTIO_BLK_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/proto/blk.h>

struct blk_limits {
	uint64_t sectors;      /* device capacity */
	uint32_t max_transfer; /* bytes, a multiple of UK_BLK_SECTOR */
	bool read_only;
};

/* A request that passed every check. */
struct blk_op {
	uint32_t id; /* BLK_* */
	uint64_t sector;
	uint32_t count; /* sectors */
	uint32_t bytes; /* count * UK_BLK_SECTOR */
	/* BLK_WRITE: the data, inline in the message or the out-of-line
	 * region (ool set). */
	const uint8_t *data;
	bool ool;
};

/* 0 and *op, or -ERR_UNSUPPORTED (not a block operation), -ERR_INVALID
 * (malformed: sizes, descriptors, sector range), -ERR_PERMISSION (a write
 * to a read-only device). */
int blk_decode(const struct uk_msg_header *h, const struct blk_limits *lim,
	       struct blk_op *op);

#endif
