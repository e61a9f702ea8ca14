/* SPDX-License-Identifier: MIT */
/*
 * Where a cluster lives on the host. Everything a cluster creates is found
 * from its name alone, so `down` works after any crash: the state directory
 * (sockets, logs, TFTP root, dnsmasq files, the info file), the processes
 * whose command line mentions that directory, and (as root) the named
 * network namespace "ukcluster-NAME".
 *
 * State directory: $UKCLUSTER_STATE_DIR/NAME, else
 * $XDG_RUNTIME_DIR/ukcluster/NAME, else /tmp/ukcluster-UID/NAME.
 */
#ifndef UKCLUSTER_STATE_H
#define UKCLUSTER_STATE_H

#include "cluster.h"

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct cluster_paths {
	char name[CLUSTER_NAME_MAX];
	char root[PATH_MAX]; /* parent of every cluster's directory */
	char dir[PATH_MAX];  /* this cluster's directory */
	char tag[PATH_MAX];  /* dir + "/": what command lines mention */
	char netns[64];	     /* named namespace (root only) */
};

/* What the supervisor publishes in DIR/info once the cluster is up. */
struct cluster_info {
	pid_t supervisor;
	int rootless;
	unsigned nodes, probes;
	pid_t probe_pid[CLUSTER_MAX_PROBES + 1];
	char netns[64]; /* "" when rootless */
	unsigned long long started_unix_ms;
};

int cluster_paths_init(const char *name, struct cluster_paths *p);
/* DIR/file and DIR/nodeN.suffix. */
void cluster_file(const struct cluster_paths *p, const char *file, char *buf,
		  size_t len);
void node_file(const struct cluster_paths *p, unsigned node, const char *suffix,
	       char *buf, size_t len);

int cluster_info_write(const struct cluster_paths *p,
		       const struct cluster_info *info);
int cluster_info_read(const struct cluster_paths *p, struct cluster_info *info);

/* The supervisor's pid if it is alive (checked against its command line),
 * else 0. */
pid_t cluster_supervisor(const struct cluster_paths *p);

/* Remove whatever is left of a cluster without its supervisor: kill its
 * processes, delete its named namespace and its state directory. Returns
 * the number of things that had to be removed; *problems counts what could
 * not be (with a message printed). */
int cluster_sweep(const struct cluster_paths *p, int *problems);

/* What is left of a cluster, one line each into buf ("" when nothing). */
int cluster_leftovers(const struct cluster_paths *p, char *buf, size_t len);

#endif
