/* SPDX-License-Identifier: MIT */
/* Watching nodes: console, log, wait and gdb (see commands.c). */
#include "commands.h"
#include "client.h"
#include "lifecycle.h"
#include "logwatch.h"
#include "proc.h"
#include "text.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cmd_console(const struct cluster_paths *p, int argc, char **argv)
{
	unsigned nodes[CLUSTER_MAX_NODES];
	int count, replay = 0;

	if (argc == 2 && !strcmp(argv[1], "--replay"))
		replay = 1;
	else if (argc != 1)
		return usage_error("console NODE [--replay]");
	if (parse_nodes(p, argv[0], 0, nodes, &count))
		return 1;
	switch (console_attach(p, nodes[0], CONSOLE_RAW, replay)) {
	case CONSOLE_DETACHED:
	case CONSOLE_INTERRUPTED:
		return 0;
	case CONSOLE_CLOSED:
		printf("cluster '%s' stopped\n", p->name);
		return 0;
	case CONSOLE_FAILED:
	default:
		return 1;
	}
}

int cmd_log(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] = "log NODE|all [-f] [-n LINES]";
	unsigned nodes[CLUSTER_MAX_NODES], last = 0;
	const char *which = NULL;
	int follow = 0, count;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow"))
			follow = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			if (parse_uint(argv[++i], 1, 1000000, &last))
				return usage_error(usage);
		} else if (!which)
			which = argv[i];
		else
			return usage_error(usage);
	}
	if (!which)
		return usage_error(usage);
	if (parse_nodes(p, which, 1, nodes, &count))
		return 1;
	catch_interrupts();
	return log_show(p, nodes, count, last, follow, &interrupted);
}

int cmd_wait(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] = "wait NODE|all PATTERN [--timeout SECONDS] "
				    "[--since boot|start|now]";
	unsigned nodes[CLUSTER_MAX_NODES];
	off_t offsets[CLUSTER_MAX_NODES];
	const char *which = NULL, *pattern = NULL, *since = "boot";
	uint64_t timeout = 30000;
	int count;
	regex_t re;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (parse_duration_ms(argv[++i], &timeout))
				return usage_error(usage);
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			since = argv[++i];
			if (strcmp(since, "boot") && strcmp(since, "start") &&
			    strcmp(since, "now"))
				return usage_error(usage);
		} else if (!which) {
			which = argv[i];
		} else if (!pattern) {
			pattern = argv[i];
		} else {
			return usage_error(usage);
		}
	}
	if (!pattern)
		return usage_error(usage);
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char why[128];
		regerror(rc, &re, why, sizeof(why));
		msg("bad pattern '%s': %s", pattern, why);
		return 2;
	}
	if (parse_nodes(p, which, 1, nodes, &count))
		return 1;
	for (int i = 0; i < count; i++) {
		char path[PATH_MAX];
		node_file(p, nodes[i], "log", path, sizeof(path));
		offsets[i] = !strcmp(since, "start") ? 0
			     : !strcmp(since, "now") ? log_end_offset(path)
						     : log_boot_offset(path);
	}
	catch_interrupts();
	struct watch_result res;
	rc = log_watch(p, nodes, count, offsets, &re, WATCH_MATCH,
		       mono_ms() + timeout, &interrupted, &res);
	regfree(&re);
	if (rc == 0) {
		if (count > 1)
			printf("all %d nodes printed a line matching '%s'\n",
			       count, pattern);
		else
			printf("node %u: %s\n", nodes[0], res.line);
		return 0;
	}
	if (rc < 0)
		return 130;
	char dur[32], path[PATH_MAX];
	if (res.cluster_gone) {
		msg("cluster '%s' stopped while waiting", p->name);
		return 1;
	}
	if (res.kvm_error) {
		/* Waiting longer cannot help: the VM will not run again. */
		msg("node %u will never print a line matching '%s': %s",
		    res.node, pattern, res.line);
		msg("restart the cluster on TCG: ukcluster%s down; "
		    "ukcluster%s up --accel tcg",
		    name_flag(p), name_flag(p));
		return EXIT_KVM_ERROR;
	}
	msg("node %u printed no line matching '%s' within %s; its last lines:",
	    res.node, pattern, format_duration(timeout, dur, sizeof(dur)));
	node_file(p, res.node, "log", path, sizeof(path));
	log_print_tail(path, 15, "  ", stderr);
	return 1;
}

/* Forward connections on 127.0.0.1:port to the node's gdb socket. */
static int gdb_listen(const char *stub, unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	int one = 1, ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(ls, 1)) {
		msg("cannot listen on 127.0.0.1:%u: %s", port, strerror(errno));
		return 1;
	}
	printf("gdb stub on 127.0.0.1:%u (Ctrl-C stops); in gdb: target remote "
	       "localhost:%u\n",
	       port, port);
	fflush(stdout);
	catch_interrupts();
	while (!interrupted) {
		struct pollfd lp = {ls, POLLIN, 0};
		if (poll(&lp, 1, 200) <= 0)
			continue;
		int a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		int b = a >= 0 ? unix_connect(stub) : -1;
		if (b < 0) {
			if (a >= 0)
				close(a);
			msg("cannot reach the stub %s: %s", stub,
			    strerror(errno));
			continue;
		}
		while (!interrupted) {
			struct pollfd f[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
			if (poll(f, 2, 200) <= 0)
				continue;
			char buf[4096];
			int from = f[0].revents ? a : b, to = from == a ? b : a;
			ssize_t n = read(from, buf, sizeof(buf));
			if (n <= 0 || write_all(to, buf, (size_t)n))
				break;
		}
		close(a);
		close(b);
	}
	close(ls);
	return 0;
}

int cmd_gdb(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] = "gdb NODE [--listen [PORT]]";
	unsigned nodes[CLUSTER_MAX_NODES], port = 0;
	int count, listen_mode = 0;
	char stub[PATH_MAX], elf[PATH_MAX], gdb[PATH_MAX],
	    target[PATH_MAX + 32];

	if (argc < 1)
		return usage_error(usage);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen")) {
			listen_mode = 1;
			if (i + 1 < argc &&
			    !parse_uint(argv[i + 1], 1, 65535, &port))
				i++;
		} else {
			return usage_error(usage);
		}
	}
	if (parse_nodes(p, argv[0], 0, nodes, &count))
		return 1;
	node_file(p, nodes[0], "gdb", stub, sizeof(stub));
	if (!path_exists(stub)) {
		msg("node %u has no gdb stub (%s): is it powered on?", nodes[0],
		    stub);
		return 1;
	}
	if (listen_mode)
		return gdb_listen(stub, port ? port : 1234 + nodes[0]);
	/* The symbols of the kernel the cluster boots (copied at `up`). */
	cluster_file(p, "kernel.elf", elf, sizeof(elf));
	if (!path_exists(elf))
		snprintf(elf, sizeof(elf), "%s/kernel/kernel.elf", build_dir());
	if (find_program("gdb", gdb, sizeof(gdb))) {
		msg("gdb is not installed (Debian package gdb). Node %u's stub "
		    "is the unix socket %s (gdb: target remote %s), or run: "
		    "ukcluster%s gdb %u --listen",
		    nodes[0], stub, stub, name_flag(p), nodes[0]);
		return 1;
	}
	snprintf(target, sizeof(target), "target remote %s", stub);
	const char *args[] = {"gdb", "-q", elf, "-ex", target, NULL};
	execv(gdb, (char *const *)args);
	msg("cannot run gdb: %s", strerror(errno));
	return 1;
}
