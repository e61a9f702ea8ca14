/* SPDX-License-Identifier: MIT */
/*
 * QEMU Machine Protocol client. The supervisor holds one connection per
 * QEMU (QEMU connects to the supervisor's socket at start), runs commands
 * synchronously with a deadline, and hands every event it reads to a
 * callback, also while it waits for a reply.
 */
#ifndef UKCLUSTER_QMP_H
#define UKCLUSTER_QMP_H

#include <stddef.h>
#include <stdint.h>

#define QMP_BUF 65536

struct qmp {
	int fd;
	size_t len;
	void (*on_event)(void *ctx, const char *json);
	void *ctx;
	char buf[QMP_BUF];
};

/* Take over a connected fd: read the greeting, enter command mode. */
int qmp_attach(struct qmp *q, int fd, uint64_t timeout_ms, char *why,
	       size_t len);

/* Run one command (a JSON object text). Returns 0 with the "return" value
 * text in reply, -1 with QEMU's error description in reply, or -2 if the
 * connection failed or timed out. */
int qmp_command(struct qmp *q, const char *command, char *reply, size_t len,
		uint64_t timeout_ms);

/* The fd is readable: dispatch what arrived. Returns -1 once QEMU closed
 * the connection (the caller closes fd). */
int qmp_poll_in(struct qmp *q);

void qmp_close(struct qmp *q);

#endif
