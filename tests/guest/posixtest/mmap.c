/* SPDX-License-Identifier: MIT */
/*
 * posixtest mmap: mapped files against the real file server, which pages
 * them (docs/MEMORY.md, "Mapped files"), and anonymous mappings.
 *
 * Reads through a mapping, writes through one seen by read() after
 * msync, close and munmap, a mapping that outlives its descriptor, the
 * read-ahead, every error of <sys/mman.h>, and the attacks: a window
 * mapped writable by hand on a read-only descriptor, whose written pages
 * the server must drop, a page-out forged by a task, and faults the
 * server must refuse (a write to a read-only file, a page past the end, a
 * window on its service port), which end the child that takes them. The
 * server's counters (FS_STATFS) say what it did.
 *
 * It leaves /posixtest/mapped.bin, written only through a mapping:
 * MAPPED_SIZE bytes, byte i = (7 i + i / 4096) mod 256, which
 * run-posixtest.sh checks on the image from the host.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/fd.h>
#include <uk/proto/fs.h>

#include "posixtest.h"

#define PAGE 4096u
#define MAPPED_SIZE (5u * PAGE + 1000u) /* run-posixtest.sh knows it */
#define CALL_TIMEOUT_NS (30ull * 1000000000ull)

static uint8_t mapped_byte(size_t i)
{
	return (uint8_t)(i * 7u + i / PAGE);
}

/* The file server's counters, through FS_STATFS by hand (the adapter has
 * no statfs). */
static int fs_counters(struct uk_statfs *out)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[UK_MSG_SIZE_MAX];
		uint64_t align_;
	} rq, rp;
	long fs = ns_lookup("fs", CALL_TIMEOUT_NS);

	memset(out, 0, sizeof(*out));
	if (fs <= 0)
		return -1;
	memset(&rq.h, 0, sizeof(rq.h));
	rq.h.id = FS_STATFS;
	rq.h.dest = (uk_name_t)fs;
	rq.h.size = sizeof(rq.h);
	long rc =
	    uk_ipc_call(&rq.h, rq.h.size, &rp.h, sizeof(rp), CALL_TIMEOUT_NS);
	uk_port_deallocate((uk_name_t)fs);
	const struct uk_rpc_status *st = uk_msg_body(&rp.h);
	if (rc < 0 || rp.h.id != FS_STATFS ||
	    uk_msg_body_len(&rp.h) < sizeof(*st) + sizeof(*out) || st->status)
		return -1;
	memcpy(out, st + 1, sizeof(*out));
	return 0;
}

/* Read a file written with write() through a mapping: one fault, the
 * rest read ahead; the bytes past the end of the file are zeros. */
static void map_read(void)
{
	static uint8_t data[3 * PAGE + 100];
	struct uk_statfs before, after;

	fill(data, sizeof(data), 40);
	CHECK(write_file("/posixtest/map-read.bin", data, sizeof(data)) == 0);
	int fd = open("/posixtest/map-read.bin", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fs_counters(&before) == 0);
	const uint8_t *p =
	    mmap(NULL, sizeof(data), PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(!memcmp(p, data, sizeof(data)));
	bool zeros = true;
	for (size_t i = sizeof(data); i < 4 * PAGE; i++)
		zeros &= p[i] == 0;
	CHECK(zeros);
	CHECK(fs_counters(&after) == 0);
	CHECK(after.pager_requests - before.pager_requests == 1);
	CHECK(after.pager_pages_in - before.pager_pages_in == 4);
	CHECK(munmap((void *)p, sizeof(data)) == 0);

	/* From an offset; MAP_PRIVATE read-only is a shared mapping. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	CHECK(p != MAP_FAILED && !memcmp(p, data + 2 * PAGE, PAGE));
	CHECK(p == MAP_FAILED || munmap((void *)p, PAGE) == 0);

	/* An untouched mapping handed to write(): its pages go out of line,
	 * which the kernel copies without waiting for a pager. */
	p = mmap(NULL, sizeof(data), PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	int out =
	    open("/posixtest/map-copy.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(p != MAP_FAILED && out >= 0 &&
	      write(out, p, sizeof(data)) == (ssize_t)sizeof(data));
	static uint8_t back[sizeof(data)];
	CHECK(pread(out, back, sizeof(back), 0) == (ssize_t)sizeof(back) &&
	      !memcmp(back, data, sizeof(data)));
	close(out);
	CHECK(p == MAP_FAILED || munmap((void *)p, sizeof(data)) == 0);
	CHECK(close(fd) == 0);
}

/* Write through MAP_SHARED: msync(MS_SYNC), msync(MS_ASYNC) and munmap
 * each make it visible to read(); MS_INVALIDATE brings in what write()
 * changed. */
static void map_write(void)
{
	static uint8_t data[2 * PAGE], back[2 * PAGE];
	struct uk_statfs before, after;

	fill(data, sizeof(data), 41);
	CHECK(write_file("/posixtest/map-write.bin", data, sizeof(data)) == 0);
	int fd = open("/posixtest/map-write.bin", O_RDWR);
	CHECK(fd >= 0);
	uint8_t *p =
	    mmap(NULL, sizeof(data), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(fs_counters(&before) == 0);
	memcpy(p + 100, "through the mapping", 19);
	p[PAGE + 5] = 'X';
	memcpy(data + 100, "through the mapping", 19);
	data[PAGE + 5] = 'X';
	CHECK(msync(p, sizeof(data), MS_SYNC) == 0);
	CHECK(fs_counters(&after) == 0);
	CHECK(after.pager_pages_out - before.pager_pages_out == 2);
	CHECK(after.pager_pages_dropped == before.pager_pages_dropped);
	CHECK(pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back) &&
	      !memcmp(back, data, sizeof(data)));
	CHECK(msync(p, PAGE, MS_SYNC) == 0); /* clean now: nothing to do */

	p[7] = 'a';
	data[7] = 'a';
	CHECK(msync(p + PAGE, PAGE, MS_ASYNC) == 0); /* another page */
	CHECK(pread(fd, back, 8, 0) == 8 && back[7] != 'a');
	CHECK(msync(p, PAGE, MS_ASYNC) == 0);
	/* read() is a call on the same port, behind the pages. */
	CHECK(pread(fd, back, 8, 0) == 8 && back[7] == 'a');

	/* write() does not reach pages already mapped; MS_INVALIDATE
	 * drops them, and the next touch reads the file. */
	CHECK(pwrite(fd, "NEW", 3, PAGE) == 3);
	CHECK(msync(p + PAGE, PAGE, MS_INVALIDATE) == 0);
	CHECK(!memcmp(p + PAGE, "NEW", 3));
	memcpy(data + PAGE, "NEW", 3);

	p[PAGE + 9] = 'u';
	data[PAGE + 9] = 'u';
	CHECK(munmap(p, sizeof(data)) == 0);
	int fd2 = open("/posixtest/map-write.bin", O_RDONLY);
	CHECK(fd2 >= 0 &&
	      pread(fd2, back, sizeof(back), 0) == (ssize_t)sizeof(back) &&
	      !memcmp(back, data, sizeof(data)));
	close(fd2);
	CHECK(close(fd) == 0);
}

/* A mapping outlives close(fd): close writes its pages back, the file
 * stays open for it, and munmap writes the rest and closes the file. The
 * file is /posixtest/mapped.bin, which the host checks. */
static void map_after_close(void)
{
	struct stat st;

	int fd =
	    open("/posixtest/mapped.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, MAPPED_SIZE) == 0);
	uint8_t *p =
	    mmap(NULL, MAPPED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	for (size_t i = 0; i < 3 * PAGE; i++)
		p[i] = mapped_byte(i);
	CHECK(close(fd) == 0); /* pages 0-2 go back now */
	fd = open("/posixtest/mapped.bin", O_RDONLY);
	uint8_t back[16];
	CHECK(fd >= 0 && pread(fd, back, 16, 2 * PAGE) == 16 &&
	      back[0] == mapped_byte(2 * PAGE) &&
	      back[15] == mapped_byte(2 * PAGE + 15));
	close(fd);
	for (size_t i = 3 * PAGE; i < MAPPED_SIZE; i++)
		p[i] = mapped_byte(i);
	/* Past the end of the file in its last page: never written back. */
	memset(p + MAPPED_SIZE, 0xaa, 6 * PAGE - MAPPED_SIZE);
	CHECK(munmap(p, MAPPED_SIZE) == 0);
	CHECK(stat("/posixtest/mapped.bin", &st) == 0 &&
	      st.st_size == MAPPED_SIZE);
	static uint8_t all[MAPPED_SIZE + 1];
	fd = open("/posixtest/mapped.bin", O_RDONLY);
	CHECK(fd >= 0 && read(fd, all, sizeof(all)) == MAPPED_SIZE);
	bool same = true;
	for (size_t i = 0; i < MAPPED_SIZE; i++)
		same &= all[i] == mapped_byte(i);
	CHECK(same);
	close(fd);
}

static void map_anonymous(void)
{
	uint8_t *p = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(p[0] == 0 && p[(1u << 20) - 1] == 0 && p[12345] == 0);
		p[12345] = 7;
		CHECK(p[12345] == 7);
		CHECK(msync(p, PAGE, MS_SYNC) == 0); /* nothing to write */
		CHECK(munmap(p, 1u << 20) == 0);
	}
	p = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, 5,
		 0);
	CHECK(p != MAP_FAILED && p[99] == 0 && p[PAGE - 1] == 0);
	CHECK(p == MAP_FAILED || munmap(p, 100) == 0);

	/* The table is bounded. */
	static void *maps[MMAP_MAX + 1];
	int n = 0;
	while (n <= MMAP_MAX && (maps[n] = mmap(NULL, PAGE, PROT_READ,
						MAP_PRIVATE | MAP_ANONYMOUS, -1,
						0)) != MAP_FAILED)
		n++;
	CHECK(n == MMAP_MAX && errno == ENOMEM);
	/* One munmap over several whole mappings takes them all. */
	uint8_t *lo = maps[0], *hi = maps[0];
	for (int i = 0; i < n; i++) {
		if ((uint8_t *)maps[i] < lo)
			lo = maps[i];
		if ((uint8_t *)maps[i] > hi)
			hi = maps[i];
	}
	CHECK(munmap(lo, (size_t)(hi - lo) + PAGE) == 0);
	CHECK_ERR(msync(lo, PAGE, 0), ENOMEM); /* gone */
	void *again =
	    mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(again != MAP_FAILED);
	CHECK(again == MAP_FAILED || munmap(again, PAGE) == 0);
}

static void map_errors(void)
{
	static uint8_t data[2 * PAGE];

	fill(data, sizeof(data), 42);
	CHECK(write_file("/posixtest/map-err.bin", data, sizeof(data)) == 0);
	int ro = open("/posixtest/map-err.bin", O_RDONLY);
	int wo = open("/posixtest/map-err.bin", O_WRONLY);
	int rw = open("/posixtest/map-err.bin", O_RDWR);
	int app = open("/posixtest/map-err.bin", O_RDWR | O_APPEND);
	int dir = open("/posixtest", O_RDONLY | O_DIRECTORY);
	CHECK(ro >= 0 && wo >= 0 && rw >= 0 && app >= 0 && dir >= 0);

	CHECK_ERR(mmap(NULL, 0, PROT_READ, MAP_SHARED, ro, 0), EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 100), EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, -(off_t)PAGE),
		  EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, ro, 0),
		  EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, 0, ro, 0), EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_PRIVATE, ro, 0),
		  EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, 0x100, MAP_SHARED, ro, 0), EINVAL);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
		  EACCES);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0), EACCES);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, app, 0),
		  EACCES);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, rw, 0),
		  ENOTSUP);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, ro, 0),
		  ENOTSUP);
	CHECK_ERR(mmap(NULL, PAGE, PROT_NONE, MAP_SHARED, ro, 0), ENOTSUP);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, 1, 0),
		  ENODEV); /* console */
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dir, 0), ENODEV);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, 60, 0), EBADF);

	uint8_t *p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK_ERR(munmap(p, PAGE), EINVAL); /* half of it */
		CHECK_ERR(munmap(p + PAGE, 2 * PAGE), EINVAL);
		CHECK_ERR(munmap(p + 1, PAGE), EINVAL);
		CHECK_ERR(munmap(p, 0), EINVAL);
		CHECK_ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);
		CHECK_ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
		CHECK_ERR(msync(p, PAGE, 0x40), EINVAL);
		CHECK_ERR(msync(p, 3 * PAGE, MS_SYNC), ENOMEM); /* past it */
		CHECK(msync(p, 2 * PAGE, MS_SYNC) == 0); /* read-only: no-op */
		CHECK(p[0] == data[0]);
		CHECK(munmap(p, 2 * PAGE) == 0);
		CHECK_ERR(msync(p, PAGE, MS_SYNC), ENOMEM);
		CHECK(munmap(p, 2 * PAGE) == 0); /* nothing mapped there */
	}
	close(ro);
	close(wo);
	close(rw);
	close(app);
	close(dir);
}

/* Attack: a window mapped read-write by hand on a read-only descriptor's
 * port (the kernel does not know how fs opened the file). A read fault
 * brings the pages in writable, so writing them takes no fault; vm_sync
 * returns them, and fs must drop them, not write them. */
static void map_return_to_read_only_file(void)
{
	static uint8_t data[2 * PAGE], back[2 * PAGE];
	struct uk_statfs before, after;

	fill(data, sizeof(data), 43);
	CHECK(write_file("/posixtest/map-ro.bin", data, sizeof(data)) == 0);
	int fd = open("/posixtest/map-ro.bin", O_RDONLY);
	struct fd *f = fd_get(fd);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fs_counters(&before) == 0);
	long a = uk_vm_map_object(f->port, 0, sizeof(data),
				  UK_VM_READ | UK_VM_WRITE, 0);
	CHECK(a > 0);
	if (a <= 0)
		return;
	volatile uint8_t *p = (volatile uint8_t *)a;
	CHECK(p[0] == data[0]); /* both pages come in */
	p[0] ^= 0xff;
	p[PAGE + 1] ^= 0xff;
	CHECK(uk_vm_sync((uint64_t)a, sizeof(data), 0) == 2);
	/* A call behind the returns: fs has handled them when it answers. */
	CHECK(pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back));
	CHECK(!memcmp(back, data, sizeof(data)));
	CHECK(fs_counters(&after) == 0);
	CHECK(after.pager_returns - before.pager_returns == 1);
	CHECK(after.pager_pages_dropped - before.pager_pages_dropped == 2);
	CHECK(after.pager_pages_out == before.pager_pages_out);
	CHECK(after.pager_pages_lost == before.pager_pages_lost);
	CHECK(uk_vm_free((uint64_t)a, sizeof(data)) == 0);
	close(fd);
}

/* Attack: a task forges the kernel's page-out message (a send cannot set
 * UK_MSG_KERNEL): fs answers it as an operation it does not serve and
 * writes nothing. */
static void map_forged_return(void)
{
	static uint8_t data[PAGE], page[PAGE], back[PAGE];
	static union {
		struct uk_pager_return rt;
		uint8_t bytes[UK_MSG_SIZE_MAX];
		uint64_t align_;
	} rq, rp;
	struct uk_statfs before, after;

	fill(data, sizeof(data), 44);
	memset(page, 'F', sizeof(page));
	CHECK(write_file("/posixtest/map-forged.bin", data, sizeof(data)) == 0);
	int fd = open("/posixtest/map-forged.bin", O_RDWR);
	struct fd *f = fd_get(fd);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fs_counters(&before) == 0);
	memset(&rq, 0, sizeof(rq));
	rq.rt.header.size = sizeof(rq.rt);
	rq.rt.header.id = UK_MSG_ID_PAGER_RETURN;
	rq.rt.header.dest = f->port;
	rq.rt.header.n_ool = 1;
	rq.rt.header.flags = UK_MSG_KERNEL;
	rq.rt.data = (struct uk_msg_ool){(uint64_t)(uintptr_t)page, PAGE,
					 UK_OOL_COPY, 0};
	rq.rt.length = PAGE;
	rq.rt.flags = UK_PAGER_RETURN_DIRTY;
	long rc = uk_ipc_call(&rq.rt.header, rq.rt.header.size, &rp.rt.header,
			      sizeof(rp), CALL_TIMEOUT_NS);
	const struct uk_rpc_status *st = uk_msg_body(&rp.rt.header);
	CHECK(rc >= 0 && st->status == -ERR_UNSUPPORTED);
	CHECK(pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back) &&
	      !memcmp(back, data, sizeof(data)));
	CHECK(fs_counters(&after) == 0);
	CHECK(after.pager_returns == before.pager_returns);
	CHECK(after.pager_pages_out == before.pager_pages_out);
	close(fd);
}

/* Faults fs must refuse end the task that takes them (as SIGSEGV or
 * SIGBUS would): each in a child, whose exit status tells. The last maps
 * fs's service port, which is no file. */
static void map_refused_faults(void)
{
	static const char *const children[] = {"map-write-ro", "map-past-eof",
					       "map-service"};
	struct uk_statfs before, after;

	CHECK(fs_counters(&before) == 0);
	for (unsigned i = 0; i < 3; i++) {
		const char *argv[] = {"posixtest", children[i], NULL};
		int status = 0;
		long id = spawn("/bin/posixtest", argv);
		CHECK(id > 0 && waitpid(id, &status, 0) == id);
		/* A page fault (vector 14), not an exit. */
		if (!WIFSIGNALED(status) || WTERMSIG(status) != 14)
			printf("posixtest: %s: status %#x\n", children[i],
			       status);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == 14);
	}
	CHECK(fs_counters(&after) == 0);
	CHECK(after.pager_refused - before.pager_refused == 3);

	/* A child that ends without munmap or close: exit returns its pages. */
	CHECK(write_file("/posixtest/map-exit.bin", "................", 16) ==
	      0);
	const char *argv[] = {"posixtest", "map-exit", NULL};
	int status = -1;
	long id = spawn("/bin/posixtest", argv);
	CHECK(id > 0 && waitpid(id, &status, 0) == id);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char back[16];
	int fd = open("/posixtest/map-exit.bin", O_RDONLY);
	CHECK(fd >= 0 && read(fd, back, 16) == 16 &&
	      !memcmp(back, "written at exit.", 16));
	close(fd);

	/* A child killed after writing through a mapping (no munmap, no
	 * exit hook): the kernel returns its written pages as it ends, and
	 * fs takes them before it closes the file. */
	CHECK(write_file("/posixtest/map-killed.bin", "................", 16) ==
	      0);
	unlink("/posixtest/map-killed.ready");
	const char *kargv[] = {"posixtest", "map-killed", NULL};
	id = spawn("/bin/posixtest", kargv);
	CHECK(id > 0);
	/* It makes map-killed.ready once it has written (10 s at most). */
	struct stat st;
	uint64_t end = (uint64_t)uk_clock() + 10000000000ull;
	while (stat("/posixtest/map-killed.ready", &st) < 0 &&
	       (uint64_t)uk_clock() < end)
		uk_sleep(10000000ull);
	CHECK(stat("/posixtest/map-killed.ready", &st) == 0);
	CHECK(id > 0 && kill(id, SIGKILL) == 0);
	CHECK(id > 0 && waitpid(id, &status, 0) == id);
	fd = open("/posixtest/map-killed.bin", O_RDONLY);
	CHECK(fd >= 0 && read(fd, back, 16) == 16 &&
	      !memcmp(back, "written, killed.", 16));
	close(fd);
}

int map_child(const char *what)
{
	if (!strcmp(what, "map-write-ro")) {
		/* Written before read: a write fault on a read-only file. */
		int fd = open("/posixtest/map-ro.bin", O_RDONLY);
		struct fd *f = fd_get(fd);
		long a = f ? uk_vm_map_object(f->port, 0, PAGE,
					      UK_VM_READ | UK_VM_WRITE, 0)
			   : -1;
		if (a <= 0)
			return 2;
		*(volatile uint8_t *)a = 1;
		return 0; /* should not get here */
	}
	if (!strcmp(what, "map-past-eof")) {
		int fd = open("/posixtest/map-ro.bin", O_RDONLY); /* 2 pages */
		volatile uint8_t *p =
		    mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return 2;
		(void)p[PAGE]; /* the file's last page: supplied */
		(void)p[2 * PAGE];
		return 0; /* should not get here */
	}
	if (!strcmp(what, "map-service")) {
		long fs = ns_lookup("fs", CALL_TIMEOUT_NS);
		long a = fs > 0 ? uk_vm_map_object((uint64_t)fs, 0, PAGE,
						   UK_VM_READ, 0)
				: -1;
		if (a <= 0)
			return 2;
		(void)*(volatile uint8_t *)a;
		return 0; /* should not get here */
	}
	if (!strcmp(what, "map-exit")) {
		int fd = open("/posixtest/map-exit.bin", O_RDWR);
		char *p =
		    mmap(NULL, 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return 2;
		memcpy(p, "written at exit.", 16);
		return 0; /* no munmap, no close */
	}
	if (!strcmp(what, "map-killed")) {
		int fd = open("/posixtest/map-killed.bin", O_RDWR);
		char *p =
		    mmap(NULL, 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return 2;
		memcpy(p, "written, killed.", 16);
		if (write_file("/posixtest/map-killed.ready", "1", 1) < 0)
			return 4;
		uk_sleep(UK_TIMEOUT_INFINITE); /* until killed */
	}
	return 3;
}

void test_mmap(void)
{
	struct uk_statfs sf;

	map_read();
	map_write();
	map_after_close();
	map_anonymous();
	map_errors();
	map_return_to_read_only_file();
	map_forged_return();
	map_refused_faults();
	CHECK(fs_counters(&sf) == 0);
	printf(
	    "posixtest: mmap: fs paged %lu faults (%lu pages in, %lu refused), "
	    "%lu returns (%lu pages written, %lu dropped, %lu lost), %lu bad\n",
	    (unsigned long)sf.pager_requests, (unsigned long)sf.pager_pages_in,
	    (unsigned long)sf.pager_refused, (unsigned long)sf.pager_returns,
	    (unsigned long)sf.pager_pages_out,
	    (unsigned long)sf.pager_pages_dropped,
	    (unsigned long)sf.pager_pages_lost, (unsigned long)sf.pager_bad);
	CHECK(sf.pager_pages_lost == 0 && sf.pager_bad == 0);
}
