/* SPDX-License-Identifier: MIT */
/*
 * The commands users type, and the table main() dispatches from. This file:
 * the lifecycle (up, down, status, list, path, leftovers) and the helpers
 * every command shares; commands_watch.c: console, log, wait, gdb;
 * commands_fault.c: the faults and the ways in (send, qmp, ping, exec);
 * commands_check.c: check, the history checker.
 * Requests that act on nodes go to the supervisor; logs are read directly
 * from the state directory, so they also work while the supervisor is busy.
 * `accel` runs the accelerator probe on its own (accel_choice.h).
 */
#include "commands.h"
#include "client.h"
#include "lifecycle.h"
#include "text.h"
#include "util.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int name_given;

volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

void catch_interrupts(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int usage_error(const char *usage)
{
	fprintf(stderr, "usage: ukcluster %s\n", usage);
	return 2;
}

const char *name_flag(const struct cluster_paths *p)
{
	static char buf[64];

	if (!strcmp(p->name, CLUSTER_DEFAULT_NAME))
		return "";
	snprintf(buf, sizeof(buf), " --name %s", p->name);
	return buf;
}

/* The info file of a running cluster, or a message why there is none. */
int running_info(const struct cluster_paths *p, struct cluster_info *info)
{
	int fd = control_open(p); /* says why if the cluster is not running */

	if (fd < 0)
		return -1;
	close(fd);
	if (cluster_info_read(p, info)) {
		msg("cluster '%s' is still starting", p->name);
		return -1;
	}
	return 0;
}

/* NODE words: "2", "node2", or (if allowed) "all". */
int parse_nodes(const struct cluster_paths *p, const char *word, int allow_all,
		unsigned *nodes, int *count)
{
	struct cluster_info info;
	struct target t;

	if (running_info(p, &info))
		return -1;
	if (target_parse(word, allow_all, &t) ||
	    (t.kind != TARGET_NODE && t.kind != TARGET_ALL) ||
	    (t.kind == TARGET_NODE && t.index > info.nodes)) {
		msg("'%s' is not a node of cluster '%s' (1..%u%s)", word,
		    p->name, info.nodes, allow_all ? " or all" : "");
		return -1;
	}
	*count = 0;
	if (t.kind == TARGET_ALL)
		for (unsigned i = 1; i <= info.nodes; i++)
			nodes[(*count)++] = i;
	else
		nodes[(*count)++] = t.index;
	return 0;
}

/* A request whose "ok" text is the whole answer. */
int simple_request(const struct cluster_paths *p, const char *request)
{
	char final[1024];
	int rc = control_call(p, request, NULL, 0, final, sizeof(final));

	if (rc == 0) {
		printf("%s\n", final);
		return 0;
	}
	if (rc > 0)
		msg("%s", final);
	return 1;
}

int accel_option(int argc, char **argv, int *i, enum accel_kind *kind)
{
	if (strcmp(argv[*i], "--accel") || *i + 1 >= argc)
		return 0;
	if (accel_parse(argv[++*i], kind)) {
		msg("--accel must be auto, kvm or tcg, not '%s'", argv[*i]);
		return -1;
	}
	return 1;
}

static int cmd_up(const struct cluster_paths *given, int argc, char **argv)
{
	static const char usage[] =
	    "up [--config FILE] [--nodes N] [--probes N] [--accel "
	    "auto|kvm|tcg] [--detach] [--pcap FILE]";
	static struct cluster_config cfg;
	const char *config = NULL, *pcap = NULL;
	unsigned nodes = 0, probes = ~0U;
	int detach = 0, accel_given = 0, rc;
	enum accel_kind accel = ACCEL_AUTO;
	uint64_t t0 = mono_ms();
	struct cluster_paths paths = *given;
	const struct cluster_paths *p = &paths;

	for (int i = 0; i < argc; i++) {
		if ((rc = accel_option(argc, argv, &i, &accel)) != 0) {
			if (rc < 0)
				return 2;
			accel_given = 1;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--nodes") && i + 1 < argc) {
			if (parse_uint(argv[++i], 1, CLUSTER_MAX_NODES,
				       &nodes)) {
				msg("--nodes must be 1..%d", CLUSTER_MAX_NODES);
				return 2;
			}
		} else if (!strcmp(argv[i], "--probes") && i + 1 < argc) {
			if (parse_uint(argv[++i], 0, CLUSTER_MAX_PROBES,
				       &probes)) {
				msg("--probes must be 0..%d",
				    CLUSTER_MAX_PROBES);
				return 2;
			}
		} else if (!strcmp(argv[i], "--detach") ||
			   !strcmp(argv[i], "-d"))
			detach = 1;
		else if (!strcmp(argv[i], "--pcap") && i + 1 < argc)
			pcap = argv[++i];
		else
			return usage_error(usage);
	}
	if (config_load(config, &cfg))
		return 1;
	if (nodes) {
		struct config_error err;
		if (config_set_nodes(&cfg, nodes, &err)) {
			msg("--nodes %u: %s", nodes, err.message);
			return 2;
		}
	}
	if (probes != ~0U)
		cfg.probes = probes;
	if (accel_wish(accel_given, accel, &cfg, &accel))
		return 2;
	if (!name_given && cfg.name[0] && cluster_paths_init(cfg.name, &paths))
		return 1;

	/* Owned by this process until it is up, so Ctrl-C during the setup
	 * stops it even with --detach. */
	struct up_options o = {&cfg, pcap, getpid(), t0, 0, accel, NULL};
	rc = cluster_up(p, &o);
	if (rc)
		return rc;
	if (detach) {
		if (control_call(p, "disown", NULL, 0, NULL, 0)) {
			msg("cannot detach from cluster '%s'; stopping it",
			    p->name);
			cluster_down(p, NULL, 1);
			return 1;
		}
		printf("logs:    ukcluster%s log all -f\n"
		       "console: ukcluster%s console 1\n"
		       "stop:    ukcluster%s down\n",
		       name_flag(p), name_flag(p), name_flag(p));
		return 0;
	}
	switch (console_attach(p, 1, CONSOLE_UP, 1)) {
	case CONSOLE_DETACHED:
		if (control_call(p, "disown", NULL, 0, NULL, 0) == 0)
			printf("detached; cluster '%s' keeps running "
			       "(ukcluster%s console 1, ukcluster%s down)\n",
			       p->name, name_flag(p), name_flag(p));
		return 0;
	case CONSOLE_CLOSED:
		printf("cluster '%s' stopped\n", p->name);
		return 0;
	case CONSOLE_INTERRUPTED:
	case CONSOLE_FAILED:
	default:
		printf("stopping cluster '%s'\n", p->name);
		return cluster_down(p, NULL, 0);
	}
}

static int cmd_down(const struct cluster_paths *p, int argc, char **argv)
{
	const char *save = NULL, *disks = NULL;
	int rc = 0, names = 0;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--save-logs") && i + 1 < argc)
			save = argv[++i];
		else if (!strcmp(argv[i], "--save-disks") && i + 1 < argc)
			disks = argv[++i];
		else if (argv[i][0] == '-')
			return usage_error("down [--save-logs DIR] "
					   "[--save-disks DIR] [NAME...]");
	for (int i = 0; i < argc; i++) {
		struct cluster_paths other;
		if (!strcmp(argv[i], "--save-logs") ||
		    !strcmp(argv[i], "--save-disks")) {
			i++;
			continue;
		}
		names++;
		if (cluster_paths_init(argv[i], &other))
			return 2;
		rc |= cluster_down_saving(&other, save, disks, 0);
	}
	if (!names)
		rc = cluster_down_saving(p, save, disks, 0);
	return rc;
}

static void format_uptime(unsigned long long ms, char *buf, size_t len)
{
	unsigned long long s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else
		snprintf(buf, len, "%lluh%02llum", s / 3600, s / 60 % 60);
}

struct status_row {
	char *f[11]; /* the fields of a "node" line of the status reply */
};

static int cmd_status(const struct cluster_paths *p, int argc, char **argv)
{
	static char data[65536];
	static struct status_row rows[CLUSTER_MAX_NODES];
	char final[512], up[32], accel[700] = "", kvm[4096] = "";
	struct cluster_info info;
	int nrows = 0, state_width = 9;

	(void)argv;
	if (argc)
		return usage_error("status");
	if (running_info(p, &info))
		return 1;
	if (control_call(p, "status", data, sizeof(data), final,
			 sizeof(final))) {
		msg("status: %s", final);
		return 1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long now = (unsigned long long)ts.tv_sec * 1000 +
				 (unsigned long long)ts.tv_nsec / 1000000;
	format_uptime(now - info.started_unix_ms, up, sizeof(up));
	char probes[1024] = "", partition[512] = "-";
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[11] = {NULL};
		int n = 0;
		/* The last field of a node line is its last log line, which
		 * may hold tabs. */
		for (char *s2 = NULL, *t = strtok_r(line, "\t", &s2);
		     t && n < 11; t = strtok_r(NULL, n == 10 ? "" : "\t", &s2))
			f[n++] = t;
		if (!n)
			continue;
		if (!strcmp(f[0], "node") && n >= 10 &&
		    nrows < CLUSTER_MAX_NODES) {
			memcpy(rows[nrows++].f, f, sizeof(f));
			if ((int)strlen(f[2]) > state_width)
				state_width = (int)strlen(f[2]);
		} else if (!strcmp(f[0], "accel") && n >= 3) {
			str_copy(accel, f[2], sizeof(accel));
		} else if (!strcmp(f[0], "kvmerror") && n >= 3) {
			str_append(kvm, sizeof(kvm),
				   "node %s was stopped by a KVM internal "
				   "error: %s\n",
				   f[1], f[2]);
		} else if (!strcmp(f[0], "probe") && n >= 5) {
			str_append(probes, sizeof(probes), "%s%s %s",
				   probes[0] ? ", " : "", f[1], f[2]);
			if (strcmp(f[3], "0"))
				str_append(probes, sizeof(probes),
					   " (loss %s%%)", f[3]);
		} else if (!strcmp(f[0], "partition") && n >= 2) {
			str_copy(partition, f[1], sizeof(partition));
		}
	}
	printf("cluster '%s': %u nodes, up %s, %s%s, state in %s\n", p->name,
	       info.nodes, up, info.rootless ? "rootless" : "namespace ",
	       info.rootless ? "" : info.netns, p->dir);
	if (accel[0])
		printf("accel %s\n", accel);
	printf("%-5s %-*s %-5s %-9s %-11s %-7s %-5s %-5s %s\n", "NODE",
	       state_width, "STATE", "ACCEL", "STAGE", "ADDRESS", "UPTIME",
	       "LINK", "LOSS", "LAST LOG LINE");
	for (int i = 0; i < nrows; i++) {
		char **f = rows[i].f;
		char ut[32] = "-", loss[8] = "-";
		unsigned long long ms = strtoull(f[5], NULL, 10);
		if (strcmp(f[2], "off"))
			format_uptime(ms, ut, sizeof(ut));
		if (strcmp(f[7], "0"))
			snprintf(loss, sizeof(loss), "%s%%", f[7]);
		printf("%-5s %-*s %-5s %-9s %-11s %-7s %-5s %-5s %s\n", f[1],
		       state_width, f[2], f[9], f[3], f[4], ut, f[6], loss,
		       f[10] ? f[10] : "");
	}
	if (probes[0])
		printf("probes: %s\n", probes);
	printf("partition: %s\n", partition);
	if (kvm[0])
		printf("%sthe host's KVM cannot run the guest: restart on TCG "
		       "with: ukcluster%s down; ukcluster%s up --accel tcg\n",
		       kvm, name_flag(p), name_flag(p));
	return 0;
}

/* The probe on its own: what auto would choose here, or (--require kvm)
 * whether KVM runs guests at all, for tests that need KVM. */
static int cmd_accel(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] =
	    "accel [--require kvm] [--config FILE] [--no-cache]";
	static struct cluster_config cfg;
	const char *config = NULL;
	struct accel_probe_input in;
	struct accel_verdict v;
	char image[PATH_MAX + 32], when[64];
	int require = 0, no_cache = 0;

	(void)p;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--require") && i + 1 < argc &&
		    !strcmp(argv[i + 1], "kvm")) {
			require = 1;
			i++;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[++i];
		} else if (!strcmp(argv[i], "--no-cache")) {
			no_cache = 1;
		} else {
			return usage_error(usage);
		}
	}
	if (config_load(config, &cfg))
		return 2;
	accel_probe_input_for(&cfg, &in, image, sizeof(image));
	/* Requiring KVM asks the host only: a kernel that fails under a
	 * working KVM must fail its tests, not skip them. */
	in.host_only = require;
	in.no_cache = no_cache;
	accel_probe(&in, &v);
	if (v.cached)
		snprintf(when, sizeof(when),
			 "cached verdict of this host boot");
	else
		snprintf(when, sizeof(when), "probed now in %.1f s", v.seconds);
	if (require) {
		printf("kvm %s: %s (%s)\n",
		       v.host_ok ? "runs guests here" : "is not usable here",
		       v.reason, when);
		if (!v.host_ok)
			printf("skipped: this needs KVM (clusters here run on "
			       "TCG: --accel tcg)\n");
		return v.host_ok ? 0 : EXIT_CANNOT_RUN;
	}
	printf("auto chooses %s: %s (%s)\n", v.kvm_ok ? "kvm" : "tcg", v.reason,
	       when);
	char dir[PATH_MAX];
	if (!no_cache && accel_cache_dir(dir, sizeof(dir)) == 0)
		printf("verdicts cached in %s (delete the kvm-probe-* files to "
		       "probe again)\n", dir);
	return 0;
}

static int cmd_list(const struct cluster_paths *p, int argc, char **argv)
{
	DIR *d = opendir(p->root);
	struct dirent *e;
	int any = 0;

	(void)argc;
	(void)argv;
	while (d && (e = readdir(d))) {
		struct cluster_paths other;
		struct cluster_info info;
		if (e->d_name[0] == '.' || !cluster_name_valid(e->d_name) ||
		    cluster_paths_init(e->d_name, &other))
			continue;
		any = 1;
		if (!cluster_supervisor(&other))
			printf("%-20s stale (clean up with: ukcluster --name "
			       "%s down)\n",
			       e->d_name, e->d_name);
		else if (cluster_info_read(&other, &info))
			printf("%-20s starting\n", e->d_name);
		else
			printf("%-20s up, %u node%s, %u probe%s, %s\n",
			       e->d_name, info.nodes,
			       info.nodes == 1 ? "" : "s", info.probes,
			       info.probes == 1 ? "" : "s", other.dir);
	}
	if (d)
		closedir(d);
	if (!any)
		printf("no clusters (state root %s)\n", p->root);
	return 0;
}

static int cmd_path(const struct cluster_paths *p, int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_error("path");
	printf("%s\n", p->dir);
	return 0;
}

static int cmd_leftovers(const struct cluster_paths *p, int argc, char **argv)
{
	char left[8192];

	(void)argv;
	if (argc)
		return usage_error("leftovers");
	if (cluster_leftovers(p, left, sizeof(left))) {
		printf("cluster '%s' left behind:\n%s", p->name, left);
		return 1;
	}
	printf("nothing of cluster '%s' is left\n", p->name);
	return 0;
}

const struct command commands[] = {
    {"up", cmd_up,
     "up [--config FILE] [--nodes N] [--probes N] [--accel auto|kvm|tcg] "
     "[--detach] [--pcap FILE]",
     "boot the cluster over PXE; show node 1's console unless --detach"},
    {"down", cmd_down, "down [--save-logs DIR] [--save-disks DIR] [NAME...]",
     "stop everything and remove every trace (also after a crash)"},
    {"status", cmd_status, "status",
     "state, accelerator, address, uptime, last log line of each node"},
    {"accel", cmd_accel, "accel [--require kvm] [--config FILE] [--no-cache]",
     "probe KVM: what auto chooses here (--require kvm: exit 77 if unusable)"},
    {"list", cmd_list, "list", "the clusters of this user"},
    {"console", cmd_console, "console NODE [--replay]",
     "interactive serial console (Ctrl-] leaves)"},
    {"log", cmd_log, "log NODE|all [-f] [-n LINES]", "timestamped serial log"},
    {"wait", cmd_wait,
     "wait NODE|all PATTERN [--timeout SECONDS] [--since boot|start|now]",
     "wait for a log line matching a regular expression"},
    {"gdb", cmd_gdb, "gdb NODE [--listen [PORT]]",
     "debug a node through QEMU's gdb stub"},
    {"kill", cmd_kill, "kill NODE", "hard power-off"},
    {"start", cmd_start, "start NODE", "power a node on again (it PXE-boots)"},
    {"pause", cmd_pause, "pause NODE", "freeze a node (a hung node)"},
    {"resume", cmd_resume, "resume NODE", "unfreeze a paused node"},
    {"reboot", cmd_reboot, "reboot NODE", "reset: the node PXE-boots again"},
    {"link", cmd_link, "link NODE [up|down]",
     "set or show the NIC's link (QMP set_link)"},
    {"partition", cmd_partition, "partition A,B / C[,D] [/ ...]",
     "groups that cannot reach each other (nftables on the bridge)"},
    {"heal", cmd_heal, "heal", "remove partitions and packet loss"},
    {"loss", cmd_loss, "loss NODE|PROBE PERCENT",
     "drop a share of the frames of a port"},
    {"send", cmd_send, "send NODE TEXT...", "type a line on a node's console"},
    {"ping", cmd_ping, "ping FROM TO [-c COUNT] [-i MS] [-W MS]",
     "ICMP from a probe or the host to any address in the cluster"},
    {"exec", cmd_exec, "exec [host|PROBE] -- COMMAND [ARG...]",
     "run a host command inside the cluster's network"},
    {"qmp", cmd_qmp, "qmp NODE JSON",
     "send a raw QMP command to a node's QEMU"},
    {"run", cmd_run,
     "run FILE [--accel auto|kvm|tcg] [--keep] [--save-logs DIR]"
     " [--save-disks DIR]",
     "run a scenario file"},
    {"history", cmd_history,
     "history [--logs DIR | --serial FILE] [--deadline D] [-o FILE]",
     "collect a run's history (workload and faults) from the node logs"},
    {"check", cmd_check,
     "check HISTORY [--svg FILE] [--deadline DURATION] [--skew DURATION] "
     "[--budget STEPS]",
     "check a run's history: lost, duplicated, hung, linearizable"},
    {"path", cmd_path, "path", "print the cluster's state directory"},
    {"leftovers", cmd_leftovers, "leftovers",
     "list anything of the cluster still on the host (exit 1 if any)"},
    {NULL, NULL, NULL, NULL},
};
