/* SPDX-License-Identifier: MIT */
/* Test images: see fs_image.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <uk/errors.h>

#include "fs_image.h"

static int dev_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct img *im = ctx;

	assert_true(off % 512 == 0 && len % 512 == 0);
	if (off > im->size || len > im->size - off)
		return -ERR_IO;
	if (im->fail_reads_after >= 0 && im->fail_reads_after-- == 0) {
		im->fail_reads_after = 0;
		return -ERR_IO;
	}
	im->reads++;
	if (im->mem) {
		memcpy(buf, im->mem + off, len);
		return 0;
	}
	return pread(im->fd, buf, len, (off_t)off) == (ssize_t)len ? 0
								   : -ERR_IO;
}

static int dev_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct img *im = ctx;

	assert_true(off % 512 == 0 && len % 512 == 0);
	if (off > im->size || len > im->size - off)
		return -ERR_IO;
	if (im->fail_writes_after >= 0 && im->fail_writes_after-- == 0) {
		im->fail_writes_after = 0;
		return -ERR_IO;
	}
	im->writes++;
	if (im->mem) {
		memcpy(im->mem + off, buf, len);
		return 0;
	}
	return pwrite(im->fd, buf, len, (off_t)off) == (ssize_t)len ? 0
								    : -ERR_IO;
}

static int dev_flush(void *ctx)
{
	struct img *im = ctx;

	im->flushes++;
	return 0;
}

static uint32_t dev_now(void *ctx)
{
	struct img *im = ctx;

	return im->now;
}

static void dev_log(void *ctx, const char *msg)
{
	(void)ctx;
	if (getenv("FS_TEST_VERBOSE"))
		fprintf(stderr, "  [log] %s\n", msg);
}

const struct ext2_dev_ops img_ops = {
    .read = dev_read,
    .write = dev_write,
    .flush = dev_flush,
    .now = dev_now,
    .log = dev_log,
};

static void run_or_fail(const char *cmd)
{
	int st = system(cmd);
	if (st != 0) {
		fprintf(stderr, "command failed (%d): %s\n", st, cmd);
		fail();
	}
}

void img_make(struct img *im, uint32_t block_size, uint32_t size_kib,
	      const char *options)
{
	char cmd[1024];
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	memset(im, 0, sizeof(*im));
	snprintf(im->path, sizeof(im->path), "%s/ext2test-XXXXXX", tmp);
	int fd = mkstemp(im->path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "%s -q -F -t ext2 -b %u %s '%s' %uk >/dev/null", MKE2FS,
		 block_size, options ? options : "", im->path, size_kib);
	run_or_fail(cmd);
	im->fd = open(im->path, O_RDWR);
	assert_true(im->fd >= 0);
	struct stat st;
	assert_int_equal(fstat(im->fd, &st), 0);
	im->size = (uint64_t)st.st_size;
	im->fail_reads_after = im->fail_writes_after = -1;
	im->now = (uint32_t)time(NULL);
}

void img_remove(struct img *im)
{
	if (im->fd >= 0 && im->path[0]) {
		close(im->fd);
		unlink(im->path);
	}
	im->fd = -1;
}

void img_to_memory(const struct img *im, struct img *copy)
{
	*copy = *im;
	copy->fd = -1;
	copy->path[0] = 0;
	copy->mem = malloc(im->size);
	assert_non_null(copy->mem);
	img_pread(im, 0, copy->mem, im->size);
}

void img_free_memory(struct img *im)
{
	free(im->mem);
	im->mem = NULL;
}

int img_try_mount(struct img *im, struct ext2_fs **fs, bool read_only,
		  uint32_t cache_blocks)
{
	struct ext2_mount_opts o = {.device_bytes = im->size,
				    .cache_blocks = cache_blocks,
				    .read_only = read_only};
	return ext2_mount(&img_ops, im, &o, fs);
}

struct ext2_fs *img_mount(struct img *im)
{
	struct ext2_fs *fs = NULL;
	/* A small cache, so eviction and write-back run all the time. */
	int rc = img_try_mount(im, &fs, false, 24);

	if (rc < 0)
		fprintf(stderr, "mount failed: %s\n", err_name(rc));
	assert_int_equal(rc, 0);
	return fs;
}

static int capture(const char *cmd, char **out, size_t *out_len)
{
	FILE *p = popen(cmd, "r");
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	assert_non_null(p);
	assert_non_null(buf);
	for (;;) {
		if (len == cap) {
			char *bigger = realloc(buf, cap * 2);
			assert_non_null(bigger);
			buf = bigger;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, p);
		if (n == 0)
			break;
		len += n;
	}
	int st = pclose(p);
	*out = buf;
	*out_len = len;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Whether e2fsck said anything beyond its version, the five pass headers
 * and the summary: with -n some problems (a superblock free count that is
 * off) are reported and still exit 0. */
static bool fsck_output_clean(const char *out, size_t len)
{
	const char *line = out, *end = out + len;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		bool ok = n == 0 || !strncmp(line, "Pass ", 5) ||
			  !strncmp(line, "e2fsck ", 7) ||
			  (memmem(line, n, " files (", 8) &&
			   memmem(line, n, " blocks", 7));
		if (!ok)
			return false;
		line += n + 1;
	}
	return true;
}

int img_fsck(const struct img *im)
{
	char cmd[512], *out;
	size_t len;

	snprintf(cmd, sizeof(cmd), "%s -fn '%s' 2>&1", E2FSCK, im->path);
	int rc = capture(cmd, &out, &len);
	if (rc == 0 && !fsck_output_clean(out, len))
		rc = 100;
	if (rc != 0)
		fprintf(stderr, "e2fsck -fn: %d\n%.*s\n", rc, (int)len, out);
	free(out);
	return rc;
}

uint8_t *img_debugfs_cat(const struct img *im, const char *path, size_t *len)
{
	char cmd[1024], *out;

	snprintf(cmd, sizeof(cmd), "%s -R 'cat \"%s\"' '%s' 2>/dev/null",
		 DEBUGFS, path, im->path);
	int rc = capture(cmd, &out, len);
	assert_int_equal(rc, 0);
	return (uint8_t *)out;
}

int img_debugfs_write(const struct img *im, const char *c)
{
	char cmd[1024], *out;
	size_t len;

	snprintf(cmd, sizeof(cmd), "%s -w -R '%s' '%s' 2>&1", DEBUGFS, c,
		 im->path);
	int rc = capture(cmd, &out, &len);
	free(out);
	return rc;
}

int img_shell(const struct img *im, const char *fmt)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, im->path);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void img_pread(const struct img *im, uint64_t off, void *buf, size_t len)
{
	if (im->mem) {
		memcpy(buf, im->mem + off, len);
		return;
	}
	assert_int_equal(pread(im->fd, buf, len, (off_t)off), (ssize_t)len);
}

void img_pwrite(struct img *im, uint64_t off, const void *buf, size_t len)
{
	if (im->mem) {
		memcpy(im->mem + off, buf, len);
		return;
	}
	assert_int_equal(pwrite(im->fd, buf, len, (off_t)off), (ssize_t)len);
}

static uint32_t sb32(const struct img *im, unsigned off)
{
	uint32_t v;

	img_pread(im, 1024 + off, &v, 4);
	return v;
}

uint32_t img_block_size(const struct img *im)
{
	return 1024u << sb32(im, 24);
}

uint64_t img_group_desc_offset(const struct img *im, uint32_t group)
{
	uint32_t bs = img_block_size(im);

	return (uint64_t)(sb32(im, 20) + 1) * bs + group * 32u;
}

uint64_t img_inode_offset(const struct img *im, uint32_t ino)
{
	uint32_t ipg = sb32(im, 40), bs = img_block_size(im);
	uint32_t isz = sb32(im, 76) ? (sb32(im, 88) & 0xffff) : 128;
	uint32_t table;

	img_pread(im, img_group_desc_offset(im, (ino - 1) / ipg) + 8, &table,
		  4);
	return (uint64_t)table * bs + (uint64_t)((ino - 1) % ipg) * isz;
}

uint32_t img_inode_block(const struct img *im, uint32_t ino, unsigned idx)
{
	uint32_t v;

	img_pread(im, img_inode_offset(im, ino) + 40 + 4 * idx, &v, 4);
	return v;
}

void img_set_inode_block(struct img *im, uint32_t ino, unsigned idx,
			 uint32_t block)
{
	img_pwrite(im, img_inode_offset(im, ino) + 40 + 4 * idx, &block, 4);
}

int t_open(struct ext2_fs *fs, const char *path, uint32_t flags,
	   struct ext2_file **f)
{
	return ext2_open(fs, path, strlen(path), flags, 0644, f);
}

int t_stat(struct ext2_fs *fs, const char *path, struct uk_stat *st)
{
	return ext2_stat(fs, path, strlen(path), st);
}

int t_unlink(struct ext2_fs *fs, const char *path)
{
	return ext2_unlink(fs, path, strlen(path));
}

int t_mkdir(struct ext2_fs *fs, const char *path)
{
	return ext2_mkdir(fs, path, strlen(path), 0755);
}

int t_rmdir(struct ext2_fs *fs, const char *path)
{
	return ext2_rmdir(fs, path, strlen(path));
}

int t_rename(struct ext2_fs *fs, const char *from, const char *to)
{
	return ext2_rename(fs, from, strlen(from), to, strlen(to));
}

void t_put(struct ext2_fs *fs, const char *path, const void *data, size_t len)
{
	struct ext2_file *f;

	assert_int_equal(
	    t_open(fs, path, UK_O_RDWR | UK_O_CREAT | UK_O_TRUNC, &f), 0);
	assert_int_equal(ext2_write(f, 0, data, len), (long)len);
	assert_int_equal(ext2_close(f), 0);
}

uint8_t *t_get(struct ext2_fs *fs, const char *path, size_t *len)
{
	struct ext2_file *f;
	struct uk_stat st;

	assert_int_equal(t_open(fs, path, UK_O_RDONLY, &f), 0);
	assert_int_equal(ext2_fstat(f, &st), 0);
	uint8_t *buf = malloc(st.size + 1);
	assert_non_null(buf);
	assert_int_equal(ext2_read(f, 0, buf, st.size), (long)st.size);
	assert_int_equal(ext2_close(f), 0);
	*len = st.size;
	return buf;
}

void fill_pattern(uint8_t *buf, size_t len, uint64_t offset, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t x = (offset + i) * 0x9e3779b97f4a7c15ull + seed;
		buf[i] = (uint8_t)(x >> 56);
	}
}
