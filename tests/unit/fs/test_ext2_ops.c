/* SPDX-License-Identifier: MIT */
/*
 * ext2.c against images made by mke2fs: every operation and its errors,
 * each test ending with e2fsck -fn finding the image clean and, where data
 * was written, debugfs reading back the same bytes. Run once per block
 * size: unit_fs_ext2 1024|2048|4096.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <uk/errors.h>

#include "fs_image.h"

static uint32_t g_bs = 1024;

struct t {
	struct img im;
	struct ext2_fs *fs;
	struct uk_statfs before; /* right after mount */
};

static int setup_size(void **state, uint32_t kib, const char *opts)
{
	struct t *t = calloc(1, sizeof(*t));

	img_make(&t->im, g_bs, kib, opts);
	t->fs = img_mount(&t->im);
	ext2_statfs(t->fs, &t->before);
	*state = t;
	return 0;
}

static int setup(void **state)
{
	return setup_size(state, 8192, "");
}

static int teardown(void **state)
{
	struct t *t = *state;

	if (t->fs)
		ext2_unmount(t->fs);
	img_remove(&t->im);
	free(t);
	return 0;
}

/* Unmounts, then the image must be clean. */
static void finish(struct t *t)
{
	assert_int_equal(ext2_unmount(t->fs), 0);
	t->fs = NULL;
	assert_int_equal(img_fsck(&t->im), 0);
}

static void remount(struct t *t)
{
	assert_int_equal(ext2_unmount(t->fs), 0);
	t->fs = img_mount(&t->im);
}

static void expect_debugfs(struct t *t, const char *path, const uint8_t *data,
			   size_t len)
{
	size_t got_len;
	uint8_t *got = img_debugfs_cat(&t->im, path, &got_len);

	assert_int_equal(got_len, len);
	assert_memory_equal(got, data, len);
	free(got);
}

static uint64_t free_blocks(struct t *t)
{
	struct uk_statfs s;

	ext2_statfs(t->fs, &s);
	return s.blocks_free;
}

static uint64_t free_inodes(struct t *t)
{
	struct uk_statfs s;

	ext2_statfs(t->fs, &s);
	return s.inodes_free;
}

/* The judge itself: e2fsck -fn exits 0 for a superblock free count that
 * is off, so img_fsck also reads what it printed. */
static void fsck_check_catches_a_wrong_superblock_count(void **state)
{
	struct t *t = *state;
	uint32_t free_count;

	assert_int_equal(ext2_unmount(t->fs), 0);
	t->fs = NULL;
	assert_int_equal(img_fsck(&t->im), 0);
	img_pread(&t->im, 1024 + 12, &free_count, 4);
	free_count--;
	img_pwrite(&t->im, 1024 + 12, &free_count, 4);
	assert_int_not_equal(img_fsck(&t->im), 0);
	/* Mounting trusts the group descriptors and puts the sum back. */
	t->fs = img_mount(&t->im);
	finish(t);
}

static void create_write_read_back_matches_debugfs(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	static const char msg[] = "hello, ext2\n";
	char buf[64];
	struct uk_stat st;

	assert_int_equal(
	    t_open(t->fs, "/hello.txt", UK_O_RDWR | UK_O_CREAT, &f), 0);
	assert_int_equal(ext2_write(f, 0, msg, sizeof(msg) - 1),
			 sizeof(msg) - 1);
	assert_int_equal(ext2_read(f, 0, buf, sizeof(buf)), sizeof(msg) - 1);
	assert_memory_equal(buf, msg, sizeof(msg) - 1);
	assert_int_equal(ext2_read(f, 5, buf, 3), 3);
	assert_memory_equal(buf, msg + 5, 3);
	assert_int_equal(ext2_read(f, sizeof(msg) - 1, buf, 10), 0);
	assert_int_equal(ext2_read(f, 1u << 30, buf, 10), 0);
	assert_int_equal(ext2_fstat(f, &st), 0);
	assert_int_equal(st.size, sizeof(msg) - 1);
	assert_int_equal(st.mode, UK_S_IFREG | 0644);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(st.blocks, g_bs / 512);
	assert_int_equal(st.blksize, g_bs);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(t_stat(t->fs, "/hello.txt", &st), 0);
	assert_int_equal(st.size, sizeof(msg) - 1);
	finish(t);
	expect_debugfs(t, "/hello.txt", (const uint8_t *)msg, sizeof(msg) - 1);
}

static void open_errors_are_reported(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	char name[300], path[1100];

	t_put(t->fs, "/file", "x", 1);
	assert_int_equal(t_mkdir(t->fs, "/dir"), 0);
	assert_int_equal(t_open(t->fs, "/missing", UK_O_RDONLY, &f),
			 -ERR_NOT_FOUND);
	assert_int_equal(
	    t_open(t->fs, "/missing/x", UK_O_RDWR | UK_O_CREAT, &f),
	    -ERR_NOT_FOUND);
	assert_int_equal(
	    t_open(t->fs, "/file", UK_O_RDWR | UK_O_CREAT | UK_O_EXCL, &f),
	    -ERR_EXISTS);
	assert_int_equal(t_open(t->fs, "/dir", UK_O_RDWR, &f), -ERR_IS_DIR);
	assert_int_equal(t_open(t->fs, "/dir", UK_O_RDONLY | UK_O_TRUNC, &f),
			 -ERR_IS_DIR);
	assert_int_equal(
	    t_open(t->fs, "/file", UK_O_RDONLY | UK_O_DIRECTORY, &f),
	    -ERR_NOT_DIR);
	assert_int_equal(t_open(t->fs, "/file/", UK_O_RDONLY, &f),
			 -ERR_NOT_DIR);
	assert_int_equal(t_open(t->fs, "/file/x", UK_O_RDONLY, &f),
			 -ERR_NOT_DIR);
	assert_int_equal(t_open(t->fs, "/new/", UK_O_RDWR | UK_O_CREAT, &f),
			 -ERR_IS_DIR);
	assert_int_equal(t_open(t->fs, "file", UK_O_RDONLY, &f), -ERR_INVALID);
	assert_int_equal(t_open(t->fs, "", UK_O_RDONLY, &f), -ERR_INVALID);
	assert_int_equal(ext2_open(t->fs, "/fi\0le", 6, UK_O_RDONLY, 0, &f),
			 -ERR_INVALID);
	assert_int_equal(t_open(t->fs, "/file", 3, &f), -ERR_INVALID);
	assert_int_equal(t_open(t->fs, "/file", 0x8000000, &f), -ERR_INVALID);
	memset(name, 'a', sizeof(name));
	name[0] = '/';
	name[257] = 0; /* a 256-byte component */
	assert_int_equal(t_open(t->fs, name, UK_O_RDWR | UK_O_CREAT, &f),
			 -ERR_NAME_TOO_LONG);
	name[256] = 0; /* 255 bytes: fine */
	assert_int_equal(t_open(t->fs, name, UK_O_RDWR | UK_O_CREAT, &f), 0);
	assert_int_equal(ext2_close(f), 0);
	for (size_t i = 0; i < sizeof(path); i += 2) {
		path[i] = '/';
		path[i + 1] = 'd';
	}
	assert_int_equal(
	    ext2_open(t->fs, path, sizeof(path), UK_O_RDONLY, 0, &f),
	    -ERR_NAME_TOO_LONG);
	/* Access modes. */
	char buf[4];
	assert_int_equal(t_open(t->fs, "/file", UK_O_WRONLY, &f), 0);
	assert_int_equal(ext2_read(f, 0, buf, 1), -ERR_BAD_HANDLE);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(t_open(t->fs, "/file", UK_O_RDONLY, &f), 0);
	assert_int_equal(ext2_write(f, 0, "y", 1), -ERR_BAD_HANDLE);
	assert_int_equal(ext2_truncate(f, 0), -ERR_BAD_HANDLE);
	assert_int_equal(ext2_readdir(f, 0, buf, sizeof(buf), &(uint64_t){0}),
			 -ERR_NOT_DIR);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(
	    t_open(t->fs, "/dir", UK_O_RDONLY | UK_O_DIRECTORY, &f), 0);
	assert_int_equal(ext2_read(f, 0, buf, 1), -ERR_IS_DIR);
	assert_int_equal(ext2_close(f), 0);
	/* "/" itself, with and without extra slashes. */
	assert_int_equal(t_open(t->fs, "//", UK_O_RDONLY, &f), 0);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(t_open(t->fs, "/dir/../file", UK_O_RDONLY, &f), 0);
	assert_int_equal(ext2_close(f), 0);
	finish(t);
}

/* Writes size bytes in odd-sized chunks, reads them back in other chunks. */
static void write_and_check(struct t *t, const char *path, uint64_t size,
			    size_t chunk)
{
	struct ext2_file *f;
	uint8_t *buf = malloc(size), *back = malloc(size);

	fill_pattern(buf, size, 0, 7);
	assert_int_equal(
	    t_open(t->fs, path, UK_O_RDWR | UK_O_CREAT | UK_O_TRUNC, &f), 0);
	for (uint64_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		assert_int_equal(ext2_write(f, off, buf + off, n), (long)n);
	}
	memset(back, 0, size);
	for (uint64_t off = 0; off < size; off += 65536 + 13) {
		size_t n = size - off < 65549 ? size - off : 65549;
		assert_int_equal(ext2_read(f, off, back + off, n), (long)n);
	}
	assert_memory_equal(back, buf, size);
	assert_int_equal(ext2_close(f), 0);
	finish(t);
	expect_debugfs(t, path, buf, size);
	free(buf);
	free(back);
}

static void large_file_uses_single_and_double_indirect_blocks(void **state)
{
	struct t *t = *state;
	uint64_t p = g_bs / 4;
	/* Past the single indirect range by a few hundred blocks. */
	uint64_t size = (12 + p + 300) * g_bs + 123;

	write_and_check(t, "/big.bin", size, 7777);
}

static void big_aligned_writes_bypass_the_cache(void **state)
{
	struct t *t = *state;
	struct ext2_counters c;
	struct ext2_file *f;
	size_t size = 1u << 20;
	uint8_t *buf = malloc(size), *back = malloc(size);

	fill_pattern(buf, size, 0, 3);
	assert_int_equal(t_open(t->fs, "/bulk", UK_O_RDWR | UK_O_CREAT, &f), 0);
	assert_int_equal(ext2_write(f, 0, buf, size), (long)size);
	ext2_counters(t->fs, &c);
	assert_true(c.direct_writes >= 1);
	assert_true(c.direct_writes < 16); /* runs, not a write per block */
	assert_int_equal(ext2_read(f, 0, back, size), (long)size);
	ext2_counters(t->fs, &c);
	assert_true(c.direct_reads >= 1);
	assert_memory_equal(back, buf, size);
	assert_int_equal(ext2_close(f), 0);
	finish(t);
	expect_debugfs(t, "/bulk", buf, size);
	free(buf);
	free(back);
}

static void small_requests_go_through_the_cache(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint8_t buf[4096], back[4096];
	uint64_t writes, reads;

	assert_int_equal(ext2_sync(t->fs), 0);
	assert_int_equal(t_open(t->fs, "/small", UK_O_RDWR | UK_O_CREAT, &f),
			 0);
	writes = t->im.writes;
	for (unsigned i = 0; i < 8; i++) {
		fill_pattern(buf, g_bs, i * g_bs, 4);
		assert_int_equal(ext2_write(f, i * g_bs, buf, g_bs), g_bs);
	}
	/* Nothing reached the device yet; the sync writes the eight blocks
	 * in one run, plus a few metadata blocks. */
	assert_int_equal(t->im.writes, writes);
	assert_int_equal(ext2_sync(t->fs), 0);
	assert_true(t->im.writes - writes <= 6);
	reads = t->im.reads;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < 8; i++) {
			fill_pattern(buf, g_bs, i * g_bs, 4);
			assert_int_equal(ext2_read(f, i * g_bs, back, g_bs),
					 g_bs);
			assert_memory_equal(back, buf, g_bs);
		}
	assert_int_equal(t->im.reads, reads); /* all hits */
	assert_int_equal(ext2_close(f), 0);
	finish(t);
}

static void sparse_file_reaches_triple_indirect_and_frees_it(void **state)
{
	struct t *t = *state;
	uint64_t p = g_bs / 4;
	uint64_t tind = (12 + p + p * p) * (uint64_t)g_bs;
	struct ext2_file *f;
	struct uk_stat st;
	uint8_t buf[100], zero[100] = {0};
	uint64_t free0 = free_blocks(t);

	assert_int_equal(t_open(t->fs, "/sparse", UK_O_RDWR | UK_O_CREAT, &f),
			 0);
	assert_int_equal(ext2_write(f, 5, "head", 4), 4);
	assert_int_equal(ext2_write(f, tind + 1000, "deep", 4), 4);
	assert_int_equal(ext2_fstat(f, &st), 0);
	assert_int_equal(st.size, tind + 1004);
	/* Two data blocks; triple, double and single indirect blocks. */
	assert_int_equal(st.blocks, 5 * (g_bs / 512));
	assert_int_equal(free_blocks(t), free0 - 5);
	assert_int_equal(ext2_read(f, tind + 990, buf, 20), 14);
	assert_memory_equal(buf, zero, 10);
	assert_memory_equal(buf + 10, "deep", 4);
	assert_int_equal(ext2_read(f, 1u << 20, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, zero, sizeof(buf)); /* a hole */
	assert_int_equal(ext2_close(f), 0);
	remount(t);
	assert_int_equal(t_open(t->fs, "/sparse", UK_O_RDWR, &f), 0);
	assert_int_equal(ext2_read(f, tind + 1000, buf, 4), 4);
	assert_memory_equal(buf, "deep", 4);
	assert_int_equal(ext2_close(f), 0);
	finish(t);
	t->fs = img_mount(&t->im);
	assert_int_equal(t_open(t->fs, "/sparse", UK_O_RDWR, &f), 0);
	assert_int_equal(ext2_truncate(f, 9), 0);
	assert_int_equal(ext2_fstat(f, &st), 0);
	assert_int_equal(st.blocks, g_bs / 512);
	assert_int_equal(free_blocks(t), free0 - 1);
	assert_int_equal(ext2_close(f), 0);
	finish(t);
	expect_debugfs(t, "/sparse", (const uint8_t *)"\0\0\0\0\0head", 9);
}

static void truncate_shrinks_grows_and_zeroes_the_tail(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint64_t free0 = free_blocks(t);
	size_t size = 40 * g_bs;
	uint8_t *buf = malloc(size), *back = malloc(size);

	fill_pattern(buf, size, 0, 11);
	assert_int_equal(t_open(t->fs, "/t", UK_O_RDWR | UK_O_CREAT, &f), 0);
	assert_int_equal(ext2_write(f, 0, buf, size), (long)size);
	assert_int_equal(free_blocks(t), free0 - 40 - 1); /* one indirect */
	/* Shrink into the middle of a block, then grow again: the old bytes
	 * after the cut must read as zero. */
	assert_int_equal(ext2_truncate(f, 3 * g_bs + 100), 0);
	assert_int_equal(free_blocks(t), free0 - 4);
	assert_int_equal(ext2_truncate(f, 5 * g_bs), 0);
	assert_int_equal(free_blocks(t), free0 - 4);
	assert_int_equal(ext2_read(f, 0, back, 5 * g_bs), 5 * (long)g_bs);
	assert_memory_equal(back, buf, 3 * g_bs + 100);
	for (size_t i = 3 * g_bs + 100; i < 5 * g_bs; i++)
		assert_int_equal(back[i], 0);
	/* Writing past the end leaves a hole of zeros. */
	assert_int_equal(ext2_write(f, 7 * g_bs + 1, "z", 1), 1);
	assert_int_equal(ext2_read(f, 5 * g_bs, back, 2 * g_bs + 2),
			 2 * g_bs + 2);
	for (size_t i = 0; i < 2 * g_bs + 1; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(back[2 * g_bs + 1], 'z');
	assert_int_equal(ext2_truncate(f, 0), 0);
	assert_int_equal(free_blocks(t), free0);
	assert_int_equal(ext2_truncate(f, UINT64_MAX / 2), -ERR_TOO_BIG);
	assert_int_equal(ext2_close(f), 0);
	/* O_TRUNC on open. */
	t_put(t->fs, "/t", buf, 3000);
	assert_int_equal(t_open(t->fs, "/t", UK_O_WRONLY | UK_O_TRUNC, &f), 0);
	assert_int_equal(ext2_close(f), 0);
	struct uk_stat st;
	assert_int_equal(t_stat(t->fs, "/t", &st), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.blocks, 0);
	finish(t);
	free(buf);
	free(back);
}

static void append_writes_at_the_end(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;

	t_put(t->fs, "/log", "one\n", 4);
	assert_int_equal(t_open(t->fs, "/log", UK_O_WRONLY | UK_O_APPEND, &f),
			 0);
	assert_int_equal(ext2_write(f, 0, "two\n", 4), 4);
	assert_int_equal(ext2_write(f, 1, "three\n", 6), 6);
	assert_int_equal(ext2_close(f), 0);
	finish(t);
	expect_debugfs(t, "/log", (const uint8_t *)"one\ntwo\nthree\n", 14);
}

static void mkdir_and_rmdir_keep_link_counts(void **state)
{
	struct t *t = *state;
	struct uk_stat root, st;
	uint64_t fi = free_inodes(t), fb = free_blocks(t);

	assert_int_equal(t_stat(t->fs, "/", &root), 0);
	assert_int_equal(t_mkdir(t->fs, "/a"), 0);
	assert_int_equal(t_mkdir(t->fs, "/a/b"), 0);
	assert_int_equal(t_mkdir(t->fs, "/a/b/c/"), 0);
	assert_int_equal(t_stat(t->fs, "/a", &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(st.mode, UK_S_IFDIR | 0755);
	assert_int_equal(st.size, g_bs);
	assert_int_equal(t_stat(t->fs, "/", &st), 0);
	assert_int_equal(st.nlink, root.nlink + 1);
	assert_int_equal(t_stat(t->fs, "/a/b/c/..", &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(t_mkdir(t->fs, "/a"), -ERR_EXISTS);
	assert_int_equal(t_mkdir(t->fs, "/"), -ERR_EXISTS);
	assert_int_equal(t_mkdir(t->fs, "/x/y"), -ERR_NOT_FOUND);
	t_put(t->fs, "/a/f", "f", 1);
	assert_int_equal(t_mkdir(t->fs, "/a/f/g"), -ERR_NOT_DIR);
	assert_int_equal(t_rmdir(t->fs, "/a"), -ERR_NOT_EMPTY);
	assert_int_equal(t_rmdir(t->fs, "/a/f"), -ERR_NOT_DIR);
	assert_int_equal(t_rmdir(t->fs, "/"), -ERR_BUSY);
	assert_int_equal(t_rmdir(t->fs, "/a/b/c/."), -ERR_INVALID);
	assert_int_equal(t_rmdir(t->fs, "/a/b/c/.."), -ERR_NOT_EMPTY);
	assert_int_equal(t_rmdir(t->fs, "/a/nothing"), -ERR_NOT_FOUND);
	assert_int_equal(t_rmdir(t->fs, "/a/b/c"), 0);
	assert_int_equal(t_stat(t->fs, "/a/b", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(t_rmdir(t->fs, "/a/b/"), 0);
	assert_int_equal(t_unlink(t->fs, "/a/f"), 0);
	assert_int_equal(t_rmdir(t->fs, "/a"), 0);
	assert_int_equal(t_stat(t->fs, "/", &st), 0);
	assert_int_equal(st.nlink, root.nlink);
	assert_int_equal(free_inodes(t), fi);
	assert_int_equal(free_blocks(t), fb);
	assert_int_equal(t_mkdir(t->fs, "/kept"), 0);
	finish(t);
}

static void unlink_frees_and_open_files_outlive_it(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	struct ext2_counters c;
	uint64_t fi = free_inodes(t), fb = free_blocks(t);
	uint8_t buf[5000], back[5000];

	fill_pattern(buf, sizeof(buf), 0, 5);
	t_put(t->fs, "/u", buf, sizeof(buf));
	assert_int_equal(t_unlink(t->fs, "/u"), 0);
	assert_int_equal(free_inodes(t), fi);
	assert_int_equal(free_blocks(t), fb);
	assert_int_equal(t_unlink(t->fs, "/u"), -ERR_NOT_FOUND);
	assert_int_equal(t_mkdir(t->fs, "/d"), 0);
	assert_int_equal(t_unlink(t->fs, "/d"), -ERR_IS_DIR);
	assert_int_equal(t_unlink(t->fs, "/"), -ERR_IS_DIR);
	assert_int_equal(t_rmdir(t->fs, "/d"), 0);

	t_put(t->fs, "/open", buf, sizeof(buf));
	assert_int_equal(t_open(t->fs, "/open", UK_O_RDWR, &f), 0);
	assert_int_equal(t_unlink(t->fs, "/open"), 0);
	assert_int_equal(t_stat(t->fs, "/open", &(struct uk_stat){0}),
			 -ERR_NOT_FOUND);
	assert_true(free_inodes(t) < fi);
	assert_int_equal(ext2_read(f, 0, back, sizeof(back)), sizeof(back));
	assert_memory_equal(back, buf, sizeof(buf));
	assert_int_equal(ext2_write(f, sizeof(buf), "more", 4), 4);
	struct uk_stat st;
	assert_int_equal(ext2_fstat(f, &st), 0);
	assert_int_equal(st.nlink, 0);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(free_inodes(t), fi);
	assert_int_equal(free_blocks(t), fb);
	ext2_counters(t->fs, &c);
	assert_int_equal(c.orphans_freed, 1);

	/* Still open at unmount: freed then. */
	t_put(t->fs, "/open2", buf, sizeof(buf));
	assert_int_equal(t_open(t->fs, "/open2", UK_O_RDONLY, &f), 0);
	assert_int_equal(t_unlink(t->fs, "/open2"), 0);
	finish(t);
}

static void rmdir_of_an_open_directory_reads_empty(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint8_t buf[256];
	uint64_t next;
	uint64_t fi = free_inodes(t);

	assert_int_equal(t_mkdir(t->fs, "/gone"), 0);
	assert_int_equal(t_open(t->fs, "/gone", UK_O_RDONLY, &f), 0);
	assert_int_equal(t_rmdir(t->fs, "/gone"), 0);
	assert_int_equal(ext2_readdir(f, 0, buf, sizeof(buf), &next), 0);
	assert_int_equal(next, 0);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(free_inodes(t), fi);
	finish(t);
}

static void rename_files_and_directories(void **state)
{
	struct t *t = *state;
	struct uk_stat st, a, b;
	uint64_t fi;

	t_put(t->fs, "/f1", "one", 3);
	assert_int_equal(t_rename(t->fs, "/f1", "/f2"), 0);
	assert_int_equal(t_stat(t->fs, "/f1", &st), -ERR_NOT_FOUND);
	assert_int_equal(t_mkdir(t->fs, "/a"), 0);
	assert_int_equal(t_mkdir(t->fs, "/b"), 0);
	assert_int_equal(t_rename(t->fs, "/f2", "/a/f3"), 0);
	/* Replacing a file frees the old one. */
	t_put(t->fs, "/b/old", "old contents", 12);
	fi = free_inodes(t);
	assert_int_equal(t_rename(t->fs, "/a/f3", "/b/old"), 0);
	assert_int_equal(free_inodes(t), fi + 1);
	assert_int_equal(t_stat(t->fs, "/b/old", &st), 0);
	assert_int_equal(st.size, 3);
	assert_int_equal(st.nlink, 1);
	/* A directory moves with its '..' and the parents' link counts. */
	assert_int_equal(t_mkdir(t->fs, "/a/sub"), 0);
	assert_int_equal(t_mkdir(t->fs, "/a/sub/deeper"), 0);
	t_put(t->fs, "/a/sub/file", "in sub", 6);
	assert_int_equal(t_rename(t->fs, "/a/sub", "/b/moved"), 0);
	assert_int_equal(t_stat(t->fs, "/a", &a), 0);
	assert_int_equal(t_stat(t->fs, "/b", &b), 0);
	assert_int_equal(a.nlink, 2);
	assert_int_equal(b.nlink, 3);
	assert_int_equal(t_stat(t->fs, "/b/moved/..", &st), 0);
	assert_int_equal(st.ino, b.ino);
	assert_int_equal(t_stat(t->fs, "/b/moved/deeper/../file", &st), 0);
	/* Same directory, new name. */
	assert_int_equal(t_rename(t->fs, "/b/moved", "/b/renamed"), 0);
	assert_int_equal(t_stat(t->fs, "/b", &b), 0);
	assert_int_equal(b.nlink, 3);
	/* Onto an empty directory: replaces it. */
	assert_int_equal(t_mkdir(t->fs, "/a/empty"), 0);
	fi = free_inodes(t);
	assert_int_equal(t_rename(t->fs, "/b/renamed", "/a/empty"), 0);
	assert_int_equal(free_inodes(t), fi + 1);
	assert_int_equal(t_stat(t->fs, "/a", &a), 0);
	assert_int_equal(t_stat(t->fs, "/b", &b), 0);
	assert_int_equal(a.nlink, 3);
	assert_int_equal(b.nlink, 2);
	assert_int_equal(t_stat(t->fs, "/a/empty/file", &st), 0);
	/* Errors. */
	assert_int_equal(t_mkdir(t->fs, "/c"), 0);
	t_put(t->fs, "/c/x", "x", 1);
	assert_int_equal(t_rename(t->fs, "/a/empty", "/c"), -ERR_NOT_EMPTY);
	assert_int_equal(t_rename(t->fs, "/c/x", "/a"), -ERR_IS_DIR);
	assert_int_equal(t_rename(t->fs, "/a", "/c/x"), -ERR_NOT_DIR);
	assert_int_equal(t_rename(t->fs, "/a", "/a/empty/inside"),
			 -ERR_INVALID);
	assert_int_equal(t_rename(t->fs, "/a", "/a/new"), -ERR_INVALID);
	assert_int_equal(t_rename(t->fs, "/nope", "/c/y"), -ERR_NOT_FOUND);
	assert_int_equal(t_rename(t->fs, "/c/x", "/nope/y"), -ERR_NOT_FOUND);
	assert_int_equal(t_rename(t->fs, "/", "/c/y"), -ERR_BUSY);
	assert_int_equal(t_rename(t->fs, "/c/x", "/c/."), -ERR_INVALID);
	assert_int_equal(t_rename(t->fs, "/c/x/", "/c/y"), -ERR_NOT_DIR);
	/* Onto itself: nothing happens. */
	assert_int_equal(t_rename(t->fs, "/c/x", "/c/x"), 0);
	assert_int_equal(t_rename(t->fs, "/c", "/c/../c"), 0);
	finish(t);
	expect_debugfs(t, "/b/old", (const uint8_t *)"one", 3);
	expect_debugfs(t, "/a/empty/file", (const uint8_t *)"in sub", 6);
}

static void rename_replacing_an_open_file_frees_it_at_close(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint64_t fi;
	char buf[8];

	t_put(t->fs, "/src", "new", 3);
	t_put(t->fs, "/dst", "old", 3);
	fi = free_inodes(t);
	assert_int_equal(t_open(t->fs, "/dst", UK_O_RDONLY, &f), 0);
	assert_int_equal(t_rename(t->fs, "/src", "/dst"), 0);
	assert_int_equal(free_inodes(t), fi);
	assert_int_equal(ext2_read(f, 0, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "old", 3);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(free_inodes(t), fi + 1);
	finish(t);
	expect_debugfs(t, "/dst", (const uint8_t *)"new", 3);
}

/* Reads a whole directory with a small buffer; returns the names seen. */
static int list_dir(struct ext2_fs *fs, const char *path, size_t bufsize,
		    char names[][64], int max)
{
	struct ext2_file *f;
	uint8_t *buf = malloc(bufsize);
	uint64_t cookie = 0, next;
	int n = 0;

	assert_int_equal(t_open(fs, path, UK_O_RDONLY | UK_O_DIRECTORY, &f), 0);
	do {
		long got = ext2_readdir(f, cookie, buf, bufsize, &next);
		assert_true(got >= 0);
		for (long off = 0; off < got;) {
			struct uk_dirent d;
			memcpy(&d, buf + off, sizeof(d));
			assert_true(d.reclen >= sizeof(d) + d.name_len + 1);
			assert_int_equal(d.reclen % 8, 0);
			assert_int_equal(buf[off + sizeof(d) + d.name_len], 0);
			assert_true(n < max);
			memcpy(names[n], buf + off + sizeof(d), d.name_len);
			names[n][d.name_len] = 0;
			n++;
			off += d.reclen;
		}
		assert_true(next == 0 || got > 0);
		cookie = next;
	} while (cookie);
	assert_int_equal(ext2_close(f), 0);
	free(buf);
	return n;
}

static int name_index(char names[][64], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

static void readdir_pages_through_a_large_directory(void **state)
{
	struct t *t = *state;
	static char names[700][64];
	char path[64];
	const int count = 400;

	assert_int_equal(t_mkdir(t->fs, "/many"), 0);
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path),
			 "/many/file-with-a-longish-name-%04d", i);
		t_put(t->fs, path, path, 4);
	}
	struct uk_stat st;
	assert_int_equal(t_stat(t->fs, "/many", &st), 0);
	assert_true(st.size > g_bs); /* several blocks */
	int n = list_dir(t->fs, "/many", 200, names, 700);
	assert_int_equal(n, count + 2);
	assert_true(name_index(names, n, ".") >= 0);
	assert_true(name_index(names, n, "..") >= 0);
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "file-with-a-longish-name-%04d",
			 i);
		assert_true(name_index(names, n, path) >= 0);
	}
	/* Removing entries between calls: no entry is returned twice, every
	 * survivor is returned. */
	struct ext2_file *f;
	uint8_t buf[300];
	uint64_t next, cookie = 0;
	int seen = 0, round = 0;
	static char seen_names[700][64];
	assert_int_equal(t_open(t->fs, "/many", UK_O_RDONLY, &f), 0);
	do {
		long got = ext2_readdir(f, cookie, buf, sizeof(buf), &next);
		assert_true(got >= 0);
		for (long off = 0; off < got;) {
			struct uk_dirent d;
			memcpy(&d, buf + off, sizeof(d));
			memcpy(seen_names[seen], buf + off + sizeof(d),
			       d.name_len + 1);
			assert_int_equal(
			    name_index(seen_names, seen, seen_names[seen]), -1);
			seen++;
			off += d.reclen;
		}
		if (round++ == 3)
			for (int i = 0; i < count; i += 2) {
				snprintf(path, sizeof(path),
					 "/many/file-with-a-longish-name-%04d",
					 i);
				assert_int_equal(t_unlink(t->fs, path), 0);
			}
		cookie = next;
	} while (cookie);
	for (int i = 1; i < count; i += 2) {
		snprintf(path, sizeof(path), "file-with-a-longish-name-%04d",
			 i);
		assert_true(name_index(seen_names, seen, path) >= 0);
	}
	assert_int_equal(ext2_readdir(f, 0, buf, 16, &next), -ERR_INVALID);
	assert_int_equal(ext2_readdir(f, 1u << 30, buf, sizeof(buf), &next), 0);
	assert_int_equal(next, 0);
	assert_int_equal(ext2_close(f), 0);
	/* The freed slots are reused. */
	uint64_t size = st.size;
	for (int i = 0; i < count; i += 2) {
		snprintf(path, sizeof(path), "/many/again-%04d", i);
		t_put(t->fs, path, "", 0);
	}
	assert_int_equal(t_stat(t->fs, "/many", &st), 0);
	assert_int_equal(st.size, size);
	finish(t);
}

static void full_disk_gives_partial_write_then_no_space(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	size_t chunk = 256 * 1024;
	uint8_t *buf = malloc(chunk);
	uint64_t fb = free_blocks(t), total = 0;
	long n;

	fill_pattern(buf, chunk, 0, 1);
	assert_int_equal(t_open(t->fs, "/fill", UK_O_RDWR | UK_O_CREAT, &f), 0);
	while ((n = ext2_write(f, total, buf, chunk)) == (long)chunk)
		total += chunk;
	assert_true(n >= 0);
	total += n;
	assert_int_equal(ext2_write(f, total, buf, chunk), -ERR_NO_SPACE);
	assert_int_equal(free_blocks(t), 0);
	assert_int_equal(t_mkdir(t->fs, "/nodir"), -ERR_NO_SPACE);
	struct uk_stat st;
	assert_int_equal(ext2_fstat(f, &st), 0);
	assert_int_equal(st.size, total);
	assert_int_equal(ext2_close(f), 0);
	remount(t);
	assert_int_equal(free_blocks(t), 0);
	assert_int_equal(ext2_unmount(t->fs), 0);
	t->fs = NULL;
	assert_int_equal(img_fsck(&t->im), 0);
	t->fs = img_mount(&t->im);
	assert_int_equal(t_unlink(t->fs, "/fill"), 0);
	assert_int_equal(free_blocks(t), fb);
	finish(t);
	free(buf);
}

static void running_out_of_inodes_is_no_space(void **state)
{
	struct t *t = *state;
	char path[32];
	int i, rc = 0;

	for (i = 0; i < 10000; i++) {
		struct ext2_file *f;
		snprintf(path, sizeof(path), "/i%d", i);
		rc = t_open(t->fs, path, UK_O_RDWR | UK_O_CREAT, &f);
		if (rc < 0)
			break;
		assert_int_equal(ext2_close(f), 0);
	}
	assert_int_equal(rc, -ERR_NO_SPACE);
	assert_int_equal(free_inodes(t), 0);
	assert_int_equal(t_mkdir(t->fs, "/d"), -ERR_NO_SPACE);
	finish(t);
	t->fs = img_mount(&t->im);
	for (int k = 0; k < i; k += 3) {
		snprintf(path, sizeof(path), "/i%d", k);
		assert_int_equal(t_unlink(t->fs, path), 0);
	}
	finish(t);
}

static void statfs_counts_match_after_remount(void **state)
{
	struct t *t = *state;
	struct uk_statfs a, b;

	t_put(t->fs, "/x", "data", 4);
	assert_int_equal(t_mkdir(t->fs, "/y"), 0);
	ext2_statfs(t->fs, &a);
	assert_int_equal(a.block_size, g_bs);
	assert_int_equal(a.blocks_free, t->before.blocks_free - 2);
	assert_int_equal(a.inodes_free, t->before.inodes_free - 2);
	assert_true(a.dirty_blocks > 0);
	assert_int_equal(ext2_sync(t->fs), 0);
	ext2_statfs(t->fs, &a);
	assert_int_equal(a.dirty_blocks, 0);
	assert_true(a.cache_hits > 0 && a.cache_misses > 0);
	remount(t);
	ext2_statfs(t->fs, &b);
	assert_int_equal(b.blocks_free, a.blocks_free);
	assert_int_equal(b.inodes_free, a.inodes_free);
	finish(t);
}

static void images_made_by_mke2fs_are_readable(void **state)
{
	struct t *t = *state;
	static char names[16][64];
	char cmd[512];
	size_t len;

	/* Put files in with debugfs (as mke2fs -d would), read them here. */
	ext2_unmount(t->fs);
	t->fs = NULL;
	snprintf(cmd, sizeof(cmd), "printf 'written by debugfs\\n' > %s.src",
		 t->im.path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(img_debugfs_write(&t->im, "mkdir /etc"), 0);
	snprintf(cmd, sizeof(cmd), "write %s.src /etc/motd", t->im.path);
	assert_int_equal(img_debugfs_write(&t->im, cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s.src", t->im.path);
	unlink(cmd);
	t->fs = img_mount(&t->im);
	uint8_t *data = t_get(t->fs, "/etc/motd", &len);
	assert_int_equal(len, 19);
	assert_memory_equal(data, "written by debugfs\n", 19);
	free(data);
	int n = list_dir(t->fs, "/", 4096, names, 16);
	assert_true(name_index(names, n, "etc") >= 0);
	assert_true(name_index(names, n, "lost+found") >= 0);
	finish(t);
}

static void unknown_ro_compat_feature_mounts_read_only(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint32_t ro;

	t_put(t->fs, "/r", "r", 1);
	ext2_unmount(t->fs);
	t->fs = NULL;
	img_pread(&t->im, 1024 + 100, &ro, 4);
	ro |= 0x8000; /* a feature nobody has */
	img_pwrite(&t->im, 1024 + 100, &ro, 4);
	assert_int_equal(img_try_mount(&t->im, &t->fs, false, 0), 0);
	assert_true(ext2_read_only(t->fs));
	assert_int_equal(t_open(t->fs, "/r", UK_O_RDONLY, &f), 0);
	assert_int_equal(ext2_write(f, 0, "x", 1), -ERR_BAD_HANDLE);
	assert_int_equal(ext2_close(f), 0);
	assert_int_equal(t_open(t->fs, "/r", UK_O_RDWR, &f), -ERR_PERMISSION);
	assert_int_equal(t_open(t->fs, "/n", UK_O_RDWR | UK_O_CREAT, &f),
			 -ERR_PERMISSION);
	assert_int_equal(t_mkdir(t->fs, "/d"), -ERR_PERMISSION);
	assert_int_equal(t_unlink(t->fs, "/r"), -ERR_PERMISSION);
	assert_int_equal(t_rename(t->fs, "/r", "/s"), -ERR_PERMISSION);
	ext2_unmount(t->fs);
	t->fs = NULL;
	ro &= ~0x8000u;
	img_pwrite(&t->im, 1024 + 100, &ro, 4);
	assert_int_equal(img_fsck(&t->im), 0);
}

static void incompatible_features_are_refused(void **state)
{
	struct t *t = *state;
	uint32_t inc;

	ext2_unmount(t->fs);
	t->fs = NULL;
	img_pread(&t->im, 1024 + 96, &inc, 4);
	inc |= 0x40; /* extents */
	img_pwrite(&t->im, 1024 + 96, &inc, 4);
	assert_int_equal(img_try_mount(&t->im, &t->fs, false, 0),
			 -ERR_UNSUPPORTED);
	assert_null(t->fs);
}

static void write_errors_reach_the_caller_and_keep_data(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;

	assert_int_equal(ext2_sync(t->fs), 0);
	t_put(t->fs, "/w", "abc", 3);
	t->im.fail_writes_after = 0;
	assert_int_equal(ext2_sync(t->fs), -ERR_IO);
	t->im.fail_writes_after = -1;
	assert_int_equal(ext2_sync(t->fs), 0); /* nothing was dropped */
	ext2_unmount(t->fs);
	t->fs = img_mount(&t->im);
	t->im.fail_reads_after = 0;
	/* A cold cache: the read fails cleanly. */
	int rc = t_open(t->fs, "/w", UK_O_RDONLY, &f);
	assert_int_equal(rc, -ERR_IO);
	t->im.fail_reads_after = -1;
	finish(t);
	expect_debugfs(t, "/w", (const uint8_t *)"abc", 3);
}

/* A random sequence of operations checked against a model of the files,
 * then e2fsck and debugfs. */
struct model_file {
	char path[48];
	uint8_t *data;
	size_t size;
	bool used;
};

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static void random_operations_match_a_model(void **state)
{
	struct t *t = *state;
	enum { NFILES = 24 };
	struct model_file m[NFILES] = {0};
	uint64_t seed = 12345 + g_bs;
	const char *dirs[] = {"/", "/d1/", "/d1/d2/", "/d3/"};
	size_t maxsize = 300 * 1024;
	uint8_t *buf = malloc(maxsize);

	assert_int_equal(t_mkdir(t->fs, "/d1"), 0);
	assert_int_equal(t_mkdir(t->fs, "/d1/d2"), 0);
	assert_int_equal(t_mkdir(t->fs, "/d3"), 0);
	for (int i = 0; i < NFILES; i++)
		snprintf(m[i].path, sizeof(m[i].path), "%sf%d", dirs[i % 4], i);
	for (int step = 0; step < 1500; step++) {
		int i = rnd(&seed) % NFILES;
		struct model_file *x = &m[i];
		struct ext2_file *f;
		switch (rnd(&seed) % 6) {
		case 0: /* create or overwrite a range */
		case 1: {
			size_t off = rnd(&seed) % (maxsize / 2),
			       len = rnd(&seed) % (maxsize / 4);
			if (rnd(&seed) % 4 == 0)
				len = rnd(&seed) % 64;
			assert_int_equal(
			    t_open(t->fs, x->path, UK_O_RDWR | UK_O_CREAT, &f),
			    0);
			if (!x->used) {
				x->used = true;
				x->size = 0;
				x->data = calloc(1, maxsize);
			}
			fill_pattern(buf, len, off, step);
			assert_int_equal(ext2_write(f, off, buf, len),
					 (long)len);
			memcpy(x->data + off, buf, len);
			if (len && off + len > x->size) {
				memset(x->data + x->size, 0,
				       off > x->size ? off - x->size : 0);
				memcpy(x->data + off, buf, len);
				x->size = off + len;
			}
			assert_int_equal(ext2_close(f), 0);
			break;
		}
		case 2: /* truncate */
			if (!x->used)
				break;
			{
				size_t size = rnd(&seed) % (maxsize / 2);
				assert_int_equal(
				    t_open(t->fs, x->path, UK_O_RDWR, &f), 0);
				assert_int_equal(ext2_truncate(f, size), 0);
				if (size > x->size)
					memset(x->data + x->size, 0,
					       size - x->size);
				x->size = size;
				assert_int_equal(ext2_close(f), 0);
			}
			break;
		case 3: /* unlink */
			assert_int_equal(t_unlink(t->fs, x->path),
					 x->used ? 0 : -ERR_NOT_FOUND);
			free(x->data);
			x->data = NULL;
			x->used = false;
			break;
		case 4: { /* rename onto another slot */
			int j = rnd(&seed) % NFILES;
			struct model_file *y = &m[j];
			int rc = t_rename(t->fs, x->path, y->path);
			if (!x->used) {
				assert_int_equal(rc, -ERR_NOT_FOUND);
				break;
			}
			assert_int_equal(rc, 0);
			if (i == j)
				break;
			free(y->data);
			y->data = x->data;
			y->size = x->size;
			y->used = true;
			x->data = NULL;
			x->used = false;
			break;
		}
		default: /* read back */
			if (x->used) {
				size_t len;
				uint8_t *got = t_get(t->fs, x->path, &len);
				assert_int_equal(len, x->size);
				assert_memory_equal(got, x->data, len);
				free(got);
			}
			break;
		}
		if (step % 500 == 499)
			remount(t);
	}
	finish(t);
	for (int i = 0; i < NFILES; i++) {
		if (!m[i].used)
			continue;
		expect_debugfs(t, m[i].path, m[i].data, m[i].size);
		free(m[i].data);
	}
	free(buf);
}

/* Random namespace changes (directories moving under each other, being
 * replaced, removed) with e2fsck between rounds: link counts, '..' and
 * the directory counts of the groups must stay exact. Any error is
 * allowed except ERR_CORRUPT. */
static void random_tree_operations_keep_the_image_clean(void **state)
{
	struct t *t = *state;
	static const char *paths[] = {
	    "/a",     "/b",	"/c",	    "/a/x",	"/a/y", "/b/x",
	    "/b/z",   "/a/x/p", "/a/x/q",   "/b/x/p",	"/c/q", "/a/y/r",
	    "/c/q/s", "/b/z/t", "/a/x/p/u", "/b/x/p/v",
	};
	const unsigned np = sizeof(paths) / sizeof(paths[0]);
	uint64_t seed = getenv("FS_RANDOM_SEED")
			    ? strtoull(getenv("FS_RANDOM_SEED"), NULL, 0)
			    : 99 + g_bs;
	int rounds =
	    getenv("FS_RANDOM_ROUNDS") ? atoi(getenv("FS_RANDOM_ROUNDS")) : 4;
	int counts[8] = {0};

	for (int round = 0; round < rounds; round++) {
		for (int step = 0; step < 300; step++) {
			const char *p = paths[rnd(&seed) % np];
			const char *q = paths[rnd(&seed) % np];
			struct ext2_file *f;
			int op = rnd(&seed) % 6, rc;
			switch (op) {
			case 0:
			case 1:
				rc = t_mkdir(t->fs, p);
				break;
			case 2:
				rc = t_rmdir(t->fs, p);
				break;
			case 3:
				rc = t_open(t->fs, p, UK_O_RDWR | UK_O_CREAT,
					    &f);
				if (rc == 0) {
					ext2_write(f, 0, p, strlen(p));
					ext2_close(f);
				}
				break;
			case 4:
				rc = t_unlink(t->fs, p);
				break;
			default:
				rc = t_rename(t->fs, p, q);
				break;
			}
			if (rc == -ERR_CORRUPT)
				fail_msg("step %d: op %d on %s: corrupt", step,
					 op, p);
			counts[op] += rc == 0;
		}
		finish(t);
		t->fs = img_mount(&t->im);
	}
	/* Enough of each kind succeeded to mean something. */
	assert_true(counts[0] + counts[1] > 20 && counts[2] > 5 &&
		    counts[3] > 10 && counts[4] > 5 && counts[5] > 20);
	finish(t);
}

static void hashed_directories_stay_clean_after_changes(void **state)
{
	struct t *t = *state;
	char path[64];

	assert_int_equal(t_mkdir(t->fs, "/h"), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/h/entry-number-%d", i);
		t_put(t->fs, path, "", 0);
	}
	finish(t);
	/* e2fsck -D builds an htree index for the directory. */
	assert_int_equal(
	    img_shell(&t->im, E2FSCK " -fyD '%s' >/dev/null 2>&1") & ~1, 0);
	assert_int_equal(img_fsck(&t->im), 0);
	t->fs = img_mount(&t->im);
	for (int i = 0; i < 300; i += 3) {
		snprintf(path, sizeof(path), "/h/entry-number-%d", i);
		assert_int_equal(t_unlink(t->fs, path), 0);
		snprintf(path, sizeof(path), "/h/new-%d", i);
		t_put(t->fs, path, "n", 1);
	}
	assert_int_equal(
	    t_stat(t->fs, "/h/entry-number-299", &(struct uk_stat){0}), 0);
	finish(t);
}

static void files_with_an_xattr_block_are_freed_cleanly(void **state)
{
	struct t *t = *state;
	uint64_t fb;

	t_put(t->fs, "/xa", "attr", 4);
	t_put(t->fs, "/xb", "attr", 4);
	ext2_unmount(t->fs);
	t->fs = NULL;
	/* 128-byte inodes: the attribute goes to a block of its own. */
	assert_int_equal(
	    img_debugfs_write(&t->im, "ea_set /xa user.test some-value"), 0);
	assert_int_equal(img_fsck(&t->im), 0);
	t->fs = img_mount(&t->im);
	fb = free_blocks(t);
	struct uk_stat st;
	assert_int_equal(t_stat(t->fs, "/xa", &st), 0);
	assert_int_equal(st.blocks, 2 * (g_bs / 512));
	assert_int_equal(t_unlink(t->fs, "/xa"), 0);
	assert_int_equal(free_blocks(t), fb + 2);
	finish(t);
}

static int setup_small_inodes(void **state)
{
	return setup_size(state, 2048, "-N 64");
}

static int setup_tiny(void **state)
{
	return setup_size(state, 1024, "");
}

static int setup_128_byte_inodes(void **state)
{
	return setup_size(state, 4096, "-I 128");
}

static int setup_rev0(void **state)
{
	return setup_size(state, 4096, "-r 0");
}

static int setup_large(void **state)
{
	/* Enough for a few MiB of data plus the maps. */
	return setup_size(state, 16384, "");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		g_bs = (uint32_t)strtoul(argv[1], NULL, 0);
#define T(name, setup) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(fsck_check_catches_a_wrong_superblock_count, setup),
	    T(create_write_read_back_matches_debugfs, setup),
	    T(open_errors_are_reported, setup),
	    T(large_file_uses_single_and_double_indirect_blocks, setup_large),
	    T(big_aligned_writes_bypass_the_cache, setup),
	    T(small_requests_go_through_the_cache, setup),
	    T(sparse_file_reaches_triple_indirect_and_frees_it, setup),
	    T(truncate_shrinks_grows_and_zeroes_the_tail, setup),
	    T(append_writes_at_the_end, setup),
	    T(mkdir_and_rmdir_keep_link_counts, setup),
	    T(unlink_frees_and_open_files_outlive_it, setup),
	    T(rmdir_of_an_open_directory_reads_empty, setup),
	    T(rename_files_and_directories, setup),
	    T(rename_replacing_an_open_file_frees_it_at_close, setup),
	    T(readdir_pages_through_a_large_directory, setup),
	    T(full_disk_gives_partial_write_then_no_space, setup_tiny),
	    T(running_out_of_inodes_is_no_space, setup_small_inodes),
	    T(statfs_counts_match_after_remount, setup),
	    T(images_made_by_mke2fs_are_readable, setup),
	    T(unknown_ro_compat_feature_mounts_read_only, setup),
	    T(incompatible_features_are_refused, setup),
	    T(write_errors_reach_the_caller_and_keep_data, setup),
	    T(random_operations_match_a_model, setup),
	    T(random_tree_operations_keep_the_image_clean, setup),
	    T(hashed_directories_stay_clean_after_changes, setup),
	    T(files_with_an_xattr_block_are_freed_cleanly,
	      setup_128_byte_inodes),
	    T(random_operations_match_a_model, setup_rev0),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
