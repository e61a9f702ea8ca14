/* SPDX-License-Identifier: MIT */
/*
 * The adapter library (lib/posix): POSIX-like calls that become messages
 * to servers found through the name server. The calling program holds only
 * send rights, so it cannot tell whether a server runs on this node or
 * behind the network proxy. Errors: -1 and errno (<errno.h>).
 */
#ifndef UK_POSIX_UNISTD_H
#define UK_POSIX_UNISTD_H

#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pread(int fd, void *buf, size_t n, off_t offset);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset);
int close(int fd);
off_t lseek(int fd, off_t offset, int whence);
int unlink(const char *path);
int rmdir(const char *path);
int ftruncate(int fd, off_t length);
int truncate(const char *path, off_t length);
int fsync(int fd);
void sync(void);
pid_t getpid(void);
unsigned sleep(unsigned seconds);
int usleep(uint64_t usec);
char *getcwd(char *buf, size_t size);
int chdir(const char *path);

/* Processes, through the process server ("proc"): start the program at
 * path (a file in the file system) with argv (argv[0] included, NULL
 * ended); it shares this program's standard input and output. Returns its
 * task id or -1. */
pid_t spawn(const char *path, const char *const argv[]);

#endif
