/* SPDX-License-Identifier: MIT */
/*
 * Formatted output for freestanding code: a printf subset (%d %i %u %x %X %p
 * %s %c %%, flags '-' '0', width, precision, length l ll z). Used by the
 * kernel's log and by the user runtime's printf.
 */
#ifndef UK_LIBC_FMT_H
#define UK_LIBC_FMT_H

#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
