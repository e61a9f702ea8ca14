/* SPDX-License-Identifier: MIT */
/* errno and the mapping from the system's ERR_* codes to POSIX numbers. */
#include <errno.h>
#include <string.h>
#include <uk/errors.h>

int errno;

static const struct {
	int err, posix;
} map[] = {
	{ ERR_INVALID, EINVAL },	{ ERR_FAULT, EFAULT },
	{ ERR_NO_MEMORY, ENOMEM },	{ ERR_NO_SYSCALL, ENOSYS },
	{ ERR_NOT_FOUND, ENOENT },	{ ERR_TIMED_OUT, ETIMEDOUT },
	{ ERR_TOO_BIG, EFBIG },		{ ERR_BAD_IMAGE, ENOEXEC },
	{ ERR_NO_CHILD, ECHILD },	{ ERR_LIMIT, EMFILE },
	{ ERR_PERMISSION, EPERM },	{ ERR_BUSY, EBUSY },
	{ ERR_WOULD_BLOCK, EAGAIN },	{ ERR_DEAD, EIO },
	{ ERR_BAD_NAME, EBADF },	{ ERR_RIGHTS, EACCES },
	{ ERR_QUEUE_FULL, EAGAIN },	{ ERR_INTERRUPTED, EINTR },
	{ ERR_EXISTS, EEXIST },		{ ERR_UNSUPPORTED, ENOTSUP },
	{ ERR_IO, EIO },		{ ERR_NOT_DIR, ENOTDIR },
	{ ERR_IS_DIR, EISDIR },		{ ERR_NOT_EMPTY, ENOTEMPTY },
	{ ERR_NO_SPACE, ENOSPC },	{ ERR_NAME_TOO_LONG, ENAMETOOLONG },
	{ ERR_CORRUPT, EUCLEAN },	{ ERR_BAD_HANDLE, EBADF },
	{ ERR_CONN_REFUSED, ECONNREFUSED }, { ERR_CONN_RESET, ECONNRESET },
	{ ERR_NOT_CONNECTED, ENOTCONN }, { ERR_ADDR_IN_USE, EADDRINUSE },
	{ ERR_UNREACHABLE, EHOSTUNREACH }, { ERR_IN_PROGRESS, EINPROGRESS },
};

int errno_from_err(long err)
{
	if (err < 0)
		err = -err;
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].err == err)
			return map[i].posix;
	return EIO;
}

long posix_result(long rc)
{
	if (rc >= 0)
		return rc;
	errno = errno_from_err(rc);
	return -1;
}

char *strerror(int e)
{
	switch (e) {
	case 0: return "success";
	case EPERM: return "operation not permitted";
	case ENOENT: return "no such file or directory";
	case ESRCH: return "no such process";
	case EINTR: return "interrupted";
	case EIO: return "input/output error (or the server went away)";
	case E2BIG: return "argument list too long";
	case ENOEXEC: return "not an executable";
	case EBADF: return "bad file descriptor";
	case ECHILD: return "no such child";
	case EAGAIN: return "try again";
	case ENOMEM: return "out of memory";
	case EACCES: return "permission denied";
	case EFAULT: return "bad address";
	case EBUSY: return "busy";
	case EEXIST: return "file exists";
	case ENOTDIR: return "not a directory";
	case EISDIR: return "is a directory";
	case EINVAL: return "invalid argument";
	case EMFILE: return "too many open files";
	case EFBIG: return "file too large";
	case ENOSPC: return "no space left on device";
	case ESPIPE: return "illegal seek";
	case EPIPE: return "broken pipe";
	case ENAMETOOLONG: return "name too long";
	case ENOSYS: return "function not implemented";
	case ENOTEMPTY: return "directory not empty";
	case ENOTSUP: return "operation not supported";
	case EADDRINUSE: return "address in use";
	case ECONNRESET: return "connection reset";
	case ENOTCONN: return "not connected";
	case ETIMEDOUT: return "timed out";
	case ECONNREFUSED: return "connection refused";
	case EHOSTUNREACH: return "host unreachable";
	case EINPROGRESS: return "operation in progress";
	case EUCLEAN: return "file system metadata corrupt";
	case EXDEV: return "cross-device link";
	case ENODEV: return "no such device";
	case ENFILE: return "too many open files in the system";
	case EROFS: return "read-only file system";
	case ERANGE: return "result out of range";
	case ENOTSOCK: return "not a socket";
	case EMSGSIZE: return "message too long";
	case EPROTONOSUPPORT: return "protocol not supported";
	case EAFNOSUPPORT: return "address family not supported";
	case EADDRNOTAVAIL: return "address not available";
	case ENETDOWN: return "network is down";
	case ENETUNREACH: return "network unreachable";
	case ECONNABORTED: return "connection aborted";
	case ENOBUFS: return "no buffer space";
	case EISCONN: return "already connected";
	case EALREADY: return "operation already in progress";
	default: return "unknown error";
	}
}
