/* SPDX-License-Identifier: MIT */
/*
 * Block protocol client calls for blktest (blkclient.h).
 */
#include <string.h>
#include <ulib.h>
#include "blkclient.h"

void *blkc_begin(union blk_msgbuf *mb, uk_name_t port, uint32_t id,
		 uint32_t body_len)
{
	memset(&mb->h, 0, sizeof(mb->h));
	mb->h.id = id;
	mb->h.dest = port;
	mb->h.size = (uint32_t)sizeof(mb->h) + body_len;
	return uk_msg_body(&mb->h);
}

/* Call and check the reply's shape; *replied says whether mb now holds a
 * reply (whose out-of-line memory is ours) or still the request. */
static long call_keep(union blk_msgbuf *mb, uint32_t id, bool *replied)
{
	long rc = uk_ipc_call(&mb->h, mb->h.size, &mb->h, sizeof(*mb),
			      UK_TIMEOUT_INFINITE);

	*replied = rc >= 0;
	if (rc < 0)
		return rc;
	if (mb->h.id != id ||
	    uk_msg_body_len(&mb->h) < sizeof(struct uk_rpc_status))
		return -ERR_CORRUPT;
	return ((const struct uk_rpc_status *)uk_msg_body(&mb->h))->status;
}

static void free_ool(union blk_msgbuf *mb)
{
	for (unsigned i = 0; i < mb->h.n_ool; i++) {
		struct uk_msg_ool *o = &uk_msg_ools(&mb->h)[i];
		if (o->address && o->size)
			uk_vm_free(o->address, o->size);
		o->address = 0;
	}
}

long blkc_call(union blk_msgbuf *mb)
{
	bool replied;
	long rc = call_keep(mb, mb->h.id, &replied);

	if (replied)
		free_ool(mb);
	return rc;
}

const void *blkc_reply_body(const union blk_msgbuf *mb, uint32_t *len)
{
	uint32_t body = uk_msg_body_len(&mb->h);

	*len = body - (uint32_t)sizeof(struct uk_rpc_status);
	return (const uint8_t *)uk_msg_body(&mb->h) +
	       sizeof(struct uk_rpc_status);
}

static long simple(uk_name_t port, union blk_msgbuf *mb, uint32_t id, void *out,
		   uint32_t out_len)
{
	uint32_t len;

	blkc_begin(mb, port, id, 0);
	long rc = blkc_call(mb);
	if (rc < 0 || !out)
		return rc;
	const void *b = blkc_reply_body(mb, &len);
	if (len < out_len)
		return -ERR_CORRUPT;
	memcpy(out, b, out_len);
	return 0;
}

long blkc_info(uk_name_t port, union blk_msgbuf *mb, struct uk_blk_info *out)
{
	return simple(port, mb, BLK_INFO, out, sizeof(*out));
}

long blkc_stats(uk_name_t port, union blk_msgbuf *mb, struct uk_blk_stats *out)
{
	return simple(port, mb, BLK_STATS, out, sizeof(*out));
}

long blkc_flush(uk_name_t port, union blk_msgbuf *mb)
{
	return simple(port, mb, BLK_FLUSH, NULL, 0);
}

long blkc_read(uk_name_t port, union blk_msgbuf *mb, uint64_t sector,
	       uint32_t count, void *dst)
{
	uint32_t bytes = count * UK_BLK_SECTOR, len;
	struct uk_blk_req *rq = blkc_begin(mb, port, BLK_READ, sizeof(*rq));

	rq->sector = sector;
	rq->count = count;
	rq->reserved = 0;
	bool replied;
	long rc = call_keep(mb, BLK_READ, &replied);
	if (rc < 0) {
		if (replied)
			free_ool(mb);
		return rc;
	}
	const struct uk_blk_io_reply *io = blkc_reply_body(mb, &len);
	if (len < sizeof(*io) || io->bytes != bytes) {
		free_ool(mb);
		return -ERR_CORRUPT;
	}
	if (mb->h.n_ool == 0) {
		if (len != sizeof(*io) + bytes)
			return -ERR_CORRUPT;
		if (dst)
			memcpy(dst, io + 1, bytes);
		return 0;
	}
	const struct uk_msg_ool *o = uk_msg_ools(&mb->h);
	if (mb->h.n_ool != 1 || !o->address || o->size < bytes) {
		free_ool(mb);
		return -ERR_CORRUPT;
	}
	if (dst)
		memcpy(dst, (const void *)(uintptr_t)o->address, bytes);
	free_ool(mb);
	return 0;
}

long blkc_write(uk_name_t port, union blk_msgbuf *mb, uint64_t sector,
		uint32_t count, const void *src)
{
	uint32_t bytes = count * UK_BLK_SECTOR;
	bool inline_data = bytes <= UK_RPC_INLINE_DATA;
	struct uk_blk_req *rq;

	memset(&mb->h, 0, sizeof(mb->h));
	mb->h.id = BLK_WRITE;
	mb->h.dest = port;
	if (!inline_data) {
		mb->h.n_ool = 1;
		uk_msg_ools(&mb->h)[0] = (struct uk_msg_ool){
		    (uint64_t)(uintptr_t)src, bytes, UK_OOL_COPY, 0};
	}
	rq = uk_msg_body(&mb->h);
	rq->sector = sector;
	rq->count = count;
	rq->reserved = 0;
	if (inline_data)
		memcpy(rq + 1, src, bytes);
	mb->h.size = (uint32_t)((uint8_t *)(rq + 1) - mb->bytes) +
		     (inline_data ? bytes : 0);
	long rc = blkc_call(mb);
	if (rc < 0)
		return rc;
	uint32_t len;
	const struct uk_blk_io_reply *io = blkc_reply_body(mb, &len);
	if (len < sizeof(*io) || io->bytes != bytes)
		return -ERR_CORRUPT;
	return 0;
}
