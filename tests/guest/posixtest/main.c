/* SPDX-License-Identifier: MIT */
/*
 * posixtest: the adapter library (lib/posix) against the real servers:
 * name, dev, virtio-blk and the ext2 file server on a copy of the disk
 * image (run with: test=posixtest with=dev,virtio-blk,fs[,proc]).
 *
 *   posixtest            every call and its error codes, then sync
 *   posixtest mmap       the same, then mapped files and anonymous
 *                        mappings (mmap.c); cluster.proxy-posix runs it
 *                        against another node's fs, whose faults and
 *                        page-outs the proxies forward
 *   posixtest killfs     kill a file server (its own) in the middle of a
 *                        write (with=dev,virtio-blk: no file server of init)
 *   posixtest bench      figures: instructions per read and per create
 *   posixtest child N    (internal) a concurrent client writing file N
 *   posixtest map-WHAT   (internal) a mapping that must end its task
 *
 * It leaves /posixtest/kept.txt with known contents for the host to
 * check after the run (debugfs -R "cat ..."), next to e2fsck; the mmap
 * form also /posixtest/mapped.bin, written only through a mapping.
 *
 * It also runs from a shell (the process server gives each program 8 MiB
 * of kernel memory, PROC_CHILD_QUOTA), as in cluster.proxy-posix against
 * another node's fs: so killfs's 4 MiB buffer is allocated in that mode
 * only, not kept in every run's bss, where it left too little room for
 * the 1 MiB out-of-line copies (ERR_LIMIT, EMFILE).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/proto/name.h>

#include "posixtest.h"

int failures;

void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 9));
}

int write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

static void test_files(void)
{
	static uint8_t big[1 << 20], back[1 << 20];
	struct stat st;
	char buf[320];

	CHECK(mkdir("/posixtest", 0755) == 0);
	CHECK_ERR(mkdir("/posixtest", 0755), EEXIST);
	CHECK(stat("/posixtest", &st) == 0 && S_ISDIR(st.st_mode));

	/* Create, write, read back, seek. */
	int fd = open("/posixtest/a.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 3);
	CHECK(write(fd, "hello, world\n", 13) == 13);
	CHECK(lseek(fd, 0, SEEK_CUR) == 13);
	CHECK(lseek(fd, 7, SEEK_SET) == 7);
	CHECK(read(fd, buf, sizeof(buf)) == 6 && !memcmp(buf, "world\n", 6));
	CHECK(read(fd, buf, sizeof(buf)) == 0); /* end of file */
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5));
	CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
	CHECK(lseek(fd, 0, SEEK_END) == 13);
	CHECK_ERR(lseek(fd, -20, SEEK_CUR), EINVAL);
	CHECK_ERR(lseek(fd, 0, 99), EINVAL);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 13 && S_ISREG(st.st_mode));
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
	CHECK_ERR(close(fd), EBADF);
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK_ERR(open("/posixtest/a.txt", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);

	/* Access modes. */
	fd = open("/posixtest/a.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(write(fd, "x", 1), EBADF);
	CHECK(read(fd, buf, 5) == 5 && !memcmp(buf, "HELLO", 5));
	close(fd);
	fd = open("/posixtest/a.txt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK(write(fd, "more\n", 5) == 5);
	close(fd);
	CHECK(stat("/posixtest/a.txt", &st) == 0 && st.st_size == 18);

	/* Truncate both ways. */
	CHECK(truncate("/posixtest/a.txt", 5) == 0);
	CHECK(stat("/posixtest/a.txt", &st) == 0 && st.st_size == 5);
	fd = open("/posixtest/a.txt", O_RDWR);
	CHECK(ftruncate(fd, 10000) == 0);
	CHECK(pread(fd, buf, 16, 4990) == 16);
	CHECK(buf[0] == 0 && buf[15] == 0); /* a hole reads as zeros */
	CHECK_ERR(ftruncate(fd, -1), EINVAL);
	close(fd);

	/* One MiB through out-of-line memory, at an odd offset. */
	fill(big, sizeof(big), 5);
	fd = open("/posixtest/big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, big, sizeof(big), 1000) == (ssize_t)sizeof(big));
	memset(back, 0, sizeof(back));
	CHECK(pread(fd, back, sizeof(back), 1000) == (ssize_t)sizeof(back));
	CHECK(!memcmp(big, back, sizeof(big)));
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof(big) + 1000);
	close(fd);

	/* Errors of paths. */
	CHECK_ERR(open("/nope/x", O_RDONLY), ENOENT);
	CHECK_ERR(open("/posixtest/missing", O_RDONLY), ENOENT);
	CHECK_ERR(open("/posixtest/a.txt/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("/posixtest", O_WRONLY), EISDIR);
	CHECK_ERR(stat("/posixtest/missing", &st), ENOENT);
	memset(buf, 'n', 256); /* one more than ext2 allows */
	buf[256] = '\0';
	char longpath[300];
	snprintf(longpath, sizeof(longpath), "/posixtest/%s", buf);
	CHECK_ERR(open(longpath, O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	CHECK_ERR(unlink("/posixtest/missing"), ENOENT);
	CHECK_ERR(unlink("/posixtest"), EISDIR);
	CHECK_ERR(rmdir("/posixtest/a.txt"), ENOTDIR);
	CHECK_ERR(rmdir("/posixtest"), ENOTEMPTY);
	CHECK_ERR(mkdir("/posixtest/missing/sub", 0755), ENOENT);

	/* Relative paths and the working directory. */
	CHECK(chdir("/posixtest") == 0);
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/posixtest"));
	CHECK(stat("a.txt", &st) == 0 && st.st_size == 10000);
	CHECK(stat("../posixtest/./a.txt", &st) == 0);
	CHECK_ERR(chdir("a.txt"), ENOTDIR);
	CHECK(chdir("/") == 0);

	/* Directories: mkdir, rename, readdir, rmdir. */
	CHECK(mkdir("/posixtest/d1", 0755) == 0);
	CHECK(write_file("/posixtest/d1/f", "f\n", 2) == 0);
	CHECK(rename("/posixtest/d1", "/posixtest/d2") == 0);
	CHECK_ERR(stat("/posixtest/d1", &st), ENOENT);
	CHECK(stat("/posixtest/d2/f", &st) == 0 && st.st_size == 2);
	CHECK(rename("/posixtest/d2/f", "/posixtest/moved") == 0);
	CHECK(rmdir("/posixtest/d2") == 0);
	CHECK(write_file("/posixtest/r1", "one", 3) == 0);
	CHECK(write_file("/posixtest/r2", "two!", 4) == 0);
	CHECK(rename("/posixtest/r1", "/posixtest/r2") == 0); /* replaces */
	CHECK(stat("/posixtest/r2", &st) == 0 && st.st_size == 3);
	CHECK_ERR(rename("/posixtest/none", "/posixtest/x"), ENOENT);
	for (int i = 0; i < 40; i++) { /* more than one readdir reply */
		char name[80];
		snprintf(name, sizeof(name), "/posixtest/many-%02d-with-a-longish-name", i);
		CHECK(write_file(name, name, strlen(name)) == 0);
	}
	DIR *d = opendir("/posixtest");
	CHECK(d != NULL);
	int seen_dot = 0, seen_many = 0, seen_big = 0, total = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		total++;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			seen_dot++;
		if (!strncmp(e->d_name, "many-", 5))
			seen_many++;
		if (!strcmp(e->d_name, "big.bin") && e->d_type == DT_REG)
			seen_big++;
	}
	if (d)
		closedir(d);
	if (seen_dot != 2 || seen_many != 40 || seen_big != 1)
		printf("posixtest: readdir saw %d dots, %d many-*, %d big.bin, %d in all\n",
		       seen_dot, seen_many, seen_big, total);
	CHECK(seen_dot == 2 && seen_many == 40 && seen_big == 1);
	CHECK(total == 2 + 4 + 40); /* . .. a.txt big.bin moved r2 many-* */
	CHECK(opendir("/posixtest/missing") == NULL && errno == ENOENT);
	CHECK(opendir("/posixtest/a.txt") == NULL && errno == ENOTDIR);
	for (int i = 0; i < 40; i += 2) {
		char name[80];
		snprintf(name, sizeof(name), "/posixtest/many-%02d-with-a-longish-name", i);
		CHECK(unlink(name) == 0);
	}
	CHECK(unlink("/posixtest/moved") == 0);

	/* An unlinked file stays readable while open. */
	CHECK(write_file("/posixtest/ghost", "boo", 3) == 0);
	fd = open("/posixtest/ghost", O_RDONLY);
	CHECK(unlink("/posixtest/ghost") == 0);
	CHECK(read(fd, buf, 3) == 3 && !memcmp(buf, "boo", 3));
	close(fd);
	CHECK_ERR(stat("/posixtest/ghost", &st), ENOENT);

	/* Descriptors run out cleanly. */
	int fds[70], n = 0;
	while (n < 70 && (fds[n] = open("/posixtest/a.txt", O_RDONLY)) >= 0)
		n++;
	CHECK(n < 70 && errno == EMFILE);
	while (n > 0)
		close(fds[--n]);

	/* What the host checks after the run. */
	CHECK(write_file("/posixtest/kept.txt", "written by posixtest in the guest\n", 34) == 0);
}

static void test_concurrent(const char *self)
{
	long ids[4];

	/* Four clients at once: copies of this program from the disk,
	 * started through the process server. */
	(void)self;
	for (int i = 0; i < 4; i++) {
		char n[4];
		snprintf(n, sizeof(n), "%d", i);
		const char *argv[] = { "posixtest", "child", n, NULL };
		ids[i] = spawn("/bin/posixtest", argv);
		CHECK(ids[i] > 0);
	}
	for (int i = 0; i < 4; i++) {
		int status = -1;
		CHECK(ids[i] > 0 && waitpid(ids[i], &status, 0) == ids[i]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	const char *argv[] = { "nothing", NULL };
	CHECK_ERR(spawn("/bin/no-such-program", argv), ENOENT);
	CHECK_ERR(spawn("/posixtest/a.txt", argv), ENOEXEC);
	CHECK_ERR(waitpid(12345, NULL, 0), ECHILD);
	for (int i = 0; i < 4; i++) {
		static uint8_t want[100000], got[100000];
		char path[64];
		snprintf(path, sizeof(path), "/posixtest/child-%d", i);
		fill(want, sizeof(want), 100 + (unsigned)i);
		int fd = open(path, O_RDONLY);
		CHECK(fd >= 0 && read(fd, got, sizeof(got)) == (ssize_t)sizeof(got) &&
		      !memcmp(want, got, sizeof(got)));
		close(fd);
	}
}

static int child(int n)
{
	static uint8_t data[100000];
	char path[64];

	snprintf(path, sizeof(path), "/posixtest/child-%d", n);
	fill(data, sizeof(data), 100 + (unsigned)n);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	/* Small writes interleave with the other children's. */
	for (size_t off = 0; off < sizeof(data); off += 1000)
		if (write(fd, data + off, 1000) != 1000)
			return 2;
	return close(fd) == 0 ? 0 : 3;
}

/* Kill the file server in the middle of a client's write: the client gets
 * an error (EIO), not a hang; init restarts the server and new calls work. */
static volatile long writer_result;
static volatile int writer_done;
static uint64_t writer_stack[4096];
#define WRITER_BYTES (4u << 20)
static const uint8_t *writer_data; /* WRITER_BYTES, zeros */

static void writer(uint64_t arg)
{
	int fd = (int)arg;
	long rc = 0;

	for (int i = 0; i < 1000 && rc >= 0; i++)
		rc = pwrite(fd, writer_data, WRITER_BYTES, 0);
	writer_result = rc < 0 ? errno : 0;
	writer_done = 1;
	uk_thread_exit();
}

/* The file server's ELF, embedded by the build: this test runs its own
 * file server (only an ancestor may kill a task). */
extern const char fs_image[], fs_image_end[];

static long start_fs(void)
{
	const char *argv[] = { "fs", NULL };
	long id = spawn_image(fs_image, (size_t)(fs_image_end - fs_image), "fs", argv,
			      UK_PRIORITY_DEFAULT);
	CHECK(id > 0);
	return id;
}

static void test_kill_fs(void)
{
	long data = uk_vm_allocate(WRITER_BYTES, UK_VM_READ | UK_VM_WRITE);
	CHECK(data > 0);
	if (data <= 0)
		return;
	writer_data = (const uint8_t *)data;
	long fs = start_fs();
	/* Opening waits for the file server to register. */
	int fd = open("/victim.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(uk_thread_create((uint64_t)writer, (uint64_t)&writer_stack[4094],
			       (uint64_t)fd, UK_PRIORITY_DEFAULT) > 0);
	uk_sleep(200000000ull); /* let the writes get going */
	CHECK(!writer_done);
	CHECK(fs > 0 && uk_task_kill((uint64_t)fs) == 0);
	uint64_t deadline = (uint64_t)uk_clock() + 10000000000ull;
	while (!writer_done && (uint64_t)uk_clock() < deadline)
		uk_sleep(10000000ull);
	CHECK(writer_done);
	CHECK(writer_result == EIO);
	struct stat st;
	CHECK_ERR(fstat(fd, &st), EIO);
	close(fd);
	struct uk_exit_status es;
	CHECK(wait_task((uint64_t)fs, &es, 1000000000ull) == 0 &&
	      es.reason == UK_EXIT_KILLED);
	/* A new server: path calls find it by name again. */
	fs = start_fs();
	CHECK(stat("/README", &st) == 0);
	fd = open("/restarted.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "ok", 2) == 2);
	close(fd);
	sync();
	uk_task_kill((uint64_t)fs);
}

/* Figures with -icount shift=0: rdtsc counts guest instructions. */
static void bench(void)
{
	static uint8_t buf[1 << 20];
	const char *path = "/bench.bin";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	fill(buf, sizeof(buf), 1);
	write(fd, buf, sizeof(buf));
	fsync(fd);
	close(fd);
	/* Uncached: a file from the image that nobody read yet. */
	fd = open("/data/big.txt", O_RDONLY);
	if (fd >= 0) {
		uint64_t t0 = rdtsc();
		ssize_t got = read(fd, buf, 4096);
		uint64_t t1 = rdtsc();
		got += read(fd, buf, sizeof(buf));
		uint64_t t2 = rdtsc();
		printf("bench: adapter read 4 KiB uncached: %lu %s\n", t1 - t0, tsc_unit());
		printf("bench: adapter read 1 MiB uncached: %lu %s (%ld bytes)\n",
		       t2 - t1, tsc_unit(), (long)got);
		close(fd);
	} else {
		printf("posixtest: no /data/big.txt for the uncached figures\n");
		failures++;
	}
	fd = open(path, O_RDONLY);
	uint64_t best4k = UINT64_MAX, best1m = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = rdtsc();
		pread(fd, buf, 4096, 0);
		uint64_t t1 = rdtsc();
		pread(fd, buf, sizeof(buf), 0);
		uint64_t t2 = rdtsc();
		if (t1 - t0 < best4k)
			best4k = t1 - t0;
		if (t2 - t1 < best1m)
			best1m = t2 - t1;
	}
	close(fd);
	printf("bench: adapter read 4 KiB cached: %lu %s\n", best4k, tsc_unit());
	printf("bench: adapter read 1 MiB cached: %lu %s\n", best1m, tsc_unit());
	uint64_t t0 = rdtsc();
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof(name), "/bench-%d", i);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		write(fd, buf, 4096);
		close(fd);
	}
	uint64_t t1 = rdtsc();
	printf("bench: adapter create+write 4 KiB+close: %lu %s per file\n",
	       (t1 - t0) / 20, tsc_unit());
	sync();
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "child"))
		return child(atoi(argv[2]));
	if (argc > 1 && !strncmp(argv[1], "map-", 4))
		return map_child(argv[1]);
	if (argc > 1 && !strcmp(argv[1], "killfs")) {
		test_kill_fs();
	} else if (argc > 1 && !strcmp(argv[1], "bench")) {
		bench();
	} else {
		test_files();
		test_concurrent(argv[0]);
		if (argc > 1 && !strcmp(argv[1], "mmap"))
			test_mmap();
		sync();
	}
	printf("posixtest: %s (%d failures)\n", failures ? "FAILED" : "passed", failures);
	return failures ? 1 : 0;
}
