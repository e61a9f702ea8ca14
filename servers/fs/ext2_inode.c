/* SPDX-License-Identifier: MIT */
/*
 * Inodes and what hangs off them: reading and writing inodes in the inode
 * tables, the block map (12 direct blocks, then single, double and triple
 * indirect blocks), file data, truncation and freeing.
 *
 * Invariants kept for e2fsck: i_blocks counts every data, indirect and
 * extended-attribute block in 512-byte units; no block is mapped at or
 * beyond i_size; an indirect block whose entries are all freed is freed;
 * the bytes after i_size in the last block read as zero (they are zeroed
 * when a file shrinks and again before it grows, whoever wrote them).
 *
 * Every block number taken from an inode or an indirect block is checked
 * (ext2_block_ok) and compared with the indirect blocks above it, so a
 * corrupt map is ERR_CORRUPT rather than a write into metadata or a walk
 * that never ends (depth is at most 3 anyway).
 */
#include <string.h>
#include <uk/errors.h>

#include "ext2_priv.h"

/* Requests of at least DIRECT_MIN bytes move whole uncached blocks
 * between the device and the caller's buffer directly, in runs of at most
 * DIRECT_RUN_MAX, so streaming a big file neither copies it twice nor
 * flushes everything else out of the cache; smaller requests go through
 * the cache, where repeated reads hit and small writes are coalesced. */
#define DIRECT_MIN (64u * 1024)
#define DIRECT_RUN_MAX (1u << 20)

static uint32_t sectors_per_block(const struct ext2_fs *fs)
{
	return fs->block_size / 512u;
}

static int inode_locate(struct ext2_fs *fs, uint32_t ino, uint32_t *block,
			uint32_t *offset)
{
	if (ino == 0 || ino > fs->inodes_count)
		return ext2_corrupt(fs, "inode number out of range:", ino);
	uint32_t gi = (ino - 1) / fs->inodes_per_group;
	if (gi >= fs->groups || fs->group[gi].bad)
		return ext2_corrupt(
		    fs, "inode in a group with a bad descriptor:", ino);
	uint64_t byte =
	    (uint64_t)((ino - 1) % fs->inodes_per_group) * fs->inode_size;
	*block =
	    fs->group[gi].inode_table + (uint32_t)(byte >> fs->log_block_size);
	*offset = (uint32_t)(byte & (fs->block_size - 1));
	return 0;
}

int ext2_inode_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	uint32_t block, offset;
	struct bcache_buf *b;
	int rc = inode_locate(fs, ino, &block, &offset);

	if (rc == 0)
		rc = bcache_get(&fs->cache, block, &b);
	if (rc < 0)
		return rc;
	memcpy(in, b->data + offset, sizeof(*in));
	bcache_put(&fs->cache, b);
	return 0;
}

static int inode_store(struct ext2_fs *fs, uint32_t ino,
		       const struct ext2_inode *in, bool fresh)
{
	uint32_t block, offset;
	struct bcache_buf *b;
	int rc = inode_locate(fs, ino, &block, &offset);

	if (rc == 0)
		rc = bcache_get(&fs->cache, block, &b);
	if (rc < 0)
		return rc;
	if (fresh) {
		memset(b->data + offset, 0, fs->inode_size);
		if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE)
			memcpy(b->data + offset + EXT2_GOOD_OLD_INODE_SIZE,
			       &fs->extra_isize, sizeof(fs->extra_isize));
	}
	memcpy(b->data + offset, in, sizeof(*in));
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	return 0;
}

int ext2_inode_write(struct ext2_fs *fs, uint32_t ino,
		     const struct ext2_inode *in)
{
	return inode_store(fs, ino, in, false);
}

int ext2_inode_create(struct ext2_fs *fs, uint32_t ino,
		      const struct ext2_inode *in)
{
	return inode_store(fs, ino, in, true);
}

uint64_t ext2_inode_size(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	(void)fs;
	if ((in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG)
		return in->i_size | (uint64_t)in->i_size_high << 32;
	return in->i_size;
}

void ext2_inode_set_size(struct ext2_fs *fs, struct ext2_inode *in,
			 uint64_t size)
{
	(void)fs;
	in->i_size = (uint32_t)size;
	if ((in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG)
		in->i_size_high = (uint32_t)(size >> 32);
}

/* Regular files, directories and symbolic links too long for i_block
 * have a block map; fast symlinks and device nodes keep other things in
 * i_block. */
bool ext2_inode_has_blocks(const struct ext2_fs *fs,
			   const struct ext2_inode *in)
{
	switch (in->i_mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:
	case EXT2_S_IFDIR:
		return true;
	case EXT2_S_IFLNK:
		return in->i_blocks >
		       (in->i_file_acl ? sectors_per_block(fs) : 0);
	default:
		return false;
	}
}

int ext2_inode_check(struct ext2_fs *fs, uint32_t ino,
		     const struct ext2_inode *in)
{
	switch (in->i_mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:
		if (ext2_inode_size(fs, in) > fs->max_file_size)
			return ext2_corrupt(
			    fs, "file size beyond the largest possible: inode",
			    ino);
		break;
	case EXT2_S_IFDIR:
		if ((in->i_size & (fs->block_size - 1)) || in->i_size == 0 ||
		    in->i_size > EXT2_DIR_SIZE_MAX)
			return ext2_corrupt(fs, "bad directory size: inode",
					    ino);
		break;
	case EXT2_S_IFLNK:
	case EXT2_S_IFCHR:
	case EXT2_S_IFBLK:
	case EXT2_S_IFIFO:
	case EXT2_S_IFSOCK:
		break;
	default:
		return ext2_corrupt(fs, "unknown file type: inode", ino);
	}
	if (in->i_flags & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL))
		return ext2_corrupt(
		    fs, "extent or inline-data flag on ext2: inode", ino);
	return 0;
}

int ext2_inode_load(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int rc = ext2_inode_read(fs, ino, in);

	if (rc < 0)
		return rc;
	if (in->i_links_count == 0)
		return ext2_corrupt(
		    fs, "directory entry names an unused inode:", ino);
	return ext2_inode_check(fs, ino, in);
}

uint32_t ext2_goal_of(const struct ext2_fs *fs, uint32_t ino)
{
	uint32_t gi = (ino - 1) / fs->inodes_per_group;

	return gi < fs->groups ? fs->group[gi].first_block
			       : fs->first_data_block;
}

/* A block number found in a map: valid and not one of the indirect
 * blocks above it. */
static int map_entry_ok(struct ext2_fs *fs, uint32_t block,
			const uint32_t *above, unsigned n_above)
{
	if (!ext2_block_ok(fs, block))
		return ext2_corrupt(
		    fs, "block map entry out of range or on metadata:", block);
	for (unsigned i = 0; i < n_above; i++)
		if (above[i] == block)
			return ext2_corrupt(fs, "indirect block loop at block",
					    block);
	return 0;
}

int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblk,
	      bool alloc, uint32_t *goal, uint32_t *pblk, bool *fresh)
{
	const uint64_t p = fs->addr_per_block;
	const uint32_t shift = fs->addr_shift;
	uint32_t offs[4], path[4];
	struct bcache_buf *bufs[4] = {0};
	unsigned depth, first_fresh = 4;
	int rc = 0;

	if (fresh)
		*fresh = false;
	if (lblk < EXT2_NDIR_BLOCKS) {
		depth = 0;
		offs[0] = (uint32_t)lblk;
	} else if ((lblk -= EXT2_NDIR_BLOCKS) < p) {
		depth = 1;
		offs[0] = EXT2_IND_BLOCK;
		offs[1] = (uint32_t)lblk;
	} else if ((lblk -= p) < p * p) {
		depth = 2;
		offs[0] = EXT2_DIND_BLOCK;
		offs[1] = (uint32_t)(lblk >> shift);
		offs[2] = (uint32_t)(lblk & (p - 1));
	} else if ((lblk -= p * p) < p * p * p) {
		depth = 3;
		offs[0] = EXT2_TIND_BLOCK;
		offs[1] = (uint32_t)(lblk >> (2 * shift));
		offs[2] = (uint32_t)((lblk >> shift) & (p - 1));
		offs[3] = (uint32_t)(lblk & (p - 1));
	} else {
		return -ERR_TOO_BIG;
	}

	for (unsigned k = 0; k <= depth; k++) {
		uint32_t *slot =
		    k == 0 ? &in->i_block[offs[0]]
			   : &((uint32_t *)bufs[k - 1]->data)[offs[k]];
		uint32_t cur = *slot;
		if (cur) {
			rc = map_entry_ok(fs, cur, path, k);
			if (rc < 0)
				goto out;
		} else {
			if (!alloc) {
				*pblk = 0;
				goto out;
			}
			if (in->i_blocks > UINT32_MAX - sectors_per_block(fs)) {
				rc = -ERR_NO_SPACE;
				goto undo;
			}
			rc = ext2_block_alloc(fs, *goal, &cur);
			if (rc < 0)
				goto undo;
			*goal = cur + 1;
			*slot = cur;
			in->i_blocks += sectors_per_block(fs);
			if (k > 0)
				bcache_mark_dirty(&fs->cache, bufs[k - 1]);
			if (first_fresh == 4)
				first_fresh = k;
		}
		path[k] = cur;
		if (k == depth)
			break;
		/* A new indirect block starts zeroed, an old one is read. */
		rc = k >= first_fresh
			 ? bcache_get_zeroed(&fs->cache, cur, &bufs[k])
			 : bcache_get(&fs->cache, cur, &bufs[k]);
		if (rc < 0)
			goto undo;
		if (k >= first_fresh)
			bcache_mark_dirty(&fs->cache, bufs[k]);
	}
	*pblk = path[depth];
	if (fresh)
		*fresh = first_fresh <= depth;
	goto out;

undo:
	/* Give back the indirect blocks this call added, deepest first. */
	if (first_fresh < 4) {
		for (unsigned k = depth + 1; k-- > first_fresh;) {
			if (k > 0 && !bufs[k - 1])
				continue; /* not reached */
			uint32_t *slot =
			    k == 0 ? &in->i_block[offs[0]]
				   : &((uint32_t *)bufs[k - 1]->data)[offs[k]];
			if (!*slot)
				continue;
			if (bufs[k]) {
				bcache_put(&fs->cache, bufs[k]);
				bufs[k] = NULL;
			}
			ext2_block_free(fs, *slot);
			*slot = 0;
			in->i_blocks -= sectors_per_block(fs);
		}
	}
out:
	for (unsigned k = 0; k < 4; k++)
		if (bufs[k])
			bcache_put(&fs->cache, bufs[k]);
	return rc;
}

static void drop_block_count(struct ext2_fs *fs, struct ext2_inode *in)
{
	uint32_t spb = sectors_per_block(fs);

	in->i_blocks = in->i_blocks >= spb ? in->i_blocks - spb : 0;
}

/* Frees the entries of an indirect block (level 1: data blocks below it)
 * that map logical blocks from start on (relative to this block). 1 if
 * the block is left empty, 0 if not. */
static int free_tree(struct ext2_fs *fs, struct ext2_inode *in, uint32_t block,
		     unsigned level, uint64_t start, uint32_t *above,
		     unsigned n_above)
{
	struct bcache_buf *b;
	uint64_t child_span = 1;
	bool left = false, changed = false;
	int rc = map_entry_ok(fs, block, above, n_above);

	if (rc < 0)
		return rc;
	rc = bcache_get(&fs->cache, block, &b);
	if (rc < 0)
		return rc;
	for (unsigned i = 1; i < level; i++)
		child_span <<= fs->addr_shift;
	above[n_above] = block;
	uint32_t *entries = (uint32_t *)b->data;
	for (uint32_t i = 0; i < fs->addr_per_block; i++) {
		uint32_t c = entries[i];
		uint64_t first = i * child_span;
		if (!c)
			continue;
		if (first + child_span <= start) {
			left = true;
			continue;
		}
		if (level > 1) {
			rc = free_tree(fs, in, c, level - 1,
				       start > first ? start - first : 0, above,
				       n_above + 1);
			if (rc < 0)
				break;
			if (rc == 0) {
				left = true;
				continue;
			}
		} else {
			rc = map_entry_ok(fs, c, above, n_above + 1);
			if (rc < 0)
				break;
		}
		rc = ext2_block_free(fs, c);
		if (rc < 0)
			break;
		entries[i] = 0;
		changed = true;
		drop_block_count(fs, in);
	}
	if (changed)
		bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	if (rc < 0)
		return rc;
	return left ? 0 : 1;
}

int ext2_free_blocks_from(struct ext2_fs *fs, struct ext2_inode *in,
			  uint64_t first)
{
	uint32_t above[4];
	uint64_t base = EXT2_NDIR_BLOCKS, span = fs->addr_per_block;
	int rc;

	for (uint64_t i = first; i < EXT2_NDIR_BLOCKS; i++) {
		if (!in->i_block[i])
			continue;
		rc = map_entry_ok(fs, in->i_block[i], above, 0);
		if (rc == 0)
			rc = ext2_block_free(fs, in->i_block[i]);
		if (rc < 0)
			return rc;
		in->i_block[i] = 0;
		drop_block_count(fs, in);
	}
	for (unsigned level = 1; level <= 3; level++) {
		uint32_t *slot = &in->i_block[EXT2_IND_BLOCK + level - 1];
		if (*slot && first < base + span) {
			rc = free_tree(fs, in, *slot, level,
				       first > base ? first - base : 0, above,
				       0);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				rc = ext2_block_free(fs, *slot);
				if (rc < 0)
					return rc;
				*slot = 0;
				drop_block_count(fs, in);
			}
		}
		base += span;
		span <<= fs->addr_shift;
	}
	return 0;
}

/* Zeroes the bytes from size to the end of its block, if it is mapped. */
static int zero_tail(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
	uint32_t boff = (uint32_t)(size & (fs->block_size - 1)), pblk, goal = 0;
	struct bcache_buf *b;
	int rc;

	if (!boff)
		return 0;
	rc = ext2_bmap(fs, in, size >> fs->log_block_size, false, &goal, &pblk,
		       NULL);
	if (rc < 0 || !pblk)
		return rc;
	rc = bcache_get(&fs->cache, pblk, &b);
	if (rc < 0)
		return rc;
	memset(b->data + boff, 0, fs->block_size - boff);
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	return 0;
}

int ext2_inode_truncate(struct ext2_fs *fs, struct ext2_inode *in,
			uint64_t size)
{
	uint64_t old = ext2_inode_size(fs, in);
	int rc;

	if (size > fs->max_file_size)
		return -ERR_TOO_BIG;
	if (size >= old) {
		rc = zero_tail(fs, in, old);
	} else {
		rc = ext2_free_blocks_from(
		    fs, in, (size + fs->block_size - 1) >> fs->log_block_size);
		if (rc == 0)
			rc = zero_tail(fs, in, size);
	}
	if (rc < 0)
		return rc;
	ext2_inode_set_size(fs, in, size);
	return 0;
}

/* Drops this inode's reference to its shared extended-attribute block. */
static int xattr_release(struct ext2_fs *fs, struct ext2_inode *in)
{
	uint32_t blk = in->i_file_acl, hdr[2];
	struct bcache_buf *b;
	int rc;

	if (!ext2_block_ok(fs, blk))
		return ext2_corrupt(
		    fs, "extended-attribute block out of range:", blk);
	rc = bcache_get(&fs->cache, blk, &b);
	if (rc < 0)
		return rc;
	memcpy(hdr, b->data, sizeof(hdr));
	if (hdr[0] != EXT2_XATTR_MAGIC || hdr[1] == 0) {
		bcache_put(&fs->cache, b);
		return ext2_corrupt(fs, "bad extended-attribute block", blk);
	}
	if (hdr[1] > 1) {
		hdr[1]--;
		memcpy(b->data + 4, &hdr[1], sizeof(hdr[1]));
		bcache_mark_dirty(&fs->cache, b);
		bcache_put(&fs->cache, b);
	} else {
		bcache_put(&fs->cache, b);
		rc = ext2_block_free(fs, blk);
		if (rc < 0)
			return rc;
	}
	in->i_file_acl = 0;
	drop_block_count(fs, in);
	return 0;
}

int ext2_inode_release(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode in;
	int rc = ext2_inode_read(fs, ino, &in);

	if (rc < 0)
		return rc;
	bool dir = (in.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	if (ext2_inode_has_blocks(fs, &in))
		rc = ext2_free_blocks_from(fs, &in, 0);
	if (rc == 0 && in.i_file_acl)
		rc = xattr_release(fs, &in);
	in.i_links_count = 0;
	in.i_dtime = ext2_now(fs);
	if (rc == 0)
		ext2_inode_set_size(fs, &in, 0);
	int wrc = ext2_inode_write(fs, ino, &in);
	if (rc < 0 || wrc < 0)
		return rc < 0 ? rc : wrc;
	return ext2_inode_free(fs, ino, dir);
}

struct run {
	uint32_t start, blocks;
	uint8_t *mem;
};

static int run_flush(struct ext2_fs *fs, struct run *r, bool write)
{
	int rc = 0;

	if (!r->blocks)
		return 0;
	uint64_t off = (uint64_t)r->start << fs->log_block_size;
	size_t len = (size_t)r->blocks << fs->log_block_size;
	if (write) {
		rc = fs->ops.write(fs->ctx, off, r->mem, len);
		fs->counters.direct_writes++;
	} else {
		rc = fs->ops.read(fs->ctx, off, r->mem, len);
		fs->counters.direct_reads++;
	}
	r->blocks = 0;
	return rc;
}

/* Adds a whole uncached block to the run, flushing the run first if the
 * block does not continue it. */
static int run_add(struct ext2_fs *fs, struct run *r, uint32_t pblk,
		   uint8_t *mem, bool write)
{
	if (r->blocks && pblk == r->start + r->blocks &&
	    ((uint64_t)(r->blocks + 1) << fs->log_block_size) <=
		DIRECT_RUN_MAX) {
		r->blocks++;
		return 0;
	}
	int rc = run_flush(fs, r, write);
	r->start = pblk;
	r->blocks = 1;
	r->mem = mem;
	return rc;
}

long ext2_data_read(struct ext2_fs *fs, struct ext2_inode *in, uint64_t off,
		    uint8_t *buf, size_t len)
{
	uint64_t size = ext2_inode_size(fs, in);
	struct run r = {0};
	size_t done = 0;
	int rc = 0;

	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	while (done < len && rc == 0) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos & (fs->block_size - 1)), pblk,
			 goal = 0;
		size_t n = fs->block_size - boff;
		if (n > len - done)
			n = len - done;
		rc = ext2_bmap(fs, in, pos >> fs->log_block_size, false, &goal,
			       &pblk, NULL);
		if (rc < 0)
			break;
		struct bcache_buf *b =
		    pblk ? bcache_peek(&fs->cache, pblk) : NULL;
		if (pblk && !b && n == fs->block_size && len >= DIRECT_MIN) {
			rc = run_add(fs, &r, pblk, buf + done, false);
		} else {
			rc = run_flush(fs, &r, false);
			if (rc == 0 && !pblk) {
				memset(buf + done, 0, n);
			} else if (rc == 0) {
				if (!b)
					rc = bcache_get(&fs->cache, pblk, &b);
				if (rc == 0)
					memcpy(buf + done, b->data + boff, n);
			}
			if (b)
				bcache_put(&fs->cache, b);
		}
		done += n;
	}
	if (rc == 0)
		rc = run_flush(fs, &r, false);
	return rc < 0 ? rc : (long)len;
}

long ext2_data_write(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		     uint64_t off, const uint8_t *buf, size_t len)
{
	uint64_t size = ext2_inode_size(fs, in);
	struct run r = {0};
	uint32_t goal = ext2_goal_of(fs, ino);
	size_t done = 0;
	int rc = 0;

	if (off > fs->max_file_size || len > fs->max_file_size - off)
		return -ERR_TOO_BIG;
	if (len == 0)
		return 0;
	if (off > size) {
		rc = zero_tail(fs, in, size);
		if (rc < 0)
			return rc;
	}
	if (off >= fs->block_size) {
		uint32_t prev = 0;
		if (ext2_bmap(fs, in, (off >> fs->log_block_size) - 1, false,
			      &goal, &prev, NULL) == 0 &&
		    prev)
			goal = prev + 1;
	}
	while (done < len) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos & (fs->block_size - 1)), pblk;
		size_t n = fs->block_size - boff;
		bool fresh;
		if (n > len - done)
			n = len - done;
		rc = ext2_bmap(fs, in, pos >> fs->log_block_size, true, &goal,
			       &pblk, &fresh);
		if (rc < 0)
			break;
		goal = pblk + 1;
		struct bcache_buf *b = bcache_peek(&fs->cache, pblk);
		if (!b && n == fs->block_size && len >= DIRECT_MIN) {
			/* Straight from the caller's buffer to the device. */
			rc = run_add(fs, &r, pblk, (uint8_t *)buf + done, true);
		} else {
			rc = run_flush(fs, &r, true);
			/* A block written whole need not be read first. */
			bool whole = fresh || n == fs->block_size;
			if (rc == 0 && !b)
				rc = whole ? bcache_get_zeroed(&fs->cache, pblk,
							       &b)
					   : bcache_get(&fs->cache, pblk, &b);
			if (rc == 0) {
				if (fresh && n < fs->block_size)
					memset(b->data, 0, fs->block_size);
				memcpy(b->data + boff, buf + done, n);
				bcache_mark_dirty(&fs->cache, b);
			}
			if (b)
				bcache_put(&fs->cache, b);
		}
		/* The block is mapped now, so the size covers it even if its
		 * data failed to reach the disk. */
		done += n;
		if (off + done > size)
			size = off + done;
		if (rc < 0)
			break;
	}
	int frc = run_flush(fs, &r, true);
	if (rc == 0)
		rc = frc;
	ext2_inode_set_size(fs, in, size);
	if (rc == -ERR_NO_SPACE && done > 0)
		return (long)done;
	return rc < 0 ? rc : (long)done;
}
