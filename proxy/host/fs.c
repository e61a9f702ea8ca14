/* SPDX-License-Identifier: MIT */
/*
 * The file protocol (include/uk/proto/fs.h) through the proxy, as the
 * adapter (lib/posix/file.c) speaks it: FS_OPEN on the service port gives
 * a port per open file; FILE_READ, FILE_READDIR and FILE_CLOSE go to it.
 * A read's data comes inline up to UK_RPC_INLINE_DATA bytes and as one
 * out-of-line region beyond; the node's proxy carries at most
 * PXH_FS_READ_MAX out-of-line bytes per message, so reads are that large
 * at most.
 */
#include <stdlib.h>
#include <string.h>

#include "pxh.h"

/* A request and its reply's status; *r holds the reply when it returns
 * 0 (the caller frees it), nothing otherwise. */
static int rpc(struct pxh_peer *p, pxh_import_t to, uint32_t id,
	       const void *req, uint32_t req_len, const void *extra,
	       uint32_t extra_len, struct pxh_reply *r, const uint8_t **body,
	       uint32_t *body_len)
{
	uint8_t msg[PX_MSG_INLINE_MAX];

	if (req_len + extra_len > sizeof(msg))
		return -ERR_TOO_BIG;
	memcpy(msg, req, req_len);
	if (extra_len)
		memcpy(msg + req_len, extra, extra_len);
	int rc = pxh_call(p, to, id, msg, req_len + extra_len, r);
	if (rc < 0)
		return rc;
	rc = pxh_reply_status(r, id, body, body_len);
	if (rc < 0)
		pxh_reply_free(p, r);
	return rc;
}

static int path_call(struct pxh_peer *p, pxh_import_t fs, uint32_t id,
		     const char *path, uint32_t flags, struct pxh_reply *r,
		     struct uk_stat *st)
{
	size_t n = strlen(path);
	const uint8_t *body;
	uint32_t len;

	if (path[0] != '/')
		return -ERR_INVALID;
	if (n > UK_FS_PATH_MAX)
		return -ERR_NAME_TOO_LONG;
	struct uk_fs_path_req req = {flags, 0, (uint16_t)n, 0, 0};
	int rc = rpc(p, fs, id, &req, sizeof(req), path, (uint32_t)n, r, &body,
		     &len);
	if (rc < 0)
		return rc;
	if (len < sizeof(*st)) {
		pxh_reply_free(p, r);
		return -ERR_INVALID;
	}
	memcpy(st, body, sizeof(*st));
	return 0;
}

int pxh_fs_open(struct pxh_peer *p, pxh_import_t fs, const char *path,
		uint32_t flags, pxh_import_t *file, struct uk_stat *st)
{
	struct pxh_reply *r = malloc(sizeof(*r));
	struct uk_stat s;

	*file = 0;
	if (!r)
		return -ERR_NO_MEMORY;
	int rc = path_call(p, fs, FS_OPEN, path, flags, r, st ? st : &s);
	if (rc == 0) {
		if (r->n_caps < 1 || !r->caps[0])
			rc = -ERR_INVALID;
		else {
			*file = r->caps[0];
			r->caps[0] = 0;
		}
		pxh_reply_free(p, r);
	}
	free(r);
	return rc;
}

int pxh_fs_stat(struct pxh_peer *p, pxh_import_t fs, const char *path,
		struct uk_stat *st)
{
	struct pxh_reply *r = malloc(sizeof(*r));
	if (!r)
		return -ERR_NO_MEMORY;
	int rc = path_call(p, fs, FS_STAT, path, 0, r, st);
	if (rc == 0)
		pxh_reply_free(p, r);
	free(r);
	return rc;
}

long pxh_fs_read(struct pxh_peer *p, pxh_import_t file, uint64_t offset,
		 void *buf, uint32_t len)
{
	struct uk_file_io_req req = {offset, len, 0};
	struct uk_file_io_reply io;
	const uint8_t *body;
	uint32_t body_len;

	if (len > PXH_FS_READ_MAX)
		return -ERR_TOO_BIG;
	struct pxh_reply *r = malloc(sizeof(*r));
	if (!r)
		return -ERR_NO_MEMORY;
	long rc = rpc(p, file, FILE_READ, &req, sizeof(req), NULL, 0, r, &body,
		      &body_len);
	if (rc < 0) {
		free(r);
		return rc;
	}
	if (body_len < sizeof(io)) {
		rc = -ERR_INVALID;
	} else {
		memcpy(&io, body, sizeof(io));
		uint64_t got = io.len < len ? io.len : len;
		if (r->n_ool && r->ool[0]) {
			if (got > r->ool_size[0])
				got = r->ool_size[0];
			memcpy(buf, r->ool[0], got);
		} else {
			if (got > body_len - sizeof(io))
				got = body_len - sizeof(io);
			memcpy(buf, body + sizeof(io), got);
		}
		/* Claimed but never arrived: not the end of the file. */
		rc = got == 0 && io.len > 0 ? -ERR_IO : (long)got;
	}
	pxh_reply_free(p, r);
	free(r);
	return rc;
}

/* One batch of records, checked as the adapter's readdir does. */
static int dirents(const uint8_t *b, uint32_t len,
		   int (*each)(void *, const char *, uint8_t), void *ctx)
{
	char name[UK_FS_NAME_MAX + 1];
	uint32_t pos = 0;

	while (pos + sizeof(struct uk_dirent) <= len) {
		struct uk_dirent e;
		memcpy(&e, b + pos, sizeof(e));
		if (e.reclen < sizeof(e) || e.reclen % 8 ||
		    pos + e.reclen > len ||
		    sizeof(e) + e.name_len + 1u > e.reclen)
			return -ERR_IO;
		memcpy(name, b + pos + sizeof(e), e.name_len);
		name[e.name_len] = '\0';
		int rc = each(ctx, name, e.type);
		if (rc)
			return rc;
		pos += e.reclen;
	}
	return 0;
}

int pxh_fs_readdir(struct pxh_peer *p, pxh_import_t file,
		   int (*each)(void *ctx, const char *name, uint8_t type),
		   void *ctx)
{
	uint64_t cookie = 0;
	int rc = 0;

	struct pxh_reply *r = malloc(sizeof(*r));
	if (!r)
		return -ERR_NO_MEMORY;
	do {
		struct uk_file_io_req req = {cookie, UK_RPC_INLINE_DATA, 0};
		struct uk_file_io_reply io;
		const uint8_t *body;
		uint32_t len;
		rc = rpc(p, file, FILE_READDIR, &req, sizeof(req), NULL, 0, r,
			 &body, &len);
		if (rc < 0)
			break;
		if (len < sizeof(io)) {
			pxh_reply_free(p, r);
			rc = -ERR_INVALID;
			break;
		}
		memcpy(&io, body, sizeof(io));
		uint32_t n = io.len < len - sizeof(io)
				 ? io.len
				 : len - (uint32_t)sizeof(io);
		if (n == 0 && io.next && io.next == cookie)
			rc = -ERR_IO; /* a server that makes no progress */
		else
			rc = dirents(body + sizeof(io), n, each, ctx);
		pxh_reply_free(p, r);
		cookie = io.next;
	} while (rc == 0 && cookie);
	free(r);
	return rc;
}

int pxh_fs_close(struct pxh_peer *p, pxh_import_t file)
{
	struct uk_file_io_req req = {0, 0, 0};
	struct pxh_reply *r = malloc(sizeof(*r));
	int rc = -ERR_NO_MEMORY;

	if (r) {
		rc = rpc(p, file, FILE_CLOSE, &req, sizeof(req), NULL, 0, r,
			 NULL, NULL);
		if (rc == 0)
			pxh_reply_free(p, r);
		free(r);
	}
	pxh_release(p, file);
	/* A server that died closed everything already. */
	return rc == -ERR_DEAD ? 0 : rc;
}
