/* SPDX-License-Identifier: MIT */
/*
 * The ext2 file system (ext2.h): open files and the path operations, on
 * top of directories (ext2_dir.c), inodes (ext2_inode.c) and allocation
 * (ext2_alloc.c); mounting is in ext2_super.c.
 *
 * Link counts: a file has one link per directory entry; a directory has
 * one from its parent's entry, one from its own ".", and one from the ".."
 * of each subdirectory. An inode whose last link goes while it is open
 * becomes an orphan: it keeps its blocks until the last close. ext2 keeps
 * no on-disk orphan list, so a crash in that window leaves work for e2fsck.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fmt.h>
#include <uk/errors.h>

#include "ext2_priv.h"

void ext2_log(struct ext2_fs *fs, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	if (!fs->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fs->ops.log(fs->ctx, line);
}

uint32_t ext2_now(struct ext2_fs *fs)
{
	return fs->ops.now ? fs->ops.now(fs->ctx) : 0;
}

int ext2_corrupt(struct ext2_fs *fs, const char *what, uint32_t value)
{
	fs->counters.corrupt++;
	ext2_log(fs, "ext2: corrupt: %s %u", what, value);
	return -ERR_CORRUPT;
}

struct ext2_node *ext2_node_find(struct ext2_fs *fs, uint32_t ino)
{
	for (struct ext2_node *n = fs->nodes; n; n = n->next)
		if (n->ino == ino)
			return n;
	return NULL;
}

/* The last link of ino is gone: free it now, or at its last close. */
static int inode_unlinked(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_node *n = ext2_node_find(fs, ino);

	if (n) {
		n->orphan = true;
		return 0;
	}
	return ext2_inode_release(fs, ino);
}

static int adjust_links(struct ext2_fs *fs, uint32_t ino, int delta)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(fs, ino, &in);

	if (rc < 0)
		return rc;
	if ((delta < 0 && in.i_links_count < (uint32_t)-delta) ||
	    (delta > 0 && in.i_links_count + (uint32_t)delta > EXT2_LINK_MAX))
		return ext2_corrupt(fs, "link count out of range: inode", ino);
	in.i_links_count = (uint16_t)(in.i_links_count + delta);
	in.i_ctime = ext2_now(fs);
	return ext2_inode_write(fs, ino, &in);
}

static void fill_stat(const struct ext2_fs *fs, uint32_t ino,
		      const struct ext2_inode *in, struct uk_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->ino = ino;
	st->size = ext2_inode_size(fs, in);
	st->mode = in->i_mode;
	st->nlink = in->i_links_count;
	st->uid = in->i_uid | (uint32_t)in->l_i_uid_high << 16;
	st->gid = in->i_gid | (uint32_t)in->l_i_gid_high << 16;
	st->atime = in->i_atime;
	st->mtime = in->i_mtime;
	st->ctime = in->i_ctime;
	st->blocks = in->i_blocks;
	st->blksize = fs->block_size;
}

static bool is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

/* A new inode of the given mode, linked into parent as name. */
static int create(struct ext2_fs *fs, uint32_t parent, const char *name,
		  size_t len, uint16_t mode, uint32_t *out)
{
	bool dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	struct ext2_inode in;
	uint32_t ino, now = ext2_now(fs);
	int rc = ext2_inode_alloc(fs, parent, dir, &ino);

	if (rc < 0)
		return rc;
	memset(&in, 0, sizeof(in));
	in.i_mode = mode;
	in.i_links_count = dir ? 2 : 1;
	in.i_atime = in.i_ctime = in.i_mtime = now;
	if (dir) {
		rc = ext2_dir_init(fs, ino, &in, parent);
		if (rc < 0) {
			ext2_inode_free(fs, ino, dir);
			return rc;
		}
	}
	rc = ext2_inode_create(fs, ino, &in);
	if (rc == 0)
		rc = ext2_dir_add(fs, parent, name, len, ino,
				  ext2_file_type(mode));
	if (rc < 0) {
		ext2_inode_release(fs, ino);
		return rc;
	}
	*out = ino;
	return 0;
}

static struct ext2_node *node_get(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_node *n = ext2_node_find(fs, ino);

	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return NULL;
		n->ino = ino;
		n->next = fs->nodes;
		fs->nodes = n;
	}
	n->opens++;
	return n;
}

static int node_put(struct ext2_fs *fs, struct ext2_node *n)
{
	int rc = 0;

	if (--n->opens)
		return 0;
	if (n->orphan) {
		rc = ext2_inode_release(fs, n->ino);
		fs->counters.orphans_freed++;
	}
	for (struct ext2_node **p = &fs->nodes; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			break;
		}
	free(n);
	return rc;
}

#define OPEN_FLAGS                                                             \
	(UK_O_ACCMODE | UK_O_CREAT | UK_O_EXCL | UK_O_TRUNC | UK_O_APPEND |    \
	 UK_O_DIRECTORY)

int ext2_open(struct ext2_fs *fs, const char *path, size_t len, uint32_t flags,
	      uint32_t mode, struct ext2_file **out)
{
	uint32_t acc = flags & UK_O_ACCMODE;
	bool writing = acc != UK_O_RDONLY;
	struct ext2_walk w;
	struct ext2_inode in;
	uint32_t ino;
	int rc;

	if ((flags & ~OPEN_FLAGS) || acc == UK_O_ACCMODE)
		return -ERR_INVALID;
	rc = ext2_walk(fs, path, len, &w);
	if (rc < 0)
		return rc;
	if (!w.ino) {
		if (!(flags & UK_O_CREAT))
			return -ERR_NOT_FOUND;
		if (w.dir_required)
			return -ERR_IS_DIR;
		if (flags & UK_O_DIRECTORY)
			return -ERR_INVALID;
		if (fs->read_only)
			return -ERR_PERMISSION;
		rc = create(fs, w.parent, w.name, w.name_len,
			    (uint16_t)(EXT2_S_IFREG | (mode & 07777)), &ino);
		if (rc < 0)
			return rc;
	} else {
		ino = w.ino;
		if ((flags & UK_O_CREAT) && (flags & UK_O_EXCL))
			return -ERR_EXISTS;
		rc = ext2_inode_load(fs, ino, &in);
		if (rc < 0)
			return rc;
		switch (in.i_mode & EXT2_S_IFMT) {
		case EXT2_S_IFDIR:
			if (writing || (flags & UK_O_TRUNC))
				return -ERR_IS_DIR;
			break;
		case EXT2_S_IFREG:
			if ((flags & UK_O_DIRECTORY) || w.dir_required)
				return -ERR_NOT_DIR;
			break;
		default:
			return (flags & UK_O_DIRECTORY) ? -ERR_NOT_DIR
							: -ERR_UNSUPPORTED;
		}
		if (writing && fs->read_only)
			return -ERR_PERMISSION;
		if (writing && (flags & UK_O_TRUNC) &&
		    ext2_inode_size(fs, &in)) {
			rc = ext2_inode_truncate(fs, &in, 0);
			in.i_mtime = in.i_ctime = ext2_now(fs);
			int wrc = ext2_inode_write(fs, ino, &in);
			if (rc < 0 || wrc < 0)
				return rc < 0 ? rc : wrc;
		}
	}
	struct ext2_file *f = calloc(1, sizeof(*f));
	struct ext2_node *n = f ? node_get(fs, ino) : NULL;
	if (!n) {
		free(f);
		return -ERR_NO_MEMORY;
	}
	f->fs = fs;
	f->node = n;
	f->flags = flags;
	f->next = fs->files;
	fs->files = f;
	*out = f;
	return 0;
}

int ext2_close(struct ext2_file *f)
{
	struct ext2_fs *fs = f->fs;
	int rc = node_put(fs, f->node);

	for (struct ext2_file **p = &fs->files; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	free(f);
	return rc;
}

int ext2_unmount(struct ext2_fs *fs)
{
	int rc = 0;

	/* Files the caller left open: their orphans go now. */
	while (fs->files) {
		int r = ext2_close(fs->files);
		if (r < 0 && !rc)
			rc = r;
	}
	int s = ext2_sync(fs);
	if (s < 0 && !rc)
		rc = s;
	bcache_destroy(&fs->cache);
	free(fs->group);
	free(fs);
	return rc;
}

uint32_t ext2_file_flags(const struct ext2_file *f)
{
	return f->flags;
}

/* The inode behind an open file, checked; it may be an orphan. */
static int file_inode(struct ext2_file *f, struct ext2_inode *in)
{
	int rc = ext2_inode_read(f->fs, f->node->ino, in);

	return rc < 0 ? rc : ext2_inode_check(f->fs, f->node->ino, in);
}

long ext2_read(struct ext2_file *f, uint64_t offset, void *buf, size_t len)
{
	struct ext2_inode in;
	int rc;

	if ((f->flags & UK_O_ACCMODE) == UK_O_WRONLY)
		return -ERR_BAD_HANDLE;
	rc = file_inode(f, &in);
	if (rc < 0)
		return rc;
	if ((in.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR)
		return -ERR_IS_DIR;
	return ext2_data_read(f->fs, &in, offset, buf, len);
}

long ext2_write(struct ext2_file *f, uint64_t offset, const void *buf,
		size_t len)
{
	struct ext2_fs *fs = f->fs;
	struct ext2_inode in;
	int rc;

	if ((f->flags & UK_O_ACCMODE) == UK_O_RDONLY)
		return -ERR_BAD_HANDLE;
	if (fs->read_only)
		return -ERR_PERMISSION;
	rc = file_inode(f, &in);
	if (rc < 0)
		return rc;
	if ((in.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR)
		return -ERR_IS_DIR;
	if (f->flags & UK_O_APPEND)
		offset = ext2_inode_size(fs, &in);
	if (len == 0)
		return 0;
	long n = ext2_data_write(fs, f->node->ino, &in, offset, buf, len);
	in.i_mtime = in.i_ctime = ext2_now(fs);
	/* Even a failed write may have mapped blocks. */
	rc = ext2_inode_write(fs, f->node->ino, &in);
	return n < 0 || rc == 0 ? n : rc;
}

int ext2_truncate(struct ext2_file *f, uint64_t size)
{
	struct ext2_fs *fs = f->fs;
	struct ext2_inode in;
	int rc;

	if ((f->flags & UK_O_ACCMODE) == UK_O_RDONLY)
		return -ERR_BAD_HANDLE;
	if (fs->read_only)
		return -ERR_PERMISSION;
	rc = file_inode(f, &in);
	if (rc < 0)
		return rc;
	if ((in.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR)
		return -ERR_IS_DIR;
	if (size > fs->max_file_size)
		return -ERR_TOO_BIG;
	rc = ext2_inode_truncate(fs, &in, size);
	in.i_mtime = in.i_ctime = ext2_now(fs);
	int wrc = ext2_inode_write(fs, f->node->ino, &in);
	return rc < 0 ? rc : wrc;
}

int ext2_fstat(struct ext2_file *f, struct uk_stat *st)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(f->fs, f->node->ino, &in);

	if (rc == 0)
		fill_stat(f->fs, f->node->ino, &in, st);
	return rc;
}

long ext2_readdir(struct ext2_file *f, uint64_t cookie, void *buf, size_t len,
		  uint64_t *next)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(f->fs, f->node->ino, &in);

	*next = 0;
	if (rc < 0)
		return rc;
	if ((in.i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return -ERR_NOT_DIR;
	if (in.i_links_count == 0)
		return 0; /* removed while open: empty */
	return ext2_dir_read(f->fs, f->node->ino, cookie, buf, len, next);
}

int ext2_fsync(struct ext2_file *f)
{
	return ext2_sync(f->fs);
}

int ext2_stat(struct ext2_fs *fs, const char *path, size_t len,
	      struct uk_stat *st)
{
	struct ext2_walk w;
	struct ext2_inode in;
	int rc = ext2_walk(fs, path, len, &w);

	if (rc < 0)
		return rc;
	if (!w.ino)
		return -ERR_NOT_FOUND;
	rc = ext2_inode_load(fs, w.ino, &in);
	if (rc < 0)
		return rc;
	if (w.dir_required && (in.i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return -ERR_NOT_DIR;
	fill_stat(fs, w.ino, &in, st);
	return 0;
}

int ext2_unlink(struct ext2_fs *fs, const char *path, size_t len)
{
	struct ext2_walk w;
	struct ext2_inode in;
	int rc = ext2_walk(fs, path, len, &w);

	if (rc < 0)
		return rc;
	if (!w.ino)
		return -ERR_NOT_FOUND;
	rc = ext2_inode_load(fs, w.ino, &in);
	if (rc < 0)
		return rc;
	if ((in.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR || w.name_len == 0)
		return -ERR_IS_DIR;
	if (w.dir_required)
		return -ERR_NOT_DIR;
	if (fs->read_only)
		return -ERR_PERMISSION;
	rc = ext2_dir_remove(fs, w.parent, w.name, w.name_len);
	if (rc < 0)
		return rc;
	rc = ext2_inode_read(fs, w.ino, &in);
	if (rc < 0)
		return rc;
	in.i_links_count--;
	in.i_ctime = ext2_now(fs);
	rc = ext2_inode_write(fs, w.ino, &in);
	if (rc == 0 && in.i_links_count == 0)
		rc = inode_unlinked(fs, w.ino);
	return rc;
}

int ext2_mkdir(struct ext2_fs *fs, const char *path, size_t len, uint32_t mode)
{
	struct ext2_walk w;
	struct ext2_inode parent;
	uint32_t ino;
	int rc = ext2_walk(fs, path, len, &w);

	if (rc < 0)
		return rc;
	if (w.ino)
		return -ERR_EXISTS;
	if (fs->read_only)
		return -ERR_PERMISSION;
	rc = ext2_inode_load(fs, w.parent, &parent);
	if (rc < 0)
		return rc;
	if (parent.i_links_count >= EXT2_LINK_MAX)
		return -ERR_LIMIT;
	rc = create(fs, w.parent, w.name, w.name_len,
		    (uint16_t)(EXT2_S_IFDIR | (mode & 07777)), &ino);
	if (rc < 0)
		return rc;
	return adjust_links(fs, w.parent, +1);
}

int ext2_rmdir(struct ext2_fs *fs, const char *path, size_t len)
{
	struct ext2_walk w;
	struct ext2_inode in;
	int rc = ext2_walk(fs, path, len, &w);

	if (rc < 0)
		return rc;
	if (!w.ino)
		return -ERR_NOT_FOUND;
	if (w.name_len == 0)
		return -ERR_BUSY;
	if (is_dot(w.name, w.name_len))
		return w.name_len == 1 ? -ERR_INVALID : -ERR_NOT_EMPTY;
	rc = ext2_inode_load(fs, w.ino, &in);
	if (rc < 0)
		return rc;
	if ((in.i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return -ERR_NOT_DIR;
	if (fs->read_only)
		return -ERR_PERMISSION;
	rc = ext2_dir_empty(fs, w.ino);
	if (rc <= 0)
		return rc < 0 ? rc : -ERR_NOT_EMPTY;
	rc = ext2_dir_remove(fs, w.parent, w.name, w.name_len);
	if (rc == 0)
		rc = adjust_links(fs, w.parent, -1);
	if (rc < 0)
		return rc;
	in.i_links_count = 0;
	in.i_ctime = ext2_now(fs);
	rc = ext2_inode_write(fs, w.ino, &in);
	return rc < 0 ? rc : inode_unlinked(fs, w.ino);
}

int ext2_rename(struct ext2_fs *fs, const char *from, size_t from_len,
		const char *to, size_t to_len)
{
	struct ext2_walk wo, wn;
	struct ext2_inode s, t;
	bool s_dir, t_dir = false;
	int rc = ext2_walk(fs, from, from_len, &wo);

	if (rc < 0)
		return rc;
	rc = ext2_walk(fs, to, to_len, &wn);
	if (rc < 0)
		return rc;
	if (!wo.ino)
		return -ERR_NOT_FOUND;
	if (wo.name_len == 0 || wn.name_len == 0)
		return -ERR_BUSY;
	if (is_dot(wo.name, wo.name_len) || is_dot(wn.name, wn.name_len))
		return -ERR_INVALID;
	rc = ext2_inode_load(fs, wo.ino, &s);
	if (rc < 0)
		return rc;
	s_dir = (s.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	if (!s_dir && (wo.dir_required || wn.dir_required))
		return -ERR_NOT_DIR;
	if (wn.ino == wo.ino)
		return 0;
	if (fs->read_only)
		return -ERR_PERMISSION;
	if (wo.ino == wo.parent || wn.ino == wn.parent)
		return ext2_corrupt(
		    fs, "directory entry names its own directory:", wo.parent);
	if (wn.ino) {
		rc = ext2_inode_load(fs, wn.ino, &t);
		if (rc < 0)
			return rc;
		t_dir = (t.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
		if (s_dir && !t_dir)
			return -ERR_NOT_DIR;
		if (!s_dir && t_dir)
			return -ERR_IS_DIR;
		if (t_dir) {
			rc = ext2_dir_empty(fs, wn.ino);
			if (rc <= 0)
				return rc < 0 ? rc : -ERR_NOT_EMPTY;
		}
	}
	if (s_dir) {
		/* Never into itself or below: that would cut the tree loose. */
		rc = ext2_dir_is_under(fs, wn.parent, wo.ino);
		if (rc != 0)
			return rc < 0 ? rc : -ERR_INVALID;
		if (!wn.ino && wo.parent != wn.parent) {
			struct ext2_inode np;
			rc = ext2_inode_load(fs, wn.parent, &np);
			if (rc < 0)
				return rc;
			if (np.i_links_count >= EXT2_LINK_MAX)
				return -ERR_LIMIT;
		}
	}
	uint8_t ft = ext2_file_type(s.i_mode);
	if (wn.ino)
		rc = ext2_dir_retarget(fs, wn.parent, wn.name, wn.name_len,
				       wo.ino, ft);
	else
		rc = ext2_dir_add(fs, wn.parent, wn.name, wn.name_len, wo.ino,
				  ft);
	if (rc < 0)
		return rc;
	rc = ext2_dir_remove(fs, wo.parent, wo.name, wo.name_len);
	if (rc == 0 && s_dir && wo.parent != wn.parent) {
		rc = ext2_dir_retarget(fs, wo.ino, "..", 2, wn.parent,
				       EXT2_FT_DIR);
		if (rc == 0)
			rc = adjust_links(fs, wo.parent, -1);
		if (rc == 0)
			rc = adjust_links(fs, wn.parent, +1);
	}
	if (rc == 0)
		rc = adjust_links(fs, wo.ino, 0); /* ctime */
	if (rc < 0 || !wn.ino)
		return rc;
	/* The replaced target loses its entry (and, a directory, the ".."
	 * that counted in the new parent). */
	if (t_dir)
		rc = adjust_links(fs, wn.parent, -1);
	if (rc == 0)
		rc = ext2_inode_read(fs, wn.ino, &t);
	if (rc < 0)
		return rc;
	t.i_links_count =
	    t_dir || t.i_links_count == 0 ? 0 : t.i_links_count - 1;
	t.i_ctime = ext2_now(fs);
	rc = ext2_inode_write(fs, wn.ino, &t);
	if (rc == 0 && t.i_links_count == 0)
		rc = inode_unlinked(fs, wn.ino);
	return rc;
}
