/* SPDX-License-Identifier: MIT */
/*
 * Directories (lib/posix/file.c, uk/proto/fs.h): opendir opens the
 * directory, readdir asks FILE_READDIR from cookie to cookie and unpacks
 * struct uk_dirent records, which come from a server and are checked
 * before use, closedir closes. Records are packed as fs.h declares them:
 * the name at offsetof(struct uk_dirent, name), reclen a multiple of 8.
 */
#include <errno.h>
#include <string.h>

#include "posix_harness.h"

#define NAME_AT offsetof(struct uk_dirent, name)

/* Append a record for name to buf at at; returns the new end. */
static size_t pack(uint8_t *buf, size_t at, uint64_t ino, uint8_t type,
		   const char *name)
{
	size_t len = strlen(name), rec = (NAME_AT + len + 1 + 7) & ~(size_t)7;
	struct uk_dirent e = {.ino = ino,
			      .reclen = (uint16_t)rec,
			      .type = type,
			      .name_len = (uint8_t)len};

	memset(buf + at, 0, rec);
	memcpy(buf + at, &e, NAME_AT);
	memcpy(buf + at + NAME_AT, name, len);
	return at + rec;
}

static void reply_dirents(const uint8_t *records, size_t len, uint64_t next)
{
	struct uk_file_io_reply io = {.len = (uint32_t)len, .next = next};
	struct reply *r = reply(0);

	reply_add(r, &io, sizeof(io));
	reply_add(r, records, len);
}

static struct adapter_dir *open_dir(const char *path)
{
	reply_open(NAME_FILE(1), 0);
	struct adapter_dir *d = ukp_opendir(path);
	assert_non_null(d);
	sent_clear();
	return d;
}

static void close_dir(struct adapter_dir *d)
{
	reply_empty();
	assert_int_equal(ukp_closedir(d), 0);
	sent_io_req(sent_count() - 1, FILE_CLOSE, NAME_FILE(1), 0);
	assert_int_equal(right_refs(NAME_FILE(1)), 0);
}

static void check_entry(const struct adapter_dirent *e, uint64_t ino,
			uint8_t type, const char *name)
{
	assert_non_null(e);
	assert_int_equal(e->ino, ino);
	assert_int_equal(e->type, type);
	assert_string_equal(e->name, name);
}

static void opendir_opens_the_directory_for_reading(void **state)
{
	reply_open(NAME_FILE(1), 0);
	struct adapter_dir *d = ukp_opendir("/etc/");
	assert_non_null(d);
	const struct uk_fs_path_req *rq = sent_path_req(0, FS_OPEN);
	assert_int_equal(rq->flags, UK_O_RDONLY | UK_O_DIRECTORY);
	assert_string_equal(sent_path(0), "/etc");
	sent_clear();
	close_dir(d);
}

static void
opendir_of_a_missing_path_or_a_file_fails_with_the_mapped_errno(void **state)
{
	reply(-ERR_NOT_FOUND);
	assert_null(ukp_opendir("/nowhere"));
	assert_int_equal(ukp_errno, ENOENT);
	reply(-ERR_NOT_DIR);
	assert_null(ukp_opendir("/etc/motd"));
	assert_int_equal(ukp_errno, ENOTDIR);
}

static void
readdir_reads_from_cookie_to_cookie_until_the_last_reply(void **state)
{
	struct adapter_dir *d = open_dir("/etc");
	uint8_t recs[256];
	size_t n = pack(recs, 0, 11, UK_DT_REG, "alpha");

	n = pack(recs, n, 12, UK_DT_DIR, "bravo.d");
	n = pack(recs, n, 13, UK_DT_LNK, "charlie-link");
	reply_dirents(recs, n, 42);
	check_entry(ukp_readdir(d), 11, UK_DT_REG, "alpha");
	const struct uk_file_io_req *rq =
	    sent_io_req(0, FILE_READDIR, NAME_FILE(1), 0);
	assert_int_equal(rq->offset, 0);
	assert_int_equal(rq->len, UK_RPC_INLINE_DATA);
	check_entry(ukp_readdir(d), 12, UK_DT_DIR, "bravo.d");
	check_entry(ukp_readdir(d), 13, UK_DT_LNK, "charlie-link");
	assert_int_equal(sent_count(), 1);

	n = pack(recs, 0, 14, UK_DT_UNKNOWN, "delta");
	reply_dirents(recs, n, 0);
	check_entry(ukp_readdir(d), 14, UK_DT_UNKNOWN, "delta");
	assert_int_equal(sent_io_req(1, FILE_READDIR, NAME_FILE(1), 0)->offset,
			 42);
	assert_null(ukp_readdir(d));
	assert_null(ukp_readdir(d));
	assert_int_equal(ukp_errno, 0);
	assert_int_equal(sent_count(), 2);
	close_dir(d);
}

static void readdir_of_an_empty_directory_is_null_without_an_error(void **state)
{
	struct adapter_dir *d = open_dir("/empty");

	reply_dirents(NULL, 0, 0);
	assert_null(ukp_readdir(d));
	assert_int_equal(ukp_errno, 0);
	close_dir(d);
}

static void readdir_goes_on_after_an_empty_reply_with_a_cookie(void **state)
{
	struct adapter_dir *d = open_dir("/sparse");
	uint8_t recs[64];
	size_t n = pack(recs, 0, 5, UK_DT_REG, "later");

	reply_dirents(NULL, 0, 4096);
	reply_dirents(recs, n, 0);
	check_entry(ukp_readdir(d), 5, UK_DT_REG, "later");
	assert_int_equal(sent_io_req(1, FILE_READDIR, NAME_FILE(1), 0)->offset,
			 4096);
	close_dir(d);
}

static void readdir_returns_names_of_every_length_from_1_to_255(void **state)
{
	struct adapter_dir *d = open_dir("/names");
	static uint8_t recs[UK_RPC_INLINE_DATA];
	char name[256];
	unsigned len = 1;

	while (len <= 255) {
		unsigned first = len;
		size_t n = 0;
		for (; len <= 255 && n + NAME_AT + len + 8 <= sizeof(recs);
		     len++) {
			memset(name, 'a' + (char)(len % 26), len);
			name[len] = '\0';
			n = pack(recs, n, len, UK_DT_REG, name);
		}
		reply_dirents(recs, n, len <= 255 ? len : 0);
		for (unsigned i = first; i < len; i++) {
			memset(name, 'a' + (char)(i % 26), i);
			name[i] = '\0';
			check_entry(ukp_readdir(d), i, UK_DT_REG, name);
		}
	}
	assert_null(ukp_readdir(d));
	assert_int_equal(ukp_errno, 0);
	close_dir(d);
}

static void readdir_returns_dot_dotdot_and_other_short_names(void **state)
{
	struct adapter_dir *d = open_dir("/");
	uint8_t recs[128];
	size_t n = pack(recs, 0, 2, UK_DT_DIR, ".");

	n = pack(recs, n, 2, UK_DT_DIR, "..");
	n = pack(recs, n, 7, UK_DT_REG, "abc");
	reply_dirents(recs, n, 0);
	check_entry(ukp_readdir(d), 2, UK_DT_DIR, ".");
	check_entry(ukp_readdir(d), 2, UK_DT_DIR, "..");
	check_entry(ukp_readdir(d), 7, UK_DT_REG, "abc");
	close_dir(d);
}

/* A directory whose first reply holds a good record, then bad. */
static void check_bad_record_after_a_good_one(uint16_t reclen, uint8_t name_len)
{
	struct adapter_dir *d = open_dir("/bad");
	uint8_t recs[128];
	size_t n = pack(recs, 0, 1, UK_DT_REG, "good");
	size_t bad = n;

	n = pack(recs, n, 2, UK_DT_REG, "evil-name");
	struct uk_dirent e = {.ino = 2,
			      .reclen = reclen,
			      .type = UK_DT_REG,
			      .name_len = name_len};
	memcpy(recs + bad, &e, NAME_AT);
	reply_dirents(recs, n, 0);
	check_entry(ukp_readdir(d), 1, UK_DT_REG, "good");
	assert_null(ukp_readdir(d));
	assert_int_equal(ukp_errno, EIO);
	assert_int_equal(sent_count(), 1);
	close_dir(d);
}

static void readdir_refuses_a_record_of_length_zero(void **state)
{
	check_bad_record_after_a_good_one(0, 9);
}

static void readdir_refuses_a_record_shorter_than_its_header(void **state)
{
	check_bad_record_after_a_good_one(8, 0);
}

static void readdir_refuses_a_record_that_runs_past_the_reply(void **state)
{
	check_bad_record_after_a_good_one(UK_RPC_INLINE_DATA, 9);
}

static void readdir_refuses_a_name_longer_than_its_record(void **state)
{
	check_bad_record_after_a_good_one(24, 200);
}

static void
readdir_refuses_a_record_length_that_is_not_a_multiple_of_8(void **state)
{
	PENDING_FIX(
	    "readdir accepts any reclen, so later records are read misaligned");
	check_bad_record_after_a_good_one(20, 1); /* fits, but is 8k + 4 */
}

static void readdir_uses_only_the_bytes_that_arrived(void **state)
{
	struct adapter_dir *d = open_dir("/short");
	uint8_t recs[64];
	size_t n = pack(recs, 0, 9, UK_DT_REG, "only-1");
	struct uk_file_io_reply io = {.len = UK_RPC_INLINE_DATA, .next = 0};
	struct reply *r = reply(0);

	reply_add(r, &io, sizeof(io)); /* claims a full buffer */
	reply_add(r, recs, n);
	check_entry(ukp_readdir(d), 9, UK_DT_REG, "only-1");
	assert_null(ukp_readdir(d));
	close_dir(d);
}

static void
readdir_error_is_null_with_the_mapped_errno_and_the_dir_closes(void **state)
{
	struct adapter_dir *d = open_dir("/broken");

	reply(-ERR_CORRUPT);
	assert_null(ukp_readdir(d));
	assert_int_equal(ukp_errno, EUCLEAN);
	reply_transport(-ERR_DEAD);
	assert_null(ukp_readdir(d));
	assert_int_equal(ukp_errno, EIO);
	close_dir(d);
}

static void readdir_reply_with_a_region_frees_it(void **state)
{
	PENDING_FIX("rpc_call hands callers regions they do not take");
	struct adapter_dir *d = open_dir("/ool");
	static uint8_t recs[5000];
	struct uk_file_io_reply io = {.len = 0, .next = 0};
	struct reply *r = reply(0);

	reply_add(r, &io, sizeof(io));
	reply_ool(r, recs, sizeof(recs));
	assert_null(ukp_readdir(d));
	assert_int_equal(ool_outstanding(), 0);
	close_dir(d);
}

static void readdir_gives_up_on_a_server_that_repeats_its_cookie(void **state)
{
	PENDING_FIX(
	    "readdir loops for ever on empty replies with the same cookie");
	struct adapter_dir *d = open_dir("/loop");

	reply_dirents(NULL, 0, 5);
	reply_dirents(NULL, 0, 5);
	/* A third request finds no reply scripted and fails the test. */
	assert_null(ukp_readdir(d));
	assert_int_equal(ukp_errno, EIO);
	close_dir(d);
}

static void closedir_closes_the_file_even_if_the_server_is_gone(void **state)
{
	struct adapter_dir *d = open_dir("/gone");

	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_closedir(d), 0);
	assert_int_equal(deallocations(NAME_FILE(1)), 1);
}

const struct CMUnitTest posix_dir_tests[] = {
    TEST(opendir_opens_the_directory_for_reading),
    TEST(opendir_of_a_missing_path_or_a_file_fails_with_the_mapped_errno),
    TEST(readdir_reads_from_cookie_to_cookie_until_the_last_reply),
    TEST(readdir_of_an_empty_directory_is_null_without_an_error),
    TEST(readdir_goes_on_after_an_empty_reply_with_a_cookie),
    TEST(readdir_returns_names_of_every_length_from_1_to_255),
    TEST(readdir_returns_dot_dotdot_and_other_short_names),
    TEST(readdir_refuses_a_record_of_length_zero),
    TEST(readdir_refuses_a_record_shorter_than_its_header),
    TEST(readdir_refuses_a_record_that_runs_past_the_reply),
    TEST(readdir_refuses_a_name_longer_than_its_record),
    TEST(readdir_refuses_a_record_length_that_is_not_a_multiple_of_8),
    TEST(readdir_uses_only_the_bytes_that_arrived),
    TEST(readdir_error_is_null_with_the_mapped_errno_and_the_dir_closes),
    TEST(readdir_reply_with_a_region_frees_it),
    TEST(readdir_gives_up_on_a_server_that_repeats_its_cookie),
    TEST(closedir_closes_the_file_even_if_the_server_is_gone),
};
const size_t posix_dir_tests_count =
    sizeof(posix_dir_tests) / sizeof(posix_dir_tests[0]);
