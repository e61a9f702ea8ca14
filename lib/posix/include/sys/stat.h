/* SPDX-License-Identifier: MIT */
#ifndef UK_POSIX_SYS_STAT_H
#define UK_POSIX_SYS_STAT_H

#include <sys/types.h>
#include <uk/proto/fs.h>

struct stat {
	ino_t st_ino;
	mode_t st_mode;
	nlink_t st_nlink;
	uid_t st_uid;
	gid_t st_gid;
	off_t st_size;
	time_t st_atime, st_mtime, st_ctime;
	uint64_t st_blocks;
	uint32_t st_blksize;
};

#define S_IFMT UK_S_IFMT
#define S_IFREG UK_S_IFREG
#define S_IFDIR UK_S_IFDIR
#define S_IFLNK UK_S_IFLNK
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)

int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
int mkdir(const char *path, mode_t mode);

#endif
