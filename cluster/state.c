/* SPDX-License-Identifier: MIT */
/* Cluster state on the host; see state.h. */
#include "state.h"
#include "proc.h"
#include "text.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cluster_paths_init(const char *name, struct cluster_paths *p)
{
	const char *env = getenv("UKCLUSTER_STATE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	memset(p, 0, sizeof(*p));
	if (!cluster_name_valid(name)) {
		msg("'%s' is not a cluster name: use 1..%d characters of a-z, "
		    "0-9, '-' and '_'",
		    name, CLUSTER_NAME_MAX - 1);
		return -1;
	}
	str_copy(p->name, name, sizeof(p->name));
	if (env && *env)
		snprintf(p->root, sizeof(p->root), "%s", env);
	else if (xdg && *xdg && !stat(xdg, &st) && S_ISDIR(st.st_mode) &&
		 !access(xdg, W_OK))
		snprintf(p->root, sizeof(p->root), "%s/ukcluster", xdg);
	else
		snprintf(p->root, sizeof(p->root), "/tmp/ukcluster-%u",
			 (unsigned)getuid());
	if ((size_t)snprintf(p->dir, sizeof(p->dir), "%s/%s", p->root, name) >=
		sizeof(p->dir) ||
	    (size_t)snprintf(p->tag, sizeof(p->tag), "%s/", p->dir) >=
		sizeof(p->tag)) {
		msg("state directory path too long");
		return -1;
	}
	/* Unix socket paths are limited to 107 bytes. */
	if (strlen(p->dir) + sizeof("/node64.serial") > 107) {
		msg("state directory %s is too long for unix sockets (108 "
		    "bytes); set UKCLUSTER_STATE_DIR to a shorter path",
		    p->dir);
		return -1;
	}
	snprintf(p->netns, sizeof(p->netns), "ukcluster-%s", name);
	return 0;
}

void cluster_file(const struct cluster_paths *p, const char *file, char *buf,
		  size_t len)
{
	snprintf(buf, len, "%s/%s", p->dir, file);
}

void node_file(const struct cluster_paths *p, unsigned node, const char *suffix,
	       char *buf, size_t len)
{
	snprintf(buf, len, "%s/node%u.%s", p->dir, node, suffix);
}

int cluster_info_write(const struct cluster_paths *p,
		       const struct cluster_info *info)
{
	char buf[2048], path[PATH_MAX], tmp[PATH_MAX];

	snprintf(buf, sizeof(buf),
		 "supervisor=%d\nrootless=%d\nnodes=%u\nprobes=%u\nnetns=%"
		 "s\nstarted=%llu\n",
		 (int)info->supervisor, info->rootless, info->nodes,
		 info->probes, info->netns, info->started_unix_ms);
	for (unsigned i = 1; i <= info->probes; i++)
		str_append(buf, sizeof(buf), "probe%u=%d\n", i,
			   (int)info->probe_pid[i]);
	cluster_file(p, "info", path, sizeof(path));
	cluster_file(p, "info.tmp", tmp, sizeof(tmp));
	if (write_file(tmp, buf, strlen(buf), 0644))
		return -1;
	return rename(tmp, path);
}

int cluster_info_read(const struct cluster_paths *p, struct cluster_info *info)
{
	char path[PATH_MAX];
	char *text, *save = NULL;

	memset(info, 0, sizeof(*info));
	cluster_file(p, "info", path, sizeof(path));
	text = read_file(path, NULL);
	if (!text)
		return -1;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		unsigned v = 0, idx;
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "netns")) {
			str_copy(info->netns, eq, sizeof(info->netns));
			continue;
		}
		if (!strcmp(line, "started")) {
			info->started_unix_ms = strtoull(eq, NULL, 10);
			continue;
		}
		if (parse_uint(eq, 0, 0x7fffffff, &v))
			continue;
		if (!strcmp(line, "supervisor"))
			info->supervisor = (pid_t)v;
		else if (!strcmp(line, "rootless"))
			info->rootless = (int)v;
		else if (!strcmp(line, "nodes"))
			info->nodes = v;
		else if (!strcmp(line, "probes"))
			info->probes = v;
		else if (!strncmp(line, "probe", 5) &&
			 !parse_uint(line + 5, 1, CLUSTER_MAX_PROBES, &idx))
			info->probe_pid[idx] = (pid_t)v;
	}
	free(text);
	return info->nodes ? 0 : -1;
}

pid_t cluster_supervisor(const struct cluster_paths *p)
{
	char path[PATH_MAX];
	char *text;
	unsigned v;

	cluster_file(p, "supervisor.pid", path, sizeof(path));
	text = read_file(path, NULL);
	if (!text)
		return 0;
	text[strcspn(text, "\n")] = '\0';
	int bad = parse_uint(text, 1, 0x7fffffff, &v);
	free(text);
	if (bad || !process_alive((pid_t)v) || !process_cmdline_mentions((pid_t)v, p->tag))
		return 0;
	return (pid_t)v;
}

static int netns_named_exists(const struct cluster_paths *p)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/run/netns/%s", p->netns);
	return path_exists(path);
}

int cluster_sweep(const struct cluster_paths *p, int *problems)
{
	int removed = 0;
	char out[512];

	*problems = 0;
	/* Processes first: they hold the namespace and files open. Repeat
	 * until none is left, as children may outlive a killed parent. */
	for (int round = 0; round < 50; round++) {
		int n = sweep_processes(p->tag);
		if (!n)
			break;
		removed += n;
		sleep_ms(20);
	}
	if (geteuid() == 0 && netns_named_exists(p)) {
		const char *argv[] = {"ip", "netns", "delete", p->netns, NULL};
		if (run_command(argv, NULL, -1, out, sizeof(out))) {
			msg("cannot delete network namespace %s: %s", p->netns,
			    out);
			(*problems)++;
		} else {
			removed++;
		}
	}
	if (path_exists(p->dir)) {
		if (rm_rf(p->dir)) {
			msg("cannot remove %s: %s", p->dir, strerror(errno));
			(*problems)++;
		} else {
			removed++;
		}
	}
	/* The parent goes too once the last cluster is gone. */
	rmdir(p->root);
	return removed;
}

int cluster_leftovers(const struct cluster_paths *p, char *buf, size_t len)
{
	DIR *d;
	struct dirent *e;

	buf[0] = '\0';
	if (path_exists(p->dir))
		str_append(buf, len, "state directory %s\n", p->dir);
	if (netns_named_exists(p))
		str_append(buf, len, "network namespace %s\n", p->netns);
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		unsigned v;
		if (parse_uint(e->d_name, 1, 0x7fffffff, &v) ||
		    (pid_t)v == getpid() ||
		    !cluster_process((pid_t)v, p->tag) ||
		    !process_alive((pid_t)v))
			continue;
		char comm_path[64], comm[64] = "?";
		snprintf(comm_path, sizeof(comm_path), "/proc/%u/comm", v);
		char *c = read_file(comm_path, NULL);
		if (c) {
			c[strcspn(c, "\n")] = '\0';
			str_copy(comm, c, sizeof(comm));
			free(c);
		}
		str_append(buf, len, "process %u (%s)\n", v, comm);
	}
	if (d)
		closedir(d);
	return buf[0] ? 1 : 0;
}
