/* SPDX-License-Identifier: MIT */
/* Open files as the mapped-file code needs them (adapter-internal). */
#ifndef UK_POSIX_FILE_H
#define UK_POSIX_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uk/fd.h>
#include <uk/ipc.h>

/* file.c */
/* Whether f is an open file or directory of a file server. */
bool file_is_file(const struct fd *f);
/* A file operation without arguments (FILE_STAT, FILE_FSYNC) on the open
 * file's port: its status; the reply struct is copied to rep. */
long file_port_call(uk_name_t port, uint32_t id, void *rep, size_t rep_len);
/* FILE_CLOSE, and the right goes: 0 or -ERR_* (a dead server is 0: it
 * closed everything already). */
int file_port_close(uk_name_t port);

/* mman.c */
/* The descriptor of the file at port is being closed: its mappings' dirty
 * pages go back to the server now. *kept: mappings remain, which keep
 * the right from now on (the last munmap closes the file), so the caller
 * must not close it. Returns 0 or the write-back's -ERR_*. */
long mman_file_closing(uk_name_t port, bool *kept);
/* Touches each page of [p, p + n) that lies in a file mapping, so the
 * kernel finds them present when it copies the range (it never waits for
 * a pager itself). */
void mman_touch(const void *p, size_t n);

#endif
