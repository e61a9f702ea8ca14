/* SPDX-License-Identifier: MIT */
/*
 * The shell's output: one buffer for standard output (or a redirection's
 * file), written in large pieces so a listing is a few console requests,
 * not one per line. Errors go to standard error at once, after what is
 * buffered, so the two keep their order on a shared console.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

static char buf[2048];
static size_t used;
static int file = -1;	  /* redirection target, or -1 */
static bool terminal;	  /* standard output is a terminal: "\r\n" */
static int file_errno;	  /* first write error on the redirection */

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0) {
			if (fd == file && !file_errno)
				file_errno = w < 0 ? errno : EIO;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

void out_flush(void)
{
	if (used)
		write_all(file >= 0 ? file : 1, buf, used);
	used = 0;
}

void out_set_file(int fd)
{
	out_flush();
	file = fd;
	file_errno = 0;
}

int out_error(void)
{
	return file_errno;
}

void out_terminal(bool on)
{
	terminal = on;
}

static void put(const char *s, size_t n)
{
	while (n) {
		if (used == sizeof(buf))
			out_flush();
		size_t k = sizeof(buf) - used < n ? sizeof(buf) - used : n;
		memcpy(buf + used, s, k);
		used += k;
		s += k;
		n -= k;
	}
}

void out_write(const char *s, size_t n)
{
	if (!terminal || file >= 0) {
		put(s, n);
		return;
	}
	for (const char *nl; n && (nl = memchr(s, '\n', n));) {
		put(s, (size_t)(nl - s));
		put("\r\n", 2);
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	put(s, n);
}

void out_raw(const char *s, size_t n)
{
	put(s, n);
}

static void vout(const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	out_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vout(fmt, ap);
	va_end(ap);
}

void err(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	/* Standard output first, then the error, so they read in order
	 * when both go to the same console. */
	out_flush();
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (!terminal) {
		write_all(2, line, len);
		return;
	}
	char crlf[2 * sizeof(line)];
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = line[i];
	}
	write_all(2, crlf, k);
}
