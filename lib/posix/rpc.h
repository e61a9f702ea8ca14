/* SPDX-License-Identifier: MIT */
/* Building requests and reading replies (adapter-internal). */
#ifndef UK_POSIX_RPC_H
#define UK_POSIX_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uk/proto/rpc.h>

union rpc_buf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

/* What to send: a fixed request struct, then inline bytes (a, then b), or
 * with ool set the bytes of ool as one out-of-line COPY region; an optional
 * port right. */
struct rpc_req {
	uk_name_t dest;
	uint32_t id;
	const void *req;
	size_t req_len;
	const void *a, *b;
	size_t a_len, b_len;
	const void *ool;
	size_t ool_len;
	uk_name_t port;
	uint32_t port_disposition;
};

/* What came back: status, then the reply struct (copied, up to rep_len),
 * inline data after it, an out-of-line region (the caller frees it), the
 * first port. Returns the status or a negative transport error. Only a
 * caller that sets want_port / want_ool gets the port / region; whatever
 * else came is released here, so a server cannot make the adapter leak. */
struct rpc_reply {
	void *rep;
	size_t rep_len;
	const uint8_t *data; /* inline bytes after the reply struct */
	size_t data_len;
	uint64_t ool_addr, ool_size;
	uk_name_t port;
	bool want_port, want_ool;
};

long rpc_call(const struct rpc_req *rq, union rpc_buf *buf, struct rpc_reply *out);

/* Standard streams (stdio.c): set up descriptors 0-2 on first use. */
void posix_stdio_init(void);
struct fd_ops;
/* Put ops at a fixed descriptor (the standard streams). */
void fd_set_slot(int fd, const struct fd_ops *ops, uk_name_t port, int flags);

#endif
