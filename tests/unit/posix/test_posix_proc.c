/* SPDX-License-Identifier: MIT */
/*
 * Processes (lib/posix/proc.c, uk/proto/proc.h): spawn packs the path and
 * argv after its request, passes the standard output along and keeps the
 * task capability proc answers with; waitpid and kill go through that
 * capability and nowhere else (a pid spawn did not start is ECHILD for
 * waitpid and the kernel's business for kill), and waitpid turns struct
 * uk_exit_status into a wait status and drops the capability once it has
 * collected the status; and the calls that go straight to the kernel.
 */
#include <errno.h>
#include <string.h>

#include "posix_harness.h"

#define TASK 0x0000000300000017ll
/* Task capabilities as proc hands them out: a name of their own each. */
#define NAME_CAP(i) FAKE_NAME(0x200u + (uint32_t)(i), 7)

/* <sys/wait.h> of the adapter. */
#define A_WIFEXITED(s) (((s)&0xff) == 0)
#define A_WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define A_WIFSIGNALED(s) (((s)&0xff) != 0)
#define A_WTERMSIG(s) ((s)&0x7f)

/* proc's answer to PROC_SPAWN: the task id and its capability. */
static void reply_spawned(uint64_t task, uk_name_t cap)
{
	struct uk_proc_spawn_reply r = {.task = task};
	struct reply *rp = reply(0);

	reply_add(rp, &r, sizeof(r));
	reply_port(rp, cap, UK_RIGHT_SEND);
}

static void reply_exit_of(uint64_t task, uint32_t reason, int64_t code,
			  uint32_t vector)
{
	struct uk_exit_status st = {.task = task,
				    .code = code,
				    .reason = reason,
				    .vector = vector,
				    .fault_ip = 0x401000,
				    .fault_addr = 0xdead};
	reply_add(reply(0), &st, sizeof(st));
}

static void reply_exit(uint32_t reason, int64_t code, uint32_t vector)
{
	reply_exit_of(TASK, reason, code, vector);
}

/* spawn TASK, answered with capability cap. */
static void spawned(uk_name_t cap)
{
	reply_spawned(TASK, cap);
	assert_int_equal(ukp_spawn("/bin/x", NULL), TASK);
	assert_int_equal(right_refs(cap), 1);
}

/* Collect pid (a normal exit) through cap, which goes back. */
static void collect(int64_t pid, uk_name_t cap)
{
	unsigned before = sent_count();

	reply_exit_of((uint64_t)pid, UK_EXIT_NORMAL, 0, 0);
	assert_int_equal(ukp_waitpid(pid, NULL, 0), pid);
	assert_int_equal(sent(before)->h.id, PROC_WAIT);
	assert_int_equal(sent(before)->h.dest, cap);
	assert_int_equal(right_refs(cap), 0);
}

/* Runs first in its group: proc_port() remembers the first name it finds. */
static void
spawn_without_a_process_server_is_enoent_and_sends_nothing(void **state)
{
	const char *argv[] = {"x", NULL};

	assert_int_equal(ns_given("proc"),
			 0); /* nothing looked proc up before */
	ns_answer("proc", -ERR_TIMED_OUT);
	assert_int_equal(ukp_spawn("/bin/x", argv), -1);
	assert_int_equal(ukp_errno, ENOENT);
	/* Nothing was started, so there is nothing to wait for. */
	assert_int_equal(ukp_waitpid(TASK, NULL, 0), -1);
	assert_int_equal(ukp_errno, ECHILD);
	assert_int_equal(sent_count(), 0);
	assert_int_equal(ns_lookups("proc"), 1);
}

static void spawn_packs_the_path_and_argv_after_its_request(void **state)
{
	const char *argv[] = {"hello", "-v", "world", NULL};

	reply_spawned(TASK, NAME_CAP(1));
	assert_int_equal(ukp_spawn("/bin/hello", argv), TASK);
	const struct uk_proc_spawn_req *rq =
	    sent_body(0, PROC_SPAWN, NAME_PROC, sizeof(*rq), 10 + 15);
	assert_int_equal(rq->path_len, 10);
	assert_int_equal(rq->argc, 3);
	assert_int_equal(rq->argv_len, 15);
	assert_int_equal(rq->priority, -1);
	assert_int_equal(rq->reserved, 0);
	assert_memory_equal(rq + 1, "/bin/hello", 10);
	assert_memory_equal((const char *)(rq + 1) + 10, "hello\0-v\0world\0",
			    15);
	assert_int_equal(sent(0)->h.n_ports,
			 0); /* standard output: the kernel log */
	assert_int_equal(sent(0)->h.n_ool, 0);
	collect(TASK, NAME_CAP(1));
}

static void spawn_without_argv_sends_no_arguments(void **state)
{
	reply_spawned(TASK, NAME_CAP(2));
	assert_int_equal(ukp_spawn("/bin/true", NULL), TASK);
	const struct uk_proc_spawn_req *rq =
	    sent_body(0, PROC_SPAWN, NAME_PROC, sizeof(*rq), 9);
	assert_int_equal(rq->argc, 0);
	assert_int_equal(rq->argv_len, 0);
	collect(TASK, NAME_CAP(2));
}

static void spawn_passes_the_console_as_a_copied_send_right(void **state)
{
	const char *argv[] = {"sh", NULL};

	if (!right_refs(NAME_CONSOLE))
		right_give(NAME_CONSOLE, UK_RIGHT_SEND);
	assert_int_equal(ukp_stdio_attach(NAME_CONSOLE), 0);
	reply_spawned(TASK, NAME_CAP(3));
	assert_int_equal(ukp_spawn("/bin/sh", argv), TASK);
	assert_int_equal(sent(0)->h.n_ports, 1);
	assert_int_equal(sent(0)->ports[0].name, NAME_CONSOLE);
	assert_int_equal(sent(0)->ports[0].disposition, UK_DISP_COPY_SEND);
	assert_int_equal(right_refs(NAME_CONSOLE), 1);
	assert_int_equal(ukp_stdio_attach(0), 0);
	assert_int_equal(ukp_stdio_port(), 0);
	collect(TASK, NAME_CAP(3));
}

static void spawn_with_2048_bytes_of_arguments_sends_them_all(void **state)
{
	static char a[1000], b[1048];
	const char *argv[] = {a, b, NULL};

	memset(a, 'a', sizeof(a) - 1);
	memset(b, 'b', sizeof(b) - 1);
	reply_spawned(TASK, NAME_CAP(4));
	assert_int_equal(ukp_spawn("/bin/echo", argv), TASK);
	const struct uk_proc_spawn_req *rq = sent_body(
	    0, PROC_SPAWN, NAME_PROC, sizeof(*rq), 9 + UK_TASK_ARGS_MAX);
	assert_int_equal(rq->argv_len, UK_TASK_ARGS_MAX);
	collect(TASK, NAME_CAP(4));
}

static void
spawn_with_more_arguments_than_a_task_takes_sends_nothing(void **state)
{
	static char a[1000], b[1049];
	const char *argv[] = {a, b, NULL};

	memset(a, 'a', sizeof(a) - 1);
	memset(b, 'b', sizeof(b) - 1);
	assert_int_equal(ukp_spawn("/bin/echo", argv), -1);
	assert_int_not_equal(ukp_errno, 0);
	assert_int_equal(sent_count(), 0);
}

static void spawn_with_more_arguments_than_a_task_takes_is_e2big(void **state)
{
	PENDING_FIX("spawn reports EFBIG (file too large) for an argument list "
		    "too long");
	static char a[3000];
	const char *argv[] = {a, NULL};

	memset(a, 'a', sizeof(a) - 1);
	assert_int_equal(ukp_spawn("/bin/echo", argv), -1);
	assert_int_equal(ukp_errno, E2BIG);
}

static void spawn_with_a_path_of_1024_bytes_is_enametoolong(void **state)
{
	char path[1025];

	memset(path, 'p', 1024);
	path[0] = '/';
	path[1024] = '\0';
	assert_int_equal(ukp_spawn(path, NULL), -1);
	assert_int_equal(ukp_errno, ENAMETOOLONG);
	assert_int_equal(sent_count(), 0);
}

static void spawn_errors_map_to_errno(void **state)
{
	reply(-ERR_NOT_FOUND);
	assert_int_equal(ukp_spawn("/bin/none", NULL), -1);
	assert_int_equal(ukp_errno, ENOENT);
	reply(-ERR_BAD_IMAGE);
	assert_int_equal(ukp_spawn("/etc/motd", NULL), -1);
	assert_int_equal(ukp_errno, ENOEXEC);
	reply(-ERR_NO_MEMORY);
	assert_int_equal(ukp_spawn("/bin/huge", NULL), -1);
	assert_int_equal(ukp_errno, ENOMEM);
}

static void spawn_success_without_a_capability_is_an_error(void **state)
{
	struct uk_proc_spawn_reply r = {.task = TASK};

	/* A task nobody could wait for or kill is no child of ours. */
	reply_add(reply(0), &r, sizeof(r));
	assert_int_equal(ukp_spawn("/bin/x", NULL), -1);
	assert_int_equal(ukp_errno, EINVAL);
	assert_int_equal(ukp_waitpid(TASK, NULL, A_WNOHANG), -1);
	assert_int_equal(ukp_errno, ECHILD);
	assert_int_equal(sent_count(), 1);
}

static void spawn_with_64_children_not_collected_is_eagain(void **state)
{
	for (unsigned i = 0; i < 64; i++) {
		reply_spawned(TASK + i, NAME_CAP(0x20 + i));
		assert_int_equal(ukp_spawn("/bin/x", NULL), TASK + i);
	}
	sent_clear();
	assert_int_equal(ukp_spawn("/bin/x", NULL), -1);
	assert_int_equal(ukp_errno, EAGAIN);
	assert_int_equal(sent_count(), 0);
	for (unsigned i = 0; i < 64; i++) {
		collect(TASK + i, NAME_CAP(0x20 + i));
		sent_clear();
	}
	spawned(NAME_CAP(5)); /* room again */
	collect(TASK, NAME_CAP(5));
}

static void
waitpid_goes_through_the_capability_and_encodes_a_normal_exit(void **state)
{
	int status = -1;

	spawned(NAME_CAP(6));
	reply_exit(UK_EXIT_NORMAL, 3, 0);
	assert_int_equal(ukp_waitpid(TASK, &status, 0), TASK);
	const struct uk_proc_wait_req *rq =
	    sent_body(1, PROC_WAIT, NAME_CAP(6), sizeof(*rq), 0);
	assert_int_equal(rq->task, TASK);
	assert_int_equal(rq->timeout_ns, UK_TIMEOUT_INFINITE);
	assert_int_equal(status, 3 << 8);
	assert_true(A_WIFEXITED(status));
	assert_false(A_WIFSIGNALED(status));
	assert_int_equal(A_WEXITSTATUS(status), 3);
	/* Collected: the capability went back, and the pid is no child. */
	assert_int_equal(deallocations(NAME_CAP(6)), 1);
	assert_int_equal(ukp_waitpid(TASK, &status, 0), -1);
	assert_int_equal(ukp_errno, ECHILD);
	assert_int_equal(sent_count(), 2);

	spawned(NAME_CAP(7));
	reply_exit(UK_EXIT_NORMAL, 0x1ff, 0); /* only the low 8 bits */
	assert_int_equal(ukp_waitpid(TASK, &status, 0), TASK);
	assert_int_equal(A_WEXITSTATUS(status), 0xff);
	assert_true(A_WIFEXITED(status));
	spawned(NAME_CAP(8));
	reply_exit(UK_EXIT_NORMAL, 0, 0);
	assert_int_equal(ukp_waitpid(TASK, NULL, 0),
			 TASK); /* status optional */
}

static void waitpid_encodes_a_fault_as_a_signal_with_the_vector(void **state)
{
	int status = 0;

	spawned(NAME_CAP(9));
	reply_exit(UK_EXIT_FAULT, -1, 14); /* page fault */
	assert_int_equal(ukp_waitpid(TASK, &status, 0), TASK);
	assert_int_equal(status, 0x80 | 14);
	assert_true(A_WIFSIGNALED(status));
	assert_false(A_WIFEXITED(status));
	assert_int_equal(A_WTERMSIG(status), 14);
	spawned(NAME_CAP(10));
	reply_exit(UK_EXIT_FAULT, -1,
		   0x8d); /* vector bits above 7 are dropped */
	assert_int_equal(ukp_waitpid(TASK, &status, 0), TASK);
	assert_int_equal(status, 0x80 | 0x0d);
}

static void waitpid_encodes_a_killed_task_as_sigkill(void **state)
{
	int status = 0;

	spawned(NAME_CAP(11));
	reply_exit(UK_EXIT_KILLED, -1, 0);
	assert_int_equal(ukp_waitpid(TASK, &status, 0), TASK);
	assert_int_equal(status, A_SIGKILL);
	assert_true(A_WIFSIGNALED(status));
	assert_int_equal(A_WTERMSIG(status), A_SIGKILL);
}

static void waitpid_with_wnohang_polls_and_returns_0_while_it_runs(void **state)
{
	int status = 1234;

	spawned(NAME_CAP(12));
	reply(-ERR_TIMED_OUT);
	assert_int_equal(ukp_waitpid(TASK, &status, A_WNOHANG), 0);
	const struct uk_proc_wait_req *rq =
	    sent_body(1, PROC_WAIT, NAME_CAP(12), sizeof(*rq), 0);
	assert_int_equal(rq->timeout_ns, 0);
	assert_int_equal(status, 1234);
	reply(-ERR_TIMED_OUT); /* without WNOHANG a timeout is an error */
	assert_int_equal(ukp_waitpid(TASK, &status, 0), -1);
	assert_int_equal(ukp_errno, ETIMEDOUT);
	/* Not collected yet: the capability stays. */
	assert_int_equal(right_refs(NAME_CAP(12)), 1);
	collect(TASK, NAME_CAP(12));
}

static void
waitpid_for_a_task_it_did_not_spawn_is_echild_and_sends_nothing(void **state)
{
	int status = 77;

	assert_int_equal(ukp_waitpid(99, &status, 0), -1);
	assert_int_equal(ukp_errno, ECHILD);
	assert_int_equal(ukp_waitpid(0, &status, 0), -1);
	assert_int_equal(ukp_errno, ECHILD);
	assert_int_equal(ukp_waitpid(-1, &status, 0), -1);
	assert_int_equal(ukp_errno, ECHILD);
	assert_int_equal(status, 77);
	assert_int_equal(sent_count(), 0);
	assert_int_equal(ns_lookups("proc"), 0);
}

static void waitpid_of_a_record_proc_no_longer_has_is_echild(void **state)
{
	int status = 77;

	spawned(NAME_CAP(13));
	reply(-ERR_NO_CHILD); /* evicted: nobody collected it in time */
	assert_int_equal(ukp_waitpid(TASK, &status, 0), -1);
	assert_int_equal(ukp_errno, ECHILD);
	assert_int_equal(status, 77);
	assert_int_equal(right_refs(NAME_CAP(13)), 0);
}

static void kill_goes_through_the_capability_and_keeps_it(void **state)
{
	spawned(NAME_CAP(14));
	reply_empty();
	assert_int_equal(ukp_kill(TASK, 15), 0);
	const struct uk_proc_wait_req *rq =
	    sent_body(1, PROC_KILL, NAME_CAP(14), sizeof(*rq), 0);
	assert_int_equal(rq->task, TASK);
	assert_int_equal(rq->timeout_ns, 0);
	assert_int_equal(fake_task_killed, 0);
	assert_int_equal(right_refs(NAME_CAP(14)), 1); /* for waitpid */
	collect(TASK, NAME_CAP(14));
}

static void kill_of_a_task_it_did_not_spawn_asks_only_the_kernel(void **state)
{
	/* The kernel allows the caller's own descendants. */
	assert_int_equal(ukp_kill(0x42, A_SIGKILL), 0);
	assert_int_equal(fake_task_killed, 0x42);

	fake_task_kill_result = -ERR_PERMISSION;
	assert_int_equal(ukp_kill(TASK, A_SIGKILL), -1);
	assert_int_equal(fake_task_killed, TASK);
	assert_int_equal(ukp_errno, EPERM);

	fake_task_kill_result = -ERR_NOT_FOUND;
	assert_int_equal(ukp_kill(0x43, A_SIGKILL), -1);
	assert_int_equal(fake_task_killed, 0x43);
	assert_int_equal(ukp_errno, ESRCH);
	assert_int_equal(sent_count(), 0);
}

static void kill_refused_by_proc_does_not_fall_back(void **state)
{
	spawned(NAME_CAP(15));
	reply(-ERR_PERMISSION);
	assert_int_equal(ukp_kill(TASK, A_SIGKILL), -1);
	assert_int_equal(ukp_errno, EPERM);
	assert_int_equal(fake_task_killed, 0);
	collect(TASK, NAME_CAP(15));
}

static void a_dead_process_server_is_eio(void **state)
{
	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_spawn("/bin/x", NULL), -1);
	assert_int_equal(ukp_errno, EIO);
	/* The capabilities of a dead proc are dead names: dropped. */
	spawned(NAME_CAP(16));
	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_kill(TASK, A_SIGKILL), -1);
	assert_int_equal(ukp_errno, EIO);
	assert_int_equal(right_refs(NAME_CAP(16)), 0);
	assert_int_equal(ukp_waitpid(TASK, NULL, 0), -1);
	assert_int_equal(ukp_errno, ECHILD);
	spawned(NAME_CAP(17));
	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_waitpid(TASK, NULL, 0), -1);
	assert_int_equal(ukp_errno, EIO);
	assert_int_equal(right_refs(NAME_CAP(17)), 0);
}

static void a_dead_process_server_is_looked_up_again(void **state)
{
	PENDING_FIX("proc_port() never forgets a dead proc");
	spawned(NAME_CAP(18));
	uk_name_t old = sent(0)->h.dest;

	ns_answer("proc", old == NAME_PROC ? NAME_PROC_AGAIN : NAME_PROC);
	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_spawn("/bin/x", NULL), -1);
	assert_int_equal(ukp_errno, EIO);
	assert_int_equal(deallocations(old), 1);
	reply_spawned(TASK + 1, NAME_CAP(19));
	assert_int_equal(ukp_spawn("/bin/x", NULL), TASK + 1);
	assert_int_equal(sent(2)->h.dest, ns_given("proc"));
	assert_int_not_equal(sent(2)->h.dest, old);
	collect(TASK, NAME_CAP(18));
	collect(TASK + 1, NAME_CAP(19));
}

static void getpid_sleep_and_gettimeofday_go_to_the_kernel(void **state)
{
	struct adapter_timeval tv;

	assert_int_equal(ukp_getpid(), (int64_t)FAKE_TASK_SELF);
	assert_int_equal(ukp_sleep(2), 0);
	assert_int_equal(fake_slept_ns, 2000000000ull);
	assert_int_equal(ukp_gettimeofday(&tv, NULL), 0);
	assert_int_equal(tv.sec, FAKE_CLOCK_NS / 1000000000ull);
	assert_int_equal(tv.usec, FAKE_CLOCK_NS % 1000000000ull / 1000);
	assert_int_equal(sent_count(), 0);
}

const struct CMUnitTest posix_proc_tests[] = {
    TEST(spawn_without_a_process_server_is_enoent_and_sends_nothing),
    TEST(spawn_packs_the_path_and_argv_after_its_request),
    TEST(spawn_without_argv_sends_no_arguments),
    TEST(spawn_passes_the_console_as_a_copied_send_right),
    TEST(spawn_with_2048_bytes_of_arguments_sends_them_all),
    TEST(spawn_with_more_arguments_than_a_task_takes_sends_nothing),
    TEST(spawn_with_more_arguments_than_a_task_takes_is_e2big),
    TEST(spawn_with_a_path_of_1024_bytes_is_enametoolong),
    TEST(spawn_errors_map_to_errno),
    TEST(spawn_success_without_a_capability_is_an_error),
    TEST(spawn_with_64_children_not_collected_is_eagain),
    TEST(waitpid_goes_through_the_capability_and_encodes_a_normal_exit),
    TEST(waitpid_encodes_a_fault_as_a_signal_with_the_vector),
    TEST(waitpid_encodes_a_killed_task_as_sigkill),
    TEST(waitpid_with_wnohang_polls_and_returns_0_while_it_runs),
    TEST(waitpid_for_a_task_it_did_not_spawn_is_echild_and_sends_nothing),
    TEST(waitpid_of_a_record_proc_no_longer_has_is_echild),
    TEST(kill_goes_through_the_capability_and_keeps_it),
    TEST(kill_of_a_task_it_did_not_spawn_asks_only_the_kernel),
    TEST(kill_refused_by_proc_does_not_fall_back),
    TEST(a_dead_process_server_is_eio),
    TEST(a_dead_process_server_is_looked_up_again),
    TEST(getpid_sleep_and_gettimeofday_go_to_the_kernel),
};
const size_t posix_proc_tests_count =
    sizeof(posix_proc_tests) / sizeof(posix_proc_tests[0]);
