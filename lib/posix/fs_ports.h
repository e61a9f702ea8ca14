/* SPDX-License-Identifier: MIT */
/* Which file server a path goes to (fs_ports.c; adapter-internal). */
#ifndef UK_POSIX_FS_PORTS_H
#define UK_POSIX_FS_PORTS_H

#include <stdint.h>
#include <uk/types.h>

#define FS_NODE_LOCAL 0u

/* The node an absolute, normalised path names: N for "/n/N" and
 * "/n/N/...", with *rest the path on that node ("/" or "/..." , pointing
 * into abs or at a constant); FS_NODE_LOCAL and abs itself otherwise. N is
 * canonical decimal, 1 .. 0xfffffffe ("/n/02", "/n/0", "/n/x" are local
 * paths like any other). */
uint32_t fs_path_node(const char *abs, const char **rest);

/* A send right to node's file server, which the adapter keeps (callers
 * must not deallocate it), or a negative error: what the lookup of "fs"
 * said (ERR_TIMED_OUT: it did not appear in time; ERR_UNREACHABLE: no
 * way to that node), but ERR_UNREACHABLE for its ERR_NOT_FOUND, so that
 * ENOENT always comes from a file server. */
long fs_port(uint32_t node);

/* node's file server died (ERR_DEAD): drop the right; the next fs_port
 * looks the name up again and finds a restarted server. */
void fs_forget(uint32_t node);

#endif
