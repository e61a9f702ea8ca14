/* SPDX-License-Identifier: MIT */
/*
 * The name server's client (lib/uk/services.c): a name written NAME@NODE
 * ("fs@2") is a lookup of NAME on NODE, split by the client before the
 * request goes out; a malformed node is ERR_INVALID and sends nothing. A
 * call that the name server may forward to another node's resolver
 * (a lookup or list for another node) has a deadline; a local one waits
 * for the name server as before. services.c is compiled as for the target
 * with its symbols prefixed ukn_ (CMakeLists.txt); the kernel below it is
 * the fake ipc_call here, which records each request and answers it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <uk/errors.h>
#include <uk/ipc.h>
#include <uk/proto/name.h>
#include <uk/proto/rpc.h>
#include <uk/syscall.h>
#include <uk/types.h>

long ukn_ns_name_split(const char *written, char name[32], uint32_t *node);
long ukn_ns_lookup(const char *name, uint64_t timeout_ns);
long ukn_ns_lookup_node(const char *name, uint32_t node, uint64_t timeout_ns);
long ukn_ns_list(uint32_t start, struct uk_name_entry *out, unsigned max,
		 uint32_t *total);
long ukn_ns_list_node(uint32_t node, uint32_t start, struct uk_name_entry *out,
		      unsigned max, uint32_t *total);

#define NAME_NS 0x100000001ull
#define NAME_ANSWER 0x700000003ull

static struct uk_startup startup = {.n_rights = 1, .rights = {NAME_NS}};
const struct uk_startup *uk_startup_info = &startup;

static unsigned calls;
static uint32_t last_id;
static uint8_t last_body[256];
static uint64_t last_timeout;
static int32_t answer_status;

long uk_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5);
long uk_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (n != SYS_ipc_call)
		fail_msg("unexpected syscall %ld", n);
	const struct uk_msg_header *rq = (const void *)a0;
	struct uk_msg_header *rp = (void *)a2;
	assert_int_equal(rq->dest, NAME_NS);
	calls++;
	last_id = rq->id;
	last_timeout = (uint64_t)a4;
	memset(last_body, 0, sizeof(last_body));
	memcpy(last_body, uk_msg_body(rq), uk_msg_body_len(rq));
	uint32_t id = rq->id;
	bool port = id == NAME_LOOKUP && answer_status == 0;
	void *body = uk_rpc_reply_start(rp, id, answer_status, port, 0);
	if (port)
		uk_msg_ports(rp)[0] =
		    (struct uk_msg_port){NAME_ANSWER, UK_DISP_MOVE_SEND};
	if (id == NAME_LIST && answer_status == 0) {
		struct uk_name_list_reply *l = body;
		l->total = 1;
		l->count = 1;
		memset(&l->entries[0], 0, sizeof(l->entries[0]));
		strcpy(l->entries[0].name, "far");
		l->entries[0].node = 2;
		rp->size += (uint32_t)(sizeof(*l) + sizeof(l->entries[0]));
	}
	(void)a1;
	(void)a3;
	(void)a5;
	return rp->size;
}

static int setup(void **state)
{
	calls = 0;
	answer_status = 0;
	return 0;
}

static const struct uk_name_req *lookup_sent(void)
{
	assert_int_equal(last_id, NAME_LOOKUP);
	return (const void *)last_body;
}

static void split_takes_the_node_after_the_at_sign(void **state)
{
	char name[UK_NAME_MAX];
	uint32_t node = 99;

	assert_int_equal(ukn_ns_name_split("fs@2", name, &node), 0);
	assert_string_equal(name, "fs");
	assert_int_equal(node, 2);
	assert_int_equal(ukn_ns_name_split("fs", name, &node), 0);
	assert_string_equal(name, "fs");
	assert_int_equal(node, 0);
	assert_int_equal(ukn_ns_name_split("dev.claim@1024", name, &node), 0);
	assert_string_equal(name, "dev.claim");
	assert_int_equal(node, 1024);
	assert_int_equal(ukn_ns_name_split("x@4294967294", name, &node), 0);
	assert_int_equal(node, 4294967294u);
	/* 31 bytes is the longest name, with or without a node. */
	char longest[48];
	memset(longest, 'a', 31);
	strcpy(longest + 31, "@7");
	assert_int_equal(ukn_ns_name_split(longest, name, &node), 0);
	assert_int_equal(strlen(name), 31);
	assert_int_equal(node, 7);
}

static void split_refuses_what_is_not_a_node_number(void **state)
{
	static const char *const bad[] = {
	    "fs@",  "@2",     "fs@0",  "fs@02",	"fs@2x", "fs@x",
	    "fs@+2", "fs@-2", "fs@ 2", "fs@2@3", "fs@4294967295",
	    "fs@99999999999999999999",
	};
	char name[UK_NAME_MAX];
	uint32_t node;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ukn_ns_name_split(bad[i], name, &node) != -ERR_INVALID)
			fail_msg("%s was taken", bad[i]);
	char too_long[48];
	memset(too_long, 'a', 32);
	strcpy(too_long + 32, "@2");
	assert_int_equal(ukn_ns_name_split(too_long, name, &node),
			 -ERR_NAME_TOO_LONG);
}

static void lookup_of_name_at_node_asks_for_name_on_node(void **state)
{
	assert_int_equal(ukn_ns_lookup("fs@2", 1000), (long)NAME_ANSWER);
	assert_int_equal(calls, 1);
	assert_string_equal(lookup_sent()->name, "fs");
	assert_int_equal(lookup_sent()->node, 2);
	assert_int_equal(lookup_sent()->timeout_ns, 1000);
	/* Forwarded: the call has a deadline beyond the wait. */
	assert_true(last_timeout > 1000 && last_timeout != UK_TIMEOUT_INFINITE);
	assert_true(last_timeout <= UK_NAME_WAIT_MAX_NS + 10ull * 1000000000ull);

	assert_int_equal(ukn_ns_lookup_node("fs@2", 2, 0), (long)NAME_ANSWER);
	assert_int_equal(lookup_sent()->node, 2);
	assert_int_equal(ukn_ns_lookup_node("fs", 3, 0), (long)NAME_ANSWER);
	assert_int_equal(lookup_sent()->node, 3);
	/* An infinite wait is the name server's longest, plus the grace. */
	assert_int_equal(ukn_ns_lookup("fs@2", UK_TIMEOUT_INFINITE),
			 (long)NAME_ANSWER);
	assert_true(last_timeout != UK_TIMEOUT_INFINITE);
}

static void lookup_without_a_node_is_local_and_waits_as_before(void **state)
{
	assert_int_equal(ukn_ns_lookup("fs", 5), (long)NAME_ANSWER);
	assert_string_equal(lookup_sent()->name, "fs");
	assert_int_equal(lookup_sent()->node, 0);
	assert_int_equal(last_timeout, UK_TIMEOUT_INFINITE);
}

static void a_bad_written_node_sends_nothing(void **state)
{
	assert_int_equal(ukn_ns_lookup("fs@", 0), -ERR_INVALID);
	assert_int_equal(ukn_ns_lookup("fs@0", 0), -ERR_INVALID);
	assert_int_equal(ukn_ns_lookup("fs@two", 0), -ERR_INVALID);
	/* Written node 2, asked on node 3. */
	assert_int_equal(ukn_ns_lookup_node("fs@2", 3, 0), -ERR_INVALID);
	assert_int_equal(calls, 0);
}

static void errors_of_the_resolver_reach_the_caller(void **state)
{
	answer_status = -ERR_UNREACHABLE;
	assert_int_equal(ukn_ns_lookup("fs@3", 0), -ERR_UNREACHABLE);
	assert_int_equal(calls, 1);
}

static void list_names_the_node_and_has_a_deadline_only_when_remote(void **state)
{
	struct uk_name_entry e[4];
	uint32_t total = 0;

	assert_int_equal(ukn_ns_list_node(2, 0, e, 4, &total), 1);
	assert_int_equal(last_id, NAME_LIST);
	const struct uk_name_list_req *rq = (const void *)last_body;
	assert_int_equal(rq->node, 2);
	assert_int_equal(rq->start, 0);
	assert_true(last_timeout != UK_TIMEOUT_INFINITE);
	assert_string_equal(e[0].name, "far");
	assert_int_equal(total, 1);

	assert_int_equal(ukn_ns_list(0, e, 4, &total), 1);
	assert_int_equal(rq->node, 0);
	assert_int_equal(last_timeout, UK_TIMEOUT_INFINITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(split_takes_the_node_after_the_at_sign, setup),
	    cmocka_unit_test_setup(split_refuses_what_is_not_a_node_number, setup),
	    cmocka_unit_test_setup(lookup_of_name_at_node_asks_for_name_on_node,
				   setup),
	    cmocka_unit_test_setup(lookup_without_a_node_is_local_and_waits_as_before,
				   setup),
	    cmocka_unit_test_setup(a_bad_written_node_sends_nothing, setup),
	    cmocka_unit_test_setup(errors_of_the_resolver_reach_the_caller, setup),
	    cmocka_unit_test_setup(
		list_names_the_node_and_has_a_deadline_only_when_remote, setup),
	};
	return cmocka_run_group_tests_name("ns_names", tests, NULL, NULL);
}
