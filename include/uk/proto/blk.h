/* SPDX-License-Identifier: MIT */
/*
 * Block devices: the virtio-blk driver registers "blk0", "blk1", ... Any
 * number of requests from any number of clients may be in flight; each
 * is answered when the device completes it (replies may come out of order
 * across clients).
 */
#ifndef UK_PROTO_BLK_H
#define UK_PROTO_BLK_H

#include <uk/proto/rpc.h>

#define UK_BLK_SECTOR 512u
#define UK_BLK_MAX_TRANSFER (1u << 20) /* bytes per request */

enum uk_blk_op {
	BLK_INFO = UK_PROTO_BLK + 1,  /* reply: struct uk_blk_info */
	/* Request: struct uk_blk_req. Reply: struct uk_blk_io_reply, then the
	 * data: inline if count * 512 <= UK_RPC_INLINE_DATA, else one
	 * out-of-line region the client frees with vm_free. */
	BLK_READ = UK_PROTO_BLK + 2,
	/* Request: struct uk_blk_req then the data inline (small) or as one
	 * out-of-line region of count * 512 bytes. ERR_PERMISSION on a
	 * read-only device. */
	BLK_WRITE = UK_PROTO_BLK + 3,
	/* Completes when every write completed before it is durable. */
	BLK_FLUSH = UK_PROTO_BLK + 4,
	/* Reply: struct uk_blk_stats */
	BLK_STATS = UK_PROTO_BLK + 5,
};

struct uk_blk_info {
	uint64_t sectors;    /* of UK_BLK_SECTOR bytes */
	uint32_t sector_size;
	uint32_t flags;	     /* UK_BLK_READ_ONLY, UK_BLK_FLUSH */
	uint32_t max_transfer; /* bytes */
	uint32_t queue_depth;
};
#define UK_BLK_READ_ONLY 0x1u
#define UK_BLK_CAN_FLUSH 0x2u

struct uk_blk_req {
	uint64_t sector;
	uint32_t count; /* sectors; count * 512 <= UK_BLK_MAX_TRANSFER */
	uint32_t reserved;
};
struct uk_blk_io_reply {
	uint32_t bytes;
	uint32_t reserved;
};

struct uk_blk_stats {
	uint64_t reads, writes, flushes, errors, bytes_read, bytes_written;
	uint64_t interrupts, bad_requests;
};

#endif
