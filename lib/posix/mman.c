/* SPDX-License-Identifier: MIT */
/*
 * mmap, munmap and msync (<sys/mman.h>; docs/MEMORY.md, "Mapped files").
 * A file mapping is a window (vm_map_object) onto the file's port on its
 * file server, which pages it: a fault reads the file, vm_sync hands the
 * written pages back to be written into it, and a call on the same port
 * after vm_sync reaches the server behind them (one queue). An anonymous
 * mapping is demand-zero memory (UK_VM_LAZY).
 *
 * munmap, close and exit wait until the server has the pages they
 * returned (a call behind them), so every reader, through any
 * descriptor, sees them afterwards; msync(MS_ASYNC) does not wait.
 *
 * The table of mappings is bounded (MMAP_MAX). A file's send right is its
 * descriptor's until close(); mappings still there then keep it (closed),
 * since dropping the last send right closes the file on the server and
 * kills its windows: the last munmap of it closes the file, after its
 * pages went back. Errors set errno as the rest of the adapter does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <ulib.h>
#include <uk/fd.h>

#include "file.h"

#define PAGE ((uint64_t)UK_PAGE_SIZE)
/* How long a fault waits for the file server: its queue may hold other
 * clients' requests and a read from the disk (vm_map_object's default is
 * 1 s, the most 60 s). */
#define MMAP_DEADLINE_NS (10ull * 1000000000ull)

struct mapping {
	uint64_t addr, size; /* size 0: a free slot */
	uk_name_t port;	     /* the file's send right; 0: anonymous */
	bool writable;	     /* shared with PROT_WRITE: pages may come back */
	bool closed;	     /* its descriptor is closed: the right is ours */
};

static struct mapping maps[MMAP_MAX];

static void *map_fail(int e)
{
	errno = e;
	return MAP_FAILED;
}

/* errno for an ERR_* of vm_allocate or vm_map_object: running out of
 * memory or of windows is ENOMEM for mmap. */
static void *map_fail_err(long err)
{
	if (err == -ERR_LIMIT || err == -ERR_NO_MEMORY)
		return map_fail(ENOMEM);
	return map_fail(errno_from_err(err));
}

static uint64_t page_round(uint64_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

/* [a, a + len rounded up to pages) starts on a page and does not wrap. */
static bool range_ok(uint64_t a, uint64_t len)
{
	return !(a & (PAGE - 1)) && len <= UINT64_MAX - PAGE &&
	       page_round(len) <= UINT64_MAX - a;
}

/* The part of m inside [lo, hi), as [*from, *to); false if none. */
static bool overlap(const struct mapping *m, uint64_t lo, uint64_t hi,
		    uint64_t *from, uint64_t *to)
{
	*from = m->addr > lo ? m->addr : lo;
	*to = m->addr + m->size < hi ? m->addr + m->size : hi;
	return m->size && *from < *to;
}

static bool port_mapped(uk_name_t port)
{
	for (unsigned i = 0; i < MMAP_MAX; i++)
		if (maps[i].size && maps[i].port == port)
			return true;
	return false;
}

static void *map_file(struct mapping *m, uint64_t size, int prot, int type,
		      int fd, off_t offset)
{
	struct fd *f = fd_get(fd);
	struct uk_stat st;

	if (!f)
		return MAP_FAILED; /* EBADF */
	if (!file_is_file(f))
		return map_fail(ENODEV);
	if (offset < 0 || ((uint64_t)offset & (PAGE - 1)) ||
	    (uint64_t)offset > UINT64_MAX - size)
		return map_fail(EINVAL);
	if (type == MAP_PRIVATE && (prot & PROT_WRITE))
		return map_fail(ENOTSUP); /* needs copy-on-write */
	bool writable = prot & PROT_WRITE;
	int access = f->flags & O_ACCMODE;
	/* The server checks the same (its open file's mode): a fault it may
	 * not serve ends us, so refuse here first. */
	if (access == O_WRONLY ||
	    (writable && (access != O_RDWR || (f->flags & O_APPEND))))
		return map_fail(EACCES);
	long rc = file_port_call(f->port, FILE_STAT, &st, sizeof(st));
	if (rc < 0)
		return map_fail(errno_from_err(rc));
	if ((st.mode & UK_S_IFMT) != UK_S_IFREG)
		return map_fail(ENODEV);
	long addr = uk_vm_map_object(f->port, (uint64_t)offset, size,
				     UK_VM_READ | (writable ? UK_VM_WRITE : 0),
				     MMAP_DEADLINE_NS);
	if (addr <= 0)
		return map_fail_err(addr ? addr : -ERR_NO_MEMORY);
	*m = (struct mapping){(uint64_t)addr, size, f->port, writable, false};
	return (void *)addr;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
	const int known = MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS;
	int type = flags & (MAP_SHARED | MAP_PRIVATE);
	struct mapping *m = NULL;

	(void)addr; /* a hint only: the kernel chooses */
	if (!len || (uint64_t)len > UINT64_MAX - PAGE ||
	    (type != MAP_SHARED && type != MAP_PRIVATE) || (flags & ~known) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return map_fail(EINVAL); /* MAP_FIXED among the unknown */
	if (prot == PROT_NONE || (prot & PROT_EXEC))
		return map_fail(ENOTSUP);
	for (unsigned i = 0; i < MMAP_MAX && !m; i++)
		if (!maps[i].size)
			m = &maps[i];
	if (!m)
		return map_fail(ENOMEM);
	uint64_t size = page_round(len);
	if (!(flags & MAP_ANONYMOUS))
		return map_file(m, size, prot, type, fd, offset);
	uint64_t vm =
	    UK_VM_READ | UK_VM_LAZY | (prot & PROT_WRITE ? UK_VM_WRITE : 0);
	long a = uk_vm_allocate(size, vm);
	if (a <= 0)
		return map_fail_err(a ? a : -ERR_NO_MEMORY);
	*m = (struct mapping){(uint64_t)a, size, 0, false, false};
	return (void *)a;
}

/* A call on port behind the pages returned to it: when it answers, the
 * server has written them into the file. */
static long returned_barrier(uk_name_t port)
{
	return file_port_call(port, FILE_STAT, NULL, 0);
}

/* Unmaps m: a writable file mapping's pages go back first; the last
 * mapping of a closed file closes it. */
static long unmap(struct mapping *m)
{
	long rc = 0;

	if (m->writable)
		rc = uk_vm_sync(m->addr, m->size, UK_VM_SYNC_EVICT);
	long freed = uk_vm_free(m->addr, m->size);
	uk_name_t port = m->port;
	bool closed = m->closed;
	memset(m, 0, sizeof(*m));
	if (closed && !port_mapped(port))
		file_port_close(port); /* behind the returns too */
	else if (rc > 0)
		rc = returned_barrier(port);
	return rc < 0 ? rc : freed < 0 ? freed : 0;
}

int munmap(void *addr, size_t len)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, from, to;
	long err = 0;

	if (!len || !range_ok(a, len)) {
		errno = EINVAL;
		return -1;
	}
	uint64_t end = a + page_round(len);
	/* Whole mappings only: look at all of them before changing any. */
	for (unsigned i = 0; i < MMAP_MAX; i++)
		if (overlap(&maps[i], a, end, &from, &to) &&
		    (from != maps[i].addr ||
		     to != maps[i].addr + maps[i].size)) {
			errno = EINVAL;
			return -1;
		}
	for (unsigned i = 0; i < MMAP_MAX; i++) {
		if (!overlap(&maps[i], a, end, &from, &to))
			continue;
		long rc = unmap(&maps[i]);
		if (rc < 0 && !err)
			err = rc;
	}
	return (int)posix_result(err);
}

int msync(void *addr, size_t len, int flags)
{
	const int known = MS_ASYNC | MS_SYNC | MS_INVALIDATE;
	uint64_t a = (uint64_t)(uintptr_t)addr, from, to, covered = 0;
	long err = 0;

	if (!range_ok(a, len) || (flags & ~known) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC))) {
		errno = EINVAL;
		return -1;
	}
	uint64_t end = a + page_round(len);
	/* Mappings never overlap: they cover the range if their parts in it
	 * add up to it. */
	for (unsigned i = 0; i < MMAP_MAX; i++)
		if (overlap(&maps[i], a, end, &from, &to))
			covered += to - from;
	if (covered != end - a) {
		errno = ENOMEM;
		return -1;
	}
	for (unsigned i = 0; i < MMAP_MAX; i++) {
		struct mapping *m = &maps[i];
		long rc = 0;
		if (!m->port || !overlap(m, a, end, &from, &to))
			continue;
		if (flags & MS_INVALIDATE)
			rc = uk_vm_sync(from, to - from, UK_VM_SYNC_EVICT);
		else if (m->writable)
			rc = uk_vm_sync(from, to - from, 0);
		/* Queued behind the returns: when it answers they are on the
		 * disk. */
		if (rc >= 0 && m->writable && (flags & MS_SYNC))
			rc = file_port_call(m->port, FILE_FSYNC, NULL, 0);
		if (rc < 0 && !err)
			err = rc;
	}
	return (int)posix_result(err);
}

long mman_file_closing(uk_name_t port, bool *kept)
{
	long err = 0, returned = 0;

	*kept = false;
	for (unsigned i = 0; i < MMAP_MAX; i++) {
		struct mapping *m = &maps[i];
		if (!m->size || m->port != port)
			continue;
		*kept = true;
		m->closed = true;
		long rc = m->writable ? uk_vm_sync(m->addr, m->size, 0) : 0;
		if (rc > 0)
			returned += rc;
		else if (rc < 0 && !err)
			err = rc;
	}
	if (returned) {
		long rc = returned_barrier(port);
		if (rc < 0 && !err)
			err = rc;
	}
	return err;
}

void mman_touch(const void *p, size_t n)
{
	uint64_t a = (uint64_t)(uintptr_t)p, from, to;

	if (!n || n > UINT64_MAX - a)
		return;
	for (unsigned i = 0; i < MMAP_MAX; i++) {
		if (!maps[i].port || !overlap(&maps[i], a, a + n, &from, &to))
			continue;
		for (uint64_t at = from & ~(PAGE - 1); at < to; at += PAGE)
			(void)*(volatile const uint8_t *)(uintptr_t)at;
	}
}

/* At exit (lib/uk/runtime.c): the written pages of every file mapping go
 * back, and a call behind them waits until the server has them, because
 * the rights this task drops as it ends may close the files first
 * otherwise (the no-senders notice reaches the server by another port). */
void mman_exit(void);
void mman_exit(void)
{
	for (unsigned i = 0; i < MMAP_MAX; i++) {
		struct mapping *m = &maps[i];
		if (m->writable && uk_vm_sync(m->addr, m->size, 0) > 0)
			returned_barrier(m->port);
	}
}
