/* SPDX-License-Identifier: MIT */
/*
 * Paths on other nodes (lib/posix/fs_ports.c, file.c): /n/N/rest is rest
 * on node N's file server, "fs" looked up on node N (ns_lookup_node, which
 * the name server forwards to N's resolver); one right per node is kept
 * and looked up again once when its server died; a node nobody can reach
 * is EHOSTUNREACH before anything is sent; a rename between two nodes is
 * EXDEV. Everything else is the local "fs", as before.
 */
#include <errno.h>
#include <string.h>

#include "posix_harness.h"

#define NAME_FS2 FAKE_NAME(0x20, 1)	  /* "fs" on node 2 */
#define NAME_FS2_AGAIN FAKE_NAME(0x20, 2) /* ... after it restarted */
#define NAME_FS7 FAKE_NAME(0x21, 1)

uint32_t ukp_fs_path_node(const char *abs, const char **rest);

/* The node and the path on it for an absolute, normalised path. */
static uint32_t node_of(const char *abs, const char **rest)
{
	*rest = NULL;
	uint32_t n = ukp_fs_path_node(abs, rest);
	assert_non_null(*rest);
	return n;
}

static void n_slash_number_names_a_node_and_the_path_on_it(void **state)
{
	const char *rest;

	assert_int_equal(node_of("/n/2/README", &rest), 2);
	assert_string_equal(rest, "/README");
	assert_int_equal(node_of("/n/2/a/b", &rest), 2);
	assert_string_equal(rest, "/a/b");
	assert_int_equal(node_of("/n/2", &rest), 2);
	assert_string_equal(rest, "/");
	assert_int_equal(node_of("/n/1024/x", &rest), 1024);
	assert_string_equal(rest, "/x");
	assert_int_equal(node_of("/n/4294967294/x", &rest), 4294967294u);
}

static void other_paths_are_local_and_unchanged(void **state)
{
	static const char *const local[] = {
	    "/",      "/n",	   "/n/",     "/n/0",	 "/n/0/x", "/n/02/x",
	    "/n/x/y", "/n/2x",	   "/n/-2/y", "/nn/2/x", "/etc/n/2",
	    "/n/4294967295/x",	   "/n/99999999999999999999/x",
	};

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		const char *rest;
		assert_int_equal(node_of(local[i], &rest), 0);
		assert_ptr_equal(rest, local[i]);
	}
}

static void a_path_under_n_goes_to_that_nodes_file_server(void **state)
{
	ns_answer("fs@2", NAME_FS2);
	unsigned before = ns_lookups("fs@2");

	reply_empty();
	assert_int_equal(ukp_unlink("/n/2/tmp/x.txt"), 0);
	sent_path_req(0, FS_UNLINK);
	assert_string_equal(sent_path(0), "/tmp/x.txt");
	assert_true(sent(0)->h.dest == ns_given("fs@2"));
	/* The right is kept: a second call does not look it up again. */
	reply_empty();
	assert_int_equal(ukp_mkdir("/n/2//d/./e/..", 0755), 0);
	sent_path_req(1, FS_MKDIR);
	assert_string_equal(sent_path(1), "/d");
	assert_true(sent(1)->h.dest == ns_given("fs@2"));
	assert_true(ns_lookups("fs@2") <= before + 1);
	/* The node's root. */
	reply_empty();
	assert_int_equal(ukp_unlink("/n/2"), 0);
	assert_string_equal(sent_path(2), "/");
}

static void local_paths_still_go_to_the_local_file_server(void **state)
{
	uk_name_t fs = fs_in_use();

	reply_empty();
	assert_int_equal(ukp_unlink("/n/2/../x"), 0); /* "/n/x" */
	assert_string_equal(sent_path(0), "/n/x");
	assert_true(sent(0)->h.dest == fs);
	reply_empty();
	assert_int_equal(ukp_unlink("/n/02/x"), 0);
	assert_string_equal(sent_path(1), "/n/02/x");
	assert_true(sent(1)->h.dest == fs);
}

static void a_working_directory_inside_n_makes_relative_paths_remote(void **state)
{
	char cwd[64];
	struct uk_stat dir = {.mode = UK_S_IFDIR | 0755};

	ns_answer("fs@2", NAME_FS2);
	reply_stat(&dir);
	assert_int_equal(ukp_chdir("/n/2/home"), 0);
	assert_string_equal(sent_path(0), "/home");
	assert_true(sent(0)->h.dest == ns_given("fs@2"));
	assert_string_equal(ukp_getcwd(cwd, sizeof(cwd)), "/n/2/home");
	reply_empty();
	assert_int_equal(ukp_unlink("notes.txt"), 0);
	assert_string_equal(sent_path(1), "/home/notes.txt");
	assert_true(sent(1)->h.dest == ns_given("fs@2"));
	/* ".." out of the node's root leaves the node. */
	uk_name_t fs = fs_in_use();
	reply_empty();
	assert_int_equal(ukp_unlink("../../x"), 0);
	assert_string_equal(sent_path(0), "/n/x");
	assert_true(sent(0)->h.dest == fs);
	reply_stat(&dir);
	assert_int_equal(ukp_chdir("/"), 0);
}

static void rename_within_a_node_goes_there_across_nodes_is_exdev(void **state)
{
	ns_answer("fs@2", NAME_FS2);
	ns_answer("fs@7", NAME_FS7);
	reply_empty();
	assert_int_equal(ukp_rename("/n/2/a", "/n/2/b/c"), 0);
	sent_path_req(0, FS_RENAME);
	assert_string_equal(sent_path(0), "/a");
	assert_string_equal(sent_new_path(0), "/b/c");
	assert_true(sent(0)->h.dest == ns_given("fs@2"));
	sent_clear();
	assert_int_equal(ukp_rename("/n/2/a", "/n/7/a"), -1);
	assert_int_equal(ukp_errno, EXDEV);
	assert_int_equal(ukp_rename("/n/2/a", "/a"), -1);
	assert_int_equal(ukp_errno, EXDEV);
	assert_int_equal(ukp_rename("/a", "/n/7/a"), -1);
	assert_int_equal(ukp_errno, EXDEV);
	assert_int_equal(sent_count(), 0); /* nothing was sent */
}

static void an_unreachable_node_is_ehostunreach_and_sends_nothing(void **state)
{
	struct adapter_stat st;

	assert_int_equal(ukp_unlink("/n/3/x"), -1);
	assert_int_equal(ukp_errno, EHOSTUNREACH);
	assert_int_equal(ukp_open("/n/3/x", 0), -1);
	assert_int_equal(ukp_errno, EHOSTUNREACH);
	assert_int_equal(ukp_stat("/n/3", &st), -1);
	assert_int_equal(ukp_errno, EHOSTUNREACH);
	assert_null(ukp_opendir("/n/3/"));
	assert_int_equal(ukp_errno, EHOSTUNREACH);
	assert_int_equal(sent_count(), 0);
	/* A node whose fs is not there: no server to ask, which is not
	 * ENOENT (that is a file server's answer about a file). */
	ns_answer("fs@5", -ERR_NOT_FOUND);
	assert_int_equal(ukp_unlink("/n/5/x"), -1);
	assert_int_equal(ukp_errno, EHOSTUNREACH);
	ns_answer("fs@5", -ERR_TIMED_OUT);
	assert_int_equal(ukp_open("/n/5/x", 0), -1);
	assert_int_equal(ukp_errno, ETIMEDOUT);
	assert_int_equal(sent_count(), 0);
}

static void a_dead_remote_server_is_looked_up_again_once(void **state)
{
	ns_answer("fs@2", NAME_FS2);
	reply_empty();
	assert_int_equal(ukp_unlink("/n/2/warm"), 0); /* the right is kept */
	uk_name_t old = sent(0)->h.dest;
	unsigned lookups = ns_lookups("fs@2"), freed = deallocations(old);
	sent_clear();

	ns_answer("fs@2", NAME_FS2_AGAIN);
	reply_transport(-ERR_DEAD);
	reply_empty();
	assert_int_equal(ukp_unlink("/n/2/x"), 0);
	assert_int_equal(sent_count(), 2);
	assert_true(sent(0)->h.dest == old);
	assert_true(sent(1)->h.dest == NAME_FS2_AGAIN);
	assert_string_equal(sent_path(1), "/x");
	assert_int_equal(ns_lookups("fs@2"), lookups + 1);
	assert_int_equal(deallocations(old), freed + 1);
	/* Dead again: once is enough, the error is the caller's. */
	reply_transport(-ERR_DEAD);
	reply_transport(-ERR_DEAD);
	assert_int_equal(ukp_unlink("/n/2/y"), -1);
	assert_int_equal(ukp_errno, EIO);
	ns_answer("fs@2", NAME_FS2);
}

const struct CMUnitTest posix_node_tests[] = {
    TEST(n_slash_number_names_a_node_and_the_path_on_it),
    TEST(other_paths_are_local_and_unchanged),
    TEST(a_path_under_n_goes_to_that_nodes_file_server),
    TEST(local_paths_still_go_to_the_local_file_server),
    TEST(a_working_directory_inside_n_makes_relative_paths_remote),
    TEST(rename_within_a_node_goes_there_across_nodes_is_exdev),
    TEST(an_unreachable_node_is_ehostunreach_and_sends_nothing),
    TEST(a_dead_remote_server_is_looked_up_again_once),
};
const size_t posix_node_tests_count =
    sizeof(posix_node_tests) / sizeof(posix_node_tests[0]);
