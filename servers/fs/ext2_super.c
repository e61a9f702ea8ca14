/* SPDX-License-Identifier: MIT */
/*
 * Mounting and the file system as a whole: the superblock and group
 * descriptors are checked field by field before anything trusts them, the
 * free counts are written back at sync, and statfs reports them with the
 * cache's counters.
 *
 * A descriptor that fails its checks makes its group unusable and the
 * whole mount read-only (allocating next to a group we cannot trust could
 * cross-link blocks); a bad group 0 fails the mount, since the root
 * directory lives there.
 */
#include <stdlib.h>
#include <string.h>
#include <uk/errors.h>

#include "ext2_priv.h"

#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010u
#define DEFAULT_CACHE_BYTES (1u << 20)

static uint32_t le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Groups 0, 1 and powers of 3, 5 and 7 hold superblock copies with
 * sparse_super; every group does without it. */
static bool group_has_super(const struct ext2_fs *fs, uint32_t g)
{
	if (g <= 1 ||
	    !(fs->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER))
		return true;
	for (uint32_t base = 3; base <= 7; base += 2) {
		uint64_t p = base;
		while (p < g)
			p *= base;
		if (p == g)
			return true;
	}
	return false;
}

static const char *super_checks(struct ext2_fs *fs, const uint8_t *sb,
				const struct ext2_mount_opts *opts, int *rc)
{
	uint32_t log = le32(sb + 24);

	*rc = -ERR_CORRUPT;
	if (le16(sb + 56) != EXT2_MAGIC)
		return "no ext2 magic number";
	fs->rev_level = le32(sb + 76);
	if (fs->rev_level > 1) {
		*rc = -ERR_UNSUPPORTED;
		return "revision newer than 1";
	}
	if (log > 2) {
		*rc = log <= 6 ? -ERR_UNSUPPORTED : -ERR_CORRUPT;
		return "block size other than 1, 2 or 4 KiB";
	}
	fs->log_block_size = 10 + log;
	fs->block_size = 1024u << log;
	fs->addr_per_block = fs->block_size / 4;
	fs->addr_shift = fs->log_block_size - 2;
	fs->inodes_count = le32(sb + 0);
	fs->blocks_count = le32(sb + 4);
	fs->free_blocks = le32(sb + 12);
	fs->free_inodes = le32(sb + 16);
	fs->first_data_block = le32(sb + 20);
	fs->blocks_per_group = le32(sb + 32);
	fs->inodes_per_group = le32(sb + 40);
	fs->last_time =
	    le32(sb + 44) > le32(sb + 48) ? le32(sb + 44) : le32(sb + 48);
	if (le32(sb + 76) >= 1 && le32(sb + 264) > fs->last_time)
		fs->last_time = le32(sb + 264); /* s_mkfs_time */
	if (fs->rev_level == 0) {
		fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
		fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
	} else {
		fs->inode_size = le16(sb + 88);
		fs->first_ino = le32(sb + 84);
		fs->feature_incompat = le32(sb + 96);
		fs->feature_ro_compat = le32(sb + 100);
		if (le32(sb + 92) & EXT2_FEATURE_COMPAT_RESIZE_INODE)
			fs->reserved_gdt = le16(sb + 206);
	}
	if (fs->feature_incompat & ~EXT2_FEATURE_INCOMPAT_FILETYPE) {
		*rc = -ERR_UNSUPPORTED;
		ext2_log(fs, "ext2: incompatible features 0x%x not supported",
			 fs->feature_incompat &
			     ~EXT2_FEATURE_INCOMPAT_FILETYPE);
		return "incompatible features (only filetype is supported)";
	}
	fs->filetype = fs->feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE;
	uint32_t ro_other =
	    fs->feature_ro_compat & ~(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER |
				      EXT2_FEATURE_RO_COMPAT_LARGE_FILE);
	if (ro_other && !opts->read_only)
		ext2_log(fs,
			 "ext2: read-only compatible features 0x%x: mounting "
			 "read-only",
			 ro_other);
	fs->read_only = opts->read_only || ro_other;
	if (fs->first_data_block != (fs->block_size == 1024 ? 1u : 0u))
		return "first data block wrong for the block size";
	if (fs->blocks_count <= fs->first_data_block + 2)
		return "block count too small";
	if (opts->device_bytes &&
	    (uint64_t)fs->blocks_count * fs->block_size > opts->device_bytes)
		return "file system larger than the device";
	if (fs->blocks_per_group < 8 ||
	    fs->blocks_per_group > 8 * fs->block_size ||
	    (fs->blocks_per_group & 7))
		return "bad blocks per group";
	if (fs->inodes_per_group == 0 ||
	    fs->inodes_per_group > 8 * fs->block_size)
		return "bad inodes per group";
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE ||
	    fs->inode_size > fs->block_size ||
	    (fs->inode_size & (fs->inode_size - 1)))
		return "bad inode size";
	fs->groups = (fs->blocks_count - fs->first_data_block +
		      fs->blocks_per_group - 1) /
		     fs->blocks_per_group;
	if (fs->inodes_count == 0 ||
	    fs->inodes_count > (uint64_t)fs->groups * fs->inodes_per_group ||
	    fs->first_ino < EXT2_GOOD_OLD_FIRST_INO ||
	    fs->first_ino > fs->inodes_count)
		return "bad inode count or first inode";
	if (fs->free_blocks > fs->blocks_count ||
	    fs->free_inodes > fs->inodes_count)
		return "free counts beyond the totals";
	fs->gdt_blocks =
	    (uint32_t)(((uint64_t)fs->groups * sizeof(struct ext2_group_desc) +
			fs->block_size - 1) >>
		       fs->log_block_size);
	if (fs->reserved_gdt > fs->addr_per_block)
		return "too many reserved descriptor blocks";
	if ((uint64_t)fs->first_data_block + 1 + fs->gdt_blocks +
		fs->reserved_gdt >=
	    fs->blocks_count)
		return "group descriptors beyond the end";
	fs->inode_table_blocks =
	    (uint32_t)(((uint64_t)fs->inodes_per_group * fs->inode_size +
			fs->block_size - 1) >>
		       fs->log_block_size);
	if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE) {
		uint16_t want = le16(sb + 350);
		if (want >= 4 &&
		    want <= fs->inode_size - EXT2_GOOD_OLD_INODE_SIZE &&
		    !(want & 3))
			fs->extra_isize = want;
		else
			fs->extra_isize = fs->inode_size >= 160 ? 32 : 0;
	}
	uint64_t p = fs->addr_per_block;
	fs->max_file_size = (EXT2_NDIR_BLOCKS + p + p * p + p * p * p)
			    << fs->log_block_size;
	if (fs->rev_level == 0 ||
	    !(fs->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
		fs->max_file_size = 0x7fffffffu;
	return NULL;
}

/* Why a group descriptor cannot be trusted, or NULL. */
static const char *group_checks(const struct ext2_fs *fs,
				const struct ext2_group *g)
{
	uint32_t lo = g->first_block, hi = g->first_block + g->nblocks;

	if (g->has_super)
		lo += 1 + fs->gdt_blocks + fs->reserved_gdt;
	if (g->block_bitmap < lo || g->block_bitmap >= hi ||
	    g->inode_bitmap < lo || g->inode_bitmap >= hi ||
	    g->block_bitmap == g->inode_bitmap)
		return "bitmap outside its group";
	if (g->inode_table < lo || g->inode_table >= hi ||
	    hi - g->inode_table < fs->inode_table_blocks)
		return "inode table outside its group";
	if ((g->block_bitmap >= g->inode_table &&
	     g->block_bitmap - g->inode_table < fs->inode_table_blocks) ||
	    (g->inode_bitmap >= g->inode_table &&
	     g->inode_bitmap - g->inode_table < fs->inode_table_blocks))
		return "bitmap inside the inode table";
	if (g->free_blocks > g->nblocks ||
	    g->free_inodes > fs->inodes_per_group ||
	    g->used_dirs > fs->inodes_per_group)
		return "counts beyond the group's size";
	return NULL;
}

static int load_groups(struct ext2_fs *fs)
{
	uint64_t free_blocks = 0, free_inodes = 0;
	uint32_t per_block = fs->block_size / sizeof(struct ext2_group_desc);
	bool any_bad = false;

	fs->group = calloc(fs->groups, sizeof(*fs->group));
	if (!fs->group)
		return -ERR_NO_MEMORY;
	for (uint32_t i = 0; i < fs->groups; i++) {
		struct ext2_group *g = &fs->group[i];
		struct ext2_group_desc d;
		struct bcache_buf *b;
		int rc = bcache_get(
		    &fs->cache, fs->first_data_block + 1 + i / per_block, &b);
		if (rc < 0)
			return rc;
		memcpy(&d, b->data + (i % per_block) * sizeof(d), sizeof(d));
		bcache_put(&fs->cache, b);
		g->first_block =
		    fs->first_data_block + i * fs->blocks_per_group;
		g->nblocks = fs->blocks_count - g->first_block;
		if (g->nblocks > fs->blocks_per_group)
			g->nblocks = fs->blocks_per_group;
		g->has_super = group_has_super(fs, i);
		g->block_bitmap = d.bg_block_bitmap;
		g->inode_bitmap = d.bg_inode_bitmap;
		g->inode_table = d.bg_inode_table;
		g->free_blocks = d.bg_free_blocks_count;
		g->free_inodes = d.bg_free_inodes_count;
		g->used_dirs = d.bg_used_dirs_count;
		const char *why = group_checks(fs, g);
		if (why) {
			fs->counters.corrupt++;
			ext2_log(fs, "ext2: corrupt: group %u: %s", i, why);
			g->bad = true;
			any_bad = true;
			if (i == 0)
				return -ERR_CORRUPT;
		}
		free_blocks += g->free_blocks;
		free_inodes += g->free_inodes;
	}
	if (any_bad && !fs->read_only) {
		ext2_log(fs, "ext2: bad group descriptors: mounting read-only");
		fs->read_only = true;
	}
	if (free_blocks > fs->blocks_count || free_inodes > fs->inodes_count)
		return ext2_corrupt(
		    fs, "group free counts beyond the totals, blocks",
		    (uint32_t)free_blocks);
	/* The descriptors are what allocation trusts; the superblock sums
	 * may be stale and are rewritten at the next sync. */
	if (free_blocks != fs->free_blocks || free_inodes != fs->free_inodes)
		fs->meta_dirty = !fs->read_only;
	fs->free_blocks = (uint32_t)free_blocks;
	fs->free_inodes = (uint32_t)free_inodes;
	return 0;
}

int ext2_mount(const struct ext2_dev_ops *ops, void *ctx,
	       const struct ext2_mount_opts *opts, struct ext2_fs **out)
{
	static const struct ext2_mount_opts defaults;
	uint8_t sb[1024];
	struct ext2_fs *fs;
	int rc;

	if (!opts)
		opts = &defaults;
	if (!ops || !ops->read || !ops->write)
		return -ERR_INVALID;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ERR_NO_MEMORY;
	fs->ops = *ops;
	fs->ctx = ctx;
	rc = ops->read(ctx, EXT2_SUPER_OFFSET, sb, sizeof(sb));
	if (rc == 0) {
		const char *why = super_checks(fs, sb, opts, &rc);
		if (why) {
			if (rc == -ERR_CORRUPT)
				fs->counters.corrupt++;
			ext2_log(fs, "ext2: cannot mount: %s", why);
		} else {
			rc = 0;
		}
	}
	if (rc == 0) {
		uint32_t bytes =
		    opts->cache_bytes ? opts->cache_bytes : DEFAULT_CACHE_BYTES;
		uint32_t nbufs = opts->cache_blocks ? opts->cache_blocks
						    : bytes / fs->block_size;
		struct bcache_dev dev = {ctx, ops->read, ops->write,
					 ops->flush};
		rc = bcache_init(&fs->cache, &dev, fs->block_size,
				 nbufs < BCACHE_MIN_BUFFERS ? BCACHE_MIN_BUFFERS
							    : nbufs);
	}
	if (rc == 0)
		rc = load_groups(fs);
	if (rc == 0) {
		struct ext2_inode root;
		rc = ext2_inode_load(fs, EXT2_ROOT_INO, &root);
		if (rc == 0 && (root.i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
			rc = ext2_corrupt(fs, "root is not a directory: mode",
					  root.i_mode);
	}
	if (rc < 0) {
		bcache_destroy(&fs->cache);
		free(fs->group);
		free(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

/* Puts the free counts into the superblock and descriptors (in cache). */
static int write_meta(struct ext2_fs *fs)
{
	uint32_t per_block = fs->block_size / sizeof(struct ext2_group_desc);
	struct bcache_buf *b;
	int rc;

	if (!fs->meta_dirty || fs->read_only)
		return 0;
	rc =
	    bcache_get(&fs->cache, EXT2_SUPER_OFFSET >> fs->log_block_size, &b);
	if (rc < 0)
		return rc;
	uint8_t *sb = b->data + (EXT2_SUPER_OFFSET & (fs->block_size - 1));
	put32(sb + 12, fs->free_blocks);
	put32(sb + 16, fs->free_inodes);
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	for (uint32_t i = 0; i < fs->groups; i += per_block) {
		rc = bcache_get(&fs->cache,
				fs->first_data_block + 1 + i / per_block, &b);
		if (rc < 0)
			return rc;
		for (uint32_t k = 0; k < per_block && i + k < fs->groups; k++) {
			const struct ext2_group *g = &fs->group[i + k];
			uint8_t *d =
			    b->data + k * sizeof(struct ext2_group_desc);
			if (g->bad)
				continue;
			put16(d + 12, (uint16_t)g->free_blocks);
			put16(d + 14, (uint16_t)g->free_inodes);
			put16(d + 16, (uint16_t)g->used_dirs);
		}
		bcache_mark_dirty(&fs->cache, b);
		bcache_put(&fs->cache, b);
	}
	fs->meta_dirty = false;
	return 0;
}

int ext2_sync(struct ext2_fs *fs)
{
	int rc = write_meta(fs);

	return rc < 0 ? rc : bcache_sync(&fs->cache);
}

int ext2_statfs(struct ext2_fs *fs, struct uk_statfs *out)
{
	memset(out, 0, sizeof(*out));
	out->block_size = fs->block_size;
	out->blocks = fs->blocks_count;
	out->blocks_free = fs->free_blocks;
	out->inodes = fs->inodes_count;
	out->inodes_free = fs->free_inodes;
	out->cache_hits = fs->cache.stats.hits;
	out->cache_misses = fs->cache.stats.misses;
	out->dirty_blocks = fs->cache.stats.dirty;
	return 0;
}

void ext2_counters(const struct ext2_fs *fs, struct ext2_counters *out)
{
	*out = fs->counters;
}

bool ext2_read_only(const struct ext2_fs *fs)
{
	return fs->read_only;
}

uint32_t ext2_block_size(const struct ext2_fs *fs)
{
	return fs->block_size;
}

uint32_t ext2_blocks(const struct ext2_fs *fs)
{
	return fs->blocks_count;
}

bool ext2_dirty(const struct ext2_fs *fs)
{
	return fs->cache.stats.dirty || (fs->meta_dirty && !fs->read_only);
}

uint32_t ext2_last_time(const struct ext2_fs *fs)
{
	return fs->last_time;
}
