/* SPDX-License-Identifier: MIT */
#ifndef UK_POSIX_FCNTL_H
#define UK_POSIX_FCNTL_H

#include <sys/types.h>
#include <uk/proto/fs.h>

#define O_RDONLY UK_O_RDONLY
#define O_WRONLY UK_O_WRONLY
#define O_RDWR UK_O_RDWR
#define O_ACCMODE UK_O_ACCMODE
#define O_CREAT UK_O_CREAT
#define O_EXCL UK_O_EXCL
#define O_TRUNC UK_O_TRUNC
#define O_APPEND UK_O_APPEND
#define O_DIRECTORY UK_O_DIRECTORY
#define O_NONBLOCK 0x800

#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4

/* F_GETFL, F_SETFL (only O_NONBLOCK and O_APPEND change); F_GETFD and
 * F_SETFD are accepted and do nothing (there is no exec). */
int fcntl(int fd, int cmd, ...);

/* mode is read only with O_CREAT (default 0644). */
int open(const char *path, int flags, ...);
int creat(const char *path, mode_t mode);

#endif
