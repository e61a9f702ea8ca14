/* SPDX-License-Identifier: MIT */
/*
 * The adapter library's calls as the test files see them: every symbol of
 * lib/posix (and of the lib/c it is linked with) carries the prefix ukp_
 * in this build (CMakeLists.txt), and its types are spelled out here with
 * the widths lib/posix/include gives them on the target (LP64: ssize_t
 * long, off_t and pid_t int64_t, mode_t uint32_t). The mirrors of struct
 * stat, struct dirent and struct timeval are checked against the real
 * layouts (adapter_abi.h) by the first test.
 */
#ifndef TEST_POSIX_ADAPTER_H
#define TEST_POSIX_ADAPTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uk/ipc.h>

#include "adapter_abi.h"

/* Field names differ from POSIX's on purpose: glibc defines st_atime and
 * friends as macros. */
struct adapter_stat {
	uint64_t ino;
	uint32_t mode, nlink, uid, gid;
	int64_t size;
	int64_t atime, mtime, ctime;
	uint64_t blocks;
	uint32_t blksize;
};

struct adapter_dirent {
	uint64_t ino;
	unsigned char type;
	char name[256];
};

struct adapter_timeval {
	int64_t sec;
	int64_t usec;
};

struct adapter_dir;  /* DIR */
struct adapter_file; /* FILE */

/* Values of lib/posix/include that glibc does not share. */
#define A_O_NONBLOCK 0x800
#define A_SEEK_SET 0
#define A_SEEK_CUR 1
#define A_SEEK_END 2
#define A_WNOHANG 1
#define A_SIGKILL 9

extern int ukp_errno;

/* <fcntl.h>, <unistd.h>, <sys/stat.h> */
int ukp_open(const char *path, int flags, ...);
int ukp_creat(const char *path, uint32_t mode);
ssize_t ukp_read(int fd, void *buf, size_t n);
ssize_t ukp_write(int fd, const void *buf, size_t n);
ssize_t ukp_pread(int fd, void *buf, size_t n, int64_t offset);
ssize_t ukp_pwrite(int fd, const void *buf, size_t n, int64_t offset);
int ukp_close(int fd);
int64_t ukp_lseek(int fd, int64_t offset, int whence);
int ukp_stat(const char *path, struct adapter_stat *st);
int ukp_fstat(int fd, struct adapter_stat *st);
int ukp_unlink(const char *path);
int ukp_mkdir(const char *path, uint32_t mode);
int ukp_rmdir(const char *path);
int ukp_rename(const char *from, const char *to);
int ukp_ftruncate(int fd, int64_t length);
int ukp_truncate(const char *path, int64_t length);
int ukp_fsync(int fd);
void ukp_sync(void);
char *ukp_getcwd(char *buf, size_t size);
int ukp_chdir(const char *path);
int64_t ukp_getpid(void);
unsigned ukp_sleep(unsigned seconds);
int ukp_gettimeofday(struct adapter_timeval *tv, void *tz);

/* <dirent.h> */
struct adapter_dir *ukp_opendir(const char *path);
struct adapter_dirent *ukp_readdir(struct adapter_dir *d);
int ukp_closedir(struct adapter_dir *d);

/* Processes: <unistd.h>, <sys/wait.h>, <signal.h> */
int64_t ukp_spawn(const char *path, const char *const argv[]);
int64_t ukp_waitpid(int64_t pid, int *status, int options);
int ukp_kill(int64_t pid, int sig);

/* <stdio.h> and <uk/fd.h> */
extern struct adapter_file *ukp_stdin, *ukp_stdout, *ukp_stderr;
int ukp_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ukp_fprintf(struct adapter_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ukp_puts(const char *s);
int ukp_putchar(int c);
int ukp_fputs(const char *s, struct adapter_file *f);
int ukp_fflush(struct adapter_file *f);
int ukp_getchar(void);
char *ukp_fgets(char *buf, int n, struct adapter_file *f);
void ukp_perror(const char *what);
int ukp_stdio_attach(uk_name_t console);
uk_name_t ukp_stdio_port(void);

/* <sys/mman.h> */
#define A_PROT_READ 0x1
#define A_PROT_WRITE 0x2
#define A_PROT_EXEC 0x4
#define A_MAP_SHARED 0x01
#define A_MAP_PRIVATE 0x02
#define A_MAP_FIXED 0x10
#define A_MAP_ANONYMOUS 0x20
#define A_MS_ASYNC 0x1
#define A_MS_INVALIDATE 0x2
#define A_MS_SYNC 0x4
#define A_MAP_FAILED ((void *)-1)
void *ukp_mmap(void *addr, size_t len, int prot, int flags, int fd,
	       int64_t offset);
int ukp_munmap(void *addr, size_t len);
int ukp_msync(void *addr, size_t len, int flags);

/* <errno.h>, <string.h> */
int ukp_errno_from_err(long err);
long ukp_posix_result(long rc);
char *ukp_strerror(int e);

#endif
