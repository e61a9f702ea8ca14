/* SPDX-License-Identifier: MIT */
/* Faults (kill, start, pause, resume, reboot, link, partition, heal, loss)
 * and the ways into a cluster (send, qmp, ping, exec); see commands.c. */
#include "commands.h"
#include "client.h"
#include "netns.h"
#include "ping.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cmd_node_fault(const struct cluster_paths *p, const char *verb,
			  int argc, char **argv)
{
	char request[128];

	if (argc != 1) {
		snprintf(request, sizeof(request), "%s NODE", verb);
		return usage_error(request);
	}
	snprintf(request, sizeof(request), "%s %s", verb, argv[0]);
	return simple_request(p, request);
}

int cmd_kill(const struct cluster_paths *p, int argc, char **argv)
{
	return cmd_node_fault(p, "kill", argc, argv);
}

int cmd_start(const struct cluster_paths *p, int argc, char **argv)
{
	return cmd_node_fault(p, "start", argc, argv);
}

int cmd_pause(const struct cluster_paths *p, int argc, char **argv)
{
	return cmd_node_fault(p, "pause", argc, argv);
}

int cmd_resume(const struct cluster_paths *p, int argc, char **argv)
{
	return cmd_node_fault(p, "resume", argc, argv);
}

int cmd_reboot(const struct cluster_paths *p, int argc, char **argv)
{
	return cmd_node_fault(p, "reboot", argc, argv);
}

int cmd_link(const struct cluster_paths *p, int argc, char **argv)
{
	char request[128];

	if (argc == 1) {
		snprintf(request, sizeof(request), "linkstate %s", argv[0]);
		return simple_request(p, request);
	}
	if (argc != 2 || (strcmp(argv[1], "up") && strcmp(argv[1], "down")))
		return usage_error("link NODE [up|down]");
	snprintf(request, sizeof(request), "link %s %s", argv[0], argv[1]);
	return simple_request(p, request);
}

int join_request(char *buf, size_t len, const char *verb, int argc, char **argv)
{
	buf[0] = '\0';
	if (str_append(buf, len, "%s", verb))
		return -1;
	for (int i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n'))
			return -1;
		if (str_append(buf, len, " %s", argv[i]))
			return -1;
	}
	return 0;
}

int cmd_partition(const struct cluster_paths *p, int argc, char **argv)
{
	char request[1024];

	if (!argc ||
	    join_request(request, sizeof(request), "partition", argc, argv))
		return usage_error("partition A,B / C[,D] [/ ...]");
	return simple_request(p, request);
}

int cmd_heal(const struct cluster_paths *p, int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_error("heal");
	return simple_request(p, "heal");
}

int cmd_loss(const struct cluster_paths *p, int argc, char **argv)
{
	char request[128];

	if (argc != 2)
		return usage_error("loss NODE|PROBE PERCENT");
	snprintf(request, sizeof(request), "loss %s %s", argv[0], argv[1]);
	return simple_request(p, request);
}

int cmd_send(const struct cluster_paths *p, int argc, char **argv)
{
	char request[2048];

	if (argc < 1 ||
	    join_request(request, sizeof(request), "send", argc, argv))
		return usage_error("send NODE TEXT...");
	return simple_request(p, request);
}

int cmd_qmp(const struct cluster_paths *p, int argc, char **argv)
{
	static char data[65536];
	char request[4096], final[1024];

	if (argc < 2 ||
	    join_request(request, sizeof(request), "qmp", argc, argv))
		return usage_error("qmp NODE '{\"execute\":\"query-status\"}'");
	int rc =
	    control_call(p, request, data, sizeof(data), final, sizeof(final));
	if (rc == 0) {
		fputs(data, stdout);
		return 0;
	}
	if (rc > 0)
		msg("%s", final);
	return 1;
}

int cmd_ping(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] = "ping FROM TO [-c COUNT] [-i MS] [-W MS]";
	unsigned count = 5, interval = 200, timeout = 1000;
	const char *words[2];
	int nw = 0;
	struct target from, to;
	struct cluster_info info;
	struct ping_result r;
	char why[512], addr[32];

	for (int i = 0; i < argc; i++) {
		unsigned *v = !strcmp(argv[i], "-c")   ? &count
			      : !strcmp(argv[i], "-i") ? &interval
			      : !strcmp(argv[i], "-W") ? &timeout
						       : NULL;
		if (v) {
			if (i + 1 >= argc ||
			    parse_uint(argv[++i], 1, 100000, v))
				return usage_error(usage);
		} else if (nw < 2) {
			words[nw++] = argv[i];
		} else {
			return usage_error(usage);
		}
	}
	if (nw != 2 || target_parse(words[0], 0, &from) ||
	    target_parse(words[1], 0, &to) || from.kind == TARGET_NODE)
		return usage_error(usage);
	if (running_info(p, &info))
		return 1;
	target_address(&to, addr, sizeof(addr));
	if (cluster_ping(&info, &from, &to, count, interval, timeout, &r, why,
			 sizeof(why))) {
		msg("ping: %s", why);
		return 1;
	}
	printf("%s -> %s (%s): %u sent, %u received, %u%% loss\n", words[0],
	       words[1], addr, r.sent, r.received,
	       r.sent ? 100 * (r.sent - r.received) / r.sent : 0);
	return r.received ? 0 : 1;
}

int cmd_exec(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] = "exec [host|PROBE] -- COMMAND [ARG...]";
	struct cluster_info info;
	struct target where = {TARGET_HOST, 0};
	char why[512];
	int i = 0;

	if (i < argc && strcmp(argv[i], "--")) {
		if (target_parse(argv[i], 0, &where) ||
		    where.kind == TARGET_NODE)
			return usage_error(usage);
		i++;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc)
		return usage_error(usage);
	if (running_info(p, &info))
		return 1;
	pid_t probe = 0;
	if (where.kind == TARGET_PROBE) {
		if (where.index > info.probes) {
			msg("probe p%u does not exist (the cluster has %u "
			    "probes)",
			    where.index, info.probes);
			return 1;
		}
		probe = info.probe_pid[where.index];
	}
	if (netns_enter(&info, probe, why, sizeof(why))) {
		msg("exec: %s", why);
		return 1;
	}
	execvp(argv[i + 1], argv + i + 1);
	msg("exec %s: %s", argv[i + 1], strerror(errno));
	return 127;
}
