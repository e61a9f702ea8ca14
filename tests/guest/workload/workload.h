/* SPDX-License-Identifier: MIT */
/* What the parts of the workload share (main.c, ops.c, history.c). */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* A register file holds one value in a record of this many bytes: the
 * value, then NULs (written with one pwrite at offset 0). */
#define REGISTER_RECORD 32u
/* A value "N.C.I" and a client "N.C" fit in these, with their NUL. */
#define VALUE_MAX 32u
#define CLIENT_MAX 24u

/* How an operation ended (history.c prints them as ok, fail, info). */
enum outcome {
	OUTCOME_OK,
	OUTCOME_FAIL, /* it did not happen */
	OUTCOME_INFO, /* it may have happened */
};

/* history.c */
/* The guest's monotonic clock in ns (the kernel's uk_clock). */
uint64_t clock_ns(void);
/* One history line, "hist CLIENT TYPE F KEY VALUE ERROR GNS", written
 * with one write(1) so that lines of concurrent clients never mix; gns
 * is the time the caller took (before the operation for an invoke, after
 * it for the completion). No field may hold a blank. */
void history_line(const char *client, const char *type, const char *f,
		  const char *key, const char *value, const char *error,
		  uint64_t gns);
/* The completion of an operation: ok, fail or info, with errno's name
 * when err is nonzero. */
void history_end(const char *client, enum outcome o, const char *f,
		 const char *key, const char *value, int err);
/* errno's name ("EIO"), or "E<number>" for one without a name here. */
const char *errno_name(int e);

/* ops.c: one operation each, from invoke to completion in the history. */
/* Read register path (named key in the history). */
enum outcome op_read(const char *client, const char *key, const char *path);
/* Write value into register path. */
enum outcome op_write(const char *client, const char *key, const char *path,
		      const char *value);
/* Append "token\n" to path. */
enum outcome op_append(const char *client, const char *path, const char *token);
/* Read path whole and print its tokens (the final read of an append
 * file); 0, or -1 when it could not be read. */
int op_final(const char *client, const char *path);

#endif
