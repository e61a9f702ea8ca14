/* SPDX-License-Identifier: MIT */
/* Compiled with the adapter's headers (CMakeLists.txt): see adapter_abi.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uk/fd.h>

#include "adapter_abi.h"

/* Renamed to ukp_adapter_abi with everything else (rename_symbols.cmake). */
extern const struct adapter_abi adapter_abi;

const struct adapter_abi adapter_abi = {
    .stat_size = sizeof(struct stat),
    .stat_ino = offsetof(struct stat, st_ino),
    .stat_mode = offsetof(struct stat, st_mode),
    .stat_nlink = offsetof(struct stat, st_nlink),
    .stat_uid = offsetof(struct stat, st_uid),
    .stat_gid = offsetof(struct stat, st_gid),
    .stat_size_field = offsetof(struct stat, st_size),
    .stat_atime = offsetof(struct stat, st_atime),
    .stat_mtime = offsetof(struct stat, st_mtime),
    .stat_ctime = offsetof(struct stat, st_ctime),
    .stat_blocks = offsetof(struct stat, st_blocks),
    .stat_blksize = offsetof(struct stat, st_blksize),
    .dirent_size = sizeof(struct dirent),
    .dirent_ino = offsetof(struct dirent, d_ino),
    .dirent_type = offsetof(struct dirent, d_type),
    .dirent_name = offsetof(struct dirent, d_name),
    .timeval_size = sizeof(struct timeval),
    .timeval_usec = offsetof(struct timeval, tv_usec),
    .ssize_size = sizeof(ssize_t),
    .off_size = sizeof(off_t),
    .pid_size = sizeof(pid_t),
    .mode_size = sizeof(mode_t),
    .o_nonblock = O_NONBLOCK,
    .o_append = O_APPEND,
    .o_directory = O_DIRECTORY,
    .o_creat = O_CREAT,
    .o_excl = O_EXCL,
    .o_trunc = O_TRUNC,
    .seek_set = SEEK_SET,
    .seek_cur = SEEK_CUR,
    .seek_end = SEEK_END,
    .wnohang = WNOHANG,
    .sigkill = SIGKILL,
    .fd_max = FD_MAX,
    .prot_read = PROT_READ,
    .prot_write = PROT_WRITE,
    .prot_exec = PROT_EXEC,
    .map_shared = MAP_SHARED,
    .map_private = MAP_PRIVATE,
    .map_fixed = MAP_FIXED,
    .map_anonymous = MAP_ANONYMOUS,
    .ms_async = MS_ASYNC,
    .ms_invalidate = MS_INVALIDATE,
    .ms_sync = MS_SYNC,
    .mmap_max = MMAP_MAX,
    .errnos = {EPERM,	     ENOENT,	      ESRCH,	    EINTR,
	       EIO,	     E2BIG,	      ENOEXEC,	    EBADF,
	       ECHILD,	     EAGAIN,	      ENOMEM,	    EACCES,
	       EFAULT,	     EBUSY,	      EEXIST,	    EXDEV,
	       ENODEV,	     ENOTDIR,	      EISDIR,	    EINVAL,
	       ENFILE,	     EMFILE,	      EFBIG,	    ENOSPC,
	       ESPIPE,	     EROFS,	      EPIPE,	    ERANGE,
	       ENAMETOOLONG, ENOSYS,	      ENOTEMPTY,    ENOTSOCK,
	       EMSGSIZE,     EPROTONOSUPPORT, ENOTSUP,	    EAFNOSUPPORT,
	       EADDRINUSE,   EADDRNOTAVAIL,   ENETDOWN,	    ENETUNREACH,
	       ECONNABORTED, ECONNRESET,      ENOBUFS,	    EISCONN,
	       ENOTCONN,     ETIMEDOUT,	      ECONNREFUSED, EHOSTUNREACH,
	       EALREADY,     EINPROGRESS,     EUCLEAN,	    0},
};
