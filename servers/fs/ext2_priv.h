/* SPDX-License-Identifier: MIT */
/*
 * Inside the ext2 implementation: on-disk layouts (little-endian, as both
 * the guest and the test host are) and the functions the ext2_*.c files
 * share. Not for the server.
 *
 * Inodes are never cached apart from the block cache: an operation reads
 * an inode into a local struct ext2_inode, changes it and writes it back
 * before it calls anything that may read the same inode again, so two
 * copies of one inode never disagree.
 */
#ifndef FS_EXT2_PRIV_H
#define FS_EXT2_PRIV_H

#include "bcache.h"
#include "ext2.h"

#define EXT2_MAGIC 0xef53u
#define EXT2_SUPER_OFFSET 1024u
#define EXT2_ROOT_INO 2u
#define EXT2_GOOD_OLD_FIRST_INO 11u
#define EXT2_GOOD_OLD_INODE_SIZE 128u
#define EXT2_NDIR_BLOCKS 12u
#define EXT2_IND_BLOCK 12u
#define EXT2_DIND_BLOCK 13u
#define EXT2_TIND_BLOCK 14u
#define EXT2_N_BLOCKS 15u
#define EXT2_LINK_MAX 32000u
/* Directories beyond this are refused as corrupt (we never grow one that
 * far): a corrupt size could otherwise make every lookup scan gigabytes. */
#define EXT2_DIR_SIZE_MAX (64u << 20)
#define EXT2_NAME_LEN 255u

#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002u
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001u
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002u
#define EXT2_INDEX_FL 0x00001000u   /* hashed directory: we drop the index */
#define EXT4_EXTENTS_FL 0x00080000u /* never valid without the feature */
#define EXT4_INLINE_DATA_FL 0x10000000u

#define EXT2_S_IFMT 0170000u
#define EXT2_S_IFSOCK 0140000u
#define EXT2_S_IFLNK 0120000u
#define EXT2_S_IFREG 0100000u
#define EXT2_S_IFBLK 0060000u
#define EXT2_S_IFDIR 0040000u
#define EXT2_S_IFCHR 0020000u
#define EXT2_S_IFIFO 0010000u

#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG_FILE 1
#define EXT2_FT_DIR 2
#define EXT2_FT_SYMLINK 7

#define EXT2_XATTR_MAGIC 0xea020000u

struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size;
	uint32_t i_atime, i_ctime, i_mtime, i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks; /* 512-byte units, indirect blocks included */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl;
	uint32_t i_size_high; /* i_dir_acl in revision 0 */
	uint32_t i_faddr;
	uint16_t l_i_blocks_hi, l_i_file_acl_high, l_i_uid_high, l_i_gid_high;
	uint16_t l_i_checksum_lo, l_i_reserved;
};
_Static_assert(sizeof(struct ext2_inode) == 128, "ext2 inode layout");

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;
	uint32_t bg_reserved[3];
};
_Static_assert(sizeof(struct ext2_group_desc) == 32,
	       "ext2 group descriptor layout");

struct ext2_dirent_head {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type; /* high byte of name_len without FILETYPE */
};
#define EXT2_DIRENT_HEAD 8u
#define EXT2_DIR_REC_LEN(n) ((EXT2_DIRENT_HEAD + (n) + 3u) & ~3u)

/* In-memory state of one block group, from its descriptor. */
struct ext2_group {
	uint32_t block_bitmap, inode_bitmap, inode_table;
	uint32_t free_blocks, free_inodes, used_dirs;
	uint32_t first_block, nblocks; /* blocks this group covers */
	bool has_super;		       /* superblock + descriptor copy here */
	bool bad;		       /* descriptor failed its checks */
};

/* An inode with open files; freed at the last close once unlinked. */
struct ext2_node {
	struct ext2_node *next;
	uint32_t ino;
	uint32_t opens;
	bool orphan;
};

struct ext2_file {
	struct ext2_file *next; /* every open file, for unmount */
	struct ext2_fs *fs;
	struct ext2_node *node;
	uint32_t flags;
};

struct ext2_fs {
	struct bcache cache;
	struct ext2_dev_ops ops;
	void *ctx;

	uint32_t block_size, log_block_size; /* log2 of the block size */
	uint32_t addr_per_block, addr_shift;
	uint32_t blocks_count, first_data_block, blocks_per_group;
	uint32_t inodes_count, inodes_per_group, inode_size, first_ino;
	uint32_t inode_table_blocks; /* per group */
	uint32_t groups, gdt_blocks;
	uint32_t
	    reserved_gdt; /* blocks after each descriptor copy (resize_inode) */
	uint32_t rev_level, feature_incompat, feature_ro_compat;
	uint32_t free_blocks, free_inodes;
	uint16_t extra_isize; /* for new large inodes */
	uint32_t last_time;   /* newest superblock time */
	uint64_t max_file_size;
	bool read_only, filetype;
	bool meta_dirty; /* free counts not yet in the superblock/descriptors */
	struct ext2_group *group;
	struct ext2_node *nodes;
	struct ext2_file *files;
	uint32_t last_alloc_group;
	struct ext2_counters counters;
};

/* ext2.c */
void ext2_log(struct ext2_fs *fs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint32_t ext2_now(struct ext2_fs *fs);
/* Counts and returns ERR_CORRUPT, naming what failed. */
int ext2_corrupt(struct ext2_fs *fs, const char *what, uint32_t value);
struct ext2_node *ext2_node_find(struct ext2_fs *fs, uint32_t ino);

/* ext2_alloc.c: bitmaps and free counts. */
bool ext2_block_ok(const struct ext2_fs *fs, uint32_t block);
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_block_free(struct ext2_fs *fs, uint32_t block);
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, bool dir,
		     uint32_t *out);
int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool dir);
uint32_t ext2_group_of_block(const struct ext2_fs *fs, uint32_t block);

/* ext2_inode.c: inodes, block maps, file data. */
int ext2_inode_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_inode_write(struct ext2_fs *fs, uint32_t ino,
		     const struct ext2_inode *in);
/* A fresh inode: zeroed, extra size set, then *in written. */
int ext2_inode_create(struct ext2_fs *fs, uint32_t ino,
		      const struct ext2_inode *in);
/* Checks an inode met through a directory entry or a handle. */
int ext2_inode_check(struct ext2_fs *fs, uint32_t ino,
		     const struct ext2_inode *in);
/* Read and check an inode a directory entry names (it must be linked). */
int ext2_inode_load(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
uint64_t ext2_inode_size(const struct ext2_fs *fs, const struct ext2_inode *in);
void ext2_inode_set_size(struct ext2_fs *fs, struct ext2_inode *in,
			 uint64_t size);
bool ext2_inode_has_blocks(const struct ext2_fs *fs,
			   const struct ext2_inode *in);
/* Physical block of logical block lblk (0 for a hole); with alloc, holes
 * are filled (zeroed indirect blocks, a data block left to the caller,
 * *fresh set) near *goal, which is updated. */
int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblk,
	      bool alloc, uint32_t *goal, uint32_t *pblk, bool *fresh);
/* Frees every block from logical block first on, indirect blocks that
 * become empty too. */
int ext2_free_blocks_from(struct ext2_fs *fs, struct ext2_inode *in,
			  uint64_t first);
/* Sets the size, freeing or zeroing what lies beyond it. */
int ext2_inode_truncate(struct ext2_fs *fs, struct ext2_inode *in,
			uint64_t size);
/* Frees the inode's blocks, extended-attribute block and the inode. */
int ext2_inode_release(struct ext2_fs *fs, uint32_t ino);
long ext2_data_read(struct ext2_fs *fs, struct ext2_inode *in, uint64_t off,
		    uint8_t *buf, size_t len);
long ext2_data_write(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		     uint64_t off, const uint8_t *buf, size_t len);
/* Where to start looking for blocks for an inode: its group. */
uint32_t ext2_goal_of(const struct ext2_fs *fs, uint32_t ino);

/* ext2_dir.c: directories and paths. */
struct ext2_dirent_loc {
	uint32_t ino; /* the entry's inode */
	uint8_t file_type;
	uint64_t lblk;	 /* directory block */
	uint32_t offset; /* of the entry in it */
	uint32_t prev; /* of the live or dead entry before it, or UINT32_MAX */
};
int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, const char *name,
		  size_t len, struct ext2_dirent_loc *loc);
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 uint32_t ino, uint8_t file_type);
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const char *name,
		    size_t len);
/* Points an existing entry at another inode. */
int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const char *name,
		      size_t len, uint32_t ino, uint8_t file_type);
/* 1 if only "." and ".." are left, 0 if not. */
int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir);
/* The first block of a new directory: "." and "..". */
int ext2_dir_init(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		  uint32_t parent);
long ext2_dir_read(struct ext2_fs *fs, uint32_t dir, uint64_t cookie,
		   uint8_t *buf, size_t len, uint64_t *next);
uint8_t ext2_file_type(uint16_t mode);

struct ext2_walk {
	uint32_t parent;   /* directory holding the last component */
	uint32_t ino;	   /* the last component's inode, 0 if absent */
	const char *name;  /* the last component (in the caller's path) */
	size_t name_len;   /* 0 for "/" */
	bool dir_required; /* the path ended in '/' */
	uint8_t file_type; /* from the directory entry */
};
int ext2_walk(struct ext2_fs *fs, const char *path, size_t len,
	      struct ext2_walk *w);
/* Whether ancestor is dir itself or one of its ancestors (by ".."). */
int ext2_dir_is_under(struct ext2_fs *fs, uint32_t dir, uint32_t ancestor);

#endif
