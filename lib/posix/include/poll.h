/* SPDX-License-Identifier: MIT */
/*
 * poll (lib/posix/socket.c): sockets wait in the network server (up to
 * UK_SOCK_POLL_MAX of them per call); other descriptors count as always
 * ready for reading and writing, as regular files do.
 */
#ifndef UK_POSIX_POLL_H
#define UK_POSIX_POLL_H

#include <uk/proto/sock.h>

typedef unsigned long nfds_t;

struct pollfd {
	int fd;
	short events;
	short revents;
};

#define POLLIN UK_POLLIN
#define POLLPRI UK_POLLPRI
#define POLLOUT UK_POLLOUT
#define POLLERR UK_POLLERR
#define POLLHUP UK_POLLHUP
#define POLLNVAL UK_POLLNVAL
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

/* timeout_ms < 0 waits for ever. Returns the number of ready entries. */
int poll(struct pollfd *fds, nfds_t n, int timeout_ms);

#endif
