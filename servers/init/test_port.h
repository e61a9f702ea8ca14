/* SPDX-License-Identifier: MIT */
/* init's test port (include/uk/proto/init.h), served on a thread of its own. */
#ifndef INIT_TEST_PORT_H
#define INIT_TEST_PORT_H

#include <ulib.h>

/* Kills the running service called name; 0 or a negative error. */
typedef long (*test_port_kill_fn)(const char *name);

/* Make the port and start its thread, which calls kill for each
 * INIT_TEST_KILL. Returns a send right to the port (for init to bind as
 * "init.test"), or a negative error. Call once, in test mode only. */
long test_port_start(test_port_kill_fn kill);

#endif
