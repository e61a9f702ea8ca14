/* SPDX-License-Identifier: MIT */
/* printf family over the kernel debug log (the console server comes later). */
#include <fmt.h>
#include <string.h>
#include <ulib.h>

int vprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

	uk_debug_write(buf, len);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	uk_debug_write(s, strlen(s));
	uk_debug_write("\n", 1);
	return 0;
}
