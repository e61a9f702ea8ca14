/* SPDX-License-Identifier: MIT */
/*
 * An ext2 file system over a block device reached through callbacks:
 * revision 0 and 1, 1, 2 and 4 KiB blocks, the FILETYPE incompatible
 * feature (any other is refused: ERR_UNSUPPORTED) and the sparse_super and
 * large_file read-only-compatible ones (any other makes the mount
 * read-only). Paths are absolute, with an explicit length (no NUL needed,
 * a NUL inside is ERR_INVALID).
 *
 * Everything read from the disk is checked before it is used (block and
 * inode numbers in range and not file-system metadata, directory record
 * lengths, sizes, indirect blocks that point back at their ancestors);
 * what fails a check is ERR_CORRUPT for that operation, and the rest of
 * the file system stays usable. Free counts, bitmaps, i_blocks and link
 * counts are kept exact, so `e2fsck -fn` finds the image clean after
 * ext2_sync() or ext2_unmount().
 *
 * Every function returns 0 (or a count) or a negative ERR_* of
 * uk/errors.def. One caller at a time: no locking.
 *
 * Portable C: compiled freestanding in the file server and on the host
 * for the unit tests.
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uk/proto/fs.h>

struct ext2_dev_ops {
	/* Byte offsets and lengths are multiples of 512. */
	int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t offset, const void *buf, size_t len);
	int (*flush)(void *ctx);    /* may be NULL */
	uint32_t (*now)(void *ctx); /* seconds since 1970; may be NULL */
	void (*log)(void *ctx, const char *msg); /* may be NULL */
};

struct ext2_mount_opts {
	uint64_t device_bytes; /* 0: unknown (not checked) */
	uint32_t cache_blocks; /* buffers; 0: cache_bytes worth */
	uint32_t cache_bytes;  /* 0: 1 MiB */
	bool read_only;
};

struct ext2_fs;
struct ext2_file;

/* Statistics beyond struct uk_statfs, for tests and the server's log. */
struct ext2_counters {
	uint64_t corrupt;      /* operations that met ERR_CORRUPT */
	uint64_t direct_reads; /* device reads that bypassed the cache */
	uint64_t direct_writes;
	uint64_t orphans_freed; /* unlinked while open, freed at close */
};

int ext2_mount(const struct ext2_dev_ops *ops, void *ctx,
	       const struct ext2_mount_opts *opts, struct ext2_fs **out);
/* Closes every file still open, writes everything back and frees fs (also
 * when the write-back fails, whose error it returns). */
int ext2_unmount(struct ext2_fs *fs);
int ext2_sync(struct ext2_fs *fs);
int ext2_statfs(struct ext2_fs *fs, struct uk_statfs *out);
void ext2_counters(const struct ext2_fs *fs, struct ext2_counters *out);
bool ext2_read_only(const struct ext2_fs *fs);
/* Geometry for the server's start line. */
uint32_t ext2_block_size(const struct ext2_fs *fs);
uint32_t ext2_blocks(const struct ext2_fs *fs);
/* Whether ext2_sync has anything to write. */
bool ext2_dirty(const struct ext2_fs *fs);
/* The latest time the superblock records (last write, mount or mkfs), for
 * a server without a clock to date its changes from. */
uint32_t ext2_last_time(const struct ext2_fs *fs);

/* Path operations. flags are UK_O_*; mode the permission bits. */
int ext2_open(struct ext2_fs *fs, const char *path, size_t len, uint32_t flags,
	      uint32_t mode, struct ext2_file **out);
int ext2_stat(struct ext2_fs *fs, const char *path, size_t len,
	      struct uk_stat *st);
int ext2_unlink(struct ext2_fs *fs, const char *path, size_t len);
int ext2_mkdir(struct ext2_fs *fs, const char *path, size_t len, uint32_t mode);
int ext2_rmdir(struct ext2_fs *fs, const char *path, size_t len);
int ext2_rename(struct ext2_fs *fs, const char *from, size_t from_len,
		const char *to, size_t to_len);

/* Open files. A file unlinked while open lives until its last close. */
int ext2_close(struct ext2_file *f);
/* Bytes read (0 at or past the end) or -ERR. */
long ext2_read(struct ext2_file *f, uint64_t offset, void *buf, size_t len);
/* Bytes written (fewer than len only when the disk filled up) or -ERR.
 * UK_O_APPEND files write at their end whatever offset says. */
long ext2_write(struct ext2_file *f, uint64_t offset, const void *buf,
		size_t len);
int ext2_truncate(struct ext2_file *f, uint64_t size);
int ext2_fstat(struct ext2_file *f, struct uk_stat *st);
/* Packs struct uk_dirent records for the entries from cookie on (0: the
 * start) into buf; *next is the cookie to continue with, 0 at the end.
 * Returns the bytes used; ERR_INVALID if len cannot hold one record. */
long ext2_readdir(struct ext2_file *f, uint64_t cookie, void *buf, size_t len,
		  uint64_t *next);
int ext2_fsync(struct ext2_file *f);
uint32_t ext2_file_flags(const struct ext2_file *f);

#endif
