/* SPDX-License-Identifier: MIT */
/* The history checker (cluster/check.c, history.c, linear.c, svg.c): each
 * rule with a history that passes and one that breaks it, malformed files
 * refused with their line, the smallest violating slice, the timeline, and
 * how long a 2,000-op register history takes. Times in the histories below
 * are written "NNms" and turned into ns before parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "history.h"
#include "linear.h"

static char dir[] = "/tmp/unit-cluster-check-XXXXXX";
static char report[1 << 16];

/* text with every word "NNms" (or "NN.Nms") replaced by ns; malloc'ed. */
static char *ns(const char *text)
{
	size_t cap = strlen(text) * 2 + 64, n = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	for (const char *p = text; *p;) {
		const char *q = p;
		while (*q >= '0' && *q <= '9')
			q++;
		int at_word = p == text || p[-1] == ' ' || p[-1] == '\n';
		if (at_word && q > p && q[0] == 'm' && q[1] == 's' &&
		    (q[2] == ' ' || q[2] == '\n' || !q[2])) {
			n += (size_t)snprintf(out + n, cap - n, "%llu",
					      strtoull(p, NULL, 10) *
						  1000000ULL);
			p = q + 2;
			continue;
		}
		out[n++] = *p++;
		assert_true(n + 32 < cap);
	}
	out[n] = 0;
	return out;
}

static const char *write_history(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* check_run on text (times in ms) into report[]; returns its status. */
static int run_opts(const char *text, const char *svg,
		    const struct check_opts *o)
{
	char *expanded = ns(text);
	const char *path = write_history("h.txt", expanded);
	FILE *out = fmemopen(report, sizeof(report), "w");
	int rc;

	assert_non_null(out);
	rc = check_run(path, svg, o, out);
	fclose(out);
	free(expanded);
	return rc;
}

static int run(const char *text)
{
	struct check_opts o;

	check_opts_default(&o);
	return run_opts(text, NULL, &o);
}

static void report_has(const char *needle)
{
	if (!strstr(report, needle))
		fail_msg("report lacks \"%s\":\n%s", needle, report);
}

static void report_lacks(const char *needle)
{
	if (strstr(report, needle))
		fail_msg("report has \"%s\":\n%s", needle, report);
}

/* Parse and check text (times in ms) into h and r, for exact counts. */
static void check_text(const char *text, const struct check_opts *given,
		       struct history *h, struct check_result *r)
{
	struct history_error err;
	struct check_opts o;
	char *expanded = ns(text);

	if (given)
		o = *given;
	else
		check_opts_default(&o);
	if (history_parse(expanded, strlen(expanded), "t", h, &err))
		fail_msg("line %d: %s", err.line, err.message);
	free(expanded);
	assert_int_equal(check_history(h, &o, r), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Rule 1 ---------------------------------------------------------------- */

#define APPENDS                                                                \
	"op 10ms 1.1 invoke append /f a\n"                                     \
	"op 20ms 1.1 ok append /f a\n"                                         \
	"op 15ms 2.1 invoke append /f b\n"                                     \
	"op 30ms 2.1 ok append /f b\n"                                         \
	"op 40ms 2.1 invoke append /f c\n"                                     \
	"op 50ms 2.1 info append /f c ERR_DEAD\n"                              \
	"op 40ms 1.1 invoke append /f d\n"                                     \
	"op 45ms 1.1 fail append /f d ERR_UNREACHABLE\n"                       \
	"op 100ms 3.1 invoke final /f nil\n"

static void every_acked_append_in_the_final_read_is_valid(void **state)
{
	(void)state;
	/* c's append is unknown: absent is fine. */
	assert_int_equal(run(APPENDS "op 110ms 3.1 ok final /f b,a\n"), 0);
	report_has("lost 0, duplicated 0, hung 0, linearizable 0/0 "
		   "registers, valid");
	/* ...and present is fine too. */
	assert_int_equal(run(APPENDS "op 110ms 3.1 ok final /f a,b,c\n"), 0);
}

static void a_lost_acked_append_is_reported(void **state)
{
	(void)state;
	assert_int_equal(run(APPENDS "op 110ms 3.1 ok final /f a,c\n"), 1);
	report_has("lost 1, duplicated 0, hung 0");
	report_has("INVALID");
	report_has("lost: /f token 'b' was acknowledged but is not in the "
		   "final read (line 10");
	report_has("2.1 append /f b ok [0.015000, 0.030000] (lines 3, 4)");
}

static void an_append_acked_during_the_final_read_may_be_missing(void **state)
{
	(void)state;
	/* e completes after the final read began: concurrent with it. */
	assert_int_equal(run(APPENDS "op 99ms 4.1 invoke append /f e\n"
				     "op 105ms 4.1 ok append /f e\n"
				     "op 110ms 3.1 ok final /f a,b\n"),
			 0);
	/* ...but one acked well before it must be there. */
	assert_int_equal(run(APPENDS "op 60ms 4.1 invoke append /f e\n"
				     "op 70ms 4.1 ok append /f e\n"
				     "op 110ms 3.1 ok final /f a,b\n"),
			 1);
	report_has("lost: /f token 'e'");
}

static void the_last_final_read_is_the_one_checked(void **state)
{
	(void)state;
	assert_int_equal(run(APPENDS "op 110ms 3.1 ok final /f a,b\n"
				     "op 200ms 3.1 invoke final /f nil\n"
				     "op 210ms 3.1 ok final /f a\n"),
			 1);
	report_has("lost 1");
}

static void an_append_key_without_a_final_read_is_an_error(void **state)
{
	struct history h;
	struct check_result r;

	(void)state;
	assert_int_equal(run(APPENDS), 1);
	report_has("INVALID");
	report_has("error: append key /f has no final read: its 2 "
		   "acknowledged appends are not checked");
	/* A final that failed is no final read either. */
	check_text(APPENDS "op 110ms 3.1 fail final /f nil ERR_DEAD\n", NULL,
		   &h, &r);
	assert_int_equal(r.errors, 1);
	assert_false(r.valid);
	check_result_free(&r);
	history_free(&h);
}

/* Rule 2 ---------------------------------------------------------------- */

static void a_duplicated_token_is_reported(void **state)
{
	(void)state;
	assert_int_equal(run(APPENDS "op 110ms 3.1 ok final /f a,b,a\n"), 1);
	report_has("lost 0, duplicated 1,");
	report_has("duplicated: /f token 'a' is 2 times in the final read");
}

static void a_phantom_token_is_reported(void **state)
{
	(void)state;
	assert_int_equal(run(APPENDS "op 110ms 3.1 ok final /f a,b,?7a6b\n"),
			 1);
	report_has("duplicated 1,");
	report_has("phantom: /f token '?7a6b' is in the final read (1 time, "
		   "line 10) but was never appended");
}

static void a_failed_append_in_the_final_read_is_reported(void **state)
{
	(void)state;
	/* d's append failed: it definitely did not happen, yet it is there. */
	assert_int_equal(run(APPENDS "op 110ms 3.1 ok final /f a,b,d\n"), 1);
	report_has("duplicated 1,");
	report_has("phantom: /f token 'd' is in the final read (line 10) but "
		   "its append failed");
}

#define WRITES                                                                 \
	"op 10ms 1.1 invoke write r1 1.1.1\n"                                  \
	"op 20ms 1.1 ok write r1 1.1.1\n"                                      \
	"op 30ms 1.1 invoke write r1 1.1.2\n"                                  \
	"op 40ms 1.1 fail write r1 1.1.2 ERR_UNREACHABLE\n"

static void a_register_read_of_a_value_never_written_is_a_phantom(void **state)
{
	(void)state;
	assert_int_equal(run(WRITES "op 50ms 2.1 invoke read r1 nil\n"
				    "op 60ms 2.1 ok read r1 1.1.1\n"),
			 0);
	assert_int_equal(run(WRITES "op 50ms 2.1 invoke read r1 nil\n"
				    "op 60ms 2.1 ok read r1 9.9.9\n"),
			 1);
	report_has("duplicated 1, hung 0, linearizable 0/1 registers");
	report_has("phantom: 2.1 read r1 -> 9.9.9 ok [0.050000, 0.060000] "
		   "(lines 5, 6): no write wrote that value");
	assert_int_equal(run(WRITES "op 50ms 2.1 invoke read r1 nil\n"
				    "op 60ms 2.1 ok read r1 1.1.2\n"),
			 1);
	report_has("phantom: 2.1 read r1 -> 1.1.2 ok");
	report_has("the write of that value failed");
}

/* Rule 3 ---------------------------------------------------------------- */

static void an_op_past_the_deadline_is_hung(void **state)
{
	struct check_opts o;

	(void)state;
	assert_int_equal(run("op 1000ms 1.1 invoke read r1 nil\n"
			     "op 5900ms 1.1 ok read r1 nil\n"),
			 0);
	assert_int_equal(run("op 1000ms 1.1 invoke read r1 nil\n"
			     "op 6100ms 1.1 ok read r1 nil\n"),
			 1);
	report_has("hung 1,");
	report_has("hung: 1.1 read r1 -> nil ok [1.000000, 6.100000] (lines "
		   "1, 2): completed after 5.100000 s");
	/* The file's deadline, and --deadline over it. */
	assert_int_equal(run("deadline 10000ms\n"
			     "op 1000ms 1.1 invoke read r1 nil\n"
			     "op 6100ms 1.1 ok read r1 nil\n"),
			 0);
	check_opts_default(&o);
	o.deadline_ns = 1000000000ULL;
	assert_int_equal(run_opts("deadline 10000ms\n"
				  "op 1000ms 1.1 invoke read r1 nil\n"
				  "op 3100ms 1.1 ok read r1 nil\n",
				  NULL, &o),
			 1);
	report_has("hung 1,");
}

static void time_its_own_node_was_paused_is_not_a_hang(void **state)
{
	struct history h;
	struct check_result r;

	(void)state;
	/* 8 s in all, 4 s of them with node 1 paused: 4 s of its own. */
	assert_int_equal(run("fault 2000ms 6000ms pause 1\n"
			     "op 1000ms 1.1 invoke write r1 a\n"
			     "op 9000ms 1.1 ok write r1 a\n"),
			 0);
	report_has("hung 0,");
	/* Another node's pause is no excuse. */
	assert_int_equal(run("fault 2000ms 6000ms pause 2\n"
			     "op 1000ms 1.1 invoke write r1 a\n"
			     "op 9000ms 1.1 ok write r1 a\n"),
			 1);
	report_has("hung 1,");
	/* Overlapping stops count once: 4 s stopped, 5.5 s of its own. */
	check_text("fault 2000ms 6000ms pause 1\n"
		   "fault 3000ms 5000ms reboot 1\n"
		   "op 1000ms 1.1 invoke write r1 a\n"
		   "op 10500ms 1.1 ok write r1 a\n",
		   NULL, &h, &r);
	assert_int_equal(r.hung, 1);
	check_result_free(&r);
	history_free(&h);
}

static void an_op_that_died_with_its_node_is_info_not_hung(void **state)
{
	struct history h;
	struct check_result r;

	(void)state;
	check_text("fault 2000ms 4000ms kill 1\n"
		   "op 1000ms 1.1 invoke write r1 a\n"
		   "end 30000ms\n",
		   NULL, &h, &r);
	assert_int_equal(r.hung, 0);
	assert_int_equal(r.crashed, 1);
	assert_int_equal(r.unknown, 1);
	assert_true(r.valid);
	assert_true(h.op[0].flags & OP_CRASHED);
	check_result_free(&r);
	history_free(&h);
	/* The same without the kill: it hangs. */
	assert_int_equal(run("op 1000ms 1.1 invoke write r1 a\n"
			     "end 30000ms\n"),
			 1);
	report_has("hung 1,");
	report_has("no completion by the end of the run");
	/* A kill of another node, or before the invoke, is no excuse. */
	assert_int_equal(run("fault 2000ms 4000ms kill 2\n"
			     "fault 100ms 500ms kill 1\n"
			     "op 1000ms 1.1 invoke write r1 a\n"
			     "end 30000ms\n"),
			 1);
	report_has("hung 1,");
	/* The run ended within the deadline: cut, not hung. */
	check_text("op 1000ms 1.1 invoke write r1 a\nend 3000ms\n", NULL, &h,
		   &r);
	assert_int_equal(r.cut, 1);
	assert_int_equal(r.hung, 0);
	assert_true(r.valid);
	check_result_free(&r);
	history_free(&h);
}

static void a_process_reused_after_its_node_died_starts_afresh(void **state)
{
	(void)state;
	/* Without boot counts the same process id comes back after the
	 * kill: its open op died with the node, it is not malformed. */
	assert_int_equal(run("fault 2000ms 3000ms kill 1\n"
			     "op 1000ms 1.1 invoke write r1 a\n"
			     "op 4000ms 1.1 invoke write r1 b\n"
			     "op 4010ms 1.1 ok write r1 b\n"),
			 0);
	report_has("(ok 1, fail 0, unknown 1)");
}

/* Rule 4 ---------------------------------------------------------------- */

static void a_read_of_nil_after_an_acked_write_is_not_linearizable(void **state)
{
	(void)state;
	assert_int_equal(run("op 10ms 1.1 invoke write r1 a\n"
			     "op 20ms 1.1 ok write r1 a\n"
			     "op 30ms 1.1 invoke read r1 nil\n"
			     "op 40ms 1.1 ok read r1 a\n"),
			 0);
	report_has("linearizable 1/1 registers, valid");
	assert_int_equal(run("op 10ms 1.1 invoke write r1 a\n"
			     "op 20ms 1.1 ok write r1 a\n"
			     "op 30ms 1.1 invoke read r1 nil\n"
			     "op 40ms 1.1 ok read r1 nil\n"),
			 1);
	report_has("lost 0, duplicated 0, hung 0, linearizable 0/1 "
		   "registers, INVALID");
	report_has(
	    "not linearizable: register r1 (2 ops); a smallest "
	    "violating slice, 2 ops:\n"
	    "    1.1 write r1 a ok [0.010000, 0.020000] (lines 1, 2)\n"
	    "    1.1 read r1 -> nil ok [0.030000, 0.040000] (lines 3, 4)\n");
}

#define TWO_WRITES                                                             \
	"op 10ms 1.1 invoke write r1 a\n"                                      \
	"op 20ms 1.1 ok write r1 a\n"                                          \
	"op 30ms 2.1 invoke write r1 b\n"                                      \
	"op 40ms 2.1 ok write r1 b\n"                                          \
	"op 50ms 3.1 invoke read r1 nil\n"

static void a_stale_read_across_processes_is_not_linearizable(void **state)
{
	(void)state;
	assert_int_equal(run(TWO_WRITES "op 60ms 3.1 ok read r1 b\n"), 0);
	assert_int_equal(run(TWO_WRITES "op 60ms 3.1 ok read r1 a\n"), 1);
	report_has("linearizable 0/1 registers, INVALID");
	report_has("violating slice, 3 ops:");
	/* Concurrent with the second write, the old value is fine. */
	assert_int_equal(run("op 10ms 1.1 invoke write r1 a\n"
			     "op 20ms 1.1 ok write r1 a\n"
			     "op 30ms 2.1 invoke write r1 b\n"
			     "op 60ms 2.1 ok write r1 b\n"
			     "op 40ms 3.1 invoke read r1 nil\n"
			     "op 50ms 3.1 ok read r1 a\n"
			     "op 51ms 3.1 invoke read r1 nil\n"
			     "op 52ms 3.1 ok read r1 b\n"),
			 0);
}

#define LATE                                                                   \
	"op 0ms 1.1 invoke write r1 a\n"                                       \
	"op 100ms 1.1 ok write r1 a\n"                                         \
	"op 10ms 2.1 invoke read r1 nil\n"                                     \
	"op 20ms 2.1 ok read r1 a\n"                                           \
	"op 30ms 3.1 invoke write r1 b\n"                                      \
	"op 40ms 3.1 info write r1 b ERR_DEAD\n"                               \
	"op 45ms 4.1 invoke write r1 z\n"                                      \
	"op 46ms 4.1 info write r1 z ERR_TIMEOUT\n"                            \
	"op 200ms 2.1 invoke read r1 nil\n"                                    \
	"op 210ms 2.1 ok read r1 a\n"                                          \
	"op 300ms 2.1 invoke read r1 nil\n"                                    \
	"op 310ms 2.1 ok read r1 b\n"                                          \
	"op 400ms 1.1 invoke write r1 c\n"                                     \
	"op 500ms 2.1 invoke read r1 nil\n"                                    \
	"op 510ms 2.1 ok read r1 c\n"

static void concurrent_ops_and_late_info_writes_are_linearizable(void **state)
{
	(void)state;
	/* The write of a takes effect before it returns; b's write, an
	 * info, takes effect 260 ms after its error; z's never; c's write
	 * has no completion yet its value is read. */
	assert_int_equal(run(LATE "end 600ms\n"), 0);
	report_has("linearizable 1/1 registers, valid");
	/* a cannot come back once b was read. */
	assert_int_equal(run(LATE "op 520ms 2.1 invoke read r1 nil\n"
				  "op 530ms 2.1 ok read r1 a\n"
				  "end 600ms\n"),
			 1);
	report_has("linearizable 0/1");
	/* A failed write did not happen: reading its value is not
	 * explained by it. */
	assert_int_equal(run("op 30ms 3.1 invoke write r1 b\n"
			     "op 40ms 3.1 fail write r1 b ERR_UNREACHABLE\n"
			     "op 300ms 2.1 invoke read r1 nil\n"
			     "op 310ms 2.1 ok read r1 b\n"),
			 1);
	report_has("linearizable 0/1");
}

static void skew_makes_the_check_more_permissive_only(void **state)
{
	struct check_opts o;
	const char *text = "op 0ms 1.1 invoke write r1 a\n"
			   "op 10ms 1.1 ok write r1 a\n"
			   "op 11ms 2.1 invoke read r1 nil\n"
			   "op 12ms 2.1 ok read r1 nil\n";

	(void)state;
	/* The read began 1 ms after the write returned: within the 2 ms
	 * the clocks may be off, they may have overlapped. */
	assert_int_equal(run(text), 0);
	report_has("skew 2.000 ms (invoke times moved earlier");
	check_opts_default(&o);
	o.skew_ns = 0;
	assert_int_equal(run_opts(text, NULL, &o), 1);
	report_has("skew 0.000 ms");
	/* Intervals that touch count as concurrent. */
	assert_int_equal(run_opts("op 0ms 1.1 invoke write r1 a\n"
				  "op 10ms 1.1 ok write r1 a\n"
				  "op 10ms 2.1 invoke read r1 nil\n"
				  "op 12ms 2.1 ok read r1 nil\n",
				  NULL, &o),
			 0);
}

/* A register history of n sequential ops over one key by 4 processes, a
 * write every third op; at op stale, a read returns the value before the
 * last write. */
static char *sequential_history(unsigned n, unsigned stale)
{
	size_t cap = (size_t)n * 120 + 64, len = 0;
	char *text = malloc(cap);
	unsigned value = 0, previous = 0;

	assert_non_null(text);
	for (unsigned i = 0; i < n; i++) {
		unsigned p = i % 4 + 1;
		unsigned long long t = 1000ULL * i;
		if (i % 3 == 0) {
			previous = value;
			value = i + 1;
			len +=
			    (size_t)snprintf(text + len, cap - len,
					     "op %llu 1.%u invoke write k v%u\n"
					     "op %llu 1.%u ok write k v%u\n",
					     t, p, value, t + 500, p, value);
		} else {
			unsigned seen = i == stale ? previous : value;
			char v[16];
			snprintf(v, sizeof(v), "v%u", seen);
			len += (size_t)snprintf(
			    text + len, cap - len,
			    "op %llu 1.%u invoke read k nil\n"
			    "op %llu 1.%u ok read k %s\n",
			    t, p, t + 500, p, seen ? v : "nil");
		}
	}
	return text;
}

static void the_violating_slice_is_small(void **state)
{
	char *text = sequential_history(200, 151);
	struct history h;
	struct history_error err;
	struct check_result r;
	struct check_opts o;
	unsigned kept = 0;

	(void)state;
	check_opts_default(&o);
	o.skew_ns = 0;
	assert_int_equal(history_parse(text, strlen(text), "t", &h, &err), 0);
	assert_int_equal(check_history(&h, &o, &r), 0);
	assert_int_equal(r.registers, 1);
	assert_int_equal(r.linearizable, 0);
	for (unsigned i = 0; i < h.op_count; i++)
		if (h.op[i].flags & OP_VIOLATION)
			kept++;
	print_message("200 ops, one stale read: slice of %u ops\n", kept);
	assert_true(kept >= 2 && kept <= 4);
	assert_true(h.op[151].flags & OP_VIOLATION); /* the stale read */
	assert_non_null(strstr(r.details, "violating slice, 3 ops:"));
	check_result_free(&r);
	history_free(&h);
	free(text);
	/* Without the stale read: linearizable, nothing blamed. */
	text = sequential_history(200, 1000);
	assert_int_equal(history_parse(text, strlen(text), "t", &h, &err), 0);
	assert_int_equal(check_history(&h, &o, &r), 0);
	assert_true(r.valid);
	check_result_free(&r);
	history_free(&h);
	free(text);
}

static void a_slice_keeps_the_writes_its_reads_saw(void **state)
{
	/* w(a) [0,10], w(b) [20,30], r->a [40,50], r->b [60,70]: the stale
	 * read needs both writes to be a violation; dropping w(a) would make
	 * "a read of a value never written", a different, false story. */
	const struct lin_op ops[] = {
	    {0, 10, 1, 1}, {20, 30, 1, 2}, {40, 50, 0, 1}, {60, 70, 0, 2}};
	unsigned keep[4];

	(void)state;
	assert_int_equal(lin_check(ops, 4, 0, NULL), LIN_VIOLATION);
	assert_int_equal(lin_shrink(ops, 4, 0, keep), 3);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], 1);
	assert_int_equal(keep[2], 2);
}

/* Every order of ops that respects real time, by brute force: is there one
 * in which each read returns the last write's value (nil at first)? */
static int brute_linearizable(const struct lin_op *ops, unsigned n,
			      unsigned placed, unsigned value)
{
	if (placed == (1U << n) - 1)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		int blocked = 0;
		if (placed & (1U << i))
			continue;
		/* i may go next unless an unplaced op returned before i
		 * was called. */
		for (unsigned j = 0; j < n; j++)
			if (!(placed & (1U << j)) && j != i &&
			    ops[j].ret < ops[i].call)
				blocked = 1;
		if (blocked || (!ops[i].write && ops[i].value != value))
			continue;
		if (brute_linearizable(ops, n, placed | (1U << i),
				       ops[i].write ? ops[i].value : value))
			return 1;
	}
	return 0;
}

static void the_search_agrees_with_brute_force(void **state)
{
	struct lin_op ops[7];
	unsigned keep[7], violations = 0;

	(void)state;
	srand(7);
	for (unsigned round = 0; round < 20000; round++) {
		unsigned n = 1 + (unsigned)rand() % 7;
		for (unsigned i = 0; i < n; i++) {
			ops[i].call = (unsigned)rand() % 20;
			ops[i].ret = ops[i].call + (unsigned)rand() % 8;
			ops[i].write = rand() % 2;
			ops[i].value = (unsigned)rand() % 4; /* 0 is nil */
			if (ops[i].write && rand() % 5 == 0)
				ops[i].ret = LIN_NEVER;
		}
		int expect = brute_linearizable(ops, n, 0, 0);
		enum lin_verdict got = lin_check(ops, n, 0, NULL);
		if (got != (expect ? LIN_OK : LIN_VIOLATION))
			fail_msg("round %u: search says %d, brute force %d",
				 round, got, expect);
		if (expect)
			continue;
		violations++;
		/* A slice is a sub-history that still fails. */
		struct lin_op sub[7];
		unsigned k = lin_shrink(ops, n, 0, keep);
		assert_true(k >= 1 && k <= n);
		for (unsigned i = 0; i < k; i++)
			sub[i] = ops[keep[i]];
		assert_false(brute_linearizable(sub, k, 0, 0));
	}
	print_message("20000 random histories, %u not linearizable: the "
		      "search agrees with brute force\n",
		      violations);
	assert_true(violations > 1000);
}

/* Pseudo-random linearizable history: 4 processes, 8 keys, ops of 1-5 ms
 * that overlap across processes, each taking effect at a random point of
 * its interval; a few writes end as info. */
static char *random_history(unsigned n, unsigned seed)
{
	struct gen {
		unsigned long long call, ret, at;
		unsigned p, key, write, value, info;
	} *g = calloc(n, sizeof(*g));
	unsigned long long clock[4] = {0};
	unsigned current[8] = {0};
	size_t cap = (size_t)n * 140 + 64, len = 0;
	char *text = malloc(cap);

	assert_non_null(g);
	assert_non_null(text);
	srand(seed);
	for (unsigned i = 0; i < n; i++) {
		unsigned p = (unsigned)rand() % 4;
		g[i].p = p;
		g[i].call = clock[p] + (unsigned)rand() % 2000000;
		g[i].ret = g[i].call + 1000000 + (unsigned)rand() % 4000000;
		g[i].at = g[i].call +
			  (unsigned)rand() % (unsigned)(g[i].ret - g[i].call);
		clock[p] = g[i].ret + 1;
		g[i].key = (unsigned)rand() % 8;
		g[i].write = rand() % 2;
		g[i].value = i + 1;
		g[i].info = g[i].write && rand() % 20 == 0;
	}
	/* Take effect in order of their linearization points. */
	unsigned *order = malloc(n * sizeof(*order));
	assert_non_null(order);
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i;
		     j > 0 && g[order[j - 1]].at > g[order[j]].at; j--) {
			unsigned t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (unsigned k = 0; k < n; k++) {
		struct gen *o = &g[order[k]];
		if (o->write)
			current[o->key] = o->value;
		else
			o->value = current[o->key];
	}
	for (unsigned i = 0; i < n; i++) {
		char v[16] = "nil";
		if (g[i].value)
			snprintf(v, sizeof(v), "v%u", g[i].value);
		len += (size_t)snprintf(
		    text + len, cap - len,
		    "op %llu 1.%u invoke %s k%u %s\nop %llu 1.%u %s %s k%u "
		    "%s%s\n",
		    g[i].call, g[i].p + 1, g[i].write ? "write" : "read",
		    g[i].key, g[i].write ? v : "nil", g[i].ret, g[i].p + 1,
		    g[i].info ? "info" : "ok", g[i].write ? "write" : "read",
		    g[i].key, v, g[i].info ? " ERR_DEAD" : "");
	}
	free(order);
	free(g);
	return text;
}

static void two_thousand_register_ops_check_quickly(void **state)
{
	char *text = random_history(2000, 14);
	struct history h;
	struct history_error err;
	struct check_result r;
	struct check_opts o;
	struct timespec t0, t1;

	(void)state;
	check_opts_default(&o);
	assert_int_equal(history_parse(text, strlen(text), "t", &h, &err), 0);
	assert_int_equal(h.op_count, 2000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(check_history(&h, &o, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("2000 register ops, 8 keys, 4 processes: checked in "
		      "%.1f ms\n",
		      ms);
	assert_int_equal(r.registers, 8);
	assert_int_equal(r.linearizable, 8);
	assert_true(r.valid);
	assert_true(ms < 10000); /* loose: sanitizers, a busy machine */
	check_result_free(&r);
	history_free(&h);
	free(text);
}

static void an_exhausted_search_is_unknown_never_valid(void **state)
{
	char *text = random_history(2000, 14);
	struct check_opts o;

	(void)state;
	check_opts_default(&o);
	o.budget = 20;
	assert_int_equal(run_opts(text, NULL, &o), 1);
	report_has("linearizable 0/8 registers, INVALID");
	report_has("unknown (search budget: 20 steps");
	free(text);
}

/* Figures ---------------------------------------------------------------- */

static void failure_to_error_and_recovery_times_are_measured(void **state)
{
	(void)state;
	assert_int_equal(run("fault 1000ms 3000ms kill 2\n"
			     "op 500ms 1.1 invoke read r1 nil\n"
			     "op 1400ms 1.1 fail read r1 nil ERR_DEAD\n"
			     "op 600ms 3.1 invoke read r1 nil\n"
			     "op 2000ms 3.1 info read r1 nil ERR_TIMEOUT\n"
			     "op 3100ms 1.1 invoke read r1 nil\n"
			     "op 3300ms 1.1 ok read r1 nil\n"
			     "fault 4000ms 4000ms reboot 3\n"
			     "fault 5000ms 9000ms pause 3\n"
			     "end 9000ms\n"),
			 0);
	report_has("faults: 3 (kill 1, pause 1, reboot 1)");
	report_has("ops: read 3 (ok 1, fail 1, info 1, no completion 0)");
	report_has("failure-to-error: n 2, min 400.0 ms, median 400.0 ms, "
		   "p90 1000.0 ms, max 1000.0 ms");
	report_has("recovery: n 1, min 300.0 ms, median 300.0 ms, p90 300.0 "
		   "ms, max 300.0 ms; 1 fault with no ok op after its end, 1 "
		   "in effect until the end of the run");
}

static void the_first_line_is_the_summary(void **state)
{
	struct check_opts o;
	char svg[300];

	(void)state;
	check_opts_default(&o);
	snprintf(svg, sizeof(svg), "%s/t.svg", dir);
	assert_int_equal(run_opts("fault 0ms 10ms pause 1\n" TWO_WRITES
				  "op 60ms 3.1 ok read r1 b\n",
				  svg, &o),
			 0);
	char expect[512];
	snprintf(expect, sizeof(expect),
		 "check: 3 ops (ok 3, fail 0, unknown 0), 1 faults: lost 0, "
		 "duplicated 0, hung 0, linearizable 1/1 registers, valid; "
		 "timeline %s\n",
		 svg);
	assert_memory_equal(report, expect, strlen(expect));
}

static void records_in_any_order_give_the_same_result(void **state)
{
	(void)state;
	assert_int_equal(run("op 60ms 3.1 ok read r1 a\n"
			     "op 40ms 2.1 ok write r1 b\n"
			     "op 20ms 1.1 ok write r1 a\n"
			     "op 50ms 3.1 invoke read r1 nil\n"
			     "op 30ms 2.1 invoke write r1 b\n"
			     "op 10ms 1.1 invoke write r1 a\n"),
			 1);
	report_has("violating slice, 3 ops:");
}

/* Malformed files -------------------------------------------------------- */

static void refused(const char *text, int line, const char *needle)
{
	char expect[64];

	if (run(text) != 2)
		fail_msg("accepted: %s\nreport: %s", text, report);
	snprintf(expect, sizeof(expect), "/h.txt:%d: ", line);
	if (!strstr(report, expect) || !strstr(report, needle))
		fail_msg("expected line %d with \"%s\", got: %s", line, needle,
			 report);
	report_lacks("check: ");
}

static void malformed_lines_are_refused_with_their_line(void **state)
{
	(void)state;
	refused("# uk history 1\nhello 1 2\n", 2, "unknown record 'hello'");
	refused("op 10ms 1.1 invoke read r1\n", 1, "op needs");
	refused("op 10ms 1.1 invoke read r1 nil - extra\n", 1, "op needs");
	refused("op -5 1.1 invoke read r1 nil\n", 1, "time '-5'");
	refused("op 12x 1.1 invoke read r1 nil\n", 1, "time '12x'");
	refused("op 99999999999999999999 1.1 invoke read r1 nil\n", 1,
		"is not a time");
	refused("op 10ms node1 invoke read r1 nil\n", 1, "process 'node1'");
	refused("op 10ms 1.1.3 invoke read r1 nil\n", 1, "process '1.1.3'");
	refused("op 10ms 0.1 invoke read r1 nil\n", 1, "process '0.1'");
	refused("op 10ms 1.1 started read r1 nil\n", 1, "type 'started'");
	refused("op 10ms 1.1 invoke delete r1 nil\n", 1, "f 'delete'");
	refused("op 10ms 1.1 ok read r1 nil\n", 1,
		"ok by 1.1 without an invoke");
	refused("op 10ms 1.1 invoke read r1 nil\n"
		"op 20ms 1.1 ok write r1 nil\n",
		2, "completes the read r1 invoked at line 1");
	refused("op 10ms 1.1 invoke read r1 nil\n"
		"op 20ms 1.1 ok read r2 nil\n",
		2, "completes the read r1");
	refused("op 10ms 1.1 invoke write r1 a\n"
		"op 20ms 1.1 ok write r1 b\n",
		2, "value 'b' differs from the invoke's 'a' (line 1)");
	refused("op 10ms 1.1 invoke write r1 a\n"
		"op 20ms 1.1 invoke write r1 b\n",
		2, "while its write of line 1 has no completion");
	refused("op 10ms 1.1 invoke read r1 nil ERR_DEAD\n", 1,
		"carries no error");
	refused("fault 20ms 10ms kill 1\n", 1, "ends (10000000) before");
	refused("fault 10ms 20ms explode 1\n", 1, "fault kind 'explode'");
	refused("fault 10ms 20ms kill all\n", 1, "kill target 'all'");
	refused("fault 10ms 20ms partition 1,2\n", 1, "partition '1,2'");
	refused("fault 10ms 20ms partition 1,/3\n", 1, "partition '1,/3'");
	refused("fault 10ms 20ms loss 2\n", 1, "loss needs a percent");
	refused("fault 10ms 20ms loss 2 130%\n", 1, "loss needs a percent");
	refused("fault 10ms\n", 1, "fault needs");
	refused("deadline 5s\n", 1, "deadline '5s'");
	refused("deadline 0\n", 1, "deadline 0");
	refused("end 10ms\nend 20ms\n", 2, "a second end line");
}

static void well_formed_variants_are_accepted(void **state)
{
	(void)state;
	assert_int_equal(run("# uk history 1: a comment of more than eight words, as the collector writes\n\n"
			     "fault 10ms 20ms partition 1,2/3,p1\n"
			     "fault 10ms 20ms loss 2 30%\n"
			     "fault 10ms 20ms link 2 down\r\n"
			     "op 10ms 1.2.b3 invoke read r1 nil -\n"
			     "op 20ms 1.2.b3 ok read r1 nil -\n"),
			 0);
}

static void an_unreadable_file_is_status_2(void **state)
{
	struct check_opts o;
	FILE *out = fmemopen(report, sizeof(report), "w");

	(void)state;
	check_opts_default(&o);
	assert_int_equal(check_run("/nonexistent/history", NULL, &o, out), 2);
	fclose(out);
	report_has("/nonexistent/history: cannot read: No such file");
}

/* The timeline ----------------------------------------------------------- */

static unsigned count(const char *s, const char *needle)
{
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void the_timeline_has_a_bar_per_op_and_outlines_violations(void **state)
{
	struct check_opts o;
	char svg[300];

	(void)state;
	check_opts_default(&o);
	snprintf(svg, sizeof(svg), "%s/t.svg", dir);
	assert_int_equal(
	    run_opts("fault 5ms 45ms partition 1,2/3\n"
		     "fault 12ms 14ms pause 2\n" TWO_WRITES
		     "op 60ms 3.1 ok read r1 a\n"
		     "op 61ms 3.1 invoke read r1 nil\n"
		     "op 70ms 3.1 fail read r1 nil ERR_DEAD\n"
		     "op 71ms 2.1 invoke write r1 <&\">\x01\xff\n"
		     "op 7000ms 2.1 info write r1 <&\">\x01\xff ERR_TIMEOUT\n",
		     svg, &o),
	    1);
	report_has("; timeline ");
	size_t len;
	FILE *f = fopen(svg, "r");
	assert_non_null(f);
	static char text[1 << 16];
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = 0;
	assert_memory_equal(text, "<svg ", 5);
	assert_non_null(strstr(text, "</svg>\n"));
	/* One bar per op, by outcome: 3 ok, 1 fail, 1 hung. */
	unsigned ok = count(text, "class=\"k\"><title>") +
		      count(text, "class=\"k v\"><title>");
	assert_int_equal(ok, 3);
	assert_int_equal(count(text, "class=\"f\"><title>"), 1);
	assert_int_equal(count(text, "class=\"h v\"><title>"), 1);
	/* The slice (3 ops) and the hung write are outlined. */
	assert_int_equal(count(text, " v\"><title>"), 4);
	/* Faults: the partition over nodes 1, 2, 3, the pause on 2. */
	assert_int_equal(count(text, "class=\"b partition\"><title>"), 3);
	assert_int_equal(count(text, "class=\"b pause\"><title>"), 1);
	assert_non_null(strstr(text, "partition 1,2/3"));
	/* Every bar and band has a tooltip; text is escaped. */
	assert_int_equal(count(text, "<title>"), 5 + 4);
	assert_null(strstr(text, "<&\""));
	assert_non_null(strstr(
	    text, "2.1 write r1 &lt;&amp;&quot;&gt;?? info ERR_TIMEOUT"));
	/* Lanes per node, rows per process. */
	assert_non_null(strstr(text, ">node 3</text>"));
	assert_non_null(strstr(text, ">2.1</text>"));
}

static void an_unwritable_timeline_is_status_2(void **state)
{
	struct check_opts o;

	(void)state;
	check_opts_default(&o);
	assert_int_equal(run_opts(TWO_WRITES "op 60ms 3.1 ok read r1 b\n",
				  "/nonexistent/t.svg", &o),
			 2);
	report_has("/nonexistent/t.svg: cannot write");
	report_lacks("; timeline");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_acked_append_in_the_final_read_is_valid),
	    cmocka_unit_test(a_lost_acked_append_is_reported),
	    cmocka_unit_test(
		an_append_acked_during_the_final_read_may_be_missing),
	    cmocka_unit_test(the_last_final_read_is_the_one_checked),
	    cmocka_unit_test(an_append_key_without_a_final_read_is_an_error),
	    cmocka_unit_test(a_duplicated_token_is_reported),
	    cmocka_unit_test(a_phantom_token_is_reported),
	    cmocka_unit_test(a_failed_append_in_the_final_read_is_reported),
	    cmocka_unit_test(
		a_register_read_of_a_value_never_written_is_a_phantom),
	    cmocka_unit_test(an_op_past_the_deadline_is_hung),
	    cmocka_unit_test(time_its_own_node_was_paused_is_not_a_hang),
	    cmocka_unit_test(an_op_that_died_with_its_node_is_info_not_hung),
	    cmocka_unit_test(
		a_process_reused_after_its_node_died_starts_afresh),
	    cmocka_unit_test(
		a_read_of_nil_after_an_acked_write_is_not_linearizable),
	    cmocka_unit_test(a_stale_read_across_processes_is_not_linearizable),
	    cmocka_unit_test(
		concurrent_ops_and_late_info_writes_are_linearizable),
	    cmocka_unit_test(skew_makes_the_check_more_permissive_only),
	    cmocka_unit_test(the_violating_slice_is_small),
	    cmocka_unit_test(a_slice_keeps_the_writes_its_reads_saw),
	    cmocka_unit_test(the_search_agrees_with_brute_force),
	    cmocka_unit_test(two_thousand_register_ops_check_quickly),
	    cmocka_unit_test(an_exhausted_search_is_unknown_never_valid),
	    cmocka_unit_test(failure_to_error_and_recovery_times_are_measured),
	    cmocka_unit_test(the_first_line_is_the_summary),
	    cmocka_unit_test(records_in_any_order_give_the_same_result),
	    cmocka_unit_test(malformed_lines_are_refused_with_their_line),
	    cmocka_unit_test(well_formed_variants_are_accepted),
	    cmocka_unit_test(an_unreadable_file_is_status_2),
	    cmocka_unit_test(
		the_timeline_has_a_bar_per_op_and_outlines_violations),
	    cmocka_unit_test(an_unwritable_timeline_is_status_2),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
