/* SPDX-License-Identifier: MIT */
/*
 * The mapping from the system's ERR_* codes (uk/errors.def) to errno
 * (lib/posix/errno.c). The adapter uses Linux's errno values, so glibc's
 * names on this host spell the expected numbers. Every code of errors.def
 * must have an entry below: a new code without one fails the first test,
 * so the mapping is decided when the code is added, not by default.
 */
#include <errno.h>
#include <string.h>

#include "posix_harness.h"

static const struct {
	long err;
	int posix;
} expected[] = {
    {ERR_INVALID, EINVAL},
    {ERR_FAULT, EFAULT},
    {ERR_NO_MEMORY, ENOMEM},
    {ERR_NO_SYSCALL, ENOSYS},
    {ERR_NOT_FOUND, ENOENT},
    {ERR_TIMED_OUT, ETIMEDOUT},
    {ERR_TOO_BIG, EFBIG},
    {ERR_BAD_IMAGE, ENOEXEC},
    {ERR_NO_CHILD, ECHILD},
    {ERR_LIMIT, EMFILE},
    {ERR_PERMISSION, EPERM},
    {ERR_BUSY, EBUSY},
    {ERR_WOULD_BLOCK, EAGAIN},
    {ERR_DEAD, EIO},
    {ERR_BAD_NAME, EBADF},
    {ERR_RIGHTS, EACCES},
    {ERR_QUEUE_FULL, EAGAIN},
    {ERR_INTERRUPTED, EINTR},
    {ERR_EXISTS, EEXIST},
    {ERR_UNSUPPORTED, ENOTSUP},
    {ERR_IO, EIO},
    {ERR_NOT_DIR, ENOTDIR},
    {ERR_IS_DIR, EISDIR},
    {ERR_NOT_EMPTY, ENOTEMPTY},
    {ERR_NO_SPACE, ENOSPC},
    {ERR_NAME_TOO_LONG, ENAMETOOLONG},
    {ERR_CORRUPT, EUCLEAN},
    {ERR_BAD_HANDLE, EBADF},
    {ERR_CONN_REFUSED, ECONNREFUSED},
    {ERR_CONN_RESET, ECONNRESET},
    {ERR_NOT_CONNECTED, ENOTCONN},
    {ERR_ADDR_IN_USE, EADDRINUSE},
    {ERR_UNREACHABLE, EHOSTUNREACH},
    {ERR_IN_PROGRESS, EINPROGRESS},
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

static const struct {
	const char *name;
	long value;
} codes[] = {
#define ERROR(name, value, text) {#name, value},
#include <uk/errors.def>
#undef ERROR
};
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static int expected_errno(long err, const char *name)
{
	for (unsigned i = 0; i < N_EXPECTED; i++)
		if (expected[i].err == err)
			return expected[i].posix;
	fail_msg("%s (%ld) has no errno in this test: decide its mapping", name,
		 err);
	return 0;
}

static void every_error_code_has_its_errno(void **state)
{
	for (unsigned i = 0; i < N_CODES; i++) {
		if (codes[i].value == OK)
			continue;
		int want = expected_errno(codes[i].value, codes[i].name);
		if (ukp_errno_from_err(-codes[i].value) != want ||
		    ukp_errno_from_err(codes[i].value) != want)
			fail_msg("%s gives errno %d, expected %d",
				 codes[i].name,
				 ukp_errno_from_err(-codes[i].value), want);
	}
}

static void an_unknown_code_is_eio(void **state)
{
	assert_int_equal(ukp_errno_from_err(-999), EIO);
	assert_int_equal(ukp_errno_from_err(-ERR_COUNT_), EIO);
	assert_int_equal(ukp_errno_from_err(-2147483647l - 1), EIO);
}

static void
posix_result_passes_results_and_turns_errors_into_errno(void **state)
{
	ukp_errno = 1234;
	assert_int_equal(ukp_posix_result(0), 0);
	assert_int_equal(ukp_posix_result(77), 77);
	assert_int_equal(ukp_errno, 1234);
	assert_int_equal(ukp_posix_result(-ERR_EXISTS), -1);
	assert_int_equal(ukp_errno, EEXIST);
}

static void every_errno_an_error_code_maps_to_has_a_message(void **state)
{
	for (unsigned i = 0; i < N_EXPECTED; i++)
		if (!strcmp(ukp_strerror(expected[i].posix), "unknown error"))
			fail_msg("errno %d has no message", expected[i].posix);
	assert_string_equal(ukp_strerror(0), "success");
	assert_string_equal(ukp_strerror(4000), "unknown error");
}

/* getcwd sets ERANGE, sockets will set the network ones. */
static void every_errno_of_the_adapters_errno_h_has_a_message(void **state)
{
	PENDING_FIX("strerror has no text for ERANGE, EXDEV, EROFS and the "
		    "socket errors");
	for (const int64_t *e = ukp_adapter_abi.errnos; *e; e++)
		if (!strcmp(ukp_strerror((int)*e), "unknown error"))
			fail_msg("errno %d has no message", (int)*e);
}

/* Through a real call: a file server's status reaches errno. */
static void every_error_status_of_a_reply_reaches_errno(void **state)
{
	int fd = open_file("/f", UK_O_WRONLY, 1);

	for (unsigned i = 0; i < N_CODES; i++) {
		if (codes[i].value == OK)
			continue;
		ukp_errno = 0;
		reply((int32_t)-codes[i].value);
		assert_int_equal(ukp_fsync(fd), -1);
		if (ukp_errno != expected_errno(codes[i].value, codes[i].name))
			fail_msg("status %s gives errno %d", codes[i].name,
				 ukp_errno);
	}
	close_file(fd, 1);
}

const struct CMUnitTest posix_errno_tests[] = {
    TEST(every_error_code_has_its_errno),
    TEST(an_unknown_code_is_eio),
    TEST(posix_result_passes_results_and_turns_errors_into_errno),
    TEST(every_errno_an_error_code_maps_to_has_a_message),
    TEST(every_errno_of_the_adapters_errno_h_has_a_message),
    TEST(every_error_status_of_a_reply_reaches_errno),
};
const size_t posix_errno_tests_count =
    sizeof(posix_errno_tests) / sizeof(posix_errno_tests[0]);
