/* SPDX-License-Identifier: MIT */
/* fstest's protocol client (fsrpc.h). */
#include <stdbool.h>
#include <string.h>
#include <ulib.h>

#include "fsrpc.h"

#define CALL_TIMEOUT_NS (60ull * 1000000000ull)

union fsrpc_msg fsrpc_rq, fsrpc_rp;
uk_name_t fsrpc_service;

long fsrpc_connect(uint64_t timeout_ns)
{
	long rc = ns_lookup("fs", timeout_ns);

	if (rc > 0)
		fsrpc_service = (uk_name_t)rc;
	return rc;
}

static void release_reply(void)
{
	struct uk_msg_header *h = &fsrpc_rp.h;

	for (unsigned i = 0; i < h->n_ports && i < UK_MSG_PORTS_MAX; i++)
		if (uk_msg_ports(h)[i].name)
			uk_port_deallocate(uk_msg_ports(h)[i].name);
	for (unsigned i = 0; i < h->n_ool && i < UK_MSG_OOL_MAX; i++)
		if (uk_msg_ools(h)[i].address)
			uk_vm_free(uk_msg_ools(h)[i].address,
				   uk_msg_ools(h)[i].size);
	h->n_ports = h->n_ool = 0;
}

long fsrpc_send(uk_name_t dest, uint32_t body_len)
{
	struct uk_msg_header *h = &fsrpc_rq.h;
	uint32_t id = h->id;

	h->dest = dest;
	h->size =
	    (uint32_t)((uint8_t *)uk_msg_body(h) + body_len - fsrpc_rq.bytes);
	memset(&fsrpc_rp.h, 0, sizeof(fsrpc_rp.h));
	long rc = uk_ipc_call(h, h->size, &fsrpc_rp.h, sizeof(fsrpc_rp),
			      CALL_TIMEOUT_NS);
	if (rc < 0)
		return rc;
	if (fsrpc_rp.h.id != id ||
	    uk_msg_body_len(&fsrpc_rp.h) < sizeof(struct uk_rpc_status)) {
		release_reply();
		return -ERR_BAD_IMAGE; /* not an answer to what we asked */
	}
	const struct uk_rpc_status *st = uk_msg_body(&fsrpc_rp.h);
	if (st->status < 0)
		release_reply();
	return st->status;
}

const void *fsrpc_reply_body(uint32_t *len)
{
	const struct uk_rpc_status *st = uk_msg_body(&fsrpc_rp.h);

	*len = uk_msg_body_len(&fsrpc_rp.h) - (uint32_t)sizeof(*st);
	return st + 1;
}

static void *start(uint32_t id, unsigned n_ports, unsigned n_ool)
{
	memset(&fsrpc_rq.h, 0, sizeof(fsrpc_rq.h));
	fsrpc_rq.h.id = id;
	fsrpc_rq.h.n_ports = (uint16_t)n_ports;
	fsrpc_rq.h.n_ool = (uint16_t)n_ool;
	return uk_msg_body(&fsrpc_rq.h);
}

static long path_call(uint32_t id, const char *path, const char *new_path,
		      uint32_t flags, uint32_t mode)
{
	struct uk_fs_path_req *rq = start(id, 0, 0);
	size_t pl = strlen(path), nl = new_path ? strlen(new_path) : 0;

	if (pl + nl > UK_MSG_INLINE_MAX - sizeof(*rq))
		return -ERR_TOO_BIG;
	memset(rq, 0, sizeof(*rq));
	rq->flags = flags;
	rq->mode = mode;
	rq->path_len = (uint16_t)pl;
	rq->new_len = (uint16_t)nl;
	memcpy(rq + 1, path, pl);
	if (nl)
		memcpy((char *)(rq + 1) + pl, new_path, nl);
	return fsrpc_send(fsrpc_service, (uint32_t)(sizeof(*rq) + pl + nl));
}

long fs_path_op(uint32_t id, const char *path, uint32_t flags, uint32_t mode)
{
	long rc = path_call(id, path, NULL, flags, mode);

	if (rc == 0)
		release_reply();
	return rc;
}

long fs_open(const char *path, uint32_t flags, uk_name_t *port,
	     struct uk_stat *st)
{
	uint32_t len;
	long rc = path_call(FS_OPEN, path, NULL, flags, 0644);

	*port = 0;
	if (rc < 0)
		return rc;
	const struct uk_fs_open_reply *r = fsrpc_reply_body(&len);
	if (fsrpc_rp.h.n_ports != 1 || len < sizeof(*r) ||
	    !(uk_msg_ports(&fsrpc_rp.h)[0].disposition & UK_RIGHT_SEND)) {
		release_reply();
		return -ERR_BAD_IMAGE;
	}
	if (st)
		*st = r->st;
	*port = uk_msg_ports(&fsrpc_rp.h)[0].name;
	fsrpc_rp.h.n_ports = 0; /* ours now */
	release_reply();
	return 0;
}

long fs_stat(const char *path, struct uk_stat *st)
{
	uint32_t len;
	long rc = path_call(FS_STAT, path, NULL, 0, 0);

	if (rc < 0)
		return rc;
	const struct uk_stat *r = fsrpc_reply_body(&len);
	rc = len >= sizeof(*r) ? 0 : -ERR_BAD_IMAGE;
	if (rc == 0)
		*st = *r;
	release_reply();
	return rc;
}

long fs_unlink(const char *path)
{
	return fs_path_op(FS_UNLINK, path, 0, 0);
}

long fs_mkdir(const char *path)
{
	return fs_path_op(FS_MKDIR, path, 0, 0755);
}

long fs_rmdir(const char *path)
{
	return fs_path_op(FS_RMDIR, path, 0, 0);
}

long fs_rename(const char *from, const char *to)
{
	long rc = path_call(FS_RENAME, from, to, 0, 0);

	if (rc == 0)
		release_reply();
	return rc;
}

long fs_sync(void)
{
	start(FS_SYNC, 0, 0);
	long rc = fsrpc_send(fsrpc_service, 0);
	if (rc == 0)
		release_reply();
	return rc;
}

long fs_statfs(struct uk_statfs *out)
{
	uint32_t len;

	start(FS_STATFS, 0, 0);
	long rc = fsrpc_send(fsrpc_service, 0);
	if (rc < 0)
		return rc;
	const struct uk_statfs *r = fsrpc_reply_body(&len);
	rc = len >= sizeof(*r) ? 0 : -ERR_BAD_IMAGE;
	if (rc == 0)
		*out = *r;
	release_reply();
	return rc;
}

static long io_call(uk_name_t port, uint32_t id, uint64_t off, uint32_t len)
{
	struct uk_file_io_req *rq = start(id, 0, 0);

	rq->offset = off;
	rq->len = len;
	rq->reserved = 0;
	return fsrpc_send(port, sizeof(*rq));
}

long file_read(uk_name_t port, uint64_t off, void *buf, uint32_t len)
{
	uint32_t blen;
	long rc = io_call(port, FILE_READ, off, len);

	if (rc < 0)
		return rc;
	const struct uk_file_io_reply *r = fsrpc_reply_body(&blen);
	rc = -ERR_BAD_IMAGE;
	if (blen >= sizeof(*r) && r->len <= len) {
		if (fsrpc_rp.h.n_ool == 1) {
			const struct uk_msg_ool *o =
			    &uk_msg_ools(&fsrpc_rp.h)[0];
			if (o->address && o->size >= r->len) {
				memcpy(buf, (const void *)o->address, r->len);
				rc = r->len;
			}
		} else if (blen - sizeof(*r) >= r->len) {
			memcpy(buf, r + 1, r->len);
			rc = r->len;
		}
	}
	release_reply();
	return rc;
}

long file_write(uk_name_t port, uint64_t off, const void *buf, uint32_t len)
{
	bool ool = len > UK_RPC_INLINE_DATA;
	struct uk_file_io_req *rq = start(FILE_WRITE, 0, ool ? 1 : 0);
	uint32_t blen;

	rq->offset = off;
	rq->len = len;
	rq->reserved = 0;
	if (ool)
		uk_msg_ools(&fsrpc_rq.h)[0] = (struct uk_msg_ool){
		    (uint64_t)(uintptr_t)buf, len, UK_OOL_COPY, 0};
	else
		memcpy(rq + 1, buf, len);
	long rc = fsrpc_send(port, (uint32_t)sizeof(*rq) + (ool ? 0 : len));
	if (rc < 0)
		return rc;
	const struct uk_file_io_reply *r = fsrpc_reply_body(&blen);
	rc = blen >= sizeof(*r) ? (long)r->len : -ERR_BAD_IMAGE;
	release_reply();
	return rc;
}

long file_stat(uk_name_t port, struct uk_stat *st)
{
	uint32_t len;

	start(FILE_STAT, 0, 0);
	long rc = fsrpc_send(port, 0);
	if (rc < 0)
		return rc;
	const struct uk_stat *r = fsrpc_reply_body(&len);
	rc = len >= sizeof(*r) ? 0 : -ERR_BAD_IMAGE;
	if (rc == 0)
		*st = *r;
	release_reply();
	return rc;
}

long file_truncate(uk_name_t port, uint64_t size)
{
	long rc = io_call(port, FILE_TRUNCATE, size, 0);

	if (rc == 0)
		release_reply();
	return rc;
}

long file_readdir(uk_name_t port, uint64_t cookie, void *buf, uint32_t len,
		  uint64_t *next)
{
	uint32_t blen;
	long rc = io_call(port, FILE_READDIR, cookie, len);

	if (rc < 0)
		return rc;
	const struct uk_file_io_reply *r = fsrpc_reply_body(&blen);
	rc = -ERR_BAD_IMAGE;
	if (blen >= sizeof(*r) && r->len <= len &&
	    blen - sizeof(*r) >= r->len) {
		memcpy(buf, r + 1, r->len);
		*next = r->next;
		rc = r->len;
	}
	release_reply();
	return rc;
}

long file_fsync(uk_name_t port)
{
	start(FILE_FSYNC, 0, 0);
	long rc = fsrpc_send(port, 0);
	if (rc == 0)
		release_reply();
	return rc;
}

long file_close(uk_name_t port)
{
	start(FILE_CLOSE, 0, 0);
	long rc = fsrpc_send(port, 0);
	if (rc == 0)
		release_reply();
	uk_port_deallocate(port);
	return rc;
}
