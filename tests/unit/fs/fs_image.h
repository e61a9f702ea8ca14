/* SPDX-License-Identifier: MIT */
/*
 * Test images for the ext2 tests: made by the real mke2fs at test time,
 * judged by the real e2fsck and debugfs, and served to ext2.c through
 * callbacks over the image file (or over a copy in memory, for the fuzz
 * loop), with counters and fault injection.
 */
#ifndef TEST_FS_IMAGE_H
#define TEST_FS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../servers/fs/ext2.h"

struct img {
	char path[256];
	int fd;	      /* file-backed when >= 0 */
	uint8_t *mem; /* memory-backed otherwise */
	uint64_t size;
	uint64_t reads, writes, flushes;
	long fail_writes_after; /* < 0: never; else writes allowed before ERR_IO
				 */
	long fail_reads_after;
	uint32_t now;
};

/* mke2fs -q -F -t ext2 -b BLOCK_SIZE OPTIONS IMG SIZE_KIB; asserts it worked.
 */
void img_make(struct img *im, uint32_t block_size, uint32_t size_kib,
	      const char *options);
void img_remove(struct img *im);
/* A memory copy of im (for fast fuzzing). */
void img_to_memory(const struct img *im, struct img *copy);
void img_free_memory(struct img *im);

extern const struct ext2_dev_ops img_ops;
struct ext2_fs *img_mount(struct img *im);
int img_try_mount(struct img *im, struct ext2_fs **fs, bool read_only,
		  uint32_t cache_blocks);

/* e2fsck -fn: its exit status, or 100 when it exited 0 but still reported
 * something; the output is printed when the result is not 0. */
int img_fsck(const struct img *im);
/* debugfs -R "cat PATH": malloc'd contents and length. */
uint8_t *img_debugfs_cat(const struct img *im, const char *path, size_t *len);
/* debugfs -w -R CMD; returns its exit status. */
int img_debugfs_write(const struct img *im, const char *cmd);
/* Runs a shell command with %s replaced by the image path. */
int img_shell(const struct img *im, const char *fmt);

/* Raw access to the image for corrupting it. */
void img_pread(const struct img *im, uint64_t off, void *buf, size_t len);
void img_pwrite(struct img *im, uint64_t off, const void *buf, size_t len);
uint32_t img_block_size(const struct img *im);
uint64_t img_inode_offset(const struct img *im, uint32_t ino);
uint64_t img_group_desc_offset(const struct img *im, uint32_t group);
/* Inode field helpers. */
uint32_t img_inode_block(const struct img *im, uint32_t ino, unsigned idx);
void img_set_inode_block(struct img *im, uint32_t ino, unsigned idx,
			 uint32_t block);

/* Shorthands over ext2.h with NUL-terminated paths. */
int t_open(struct ext2_fs *fs, const char *path, uint32_t flags,
	   struct ext2_file **f);
int t_stat(struct ext2_fs *fs, const char *path, struct uk_stat *st);
int t_unlink(struct ext2_fs *fs, const char *path);
int t_mkdir(struct ext2_fs *fs, const char *path);
int t_rmdir(struct ext2_fs *fs, const char *path);
int t_rename(struct ext2_fs *fs, const char *from, const char *to);
/* Creates path with contents (O_CREAT|O_TRUNC), asserting success. */
void t_put(struct ext2_fs *fs, const char *path, const void *data, size_t len);
/* Reads a whole file (asserting success); malloc'd. */
uint8_t *t_get(struct ext2_fs *fs, const char *path, size_t *len);
void fill_pattern(uint8_t *buf, size_t len, uint64_t offset, uint32_t seed);

#endif
