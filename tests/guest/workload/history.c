/* SPDX-License-Identifier: MIT */
/*
 * History lines (docs/CLUSTER.md, "The workload"): every operation a
 * client does is one "invoke" line before it starts and one completion
 * line after it ends. A line is made whole in a buffer and goes out in
 * one write(1): one CONS_WRITE message to the console (or one debug_write
 * to the kernel log without one), which nothing splits, so the lines of
 * clients printing at the same time never mix.
 */
#include <errno.h>
#include <stdio.h>
#include <ulib.h>
#include <unistd.h>

#include "workload.h"

/* The host's log keeps at most 1,023 bytes of a serial line
 * (cluster/super.h): callers keep their fields well below this. */
#define LINE_MAX 1000

uint64_t clock_ns(void)
{
	return (uint64_t)uk_clock();
}

void history_line(const char *client, const char *type, const char *f,
		  const char *key, const char *value, const char *error,
		  uint64_t gns)
{
	char line[LINE_MAX];
	int n =
	    snprintf(line, sizeof(line), "hist %s %s %s %s %s %s %lu\n", client,
		     type, f, key, value, error, (unsigned long)gns);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		/* Never a line cut short: the host would misread it. */
		n = snprintf(line, sizeof(line),
			     "workload: history line of %d bytes dropped\n", n);
	}
	fflush(stdout); /* nothing of printf's may follow in the same line */
	write(1, line, (size_t)n);
}

void history_end(const char *client, enum outcome o, const char *f,
		 const char *key, const char *value, int err)
{
	static const char *const types[] = {"ok", "fail", "info"};

	history_line(client, types[o], f, key, value,
		     err ? errno_name(err) : "-", clock_ns());
}

const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
	    {EPERM, "EPERM"},
	    {ENOENT, "ENOENT"},
	    {ESRCH, "ESRCH"},
	    {EINTR, "EINTR"},
	    {EIO, "EIO"},
	    {E2BIG, "E2BIG"},
	    {ENOEXEC, "ENOEXEC"},
	    {EBADF, "EBADF"},
	    {ECHILD, "ECHILD"},
	    {EAGAIN, "EAGAIN"},
	    {ENOMEM, "ENOMEM"},
	    {EACCES, "EACCES"},
	    {EFAULT, "EFAULT"},
	    {EBUSY, "EBUSY"},
	    {EEXIST, "EEXIST"},
	    {EXDEV, "EXDEV"},
	    {ENODEV, "ENODEV"},
	    {ENOTDIR, "ENOTDIR"},
	    {EISDIR, "EISDIR"},
	    {EINVAL, "EINVAL"},
	    {ENFILE, "ENFILE"},
	    {EMFILE, "EMFILE"},
	    {EFBIG, "EFBIG"},
	    {ENOSPC, "ENOSPC"},
	    {ESPIPE, "ESPIPE"},
	    {EROFS, "EROFS"},
	    {EPIPE, "EPIPE"},
	    {ERANGE, "ERANGE"},
	    {ENAMETOOLONG, "ENAMETOOLONG"},
	    {ENOSYS, "ENOSYS"},
	    {ENOTEMPTY, "ENOTEMPTY"},
	    {ENOTSUP, "ENOTSUP"},
	    {ECONNRESET, "ECONNRESET"},
	    {ENOTCONN, "ENOTCONN"},
	    {ETIMEDOUT, "ETIMEDOUT"},
	    {ECONNREFUSED, "ECONNREFUSED"},
	    {EHOSTUNREACH, "EHOSTUNREACH"},
	    {EUCLEAN, "EUCLEAN"},
	};
	static char other[16];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}
