/* SPDX-License-Identifier: MIT */
/*
 * The file server as a pager (servers/fs/fs_pager.c): what it supplies for
 * a fault (read-ahead clipped to the window and the file, the partial last
 * page, a page past the end), who may fault and write back, and which
 * kernel messages it takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <uk/errors.h>
#include <uk/proto/fs.h>
#include <uk/types.h>

#include "../../../servers/fs/fs_pager.h"

#define PAGE 4096ull
#define KIB 1024ull

static union {
	struct uk_msg_header h;
	struct uk_pager_request rq;
	struct uk_pager_return rt;
	uint8_t bytes[256];
} m;

/* A window of window_size bytes from window_offset of the file, faulting
 * at offset. */
static struct fs_pager_fault fault(uint64_t offset, uint64_t window_offset,
				   uint64_t window_size)
{
	return (struct fs_pager_fault){.offset = offset,
				       .length = PAGE,
				       .window_offset = window_offset,
				       .window_size = window_size};
}

static void range(uint64_t offset, uint64_t window_offset, uint64_t window_size,
		  uint64_t file_size, struct fs_pager_range *r)
{
	struct fs_pager_fault f = fault(offset, window_offset, window_size);

	assert_int_equal(
	    fs_pager_supply_range(&f, file_size, FS_PAGER_READAHEAD, r), 0);
}

static void supply_reads_ahead_from_the_faulting_page(void **state)
{
	struct fs_pager_range r;

	(void)state;
	range(8 * PAGE, 0, 1024 * KIB, 1024 * KIB, &r);
	assert_int_equal(r.offset, 8 * PAGE);
	assert_int_equal(r.size, FS_PAGER_READAHEAD);
	assert_int_equal(r.file_bytes, FS_PAGER_READAHEAD);
}

static void supply_stops_at_the_windows_end(void **state)
{
	struct fs_pager_range r;

	(void)state;
	/* A 3-page window at 1 MiB of a 4 MiB file, fault on its 2nd page. */
	range(1024 * KIB + PAGE, 1024 * KIB, 3 * PAGE, 4096 * KIB, &r);
	assert_int_equal(r.offset, 1024 * KIB + PAGE);
	assert_int_equal(r.size, 2 * PAGE);
	assert_int_equal(r.file_bytes, 2 * PAGE);
	/* The window's last page. */
	range(1024 * KIB + 2 * PAGE, 1024 * KIB, 3 * PAGE, 4096 * KIB, &r);
	assert_int_equal(r.size, PAGE);
	/* A window size that is not whole pages counts whole pages only. */
	range(0, 0, 2 * PAGE + 100, 4096 * KIB, &r);
	assert_int_equal(r.size, 2 * PAGE);
}

static void supply_zero_fills_the_partial_last_page(void **state)
{
	struct fs_pager_range r;

	(void)state;
	/* 10000 bytes: pages 0-2, the last one 1808 bytes of file. */
	range(0, 0, 1024 * KIB, 10000, &r);
	assert_int_equal(r.size, 3 * PAGE);
	assert_int_equal(r.file_bytes, 10000);
	range(2 * PAGE, 0, 1024 * KIB, 10000, &r);
	assert_int_equal(r.size, PAGE);
	assert_int_equal(r.file_bytes, 10000 - 2 * PAGE);
	/* A file of whole pages ends at its last page, no more. */
	range(0, 0, 1024 * KIB, 2 * PAGE, &r);
	assert_int_equal(r.size, 2 * PAGE);
	assert_int_equal(r.file_bytes, 2 * PAGE);
	/* One byte. */
	range(0, 0, PAGE, 1, &r);
	assert_int_equal(r.size, PAGE);
	assert_int_equal(r.file_bytes, 1);
}

static void a_page_past_the_end_of_the_file_is_refused(void **state)
{
	struct fs_pager_range r;
	struct fs_pager_fault f = fault(3 * PAGE, 0, 8 * PAGE);

	(void)state;
	assert_int_equal(
	    fs_pager_supply_range(&f, 10000, FS_PAGER_READAHEAD, &r),
	    -ERR_NOT_FOUND);
	assert_int_equal(r.size, 0);
	f = fault(2 * PAGE, 0, 8 * PAGE);
	assert_int_equal(
	    fs_pager_supply_range(&f, 2 * PAGE, FS_PAGER_READAHEAD, &r),
	    -ERR_NOT_FOUND); /* exactly at the end */
	f = fault(0, 0, PAGE);
	assert_int_equal(fs_pager_supply_range(&f, 0, FS_PAGER_READAHEAD, &r),
			 -ERR_NOT_FOUND); /* an empty file */
}

static void a_fault_outside_its_window_is_refused(void **state)
{
	struct fs_pager_range r;
	struct fs_pager_fault f = fault(PAGE, 2 * PAGE, 4 * PAGE);

	(void)state;
	assert_int_equal(
	    fs_pager_supply_range(&f, 1 << 20, FS_PAGER_READAHEAD, &r),
	    -ERR_INVALID); /* before it */
	f = fault(6 * PAGE, 2 * PAGE, 4 * PAGE);
	assert_int_equal(
	    fs_pager_supply_range(&f, 1 << 20, FS_PAGER_READAHEAD, &r),
	    -ERR_INVALID); /* at its end */
	f = fault(2 * PAGE + 8, 2 * PAGE, 4 * PAGE);
	assert_int_equal(
	    fs_pager_supply_range(&f, 1 << 20, FS_PAGER_READAHEAD, &r),
	    -ERR_INVALID); /* unaligned */
	f = fault(0, 0, PAGE - 1);
	assert_int_equal(
	    fs_pager_supply_range(&f, 1 << 20, FS_PAGER_READAHEAD, &r),
	    -ERR_INVALID); /* no whole page */
}

static void read_ahead_is_bounded_and_never_overflows(void **state)
{
	struct fs_pager_range r;
	struct fs_pager_fault f;

	(void)state;
	/* No read-ahead: the page itself. */
	f = fault(0, 0, 1024 * KIB);
	assert_int_equal(fs_pager_supply_range(&f, 1 << 20, 0, &r), 0);
	assert_int_equal(r.size, PAGE);
	/* More than pager_supply takes at once: 1 MiB. */
	assert_int_equal(fs_pager_supply_range(&f, 8 << 20, 16 << 20, &r), 0);
	assert_int_equal(r.size, FS_PAGER_SUPPLY_MAX);
	/* A window and a file at the top of the offset space. */
	uint64_t top = UINT64_MAX & ~(PAGE - 1);
	f = fault(top - PAGE, top - 2 * PAGE, UINT64_MAX);
	assert_int_equal(
	    fs_pager_supply_range(&f, UINT64_MAX, FS_PAGER_READAHEAD, &r), 0);
	assert_int_equal(r.offset, top - PAGE);
	assert_true(r.size >= PAGE && r.size <= FS_PAGER_READAHEAD);
	assert_true(r.offset + r.size > r.offset); /* no wrap */
	assert_true(r.file_bytes <= r.size);
	f = fault(top, 0, UINT64_MAX); /* no window can hold that page */
	assert_int_equal(
	    fs_pager_supply_range(&f, UINT64_MAX, FS_PAGER_READAHEAD, &r),
	    -ERR_INVALID);
}

static void who_may_fault(void **state)
{
	(void)state;
	assert_int_equal(fs_pager_fault_allowed(UK_O_RDONLY, false), 0);
	assert_int_equal(fs_pager_fault_allowed(UK_O_RDONLY, true),
			 -ERR_PERMISSION);
	assert_int_equal(fs_pager_fault_allowed(UK_O_RDWR, true), 0);
	assert_int_equal(fs_pager_fault_allowed(UK_O_RDWR | UK_O_APPEND, false),
			 0);
	assert_int_equal(fs_pager_fault_allowed(UK_O_RDWR | UK_O_APPEND, true),
			 -ERR_PERMISSION);
	/* Paging in reads the file. */
	assert_int_equal(fs_pager_fault_allowed(UK_O_WRONLY, false),
			 -ERR_PERMISSION);
	assert_int_equal(fs_pager_fault_allowed(UK_O_WRONLY, true),
			 -ERR_PERMISSION);
}

static void who_may_write_back(void **state)
{
	(void)state;
	assert_false(fs_pager_return_allowed(UK_O_RDONLY));
	assert_false(fs_pager_return_allowed(UK_O_RDWR | UK_O_APPEND));
	assert_true(fs_pager_return_allowed(UK_O_RDWR));
	assert_true(fs_pager_return_allowed(UK_O_WRONLY | UK_O_CREAT));
}

static void write_back_never_extends_the_file(void **state)
{
	(void)state;
	assert_int_equal(fs_pager_write_bytes(0, 3 * PAGE, 10000), 10000);
	assert_int_equal(fs_pager_write_bytes(PAGE, PAGE, 10000), PAGE);
	assert_int_equal(fs_pager_write_bytes(2 * PAGE, PAGE, 10000),
			 10000 - 2 * PAGE);
	assert_int_equal(fs_pager_write_bytes(3 * PAGE, PAGE, 10000), 0);
	assert_int_equal(fs_pager_write_bytes(0, PAGE, 0), 0);
	assert_int_equal(
	    fs_pager_write_bytes(UINT64_MAX - PAGE, PAGE, UINT64_MAX), PAGE);
}

static void request(void)
{
	memset(&m, 0, sizeof(m));
	m.h.size = sizeof(m.rq);
	m.h.id = UK_MSG_ID_PAGER_REQUEST;
	m.h.flags = UK_MSG_KERNEL;
	m.rq.object = 7;
	m.rq.offset = 5 * PAGE;
	m.rq.length = PAGE;
	m.rq.access = UK_VM_WRITE;
	m.rq.window_offset = 4 * PAGE;
	m.rq.window_size = 16 * PAGE;
}

static void requests_decode(void **state)
{
	struct fs_pager_fault f;

	(void)state;
	request();
	assert_int_equal(fs_pager_decode_request(&m.h, &f), 0);
	assert_int_equal(f.object, 7);
	assert_int_equal(f.offset, 5 * PAGE);
	assert_int_equal(f.length, PAGE);
	assert_true(f.write);
	assert_int_equal(f.window_offset, 4 * PAGE);
	assert_int_equal(f.window_size, 16 * PAGE);
	m.rq.access = UK_VM_READ;
	assert_int_equal(fs_pager_decode_request(&m.h, &f), 0);
	assert_false(f.write);
}

static void requests_not_from_the_kernel_or_malformed_are_refused(void **state)
{
	struct fs_pager_fault f;

	(void)state;
	request();
	m.h.flags = 0; /* a task sent it, with nowhere to answer */
	assert_int_equal(fs_pager_decode_request(&m.h, &f), -ERR_INVALID);
	/* With a reply right it is a request a proxy forwarded (a mapper
	 * on another node): answered by a reply. */
	request();
	m.h.flags = 0;
	m.h.reply = 0x55;
	assert_int_equal(fs_pager_decode_request(&m.h, &f), 0);
	assert_int_equal(f.offset, m.rq.offset);
	request();
	m.h.size = sizeof(m.rq) - 1;
	assert_int_equal(fs_pager_decode_request(&m.h, &f), -ERR_INVALID);
	request();
	m.h.id = UK_MSG_ID_PAGER_RETURN;
	assert_int_equal(fs_pager_decode_request(&m.h, &f), -ERR_INVALID);
	request();
	m.h.n_ports = 1;
	assert_int_equal(fs_pager_decode_request(&m.h, &f), -ERR_INVALID);
	request();
	m.rq.offset = 5 * PAGE + 1;
	assert_int_equal(fs_pager_decode_request(&m.h, &f), -ERR_INVALID);
	request();
	m.rq.length = 0;
	assert_int_equal(fs_pager_decode_request(&m.h, &f), -ERR_INVALID);
}

static void page_out(void)
{
	memset(&m, 0, sizeof(m));
	m.h.size = sizeof(m.rt);
	m.h.id = UK_MSG_ID_PAGER_RETURN;
	m.h.flags = UK_MSG_KERNEL;
	m.h.n_ool = 1;
	m.rt.data = (struct uk_msg_ool){0x10000000, 2 * PAGE, UK_OOL_MOVE, 0};
	m.rt.object = 9;
	m.rt.offset = 3 * PAGE;
	m.rt.length = 2 * PAGE;
	m.rt.flags = UK_PAGER_RETURN_DIRTY;
}

static void returns_decode(void **state)
{
	struct fs_pager_page_out p;

	(void)state;
	page_out();
	assert_int_equal(fs_pager_decode_return(&m.h, &p), 0);
	assert_int_equal(p.object, 9);
	assert_int_equal(p.offset, 3 * PAGE);
	assert_int_equal(p.length, 2 * PAGE);
	assert_ptr_equal(p.data, (const void *)0x10000000);
	assert_false(p.lost);
}

static void forwarded_returns_have_no_reply_right(void **state)
{
	struct fs_pager_page_out p;

	(void)state;
	page_out();
	m.h.flags = 0; /* a proxy brought it: one-way, like the kernel's */
	assert_int_equal(fs_pager_decode_return(&m.h, &p), 0);
	assert_int_equal(p.offset, 3 * PAGE);
	page_out();
	m.h.flags = 0;
	m.h.reply = 0x55; /* a call: not a return, whoever sent it */
	assert_int_equal(fs_pager_decode_return(&m.h, &p), -ERR_INVALID);
}

static void returns_the_pager_had_no_room_for_are_lost(void **state)
{
	struct fs_pager_page_out p;

	(void)state;
	page_out();
	m.rt.data = (struct uk_msg_ool){0, 0, UK_OOL_MOVE, 0};
	assert_int_equal(fs_pager_decode_return(&m.h, &p), 0);
	assert_true(p.lost);
	assert_null(p.data);
	page_out();
	m.rt.data.size = PAGE; /* shorter than length */
	assert_int_equal(fs_pager_decode_return(&m.h, &p), 0);
	assert_true(p.lost);
}

static void malformed_returns_are_refused(void **state)
{
	struct fs_pager_page_out p;

	(void)state;
	page_out();
	m.h.flags = 0;
	m.h.reply = 0x77; /* a task's call, not a return */
	assert_int_equal(fs_pager_decode_return(&m.h, &p), -ERR_INVALID);
	page_out();
	m.h.n_ool = 0;
	assert_int_equal(fs_pager_decode_return(&m.h, &p), -ERR_INVALID);
	page_out();
	m.h.size = sizeof(m.rt) - 8;
	assert_int_equal(fs_pager_decode_return(&m.h, &p), -ERR_INVALID);
	page_out();
	m.rt.length = 2 * PAGE + 12;
	assert_int_equal(fs_pager_decode_return(&m.h, &p), -ERR_INVALID);
	page_out();
	m.rt.length = 2u << 20; /* over 1 MiB */
	assert_int_equal(fs_pager_decode_return(&m.h, &p), -ERR_INVALID);
	page_out();
	m.rt.offset = 100;
	assert_int_equal(fs_pager_decode_return(&m.h, &p), -ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(supply_reads_ahead_from_the_faulting_page),
	    cmocka_unit_test(supply_stops_at_the_windows_end),
	    cmocka_unit_test(supply_zero_fills_the_partial_last_page),
	    cmocka_unit_test(a_page_past_the_end_of_the_file_is_refused),
	    cmocka_unit_test(a_fault_outside_its_window_is_refused),
	    cmocka_unit_test(read_ahead_is_bounded_and_never_overflows),
	    cmocka_unit_test(who_may_fault),
	    cmocka_unit_test(who_may_write_back),
	    cmocka_unit_test(write_back_never_extends_the_file),
	    cmocka_unit_test(requests_decode),
	    cmocka_unit_test(
		requests_not_from_the_kernel_or_malformed_are_refused),
	    cmocka_unit_test(returns_decode),
	    cmocka_unit_test(forwarded_returns_have_no_reply_right),
	    cmocka_unit_test(returns_the_pager_had_no_room_for_are_lost),
	    cmocka_unit_test(malformed_returns_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
