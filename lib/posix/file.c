/* SPDX-License-Identifier: MIT */
/*
 * Files and directories through the file server "fs" (uk/proto/fs.h): an
 * open file is a send right to its own port on the server; reads and
 * writes carry the offset the adapter keeps. A path under /n/N/ goes to
 * node N's file server (fs_ports.c); the working directory is kept whole
 * ("/n/2/tmp"), so relative paths and ".." work across that boundary.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/fd.h>

#include "file.h"
#include "fs_ports.h"
#include "rpc.h"

/* path_call's answer for two paths on different nodes (rename: EXDEV);
 * outside the ERR_* range. */
#define PATH_CROSS_NODE (-0x10000L)

static char cwd[UK_FS_PATH_MAX] = "/";

/* path made absolute and normalised ("." and ".." resolved) into out. */
static int make_path(const char *path, char *out, size_t size)
{
	char tmp[UK_FS_PATH_MAX * 2];

	if (!path || !*path)
		return -ERR_NOT_FOUND;
	int whole = path[0] == '/' ? snprintf(tmp, sizeof(tmp), "%s", path)
				   : snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	if (whole < 0 || (size_t)whole >= sizeof(tmp))
		return -ERR_NAME_TOO_LONG; /* cut short, it would name another file */
	size_t n = 0;
	char *save = NULL;
	out[0] = '\0';
	for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = '\0';
			continue;
		}
		size_t len = strlen(c);
		if (n + 1 + len + 1 > size || len > UK_FS_NAME_MAX)
			return -ERR_NAME_TOO_LONG;
		out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
		out[n] = '\0';
	}
	if (n == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

/* A request to the file server of the path's node naming one or two
 * paths (both on that node: else PATH_CROSS_NODE). A server found dead
 * is looked up again, once. */
static long path_call(uint32_t id, const char *path, const char *path2,
		      uint32_t flags, uint32_t mode, struct rpc_reply *out)
{
	static char p1[UK_FS_PATH_MAX], p2[UK_FS_PATH_MAX];
	const char *r1, *r2 = "";
	union rpc_buf b;

	long rc = make_path(path, p1, sizeof(p1));
	if (rc == 0 && path2)
		rc = make_path(path2, p2, sizeof(p2));
	if (rc < 0)
		return rc;
	uint32_t node = fs_path_node(p1, &r1);
	if (path2 && fs_path_node(p2, &r2) != node)
		return PATH_CROSS_NODE;
	long fs = fs_port(node);
	if (fs < 0)
		return fs;
	struct uk_fs_path_req req = { flags, mode, (uint16_t)strlen(r1),
				      path2 ? (uint16_t)strlen(r2) : 0, 0 };
	struct rpc_req rq = { .dest = (uk_name_t)fs, .id = id, .req = &req,
			      .req_len = sizeof(req), .a = r1, .a_len = req.path_len,
			      .b = r2, .b_len = req.new_len };
	rc = rpc_call(&rq, &b, out);
	if (rc == -ERR_DEAD) {
		fs_forget(node);
		/* No successor yet: the caller hears that its server died. */
		if ((fs = fs_port(node)) > 0) {
			rq.dest = (uk_name_t)fs;
			rc = rpc_call(&rq, &b, out);
		}
	}
	return rc;
}

/* ---- open files ---- */

static ssize_t file_pread(struct fd *f, void *buf, size_t n, uint64_t off)
{
	union rpc_buf b;
	size_t done = 0;

	while (done < n) {
		size_t want = n - done > UK_FILE_IO_MAX ? UK_FILE_IO_MAX : n - done;
		struct uk_file_io_req req = { off + done, (uint32_t)want, 0 };
		struct uk_file_io_reply r = { 0 };
		struct rpc_reply out = { .rep = &r, .rep_len = sizeof(r), .want_ool = true };
		struct rpc_req rq = { .dest = f->port, .id = FILE_READ, .req = &req,
				      .req_len = sizeof(req) };
		long rc = rpc_call(&rq, &b, &out);
		if (rc < 0)
			return done ? (ssize_t)done : posix_result(rc);
		size_t got = r.len > want ? want : r.len;
		if (out.ool_addr) {
			if (got > out.ool_size)
				got = out.ool_size;
			memcpy((uint8_t *)buf + done, (const void *)out.ool_addr, got);
			uk_vm_free(out.ool_addr, out.ool_size);
		} else {
			if (got > out.data_len)
				got = out.data_len;
			memcpy((uint8_t *)buf + done, out.data, got);
		}
		if (got == 0 && r.len > 0) /* claimed but never arrived: not EOF */
			return done ? (ssize_t)done : posix_result(-ERR_IO);
		done += got;
		if (got < want)
			break; /* end of file */
	}
	return (ssize_t)done;
}

static ssize_t file_pwrite(struct fd *f, const void *buf, size_t n, uint64_t off)
{
	union rpc_buf b;
	size_t done = 0;

	while (done < n) {
		size_t len = n - done > UK_FILE_IO_MAX ? UK_FILE_IO_MAX : n - done;
		struct uk_file_io_req req = { off + done, (uint32_t)len, 0 };
		struct uk_file_io_reply r = { 0 };
		struct rpc_reply out = { .rep = &r, .rep_len = sizeof(r) };
		struct rpc_req rq = { .dest = f->port, .id = FILE_WRITE, .req = &req,
				      .req_len = sizeof(req) };
		const uint8_t *p = (const uint8_t *)buf + done;
		if (len <= UK_RPC_INLINE_DATA) {
			rq.a = p;
			rq.a_len = len;
		} else {
			/* The kernel copies the region: a mapped file's pages
			 * must be in. */
			mman_touch(p, len);
			rq.ool = p;
			rq.ool_len = len;
		}
		long rc = rpc_call(&rq, &b, &out);
		if (rc < 0)
			return done ? (ssize_t)done : posix_result(rc);
		done += r.len > len ? len : r.len;
		if (r.len < len)
			break;
	}
	return (ssize_t)done;
}

static long file_simple(struct fd *f, uint32_t id, uint64_t offset, void *rep,
			size_t rep_len)
{
	union rpc_buf b;
	struct uk_file_io_req req = { offset, 0, 0 };
	struct rpc_reply out = { .rep = rep, .rep_len = rep_len };
	struct rpc_req rq = { .dest = f->port, .id = id, .req = &req,
			      .req_len = sizeof(req) };

	return rpc_call(&rq, &b, &out);
}

static ssize_t file_read(struct fd *f, void *buf, size_t n)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY) {
		errno = EBADF;
		return -1;
	}
	ssize_t got = file_pread(f, buf, n, f->offset);
	if (got > 0)
		f->offset += (uint64_t)got;
	return got;
}

static ssize_t file_write(struct fd *f, const void *buf, size_t n)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		errno = EBADF;
		return -1;
	}
	if (f->flags & O_APPEND) {
		struct uk_stat st;
		if (file_simple(f, FILE_STAT, 0, &st, sizeof(st)) == 0)
			f->offset = st.size;
	}
	ssize_t put = file_pwrite(f, buf, n, f->offset);
	if (put > 0)
		f->offset += (uint64_t)put;
	return put;
}

long file_port_call(uk_name_t port, uint32_t id, void *rep, size_t rep_len)
{
	struct fd f = { .port = port };

	return file_simple(&f, id, 0, rep, rep_len);
}

int file_port_close(uk_name_t port)
{
	long rc = file_port_call(port, FILE_CLOSE, NULL, 0);

	uk_port_deallocate(port);
	/* A server that died already closed everything. */
	return rc == -ERR_DEAD ? 0 : (int)rc;
}

/* A file that is still mapped stays open: its mappings keep the right
 * (mman.c) and the last munmap closes it. */
static int file_close(struct fd *f)
{
	bool kept;
	long rc = mman_file_closing(f->port, &kept);

	return kept ? (int)rc : file_port_close(f->port);
}

static const struct fd_ops file_ops = { file_read, file_write, file_close };

bool file_is_file(const struct fd *f)
{
	return f->ops == &file_ops;
}

static void to_stat(const struct uk_stat *u, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = u->ino;
	st->st_mode = u->mode;
	st->st_nlink = u->nlink;
	st->st_uid = u->uid;
	st->st_gid = u->gid;
	st->st_size = (off_t)u->size;
	st->st_atime = (time_t)u->atime;
	st->st_mtime = (time_t)u->mtime;
	st->st_ctime = (time_t)u->ctime;
	st->st_blocks = u->blocks;
	st->st_blksize = u->blksize;
}

static struct fd *file_fd(int fd)
{
	struct fd *f = fd_get(fd);

	if (f && f->ops != &file_ops) {
		errno = f->ops->read || f->ops->write ? ESPIPE : EBADF;
		return NULL;
	}
	return f;
}

int open(const char *path, int flags, ...)
{
	uint32_t mode = 0644;

	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, unsigned);
		va_end(ap);
	}
	struct uk_fs_open_reply r;
	struct rpc_reply out = { .rep = &r, .rep_len = sizeof(r), .want_port = true };
	long rc = path_call(FS_OPEN, path, NULL, (uint32_t)flags & ~(uint32_t)O_NONBLOCK,
			    mode, &out);
	if (rc < 0)
		return (int)posix_result(rc);
	if (!out.port) {
		errno = EIO;
		return -1;
	}
	int fd = fd_install(&file_ops, out.port, flags, NULL);
	if (fd < 0) {
		uk_port_deallocate(out.port);
		return -1;
	}
	return fd;
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

ssize_t pread(int fd, void *buf, size_t n, off_t offset)
{
	struct fd *f = file_fd(fd);

	if (!f)
		return -1;
	if (offset < 0) {
		errno = EINVAL;
		return -1;
	}
	return file_pread(f, buf, n, (uint64_t)offset);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset)
{
	struct fd *f = file_fd(fd);

	if (!f)
		return -1;
	if (offset < 0) {
		errno = EINVAL;
		return -1;
	}
	return file_pwrite(f, buf, n, (uint64_t)offset);
}

off_t lseek(int fd, off_t offset, int whence)
{
	struct fd *f = file_fd(fd);
	int64_t base;

	if (!f)
		return -1;
	if (whence == SEEK_SET) {
		base = 0;
	} else if (whence == SEEK_CUR) {
		base = (int64_t)f->offset;
	} else if (whence == SEEK_END) {
		struct uk_stat st;
		long rc = file_simple(f, FILE_STAT, 0, &st, sizeof(st));
		if (rc < 0)
			return posix_result(rc);
		base = (int64_t)st.size;
	} else {
		errno = EINVAL;
		return -1;
	}
	if (base < 0 || (offset > 0 && base > INT64_MAX - offset) || base + offset < 0) {
		errno = EINVAL;
		return -1;
	}
	f->offset = (uint64_t)(base + offset);
	return (off_t)f->offset;
}

int fstat(int fd, struct stat *st)
{
	struct fd *f = file_fd(fd);
	struct uk_stat u = { 0 };

	if (!f)
		return -1;
	long rc = file_simple(f, FILE_STAT, 0, &u, sizeof(u));
	if (rc < 0)
		return (int)posix_result(rc);
	to_stat(&u, st);
	return 0;
}

int stat(const char *path, struct stat *st)
{
	struct uk_stat u = { 0 };
	struct rpc_reply out = { .rep = &u, .rep_len = sizeof(u) };
	long rc = path_call(FS_STAT, path, NULL, 0, 0, &out);

	if (rc < 0)
		return (int)posix_result(rc);
	to_stat(&u, st);
	return 0;
}

int ftruncate(int fd, off_t length)
{
	struct fd *f = file_fd(fd);

	if (!f)
		return -1;
	if (length < 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)posix_result(file_simple(f, FILE_TRUNCATE, (uint64_t)length, NULL, 0));
}

int truncate(const char *path, off_t length)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -1;
	int rc = ftruncate(fd, length);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

int fsync(int fd)
{
	struct fd *f = file_fd(fd);

	return f ? (int)posix_result(file_simple(f, FILE_FSYNC, 0, NULL, 0)) : -1;
}

void sync(void)
{
	union rpc_buf b;
	long fs = fs_port(FS_NODE_LOCAL);
	struct rpc_req rq = { .dest = fs > 0 ? (uk_name_t)fs : 0, .id = FS_SYNC };

	if (fs > 0 && rpc_call(&rq, &b, NULL) == -ERR_DEAD)
		fs_forget(FS_NODE_LOCAL);
}

int unlink(const char *path)
{
	return (int)posix_result(path_call(FS_UNLINK, path, NULL, 0, 0, NULL));
}

int mkdir(const char *path, mode_t mode)
{
	return (int)posix_result(path_call(FS_MKDIR, path, NULL, 0, mode, NULL));
}

int rmdir(const char *path)
{
	return (int)posix_result(path_call(FS_RMDIR, path, NULL, 0, 0, NULL));
}

int rename(const char *from, const char *to)
{
	long rc = path_call(FS_RENAME, from, to, 0, 0, NULL);

	if (rc == PATH_CROSS_NODE) {
		errno = EXDEV; /* two file servers: copy and unlink instead */
		return -1;
	}
	return (int)posix_result(rc);
}

char *getcwd(char *buf, size_t size)
{
	if (strlen(cwd) + 1 > size) {
		errno = ERANGE;
		return NULL;
	}
	strcpy(buf, cwd);
	return buf;
}

int chdir(const char *path)
{
	static char p[UK_FS_PATH_MAX];
	struct stat st;
	long rc = make_path(path, p, sizeof(p));

	if (rc < 0)
		return (int)posix_result(rc);
	if (stat(p, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	strlcpy(cwd, p, sizeof(cwd));
	return 0;
}

/* ---- directories ---- */

struct uk_dir {
	int fd;
	uint64_t cookie;
	bool end;
	uint8_t buf[UK_RPC_INLINE_DATA] __attribute__((aligned(8))); /* records hold uint64_t */
	size_t len, pos;
	struct dirent ent;
};

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return NULL;
	DIR *d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	d->fd = fd;
	return d;
}

struct dirent *readdir(DIR *d)
{
	for (;;) {
		if (d->pos + sizeof(struct uk_dirent) <= d->len) {
			const struct uk_dirent *e = (const void *)(d->buf + d->pos);
			/* Records come from a server: check them. */
			if (e->reclen < sizeof(*e) || e->reclen % 8 || d->pos + e->reclen > d->len ||
			    sizeof(*e) + e->name_len + 1u > e->reclen) {
				d->len = 0;
				errno = EIO;
				return NULL;
			}
			d->pos += e->reclen;
			d->ent.d_ino = e->ino;
			d->ent.d_type = e->type;
			memcpy(d->ent.d_name, e->name, e->name_len);
			d->ent.d_name[e->name_len] = '\0';
			return &d->ent;
		}
		if (d->end)
			return NULL;
		struct fd *f = fd_get(d->fd);
		union rpc_buf b;
		struct uk_file_io_req req = { d->cookie, sizeof(d->buf), 0 };
		struct uk_file_io_reply r = { 0 };
		struct rpc_reply out = { .rep = &r, .rep_len = sizeof(r) };
		struct rpc_req rq = { .dest = f ? f->port : 0, .id = FILE_READDIR,
				      .req = &req, .req_len = sizeof(req) };
		long rc = f ? rpc_call(&rq, &b, &out) : -ERR_BAD_HANDLE;
		if (rc < 0) {
			posix_result(rc);
			return NULL;
		}
		d->len = out.data_len < r.len ? out.data_len : r.len;
		if (d->len > sizeof(d->buf))
			d->len = sizeof(d->buf);
		memcpy(d->buf, out.data, d->len);
		d->pos = 0;
		if (d->len == 0 && r.next && r.next == d->cookie) {
			errno = EIO; /* a server that makes no progress */
			return NULL;
		}
		d->cookie = r.next;
		d->end = r.next == 0;
		if (d->len == 0 && d->end)
			return NULL;
	}
}

int closedir(DIR *d)
{
	int rc = close(d->fd);

	free(d);
	return rc;
}
