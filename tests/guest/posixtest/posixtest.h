/* SPDX-License-Identifier: MIT */
/* What the parts of posixtest share (main.c, mmap.c). */
#ifndef POSIXTEST_H
#define POSIXTEST_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			failures++;                                            \
			printf("posixtest: FAIL %s:%d: %s (errno %d %s)\n",    \
			       __FILE__, __LINE__, #cond, errno,               \
			       strerror(errno));                               \
		}                                                              \
	} while (0)
/* A call that must fail with errno e. */
#define CHECK_ERR(expr, e)                                                     \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(expr);                                        \
		if (r_ != -1 || errno != (e)) {                                \
			failures++;                                            \
			printf("posixtest: FAIL %s:%d: %s: got %ld errno %d "  \
			       "(%s), want errno %d\n",                        \
			       __FILE__, __LINE__, #expr, r_, errno,           \
			       strerror(errno), (e));                          \
		}                                                              \
	} while (0)

/* n bytes of a pattern that differs with seed and along the bytes. */
void fill(uint8_t *p, size_t n, unsigned seed);
/* path created (or truncated) with n bytes of data; 0 or -1. */
int write_file(const char *path, const void *data, size_t n);

/* mmap.c: mapped files and anonymous mappings (posixtest mmap), and the
 * children they start (posixtest map-*: the exit status tells). */
void test_mmap(void);
int map_child(const char *what);

#endif
