/* SPDX-License-Identifier: MIT */
/* Seeded fault schedules (cluster/chaos.c), the chaos and check scenario
 * steps, and the history collector (cluster/collect.c) on made-up node
 * logs: node clocks with their own offsets and rates mapped onto the
 * host's timeline, faults from the host's log lines, boots in process
 * names, final reads put together from their parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chaos.h"
#include "collect.h"
#include "history.h"
#include "scenario.h"

static struct chaos_fault a[CHAOS_MAX_FAULTS], b[CHAOS_MAX_FAULTS];

static void spec_of(const char *words, struct chaos_spec *spec, int want)
{
	char buf[512], *w[32], *save = NULL, why[256] = "";
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", words);
	for (char *p = strtok_r(buf, " ", &save); p && n < 32;
	     p = strtok_r(NULL, " ", &save))
		w[n++] = p;
	int rc = chaos_parse(w, n, 5, spec, why, sizeof(why));
	if (rc != want)
		fail_msg("chaos_parse(%s) = %d: %s", words, rc, why);
	spec->duration_ms = 600000;
}

static void same_seed_same_schedule(void **state)
{
	struct chaos_spec s;
	(void)state;

	spec_of("seed=42", &s, 0);
	size_t n = chaos_plan(&s, 5, a, CHAOS_MAX_FAULTS);
	size_t m = chaos_plan(&s, 5, b, CHAOS_MAX_FAULTS);
	assert_true(n > 50);
	assert_int_equal(n, m);
	assert_memory_equal(a, b, n * sizeof(a[0]));
	s.seed = 43;
	m = chaos_plan(&s, 5, b, CHAOS_MAX_FAULTS);
	assert_true(m != n || memcmp(a, b, n * sizeof(a[0])));
	/* Every kind turns up in a 10-minute schedule. */
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++)
		seen |= 1u << a[i].kind;
	assert_int_equal(seen, (1u << CHAOS_KINDS) - 1);
}

static void schedule_respects_spec(void **state)
{
	struct chaos_spec s;
	(void)state;

	spec_of("seed=7 kinds=pause,partition,loss nodes=2,3 gap=500ms-1s "
		"hold=2s-3s loss=30-40",
		&s, 0);
	size_t n = chaos_plan(&s, 5, a, CHAOS_MAX_FAULTS);
	assert_true(n > 100);
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++) {
		const struct chaos_fault *f = &a[i];
		assert_true(f->kind == CHAOS_PAUSE ||
			    f->kind == CHAOS_PARTITION ||
			    f->kind == CHAOS_LOSS);
		assert_true(f->node == 2 || f->node == 3);
		/* One at a time, a gap apart, inside the duration. */
		assert_true(f->at_ms >= end + 500 && f->at_ms <= end + 1000);
		assert_true(f->at_ms + f->hold_ms <= s.duration_ms);
		if (f->at_ms + 2000 <= s.duration_ms)
			assert_true(f->hold_ms >= 2000 && f->hold_ms <= 3000);
		end = f->at_ms + f->hold_ms;
		if (f->kind == CHAOS_LOSS)
			assert_true(f->percent >= 30 && f->percent <= 40);
		if (f->kind == CHAOS_PARTITION) {
			/* Two non-empty sides, the node on the first. */
			const char *slash = strstr(f->partition, " / ");
			char node[8];
			assert_non_null(slash);
			assert_true(slash > f->partition && slash[3]);
			snprintf(node, sizeof(node), "%u", f->node);
			const char *hit = strstr(f->partition, node);
			assert_true(hit && hit < slash);
		}
	}
}

static void bad_specs_refused(void **state)
{
	struct chaos_spec s;
	(void)state;

	spec_of("kinds=kill,crash", &s, -1);
	spec_of("nodes=6", &s, -1);
	spec_of("gap=4s-1s", &s, -1);
	spec_of("hold=0", &s, -1);
	spec_of("loss=0-20", &s, -1);
	spec_of("seed=x1", &s, -1);
	spec_of("colour=red", &s, -1);
	spec_of("seed", &s, -1);
}

static void scenario_steps(void **state)
{
	struct scenario scn;
	struct scenario_error err;
	const char *ok = "config\n\tnodes 3\nend\nboot\n"
			 "chaos 60s seed=9 kinds=kill,pause nodes=2,3\n"
			 "check deadline=3s skew=5ms\ndown\n";
	(void)state;

	assert_int_equal(scenario_parse(ok, strlen(ok), &scn, &err), 0);
	assert_int_equal(scn.steps[1].kind, STEP_CHAOS);
	assert_int_equal(scn.steps[1].chaos.duration_ms, 60000);
	assert_int_equal(scn.steps[1].chaos.seed, 9);
	assert_int_equal(scn.steps[1].chaos.nodes, 6);
	assert_int_equal(scn.steps[2].kind, STEP_CHECK);
	assert_int_equal(scn.steps[2].duration_ms, 3000);
	assert_int_equal(scn.steps[2].skew_us, 5000);
	scenario_free(&scn);

	static const struct {
		const char *text;
		int line;
		const char *why;
	} bad[] = {
	    {"config\n\tnodes 3\nend\nboot\nchaos 10s nodes=4\n", 5,
	     "does not have"},
	    {"config\n\tnodes 1\nend\nboot\nchaos 10s\n", 5, "partition"},
	    {"boot\nchaos\n", 2, "usage: chaos DURATION"},
	    {"boot\nchaos 10s kinds=fire\n", 2, "unknown fault kind 'fire'"},
	    {"boot\ncheck deadline=soon\n", 2, "usage: check"},
	    {"chaos 10s\n", 1, "needs a running cluster"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(scenario_parse(bad[i].text,
						strlen(bad[i].text), &scn,
						&err),
				 -1);
		if (err.line != bad[i].line || !strstr(err.message, bad[i].why))
			fail_msg("%s: line %d: %s", bad[i].text, err.line,
				 err.message);
	}
}

/* ---- the collector ---- */

static char dir[64];

static void write_log(unsigned node, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/node%u.log", dir, node);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *collect(unsigned nodes, int want)
{
	char paths[4][128], why[256] = "";
	const char *ptrs[4];
	struct collect_stats st;
	char *buf = NULL;
	size_t len = 0;

	for (unsigned i = 0; i < nodes; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/node%u.log", dir,
			 i + 1);
		ptrs[i] = access(paths[i], R_OK) ? NULL : paths[i];
	}
	FILE *out = open_memstream(&buf, &len);
	int rc = history_collect(ptrs, nodes, 5000000000ull, 0, out, &st, why,
				 sizeof(why));
	fclose(out);
	if (rc != want)
		fail_msg("collect = %d: %s", rc, why);
	if (rc) {
		free(buf);
		buf = strdup(why);
	}
	return buf;
}

/* What the collector writes, the checker reads. */
static void checker_reads(const char *hist)
{
	struct history h;
	struct history_error e;

	if (history_parse(hist, strlen(hist), "collected", &h, &e))
		fail_msg("the checker refuses the collector's history: line "
			 "%d: %s\n%s",
			 e.line, e.message, hist);
	history_free(&h);
}

static long long op_time(const char *hist, const char *needle)
{
	const char *p = strstr(hist, needle);
	if (!p)
		fail_msg("no '%s' in:\n%s", needle, hist);
	while (p > hist && p[-1] != '\n')
		p--;
	long long t;
	assert_int_equal(sscanf(p, "op %lld", &t), 1);
	return t;
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/uk-collect-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/*
 * Node 1's clock reads host time - 1 s; node 2's reads host time + 5 s
 * and runs 1 % fast. Each line reaches the log 0 to 30 ms late; the
 * least delayed ones fix the map, so operations order by when they
 * happened, not by when the host read them.
 */
static void clocks_mapped(void **state)
{
	(void)state;
	/* Node 1: a write at host 1.000 s, logged 30 ms late; its ok at
	 * 1.050 s, logged on time; more prompt lines around it. */
	write_log(1, "10:00:00.000 +   0.010 # boot: power on\n"
		     "10:00:00.000 +   0.500 | hist 1.1 invoke read r1 nil - "
		     "-500000000\n"
		     "10:00:00.000 +   0.600 | hist 1.1 ok read r1 nil - "
		     "-400000000\n"
		     "10:00:01.000 +   1.030 | hist 1.1 invoke write r1 1.1.1 "
		     "- 0\n"
		     "10:00:01.000 +   1.050 | hist 1.1 ok write r1 1.1.1 - "
		     "50000000\n"
		     "10:00:02.000 +   2.000 | hist 1.1 invoke read r1 nil - "
		     "1000000000\n"
		     "10:00:02.000 +   2.100 | hist 1.1 ok read r1 1.1.1 - "
		     "1100000000\n");
	/* Node 2 (1 % fast: g = 5e9 + 1.01 * host): a read invoked at host
	 * 1.040 s (after node 1's write began, before the host read it)
	 * and logged 25 ms late at 1.065. */
	write_log(2, "10:00:00.000 +   0.020 # boot: power on\n"
		     "10:00:00.000 +   0.500 | hist 2.1 invoke read r1 nil - "
		     "5505000000\n"
		     "10:00:00.000 +   0.600 | hist 2.1 ok read r1 nil - "
		     "5606000000\n"
		     "10:00:01.000 +   1.065 | hist 2.1 invoke write r1 2.1.1 "
		     "- 6050400000\n"
		     "10:00:01.000 +   1.100 | hist 2.1 ok write r1 2.1.1 - "
		     "6111000000\n"
		     "10:00:02.000 +   2.000 | hist 2.1 invoke read r1 nil - "
		     "7020000000\n");
	char *h = collect(2, 0);
	long long w1 = op_time(h, "1.1 invoke write r1 1.1.1");
	long long w2 = op_time(h, "2.1 invoke write r1 2.1.1");
	/* Node 1's write at 1.000 s, not at 1.030 s when it was logged. */
	assert_true(w1 >= 995000000 && w1 <= 1001000000);
	/* Node 2's at 1.040 s, not 1.065 s; the 1 % rate is followed. */
	if (!(w2 >= 1035000000 && w2 <= 1041000000))
		fail_msg("node 2's write mapped to %lld ns:\n%s", w2, h);
	assert_true(w1 < w2);
	/* Sorted by time; the header and deadline are there. */
	assert_non_null(strstr(h, "deadline 5000000000\n"));
	assert_non_null(strstr(h, "end 2100000000\n"));
	checker_reads(h);
	free(h);
}

static void faults_and_boots(void **state)
{
	(void)state;
	write_log(1, "10:00:00.000 +   0.010 # boot: power on\n"
		     "10:00:00.000 +   1.000 # net: partition 1 / 2,3\n"
		     "10:00:00.000 +   3.000 # net: healed (no partition, no "
		     "loss)\n"
		     "10:00:00.000 +   4.000 # net: loss 30%\n"
		     "10:00:00.000 +   4.500 # net: loss 0%\n"
		     "10:00:00.000 +   5.000 # link: down\n"
		     "10:00:00.000 +   5.700 # link: up\n");
	write_log(2, "10:00:00.000 +   0.010 # boot: power on\n"
		     "10:00:00.000 +   0.500 | hist 2.1 invoke write r1 2.1.1 "
		     "- 100\n"
		     "10:00:00.000 +   1.000 # net: partition 1 / 2,3\n"
		     "10:00:00.000 +   2.000 # power: off (killed by host)\n"
		     "10:00:00.000 +   2.500 # boot: power on\n"
		     "10:00:00.000 +   3.000 | init: ready\n"
		     "10:00:00.000 +   3.200 | hist 2.1 invoke read r1 nil - "
		     "5000\n"
		     "10:00:00.000 +   3.300 | hist 2.1 ok read r1 2.1.1 - "
		     "100005000\n"
		     "10:00:00.000 +   6.000 # state: paused\n"
		     "10:00:00.000 +   7.000 # state: running\n"
		     "10:00:00.000 +   8.000 # boot: reset by host\n"
		     "10:00:00.000 +   9.000 | init: ready\n"
		     "10:00:00.000 +   9.500 | hist 2.1 invoke append /a 2.1.1 - "
		     "5000\n"
		     "10:00:00.000 +   9.600 | hist 2.1 ok append /a 2.1.1 - "
		     "100000000\n"
		     "10:00:00.000 +   9.700 | hist 2.2 invoke final /a nil - "
		     "200000000\n"
		     "10:00:00.000 +   9.800 | hist 2.2 part final /a "
		     "1.1.1,2.1.1 - 300000000\n"
		     "10:00:00.000 +   9.800 | hist 2.2 part final /a 1.1.2 - "
		     "300000001\n"
		     "10:00:00.000 +   9.900 | hist 2.2 ok final /a 3 - "
		     "400000000\n"
		     "10:00:00.000 +  10.000 # state: paused\n");
	char *h = collect(3, 0);
	static const char *const want[] = {
	    "fault 1000000000 3000000000 partition 1/2,3\n",
	    "fault 4000000000 4500000000 loss 1 30\n",
	    "fault 5000000000 5700000000 link 1\n",
	    "fault 2000000000 2500000000 kill 2\n",
	    "fault 6000000000 7000000000 pause 2\n",
	    "fault 8000000000 9000000000 reboot 2\n",
	    "fault 10000000000 10000000000 pause 2\n",
	    /* Boot 1 is plain; boot 2 (after the kill) and 3 are named. */
	    " 2.1 invoke write r1 2.1.1\n",
	    " 2.1.b2 ok read r1 2.1.1\n",
	    " 2.1.b3 ok append /a 2.1.1\n",
	    " 2.2.b3 ok final /a 1.1.1,2.1.1,1.1.2\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(h, want[i]))
			fail_msg("no '%s' in:\n%s", want[i], h);
	/* The partition is recorded once, not once per node log. */
	assert_null(strstr(strstr(h, "partition") + 1, "partition"));
	checker_reads(h);
	free(h);
}

static void lost_console_lines_refused(void **state)
{
	(void)state;
	write_log(1, "10:00:00.000 +   0.010 # boot: power on\n"
		     "10:00:00.000 +   9.700 | hist 1.2 invoke final /a nil - "
		     "200000000\n"
		     "10:00:00.000 +   9.800 | hist 1.2 part final /a 1.1.1 - "
		     "300000000\n"
		     "10:00:00.000 +   9.900 | hist 1.2 ok final /a 2 - "
		     "400000000\n");
	char *why = collect(1, -1);
	assert_non_null(strstr(why, "says 2 tokens but its lines hold 1"));
	free(why);
	write_log(1, "10:00:00.000 +   0.010 | hist 1.2 invoke\n");
	why = collect(1, -1);
	assert_non_null(strstr(why, "malformed history line"));
	free(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_seed_same_schedule),
	    cmocka_unit_test(schedule_respects_spec),
	    cmocka_unit_test(bad_specs_refused),
	    cmocka_unit_test(scenario_steps),
	    cmocka_unit_test_setup_teardown(clocks_mapped, setup_dir,
					    remove_dir),
	    cmocka_unit_test_setup_teardown(faults_and_boots, setup_dir,
					    remove_dir),
	    cmocka_unit_test_setup_teardown(lost_console_lines_refused,
					    setup_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
