/* SPDX-License-Identifier: MIT */
/* Child processes; see proc.h. */
#include "proc.h"
#include "text.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int interesting_exe(pid_t pid);

/* In the child: a clean signal state and only fds 0-2 open. */
static void child_reset(void)
{
	sigset_t none;
	static const int sigs[] = {SIGCHLD, SIGPIPE, SIGINT,
				   SIGTERM, SIGHUP,  SIGQUIT};

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

static void close_from(int lowest)
{
	if (close_range((unsigned)lowest, ~0U, 0) == 0)
		return;
	for (int fd = lowest; fd < 1024; fd++)
		close(fd);
}

pid_t spawn(const char *const argv[], const struct spawn_opts *o)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	child_reset();
	if (o->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
	}
	int in = o->stdin_fd >= 0 ? o->stdin_fd : open("/dev/null", O_RDONLY);
	int out = o->output
		      ? open(o->output, O_WRONLY | O_CREAT | O_APPEND, 0644)
		      : open("/dev/null", O_WRONLY);
	if (in < 0 || out < 0)
		_exit(127);
	if (o->netns_fd >= 0 && setns(o->netns_fd, CLONE_NEWNET)) {
		dprintf(out,
			"ukcluster: cannot enter the network namespace: %s\n",
			strerror(errno));
		_exit(127);
	}
	dup2(in, 0);
	dup2(out, 1);
	dup2(out, 2);
	close_from(3);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "ukcluster: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int run_command(const char *const argv[], const char *input, int netns_fd,
		char *out, size_t outlen)
{
	int in_pipe[2] = {-1, -1}, out_pipe[2];
	size_t used = 0;
	int status;

	if (outlen)
		out[0] = '\0';
	if (pipe2(out_pipe, O_CLOEXEC))
		return -1;
	if (input && pipe2(in_pipe, O_CLOEXEC)) {
		close(out_pipe[0]);
		close(out_pipe[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(out_pipe[0]);
		close(out_pipe[1]);
		if (input) {
			close(in_pipe[0]);
			close(in_pipe[1]);
		}
		return -1;
	}
	if (pid == 0) {
		child_reset();
		int in = input ? in_pipe[0] : open("/dev/null", O_RDONLY);
		if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET)) {
			dprintf(out_pipe[1],
				"cannot enter the network namespace: %s\n",
				strerror(errno));
			_exit(127);
		}
		dup2(in, 0);
		dup2(out_pipe[1], 1);
		dup2(out_pipe[1], 2);
		close_from(3);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out_pipe[1]);
	if (input) {
		close(in_pipe[0]);
		/* Small inputs (rule sets, ip batches) fit the pipe buffer. */
		signal(SIGPIPE, SIG_IGN);
		write_all(in_pipe[1], input, strlen(input));
		close(in_pipe[1]);
	}
	for (;;) {
		char buf[512];
		ssize_t n = read(out_pipe[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && outlen && used + 1 < outlen; i++)
			out[used++] = buf[i];
		if (outlen)
			out[used] = '\0';
	}
	close(out_pipe[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	/* Trim the trailing newline for messages. */
	while (used && (out[used - 1] == '\n' || out[used - 1] == ' '))
		out[--used] = '\0';
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int find_program(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin",
		 path ? path : "");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		snprintf(buf, len, "%s/%s", d, name);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

int stop_child(pid_t pid, int sig, uint64_t timeout_ms)
{
	uint64_t deadline = mono_ms() + timeout_ms;
	int status;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0)
				if (errno != EINTR)
					return -1;
			return status;
		}
		sleep_ms(10);
	}
}

int process_alive(pid_t pid)
{
	char path[64], buf[256];

	if (pid <= 0 || (kill(pid, 0) && errno != EPERM))
		return 0;
	/* A zombie has let go of everything; only its parent has yet to
	 * notice (a daemon's parent is init, which may reap late). */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	const char *state = strrchr(buf, ')');
	return !(state && state[1] == ' ' &&
		 (state[2] == 'Z' || state[2] == 'X'));
}

int cluster_process(pid_t pid, const char *needle)
{
	return process_cmdline_mentions(pid, needle) && interesting_exe(pid);
}

static int interesting_exe(pid_t pid)
{
	char link[64], exe[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	return !strncmp(base, "qemu-system-", 12) || !strcmp(base, "dnsmasq") ||
	       !strcmp(base, "ukcluster");
}

int process_cmdline_mentions(pid_t pid, const char *needle)
{
	char path[64], buf[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

int sweep_processes(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int killed = 0;
	pid_t self = getpid();

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		unsigned v;
		if (parse_uint(e->d_name, 1, 0x7fffffff, &v))
			continue;
		pid_t pid = (pid_t)v;
		if (pid == self || !cluster_process(pid, needle) ||
		    !process_alive(pid))
			continue;
		if (kill(pid, SIGKILL) == 0)
			killed++;
	}
	closedir(d);
	return killed;
}
