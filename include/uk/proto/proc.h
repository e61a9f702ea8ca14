/* SPDX-License-Identifier: MIT */
/*
 * The process server, registered as "proc": starts programs from the file
 * system by path and reports how they end. It is the parent of every task
 * it starts, so it is the one that can wait for them; any number of
 * clients may wait for the same task.
 */
#ifndef UK_PROTO_PROC_H
#define UK_PROTO_PROC_H

#include <uk/proto/rpc.h>
#include <uk/types.h>

enum uk_proc_op {
	/* Request: struct uk_proc_spawn_req, then path_len bytes of path,
	 * then argv_len bytes of argc NUL-terminated strings (argv[0]
	 * included). Reply: struct uk_proc_spawn_reply. The program gets the
	 * name server as its bootstrap right. ERR_NOT_FOUND, ERR_BAD_IMAGE,
	 * ERR_NO_MEMORY, ... */
	PROC_SPAWN = UK_PROTO_PROC + 1,
	/* Request: struct uk_proc_wait_req. Reply: struct uk_exit_status.
	 * ERR_NO_CHILD if the server did not start that task. */
	PROC_WAIT = UK_PROTO_PROC + 2,
	PROC_KILL = UK_PROTO_PROC + 3, /* struct uk_proc_wait_req (task) */
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
	uint64_t task;
	uint64_t timeout_ns;
};

#endif
