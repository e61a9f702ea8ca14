/* SPDX-License-Identifier: MIT */
/*
 * Mapped files and anonymous memory (lib/posix/mman.c; docs/MEMORY.md,
 * "Mapped files"). Values as Linux's. The subset:
 *
 * - MAP_SHARED of a regular file: its pages come from the file server on
 *   first touch and go back to it on msync, munmap, close of the
 *   descriptor and exit. MAP_PRIVATE is the same read-only; MAP_PRIVATE
 *   with PROT_WRITE is ENOTSUP (it needs copy-on-write).
 * - MAP_ANONYMOUS: zeroed memory, a frame at each page's first touch.
 * - The kernel chooses the address: addr is ignored, MAP_FIXED is EINVAL.
 *   PROT_NONE and PROT_EXEC are ENOTSUP.
 * - munmap takes whole mappings (a range that cuts one is EINVAL).
 * - A page of a mapping wholly past the end of the file, or a write the
 *   file's open mode does not allow, ends the task (a fault), as SIGBUS
 *   and SIGSEGV would. A mapping never extends its file.
 */
#ifndef UK_POSIX_SYS_MMAN_H
#define UK_POSIX_SYS_MMAN_H

#include <sys/types.h>

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_FAILED ((void *)-1)

#define MS_ASYNC 0x1
#define MS_INVALIDATE 0x2
#define MS_SYNC 0x4

/* len bytes (rounded up to pages) of the file open as fd from offset (a
 * multiple of the page size), or anonymous memory (fd ignored). Returns
 * the address or MAP_FAILED with errno: EINVAL (len 0, an unaligned
 * offset, MAP_FIXED, neither or both of MAP_SHARED and MAP_PRIVATE, an
 * unknown flag), EBADF, ENODEV (not a regular file), EACCES (the file is
 * not open for reading, or PROT_WRITE with MAP_SHARED on a file not open
 * O_RDWR or open O_APPEND), ENOTSUP, ENOMEM (no room, or the table of
 * MMAP_MAX mappings is full). */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
/* Unmaps every mapping inside [addr, addr + len), writing a file
 * mapping's pages back first. EINVAL: addr unaligned, len 0, or a mapping
 * only partly inside. 0 for a range without mappings. */
int munmap(void *addr, size_t len);
/* Hands the written pages of the mappings in [addr, addr + len) to their
 * file server; MS_SYNC also waits until they are on the disk;
 * MS_INVALIDATE also drops every page, so the next touch reads the file
 * again. EINVAL: addr unaligned, unknown flags, MS_SYNC with MS_ASYNC;
 * ENOMEM: part of the range is not mapped; EIO: the file server is gone. */
int msync(void *addr, size_t len, int flags);

/* Mappings a program may have at once. */
#define MMAP_MAX 64

#endif
