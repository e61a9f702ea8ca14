/* SPDX-License-Identifier: MIT */
/*
 * Block and inode allocation: the bitmaps and the free counts of the
 * groups and the superblock, which change together (the superblock and
 * descriptor copies reach the disk at the next ext2_sync). A bitmap that
 * disagrees with what it must say (a free bit on file-system metadata or
 * on a reserved inode, a freed block that was already free, a group count
 * that its bitmap contradicts) is ERR_CORRUPT and nothing is changed.
 */
#include <string.h>
#include <uk/errors.h>

#include "ext2_priv.h"

uint32_t ext2_group_of_block(const struct ext2_fs *fs, uint32_t block)
{
	return (block - fs->first_data_block) / fs->blocks_per_group;
}

/* A block that holds data or indirect blocks may be any block of the
 * file system except the superblock and descriptor copies (with the
 * blocks reserved for their growth), the bitmaps and the inode tables. */
bool ext2_block_ok(const struct ext2_fs *fs, uint32_t block)
{
	if (block < fs->first_data_block || block >= fs->blocks_count)
		return false;
	const struct ext2_group *g = &fs->group[ext2_group_of_block(fs, block)];
	if (g->bad)
		return false;
	if (g->has_super &&
	    block < g->first_block + 1 + fs->gdt_blocks + fs->reserved_gdt)
		return false;
	if (block == g->block_bitmap || block == g->inode_bitmap)
		return false;
	if (block >= g->inode_table &&
	    block - g->inode_table < fs->inode_table_blocks)
		return false;
	return true;
}

/* First clear bit in [from, to) of a bitmap, or UINT32_MAX. */
static uint32_t find_clear(const uint8_t *map, uint32_t from, uint32_t to)
{
	uint32_t i = from;

	while (i < to && (i & 7)) {
		if (!(map[i >> 3] & (1u << (i & 7))))
			return i;
		i++;
	}
	for (; i + 8 <= to; i += 8)
		if (map[i >> 3] != 0xff)
			break;
	for (; i < to; i++)
		if (!(map[i >> 3] & (1u << (i & 7))))
			return i;
	return UINT32_MAX;
}

int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	uint32_t g0;

	if (fs->read_only)
		return -ERR_PERMISSION;
	if (fs->free_blocks == 0)
		return -ERR_NO_SPACE;
	if (goal >= fs->first_data_block && goal < fs->blocks_count)
		g0 = ext2_group_of_block(fs, goal);
	else
		g0 = fs->last_alloc_group < fs->groups ? fs->last_alloc_group
						       : 0;
	for (uint32_t i = 0; i < fs->groups; i++) {
		uint32_t gi = (g0 + i) % fs->groups;
		struct ext2_group *g = &fs->group[gi];
		if (g->bad || g->free_blocks == 0)
			continue;
		struct bcache_buf *b;
		int rc = bcache_get(&fs->cache, g->block_bitmap, &b);
		if (rc < 0)
			return rc;
		uint32_t start = 0;
		if (i == 0 && goal >= g->first_block &&
		    goal - g->first_block < g->nblocks)
			start = goal - g->first_block;
		uint32_t bit = find_clear(b->data, start, g->nblocks);
		if (bit == UINT32_MAX && start)
			bit = find_clear(b->data, 0, start);
		if (bit == UINT32_MAX) {
			bcache_put(&fs->cache, b);
			return ext2_corrupt(fs,
					    "group free block count disagrees "
					    "with its bitmap in group",
					    gi);
		}
		uint32_t block = g->first_block + bit;
		if (!ext2_block_ok(fs, block)) {
			bcache_put(&fs->cache, b);
			return ext2_corrupt(
			    fs, "block bitmap marks metadata free: block",
			    block);
		}
		b->data[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		bcache_mark_dirty(&fs->cache, b);
		bcache_put(&fs->cache, b);
		g->free_blocks--;
		fs->free_blocks--;
		fs->meta_dirty = true;
		fs->last_alloc_group = gi;
		*out = block;
		return 0;
	}
	return -ERR_NO_SPACE;
}

int ext2_block_free(struct ext2_fs *fs, uint32_t block)
{
	if (!ext2_block_ok(fs, block))
		return ext2_corrupt(
		    fs, "freeing a block that cannot be data:", block);
	uint32_t gi = ext2_group_of_block(fs, block);
	struct ext2_group *g = &fs->group[gi];
	uint32_t bit = block - g->first_block;
	struct bcache_buf *b;
	int rc = bcache_get(&fs->cache, g->block_bitmap, &b);
	if (rc < 0)
		return rc;
	if (!(b->data[bit >> 3] & (1u << (bit & 7))) ||
	    g->free_blocks >= g->nblocks) {
		bcache_put(&fs->cache, b);
		return ext2_corrupt(
		    fs, "freeing a block that is already free:", block);
	}
	b->data[bit >> 3] &= (uint8_t) ~(1u << (bit & 7));
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	g->free_blocks++;
	fs->free_blocks++;
	fs->meta_dirty = true;
	/* Whatever it held is garbage now; do not write it back. */
	bcache_forget(&fs->cache, block);
	return 0;
}

/* Directories spread over the groups with the most free blocks; files
 * stay in their directory's group when it has room. */
static uint32_t inode_group_start(const struct ext2_fs *fs, uint32_t parent,
				  bool dir)
{
	uint32_t best = (parent - 1) / fs->inodes_per_group;

	if (best >= fs->groups)
		best = 0;
	if (!dir)
		return best;
	uint32_t avg = fs->free_inodes / fs->groups;
	for (uint32_t i = 0; i < fs->groups; i++) {
		const struct ext2_group *g = &fs->group[i];
		const struct ext2_group *b = &fs->group[best];
		if (g->bad || g->free_inodes == 0 || g->free_inodes < avg)
			continue;
		if (b->bad || b->free_inodes == 0 ||
		    g->free_blocks > b->free_blocks)
			best = i;
	}
	return best;
}

int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, bool dir,
		     uint32_t *out)
{
	if (fs->read_only)
		return -ERR_PERMISSION;
	if (fs->free_inodes == 0)
		return -ERR_NO_SPACE;
	uint32_t g0 = inode_group_start(fs, parent, dir);
	for (uint32_t i = 0; i < fs->groups; i++) {
		uint32_t gi = (g0 + i) % fs->groups;
		struct ext2_group *g = &fs->group[gi];
		if (g->bad || g->free_inodes == 0)
			continue;
		struct bcache_buf *b;
		int rc = bcache_get(&fs->cache, g->inode_bitmap, &b);
		if (rc < 0)
			return rc;
		uint32_t bit = find_clear(b->data, 0, fs->inodes_per_group);
		uint64_t ino = (uint64_t)gi * fs->inodes_per_group + bit + 1;
		if (bit == UINT32_MAX) {
			bcache_put(&fs->cache, b);
			return ext2_corrupt(fs,
					    "group free inode count disagrees "
					    "with its bitmap in group",
					    gi);
		}
		if (ino < fs->first_ino || ino > fs->inodes_count) {
			bcache_put(&fs->cache, b);
			return ext2_corrupt(
			    fs, "inode bitmap marks a reserved inode free:",
			    (uint32_t)ino);
		}
		b->data[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		bcache_mark_dirty(&fs->cache, b);
		bcache_put(&fs->cache, b);
		g->free_inodes--;
		fs->free_inodes--;
		if (dir)
			g->used_dirs++;
		fs->meta_dirty = true;
		*out = (uint32_t)ino;
		return 0;
	}
	return -ERR_NO_SPACE;
}

int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool dir)
{
	if (ino < fs->first_ino || ino > fs->inodes_count)
		return ext2_corrupt(
		    fs, "freeing a reserved or out-of-range inode:", ino);
	uint32_t gi = (ino - 1) / fs->inodes_per_group;
	uint32_t bit = (ino - 1) % fs->inodes_per_group;
	struct ext2_group *g = &fs->group[gi];
	if (g->bad)
		return ext2_corrupt(fs,
				    "freeing an inode of a bad group:", ino);
	struct bcache_buf *b;
	int rc = bcache_get(&fs->cache, g->inode_bitmap, &b);
	if (rc < 0)
		return rc;
	if (!(b->data[bit >> 3] & (1u << (bit & 7))) ||
	    g->free_inodes >= fs->inodes_per_group) {
		bcache_put(&fs->cache, b);
		return ext2_corrupt(
		    fs, "freeing an inode that is already free:", ino);
	}
	b->data[bit >> 3] &= (uint8_t) ~(1u << (bit & 7));
	bcache_mark_dirty(&fs->cache, b);
	bcache_put(&fs->cache, b);
	g->free_inodes++;
	fs->free_inodes++;
	if (dir && g->used_dirs)
		g->used_dirs--;
	fs->meta_dirty = true;
	return 0;
}
