/* SPDX-License-Identifier: MIT */
/*
 * PROC: the process server (uk/proto/proc.h), run with
 * with=dev,virtio-blk,fs,proc on a copy of the disk image (whose /bin
 * holds every program). Waits and kills go through the task capability
 * the spawn reply carries; a second client is this program run again
 * through proc ("shelltest proc-probe ...", main.c).
 */
#include <fcntl.h>
#include <fmt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uk/proto/name.h>
#include <uk/proto/proc.h>

#include "shelltest.h"

/* A hand-built PROC_SPAWN body (req, then raw bytes); returns the status.
 * A task capability that comes back is dropped. */
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
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < m.h.n_ports; i++)
		if (uk_msg_ports(&m.h)[i].name)
			uk_port_deallocate(uk_msg_ports(&m.h)[i].name);
	return st_status(&m.h);
}

/* Wait (up to 10 s) until the kernel no longer shows task alive. */
static void wait_gone(uint64_t task)
{
	uint64_t deadline = (uint64_t)uk_clock() + 10 * SECOND;

	for (;;) {
		struct uk_kinfo_task k = { .id = task };
		if (uk_kinfo(UK_KINFO_TASK, &k, sizeof(k)) <= 0 || k.state != UK_TASK_ALIVE)
			return;
		if ((uint64_t)uk_clock() >= deadline) {
			st_fail(__FILE__, __LINE__, "task %lx still runs", (unsigned long)task);
			return;
		}
		uk_sleep(10 * MS);
	}
}

DEFINE_TEST(PROC0001, spawn_errors_say_why)
{
	const char *argv[] = { "x", NULL };

	EXPECT_ERR(proc_spawn("/bin/no-such-program", argv, 0, NULL), ERR_NOT_FOUND);
	EXPECT_ERR(proc_spawn("/bin", argv, 0, NULL), ERR_IS_DIR);
	int fd = open("/proc-not-elf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	EXPECT(fd >= 0);
	EXPECT_EQ(write(fd, "#!/bin/sh\necho this is no ELF image\n", 36), 36);
	close(fd);
	EXPECT_ERR(proc_spawn("/proc-not-elf", argv, 0, NULL), ERR_BAD_IMAGE);
	fd = open("/proc-empty", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	EXPECT_ERR(proc_spawn("/proc-empty", argv, 0, NULL), ERR_BAD_IMAGE);
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
	/* The service port is no task capability. */
	EXPECT_ERR(proc_wait(0, 0x12345678, 0, NULL), ERR_PERMISSION);
	EXPECT_ERR(proc_kill(0, 0x12345678), ERR_PERMISSION);
}

DEFINE_TEST(PROC0003, exit_status_is_kept_until_collected)
{
	const char *argv[] = { "hello", "exit=7", NULL };
	struct uk_exit_status st;
	uk_name_t cap = 0;

	long id = proc_spawn("/bin/hello", argv, 0, &cap);
	EXPECT(id > 0);
	EXPECT(st_badge(cap) != 0);
	if (id <= 0 || !cap)
		return;
	/* It ends with nobody waiting; its record keeps the status. */
	wait_gone((uint64_t)id);
	uk_sleep(50 * MS);
	EXPECT_EQ(proc_kill(cap, (uint64_t)id), 0); /* already over: nothing to do */
	memset(&st, 0, sizeof(st));
	EXPECT_EQ(proc_wait(cap, (uint64_t)id, 10 * SECOND, &st), 0);
	EXPECT_EQ(st.task, id);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 7);
	/* Collected: the record is gone, and the capability names nothing. */
	EXPECT_ERR(proc_wait(cap, (uint64_t)id, 0, &st), ERR_NO_CHILD);
	EXPECT_ERR(proc_kill(cap, (uint64_t)id), ERR_NO_CHILD);
	uk_port_deallocate(cap);
}

DEFINE_TEST(PROC0004, waiters_wait_until_kill)
{
	/* hello blocks on its console, a port nobody here serves. */
	uk_name_t silent = st_port(), w[3], cap = 0;
	const char *argv[] = { "hello", "read", NULL };
	struct uk_exit_status st;

	long id = proc_spawn("/bin/hello", argv, silent, &cap);
	EXPECT(id > 0 && cap);
	if (id <= 0 || !cap)
		return;
	EXPECT_ERR(proc_wait(cap, (uint64_t)id, 0, &st), ERR_TIMED_OUT);
	uint64_t t0 = (uint64_t)uk_clock();
	EXPECT_ERR(proc_wait(cap, (uint64_t)id, 50 * MS, &st), ERR_TIMED_OUT);
	EXPECT((uint64_t)uk_clock() - t0 >= 50 * MS);
	/* The task's id is optional in a request through its capability;
	 * another task's id is refused. */
	EXPECT_ERR(proc_wait(cap, 0, 0, &st), ERR_TIMED_OUT);
	EXPECT_ERR(proc_wait(cap, (uint64_t)id + 1, 0, &st), ERR_INVALID);
	/* Three waiters at once, answered together. */
	for (int i = 0; i < 3; i++) {
		union st_buf m;
		struct uk_proc_wait_req rq = { (uint64_t)id, 10 * SECOND };
		w[i] = st_port();
		memset(&m.h, 0, sizeof(m.h));
		m.h.id = PROC_WAIT;
		m.h.dest = cap;
		m.h.reply = w[i];
		m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
		memcpy(uk_msg_body(&m.h), &rq, sizeof(rq));
		m.h.size = sizeof(m.h) + sizeof(rq);
		EXPECT_EQ(uk_ipc_send(&m.h, m.h.size, SECOND), 0);
	}
	EXPECT_EQ(proc_kill(cap, (uint64_t)id), 0);
	for (int i = 0; i < 3; i++) {
		union st_buf m;
		EXPECT(uk_ipc_receive(w[i], &m.h, sizeof(m), 5 * SECOND) > 0);
		EXPECT_EQ(st_status(&m.h), 0);
		struct uk_exit_status *s = st_reply_body(&m.h);
		EXPECT_EQ(s->task, id);
		EXPECT_EQ(s->reason, UK_EXIT_KILLED);
		uk_port_destroy(w[i]);
	}
	/* They collected it. */
	EXPECT_ERR(proc_wait(cap, (uint64_t)id, 0, &st), ERR_NO_CHILD);
	uk_port_deallocate(cap);
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

/* PROC0006's second client, run as "shelltest proc-probe VICTIM BADGE"
 * through proc (so at the MCP proc gives ordinary programs,
 * UK_PRIORITY_DEFAULT). It knows the victim's id and even its badge, but
 * holds no capability for it. 0 if proc refused what it must and allowed
 * the rest, else the number of the first check that failed. */
int proc_probe(const char *victim_hex, const char *badge_hex)
{
	uint64_t victim = strtoul(victim_hex, NULL, 16);
	uint64_t badge = strtoul(badge_hex, NULL, 16);
	struct uk_proc_spawn_req rq = { 10, 1, 5, UK_PRIORITY_DEFAULT + 1, 0 };
	static const char hello_args[] = "/bin/helloexit\0";
	struct uk_exit_status st;

	if (proc_kill(0, victim) != -ERR_PERMISSION)
		return 1;
	if (proc_wait(0, victim, 0, &st) != -ERR_PERMISSION)
		return 2;
	/* A badge written into the header is overwritten by the kernel. */
	if (proc_request(PROC_KILL, 0, victim, 0, badge, NULL) != -ERR_PERMISSION)
		return 3;
	if (proc_request(PROC_WAIT, 0, victim, 0, badge, &st) != -ERR_PERMISSION)
		return 4;
	if (uk_task_kill(victim) != -ERR_NOT_FOUND) /* not even visible */
		return 5;
	if (spawn_raw(&rq, hello_args, 15) != -ERR_PERMISSION)
		return 6;
	rq.priority = UK_PRIORITY_MAX;
	if (spawn_raw(&rq, hello_args, 15) != -ERR_PERMISSION)
		return 7;
	rq.priority = UK_PRIORITY_DEFAULT;
	if (spawn_raw(&rq, hello_args, 15) != 0)
		return 8;
	/* Its own child it may kill and wait for. */
	const char *argv[] = { "hello", "read", NULL };
	uk_name_t silent = st_port(), cap = 0;
	long id = proc_spawn("/bin/hello", argv, silent, &cap);
	if (id <= 0 || !cap)
		return 9;
	if (proc_kill(cap, (uint64_t)id) != 0)
		return 10;
	if (proc_wait(cap, (uint64_t)id, 10 * SECOND, &st) != 0 || st.reason != UK_EXIT_KILLED)
		return 11;
	return 0;
}

DEFINE_TEST(PROC0006, only_the_capability_holder_kills_or_waits)
{
	static char victim_hex[24], badge_hex[24];
	uk_name_t silent = st_port(), cap = 0, probe_cap = 0;
	const char *hello[] = { "hello", "read", NULL };
	struct uk_exit_status st;

	long victim = proc_spawn("/bin/hello", hello, silent, &cap);
	EXPECT(victim > 0 && cap);
	if (victim <= 0 || !cap)
		return;
	snprintf(victim_hex, sizeof(victim_hex), "%lx", (unsigned long)victim);
	snprintf(badge_hex, sizeof(badge_hex), "%lx", (unsigned long)st_badge(cap));
	/* Another client (without the capability, at an ordinary MCP) may
	 * neither kill our task, nor wait for it, nor start one above its
	 * own MCP. */
	const char *probe[] = { "shelltest", "proc-probe", victim_hex, badge_hex, NULL };
	long id = proc_spawn("/bin/shelltest", probe, 0, &probe_cap);
	EXPECT(id > 0);
	if (id > 0) {
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(proc_wait(probe_cap, (uint64_t)id, 30 * SECOND, &st), 0);
		EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
		EXPECT_EQ(st.code, 0);
	}
	EXPECT_ERR(proc_wait(cap, (uint64_t)victim, 0, &st), ERR_TIMED_OUT);
	/* We, holding the capability, may. */
	EXPECT_EQ(proc_kill(cap, (uint64_t)victim), 0);
	EXPECT_EQ(proc_wait(cap, (uint64_t)victim, 10 * SECOND, &st), 0);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	uk_port_deallocate(cap);
	if (probe_cap)
		uk_port_deallocate(probe_cap);
	uk_port_destroy(silent);
}

/* PROC0007's helper asks for the capability with this id. */
#define CAP_ASK 0x7c01u

/* PROC0007's helper, run as "shelltest proc-cap-kill VICTIM" with the
 * test's port as rights[1]: refused without the capability, it asks the
 * test for a copy and kills the victim with it. 0, or the failed check. */
int proc_cap_kill(const char *victim_hex)
{
	uint64_t victim = strtoul(victim_hex, NULL, 16);
	uk_name_t desk = uk_startup_info->n_rights > 1 ? uk_startup_info->rights[1] : 0;
	static union st_buf m;

	if (!desk)
		return 1;
	if (proc_kill(0, victim) != -ERR_PERMISSION)
		return 2;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = CAP_ASK;
	m.h.dest = desk;
	m.h.size = sizeof(m.h);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND);
	if (rc < 0 || m.h.n_ports != 1 || !uk_msg_ports(&m.h)[0].name)
		return 3;
	uk_name_t cap = uk_msg_ports(&m.h)[0].name;
	if (proc_kill(cap, victim) != 0)
		return 4;
	uk_port_deallocate(cap);
	return 0;
}

DEFINE_TEST(PROC0007, a_capability_given_away_lets_its_holder_kill)
{
	static char victim_hex[24];
	uk_name_t silent = st_port(), desk = st_port(), cap = 0, helper_cap = 0;
	const char *hello[] = { "hello", "read", NULL };
	struct uk_exit_status st;
	static union st_buf m;

	long victim = proc_spawn("/bin/hello", hello, silent, &cap);
	EXPECT(victim > 0 && cap);
	if (victim <= 0 || !cap)
		return;
	snprintf(victim_hex, sizeof(victim_hex), "%lx", (unsigned long)victim);
	const char *argv[] = { "shelltest", "proc-cap-kill", victim_hex, NULL };
	long helper = proc_spawn("/bin/shelltest", argv, desk, &helper_cap);
	EXPECT(helper > 0 && helper_cap);
	/* Its request, answered with a copy of our capability. */
	long rc = uk_ipc_receive(desk, &m.h, sizeof(m), 10 * SECOND);
	EXPECT(rc > 0);
	if (rc > 0) {
		EXPECT_EQ(m.h.id, CAP_ASK);
		uk_name_t to = m.h.reply;
		memset(&m.h, 0, sizeof(m.h));
		m.h.id = CAP_ASK;
		m.h.dest = to;
		m.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
		m.h.n_ports = 1;
		uk_msg_ports(&m.h)[0] = (struct uk_msg_port){ cap, UK_DISP_COPY_SEND };
		m.h.size = sizeof(m.h) + sizeof(struct uk_msg_port);
		EXPECT_EQ(uk_ipc_send(&m.h, m.h.size, SECOND), 0);
	}
	if (helper > 0 && helper_cap) {
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(proc_wait(helper_cap, (uint64_t)helper, 30 * SECOND, &st), 0);
		EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
		EXPECT_EQ(st.code, 0);
		uk_port_deallocate(helper_cap);
	}
	memset(&st, 0, sizeof(st));
	EXPECT_EQ(proc_wait(cap, (uint64_t)victim, 10 * SECOND, &st), 0);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	uk_port_deallocate(cap);
	uk_port_destroy(desk);
	uk_port_destroy(silent);
}

DEFINE_TEST(PROC0008, a_stale_capability_reaches_no_later_task_in_its_slot)
{
	const char *quick[] = { "hello", "exit=3", NULL }, *hold[] = { "hello", "read", NULL };
	uk_name_t silent = st_port(), old_cap = 0, cap = 0;
	struct uk_exit_status st;

	long old = proc_spawn("/bin/hello", quick, 0, &old_cap);
	uint64_t old_badge = st_badge(old_cap);
	EXPECT(old > 0 && old_badge);
	if (old <= 0 || !old_badge)
		return;
	/* Collected: its record is free for the next task. */
	EXPECT_EQ(proc_wait(old_cap, (uint64_t)old, 10 * SECOND, &st), 0);
	/* proc takes the first free record; should another have come free
	 * meanwhile, try again. */
	long id = 0;
	for (unsigned tries = 0; tries < 8; tries++) {
		id = proc_spawn("/bin/hello", hold, silent, &cap);
		if (id <= 0 || (uint32_t)st_badge(cap) == (uint32_t)old_badge)
			break;
		proc_kill(cap, (uint64_t)id);
		proc_wait(cap, (uint64_t)id, 10 * SECOND, &st);
		uk_port_deallocate(cap);
		cap = 0;
	}
	EXPECT(id > 0 && cap);
	if (id <= 0 || !cap)
		return;
	EXPECT_EQ((uint32_t)st_badge(cap), (uint32_t)old_badge); /* the same record */
	EXPECT(st_badge(cap) != old_badge);			     /* a new generation */
	EXPECT_ERR(proc_kill(old_cap, 0), ERR_NO_CHILD);
	EXPECT_ERR(proc_kill(old_cap, (uint64_t)id), ERR_NO_CHILD);
	EXPECT_ERR(proc_wait(old_cap, (uint64_t)id, 0, &st), ERR_NO_CHILD);
	EXPECT_ERR(proc_wait(cap, (uint64_t)id, 0, &st), ERR_TIMED_OUT); /* it runs */
	EXPECT_EQ(proc_kill(cap, (uint64_t)id), 0);
	memset(&st, 0, sizeof(st));
	EXPECT_EQ(proc_wait(cap, (uint64_t)id, 10 * SECOND, &st), 0);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	uk_port_deallocate(cap);
	uk_port_deallocate(old_cap);
	uk_port_destroy(silent);
}

/* PROC0009's program, run as "shelltest ns-fill PREFIX" through proc:
 * registers PREFIX-0, PREFIX-1, ... until the name server says ERR_LIMIT,
 * then keeps them until "nsfill-go" is registered (at most 30 s). 0 if it
 * got exactly a client's UK_NAME_CLIENT_ENTRIES, else 100 + the count. */
int ns_fill(const char *prefix)
{
	static char name[UK_NAME_MAX];
	uk_name_t p = st_port();
	unsigned n;
	long rc = 0;

	for (n = 0; n < 40; n++) {
		snprintf(name, sizeof(name), "%s-%u", prefix, n);
		if ((rc = ns_register(name, p)) < 0)
			break;
	}
	long go = ns_lookup("nsfill-go", 30 * SECOND);
	if (go > 0)
		uk_port_deallocate((uk_name_t)go);
	return rc == -ERR_LIMIT && n == UK_NAME_CLIENT_ENTRIES ? 0 : 100 + (int)n;
}

DEFINE_TEST(PROC0009, programs_started_by_proc_have_their_own_name_limits)
{
	const char *first[] = { "shelltest", "ns-fill", "nsf1", NULL };
	const char *second[] = { "shelltest", "ns-fill", "nsf2", NULL };
	uk_name_t cap1 = 0, cap2 = 0, go = st_port();
	struct uk_exit_status st;

	long a = proc_spawn("/bin/shelltest", first, 0, &cap1);
	EXPECT(a > 0 && cap1);
	/* The first holds its full table while the second fills its own. */
	long last = ns_lookup("nsf1-15", 10 * SECOND);
	EXPECT(last > 0);
	long b = proc_spawn("/bin/shelltest", second, 0, &cap2);
	EXPECT(b > 0 && cap2);
	long last2 = ns_lookup("nsf2-15", 10 * SECOND);
	EXPECT(last2 > 0);
	EXPECT_EQ(ns_register("nsfill-go", go), 0);
	if (a > 0 && cap1) {
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(proc_wait(cap1, (uint64_t)a, 40 * SECOND, &st), 0);
		EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
		EXPECT_EQ(st.code, 0);
		uk_port_deallocate(cap1);
	}
	if (b > 0 && cap2) {
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(proc_wait(cap2, (uint64_t)b, 40 * SECOND, &st), 0);
		EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
		EXPECT_EQ(st.code, 0);
		uk_port_deallocate(cap2);
	}
	if (last > 0)
		uk_port_deallocate((uk_name_t)last);
	if (last2 > 0)
		uk_port_deallocate((uk_name_t)last2);
	ns_unregister("nsfill-go");
	uk_port_destroy(go);
}

DEFINE_TEST(PROC0010, a_programs_name_client_ends_with_it)
{
	const char *argv[] = { "hello", "exit=0", NULL };
	struct uk_exit_status st;

	/* More programs, one after the other, than proc may have clients
	 * alive at once: each one's client must end with it. */
	for (unsigned i = 0; i < 2 * UK_NAME_CLIENT_SUBCLIENTS + 1; i++) {
		uk_name_t cap = 0;
		long id = proc_spawn("/bin/hello", argv, 0, &cap);
		if (id <= 0 || !cap) {
			st_fail(__FILE__, __LINE__, "program %u: %s", i,
				id < 0 ? err_name(id) : "no capability");
			return;
		}
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(proc_wait(cap, (uint64_t)id, 10 * SECOND, &st), 0);
		EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
		uk_port_deallocate(cap);
	}
}

/* PROC0011's program, run as "shelltest quota-probe" through proc: 0 if
 * it has an 8 MiB account of its own and, once it has filled it, gets
 * ERR_LIMIT (not ERR_NO_MEMORY: memory is left, for others); else the
 * number of the check that failed. */
int quota_probe(void)
{
	struct uk_kinfo_account a;
	long rc;

	if (uk_kinfo(UK_KINFO_ACCOUNT, &a, sizeof(a)) != sizeof(a))
		return 1;
	if (a.limit != 8ull << 20 || a.tasks != 1 || a.used > a.limit)
		return 2;
	while ((rc = uk_vm_allocate(64 * 1024, UK_VM_READ | UK_VM_WRITE)) > 0)
		;
	return rc == -ERR_LIMIT ? 0 : 3;
}

DEFINE_TEST(PROC0011, each_program_gets_a_kernel_memory_account_of_its_own)
{
	const char *argv[] = { "shelltest", "quota-probe", NULL };
	const char *hello[] = { "hello", "exit=0", NULL };
	struct uk_exit_status st;

	/* Two at once: each fills its own account, not the other's. */
	for (int round = 0; round < 2; round++) {
		uk_name_t cap1 = 0, cap2 = 0;
		long a = proc_spawn("/bin/shelltest", argv, 0, &cap1);
		long b = proc_spawn("/bin/shelltest", argv, 0, &cap2);
		EXPECT(a > 0 && cap1 && b > 0 && cap2);
		if (a > 0 && cap1) {
			memset(&st, 0, sizeof(st));
			EXPECT_EQ(proc_wait(cap1, (uint64_t)a, 20 * SECOND, &st), 0);
			EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
			EXPECT_EQ(st.code, 0);
			uk_port_deallocate(cap1);
		}
		if (b > 0 && cap2) {
			memset(&st, 0, sizeof(st));
			EXPECT_EQ(proc_wait(cap2, (uint64_t)b, 20 * SECOND, &st), 0);
			EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
			EXPECT_EQ(st.code, 0);
			uk_port_deallocate(cap2);
		}
	}
	/* Their accounts went back to proc: it still starts programs. */
	uk_name_t cap = 0;
	long id = proc_spawn("/bin/hello", hello, 0, &cap);
	EXPECT(id > 0 && cap);
	if (id > 0 && cap) {
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(proc_wait(cap, (uint64_t)id, 10 * SECOND, &st), 0);
		EXPECT_EQ(st.code, 0);
		uk_port_deallocate(cap);
	}
}
