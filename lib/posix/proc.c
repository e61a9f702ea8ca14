/* SPDX-License-Identifier: MIT */
/*
 * Processes through the process server "proc" (uk/proto/proc.h). spawn
 * keeps the task capability proc answers with, per pid, until waitpid
 * has collected the status; waitpid and kill go through it, so they reach
 * exactly the tasks this program started. waitpid of any other pid is
 * ECHILD without a message; kill of any other pid is the kernel's
 * task_kill, which allows only the caller's own descendants (EPERM, or
 * ESRCH for a task it may not see).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/fd.h>
#include <uk/proto/proc.h>

#include "rpc.h"

/* At most this many started and not yet collected (EAGAIN beyond). */
#define CHILDREN_MAX 64

static uk_name_t port;
static struct child {
	pid_t pid;
	uk_name_t cap; /* send right with the task's badge; 0: free */
} children[CHILDREN_MAX];

/* The entry of pid; pid 0: a free one. NULL if there is none. */
static struct child *child_find(pid_t pid)
{
	for (unsigned i = 0; i < CHILDREN_MAX; i++)
		if (!children[i].cap == !pid && children[i].pid == pid)
			return &children[i];
	return NULL;
}

/* The capability is no use any more (collected, or proc lost the task). */
static void child_forget(struct child *c)
{
	uk_port_deallocate(c->cap);
	c->cap = 0;
	c->pid = 0;
}

static uk_name_t proc_port(void)
{
	if (!port) {
		long rc = ns_lookup("proc", 10ull * 1000000000ull);
		if (rc > 0)
			port = (uk_name_t)rc;
	}
	return port;
}

/* rpc_call to proc. A proc that died is forgotten, so the next call looks
 * the name up again and finds its restarted successor. */
static long proc_call(const struct rpc_req *rq, union rpc_buf *b, struct rpc_reply *out)
{
	long rc = rpc_call(rq, b, out);

	if (rc == -ERR_DEAD && port == rq->dest) {
		uk_port_deallocate(port);
		port = 0;
	}
	return rc;
}

pid_t spawn(const char *path, const char *const argv[])
{
	static char args[UK_TASK_ARGS_MAX];
	union rpc_buf b;
	size_t len = 0;
	unsigned argc = 0;
	uk_name_t proc = proc_port();

	if (!proc)
		return posix_result(-ERR_NOT_FOUND);
	for (; argv && argv[argc]; argc++) {
		size_t n = strlen(argv[argc]) + 1;
		if (len + n > sizeof(args)) {
			errno = E2BIG;
			return -1;
		}
		memcpy(args + len, argv[argc], n);
		len += n;
	}
	size_t plen = strlen(path);
	if (plen >= 1024)
		return posix_result(-ERR_NAME_TOO_LONG);
	struct child *c = child_find(0);
	if (!c) {
		errno = EAGAIN; /* too many children nobody waited for */
		return -1;
	}
	struct uk_proc_spawn_req req = { (uint16_t)plen, (uint16_t)argc, (uint32_t)len, -1, 0 };
	struct uk_proc_spawn_reply r = { 0 };
	struct rpc_reply out = { .rep = &r, .rep_len = sizeof(r), .want_port = true };
	uk_name_t io = stdio_port();
	struct rpc_req rq = { .dest = proc, .id = PROC_SPAWN, .req = &req,
			      .req_len = sizeof(req), .a = path, .a_len = plen,
			      .b = args, .b_len = len, .port = io,
			      .port_disposition = UK_DISP_COPY_SEND };
	long rc = proc_call(&rq, &b, &out);
	if (rc < 0)
		return posix_result(rc);
	if (!out.port || !r.task) {
		/* Started, but nothing to wait for it or kill it with. */
		if (out.port)
			uk_port_deallocate(out.port);
		return posix_result(-ERR_INVALID);
	}
	c->pid = (pid_t)r.task;
	c->cap = out.port;
	return c->pid;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	union rpc_buf b;
	struct child *c = child_find(pid);
	struct uk_proc_wait_req req = { (uint64_t)pid,
					(options & WNOHANG) ? 0 : UK_TIMEOUT_INFINITE };
	struct uk_exit_status st;
	struct rpc_reply out = { .rep = &st, .rep_len = sizeof(st) };

	if (!c || !pid)
		return posix_result(-ERR_NO_CHILD); /* not one of ours */
	struct rpc_req rq = { .dest = c->cap, .id = PROC_WAIT, .req = &req,
			      .req_len = sizeof(req) };
	long rc = rpc_call(&rq, &b, &out);
	if (rc == -ERR_TIMED_OUT && (options & WNOHANG))
		return 0;
	/* Collected, or gone with proc: the capability has done its work. */
	if (rc == 0 || rc == -ERR_NO_CHILD || rc == -ERR_DEAD)
		child_forget(c);
	if (rc < 0)
		return posix_result(rc);
	if (status) {
		if (st.reason == UK_EXIT_NORMAL)
			*status = (int)((st.code & 0xff) << 8);
		else if (st.reason == UK_EXIT_FAULT)
			*status = 0x80 | (int)(st.vector & 0x7f);
		else
			*status = SIGKILL;
	}
	return pid;
}

int kill(pid_t pid, int sig)
{
	union rpc_buf b;
	struct child *c = child_find(pid);
	struct uk_proc_wait_req req = { (uint64_t)pid, 0 };
	long rc = -ERR_NO_CHILD;

	(void)sig;
	if (c && pid) { /* (child_find(0) is a free entry) */
		struct rpc_req rq = { .dest = c->cap, .id = PROC_KILL, .req = &req,
				      .req_len = sizeof(req) };
		rc = rpc_call(&rq, &b, NULL);
		if (rc == -ERR_NO_CHILD || rc == -ERR_DEAD)
			child_forget(c); /* proc no longer has the task */
	}
	/* Not one we started through proc: the kernel decides (our own
	 * descendants only). */
	if (rc == -ERR_NO_CHILD)
		rc = uk_task_kill((uint64_t)pid);
	if (rc == -ERR_NOT_FOUND) {
		errno = ESRCH;
		return -1;
	}
	return (int)posix_result(rc);
}

int gettimeofday(struct timeval *tv, void *tz)
{
	uint64_t ns = (uint64_t)uk_clock();

	(void)tz;
	tv->tv_sec = (time_t)(ns / 1000000000ull);
	tv->tv_usec = (int64_t)(ns % 1000000000ull / 1000);
	return 0;
}
