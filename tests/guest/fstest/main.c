/* SPDX-License-Identifier: MIT */
/*
 * fstest: the file server through its protocol (uk/proto/fs.h), against the
 * disk image of disk/ (sample files, data/big.txt). Tests have stable ids
 * (FS0001...) and run one by one by id or name (test=fstest:FS0005); the
 * run ends with FS_SYNC and one summary line "fstest: N passed, M failed".
 *
 * What the host checks afterwards (run-fstest.sh): /written/file holds
 * WRITTEN_LINE 100 times and /written/big.bin the first MiB of
 * /data/big.txt, and e2fsck finds the image clean.
 */
#include <stdbool.h>
#include <string.h>
#include <ulib.h>

#include "fsrpc.h"

#define WRITTEN_LINE "fstest: written by the guest through the fs protocol\n"
#define BIG_SIZE (2u << 20)
#define MIB (1u << 20)

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("fstest:   FAIL line %d: %s\n", __LINE__,       \
			       #cond);                                         \
			failures++;                                            \
			return;                                                \
		}                                                              \
	} while (0)

/* rc must be want; prints both names when not. */
#define CHECK_RC(rc, want)                                                     \
	do {                                                                   \
		long rc_ = (long)(rc), want_ = (long)(want);                   \
		if (rc_ != want_) {                                            \
			printf("fstest:   FAIL line %d: %s = %s (%ld), want "  \
			       "%s\n",                                         \
			       __LINE__, #rc, err_name(rc_), rc_,              \
			       err_name(want_));                               \
			failures++;                                            \
			return;                                                \
		}                                                              \
	} while (0)

/* The byte of data/big.txt at offset: numbered lines "000000\n"... */
static uint8_t big_byte(uint64_t off)
{
	uint64_t line = off / 7;
	unsigned col = (unsigned)(off % 7);

	if (col == 6)
		return '\n';
	for (unsigned k = 5; k > col; k--)
		line /= 10;
	return (uint8_t)('0' + line % 10);
}

static bool big_matches(const uint8_t *buf, uint64_t off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (buf[i] != big_byte(off + i)) {
			printf("fstest:   big.txt differs at offset %lu\n",
			       (unsigned long)(off + i));
			return false;
		}
	return true;
}

static uint8_t *big_buffer(void)
{
	static uint8_t *buf;

	if (!buf)
		buf = malloc(BIG_SIZE);
	return buf;
}

/* /written holds what the host checks afterwards. */
static long written_dir(void)
{
	long rc = fs_mkdir("/written");

	return rc == -ERR_EXISTS ? 0 : rc;
}

static void fs0001_service_is_registered(void)
{
	CHECK(fsrpc_service != 0);
	struct uk_statfs sf;
	CHECK_RC(fs_statfs(&sf), 0);
	CHECK(sf.block_size == 1024 || sf.block_size == 2048 ||
	      sf.block_size == 4096);
	CHECK(sf.blocks > 0 && sf.blocks_free < sf.blocks);
	CHECK(sf.inodes > 0 && sf.inodes_free < sf.inodes);
	printf("fstest:   %lu blocks of %lu, %lu free; cache %lu hits, %lu "
	       "misses\n",
	       (unsigned long)sf.blocks, (unsigned long)sf.block_size,
	       (unsigned long)sf.blocks_free, (unsigned long)sf.cache_hits,
	       (unsigned long)sf.cache_misses);
}

static void fs0002_sample_files_are_readable(void)
{
	static const char motd[] = "Welcome to the microkernel.";
	uk_name_t f;
	struct uk_stat st;
	char buf[512];

	CHECK_RC(fs_open("/etc/motd", UK_O_RDONLY, &f, &st), 0);
	CHECK((st.mode & UK_S_IFMT) == UK_S_IFREG);
	CHECK(st.size > sizeof(motd) && st.size < sizeof(buf));
	CHECK_RC(file_read(f, 0, buf, sizeof(buf)), (long)st.size);
	CHECK(!memcmp(buf, motd, sizeof(motd) - 1));
	CHECK_RC(file_read(f, st.size, buf, sizeof(buf)), 0);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_stat("/docs/guide/chapters/02-files.txt", &st), 0);
	CHECK(st.size > 0);
	CHECK_RC(fs_stat("/bin/fs", &st), 0);
	CHECK(st.size > 4096);
	CHECK_RC(fs_stat("/docs/guide", &st), 0);
	CHECK((st.mode & UK_S_IFMT) == UK_S_IFDIR);
	CHECK(st.nlink == 3);
}

static void fs0003_big_file_reads_in_large_and_small_pieces(void)
{
	uint8_t *buf = big_buffer();
	uk_name_t f;
	struct uk_stat st;

	CHECK(buf != NULL);
	CHECK_RC(fs_open("/data/big.txt", UK_O_RDONLY, &f, &st), 0);
	CHECK(st.size == BIG_SIZE);
	uint64_t t0 = uk_clock();
	/* 1 MiB per request: out of line. */
	for (uint32_t off = 0; off < BIG_SIZE; off += MIB)
		CHECK_RC(file_read(f, off, buf + off, MIB), MIB);
	uint64_t t1 = uk_clock();
	CHECK(big_matches(buf, 0, BIG_SIZE));
	printf("fstest:   read 2 MiB in 1 MiB requests: %lu ms\n",
	       (unsigned long)((t1 - t0) / 1000000));
	/* Odd pieces, inline and not, across block boundaries. */
	static const uint32_t offs[] = {1, 4095, 4097, 100000, BIG_SIZE - 10};
	static const uint32_t lens[] = {10, 3584, 3585, 12345, 10};
	for (unsigned i = 0; i < 5; i++) {
		CHECK_RC(file_read(f, offs[i], buf, lens[i]), lens[i]);
		CHECK(big_matches(buf, offs[i], lens[i]));
	}
	/* Past the end: short, then nothing. */
	CHECK_RC(file_read(f, BIG_SIZE - 5, buf, 100), 5);
	CHECK_RC(file_read(f, BIG_SIZE + 5, buf, 100), 0);
	CHECK_RC(file_close(f), 0);
}

static void fs0004_create_write_read_back(void)
{
	static char text[100 * sizeof(WRITTEN_LINE)];
	char back[sizeof(text)];
	uint32_t len = 0;
	uk_name_t f;
	struct uk_stat st;

	for (int i = 0; i < 100; i++) {
		memcpy(text + len, WRITTEN_LINE, sizeof(WRITTEN_LINE) - 1);
		len += sizeof(WRITTEN_LINE) - 1;
	}
	CHECK_RC(written_dir(), 0);
	CHECK_RC(fs_open("/written/file", UK_O_RDWR | UK_O_CREAT | UK_O_TRUNC,
			 &f, &st),
		 0);
	CHECK(st.size == 0 && (st.mode & UK_S_IFMT) == UK_S_IFREG);
	/* Inline pieces of up to 3000 bytes. */
	for (uint32_t off = 0; off < len; off += 3000) {
		uint32_t n = len - off < 3000 ? len - off : 3000;
		CHECK_RC(file_write(f, off, text + off, n), n);
	}
	CHECK_RC(file_stat(f, &st), 0);
	CHECK(st.size == len);
	CHECK(st.nlink == 1);
	CHECK_RC(file_read(f, 0, back, len), len);
	CHECK(!memcmp(back, text, len));
	CHECK_RC(file_fsync(f), 0);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_stat("/written/file", &st), 0);
	CHECK(st.size == len);
}

static void fs0005_large_out_of_line_write_and_read(void)
{
	uint8_t *buf = big_buffer(), *back;
	uk_name_t f, big;
	struct uk_statfs before, after;

	CHECK(buf != NULL);
	back = buf + MIB;
	CHECK_RC(fs_open("/data/big.txt", UK_O_RDONLY, &big, NULL), 0);
	CHECK_RC(file_read(big, 0, buf, MIB), MIB);
	CHECK_RC(file_close(big), 0);
	CHECK_RC(written_dir(), 0);
	CHECK_RC(fs_statfs(&before), 0);
	CHECK_RC(fs_open("/written/big.bin",
			 UK_O_RDWR | UK_O_CREAT | UK_O_TRUNC, &f, NULL),
		 0);
	uint64_t t0 = uk_clock();
	CHECK_RC(file_write(f, 0, buf, MIB), MIB);
	uint64_t t1 = uk_clock();
	CHECK_RC(fs_statfs(&after), 0);
	CHECK(before.blocks_free - after.blocks_free >=
	      MIB / before.block_size);
	memset(back, 0, MIB);
	CHECK_RC(file_read(f, 0, back, MIB), MIB);
	CHECK(!memcmp(back, buf, MIB));
	printf("fstest:   wrote 1 MiB in one request: %lu ms\n",
	       (unsigned long)((t1 - t0) / 1000000));
	CHECK_RC(file_close(f), 0);
}

static void fs0006_truncate_shrinks_and_grows_with_zeros(void)
{
	uk_name_t f;
	struct uk_stat st;
	uint8_t buf[9000];

	memset(buf, 'x', sizeof(buf));
	CHECK_RC(
	    fs_open("/trunc.tmp", UK_O_RDWR | UK_O_CREAT | UK_O_EXCL, &f, NULL),
	    0);
	CHECK_RC(file_write(f, 0, buf, sizeof(buf)), sizeof(buf));
	CHECK_RC(file_truncate(f, 5000), 0);
	CHECK_RC(file_stat(f, &st), 0);
	CHECK(st.size == 5000);
	CHECK_RC(file_truncate(f, 8000), 0);
	CHECK_RC(file_read(f, 0, buf, sizeof(buf)), 8000);
	CHECK(buf[4999] == 'x' && buf[5000] == 0 && buf[7999] == 0);
	CHECK_RC(file_truncate(f, 0), 0);
	CHECK_RC(file_stat(f, &st), 0);
	CHECK(st.size == 0 && st.blocks == 0);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_unlink("/trunc.tmp"), 0);
}

static void fs0007_rename_files_and_directories(void)
{
	uk_name_t f;
	struct uk_stat st, a, b;

	CHECK_RC(fs_mkdir("/ra"), 0);
	CHECK_RC(fs_mkdir("/rb"), 0);
	CHECK_RC(fs_mkdir("/ra/sub"), 0);
	CHECK_RC(fs_open("/ra/sub/f", UK_O_WRONLY | UK_O_CREAT, &f, NULL), 0);
	CHECK_RC(file_write(f, 0, "moved", 5), 5);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_rename("/ra/sub", "/rb/sub2"), 0);
	CHECK_RC(fs_stat("/ra/sub", &st), -ERR_NOT_FOUND);
	CHECK_RC(fs_stat("/rb/sub2/f", &st), 0);
	CHECK(st.size == 5);
	CHECK_RC(fs_stat("/ra", &a), 0);
	CHECK_RC(fs_stat("/rb", &b), 0);
	CHECK(a.nlink == 2 && b.nlink == 3);
	CHECK_RC(fs_stat("/rb/sub2/..", &st), 0);
	CHECK(st.ino == b.ino);
	/* Replace an existing file. */
	CHECK_RC(fs_open("/rb/other", UK_O_WRONLY | UK_O_CREAT, &f, NULL), 0);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_rename("/rb/sub2/f", "/rb/other"), 0);
	CHECK_RC(fs_stat("/rb/other", &st), 0);
	CHECK(st.size == 5);
	CHECK_RC(fs_rename("/rb", "/rb/sub2/inside"), -ERR_INVALID);
	CHECK_RC(fs_rename("/rb/other", "/ra"), -ERR_IS_DIR);
	CHECK_RC(fs_rename("/rb/missing", "/ra/x"), -ERR_NOT_FOUND);
	CHECK_RC(fs_unlink("/rb/other"), 0);
	CHECK_RC(fs_rmdir("/rb/sub2"), 0);
	CHECK_RC(fs_rmdir("/rb"), 0);
	CHECK_RC(fs_rmdir("/ra"), 0);
}

static void fs0008_mkdir_and_rmdir(void)
{
	struct uk_stat root, st;
	uk_name_t f;

	CHECK_RC(fs_stat("/", &root), 0);
	CHECK_RC(fs_mkdir("/md"), 0);
	CHECK_RC(fs_mkdir("/md"), -ERR_EXISTS);
	CHECK_RC(fs_mkdir("/md/a/b"), -ERR_NOT_FOUND);
	CHECK_RC(fs_mkdir("/md/a"), 0);
	CHECK_RC(fs_stat("/", &st), 0);
	CHECK(st.nlink == root.nlink + 1);
	CHECK_RC(fs_stat("/md", &st), 0);
	CHECK(st.nlink == 3 && (st.mode & UK_S_IFMT) == UK_S_IFDIR);
	CHECK_RC(fs_rmdir("/md"), -ERR_NOT_EMPTY);
	CHECK_RC(fs_open("/md/a/file", UK_O_WRONLY | UK_O_CREAT, &f, NULL), 0);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_rmdir("/md/a/file"), -ERR_NOT_DIR);
	CHECK_RC(fs_rmdir("/"), -ERR_BUSY);
	CHECK_RC(fs_unlink("/md/a/file"), 0);
	CHECK_RC(fs_rmdir("/md/a"), 0);
	CHECK_RC(fs_rmdir("/md"), 0);
	CHECK_RC(fs_stat("/", &st), 0);
	CHECK(st.nlink == root.nlink);
}

static void fs0009_unlink_while_open(void)
{
	uk_name_t f;
	struct uk_statfs before, mid, after;
	char buf[16];

	CHECK_RC(fs_statfs(&before), 0);
	CHECK_RC(
	    fs_open("/ul.tmp", UK_O_RDWR | UK_O_CREAT | UK_O_EXCL, &f, NULL),
	    0);
	CHECK_RC(file_write(f, 0, "still here", 10), 10);
	CHECK_RC(fs_unlink("/ul.tmp"), 0);
	CHECK_RC(fs_unlink("/ul.tmp"), -ERR_NOT_FOUND);
	CHECK_RC(fs_statfs(&mid), 0);
	CHECK(mid.inodes_free == before.inodes_free - 1);
	CHECK_RC(file_read(f, 0, buf, sizeof(buf)), 10);
	CHECK(!memcmp(buf, "still here", 10));
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_statfs(&after), 0);
	CHECK(after.inodes_free == before.inodes_free);
	CHECK(after.blocks_free == before.blocks_free);
}

static int find_name(const uint8_t *buf, long len, const char *name)
{
	int found = 0;

	for (long off = 0; off + (long)sizeof(struct uk_dirent) <= len;) {
		struct uk_dirent d;
		memcpy(&d, buf + off, sizeof(d));
		if (d.reclen < sizeof(d) + 1 || off + d.reclen > len)
			return -1;
		if (d.name_len == strlen(name) &&
		    !memcmp(buf + off + sizeof(d), name, d.name_len))
			found++;
		off += d.reclen;
	}
	return found;
}

static void fs0010_readdir_with_cookies(void)
{
	uk_name_t f;
	static uint8_t all[8192];
	uint8_t buf[64];
	long total = 0;
	uint64_t cookie = 0, next;

	CHECK_RC(fs_open("/docs/guide/chapters", UK_O_RDONLY | UK_O_DIRECTORY,
			 &f, NULL),
		 0);
	/* 64 bytes hold one or two records: several calls. */
	int calls = 0;
	do {
		long n = file_readdir(f, cookie, buf, sizeof(buf), &next);
		CHECK(n > 0 || (n == 0 && next == 0));
		CHECK(total + n <= (long)sizeof(all));
		memcpy(all + total, buf, (size_t)n);
		total += n;
		cookie = next;
		calls++;
	} while (cookie && calls < 100);
	CHECK(calls > 1);
	CHECK(find_name(all, total, ".") == 1);
	CHECK(find_name(all, total, "..") == 1);
	CHECK(find_name(all, total, "01-ports.txt") == 1);
	CHECK(find_name(all, total, "02-files.txt") == 1);
	/* Too small for any record, and readdir on a file. */
	CHECK_RC(file_readdir(f, 0, buf, 8, &next), -ERR_INVALID);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_open("/etc/motd", UK_O_RDONLY, &f, NULL), 0);
	CHECK_RC(file_readdir(f, 0, buf, sizeof(buf), &next), -ERR_NOT_DIR);
	CHECK_RC(file_close(f), 0);
	/* The root lists bin, etc, data, docs, home. */
	CHECK_RC(fs_open("/", UK_O_RDONLY, &f, NULL), 0);
	long n = file_readdir(f, 0, all, sizeof(all), &next);
	CHECK(n > 0);
	CHECK(find_name(all, n, "bin") == 1 && find_name(all, n, "data") == 1 &&
	      find_name(all, n, "etc") == 1 &&
	      find_name(all, n, "lost+found") == 1);
	CHECK_RC(file_close(f), 0);
}

static void fs0011_error_codes(void)
{
	uk_name_t f;
	struct uk_stat st;
	char name[300];

	CHECK_RC(fs_open("/no/such/file", UK_O_RDONLY, &f, NULL),
		 -ERR_NOT_FOUND);
	CHECK_RC(
	    fs_open("/etc/motd", UK_O_RDWR | UK_O_CREAT | UK_O_EXCL, &f, NULL),
	    -ERR_EXISTS);
	CHECK_RC(fs_open("/etc", UK_O_RDWR, &f, NULL), -ERR_IS_DIR);
	CHECK_RC(fs_open("/etc/motd", UK_O_RDONLY | UK_O_DIRECTORY, &f, NULL),
		 -ERR_NOT_DIR);
	CHECK_RC(fs_open("/etc/motd/x", UK_O_RDONLY, &f, NULL), -ERR_NOT_DIR);
	CHECK_RC(fs_open("etc/motd", UK_O_RDONLY, &f, NULL), -ERR_INVALID);
	CHECK_RC(fs_open("/etc/motd", 3, &f, NULL), -ERR_INVALID);
	memset(name, 'n', sizeof(name));
	name[0] = '/';
	name[257] = 0;
	CHECK_RC(fs_open(name, UK_O_RDWR | UK_O_CREAT, &f, NULL),
		 -ERR_NAME_TOO_LONG);
	CHECK_RC(fs_stat("/nothing", &st), -ERR_NOT_FOUND);
	CHECK_RC(fs_unlink("/etc"), -ERR_IS_DIR);
	CHECK_RC(fs_rmdir("/etc"), -ERR_NOT_EMPTY);
	CHECK_RC(fs_rmdir("/etc/motd"), -ERR_NOT_DIR);
	CHECK_RC(fs_rename("/etc", "/etc/inside"), -ERR_INVALID);
	/* Access modes. */
	char buf[4];
	CHECK_RC(fs_open("/etc/motd", UK_O_RDONLY, &f, NULL), 0);
	CHECK_RC(file_write(f, 0, "x", 1), -ERR_BAD_HANDLE);
	CHECK_RC(file_truncate(f, 0), -ERR_BAD_HANDLE);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_open("/etc", UK_O_RDONLY, &f, NULL), 0);
	CHECK_RC(file_read(f, 0, buf, sizeof(buf)), -ERR_IS_DIR);
	CHECK_RC(file_close(f), 0);
}

static void fs0012_malformed_requests_are_refused(void)
{
	struct uk_fs_path_req *rq;
	struct uk_statfs before, after;
	uk_name_t f;

	CHECK_RC(fs_statfs(&before), 0);
	/* A path longer than what arrived. */
	rq = uk_msg_body(&fsrpc_rq.h);
	memset(&fsrpc_rq.h, 0, sizeof(fsrpc_rq.h));
	fsrpc_rq.h.id = FS_STAT;
	memset(rq, 0, sizeof(*rq));
	rq->path_len = 100;
	memcpy(rq + 1, "/etc", 4);
	CHECK_RC(fsrpc_send(fsrpc_service, sizeof(*rq) + 4), -ERR_INVALID);
	/* No path at all; a struct cut short. */
	rq->path_len = 0;
	CHECK_RC(fsrpc_send(fsrpc_service, sizeof(*rq)), -ERR_INVALID);
	CHECK_RC(fsrpc_send(fsrpc_service, sizeof(*rq) - 2), -ERR_INVALID);
	/* A path over the limit; a NUL inside one. */
	rq->path_len = UK_FS_PATH_MAX + 1;
	CHECK_RC(fsrpc_send(fsrpc_service, sizeof(*rq) + 4),
		 -ERR_NAME_TOO_LONG);
	rq->path_len = 9;
	memcpy(rq + 1, "/etc\0motd", 9);
	CHECK_RC(fsrpc_send(fsrpc_service, sizeof(*rq) + 9), -ERR_INVALID);
	/* Unknown ids and operations sent to the wrong port. */
	fsrpc_rq.h.id = UK_PROTO_FS + 99;
	CHECK_RC(fsrpc_send(fsrpc_service, 0), -ERR_UNSUPPORTED);
	fsrpc_rq.h.id = 0x12345;
	CHECK_RC(fsrpc_send(fsrpc_service, 0), -ERR_UNSUPPORTED);
	fsrpc_rq.h.id = FILE_READ;
	CHECK_RC(fsrpc_send(fsrpc_service, 16), -ERR_UNSUPPORTED);
	CHECK_RC(fs_open("/etc/motd", UK_O_RDWR, &f, NULL), 0);
	memset(&fsrpc_rq.h, 0, sizeof(fsrpc_rq.h));
	fsrpc_rq.h.id = FS_SYNC;
	CHECK_RC(fsrpc_send(f, 0), -ERR_UNSUPPORTED);
	/* A write whose data disagrees with its length; a huge read. */
	struct uk_file_io_req *io = uk_msg_body(&fsrpc_rq.h);
	fsrpc_rq.h.id = FILE_WRITE;
	io->offset = 0;
	io->len = 100;
	io->reserved = 0;
	CHECK_RC(fsrpc_send(f, sizeof(*io) + 10), -ERR_INVALID);
	fsrpc_rq.h.id = FILE_READ;
	io->len = UK_FILE_IO_MAX + 1;
	CHECK_RC(fsrpc_send(f, sizeof(*io)), -ERR_INVALID);
	/* A right where none belongs: refused, and the server drops it. */
	long extra = uk_port_allocate(UK_RIGHT_RECEIVE);
	CHECK(extra > 0);
	memset(&fsrpc_rq.h, 0, sizeof(fsrpc_rq.h));
	fsrpc_rq.h.id = FS_STAT;
	fsrpc_rq.h.n_ports = 1;
	uk_msg_ports(&fsrpc_rq.h)[0] =
	    (struct uk_msg_port){(uk_name_t)extra, UK_DISP_MAKE_SEND};
	rq = uk_msg_body(&fsrpc_rq.h);
	memset(rq, 0, sizeof(*rq));
	rq->path_len = 4;
	memcpy(rq + 1, "/etc", 4);
	CHECK_RC(fsrpc_send(fsrpc_service, sizeof(*rq) + 4), -ERR_INVALID);
	struct uk_port_info info;
	CHECK_RC(uk_port_info((uk_name_t)extra, &info), 0);
	CHECK(info.senders == 0);
	uk_port_destroy((uk_name_t)extra);
	CHECK_RC(file_close(f), 0);
	/* A reply right that is not send-once: no answer can go there, and
	 * the server drops it rather than keep it. */
	long mine = uk_port_allocate(UK_RIGHT_RECEIVE);
	CHECK(mine > 0);
	memset(&fsrpc_rq.h, 0, sizeof(fsrpc_rq.h));
	fsrpc_rq.h.id = FS_STATFS;
	fsrpc_rq.h.size = sizeof(fsrpc_rq.h);
	fsrpc_rq.h.dest = fsrpc_service;
	fsrpc_rq.h.reply = (uk_name_t)mine;
	fsrpc_rq.h.reply_disposition = UK_DISP_MAKE_SEND;
	CHECK_RC(uk_ipc_send(&fsrpc_rq.h, fsrpc_rq.h.size, 1000000000ull), 0);
	CHECK_RC(fs_statfs(&after), 0); /* served in order: that one is done */
	CHECK_RC(uk_port_info((uk_name_t)mine, &info), 0);
	CHECK(info.senders == 0 && info.queued == 0);
	uk_port_destroy((uk_name_t)mine);
	/* Still serving, nothing changed. */
	CHECK_RC(fs_statfs(&after), 0);
	CHECK(after.blocks_free == before.blocks_free &&
	      after.inodes_free == before.inodes_free);
}

/* Waits (with a deadline) for the server to free an inode. */
static bool wait_inodes_free(uint64_t want)
{
	uint64_t deadline = (uint64_t)uk_clock() + 10ull * 1000000000ull;
	struct uk_statfs sf;

	while ((uint64_t)uk_clock() < deadline) {
		if (fs_statfs(&sf) == 0 && sf.inodes_free == want)
			return true;
		uk_yield();
	}
	return false;
}

static void fs0013_dropping_the_last_right_closes_the_file(void)
{
	uk_name_t f, g;
	struct uk_statfs before;
	char buf[4];

	CHECK_RC(fs_statfs(&before), 0);
	CHECK_RC(
	    fs_open("/drop.tmp", UK_O_RDWR | UK_O_CREAT | UK_O_EXCL, &f, NULL),
	    0);
	CHECK_RC(fs_unlink("/drop.tmp"), 0);
	/* No FILE_CLOSE: only the send right goes. The server hears of it
	 * (no-senders) and frees the orphan. */
	CHECK_RC(uk_port_deallocate(f), 0);
	CHECK(wait_inodes_free(before.inodes_free));
	/* After FILE_CLOSE the port is dead. */
	CHECK_RC(fs_open("/etc/motd", UK_O_RDONLY, &g, NULL), 0);
	CHECK(uk_port_insert_right(g, UK_DISP_COPY_SEND) ==
	      (long)g); /* keep one */
	CHECK_RC(file_close(g), 0);
	CHECK_RC(file_read(g, 0, buf, sizeof(buf)), -ERR_DEAD);
	uk_port_deallocate(g);
}

static void fs0014_many_open_files(void)
{
	static uk_name_t ports[300];
	int n = 0;
	long rc = 0;

	while (n < 300 && (rc = fs_open("/etc/hostname", UK_O_RDONLY, &ports[n],
					NULL)) == 0)
		n++;
	CHECK(n >= 200);
	if (n < 300)
		CHECK_RC(rc, -ERR_LIMIT);
	for (int i = 0; i < n; i++)
		CHECK_RC(file_close(ports[i]), 0);
	CHECK_RC(fs_open("/etc/hostname", UK_O_RDONLY, &ports[0], NULL), 0);
	CHECK_RC(file_close(ports[0]), 0);
}

static void fs0015_dirty_data_is_written_back_within_seconds(void)
{
	uk_name_t f;
	struct uk_statfs sf;

	CHECK_RC(written_dir(), 0);
	CHECK_RC(fs_open("/written/aged", UK_O_WRONLY | UK_O_CREAT, &f, NULL),
		 0);
	CHECK_RC(file_write(f, 0, "aged", 4), 4);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_statfs(&sf), 0);
	CHECK(sf.dirty_blocks > 0);
	/* No FS_SYNC: the server writes back data older than two seconds,
	 * however busy it is (we keep asking). */
	uint64_t start = (uint64_t)uk_clock();
	while (sf.dirty_blocks &&
	       (uint64_t)uk_clock() - start < 10000000000ull) {
		uk_sleep(50000000);
		CHECK_RC(fs_statfs(&sf), 0);
	}
	CHECK(sf.dirty_blocks == 0);
	printf("fstest:   written back after %lu ms\n",
	       (unsigned long)(((uint64_t)uk_clock() - start) / 1000000));
}

static void fs0016_sync_writes_everything_back(void)
{
	struct uk_statfs sf;
	uk_name_t f;

	CHECK_RC(written_dir(), 0);
	CHECK_RC(fs_open("/written/synced", UK_O_WRONLY | UK_O_CREAT, &f, NULL),
		 0);
	CHECK_RC(file_write(f, 0, "synced", 6), 6);
	CHECK_RC(file_close(f), 0);
	CHECK_RC(fs_sync(), 0);
	CHECK_RC(fs_statfs(&sf), 0);
	CHECK(sf.dirty_blocks == 0);
}

/* Benchmarks: under --icount (shift=0) rdtsc counts guest instructions,
 * so these are instructions per operation, client and servers together. */
static void bench_line(const char *what, uint64_t t0, uint64_t t1, unsigned n)
{
	printf("bench: fs %s: %lu %s per op (%u ops)\n", what,
	       (unsigned long)((t1 - t0) / n), tsc_unit(), n);
}

static int bench(void)
{
	uint8_t *buf = big_buffer();
	struct uk_stat st;
	uk_name_t f, big;
	uint64_t t0;
	const unsigned n = 200;

	if (!buf || written_dir() < 0 ||
	    fs_open("/data/big.txt", UK_O_RDONLY, &big, NULL) < 0) {
		printf("fstest: bench setup failed\n");
		return 1;
	}
	t0 = rdtsc();
	for (unsigned i = 0; i < n; i++)
		fs_stat("/docs/guide/chapters/01-ports.txt", &st);
	bench_line("stat (3 components)", t0, rdtsc(), n);
	t0 = rdtsc();
	for (unsigned i = 0; i < n; i++)
		if (fs_open("/etc/motd", UK_O_RDONLY, &f, NULL) == 0)
			file_close(f);
	bench_line("open+close", t0, rdtsc(), n);
	file_read(big, 0, buf, 4096);
	t0 = rdtsc();
	for (unsigned i = 0; i < n; i++)
		file_read(big, 0, buf, 4096);
	bench_line("read 4 KiB, cached", t0, rdtsc(), n);
	t0 = rdtsc();
	for (unsigned i = 0; i < 64; i++)
		file_read(big, 65536 + i * 4096, buf, 4096);
	bench_line("read 4 KiB, from the device", t0, rdtsc(), 64);
	t0 = rdtsc();
	for (unsigned i = 0; i < 8; i++)
		file_read(big, (i % 2) * MIB, buf, MIB);
	bench_line("read 1 MiB, direct", t0, rdtsc(), 8);
	file_close(big);
	if (fs_open("/written/bench", UK_O_RDWR | UK_O_CREAT | UK_O_TRUNC, &f,
		    NULL) < 0) {
		printf("fstest: bench setup failed\n");
		return 1;
	}
	t0 = rdtsc();
	for (unsigned i = 0; i < 64; i++)
		file_write(f, i * 4096, buf, 4096);
	bench_line("write 4 KiB, cached", t0, rdtsc(), 64);
	t0 = rdtsc();
	fs_sync();
	bench_line("sync after 256 KiB of small writes", t0, rdtsc(), 1);
	t0 = rdtsc();
	for (unsigned i = 0; i < 4; i++)
		file_write(f, i * MIB, buf, MIB);
	bench_line("write 1 MiB, direct", t0, rdtsc(), 4);
	file_close(f);
	fs_unlink("/written/bench");
	fs_sync();
	printf("fstest: bench done\n");
	return 0;
}

struct fstest {
	const char *id, *name;
	void (*fn)(void);
};

#define T(id, fn)                                                              \
	{                                                                      \
		id, #fn + 7, fn                                                \
	}
static const struct fstest tests[] = {
    T("FS0001", fs0001_service_is_registered),
    T("FS0002", fs0002_sample_files_are_readable),
    T("FS0003", fs0003_big_file_reads_in_large_and_small_pieces),
    T("FS0004", fs0004_create_write_read_back),
    T("FS0005", fs0005_large_out_of_line_write_and_read),
    T("FS0006", fs0006_truncate_shrinks_and_grows_with_zeros),
    T("FS0007", fs0007_rename_files_and_directories),
    T("FS0008", fs0008_mkdir_and_rmdir),
    T("FS0009", fs0009_unlink_while_open),
    T("FS0010", fs0010_readdir_with_cookies),
    T("FS0011", fs0011_error_codes),
    T("FS0012", fs0012_malformed_requests_are_refused),
    T("FS0013", fs0013_dropping_the_last_right_closes_the_file),
    T("FS0014", fs0014_many_open_files),
    T("FS0015", fs0015_dirty_data_is_written_back_within_seconds),
    T("FS0016", fs0016_sync_writes_everything_back),
};

static bool selected(const struct fstest *t, int argc, char **argv)
{
	if (argc <= 1)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], t->id) || !strcmp(argv[i], t->name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	long rc = fsrpc_connect(60ull * 1000000000ull);

	if (rc < 0) {
		printf(
		    "fstest: no file server: %s\nfstest: 0 passed, 1 failed\n",
		    err_name(rc));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return bench();
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!selected(&tests[i], argc, argv))
			continue;
		failures = 0;
		printf("fstest: %s %s\n", tests[i].id, tests[i].name);
		tests[i].fn();
		if (failures) {
			failed++;
		} else {
			passed++;
			printf("fstest: %s %s ok\n", tests[i].id,
			       tests[i].name);
		}
	}
	/* Whatever ran, the disk is consistent when the run ends. */
	rc = fs_sync();
	if (rc < 0) {
		printf("fstest: final FS_SYNC: %s\n", err_name(rc));
		failed++;
	}
	printf("fstest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
