/* SPDX-License-Identifier: MIT */
/*
 * Standard streams (lib/posix/stdio.c, uk/proto/cons.h). A program's
 * standard input and output is the console stream its creator passed as
 * uk_startup.rights[1] when port_info says that is a send right (and no
 * hardware capability); otherwise output goes to the kernel log
 * (debug_write) and input is empty. Output to a console is line-buffered,
 * stderr is not.
 *
 * The choice is made once per process, on first use, so the tests of it
 * run each in a forked child (posix_stdio_init_tests, run before anything
 * else touches the adapter); the other tests switch streams with
 * stdio_attach.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "posix_harness.h"

/* ---- the first use, in a fresh process ---- */

/* What a child saw: the kernel log, and the first request it sent. */
struct child_report {
	char debug[128];
	unsigned n_sent;
	uint32_t id;
	uk_name_t dest;
	char body[128];
};

/* In a child: give the program rights[1] = NAME_CONSOLE as a right of
 * kind rights (0: none at all), print a line, report. */
static void run_child(uint32_t rights, struct child_report *out)
{
	int fds[2];

	assert_int_equal(harness_calls, 0); /* the adapter is untouched here */
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_report r;
		struct uk_cons_io_reply io = {.count = 9};
		harness_in_child = true;
		memset(&r, 0, sizeof(r));
		if (rights) {
			fake_startup.n_rights = 2;
			fake_startup.rights[1] = NAME_CONSOLE;
			if (rights != UK_RIGHT_DEAD_NAME) /* "not held":
							     port_info fails */
				right_give(NAME_CONSOLE, rights);
			reply_add(reply(0), &io, sizeof(io));
		}
		ukp_printf("hello %d\n", 42);
		snprintf(r.debug, sizeof(r.debug), "%s", debug_log());
		r.n_sent = sent_count();
		if (r.n_sent) {
			r.id = sent(0)->h.id;
			r.dest = sent(0)->h.dest;
			memcpy(r.body, sent(0)->body,
			       sent(0)->body_len < 127 ? sent(0)->body_len
						       : 127);
		}
		ssize_t w = write(fds[1], &r, sizeof(r));
		_exit(w == (ssize_t)sizeof(r) ? 0 : 98);
	}
	close(fds[1]);
	size_t got = 0;
	while (got < sizeof(*out)) {
		ssize_t n = read(fds[0], (char *)out + got, sizeof(*out) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(got, sizeof(*out));
}

static void
without_a_startup_console_stdout_goes_to_the_kernel_log(void **state)
{
	struct child_report r;

	run_child(0, &r);
	assert_string_equal(r.debug, "hello 42\n");
	assert_int_equal(r.n_sent, 0);
}

static void a_send_right_at_rights_1_becomes_the_console(void **state)
{
	struct child_report r;

	run_child(UK_RIGHT_SEND, &r);
	assert_string_equal(r.debug, "");
	assert_int_equal(r.n_sent, 1);
	assert_int_equal(r.id, CONS_WRITE);
	assert_int_equal(r.dest, NAME_CONSOLE);
	assert_string_equal(r.body, "hello 42\n");
}

static void a_hardware_capability_at_rights_1_is_not_a_console(void **state)
{
	struct child_report r;

	run_child(UK_RIGHT_SEND | UK_RIGHT_HARDWARE, &r);
	assert_string_equal(r.debug, "hello 42\n");
	assert_int_equal(r.n_sent, 0);
}

static void a_receive_right_at_rights_1_is_not_a_console(void **state)
{
	struct child_report r;

	run_child(UK_RIGHT_RECEIVE, &r);
	assert_string_equal(r.debug, "hello 42\n");
	assert_int_equal(r.n_sent, 0);
}

static void a_name_port_info_refuses_is_not_a_console(void **state)
{
	struct child_report r;

	run_child(UK_RIGHT_DEAD_NAME, &r);
	assert_string_equal(r.debug, "hello 42\n");
	assert_int_equal(r.n_sent, 0);
}

const struct CMUnitTest posix_stdio_init_tests[] = {
    TEST(without_a_startup_console_stdout_goes_to_the_kernel_log),
    TEST(a_send_right_at_rights_1_becomes_the_console),
    TEST(a_hardware_capability_at_rights_1_is_not_a_console),
    TEST(a_receive_right_at_rights_1_is_not_a_console),
    TEST(a_name_port_info_refuses_is_not_a_console),
};
const size_t posix_stdio_init_tests_count =
    sizeof(posix_stdio_init_tests) / sizeof(posix_stdio_init_tests[0]);

/* ---- the kernel log ---- */

static void
without_a_console_output_is_unbuffered_in_the_kernel_log(void **state)
{
	assert_int_equal(ukp_stdio_port(), 0);
	ukp_printf("abc");
	assert_string_equal(debug_log(), "abc");
	ukp_puts("line");
	ukp_fprintf(ukp_stderr, "err %s\n", "x");
	assert_int_equal(ukp_write(1, "raw", 3), 3);
	assert_int_equal(ukp_putchar('!'), '!');
	assert_string_equal(debug_log(), "abcline\nerr x\nraw!");
	assert_int_equal(sent_count(), 0);
}

static void without_a_console_input_is_at_end_of_file(void **state)
{
	char buf[8];

	assert_int_equal(ukp_read(0, buf, sizeof(buf)), 0);
	assert_int_equal(ukp_getchar(), -1);
	assert_null(ukp_fgets(buf, sizeof(buf), ukp_stdin));
	assert_int_equal(sent_count(), 0);
}

static void perror_writes_the_message_for_errno(void **state)
{
	ukp_errno = ENOENT;
	ukp_perror("open /x");
	assert_string_equal(debug_log(),
			    "open /x: no such file or directory\n");
}

/* ---- a console ---- */

/* The program holds one send right to the console (given once). */
static void attach(void)
{
	if (!right_refs(NAME_CONSOLE))
		right_give(NAME_CONSOLE, UK_RIGHT_SEND);
	assert_int_equal(ukp_stdio_attach(NAME_CONSOLE), 0);
	assert_int_equal(ukp_stdio_port(), NAME_CONSOLE);
}

/* Back to the kernel log with nothing buffered (a CONS_WRITE now would
 * find no reply scripted); the console right stays the program's. */
static void detach(void)
{
	assert_int_equal(ukp_stdio_attach(0), 0);
	assert_int_equal(right_refs(NAME_CONSOLE), 1);
	assert_int_equal(deallocations(NAME_CONSOLE), 0);
}

static void reply_written(uint32_t count)
{
	struct uk_cons_io_reply io = {.count = count};
	reply_add(reply(0), &io, sizeof(io));
}

/* Request i is a CONS_WRITE of exactly text. */
static void check_written(unsigned i, const char *text)
{
	size_t n = strlen(text);
	const void *body = sent_body(i, CONS_WRITE, NAME_CONSOLE, 0, n);
	assert_memory_equal(body, text, n);
	assert_int_equal(sent(i)->h.n_ports + sent(i)->h.n_ool, 0);
}

static void console_output_waits_for_a_newline(void **state)
{
	attach();
	ukp_printf("partial");
	assert_int_equal(sent_count(), 0);
	reply_written(18);
	ukp_printf(" line\nmore %d", 7);
	assert_int_equal(sent_count(), 1);
	check_written(0, "partial line\nmore 7");
	ukp_fflush(ukp_stdout); /* nothing left */
	assert_int_equal(sent_count(), 1);
	assert_string_equal(debug_log(), "");
	detach();
}

static void console_output_goes_when_the_buffer_is_full_or_flushed(void **state)
{
	static char text[1501];

	memset(text, 'x', 1500);
	attach();
	reply_written(1024);
	ukp_fputs(text, ukp_stdout);
	assert_int_equal(sent_count(), 1);
	assert_int_equal(sent(0)->body_len, 1024);
	reply_written(476);
	ukp_fflush(ukp_stdout);
	assert_int_equal(sent_count(), 2);
	assert_int_equal(sent(1)->body_len, 476);
	detach();
}

static void stderr_is_unbuffered_and_flushes_stdout_first(void **state)
{
	attach();
	ukp_printf("out");
	reply_written(3);
	reply_written(4);
	ukp_fprintf(ukp_stderr, "err\n");
	check_written(0, "out");
	check_written(1, "err\n");
	detach();
}

static void write_to_the_console_goes_at_once_in_inline_pieces(void **state)
{
	static uint8_t data[5000];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i % 251);
	attach();
	reply_written(UK_RPC_INLINE_DATA);
	reply_written(sizeof(data) - UK_RPC_INLINE_DATA);
	assert_int_equal(ukp_write(1, data, sizeof(data)), sizeof(data));
	sent_body(0, CONS_WRITE, NAME_CONSOLE, 0, UK_RPC_INLINE_DATA);
	assert_memory_equal(sent(0)->body, data, UK_RPC_INLINE_DATA);
	sent_body(1, CONS_WRITE, NAME_CONSOLE, 0,
		  sizeof(data) - UK_RPC_INLINE_DATA);
	assert_memory_equal(sent(1)->body, data + UK_RPC_INLINE_DATA,
			    sizeof(data) - UK_RPC_INLINE_DATA);
	detach();
}

static void a_console_that_fails_gives_eio_or_what_was_written(void **state)
{
	static uint8_t data[5000];

	attach();
	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_write(1, "x", 1), -1);
	assert_int_equal(ukp_errno, EIO);
	reply_written(UK_RPC_INLINE_DATA);
	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_write(2, data, sizeof(data)), UK_RPC_INLINE_DATA);
	detach();
}

static void
console_read_asks_for_at_most_what_fits_and_takes_what_came(void **state)
{
	char buf[8];
	static char big[5000];

	attach();
	struct uk_cons_io_reply io = {.count = 3};
	struct reply *r = reply(0);
	reply_add(r, &io, sizeof(io));
	reply_add(r, "abc", 3);
	assert_int_equal(ukp_read(0, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	const struct uk_cons_read_req *rq =
	    sent_body(0, CONS_READ, NAME_CONSOLE, sizeof(*rq), 0);
	assert_int_equal(rq->max, sizeof(buf));
	assert_int_equal(rq->timeout_ns, UK_TIMEOUT_INFINITE);

	io.count = 5; /* claims 5, sends 2 */
	r = reply(0);
	reply_add(r, &io, sizeof(io));
	reply_add(r, "de", 2);
	assert_int_equal(ukp_read(0, buf, sizeof(buf)), 2);

	io.count = 6; /* more than asked for */
	r = reply(0);
	reply_add(r, &io, sizeof(io));
	reply_add(r, "ghijkl", 6);
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(ukp_read(0, buf, 4), 4);
	assert_int_equal(buf[4], 0x11);

	io.count = 1;
	r = reply(0);
	reply_add(r, &io, sizeof(io));
	reply_add(r, "z", 1);
	assert_int_equal(ukp_read(0, big, sizeof(big)), 1);
	rq = sent_body(3, CONS_READ, NAME_CONSOLE, sizeof(*rq), 0);
	assert_int_equal(rq->max, UK_RPC_INLINE_DATA);

	assert_int_equal(ukp_read(0, buf, 0), 0);
	assert_int_equal(sent_count(), 4);
	reply(-ERR_TIMED_OUT);
	assert_int_equal(ukp_read(0, buf, 1), -1);
	assert_int_equal(ukp_errno, ETIMEDOUT);
	detach();
}

static void reply_char(char c)
{
	struct uk_cons_io_reply io = {.count = 1};
	struct reply *r = reply(0);
	reply_add(r, &io, sizeof(io));
	reply_add(r, &c, 1);
}

static void getchar_flushes_the_prompt_first(void **state)
{
	attach();
	ukp_printf("prompt> ");
	reply_written(8);
	reply_char('y');
	assert_int_equal(ukp_getchar(), 'y');
	check_written(0, "prompt> ");
	sent_body(1, CONS_READ, NAME_CONSOLE, sizeof(struct uk_cons_read_req),
		  0);
	detach();
}

static void fgets_reads_up_to_the_newline(void **state)
{
	char line[16];

	attach();
	reply_char('h');
	reply_char('i');
	reply_char('\n');
	assert_string_equal(ukp_fgets(line, sizeof(line), ukp_stdin), "hi\n");
	reply_char('a');
	reply_char('b');
	assert_string_equal(ukp_fgets(line, 3, ukp_stdin),
			    "ab"); /* room for 2 */
	detach();
}

static void stdio_attach_flushes_to_the_old_stream(void **state)
{
	attach();
	ukp_printf("pending");
	reply_written(7);
	assert_int_equal(ukp_stdio_attach(0), 0);
	check_written(0, "pending");
	ukp_printf("now in the log");
	assert_string_equal(debug_log(), "now in the log");
	detach();
}

const struct CMUnitTest posix_stdio_tests[] = {
    TEST(without_a_console_output_is_unbuffered_in_the_kernel_log),
    TEST(without_a_console_input_is_at_end_of_file),
    TEST(perror_writes_the_message_for_errno),
    TEST(console_output_waits_for_a_newline),
    TEST(console_output_goes_when_the_buffer_is_full_or_flushed),
    TEST(stderr_is_unbuffered_and_flushes_stdout_first),
    TEST(write_to_the_console_goes_at_once_in_inline_pieces),
    TEST(a_console_that_fails_gives_eio_or_what_was_written),
    TEST(console_read_asks_for_at_most_what_fits_and_takes_what_came),
    TEST(getchar_flushes_the_prompt_first),
    TEST(fgets_reads_up_to_the_newline),
    TEST(stdio_attach_flushes_to_the_old_stream),
};
const size_t posix_stdio_tests_count =
    sizeof(posix_stdio_tests) / sizeof(posix_stdio_tests[0]);
