/* SPDX-License-Identifier: MIT */
/*
 * mmap, munmap and msync (lib/posix/mman.c) against the fake kernel: what
 * a mapping asks of the kernel (vm_map_object on the file's own port,
 * vm_allocate with UK_VM_LAZY), the order of page-outs and the calls
 * behind them (vm_sync, then FILE_FSYNC, FILE_STAT or FILE_CLOSE on the
 * same port), who holds a mapped file's right after close(), and every
 * refusal, made before anything is asked.
 */
#include <errno.h>
#include <string.h>

#include "posix_harness.h"

#define PAGE 4096u
#define RW (A_PROT_READ | A_PROT_WRITE)

/* A regular file's FILE_STAT answer. */
static void reply_regular(void)
{
	struct uk_stat st = {.mode = UK_S_IFREG | 0644, .size = 100000};

	reply_stat(&st);
}

/* Map len bytes of fd (open as NAME_FILE(i)) from offset: one FILE_STAT,
 * then vm_map_object. */
static void *map_file(int fd, unsigned i, size_t len, int prot, int flags,
		      int64_t offset)
{
	unsigned sent0 = sent_count(), calls0 = vm_call_count();

	reply_regular();
	void *p = ukp_mmap(NULL, len, prot, flags, fd, offset);
	assert_ptr_not_equal(p, A_MAP_FAILED);
	assert_int_equal(sent_count(), sent0 + 1);
	assert_int_equal(sent(sent0)->h.id, FILE_STAT);
	assert_int_equal(sent(sent0)->h.dest, NAME_FILE(i));
	assert_int_equal(vm_call_count(), calls0 + 1);
	assert_int_equal(vm_call(calls0)->n, SYS_vm_map_object);
	return p;
}

static void assert_vm_call(unsigned i, long n, uint64_t a0, uint64_t a1,
			   uint64_t a2)
{
	const struct vm_call *c = vm_call(i);

	assert_int_equal(c->n, n);
	assert_int_equal(c->a[0], a0);
	assert_int_equal(c->a[1], a1);
	assert_int_equal(c->a[2], a2);
}

static uint64_t addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void a_shared_mapping_is_a_window_on_the_files_own_port(void **state)
{
	int fd = open_file("/f", UK_O_RDWR, 0);
	void *p = map_file(fd, 0, 5000, RW, A_MAP_SHARED, 2 * PAGE);

	const struct vm_call *c = vm_call(0);
	assert_int_equal(c->a[0], NAME_FILE(0));
	assert_int_equal(c->a[1], 2 * PAGE); /* offset */
	assert_int_equal(c->a[2], 2 * PAGE); /* 5000 bytes: two pages */
	assert_int_equal(c->a[3], UK_VM_READ | UK_VM_WRITE);
	assert_true(c->a[4] > 0 && c->a[4] <= UK_PAGER_DEADLINE_MAX_NS);
	/* Nothing written: munmap evicts, frees, and calls nobody. */
	assert_int_equal(ukp_munmap(p, 5000), 0);
	assert_int_equal(vm_call_count(), 3);
	assert_vm_call(1, SYS_vm_sync, addr(p), 2 * PAGE, UK_VM_SYNC_EVICT);
	assert_vm_call(2, SYS_vm_free, addr(p), 2 * PAGE, 0);
	assert_int_equal(sent_count(), 1);
	close_file(fd, 0);
}

static void
a_read_only_mapping_asks_for_read_only_pages_and_returns_none(void **state)
{
	int fd = open_file("/f", UK_O_RDONLY, 0);
	void *p = map_file(fd, 0, PAGE, A_PROT_READ, A_MAP_SHARED, 0);
	void *q = map_file(fd, 0, PAGE, A_PROT_READ, A_MAP_PRIVATE, PAGE);

	assert_int_equal(vm_call(0)->a[3], UK_VM_READ);
	assert_int_equal(vm_call(1)->a[3], UK_VM_READ);
	assert_int_equal(ukp_msync(p, PAGE, A_MS_SYNC), 0); /* nothing to do */
	assert_int_equal(ukp_munmap(p, PAGE), 0);
	assert_int_equal(ukp_munmap(q, PAGE), 0);
	assert_int_equal(vm_call_count(), 4);
	assert_vm_call(2, SYS_vm_free, addr(p), PAGE, 0);
	assert_vm_call(3, SYS_vm_free, addr(q), PAGE, 0);
	assert_int_equal(sent_count(), 2);
	close_file(fd, 0);
}

/* errno e from mmap, and nothing asked of anyone. */
static void refused(int fd, size_t len, int prot, int flags, int64_t offset,
		    int e)
{
	unsigned sent0 = sent_count(), calls0 = vm_call_count();

	ukp_errno = 0;
	assert_ptr_equal(ukp_mmap(NULL, len, prot, flags, fd, offset),
			 A_MAP_FAILED);
	assert_int_equal(ukp_errno, e);
	assert_int_equal(sent_count(), sent0);
	assert_int_equal(vm_call_count(), calls0);
}

static void mmap_refuses_what_it_cannot_map_before_asking_anyone(void **state)
{
	int ro = open_file("/f", UK_O_RDONLY, 0);
	int wo = open_file("/f", UK_O_WRONLY, 1);
	int rw = open_file("/f", UK_O_RDWR, 2);
	int app = open_file("/f", UK_O_RDWR | UK_O_APPEND, 3);

	refused(ro, 0, A_PROT_READ, A_MAP_SHARED, 0, EINVAL);
	refused(ro, PAGE, A_PROT_READ, A_MAP_SHARED, 100, EINVAL);
	refused(ro, PAGE, A_PROT_READ, A_MAP_SHARED, -(int64_t)PAGE, EINVAL);
	refused(ro, PAGE, A_PROT_READ, A_MAP_SHARED | A_MAP_FIXED, 0, EINVAL);
	refused(ro, PAGE, A_PROT_READ, 0, 0, EINVAL);
	refused(ro, PAGE, A_PROT_READ, A_MAP_SHARED | A_MAP_PRIVATE, 0, EINVAL);
	refused(ro, PAGE, 0x100, A_MAP_SHARED, 0, EINVAL);
	refused(ro, SIZE_MAX, A_PROT_READ, A_MAP_SHARED, 0, EINVAL);
	refused(ro, PAGE, RW, A_MAP_SHARED, 0, EACCES);
	refused(wo, PAGE, A_PROT_READ, A_MAP_SHARED, 0, EACCES);
	refused(app, PAGE, RW, A_MAP_SHARED, 0, EACCES);
	refused(rw, PAGE, RW, A_MAP_PRIVATE, 0, ENOTSUP);
	refused(rw, PAGE, A_PROT_READ | A_PROT_EXEC, A_MAP_SHARED, 0, ENOTSUP);
	refused(rw, PAGE, 0, A_MAP_SHARED, 0, ENOTSUP);
	refused(1, PAGE, A_PROT_READ, A_MAP_SHARED, 0, ENODEV); /* a stream */
	refused(ukp_adapter_abi.fd_max - 1, PAGE, A_PROT_READ, A_MAP_SHARED, 0,
		EBADF);

	/* What only the server knows: a directory; a dead server. */
	struct uk_stat dir = {.mode = UK_S_IFDIR | 0755};
	reply_stat(&dir);
	ukp_errno = 0;
	assert_ptr_equal(ukp_mmap(NULL, PAGE, A_PROT_READ, A_MAP_SHARED, ro, 0),
			 A_MAP_FAILED);
	assert_int_equal(ukp_errno, ENODEV);
	reply_transport(-ERR_DEAD);
	assert_ptr_equal(ukp_mmap(NULL, PAGE, A_PROT_READ, A_MAP_SHARED, ro, 0),
			 A_MAP_FAILED);
	assert_int_equal(ukp_errno, EIO);
	assert_int_equal(vm_call_count(), 0);
	/* The kernel out of windows or memory: ENOMEM. */
	fake_vm_map_result = -ERR_LIMIT;
	reply_regular();
	assert_ptr_equal(ukp_mmap(NULL, PAGE, A_PROT_READ, A_MAP_SHARED, ro, 0),
			 A_MAP_FAILED);
	assert_int_equal(ukp_errno, ENOMEM);
	assert_int_equal(windows_outstanding(), 0);
	close_file(ro, 0);
	close_file(wo, 1);
	close_file(rw, 2);
	close_file(app, 3);
}

static void close_keeps_a_mapped_files_right_until_its_last_munmap(void **state)
{
	int fd = open_file("/f", UK_O_RDWR, 1);
	void *p = map_file(fd, 1, 2 * PAGE, RW, A_MAP_SHARED, 0);
	void *q = map_file(fd, 1, PAGE, RW, A_MAP_SHARED, 4 * PAGE);

	sent_clear();
	unsigned calls0 = vm_call_count();
	/* close: every mapping's pages go back, then a call behind them; the
	 * file stays open and the right stays. */
	fake_vm_sync_result = 1;
	reply_empty();
	assert_int_equal(ukp_close(fd), 0);
	assert_int_equal(vm_call_count(), calls0 + 2);
	assert_vm_call(calls0, SYS_vm_sync, addr(p), 2 * PAGE, 0);
	assert_vm_call(calls0 + 1, SYS_vm_sync, addr(q), PAGE, 0);
	assert_int_equal(sent_count(), 1);
	assert_int_equal(sent(0)->h.id, FILE_STAT);
	assert_int_equal(sent(0)->h.dest, NAME_FILE(1));
	assert_int_equal(vm_call(calls0 + 1)->sent_before, 0);
	assert_int_equal(right_refs(NAME_FILE(1)), 1);
	assert_int_equal(deallocations(NAME_FILE(1)), 0);
	ukp_errno = 0;
	assert_int_equal(ukp_close(fd), -1); /* the descriptor is gone */
	assert_int_equal(ukp_errno, EBADF);

	/* Not the last mapping: its pages go back, the file stays. */
	reply_empty();
	assert_int_equal(ukp_munmap(p, 2 * PAGE), 0);
	assert_int_equal(sent_count(), 2);
	assert_int_equal(sent(1)->h.id, FILE_STAT);
	assert_int_equal(right_refs(NAME_FILE(1)), 1);
	/* The last: FILE_CLOSE behind its pages, and the right goes. */
	calls0 = vm_call_count();
	reply_empty();
	assert_int_equal(ukp_munmap(q, PAGE), 0);
	assert_vm_call(calls0, SYS_vm_sync, addr(q), PAGE, UK_VM_SYNC_EVICT);
	assert_vm_call(calls0 + 1, SYS_vm_free, addr(q), PAGE, 0);
	assert_int_equal(sent_count(), 3);
	assert_int_equal(sent(2)->h.id, FILE_CLOSE);
	assert_int_equal(sent(2)->h.dest, NAME_FILE(1));
	assert_int_equal(vm_call(calls0)->sent_before, 2);
	assert_int_equal(right_refs(NAME_FILE(1)), 0);
	assert_int_equal(deallocations(NAME_FILE(1)), 1);
}

static void
close_of_a_file_with_nothing_to_return_waits_for_nobody(void **state)
{
	int fd = open_file("/f", UK_O_RDWR, 2);
	void *p = map_file(fd, 2, PAGE, RW, A_MAP_SHARED, 0);

	sent_clear();
	assert_int_equal(ukp_close(fd), 0); /* vm_sync returns 0 pages */
	assert_int_equal(sent_count(), 0);
	reply_empty(); /* the last munmap closes the file */
	assert_int_equal(ukp_munmap(p, PAGE), 0);
	assert_int_equal(sent_count(), 1);
	assert_int_equal(sent(0)->h.id, FILE_CLOSE);
	assert_int_equal(right_refs(NAME_FILE(2)), 0);
}

static void
msync_returns_pages_and_ms_sync_then_waits_for_the_disk(void **state)
{
	int fd = open_file("/f", UK_O_RDWR, 3);
	uint8_t *p = map_file(fd, 3, 4 * PAGE, RW, A_MAP_SHARED, 0);

	sent_clear();
	unsigned c = vm_call_count();
	fake_vm_sync_result = 2;
	reply_empty();
	assert_int_equal(ukp_msync(p + PAGE, 2 * PAGE, A_MS_SYNC), 0);
	assert_vm_call(c, SYS_vm_sync, addr(p + PAGE), 2 * PAGE, 0);
	assert_int_equal(sent_count(), 1);
	assert_int_equal(sent(0)->h.id, FILE_FSYNC);
	assert_int_equal(sent(0)->h.dest, NAME_FILE(3));
	assert_int_equal(vm_call(c)->sent_before, 0); /* returns first */

	/* MS_ASYNC (and no flag): the pages go, nobody is called. */
	assert_int_equal(ukp_msync(p, 100, A_MS_ASYNC), 0);
	assert_vm_call(c + 1, SYS_vm_sync, addr(p), PAGE, 0);
	assert_int_equal(ukp_msync(p, 4 * PAGE, 0), 0);
	assert_vm_call(c + 2, SYS_vm_sync, addr(p), 4 * PAGE, 0);
	assert_int_equal(sent_count(), 1);
	/* MS_INVALIDATE: every page leaves. */
	assert_int_equal(ukp_msync(p + 3 * PAGE, PAGE, A_MS_INVALIDATE), 0);
	assert_vm_call(c + 3, SYS_vm_sync, addr(p + 3 * PAGE), PAGE,
		       UK_VM_SYNC_EVICT);
	/* The server's error comes back as errno. */
	reply(-ERR_IO);
	ukp_errno = 0;
	assert_int_equal(ukp_msync(p, PAGE, A_MS_SYNC), -1);
	assert_int_equal(ukp_errno, EIO);

	/* Refusals, before any vm_sync. */
	c = vm_call_count();
	ukp_errno = 0;
	assert_int_equal(ukp_msync(p + 1, PAGE, A_MS_SYNC), -1);
	assert_int_equal(ukp_errno, EINVAL);
	assert_int_equal(ukp_msync(p, PAGE, A_MS_SYNC | A_MS_ASYNC), -1);
	assert_int_equal(ukp_errno, EINVAL);
	assert_int_equal(ukp_msync(p, PAGE, 0x40), -1);
	assert_int_equal(ukp_errno, EINVAL);
	assert_int_equal(ukp_msync(p, 5 * PAGE, A_MS_SYNC), -1);
	assert_int_equal(ukp_errno, ENOMEM); /* past the mapping */
	assert_int_equal(vm_call_count(), c);
	assert_int_equal(ukp_msync(p, 0, A_MS_SYNC), 0);

	fake_vm_sync_result = 0;
	assert_int_equal(ukp_munmap(p, 4 * PAGE), 0);
	close_file(fd, 3);
}

static void anonymous_mappings_are_demand_zero_memory(void **state)
{
	void *p =
	    ukp_mmap(NULL, 10000, RW, A_MAP_PRIVATE | A_MAP_ANONYMOUS, -1, 0);
	void *q =
	    ukp_mmap(NULL, PAGE, A_PROT_READ, A_MAP_SHARED | A_MAP_ANONYMOUS,
		     17, 0); /* fd ignored */

	assert_ptr_not_equal(p, A_MAP_FAILED);
	assert_ptr_not_equal(q, A_MAP_FAILED);
	assert_vm_call(0, SYS_vm_allocate, 3 * PAGE,
		       UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY, 0);
	assert_vm_call(1, SYS_vm_allocate, PAGE, UK_VM_READ | UK_VM_LAZY, 0);
	assert_int_equal(ukp_msync(p, 3 * PAGE, A_MS_SYNC), 0); /* no file */
	assert_int_equal(ukp_munmap(p, 10000), 0);
	assert_int_equal(ukp_munmap(q, PAGE), 0);
	assert_int_equal(vm_call_count(), 4); /* no vm_sync */
	assert_int_equal(sent_count(), 0);
}

static void munmap_takes_whole_mappings_only(void **state)
{
	uint8_t *p = ukp_mmap(NULL, 2 * PAGE, RW,
			      A_MAP_PRIVATE | A_MAP_ANONYMOUS, -1, 0);
	uint8_t *q =
	    ukp_mmap(NULL, PAGE, RW, A_MAP_PRIVATE | A_MAP_ANONYMOUS, -1, 0);
	uint8_t *lo = p < q ? p : q, *hi = p < q ? q : p;
	unsigned c = vm_call_count();

	ukp_errno = 0;
	assert_int_equal(ukp_munmap(p, PAGE), -1); /* half of p */
	assert_int_equal(ukp_errno, EINVAL);
	assert_int_equal(ukp_munmap(p + PAGE, 2 * PAGE), -1);
	assert_int_equal(ukp_munmap(p + 1, PAGE), -1);
	assert_int_equal(ukp_munmap(p, 0), -1);
	/* From p's second page to past q: cuts p, so nothing goes. */
	assert_int_equal(ukp_munmap(lo + PAGE, (size_t)(hi - lo) + PAGE), -1);
	assert_int_equal(vm_call_count(), c);
	/* Nothing mapped there: nothing to do. */
	assert_int_equal(ukp_munmap((void *)0x1000, PAGE), 0);
	/* One range over both takes both. */
	assert_int_equal(ukp_munmap(lo, (size_t)(hi - lo) + 2 * PAGE), 0);
	assert_int_equal(vm_call_count(), c + 2);
	assert_int_equal(windows_outstanding(), 0);
}

static void the_mapping_table_is_bounded(void **state)
{
	static void *maps[256];
	int64_t n = ukp_adapter_abi.mmap_max;

	assert_true(n > 0 && n < 256);
	for (int64_t i = 0; i < n; i++) {
		maps[i] = ukp_mmap(NULL, PAGE, A_PROT_READ,
				   A_MAP_PRIVATE | A_MAP_ANONYMOUS, -1, 0);
		assert_ptr_not_equal(maps[i], A_MAP_FAILED);
	}
	unsigned c = vm_call_count();
	ukp_errno = 0;
	assert_ptr_equal(ukp_mmap(NULL, PAGE, A_PROT_READ,
				  A_MAP_PRIVATE | A_MAP_ANONYMOUS, -1, 0),
			 A_MAP_FAILED);
	assert_int_equal(ukp_errno, ENOMEM);
	assert_int_equal(vm_call_count(), c);
	/* A slot comes back with its munmap. */
	assert_int_equal(ukp_munmap(maps[0], PAGE), 0);
	maps[0] = ukp_mmap(NULL, PAGE, A_PROT_READ,
			   A_MAP_PRIVATE | A_MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(maps[0], A_MAP_FAILED);
	for (int64_t i = 0; i < n; i++)
		assert_int_equal(ukp_munmap(maps[i], PAGE), 0);
}

const struct CMUnitTest posix_mman_tests[] = {
    TEST(a_shared_mapping_is_a_window_on_the_files_own_port),
    TEST(a_read_only_mapping_asks_for_read_only_pages_and_returns_none),
    TEST(mmap_refuses_what_it_cannot_map_before_asking_anyone),
    TEST(close_keeps_a_mapped_files_right_until_its_last_munmap),
    TEST(close_of_a_file_with_nothing_to_return_waits_for_nobody),
    TEST(msync_returns_pages_and_ms_sync_then_waits_for_the_disk),
    TEST(anonymous_mappings_are_demand_zero_memory),
    TEST(munmap_takes_whole_mappings_only),
    TEST(the_mapping_table_is_bounded),
};
const size_t posix_mman_tests_count =
    sizeof(posix_mman_tests) / sizeof(posix_mman_tests[0]);
