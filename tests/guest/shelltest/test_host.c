/* SPDX-License-Identifier: MIT */
/*
 * HOST: keys typed on the host reach the console shell. run-shelltest.sh
 * boots with the shell as a service and QEMU's serial input from a file
 * of keys (made by the script); the commands it types
 * leave files behind, which this test waits for and checks. Selected
 * only by name (`shelltest HOST`): without typed input it cannot pass.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shelltest.h"

#define TYPED_DEADLINE (60 * SECOND)

DEFINE_TEST(HOST0001, typed_commands_reach_the_shell)
{
	struct stat st;
	char got[128];
	uint64_t deadline = (uint64_t)uk_clock() + TYPED_DEADLINE;

	/* The last typed command makes /typed/done. */
	while (stat("/typed/done", &st) < 0 && (uint64_t)uk_clock() < deadline)
		uk_sleep(20 * MS);
	EXPECT(stat("/typed/done", &st) == 0);
	int fd = open("/typed/out", O_RDONLY);
	EXPECT(fd >= 0);
	ssize_t n = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
	got[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	/* Typed with Backspace, arrows and End, history and Ctrl-U. */
	EXPECT_STR(got, "one\ntwo\nfour\nfour\n");
}
