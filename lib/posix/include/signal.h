/* SPDX-License-Identifier: MIT */
#ifndef UK_POSIX_SIGNAL_H
#define UK_POSIX_SIGNAL_H

#include <sys/types.h>

#define SIGKILL 9
#define SIGTERM 15

/* Any signal ends the task (there are no signal handlers). */
int kill(pid_t pid, int sig);

#endif
