/* SPDX-License-Identifier: MIT */
/* QMP client; see qmp.h. Messages are one JSON object per line. */
#include "qmp.h"
#include "json.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { LINE_NONE, LINE_EVENT, LINE_RESULT };

/* Take the next complete line out of the buffer into line (truncated if
 * huge); returns 1 if there was one. */
static int next_line(struct qmp *q, char *line, size_t len)
{
	char *nl = memchr(q->buf, '\n', q->len);

	if (!nl)
		return 0;
	size_t n = (size_t)(nl - q->buf);
	size_t copy = n < len - 1 ? n : len - 1;
	memcpy(line, q->buf, copy);
	line[copy] = '\0';
	memmove(q->buf, nl + 1, q->len - n - 1);
	q->len -= n + 1;
	return 1;
}

static int fill(struct qmp *q)
{
	if (q->len == sizeof(q->buf)) {
		/* A line longer than the buffer: drop it whole. */
		q->len = 0;
	}
	ssize_t n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	q->len += (size_t)n;
	return 0;
}

static int classify(const char *line)
{
	if (json_member(line, "event"))
		return LINE_EVENT;
	if (json_member(line, "return") || json_member(line, "error"))
		return LINE_RESULT;
	return LINE_NONE;
}

/* Read until a result line arrives (events go to the callback). */
static int wait_result(struct qmp *q, char *line, size_t len,
		       uint64_t timeout_ms)
{
	uint64_t deadline = mono_ms() + timeout_ms;

	for (;;) {
		while (next_line(q, line, len)) {
			int kind = classify(line);
			if (kind == LINE_RESULT)
				return 0;
			if (kind == LINE_EVENT && q->on_event)
				q->on_event(q->ctx, line);
		}
		uint64_t now = mono_ms();
		if (now >= deadline)
			return -1;
		struct pollfd pfd = {q->fd, POLLIN, 0};
		int r = poll(&pfd, 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0 && fill(q))
			return -1;
	}
}

int qmp_attach(struct qmp *q, int fd, uint64_t timeout_ms, char *why,
	       size_t len)
{
	static char line[QMP_BUF];
	uint64_t deadline = mono_ms() + timeout_ms;

	q->fd = fd;
	q->len = 0;
	/* The greeting: {"QMP": {...}} */
	for (;;) {
		if (next_line(q, line, sizeof(line)) &&
		    json_member(line, "QMP"))
			break;
		uint64_t now = mono_ms();
		struct pollfd pfd = {fd, POLLIN, 0};
		if (now >= deadline ||
		    poll(&pfd, 1, (int)(deadline - now)) <= 0 || fill(q)) {
			snprintf(why, len, "no QMP greeting from QEMU");
			return -1;
		}
	}
	char reply[256];
	int rc = qmp_command(q, "{\"execute\":\"qmp_capabilities\"}", reply,
			     sizeof(reply),
			     deadline > mono_ms() ? deadline - mono_ms() : 1);
	if (rc) {
		snprintf(why, len, "qmp_capabilities failed: %s", reply);
		return -1;
	}
	return 0;
}

int qmp_command(struct qmp *q, const char *command, char *reply, size_t len,
		uint64_t timeout_ms)
{
	static char line[QMP_BUF];

	if (len)
		reply[0] = '\0';
	if (q->fd < 0) {
		str_copy(reply, "QEMU is not connected", len);
		return -2;
	}
	if (write_all(q->fd, command, strlen(command)) ||
	    write_all(q->fd, "\n", 1)) {
		snprintf(reply, len, "QMP write failed: %s", strerror(errno));
		return -2;
	}
	if (wait_result(q, line, sizeof(line), timeout_ms)) {
		str_copy(reply, "no QMP reply (QEMU busy or gone)", len);
		return -2;
	}
	const char *v = json_member(line, "return");
	if (v) {
		const char *end = json_skip(v);
		size_t n = end ? (size_t)(end - v) : strlen(v);
		snprintf(reply, len, "%.*s", (int)n, v);
		return 0;
	}
	const char *const desc_path[] = {"error", "desc"};
	const char *d = json_path(line, desc_path, 2);
	if (!d || json_string(d, reply, len))
		str_copy(reply, line, len);
	return -1;
}

int qmp_poll_in(struct qmp *q)
{
	static char line[QMP_BUF];

	if (fill(q))
		return -1;
	while (next_line(q, line, sizeof(line)))
		if (classify(line) == LINE_EVENT && q->on_event)
			q->on_event(q->ctx, line);
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->len = 0;
}
