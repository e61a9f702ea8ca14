/* SPDX-License-Identifier: MIT */
/*
 * PROC: the process server (uk/proto/proc.h), run with
 * with=dev,virtio-blk,fs,proc on a copy of the disk image (whose /bin
 * holds every program).
 */
#include <fcntl.h>
#include <fmt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uk/proto/proc.h>

#include "shelltest.h"

/* A hand-built PROC_SPAWN body (req, then raw bytes); returns the status. */
static long spawn_raw(const struct uk_proc_spawn_req *rq, const void *rest, uint32_t len)
{
	static union st_buf m;

	memset(&m.h, 0, sizeof(m.h));
	m.h.id = PROC_SPAWN;
	m.h.dest = proc_service();
	memcpy(uk_msg_body(&m.h), rq, sizeof(*rq));
	memcpy((uint8_t *)uk_msg_body(&m.h) + sizeof(*rq), rest, len);
	m.h.size = (uint32_t)(sizeof(m.h) + sizeof(*rq) + len);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND);
	return rc < 0 ? rc : st_status(&m.h);
}

DEFINE_TEST(PROC0001, spawn_errors_say_why)
{
	const char *argv[] = { "x", NULL };

	EXPECT_ERR(proc_spawn("/bin/no-such-program", argv, 0), ERR_NOT_FOUND);
	EXPECT_ERR(proc_spawn("/bin", argv, 0), ERR_IS_DIR);
	int fd = open("/proc-not-elf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	EXPECT(fd >= 0);
	EXPECT_EQ(write(fd, "#!/bin/sh\necho this is no ELF image\n", 36), 36);
	close(fd);
	EXPECT_ERR(proc_spawn("/proc-not-elf", argv, 0), ERR_BAD_IMAGE);
	fd = open("/proc-empty", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	EXPECT_ERR(proc_spawn("/proc-empty", argv, 0), ERR_BAD_IMAGE);
	unlink("/proc-not-elf");
	unlink("/proc-empty");
}

DEFINE_TEST(PROC0002, malformed_requests_are_refused)
{
	/* A 10-byte path "/bin/hello", then argv "x": well formed. Each
	 * request below breaks one rule. */
	struct uk_proc_spawn_req rq = { 10, 1, 2, -1, 0 };
	static const char hello_args[] = "/bin/hellox\0";

	rq.argc = 2; /* two strings promised, one given */
	EXPECT_ERR(spawn_raw(&rq, hello_args, 12), ERR_INVALID);
	rq.argc = 1;
	rq.argv_len = 100; /* more than was sent */
	EXPECT_ERR(spawn_raw(&rq, hello_args, 12), ERR_INVALID);
	rq.argv_len = 2;
	rq.path_len = 0;
	EXPECT_ERR(spawn_raw(&rq, hello_args, 12), ERR_INVALID);
	rq.path_len = 10;
	rq.priority = 99;
	EXPECT_ERR(spawn_raw(&rq, hello_args, 12), ERR_INVALID);
	rq.priority = -1;
	EXPECT_ERR(spawn_raw(&rq, "/bin/helloxy", 12), ERR_INVALID); /* no NUL */
	EXPECT_ERR(spawn_raw(&rq, "/bin/hello", 8), ERR_INVALID);   /* short */

	static union st_buf m;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = UK_PROTO_PROC + 0x40;
	m.h.dest = proc_service();
	m.h.size = sizeof(m.h);
	EXPECT(uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND) > 0);
	EXPECT_ERR(st_status(&m.h), ERR_UNSUPPORTED);
	/* The internal "task ended" message is accepted only from proc. */
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = UK_PROTO_PROC + 0x80;
	m.h.dest = proc_service();
	m.h.size = sizeof(m.h) + sizeof(struct uk_exit_status);
	memset(uk_msg_body(&m.h), 0, sizeof(struct uk_exit_status));
	EXPECT(uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND) > 0);
	EXPECT_ERR(st_status(&m.h), ERR_UNSUPPORTED);
	EXPECT_ERR(proc_wait(0x12345678, 0, NULL), ERR_NO_CHILD);
	EXPECT_ERR(proc_kill(0x12345678), ERR_NO_CHILD);
}

DEFINE_TEST(PROC0003, exit_status_is_kept_for_every_waiter)
{
	const char *argv[] = { "hello", "exit=7", NULL };
	struct uk_exit_status st, again;

	long id = proc_spawn("/bin/hello", argv, 0);
	EXPECT(id > 0);
	if (id <= 0)
		return;
	memset(&st, 0, sizeof(st));
	EXPECT_EQ(proc_wait((uint64_t)id, 10 * SECOND, &st), 0);
	EXPECT_EQ(st.task, id);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 7);
	/* Once more after the end: the record is kept. */
	memset(&again, 0, sizeof(again));
	EXPECT_EQ(proc_wait((uint64_t)id, 0, &again), 0);
	EXPECT_EQ(again.code, 7);
	EXPECT_EQ(proc_kill((uint64_t)id), 0); /* already over: nothing to do */
}

DEFINE_TEST(PROC0004, waiters_wait_until_kill)
{
	/* hello blocks on its console, a port nobody here serves. */
	uk_name_t silent = st_port(), w[3];
	const char *argv[] = { "hello", "read", NULL };
	struct uk_exit_status st;

	long id = proc_spawn("/bin/hello", argv, silent);
	EXPECT(id > 0);
	if (id <= 0)
		return;
	EXPECT_ERR(proc_wait((uint64_t)id, 0, &st), ERR_TIMED_OUT);
	uint64_t t0 = (uint64_t)uk_clock();
	EXPECT_ERR(proc_wait((uint64_t)id, 50 * MS, &st), ERR_TIMED_OUT);
	EXPECT((uint64_t)uk_clock() - t0 >= 50 * MS);
	/* Three waiters at once, answered together. */
	for (int i = 0; i < 3; i++) {
		union st_buf m;
		struct uk_proc_wait_req rq = { (uint64_t)id, 10 * SECOND };
		w[i] = st_port();
		memset(&m.h, 0, sizeof(m.h));
		m.h.id = PROC_WAIT;
		m.h.dest = proc_service();
		m.h.reply = w[i];
		m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
		memcpy(uk_msg_body(&m.h), &rq, sizeof(rq));
		m.h.size = sizeof(m.h) + sizeof(rq);
		EXPECT_EQ(uk_ipc_send(&m.h, m.h.size, SECOND), 0);
	}
	EXPECT_EQ(proc_kill((uint64_t)id), 0);
	for (int i = 0; i < 3; i++) {
		union st_buf m;
		EXPECT(uk_ipc_receive(w[i], &m.h, sizeof(m), 5 * SECOND) > 0);
		EXPECT_EQ(st_status(&m.h), 0);
		struct uk_exit_status *s = st_reply_body(&m.h);
		EXPECT_EQ(s->task, id);
		EXPECT_EQ(s->reason, UK_EXIT_KILLED);
		uk_port_destroy(w[i]);
	}
	uk_port_destroy(silent);
}

DEFINE_TEST(PROC0005, child_writes_to_the_stream_it_was_given)
{
	struct fakecons fc;
	const char *argv[] = { "hello", "a", "b c", NULL };

	fakecons_init(&fc);
	fc.input_closed = true;
	struct uk_exit_status st = fakecons_run(&fc, "/bin/hello", argv, 10 * SECOND);
	fakecons_fini(&fc);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	EXPECT_STR(fc.output, "hello: a b c\n");
}

/* PROC0006's second client, run as "shelltest proc-probe VICTIM" through
 * proc (so at the MCP proc gives ordinary programs, UK_PRIORITY_DEFAULT):
 * 0 if proc refused what it must and allowed the rest, else the number of
 * the first check that failed. */
int proc_probe(const char *victim_hex)
{
	uint64_t victim = strtoul(victim_hex, NULL, 16);
	struct uk_proc_spawn_req rq = { 10, 1, 5, UK_PRIORITY_DEFAULT + 1, 0 };
	static const char hello_args[] = "/bin/helloexit\0";

	if (proc_kill(victim) != -ERR_PERMISSION)
		return 1;
	if (uk_task_kill(victim) != -ERR_NOT_FOUND) /* not even visible */
		return 2;
	if (spawn_raw(&rq, hello_args, 15) != -ERR_PERMISSION)
		return 3;
	rq.priority = UK_PRIORITY_MAX;
	if (spawn_raw(&rq, hello_args, 15) != -ERR_PERMISSION)
		return 4;
	rq.priority = UK_PRIORITY_DEFAULT;
	if (spawn_raw(&rq, hello_args, 15) != 0)
		return 5;
	/* Its own child it may kill. */
	const char *argv[] = { "hello", "read", NULL };
	uk_name_t silent = st_port();
	long id = proc_spawn("/bin/hello", argv, silent);
	if (id <= 0)
		return 6;
	if (proc_kill((uint64_t)id) != 0)
		return 7;
	return 0;
}

DEFINE_TEST(PROC0006, priorities_and_kills_stay_within_the_clients_authority)
{
	static char victim_hex[24];
	uk_name_t silent = st_port();
	const char *hello[] = { "hello", "read", NULL };
	struct uk_exit_status st;

	long victim = proc_spawn("/bin/hello", hello, silent);
	EXPECT(victim > 0);
	if (victim <= 0)
		return;
	snprintf(victim_hex, sizeof(victim_hex), "%lx", (unsigned long)victim);
	/* Another client (not the owner, at an ordinary MCP) may neither
	 * kill our task nor start one above its own MCP. */
	const char *probe[] = { "shelltest", "proc-probe", victim_hex, NULL };
	long id = proc_spawn("/bin/shelltest", probe, 0);
	EXPECT(id > 0);
	if (id > 0) {
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(proc_wait((uint64_t)id, 30 * SECOND, &st), 0);
		EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
		EXPECT_EQ(st.code, 0);
	}
	EXPECT_ERR(proc_wait((uint64_t)victim, 0, &st), ERR_TIMED_OUT);
	/* The owner may. */
	EXPECT_EQ(proc_kill((uint64_t)victim), 0);
	EXPECT_EQ(proc_wait((uint64_t)victim, 10 * SECOND, &st), 0);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	uk_port_destroy(silent);
}
