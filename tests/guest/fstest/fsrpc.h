/* SPDX-License-Identifier: MIT */
/*
 * fstest's own client of the file-server protocol (uk/proto/fs.h): raw
 * messages, so tests can also send what a well-behaved client never would.
 * Every function returns the server's status (0 or -ERR_*) or a transport
 * error from ipc_call.
 */
#ifndef FSTEST_FSRPC_H
#define FSTEST_FSRPC_H

#include <stddef.h>
#include <stdint.h>
#include <uk/proto/fs.h>

union fsrpc_msg {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

/* The last request sent and reply received (for tests that look inside). */
extern union fsrpc_msg fsrpc_rq, fsrpc_rp;
extern uk_name_t fsrpc_service;

long fsrpc_connect(uint64_t timeout_ns);

/* Sends fsrpc_rq as built (header id, descriptors, body_len body bytes) to
 * dest and returns the reply status; the reply stays in fsrpc_rp. Rights
 * and memory in the reply are released unless the caller keeps them. */
long fsrpc_send(uk_name_t dest, uint32_t body_len);
/* Body of the reply after the status, and its length. */
const void *fsrpc_reply_body(uint32_t *len);

long fs_path_op(uint32_t id, const char *path, uint32_t flags, uint32_t mode);
long fs_open(const char *path, uint32_t flags, uk_name_t *port,
	     struct uk_stat *st);
long fs_stat(const char *path, struct uk_stat *st);
long fs_unlink(const char *path);
long fs_mkdir(const char *path);
long fs_rmdir(const char *path);
long fs_rename(const char *from, const char *to);
long fs_sync(void);
long fs_statfs(struct uk_statfs *out);

/* Bytes read or written, or -ERR. Reads and writes of any size up to
 * UK_FILE_IO_MAX in one request (inline or one out-of-line region). */
long file_read(uk_name_t port, uint64_t off, void *buf, uint32_t len);
long file_write(uk_name_t port, uint64_t off, const void *buf, uint32_t len);
long file_stat(uk_name_t port, struct uk_stat *st);
long file_truncate(uk_name_t port, uint64_t size);
long file_readdir(uk_name_t port, uint64_t cookie, void *buf, uint32_t len,
		  uint64_t *next);
long file_fsync(uk_name_t port);
/* FILE_CLOSE, then drops the send right. */
long file_close(uk_name_t port);

#endif
