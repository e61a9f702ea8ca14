/* SPDX-License-Identifier: MIT */
/*
 * init's test port, "init.test": what a whole-system test needs of init to
 * watch its restart behaviour. It exists only in test mode (test=PROG on
 * the kernel command line), and init binds the name for the test
 * program's client alone, and only when the program's line in
 * etc/init.conf has +inittest; no other task can look it up, and a
 * cluster node (no test=) never has it.
 */
#ifndef UK_PROTO_INIT_H
#define UK_PROTO_INIT_H

#include <uk/proto/rpc.h>

enum uk_init_op {
	/* Kill the running service named in struct uk_init_test_req, as
	 * task_kill would; init then handles its end as any other (restart,
	 * revocation of its hardware capabilities, and for dev the restart
	 * of the drivers). Reply: status only; ERR_NOT_FOUND if no service
	 * of that name runs. */
	INIT_TEST_KILL = UK_PROTO_INIT + 1,
};

#define UK_INIT_SERVICE_NAME_MAX 24

struct uk_init_test_req {
	char name[UK_INIT_SERVICE_NAME_MAX]; /* NUL-terminated */
};
_Static_assert(sizeof(struct uk_init_test_req) == 24,
	       "uk_init_test_req layout");

#endif
