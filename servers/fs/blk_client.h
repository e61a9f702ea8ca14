/* SPDX-License-Identifier: MIT */
/*
 * The file server's client of a block device server (uk/proto/blk.h):
 * byte-addressed reads and writes in multiples of 512, split into requests
 * the device accepts, with every reply checked against what was asked.
 */
#ifndef FS_BLK_CLIENT_H
#define FS_BLK_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <uk/ipc.h>
#include <uk/proto/blk.h>

struct blk_client {
	uk_name_t port;
	struct uk_blk_info info;
	uint32_t chunk; /* bytes per request */
	uint64_t requests, errors;
};

/* Finds name with the name server (waiting up to timeout_ns) and asks
 * for its geometry. 0 or -ERR. */
int blk_client_open(struct blk_client *b, const char *name,
		    uint64_t timeout_ns);
int blk_client_read(void *ctx, uint64_t offset, void *buf, size_t len);
int blk_client_write(void *ctx, uint64_t offset, const void *buf, size_t len);
int blk_client_flush(void *ctx);

#endif
