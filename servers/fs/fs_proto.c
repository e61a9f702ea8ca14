/* SPDX-License-Identifier: MIT */
/* Request decoding (fs_proto.h). */
#include <string.h>
#include <uk/errors.h>

#include "fs_proto.h"

bool fs_is_service_op(uint32_t id)
{
	return id >= FS_OPEN && id <= FS_STATFS;
}

bool fs_is_file_op(uint32_t id)
{
	return id >= FILE_READ && id <= FILE_CLOSE;
}

int fs_decode_plain(const struct uk_msg_header *h)
{
	return h->n_ports || h->n_ool ? -ERR_INVALID : 0;
}

int fs_decode_path(const struct uk_msg_header *h, struct fs_path_args *a)
{
	struct uk_fs_path_req rq;
	uint32_t body = uk_msg_body_len(h);

	memset(a, 0, sizeof(*a));
	if (h->n_ports || h->n_ool || body < sizeof(rq))
		return -ERR_INVALID;
	memcpy(&rq, uk_msg_body(h), sizeof(rq));
	if (rq.path_len > UK_FS_PATH_MAX || rq.new_len > UK_FS_PATH_MAX)
		return -ERR_NAME_TOO_LONG;
	uint32_t need = (uint32_t)sizeof(rq) + rq.path_len;
	if (h->id == FS_RENAME)
		need += rq.new_len;
	else if (rq.new_len)
		return -ERR_INVALID;
	if (rq.path_len == 0 || (h->id == FS_RENAME && rq.new_len == 0) ||
	    body < need)
		return -ERR_INVALID;
	a->flags = rq.flags;
	a->mode = rq.mode;
	a->path = (const char *)uk_msg_body(h) + sizeof(rq);
	a->path_len = rq.path_len;
	if (h->id == FS_RENAME) {
		a->new_path = a->path + rq.path_len;
		a->new_len = rq.new_len;
	}
	/* No NUL inside: whatever looks at the path later may stop there. */
	if (memchr(a->path, '\0', a->path_len) ||
	    (a->new_len && memchr(a->new_path, '\0', a->new_len)))
		return -ERR_INVALID;
	return 0;
}

int fs_decode_io(const struct uk_msg_header *h, struct fs_io_args *a)
{
	struct uk_file_io_req rq;
	uint32_t body = uk_msg_body_len(h);

	memset(a, 0, sizeof(*a));
	if (h->n_ports || body < sizeof(rq))
		return -ERR_INVALID;
	memcpy(&rq, uk_msg_body(h), sizeof(rq));
	a->offset = rq.offset;
	a->len = rq.len;
	if (h->id != FILE_WRITE)
		return h->n_ool ||
			       (h->id == FILE_READ && rq.len > UK_FILE_IO_MAX)
			   ? -ERR_INVALID
			   : 0;
	if (rq.len > UK_FILE_IO_MAX || h->n_ool > 1)
		return -ERR_INVALID;
	if (h->n_ool == 0) {
		if (body - sizeof(rq) != rq.len)
			return -ERR_INVALID;
		a->data = (const uint8_t *)uk_msg_body(h) + sizeof(rq);
		return 0;
	}
	const struct uk_msg_ool *o = &uk_msg_ools(h)[0];
	if (body != sizeof(rq))
		return -ERR_INVALID;
	/* The kernel says address 0 and size 0 when it found no room. */
	if (!o->address && rq.len)
		return -ERR_NO_MEMORY;
	if (o->size < rq.len)
		return -ERR_INVALID;
	a->data = (const uint8_t *)(uintptr_t)o->address;
	return 0;
}
