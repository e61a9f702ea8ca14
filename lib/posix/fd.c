/* SPDX-License-Identifier: MIT */
/* The descriptor table and the generic calls that dispatch through it. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/fd.h>

#include "rpc.h"

static struct fd table[FD_MAX];

int fd_install(const struct fd_ops *ops, uk_name_t port, int flags, void *priv)
{
	posix_stdio_init(); /* descriptors 0-2 are taken first */
	for (int i = 0; i < FD_MAX; i++) {
		if (table[i].ops)
			continue;
		table[i] = (struct fd){ ops, port, 0, flags, 1, priv };
		return i;
	}
	errno = EMFILE;
	return -1;
}

struct fd *fd_get(int fd)
{
	posix_stdio_init();
	if (fd < 0 || fd >= FD_MAX || !table[fd].ops) {
		errno = EBADF;
		return NULL;
	}
	return &table[fd];
}

/* For the standard streams: put ops at a fixed slot. */
void fd_set_slot(int fd, const struct fd_ops *ops, uk_name_t port, int flags)
{
	table[fd] = (struct fd){ ops, port, 0, flags, 1, NULL };
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct fd *f = fd_get(fd);

	if (!f)
		return -1;
	if (!f->ops->read) {
		errno = EBADF;
		return -1;
	}
	return f->ops->read(f, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	struct fd *f = fd_get(fd);

	if (!f)
		return -1;
	if (!f->ops->write) {
		errno = EBADF;
		return -1;
	}
	return f->ops->write(f, buf, n);
}

int close(int fd)
{
	struct fd *f = fd_get(fd);

	if (!f)
		return -1;
	int rc = f->ops->close ? f->ops->close(f) : 0;
	memset(f, 0, sizeof(*f));
	return (int)posix_result(rc);
}

pid_t getpid(void)
{
	return (pid_t)uk_task_self();
}

unsigned sleep(unsigned seconds)
{
	uk_sleep((uint64_t)seconds * 1000000000ull);
	return 0;
}

int usleep(uint64_t usec)
{
	uk_sleep(usec * 1000ull);
	return 0;
}

int fcntl(int fd, int cmd, ...)
{
	struct fd *f = fd_get(fd);
	const int changeable = O_NONBLOCK | O_APPEND;

	if (!f)
		return -1;
	switch (cmd) {
	case F_GETFL:
		return f->flags;
	case F_SETFL: {
		va_list ap;
		va_start(ap, cmd);
		int v = va_arg(ap, int);
		va_end(ap);
		f->flags = (f->flags & ~changeable) | (v & changeable);
		return 0;
	}
	case F_GETFD:
		return 0;
	case F_SETFD:
		return 0;
	default:
		errno = EINVAL;
		return -1;
	}
}
