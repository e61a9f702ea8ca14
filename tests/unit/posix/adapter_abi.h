/* SPDX-License-Identifier: MIT */
/*
 * Sizes, offsets and constants of the adapter's own headers
 * (lib/posix/include), measured by adapter_abi.c, which is compiled with
 * those headers as the adapter is. The test files cannot include them
 * (they clash with glibc's), so they declare mirrors in adapter.h and
 * check them against these numbers first.
 */
#ifndef TEST_POSIX_ADAPTER_ABI_H
#define TEST_POSIX_ADAPTER_ABI_H

#include <stdint.h>

struct adapter_abi {
	uint64_t stat_size;
	uint64_t stat_ino, stat_mode, stat_nlink, stat_uid, stat_gid,
	    stat_size_field;
	uint64_t stat_atime, stat_mtime, stat_ctime, stat_blocks, stat_blksize;
	uint64_t dirent_size, dirent_ino, dirent_type, dirent_name;
	uint64_t timeval_size, timeval_usec;
	uint64_t ssize_size, off_size, pid_size, mode_size;
	int64_t o_nonblock, o_append, o_directory, o_creat, o_excl, o_trunc;
	int64_t seek_set, seek_cur, seek_end, wnohang, sigkill;
	int64_t fd_max;
	int64_t prot_read, prot_write, prot_exec, map_shared, map_private,
	    map_fixed, map_anonymous, ms_async, ms_invalidate, ms_sync,
	    mmap_max;
	/* Every name <errno.h> defines, 0-terminated. */
	int64_t errnos[64];
};

/* Defined in adapter_abi.c; ukp_ like every adapter symbol. */
extern const struct adapter_abi ukp_adapter_abi;

#endif
