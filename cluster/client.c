/* SPDX-License-Identifier: MIT */
/* Control protocol client and interactive console; see client.h. */
#include "client.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#define DETACH_KEY 0x1d /* Ctrl-] */

int control_open(const struct cluster_paths *p)
{
	char path[PATH_MAX];

	if (!path_exists(p->dir)) {
		msg("no cluster '%s' is running (no %s); start one with: "
		    "ukcluster%s%s up",
		    p->name, p->dir,
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? " --name " : "",
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? p->name : "");
		return -1;
	}
	if (!cluster_supervisor(p)) {
		msg("cluster '%s' is not running: its supervisor is gone "
		    "(crashed or killed); clean up with: ukcluster%s%s down",
		    p->name,
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? " --name " : "",
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? p->name : "");
		return -1;
	}
	cluster_file(p, "control", path, sizeof(path));
	int fd = unix_connect(path);
	if (fd < 0)
		msg("cannot connect to cluster '%s' (%s): %s", p->name, path,
		    strerror(errno));
	return fd;
}

/* Read one line (without the newline); -1 at EOF before any byte. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf[n] = '\0';
			return n ? 0 : -1;
		}
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

int control_call(const struct cluster_paths *p, const char *request, char *data,
		 size_t datalen, char *final, size_t finallen)
{
	char line[4096];
	int fd = control_open(p);

	if (data && datalen)
		data[0] = '\0';
	if (final && finallen)
		final[0] = '\0';
	if (fd < 0)
		return -1;
	if (write_all(fd, request, strlen(request)) || write_all(fd, "\n", 1)) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (read_line(fd, line, sizeof(line))) {
			close(fd);
			if (final)
				str_copy(final, "the supervisor hung up",
					 finallen);
			return -1;
		}
		if (!strncmp(line, "ok", 2) &&
		    (line[2] == '\0' || line[2] == ' ')) {
			if (final)
				str_copy(final, line[2] ? line + 3 : "",
					 finallen);
			close(fd);
			return 0;
		}
		if (!strncmp(line, "error: ", 7)) {
			if (final)
				str_copy(final, line + 7, finallen);
			close(fd);
			return 1;
		}
		if (data)
			str_append(data, datalen, "%s\n", line);
	}
}

static volatile sig_atomic_t console_signal;

static void on_signal(int sig)
{
	console_signal = sig;
}

enum console_end console_attach(const struct cluster_paths *p, unsigned node,
				enum console_mode mode, int replay)
{
	char request[64], line[256];
	struct termios saved, raw;
	int tty = isatty(0);
	int stdin_open = 1;
	enum console_end end = CONSOLE_CLOSED;
	struct sigaction sa, old_int, old_term, old_hup;

	int fd = control_open(p);
	if (fd < 0)
		return CONSOLE_FAILED;
	snprintf(request, sizeof(request), "console %u%s\n", node,
		 replay ? " replay" : "");
	if (write_all(fd, request, strlen(request)) ||
	    read_line(fd, line, sizeof(line)) || strncmp(line, "ok", 2)) {
		msg("console: %s", line[0] ? line : "no answer");
		close(fd);
		return CONSOLE_FAILED;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	console_signal = 0;
	/* The signals are delivered only inside ppoll(), so none can slip in
	 * between the check of the flag and going to sleep. */
	sigset_t block, waiting;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waiting);
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGHUP);
	if (tty) {
		tcgetattr(0, &saved);
		raw = saved;
		cfmakeraw(&raw);
		/* Output keeps its newline translation: nodes print "\n". */
		raw.c_oflag |= OPOST | ONLCR;
		if (mode == CONSOLE_UP)
			raw.c_lflag |= ISIG;
		tcsetattr(0, TCSAFLUSH, &raw);
		fprintf(stderr, "[console of node %u: %s]\r\n", node,
			mode == CONSOLE_UP
			    ? "Ctrl-] detaches, Ctrl-C stops the cluster"
			    : "Ctrl-] detaches");
	}
	for (;;) {
		struct pollfd pfd[2] = {{fd, POLLIN, 0},
					{stdin_open ? 0 : -1, POLLIN, 0}};
		int r = ppoll(pfd, 2, NULL, &waiting);
		if (console_signal) {
			end = CONSOLE_INTERRUPTED;
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (pfd[0].revents) {
			char buf[4096];
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				end = CONSOLE_CLOSED;
				break;
			}
			write_all(1, buf, (size_t)n);
		}
		if (pfd[1].revents) {
			char buf[256];
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				stdin_open = 0;
				continue;
			}
			char *esc = memchr(buf, DETACH_KEY, (size_t)n);
			if (esc) {
				write_all(fd, buf, (size_t)(esc - buf));
				end = CONSOLE_DETACHED;
				break;
			}
			write_all(fd, buf, (size_t)n);
		}
	}
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &saved);
		fprintf(stderr, "\n");
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	close(fd);
	return end;
}
