/* SPDX-License-Identifier: MIT */
/*
 * Request checks of the block driver (blk_decode.h). Message layout per
 * uk/proto/rpc.h: header, descriptors, struct uk_blk_req, inline data.
 */
#include <string.h>
#include <uk/errors.h>
#include "blk_decode.h"

#define PAGE 4096u

/* Sector range and transfer size of a read or write. */
static int check_range(const struct uk_blk_req *rq,
		       const struct blk_limits *lim, struct blk_op *op)
{
	if (rq->count == 0 || rq->count > lim->max_transfer / UK_BLK_SECTOR)
		return -ERR_INVALID;
	if (rq->count > lim->sectors || rq->sector > lim->sectors - rq->count)
		return -ERR_INVALID;
	op->sector = rq->sector;
	op->count = rq->count;
	op->bytes = rq->count * UK_BLK_SECTOR;
	return 0;
}

int blk_decode(const struct uk_msg_header *h, const struct blk_limits *lim,
	       struct blk_op *op)
{
	uint32_t body = uk_msg_body_len(h);
	struct uk_blk_req rq;
	int rc;

	memset(op, 0, sizeof(*op));
	op->id = h->id;
	switch (h->id) {
	case BLK_INFO:
	case BLK_STATS:
	case BLK_FLUSH:
		return h->n_ool ? -ERR_INVALID : 0;
	case BLK_READ:
		if (h->n_ool || body != sizeof(rq))
			return -ERR_INVALID;
		memcpy(&rq, uk_msg_body(h), sizeof(rq));
		return check_range(&rq, lim, op);
	case BLK_WRITE:
		if (body < sizeof(rq))
			return -ERR_INVALID;
		memcpy(&rq, uk_msg_body(h), sizeof(rq));
		if ((rc = check_range(&rq, lim, op)) < 0)
			return rc;
		if (h->n_ool == 0) {
			if (body != sizeof(rq) + op->bytes)
				return -ERR_INVALID;
			op->data = (const uint8_t *)uk_msg_body(h) + sizeof(rq);
		} else {
			/* One region of the data, allowing for the rest of its
			 * last page (a moved region is whole pages). */
			const struct uk_msg_ool *o = uk_msg_ools(h);
			if (h->n_ool != 1 || body != sizeof(rq) ||
			    !o->address || o->size < op->bytes ||
			    o->size - op->bytes >= PAGE)
				return -ERR_INVALID;
			op->data = (const uint8_t *)(uintptr_t)o->address;
			op->ool = true;
		}
		return lim->read_only ? -ERR_PERMISSION : 0;
	default:
		return -ERR_UNSUPPORTED;
	}
}
