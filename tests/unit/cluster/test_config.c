/* SPDX-License-Identifier: MIT */
/* The cluster configuration parser (cluster/config.c): what a valid file
 * means, and that every invalid one is refused with its line and reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"

static struct cluster_config cfg;
static struct config_error err;

static int parse(const char *text)
{
	return config_parse(text, strlen(text), &cfg, &err);
}

/* The text must be refused at line `line` with a message containing
 * `needle`. */
static void refused(const char *text, int line, const char *needle)
{
	assert_int_equal(parse(text), -1);
	if (err.line != line || !strstr(err.message, needle))
		fail_msg("expected line %d with \"%s\", got line %d: %s", line,
			 needle, err.line, err.message);
}

static void default_config_is_three_nodes_of_128_mib(void **state)
{
	(void)state;
	config_default(&cfg);
	assert_int_equal(cfg.nodes, 3);
	assert_int_equal(cfg.probes, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cfg.node[i].memory_mib, 128);
		assert_int_equal(cfg.node[i].cpus, 1);
		assert_string_equal(cfg.node[i].role, "node");
		assert_string_equal(cfg.node[i].servers, "");
	}
}

static void empty_text_gives_the_default(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.nodes, 3);
	assert_int_equal(cfg.node[2].memory_mib, 128);
}

static void comments_and_blank_lines_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(parse("# a cluster\n\n   \t\nnodes 2 # two of them\n"
			       "\r\nmemory 64\r\n"),
			 0);
	assert_int_equal(cfg.nodes, 2);
	assert_int_equal(cfg.node[1].memory_mib, 64);
}

static void cluster_wide_keys_apply_to_every_node(void **state)
{
	(void)state;
	assert_int_equal(parse("nodes 4\nprobes 2\nmemory 256\ncpus 2\n"
			       "loglevel 3\nrole worker\nservers name,fs\n"
			       "args debug=1\n"),
			 0);
	assert_int_equal(cfg.nodes, 4);
	assert_int_equal(cfg.probes, 2);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cfg.node[i].memory_mib, 256);
		assert_int_equal(cfg.node[i].cpus, 2);
		assert_int_equal(cfg.node[i].loglevel, 3);
		assert_string_equal(cfg.node[i].role, "worker");
		assert_string_equal(cfg.node[i].servers, "name,fs");
		assert_string_equal(cfg.node[i].args, "debug=1");
	}
}

static void node_block_overrides_only_its_node(void **state)
{
	(void)state;
	assert_int_equal(parse("nodes 3\nmemory 128\nservers name\n"
			       "node 2\n  memory 512\n  role storage\n"
			       "  servers name,fs,blk\n"),
			 0);
	assert_int_equal(cfg.node[0].memory_mib, 128);
	assert_int_equal(cfg.node[1].memory_mib, 512);
	assert_int_equal(cfg.node[2].memory_mib, 128);
	assert_string_equal(cfg.node[1].role, "storage");
	assert_string_equal(cfg.node[0].role, "node");
	assert_string_equal(cfg.node[1].servers, "name,fs,blk");
	assert_string_equal(cfg.node[2].servers, "name");
	assert_int_equal(cfg.node[1].line, 4);
}

static void node_count_defaults_to_the_highest_block(void **state)
{
	(void)state;
	assert_int_equal(parse("node 1\nrole a\nnode 2\nrole b\n"), 0);
	assert_int_equal(cfg.nodes, 2);
	assert_int_equal(parse("node 5\nrole e\n"), 0);
	assert_int_equal(cfg.nodes, 5);
}

static void servers_take_commas_blanks_or_none(void **state)
{
	(void)state;
	assert_int_equal(parse("servers name, fs ,blk\n"), 0);
	assert_string_equal(cfg.node[0].servers, "name,fs,blk");
	assert_int_equal(parse("servers name fs\n"), 0);
	assert_string_equal(cfg.node[0].servers, "name,fs");
	assert_int_equal(parse("servers name\nnode 1\nservers none\n"), 0);
	assert_string_equal(cfg.node[0].servers, "");
}

static void memory_takes_mib_or_gib_units(void **state)
{
	(void)state;
	assert_int_equal(parse("memory 1G\n"), 0);
	assert_int_equal(cfg.node[0].memory_mib, 1024);
	assert_int_equal(parse("memory 64M\n"), 0);
	assert_int_equal(cfg.node[0].memory_mib, 64);
	assert_int_equal(parse("memory 96MiB\n"), 0);
	assert_int_equal(cfg.node[0].memory_mib, 96);
}

static void args_lines_add_up(void **state)
{
	(void)state;
	assert_int_equal(parse("args a=1\nargs b=2 flag\n"), 0);
	assert_string_equal(cfg.node[0].args, "a=1 b=2 flag");
}

static void name_kernel_and_archive_are_kept(void **state)
{
	(void)state;
	assert_int_equal(parse("name lab-1\nkernel ../k.bin\n"
			       "archive \"/tmp/my archive.cpio\"\n"),
			 0);
	assert_string_equal(cfg.name, "lab-1");
	assert_string_equal(cfg.kernel, "../k.bin");
	assert_string_equal(cfg.archive, "/tmp/my archive.cpio");
}

static void accel_is_unset_unless_the_file_says(void **state)
{
	(void)state;
	assert_int_equal(parse("nodes 2\n"), 0);
	assert_false(cfg.accel_set);
	config_default(&cfg);
	assert_false(cfg.accel_set);
}

static void accel_takes_auto_kvm_or_tcg(void **state)
{
	static const struct {
		const char *word;
		enum accel_kind kind;
	} cases[] = {
	    {"auto", ACCEL_AUTO}, {"kvm", ACCEL_KVM}, {"tcg", ACCEL_TCG}};
	char text[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "nodes 1\naccel %s\n",
			 cases[i].word);
		assert_int_equal(parse(text), 0);
		assert_true(cfg.accel_set);
		assert_int_equal(cfg.accel, cases[i].kind);
	}
}

static void accel_bad_value_is_refused_with_the_choices(void **state)
{
	(void)state;
	refused("nodes 1\naccel hvf\n", 2,
		"accel must be auto, kvm or tcg, not 'hvf'");
	refused("accel KVM\n", 1, "accel must be auto, kvm or tcg");
	refused("accel\n", 1, "'accel' needs a value");
	refused("accel kvm tcg\n", 1, "takes one value");
}

static void accel_is_cluster_wide(void **state)
{
	(void)state;
	refused("node 1\naccel tcg\n", 2, "'accel' is cluster-wide");
}

static void icount_is_yes_or_no_and_reaches_the_command_line(void **state)
{
	static struct cluster_config again;
	char line[1024], text[65536];

	(void)state;
	assert_int_equal(parse("nodes 2\n"), 0);
	assert_false(cfg.icount);
	assert_true(config_node_cmdline(&cfg, 1, line, sizeof(line)) > 0);
	assert_null(strstr(line, "icount"));
	assert_int_equal(parse("nodes 2\nicount yes\n"), 0);
	assert_true(cfg.icount);
	assert_true(config_node_cmdline(&cfg, 2, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, " icount"));
	assert_int_equal(config_format(&cfg, text, sizeof(text)), 0);
	assert_int_equal(config_parse(text, strlen(text), &again, &err), 0);
	assert_true(again.icount);
	refused("icount on\n", 1, "icount must be yes or no, not 'on'");
	refused("node 1\nicount yes\n", 2, "'icount' is cluster-wide");
}

static void accel_survives_format_and_parse(void **state)
{
	static struct cluster_config first;
	char text[65536];

	(void)state;
	assert_int_equal(parse("accel tcg\nnodes 2\n"), 0);
	first = cfg;
	assert_int_equal(config_format(&first, text, sizeof(text)), 0);
	assert_non_null(strstr(text, "accel tcg\n"));
	assert_int_equal(parse(text), 0);
	assert_true(cfg.accel_set);
	assert_int_equal(cfg.accel, ACCEL_TCG);
	/* Unset stays unset: $UK_ACCEL and auto still decide. */
	assert_int_equal(parse("nodes 2\n"), 0);
	first = cfg;
	assert_int_equal(config_format(&first, text, sizeof(text)), 0);
	assert_null(strstr(text, "accel"));
}

static void unknown_key_lists_accel_among_the_keys(void **state)
{
	(void)state;
	refused("acel kvm\n", 1, "disk, accel, node");
}

static void unknown_key_is_refused_with_its_line(void **state)
{
	(void)state;
	refused("nodes 3\nmemroy 128\n", 2, "unknown key 'memroy'");
}

static void bad_numbers_are_refused(void **state)
{
	(void)state;
	refused("memory lots\n", 1, "memory must be");
	refused("memory 8\n", 1, "memory must be");
	refused("memory 99999\n", 1, "memory must be");
	refused("cpus 0\n", 1, "cpus must be 1..");
	refused("\nnodes 65\n", 2, "nodes must be 1..64");
	refused("nodes -1\n", 1, "nodes must be");
	refused("loglevel 4\n", 1, "loglevel must be 0..3");
	refused("probes 9\n", 1, "probes must be 0..8");
	refused("node 0\n", 1, "node number must be 1..64");
	refused("node two\n", 1, "node number");
}

static void missing_and_extra_values_are_refused(void **state)
{
	(void)state;
	refused("memory\n", 1, "'memory' needs a value");
	refused("memory 128 256\n", 1, "takes one value");
	refused("node 1 2\n", 1, "'node' takes one node number");
	refused("servers\n", 1, "'servers' needs names");
	refused("args\n", 1, "'args' needs kernel arguments");
}

static void node_block_beyond_the_node_count_is_refused(void **state)
{
	(void)state;
	refused("nodes 2\nnode 1\nrole a\nnode 3\nrole c\n", 4,
		"node 3 is configured but the cluster has 2 nodes");
}

static void node_configured_twice_is_refused(void **state)
{
	(void)state;
	refused("node 1\nrole a\nnode 1\nrole b\n", 3,
		"node 1 is configured twice (first at line 1)");
}

static void cluster_wide_key_inside_a_node_block_is_refused(void **state)
{
	(void)state;
	refused("node 1\nnodes 3\n", 2, "'nodes' is cluster-wide");
	refused("node 1\nname x\n", 2, "cluster-wide");
}

static void args_may_not_set_what_the_tool_sets(void **state)
{
	(void)state;
	refused("args test=ktest\n", 1, "test= runs a test program");
	refused("args a=1 node=4\n", 1, "node= is set by the tool");
	refused("args role=x\n", 1, "use the 'role' key");
	refused("args servers=a\n", 1, "use the 'servers' key");
	refused("args loglevel=3\n", 1, "use the 'loglevel' key");
	refused("args \"a b\"\n", 1, "may not contain blanks");
	/* A longer key that starts like a reserved one is fine. */
	assert_int_equal(parse("args testing=1 nodes_hint=2\n"), 0);
}

static void bad_names_are_refused(void **state)
{
	(void)state;
	refused("servers name,Fs\n", 1, "server names use a-z");
	refused("servers name,name\n", 1, "server 'name' is listed twice");
	refused("role \"a b\"\n", 1, "role uses letters");
	refused("name Big\n", 1, "name must be");
	refused("name -x\n", 1, "name must be");
}

static void syntax_errors_name_the_line(void **state)
{
	(void)state;
	refused("nodes 3\nrole \"oops\n", 2, "unterminated quote");
	refused("role \"a\\q\"\n", 1, "role uses letters");
	refused("role \"ab\\\n", 1, "unterminated quote");
	char text[2000];
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "role ", 5);
	refused(text, 1, "line is longer than");
	const char nul[] = "nodes 3\nmem\0ory 1\n";
	assert_int_equal(config_parse(nul, sizeof(nul) - 1, &cfg, &err), -1);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, "NUL byte"));
}

static void command_line_names_node_role_and_servers(void **state)
{
	char buf[600];

	(void)state;
	assert_int_equal(parse("node 2\nrole storage\nservers name,fs\n"
			       "args debug=1 verbose\n"),
			 0);
	assert_true(config_node_cmdline(&cfg, 2, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "node=2 role=storage loglevel=2 "
				 "servers=name,fs debug=1 verbose");
	assert_true(config_node_cmdline(&cfg, 1, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "node=1 role=node loglevel=2");
	assert_int_equal(config_node_cmdline(&cfg, 2, buf, 10), -1);
}

static void command_line_over_the_ipxe_limit_is_refused(void **state)
{
	char text[1200] = "nodes 2\n";

	(void)state;
	/* 8 args lines of 48 characters + a long server list exceed the
	 * 511 bytes iPXE accepts. */
	for (int i = 0; i < 8; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "args k%d=%045d\n", i, 0);
	strcat(
	    text,
	    "node 2\nservers aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccccccccccccc\n");
	refused(text, 10, "iPXE allows 511");
}

static void format_reads_back_to_the_same_configuration(void **state)
{
	static struct cluster_config first;
	char text[65536];

	(void)state;
	assert_int_equal(parse("name demo\nnodes 3\nprobes 1\nmemory 256\n"
			       "servers name\nnode 3\nrole storage\nmemory 1G\n"
			       "servers name,fs\nargs x=1\n"),
			 0);
	first = cfg;
	assert_int_equal(config_format(&first, text, sizeof(text)), 0);
	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.name, "demo");
	assert_int_equal(cfg.nodes, 3);
	assert_int_equal(cfg.probes, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cfg.node[i].memory_mib,
				 first.node[i].memory_mib);
		assert_int_equal(cfg.node[i].cpus, first.node[i].cpus);
		assert_int_equal(cfg.node[i].loglevel, first.node[i].loglevel);
		assert_string_equal(cfg.node[i].role, first.node[i].role);
		assert_string_equal(cfg.node[i].servers, first.node[i].servers);
		assert_string_equal(cfg.node[i].args, first.node[i].args);
	}
	assert_int_equal(config_format(&first, text, 10), -1);
}

static void node_count_can_grow_but_not_below_a_block(void **state)
{
	(void)state;
	assert_int_equal(parse("memory 64\nnode 2\nrole b\n"), 0);
	assert_int_equal(config_set_nodes(&cfg, 8, &err), 0);
	assert_int_equal(cfg.nodes, 8);
	assert_int_equal(cfg.node[7].memory_mib, 64);
	assert_int_equal(config_set_nodes(&cfg, 1, &err), -1);
	assert_non_null(strstr(err.message, "node 2 is configured"));
	assert_int_equal(config_set_nodes(&cfg, 65, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_config_is_three_nodes_of_128_mib),
	    cmocka_unit_test(empty_text_gives_the_default),
	    cmocka_unit_test(comments_and_blank_lines_are_ignored),
	    cmocka_unit_test(cluster_wide_keys_apply_to_every_node),
	    cmocka_unit_test(node_block_overrides_only_its_node),
	    cmocka_unit_test(node_count_defaults_to_the_highest_block),
	    cmocka_unit_test(servers_take_commas_blanks_or_none),
	    cmocka_unit_test(memory_takes_mib_or_gib_units),
	    cmocka_unit_test(args_lines_add_up),
	    cmocka_unit_test(name_kernel_and_archive_are_kept),
	    cmocka_unit_test(accel_is_unset_unless_the_file_says),
	    cmocka_unit_test(accel_takes_auto_kvm_or_tcg),
	    cmocka_unit_test(accel_bad_value_is_refused_with_the_choices),
	    cmocka_unit_test(accel_is_cluster_wide),
	    cmocka_unit_test(accel_survives_format_and_parse),
	    cmocka_unit_test(icount_is_yes_or_no_and_reaches_the_command_line),
	    cmocka_unit_test(unknown_key_lists_accel_among_the_keys),
	    cmocka_unit_test(unknown_key_is_refused_with_its_line),
	    cmocka_unit_test(bad_numbers_are_refused),
	    cmocka_unit_test(missing_and_extra_values_are_refused),
	    cmocka_unit_test(node_block_beyond_the_node_count_is_refused),
	    cmocka_unit_test(node_configured_twice_is_refused),
	    cmocka_unit_test(cluster_wide_key_inside_a_node_block_is_refused),
	    cmocka_unit_test(args_may_not_set_what_the_tool_sets),
	    cmocka_unit_test(bad_names_are_refused),
	    cmocka_unit_test(syntax_errors_name_the_line),
	    cmocka_unit_test(command_line_names_node_role_and_servers),
	    cmocka_unit_test(command_line_over_the_ipxe_limit_is_refused),
	    cmocka_unit_test(format_reads_back_to_the_same_configuration),
	    cmocka_unit_test(node_count_can_grow_but_not_below_a_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
