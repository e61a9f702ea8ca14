/* SPDX-License-Identifier: MIT */
/*
 * Up and down. `up` checks the machine, writes the normalized configuration
 * into a fresh state directory and starts the supervisor as a daemon (its
 * own session, so a closing terminal does not kill it), then waits on a
 * pipe for "ready" or the reason it failed. `down` asks the supervisor to
 * tear down and then sweeps, so it also cleans up after a crash.
 */
#include "lifecycle.h"
#include "client.h"
#include "netns.h"
#include "proc.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef UK_BUILD_DIR
#define UK_BUILD_DIR "build"
#endif

const char *build_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;

	if (dir[0])
		return dir;
	/* BUILD/cluster/ukcluster: the kernel of this build sits beside. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *d = dirname(dirname(exe));
		snprintf(probe, sizeof(probe), "%s/kernel/kernel.bin", d);
		if (path_exists(probe)) {
			str_copy(dir, d, sizeof(dir));
			return dir;
		}
	}
	str_copy(dir, UK_BUILD_DIR, sizeof(dir));
	return dir;
}

static int resolve(char *path, const char *base_dir, const char *fallback)
{
	char buf[PATH_MAX * 2];

	if (!path[0])
		snprintf(buf, sizeof(buf), "%s", fallback);
	else if (path[0] != '/')
		snprintf(buf, sizeof(buf), "%s/%s", base_dir, path);
	else
		snprintf(buf, sizeof(buf), "%s", path);
	if (absolute_path(buf, path, CONFIG_PATH_MAX))
		return -1;
	return 0;
}

int config_load(const char *path, struct cluster_config *cfg)
{
	char base[PATH_MAX] = ".";

	if (path) {
		struct config_error err;
		size_t len;
		char *text = read_file(path, &len);
		if (!text) {
			msg("cannot read configuration %s: %s", path,
			    strerror(errno));
			return -1;
		}
		int rc = config_parse(text, len, cfg, &err);
		free(text);
		if (rc) {
			if (err.line)
				fprintf(stderr, "%s:%d: %s\n", path, err.line,
					err.message);
			else
				fprintf(stderr, "%s: %s\n", path, err.message);
			return -1;
		}
		char copy[PATH_MAX];
		str_copy(copy, path, sizeof(copy));
		str_copy(base, dirname(copy), sizeof(base));
	} else {
		config_default(cfg);
	}
	return config_resolve(cfg, base);
}

int config_resolve(struct cluster_config *cfg, const char *base_dir)
{
	char kernel[PATH_MAX + 32], archive[PATH_MAX + 32], disk[PATH_MAX + 32];

	snprintf(kernel, sizeof(kernel), "%s/kernel/kernel.bin", build_dir());
	snprintf(archive, sizeof(archive), "%s/boot/boot.cpio", build_dir());
	snprintf(disk, sizeof(disk), "%s/disk/disk.img", build_dir());
	if (resolve(cfg->kernel, base_dir, kernel) ||
	    resolve(cfg->archive, base_dir, archive) ||
	    (strcmp(cfg->disk, "none") && resolve(cfg->disk, base_dir, disk))) {
		msg("kernel or boot archive path too long");
		return -1;
	}
	return 0;
}

void print_cluster_summary(const struct cluster_paths *p,
			   const struct cluster_config *cfg,
			   const struct accel_choice *accel)
{
	char how[600];

	printf("cluster '%s' is up: %u node%s booting over PXE (state in %s)\n",
	       p->name, cfg->nodes, cfg->nodes == 1 ? "" : "s", p->dir);
	printf("  accel %s\n", accel_choice_describe(accel, how, sizeof(how)));
	for (unsigned i = 1; i <= cfg->nodes; i++) {
		const struct node_config *nc = &cfg->node[i - 1];
		char addr[32], mac[32];
		node_address(i, addr, sizeof(addr));
		node_mac(i, mac, sizeof(mac));
		printf("  node %-2u %-11s %s  %u MiB  role=%s  servers=%s\n", i,
		       addr, mac, nc->memory_mib, nc->role,
		       nc->servers[0] ? nc->servers : "-");
	}
	for (unsigned i = 1; i <= cfg->probes; i++) {
		char addr[32];
		probe_address(i, addr, sizeof(addr));
		printf("  probe p%u %s\n", i, addr);
	}
}

/* The state root may be shared (/tmp): it must be ours and private. */
static int make_root(const struct cluster_paths *p)
{
	struct stat st;

	if (mkdir_p(p->root, 0700)) {
		msg("cannot create %s: %s", p->root, strerror(errno));
		return -1;
	}
	if (lstat(p->root, &st) || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid()) {
		msg("%s is not a directory owned by uid %u; set "
		    "UKCLUSTER_STATE_DIR",
		    p->root, (unsigned)geteuid());
		return -1;
	}
	return 0;
}

static int check_files(const struct cluster_config *cfg)
{
	if (access(cfg->kernel, R_OK)) {
		msg("kernel %s: %s (build it with cmake --build build; "
		    "cluster/up builds first)",
		    cfg->kernel, strerror(errno));
		return -1;
	}
	if (access(cfg->archive, R_OK)) {
		msg("boot archive %s: %s (build it with cmake --build build; "
		    "cluster/up builds first)",
		    cfg->archive, strerror(errno));
		return -1;
	}
	return 0;
}

int cluster_up(const struct cluster_paths *p, const struct up_options *o)
{
	char why[1024], path[PATH_MAX], text[65536];
	struct accel_choice accel;
	int problems;

	if (netns_preflight(why, sizeof(why))) {
		msg("cannot start a cluster here: %s", why);
		return EXIT_CANNOT_RUN;
	}
	if (check_files(o->cfg))
		return 1;
	if (cluster_supervisor(p)) {
		msg("cluster '%s' is already up (see: ukcluster%s%s status; "
		    "stop it with: ukcluster%s%s down)",
		    p->name,
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? " --name " : "",
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? p->name : "",
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? " --name " : "",
		    strcmp(p->name, CLUSTER_DEFAULT_NAME) ? p->name : "");
		return 1;
	}
	/* Before anything starts, and once: every node, and every restart,
	 * runs on this (the supervisor reads it from STATE/accel). */
	accel_choice_make(o->accel, o->cfg, &accel);
	if (o->chosen)
		*o->chosen = accel;
	if (cluster_leftovers(p, text, sizeof(text))) {
		if (!o->quiet)
			msg("removing what an earlier cluster '%s' left behind",
			    p->name);
		cluster_sweep(p, &problems);
		if (problems)
			return 1;
	}
	if (make_root(p))
		return 1;
	if (mkdir(p->dir, 0700)) {
		msg("cannot create %s: %s%s", p->dir, strerror(errno),
		    errno == EEXIST
			? " (is another `up` of this cluster running?)"
			: "");
		return 1;
	}
	if (config_format(o->cfg, text, sizeof(text))) {
		msg("configuration too large");
		goto fail;
	}
	cluster_file(p, "cluster.conf", path, sizeof(path));
	if (write_file(path, text, strlen(text), 0644)) {
		msg("cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	if (accel_choice_write(p, &accel)) {
		cluster_file(p, "accel", path, sizeof(path));
		msg("cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	int pcap_fd = -1;
	if (o->pcap) {
		pcap_fd = open(o->pcap, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (pcap_fd < 0) {
			msg("cannot open capture file %s: %s", o->pcap,
			    strerror(errno));
			goto fail;
		}
	}
	int ready[2];
	if (pipe(ready)) {
		msg("pipe: %s", strerror(errno));
		goto fail;
	}
	fcntl(ready[0], F_SETFD, FD_CLOEXEC);
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		msg("fork: %s", strerror(errno));
		goto fail;
	}
	if (child == 0) {
		/* Detach: a new session, then a grandchild that init adopts. */
		setsid();
		if (fork() != 0)
			_exit(0);
		char log[PATH_MAX], owner[16], fd[16], pfd[16], t0[32];
		cluster_file(p, "supervisor.log", log, sizeof(log));
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (in < 0 || out < 0)
			_exit(1);
		/* Only what the supervisor needs stays open: a pipe left
		 * open to, say, ctest would keep it waiting forever. */
		int r = fcntl(ready[1], F_DUPFD, 10);
		int c = pcap_fd >= 0 ? fcntl(pcap_fd, F_DUPFD, 10) : -1;
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		dup2(r, 3);
		if (c >= 0)
			dup2(c, 4);
		close_range(pcap_fd >= 0 ? 5 : 4, ~0U, 0);
		snprintf(owner, sizeof(owner), "%d", (int)o->owner);
		snprintf(fd, sizeof(fd), "%d", 3);
		snprintf(pfd, sizeof(pfd), "%d", pcap_fd >= 0 ? 4 : -1);
		snprintf(t0, sizeof(t0), "%llu", (unsigned long long)o->t0_ms);
		const char *argv[] = {
		    "ukcluster", "__supervise", p->name,      p->tag,
		    "--owner",	 owner,		"--ready-fd", fd,
		    "--pcap-fd", pfd,		"--t0",	      t0,
		    NULL};
		execv("/proc/self/exe", (char *const *)argv);
		dprintf(2, "cannot start the supervisor: %s\n",
			strerror(errno));
		_exit(1);
	}
	close(ready[1]);
	if (pcap_fd >= 0)
		close(pcap_fd);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	/* The supervisor reports "ready" or "error: why", then closes. */
	size_t n = 0;
	for (;;) {
		ssize_t r = read(ready[0], text + n, sizeof(text) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		text[n] = '\0';
		if (strstr(text, "ready\n"))
			break;
	}
	text[n] = '\0';
	close(ready[0]);
	if (!strstr(text, "ready\n")) {
		text[strcspn(text, "\n")] = '\0';
		msg("cluster '%s' did not start: %s", p->name,
		    !strncmp(text, "error: ", 7)
			? text + 7
			: "the supervisor died during setup");
		/* The supervisor cleans up after a failed setup; make sure. */
		for (int i = 0; i < 100 && cluster_supervisor(p); i++)
			sleep_ms(50);
		cluster_sweep(p, &problems);
		return strstr(text, "/dev/net/tun") || strstr(text, "namespace")
			   ? EXIT_CANNOT_RUN
			   : 1;
	}
	if (!o->quiet)
		print_cluster_summary(p, o->cfg, &accel);
	return 0;
fail:
	cluster_sweep(p, &problems);
	return 1;
}

static void copy_logs(const struct cluster_paths *p, const char *dest)
{
	char src[PATH_MAX], dst[PATH_MAX * 2];
	static const char *const files[] = {"dnsmasq.log", "supervisor.log",
					    "cluster.conf", "accel"};

	if (mkdir_p(dest, 0755)) {
		msg("cannot create %s: %s", dest, strerror(errno));
		return;
	}
	for (unsigned i = 1; i <= CLUSTER_MAX_NODES; i++) {
		static const char *const kinds[] = {"log", "qemu.log"};
		for (int k = 0; k < 2; k++) {
			node_file(p, i, kinds[k], src, sizeof(src));
			if (!path_exists(src))
				continue;
			snprintf(dst, sizeof(dst), "%s/node%u.%s", dest, i,
				 kinds[k]);
			copy_file(src, dst, 0644);
		}
	}
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		cluster_file(p, files[k], src, sizeof(src));
		snprintf(dst, sizeof(dst), "%s/%s", dest, files[k]);
		if (path_exists(src))
			copy_file(src, dst, 0644);
	}
}

/* The nodes' disks, when the supervisor is gone: its QEMUs died with it,
 * so the images are complete. */
static void copy_disks(const struct cluster_paths *p, const char *dest)
{
	char src[PATH_MAX], dst[PATH_MAX * 2];

	if (mkdir_p(dest, 0755)) {
		msg("cannot create %s: %s", dest, strerror(errno));
		return;
	}
	for (unsigned i = 1; i <= CLUSTER_MAX_NODES; i++) {
		node_file(p, i, "disk.img", src, sizeof(src));
		snprintf(dst, sizeof(dst), "%s/node%u.disk.img", dest, i);
		if (path_exists(src) && copy_file(src, dst, 0644))
			msg("cannot save %s: %s", src, strerror(errno));
	}
}

int cluster_down(const struct cluster_paths *p, const char *save_logs,
		 int quiet)
{
	return cluster_down_saving(p, save_logs, NULL, quiet);
}

int cluster_down_saving(const struct cluster_paths *p, const char *save_logs,
			const char *save_disks, int quiet)
{
	char request[PATH_MAX + 16], final[512], left[4096];
	char abs_logs[PATH_MAX], abs_disks[PATH_MAX];
	pid_t sup = cluster_supervisor(p);
	int problems = 0, stopped = 0;

	if (save_logs && absolute_path(save_logs, abs_logs, sizeof(abs_logs)))
		save_logs = NULL;
	if (save_logs)
		save_logs = abs_logs;
	if (save_disks &&
	    absolute_path(save_disks, abs_disks, sizeof(abs_disks)))
		save_disks = NULL;
	if (save_disks)
		save_disks = abs_disks;
	if (sup) {
		if (save_disks) {
			snprintf(request, sizeof(request), "save-disks %s",
				 save_disks);
			control_call(p, request, NULL, 0, final, sizeof(final));
		}
		snprintf(request, sizeof(request), "down%s%s",
			 save_logs ? " " : "", save_logs ? save_logs : "");
		if (control_call(p, request, NULL, 0, final, sizeof(final)) ==
		    0)
			stopped = 1;
		/* The reply comes just before the supervisor exits; its
		 * namespace goes with it. Copies of the disks take longer. */
		for (int i = 0; i < (save_disks ? 1200 : 200) &&
				process_alive(sup);
		     i++)
			sleep_ms(25);
		if (process_alive(sup))
			kill(sup, SIGKILL);
	} else if (path_exists(p->dir)) {
		if (save_logs)
			copy_logs(p, save_logs);
		if (save_disks)
			copy_disks(p, save_disks);
	}
	int removed = cluster_sweep(p, &problems);
	if (cluster_leftovers(p, left, sizeof(left))) {
		msg("cluster '%s' is down, but these remain:\n%s", p->name,
		    left);
		return 1;
	}
	if (problems)
		return 1;
	if (!quiet) {
		if (stopped)
			printf("cluster '%s' stopped; nothing left behind\n",
			       p->name);
		else if (removed)
			printf("cluster '%s' was not running; removed what it "
			       "left behind\n",
			       p->name);
		else
			printf("no cluster '%s' is running; nothing to do\n",
			       p->name);
		if (save_logs)
			printf("logs saved in %s\n", save_logs);
		if (save_disks)
			printf("disks saved in %s\n", save_disks);
	}
	return 0;
}
