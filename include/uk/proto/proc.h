/* SPDX-License-Identifier: MIT */
/*
 * The process server, registered as "proc": starts programs from the file
 * system by path and reports how they end. It is the parent of every task
 * it starts, so it is the one that can wait for them; any number of
 * clients may wait for the same task.
 *
 * Authority over a started task is its task capability: the send right to
 * proc's service port, minted with a badge that names proc's record of the
 * task, which PROC_SPAWN's reply carries. PROC_WAIT and PROC_KILL are sent
 * through it and decided by that badge alone, so whoever holds the
 * capability (the spawner, or anyone it gave a copy to) may wait for and
 * kill the task, and nobody else, whatever their task id. Sent through the
 * plain service port (badge 0) they are ERR_PERMISSION; through a
 * capability whose record is gone (its status was collected, the record
 * was evicted, or proc restarted and lost it) ERR_NO_CHILD. A badge names
 * one record slot and its generation, so a capability never reaches a
 * later task in the same slot.
 *
 * An ended task's record, with its status, stays until a PROC_WAIT is
 * answered with the status (every waiter parked at the end gets it; that
 * collects it) or, while nobody collects it, until the table is full and
 * it is the record that ended longest ago.
 */
#ifndef UK_PROTO_PROC_H
#define UK_PROTO_PROC_H

#include <uk/proto/rpc.h>
#include <uk/types.h>

enum uk_proc_op {
	/* Request: struct uk_proc_spawn_req, then path_len bytes of path,
	 * then argv_len bytes of argc NUL-terminated strings (argv[0]
	 * included); optional port[0]: a send right, the program's standard
	 * input and output. Reply: port[0] the task capability (the only
	 * send right proc makes for it), then struct uk_proc_spawn_reply.
	 * The program gets a name-server client of its own (a sub-client of
	 * proc's) as its bootstrap right. ERR_NOT_FOUND, ERR_BAD_IMAGE,
	 * ERR_NO_MEMORY, ERR_LIMIT, ERR_PERMISSION (a priority above the
	 * client's MCP), ... */
	PROC_SPAWN = UK_PROTO_PROC + 1,
	/* Through a task capability: struct uk_proc_wait_req. Reply: struct
	 * uk_exit_status, which collects the record. ERR_TIMED_OUT while it
	 * runs and the timeout passes (0: poll). */
	PROC_WAIT = UK_PROTO_PROC + 2,
	/* Through a task capability: struct uk_proc_wait_req (task). 0 also
	 * for a task that has already ended. */
	PROC_KILL = UK_PROTO_PROC + 3,
};

struct uk_proc_spawn_req {
	uint16_t path_len;
	uint16_t argc;
	uint32_t argv_len;
	int32_t priority; /* -1: default */
	uint32_t reserved;
};
struct uk_proc_spawn_reply {
	uint64_t task;
};
struct uk_proc_wait_req {
	uint64_t task; /* 0, or the capability's task (else ERR_INVALID) */
	uint64_t timeout_ns;
};

#endif
