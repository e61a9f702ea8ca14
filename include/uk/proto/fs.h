/* SPDX-License-Identifier: MIT */
/*
 * The file server, registered as "fs" (the root file system).
 *
 * Two kinds of port: the service port (path operations) and one port per
 * open file, which FS_OPEN hands to the client as a send right. File
 * operations go to the open-file port; when the client closes it
 * (FILE_CLOSE) or drops its last send right (a no-senders notification,
 * also when the client dies) the file is closed. Reads and writes carry
 * their offset (like pread/pwrite), so the server holds no per-client
 * position and a proxy can forward them unchanged.
 *
 * Paths are absolute, '/'-separated, at most UK_FS_PATH_MAX bytes, sent
 * after the request struct (path_len bytes, no NUL needed). Errors are
 * ERR_* (uk/errors.def): ERR_NOT_FOUND, ERR_EXISTS, ERR_NOT_DIR,
 * ERR_IS_DIR, ERR_NOT_EMPTY, ERR_NO_SPACE, ERR_NAME_TOO_LONG, ERR_IO,
 * ERR_CORRUPT (metadata failed a check; the file system stays usable for
 * what is intact), ERR_INVALID.
 */
#ifndef UK_PROTO_FS_H
#define UK_PROTO_FS_H

#include <uk/proto/rpc.h>

#define UK_FS_PATH_MAX 1024u
#define UK_FS_NAME_MAX 255u

enum uk_fs_op {
	/* Service port. */
	FS_OPEN = UK_PROTO_FS + 1,   /* uk_fs_path_req; reply uk_fs_open_reply + port[0] */
	FS_STAT = UK_PROTO_FS + 2,   /* uk_fs_path_req; reply struct uk_stat */
	FS_UNLINK = UK_PROTO_FS + 3, /* uk_fs_path_req */
	FS_MKDIR = UK_PROTO_FS + 4,  /* uk_fs_path_req (mode) */
	FS_RMDIR = UK_PROTO_FS + 5,  /* uk_fs_path_req */
	/* uk_fs_path_req with path_len = old path, then new_len bytes of the
	 * new path right after it. Replaces an existing file (not a
	 * non-empty directory). */
	FS_RENAME = UK_PROTO_FS + 6,
	FS_SYNC = UK_PROTO_FS + 7,   /* write back every dirty block, flush */
	FS_STATFS = UK_PROTO_FS + 8, /* reply struct uk_statfs */

	/* Open-file port. */
	FILE_READ = UK_PROTO_FILE + 1,	   /* uk_file_io_req; reply uk_file_io_reply + data */
	FILE_WRITE = UK_PROTO_FILE + 2,	   /* uk_file_io_req + data; reply uk_file_io_reply */
	FILE_STAT = UK_PROTO_FILE + 3,	   /* reply struct uk_stat */
	FILE_TRUNCATE = UK_PROTO_FILE + 4, /* uk_file_io_req (offset = new size) */
	FILE_READDIR = UK_PROTO_FILE + 5,  /* uk_file_io_req (offset = cookie); reply uk_file_io_reply + dirents */
	FILE_FSYNC = UK_PROTO_FILE + 6,
	FILE_CLOSE = UK_PROTO_FILE + 7,
};

/* FS_OPEN flags (values as Linux's, for familiarity). */
#define UK_O_RDONLY 0x0000u
#define UK_O_WRONLY 0x0001u
#define UK_O_RDWR 0x0002u
#define UK_O_ACCMODE 0x0003u
#define UK_O_CREAT 0x0040u
#define UK_O_EXCL 0x0080u
#define UK_O_TRUNC 0x0200u
#define UK_O_APPEND 0x0400u
#define UK_O_DIRECTORY 0x10000u

struct uk_fs_path_req {
	uint32_t flags;	   /* FS_OPEN: UK_O_* */
	uint32_t mode;	   /* permission bits for CREAT and MKDIR */
	uint16_t path_len; /* bytes of path after this struct */
	uint16_t new_len;  /* FS_RENAME: bytes of the new path after it */
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_fs_path_req) == 16, "uk_fs_path_req layout");

/* File types in uk_stat.mode (as POSIX S_IF*). */
#define UK_S_IFMT 0170000u
#define UK_S_IFREG 0100000u
#define UK_S_IFDIR 0040000u
#define UK_S_IFLNK 0120000u

struct uk_stat {
	uint64_t ino;
	uint64_t size;
	uint32_t mode; /* type and permission bits */
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t atime, mtime, ctime; /* seconds */
	uint64_t blocks;	      /* 512-byte units */
	uint32_t blksize;
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_stat) == 72, "uk_stat layout");

struct uk_fs_open_reply {
	struct uk_stat st;
};

struct uk_statfs {
	uint64_t block_size, blocks, blocks_free, inodes, inodes_free;
	uint64_t cache_hits, cache_misses, dirty_blocks;
	/* The server as the pager of mapped files (docs/MEMORY.md, "Mapped
	 * files"), since it started. */
	uint64_t pager_requests;      /* faults it was asked about */
	uint64_t pager_pages_in;      /* pages supplied, read-ahead included */
	uint64_t pager_refused;	      /* faults refused (pager_error) */
	uint64_t pager_returns;	      /* page-out messages */
	uint64_t pager_pages_out;     /* pages written into their file */
	uint64_t pager_pages_dropped; /* returned for a file not open for writing */
	uint64_t pager_pages_lost;    /* returned but never written (no room, I/O) */
	uint64_t pager_bad;	      /* kernel messages it could not use */
};
_Static_assert(sizeof(struct uk_statfs) == 128, "uk_statfs layout");

/* FILE_READ: len bytes at offset; reply data inline if it fits in
 * UK_RPC_INLINE_DATA, else one out-of-line region the client frees.
 * FILE_WRITE: data inline or one out-of-line region of len bytes;
 * UK_O_APPEND files write at their end whatever offset says. */
#define UK_FILE_IO_MAX (16u << 20)
struct uk_file_io_req {
	uint64_t offset;
	uint32_t len;
	uint32_t reserved;
};
struct uk_file_io_reply {
	uint32_t len;	   /* bytes read or written, or dirent bytes */
	uint32_t reserved;
	uint64_t next;	   /* FILE_READDIR: cookie of the next call, 0 at end */
};

/* FILE_READDIR packs records: */
struct uk_dirent {
	uint64_t ino;
	uint16_t reclen;  /* bytes of this record, 8-aligned */
	uint8_t type;	  /* UK_DT_* */
	uint8_t name_len;
	uint32_t reserved;
	char name[];	  /* at offset 16: name_len bytes then a NUL */
};
_Static_assert(sizeof(struct uk_dirent) == 16, "uk_dirent layout");
#define UK_DT_UNKNOWN 0
#define UK_DT_REG 1
#define UK_DT_DIR 2
#define UK_DT_LNK 7

#endif
