/* SPDX-License-Identifier: MIT */
/*
 * Directories: entries in blocks, path walks, and the records FILE_READDIR
 * returns.
 *
 * A directory block is a chain of entries whose rec_len cover the block
 * exactly; every block is checked as a whole (lengths in range and
 * 4-aligned, names inside their records, inode numbers in range) before
 * any entry in it is used. A removed entry is merged into the one before
 * it, or gets inode 0 if it is the first of its block, so entries never
 * move: a readdir cookie (the byte position of the next entry) stays
 * valid, and one that no longer falls on an entry resumes at the next.
 * Hashed (dir_index) directories are read as plain ones; changing one
 * drops its index flag so e2fsck does not look for an index we did not
 * keep up to date.
 */
#include <string.h>
#include <uk/errors.h>

#include "ext2_priv.h"

#define WALK_DEPTH_MAX 65536u

struct dirent_view {
	uint32_t inode;
	uint32_t rec_len;
	uint32_t name_len;
	uint8_t file_type;
	const char *name;
};

static struct dirent_view entry_at(const struct ext2_fs *fs, const uint8_t *blk,
				   uint32_t off)
{
	struct ext2_dirent_head h;
	struct dirent_view v;

	memcpy(&h, blk + off, sizeof(h));
	v.inode = h.inode;
	v.rec_len = h.rec_len;
	v.name_len = fs->filetype
			 ? h.name_len
			 : (uint32_t)h.name_len | (uint32_t)h.file_type << 8;
	v.file_type = fs->filetype ? h.file_type : EXT2_FT_UNKNOWN;
	v.name = (const char *)blk + off + EXT2_DIRENT_HEAD;
	return v;
}

static void entry_write(const struct ext2_fs *fs, uint8_t *blk, uint32_t off,
			uint32_t inode, uint32_t rec_len, const char *name,
			uint32_t name_len, uint8_t file_type)
{
	struct ext2_dirent_head h = {
	    .inode = inode,
	    .rec_len = (uint16_t)rec_len,
	    .name_len = (uint8_t)name_len,
	    .file_type = fs->filetype ? file_type : 0,
	};

	memcpy(blk + off, &h, sizeof(h));
	if (name)
		memcpy(blk + off + EXT2_DIRENT_HEAD, name, name_len);
}

static void set_rec_len(uint8_t *blk, uint32_t off, uint32_t rec_len)
{
	uint16_t v = (uint16_t)rec_len;

	memcpy(blk + off + 4, &v, sizeof(v));
}

static void set_inode(uint8_t *blk, uint32_t off, uint32_t inode)
{
	memcpy(blk + off, &inode, sizeof(inode));
}

static int block_check(struct ext2_fs *fs, const uint8_t *blk, uint32_t dir)
{
	for (uint32_t off = 0; off < fs->block_size;) {
		if (fs->block_size - off < EXT2_DIR_REC_LEN(1))
			return ext2_corrupt(
			    fs, "directory entry crosses its block: dir", dir);
		struct dirent_view e = entry_at(fs, blk, off);
		if (e.rec_len < EXT2_DIR_REC_LEN(1) || (e.rec_len & 3) ||
		    e.rec_len > fs->block_size - off ||
		    e.rec_len < EXT2_DIR_REC_LEN(e.name_len))
			return ext2_corrupt(
			    fs, "bad directory record length: dir", dir);
		if (e.inode > fs->inodes_count || (e.inode && e.name_len == 0))
			return ext2_corrupt(fs, "bad directory entry: dir",
					    dir);
		off += e.rec_len;
	}
	return 0;
}

/* Reads and checks a directory inode. */
static int dir_load(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in)
{
	int rc = ext2_inode_read(fs, dir, in);

	if (rc < 0)
		return rc;
	if ((in->i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return -ERR_NOT_DIR;
	return ext2_inode_check(fs, dir, in);
}

/* Block lblk of a directory, checked; a hole is corruption. */
static int dir_block(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in,
		     uint64_t lblk, struct bcache_buf **out)
{
	uint32_t pblk, goal = 0;
	int rc = ext2_bmap(fs, in, lblk, false, &goal, &pblk, NULL);

	if (rc < 0)
		return rc;
	if (!pblk)
		return ext2_corrupt(fs, "hole in directory", dir);
	rc = bcache_get(&fs->cache, pblk, out);
	if (rc < 0)
		return rc;
	rc = block_check(fs, (*out)->data, dir);
	if (rc < 0)
		bcache_put(&fs->cache, *out);
	return rc;
}

static int find_in(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in,
		   const char *name, size_t len, struct ext2_dirent_loc *loc,
		   struct bcache_buf **keep)
{
	uint64_t nblocks = in->i_size >> fs->log_block_size;

	for (uint64_t lblk = 0; lblk < nblocks; lblk++) {
		struct bcache_buf *b;
		int rc = dir_block(fs, dir, in, lblk, &b);
		if (rc < 0)
			return rc;
		uint32_t prev = UINT32_MAX;
		for (uint32_t off = 0; off < fs->block_size;) {
			struct dirent_view e = entry_at(fs, b->data, off);
			if (e.inode && e.name_len == len &&
			    !memcmp(e.name, name, len)) {
				loc->ino = e.inode;
				loc->file_type = e.file_type;
				loc->lblk = lblk;
				loc->offset = off;
				loc->prev = prev;
				if (keep)
					*keep = b;
				else
					bcache_put(&fs->cache, b);
				return 0;
			}
			prev = off;
			off += e.rec_len;
		}
		bcache_put(&fs->cache, b);
	}
	return -ERR_NOT_FOUND;
}

int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, const char *name,
		  size_t len, struct ext2_dirent_loc *loc)
{
	struct ext2_inode in;
	int rc = dir_load(fs, dir, &in);

	return rc < 0 ? rc : find_in(fs, dir, &in, name, len, loc, NULL);
}

/* Records a change to a directory: times, and no index any more. */
static int dir_touch(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in)
{
	in->i_mtime = in->i_ctime = ext2_now(fs);
	in->i_flags &= ~EXT2_INDEX_FL;
	return ext2_inode_write(fs, dir, in);
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 uint32_t ino, uint8_t file_type)
{
	struct ext2_inode in;
	uint32_t need = EXT2_DIR_REC_LEN((uint32_t)len);
	int rc = dir_load(fs, dir, &in);

	if (rc < 0)
		return rc;
	if (len == 0 || len > EXT2_NAME_LEN)
		return -ERR_INVALID;
	uint64_t nblocks = in.i_size >> fs->log_block_size;
	for (uint64_t lblk = 0; lblk < nblocks; lblk++) {
		struct bcache_buf *b;
		rc = dir_block(fs, dir, &in, lblk, &b);
		if (rc < 0)
			return rc;
		for (uint32_t off = 0; off < fs->block_size;) {
			struct dirent_view e = entry_at(fs, b->data, off);
			uint32_t used =
			    e.inode ? EXT2_DIR_REC_LEN(e.name_len) : 0;
			if (e.rec_len - used >= need) {
				if (used) {
					set_rec_len(b->data, off, used);
					off += used;
				}
				entry_write(fs, b->data, off, ino,
					    e.rec_len - used, name,
					    (uint32_t)len, file_type);
				bcache_mark_dirty(&fs->cache, b);
				bcache_put(&fs->cache, b);
				return dir_touch(fs, dir, &in);
			}
			off += e.rec_len;
		}
		bcache_put(&fs->cache, b);
	}
	/* No room: one more block. */
	if (in.i_size > EXT2_DIR_SIZE_MAX - fs->block_size)
		return -ERR_NO_SPACE;
	uint32_t goal = ext2_goal_of(fs, dir), pblk;
	struct bcache_buf *b;
	rc = ext2_bmap(fs, &in, nblocks, true, &goal, &pblk, NULL);
	if (rc < 0)
		return rc;
	rc = bcache_get_zeroed(&fs->cache, pblk, &b);
	if (rc < 0) {
		ext2_free_blocks_from(fs, &in, nblocks);
		return rc;
	}
	entry_write(fs, b->data, 0, ino, fs->block_size, name, (uint32_t)len,
		    file_type);
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	in.i_size += fs->block_size;
	return dir_touch(fs, dir, &in);
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const char *name,
		    size_t len)
{
	struct ext2_inode in;
	struct ext2_dirent_loc loc;
	struct bcache_buf *b;
	int rc = dir_load(fs, dir, &in);

	if (rc == 0)
		rc = find_in(fs, dir, &in, name, len, &loc, &b);
	if (rc < 0)
		return rc;
	if (loc.prev == UINT32_MAX) {
		set_inode(b->data, loc.offset, 0);
	} else {
		struct dirent_view p = entry_at(fs, b->data, loc.prev);
		struct dirent_view e = entry_at(fs, b->data, loc.offset);
		set_rec_len(b->data, loc.prev, p.rec_len + e.rec_len);
	}
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	return dir_touch(fs, dir, &in);
}

int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const char *name,
		      size_t len, uint32_t ino, uint8_t file_type)
{
	struct ext2_inode in;
	struct ext2_dirent_loc loc;
	struct bcache_buf *b;
	int rc = dir_load(fs, dir, &in);

	if (rc == 0)
		rc = find_in(fs, dir, &in, name, len, &loc, &b);
	if (rc < 0)
		return rc;
	struct dirent_view e = entry_at(fs, b->data, loc.offset);
	entry_write(fs, b->data, loc.offset, ino, e.rec_len, NULL, e.name_len,
		    file_type);
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	return dir_touch(fs, dir, &in);
}

static bool is_dot(const char *name, uint32_t len)
{
	return (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir)
{
	struct ext2_inode in;
	int rc = dir_load(fs, dir, &in);

	if (rc < 0)
		return rc;
	uint64_t nblocks = in.i_size >> fs->log_block_size;
	for (uint64_t lblk = 0; lblk < nblocks; lblk++) {
		struct bcache_buf *b;
		rc = dir_block(fs, dir, &in, lblk, &b);
		if (rc < 0)
			return rc;
		for (uint32_t off = 0; off < fs->block_size;) {
			struct dirent_view e = entry_at(fs, b->data, off);
			if (e.inode && !is_dot(e.name, e.name_len)) {
				bcache_put(&fs->cache, b);
				return 0;
			}
			off += e.rec_len;
		}
		bcache_put(&fs->cache, b);
	}
	return 1;
}

int ext2_dir_init(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		  uint32_t parent)
{
	uint32_t goal = ext2_goal_of(fs, ino), pblk;
	struct bcache_buf *b;
	int rc = ext2_bmap(fs, in, 0, true, &goal, &pblk, NULL);

	if (rc < 0)
		return rc;
	rc = bcache_get_zeroed(&fs->cache, pblk, &b);
	if (rc < 0) {
		ext2_free_blocks_from(fs, in, 0);
		return rc;
	}
	entry_write(fs, b->data, 0, ino, EXT2_DIR_REC_LEN(1), ".", 1,
		    EXT2_FT_DIR);
	entry_write(fs, b->data, EXT2_DIR_REC_LEN(1), parent,
		    fs->block_size - EXT2_DIR_REC_LEN(1), "..", 2, EXT2_FT_DIR);
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	in->i_size = fs->block_size;
	return 0;
}

static uint8_t dt_of(uint8_t ft)
{
	switch (ft) {
	case EXT2_FT_REG_FILE:
		return UK_DT_REG;
	case EXT2_FT_DIR:
		return UK_DT_DIR;
	case EXT2_FT_SYMLINK:
		return UK_DT_LNK;
	default:
		return UK_DT_UNKNOWN;
	}
}

long ext2_dir_read(struct ext2_fs *fs, uint32_t dir, uint64_t cookie,
		   uint8_t *buf, size_t len, uint64_t *next)
{
	struct ext2_inode in;
	size_t out = 0;
	int rc = dir_load(fs, dir, &in);

	*next = 0;
	if (rc < 0)
		return rc;
	uint64_t nblocks = in.i_size >> fs->log_block_size;
	uint32_t skip = (uint32_t)(cookie & (fs->block_size - 1));
	for (uint64_t lblk = cookie >> fs->log_block_size; lblk < nblocks;
	     lblk++, skip = 0) {
		struct bcache_buf *b;
		rc = dir_block(fs, dir, &in, lblk, &b);
		if (rc < 0)
			return rc;
		for (uint32_t off = 0; off < fs->block_size;) {
			struct dirent_view e = entry_at(fs, b->data, off);
			uint32_t at = off;
			off += e.rec_len;
			if (at < skip || !e.inode)
				continue;
			struct uk_dirent d;
			uint32_t rec =
			    (uint32_t)(sizeof(d) + e.name_len + 1 + 7) & ~7u;
			if (out + rec > len) {
				bcache_put(&fs->cache, b);
				if (out == 0)
					return -ERR_INVALID;
				*next = (lblk << fs->log_block_size) + at;
				return (long)out;
			}
			memset(buf + out, 0, rec);
			d.ino = e.inode;
			d.reserved = 0; /* no server stack to the client */
			d.reclen = (uint16_t)rec;
			d.type = dt_of(e.file_type);
			d.name_len = (uint8_t)e.name_len;
			memcpy(buf + out, &d, sizeof(d));
			memcpy(buf + out + sizeof(d), e.name, e.name_len);
			out += rec;
		}
		bcache_put(&fs->cache, b);
	}
	return (long)out;
}

uint8_t ext2_file_type(uint16_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:
		return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR:
		return EXT2_FT_DIR;
	case EXT2_S_IFCHR:
		return 3;
	case EXT2_S_IFBLK:
		return 4;
	case EXT2_S_IFIFO:
		return 5;
	case EXT2_S_IFSOCK:
		return 6;
	case EXT2_S_IFLNK:
		return EXT2_FT_SYMLINK;
	default:
		return EXT2_FT_UNKNOWN;
	}
}

int ext2_walk(struct ext2_fs *fs, const char *path, size_t len,
	      struct ext2_walk *w)
{
	uint32_t cur = EXT2_ROOT_INO;
	size_t i = 0;

	memset(w, 0, sizeof(*w));
	if (len == 0 || !path)
		return -ERR_INVALID;
	if (len > UK_FS_PATH_MAX)
		return -ERR_NAME_TOO_LONG;
	if (memchr(path, '\0', len) || path[0] != '/')
		return -ERR_INVALID;
	while (len > 1 && path[len - 1] == '/') {
		len--;
		w->dir_required = true;
	}
	w->parent = EXT2_ROOT_INO;
	w->ino = EXT2_ROOT_INO;
	w->file_type = EXT2_FT_DIR;
	for (;;) {
		while (i < len && path[i] == '/')
			i++;
		if (i == len)
			return 0; /* "/" */
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		size_t clen = i - start;
		if (clen > EXT2_NAME_LEN)
			return -ERR_NAME_TOO_LONG;
		struct ext2_dirent_loc loc;
		int rc = ext2_dir_find(fs, cur, path + start, clen, &loc);
		if (i == len) {
			w->parent = cur;
			w->name = path + start;
			w->name_len = clen;
			w->ino = rc == 0 ? loc.ino : 0;
			w->file_type = rc == 0 ? loc.file_type : 0;
			return rc == -ERR_NOT_FOUND ? 0 : rc;
		}
		if (rc < 0)
			return rc;
		struct ext2_inode in;
		rc = ext2_inode_load(fs, loc.ino, &in);
		if (rc < 0)
			return rc;
		if ((in.i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
			return -ERR_NOT_DIR;
		cur = loc.ino;
	}
}

int ext2_dir_is_under(struct ext2_fs *fs, uint32_t dir, uint32_t ancestor)
{
	uint32_t cur = dir;

	for (uint32_t steps = 0; steps < WALK_DEPTH_MAX; steps++) {
		if (cur == ancestor)
			return 1;
		if (cur == EXT2_ROOT_INO)
			return 0;
		struct ext2_dirent_loc loc;
		int rc = ext2_dir_find(fs, cur, "..", 2, &loc);
		if (rc == -ERR_NOT_FOUND || (rc == 0 && loc.ino == cur))
			return ext2_corrupt(fs,
					    "directory without a parent:", cur);
		if (rc < 0)
			return rc;
		cur = loc.ino;
	}
	return ext2_corrupt(fs, "directory parent chain too long from", dir);
}
