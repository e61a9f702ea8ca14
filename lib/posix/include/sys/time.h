/* SPDX-License-Identifier: MIT */
#ifndef UK_POSIX_SYS_TIME_H
#define UK_POSIX_SYS_TIME_H

#include <sys/types.h>

struct timeval {
	time_t tv_sec;
	int64_t tv_usec;
};

int gettimeofday(struct timeval *tv, void *tz);

#endif
