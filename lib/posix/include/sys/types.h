/* SPDX-License-Identifier: MIT */
#ifndef UK_POSIX_SYS_TYPES_H
#define UK_POSIX_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef int64_t off_t;
typedef int64_t pid_t; /* a task id */
typedef uint32_t mode_t;
typedef uint64_t ino_t;
typedef uint32_t uid_t;
typedef uint32_t gid_t;
typedef uint32_t nlink_t;
typedef int64_t time_t;

#endif
