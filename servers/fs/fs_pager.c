/* SPDX-License-Identifier: MIT */
/* Pager messages and ranges of mapped files (fs_pager.h). */
#include <string.h>
#include <uk/errors.h>
#include <uk/proto/fs.h>
#include <uk/types.h>

#include "fs_pager.h"

#define PAGE_OFFSET_MASK ((uint64_t)FS_PAGER_PAGE - 1)

/* The kernel's own message, or (forwarded) one a proxy brought from a
 * mapper on another node: the same id and body, not UK_MSG_KERNEL. */
static bool pager_message(const struct uk_msg_header *h, uint32_t id,
			  uint32_t size, unsigned n_ool, bool forwarded)
{
	return ((h->flags & UK_MSG_KERNEL) != 0) != forwarded && h->id == id &&
	       h->size >= size && h->n_ports == 0 && h->n_ool == n_ool;
}

static bool kernel_message(const struct uk_msg_header *h, uint32_t id,
			   uint32_t size, unsigned n_ool)
{
	return pager_message(h, id, size, n_ool, false);
}

static bool forwarded_message(const struct uk_msg_header *h, uint32_t id,
			      uint32_t size, unsigned n_ool)
{
	return pager_message(h, id, size, n_ool, true);
}

static bool pages_ok(uint64_t offset, uint32_t length)
{
	return !(offset & PAGE_OFFSET_MASK) && length &&
	       !(length & PAGE_OFFSET_MASK) && length <= FS_PAGER_SUPPLY_MAX;
}

int fs_pager_decode_request(const struct uk_msg_header *h,
			    struct fs_pager_fault *out)
{
	struct uk_pager_request rq;

	memset(out, 0, sizeof(*out));
	if (!kernel_message(h, UK_MSG_ID_PAGER_REQUEST, sizeof(rq), 0) &&
	    !(h->reply && forwarded_message(h, UK_MSG_ID_PAGER_REQUEST,
					    sizeof(rq), 0)))
		return -ERR_INVALID;
	memcpy(&rq, h, sizeof(rq));
	if (!pages_ok(rq.offset, rq.length))
		return -ERR_INVALID;
	out->object = rq.object;
	out->offset = rq.offset;
	out->length = rq.length;
	out->window_offset = rq.window_offset;
	out->window_size = rq.window_size;
	out->write = (rq.access & UK_VM_WRITE) != 0;
	return 0;
}

int fs_pager_decode_return(const struct uk_msg_header *h,
			   struct fs_pager_page_out *out)
{
	struct uk_pager_return rt;

	memset(out, 0, sizeof(*out));
	if (!kernel_message(h, UK_MSG_ID_PAGER_RETURN, sizeof(rt), 1) &&
	    !(!h->reply && forwarded_message(h, UK_MSG_ID_PAGER_RETURN,
					     sizeof(rt), 1)))
		return -ERR_INVALID;
	memcpy(&rt, h, sizeof(rt));
	if (!pages_ok(rt.offset, rt.length))
		return -ERR_INVALID;
	out->object = rt.object;
	out->offset = rt.offset;
	out->length = rt.length;
	/* A region the kernel could not give us arrives shorter or at 0. */
	out->lost = !rt.data.address || rt.data.size != rt.length;
	if (!out->lost)
		out->data = (const uint8_t *)(uintptr_t)rt.data.address;
	return 0;
}

int fs_pager_fault_allowed(uint32_t open_flags, bool write)
{
	uint32_t acc = open_flags & UK_O_ACCMODE;

	if (acc == UK_O_WRONLY)
		return -ERR_PERMISSION; /* paging in reads the file */
	if (write && (acc == UK_O_RDONLY || (open_flags & UK_O_APPEND)))
		return -ERR_PERMISSION;
	return 0;
}

bool fs_pager_return_allowed(uint32_t open_flags)
{
	return (open_flags & UK_O_ACCMODE) != UK_O_RDONLY &&
	       !(open_flags & UK_O_APPEND);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int fs_pager_supply_range(const struct fs_pager_fault *f, uint64_t file_size,
			  uint64_t readahead, struct fs_pager_range *out)
{
	/* Whole pages of the window only; the kernel rounds it up anyway. */
	uint64_t window_pages = f->window_size & ~PAGE_OFFSET_MASK;

	memset(out, 0, sizeof(*out));
	if ((f->offset & PAGE_OFFSET_MASK) || f->offset < f->window_offset ||
	    f->offset - f->window_offset >= window_pages)
		return -ERR_INVALID;
	if (f->offset >= file_size)
		return -ERR_NOT_FOUND;
	uint64_t want = readahead > f->length ? readahead : f->length;
	want = min_u64(want, FS_PAGER_SUPPLY_MAX) & ~PAGE_OFFSET_MASK;
	if (!want)
		want = FS_PAGER_PAGE;
	/* Each bound is measured from offset, so nothing can overflow. */
	uint64_t size =
	    min_u64(want, window_pages - (f->offset - f->window_offset));
	uint64_t in_file = file_size - f->offset;
	uint64_t file_pages =
	    in_file > UINT64_MAX - PAGE_OFFSET_MASK
		? UINT64_MAX & ~PAGE_OFFSET_MASK
		: (in_file + PAGE_OFFSET_MASK) & ~PAGE_OFFSET_MASK;
	size = min_u64(size, file_pages);
	/* A window ends below 2^64 (vm_map_object), so must what we supply. */
	uint64_t room = (UINT64_MAX & ~PAGE_OFFSET_MASK) - f->offset;
	if (!room)
		return -ERR_INVALID;
	size = min_u64(size, room);
	out->offset = f->offset;
	out->size = size;
	out->file_bytes = min_u64(size, in_file);
	return 0;
}

uint64_t fs_pager_write_bytes(uint64_t offset, uint64_t length,
			      uint64_t file_size)
{
	return offset >= file_size ? 0 : min_u64(length, file_size - offset);
}
