/* SPDX-License-Identifier: MIT */
/*
 * The file server as the pager of mapped files (docs/MEMORY.md, "Mapped
 * files"): decoding the kernel's pager messages (uk/ipc.h, "Pagers" and
 * "Page-out") and the arithmetic of what to supply for a fault and what
 * to write back from a return. Pure functions over a received message and
 * a few numbers, so the host tests (unit.fs.pager) call them directly;
 * main.c reads, writes and answers.
 *
 * The rules they encode: a fault reads the file from the faulting page on,
 * up to the read-ahead, the window's end and the end of the file's last
 * page (the bytes past the end of the file are zeros); a page wholly past
 * the end of the file is refused with ERR_NOT_FOUND: there is no such page
 * (POSIX's SIGBUS; not ERR_FAULT, which the kernel reports as a plain
 * fault, code -1, so the mapper's exit code could not tell); a file
 * not opened for reading is never paged in, and one opened read-only or
 * for appending never takes a write fault (ERR_PERMISSION). A return is
 * written at its offset, clipped to the file's size: a mapping never
 * extends a file.
 */
#ifndef FS_PAGER_H
#define FS_PAGER_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/ipc.h>

#define FS_PAGER_PAGE 4096u
/* Bytes supplied per fault at most: the faulting page and what follows. */
#define FS_PAGER_READAHEAD (64u << 10)
/* pager_supply takes at most 1 MiB per call (uk/syscalls.def). */
#define FS_PAGER_SUPPLY_MAX (1u << 20)

/* A fault: struct uk_pager_request, checked. */
struct fs_pager_fault {
	uint64_t object, offset; /* the window's id; the faulting page */
	uint64_t window_offset, window_size;
	uint32_t length;
	bool write;
};

/* A return: struct uk_pager_return, checked. lost: the kernel could not
 * move the bytes into our address space (our quota); data is then NULL
 * and the pages are gone. */
struct fs_pager_page_out {
	uint64_t object, offset;
	uint32_t length;
	const uint8_t *data;
	bool lost;
};

/* What to supply for a fault: size bytes from offset (whole pages), of
 * which the first file_bytes come from the file and the rest are zeros. */
struct fs_pager_range {
	uint64_t offset, size, file_bytes;
};

/* A kernel message (UK_MSG_KERNEL) with the pager ids, the size of their
 * structs and no rights, a page-aligned offset and length, a length of at
 * most 1 MiB; else -ERR_INVALID. */
int fs_pager_decode_request(const struct uk_msg_header *h,
			    struct fs_pager_fault *out);
int fs_pager_decode_return(const struct uk_msg_header *h,
			   struct fs_pager_page_out *out);

/* 0, or -ERR_PERMISSION: a file opened with open_flags (UK_O_*) is paged
 * in only when opened for reading, and takes a write fault only when
 * opened for writing without UK_O_APPEND. */
int fs_pager_fault_allowed(uint32_t open_flags, bool write);
/* Whether a return may be written into a file opened with open_flags. */
bool fs_pager_return_allowed(uint32_t open_flags);

/* The range to supply for fault f on a file of file_size bytes, reading
 * ahead at most readahead bytes (at least one page is supplied). 0;
 * -ERR_NOT_FOUND for a page wholly past the end of the file; -ERR_INVALID for
 * an offset outside the window. */
int fs_pager_supply_range(const struct fs_pager_fault *f, uint64_t file_size,
			  uint64_t readahead, struct fs_pager_range *out);
/* Bytes of a return of length bytes at offset that lie inside a file of
 * file_size bytes. */
uint64_t fs_pager_write_bytes(uint64_t offset, uint64_t length,
			      uint64_t file_size);

#endif
