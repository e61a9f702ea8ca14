/* SPDX-License-Identifier: MIT */
/*
 * The adapter's descriptor table. Every kind of descriptor (file,
 * directory, console stream, socket) brings its operations; the generic
 * calls (read, write, close, ...) dispatch through them.
 */
#ifndef UK_POSIX_FD_H
#define UK_POSIX_FD_H

#include <stdint.h>
#include <sys/types.h>
#include <uk/ipc.h>

#define FD_MAX 64

struct fd;
struct fd_ops {
	ssize_t (*read)(struct fd *f, void *buf, size_t n);
	ssize_t (*write)(struct fd *f, const void *buf, size_t n);
	int (*close)(struct fd *f); /* 0 or -ERR_*; the slot is freed anyway */
};

struct fd {
	const struct fd_ops *ops; /* NULL: free slot */
	uk_name_t port;		  /* the object's send right */
	uint64_t offset;
	int flags;		  /* O_* */
	unsigned refs;		  /* dup'ed slots sharing this */
	void *priv;
};

/* The lowest free descriptor for a new object, or -1 and errno EMFILE. */
int fd_install(const struct fd_ops *ops, uk_name_t port, int flags, void *priv);
/* The descriptor fd, or NULL and errno EBADF. */
struct fd *fd_get(int fd);

/* Standard streams over a console-protocol port (uk/proto/cons.h): fd 0, 1
 * and 2 become that stream. */
int stdio_attach(uk_name_t console);
/* The stream port of this program's standard output, 0 for the kernel log. */
uk_name_t stdio_port(void);

#endif
