/* SPDX-License-Identifier: MIT */
/*
 * The workload's operations through the adapter (open, pread, pwrite,
 * write, fsync, close), each between its invoke line and exactly one
 * completion line. How each step's error ends the operation:
 *
 *   ok    it happened, and for a read this is what it saw;
 *   fail  it did not happen: nothing it could have changed is visible;
 *   info  it may have happened (a request that may have reached the
 *         server, or data the server has but may not keep).
 *
 * write (register): open(O_WRONLY | O_CREAT), one pwrite of the whole
 * record at 0, fsync, close.
 *   - open fails: fail. All an open can have done is create an empty
 *     file, which reads as nil like no file. That holds when the adapter
 *     ran it twice, too (a path call that finds its server dead is sent
 *     again once, after a fresh lookup: lib/posix/file.c path_call): no
 *     O_TRUNC and no O_EXCL, so a second run changes nothing. O_TRUNC
 *     is avoided anyway: between the truncation and the write a reader
 *     would see the register empty.
 *   - pwrite fails with EHOSTUNREACH (ERR_UNREACHABLE: the proxy never
 *     sent it), EMFILE (ERR_LIMIT: refused before delivery) or EBADF
 *     (refused by the adapter, the kernel or the server before any
 *     write): fail. With any other error (EIO: ERR_DEAD, the request
 *     may have run, or ERR_IO, the disk failed on the way; ETIMEDOUT;
 *     ENOSPC) or a short count: info. The data calls go to the open
 *     file's port and are never sent twice (the proxy runs each call at
 *     most once: docs/PROXY.md, "Calls").
 *   - fsync or close fails: info. The server has the value (readers may
 *     see it) but it may not be on the disk.
 * read (register): open(O_RDONLY), pread of one record at 0, close.
 *   - open fails with ENOENT: ok nil (only a file server says ENOENT: a
 *     server that cannot be found is another error, lib/posix/fs_ports.c).
 *   - open or pread fails otherwise: fail. A read changes nothing, so one
 *     that saw nothing is as if it had not run.
 *   - 0 bytes: ok nil (a writer created the file and has not written).
 *     A whole record: ok with its value. Anything else (a torn or
 *     foreign record): ok "?HEX" of the bytes, which no write wrote, so
 *     the checker reports it.
 *   - close's error is ignored: the value was read.
 * append: open(O_WRONLY | O_CREAT | O_APPEND), one write of "token\n",
 * fsync, close; the same rules as write. The file server writes an
 * O_APPEND file's data at its end whatever offset the request says
 * (servers/fs/ext2.c), so concurrent appenders on any node never
 * overwrite each other; a short write may leave a torn token, which the
 * final read shows as "?HEX".
 * final: open(O_RDONLY), read to the end, close; ENOENT is an empty file
 * (ok 0); another error is fail, before any part line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

/* The final read takes the file whole, up to this many bytes. */
#define FINAL_MAX (16u << 20)
/* A part line of the final read: at most this many tokens and bytes of
 * them (the host's log keeps 1,023 bytes of a line). */
#define PART_TOKENS 40u
#define PART_BYTES 700u
/* Of a token that is not one (torn, garbage), at most this many bytes
 * are shown in hex. */
#define GARBAGE_SHOWN 32u

/* A data call's error: did the request certainly not run? */
static enum outcome data_error(int err)
{
	return err == EHOSTUNREACH || err == EMFILE || err == EBADF
		   ? OUTCOME_FAIL
		   : OUTCOME_INFO;
}

/* "?HEX" of at most GARBAGE_SHOWN of the n bytes at p, "~N" after it
 * when there were more (no blank, no comma). */
static void garbage(char *out, size_t size, const unsigned char *p, size_t n)
{
	size_t shown = n < GARBAGE_SHOWN ? n : GARBAGE_SHOWN, len = 0;

	len += (size_t)snprintf(out, size, "?");
	for (size_t i = 0; i < shown && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%02x", p[i]);
	if (shown < n && len < size)
		snprintf(out + len, size - len, "~%lu", (unsigned long)n);
}

/* Whether p[0..n) is a token "N.C.I": three decimal numbers. */
static int is_token(const unsigned char *p, size_t n)
{
	unsigned dots = 0;
	int digit = 0;

	if (n == 0 || n >= VALUE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			digit = 1;
		} else if (p[i] == '.' && digit && dots < 2) {
			dots++;
			digit = 0;
		} else {
			return 0;
		}
	}
	return dots == 2 && digit;
}

enum outcome op_read(const char *client, const char *key, const char *path)
{
	unsigned char rec[REGISTER_RECORD];
	char value[2 * GARBAGE_SHOWN + 16];

	history_line(client, "invoke", "read", key, "nil", "-", clock_ns());
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT) {
			history_end(client, OUTCOME_OK, "read", key, "nil", 0);
			return OUTCOME_OK;
		}
		history_end(client, OUTCOME_FAIL, "read", key, "nil", e);
		return OUTCOME_FAIL;
	}
	ssize_t n = pread(fd, rec, sizeof(rec), 0);
	int e = errno;
	close(fd);
	if (n < 0) {
		history_end(client, OUTCOME_FAIL, "read", key, "nil", e);
		return OUTCOME_FAIL;
	}
	size_t len = 0;
	while (len < (size_t)n && rec[len])
		len++;
	size_t pad = len;
	while (pad < (size_t)n && !rec[pad])
		pad++;
	if (n == 0) {
		strcpy(value, "nil");
	} else if ((size_t)n == sizeof(rec) && pad == sizeof(rec) &&
		   is_token(rec, len)) {
		memcpy(value, rec, len);
		value[len] = '\0';
	} else {
		garbage(value, sizeof(value), rec, (size_t)n);
	}
	history_end(client, OUTCOME_OK, "read", key, value, 0);
	return OUTCOME_OK;
}

/* The steps after a successful open of a write or an append: one write
 * of n bytes of data (at 0 for a register, at the end for O_APPEND),
 * fsync, close; the completion line. */
static enum outcome write_sync_close(const char *client, const char *f,
				     const char *key, const char *value, int fd,
				     const void *data, size_t n, int append)
{
	ssize_t put = append ? write(fd, data, n) : pwrite(fd, data, n, 0);
	enum outcome o = OUTCOME_OK;
	int e = 0;

	if (put < 0) {
		e = errno;
		o = data_error(e);
	} else if ((size_t)put != n) {
		e = EIO; /* a short count: some of it is there */
		o = OUTCOME_INFO;
	} else if (fsync(fd) < 0) {
		e = errno;
		o = OUTCOME_INFO;
	}
	if (close(fd) < 0 && o == OUTCOME_OK) {
		e = errno;
		o = OUTCOME_INFO;
	}
	history_end(client, o, f, key, value, o == OUTCOME_OK ? 0 : e);
	return o;
}

enum outcome op_write(const char *client, const char *key, const char *path,
		      const char *value)
{
	unsigned char rec[REGISTER_RECORD];
	size_t len = strlen(value);

	memset(rec, 0, sizeof(rec));
	memcpy(rec, value, len < sizeof(rec) ? len : sizeof(rec) - 1);
	history_line(client, "invoke", "write", key, value, "-", clock_ns());
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0) {
		history_end(client, OUTCOME_FAIL, "write", key, value, errno);
		return OUTCOME_FAIL;
	}
	return write_sync_close(client, "write", key, value, fd, rec,
				sizeof(rec), 0);
}

enum outcome op_append(const char *client, const char *path, const char *token)
{
	char line[VALUE_MAX + 1];
	int n = snprintf(line, sizeof(line), "%s\n", token);

	history_line(client, "invoke", "append", path, token, "-", clock_ns());
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		history_end(client, OUTCOME_FAIL, "append", path, token, errno);
		return OUTCOME_FAIL;
	}
	return write_sync_close(client, "append", path, token, fd, line,
				(size_t)n, 1);
}

/* The whole file into *out (malloc'd, *len bytes): 0, or an errno. */
static int read_whole(const char *path, unsigned char **out, size_t *len)
{
	size_t size = 0, have = 0;
	unsigned char *buf = NULL;

	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno == ENOENT ? 0 : errno;
	for (;;) {
		if (have == size) {
			size_t more = size ? 2 * size : 64u << 10;
			unsigned char *p =
			    more <= FINAL_MAX ? realloc(buf, more) : NULL;
			if (!p) {
				free(buf);
				close(fd);
				return more > FINAL_MAX ? EFBIG : ENOMEM;
			}
			buf = p;
			size = more;
		}
		ssize_t got = read(fd, buf + have, size - have);
		if (got < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return e;
		}
		if (got == 0)
			break;
		have += (size_t)got;
	}
	close(fd);
	*out = buf;
	*len = have;
	return 0;
}

int op_final(const char *client, const char *path)
{
	unsigned char *data;
	size_t len;
	char part[PART_BYTES + 2 * GARBAGE_SHOWN + 16], total[24];
	size_t part_len = 0, tokens = 0;
	unsigned in_part = 0;

	history_line(client, "invoke", "final", path, "nil", "-", clock_ns());
	int e = read_whole(path, &data, &len);
	if (e) {
		history_end(client, OUTCOME_FAIL, "final", path, "nil", e);
		return -1;
	}
	/* A token is a line; an unfinished last line is torn (every append
	 * writes its newline with it), so it is shown as garbage too. */
	for (size_t start = 0; start < len;) {
		size_t end = start;
		while (end < len && data[end] != '\n')
			end++;
		char tok[2 * GARBAGE_SHOWN + 16];
		if (end < len && is_token(data + start, end - start)) {
			memcpy(tok, data + start, end - start);
			tok[end - start] = '\0';
		} else {
			garbage(tok, sizeof(tok), data + start, end - start);
		}
		size_t tlen = strlen(tok);
		if (in_part && (in_part == PART_TOKENS ||
				part_len + 1 + tlen > PART_BYTES)) {
			history_line(client, "part", "final", path, part, "-",
				     clock_ns());
			part_len = 0;
			in_part = 0;
		}
		part_len +=
		    (size_t)snprintf(part + part_len, sizeof(part) - part_len,
				     "%s%s", in_part ? "," : "", tok);
		in_part++;
		tokens++;
		start = end + 1;
	}
	if (in_part)
		history_line(client, "part", "final", path, part, "-",
			     clock_ns());
	free(data);
	snprintf(total, sizeof(total), "%lu", (unsigned long)tokens);
	history_end(client, OUTCOME_OK, "final", path, total, 0);
	return 0;
}
