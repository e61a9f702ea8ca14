/* SPDX-License-Identifier: MIT */
/*
 * Corrupt images: every kind of bad metadata must come back as
 * ERR_CORRUPT (or a refusal to mount), never as a crash, a sanitizer
 * report or a loop that does not end; and what is intact stays usable.
 * Ends with a fuzz loop that flips bytes in a small image and runs every
 * operation on it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <uk/errors.h>

#include "fs_image.h"

static struct img pristine;
static uint32_t ino_dir, ino_a, ino_big, ino_sub, ino_deep, ino_x;
static uint32_t inodes_per_group;

struct t {
	struct img im;
	struct ext2_fs *fs;
};

static uint32_t ino_of(struct ext2_fs *fs, const char *path)
{
	struct uk_stat st;

	assert_int_equal(t_stat(fs, path, &st), 0);
	return (uint32_t)st.ino;
}

static int group_setup(void **state)
{
	struct ext2_fs *fs;
	uint8_t *big = malloc(300 * 1024);

	(void)state;
	img_make(&pristine, 1024, 16384, "");
	fs = img_mount(&pristine);
	assert_int_equal(t_mkdir(fs, "/dir"), 0);
	t_put(fs, "/dir/a", "alpha", 5);
	t_put(fs, "/dir/b", "beta", 4);
	fill_pattern(big, 300 * 1024, 0, 9);
	t_put(fs, "/big", big, 300 * 1024);
	assert_int_equal(t_mkdir(fs, "/sub"), 0);
	assert_int_equal(t_mkdir(fs, "/sub/deep"), 0);
	t_put(fs, "/sub/deep/file", "deep", 4);
	assert_int_equal(t_mkdir(fs, "/x"), 0);
	ino_dir = ino_of(fs, "/dir");
	ino_a = ino_of(fs, "/dir/a");
	ino_big = ino_of(fs, "/big");
	ino_sub = ino_of(fs, "/sub");
	ino_deep = ino_of(fs, "/sub/deep");
	ino_x = ino_of(fs, "/x");
	assert_int_equal(ext2_unmount(fs), 0);
	assert_int_equal(img_fsck(&pristine), 0);
	img_pread(&pristine, 1024 + 40, &inodes_per_group, 4);
	free(big);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	img_remove(&pristine);
	return 0;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	/* A file copy of the pristine image. */
	t->im = pristine;
	assert_true(strlen(pristine.path) + 6 < sizeof(t->im.path));
	memcpy(t->im.path + strlen(pristine.path), ".copy", 6);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", pristine.path, t->im.path);
	assert_int_equal(system(cmd), 0);
	t->im.fd = open(t->im.path, O_RDWR);
	assert_true(t->im.fd >= 0);
	*state = t;
	return 0;
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

static void put32(struct t *t, uint64_t off, uint32_t v)
{
	img_pwrite(&t->im, off, &v, 4);
}

static void put16(struct t *t, uint64_t off, uint16_t v)
{
	img_pwrite(&t->im, off, &v, 2);
}

static uint32_t get32(struct t *t, uint64_t off)
{
	uint32_t v;

	img_pread(&t->im, off, &v, 4);
	return v;
}

static int mount_rc(struct t *t)
{
	return img_try_mount(&t->im, &t->fs, false, 24);
}

static void mount_ok(struct t *t)
{
	assert_int_equal(mount_rc(t), 0);
}

static void expect_read(struct t *t, const char *path, long rc)
{
	struct ext2_file *f;
	uint8_t buf[4096];
	int orc = t_open(t->fs, path, UK_O_RDONLY, &f);

	if (orc < 0) {
		assert_int_equal(orc, rc);
		return;
	}
	long got = 0;
	for (uint64_t off = 0; off < 400 * 1024 && got >= 0;
	     off += sizeof(buf)) {
		got = ext2_read(f, off, buf, sizeof(buf));
		if (got <= 0)
			break;
	}
	assert_int_equal(got < 0 ? got : 0, rc);
	ext2_close(f);
}

static void intact_files_still_read(struct t *t)
{
	size_t len;
	uint8_t *d = t_get(t->fs, "/dir/b", &len);

	assert_int_equal(len, 4);
	assert_memory_equal(d, "beta", 4);
	free(d);
}

static void bad_magic_is_refused(void **state)
{
	struct t *t = *state;

	put16(t, 1024 + 56, 0x1234);
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
	assert_null(t->fs);
}

static void file_system_larger_than_the_device_is_refused(void **state)
{
	struct t *t = *state;

	put32(t, 1024 + 4, get32(t, 1024 + 4) * 4);
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
}

static void absurd_geometry_is_refused(void **state)
{
	struct t *t = *state;

	put32(t, 1024 + 24, 20);
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
	put32(t, 1024 + 24, 3); /* 8 KiB: valid ext2, not supported */
	assert_int_equal(mount_rc(t), -ERR_UNSUPPORTED);
	put32(t, 1024 + 24, 0);
	put32(t, 1024 + 40, 0);
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
	put32(t, 1024 + 40, inodes_per_group);
	put16(t, 1024 + 88, 100); /* inode size */
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
	put16(t, 1024 + 88, 256);
	put32(t, 1024 + 32, 0); /* blocks per group */
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
}

static void inode_table_outside_the_disk_is_refused(void **state)
{
	struct t *t = *state;

	put32(t, img_group_desc_offset(&t->im, 0) + 8, 0xfffffff0u);
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
}

static void a_bad_second_group_leaves_the_first_usable(void **state)
{
	struct t *t = *state;
	const struct {
		const char *path;
		uint32_t *inos[2];
	} paths[] = {
	    {"/dir", {&ino_dir}},
	    {"/dir/a", {&ino_dir, &ino_a}},
	    {"/big", {&ino_big}},
	    {"/sub", {&ino_sub}},
	    {"/sub/deep", {&ino_sub, &ino_deep}},
	    {"/x", {&ino_x}},
	};
	int bad = 0, good = 0;

	put32(t, img_group_desc_offset(&t->im, 1) + 8, 0xfffffff0u);
	mount_ok(t);
	assert_true(ext2_read_only(t->fs));
	/* A path through an inode of group 1 is corrupt; the rest works. */
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		bool in1 = false;
		for (unsigned k = 0; k < 2 && paths[i].inos[k]; k++)
			in1 |= (*paths[i].inos[k] - 1) / inodes_per_group == 1;
		assert_int_equal(
		    t_stat(t->fs, paths[i].path, &(struct uk_stat){0}),
		    in1 ? -ERR_CORRUPT : 0);
		bad += in1;
		good += !in1;
	}
	assert_true(bad > 0 && good > 0);
	expect_read(t, "/big", 0);
}

static void root_that_is_not_a_directory_is_refused(void **state)
{
	struct t *t = *state;

	put16(t, img_inode_offset(&t->im, 2), 0100644);
	assert_int_equal(mount_rc(t), -ERR_CORRUPT);
}

static void block_pointer_beyond_the_end_is_corrupt(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;

	img_set_inode_block(&t->im, ino_a, 0, 0x7fffffffu);
	mount_ok(t);
	expect_read(t, "/dir/a", -ERR_CORRUPT);
	assert_int_equal(t_open(t->fs, "/dir/a", UK_O_RDWR, &f), 0);
	assert_int_equal(ext2_write(f, 0, "x", 1), -ERR_CORRUPT);
	assert_int_equal(ext2_truncate(f, 0), -ERR_CORRUPT);
	ext2_close(f);
	intact_files_still_read(t);
}

static void block_pointer_into_the_inode_table_is_corrupt(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint32_t table = get32(t, img_group_desc_offset(&t->im, 0) + 8);

	img_set_inode_block(&t->im, ino_a, 0, table);
	mount_ok(t);
	expect_read(t, "/dir/a", -ERR_CORRUPT);
	assert_int_equal(t_open(t->fs, "/dir/a", UK_O_RDWR, &f), 0);
	assert_int_equal(ext2_write(f, 0, "overwrite the inode table", 25),
			 -ERR_CORRUPT);
	ext2_close(f);
	assert_int_equal(t_unlink(t->fs, "/dir/a"), -ERR_CORRUPT);
	intact_files_still_read(t);
}

/* Byte offset of /dir's first block. */
static uint64_t dir_block_offset(struct t *t)
{
	return (uint64_t)img_inode_block(&t->im, ino_dir, 0) * 1024;
}

static void expect_dir_corrupt(struct t *t)
{
	struct ext2_file *f;

	mount_ok(t);
	assert_int_equal(t_stat(t->fs, "/dir/a", &(struct uk_stat){0}),
			 -ERR_CORRUPT);
	assert_int_equal(t_open(t->fs, "/dir/new", UK_O_RDWR | UK_O_CREAT, &f),
			 -ERR_CORRUPT);
	int rc = t_open(t->fs, "/dir", UK_O_RDONLY, &f);
	if (rc == 0) {
		uint8_t buf[512];
		uint64_t next;
		assert_int_equal(ext2_readdir(f, 0, buf, sizeof(buf), &next),
				 -ERR_CORRUPT);
		ext2_close(f);
	} else {
		assert_int_equal(rc,
				 -ERR_CORRUPT); /* the inode itself is bad */
	}
	assert_int_equal(t_rmdir(t->fs, "/dir"), -ERR_CORRUPT);
	assert_int_equal(t_stat(t->fs, "/sub/deep/file", &(struct uk_stat){0}),
			 0);
	size_t len;
	uint8_t *d = t_get(t->fs, "/sub/deep/file", &len);
	assert_int_equal(len, 4);
	free(d);
}

static void zero_record_length_is_corrupt(void **state)
{
	struct t *t = *state;

	put16(t, dir_block_offset(t) + 12 + 4, 0); /* ".." */
	expect_dir_corrupt(t);
}

static void record_length_past_the_block_is_corrupt(void **state)
{
	struct t *t = *state;

	put16(t, dir_block_offset(t) + 12 + 4, 1024 + 100);
	expect_dir_corrupt(t);
}

static void unaligned_record_length_is_corrupt(void **state)
{
	struct t *t = *state;

	put16(t, dir_block_offset(t) + 4, 14);
	expect_dir_corrupt(t);
}

static void name_longer_than_its_record_is_corrupt(void **state)
{
	struct t *t = *state;
	uint8_t len = 200;

	img_pwrite(&t->im, dir_block_offset(t) + 12 + 6, &len, 1);
	expect_dir_corrupt(t);
}

static void entry_inode_out_of_range_is_corrupt(void **state)
{
	struct t *t = *state;

	put32(t, dir_block_offset(t) + 12, 0x7fffffff);
	expect_dir_corrupt(t);
}

static void entry_naming_a_free_inode_is_corrupt(void **state)
{
	struct t *t = *state;
	uint8_t buf[1024];
	uint64_t off = dir_block_offset(t);

	/* The third entry is "a": point it at an inode nobody uses. */
	img_pread(&t->im, off, buf, sizeof(buf));
	uint16_t rl0, rl1;
	memcpy(&rl0, buf + 4, 2);
	memcpy(&rl1, buf + rl0 + 4, 2);
	assert_int_equal(buf[rl0 + rl1 + 8], 'a');
	put32(t, off + rl0 + rl1, inodes_per_group - 3);
	mount_ok(t);
	assert_int_equal(t_stat(t->fs, "/dir/a", &(struct uk_stat){0}),
			 -ERR_CORRUPT);
	expect_read(t, "/dir/a", -ERR_CORRUPT);
	assert_int_equal(t_unlink(t->fs, "/dir/a"), -ERR_CORRUPT);
	intact_files_still_read(t);
}

static void indirect_block_pointing_at_itself_is_corrupt(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint32_t ind = img_inode_block(&t->im, ino_big, 12);

	put32(t, (uint64_t)ind * 1024, ind);
	mount_ok(t);
	expect_read(t, "/big", -ERR_CORRUPT);
	assert_int_equal(t_open(t->fs, "/big", UK_O_RDWR, &f), 0);
	assert_int_equal(ext2_truncate(f, 0), -ERR_CORRUPT);
	ext2_close(f);
	intact_files_still_read(t);
}

static void double_indirect_loop_is_corrupt(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint32_t dind = img_inode_block(&t->im, ino_big, 13);
	uint8_t buf[16];

	assert_true(dind != 0);
	put32(t, (uint64_t)dind * 1024, dind);
	mount_ok(t);
	assert_int_equal(t_open(t->fs, "/big", UK_O_RDWR, &f), 0);
	assert_int_equal(ext2_read(f, 0, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(ext2_read(f, (12 + 256) * 1024, buf, sizeof(buf)),
			 -ERR_CORRUPT);
	assert_int_equal(ext2_truncate(f, 0), -ERR_CORRUPT);
	ext2_close(f);
}

static void huge_file_size_is_corrupt(void **state)
{
	struct t *t = *state;

	put32(t, img_inode_offset(&t->im, ino_a) + 108,
	      0x7fffffff); /* i_size_high */
	mount_ok(t);
	expect_read(t, "/dir/a", -ERR_CORRUPT);
	assert_int_equal(t_stat(t->fs, "/dir/b", &(struct uk_stat){0}), 0);
}

static void huge_directory_size_is_corrupt(void **state)
{
	struct t *t = *state;

	put32(t, img_inode_offset(&t->im, ino_dir) + 4, 0x80000000u);
	expect_dir_corrupt(t);
}

static void directory_with_a_hole_is_corrupt(void **state)
{
	struct t *t = *state;

	put32(t, img_inode_offset(&t->im, ino_dir) + 4, 3 * 1024);
	mount_ok(t);
	assert_int_equal(t_stat(t->fs, "/dir/missing", &(struct uk_stat){0}),
			 -ERR_CORRUPT);
	assert_int_equal(t_stat(t->fs, "/dir/a", &(struct uk_stat){0}), 0);
}

static void unknown_file_type_is_corrupt(void **state)
{
	struct t *t = *state;

	put16(t, img_inode_offset(&t->im, ino_a), 0xf1a4);
	mount_ok(t);
	assert_int_equal(t_stat(t->fs, "/dir/a", &(struct uk_stat){0}),
			 -ERR_CORRUPT);
}

static void extent_flag_on_ext2_is_corrupt(void **state)
{
	struct t *t = *state;

	put32(t, img_inode_offset(&t->im, ino_a) + 32, 0x80000);
	mount_ok(t);
	expect_read(t, "/dir/a", -ERR_CORRUPT);
}

static void parent_loop_is_corrupt_not_endless(void **state)
{
	struct t *t = *state;
	uint64_t sub_blk = (uint64_t)img_inode_block(&t->im, ino_sub, 0) * 1024;
	uint64_t deep_blk =
	    (uint64_t)img_inode_block(&t->im, ino_deep, 0) * 1024;

	/* /sub's ".." names /sub/deep and deep's names /sub. */
	put32(t, sub_blk + 12, ino_deep);
	put32(t, deep_blk + 12, ino_sub);
	mount_ok(t);
	assert_int_equal(t_rename(t->fs, "/x", "/sub/deep/x"), -ERR_CORRUPT);
	assert_int_equal(t_stat(t->fs, "/x", &(struct uk_stat){0}), 0);
}

static void bitmap_marking_metadata_free_is_corrupt(void **state)
{
	struct t *t = *state;
	struct ext2_file *f;
	uint32_t bitmap = get32(t, img_group_desc_offset(&t->im, 0));
	uint8_t zero[8] = {0};

	img_pwrite(&t->im, (uint64_t)bitmap * 1024, zero, sizeof(zero));
	mount_ok(t);
	assert_int_equal(t_open(t->fs, "/new", UK_O_RDWR | UK_O_CREAT, &f), 0);
	assert_int_equal(ext2_write(f, 0, "data", 4), -ERR_CORRUPT);
	ext2_close(f);
}

static void freeing_a_free_block_is_corrupt(void **state)
{
	struct t *t = *state;
	uint32_t blk = img_inode_block(&t->im, ino_a, 0);
	uint32_t bitmap =
	    get32(t, img_group_desc_offset(&t->im, (blk - 1) / 8192));
	uint64_t at = (uint64_t)bitmap * 1024 + ((blk - 1) % 8192) / 8;
	uint8_t byte;

	img_pread(&t->im, at, &byte, 1);
	byte &= (uint8_t) ~(1u << ((blk - 1) % 8));
	img_pwrite(&t->im, at, &byte, 1);
	mount_ok(t);
	assert_int_equal(t_unlink(t->fs, "/dir/a"), -ERR_CORRUPT);
	struct ext2_counters c;
	ext2_counters(t->fs, &c);
	assert_true(c.corrupt >= 1);
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* Everything a client can do, with any result but a crash. */
static void exercise(struct ext2_fs *fs)
{
	static const char *paths[] = {"/",     "/d",	 "/d/f1",
				      "/d/f2", "/big",	 "/e",
				      "/e/g",  "/e/g/h", "/lost+found"};
	uint8_t buf[8192];
	uint64_t next;

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct ext2_file *f;
		struct uk_stat st;
		t_stat(fs, paths[i], &st);
		if (t_open(fs, paths[i], UK_O_RDONLY, &f) == 0) {
			for (uint64_t off = 0; off < 256 * 1024;
			     off += sizeof(buf))
				if (ext2_read(f, off, buf, sizeof(buf)) <= 0)
					break;
			uint64_t cookie = 0;
			for (int k = 0; k < 64; k++) {
				if (ext2_readdir(f, cookie, buf, 512, &next) <=
					0 ||
				    !next)
					break;
				cookie = next;
			}
			ext2_fstat(f, &st);
			ext2_close(f);
		}
	}
	struct ext2_file *f;
	if (t_open(fs, "/d/new", UK_O_RDWR | UK_O_CREAT, &f) == 0) {
		memset(buf, 'n', sizeof(buf));
		ext2_write(f, 0, buf, sizeof(buf));
		ext2_write(f, 70000, buf, 100);
		ext2_truncate(f, 5000);
		ext2_close(f);
	}
	if (t_open(fs, "/big", UK_O_RDWR, &f) == 0) {
		ext2_write(f, 100000, buf, sizeof(buf));
		ext2_truncate(f, 3000);
		ext2_close(f);
	}
	t_mkdir(fs, "/e/newdir");
	t_rename(fs, "/d/f1", "/e/g/moved");
	t_rename(fs, "/e/g", "/d/g2");
	t_unlink(fs, "/d/f2");
	t_rmdir(fs, "/e/newdir");
	t_rmdir(fs, "/e");
	ext2_sync(fs);
}

struct range {
	uint64_t off, len;
};

static void add_block(struct range *r, int *n, uint32_t block)
{
	if (block) {
		r[*n].off = (uint64_t)block * 1024;
		r[*n].len = 1024;
		(*n)++;
	}
}

static void fuzzed_images_never_crash(void **state)
{
	struct img base, m;
	struct ext2_fs *fs;
	uint8_t *big = malloc(200 * 1024);
	uint64_t seed = 42;
	int mounted = 0, corrupt = 0;
	struct range ranges[64];
	int nr = 0;

	(void)state;
	/* Small and dense: no reserved descriptor blocks to waste flips on. */
	img_make(&base, 1024, 2048, "-g 512 -N 128 -O ^resize_inode");
	fs = img_mount(&base);
	assert_int_equal(t_mkdir(fs, "/d"), 0);
	t_put(fs, "/d/f1", "one", 3);
	t_put(fs, "/d/f2", "two", 3);
	fill_pattern(big, 200 * 1024, 0, 1);
	t_put(fs, "/big", big, 200 * 1024);
	assert_int_equal(t_mkdir(fs, "/e"), 0);
	assert_int_equal(t_mkdir(fs, "/e/g"), 0);
	t_put(fs, "/e/g/h", "h", 1);
	uint32_t dirs[] = {2, ino_of(fs, "/d"), ino_of(fs, "/e"),
			   ino_of(fs, "/e/g")};
	uint32_t big_ino = ino_of(fs, "/big");
	assert_int_equal(ext2_unmount(fs), 0);
	/* What to flip: the superblock and descriptors, each group's bitmaps
	 * and inode table, the directories and /big's indirect blocks. */
	ranges[nr++] = (struct range){1024, 2048};
	for (uint32_t g = 0; g < 4; g++) {
		uint32_t d[3];
		img_pread(&base, img_group_desc_offset(&base, g), d, sizeof(d));
		add_block(ranges, &nr, d[0]);
		add_block(ranges, &nr, d[1]);
		ranges[nr++] = (struct range){(uint64_t)d[2] * 1024, 8 * 1024};
	}
	for (unsigned i = 0; i < 4; i++)
		add_block(ranges, &nr, img_inode_block(&base, dirs[i], 0));
	add_block(ranges, &nr, img_inode_block(&base, big_ino, 12));
	uint32_t dind = img_inode_block(&base, big_ino, 13), ind2;
	add_block(ranges, &nr, dind);
	img_pread(&base, (uint64_t)dind * 1024, &ind2, 4);
	add_block(ranges, &nr, ind2);

	img_to_memory(&base, &m);
	uint8_t *orig = malloc(base.size);
	memcpy(orig, m.mem, base.size);
	/* FS_FUZZ_ITERS and FS_FUZZ_SEED for longer hunts by hand. */
	int iters =
	    getenv("FS_FUZZ_ITERS") ? atoi(getenv("FS_FUZZ_ITERS")) : 1000;
	if (getenv("FS_FUZZ_SEED"))
		seed = strtoull(getenv("FS_FUZZ_SEED"), NULL, 0);
	for (int iter = 0; iter < iters; iter++) {
		memcpy(m.mem, orig, base.size);
		int flips = 1 + rnd(&seed) % 6;
		for (int k = 0; k < flips; k++) {
			const struct range *r = &ranges[rnd(&seed) % nr];
			uint64_t off = r->off + rnd(&seed) % r->len;
			uint8_t v = (uint8_t)rnd(&seed);
			if (rnd(&seed) % 2)
				v = (uint8_t)(m.mem[off] ^
					      (1u << (rnd(&seed) % 8)));
			m.mem[off] = v;
		}
		fs = NULL;
		if (img_try_mount(&m, &fs, false, 16 + rnd(&seed) % 16) == 0) {
			struct ext2_counters c;
			mounted++;
			exercise(fs);
			ext2_counters(fs, &c);
			corrupt += c.corrupt != 0;
			ext2_unmount(fs);
		}
	}
	print_message("fuzz: %d of %d images mounted, %d met corruption\n",
		      mounted, iters, corrupt);
	assert_true(mounted > iters / 4);
	assert_true(corrupt > iters / 20);
	free(orig);
	free(big);
	img_free_memory(&m);
	img_remove(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(bad_magic_is_refused),
	    T(file_system_larger_than_the_device_is_refused),
	    T(absurd_geometry_is_refused),
	    T(inode_table_outside_the_disk_is_refused),
	    T(a_bad_second_group_leaves_the_first_usable),
	    T(root_that_is_not_a_directory_is_refused),
	    T(block_pointer_beyond_the_end_is_corrupt),
	    T(block_pointer_into_the_inode_table_is_corrupt),
	    T(zero_record_length_is_corrupt),
	    T(record_length_past_the_block_is_corrupt),
	    T(unaligned_record_length_is_corrupt),
	    T(name_longer_than_its_record_is_corrupt),
	    T(entry_inode_out_of_range_is_corrupt),
	    T(entry_naming_a_free_inode_is_corrupt),
	    T(indirect_block_pointing_at_itself_is_corrupt),
	    T(double_indirect_loop_is_corrupt),
	    T(huge_file_size_is_corrupt),
	    T(huge_directory_size_is_corrupt),
	    T(directory_with_a_hole_is_corrupt),
	    T(unknown_file_type_is_corrupt),
	    T(extent_flag_on_ext2_is_corrupt),
	    T(parent_loop_is_corrupt_not_endless),
	    T(bitmap_marking_metadata_free_is_corrupt),
	    T(freeing_a_free_block_is_corrupt),
	    cmocka_unit_test(fuzzed_images_never_crash),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
