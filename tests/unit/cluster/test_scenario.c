/* SPDX-License-Identifier: MIT */
/* The scenario parser (cluster/scenario.c) and the partition syntax it
 * shares with the tool (cluster/faults.c): what each step means, and that
 * a malformed file is refused with its line before anything boots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "faults.h"
#include "scenario.h"

static struct scenario scn;
static struct scenario_error err;

static int parse(const char *text)
{
	scenario_free(&scn);
	return scenario_parse(text, strlen(text), &scn, &err);
}

static void refused(const char *text, int line, const char *needle)
{
	assert_int_equal(parse(text), -1);
	if (err.line != line || !strstr(err.message, needle))
		fail_msg("expected line %d with \"%s\", got line %d: %s", line,
			 needle, err.line, err.message);
	assert_null(scn.steps);
}

static int teardown(void **state)
{
	(void)state;
	scenario_free(&scn);
	return 0;
}

static void minimal_scenario_boots_and_waits(void **state)
{
	(void)state;
	assert_int_equal(parse("# boot and wait\nboot\n"
			       "wait all \"init: ready\" 60s\n"),
			 0);
	assert_int_equal(scn.count, 2);
	assert_int_equal(scn.steps[0].kind, STEP_BOOT);
	assert_int_equal(scn.steps[0].line, 2);
	assert_int_equal(scn.steps[1].kind, STEP_WAIT);
	assert_int_equal(scn.steps[1].target.kind, TARGET_ALL);
	assert_string_equal(scn.steps[1].text, "init: ready");
	assert_int_equal(scn.steps[1].duration_ms, 60000);
	assert_string_equal(scn.steps[1].source,
			    "wait all \"init: ready\" 60s");
	/* No config: the built-in cluster. */
	assert_int_equal(scn.config.nodes, 3);
}

static void inline_config_sets_the_cluster(void **state)
{
	(void)state;
	assert_int_equal(parse("config\n  nodes 2\n  probes 1\n  node 2\n"
			       "    role storage\nend\nboot\nkill 2\n"),
			 0);
	assert_true(scn.inline_config);
	assert_int_equal(scn.config.nodes, 2);
	assert_int_equal(scn.config.probes, 1);
	assert_string_equal(scn.config.node[1].role, "storage");
	assert_int_equal(scn.steps[1].kind, STEP_KILL);
	assert_int_equal(scn.steps[1].target.index, 2);
}

static void config_file_is_recorded_for_later_checks(void **state)
{
	struct cluster_config cfg;

	(void)state;
	assert_int_equal(parse("config ../lab.conf\nboot\nkill 7\n"), 0);
	assert_string_equal(scn.config_path, "../lab.conf");
	config_default(&cfg);
	assert_int_equal(scenario_check(&scn, &cfg, &err), -1);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "node 7 does not exist"));
	cfg.nodes = 8;
	assert_int_equal(scenario_check(&scn, &cfg, &err), 0);
}

static void every_step_kind_parses(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("config\nprobes 2\nend\n"
		  "boot\n"
		  "expect 2 \"pxe: tftp sent node2\\\\.ipxe\" within 30s\n"
		  "absent all panic 2s\n"
		  "silent 3 1500ms\n"
		  "send 1 \"echo hi # not a comment\"\n"
		  "kill 3\nstart node3\npause 2\nresume 2\nreboot 1\n"
		  "link 2 down\n"
		  "partition 1,p1 / 2, 3 ,p2\n"
		  "heal\n"
		  "loss p1 30%\n"
		  "state all running\n"
		  "link-state 2 up\n"
		  "ping p1 p2 count 200 expect 10%-60%\n"
		  "ping host 3 expect none\n"
		  "mark\n"
		  "elapsed <= 1m\n"
		  "sleep 0.5s\n"
		  "echo partition healed\n"
		  "down\n"),
	    0);
	assert_int_equal(scn.count, 23);
	const struct step *s = scn.steps;
	assert_int_equal(s[1].kind, STEP_EXPECT);
	assert_string_equal(s[1].text, "pxe: tftp sent node2\\.ipxe");
	assert_int_equal(s[1].duration_ms, 30000);
	assert_int_equal(s[2].kind, STEP_ABSENT);
	assert_int_equal(s[2].target.kind, TARGET_ALL);
	assert_int_equal(s[3].kind, STEP_SILENT);
	assert_int_equal(s[3].duration_ms, 1500);
	assert_int_equal(s[4].kind, STEP_SEND);
	assert_string_equal(s[4].text, "echo hi # not a comment");
	assert_string_equal(s[4].source, "send 1 \"echo hi # not a comment\"");
	assert_int_equal(s[6].kind, STEP_START);
	assert_int_equal(s[6].target.index, 3);
	assert_int_equal(s[10].kind, STEP_LINK);
	assert_int_equal(s[10].value, 0);
	assert_int_equal(s[11].kind, STEP_PARTITION);
	assert_string_equal(s[11].text, "1,p1 / 2, 3 ,p2");
	assert_int_equal(s[13].kind, STEP_LOSS);
	assert_int_equal(s[13].target.kind, TARGET_PROBE);
	assert_int_equal(s[13].value, 30);
	assert_int_equal(s[14].kind, STEP_STATE);
	assert_int_equal(s[14].value, STATE_RUNNING);
	assert_int_equal(s[15].kind, STEP_LINK_STATE);
	assert_int_equal(s[15].value, 1);
	assert_int_equal(s[16].kind, STEP_PING);
	assert_int_equal(s[16].target.kind, TARGET_PROBE);
	assert_int_equal(s[16].target2.index, 2);
	assert_int_equal(s[16].value, 200);
	assert_int_equal(s[16].lo, 10);
	assert_int_equal(s[16].hi, 60);
	assert_int_equal(s[17].target.kind, TARGET_HOST);
	assert_int_equal(s[17].value, 10);
	assert_int_equal(s[17].hi, 0);
	assert_int_equal(s[19].kind, STEP_ELAPSED);
	assert_int_equal(s[19].cmp, CMP_LE);
	assert_int_equal(s[19].duration_ms, 60000);
	assert_int_equal(s[20].duration_ms, 500);
	assert_string_equal(s[21].text, "partition healed");
	assert_int_equal(s[22].kind, STEP_DOWN);
}

static void comments_after_steps_are_not_part_of_them(void **state)
{
	(void)state;
	assert_int_equal(parse("boot   # start it\nkill 2 # power cut\n"), 0);
	assert_string_equal(scn.steps[0].source, "boot");
	assert_string_equal(scn.steps[1].source, "kill 2");
}

static void a_cluster_can_be_booted_again_after_down(void **state)
{
	(void)state;
	assert_int_equal(parse("boot\ndown\nboot\ndown\n"), 0);
	assert_int_equal(scn.count, 4);
}

static void unknown_step_is_refused_with_its_line(void **state)
{
	(void)state;
	refused("boot\n\nreboots 2\n", 3, "unknown step 'reboots'");
}

static void steps_need_a_running_cluster(void **state)
{
	(void)state;
	refused("kill 2\n", 1, "kill needs a running cluster");
	refused("boot\ndown\nwait 1 x 1s\n", 3, "wait needs a running cluster");
	refused("boot\nboot\n", 2, "already up");
	refused("down\n", 1, "down before boot");
	/* Bookkeeping steps do not. */
	assert_int_equal(
	    parse("mark\necho hi\nsleep 1ms\nelapsed < 1s\nboot\n"), 0);
}

static void deadlines_and_durations_are_required(void **state)
{
	(void)state;
	refused("boot\nwait 1 \"init\"\n", 2, "usage: wait");
	refused("boot\nwait 1 init soon\n", 2, "needs a deadline");
	refused("boot\nexpect 1 init 0s\n", 2, "needs a deadline");
	refused("boot\nwait 1 init 5s extra\n", 2, "needs a deadline");
	refused("boot\nsilent 1 forever\n", 2, "not a duration");
	refused("sleep 3h\n", 1, "not a duration");
	refused("elapsed ~ 3s\n", 1, "compares with");
}

static void bad_patterns_are_refused_before_booting(void **state)
{
	(void)state;
	refused("boot\nwait 1 \"init: (ready\" 5s\n", 2, "bad pattern");
	refused("boot\nwait 1 \"\" 5s\n", 2, "empty pattern");
	refused("boot\nwait 1 \"init 5s\n", 2, "unterminated quote");
}

static void nodes_and_probes_must_exist(void **state)
{
	(void)state;
	refused("boot\nkill 4\n", 2,
		"node 4 does not exist (the cluster has 3 nodes)");
	refused("config\nnodes 2\nend\nboot\nwait 3 x 1s\n", 5,
		"node 3 does not exist");
	refused("boot\nloss p1 10\n", 2, "probe p1 does not exist");
	refused("boot\nping p1 host expect all\n", 2,
		"probe p1 does not exist");
	refused("boot\nkill all\n", 2, "is not a node");
	refused("boot\nkill p1\n", 2, "is not a node");
	refused("boot\nwait host x 1s\n", 2, "is not a node");
}

static void bad_arguments_are_refused(void **state)
{
	(void)state;
	refused("boot\nlink 1 sideways\n", 2, "link is up or down");
	refused("boot\nstate 1 asleep\n", 2, "state is running, paused or off");
	refused("boot\nloss 1 150\n", 2, "loss is a percentage");
	refused("boot\nsend 1\n", 2, "usage: send");
	refused("boot\nsend 1 \"two\\nlines\"\n", 2, "send takes one line");
	refused("boot\nheal now\n", 2, "usage: heal");
}

static void partitions_are_checked(void **state)
{
	(void)state;
	refused("boot\npartition 1,2\n", 2, "at least two groups");
	refused("boot\npartition 1 / 1,2\n", 2, "1 is in groups 1 and 2");
	refused("boot\npartition 1 / / 2\n", 2,
		"group 2 of the partition is empty");
	refused("boot\npartition 1 / x\n", 2, "'x' is not a node");
	refused("boot\npartition 1 / 9\n", 2, "node 9 does not exist");
	refused("boot\npartition 1 / p1\n", 2, "probe p1 does not exist");
}

static void pings_are_checked(void **state)
{
	(void)state;
	refused("config\nprobes 1\nend\nboot\nping 1 p1 expect all\n", 5,
		"sent from a probe");
	refused("config\nprobes 1\nend\nboot\nping p1 p1 expect all\n", 5,
		"two different hosts");
	refused("config\nprobes 2\nend\nboot\nping p1 p2 expect 60%-10%\n", 5,
		"expect all, none or a range");
	refused("config\nprobes 2\nend\nboot\nping p1 p2 expect most\n", 5,
		"expect all, none or a range");
	refused("config\nprobes 2\nend\nboot\nping p1 p2 count 0 expect all\n",
		5, "count must be");
	refused("config\nprobes 2\nend\nboot\nping p1 p2\n", 5, "usage: ping");
}

static void config_mistakes_are_refused(void **state)
{
	(void)state;
	refused("boot\nconfig\nend\n", 2, "before the first step");
	refused("config a.conf\nconfig b.conf\nboot\n", 2, "a second config");
	refused("config\nnodes 2\nboot\n", 1, "not closed with \"end\"");
	/* An error inside the block points at the scenario's line. */
	refused("# lab\nconfig\nnodes 2\nmemroy 4\nend\nboot\n", 4,
		"config: unknown key 'memroy'");
	refused("config one two\nboot\n", 1, "usage: \"config FILE\"");
}

static void empty_scenario_is_refused(void **state)
{
	(void)state;
	refused("# nothing\n", 0, "no steps");
	refused("", 0, "no steps");
}

static void partition_parser_fills_groups(void **state)
{
	struct fault_state fs;
	char why[200], desc[200];

	(void)state;
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(
	    partition_parse("1,p1 / 2 3,p2 / 4", 4, 2, &fs, why, sizeof(why)),
	    0);
	assert_int_equal(fs.groups, 3);
	assert_int_equal(fs.node_group[1], 1);
	assert_int_equal(fs.probe_group[1], 1);
	assert_int_equal(fs.node_group[2], 2);
	assert_int_equal(fs.node_group[3], 2);
	assert_int_equal(fs.probe_group[2], 2);
	assert_int_equal(fs.node_group[4], 3);
	partition_describe(&fs, desc, sizeof(desc));
	assert_string_equal(desc, "1,p1 / 2,3,p2 / 4");
}

static void fault_rules_drop_between_groups_and_at_lossy_ports(void **state)
{
	struct fault_state fs;
	char why[200], rules[8192];

	(void)state;
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(
	    partition_parse("1 / 2,p1", 2, 1, &fs, why, sizeof(why)), 0);
	fs.node_loss[2] = 30;
	assert_int_equal(faults_ruleset(&fs, rules, sizeof(rules)), 0);
	assert_non_null(strstr(
	    rules,
	    "iifname { \"tap1\" } oifname { \"tap2\", \"probe1\" } drop"));
	assert_non_null(strstr(
	    rules,
	    "iifname { \"tap2\", \"probe1\" } oifname { \"tap1\" } drop"));
	assert_non_null(
	    strstr(rules, "iifname \"tap2\" numgen random mod 100 < 30 drop"));
	assert_non_null(
	    strstr(rules, "oifname \"tap2\" numgen random mod 100 < 30 drop"));
	/* 100 % is a plain drop: nft refuses "numgen random mod 100 < 100". */
	fs.node_loss[2] = 100;
	assert_int_equal(faults_ruleset(&fs, rules, sizeof(rules)), 0);
	assert_non_null(strstr(rules, "iifname \"tap2\" drop"));
	assert_null(strstr(rules, "< 100"));
	/* Healed: the table stays, empty, so the next change is atomic. */
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(faults_ruleset(&fs, rules, sizeof(rules)), 0);
	assert_null(strstr(rules, "drop"));
	assert_non_null(strstr(rules, "delete table bridge ukcluster"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(minimal_scenario_boots_and_waits,
				      teardown),
	    cmocka_unit_test_teardown(inline_config_sets_the_cluster, teardown),
	    cmocka_unit_test_teardown(config_file_is_recorded_for_later_checks,
				      teardown),
	    cmocka_unit_test_teardown(every_step_kind_parses, teardown),
	    cmocka_unit_test_teardown(comments_after_steps_are_not_part_of_them,
				      teardown),
	    cmocka_unit_test_teardown(a_cluster_can_be_booted_again_after_down,
				      teardown),
	    cmocka_unit_test_teardown(unknown_step_is_refused_with_its_line,
				      teardown),
	    cmocka_unit_test_teardown(steps_need_a_running_cluster, teardown),
	    cmocka_unit_test_teardown(deadlines_and_durations_are_required,
				      teardown),
	    cmocka_unit_test_teardown(bad_patterns_are_refused_before_booting,
				      teardown),
	    cmocka_unit_test_teardown(nodes_and_probes_must_exist, teardown),
	    cmocka_unit_test_teardown(bad_arguments_are_refused, teardown),
	    cmocka_unit_test_teardown(partitions_are_checked, teardown),
	    cmocka_unit_test_teardown(pings_are_checked, teardown),
	    cmocka_unit_test_teardown(config_mistakes_are_refused, teardown),
	    cmocka_unit_test_teardown(empty_scenario_is_refused, teardown),
	    cmocka_unit_test(partition_parser_fills_groups),
	    cmocka_unit_test(
		fault_rules_drop_between_groups_and_at_lossy_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
