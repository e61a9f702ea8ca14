/* SPDX-License-Identifier: MIT */
/* Freestanding subset of <stdlib.h> for user programs: number parsing from
 * lib/c, memory and exit from the user runtime (lib/uk). */
#ifndef UK_LIBC_STDLIB_H
#define UK_LIBC_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *s, char **end, int base);
long strtol(const char *s, char **end, int base);
int atoi(const char *s);
void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *));

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
__attribute__((noreturn)) void exit(int code);
__attribute__((noreturn)) void abort(void);

static inline int abs(int v)
{
	return v < 0 ? -v : v;
}

#endif
