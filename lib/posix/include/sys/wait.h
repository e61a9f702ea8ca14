/* SPDX-License-Identifier: MIT */
#ifndef UK_POSIX_SYS_WAIT_H
#define UK_POSIX_SYS_WAIT_H

#include <sys/types.h>

/* status from waitpid: exit code << 8, or the fault vector | 0x80 for a
 * crash, or 9 for a task that was killed. */
#define WNOHANG 1
#define WIFEXITED(s) (((s) & 0xff) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (((s) & 0xff) != 0)
#define WTERMSIG(s) ((s) & 0x7f)

pid_t waitpid(pid_t pid, int *status, int options);

#endif
