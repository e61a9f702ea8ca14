/* SPDX-License-Identifier: MIT */
/*
 * Running programs: through the process server (spawn + waitpid of the
 * adapter), which starts the file from the file system and gives it this
 * shell's standard input and output. A name without '/' is looked up in
 * /bin; a relative path is made absolute from the working directory, since
 * the process server has its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uk/proto/fs.h>

#include "shell.h"

int run_program(int argc, char **argv)
{
	static char path[UK_FS_PATH_MAX];
	struct stat st;
	const char *name = argv[0];

	if (!strchr(name, '/')) {
		snprintf(path, sizeof(path), "/bin/%s", name);
		if (stat(path, &st) < 0) {
			if (errno == ENOENT) {
				err("%s: command not found (not built in, no /bin/%s; try help)\n",
				    name, name);
				return 127;
			}
			err("%s: %s: %s\n", name, path, strerror(errno));
			return 127;
		}
	} else {
		char cwd[UK_FS_PATH_MAX];
		if (name[0] == '/' || !getcwd(cwd, sizeof(cwd)))
			strlcpy(path, name, sizeof(path));
		else
			snprintf(path, sizeof(path), "%s%s%s", cwd,
				 cwd[strlen(cwd) - 1] == '/' ? "" : "/", name);
		if (stat(path, &st) < 0) {
			err("%s: %s\n", name, strerror(errno));
			return errno == ENOENT ? 127 : 126;
		}
	}
	if (S_ISDIR(st.st_mode)) {
		err("%s: is a directory\n", path);
		return 126;
	}
	out_flush();
	pid_t pid = spawn(path, (const char *const *)argv);
	if (pid < 0) {
		err("%s: cannot start: %s\n", path, strerror(errno));
		return 126;
	}
	int status = 0;
	if (waitpid(pid, &status, 0) < 0) {
		err("%s: waiting for it failed: %s\n", path, strerror(errno));
		return 1;
	}
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		if (code)
			err("%s: exit status %d\n", name, code);
		return code;
	}
	/* The adapter marks a crash with 0x80 and the exception vector. */
	if (status & 0x80)
		err("%s: crashed (CPU exception %d)\n", name, WTERMSIG(status));
	else
		err("%s: killed\n", name);
	return 128 + WTERMSIG(status);
}
