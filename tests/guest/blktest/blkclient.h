/* SPDX-License-Identifier: MIT */
/*
 * Client calls of the block protocol (include/uk/proto/blk.h) for the
 * tests and the benchmark. Every call works in a caller-supplied message
 * buffer, so threads can call at the same time.
 */
#ifndef BLKTEST_BLKCLIENT_H
#define BLKTEST_BLKCLIENT_H

#include <stdint.h>
#include <uk/proto/blk.h>

union blk_msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

long blkc_info(uk_name_t port, union blk_msgbuf *mb, struct uk_blk_info *out);
long blkc_stats(uk_name_t port, union blk_msgbuf *mb, struct uk_blk_stats *out);
long blkc_flush(uk_name_t port, union blk_msgbuf *mb);
/* Read count sectors into dst (NULL: check the reply and drop the data). */
long blkc_read(uk_name_t port, union blk_msgbuf *mb, uint64_t sector,
	       uint32_t count, void *dst);
/* Write count sectors from src: inline when small, else one out-of-line
 * region (copied). */
long blkc_write(uk_name_t port, union blk_msgbuf *mb, uint64_t sector,
		uint32_t count, const void *src);

/* Build a request in mb (header, body of body_len bytes, no descriptors);
 * the caller may change it before blkc_call. */
void *blkc_begin(union blk_msgbuf *mb, uk_name_t port, uint32_t id,
		 uint32_t body_len);
/* Call with the request in mb; the reply lands in mb. The status of the
 * reply, or the call's error. Out-of-line memory in the reply is freed. */
long blkc_call(union blk_msgbuf *mb);

/* Where a reply's struct after the status starts, and its length. */
const void *blkc_reply_body(const union blk_msgbuf *mb, uint32_t *len);

#endif
