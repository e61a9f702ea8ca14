/* SPDX-License-Identifier: MIT */
/* Small I/O helpers for the tool: messages, clocks, files, sockets. */
#ifndef UKCLUSTER_UTIL_H
#define UKCLUSTER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "ukcluster: ..." on stderr. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

uint64_t mono_ms(void);
void sleep_ms(uint64_t ms);
/* Local wall-clock time "HH:MM:SS.mmm". */
void wall_stamp(char *buf, size_t len);

int mkdir_p(const char *path, mode_t mode);
/* Remove a file or a directory tree; 0 if it is gone (or never was). */
int rm_rf(const char *path);
int write_file(const char *path, const void *data, size_t len, mode_t mode);
/* Whole file, NUL-terminated, malloc'ed; NULL with errno on failure. */
char *read_file(const char *path, size_t *len);
int copy_file(const char *src, const char *dst, mode_t mode);
int path_exists(const char *path);
/* Absolute form of path (relative to the working directory). */
int absolute_path(const char *path, char *buf, size_t len);

int write_all(int fd, const void *buf, size_t len);
int set_nonblock(int fd);
/* Unix stream sockets; -1 with errno on failure. */
int unix_listen(const char *path);
int unix_connect(const char *path);

#endif
