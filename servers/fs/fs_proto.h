/* SPDX-License-Identifier: MIT */
/*
 * Decoding of file-server requests (uk/proto/fs.h): every length and
 * count in a message is checked against what actually arrived before the
 * server acts on it (the decode half of decode-then-invoke). Pure
 * functions over a received message, so the host tests feed them
 * malformed messages directly.
 */
#ifndef FS_PROTO_H
#define FS_PROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/proto/fs.h>

struct fs_path_args {
	uint32_t flags, mode;
	const char *path;
	uint32_t path_len;
	const char *new_path; /* FS_RENAME */
	uint32_t new_len;
};

struct fs_io_args {
	uint64_t offset;
	uint32_t len;
	const uint8_t
	    *data; /* FILE_WRITE: inline bytes or the received region */
};

/* Largest FILE_READDIR answer: it travels inline. */
#define FS_READDIR_MAX UK_RPC_INLINE_DATA

/* FS_OPEN, FS_STAT, FS_UNLINK, FS_MKDIR, FS_RMDIR, FS_RENAME. 0,
 * -ERR_INVALID (lengths that disagree with the message, rights or memory
 * where none belong) or -ERR_NAME_TOO_LONG (a path over UK_FS_PATH_MAX). */
int fs_decode_path(const struct uk_msg_header *h, struct fs_path_args *a);
/* FILE_READ, FILE_WRITE, FILE_TRUNCATE, FILE_READDIR. For FILE_WRITE the
 * data is inline or one out-of-line region; a region the kernel could not
 * map (address 0) is -ERR_NO_MEMORY. */
int fs_decode_io(const struct uk_msg_header *h, struct fs_io_args *a);
/* Operations without arguments: no rights or memory may come with them. */
int fs_decode_plain(const struct uk_msg_header *h);
/* Which port an operation belongs to. */
bool fs_is_service_op(uint32_t id);
bool fs_is_file_op(uint32_t id);

#endif
