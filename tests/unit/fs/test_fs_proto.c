/* SPDX-License-Identifier: MIT */
/* Decoding of file-server requests: every malformed shape is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <uk/errors.h>

#include "../../../servers/fs/fs_proto.h"

static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
} m;

/* A message with n_ports/n_ool descriptors and body bytes. */
static void *msg(uint32_t id, unsigned n_ports, unsigned n_ool, uint32_t body)
{
	memset(&m, 0, sizeof(m));
	m.h.id = id;
	m.h.n_ports = (uint16_t)n_ports;
	m.h.n_ool = (uint16_t)n_ool;
	uint8_t *b = uk_msg_body(&m.h);
	m.h.size = (uint32_t)(b - m.bytes) + body;
	return b;
}

static void *path_msg(uint32_t id, const char *path, const char *new_path)
{
	size_t pl = strlen(path), nl = new_path ? strlen(new_path) : 0;
	struct uk_fs_path_req *rq =
	    msg(id, 0, 0, (uint32_t)(sizeof(*rq) + pl + nl));

	rq->flags = UK_O_RDWR;
	rq->mode = 0640;
	rq->path_len = (uint16_t)pl;
	rq->new_len = (uint16_t)nl;
	memcpy(rq + 1, path, pl);
	if (nl)
		memcpy((char *)(rq + 1) + pl, new_path, nl);
	return rq;
}

static void path_requests_decode(void **state)
{
	struct fs_path_args a;

	(void)state;
	path_msg(FS_OPEN, "/etc/motd", NULL);
	assert_int_equal(fs_decode_path(&m.h, &a), 0);
	assert_int_equal(a.path_len, 9);
	assert_memory_equal(a.path, "/etc/motd", 9);
	assert_int_equal(a.flags, UK_O_RDWR);
	assert_int_equal(a.mode, 0640);
	path_msg(FS_RENAME, "/a", "/bcd");
	assert_int_equal(fs_decode_path(&m.h, &a), 0);
	assert_memory_equal(a.path, "/a", 2);
	assert_int_equal(a.new_len, 4);
	assert_memory_equal(a.new_path, "/bcd", 4);
}

static void malformed_path_requests_are_refused(void **state)
{
	struct fs_path_args a;
	struct uk_fs_path_req *rq;

	(void)state;
	msg(FS_STAT, 0, 0, sizeof(*rq) - 1); /* short struct */
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	rq = path_msg(FS_STAT, "/x", NULL);
	rq->path_len = 0;
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	rq = path_msg(FS_STAT, "/x", NULL);
	rq->path_len = 3; /* beyond what arrived */
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	rq = path_msg(FS_STAT, "/x", NULL);
	rq->path_len = UK_FS_PATH_MAX + 1;
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_NAME_TOO_LONG);
	rq = path_msg(FS_STAT, "/x", NULL);
	rq->new_len = 1; /* only rename has a second path */
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	rq = path_msg(FS_RENAME, "/x", "/y");
	rq->new_len = 0;
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	rq = path_msg(FS_RENAME, "/x", "/y");
	rq->new_len = 3;
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	rq = path_msg(FS_RENAME, "/x", "/y");
	((char *)(rq + 1))[3] = 0; /* a NUL in the new path */
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	rq = path_msg(FS_STAT, "/abc", NULL);
	memset((char *)(rq + 1) + 2, 0, 1); /* "/a\0c" */
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	/* Rights or memory where none belong. */
	msg(FS_STAT, 1, 0, 0);
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	msg(FS_STAT, 0, 1, 0);
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
	/* A header whose size does not even cover its descriptors. */
	msg(FS_STAT, 2, 0, 0);
	m.h.size = sizeof(m.h) + 4;
	assert_int_equal(fs_decode_path(&m.h, &a), -ERR_INVALID);
}

static void io_requests_decode(void **state)
{
	struct fs_io_args a;
	struct uk_file_io_req *rq;

	(void)state;
	rq = msg(FILE_READ, 0, 0, sizeof(*rq));
	rq->offset = 1234;
	rq->len = 100;
	assert_int_equal(fs_decode_io(&m.h, &a), 0);
	assert_int_equal(a.offset, 1234);
	assert_int_equal(a.len, 100);
	rq = msg(FILE_WRITE, 0, 0, sizeof(*rq) + 5);
	rq->len = 5;
	memcpy(rq + 1, "hello", 5);
	assert_int_equal(fs_decode_io(&m.h, &a), 0);
	assert_memory_equal(a.data, "hello", 5);
	static uint8_t region[8192];
	rq = msg(FILE_WRITE, 0, 1, sizeof(*rq));
	uk_msg_ools(&m.h)[0] =
	    (struct uk_msg_ool){(uint64_t)(uintptr_t)region, 8192, 0, 0};
	rq->len = 8000;
	assert_int_equal(fs_decode_io(&m.h, &a), 0);
	assert_ptr_equal(a.data, region);
}

static void malformed_io_requests_are_refused(void **state)
{
	struct fs_io_args a;
	struct uk_file_io_req *rq;

	(void)state;
	msg(FILE_READ, 0, 0, sizeof(*rq) - 1);
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_READ, 0, 0, sizeof(*rq));
	rq->len = UK_FILE_IO_MAX + 1;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_READ, 0, 1, sizeof(*rq));
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_TRUNCATE, 1, 0, sizeof(*rq));
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	/* Inline data that disagrees with len, both ways. */
	rq = msg(FILE_WRITE, 0, 0, sizeof(*rq) + 5);
	rq->len = 6;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_WRITE, 0, 0, sizeof(*rq) + 5);
	rq->len = 4;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_WRITE, 0, 0, sizeof(*rq));
	rq->len = UK_FILE_IO_MAX + 1;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	/* A region smaller than len, two regions, a region plus inline bytes,
	 * a region the kernel could not map. */
	rq = msg(FILE_WRITE, 0, 1, sizeof(*rq));
	uk_msg_ools(&m.h)[0] = (struct uk_msg_ool){0x100000, 4096, 0, 0};
	rq->len = 4097;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_WRITE, 0, 2, sizeof(*rq));
	rq->len = 10;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_WRITE, 0, 1, sizeof(*rq) + 8);
	uk_msg_ools(&m.h)[0] = (struct uk_msg_ool){0x100000, 4096, 0, 0};
	rq->len = 10;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_INVALID);
	rq = msg(FILE_WRITE, 0, 1, sizeof(*rq));
	uk_msg_ools(&m.h)[0] = (struct uk_msg_ool){0, 0, 0, 0};
	rq->len = 10;
	assert_int_equal(fs_decode_io(&m.h, &a), -ERR_NO_MEMORY);
	msg(FILE_STAT, 0, 1, 0);
	assert_int_equal(fs_decode_plain(&m.h), -ERR_INVALID);
}

static void operations_belong_to_their_port(void **state)
{
	(void)state;
	assert_true(fs_is_service_op(FS_OPEN));
	assert_true(fs_is_service_op(FS_STATFS));
	assert_false(fs_is_service_op(FILE_READ));
	assert_false(fs_is_service_op(UK_PROTO_FS));
	assert_true(fs_is_file_op(FILE_CLOSE));
	assert_false(fs_is_file_op(FILE_CLOSE + 1));
	assert_false(fs_is_file_op(FS_OPEN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(path_requests_decode),
	    cmocka_unit_test(malformed_path_requests_are_refused),
	    cmocka_unit_test(io_requests_decode),
	    cmocka_unit_test(malformed_io_requests_are_refused),
	    cmocka_unit_test(operations_belong_to_their_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
