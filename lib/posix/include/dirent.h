/* SPDX-License-Identifier: MIT */
#ifndef UK_POSIX_DIRENT_H
#define UK_POSIX_DIRENT_H

#include <sys/types.h>
#include <uk/proto/fs.h>

#define DT_UNKNOWN UK_DT_UNKNOWN
#define DT_REG UK_DT_REG
#define DT_DIR UK_DT_DIR
#define DT_LNK UK_DT_LNK

struct dirent {
	ino_t d_ino;
	unsigned char d_type;
	char d_name[UK_FS_NAME_MAX + 1];
};

typedef struct uk_dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);

#endif
