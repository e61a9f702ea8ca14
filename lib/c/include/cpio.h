/* SPDX-License-Identifier: MIT */
/*
 * Reader for cpio "newc" archives (the boot archive format). Pure and
 * bounds-checked: every field is validated against the archive length, so a
 * truncated or hostile archive yields an error, never an out-of-bounds read.
 */
#ifndef UK_LIBC_CPIO_H
#define UK_LIBC_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_NAME_MAX 256

struct cpio_entry {
	const char *name;  /* NUL-terminated, inside the archive */
	const void *data;  /* file contents, inside the archive */
	uint64_t size;	   /* bytes at data */
	uint32_t mode;	   /* st_mode bits */
};

/* Errors returned (negated) by the reader. */
enum cpio_status {
	CPIO_END = 0,	    /* trailer reached */
	CPIO_ENTRY = 1,	    /* *entry filled */
	CPIO_ERR_MAGIC = -1,	/* header magic is not "070701" */
	CPIO_ERR_TRUNCATED = -2, /* header, name or data runs past the end */
	CPIO_ERR_FORMAT = -3,	/* non-hex field or bad name */
};

#define CPIO_MODE_TYPE 0170000u
#define CPIO_MODE_REGULAR 0100000u
#define CPIO_MODE_DIR 0040000u

/*
 * Read the entry at *offset and advance *offset past it. Returns
 * CPIO_ENTRY, CPIO_END at the "TRAILER!!!" entry, or a negative status.
 */
int cpio_next(const void *archive, size_t len, size_t *offset,
	      struct cpio_entry *entry);

/* Find a regular file by exact name (a leading "./" or "/" is ignored on
 * both sides). Returns CPIO_ENTRY, CPIO_END if absent, or an error. */
int cpio_find(const void *archive, size_t len, const char *name,
	      struct cpio_entry *entry);

/* The first regular file in the archive (init). */
int cpio_first_file(const void *archive, size_t len, struct cpio_entry *entry);

#endif
