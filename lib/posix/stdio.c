/* SPDX-License-Identifier: MIT */
/*
 * Standard streams. A program's standard input and output is a console
 * stream (uk/proto/cons.h): the send right its creator passed as
 * uk_startup.rights[1], or one given to stdio_attach. Without one,
 * output goes to the kernel log (servers, tests) and input is empty.
 * Output is line-buffered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/fd.h>
#include <uk/proto/cons.h>

#include "rpc.h"

static FILE files[3] = { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 } };
FILE *stdin = &files[0], *stdout = &files[1], *stderr = &files[2];

static uk_name_t console;
static bool initialised;
static char outbuf[1024];
static size_t outlen;

static ssize_t log_write(struct fd *f, const void *buf, size_t n)
{
	(void)f;
	uk_debug_write(buf, n);
	return (ssize_t)n;
}

static ssize_t cons_write(struct fd *f, const void *buf, size_t n)
{
	static union rpc_buf b;
	size_t done = 0;

	while (done < n) {
		size_t chunk = n - done < UK_RPC_INLINE_DATA ? n - done : UK_RPC_INLINE_DATA;
		struct uk_cons_io_reply r = { 0 };
		struct rpc_reply out = { .rep = &r, .rep_len = sizeof(r) };
		struct rpc_req rq = { .dest = f->port, .id = CONS_WRITE,
				      .a = (const uint8_t *)buf + done, .a_len = chunk };
		long rc = rpc_call(&rq, &b, &out);
		if (rc < 0)
			return done ? (ssize_t)done : posix_result(rc);
		done += chunk;
	}
	return (ssize_t)n;
}

static ssize_t cons_read(struct fd *f, void *buf, size_t n)
{
	static union rpc_buf b;
	struct uk_cons_read_req req = { n < UK_RPC_INLINE_DATA ? (uint32_t)n : UK_RPC_INLINE_DATA,
					0, UK_TIMEOUT_INFINITE };
	struct uk_cons_io_reply r = { 0 };
	struct rpc_reply out = { .rep = &r, .rep_len = sizeof(r) };
	struct rpc_req rq = { .dest = f->port, .id = CONS_READ, .req = &req,
			      .req_len = sizeof(req) };

	if (n == 0)
		return 0;
	long rc = rpc_call(&rq, &b, &out);
	if (rc < 0)
		return posix_result(rc);
	size_t got = r.count < out.data_len ? r.count : out.data_len;
	if (got > n)
		got = n;
	memcpy(buf, out.data, got);
	return (ssize_t)got;
}

static ssize_t empty_read(struct fd *f, void *buf, size_t n)
{
	(void)f;
	(void)buf;
	(void)n;
	return 0;
}

static const struct fd_ops log_ops = { empty_read, log_write, NULL };
static const struct fd_ops cons_ops = { cons_read, cons_write, NULL };

static void attach(uk_name_t port)
{
	console = port;
	for (int i = 0; i < 3; i++)
		fd_set_slot(i, port ? &cons_ops : &log_ops, port, i ? 1 : 0);
}

void posix_stdio_init(void)
{
	if (initialised)
		return;
	initialised = true;
	uk_name_t port = 0;
	const struct uk_startup *su = uk_startup_info;
	struct uk_port_info info;
	if (su && su->n_rights > 1 && su->rights[1] &&
	    uk_port_info(su->rights[1], &info) == 0 &&
	    (info.rights & UK_RIGHT_SEND) && !(info.rights & UK_RIGHT_HARDWARE))
		port = su->rights[1];
	attach(port);
}

int stdio_attach(uk_name_t port)
{
	posix_stdio_init();
	fflush(stdout);
	attach(port);
	return 0;
}

uk_name_t stdio_port(void)
{
	posix_stdio_init();
	return console;
}

int fflush(FILE *f)
{
	(void)f;
	posix_stdio_init();
	if (outlen) {
		size_t n = outlen;
		outlen = 0;
		write(1, outbuf, n);
	}
	return 0;
}

/* Buffered output to fd 1 (or straight to fd 2). */
static void out(FILE *f, const char *s, size_t n)
{
	posix_stdio_init();
	if (f == stderr || f->fd > 2 || !console) {
		fflush(stdout);
		write(f == stdout ? 1 : f->fd, s, n);
		return;
	}
	while (n) {
		size_t room = sizeof(outbuf) - outlen, k = n < room ? n : room;
		memcpy(outbuf + outlen, s, k);
		outlen += k;
		s += k;
		n -= k;
		if (outlen == sizeof(outbuf) || memchr(outbuf + outlen - k, '\n', k))
			fflush(stdout);
	}
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

	out(f, buf, len);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int fputs(const char *s, FILE *f)
{
	out(f, s, strlen(s));
	return 0;
}

int puts(const char *s)
{
	out(stdout, s, strlen(s));
	out(stdout, "\n", 1);
	return 0;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;
	out(f, &ch, 1);
	return c;
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fgetc(FILE *f)
{
	unsigned char c;

	if (f == stdin)
		fflush(stdout);
	ssize_t n = read(f->fd, &c, 1);
	if (n <= 0) {
		if (n == 0)
			f->eof = 1;
		else
			f->error = 1;
		return EOF;
	}
	return c;
}

int getchar(void)
{
	return fgetc(stdin);
}

char *fgets(char *buf, int n, FILE *f)
{
	int i = 0;

	while (i + 1 < n) {
		int c = fgetc(f);
		if (c == EOF)
			break;
		buf[i++] = (char)c;
		if (c == '\n')
			break;
	}
	if (i == 0)
		return NULL;
	buf[i] = '\0';
	return buf;
}

void perror(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
}
